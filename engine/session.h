/* session.h: one recorded attempt: a simulation (sim.h) whose every input and event
 * goes into the hash-chained session log (session_log.h) as it happens, graded at the
 * end (metrics.h, rubric.h), and re-simulated from its log (replay).
 *
 * Log records (one JSON object a line; session_log.h adds seq, prev and hash):
 *   header  {"type":"header","program","version","scenario","scenario_id",
 *            "scenario_sha256","seed","mode","trainee","tick_s","started_utc"
 *            [,"course":{"dose","of","day"}][,"prior_note":{"level","angle_deg"}]}
 *   input   {"type":"input","tick":N,"t":s,"cmd":...}      every command offered
 *   event   {"type":"event","tick":N,"t":s,"event":name,"tissue","level","view",
 *            "pos_mm":[x,y,z],"depth_mm","value"}
 *   metrics {"type":"metrics","end_tick":N, ...--metrics-json keys...}
 *   grade   {"type":"grade", ...rubric.h's grade...}
 *   seal, signature (session_log.h): signed by the signing service (log_signer.h) when
 *            the desc names one, else by this account's station key (station_key.h),
 *            opened (created on first use) by ss_session_begin when there is a log
 * Replay needs nothing but the log and the scenario file (its SHA-256 must match the
 * header's): the inputs are fed to a fresh simulation at their ticks and the events and
 * metrics it produces must equal the logged ones exactly.
 */
#ifndef SS_SESSION_H
#define SS_SESSION_H

#include <cjson/cJSON.h>

#include "rubric.h"
#include "scenario.h"
#include "sim.h"

typedef struct ss_session_desc {
    const ss_scenario *scenario;
    const char *scenario_path;  /* as recorded in the header */
    ss_world world;
    const char *log_path;       /* NULL: no log */
    /* Who signs the log: the signing service at this socket (log_signer.h; begin fails
     * when it does not answer, end fails when it refuses, the log then sealed and
     * unsigned), or, NULL, this account's station key (station_key.h). */
    const char *signer_socket;
    const char *mode;           /* "practice", "exam", "landmark" or "demonstration" */
    const char *trainee;        /* may be NULL */
    /* a dose of a patient's course (run --course): dose (1-based; 0: not a course), of how
     * many, on which day of the schedule; and the previous dose's procedure note (sim.h).
     * Both go into the header, and replay takes them from there. */
    int course_dose, course_doses;
    double course_day;
    ss_proc_note prior_note;
    /* optional observers (the trainer's UI) */
    ss_event_sink extra_sink;
    /* a script command the simulation refused (ss_session_run_script), and why */
    void (*on_refused)(void *user, const ss_script_cmd *cmd, const char *why);
    void *refused_user;
} ss_session_desc;

/* The longest an attempt can last: the largest time limit a scenario (task.time_limit_s)
 * or an exam case may set (s). */
#define SS_SESSION_MAX_S SS_SCRIPT_MAX_TIME_S

typedef struct ss_session ss_session;

ss_status ss_session_begin(const ss_session_desc *d, ss_session **out);
ss_sim *ss_session_sim(ss_session *s);
/* Steps until the script is done (or the scenario's time limit). */
void ss_session_run_script(ss_session *s, const ss_script *script);
/* Ends the attempt (an `end` command if none yet), grades it, writes the metrics and
 * grade records and seals the log. The first log write error is returned (the attempt
 * itself is never lost from memory: metrics and grade are still filled). */
ss_status ss_session_end(ss_session *s, ss_metrics *metrics_out, ss_grade *grade_out);
void ss_session_free(ss_session *s);

/* SHA-256 (hex) of the scenario file's bytes, as in the header. */
void ss_session_scenario_hash(const ss_scenario *sc, char out[65]);

typedef struct ss_replay_result {
    bool match;                 /* events (and metrics, when logged) reproduced exactly */
    bool had_metrics;           /* the log got as far as its metrics record */
    long inputs, events_logged, events_replayed;
    char difference[400];       /* the first difference, in words */
    ss_metrics metrics;         /* as replayed */
} ss_replay_result;

/* Reads the header of a log's records (from ss_log_read): scenario path and hash.
 * SS_ERR_PARSE when the first record is not a header. */
ss_status ss_session_log_header(const cJSON *records, char *scenario_path, size_t path_size, char sha256[65]);

/* What a log's header says its attempt ran under: mode, course dose and the previous
 * dose's note, into d (the other members untouched; those absent stay as they were).
 * SS_ERR_INVALID when they are malformed. Replay, the report and the signing service
 * re-simulate under these. */
ss_status ss_session_header_desc(const cJSON *records, ss_session_desc *d);

/* Re-simulates the records of a log against the scenario and world. SS_ERR_INVALID if
 * the scenario does not match the log's hash or the inputs are malformed. */
ss_status ss_session_replay(const cJSON *records, const ss_scenario *sc, const ss_world *world,
                            ss_replay_result *out);

#endif

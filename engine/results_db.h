/* results_db.h: the results database: every recorded attempt of every trainee, in one
 * SQLite file, for learning curves (history) and exam results.
 *
 * Where: the path given, else $SONOSPINE_RESULTS_DB, else
 * ~/.local/share/sonospine/results.sqlite3 (ss_results_db_default_path). The file and
 * its directory are created on first use. WAL journal (readers never block the writer),
 * a 5 s busy timeout for a second process writing at the same time, and each attempt
 * written in one transaction (all its rows or none).
 * Tables (schema version 2, in the table meta; a version-1 file is upgraded when opened,
 * its rows kept):
 *   trainees (id, name UNIQUE, created_utc)
 *   attempts (id, trainee_id, scenario_id, scenario_sha256, scenario_title, mode
 *             'practice'|'exam'|'landmark', exam_id, exam_case, started_utc, ended_utc, log_path,
 *             log_hash = the hash of the log's seal record (what the station key signs), pass, score, and the
 *             key metrics success, insertions, interspaces_tried, bone_contacts,
 *             puncture_time_s (NULL without CSF), operation_time_s, and for a dose of a
 *             patient's course (run --course) course_dose and course_day, else NULL)
 *   metrics  (attempt_id, name, value): every numeric or yes/no measure of the attempt's
 *             metrics record (yes = 1, no = 0, none = NULL)
 * What it does not do: grade, read logs or decide what a trainee id means.
 */
#ifndef SS_RESULTS_DB_H
#define SS_RESULTS_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "error.h"

typedef struct ss_results_db ss_results_db;

typedef struct ss_attempt {
    long long id;                 /* set by the database */
    char trainee[128];
    char scenario_id[64];
    char scenario_sha256[65];
    char scenario_title[128];
    char mode[16];                /* "practice", "exam" or "landmark" */
    char exam_id[64];             /* "" when not part of an exam */
    int exam_case;                /* 1-based case of the exam, 0 when none */
    char started_utc[32];         /* ISO 8601, "2026-11-21T21:15:57Z" */
    char ended_utc[32];
    char log_path[1024];          /* "" when no log was written */
    char log_hash[65];            /* "" when no log was written */
    bool pass;
    double score;
    bool success;
    int insertions, interspaces_tried, bone_contacts;
    double puncture_time_s;       /* NAN: no CSF */
    double operation_time_s;
    int course_dose;              /* the dose of a patient's course (run --course), 0 when none */
    double course_day;            /* its day in the schedule (NAN when none) */
} ss_attempt;

/* A trainee id: 1 to SS_TRAINEE_ID_MAX bytes of valid UTF-8 without control characters
 * (C0, DEL, C1). SS_ERR_INVALID with the reason otherwise: ids are never cut or
 * cleaned, so two trainees can never be merged by a shared prefix. */
#define SS_TRAINEE_ID_MAX 64
ss_status ss_trainee_id_check(const char *id);

/* $SONOSPINE_RESULTS_DB, else $HOME/.local/share/sonospine/results.sqlite3. */
ss_status ss_results_db_default_path(char *out, size_t size);

/* Opens the database. create: make the file (and its directories) if missing;
 * otherwise a missing file is SS_ERR_IO "no results database at ...". */
ss_status ss_results_db_open(const char *path, bool create, ss_results_db **out);
void ss_results_db_close(ss_results_db *db);

/* Fills the summary fields (pass, score, success, insertions, ...) of an attempt from a
 * metrics object as --metrics-json writes it (metrics.h's ss_metrics_to_json). */
void ss_attempt_from_metrics_json(ss_attempt *a, const cJSON *metrics);

/* Records one attempt and its metrics (every number/bool member of `metrics`, may be
 * NULL) in one transaction; the trainee is created if new. *id_out may be NULL. */
ss_status ss_results_db_add(ss_results_db *db, const ss_attempt *a, const cJSON *metrics, long long *id_out);

/* A trainee's attempts, oldest first (by start time, then by id). *out is malloc'ed
 * (free()), *n may be 0. */
ss_status ss_results_db_attempts(ss_results_db *db, const char *trainee, ss_attempt **out, int *n);

/* One metric of one attempt; SS_ERR_INVALID when it was not recorded. *value is NAN for
 * a metric recorded without a value. */
ss_status ss_results_db_metric(ss_results_db *db, long long attempt_id, const char *name, double *value);

#endif

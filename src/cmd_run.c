/* cmd_run.c: `sonospine run`: the trainer. With --headless (or without a display) no
 * window opens: the simulation runs the session script as fast as the machine allows,
 * recording the log, the metrics and the last B-mode frame. Without --script the
 * scenario's expert demonstration is run (what `make run` shows on a machine with no
 * display). With a display (or SDL_VIDEODRIVER set, e.g. offscreen) and without
 * --headless the trainer window opens instead (src/trainer/trainer.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bmode_cpu.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_case.h"
#include "commands.h"
#include "demo_script.h"
#include "exam.h"
#include "followup.h"
#include "log_signer.h"
#include "platform/gl_context.h"
#include "results_db.h"
#include "session.h"
#include "session_log.h"
#include "spine_world.h"
#include "tissue.h"
#include "trainer/trainer.h"

typedef struct ss__printer {
    bool quiet;
    /* key frame at the first CSF outflow (the demonstration writes it) */
    const char *csf_shot;
    ss_case *cs;
    ss_session *session;
    bool csf_done;
} ss__printer;

static int ss__screenshot(ss_case *cs, ss_session *session, const char *path);

/* A refused script command: the line, the time and why (the script is bad input in
 * part, but the attempt goes on as a trainee's would). */
static void ss__print_refused(void *user, const ss_script_cmd *c, const char *why)
{
    (void)user;
    printf("  refused: line %d (%.2f s, %s): %s\n", c->line, c->t_s, ss_script_op_name(c->op), why);
}

static void ss__print_event(void *user, const ss_event *e)
{
    ss__printer *p = user;
    if (e->type == SS_EV_CSF_OUTFLOW && p->csf_shot && !p->csf_done && p->session) {
        p->csf_done = true;
        if (ss__screenshot(p->cs, p->session, p->csf_shot) != 0) p->csf_shot = NULL;
    }
    if (p->quiet || e->type == SS_EV_LAYER_ENTER) return;
    char details[200];
    ss_event_details(e, details, sizeof details);
    printf("  %8.2f s  %-16s%s\n", e->t_s, ss_event_name(e->type), details);
}

static int ss__mkdir_p(const char *dir)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
            *p = '/';
        }
    return (mkdir(tmp, 0755) != 0 && errno != EEXIST) ? -1 : 0;
}

static int ss__write_json(const char *path, const cJSON *o)
{
    char *text = cJSON_Print(o);
    FILE *f = fopen(path, "wb");
    if (!f || !text) {
        free(text);
        if (f) fclose(f);
        return -1;
    }
    fputs(text, f);
    fputc('\n', f);
    free(text);
    return fclose(f) == 0 ? 0 : -1;
}

/* The B-mode frame the trainee would see now: CPU reference, scenario settings. */
static int ss__screenshot(ss_case *cs, ss_session *session, const char *path)
{
    const ss_sim_state *st = ss_sim_get_state(ss_session_sim(session));
    if (!st->probe_on_skin) {
        fprintf(stderr, "sonospine run: --screenshot: the probe never touched the patient, no image to write\n");
        return -1;
    }
    const ss_volume *vol;
    if (ss_case_volume_posed(cs, st->unflexed, 0.5f, &vol) != SS_OK) return -1;
    ss_probe probe;
    ss_scenario_probe(&cs->scenario, &probe);
    ss_bmode_settings s;
    ss_cli_bmode_settings(&cs->scenario, &s);
    ss_needle_geom needle;
    ss_bmode_scene scene = {.volume = vol, .needle = ss_cli_sim_needle(ss_session_sim(session), &needle)};
    ss_bmode_frame frame = {0};
    int rc = 0;
    if (ss_bmode_cpu_render(&scene, &probe, &st->pose, &s, &frame) != SS_OK ||
        ss_image_write_png(&frame.image, path) != SS_OK)
        rc = -1;
    ss_bmode_frame_free(&frame);
    return rc;
}

static void ss__utc_now(char out[32])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Records the finished attempt in the results database. The log (when there is one) is
 * read back so the row holds exactly what the log holds: its start time and the hash
 * of its seal (the record the station key signs). Returns 0, or -1 after printing why. */
static int ss__record_result(const char *db_path, const char *trainee, const char *mode, const ss_case *cs,
                             const char *log_path, const ss_metrics *m, const char *started_utc, const char *exam_id,
                             int exam_case, long long *id, int course_dose, double course_day)
{
    ss_attempt a;
    memset(&a, 0, sizeof a);
    snprintf(a.trainee, sizeof a.trainee, "%s", trainee);
    snprintf(a.scenario_id, sizeof a.scenario_id, "%s", cs->scenario.id);
    snprintf(a.scenario_title, sizeof a.scenario_title, "%s", cs->scenario.title);
    ss_session_scenario_hash(&cs->scenario, a.scenario_sha256);
    snprintf(a.mode, sizeof a.mode, "%s", mode);
    if (exam_id) snprintf(a.exam_id, sizeof a.exam_id, "%s", exam_id);
    a.exam_case = exam_case;
    a.course_dose = course_dose;
    a.course_day = course_day;
    snprintf(a.started_utc, sizeof a.started_utc, "%s", started_utc);
    ss__utc_now(a.ended_utc);
    cJSON *mj = ss_metrics_to_json(m);
    ss_attempt_from_metrics_json(&a, mj);
    if (log_path) {
        ss_log_check ck;
        cJSON *records = NULL;
        if (ss_log_read(log_path, &ck, &records) != SS_OK) {
            fprintf(stderr, "sonospine run: results database: cannot read back the log: %s\n", ss_error_message());
            cJSON_Delete(mj);
            return -1;
        }
        snprintf(a.log_path, sizeof a.log_path, "%s", log_path);
        /* The seal's hash: what the station key signed (session_log.h), so the row names
         * exactly the signed state of the log. */
        snprintf(a.log_hash, sizeof a.log_hash, "%s", ck.seal_hash[0] ? ck.seal_hash : ck.last_hash);
        const cJSON *h = cJSON_GetArrayItem(records, 0);
        const cJSON *su = cJSON_GetObjectItemCaseSensitive(h, "started_utc");
        if (cJSON_IsString(su)) snprintf(a.started_utc, sizeof a.started_utc, "%s", su->valuestring);
        cJSON_Delete(records);
    }
    ss_results_db *db;
    ss_status st = ss_results_db_open(db_path, true, &db);
    if (st == SS_OK) {
        st = ss_results_db_add(db, &a, mj, id);
        ss_results_db_close(db);
    }
    cJSON_Delete(mj);
    if (st != SS_OK) {
        fprintf(stderr, "sonospine run: the attempt was not recorded: %s (the log is kept)\n", ss_error_message());
        return -1;
    }
    return 0;
}

/* What a window attempt needs to be recorded like a headless one. */
typedef struct ss__window_record {
    const char *db_path, *trainee, *mode, *exam_id, *started_utc;
    int exam_case;
} ss__window_record;

static int ss__record_window_attempt(void *user, const ss_case *cs, const ss_metrics *m, const char *log_path)
{
    const ss__window_record *w = user;
    if (!w->db_path[0]) return 0;
    long long id = 0;
    if (ss__record_result(w->db_path, w->trainee, w->mode, cs, log_path, m, w->started_utc, w->exam_id, w->exam_case,
                          &id, 0, NAN) != 0)
        return -1;
    printf("results  %s (attempt %lld)\n", w->db_path, id);
    return 0;
}

/* ------------------------------------------------------------------ a patient's course */

typedef struct ss__course_opts {
    const char *scripts_dir, *log_path, *metrics_path, *trainee, *db_path, *signer;
    bool quiet;
} ss__course_opts;

/* The log of dose k: LOG with -dose<k> before its extension (out/c6.jsonl ->
 * out/c6-dose2.jsonl). */
static void ss__dose_path(const char *path, int dose, char *out, size_t n)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    if (!dot || (slash && dot < slash)) dot = path + strlen(path);
    snprintf(out, n, "%.*s-dose%d%s", (int)(dot - path), path, dose, dot);
}

static void ss__minutes(double s, char *out, size_t n)
{
    if (isfinite(s)) snprintf(out, n, "%.1f", s / 60.0);
    else snprintf(out, n, "-");
}

static void ss__reported(double v, const char *fmt, char *out, size_t n)
{
    if (isfinite(v)) snprintf(out, n, fmt, v);
    else snprintf(out, n, "-");
}

/* run --course: the scenario's doses in order, each a recorded attempt whose only memory
 * of the earlier ones is the previous dose's procedure note (the trainee's `note`; sim.h);
 * then the course beside what the paper reports for the same procedures (Table 1). */
static int ss__run_course(ss_case *cs, const ss__course_opts *o)
{
    const ss_course *cr = &cs->scenario.course;
    if (cr->ndoses == 0) {
        fprintf(stderr, "sonospine run: --course: scenario %s has no course (a \"course\" section with schedule_days; "
                        "scenarios/schema.json)\n",
                cs->path);
        return SS_EXIT_USAGE;
    }
    /* every dose's script is read before the first dose starts: a missing or bad one is
       bad input, and no attempt is half-recorded because of it */
    ss_script scripts[SS_COURSE_MAX_DOSES];
    memset(scripts, 0, sizeof scripts);
    if (o->scripts_dir)
        for (int i = 0; i < cr->ndoses; i++) {
            char path[1200];
            snprintf(path, sizeof path, "%s/dose-%d.txt", o->scripts_dir, i + 1);
            if (ss_script_load(path, &scripts[i]) != SS_OK) {
                fprintf(stderr, "sonospine run: --course-scripts: %s (the course of %s has %d doses: expected "
                                "dose-1.txt ... dose-%d.txt)\n",
                        ss_error_message(), cs->scenario.id, cr->ndoses, cr->ndoses);
                for (int k = 0; k < i; k++) ss_script_free(&scripts[k]);
                return SS_EXIT_USAGE;
            }
        }
    const bool demo = !o->scripts_dir;
    const char *mode = demo ? "demonstration" : "practice";
    printf("%s of %s (%s): %d dose%s on day%s", demo ? "Expert demonstration of the course" : "The course",
           cs->scenario.id, cs->scenario.title, cr->ndoses, cr->ndoses == 1 ? "" : "s", cr->ndoses == 1 ? "" : "s");
    for (int i = 0; i < cr->ndoses; i++) printf("%s %.0f", i ? "," : "", cr->day[i]);
    printf("\n");
    ss_metrics m[SS_COURSE_MAX_DOSES];
    ss_grade g[SS_COURSE_MAX_DOSES];
    ss_proc_note used[SS_COURSE_MAX_DOSES];
    char logs[SS_COURSE_MAX_DOSES][1100];
    int code = SS_EXIT_OK, ran = 0;
    ss_proc_note prior = {0};
    for (int i = 0; i < cr->ndoses && code == SS_EXIT_OK; i++) {
        int dose = cr->first_dose + i;
        used[i] = prior;
        printf("\nDose %d (day %.0f)", dose, cr->day[i]);
        if (prior.has_level) {
            printf(": the procedure note of the previous dose: %s", ss_level_name(prior.level));
            if (prior.has_angle) printf(", frame at %.1f deg", prior.angle_deg);
        } else if (i > 0) {
            printf(": the previous dose left no procedure note: level and angle to be found again");
        }
        printf("\n");
        ss_world w;
        ss_case_world(cs, &w);
        ss_script demo_script = {0};
        if (demo && ss_demo_script_dose(&cs->scenario, &w, &prior, &demo_script) != SS_OK) {
            fprintf(stderr, "sonospine run: %s\n", ss_error_message());
            code = SS_EXIT_FAILED;
            break;
        }
        logs[i][0] = '\0';
        if (o->log_path) ss__dose_path(o->log_path, i + 1, logs[i], sizeof logs[i]);
        ss__printer printer = {.quiet = o->quiet, .cs = cs};
        ss_session_desc d = {.scenario = &cs->scenario, .scenario_path = cs->path,
                             .log_path = o->log_path ? logs[i] : NULL, .mode = mode, .trainee = o->trainee,
                             .signer_socket = o->signer, .course_dose = dose, .course_doses = cr->first_dose + cr->ndoses - 1,
                             .course_day = cr->day[i], .prior_note = prior,
                             .extra_sink = {ss__print_event, &printer}, .on_refused = ss__print_refused,
                             .refused_user = &printer, .world = w};
        ss_session *session;
        char started_utc[32];
        ss__utc_now(started_utc);
        if (ss_session_begin(&d, &session) != SS_OK) {
            fprintf(stderr, "sonospine run: dose %d: %s\n", dose, ss_error_message());
            ss_script_free(&demo_script);
            code = SS_EXIT_USAGE;
            break;
        }
        ss_session_run_script(session, demo ? &demo_script : &scripts[i]);
        ss_script_free(&demo_script);
        bool log_ok = ss_session_end(session, &m[i], &g[i]) == SS_OK;
        if (!log_ok) {
            fprintf(stderr, "sonospine run: dose %d: the session log %s could not be completed: %s\n", dose, logs[i],
                    ss_error_message());
            code = SS_EXIT_FAILED;
        }
        ss_session_free(session);
        ran++;
        char pt[32] = "none (no CSF)";
        if (isfinite(m[i].puncture_time_s)) snprintf(pt, sizeof pt, "%.1f s", m[i].puncture_time_s);
        printf("  %s: %s, score %.0f/100; insertions %d, interspaces %d, puncture time %s, operation time %.1f s\n",
               g[i].pass ? "PASS" : "FAIL", m[i].success ? "drug in the CSF" : "drug not in the CSF", g[i].score,
               m[i].insertions, m[i].interspaces_tried, pt, m[i].operation_time_s);
        if (m[i].note.has_level) {
            printf("  procedure note: %s", ss_level_name(m[i].note.level));
            if (m[i].note.has_angle) printf(", frame at %.1f deg", m[i].note.angle_deg);
            printf("\n");
        } else {
            printf("  no procedure note written: the next dose starts without this one's level and angle\n");
        }
        if (o->db_path[0] && o->trainee && log_ok && !demo) {
            long long id = 0;
            if (ss__record_result(o->db_path, o->trainee, mode, cs, d.log_path, &m[i], started_utc, NULL, 0, &id,
                                  dose, cr->day[i]) != 0)
                code = SS_EXIT_FAILED;
            else
                printf("  results  %s (attempt %lld)\n", o->db_path, id);
        }
        if (d.log_path) printf("  log      %s\n", d.log_path);
        prior = m[i].note; /* only what was written down goes on */
    }
    for (int i = 0; i < cr->ndoses; i++) ss_script_free(&scripts[i]);
    /* the course beside the paper's */
    printf("\n%-5s %5s  %-6s %-5s %11s %10s %9s %9s", "dose", "day", "level", "note", "interspaces", "insertions",
           "operation", "puncture");
    if (cr->reported) printf("   | %-6s %11s %10s %9s %9s", "paper", "interspaces", "insertions", "operation", "puncture");
    printf("\n%-5s %5s  %-6s %-5s %11s %10s %9s %9s", "", "", "", "used", "", "", "min", "min");
    if (cr->reported) printf("   | %-6s %11s %10s %9s %9s", "", "", "", "min", "min");
    printf("\n");
    for (int i = 0; i < ran; i++) {
        char op[16], pu[16], lv[16] = "-";
        ss__minutes(m[i].operation_time_s, op, sizeof op);
        ss__minutes(m[i].puncture_time_s, pu, sizeof pu);
        if (m[i].prep.present && m[i].prep.level_choice >= 0) snprintf(lv, sizeof lv, "%s", ss_level_name(m[i].prep.level_choice));
        else if (m[i].note.has_level) snprintf(lv, sizeof lv, "%s", ss_level_name(m[i].note.level));
        printf("%-5d %5.0f  %-6s %-5s %11d %10d %9s %9s", cr->first_dose + i, cr->day[i], lv,
               used[i].has_level ? "yes" : "no", m[i].interspaces_tried, m[i].insertions, op, pu);
        if (cr->reported) {
            char a1[16], a2[16], a3[16], a4[16];
            ss__reported(cr->interspaces[i], "%.0f", a1, sizeof a1);
            ss__reported(cr->insertions[i], "%.0f", a2, sizeof a2);
            ss__reported(cr->operation_time_min[i], "%.0f", a3, sizeof a3);
            ss__reported(cr->puncture_time_min[i], "%.0f", a4, sizeof a4);
            printf("   | %-6s %11s %10s %9s %9s", "", a1, a2, a3, a4);
        }
        printf("\n");
    }
    if (cr->reported) printf("paper: %s\n", cs->scenario.based_on);
    if (o->metrics_path) {
        cJSON *root = cJSON_CreateObject();
        cJSON *c = cJSON_AddObjectToObject(root, "course");
        cJSON_AddStringToObject(c, "scenario_id", cs->scenario.id);
        cJSON *doses = cJSON_AddArrayToObject(c, "doses");
        for (int i = 0; i < ran; i++) {
            cJSON *dj = cJSON_CreateObject();
            cJSON_AddNumberToObject(dj, "dose", cr->first_dose + i);
            cJSON_AddNumberToObject(dj, "day", cr->day[i]);
            cJSON_AddBoolToObject(dj, "note_used", used[i].has_level || used[i].has_angle);
            if (logs[i][0]) cJSON_AddStringToObject(dj, "log", logs[i]);
            cJSON_AddItemToObject(dj, "metrics", ss_metrics_to_json(&m[i]));
            if (cr->reported) {
                cJSON *r = cJSON_AddObjectToObject(dj, "reported");
                const double v[4] = {cr->insertions[i], cr->interspaces[i], cr->operation_time_min[i],
                                     cr->puncture_time_min[i]};
                const char *k[4] = {"insertions", "interspaces", "operation_time_min", "puncture_time_min"};
                for (int j = 0; j < 4; j++)
                    if (isfinite(v[j])) cJSON_AddNumberToObject(r, k[j], v[j]);
                    else cJSON_AddNullToObject(r, k[j]);
            }
            cJSON_AddItemToArray(doses, dj);
        }
        if (ss__write_json(o->metrics_path, root) != 0) {
            fprintf(stderr, "sonospine run: --metrics-json %s: %s\n", o->metrics_path, strerror(errno));
            code = SS_EXIT_FAILED;
        }
        cJSON_Delete(root);
        printf("metrics  %s\n", o->metrics_path);
    }
    if (demo && o->trainee) printf("results  not recorded: the expert demonstration is not %s's attempt\n", o->trainee);
    return code;
}

int ss_cmd_run(int argc, char **argv)
{
    const char *mode = "practice", *trainee = NULL, *script_path = NULL, *log_path = NULL, *metrics_path = NULL,
               *shot_path = NULL, *stats_path = NULL, *db_opt = NULL,
               *exam_path = NULL;
    int exam_case = 0;
    bool exit_after = false, headless = false, quiet = false, allow_unsigned = false, course = false;
    const char *course_scripts = NULL;
    double speed = 1.0;
    const ss_opt opts[] = {
        {"--mode", SS_OPT_CHOICE, &mode, 0, 0, "practice|exam|landmark"},
        {"--trainee", SS_OPT_STRING, &trainee, 0, 0, NULL},
        {"--script", SS_OPT_STRING, &script_path, 0, 0, NULL},
        {"--exit-after-script", SS_OPT_FLAG, &exit_after, 0, 0, NULL},
        {"--speed", SS_OPT_DOUBLE, &speed, 0.1, 1000, NULL},
        {"--log", SS_OPT_STRING, &log_path, 0, 0, NULL},
        {"--metrics-json", SS_OPT_STRING, &metrics_path, 0, 0, NULL},
        {"--screenshot", SS_OPT_STRING, &shot_path, 0, 0, NULL},
        {"--frame-stats", SS_OPT_STRING, &stats_path, 0, 0, NULL},
        {"--headless", SS_OPT_FLAG, &headless, 0, 0, NULL},
        {"--quiet", SS_OPT_FLAG, &quiet, 0, 0, NULL},
        {"--results-db", SS_OPT_STRING, &db_opt, 0, 0, NULL},
        {"--exam", SS_OPT_STRING, &exam_path, 0, 0, NULL},
        {"--case", SS_OPT_INT, &exam_case, 1, SS_EXAM_MAX_CASES, NULL},
        {"--allow-unsigned-exam", SS_OPT_FLAG, &allow_unsigned, 0, 0, NULL},
        {"--course", SS_OPT_FLAG, &course, 0, 0, NULL},
        {"--course-scripts", SS_OPT_STRING, &course_scripts, 0, 0, NULL},
    };
    ss_args a;
    if (!ss_args_parse("run", argc, argv, opts, (int)(sizeof opts / sizeof opts[0]), &a)) return SS_EXIT_USAGE;
    if (a.npositional > 1) {
        fprintf(stderr, "sonospine run: expected at most one SCENARIO, got %d\n", a.npositional);
        return SS_EXIT_USAGE;
    }
    const char *video_driver = getenv("SDL_VIDEODRIVER");
    bool window = !headless && (ss_gl_display_available() || (video_driver && *video_driver));
    if (!headless && !window) {
        printf("sonospine run: no display: running headless\n");
        headless = true;
    }
    if (strcmp(mode, "landmark") == 0 && headless && !script_path) {
        fprintf(stderr, "sonospine run: --mode landmark runs in the window (palpation in the 3D view, the needle "
                        "free hand) or headless from a script (--script FILE, with needle.landmark LEVEL "
                        "CRANIAL_DEG): the expert demonstration a headless run would play is the guided "
                        "technique\n");
        return SS_EXIT_USAGE;
    }
    if (stats_path && headless) {
        fprintf(stderr, "sonospine run: --frame-stats measures drawn frames and needs the trainer window, which "
                        "a headless run does not open\n");
        return SS_EXIT_USAGE;
    }
    /* Results go to the database when one is named, or to the default one when the
     * attempt has a trainee (results_db.h). */
    char db_path[1024] = "";
    /* An exam case: the scenario, its time limit and exam mode come from the exam file. */
    ss_exam *exam = NULL;
    if (exam_path || exam_case) {
        if (!exam_path || !exam_case || a.npositional) {
            fprintf(stderr, "sonospine run: an exam case is run as `run --exam FILE --case N` (no SCENARIO)\n");
            return SS_EXIT_USAGE;
        }
        static ss_exam exam_storage; /* 34 KB: not on the stack; one run per process */
        exam = &exam_storage;
        ss_diag_list dl;
        ss_diag_list_init(&dl);
        ss_status est = ss_exam_load(exam_path, exam, &dl);
        ss_cli_print_diags(&dl, exam_path);
        ss_diag_list_free(&dl);
        if (est != SS_OK || exam_case > exam->ncases) {
            if (est == SS_OK)
                fprintf(stderr, "sonospine run: --case %d: exam %s has %d cases\n", exam_case, exam->id, exam->ncases);
            return SS_EXIT_USAGE;
        }
        mode = "exam";
    }
    bool exam_mode = strcmp(mode, "exam") == 0;
    if (exam_mode && (!trainee || !log_path)) {
        fprintf(stderr, "sonospine run: --mode exam needs --trainee ID and --log FILE (the record the result rests "
                        "on)\n");
        return SS_EXIT_USAGE;
    }
    if (trainee && ss_trainee_id_check(trainee) != SS_OK) {
        fprintf(stderr, "sonospine run: --trainee: %s\n", ss_error_message());
        return SS_EXIT_USAGE;
    }
    if (db_opt && !trainee) {
        fprintf(stderr, "sonospine run: --results-db needs --trainee ID (whose attempt it is)\n");
        return SS_EXIT_USAGE;
    }
    /* Without a script a headless run is the machine's expert demonstration: never an exam
     * attempt, never a trainee's result (issue 21) */
    if (exam_mode && headless && !script_path) {
        fprintf(stderr, "sonospine run: an exam attempt is the candidate's own: give --script FILE (the candidate's "
                        "inputs) or run it in the window; the expert demonstration is never an exam attempt\n");
        return SS_EXIT_USAGE;
    }
    /* Who signs the logs: the station's signing service when it answers (log_signer.h),
     * else this account's own station key, which an examiner does not trust. An exam
     * without the service would leave a log nobody can authenticate: refused, unless
     * --allow-unsigned-exam (a demonstration of exam mode). */
    const char *signer = ss_signer_in_use();
    if (exam_mode && !signer && !allow_unsigned) {
        const char *sock = ss_signer_socket();
        fprintf(stderr,
                "sonospine run: an exam needs the station's signing service (sonospine signer, docs/security.md), and "
                "%s%s%s: its log could not be authenticated. Start the service (systemctl start sonospine-signer), "
                "or give --allow-unsigned-exam to run the exam as a demonstration, its log unauthenticated\n",
                sock ? "none answers at " : "none is configured ($SONOSPINE_SIGNER_SOCKET is empty)", sock ? sock : "",
                "");
        return SS_EXIT_USAGE;
    }
    if (exam_mode && !signer)
        printf("exam without the signing service (--allow-unsigned-exam): its log will not be authentic\n");
    if (allow_unsigned && !exam_mode) {
        fprintf(stderr, "sonospine run: --allow-unsigned-exam is for exams (--mode exam or --exam FILE)\n");
        return SS_EXIT_USAGE;
    }
    if (db_opt) {
        snprintf(db_path, sizeof db_path, "%s", db_opt);
    } else if (trainee && ss_results_db_default_path(db_path, sizeof db_path) != SS_OK) {
        fprintf(stderr, "sonospine run: %s\n", ss_error_message());
        return SS_EXIT_USAGE;
    }
    /* headless runs always end with the script, as fast as the machine allows:
     * --exit-after-script and --speed matter only in the window */
    if (course_scripts && !course) {
        fprintf(stderr, "sonospine run: --course-scripts DIR goes with --course\n");
        return SS_EXIT_USAGE;
    }
    if (course) {
        if (exam || exam_mode || strcmp(mode, "practice") != 0 || script_path || shot_path) {
            fprintf(stderr, "sonospine run: --course plays a patient's doses in practice: one script a dose from "
                            "--course-scripts DIR (dose-1.txt, dose-2.txt, ...), or the expert demonstration without "
                            "it; not with --mode %s, --exam, --script or --screenshot\n",
                    mode);
            return SS_EXIT_USAGE;
        }
        if (window) printf("sonospine run: --course runs headless (the window plays one attempt)\n");
        ss_case cs;
        int rc = ss_cli_load_case("run", a.npositional ? a.positional[0] : NULL, &cs);
        if (rc) return rc;
        ss__course_opts co = {.scripts_dir = course_scripts, .log_path = log_path, .metrics_path = metrics_path,
                              .trainee = trainee, .db_path = db_path, .quiet = quiet, .signer = signer};
        rc = ss__run_course(&cs, &co);
        ss_case_free(&cs);
        return rc;
    }

    ss_script script = {0};
    if (script_path && ss_script_load(script_path, &script) != SS_OK) {
        fprintf(stderr, "%s\n", ss_error_message());
        return SS_EXIT_USAGE;
    }
    /* A variant case runs the variant of its seed, written beside the log (which exam
     * mode requires) so that the log names a file replay and report can load. */
    char case_path[SS_EXAM_PATH_MAX + 128];
    if (exam) {
        char dir[SS_EXAM_PATH_MAX];
        snprintf(dir, sizeof dir, "%s", log_path);
        char *slash = strrchr(dir, '/');
        if (slash) *slash = 0;
        else snprintf(dir, sizeof dir, ".");
        if (ss_exam_case_scenario(exam, exam_case - 1, dir, case_path, sizeof case_path) != SS_OK) {
            fprintf(stderr, "sonospine run: exam %s case %d: %s\n", exam->id, exam_case, ss_error_message());
            ss_script_free(&script);
            return SS_EXIT_USAGE;
        }
        if (exam->cases[exam_case - 1].has_variant_seed)
            printf("exam %s case %d: variant %s (seed %u of %s)\n", exam->id, exam_case, case_path,
                   exam->cases[exam_case - 1].variant_seed, exam->cases[exam_case - 1].scenario);
    }
    ss_case cs;
    int rc = ss_cli_load_case("run", exam ? case_path : a.npositional ? a.positional[0] : NULL, &cs);
    if (rc) {
        ss_script_free(&script);
        return rc;
    }
    if (exam_mode) cs.scenario.aids = (ss_aids){0}; /* no aids in an exam, whatever the scenario allows */
    if (exam) cs.scenario.task.time_limit_s = exam->cases[exam_case - 1].time_limit_s;
    if (window) {
        char started[32];
        ss__utc_now(started);
        ss__window_record wr = {.db_path = db_path, .trainee = trainee, .mode = mode,
                                .exam_id = exam ? exam->id : NULL, .started_utc = started, .exam_case = exam_case};
        ss_trainer_desc td = {.cs = &cs, .mode = mode, .trainee = trainee, .script = script_path ? &script : NULL,
                              .speed = speed, .exit_after_script = exit_after, .log_path = log_path,
                              .metrics_path = metrics_path, .screenshot_path = shot_path,
                              .frame_stats_path = stats_path, .quiet = quiet, .signer_socket = signer,
                              .on_graded = ss__record_window_attempt, .user = &wr};
        int trc = ss_trainer_run(&td);
        ss_case_free(&cs);
        ss_script_free(&script);
        return trc;
    }
    bool demo = !script_path;
    if (demo) {
        /* logged as what it is; kept out of every trainee's history and CUSUM */
        mode = "demonstration";
        db_path[0] = '\0';
    }
    ss_world demo_world;
    ss_case_world(&cs, &demo_world);
    if (demo && ss_demo_script(&cs.scenario, &demo_world, &script) != SS_OK) {
        fprintf(stderr, "sonospine run: %s\n", ss_error_message());
        ss_case_free(&cs);
        return SS_EXIT_FAILED;
    }
    /* A demo with nowhere named to write goes to out/, under names that never collide. */
    char def_log[256], def_metrics[256], def_shot[256], def_csf[256] = "";
    if (demo && !log_path && !metrics_path && !shot_path) {
        char stamp[32];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
        if (ss__mkdir_p("out") != 0) {
            fprintf(stderr, "sonospine run: cannot create out/: %s\n", strerror(errno));
            ss_case_free(&cs);
            ss_script_free(&script);
            return SS_EXIT_FAILED;
        }
        snprintf(def_log, sizeof def_log, "out/demo-%s-%s.jsonl", cs.scenario.id, stamp);
        snprintf(def_metrics, sizeof def_metrics, "out/demo-%s-%s-metrics.json", cs.scenario.id, stamp);
        snprintf(def_shot, sizeof def_shot, "out/demo-%s-%s-bmode.png", cs.scenario.id, stamp);
        snprintf(def_csf, sizeof def_csf, "out/demo-%s-%s-csf.png", cs.scenario.id, stamp);
        log_path = def_log;
        metrics_path = def_metrics;
        shot_path = def_shot;
    }

    printf("%s %s: %s\n", demo ? "Expert demonstration on" : "Scripted attempt on", cs.path, cs.scenario.title);
    ss__printer printer = {.quiet = quiet, .csf_shot = def_csf[0] ? def_csf : NULL, .cs = &cs};
    ss_session_desc d = {.scenario = &cs.scenario, .scenario_path = cs.path, .log_path = log_path, .mode = mode,
                         .trainee = trainee, .signer_socket = signer, .extra_sink = {ss__print_event, &printer},
                         .on_refused = ss__print_refused, .refused_user = &printer};
    ss_case_world(&cs, &d.world);
    ss_session *session;
    char started_utc[32];
    ss__utc_now(started_utc);
    if (ss_session_begin(&d, &session) != SS_OK) {
        /* --log names a file that cannot be made, or the station key is refused: bad
         * input (2); out of memory or a broken invariant: the task failed (1). */
        ss_status why = ss_error_status();
        fprintf(stderr, "sonospine run: %s\n", ss_error_message());
        ss_case_free(&cs);
        ss_script_free(&script);
        return why == SS_ERR_NOMEM || why == SS_ERR_INTERNAL ? SS_EXIT_FAILED : SS_EXIT_USAGE;
    }
    printer.session = session;
    ss_session_run_script(session, &script);
    const char *note = ss_sim_get_state(ss_session_sim(session))->note;
    if (note[0]) printf("  last refused command: %s\n", note);
    int code = SS_EXIT_OK;
    if (shot_path) {
        if (ss__screenshot(&cs, session, shot_path) != 0) {
            fprintf(stderr, "sonospine run: --screenshot %s: %s\n", shot_path, ss_error_message());
            code = SS_EXIT_FAILED;
        }
    }
    ss_metrics m;
    ss_grade g;
    bool log_ok = true;
    if (ss_session_end(session, &m, &g) != SS_OK) {
        fprintf(stderr, "sonospine run: the session log %s could not be completed: %s\n", log_path,
                ss_error_message());
        code = SS_EXIT_FAILED;
        log_ok = false;
    }
    ss_session_free(session);
    printf("\n%s: %s, score %.0f/100 (%s)\n", g.pass ? "PASS" : "FAIL", m.success ? "drug in the CSF" : "drug not in the CSF",
           g.score, g.pass_reason);
    char pt[32] = "none (no CSF)";
    if (m.puncture_time_s == m.puncture_time_s) snprintf(pt, sizeof pt, "%.1f s", m.puncture_time_s);
    printf("  insertions %d, interspaces %d, bone contacts %d, puncture time %s, operation time %.1f s\n",
           m.insertions, m.interspaces_tried, m.bone_contacts, pt, m.operation_time_s);
    if (g.preparation[0]) printf("  %s\n", g.preparation);
    ss_followup fu;
    ss_followup_assess(m.pdph_risk_pct, m.nerve_contacts, m.bone_contacts, m.insertions, m.vessel_punctures, &fu);
    char fus[400];
    ss_followup_describe(&fu, m.bone_contacts, m.insertions, fus, sizeof fus);
    if (m.insertions > 0) printf("  %s\n", fus);
    for (int i = 0; i < g.nweaknesses; i++) printf("  - %s\n", g.weaknesses[i]);
    for (int i = 0; i < g.nstrengths; i++) printf("  + %s\n", g.strengths[i]);
    if (metrics_path) {
        cJSON *mj = ss_metrics_to_json(&m);
        cJSON_AddItemToObject(mj, "followup", ss_followup_to_json(&fu));
        if (ss__write_json(metrics_path, mj) != 0) {
            fprintf(stderr, "sonospine run: --metrics-json %s: %s\n", metrics_path, strerror(errno));
            code = SS_EXIT_FAILED;
        }
        cJSON_Delete(mj);
    }
    long long attempt_id = 0;
    bool recorded = false;
    if (db_path[0] && !log_ok) {
        /* the result rests on its log: one whose seal was never written is not a result */
        fprintf(stderr, "sonospine run: results not recorded in %s: the attempt's log is incomplete\n", db_path);
    } else if (db_path[0]) {
        if (ss__record_result(db_path, trainee, mode, &cs, log_path, &m, started_utc,
                              exam_path ? exam->id : NULL, exam_case, &attempt_id, 0, NAN) != 0)
            code = SS_EXIT_FAILED;
        else
            recorded = true;
    }
    if (log_path) printf("log      %s\n", log_path);
    if (metrics_path) printf("metrics  %s\n", metrics_path);
    if (shot_path) printf("image    %s (the last frame)\n", shot_path);
    if (printer.csf_shot && printer.csf_done) printf("image    %s (the moment CSF flowed)\n", printer.csf_shot);
    if (recorded) printf("results  %s (attempt %lld)\n", db_path, attempt_id);
    if (demo && trainee) printf("results  not recorded: the expert demonstration is not %s's attempt\n", trainee);
    ss_case_free(&cs);
    ss_script_free(&script);
    return code;
}

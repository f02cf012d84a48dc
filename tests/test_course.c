/* test_course.c: a patient's course (issue 24, part 3): the scenario's dose schedule and
 * the paper's per-procedure figures (Table 1), the procedure note a dose leaves for the
 * next (`note LEVEL [ANGLE]`; `probe.view note ...`, `level.choose note`, `guide.attach
 * note` use it, and are refused when nothing was noted), `run --course` playing the doses
 * in order with only the note carried over, the logs replaying with the note their header
 * names, and the results database recording the doses (schema 2, upgraded from 1 with its
 * rows kept; landmark-only attempts recorded too). */
#include <criterion/criterion.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "paths.h"
#include "patient_case.h"
#include "results_db.h"
#include "session.h"
#include "session_log.h"
#include "spine_world.h"
#include "test_support.h"

static int nrefused;
static char refused_why[8][320];

static void on_refused(void *user, const ss_script_cmd *c, const char *why)
{
    (void)user;
    (void)c;
    if (nrefused < 8) snprintf(refused_why[nrefused], sizeof refused_why[0], "%s", why);
    nrefused++;
}

/* One attempt on case 6 with the given prior note; its metrics. */
static void dose(const char *text, const ss_proc_note *prior, const char *log, ss_metrics *m)
{
    ss_case cs;
    cr_assert_eq(ss_case_load(ts_source_path("scenarios/wei2023-case6.json"), NULL, &cs), SS_OK, "%s",
                 ss_error_message());
    ss_script s;
    cr_assert_eq(ss_script_parse(text, "dose", &s), SS_OK, "%s", ss_error_message());
    ss_session_desc d = {.scenario = &cs.scenario, .scenario_path = cs.path, .mode = "practice",
                         .on_refused = on_refused, .log_path = log, .course_dose = 2, .course_doses = 4,
                         .course_day = 14};
    if (prior) d.prior_note = *prior;
    ss_case_world(&cs, &d.world);
    ss_session *ses;
    cr_assert_eq(ss_session_begin(&d, &ses), SS_OK, "%s", ss_error_message());
    ss_session_run_script(ses, &s);
    ss_grade g;
    cr_assert_eq(ss_session_end(ses, m, &g), SS_OK, "%s", ss_error_message());
    ss_session_free(ses);
    ss_script_free(&s);
    ss_case_free(&cs);
}

Test(course, the_paper_cases_carry_their_schedule_and_table_1)
{
    ss_scenario sc;
    cr_assert_eq(ss_scenario_load(ts_source_path("scenarios/wei2023-case6.json"), &sc, NULL), SS_OK, "%s",
                 ss_error_message());
    const ss_course *c = &sc.course;
    /* nusinersen's loading doses; Table 1, case 6: 3/1/1/1 interspaces, 8/2/1/1 insertions,
       56/37/17/15 min operation time, 30/15/3/3 min puncture time */
    cr_assert_eq(c->ndoses, 4);
    const double days[4] = {0, 14, 28, 63}, ins[4] = {8, 2, 1, 1}, isp[4] = {3, 1, 1, 1}, op[4] = {56, 37, 17, 15},
                 pu[4] = {30, 15, 3, 3};
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(c->day[i], days[i]);
        cr_assert_eq(c->insertions[i], ins[i]);
        cr_assert_eq(c->interspaces[i], isp[i]);
        cr_assert_eq(c->operation_time_min[i], op[i]);
        cr_assert_eq(c->puncture_time_min[i], pu[i]);
    }
    cr_assert_eq(c->first_dose, 1);
    ss_scenario_free(&sc);
    /* case 4's one procedure under ultrasound was its fourth dose */
    cr_assert_eq(ss_scenario_load(ts_source_path("scenarios/wei2023-case4.json"), &sc, NULL), SS_OK);
    cr_assert_eq(sc.course.ndoses, 1);
    cr_assert_eq(sc.course.first_dose, 4);
    cr_assert_eq(sc.course.insertions[0], 1);
    ss_scenario_free(&sc);
    /* a scenario without a course has none */
    cr_assert_eq(ss_scenario_load(ts_source_path("scenarios/normal-adult.json"), &sc, NULL), SS_OK);
    cr_assert_eq(sc.course.ndoses, 0);
    ss_scenario_free(&sc);
}

static void bad_course(const char *course, const char *expect)
{
    char *text = NULL;
    size_t len = 0;
    cr_assert_eq(ss_file_read(ts_source_path("scenarios/normal-adult.json"), 1 << 20, &text, &len), SS_OK);
    cJSON *root = cJSON_Parse(text);
    free(text);
    cJSON_AddItemToObject(root, "course", cJSON_Parse(course));
    char *out = cJSON_Print(root);
    cJSON_Delete(root);
    ss_scenario sc;
    ss_diag_list dl;
    ss_diag_list_init(&dl);
    cr_assert_neq(ss_scenario_parse(out, strlen(out), "bad.json", &sc, &dl), SS_OK, "%s accepted", course);
    cr_assert(strstr(ss_error_message(), expect), "%s: message '%s' lacks '%s'", course, ss_error_message(), expect);
    ss_diag_list_free(&dl);
    free(out);
}

Test(course, a_bad_course_section_is_named)
{
    bad_course("{\"schedule_days\": [0, 28, 14]}", "course.schedule_days");
    bad_course("{\"schedule_days\": [0, 28, 14]}", "rise");
    bad_course("{\"schedule_days\": []}", "course.schedule_days");
    bad_course("{\"first_dose\": 2}", "schedule_days");
    bad_course("{\"schedule_days\": [0, 14], \"reported\": {\"insertions\": [1]}}", "course.reported.insertions");
    bad_course("{\"schedule_days\": [0, 14], \"reported\": {\"insertions\": [1, 2], \"minutes\": [3, 4]}}", "minutes");
    bad_course("{\"schedule_days\": [0.5]}", "whole number");
}

Test(course, note_commands_parse_and_round_trip_through_the_log_form)
{
    ss_script s;
    cr_assert_eq(ss_script_parse("0 note L4-L5 23.5\n1 note L3-L4\n2 level.choose note\n3 probe.view note "
                                 "near-spinous right\n4 guide.attach note\n",
                                 "notes", &s),
                 SS_OK, "%s", ss_error_message());
    cr_assert_eq(s.count, 5);
    cr_assert_eq(s.cmds[0].op, SS_OP_NOTE);
    cr_assert_eq(s.cmds[0].level, SS_LEVEL_L4_L5);
    cr_assert_eq(s.cmds[0].args[0], 23.5);
    cr_assert_eq(s.cmds[0].note_angle, 1);
    /* a note without an angle records none, and its arguments stay finite numbers (a NaN
       there broke the script fuzzer's invariant) */
    cr_assert_eq(s.cmds[1].note_angle, 0);
    cr_assert(isfinite(s.cmds[1].args[0]));
    cr_assert_eq(s.cmds[2].level, SS_LEVEL_NOTE);
    cr_assert_eq(s.cmds[3].level, SS_LEVEL_NOTE);
    cr_assert_eq(s.cmds[4].guide_note, 1);
    for (size_t i = 0; i < s.count; i++) {
        cJSON *j = ss_script_cmd_to_json(&s.cmds[i]);
        ss_script_cmd back;
        cr_assert(ss_script_cmd_from_json(j, &back), "command %zu does not read back", i);
        cr_assert_eq(back.op, s.cmds[i].op);
        cr_assert_eq(back.level, s.cmds[i].level);
        cr_assert_eq(back.guide_note, s.cmds[i].guide_note);
        cr_assert_eq(back.note_angle, s.cmds[i].note_angle, "command %zu", i);
        if (s.cmds[i].note_angle)
            cr_assert_eq(back.args[0], s.cmds[i].args[0], "command %zu: angle %g read back as %g", i,
                         s.cmds[i].args[0], back.args[0]);
        cJSON_Delete(j);
    }
    ss_script_free(&s);
    /* what is not a note */
    ss_script bad;
    cr_assert_neq(ss_script_parse("0 note L9-L10\n", "bad", &bad), SS_OK);
    cr_assert_neq(ss_script_parse("0 note L4-L5 95\n", "bad", &bad), SS_OK);
    cr_assert_neq(ss_script_parse("0 note note\n", "bad", &bad), SS_OK, "a note names a real interspace");
    cr_assert_neq(ss_script_parse("0 needle.landmark note 5\n", "bad", &bad), SS_OK);
}

Test(course, only_what_was_noted_goes_on_to_the_next_dose)
{
    const char *use_note = "0 level.choose note\n"
                           "1 probe.view note near-spinous right\n"
                           "2 guide.attach note\n"
                           "3 end\n";
    /* nothing noted: all three refused, with the reason */
    nrefused = 0;
    ss_metrics m;
    dose(use_note, NULL, NULL, &m);
    cr_assert_eq(nrefused, 3, "%d refused", nrefused);
    cr_assert(strstr(refused_why[0], "no procedure note"), "%s", refused_why[0]);
    cr_assert(strstr(refused_why[2], "frame's angle"), "%s", refused_why[2]);
    cr_assert(!m.note.has_level, "this dose wrote no note");
    /* noted: the interspace and the angle are the note's */
    nrefused = 0;
    ss_proc_note n = {.has_level = true, .level = SS_LEVEL_L4_L5, .has_angle = true, .angle_deg = 21.0};
    dose("0 level.choose note\n1 probe.view note near-spinous right\n2 guide.attach note\n3 note L4-L5 21\n4 end\n",
         &n, NULL, &m);
    cr_assert_eq(nrefused, 0, "refused: %s", refused_why[0]);
    cr_assert(m.prep.present);
    cr_assert_eq(m.prep.level_choice, SS_LEVEL_L4_L5);
    cr_assert_eq(m.prep.level_choice_ok, 1, "L4-L5 is case 6's least rotated interspace");
    cr_assert(m.note.has_level && m.note.level == SS_LEVEL_L4_L5 && m.note.has_angle && m.note.angle_deg == 21.0);
    /* a level noted without an angle: the frame's angle must be set again */
    nrefused = 0;
    ss_proc_note lv = {.has_level = true, .level = SS_LEVEL_L4_L5};
    dose(use_note, &lv, NULL, &m);
    cr_assert_eq(nrefused, 1);
    cr_assert(strstr(refused_why[0], "frame's angle"), "%s", refused_why[0]);
}

Test(course, a_dose_replays_with_the_note_its_header_names)
{
    const char *dir = ts_tempdir("course-replay");
    char log[512];
    snprintf(log, sizeof log, "%s/dose2.jsonl", dir);
    ss_proc_note n = {.has_level = true, .level = SS_LEVEL_L4_L5, .has_angle = true, .angle_deg = 21.0};
    ss_metrics m;
    nrefused = 0;
    dose("0 level.choose note\n1 probe.view note near-spinous right\n2 guide.attach note\n3 needle.enter\n"
         "4 needle.advance 20 5\n30 end\n",
         &n, log, &m);
    cr_assert_eq(nrefused, 0, "%s", refused_why[0]);
    ss_log_check ck;
    cJSON *records = NULL;
    cr_assert_eq(ss_log_read(log, &ck, &records), SS_OK, "%s", ss_error_message());
    const cJSON *h = cJSON_GetArrayItem(records, 0);
    const cJSON *pn = cJSON_GetObjectItemCaseSensitive(h, "prior_note"), *co = cJSON_GetObjectItemCaseSensitive(h, "course");
    cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(pn, "level")->valuestring, "L4-L5");
    cr_assert_eq(cJSON_GetObjectItemCaseSensitive(pn, "angle_deg")->valuedouble, 21.0);
    cr_assert_eq(cJSON_GetObjectItemCaseSensitive(co, "dose")->valuedouble, 2);
    ss_case cs;
    cr_assert_eq(ss_case_load(ts_source_path("scenarios/wei2023-case6.json"), NULL, &cs), SS_OK);
    ss_world w;
    ss_case_world(&cs, &w);
    ss_replay_result r;
    cr_assert_eq(ss_session_replay(records, &cs.scenario, &w, &r), SS_OK, "%s", ss_error_message());
    cr_assert(r.match, "%s", r.difference);
    cr_assert(r.had_metrics);
    /* the same inputs with no note: the note commands are refused, and the replay differs
       (the header's note is what the attempt ran under) */
    cJSON_DeleteItemFromObject((cJSON *)h, "prior_note");
    cr_assert_eq(ss_session_replay(records, &cs.scenario, &w, &r), SS_OK, "%s", ss_error_message());
    cr_assert(!r.match, "a dose without its note must not reproduce");
    cJSON_Delete(records);
    ss_case_free(&cs);
    ts_rmtree(dir);
}

/* run --course with the trainee's own scripts: dose 1 writes (or not) the note. */
static void course_run(bool write_note, ts_run_result *r, cJSON **metrics, const char *dir)
{
    char p[512];
    snprintf(p, sizeof p, "%s/scripts", dir);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", p);
    cr_assert_eq(system(cmd), 0);
    const char *first = write_note ? "0 level.choose L4-L5\n0 probe.view L4-L5 near-spinous right\n1 guide.attach 20\n"
                                     "2 note L4-L5 20\n3 end\n"
                                   : "0 level.choose L4-L5\n0 probe.view L4-L5 near-spinous right\n1 guide.attach 20\n"
                                     "3 end\n";
    const char *later = "0 level.choose note\n0 probe.view note near-spinous right\n1 guide.attach note\n"
                        "2 note L4-L5 20\n3 end\n";
    for (int i = 1; i <= 4; i++) {
        char f[600];
        snprintf(f, sizeof f, "%s/dose-%d.txt", p, i);
        cr_assert_eq(ts_write_file(f, i == 1 ? first : later), 0);
    }
    char log[600], mj[600], db[600];
    snprintf(log, sizeof log, "%s/c6.jsonl", dir);
    snprintf(mj, sizeof mj, "%s/course.json", dir);
    snprintf(db, sizeof db, "%s/results.sqlite3", dir);
    const char *args[] = {"run", ts_source_path("scenarios/wei2023-case6.json"), "--headless", "--course",
                          "--course-scripts", p, "--log", log, "--metrics-json", mj, "--trainee", "t-course",
                          "--results-db", db, "--quiet", NULL};
    ts_run_sonospine(r, args);
    *metrics = ts_read_json(mj);
}

Test(course, run_course_carries_the_note_and_shows_table_1, .timeout = 120)
{
    const char *dir = ts_tempdir("course-run");
    ts_run_result *r = malloc(sizeof *r);
    cJSON *mj = NULL;
    course_run(true, r, &mj, dir);
    cr_assert_eq(r->exit_code, 0, "%s%s", r->out, r->err);
    cr_assert(mj, "no course metrics");
    const cJSON *doses = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(mj, "course"), "doses");
    cr_assert_eq(cJSON_GetArraySize(doses), 4);
    static const double table1_insertions[4] = {8, 2, 1, 1}, days[4] = {0, 14, 28, 63};
    for (int i = 0; i < 4; i++) {
        const cJSON *d = cJSON_GetArrayItem(doses, i);
        cr_assert_eq(cJSON_GetObjectItemCaseSensitive(d, "dose")->valuedouble, i + 1);
        cr_assert_eq(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "note_used")), i > 0, "dose %d", i + 1);
        const cJSON *rep = cJSON_GetObjectItemCaseSensitive(d, "reported");
        cr_assert_eq(cJSON_GetObjectItemCaseSensitive(rep, "insertions")->valuedouble, table1_insertions[i]);
        const cJSON *pn = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d, "metrics"),
                                                           "procedure_note");
        cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(pn, "level")->valuestring, "L4-L5");
    }
    cr_assert(strstr(r->out, "the procedure note of the previous dose: L4-L5, frame at 20.0 deg"), "%s", r->out);
    cr_assert(strstr(r->out, "paper"), "the paper's figures beside the course: %s", r->out);
    cr_assert(!strstr(r->out, "refused"), "%s", r->out);
    /* the four doses are in the trainee's history, as doses of the course */
    char db[600];
    snprintf(db, sizeof db, "%s/results.sqlite3", dir);
    ss_results_db *rdb;
    cr_assert_eq(ss_results_db_open(db, false, &rdb), SS_OK, "%s", ss_error_message());
    ss_attempt *at;
    int n;
    cr_assert_eq(ss_results_db_attempts(rdb, "t-course", &at, &n), SS_OK);
    cr_assert_eq(n, 4);
    for (int i = 0; i < n; i++) {
        cr_assert_eq(at[i].course_dose, i + 1);
        cr_assert_eq(at[i].course_day, days[i]);
    }
    free(at);
    ss_results_db_close(rdb);
    {
        /* the history lists the doses beside Table 1's (insertions: 0 made, the paper's 2) */
        const char *args[] = {"history", "--trainee", "t-course", "--results-db", db, NULL};
        ts_run_result *rr = malloc(sizeof *rr);
        cr_assert_eq(ts_run_sonospine(rr, args), 0, "%s%s", rr->out, rr->err);
        cr_assert(strstr(rr->out, "Course doses beside the source's figures"), "%s", rr->out);
        cr_assert(strstr(rr->out, "wei2023-case6                2     14         0 (2)"), "%s", rr->out);
        free(rr);
    }
    /* each dose's log replays */
    for (int i = 1; i <= 4; i++) {
        char log[600];
        snprintf(log, sizeof log, "%s/c6-dose%d.jsonl", dir, i);
        ts_run_result *rr = malloc(sizeof *rr);
        const char *args[] = {"replay", log, NULL};
        ts_run_sonospine(rr, args);
        cr_assert_eq(rr->exit_code, 0, "dose %d: %s%s", i, rr->out, rr->err);
        free(rr);
    }
    /* the report of dose 2 says which dose, the note it started from and Table 1's row */
    {
        char log[600], html[600];
        snprintf(log, sizeof log, "%s/c6-dose2.jsonl", dir);
        snprintf(html, sizeof html, "%s/d2.html", dir);
        const char *args[] = {"report", log, "-o", html, NULL};
        ts_run_result *rr = malloc(sizeof *rr);
        cr_assert_eq(ts_run_sonospine(rr, args), 0, "%s%s", rr->out, rr->err);
        free(rr);
        char *data = NULL;
        size_t len = 0;
        cr_assert_eq(ss_file_read(html, 1 << 26, &data, &len), SS_OK);
        cr_assert(strstr(data, "Dose 2 of 4 (day 14"), "no course row");
        cr_assert(strstr(data, "previous dose&#39;s procedure note: L4-L5, frame at 20.0 deg") ||
                      strstr(data, "previous dose's procedure note: L4-L5, frame at 20.0 deg"),
                  "the note the dose started from");
        cr_assert(strstr(data, "1 interspace, 2 insertions, operation time 37 min, puncture time 15 min"),
                  "Table 1's case 6, second procedure");
        cr_assert(strstr(data, "all ") && strstr(data, "events came out as logged"),
                  "the report re-simulates the dose under its note");
        free(data);
    }
    cJSON_Delete(mj);
    ts_rmtree(dir);
    /* dose 1 writes no note: dose 2 cannot use one */
    dir = ts_tempdir("course-run-nonote");
    course_run(false, r, &mj, dir);
    cr_assert_eq(r->exit_code, 0, "%s%s", r->out, r->err);
    cr_assert(strstr(r->out, "the previous dose left no procedure note"), "%s", r->out);
    cr_assert(strstr(r->out, "no procedure note from an earlier dose names an interspace"), "%s", r->out);
    doses = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(mj, "course"), "doses");
    cr_assert(!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(doses, 1), "note_used")));
    cJSON_Delete(mj);
    free(r);
    ts_rmtree(dir);
}

Test(course, bad_course_invocations_exit_2)
{
    ts_run_result *r = malloc(sizeof *r);
    const char *no_course[] = {"run", ts_source_path("scenarios/normal-adult.json"), "--headless", "--course", NULL};
    cr_assert_eq(ts_run_sonospine(r, no_course), 2);
    cr_assert(strstr(r->err, "has no course"), "%s", r->err);
    const char *dir = ts_tempdir("course-missing");
    const char *missing[] = {"run", ts_source_path("scenarios/wei2023-case6.json"), "--headless", "--course",
                             "--course-scripts", dir, NULL};
    cr_assert_eq(ts_run_sonospine(r, missing), 2);
    cr_assert(strstr(r->err, "dose-1.txt") && strstr(r->err, "4 doses"), "%s", r->err);
    const char *with_script[] = {"run", ts_source_path("scenarios/wei2023-case6.json"), "--headless", "--course",
                                 "--script", ts_source_path("tests/data/attempts/expert-wei2023-case6.txt"), NULL};
    cr_assert_eq(ts_run_sonospine(r, with_script), 2);
    const char *scripts_alone[] = {"run", ts_source_path("scenarios/wei2023-case6.json"), "--headless",
                                   "--course-scripts", dir, NULL};
    cr_assert_eq(ts_run_sonospine(r, scripts_alone), 2);
    ts_rmtree(dir);
    free(r);
}

/* A results file of schema 1 (before landmark attempts and courses) keeps its rows when a
 * newer program opens it, and then takes landmark attempts and course doses. */
Test(course, a_schema_1_results_file_is_upgraded_with_its_rows)
{
    const char *dir = ts_tempdir("results-v1");
    char path[512];
    snprintf(path, sizeof path, "%s/r.sqlite3", dir);
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    const char *v1 =
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO meta VALUES('schema_version', '1');"
        "CREATE TABLE trainees(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_utc TEXT NOT NULL);"
        "CREATE TABLE attempts(id INTEGER PRIMARY KEY, trainee_id INTEGER NOT NULL REFERENCES trainees(id), "
        "scenario_id TEXT NOT NULL, scenario_sha256 TEXT NOT NULL, scenario_title TEXT, mode TEXT NOT NULL "
        "CHECK(mode IN ('practice', 'exam')), exam_id TEXT, exam_case INTEGER, started_utc TEXT NOT NULL, ended_utc "
        "TEXT NOT NULL, log_path TEXT, log_hash TEXT, pass INTEGER NOT NULL, score REAL NOT NULL, success INTEGER NOT "
        "NULL, insertions INTEGER NOT NULL, interspaces_tried INTEGER NOT NULL, bone_contacts INTEGER NOT NULL, "
        "puncture_time_s REAL, operation_time_s REAL NOT NULL);"
        "CREATE INDEX attempts_by_trainee ON attempts(trainee_id, started_utc, id);"
        "CREATE TABLE metrics(attempt_id INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE, name TEXT NOT "
        "NULL, value REAL, PRIMARY KEY(attempt_id, name));"
        "INSERT INTO trainees VALUES(1, 'old', '2026-01-01T00:00:00Z');"
        "INSERT INTO attempts VALUES(7, 1, 'normal-adult', 'ab', 'Normal', 'practice', NULL, NULL, "
        "'2026-01-01T00:00:00Z', '2026-01-01T00:10:00Z', NULL, NULL, 1, 88, 1, 2, 1, 0, 40.5, 300);"
        "INSERT INTO metrics VALUES(7, 'insertions', 2);";
    cr_assert_eq(sqlite3_exec(db, v1, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_close(db);
    ss_results_db *rdb;
    cr_assert_eq(ss_results_db_open(path, false, &rdb), SS_OK, "%s", ss_error_message());
    ss_attempt *at;
    int n;
    cr_assert_eq(ss_results_db_attempts(rdb, "old", &at, &n), SS_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(at[0].id, 7);
    cr_assert_eq(at[0].score, 88);
    cr_assert_eq(at[0].course_dose, 0);
    free(at);
    double v = 0;
    cr_assert_eq(ss_results_db_metric(rdb, 7, "insertions", &v), SS_OK, "the metrics survive the rebuild");
    cr_assert_eq(v, 2);
    ss_attempt a = {0};
    snprintf(a.trainee, sizeof a.trainee, "old");
    snprintf(a.scenario_id, sizeof a.scenario_id, "wei2023-case6");
    snprintf(a.scenario_sha256, sizeof a.scenario_sha256, "cd");
    snprintf(a.mode, sizeof a.mode, "landmark");
    a.puncture_time_s = NAN;
    cr_assert_eq(ss_results_db_add(rdb, &a, NULL, NULL), SS_OK, "%s", ss_error_message());
    snprintf(a.mode, sizeof a.mode, "practice");
    a.course_dose = 3;
    a.course_day = 28;
    cr_assert_eq(ss_results_db_add(rdb, &a, NULL, NULL), SS_OK, "%s", ss_error_message());
    snprintf(a.mode, sizeof a.mode, "guessing");
    cr_assert_neq(ss_results_db_add(rdb, &a, NULL, NULL), SS_OK);
    cr_assert_eq(ss_results_db_attempts(rdb, "old", &at, &n), SS_OK);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(at[1].mode, "landmark");
    cr_assert_eq(at[2].course_dose, 3);
    cr_assert_eq(at[2].course_day, 28);
    free(at);
    ss_results_db_close(rdb);
    /* a file from a newer program is left alone */
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_exec(db, "UPDATE meta SET value = '9' WHERE key = 'schema_version'", NULL, NULL, NULL);
    sqlite3_close(db);
    cr_assert_neq(ss_results_db_open(path, false, &rdb), SS_OK);
    cr_assert(strstr(ss_error_message(), "schema version '9'"), "%s", ss_error_message());
    ts_rmtree(dir);
}

/* test_critical.c: the critical errors (engine/critical.c, issue 21): found in the event
 * stream with their time, tissue and level; each fails the attempt whatever the score
 * and whatever the scenario's rubric lists; named first in the feedback; logged as an
 * event of the same type; in --metrics-json; in the report; replayed exactly; failing an
 * exam. The scripted attempts reach each error through the simulation itself (found by
 * sweeping views and frame angles on the shipped anatomy). */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "critical.h"
#include "metric_def.h"
#include "metrics.h"
#include "paths.h"
#include "rubric.h"
#include "session_script.h"
#include "test_support.h"
#include "tissue.h"

static void ev(ss_metrics_state *m, ss_event_type t, double time, int level, int tissue, double value)
{
    ss_event e = {.type = t, .t_s = time, .level = level, .view = SS_VIEW_NEAR_SPINOUS, .tissue = tissue, .value = value};
    ss_metrics_event(m, &e);
}

/* ------------------------------------------------------------------ the list */

Test(critical, one_list_with_contract_names_and_events)
{
    static const char *const want[SS_CRIT_COUNT] = {"inject_outside_csf", "nerve_contact", "vessel_puncture",
                                                    "dural_puncture_above_conus", "protocol_exceeded"};
    for (int i = 0; i < SS_CRIT_COUNT; i++) {
        cr_expect_str_eq(ss_critical_name((ss_critical_type)i), want[i]);
        /* the log records each as an event of the same type */
        cr_expect_str_eq(ss_event_name(ss_critical_event((ss_critical_type)i)), want[i]);
        cr_expect_eq(ss_critical_of_event(ss_critical_event((ss_critical_type)i)), i);
        cr_expect_gt(strlen(ss_critical_label((ss_critical_type)i)), 5);
        cr_expect_gt(strlen(ss_critical_advice((ss_critical_type)i)), 40, "advice in a sentence");
    }
    cr_expect_eq(ss_critical_of_event(SS_EV_BONE_CONTACT), -1, "bone contact is a weakness, not critical");
    cr_expect_eq(ss_critical_of_event(SS_EV_INJECT), -1, "an injection is critical only outside the CSF");
}

/* ------------------------------------------------------------------ found in the events */

Test(critical, each_kind_found_with_time_tissue_and_level)
{
    ss_metrics_state *m = ss_metrics_begin();
    ss_critical_error c;
    ev(m, SS_EV_SKIN_ENTRY, 10.0, SS_LEVEL_L4_L5, SS_TISSUE_SKIN, 0);
    cr_assert_not(ss_metrics_take_critical(m, &c), "a skin entry is not critical");
    ev(m, SS_EV_NERVE_CONTACT, 20.0, SS_LEVEL_L4_L5, SS_TISSUE_NERVE, 0);
    cr_assert(ss_metrics_take_critical(m, &c));
    cr_expect_eq(c.type, SS_CRIT_NERVE_CONTACT);
    cr_expect_float_eq(c.t_s, 20.0, 1e-12);
    cr_expect_eq(c.tissue, SS_TISSUE_NERVE);
    cr_expect_eq(c.level, SS_LEVEL_L4_L5);
    cr_assert_not(ss_metrics_take_critical(m, &c), "each is handed out once");
    ev(m, SS_EV_VESSEL_PUNCTURE, 25.0, SS_LEVEL_L4_L5, SS_TISSUE_VESSEL, 0);
    /* the dura at L2-L3 is below the conus; at L1-L2 it is not */
    ev(m, SS_EV_DURA_POP, 30.0, SS_LEVEL_L2_L3, SS_TISSUE_CSF, 1);
    ev(m, SS_EV_DURA_POP, 31.0, SS_LEVEL_L1_L2, SS_TISSUE_CSF, 1);
    ev(m, SS_EV_INJECT, 40.0, SS_LEVEL_L4_L5, SS_TISSUE_EPIDURAL_FAT, 5.0);
    ev(m, SS_EV_INJECT, 41.0, SS_LEVEL_L4_L5, SS_TISSUE_CSF, 0.5); /* in the CSF: not critical */
    ss_critical_type order[] = {SS_CRIT_VESSEL_PUNCTURE, SS_CRIT_DURAL_PUNCTURE_ABOVE_CONUS,
                                SS_CRIT_INJECT_OUTSIDE_CSF};
    for (int i = 0; i < 3; i++) {
        cr_assert(ss_metrics_take_critical(m, &c), "critical %d", i);
        cr_expect_eq(c.type, order[i], "in time order: %d is %s", i, ss_critical_name(c.type));
    }
    cr_expect_eq(c.tissue, SS_TISSUE_EPIDURAL_FAT, "the injection's tissue");
    cr_assert_not(ss_metrics_take_critical(m, &c));
    ss_metrics r;
    ss_metrics_finish(m, 60.0, &r);
    ss_metrics_free(m);
    cr_expect_eq(r.ncritical, 4);
    cr_expect_eq(r.critical[2].level, SS_LEVEL_L1_L2);
    double v;
    cr_assert(ss_metrics_value(&r, "critical_errors", -1, &v));
    cr_expect_float_eq(v, 4.0, 1e-12, "gradable as their count");
    /* --metrics-json: the contract's array of {type, t, tissue, level} */
    cJSON *j = ss_metrics_to_json(&r);
    cJSON *a = cJSON_GetObjectItem(j, "critical_errors");
    cr_assert(cJSON_IsArray(a));
    cr_assert_eq(cJSON_GetArraySize(a), 4);
    cJSON *first = cJSON_GetArrayItem(a, 0);
    cr_expect_str_eq(cJSON_GetObjectItem(first, "type")->valuestring, "nerve_contact");
    cr_expect_float_eq(cJSON_GetObjectItem(first, "t")->valuedouble, 20.0, 1e-12);
    cr_expect_str_eq(cJSON_GetObjectItem(first, "tissue")->valuestring, ss_tissue_get(SS_TISSUE_NERVE)->name);
    cr_expect_str_eq(cJSON_GetObjectItem(first, "level")->valuestring, "L4-L5");
    cJSON_Delete(j);
}

/* three failed insertions at a level, then a fourth there: the protocol is exceeded at
 * that skin entry; so is any insertion after three levels failed, unless CT was called */
static void fail_three(ss_metrics_state *m, int level, double *t)
{
    for (int i = 0; i < 3; i++) {
        ev(m, SS_EV_SKIN_ENTRY, *t, level, SS_TISSUE_SKIN, 0);
        ev(m, SS_EV_BONE_CONTACT, *t + 5, level, SS_TISSUE_CORTICAL, 0);
        ev(m, SS_EV_NEEDLE_EXIT, *t + 10, level, SS_TISSUE_AIR, 0);
        *t += 20;
    }
}

Test(critical, protocol_exceeded_at_the_entry_the_protocol_forbids)
{
    ss_metrics_state *m = ss_metrics_begin();
    ss_critical_error c;
    double t = 0;
    fail_three(m, SS_LEVEL_L3_L4, &t);
    cr_assert_not(ss_metrics_take_critical(m, &c), "three failed insertions are within the protocol");
    ev(m, SS_EV_SKIN_ENTRY, t, SS_LEVEL_L4_L5, SS_TISSUE_SKIN, 0);
    cr_assert_not(ss_metrics_take_critical(m, &c), "moving to the next level is the protocol");
    ev(m, SS_EV_NEEDLE_EXIT, t + 5, SS_LEVEL_L4_L5, SS_TISSUE_AIR, 0);
    ev(m, SS_EV_SKIN_ENTRY, t + 10, SS_LEVEL_L3_L4, SS_TISSUE_SKIN, 0);
    cr_assert(ss_metrics_take_critical(m, &c), "a fourth insertion at the failed level");
    cr_expect_eq(c.type, SS_CRIT_PROTOCOL_EXCEEDED);
    cr_expect_eq(c.level, SS_LEVEL_L3_L4);
    cr_expect_float_eq(c.t_s, t + 10, 1e-12);
    ss_metrics_free(m);

    /* three levels failed: another entry exceeds the protocol; after calling CT it does not */
    for (int ct = 0; ct < 2; ct++) {
        m = ss_metrics_begin();
        t = 0;
        fail_three(m, SS_LEVEL_L2_L3, &t);
        fail_three(m, SS_LEVEL_L3_L4, &t);
        fail_three(m, SS_LEVEL_L4_L5, &t);
        cr_assert_not(ss_metrics_take_critical(m, &c), "nine failed insertions at three levels: within");
        if (ct) ev(m, SS_EV_CT_CALLED, t, -1, -1, 0);
        ev(m, SS_EV_SKIN_ENTRY, t + 1, SS_LEVEL_L5_S1, SS_TISSUE_SKIN, 0);
        bool got = ss_metrics_take_critical(m, &c);
        if (ct) cr_expect_not(got, "under CT guidance the count is the radiologist's");
        else cr_expect(got && c.type == SS_CRIT_PROTOCOL_EXCEEDED, "a fourth level without CT");
        ss_metrics_free(m);
    }
}

/* ------------------------------------------------------------------ the grade */

Test(critical, fails_a_perfect_score_even_when_the_rubric_leaves_the_metric_out)
{
    /* an instructor's rubric on case 6 that grades success, insertions, bone contacts and
     * puncture time only (no nerve item) */
    ss_scenario sc;
    cr_assert_eq(ss_scenario_load(ts_source_path("scenarios/wei2023-case6.json"), &sc, NULL), SS_OK, "%s",
                 ss_error_message());
    ts_outcome_rubric(&sc.rubric, 1800);
    ss_metrics m = {0};
    m.success = true;
    m.insertions = 1;
    m.interspaces_tried = 1;
    m.puncture_time_s = 240;
    m.level = SS_LEVEL_L4_L5;
    m.protocol_followed = true;
    ss_grade g;
    ss_rubric_grade(&sc, &m, &g);
    cr_assert(g.pass && g.score == 100.0, "the control passes: %.0f", g.score);
    m.nerve_contacts = 1;
    m.critical[0] = (ss_critical_error){SS_CRIT_NERVE_CONTACT, 95.0, SS_TISSUE_NERVE, SS_LEVEL_L4_L5, {0}};
    m.ncritical = 1;
    ss_rubric_grade(&sc, &m, &g);
    cr_expect_float_eq(g.score, 100.0, 1e-9, "the score is the rubric's");
    cr_expect_not(g.pass, "but a nerve root touched fails the attempt");
    cr_expect_not(m.pass, "written back");
    cr_expect(strstr(g.pass_reason, "critical error") && strstr(g.pass_reason, "Nerve root contact"), "%s",
              g.pass_reason);
    cr_assert_geq(g.nweaknesses, 1);
    cr_expect(strncmp(g.weaknesses[0], "Critical error: Nerve root contact", 34) == 0, "named first: %s",
              g.weaknesses[0]);
    cr_expect(strstr(g.weaknesses[0], "L4-L5"), "%s", g.weaknesses[0]);
    /* several kinds: one note each, at most two, and the rubric's own advice keeps a place */
    m.success = false;
    m.critical[1] = (ss_critical_error){SS_CRIT_NERVE_CONTACT, 99.0, SS_TISSUE_NERVE, SS_LEVEL_L4_L5, {0}};
    m.critical[2] = (ss_critical_error){SS_CRIT_INJECT_OUTSIDE_CSF, 190.0, SS_TISSUE_NERVE, SS_LEVEL_L4_L5, {0}};
    m.critical[3] = (ss_critical_error){SS_CRIT_VESSEL_PUNCTURE, 200.0, SS_TISSUE_VESSEL, SS_LEVEL_L4_L5, {0}};
    m.ncritical = 4;
    ss_rubric_grade(&sc, &m, &g);
    cr_expect(strstr(g.pass_reason, "critical errors (4)"), "%s", g.pass_reason);
    cr_assert_eq(g.nweaknesses, SS_GRADE_MAX_NOTES);
    cr_expect(strstr(g.weaknesses[0], "Nerve root contact"), "%s", g.weaknesses[0]);
    cr_expect(strstr(g.weaknesses[1], "Injection outside the CSF: into nerve root"), "%s", g.weaknesses[1]);
    cr_expect(strstr(g.weaknesses[2], "did not reach the CSF"), "%s", g.weaknesses[2]);
    ss_scenario_free(&sc);
}

/* ------------------------------------------------------------------ end to end */

static ts_run_result r;

static cJSON *read_json(const char *path)
{
    cJSON *j = ts_read_json(path);
    cr_assert_not_null(j, "%s is missing or not JSON", path);
    return j;
}

/* Runs a script headless; returns the metrics JSON; the log at dir/a.jsonl. */
static cJSON *attempt(const char *dir, const char *scenario, const char *script_text)
{
    char script[512], log[512], metrics[512];
    snprintf(script, sizeof script, "%s/s.txt", dir);
    snprintf(log, sizeof log, "%s/a.jsonl", dir);
    snprintf(metrics, sizeof metrics, "%s/m.json", dir);
    cr_assert_eq(ts_write_file(script, script_text), 0);
    const char *args[] = {"run", ts_source_path(scenario), "--headless", "--script", script, "--log", log,
                          "--metrics-json", metrics, NULL};
    cr_assert_eq(ts_run_sonospine(&r, args), 0, "stdout: %s\nstderr: %s", r.out, r.err);
    return read_json(metrics);
}

/* the first critical error's type, tissue and level in the metrics JSON, and the same
 * type logged as an event; the log replays exactly */
static void expect_logged(const char *dir, cJSON *m, const char *type, const char *tissue, const char *level)
{
    cJSON *a = cJSON_GetObjectItem(m, "critical_errors");
    cr_assert(cJSON_IsArray(a) && cJSON_GetArraySize(a) >= 1, "no critical error:\n%s", r.out);
    cJSON *c = cJSON_GetArrayItem(a, 0);
    cr_expect_str_eq(cJSON_GetObjectItem(c, "type")->valuestring, type);
    cr_expect_str_eq(cJSON_GetObjectItem(c, "tissue")->valuestring, tissue);
    cr_expect_str_eq(cJSON_GetObjectItem(c, "level")->valuestring, level);
    cr_expect(cJSON_IsNumber(cJSON_GetObjectItem(c, "t")));
    cr_expect(cJSON_IsFalse(cJSON_GetObjectItem(m, "pass")), "a critical error fails the attempt");
    char log[512], *text, want[96];
    snprintf(log, sizeof log, "%s/a.jsonl", dir);
    cr_assert_eq(ss_file_read(log, 1 << 22, &text, NULL), SS_OK);
    snprintf(want, sizeof want, "\"event\":\"%s\"", type);
    cr_expect(strstr(text, want), "the log records %s as an event", type);
    free(text);
    const char *rp[] = {"replay", log, NULL};
    cr_expect_eq(ts_run_sonospine(&r, rp), 0, "%s%s", r.out, r.err);
    cr_expect(strstr(r.out, "REPRODUCED"), "%s", r.out);
}

Test(critical, injection_into_muscle_is_named_logged_replayed_and_reported, .timeout = 120)
{
    const char *dir = ts_tempdir("crit_inject");
    /* the frame aimed at the sac, but only 35 mm advanced: the tip is in the paraspinal
     * muscle, short of the flavum (~45 mm in the normal adult) */
    cJSON *m = attempt(dir, "scenarios/normal-adult.json",
                       "0 probe.view L4-L5 near-spinous right\n1 guide.attach auto\n2 needle.enter\n"
                       "3 needle.advance 35 5\n12 stylet.remove\n13 inject 5\n");
    cr_expect(strstr(r.out, "Critical error: Injection outside the CSF: into paraspinal muscle at L4-L5"), "%s",
              r.out);
    expect_logged(dir, m, "inject_outside_csf", "muscle", "L4-L5");
    cJSON_Delete(m);
    char log[512], html[512], *text;
    snprintf(log, sizeof log, "%s/a.jsonl", dir);
    snprintf(html, sizeof html, "%s/r.html", dir);
    const char *rep[] = {"report", log, "-o", html, NULL};
    cr_assert_eq(ts_run_sonospine(&r, rep), 0, "%s", r.err);
    cr_assert_eq(ss_file_read(html, 1 << 22, &text, NULL), SS_OK);
    cr_expect(strstr(text, "Critical error: Injection outside the CSF"), "the report names it");
    free(text);
    ts_rmtree(dir);
}

Test(critical, dural_puncture_at_l1_l2, .timeout = 120)
{
    const char *dir = ts_tempdir("crit_conus");
    /* 35 deg from the near-spinous view at L1-L2 reaches the sac (the auto aim hits bone) */
    cJSON *m = attempt(dir, "scenarios/normal-adult.json",
                       "0 probe.view L1-L2 near-spinous right\n1 guide.attach 35\n2 needle.enter\n"
                       "3 needle.advance-until dura_pop 90 5\n20 stylet.remove\n");
    expect_logged(dir, m, "dural_puncture_above_conus", "csf", "L1-L2");
    cJSON_Delete(m);
    ts_rmtree(dir);
}

Test(critical, vessel_and_nerve_root, .timeout = 120)
{
    const char *dir = ts_tempdir("crit_vessel");
    cJSON *m = attempt(dir, "scenarios/normal-adult.json",
                       "0 probe.view L4-L5 transverse-interlaminar right\n1 guide.attach 40\n2 needle.enter\n"
                       "3 needle.advance 100 10\n");
    expect_logged(dir, m, "vessel_puncture", "vessel", "L4-L5");
    cJSON_Delete(m);
    ts_rmtree(dir);
    /* the transforaminal teaching case: the probe 10 mm to the patient's left of the
     * transverse view, the needle runs into the exiting root */
    dir = ts_tempdir("crit_nerve");
    m = attempt(dir, "scenarios/transforaminal-teaching.json",
                "0 probe.view L4-L5 transverse-interlaminar right\n0.5 probe.move 10 0 0\n1 guide.attach 20\n"
                "2 needle.enter\n3 needle.advance 100 10\n");
    expect_logged(dir, m, "nerve_contact", "nerve", "L4-L5");
    cJSON_Delete(m);
    ts_rmtree(dir);
}

Test(critical, fails_an_exam_case, .timeout = 120)
{
    const char *dir = ts_tempdir("crit_exam");
    char exam[512], text[1024], script[512], log[512], db[512];
    snprintf(exam, sizeof exam, "%s/exam.json", dir);
    snprintf(script, sizeof script, "%s/s.txt", dir);
    snprintf(log, sizeof log, "%s/a.jsonl", dir);
    snprintf(db, sizeof db, "%s/r.db", dir);
    snprintf(text, sizeof text,
             "{\"exam\": {\"id\": \"crit\", \"title\": \"critical\", \"pass_rule\": \"all\", \"cases\": ["
             "{\"scenario\": \"%s\"}]}}",
             ts_source_path("scenarios/normal-adult.json"));
    cr_assert_eq(ts_write_file(exam, text), 0);
    /* the frame's angle set by hand: the planner is refused in an exam */
    cr_assert_eq(ts_write_file(script, "0 probe.view L4-L5 near-spinous right\n1 guide.attach 38\n2 needle.enter\n"
                                       "3 needle.advance 35 5\n12 stylet.remove\n13 inject 5\n"),
                 0);
    const char *run[] = {"run", "--exam", exam, "--case", "1", "--trainee", "c1", "--script", script, "--log", log,
                         "--results-db", db, "--headless", "--allow-unsigned-exam", NULL};
    cr_assert_eq(ts_run_sonospine(&r, run), 0, "stderr: %s", r.err);
    cr_expect(strstr(r.out, "FAIL") && strstr(r.out, "a critical error: Injection outside the CSF"), "%s", r.out);
    const char *h[] = {"history", "--trainee", "c1", "--results-db", db, NULL};
    cr_assert_eq(ts_run_sonospine(&r, h), 0, "%s", r.err);
    cr_expect(strstr(r.out, "exam") && strstr(r.out, " no "), "stored as a failed exam attempt: %s", r.out);
    ts_rmtree(dir);
}

Test(critical, a_nerve_injection_is_named_in_the_report, .timeout = 120)
{
    /* the issue's case: the tip in the exiting root, stylet out, 5 ml injected */
    const char *dir = ts_tempdir("crit_nerve_inject");
    cJSON *m = attempt(dir, "scenarios/transforaminal-teaching.json",
                       "0 probe.view L4-L5 transverse-interlaminar right\n0.5 probe.move 10 0 0\n1 guide.attach 20\n"
                       "2 needle.enter\n3 needle.advance-until nerve_contact 100 10\n4 stylet.remove\n5 inject 5\n");
    cJSON *a = cJSON_GetObjectItem(m, "critical_errors");
    cr_assert_eq(cJSON_GetArraySize(a), 2, "the contact and the injection");
    cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 1), "type")->valuestring, "inject_outside_csf");
    cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 1), "tissue")->valuestring, "nerve");
    cJSON_Delete(m);
    char log[512], pdf[512], html[512], *text;
    snprintf(log, sizeof log, "%s/a.jsonl", dir);
    snprintf(html, sizeof html, "%s/r.html", dir);
    snprintf(pdf, sizeof pdf, "%s/r.pdf", dir);
    const char *rep[] = {"report", log, "-o", html, NULL};
    cr_assert_eq(ts_run_sonospine(&r, rep), 0, "%s", r.err);
    cr_assert_eq(ss_file_read(html, 1 << 22, &text, NULL), SS_OK);
    cr_expect(strstr(text, "Critical error: Injection outside the CSF: into nerve root at L4-L5"),
              "the report names the nerve injection");
    cr_expect(strstr(text, "critical errors (2)"), "and the verdict's reason");
    free(text);
    const char *rp[] = {"report", log, "-o", pdf, NULL};
    cr_expect_eq(ts_run_sonospine(&r, rp), 0, "%s", r.err);
    ts_rmtree(dir);
}

/* test_preparation.c: the pre-procedure stage (engine/preparation.h, issue 24): its
 * session-script commands parse, log and come back from the log; the patient's answers
 * follow the paper's rule (case 2: the reserved L3-L4 channel; case 6: the least rotated
 * L4-L5; a straight spine: L3-L4 or L4-L5) and the film's Cobb angle and Nash-Moe grade;
 * an attempt is graded against them with the stated tolerances and every skipped
 * checklist item is named; without the stage nothing changes. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "patient_case.h"
#include "preparation.h"
#include "session.h"
#include "session_log.h"
#include "session_script.h"
#include "spine_measure.h"
#include "spine_world.h"
#include "test_support.h"

Test(preparation, commands_parse_and_round_trip_through_the_log)
{
    ss_script s;
    cr_assert_eq(ss_script_parse("0 xray.cobb 42.5\n0 xray.nash-moe III\n1 level.choose L4-L5\n2 check consent\n"
                                 "2 check local-anaesthetic\n3 xray.nash-moe 0\n",
                                 "prep", &s),
                 SS_OK, "%s", ss_error_message());
    cr_assert_eq(s.count, 6);
    cr_expect_eq(s.cmds[0].op, SS_OP_XRAY_COBB);
    cr_expect_eq(s.cmds[0].args[0], 42.5);
    cr_expect_eq(s.cmds[1].args[0], 3);
    cr_expect_eq(s.cmds[2].level, SS_LEVEL_L4_L5);
    cr_expect_eq(s.cmds[4].item, SS_CHECK_LOCAL_ANAESTHETIC);
    cr_expect_eq(s.cmds[5].args[0], 0);
    for (size_t i = 0; i < s.count; i++) {
        cJSON *j = ss_script_cmd_to_json(&s.cmds[i]);
        ss_script_cmd back;
        cr_assert(ss_script_cmd_from_json(j, &back), "command %zu comes back from the log", i);
        cr_expect_eq(back.op, s.cmds[i].op);
        cr_expect_eq(back.args[0], s.cmds[i].args[0]);
        cr_expect_eq(back.level, s.cmds[i].level);
        cr_expect_eq(back.item, s.cmds[i].item);
        cJSON_Delete(j);
    }
    ss_script_free(&s);
    /* bad values are named, with what was expected */
    cr_assert_eq(ss_script_parse("0 xray.nash-moe V\n0 check lunch\n0 level.choose L6-L7\n0 xray.cobb 200\n"
                                 "0 check\n",
                                 "bad", &s),
                 SS_ERR_PARSE);
    const char *m = ss_error_message();
    cr_expect(strstr(m, "bad:1: xray.nash-moe: expected a Nash-Moe grade 0, I, II, III or IV, found 'V'"), "%s", m);
    cr_expect(strstr(m, "bad:2: check: unknown item 'lunch' (expected (consent, coagulation"), "%s", m);
    cr_expect(strstr(m, "bad:3: level.choose: unknown level 'L6-L7'"), "%s", m);
    cr_expect(strstr(m, "bad:4: xray.cobb: the Cobb angle must be from 0 to 120 deg, found 200"), "%s", m);
    cr_expect(strstr(m, "bad:5: check: expected ITEM"), "%s", m);
}

static void key_of(const char *scenario, ss_prep_key *k, ss_case *cs)
{
    char path[256];
    snprintf(path, sizeof path, "scenarios/%s.json", scenario);
    cr_assert_eq(ss_case_load(ts_source_path(path), NULL, cs), SS_OK, "%s", ss_error_message());
    ss_world w;
    ss_case_world(cs, &w);
    cr_assert(w.prep_key && w.prep_key(w.user, k));
}

Test(preparation, the_answers_follow_the_papers_rule_and_the_film)
{
    ss_case cs;
    ss_prep_key k;
    key_of("wei2023-case2", &k, &cs); /* fused, L3-L4 laminotomy */
    for (int l = 0; l < SS_LEVEL_COUNT; l++) cr_expect_eq(k.level_ok[l], l == SS_LEVEL_L3_L4, "case 2 %d", l);
    cr_expect(strstr(k.rule, "channel"), "%s", k.rule);
    ss_case_free(&cs);
    key_of("wei2023-case6", &k, &cs); /* scoliosis: the paper's L4-L5, the least rotated */
    cr_expect(k.level_ok[SS_LEVEL_L4_L5] && !k.level_ok[SS_LEVEL_L2_L3] && !k.level_ok[SS_LEVEL_L3_L4], "%s", k.rule);
    ss_cobb_measure cobb;
    cr_assert_eq(ss_spine_measure_cobb(cs.spine, &cobb), SS_OK);
    cr_expect_eq(k.cobb_deg, cobb.cobb_deg, "the lumbar Cobb angle the film shows");
    cr_expect_eq(k.nash_moe, 3, "Nash-Moe III, as the scenario's record says");
    ss_case_free(&cs);
    key_of("normal-adult", &k, &cs);
    cr_expect(k.level_ok[SS_LEVEL_L3_L4] && k.level_ok[SS_LEVEL_L4_L5] && !k.level_ok[SS_LEVEL_L1_L2]);
    cr_expect_eq(k.nash_moe, 0);
    ss_case_free(&cs);
}

/* A whole attempt with the stage: graded against the model, skipped items named; the same
 * attempt without it has no preparation at all. */
Test(preparation, an_attempt_is_graded_on_its_stage)
{
    ss_case cs;
    cr_assert_eq(ss_case_load(ts_source_path("scenarios/wei2023-case6.json"), NULL, &cs), SS_OK);
    ss_script s;
    cr_assert_eq(ss_script_parse("0 xray.cobb 45\n0 xray.nash-moe I\n0 level.choose L3-L4\n0 check consent\n"
                                 "0 check coagulation\n1 probe.view L4-L5 near-spinous right\n5 end\n",
                                 "prep", &s),
                 SS_OK, "%s", ss_error_message());
    for (int with = 1; with >= 0; with--) {
        ss_session_desc d = {.scenario = &cs.scenario, .scenario_path = cs.path, .mode = "practice"};
        ss_case_world(&cs, &d.world);
        ss_session *ses;
        cr_assert_eq(ss_session_begin(&d, &ses), SS_OK, "%s", ss_error_message());
        ss_script run = s;
        if (!with) {
            run.cmds += 5;
            run.count -= 5;
        }
        ss_session_run_script(ses, &run);
        ss_metrics m;
        ss_grade g;
        cr_assert_eq(ss_session_end(ses, &m, &g), SS_OK);
        ss_session_free(ses);
        if (!with) {
            cr_expect(!m.prep.present && !g.preparation[0], "no stage, no preparation");
            continue;
        }
        cr_assert(m.prep.present);
        cr_expect(fabs(m.prep.cobb_error_deg - fabs(45 - m.prep.key.cobb_deg)) < 1e-9);
        cr_expect_eq(m.prep.nash_moe_error, 2, "I against III");
        cr_expect_eq(m.prep.level_choice_ok, 0, "L3-L4 is not the least rotated");
        cr_expect_eq(m.prep.nmissed, SS_CHECK_COUNT - 2);
        cJSON *j = ss_metrics_to_json(&m);
        cJSON *p = cJSON_GetObjectItem(j, "preparation");
        cr_assert(cJSON_IsObject(p));
        cr_expect(cJSON_IsNumber(cJSON_GetObjectItem(p, "cobb_error_deg")));
        cr_expect_eq(cJSON_GetObjectItem(p, "nash_moe_error")->valueint, 2);
        cr_expect(cJSON_IsFalse(cJSON_GetObjectItem(p, "level_choice_ok")));
        cJSON *miss = cJSON_GetObjectItem(p, "checklist_missed");
        cr_expect_eq(cJSON_GetArraySize(miss), SS_CHECK_COUNT - 2);
        cr_expect_str_eq(cJSON_GetArrayItem(miss, 0)->valuestring, "infection");
        cJSON_Delete(j);
        cr_expect(strstr(g.preparation, "checklist skipped: infection, allergy, position, sterile-cover, couplant, "
                                        "local-anaesthetic.") &&
                      strstr(g.preparation, "L3-L4 chosen: not the one") && strstr(g.preparation, "off"),
                  "%s", g.preparation);
    }
    ss_script_free(&s);
    ss_case_free(&cs);
}

/* The surgical record is written from the patient's fusion, naming the reserved channel. */
Test(preparation, the_surgical_record_names_span_hardware_and_the_channel)
{
    ss_case cs;
    char rec[900];
    cr_assert_eq(ss_case_load(ts_source_path("scenarios/wei2023-case2.json"), NULL, &cs), SS_OK);
    ss_surgical_record(ss_spine_params(cs.spine), rec, sizeof rec);
    cr_expect(strstr(rec, "Posterior spinal fusion T7 to S1") && strstr(rec, "cobalt-chromium rods, 5.5 mm") &&
                  strstr(rec, "pedicle screws at L1, L2, L4, L5, S1") &&
                  strstr(rec, "reserved for intrathecal access: L3-L4 (laminotomy channel"),
              "%s", rec);
    ss_case_free(&cs);
    cr_assert_eq(ss_case_load(ts_source_path("scenarios/wei2023-case1.json"), NULL, &cs), SS_OK);
    ss_surgical_record(ss_spine_params(cs.spine), rec, sizeof rec);
    cr_expect(strstr(rec, "L4-L5 (left without graft)") && strstr(rec, "titanium"), "%s", rec);
    ss_case_free(&cs);
    cr_assert_eq(ss_case_load(ts_source_path("scenarios/normal-adult.json"), NULL, &cs), SS_OK);
    ss_surgical_record(ss_spine_params(cs.spine), rec, sizeof rec);
    cr_expect_str_eq(rec, "No spinal surgery.");
    ss_case_free(&cs);
}

/* The trainer window's preparation panel issues what the trainee decided as the stage's
 * commands (ss_script_prep_commands): the same commands a script would give, so the
 * window's stage is logged, replayed and graded the same way. Case 6, the model's own
 * answers, every item but coagulation ticked: the grade names that one. */
Test(preparation, the_window_panel_issues_the_stage_as_commands)
{
    ss_case cs;
    cr_assert_eq(ss_case_load(ts_source_path("scenarios/wei2023-case6.json"), NULL, &cs), SS_OK);
    ss_world w;
    ss_case_world(&cs, &w);
    ss_prep_key key;
    cr_assert(w.prep_key && w.prep_key(w.user, &key));
    ss_prep_inputs in;
    ss_prep_inputs_init(&in);
    ss_script_cmd cmds[3 + SS_CHECK_COUNT];
    cr_expect_eq(ss_script_prep_commands(&in, 0.0, cmds, 3 + SS_CHECK_COUNT), 0, "nothing decided, nothing issued");
    in.cobb_deg = round(key.cobb_deg);
    in.nash_moe = key.nash_moe;
    in.level = SS_LEVEL_L4_L5;
    in.checked = ((1u << SS_CHECK_COUNT) - 1u) & ~(1u << SS_CHECK_COAGULATION);
    int n = ss_script_prep_commands(&in, 0.0, cmds, 3 + SS_CHECK_COUNT);
    cr_assert_eq(n, 3 + SS_CHECK_COUNT - 1);
    cr_expect_eq(ss_script_prep_commands(&in, 0.0, cmds, 2), 2, "bounded by max");
    n = ss_script_prep_commands(&in, 0.0, cmds, 3 + SS_CHECK_COUNT);
    char why[256];
    for (int i = 0; i < n; i++) cr_assert(ss_script_cmd_in_range(&cmds[i], why, sizeof why), "%d: %s", i, why);
    ss_session_desc d = {.scenario = &cs.scenario, .scenario_path = cs.path, .mode = "practice", .world = w};
    ss_session *ses;
    cr_assert_eq(ss_session_begin(&d, &ses), SS_OK, "%s", ss_error_message());
    for (int i = 0; i < n; i++) cr_assert(ss_sim_command(ss_session_sim(ses), &cmds[i]), "command %d refused", i);
    ss_metrics m;
    ss_grade g;
    cr_assert_eq(ss_session_end(ses, &m, &g), SS_OK);
    ss_session_free(ses);
    cr_assert(m.prep.present);
    cr_expect(m.prep.cobb_error_deg <= 0.5 + 1e-9, "%g", m.prep.cobb_error_deg);
    cr_expect_eq(m.prep.nash_moe_error, 0);
    cr_expect_eq(m.prep.level_choice_ok, 1);
    cr_assert_eq(m.prep.nmissed, 1);
    cr_expect_eq(m.prep.missed[0], SS_CHECK_COAGULATION);
    cr_expect(strstr(g.preparation, "checklist skipped: coagulation."), "%s", g.preparation);
    ss_case_free(&cs);
}

/* ------------------------------------------------------------------ posture
 * The checklist's 'position' (left lateral decubitus, hips and knees drawn up as far as
 * they go) is what flattens the lumbar lordosis and opens the interlaminar windows
 * (docs/anatomy.md: flexion opens them ~4-5 mm). An attempt that does the stage and
 * starts the scan without it meets the patient unflexed (sim.h, "Posture"). */

static const char *posture_prep = "0 xray.cobb 40\n0 xray.nash-moe III\n0 level.choose L4-L5\n0 check consent\n"
                                  "0 check coagulation\n0 check infection\n0 check allergy\n0 check sterile-cover\n"
                                  "0 check couplant\n0 check local-anaesthetic\n";
/* the expert's hand on case 6 as the attempt library has it (tests/data/attempts/
   expert-wei2023-case6.txt): probe slide and frame angle worked out on the flexed patient */
static const char *posture_fixed_hand = "1 probe.view L4-L5 near-spinous right\n2 probe.move -10.184 0.787 17.242\n"
                                        "3 guide.attach 15.9\n4 needle.enter\n5 needle.advance-until dura_pop 170 2\n"
                                        "5 needle.advance 1.5 1\n5 stylet.remove\n5 inject 5\n5 end\n";
/* the same operator re-planning on the patient in front of them: the planner's slide and angle */
static const char *posture_replanned = "1 probe.view L4-L5 near-spinous right\n2 probe.plan\n3 guide.attach auto\n"
                                       "4 needle.enter\n5 needle.advance-until dura_pop 170 2\n5 needle.advance 1.5 1\n"
                                       "5 stylet.remove\n5 inject 5\n5 end\n";

static void posture_attempt(ss_case *cs, const char *prep, bool position, const char *hand, const char *log,
                            bool unflexed_world, ss_metrics *m, bool *unflexed)
{
    char text[2048];
    snprintf(text, sizeof text, "%s%s%s", prep, position ? "0 check position\n" : "", hand);
    ss_script s;
    cr_assert_eq(ss_script_parse(text, "posture", &s), SS_OK, "%s", ss_error_message());
    ss_session_desc d = {.scenario = &cs->scenario, .scenario_path = cs->path, .mode = "practice", .log_path = log};
    ss_case_world(cs, &d.world);
    if (!unflexed_world) d.world.unflexed = NULL;
    ss_session *ses;
    cr_assert_eq(ss_session_begin(&d, &ses), SS_OK, "%s", ss_error_message());
    ss_session_run_script(ses, &s);
    *unflexed = ss_sim_get_state(ss_session_sim(ses))->unflexed;
    ss_grade g;
    cr_assert_eq(ss_session_end(ses, m, &g), SS_OK, "%s", ss_error_message());
    ss_session_free(ses);
    ss_script_free(&s);
}

/* The unflexed model is the same patient with less room between the laminae: every
   window of case 6 is lower by 3-6 mm (flexion_max 40 deg x 0.8 spread over five
   segments), none wider; the scoliosis (rotation) is the same. */
Test(preparation, the_unflexed_patient_has_narrower_windows)
{
    ss_case cs;
    cr_assert_eq(ss_case_load(ts_source_path("scenarios/wei2023-case6.json"), NULL, &cs), SS_OK);
    cr_assert(cs.spine_unflexed && cs.world_unflexed, "flexion 0.8: an unflexed posture exists");
    for (int l = 0; l < SS_LEVEL_COUNT; l++) {
        ss_interspace_measure f, u;
        cr_assert_eq(ss_spine_measure_interspace(cs.spine, l, &f), SS_OK);
        cr_assert_eq(ss_spine_measure_interspace(cs.spine_unflexed, l, &u), SS_OK);
        cr_expect(f.window_height_mm - u.window_height_mm >= 3.0 && f.window_height_mm - u.window_height_mm <= 6.0,
                  "%d: window height %.1f flexed, %.1f unflexed", l, f.window_height_mm, u.window_height_mm);
        cr_expect(u.window_width_mm <= f.window_width_mm + 0.25, "%d: width %.1f -> %.1f", l, f.window_width_mm,
                  u.window_width_mm);
        cr_expect(fabs(u.rotation_deg - f.rotation_deg) < 1e-9, "the rotation is the curve's, not the posture's");
    }
    ss_case_free(&cs);
    /* a fusion holds its segments in the posture they were fused in: case 5 (fused to L5,
       the L3-L4 channel) changes only at the mobile L5-S1; case 2 (fused to S1) not at all */
    cr_assert_eq(ss_case_load(ts_source_path("scenarios/wei2023-case5.json"), NULL, &cs), SS_OK);
    cr_assert(cs.spine_unflexed);
    for (int l = 0; l < SS_LEVEL_COUNT; l++) {
        ss_interspace_measure f, u;
        cr_assert_eq(ss_spine_measure_interspace(cs.spine, l, &f), SS_OK);
        cr_assert_eq(ss_spine_measure_interspace(cs.spine_unflexed, l, &u), SS_OK);
        bool held = ss_fusion_holds_segment(&cs.scenario.patient.fusion, l);
        cr_expect_eq(held, l != SS_LEVEL_L5_S1, "case 5 is fused L1 to L5");
        if (held)
            cr_expect(fabs(f.window_height_mm - u.window_height_mm) < 0.3 &&
                          fabs(f.window_width_mm - u.window_width_mm) < 0.3,
                      "%d: a fused level moved (%.1f x %.1f -> %.1f x %.1f)", l, f.window_width_mm,
                      f.window_height_mm, u.window_width_mm, u.window_height_mm);
        else
            cr_expect(f.window_height_mm - u.window_height_mm >= 3.0, "L5-S1 %.1f -> %.1f", f.window_height_mm,
                      u.window_height_mm);
    }
    ss_case_free(&cs);
    cr_assert_eq(ss_case_load(ts_source_path("scenarios/wei2023-case2.json"), NULL, &cs), SS_OK);
    cr_expect(!cs.spine_unflexed, "fused T7 to S1: lying unflexed changes nothing");
    ss_case_free(&cs);
    /* a scenario whose patient is already unflexed has no other posture */
    const char *dir = ts_tempdir("posture-flat");
    char path[512];
    snprintf(path, sizeof path, "%s/flat.json", dir);
    char *data = NULL;
    size_t len = 0;
    cr_assert_eq(ss_file_read(ts_source_path("scenarios/normal-adult.json"), 1 << 20, &data, &len), SS_OK);
    char *f = strstr(data, "\"flexion\": 0.7");
    cr_assert(f, "normal-adult.json states its flexion");
    memcpy(f, "\"flexion\": 0.0", strlen("\"flexion\": 0.0"));
    cr_assert_eq(ts_write_file(path, data), 0);
    free(data);
    cr_assert_eq(ss_case_load(path, NULL, &cs), SS_OK, "%s", ss_error_message());
    ss_world w;
    ss_case_world(&cs, &w);
    cr_expect(!cs.spine_unflexed && !w.unflexed);
    ss_case_free(&cs);
    ts_rmtree(dir);
}

/* Skipping 'position' changes what the needle meets: the expert's fixed hand for case 6,
   worked out on the flexed patient, reaches the CSF with the patient positioned and hits
   bone without; an operator who re-plans on the patient in front of them (probe.plan,
   guide.attach auto) still gets through the narrower window. Without a stage (no
   preparation commands) nothing changes: the instructor positioned the patient. */
Test(preparation, a_skipped_position_leaves_the_patient_unflexed, .timeout = 300)
{
    ss_case cs;
    cr_assert_eq(ss_case_load(ts_source_path("scenarios/wei2023-case6.json"), NULL, &cs), SS_OK);
    ss_metrics m;
    bool unflexed;
    posture_attempt(&cs, posture_prep, true, posture_fixed_hand, NULL, true, &m, &unflexed);
    cr_expect(!unflexed && !m.prep.unflexed);
    cr_expect(m.success && m.bone_contacts == 0, "positioned: the fixed hand reaches the CSF");
    posture_attempt(&cs, posture_prep, false, posture_fixed_hand, NULL, true, &m, &unflexed);
    cr_expect(unflexed && m.prep.unflexed);
    cr_expect(!m.success && m.bone_contacts >= 1, "unflexed: the same hand meets bone (%d contacts, success %d)",
              m.bone_contacts, m.success);
    char say[1024];
    ss_prep_describe(&m.prep, say, sizeof say);
    cr_expect(strstr(say, "checklist skipped: position.") && strstr(say, "lay unflexed"), "%s", say);
    cJSON *j = ss_metrics_to_json(&m);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "preparation"), "patient_unflexed")));
    cJSON_Delete(j);
    posture_attempt(&cs, posture_prep, false, posture_replanned, NULL, true, &m, &unflexed);
    cr_expect(unflexed && m.success && m.bone_contacts == 0, "re-planned on the unflexed patient: CSF (%d, %d)",
              m.success, m.bone_contacts);
    /* no stage: the scenario's posture, position or not */
    posture_attempt(&cs, "", false, posture_fixed_hand, NULL, true, &m, &unflexed);
    cr_expect(!unflexed && !m.prep.present && m.success);
    /* 'position' ticked once the scan has begun does not lift the patient's knees */
    char late[1024];
    snprintf(late, sizeof late, "%s", "1 probe.view L4-L5 near-spinous right\n1 check position\n5 end\n");
    posture_attempt(&cs, posture_prep, false, late, NULL, true, &m, &unflexed);
    cr_expect(unflexed, "the posture is settled at the first scan command");
    ss_case_free(&cs);
}

/* The posture is re-simulated from the inputs: the log of an unflexed attempt replays on
   the case's world (as replay, the report and the signer give it) and does not on a world
   without the unflexed posture. */
Test(preparation, an_unflexed_attempt_replays, .timeout = 300)
{
    const char *dir = ts_tempdir("posture-replay");
    char log[512];
    snprintf(log, sizeof log, "%s/unflexed.jsonl", dir);
    ss_case cs;
    cr_assert_eq(ss_case_load(ts_source_path("scenarios/wei2023-case6.json"), NULL, &cs), SS_OK);
    ss_metrics m;
    bool unflexed;
    posture_attempt(&cs, posture_prep, false, posture_fixed_hand, log, true, &m, &unflexed);
    cr_assert(unflexed);
    ss_log_check ck;
    cJSON *records = NULL;
    cr_assert_eq(ss_log_read(log, &ck, &records), SS_OK, "%s", ss_error_message());
    ss_world w;
    ss_case_world(&cs, &w);
    ss_replay_result r;
    cr_assert_eq(ss_session_replay(records, &cs.scenario, &w, &r), SS_OK, "%s", ss_error_message());
    cr_expect(r.match, "%s", r.difference);
    w.unflexed = NULL;
    cr_assert_eq(ss_session_replay(records, &cs.scenario, &w, &r), SS_OK, "%s", ss_error_message());
    cr_expect(!r.match, "without the unflexed posture the bone contact does not come back");
    cJSON_Delete(records);
    /* and through the command line, as an examiner replays it */
    ts_run_result *rr = malloc(sizeof *rr);
    const char *args[] = {"replay", log, NULL};
    cr_expect_eq(ts_run_sonospine(rr, args), 0, "%s%s", rr->out, rr->err);
    cr_expect(strstr(rr->out, "REPRODUCED"), "%s", rr->out);
    /* the report re-simulates it on the unflexed patient (its drawings from that volume)
       and says why the needle met bone */
    char html[600];
    snprintf(html, sizeof html, "%s/unflexed.html", dir);
    char *data = ts_report_html(rr, log, html);
    cr_assert(data, "%s%s", rr->out, rr->err);
    cr_expect(strstr(data, "lay unflexed"), "the preparation line names the posture");
    cr_expect(strstr(data, "events came out as logged"), "the report's re-simulation matches the log");
    free(data);
    free(rr);
    ss_case_free(&cs);
    ts_rmtree(dir);
}

/* The window's Cobb tool measures between two drawn lines: the angle between the endplate
 * lines, whichever way each was drawn, at most 90 deg; lines drawn along the model's own end
 * vertebrae's endplates (their tilts, as spine_measure finds them) read the model's Cobb
 * angle exactly (the film shows them within 5 deg: test_xray). */
Test(preparation, the_cobb_tool_reads_the_angle_between_the_lines)
{
    const double right[4][2] = {{0, 0}, {10, 0}, {0, 5}, {0, 15}};
    cr_expect_float_eq(ss_cobb_from_lines(right), 90.0, 1e-9);
    const double flipped[4][2] = {{10, 10}, {0, 0}, {0, 5}, {10, 5}};
    cr_expect_float_eq(ss_cobb_from_lines(flipped), 45.0, 1e-9, "a line drawn right to left is the same line");
    const double none[4][2] = {{3, 3}, {3, 3}, {0, 5}, {10, 5}};
    cr_expect(isnan(ss_cobb_from_lines(none)), "a line without length measures nothing");
    ss_case cs;
    cr_assert_eq(ss_case_load(ts_source_path("scenarios/wei2023-case6.json"), NULL, &cs), SS_OK);
    ss_cobb_measure cobb;
    cr_assert_eq(ss_spine_measure_cobb(cs.spine, &cobb), SS_OK);
    cr_assert(cobb.upper_vertebra >= 0 && cobb.lower_vertebra >= 0);
    double tu = cobb.upper_tilt_deg[cobb.upper_vertebra] * 3.14159265358979323846 / 180.0;
    /* (a curve ending at S1 is measured on its upper endplate: S1 has no lower one) */
    double tl = (cobb.lower_vertebra == SS_VERT_S1 ? cobb.upper_tilt_deg[SS_VERT_S1]
                                                   : cobb.lower_tilt_deg[cobb.lower_vertebra]) *
                3.14159265358979323846 / 180.0;
    /* film pixels: x across, y down the film; a tilt rising toward one side */
    const double along[4][2] = {{100, 200}, {100 + 60 * cos(tu), 200 - 60 * sin(tu)},
                                {110, 700}, {110 + 50 * cos(tl), 700 - 50 * sin(tl)}};
    cr_expect_float_eq(ss_cobb_from_lines(along), cobb.cobb_deg, 1e-6, "%.3f against the model's %.3f",
                       ss_cobb_from_lines(along), cobb.cobb_deg);
    ss_case_free(&cs);
}

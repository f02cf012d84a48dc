/* test_metrics.c: the attempt's measures from hand-built event streams whose answers
 * are counted by hand (REFERENCE.md §1 and §6 definitions). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "metrics.h"
#include "session_script.h"
#include "tissue.h"

static void ev(ss_metrics_state *m, ss_event_type t, double time, int level, int tissue, double value)
{
    ss_event e = {.type = t, .t_s = time, .level = level, .view = SS_VIEW_NEAR_SPINOUS, .tissue = tissue, .value = value};
    ss_metrics_event(m, &e);
}

Test(metrics, expert_one_insertion_at_the_right_level)
{
    ss_metrics_state *m = ss_metrics_begin();
    ev(m, SS_EV_PROBE_CONTACT, 5.0, -1, -1, 0);
    ev(m, SS_EV_SKIN_ENTRY, 65.0, SS_LEVEL_L4_L5, SS_TISSUE_SKIN, 0);
    ev(m, SS_EV_FLAVUM_POP, 120.0, SS_LEVEL_L4_L5, SS_TISSUE_EPIDURAL_FAT, 6);
    ev(m, SS_EV_DURA_POP, 140.0, SS_LEVEL_L4_L5, SS_TISSUE_CSF, 1);
    ev(m, SS_EV_STYLET_REMOVED, 150.0, SS_LEVEL_L4_L5, SS_TISSUE_CSF, 0);
    ev(m, SS_EV_CSF_OUTFLOW, 152.0, SS_LEVEL_L4_L5, SS_TISSUE_CSF, 0);
    ev(m, SS_EV_INJECT, 250.0, SS_LEVEL_L4_L5, SS_TISSUE_CSF, 5.0);
    ev(m, SS_EV_NEEDLE_EXIT, 260.0, SS_LEVEL_L4_L5, SS_TISSUE_AIR, 0);
    ss_metrics r;
    ss_metrics_finish(m, 300.0, &r);
    ss_metrics_free(m);
    cr_assert(r.success);
    cr_assert_eq(r.insertions, 1);
    cr_assert_eq(r.interspaces_tried, 1);
    cr_assert_float_eq(r.puncture_time_s, 152.0 - 65.0, 1e-9, "skin entry -> CSF");
    cr_assert_float_eq(r.operation_time_s, 250.0 - 5.0, 1e-9, "first contact -> injection complete");
    cr_assert_eq(r.level, SS_LEVEL_L4_L5);
    cr_assert_eq(r.view, SS_VIEW_NEAR_SPINOUS);
    cr_assert_eq(r.dural_punctures, 1);
    cr_assert_eq(r.bone_contacts, 0);
    cr_assert(r.protocol_followed, "%s", r.protocol_note);
    cJSON *j = ss_metrics_to_json(&r);
    cr_assert_str_eq(cJSON_GetObjectItem(j, "level")->valuestring, "L4-L5");
    cr_assert_str_eq(cJSON_GetObjectItem(j, "view")->valuestring, "near-spinous");
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(j, "score")), "score is the rubric's, null until graded");
    cJSON_Delete(j);
}

Test(metrics, novice_wrong_level_bone_four_insertions_ct_early)
{
    ss_metrics_state *m = ss_metrics_begin();
    ev(m, SS_EV_PROBE_CONTACT, 0.0, -1, -1, 0);
    for (int i = 0; i < 4; i++) { /* four insertions at L2-L3, each hitting bone */
        ev(m, SS_EV_SKIN_ENTRY, 10.0 + 20 * i, SS_LEVEL_L2_L3, SS_TISSUE_SKIN, 0);
        ev(m, SS_EV_BONE_CONTACT, 15.0 + 20 * i, SS_LEVEL_L2_L3, SS_TISSUE_CORTICAL, 15);
        ev(m, SS_EV_NEEDLE_EXIT, 20.0 + 20 * i, SS_LEVEL_L2_L3, SS_TISSUE_AIR, 0);
    }
    ev(m, SS_EV_CT_CALLED, 100.0, -1, -1, 0);
    ss_metrics r;
    ss_metrics_finish(m, 110.0, &r);
    ss_metrics_free(m);
    cr_assert(!r.success);
    cr_assert_eq(r.insertions, 4);
    cr_assert_eq(r.interspaces_tried, 1);
    cr_assert_eq(r.bone_contacts, 4);
    cr_assert(isnan(r.puncture_time_s), "no CSF: puncture time is null");
    cr_assert_float_eq(r.operation_time_s, 110.0, 1e-9, "no injection: until the end");
    cr_assert(r.ct_called);
    cr_assert(!r.protocol_followed);
    /* The first violation is the one reported. */
    cr_assert_str_eq(r.protocol_note, "a fourth insertion at an interspace where three had failed");
}

Test(metrics, ct_at_the_right_time_follows_the_protocol)
{
    ss_metrics_state *m = ss_metrics_begin();
    double t = 0;
    for (int level = SS_LEVEL_L2_L3; level <= SS_LEVEL_L4_L5; level++)
        for (int i = 0; i < 3; i++) {
            ev(m, SS_EV_SKIN_ENTRY, t += 10, level, SS_TISSUE_SKIN, 0);
            ev(m, SS_EV_NEEDLE_EXIT, t += 10, level, SS_TISSUE_AIR, 0);
        }
    ev(m, SS_EV_CT_CALLED, t += 5, -1, -1, 0);
    /* the puncture then made under CT guidance (at a level that failed) is the
     * radiologist's: it breaks nothing and is no critical error */
    ev(m, SS_EV_SKIN_ENTRY, t += 60, SS_LEVEL_L4_L5, SS_TISSUE_SKIN, 0);
    ev(m, SS_EV_NEEDLE_EXIT, t += 10, SS_LEVEL_L4_L5, SS_TISSUE_AIR, 0);
    ss_metrics r;
    ss_metrics_finish(m, t + 1, &r);
    ss_metrics_free(m);
    cr_assert_eq(r.insertions, 10);
    cr_assert_eq(r.interspaces_tried, 3);
    cr_assert(r.protocol_followed, "%s", r.protocol_note);
    cr_assert_eq(r.ncritical, 0);
}

Test(metrics, never_calling_ct_after_three_failed_levels_breaks_the_protocol)
{
    ss_metrics_state *m = ss_metrics_begin();
    double t = 0;
    for (int level = SS_LEVEL_L2_L3; level <= SS_LEVEL_L4_L5; level++)
        for (int i = 0; i < 3; i++) {
            ev(m, SS_EV_SKIN_ENTRY, t += 10, level, SS_TISSUE_SKIN, 0);
            ev(m, SS_EV_NEEDLE_EXIT, t += 10, level, SS_TISSUE_AIR, 0);
        }
    ss_metrics r;
    ss_metrics_finish(m, t + 1, &r);
    ss_metrics_free(m);
    cr_assert(!r.protocol_followed);
    cr_assert(strstr(r.protocol_note, "never called"), "%s", r.protocol_note);
}

Test(metrics, redirections_visibility_and_path_from_ticks)
{
    ss_metrics_state *m = ss_metrics_begin();
    double t = 0;
    ss_tick_sample s = {.in_body = true};
    /* 10 ticks advancing 1 mm with the tip visible, 10 with it hidden */
    for (int i = 0; i < 20; i++) {
        s = (ss_tick_sample){.t_s = t += 0.1, .in_body = true, .tip_advance_mm = 1, .tip_motion_mm = 1,
                             .tip_visible = i < 10, .plane_angle_deg = i < 10 ? 2 : 6};
        ss_metrics_tick(m, &s);
    }
    /* withdraw 0.5 mm then advance: not a redirection (below 1 mm) */
    s = (ss_tick_sample){.t_s = t += 0.1, .in_body = true, .tip_advance_mm = -0.5, .tip_motion_mm = 0.5};
    ss_metrics_tick(m, &s);
    s = (ss_tick_sample){.t_s = t += 0.1, .in_body = true, .tip_advance_mm = 0.5, .tip_motion_mm = 0.5, .tip_visible = true};
    ss_metrics_tick(m, &s);
    /* withdraw 3 mm in three ticks, then advance: one redirection */
    for (int i = 0; i < 3; i++) {
        s = (ss_tick_sample){.t_s = t += 0.1, .in_body = true, .tip_advance_mm = -1, .tip_motion_mm = 1};
        ss_metrics_tick(m, &s);
    }
    s = (ss_tick_sample){.t_s = t += 0.1, .in_body = true, .tip_advance_mm = 1.5, .tip_motion_mm = 1.5, .tip_visible = true,
                         .swept_area_mm2 = 12.5};
    ss_metrics_tick(m, &s);
    ss_metrics r;
    ss_metrics_finish(m, t, &r);
    ss_metrics_free(m);
    cr_assert_eq(r.redirections, 1);
    /* advanced 20 + 0.5 + 1.5 = 22 mm, of which 10 + 0.5 + 1.5 = 12 visible */
    cr_assert_float_eq(r.tip_visible_pct, 100.0 * 12.0 / 22.0, 1e-9);
    /* |motion| summed: 20 + 0.5 + 0.5 + 3 + 1.5 */
    cr_assert_float_eq(r.path_in_tissue_mm, 25.5, 1e-9);
    cr_assert_float_eq(r.tissue_damage_mm2, 12.5, 1e-9);
    /* plane angle averaged over the 22 advancing ticks: (10*2 + 10*6 + 0 + 0) / 22 */
    cr_assert_float_eq(r.plane_angle_mean_deg, 80.0 / 22.0, 1e-9);
}

Test(metrics, headache_risk_follows_tip_gauge_and_punctures)
{
    ss_needle_spec pencil = {22, 90, SS_TIP_PENCIL}, cut18 = {18, 180, SS_TIP_QUINCKE}, cut22 = {22, 90, SS_TIP_QUINCKE};
    /* REFERENCE §3: pencil-point 4.2 % a puncture; no puncture, no risk. */
    cr_assert_float_eq(ss_metrics_pdph_risk_pct(&pencil, 1), 4.2, 1e-9);
    cr_assert_float_eq(ss_metrics_pdph_risk_pct(&pencil, 0), 0.0, 1e-12);
    /* cutting worse than pencil, larger cutting needles worse than smaller */
    cr_assert_gt(ss_metrics_pdph_risk_pct(&cut22, 1), ss_metrics_pdph_risk_pct(&pencil, 1));
    cr_assert_gt(ss_metrics_pdph_risk_pct(&cut18, 1), ss_metrics_pdph_risk_pct(&cut22, 1));
    /* independent punctures: 1 - (1 - p)^2 */
    cr_assert_float_eq(ss_metrics_pdph_risk_pct(&pencil, 2), 100.0 * (1.0 - 0.958 * 0.958), 1e-9);
}

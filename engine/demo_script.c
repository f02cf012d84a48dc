/* demo_script.c: see demo_script.h. */
#include "demo_script.h"

#include <stdio.h>

#include "patient.h"
#include "plan.h"

ss_status ss_demo_script(const ss_scenario *sc, const ss_world *world, ss_script *out)
{
    if (!sc->task.guide_allowed)
        return ss_error_set(SS_ERR_UNSUPPORTED,
                            "scenario %s does not allow the puncture frame; the free-hand demonstration is not "
                            "built yet (give a --script)",
                            sc->id);
    int level = sc->task.n_expected_interspaces > 0 ? sc->task.expected_interspaces[0] : SS_LEVEL_L3_L4;
    ss_view view = sc->task.approach == SS_APPROACH_PARASAGITTAL_OBLIQUE ? SS_VIEW_PARASAGITTAL_OBLIQUE
                                                                          : SS_VIEW_NEAR_SPINOUS;
    ss_probe probe;
    ss_scenario_probe(sc, &probe);
    ss_probe_pose pose;
    ss_status st = world->view_pose(world->user, &probe, level, view, true, &pose);
    if (st != SS_OK) return st;
    /* The plan from the view as placed; if none, the fine lateral adjustment an expert
     * makes (up to 4 mm, still the same view); the tip watched all the way in if at all
     * possible, else its path near the canal, else only a bone-free line. */
    ss_plan plan = {0};
    double lateral_mm = 0;
    static const double nudges[] = {0, 1, -1, 2, -2, 3, -3, 4, -4};
    for (int need = SS_PLAN_SEE_TIP; need >= SS_PLAN_SEE_NOTHING && !plan.found; need--)
    for (size_t k = 0; k < sizeof nudges / sizeof nudges[0] && !plan.found; k++) {
        ss_probe_pose p = pose;
        for (int i = 0; i < 3; i++) p.origin_mm[i] += (float)(nudges[k] * pose.axis_z[i]);
        p.origin_mm[1] = (float)world->skin_y(world->user, p.origin_mm[0], p.origin_mm[2]);
        st = ss_plan_puncture(world, &probe, &p, level, sc->task.guide_angle_min_deg, sc->task.guide_angle_max_deg,
                              (ss_plan_sight)need, &plan);
        if (st != SS_OK) return st;
        if (plan.found) {
            lateral_mm = nudges[k];
            for (int i = 0; i < 3; i++) plan.slide_world_mm[i] += p.origin_mm[i] - pose.origin_mm[i];
        }
    }
    char move[128] = "# no bone-free path found from this view: try the frame's automatic aim\n";
    char guide[64] = "guide.attach auto";
    if (plan.found) {
        snprintf(move, sizeof move,
                 "10  probe.move %.3f %.3f %.3f   # plan: slide %.0f mm along the spine, %.0f mm sideways\n",
                 plan.slide_world_mm[0], plan.slide_world_mm[1], plan.slide_world_mm[2], plan.slide_mm, lateral_mm);
        snprintf(guide, sizeof guide, "guide.attach %.1f", plan.angle_deg);
    }
    char text[2048];
    /* Times are when an unhurried expert starts each step; the runner waits for each
     * movement to finish before the next. 3 mm/s is a careful advance under guidance. */
    int n = snprintf(text, sizeof text,
                     "# expert demonstration: %s\n"
                     "0   probe.view %s %s right\n"
                     "%s"
                     "20  %s\n"
                     "30  needle.enter\n"
                     "35  needle.advance-until dura_pop %.0f 3\n"
                     "36  needle.advance %.1f 1\n"
                     "40  stylet.remove\n"
                     "45  inject %g\n"
                     "46  needle.remove\n"
                     "50  end\n",
                     sc->id, ss_level_name(level), ss_view_name(view), move, guide, sc->task.needle_length_mm - 10.0,
                     SS_PLAN_TIP_IN_CSF_MM, sc->task.volume_ml);
    if (n < 0 || (size_t)n >= sizeof text) return ss_error_set(SS_ERR_INTERNAL, "demo script too long");
    return ss_script_parse(text, "demo", out);
}

/* demo_script.c: see demo_script.h. */
#include "demo_script.h"

#include <math.h>
#include <stdio.h>

#include "patient.h"
#include "plan.h"
#include "preparation.h"

static ss_status ss__demo(const ss_scenario *sc, const ss_world *world, const ss_proc_note *prior, bool course,
                          ss_script *out)
{
    if (!sc->task.guide_allowed)
        return ss_error_set(SS_ERR_UNSUPPORTED,
                            "scenario %s does not allow the puncture frame; the free-hand demonstration is not "
                            "built yet (give a --script)",
                            sc->id);
    int level = sc->task.n_expected_interspaces > 0 ? sc->task.expected_interspaces[0] : SS_LEVEL_L3_L4;
    const bool noted_level = prior && prior->has_level, noted_angle = prior && prior->has_angle;
    if (noted_level) level = prior->level;
    ss_view view = sc->task.approach == SS_APPROACH_PARASAGITTAL_OBLIQUE ? SS_VIEW_PARASAGITTAL_OBLIQUE
                                                                          : SS_VIEW_NEAR_SPINOUS;
    ss_probe probe;
    ss_scenario_probe(sc, &probe);
    ss_probe_pose pose;
    ss_status st = world->view_pose(world->user, &probe, level, view, true, &pose);
    if (st != SS_OK) return st;
    ss_plan plan;
    st = ss_plan_from_view(world, &probe, &pose, level, sc->task.guide_angle_min_deg, sc->task.guide_angle_max_deg,
                           &plan);
    if (st != SS_OK) return st;
    double lateral_mm = plan.lateral_mm;
    char move[128] = "# no bone-free path found from this view: try the frame's automatic aim\n";
    char guide[64] = "guide.attach auto";
    double angle = NAN;
    if (plan.found) {
        snprintf(move, sizeof move,
                 "10  probe.move %.3f %.3f %.3f   # plan: slide %.0f mm along the spine, %.0f mm sideways\n",
                 plan.slide_world_mm[0], plan.slide_world_mm[1], plan.slide_world_mm[2], plan.slide_mm, lateral_mm);
        snprintf(guide, sizeof guide, "guide.attach %.1f", plan.angle_deg);
        angle = plan.angle_deg;
    }
    if (noted_angle) {
        snprintf(guide, sizeof guide, "guide.attach note");
        angle = prior->angle_deg;
    }
    /* a course: the level from the note (or chosen), and the note for the next dose */
    char choose[64] = "", note[64] = "";
    char prep[640] = "";
    if (course) {
        /* the expert's preparation: the radiographs read as the model shows them, every
           item of the checklist, then the level */
        ss_prep_key key;
        int n0 = 0;
        if (world->prep_key && world->prep_key(world->user, &key))
            n0 = snprintf(prep, sizeof prep, "0   xray.cobb %.0f\n0   xray.nash-moe %s\n", key.cobb_deg,
                          ss_nash_moe_name(key.nash_moe));
        for (int i = 0; i < SS_CHECK_COUNT && n0 >= 0 && (size_t)n0 < sizeof prep; i++)
            n0 += snprintf(prep + n0, sizeof prep - (size_t)n0, "0   check %s\n", ss_check_item_name(i));
        snprintf(choose, sizeof choose, "0   level.choose %s\n", noted_level ? "note" : ss_level_name(level));
        if (angle == angle)
            snprintf(note, sizeof note, "48  note %s %.1f\n", ss_level_name(level), angle);
        else
            snprintf(note, sizeof note, "48  note %s\n", ss_level_name(level));
    }
    char text[3072];
    /* Times are when an unhurried expert starts each step; the runner waits for each
     * movement to finish before the next. 3 mm/s is a careful advance under guidance. */
    int n = snprintf(text, sizeof text,
                     "# expert demonstration: %s\n"
                     "%s%s"
                     "0   probe.view %s %s right\n"
                     "%s"
                     "20  %s\n"
                     "30  needle.enter\n"
                     "35  needle.advance-until dura_pop %.0f 3\n"
                     "36  needle.advance %.1f 1\n"
                     "40  stylet.remove\n"
                     "45  inject %g\n"
                     "46  needle.remove\n"
                     "%s"
                     "50  end\n",
                     sc->id, prep, choose, noted_level ? "note" : ss_level_name(level), ss_view_name(view), move, guide,
                     sc->task.needle_length_mm - 10.0, SS_PLAN_TIP_IN_CSF_MM, sc->task.volume_ml, note);
    if (n < 0 || (size_t)n >= sizeof text) return ss_error_set(SS_ERR_INTERNAL, "demo script too long");
    return ss_script_parse(text, "demo", out);
}

ss_status ss_demo_script(const ss_scenario *sc, const ss_world *world, ss_script *out)
{
    return ss__demo(sc, world, NULL, false, out);
}

ss_status ss_demo_script_dose(const ss_scenario *sc, const ss_world *world, const ss_proc_note *prior,
                              ss_script *out)
{
    return ss__demo(sc, world, prior, true, out);
}

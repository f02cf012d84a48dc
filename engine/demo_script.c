/* demo_script.c: see demo_script.h. */
#include "demo_script.h"

#include <stdio.h>

#include "patient.h"

ss_status ss_demo_script(const ss_scenario *sc, ss_script *out)
{
    int level = sc->task.n_expected_interspaces > 0 ? sc->task.expected_interspaces[0] : SS_LEVEL_L3_L4;
    const char *view = "near-spinous";
    if (sc->task.approach == SS_APPROACH_PARASAGITTAL_OBLIQUE) view = "parasagittal-oblique";
    char text[1024];
    /* Times are when an unhurried expert starts each step; the runner waits for each
     * movement to finish before the next. 3 mm/s is a careful advance under guidance. */
    int n = snprintf(text, sizeof text,
                     "# expert demonstration: %s\n"
                     "0   probe.view %s %s right\n"
                     "20  %s\n"
                     "30  needle.enter\n"
                     "35  needle.advance-until dura_pop %.0f 3\n"
                     "36  needle.advance 1.5 1\n"
                     "40  stylet.remove\n"
                     "45  inject %g\n"
                     "46  needle.remove\n"
                     "50  end\n",
                     sc->id, ss_level_name(level), view, sc->task.guide_allowed ? "guide.attach auto" : "# free hand",
                     sc->task.needle_length_mm - 10.0, sc->task.volume_ml);
    if (n < 0 || (size_t)n >= sizeof text) return ss_error_set(SS_ERR_INTERNAL, "demo script too long");
    if (!sc->task.guide_allowed)
        return ss_error_set(SS_ERR_UNSUPPORTED,
                            "scenario %s does not allow the puncture frame; the free-hand demonstration is not "
                            "built yet (give a --script)",
                            sc->id);
    return ss_script_parse(text, "demo", out);
}

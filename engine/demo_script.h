/* demo_script.h: the expert demonstration of a scenario, as a session script: the
 * paper's technique at the scenario's first expected interspace (near-spinous view from
 * the right; the pre-procedure plan slides the probe along the spine and sets the
 * puncture frame's angle for a bone-free path (plan.h); advance until the dura pops, a
 * little further, stylet out, inject, withdraw). What `sonospine run` shows when no
 * script is given, and a reference attempt for tests. When no bone-free path exists at
 * that level the demonstration still tries it, and the metrics say what happened. */
#ifndef SS_DEMO_SCRIPT_H
#define SS_DEMO_SCRIPT_H

#include "scenario.h"
#include "session_script.h"
#include "sim.h"

ss_status ss_demo_script(const ss_scenario *sc, const ss_world *world, ss_script *out);

/* The demonstration as one dose of a patient's course (run --course): with the previous
 * dose's procedure note (prior, NULL or empty: none) the expert goes to the noted
 * interspace (`probe.view note`, `level.choose note`) and sets the frame to the noted
 * angle (`guide.attach note`); otherwise it chooses as above. It ends by writing its
 * own note (the interspace and the angle it used) for the next dose. */
ss_status ss_demo_script_dose(const ss_scenario *sc, const ss_world *world, const ss_proc_note *prior,
                              ss_script *out);

#endif

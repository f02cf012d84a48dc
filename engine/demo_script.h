/* demo_script.h: the expert demonstration of a scenario, as a session script: the
 * paper's technique at the scenario's first expected interspace (near-spinous view from
 * the right, puncture frame aimed at the thecal sac, advance until the dura pops, a
 * little further, stylet out, inject, withdraw). What `sonospine run` shows when no
 * script is given, and a reference attempt for tests. */
#ifndef SS_DEMO_SCRIPT_H
#define SS_DEMO_SCRIPT_H

#include "scenario.h"
#include "session_script.h"

ss_status ss_demo_script(const ss_scenario *sc, ss_script *out);

#endif

/* world.h: what the simulation and the planner ask of the patient: tissue labels, the
 * skin surface, the standard views' probe poses, the interspaces' aim points and the
 * level a needle line is aimed at (engine/spine_world.c answers from a built spine;
 * tests answer from hand-made worlds). */
#ifndef SS_WORLD_H
#define SS_WORLD_H

#include <stdbool.h>

#include "error.h"
#include "preparation.h"
#include "probe.h"
#include "session_script.h"

typedef struct ss_world {
    void *user;
    int (*label_at)(void *user, const double p_mm[3]);
    /* y of the skin surface above (x, z) */
    double (*skin_y)(void *user, double x_mm, double z_mm);
    /* probe pose of a standard view at a level and side */
    ss_status (*view_pose)(void *user, const ss_probe *probe, int level, ss_view view, bool right,
                           ss_probe_pose *out);
    /* where a planned puncture line crosses into the canal at an interspace: the centre
     * of the interlaminar window (a line through it at any usable angle goes on into
     * the thecal sac) */
    bool (*aim_mm)(void *user, int level, double out_mm[3]);
    /* the interspace a needle line is aimed at (nearest window centre to the line) */
    int (*level_of_line)(void *user, const double p_mm[3], const double dir[3]);
    /* optional: a distance from p within which the label cannot change (0 on a
     * surface); lets line walks (plan.h) step far through uniform tissue */
    double (*clearance_mm)(void *user, const double p_mm[3]);
    /* optional: whether the skin at (x, z) is on the modelled back (the region the tissue
     * volume covers); the probe is kept there */
    bool (*on_back)(void *user, double x_mm, double z_mm);
    /* optional: the answers of the pre-procedure stage for this patient (preparation.h);
     * false when there are none (the stage is then not graded) */
    bool (*prep_key)(void *user, ss_prep_key *out);
    /* optional: what palpation finds at an interspace (landmark-only mode): the skin over
     * the midpoint of the two spinous process tips that bound it */
    bool (*palpate)(void *user, int level, double skin_mm[3]);
    /* optional: the same patient lying without the hips and knees flexed, as a patient
     * lies when the checklist's 'position' was not done before the scan (the lumbar
     * lordosis not flattened, so the interlaminar windows narrower: docs/anatomy.md). The
     * simulation turns to it when an attempt that did a pre-procedure stage starts the
     * scan without that item (sim.h). NULL: the posture does not change the anatomy. Its
     * own 'unflexed' is NULL. */
    const struct ss_world *unflexed;
} ss_world;

#endif

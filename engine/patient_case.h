/* patient_case.h: a scenario file made into a patient: the validated scenario, its
 * spine model and (on demand) its tissue volume. The one path every command and the
 * trainer take from a file name to something to scan. */
#ifndef SS_PATIENT_CASE_H
#define SS_PATIENT_CASE_H

#include <stdbool.h>

#include "diag.h"
#include "scenario.h"
#include "spine.h"
#include "tissue_volume.h"
#include "world.h"

typedef struct ss_case {
    ss_scenario scenario;
    ss_spine *spine;
    ss_volume volume;
    bool has_volume;
    /* The same patient unflexed (lying without the hips and knees drawn up: the mobile
       lumbar segments at flexion 0, those a fusion holds as they are; patient.h), the
       posture an attempt meets when its pre-procedure stage skipped 'position'
       (world.h); NULL when nothing would change (flexion 0, or every lumbar segment
       fused). */
    ss_spine *spine_unflexed;
    ss_world *world_unflexed;   /* heap: stays put when the case is moved */
    ss_volume volume_unflexed;
    bool has_volume_unflexed;
    char path[1024];
} ss_case;

/* Loads and validates the scenario (diagnostics into diags, may be NULL) and builds its
 * spine (and the unflexed one). On failure *out owns nothing. */
ss_status ss_case_load(const char *path, ss_diag_list *diags, ss_case *out);
/* The patient as the simulation's world, with its unflexed posture attached (world.h):
 * the one way a session is given a case's patient, so every front end (run, trainer,
 * replay, report, signer) turns to the same anatomy on the same inputs. The case must
 * outlive the world. */
void ss_case_world(const ss_case *c, ss_world *out);
/* Builds the tissue volume once (spacing 0 = 0.5 mm); later calls return the same. */
ss_status ss_case_volume(ss_case *c, float spacing_mm, const ss_volume **out);
/* The same for the posture the attempt is in (the simulation state's 'unflexed'): the
 * unflexed patient's volume, built on first use at the spacing given then; the case's own
 * volume when it has no unflexed posture. */
ss_status ss_case_volume_posed(ss_case *c, bool unflexed, float spacing_mm, const ss_volume **out);
/* The spine of that posture (the case's own when it has no unflexed one). */
const ss_spine *ss_case_spine_posed(const ss_case *c, bool unflexed);
void ss_case_free(ss_case *c);

#endif

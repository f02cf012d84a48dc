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

typedef struct ss_case {
    ss_scenario scenario;
    ss_spine *spine;
    ss_volume volume;
    bool has_volume;
    char path[1024];
} ss_case;

/* Loads and validates the scenario (diagnostics into diags, may be NULL) and builds its
 * spine. On failure *out owns nothing. */
ss_status ss_case_load(const char *path, ss_diag_list *diags, ss_case *out);
/* Builds the tissue volume once (spacing 0 = 0.5 mm); later calls return the same. */
ss_status ss_case_volume(ss_case *c, float spacing_mm, const ss_volume **out);
void ss_case_free(ss_case *c);

#endif

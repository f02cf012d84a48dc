/* patient_case.c: see patient_case.h. */
#include "patient_case.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spine_world.h"

ss_status ss_case_load(const char *path, ss_diag_list *diags, ss_case *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->path, sizeof out->path, "%s", path);
    ss_status st = ss_scenario_load(path, &out->scenario, diags);
    if (st != SS_OK) return st;
    st = ss_spine_build(&out->scenario.patient, &out->spine);
    if (st != SS_OK) {
        char why[1024];
        snprintf(why, sizeof why, "%s", ss_error_message());
        ss_scenario_free(&out->scenario);
        return ss_error_set(st, "%s: the patient model could not be built: %s", path, why);
    }
    /* an unflexed posture differs when the patient is flexed and some segment is mobile */
    bool mobile = false;
    for (int l = 0; l < SS_LEVEL_COUNT; l++) mobile |= !ss_fusion_holds_segment(&out->scenario.patient.fusion, l);
    if (out->scenario.patient.body.flexion > 0 && mobile) {
        ss_patient_params unflexed = out->scenario.patient;
        unflexed.body.lying_unflexed = true;
        out->world_unflexed = malloc(sizeof *out->world_unflexed);
        st = out->world_unflexed ? ss_spine_build(&unflexed, &out->spine_unflexed) : SS_ERR_NOMEM;
        if (st != SS_OK) {
            char why[1024];
            snprintf(why, sizeof why, "%s", st == SS_ERR_NOMEM ? "out of memory" : ss_error_message());
            ss_case_free(out);
            return ss_error_set(st, "%s: the unflexed patient model could not be built: %s", path, why);
        }
        ss_spine_world(out->spine_unflexed, out->world_unflexed);
    }
    return SS_OK;
}

void ss_case_world(const ss_case *c, ss_world *out)
{
    ss_spine_world(c->spine, out);
    out->unflexed = c->spine_unflexed ? c->world_unflexed : NULL;
}

const ss_spine *ss_case_spine_posed(const ss_case *c, bool unflexed)
{
    return unflexed && c->spine_unflexed ? c->spine_unflexed : c->spine;
}

/* Builds a spine's volume into *vol once (spacing 0 = 0.5 mm). */
static ss_status ss__volume_once(const ss_spine *spine, float spacing_mm, ss_volume *vol, bool *has)
{
    if (*has) return SS_OK;
    ss_volume_desc d;
    ss_volume_desc_default(&d);
    if (spacing_mm > 0) d.spacing_mm = spacing_mm;
    ss_status st = ss_volume_build(spine, &d, vol);
    if (st == SS_OK) *has = true;
    return st;
}

ss_status ss_case_volume_posed(ss_case *c, bool unflexed, float spacing_mm, const ss_volume **out)
{
    if (!unflexed || !c->spine_unflexed) return ss_case_volume(c, spacing_mm, out);
    ss_status st = ss__volume_once(c->spine_unflexed, spacing_mm, &c->volume_unflexed, &c->has_volume_unflexed);
    if (st == SS_OK) *out = &c->volume_unflexed;
    return st;
}

ss_status ss_case_volume(ss_case *c, float spacing_mm, const ss_volume **out)
{
    ss_status st = ss__volume_once(c->spine, spacing_mm, &c->volume, &c->has_volume);
    if (st == SS_OK) *out = &c->volume;
    return st;
}

void ss_case_free(ss_case *c)
{
    if (c->has_volume) ss_volume_free(&c->volume);
    if (c->has_volume_unflexed) ss_volume_free(&c->volume_unflexed);
    ss_spine_free(c->spine);
    ss_spine_free(c->spine_unflexed);
    free(c->world_unflexed);
    ss_scenario_free(&c->scenario);
    memset(c, 0, sizeof *c);
}

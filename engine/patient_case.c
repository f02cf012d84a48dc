/* patient_case.c: see patient_case.h. */
#include "patient_case.h"

#include <stdio.h>
#include <string.h>

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
    return SS_OK;
}

ss_status ss_case_volume(ss_case *c, float spacing_mm, const ss_volume **out)
{
    if (!c->has_volume) {
        ss_volume_desc d;
        ss_volume_desc_default(&d);
        if (spacing_mm > 0) d.spacing_mm = spacing_mm;
        ss_status st = ss_volume_build(c->spine, &d, &c->volume);
        if (st != SS_OK) return st;
        c->has_volume = true;
    }
    *out = &c->volume;
    return SS_OK;
}

void ss_case_free(ss_case *c)
{
    if (c->has_volume) ss_volume_free(&c->volume);
    ss_spine_free(c->spine);
    ss_scenario_free(&c->scenario);
    memset(c, 0, sizeof *c);
}

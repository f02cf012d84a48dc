/* patient.c: defaults and level names for patient parameters (see patient.h). */
#include "patient.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

#include "anatomy_table.h"

void ss_patient_params_default(ss_patient_params *out)
{
    memset(out, 0, sizeof *out);
    out->body.age_y = 35.0;
    out->body.sex = SS_SEX_MALE;
    out->body.height_cm = 0.0;
    out->body.weight_kg = 0.0;
    out->body.bmi = 24.0;
    out->body.skin_to_flavum_mm = 0.0;
    out->body.lordosis_deg = 45.0;
    out->body.flexion = 0.7;

    out->deformity.cobb_deg = 0.0;
    out->deformity.apex_vertebra = SS_VERT_L3;
    out->deformity.convex_side = SS_CURVE_LEFT;
    out->deformity.upper_end_vertebra = SS_VERT_L1;
    out->deformity.lower_end_vertebra = SS_VERT_L5;
    out->deformity.rotation_given = false;
    out->deformity.nash_moe_grade = -1;

    out->fusion.present = false;
    out->fusion.upper_vertebra = SS_VERT_L1;
    out->fusion.lower_vertebra = SS_VERT_L5;
    out->fusion.rod_material = SS_ROD_TITANIUM;
    out->fusion.rod_diameter_mm = 6.0;
    out->fusion.channel_width_mm = 12.0;
    out->fusion.channel_height_mm = 10.0;
}

static const char *const ss__vert_names[SS_VERT_COUNT] = {"L1", "L2", "L3", "L4", "L5", "S1"};
static const char *const ss__level_names[SS_LEVEL_COUNT] = {"L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1"};

const char *ss_level_name(int level)
{
    return (level >= 0 && level < SS_LEVEL_COUNT) ? ss__level_names[level] : NULL;
}

static const char *const ss__thoracic_names[6] = {"T7", "T8", "T9", "T10", "T11", "T12"};

const char *ss_vertebra_name(int vertebra)
{
    if (vertebra >= SS_VERT_T7 && vertebra < 0) return ss__thoracic_names[vertebra - SS_VERT_T7];
    return (vertebra >= 0 && vertebra < SS_VERT_COUNT) ? ss__vert_names[vertebra] : NULL;
}

/* Returns the vertebra index, or SS_VERT_T7 - 1 (never a valid index) if unknown. */
int ss_vertebra_from_name(const char *name)
{
    if (!name) return SS_VERT_T7 - 1;
    for (int i = SS_VERT_T7; i < SS_VERT_COUNT; i++) {
        const char *want = ss_vertebra_name(i);
        if (toupper((unsigned char)name[0]) == want[0] && strcmp(name + 1, want + 1) == 0) return i;
    }
    return SS_VERT_T7 - 1;
}

int ss_level_from_name(const char *name)
{
    if (!name) return -1;
    char norm[8];
    size_t k = 0;
    for (const char *s = name; *s; s++) {
        if (*s == '-' || *s == '/' || *s == ' ') continue;
        if (k >= sizeof norm - 1) return -1;
        norm[k++] = (char)toupper((unsigned char)*s);
    }
    norm[k] = '\0';
    for (int i = 0; i < SS_LEVEL_COUNT; i++) {
        char want[8];
        size_t w = 0;
        for (const char *s = ss__level_names[i]; *s; s++)
            if (*s != '-') want[w++] = *s;
        want[w] = '\0';
        if (strcmp(norm, want) == 0) return i;
    }
    return -1;
}

double ss_nash_moe_deg(int grade)
{
    static const int ids[5] = {SS_ANAT_NASH_MOE_0_DEG, SS_ANAT_NASH_MOE_1_DEG, SS_ANAT_NASH_MOE_2_DEG,
                               SS_ANAT_NASH_MOE_3_DEG, SS_ANAT_NASH_MOE_4_DEG};
    if (grade < 0 || grade > 4) return 0;
    return ss_anatomy_value(ids[grade], 0);
}

bool ss_fusion_holds_segment(const ss_fusion_params *f, int level)
{
    return f->present && level >= 0 && level < SS_LEVEL_COUNT && f->upper_vertebra <= level &&
           f->lower_vertebra >= level + 1;
}

int ss_nash_moe_grade_of(double deg)
{
    int best = 0;
    for (int g = 1; g <= 4; g++)
        if (fabs(fabs(deg) - ss_nash_moe_deg(g)) < fabs(fabs(deg) - ss_nash_moe_deg(best))) best = g;
    return best;
}

double ss_deformity_max_lumbar_rotation(const ss_deformity_params *d)
{
    double m = 0;
    for (int v = SS_VERT_L1; v <= SS_VERT_L5; v++) m = fmax(m, fabs(d->rotation_deg[v]));
    return m;
}

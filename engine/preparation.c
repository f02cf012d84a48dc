/* preparation.c: see preparation.h. */
#include "preparation.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ss__items[SS_CHECK_COUNT] = {
    [SS_CHECK_CONSENT] = "consent",         [SS_CHECK_COAGULATION] = "coagulation",
    [SS_CHECK_INFECTION] = "infection",     [SS_CHECK_ALLERGY] = "allergy",
    [SS_CHECK_POSITION] = "position",       [SS_CHECK_STERILE_COVER] = "sterile-cover",
    [SS_CHECK_COUPLANT] = "couplant",       [SS_CHECK_LOCAL_ANAESTHETIC] = "local-anaesthetic",
};

static const char *const ss__grades[5] = {"0", "I", "II", "III", "IV"};

const char *ss_check_item_name(int item) { return item >= 0 && item < SS_CHECK_COUNT ? ss__items[item] : "?"; }

int ss_check_item_from_name(const char *name)
{
    for (int i = 0; name && i < SS_CHECK_COUNT; i++)
        if (!strcmp(name, ss__items[i])) return i;
    return -1;
}

int ss_nash_moe_from_name(const char *name)
{
    static const char *const digits[5] = {"0", "1", "2", "3", "4"};
    for (int g = 0; name && g < 5; g++)
        if (!strcmp(name, ss__grades[g]) || !strcmp(name, digits[g])) return g;
    return -1;
}

const char *ss_nash_moe_name(int grade) { return grade >= 0 && grade <= 4 ? ss__grades[grade] : "?"; }

void ss_prep_inputs_init(ss_prep_inputs *in)
{
    memset(in, 0, sizeof *in);
    in->cobb_deg = NAN;
    in->nash_moe = -1;
    in->level = -1;
}

double ss_cobb_from_lines(const double p[4][2])
{
    double ax = p[1][0] - p[0][0], ay = p[1][1] - p[0][1], bx = p[3][0] - p[2][0], by = p[3][1] - p[2][1];
    double la = hypot(ax, ay), lb = hypot(bx, by);
    if (!(la > 0) || !(lb > 0)) return NAN; /* no length, or not a number */
    double c = fabs(ax * bx + ay * by) / (la * lb); /* |cos|: lines, not directions */
    return acos(fmin(1.0, c)) * (180.0 / 3.14159265358979323846);
}

void ss_prep_grade(const ss_prep_inputs *in, const ss_prep_key *key, ss_prep_result *out)
{
    memset(out, 0, sizeof *out);
    out->present = in->any;
    out->cobb_error_deg = isnan(in->cobb_deg) ? NAN : fabs(in->cobb_deg - key->cobb_deg);
    out->nash_moe_error = in->nash_moe < 0 ? -1 : abs(in->nash_moe - key->nash_moe);
    out->level_choice = in->level;
    out->level_choice_ok = in->level < 0 || in->level >= SS_LEVEL_COUNT ? -1 : key->level_ok[in->level] ? 1 : 0;
    for (int i = 0; i < SS_CHECK_COUNT; i++)
        if (!(in->checked & (1u << i))) out->missed[out->nmissed++] = i;
    out->key = *key;
    out->cobb_given_deg = in->cobb_deg;
    out->nash_moe_given = in->nash_moe;
}

/* A sentence built piece by piece into a caller's buffer (cut at its end, never over). */
typedef struct ss__text {
    char *buf;
    size_t n, used;
} ss__text;

static void ss__add(ss__text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ss__add(ss__text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(t->buf + t->used, t->used < t->n ? t->n - t->used : 0, fmt, ap);
    va_end(ap);
    if (k > 0) t->used = t->used + (size_t)k < t->n ? t->used + (size_t)k : t->n;
}

void ss_prep_describe(const ss_prep_result *r, char *buf, size_t n)
{
    ss__text t = {buf, n, 0};
    if (n) buf[0] = '\0';
    if (!r->present) return;
    ss__add(&t, "Preparation: ");
    if (isnan(r->cobb_error_deg)) ss__add(&t, "no Cobb angle given (the film's is %.0f deg); ", r->key.cobb_deg);
    else
        ss__add(&t, "Cobb angle %.0f deg read, the film's %.0f deg (%s %g); ", r->cobb_given_deg, r->key.cobb_deg,
                r->cobb_error_deg <= SS_PREP_COBB_TOL_DEG ? "within" : "off by more than", SS_PREP_COBB_TOL_DEG);
    if (r->nash_moe_error < 0) ss__add(&t, "no Nash-Moe grade given (the film's is %s); ", ss_nash_moe_name(r->key.nash_moe));
    else
        ss__add(&t, "Nash-Moe %s read, the film's %s (%s %d grade); ", ss_nash_moe_name(r->nash_moe_given),
                ss_nash_moe_name(r->key.nash_moe), r->nash_moe_error <= SS_PREP_NASH_MOE_TOL ? "within" : "off by more than",
                SS_PREP_NASH_MOE_TOL);
    if (r->level_choice_ok < 0) ss__add(&t, "no interspace chosen; ");
    else
        ss__add(&t, "%s chosen: %s (%s); ", ss_level_name(r->level_choice), r->level_choice_ok ? "right" : "not the one",
                r->key.rule);
    if (r->nmissed == 0) ss__add(&t, "every checklist item done.");
    else {
        ss__add(&t, "checklist skipped: ");
        for (int i = 0; i < r->nmissed; i++)
            ss__add(&t, "%s%s", ss_check_item_name(r->missed[i]), i + 1 < r->nmissed ? ", " : ".");
    }
    if (r->unflexed)
        ss__add(&t, " The scan began before the patient was positioned: they lay unflexed, with the "
                    "interlaminar windows narrower than with the hips and knees drawn up.");
}

void ss_surgical_record(const ss_patient_params *p, char *buf, size_t n)
{
    const ss_fusion_params *f = &p->fusion;
    ss__text t = {buf, n, 0};
    if (n) buf[0] = '\0';
    if (!f->present) {
        ss__add(&t, "No spinal surgery.");
        return;
    }
    ss__add(&t, "Posterior spinal fusion %s to %s%s", ss_vertebra_name(f->upper_vertebra),
            ss_vertebra_name(f->lower_vertebra),
            f->fused_above_l1 && f->upper_vertebra >= SS_VERT_L1 ? " (instrumented on into the thoracic spine)" : "");
    if (f->rods)
        ss__add(&t, "; two %s rods, %.1f mm", f->rod_material == SS_ROD_COCR ? "cobalt-chromium" : "titanium",
                f->rod_diameter_mm);
    int ns = 0;
    for (int v = 0; v < SS_VERT_COUNT; v++)
        if (f->screws[v]) ss__add(&t, "%s%s", ns++ ? ", " : "; pedicle screws at ", ss_vertebra_name(v));
    if (f->graft) ss__add(&t, "; posterolateral bone graft over the fused laminae");
    int nr = 0;
    for (int l = 0; l < SS_LEVEL_COUNT; l++) {
        if (f->laminotomy[l])
            ss__add(&t, "%s%s (laminotomy channel, about %.0f x %.0f mm)", nr++ ? ", " : "; reserved for intrathecal access: ",
                    ss_level_name(l), f->channel_width_mm, f->channel_height_mm);
        else if (f->ungrafted[l])
            ss__add(&t, "%s%s (left without graft)", nr++ ? ", " : "; reserved for intrathecal access: ", ss_level_name(l));
    }
    if (!nr) ss__add(&t, "; no interspace reserved for access");
    ss__add(&t, ".");
}

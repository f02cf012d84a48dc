/* rubric.c: see rubric.h. */
#include "rubric.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "metric_def.h"

void ss_rubric_default(const ss_scenario *sc, ss_rubric *out)
{
    memset(out, 0, sizeof *out);
    out->given = false;
    /* a mastery standard, set by contrasting groups on the attempt library (`sonospine
       rubric-check`, docs/rubrics.md): every expert scores 100, every novice below 95; at
       95 an attempt may miss a weight-5 item but no weight-10 one */
    out->pass_mark = SS_RUBRIC_DEFAULT_PASS_MARK;
    const ss_patient_params *p = &sc->patient;
    bool channel = false;
    for (int l = 0; l < SS_LEVEL_COUNT; l++) channel |= p->fusion.laminotomy[l] || p->fusion.ungrafted[l];
    bool hard = (p->deformity.cobb_deg >= 40.0 || p->deformity.nash_moe_grade >= 3) && !channel;
    /* the metric table's defaults (metric_def.c: each with its source), in their order */
    for (int order = 1; out->nmetrics < SS_RUBRIC_MAX_METRICS; order++) {
        const ss_metric_def *d = NULL;
        for (int i = 0; i < ss_metric_count() && !d; i++)
            if (ss_metric_at(i)->rubric_order == order) d = ss_metric_at(i);
        if (!d) break;
        ss_rubric_metric *m = &out->metrics[out->nmetrics++];
        snprintf(m->metric, sizeof m->metric, "%s", d->name);
        m->threshold = hard ? d->threshold_hard : d->threshold;
        m->weight = d->weight;
        m->direction = d->lower_better ? SS_RUBRIC_LOWER_BETTER : SS_RUBRIC_HIGHER_BETTER;
        m->required = d->required;
    }
}

static double ss__subscore(double v, double t, ss_rubric_direction dir)
{
    if (!isfinite(v)) return 0.0;
    if (dir == SS_RUBRIC_HIGHER_BETTER) {
        if (v >= t) return 1.0;
        return t > 0 ? fmax(0.0, v / t) : 0.0;
    }
    if (v <= t) return 1.0;
    return fmax(0.0, 1.0 - (v - t) / (t + 1.0));
}

/* One sentence about a metric, as a strength (met) or a weakness (not met): the metric
 * table's, or its label, value and target. */
static void ss__words(const ss_metrics *mt, const ss_grade_item *it, char *buf, size_t n)
{
    const ss_metric_def *d = ss_metric_find(it->metric);
    if (d && d->words) {
        d->words(mt, it->value, it->threshold, it->met, buf, n);
        return;
    }
    const char *label = d ? d->label : it->metric, *unit = d ? d->unit : "";
    if (!isfinite(it->value)) snprintf(buf, n, "%s: no value.", label);
    else
        snprintf(buf, n, "%s: %.3g%s%s (%s %.3g%s%s).", label, it->value, unit[0] ? " " : "", unit,
                 it->direction == SS_RUBRIC_LOWER_BETTER ? "target at most" : "target at least", it->threshold,
                 unit[0] ? " " : "", unit);
}

void ss_rubric_grade(const ss_scenario *sc, ss_metrics *mt, ss_grade *out)
{
    memset(out, 0, sizeof *out);
    ss_rubric def;
    const ss_rubric *r = &sc->rubric;
    if (!r->given || r->nmetrics == 0) {
        ss_rubric_default(sc, &def);
        r = &def;
    }
    int expected = sc->task.n_expected_interspaces > 0 ? sc->task.expected_interspaces[0] : -1;
    double wsum = 0, acc = 0;
    for (int i = 0; i < r->nmetrics && out->nitems < SS_RUBRIC_MAX_METRICS; i++) {
        ss_grade_item *it = &out->items[out->nitems];
        double v;
        if (!ss_metrics_value(mt, r->metrics[i].metric, expected, &v)) continue; /* validated at load */
        /* no image, nothing to grade about using it (landmark-only mode) */
        if (mt->landmark && ss_metric_needs_image(r->metrics[i].metric)) continue;
        snprintf(it->metric, sizeof it->metric, "%s", r->metrics[i].metric);
        it->value = v;
        it->threshold = r->metrics[i].threshold;
        it->weight = r->metrics[i].weight;
        it->direction = r->metrics[i].direction;
        it->required = r->metrics[i].required;
        it->subscore = ss__subscore(v, it->threshold, it->direction);
        it->met = it->subscore >= 1.0;
        wsum += it->weight;
        acc += it->weight * it->subscore;
        out->nitems++;
    }
    out->score = wsum > 0 ? 100.0 * acc / wsum : 0.0;
    /* nothing attempted earns nothing: no counts of errors avoided by not trying */
    bool attempted = mt->insertions > 0;
    if (!attempted) out->score = 0.0;
    out->pass_mark = r->pass_mark;
    bool proper_escalation = mt->ct_called && mt->protocol_followed && !mt->success;
    /* the protocol's own exit shows judgement: it never scores below an early or late CT
     * (each of which breaks the protocol) nor below the pass mark */
    if (proper_escalation && attempted) out->score = fmax(out->score, r->pass_mark);
    bool task_ok = mt->success || proper_escalation;
    out->pass = out->score >= r->pass_mark && task_ok;
    if (out->pass)
        snprintf(out->pass_reason, sizeof out->pass_reason, "score %.0f reaches the pass mark %.0f%s", out->score,
                 r->pass_mark, mt->success ? "" : " and CT was called correctly per protocol");
    else if (!attempted && !mt->ct_called)
        snprintf(out->pass_reason, sizeof out->pass_reason, "no needle insertion was made");
    else if (!task_ok && !mt->protocol_followed)
        snprintf(out->pass_reason, sizeof out->pass_reason, "the drug did not reach the CSF, and the protocol was not "
                                                            "followed: %s", mt->protocol_note);
    else if (!task_ok)
        snprintf(out->pass_reason, sizeof out->pass_reason, "the drug did not reach the CSF");
    else
        snprintf(out->pass_reason, sizeof out->pass_reason, "score %.*f is below the pass mark %.0f",
                 floor(out->score + 0.5) >= r->pass_mark ? 1 : 0, floor(out->score * 10.0) / 10.0, /* never "95 below 95" */
                 r->pass_mark);
    /* a must-meet item missed fails the attempt whatever the score (the first named) */
    for (int i = 0; i < out->nitems && attempted; i++) {
        const ss_grade_item *it = &out->items[i];
        if (!it->required || it->met) continue;
        const ss_metric_def *d = ss_metric_find(it->metric);
        const char *unit = d ? d->unit : "";
        out->pass = false;
        if (isfinite(it->value))
            snprintf(out->pass_reason, sizeof out->pass_reason, "a required item was missed: %s %.3g%s%s (%s %.3g%s%s)",
                     d ? d->label : it->metric, it->value, unit[0] ? " " : "", unit,
                     it->direction == SS_RUBRIC_LOWER_BETTER ? "at most" : "at least", it->threshold, unit[0] ? " " : "",
                     unit);
        else
            snprintf(out->pass_reason, sizeof out->pass_reason, "a required item was missed: %s (no value)",
                     d ? d->label : it->metric);
        break;
    }
    if (mt->ncritical > 0) {
        char d[160];
        ss_critical_describe(&mt->critical[0], d, sizeof d);
        out->pass = false;
        if (mt->ncritical > 1)
            snprintf(out->pass_reason, sizeof out->pass_reason, "critical errors (%d), the first: %s", mt->ncritical,
                     d);
        else snprintf(out->pass_reason, sizeof out->pass_reason, "a critical error: %s", d);
    }

    /* Critical errors first, one note per kind (the first of each), at most
     * SS_GRADE_MAX_CRITICAL_NOTES so that the rubric's own advice keeps a place. */
    bool kind_noted[SS_CRIT_COUNT] = {0};
    for (int i = 0; i < mt->ncritical && i < SS_CRITICAL_MAX && out->nweaknesses < SS_GRADE_MAX_CRITICAL_NOTES;
         i++) {
        const ss_critical_error *c = &mt->critical[i];
        if (kind_noted[c->type]) continue;
        kind_noted[c->type] = true;
        char d[160];
        ss_critical_describe(c, d, sizeof d);
        snprintf(out->weaknesses[out->nweaknesses++], sizeof out->weaknesses[0], "Critical error: %s. %s", d,
                 ss_critical_advice(c->type));
    }

    /* Weaknesses: unmet items, the largest lost weight first; strengths: met items,
     * the heaviest first. Ties keep rubric order. */
    bool used[SS_RUBRIC_MAX_METRICS] = {0};
    if (!attempted && out->nweaknesses < SS_GRADE_MAX_NOTES)
        snprintf(out->weaknesses[out->nweaknesses++], sizeof out->weaknesses[0],
                 "No needle insertion was made: find the view, aim the frame and advance under sight.");
    while (out->nweaknesses < SS_GRADE_MAX_NOTES) {
        int best = -1;
        double best_loss = 0;
        for (int i = 0; i < out->nitems; i++) {
            double loss = out->items[i].weight * (1.0 - out->items[i].subscore);
            if (!used[i] && !out->items[i].met && loss > best_loss) {
                best = i;
                best_loss = loss;
            }
        }
        if (best < 0) break;
        used[best] = true;
        ss__words(mt, &out->items[best], out->weaknesses[out->nweaknesses++], sizeof out->weaknesses[0]);
    }
    for (int k = 0; k < SS_GRADE_MAX_NOTES && attempted; k++) {
        int best = -1;
        for (int i = 0; i < out->nitems; i++)
            if (!used[i] && out->items[i].met && (best < 0 || out->items[i].weight > out->items[best].weight)) best = i;
        if (best < 0) break;
        used[best] = true;
        ss__words(mt, &out->items[best], out->strengths[out->nstrengths++], sizeof out->strengths[0]);
    }
    ss_prep_describe(&mt->prep, out->preparation, sizeof out->preparation);
    mt->score = out->score;
    mt->pass = out->pass;
    mt->graded = true;
    if (!attempted && !mt->ct_called && mt->ncritical == 0) mt->verdict = SS_VERDICT_NOT_ATTEMPTED;
    else if (out->pass && proper_escalation) mt->verdict = SS_VERDICT_ESCALATED_CORRECTLY;
    else mt->verdict = out->pass ? SS_VERDICT_PASS : SS_VERDICT_FAIL;
}

cJSON *ss_grade_to_json(const ss_grade *g)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "score", g->score);
    cJSON_AddBoolToObject(o, "pass", g->pass);
    cJSON_AddNumberToObject(o, "pass_mark", g->pass_mark);
    cJSON_AddStringToObject(o, "pass_reason", g->pass_reason);
    cJSON *items = cJSON_AddArrayToObject(o, "items");
    for (int i = 0; i < g->nitems; i++) {
        const ss_grade_item *it = &g->items[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "metric", it->metric);
        if (isfinite(it->value)) cJSON_AddNumberToObject(j, "value", it->value);
        else cJSON_AddNullToObject(j, "value");
        cJSON_AddNumberToObject(j, "threshold", it->threshold);
        cJSON_AddNumberToObject(j, "weight", it->weight);
        cJSON_AddStringToObject(j, "direction", it->direction == SS_RUBRIC_LOWER_BETTER ? "min" : "max");
        if (it->required) cJSON_AddTrueToObject(j, "required");
        cJSON_AddNumberToObject(j, "subscore", it->subscore);
        cJSON_AddBoolToObject(j, "met", it->met);
        cJSON_AddItemToArray(items, j);
    }
    cJSON *s = cJSON_AddArrayToObject(o, "strengths");
    for (int i = 0; i < g->nstrengths; i++) cJSON_AddItemToArray(s, cJSON_CreateString(g->strengths[i]));
    cJSON *w = cJSON_AddArrayToObject(o, "weaknesses");
    for (int i = 0; i < g->nweaknesses; i++) cJSON_AddItemToArray(w, cJSON_CreateString(g->weaknesses[i]));
    if (g->preparation[0]) cJSON_AddStringToObject(o, "preparation", g->preparation);
    return o;
}

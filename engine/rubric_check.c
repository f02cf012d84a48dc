/* rubric_check.c: see rubric_check.h. */
#include "rubric_check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ss__cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double ss__median(double *v, int n)
{
    if (n == 0) return NAN;
    qsort(v, (size_t)n, sizeof *v, ss__cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void ss_rubric_separation(const ss_scenario *rubric_from, const ss_attempt_library *lib, ss_separation *out)
{
    memset(out, 0, sizeof *out);
    out->default_rubric = !rubric_from->rubric.given || rubric_from->rubric.nmetrics == 0;
    double es[SS_ATTEMPT_MAX], ns[SS_ATTEMPT_MAX];
    out->expert_min = INFINITY;
    out->novice_max = -INFINITY;
    for (int i = 0; i < lib->n; i++) {
        const ss_scripted_attempt *a = &lib->a[i];
        if (!a->ran) continue;
        ss_scenario sc = a->scenario_data; /* read only: its own case, the rubric under test */
        if (out->default_rubric) sc.rubric.given = false; /* its case's default, not its own section */
        else sc.rubric = rubric_from->rubric;
        ss_metrics m = a->metrics;
        ss_grade g;
        ss_rubric_grade(&sc, &m, &g);
        ss_separation_attempt *r = &out->att[out->natt++];
        r->attempt = a;
        r->score = g.score;
        r->pass = g.pass;
        snprintf(r->reason, sizeof r->reason, "%s", g.pass_reason);
        bool expert = a->group == SS_ATTEMPT_EXPERT;
        if (expert) {
            es[out->nexpert++] = g.score;
            out->expert_pass += g.pass;
            out->expert_min = fmin(out->expert_min, g.score);
        } else {
            ns[out->nnovice++] = g.score;
            out->novice_pass += g.pass;
            out->novice_max = fmax(out->novice_max, g.score);
        }
        if (out->pass_mark == 0) out->pass_mark = g.pass_mark;
        for (int k = 0; k < g.nitems; k++) {
            const ss_grade_item *it = &g.items[k];
            int row = -1;
            for (int j = 0; j < out->nrows && row < 0; j++)
                if (strcmp(out->rows[j].metric, it->metric) == 0) row = j;
            if (row < 0 && out->nrows < SS_RUBRIC_MAX_METRICS) {
                row = out->nrows++;
                ss_separation_row *w = &out->rows[row];
                snprintf(w->metric, sizeof w->metric, "%s", it->metric);
                w->threshold = it->threshold;
                w->weight = it->weight;
                w->required = it->required;
                w->direction = it->direction;
            }
            if (row < 0) continue;
            ss_separation_row *w = &out->rows[row];
            if (expert) {
                w->expert_mean += it->subscore;
                w->expert_met += it->met;
            } else {
                w->novice_mean += it->subscore;
                w->novice_met += it->met;
            }
        }
    }
    out->measures_separate = out->nrows > 0;
    for (int j = 0; j < out->nrows; j++) {
        ss_separation_row *w = &out->rows[j];
        if (out->nexpert) w->expert_mean /= out->nexpert;
        if (out->nnovice) w->novice_mean /= out->nnovice;
        w->separates = w->expert_mean > w->novice_mean + 1e-9;
        out->measures_separate &= w->separates;
    }
    double all[2 * SS_ATTEMPT_MAX];
    int nall = 0;
    for (int i = 0; i < out->natt; i++) all[nall++] = out->att[i].score;
    out->expert_median = ss__median(es, out->nexpert);
    out->novice_median = ss__median(ns, out->nnovice);
    out->score_separates = out->nexpert > 0 && out->nnovice > 0 && out->expert_min > out->novice_max;
    out->mark_between = out->nexpert > 0 && out->nnovice > 0 && out->expert_pass == out->nexpert &&
                        out->pass_mark > out->novice_median;
    /* contrasting groups: the pass mark (between consecutive distinct scores) that
       misclassifies the fewest: experts below it, novices at or above it */
    qsort(all, (size_t)nall, sizeof *all, ss__cmp_double);
    out->cg_errors = nall + 1;
    for (int c = 0; c <= nall; c++) {
        if (c > 0 && c < nall && all[c] == all[c - 1]) continue;
        double lo = c == 0 ? 0.0 : all[c - 1], hi = c == nall ? 100.0 : all[c];
        double mark = c == nall ? 100.0 + 1e-9 : hi; /* passing needs score >= mark */
        int err = 0;
        for (int i = 0; i < out->natt; i++) {
            bool passes = out->att[i].score >= mark;
            err += out->att[i].attempt->group == SS_ATTEMPT_EXPERT ? !passes : passes;
        }
        if (err < out->cg_errors) {
            out->cg_errors = err;
            out->cg_low = lo;
            out->cg_high = hi;
        }
    }
    out->ok = out->measures_separate && out->score_separates && out->mark_between;
}

cJSON *ss_separation_to_json(const ss_separation *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "rubric", s->default_rubric ? "default" : "scenario");
    cJSON_AddNumberToObject(o, "pass_mark", s->pass_mark);
    cJSON *rows = cJSON_AddArrayToObject(o, "measures");
    for (int j = 0; j < s->nrows; j++) {
        const ss_separation_row *w = &s->rows[j];
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "metric", w->metric);
        cJSON_AddNumberToObject(r, "weight", w->weight);
        cJSON_AddStringToObject(r, "direction", w->direction == SS_RUBRIC_LOWER_BETTER ? "min" : "max");
        cJSON_AddBoolToObject(r, "required", w->required);
        cJSON_AddNumberToObject(r, "expert_mean_subscore", w->expert_mean);
        cJSON_AddNumberToObject(r, "novice_mean_subscore", w->novice_mean);
        cJSON_AddNumberToObject(r, "experts_met", w->expert_met);
        cJSON_AddNumberToObject(r, "novices_met", w->novice_met);
        cJSON_AddBoolToObject(r, "separates", w->separates);
        cJSON_AddItemToArray(rows, r);
    }
    cJSON *att = cJSON_AddArrayToObject(o, "attempts");
    for (int i = 0; i < s->natt; i++) {
        const ss_separation_attempt *a = &s->att[i];
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "name", a->attempt->name);
        cJSON_AddStringToObject(r, "group", ss_attempt_group_name(a->attempt->group));
        cJSON_AddStringToObject(r, "scenario", a->attempt->scenario);
        cJSON_AddNumberToObject(r, "score", a->score);
        cJSON_AddBoolToObject(r, "pass", a->pass);
        cJSON_AddStringToObject(r, "reason", a->reason);
        cJSON_AddItemToArray(att, r);
    }
    cJSON *sc = cJSON_AddObjectToObject(o, "scores");
    cJSON_AddNumberToObject(sc, "experts", s->nexpert);
    cJSON_AddNumberToObject(sc, "novices", s->nnovice);
    cJSON_AddNumberToObject(sc, "experts_passing", s->expert_pass);
    cJSON_AddNumberToObject(sc, "novices_passing", s->novice_pass);
    cJSON_AddNumberToObject(sc, "expert_min", s->expert_min);
    cJSON_AddNumberToObject(sc, "expert_median", s->expert_median);
    cJSON_AddNumberToObject(sc, "novice_max", s->novice_max);
    cJSON_AddNumberToObject(sc, "novice_median", s->novice_median);
    cJSON *cg = cJSON_AddObjectToObject(o, "contrasting_groups");
    cJSON_AddNumberToObject(cg, "pass_mark_from", s->cg_low);
    cJSON_AddNumberToObject(cg, "pass_mark_to", s->cg_high);
    cJSON_AddNumberToObject(cg, "misclassified", s->cg_errors);
    cJSON_AddBoolToObject(o, "measures_separate", s->measures_separate);
    cJSON_AddBoolToObject(o, "score_separates", s->score_separates);
    cJSON_AddBoolToObject(o, "pass_mark_between", s->mark_between);
    cJSON_AddBoolToObject(o, "ok", s->ok);
    return o;
}

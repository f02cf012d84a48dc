#define _POSIX_C_SOURCE 200809L
/* variants.c: see variants.h. */
#include "variants.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t ss__splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double ss__uniform(uint64_t *s) { return (double)(ss__splitmix(s) >> 11) * (1.0 / 9007199254740992.0); }

/* Sets a number at a dotted path, creating objects on the way. */
static void ss__set_path(cJSON *root, const char *path, double v)
{
    char buf[SS_VARIANT_PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    cJSON *o = root;
    char *save = NULL;
    char *tok = strtok_r(buf, ".", &save);
    while (tok) {
        char *next = strtok_r(NULL, ".", &save);
        cJSON *child = cJSON_GetObjectItemCaseSensitive(o, tok);
        if (!next) {
            if (child) cJSON_ReplaceItemInObjectCaseSensitive(o, tok, cJSON_CreateNumber(v));
            else cJSON_AddNumberToObject(o, tok, v);
            return;
        }
        if (!cJSON_IsObject(child)) {
            if (child) cJSON_DeleteItemFromObjectCaseSensitive(o, tok);
            child = cJSON_AddObjectToObject(o, tok);
        }
        o = child;
        tok = next;
    }
}

static double ss__get_num(const cJSON *root, const char *a, const char *b)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, a);
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, b) : NULL;
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

ss_status ss_variant_make(const ss_scenario *sc, uint32_t seed, int k, ss_variant_result *out)
{
    memset(out, 0, sizeof *out);
    if (sc->nvariants == 0)
        return ss_error_set(SS_ERR_INVALID, "%s: the scenario has no \"variants\" section: nothing may be varied",
                            sc->source);
    if (!sc->raw) return ss_error_set(SS_ERR_INTERNAL, "%s: scenario text not kept", sc->source);
    uint64_t state = ((uint64_t)seed << 32) ^ (uint64_t)(uint32_t)k ^ 0x5EED5EEDull;
    char last_error[600] = "";
    for (int draw = 1; draw <= SS_VARIANT_MAX_DRAWS; draw++) {
        cJSON *root = cJSON_ParseWithLength(sc->raw, sc->raw_len);
        if (!root) return ss_error_set(SS_ERR_PARSE, "%s: not JSON", sc->source);
        out->nvalues = 0;
        for (int i = 0; i < sc->nvariants; i++) {
            const ss_variant *v = &sc->variants[i];
            const ss_scenario_field *f = ss_scenario_field_at(v->field);
            double x;
            if (v->has_choices) {
                x = v->choices[ss__splitmix(&state) % (uint64_t)v->nchoices];
            } else {
                x = v->min + ss__uniform(&state) * (v->max - v->min);
                x = (f && f->integer) ? round(x) : round(x * 10.0) / 10.0;
                if (x < v->min) x = v->min;
                if (x > v->max) x = v->max;
            }
            ss__set_path(root, v->path, x);
            ss_variant_value *val = &out->values[out->nvalues++];
            snprintf(val->path, sizeof val->path, "%s", v->path);
            val->value = x;
            if (!strcmp(v->path, "patient.bmi")) {
                double h = ss__get_num(root, "patient", "height_cm");
                if (isfinite(h) && isfinite(ss__get_num(root, "patient", "weight_kg")))
                    ss__set_path(root, "patient.weight_kg", round(x * (h / 100.0) * (h / 100.0) * 10.0) / 10.0);
            }
        }
        cJSON_DeleteItemFromObjectCaseSensitive(root, "variants");
        snprintf(out->id, sizeof out->id, "%.40s-s%u-v%d", sc->id, seed, k);
        cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "scenario");
        if (cJSON_IsObject(meta)) {
            cJSON_ReplaceItemInObjectCaseSensitive(meta, "id", cJSON_CreateString(out->id));
            char title[SS_SCENARIO_TITLE_MAX];
            snprintf(title, sizeof title, "%.100s (variant %d)", sc->title, k);
            cJSON_DeleteItemFromObjectCaseSensitive(meta, "title");
            cJSON_AddStringToObject(meta, "title", title);
        }
        uint64_t s2 = state;
        cJSON_DeleteItemFromObjectCaseSensitive(root, "seed");
        cJSON_AddNumberToObject(root, "seed", (double)(uint32_t)ss__splitmix(&s2));
        char comment[300];
        snprintf(comment, sizeof comment, "variant %d of seed %u of %s (sonospine variants); %d parameter%s drawn",
                 k, seed, sc->id, out->nvalues, out->nvalues == 1 ? "" : "s");
        cJSON_DeleteItemFromObjectCaseSensitive(root, "$comment");
        cJSON_AddStringToObject(root, "$comment", comment);
        char *text = cJSON_Print(root);
        cJSON_Delete(root);
        if (!text) return ss_error_set(SS_ERR_NOMEM, "out of memory");
        ss_scenario check;
        ss_diag_list dl;
        ss_diag_list_init(&dl);
        ss_status st = ss_scenario_parse(text, strlen(text), out->id, &check, &dl);
        if (st == SS_OK) {
            ss_scenario_free(&check);
            ss_diag_list_free(&dl);
            out->json = text;
            out->draws = draw;
            return SS_OK;
        }
        if (dl.count) ss_diag_format(&dl.items[0], last_error, sizeof last_error);
        else snprintf(last_error, sizeof last_error, "%s", ss_error_message());
        ss_diag_list_free(&dl);
        cJSON_free(text);
    }
    return ss_error_set(SS_ERR_INVALID, "%s: no valid variant in %d draws; last: %s", sc->source, SS_VARIANT_MAX_DRAWS,
                        last_error);
}

void ss_variant_result_free(ss_variant_result *r)
{
    if (r->json) cJSON_free(r->json);
    r->json = NULL;
}

/* scenario.c: scenario files, read and validated into ss_scenario (see scenario.h).
 *
 * The file is checked in three passes: a strict JSON syntax check (json_locate.c, so
 * "not JSON" comes with a precise line:col), cJSON for the tree, then the validator
 * below, which walks every section, records every problem in the ss_diag_list and
 * fills the structs. Positions come from ss_json_locate() with the path of the value
 * being checked. Numeric ranges live in one table (ss__fields) that the validator,
 * the variant checks and ss_scenario_field_*() share.
 */
#define _POSIX_C_SOURCE 200809L
#include "scenario.h"
#include "metrics.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json_locate.h"
#include "metric_def.h"
#include "paths.h"

/* ------------------------------------------------------------------ the field table */

static const double ss__gauges[] = {18, 20, 22};

#define SS__F(p, u, lo, hi, integ, var, member, st) \
    {p, u, lo, hi, integ, var, NULL, 0, offsetof(ss_scenario, member), st}
#define SS__ROT(name, idx) \
    SS__F("deformity.rotation_deg." name, "deg", -60, 60, false, true, patient.deformity.rotation_deg[idx], SS_FIELD_DOUBLE)

/* Legal ranges. Sources: REFERENCE.md §1-2 and the paper (18 G 180 mm needle, 1-8 MHz
 * convex probe); the rest are the limits of what the model and the simulator handle
 * (e.g. age 6..100 y: adolescents are scaled from adults; Cobb up to 120 deg). */
static const ss_scenario_field ss__fields[] = {
    SS__F("patient.age_y", "y", 6, 100, false, true, patient.body.age_y, SS_FIELD_DOUBLE),
    SS__F("patient.height_cm", "cm", 90, 220, false, true, patient.body.height_cm, SS_FIELD_DOUBLE),
    SS__F("patient.weight_kg", "kg", 15, 250, false, true, patient.body.weight_kg, SS_FIELD_DOUBLE),
    SS__F("patient.bmi", "kg/m2", 10, 60, false, true, patient.body.bmi, SS_FIELD_DOUBLE),
    SS__F("patient.skin_to_flavum_mm", "mm", 15, 120, false, true, patient.body.skin_to_flavum_mm, SS_FIELD_DOUBLE),
    SS__F("patient.lordosis_deg", "deg", -20, 90, false, true, patient.body.lordosis_deg, SS_FIELD_DOUBLE),
    SS__F("patient.flexion", "", 0, 1, false, true, patient.body.flexion, SS_FIELD_DOUBLE),
    SS__F("deformity.cobb_deg", "deg", 0, 120, false, true, patient.deformity.cobb_deg, SS_FIELD_DOUBLE),
    SS__F("deformity.nash_moe", "grade", 0, 4, true, true, patient.deformity.nash_moe_grade, SS_FIELD_INT),
    SS__ROT("L1", SS_VERT_L1),
    SS__ROT("L2", SS_VERT_L2),
    SS__ROT("L3", SS_VERT_L3),
    SS__ROT("L4", SS_VERT_L4),
    SS__ROT("L5", SS_VERT_L5),
    SS__ROT("S1", SS_VERT_S1),
    SS__F("fusion.rods.diameter_mm", "mm", 3, 7, false, true, patient.fusion.rod_diameter_mm, SS_FIELD_DOUBLE),
    SS__F("fusion.channel.width_mm", "mm", 4, 30, false, true, patient.fusion.channel_width_mm, SS_FIELD_DOUBLE),
    SS__F("fusion.channel.height_mm", "mm", 4, 30, false, true, patient.fusion.channel_height_mm, SS_FIELD_DOUBLE),
    SS__F("task.volume_ml", "ml", 0, 30, false, true, task.volume_ml, SS_FIELD_DOUBLE),
    {"task.needle.gauge", "G", 18, 22, true, true, ss__gauges, 3, offsetof(ss_scenario, task.needle_gauge), SS_FIELD_INT},
    SS__F("task.needle.length_mm", "mm", 90, 180, false, true, task.needle_length_mm, SS_FIELD_DOUBLE),
    SS__F("task.guide.angle_min_deg", "deg", 0, 75, false, true, task.guide_angle_min_deg, SS_FIELD_DOUBLE),
    SS__F("task.guide.angle_max_deg", "deg", 0, 75, false, true, task.guide_angle_max_deg, SS_FIELD_DOUBLE),
    SS__F("task.time_limit_s", "s", 30, 7200, false, true, task.time_limit_s, SS_FIELD_DOUBLE),
    SS__F("probe.freq_mhz", "MHz", 1, 8, false, true, probe.freq_mhz, SS_FIELD_DOUBLE),
    SS__F("probe.depth_mm", "mm", 20, 200, false, true, probe.depth_mm, SS_FIELD_DOUBLE),
    SS__F("probe.gain_db", "dB", -20, 40, false, true, probe.gain_db, SS_FIELD_DOUBLE),
    SS__F("probe.dynamic_range_db", "dB", 30, 100, false, true, probe.dynamic_range_db, SS_FIELD_DOUBLE),
    SS__F("rubric.pass_mark", "", 0, 100, false, false, rubric.pass_mark, SS_FIELD_DOUBLE),
    SS__F("seed", "", 0, 4294967295.0, true, false, seed, SS_FIELD_U32),
};
enum { SS__NFIELDS = (int)(sizeof ss__fields / sizeof ss__fields[0]) };

/* Not in the table (arrays and open sections), ranges kept here beside it. */
static const ss_scenario_field ss__tgc_field = {"probe.tgc_db[]", "dB", -20, 20, false, false, NULL, 0, 0, 0};
static const ss_scenario_field ss__threshold_field = {"rubric.metrics[].threshold", "", -1e9, 1e9, false, false,
                                                      NULL, 0, 0, 0};
static const ss_scenario_field ss__weight_field = {"rubric.metrics[].weight", "", 0, 100, false, false, NULL, 0, 0, 0};
static const ss_scenario_field ss__course_day_field = {"course.schedule_days[]", "day", 0, 3650, true, false, NULL, 0, 0, 0};
static const ss_scenario_field ss__course_first_field = {"course.first_dose", "", 1, 30, true, false, NULL, 0, 0, 0};
static const ss_scenario_field ss__course_count_field = {"course.reported[]", "", 0, 50, true, false, NULL, 0, 0, 0};
static const ss_scenario_field ss__course_min_field = {"course.reported[]", "min", 0, 600, false, false, NULL, 0, 0, 0};

/* The gradable metric names are the scoring module's (metrics.h). */
#define ss__metric_names ss_metrics_names()

/* Tolerance between a given BMI and weight/height^2 (rounding in clinical records). */
#define SS__BMI_TOLERANCE 1.0

int ss_scenario_field_count(void)
{
    return SS__NFIELDS;
}

const ss_scenario_field *ss_scenario_field_at(int index)
{
    return (index >= 0 && index < SS__NFIELDS) ? &ss__fields[index] : NULL;
}

const ss_scenario_field *ss_scenario_field_find(const char *path)
{
    if (!path) return NULL;
    for (int i = 0; i < SS__NFIELDS; i++)
        if (strcmp(ss__fields[i].path, path) == 0) return &ss__fields[i];
    return NULL;
}

double ss_scenario_field_get(const ss_scenario *s, const ss_scenario_field *f)
{
    const char *base = (const char *)s + f->offset;
    switch (f->storage) {
    case SS_FIELD_INT: return (double)*(const int *)(const void *)base;
    case SS_FIELD_U32: return (double)*(const uint32_t *)(const void *)base;
    default: return *(const double *)(const void *)base;
    }
}

void ss_scenario_field_set(ss_scenario *s, const ss_scenario_field *f, double value)
{
    char *base = (char *)s + f->offset;
    switch (f->storage) {
    case SS_FIELD_INT: *(int *)(void *)base = (int)lround(value); break;
    case SS_FIELD_U32: *(uint32_t *)(void *)base = (uint32_t)llround(value); break;
    default: *(double *)(void *)base = value; break;
    }
    if (strncmp(f->path, "deformity.rotation_deg.", 23) == 0) s->patient.deformity.rotation_given = true;
}

static const char *const ss__approach_names[SS_APPROACH_COUNT + 1] = {
    "near-spinous", "parasagittal-oblique", "spinous", "transforaminal", "transverse-interlaminar", NULL};

const char *ss_approach_name(ss_approach a)
{
    return ((int)a >= 0 && a < SS_APPROACH_COUNT) ? ss__approach_names[a] : NULL;
}

/* ------------------------------------------------------------------ defaults */

void ss_scenario_defaults(ss_scenario *out)
{
    memset(out, 0, sizeof *out);
    ss_patient_params_default(&out->patient);
    ss_task_params *t = &out->task;
    snprintf(t->drug, sizeof t->drug, "nusinersen");
    t->volume_ml = 5.0;
    t->needle_gauge = 22;
    t->needle_length_mm = 90.0;
    t->needle_tip = SS_TIP_QUINCKE;
    t->guide_allowed = true;
    t->guide_angle_min_deg = 0.0;
    t->guide_angle_max_deg = 60.0;
    t->freehand_allowed = true;
    t->approach = SS_APPROACH_NEAR_SPINOUS;
    t->time_limit_s = 1800.0;
    ss_probe_params *p = &out->probe;
    p->type = SS_PROBE_CONVEX;
    p->freq_mhz = 3.5;
    p->depth_mm = 100.0;
    p->gain_db = 0.0;
    p->dynamic_range_db = 60.0;
    ss_course *c = &out->course;
    c->first_dose = 1;
    for (int i = 0; i < SS_COURSE_MAX_DOSES; i++)
        c->insertions[i] = c->interspaces[i] = c->operation_time_min[i] = c->puncture_time_min[i] = NAN;
}

void ss_scenario_free(ss_scenario *s)
{
    if (!s) return;
    free(s->raw);
    ss_scenario_defaults(s);
}

ss_status ss_scenario_default_path(char *out, size_t out_size)
{
    char dir[4096];
    ss_status st = ss_paths_data_dir("scenarios", dir, sizeof dir, NULL);
    if (st != SS_OK) return st;
    int n = snprintf(out, out_size, "%s/default.json", dir);
    if (n < 0 || (size_t)n >= out_size) return ss_error_set(SS_ERR_IO, "%s/default.json: path too long", dir);
    if (!ss_file_exists(out)) return ss_error_set(SS_ERR_IO, "%s: the default scenario is missing", out);
    return SS_OK;
}

/* ------------------------------------------------------------------ validation context */

enum { SS__MAX_DEPTH = 16 };

typedef struct ss__ctx {
    const char *text;
    size_t len;
    const char *file;
    ss_diag_list *diags;
    ss_json_seg segs[SS__MAX_DEPTH];
    int nsegs;
} ss__ctx;

static void ss__push_key(ss__ctx *c, const char *key, int occurrence)
{
    if (c->nsegs < SS__MAX_DEPTH) c->segs[c->nsegs] = (ss_json_seg){key, 0, occurrence};
    c->nsegs++;
}

static void ss__push_index(ss__ctx *c, int index)
{
    if (c->nsegs < SS__MAX_DEPTH) c->segs[c->nsegs] = (ss_json_seg){NULL, index, 0};
    c->nsegs++;
}

static void ss__pop(ss__ctx *c)
{
    c->nsegs--;
}

static void ss__path(const ss__ctx *c, const char *extra, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    int n = c->nsegs < SS__MAX_DEPTH ? c->nsegs : SS__MAX_DEPTH;
    for (int i = 0; i <= n && used + 1 < size; i++) {
        int w;
        if (i == n) {
            if (!extra) break;
            w = snprintf(buf + used, size - used, "%s%s", used ? "." : "", extra);
        } else if (c->segs[i].key) {
            w = snprintf(buf + used, size - used, "%s%s", used ? "." : "", c->segs[i].key);
        } else {
            w = snprintf(buf + used, size - used, "[%d]", c->segs[i].index);
        }
        if (w < 0) break;
        used += (size_t)w;
        if (used >= size) used = size - 1;
    }
}

typedef enum { SS__AT_VALUE, SS__AT_KEY, SS__AT_PARENT } ss__where;

static bool ss__locate(const ss__ctx *c, ss_json_loc *loc)
{
    int n = c->nsegs < SS__MAX_DEPTH ? c->nsegs : SS__MAX_DEPTH;
    return ss_json_locate(c->text, c->len, c->segs, n, loc);
}

static void ss__vreport(ss__ctx *c, ss_diag_severity sev, ss__where where, const char *extra, const char *fmt,
                        va_list ap)
{
    char path[SS_DIAG_PATH_MAX], msg[SS_DIAG_MESSAGE_MAX];
    ss__path(c, where == SS__AT_PARENT ? extra : NULL, path, sizeof path);
    vsnprintf(msg, sizeof msg, fmt, ap);
    ss_json_loc loc;
    int line = 0, col = 0;
    if (ss__locate(c, &loc)) {
        ss_json_pos p = (where == SS__AT_KEY && loc.has_key) ? loc.key : loc.value;
        line = p.line;
        col = p.col;
    }
    ss_diag_add(c->diags, sev, c->file, line, col, path[0] ? path : "$", "%s", msg);
}

static void ss__err(ss__ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ss__err(ss__ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ss__vreport(c, SS_DIAG_ERROR, SS__AT_VALUE, NULL, fmt, ap);
    va_end(ap);
}

static void ss__err_key(ss__ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ss__err_key(ss__ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ss__vreport(c, SS_DIAG_ERROR, SS__AT_KEY, NULL, fmt, ap);
    va_end(ap);
}

static void ss__warn(ss__ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ss__warn(ss__ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ss__vreport(c, SS_DIAG_WARNING, SS__AT_VALUE, NULL, fmt, ap);
    va_end(ap);
}

/* Missing member `key` of the current object: path names the member, position is the
 * object's opening brace. */
static void ss__err_missing(ss__ctx *c, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void ss__err_missing(ss__ctx *c, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char msg[SS_DIAG_MESSAGE_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char path[SS_DIAG_PATH_MAX];
    ss__path(c, key, path, sizeof path);
    ss_json_loc loc;
    int line = 0, col = 0;
    if (ss__locate(c, &loc)) {
        line = loc.value.line;
        col = loc.value.col;
    }
    ss_diag_add(c->diags, SS_DIAG_ERROR, c->file, line, col, path, "missing required field: %s", msg);
}

/* What the current value is, for "found ...": the source text of a scalar, or a kind. */
static const char *ss__found(const ss__ctx *c, const cJSON *item, char *buf, size_t size)
{
    if (cJSON_IsObject(item)) return "an object";
    if (cJSON_IsArray(item)) return "an array";
    ss_json_loc loc;
    if (ss__locate(c, &loc)) {
        size_t n = ss_json_token_length(c->text, c->len, loc.value.offset);
        if (n > 0) {
            const size_t max = 60;
            if (n > max)
                snprintf(buf, size, "%.*s...", (int)max, c->text + loc.value.offset);
            else
                snprintf(buf, size, "%.*s", (int)n, c->text + loc.value.offset);
            return buf;
        }
    }
    if (cJSON_IsString(item)) snprintf(buf, size, "\"%.60s\"", item->valuestring);
    else if (cJSON_IsNumber(item)) snprintf(buf, size, "%.17g", item->valuedouble);
    else if (cJSON_IsBool(item)) snprintf(buf, size, "%s", cJSON_IsTrue(item) ? "true" : "false");
    else snprintf(buf, size, "null");
    return buf;
}

/* ------------------------------------------------------------------ suggestions */

static int ss__edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) return 99;
    int row[64];
    for (size_t j = 0; j <= lb; j++) row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            char ca = a[i - 1], cb = b[j - 1];
            if (ca >= 'A' && ca <= 'Z') ca = (char)(ca - 'A' + 'a');
            if (cb >= 'A' && cb <= 'Z') cb = (char)(cb - 'A' + 'a');
            int best = diag + (ca != cb);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* The closest of names (NULL-terminated) if it is close enough to be a typo. */
static const char *ss__closest(const char *word, const char *const *names)
{
    const char *best = NULL;
    int best_d = 99;
    for (int i = 0; names[i]; i++) {
        int d = ss__edit_distance(word, names[i]);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    size_t len = strlen(word);
    int limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
    return best_d <= limit ? best : NULL;
}

/* `"a", "b" or "c"` */
static void ss__list_names(const char *const *names, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    int n = 0;
    while (names[n]) n++;
    for (int i = 0; i < n && used + 1 < size; i++) {
        const char *sep = i == 0 ? "" : i == n - 1 ? " or " : ", ";
        int w = snprintf(buf + used, size - used, "%s\"%s\"", sep, names[i]);
        if (w < 0) break;
        used += (size_t)w;
        if (used >= size) used = size - 1;
    }
}

static bool ss__in(const char *word, const char *const *names)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(word, names[i]) == 0) return true;
    return false;
}

/* ------------------------------------------------------------------ members and scalars */

/* Unknown and duplicate keys of an object; "$comment" is allowed everywhere. */
static void ss__members(ss__ctx *c, const cJSON *obj, const char *const *known)
{
    for (const cJSON *m = obj->child; m; m = m->next) {
        const char *name = m->string ? m->string : "";
        int occurrence = 0;
        for (const cJSON *e = obj->child; e != m; e = e->next)
            if (e->string && strcmp(e->string, name) == 0) occurrence++;
        ss__push_key(c, name, occurrence);
        if (occurrence > 0) {
            c->segs[c->nsegs - 1].occurrence = 0; /* where the first one is */
            ss_json_loc first;
            bool have = ss__locate(c, &first);
            c->segs[c->nsegs - 1].occurrence = occurrence;
            if (have)
                ss__err_key(c, "duplicate key \"%s\": expected each field once, found it again (first at line %d, col %d)",
                            name, first.key.line, first.key.col);
            else
                ss__err_key(c, "duplicate key \"%s\": expected each field once, found it again", name);
        } else if (strcmp(name, "$comment") == 0) {
            if (!cJSON_IsString(m)) {
                char fb[96];
                ss__err(c, "expected a string (a comment), found %s", ss__found(c, m, fb, sizeof fb));
            }
        } else if (!ss__in(name, known) && !(c->nsegs == 1 && strcmp(name, "$schema") == 0)) {
            const char *near = ss__closest(name, known);
            char list[400];
            ss__list_names(known, list, sizeof list);
            if (near)
                ss__err_key(c, "unknown field \"%s\": did you mean \"%s\"?", name, near);
            else
                ss__err_key(c, "unknown field \"%s\": expected one of %s", name, list);
        }
        ss__pop(c);
    }
}

static const cJSON *ss__member(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static void ss__expect_desc(const ss_scenario_field *f, char *buf, size_t size)
{
    if (f->choices) {
        size_t used = (size_t)snprintf(buf, size, "one of");
        for (int i = 0; i < f->nchoices && used < size; i++)
            used += (size_t)snprintf(buf + used, size - used, "%s %.10g", i ? "," : "", f->choices[i]);
        return;
    }
    snprintf(buf, size, "%s from %.10g to %.10g", f->integer ? "an integer" : "a number", f->min, f->max);
}

/* The current value against a field's kind and range. */
static bool ss__check_number(ss__ctx *c, const cJSON *item, const ss_scenario_field *f, double *out)
{
    char want[96], fb[96];
    ss__expect_desc(f, want, sizeof want);
    if (!cJSON_IsNumber(item)) {
        ss__err(c, "expected %s, found %s", want, ss__found(c, item, fb, sizeof fb));
        return false;
    }
    double v = item->valuedouble;
    if (!isfinite(v)) {
        ss__err(c, "expected %s, found %s, which is not a finite number (too large for a double)", want,
                ss__found(c, item, fb, sizeof fb));
        return false;
    }
    if (f->choices) {
        for (int i = 0; i < f->nchoices; i++)
            if (v == f->choices[i]) {
                *out = v;
                return true;
            }
        ss__err(c, "expected %s, found %s", want, ss__found(c, item, fb, sizeof fb));
        return false;
    }
    if (f->integer && v != floor(v)) {
        ss__err(c, "expected %s, found %s, which is not a whole number", want, ss__found(c, item, fb, sizeof fb));
        return false;
    }
    if (v < f->min || v > f->max) {
        ss__err(c, "expected %s, found %s", want, ss__found(c, item, fb, sizeof fb));
        return false;
    }
    *out = v;
    return true;
}

/* A numeric member whose range is in the field table under the current path + key. */
static bool ss__num(ss__ctx *c, const cJSON *obj, const char *key, bool required, double *out)
{
    char path[SS_DIAG_PATH_MAX];
    ss__path(c, key, path, sizeof path);
    const ss_scenario_field *f = ss_scenario_field_find(path);
    const cJSON *item = ss__member(obj, key);
    if (!f) {
        ss__err_missing(c, key, "internal error: %s is not in the field table", path);
        return false;
    }
    if (!item) {
        if (required) {
            char want[96];
            ss__expect_desc(f, want, sizeof want);
            ss__err_missing(c, key, "expected %s", want);
        }
        return false;
    }
    ss__push_key(c, key, 0);
    bool ok = ss__check_number(c, item, f, out);
    ss__pop(c);
    return ok;
}

static bool ss__bool(ss__ctx *c, const cJSON *obj, const char *key, bool required, bool *out)
{
    const cJSON *item = ss__member(obj, key);
    if (!item) {
        if (required) ss__err_missing(c, key, "expected true or false");
        return false;
    }
    ss__push_key(c, key, 0);
    bool ok = cJSON_IsBool(item);
    if (ok) {
        *out = cJSON_IsTrue(item);
    } else {
        char fb[96];
        ss__err(c, "expected true or false, found %s", ss__found(c, item, fb, sizeof fb));
    }
    ss__pop(c);
    return ok;
}

static bool ss__string(ss__ctx *c, const cJSON *obj, const char *key, bool required, char *out, size_t size)
{
    const cJSON *item = ss__member(obj, key);
    if (!item) {
        if (required) ss__err_missing(c, key, "expected a string of at most %zu characters", size - 1);
        return false;
    }
    ss__push_key(c, key, 0);
    bool ok = false;
    char fb[96];
    if (!cJSON_IsString(item)) {
        ss__err(c, "expected a string, found %s", ss__found(c, item, fb, sizeof fb));
    } else if (strlen(item->valuestring) > size - 1) {
        ss__err(c, "expected a string of at most %zu bytes, found one of %zu", size - 1, strlen(item->valuestring));
    } else if (required && !item->valuestring[0]) {
        ss__err(c, "expected a non-empty string, found \"\"");
    } else {
        snprintf(out, size, "%s", item->valuestring);
        ok = true;
    }
    ss__pop(c);
    return ok;
}

/* A string member that must be one of names (NULL-terminated); *out = its index. */
static bool ss__enum(ss__ctx *c, const cJSON *obj, const char *key, bool required, const char *const *names, int *out)
{
    char list[300], fb[96];
    ss__list_names(names, list, sizeof list);
    const cJSON *item = ss__member(obj, key);
    if (!item) {
        if (required) ss__err_missing(c, key, "expected one of %s", list);
        return false;
    }
    ss__push_key(c, key, 0);
    bool ok = false;
    if (!cJSON_IsString(item)) {
        ss__err(c, "expected one of %s, found %s", list, ss__found(c, item, fb, sizeof fb));
    } else {
        for (int i = 0; names[i]; i++)
            if (strcmp(item->valuestring, names[i]) == 0) {
                *out = i;
                ok = true;
            }
        if (!ok) {
            const char *near = ss__closest(item->valuestring, names);
            if (near)
                ss__err(c, "expected one of %s, found %s: did you mean \"%s\"?", list,
                        ss__found(c, item, fb, sizeof fb), near);
            else
                ss__err(c, "expected one of %s, found %s", list, ss__found(c, item, fb, sizeof fb));
        }
    }
    ss__pop(c);
    return ok;
}

static const char *const ss__level_names[] = {"L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1", NULL};

/* The current value as a vertebra name within [lo, hi]. */
static bool ss__check_vertebra(ss__ctx *c, const cJSON *item, int lo, int hi, int *out)
{
    char fb[96];
    if (!cJSON_IsString(item)) {
        ss__err(c, "expected a vertebra name (T7..T12, L1..L5, S1), found %s", ss__found(c, item, fb, sizeof fb));
        return false;
    }
    int v = ss_vertebra_from_name(item->valuestring);
    if (v < SS_VERT_T7) {
        ss__err(c, "unknown vertebra: expected a vertebra name T7..T12, L1..L5 or S1, found %s",
                ss__found(c, item, fb, sizeof fb));
        return false;
    }
    if (v < lo || v > hi) {
        ss__err(c, "expected a vertebra from %s to %s, found %s", ss_vertebra_name(lo), ss_vertebra_name(hi),
                ss__found(c, item, fb, sizeof fb));
        return false;
    }
    *out = v;
    return true;
}

static bool ss__vertebra(ss__ctx *c, const cJSON *obj, const char *key, bool required, int lo, int hi, int *out)
{
    const cJSON *item = ss__member(obj, key);
    if (!item) {
        if (required)
            ss__err_missing(c, key, "expected a vertebra name from %s to %s", ss_vertebra_name(lo),
                            ss_vertebra_name(hi));
        return false;
    }
    ss__push_key(c, key, 0);
    bool ok = ss__check_vertebra(c, item, lo, hi, out);
    ss__pop(c);
    return ok;
}

/* A list of interspace names. levels[] and their array positions elems[] (for later
 * errors about one element); returns false if the member is absent or not an array. */
static bool ss__level_list(ss__ctx *c, const cJSON *obj, const char *key, bool required, int *levels, int *elems,
                           int *n)
{
    char fb[96];
    *n = 0;
    const cJSON *arr = ss__member(obj, key);
    if (!arr) {
        if (required) ss__err_missing(c, key, "expected a list of interspaces such as [\"L3-L4\", \"L4-L5\"]");
        return false;
    }
    ss__push_key(c, key, 0);
    bool ok = cJSON_IsArray(arr);
    if (!ok) {
        ss__err(c, "expected a list of interspaces such as [\"L3-L4\"], found %s", ss__found(c, arr, fb, sizeof fb));
        ss__pop(c);
        return false;
    }
    if (required && cJSON_GetArraySize(arr) == 0) ss__err(c, "expected at least one interspace, found an empty list");
    int idx = 0;
    for (const cJSON *e = arr->child; e; e = e->next, idx++) {
        ss__push_index(c, idx);
        if (!cJSON_IsString(e)) {
            ss__err(c, "expected an interspace name (L1-L2 .. L5-S1), found %s", ss__found(c, e, fb, sizeof fb));
        } else {
            int lv = ss_level_from_name(e->valuestring);
            if (lv < 0) {
                const char *near = ss__closest(e->valuestring, ss__level_names);
                ss__err(c, "unknown level: expected an interspace name L1-L2, L2-L3, L3-L4, L4-L5 or L5-S1, found %s%s%s%s",
                        ss__found(c, e, fb, sizeof fb), near ? ": did you mean \"" : "", near ? near : "",
                        near ? "\"?" : "");
            } else {
                bool dup = false;
                for (int k = 0; k < *n; k++) dup |= levels[k] == lv;
                if (dup)
                    ss__err(c, "expected each interspace once, found %s again", ss__found(c, e, fb, sizeof fb));
                else if (*n < SS_LEVEL_COUNT) {
                    levels[*n] = lv;
                    elems[*n] = idx;
                    (*n)++;
                }
            }
        }
        ss__pop(c);
    }
    ss__pop(c);
    return true;
}

/* Pushes key and checks that the member is an object; returns it or NULL (popped). */
static const cJSON *ss__section(ss__ctx *c, const cJSON *obj, const char *key, bool required, const char *what)
{
    const cJSON *item = ss__member(obj, key);
    if (!item) {
        if (required) ss__err_missing(c, key, "expected %s", what);
        return NULL;
    }
    ss__push_key(c, key, 0);
    if (!cJSON_IsObject(item)) {
        char fb[96];
        ss__err(c, "expected %s, found %s", what, ss__found(c, item, fb, sizeof fb));
        ss__pop(c);
        return NULL;
    }
    return item;
}

/* ------------------------------------------------------------------ sections */

static void ss__scenario_section(ss__ctx *c, const cJSON *root, ss_scenario *s)
{
    static const char *const known[] = {"id", "title", "description", "author", "based_on", NULL};
    const cJSON *o = ss__section(c, root, "scenario", true, "an object with id and title");
    if (!o) return;
    ss__members(c, o, known);
    if (ss__string(c, o, "id", true, s->id, sizeof s->id)) {
        bool good = true;
        for (const char *p = s->id; *p; p++)
            good &= (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.';
        if (!good || !((s->id[0] >= 'a' && s->id[0] <= 'z') || (s->id[0] >= '0' && s->id[0] <= '9'))) {
            ss__push_key(c, "id", 0);
            ss__err(c, "expected an id of lower-case letters, digits, '-', '_' or '.' starting with a letter or digit, "
                       "found \"%s\"", s->id);
            ss__pop(c);
        }
    }
    ss__string(c, o, "title", true, s->title, sizeof s->title);
    ss__string(c, o, "description", false, s->description, sizeof s->description);
    ss__string(c, o, "author", false, s->author, sizeof s->author);
    ss__string(c, o, "based_on", false, s->based_on, sizeof s->based_on);
    ss__pop(c);
}

static void ss__patient_section(ss__ctx *c, const cJSON *root, ss_scenario *s)
{
    static const char *const known[] = {"age_y", "sex", "height_cm", "weight_kg", "bmi",
                                        "skin_to_flavum_mm", "lordosis_deg", "flexion", NULL};
    static const char *const sexes[] = {"male", "female", NULL};
    ss_body_params *b = &s->patient.body;
    const cJSON *o = ss__section(c, root, "patient", true, "an object with age_y, sex and bmi");
    if (!o) return;
    ss__members(c, o, known);
    ss__num(c, o, "age_y", true, &b->age_y);
    int sex = 0;
    if (ss__enum(c, o, "sex", true, sexes, &sex)) b->sex = sex ? SS_SEX_FEMALE : SS_SEX_MALE;
    bool h = ss__num(c, o, "height_cm", false, &b->height_cm);
    bool w = ss__num(c, o, "weight_kg", false, &b->weight_kg);
    bool bmi = ss__num(c, o, "bmi", false, &b->bmi);
    bool depth = ss__num(c, o, "skin_to_flavum_mm", false, &b->skin_to_flavum_mm);
    ss__num(c, o, "lordosis_deg", false, &b->lordosis_deg);
    ss__num(c, o, "flexion", false, &b->flexion);
    bool any_given = ss__member(o, "bmi") || ss__member(o, "skin_to_flavum_mm") ||
                     (ss__member(o, "height_cm") && ss__member(o, "weight_kg"));
    if (!any_given)
        ss__err_missing(c, "bmi",
                        "expected bmi (a number from 10 to 60), skin_to_flavum_mm, or both height_cm and weight_kg");
    if (h && w) {
        double m = b->height_cm / 100.0;
        double from_hw = b->weight_kg / (m * m);
        if (bmi && fabs(from_hw - b->bmi) > SS__BMI_TOLERANCE) {
            ss__push_key(c, "bmi", 0);
            ss__err(c, "contradicts weight and height: expected weight_kg / (height_cm/100)^2 = %.1f (within %.1f), "
                       "found %g", from_hw, SS__BMI_TOLERANCE, b->bmi);
            ss__pop(c);
        } else if (!bmi) {
            const ss_scenario_field *f = ss_scenario_field_find("patient.bmi");
            if (from_hw < f->min || from_hw > f->max) {
                ss__push_key(c, "weight_kg", 0);
                ss__err(c, "with height_cm %g gives a BMI of %.1f: expected a BMI from %g to %g", b->height_cm,
                        from_hw, f->min, f->max);
                ss__pop(c);
            } else {
                b->bmi = from_hw;
            }
        }
    }
    (void)depth;
    ss__pop(c);
}

static const char *const ss__lumbar_names[] = {"L1", "L2", "L3", "L4", "L5", "S1", NULL};
static const char *const ss__grades[] = {"0", "I", "II", "III", "IV", NULL};

static void ss__deformity_section(ss__ctx *c, const cJSON *root, ss_scenario *s)
{
    static const char *const known[] = {"cobb_deg", "apex", "convex_side", "upper_end", "lower_end",
                                        "rotation_deg", "nash_moe", NULL};
    static const char *const sides[] = {"left", "right", NULL};
    ss_deformity_params *d = &s->patient.deformity;
    const cJSON *o = ss__section(c, root, "deformity", false, "an object with cobb_deg");
    if (!o) return;
    ss__members(c, o, known);
    bool curve = ss__num(c, o, "cobb_deg", true, &d->cobb_deg) && d->cobb_deg > 0;
    int apex = d->apex_vertebra, up = d->upper_end_vertebra, lo = d->lower_end_vertebra, side = 0;
    bool has_apex = ss__vertebra(c, o, "apex", curve, SS_VERT_T7, SS_VERT_L5, &apex);
    bool has_up = ss__vertebra(c, o, "upper_end", curve, SS_VERT_T7, SS_VERT_L5, &up);
    bool has_lo = ss__vertebra(c, o, "lower_end", curve, SS_VERT_T7 + 1, SS_VERT_S1, &lo);
    if (ss__enum(c, o, "convex_side", curve, sides, &side)) d->convex_side = side ? SS_CURVE_RIGHT : SS_CURVE_LEFT;
    if (has_up && has_lo && lo <= up) {
        ss__push_key(c, "lower_end", 0);
        ss__err(c, "expected a vertebra below upper_end (%s), found \"%s\"", ss_vertebra_name(up),
                ss_vertebra_name(lo));
        ss__pop(c);
    } else if (has_apex && has_up && has_lo && (apex <= up || apex >= lo)) {
        ss__push_key(c, "apex", 0);
        ss__err(c, "expected an apex between upper_end (%s) and lower_end (%s), found \"%s\"", ss_vertebra_name(up),
                ss_vertebra_name(lo), ss_vertebra_name(apex));
        ss__pop(c);
    }
    d->apex_vertebra = apex;
    d->upper_end_vertebra = up;
    d->lower_end_vertebra = lo;

    const cJSON *rot = ss__member(o, "rotation_deg");
    const cJSON *nm = ss__member(o, "nash_moe");
    if (rot) {
        ss__push_key(c, "rotation_deg", 0);
        if (!cJSON_IsObject(rot)) {
            char fb[96];
            ss__err(c, "expected an object of axial rotations per vertebra such as {\"L2\": 12, \"L3\": 15}, found %s",
                    ss__found(c, rot, fb, sizeof fb));
        } else {
            for (const cJSON *m = rot->child; m; m = m->next) {
                const char *name = m->string ? m->string : "";
                int occurrence = 0;
                for (const cJSON *e = rot->child; e != m; e = e->next) occurrence += strcmp(e->string, name) == 0;
                if (occurrence > 0 || strcmp(name, "$comment") == 0) continue; /* duplicates: below */
                if (!ss__in(name, ss__lumbar_names)) {
                    ss__push_key(c, name, 0);
                    int v = ss_vertebra_from_name(name);
                    if (v >= SS_VERT_T7 && v < 0)
                        ss__err_key(c, "expected a lumbar vertebra L1..L5 or S1 as key, found \"%s\" (thoracic "
                                       "vertebrae are not modelled; their rotation follows from the curve)", name);
                    else
                        ss__err_key(c, "unknown vertebra: expected L1, L2, L3, L4, L5 or S1 as key, found \"%s\"",
                                    name);
                    ss__pop(c);
                    continue;
                }
                double v = 0;
                if (ss__num(c, rot, name, false, &v)) {
                    int idx = ss_vertebra_from_name(name);
                    d->rotation_deg[idx] = v;
                }
            }
            /* duplicates only (unknown keys were reported above) */
            for (const cJSON *m = rot->child; m; m = m->next) {
                int occurrence = 0;
                for (const cJSON *e = rot->child; e != m; e = e->next) occurrence += strcmp(e->string, m->string) == 0;
                if (occurrence > 0) {
                    ss__push_key(c, m->string, occurrence);
                    ss__err_key(c, "duplicate key \"%s\": expected each vertebra once, found it again", m->string);
                    ss__pop(c);
                }
            }
            d->rotation_given = true;
        }
        ss__pop(c);
    }
    if (nm) {
        ss__push_key(c, "nash_moe", 0);
        if (cJSON_IsString(nm)) {
            int g = -1;
            for (int i = 0; ss__grades[i]; i++)
                if (strcmp(nm->valuestring, ss__grades[i]) == 0) g = i;
            if (g < 0) {
                char fb[96];
                ss__err(c, "expected a Nash-Moe grade 0..4 or \"0\", \"I\", \"II\", \"III\", \"IV\", found %s",
                        ss__found(c, nm, fb, sizeof fb));
            } else {
                d->nash_moe_grade = g;
            }
        } else {
            double g = 0;
            if (ss__check_number(c, nm, ss_scenario_field_find("deformity.nash_moe"), &g)) d->nash_moe_grade = (int)g;
        }
        /* both: the grade is the X-ray record, the profile the model; they must agree */
        if (d->rotation_given && d->nash_moe_grade >= 0) {
            static const char *const roman[5] = {"0", "I", "II", "III", "IV"};
            double most = ss_deformity_max_lumbar_rotation(d);
            int g = ss_nash_moe_grade_of(most);
            if (g != d->nash_moe_grade)
                ss__err(c, "grade %s stands for a largest lumbar rotation of about %.0f deg, but rotation_deg turns "
                           "the most rotated of L1..L5 by %.1f deg (grade %s): expected the grade and the profile "
                           "to agree",
                        roman[d->nash_moe_grade], ss_nash_moe_deg(d->nash_moe_grade), most, roman[g]);
        }
        ss__pop(c);
    }
    ss__pop(c);
}

/* Is interspace `lv` (between vertebra lv and lv+1) inside the fused span? */
static bool ss__level_in_span(int lv, int upper, int lower)
{
    return lv >= upper && lv + 1 <= lower;
}

static void ss__fusion_section(ss__ctx *c, const cJSON *root, ss_scenario *s)
{
    static const char *const known[] = {"present", "upper", "lower", "rods", "screws", "graft",
                                        "laminotomy", "ungrafted", "channel", NULL};
    static const char *const materials[] = {"titanium", "cocr", NULL};
    const cJSON *o = ss__section(c, root, "fusion", false, "an object with present, upper and lower");
    if (!o) return;
    ss__members(c, o, known);
    ss_fusion_params f = s->patient.fusion;
    bool present = false;
    ss__bool(c, o, "present", true, &present);
    int up = f.upper_vertebra, lo = f.lower_vertebra;
    bool has_up = ss__vertebra(c, o, "upper", present, SS_VERT_T7, SS_VERT_L5, &up);
    bool has_lo = ss__vertebra(c, o, "lower", present, SS_VERT_T7 + 1, SS_VERT_S1, &lo);
    bool span_ok = has_up && has_lo;
    if (span_ok && lo <= up) {
        ss__push_key(c, "lower", 0);
        ss__err(c, "contradictory fusion: expected a lower end below upper (%s), found \"%s\"", ss_vertebra_name(up),
                ss_vertebra_name(lo));
        ss__pop(c);
        span_ok = false;
    }
    f.upper_vertebra = up;
    f.lower_vertebra = lo;
    f.fused_above_l1 = up < SS_VERT_L1;

    const cJSON *rods = ss__section(c, o, "rods", false, "an object with material and diameter_mm");
    if (rods) {
        static const char *const rknown[] = {"material", "diameter_mm", NULL};
        ss__members(c, rods, rknown);
        int mat = 0;
        if (ss__enum(c, rods, "material", true, materials, &mat)) {
            f.rod_material = mat ? SS_ROD_COCR : SS_ROD_TITANIUM;
            f.rod_diameter_mm = mat ? 5.5 : 6.0; /* REFERENCE §2: CoCr 5.5, Ti 6.0 */
        }
        ss__num(c, rods, "diameter_mm", false, &f.rod_diameter_mm);
        f.rods = true;
        ss__pop(c);
    }

    const cJSON *screws = ss__member(o, "screws");
    if (screws) {
        ss__push_key(c, "screws", 0);
        char fb[96];
        if (!cJSON_IsArray(screws)) {
            ss__err(c, "expected a list of vertebrae with pedicle screws such as [\"L4\", \"L5\"], found %s",
                    ss__found(c, screws, fb, sizeof fb));
        } else {
            int idx = 0;
            for (const cJSON *e = screws->child; e; e = e->next, idx++) {
                ss__push_index(c, idx);
                int v = 0;
                if (ss__check_vertebra(c, e, SS_VERT_T7, SS_VERT_S1, &v)) {
                    if (span_ok && (v < up || v > lo))
                        ss__err(c, "contradictory fusion: expected screws within the fused span %s..%s, found \"%s\"",
                                ss_vertebra_name(up), ss_vertebra_name(lo), ss_vertebra_name(v));
                    else if (v >= 0)
                        f.screws[v] = true; /* thoracic screws are outside the model */
                }
                ss__pop(c);
            }
        }
        ss__pop(c);
    }

    ss__bool(c, o, "graft", false, &f.graft);

    int lam[SS_LEVEL_COUNT], lam_el[SS_LEVEL_COUNT], nlam = 0;
    int ung[SS_LEVEL_COUNT], ung_el[SS_LEVEL_COUNT], nung = 0;
    bool has_lam = ss__level_list(c, o, "laminotomy", false, lam, lam_el, &nlam);
    bool has_ung = ss__level_list(c, o, "ungrafted", false, ung, ung_el, &nung);
    const char *lists[2] = {"laminotomy", "ungrafted"};
    int *lv[2] = {lam, ung}, *el[2] = {lam_el, ung_el}, nl[2] = {nlam, nung};
    for (int L = 0; L < 2; L++) {
        for (int k = 0; k < nl[L]; k++) {
            int level = lv[L][k];
            ss__push_key(c, lists[L], 0);
            ss__push_index(c, el[L][k]);
            if (span_ok && !ss__level_in_span(level, up, lo)) {
                ss__err(c, "contradictory fusion: expected an interspace inside the fused span %s..%s, found \"%s\"",
                        ss_vertebra_name(up), ss_vertebra_name(lo), ss_level_name(level));
            } else if (L == 1) {
                bool both = false;
                for (int m = 0; m < nlam; m++) both |= lam[m] == level;
                if (both)
                    ss__err(c, "contradictory fusion: \"%s\" is also in fusion.laminotomy; expected a level either cut "
                               "open (laminotomy) or left ungrafted, not both", ss_level_name(level));
                else
                    f.ungrafted[level] = true;
            } else {
                f.laminotomy[level] = true;
            }
            ss__pop(c);
            ss__pop(c);
        }
    }
    if (has_ung && nung > 0 && ss__member(o, "graft") && !f.graft) {
        ss__push_key(c, "ungrafted", 0);
        ss__err(c, "contradictory fusion: levels left ungrafted, but graft is false (expected graft: true)");
        ss__pop(c);
    }

    const cJSON *ch = ss__section(c, o, "channel", false, "an object with width_mm and height_mm");
    if (ch) {
        static const char *const cknown[] = {"width_mm", "height_mm", NULL};
        ss__members(c, ch, cknown);
        ss__num(c, ch, "width_mm", false, &f.channel_width_mm);
        ss__num(c, ch, "height_mm", false, &f.channel_height_mm);
        if (!(has_lam && nlam > 0))
            ss__err(c, "contradictory fusion: a laminotomy channel size is given, but fusion.laminotomy names no level");
        ss__pop(c);
    }

    if (present) {
        f.present = true;
        s->patient.fusion = f;
    } else if (o->child && o->child->next) {
        ss__push_key(c, "present", 0);
        ss__warn(c, "fusion.present is false: the other fusion fields are checked but ignored");
        ss__pop(c);
    }
    ss__pop(c);
}

static void ss__task_section(ss__ctx *c, const cJSON *root, ss_scenario *s)
{
    static const char *const known[] = {"drug", "volume_ml", "needle", "guide", "freehand_allowed", "approach",
                                        "expected_interspaces", "known_failing_interspaces", "time_limit_s", NULL};
    static const char *const tips[] = {"quincke", "pencil", NULL};
    ss_task_params *t = &s->task;
    const cJSON *o = ss__section(c, root, "task", true, "an object with expected_interspaces");
    if (!o) return;
    ss__members(c, o, known);
    ss__string(c, o, "drug", false, t->drug, sizeof t->drug);
    ss__num(c, o, "volume_ml", false, &t->volume_ml);

    const cJSON *nd = ss__section(c, o, "needle", false, "an object with gauge, length_mm and tip");
    if (nd) {
        static const char *const nknown[] = {"gauge", "length_mm", "tip", NULL};
        ss__members(c, nd, nknown);
        double g = 0;
        if (ss__num(c, nd, "gauge", false, &g)) t->needle_gauge = (int)g;
        ss__num(c, nd, "length_mm", false, &t->needle_length_mm);
        int tip = 0;
        if (ss__enum(c, nd, "tip", false, tips, &tip)) t->needle_tip = tip ? SS_TIP_PENCIL : SS_TIP_QUINCKE;
        ss__pop(c);
    }
    const cJSON *gd = ss__section(c, o, "guide", false, "an object with allowed, angle_min_deg and angle_max_deg");
    if (gd) {
        static const char *const gknown[] = {"allowed", "angle_min_deg", "angle_max_deg", NULL};
        ss__members(c, gd, gknown);
        ss__bool(c, gd, "allowed", false, &t->guide_allowed);
        bool a = ss__num(c, gd, "angle_min_deg", false, &t->guide_angle_min_deg);
        bool b = ss__num(c, gd, "angle_max_deg", false, &t->guide_angle_max_deg);
        if ((a || b) && t->guide_angle_min_deg > t->guide_angle_max_deg) {
            ss__push_key(c, b ? "angle_max_deg" : "angle_min_deg", 0);
            if (b)
                ss__err(c, "expected angle_max_deg >= angle_min_deg (%g), found %g", t->guide_angle_min_deg,
                        t->guide_angle_max_deg);
            else
                ss__err(c, "expected angle_min_deg <= angle_max_deg (%g), found %g", t->guide_angle_max_deg,
                        t->guide_angle_min_deg);
            ss__pop(c);
        }
        ss__pop(c);
    }
    ss__bool(c, o, "freehand_allowed", false, &t->freehand_allowed);
    if (!t->guide_allowed && !t->freehand_allowed) {
        if (ss__member(o, "freehand_allowed")) ss__push_key(c, "freehand_allowed", 0);
        else ss__push_key(c, "guide", 0);
        ss__err(c, "expected the guide or free hand to be allowed, found both forbidden (no way to insert the needle)");
        ss__pop(c);
    }
    int ap = 0;
    if (ss__enum(c, o, "approach", false, ss__approach_names, &ap)) t->approach = (ss_approach)ap;
    int el[SS_LEVEL_COUNT], fel[SS_LEVEL_COUNT];
    ss__level_list(c, o, "expected_interspaces", true, t->expected_interspaces, el, &t->n_expected_interspaces);
    ss__level_list(c, o, "known_failing_interspaces", false, t->known_failing_interspaces, fel,
                   &t->n_known_failing_interspaces);
    for (int k = 0; k < t->n_known_failing_interspaces; k++) {
        int lvl = t->known_failing_interspaces[k];
        for (int m = 0; m < t->n_expected_interspaces; m++) {
            if (t->expected_interspaces[m] != lvl) continue;
            ss__push_key(c, "known_failing_interspaces", 0);
            ss__push_index(c, fel[k]);
            ss__err(c, "expected a level not among expected_interspaces, found \"%s\" in both", ss_level_name(lvl));
            ss__pop(c);
            ss__pop(c);
        }
    }
    ss__num(c, o, "time_limit_s", false, &t->time_limit_s);
    ss__pop(c);
}

/* After fusion and task: an expected interspace inside a grafted fusion with no channel. */
static void ss__check_access(ss__ctx *c, const ss_scenario *s, const cJSON *root)
{
    const ss_fusion_params *f = &s->patient.fusion;
    if (!f->present || !f->graft) return;
    const cJSON *task = ss__member(root, "task");
    const cJSON *arr = task && cJSON_IsObject(task) ? ss__member(task, "expected_interspaces") : NULL;
    if (!arr || !cJSON_IsArray(arr)) return;
    int idx = 0;
    for (const cJSON *e = arr->child; e; e = e->next, idx++) {
        int lv = cJSON_IsString(e) ? ss_level_from_name(e->valuestring) : -1;
        if (lv < 0 || !ss__level_in_span(lv, f->upper_vertebra, f->lower_vertebra)) continue;
        if (f->laminotomy[lv] || f->ungrafted[lv]) continue;
        ss__push_key(c, "task", 0);
        ss__push_key(c, "expected_interspaces", 0);
        ss__push_index(c, idx);
        ss__warn(c, "\"%s\" lies under the fusion mass with no laminotomy and not ungrafted: expected no interlaminar "
                    "access there (intended?)", ss_level_name(lv));
        c->nsegs -= 3;
    }
}

static void ss__probe_section(ss__ctx *c, const cJSON *root, ss_scenario *s)
{
    static const char *const known[] = {"type", "freq_mhz", "depth_mm", "gain_db", "tgc_db", "dynamic_range_db", NULL};
    static const char *const types[] = {"convex", "linear", NULL};
    ss_probe_params *p = &s->probe;
    const cJSON *o = ss__section(c, root, "probe", false, "an object with type, freq_mhz and depth_mm");
    if (!o) return;
    ss__members(c, o, known);
    int type = 0;
    if (ss__enum(c, o, "type", false, types, &type)) p->type = type ? SS_PROBE_LINEAR : SS_PROBE_CONVEX;
    ss__num(c, o, "freq_mhz", false, &p->freq_mhz);
    ss__num(c, o, "depth_mm", false, &p->depth_mm);
    ss__num(c, o, "gain_db", false, &p->gain_db);
    ss__num(c, o, "dynamic_range_db", false, &p->dynamic_range_db);
    const cJSON *tgc = ss__member(o, "tgc_db");
    if (tgc) {
        ss__push_key(c, "tgc_db", 0);
        char fb[96];
        if (!cJSON_IsArray(tgc) || cJSON_GetArraySize(tgc) != SS_PROBE_TGC_SLIDERS) {
            ss__err(c, "expected a list of %d slider values in dB (shallow to deep), found %s%s", SS_PROBE_TGC_SLIDERS,
                    cJSON_IsArray(tgc) ? "a list of " : ss__found(c, tgc, fb, sizeof fb),
                    cJSON_IsArray(tgc) ? (snprintf(fb, sizeof fb, "%d", cJSON_GetArraySize(tgc)), fb) : "");
        } else {
            int idx = 0;
            for (const cJSON *e = tgc->child; e; e = e->next, idx++) {
                ss__push_index(c, idx);
                double v = 0;
                if (ss__check_number(c, e, &ss__tgc_field, &v)) p->tgc_db[idx] = v;
                ss__pop(c);
            }
        }
        ss__pop(c);
    }
    ss__pop(c);
}

static void ss__rubric_section(ss__ctx *c, const cJSON *root, ss_scenario *s)
{
    static const char *const known[] = {"pass_mark", "metrics", NULL};
    static const char *const mknown[] = {"metric", "threshold", "weight", "direction", "required", NULL};
    static const char *const dirs[] = {"max", "min", NULL};
    ss_rubric *r = &s->rubric;
    const cJSON *o = ss__section(c, root, "rubric", false, "an object with pass_mark and metrics");
    if (!o) return;
    r->given = true;
    ss__members(c, o, known);
    ss__num(c, o, "pass_mark", true, &r->pass_mark);
    const cJSON *ms = ss__member(o, "metrics");
    char fb[96];
    if (!ms) {
        ss__err_missing(c, "metrics", "expected a list of {metric, threshold, weight, direction}");
    } else {
        ss__push_key(c, "metrics", 0);
        if (!cJSON_IsArray(ms) || cJSON_GetArraySize(ms) == 0 || cJSON_GetArraySize(ms) > SS_RUBRIC_MAX_METRICS) {
            ss__err(c, "expected a list of 1 to %d {metric, threshold, weight, direction}, found %s%s",
                    SS_RUBRIC_MAX_METRICS, cJSON_IsArray(ms) ? "a list of " : ss__found(c, ms, fb, sizeof fb),
                    cJSON_IsArray(ms) ? (snprintf(fb, sizeof fb, "%d", cJSON_GetArraySize(ms)), fb) : "");
        } else {
            int idx = 0;
            double total_weight = 0;
            for (const cJSON *e = ms->child; e; e = e->next, idx++) {
                ss__push_index(c, idx);
                if (!cJSON_IsObject(e)) {
                    ss__err(c, "expected an object {metric, threshold, weight, direction}, found %s",
                            ss__found(c, e, fb, sizeof fb));
                    ss__pop(c);
                    continue;
                }
                ss_rubric_metric m = {0};
                ss__members(c, e, mknown);
                if (ss__string(c, e, "metric", true, m.metric, sizeof m.metric)) {
                    ss__push_key(c, "metric", 0);
                    bool dup = false;
                    for (int k = 0; k < r->nmetrics; k++) dup |= strcmp(r->metrics[k].metric, m.metric) == 0;
                    if (dup) {
                        ss__err(c, "expected each metric once, found \"%s\" again", m.metric);
                    } else if (!ss__in(m.metric, ss__metric_names)) {
                        const char *near = ss__closest(m.metric, ss__metric_names);
                        ss__err(c, "expected a gradable metric (see scenarios/README.md), found \"%s\"%s%s%s",
                                m.metric, near ? ": did you mean \"" : "", near ? near : "", near ? "\"?" : "");
                    }
                    ss__pop(c);
                }
                const cJSON *th = ss__member(e, "threshold");
                if (!th) {
                    ss__err_missing(c, "threshold", "expected a number");
                } else {
                    ss__push_key(c, "threshold", 0);
                    ss__check_number(c, th, &ss__threshold_field, &m.threshold);
                    ss__pop(c);
                }
                const cJSON *wt = ss__member(e, "weight");
                if (!wt) {
                    ss__err_missing(c, "weight", "expected a number from 0 to 100");
                } else {
                    ss__push_key(c, "weight", 0);
                    ss__check_number(c, wt, &ss__weight_field, &m.weight);
                    ss__pop(c);
                }
                int dir = 0;
                if (ss__enum(c, e, "direction", true, dirs, &dir))
                    m.direction = dir ? SS_RUBRIC_LOWER_BETTER : SS_RUBRIC_HIGHER_BETTER;
                ss__bool(c, e, "required", false, &m.required);
                total_weight += m.weight;
                if (r->nmetrics < SS_RUBRIC_MAX_METRICS) r->metrics[r->nmetrics++] = m;
                ss__pop(c);
            }
            if (!(total_weight > 0)) ss__err(c, "expected at least one metric with a weight above 0, found none");
        }
        ss__pop(c);
    }
    ss__pop(c);
}

static void ss__aids_section(ss__ctx *c, const cJSON *root, ss_scenario *s)
{
    static const char *const known[] = {"anatomy_overlay", "hints", NULL};
    const cJSON *o = ss__section(c, root, "aids", false, "an object with anatomy_overlay and hints");
    if (!o) return;
    ss__members(c, o, known);
    ss__bool(c, o, "anatomy_overlay", false, &s->aids.anatomy_overlay);
    ss__bool(c, o, "hints", false, &s->aids.hints);
    ss__pop(c);
}

/* A list of n numbers (n < 0: 1..SS_COURSE_MAX_DOSES of them, *n set), each within f. */
static void ss__course_list(ss__ctx *c, const cJSON *o, const char *key, const ss_scenario_field *f, int *n,
                            double *out, const char *what)
{
    const cJSON *arr = ss__member(o, key);
    if (!arr) {
        if (*n < 0) ss__err_missing(c, key, "expected %s", what);
        return;
    }
    ss__push_key(c, key, 0);
    char fb[96];
    int len = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : -1;
    if (len < 0 || (*n < 0 ? len < 1 || len > SS_COURSE_MAX_DOSES : len != *n)) {
        if (*n < 0)
            ss__err(c, "expected %s (1 to %d of them), found %s", what, SS_COURSE_MAX_DOSES,
                    len < 0 ? ss__found(c, arr, fb, sizeof fb) : (snprintf(fb, sizeof fb, "%d", len), fb));
        else
            ss__err(c, "expected %s, one for each of the %d doses of schedule_days, found %s", what, *n,
                    len < 0 ? ss__found(c, arr, fb, sizeof fb) : (snprintf(fb, sizeof fb, "%d", len), fb));
    } else {
        int idx = 0;
        for (const cJSON *e = arr->child; e; e = e->next, idx++) {
            ss__push_index(c, idx);
            ss__check_number(c, e, f, &out[idx]);
            ss__pop(c);
        }
        if (*n < 0) *n = len;
    }
    ss__pop(c);
}

static void ss__course_section(ss__ctx *c, const cJSON *root, ss_scenario *s)
{
    static const char *const known[] = {"schedule_days", "first_dose", "reported", NULL};
    static const char *const rknown[] = {"insertions", "interspaces", "operation_time_min", "puncture_time_min", NULL};
    const cJSON *o = ss__section(c, root, "course", false, "an object with schedule_days (and first_dose, reported)");
    if (!o) return;
    ss__members(c, o, known);
    ss_course *cr = &s->course;
    int n = -1;
    ss__course_list(c, o, "schedule_days", &ss__course_day_field, &n, cr->day,
                    "a list of the doses' days in the drug's schedule (whole days from the first, rising)");
    for (int i = 1; i < n; i++)
        if (!(cr->day[i] > cr->day[i - 1])) {
            ss__push_key(c, "schedule_days", 0);
            ss__err(c, "expected the days to rise from dose to dose, found day %g after day %g", cr->day[i],
                    cr->day[i - 1]);
            ss__pop(c);
            n = -1;
            break;
        }
    const cJSON *fd = ss__member(o, "first_dose");
    if (fd) {
        double v = 1;
        ss__push_key(c, "first_dose", 0);
        if (ss__check_number(c, fd, &ss__course_first_field, &v)) cr->first_dose = (int)v;
        ss__pop(c);
    }
    const cJSON *r = ss__section(c, o, "reported", false,
                                 "an object with the paper's insertions, interspaces, operation_time_min and "
                                 "puncture_time_min per dose");
    if (r) {
        ss__members(c, r, rknown);
        if (n > 0) {
            ss__course_list(c, r, "insertions", &ss__course_count_field, &n, cr->insertions, "a list of counts");
            ss__course_list(c, r, "interspaces", &ss__course_count_field, &n, cr->interspaces, "a list of counts");
            ss__course_list(c, r, "operation_time_min", &ss__course_min_field, &n, cr->operation_time_min,
                            "a list of times in minutes");
            ss__course_list(c, r, "puncture_time_min", &ss__course_min_field, &n, cr->puncture_time_min,
                            "a list of times in minutes");
            cr->reported = true;
        }
        ss__pop(c);
    }
    if (n > 0) cr->ndoses = n;
    ss__pop(c);
}

static void ss__variants_section(ss__ctx *c, const cJSON *root, ss_scenario *s)
{
    static const char *const known[] = {"path", "min", "max", "choices", NULL};
    const cJSON *arr = ss__member(root, "variants");
    if (!arr) return;
    char fb[96];
    ss__push_key(c, "variants", 0);
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > SS_SCENARIO_MAX_VARIANTS) {
        ss__err(c, "expected a list of at most %d {path, min, max} or {path, choices}, found %s",
                SS_SCENARIO_MAX_VARIANTS, ss__found(c, arr, fb, sizeof fb));
        ss__pop(c);
        return;
    }
    /* names of the variable fields, for suggestions */
    const char *variable[SS__NFIELDS + 1];
    int nv = 0;
    for (int i = 0; i < SS__NFIELDS; i++)
        if (ss__fields[i].variable) variable[nv++] = ss__fields[i].path;
    variable[nv] = NULL;
    const ss_deformity_params *d = &s->patient.deformity;
    int idx = 0;
    for (const cJSON *e = arr->child; e; e = e->next, idx++) {
        ss__push_index(c, idx);
        if (!cJSON_IsObject(e)) {
            ss__err(c, "expected an object {path, min, max} or {path, choices}, found %s", ss__found(c, e, fb, sizeof fb));
            ss__pop(c);
            continue;
        }
        ss__members(c, e, known);
        ss_variant v = {0};
        const ss_scenario_field *f = NULL;
        if (ss__string(c, e, "path", true, v.path, sizeof v.path)) {
            ss__push_key(c, "path", 0);
            f = ss_scenario_field_find(v.path);
            const char *near = ss__closest(v.path, variable);
            if (!f) {
                if (near)
                    ss__err(c, "expected the path of a numeric scenario field, found \"%s\": did you mean \"%s\"?",
                            v.path, near);
                else
                    ss__err(c, "expected the path of a numeric scenario field (e.g. \"deformity.cobb_deg\"), found "
                               "\"%s\"", v.path);
            } else if (!f->variable) {
                ss__err(c, "expected a field that variants may change, found \"%s\" (fixed by the scenario)", v.path);
                f = NULL;
            } else {
                for (int k = 0; k < s->nvariants; k++)
                    if (strcmp(s->variants[k].path, v.path) == 0) {
                        ss__err(c, "expected each path once, found \"%s\" again", v.path);
                        f = NULL;
                        break;
                    }
            }
            bool rot_field = f && (strcmp(f->path, "deformity.nash_moe") == 0 ||
                                   strncmp(f->path, "deformity.rotation_deg.", 23) == 0);
            if (rot_field && d->rotation_given && d->nash_moe_grade >= 0) {
                ss__err(c, "contradicts the scenario: deformity gives both nash_moe and rotation_deg, which must "
                           "agree; expected no variant of either (vary deformity.cobb_deg instead)");
                f = NULL;
            }
            if (f && strcmp(f->path, "deformity.nash_moe") == 0 && d->rotation_given)
                ss__err(c, "contradicts the scenario: deformity gives rotation_deg, so nash_moe is not used; expected "
                           "a variant of deformity.rotation_deg.*");
            if (f && strncmp(f->path, "deformity.rotation_deg.", 23) == 0 && d->nash_moe_grade >= 0)
                ss__err(c, "contradicts the scenario: deformity gives nash_moe, so rotation_deg is not used; expected "
                           "a variant of deformity.nash_moe");
            ss__pop(c);
        }
        const cJSON *mn = ss__member(e, "min"), *mx = ss__member(e, "max"), *chs = ss__member(e, "choices");
        bool range = mn || mx;
        if (range && chs) {
            ss__err(c, "expected either min and max, or choices, found both");
        } else if (!range && !chs) {
            ss__err_missing(c, "min", "expected min and max, or choices");
        } else if (range) {
            if (!mn) ss__err_missing(c, "min", "expected a number (the lower end of the range)");
            if (!mx) ss__err_missing(c, "max", "expected a number (the upper end of the range)");
            if (f && f->choices) {
                char want[96];
                ss__expect_desc(f, want, sizeof want);
                ss__err(c, "expected choices for %s (%s), found a min/max range", f->path, want);
            } else if (f && mn && mx) {
                ss__push_key(c, "min", 0);
                bool a = ss__check_number(c, mn, f, &v.min);
                ss__pop(c);
                ss__push_key(c, "max", 0);
                bool b = ss__check_number(c, mx, f, &v.max);
                if (a && b && v.min > v.max)
                    ss__err(c, "expected max >= min (%g), found %g", v.min, v.max);
                ss__pop(c);
            }
        } else {
            ss__push_key(c, "choices", 0);
            if (!cJSON_IsArray(chs) || cJSON_GetArraySize(chs) == 0 ||
                cJSON_GetArraySize(chs) > SS_VARIANT_MAX_CHOICES) {
                ss__err(c, "expected a list of 1 to %d values, found %s", SS_VARIANT_MAX_CHOICES,
                        ss__found(c, chs, fb, sizeof fb));
            } else if (f) {
                int k = 0;
                for (const cJSON *x = chs->child; x; x = x->next, k++) {
                    ss__push_index(c, k);
                    double val = 0;
                    if (ss__check_number(c, x, f, &val)) v.choices[v.nchoices++] = val;
                    ss__pop(c);
                }
                v.has_choices = true;
            }
            ss__pop(c);
        }
        if (f && s->nvariants < SS_SCENARIO_MAX_VARIANTS) {
            v.field = (int)(f - ss__fields);
            s->variants[s->nvariants++] = v;
        }
        ss__pop(c);
    }
    ss__pop(c);
}

static void ss__validate(ss__ctx *c, const cJSON *root, ss_scenario *s)
{
    static const char *const known[] = {"scenario", "patient", "deformity", "fusion", "task", "probe",
                                        "rubric", "aids", "course", "seed", "variants", NULL};
    if (!cJSON_IsObject(root)) {
        char fb[96];
        ss__err(c, "expected an object with the sections scenario, patient, task, ..., found %s",
                ss__found(c, root, fb, sizeof fb));
        return;
    }
    const cJSON *schema = ss__member(root, "$schema");
    if (cJSON_IsString(schema) && strncmp(schema->valuestring, "https://json-schema.org/", 24) == 0) {
        ss__err(c, "expected a scenario, found a JSON Schema (scenarios/schema.json describes scenarios; it is not "
                   "one)");
        return;
    }
    ss__members(c, root, known);
    ss__scenario_section(c, root, s);
    ss__patient_section(c, root, s);
    ss__deformity_section(c, root, s);
    ss__fusion_section(c, root, s);
    ss__task_section(c, root, s);
    ss__check_access(c, s, root);
    ss__probe_section(c, root, s);
    ss__rubric_section(c, root, s);
    ss__aids_section(c, root, s);
    ss__course_section(c, root, s);
    double seed = 0;
    if (ss__num(c, root, "seed", false, &seed)) s->seed = (uint32_t)seed;
    ss__variants_section(c, root, s);
}

/* ------------------------------------------------------------------ entry points */

static ss_status ss__finish(const char *file, ss_diag_list *diags, int errors_before, ss_status fail_status)
{
    int errors = diags->errors - errors_before;
    if (errors == 0) return SS_OK;
    const ss_diag *first = NULL;
    /* the first error of this file (the list may hold earlier files' records) */
    for (int i = diags->count - 1; i >= 0; i--)
        if (diags->items[i].severity == SS_DIAG_ERROR && strcmp(diags->items[i].file, file) == 0) first = &diags->items[i];
    char line[SS_DIAG_FILE_MAX + SS_DIAG_PATH_MAX + SS_DIAG_MESSAGE_MAX + 32] = "";
    if (first) ss_diag_format(first, line, sizeof line);
    if (errors > 1) return ss_error_set(fail_status, "%s (and %d more errors)", line, errors - 1);
    return ss_error_set(fail_status, "%s", line);
}

/* Records [from, count) in reading order (line, then column; stable). */
static void ss__sort_diags(ss_diag_list *dl, int from)
{
    for (int i = from + 1; i < dl->count; i++) {
        ss_diag tmp = dl->items[i];
        int j = i - 1;
        while (j >= from && (dl->items[j].line > tmp.line ||
                             (dl->items[j].line == tmp.line && dl->items[j].col > tmp.col))) {
            dl->items[j + 1] = dl->items[j];
            j--;
        }
        dl->items[j + 1] = tmp;
    }
}

ss_status ss_scenario_parse(const char *text, size_t len, const char *filename, ss_scenario *out,
                            ss_diag_list *diags)
{
    ss_diag_list local;
    ss_diag_list_init(&local);
    ss_diag_list *dl = diags ? diags : &local;
    const char *file = filename ? filename : "<scenario>";
    int errors_before = dl->errors;
    ss_scenario_defaults(out);
    snprintf(out->source, sizeof out->source, "%s", file);
    ss_status st = SS_OK;

    if (len > SS_SCENARIO_MAX_BYTES) {
        ss_diag_add(dl, SS_DIAG_ERROR, file, 0, 0, "", "file is %zu bytes; expected a scenario of at most %zu bytes (1 MiB)",
                    len, SS_SCENARIO_MAX_BYTES);
        st = ss__finish(file, dl, errors_before, SS_ERR_INVALID);
        ss_diag_list_free(&local);
        return st;
    }
    ss_json_syntax_error se;
    if (!ss_json_check_syntax(text, len, &se)) {
        ss_diag_add(dl, SS_DIAG_ERROR, file, se.pos.line, se.pos.col, se.path[0] ? se.path : "$", "not JSON: %s",
                    se.message);
        st = ss__finish(file, dl, errors_before, SS_ERR_PARSE);
        ss_diag_list_free(&local);
        return st;
    }
    size_t skip = (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
                   (unsigned char)text[2] == 0xBF) ? 3 : 0;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text + skip, len - skip, &end, false);
    if (!root) {
        ss_json_pos p = ss_json_pos_at(text, len, end ? (size_t)(end - text) : 0);
        ss_diag_add(dl, SS_DIAG_ERROR, file, p.line, p.col, "$", "not JSON: the JSON reader (cJSON) stopped here");
        st = ss__finish(file, dl, errors_before, SS_ERR_PARSE);
        ss_diag_list_free(&local);
        return st;
    }
    ss__ctx c = {.text = text, .len = len, .file = file, .diags = dl};
    int first_record = dl->count;
    ss__validate(&c, root, out);
    cJSON_Delete(root);
    ss__sort_diags(dl, first_record);

    st = ss__finish(file, dl, errors_before, SS_ERR_INVALID);
    if (st == SS_OK) {
        out->raw = malloc(len + 1);
        if (!out->raw) {
            st = ss_error_set(SS_ERR_NOMEM, "%s: out of memory keeping %zu bytes", file, len);
        } else {
            memcpy(out->raw, text, len);
            out->raw[len] = '\0';
            out->raw_len = len;
        }
    }
    if (st != SS_OK) {
        ss_scenario_defaults(out);
        snprintf(out->source, sizeof out->source, "%s", file);
    }
    ss_diag_list_free(&local);
    return st;
}

ss_status ss_scenario_load(const char *path, ss_scenario *out, ss_diag_list *diags)
{
    ss_diag_list local;
    ss_diag_list_init(&local);
    ss_diag_list *dl = diags ? diags : &local;
    int errors_before = dl->errors;
    ss_scenario_defaults(out);
    snprintf(out->source, sizeof out->source, "%s", path);
    struct stat st;
    ss_status status = SS_OK;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            ss_diag_add(dl, SS_DIAG_ERROR, path, 0, 0, "", "file not found: expected a scenario .json file");
        else
            ss_diag_add(dl, SS_DIAG_ERROR, path, 0, 0, "", "cannot read: %s", strerror(errno));
        status = ss__finish(path, dl, errors_before, SS_ERR_IO);
    } else if (S_ISDIR(st.st_mode)) {
        ss_diag_add(dl, SS_DIAG_ERROR, path, 0, 0, "", "is a directory: expected a scenario .json file");
        status = ss__finish(path, dl, errors_before, SS_ERR_IO);
    } else if (!S_ISREG(st.st_mode)) {
        ss_diag_add(dl, SS_DIAG_ERROR, path, 0, 0, "", "not a regular file: expected a scenario .json file");
        status = ss__finish(path, dl, errors_before, SS_ERR_IO);
    } else if ((size_t)st.st_size > SS_SCENARIO_MAX_BYTES) {
        ss_diag_add(dl, SS_DIAG_ERROR, path, 0, 0, "",
                    "file is %lld bytes; expected a scenario of at most %zu bytes (1 MiB)", (long long)st.st_size,
                    SS_SCENARIO_MAX_BYTES);
        status = ss__finish(path, dl, errors_before, SS_ERR_IO);
    } else {
        char *text = NULL;
        size_t len = 0;
        status = ss_file_read(path, SS_SCENARIO_MAX_BYTES, &text, &len);
        if (status != SS_OK) {
            ss_diag_add(dl, SS_DIAG_ERROR, path, 0, 0, "", "cannot read: %s", ss_error_message());
            status = ss__finish(path, dl, errors_before, status);
        } else {
            status = ss_scenario_parse(text, len, path, out, dl);
            free(text);
        }
    }
    ss_diag_list_free(&local);
    return status;
}

void ss_scenario_probe(const ss_scenario *s, ss_probe *out)
{
    if (s->probe.type == SS_PROBE_LINEAR) ss_probe_default_linear(out);
    else ss_probe_default(out);
    out->freq_mhz = (float)s->probe.freq_mhz;
    out->depth_mm = (float)s->probe.depth_mm;
    if (out->focal_depth_mm > out->depth_mm) out->focal_depth_mm = out->depth_mm * 0.6f;
}

void ss_scenario_needle(const ss_scenario *s, ss_needle_spec *out)
{
    out->gauge = s->task.needle_gauge;
    out->length_mm = s->task.needle_length_mm;
    out->tip = s->task.needle_tip;
}

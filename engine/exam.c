/* exam.c: see exam.h. Positions come from json_locate.h, as for scenarios. */
#define _POSIX_C_SOURCE 200809L
#include "exam.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json_locate.h"
#include "paths.h"
#include "scenario.h"
#include "variants.h"

#define SS__EXAM_MAX_BYTES ((size_t)1 << 20)

typedef struct ss__ctx {
    const char *text;
    size_t len;
    const char *file;
    ss_diag_list *dl;
} ss__ctx;

/* An error at the value (key == false) or the key (key == true) of a path. */
static void ss__err(ss__ctx *c, const char *path, bool key, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void ss__err(ss__ctx *c, const char *path, bool key, const char *fmt, ...)
{
    char msg[SS_DIAG_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ss_json_loc loc;
    int line = 0, col = 0;
    if (ss_json_locate_path(c->text, c->len, path, &loc)) {
        ss_json_pos p = key && loc.has_key ? loc.key : loc.value;
        line = p.line;
        col = p.col;
    }
    ss_diag_add(c->dl, SS_DIAG_ERROR, c->file, line, col, path[0] ? path : "$", "%s", msg);
}

/* A missing member: reported at the object that lacks it. */
static void ss__missing(ss__ctx *c, const char *obj_path, const char *key, const char *what)
{
    char path[SS_DIAG_PATH_MAX];
    snprintf(path, sizeof path, "%s.%s", obj_path, key);
    ss_json_loc loc;
    int line = 0, col = 0;
    if (ss_json_locate_path(c->text, c->len, obj_path, &loc)) {
        line = loc.value.line;
        col = loc.value.col;
    }
    ss_diag_add(c->dl, SS_DIAG_ERROR, c->file, line, col, path, "missing required field: %s", what);
}

static void ss__unknown_members(ss__ctx *c, const cJSON *obj, const char *obj_path, const char *const *known,
                                const char *list)
{
    for (const cJSON *it = obj->child; it; it = it->next) {
        bool ok = false;
        for (int i = 0; known[i]; i++)
            if (!strcmp(known[i], it->string)) ok = true;
        if (ok) continue;
        char path[SS_DIAG_PATH_MAX];
        snprintf(path, sizeof path, "%.60s%s%.90s", obj_path, obj_path[0] ? "." : "", it->string);
        ss__err(c, path, true, "unknown field '%s'; expected one of %s", it->string, list);
    }
}

static const char *ss__kind(const cJSON *v)
{
    if (cJSON_IsObject(v)) return "an object";
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsBool(v)) return "a boolean";
    return "null";
}

static bool ss__time_limit(ss__ctx *c, const cJSON *v, const char *path, double *out)
{
    if (!cJSON_IsNumber(v)) {
        ss__err(c, path, false, "expected a time in seconds (%.0f to %.0f), found %s", SS_EXAM_MIN_TIME_LIMIT_S,
                SS_EXAM_MAX_TIME_LIMIT_S, ss__kind(v));
        return false;
    }
    if (!(v->valuedouble >= SS_EXAM_MIN_TIME_LIMIT_S && v->valuedouble <= SS_EXAM_MAX_TIME_LIMIT_S)) {
        ss__err(c, path, false, "expected a time in seconds from %.0f to %.0f, found %g", SS_EXAM_MIN_TIME_LIMIT_S,
                SS_EXAM_MAX_TIME_LIMIT_S, v->valuedouble);
        return false;
    }
    *out = v->valuedouble;
    return true;
}

static void ss__resolve(const char *exam_file, const char *rel, char *out, size_t n)
{
    if (rel[0] == '/') {
        snprintf(out, n, "%s", rel);
        return;
    }
    const char *slash = strrchr(exam_file, '/');
    if (slash) snprintf(out, n, "%.*s/%s", (int)(slash - exam_file), exam_file, rel);
    else snprintf(out, n, "%s", rel);
}

static void ss__case(ss__ctx *c, const cJSON *item, int i, ss_exam *e)
{
    char path[64], sub[SS_DIAG_PATH_MAX];
    snprintf(path, sizeof path, "exam.cases[%d]", i);
    ss_exam_case *k = &e->cases[i];
    k->time_limit_s = e->time_limit_s;
    const cJSON *sc = NULL;
    char scpath[SS_DIAG_PATH_MAX];
    snprintf(scpath, sizeof scpath, "%s", path);
    if (cJSON_IsString(item)) {
        sc = item;
    } else if (cJSON_IsObject(item)) {
        static const char *const known[] = {"scenario", "variant_seed", "time_limit_s", NULL};
        ss__unknown_members(c, item, path, known, "scenario, variant_seed, time_limit_s");
        sc = cJSON_GetObjectItemCaseSensitive(item, "scenario");
        snprintf(scpath, sizeof scpath, "%s.scenario", path);
        if (!sc) ss__missing(c, path, "scenario", "the scenario file of the case");
        else if (!cJSON_IsString(sc)) {
            ss__err(c, scpath, false, "expected a scenario file name (string), found %s", ss__kind(sc));
            sc = NULL;
        }
        const cJSON *seed = cJSON_GetObjectItemCaseSensitive(item, "variant_seed");
        if (seed) {
            snprintf(sub, sizeof sub, "%s.variant_seed", path);
            if (!cJSON_IsNumber(seed) || seed->valuedouble < 0 || seed->valuedouble > 4294967295.0 ||
                seed->valuedouble != floor(seed->valuedouble))
                ss__err(c, sub, false, "expected a whole number from 0 to 4294967295");
            else {
                k->has_variant_seed = true;
                k->variant_seed = (uint32_t)seed->valuedouble;
            }
        }
        const cJSON *tl = cJSON_GetObjectItemCaseSensitive(item, "time_limit_s");
        if (tl) {
            snprintf(sub, sizeof sub, "%s.time_limit_s", path);
            ss__time_limit(c, tl, sub, &k->time_limit_s);
        }
    } else {
        ss__err(c, path, false, "expected a scenario file name or {\"scenario\": ..., \"variant_seed\": ...}, found %s",
                ss__kind(item));
        return;
    }
    if (!sc) return;
    if (!sc->valuestring[0]) {
        ss__err(c, scpath, false, "expected a scenario file name, found an empty string");
        return;
    }
    ss__resolve(c->file, sc->valuestring, k->scenario, sizeof k->scenario);
    if (!ss_file_exists(k->scenario)) {
        ss__err(c, scpath, false, "scenario file not found: %s", k->scenario);
        return;
    }
    ss_diag_list sdl;
    ss_diag_list_init(&sdl);
    ss_scenario s;
    if (ss_scenario_load(k->scenario, &s, &sdl) != SS_OK) {
        const ss_diag *first = ss_diag_find(&sdl, SS_DIAG_ERROR, "");
        char line[SS_DIAG_MESSAGE_MAX] = "";
        if (first) ss_diag_format(first, line, sizeof line);
        ss__err(c, scpath, false, "the scenario is not valid (%d error%s; first: %s)", sdl.errors,
                sdl.errors == 1 ? "" : "s", line);
    } else if (k->has_variant_seed && s.nvariants == 0) {
        snprintf(sub, sizeof sub, "%s.variant_seed", path);
        ss__err(c, sub, false, "scenario %s has no variants section: a variant seed needs ranges to draw from",
                sc->valuestring);
    } else if (k->has_variant_seed) {
        /* the variant the case runs must exist: draw it as `run --exam` will */
        ss_variant_result r;
        if (ss_variant_make(&s, k->variant_seed, SS_EXAM_VARIANT_K, &r) != SS_OK) {
            snprintf(sub, sizeof sub, "%s.variant_seed", path);
            ss__err(c, sub, false, "no valid variant of %s for seed %u: %s", sc->valuestring, k->variant_seed,
                    ss_error_message());
        } else {
            ss_variant_result_free(&r);
        }
    }
    ss_scenario_free(&s);
    ss_diag_list_free(&sdl);
}

static void ss__validate(ss__ctx *c, const cJSON *root, ss_exam *e)
{
    if (!cJSON_IsObject(root)) {
        ss__err(c, "", false, "expected an object {\"exam\": {...}}, found %s", ss__kind(root));
        return;
    }
    static const char *const top[] = {"exam", NULL};
    ss__unknown_members(c, root, "", top, "exam");
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(root, "exam");
    if (!ex) {
        ss__missing(c, "", "exam", "the exam object");
        return;
    }
    if (!cJSON_IsObject(ex)) {
        ss__err(c, "exam", false, "expected an object with id, title, pass_rule and cases, found %s", ss__kind(ex));
        return;
    }
    static const char *const known[] = {"id", "title", "description", "time_limit_s", "pass_rule", "pass_k", "cases",
                                        NULL};
    ss__unknown_members(c, ex, "exam", known, "id, title, description, time_limit_s, pass_rule, pass_k, cases");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(ex, "id");
    if (!id) ss__missing(c, "exam", "id", "a short name for the exam (letters, digits, '-', '_', '.')");
    else if (!cJSON_IsString(id) || !id->valuestring[0] || strlen(id->valuestring) >= SS_EXAM_ID_MAX ||
             strspn(id->valuestring, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
                 strlen(id->valuestring))
        ss__err(c, "exam.id", false, "expected 1 to %d letters, digits, '-', '_' or '.', found %s%.60s%s",
                SS_EXAM_ID_MAX - 1, cJSON_IsString(id) ? "\"" : "", cJSON_IsString(id) ? id->valuestring : ss__kind(id),
                cJSON_IsString(id) ? "\"" : "");
    else snprintf(e->id, sizeof e->id, "%s", id->valuestring);
    const cJSON *title = cJSON_GetObjectItemCaseSensitive(ex, "title");
    if (!title) ss__missing(c, "exam", "title", "the exam's title as candidates see it");
    else if (!cJSON_IsString(title)) ss__err(c, "exam.title", false, "expected a string, found %s", ss__kind(title));
    else snprintf(e->title, sizeof e->title, "%s", title->valuestring);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(ex, "description");
    if (d && !cJSON_IsString(d)) ss__err(c, "exam.description", false, "expected a string, found %s", ss__kind(d));
    e->time_limit_s = SS_EXAM_DEFAULT_TIME_LIMIT_S;
    const cJSON *tl = cJSON_GetObjectItemCaseSensitive(ex, "time_limit_s");
    if (tl) ss__time_limit(c, tl, "exam.time_limit_s", &e->time_limit_s);
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(ex, "cases");
    if (!cases) ss__missing(c, "exam", "cases", "the list of cases (scenario files)");
    else if (!cJSON_IsArray(cases))
        ss__err(c, "exam.cases", false, "expected an array of cases, found %s", ss__kind(cases));
    else {
        int n = cJSON_GetArraySize(cases);
        if (n < 1 || n > SS_EXAM_MAX_CASES)
            ss__err(c, "exam.cases", false, "expected 1 to %d cases, found %d", SS_EXAM_MAX_CASES, n);
        int i = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, cases)
        {
            if (i >= SS_EXAM_MAX_CASES) break;
            ss__case(c, it, i++, e);
        }
        e->ncases = i;
    }
    const cJSON *rule = cJSON_GetObjectItemCaseSensitive(ex, "pass_rule");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(ex, "pass_k");
    if (!rule) ss__missing(c, "exam", "pass_rule", "\"all\" or \"k_of_n\" (with pass_k)");
    else if (!cJSON_IsString(rule) || (strcmp(rule->valuestring, "all") && strcmp(rule->valuestring, "k_of_n")))
        ss__err(c, "exam.pass_rule", false, "expected \"all\" or \"k_of_n\", found %s%s%s",
                cJSON_IsString(rule) ? "\"" : "", cJSON_IsString(rule) ? rule->valuestring : ss__kind(rule),
                cJSON_IsString(rule) ? "\"" : "");
    else if (!strcmp(rule->valuestring, "all")) {
        e->rule = SS_EXAM_PASS_ALL;
        e->pass_k = e->ncases;
        if (k) ss__err(c, "exam.pass_k", true, "pass_k is only for the pass rule \"k_of_n\"; \"all\" needs every case");
    } else {
        e->rule = SS_EXAM_PASS_K_OF_N;
        if (!k) ss__missing(c, "exam", "pass_k", "how many cases must be passed (pass_rule \"k_of_n\")");
        else if (!cJSON_IsNumber(k) || k->valuedouble != floor(k->valuedouble) || k->valuedouble < 1 ||
                 k->valuedouble > (e->ncases > 0 ? e->ncases : 1))
        {
            char found[40];
            if (cJSON_IsNumber(k)) snprintf(found, sizeof found, "%g", k->valuedouble);
            else snprintf(found, sizeof found, "%s", ss__kind(k));
            ss__err(c, "exam.pass_k", false, "expected a whole number from 1 to %d (the number of cases), found %s",
                    e->ncases > 0 ? e->ncases : 1, found);
        }
        else e->pass_k = (int)k->valuedouble;
    }
}

static int ss__cmp_diag(const void *a, const void *b)
{
    const ss_diag *x = a, *y = b;
    if (x->line != y->line) return x->line - y->line;
    return x->col - y->col;
}

ss_status ss_exam_parse(const char *text, size_t len, const char *filename, ss_exam *out, ss_diag_list *diags)
{
    ss_diag_list local;
    ss_diag_list_init(&local);
    ss_diag_list *dl = diags ? diags : &local;
    const char *file = filename ? filename : "<exam>";
    memset(out, 0, sizeof *out);
    snprintf(out->source, sizeof out->source, "%s", file);
    int errors_before = dl->errors, first_record = dl->count;
    ss_status st = SS_OK;
    ss_json_syntax_error se;
    if (!ss_json_check_syntax(text, len, &se)) {
        ss_diag_add(dl, SS_DIAG_ERROR, file, se.pos.line, se.pos.col, se.path[0] ? se.path : "$", "not JSON: %s",
                    se.message);
        st = SS_ERR_PARSE;
    } else {
        size_t skip = (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) ? 3 : 0;
        cJSON *root = cJSON_ParseWithLength(text + skip, len - skip);
        if (!root) {
            ss_diag_add(dl, SS_DIAG_ERROR, file, 1, 1, "$", "not JSON: the JSON reader (cJSON) refused it");
            st = SS_ERR_PARSE;
        } else {
            ss__ctx c = {text, len, file, dl};
            ss__validate(&c, root, out);
            cJSON_Delete(root);
            if (dl->count > first_record)
                qsort(dl->items + first_record, (size_t)(dl->count - first_record), sizeof *dl->items, ss__cmp_diag);
            if (dl->errors > errors_before) st = SS_ERR_INVALID;
        }
    }
    if (st != SS_OK) {
        const ss_diag *first = NULL;
        for (int i = first_record; i < dl->count && !first; i++)
            if (dl->items[i].severity == SS_DIAG_ERROR) first = &dl->items[i];
        char line[SS_DIAG_FILE_MAX + SS_DIAG_PATH_MAX + SS_DIAG_MESSAGE_MAX + 32] = "";
        if (first) ss_diag_format(first, line, sizeof line);
        int n = dl->errors - errors_before;
        if (n > 1) ss_error_set(st, "%s (and %d more errors)", line, n - 1);
        else ss_error_set(st, "%s", line);
    }
    ss_diag_list_free(&local);
    return st;
}

ss_status ss_exam_load(const char *path, ss_exam *out, ss_diag_list *diags)
{
    char *text;
    size_t len;
    memset(out, 0, sizeof *out);
    ss_status st = ss_file_read(path, SS__EXAM_MAX_BYTES, &text, &len);
    if (st != SS_OK) {
        if (diags) ss_diag_add(diags, SS_DIAG_ERROR, path, 0, 0, "", "cannot read: %s", ss_error_message());
        return st;
    }
    st = ss_exam_parse(text, len, path, out, diags);
    free(text);
    return st;
}

bool ss_exam_text_is_exam(const char *text, size_t len)
{
    cJSON *root = cJSON_ParseWithLength(text, len);
    bool is = cJSON_IsObject(root) && cJSON_GetObjectItemCaseSensitive(root, "exam") != NULL;
    cJSON_Delete(root);
    return is;
}

bool ss_exam_file_is_exam(const char *path)
{
    char *text;
    size_t len;
    if (ss_file_read(path, SS__EXAM_MAX_BYTES, &text, &len) != SS_OK) return false;
    bool is = ss_exam_text_is_exam(text, len);
    free(text);
    return is;
}

bool ss_exam_passed(const ss_exam *e, const bool *case_passed, int *npassed)
{
    int n = 0;
    for (int i = 0; i < e->ncases; i++)
        if (case_passed[i]) n++;
    if (npassed) *npassed = n;
    return e->rule == SS_EXAM_PASS_ALL ? n == e->ncases : n >= e->pass_k;
}

const char *ss_exam_rule_name(ss_exam_rule r)
{
    return r == SS_EXAM_PASS_K_OF_N ? "k_of_n" : "all";
}

ss_status ss_exam_case_scenario(const ss_exam *e, int index, const char *dir, char *out, size_t n)
{
    if (!e || index < 0 || index >= e->ncases) return ss_error_set(SS_ERR_INVALID, "exam case %d does not exist", index + 1);
    const ss_exam_case *k = &e->cases[index];
    if (!k->has_variant_seed) {
        if ((size_t)snprintf(out, n, "%s", k->scenario) >= n)
            return ss_error_set(SS_ERR_INVALID, "exam case %d: scenario path too long", index + 1);
        return SS_OK;
    }
    ss_scenario sc;
    ss_status st = ss_scenario_load(k->scenario, &sc, NULL);
    if (st != SS_OK) return st;
    ss_variant_result r;
    st = ss_variant_make(&sc, k->variant_seed, SS_EXAM_VARIANT_K, &r);
    ss_scenario_free(&sc);
    if (st != SS_OK) return st;
    if ((size_t)snprintf(out, n, "%s/%s.json", dir && *dir ? dir : ".", r.id) >= n) {
        ss_variant_result_free(&r);
        return ss_error_set(SS_ERR_INVALID, "exam case %d: variant path too long", index + 1);
    }
    /* the file as `sonospine variants` writes it: the text and a newline */
    size_t len = strlen(r.json);
    char *want = malloc(len + 2);
    if (!want) {
        ss_variant_result_free(&r);
        return ss_error_set(SS_ERR_NOMEM, "out of memory");
    }
    memcpy(want, r.json, len);
    want[len] = '\n';
    want[len + 1] = 0;
    ss_variant_result_free(&r);
    if (ss_file_exists(out)) {
        char *have = NULL;
        size_t hn = 0;
        st = ss_file_read(out, 1u << 24, &have, &hn);
        bool same = st == SS_OK && hn == len + 1 && memcmp(have, want, hn) == 0;
        free(have);
        free(want);
        if (st != SS_OK) return st;
        if (!same)
            return ss_error_set(SS_ERR_IO,
                                "%s exists and differs from variant %u of %s (the scenario changed since it was "
                                "written): not overwriting the file an earlier attempt's log names; move it away",
                                out, k->variant_seed, k->scenario);
        return SS_OK;
    }
    FILE *f = fopen(out, "wb");
    bool ok = f && fwrite(want, 1, len + 1, f) == len + 1;
    if (f && fclose(f) != 0) ok = false;
    free(want);
    if (!ok) return ss_error_set(SS_ERR_IO, "%s: cannot write the variant scenario", out);
    return SS_OK;
}

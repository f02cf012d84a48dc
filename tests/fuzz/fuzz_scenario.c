/* fuzz_scenario.c: libFuzzer harness for the scenario reader and validator
 * (engine/scenario.c), its strict JSON syntax check and source locator
 * (engine/json_locate.c) and the diagnostics it produces (engine/diag.c).
 *
 * Input: the bytes of a scenario file. Checked after each input:
 * - the parse returns one of the documented statuses; SS_OK exactly when no error was
 *   reported; a failed parse leaves the defaults and owns nothing;
 * - a valid scenario keeps the exact bytes, has every numeric field either at its
 *   default or inside the legal range of the validator's own table, at least one expected interspace, and every
 *   variant names a variable field with min <= max;
 * - every diagnostic formats, with a position inside the text;
 * - text that ss_json_check_syntax() accepts, cJSON reads too (the header's promise),
 *   and every value ss_json_locate_path() finds lies inside the text;
 * - a valid scenario with variant ranges makes a variant (engine/variants.c) that is
 *   itself a valid scenario without variants, byte-identical when made again.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "diag.h"
#include "fuzz_check.h"
#include "json_locate.h"
#include "scenario.h"
#include "variants.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_locate(const char *text, size_t len)
{
    ss_json_syntax_error se;
    bool ok = ss_json_check_syntax(text, len, &se);
    if (!ok) {
        FUZZ_CHECK(se.pos.line >= 1 && se.pos.col >= 1, "syntax error position is 1-based");
        FUZZ_CHECK(se.pos.offset <= len, "syntax error offset inside the text");
        FUZZ_CHECK(memchr(se.message, '\0', sizeof se.message) != NULL, "message NUL-terminated");
        return;
    }
    size_t skip = (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) ? 3 : 0;
    cJSON *root = cJSON_ParseWithLength(text + skip, len - skip);
    FUZZ_CHECK(root != NULL, "ss_json_check_syntax accepted text that cJSON refuses");
    cJSON_Delete(root);
    static const char *const paths[] = {"$",
                                        "scenario.id",
                                        "patient.bmi",
                                        "deformity.rotation_deg.L1",
                                        "fusion.levels[0]",
                                        "task.expected_interspaces[1]",
                                        "rubric.metrics[0].threshold",
                                        "variants[0].path",
                                        "variants[2].choices[1]"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        ss_json_loc loc;
        if (!ss_json_locate_path(text, len, paths[i], &loc)) continue;
        FUZZ_CHECK(loc.value.offset < len && loc.value_len >= 1 && loc.value.offset + loc.value_len <= len,
                   paths[i]);
        FUZZ_CHECK(loc.value.line >= 1 && loc.value.col >= 1, "located position is 1-based");
        if (loc.has_key) FUZZ_CHECK(loc.key.offset < loc.value.offset, "a member's key comes before its value");
        /* The located value is itself one JSON value. */
        FUZZ_CHECK(ss_json_check_syntax(text + loc.value.offset, loc.value_len, NULL), paths[i]);
        ss_json_pos p = ss_json_pos_at(text, len, loc.value.offset);
        FUZZ_CHECK(p.line == loc.value.line && p.col == loc.value.col, "ss_json_pos_at agrees with the locator");
    }
}

static void check_valid(const ss_scenario *s, const char *text, size_t len)
{
    FUZZ_CHECK(s->raw != NULL && s->raw_len == len && memcmp(s->raw, text, len) == 0, "raw keeps the exact bytes");
    static ss_scenario defaults; /* static: ss_scenario is large */
    ss_scenario_defaults(&defaults);
    for (int i = 0; i < ss_scenario_field_count(); i++) {
        const ss_scenario_field *f = ss_scenario_field_at(i);
        double v = ss_scenario_field_get(s, f);
        FUZZ_CHECK(isfinite(v), f->path);
        /* A field the file leaves out keeps its default, which may mean "not given"
         * (weight_kg 0); every value that came from the file is in range. */
        if (v == ss_scenario_field_get(&defaults, f)) continue;
        FUZZ_CHECK(v >= f->min && v <= f->max, f->path);
        if (f->integer) FUZZ_CHECK(v == floor(v), f->path);
        if (f->choices) {
            bool found = false;
            for (int k = 0; k < f->nchoices; k++) found = found || f->choices[k] == v;
            FUZZ_CHECK(found, f->path);
        }
    }
    FUZZ_CHECK(s->task.n_expected_interspaces >= 1 && s->task.n_expected_interspaces <= SS_LEVEL_COUNT,
               "at least one expected interspace");
    FUZZ_CHECK(s->nvariants >= 0 && s->nvariants <= SS_SCENARIO_MAX_VARIANTS, "variant count");
    for (int i = 0; i < s->nvariants; i++) {
        const ss_variant *v = &s->variants[i];
        const ss_scenario_field *f = ss_scenario_field_find(v->path);
        FUZZ_CHECK(f != NULL && f->variable && f == ss_scenario_field_at(v->field), v->path);
        if (v->has_choices) FUZZ_CHECK(v->nchoices >= 1 && v->nchoices <= SS_VARIANT_MAX_CHOICES, v->path);
        else FUZZ_CHECK(v->min <= v->max, v->path);
    }
    FUZZ_CHECK(s->rubric.nmetrics >= 0 && s->rubric.nmetrics <= SS_RUBRIC_MAX_METRICS, "rubric metric count");
    FUZZ_CHECK(ss_approach_name(s->task.approach) != NULL, "approach has a name");
    ss_probe probe;
    ss_scenario_probe(s, &probe);
    ss_needle_spec needle;
    ss_scenario_needle(s, &needle);
}

static void check_variant(const ss_scenario *s, uint32_t seed)
{
    ss_variant_result a, b;
    if (ss_variant_make(s, seed, 1, &a) != SS_OK) return; /* contradictory ranges: refused, with a reason */
    FUZZ_CHECK(a.json != NULL && a.draws >= 1 && a.draws <= SS_VARIANT_MAX_DRAWS, "a variant has its text");
    FUZZ_CHECK(ss_variant_make(s, seed, 1, &b) == SS_OK, "the same variant again");
    FUZZ_CHECK(strcmp(a.json, b.json) == 0, "same scenario, seed and k give the same file");
    ss_diag_list diags;
    ss_diag_list_init(&diags);
    ss_scenario v;
    FUZZ_CHECK(ss_scenario_parse(a.json, strlen(a.json), "variant.json", &v, &diags) == SS_OK,
               "a variant is a valid scenario");
    FUZZ_CHECK(v.nvariants == 0, "a variant has no variants section");
    ss_scenario_free(&v);
    ss_diag_list_free(&diags);
    ss_variant_result_free(&a);
    ss_variant_result_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > SS_SCENARIO_MAX_BYTES) return -1; /* load refuses such files before parsing */
    const char *text = (const char *)data;
    check_locate(text, size);

    ss_diag_list diags;
    ss_diag_list_init(&diags);
    ss_scenario s;
    ss_status st = ss_scenario_parse(text, size, "fuzz.json", &s, &diags);
    FUZZ_CHECK(st == SS_OK || st == SS_ERR_PARSE || st == SS_ERR_INVALID || st == SS_ERR_NOMEM, "documented status");
    FUZZ_CHECK((st == SS_OK) == (diags.errors == 0), "SS_OK exactly when no error was reported");
    for (int i = 0; i < diags.count; i++) {
        const ss_diag *d = &diags.items[i];
        char line[SS_DIAG_FILE_MAX + SS_DIAG_PATH_MAX + SS_DIAG_MESSAGE_MAX + 64];
        FUZZ_CHECK(ss_diag_format(d, line, sizeof line) > 0, "a diagnostic formats");
        FUZZ_CHECK(d->message[0] != '\0', "a diagnostic says something");
        FUZZ_CHECK(d->line >= 0 && d->col >= 0, "non-negative position");
        if (d->line > 0) {
            ss_json_pos end = ss_json_pos_at(text, size, size);
            FUZZ_CHECK(d->line <= end.line, "diagnostic line inside the text");
        }
    }
    if (st == SS_OK) {
        check_valid(&s, text, size);
        if (s.nvariants > 0) check_variant(&s, (uint32_t)size * 2654435761u);
    }
    else FUZZ_CHECK(s.raw == NULL, "a failed parse owns nothing");
    ss_scenario_free(&s);
    ss_diag_list_free(&diags);
    return 0;
}

/* test_scenario.c: scenario files (engine/scenario.c), their diagnostics and json_locate.
 *
 * Every shipped scenario must validate with no diagnostics at all and carry the
 * values of the paper's Table 1; every file of the bad corpus must give its one
 * expected message at the exact line:col and path; the locator must find values
 * through escapes, nesting, arrays and CRLF line ends. Exact comparisons are used
 * throughout: positions, paths and parsed values are discrete or copied verbatim from
 * the files, so there is nothing to tolerate. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "json_locate.h"
#include "scenario.h"
#include "test_support.h"

static void dump_diags(const ss_diag_list *dl)
{
    char line[1200];
    for (int i = 0; i < dl->count; i++) {
        ss_diag_format(&dl->items[i], line, sizeof line);
        cr_log_info("%s", line);
    }
}

static ss_status load_rel(const char *rel, ss_scenario *s, ss_diag_list *dl)
{
    ss_diag_list_init(dl);
    ss_status st = ss_scenario_load(ts_source_path(rel), s, dl);
    if (dl->count) dump_diags(dl);
    return st;
}

/* ------------------------------------------------------------------ shipped scenarios */

typedef struct wei_case {
    const char *file;
    double age_y;
    ss_sex sex;
    double cobb_deg;
    int grade;
    const char *first_level;
    bool fusion;
    int laminotomy;  /* SS_LEVEL_* or -1 */
    int ungrafted;   /* SS_LEVEL_* or -1 */
} wei_case;

/* REFERENCE.md §1 / the paper's Table 1 and Results text. */
static const wei_case wei_cases[] = {
    {"scenarios/wei2023-case1.json", 12, SS_SEX_MALE, 13, 0, "L4-L5", true, -1, SS_LEVEL_L4_L5},
    {"scenarios/wei2023-case2.json", 12, SS_SEX_FEMALE, 45, 4, "L3-L4", true, SS_LEVEL_L3_L4, -1},
    {"scenarios/wei2023-case3.json", 12, SS_SEX_MALE, 10, 0, "L3-L4", true, -1, SS_LEVEL_L3_L4},
    {"scenarios/wei2023-case4.json", 19, SS_SEX_MALE, 87, 4, "L3-L4", true, SS_LEVEL_L3_L4, -1},
    {"scenarios/wei2023-case5.json", 16, SS_SEX_FEMALE, 18, 1, "L3-L4", true, SS_LEVEL_L3_L4, -1},
    {"scenarios/wei2023-case6.json", 13, SS_SEX_FEMALE, 77, 3, "L4-L5", false, -1, -1},
    {"scenarios/wei2023-case7.json", 15, SS_SEX_FEMALE, 75, 4, "L5-S1", false, -1, -1},
};

static const char *const shipped[] = {
    "scenarios/wei2023-case1.json", "scenarios/wei2023-case2.json", "scenarios/wei2023-case3.json",
    "scenarios/wei2023-case4.json", "scenarios/wei2023-case5.json", "scenarios/wei2023-case6.json",
    "scenarios/wei2023-case7.json", "scenarios/normal-adult.json",  "scenarios/obese-adult.json",
    "scenarios/adolescent-14.json", "scenarios/transforaminal-teaching.json", "scenarios/default.json",
};

Test(scenario, every_shipped_scenario_validates_without_any_diagnostic)
{
    for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
        ss_scenario s;
        ss_diag_list dl;
        ss_status st = load_rel(shipped[i], &s, &dl);
        cr_expect_eq(st, SS_OK, "%s: %s", shipped[i], ss_error_message());
        /* exact: a shipped file must be clean, warnings included */
        cr_expect_eq(dl.count, 0, "%s: %d diagnostics", shipped[i], dl.count);
        cr_expect(s.raw != NULL && s.raw_len > 0, "%s: raw bytes kept", shipped[i]);
        /* issue 22: every shipped case takes the default rubric (process measures, their
           thresholds by the case's difficulty), but the transforaminal teaching case, whose
           own rubric weighs nerve-root contact */
        bool own = strstr(shipped[i], "transforaminal") != NULL;
        cr_expect_eq(s.rubric.given, own, "%s: %s", shipped[i], own ? "its own rubric" : "the default rubric");
        cr_expect(s.nvariants >= 2, "%s: variant ranges given", shipped[i]);
        cr_expect(s.task.n_expected_interspaces >= 1, "%s: an expected interspace", shipped[i]);
        ss_scenario_free(&s);
        ss_diag_list_free(&dl);
    }
}

Test(scenario, wei_cases_match_table_1)
{
    for (size_t i = 0; i < sizeof wei_cases / sizeof wei_cases[0]; i++) {
        const wei_case *w = &wei_cases[i];
        ss_scenario s;
        ss_diag_list dl;
        cr_assert_eq(load_rel(w->file, &s, &dl), SS_OK, "%s", w->file);
        const ss_patient_params *p = &s.patient;
        /* exact: the files carry the table's integers */
        cr_expect_eq(p->body.age_y, w->age_y, "%s age", w->file);
        cr_expect_eq(p->body.sex, w->sex, "%s sex", w->file);
        cr_expect_eq(p->deformity.cobb_deg, w->cobb_deg, "%s Cobb", w->file);
        cr_expect_eq(p->deformity.nash_moe_grade, w->grade, "%s Nash-Moe grade", w->file);
        /* a file may give the rotation per vertebra beside the grade (case 6, so that L4-L5
         * is the least rotated as the paper says); its largest lumbar rotation is the grade's */
        if (p->deformity.rotation_given)
            cr_expect_eq(ss_nash_moe_grade_of(ss_deformity_max_lumbar_rotation(&p->deformity)), w->grade,
                         "%s: profile's largest lumbar rotation %.1f deg", w->file,
                         ss_deformity_max_lumbar_rotation(&p->deformity));
        cr_expect_str_eq(ss_level_name(s.task.expected_interspaces[0]), w->first_level, "%s level", w->file);
        cr_expect_eq(p->fusion.present, w->fusion, "%s fusion", w->file);
        for (int lv = 0; lv < SS_LEVEL_COUNT; lv++) {
            cr_expect_eq(p->fusion.laminotomy[lv], lv == w->laminotomy, "%s laminotomy at %s", w->file,
                         ss_level_name(lv));
            cr_expect_eq(p->fusion.ungrafted[lv], lv == w->ungrafted, "%s ungrafted at %s", w->file,
                         ss_level_name(lv));
        }
        if (w->fusion) {
            cr_expect(p->fusion.graft, "%s: grafted fusion", w->file);
            cr_expect(p->fusion.fused_above_l1, "%s: a thoracolumbar fusion continues above L1", w->file);
            cr_expect(p->fusion.lower_vertebra >= SS_VERT_L5, "%s: fused to L5 or the pelvis", w->file);
        }
        /* the paper's protocol: 18 G 180 mm needle on a puncture frame, near-spinous view */
        cr_expect_eq(s.task.needle_gauge, 18, "%s", w->file);
        cr_expect_eq(s.task.needle_length_mm, 180.0, "%s", w->file);
        cr_expect(s.task.guide_allowed, "%s", w->file);
        cr_expect_eq(s.task.approach, SS_APPROACH_NEAR_SPINOUS, "%s", w->file);
        /* SMA teenagers: low BMI (assumption stated in the files) */
        cr_expect(p->body.bmi >= 14.0 && p->body.bmi <= 18.0, "%s BMI %g in 14..18", w->file, p->body.bmi);
        ss_scenario_free(&s);
        ss_diag_list_free(&dl);
    }
}

Test(scenario, case6_and_case7_level_preferences)
{
    ss_scenario s;
    ss_diag_list dl;
    cr_assert_eq(load_rel("scenarios/wei2023-case6.json", &s, &dl), SS_OK);
    cr_assert_eq(s.task.n_known_failing_interspaces, 2);
    cr_expect_eq(s.task.known_failing_interspaces[0], SS_LEVEL_L2_L3, "case 6 failed at L2-L3");
    cr_expect_eq(s.task.known_failing_interspaces[1], SS_LEVEL_L3_L4, "case 6 failed at L3-L4");
    cr_expect_eq(s.task.expected_interspaces[0], SS_LEVEL_L4_L5, "case 6 succeeded at L4-L5");
    ss_scenario_free(&s);
    ss_diag_list_free(&dl);
    cr_assert_eq(load_rel("scenarios/wei2023-case7.json", &s, &dl), SS_OK);
    cr_expect_eq(s.task.expected_interspaces[0], SS_LEVEL_L5_S1, "case 7 prefers L5-S1");
    ss_scenario_free(&s);
    ss_diag_list_free(&dl);
}

Test(scenario, other_shipped_cases)
{
    ss_scenario s;
    ss_diag_list dl;
    cr_assert_eq(load_rel("scenarios/normal-adult.json", &s, &dl), SS_OK);
    cr_expect_eq(s.patient.body.bmi, 24.0, "normal adult BMI 24 (issue 3)");
    cr_expect_eq(s.patient.deformity.cobb_deg, 0.0);
    cr_expect_not(s.patient.fusion.present);
    ss_scenario_free(&s);
    ss_diag_list_free(&dl);

    cr_assert_eq(load_rel("scenarios/obese-adult.json", &s, &dl), SS_OK);
    cr_expect_eq(s.patient.body.bmi, 35.0, "obese adult BMI 35 (issue 3)");
    cr_expect_eq(s.variants[1].nchoices, 3, "frequency choices 2, 2.5, 3 MHz");
    ss_scenario_free(&s);
    ss_diag_list_free(&dl);

    cr_assert_eq(load_rel("scenarios/adolescent-14.json", &s, &dl), SS_OK);
    cr_expect_eq(s.patient.body.age_y, 14.0);
    cr_expect_eq(s.patient.deformity.cobb_deg, 0.0, "no deformity");
    ss_scenario_free(&s);
    ss_diag_list_free(&dl);

    cr_assert_eq(load_rel("scenarios/transforaminal-teaching.json", &s, &dl), SS_OK);
    cr_expect_eq(s.task.approach, SS_APPROACH_TRANSFORAMINAL);
    bool nerve = false;
    for (int i = 0; i < s.rubric.nmetrics; i++)
        nerve |= strcmp(s.rubric.metrics[i].metric, "nerve_contacts") == 0 &&
                 s.rubric.metrics[i].direction == SS_RUBRIC_LOWER_BETTER;
    cr_expect(nerve, "the teaching case scores nerve-root contacts");
    ss_scenario_free(&s);
    ss_diag_list_free(&dl);

    cr_assert_eq(load_rel("scenarios/default.json", &s, &dl), SS_OK);
    cr_expect(s.aids.anatomy_overlay && s.aids.hints, "first-time user: aids on");
    cr_expect(s.task.time_limit_s >= 3600.0, "generous time");
    cr_expect_eq(s.patient.deformity.cobb_deg, 0.0, "normal anatomy");
    ss_scenario_free(&s);
    ss_diag_list_free(&dl);
}

Test(scenario, raw_bytes_are_the_file)
{
    const char *path = ts_source_path("scenarios/wei2023-case4.json");
    FILE *f = fopen(path, "rb");
    cr_assert(f);
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    ss_scenario s;
    ss_diag_list dl;
    cr_assert_eq(load_rel("scenarios/wei2023-case4.json", &s, &dl), SS_OK);
    cr_expect_eq(s.raw_len, n, "raw length = file size (exact: the log hashes these bytes)");
    cr_expect(memcmp(s.raw, buf, n) == 0, "raw bytes identical to the file");
    cr_expect_str_eq(s.source, path);
    ss_scenario_free(&s);
    cr_expect_null(s.raw, "free releases raw and resets");
    ss_diag_list_free(&dl);
}

/* ------------------------------------------------------------------ the bad corpus */

typedef struct bad_case {
    const char *file;
    int line, col;
    const char *path;
    const char *message; /* a part of the message that names the class */
} bad_case;

/* Positions counted by hand in each file (1-based, characters). */
static const bad_case bad_cases[] = {
    {"wrong-type.json", 5, 17, "deformity.cobb_deg", "expected a number from 0 to 120, found \"big\""},
    {"out-of-range.json", 4, 29, "deformity.cobb_deg", "expected a number from 0 to 120, found 130"},
    {"unknown-field.json", 6, 5, "task.time_limt_s", "unknown field \"time_limt_s\": did you mean \"time_limit_s\"?"},
    {"unknown-level.json", 4, 46, "task.expected_interspaces[1]", "unknown level: expected an interspace name"},
    {"unknown-vertebra.json", 4, 41, "deformity.apex", "unknown vertebra: expected a vertebra name T7..T12, L1..L5 or S1, found \"L6\""},
    {"fusion-lower-above-upper.json", 4, 55, "fusion.lower", "contradictory fusion: expected a lower end below upper (L5), found \"T10\""},
    {"fusion-laminotomy-outside.json", 6, 20, "fusion.laminotomy[0]", "contradictory fusion: expected an interspace inside the fused span T10..L4, found \"L4-L5\""},
    {"fusion-laminotomy-and-ungrafted.json", 7, 28, "fusion.ungrafted[1]", "\"L3-L4\" is also in fusion.laminotomy"},
    {"fusion-screws-outside.json", 5, 37, "fusion.screws[2]", "contradictory fusion: expected screws within the fused span T10..L4, found \"L5\""},
    {"nan-inf.json", 3, 52, "patient.bmi", "found 1e999, which is not a finite number"},
    {"missing-required.json", 3, 14, "patient.age_y", "missing required field: expected a number from 6 to 100"},
    {"not-json.json", 3, 27, "patient.age_y", "not JSON: expected ',' or '}' after the member's value, found '\"'"},
    {"duplicate-key.json", 4, 15, "patient.bmi", "duplicate key \"bmi\": expected each field once, found it again (first at line 3, col 45)"},
    {"variant-out-of-range.json", 6, 54, "variants[0].max", "expected a number from 0 to 120, found 150"},
    {"crlf-line-ends.json", 4, 59, "task.approach", "found \"lateral\""},
    {"multiple-errors.json", 3, 24, "patient.age_y", "expected a number from 6 to 100, found -3"},
};

Test(scenario, bad_corpus_gives_the_expected_message_at_the_exact_position)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *b = &bad_cases[i];
        char rel[256];
        snprintf(rel, sizeof rel, "tests/data/scenarios_bad/%s", b->file);
        ss_scenario s;
        ss_diag_list dl;
        ss_status st = load_rel(rel, &s, &dl);
        cr_expect_neq(st, SS_OK, "%s must be rejected", b->file);
        cr_expect(dl.errors >= 1, "%s: at least one error", b->file);
        cr_expect_null(s.raw, "%s: a rejected scenario owns nothing", b->file);
        const ss_diag *d = ss_diag_find(&dl, SS_DIAG_ERROR, b->message);
        cr_expect(d != NULL, "%s: no error containing '%s'", b->file, b->message);
        if (d) {
            cr_expect_eq(d->line, b->line, "%s: line", b->file);
            cr_expect_eq(d->col, b->col, "%s: col", b->file);
            cr_expect_str_eq(d->path, b->path, "%s: path", b->file);
            cr_expect_str_eq(d->file, ts_source_path(rel), "%s: file as given", b->file);
        }
        ss_scenario_free(&s);
        ss_diag_list_free(&dl);
    }
}

Test(scenario, every_bad_file_has_an_expectation)
{
    DIR *dir = opendir(ts_source_path("tests/data/scenarios_bad"));
    cr_assert(dir);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(dir))) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 5, ".json") != 0) continue;
        files++;
        bool known = false;
        for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) known |= !strcmp(bad_cases[i].file, e->d_name);
        cr_expect(known, "%s has no expected message in bad_cases", e->d_name);
    }
    closedir(dir);
    cr_expect_eq(files, (int)(sizeof bad_cases / sizeof bad_cases[0]), "one file per entry");
}

Test(scenario, all_errors_of_one_file_are_reported_in_reading_order)
{
    ss_scenario s;
    ss_diag_list dl;
    cr_assert_eq(load_rel("tests/data/scenarios_bad/multiple-errors.json", &s, &dl), SS_ERR_INVALID);
    static const struct { int line, col; const char *path; ss_diag_severity sev; } want[] = {
        {3, 24, "patient.age_y", SS_DIAG_ERROR},
        {3, 35, "patient.sex", SS_DIAG_ERROR},
        {5, 29, "deformity.nash_moe", SS_DIAG_ERROR},
        {6, 91, "fusion.ungrafted[0]", SS_DIAG_ERROR},
        {7, 37, "task.expected_interspaces[0]", SS_DIAG_WARNING}, /* L3-L4 under the fusion, no access */
        {7, 67, "task.needle.gauge", SS_DIAG_ERROR},
        {7, 84, "task.needle.length_mm", SS_DIAG_ERROR},
        {8, 11, "seed", SS_DIAG_ERROR},
    };
    const int n = (int)(sizeof want / sizeof want[0]);
    cr_assert_eq(dl.count, n, "all %d problems reported, not only the first", n);
    cr_expect_eq(dl.errors, 7);
    cr_expect_eq(dl.warnings, 1);
    for (int i = 0; i < n; i++) {
        cr_expect_eq(dl.items[i].line, want[i].line, "diag %d line", i);
        cr_expect_eq(dl.items[i].col, want[i].col, "diag %d col", i);
        cr_expect_str_eq(dl.items[i].path, want[i].path, "diag %d path", i);
        cr_expect_eq(dl.items[i].severity, want[i].sev, "diag %d severity", i);
    }
    /* the error channel holds the first one and the count of the rest */
    cr_expect(strstr(ss_error_message(), "patient.age_y") && strstr(ss_error_message(), "and 6 more errors"),
              "ss_error_message: %s", ss_error_message());
    ss_diag_list_free(&dl);
}

Test(scenario, file_problems_have_no_position)
{
    ss_scenario s;
    ss_diag_list dl;
    ss_diag_list_init(&dl);
    cr_expect_eq(ss_scenario_load("/nonexistent/sonospine.json", &s, &dl), SS_ERR_IO);
    cr_assert_eq(dl.count, 1);
    cr_expect_eq(dl.items[0].line, 0, "no line for a missing file");
    cr_expect(strstr(dl.items[0].message, "file not found"));
    char line[1200];
    ss_diag_format(&dl.items[0], line, sizeof line);
    cr_expect_str_eq(line, "/nonexistent/sonospine.json: file not found: expected a scenario .json file");
    ss_diag_list_clear(&dl);

    const char *dir = ts_tempdir("scenario");
    cr_assert(dir);
    cr_expect_eq(ss_scenario_load(dir, &s, &dl), SS_ERR_IO);
    cr_expect(dl.count == 1 && strstr(dl.items[0].message, "is a directory"));
    ss_diag_list_clear(&dl);

    /* 1 MiB + 1 byte of spaces: refused before reading, with the limit named */
    char big[512];
    snprintf(big, sizeof big, "%s/big.json", dir);
    FILE *f = fopen(big, "wb");
    cr_assert(f);
    for (size_t k = 0; k < SS_SCENARIO_MAX_BYTES + 1; k++) fputc(' ', f);
    fclose(f);
    cr_expect_eq(ss_scenario_load(big, &s, &dl), SS_ERR_IO);
    cr_expect(dl.count == 1 && strstr(dl.items[0].message, "at most 1048576 bytes (1 MiB)"), "%s",
              dl.count ? dl.items[0].message : "");
    ss_diag_list_clear(&dl);

    /* an empty file is "not JSON" with a position */
    char empty[512];
    snprintf(empty, sizeof empty, "%s/empty.json", dir);
    cr_assert_eq(ts_write_file(empty, ""), 0);
    cr_expect_eq(ss_scenario_load(empty, &s, &dl), SS_ERR_PARSE);
    cr_expect(dl.count == 1 && dl.items[0].line == 1 && strstr(dl.items[0].message, "not JSON"));
    ss_diag_list_free(&dl);
    ts_rmtree(dir);
}

static int parse_errors(const char *text, ss_diag_list *dl)
{
    ss_scenario s;
    ss_diag_list_init(dl);
    ss_scenario_parse(text, strlen(text), "t.json", &s, dl);
    ss_scenario_free(&s);
    return dl->errors;
}

#define BASE "\"scenario\": {\"id\": \"t\", \"title\": \"t\"}, \"patient\": {\"age_y\": 30, \"sex\": \"male\", \"bmi\": 22}, "

Test(scenario, more_error_classes_in_memory)
{
    ss_diag_list dl;
    /* top level not an object */
    cr_expect_eq(parse_errors("[1, 2]", &dl), 1);
    cr_expect(ss_diag_find(&dl, SS_DIAG_ERROR, "expected an object with the sections"));
    ss_diag_list_free(&dl);
    /* missing sections: all three reported */
    cr_expect_eq(parse_errors("{}", &dl), 3, "scenario, patient and task are required");
    ss_diag_list_free(&dl);
    /* a curve needs its geometry */
    cr_expect_eq(parse_errors("{" BASE "\"deformity\": {\"cobb_deg\": 30}, \"task\": {\"expected_interspaces\": [\"L3-L4\"]}}", &dl), 4,
                 "apex, upper_end, lower_end, convex_side missing");
    ss_diag_list_free(&dl);
    /* rotation per level and a Nash-Moe grade that disagree: 10 deg is grade I (8), not II (18) */
    cr_expect_eq(parse_errors("{" BASE "\"deformity\": {\"cobb_deg\": 0, \"rotation_deg\": {\"L3\": 10}, \"nash_moe\": 2}, "
                              "\"task\": {\"expected_interspaces\": [\"L3-L4\"]}}", &dl), 1);
    cr_expect(ss_diag_find(&dl, SS_DIAG_ERROR, "grade II stands for a largest lumbar rotation of about 18 deg"));
    cr_expect(ss_diag_find(&dl, SS_DIAG_ERROR, "by 10.0 deg (grade I)"));
    ss_diag_list_free(&dl);
    /* ... and that agree (17 deg at L3, negative at S1 which the grade does not describe),
     * but then neither may vary: a drawn profile could leave the grade behind */
    cr_expect_eq(parse_errors("{" BASE "\"deformity\": {\"cobb_deg\": 0, \"rotation_deg\": {\"L3\": -17, \"S1\": 30}, "
                              "\"nash_moe\": \"II\"}, \"task\": {\"expected_interspaces\": [\"L3-L4\"]}}", &dl), 0);
    ss_diag_list_free(&dl);
    cr_expect_eq(parse_errors("{" BASE "\"deformity\": {\"cobb_deg\": 0, \"rotation_deg\": {\"L3\": 17}, \"nash_moe\": 2}, "
                              "\"task\": {\"expected_interspaces\": [\"L3-L4\"]}, \"variants\": [{\"path\": "
                              "\"deformity.rotation_deg.L3\", \"min\": 15, \"max\": 20}]}", &dl), 1);
    cr_expect(ss_diag_find(&dl, SS_DIAG_ERROR, "gives both nash_moe and rotation_deg"));
    ss_diag_list_free(&dl);
    /* BMI contradicting height and weight (tolerance 1 kg/m^2): 100 kg / 1.7^2 = 34.6 */
    cr_expect_eq(parse_errors("{\"scenario\": {\"id\": \"t\", \"title\": \"t\"}, \"patient\": {\"age_y\": 30, \"sex\": \"male\", "
                              "\"bmi\": 22, \"height_cm\": 170, \"weight_kg\": 100}, \"task\": {\"expected_interspaces\": [\"L3-L4\"]}}", &dl), 1);
    cr_expect(ss_diag_find(&dl, SS_DIAG_ERROR, "= 34.6"));
    ss_diag_list_free(&dl);
    /* expected and known-failing overlap; neither guide nor free hand */
    cr_expect_eq(parse_errors("{" BASE "\"task\": {\"expected_interspaces\": [\"L3-L4\"], \"known_failing_interspaces\": [\"L3-L4\"], "
                              "\"guide\": {\"allowed\": false}, \"freehand_allowed\": false}}", &dl), 2);
    ss_diag_list_free(&dl);
    /* a variant naming a fixed field, and both forms at once */
    cr_expect_eq(parse_errors("{" BASE "\"task\": {\"expected_interspaces\": [\"L3-L4\"]}, \"variants\": [{\"path\": \"seed\", \"min\": 1, \"max\": 2}, "
                              "{\"path\": \"patient.bmi\", \"min\": 20, \"max\": 22, \"choices\": [21]}]}", &dl), 2);
    cr_expect(ss_diag_find(&dl, SS_DIAG_ERROR, "expected a field that variants may change"));
    cr_expect(ss_diag_find(&dl, SS_DIAG_ERROR, "expected either min and max, or choices, found both"));
    ss_diag_list_free(&dl);
    /* an unknown top-level section, and $schema / $comment allowed */
    cr_expect_eq(parse_errors("{\"$schema\": \"./schema.json\", \"$comment\": \"hi\", " BASE
                              "\"task\": {\"expected_interspaces\": [\"L3-L4\"]}, \"pateint\": {}}", &dl), 1);
    cr_expect(ss_diag_find(&dl, SS_DIAG_ERROR, "did you mean \"patient\"?"));
    ss_diag_list_free(&dl);
    /* the schema is not a scenario: one clear error instead of a list of unknown fields */
    cr_expect_eq(parse_errors("{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\", \"type\": \"object\"}", &dl), 1);
    cr_expect(ss_diag_find(&dl, SS_DIAG_ERROR, "found a JSON Schema"));
    ss_diag_list_free(&dl);
    /* minimal valid scenario: defaults fill the rest */
    cr_expect_eq(parse_errors("{" BASE "\"task\": {\"expected_interspaces\": [\"L3-L4\"]}}", &dl), 0);
    ss_diag_list_free(&dl);
}

Test(scenario, values_are_filled_from_the_file)
{
    const char *text = "{" BASE
        "\"deformity\": {\"cobb_deg\": 30, \"apex\": \"T12\", \"convex_side\": \"right\", \"upper_end\": \"T9\", "
        "\"lower_end\": \"L3\", \"rotation_deg\": {\"L1\": 8, \"L2\": -4.5}},"
        "\"fusion\": {\"present\": true, \"upper\": \"T10\", \"lower\": \"S1\", \"rods\": {\"material\": \"cocr\"}, "
        "\"screws\": [\"T11\", \"L1\", \"S1\"], \"graft\": true, \"laminotomy\": [\"L4-L5\"], \"ungrafted\": [\"L2-L3\"]},"
        "\"task\": {\"expected_interspaces\": [\"L4-L5\", \"L2-L3\"], \"needle\": {\"gauge\": 20, \"tip\": \"pencil\"}, "
        "\"approach\": \"parasagittal-oblique\"},"
        "\"probe\": {\"type\": \"linear\", \"freq_mhz\": 7, \"tgc_db\": [0, 1, 2, 3, 4, 5, 6, 7]},"
        "\"aids\": {\"hints\": true}, \"seed\": 4294967295}";
    ss_scenario s;
    ss_diag_list dl;
    ss_diag_list_init(&dl);
    cr_assert_eq(ss_scenario_parse(text, strlen(text), "t.json", &s, &dl), SS_OK);
    dump_diags(&dl);
    const ss_deformity_params *d = &s.patient.deformity;
    cr_expect_eq(d->apex_vertebra, SS_VERT_T12);
    cr_expect_eq(d->upper_end_vertebra, SS_VERT_T12 - 3, "T9");
    cr_expect_eq(d->lower_end_vertebra, SS_VERT_L3);
    cr_expect_eq(d->convex_side, SS_CURVE_RIGHT);
    cr_expect(d->rotation_given);
    cr_expect_eq(d->rotation_deg[SS_VERT_L1], 8.0);
    cr_expect_eq(d->rotation_deg[SS_VERT_L2], -4.5);
    cr_expect_eq(d->rotation_deg[SS_VERT_L3], 0.0, "vertebrae not listed: 0");
    cr_expect_eq(d->nash_moe_grade, -1, "no grade given");
    const ss_fusion_params *f = &s.patient.fusion;
    cr_expect(f->present && f->fused_above_l1 && f->rods);
    cr_expect_eq(f->rod_material, SS_ROD_COCR);
    cr_expect_eq(f->rod_diameter_mm, 5.5, "CoCr default diameter (REFERENCE §2)");
    cr_expect(f->screws[SS_VERT_L1] && f->screws[SS_VERT_S1] && !f->screws[SS_VERT_L3]);
    cr_expect(f->laminotomy[SS_LEVEL_L4_L5] && f->ungrafted[SS_LEVEL_L2_L3]);
    cr_expect_eq(s.task.needle_gauge, 20);
    cr_expect_eq(s.task.needle_tip, SS_TIP_PENCIL);
    cr_expect_eq(s.task.approach, SS_APPROACH_PARASAGITTAL_OBLIQUE);
    cr_expect_eq(s.task.n_expected_interspaces, 2);
    cr_expect_eq(s.task.expected_interspaces[1], SS_LEVEL_L2_L3);
    cr_expect_eq(s.probe.type, SS_PROBE_LINEAR);
    cr_expect_eq(s.probe.tgc_db[7], 7.0);
    cr_expect_eq(s.probe.depth_mm, 100.0, "default depth kept");
    cr_expect(s.aids.hints && !s.aids.anatomy_overlay);
    cr_expect_eq(s.seed, 4294967295u, "largest uint32 seed");
    cr_expect_not(s.rubric.given, "no rubric section");
    ss_scenario_free(&s);
    ss_diag_list_free(&dl);
}

Test(scenario, field_table_is_consistent_with_the_defaults)
{
    ss_scenario s;
    ss_scenario_defaults(&s);
    for (int i = 0; i < ss_scenario_field_count(); i++) {
        const ss_scenario_field *f = ss_scenario_field_at(i);
        cr_expect(f->min < f->max, "%s: min < max", f->path);
        cr_expect_eq(ss_scenario_field_find(f->path), f, "%s: find", f->path);
        /* set/get round trip with a legal value (exact: a stored double or integer) */
        double v = f->choices ? f->choices[f->nchoices - 1] : f->integer ? floor((f->min + f->max) / 2) : (f->min + f->max) / 2;
        ss_scenario_field_set(&s, f, v);
        cr_expect_eq(ss_scenario_field_get(&s, f), v, "%s: round trip", f->path);
    }
    ss_scenario_defaults(&s);
    /* the defaults of the optional fields lie inside their legal ranges */
    const char *paths[] = {"patient.bmi", "patient.lordosis_deg", "patient.flexion", "task.volume_ml",
                           "task.needle.length_mm", "task.time_limit_s", "probe.freq_mhz", "probe.depth_mm",
                           "probe.dynamic_range_db", "fusion.channel.width_mm", "fusion.rods.diameter_mm"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        const ss_scenario_field *f = ss_scenario_field_find(paths[i]);
        cr_assert(f, "%s", paths[i]);
        double v = ss_scenario_field_get(&s, f);
        cr_expect(v >= f->min && v <= f->max, "default %s = %g inside %g..%g", paths[i], v, f->min, f->max);
    }
    cr_expect_null(ss_scenario_field_find("patient.weight"));
}

Test(scenario, default_path_resolves_through_the_data_dir)
{
    setenv("SONOSPINE_SCENARIO_DIR", ts_source_path("scenarios"), 1);
    char path[4096];
    cr_assert_eq(ss_scenario_default_path(path, sizeof path), SS_OK, "%s", ss_error_message());
    char want[4096];
    snprintf(want, sizeof want, "%s/default.json", ts_source_path("scenarios"));
    cr_expect_str_eq(path, want);
    unsetenv("SONOSPINE_SCENARIO_DIR");
}

/* ------------------------------------------------------------------ json_locate */

Test(json_locate, nested_objects_and_arrays)
{
    const char *t = "{\n  \"a\": {\"b\": [10, {\"c\": true}, [1, [2, 3]]]},\n  \"d\": \"x\"\n}";
    size_t n = strlen(t);
    ss_json_loc loc;
    cr_assert(ss_json_locate_path(t, n, "a.b[1].c", &loc));
    cr_expect_eq(loc.value.line, 2);
    cr_expect_eq(loc.value.col, 25, "true after \"c\": ");
    cr_expect(loc.has_key);
    cr_expect_eq(loc.key.col, 20);
    cr_assert(ss_json_locate_path(t, n, "a.b[2][1][0]", &loc));
    cr_expect_eq(loc.value.col, 37, "the 2 inside [2, 3]");
    cr_expect_not(loc.has_key, "an array element has no key");
    cr_assert(ss_json_locate_path(t, n, "d", &loc));
    cr_expect_eq(loc.value.line, 3);
    cr_expect_eq(loc.value.col, 8);
    cr_expect_eq(loc.value_len, 3u, "\"x\" with its quotes");
    cr_assert(ss_json_locate_path(t, n, "$", &loc));
    cr_expect_eq(loc.value.line, 1);
    cr_expect_eq(loc.value.col, 1);
    cr_expect_eq(loc.value_len, n, "root spans the text");
    cr_expect_not(ss_json_locate_path(t, n, "a.b[3]", &loc), "index past the end");
    cr_expect_not(ss_json_locate_path(t, n, "a.z", &loc), "missing key");
    cr_expect_not(ss_json_locate_path(t, n, "d.e", &loc), "key into a string");
}

Test(json_locate, strings_with_escapes_do_not_confuse_the_scanner)
{
    /* a key with an escaped quote, braces and brackets inside strings, \u escapes */
    const char *t = "{\"k\\\"{[\": \"}]\\\\\", \"\\u0041B\": 1, \"\\ud83d\\ude00\": 2, \"z\": [\"]\", \"\\\"\"]}";
    size_t n = strlen(t);
    ss_json_loc loc;
    cr_assert(ss_json_locate_path(t, n, "AB", &loc), "\\u0041B matches the decoded key AB");
    cr_expect_eq(loc.value.col, 30);
    cr_assert(ss_json_locate_path(t, n, "\xF0\x9F\x98\x80", &loc), "a surrogate pair decodes to U+1F600");
    cr_expect_eq(loc.value.col, 49);
    cr_assert(ss_json_locate_path(t, n, "z[1]", &loc));
    cr_expect_eq(loc.value.col, 63);
    ss_json_seg seg = {"k\"{[", 0, 0};
    cr_assert(ss_json_locate(t, n, &seg, 1, &loc), "key with an escaped quote and brackets");
    cr_expect_eq(loc.value.col, 11);
}

Test(json_locate, crlf_utf8_bom_and_duplicates)
{
    /* BOM, CRLF, a 2-byte and a 3-byte character before the value: columns count characters */
    const char *t = "\xEF\xBB\xBF{\r\n \"\xC3\xA9\xE2\x82\xAC\": 1,\r\n \"a\": 1,\r\n \"a\": 2\r\n}";
    size_t n = strlen(t);
    ss_json_loc loc;
    cr_assert(ss_json_locate_path(t, n, "\xC3\xA9\xE2\x82\xAC", &loc));
    cr_expect_eq(loc.value.line, 2);
    cr_expect_eq(loc.value.col, 8, "\"é€\": is 5 characters after col 2");
    ss_json_seg second = {"a", 0, 1};
    cr_assert(ss_json_locate(t, n, &second, 1, &loc), "the second \"a\"");
    cr_expect_eq(loc.key.line, 4);
    cr_expect_eq(loc.key.col, 2);
    cr_assert(ss_json_locate_path(t, n, "", &loc));
    cr_expect_eq(loc.value.line, 1);
    cr_expect_eq(loc.value.col, 1, "the BOM takes no column");
    ss_json_pos p = ss_json_pos_at("a\rb\r\nc\nd", 8, 7);
    cr_expect_eq(p.line, 4, "\\r, \\r\\n and \\n each end one line");
    cr_expect_eq(p.col, 1);
}

static void expect_syntax(const char *text, int line, int col, const char *path, const char *msg)
{
    ss_json_syntax_error e;
    cr_expect_not(ss_json_check_syntax(text, strlen(text), &e), "%s accepted", text);
    cr_expect_eq(e.pos.line, line, "%s: line", text);
    cr_expect_eq(e.pos.col, col, "%s: col", text);
    if (path) cr_expect_str_eq(e.path, path, "%s: path", text);
    cr_expect(strstr(e.message, msg), "%s: message '%s' lacks '%s'", text, e.message, msg);
}

Test(json_locate, syntax_errors_are_located)
{
    cr_expect(ss_json_check_syntax("{\"a\": [1, -2.5e3, \"x\\n\", true, null]}", 37, NULL));
    expect_syntax("{\"a\": [1, 2,]}", 1, 12, "a[1]", "no trailing comma");
    expect_syntax("{\"a\": 1,}", 1, 8, "a", "no trailing comma");
    expect_syntax("{\"a\": \"abc\n\"}", 1, 7, "a", "string not closed");
    expect_syntax("{\"a\": NaN}", 1, 7, "a", "NaN and Infinity are not JSON numbers");
    expect_syntax("{\"a\": 012}", 1, 7, "a", "leading zeros");
    expect_syntax("{\"a\": 1.}", 1, 9, "a", "digit after the decimal point");
    expect_syntax("{\"a\": 'x'}", 1, 7, "a", "double quotes");
    expect_syntax("{\"a\": 1 // c\n}", 1, 9, "a", "expected ',' or '}'");
    expect_syntax("{\"a\" 1}", 1, 6, "a", "expected ':' after the key");
    expect_syntax("{\"a\": \"\\q\"}", 1, 8, "a", "invalid escape");
    expect_syntax("{\"a\": \"\\ud800\"}", 1, 8, "a", "invalid \\u escape");
    expect_syntax("{\"a\": 1} x", 1, 10, "", "expected the end of the file");
    expect_syntax("  \n ", 2, 2, "", "empty file");
    expect_syntax("{\"a\": {\"b\": [1, {\"c\": tru}]}}", 1, 23, "a.b[1].c", "found 'tru'");
    char deep[300];
    memset(deep, '[', 200);
    deep[200] = '\0';
    expect_syntax(deep, 1, SS_JSON_MAX_DEPTH + 1, NULL, "nested");
}

Test(diag, format_and_limits)
{
    ss_diag_list dl;
    ss_diag_list_init(&dl);
    ss_diag_add(&dl, SS_DIAG_ERROR, "case6.json", 12, 15, "deformity.cobb_deg", "expected %s, found %s",
                "a number from 0 to 120", "\"big\"");
    ss_diag_add(&dl, SS_DIAG_WARNING, "a.json", 1, 2, "task", "w");
    char line[1200];
    ss_diag_format(&dl.items[0], line, sizeof line);
    cr_expect_str_eq(line, "case6.json:12:15: deformity.cobb_deg: expected a number from 0 to 120, found \"big\"");
    ss_diag_format(&dl.items[1], line, sizeof line);
    cr_expect_str_eq(line, "a.json:1:2: task: warning: w");
    for (int i = 0; i < SS_DIAG_LIST_MAX + 5; i++) ss_diag_add(&dl, SS_DIAG_ERROR, "f", 1, 1, "p", "e%d", i);
    cr_expect_eq(dl.count, SS_DIAG_LIST_MAX, "kept at most SS_DIAG_LIST_MAX");
    cr_expect_eq(dl.dropped, 7, "the rest counted");
    cr_expect_eq(dl.errors, SS_DIAG_LIST_MAX + 6, "every error counted");
    ss_diag_list_free(&dl);
}

/* Every prefix of a shipped file, and the file with one byte replaced at each position:
 * the validator must never crash (run under ASan in CI), must fail exactly when it
 * reports an error, and must give every error a position or a file-level reason. */
Test(scenario, truncated_and_mutated_files_are_rejected_cleanly)
{
    const char *path = ts_source_path("scenarios/wei2023-case6.json");
    FILE *f = fopen(path, "rb");
    cr_assert(f);
    static char text[65536], work[65536];
    size_t n = fread(text, 1, sizeof text, f);
    fclose(f);
    const char subst[] = {'"', '}', ']', ',', '1', 'x', '\\', '\n'};
    int rejected = 0, runs = 0;
    for (size_t k = 0; k < n; k += 3) {
        for (int m = 0; m < 2; m++) {
            size_t len = n;
            memcpy(work, text, n);
            if (m == 0) len = k; /* a prefix */
            else work[k] = subst[k % sizeof subst];
            ss_scenario s;
            ss_diag_list dl;
            ss_diag_list_init(&dl);
            ss_status st = ss_scenario_parse(work, len, "m.json", &s, &dl);
            runs++;
            cr_expect_eq(st != SS_OK, dl.errors > 0, "status agrees with the error count (k=%zu m=%d)", k, m);
            if (st != SS_OK) {
                rejected++;
                for (int i = 0; i < dl.count; i++)
                    cr_expect(dl.items[i].line >= 1, "every error in text has a line (k=%zu m=%d): %s", k, m,
                              dl.items[i].message);
            }
            ss_scenario_free(&s);
            ss_diag_list_free(&dl);
        }
    }
    /* every proper prefix is incomplete JSON: at least those are rejected */
    cr_expect(rejected >= runs / 2, "%d of %d rejected", rejected, runs);
}

/* test_exam.c: exam files: a valid one read whole, every problem of a bad one reported
 * at its line and column with its JSON path, exam detection, and the pass rules. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include <cjson/cJSON.h>

#include "exam.h"
#include "scenario.h"
#include "variants.h"
#include "paths.h"
#include "test_support.h"

Test(exam, shipped_example_is_valid_and_resolves_its_cases)
{
    ss_exam e;
    ss_diag_list dl;
    ss_diag_list_init(&dl);
    cr_assert_eq(ss_exam_load(ts_source_path("scenarios/exams/credential-a.json"), &e, &dl), SS_OK, "%s",
                 ss_error_message());
    cr_expect_eq(dl.count, 0);
    cr_expect_str_eq(e.id, "lp-credential-a");
    cr_expect_eq(e.ncases, 3);
    cr_expect_eq(e.rule, SS_EXAM_PASS_K_OF_N);
    cr_expect_eq(e.pass_k, 2);
    cr_expect_eq(e.cases[0].time_limit_s, 1200.0, "the exam's limit when the case names none");
    cr_expect_eq(e.cases[1].time_limit_s, 1500.0, "the case's own");
    cr_expect(strstr(e.cases[2].scenario, "scenarios/exams/../wei2023-case6.json"), "relative to the exam file: %s",
              e.cases[2].scenario);
    cr_expect(ss_exam_file_is_exam(ts_source_path("scenarios/exams/credential-a.json")));
    cr_expect(!ss_exam_file_is_exam(ts_source_path("scenarios/normal-adult.json")), "a scenario is not an exam");
    ss_diag_list_free(&dl);
}

static const ss_diag *diag_at(const ss_diag_list *dl, const char *path)
{
    for (int i = 0; i < dl->count; i++)
        if (!strcmp(dl->items[i].path, path)) return &dl->items[i];
    return NULL;
}

Test(exam, bad_file_gets_every_error_with_its_position)
{
    const char *dir = ts_tempdir("exam");
    char path[512], text[2048], plain[512];
    snprintf(path, sizeof path, "%s/bad.json", dir);
    /* a valid scenario without a variants section */
    snprintf(plain, sizeof plain, "%s/plain.json", dir);
    char *src;
    cr_assert_eq(ss_file_read(ts_source_path("scenarios/normal-adult.json"), 1 << 20, &src, NULL), SS_OK);
    cJSON *j = cJSON_Parse(src);
    free(src);
    cJSON_DeleteItemFromObject(j, "variants");
    char *out = cJSON_Print(j);
    cr_assert_eq(ts_write_file(plain, out), 0);
    free(out);
    cJSON_Delete(j);
    /* line numbers below are those of this text */
    snprintf(text, sizeof text,
             "{\n"
             "  \"exam\": {\n"
             "    \"id\": \"bad id\",\n"
             "    \"pass_rule\": \"most\",\n"
             "    \"cases\": [\n"
             "      \"missing.json\",\n"
             "      {\"scenario\": \"%s\", \"variant_seed\": 1.5, \"colour\": 3},\n"
             "      {\"scenario\": \"%s\", \"time_limit_s\": 5},\n"
             "      {\"scenario\": \"%s\", \"variant_seed\": 3}\n"
             "    ]\n"
             "  }\n"
             "}\n",
             ts_source_path("scenarios/normal-adult.json"), ts_source_path("scenarios/normal-adult.json"),
             plain);
    cr_assert_eq(ts_write_file(path, text), 0);
    ss_exam e;
    ss_diag_list dl;
    ss_diag_list_init(&dl);
    cr_assert_eq(ss_exam_load(path, &e, &dl), SS_ERR_INVALID);
    const ss_diag *d;
    cr_assert_not_null(d = diag_at(&dl, "exam.id"));
    cr_expect(d->line == 3 && d->col == 11, "at the value: %d:%d", d->line, d->col);
    cr_expect(strstr(d->message, "found \"bad id\""), "%s", d->message);
    cr_assert_not_null(d = diag_at(&dl, "exam.title"));
    cr_expect(d->line == 2 && d->col == 11, "a missing field at its object's brace: %d:%d", d->line, d->col);
    cr_expect(strstr(d->message, "missing required field"), "%s", d->message);
    cr_assert_not_null(d = diag_at(&dl, "exam.pass_rule"));
    cr_expect(d->line == 4 && strstr(d->message, "expected \"all\" or \"k_of_n\", found \"most\""), "%d %s", d->line,
              d->message);
    cr_assert_not_null(d = diag_at(&dl, "exam.cases[0]"));
    cr_expect(d->line == 6 && d->col == 7 && strstr(d->message, "scenario file not found"), "%d:%d %s", d->line, d->col,
              d->message);
    cr_assert_not_null(d = diag_at(&dl, "exam.cases[1].variant_seed"));
    cr_expect(d->line == 7 && strstr(d->message, "whole number"), "%s", d->message);
    cr_assert_not_null(d = diag_at(&dl, "exam.cases[1].colour"));
    cr_expect(d->line == 7 && strstr(d->message, "unknown field 'colour'"), "%s", d->message);
    cr_assert_not_null(d = diag_at(&dl, "exam.cases[2].time_limit_s"));
    cr_expect(d->line == 8 && strstr(d->message, "from 60 to 7200, found 5"), "%s", d->message);
    cr_assert_not_null(d = diag_at(&dl, "exam.cases[3].variant_seed"));
    cr_expect(d->line == 9 && strstr(d->message, "has no variants section"), "%s", d->message);
    /* id, title, pass_rule, cases[0], cases[1] seed and colour, cases[2] limit, cases[3] seed */
    cr_expect_eq(dl.errors, 8, "eight problems, each reported once (%d)", dl.errors);
    for (int i = 1; i < dl.count; i++)
        cr_expect(dl.items[i - 1].line <= dl.items[i].line, "in reading order");
    ss_diag_list_free(&dl);

    ss_diag_list_init(&dl);
    cr_expect_eq(ss_exam_parse("{\"exam\": {\"id\": \"x\",,}}", 23, "t.json", &e, &dl), SS_ERR_PARSE);
    cr_assert_eq(dl.count, 1);
    cr_expect(dl.items[0].line == 1 && dl.items[0].col == 21, "the stray comma: %d:%d", dl.items[0].line,
              dl.items[0].col);
    ss_diag_list_free(&dl);
    ts_rmtree(dir);
}

Test(exam, pass_rules)
{
    ss_exam e;
    memset(&e, 0, sizeof e);
    e.ncases = 3;
    bool r[3] = {true, false, true};
    int n;
    e.rule = SS_EXAM_PASS_ALL;
    cr_expect(!ss_exam_passed(&e, r, &n), "all: one failed case fails the exam");
    cr_expect_eq(n, 2);
    e.rule = SS_EXAM_PASS_K_OF_N;
    e.pass_k = 2;
    cr_expect(ss_exam_passed(&e, r, NULL), "2 of 3 passed");
    e.pass_k = 3;
    cr_expect(!ss_exam_passed(&e, r, NULL));
}

/* A variant case runs variant 1 of its seed, written byte for byte as `sonospine
 * variants` writes it; an identical file is reused, a different one is never overwritten
 * (an earlier attempt's log may name it). */
Test(exam, variant_case_writes_the_seeded_variant_once)
{
    const char *dir = ts_tempdir("exam_variant");
    char exam_path[512], text[1024];
    snprintf(exam_path, sizeof exam_path, "%s/exam.json", dir);
    snprintf(text, sizeof text,
             "{\"exam\": {\"id\": \"v\", \"title\": \"variants\", \"pass_rule\": \"all\", \"cases\": ["
             "\"%s\", {\"scenario\": \"%s\", \"variant_seed\": 7}]}}",
             ts_source_path("scenarios/wei2023-case6.json"), ts_source_path("scenarios/normal-adult.json"));
    cr_assert_eq(ts_write_file(exam_path, text), 0);
    ss_exam e;
    cr_assert_eq(ss_exam_load(exam_path, &e, NULL), SS_OK, "%s", ss_error_message());
    char out[2048];
    /* a plain case: its own scenario, nothing written */
    cr_assert_eq(ss_exam_case_scenario(&e, 0, dir, out, sizeof out), SS_OK, "%s", ss_error_message());
    cr_expect_str_eq(out, e.cases[0].scenario);
    /* the variant case */
    cr_assert_eq(ss_exam_case_scenario(&e, 1, dir, out, sizeof out), SS_OK, "%s", ss_error_message());
    char want_path[1024];
    snprintf(want_path, sizeof want_path, "%s/normal-adult-s7-v1.json", dir);
    cr_assert_str_eq(out, want_path);
    ss_scenario base;
    cr_assert_eq(ss_scenario_load(e.cases[1].scenario, &base, NULL), SS_OK);
    ss_variant_result vr;
    cr_assert_eq(ss_variant_make(&base, 7, 1, &vr), SS_OK);
    char *have;
    size_t n;
    cr_assert_eq(ss_file_read(out, 1 << 20, &have, &n), SS_OK);
    cr_expect_eq(n, strlen(vr.json) + 1, "the variant's text and a newline");
    cr_expect(n == strlen(vr.json) + 1 && !memcmp(have, vr.json, n - 1) && have[n - 1] == '\n');
    free(have);
    ss_scenario sc;
    cr_expect_eq(ss_scenario_load(out, &sc, NULL), SS_OK, "the written variant is a valid scenario: %s",
                 ss_error_message());
    cr_expect_str_eq(sc.id, "normal-adult-s7-v1");
    ss_scenario_free(&sc);
    /* again: the identical file is reused */
    cr_expect_eq(ss_exam_case_scenario(&e, 1, dir, out, sizeof out), SS_OK, "%s", ss_error_message());
    /* a changed file is refused, and kept */
    cr_assert_eq(ts_write_file(want_path, "{\"changed\": true}\n"), 0);
    cr_expect_eq(ss_exam_case_scenario(&e, 1, dir, out, sizeof out), SS_ERR_IO);
    cr_expect(strstr(ss_error_message(), "not overwriting"), "%s", ss_error_message());
    cr_assert_eq(ss_file_read(want_path, 1 << 20, &have, &n), SS_OK);
    cr_expect_str_eq(have, "{\"changed\": true}\n");
    free(have);
    ss_variant_result_free(&vr);
    ss_scenario_free(&base);
    ts_rmtree(dir);
}

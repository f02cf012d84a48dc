/* test_cli_rubric_check.c: `sonospine rubric-check` as an instructor runs it: exit 0 and
 * "OK" when the rubric separates the attempt library's experts from its novices, the
 * same figures as JSON, exit 1 naming what does not separate, exit 2 for a library or
 * scenario it cannot use. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "test_support.h"

static ts_run_result r;

Test(cli_rubric_check, the_default_rubric_separates_the_shipped_library, .timeout = 600)
{
    const char *a[] = {"rubric-check", ts_source_path("scenarios/wei2023-case6.json"), NULL};
    cr_assert_eq(ts_run_sonospine(&r, a), 0, "stdout: %s\nstderr: %s", r.out, r.err);
    cr_expect(strstr(r.out, "the default rubric"), "%s", r.out);
    cr_expect(strstr(r.out, "tip_visible_pct") && strstr(r.out, "tissue_damage_mm2"), "a row per measure: %s", r.out);
    cr_expect(strstr(r.out, "OK: the rubric separates experts from novices"), "%s", r.out);
    const char *j[] = {"rubric-check", ts_source_path("scenarios/wei2023-case6.json"), "--json", NULL};
    cr_assert_eq(ts_run_sonospine(&r, j), 0, "%s", r.err);
    cJSON *o = cJSON_Parse(r.out);
    cr_assert_not_null(o, "JSON: %s", r.out);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(o, "ok")));
    cJSON *sc = cJSON_GetObjectItem(o, "scores");
    cr_expect_geq(cJSON_GetObjectItem(sc, "experts")->valueint + cJSON_GetObjectItem(sc, "novices")->valueint, 20);
    cr_expect_eq(cJSON_GetObjectItem(sc, "novices_passing")->valueint, 0);
    cJSON_Delete(o);
}

Test(cli_rubric_check, an_outcome_only_rubric_exits_1)
{
    /* a small library: the expert and the redirecting novice on the normal adult, and a
     * rubric that looks at the outcome only: the novice scores 100 too */
    const char *dir = ts_tempdir("rubric_check");
    char lib[512], path[640], src[640], scen[640], text[2048];
    snprintf(lib, sizeof lib, "%s/lib", dir);
    cr_assert_eq(mkdir(lib, 0700), 0);
    for (int k = 0; k < 2; k++) {
        const char *name = k ? "novice-redirections.txt" : "expert-normal-adult.txt";
        snprintf(src, sizeof src, "tests/data/attempts/%s", name);
        FILE *f = fopen(ts_source_path(src), "rb");
        cr_assert_not_null(f);
        size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[n] = '\0';
        snprintf(path, sizeof path, "%s/%s", lib, name);
        cr_assert_eq(ts_write_file(path, text), 0, "%s", path);
    }
    snprintf(scen, sizeof scen, "%s/outcome-only.json", dir);
    FILE *f = fopen(ts_source_path("scenarios/normal-adult.json"), "rb");
    static char json[65536];
    size_t n = fread(json, 1, sizeof json - 1, f);
    fclose(f);
    json[n] = '\0';
    char *aids = strstr(json, "\n  \"aids\"");
    cr_assert_not_null(aids);
    static char out[70000];
    snprintf(out, sizeof out,
             "%.*s\n  \"rubric\": {\"pass_mark\": 70, \"metrics\": ["
             "{\"metric\": \"success\", \"threshold\": 1, \"weight\": 40, \"direction\": \"max\"},"
             "{\"metric\": \"insertions\", \"threshold\": 2, \"weight\": 25, \"direction\": \"min\"},"
             "{\"metric\": \"bone_contacts\", \"threshold\": 3, \"weight\": 15, \"direction\": \"min\"},"
             "{\"metric\": \"puncture_time_s\", \"threshold\": 300, \"weight\": 20, \"direction\": \"min\"}]},%s",
             (int)(aids - json), json, aids);
    cr_assert_eq(ts_write_file(scen, out), 0);
    const char *a[] = {"rubric-check", scen, "--library", lib, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a), 1, "stdout: %s\nstderr: %s", r.out, r.err);
    cr_expect(strstr(r.out, "NOT SEPARATING"), "%s", r.out);
    cr_expect(strstr(r.out, "the score separates (every expert above every novice): no"), "%s", r.out);
    cr_expect(strstr(r.out, "novice-redirections") && strstr(r.out, "100.0  pass"), "%s", r.out);
    ts_rmtree(dir);
}

Test(cli_rubric_check, bad_input_exits_2)
{
    const char *dir = ts_tempdir("rubric_check_bad");
    char path[512];
    snprintf(path, sizeof path, "%s/no-header.txt", dir);
    cr_assert_eq(ts_write_file(path, "0 probe.view L3-L4 near-spinous right\n1 end\n"), 0);
    const char *a[] = {"rubric-check", ts_source_path("scenarios/normal-adult.json"), "--library", dir, NULL};
    cr_expect_eq(ts_run_sonospine(&r, a), 2, "%s", r.err);
    cr_expect(strstr(r.err, "no-header.txt") && strstr(r.err, "# group: expert|novice"), "%s", r.err);
    const char *b[] = {"rubric-check", ts_source_path("scenarios/normal-adult.json"), "--library", "/nonexistent",
                       NULL};
    cr_expect_eq(ts_run_sonospine(&r, b), 2);
    cr_expect(strstr(r.err, "/nonexistent"), "%s", r.err);
    const char *c[] = {"rubric-check", NULL};
    cr_expect_eq(ts_run_sonospine(&r, c), 2);
    ts_rmtree(dir);
}

/* test_cli_xray.c: `sonospine xray SCENARIO --projection ap|lateral -o OUT.png` (issue 24's
 * contract): writes the radiograph and says its size and scale; bad usage is exit 2,
 * naming what was expected. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "paths.h"
#include "test_support.h"

static ts_run_result r;

Test(cli_xray, writes_both_projections_and_refuses_bad_usage, .timeout = 120)
{
    const char *dir = ts_tempdir("cli_xray");
    char ap[512], lat[512];
    snprintf(ap, sizeof ap, "%s/ap.png", dir);
    snprintf(lat, sizeof lat, "%s/lat.png", dir);
    const char *a[] = {"xray", ts_source_path("scenarios/wei2023-case4.json"), "--projection", "ap", "-o", ap, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a), 0, "%s %s", r.out, r.err);
    cr_expect(strstr(r.out, "anteroposterior radiograph of wei2023-case4") && strstr(r.out, "0.50 mm a pixel"), "%s",
              r.out);
    cr_expect(strstr(r.out, "surgical record: Posterior spinal fusion"), "the record beside the film: %s", r.out);
    const char *b[] = {"xray", ts_source_path("scenarios/wei2023-case4.json"), "--projection", "lateral", "-o", lat,
                       "--mm-per-px", "1", NULL};
    cr_assert_eq(ts_run_sonospine(&r, b), 0, "%s %s", r.out, r.err);
    cr_expect(strstr(r.out, "lateral radiograph") && strstr(r.out, "1.00 mm a pixel"), "%s", r.out);
    char *png = NULL;
    size_t n = 0;
    cr_assert_eq(ss_file_read(ap, 1 << 24, &png, &n), SS_OK);
    cr_expect(n > 1000 && !memcmp(png, "\x89PNG", 4), "a PNG file");
    free(png);

    const char *c[] = {"xray", ts_source_path("scenarios/normal-adult.json"), "--projection", "oblique", "-o", ap, NULL};
    cr_expect_eq(ts_run_sonospine(&r, c), 2);
    cr_expect(strstr(r.err, "--projection") && strstr(r.err, "ap|lateral"), "%s", r.err);
    const char *d[] = {"xray", ts_source_path("scenarios/normal-adult.json"), "--projection", "ap", NULL};
    cr_expect_eq(ts_run_sonospine(&r, d), 2);
    cr_expect(strstr(r.err, "-o OUT.png"), "%s", r.err);
    const char *e[] = {"xray", ts_source_path("scenarios/normal-adult.json"), "-o", ap, NULL};
    cr_expect_eq(ts_run_sonospine(&r, e), 2);
    cr_expect(strstr(r.err, "--projection ap"), "%s", r.err);
    const char *f[] = {"xray", "/nonexistent/s.json", "--projection", "ap", "-o", ap, NULL};
    cr_expect_eq(ts_run_sonospine(&r, f), 2);
    cr_expect(strstr(r.err, "/nonexistent/s.json"), "%s", r.err);
    ts_rmtree(dir);
}

/* The stage's commands in a run: --metrics-json gains `preparation` with the contract's
 * keys, the run prints the feedback naming skipped items, and the log replays. */
Test(cli_xray, a_run_with_the_preparation_stage, .timeout = 120)
{
    const char *dir = ts_tempdir("cli_prep");
    char script[512], log[512], metrics[512];
    snprintf(script, sizeof script, "%s/s.txt", dir);
    snprintf(log, sizeof log, "%s/a.jsonl", dir);
    snprintf(metrics, sizeof metrics, "%s/m.json", dir);
    cr_assert_eq(ts_write_file(script, "0 xray.cobb 30\n0 xray.nash-moe II\n0 level.choose L3-L4\n0 check consent\n"
                                       "0 check position\n1 probe.view L3-L4 near-spinous right\n4 end\n"),
                 0);
    const char *a[] = {"run", ts_source_path("scenarios/wei2023-case2.json"), "--headless", "--quiet", "--script",
                       script, "--log", log, "--metrics-json", metrics, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a), 0, "%s %s", r.out, r.err);
    cr_expect(strstr(r.out, "Preparation: ") && strstr(r.out, "L3-L4 chosen: right") &&
                  strstr(r.out, "checklist skipped: coagulation, infection, allergy"),
              "%s", r.out);
    cJSON *m = ts_read_json(metrics);
    cJSON *p = cJSON_GetObjectItem(m, "preparation");
    cr_assert(cJSON_IsObject(p), "metrics has preparation");
    cr_expect(cJSON_IsNumber(cJSON_GetObjectItem(p, "cobb_error_deg")));
    cr_expect(cJSON_IsNumber(cJSON_GetObjectItem(p, "nash_moe_error")));
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(p, "level_choice_ok")));
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(p, "checklist_missed")), 6);
    cr_expect(cJSON_IsObject(cJSON_GetObjectItem(m, "followup")), "the 72-hour follow-up is in the metrics");
    cJSON_Delete(m);
    const char *rp[] = {"replay", log, NULL};
    cr_expect_eq(ts_run_sonospine(&r, rp), 0, "%s %s", r.out, r.err);
    /* and the report shows the stage */
    char html[600];
    snprintf(html, sizeof html, "%s/r.html", dir);
    const char *rep[] = {"report", log, "-o", html, "--frames", "0", NULL};
    cr_expect_eq(ts_run_sonospine(&r, rep), 0, "%s %s", r.out, r.err);
    char *page = NULL;
    cr_assert_eq(ss_file_read(html, 1 << 24, &page, NULL), SS_OK);
    cr_expect(strstr(page, "Preparation") && strstr(page, "checklist skipped: coagulation"), "the report's stage");
    free(page);
    ts_rmtree(dir);
}

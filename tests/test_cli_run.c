/* test_cli_run.c: the trainer headless end to end through the command line: expert
 * demonstration and scripted attempts write a log that verifies and replays exactly,
 * metrics with every DESIGN.md key, and a B-mode screenshot. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "paths.h"
#include "test_support.h"

static ts_run_result r;

static cJSON *read_json(const char *path)
{
    cJSON *j = ts_read_json(path);
    cr_assert_not_null(j, "%s is missing or not JSON", path);
    return j;
}

Test(cli_run, case6_expert_demo_reaches_csf_at_l4_l5_and_replays)
{
    const char *dir = ts_tempdir("run");
    char log[512], metrics[512], shot[512], replayed[512];
    snprintf(log, sizeof log, "%s/a.jsonl", dir);
    snprintf(metrics, sizeof metrics, "%s/m.json", dir);
    snprintf(shot, sizeof shot, "%s/s.png", dir);
    snprintf(replayed, sizeof replayed, "%s/r.json", dir);
    const char *args[] = {"run", ts_source_path("scenarios/wei2023-case6.json"), "--headless", "--trainee", "t1",
                          "--log", log, "--metrics-json", metrics, "--screenshot", shot, NULL};
    cr_assert_eq(ts_run_sonospine(&r, args), 0, "stderr: %s", r.err);
    cJSON *m = read_json(metrics);
    /* Every key DESIGN.md promises, with its type. */
    const char *bools[] = {"success", "ct_called", "protocol_followed", "pass"};
    const char *nums[] = {"insertions", "interspaces_tried", "redirections", "operation_time_s", "puncture_time_s",
                          "bone_contacts", "nerve_contacts", "vessel_punctures", "dural_punctures",
                          "tip_visible_pct", "path_in_tissue_mm", "tissue_damage_mm2", "score"};
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++)
        cr_expect(cJSON_IsBool(cJSON_GetObjectItem(m, bools[i])), "%s is not a bool", bools[i]);
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        cr_expect(cJSON_IsNumber(cJSON_GetObjectItem(m, nums[i])), "%s is not a number", nums[i]);
    cr_expect(cJSON_IsString(cJSON_GetObjectItem(m, "level")));
    cr_expect(cJSON_IsString(cJSON_GetObjectItem(m, "view")));
    /* The paper: case 6 succeeded at L4-L5 through the near-spinous view. */
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(m, "success")));
    cr_assert_str_eq(cJSON_GetObjectItem(m, "level")->valuestring, "L4-L5");
    cr_assert_str_eq(cJSON_GetObjectItem(m, "view")->valuestring, "near-spinous");
    cr_assert_eq(cJSON_GetObjectItem(m, "insertions")->valueint, 1);
    cr_assert_eq(cJSON_GetObjectItem(m, "bone_contacts")->valueint, 0);
    cr_assert(ss_file_exists(shot), "screenshot written");

    const char *v[] = {"verify", log, "--key", ts_station_pub(), NULL};
    cr_assert_eq(ts_run_sonospine(&r, v), 0, "%s", r.out);
    const char *rp[] = {"replay", log, "--metrics-json", replayed, NULL};
    cr_assert_eq(ts_run_sonospine(&r, rp), 0, "%s %s", r.out, r.err);
    cr_assert(strstr(r.out, "REPRODUCED"), "%s", r.out);
    cJSON *m2 = read_json(replayed);
    cr_assert(cJSON_Compare(cJSON_GetObjectItem(m, "puncture_time_s"), cJSON_GetObjectItem(m2, "puncture_time_s"), 1));
    cr_assert(cJSON_Compare(cJSON_GetObjectItem(m, "score"), cJSON_GetObjectItem(m2, "score"), 1));
    cJSON_Delete(m);
    cJSON_Delete(m2);
    ts_rmtree(dir);
}

Test(cli_run, scripted_novice_hits_bone_and_fails)
{
    const char *dir = ts_tempdir("novice");
    char script[512], metrics[512];
    snprintf(script, sizeof script, "%s/novice.txt", dir);
    snprintf(metrics, sizeof metrics, "%s/m.json", dir);
    /* Straight down from the frame at its steepest allowed angle with the probe centred
     * on the spinous processes: the needle meets the lamina. Then gives up. */
    cr_assert_eq(ts_write_file(script, "0 probe.view L3-L4 spinous right\n"
                                       "5 guide.attach 10\n"
                                       "6 needle.enter\n"
                                       "7 needle.advance 80 5\n"
                                       "30 needle.remove\n"
                                       "31 end\n"),
                 0);
    const char *args[] = {"run", ts_source_path("scenarios/normal-adult.json"), "--headless", "--script", script,
                          "--metrics-json", metrics, NULL};
    cr_assert_eq(ts_run_sonospine(&r, args), 0, "stderr: %s", r.err);
    cJSON *m = read_json(metrics);
    cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(m, "success")));
    cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(m, "pass")));
    cr_assert_eq(cJSON_GetObjectItem(m, "insertions")->valueint, 1);
    cr_assert_geq(cJSON_GetObjectItem(m, "bone_contacts")->valueint, 1, "%s", r.out);
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(m, "puncture_time_s")));
    cJSON_Delete(m);
    ts_rmtree(dir);
}

Test(cli_run, bad_inputs_are_exit_2_with_the_reason)
{
    const char *a1[] = {"run", "/nonexistent/case.json", "--headless", NULL};
    cr_assert_eq(ts_run_sonospine(&r, a1), 2);
    cr_assert(strstr(r.err, "/nonexistent/case.json"), "%s", r.err);
    const char *dir = ts_tempdir("badscript");
    char script[512];
    snprintf(script, sizeof script, "%s/s.txt", dir);
    ts_write_file(script, "0 probe.view L9-L10 near-spinous\n");
    const char *a2[] = {"run", ts_source_path("scenarios/normal-adult.json"), "--headless", "--script", script, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a2), 2);
    cr_assert(strstr(r.err, ":1: probe.view: unknown level 'L9-L10'"), "%s", r.err);
    const char *a3[] = {"run", "--mode", "final", NULL};
    cr_assert_eq(ts_run_sonospine(&r, a3), 2);
    cr_assert(strstr(r.err, "--mode: expected one of practice|exam|landmark, got 'final'"), "%s", r.err);
    ts_rmtree(dir);
}

Test(cli_render, near_spinous_png_and_envelope_with_sidecar)
{
    const char *dir = ts_tempdir("render");
    char png[512], env[512], side[600];
    snprintf(png, sizeof png, "%s/ns.png", dir);
    snprintf(env, sizeof env, "%s/ns.f32", dir);
    snprintf(side, sizeof side, "%s.json", env);
    const char *args[] = {"render", ts_source_path("scenarios/normal-adult.json"), "--level", "L4-L5", "--view",
                          "near-spinous", "--lines", "64", "--samples", "256", "-o", png, "--envelope", env, NULL};
    cr_assert_eq(ts_run_sonospine(&r, args), 0, "stderr: %s", r.err);
    cr_assert(ss_file_exists(png));
    cJSON *j = read_json(side);
    cr_assert_eq(cJSON_GetObjectItem(j, "lines")->valueint, 64);
    cr_assert_eq(cJSON_GetObjectItem(j, "samples")->valueint, 256);
    cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(j, "sample_spacing_mm")));
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "line_angles_deg")), 64);
    char *raw;
    size_t n;
    cr_assert_eq(ss_file_read(env, 1 << 24, &raw, &n), SS_OK);
    cr_assert_eq(n, (size_t)64 * 256 * 4, "float32 lines x samples");
    free(raw);
    cJSON_Delete(j);
    ts_rmtree(dir);
}

Test(cli_render, bad_level_and_missing_output_are_usage_errors)
{
    const char *a1[] = {"render", ts_source_path("scenarios/normal-adult.json"), "--level", "L6-L7", "--view",
                        "spinous", "-o", "/tmp/x.png", NULL};
    cr_assert_eq(ts_run_sonospine(&r, a1), 2);
    cr_assert(strstr(r.err, "--level: expected L1-L2"), "%s", r.err);
    const char *a2[] = {"render", ts_source_path("scenarios/normal-adult.json"), "--level", "L4-L5", "--view",
                        "spinous", NULL};
    cr_assert_eq(ts_run_sonospine(&r, a2), 2);
    cr_assert(strstr(r.err, "-o OUT.png is required"), "%s", r.err);
    const char *a3[] = {"render", "--phantom", "teapot", "-o", "/tmp/x.png", NULL};
    cr_assert_eq(ts_run_sonospine(&r, a3), 2);
    cr_assert(strstr(r.err, "unknown phantom 'teapot'"), "%s", r.err);
}

Test(cli_run, a_refused_command_is_reported_and_logged, .timeout = 120)
{
    /* issue 22: re-angling the frame with the tip 30 mm deep is refused (only while the
     * tip is shallow, 15 mm): the run names the line and why, and the log keeps a
     * "refused" record beside the input; verify and replay accept the log */
    const char *dir = ts_tempdir("refused");
    char script[512], log[512], *text;
    snprintf(script, sizeof script, "%s/s.txt", dir);
    snprintf(log, sizeof log, "%s/a.jsonl", dir);
    cr_assert_eq(ts_write_file(script, "0 probe.view L3-L4 near-spinous right\n1 guide.attach auto\n2 needle.enter\n"
                                       "3 needle.advance 30 10\n10 guide.attach 20\n"),
                 0);
    const char *args[] = {"run", ts_source_path("scenarios/normal-adult.json"), "--headless", "--script", script,
                          "--log", log, NULL};
    cr_assert_eq(ts_run_sonospine(&r, args), 0, "%s", r.err);
    cr_expect(strstr(r.out, "refused: line 5 (10.00 s, guide.attach): withdraw the needle to under the skin"), "%s",
              r.out);
    cr_assert_eq(ss_file_read(log, 1 << 22, &text, NULL), SS_OK);
    cr_expect(strstr(text, "\"type\":\"refused\"") && strstr(text, "\"op\":\"guide.attach\"") &&
                  strstr(text, "\"line\":5"),
              "the log keeps the refusal");
    free(text);
    const char *v[] = {"verify", log, "--key", ts_station_pub(), NULL};
    cr_expect_eq(ts_run_sonospine(&r, v), 0, "%s", r.out);
    const char *rp[] = {"replay", log, NULL};
    cr_expect_eq(ts_run_sonospine(&r, rp), 0, "%s", r.out);
    cr_expect(strstr(r.out, "REPRODUCED"), "%s", r.out);
    ts_rmtree(dir);
}

/* test_cli_forged_logs.c: issue 23's forgeries, as a candidate who wants a pass would try
 * them: edit the log, rebuild the SHA-256 chain (no secret needed for that), leave the
 * signature off. `replay` re-grades the attempt from the scenario and the inputs, so a
 * changed grade is caught (exit 1, naming it); a forged tick far in the future is bad
 * input (exit 2) at once instead of simulating for ever. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "session_log.h"
#include "test_support.h"

static ts_run_result r;

TestSuite(cli_forged_logs, .timeout = 180);

/* A failed attempt (the drug into the back muscles) recorded by the program. */
static void record(const char *dir, char *log, size_t n)
{
    char script[512];
    snprintf(script, sizeof script, "%s/s.txt", dir);
    snprintf(log, n, "%s/a.jsonl", dir);
    cr_assert_eq(ts_write_file(script, "0 probe.view L3-L4 near-spinous right\n1 guide.attach 37.6\n2 needle.enter\n"
                                       "3 needle.advance 35 2\n30 stylet.remove\n30 inject 5\n30 end\n"),
                 0);
    const char *a[] = {"run", ts_source_path("scenarios/normal-adult.json"), "--headless", "--quiet", "--script",
                       script, "--log", log, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a), 0, "%s %s", r.out, r.err);
    cr_assert(strstr(r.out, "FAIL: drug not in the CSF"), "a failed attempt: %s", r.out);
}

/* Rewrites a log through the writer, with edit() applied to each record's payload, and
 * seals it without a key: a consistent chain with no signature, what anyone can make. */
static void forge(const char *from, const char *to, void (*edit)(cJSON *rec))
{
    ss_log_check chk;
    cJSON *recs;
    cr_assert_eq(ss_log_read(from, &chk, &recs), SS_OK, "%s", ss_error_message());
    ss_log_writer *w;
    cr_assert_eq(ss_log_create(to, &w), SS_OK, "%s", ss_error_message());
    const cJSON *rec;
    cJSON_ArrayForEach(rec, recs)
    {
        const cJSON *type = cJSON_GetObjectItem(rec, "type");
        if (cJSON_IsString(type) && (!strcmp(type->valuestring, "seal") || !strcmp(type->valuestring, "signature")))
            continue;
        cJSON *p = cJSON_Duplicate(rec, 1);
        cJSON_DeleteItemFromObject(p, "seq");
        cJSON_DeleteItemFromObject(p, "prev");
        cJSON_DeleteItemFromObject(p, "hash");
        edit(p);
        cr_assert_eq(ss_log_append(w, p), SS_OK);
        cJSON_Delete(p);
    }
    cr_assert_eq(ss_log_close(w), SS_OK);
    cJSON_Delete(recs);
}

static void pass_the_grade(cJSON *rec)
{
    const cJSON *type = cJSON_GetObjectItem(rec, "type");
    if (!strcmp(type->valuestring, "grade")) {
        cJSON_ReplaceItemInObject(rec, "pass", cJSON_CreateTrue());
        cJSON_ReplaceItemInObject(rec, "score", cJSON_CreateNumber(920));
    }
}

static void far_future_tick(cJSON *rec)
{
    const cJSON *cmd = cJSON_GetObjectItem(rec, "cmd");
    if (cJSON_IsString(cmd) && !strcmp(cmd->valuestring, "stylet.remove"))
        cJSON_ReplaceItemInObject(rec, "tick", cJSON_CreateNumber(7364999999999999.0));
}

Test(cli_forged_logs, a_passed_grade_written_into_a_failed_attempt_is_caught)
{
    const char *dir = ts_tempdir("forged_grade");
    char log[512], forged[512];
    record(dir, log, sizeof log);
    const char *a[] = {"replay", log, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a), 0, "the real log reproduces: %s %s", r.out, r.err);
    snprintf(forged, sizeof forged, "%s/forged.jsonl", dir);
    forge(log, forged, pass_the_grade);
    const char *b[] = {"replay", forged, NULL};
    cr_expect_eq(ts_run_sonospine(&r, b), 1, "%s %s", r.out, r.err);
    cr_expect(strstr(r.out, "NOT REPRODUCED: grade"), "%s", r.out);
    cr_expect(strstr(r.out, "re-graded"), "%s", r.out);
    /* and no report is made from it (the real log still gets one) */
    char html[512];
    snprintf(html, sizeof html, "%s/r.html", dir);
    const char *c[] = {"report", forged, "-o", html, "--frames", "0", NULL};
    cr_expect_eq(ts_run_sonospine(&r, c), 1, "%s %s", r.out, r.err);
    cr_expect(strstr(r.err, "NOT REPRODUCED: grade"), "%s", r.err);
    const char *d[] = {"report", log, "-o", html, "--frames", "0", NULL};
    cr_expect_eq(ts_run_sonospine(&r, d), 0, "%s %s", r.out, r.err);
    cr_expect(strstr(r.out, "FAIL"), "%s", r.out);
    ts_rmtree(dir);
}

Test(cli_forged_logs, a_tick_far_in_the_future_is_bad_input_at_once)
{
    const char *dir = ts_tempdir("forged_tick");
    char log[512], forged[512];
    record(dir, log, sizeof log);
    snprintf(forged, sizeof forged, "%s/forged.jsonl", dir);
    forge(log, forged, far_future_tick);
    const char *a[] = {"replay", forged, NULL};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cr_expect_eq(ts_run_sonospine(&r, a), 2, "%s %s", r.out, r.err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    cr_expect(strstr(r.err, "past the longest attempt"), "%s", r.err);
    /* not a timing test: a bound far above any machine's time for a refusal, far below
       the hours a forged tick used to simulate */
    cr_expect_lt((double)(t1.tv_sec - t0.tv_sec), 50.0, "refused at once");
    ts_rmtree(dir);
}

/* test_cli_forged_logs.c: issue 23's forgeries, as a candidate who wants a pass would try
 * them: edit the log, rebuild the SHA-256 chain (no secret needed for that), leave the
 * signature off. `replay` re-grades the attempt from the scenario and the inputs, so a
 * changed grade is caught (exit 1, naming it); a forged tick far in the future is bad
 * input (exit 2) at once instead of simulating for ever. And key custody: the station's
 * signing service (`sonospine signer`, log_signer.h) signs a real attempt, which then
 * verifies as authentic with the service's key only; it refuses a forged log, an
 * unsealed one and one on a scenario it does not know; an exam does not start without
 * it unless --allow-unsigned-exam. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log_signer.h"
#include "paths.h"
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
    /* without its scenario nothing can be re-graded: the forged log's report shows no
       grade at all, never the logged pass */
    char nowhere[600];
    snprintf(nowhere, sizeof nowhere, "%s/no-such-scenario.json", dir);
    const char *e[] = {"report", forged, "-o", html, "--frames", "0", "--scenario", nowhere, NULL};
    cr_expect_eq(ts_run_sonospine(&r, e), 0, "%s %s", r.out, r.err);
    cr_expect(strstr(r.out, "not graded") && !strstr(r.out, "PASS"), "%s", r.out);
    cr_expect(strstr(r.err, "shows no grade"), "%s", r.err);
    char *page = NULL;
    cr_assert_eq(ss_file_read(html, 1 << 24, &page, NULL), SS_OK);
    cr_expect(strstr(page, "Not re-graded") && !strstr(page, ">PASS<"), "the page shows no logged grade");
    free(page);
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

/* Starts `sonospine signer` on dir/s.sock with its key in dir/k (station.pub beside it),
 * knowing the scenarios of scen; it serves `requests` requests and exits. */
static pid_t start_signer(const char *dir, const char *scen, int requests, char *sock, size_t n)
{
    char key[512], req[16], out[512];
    snprintf(sock, n, "%s/s.sock", dir);
    snprintf(key, sizeof key, "%s/k/signer.key", dir);
    snprintf(out, sizeof out, "%s/signer.out", dir);
    snprintf(req, sizeof req, "%d", requests);
    pid_t pid = fork();
    if (pid == 0) {
        FILE *f = freopen(out, "w", stdout);
        (void)f;
        execl(SONOSPINE_EXE, SONOSPINE_EXE, "signer", "--socket", sock, "--key", key, "--scenarios", scen,
              "--requests", req, (char *)NULL);
        _exit(127);
    }
    cr_assert_gt(pid, 0);
    for (int i = 0; i < 400; i++) { /* up to 20 s for the socket to appear */
        struct stat sb;
        if (stat(sock, &sb) == 0 && S_ISSOCK(sb.st_mode)) return pid;
        nanosleep(&(struct timespec){0, 50000000L}, NULL);
    }
    kill(pid, SIGKILL);
    cr_assert_fail("the signer did not start listening on %s", sock);
    return -1;
}

static void stop_signer(pid_t pid)
{
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

Test(cli_forged_logs, the_signing_service_signs_real_attempts_and_refuses_forgeries)
{
    const char *dir = ts_tempdir("signer");
    char sock[512], pub[512], log[512], forged[512], exam_log[512], script[512];
    pid_t pid = start_signer(dir, ts_source_path("scenarios"), 20, sock, sizeof sock);
    snprintf(pub, sizeof pub, "%s/k/station.pub", dir);
    char saved[1024];
    snprintf(saved, sizeof saved, "%s", getenv("SONOSPINE_SIGNER_SOCKET"));
    setenv("SONOSPINE_SIGNER_SOCKET", sock, 1);

    /* a real (failed) attempt: signed by the service, authentic with its key only */
    record(dir, log, sizeof log);
    const char *v1[] = {"verify", log, "--key", pub, NULL};
    cr_expect_eq(ts_run_sonospine(&r, v1), 0, "%s %s", r.out, r.err);
    cr_expect(strstr(r.out, "authentic"), "%s", r.out);
    const char *v2[] = {"verify", log, "--key", ts_station_pub(), NULL};
    cr_expect_eq(ts_run_sonospine(&r, v2), 1, "the trainee's own key did not sign it: %s", r.out);

    /* an exam runs with the service, and its log is authentic */
    snprintf(script, sizeof script, "%s/s.txt", dir);
    snprintf(exam_log, sizeof exam_log, "%s/exam.jsonl", dir);
    const char *ex2[] = {"run", ts_source_path("scenarios/normal-adult.json"), "--headless", "--quiet", "--mode", "exam",
                         "--trainee", "cand-1", "--script", script, "--log", exam_log, NULL};
    cr_expect_eq(ts_run_sonospine(&r, ex2), 0, "%s %s", r.out, r.err);
    const char *v3[] = {"verify", exam_log, "--key", pub, NULL};
    cr_expect_eq(ts_run_sonospine(&r, v3), 0, "%s %s", r.out, r.err);

    /* what a candidate can make without the key: a rebuilt chain, sealed, with a pass */
    snprintf(forged, sizeof forged, "%s/forged.jsonl", dir);
    forge(log, forged, pass_the_grade);
    char *text = NULL;
    size_t len = 0;
    ss_log_signature sig;
    cr_assert_eq(ss_file_read(forged, 1 << 24, &text, &len), SS_OK);
    cr_expect_eq(ss_signer_sign(sock, text, len, &sig), SS_ERR_INVALID, "a forged grade is refused");
    cr_expect(strstr(ss_error_message(), "not what its inputs give") && strstr(ss_error_message(), "grade"), "%s",
              ss_error_message());
    free(text);
    /* the real log, once signed, is not signed again */
    cr_assert_eq(ss_file_read(log, 1 << 24, &text, &len), SS_OK);
    cr_expect_eq(ss_signer_sign(sock, text, len, &sig), SS_ERR_INVALID);
    cr_expect(strstr(ss_error_message(), "signed already"), "%s", ss_error_message());
    /* nor an attempt cut before its seal */
    char *cut = strstr(text, "\"type\":\"metrics\"");
    cr_assert_not_null(cut);
    while (cut > text && cut[-1] != '\n') cut--;
    cr_expect_eq(ss_signer_sign(sock, text, (size_t)(cut - text), &sig), SS_ERR_INVALID);
    cr_expect(strstr(ss_error_message(), "not sealed"), "%s", ss_error_message());
    free(text);
    /* nor anything but a session log */
    cr_expect_eq(ss_signer_sign(sock, "hello\n", 6, &sig), SS_ERR_INVALID);

    /* a long attempt is checkpointed by the service as it runs (every 200 records): killed
       after its first checkpoint (the file cut there, plus part of a record), its first
       records are still authentic with the service's key */
    char long_script[512], long_log[512], cutlog[512];
    snprintf(long_script, sizeof long_script, "%s/long.txt", dir);
    snprintf(long_log, sizeof long_log, "%s/long.jsonl", dir);
    snprintf(cutlog, sizeof cutlog, "%s/cut.jsonl", dir);
    FILE *f = fopen(long_script, "w");
    cr_assert_not_null(f);
    fprintf(f, "0 probe.view L3-L4 near-spinous right\n");
    for (int i = 0; i < 260; i++) fprintf(f, "%.2f probe.move 0 %s0.1 0\n", 1.0 + 0.05 * i, i % 2 ? "-" : "");
    fprintf(f, "20 end\n");
    fclose(f);
    const char *lr[] = {"run", ts_source_path("scenarios/normal-adult.json"), "--headless", "--quiet", "--script",
                        long_script, "--log", long_log, NULL};
    cr_expect_eq(ts_run_sonospine(&r, lr), 0, "%s %s", r.out, r.err);
    cr_assert_eq(ss_file_read(long_log, 1 << 24, &text, &len), SS_OK);
    char *ck = strstr(text, "\"type\":\"checkpoint\"");
    cr_assert_not_null(ck, "a checkpoint in a log of over 200 records");
    char *after = strchr(ck, '\n');
    cr_assert_not_null(after);
    after = strchr(after + 1, '\n'); /* one more whole record */
    cr_assert_not_null(after);
    text[(after - text) + 20] = '\0'; /* and part of the next: killed mid-write */
    cr_assert_eq(ts_write_file(cutlog, text), 0);
    free(text);
    const char *vc[] = {"verify", cutlog, "--key", pub, NULL};
    cr_expect_eq(ts_run_sonospine(&r, vc), 1, "%s", r.out);
    cr_expect(strstr(r.out, "incomplete, authentic up to its last checkpoint: records 1-200"), "%s", r.out);
    const char *vn[] = {"verify", cutlog, NULL};
    cr_expect_eq(ts_run_sonospine(&r, vn), 1, "%s", r.out);
    cr_expect(strstr(r.out, "incomplete, unauthenticated"), "no trusted key, nothing authenticated: %s", r.out);

    setenv("SONOSPINE_SIGNER_SOCKET", saved, 1);
    stop_signer(pid);
    ts_rmtree(dir);
}

/* A service that does not know the scenario refuses: the session says so (exit 1) and the
 * log stays sealed but unsigned, unauthenticated. */
Test(cli_forged_logs, a_log_the_service_refuses_stays_unsigned)
{
    const char *dir = ts_tempdir("signer_unknown");
    char scen[512], sock[512], log[512], script[512], src[600];
    snprintf(scen, sizeof scen, "%s/scen", dir);
    cr_assert_eq(mkdir(scen, 0700), 0);
    snprintf(src, sizeof src, "%s/only.json", scen);
    char *t = NULL;
    size_t n = 0;
    cr_assert_eq(ss_file_read(ts_source_path("scenarios/obese-adult.json"), 1 << 20, &t, &n), SS_OK);
    cr_assert_eq(ts_write_file(src, t), 0);
    free(t);
    pid_t pid = start_signer(dir, scen, 5, sock, sizeof sock);
    char saved[1024];
    snprintf(saved, sizeof saved, "%s", getenv("SONOSPINE_SIGNER_SOCKET"));
    setenv("SONOSPINE_SIGNER_SOCKET", sock, 1);
    snprintf(script, sizeof script, "%s/s.txt", dir);
    snprintf(log, sizeof log, "%s/a.jsonl", dir);
    cr_assert_eq(ts_write_file(script, "0 probe.view L3-L4 near-spinous right\n5 end\n"), 0);
    const char *a[] = {"run", ts_source_path("scenarios/normal-adult.json"), "--headless", "--quiet", "--script",
                       script, "--log", log, NULL};
    cr_expect_eq(ts_run_sonospine(&r, a), 1, "%s %s", r.out, r.err);
    cr_expect(strstr(r.err, "refused to sign") && strstr(r.err, "not one this station's signer knows") &&
                  strstr(r.err, "sealed but unsigned"),
              "%s", r.err);
    const char *v[] = {"verify", log, NULL};
    cr_expect_eq(ts_run_sonospine(&r, v), 1, "%s", r.out);
    cr_expect(strstr(r.out, "incomplete, unauthenticated"), "%s", r.out);
    setenv("SONOSPINE_SIGNER_SOCKET", saved, 1);
    stop_signer(pid);
    ts_rmtree(dir);
}

/* Without the service an exam does not start (its log could not be authenticated), unless
 * --allow-unsigned-exam, which runs it as a demonstration. */
Test(cli_forged_logs, an_exam_needs_the_signing_service)
{
    const char *dir = ts_tempdir("signer_none");
    char log[512], script[512];
    snprintf(script, sizeof script, "%s/s.txt", dir);
    snprintf(log, sizeof log, "%s/a.jsonl", dir);
    cr_assert_eq(ts_write_file(script, "0 probe.view L3-L4 near-spinous right\n5 end\n"), 0);
    const char *a[] = {"run",   ts_source_path("scenarios/normal-adult.json"), "--headless", "--quiet", "--mode",
                       "exam",  "--trainee", "cand-2", "--script", script, "--log", log, NULL};
    cr_expect_eq(ts_run_sonospine(&r, a), 2, "%s %s", r.out, r.err);
    cr_expect(strstr(r.err, "an exam needs the station's signing service") && strstr(r.err, "--allow-unsigned-exam"),
              "%s", r.err);
    cr_expect(!ss_file_exists(log), "no attempt was started");
    const char *b[] = {"run",    ts_source_path("scenarios/normal-adult.json"), "--headless", "--quiet", "--mode",
                       "exam",   "--trainee", "cand-2", "--script", script, "--log", log, "--allow-unsigned-exam", NULL};
    cr_expect_eq(ts_run_sonospine(&r, b), 0, "%s %s", r.out, r.err);
    cr_expect(strstr(r.out, "will not be authentic"), "%s", r.out);
    const char *c[] = {"run", ts_source_path("scenarios/normal-adult.json"), "--headless", "--quiet", "--script",
                       script, "--allow-unsigned-exam", NULL};
    cr_expect_eq(ts_run_sonospine(&r, c), 2, "only for exams: %s", r.err);
    ts_rmtree(dir);
}

/* test_cli_report.c: report and history through the executable: attempts recorded by
 * run in a named results database, reports of a passing and a failing attempt, a
 * tampered log refused with exit 1, the history table in order and its plots. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "test_support.h"

static ts_run_result r;

Test(cli_report, run_report_history_and_tampering)
{
    const char *dir = ts_tempdir("clireport");
    char db[512], pass_log[512], fail_log[512], script[512], html[512], pdf[512], plots[512], bad[512], p[700];
    snprintf(db, sizeof db, "%s/results.sqlite3", dir);
    snprintf(pass_log, sizeof pass_log, "%s/pass.jsonl", dir);
    snprintf(fail_log, sizeof fail_log, "%s/fail.jsonl", dir);
    snprintf(script, sizeof script, "%s/novice.txt", dir);
    snprintf(html, sizeof html, "%s/fail.html", dir);
    snprintf(pdf, sizeof pdf, "%s/pass.pdf", dir);
    snprintf(plots, sizeof plots, "%s/plots", dir);
    snprintf(bad, sizeof bad, "%s/bad.jsonl", dir);
    cr_assert_eq(ts_write_file(script, "0 probe.view L3-L4 spinous right\n5 guide.attach 10\n6 needle.enter\n"
                                       "7 needle.advance 80 5\n30 needle.remove\n31 end\n"),
                 0);
    /* a failing attempt, then a passing one (the trainee's own: the expert demonstration
     * is never recorded as a trainee's attempt) */
    char good[512];
    snprintf(good, sizeof good, "%s/good.txt", dir);
    cr_assert_eq(ts_write_file(good, "0 probe.view L3-L4 near-spinous right\n0.5 guide.attach auto\n1 needle.enter\n"
                                       "1 needle.advance-until dura_pop 80 10\n1 needle.advance 1 2\n1 stylet.remove\n"
                                       "1 inject 5\n1 needle.remove\n"), 0);
    const char *a1[] = {"run", ts_source_path("scenarios/normal-adult.json"), "--headless", "--quiet", "--script",
                        script, "--log", fail_log, "--trainee", "cli-t1", "--results-db", db, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a1), 0, "%s", r.err);
    cr_expect(strstr(r.out, "results  "), "%s", r.out);
    const char *a2[] = {"run", ts_source_path("scenarios/normal-adult.json"), "--headless", "--quiet", "--script",
                        good, "--log", pass_log, "--trainee", "cli-t1", "--results-db", db, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a2), 0, "%s", r.err);

    const char *rp[] = {"report", pass_log, "-o", pdf, NULL};
    cr_assert_eq(ts_run_sonospine(&r, rp), 0, "%s", r.err);
    cr_expect(strstr(r.out, "PASS"), "%s", r.out);
    char *data;
    size_t n;
    cr_assert_eq(ss_file_read(pdf, 1 << 26, &data, &n), SS_OK);
    cr_expect(memcmp(data, "%PDF-", 5) == 0, "a PDF");
    free(data);
    const char *rf[] = {"report", fail_log, "-o", html, NULL};
    cr_assert_eq(ts_run_sonospine(&r, rf), 0, "%s", r.err);
    cr_assert_eq(ss_file_read(html, 1 << 26, &data, &n), SS_OK);
    cr_expect(strstr(data, "cli-t1") && strstr(data, ">FAIL<"), "trainee and result in the HTML");
    cr_expect(strstr(data, "Bone contact"), "the bone contact in the timeline and frames");
    free(data);

    /* tampered: one digit of a metric changed */
    cr_assert_eq(ss_file_read(pass_log, 1 << 24, &data, &n), SS_OK);
    char *m = strstr(data, "\"bone_contacts\":0");
    cr_assert_not_null(m);
    m[16] = '5';
    FILE *f = fopen(bad, "wb");
    fwrite(data, 1, n, f);
    fclose(f);
    free(data);
    snprintf(p, sizeof p, "%s/bad.html", dir);
    const char *rb[] = {"report", bad, "-o", p, NULL};
    cr_expect_eq(ts_run_sonospine(&r, rb), 1, "a tampered log gets no report: exit 1");
    cr_expect(strstr(r.err, "TAMPERED at line"), "%s", r.err);
    cr_expect(!ss_file_exists(p), "and no file");

    /* usage errors */
    const char *u1[] = {"report", pass_log, NULL};
    cr_expect_eq(ts_run_sonospine(&r, u1), 2);
    cr_expect(strstr(r.err, "-o OUT.html or -o OUT.pdf is required"), "%s", r.err);
    const char *u2[] = {"report", pass_log, "-o", "/tmp/x.txt", NULL};
    cr_expect_eq(ts_run_sonospine(&r, u2), 2);

    /* history: both attempts, oldest first, and the plots */
    const char *h[] = {"history", "--trainee", "cli-t1", "--results-db", db, "-o", plots, NULL};
    cr_assert_eq(ts_run_sonospine(&r, h), 0, "%s", r.err);
    const char *first = strstr(r.out, "\n  1  "), *second = strstr(r.out, "\n  2  ");
    cr_assert(first && second && first < second, "%s", r.out);
    cr_expect(strstr(first, "no ") && strstr(first, "no ") < second, "attempt 1 failed: %s", r.out);
    cr_expect(strstr(second, "yes"), "attempt 2 passed: %s", r.out);
    const char *files[] = {"score.png", "insertions.png", "puncture_time.png", "cusum.png", "index.html"};
    for (int i = 0; i < 5; i++) {
        snprintf(p, sizeof p, "%s/%s", plots, files[i]);
        cr_expect(ss_file_exists(p), "%s written", files[i]);
    }
    const char *h2[] = {"history", "--trainee", "nobody", "--results-db", db, NULL};
    cr_expect_eq(ts_run_sonospine(&r, h2), 1);
    cr_expect(strstr(r.err, "no attempts recorded for trainee 'nobody'"), "%s", r.err);
    snprintf(p, sizeof p, "%s/none.sqlite3", dir);
    const char *h3[] = {"history", "--trainee", "cli-t1", "--results-db", p, NULL};
    cr_expect_eq(ts_run_sonospine(&r, h3), 1);
    cr_expect(!ss_file_exists(p), "history never creates a database");
    ts_rmtree(dir);
}

Test(cli_report, database_error_is_exit_1_and_the_log_is_kept)
{
    const char *dir = ts_tempdir("clidb");
    char log[512], db[512];
    snprintf(log, sizeof log, "%s/a.jsonl", dir);
    snprintf(db, sizeof db, "%s/adir", dir);
    /* the database path holds a file that is not a database */
    cr_assert_eq(ts_write_file(db, "not a database"), 0);
    char sc[512];
    snprintf(sc, sizeof sc, "%s/s.txt", dir);
    cr_assert_eq(ts_write_file(sc, "0 probe.view L3-L4 near-spinous right\n1 end\n"), 0);
    const char *a[] = {"run", ts_source_path("scenarios/normal-adult.json"), "--headless", "--quiet", "--script", sc,
                       "--log", log, "--trainee", "t", "--results-db", db, NULL};
    cr_expect_eq(ts_run_sonospine(&r, a), 1, "%s", r.out);
    cr_expect(strstr(r.err, "the attempt was not recorded") && strstr(r.err, "the log is kept"), "%s", r.err);
    cr_expect(ss_file_exists(log));
    const char *v[] = {"verify", log, "--key", ts_station_pub(), NULL};
    cr_expect_eq(ts_run_sonospine(&r, v), 0, "the log itself is whole: %s", r.out);
    const char *e[] = {"run", ts_source_path("scenarios/normal-adult.json"), "--headless", "--mode", "exam", NULL};
    cr_expect_eq(ts_run_sonospine(&r, e), 2);
    cr_expect(strstr(r.err, "--mode exam needs --trainee ID and --log FILE"), "%s", r.err);
    ts_rmtree(dir);
}

Test(cli_report, validate_checks_exam_files_and_run_takes_an_exam_case)
{
    const char *v[] = {"validate", ts_source_path("scenarios/exams/credential-a.json"), NULL};
    cr_expect_eq(ts_run_sonospine(&r, v), 0, "%s", r.err);
    cr_expect(strstr(r.out, "credential-a.json: ok"), "%s", r.out);
    const char *dir = ts_tempdir("cliexam");
    char bad[512], log[512], db[512];
    snprintf(bad, sizeof bad, "%s/bad.json", dir);
    snprintf(log, sizeof log, "%s/e.jsonl", dir);
    snprintf(db, sizeof db, "%s/r.sqlite3", dir);
    cr_assert_eq(ts_write_file(bad, "{\"exam\": {\"id\": \"e\", \"title\": \"t\", \"pass_rule\": \"all\",\n"
                                    "  \"pass_k\": 1, \"cases\": []}}\n"),
                 0);
    const char *vb[] = {"validate", bad, NULL};
    cr_expect_eq(ts_run_sonospine(&r, vb), 2);
    cr_expect(strstr(r.err, "bad.json:2:3: exam.pass_k: pass_k is only for the pass rule \"k_of_n\""), "%s", r.err);
    cr_expect(strstr(r.err, "bad.json:2:25: exam.cases: expected 1 to 32 cases, found 0"), "%s", r.err);
    /* headless, an exam case needs the candidate's inputs: the demonstration is no attempt */
    const char *demo[] = {"run", "--exam", ts_source_path("scenarios/exams/credential-a.json"), "--case", "1",
                          "--trainee", "cand", "--log", log, "--results-db", db, "--headless", "--quiet", NULL};
    cr_expect_eq(ts_run_sonospine(&r, demo), 2, "%s", r.out);
    cr_expect(strstr(r.err, "the expert demonstration is never an exam attempt"), "%s", r.err);
    char sc[512];
    snprintf(sc, sizeof sc, "%s/s.txt", dir);
    cr_assert_eq(ts_write_file(sc, "0 probe.view L4-L5 near-spinous right\n1 end\n"), 0);
    const char *run[] = {"run", "--exam", ts_source_path("scenarios/exams/credential-a.json"), "--case", "1",
                         "--trainee", "cand", "--script", sc, "--log", log, "--results-db", db, "--headless",
                         "--quiet", "--allow-unsigned-exam", NULL};
    cr_assert_eq(ts_run_sonospine(&r, run), 0, "%s", r.err);
    cr_expect(ss_file_exists(log));
    const char *h[] = {"history", "--trainee", "cand", "--results-db", db, NULL};
    cr_assert_eq(ts_run_sonospine(&r, h), 0, "%s", r.err);
    cr_expect(strstr(r.out, "wei2023-case5") && strstr(r.out, "exam"), "recorded as an exam attempt: %s", r.out);
    const char *c9[] = {"run", "--exam", ts_source_path("scenarios/exams/credential-a.json"), "--case", "9",
                        "--trainee", "cand", "--log", log, NULL};
    cr_expect_eq(ts_run_sonospine(&r, c9), 2);
    cr_expect(strstr(r.err, "--case 9: exam lp-credential-a has 3 cases"), "%s", r.err);
    ts_rmtree(dir);
}

Test(cli_report, the_expert_demonstration_is_never_a_trainees_attempt, .timeout = 120)
{
    const char *dir = ts_tempdir("clidemo");
    char log[512], db[512], *text;
    snprintf(log, sizeof log, "%s/d.jsonl", dir);
    snprintf(db, sizeof db, "%s/r.sqlite3", dir);
    const char *a[] = {"run", ts_source_path("scenarios/normal-adult.json"), "--headless", "--quiet", "--log", log,
                       "--trainee", "t9", "--results-db", db, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a), 0, "%s", r.err);
    cr_expect(strstr(r.out, "PASS"), "the demonstration succeeds: %s", r.out);
    cr_expect(strstr(r.out, "not recorded: the expert demonstration is not t9's attempt"), "%s", r.out);
    const char *h[] = {"history", "--trainee", "t9", "--results-db", db, NULL};
    ts_run_sonospine(&r, h);
    cr_expect_null(strstr(r.out, "normal-adult"), "no attempt in t9's history: %s", r.out);
    cr_assert_eq(ss_file_read(log, 1 << 22, &text, NULL), SS_OK);
    cr_expect(strstr(text, "\"mode\":\"demonstration\""), "the log says what it is");
    free(text);
    ts_rmtree(dir);
}

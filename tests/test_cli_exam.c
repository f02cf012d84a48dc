/* test_cli_exam.c: `run --exam F --case N` on a variant case: the variant of the seed
 * (the file `sonospine variants` writes) is made beside the log, run, named in the log,
 * and the log replays, also from another directory. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"
#include "test_support.h"

static ts_run_result r;

Test(cli_exam, variant_case_runs_the_seeded_variant_and_replays, .timeout = 180)
{
    const char *dir = ts_tempdir("cli_exam");
    char exam[512], text[1024], logdir[512], log[600], db[512], vdir[512], made[700], want[700];
    snprintf(exam, sizeof exam, "%s/exam.json", dir);
    snprintf(text, sizeof text,
             "{\"exam\": {\"id\": \"pool-b\", \"title\": \"variants\", \"pass_rule\": \"all\", \"cases\": ["
             "{\"scenario\": \"%s\", \"variant_seed\": 7}]}}",
             ts_source_path("scenarios/normal-adult.json"));
    cr_assert_eq(ts_write_file(exam, text), 0);
    snprintf(logdir, sizeof logdir, "%s/logs", dir);
    cr_assert_eq(mkdir(logdir, 0755), 0);
    snprintf(log, sizeof log, "%s/a.jsonl", logdir);
    snprintf(db, sizeof db, "%s/r.db", dir);
    const char *validate[] = {"validate", exam, NULL};
    cr_assert_eq(ts_run_sonospine(&r, validate), 0, "%s%s", r.out, r.err);
    char script[512];
    snprintf(script, sizeof script, "%s/s.txt", dir);
    cr_assert_eq(ts_write_file(script, "0 probe.view L4-L5 near-spinous right\n1 end\n"), 0);
    const char *run[] = {"run",  "--exam", exam,    "--case",       "1", "--trainee", "c1",       "--script",
                         script, "--log",  log,     "--results-db", db,  "--headless", "--allow-unsigned-exam", NULL};
    cr_assert_eq(ts_run_sonospine(&r, run), 0, "stderr: %s", r.err);
    cr_expect(strstr(r.out, "variant") && strstr(r.out, "normal-adult-s7-v1.json"), "%s", r.out);
    /* the same file `sonospine variants --count 1 --seed 7` writes */
    snprintf(vdir, sizeof vdir, "%s/v", dir);
    const char *var[] = {"variants", ts_source_path("scenarios/normal-adult.json"), "--count", "1", "--seed", "7", "-o",
                         vdir, NULL};
    cr_assert_eq(ts_run_sonospine(&r, var), 0, "%s", r.err);
    snprintf(made, sizeof made, "%s/normal-adult-s7-v1.json", logdir);
    snprintf(want, sizeof want, "%s/normal-adult-s7-v1.json", vdir);
    char *a, *b;
    size_t na, nb;
    cr_assert_eq(ss_file_read(made, 1 << 20, &a, &na), SS_OK, "%s", ss_error_message());
    cr_assert_eq(ss_file_read(want, 1 << 20, &b, &nb), SS_OK, "%s", ss_error_message());
    cr_expect(na == nb && !memcmp(a, b, na), "run --exam's variant differs from `sonospine variants`'");
    free(a);
    free(b);
    /* the log names the variant (header record, first line) */
    char *lt;
    cr_assert_eq(ss_file_read(log, 1 << 22, &lt, NULL), SS_OK);
    char *nl = strchr(lt, '\n');
    if (nl) *nl = 0;
    cr_expect(strstr(lt, "\"scenario_id\":\"normal-adult-s7-v1\""), "%s", lt);
    cr_expect(strstr(lt, "\"mode\":\"exam\""), "%s", lt);
    free(lt);
    const char *rp[] = {"replay", log, NULL};
    cr_assert_eq(ts_run_sonospine(&r, rp), 0, "%s%s", r.out, r.err);
    cr_expect(strstr(r.out, "REPRODUCED"), "%s", r.out);
    ts_rmtree(dir);
}

/* A relative --log: the log records the variant's relative path; replay from another
 * directory finds it beside the log. */
Test(cli_exam, variant_log_replays_from_another_directory, .timeout = 180)
{
    const char *dir = ts_tempdir("cli_exam_rel");
    char exam[512], text[1024], cwd[1024], log[600];
    snprintf(exam, sizeof exam, "%s/exam.json", dir);
    snprintf(text, sizeof text,
             "{\"exam\": {\"id\": \"pool-c\", \"title\": \"variants\", \"pass_rule\": \"all\", \"cases\": ["
             "{\"scenario\": \"%s\", \"variant_seed\": 11}]}}",
             ts_source_path("scenarios/wei2023-case6.json"));
    cr_assert_eq(ts_write_file(exam, text), 0);
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    cr_assert_eq(chdir(dir), 0);
    cr_assert_eq(ts_write_file("s.txt", "0 probe.view L4-L5 near-spinous right\n1 end\n"), 0);
    const char *run[] = {"run",          "--exam", "exam.json", "--case",     "1",   "--trainee", "c2", "--script",
                         "s.txt",        "--log",  "b.jsonl",   "--results-db", "r.db", "--headless", "--allow-unsigned-exam", NULL};
    int rc = ts_run_sonospine(&r, run);
    cr_assert_eq(chdir(cwd), 0);
    cr_assert_eq(rc, 0, "stderr: %s", r.err);
    snprintf(log, sizeof log, "%s/b.jsonl", dir);
    const char *rp[] = {"replay", log, NULL};
    cr_assert_eq(ts_run_sonospine(&r, rp), 0, "%s%s", r.out, r.err);
    cr_expect(strstr(r.out, "REPRODUCED"), "%s", r.out);
    ts_rmtree(dir);
}

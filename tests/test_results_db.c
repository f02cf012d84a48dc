/* test_results_db.c: attempts and metrics written, read back in order, kept by a
 * second process writing to the same file; WAL mode; bad input refused. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "results_db.h"
#include "test_support.h"

static ss_attempt make(const char *trainee, const char *scenario, const char *started, bool pass, double score,
                       int insertions, double puncture_s)
{
    ss_attempt a;
    memset(&a, 0, sizeof a);
    snprintf(a.trainee, sizeof a.trainee, "%s", trainee);
    snprintf(a.scenario_id, sizeof a.scenario_id, "%s", scenario);
    memset(a.scenario_sha256, 'a', 64);
    snprintf(a.mode, sizeof a.mode, "practice");
    snprintf(a.started_utc, sizeof a.started_utc, "%s", started);
    snprintf(a.ended_utc, sizeof a.ended_utc, "%s", started);
    snprintf(a.log_path, sizeof a.log_path, "/logs/%s.jsonl", started);
    memset(a.log_hash, 'b', 64);
    a.pass = pass;
    a.score = score;
    a.success = pass;
    a.insertions = insertions;
    a.puncture_time_s = puncture_s;
    return a;
}

Test(results_db, rows_written_read_back_in_order_and_kept_across_processes)
{
    const char *dir = ts_tempdir("db");
    char path[512];
    snprintf(path, sizeof path, "%s/sub/dir/results.sqlite3", dir); /* directories made on first use */
    ss_results_db *db;
    cr_assert_eq(ss_results_db_open(path, true, &db), SS_OK, "%s", ss_error_message());
    cJSON *m = cJSON_Parse("{\"insertions\":3,\"success\":false,\"puncture_time_s\":null,\"level\":null,"
                           "\"tip_visible_pct\":62.5,\"protocol_note\":\"text is not a metric\"}");
    ss_attempt later = make("t-7", "wei2023-case6", "2026-01-02T10:00:00Z", true, 91, 1, 190.5);
    ss_attempt earlier = make("t-7", "normal-adult", "2026-01-01T09:00:00Z", false, 40, 3, NAN);
    ss_attempt other = make("t-8", "normal-adult", "2026-01-01T08:00:00Z", true, 100, 1, 20);
    long long id_later, id_earlier;
    cr_assert_eq(ss_results_db_add(db, &later, NULL, &id_later), SS_OK, "%s", ss_error_message());
    cr_assert_eq(ss_results_db_add(db, &earlier, m, &id_earlier), SS_OK, "%s", ss_error_message());
    cr_assert_eq(ss_results_db_add(db, &other, NULL, NULL), SS_OK);
    double v;
    cr_expect_eq(ss_results_db_metric(db, id_earlier, "insertions", &v), SS_OK);
    cr_expect_eq(v, 3.0, "stored exactly");
    cr_expect_eq(ss_results_db_metric(db, id_earlier, "success", &v), SS_OK);
    cr_expect_eq(v, 0.0, "a boolean false is 0");
    cr_expect_eq(ss_results_db_metric(db, id_earlier, "puncture_time_s", &v), SS_OK);
    cr_expect(isnan(v), "null is stored as NULL");
    cr_expect_eq(ss_results_db_metric(db, id_earlier, "protocol_note", &v), SS_ERR_INVALID, "text is not stored");
    ss_results_db_close(db);
    cJSON_Delete(m);

    /* a second process adds an attempt to the same file */
    pid_t pid = fork();
    if (pid == 0) {
        ss_results_db *d2;
        ss_attempt third = make("t-7", "wei2023-case2", "2026-01-03T11:00:00Z", true, 88, 2, 300);
        int ok = ss_results_db_open(path, false, &d2) == SS_OK && ss_results_db_add(d2, &third, NULL, NULL) == SS_OK;
        ss_results_db_close(d2);
        _exit(ok ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the second process wrote its attempt");

    cr_assert_eq(ss_results_db_open(path, false, &db), SS_OK, "%s", ss_error_message());
    ss_attempt *at;
    int n;
    cr_assert_eq(ss_results_db_attempts(db, "t-7", &at, &n), SS_OK, "%s", ss_error_message());
    cr_assert_eq(n, 3, "t-7 has three attempts (t-8's is not among them)");
    /* oldest first by start time, not by insertion order */
    cr_expect_str_eq(at[0].scenario_id, "normal-adult");
    cr_expect_str_eq(at[1].scenario_id, "wei2023-case6");
    cr_expect_str_eq(at[2].scenario_id, "wei2023-case2");
    cr_expect(!at[0].pass && at[1].pass);
    cr_expect_eq(at[0].insertions, 3);
    cr_expect(isnan(at[0].puncture_time_s), "no CSF reads back as NAN");
    cr_expect_eq(at[1].puncture_time_s, 190.5, "stored exactly");
    cr_expect_eq(at[1].score, 91.0);
    cr_expect_str_eq(at[1].log_path, "/logs/2026-01-02T10:00:00Z.jsonl");
    cr_expect_eq(strlen(at[1].log_hash), 64u);
    free(at);
    ss_results_db_close(db);

    sqlite3 *raw;
    cr_assert_eq(sqlite3_open(path, &raw), SQLITE_OK);
    sqlite3_stmt *s;
    sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &s, NULL);
    cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
    cr_expect_str_eq((const char *)sqlite3_column_text(s, 0), "wal", "WAL journal, kept in the file");
    sqlite3_finalize(s);
    sqlite3_close(raw);
    ts_rmtree(dir);
}

Test(results_db, missing_file_bad_mode_and_no_trainee_are_refused)
{
    const char *dir = ts_tempdir("db2");
    char path[512];
    snprintf(path, sizeof path, "%s/none.sqlite3", dir);
    ss_results_db *db;
    cr_expect_eq(ss_results_db_open(path, false, &db), SS_ERR_IO);
    cr_expect(strstr(ss_error_message(), "no results database at"), "%s", ss_error_message());
    cr_assert_eq(ss_results_db_open(path, true, &db), SS_OK);
    ss_attempt a = make("", "x", "2026-01-01T00:00:00Z", true, 1, 1, 1);
    cr_expect_eq(ss_results_db_add(db, &a, NULL, NULL), SS_ERR_INVALID);
    a = make("t", "x", "2026-01-01T00:00:00Z", true, 1, 1, 1);
    snprintf(a.mode, sizeof a.mode, "final");
    cr_expect_eq(ss_results_db_add(db, &a, NULL, NULL), SS_ERR_INVALID);
    cr_expect(strstr(ss_error_message(), "expected practice, exam or landmark"), "%s", ss_error_message());
    ss_results_db_close(db);
    ts_rmtree(dir);
}

Test(results_db, default_path_follows_the_environment)
{
    char p[1024];
    setenv("SONOSPINE_RESULTS_DB", "/x/y.sqlite3", 1);
    cr_assert_eq(ss_results_db_default_path(p, sizeof p), SS_OK);
    cr_expect_str_eq(p, "/x/y.sqlite3");
    unsetenv("SONOSPINE_RESULTS_DB");
    setenv("HOME", "/home/someone", 1);
    cr_assert_eq(ss_results_db_default_path(p, sizeof p), SS_OK);
    cr_expect_str_eq(p, "/home/someone/.local/share/sonospine/results.sqlite3");
}

Test(results_db, a_damaged_file_is_named_and_left_alone)
{
    /* issue 23: a database failing its integrity check was still written and read */
    const char *dir = ts_tempdir("db_damaged");
    char path[512];
    snprintf(path, sizeof path, "%s/r.sqlite3", dir);
    ss_results_db *db;
    cr_assert_eq(ss_results_db_open(path, true, &db), SS_OK, "%s", ss_error_message());
    for (int i = 0; i < 40; i++) {
        char started[32];
        snprintf(started, sizeof started, "2026-01-01T00:%02d:00Z", i);
        ss_attempt a = make("t", "case", started, true, 90, 1, 1);
        cr_assert_eq(ss_results_db_add(db, &a, NULL, NULL), SS_OK, "%s", ss_error_message());
    }
    ss_results_db_close(db);
    /* scribble over the attempts table's page (the sixth: sqlite_master, meta and its
       index, trainees and its index come first) */
    FILE *f = fopen(path, "r+b");
    cr_assert_not_null(f);
    cr_assert_eq(fseek(f, 5 * 4096, SEEK_SET), 0);
    char junk[4096];
    memset(junk, 0x55, sizeof junk);
    cr_assert_eq(fwrite(junk, 1, sizeof junk, f), sizeof junk);
    fclose(f);
    struct stat before;
    cr_assert_eq(stat(path, &before), 0);
    cr_expect_eq(ss_results_db_open(path, false, &db), SS_ERR_IO);
    cr_expect(strstr(ss_error_message(), "is damaged") && strstr(ss_error_message(), path), "%s", ss_error_message());
    cr_expect_eq(ss_results_db_open(path, true, &db), SS_ERR_IO, "not even to add an attempt");
    struct stat after;
    cr_assert_eq(stat(path, &after), 0);
    cr_expect_eq(after.st_size, before.st_size, "nothing written into it");
    cr_expect_eq(after.st_mtime, before.st_mtime);
    ts_rmtree(dir);
}

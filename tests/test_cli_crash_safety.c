/* test_cli_crash_safety.c: what a SIGKILL in the middle of an attempt leaves behind.
 *
 * A scripted 60-minute attempt runs headless as a child process, in slices of a few
 * milliseconds between SIGSTOPs, and is killed while stopped once its log holds
 * KILL_AT_LINES lines (it has thousands still to write, so the kill lands mid-attempt
 * however the machine schedules the test; the assertions hold wherever it lands before
 * the seal, and a run that ended first is reported as such rather than passing). Then: the log reads back to its last whole record, `verify` calls it
 * incomplete rather than tampered (exit 1, DESIGN.md), `replay` reproduces every event
 * it holds (exit 0), and the results database that earlier attempts went into opens,
 * passes SQLite's integrity check and still holds them. A second test kills a process
 * while it is writing attempts to the database in a loop: every attempt is then either
 * wholly there (its row and all its metrics) or not at all. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "paths.h"
#include "results_db.h"
#include "session_log.h"
#include "test_support.h"

enum { KILL_AT_LINES = 150 };

static ts_run_result r;

static long count_lines(const char *path, bool *partial)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    long n = 0;
    int c, last = '\n';
    while ((c = fgetc(f)) != EOF) {
        if (c == '\n') n++;
        last = c;
    }
    fclose(f);
    if (partial) *partial = last != '\n';
    return n;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A 60-minute attempt: view, guide, a slow needle pass in and out, then the probe
 * swept cranially and back every half second until the scenario's hour is up. */
static void write_long_script(const char *path)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "0.0 probe.view L4-L5 near-spinous right\n1.0 guide.attach auto\n2.0 needle.enter\n"
               "3.0 needle.advance 20 1\n30.0 needle.withdraw 25 2\n50.0 needle.remove\n");
    for (int i = 0; i < 7000; i++) fprintf(f, "%.1f probe.move 0 0 %s\n", 60.0 + 0.5 * i, i % 2 ? "-1" : "1");
    fclose(f);
}

Test(crash, killed_attempt_leaves_an_incomplete_log_that_verifies_and_replays, .timeout = 300)
{
    const char *dir = ts_tempdir("crash");
    char script[512], log[512], db[512];
    snprintf(script, sizeof script, "%s/long.txt", dir);
    snprintf(log, sizeof log, "%s/killed.jsonl", dir);
    snprintf(db, sizeof db, "%s/results.sqlite3", dir);
    write_long_script(script);
    const char *scenario = ts_source_path("scenarios/default.json");

    /* two finished attempts in the database first */
    char short_script[512];
    snprintf(short_script, sizeof short_script, "%s/short.txt", dir);
    cr_assert_eq(ts_write_file(short_script, "0 probe.view L4-L5 near-spinous right\n1 end\n"), 0);
    char done_log[2][512];
    for (int i = 0; i < 2; i++) {
        snprintf(done_log[i], sizeof done_log[i], "%s/done%d.jsonl", dir, i);
        const char *a[] = {"run",           scenario, "--headless", "--script", short_script, "--trainee", "K",
                           "--results-db", db,       "--log",      done_log[i],  NULL};
        cr_assert_eq(ts_run_sonospine(&r, a), 0, "%s %s", r.out, r.err);
    }

    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, 1);
        raise(SIGSTOP); /* runs only in the slices the parent gives it */
        execl(SONOSPINE_EXE, SONOSPINE_EXE, "run", scenario, "--headless", "--script", script, "--log", log,
              "--trainee", "K", "--results-db", db, (char *)NULL);
        _exit(127);
    }
    /* The child runs headless as fast as it can and writes its whole log in a fraction
     * of a second, faster than a loaded machine may schedule a polling parent. So it is
     * stopped, let run for a few milliseconds at a time, and stopped again before the
     * log is looked at; the kill lands while it is stopped, mid-attempt, wherever the
     * parent was delayed. */
    int st;
    cr_assert_eq(waitpid(pid, &st, WUNTRACED), pid);
    cr_assert(WIFSTOPPED(st), "the child stops itself before it starts");
    long lines = 0;
    for (int slices = 0; slices < 600000 && lines < KILL_AT_LINES; slices++) {
        cr_assert_eq(kill(pid, SIGCONT), 0);
        sleep_ms(2);
        cr_assert_eq(kill(pid, SIGSTOP), 0);
        cr_assert_eq(waitpid(pid, &st, WUNTRACED), pid);
        if (!WIFSTOPPED(st))
            cr_assert_fail("the attempt ended (exit %d) before its log reached %d lines",
                           WIFEXITED(st) ? WEXITSTATUS(st) : -1, KILL_AT_LINES);
        lines = count_lines(log, NULL);
    }
    cr_assert_geq(lines, KILL_AT_LINES, "the log never grew to %d lines", KILL_AT_LINES);
    cr_assert_eq(kill(pid, SIGKILL), 0);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the child died of the kill, not on its own");

    /* the log: every whole line is a valid record, and it is incomplete, not tampered */
    bool partial = false;
    long whole = count_lines(log, &partial);
    ss_log_check c;
    cJSON *recs = NULL;
    cr_assert_eq(ss_log_read(log, &c, &recs), SS_OK, "%s", ss_error_message());
    cr_assert_eq(c.verdict, SS_LOG_INCOMPLETE, "%s", c.reason);
    cr_assert_eq(c.records, whole, "all %ld whole lines read back as records (%ld)", whole, c.records);
    cr_assert_eq(c.partial_tail, partial);
    cr_assert(!c.sealed, "killed mid-attempt, long before the seal");
    int events = 0;
    const cJSON *rec;
    cJSON_ArrayForEach(rec, recs)
    {
        const cJSON *t = cJSON_GetObjectItem(rec, "type");
        if (cJSON_IsString(t) && !strcmp(t->valuestring, "event")) events++;
    }
    cJSON_Delete(recs);
    cr_assert_geq(events, 3, "probe contact, view and needle events precede the kill (%d)", events);

    const char *v[] = {"verify", log, NULL};
    cr_assert_eq(ts_run_sonospine(&r, v), 1, "DESIGN.md: 1 = the task failed; %s", r.out);
    cr_assert(strstr(r.out, "incomplete, unauthenticated"), "%s", r.out);
    cr_assert(!strstr(r.out, "TAMPERED"), "%s", r.out);

    const char *rp[] = {"replay", log, NULL};
    cr_assert_eq(ts_run_sonospine(&r, rp), 0, "%s %s", r.out, r.err);
    cr_assert(strstr(r.out, "REPRODUCED"), "%s", r.out);
    cr_assert(strstr(r.out, "incomplete log"), "%s", r.out);

    /* the database the killed attempt would have gone into */
    sqlite3 *s;
    cr_assert_eq(sqlite3_open_v2(db, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q;
    cr_assert_eq(sqlite3_prepare_v2(s, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(q, 0), "ok");
    sqlite3_finalize(q);
    sqlite3_close(s);
    ss_results_db *rdb;
    cr_assert_eq(ss_results_db_open(db, false, &rdb), SS_OK, "%s", ss_error_message());
    ss_attempt *at;
    int n;
    cr_assert_eq(ss_results_db_attempts(rdb, "K", &at, &n), SS_OK);
    cr_assert_eq(n, 2, "the two finished attempts, not the killed one");
    for (int i = 0; i < n; i++) {
        /* each row cites its log by the hash of the seal the station key signed */
        ss_log_check dc;
        cr_assert_eq(ss_log_read(done_log[i], &dc, NULL), SS_OK);
        cr_assert_eq(dc.verdict, SS_LOG_INTACT, "%s", dc.reason);
        cr_assert_str_eq(at[i].log_hash, dc.seal_hash);
        cr_assert_str_eq(at[i].log_path, done_log[i]);
    }
    free(at);
    ss_results_db_close(rdb);
    ts_rmtree(dir);
}

static int count(sqlite3 *s, const char *sql)
{
    sqlite3_stmt *q;
    cr_assert_eq(sqlite3_prepare_v2(s, sql, -1, &q, NULL), SQLITE_OK, "%s", sqlite3_errmsg(s));
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    int n = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return n;
}

Test(crash, results_database_killed_while_writing_keeps_whole_attempts, .timeout = 300)
{
    const char *dir = ts_tempdir("crash-db");
    char db[512];
    snprintf(db, sizeof db, "%s/results.sqlite3", dir);
    enum { METRICS = 40, KILL_AT = 30 };
    cJSON *m = cJSON_CreateObject();
    for (int i = 0; i < METRICS; i++) {
        char name[32];
        snprintf(name, sizeof name, "metric_%02d", i);
        cJSON_AddNumberToObject(m, name, i * 0.5);
    }
    { /* create the file before the writer starts, so the reader below can open it */
        ss_results_db *rdb;
        cr_assert_eq(ss_results_db_open(db, true, &rdb), SS_OK, "%s", ss_error_message());
        ss_results_db_close(rdb);
    }
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        ss_results_db *wdb;
        if (ss_results_db_open(db, true, &wdb) != SS_OK) _exit(2);
        for (int i = 0; i < 1000000; i++) {
            ss_attempt a;
            memset(&a, 0, sizeof a);
            snprintf(a.trainee, sizeof a.trainee, "T%d", i % 3);
            snprintf(a.scenario_id, sizeof a.scenario_id, "normal-adult");
            snprintf(a.mode, sizeof a.mode, "practice");
            snprintf(a.started_utc, sizeof a.started_utc, "2026-01-01T00:00:%02dZ", i % 60);
            snprintf(a.ended_utc, sizeof a.ended_utc, "%s", a.started_utc);
            a.score = i;
            if (ss_results_db_add(wdb, &a, m, NULL) != SS_OK) _exit(3);
        }
        _exit(0);
    }
    sqlite3 *s;
    cr_assert_eq(sqlite3_open_v2(db, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(s, 5000);
    int attempts = 0;
    for (int polls = 0; polls < 100000 && attempts < KILL_AT; polls++) {
        int st;
        cr_assert_neq(waitpid(pid, &st, WNOHANG), pid, "the writer stopped on its own (exit %d)",
                      WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        attempts = count(s, "SELECT count(*) FROM attempts");
        if (attempts < KILL_AT) sleep_ms(1);
    }
    sqlite3_close(s);
    cr_assert_eq(kill(pid, SIGKILL), 0);
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFSIGNALED(status), "killed while writing");

    cr_assert_eq(sqlite3_open_v2(db, &s, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_stmt *q;
    cr_assert_eq(sqlite3_prepare_v2(s, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(q, 0), "ok");
    sqlite3_finalize(q);
    int after = count(s, "SELECT count(*) FROM attempts");
    cr_assert_geq(after, KILL_AT, "attempts committed before the kill are kept (%d)", after);
    cr_assert_eq(count(s, "SELECT count(*) FROM attempts a WHERE (SELECT count(*) FROM metrics m WHERE "
                          "m.attempt_id = a.id) != 40"),
                 0, "every attempt has all its %d metrics: none half-written", METRICS);
    cr_assert_eq(count(s, "SELECT count(*) FROM metrics WHERE attempt_id NOT IN (SELECT id FROM attempts)"), 0,
                 "no metrics without their attempt");
    sqlite3_close(s);

    /* and it takes new attempts */
    ss_results_db *rdb;
    cr_assert_eq(ss_results_db_open(db, false, &rdb), SS_OK, "%s", ss_error_message());
    ss_attempt a;
    memset(&a, 0, sizeof a);
    snprintf(a.trainee, sizeof a.trainee, "after");
    snprintf(a.scenario_id, sizeof a.scenario_id, "normal-adult");
    snprintf(a.mode, sizeof a.mode, "practice");
    snprintf(a.started_utc, sizeof a.started_utc, "2026-01-02T00:00:00Z");
    cr_assert_eq(ss_results_db_add(rdb, &a, m, NULL), SS_OK, "%s", ss_error_message());
    ss_results_db_close(rdb);
    cJSON_Delete(m);
    ts_rmtree(dir);
}

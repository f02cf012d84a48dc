/* test_cli_faults.c: a full disk under `sonospine run` (issue 23). With the fault_write
 * shim preloaded (tests/preload/fault_write.c), the write of the log's seal, or of its
 * signature, fails with ENOSPC: the run says the log could not be completed (exit 1),
 * the attempt is not recorded in the results database (it used to be stored with the
 * hash of a seal that was never written), and the log reads back as incomplete: a clean,
 * detectable end, never a result resting on a log that is not whole. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "session_log.h"
#include "test_support.h"

#if defined(__SANITIZE_ADDRESS__)
#define TF_SANITIZED 1
#else
#define TF_SANITIZED 0
#endif

static ts_run_result r;

/* attempts recorded in a results database file (0 when it does not exist) */
static int db_attempts(const char *path)
{
    if (!ss_file_exists(path)) return 0;
    sqlite3 *db;
    cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    int n = -1;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM attempts", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

Test(cli_faults, a_full_disk_at_the_seal_or_signature_records_no_result, .timeout = 180)
{
    if (TF_SANITIZED) cr_skip_test("the sanitizer runtime must be the first library loaded: no preloaded shim");
    const char *dir = ts_tempdir("cli_faults");
    char script[512], log[512], db[512];
    snprintf(script, sizeof script, "%s/s.txt", dir);
    snprintf(db, sizeof db, "%s/results.sqlite3", dir);
    cr_assert_eq(ts_write_file(script, "0 probe.view L3-L4 near-spinous right\n1 guide.attach 37.6\n2 needle.enter\n"
                                       "3 needle.advance 35 2\n30 end\n"),
                 0);
    /* without a fault: the records, one write each, and the attempt recorded */
    snprintf(log, sizeof log, "%s/clean.jsonl", dir);
    const char *a[] = {"run", ts_source_path("scenarios/normal-adult.json"), "--headless", "--quiet", "--script",
                       script, "--log", log, "--trainee", "t-disk", "--results-db", db, NULL};
    setenv("LD_PRELOAD", SONOSPINE_FAULT_WRITE_LIB, 1);
    setenv("SONOSPINE_FAULT_SUFFIX", ".jsonl", 1);
    cr_assert_eq(ts_run_sonospine(&r, a), 0, "%s %s", r.out, r.err);
    cr_assert_eq(db_attempts(db), 1);
    ss_log_check c;
    cr_assert_eq(ss_log_read(log, &c, NULL), SS_OK);
    cr_assert_eq(c.verdict, SS_LOG_INTACT, "%s", c.reason);
    const long lines = c.records; /* ..., seal, signature */
    /* the seal's write (lines - 1), then the signature's (lines), fail */
    for (long k = lines - 1; k <= lines; k++) {
        char at[32];
        snprintf(at, sizeof at, "%ld", k);
        snprintf(log, sizeof log, "%s/full%ld.jsonl", dir, k);
        setenv("SONOSPINE_FAULT_WRITE_AT", at, 1);
        cr_expect_eq(ts_run_sonospine(&r, a), 1, "write %ld: %s %s", k, r.out, r.err);
        cr_expect(strstr(r.err, "could not be completed") && strstr(r.err, "No space left on device"), "write %ld: %s",
                  k, r.err);
        cr_expect(strstr(r.err, "results not recorded"), "write %ld: %s", k, r.err);
        cr_expect_eq(db_attempts(db), 1, "write %ld: no result from a log that is not whole", k);
        cr_assert_eq(ss_log_read(log, &c, NULL), SS_OK);
        cr_expect_eq(c.verdict, SS_LOG_INCOMPLETE, "write %ld: %s", k, c.reason);
        cr_expect_eq(c.records, k - 1, "write %ld: every record before the failed one", k);
    }
    unsetenv("SONOSPINE_FAULT_WRITE_AT");
    unsetenv("SONOSPINE_FAULT_SUFFIX");
    unsetenv("LD_PRELOAD");
    ts_rmtree(dir);
}

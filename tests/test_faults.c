/* test_faults.c: storage faults in the SQLite spirit (issue 23). A recorded attempt and
 * the results database are driven through every failure a machine can give them, one
 * fault at a time at every point where it can strike, and each must leave either the
 * whole record or a clean, detectable end, never a crash, a tampered-looking log or a
 * log or result that claims more than was written:
 *   - a failed write (EIO, ENOSPC) of each record of a session log: the session reports
 *     it, the log reads back as incomplete with exactly the records before the failed
 *     one, never as tampered or intact;
 *   - short writes (a few bytes per call): the log is whole and verifies;
 *   - a failed fdatasync at the seal: the session reports it;
 *   - a failed allocation at each of the first allocations of an attempt and a sample of
 *     the rest (a counting allocator put in front of malloc): the attempt fails cleanly
 *     or succeeds; its log is never tampered, and intact only when the session said OK;
 *   - an I/O error or a full disk at each write and sync SQLite makes while recording an
 *     attempt (a fault-injecting VFS wrapped around SQLite's own): the database still
 *     passes its check, and holds the attempt whole (every metric) or not at all.
 * The hooks replace malloc, write and fdatasync in this test executable only, so the
 * sanitizer build (whose runtime owns malloc) skips the allocation test. To chase a
 * failure: TF_FROM=N starts the allocation sweep at allocation N, TF_TRACE=1 prints each
 * allocation tried to stderr.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "paths.h"
#include "phantom_world.h"
#include "results_db.h"
#include "session.h"
#include "session_log.h"
#include "station_key.h"
#include "test_support.h"

#if defined(__SANITIZE_ADDRESS__)
#define TF_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TF_SANITIZED 1
#endif
#endif
#ifndef TF_SANITIZED
#define TF_SANITIZED 0
#endif

/* ------------------------------------------------------------------ the hooks */

typedef enum { TF_OFF, TF_FAIL_EIO, TF_FAIL_ENOSPC, TF_SHORT } tf_write_mode;

static struct {
    long write_at, writes;   /* fail the write_at-th write to a regular file (1-based) */
    tf_write_mode write_mode;
    bool sync_fail;
    long malloc_at, mallocs; /* fail the malloc_at-th allocation; count while counting */
    bool counting;
} tf;

static void tf_reset(void) { memset(&tf, 0, sizeof tf); }

static bool tf_regular(int fd)
{
    struct stat sb;
    return fd > 2 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    if (tf.write_mode != TF_OFF && tf_regular(fd)) {
        if (tf.write_mode == TF_SHORT && n > 5) n = 5;
        if (tf.write_mode != TF_SHORT && ++tf.writes == tf.write_at) {
            errno = tf.write_mode == TF_FAIL_EIO ? EIO : ENOSPC;
            return -1;
        }
    }
    return syscall(SYS_write, fd, buf, n);
}

int fdatasync(int fd)
{
    if (tf.sync_fail && tf_regular(fd)) {
        errno = EIO;
        return -1;
    }
    return (int)syscall(SYS_fdatasync, fd);
}

#if !TF_SANITIZED
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static bool tf_alloc_fails(void)
{
    if (!tf.counting) return false;
    if (++tf.mallocs == tf.malloc_at) {
        errno = ENOMEM;
        return true;
    }
    return false;
}

void *malloc(size_t n) { return tf_alloc_fails() ? NULL : __libc_malloc(n); }
void *calloc(size_t a, size_t b) { return tf_alloc_fails() ? NULL : __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { return tf_alloc_fails() ? NULL : __libc_realloc(p, n); }
#endif

/* ------------------------------------------------------------------ a recorded attempt */

static ss_scenario sc;
static ss_script script;
static const char *dir;

static void setup(void)
{
    tf_reset();
    ts_design_attempt(&sc, &script);
    dir = ts_tempdir("faults");
    /* the station key made before any fault: its creation is not what is tested here */
    ss_station_key *k;
    cr_assert_eq(ss_station_key_open(NULL, true, &k, NULL), SS_OK, "%s", ss_error_message());
    ss_station_key_free(k);
}

static void teardown(void)
{
    tf_reset();
    ss_scenario_free(&sc);
    ss_script_free(&script);
    ts_rmtree(dir);
}

TestSuite(faults, .init = setup, .fini = teardown, .timeout = 300);

/* One attempt logged at path; what begin and end returned (begin's failure: end is
 * SS_ERR_INTERNAL, never reached). */
static void attempt(const char *path, ss_status *begin, ss_status *end)
{
    ss_session_desc d = {.scenario = &sc, .scenario_path = "scenarios/normal-adult.json", .log_path = path,
                         .mode = "practice", .trainee = "t-faults"};
    pw_world(&d.world);
    ss_session *s = NULL;
    *begin = ss_session_begin(&d, &s);
    *end = SS_ERR_INTERNAL;
    if (*begin != SS_OK) return;
    ss_session_run_script(s, &script);
    ss_metrics m;
    ss_grade g;
    *end = ss_session_end(s, &m, &g);
    ss_session_free(s);
}

Test(faults, a_failed_write_of_any_record_leaves_the_records_before_it_and_is_reported)
{
    char path[600];
    snprintf(path, sizeof path, "%s/clean.jsonl", dir);
    ss_status b, e;
    tf.write_mode = TF_FAIL_EIO; /* armed at 0: counts, never fails */
    attempt(path, &b, &e);
    const long writes = tf.writes;
    tf_reset();
    cr_assert_eq(e, SS_OK, "%s", ss_error_message());
    cr_assert_gt(writes, 10, "one write a record");
    for (long k = 1; k <= writes; k++) {
        snprintf(path, sizeof path, "%s/w%ld.jsonl", dir, k);
        tf.write_mode = k % 2 ? TF_FAIL_EIO : TF_FAIL_ENOSPC;
        tf.write_at = k;
        attempt(path, &b, &e);
        tf_reset();
        cr_assert(b != SS_OK || e != SS_OK, "write %ld failed, and the session said nothing", k);
        const char *why = ss_error_message();
        cr_expect(strstr(why, k % 2 ? "Input/output error" : "No space left"), "write %ld: %s", k, why);
        ss_log_check c;
        cr_assert_eq(ss_log_read(path, &c, NULL), SS_OK);
        cr_assert_eq(c.verdict, SS_LOG_INCOMPLETE, "write %ld: %s", k, c.reason);
        cr_assert_eq(c.records, k - 1, "write %ld: the records before the failed one, whole: %s", k, c.reason);
        cr_assert(!c.partial_tail, "write %ld", k);
    }
}

Test(faults, short_writes_still_make_a_whole_signed_log)
{
    char path[600];
    snprintf(path, sizeof path, "%s/short.jsonl", dir);
    ss_status b, e;
    tf.write_mode = TF_SHORT;
    attempt(path, &b, &e);
    tf_reset();
    cr_assert_eq(e, SS_OK, "%s", ss_error_message());
    ss_log_check c;
    cr_assert_eq(ss_log_read(path, &c, NULL), SS_OK);
    cr_assert_eq(c.verdict, SS_LOG_INTACT, "%s", c.reason);
}

Test(faults, a_failed_sync_at_the_seal_is_reported)
{
    char path[600];
    snprintf(path, sizeof path, "%s/sync.jsonl", dir);
    ss_status b, e;
    tf.sync_fail = true;
    attempt(path, &b, &e);
    tf_reset();
    cr_assert_eq(b, SS_OK);
    cr_assert_eq(e, SS_ERR_IO, "the attempt is not claimed stored: %s", ss_error_message());
    cr_assert(strstr(ss_error_message(), "sync failed"), "%s", ss_error_message());
}

Test(faults, a_failed_allocation_anywhere_fails_cleanly)
{
    if (TF_SANITIZED) cr_skip_test("the sanitizer runtime owns malloc");
    char path[600];
    snprintf(path, sizeof path, "%s/count.jsonl", dir);
    ss_status b, e;
    tf.counting = true;
    attempt(path, &b, &e);
    const long total = tf.mallocs;
    tf_reset();
    cr_assert_eq(e, SS_OK);
    cr_assert_gt(total, 100);
    /* every one of the first 600 allocations, then 400 spread over the rest */
    int tried = 0, failed_cleanly = 0;
    long n0 = getenv("TF_FROM") ? atol(getenv("TF_FROM")) : 1;
    for (long n = n0; n <= total; n += n < 600 ? 1 : (total - 600) / 400 + 1) {
        snprintf(path, sizeof path, "%s/m%ld.jsonl", dir, n);
        if (getenv("TF_TRACE")) fprintf(stderr, "alloc %ld\n", n);
        tf.counting = true;
        tf.malloc_at = n;
        attempt(path, &b, &e);
        tf_reset();
        tried++;
        if (b != SS_OK || e != SS_OK) failed_cleanly++;
        if (!ss_file_exists(path)) continue;
        ss_log_check c;
        cr_assert_eq(ss_log_read(path, &c, NULL), SS_OK);
        cr_assert_neq(c.verdict, SS_LOG_TAMPERED, "allocation %ld of %ld: %s", n, total, c.reason);
        if (c.verdict == SS_LOG_INTACT)
            cr_assert(b == SS_OK && e == SS_OK, "allocation %ld: an intact log from an attempt that reported failure", n);
        remove(path);
    }
    cr_log_info("%d of %ld allocations failed in turn; %d attempts reported the failure", tried, total, failed_cleanly);
    cr_assert_gt(failed_cleanly, 0);
}

/* ------------------------------------------------------------------ the results database */

/* A VFS in front of SQLite's default one: every xWrite, xSync and xTruncate of every file
 * counts, and the fault_at-th fails with fault_rc. */
static sqlite3_vfs *tf_base;
static sqlite3_vfs tf_vfs;
static long tf_db_ops, tf_db_fault_at;
static int tf_db_fault_rc;

typedef struct tf_file {
    sqlite3_file base;
    sqlite3_file *real;
} tf_file;

static bool tf_db_fault(void) { return ++tf_db_ops == tf_db_fault_at; }
static int tf_close(sqlite3_file *f)
{
    tf_file *t = (tf_file *)f;
    int rc = t->real->pMethods ? t->real->pMethods->xClose(t->real) : SQLITE_OK;
    sqlite3_free(t->real);
    return rc;
}
static int tf_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{
    tf_file *t = (tf_file *)f;
    return t->real->pMethods->xRead(t->real, b, n, o);
}
static int tf_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{
    tf_file *t = (tf_file *)f;
    return tf_db_fault() ? tf_db_fault_rc : t->real->pMethods->xWrite(t->real, b, n, o);
}
static int tf_truncate(sqlite3_file *f, sqlite3_int64 n)
{
    tf_file *t = (tf_file *)f;
    return tf_db_fault() ? SQLITE_IOERR_TRUNCATE : t->real->pMethods->xTruncate(t->real, n);
}
static int tf_sync(sqlite3_file *f, int flags)
{
    tf_file *t = (tf_file *)f;
    return tf_db_fault() ? SQLITE_IOERR_FSYNC : t->real->pMethods->xSync(t->real, flags);
}
#define TF_FWD(name, sig, call)                                                                                        \
    static int tf_##name sig                                                                                           \
    {                                                                                                                  \
        tf_file *t = (tf_file *)f;                                                                                     \
        return t->real->pMethods->x##call;                                                                             \
    }
TF_FWD(size, (sqlite3_file * f, sqlite3_int64 *s), FileSize(t->real, s))
TF_FWD(lock, (sqlite3_file * f, int l), Lock(t->real, l))
TF_FWD(unlock, (sqlite3_file * f, int l), Unlock(t->real, l))
TF_FWD(reserved, (sqlite3_file * f, int *r), CheckReservedLock(t->real, r))
TF_FWD(fcntl, (sqlite3_file * f, int op, void *a), FileControl(t->real, op, a))
TF_FWD(sector, (sqlite3_file * f), SectorSize(t->real))
TF_FWD(devchar, (sqlite3_file * f), DeviceCharacteristics(t->real))

static const sqlite3_io_methods tf_methods = {
    .iVersion = 1, .xClose = tf_close, .xRead = tf_read, .xWrite = tf_write, .xTruncate = tf_truncate,
    .xSync = tf_sync, .xFileSize = tf_size, .xLock = tf_lock, .xUnlock = tf_unlock,
    .xCheckReservedLock = tf_reserved, .xFileControl = tf_fcntl, .xSectorSize = tf_sector,
    .xDeviceCharacteristics = tf_devchar};

static int tf_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
    tf_file *t = (tf_file *)f;
    t->base.pMethods = NULL;
    t->real = sqlite3_malloc(tf_base->szOsFile);
    if (!t->real) return SQLITE_NOMEM;
    memset(t->real, 0, (size_t)tf_base->szOsFile);
    int rc = tf_base->xOpen(tf_base, name, t->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        sqlite3_free(t->real);
        return rc;
    }
    t->base.pMethods = &tf_methods;
    return SQLITE_OK;
}

static void tf_vfs_install(void)
{
    tf_base = sqlite3_vfs_find(NULL);
    cr_assert_not_null(tf_base);
    tf_vfs = *tf_base;
    tf_vfs.zName = "sonospine-faults";
    tf_vfs.szOsFile = (int)sizeof(tf_file);
    tf_vfs.xOpen = tf_open;
    tf_vfs.pAppData = NULL;
    cr_assert_eq(sqlite3_vfs_register(&tf_vfs, 1), SQLITE_OK);
}

static void one_attempt(ss_attempt *a, cJSON **m, int i)
{
    memset(a, 0, sizeof *a);
    snprintf(a->trainee, sizeof a->trainee, "t-db");
    snprintf(a->scenario_id, sizeof a->scenario_id, "normal-adult");
    snprintf(a->mode, sizeof a->mode, "practice");
    snprintf(a->started_utc, sizeof a->started_utc, "2026-12-05T10:%02d:00Z", i % 60);
    a->score = 50 + i % 50;
    *m = cJSON_CreateObject();
    for (int k = 0; k < 12; k++) {
        char name[16];
        snprintf(name, sizeof name, "m%02d", k);
        cJSON_AddNumberToObject(*m, name, k + i);
    }
}

TestSuite(faults_db, .timeout = 300);

Test(faults_db, a_write_or_sync_fault_leaves_each_attempt_whole_or_absent)
{
    tf_vfs_install();
    const char *d = ts_tempdir("faults_db");
    char path[600];
    /* how many file operations one attempt costs */
    snprintf(path, sizeof path, "%s/count.sqlite3", d);
    ss_results_db *db;
    ss_attempt a;
    cJSON *m;
    cr_assert_eq(ss_results_db_open(path, true, &db), SS_OK, "%s", ss_error_message());
    one_attempt(&a, &m, 0);
    cr_assert_eq(ss_results_db_add(db, &a, m, NULL), SS_OK);
    cJSON_Delete(m);
    tf_db_ops = 0;
    tf_db_fault_at = 0;
    one_attempt(&a, &m, 1);
    cr_assert_eq(ss_results_db_add(db, &a, m, NULL), SS_OK);
    cJSON_Delete(m);
    const long ops = tf_db_ops;
    ss_results_db_close(db);
    cr_assert_gt(ops, 1, "an attempt writes and syncs");
    cr_log_info("an attempt costs %ld writes, syncs and truncations; each failed in turn, twice", ops);
    const int rcs[2] = {SQLITE_IOERR_WRITE, SQLITE_FULL};
    for (long k = 1; k <= ops; k++) {
        for (int r = 0; r < 2; r++) {
            snprintf(path, sizeof path, "%s/k%ld-%d.sqlite3", d, k, r);
            cr_assert_eq(ss_results_db_open(path, true, &db), SS_OK, "%s", ss_error_message());
            one_attempt(&a, &m, 0);
            cr_assert_eq(ss_results_db_add(db, &a, m, NULL), SS_OK);
            cJSON_Delete(m);
            tf_db_ops = 0;
            tf_db_fault_at = k;
            tf_db_fault_rc = rcs[r];
            one_attempt(&a, &m, 1);
            ss_status st = ss_results_db_add(db, &a, m, NULL);
            cJSON_Delete(m);
            tf_db_fault_at = 0;
            ss_results_db_close(db);
            /* reopened without faults: it passes its check and holds each attempt whole */
            cr_assert_eq(ss_results_db_open(path, false, &db), SS_OK, "op %ld: %s", k, ss_error_message());
            ss_attempt *list = NULL;
            int n = 0;
            cr_assert_eq(ss_results_db_attempts(db, "t-db", &list, &n), SS_OK);
            cr_assert(n == 1 || n == 2, "op %ld: %d attempts", k, n);
            if (st != SS_OK) cr_expect_eq(n, 1, "op %ld: the add reported a failure but the attempt is there", k);
            for (int i = 0; i < n; i++)
                for (int q = 0; q < 12; q++) {
                    char name[16];
                    snprintf(name, sizeof name, "m%02d", q);
                    double v;
                    cr_assert_eq(ss_results_db_metric(db, list[i].id, name, &v), SS_OK,
                                 "op %ld: attempt %d lost metric %s", k, i, name);
                    cr_assert_eq(v, q + i);
                }
            free(list);
            ss_results_db_close(db);
        }
    }
    sqlite3_vfs_unregister(&tf_vfs);
    ts_rmtree(d);
}

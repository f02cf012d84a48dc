/* results_db.c: see results_db.h. */
#define _POSIX_C_SOURCE 200809L
#include "results_db.h"
#include "paths.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct ss_results_db {
    sqlite3 *db;
    char path[1024];
};

/* Schema 2 (issue 24): landmark-only attempts ('landmark'), and the dose of a patient's
 * course (course_dose, course_day; NULL otherwise). A schema-1 file is brought up to 2
 * when opened (ss__migrate), its rows kept. */
#define SS__ATTEMPTS_COLUMNS                                                                                           \
    "  id INTEGER PRIMARY KEY,"                                                                                        \
    "  trainee_id INTEGER NOT NULL REFERENCES trainees(id),"                                                           \
    "  scenario_id TEXT NOT NULL,"                                                                                     \
    "  scenario_sha256 TEXT NOT NULL,"                                                                                 \
    "  scenario_title TEXT,"                                                                                           \
    "  mode TEXT NOT NULL CHECK(mode IN ('practice', 'exam', 'landmark')),"                                            \
    "  exam_id TEXT,"                                                                                                  \
    "  exam_case INTEGER,"                                                                                             \
    "  started_utc TEXT NOT NULL,"                                                                                     \
    "  ended_utc TEXT NOT NULL,"                                                                                       \
    "  log_path TEXT,"                                                                                                 \
    "  log_hash TEXT,"                                                                                                 \
    "  pass INTEGER NOT NULL,"                                                                                         \
    "  score REAL NOT NULL,"                                                                                           \
    "  success INTEGER NOT NULL,"                                                                                      \
    "  insertions INTEGER NOT NULL,"                                                                                   \
    "  interspaces_tried INTEGER NOT NULL,"                                                                            \
    "  bone_contacts INTEGER NOT NULL,"                                                                                \
    "  puncture_time_s REAL,"                                                                                          \
    "  operation_time_s REAL NOT NULL,"                                                                                \
    "  course_dose INTEGER,"                                                                                           \
    "  course_day REAL"

static const char *ss__schema =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', '2');"
    "CREATE TABLE IF NOT EXISTS trainees("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  created_utc TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS attempts(" SS__ATTEMPTS_COLUMNS ");"
    "CREATE INDEX IF NOT EXISTS attempts_by_trainee ON attempts(trainee_id, started_utc, id);"
    "CREATE TABLE IF NOT EXISTS metrics("
    "  attempt_id INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  value REAL,"
    "  PRIMARY KEY(attempt_id, name));";

ss_status ss_results_db_default_path(char *out, size_t size)
{
    const char *env = getenv("SONOSPINE_RESULTS_DB");
    int n;
    if (env && env[0]) {
        n = snprintf(out, size, "%s", env);
    } else {
        const char *home = getenv("HOME");
        if (!home || !home[0])
            return ss_error_set(SS_ERR_IO, "results database: neither SONOSPINE_RESULTS_DB nor HOME is set; name the "
                                           "file with --results-db FILE");
        n = snprintf(out, size, "%s/.local/share/sonospine/results.sqlite3", home);
    }
    if (n < 0 || (size_t)n >= size) return ss_error_set(SS_ERR_IO, "results database: path too long");
    return SS_OK;
}

static ss_status ss__fail(ss_results_db *db, const char *what)
{
    return ss_error_set(SS_ERR_IO, "results database %s: %s: %s", db->path, what, sqlite3_errmsg(db->db));
}

/* Schema 1 -> 2: the attempts table rebuilt with the wider mode check and the course
 * columns (SQLite cannot change a CHECK in place), rows and ids kept, in one transaction
 * (the foreign keys off meanwhile, as SQLite's procedure for a table rebuild says, so
 * that dropping the old table does not cascade into the metrics). */
static ss_status ss__migrate(ss_results_db *db)
{
    sqlite3_stmt *q = NULL;
    char version[16] = "";
    if (sqlite3_prepare_v2(db->db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
        snprintf(version, sizeof version, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    if (strcmp(version, "2") == 0) return SS_OK;
    if (strcmp(version, "1") != 0)
        return ss_error_set(SS_ERR_IO, "results database %s: schema version '%s': expected 1 or 2 (a newer program's "
                                       "file?): nothing was written",
                            db->path, version);
    static const char *const steps =
        "PRAGMA foreign_keys=OFF;"
        "BEGIN IMMEDIATE;"
        "CREATE TABLE attempts_v2(" SS__ATTEMPTS_COLUMNS ");"
        "INSERT INTO attempts_v2(id, trainee_id, scenario_id, scenario_sha256, scenario_title, mode, exam_id, exam_case, "
        "  started_utc, ended_utc, log_path, log_hash, pass, score, success, insertions, interspaces_tried, "
        "  bone_contacts, puncture_time_s, operation_time_s) "
        "SELECT id, trainee_id, scenario_id, scenario_sha256, scenario_title, mode, exam_id, exam_case, started_utc, "
        "  ended_utc, log_path, log_hash, pass, score, success, insertions, interspaces_tried, bone_contacts, "
        "  puncture_time_s, operation_time_s FROM attempts;"
        "DROP TABLE attempts;"
        "ALTER TABLE attempts_v2 RENAME TO attempts;"
        "CREATE INDEX IF NOT EXISTS attempts_by_trainee ON attempts(trainee_id, started_utc, id);"
        "UPDATE meta SET value = '2' WHERE key = 'schema_version';"
        "COMMIT;";
    char *err = NULL;
    if (sqlite3_exec(db->db, steps, NULL, NULL, &err) != SQLITE_OK) {
        ss_status st = ss_error_set(SS_ERR_IO, "results database %s: upgrading schema 1 to 2: %s (nothing changed)",
                                    db->path, err ? err : sqlite3_errmsg(db->db));
        sqlite3_free(err);
        sqlite3_exec(db->db, "ROLLBACK; PRAGMA foreign_keys=ON;", NULL, NULL, NULL);
        return st;
    }
    sqlite3_exec(db->db, "PRAGMA foreign_keys=ON;", NULL, NULL, NULL);
    return SS_OK;
}

ss_status ss_results_db_open(const char *path, bool create, ss_results_db **out)
{
    *out = NULL;
    struct stat st;
    off_t existing = 0;
    if (stat(path, &st) != 0) {
        if (!create) return ss_error_set(SS_ERR_IO, "no results database at %s (nothing recorded yet)", path);
        char what[1100];
        snprintf(what, sizeof what, "results database %s", path);
        ss_status s = ss_make_parent_dirs(what, path, 0755);
        if (s != SS_OK) return s;
    } else if (!S_ISREG(st.st_mode)) {
        return ss_error_set(SS_ERR_IO, "results database %s: not a regular file", path);
    } else {
        existing = st.st_size;
    }
    ss_results_db *db = calloc(1, sizeof *db);
    if (!db) return ss_error_set(SS_ERR_NOMEM, "out of memory");
    snprintf(db->path, sizeof db->path, "%s", path);
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &db->db, flags, NULL) != SQLITE_OK) {
        ss_status s = ss__fail(db, "cannot open");
        ss_results_db_close(db);
        return s;
    }
    sqlite3_busy_timeout(db->db, 5000);
    /* a damaged file is a clear error, and nothing is written into it */
    if (existing > 0) {
        sqlite3_stmt *q = NULL;
        int rc = sqlite3_prepare_v2(db->db, "PRAGMA quick_check(1)", -1, &q, NULL);
        const char *res = rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW ? (const char *)sqlite3_column_text(q, 0) : NULL;
        bool ok = res && strcmp(res, "ok") == 0;
        char what[256];
        snprintf(what, sizeof what, "%s", res ? res : sqlite3_errmsg(db->db));
        sqlite3_finalize(q);
        if (!ok) {
            ss_status s = ss_error_set(SS_ERR_IO,
                                       "results database %s is damaged (quick_check: %s): nothing was read or "
                                       "written; restore it from a backup or move it aside",
                                       path, what);
            ss_results_db_close(db);
            return s;
        }
    }
    char *err = NULL;
    if (sqlite3_exec(db->db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;", NULL, NULL, &err) != SQLITE_OK ||
        sqlite3_exec(db->db, ss__schema, NULL, NULL, &err) != SQLITE_OK) {
        ss_status s = ss_error_set(SS_ERR_IO, "results database %s: %s", path, err ? err : sqlite3_errmsg(db->db));
        sqlite3_free(err);
        ss_results_db_close(db);
        return s;
    }
    ss_status ms = ss__migrate(db);
    if (ms != SS_OK) {
        ss_results_db_close(db);
        return ms;
    }
    *out = db;
    return SS_OK;
}

void ss_results_db_close(ss_results_db *db)
{
    if (!db) return;
    sqlite3_close(db->db);
    free(db);
}

static double ss__jnum(const cJSON *o, const char *k, double fallback)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (cJSON_IsNumber(v)) return v->valuedouble;
    if (cJSON_IsBool(v)) return cJSON_IsTrue(v) ? 1 : 0;
    return fallback;
}

void ss_attempt_from_metrics_json(ss_attempt *a, const cJSON *m)
{
    a->pass = ss__jnum(m, "pass", 0) != 0;
    a->score = ss__jnum(m, "score", 0);
    a->success = ss__jnum(m, "success", 0) != 0;
    a->insertions = (int)ss__jnum(m, "insertions", 0);
    a->interspaces_tried = (int)ss__jnum(m, "interspaces_tried", 0);
    a->bone_contacts = (int)ss__jnum(m, "bone_contacts", 0);
    a->puncture_time_s = ss__jnum(m, "puncture_time_s", NAN);
    a->operation_time_s = ss__jnum(m, "operation_time_s", 0);
}

static void ss__bind_text_or_null(sqlite3_stmt *s, int i, const char *t)
{
    if (t && t[0]) sqlite3_bind_text(s, i, t, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(s, i);
}

static void ss__bind_real_or_null(sqlite3_stmt *s, int i, double v)
{
    if (isfinite(v)) sqlite3_bind_double(s, i, v);
    else sqlite3_bind_null(s, i);
}

ss_status ss_trainee_id_check(const char *id)
{
    size_t n = strlen(id);
    if (n == 0) return ss_error_set(SS_ERR_INVALID, "trainee id: empty: expected 1 to %d bytes", SS_TRAINEE_ID_MAX);
    if (n > SS_TRAINEE_ID_MAX)
        return ss_error_set(SS_ERR_INVALID, "trainee id: %zu bytes: expected at most %d", n, SS_TRAINEE_ID_MAX);
    const unsigned char *p = (const unsigned char *)id;
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        unsigned cp;
        int len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (!len || i + (size_t)len > n)
            return ss_error_set(SS_ERR_INVALID, "trainee id: byte %zu: expected valid UTF-8", i + 1);
        cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
        for (int k = 1; k < len; k++) {
            if ((p[i + (size_t)k] & 0xC0) != 0x80)
                return ss_error_set(SS_ERR_INVALID, "trainee id: byte %zu: expected valid UTF-8", i + 1);
            cp = (cp << 6) | (p[i + (size_t)k] & 0x3F);
        }
        static const unsigned min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return ss_error_set(SS_ERR_INVALID, "trainee id: byte %zu: expected valid UTF-8", i + 1);
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
            return ss_error_set(SS_ERR_INVALID, "trainee id: byte %zu: a control character (U+%04X)", i + 1, cp);
        i += (size_t)len;
    }
    return SS_OK;
}

ss_status ss_results_db_add(ss_results_db *db, const ss_attempt *a, const cJSON *metrics, long long *id_out)
{
    if (ss_trainee_id_check(a->trainee) != SS_OK)
        return ss_error_set(SS_ERR_INVALID, "results database: %s", ss_error_message());
    if (strcmp(a->mode, "practice") && strcmp(a->mode, "exam") && strcmp(a->mode, "landmark"))
        return ss_error_set(SS_ERR_INVALID, "results database: mode '%s': expected practice, exam or landmark", a->mode);
    if (sqlite3_exec(db->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) return ss__fail(db, "cannot begin");
    ss_status st = SS_OK;
    sqlite3_stmt *s = NULL;
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    long long trainee_id = 0, attempt_id = 0;

    if (sqlite3_prepare_v2(db->db, "INSERT OR IGNORE INTO trainees(name, created_utc) VALUES(?, ?)", -1, &s, NULL) !=
        SQLITE_OK) {
        st = ss__fail(db, "add trainee");
        goto rollback;
    }
    sqlite3_bind_text(s, 1, a->trainee, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, now, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_DONE) {
        st = ss__fail(db, "add trainee");
        goto rollback;
    }
    sqlite3_finalize(s);
    s = NULL;
    if (sqlite3_prepare_v2(db->db, "SELECT id FROM trainees WHERE name = ?", -1, &s, NULL) != SQLITE_OK) {
        st = ss__fail(db, "find trainee");
        goto rollback;
    }
    sqlite3_bind_text(s, 1, a->trainee, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_ROW) {
        st = ss__fail(db, "find trainee");
        goto rollback;
    }
    trainee_id = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    s = NULL;

    if (sqlite3_prepare_v2(db->db,
                           "INSERT INTO attempts(trainee_id, scenario_id, scenario_sha256, scenario_title, mode, exam_id, "
                           "exam_case, started_utc, ended_utc, log_path, log_hash, pass, score, success, insertions, "
                           "interspaces_tried, bone_contacts, puncture_time_s, operation_time_s, course_dose, "
                           "course_day) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK) {
        st = ss__fail(db, "add attempt");
        goto rollback;
    }
    sqlite3_bind_int64(s, 1, trainee_id);
    sqlite3_bind_text(s, 2, a->scenario_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, a->scenario_sha256, -1, SQLITE_TRANSIENT);
    ss__bind_text_or_null(s, 4, a->scenario_title);
    sqlite3_bind_text(s, 5, a->mode, -1, SQLITE_TRANSIENT);
    ss__bind_text_or_null(s, 6, a->exam_id);
    if (a->exam_case > 0) sqlite3_bind_int(s, 7, a->exam_case);
    else sqlite3_bind_null(s, 7);
    sqlite3_bind_text(s, 8, a->started_utc[0] ? a->started_utc : now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 9, a->ended_utc[0] ? a->ended_utc : now, -1, SQLITE_TRANSIENT);
    ss__bind_text_or_null(s, 10, a->log_path);
    ss__bind_text_or_null(s, 11, a->log_hash);
    sqlite3_bind_int(s, 12, a->pass);
    sqlite3_bind_double(s, 13, a->score);
    sqlite3_bind_int(s, 14, a->success);
    sqlite3_bind_int(s, 15, a->insertions);
    sqlite3_bind_int(s, 16, a->interspaces_tried);
    sqlite3_bind_int(s, 17, a->bone_contacts);
    ss__bind_real_or_null(s, 18, a->puncture_time_s);
    sqlite3_bind_double(s, 19, a->operation_time_s);
    if (a->course_dose > 0) {
        sqlite3_bind_int(s, 20, a->course_dose);
        sqlite3_bind_double(s, 21, a->course_day);
    } else {
        sqlite3_bind_null(s, 20);
        sqlite3_bind_null(s, 21);
    }
    if (sqlite3_step(s) != SQLITE_DONE) {
        st = ss__fail(db, "add attempt");
        goto rollback;
    }
    attempt_id = sqlite3_last_insert_rowid(db->db);
    sqlite3_finalize(s);
    s = NULL;

    if (metrics) {
        if (sqlite3_prepare_v2(db->db, "INSERT INTO metrics(attempt_id, name, value) VALUES(?,?,?)", -1, &s, NULL) !=
            SQLITE_OK) {
            st = ss__fail(db, "add metrics");
            goto rollback;
        }
        for (const cJSON *it = metrics->child; it; it = it->next) {
            if (!it->string || !(cJSON_IsNumber(it) || cJSON_IsBool(it) || cJSON_IsNull(it))) continue;
            sqlite3_reset(s);
            sqlite3_bind_int64(s, 1, attempt_id);
            sqlite3_bind_text(s, 2, it->string, -1, SQLITE_TRANSIENT);
            if (cJSON_IsNull(it)) sqlite3_bind_null(s, 3);
            else ss__bind_real_or_null(s, 3, cJSON_IsBool(it) ? (cJSON_IsTrue(it) ? 1.0 : 0.0) : it->valuedouble);
            if (sqlite3_step(s) != SQLITE_DONE) {
                st = ss__fail(db, "add metrics");
                goto rollback;
            }
        }
        sqlite3_finalize(s);
        s = NULL;
    }
    if (sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        st = ss__fail(db, "commit");
        goto rollback;
    }
    if (id_out) *id_out = attempt_id;
    return SS_OK;
rollback:
    sqlite3_finalize(s);
    sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

static void ss__col_text(sqlite3_stmt *s, int i, char *out, size_t n)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    snprintf(out, n, "%s", t ? (const char *)t : "");
}

ss_status ss_results_db_attempts(ss_results_db *db, const char *trainee, ss_attempt **out, int *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db->db,
                           "SELECT a.id, t.name, a.scenario_id, a.scenario_sha256, a.scenario_title, a.mode, a.exam_id, "
                           "a.exam_case, a.started_utc, a.ended_utc, a.log_path, a.log_hash, a.pass, a.score, a.success, "
                           "a.insertions, a.interspaces_tried, a.bone_contacts, a.puncture_time_s, a.operation_time_s, "
                           "a.course_dose, a.course_day FROM attempts a JOIN trainees t ON t.id = a.trainee_id WHERE t.name = ? "
                           "ORDER BY a.started_utc, a.id",
                           -1, &s, NULL) != SQLITE_OK)
        return ss__fail(db, "read attempts");
    sqlite3_bind_text(s, 1, trainee, -1, SQLITE_TRANSIENT);
    ss_attempt *list = NULL;
    int count = 0, cap = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (count == cap) {
            cap = cap ? 2 * cap : 16;
            ss_attempt *g = realloc(list, (size_t)cap * sizeof *g);
            if (!g) {
                free(list);
                sqlite3_finalize(s);
                return ss_error_set(SS_ERR_NOMEM, "out of memory reading attempts");
            }
            list = g;
        }
        ss_attempt *a = &list[count++];
        memset(a, 0, sizeof *a);
        a->id = sqlite3_column_int64(s, 0);
        ss__col_text(s, 1, a->trainee, sizeof a->trainee);
        ss__col_text(s, 2, a->scenario_id, sizeof a->scenario_id);
        ss__col_text(s, 3, a->scenario_sha256, sizeof a->scenario_sha256);
        ss__col_text(s, 4, a->scenario_title, sizeof a->scenario_title);
        ss__col_text(s, 5, a->mode, sizeof a->mode);
        ss__col_text(s, 6, a->exam_id, sizeof a->exam_id);
        a->exam_case = sqlite3_column_type(s, 7) == SQLITE_NULL ? 0 : sqlite3_column_int(s, 7);
        ss__col_text(s, 8, a->started_utc, sizeof a->started_utc);
        ss__col_text(s, 9, a->ended_utc, sizeof a->ended_utc);
        ss__col_text(s, 10, a->log_path, sizeof a->log_path);
        ss__col_text(s, 11, a->log_hash, sizeof a->log_hash);
        a->pass = sqlite3_column_int(s, 12) != 0;
        a->score = sqlite3_column_double(s, 13);
        a->success = sqlite3_column_int(s, 14) != 0;
        a->insertions = sqlite3_column_int(s, 15);
        a->interspaces_tried = sqlite3_column_int(s, 16);
        a->bone_contacts = sqlite3_column_int(s, 17);
        a->puncture_time_s = sqlite3_column_type(s, 18) == SQLITE_NULL ? NAN : sqlite3_column_double(s, 18);
        a->operation_time_s = sqlite3_column_double(s, 19);
        a->course_dose = sqlite3_column_type(s, 20) == SQLITE_NULL ? 0 : sqlite3_column_int(s, 20);
        a->course_day = sqlite3_column_type(s, 21) == SQLITE_NULL ? NAN : sqlite3_column_double(s, 21);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        free(list);
        return ss__fail(db, "read attempts");
    }
    *out = list;
    *n = count;
    return SS_OK;
}

ss_status ss_results_db_metric(ss_results_db *db, long long attempt_id, const char *name, double *value)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db->db, "SELECT value FROM metrics WHERE attempt_id = ? AND name = ?", -1, &s, NULL) !=
        SQLITE_OK)
        return ss__fail(db, "read metric");
    sqlite3_bind_int64(s, 1, attempt_id);
    sqlite3_bind_text(s, 2, name, -1, SQLITE_TRANSIENT);
    ss_status st = SS_OK;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *value = sqlite3_column_type(s, 0) == SQLITE_NULL ? NAN : sqlite3_column_double(s, 0);
    else if (rc == SQLITE_DONE)
        st = ss_error_set(SS_ERR_INVALID, "results database %s: attempt %lld has no metric '%s'", db->path, attempt_id,
                          name);
    else
        st = ss__fail(db, "read metric");
    sqlite3_finalize(s);
    return st;
}

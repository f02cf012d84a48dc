/* test_support.c: see test_support.h. */
#define _POSIX_C_SOURCE 200809L
#include "test_support.h"

#include <criterion/criterion.h>

#include <cjson/cJSON.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "paths.h"

const char *ts_source_path(const char *rel)
{
    static char bufs[8][4096];
    static int slot;
    char *b = bufs[slot++ & 7];
    snprintf(b, 4096, "%s/%s", SONOSPINE_SOURCE_DIR, rel);
    return b;
}

const char *ts_tempdir(const char *tag)
{
    static char bufs[4][256];
    static int slot;
    char *b = bufs[slot++ & 3];
    snprintf(b, 256, "/tmp/sonospine-test-%s-XXXXXX", tag);
    if (!mkdtemp(b)) return NULL;
    return b;
}

void ts_rmtree(const char *dir)
{
    if (!dir || strncmp(dir, "/tmp/sonospine-test-", 20) != 0) return;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

int ts_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t n = strlen(text);
    int ok = fwrite(text, 1, n, f) == n;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

static void ts__slurp(int fd, char *buf, size_t cap)
{
    size_t used = 0;
    char tmp[4096];
    ssize_t n;
    while ((n = read(fd, tmp, sizeof tmp)) > 0) {
        size_t take = (size_t)n;
        if (used + take > cap - 1) take = cap - 1 - used;
        memcpy(buf + used, tmp, take);
        used += take;
    }
    buf[used] = '\0';
}

/* Session logs are signed with the station key (station_key.h), created on first use:
 * tests, in process or through the executable, use one under /tmp, never the tester's
 * own ~/.local/share key. A test that examines the key names its own path. */
__attribute__((constructor)) static void ts__station_key_env(void)
{
    if (!getenv("SONOSPINE_STATION_KEY")) {
        char key[128];
        snprintf(key, sizeof key, "/tmp/sonospine-test-station-%ld/station.key", (long)getuid());
        setenv("SONOSPINE_STATION_KEY", key, 1);
    }
    /* Nor the machine's signing service or trusted-keys file (log_signer.h, key_trust.h):
     * a test that wants them starts its own and names them. */
    if (!getenv("SONOSPINE_SIGNER_SOCKET")) setenv("SONOSPINE_SIGNER_SOCKET", "", 1);
    if (!getenv("SONOSPINE_TRUSTED_KEYS")) setenv("SONOSPINE_TRUSTED_KEYS", "", 1);
}

const char *ts_station_pub(void)
{
    static char pub[1024];
    snprintf(pub, sizeof pub, "%s", getenv("SONOSPINE_STATION_KEY"));
    char *slash = strrchr(pub, '/');
    snprintf(slash ? slash + 1 : pub, sizeof pub - (size_t)(slash ? slash + 1 - pub : 0), "station.pub");
    return pub;
}

int ts_run_sonospine(ts_run_result *res, const char *const *args)
{
    char out_path[] = "/tmp/sonospine-out-XXXXXX";
    char err_path[] = "/tmp/sonospine-err-XXXXXX";
    int fo = mkstemp(out_path), fe = mkstemp(err_path);
    if (fo < 0 || fe < 0) return -1;
    int argc = 0;
    while (args[argc]) argc++;
    char **argv = calloc((size_t)argc + 2, sizeof *argv);
    argv[0] = (char *)SONOSPINE_EXE;
    for (int i = 0; i < argc; i++) argv[i + 1] = (char *)args[i];
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fo, 1);
        dup2(fe, 2);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, 0);
        /* A run with --trainee records its result in the default results database
         * (results_db.h): never the tester's own ~/.local/share one. Tests that look at
         * the database name their own with --results-db or SONOSPINE_RESULTS_DB. */
        if (!getenv("SONOSPINE_RESULTS_DB")) {
            char db[128];
            snprintf(db, sizeof db, "/tmp/sonospine-test-results-%ld.sqlite3", (long)getuid());
            setenv("SONOSPINE_RESULTS_DB", db, 1);
        }
        /* sanitizer builds: leaks inside third-party libraries (tests/lsan.supp) */
        if (!getenv("LSAN_OPTIONS")) setenv("LSAN_OPTIONS", "suppressions=" SONOSPINE_SOURCE_DIR "/tests/lsan.supp", 1);
        execv(SONOSPINE_EXE, argv);
        _exit(127);
    }
    free(argv);
    int status = 0;
    waitpid(pid, &status, 0);
    lseek(fo, 0, SEEK_SET);
    lseek(fe, 0, SEEK_SET);
    ts__slurp(fo, res->out, sizeof res->out);
    ts__slurp(fe, res->err, sizeof res->err);
    close(fo);
    close(fe);
    unlink(out_path);
    unlink(err_path);
    res->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return res->exit_code;
}

char *ts_report_html(ts_run_result *res, const char *log, const char *html)
{
    const char *args[] = {"report", log, "-o", html, NULL};
    if (ts_run_sonospine(res, args) != 0) return NULL;
    char *data = NULL;
    size_t len = 0;
    return ss_file_read(html, 1u << 26, &data, &len) == SS_OK ? data : NULL;
}

struct cJSON *ts_read_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4u << 20;
    char *text = malloc(cap + 1);
    size_t n = text ? fread(text, 1, cap, f) : 0;
    fclose(f);
    if (!text) return NULL;
    text[n] = 0;
    cJSON *j = cJSON_Parse(text);
    free(text);
    return j;
}

void ts_outcome_rubric(ss_rubric *out, double puncture_threshold_s)
{
    *out = (ss_rubric){.given = true,
                       .pass_mark = 70,
                       .metrics = {{"success", 1, 40, SS_RUBRIC_HIGHER_BETTER, false},
                                   {"insertions", 2, 25, SS_RUBRIC_LOWER_BETTER, false},
                                   {"bone_contacts", 3, 15, SS_RUBRIC_LOWER_BETTER, false},
                                   {"puncture_time_s", puncture_threshold_s, 20, SS_RUBRIC_LOWER_BETTER, false}},
                       .nmetrics = 4};
}

void ts_design_attempt(ss_scenario *sc, ss_script *script)
{
    cr_assert_eq(ss_scenario_load(ts_source_path("scenarios/normal-adult.json"), sc, NULL), SS_OK, "%s",
                 ss_error_message());
    sc->task.guide_allowed = true;
    sc->task.guide_angle_min_deg = 0;
    sc->task.guide_angle_max_deg = 60;
    cr_assert_eq(ss_script_load(ts_source_path("tests/data/scripts/design-example.txt"), script), SS_OK, "%s",
                 ss_error_message());
}

/* test_support.h: helpers shared by the Criterion suites.
 * SONOSPINE_SOURCE_DIR and SONOSPINE_EXE are compile definitions from CMake. */
#ifndef SS_TEST_SUPPORT_H
#define SS_TEST_SUPPORT_H

#include <stddef.h>

#include "scenario.h"
#include "session_script.h"

/* Path under the source tree: ts_source_path("scenarios/default.json"). Static buffer
 * per call slot (8 rotating), so a few can be used in one expression. */
const char *ts_source_path(const char *rel);

/* A fresh empty directory under /tmp, removed by ts_rmtree(). */
const char *ts_tempdir(const char *tag);
void ts_rmtree(const char *dir);

/* Runs the sonospine executable with the given arguments (NULL-terminated; with
 * SONOSPINE_RESULTS_DB pointing under /tmp unless the caller set it), captures
 * stdout and stderr (each truncated to 64 KiB) and returns the exit code (or -1). */
typedef struct ts_run_result {
    int exit_code;
    char out[65536];
    char err[65536];
} ts_run_result;
int ts_run_sonospine(ts_run_result *res, const char *const *args);

/* station.pub of the station key the tests sign with (beside $SONOSPINE_STATION_KEY):
 * what `verify --key` takes to call the tests' logs authentic. Static buffer. */
const char *ts_station_pub(void);

/* `sonospine report LOG -o HTML` and the page's text (the caller frees it), or NULL when
 * the command fails (its output then in *res) or the page cannot be read. */
char *ts_report_html(ts_run_result *res, const char *log, const char *html);

/* Writes text to path; returns 0 on success. */
int ts_write_file(const char *path, const char *text);

/* A JSON file parsed (up to 4 MiB), or NULL if it cannot be read or is not JSON. */
struct cJSON;
struct cJSON *ts_read_json(const char *path);

/* The rubric the shipped cases had before issue 22, an outcome-only rubric: success
 * w40 >= 1, insertions w25 <= 2, bone contacts w15 <= 3, puncture time w20 <= the given
 * seconds; pass mark 70. */
void ts_outcome_rubric(ss_rubric *out, double puncture_threshold_s);

/* The recorded attempt the session tests share: the normal adult with the puncture guide
 * allowed at 0-60 deg, and the DESIGN.md example script (tests/data/scripts). Asserts. */
void ts_design_attempt(ss_scenario *sc, ss_script *script);

#endif

/* test_cli_verify.c: `sonospine verify` exit codes and messages (DESIGN.md contract). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "session_log.h"
#include "test_support.h"

static ts_run_result r;

static void make_log(const char *path, int events, bool seal)
{
    ss_log_writer *w;
    cr_assert_eq(ss_log_create(path, &w), SS_OK, "%s", ss_error_message());
    for (int i = 0; i < events; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "type", "probe_contact");
        cJSON_AddNumberToObject(e, "t", i);
        cr_assert_eq(ss_log_append(w, e), SS_OK);
        cJSON_Delete(e);
    }
    if (seal) cr_assert_eq(ss_log_close(w), SS_OK);
    else ss_log_abandon(w);
}

Test(cli_verify, intact_tampered_incomplete_unreadable)
{
    const char *dir = ts_tempdir("verify");
    char good[512], cut[512], bad[512];
    snprintf(good, sizeof good, "%s/good.jsonl", dir);
    snprintf(cut, sizeof cut, "%s/cut.jsonl", dir);
    snprintf(bad, sizeof bad, "%s/bad.jsonl", dir);
    make_log(good, 5, true);
    make_log(cut, 3, false);

    const char *a1[] = {"verify", good, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a1), 0, "stdout %s stderr %s", r.out, r.err);
    cr_assert(strstr(r.out, "intact"));

    const char *a2[] = {"verify", cut, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a2), 1);
    cr_assert(strstr(r.out, "incomplete (not tampered)"), "%s", r.out);

    /* Change one digit of the third record's time: "t":2 -> "t":7 */
    char *text;
    size_t n;
    cr_assert_eq(ss_file_read(good, 1 << 20, &text, &n), SS_OK);
    char *third = strstr(text, "\"t\":2");
    cr_assert_not_null(third);
    third[4] = '7';
    cr_assert_eq(ts_write_file(bad, text), 0);
    free(text);
    const char *a3[] = {"verify", bad, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a3), 1);
    cr_assert(strstr(r.out, "TAMPERED at line 3"), "%s", r.out);

    const char *a4[] = {"verify", dir, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a4), 2);
    cr_assert(strstr(r.err, "is a directory"), "%s", r.err);

    const char *a5[] = {"verify", NULL};
    cr_assert_eq(ts_run_sonospine(&r, a5), 2);
    ts_rmtree(dir);
}

/* test_session_log.c: the hash-chained session log: whatever was appended survives a
 * cut at any byte, and any changed, removed, reordered or inserted byte or record is
 * reported as tampering with the first bad line named. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "session_log.h"
#include "test_support.h"

enum { N_EVENTS = 12 };

static const char *dir;
static char log_path[512], mut_path[512];
static char *orig;
static size_t orig_len;
static size_t line_start[N_EVENTS + 2], line_end[N_EVENTS + 2]; /* end = index of '\n' */

static void write_log(void)
{
    dir = ts_tempdir("log");
    snprintf(log_path, sizeof log_path, "%s/session.jsonl", dir);
    snprintf(mut_path, sizeof mut_path, "%s/mutated.jsonl", dir);
    ss_log_writer *w;
    cr_assert_eq(ss_log_create(log_path, &w), SS_OK, "%s", ss_error_message());
    for (int i = 0; i < N_EVENTS; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "t", 0.25 * i);
        cJSON_AddStringToObject(e, "type", i == 0 ? "header" : "layer_enter");
        cJSON_AddStringToObject(e, "tissue", "fat");
        cJSON_AddNumberToObject(e, "depth_mm", 1.5 * i);
        cr_assert_eq(ss_log_append(w, e), SS_OK);
        cJSON_Delete(e);
    }
    cr_assert_eq(ss_log_records(w), N_EVENTS);
    cr_assert_eq(ss_log_close(w), SS_OK);
    cr_assert_eq(ss_file_read(log_path, 1 << 20, &orig, &orig_len), SS_OK);
    size_t k = 0, start = 0;
    for (size_t i = 0; i < orig_len; i++)
        if (orig[i] == '\n') {
            line_start[k] = start;
            line_end[k++] = i;
            start = i + 1;
        }
    cr_assert_eq(k, (size_t)N_EVENTS + 1, "12 events + the seal");
}

static void cleanup(void)
{
    free(orig);
    ts_rmtree(dir);
}

TestSuite(log, .init = write_log, .fini = cleanup);

static ss_log_check check_bytes(const char *bytes, size_t len)
{
    FILE *f = fopen(mut_path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(bytes, 1, len, f), len);
    fclose(f);
    ss_log_check c;
    cr_assert_eq(ss_log_read(mut_path, &c, NULL), SS_OK);
    return c;
}

Test(log, intact_log_verifies_and_reads_back_every_record)
{
    ss_log_check c;
    cJSON *recs = NULL;
    cr_assert_eq(ss_log_read(log_path, &c, &recs), SS_OK);
    cr_assert_eq(c.verdict, SS_LOG_INTACT, "%s", c.reason);
    cr_assert_eq(c.records, N_EVENTS + 1);
    cr_assert_eq(cJSON_GetArraySize(recs), N_EVENTS + 1);
    const cJSON *r5 = cJSON_GetArrayItem(recs, 5);
    cr_assert_float_eq(cJSON_GetObjectItem(r5, "depth_mm")->valuedouble, 7.5, 1e-12, "payload round-trips");
    cJSON_Delete(recs);
}

Test(log, never_overwrites_an_existing_log)
{
    ss_log_writer *w = NULL;
    cr_assert_eq(ss_log_create(log_path, &w), SS_ERR_IO);
    cr_assert_null(w);
    cr_assert(strstr(ss_error_message(), "never overwritten"), "%s", ss_error_message());
}

Test(log, a_cut_at_any_byte_keeps_every_whole_record_and_is_not_tampering)
{
    for (size_t cut = 0; cut < orig_len; cut++) {
        ss_log_check c = check_bytes(orig, cut);
        long whole = 0;
        for (int k = 0; k <= N_EVENTS; k++)
            if (line_end[k] < cut) whole++;
        cr_assert_eq(c.verdict, SS_LOG_INCOMPLETE, "cut at %zu: %s", cut, c.reason);
        cr_assert_eq(c.records, whole, "cut at %zu: %ld records read, %ld whole", cut, c.records, whole);
    }
}

Test(log, any_changed_byte_is_tampering_naming_its_line)
{
    /* Every byte but the file's final newline (see session_log.h: a log whose very last
     * byte is missing is indistinguishable from a write torn there). */
    char *buf = malloc(orig_len);
    for (size_t i = 0; i + 1 < orig_len; i++) {
        memcpy(buf, orig, orig_len);
        buf[i] = (char)(buf[i] == 'x' ? 'y' : 'x');
        ss_log_check c = check_bytes(buf, orig_len);
        long line = 0;
        while (line_end[line] < i) line++;
        cr_assert_eq(c.verdict, SS_LOG_TAMPERED, "byte %zu changed: %s", i, c.reason);
        /* A changed newline joins two lines: the first of them is the bad one. */
        cr_assert_eq(c.bad_line, line + 1, "byte %zu (line %ld): reported line %ld (%s)", i, line + 1, c.bad_line,
                     c.reason);
    }
    free(buf);
}

static size_t append_line(char *dst, size_t at, int k)
{
    size_t n = line_end[k] + 1 - line_start[k];
    memcpy(dst + at, orig + line_start[k], n);
    return at + n;
}

Test(log, removed_reordered_and_inserted_records_are_tampering)
{
    char *buf = malloc(orig_len * 2);
    /* removed: line 4 (seq 3) dropped -> line 4 now holds seq 4 */
    size_t n = 0;
    for (int k = 0; k <= N_EVENTS; k++)
        if (k != 3) n = append_line(buf, n, k);
    ss_log_check c = check_bytes(buf, n);
    cr_assert_eq(c.verdict, SS_LOG_TAMPERED);
    cr_assert_eq(c.bad_line, 4);
    /* reordered: lines 6 and 7 swapped */
    n = 0;
    for (int k = 0; k <= N_EVENTS; k++) n = append_line(buf, n, k == 5 ? 6 : k == 6 ? 5 : k);
    c = check_bytes(buf, n);
    cr_assert_eq(c.verdict, SS_LOG_TAMPERED);
    cr_assert_eq(c.bad_line, 6);
    /* inserted: line 2 duplicated after itself */
    n = 0;
    for (int k = 0; k <= N_EVENTS; k++) {
        n = append_line(buf, n, k);
        if (k == 1) n = append_line(buf, n, k);
    }
    c = check_bytes(buf, n);
    cr_assert_eq(c.verdict, SS_LOG_TAMPERED);
    cr_assert_eq(c.bad_line, 3);
    /* appended after the seal */
    memcpy(buf, orig, orig_len);
    n = append_line(buf, orig_len, 2);
    c = check_bytes(buf, n);
    cr_assert_eq(c.verdict, SS_LOG_TAMPERED);
    cr_assert_eq(c.bad_line, N_EVENTS + 2);
    free(buf);
}

Test(log, abandoned_log_is_incomplete_not_tampered)
{
    char path[600];
    snprintf(path, sizeof path, "%s/abandoned.jsonl", dir);
    ss_log_writer *w;
    cr_assert_eq(ss_log_create(path, &w), SS_OK);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "type", "header");
    cr_assert_eq(ss_log_append(w, e), SS_OK);
    cJSON_Delete(e);
    ss_log_abandon(w);
    ss_log_check c;
    cr_assert_eq(ss_log_read(path, &c, NULL), SS_OK);
    cr_assert_eq(c.verdict, SS_LOG_INCOMPLETE, "%s", c.reason);
    cr_assert_eq(c.records, 1);
}

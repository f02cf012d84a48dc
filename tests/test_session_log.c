/* test_session_log.c: the hash-chained, signed session log: whatever was appended
 * survives a cut at any byte, any changed, removed, reordered or inserted byte or record
 * is reported as tampering with the first bad line named, and a log re-hashed after an
 * edit (which the chain alone cannot catch) fails its station signature. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "key_trust.h"
#include "paths.h"
#include "session_log.h"
#include "test_support.h"

enum { N_EVENTS = 12, N_LINES = N_EVENTS + 2 }; /* + seal + signature */

static const char *dir;
static char log_path[512], mut_path[512];
static char *orig;
static size_t orig_len;
static size_t line_start[N_LINES], line_end[N_LINES]; /* end = index of '\n' */
static char key_path[512];
static ss_station_key *key;

static void write_log(void)
{
    dir = ts_tempdir("log");
    snprintf(log_path, sizeof log_path, "%s/session.jsonl", dir);
    snprintf(mut_path, sizeof mut_path, "%s/mutated.jsonl", dir);
    snprintf(key_path, sizeof key_path, "%s/keys/station.key", dir);
    cr_assert_eq(ss_station_key_open(key_path, true, &key, NULL), SS_OK, "%s", ss_error_message());
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
    cr_assert_eq(ss_log_close_signed(w, key), SS_OK);
    cr_assert_eq(ss_file_read(log_path, 1 << 20, &orig, &orig_len), SS_OK);
    size_t k = 0, start = 0;
    for (size_t i = 0; i < orig_len; i++)
        if (orig[i] == '\n') {
            line_start[k] = start;
            line_end[k++] = i;
            start = i + 1;
        }
    cr_assert_eq(k, (size_t)N_LINES, "12 events + the seal + the signature");
}

static void cleanup(void)
{
    free(orig);
    ss_station_key_free(key);
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
    cr_assert_eq(c.records, N_LINES);
    cr_assert_eq(cJSON_GetArraySize(recs), N_LINES);
    cr_assert(c.signature_ok);
    cr_assert_str_eq(c.key_id, ss_station_key_id(key));
    cr_assert_str_eq(c.public_key, ss_station_key_public_hex(key));
    /* The seal's hash is what the signature covers and what results and reports cite. */
    const cJSON *seal = cJSON_GetArrayItem(recs, N_EVENTS);
    cr_assert_str_eq(cJSON_GetObjectItem(seal, "type")->valuestring, "seal");
    const cJSON *sig = cJSON_GetArrayItem(recs, N_LINES - 1);
    cr_assert_str_eq(cJSON_GetObjectItem(sig, "type")->valuestring, "signature");
    cr_assert_str_eq(c.seal_hash, cJSON_GetObjectItem(sig, "prev")->valuestring, "the seal's hash chains on");
    cr_assert_str_eq(c.seal_hash, cJSON_GetObjectItem(sig, "signs")->valuestring);
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
        for (int k = 0; k < N_LINES; k++)
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
    for (int k = 0; k < N_LINES; k++)
        if (k != 3) n = append_line(buf, n, k);
    ss_log_check c = check_bytes(buf, n);
    cr_assert_eq(c.verdict, SS_LOG_TAMPERED);
    cr_assert_eq(c.bad_line, 4);
    /* reordered: lines 6 and 7 swapped */
    n = 0;
    for (int k = 0; k < N_LINES; k++) n = append_line(buf, n, k == 5 ? 6 : k == 6 ? 5 : k);
    c = check_bytes(buf, n);
    cr_assert_eq(c.verdict, SS_LOG_TAMPERED);
    cr_assert_eq(c.bad_line, 6);
    /* inserted: line 2 duplicated after itself */
    n = 0;
    for (int k = 0; k < N_LINES; k++) {
        n = append_line(buf, n, k);
        if (k == 1) n = append_line(buf, n, k);
    }
    c = check_bytes(buf, n);
    cr_assert_eq(c.verdict, SS_LOG_TAMPERED);
    cr_assert_eq(c.bad_line, 3);
    /* appended after the signature */
    memcpy(buf, orig, orig_len);
    n = append_line(buf, orig_len, 2);
    c = check_bytes(buf, n);
    cr_assert_eq(c.verdict, SS_LOG_TAMPERED);
    cr_assert_eq(c.bad_line, N_LINES + 1);
    /* inserted between the seal and its signature */
    n = 0;
    for (int k = 0; k < N_LINES; k++) {
        if (k == N_LINES - 1) n = append_line(buf, n, 2);
        n = append_line(buf, n, k);
    }
    c = check_bytes(buf, n);
    cr_assert_eq(c.verdict, SS_LOG_TAMPERED);
    cr_assert_eq(c.bad_line, N_LINES);
    cr_assert(!c.bad_signature, "a misplaced record, not a bad signature: %s", c.reason);
    free(buf);
}

/* A new log in dir holding one header record, left open for the caller to end. */
static ss_log_writer *one_record_log(const char *name, char path[600])
{
    snprintf(path, 600, "%s/%s", dir, name);
    ss_log_writer *w;
    cr_assert_eq(ss_log_create(path, &w), SS_OK);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "type", "header");
    cr_assert_eq(ss_log_append(w, e), SS_OK);
    cJSON_Delete(e);
    return w;
}

Test(log, abandoned_log_is_incomplete_not_tampered)
{
    char path[600];
    ss_log_abandon(one_record_log("abandoned.jsonl", path));
    ss_log_check c;
    cr_assert_eq(ss_log_read(path, &c, NULL), SS_OK);
    cr_assert_eq(c.verdict, SS_LOG_INCOMPLETE, "%s", c.reason);
    cr_assert_eq(c.records, 1);
}

/* What a forger without the station's secret key can do: change records and rebuild the
 * whole hash chain (hashes are not secret). Writes the records of the original log,
 * passed through edit(), with a fresh chain to mut_path and returns its check. */
typedef void (*edit_fn)(cJSON *records);

static ss_log_check forge(edit_fn edit)
{
    ss_log_check c;
    cJSON *recs = NULL;
    cr_assert_eq(ss_log_read(log_path, &c, &recs), SS_OK);
    edit(recs);
    remove(mut_path);
    ss_log_writer *w;
    cr_assert_eq(ss_log_create(mut_path, &w), SS_OK, "%s", ss_error_message());
    cJSON *r;
    cJSON_ArrayForEach(r, recs)
    {
        cJSON_DeleteItemFromObject(r, "seq");
        cJSON_DeleteItemFromObject(r, "prev");
        cJSON_DeleteItemFromObject(r, "hash");
        /* the signature record names the seal it signs: keep it pointing at the new seal */
        const cJSON *t = cJSON_GetObjectItem(r, "type");
        if (cJSON_IsString(t) && !strcmp(t->valuestring, "signature") && cJSON_GetObjectItem(r, "signs"))
            cJSON_ReplaceItemInObject(r, "signs", cJSON_CreateString(ss_log_last_hash(w)));
        cr_assert_eq(ss_log_append(w, r), SS_OK, "%s", ss_error_message());
    }
    ss_log_abandon(w);
    cJSON_Delete(recs);
    cr_assert_eq(ss_log_read(mut_path, &c, NULL), SS_OK);
    return c;
}

static void edit_nothing(cJSON *recs) { (void)recs; }

static void edit_depth(cJSON *recs)
{
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(recs, 5), "depth_mm", cJSON_CreateNumber(99.0));
}

static void flip_sig_digit(cJSON *recs)
{
    cJSON *sig = cJSON_GetObjectItem(cJSON_GetArrayItem(recs, N_LINES - 1), "sig");
    char *s = sig->valuestring;
    s[10] = s[10] == '0' ? '1' : '0';
}

static void drop_signature(cJSON *recs) { cJSON_DeleteItemFromArray(recs, N_LINES - 1); }

/* Another station's public key (and its matching key id) put in place of the signer's. */
static void swap_key(cJSON *recs)
{
    char other[600];
    snprintf(other, sizeof other, "%s/other/station.key", dir);
    ss_station_key *k2;
    cr_assert_eq(ss_station_key_open(other, true, &k2, NULL), SS_OK, "%s", ss_error_message());
    cJSON *sg = cJSON_GetArrayItem(recs, N_LINES - 1);
    cJSON_ReplaceItemInObject(sg, "public_key", cJSON_CreateString(ss_station_key_public_hex(k2)));
    cJSON_ReplaceItemInObject(sg, "key_id", cJSON_CreateString(ss_station_key_id(k2)));
    ss_station_key_free(k2);
}

static void wrong_key_id(cJSON *recs)
{
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(recs, N_LINES - 1), "key_id", cJSON_CreateString("0123456789abcdef"));
}

Test(log, rebuilding_the_chain_unchanged_still_verifies)
{
    /* Control for the forgeries below: the rebuild itself changes nothing. */
    ss_log_check c = forge(edit_nothing);
    cr_assert_eq(c.verdict, SS_LOG_INTACT, "%s", c.reason);
}

Test(log, an_edit_with_the_chain_rebuilt_fails_the_signature)
{
    ss_log_check c = forge(edit_depth);
    cr_assert_eq(c.verdict, SS_LOG_TAMPERED, "%s", c.reason);
    cr_assert(c.bad_signature);
    cr_assert_eq(c.bad_line, N_LINES, "the signature record is named: %s", c.reason);
    cr_assert(strstr(c.reason, "does not verify"), "%s", c.reason);
}

Test(log, a_changed_signature_digit_is_a_bad_signature)
{
    ss_log_check c = forge(flip_sig_digit);
    cr_assert_eq(c.verdict, SS_LOG_TAMPERED, "%s", c.reason);
    cr_assert(c.bad_signature);
    cr_assert_eq(c.bad_line, N_LINES);
}

Test(log, another_stations_key_in_the_signature_record_is_a_bad_signature)
{
    ss_log_check c = forge(swap_key);
    cr_assert_eq(c.verdict, SS_LOG_TAMPERED, "%s", c.reason);
    cr_assert(c.bad_signature);
    cr_assert(strstr(c.reason, "does not verify"), "%s", c.reason);
    c = forge(wrong_key_id);
    cr_assert_eq(c.verdict, SS_LOG_TAMPERED, "%s", c.reason);
    cr_assert(strstr(c.reason, "key_id"), "%s", c.reason);
}

Test(log, a_removed_signature_record_reads_as_incomplete)
{
    /* Without its last line the log is byte for byte a log cut after its seal. */
    ss_log_check c = check_bytes(orig, line_start[N_LINES - 1]);
    cr_assert_eq(c.verdict, SS_LOG_INCOMPLETE, "%s", c.reason);
    cr_assert(c.sealed && !c.signature_ok);
    cr_assert(strstr(c.reason, "before its signature"), "%s", c.reason);
    c = forge(drop_signature);
    cr_assert_eq(c.verdict, SS_LOG_INCOMPLETE, "%s", c.reason);
}

Test(log, a_log_sealed_without_a_key_is_incomplete)
{
    char path[600];
    cr_assert_eq(ss_log_close(one_record_log("unsigned.jsonl", path)), SS_OK);
    ss_log_check c;
    cr_assert_eq(ss_log_read(path, &c, NULL), SS_OK);
    cr_assert_eq(c.verdict, SS_LOG_INCOMPLETE, "an unsigned log is never intact: %s", c.reason);
    cr_assert(c.sealed);
}

/* Riding along on a valid signature: the Ed25519 signature covers the seal, so the
 * signature record itself must be exactly what the writer prints for its values. */
static void extra_field_in_signature(cJSON *recs)
{
    cJSON_AddBoolToObject(cJSON_GetArrayItem(recs, N_LINES - 1), "pass", 1);
}

static void repeated_type_in_signature(cJSON *recs)
{
    /* cJSON reads the first "type", other JSON readers (Python, jq) the last one */
    cJSON_AddItemToObject(cJSON_GetArrayItem(recs, N_LINES - 1), "type", cJSON_CreateString("grade"));
}

static void upper_case_signature(cJSON *recs)
{
    /* libsodium's hex decoder takes either case: the same signature, other bytes */
    for (char *s = cJSON_GetObjectItem(cJSON_GetArrayItem(recs, N_LINES - 1), "sig")->valuestring; *s; s++)
        if (*s >= 'a' && *s <= 'f') *s = (char)(*s - 'a' + 'A');
}

Test(log, a_signature_record_with_other_bytes_is_a_bad_signature_though_its_sig_verifies)
{
    edit_fn edits[] = {extra_field_in_signature, repeated_type_in_signature, upper_case_signature};
    const char *names[] = {"extra field", "repeated key", "upper-case hex"};
    for (int i = 0; i < 3; i++) {
        ss_log_check c = forge(edits[i]);
        cr_assert_eq(c.verdict, SS_LOG_TAMPERED, "%s: %s", names[i], c.reason);
        cr_assert(c.bad_signature, "%s", names[i]);
        cr_assert_eq(c.bad_line, N_LINES, "%s: the signature record is named: %s", names[i], c.reason);
    }
}

Test(log, nul_bytes_are_tampering_unless_they_only_end_an_unsigned_log)
{
    /* NULs then a record after the signature: other tools read the record, so it is
     * tampering, never a torn write. */
    const char tail[] = "\0\n{\"type\":\"grade\",\"pass\":true}\n";
    char *buf = malloc(orig_len + sizeof tail);
    memcpy(buf, orig, orig_len);
    memcpy(buf + orig_len, tail, sizeof tail - 1);
    ss_log_check c = check_bytes(buf, orig_len + sizeof tail - 1);
    cr_assert_eq(c.verdict, SS_LOG_TAMPERED, "record hidden behind a NUL: %s", c.reason);
    cr_assert_eq(c.bad_line, N_LINES + 1, "%s", c.reason);
    /* NULs alone after the signature: appended later as well. */
    memset(buf + orig_len, 0, 16);
    c = check_bytes(buf, orig_len + 16);
    cr_assert_eq(c.verdict, SS_LOG_TAMPERED, "NULs after the signature: %s", c.reason);
    /* A byte of record 4 overwritten with NUL: tampering at line 4, not a cut. */
    memcpy(buf, orig, orig_len);
    buf[line_start[3] + 5] = '\0';
    c = check_bytes(buf, orig_len);
    cr_assert_eq(c.verdict, SS_LOG_TAMPERED, "NUL inside record 4: %s", c.reason);
    cr_assert_eq(c.bad_line, 4, "%s", c.reason);
    /* What a power cut leaves (the file extended, the data never written): NULs from
     * inside record 6 to the end. Incomplete, with the five whole records before. */
    memcpy(buf, orig, orig_len);
    memset(buf + line_start[5] + 7, 0, orig_len - line_start[5] - 7);
    c = check_bytes(buf, orig_len);
    cr_assert_eq(c.verdict, SS_LOG_INCOMPLETE, "NULs to the end: %s", c.reason);
    cr_assert_eq(c.records, 5);
    free(buf);
}

/* Checkpoints (issue 23): a log killed after a checkpoint reads as incomplete with its
 * first K records signed (the key and the time named); an edit before the checkpoint,
 * even with the chain rebuilt, breaks the checkpoint's signature (tampering); a
 * checkpoint signature for another position is refused by the writer. */
static void append_n(ss_log_writer *w, int n, int from)
{
    for (int i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "type", i + from == 0 ? "header" : "input");
        cJSON_AddNumberToObject(e, "tick", i + from);
        cr_assert_eq(ss_log_append(w, e), SS_OK);
        cJSON_Delete(e);
    }
}

Test(log_checkpoint, a_killed_log_is_authenticated_up_to_its_checkpoint)
{
    const char *d = ts_tempdir("log_ckpt");
    char path[512], kpath[512], forged[512];
    snprintf(path, sizeof path, "%s/a.jsonl", d);
    snprintf(forged, sizeof forged, "%s/b.jsonl", d);
    snprintf(kpath, sizeof kpath, "%s/k/station.key", d);
    ss_station_key *k;
    cr_assert_eq(ss_station_key_open(kpath, true, &k, NULL), SS_OK, "%s", ss_error_message());
    ss_log_writer *w;
    cr_assert_eq(ss_log_create(path, &w), SS_OK);
    append_n(w, 5, 0);
    ss_log_signature sig;
    ss_log_sign_checkpoint(k, ss_log_last_hash(w), 4, "2026-12-05T10:00:00Z", &sig); /* the wrong count */
    cr_expect_eq(ss_log_append_checkpoint(w, &sig, "2026-12-05T10:00:00Z"), SS_ERR_INVALID);
    ss_log_sign_checkpoint(k, ss_log_last_hash(w), ss_log_records(w), "2026-12-05T10:00:00Z", &sig);
    cr_assert_eq(ss_log_append_checkpoint(w, &sig, "2026-12-05T10:00:00Z"), SS_OK, "%s", ss_error_message());
    append_n(w, 3, 5);
    ss_log_abandon(w); /* killed */
    ss_log_check c;
    cJSON *recs;
    cr_assert_eq(ss_log_read(path, &c, &recs), SS_OK);
    cr_expect_eq(c.verdict, SS_LOG_INCOMPLETE, "%s", c.reason);
    cr_expect_eq(c.records, 9);
    cr_expect_eq(c.checkpoint_records, 5, "the header and four inputs before the checkpoint");
    cr_expect_str_eq(c.checkpoint_key_id, ss_station_key_id(k));
    cr_expect_str_eq(c.checkpoint_utc, "2026-12-05T10:00:00Z");
    static ss_trusted_keys t;
    cr_assert_eq(ss_trusted_keys_one(ss_station_key_public_hex(k), &t), SS_OK);
    char text[1400];
    cr_expect_eq(ss_log_authenticity(&c, &t, text, sizeof text), SS_AUTH_PREFIX, "%s", text);
    cr_expect(strstr(text, "records 1-5") && strstr(text, "the 4 after them are unauthenticated"), "%s", text);
    cr_expect_eq(ss_log_authenticity(&c, NULL, text, sizeof text), SS_AUTH_UNAUTHENTICATED, "%s", text);

    /* an edit before the checkpoint, the chain rebuilt (checkpoint record copied as is) */
    cr_assert_eq(ss_log_create(forged, &w), SS_OK);
    cJSON *r;
    cJSON_ArrayForEach(r, recs)
    {
        cJSON_DeleteItemFromObject(r, "seq");
        cJSON_DeleteItemFromObject(r, "prev");
        cJSON_DeleteItemFromObject(r, "hash");
        const cJSON *tk = cJSON_GetObjectItem(r, "tick");
        if (cJSON_IsNumber(tk) && tk->valuedouble == 2) cJSON_ReplaceItemInObject(r, "tick", cJSON_CreateNumber(3));
        cJSON *type = cJSON_GetObjectItem(r, "type");
        if (!strcmp(type->valuestring, "checkpoint"))
            cJSON_ReplaceItemInObject(r, "signs", cJSON_CreateString(ss_log_last_hash(w)));
        cr_assert_eq(ss_log_append(w, r), SS_OK);
    }
    ss_log_abandon(w);
    cJSON_Delete(recs);
    cr_assert_eq(ss_log_read(forged, &c, NULL), SS_OK);
    cr_expect_eq(c.verdict, SS_LOG_TAMPERED, "%s", c.reason);
    cr_expect_eq(c.bad_line, 6, "the checkpoint is named: %s", c.reason);
    cr_expect(strstr(c.reason, "bad checkpoint"), "%s", c.reason);
    ss_station_key_free(k);
    ts_rmtree(d);
}

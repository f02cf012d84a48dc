/* fuzz_session_log.c: libFuzzer harness for the session-log reader and chain verifier
 * (engine/session_log.c, ss_log_read_text) and for what is read from the records before
 * a replay: the header (ss_session_log_header) and the input records
 * (ss_script_cmd_from_json).
 *
 * Input: the bytes of a log. Each input is checked twice:
 * 1. as given: almost every mutation breaks a hash, so this exercises the framing and
 *    the "tampered" paths;
 * 2. "re-chained": for every line that ends like a record (`"prev":"<64>","hash":"<64>"}`)
 *    the harness writes the previous line's hash into prev and the line's true hash into
 *    hash, as a forger with the format (but not the key) would. The mutation then reaches
 *    the JSON, sequence and seal checks and the record readers behind them.
 * Checked after each: a documented verdict; records counted never exceed the lines;
 * the records array holds exactly the valid records; TAMPERED names a line and INTACT
 * does not; a re-chained log is never rejected for a hash mismatch; every input record
 * the replay would accept converts back to JSON and reads the same.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "session.h"
#include "session_log.h"
#include "session_script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { FUZZ_LOG_MAX_BYTES = 1 << 20 };

static const char hash_key[] = ",\"hash\":\"";
static const char prev_key[] = "\"prev\":\"";

static long count_lines(const char *text, size_t len)
{
    long n = 0;
    for (size_t i = 0; i < len; i++) n += text[i] == '\n';
    return n + (len > 0 && text[len - 1] != '\n');
}

/* Rewrites prev and hash of every record-shaped line so the chain holds. */
static void rechain(char *text, size_t len)
{
    char prev[SS_LOG_HASH_HEX];
    memset(prev, '0', 64);
    prev[64] = '\0';
    const size_t tail = (sizeof hash_key - 1) + 64 + 2;     /* ,"hash":"<64>"} */
    const size_t prev_field = (sizeof prev_key - 1) + 64 + 1; /* "prev":"<64>" */
    size_t pos = 0;
    while (pos < len) {
        char *line = text + pos;
        char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + 1;
        if (n < tail + 2 || memcmp(line + n - tail, hash_key, sizeof hash_key - 1) != 0 ||
            line[n - 1] != '}' || line[n - 2] != '"')
            continue;
        size_t blen = n - tail;
        char *pf = blen >= prev_field ? line + blen - prev_field : NULL;
        if (pf && memcmp(pf, prev_key, sizeof prev_key - 1) == 0 && pf[prev_field - 1] == '"')
            memcpy(pf + sizeof prev_key - 1, prev, 64);
        char save = line[blen];
        line[blen] = '}';
        char h[SS_LOG_HASH_HEX];
        ss_log_sha256_hex(line, blen + 1, h);
        line[blen] = save;
        memcpy(line + n - 66, h, 64);
        memcpy(prev, h, SS_LOG_HASH_HEX);
    }
}

static void check_records(const cJSON *records)
{
    char path[1024], sha[65];
    if (ss_session_log_header(records, path, sizeof path, sha) == SS_OK)
        FUZZ_CHECK(strlen(sha) == 64, "the header's scenario hash has 64 digits");
    const cJSON *rec;
    cJSON_ArrayForEach(rec, records)
    {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(rec, "type");
        if (!cJSON_IsString(type) || strcmp(type->valuestring, "input") != 0) continue;
        ss_script_cmd c;
        if (!ss_script_cmd_from_json(rec, &c)) continue;
        FUZZ_CHECK(c.op >= 0 && c.op < SS_OP_COUNT, "an accepted input names a known command");
        cJSON *o = ss_script_cmd_to_json(&c);
        FUZZ_CHECK(o != NULL, "an accepted input converts back to JSON");
        ss_script_cmd back;
        FUZZ_CHECK(ss_script_cmd_from_json(o, &back), "an accepted input reads back");
        FUZZ_CHECK(back.op == c.op && memcmp(back.args, c.args, sizeof c.args) == 0, "input round trip");
        FUZZ_CHECK(back.level == c.level && back.view == c.view && back.side_right == c.side_right &&
                       back.guide_auto == c.guide_auto && strcmp(back.event, c.event) == 0,
                   "input round trip");
        cJSON_Delete(o);
    }
}

static void check_one(const char *text, size_t len, bool rechained)
{
    ss_log_check ck;
    cJSON *records = NULL;
    ss_status st = ss_log_read_text(text, len, &ck, &records);
    FUZZ_CHECK(st == SS_OK, "text under the size limit always reads");
    FUZZ_CHECK(ck.verdict == SS_LOG_INTACT || ck.verdict == SS_LOG_INCOMPLETE || ck.verdict == SS_LOG_TAMPERED,
               "documented verdict");
    long lines = count_lines(text, len);
    FUZZ_CHECK(ck.records >= 0 && ck.records <= lines, "records counted never exceed the lines");
    FUZZ_CHECK(records != NULL && cJSON_GetArraySize(records) == ck.records, "one array entry a valid record");
    FUZZ_CHECK(memchr(ck.reason, '\0', sizeof ck.reason) && ck.reason[0], "a reason is given");
    if (ck.verdict == SS_LOG_TAMPERED) FUZZ_CHECK(ck.bad_line >= 1 && ck.bad_line <= lines, "names a line");
    else FUZZ_CHECK(ck.bad_line == 0, "only a tampered log names a bad line");
    if (ck.verdict == SS_LOG_INTACT) {
        FUZZ_CHECK(!ck.partial_tail && ck.records >= 1, "an intact log is whole");
        /* Re-chaining cannot forge the Ed25519 signature: an intact verdict needs a
         * sealed log whose signature verified. */
        FUZZ_CHECK(ck.sealed && ck.signature_ok && !ck.bad_signature, "an intact log is sealed and signed");
    }
    if (ck.bad_signature) FUZZ_CHECK(ck.verdict == SS_LOG_TAMPERED, "a bad signature is tampering");
    if (rechained && !memchr(text, '\0', len))
        FUZZ_CHECK(!strstr(ck.reason, "its hash does not match"), "a re-chained record's hash matches");
    check_records(records);
    cJSON_Delete(records);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_LOG_MAX_BYTES) return -1;
    check_one((const char *)data, size, false);
    char *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    rechain(copy, size);
    check_one(copy, size, true);
    free(copy);
    return 0;
}

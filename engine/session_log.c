/* session_log.c: see session_log.h. */
#define _POSIX_C_SOURCE 200809L
#include "session_log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"

enum { SS_LOG_MAX_BYTES = 256 << 20 }; /* a 30-minute scripted session logs ~0.75 MB (bench_long_session) */

static const char ss__zero_hash[SS_LOG_HASH_HEX] =
    "0000000000000000000000000000000000000000000000000000000000000000";
static const char ss__hash_key[] = ",\"hash\":\"";

struct ss_log_writer {
    int fd;
    long seq;
    char path[4096];
    char last_hash[SS_LOG_HASH_HEX];
    unsigned long json_failures; /* ss__json_failures when the last record was written */
};

/* cJSON reports a failed allocation only by a NULL that most of its callers (cJSON_Add*
 * building a payload) drop: a record could lose a field silently and still chain. So
 * every cJSON allocation goes through this counter (installed once, when the first log
 * is created), and a record is written only when no cJSON allocation failed since the
 * record before it: out of memory, the log ends cleanly at its last whole record
 * instead of holding a record with fields missing. */
static atomic_ulong ss__json_failures;
static pthread_once_t ss__json_once = PTHREAD_ONCE_INIT;

static void *ss__json_malloc(size_t n)
{
    void *p = malloc(n);
    if (!p) atomic_fetch_add(&ss__json_failures, 1);
    return p;
}

static void ss__json_hooks(void)
{
    cJSON_Hooks h = {.malloc_fn = ss__json_malloc, .free_fn = free};
    cJSON_InitHooks(&h);
}

void ss_log_sha256_hex(const void *data, size_t len, char out[SS_LOG_HASH_HEX])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, SS_LOG_HASH_HEX, h, sizeof h);
}

const char *ss_log_verdict_name(ss_log_verdict v)
{
    switch (v) {
    case SS_LOG_INTACT: return "intact";
    case SS_LOG_INCOMPLETE: return "incomplete";
    case SS_LOG_TAMPERED: return "tampered";
    }
    return "?";
}

ss_status ss_log_create(const char *path, ss_log_writer **out)
{
    *out = NULL;
    if (sodium_init() < 0) return ss_error_set(SS_ERR_INTERNAL, "libsodium failed to initialise");
    if (strlen(path) >= sizeof((ss_log_writer *)0)->path)
        return ss_error_set(SS_ERR_IO, "%s: path too long", path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    struct stat sb;
    if (fd < 0 && errno == EEXIST && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return ss_error_set(SS_ERR_IO, "%s: is a directory: expected the name of a new session log file", path);
    if (fd < 0)
        return ss_error_set(SS_ERR_IO, "%s: cannot create session log: %s%s", path, strerror(errno),
                            errno == EEXIST ? " (logs are never overwritten; choose another name)" : "");
    pthread_once(&ss__json_once, ss__json_hooks);
    ss_log_writer *w = calloc(1, sizeof *w);
    if (!w) {
        close(fd);
        return ss_error_set(SS_ERR_NOMEM, "out of memory");
    }
    w->json_failures = atomic_load(&ss__json_failures);
    w->fd = fd;
    strcpy(w->path, path);
    memcpy(w->last_hash, ss__zero_hash, SS_LOG_HASH_HEX);
    *out = w;
    return SS_OK;
}

static ss_status ss__write_all(ss_log_writer *w, const char *buf, size_t len)
{
    /* One write(2) for the whole line on an O_APPEND descriptor, as soon as it is
     * appended: nothing waits in a user-space buffer, so a kill loses no record already
     * appended. A kill or power cut in the middle of a write can still leave part of the
     * last line; the reader reports that as a cut (incomplete), not as tampering. */
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(w->fd, buf + done, len - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return ss_error_set(SS_ERR_IO, "%s: write failed: %s", w->path, strerror(errno));
        }
        done += (size_t)n;
    }
    return SS_OK;
}

/* The bytes of a record before its hash field: {"seq":N,<payload fields>,"prev":"..."},
 * exactly as the writer prints them (the reader rebuilds the signature record with it). */
static char *ss__record_body(long seq, const cJSON *payload, const char *prev)
{
    cJSON *rec = cJSON_CreateObject();
    if (!rec) return NULL;
    cJSON_AddNumberToObject(rec, "seq", (double)seq);
    for (const cJSON *it = payload->child; it; it = it->next)
        cJSON_AddItemToObject(rec, it->string, cJSON_Duplicate(it, 1));
    cJSON_AddStringToObject(rec, "prev", prev);
    char *body = cJSON_PrintUnformatted(rec);
    cJSON_Delete(rec);
    return body;
}

ss_status ss_log_append(ss_log_writer *w, const cJSON *payload)
{
    if (!cJSON_IsObject(payload)) return ss_error_set(SS_ERR_INTERNAL, "session log payload is not an object");
    for (const cJSON *it = payload->child; it; it = it->next)
        if (!it->string || !strcmp(it->string, "seq") || !strcmp(it->string, "prev") || !strcmp(it->string, "hash"))
            return ss_error_set(SS_ERR_INTERNAL, "session log payload uses a reserved or empty key");
    char *body = ss__record_body(w->seq, payload, w->last_hash);
    const unsigned long failures = atomic_load(&ss__json_failures);
    if (failures != w->json_failures) {
        w->json_failures = failures;
        free(body);
        return ss_error_set(SS_ERR_NOMEM, "%s: out of memory while a log record was built: it is not written (the log "
                                          "ends at its last whole record)",
                            w->path);
    }
    if (!body) return ss_error_set(SS_ERR_NOMEM, "out of memory printing a log record");
    size_t blen = strlen(body);
    char hash[SS_LOG_HASH_HEX];
    ss_log_sha256_hex(body, blen, hash);
    /* body ends with '}': replace it by ,"hash":"..."}\n */
    size_t llen = blen - 1 + (sizeof ss__hash_key - 1) + 64 + 3;
    char *line = malloc(llen + 1);
    if (!line) {
        free(body);
        return ss_error_set(SS_ERR_NOMEM, "out of memory");
    }
    memcpy(line, body, blen - 1);
    snprintf(line + blen - 1, llen + 1 - (blen - 1), "%s%s\"}\n", ss__hash_key, hash);
    free(body);
    ss_status st = ss__write_all(w, line, llen);
    free(line);
    if (st != SS_OK) return st;
    memcpy(w->last_hash, hash, SS_LOG_HASH_HEX);
    w->seq++;
    return SS_OK;
}

ss_status ss_log_sync(ss_log_writer *w)
{
    if (fdatasync(w->fd) != 0) return ss_error_set(SS_ERR_IO, "%s: sync failed: %s", w->path, strerror(errno));
    return SS_OK;
}

long ss_log_records(const ss_log_writer *w) { return w->seq; }
const char *ss_log_last_hash(const ss_log_writer *w) { return w->last_hash; }

static const char ss__sig_prefix[] = "sonospine-log-seal-v1:";

/* The signature record's fields, in the order they are written. */
static cJSON *ss__signature_payload(const char *seal_hash, const char *key_id, const char *pk_hex, const char *sig_hex)
{
    cJSON *s = cJSON_CreateObject();
    if (!s) return NULL;
    cJSON_AddStringToObject(s, "type", "signature");
    cJSON_AddStringToObject(s, "alg", "ed25519");
    cJSON_AddStringToObject(s, "signs", seal_hash);
    cJSON_AddStringToObject(s, "key_id", key_id);
    cJSON_AddStringToObject(s, "public_key", pk_hex);
    cJSON_AddStringToObject(s, "sig", sig_hex);
    return s;
}

const char *ss_log_path(const ss_log_writer *w) { return w->path; }

ss_status ss_log_seal(ss_log_writer *w)
{
    cJSON *seal = cJSON_CreateObject();
    if (!seal) return ss_error_set(SS_ERR_NOMEM, "out of memory");
    cJSON_AddStringToObject(seal, "type", "seal");
    cJSON_AddNumberToObject(seal, "records", (double)w->seq + 1);
    ss_status st = ss_log_append(w, seal);
    cJSON_Delete(seal);
    return st == SS_OK ? ss_log_sync(w) : st;
}

void ss_log_seal_message(const char *seal_hash, char msg[SS_LOG_SEAL_MSG])
{
    snprintf(msg, SS_LOG_SEAL_MSG, "%s%s", ss__sig_prefix, seal_hash);
}

void ss_log_sign_seal(const ss_station_key *key, const char *seal_hash, ss_log_signature *out)
{
    char msg[SS_LOG_SEAL_MSG];
    ss_log_seal_message(seal_hash, msg);
    ss_station_key_sign(key, msg, strlen(msg), out->sig);
    snprintf(out->key_id, sizeof out->key_id, "%s", ss_station_key_id(key));
    snprintf(out->public_key, sizeof out->public_key, "%s", ss_station_key_public_hex(key));
}

static const char ss__ckpt_prefix[] = "sonospine-log-checkpoint-v1:";

void ss_log_checkpoint_message(const char *hash, long records, const char *utc, char msg[SS_LOG_CKPT_MSG])
{
    snprintf(msg, SS_LOG_CKPT_MSG, "%s%.64s:%ld:%.31s", ss__ckpt_prefix, hash, records, utc);
}

void ss_log_sign_checkpoint(const ss_station_key *key, const char *hash, long records, const char *utc,
                            ss_log_signature *out)
{
    char msg[SS_LOG_CKPT_MSG];
    ss_log_checkpoint_message(hash, records, utc, msg);
    ss_station_key_sign(key, msg, strlen(msg), out->sig);
    snprintf(out->key_id, sizeof out->key_id, "%s", ss_station_key_id(key));
    snprintf(out->public_key, sizeof out->public_key, "%s", ss_station_key_public_hex(key));
}

static cJSON *ss__checkpoint_payload(long records, const char *hash, const char *utc, const ss_log_signature *sig)
{
    cJSON *c = cJSON_CreateObject();
    if (!c) return NULL;
    cJSON_AddStringToObject(c, "type", "checkpoint");
    cJSON_AddNumberToObject(c, "records", (double)records);
    cJSON_AddStringToObject(c, "signs", hash);
    cJSON_AddStringToObject(c, "utc", utc);
    cJSON_AddStringToObject(c, "alg", "ed25519");
    cJSON_AddStringToObject(c, "key_id", sig->key_id);
    cJSON_AddStringToObject(c, "public_key", sig->public_key);
    cJSON_AddStringToObject(c, "sig", sig->sig);
    return c;
}

ss_status ss_log_append_checkpoint(ss_log_writer *w, const ss_log_signature *sig, const char *utc)
{
    char msg[SS_LOG_CKPT_MSG];
    ss_log_checkpoint_message(w->last_hash, w->seq, utc, msg);
    if (strlen(utc) >= 32 || !ss_station_key_verify(sig->public_key, msg, strlen(msg), sig->sig))
        return ss_error_set(SS_ERR_INVALID, "%s: the checkpoint signature offered does not verify for this log", w->path);
    cJSON *c = ss__checkpoint_payload(w->seq, w->last_hash, utc, sig);
    ss_status st = c ? ss_log_append(w, c) : ss_error_set(SS_ERR_NOMEM, "out of memory");
    cJSON_Delete(c);
    return st;
}

ss_status ss_log_close_with(ss_log_writer *w, const ss_log_signature *sig)
{
    ss_status st = SS_OK;
    if (sig) {
        char msg[SS_LOG_SEAL_MSG];
        ss_log_seal_message(w->last_hash, msg);
        if (!ss_station_key_verify(sig->public_key, msg, strlen(msg), sig->sig))
            st = ss_error_set(SS_ERR_INVALID, "%s: the signature offered does not verify for this log's seal", w->path);
        cJSON *s = st == SS_OK ? ss__signature_payload(w->last_hash, sig->key_id, sig->public_key, sig->sig) : NULL;
        if (st == SS_OK) st = s ? ss_log_append(w, s) : ss_error_set(SS_ERR_NOMEM, "out of memory");
        cJSON_Delete(s);
    }
    if (st == SS_OK) st = ss_log_sync(w);
    if (close(w->fd) != 0 && st == SS_OK)
        st = ss_error_set(SS_ERR_IO, "%s: close failed: %s", w->path, strerror(errno));
    free(w);
    return st;
}

ss_status ss_log_close_signed(ss_log_writer *w, const ss_station_key *key)
{
    ss_status st = ss_log_seal(w);
    if (st != SS_OK) {
        ss_log_abandon(w);
        return st;
    }
    ss_log_signature sig;
    if (key) ss_log_sign_seal(key, w->last_hash, &sig);
    return ss_log_close_with(w, key ? &sig : NULL);
}

ss_status ss_log_close(ss_log_writer *w) { return ss_log_close_signed(w, NULL); }

void ss_log_abandon(ss_log_writer *w)
{
    if (!w) return;
    close(w->fd);
    free(w);
}

static void ss__tampered(ss_log_check *c, long line, const char *fmt, const char *detail)
{
    c->verdict = SS_LOG_TAMPERED;
    c->bad_line = line;
    snprintf(c->reason, sizeof c->reason, fmt, line, detail);
}

/* Checks the record that follows the seal (whose hash is seal_hash): it must be a
 * signature record whose signature verifies. Returns NULL when it does (filling the
 * signer into c), else why not. */
static const char *ss__check_signature(const cJSON *rec, const char *line, size_t body_len, long seq,
                                       const char *seal_hash, ss_log_check *c)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(rec, "type");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, "signature") != 0)
        return "record after the seal that is not its signature (inserted or appended later)";
    c->bad_signature = true; /* until it verifies */
    const cJSON *alg = cJSON_GetObjectItemCaseSensitive(rec, "alg");
    const cJSON *signs = cJSON_GetObjectItemCaseSensitive(rec, "signs");
    const cJSON *pk = cJSON_GetObjectItemCaseSensitive(rec, "public_key");
    const cJSON *kid = cJSON_GetObjectItemCaseSensitive(rec, "key_id");
    const cJSON *sig = cJSON_GetObjectItemCaseSensitive(rec, "sig");
    if (!cJSON_IsString(alg) || strcmp(alg->valuestring, "ed25519") != 0)
        return "bad signature: the signature record's alg is not \"ed25519\"";
    if (!cJSON_IsString(signs) || strcmp(signs->valuestring, seal_hash) != 0)
        return "bad signature: the signature record signs another seal hash than the seal's";
    char id[SS_STATION_KEY_ID];
    if (!cJSON_IsString(pk) || !ss_station_key_id_of(pk->valuestring, id))
        return "bad signature: public_key is not 64 hex digits";
    if (!cJSON_IsString(kid) || strcmp(kid->valuestring, id) != 0)
        return "bad signature: key_id does not belong to public_key";
    if (!cJSON_IsString(sig) || !ss_hex_digits(sig->valuestring, 128, true))
        return "bad signature: sig is not 128 lower-case hex digits";
    if (!ss_hex_digits(pk->valuestring, 64, true)) return "bad signature: public_key is not 64 lower-case hex digits";
    /* The Ed25519 signature covers the seal; the signature record itself is bound by
     * being exactly the bytes the writer prints for these values: no other field, no
     * repeated key, no other spelling of a value can ride along on a valid signature. */
    cJSON *expect = ss__signature_payload(seal_hash, id, pk->valuestring, sig->valuestring);
    char *body = expect ? ss__record_body(seq, expect, seal_hash) : NULL;
    cJSON_Delete(expect);
    bool same = body && strlen(body) == body_len + 1 && memcmp(body, line, body_len) == 0 && body[body_len] == '}';
    free(body);
    if (!same)
        return "bad signature: the signature record holds other bytes than the writer's (an extra or repeated "
               "field, or a value spelled differently)";
    char msg[SS_LOG_SEAL_MSG];
    ss_log_seal_message(seal_hash, msg);
    if (!ss_station_key_verify(pk->valuestring, msg, strlen(msg), sig->valuestring))
        return "bad signature: sig does not verify with the public key the record names (the seal or the "
               "signature was changed, or the record was made without that key)";
    c->bad_signature = false;
    c->signature_ok = true;
    snprintf(c->key_id, sizeof c->key_id, "%s", id);
    snprintf(c->public_key, sizeof c->public_key, "%s", pk->valuestring);
    return NULL;
}

/* A checkpoint record at seq (whose previous record's hash is prev): it must sign exactly
 * that record and count, with a valid signature. NULL when it does (the checkpoint then
 * goes into c), else why not. */
static const char *ss__check_checkpoint(const cJSON *rec, long seq, const char *prev, ss_log_check *c)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(rec, "records");
    const cJSON *signs = cJSON_GetObjectItemCaseSensitive(rec, "signs");
    const cJSON *utc = cJSON_GetObjectItemCaseSensitive(rec, "utc");
    const cJSON *alg = cJSON_GetObjectItemCaseSensitive(rec, "alg");
    const cJSON *pk = cJSON_GetObjectItemCaseSensitive(rec, "public_key");
    const cJSON *kid = cJSON_GetObjectItemCaseSensitive(rec, "key_id");
    const cJSON *sig = cJSON_GetObjectItemCaseSensitive(rec, "sig");
    if (!cJSON_IsNumber(n) || n->valuedouble != (double)seq)
        return "bad checkpoint: it counts a different number of records than precede it";
    if (!cJSON_IsString(signs) || strcmp(signs->valuestring, prev) != 0)
        return "bad checkpoint: it signs another hash than the record before it";
    if (!cJSON_IsString(utc) || strlen(utc->valuestring) >= 32) return "bad checkpoint: utc missing or too long";
    if (!cJSON_IsString(alg) || strcmp(alg->valuestring, "ed25519") != 0) return "bad checkpoint: alg is not ed25519";
    char id[SS_STATION_KEY_ID];
    if (!cJSON_IsString(pk) || !ss_hex_digits(pk->valuestring, 64, true) || !ss_station_key_id_of(pk->valuestring, id) ||
        !cJSON_IsString(kid) || strcmp(kid->valuestring, id) != 0)
        return "bad checkpoint: public_key is not 64 lower-case hex digits, or key_id is not its id";
    char msg[SS_LOG_CKPT_MSG];
    ss_log_checkpoint_message(prev, seq, utc->valuestring, msg);
    if (!cJSON_IsString(sig) || !ss_hex_digits(sig->valuestring, 128, true) ||
        !ss_station_key_verify(pk->valuestring, msg, strlen(msg), sig->valuestring))
        return "bad checkpoint: sig does not verify (the records before it or the checkpoint were changed)";
    c->checkpoint_records = seq;
    snprintf(c->checkpoint_key_id, sizeof c->checkpoint_key_id, "%s", id);
    snprintf(c->checkpoint_public_key, sizeof c->checkpoint_public_key, "%s", pk->valuestring);
    snprintf(c->checkpoint_utc, sizeof c->checkpoint_utc, "%s", utc->valuestring);
    return NULL;
}

/* Checks the log text (size bytes, writable: each line's hash field is cut off in place
 * while its hash is recomputed, then restored). */
static void ss__check_text(char *text, size_t size, ss_log_check *c, cJSON **records_out)
{
    /* NUL bytes: a run of them to the end of the file is what a power cut can leave
     * (the size was extended, the data never written): the log ends where they start,
     * unless it was already signed. A NUL with anything but NULs after it was put there. */
    const char *nul = memchr(text, '\0', size);
    size_t nul_at = nul ? (size_t)(nul - text) : size;
    bool nul_inside = false;
    for (size_t i = nul_at; i < size; i++)
        if (text[i] != '\0') {
            nul_inside = true;
            break;
        }
    const size_t orig_size = size;
    if (!nul_inside) size = nul_at;
    cJSON *records = records_out ? cJSON_CreateArray() : NULL;
    char prev[SS_LOG_HASH_HEX];
    memcpy(prev, ss__zero_hash, SS_LOG_HASH_HEX);
    bool sealed = false;
    long line_no = 0;
    size_t pos = 0;
    c->verdict = SS_LOG_INCOMPLETE;
    while (pos < size) {
        char *nl = memchr(text + pos, '\n', size - pos);
        line_no++;
        if (!nl) {
            if (nul_inside) { /* the NUL is in this unterminated tail, with bytes after it */
                ss__tampered(c, line_no, "line %ld: %s", "NUL byte inside the log, with more after it (changed or inserted)");
                break;
            }
            if (c->signature_ok) { /* nothing may follow the signature, not even part of a line */
                ss__tampered(c, line_no, "line %ld: %s", "bytes after the signature (appended later)");
                break;
            }
            c->partial_tail = true; /* the file ends inside a record: cut mid-write */
            break;
        }
        char *line = text + pos;
        size_t len = (size_t)(nl - line);
        pos += len + 1;
        if (nul_inside && memchr(line, '\0', len)) {
            ss__tampered(c, line_no, "line %ld: %s", "NUL byte inside the log, with more after it (changed or inserted)");
            break;
        }
        if (c->signature_ok) {
            ss__tampered(c, line_no, "line %ld: %s", "record after the signature (inserted or appended later)");
            break;
        }
        /* Split off ,"hash":"<64>"} and recompute. */
        const size_t tail = (sizeof ss__hash_key - 1) + 64 + 2;
        if (len < tail + 2 || line[0] != '{' || memcmp(line + len - tail, ss__hash_key, sizeof ss__hash_key - 1) != 0 ||
            line[len - 1] != '}' || line[len - 2] != '"') {
            ss__tampered(c, line_no, "line %ld: %s", "not a log record (no hash field at its end)");
            break;
        }
        char stored[SS_LOG_HASH_HEX];
        memcpy(stored, line + len - 66, 64);
        stored[64] = '\0';
        size_t blen = len - tail;
        char save = line[blen];
        line[blen] = '}';
        char computed[SS_LOG_HASH_HEX];
        ss_log_sha256_hex(line, blen + 1, computed);
        cJSON *rec = cJSON_ParseWithLength(line, blen + 1);
        line[blen] = save;
        if (strcmp(stored, computed) != 0) {
            cJSON_Delete(rec);
            ss__tampered(c, line_no, "line %ld: %s", "record changed (its hash does not match its content)");
            break;
        }
        if (!rec) {
            ss__tampered(c, line_no, "line %ld: %s", "record is not valid JSON");
            break;
        }
        const cJSON *seq = cJSON_GetObjectItemCaseSensitive(rec, "seq");
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(rec, "prev");
        if (!cJSON_IsNumber(seq) || seq->valuedouble != (double)(line_no - 1)) {
            cJSON_Delete(rec);
            ss__tampered(c, line_no, "line %ld: %s",
                         "record out of sequence (a record was removed, reordered or inserted before it)");
            break;
        }
        if (!cJSON_IsString(p) || strcmp(p->valuestring, prev) != 0) {
            cJSON_Delete(rec);
            ss__tampered(c, line_no, "line %ld: %s",
                         "record does not follow the one before it (removed, reordered or inserted record)");
            break;
        }
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(rec, "type");
        if (sealed) { /* the one record allowed after the seal: its signature */
            const char *why = ss__check_signature(rec, line, blen, line_no - 1, prev, c);
            if (why) {
                cJSON_Delete(rec);
                ss__tampered(c, line_no, "line %ld: %s", why);
                break;
            }
        }
        if (!sealed && cJSON_IsString(type) && strcmp(type->valuestring, "checkpoint") == 0) {
            const char *why = ss__check_checkpoint(rec, line_no - 1, prev, c);
            if (why) {
                cJSON_Delete(rec);
                ss__tampered(c, line_no, "line %ld: %s", why);
                break;
            }
        }
        memcpy(prev, stored, SS_LOG_HASH_HEX);
        if (!sealed && cJSON_IsString(type) && strcmp(type->valuestring, "seal") == 0) {
            const cJSON *n = cJSON_GetObjectItemCaseSensitive(rec, "records");
            if (!cJSON_IsNumber(n) || n->valuedouble != (double)line_no) {
                cJSON_Delete(rec);
                ss__tampered(c, line_no, "line %ld: %s", "seal counts a different number of records");
                break;
            }
            sealed = true;
            c->sealed = true;
            memcpy(c->seal_hash, stored, SS_LOG_HASH_HEX);
        }
        c->records++;
        if (records) cJSON_AddItemToArray(records, rec);
        else cJSON_Delete(rec);
    }
    memcpy(c->last_hash, prev, SS_LOG_HASH_HEX);
    if (c->verdict != SS_LOG_TAMPERED && c->signature_ok && size < orig_size)
        ss__tampered(c, line_no + 1, "line %ld: %s", "NUL bytes after the signature (appended later)");
    if (c->verdict != SS_LOG_TAMPERED) {
        if (c->signature_ok) {
            c->verdict = SS_LOG_INTACT;
            snprintf(c->reason, sizeof c->reason, "%ld records, chain intact, sealed, signed by station key %s",
                     c->records, c->key_id);
        } else if (sealed) {
            c->verdict = SS_LOG_INCOMPLETE;
            snprintf(c->reason, sizeof c->reason,
                     "%ld whole records chain correctly and the log is sealed, but it ends %sbefore its signature "
                     "record (cut after the seal, or written without a station key)",
                     c->records, c->partial_tail ? "inside a record, " : "");
        } else {
            c->verdict = SS_LOG_INCOMPLETE;
            snprintf(c->reason, sizeof c->reason, "%ld whole records chain correctly, but the log ends %sbefore its seal",
                     c->records, c->partial_tail ? "inside a record, " : "");
        }
    }
    if (records_out) *records_out = records;
}

ss_status ss_log_read(const char *path, ss_log_check *c, cJSON **records_out)
{
    memset(c, 0, sizeof *c);
    if (records_out) *records_out = NULL;
    char *text = NULL;
    size_t size = 0;
    ss_status st = ss_file_read(path, SS_LOG_MAX_BYTES, &text, &size);
    if (st != SS_OK) return st;
    ss__check_text(text, size, c, records_out);
    free(text);
    return SS_OK;
}

ss_status ss_log_read_text(const char *text, size_t len, ss_log_check *c, cJSON **records_out)
{
    memset(c, 0, sizeof *c);
    if (records_out) *records_out = NULL;
    if (len > SS_LOG_MAX_BYTES)
        return ss_error_set(SS_ERR_IO, "session log text is %zu bytes, more than the %d allowed", len,
                            (int)SS_LOG_MAX_BYTES);
    char *copy = malloc(len + 1);
    if (!copy) return ss_error_set(SS_ERR_NOMEM, "out of memory copying %zu bytes of session log", len);
    memcpy(copy, text, len);
    copy[len] = '\0';
    ss__check_text(copy, len, c, records_out);
    free(copy);
    return SS_OK;
}

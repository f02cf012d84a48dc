/* session_log.h: the append-only, hash-chained session log (JSON Lines).
 *
 * What it is for: a record of a training or exam attempt that a crash or kill cannot
 * truncate beyond the last whole record, and that nobody can change unnoticed.
 *
 * Format, one JSON object a line:
 *   {"seq":N, ...payload..., "prev":"<sha256 hex of line N-1>","hash":"<sha256 hex>"}
 * - seq counts from 0; line 0 is the header (its prev is 64 zeros).
 * - hash = SHA-256 of the line's bytes with the trailing `,"hash":"..."` removed, i.e. of
 *   `{"seq":N,...,"prev":"..."}` exactly as written.
 * - prev = the hash field of the previous line, so the lines form a chain.
 * - a log closed normally ends with a record {"type":"seal","records":N} followed by
 *   one signature record (below); one that stops earlier (crash, kill, power cut, or a
 *   log sealed without a station key) is "incomplete", which is not tampering but never
 *   verifies as intact.
 *   Anything after the signature, even part of a line, is tampering.
 * - signature record, the last line (station_key.h):
 *   {"seq":N+1,"type":"signature","alg":"ed25519","signs":"<hash of the seal line>",
 *    "key_id":"<16 hex>","public_key":"<64 hex>","sig":"<128 hex>","prev":...,"hash":...}
 *   sig is the Ed25519 signature, by the station key, of the ASCII bytes
 *   "sonospine-log-seal-v1:" followed by the seal's 64-digit hash. The seal's hash
 *   covers the whole chain, so the signature covers every byte before it; whoever
 *   re-hashes an edited log cannot re-sign it without the station's secret key.
 * - checkpoint records, every SS_LOG_CHECKPOINT_EVERY records while the attempt runs, so
 *   that the prefix of a killed attempt is still authenticated:
 *   {"seq":K,"type":"checkpoint","records":K,"signs":"<hash of record K-1>","utc":"...",
 *    "alg":"ed25519","key_id":...,"public_key":...,"sig":...,"prev":...,"hash":...}
 *   sig signs "sonospine-log-checkpoint-v1:<signs>:<K>:<utc>" (the signer's own clock);
 *   the reader checks each one (a bad one is tampering) and reports the last.
 * Each record is written with one write(2) call on an O_APPEND descriptor as soon as it
 * is appended (no user-space buffering), so a killed process loses nothing already
 * appended. What it does not do: keep keys (station_key.h), decide which station keys
 * to trust (the reader reports the signer; `sonospine verify --key` checks it),
 * interpret payloads.
 */
#ifndef SS_SESSION_LOG_H
#define SS_SESSION_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "error.h"
#include "station_key.h"

#define SS_LOG_HASH_HEX 65 /* 64 hex digits + NUL */

typedef struct ss_log_writer ss_log_writer;

/* Creates a new log file (refuses to overwrite an existing one). */
ss_status ss_log_create(const char *path, ss_log_writer **out);

/* Appends one record. `payload` must be a JSON object without "seq", "prev" or "hash";
 * it is only read. The record is on disk (in the kernel's page cache) when this returns. */
ss_status ss_log_append(ss_log_writer *w, const cJSON *payload);

/* Forces the records written so far to stable storage (fdatasync). */
ss_status ss_log_sync(ss_log_writer *w);

/* Appends the seal record and, when key is non-NULL, the signature record; syncs and
 * closes. Without a key the log reads as incomplete (sealed but unsigned).
 * ss_log_abandon() closes without a seal (the log then reads as incomplete).
 * All free w. */
ss_status ss_log_close_signed(ss_log_writer *w, const ss_station_key *key);
ss_status ss_log_close(ss_log_writer *w); /* = ss_log_close_signed(w, NULL) */
void ss_log_abandon(ss_log_writer *w);

/* The same in two steps, for a signature made elsewhere (the signing service,
 * log_signer.h): ss_log_seal appends the seal and syncs (ss_log_last_hash is then the
 * seal's hash, what is signed); ss_log_close_with appends the signature record when sig
 * is non-NULL (refused, SS_ERR_INVALID, unless it verifies for this seal), syncs, closes
 * and frees w. */
typedef struct ss_log_signature {
    char key_id[SS_STATION_KEY_ID];
    char public_key[SS_STATION_PK_HEX];
    char sig[SS_STATION_SIG_HEX];
} ss_log_signature;
ss_status ss_log_seal(ss_log_writer *w);
ss_status ss_log_close_with(ss_log_writer *w, const ss_log_signature *sig);
const char *ss_log_path(const ss_log_writer *w);

/* What the Ed25519 signature of a log covers: "sonospine-log-seal-v1:" and the seal's
 * 64-digit hash; and that signature made with a key. */
#define SS_LOG_SEAL_MSG 96
void ss_log_seal_message(const char *seal_hash, char msg[SS_LOG_SEAL_MSG]);
void ss_log_sign_seal(const ss_station_key *key, const char *seal_hash, ss_log_signature *out);

/* Checkpoints. What a checkpoint's signature covers ("sonospine-log-checkpoint-v1:",
 * the hash of the last record before it, its record count, the UTC time); that
 * signature made with a key; and the record appended (refused, SS_ERR_INVALID, unless
 * sig verifies for this writer's last record, count and utc). */
#define SS_LOG_CHECKPOINT_EVERY 200
#define SS_LOG_CKPT_MSG 160
void ss_log_checkpoint_message(const char *hash, long records, const char *utc, char msg[SS_LOG_CKPT_MSG]);
void ss_log_sign_checkpoint(const ss_station_key *key, const char *hash, long records, const char *utc,
                            ss_log_signature *out);
ss_status ss_log_append_checkpoint(ss_log_writer *w, const ss_log_signature *sig, const char *utc);

long ss_log_records(const ss_log_writer *w);
const char *ss_log_last_hash(const ss_log_writer *w);

typedef enum ss_log_verdict {
    SS_LOG_INTACT,      /* every record chains, the log ends with its seal and a valid signature */
    SS_LOG_INCOMPLETE,  /* every whole record chains, but the log stops before its seal or its
                         * signature record */
    SS_LOG_TAMPERED     /* a record was changed, removed, reordered or inserted, or the
                         * signature does not verify */
} ss_log_verdict;

typedef struct ss_log_check {
    ss_log_verdict verdict;
    long records;          /* whole, valid records read (up to the first bad one) */
    long bad_line;         /* 1-based line of the first bad record (TAMPERED), else 0 */
    bool partial_tail;     /* the file ends inside a record (cut mid-write) */
    bool sealed;           /* the seal record was read */
    bool signature_ok;     /* a signature record followed the seal and verified */
    bool bad_signature;    /* TAMPERED because of the signature record itself */
    char reason[512];      /* human-readable explanation */
    char last_hash[SS_LOG_HASH_HEX];  /* hash of the last valid record */
    char seal_hash[SS_LOG_HASH_HEX];  /* hash of the seal record ("" without one): what is signed */
    char key_id[SS_STATION_KEY_ID];   /* signer's key id ("" unless signature_ok) */
    char public_key[SS_STATION_PK_HEX]; /* signer's public key ("" unless signature_ok) */
    /* the last valid checkpoint (0 records: none): the first checkpoint_records records
       were signed by that key at that time */
    long checkpoint_records;
    char checkpoint_key_id[SS_STATION_KEY_ID];
    char checkpoint_public_key[SS_STATION_PK_HEX];
    char checkpoint_utc[32];
} ss_log_check;

/* Reads a log and checks its chain. Returns SS_OK when the file could be read (the
 * verdict is then in *check), SS_ERR_IO when it could not. If records_out is non-NULL
 * it receives a cJSON array of the valid records up to the first bad one (caller
 * deletes it). */
ss_status ss_log_read(const char *path, ss_log_check *check, cJSON **records_out);
/* The same check on log text in memory (len bytes, need not end in NUL; the text is
 * only read). SS_ERR_IO when len is over the size a log file may have. */
ss_status ss_log_read_text(const char *text, size_t len, ss_log_check *check, cJSON **records_out);

const char *ss_log_verdict_name(ss_log_verdict v);

/* SHA-256 of a byte range as 64 lowercase hex digits. */
void ss_log_sha256_hex(const void *data, size_t len, char out[SS_LOG_HASH_HEX]);

#endif

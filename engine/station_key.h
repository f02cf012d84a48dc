/* station_key.h: the training station's Ed25519 signing key, which signs every session
 * log this machine writes (session_log.h), so that a log edited after the attempt and
 * re-hashed by hand no longer verifies.
 *
 * Where: $SONOSPINE_STATION_KEY when set, else $XDG_DATA_HOME/sonospine/station.key when
 * XDG_DATA_HOME is set, else $HOME/.local/share/sonospine/station.key
 * (ss_station_key_default_path). Created on first use: missing directories are made
 * with mode 0700; the key is written to a temporary file (mode 0600, O_EXCL), synced,
 * and hard-linked to its name, so a crash never leaves a half-written key and two
 * processes starting at once end up with the same key (the second one reads the
 * first one's). Next to it, `station.pub` (mode 0644) holds the public key as 64 hex
 * digits and a newline, for `sonospine verify --key`.
 *
 * File format: exactly 64 bytes, libsodium's Ed25519 secret key (32-byte seed followed
 * by the 32-byte public key). Opening refuses a key that is not a regular file, is
 * readable or writable by group or others (mode must be 0600 or 0400), is a symbolic
 * link, has another size, or whose public half does not belong to its seed; the message names the file
 * and what was expected, and nothing is overwritten (the instructor fixes or removes it).
 *
 * Key id: the first 16 hex digits of SHA-256 of the 32-byte public key; what verify
 * prints and what an examiner compares.
 * What it does not do: decide which stations to trust (verify's --key does that), or
 * protect the key from root on this machine.
 */
#ifndef SS_STATION_KEY_H
#define SS_STATION_KEY_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define SS_STATION_PK_BYTES 32
#define SS_STATION_SIG_BYTES 64
#define SS_STATION_PK_HEX 65   /* 64 hex digits + NUL */
#define SS_STATION_SIG_HEX 129 /* 128 hex digits + NUL */
#define SS_STATION_KEY_ID 17   /* 16 hex digits + NUL */

typedef struct ss_station_key ss_station_key;

/* $SONOSPINE_STATION_KEY, else $XDG_DATA_HOME/sonospine/station.key, else
 * $HOME/.local/share/sonospine/station.key. */
ss_status ss_station_key_default_path(char *out, size_t size);

/* Opens the key at path (NULL: the default path), creating it (and station.pub) when
 * missing and create is true. *created_out (may be NULL) tells whether it was made now. */
ss_status ss_station_key_open(const char *path, bool create, ss_station_key **out, bool *created_out);
void ss_station_key_free(ss_station_key *k);

const char *ss_station_key_path(const ss_station_key *k);
/* Public key as 64 lowercase hex digits; key id as 16. */
const char *ss_station_key_public_hex(const ss_station_key *k);
const char *ss_station_key_id(const ss_station_key *k);

/* Detached Ed25519 signature of msg, as 128 lowercase hex digits. */
void ss_station_key_sign(const ss_station_key *k, const void *msg, size_t len, char sig_hex[SS_STATION_SIG_HEX]);

/* True when sig_hex (128 hex digits) is a valid signature of msg by the public key
 * pk_hex (64 hex digits). Malformed hex is simply false. */
bool ss_station_key_verify(const char *pk_hex, const void *msg, size_t len, const char *sig_hex);

/* True when s is exactly n hex digits (lower case only with lower_only): the form of
 * key ids, public keys and signatures in logs, the signing service's answers and
 * trusted-keys files. */
bool ss_hex_digits(const char *s, size_t n, bool lower_only);

/* Key id (16 hex digits) of a public key given as 64 hex digits; false if malformed. */
bool ss_station_key_id_of(const char *pk_hex, char id_out[SS_STATION_KEY_ID]);

#endif

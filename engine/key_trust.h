/* key_trust.h: which signing keys a verifier trusts.
 *
 * A signature proves only that whoever held the key signed the log; which key makes a
 * log authentic is the verifier's decision: a centre keeps a trusted-keys file listing
 * the public keys of its stations' signing services (station.pub beside each service's
 * key, log_signer.h), never a trainee's own station key.
 *
 * File format (UTF-8 text): one key a line, 64 hex digits, optionally followed by
 * blanks and a label (the station's name, up to 100 bytes); blank lines and lines
 * starting with '#' are ignored; at most SS_TRUST_MAX_KEYS keys. Anything else is an
 * error naming the file, the line and what was expected.
 *
 * Where: verify's and report's --trusted-keys FILE, else $SONOSPINE_TRUSTED_KEYS when set
 * (empty: none), else SS_TRUST_DEFAULT_FILE when it exists.
 */
#ifndef SS_KEY_TRUST_H
#define SS_KEY_TRUST_H

#include <stdbool.h>

#include "error.h"
#include "session_log.h"
#include "station_key.h"

#define SS_TRUST_MAX_KEYS 256
#define SS_TRUST_DEFAULT_FILE "/etc/sonospine/trusted-keys"

typedef struct ss_trusted_key {
    char public_key[SS_STATION_PK_HEX]; /* lower case; "" for an entry given by key id alone */
    char key_id[SS_STATION_KEY_ID];
    char label[101];
} ss_trusted_key;

typedef struct ss_trusted_keys {
    char source[1024]; /* the file they came from, or "--key" */
    int n;
    ss_trusted_key keys[SS_TRUST_MAX_KEYS];
} ss_trusted_keys;

/* Reads a trusted-keys file. SS_ERR_IO unreadable, SS_ERR_PARSE malformed (file:line). */
ss_status ss_trusted_keys_load(const char *path, ss_trusted_keys *out);

/* The file in effect when none is named: $SONOSPINE_TRUSTED_KEYS, else the default when
 * it exists; NULL when there is none. */
const char *ss_trusted_keys_default(void);

/* The entry for a signer (its public key, 64 hex digits, and key id), or NULL. An entry
 * with a public key matches that key whole; one given by a 16-hex key id alone (verify's
 * --key ID) matches the id. */
const ss_trusted_key *ss_trusted_keys_find(const ss_trusted_keys *t, const char *public_key, const char *key_id);

/* One entry from a --key argument: a 64-hex public key, a 16-hex key id or a file holding
 * a public key (station.pub). SS_ERR_PARSE / SS_ERR_IO naming what was expected. */
ss_status ss_trusted_keys_one(const char *key, ss_trusted_keys *out);

/* The keys a command trusts: --key (one) when given, else --trusted-keys FILE, else the
 * default file (ss_trusted_keys_default). *any is false when there is none at all. */
ss_status ss_trusted_keys_for(const char *key_opt, const char *file_opt, ss_trusted_keys *out, bool *any);

/* What a checked log proves, given the keys the verifier trusts (NULL: none). */
typedef enum ss_log_auth {
    SS_AUTH_AUTHENTIC,       /* intact, sealed, signed by a trusted key */
    SS_AUTH_UNTRUSTED,       /* intact and signed, by a key the verifier does not trust */
    SS_AUTH_UNCHECKED,       /* intact and signed, but the verifier named no trusted key */
    SS_AUTH_PREFIX,          /* incomplete, but the records up to its last checkpoint are
                                signed by a trusted key (session_log.h checkpoints) */
    SS_AUTH_UNAUTHENTICATED, /* incomplete: ends before its seal or signature */
    SS_AUTH_TAMPERED
} ss_log_auth;

/* The verdict and one sentence saying it (for verify's output and the report's first
 * page), e.g. "authentic: signed by station key 1a2b... (Ward 3 trainer), trusted by
 * /etc/sonospine/trusted-keys". */
ss_log_auth ss_log_authenticity(const ss_log_check *c, const ss_trusted_keys *trust, char *text, size_t n);
const char *ss_log_auth_name(ss_log_auth a);

#endif

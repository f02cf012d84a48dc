/* log_signer.h: the station's signing service and how a session asks it to sign.
 *
 * Why: a key the trainee's account can read signs anything the trainee writes (an
 * edited, re-hashed log re-signed). The signing service (`sonospine signer`, run as its
 * own system user, docs/security.md) holds the station's exam key where the trainee's
 * account cannot read it, and signs the seal of a log only after checking the log
 * itself: the whole chain, sealed and unsigned, for a scenario it knows, re-simulated
 * and re-graded to the very bytes of its events, metrics and grade (the caller's check).
 *
 * Protocol, on a Unix stream socket, one request a connection:
 *   "PING\n"                       -> "PONG <key id> <public key>\n"
 *   "SIGN <n>\n" + n bytes of log  -> "OK <key id> <public key> <sig>\n"
 *                                     or "REFUSED <why>\n"
 *   "CHECKPOINT <n>\n" + n bytes of an attempt still running (a whole, unsealed chain on
 *                                     a scenario it knows; not re-simulated: a prefix has
 *                                     no grade yet)
 *                                  -> "OK <key id> <public key> <sig> <utc>\n" (the
 *                                     checkpoint signature, session_log.h, at the
 *                                     service's own time) or "REFUSED <why>\n"
 *   anything else                  -> "REFUSED ...\n"
 * sig is the Ed25519 signature of ss_log_seal_message(seal hash) (session_log.h), the
 * same as a local station key's, so verify checks both alike; which keys are trusted is
 * the verifier's (log_trust.h).
 *
 * Where: $SONOSPINE_SIGNER_SOCKET when set (empty: no signing service), else
 * SS_SIGNER_DEFAULT_SOCKET, the systemd unit's (scripts/sonospine-signer.service).
 * What it does not do: prove that the inputs in a log came from a trainee's hands
 * rather than a script (that is the proctor's), or keep the key from root.
 */
#ifndef SS_LOG_SIGNER_H
#define SS_LOG_SIGNER_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "session_log.h"
#include "station_key.h"

#define SS_SIGNER_DEFAULT_SOCKET "/run/sonospine-signer/signer.sock"
#define SS_SIGNER_MAX_LOG (64u << 20) /* bytes of log a SIGN request may carry */

/* The socket path in effect (NULL: none configured, $SONOSPINE_SIGNER_SOCKET empty). */
const char *ss_signer_socket(void);

/* The socket of a signing service that answers now (ss_signer_socket, pinged), else
 * NULL: sessions are then signed by the account's own station key. */
const char *ss_signer_in_use(void);

/* Asks the service at path who it is; SS_OK with its key when it answers within 2 s. */
ss_status ss_signer_ping(const char *path, ss_log_signature *who);

/* Sends a sealed, unsigned log (its bytes) to be checked and signed. SS_OK and the
 * signature; SS_ERR_INVALID when the service refused (its reason in the message);
 * SS_ERR_IO when it could not be reached or did not answer in time (60 s). */
ss_status ss_signer_sign(const char *path, const char *log, size_t len, ss_log_signature *out);

/* A checkpoint of a running attempt's log (its bytes so far): the signature and the
 * service's UTC time it signed, for ss_log_append_checkpoint. Errors as ss_signer_sign. */
ss_status ss_signer_checkpoint(const char *path, const char *log, size_t len, ss_log_signature *out, char utc[32]);

/* The service's side. check reads a log's bytes (the whole sealed log, or with
 * checkpoint a running one) and returns NULL when it may be signed, filling the hash to
 * sign (the seal's, or the last record's) and the record count; else why not (a static
 * or user-owned string). */
typedef const char *(*ss_signer_check_fn)(void *user, const char *log, size_t len, bool checkpoint, char *hash_out,
                                          long *records_out);

/* Makes the listening socket at path (an old socket file there is replaced), mode 0666:
 * every local account may ask, since nothing is signed unchecked. */
ss_status ss_signer_listen(const char *path, int *fd_out);

/* Serves one connection on a listening socket: reads the request (10 s to send it),
 * answers, closes. who/what it did goes to *summary (for the service's own log). */
void ss_signer_serve_one(int listen_fd, const ss_station_key *key, ss_signer_check_fn check, void *user,
                         char *summary, size_t summary_size);

#endif

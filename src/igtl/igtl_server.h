/* igtl_server.h: a small OpenIGTLink TCP server that never blocks its caller.
 *
 * One listening socket and up to SS_IGTL_MAX_CLIENTS clients, all non-blocking, served
 * by ss_igtl_server_service() (one poll() with a timeout the caller chooses, then as
 * much reading, writing and accepting as can be done without waiting). Messages
 * (igtl_codec.h) are built once and shared by every client's queue.
 *
 * Received: TRANSFORM messages are handed to the caller's callback (device name and
 * the 12 floats). What goes wrong with a client is logged on stderr with the client's
 * number and address, and handled so the others are served on:
 *   a header that cannot be OpenIGTLink (bad version, unprintable names)  -> client dropped
 *     (the byte stream cannot be resynchronised);
 *   a body larger than SS_IGTL_MAX_BODY_BYTES                              -> client dropped;
 *   a body whose CRC-64 does not match                                     -> message dropped;
 *   a TRANSFORM of the wrong size or with non-finite values                 -> message dropped;
 *   any other message type                                                 -> body skipped
 *     unread (logged once per type and client);
 *   a client that disconnects mid-message                                  -> client closed.
 * Sent: per client at most one image waiting (a newer frame replaces an unsent one:
 * a slow or stalled client loses frames, never stalls the server or grows its memory),
 * at most one TRANSFORM waiting per device name (newest wins), and a queue of at most
 * SS_IGTL_MAX_QUEUED strings (the oldest dropped when full). Sends use MSG_NOSIGNAL: a
 * client that vanishes cannot kill the process with SIGPIPE.
 */
#ifndef SS_IGTL_SERVER_H
#define SS_IGTL_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define SS_IGTL_DEFAULT_PORT 18944
#define SS_IGTL_MAX_CLIENTS 8
#define SS_IGTL_MAX_QUEUED 64

typedef struct ss_igtl_server ss_igtl_server;

/* Listens on bind_addr (IPv4 dotted quad, e.g. "127.0.0.1" or "0.0.0.0") and port
 * (0: an ephemeral port, see ss_igtl_server_port). log_prefix starts every message
 * ("sonospine igtl"). */
ss_status ss_igtl_server_open(const char *bind_addr, int port, const char *log_prefix, ss_igtl_server **out);
int ss_igtl_server_port(const ss_igtl_server *s);
int ss_igtl_server_client_count(const ss_igtl_server *s);
/* Clients ever accepted (to tell when a new one arrived). */
long ss_igtl_server_clients_accepted(const ss_igtl_server *s);

typedef void (*ss_igtl_on_transform)(void *user, const char *device, const float m[12]);

/* Waits at most timeout_ms (0: not at all) for something to do, then accepts, reads
 * (at most 1 MiB per client per call, so one client cannot monopolise the loop) and
 * writes what it can. */
void ss_igtl_server_service(ss_igtl_server *s, int timeout_ms, ss_igtl_on_transform on_transform, void *user);

/* Queue for every connected client; messages are copied once. False when out of memory. */
bool ss_igtl_server_send_image(ss_igtl_server *s, const char *device, const uint8_t *pixels, int width, int height,
                               const double ijk_to_ref[3][4]);
bool ss_igtl_server_send_transform(ss_igtl_server *s, const char *device, const float m[12]);
bool ss_igtl_server_send_string(ss_igtl_server *s, const char *device, const char *text);

/* Counters over the server's life (for tests and the closing summary). */
typedef struct ss_igtl_stats {
    long images_sent, images_dropped, transforms_received, messages_rejected, clients_dropped;
} ss_igtl_stats;
void ss_igtl_server_stats(const ss_igtl_server *s, ss_igtl_stats *out);

void ss_igtl_server_close(ss_igtl_server *s);

#endif

/* igtl_server.c: see igtl_server.h. */
#define _GNU_SOURCE /* accept4 */
#include "igtl/igtl_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "igtl/igtl_codec.h"

#define SS__READ_BUDGET (1u << 20)
/* A client is dropped (its slot freed for another) when it stalls: inside a message with
 * nothing more arriving for this long, or taking none of what it is sent while sending
 * nothing itself. A viewer that reads its images, or a tracker that sends poses, is never
 * idle; eight silent connections no longer hold every slot (issue 23). */
#define SS__STALL_S 10.0
#define SS__MAX_XF_DEVICES 8
#define SS__MAX_SKIP_NAMES 8

/* A message shared by every client's queue. */
typedef struct ss__buf {
    int refs;
    size_t size;
    uint8_t *data;
    bool image;
    char device[21];
} ss__buf;

typedef struct ss__client {
    int fd;
    int id;
    char addr[64];
    /* receiving */
    uint8_t hdr[SS_IGTL_HEADER_BYTES];
    size_t hdr_have;
    ss_igtl_header h;
    bool in_body, skipping;
    uint8_t *body;
    size_t body_have;
    uint64_t skip_left;
    char skipped[SS__MAX_SKIP_NAMES][13];
    int nskipped;
    /* sending */
    ss__buf *cur;
    size_t cur_sent;
    ss__buf *image;
    ss__buf *xf[SS__MAX_XF_DEVICES];
    ss__buf *strings[SS_IGTL_MAX_QUEUED];
    int s_head, s_count;
    long images_sent, images_dropped;
    int send_errno; /* a send failed: read what the client sent before dropping it */
    double last_rx, last_tx; /* monotonic s: the last byte received from it, sent to it */
} ss__client;

static double ss__now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

struct ss_igtl_server {
    int listen_fd;
    int port;
    char prefix[64];
    ss__client *clients[SS_IGTL_MAX_CLIENTS];
    long accepted;
    ss_igtl_stats stats;
};

static void ss__unref(ss__buf *b)
{
    if (b && --b->refs == 0) {
        free(b->data);
        free(b);
    }
}

static ss__buf *ss__buf_wrap(uint8_t *data, size_t size, bool image, const char *device)
{
    if (!data) return NULL;
    ss__buf *b = calloc(1, sizeof *b);
    if (!b) {
        free(data);
        return NULL;
    }
    b->refs = 1;
    b->data = data;
    b->size = size;
    b->image = image;
    snprintf(b->device, sizeof b->device, "%s", device);
    return b;
}

ss_status ss_igtl_server_open(const char *bind_addr, int port, const char *log_prefix, ss_igtl_server **out)
{
    *out = NULL;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (port < 0 || port > 65535)
        return ss_error_set(SS_ERR_INVALID, "OpenIGTLink: port %d: expected 0 (any free port) to 65535", port);
    if (inet_pton(AF_INET, bind_addr, &sa.sin_addr) != 1)
        return ss_error_set(SS_ERR_INVALID, "OpenIGTLink: bind address '%s': expected an IPv4 address such as "
                                            "127.0.0.1 or 0.0.0.0",
                            bind_addr);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return ss_error_set(SS_ERR_IO, "OpenIGTLink: socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 8) != 0) {
        int e = errno;
        close(fd);
        return ss_error_set(SS_ERR_IO, "OpenIGTLink: cannot listen on %s:%d: %s", bind_addr, port, strerror(e));
    }
    socklen_t len = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &len);
    ss_igtl_server *s = calloc(1, sizeof *s);
    if (!s) {
        close(fd);
        return ss_error_set(SS_ERR_NOMEM, "out of memory");
    }
    s->listen_fd = fd;
    s->port = ntohs(sa.sin_port);
    snprintf(s->prefix, sizeof s->prefix, "%s", log_prefix);
    *out = s;
    return SS_OK;
}

int ss_igtl_server_port(const ss_igtl_server *s) { return s->port; }

int ss_igtl_server_client_count(const ss_igtl_server *s)
{
    int n = 0;
    for (int i = 0; i < SS_IGTL_MAX_CLIENTS; i++) n += s->clients[i] != NULL;
    return n;
}

long ss_igtl_server_clients_accepted(const ss_igtl_server *s) { return s->accepted; }

void ss_igtl_server_stats(const ss_igtl_server *s, ss_igtl_stats *out) { *out = s->stats; }

static void ss__client_free(ss__client *c)
{
    close(c->fd);
    free(c->body);
    ss__unref(c->cur);
    ss__unref(c->image);
    for (int i = 0; i < SS__MAX_XF_DEVICES; i++) ss__unref(c->xf[i]);
    for (int i = 0; i < c->s_count; i++) ss__unref(c->strings[(c->s_head + i) % SS_IGTL_MAX_QUEUED]);
    free(c);
}

static void ss__drop(ss_igtl_server *s, int slot, bool error, const char *why)
{
    ss__client *c = s->clients[slot];
    fprintf(stderr, "%s: client %d (%s): %s; %s (%ld images sent, %ld dropped for a slow link)\n", s->prefix, c->id,
            c->addr, why, error ? "connection dropped" : "closed", c->images_sent, c->images_dropped);
    if (error) s->stats.clients_dropped++;
    ss__client_free(c);
    s->clients[slot] = NULL;
}

static void ss__accept(ss_igtl_server *s)
{
    for (;;) {
        struct sockaddr_in sa;
        socklen_t len = sizeof sa;
        int fd = accept4(s->listen_fd, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED)
                fprintf(stderr, "%s: accept: %s\n", s->prefix, strerror(errno));
            return;
        }
        char addr[64];
        char ip[INET_ADDRSTRLEN] = "?";
        inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof ip);
        snprintf(addr, sizeof addr, "%s:%d", ip, ntohs(sa.sin_port));
        int slot = -1;
        for (int i = 0; i < SS_IGTL_MAX_CLIENTS && slot < 0; i++)
            if (!s->clients[i]) slot = i;
        ss__client *c = slot >= 0 ? calloc(1, sizeof *c) : NULL;
        if (!c) {
            fprintf(stderr, "%s: connection from %s refused: %s\n", s->prefix, addr,
                    slot < 0 ? "already serving the maximum of 8 clients" : "out of memory");
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->fd = fd;
        c->id = (int)++s->accepted;
        c->last_rx = c->last_tx = ss__now_s();
        snprintf(c->addr, sizeof c->addr, "%s", addr);
        s->clients[slot] = c;
        fprintf(stderr, "%s: client %d (%s) connected\n", s->prefix, c->id, c->addr);
    }
}

/* A whole message has arrived in c->body. */
static void ss__message(ss_igtl_server *s, ss__client *c, ss_igtl_on_transform cb, void *user)
{
    if (!ss_igtl_body_crc_ok(&c->h, c->body)) {
        fprintf(stderr, "%s: client %d (%s): %s '%s': CRC does not match the body; message dropped\n", s->prefix,
                c->id, c->addr, c->h.type, c->h.device);
        s->stats.messages_rejected++;
        return;
    }
    float m[12];
    char why[160];
    if (!ss_igtl_transform_unpack(&c->h, c->body, m, why, sizeof why)) {
        fprintf(stderr, "%s: client %d (%s): TRANSFORM '%s': %s; message dropped\n", s->prefix, c->id, c->addr,
                c->h.device, why);
        s->stats.messages_rejected++;
        return;
    }
    s->stats.transforms_received++;
    if (cb) cb(user, c->h.device, m);
}

/* Reads what is there. Returns false when the client was dropped. */
static bool ss__read(ss_igtl_server *s, int slot, ss_igtl_on_transform cb, void *user)
{
    ss__client *c = s->clients[slot];
    size_t budget = SS__READ_BUDGET;
    uint8_t scratch[4096];
    while (budget > 0) {
        uint8_t *dst;
        size_t want;
        if (c->in_body) {
            dst = c->body + c->body_have;
            want = (size_t)c->h.body_size - c->body_have;
        } else if (c->skipping) {
            dst = scratch;
            want = c->skip_left < sizeof scratch ? (size_t)c->skip_left : sizeof scratch;
        } else {
            dst = c->hdr + c->hdr_have;
            want = SS_IGTL_HEADER_BYTES - c->hdr_have;
        }
        if (want > budget) want = budget;
        ssize_t n = want ? recv(c->fd, dst, want, 0) : 0;
        if (want && n == 0) {
            bool mid = c->in_body || c->skipping || c->hdr_have > 0;
            ss__drop(s, slot, mid, mid ? "disconnected in the middle of a message" : "disconnected");
            return false;
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
            char why[128];
            snprintf(why, sizeof why, "receive failed: %s", strerror(errno));
            ss__drop(s, slot, true, why);
            return false;
        }
        budget -= (size_t)n;
        if (n > 0) c->last_rx = ss__now_s();
        if (c->in_body) {
            c->body_have += (size_t)n;
            if (c->body_have == c->h.body_size) {
                ss__message(s, c, cb, user);
                free(c->body);
                c->body = NULL;
                c->in_body = false;
                c->hdr_have = 0;
            }
        } else if (c->skipping) {
            c->skip_left -= (uint64_t)n;
            if (c->skip_left == 0) {
                c->skipping = false;
                c->hdr_have = 0;
            }
        } else {
            c->hdr_have += (size_t)n;
            if (c->hdr_have < SS_IGTL_HEADER_BYTES) continue;
            char why[160], msg[240];
            if (!ss_igtl_header_unpack(c->hdr, &c->h, why, sizeof why)) {
                snprintf(msg, sizeof msg, "not an OpenIGTLink header (%s)", why);
                s->stats.messages_rejected++;
                ss__drop(s, slot, true, msg);
                return false;
            }
            if (c->h.body_size > SS_IGTL_MAX_BODY_BYTES) {
                snprintf(msg, sizeof msg, "%s '%s' announces a body of %llu bytes, over the %u-byte limit", c->h.type,
                         c->h.device, (unsigned long long)c->h.body_size, SS_IGTL_MAX_BODY_BYTES);
                s->stats.messages_rejected++;
                ss__drop(s, slot, true, msg);
                return false;
            }
            if (strcmp(c->h.type, "TRANSFORM") == 0 && c->h.body_size > SS_IGTL_MAX_TRANSFORM_BODY_BYTES) {
                /* A TRANSFORM is 48 bytes (plus a version-2 extended header and
                 * metadata): a larger one is not buffered, it is skipped unread. */
                snprintf(msg, sizeof msg, "TRANSFORM '%s' of %llu bytes, over the %u a pose needs: skipped", c->h.device,
                         (unsigned long long)c->h.body_size, SS_IGTL_MAX_TRANSFORM_BODY_BYTES);
                fprintf(stderr, "%s: client %d (%s): %s\n", s->prefix, c->id, c->addr, msg);
                s->stats.messages_rejected++;
                c->skip_left = c->h.body_size;
                c->skipping = true;
            } else if (strcmp(c->h.type, "TRANSFORM") == 0) {
                c->body = malloc(c->h.body_size ? (size_t)c->h.body_size : 1);
                if (!c->body) {
                    ss__drop(s, slot, true, "out of memory for a message body");
                    return false;
                }
                c->body_have = 0;
                c->in_body = true;
                if (c->h.body_size == 0) {
                    ss__message(s, c, cb, user);
                    free(c->body);
                    c->body = NULL;
                    c->in_body = false;
                    c->hdr_have = 0;
                }
            } else {
                bool seen = false;
                for (int i = 0; i < c->nskipped; i++) seen |= strcmp(c->skipped[i], c->h.type) == 0;
                if (!seen) {
                    fprintf(stderr, "%s: client %d (%s): %s messages are not used (only TRANSFORM); skipping them\n",
                            s->prefix, c->id, c->addr, c->h.type);
                    if (c->nskipped < SS__MAX_SKIP_NAMES) snprintf(c->skipped[c->nskipped++], 13, "%s", c->h.type);
                }
                c->skip_left = c->h.body_size;
                c->skipping = c->skip_left > 0;
                if (!c->skipping) c->hdr_have = 0;
            }
        }
    }
    return true;
}

static bool ss__has_output(const ss__client *c)
{
    if (c->send_errno) return false;
    if (c->cur || c->image || c->s_count) return true;
    for (int i = 0; i < SS__MAX_XF_DEVICES; i++)
        if (c->xf[i]) return true;
    return false;
}

/* Next message to send: events and notes first, then poses, then the image. */
static ss__buf *ss__next(ss__client *c)
{
    if (c->s_count) {
        ss__buf *b = c->strings[c->s_head];
        c->s_head = (c->s_head + 1) % SS_IGTL_MAX_QUEUED;
        c->s_count--;
        return b;
    }
    for (int i = 0; i < SS__MAX_XF_DEVICES; i++)
        if (c->xf[i]) {
            ss__buf *b = c->xf[i];
            c->xf[i] = NULL;
            return b;
        }
    ss__buf *b = c->image;
    c->image = NULL;
    return b;
}

static bool ss__write(ss_igtl_server *s, int slot)
{
    ss__client *c = s->clients[slot];
    for (;;) {
        if (!c->cur) {
            c->cur = ss__next(c);
            c->cur_sent = 0;
            if (!c->cur) return true;
        }
        ssize_t n = send(c->fd, c->cur->data + c->cur_sent, c->cur->size - c->cur_sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
            c->send_errno = errno; /* the next service reads what it sent, then drops it */
            return false;
        }
        c->cur_sent += (size_t)n;
        if (n > 0) c->last_tx = ss__now_s();
        if (c->cur_sent == c->cur->size) {
            if (c->cur->image) {
                c->images_sent++;
                s->stats.images_sent++;
            }
            ss__unref(c->cur);
            c->cur = NULL;
        }
    }
}

void ss_igtl_server_service(ss_igtl_server *s, int timeout_ms, ss_igtl_on_transform on_transform, void *user)
{
    struct pollfd fds[1 + SS_IGTL_MAX_CLIENTS];
    int slot_of[1 + SS_IGTL_MAX_CLIENTS];
    int n = 0;
    fds[n].fd = s->listen_fd;
    fds[n].events = POLLIN;
    fds[n].revents = 0;
    slot_of[n++] = -1;
    for (int i = 0; i < SS_IGTL_MAX_CLIENTS; i++) {
        ss__client *c = s->clients[i];
        if (!c) continue;
        fds[n].fd = c->fd;
        fds[n].events = (short)(POLLIN | (ss__has_output(c) ? POLLOUT : 0));
        fds[n].revents = 0;
        slot_of[n++] = i;
    }
    int r = poll(fds, (nfds_t)n, timeout_ms < 0 ? 0 : timeout_ms);
    if (r < 0) return; /* EINTR: the caller's loop comes back */
    if (fds[0].revents & POLLIN) ss__accept(s);
    for (int k = 1; k < n; k++) {
        int slot = slot_of[k];
        if (!s->clients[slot]) continue;
        ss__client *c = s->clients[slot];
        bool dead = c->send_errno != 0;
        if ((dead || (fds[k].revents & (POLLIN | POLLHUP | POLLERR))) && !ss__read(s, slot, on_transform, user))
            continue;
        if (dead) {
            char why[128];
            snprintf(why, sizeof why, "send failed: %s", strerror(c->send_errno));
            ss__drop(s, slot, c->send_errno != EPIPE && c->send_errno != ECONNRESET, why);
            continue;
        }
        if (ss__has_output(c)) ss__write(s, slot);
    }
    double now = ss__now_s();
    for (int i = 0; i < SS_IGTL_MAX_CLIENTS; i++) {
        ss__client *c = s->clients[i];
        if (!c) continue;
        bool mid = c->in_body || c->skipping || c->hdr_have > 0;
        if (mid && now - c->last_rx > SS__STALL_S)
            ss__drop(s, i, true, "stalled in the middle of a message for 10 s");
        else if (now - c->last_rx > SS__STALL_S && ss__has_output(c) && now - c->last_tx > SS__STALL_S)
            ss__drop(s, i, true, "idle: took nothing it was sent and sent nothing for 10 s");
    }
}

/* Hands b to every client by the rule of its kind; drops the caller's reference. */
static bool ss__broadcast(ss_igtl_server *s, ss__buf *b, int kind /* 0 image, 1 transform, 2 string */)
{
    if (!b) return false;
    for (int i = 0; i < SS_IGTL_MAX_CLIENTS; i++) {
        ss__client *c = s->clients[i];
        if (!c) continue;
        if (kind == 0) {
            if (c->image) {
                c->images_dropped++;
                s->stats.images_dropped++;
                ss__unref(c->image);
            }
            b->refs++;
            c->image = b;
        } else if (kind == 1) {
            int at = -1;
            for (int k = 0; k < SS__MAX_XF_DEVICES && at < 0; k++)
                if (c->xf[k] && strcmp(c->xf[k]->device, b->device) == 0) at = k;
            for (int k = 0; k < SS__MAX_XF_DEVICES && at < 0; k++)
                if (!c->xf[k]) at = k;
            if (at < 0) at = 0;
            ss__unref(c->xf[at]);
            b->refs++;
            c->xf[at] = b;
        } else {
            if (c->s_count == SS_IGTL_MAX_QUEUED) {
                ss__unref(c->strings[c->s_head]);
                c->s_head = (c->s_head + 1) % SS_IGTL_MAX_QUEUED;
                c->s_count--;
            }
            b->refs++;
            c->strings[(c->s_head + c->s_count) % SS_IGTL_MAX_QUEUED] = b;
            c->s_count++;
        }
    }
    ss__unref(b);
    /* start sending now; the next service call finishes what the socket could not take */
    for (int i = 0; i < SS_IGTL_MAX_CLIENTS; i++)
        if (s->clients[i]) ss__write(s, i);
    return true;
}

bool ss_igtl_server_send_image(ss_igtl_server *s, const char *device, const uint8_t *pixels, int width, int height,
                               const double ijk_to_ref[3][4])
{
    if (ss_igtl_server_client_count(s) == 0) return true;
    size_t size;
    uint8_t *m = ss_igtl_pack_image(device, pixels, width, height, ijk_to_ref, &size);
    return ss__broadcast(s, ss__buf_wrap(m, size, true, device), 0);
}

bool ss_igtl_server_send_transform(ss_igtl_server *s, const char *device, const float m12[12])
{
    if (ss_igtl_server_client_count(s) == 0) return true;
    size_t size;
    uint8_t *m = ss_igtl_pack_transform(device, m12, &size);
    return ss__broadcast(s, ss__buf_wrap(m, size, false, device), 1);
}

bool ss_igtl_server_send_string(ss_igtl_server *s, const char *device, const char *text)
{
    if (ss_igtl_server_client_count(s) == 0) return true;
    size_t size;
    uint8_t *m = ss_igtl_pack_string(device, text, &size);
    return ss__broadcast(s, ss__buf_wrap(m, size, false, device), 2);
}

void ss_igtl_server_close(ss_igtl_server *s)
{
    if (!s) return;
    for (int i = 0; i < SS_IGTL_MAX_CLIENTS; i++)
        if (s->clients[i]) {
            ss__client_free(s->clients[i]);
            s->clients[i] = NULL;
        }
    close(s->listen_fd);
    free(s);
}

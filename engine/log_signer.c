/* log_signer.c: see log_signer.h. */
#define _GNU_SOURCE /* struct ucred, SO_PEERCRED */
#include "log_signer.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

const char *ss_signer_socket(void)
{
    const char *e = getenv("SONOSPINE_SIGNER_SOCKET");
    if (e) return *e ? e : NULL;
    return SS_SIGNER_DEFAULT_SOCKET;
}

static double ss__now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Waits until fd is readable (or writable) before the deadline; false on timeout. */
static bool ss__wait(int fd, bool write, double deadline)
{
    for (;;) {
        double left = deadline - ss__now_s();
        if (left <= 0) return false;
        struct pollfd p = {.fd = fd, .events = write ? POLLOUT : POLLIN};
        int r = poll(&p, 1, (int)(left * 1000.0) + 1);
        if (r > 0) return true;
        if (r < 0 && errno != EINTR) return false;
    }
}

static bool ss__send_all(int fd, const char *buf, size_t len, double deadline)
{
    size_t done = 0;
    while (done < len) {
        if (!ss__wait(fd, true, deadline)) return false;
        ssize_t n = send(fd, buf + done, len - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += (size_t)n;
    }
    return true;
}

/* Reads up to '\n' (not kept) into line; false on timeout, EOF first or overlong. */
static bool ss__read_line(int fd, char *line, size_t size, double deadline)
{
    size_t used = 0;
    while (used + 1 < size) {
        if (!ss__wait(fd, false, deadline)) return false;
        char c;
        ssize_t n = recv(fd, &c, 1, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        if (c == '\n') {
            line[used] = '\0';
            return true;
        }
        line[used++] = c;
    }
    return false;
}

static bool ss__read_all(int fd, char *buf, size_t len, double deadline)
{
    size_t done = 0;
    while (done < len) {
        if (!ss__wait(fd, false, deadline)) return false;
        ssize_t n = recv(fd, buf + done, len - done, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += (size_t)n;
    }
    return true;
}

static ss_status ss__connect(const char *path, int *fd_out)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path) return ss_error_set(SS_ERR_IO, "signing service socket %s: path too long", path);
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return ss_error_set(SS_ERR_IO, "signing service: socket: %s", strerror(errno));
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        int e = errno;
        close(fd);
        return ss_error_set(SS_ERR_IO, "the signing service at %s does not answer: %s", path, strerror(e));
    }
    *fd_out = fd;
    return SS_OK;
}

/* "<key id> <public key>[ <sig>]" into out; false when malformed or the id is not the key's. */
static bool ss__parse_key(const char *s, ss_log_signature *out, bool with_sig)
{
    char id[32], pk[80], sig[160] = "";
    int n = with_sig ? sscanf(s, "%31s %79s %159s", id, pk, sig) : sscanf(s, "%31s %79s", id, pk);
    char want[SS_STATION_KEY_ID];
    if (n != (with_sig ? 3 : 2) || !ss_hex_digits(id, 16, true) || !ss_hex_digits(pk, 64, true) || (with_sig && !ss_hex_digits(sig, 128, true)) ||
        !ss_station_key_id_of(pk, want) || strcmp(want, id) != 0)
        return false;
    snprintf(out->key_id, sizeof out->key_id, "%.16s", id);
    snprintf(out->public_key, sizeof out->public_key, "%.64s", pk);
    snprintf(out->sig, sizeof out->sig, "%.128s", sig);
    return true;
}

ss_status ss_signer_ping(const char *path, ss_log_signature *who)
{
    int fd;
    ss_status st = ss__connect(path, &fd);
    if (st != SS_OK) return st;
    double deadline = ss__now_s() + 2.0;
    char line[512];
    bool ok = ss__send_all(fd, "PING\n", 5, deadline) && ss__read_line(fd, line, sizeof line, deadline);
    close(fd);
    if (!ok) return ss_error_set(SS_ERR_IO, "the signing service at %s did not answer within 2 s", path);
    ss_log_signature tmp;
    if (strncmp(line, "PONG ", 5) != 0 || !ss__parse_key(line + 5, who ? who : &tmp, false))
        return ss_error_set(SS_ERR_IO, "%s: not a SonoSpine signing service (it answered \"%.60s\")", path, line);
    return SS_OK;
}

const char *ss_signer_in_use(void)
{
    const char *p = ss_signer_socket();
    return p && ss_signer_ping(p, NULL) == SS_OK ? p : NULL;
}

/* One SIGN or CHECKPOINT request; the reply's fields after "OK " into out (and utc). */
static ss_status ss__request(const char *path, const char *verb, const char *log, size_t len, ss_log_signature *out,
                             char *utc)
{
    if (len > SS_SIGNER_MAX_LOG)
        return ss_error_set(SS_ERR_INVALID, "the log is %zu bytes, more than the signing service takes (%u)", len,
                            SS_SIGNER_MAX_LOG);
    int fd;
    ss_status st = ss__connect(path, &fd);
    if (st != SS_OK) return st;
    double deadline = ss__now_s() + 60.0; /* the service re-simulates the attempt */
    char head[48], line[1024];
    snprintf(head, sizeof head, "%s %zu\n", verb, len);
    bool ok = ss__send_all(fd, head, strlen(head), deadline) && ss__send_all(fd, log, len, deadline) &&
              ss__read_line(fd, line, sizeof line, deadline);
    close(fd);
    if (!ok) return ss_error_set(SS_ERR_IO, "the signing service at %s did not answer within 60 s", path);
    if (strncmp(line, "REFUSED ", 8) == 0)
        return ss_error_set(SS_ERR_INVALID, "the signing service refused to sign the log%s: %s",
                            utc ? "'s checkpoint" : "", line + 8);
    char when[64] = "";
    if (strncmp(line, "OK ", 3) != 0 || !ss__parse_key(line + 3, out, true) ||
        (utc && (sscanf(line + 3, "%*s %*s %*s %63s", when) != 1 || strlen(when) >= 32)))
        return ss_error_set(SS_ERR_IO, "the signing service at %s answered \"%.60s\"", path, line);
    if (utc) snprintf(utc, 32, "%.31s", when);
    return SS_OK;
}

ss_status ss_signer_sign(const char *path, const char *log, size_t len, ss_log_signature *out)
{
    return ss__request(path, "SIGN", log, len, out, NULL);
}

ss_status ss_signer_checkpoint(const char *path, const char *log, size_t len, ss_log_signature *out, char utc[32])
{
    return ss__request(path, "CHECKPOINT", log, len, out, utc);
}

ss_status ss_signer_listen(const char *path, int *fd_out)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path) return ss_error_set(SS_ERR_IO, "--socket %s: path too long", path);
    strcpy(a.sun_path, path);
    struct stat sb;
    if (lstat(path, &sb) == 0) {
        if (!S_ISSOCK(sb.st_mode))
            return ss_error_set(SS_ERR_IO, "--socket %s: exists and is not a socket (not replaced)", path);
        unlink(path);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return ss_error_set(SS_ERR_IO, "socket: %s", strerror(errno));
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || chmod(path, 0666) != 0 || listen(fd, 16) != 0) {
        int e = errno;
        close(fd);
        return ss_error_set(SS_ERR_IO, "--socket %s: cannot listen: %s", path, strerror(e));
    }
    *fd_out = fd;
    return SS_OK;
}

static void ss__answer(int fd, const char *text, double deadline) { ss__send_all(fd, text, strlen(text), deadline); }

void ss_signer_serve_one(int listen_fd, const ss_station_key *key, ss_signer_check_fn check, void *user,
                         char *summary, size_t summary_size)
{
    snprintf(summary, summary_size, "accept failed: %s", "?");
    int fd = accept(listen_fd, NULL, NULL);
    if (fd < 0) {
        snprintf(summary, summary_size, "accept failed: %s", strerror(errno));
        return;
    }
    long uid = -1;
    struct ucred cr;
    socklen_t crl = sizeof cr;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crl) == 0) uid = (long)cr.uid;
    double deadline = ss__now_s() + 10.0; /* a client that does not send its request in time is dropped */
    char line[64];
    if (!ss__read_line(fd, line, sizeof line, deadline)) {
        snprintf(summary, summary_size, "uid %ld: no whole request line within 10 s: dropped", uid);
        close(fd);
        return;
    }
    char reply[512];
    if (strcmp(line, "PING") == 0) {
        snprintf(reply, sizeof reply, "PONG %s %s\n", ss_station_key_id(key), ss_station_key_public_hex(key));
        ss__answer(fd, reply, deadline);
        snprintf(summary, summary_size, "uid %ld: ping", uid);
        close(fd);
        return;
    }
    char *end = NULL;
    const bool ckpt = strncmp(line, "CHECKPOINT ", 11) == 0;
    const char *num = ckpt ? line + 11 : line + 5;
    unsigned long long n = ckpt || strncmp(line, "SIGN ", 5) == 0 ? strtoull(num, &end, 10) : 0;
    if (!end || *end || *num < '0' || *num > '9' || n == 0 || n > SS_SIGNER_MAX_LOG) {
        ss__answer(fd, "REFUSED expected PING, SIGN <bytes> or CHECKPOINT <bytes> (1 to 64 MiB)\n", deadline);
        snprintf(summary, summary_size, "uid %ld: refused a malformed request \"%.40s\"", uid, line);
        close(fd);
        return;
    }
    char *log = malloc((size_t)n + 1);
    if (!log || !ss__read_all(fd, log, (size_t)n, ss__now_s() + 30.0)) {
        ss__answer(fd, log ? "REFUSED the log did not arrive whole within 30 s\n" : "REFUSED out of memory\n", deadline);
        snprintf(summary, summary_size, "uid %ld: SIGN %llu bytes: %s", uid, n, log ? "did not arrive" : "out of memory");
        free(log);
        close(fd);
        return;
    }
    log[n] = '\0';
    char seal[SS_LOG_HASH_HEX] = "";
    long records = 0;
    const char *why = check(user, log, (size_t)n, ckpt, seal, &records);
    free(log);
    if (why) {
        snprintf(reply, sizeof reply, "REFUSED %.400s\n", why);
        for (char *p = reply + 8; *p && p[1]; p++)
            if (*p == '\n' || *p == '\r') *p = ' ';
        snprintf(summary, summary_size, "uid %ld: refused: %.400s", uid, why);
    } else if (ckpt) {
        char utc[32];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(utc, sizeof utc, "%Y-%m-%dT%H:%M:%SZ", &tm);
        ss_log_signature sig;
        ss_log_sign_checkpoint(key, seal, records, utc, &sig);
        snprintf(reply, sizeof reply, "OK %s %s %s %s\n", sig.key_id, sig.public_key, sig.sig, utc);
        snprintf(summary, summary_size, "uid %ld: checkpoint of %ld records, last %s", uid, records, seal);
    } else {
        ss_log_signature sig;
        ss_log_sign_seal(key, seal, &sig);
        snprintf(reply, sizeof reply, "OK %s %s %s\n", sig.key_id, sig.public_key, sig.sig);
        snprintf(summary, summary_size, "uid %ld: signed seal %s", uid, seal);
    }
    /* a fresh deadline: the check (a re-simulation) may have taken a while */
    ss__answer(fd, reply, ss__now_s() + 10.0);
    close(fd);
}

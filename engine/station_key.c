/* station_key.c: see station_key.h. */
#define _POSIX_C_SOURCE 200809L
#include "station_key.h"
#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct ss_station_key {
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    char path[4096];
    char pk_hex[SS_STATION_PK_HEX];
    char id[SS_STATION_KEY_ID];
};

ss_status ss_station_key_default_path(char *out, size_t size)
{
    const char *env = getenv("SONOSPINE_STATION_KEY");
    int n;
    if (env && *env) {
        n = snprintf(out, size, "%s", env);
    } else {
        const char *xdg = getenv("XDG_DATA_HOME");
        const char *home = getenv("HOME");
        if (xdg && *xdg == '/') {
            n = snprintf(out, size, "%s/sonospine/station.key", xdg);
        } else if (home && *home) {
            n = snprintf(out, size, "%s/.local/share/sonospine/station.key", home);
        } else {
            return ss_error_set(SS_ERR_IO, "station key: none of SONOSPINE_STATION_KEY, XDG_DATA_HOME or HOME is set; "
                                           "name the key file with SONOSPINE_STATION_KEY");
        }
    }
    if (n < 0 || (size_t)n >= size) return ss_error_set(SS_ERR_IO, "station key: path too long");
    return SS_OK;
}

static void ss__fill_public(ss_station_key *k)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    crypto_sign_ed25519_sk_to_pk(pk, k->sk);
    sodium_bin2hex(k->pk_hex, sizeof k->pk_hex, pk, sizeof pk);
    ss_station_key_id_of(k->pk_hex, k->id);
}

static ss_status ss__write_all(int fd, const void *buf, size_t len, const char *path)
{
    const unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return ss_error_set(SS_ERR_IO, "station key: %s: write failed: %s", path, strerror(errno));
        }
        p += n;
        len -= (size_t)n;
    }
    return SS_OK;
}

/* Writes bytes to a fresh temporary file next to path (mode given), syncs it, then
 * hard-links it to path: the name appears whole or not at all, and never replaces an
 * existing file. Returns SS_OK, or SS_ERR_IO with errno EEXIST left in *exists when
 * another process created path first. */
static ss_status ss__create_atomic(const char *path, const void *bytes, size_t len, mode_t mode, bool *exists)
{
    *exists = false;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    unlink(tmp); /* left over from a crashed process with the same pid */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) return ss_error_set(SS_ERR_IO, "station key: cannot create %s: %s", tmp, strerror(errno));
    ss_status st = ss__write_all(fd, bytes, len, tmp);
    if (st == SS_OK && fchmod(fd, mode) != 0) /* the umask may have removed bits we want */
        st = ss_error_set(SS_ERR_IO, "station key: %s: chmod failed: %s", tmp, strerror(errno));
    if (st == SS_OK && fsync(fd) != 0) st = ss_error_set(SS_ERR_IO, "station key: %s: sync failed: %s", tmp, strerror(errno));
    if (close(fd) != 0 && st == SS_OK)
        st = ss_error_set(SS_ERR_IO, "station key: %s: close failed: %s", tmp, strerror(errno));
    if (st == SS_OK && link(tmp, path) != 0) {
        if (errno == EEXIST) *exists = true;
        st = ss_error_set(SS_ERR_IO, "station key: cannot create %s: %s", path, strerror(errno));
    }
    unlink(tmp);
    return st;
}

static ss_status ss__load(const char *path, ss_station_key *k)
{
    /* O_NOFOLLOW: the checks below must be of the key file itself, not of whatever a
     * symbolic link put in its place points to. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ELOOP)
        return ss_error_set(SS_ERR_INVALID, "station key %s: is a symbolic link; expected the key file itself", path);
    if (fd < 0) return ss_error_set(SS_ERR_IO, "station key %s: %s", path, strerror(errno));
    struct stat st;
    ss_status rc = SS_OK;
    if (fstat(fd, &st) != 0) {
        rc = ss_error_set(SS_ERR_IO, "station key %s: %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        rc = ss_error_set(SS_ERR_INVALID, "station key %s: not a regular file", path);
    } else if ((st.st_mode & 07177) != 0) {
        rc = ss_error_set(SS_ERR_INVALID,
                          "station key %s: permissions %04o are not 0600 or 0400 (others could read or change it, "
                          "or it is executable or set-id); expected 0600 "
                          "(chmod 600 %s; if it may have been copied, remove it instead and a new key is made "
                          "on next use)",
                          path, (unsigned)(st.st_mode & 07777), path);
    } else if (st.st_uid != geteuid()) {
        rc = ss_error_set(SS_ERR_INVALID, "station key %s: owned by uid %ld, not by this user (uid %ld)", path,
                          (long)st.st_uid, (long)geteuid());
    } else if (st.st_size != (off_t)crypto_sign_SECRETKEYBYTES) {
        rc = ss_error_set(SS_ERR_INVALID, "station key %s: %lld bytes; expected exactly %d (an Ed25519 secret key)",
                          path, (long long)st.st_size, (int)crypto_sign_SECRETKEYBYTES);
    } else {
        size_t got = 0;
        while (got < sizeof k->sk) {
            ssize_t n = read(fd, k->sk + got, sizeof k->sk - got);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            got += (size_t)n;
        }
        if (got != sizeof k->sk) {
            rc = ss_error_set(SS_ERR_IO, "station key %s: short read (%zu of %d bytes)", path, got,
                              (int)crypto_sign_SECRETKEYBYTES);
        } else {
            /* The public half must be the one the seed gives: catches a damaged file. */
            unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk2[crypto_sign_SECRETKEYBYTES];
            crypto_sign_seed_keypair(pk, sk2, k->sk);
            if (sodium_memcmp(sk2, k->sk, sizeof sk2) != 0)
                rc = ss_error_set(SS_ERR_INVALID,
                                  "station key %s: damaged: its public half does not belong to its secret seed", path);
            sodium_memzero(sk2, sizeof sk2);
        }
    }
    close(fd);
    if (rc == SS_OK) ss__fill_public(k);
    else sodium_memzero(k->sk, sizeof k->sk);
    return rc;
}

ss_status ss_station_key_open(const char *path, bool create, ss_station_key **out, bool *created_out)
{
    *out = NULL;
    if (created_out) *created_out = false;
    if (sodium_init() < 0) return ss_error_set(SS_ERR_INTERNAL, "libsodium failed to initialise");
    ss_station_key *k = calloc(1, sizeof *k);
    if (!k) return ss_error_set(SS_ERR_NOMEM, "out of memory");
    ss_status st = SS_OK;
    if (path) {
        if (strlen(path) >= sizeof k->path) st = ss_error_set(SS_ERR_IO, "station key: path too long");
        else snprintf(k->path, sizeof k->path, "%s", path);
    } else {
        st = ss_station_key_default_path(k->path, sizeof k->path);
    }
    if (st == SS_OK) {
        struct stat sb;
        if (lstat(k->path, &sb) != 0 && errno == ENOENT) {
            if (!create) {
                st = ss_error_set(SS_ERR_IO, "station key %s: no such file", k->path);
            } else {
                st = ss_make_parent_dirs("station key", k->path, 0700);
                if (st == SS_OK) {
                    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
                    crypto_sign_keypair(pk, k->sk);
                    bool exists;
                    st = ss__create_atomic(k->path, k->sk, sizeof k->sk, 0600, &exists);
                    sodium_memzero(k->sk, sizeof k->sk);
                    if (st == SS_OK) {
                        if (created_out) *created_out = true;
                    } else if (exists) {
                        st = SS_OK; /* another process made it first: use theirs */
                    }
                }
            }
        }
        if (st == SS_OK) st = ss__load(k->path, k);
        if (st == SS_OK) {
            /* station.pub: the public key for examiners; made when missing (never trusted
             * by verify itself, which reads the key from the log). */
            char pub[4200];
            snprintf(pub, sizeof pub, "%s", k->path);
            char *slash = strrchr(pub, '/');
            snprintf(slash ? slash + 1 : pub, sizeof pub - (size_t)(slash ? slash + 1 - pub : 0), "station.pub");
            if (strcmp(pub, k->path) != 0 && access(pub, F_OK) != 0) {
                char line[SS_STATION_PK_HEX + 1];
                snprintf(line, sizeof line, "%s\n", k->pk_hex);
                bool exists;
                if (ss__create_atomic(pub, line, strlen(line), 0644, &exists) != SS_OK && !exists) {
                    /* The public key file is a convenience: the log carries the key. */
                    ss_error_clear();
                }
            }
        }
    }
    if (st != SS_OK) {
        ss_station_key_free(k);
        return st;
    }
    *out = k;
    return SS_OK;
}

void ss_station_key_free(ss_station_key *k)
{
    if (!k) return;
    sodium_memzero(k->sk, sizeof k->sk);
    free(k);
}

const char *ss_station_key_path(const ss_station_key *k) { return k->path; }
const char *ss_station_key_public_hex(const ss_station_key *k) { return k->pk_hex; }
const char *ss_station_key_id(const ss_station_key *k) { return k->id; }

void ss_station_key_sign(const ss_station_key *k, const void *msg, size_t len, char sig_hex[SS_STATION_SIG_HEX])
{
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, msg, len, k->sk);
    sodium_bin2hex(sig_hex, SS_STATION_SIG_HEX, sig, sizeof sig);
}

static bool ss__hex_to_bin(const char *hex, unsigned char *bin, size_t n)
{
    if (!hex || strlen(hex) != 2 * n) return false;
    size_t got = 0;
    if (sodium_hex2bin(bin, n, hex, 2 * n, NULL, &got, NULL) != 0) return false;
    return got == n;
}

bool ss_hex_digits(const char *s, size_t n, bool lower_only)
{
    if (strlen(s) != n) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (!lower_only && c >= 'A' && c <= 'F');
        if (!ok) return false;
    }
    return true;
}

bool ss_station_key_verify(const char *pk_hex, const void *msg, size_t len, const char *sig_hex)
{
    if (sodium_init() < 0) return false;
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];
    if (!ss__hex_to_bin(pk_hex, pk, sizeof pk) || !ss__hex_to_bin(sig_hex, sig, sizeof sig)) return false;
    return crypto_sign_verify_detached(sig, msg, len, pk) == 0;
}

bool ss_station_key_id_of(const char *pk_hex, char id_out[SS_STATION_KEY_ID])
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    id_out[0] = '\0';
    if (!ss__hex_to_bin(pk_hex, pk, sizeof pk)) return false;
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, pk, sizeof pk);
    sodium_bin2hex(id_out, SS_STATION_KEY_ID, h, 8);
    return true;
}

/* test_station_key.c: the station's signing key (station_key.h): created once, on first
 * use, readable by its owner only (file 0600, new directories 0700), reused afterwards,
 * the same key for processes racing to create it, and refused with a message naming the
 * file and what was expected when its permissions, size or content are wrong. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "paths.h"
#include "station_key.h"
#include "test_support.h"

static const char *dir;
static char key_path[512], pub_path[512];

static void setup(void)
{
    dir = ts_tempdir("station");
    snprintf(key_path, sizeof key_path, "%s/a/b/station.key", dir);
    snprintf(pub_path, sizeof pub_path, "%s/a/b/station.pub", dir);
}

static void teardown(void) { ts_rmtree(dir); }

TestSuite(station_key, .init = setup, .fini = teardown);

static mode_t mode_of(const char *path)
{
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "%s", path);
    return st.st_mode & 07777;
}

Test(station_key, created_on_first_use_owner_only_and_reused)
{
    ss_station_key *k;
    bool created = false;
    mode_t old_umask = umask(0); /* the key must be 0600 whatever the umask */
    cr_assert_eq(ss_station_key_open(key_path, true, &k, &created), SS_OK, "%s", ss_error_message());
    umask(old_umask);
    cr_assert(created);
    cr_assert_eq(mode_of(key_path), 0600, "key file mode %o", (unsigned)mode_of(key_path));
    char sub[600];
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    cr_assert_eq(mode_of(sub), 0700, "new key directory mode %o", (unsigned)mode_of(sub));
    struct stat st;
    cr_assert_eq(stat(key_path, &st), 0);
    cr_assert_eq(st.st_size, 64, "an Ed25519 secret key: 32-byte seed + 32-byte public key");
    char pk[SS_STATION_PK_HEX], id[SS_STATION_KEY_ID];
    snprintf(pk, sizeof pk, "%s", ss_station_key_public_hex(k));
    snprintf(id, sizeof id, "%s", ss_station_key_id(k));
    cr_assert_eq(strlen(id), 16);

    /* station.pub holds the public key for examiners */
    char *text;
    size_t n;
    cr_assert_eq(ss_file_read(pub_path, 4096, &text, &n), SS_OK);
    cr_assert_eq(n, 65);
    cr_assert_eq(strncmp(text, pk, 64), 0);
    free(text);

    /* a signature verifies with the public key, and not once the message changes */
    char sig[SS_STATION_SIG_HEX];
    ss_station_key_sign(k, "seal", 4, sig);
    cr_assert(ss_station_key_verify(pk, "seal", 4, sig));
    cr_assert(!ss_station_key_verify(pk, "seaL", 4, sig));
    ss_station_key_free(k);

    /* second open: same key, file untouched */
    cr_assert_eq(ss_station_key_open(key_path, true, &k, &created), SS_OK, "%s", ss_error_message());
    cr_assert(!created);
    cr_assert_str_eq(ss_station_key_public_hex(k), pk);
    struct stat st2;
    cr_assert_eq(stat(key_path, &st2), 0);
    cr_assert_eq(st2.st_ino, st.st_ino, "the key file was not replaced");
    cr_assert_eq(st2.st_mtime, st.st_mtime);
    ss_station_key_free(k);
}

Test(station_key, processes_racing_to_create_it_get_one_key)
{
    enum { N = 6 };
    int fds[N][2];
    for (int i = 0; i < N; i++) {
        cr_assert_eq(pipe(fds[i]), 0);
        pid_t pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
            ss_station_key *k;
            char out[SS_STATION_PK_HEX] = "";
            if (ss_station_key_open(key_path, true, &k, NULL) == SS_OK) {
                snprintf(out, sizeof out, "%s", ss_station_key_public_hex(k));
                ss_station_key_free(k);
            }
            ssize_t w = write(fds[i][1], out, 64);
            _exit(w == 64 ? 0 : 1);
        }
        close(fds[i][1]);
    }
    char first[65] = "";
    for (int i = 0; i < N; i++) {
        char got[65] = "";
        ssize_t r = read(fds[i][0], got, 64);
        close(fds[i][0]);
        int status;
        wait(&status);
        cr_assert_eq(r, 64, "process %d opened no key", i);
        if (i == 0) memcpy(first, got, 65);
        cr_assert_str_eq(got, first, "process %d got another key", i);
    }
    ss_station_key *k;
    cr_assert_eq(ss_station_key_open(key_path, false, &k, NULL), SS_OK);
    cr_assert_str_eq(ss_station_key_public_hex(k), first, "the key on disk is the one every process used");
    ss_station_key_free(k);
}

Test(station_key, refuses_a_key_others_can_read)
{
    ss_station_key *k;
    cr_assert_eq(ss_station_key_open(key_path, true, &k, NULL), SS_OK);
    ss_station_key_free(k);
    cr_assert_eq(chmod(key_path, 0644), 0);
    cr_assert_eq(ss_station_key_open(key_path, true, &k, NULL), SS_ERR_INVALID);
    cr_assert_null(k);
    const char *m = ss_error_message();
    cr_assert(strstr(m, key_path) && strstr(m, "0644") && strstr(m, "expected 0600"), "%s", m);
    cr_assert_eq(mode_of(key_path), 0644, "a refused key is left as it is, not rewritten");
}

Test(station_key, refuses_an_executable_key_and_a_symbolic_link)
{
    ss_station_key *k;
    cr_assert_eq(ss_station_key_open(key_path, true, &k, NULL), SS_OK);
    char id[SS_STATION_KEY_ID];
    snprintf(id, sizeof id, "%s", ss_station_key_id(k));
    ss_station_key_free(k);
    /* 0700 keeps others out but is not a key file's mode: refused, like the header says. */
    cr_assert_eq(chmod(key_path, 0700), 0);
    cr_assert_eq(ss_station_key_open(key_path, false, &k, NULL), SS_ERR_INVALID);
    cr_assert(strstr(ss_error_message(), "0700"), "%s", ss_error_message());
    cr_assert_eq(chmod(key_path, 0600), 0);
    /* A link in the key's place is refused even though its target is a good 0600 key:
     * the permission and owner checks must be of the file named, not of a target. */
    char link_path[600];
    snprintf(link_path, sizeof link_path, "%s/link.key", dir);
    cr_assert_eq(symlink(key_path, link_path), 0);
    cr_assert_eq(ss_station_key_open(link_path, true, &k, NULL), SS_ERR_INVALID);
    cr_assert_null(k);
    cr_assert(strstr(ss_error_message(), "symbolic link"), "%s", ss_error_message());
    /* The key itself still opens, unchanged. */
    cr_assert_eq(ss_station_key_open(key_path, false, &k, NULL), SS_OK);
    cr_assert_str_eq(ss_station_key_id(k), id);
    ss_station_key_free(k);
}

Test(station_key, refuses_a_key_of_the_wrong_size_or_damaged)
{
    char p[600];
    snprintf(p, sizeof p, "%s/short.key", dir);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "0123456789", 10), 10);
    close(fd);
    ss_station_key *k;
    cr_assert_eq(ss_station_key_open(p, true, &k, NULL), SS_ERR_INVALID);
    cr_assert(strstr(ss_error_message(), "10 bytes; expected exactly 64"), "%s", ss_error_message());

    /* a real key with one byte of its public half changed */
    cr_assert_eq(ss_station_key_open(key_path, true, &k, NULL), SS_OK);
    ss_station_key_free(k);
    fd = open(key_path, O_RDWR);
    cr_assert_geq(fd, 0);
    unsigned char b;
    cr_assert_eq(pread(fd, &b, 1, 40), 1);
    b ^= 0x01;
    cr_assert_eq(pwrite(fd, &b, 1, 40), 1);
    close(fd);
    cr_assert_eq(ss_station_key_open(key_path, true, &k, NULL), SS_ERR_INVALID);
    cr_assert(strstr(ss_error_message(), "damaged"), "%s", ss_error_message());

    /* a directory where the key should be */
    snprintf(p, sizeof p, "%s/dir.key", dir);
    cr_assert_eq(mkdir(p, 0700), 0);
    cr_assert_eq(ss_station_key_open(p, true, &k, NULL), SS_ERR_INVALID);
    cr_assert(strstr(ss_error_message(), "not a regular file"), "%s", ss_error_message());
}

Test(station_key, default_path_follows_the_environment)
{
    char p[1024];
    setenv("SONOSPINE_STATION_KEY", "/x/y.key", 1);
    cr_assert_eq(ss_station_key_default_path(p, sizeof p), SS_OK);
    cr_assert_str_eq(p, "/x/y.key");
    unsetenv("SONOSPINE_STATION_KEY");
    setenv("XDG_DATA_HOME", "/xdg", 1);
    cr_assert_eq(ss_station_key_default_path(p, sizeof p), SS_OK);
    cr_assert_str_eq(p, "/xdg/sonospine/station.key");
    unsetenv("XDG_DATA_HOME");
    setenv("HOME", "/home/t", 1);
    cr_assert_eq(ss_station_key_default_path(p, sizeof p), SS_OK);
    cr_assert_str_eq(p, "/home/t/.local/share/sonospine/station.key");
}

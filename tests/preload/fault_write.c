/* fault_write.c: an LD_PRELOAD shim for the command-line fault tests (test_cli_faults.c).
 * With SONOSPINE_FAULT_SUFFIX=S and SONOSPINE_FAULT_WRITE_AT=N in the environment, the
 * N-th write(2) (1-based) to an open file whose path ends in S fails with ENOSPC (a full
 * disk); every other write goes through. Without the variables it changes nothing. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

ssize_t write(int fd, const void *buf, size_t count);

ssize_t write(int fd, const void *buf, size_t count)
{
    static ssize_t (*real)(int, const void *, size_t);
    static long seen;
    if (!real) real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    const char *at = getenv("SONOSPINE_FAULT_WRITE_AT"), *suffix = getenv("SONOSPINE_FAULT_SUFFIX");
    if (at && suffix && fd > 2) {
        char link[64], path[4096];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, path, sizeof path - 1);
        size_t sl = strlen(suffix);
        if (n > 0 && (size_t)n >= sl) {
            path[n] = '\0';
            if (strcmp(path + n - (ssize_t)sl, suffix) == 0 && ++seen == atol(at)) {
                errno = ENOSPC;
                return -1;
            }
        }
    }
    return real(fd, buf, count);
}

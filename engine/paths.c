/* paths.c: data directory lookup and whole-file reads (see paths.h). */
#define _POSIX_C_SOURCE 200809L
#include "paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SONOSPINE_VERSION
#define SONOSPINE_VERSION "0.0.0"
#endif

const char *ss_version(void) { return SONOSPINE_VERSION; }

#ifndef SONOSPINE_DATADIR_REL
#define SONOSPINE_DATADIR_REL "../share/sonospine"
#endif

ss_status ss_paths_exe_dir(char *out, size_t out_size)
{
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return ss_error_set(SS_ERR_IO, "cannot find the executable's directory: /proc/self/exe: %s",
                            strerror(errno));
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash) *slash = '\0';
    if (strlen(buf) + 1 > out_size)
        return ss_error_set(SS_ERR_IO, "executable path too long: %s", buf);
    strcpy(out, buf);
    return SS_OK;
}

static bool ss__is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

ss_status ss_paths_data_dir(const char *kind, char *out, size_t out_size, bool *from_env)
{
    char env_name[64];
    /* "shaders" -> SONOSPINE_SHADER_DIR, "assets" -> SONOSPINE_ASSET_DIR, ... */
    size_t k = strlen(kind);
    if (k >= 32) return ss_error_set(SS_ERR_INTERNAL, "data kind name too long: %s", kind);
    char upper[32];
    for (size_t i = 0; i < k; i++) upper[i] = (char)((kind[i] >= 'a' && kind[i] <= 'z') ? kind[i] - 32 : kind[i]);
    upper[k] = '\0';
    if (k > 1 && upper[k - 1] == 'S') upper[k - 1] = '\0';
    snprintf(env_name, sizeof env_name, "SONOSPINE_%s_DIR", upper);
    if (from_env) *from_env = false;

    const char *env = getenv(env_name);
    if (env && *env) {
        if (!ss__is_dir(env))
            return ss_error_set(SS_ERR_IO, "%s=%s: not a directory", env_name, env);
        if (strlen(env) + 1 > out_size) return ss_error_set(SS_ERR_IO, "%s too long", env_name);
        strcpy(out, env);
        if (from_env) *from_env = true;
        return SS_OK;
    }

    char exe[4096];
    ss_status st = ss_paths_exe_dir(exe, sizeof exe);
    if (st != SS_OK) return st;
    char dev[4600], inst[4700];
    snprintf(dev, sizeof dev, "%s/%s", exe, kind);
    snprintf(inst, sizeof inst, "%s/%s/%s", exe, SONOSPINE_DATADIR_REL, kind);
    const char *found = ss__is_dir(dev) ? dev : ss__is_dir(inst) ? inst : NULL;
    if (!found)
        return ss_error_set(SS_ERR_IO, "no %s directory: looked in %s and %s (set %s to override)",
                            kind, dev, inst, env_name);
    if (strlen(found) + 1 > out_size) return ss_error_set(SS_ERR_IO, "%s path too long", kind);
    strcpy(out, found);
    return SS_OK;
}

bool ss_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

ss_status ss_file_read(const char *path, size_t max_bytes, char **text_out, size_t *size_out)
{
    *text_out = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return ss_error_set(SS_ERR_IO, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return ss_error_set(SS_ERR_IO, "%s: is a directory, expected a file", path);
    if (!S_ISREG(st.st_mode))
        return ss_error_set(SS_ERR_IO, "%s: not a regular file", path);
    if ((size_t)st.st_size > max_bytes)
        return ss_error_set(SS_ERR_IO, "%s: file is %lld bytes, more than the %zu allowed", path,
                            (long long)st.st_size, max_bytes);
    FILE *f = fopen(path, "rb");
    if (!f) return ss_error_set(SS_ERR_IO, "%s: %s", path, strerror(errno));
    size_t cap = (size_t)st.st_size;
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(f);
        return ss_error_set(SS_ERR_NOMEM, "%s: out of memory reading %zu bytes", path, cap);
    }
    size_t n = fread(buf, 1, cap, f);
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return ss_error_set(SS_ERR_IO, "%s: read error", path);
    }
    buf[n] = '\0';
    *text_out = buf;
    if (size_out) *size_out = n;
    return SS_OK;
}

ss_status ss_make_parent_dirs(const char *what, const char *path, unsigned mode)
{
    char dir[4096];
    if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
        return ss_error_set(SS_ERR_IO, "%s: path too long: %s", what, path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return SS_OK;
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        bool last = *p == '\0';
        if (!last && *p != '/') continue;
        *p = '\0';
        if (mkdir(dir, (mode_t)mode) != 0 && errno != EEXIST)
            return ss_error_set(SS_ERR_IO, "%s: cannot create directory %s: %s", what, dir, strerror(errno));
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
            return ss_error_set(SS_ERR_IO, "%s: %s is not a directory", what, dir);
        if (last) break;
        *p = '/';
    }
    return SS_OK;
}

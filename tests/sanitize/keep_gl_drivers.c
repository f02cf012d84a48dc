/* keep_gl_drivers.c: linked only into the sanitizer build's executables that create GL
 * contexts (SONOSPINE_SANITIZE=ON: sonospine and the test_gl_* suites).
 *
 * Why: Mesa's EGL vendor library and its DRI driver (llvmpipe, in swrast_dri.so) are
 * dlopen()ed when a context is made and dlclose()d when it is destroyed. LeakSanitizer
 * checks for leaks at exit, after that: the driver's globals are gone, so what they still
 * pointed to reads as leaked, and the stacks show "<unknown module>" where the driver
 * was, which no suppression can name. Opening the same libraries once more with
 * RTLD_NODELETE at start-up keeps them mapped to the end of the process: their memory
 * stays reachable and any report names them (tests/lsan.supp).
 * What it does not do: change how the program finds or uses GL; a library that is not
 * there is skipped (the program then fails or falls back exactly as without this file).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void keep(const char *name)
{
    (void)dlopen(name, RTLD_LAZY | RTLD_GLOBAL | RTLD_NODELETE);
}

__attribute__((constructor)) static void keep_gl_drivers(void)
{
    keep("libEGL_mesa.so.0");
    keep("libGLX_mesa.so.0");
    /* The DRI driver lives in LIBGL_DRIVERS_PATH, else in dri/ next to libEGL_mesa. */
    char dir[PATH_MAX] = "";
    const char *env = getenv("LIBGL_DRIVERS_PATH");
    if (env && env[0] && !strchr(env, ':')) snprintf(dir, sizeof dir, "%s", env);
    else {
        void *h = dlopen("libEGL_mesa.so.0", RTLD_LAZY | RTLD_NOLOAD);
        if (h) {
            char origin[PATH_MAX];
            if (dlinfo(h, RTLD_DI_ORIGIN, origin) == 0) snprintf(dir, sizeof dir, "%.*s/dri", PATH_MAX - 8, origin);
            dlclose(h);
        }
    }
    if (dir[0]) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%.*s/swrast_dri.so", PATH_MAX - 16, dir);
        keep(path);
    }
}

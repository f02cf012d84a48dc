/* gl_context.h: an OpenGL >= 4.3 core context, with or without a window.
 *
 * The only place that creates GL contexts (trainer window, headless render, bench,
 * tests). Without a display (no DISPLAY / WAYLAND_DISPLAY, or the X server cannot be
 * reached) it uses SDL2's offscreen video driver, which makes an EGL context with no
 * window system (Mesa llvmpipe on machines without a GPU). With a display it makes
 * a real window, hidden unless asked for.
 *
 * GLEW note: Debian's GLEW 2.2 is built for GLX; on an EGL context glewInit() returns
 * GLEW_ERROR_NO_GLX_DISPLAY although every entry point was loaded. Exactly that code
 * on an EGL context is treated as success; the GL version and compute-shader entry
 * points are then checked here, not trusted from GLEW.
 */
#ifndef SS_GL_CONTEXT_H
#define SS_GL_CONTEXT_H

#include <stdbool.h>
#include "error.h"

typedef struct ss_gl_context ss_gl_context;

typedef struct ss_gl_context_desc {
    int major, minor;        /* required version; 0 -> 4.3 */
    bool visible;            /* show a window (needs a display); false -> hidden/offscreen */
    int width, height;       /* window size; 0 -> 1280 x 800 (1 x 1 when not visible) */
    const char *title;       /* NULL -> "SonoSpine" */
    bool resizable;
    bool force_offscreen;    /* use SDL's offscreen driver even when a display exists */
} ss_gl_context_desc;

typedef struct ss_gl_info {
    int major, minor;
    const char *version;     /* GL_VERSION string */
    const char *renderer;    /* GL_RENDERER string */
    const char *vendor;
    const char *video_driver;/* SDL video driver in use ("offscreen", "x11", ...) */
    bool egl;                /* the context is EGL (offscreen driver) */
    bool has_compute;        /* glDispatchCompute usable */
    int max_3d_texture_size;
    int max_compute_work_group_invocations;
} ss_gl_info;

/* Creates the context and makes it current on this thread. On failure returns
 * SS_ERR_UNSUPPORTED (no GL >= major.minor, no compute) or SS_ERR_GL, with the
 * reason in ss_error_message(), and *out is NULL. */
ss_status ss_gl_context_create(const ss_gl_context_desc *desc, ss_gl_context **out);
void ss_gl_context_destroy(ss_gl_context *ctx);
const ss_gl_info *ss_gl_context_info(const ss_gl_context *ctx);

/* The SDL window (SDL_Window *), for the app's platform layer; NULL when offscreen. */
void *ss_gl_context_window(ss_gl_context *ctx);
void ss_gl_context_swap(ss_gl_context *ctx);

/* True when a display server is named in the environment. */
bool ss_gl_display_available(void);

#endif

/* gl_context.c: see gl_context.h. */
#define _POSIX_C_SOURCE 200809L
#include "gl_context.h"

#include <GL/glew.h>
#include <SDL2/SDL.h>
#include <stdlib.h>
#include <string.h>

struct ss_gl_context {
    SDL_Window *window;
    SDL_GLContext gl;
    ss_gl_info info;
    bool visible;
};

static int ss__sdl_refs; /* SDL video is shared by every context of the process */

bool ss_gl_display_available(void)
{
    const char *d = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");
    return (d && *d) || (w && *w);
}

static ss_status ss__init_video(bool force_offscreen, const char **driver_out)
{
    if (ss__sdl_refs > 0) {
        ss__sdl_refs++;
        *driver_out = SDL_GetCurrentVideoDriver();
        return SS_OK;
    }
    const char *env_driver = getenv("SDL_VIDEODRIVER");
    bool offscreen = force_offscreen || (!ss_gl_display_available() && !(env_driver && *env_driver));
    SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "1");
    if (offscreen) SDL_SetHint(SDL_HINT_VIDEODRIVER, "offscreen");
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        if (offscreen)
            return ss_error_set(SS_ERR_UNSUPPORTED, "cannot start SDL's offscreen video driver: %s", SDL_GetError());
        /* A display was named but cannot be reached: fall back to offscreen. */
        SDL_SetHint(SDL_HINT_VIDEODRIVER, "offscreen");
        if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0)
            return ss_error_set(SS_ERR_UNSUPPORTED, "cannot start SDL video (display or offscreen): %s",
                                SDL_GetError());
    }
    ss__sdl_refs = 1;
    *driver_out = SDL_GetCurrentVideoDriver();
    return SS_OK;
}

static void ss__quit_video(void)
{
    if (ss__sdl_refs > 0 && --ss__sdl_refs == 0) SDL_QuitSubSystem(SDL_INIT_VIDEO);
}

ss_status ss_gl_context_create(const ss_gl_context_desc *desc_in, ss_gl_context **out)
{
    *out = NULL;
    ss_gl_context_desc d = desc_in ? *desc_in : (ss_gl_context_desc){0};
    if (d.major == 0) {
        d.major = 4;
        d.minor = 3;
    }
    if (!d.title) d.title = "SonoSpine";
    const char *driver = NULL;
    ss_status st = ss__init_video(d.force_offscreen || (!d.visible && !ss_gl_display_available()), &driver);
    if (st != SS_OK) return st;
    bool egl = driver && strcmp(driver, "offscreen") == 0;
    if (egl) d.visible = false;
    if (d.width <= 0 || d.height <= 0) {
        d.width = d.visible ? 1280 : 1;
        d.height = d.visible ? 800 : 1;
    }

    SDL_GL_ResetAttributes();
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, d.major);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, d.minor);
    SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
    Uint32 flags = SDL_WINDOW_OPENGL | (d.visible ? SDL_WINDOW_SHOWN : SDL_WINDOW_HIDDEN) |
                   (d.resizable ? SDL_WINDOW_RESIZABLE : 0) | SDL_WINDOW_ALLOW_HIGHDPI;

    ss_gl_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        ss__quit_video();
        return ss_error_set(SS_ERR_NOMEM, "out of memory creating the GL context");
    }
    ctx->window = SDL_CreateWindow(d.title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, d.width, d.height, flags);
    if (!ctx->window) {
        st = ss_error_set(SS_ERR_UNSUPPORTED, "cannot create an OpenGL %d.%d core window (%s driver): %s", d.major,
                          d.minor, driver ? driver : "?", SDL_GetError());
        goto fail;
    }
    ctx->gl = SDL_GL_CreateContext(ctx->window);
    if (!ctx->gl) {
        st = ss_error_set(SS_ERR_UNSUPPORTED,
                          "OpenGL %d.%d core is not available (%s driver): %s; SonoSpine needs OpenGL 4.3 with "
                          "compute shaders (Mesa llvmpipe provides it without a GPU)",
                          d.major, d.minor, driver ? driver : "?", SDL_GetError());
        goto fail;
    }
    SDL_GL_MakeCurrent(ctx->window, ctx->gl);

    glewExperimental = GL_TRUE;
    GLenum glew = glewInit();
    if (glew != GLEW_OK && !(egl && glew == GLEW_ERROR_NO_GLX_DISPLAY)) {
        st = ss_error_set(SS_ERR_GL, "glewInit failed: %s (code %u)", (const char *)glewGetErrorString(glew),
                          (unsigned)glew);
        goto fail;
    }
    while (glGetError() != GL_NO_ERROR) {} /* glewInit may leave GL_INVALID_ENUM */

    ss_gl_info *in = &ctx->info;
    if (!glCreateShader || !glGetStringi) {
        st = ss_error_set(SS_ERR_GL, "OpenGL entry points did not load (glewInit returned %u)", (unsigned)glew);
        goto fail;
    }
    glGetIntegerv(GL_MAJOR_VERSION, &in->major);
    glGetIntegerv(GL_MINOR_VERSION, &in->minor);
    in->version = (const char *)glGetString(GL_VERSION);
    in->renderer = (const char *)glGetString(GL_RENDERER);
    in->vendor = (const char *)glGetString(GL_VENDOR);
    in->video_driver = driver;
    in->egl = egl;
    in->has_compute = glDispatchCompute != NULL && glMemoryBarrier != NULL && glBindImageTexture != NULL;
    if (in->major * 10 + in->minor < d.major * 10 + d.minor) {
        st = ss_error_set(SS_ERR_UNSUPPORTED, "OpenGL %d.%d found (%s), %d.%d required", in->major, in->minor,
                          in->version ? in->version : "?", d.major, d.minor);
        goto fail;
    }
    if (d.major * 10 + d.minor >= 43 && !in->has_compute) {
        st = ss_error_set(SS_ERR_UNSUPPORTED, "OpenGL %s has no compute shaders", in->version ? in->version : "?");
        goto fail;
    }
    glGetIntegerv(GL_MAX_3D_TEXTURE_SIZE, &in->max_3d_texture_size);
    if (in->has_compute) glGetIntegerv(GL_MAX_COMPUTE_WORK_GROUP_INVOCATIONS, &in->max_compute_work_group_invocations);
    ctx->visible = d.visible;
    *out = ctx;
    return SS_OK;

fail:
    if (ctx->gl) SDL_GL_DeleteContext(ctx->gl);
    if (ctx->window) SDL_DestroyWindow(ctx->window);
    free(ctx);
    ss__quit_video();
    return st;
}

void ss_gl_context_destroy(ss_gl_context *ctx)
{
    if (!ctx) return;
    SDL_GL_MakeCurrent(ctx->window, NULL);
    SDL_GL_DeleteContext(ctx->gl);
    SDL_DestroyWindow(ctx->window);
    free(ctx);
    ss__quit_video();
}

const ss_gl_info *ss_gl_context_info(const ss_gl_context *ctx) { return &ctx->info; }

void *ss_gl_context_window(ss_gl_context *ctx) { return ctx->visible ? ctx->window : NULL; }

void ss_gl_context_swap(ss_gl_context *ctx)
{
    if (ctx && ctx->window) SDL_GL_SwapWindow(ctx->window);
}

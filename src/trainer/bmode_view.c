/* bmode_view.c: see bmode_view.h. */
#define _POSIX_C_SOURCE 200809L
#include "bmode_view.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bmode_gpu.h"

#define SS__MAX_TIMES 512

typedef struct ss__job {
    ss_probe probe;
    ss_probe_pose pose;
    bool has_needle;
    ss_needle_geom needle;
    ss_bmode_settings settings;
    bool outlines; /* make the anatomy outlines with the image */
} ss__job;

struct ss_bmode_view {
    const ss_volume *volume;
    bool gpu;
    ss_bmode_gpu *g;
    ss_probe gpu_probe;
    /* requests */
    ss__job wanted;      /* latest request */
    bool have_wanted;
    ss__job shown_job;   /* what the texture shows */
    bool have_shown;
    /* texture, and the anatomy outlines over it (RGBA, from the frame's label map) */
    GLuint tex, overlay_tex;
    bool have_overlay;
    ss_scan_geometry geom;
    uint8_t *outline;    /* outline image, width x height x 4 (worker, or the GL thread on the GPU) */
    size_t outline_bytes;
    bool want_outlines;
    uint8_t *gpu_labels; /* GPU path: the read-back label map and the scan map to outline it */
    size_t gpu_labels_bytes;
    ss_scan_map gpu_map;
    /* worker (cpu thread) */
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool quit, job_ready, busy, done;
    ss__job job;         /* in flight */
    ss_bmode_frame frame;
    ss_status job_status;
    bool job_outlined;
    double job_ms;
    /* stats */
    double times[SS__MAX_TIMES];
    int ntimes, frames;
};

static double ss__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void ss__record(ss_bmode_view *v, double ms)
{
    v->frames++;
    if (v->ntimes < SS__MAX_TIMES) v->times[v->ntimes++] = ms;
    else v->times[v->frames % SS__MAX_TIMES] = ms;
}

/* The anatomy outlines of a label map into v->outline (grown as needed); false when
 * memory ran out (the image is then shown without them). */
static bool ss__outline(ss_bmode_view *v, const ss_scan_map *map, const uint8_t *labels)
{
    size_t need = (size_t)map->geom.width * (size_t)map->geom.height * 4;
    if (need > v->outline_bytes) {
        uint8_t *o = realloc(v->outline, need);
        if (!o) return false;
        v->outline = o;
        v->outline_bytes = need;
    }
    ss_scan_convert_outlines(map, labels, v->outline);
    return true;
}

static void ss__upload_overlay(ss_bmode_view *v, const ss_scan_geometry *g)
{
    glBindTexture(GL_TEXTURE_2D, v->overlay_tex);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, g->width, g->height, 0, GL_RGBA, GL_UNSIGNED_BYTE, v->outline);
}

static void *ss__worker(void *arg)
{
    ss_bmode_view *v = arg;
    pthread_mutex_lock(&v->mu);
    for (;;) {
        while (!v->quit && !v->job_ready) pthread_cond_wait(&v->cv, &v->mu);
        if (v->quit) break;
        ss__job job = v->job;
        v->job_ready = false;
        pthread_mutex_unlock(&v->mu);
        double t0 = ss__now_ms();
        ss_bmode_scene scene = {.volume = v->volume, .needle = job.has_needle ? &job.needle : NULL};
        ss_status st = ss_bmode_cpu_render(&scene, &job.probe, &job.pose, &job.settings, &v->frame);
        bool outlined = st == SS_OK && job.outlines && ss__outline(v, &v->frame.map, v->frame.labels);
        double ms = ss__now_ms() - t0;
        pthread_mutex_lock(&v->mu);
        v->job_status = st;
        v->job_outlined = outlined;
        v->job_ms = ms;
        v->done = true;
        v->busy = false;
        pthread_cond_broadcast(&v->cv);
    }
    pthread_mutex_unlock(&v->mu);
    return NULL;
}

ss_status ss_bmode_view_create(const ss_volume *volume, bool gpu, ss_bmode_view **out, char *note, size_t note_size)
{
    *out = NULL;
    if (note && note_size) note[0] = '\0';
    ss_bmode_view *v = calloc(1, sizeof *v);
    if (!v) return ss_error_set(SS_ERR_NOMEM, "out of memory");
    v->volume = volume;
    v->gpu = gpu;
    GLuint *texs[2] = {&v->tex, &v->overlay_tex};
    for (int i = 0; i < 2; i++) {
        glGenTextures(1, texs[i]);
        glBindTexture(GL_TEXTURE_2D, *texs[i]);
        /* the outlines are one pixel wide: nearest, so they stay sharp and keep their colour */
        GLint filter = i == 0 ? GL_LINEAR : GL_NEAREST;
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, filter);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, filter);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    }
    pthread_mutex_init(&v->mu, NULL);
    pthread_cond_init(&v->cv, NULL);
    if (!gpu) {
        if (pthread_create(&v->thread, NULL, ss__worker, v) != 0) {
            ss_bmode_view_destroy(v);
            return ss_error_set(SS_ERR_INTERNAL, "cannot start the B-mode worker thread");
        }
        v->thread_started = true;
    }
    *out = v;
    return SS_OK;
}

void ss_bmode_view_destroy(ss_bmode_view *v)
{
    if (!v) return;
    if (v->thread_started) {
        pthread_mutex_lock(&v->mu);
        v->quit = true;
        pthread_cond_broadcast(&v->cv);
        pthread_mutex_unlock(&v->mu);
        pthread_join(v->thread, NULL);
    }
    pthread_mutex_destroy(&v->mu);
    pthread_cond_destroy(&v->cv);
    ss_bmode_gpu_destroy(v->g);
    ss_bmode_frame_free(&v->frame);
    free(v->outline);
    free(v->gpu_labels);
    ss_scan_map_free(&v->gpu_map);
    if (v->tex) glDeleteTextures(1, &v->tex);
    if (v->overlay_tex) glDeleteTextures(1, &v->overlay_tex);
    free(v);
}

void ss_bmode_view_request(ss_bmode_view *v, const ss_probe *probe, const ss_probe_pose *pose,
                           const ss_needle_geom *needle, const ss_bmode_settings *s)
{
    ss__job j;
    memset(&j, 0, sizeof j); /* memcmp compares padding too */
    j.probe = *probe;
    j.pose = *pose;
    j.has_needle = needle != NULL;
    if (needle) j.needle = *needle;
    j.settings = *s;
    j.outlines = v->want_outlines;
    v->wanted = j;
    v->have_wanted = true;
}

static void ss__upload(ss_bmode_view *v, const ss_image *img, const ss_scan_geometry *g)
{
    glBindTexture(GL_TEXTURE_2D, v->tex);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_R8, img->width, img->height, 0, GL_RED, GL_UNSIGNED_BYTE, img->pixels);
    v->geom = *g;
}

static bool ss__gpu_update(ss_bmode_view *v)
{
    if (!v->have_wanted || (v->have_shown && memcmp(&v->wanted, &v->shown_job, sizeof v->wanted) == 0)) return false;
    ss__job *j = &v->wanted;
    if (v->g && memcmp(&v->gpu_probe, &j->probe, sizeof j->probe) != 0) {
        ss_bmode_gpu_destroy(v->g);
        v->g = NULL;
    }
    if (!v->g) {
        if (ss_bmode_gpu_create(&j->probe, &v->g) != SS_OK || ss_bmode_gpu_set_volume(v->g, v->volume) != SS_OK) {
            ss_bmode_gpu_destroy(v->g);
            v->g = NULL;
            return false;
        }
        v->gpu_probe = j->probe;
    }
    double t0 = ss__now_ms();
    if (ss_bmode_gpu_render(v->g, j->has_needle ? &j->needle : NULL, &j->pose, &j->settings, false, NULL) != SS_OK)
        return false;
    glFinish();
    ss__record(v, ss__now_ms() - t0);
    ss_scan_geometry g;
    ss_scan_geometry_for_probe(&j->probe, j->settings.image_width_px, &g);
    v->geom = g;
    /* the outlines: the label map alone comes back (lines x samples bytes) */
    v->have_overlay = false;
    if (j->outlines) {
        size_t n = (size_t)j->probe.lines * (size_t)j->probe.samples;
        if (n > v->gpu_labels_bytes) {
            uint8_t *b = realloc(v->gpu_labels, n);
            if (b) {
                v->gpu_labels = b;
                v->gpu_labels_bytes = n;
            }
        }
        if (n <= v->gpu_labels_bytes && ss_bmode_gpu_read_labels(v->g, v->gpu_labels) == SS_OK &&
            ss_scan_map_update(&v->gpu_map, &j->probe, &g) == SS_OK && ss__outline(v, &v->gpu_map, v->gpu_labels)) {
            ss__upload_overlay(v, &g);
            v->have_overlay = true;
        }
    }
    v->shown_job = *j;
    v->have_shown = true;
    return true;
}

bool ss_bmode_view_update(ss_bmode_view *v)
{
    if (v->gpu) return ss__gpu_update(v);
    bool arrived = false;
    pthread_mutex_lock(&v->mu);
    if (v->done) {
        v->done = false;
        if (v->job_status == SS_OK) {
            ss__upload(v, &v->frame.image, &v->frame.geom);
            v->have_overlay = v->job_outlined;
            if (v->have_overlay) ss__upload_overlay(v, &v->frame.geom);
            v->shown_job = v->job;
            v->have_shown = true;
            ss__record(v, v->job_ms);
            arrived = true;
        }
    }
    bool differs = v->have_wanted && (!v->have_shown || memcmp(&v->wanted, &v->shown_job, sizeof v->wanted) != 0);
    if (!v->busy && !v->job_ready && differs) {
        v->job = v->wanted;
        v->job_ready = true;
        v->busy = true;
        pthread_cond_broadcast(&v->cv);
    }
    pthread_mutex_unlock(&v->mu);
    return arrived;
}

void ss_bmode_view_flush(ss_bmode_view *v)
{
    for (int guard = 0; guard < 8; guard++) {
        if (!v->gpu) {
            pthread_mutex_lock(&v->mu);
            while (v->busy) pthread_cond_wait(&v->cv, &v->mu);
            pthread_mutex_unlock(&v->mu);
        }
        ss_bmode_view_update(v);
        bool same = v->have_shown && memcmp(&v->wanted, &v->shown_job, sizeof v->wanted) == 0;
        if (same || !v->have_wanted) return;
    }
}

GLuint ss_bmode_view_texture(const ss_bmode_view *v, ss_scan_geometry *geom, ss_probe *probe)
{
    if (!v->have_shown) return 0;
    if (geom) *geom = v->geom;
    if (probe) *probe = v->shown_job.probe;
    if (v->gpu) return ss_bmode_gpu_image_texture(v->g, NULL, NULL);
    return v->tex;
}

void ss_bmode_view_want_overlay(ss_bmode_view *v, bool on) { v->want_outlines = on; }

GLuint ss_bmode_view_overlay_texture(const ss_bmode_view *v)
{
    return v->have_shown && v->have_overlay ? v->overlay_tex : 0;
}

const ss_probe_pose *ss_bmode_view_pose(const ss_bmode_view *v) { return &v->shown_job.pose; }

const char *ss_bmode_view_backend(const ss_bmode_view *v) { return v->gpu ? "gpu" : "cpu (worker thread)"; }

static int ss__cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void ss_bmode_view_stats(const ss_bmode_view *v, int *frames, double *median_ms)
{
    *frames = v->frames;
    *median_ms = 0;
    if (v->ntimes == 0) return;
    double t[SS__MAX_TIMES];
    memcpy(t, v->times, sizeof(double) * (size_t)v->ntimes);
    qsort(t, (size_t)v->ntimes, sizeof(double), ss__cmp);
    *median_ms = t[v->ntimes / 2];
}

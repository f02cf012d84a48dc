/* bmode_view.c: see bmode_view.h. */
#define _POSIX_C_SOURCE 200809L
#include "bmode_view.h"

#include <errno.h>
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

#define SS__SLOTS 3

/* One finished (or in-progress) CPU frame with what it was made from. */
typedef struct ss__slot {
    ss_bmode_frame frame;
    uint8_t *outline; /* its anatomy outlines (RGBA), when asked for */
    size_t outline_bytes;
    ss__job job;
    ss_status status;
    bool outlined;
    double ms, pending_since;
} ss__slot;

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
    unsigned uploads; /* images the texture has held (ss_bmode_view_uploads) */
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
    /* worker (cpu thread). It renders into one of SS__SLOTS frames: never the one
       finished and waiting for upload (ready) nor the one being uploaded, so it goes on
       to the newest request as soon as a frame is done, without waiting for the window */
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool quit, job_ready, busy;
    ss__job job;         /* next to render (job_ready) or in flight (busy) */
    ss__job dispatched;  /* the last job handed to the worker */
    bool have_dispatched;
    ss__slot slot[SS__SLOTS];
    int ready, uploading; /* slot indices, -1: none */
    /* stats */
    double times[SS__MAX_TIMES];
    int ntimes, frames;
    /* live figures (ss_bmode_view_live_stats): when the oldest change not yet in an image
       was asked for (0: none), the same for the job in flight, the last arrival */
    double pending_since, job_pending_since, last_arrival;
    double *intervals, *latencies;
    int nintervals, nlatencies, cap_intervals, cap_latencies;
};

static void ss__push(double **a, int *n, int *cap, double x)
{
    if (*n == *cap) {
        int c = *cap ? 2 * *cap : 256;
        double *b = realloc(*a, sizeof(double) * (size_t)c);
        if (!b) return; /* a figure dropped, nothing else */
        *a = b;
        *cap = c;
    }
    (*a)[(*n)++] = x;
}

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

/* A new image is on screen at `now`, made from a request whose first change came at
 * `since` (0: unknown): its latency, and the interval since the last image when that
 * change was already waiting then (the renderer, not the input, set the pace). */
static void ss__arrived(ss_bmode_view *v, double now, double since)
{
    if (since > 0) ss__push(&v->latencies, &v->nlatencies, &v->cap_latencies, now - since);
    if (since > 0 && v->last_arrival > 0 && since <= v->last_arrival)
        ss__push(&v->intervals, &v->nintervals, &v->cap_intervals, now - v->last_arrival);
    v->last_arrival = now;
}

/* The anatomy outlines of a label map into v->outline (grown as needed); false when
 * memory ran out (the image is then shown without them). */
static bool ss__outline(uint8_t **buf, size_t *bytes, const ss_scan_map *map, const uint8_t *labels)
{
    size_t need = (size_t)map->geom.width * (size_t)map->geom.height * 4;
    if (need > *bytes) {
        uint8_t *o = realloc(*buf, need);
        if (!o) return false;
        *buf = o;
        *bytes = need;
    }
    ss_scan_convert_outlines(map, labels, *buf);
    return true;
}

static void ss__upload_overlay(ss_bmode_view *v, const ss_scan_geometry *g, const uint8_t *outline)
{
    glBindTexture(GL_TEXTURE_2D, v->overlay_tex);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, g->width, g->height, 0, GL_RGBA, GL_UNSIGNED_BYTE, outline);
}

/* Hands the newest request to the worker when it is idle and the request differs from
 * what it was last given (mu held). */
static void ss__dispatch(ss_bmode_view *v)
{
    if (v->gpu || v->busy || v->job_ready || !v->have_wanted) return;
    if (v->have_dispatched && memcmp(&v->wanted, &v->dispatched, sizeof v->wanted) == 0) return;
    v->job = v->wanted;
    v->dispatched = v->wanted;
    v->have_dispatched = true;
    v->job_pending_since = v->pending_since;
    v->pending_since = 0;
    v->job_ready = true;
    v->busy = true;
    pthread_cond_broadcast(&v->cv);
}

static void *ss__worker(void *arg)
{
    ss_bmode_view *v = arg;
    pthread_mutex_lock(&v->mu);
    for (;;) {
        while (!v->quit && !v->job_ready) pthread_cond_wait(&v->cv, &v->mu);
        if (v->quit) break;
        ss__job job = v->job;
        double since = v->job_pending_since;
        v->job_ready = false;
        int k = 0;
        while (k == v->ready || k == v->uploading) k++; /* SS__SLOTS = 3: one is free */
        pthread_mutex_unlock(&v->mu);
        ss__slot *sl = &v->slot[k];
        double t0 = ss__now_ms();
        ss_bmode_scene scene = {.volume = v->volume, .needle = job.has_needle ? &job.needle : NULL};
        sl->status = ss_bmode_cpu_render(&scene, &job.probe, &job.pose, &job.settings, &sl->frame);
        sl->outlined = sl->status == SS_OK && job.outlines &&
                       ss__outline(&sl->outline, &sl->outline_bytes, &sl->frame.map, sl->frame.labels);
        sl->ms = ss__now_ms() - t0;
        sl->job = job;
        sl->pending_since = since;
        pthread_mutex_lock(&v->mu);
        v->ready = k; /* an older frame not yet shown is dropped: this one is newer */
        v->busy = false;
        ss__dispatch(v); /* straight on to the newest request */
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
    /* on the monotonic clock: ss_bmode_view_wait's deadline must not move with the wall
       clock */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&v->cv, &ca);
    pthread_condattr_destroy(&ca);
    v->ready = v->uploading = -1;
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
    for (int k = 0; k < SS__SLOTS; k++) {
        ss_bmode_frame_free(&v->slot[k].frame);
        free(v->slot[k].outline);
    }
    free(v->outline);
    free(v->intervals);
    free(v->latencies);
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
    pthread_mutex_lock(&v->mu);
    if ((!v->have_wanted || memcmp(&j, &v->wanted, sizeof j) != 0) && v->pending_since == 0) v->pending_since = ss__now_ms();
    v->wanted = j;
    v->have_wanted = true;
    ss__dispatch(v); /* an idle worker starts at once, not at the next window frame */
    pthread_mutex_unlock(&v->mu);
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
            ss_scan_map_update(&v->gpu_map, &j->probe, &g) == SS_OK &&
            ss__outline(&v->outline, &v->outline_bytes, &v->gpu_map, v->gpu_labels)) {
            ss__upload_overlay(v, &g, v->outline);
            v->have_overlay = true;
        }
    }
    v->shown_job = *j;
    v->have_shown = true;
    ss__arrived(v, ss__now_ms(), v->pending_since);
    v->pending_since = 0;
    return true;
}

unsigned ss_bmode_view_uploads(const ss_bmode_view *v) { return v->uploads; }

static bool ss__cpu_update(ss_bmode_view *v)
{
    bool arrived = false;
    pthread_mutex_lock(&v->mu);
    int k = v->ready;
    if (k >= 0) {
        v->ready = -1;
        v->uploading = k;
    }
    ss__dispatch(v);
    pthread_mutex_unlock(&v->mu);
    if (k >= 0) {
        /* the worker never writes this slot while it is being uploaded */
        ss__slot *sl = &v->slot[k];
        if (sl->status == SS_OK) {
            ss__upload(v, &sl->frame.image, &sl->frame.geom);
            v->have_overlay = sl->outlined;
            if (v->have_overlay) ss__upload_overlay(v, &sl->frame.geom, sl->outline);
            v->shown_job = sl->job;
            v->have_shown = true;
            ss__record(v, sl->ms);
            ss__arrived(v, ss__now_ms(), sl->pending_since);
            arrived = true;
        }
        pthread_mutex_lock(&v->mu);
        v->uploading = -1;
        pthread_mutex_unlock(&v->mu);
    }
    return arrived;
}

bool ss_bmode_view_update(ss_bmode_view *v)
{
    bool arrived = v->gpu ? ss__gpu_update(v) : ss__cpu_update(v);
    if (arrived) v->uploads++;
    return arrived;
}

bool ss_bmode_view_wait(ss_bmode_view *v, double timeout_ms)
{
    if (!(timeout_ms > 0.0)) timeout_ms = 0.0;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    const long long ns = until.tv_nsec + (long long)(timeout_ms * 1e6);
    until.tv_sec += (time_t)(ns / 1000000000LL);
    until.tv_nsec = (long)(ns % 1000000000LL);
    if (v->gpu) {
        /* the GPU's images are made on the window's thread: nothing can arrive meanwhile */
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR) {
        }
        return false;
    }
    pthread_mutex_lock(&v->mu);
    int rc = 0;
    while (v->ready < 0 && rc == 0) rc = pthread_cond_timedwait(&v->cv, &v->mu, &until);
    const bool ready = v->ready >= 0;
    pthread_mutex_unlock(&v->mu);
    return ready;
}

void ss_bmode_view_flush(ss_bmode_view *v)
{
    for (int guard = 0; guard < 8; guard++) {
        if (!v->gpu) {
            pthread_mutex_lock(&v->mu);
            ss__dispatch(v);
            while (v->busy || v->job_ready) pthread_cond_wait(&v->cv, &v->mu);
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

/* quantile q of n values (nearest rank), sorted in a copy; 0 when empty */
static double ss__quantile(const double *x, int n, double q)
{
    if (n <= 0) return 0;
    double *t = malloc(sizeof(double) * (size_t)n);
    if (!t) return 0;
    memcpy(t, x, sizeof(double) * (size_t)n);
    qsort(t, (size_t)n, sizeof(double), ss__cmp);
    int k = (int)(q * n + 0.999999) - 1;
    double r = t[k < 0 ? 0 : k >= n ? n - 1 : k];
    free(t);
    return r;
}

void ss_bmode_view_live_stats(const ss_bmode_view *v, ss_bmode_live_stats *out)
{
    memset(out, 0, sizeof *out);
    out->frames = v->frames;
    out->intervals = v->nintervals;
    double med = ss__quantile(v->intervals, v->nintervals, 0.5), p90 = ss__quantile(v->intervals, v->nintervals, 0.9);
    out->median_hz = med > 0 ? 1000.0 / med : 0;
    out->p10_hz = p90 > 0 ? 1000.0 / p90 : 0;
    out->latencies = v->nlatencies;
    out->latency_median_ms = ss__quantile(v->latencies, v->nlatencies, 0.5);
    out->latency_p90_ms = ss__quantile(v->latencies, v->nlatencies, 0.9);
}

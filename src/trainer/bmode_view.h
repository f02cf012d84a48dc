/* bmode_view.h: the trainer's live B-mode image: renders a frame when what it shows
 * (probe settings, pose, needle, TGC/gain) changed and hands the image out as a GL
 * texture to draw.
 *
 * Two backends behind one interface:
 *   gpu         engine/gpu/bmode_gpu.h on the window's context (read_back off: the image
 *               stays a texture), rendered on the main thread when a frame is due;
 *   cpu thread  the CPU reference (engine/bmode_cpu.h) on a worker thread; the main
 *               thread uploads each finished image (a few hundred kB), so a slow
 *               renderer never stalls the window. The right choice on software GL
 *               (llvmpipe), where the CPU reference is the faster of the two.
 * The image shown is always the latest finished one; while a frame renders, newer
 * requests replace each other and only the last is rendered next.
 * It does not draw (the trainer does) and never blocks on the worker except in destroy.
 */
#ifndef SS_TRAINER_BMODE_VIEW_H
#define SS_TRAINER_BMODE_VIEW_H

#include <GL/glew.h>
#include <stdbool.h>

#include "bmode_cpu.h"

typedef struct ss_bmode_view ss_bmode_view;

/* volume must outlive the view. gpu: try the GPU renderer (falls back to the CPU
 * thread, saying why in *note, when it cannot be made). */
ss_status ss_bmode_view_create(const ss_volume *volume, bool gpu, ss_bmode_view **out, char *note, size_t note_size);
void ss_bmode_view_destroy(ss_bmode_view *v);

/* What to show now (copied); needle may be NULL. */
void ss_bmode_view_request(ss_bmode_view *v, const ss_probe *probe, const ss_probe_pose *pose,
                           const ss_needle_geom *needle, const ss_bmode_settings *s);
/* Once a frame on the GL thread: uploads a finished image, starts the next render.
 * Returns true when a new image arrived. */
bool ss_bmode_view_update(ss_bmode_view *v);
/* How many images the texture has held: changes with every upload, whether update or
 * flush made it (what a reader of the texture compares to know its pixels changed). */
unsigned ss_bmode_view_uploads(const ss_bmode_view *v);

/* The latest image (0 before the first) with the probe and scan geometry it was made with. */
GLuint ss_bmode_view_texture(const ss_bmode_view *v, ss_scan_geometry *geom, ss_probe *probe);
/* Whether the next requests should come with the anatomy outlines (the trainer's overlay;
 * off by default: they cost a label read-back on the GPU and a pass over the image). */
void ss_bmode_view_want_overlay(ss_bmode_view *v, bool on);
/* The anatomy outlines of the latest image (RGBA, transparent between the outlines, same
 * size and geometry as the image; scan_convert.h ss_scan_convert_outlines), or 0 when none
 * were asked for with it. */
GLuint ss_bmode_view_overlay_texture(const ss_bmode_view *v);
/* The pose the latest image was made at. */
const ss_probe_pose *ss_bmode_view_pose(const ss_bmode_view *v);
const char *ss_bmode_view_backend(const ss_bmode_view *v);
/* Frames rendered and their median render time (ms). */
void ss_bmode_view_stats(const ss_bmode_view *v, int *frames, double *median_ms);
/* How live the picture is. An image's latency: from the first request that changed what
 * it shows (pose, needle, settings) after the previous image was started, to its upload.
 * Its interval: the time since the previous image, counted only when that change was
 * already waiting when the previous image arrived (the renderer set the pace, not the
 * input). Rates are 1000 / interval: median_hz at the median interval, p10_hz at the
 * 90th percentile (the rate 90 % of the images reach). */
typedef struct ss_bmode_live_stats {
    int frames, intervals, latencies;
    double median_hz, p10_hz;
    double latency_median_ms, latency_p90_ms;
} ss_bmode_live_stats;
void ss_bmode_view_live_stats(const ss_bmode_view *v, ss_bmode_live_stats *out);
/* Waits up to timeout_ms for a finished image to upload (the window's pacing on software
 * GL: the next window frame then shows it at once). True as soon as one waits; false when
 * none came in time. With the GPU backend, whose images are made on the window's own
 * thread, it only sleeps for timeout_ms. */
bool ss_bmode_view_wait(ss_bmode_view *v, double timeout_ms);
/* Blocks until no render is in flight and the latest request is shown (screenshots, tests). */
void ss_bmode_view_flush(ss_bmode_view *v);

#endif

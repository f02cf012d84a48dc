/* bmode_gpu.h: the GPU B-mode renderer: the CPU reference (bmode_cpu.h) in OpenGL 4.3
 * compute shaders, same physics, same parameters, same tissue table, same world-fixed
 * scatterers, so that the 8-bit images match the CPU's (tests/test_gl_bmode.c).
 *
 * Passes (shaders/bmode_*.comp, shared declarations in shaders/bmode_common.glsl):
 *   1 march     per line (its rays in turn, or side by side: ss_bmode_gpu_options): contact
 *               (gap, compression), elevation rays, interfaces, tau,
 *               echo events merged into the RF, needle, label map
 *   2 speckle   per (line, axial chunk), alone or shared by several invocations
 *               (ss_bmode_gpu_options): scatterers within a line spacing -> speckle splat
 *   3 lateral   per (bin, line): electronic noise and the lateral PSF kernel across lines,
 *               added to the RF bins (noise alone with SS_BMODE_NO_SPECKLE)
 *   4 envelope  per sample: axial pulse convolution, |IQ|
 *   5 grey      per sample: TGC, gain, log compression
 *   6 scan      per pixel: scan conversion into an R8 texture
 * The tissue volume is uploaded once (ss_bmode_gpu_set_volume); probe pose, needle and
 * settings that keep the model (ss_bmode_model) cost only uniforms, a small buffer of
 * line origins and the contact model's press (ss_bmode_press_mm, on the CPU, from the
 * volume); the image stays on the GPU unless read back.
 * Needs a current GL 4.3 context on the calling thread for every call; it never
 * creates one (src/platform/gl_context.h does). It does not print.
 */
#ifndef SS_BMODE_GPU_H
#define SS_BMODE_GPU_H

#include <GL/glew.h>
#include <stdbool.h>

#include "bmode_cpu.h"
#include "error.h"
#include "probe.h"

typedef struct ss_bmode_gpu ss_bmode_gpu;

/* How the march and the speckle pass lay out their work (docs/gpu.md, "Layouts"): the
 * image is the same either way (bit for bit for the march, up to float rounding, the order
 * of the sums, for the speckle). */
typedef struct ss_bmode_gpu_options {
    int speckle_lanes; /* invocations sharing one (line, chunk): 1 (8 lines a work group,
                          each invocation alone; the fastest on llvmpipe) or 2, 4, 8, 16, 32
                          (32 / lanes lines a work group; meant for GPUs, not yet measured) */
    int march_lanes;   /* invocations marching one line: 1 (its elevation rays one after the
                          other, 8 lines a work group; the fastest on llvmpipe) or 8 (the
                          rays side by side, 4 lines a work group; the same image bit for
                          bit; meant for GPUs, not yet measured) */
} ss_bmode_gpu_options;

/* The defaults: speckle_lanes from the environment variable SONOSPINE_GPU_SPECKLE_LANES,
 * march_lanes from SONOSPINE_GPU_MARCH_LANES, where they are set (an error naming the
 * variable when its value is not one of those above), else 1. */
ss_status ss_bmode_gpu_options_default(ss_bmode_gpu_options *out);

/* Compiles the passes for a probe (lines, samples and geometry are fixed for the
 * object's life; make another for another probe), with the default options. */
ss_status ss_bmode_gpu_create(const ss_probe *probe, ss_bmode_gpu **out);

/* The same with explicit options (NULL: the defaults). */
ss_status ss_bmode_gpu_create_with(const ss_probe *probe, const ss_bmode_gpu_options *opts, ss_bmode_gpu **out);
void ss_bmode_gpu_destroy(ss_bmode_gpu *g);

/* Uploads the tissue volume (labels and hard_sdf, both required): once per scenario. The
 * object keeps the pointer: every frame's contact model reads the volume on the CPU
 * (ss_bmode_press_mm), so the volume must outlive the object (or the next set_volume). */
ss_status ss_bmode_gpu_set_volume(ss_bmode_gpu *g, const ss_volume *v);

/* Renders one frame. needle may be NULL. read_back: copy envelope, grey, the 8-bit image,
 * the label map, press_mm and line_contact_mm into *out (an ss_bmode_frame as
 * ss_bmode_cpu_render fills it, zero-initialised before first use, freed with
 * ss_bmode_frame_free); without read_back out may be NULL and the result is only in
 * ss_bmode_gpu_image_texture(). */
ss_status ss_bmode_gpu_render(ss_bmode_gpu *g, const ss_needle_geom *needle_or_null, const ss_probe_pose *pose,
                              const ss_bmode_settings *s, bool read_back, ss_bmode_frame *out);

/* The scan-converted image of the last render: GL_R8 2D texture, width x height of the
 * frame's ss_scan_geometry (row 0 in memory = top of the image, next to the probe: draw
 * with v flipped). 0 before the first render. */
GLuint ss_bmode_gpu_image_texture(const ss_bmode_gpu *g, int *width_out, int *height_out);

/* The last frame's label map alone (lines x samples bytes, as ss_bmode_frame.labels),
 * without reading back the rest: what the trainer's anatomy overlay needs. */
ss_status ss_bmode_gpu_read_labels(ss_bmode_gpu *g, uint8_t *out);

/* Milliseconds per pass (medians), measured with glFinish after each pass. */
typedef struct ss_bmode_gpu_pass_ms {
    double upload;   /* line origins, contact press (CPU, ss_bmode_press_mm), uniforms */
    double march;    /* gap, march, echo events, needle, label map */
    double speckle;  /* splat */
    double lateral;  /* electronic noise + lateral speckle kernel */
    double envelope;
    double grey;
    double scan;
} ss_bmode_gpu_pass_ms;

/* Renders `frames` frames (no read-back; each bounded by glFinish) and reports the
 * median in out (same fields as ss_bmode_cpu_bench; threads = 0), with the bare march
 * (gpu_march.h: one label fetch per sample) of the same lines x samples measured in the
 * same run; passes (optional) gets per-pass medians from a further `frames` frames. */
ss_status ss_bmode_gpu_bench(ss_bmode_gpu *g, const ss_needle_geom *needle_or_null, const ss_probe_pose *pose,
                             const ss_bmode_settings *s, int frames, ss_bmode_bench *out,
                             ss_bmode_gpu_pass_ms *passes);

#endif

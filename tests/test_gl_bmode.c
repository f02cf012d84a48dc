/* test_gl_bmode.c: the GPU B-mode renderer (engine/gpu/bmode_gpu.h) against the CPU
 * reference (engine/bmode_cpu.h): for every test phantom the 8-bit images agree (same
 * physics, same tissue table, same world-fixed scatterers), so do the label maps and the
 * contact model's figures, and the envelope statistics the CPU is validated on (Rayleigh
 * speckle, attenuation slope) hold on the GPU output. As in tests/test_bmode_physics.c the
 * phantoms are rendered without the contact model and the muscle's microstructure
 * (PHYS_FLAGS); a few comparisons run with everything on (the face pressed 6 mm into the
 * flat surface, its edge lines off the skin, compressed tissue, textured muscle), and one
 * without speckle (electronic noise alone in the RF bins).
 * Runs on whatever GL 4.3 the machine has (Mesa llvmpipe in CI); not skipped.
 * Sizes are moderate so that the suite stays quick on a 2-core software rasterizer. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmode_cpu.h"
#include "bmode_gpu.h"
#include "bmode_stats.h"
#include "phantom.h"
#include "platform/gl_context.h"
#include "tissue.h"

/* the phantoms' physics settings (tests/test_bmode_physics.c tb_init) */
#define PHYS_FLAGS (SS_BMODE_NO_CONTACT | SS_BMODE_NO_TEXTURE)

static ss_gl_context *ctx;
static void up(void) { cr_assert_eq(ss_gl_context_create(NULL, &ctx), SS_OK, "no GL 4.3: %s", ss_error_message()); }
static void down(void) { ss_gl_context_destroy(ctx); }
TestSuite(gl_bmode, .init = up, .fini = down);

typedef struct rig {
    ss_phantom ph;
    ss_bmode_scene scene;
    ss_probe probe;
    ss_probe_pose pose;
    ss_bmode_settings s;
    ss_bmode_frame cpu, gpu;
    ss_bmode_gpu *g;
    int speckle_lanes, march_lanes; /* both 0: the renderer's default options; else
                                       ss_bmode_gpu_options (0 in one of them: 1) */
} rig;

/* A phantom, the default probe with `lines` x `samples` (moderate sizes: the suite must
 * stay quick on llvmpipe), the phantom's pose and default settings with `flags`. */
static void rig_init(rig *r, ss_phantom_kind kind, int lines, int samples, unsigned flags)
{
    memset(r, 0, sizeof *r);
    ss_phantom_params pp;
    ss_phantom_params_default(&pp, kind);
    cr_assert_eq(ss_phantom_build(&pp, &r->ph), SS_OK, "phantom: %s", ss_error_message());
    r->scene = ss_phantom_scene(&r->ph);
    ss_probe_default(&r->probe);
    r->probe.lines = lines;
    r->probe.samples = samples;
    ss_phantom_probe_pose(&r->pose);
    ss_bmode_settings_default(&r->s);
    r->s.flags = flags;
}

static void rig_gpu(rig *r)
{
    if (!r->g) {
        const ss_bmode_gpu_options o = {.speckle_lanes = r->speckle_lanes ? r->speckle_lanes : 1,
                                        .march_lanes = r->march_lanes ? r->march_lanes : 1};
        const bool own = r->speckle_lanes || r->march_lanes;
        cr_assert_eq(ss_bmode_gpu_create_with(&r->probe, own ? &o : NULL, &r->g), SS_OK, "gpu create: %s",
                     ss_error_message());
        cr_assert_eq(ss_bmode_gpu_set_volume(r->g, &r->ph.volume), SS_OK, "gpu volume: %s", ss_error_message());
    }
    cr_assert_eq(ss_bmode_gpu_render(r->g, r->scene.needle, &r->pose, &r->s, true, &r->gpu), SS_OK, "gpu render: %s",
                 ss_error_message());
}

static void rig_cpu(rig *r)
{
    cr_assert_eq(ss_bmode_cpu_render(&r->scene, &r->probe, &r->pose, &r->s, &r->cpu), SS_OK, "cpu render: %s",
                 ss_error_message());
}

static void rig_free(rig *r)
{
    ss_bmode_gpu_destroy(r->g);
    ss_bmode_frame_free(&r->cpu);
    ss_bmode_frame_free(&r->gpu);
    ss_phantom_free(&r->ph);
}

typedef struct diff {
    double mean_abs, p99, env_db_median;
    int max;
    double labels_equal;  /* share of (line, sample) with the same label */
    double contact_max;   /* max |line_contact_mm difference| (mm) */
} diff;

/* 8-bit image difference over the whole image (outside the sector both are 0), and the
 * median |dB| difference of the envelopes where the CPU envelope is above the noise. */
static diff image_diff(const ss_bmode_frame *a, const ss_bmode_frame *b)
{
    cr_assert_eq(a->image.width, b->image.width);
    cr_assert_eq(a->image.height, b->image.height);
    long hist[256] = {0}, n = (long)a->image.width * a->image.height;
    double sum = 0;
    diff d = {0};
    for (long i = 0; i < n; i++) {
        int x = abs((int)a->image.pixels[i] - (int)b->image.pixels[i]);
        hist[x]++;
        sum += x;
        if (x > d.max) d.max = x;
    }
    d.mean_abs = sum / (double)n;
    long acc = 0;
    for (int v = 0; v < 256; v++) {
        acc += hist[v];
        if (acc >= (long)ceil(0.99 * (double)n)) {
            d.p99 = v;
            break;
        }
    }
    size_t ne = (size_t)a->lines * (size_t)a->samples, m = 0;
    double *dd = malloc(ne * sizeof(double));
    for (size_t i = 0; i < ne; i++)
        if (a->envelope[i] > 1e-5f) dd[m++] = fabs(20.0 * log10((double)b->envelope[i] / a->envelope[i]));
    if (m) {
        for (size_t i = 0; i < m; i++) /* partial selection: median */
            for (size_t j = i + 1; j < m && i <= m / 2; j++)
                if (dd[j] < dd[i]) {
                    double t = dd[i];
                    dd[i] = dd[j];
                    dd[j] = t;
                }
        d.env_db_median = dd[m / 2];
    }
    free(dd);
    size_t same = 0;
    for (size_t i = 0; i < ne; i++) same += a->labels[i] == b->labels[i];
    d.labels_equal = (double)same / (double)ne;
    for (int l = 0; l < a->lines; l++)
        d.contact_max = fmax(d.contact_max, fabs((double)a->line_contact_mm[l] - b->line_contact_mm[l]));
    return d;
}

/* Renders a phantom on both backends (96 x 320, flags) and checks the equivalence bounds,
 * the label maps (>= 99.5 % equal) and the contact figures (0.01 mm); leaves both frames
 * in *r for further checks (rig_free after). */
static diff compare_phantom_lanes(rig *r, ss_phantom_kind kind, unsigned flags, const char *what, int lanes)
{
    rig_init(r, kind, 96, 320, flags);
    r->speckle_lanes = lanes;
    r->s.image_width_px = 320;
    rig_cpu(r);
    rig_gpu(r);
    diff d = image_diff(&r->cpu, &r->gpu);
    printf("%-12s %-16s GPU vs CPU: 8-bit mean |diff| %.5f, p99 %.0f, max %d; envelope median |diff| %.2e dB; "
           "labels equal %.4f %%; press %.3f / %.3f mm, contact max |diff| %.4f mm\n",
           ss_phantom_name(kind), what, d.mean_abs, d.p99, d.max, d.env_db_median, 100.0 * d.labels_equal,
           (double)r->cpu.press_mm, (double)r->gpu.press_mm, d.contact_max);
    /* the issue's equivalence bounds: same physics, same scatterers; what remains is
     * float rounding (fused multiply-adds, GLSL exp/log/acos) moving a few speckle nulls */
    cr_expect(d.mean_abs <= 2.0, "%s %s: mean |diff| %.3f > 2 grey levels", ss_phantom_name(kind), what, d.mean_abs);
    cr_expect(d.p99 <= 10.0, "%s %s: 99th percentile |diff| %.0f > 10", ss_phantom_name(kind), what, d.p99);
    /* the label maps: the same march; a refracted ray may differ by a voxel at a few places */
    cr_expect(d.labels_equal >= 0.995, "%s %s: labels equal on %.3f %% of samples", ss_phantom_name(kind), what,
              100.0 * d.labels_equal);
    /* the contact model: the same press (computed by the CPU for both) and the same gaps */
    cr_expect(fabs((double)r->cpu.press_mm - r->gpu.press_mm) <= 0.01, "%s %s: press %.4f vs %.4f mm",
              ss_phantom_name(kind), what, (double)r->cpu.press_mm, (double)r->gpu.press_mm);
    cr_expect(d.contact_max <= 0.01, "%s %s: line contact differs by up to %.4f mm", ss_phantom_name(kind), what,
              d.contact_max);
    /* and the image is not trivially equal because it is empty */
    long lit = 0;
    for (long i = 0; i < (long)r->gpu.image.width * r->gpu.image.height; i++) lit += r->gpu.image.pixels[i] > 20;
    cr_expect_gt(lit, (long)r->gpu.image.width * r->gpu.image.height / 10, "%s %s: GPU image mostly black",
                 ss_phantom_name(kind), what);
    return d;
}

static diff compare_phantom(rig *r, ss_phantom_kind kind, unsigned flags, const char *what)
{
    return compare_phantom_lanes(r, kind, flags, what, 0);
}

static void check_phantom(ss_phantom_kind kind)
{
    rig r;
    compare_phantom(&r, kind, PHYS_FLAGS, "(physics)");
    rig_free(&r);
}

Test(gl_bmode, homogeneous_matches_cpu) { check_phantom(SS_PHANTOM_HOMOGENEOUS); }
Test(gl_bmode, cyst_matches_cpu) { check_phantom(SS_PHANTOM_CYST); }
Test(gl_bmode, interface_matches_cpu) { check_phantom(SS_PHANTOM_INTERFACE); }
Test(gl_bmode, bone_plate_matches_cpu) { check_phantom(SS_PHANTOM_BONE_PLATE); }
Test(gl_bmode, needle_matches_cpu) { check_phantom(SS_PHANTOM_NEEDLE); }
Test(gl_bmode, wire_matches_cpu) { check_phantom(SS_PHANTOM_WIRE); }
Test(gl_bmode, rod_matches_cpu) { check_phantom(SS_PHANTOM_ROD); }

Test(gl_bmode, samples_finer_than_the_bins_match_cpu)
{
    /* 2048 samples over 100 mm: one RF bin serves two samples (ss_bmode_model.spb 2), each
       sample reading the bins through the taps of its own phase (bmode_envelope.comp):
       the GPU's envelope must be the CPU's, as at every other size */
    rig r;
    rig_init(&r, SS_PHANTOM_INTERFACE, 32, 2048, PHYS_FLAGS);
    ss_bmode_model md;
    cr_assert_eq(ss_bmode_model_make(&r.probe, r.ph.volume.spacing_mm, &r.s, &md), SS_OK, "%s", ss_error_message());
    const int spb = md.spb;
    ss_bmode_model_free(&md);
    cr_assert_eq(spb, 2, "2048 samples: %d samples a bin, expected 2", spb);
    r.s.image_width_px = 320;
    rig_cpu(&r);
    rig_gpu(&r);
    const diff d = image_diff(&r.cpu, &r.gpu);
    printf("interface 32 x 2048 (2 samples a bin) GPU vs CPU: 8-bit mean |diff| %.5f, p99 %.0f, max %d; envelope "
           "median |diff| %.2e dB; labels equal %.4f %%\n",
           d.mean_abs, d.p99, d.max, d.env_db_median, 100.0 * d.labels_equal);
    cr_expect(d.mean_abs <= 2.0, "mean |diff| %.3f > 2 grey levels", d.mean_abs);
    cr_expect(d.p99 <= 10.0, "99th percentile |diff| %.0f > 10", d.p99);
    cr_expect(d.env_db_median <= 0.01, "envelope median |diff| %.3g dB", d.env_db_median);
    cr_expect(d.labels_equal >= 0.995, "labels equal on %.3f %% of samples", 100.0 * d.labels_equal);
    rig_free(&r);
}

Test(gl_bmode, contact_and_texture_match_cpu_on_the_interface)
{
    /* everything on: the convex face on the flat surface is pressed in until the central
     * 80 % touch (5.8 mm here, under the 6 mm cap), the edge lines are still off the skin
     * (black, AIR), the central ones compress the tissue under them (stretched steps, piece
     * scale), muscle carries its texture */
    rig r;
    compare_phantom(&r, SS_PHANTOM_INTERFACE, 0u, "(all on)");
    const int L = r.probe.lines;
    cr_expect(r.gpu.press_mm > 5.f && r.gpu.press_mm <= SS_BMODE_PRESS_MAX_MM, "press %.3f mm, expected 5..%.0f mm",
              (double)r.gpu.press_mm, (double)SS_BMODE_PRESS_MAX_MM);
    cr_expect(r.cpu.line_contact_mm[0] < 0.f && r.gpu.line_contact_mm[0] < 0.f &&
                  r.gpu.line_contact_mm[L - 1] < 0.f,
              "edge lines in contact (CPU %.2f, GPU %.2f / %.2f)", (double)r.cpu.line_contact_mm[0],
              (double)r.gpu.line_contact_mm[0], (double)r.gpu.line_contact_mm[L - 1]);
    cr_expect_gt(r.gpu.line_contact_mm[L / 2], 1.f, "the central line compresses no tissue (%.2f mm)",
                 (double)r.gpu.line_contact_mm[L / 2]);
    long air = 0;
    for (int j = 0; j < r.probe.samples; j++) air += r.gpu.labels[j] == SS_TISSUE_AIR;
    cr_expect_eq(air, r.probe.samples, "a line without contact has %ld of %d AIR labels", air, r.probe.samples);
    rig_free(&r);
}

Test(gl_bmode, contact_and_texture_match_cpu_on_muscle_and_needle)
{
    rig r;
    compare_phantom(&r, SS_PHANTOM_HOMOGENEOUS, 0u, "(all on)");
    rig_free(&r);
    /* the needle through the compressed layer: shaft, tip and STEEL labels on scaled pieces */
    compare_phantom(&r, SS_PHANTOM_NEEDLE, 0u, "(all on)");
    long steel_cpu = 0, steel_gpu = 0;
    for (long i = 0; i < (long)r.probe.lines * r.probe.samples; i++) {
        steel_cpu += r.cpu.labels[i] == SS_TISSUE_STEEL;
        steel_gpu += r.gpu.labels[i] == SS_TISSUE_STEEL;
    }
    printf("needle (all on): STEEL samples CPU %ld, GPU %ld\n", steel_cpu, steel_gpu);
    cr_expect_gt(steel_cpu, 0, "the needle is not in the CPU label map");
    cr_expect_eq(steel_gpu, steel_cpu, "STEEL samples: GPU %ld, CPU %ld", steel_gpu, steel_cpu);
    rig_free(&r);
}

/* The CPU marks STEEL only on the samples of each straight piece that can lie in the
 * shaft (an interval found analytically, bmode_cpu.c ss__shaft_samples) and tests those;
 * the GPU tests every sample (bmode_march.comp needle_labels). The two label maps must be
 * equal sample for sample, the needle swung through the image plane, tilted out of it,
 * moved, and at three gauges, with the contact model on (pieces scaled in the compressed
 * layer, refracted below it). */
Test(gl_bmode, needle_labels_match_gpu_sample_for_sample)
{
    rig r;
    rig_init(&r, SS_PHANTOM_NEEDLE, 48, 256, 0u);
    r.s.image_width_px = 192;
    cr_assert(r.ph.has_needle, "the needle phantom has no needle");
    const ss_needle_geom base = r.ph.needle;
    const float swing_deg[] = {-35.f, -12.f, 0.f, 8.f, 25.f, 50.f}, tilt_deg[] = {0.f, 0.f, 2.f, -4.f, 0.f, 6.f};
    const float shift_mm[] = {0.f, -3.f, 2.5f, 0.f, 4.f, -6.f}, od_mm[] = {1.27f, 0.91f, 0.72f, 1.27f, 0.72f, 0.91f};
    long total = 0;
    for (int i = 0; i < 6; i++) {
        ss_needle_geom nd = base;
        const float a = swing_deg[i] * 0.017453293f, t = tilt_deg[i] * 0.017453293f; /* rad */
        const float c = cosf(a), sn = sinf(a);
        nd.dir[0] = c * base.dir[0] - sn * base.dir[1];
        nd.dir[1] = sn * base.dir[0] + c * base.dir[1];
        nd.dir[2] = sinf(t);
        nd.dir[0] *= cosf(t);
        nd.dir[1] *= cosf(t);
        nd.tip_mm[0] += shift_mm[i];
        nd.outer_diameter_mm = od_mm[i];
        r.scene.needle = &nd;
        rig_cpu(&r);
        rig_gpu(&r);
        long n = (long)r.probe.lines * r.probe.samples, steel = 0, differ = 0;
        for (long k = 0; k < n; k++) {
            steel += r.cpu.labels[k] == SS_TISSUE_STEEL;
            differ += r.cpu.labels[k] != r.gpu.labels[k];
        }
        printf("needle pose %d (swing %+.0f deg, tilt %+.0f deg, %.2f mm): STEEL %ld samples, labels differ at %ld\n",
               i, (double)swing_deg[i], (double)tilt_deg[i], (double)od_mm[i], steel, differ);
        cr_expect_eq(differ, 0, "pose %d: CPU and GPU label maps differ at %ld samples", i, differ);
        total += steel;
    }
    /* and the poses do put the needle into the image */
    cr_expect_gt(total, 200, "only %ld STEEL samples over six needle poses", total);
    r.scene.needle = NULL;
    rig_free(&r);
}

Test(gl_bmode, noise_without_speckle_matches_cpu)
{
    /* no speckle: the electronic noise goes into the RF bins with one scale (noise_bins)
     * instead of into the speckle splat before the lateral kernel; loud enough to be seen */
    rig r;
    rig_init(&r, SS_PHANTOM_BONE_PLATE, 64, 256, PHYS_FLAGS | SS_BMODE_NO_SPECKLE);
    r.s.image_width_px = 256;
    r.s.noise_db = -50.f;
    rig_cpu(&r);
    rig_gpu(&r);
    diff d = image_diff(&r.cpu, &r.gpu);
    printf("bone_plate   (noise only)     GPU vs CPU: 8-bit mean |diff| %.5f, p99 %.0f, max %d; envelope median "
           "|diff| %.2e dB\n",
           d.mean_abs, d.p99, d.max, d.env_db_median);
    cr_expect(d.mean_abs <= 2.0 && d.p99 <= 10.0, "noise only: mean %.3f, p99 %.0f", d.mean_abs, d.p99);
    cr_expect(d.env_db_median <= 0.01, "noise only: envelope median |diff| %.3f dB", d.env_db_median);
    long lit = 0;
    for (long i = 0; i < (long)r.gpu.image.width * r.gpu.image.height; i++) lit += r.gpu.image.pixels[i] > 20;
    cr_expect_gt(lit, (long)r.gpu.image.width * r.gpu.image.height / 4, "the noise is not visible (%ld pixels)", lit);
    rig_free(&r);
}

Test(gl_bmode, the_difference_measure_can_fail)
{
    /* control: a GPU image of other speckle (another seed) against the CPU image must
     * break the bounds above, or the equivalence tests prove nothing */
    rig r;
    rig_init(&r, SS_PHANTOM_HOMOGENEOUS, 64, 256, PHYS_FLAGS);
    r.s.image_width_px = 256;
    rig_cpu(&r);
    r.s.seed = 777;
    rig_gpu(&r);
    diff d = image_diff(&r.cpu, &r.gpu);
    printf("control, other seed: mean |diff| %.2f, p99 %.0f\n", d.mean_abs, d.p99);
    cr_assert(d.mean_abs > 2.0 && d.p99 > 10.0, "other speckle passes the bounds (mean %.2f, p99 %.0f)", d.mean_abs,
              d.p99);
    rig_free(&r);
}

/* The speckle pass's other layouts (ss_bmode_gpu_options.speckle_lanes > 1: several
 * invocations share a line's chunk, each summing its deposits in shared memory, the rows
 * summed at the end) splat the same scatterers with the same weights and only sum them in
 * another order: the envelope is the default layout's within float rounding (0.01 dB where
 * the envelope is within 60 dB of its peak: rounding moves it by ~1e-5 dB, a lost or doubled
 * scatterer by far more), and the image the CPU's within the equivalence bounds. 8 lanes
 * (4 lines a work group) and 32 (one line a group) on speckle, the needle (shadow,
 * reverberation) and the bone plate (shadow, cull). */
Test(gl_bmode, speckle_layouts_agree_with_the_default_and_the_cpu)
{
    const ss_phantom_kind kinds[] = {SS_PHANTOM_HOMOGENEOUS, SS_PHANTOM_NEEDLE, SS_PHANTOM_BONE_PLATE};
    const int lanes[] = {8, 32};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        rig base;
        compare_phantom(&base, kinds[k], PHYS_FLAGS, "(1 lane)");
        for (size_t l = 0; l < sizeof lanes / sizeof lanes[0]; l++) {
            char what[32];
            snprintf(what, sizeof what, "(%d lanes)", lanes[l]);
            rig r;
            compare_phantom_lanes(&r, kinds[k], PHYS_FLAGS, what, lanes[l]);
            const size_t n = (size_t)r.probe.lines * (size_t)r.probe.samples;
            float peak = 0.f;
            for (size_t i = 0; i < n; i++) peak = fmaxf(peak, base.gpu.envelope[i]);
            double worst = 0.0;
            size_t differ = 0;
            for (size_t i = 0; i < n; i++) {
                const float a = base.gpu.envelope[i], b = r.gpu.envelope[i];
                differ += a != b;
                if (a > 1e-3f * peak) worst = b > 0.f ? fmax(worst, fabs(20.0 * log10((double)b / a))) : INFINITY;
            }
            printf("%-12s %-10s against 1 lane: %zu of %zu samples differ, at most %.2e dB\n",
                   ss_phantom_name(kinds[k]), what, differ, n, worst);
            cr_expect(worst <= 0.01, "%s %s: envelope %.4f dB from the default layout's", ss_phantom_name(kinds[k]),
                      what, worst);
            /* and the other layout did run: its sums' order shows in the last bits somewhere */
            cr_expect_gt(differ, 0, "%s %s: bit for bit the default layout: the option was not used",
                         ss_phantom_name(kinds[k]), what);
            rig_free(&r);
        }
        rig_free(&base);
    }
}

/* On a probe turned about its beam against the volume's axes (as on a rotated scoliotic
 * spine) the speckle pass sweeps each row of a slab only where the tube's slanted strips can
 * reach it (row_cells in bmode_speckle.comp, ss__row_cells on the CPU), and the invocations
 * of a line share the rows' cells by their count. Every layout must still find every
 * scatterer the CPU finds. Homogeneous muscle, the probe turned 25 degrees, 1, 8 and 32
 * lanes, the envelope against the CPU's wherever it is within 60 dB of its peak: the two
 * backends' float rounding (the box's sweep before the rows' bounds gave the same) leaves
 * at most 0.026 dB, and 7.5 % of those samples more than 0.001 dB apart. Measured by
 * breaking the shader on purpose: each row's first cell left out 14 dB and 99 %; each
 * slab's first cell 0.14 dB (one lane); each share of a slab starting a cell late 24-35 dB
 * (8 and 32 lanes). So: at most 0.05 dB, and at most 15 % over 0.001 dB. */
Test(gl_bmode, speckle_rows_on_a_turned_probe_find_the_cpus_scatterers)
{
    const int lanes[] = {1, 8, 32};
    for (size_t l = 0; l < sizeof lanes / sizeof lanes[0]; l++) {
        rig r;
        rig_init(&r, SS_PHANTOM_HOMOGENEOUS, 96, 320, PHYS_FLAGS);
        r.speckle_lanes = lanes[l];
        const float c = cosf(25.f * 3.14159265f / 180.f), s = sinf(25.f * 3.14159265f / 180.f);
        float array[3];
        for (int i = 0; i < 3; i++) array[i] = c * r.pose.axis_x[i] + s * r.pose.axis_z[i];
        const float beam[3] = {r.pose.axis_y[0], r.pose.axis_y[1], r.pose.axis_y[2]};
        const float origin[3] = {r.pose.origin_mm[0], r.pose.origin_mm[1], r.pose.origin_mm[2]};
        cr_assert_eq(ss_probe_pose_make(origin, beam, array, &r.pose), SS_OK);
        rig_cpu(&r);
        rig_gpu(&r);
        const size_t n = (size_t)r.probe.lines * (size_t)r.probe.samples;
        float peak = 0.f;
        for (size_t i = 0; i < n; i++) peak = fmaxf(peak, r.cpu.envelope[i]);
        double worst = 0.0;
        size_t counted = 0, over = 0;
        for (size_t i = 0; i < n; i++) {
            const float a = r.cpu.envelope[i], b = r.gpu.envelope[i];
            if (a <= 1e-3f * peak) continue;
            counted++;
            const double d = b > 0.f ? fabs(20.0 * log10((double)b / a)) : INFINITY;
            worst = fmax(worst, d);
            over += d > 1e-3;
        }
        printf("turned 25 deg, %2d lane(s): GPU vs CPU envelope at most %.2e dB, %zu of %zu samples over 0.001 dB\n",
               lanes[l], worst, over, counted);
        cr_expect_gt(counted, n / 3, "%d lanes: the envelope is mostly empty", lanes[l]);
        cr_expect(worst <= 0.05, "%d lanes: envelope %.4f dB from the CPU's", lanes[l], worst);
        cr_expect(over <= counted * 15 / 100, "%d lanes: %zu of %zu samples more than 0.001 dB from the CPU's",
                  lanes[l], over, counted);
        rig_free(&r);
    }
}

/* The march with a line's elevation rays side by side (march_lanes 8: an invocation a ray,
 * the echoes merged and the needle added by the line's first invocation after a barrier)
 * runs the same steps in the same order as one invocation marching them in turn: the frame
 * is the same bit for bit (envelope, labels, contact), with everything on (contact,
 * compressed layer, texture) on the interface, the needle (shadow over every ray's tau,
 * ring-down, labels) and the bone plate (hard crossings, the rays' early stop), with the
 * default 3 elevation rays and with 7 (every invocation of a line but one marching). */
Test(gl_bmode, march_layouts_give_the_same_frame)
{
    const ss_phantom_kind kinds[] = {SS_PHANTOM_INTERFACE, SS_PHANTOM_NEEDLE, SS_PHANTOM_BONE_PLATE};
    for (size_t c = 0; c < 2 * sizeof kinds / sizeof kinds[0]; c++) {
        const size_t k = c / 2;
        const int rays = c % 2 ? 7 : 3;
        rig a, b;
        rig_init(&a, kinds[k], 64, 256, 0u);
        rig_init(&b, kinds[k], 64, 256, 0u);
        a.s.elevation_rays = b.s.elevation_rays = rays;
        b.march_lanes = 8;
        rig_gpu(&a);
        rig_gpu(&b);
        const size_t n = (size_t)a.probe.lines * (size_t)a.probe.samples;
        size_t env = 0, lab = 0;
        for (size_t i = 0; i < n; i++) {
            env += a.gpu.envelope[i] != b.gpu.envelope[i];
            lab += a.gpu.labels[i] != b.gpu.labels[i];
        }
        int contact = 0;
        for (int l = 0; l < a.probe.lines; l++) contact += a.gpu.line_contact_mm[l] != b.gpu.line_contact_mm[l];
        printf("%-12s %d rays side by side: %zu envelope samples, %zu labels, %d contacts differ\n",
               ss_phantom_name(kinds[k]), rays, env, lab, contact);
        cr_expect(env == 0 && lab == 0 && contact == 0,
                  "%s, %d rays: the layouts differ (%zu envelope, %zu labels, %d contact)", ss_phantom_name(kinds[k]),
                  rays, env, lab, contact);
        rig_free(&a);
        rig_free(&b);
    }
}

Test(gl_bmode, layout_options_are_checked)
{
    ss_probe p;
    ss_probe_default(&p);
    ss_bmode_gpu *g = NULL;
    const ss_bmode_gpu_options bad = {.speckle_lanes = 3, .march_lanes = 1};
    cr_assert_eq(ss_bmode_gpu_create_with(&p, &bad, &g), SS_ERR_INVALID);
    cr_assert_null(g);
    cr_assert(strstr(ss_error_message(), "speckle_lanes = 3"), "message: %s", ss_error_message());
    ss_bmode_gpu_options o;
    setenv("SONOSPINE_GPU_SPECKLE_LANES", "64", 1);
    cr_assert_eq(ss_bmode_gpu_options_default(&o), SS_ERR_INVALID);
    cr_assert(strstr(ss_error_message(), "SONOSPINE_GPU_SPECKLE_LANES = '64'"), "message: %s", ss_error_message());
    cr_assert_eq(ss_bmode_gpu_create(&p, &g), SS_ERR_INVALID, "a bad variable must stop create, not be ignored");
    unsetenv("SONOSPINE_GPU_SPECKLE_LANES");
    setenv("SONOSPINE_GPU_MARCH_LANES", "4", 1);
    cr_assert_eq(ss_bmode_gpu_options_default(&o), SS_ERR_INVALID);
    cr_assert(strstr(ss_error_message(), "SONOSPINE_GPU_MARCH_LANES = '4': expected 1 or 8"), "message: %s",
              ss_error_message());
    unsetenv("SONOSPINE_GPU_MARCH_LANES");
    const ss_bmode_gpu_options bad_march = {.speckle_lanes = 1, .march_lanes = 2};
    cr_assert_eq(ss_bmode_gpu_create_with(&p, &bad_march, &g), SS_ERR_INVALID);
    setenv("SONOSPINE_GPU_SPECKLE_LANES", "16", 1);
    cr_assert_eq(ss_bmode_gpu_options_default(&o), SS_OK);
    cr_assert_eq(o.speckle_lanes, 16);
    unsetenv("SONOSPINE_GPU_SPECKLE_LANES");
    cr_assert_eq(ss_bmode_gpu_options_default(&o), SS_OK);
    cr_assert_eq(o.speckle_lanes, 1);
    cr_assert_eq(o.march_lanes, 1);
}

Test(gl_bmode, texture_holds_the_image_and_pose_moves_it)
{
    rig r;
    rig_init(&r, SS_PHANTOM_CYST, 48, 192, 0u); /* everything on: contact, texture */
    r.s.image_width_px = 200;
    rig_gpu(&r);
    int w = 0, h = 0;
    GLuint tex = ss_bmode_gpu_image_texture(r.g, &w, &h);
    cr_assert(tex != 0 && w == r.gpu.image.width && h == r.gpu.image.height, "texture %u %dx%d", tex, w, h);
    /* the texture the app draws is the image the read-back returned, byte for byte */
    uint8_t *px = malloc((size_t)w * h);
    glBindTexture(GL_TEXTURE_2D, tex);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glGetTexImage(GL_TEXTURE_2D, 0, GL_RED, GL_UNSIGNED_BYTE, px);
    cr_assert(memcmp(px, r.gpu.image.pixels, (size_t)w * h) == 0, "texture differs from the read-back image");
    /* a new pose (uniforms only, no read-back) changes the texture: the world is fixed,
     * the probe moved 2 mm along the array */
    const float shift[3] = {2.f, 0.f, 0.f};
    ss_probe_pose_translate_local(&r.pose, shift);
    cr_assert_eq(ss_bmode_gpu_render(r.g, NULL, &r.pose, &r.s, false, NULL), SS_OK, "%s", ss_error_message());
    uint8_t *px2 = malloc((size_t)w * h);
    glGetTexImage(GL_TEXTURE_2D, 0, GL_RED, GL_UNSIGNED_BYTE, px2);
    long changed = 0;
    for (long i = 0; i < (long)w * h; i++) changed += px[i] != px2[i];
    cr_assert_gt(changed, (long)w * h / 10, "moving the probe changed only %ld pixels", changed);
    free(px);
    free(px2);
    rig_free(&r);
}

/* ------------------------------------------------------------------ the CPU's envelope statistics on the GPU */

Test(gl_bmode, homogeneous_speckle_is_rayleigh_on_the_gpu)
{
    /* as tests/test_bmode_physics.c homogeneous_speckle_is_rayleigh, GPU output */
    rig r;
    rig_init(&r, SS_PHANTOM_HOMOGENEOUS, 256, 384, PHYS_FLAGS | SS_BMODE_NO_NOISE);
    rig_gpu(&r);
    const ss_tissue_props *m = ss_tissue_get(SS_TISSUE_MUSCLE);
    long n = 0;
    double ratio = bs_rayleigh_ratio(&r.gpu, &r.probe, m->alpha_db_cm_mhz, &n);
    printf("GPU homogeneous muscle: envelope mean/std = %.3f (Rayleigh 1.913) over %ld samples\n", ratio, n);
    /* same bound and reason as the CPU test: Rayleigh sqrt(pi/(4-pi)) = 1.913, +-0.10 for
     * the estimation error of ~1000 speckle cells */
    cr_assert(fabs(ratio - 1.913) <= 0.10, "mean/std %.3f not within 1.91 +- 0.10", ratio);
    rig_free(&r);
}

Test(gl_bmode, attenuation_slope_is_two_alpha_f_on_the_gpu)
{
    const float freqs[2] = {2.5f, 5.0f};
    for (int fi = 0; fi < 2; fi++) {
        rig r;
        rig_init(&r, SS_PHANTOM_HOMOGENEOUS, 128, 256, PHYS_FLAGS | SS_BMODE_NO_NOISE);
        r.probe.freq_mhz = freqs[fi];
        r.s.tgc_auto = 0;
        rig_gpu(&r);
        double slope = bs_attenuation_slope_db_cm(&r.gpu, &r.probe);
        double expect = -2.0 * ss_tissue_get(SS_TISSUE_MUSCLE)->alpha_db_cm_mhz * freqs[fi];
        printf("GPU attenuation at %.1f MHz: slope %.3f dB/cm, expected %.3f\n", freqs[fi], slope, expect);
        /* 5 %, as the CPU test: speckle of ~128 lines averaged per depth leaves a few % of fit error */
        cr_assert(fabs(slope / expect - 1.0) <= 0.05, "slope %.3f vs %.3f dB/cm (tolerance 5 %%)", slope, expect);
        rig_free(&r);
    }
}

/* test_gl_march.c: the GPU reads the tissue volume exactly as the CPU does: the bare
 * march (one label fetch per sample) returns, for every sample of a fan of scan lines,
 * the label of the voxel the CPU finds at the same point. */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_march.h"
#include "gpu_volume.h"
#include "platform/gl_context.h"
#include "tissue.h"

static ss_gl_context *ctx;
static void up(void) { cr_assert_eq(ss_gl_context_create(NULL, &ctx), SS_OK, "%s", ss_error_message()); }
static void down(void) { ss_gl_context_destroy(ctx); }
TestSuite(gl_march, .init = up, .fini = down);

Test(gl_march, gpu_labels_equal_cpu_labels_along_a_fan)
{
    /* 64 x 48 x 40 voxels of 0.5 mm with a label pattern that changes every voxel. */
    ss_volume v = {.nx = 64, .ny = 48, .nz = 40, .spacing_mm = 0.5f, .origin_mm = {-16.0f, -2.0f, -10.0f}};
    size_t n = (size_t)v.nx * v.ny * v.nz;
    v.labels = malloc(n);
    for (size_t i = 0; i < n; i++) v.labels[i] = (uint8_t)((i * 2654435761u >> 13) % SS_TISSUE_COUNT);
    ss_gpu_volume g;
    cr_assert_eq(ss_gpu_volume_upload(&v, &g), SS_OK, "%s", ss_error_message());

    /* A convex-like fan: 32 lines from an arc above the volume, pointing down (-y
     * would leave it: the volume spans y -2..22, lines start at y 21.9 going -y). */
    enum { L = 32, S = 96 };
    float origins[3 * L], dirs[3 * L];
    for (int l = 0; l < L; l++) {
        float a = (float)(-0.5 + (double)l / (L - 1)) * 1.2f;
        origins[3 * l + 0] = 20.0f * sinf(a) * 0.3f;
        origins[3 * l + 1] = 21.9f;
        origins[3 * l + 2] = 0.37f * (float)l - 6.0f;
        dirs[3 * l + 0] = sinf(a);
        dirs[3 * l + 1] = -cosf(a);
        dirs[3 * l + 2] = 0.0f;
    }
    const float ds = 0.23f;
    ss_gpu_march *m;
    cr_assert_eq(ss_gpu_march_create(L, S, ds, origins, dirs, &m), SS_OK, "%s", ss_error_message());
    cr_assert_eq(ss_gpu_march_run(m, &g), SS_OK, "%s", ss_error_message());
    uint8_t *gpu = malloc(L * S);
    cr_assert_eq(ss_gpu_march_read(m, gpu), SS_OK, "%s", ss_error_message());

    int mismatches = 0, inside = 0;
    for (int l = 0; l < L; l++)
        for (int s = 0; s < S; s++) {
            float p[3];
            for (int i = 0; i < 3; i++) p[i] = origins[3 * l + i] + dirs[3 * l + i] * ((float)s + 0.5f) * ds;
            uint8_t cpu = ss_gpu_march_cpu_label(&v, p);
            inside += cpu != 0;
            if (cpu == gpu[l * S + s]) continue;
            /* Only a point within 1e-3 voxel of a voxel boundary may round differently
             * (the GPU may fuse multiply-adds). */
            double worst = 1.0;
            for (int i = 0; i < 3; i++) {
                double f = (p[i] - v.origin_mm[i]) / v.spacing_mm + 0.5;
                worst = fmin(worst, fabs(f - floor(f + 0.5)));
            }
            cr_expect_lt(worst, 1e-3, "line %d sample %d: gpu %d cpu %d, %.4f voxel from a boundary", l, s,
                         gpu[l * S + s], cpu, worst);
            mismatches++;
        }
    cr_assert_gt(inside, L * S / 2, "the fan must actually cross the volume (%d of %d samples inside)", inside, L * S);
    cr_assert_leq(mismatches, L * S / 1000, "%d mismatches", mismatches);
    free(gpu);
    ss_gpu_march_destroy(m);
    ss_gpu_volume_release(&g);
    free(v.labels);
}

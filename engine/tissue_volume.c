/* tissue_volume.c: builds, hashes, samples and draws the voxel volume (see tissue_volume.h).
 * The fill walks the model's solids through spine_layers.h, the one private view of the
 * model it needs (ss_spine_query() per voxel would be far too slow). */
#define _POSIX_C_SOURCE 200809L
#include "tissue_volume.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <stb_image_write.h>

#include "spine.h"
#include "spine_layers.h"
#include "tissue.h"
#include "thread_pool.h"

#define SS__SLAB 8 /* z-slices per unit of work */

void ss_volume_desc_default(ss_volume_desc *out)
{
    memset(out, 0, sizeof *out);
    out->spacing_mm = 0.5f;
}

/* ------------------------------------------------------------------ filling a slab */

#define SS__SKIP_SAFETY 0.8 /* the model's distances are approximate: step 80 % of them */

/* index ranges of a box in the volume, clipped to the slab; false if empty */
static bool ss__range(const ss_volume *vol, const double lo[3], const double hi[3], double pad, int k0, int k1,
                      int r0[3], int r1[3])
{
    int n[3] = {vol->nx, vol->ny, vol->nz};
    for (int c = 0; c < 3; c++) {
        double a = (lo[c] - pad - vol->origin_mm[c]) / vol->spacing_mm;
        double b = (hi[c] + pad - vol->origin_mm[c]) / vol->spacing_mm;
        r0[c] = (int)ceil(a);
        r1[c] = (int)floor(b);
        if (r0[c] < 0) r0[c] = 0;
        if (r1[c] > n[c] - 1) r1[c] = n[c] - 1;
    }
    if (r0[2] < k0) r0[2] = k0;
    if (r1[2] > k1 - 1) r1[2] = k1 - 1;
    return r0[0] <= r1[0] && r0[1] <= r1[1] && r0[2] <= r1[2];
}

/* air and skin: no solid overrides them */
static bool ss__protected(uint8_t l) { return l == SS_TISSUE_AIR || l == SS_TISSUE_SKIN; }

/* Fills the z-slices k0 <= k < k1 of a volume whose dims, spacing, origin and arrays are
 * already set, by the rules in spine.c's opening comment: the back's layers from the skin
 * height of each column, then the model's solids layer by layer (spine_layers.h). Slabs
 * are independent, so threads may fill disjoint slabs at once; the result does not
 * depend on how slabs are cut. */
static void ss__fill_slab(const ss_spine *s, ss_volume *vol, int k0, int k1)
{
    ss_spine_info info;
    ss_spine_get_info(s, &info);
    const double skin_t = info.skin_thickness_mm, fat_F = info.fat_thickness_mm;
    const int nx = vol->nx, ny = vol->ny;
    const double sp = vol->spacing_mm;
    const double ox = vol->origin_mm[0], oy = vol->origin_mm[1], oz = vol->origin_mm[2];
    double *ys = malloc((size_t)nx * sizeof *ys);
    if (!ys) return;
    /* 1. analytic back layers */
    for (int k = k0; k < k1; k++) {
        double z = oz + sp * k;
        for (int i = 0; i < nx; i++) ys[i] = ss_spine_skin_y(s, ox + sp * i, z);
        for (int j = 0; j < ny; j++) {
            double y = oy + sp * j;
            size_t base = (size_t)nx * ((size_t)j + (size_t)ny * (size_t)k);
            uint8_t *lab = vol->labels + base;
            for (int i = 0; i < nx; i++) {
                double b1 = ys[i];
                uint8_t l;
                if (y > b1) l = SS_TISSUE_AIR;
                else if (y > b1 - skin_t) l = SS_TISSUE_SKIN;
                else if (y > b1 - skin_t - fat_F) l = SS_TISSUE_FAT;
                else l = SS_TISSUE_MUSCLE;
                lab[i] = l;
            }
            memset(vol->hard_sdf + base, 127, (size_t)nx);
        }
    }
    free(ys);
    const double band = SS_VOLUME_SDF_RANGE_MM;
    const int8_t shell_q = ss__spine_shell_q(s);
    /* 2..6. primitives by layer */
    for (int layer = 0; layer < SS__LY_COUNT; layer++) {
        bool hard = layer >= SS__LY_FIRST_HARD;
        if (layer == SS__LY_GRAFT) {
            /* 4. classify bone before graft and metal change the distances */
            for (int k = k0; k < k1; k++)
                for (size_t idx = (size_t)nx * ny * k, e = idx + (size_t)nx * ny; idx < e; idx++) {
                    int8_t q = vol->hard_sdf[idx];
                    if (q < 0 && !ss__protected(vol->labels[idx]))
                        vol->labels[idx] = q < shell_q ? SS_TISSUE_CANCELLOUS : SS_TISSUE_CORTICAL;
                }
        }
        int nprims;
        const ss__spine_prim *prims = ss__spine_layer(s, layer, &nprims);
        for (int pj = 0; pj < nprims; pj++) {
            const ss__spine_prim *pr = &prims[pj];
            int r0[3], r1[3];
            if (!ss__range(vol, pr->sdf.lo, pr->sdf.hi, hard ? band + sp : 0.0, k0, k1, r0, r1)) continue;
            for (int k = r0[2]; k <= r1[2]; k++)
                for (int j = r0[1]; j <= r1[1]; j++) {
                    size_t base = (size_t)nx * ((size_t)j + (size_t)ny * (size_t)k);
                    uint8_t *lab = vol->labels + base;
                    int8_t *sdf = vol->hard_sdf + base;
                    double q[3] = {0, oy + sp * j, oz + sp * k};
                    int i = r0[0];
                    while (i <= r1[0]) {
                        q[0] = ox + sp * i;
                        double d = ss__spine_prim_sdf(s, pr, q);
                        int run;
                        if (!hard) {
                            run = (int)(fabs(d) * SS__SKIP_SAFETY / sp);
                            if (run < 1) run = 1;
                            if (i + run - 1 > r1[0]) run = r1[0] - i + 1;
                            if (d < 0)
                                for (int t = 0; t < run; t++)
                                    if (!ss__protected(lab[i + t])) lab[i + t] = (uint8_t)pr->label;
                            i += run;
                            continue;
                        }
                        if (d > band) {
                            run = (int)((d - band) * SS__SKIP_SAFETY / sp);
                            i += run < 1 ? 1 : run;
                            continue;
                        }
                        if (d < -band) {
                            run = (int)((-d - band) * SS__SKIP_SAFETY / sp);
                            if (run < 1) run = 1;
                            if (i + run - 1 > r1[0]) run = r1[0] - i + 1;
                        } else run = 1;
                        int8_t qd = ss_volume_sdf_quantize(d);
                        for (int t = 0; t < run; t++) {
                            int ii = i + t;
                            if (qd < sdf[ii]) sdf[ii] = qd;
                            if (d < 0 && layer != SS__LY_BONE && !ss__protected(lab[ii])) {
                                if (layer == SS__LY_METAL) lab[ii] = (uint8_t)pr->label;
                                else if (lab[ii] != SS_TISSUE_CORTICAL && lab[ii] != SS_TISSUE_CANCELLOUS &&
                                         lab[ii] != SS_TISSUE_TITANIUM && lab[ii] != SS_TISSUE_COCR)
                                    lab[ii] = SS_TISSUE_GRAFT;
                            }
                        }
                        i += run;
                    }
                }
        }
    }
}

/* ------------------------------------------------------------------ building */

typedef struct ss__job {
    const ss_spine *spine;
    ss_volume *vol;
} ss__job;

/* Slabs index, index + count, ... (one share of ss_pool_run). */
static void ss__slabs(void *arg, int index, int count)
{
    ss__job *j = arg;
    int nslab = (j->vol->nz + SS__SLAB - 1) / SS__SLAB;
    for (int s = index; s < nslab; s += count) {
        int k0 = s * SS__SLAB, k1 = k0 + SS__SLAB;
        if (k1 > j->vol->nz) k1 = j->vol->nz;
        ss__fill_slab(j->spine, j->vol, k0, k1);
    }
}

ss_status ss_volume_build(const ss_spine *spine, const ss_volume_desc *desc, ss_volume *out)
{
    ss_volume_desc d;
    if (desc) d = *desc; else ss_volume_desc_default(&d);
    memset(out, 0, sizeof *out);
    if (!spine) return ss_error_set(SS_ERR_INVALID, "ss_volume_build: no spine model");
    if (d.spacing_mm == 0) d.spacing_mm = 0.5f;
    if (!(d.spacing_mm >= 0.05f && d.spacing_mm <= 10.0f))
        return ss_error_set(SS_ERR_INVALID, "ss_volume_build: spacing_mm = %g is outside 0.05..10", (double)d.spacing_mm);
    double lo[3], hi[3];
    if (d.use_bounds) {
        memcpy(lo, d.lo_mm, sizeof lo);
        memcpy(hi, d.hi_mm, sizeof hi);
    } else {
        ss_spine_info info;
        ss_spine_get_info(spine, &info);
        memcpy(lo, info.volume_lo_mm, sizeof lo);
        memcpy(hi, info.volume_hi_mm, sizeof hi);
    }
    int n[3];
    for (int c = 0; c < 3; c++) {
        if (!(hi[c] > lo[c]))
            return ss_error_set(SS_ERR_INVALID, "ss_volume_build: bounds axis %d: hi %g must exceed lo %g", c, hi[c], lo[c]);
        n[c] = (int)floor((hi[c] - lo[c]) / d.spacing_mm) + 1;
    }
    size_t nvox = (size_t)n[0] * (size_t)n[1] * (size_t)n[2];
    if (nvox > (size_t)2000 * 1000 * 1000)
        return ss_error_set(SS_ERR_INVALID, "ss_volume_build: %d x %d x %d voxels is too many", n[0], n[1], n[2]);
    out->nx = n[0];
    out->ny = n[1];
    out->nz = n[2];
    out->spacing_mm = d.spacing_mm;
    for (int c = 0; c < 3; c++) out->origin_mm[c] = (float)lo[c];
    out->labels = malloc(nvox);
    out->hard_sdf = malloc(nvox);
    if (!out->labels || !out->hard_sdf) {
        ss_volume_free(out);
        return ss_error_set(SS_ERR_NOMEM, "ss_volume_build: cannot allocate 2 x %zu bytes", nvox);
    }
    int threads = d.threads;
    if (threads <= 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        threads = c > 0 ? (int)c : 1;
    }
    if (threads > 16) threads = 16;
    ss__job job = {spine, out};
    ss_pool_run(threads, ss__slabs, &job);
    return SS_OK;
}

void ss_volume_free(ss_volume *vol)
{
    if (!vol) return;
    free(vol->labels);
    free(vol->hard_sdf);
    vol->labels = NULL;
    vol->hard_sdf = NULL;
}

static uint64_t ss__fnv(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

uint64_t ss_volume_hash(const ss_volume *vol)
{
    uint64_t h = 14695981039346656037ull;
    int32_t dims[3] = {vol->nx, vol->ny, vol->nz};
    h = ss__fnv(h, dims, sizeof dims);
    h = ss__fnv(h, &vol->spacing_mm, sizeof vol->spacing_mm);
    h = ss__fnv(h, vol->origin_mm, sizeof vol->origin_mm);
    size_t n = (size_t)vol->nx * vol->ny * vol->nz;
    if (vol->labels) h = ss__fnv(h, vol->labels, n);
    if (vol->hard_sdf) h = ss__fnv(h, vol->hard_sdf, n);
    return h;
}

size_t ss_volume_bytes(const ss_volume *vol) { return 2 * (size_t)vol->nx * vol->ny * vol->nz; }

int ss_volume_label_at(const ss_volume *vol, const double p_mm[3])
{
    long idx[3];
    int n[3] = {vol->nx, vol->ny, vol->nz};
    for (int c = 0; c < 3; c++) {
        idx[c] = lrint((p_mm[c] - vol->origin_mm[c]) / vol->spacing_mm);
        if (idx[c] < 0 || idx[c] >= n[c]) return SS_TISSUE_AIR;
    }
    return vol->labels[(size_t)idx[0] + (size_t)vol->nx * ((size_t)idx[1] + (size_t)vol->ny * (size_t)idx[2])];
}

ss_status ss_volume_write_slice_png(const ss_volume *vol, ss_volume_slice axis, double pos_mm, const char *path)
{
    int w, h, fixed;
    int c = axis == SS_SLICE_SAGITTAL ? 0 : axis == SS_SLICE_CORONAL ? 1 : 2;
    int n[3] = {vol->nx, vol->ny, vol->nz};
    fixed = (int)lrint((pos_mm - vol->origin_mm[c]) / vol->spacing_mm);
    if (fixed < 0 || fixed >= n[c])
        return ss_error_set(SS_ERR_INVALID, "%s: slice at %g mm lies outside the volume (axis %d, %g..%g mm)", path,
                            pos_mm, c, (double)vol->origin_mm[c], vol->origin_mm[c] + vol->spacing_mm * (n[c] - 1));
    if (axis == SS_SLICE_SAGITTAL) { w = vol->ny; h = vol->nz; }
    else if (axis == SS_SLICE_CORONAL) { w = vol->nx; h = vol->nz; }
    else { w = vol->nx; h = vol->ny; }
    unsigned char *img = malloc((size_t)w * h * 3);
    if (!img) return ss_error_set(SS_ERR_NOMEM, "%s: out of memory", path);
    for (int r = 0; r < h; r++)
        for (int col = 0; col < w; col++) {
            int i, j, k;
            if (axis == SS_SLICE_SAGITTAL) { i = fixed; j = col; k = h - 1 - r; }
            else if (axis == SS_SLICE_CORONAL) { i = w - 1 - col; j = fixed; k = h - 1 - r; }
            else { i = w - 1 - col; j = h - 1 - r; k = fixed; }
            uint8_t l = vol->labels[(size_t)i + (size_t)vol->nx * ((size_t)j + (size_t)vol->ny * (size_t)k)];
            const uint8_t *rgb = ss_tissue_get(l)->rgb;
            memcpy(img + 3 * ((size_t)r * w + col), rgb, 3);
        }
    int ok = stbi_write_png(path, w, h, 3, img, w * 3);
    free(img);
    if (!ok) return ss_error_set(SS_ERR_IO, "%s: cannot write PNG", path);
    return SS_OK;
}

ss_status ss_volume_write_standard_slices(const ss_volume *vol, const ss_spine *spine, const char *dir)
{
    char path[4096];
    ss_interspace_info mid;
    ss_spine_interspace(spine, SS_LEVEL_L3_L4, &mid);
    snprintf(path, sizeof path, "%s/sagittal.png", dir);
    ss_status st = ss_volume_write_slice_png(vol, SS_SLICE_SAGITTAL, mid.sac_centre_mm[0], path);
    if (st != SS_OK) return st;
    snprintf(path, sizeof path, "%s/coronal.png", dir);
    st = ss_volume_write_slice_png(vol, SS_SLICE_CORONAL, mid.window_centre_mm[1], path);
    if (st != SS_OK) return st;
    for (int k = 0; k < SS_LEVEL_COUNT; k++) {
        ss_interspace_info in;
        ss_spine_interspace(spine, k, &in);
        snprintf(path, sizeof path, "%s/axial_%s.png", dir, ss_level_name(k));
        st = ss_volume_write_slice_png(vol, SS_SLICE_AXIAL, in.window_centre_mm[2], path);
        if (st != SS_OK) return st;
    }
    return SS_OK;
}

static double ss__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

ss_status ss_volume_bench(const ss_spine *spine, float spacing_mm, int threads, int repeats, ss_volume_bench_result *out)
{
    memset(out, 0, sizeof *out);
    ss_volume_desc d;
    ss_volume_desc_default(&d);
    d.spacing_mm = spacing_mm;
    d.threads = threads;
    if (repeats < 1) repeats = 1;
    if (repeats > 64) repeats = 64;
    double times[64];
    for (int r = 0; r < repeats; r++) {
        ss_volume v;
        double t0 = ss__now_ms();
        ss_status st = ss_volume_build(spine, &d, &v);
        double t1 = ss__now_ms();
        if (st != SS_OK) return st;
        times[r] = t1 - t0;
        out->nx = v.nx;
        out->ny = v.ny;
        out->nz = v.nz;
        out->voxels = (size_t)v.nx * v.ny * v.nz;
        out->bytes = ss_volume_bytes(&v);
        out->hash = ss_volume_hash(&v);
        ss_volume_free(&v);
    }
    if (threads <= 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        threads = c > 0 ? (int)(c > 16 ? 16 : c) : 1;
    }
    out->spacing_mm = spacing_mm;
    out->threads = threads;
    /* median (the machines are shared: a median resists the odd slow run) */
    for (int i = 1; i < repeats; i++)
        for (int j = i; j > 0 && times[j - 1] > times[j]; j--) {
            double t = times[j];
            times[j] = times[j - 1];
            times[j - 1] = t;
        }
    out->build_ms = repeats % 2 ? times[repeats / 2] : 0.5 * (times[repeats / 2 - 1] + times[repeats / 2]);
    return SS_OK;
}

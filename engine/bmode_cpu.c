/* bmode_cpu.c: see bmode_cpu.h for the model; docs/acoustics.md for the derivations,
 * parameters and measured validation figures.
 *
 * Structure (each stage is a per-line or per-sample pass, as the GPU port will be):
 *   ss__march_ray      one ray: interfaces, refraction, tau per step, interface echoes
 *   ss__needle         analytic needle echoes, reverberation, shadow (central ray)
 *   ss__contact        where the line first meets tissue (the probe pressed in)
 *   ss__speckle_piece  scatterers within a line spacing of one straight piece of ray,
 *                      splatted with their exact axial phase (hat weight laterally)
 *   ss__line_rf        phase 1 per line: contact, march, needle, speckle splat
 *   ss__line_image     phase 2 per line (after every line's phase 1): lateral speckle
 *                      kernel across lines, axial PSF, |IQ|, noise, TGC, log compression
 *   ss_scan_convert_rows
 */
#define _POSIX_C_SOURCE 200809L
#include "bmode_cpu.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "simd.h"
#include "scatter.h"
#include "tissue.h"
#include "tissue_texture.h"
#include "thread_pool.h"

#define SS__PI 3.14159265358979f
/* (the constants live in bmode_cpu.h, shared with the GPU renderer) */
#define SS__MAX_RAYS SS_BMODE_MAX_RAYS
#define SS__MAX_PIECES SS_BMODE_MAX_PIECES
#define SS__KERNEL_HALF SS_BMODE_KERNEL_HALF
#define SS__PHASE_N SS_BMODE_PHASE_N /* phasor table: 2 pi / 4096 phase steps */
#define SS__GAUSS_N SS_BMODE_GAUSS_N /* exp(-q) table over q in [0, SS__GAUSS_QMAX], linear interpolation */
#define SS__GAUSS_QMAX SS_BMODE_GAUSS_QMAX
#define SS__REF_DENSITY_MM3 SS_BMODE_REF_DENSITY_MM3 /* density at which speckle_level_db holds for amplitude 1 */
#define SS__TUBE_SIGMAS SS_BMODE_TUBE_SIGMAS /* beam tube half-width in sigmas (intensity kept: erf(2)^2 = 99.1 %) */

void ss_bmode_settings_default(ss_bmode_settings *s)
{
    *s = (ss_bmode_settings){0};
    s->seed = 1;
    s->threads = 2;
    s->gain_db = 0.f;
    s->dynamic_range_db = 60.f;
    s->tgc_auto = 1;
    s->tgc_auto_alpha_db_cm_mhz = 0.9f;
    s->speckle_level_db = -46.f;
    s->noise_db = -130.f;
    s->image_width_px = 512;
    s->march_step_mm = 0.f;
    s->elevation_rays = 3;
    s->directivity_soft_deg = 30.f;
    s->directivity_bone_deg = 40.f;
    s->directivity_metal_deg = 20.f;
    s->directivity_needle_deg = 20.f;
    s->needle_tip_amplitude = 0.35f;
    s->needle_diffuse_amplitude = 0.6f;
    s->directivity_needle_diffuse_deg = 70.f;
    s->reverb_decay = 0.55f;
    s->reverb_count = 8;
}

ss_status ss_bmode_settings_validate(const ss_bmode_settings *s)
{
    if (s->threads < 0 || s->threads > 64)
        return ss_error_set(SS_ERR_INVALID, "bmode.threads = %d: expected 0..64", s->threads);
    if (!(s->dynamic_range_db >= 10.f && s->dynamic_range_db <= 120.f))
        return ss_error_set(SS_ERR_INVALID, "bmode.dynamic_range_db = %g: expected 10..120",
                            (double)s->dynamic_range_db);
    if (s->elevation_rays < 1 || s->elevation_rays > SS__MAX_RAYS || s->elevation_rays % 2 == 0)
        return ss_error_set(SS_ERR_INVALID, "bmode.elevation_rays = %d: expected 1, 3, 5 or 7", s->elevation_rays);
    if (s->image_width_px < 16 || s->image_width_px > 8192)
        return ss_error_set(SS_ERR_INVALID, "bmode.image_width_px = %d: expected 16..8192", s->image_width_px);
    if (s->march_step_mm < 0.f || s->march_step_mm > 2.f)
        return ss_error_set(SS_ERR_INVALID, "bmode.march_step_mm = %g: expected 0 (auto) or up to 2",
                            (double)s->march_step_mm);
    float d[5] = {s->directivity_soft_deg, s->directivity_bone_deg, s->directivity_metal_deg,
                  s->directivity_needle_deg, s->directivity_needle_diffuse_deg};
    for (int i = 0; i < 5; i++)
        if (!(d[i] >= 1.f && d[i] <= 180.f))
            return ss_error_set(SS_ERR_INVALID, "bmode.directivity_*_deg = %g: expected 1..180", (double)d[i]);
    if (!(s->needle_diffuse_amplitude >= 0.f && s->needle_diffuse_amplitude <= 1.f))
        return ss_error_set(SS_ERR_INVALID, "bmode.needle_diffuse_amplitude = %g: expected 0..1",
                            (double)s->needle_diffuse_amplitude);
    if (!(s->reverb_decay >= 0.f && s->reverb_decay < 1.f) || s->reverb_count < 0 || s->reverb_count > 64)
        return ss_error_set(SS_ERR_INVALID, "bmode.reverb_decay %g / reverb_count %d: expected [0,1) / 0..64",
                            (double)s->reverb_decay, s->reverb_count);
    return SS_OK;
}

void ss_bmode_frame_free(ss_bmode_frame *f)
{
    if (!f) return;
    free(f->envelope);
    free(f->grey);
    free(f->line_angle_deg);
    free(f->line_x_mm);
    free(f->line_contact_mm);
    free(f->labels);
    free(f->work);
    free(f->noise);
    ss_image_free(&f->image);
    ss_scan_map_free(&f->map);
    *f = (ss_bmode_frame){0};
}

/* ------------------------------------------------------------------ volume access */

typedef struct ss__vol {
    const ss_volume *v;
    float inv_sp, ox, oy, oz;
} ss__vol;

/* The voxel nearest (x, y, z) (indices, not bounded). vec (a constant at each call):
 * floored with ss_ifloor, so that a loop of it vectorizes (the speckle's splat), or with
 * floorf, one instruction where a single lookup is made (the march); the same integers
 * either way. */
static inline void ss__voxel_of(const ss__vol *V, float x, float y, float z, bool vec, int ijk[3])
{
    const float f[3] = {(x - V->ox) * V->inv_sp + 0.5f, (y - V->oy) * V->inv_sp + 0.5f,
                        (z - V->oz) * V->inv_sp + 0.5f};
    for (int a = 0; a < 3; a++) ijk[a] = vec ? ss_ifloor(f[a]) : (int)floorf(f[a]);
}

/* Where the label of a point lies in the volume (SIZE_MAX outside: air). */
static inline size_t ss__label_offset(const ss__vol *V, const float p[3])
{
    const ss_volume *v = V->v;
    int q[3];
    ss__voxel_of(V, p[0], p[1], p[2], false, q);
    if ((unsigned)q[0] >= (unsigned)v->nx || (unsigned)q[1] >= (unsigned)v->ny || (unsigned)q[2] >= (unsigned)v->nz)
        return SIZE_MAX;
    return (size_t)q[0] + (size_t)v->nx * ((size_t)q[1] + (size_t)v->ny * (size_t)q[2]);
}

/* The same offset in 32 bits, -1 outside, without a branch (a loop of it vectorizes);
 * 32 bits are enough: a volume has at most 2e9 voxels (ss_volume_build). */
static inline int32_t ss__label_offset32(const ss__vol *V, float x, float y, float z)
{
    const ss_volume *v = V->v;
    int q[3];
    ss__voxel_of(V, x, y, z, true, q);
    const int in = ((unsigned)q[0] < (unsigned)v->nx) & ((unsigned)q[1] < (unsigned)v->ny) &
                   ((unsigned)q[2] < (unsigned)v->nz);
    return in ? q[0] + v->nx * (q[1] + v->ny * q[2]) : -1;
}

static inline int ss__label_at(const ss__vol *V, const float p[3])
{
    size_t o = ss__label_offset(V, p);
    return o == SIZE_MAX ? SS_TISSUE_AIR : V->v->labels[o];
}

/* steps whose positions and labels a march reads in one go while the ray runs straight
   (ss__march_run) */
#define SS__MARCH_RUN 16

/* The next n steps of a straight ray from p: the positions, added step by step exactly as
 * the march adds them (so the same floats), and their labels. The loads do not wait on
 * one another (nor on the branches of the march that uses them), so their cache misses
 * overlap: the march spent most of its time waiting on one label at a time. */
static inline void ss__march_run(const ss__vol *V, const float p[3], const float d[3], float st, int n,
                                 float q[][3], int lab[])
{
    float x = p[0], y = p[1], z = p[2];
    size_t off[SS__MARCH_RUN];
    for (int j = 0; j < n; j++) {
        x = x + st * d[0];
        y = y + st * d[1];
        z = z + st * d[2];
        q[j][0] = x;
        q[j][1] = y;
        q[j][2] = z;
        off[j] = ss__label_offset(V, q[j]);
    }
    for (int j = 0; j < n; j++) lab[j] = off[j] == SIZE_MAX ? SS_TISSUE_AIR : V->v->labels[off[j]];
}

/* A per-voxel quantity at offset o: hard_sdf in mm (field 0) or the impedance of the label
 * (field 1, table z); outside the volume (!in): far from hard / gel. */
static inline float ss__voxel_value(const ss_volume *v, int field, const float *z, bool in, size_t o)
{
    if (field == 0) return in ? (float)v->hard_sdf[o] * SS_VOLUME_SDF_UNIT_MM : SS_VOLUME_SDF_RANGE_MM;
    return z[in ? v->labels[o] : SS_TISSUE_AIR];
}

/* The trilinear weight of corner c (bits: +x, +y, +z) for the fractions f. */
static inline float ss__corner_weight(const float f[3], int c)
{
    return ((c & 1) ? f[0] : 1.f - f[0]) * (((c >> 1) & 1) ? f[1] : 1.f - f[1]) * (((c >> 2) & 1) ? f[2] : 1.f - f[2]);
}

/* Trilinear interpolation of a per-voxel quantity (ss__voxel_value) at p. It and the two
 * that call it (ss__normal, ss__crossing) are inlined into the march's clones (simd.h):
 * left out of line they were compiled once, for the baseline, whose floorf is a dozen
 * instructions; inlined, the AVX2 march floors in one, and the ten lookups of an
 * interface are scheduled with the march around them (same floats; frame 0.94-1.03 x,
 * median 0.96, in twelve rounds alternating with the build before). */
static SS_SIMD_INLINE float ss__trilinear(const ss__vol *V, const float p[3], int field, const float *z)
{
    const ss_volume *v = V->v;
    float g[3] = {(p[0] - V->ox) * V->inv_sp, (p[1] - V->oy) * V->inv_sp, (p[2] - V->oz) * V->inv_sp};
    int i0[3];
    float f[3];
    for (int a = 0; a < 3; a++) {
        i0[a] = (int)floorf(g[a]);
        f[a] = g[a] - (float)i0[a];
    }
    const int n[3] = {v->nx, v->ny, v->nz};
    const size_t sy = (size_t)n[0], sz = (size_t)n[0] * (size_t)n[1];
    float acc = 0.f;
    if ((unsigned)i0[0] < (unsigned)(n[0] - 1) && (unsigned)i0[1] < (unsigned)(n[1] - 1) &&
        (unsigned)i0[2] < (unsigned)(n[2] - 1)) {
        /* all eight corners inside (nearly always): offsets from the first, no bounds tests */
        const size_t o = (size_t)i0[0] + sy * (size_t)i0[1] + sz * (size_t)i0[2];
        for (int c = 0; c < 8; c++)
            acc += ss__corner_weight(f, c) *
                   ss__voxel_value(v, field, z, true, o + (size_t)(c & 1) + sy * (size_t)((c >> 1) & 1) +
                                                          sz * (size_t)((c >> 2) & 1));
        return acc;
    }
    for (int c = 0; c < 8; c++) {
        const int idx[3] = {i0[0] + (c & 1), i0[1] + ((c >> 1) & 1), i0[2] + ((c >> 2) & 1)};
        const bool in = (unsigned)idx[0] < (unsigned)n[0] && (unsigned)idx[1] < (unsigned)n[1] &&
                        (unsigned)idx[2] < (unsigned)n[2];
        const size_t o = in ? (size_t)idx[0] + sy * (size_t)idx[1] + sz * (size_t)idx[2] : 0;
        acc += ss__corner_weight(f, c) * ss__voxel_value(v, field, z, in, o);
    }
    return acc;
}

/* ------------------------------------------------------------------ render context */

enum { SS__CLASS_SOFT = SS_BMODE_CLASS_SOFT, SS__CLASS_BONE = SS_BMODE_CLASS_BONE, SS__CLASS_METAL = SS_BMODE_CLASS_METAL };

typedef struct ss__ctx {
    const ss_bmode_scene *scene;
    const ss_probe *probe;
    const ss_probe_pose *pose;
    const ss_bmode_settings *s;
    ss_bmode_frame *out;
    ss__vol vol;
    /* per label */
    float z_mrayl[256], c_m_s[256], att_half[256], p_occ[256], amp[256];
    int cls[256];
    /* geometry */
    float ds, inv_ds, depth, lambda, k2; /* k2 = 2 k0 = 4 pi / lambda (rad / mm) */
    float sigma_a, delta, inv_delta; /* axial pulse sigma, bin width */
    int m, spb, nbins, nsteps, nrays; /* m RF bins a sample, or one bin every spb samples */
    float ray_e[SS__MAX_RAYS], ray_w[SS__MAX_RAYS], ray_de;
    /* per step (depth (k + 0.5) ds) beam tables */
    float *inv2sl2, *inv2se2, *lim_l2, *lim_e2, *norm, *sig_l, *sig_e, *hat, *inv_hat, *noise_spk, *lat;
    /* per frame: complex RF per line (2 nbins floats: the real parts, then the imaginary
       parts), specular (and needle) echoes and the speckle splat */
    float *spec, *spk;
    float kernel[2 * SS__KERNEL_HALF + 2];
    int kernel_half;
    float dir_soft, dir_bone, dir_metal, dir_needle; /* 1 / sigma^2 in rad^-2 */
    float dir_needle_diffuse;
    float grazing_cos; /* cos SS_BMODE_GRAZING_DEG */
    float display_ref_db; /* envelope (dB) shown white at zero gain */
    float tau_floor;      /* speckle cull (ss_bmode_tau_floor) */
    const float *tex;     /* tissue_texture.h tables */
    int tex_kind[256];    /* per label: which table, -1 none (or textures off) */
    float press;          /* mm the probe is pressed in along its beam (ss__press) */
    float noise_rms, cell;
    float noise_bins;                    /* rms per bin of noise added after the lateral kernel */
    const float *noise_tab; /* 2 * SS_BMODE_NOISE_N: complex Gaussian, E|n|^2 = 1 (ss__consts) */
    int per_cell; /* scatterers drawn per lattice cell (1..4), see ss__ctx_init */
    float phase_scale;                   /* table entries per mm of axial position */
    const float *cos_tab, *sin_tab; /* SS__PHASE_N + 1 each (ss__consts) */
    const float *gauss_tab;         /* SS__GAUSS_N + 2: exp(-q) for q in [0, SS__GAUSS_QMAX] */
    float tgc_lin_db_per_mm;
    /* per frame, for phase 2 (ss__image_tables): the lateral kernel's weights by bin,
       latw[a * nbins + b] = w_a at bin b's depth (0 past that depth's J), a <= lat_jmax;
       and the TGC and gain (dB) per sample */
    float *latw, *gain_db;
    float *noise_scale;  /* per RF bin, the noise's scale (ss__add_noise): noise_spk at the bin's
                            depth step before the lateral kernel, noise_bins without one */
    float *noise;        /* the frame's noise rows (ss_bmode_frame.noise); NULL: no noise */
    bool noise_make;     /* the rows are made this frame, each line its own (ss__line_rf) */
    int lat_jmax;
    int latb[SS_BMODE_LAT_MAX + 1][2]; /* bins [lo, hi) where latw[a] is not 0 */
    const int32_t *sample_step; /* per sample, the march step at its depth (ss__line_labels) */
} ss__ctx;

/* A straight piece of the central ray: displayed depth a = a0 + sc * (path from A along d),
 * for a in [a0, a1). sc = 1, or 1 / stretch inside the layer the probe compresses. */
typedef struct ss__piece {
    float A[3], d[3], u[3], v[3];
    float a0, a1, sc;
} ss__piece;

/* An echo one elevation ray found: where, how strong (before the ray's weight), and of
 * which kind (the label pair of an interface, or SS__EV_REVERB for a metal ring-down). */
#define SS__MAX_EVENTS SS_BMODE_MAX_EVENTS
#define SS__EV_REVERB SS_BMODE_EV_REVERB
typedef struct ss__event {
    float a, echo;
    uint16_t key;
    uint16_t used;
} ss__event;

typedef struct ss__scratch {
    float *tau;   /* nrays * (nsteps + 1) */
    uint8_t *labs; /* nsteps + 1: the central ray's label at the start of each step */
    ss__event ev[SS__MAX_RAYS][SS__MAX_EVENTS];
    int nev[SS__MAX_RAYS];
    ss__piece pieces[SS__MAX_PIECES];
    int npieces;
    float a_cull; /* displayed depth past which every scatterer of the line is culled */
    long splats;  /* scatterers splatted by this share */
    long screened; /* scatterers its sweeps put through the screen (ss__batch_flush) */
    double speckle_ms; /* time this share spent in the speckle splat and its noise */
} ss__scratch;

static double ss__now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static inline void ss__deposit(const ss__ctx *C, float *bins, float a, float amp)
{
    if (a < 0.f) return;
    float x = a * C->inv_delta;
    int b = (int)x;
    if (b >= C->nbins - 1) return;
    float f = x - (float)b;
    /* phasor e^{-i 2 k0 a} from the table (phase quantized to 2 pi / SS__PHASE_N) */
    float pt = a * C->phase_scale;
    unsigned pi = (unsigned)(int64_t)(pt + 0.5f) & (SS__PHASE_N - 1);
    float re = amp * C->cos_tab[pi], im = amp * C->sin_tab[pi];
    float *bim = bins + C->nbins; /* a line's RF: nbins real parts, then nbins imaginary */
    bins[b] += (1.f - f) * re;
    bim[b] += (1.f - f) * im;
    bins[b + 1] += f * re;
    bim[b + 1] += f * im;
}

/* min and max of two floats that are not NaN, inlined: fminf/fmaxf are library calls in
 * this build (their NaN rules keep GCC from using minss/maxss), and the speckle's slab
 * loop and the march's interfaces call them hundreds of thousands of times a frame */
static inline float ss__minf(float a, float b) { return a < b ? a : b; }
static inline float ss__maxf(float a, float b) { return a > b ? a : b; }

/* x clamped to [lo, hi] (NaN gives lo). For table indices in loops meant to vectorize:
 * clamped as a float and then converted, the index feeds a vector gather, which GCC
 * does not make of the same clamp on an int (the integer is the same) */
static inline float ss__clampf(float x, float lo, float hi)
{
    x = x >= lo ? x : lo;
    return x <= hi ? x : hi;
}

static inline float ss__dot(const float a[3], const float b[3]) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

static inline void ss__normalize(float a[3])
{
    float n = sqrtf(ss__dot(a, a));
    if (n > 0.f)
        for (int i = 0; i < 3; i++) a[i] /= n;
}

static inline void ss__cross(const float a[3], const float b[3], float c[3])
{
    c[0] = a[1] * b[2] - a[2] * b[1];
    c[1] = a[2] * b[0] - a[0] * b[2];
    c[2] = a[0] * b[1] - a[1] * b[0];
}

static float ss__tau_at(const ss__ctx *C, const float *tau, float a)
{
    int k = (int)(a / C->ds);
    if (k < 0) k = 0;
    if (k > C->nsteps) k = C->nsteps;
    return tau[k];
}

/* Surface normal at p (not yet oriented). hard: gradient of hard_sdf; else of Z. */
static SS_SIMD_INLINE void ss__normal(const ss__ctx *C, const float p[3], bool hard, float n[3])
{
    float h = C->vol.v->spacing_mm * (hard ? 1.f : 1.5f);
    for (int a = 0; a < 3; a++) {
        float q1[3] = {p[0], p[1], p[2]}, q0[3] = {p[0], p[1], p[2]};
        q1[a] += h;
        q0[a] -= h;
        n[a] = ss__trilinear(&C->vol, q1, hard ? 0 : 1, C->z_mrayl) -
               ss__trilinear(&C->vol, q0, hard ? 0 : 1, C->z_mrayl);
    }
}

/* Where between p (t = 0) and p + step d (t = 1) the surface lies: the zero of f(t) =
 * field(p + t step d) - target (field 0: hard_sdf, 1: impedance), searched over t in [-1, 2]
 * (the nearest-voxel label can change up to half a voxel away from the surface), the
 * bracket nearest the step chosen; 0.5 when no bracket holds a sign change. Sub-voxel
 * positions keep surfaces smooth (no 0.5 mm staircase) and the elevation rays in phase. */
static SS_SIMD_INLINE float ss__crossing(const ss__ctx *C, const float p[3], const float d[3], float step, int field,
                                         float target)
{
    float f[4];
    for (int i = 0; i < 4; i++) {
        float t = (float)(i - 1) * step;
        float q[3] = {p[0] + t * d[0], p[1] + t * d[1], p[2] + t * d[2]};
        f[i] = ss__trilinear(&C->vol, q, field, C->z_mrayl) - target;
    }
    static const int order[3] = {1, 0, 2}; /* brackets [0,1], [-1,0], [1,2] */
    for (int o = 0; o < 3; o++) {
        int i = order[o];
        if ((f[i] > 0.f) != (f[i + 1] > 0.f) && f[i] != f[i + 1]) return (float)(i - 1) + f[i] / (f[i] - f[i + 1]);
    }
    return 0.5f;
}

static void ss__event_add(ss__scratch *S, int ray, float a, float echo, unsigned key)
{
    if (S->nev[ray] >= SS__MAX_EVENTS || !(echo > 0.f)) return;
    S->ev[ray][S->nev[ray]++] = (ss__event){a, echo, (uint16_t)key, 0};
}

/* The elevation rays' echoes into the line's RF. A real beam integrates a surface over
 * its slice coherently: an echo the central ray found is laid down once, at its depth,
 * weighted by the elevation rays that found the same interface within
 * SS_BMODE_EVENT_MATCH_MM of it (so voxel steps between the rays cannot cancel it);
 * echoes only an outer ray found (an edge inside the slice) go in at their own depth
 * with that ray's weight. */
static void ss__merge_events(const ss__ctx *C, ss__scratch *S, float *bins)
{
    const int c = C->nrays / 2;
    for (int i = 0; i < S->nev[c]; i++) {
        ss__event *e = &S->ev[c][i];
        float cov = C->ray_w[c];
        for (int r = 0; r < C->nrays; r++) {
            if (r == c) continue;
            int best = -1;
            float bd = SS_BMODE_EVENT_MATCH_MM;
            for (int k = 0; k < S->nev[r]; k++) {
                ss__event *o = &S->ev[r][k];
                float dd = fabsf(o->a - e->a);
                if (!o->used && o->key == e->key && dd <= bd) {
                    bd = dd;
                    best = k;
                }
            }
            if (best >= 0) {
                S->ev[r][best].used = 1;
                cov += C->ray_w[r];
            }
        }
        ss__deposit(C, bins, e->a, e->echo * cov);
    }
    for (int r = 0; r < C->nrays; r++) {
        if (r == c) continue;
        for (int k = 0; k < S->nev[r]; k++)
            if (!S->ev[r][k].used) ss__deposit(C, bins, S->ev[r][k].a, S->ev[r][k].echo * C->ray_w[r]);
    }
}

/* March one ray. Fills tau[0..nsteps] (tau[k]: two-way amplitude factor for depths
 * in [k ds, (k+1) ds)), records its interface echoes as events of ray `ray` (merged into
 * the RF by ss__merge_events), records straight pieces and labels when `record`. The
 * first k_stretch steps each cover `stretch` times ds of tissue (the layer the probe
 * compresses, ss__line_rf). */
SS_SIMD_CLONES static void ss__march_ray(const ss__ctx *C, const float O[3], const float D[3], const float U[3],
                          const float Vv[3], int ray, float *tau, ss__scratch *S, bool record, float stretch,
                          int k_stretch)
{
    const ss_bmode_settings *s = C->s;
    float p[3] = {O[0], O[1], O[2]}, d[3] = {D[0], D[1], D[2]}, u[3] = {U[0], U[1], U[2]},
          v[3] = {Vv[0], Vv[1], Vv[2]};
    float t = 1.f;
    S->nev[ray] = 0;
    int lab = ss__label_at(&C->vol, p);
    float metal_in_a = -1.f, metal_amp = 0.f;
    /* once the beam has gone into bone it comes back incoherent: the trabeculae and the
       bone's uneven thickness across the beam scramble its phase front, so the interfaces
       behind (the far cortex, the canal, the vertebral body) return no specular echo; only
       the near surface of bone shows (REFERENCE 7). Diffuse echoes behind it keep the
       (tiny) transmitted power. */
    bool through_bone = false;
    if (record) {
        S->npieces = 1;
        ss__piece *pc = &S->pieces[0];
        memcpy(pc->A, p, sizeof p);
        memcpy(pc->d, d, sizeof d);
        memcpy(pc->u, u, sizeof u);
        memcpy(pc->v, v, sizeof v);
        pc->a0 = 0.f;
        pc->a1 = C->depth + 4.f * C->sigma_a;
        pc->sc = 1.f / stretch;
    }
    const bool specular = !(s->flags & SS_BMODE_NO_SPECULAR);
    /* the run of steps ahead (ss__march_run): read while the ray goes straight on with
       the same step; a bend or the end of the compressed layer starts a new one */
    float run_q[SS__MARCH_RUN][3];
    int run_lab[SS__MARCH_RUN], run_i = 0, run_n = 0;
    int k;
    for (k = 0; k < C->nsteps; k++) {
        /* the steps of the run ahead that stay in the same tissue, in a loop of their own:
           nothing happens there but the transmission falling by the same factor a step
           (the same product, so the same floats, as the full step below makes of it) */
        if (run_i < run_n && run_lab[run_i] == lab) {
            const float f = C->att_half[lab] * C->att_half[lab];
            /* up to the end of the compressed layer (k_stretch, which the full step
               handles) while in it; stretch is 1 from that step on */
            const int kstop = stretch != 1.f ? k_stretch : C->nsteps;
            const bool may_stop = !record && through_bone;
            int j = run_i;
            bool stop = false;
            for (; j < run_n && run_lab[j] == lab && k < kstop; j++, k++) {
                if (may_stop && t < C->tau_floor) {
                    stop = true;
                    break;
                }
                tau[k] = t;
                if (record) S->labs[k] = (uint8_t)lab;
                t *= f;
            }
            if (j > run_i) memcpy(p, run_q[j - 1], sizeof p);
            run_i = j;
            if (stop || k >= C->nsteps) break;
        }
        /* an elevation ray that is not the central one (which carries the labels) has
           nothing left to give once it is behind bone and under the speckle cull: behind
           bone it records no echo, its transmission only falls, and scatterers under the
           floor are not splatted (ss__cull_depth); the rest of its tau is the floor's
           side of it, which is all the cull and the splat read */
        if (!record && through_bone && t < C->tau_floor) break;
        tau[k] = t;
        if (record) S->labs[k] = (uint8_t)lab;
        float a = (float)k * C->ds;
        if (k == k_stretch && stretch != 1.f) {
            stretch = 1.f; /* out of the compressed layer */
            run_i = run_n = 0;
            if (record && S->npieces < SS__MAX_PIECES) {
                S->pieces[S->npieces - 1].a1 = a;
                ss__piece *np = &S->pieces[S->npieces++];
                memcpy(np->A, p, sizeof p);
                memcpy(np->d, d, sizeof d);
                memcpy(np->u, u, sizeof u);
                memcpy(np->v, v, sizeof v);
                np->a0 = a;
                np->a1 = C->depth + 4.f * C->sigma_a;
                np->sc = 1.f;
            }
        }
        const float st = C->ds * stretch; /* path covered by this step */
        if (run_i == run_n) {
            run_n = C->nsteps - k < SS__MARCH_RUN ? C->nsteps - k : SS__MARCH_RUN;
            run_i = 0;
            ss__march_run(&C->vol, p, d, st, run_n, run_q, run_lab);
        }
        float q[3] = {run_q[run_i][0], run_q[run_i][1], run_q[run_i][2]};
        int nl = run_lab[run_i++];
        t *= C->att_half[lab] * C->att_half[nl];
        if (nl != lab && (C->z_mrayl[nl] != C->z_mrayl[lab] || C->c_m_s[nl] != C->c_m_s[lab])) {
            bool hard = C->cls[nl] != SS__CLASS_SOFT || C->cls[lab] != SS__CLASS_SOFT;
            /* hard: the zero of the distance to bone/metal; soft: where the trilinear
               impedance passes halfway between the two tissues */
            float fcross = hard ? ss__crossing(C, p, d, st, 0, 0.f)
                                : ss__crossing(C, p, d, st, 1, 0.5f * (C->z_mrayl[lab] + C->z_mrayl[nl]));
            float ac = a + fcross * C->ds; /* the echo's depth */
            /* the ray bends within this step (a surface found just outside it would make the
               next step re-enter the tissue it left) */
            fcross = ss__minf(ss__maxf(fcross, 0.f), 1.f);
            float pc[3] = {p[0] + fcross * st * d[0], p[1] + fcross * st * d[1], p[2] + fcross * st * d[2]};
            float n[3];
            ss__normal(C, pc, hard, n);
            float nn = sqrtf(ss__dot(n, n));
            if (nn < 1e-6f) {
                n[0] = -d[0];
                n[1] = -d[1];
                n[2] = -d[2];
            } else {
                for (int i = 0; i < 3; i++) n[i] /= nn;
                if (ss__dot(n, d) > 0.f)
                    for (int i = 0; i < 3; i++) n[i] = -n[i];
            }
            float cosi = -ss__dot(n, d);
            if (cosi > 1.f) cosi = 1.f;
            if (!hard && cosi < C->grazing_cos) {
                /* a soft surface running along the beam: the ray model has no business
                   bending or dimming a beam of finite width that straddles it (voxel steps
                   would make the ray cross it again and again); nothing happens */
                lab = nl;
                memcpy(p, q, sizeof p);
                continue;
            }
            float sini = sqrtf(ss__maxf(1.f - cosi * cosi, 0.f)); /* NaN -> 0, as fmaxf */
            float z1 = C->z_mrayl[lab], z2 = C->z_mrayl[nl];
            float eta = C->c_m_s[nl] / C->c_m_s[lab];
            float sint = eta * sini, R, T, cost = 0.f;
            if (sint >= 1.f) {
                R = 1.f;
                T = 0.f;
            } else {
                cost = sqrtf(1.f - sint * sint);
                float r = (z2 * cosi - z1 * cost) / (z2 * cosi + z1 * cost);
                R = r * r;
                T = 1.f - R;
            }
            int cl = C->cls[nl] > C->cls[lab] ? C->cls[nl] : C->cls[lab];
            float inv = cl == SS__CLASS_METAL ? C->dir_metal : cl == SS__CLASS_BONE ? C->dir_bone : C->dir_soft;
            float th = acosf(cosi);
            float echo = sqrtf(R) * expf(-th * th * inv) * t;
            if (specular && !through_bone) ss__event_add(S, ray, ac, echo, (unsigned)lab << 8 | (unsigned)nl);
            through_bone = through_bone || C->cls[nl] == SS__CLASS_BONE;
            /* metal ring-down: entering metal remembers the front echo; leaving it
             * lays down the repeats at the internal round trip, shifted to where the
             * scanner (c0) puts them */
            if (C->cls[nl] == SS__CLASS_METAL && C->cls[lab] != SS__CLASS_METAL) {
                metal_in_a = ac;
                metal_amp = echo;
            } else if (C->cls[lab] == SS__CLASS_METAL && C->cls[nl] != SS__CLASS_METAL && metal_in_a >= 0.f) {
                float step = (ac - metal_in_a) * SS_PROBE_C0_M_S / C->c_m_s[lab];
                float amp = metal_amp;
                if (specular && !through_bone && step > 0.2f)
                    for (int r = 1; r <= s->reverb_count; r++) {
                        amp *= s->reverb_decay;
                        ss__event_add(S, ray, metal_in_a + (float)r * step, amp, SS__EV_REVERB);
                    }
                metal_in_a = -1.f;
            }
            t *= T;
            if (T <= 0.f) {
                lab = nl;
                memcpy(p, q, sizeof p);
                k++;
                break;
            }
            /* refraction in soft tissue only: what enters bone or metal is lost in its
               shadow (70 dB/cm in cortex at 3.5 MHz), and bending the ray there would only
               scramble the label map (and the anatomy overlay) behind it */
            /* The bend is taken in the image plane: the surface normal's component across
               the plane (along v) is dropped. A ray stands for a slice a few millimetres
               thick; bending it across the plane at a curved wall (the sac's side, seen from
               the near-spinous plane) would swing the whole slice into the wall and fill the
               sac with its speckle, which the real beam, refracted differently across its
               width, does not do. The echo above used the full normal. */
            float np_[3], ci = 0.f, ct = 0.f;
            bool bend = !(s->flags & SS_BMODE_NO_REFRACTION) && !hard && eta != 1.f && cosi < 0.99999f;
            if (bend) {
                float nv = ss__dot(n, v);
                for (int i = 0; i < 3; i++) np_[i] = n[i] - nv * v[i];
                float nn2 = sqrtf(ss__dot(np_, np_));
                bend = nn2 > 1e-3f;
                if (bend) {
                    for (int i = 0; i < 3; i++) np_[i] /= nn2;
                    ci = -ss__dot(np_, d);
                    float st2 = eta * eta * (1.f - ci * ci);
                    /* past the critical angle in the plane: the ray goes on (the energy loss
                       was already taken with the full normal) */
                    bend = ci > 0.f && st2 < 1.f && ci < 0.99999f;
                    if (bend) ct = sqrtf(1.f - st2);
                }
            }
            if (bend) {
                float nd[3];
                for (int i = 0; i < 3; i++) nd[i] = eta * d[i] + (eta * ci - ct) * np_[i];
                ss__normalize(nd);
                float vd = ss__dot(v, nd);
                for (int i = 0; i < 3; i++) v[i] -= vd * nd[i];
                ss__normalize(v);
                ss__cross(nd, v, u);
                memcpy(d, nd, sizeof d);
                float rest = (1.f - fcross) * st;
                for (int i = 0; i < 3; i++) q[i] = pc[i] + rest * d[i];
                run_i = run_n = 0; /* the run ahead went the old way */
                if (record && S->npieces < SS__MAX_PIECES) {
                    S->pieces[S->npieces - 1].a1 = a + fcross * C->ds;
                    ss__piece *np = &S->pieces[S->npieces++];
                    memcpy(np->A, pc, sizeof pc);
                    memcpy(np->d, d, sizeof d);
                    memcpy(np->u, u, sizeof u);
                    memcpy(np->v, v, sizeof v);
                    np->a0 = a + fcross * C->ds;
                    np->a1 = C->depth + 4.f * C->sigma_a;
                    np->sc = 1.f / stretch;
                }
            }
        }
        lab = nl;
        memcpy(p, q, sizeof p);
    }
    if (record) {
        /* past the end of the ray (total reflection) the labels go on straight, read a
           run at a time (a run stays inside or outside the compressed layer) */
        S->labs[k] = (uint8_t)lab;
        for (int kk = k; kk < C->nsteps;) {
            const float st = C->ds * (kk < k_stretch ? stretch : 1.f);
            int n = C->nsteps - kk < SS__MARCH_RUN ? C->nsteps - kk : SS__MARCH_RUN;
            if (kk < k_stretch && k_stretch - kk < n) n = k_stretch - kk;
            ss__march_run(&C->vol, p, d, st, n, run_q, run_lab);
            for (int j = 0; j < n; j++) S->labs[kk + 1 + j] = (uint8_t)run_lab[j];
            memcpy(p, run_q[n - 1], sizeof p);
            kk += n;
        }
    }
    for (; k <= C->nsteps; k++) tau[k] = t;
}

/* Closest points of segments p0 + s (p1 - p0) and q0 + t (q1 - q0), s, t in [0,1]. */
static void ss__segment_closest(const float p0[3], const float p1[3], const float q0[3], const float q1[3],
                                float *s_out, float *t_out)
{
    float d1[3], d2[3], r[3];
    for (int i = 0; i < 3; i++) {
        d1[i] = p1[i] - p0[i];
        d2[i] = q1[i] - q0[i];
        r[i] = p0[i] - q0[i];
    }
    float a = ss__dot(d1, d1), e = ss__dot(d2, d2), f = ss__dot(d2, r);
    float c = ss__dot(d1, r), b = ss__dot(d1, d2);
    float den = a * e - b * b, s, t;
    s = den > 1e-9f * a * e ? (b * f - c * e) / den : 0.f;
    s = fminf(1.f, fmaxf(0.f, s));
    t = (b * s + f) / e;
    if (t < 0.f) {
        t = 0.f;
        s = fminf(1.f, fmaxf(0.f, -c / a));
    } else if (t > 1.f) {
        t = 1.f;
        s = fminf(1.f, fmaxf(0.f, (b - c) / a));
    }
    *s_out = s;
    *t_out = t;
}

/* The march step (beam-table row) of displayed depth a, clamped to the table. Clamped as
 * a float (ss__clampf), so that a loop of it vectorizes (ss__speckle_piece's slab bounds);
 * the integers are those of truncating and then clamping. */
static inline int ss__step_index(const ss__ctx *C, float a)
{
    return (int)ss__clampf(a / C->ds, 0.f, (float)(C->nsteps - 1));
}

/* The needle against the central ray's pieces: shaft echo, tip echo, reverberation,
 * shadow on every elevation ray's tau. */
static void ss__needle(const ss__ctx *C, ss__scratch *S, float *bins)
{
    const ss_needle_geom *N = C->scene->needle;
    const ss_bmode_settings *s = C->s;
    float n[3] = {N->dir[0], N->dir[1], N->dir[2]};
    ss__normalize(n);
    float r = 0.5f * N->outer_diameter_mm;
    float hub[3] = {N->tip_mm[0] - N->length_mm * n[0], N->tip_mm[1] - N->length_mm * n[1],
                    N->tip_mm[2] - N->length_mm * n[2]};
    const bool specular = !(s->flags & SS_BMODE_NO_SPECULAR);
    /* shaft: global closest approach over the pieces */
    float best = 1e30f, best_a = 0.f, best_w[3] = {0, 0, 0};
    int best_p = -1;
    float tip_best = 1e30f, tip_a = 0.f, tip_w[3] = {0, 0, 0};
    int tip_p = -1;
    for (int i = 0; i < S->npieces; i++) {
        const ss__piece *P = &S->pieces[i];
        float a1 = fminf(P->a1, C->depth);
        if (a1 <= P->a0) continue;
        const float len = (a1 - P->a0) / P->sc; /* path length of the piece */
        float p1[3];
        for (int j = 0; j < 3; j++) p1[j] = P->A[j] + len * P->d[j];
        float sp, tq;
        ss__segment_closest(P->A, p1, N->tip_mm, hub, &sp, &tq);
        float a = P->a0 + sp * (a1 - P->a0), w[3];
        for (int j = 0; j < 3; j++) w[j] = N->tip_mm[j] + tq * (hub[j] - N->tip_mm[j]) - (P->A[j] + sp * len * P->d[j]);
        float dist = ss__dot(w, w);
        if (dist < best) {
            best = dist;
            best_a = a;
            best_p = i;
            memcpy(best_w, w, sizeof w);
        }
        float rel[3] = {N->tip_mm[0] - P->A[0], N->tip_mm[1] - P->A[1], N->tip_mm[2] - P->A[2]};
        float at = ss__dot(rel, P->d);
        if (at < 0.f) at = 0.f;
        if (at > len) at = len;
        float wt[3];
        for (int j = 0; j < 3; j++) wt[j] = rel[j] - at * P->d[j];
        float dt = ss__dot(wt, wt);
        if (dt < tip_best) {
            tip_best = dt;
            tip_a = P->a0 + at * P->sc;
            tip_p = i;
            memcpy(tip_w, wt, sizeof wt);
        }
    }
    float *tau0 = S->tau + (size_t)(C->nrays / 2) * (size_t)(C->nsteps + 1);
    if (best_p >= 0) {
        const ss__piece *P = &S->pieces[best_p];
        int k = ss__step_index(C, best_a);
        float l = ss__dot(best_w, P->u), e = ss__dot(best_w, P->v);
        /* the shaft crosses the beam's (l, e) cross-section as a strip of width 2r
         * along the needle's projected direction; echo and shadow take the part of the
         * two-way amplitude (echo) and intensity (shadow) profiles the strip covers */
        float nl = ss__dot(n, P->u), ne = ss__dot(n, P->v), nrm = sqrtf(nl * nl + ne * ne);
        float nu_l = 1.f, nu_e = 0.f, al_l = 0.f, al_e = 0.f;
        if (nrm > 1e-3f) {
            nu_l = -ne / nrm;
            nu_e = nl / nrm;
            al_l = nl / nrm;
            al_e = ne / nrm;
        } else if (l * l + e * e > 1e-12f) {
            float wn = sqrtf(l * l + e * e);
            nu_l = l / wn;
            nu_e = e / wn;
        }
        float rho = l * nu_l + e * nu_e, along = l * al_l + e * al_e;
        float sl = C->sig_l[k], se = C->sig_e[k];
        float Sa = sqrtf(sl * sl * nu_l * nu_l + se * se * nu_e * nu_e);
        float Sb = sqrtf(sl * sl * al_l * al_l + se * se * al_e * al_e);
        float amp_frac = 0.5f * (erff((rho + r) / (1.41421356f * Sa)) - erff((rho - r) / (1.41421356f * Sa)));
        float int_frac = 0.5f * (erff((rho + r) / Sa) - erff((rho - r) / Sa));
        float end = Sb > 0.f ? expf(-along * along / (2.f * Sb * Sb)) : 1.f; /* past tip or hub */
        float W = amp_frac * end;
        if (W > 1e-4f) {
            float dn[3];
            ss__cross(P->d, n, dn);
            float sinphi = fmaxf(sqrtf(ss__dot(dn, dn)), 0.05f); /* angle beam-axis */
            float theta = acosf(fminf(1.f, sinphi));               /* beam to surface normal */
            float zs = ss_tissue_impedance_mrayl(SS_TISSUE_STEEL), zt = C->z_mrayl[SS_TISSUE_MUSCLE];
            float rr = (zs - zt) / (zs + zt), R = rr * rr;
            float dist = sqrtf(best);
            float half = dist < r ? sqrtf(r * r - dist * dist) / sinphi : 0.f;
            float af = best_a - half;
            /* specular lobe of the smooth shaft, plus the weak, broad scatter of its real
             * surface (machining marks, the stylet inside): a steep needle stays a faint
             * line instead of vanishing, as on a scanner; only the specular part rings */
            float tau_af = ss__tau_at(C, tau0, af);
            float echo = sqrtf(R) * expf(-theta * theta * C->dir_needle) * W * tau_af;
            float diffuse = sqrtf(R) * s->needle_diffuse_amplitude * expf(-theta * theta * C->dir_needle_diffuse) * W * tau_af;
            if (specular && echo + diffuse > 0.f) {
                ss__deposit(C, bins, af, echo + diffuse);
                /* ring-down in the cannula: all of the specular echo, and the part of the
                   rough-surface echo that enters the lumen (half, a modelling choice) */
                float step = 2.f * r / sinphi, amp = echo + 0.5f * diffuse;
                for (int j = 1; j <= s->reverb_count; j++) {
                    amp *= s->reverb_decay;
                    ss__deposit(C, bins, af + (float)j * step, amp);
                }
            }
            /* shadow: the part of the beam the shaft covers loses (1 - (1-R)^2) */
            float block = int_frac * end * (1.f - (1.f - R) * (1.f - R));
            int k0 = ss__step_index(C, af + 2.f * r / sinphi);
            for (int ry = 0; ry < C->nrays; ry++) {
                float *tr = S->tau + (size_t)ry * (size_t)(C->nsteps + 1);
                for (int kk = k0; kk <= C->nsteps; kk++) tr[kk] *= 1.f - block;
            }
        }
    }
    if (tip_p >= 0 && specular) {
        const ss__piece *P = &S->pieces[tip_p];
        int k = ss__step_index(C, tip_a);
        float l = ss__dot(tip_w, P->u), e = ss__dot(tip_w, P->v);
        float W = expf(-l * l * C->inv2sl2[k] - e * e * C->inv2se2[k]);
        if (W > 1e-4f && tip_a < C->depth)
            ss__deposit(C, bins, tip_a, s->needle_tip_amplitude * W * ss__tau_at(C, tau0, tip_a));
    }
}

/* World-fixed scatterers in the two-sigma tube around one straight piece. The lattice
 * is swept slab by slab along the world axis most aligned with the piece; in each slab
 * the tube's cross-section bounds the two other axes. The slab's cells go through in
 * batches of SS__BATCH: a branch-free pass over the batch (plain loops over arrays, which
 * the compiler vectorizes) hashes each cell's scatterers and keeps those inside the
 * piece's depth range and within the piece's widest lateral and elevation tube; the
 * exact per-depth tests, the tissue and the splat then run on those alone, in the order
 * of the cells, so that the sums, and the image, are the same bit for bit as testing
 * each cell in turn (about half the cells fail, mostly on the lateral bound: the tube is
 * about one line spacing wide and a cell 0.625 mm). */
#define SS__BATCH 256
#define SS__SLABS 16 /* slabs whose bounds are worked out together (ss__speckle_piece) */

typedef struct ss__batch {
    int32_t ix[SS__BATCH], iy[SS__BATCH], iz[SS__BATCH], sk[SS__BATCH];
    uint32_t hs[SS__BATCH];
    float px[SS__BATCH], py[SS__BATCH], pz[SS__BATCH], a[SS__BATCH], l[SS__BATCH], e[SS__BATCH];
    int32_t keep[SS__BATCH];
    int n;
} ss__batch;

/* The tube bounds of a piece for the branch-free pass. */
typedef struct ss__tube {
    float A[3], d[3], u[3], v[3];
    float a0, a1, sc, l2max, e2max, h;
    uint32_t seed;
} ss__tube;

/* The branch-free pass: hash, position, depth, lateral and elevation offsets, and
 * whether the scatterer can be in the tube. multi: cells may have several scatterers
 * (sk > 0; a constant at each call, so the compiler drops the other branch). */
static inline void ss__batch_screen(const ss__tube *T, ss__batch *B, bool multi)
{
    const float q = 1.f / 1024.f, h = T->h;
    const int n = B->n;
    for (int t = 0; t < n; t++) {
        uint32_t h0 = ss_scatter_hash(T->seed, B->ix[t], B->iy[t], B->iz[t]);
        uint32_t hs = multi && B->sk[t] ? ss_scatter_nth(h0, B->sk[t]) : h0;
        /* ss_scatter_position, written out so that the loop vectorizes */
        float px = h * ((float)B->ix[t] + ((float)(hs & 1023u) + 0.5f) * q);
        float py = h * ((float)B->iy[t] + ((float)((hs >> 10) & 1023u) + 0.5f) * q);
        float pz = h * ((float)B->iz[t] + ((float)((hs >> 20) & 1023u) + 0.5f) * q);
        float r0 = px - T->A[0], r1 = py - T->A[1], r2 = pz - T->A[2];
        float a = T->a0 + T->sc * (r0 * T->d[0] + r1 * T->d[1] + r2 * T->d[2]);
        float l = r0 * T->u[0] + r1 * T->u[1] + r2 * T->u[2];
        float e = r0 * T->v[0] + r1 * T->v[1] + r2 * T->v[2];
        B->hs[t] = hs;
        B->px[t] = px;
        B->py[t] = py;
        B->pz[t] = pz;
        B->a[t] = a;
        B->l[t] = l;
        B->e[t] = e;
        B->keep[t] = (a >= T->a0) & (a < T->a1) & (l * l < T->l2max) & (e * e <= T->e2max);
    }
}

/* The exact tests and the splat, for the scatterers the screen kept, in batch order.
 * The exact per-depth tube tests and the ray's transmission for the whole batch, then,
 * for those kept, the label's address and the hash's draws, with every label prefetched
 * before the first is read, so that the random reads into the tissue volume (tens of MB)
 * are in flight together instead of one miss at a time; then one pass in batch order
 * reads the label, tests the tissue's occupancy and deposits the weight (so the sums, and
 * the image, are bit for bit those of testing each cell in turn). The texture's cell is
 * read there without a prefetch: consecutive scatterers are neighbours, and the tables'
 * lines they read are mostly in cache (prefetching both tables' cells with the labels
 * changed nothing). */
SS_SIMD_CLONES static void ss__batch_splat(const ss__ctx *C, ss__scratch *S, ss__batch *B, float *bins)
{
    const int ncen = C->nrays / 2, ns1 = C->nsteps + 1;
    const float inv_de = C->ray_de > 0.f ? 1.f / C->ray_de : 0.f;
    const uint8_t *labels = C->vol.v->labels;
    int idx[SS__BATCH], n1 = 0;
    int32_t off[SS__BATCH];
    uint32_t tix[SS__BATCH];
    float occ[SS__BATCH], au_kept[SS__BATCH];
    /* the exact tube tests and the ray's transmission (culled under the floor), for the
       whole batch in one branch-free pass (vector gathers of the per-depth limits and of
       tau); then the kept are gathered up: a scatterer's index is written every time and
       the count advances only for those kept, so that no branch waits on a coin toss (its
       step and transmission are read back through the index: one store a cell here) */
    const float inv_ds = C->inv_ds, tau_floor = C->tau_floor;
    const int nsteps = C->nsteps, n = B->n;
    const float ry_lo = (float)-ncen, ry_hi = (float)(C->nrays - 1 - ncen), k_hi = (float)(nsteps - 1);
    const float *lim_l2 = C->lim_l2, *lim_e2 = C->lim_e2, *tau = S->tau;
    int kb[SS__BATCH], okb[SS__BATCH];
    float tb[SS__BATCH];
    for (int t = 0; t < n; t++) {
        const float a = B->a[t], l = B->l[t], e = B->e[t];
        /* the step (clamped to the table) and the nearest elevation ray (clamped to the
           outermost), as floats (ss__clampf) so that the table reads vectorize */
        const float fk = a * inv_ds;
        const int k = (int)fk, kc = (int)ss__clampf(fk, 0.f, k_hi);
        const int ry = ncen + (int)ss__clampf(rintf(e * inv_de), ry_lo, ry_hi);
        float tt = tau[ry * ns1 + kc];
        okb[t] = B->keep[t] & (k < nsteps) & (l * l < lim_l2[kc]) & (e * e <= lim_e2[kc]) & (tt > 0.f) &
                 (tt >= tau_floor);
        kb[t] = kc;
        tb[t] = tt;
    }
    for (int t = 0; t < n; t++) {
        idx[n1] = t;
        n1 += okb[t];
    }
    /* for the kept, in loops the compiler vectorizes (gathers of their positions and
       hashes): the label's offset, the two draws of the second hash (occupancy and unit
       amplitude) and the texture cell; then the labels prefetched */
    for (int i = 0; i < n1; i++) {
        const int t = idx[i];
        off[i] = ss__label_offset32(&C->vol, B->px[t], B->py[t], B->pz[t]);
        ss_scatter_draws(ss_scatter_rehash(B->hs[t]), &occ[i], &au_kept[i]);
        const float pos[3] = {B->px[t], B->py[t], B->pz[t]};
        tix[i] = ss_texture_index(pos);
    }
    for (int i = 0; i < n1; i++)
        if (off[i] >= 0) __builtin_prefetch(labels + off[i]);
    /* the label and the tissue's occupancy (nine in ten pass it: the branch is taken the
       same way nearly every time), then the weight and the deposit */
    long splats = 0;
    for (int i = 0; i < n1; i++) {
        const int t = idx[i], lb = off[i] < 0 ? SS_TISSUE_AIR : labels[off[i]];
        if (!((C->amp[lb] > 0.f) & (occ[i] < C->p_occ[lb]))) continue;
        splats++;
        const int k = kb[t];
        const float a = B->a[t], l = B->l[t], e = B->e[t];
        /* elevation profile x lateral hat (the lateral Gaussian comes later, as a kernel
           across lines: ss__line_image) */
        float qq = e * e * C->inv2se2[k] * ((float)SS__GAUSS_N / SS__GAUSS_QMAX);
        int qi = (int)qq;
        float qf = qq - (float)qi;
        float gw = (1.f - qf) * C->gauss_tab[qi] + qf * C->gauss_tab[qi + 1];
        float hw = 1.f - fabsf(l) * C->inv_hat[k];
        float amp = C->amp[lb];
        if (C->tex_kind[lb] >= 0) amp *= C->tex[(size_t)C->tex_kind[lb] * SS_TEXTURE_N * SS_TEXTURE_N + tix[i]];
        float w = amp * au_kept[i] * tb[t] * C->norm[k] * (gw * hw);
        ss__deposit(C, bins, a, w);
    }
    S->splats += splats;
    B->n = 0;
}

/* Cells i1 .. i1 + cells - 1 of row i2 of slab sl into the batch, per_cell scatterers each,
 * in the order the screen takes them. The slab runs along world axis m, a row's cells
 * along the other axis with the smallest memory stride (x before y before z) and the rows
 * along the last (ss__speckle_piece). One loop for each axis order, its destinations
 * fixed: with one scatterer a cell (the common case) a row is a few vector stores
 * instead of four scalar stores a cell through pointers picked at run time. */
static inline void ss__batch_row(ss__batch *B, int m, int sl, int i1, int i2, int cells, int per_cell)
{
    const int n = B->n;
    int32_t *ix = B->ix + n, *iy = B->iy + n, *iz = B->iz + n, *sk = B->sk + n;
    if (per_cell == 1) {
        /* sk is not read with one scatterer a cell (ss__batch_screen, multi false) */
        if (m == 0)
            for (int c = 0; c < cells; c++) {
                ix[c] = sl;
                iy[c] = i1 + c;
                iz[c] = i2;
            }
        else if (m == 1)
            for (int c = 0; c < cells; c++) {
                ix[c] = i1 + c;
                iy[c] = sl;
                iz[c] = i2;
            }
        else
            for (int c = 0; c < cells; c++) {
                ix[c] = i1 + c;
                iy[c] = i2;
                iz[c] = sl;
            }
    } else {
        int32_t *pm = m == 0 ? ix : m == 1 ? iy : iz, *p1 = m == 0 ? iy : ix, *p2 = m == 2 ? iy : iz;
        for (int c = 0; c < cells; c++)
            for (int k = 0; k < per_cell; k++) {
                const int o = c * per_cell + k;
                pm[o] = sl;
                p1[o] = i1 + c;
                p2[o] = i2;
                sk[o] = k;
            }
    }
    B->n = n + cells * per_cell;
}

static inline void ss__batch_flush(const ss__ctx *C, ss__scratch *S, const ss__tube *T, ss__batch *B,
                                   float *bins)
{
    S->screened += B->n;
    if (C->per_cell > 1)
        ss__batch_screen(T, B, true);
    else
        ss__batch_screen(T, B, false);
    ss__batch_splat(C, S, B, bins);
}

/* The cells of a row that one strip of the tube can reach, narrowed into [*lo, *hi]. Along
 * the cells the strip is g + w1 x (x: the position along them relative to the piece's start
 * A1, g: what the slab and row axes add, between gmin and gmax over the row's cells), and it
 * holds |g + w1 x| <= sw; so x lies within (-sw - gmax) / w1 .. (sw - gmin) / w1 (swapped for
 * w1 < 0), widened by a margin far above the floats' rounding (1e-3 mm, and 1e-5 of the
 * distance from the origin) so that no cell the exact tests would keep is left out. */
static inline void ss__row_cells(float gmin, float gmax, float sw, float iw1, float A1, float inv_h, int *lo, int *hi)
{
    float x0 = (-sw - gmax) * iw1, x1 = (sw - gmin) * iw1;
    if (iw1 < 0.f) {
        const float t = x0;
        x0 = x1;
        x1 = t;
    }
    const float marg = SS_BMODE_ROW_MARGIN_MM + SS_BMODE_ROW_MARGIN_REL * fabsf(A1);
    /* clamped to the box's cells before the conversion (a strip far from the row gives an
       empty range, never an out-of-range int) */
    const float flo = (float)*lo, fhi = (float)*hi + 1.f;
    const int c0 = ss_ifloor(ss__clampf((A1 + x0 - marg) * inv_h, flo, fhi));
    const int c1 = ss_ifloor(ss__clampf((A1 + x1 + marg) * inv_h, flo - 1.f, fhi));
    if (c0 > *lo) *lo = c0;
    if (c1 < *hi) *hi = c1;
}

/* Cells i1lo .. i1hi of row i2 of slab sl into the batches, a row at a time, as many whole
 * cells as the batch has room for (where a batch ends changes nothing: the batches go
 * through in order, and each in order). */
static inline void ss__batch_cells(const ss__ctx *C, ss__scratch *S, const ss__tube *T, ss__batch *B, float *bins,
                                   int m, int sl, int i1lo, int i1hi, int i2)
{
    const int per_cell = C->per_cell;
    for (int i1 = i1lo; i1 <= i1hi;) {
        int cells = (SS__BATCH - B->n) / per_cell;
        if (cells > i1hi - i1 + 1) cells = i1hi - i1 + 1;
        ss__batch_row(B, m, sl, i1, i2, cells, per_cell);
        i1 += cells;
        if (B->n > SS__BATCH - per_cell) ss__batch_flush(C, S, T, B, bins);
    }
}

SS_SIMD_CLONES static void ss__speckle_piece(const ss__ctx *C, ss__scratch *S, const ss__piece *P, float *bins)
{
    const float h = C->cell;
    float a1 = ss__minf(ss__minf(P->a1, C->depth + 4.f * C->sigma_a), S->a_cull);
    if (a1 <= P->a0) return;
    int m = 0;
    for (int i = 1; i < 3; i++)
        if (fabsf(P->d[i]) > fabsf(P->d[m])) m = i;
    /* inner loop over the minor axis with the smallest memory stride (x before y before
     * z), so that consecutive cells read neighbouring voxels */
    int n1 = m == 0 ? 1 : 0, n2 = m == 2 ? 1 : 2;
    float dm = P->d[m];
    const float sc = P->sc, isc = 1.f / P->sc; /* displayed depth per mm of path, and back */
    int k0s = ss__step_index(C, P->a0), k1s = ss__step_index(C, a1);
    float wl = ss__maxf(C->hat[k0s], C->hat[k1s]), we = SS__TUBE_SIGMAS * ss__maxf(C->sig_e[k0s], C->sig_e[k1s]);
    float E = wl * fabsf(P->u[m]) + we * fabsf(P->v[m]);
    float Bm = P->A[m] + (a1 - P->a0) * isc * dm;
    float tlo = ss__minf(P->A[m], Bm) - E, thi = ss__maxf(P->A[m], Bm) + E;
    int slab0 = (int)floorf(tlo / h), slab1 = (int)floorf(thi / h);
    float r1 = P->d[n1] / dm, r2 = P->d[n2] / dm;
    float u1 = P->u[n1] - P->u[m] * r1, v1 = P->v[n1] - P->v[m] * r1;
    float u2 = P->u[n2] - P->u[m] * r2, v2 = P->v[n2] - P->v[m] * r2;
    /* the screen's bounds: the widest tube anywhere along the piece (every depth step a
       scatterer of the piece can fall in), so that it never drops one the exact test keeps */
    ss__tube T = {.a0 = P->a0, .a1 = a1, .sc = sc, .h = h, .seed = C->s->seed};
    memcpy(T.A, P->A, sizeof T.A);
    memcpy(T.d, P->d, sizeof T.d);
    memcpy(T.u, P->u, sizeof T.u);
    memcpy(T.v, P->v, sizeof T.v);
    int kend = (int)(a1 * C->inv_ds);
    if (kend > C->nsteps - 1) kend = C->nsteps - 1;
    for (int k = (int)(P->a0 * C->inv_ds); k <= kend; k++) {
        if (k < 0) continue;
        T.l2max = ss__maxf(T.l2max, C->lim_l2[k]);
        T.e2max = ss__maxf(T.e2max, C->lim_e2[k]);
    }
    ss__batch B;
    B.n = 0;
    const float au1 = fabsf(u1), av1 = fabsf(v1), au2 = fabsf(u2), av2 = fabsf(v2), Am = P->A[m], A1 = P->A[n1],
                A2 = P->A[n2], a0 = P->a0;
    const float *hat = C->hat, *sig_e = C->sig_e;
    /* Each row's own cells (ss__row_cells): the tube is the crossing of two strips, the
       lateral |l| <= swl (q = 0, across u) and the elevation |e| <= swe (q = 1, across v);
       where a strip runs slanted across the rows (the probe turned about its beam against
       the volume's axes, as it is on a rotated scoliotic spine) the slab's box holds up to
       three times the cells the strip can reach in any one row. wm, w2, iw1: the strip's
       direction along the slab axis and the row axis, and 1 over it along the cells; a strip
       nearly parallel to the cells (|w1| < SS_BMODE_ROW_MIN_W1) bounds nothing the box does not. */
    float wm[2], w2[2], iw1[2];
    bool strip[2];
    const float inv_h = 1.f / h, box = 2.f * (wl * fabsf(u1) + we * fabsf(v1)) + h * fabsf(r1);
    for (int q = 0; q < 2; q++) {
        const float *w = q == 0 ? P->u : P->v;
        wm[q] = w[m];
        w2[q] = w[n2];
        /* worth a row's own bounds only where they leave out a cell a row or more */
        const float row = (2.f * (q == 0 ? wl : we) + h * (fabsf(w[m]) + fabsf(w[n2]))) / fabsf(w[n1]);
        strip[q] = fabsf(w[n1]) >= SS_BMODE_ROW_MIN_W1 && row < box - h;
        iw1[q] = strip[q] ? 1.f / w[n1] : 0.f;
    }
    const bool by_row = strip[0] || strip[1];
    for (int s0 = slab0; s0 <= slab1; s0 += SS__SLABS) {
        const int nsl = slab1 - s0 + 1 < SS__SLABS ? slab1 - s0 + 1 : SS__SLABS;
        /* the cells of SS__SLABS slabs at a time, in one branch-free loop the compiler
           vectorizes (eight divisions a slab), then the rows of those the piece reaches */
        int lo1[SS__SLABS], hi1[SS__SLABS], lo2[SS__SLABS], hi2[SS__SLABS], in[SS__SLABS];
        float swq[SS__SLABS][2];
        for (int j = 0; j < nsl; j++) {
            const float t0 = (float)(s0 + j) * h, t1 = t0 + h;
            /* depth range of this slab inside the piece */
            const float aa = a0 + sc * (t0 - Am - E) / dm, ab = a0 + sc * (t1 - Am + E) / dm;
            const float alo = ss__maxf(a0, ss__minf(aa, ab)), ahi = ss__minf(a1, ss__maxf(aa, ab));
            const int ka = ss__step_index(C, alo), kb = ss__step_index(C, ahi);
            const float swl = ss__maxf(hat[ka], hat[kb]), swe = SS__TUBE_SIGMAS * ss__maxf(sig_e[ka], sig_e[kb]);
            const float ext1 = swl * au1 + swe * av1, ext2 = swl * au2 + swe * av2;
            swq[j][0] = swl;
            swq[j][1] = swe;
            const float c1a = A1 + (t0 - Am) * r1, c1b = A1 + (t1 - Am) * r1;
            const float c2a = A2 + (t0 - Am) * r2, c2b = A2 + (t1 - Am) * r2;
            lo1[j] = ss_ifloor((ss__minf(c1a, c1b) - ext1) / h);
            hi1[j] = ss_ifloor((ss__maxf(c1a, c1b) + ext1) / h);
            lo2[j] = ss_ifloor((ss__minf(c2a, c2b) - ext2) / h);
            hi2[j] = ss_ifloor((ss__maxf(c2a, c2b) + ext2) / h);
            in[j] = alo < ahi;
        }
        for (int j = 0; j < nsl; j++) {
            if (!in[j]) continue;
            const int sl = s0 + j;
            if (!by_row) {
                for (int i2 = lo2[j]; i2 <= hi2[j]; i2++)
                    ss__batch_cells(C, S, &T, &B, bins, m, sl, lo1[j], hi1[j], i2);
                continue;
            }
            /* the slab's span along its axis, relative to the piece's start, times each
               strip's direction along it */
            const float t0 = (float)sl * h - Am, t1 = t0 + h;
            float gt[2][2];
            for (int q = 0; q < 2; q++) {
                gt[q][0] = ss__minf(t0 * wm[q], t1 * wm[q]);
                gt[q][1] = ss__maxf(t0 * wm[q], t1 * wm[q]);
            }
            for (int i2 = lo2[j]; i2 <= hi2[j]; i2++) {
                int i1lo = lo1[j], i1hi = hi1[j];
                const float c2a = (float)i2 * h - A2, c2b = c2a + h;
                for (int q = 0; q < 2; q++)
                    if (strip[q])
                        ss__row_cells(gt[q][0] + ss__minf(c2a * w2[q], c2b * w2[q]),
                                      gt[q][1] + ss__maxf(c2a * w2[q], c2b * w2[q]), swq[j][q], iw1[q], A1, inv_h,
                                      &i1lo, &i1hi);
                ss__batch_cells(C, S, &T, &B, bins, m, sl, i1lo, i1hi, i2);
            }
        }
    }
    if (B.n) ss__batch_flush(C, S, &T, &B, bins);
}

/* Electronic noise, band-limited like the echoes: complex white Gaussian noise per RF bin
 * (a hash of seed, line and bin picks an entry of a table of Gaussian pairs), added before
 * the lateral kernel and the axial pulse so that it has the speckle's grain, scaled per
 * depth so that its rms after both is noise_rms. A line's values depend only on the seed,
 * the line and the bin: ss__noise_row makes them (real parts, then imaginary parts) into
 * the frame's rows once, and every frame after adds them from there (ss__add_noise), a
 * contiguous read instead of a hash and a table gather per bin. */
SS_SIMD_CLONES static void ss__noise_row(const ss__ctx *C, int line, float *row)
{
    const uint32_t seed = C->s->seed ^ 0xA5A5A5A5u;
    const int nb = C->nbins;
    for (int b = 0; b < nb; b++) {
        uint32_t h = ss_scatter_hash(seed, line, b, 0x7FFF) & (SS_BMODE_NOISE_N - 1);
        row[b] = C->noise_tab[2 * h];
        row[nb + b] = C->noise_tab[2 * h + 1];
    }
}

/* The line's noise into buf, scaled per bin (noise_scale). */
SS_SIMD_CLONES static void ss__add_noise(const ss__ctx *C, int line, float *buf)
{
    const int nb = C->nbins;
    const float *n = C->noise + (size_t)line * 2 * (size_t)nb, *sc = C->noise_scale;
    for (int b = 0; b < nb; b++) {
        buf[b] += sc[b] * n[b];
        buf[nb + b] += sc[b] * n[nb + b];
    }
}

/* Contact. The signed gap along a line from its element to the skin: > 0 above it (gel or
 * air, searched SS_BMODE_CONTACT_SEARCH_MM ahead; a larger value when no tissue is met),
 * < 0 when the element lies inside the tissue (the depth to the skin behind it). The skin
 * is where the line enters tissue it stays in for SS_BMODE_SKIN_SOLID_MM: a line grazing
 * the skin at the fan's edge clips single voxels of it before it goes in. */
static float ss__gap(const ss__ctx *C, const float O[3], const float D[3])
{
    const float step = 0.5f * C->ds;
    const int n = (int)(SS_BMODE_CONTACT_SEARCH_MM / step), solid = ss_bmode_skin_solid_steps(step);
    if (ss__label_at(&C->vol, O) == SS_TISSUE_AIR) {
        int first = 0; /* start of the run of tissue the line is in (0: in air) */
        for (int i = 1; i <= n; i++) {
            float sc = (float)i * step;
            float q[3] = {O[0] + sc * D[0], O[1] + sc * D[1], O[2] + sc * D[2]};
            if (ss__label_at(&C->vol, q) == SS_TISSUE_AIR) {
                first = 0;
                continue;
            }
            if (!first) first = i;
            if (i - first + 1 >= solid) return (float)first * step;
        }
        return first ? (float)first * step : 2.f * SS_BMODE_CONTACT_SEARCH_MM;
    }
    for (int i = 1; i <= n; i++) {
        float sc = (float)i * step;
        float q[3] = {O[0] - sc * D[0], O[1] - sc * D[1], O[2] - sc * D[2]};
        if (ss__label_at(&C->vol, q) == SS_TISSUE_AIR) return -(sc - 0.5f * step);
    }
    return -SS_BMODE_CONTACT_SEARCH_MM;
}

/* The lines whose contact sets the press: [*l0, *l1), the central share of the face. */
static void ss__press_lines(const ss_probe *pr, int *l0, int *l1)
{
    const int skip = (int)((1.f - SS_BMODE_CONTACT_SHARE) * 0.5f * (float)pr->lines);
    *l0 = skip;
    *l1 = pr->lines - skip;
}

/* How far line `line` must be pressed in to touch the skin (<= 0: it touches already).
 * The press is the largest of these over the press lines, at most SS_BMODE_PRESS_MAX_MM
 * (the largest is the same whatever the order the lines are taken in). */
static float ss__press_need(const ss__ctx *C, int line)
{
    float o2[2], d2[2];
    ss_probe_line_geometry(C->probe, line, o2, d2);
    float op[3] = {o2[0], o2[1], 0.f}, dp[3] = {d2[0], d2[1], 0.f}, O[3], D[3];
    ss_probe_pose_point_to_world(C->pose, op, O);
    ss_probe_pose_dir_to_world(C->pose, dp, D);
    /* pressing by P along the beam brings an element P closer to a skin facing the
       probe, measured along the beam: its gap along its own line times cos a */
    return ss__gap(C, O, D) * d2[1];
}

/* How far the sonographer presses the probe in along its beam: until the central
 * SS_BMODE_CONTACT_SHARE of the face touches the skin, at most SS_BMODE_PRESS_MAX_MM;
 * never pulled out. (A frame takes its press lines on its threads: ss__share, mode 4.) */
static float ss__press(const ss__ctx *C)
{
    if (C->s->flags & SS_BMODE_NO_CONTACT) return 0.f;
    float need = 0.f;
    int l0, l1;
    ss__press_lines(C->probe, &l0, &l1);
    for (int line = l0; line < l1; line++) need = ss__maxf(ss__press_need(C, line), need);
    return ss__minf(need, SS_BMODE_PRESS_MAX_MM);
}

/* The samples [j0, j1) of a straight piece that can lie inside the needle's shaft (a
 * cylinder of radius r around the segment from the tip back along -n for the length L):
 * the piece's points are A + s d at path s = (a - a0) / sc; their squared distance to
 * the needle's axis is a quadratic in s and their position along it linear, so the
 * candidates are one interval, found in double with a slack (r^2 + 1 %, 0.01 mm along, two
 * samples each side) so that every sample outside it fails the per-sample test by a wide
 * margin; the per-sample test still decides each sample inside. */
static void ss__shaft_samples(const ss__piece *P, const float tip[3], const float n[3], float r2, float len,
                              float dz, int *j0, int *j1)
{
    double w0[3], dd = 0, wd = 0, ww = 0, al = 0, be = 0;
    for (int i = 0; i < 3; i++) {
        w0[i] = (double)P->A[i] - tip[i];
        dd += (double)P->d[i] * P->d[i];
        wd += w0[i] * P->d[i];
        ww += w0[i] * w0[i];
        al += w0[i] * n[i];
        be += (double)P->d[i] * n[i];
    }
    /* [lo, hi]: the path interval; an empty one (lo > hi) as soon as a condition fails */
    double lo = -INFINITY, hi = INFINITY;
    const double R2 = 1.01 * r2 + 1e-6, slack = 0.01;
    /* along(s) = al + be s in [-len - slack, slack] */
    if (fabs(be) > 1e-9) {
        double s0 = (-len - slack - al) / be, s1 = (slack - al) / be;
        lo = fmin(s0, s1);
        hi = fmax(s0, s1);
    } else if (al < -len - slack || al > slack) {
        lo = INFINITY, hi = -INFINITY;
    }
    /* perp^2(s) = qa s^2 + 2 qb s + qc' <= R2 */
    double qa = dd - be * be, qb = wd - al * be, qc = ww - al * al - R2;
    if (qa > 1e-9) {
        double disc = qb * qb - qa * qc, sq = sqrt(fmax(disc, 0.0));
        if (disc < 0) lo = INFINITY, hi = -INFINITY;
        lo = fmax(lo, (-qb - sq) / qa);
        hi = fmin(hi, (-qb + sq) / qa);
    } else if (qc > 0) { /* along the axis, farther out than the shaft */
        lo = INFINITY, hi = -INFINITY;
    }
    if (!(lo <= hi)) {
        *j0 = *j1 = 0;
        return;
    }
    /* samples: a_j = (j + 0.5) dz, a = a0 + sc s */
    double jl = ((double)P->a0 + P->sc * lo) / dz - 0.5, jh = ((double)P->a0 + P->sc * hi) / dz - 0.5;
    jl = fmax(jl - 2.0, -1.0);
    jh = fmin(jh + 2.0, 1e9);
    *j0 = (int)floor(jl);
    *j1 = (int)ceil(jh) + 1;
}

/* The line's label map: the central ray's label at each sample's depth along its
 * (refracted) path, STEEL where the sample lies inside the needle's shaft. */
static void ss__line_labels(const ss__ctx *C, const ss__scratch *S, int line)
{
    const ss_probe *pr = C->probe;
    uint8_t *out = C->out->labels + (size_t)line * (size_t)pr->samples;
    const float dz = ss_probe_sample_spacing_mm(pr);
    for (int j = 0; j < pr->samples; j++) out[j] = S->labs[C->sample_step[j]];
    const ss_needle_geom *N = C->scene->needle;
    if (!N) return;
    float n[3] = {N->dir[0], N->dir[1], N->dir[2]};
    ss__normalize(n);
    const float r2 = 0.25f * N->outer_diameter_mm * N->outer_diameter_mm;
    const int ns = pr->samples;
    /* sample j belongs to the last piece whose a0 <= a_j (the first piece before any);
       each piece's run of samples, and in it only those that can be in the shaft */
    int j = 0;
    for (int piece = 0; piece < S->npieces && j < ns; piece++) {
        const ss__piece *P = &S->pieces[piece];
        int jend = ns;
        if (piece + 1 < S->npieces) { /* the first sample at or past the next piece's start */
            const float na0 = S->pieces[piece + 1].a0;
            int g = (int)(na0 / dz);
            g = g < j ? j : g > ns ? ns : g;
            while (g > j && ((float)(g - 1) + 0.5f) * dz >= na0) g--;
            while (g < ns && ((float)g + 0.5f) * dz < na0) g++;
            jend = g;
        }
        int c0, c1;
        ss__shaft_samples(P, N->tip_mm, n, r2, N->length_mm, dz, &c0, &c1);
        if (c0 < j) c0 = j;
        if (c1 > jend) c1 = jend;
        for (int jj = c0; jj < c1; jj++) {
            float a = ((float)jj + 0.5f) * dz;
            float q[3], w[3];
            for (int i = 0; i < 3; i++) {
                q[i] = P->A[i] + (a - P->a0) / P->sc * P->d[i];
                w[i] = q[i] - N->tip_mm[i];
            }
            float along = ss__dot(w, n); /* <= 0 behind the tip, >= -length at the hub */
            if (along > 0.f || along < -N->length_mm) continue;
            float perp2 = ss__dot(w, w) - along * along;
            if (perp2 <= r2) out[jj] = SS_TISSUE_STEEL;
        }
        j = jend;
    }
}

/* Phase 1 of a line: contact, elevation rays (tau, specular echoes), needle, speckle
 * splat. Writes only this line's rows of spec and spk. */
/* The displayed depth past which every scatterer of the line is culled: one step beyond
 * the first step where every ray's transmission is under the floor (it never rises
 * again: each step multiplies it by factors <= 1, the needle's shadow included), so the
 * pieces can stop there; the splat's own test against the floor decides each scatterer
 * before it, and the image is the same as testing all of them. */
static float ss__cull_depth(const ss__ctx *C, const ss__scratch *S)
{
    if (!(C->tau_floor > 0.f)) return INFINITY;
    int kc = 0;
    for (int r = 0; r < C->nrays; r++) {
        const float *t = S->tau + (size_t)r * (size_t)(C->nsteps + 1);
        /* the first step under the floor is the number of steps at or over it (tau never
           rises), counted in a loop without an exit, which vectorizes */
        int k = 0;
        for (int j = 0; j <= C->nsteps; j++) k += t[j] >= C->tau_floor;
        if (k > C->nsteps) return INFINITY;
        if (k > kc) kc = k;
    }
    return (float)(kc + 1) * C->ds;
}

static void ss__line_rf(const ss__ctx *C, ss__scratch *S, int line)
{
    const ss_probe *pr = C->probe;
    const ss_bmode_settings *s = C->s;
    float o2[2], d2[2];
    ss_probe_line_geometry(pr, line, o2, d2);
    float op[3] = {o2[0], o2[1], 0.f}, dp[3] = {d2[0], d2[1], 0.f}, up[3] = {d2[1], -d2[0], 0.f},
          vp[3] = {0.f, 0.f, 1.f};
    float O[3], D[3], U[3], V[3];
    ss_probe_pose_point_to_world(C->pose, op, O);
    ss_probe_pose_dir_to_world(C->pose, dp, D);
    ss_probe_pose_dir_to_world(C->pose, up, U);
    ss_probe_pose_dir_to_world(C->pose, vp, V);
    size_t row = (size_t)line * 2 * (size_t)C->nbins;
    float *bins = C->spec + row, *spk = C->spk + row;
    if (C->noise_make) ss__noise_row(C, line, C->noise + row);
    memset(bins, 0, sizeof(float) * 2 * (size_t)C->nbins);
    memset(spk, 0, sizeof(float) * 2 * (size_t)C->nbins);
    /* contact: the probe pressed in by C->press along its beam; a line whose element is
       still more than SS_BMODE_GEL_MM above the skin sees nothing (black, labels AIR); an
       element within the gel layer images through it; an element inside the undeformed
       skin compresses the tissue under it: the skin is pushed onto the face and the
       indentation e is taken up evenly over the first SS_BMODE_COMPRESSION_MM below it
       (each of those steps covers (COMPRESSION + e) / COMPRESSION of tissue; deeper, the
       tissue lies where it was: no bowing of deep structures) */
    float stretch = 1.f, e = 0.f;
    int k_stretch = 0;
    if (!(s->flags & SS_BMODE_NO_CONTACT)) {
        const float pb[3] = {C->pose->axis_y[0], C->pose->axis_y[1], C->pose->axis_y[2]};
        for (int i = 0; i < 3; i++) O[i] += C->press * pb[i];
        float g = ss__gap(C, O, D);
        if (g > SS_BMODE_GEL_MM) {
            C->out->line_contact_mm[line] = -1.f;
            memset(C->out->labels + (size_t)line * (size_t)pr->samples, SS_TISSUE_AIR, (size_t)pr->samples);
            S->npieces = 0;
            return;
        }
        if (g < 0.f) {
            e = -g;
            for (int i = 0; i < 3; i++) O[i] -= e * D[i]; /* start at the skin */
            k_stretch = (int)ceilf(SS_BMODE_COMPRESSION_MM / C->ds);
            stretch = 1.f + e / ((float)k_stretch * C->ds);
        }
    }
    C->out->line_contact_mm[line] = e;
    const int ncen = C->nrays / 2;
    for (int r = 0; r < C->nrays; r++) {
        float Or[3] = {O[0] + C->ray_e[r] * V[0], O[1] + C->ray_e[r] * V[1], O[2] + C->ray_e[r] * V[2]};
        ss__march_ray(C, Or, D, U, V, r, S->tau + (size_t)r * (size_t)(C->nsteps + 1), S, r == ncen, stretch,
                      k_stretch);
    }
    ss__merge_events(C, S, bins);
    if (C->scene->needle) ss__needle(C, S, bins);
    ss__line_labels(C, S, line);
    S->a_cull = ss__cull_depth(C, S);
    if (!(s->flags & SS_BMODE_NO_SPECKLE)) {
        const double t0 = ss__now_ms();
        for (int i = 0; i < S->npieces; i++) ss__speckle_piece(C, S, &S->pieces[i], spk);
        if (C->noise) ss__add_noise(C, line, spk);
        S->speckle_ms += ss__now_ms() - t0;
    }
}

#define SS__SUM_BLOCKS 4 /* blocks of 8 floats whose sums phase 2 holds in registers at once */

/* The lateral speckle kernel of a line: at bin b, the sum over lines line + j, j in
 * [-J, J] (J the kernel's half-width at b's depth), of w_|j| times their splats; at the
 * image's edges only the lines there are, the sum rescaled to the full kernel's power
 * (ss__lateral_edge). */

/* The edge rescaling at depth step k of a line whose kernel the image's edge cuts (1 where
 * it does not): the cut kernel's power brought back to the full kernel's, with the
 * correlation of neighbouring lines (hat-weighted splats overlap by a third). */
static float ss__lateral_edge(const ss__ctx *C, int line, int k)
{
    const float *L = C->lat + (size_t)k * SS_BMODE_LAT_STRIDE;
    const int J = (int)L[0], lines = C->probe->lines;
    int j0 = -J, j1 = J;
    if (line + j0 < 0) j0 = -line;
    if (line + j1 > lines - 1) j1 = lines - 1 - line;
    if (j0 == -J && j1 == J) return 1.f;
    float sq = 0.f, cr = 0.f;
    for (int j = j0; j <= j1; j++) {
        float w = L[2 + (j < 0 ? -j : j)];
        sq += w * w;
        if (j < j1) cr += w * L[2 + (j + 1 < 0 ? -(j + 1) : j + 1)];
    }
    return sqrtf(L[1] / ((2.f / 3.f) * sq + (1.f / 3.f) * cr));
}

/* The kernel over u x 8 bins from b (u <= SS__SUM_BLOCKS, a constant at each call), their
 * sums held in registers across the lines (independent sums, so that no add waits on the
 * one before), added to the line's RF bins. Lines jlo .. jhi (the image's, within the
 * widest kernel), in order; a line's term only where its weight can be non-zero in those
 * bins: past a depth's J the weights are 0 (latw), and 0 * p = +-0 changes no sum, so
 * every bin gets exactly the terms j0 .. j1 of its own depth, in order. fac (edge lines
 * only, else NULL): the rescaling per bin, applied to the sum before it is added. */
static SS_SIMD_INLINE void ss__lateral_bins(const ss__ctx *C, const float *spk, const float *fac, float *bins, int b,
                                    int jlo, int jhi, const int u)
{
    const int nb = C->nbins;
    const ptrdiff_t stride = 2 * (ptrdiff_t)nb;
    ss_v8f re[SS__SUM_BLOCKS], im[SS__SUM_BLOCKS];
    for (int i = 0; i < u; i++) {
        ss_v8f_zero(&re[i]);
        ss_v8f_zero(&im[i]);
    }
    for (int j = jlo; j <= jhi; j++) {
        const int ja = j < 0 ? -j : j;
        if (b + 8 * u <= C->latb[ja][0] || b >= C->latb[ja][1]) continue;
        const float *w = C->latw + (size_t)ja * (size_t)nb + b;
        const float *p = spk + (ptrdiff_t)j * stride + b;
        for (int i = 0; i < u; i++) {
            ss_v8f_madd_v(&re[i], w + 8 * i, p + 8 * i);
            ss_v8f_madd_v(&im[i], w + 8 * i, p + nb + 8 * i);
        }
    }
    for (int i = 0; i < u; i++) {
        if (fac) {
            ss_v8f_mul_by(&re[i], fac + b + 8 * i);
            ss_v8f_mul_by(&im[i], fac + b + 8 * i);
        }
        ss_v8f_add_to(bins + b + 8 * i, &re[i]);
        ss_v8f_add_to(bins + nb + b + 8 * i, &im[i]);
    }
}

/* The kernel over the whole line (tmp: room for nbins floats, the edge factors). */
static SS_SIMD_INLINE void ss__lateral_line(const ss__ctx *C, int line, float *bins, float *tmp)
{
    const int nb = C->nbins, Jm = C->lat_jmax, lines = C->probe->lines;
    const int jlo = line - Jm < 0 ? -line : -Jm, jhi = line + Jm > lines - 1 ? lines - 1 - line : Jm;
    const float *spk = C->spk + (size_t)line * 2 * (size_t)nb;
    float *fac = NULL;
    if (jlo != -Jm || jhi != Jm) {
        /* a line near the image's edge: its rescaling per bin, worked out once per depth
           step (the bins of one step share it) */
        fac = tmp;
        int kprev = -1;
        float f = 1.f;
        for (int b = 0; b < nb; b++) {
            int k = (int)((float)b * C->delta * C->inv_ds);
            if (k > C->nsteps - 1) k = C->nsteps - 1;
            if (k != kprev) f = ss__lateral_edge(C, line, k);
            kprev = k;
            fac[b] = f;
        }
    }
    int b = 0;
    for (; b + 8 * SS__SUM_BLOCKS <= nb; b += 8 * SS__SUM_BLOCKS)
        ss__lateral_bins(C, spk, fac, bins, b, jlo, jhi, SS__SUM_BLOCKS);
    for (; b + 8 <= nb; b += 8) ss__lateral_bins(C, spk, fac, bins, b, jlo, jhi, 1);
    for (; b < nb; b++) {
        float re = 0.f, im = 0.f;
        for (int j = jlo; j <= jhi; j++) {
            const int ja = j < 0 ? -j : j;
            const float w = C->latw[(size_t)ja * (size_t)nb + (size_t)b];
            const float *p = spk + (ptrdiff_t)j * 2 * (ptrdiff_t)nb + b;
            re += w * p[0];
            im += w * p[nb];
        }
        if (fac) {
            re *= fac[b];
            im *= fac[b];
        }
        bins[b] += re;
        bins[nb + b] += im;
    }
}

/* log2 of a positive float for the log compression, written out so that the loop over a
 * line's samples vectorizes (libm's log10f is a call per sample): exponent + the series
 * 2/ln 2 (t + t^3/3 + ... + t^11/11), t = (m - 1)/(m + 1) for the mantissa m in [1, 2);
 * the first term left out, t^13/13 < 1e-7, is 1e-6 dB. Subnormals come out near -127,
 * thousands of dB under any display floor, as they should. */
#define SS__DB_PER_LOG2 6.0205999f /* 20 log10(2) */
static inline float ss__log2(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    float e = (float)((int)(u >> 23 & 0xFFu) - 127);
    u = (u & 0x007FFFFFu) | 0x3F800000u;
    float m;
    memcpy(&m, &u, sizeof m);
    float t = (m - 1.f) / (m + 1.f), t2 = t * t;
    float p = 1.f / 11.f;
    p = p * t2 + 1.f / 9.f;
    p = p * t2 + 1.f / 7.f;
    p = p * t2 + 1.f / 5.f;
    p = p * t2 + 1.f / 3.f;
    p = p * t2 + 1.f;
    return e + 2.8853901f * t * p; /* 2 / ln 2 */
}

/* The axial PSF's taps, one after the other, each over the samples [ja, jb) whose kernel
 * lies inside the line (re, im += g_t bins[j m + m / 2 - K + t]). m is the bins per sample;
 * inlined with m a constant where the caller can. */
static inline void ss__axial_taps(const float *kernel, int K, const float *bins, int nb, int m, int ja, int jb,
                                  float *re, float *im)
{
    for (int t = 0; t <= 2 * K + 1; t++) {
        const float g = kernel[t];
        const float *q = bins + (size_t)(m / 2 - K + t);
        for (int j = ja; j < jb; j++) {
            re[j] += g * q[(size_t)j * (size_t)m];
            im[j] += g * q[(size_t)nb + (size_t)j * (size_t)m];
        }
    }
}

/* The axial pulse over samples [ja, jb) whose centre bin is their own index (one bin a
 * sample, or one phase of the samples when a bin serves several: ss__line_image), the whole
 * kernel inside the line: SS__SUM_BLOCKS x 8 samples at a time, their sums held in
 * registers across the taps (independent sums, so that no add waits on the one before),
 * then the rest tap by tap; the terms in the same order either way. */
static SS_SIMD_INLINE void ss__axial_unit(const float *kernel, int K, const float *bins, int nb, int ja, int jb,
                                          float *re, float *im)
{
    for (int j = ja; j < jb; j++) re[j] = im[j] = 0.f;
    int j = ja;
    for (; j + 8 * SS__SUM_BLOCKS <= jb; j += 8 * SS__SUM_BLOCKS) {
        ss_v8f vr[SS__SUM_BLOCKS], vi[SS__SUM_BLOCKS];
        for (int u = 0; u < SS__SUM_BLOCKS; u++) {
            ss_v8f_zero(&vr[u]);
            ss_v8f_zero(&vi[u]);
        }
        const float *q = bins + (j - K);
        for (int t = 0; t <= 2 * K + 1; t++) {
            const float g = kernel[t];
            for (int u = 0; u < SS__SUM_BLOCKS; u++) {
                ss_v8f_madd(&vr[u], g, q + t + 8 * u);
                ss_v8f_madd(&vi[u], g, q + nb + t + 8 * u);
            }
        }
        for (int u = 0; u < SS__SUM_BLOCKS; u++) {
            ss_v8f_store(re + j + 8 * u, &vr[u]);
            ss_v8f_store(im + j + 8 * u, &vi[u]);
        }
    }
    ss__axial_taps(kernel, K, bins, nb, 1, j, jb, re, im);
}

/* Phase 2 of a line (every line's phase 1 done): lateral speckle kernel added to the
 * specular RF, axial PSF, noise, envelope, TGC and log compression. */
SS_SIMD_CLONES static void ss__line_image(const ss__ctx *C, int line, float *tmp)
{
    const ss_probe *pr = C->probe;
    const ss_bmode_settings *s = C->s;
    float *bins = C->spec + (size_t)line * 2 * (size_t)C->nbins;
    if (C->out->line_contact_mm[line] < 0.f) {
        /* no skin contact: nothing comes back, the line is black */
        memset(C->out->envelope + (size_t)line * (size_t)pr->samples, 0, sizeof(float) * (size_t)pr->samples);
        memset(C->out->grey + (size_t)line * (size_t)pr->samples, 0, sizeof(float) * (size_t)pr->samples);
        return;
    }
    const int nb = C->nbins;
    if (!(s->flags & SS_BMODE_NO_SPECKLE))
        ss__lateral_line(C, line, bins, tmp);
    else if (C->noise)
        ss__add_noise(C, line, bins);

    /* axial PSF: envelope(z_j) = |sum_b bins_b g(z_j - z_b)| */
    float *env = C->out->envelope + (size_t)line * (size_t)pr->samples;
    const int K = C->kernel_half, m = C->m, ns = pr->samples;
    /* the samples [ja, jb) whose whole kernel lies inside the line (cb - K >= 0,
       cb + K + 1 <= nbins - 1, cb their centre bin): tap by tap over all of them
       (vectorized), the terms in the same order as for the samples near the ends below */
    int ja = 0, jb = ns;
    if (C->spb > 1) {
        /* one bin every spb samples: the samples of phase p = j mod spb are one bin apart
           (sample q spb + p centred at bin q), a run through the same vector loop with the
           phase's own taps; the whole kernel lies inside the line for K <= q < nb - 1 - K */
        const int spb = C->spb, taps = 2 * K + 2;
        float *re = tmp, *im = tmp + ns; /* nb <= ns here */
        ja = K * spb;
        jb = (nb - 1 - K) * spb < ns ? (nb - 1 - K) * spb : ns;
        if (jb < ja) ja = jb = 0;
        for (int p = 0; p < spb && ja < jb; p++) {
            const int qe = (jb - 1 - p) / spb + 1; /* q spb + p < jb (jb > ja = K spb > p) */
            ss__axial_unit(C->kernel + (size_t)p * (size_t)taps, K, bins, nb, K, qe, re, im);
            for (int q = K; q < qe; q++) env[q * spb + p] = sqrtf(re[q] * re[q] + im[q] * im[q]);
        }
    } else {
        /* (cb = j m + m / 2) */
        while (ja < ns && ja * m + m / 2 - K < 0) ja++;
        while (jb > ja && (jb - 1) * m + m / 2 + K + 1 > nb - 1) jb--;
        float *re = tmp, *im = tmp + ns;
        /* with the stride a constant where it is 1 or 2 (one bin a sample, or two), so
           that the loads vectorize contiguous or pairwise */
        if (m == 1)
            ss__axial_unit(C->kernel, K, bins, nb, ja, jb, re, im);
        else {
            for (int j = ja; j < jb; j++) re[j] = im[j] = 0.f;
            if (m == 2)
                ss__axial_taps(C->kernel, K, bins, nb, 2, ja, jb, re, im);
            else
                ss__axial_taps(C->kernel, K, bins, nb, m, ja, jb, re, im);
        }
        for (int j = ja; j < jb; j++) env[j] = sqrtf(re[j] * re[j] + im[j] * im[j]);
    }
    /* the samples near the line's ends, their kernel clamped to its bins */
    for (int j = 0; j < ns; j++) {
        if (j == ja) j = jb;
        if (j >= ns) break;
        const int cb = ss_bmode_centre_bin(j, m, C->spb);
        const float *kernel = C->kernel + (size_t)(j % C->spb) * (size_t)(2 * K + 2);
        float re = 0.f, im = 0.f;
        int b0 = cb - K, b1 = cb + K + 1;
        if (b0 < 0) b0 = 0;
        if (b1 > C->nbins - 1) b1 = C->nbins - 1;
        for (int b = b0; b <= b1; b++) {
            float g = kernel[b - cb + K];
            re += g * bins[b];
            im += g * bins[nb + b];
        }
        env[j] = sqrtf(re * re + im * im);
    }
    /* TGC, gain, log compression */
    float *grey = C->out->grey + (size_t)line * (size_t)pr->samples;
    float dr = s->dynamic_range_db;
    for (int j = 0; j < pr->samples; j++) {
        float gdb = C->gain_db[j];
        float e = env[j];
        /* computed for every sample (ss__log2(0) is a finite -127), then chosen, so that
           the loop has no branch; not fminf/fmaxf, which are libm calls here */
        float b = 255.f * (SS__DB_PER_LOG2 * ss__log2(e) - C->display_ref_db + gdb + dr) / dr;
        b = b < 0.f ? 0.f : b > 255.f ? 255.f : b;
        grey[j] = e > 0.f ? b : 0.f;
    }
}

/* ------------------------------------------------------------------ threads */

typedef struct ss__job {
    ss__ctx *C; /* read only, but in mode 4, whose last share makes phase 2's tables */
    int mode; /* 0 lines phase 1, 3 lines phase 2, 1 scan conversion rows, 2 bare march,
                 4 the frame's setup (the press, phase 2's tables) */
    float *bare_out;
    float press_need[SS_POOL_MAX]; /* mode 4: the largest need of each share's lines */
    atomic_int next_line; /* the lines' passes: the first line no share has taken yet */
    ss_status status[SS_POOL_MAX];
    long splats[SS_POOL_MAX], screened[SS_POOL_MAX];
    double speckle_ms[SS_POOL_MAX];
} ss__job;

/* The next line of a pass for the share that owns cursor c, -1 when none is left. Lines
 * are handed out in runs of SS__LINE_RUN neighbours, not dealt in a fixed pattern: a share
 * whose thread the system holds back (the trainer's window shares the two cores) leaves
 * the lines it has not taken to the others instead of holding up the frame (it holds at
 * most a run), and a thread's consecutive lines are neighbours, whose march, scatterers
 * and lateral kernel read mostly the same voxels, texture cells and rows, still in its
 * own cache (one line at a time, each thread took every other line: 8 % slower a frame,
 * 16 % in phase 2). Each line's output is its own, so the image does not depend on who
 * took it. */
#define SS__LINE_RUN 8

typedef struct ss__cursor {
    int next, end; /* the lines of the share's run not yet taken */
} ss__cursor;

static int ss__take_line(ss__job *J, ss__cursor *c, int lines)
{
    if (c->next >= c->end) {
        const int l = atomic_fetch_add_explicit(&J->next_line, SS__LINE_RUN, memory_order_relaxed);
        if (l >= lines) return -1;
        c->next = l;
        c->end = l + SS__LINE_RUN < lines ? l + SS__LINE_RUN : lines;
    }
    return c->next++;
}

static ss_status ss__image_tables(ss__ctx *C);

/* The bench's floor: the label of every sample of one straight line from O along D, as a
 * float (ss_bmode_cpu_bare_march). Compiled like the renderer's hot loops (simd.h), so
 * that the floor the renderer is measured against is as fast as the same compiler makes
 * it: written inside ss__share (baseline only) it ran the AVX2 loop's 0.6 ms in 1.2. */
SS_SIMD_CLONES static void ss__bare_line(const ss__vol *V, const float O[3], const float D[3], float dz, int samples,
                                         float *out)
{
    for (int j = 0; j < samples; j++) {
        const float z = ((float)j + 0.5f) * dz;
        const float p[3] = {O[0] + z * D[0], O[1] + z * D[1], O[2] + z * D[2]};
        out[j] = (float)ss__label_at(V, p);
    }
}

/* One share (index of count) of a pass: the lines it takes (ss__take_line), or a band of
 * rows (scan conversion), or the frame's setup (mode 4). */
static void ss__share(void *arg, int index, int count)
{
    ss__job *J = arg;
    ss__cursor cur = {0, 0};
    const ss__ctx *C = J->C;
    const ss_probe *pr = C->probe;
    if (J->mode == 1) {
        int h = C->out->geom.height;
        int r0 = (int)((long)h * index / count), r1 = (int)((long)h * (index + 1) / count);
        ss_scan_convert_rows(&C->out->map, C->out->grey, C->out->image.pixels, r0, r1);
        return;
    }
    if (J->mode == 4) {
        /* the last share makes phase 2's tables first (one thread's work, done while the
           others start on the press lines), then every share takes press lines */
        if (index == count - 1) J->status[index] = ss__image_tables(J->C);
        float need = 0.f;
        int l0, l1;
        ss__press_lines(pr, &l0, &l1);
        if (!(C->s->flags & SS_BMODE_NO_CONTACT))
            for (int i; (i = ss__take_line(J, &cur, l1 - l0)) >= 0;) need = ss__maxf(ss__press_need(C, l0 + i), need);
        J->press_need[index] = need;
        return;
    }
    if (J->mode == 2) {
        float dz = ss_probe_sample_spacing_mm(pr);
        for (int line; (line = ss__take_line(J, &cur, pr->lines)) >= 0;) {
            float o2[2], d2[2];
            ss_probe_line_geometry(pr, line, o2, d2);
            float op[3] = {o2[0], o2[1], 0.f}, dp[3] = {d2[0], d2[1], 0.f}, O[3], D[3];
            ss_probe_pose_point_to_world(C->pose, op, O);
            ss_probe_pose_dir_to_world(C->pose, dp, D);
            ss__bare_line(&C->vol, O, D, dz, pr->samples, J->bare_out + (size_t)line * (size_t)pr->samples);
        }
        return;
    }
    if (J->mode == 3) {
        size_t n = (size_t)(C->nbins > pr->samples ? C->nbins : pr->samples);
        float *tmp = malloc(2 * n * sizeof(float));
        if (!tmp) {
            J->status[index] = SS_ERR_NOMEM;
            return;
        }
        for (int line; (line = ss__take_line(J, &cur, pr->lines)) >= 0;) ss__line_image(C, line, tmp);
        free(tmp);
        return;
    }
    ss__scratch *S = calloc(1, sizeof *S);
    float *tau = malloc(sizeof(float) * (size_t)C->nrays * (size_t)(C->nsteps + 1));
    uint8_t *labs = malloc((size_t)C->nsteps + 1);
    if (!S || !tau || !labs) {
        J->status[index] = SS_ERR_NOMEM;
    } else {
        S->tau = tau;
        S->labs = labs;
        for (int line; (line = ss__take_line(J, &cur, pr->lines)) >= 0;) ss__line_rf(C, S, line);
        J->splats[index] = S->splats;
        J->screened[index] = S->screened;
        J->speckle_ms[index] = S->speckle_ms;
    }
    free(tau);
    free(labs);
    free(S);
}

/* A pass over nthreads shares on the process's worker threads (thread_pool.h); mode 4
 * also sets C->press (the largest of the shares' needs, at most SS_BMODE_PRESS_MAX_MM). */
static ss_status ss__run_jobs(ss__ctx *C, int mode, int nthreads, float *bare_out)
{
    if (nthreads > SS_POOL_MAX) nthreads = SS_POOL_MAX;
    ss__job J = {.C = C, .mode = mode, .bare_out = bare_out};
    atomic_init(&J.next_line, 0);
    ss_pool_run(nthreads, ss__share, &J);
    /* (said again here: the message a share set is its thread's own) */
    for (int i = 0; i < nthreads; i++)
        if (J.status[i] != SS_OK)
            return ss_error_set(J.status[i], mode == 4 ? "bmode: out of memory for the lateral kernel"
                                                       : "bmode: out of memory for line buffers");
    if (mode == 0) {
        C->out->speckle_splats = C->out->speckle_screened = 0;
        C->out->times.speckle_cpu_ms = 0.0;
        for (int i = 0; i < nthreads; i++) {
            C->out->speckle_splats += J.splats[i];
            C->out->speckle_screened += J.screened[i];
            C->out->times.speckle_cpu_ms += J.speckle_ms[i];
        }
    }
    if (mode == 4) {
        float need = 0.f;
        for (int i = 0; i < nthreads; i++) need = ss__maxf(J.press_need[i], need);
        C->press = ss__minf(need, SS_BMODE_PRESS_MAX_MM);
    }
    return SS_OK;
}

/* ------------------------------------------------------------------ setup */

ss_status ss_bmode_needle_validate(const ss_needle_geom *n)
{
    float l = sqrtf(n->dir[0] * n->dir[0] + n->dir[1] * n->dir[1] + n->dir[2] * n->dir[2]);
    if (!(l > 1e-6f) || !(n->length_mm > 0.f) || !(n->outer_diameter_mm > 0.f && n->outer_diameter_mm < 5.f))
        return ss_error_set(SS_ERR_INVALID,
                            "bmode: needle dir |%g|, length_mm %g, outer_diameter_mm %g: expected non-zero "
                            "direction, length > 0, diameter in (0, 5)",
                            (double)l, (double)n->length_mm, (double)n->outer_diameter_mm);
    return SS_OK;
}

ss_status ss_bmode_check_inputs(const ss_bmode_scene *scene, const ss_probe *probe, const ss_probe_pose *pose,
                                  const ss_bmode_settings *s)
{
    if (!scene || !probe || !pose || !s) return ss_error_set(SS_ERR_INVALID, "bmode: NULL argument");
    const ss_volume *v = scene->volume;
    if (!v || !v->labels || !v->hard_sdf || v->nx <= 0 || v->ny <= 0 || v->nz <= 0 || !(v->spacing_mm > 0.f))
        return ss_error_set(SS_ERR_INVALID, "bmode: scene.volume missing or empty (labels, hard_sdf, n, spacing)");
    if (scene->needle) {
        ss_status stn = ss_bmode_needle_validate(scene->needle);
        if (stn != SS_OK) return stn;
    }
    ss_status st = ss_probe_validate(probe);
    if (st != SS_OK) return st;
    return ss_bmode_settings_validate(s);
}

ss_status ss_bmode_frame_prepare(ss_bmode_frame *f, const ss_probe *p, const ss_bmode_settings *s)
{
    ss_scan_geometry g;
    ss_status st = ss_scan_geometry_for_probe(p, s->image_width_px, &g);
    if (st != SS_OK) return st;
    size_t n = (size_t)p->lines * (size_t)p->samples;
    f->speckle_splats = f->speckle_screened = 0;
    f->times = (ss_bmode_pass_times){0};
    if (!f->envelope || f->lines != p->lines || f->samples != p->samples) {
        free(f->envelope);
        free(f->grey);
        free(f->line_angle_deg);
        free(f->line_x_mm);
        free(f->line_contact_mm);
        free(f->labels);
        f->envelope = malloc(n * sizeof(float));
        f->labels = calloc(n, 1);
        f->grey = malloc(n * sizeof(float));
        f->line_angle_deg = malloc((size_t)p->lines * sizeof(float));
        f->line_x_mm = malloc((size_t)p->lines * sizeof(float));
        f->line_contact_mm = calloc((size_t)p->lines, sizeof(float));
        if (!f->envelope || !f->grey || !f->line_angle_deg || !f->line_x_mm || !f->line_contact_mm || !f->labels) {
            ss_bmode_frame_free(f);
            return ss_error_set(SS_ERR_NOMEM, "bmode frame %d x %d: out of memory", p->lines, p->samples);
        }
        f->lines = p->lines;
        f->samples = p->samples;
    }
    if (!f->image.pixels || f->image.width != g.width || f->image.height != g.height) {
        st = ss_image_alloc(&f->image, g.width, g.height);
        if (st != SS_OK) return st;
    }
    st = ss_scan_map_update(&f->map, p, &g);
    if (st != SS_OK) return st;
    f->geom = g;
    f->probe = *p;
    f->sample_spacing_mm = ss_probe_sample_spacing_mm(p);
    f->first_sample_mm = 0.5f * f->sample_spacing_mm;
    for (int i = 0; i < p->lines; i++) {
        float o[2], d[2];
        ss_probe_line_geometry(p, i, o, d);
        f->line_angle_deg[i] = ss_probe_line_angle_deg(p, i);
        f->line_x_mm[i] = o[0];
    }
    return SS_OK;
}

/* The tables that depend on nothing (phasors, the Gaussian, the noise values): made once
 * per process, not per frame. */
static struct {
    float cos_tab[SS__PHASE_N + 1], sin_tab[SS__PHASE_N + 1];
    float gauss_tab[SS__GAUSS_N + 2];
    float noise_tab[2 * SS_BMODE_NOISE_N];
} ss__consts;
static pthread_once_t ss__consts_once = PTHREAD_ONCE_INIT;

static void ss__consts_make(void)
{
    for (int i = 0; i <= SS__PHASE_N; i++) {
        double ph = -2.0 * 3.14159265358979 * (double)i / (double)SS__PHASE_N;
        ss__consts.cos_tab[i] = (float)cos(ph);
        ss__consts.sin_tab[i] = (float)sin(ph);
    }
    for (int i = 0; i <= SS__GAUSS_N + 1; i++)
        ss__consts.gauss_tab[i] = expf(-(float)i * SS__GAUSS_QMAX / (float)SS__GAUSS_N);
    for (int i = 0; i < SS_BMODE_NOISE_N; i++) {
        /* Box-Muller from a hash of the index: complex, E|n|^2 = 1 */
        uint32_t h = ss_scatter_hash(0x6E6F6973u, i, 0, 0), h2 = ss_scatter_rehash(h);
        float u1 = ((float)(h >> 8) + 0.5f) * (1.f / 16777216.f), u2 = (float)(h2 >> 8) * (1.f / 16777216.f);
        float rad = sqrtf(-logf(u1));
        ss__consts.noise_tab[2 * i] = rad * cosf(2.f * SS__PI * u2);
        ss__consts.noise_tab[2 * i + 1] = rad * sinf(2.f * SS__PI * u2);
    }
}

static ss_status ss__ctx_init(ss__ctx *C, const ss_bmode_scene *scene, const ss_probe *pr, const ss_probe_pose *pose,
                              const ss_bmode_settings *s, ss_bmode_frame *out)
{
    memset(C, 0, sizeof *C);
    C->scene = scene;
    C->probe = pr;
    C->pose = pose;
    C->s = s;
    C->out = out;
    const ss_volume *v = scene->volume;
    C->vol = (ss__vol){v, 1.f / v->spacing_mm, v->origin_mm[0], v->origin_mm[1], v->origin_mm[2]};
    C->ds = s->march_step_mm > 0.f ? s->march_step_mm : fminf(0.25f, 0.5f * v->spacing_mm);
    C->inv_ds = 1.f / C->ds;
    C->depth = pr->depth_mm;
    C->lambda = ss_probe_wavelength_mm(pr);
    C->k2 = 4.f * SS__PI / C->lambda;
    C->sigma_a = ss_probe_axial_sigma_mm(pr);
    C->cell = SS_SCATTER_CELL_MM;
    float dz = ss_probe_sample_spacing_mm(pr);
    /* The RF bins: spaced at most half the pulse's sigma (a point's linear deposit over two
       bins then widens the pulse by under 2 %: sigma^2 + delta^2 / 6). Samples farther
       apart than that get m bins each; samples closer get one bin for every spb of them
       (spb = 1 at 1024 samples over 100 mm at 3.5 MHz, 2 at 2048, 4 at 4096), so that the
       bins, the speckle's deposits into them, the lateral kernel over them and the axial
       pulse's taps (3.5 sigma either side, in bins) do not grow with the samples. */
    C->m = (int)ceilf(dz / (0.5f * C->sigma_a));
    if (C->m < 1) C->m = 1;
    C->spb = C->m > 1 ? 1 : (int)floorf(0.5f * C->sigma_a / dz);
    if (C->spb < 1) C->spb = 1;
    if (C->spb > SS_BMODE_MAX_SPB) C->spb = SS_BMODE_MAX_SPB;
    /* the spb phases of the kernel must fit its array: with spb >= 2 the bin is over
       (1 - 1 / spb) sigma / 2, so K <= ceil(7 spb / (spb - 1)) and spb (2K + 2) <= 288 of
       the 322 floats; the loop only keeps that true whatever the rounding */
    for (;;) {
        C->delta = C->spb > 1 ? dz * (float)C->spb : dz / (float)C->m;
        C->kernel_half = (int)ceilf(3.5f * C->sigma_a / C->delta);
        if (C->kernel_half > SS__KERNEL_HALF) C->kernel_half = SS__KERNEL_HALF;
        if (C->spb == 1 || C->spb * (2 * C->kernel_half + 2) <= 2 * SS__KERNEL_HALF + 2) break;
        C->spb--;
    }
    C->inv_delta = 1.f / C->delta;
    C->nbins = (pr->samples * C->m + C->spb - 1) / C->spb + 2;
    C->nsteps = (int)ceilf((C->depth + 4.f * C->sigma_a) / C->ds) + 1;
    /* sample j sits at bin coordinate (j + 0.5) m / spb, whose floor is ss_bmode_centre_bin;
       bin b at b. The kernel for the samples of phase p = j mod spb (one phase when spb is
       1) is at kernel + p (2K + 2): tap t weighs bin floor(.) - K + t, at offset
       t - K - frac_p bins, frac_p = fract((p + 0.5) m / spb) (0.5 for an odd m, 0 for an
       even one; (p + 0.5) / spb for spb > 1) */
    const int taps = 2 * C->kernel_half + 2;
    for (int p = 0; p < C->spb; p++) {
        const float x0 = ((float)p + 0.5f) * (float)C->m / (float)C->spb;
        const float frac = x0 - floorf(x0);
        for (int i = 0; i < taps; i++) {
            float x = ((float)(i - C->kernel_half) - frac) * C->delta;
            C->kernel[p * taps + i] = expf(-x * x / (2.f * C->sigma_a * C->sigma_a));
        }
    }
    for (int l = 0; l < 256; l++) {
        const ss_tissue_props *t = ss_tissue_get(l);
        C->z_mrayl[l] = ss_tissue_impedance_mrayl(l);
        C->c_m_s[l] = t->c_m_s;
        /* amplitude over half a step, both ways: 10^(-2 alpha f (ds/2 in cm) / 20) */
        C->att_half[l] = powf(10.f, -2.f * t->alpha_db_cm_mhz * pr->freq_mhz * (0.05f * C->ds) / 20.f);
        ss_scatter_tissue_factors(t->scatter_density_mm3, t->scatter_amplitude, C->cell, &C->p_occ[l], &C->amp[l]);
        C->tex_kind[l] = -1;
        bool metal = l == SS_TISSUE_TITANIUM || l == SS_TISSUE_COCR || l == SS_TISSUE_STEEL;
        C->cls[l] = metal ? SS__CLASS_METAL : t->hard ? SS__CLASS_BONE : SS__CLASS_SOFT;
    }
    C->tex = (s->flags & SS_BMODE_NO_TEXTURE) ? NULL : ss_texture_table();
    if (C->tex)
        for (int l = 0; l < SS_TISSUE_COUNT; l++) C->tex_kind[l] = ss_texture_kind(l);
    C->phase_scale = C->k2 / (2.f * SS__PI) * (float)SS__PHASE_N;
    pthread_once(&ss__consts_once, ss__consts_make);
    C->cos_tab = ss__consts.cos_tab;
    C->sin_tab = ss__consts.sin_tab;
    C->gauss_tab = ss__consts.gauss_tab;
    C->noise_tab = ss__consts.noise_tab;
    float dg = SS__PI / 180.f;
    C->grazing_cos = cosf(SS_BMODE_GRAZING_DEG * dg);
    C->dir_soft = 1.f / (s->directivity_soft_deg * dg * s->directivity_soft_deg * dg);
    C->dir_bone = 1.f / (s->directivity_bone_deg * dg * s->directivity_bone_deg * dg);
    C->dir_metal = 1.f / (s->directivity_metal_deg * dg * s->directivity_metal_deg * dg);
    C->dir_needle = 1.f / (s->directivity_needle_deg * dg * s->directivity_needle_deg * dg);
    C->dir_needle_diffuse = 1.f / (s->directivity_needle_diffuse_deg * dg * s->directivity_needle_diffuse_deg * dg);
    C->noise_rms = powf(10.f, s->noise_db / 20.f);
    C->display_ref_db = s->speckle_level_db + SS_BMODE_DISPLAY_HEADROOM_DB;
    C->tau_floor = ss_bmode_tau_floor(s);
    C->tgc_lin_db_per_mm = 2.f * s->tgc_auto_alpha_db_cm_mhz * pr->freq_mhz * 0.1f;
    /* elevation rays: spaced sigma_e at the elevation focus, Gaussian weights summing to 1 */
    C->nrays = s->elevation_rays;
    float se0 = ss_probe_elevation_sigma_mm(pr, pr->elevation_focus_mm);
    C->ray_de = C->nrays > 1 ? se0 * 2.f / (float)(C->nrays - 1) : 0.f;
    float wsum = 0.f;
    for (int r = 0; r < C->nrays; r++) {
        C->ray_e[r] = ((float)r - (float)(C->nrays / 2)) * C->ray_de;
        C->ray_w[r] = expf(-C->ray_e[r] * C->ray_e[r] / (2.f * se0 * se0));
        wsum += C->ray_w[r];
    }
    for (int r = 0; r < C->nrays; r++) C->ray_w[r] /= wsum;
    size_t ns = (size_t)C->nsteps + 1;
    /* the beam tables per step, then the step of each sample (int32, as many as floats) */
    float *tab = malloc(((SS_BMODE_BEAM_TABLES + SS_BMODE_LAT_STRIDE) * ns + (size_t)pr->samples) * sizeof(float));
    if (!tab) return ss_error_set(SS_ERR_NOMEM, "bmode: out of memory for beam tables");
    {
        int32_t *st = (int32_t *)(tab + (SS_BMODE_BEAM_TABLES + SS_BMODE_LAT_STRIDE) * ns);
        for (int j = 0; j < pr->samples; j++) {
            const int k = (int)(((float)j + 0.5f) * dz * C->inv_ds);
            st[j] = k < 0 ? 0 : k > C->nsteps ? C->nsteps : k;
        }
        C->sample_step = st;
    }
    C->inv2sl2 = tab;
    C->inv2se2 = tab + ns;
    C->lim_l2 = tab + 2 * ns;
    C->lim_e2 = tab + 3 * ns;
    C->norm = tab + 4 * ns;
    C->sig_l = tab + 5 * ns;
    C->sig_e = tab + 6 * ns;
    C->hat = tab + 7 * ns;
    C->inv_hat = tab + 8 * ns;
    C->noise_spk = tab + 9 * ns;
    C->lat = tab + SS_BMODE_BEAM_TABLES * ns;
    /* Scatterers per cell: enough for >= SS_BMODE_MIN_SCATTERERS in the effective
     * resolution volume 2^(3/2) pi^(3/2) sa sl se (fully developed speckle at high
     * frequency / thin slices); the first scatterer of every cell is the same at any
     * setting. */
    {
        float sl0 = ss_probe_lateral_sigma_mm(pr, pr->focal_depth_mm);
        float se0f = ss_probe_elevation_sigma_mm(pr, pr->elevation_focus_mm);
        float veff = 15.75f * C->sigma_a * sl0 * se0f;
        float neff = veff / (C->cell * C->cell * C->cell);
        C->per_cell = (int)ceilf(SS_BMODE_MIN_SCATTERERS / neff);
        if (C->per_cell < 1) C->per_cell = 1;
        if (C->per_cell > SS_BMODE_MAX_PER_CELL) C->per_cell = SS_BMODE_MAX_PER_CELL;
    }
    float klev = powf(10.f, s->speckle_level_db / 20.f) / sqrtf((float)C->per_cell);
    float g2 = 0.f; /* power gain of the axial pulse kernel over white bins */
    for (int i = 0; i <= 2 * C->kernel_half + 1; i++) g2 += C->kernel[i] * C->kernel[i];
    C->noise_bins = C->noise_rms / sqrtf(g2);
    float tube_keep = erff(SS__TUBE_SIGMAS); /* intensity inside the elevation slab */
    /* line spacing: convex (R + z) dtheta, linear width / lines */
    float dth = pr->lines > 1 ? pr->fov_deg * (SS__PI / 180.f) / (float)(pr->lines - 1) : 0.f;
    for (size_t k = 0; k < ns; k++) {
        float z = ((float)k + 0.5f) * C->ds;
        float sl = ss_probe_lateral_sigma_mm(pr, z), se = ss_probe_elevation_sigma_mm(pr, z);
        C->sig_l[k] = sl;
        C->sig_e[k] = se;
        C->inv2sl2[k] = 1.f / (2.f * sl * sl);
        C->inv2se2[k] = 1.f / (2.f * se * se);
        float hat = pr->lines < 2 ? SS__TUBE_SIGMAS * sl
                    : pr->kind == SS_PROBE_LINEAR ? pr->width_mm / (float)pr->lines
                                                  : (pr->radius_mm + z) * dth;
        C->hat[k] = hat;
        C->inv_hat[k] = 1.f / hat;
        C->lim_l2[k] = hat * hat;
        C->lim_e2[k] = SS__TUBE_SIGMAS * SS__TUBE_SIGMAS * se * se;
        /* lateral kernel across lines: w_j = exp(-(j hat)^2 / 2 sl^2), |j| <= J */
        float *L = C->lat + k * SS_BMODE_LAT_STRIDE;
        int J = pr->lines < 2 ? 0 : (int)ceilf(SS_BMODE_LAT_SIGMAS * sl / hat);
        if (J > SS_BMODE_LAT_MAX) J = SS_BMODE_LAT_MAX;
        L[0] = (float)J;
        for (int j = 0; j <= SS_BMODE_LAT_MAX; j++) {
            float x = (float)j * hat;
            L[2 + j] = j <= J ? expf(-x * x / (2.f * sl * sl)) : 0.f;
        }
        /* hat splat then kernel: E|RF|^2 per unit density and amplitude^2 is, laterally,
         * hat * (2/3 sum w_j^2 + 1/3 sum w_j w_j+1) (the hats of neighbouring lines overlap
         * by 1/6); -> sl sqrt(pi) for fine line spacing, as the Gaussian it replaces */
        float sq = 0.f, cr = 0.f;
        for (int j = -J; j <= J; j++) {
            float w = L[2 + (j < 0 ? -j : j)];
            sq += w * w;
            if (j < J) cr += w * L[2 + (j + 1 < 0 ? -(j + 1) : j + 1)];
        }
        L[1] = (2.f / 3.f) * sq + (1.f / 3.f) * cr;
        C->noise_spk[k] = C->noise_rms / sqrtf(sq * g2);
        /* E|IQ|^2 = density amp^2 (lateral) se sqrt(pi) sa sqrt(pi) -> rms = klev amp sqrt(density / ref) */
        C->norm[k] = klev / sqrtf(SS__REF_DENSITY_MM3 * SS__PI * hat * L[1] * se * C->sigma_a * tube_keep);
    }
    return SS_OK;
}

float ss_bmode_tau_floor(const ss_bmode_settings *s)
{
    if (s->flags & (SS_BMODE_NO_NOISE | SS_BMODE_NO_SPECKLE | SS_BMODE_NO_CULL)) return 0.f;
    return powf(10.f, (s->noise_db - s->speckle_level_db - SS_BMODE_SPECKLE_CULL_DB) / 20.f);
}

ss_status ss_bmode_model_make(const ss_probe *probe, float voxel_mm, const ss_bmode_settings *s,
                              ss_bmode_model *out)
{
    if (!probe || !s || !out || !(voxel_mm > 0.f))
        return ss_error_set(SS_ERR_INVALID, "bmode model: NULL argument or voxel size %g mm", (double)voxel_mm);
    ss_status st = ss_probe_validate(probe);
    if (st == SS_OK) st = ss_bmode_settings_validate(s);
    if (st != SS_OK) return st;
    ss_volume v = {.nx = 1, .ny = 1, .nz = 1, .spacing_mm = voxel_mm};
    ss_bmode_scene scene = {&v, NULL};
    ss_probe_pose pose = {0};
    ss__ctx *C = malloc(sizeof *C);
    if (!C) return ss_error_set(SS_ERR_NOMEM, "bmode model: out of memory");
    st = ss__ctx_init(C, &scene, probe, &pose, s, NULL);
    if (st != SS_OK) {
        free(C);
        return st;
    }
    ss_bmode_model *m = out;
    memcpy(m->z_mrayl, C->z_mrayl, sizeof m->z_mrayl);
    memcpy(m->c_m_s, C->c_m_s, sizeof m->c_m_s);
    memcpy(m->att_half, C->att_half, sizeof m->att_half);
    memcpy(m->p_occ, C->p_occ, sizeof m->p_occ);
    memcpy(m->amp, C->amp, sizeof m->amp);
    memcpy(m->cls, C->cls, sizeof m->cls);
    m->ds = C->ds;
    m->inv_ds = C->inv_ds;
    m->depth = C->depth;
    m->lambda = C->lambda;
    m->k2 = C->k2;
    m->sigma_a = C->sigma_a;
    m->delta = C->delta;
    m->inv_delta = C->inv_delta;
    m->m = C->m;
    m->spb = C->spb;
    m->nbins = C->nbins;
    m->nsteps = C->nsteps;
    m->nrays = C->nrays;
    m->per_cell = C->per_cell;
    m->kernel_half = C->kernel_half;
    m->ray_de = C->ray_de;
    memcpy(m->ray_e, C->ray_e, sizeof m->ray_e);
    memcpy(m->ray_w, C->ray_w, sizeof m->ray_w);
    memcpy(m->kernel, C->kernel, sizeof m->kernel);
    m->dir_soft = C->dir_soft;
    m->dir_bone = C->dir_bone;
    m->dir_metal = C->dir_metal;
    m->dir_needle = C->dir_needle;
    m->dir_needle_diffuse = C->dir_needle_diffuse;
    m->noise_rms = C->noise_rms;
    m->noise_bins = C->noise_bins;
    memcpy(m->noise_tab, C->noise_tab, sizeof m->noise_tab); /* (from ss__consts) */
    m->grazing_cos = C->grazing_cos;
    m->display_ref_db = C->display_ref_db;
    m->tau_floor = C->tau_floor;
    memcpy(m->tex_kind, C->tex_kind, sizeof m->tex_kind);
    m->cell = C->cell;
    m->phase_scale = C->phase_scale;
    m->tgc_lin_db_per_mm = C->tgc_lin_db_per_mm;
    memcpy(m->cos_tab, C->cos_tab, sizeof m->cos_tab);
    memcpy(m->sin_tab, C->sin_tab, sizeof m->sin_tab);
    memcpy(m->gauss_tab, C->gauss_tab, sizeof m->gauss_tab);
    size_t ns = (size_t)C->nsteps + 1;
    m->inv2sl2 = C->inv2sl2; /* the one allocation of the tables, now owned by m */
    m->inv2se2 = m->inv2sl2 + ns;
    m->lim_l2 = m->inv2sl2 + 2 * ns;
    m->lim_e2 = m->inv2sl2 + 3 * ns;
    m->norm = m->inv2sl2 + 4 * ns;
    m->sig_l = m->inv2sl2 + 5 * ns;
    m->sig_e = m->inv2sl2 + 6 * ns;
    m->hat = m->inv2sl2 + 7 * ns;
    m->inv_hat = m->inv2sl2 + 8 * ns;
    m->noise_spk = m->inv2sl2 + 9 * ns;
    m->lat = m->inv2sl2 + SS_BMODE_BEAM_TABLES * ns;
    free(C);
    return SS_OK;
}

void ss_bmode_model_free(ss_bmode_model *m)
{
    if (!m) return;
    free(m->inv2sl2);
    m->inv2sl2 = m->inv2se2 = m->lim_l2 = m->lim_e2 = m->norm = m->sig_l = m->sig_e = NULL;
    m->hat = m->inv_hat = m->noise_spk = m->lat = NULL;
}

/* Phase 2's per-frame tables (see ss__ctx): one allocation, freed with C->latw. */
static ss_status ss__image_tables(ss__ctx *C)
{
    const ss_probe *pr = C->probe;
    const ss_bmode_settings *s = C->s;
    C->lat_jmax = 0;
    for (int k = 0; k < C->nsteps; k++) {
        int J = (int)C->lat[(size_t)k * SS_BMODE_LAT_STRIDE];
        if (J > C->lat_jmax) C->lat_jmax = J;
    }
    const int nb = C->nbins;
    C->latw = malloc(sizeof(float) * ((size_t)(C->lat_jmax + 2) * (size_t)nb + (size_t)pr->samples));
    if (!C->latw) return ss_error_set(SS_ERR_NOMEM, "bmode: out of memory for the lateral kernel");
    C->noise_scale = C->latw + (size_t)(C->lat_jmax + 1) * (size_t)nb;
    C->gain_db = C->noise_scale + nb;
    const bool speckle = !(C->s->flags & SS_BMODE_NO_SPECKLE);
    for (int b = 0; b < nb; b++) {
        int k = (int)((float)b * C->delta * C->inv_ds);
        C->noise_scale[b] = speckle ? C->noise_spk[k > C->nsteps ? C->nsteps : k] : C->noise_bins;
        if (k > C->nsteps - 1) k = C->nsteps - 1;
        const float *L = C->lat + (size_t)k * SS_BMODE_LAT_STRIDE;
        for (int a = 0; a <= C->lat_jmax; a++) C->latw[(size_t)a * (size_t)nb + (size_t)b] = L[2 + a];
    }
    for (int a = 0; a <= C->lat_jmax; a++) {
        const float *w = C->latw + (size_t)a * (size_t)nb;
        int lo = 0, hi = nb;
        while (lo < hi && w[lo] == 0.f) lo++;
        while (hi > lo && w[hi - 1] == 0.f) hi--;
        C->latb[a][0] = lo;
        C->latb[a][1] = hi;
    }
    float dz = ss_probe_sample_spacing_mm(pr);
    for (int j = 0; j < pr->samples; j++) {
        float z = ((float)j + 0.5f) * dz;
        float x = z / pr->depth_mm * (float)SS_BMODE_TGC_SLIDERS - 0.5f;
        int i0 = (int)floorf(x);
        float f = x - (float)i0, tg;
        if (i0 < 0)
            tg = s->tgc_db[0];
        else if (i0 >= SS_BMODE_TGC_SLIDERS - 1)
            tg = s->tgc_db[SS_BMODE_TGC_SLIDERS - 1];
        else
            tg = (1.f - f) * s->tgc_db[i0] + f * s->tgc_db[i0 + 1];
        C->gain_db[j] = s->gain_db + tg + (s->tgc_auto ? C->tgc_lin_db_per_mm * z : 0.f);
    }
    return SS_OK;
}

/* A buffer of the frame that keeps its floats between renders: grown to n when smaller
 * (its contents then lost); false when out of memory (the buffer then empty). */
static bool ss__reserve(float **buf, size_t *floats, size_t n)
{
    if (*buf && *floats >= n) return true;
    free(*buf);
    *buf = malloc(n * sizeof(float));
    *floats = *buf ? n : 0;
    return *buf != NULL;
}

ss_status ss_bmode_cpu_render(const ss_bmode_scene *scene, const ss_probe *probe, const ss_probe_pose *pose,
                              const ss_bmode_settings *s, ss_bmode_frame *out)
{
    if (!out) return ss_error_set(SS_ERR_INVALID, "bmode: NULL frame");
    ss_status st = ss_bmode_check_inputs(scene, probe, pose, s);
    if (st != SS_OK) return st;
    st = ss_bmode_frame_prepare(out, probe, s);
    if (st != SS_OK) return st;
    ss__ctx C;
    st = ss__ctx_init(&C, scene, probe, pose, s, out);
    if (st != SS_OK) return st;
    size_t need = 4 * (size_t)probe->lines * (size_t)C.nbins;
    if (!ss__reserve(&out->work, &out->work_floats, need)) {
        free(C.inv2sl2);
        return ss_error_set(SS_ERR_NOMEM, "bmode: out of memory for the RF of %d lines", probe->lines);
    }
    C.spec = out->work;
    C.spk = out->work + need / 2;
    /* the noise rows: kept from an earlier frame with the same seed, lines and bins, or
       made by this frame's lines pass (marked not made until it has finished) */
    if (!(s->flags & SS_BMODE_NO_NOISE) && C.noise_rms > 0.f) {
        if (!out->noise || out->noise_seed != s->seed || out->noise_lines != probe->lines ||
            out->noise_bins != C.nbins) {
            out->noise_lines = out->noise_bins = 0;
            if (!ss__reserve(&out->noise, &out->noise_floats, need / 2)) {
                free(C.inv2sl2);
                return ss_error_set(SS_ERR_NOMEM, "bmode: out of memory for the noise of %d lines", probe->lines);
            }
            C.noise_make = true;
        }
        C.noise = out->noise;
    }
    int nt = s->threads > 0 ? s->threads : 2;
    st = ss__run_jobs(&C, 4, nt, NULL); /* the press and phase 2's tables */
    out->press_mm = C.press;
    const double t0 = ss__now_ms();
    if (st == SS_OK) st = ss__run_jobs(&C, 0, nt, NULL);
    const double t1 = ss__now_ms();
    if (st == SS_OK) st = ss__run_jobs(&C, 3, nt, NULL);
    const double t2 = ss__now_ms();
    if (st == SS_OK) st = ss__run_jobs(&C, 1, nt, NULL);
    const double t3 = ss__now_ms();
    if (C.noise_make && st == SS_OK) {
        out->noise_seed = s->seed;
        out->noise_lines = probe->lines;
        out->noise_bins = C.nbins;
    }
    out->times.lines_ms = t1 - t0;
    out->times.image_ms = t2 - t1;
    out->times.scan_ms = t3 - t2;
    free(C.latw);
    free(C.inv2sl2);
    return st;
}

float ss_bmode_press_mm(const ss_volume *v, const ss_probe *probe, const ss_probe_pose *pose, const ss_bmode_settings *s)
{
    ss__ctx C;
    memset(&C, 0, sizeof C);
    C.probe = probe;
    C.pose = pose;
    C.s = s;
    C.vol = (ss__vol){v, 1.f / v->spacing_mm, v->origin_mm[0], v->origin_mm[1], v->origin_mm[2]};
    C.ds = s->march_step_mm > 0.f ? s->march_step_mm : fminf(0.25f, 0.5f * v->spacing_mm);
    return ss__press(&C);
}

ss_status ss_bmode_cpu_bare_march(const ss_bmode_scene *scene, const ss_probe *probe, const ss_probe_pose *pose,
                                  const ss_bmode_settings *s, float *out)
{
    ss_status st = ss_bmode_check_inputs(scene, probe, pose, s);
    if (st != SS_OK) return st;
    if (!out) return ss_error_set(SS_ERR_INVALID, "bmode bare march: NULL output");
    ss__ctx C;
    memset(&C, 0, sizeof C);
    C.scene = scene;
    C.probe = probe;
    C.pose = pose;
    C.s = s;
    const ss_volume *v = scene->volume;
    C.vol = (ss__vol){v, 1.f / v->spacing_mm, v->origin_mm[0], v->origin_mm[1], v->origin_mm[2]};
    return ss__run_jobs(&C, 2, s->threads > 0 ? s->threads : 2, out);
}

static int ss__cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

ss_status ss_bmode_cpu_bench(const ss_bmode_scene *scene, const ss_probe *probe, const ss_probe_pose *pose,
                             const ss_bmode_settings *s, int frames, ss_bmode_bench *out)
{
    if (frames < 1 || frames > 10000 || !out)
        return ss_error_set(SS_ERR_INVALID, "bench frames = %d: expected 1..10000", frames);
    ss_status st = ss_bmode_check_inputs(scene, probe, pose, s);
    if (st != SS_OK) return st;
    /* per frame, a column each: whole frame, bare march, then the frame's pass times */
    enum { T_FRAME, T_BARE, T_LINES, T_IMAGE, T_SCAN, T_SPECKLE, T_COLUMNS };
    double *t = malloc(sizeof(double) * (size_t)frames * T_COLUMNS);
    float *bare = malloc(sizeof(float) * (size_t)probe->lines * (size_t)probe->samples);
    ss_bmode_frame f = {0};
    if (!t || !bare) {
        free(t);
        free(bare);
        return ss_error_set(SS_ERR_NOMEM, "bench: out of memory");
    }
    st = ss_bmode_cpu_render(scene, probe, pose, s, &f); /* warm-up: allocations, scan map */
    for (int i = 0; i < frames && st == SS_OK; i++) {
        double t0 = ss__now_ms();
        st = ss_bmode_cpu_render(scene, probe, pose, s, &f);
        t[T_FRAME * frames + i] = ss__now_ms() - t0;
        t[T_LINES * frames + i] = f.times.lines_ms;
        t[T_IMAGE * frames + i] = f.times.image_ms;
        t[T_SCAN * frames + i] = f.times.scan_ms;
        t[T_SPECKLE * frames + i] = f.times.speckle_cpu_ms;
    }
    for (int i = 0; i < frames && st == SS_OK; i++) {
        double t0 = ss__now_ms();
        st = ss_bmode_cpu_bare_march(scene, probe, pose, s, bare);
        t[T_BARE * frames + i] = ss__now_ms() - t0;
    }
    if (st == SS_OK) {
        for (int k = 0; k < T_COLUMNS; k++)
            qsort(t + (size_t)k * (size_t)frames, (size_t)frames, sizeof(double), ss__cmp_double);
        const int mid = frames / 2; /* the median of each column */
        *out = (ss_bmode_bench){0};
        out->lines = probe->lines;
        out->samples = probe->samples;
        out->frames = frames;
        out->threads = s->threads > 0 ? s->threads : 2;
        out->ms_per_frame = t[T_FRAME * frames + mid];
        out->bare_ms_per_frame = t[T_BARE * frames + mid];
        out->fps = out->ms_per_frame > 0 ? 1000.0 / out->ms_per_frame : 0.0;
        out->msamples_per_s = out->ms_per_frame > 0
                                  ? (double)probe->lines * probe->samples / (out->ms_per_frame * 1e3)
                                  : 0.0;
        out->ratio_to_bare = out->bare_ms_per_frame > 0 ? out->ms_per_frame / out->bare_ms_per_frame : 0.0;
        out->passes = (ss_bmode_pass_times){.lines_ms = t[T_LINES * frames + mid],
                                            .image_ms = t[T_IMAGE * frames + mid],
                                            .scan_ms = t[T_SCAN * frames + mid],
                                            .speckle_cpu_ms = t[T_SPECKLE * frames + mid]};
    }
    ss_bmode_frame_free(&f);
    free(t);
    free(bare);
    return st;
}

/* The sidecar both raw writers share: layout, sizes, line geometry and the probe. */
static cJSON *ss__sidecar(const ss_bmode_frame *f, const char *format)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "format", format);
    cJSON_AddNumberToObject(j, "lines", f->lines);
    cJSON_AddNumberToObject(j, "samples", f->samples);
    cJSON_AddNumberToObject(j, "sample_spacing_mm", f->sample_spacing_mm);
    cJSON_AddNumberToObject(j, "first_sample_mm", f->first_sample_mm);
    cJSON *ang = cJSON_AddArrayToObject(j, "line_angles_deg");
    cJSON *lx = cJSON_AddArrayToObject(j, "line_x_mm");
    for (int i = 0; i < f->lines; i++) {
        cJSON_AddItemToArray(ang, cJSON_CreateNumber(f->line_angle_deg[i]));
        cJSON_AddItemToArray(lx, cJSON_CreateNumber(f->line_x_mm[i]));
    }
    cJSON *pj = cJSON_AddObjectToObject(j, "probe");
    cJSON_AddStringToObject(pj, "kind", f->probe.kind == SS_PROBE_LINEAR ? "linear" : "convex");
    cJSON_AddNumberToObject(pj, "freq_mhz", f->probe.freq_mhz);
    cJSON_AddNumberToObject(pj, "radius_mm", f->probe.radius_mm);
    cJSON_AddNumberToObject(pj, "fov_deg", f->probe.fov_deg);
    cJSON_AddNumberToObject(pj, "width_mm", f->probe.width_mm);
    cJSON_AddNumberToObject(pj, "depth_mm", f->probe.depth_mm);
    cJSON_AddNumberToObject(pj, "focal_depth_mm", f->probe.focal_depth_mm);
    cJSON_AddNumberToObject(pj, "f_number", f->probe.f_number);
    cJSON_AddNumberToObject(pj, "elevation_mm", f->probe.elevation_mm);
    return j;
}

/* Writes bytes to path and the JSON j (consumed) to path + ".json". */
static ss_status ss__write_raw(const char *path, const void *data, size_t bytes, cJSON *j)
{
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        cJSON_Delete(j);
        return ss_error_set(SS_ERR_IO, "%s: cannot open for writing", path);
    }
    bool ok = fwrite(data, 1, bytes, fp) == bytes;
    if (fclose(fp) != 0) ok = false;
    if (!ok) {
        cJSON_Delete(j);
        return ss_error_set(SS_ERR_IO, "%s: write failed", path);
    }
    char *text = cJSON_Print(j);
    cJSON_Delete(j);
    if (!text) return ss_error_set(SS_ERR_NOMEM, "%s.json: out of memory", path);
    size_t plen = strlen(path);
    char *jp = malloc(plen + 6);
    if (!jp) {
        cJSON_free(text);
        return ss_error_set(SS_ERR_NOMEM, "%s.json: out of memory", path);
    }
    memcpy(jp, path, plen);
    memcpy(jp + plen, ".json", 6);
    FILE *fj = fopen(jp, "wb");
    ok = fj && fputs(text, fj) >= 0;
    if (fj && fclose(fj) != 0) ok = false;
    cJSON_free(text);
    ss_status st = ok ? SS_OK : ss_error_set(SS_ERR_IO, "%s: cannot write", jp);
    free(jp);
    return st;
}

ss_status ss_bmode_envelope_write_f32(const char *path, const ss_bmode_frame *f)
{
    if (!path || !f || !f->envelope) return ss_error_set(SS_ERR_INVALID, "envelope write: no frame");
    size_t n = (size_t)f->lines * (size_t)f->samples;
    unsigned char *buf = malloc(4 * n);
    if (!buf) return ss_error_set(SS_ERR_NOMEM, "%s: out of memory", path);
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &f->envelope[i], 4);
        buf[4 * i] = (unsigned char)(u & 0xFF);
        buf[4 * i + 1] = (unsigned char)((u >> 8) & 0xFF);
        buf[4 * i + 2] = (unsigned char)((u >> 16) & 0xFF);
        buf[4 * i + 3] = (unsigned char)(u >> 24);
    }
    ss_status st =
        ss__write_raw(path, buf, 4 * n, ss__sidecar(f, "float32 little-endian, samples fastest, linear envelope before TGC"));
    free(buf);
    return st;
}

ss_status ss_bmode_labels_write_u8(const char *path, const ss_bmode_frame *f)
{
    if (!path || !f || !f->labels) return ss_error_set(SS_ERR_INVALID, "labels write: no frame");
    cJSON *j = ss__sidecar(f, "uint8, samples fastest: tissue label on each line's central ray (tissue.h ids)");
    cJSON *names = cJSON_AddObjectToObject(j, "labels");
    for (int l = 0; l < SS_TISSUE_COUNT; l++) cJSON_AddNumberToObject(names, ss_tissue_get(l)->name, l);
    return ss__write_raw(path, f->labels, (size_t)f->lines * (size_t)f->samples, j);
}

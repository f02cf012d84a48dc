/* bmode_cpu.h: the CPU reference B-mode simulator (ray march + world-fixed speckle).
 *
 * What the trainee sees is made here, once, clearly; the GPU renderer must reproduce
 * it (8-bit images within 2 grey levels mean). The model (docs/acoustics.md):
 *   0. Contact: the probe is pressed in along its beam until the central
 *      SS_BMODE_CONTACT_SHARE of its face touches the skin (at most SS_BMODE_PRESS_MAX_MM);
 *      a line whose element is still more than SS_BMODE_GEL_MM above the skin is black;
 *      under an element inside the skin the indentation is taken up over the first
 *      SS_BMODE_COMPRESSION_MM (deeper tissue stays where it is).
 *   1. March: per scan line, a few parallel rays spread over the elevation slice
 *      march from the face with a fixed step through the tissue volume. Where the
 *      label changes: Z = rho c, the crossing found to sub-voxel precision (the zero of
 *      hard_sdf for bone/metal, the halfway impedance for soft tissue), incidence from
 *      the surface normal, intensity reflection R(theta), echo sqrt(R) * directivity *
 *      tau. Soft surfaces met past SS_BMODE_GRAZING_DEG are passed; rays bend (Snell, in
 *      the image plane) only at soft interfaces; past a bone entry the beam returns no
 *      specular echo (only bone's near surface shows). tau (two-way amplitude) is kept
 *      per step. The elevation rays' echoes of one surface merge into one echo. Metal
 *      adds a ring-down comet tail; the needle (analytic steel cylinder) a specular and
 *      a diffuse shaft echo, a tip echo, a reverberation tail and a partial shadow.
 *   2. Speckle: every world-fixed scatterer (scatter.h), its amplitude modulated by the
 *      tissue's microstructure (tissue_texture.h), within one line spacing of the
 *      (refracted) central ray inside the elevation slab, is splatted once per
 *      neighbouring line: a * tau * (1 - |l| / line spacing) * exp(-e^2/2se^2) *
 *      e^{-i 2 k0 a} at its exact axial position a; then a lateral kernel sigma_l(z)
 *      (aperture and focus: narrowest at the focus) across lines gives the lateral PSF.
 *      Electronic noise goes through the same kernel (band-limited, not white).
 *   3. PSF/envelope: axial Gaussian pulse (sigma_a = lambda/2) convolution of the
 *      complex line, |IQ| = envelope.
 *   4. TGC (8 sliders + optional automatic 2 alpha f z), gain, log compression
 *      B = 255 clip((20 log10 E - E_white + G + DR) / DR) with E_white = speckle_level_db +
 *      SS_BMODE_DISPLAY_HEADROOM_DB, scan conversion to 8 bits. Labels: the tissue on
 *      each line's central ray at each sample (and steel in the needle).
 * Envelope units: a perfect planar reflector (R = 1) at normal incidence with no loss
 * in front of it gives envelope 1 (= 0 dB, white at zero gain).
 * Deterministic: same scene, probe, pose, settings and seed give identical bytes, for
 * any thread count (lines are independent). It never prints and never allocates
 * per line; ss_bmode_frame keeps its buffers between calls.
 */
#ifndef SS_BMODE_CPU_H
#define SS_BMODE_CPU_H

#include <stdint.h>

#include "error.h"
#include "image.h"
#include "probe.h"
#include "scan_convert.h"
#include "tissue_volume.h"

/* The needle: a straight steel cylinder from tip_mm back along -dir for length_mm
 * (dir points the way the needle advances). Not voxelized. */
typedef struct ss_needle_geom {
    float tip_mm[3];
    float dir[3];
    float length_mm;
    float outer_diameter_mm; /* 18G 1.27, 20G 0.91, 22G 0.72 */
} ss_needle_geom;

typedef struct ss_bmode_scene {
    const ss_volume *volume;      /* required; outside it is coupling gel (AIR label) */
    const ss_needle_geom *needle; /* optional */
} ss_bmode_scene;

#define SS_BMODE_TGC_SLIDERS 8

/* Switches for tests and teaching; zero = everything on. */
enum {
    SS_BMODE_NO_SPECKLE = 1u << 0,
    SS_BMODE_NO_SPECULAR = 1u << 1, /* no interface / needle echoes (transmission still applies) */
    SS_BMODE_NO_NOISE = 1u << 2,
    SS_BMODE_NO_REFRACTION = 1u << 3,
    SS_BMODE_NO_CONTACT = 1u << 4, /* lines start at the face even where gel lies under it */
    SS_BMODE_NO_TEXTURE = 1u << 5, /* muscle and fat without their microstructure (tissue_texture.h) */
    SS_BMODE_NO_CULL = 1u << 6,    /* splat every scatterer, even those far under the noise (ss_bmode_tau_floor) */
};

typedef struct ss_bmode_settings {
    uint32_t seed;                   /* scatterer field and noise */
    int threads;                     /* 0 = 2 */
    float gain_db;                   /* 0 */
    float dynamic_range_db;          /* 60 */
    float tgc_db[SS_BMODE_TGC_SLIDERS]; /* sliders at depths (k + 0.5) / 8 * depth, interpolated */
    int tgc_auto;                    /* 1: add 2 * tgc_auto_alpha * f * z dB */
    float tgc_auto_alpha_db_cm_mhz;  /* 0.9 (average of the back's soft tissues) */
    float speckle_level_db;          /* -46: rms envelope of amplitude-1 tissue at 16 /mm^3, against a
                                        perfect planar reflector at 0 dB (docs/acoustics.md: the
                                        calibration of speckle against bone and soft interfaces) */
    float noise_db;                  /* -130: rms electronic noise (after the beam's band limit) */
    int image_width_px;              /* 512 */
    float march_step_mm;             /* 0 = min(0.25, voxel / 2) */
    int elevation_rays;              /* 3 (odd, 1..7): rays across the slice */
    float directivity_soft_deg;      /* 30: echo * exp(-theta^2 / s^2) */
    float directivity_bone_deg;      /* 40 (rough surface) */
    float directivity_metal_deg;     /* 20 */
    float directivity_needle_deg;    /* 20 */
    float needle_tip_amplitude;      /* 0.35 */
    float needle_diffuse_amplitude;  /* 0.6: the shaft's rough-surface scatter (docs/acoustics.md) */
    float directivity_needle_diffuse_deg; /* 70 */
    float reverb_decay;              /* 0.55 per repeat (needle and metal) */
    int reverb_count;                /* 8 */
    unsigned flags;                  /* SS_BMODE_NO_* */
} ss_bmode_settings;

void ss_bmode_settings_default(ss_bmode_settings *s);
ss_status ss_bmode_settings_validate(const ss_bmode_settings *s);

/* Where a CPU frame's time went (ms): the wall time of each of its three passes over
 * the lines (phase 1: contact, march, echoes, needle, labels and the speckle splat;
 * phase 2: lateral kernel, axial pulse, envelope, TGC and log; scan conversion), and the
 * time the threads spent in the speckle splat and its noise, summed over them. */
typedef struct ss_bmode_pass_times {
    double lines_ms, image_ms, scan_ms;
    double speckle_cpu_ms;
} ss_bmode_pass_times;

/* Zero-initialise before the first render; free with ss_bmode_frame_free(). */
typedef struct ss_bmode_frame {
    int lines, samples;
    float sample_spacing_mm, first_sample_mm;
    float *envelope;       /* lines x samples (samples fastest), linear, before TGC */
    float *grey;           /* lines x samples, after TGC + log compression, 0..255 */
    float *line_angle_deg; /* lines (convex; 0 for linear) */
    float *line_x_mm;      /* lines: probe-frame x of each line's origin on the face */
    float press_mm;        /* how far the probe was pressed in along its beam (contact model) */
    float *line_contact_mm; /* lines: tissue compressed under the line's element (mm; 0 = touching
                               or coupled through gel), -1 = no skin contact (the line is black) */
    uint8_t *labels;       /* lines x samples (samples fastest): the tissue label (tissue.h) the
                              line's central ray is in at each sample (refracted path), STEEL
                              where it meets the needle shaft, AIR on lines without contact */
    ss_probe probe;        /* the probe this frame was made with */
    ss_scan_geometry geom; /* pixel <-> probe-frame mm */
    ss_image image;        /* geom.width x geom.height, 8-bit */
    ss_scan_map map;       /* private cache */
    long speckle_splats;   /* scatterers the CPU renderer splatted into the lines (0 from the GPU) */
    long speckle_screened; /* scatterers its sweeps of the lines' tubes screened: cells x draws (0 from the GPU) */
    ss_bmode_pass_times times; /* the CPU renderer's passes (0 from the GPU) */
    float *work;           /* private: per-frame RF buffers of the CPU renderer */
    size_t work_floats;
    float *noise;          /* private: the CPU renderer's electronic noise per line and RF bin
                              (it depends only on the seed, the line and the bin: made once,
                              kept while noise_seed, noise_lines and noise_bins hold) */
    size_t noise_floats;
    uint32_t noise_seed;
    int noise_lines, noise_bins; /* 0: noise not made */
} ss_bmode_frame;

void ss_bmode_frame_free(ss_bmode_frame *f);

ss_status ss_bmode_cpu_render(const ss_bmode_scene *scene, const ss_probe *probe, const ss_probe_pose *pose,
                              const ss_bmode_settings *s, ss_bmode_frame *out);

/* Benchmark baseline: per line and sample one nearest-voxel label fetch at the
 * sample's world position, nothing else; out gets lines x samples labels as floats.
 * Threaded like the renderer. */
ss_status ss_bmode_cpu_bare_march(const ss_bmode_scene *scene, const ss_probe *probe, const ss_probe_pose *pose,
                                  const ss_bmode_settings *s, float *out);

typedef struct ss_bmode_bench {
    int lines, samples, frames, threads;
    double ms_per_frame;      /* median over frames */
    double fps;
    double msamples_per_s;
    double bare_ms_per_frame; /* median of the bare march */
    double ratio_to_bare;
    ss_bmode_pass_times passes; /* the CPU renderer's: each the median over the frames */
} ss_bmode_bench;

/* Renders `frames` frames (and as many bare marches) and reports medians. */
ss_status ss_bmode_cpu_bench(const ss_bmode_scene *scene, const ss_probe *probe, const ss_probe_pose *pose,
                             const ss_bmode_settings *s, int frames, ss_bmode_bench *out);

/* ------------------------------------------------------------------ shared with the GPU
 * The numbers both backends derive from (probe, voxel size, settings), so that the GPU
 * renderer (engine/gpu/bmode_gpu.c) uses exactly the CPU's constants and tables: per
 * label acoustic tables from ss_tissue_get(), beam tables per march step, the axial
 * pulse kernel, phasor and Gaussian tables. Filled by the same code the CPU renderer
 * uses (one source of truth). */
#define SS_BMODE_MAX_RAYS 7
#define SS_BMODE_MAX_PIECES 48     /* straight ray pieces per line (refraction) */
#define SS_BMODE_KERNEL_HALF 160
#define SS_BMODE_MAX_SPB 16        /* samples one RF bin may serve (ss_bmode_model.spb) */
/* The RF bin at or before sample j's depth, (j + 0.5) m / spb bins (m bins a sample, or one
 * bin every spb samples; one of the two is 1): the axial pulse's taps start K bins before
 * it (the shaders compute the same integer). */
static inline int ss_bmode_centre_bin(int j, int m, int spb) { return (2 * j + 1) * m / (2 * spb); }
#define SS_BMODE_PHASE_N 4096      /* phasor table: 2 pi / 4096 phase steps */
#define SS_BMODE_GAUSS_N 2048      /* exp(-q) table over q in [0, SS_BMODE_GAUSS_QMAX] */
#define SS_BMODE_GAUSS_QMAX 4.f
#define SS_BMODE_TUBE_SIGMAS 1.5f  /* speckle slab half-width in elevation sigmas (96.6 % of the intensity) */
/* A speckle slab's rows of cells bounded one by one (ss__row_cells, bmode_speckle.comp)
 * only where a strip of the tube crosses the cells at least this steeply (its direction's
 * component along them), and each row's bounds widened by this much (mm, and a fraction of
 * the distance from the origin) against the floats' rounding */
#define SS_BMODE_ROW_MIN_W1 0.05f
#define SS_BMODE_ROW_MARGIN_MM 1e-3f
#define SS_BMODE_ROW_MARGIN_REL 1e-5f
#define SS_BMODE_LAT_MAX 32        /* lateral speckle kernel: at most 2 * 32 + 1 lines */
#define SS_BMODE_LAT_SIGMAS 2.5f   /* lateral kernel half-width in lateral sigmas */
#define SS_BMODE_LAT_STRIDE (SS_BMODE_LAT_MAX + 3) /* per step: J, bracket, w_0..w_LAT_MAX */
#define SS_BMODE_MAX_PER_CELL 6    /* scatterers drawn per lattice cell at most */
/* scatterers in the effective resolution volume below which a cell draws more: ~10 give
 * fully developed (Rayleigh) speckle (Oosterveld et al. 1985); the physics test holds the
 * envelope's mean/std at 1.91 +- 0.10 */
#define SS_BMODE_MIN_SCATTERERS 10.f
/* Contact (docs/acoustics.md): the probe is pressed in along its beam until the central
 * CONTACT_SHARE of its face touches the skin, at most PRESS_MAX_MM; an element more than
 * GEL_MM above the skin has no contact; tissue under an element inside the skin is
 * compressed over COMPRESSION_MM. Gaps are searched CONTACT_SEARCH_MM along a line. */
#define SS_BMODE_CONTACT_SHARE 0.8f
#define SS_BMODE_PRESS_MAX_MM 6.f
#define SS_BMODE_GEL_MM 1.f
#define SS_BMODE_COMPRESSION_MM 20.f
#define SS_BMODE_CONTACT_SEARCH_MM 30.f
#define SS_BMODE_SKIN_SOLID_MM 0.5f /* contact: the skin is tissue the line stays in this far */
/* the whole steps of `step` mm that make SS_BMODE_SKIN_SOLID_MM (CPU and GPU share it) */
static inline int ss_bmode_skin_solid_steps(float step)
{
    int k = (int)(SS_BMODE_SKIN_SOLID_MM / step + 0.999f);
    return k < 1 ? 1 : k;
}
#define SS_BMODE_REF_DENSITY_MM3 16.f
/* Scatterers behind so much attenuation and reflection that their echo is this far below
 * the electronic noise (two-way transmission tau < ss_bmode_tau_floor()) are not splatted:
 * their power is at most 10^(-CULL/10) of the noise's where they lie, invisible at any
 * gain (noise and speckle get the same gain and TGC). Behind bone most of the speckle
 * lattice is such (docs/acoustics.md "Speed"). */
#define SS_BMODE_SPECKLE_CULL_DB 30.f
#define SS_BMODE_NOISE_N 4096      /* table of complex Gaussian noise values */
#define SS_BMODE_EVENT_MATCH_MM 1.0f /* elevation rays' echoes this close count as one surface */
#define SS_BMODE_MAX_EVENTS 160      /* echoes one elevation ray keeps (more are dropped) */
#define SS_BMODE_EV_REVERB 0xFFFFu   /* echo key of a metal ring-down (else label pair lab << 8 | next) */
#define SS_BMODE_GRAZING_DEG 60.f    /* soft interfaces met more obliquely than this are passed */
/* Log compression: white at zero gain is this far above speckle_level_db (so the speckle
 * keeps its grey whatever the calibration; specular echoes above it saturate, as bone
 * does on a scanner). */
#define SS_BMODE_DISPLAY_HEADROOM_DB 30.f

enum { SS_BMODE_CLASS_SOFT = 0, SS_BMODE_CLASS_BONE = 1, SS_BMODE_CLASS_METAL = 2 };

typedef struct ss_bmode_model {
    /* per label (0..255; labels without a table entry are AIR) */
    float z_mrayl[256], c_m_s[256];
    float att_half[256];   /* two-way amplitude factor over half a march step */
    float p_occ[256], amp[256]; /* scatterer occupancy probability and amplitude factor */
    int cls[256];          /* SS_BMODE_CLASS_* */
    /* geometry */
    float ds, inv_ds, depth, lambda, k2, sigma_a, delta, inv_delta;
    int m, spb, nbins, nsteps, nrays, per_cell, kernel_half; /* m RF bins a sample, or one every spb samples */
    float ray_de;
    float ray_e[SS_BMODE_MAX_RAYS], ray_w[SS_BMODE_MAX_RAYS];
    float kernel[2 * SS_BMODE_KERNEL_HALF + 2]; /* spb phases of 2 kernel_half + 2 taps (ss__ctx_init) */
    float dir_soft, dir_bone, dir_metal, dir_needle; /* 1 / sigma^2 in rad^-2 */
    float dir_needle_diffuse;
    float noise_rms, cell, phase_scale, tgc_lin_db_per_mm;
    float noise_bins;      /* rms per RF bin of the noise when there is no lateral kernel */
    float noise_tab[2 * SS_BMODE_NOISE_N]; /* complex Gaussian noise values, E|n|^2 = 1 */
    float grazing_cos;     /* cos SS_BMODE_GRAZING_DEG */
    float display_ref_db;  /* envelope (dB) shown white at zero gain */
    float tau_floor;       /* speckle cull: ss_bmode_tau_floor() */
    int tex_kind[256];     /* per label: tissue_texture.h table, -1 none (or textures off) */
    float cos_tab[SS_BMODE_PHASE_N + 1], sin_tab[SS_BMODE_PHASE_N + 1];
    float gauss_tab[SS_BMODE_GAUSS_N + 2];
    /* per march step k (depth (k + 0.5) ds), nsteps + 1 entries each, one allocation:
     * SS_BMODE_BEAM_TABLES tables in this order, then the lateral kernels */
    float *inv2sl2, *inv2se2, *lim_l2, *lim_e2, *norm, *sig_l, *sig_e;
    float *hat, *inv_hat; /* speckle splat: half-width (= line spacing at that depth) and 1/it */
    float *noise_spk;     /* rms per RF bin of the noise added before the lateral kernel */
    /* lateral speckle kernel per step: lat[k * SS_BMODE_LAT_STRIDE + 0] = J (as float),
     * + 1 = bracket (2/3 sum w_j^2 + 1/3 sum w_j w_j+1 over j = -J..J), + 2 + j = w_j */
    float *lat;
} ss_bmode_model;
#define SS_BMODE_BEAM_TABLES 10

/* The two-way transmission below which a scatterer is not splatted (SS_BMODE_SPECKLE_CULL_DB
 * under the noise, relative to speckle_level_db at transmission 1); 0 (no cull) when the
 * image has no noise or no speckle. A ray's transmission only falls with depth, so every
 * scatterer past the first step where all of a line's rays are below it is culled. */
float ss_bmode_tau_floor(const ss_bmode_settings *s);

/* Fills *out (free with ss_bmode_model_free). voxel_mm: the volume's spacing. */
ss_status ss_bmode_model_make(const ss_probe *probe, float voxel_mm, const ss_bmode_settings *s,
                              ss_bmode_model *out);
void ss_bmode_model_free(ss_bmode_model *m);

/* Sizes a frame's buffers, scan geometry, scan map and line tables for probe and
 * settings (what every backend does before writing into it). */
ss_status ss_bmode_frame_prepare(ss_bmode_frame *f, const ss_probe *probe, const ss_bmode_settings *s);

/* How far the contact model presses the probe in along its beam (mm) for this pose. */
float ss_bmode_press_mm(const ss_volume *v, const ss_probe *probe, const ss_probe_pose *pose, const ss_bmode_settings *s);

/* The needle checks of ss_bmode_cpu_render (direction, length, diameter). */
ss_status ss_bmode_needle_validate(const ss_needle_geom *n);

/* The input checks of ss_bmode_cpu_render (scene, needle, probe, settings). */
ss_status ss_bmode_check_inputs(const ss_bmode_scene *scene, const ss_probe *probe, const ss_probe_pose *pose,
                                const ss_bmode_settings *s);

/* Raw little-endian float32 envelope (samples fastest) at path, and path + ".json"
 * with lines, samples, sample_spacing_mm, first_sample_mm, line_angles_deg,
 * line_x_mm and the probe. */
ss_status ss_bmode_envelope_write_f32(const char *path, const ss_bmode_frame *f);

/* The frame's label map as raw uint8 (samples fastest, the --envelope layout) at path,
 * and path + ".json" with lines, samples, sample_spacing_mm, first_sample_mm,
 * line_angles_deg, line_x_mm and labels (lower-case tissue name -> id, tissue.h). */
ss_status ss_bmode_labels_write_u8(const char *path, const ss_bmode_frame *f);

#endif

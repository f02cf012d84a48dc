/* tissue_volume.h: the patient voxelized into tissue labels, plus a signed distance to
 * the nearest hard (bone or metal) surface so that renderers get smooth surfaces and
 * exact-enough normals.
 *
 * Layout is fixed because the GPU uploads these arrays as 3D textures unchanged:
 *   index(i,j,k) = i + nx*(j + ny*k), x fastest; voxel (i,j,k) has its centre at
 *   origin_mm + spacing_mm * (i,j,k) in the patient frame (DESIGN.md: origin at the
 *   centre of the S1 upper endplate, +x patient's left, +y posterior, +z cranial).
 *   labels:   uint8, ss_tissue values (GL_R8UI).
 *   hard_sdf: int8, signed distance to the nearest bone/metal surface in units of
 *             SS_VOLUME_SDF_UNIT_MM (volume_sdf.h), negative inside hard tissue, clamped to +-127
 *             (so exact within +-SS_VOLUME_SDF_RANGE_MM of a surface) (GL_R8_SNORM:
 *             texture value * SS_VOLUME_SDF_RANGE_MM = distance in mm).
 * Normals of hard surfaces: the normalized gradient of hard_sdf (central differences).
 */
#ifndef SS_TISSUE_VOLUME_H
#define SS_TISSUE_VOLUME_H

#include <stddef.h>
#include <stdint.h>

#include "volume_sdf.h"

typedef struct ss_volume {
    int nx, ny, nz;
    float spacing_mm;
    float origin_mm[3];
    uint8_t *labels;
    int8_t *hard_sdf;
} ss_volume;

/* ------------------------------------------------------------------ building (tissue_volume.c)
 * The voxelizer: rasterizes a built ss_spine (spine.h) into this layout. Each primitive of
 * the model is visited only inside its bounding box (plus the distance band for hard
 * tissue), marching along x rows and skipping by its own distance; the back's layers are
 * filled analytically. Threads (pthreads) fill interleaved z-slabs; the result does not
 * depend on the thread count. Nothing here knows about ultrasound. */
#include <stdbool.h>
#include "error.h"

typedef struct ss_spine ss_spine;

typedef struct ss_volume_desc {
    float spacing_mm;       /* 0 = 0.5 mm */
    int threads;            /* 0 = online CPUs (at most 16) */
    bool use_bounds;        /* false = the model's default region (ss_spine_info.volume_lo/hi_mm) */
    double lo_mm[3], hi_mm[3];
} ss_volume_desc;

void ss_volume_desc_default(ss_volume_desc *out);

/* Builds *out (its arrays malloc'ed; free with ss_volume_free). desc may be NULL. */
ss_status ss_volume_build(const ss_spine *spine, const ss_volume_desc *desc, ss_volume *out);
void ss_volume_free(ss_volume *vol);

/* 64-bit FNV-1a over dims, spacing, origin, labels and hard_sdf (determinism tests). */
uint64_t ss_volume_hash(const ss_volume *vol);

/* Label of the voxel nearest to p (patient frame, mm); SS_TISSUE_AIR outside the volume. */
int ss_volume_label_at(const ss_volume *vol, const double p_mm[3]);

/* Bytes held by the two arrays. */
size_t ss_volume_bytes(const ss_volume *vol);

typedef enum ss_volume_slice {
    SS_SLICE_SAGITTAL, /* plane x = pos: columns y (anterior left, posterior right), rows z (cranial up) */
    SS_SLICE_CORONAL,  /* plane y = pos, seen from behind: patient's left on the left, cranial up */
    SS_SLICE_AXIAL     /* plane z = pos: posterior (skin) up, patient's left on the left (as the
                          coronal slice, and as a transverse scan from the back is drawn) */
} ss_volume_slice;

/* One label slice as an RGB PNG (colours from ss_tissue_get(label)->rgb), one pixel a voxel. */
ss_status ss_volume_write_slice_png(const ss_volume *vol, ss_volume_slice axis, double pos_mm, const char *path);

/* DIR/sagittal.png (mid-sagittal through the L3-L4 sac centre), DIR/coronal.png (through
 * the L3-L4 window centre), DIR/axial_L1-L2.png .. axial_L5-S1.png (through each window
 * centre). DIR must exist. */
ss_status ss_volume_write_standard_slices(const ss_volume *vol, const ss_spine *spine, const char *dir);

/* Timing for `sonospine bench`: builds the volume `repeats` times (>= 1) and reports the
 * fastest build. */
typedef struct ss_volume_bench_result {
    float spacing_mm;
    int threads;
    int nx, ny, nz;
    size_t voxels;
    size_t bytes;           /* labels + hard_sdf */
    double build_ms;        /* median of the repeats, wall clock */
    uint64_t hash;
} ss_volume_bench_result;

ss_status ss_volume_bench(const ss_spine *spine, float spacing_mm, int threads, int repeats,
                          ss_volume_bench_result *out);

#endif

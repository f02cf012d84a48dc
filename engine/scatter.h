/* scatter.h: the world-fixed field of sub-resolution scatterers that makes speckle.
 *
 * The patient frame is cut into cubic cells of SS_SCATTER_CELL_MM. Cell (ix,iy,iz)
 * holds at most one point scatterer whose position, occupancy and amplitude are a
 * pure function of (seed, ix, iy, iz) through an integer hash: nothing is stored, the
 * pattern is fixed to the anatomy (moving the probe moves the image over the same
 * speckle), and a GLSL port computes identical values with 32-bit unsigned integer
 * arithmetic only (multiply, xor, shift; no floats until the final scaling).
 *
 * A cell may be asked for more than one scatterer (ss_scatter_nth) where the
 * resolution cell is small; the first is always the same.
 * Tissue decides what the cell holds (tissue table: scatter_density_mm3,
 * scatter_amplitude): with p = density * cell volume, a cell is occupied when its
 * occupancy draw u < p (p < 1), or always with amplitude scaled by sqrt(p) (p >= 1),
 * so mean backscattered intensity is proportional to density * amplitude^2 either
 * way. Amplitudes are uniform with zero mean and unit variance (times the tissue
 * amplitude); phases come from the random positions, so sums of many of them give
 * circular Gaussian IQ (Rayleigh envelope).
 * This module does not know about beams or probes.
 */
#ifndef SS_SCATTER_H
#define SS_SCATTER_H

#include <stdint.h>

#define SS_SCATTER_CELL_MM 0.625f /* 4.1 cells per mm^3 (>= 10 per resolution cell at 3.5 MHz) */

typedef struct ss_scatterer {
    float pos_mm[3];   /* inside the cell */
    float occupancy_u; /* uniform [0,1): occupied when < density * cell volume */
    float amp_unit;    /* uniform, mean 0, variance 1: in [-sqrt 3, sqrt 3] */
} ss_scatterer;

/* 32-bit integer hash of a cell (bijective final mix; good avalanche). */
static inline uint32_t ss_scatter_hash(uint32_t seed, int32_t ix, int32_t iy, int32_t iz)
{
    uint32_t h = seed * 0x9E3779B9u;
    h ^= (uint32_t)ix * 0x8DA6B343u;
    h ^= (uint32_t)iy * 0xD8163841u;
    h ^= (uint32_t)iz * 0xCB1AB31Fu;
    h ^= h >> 16;
    h *= 0x7FEB352Du;
    h ^= h >> 15;
    h *= 0x846CA68Bu;
    h ^= h >> 16;
    return h;
}

/* Second, independent draw from the first hash. */
static inline uint32_t ss_scatter_rehash(uint32_t h)
{
    h ^= 0x5BD1E995u;
    h ^= h >> 15;
    h *= 0x2C1B3C6Du;
    h ^= h >> 12;
    h *= 0x297A2D39u;
    h ^= h >> 15;
    return h;
}

/* Hash of the n-th (n >= 1) extra scatterer of a cell whose first hash is h0 (renderers
 * that need more scatterers per resolution cell draw 1 + n of them per cell). */
static inline uint32_t ss_scatter_nth(uint32_t h0, int n)
{
    return ss_scatter_rehash(h0 + (uint32_t)n * 0x632BE5ABu) ^ 0x85EBCA6Bu;
}

/* Position of the scatterer of a cell: 10 bits of the hash per axis. */
static inline void ss_scatter_position(uint32_t h, int32_t ix, int32_t iy, int32_t iz, float cell_mm,
                                       float pos_mm[3])
{
    const float q = 1.f / 1024.f;
    pos_mm[0] = cell_mm * ((float)ix + ((float)(h & 1023u) + 0.5f) * q);
    pos_mm[1] = cell_mm * ((float)iy + ((float)((h >> 10) & 1023u) + 0.5f) * q);
    pos_mm[2] = cell_mm * ((float)iz + ((float)((h >> 20) & 1023u) + 0.5f) * q);
}

/* Occupancy draw (16 bits) and unit amplitude (16 bits) from the second hash. */
static inline void ss_scatter_draws(uint32_t h2, float *occupancy_u, float *amp_unit)
{
    *occupancy_u = (float)(h2 & 0xFFFFu) * (1.f / 65536.f);
    *amp_unit = 1.7320508f * (((float)(h2 >> 16) + 0.5f) * (1.f / 32768.f) - 1.f);
}

/* Everything about one cell (convenience for tests and tools). */
void ss_scatter_cell(uint32_t seed, int32_t ix, int32_t iy, int32_t iz, float cell_mm, ss_scatterer *out);

/* Occupancy probability and amplitude factor for a tissue with the given density
 * (per mm^3) and amplitude, for cells of cell_mm: see the comment at the top. */
void ss_scatter_tissue_factors(float density_mm3, float amplitude, float cell_mm, float *p_occupied,
                               float *amp_factor);

#endif

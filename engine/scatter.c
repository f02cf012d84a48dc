/* scatter.c: see scatter.h. */
#include "scatter.h"

#include <math.h>

void ss_scatter_cell(uint32_t seed, int32_t ix, int32_t iy, int32_t iz, float cell_mm, ss_scatterer *out)
{
    uint32_t h = ss_scatter_hash(seed, ix, iy, iz);
    ss_scatter_position(h, ix, iy, iz, cell_mm, out->pos_mm);
    ss_scatter_draws(ss_scatter_rehash(h), &out->occupancy_u, &out->amp_unit);
}

void ss_scatter_tissue_factors(float density_mm3, float amplitude, float cell_mm, float *p_occupied,
                               float *amp_factor)
{
    float p = density_mm3 * cell_mm * cell_mm * cell_mm;
    if (p <= 0.f || amplitude <= 0.f) {
        *p_occupied = 0.f;
        *amp_factor = 0.f;
    } else if (p < 1.f) {
        *p_occupied = p;
        *amp_factor = amplitude;
    } else {
        *p_occupied = 1.f;
        *amp_factor = amplitude * sqrtf(p);
    }
}

/* tissue_texture.h: the world-fixed microstructure of muscle and fat that modulates their
 * backscatter, so that they read as they do on a scan (REFERENCE.md §7, soft tissue):
 * erector spinae as hypoechoic fascicles separated by bright perimysial septa and, every
 * centimetre or two, brighter fascial planes between muscle bellies, all running along the
 * fibres (cranio-caudal, +z, drifting slightly in x with z: pennation); subcutaneous fat
 * as dark lobules with bright fibrous septa lying mostly parallel to the skin.
 *
 * The pattern is a periodic table over the patient's (x, y) plane (the fibres' cross
 * section), built once: a two-scale cellular (Voronoi) field, bright on the cell borders.
 * Renderers multiply each scatterer's amplitude by ss_texture_amplitude(); the table is
 * scaled so that the mean of its square is 1 per tissue, so a tissue's mean backscattered
 * power (tissue.c) is unchanged and only its spatial structure is added. Textures are a
 * modelling choice (docs/acoustics.md says which numbers were chosen and why); they are
 * deterministic and the same on CPU and GPU (the GPU gets the table as a buffer).
 * This module knows tissue labels, not anatomy, beams or probes.
 */
#ifndef SS_TISSUE_TEXTURE_H
#define SS_TISSUE_TEXTURE_H

#include <stdint.h>

#include "simd.h"

#define SS_TEXTURE_N 1024           /* table side (cells) */
#define SS_TEXTURE_CELL_MM 0.125f   /* table cell: the period is N x cell = 128 mm */
#define SS_TEXTURE_DRIFT 0.12f      /* x drift per mm of z (fibres about 7 deg off +z) */
#define SS_TEXTURE_KINDS 2          /* 0 muscle, 1 fat */

/* The tables: SS_TEXTURE_KINDS x N x N amplitude factors, x fastest (built on first use,
 * thread-safe, never freed). */
const float *ss_texture_table(void);

/* Which table a tissue uses: 0 muscle, 1 fat, -1 none (amplitude factor 1). */
int ss_texture_kind(int label);

/* Amplitude factor of a scatterer of tissue `label` at pos (patient frame, mm). */
float ss_texture_amplitude(int label, const float pos_mm[3]);

/* The table index of a position (what the GPU port computes the same way). */
static inline uint32_t ss_texture_index(const float pos_mm[3])
{
    float x = (pos_mm[0] + SS_TEXTURE_DRIFT * pos_mm[2]) * (1.f / SS_TEXTURE_CELL_MM);
    float y = pos_mm[1] * (1.f / SS_TEXTURE_CELL_MM);
    /* ss_ifloor, not floorf: the same cells, and the speckle's loop of it vectorizes */
    int32_t ix = ss_ifloor(x), iy = ss_ifloor(y);
    return ((uint32_t)iy & (SS_TEXTURE_N - 1)) * SS_TEXTURE_N + ((uint32_t)ix & (SS_TEXTURE_N - 1));
}

#endif

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
 *             SS_VOLUME_SDF_UNIT_MM, negative inside hard tissue, clamped to +-127
 *             (so exact within +-SS_VOLUME_SDF_RANGE_MM of a surface) (GL_R8_SNORM:
 *             texture value * SS_VOLUME_SDF_RANGE_MM = distance in mm).
 * Normals of hard surfaces: the normalized gradient of hard_sdf (central differences).
 */
#ifndef SS_TISSUE_VOLUME_H
#define SS_TISSUE_VOLUME_H

#include <stddef.h>
#include <stdint.h>

#define SS_VOLUME_SDF_RANGE_MM 4.0f
#define SS_VOLUME_SDF_UNIT_MM (SS_VOLUME_SDF_RANGE_MM / 127.0f)

typedef struct ss_volume {
    int nx, ny, nz;
    float spacing_mm;
    float origin_mm[3];
    uint8_t *labels;
    int8_t *hard_sdf;
} ss_volume;

#endif

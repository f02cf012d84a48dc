/* volume_sdf.h: how the voxel volume stores a signed distance to hard tissue (bone,
 * graft, metal): int8 in units of SS_VOLUME_SDF_UNIT_MM, negative inside, clamped to
 * +-127 (so exact within +-SS_VOLUME_SDF_RANGE_MM of a surface). The GPU reads the
 * values as GL_R8_SNORM: texture value * SS_VOLUME_SDF_RANGE_MM = distance in mm.
 *
 * A header of its own because two layers must round alike: the voxelizer stores the
 * distances (tissue_volume.c) and the model's query (spine.c) tells cortical from
 * cancellous bone on the stored value, so that the needle and the voxels agree; the
 * model must not depend on the voxelizer. The volume itself: tissue_volume.h.
 */
#ifndef SS_VOLUME_SDF_H
#define SS_VOLUME_SDF_H

#include <math.h>
#include <stdint.h>

#define SS_VOLUME_SDF_RANGE_MM 4.0f
#define SS_VOLUME_SDF_UNIT_MM (SS_VOLUME_SDF_RANGE_MM / 127.0f)

/* The stored value of distance d_mm: nearest unit, clamped; a negative distance stays
 * negative (-1 at least), so that "inside" means the same in the volume and the query. */
static inline int8_t ss_volume_sdf_quantize(double d_mm)
{
    double q = d_mm / SS_VOLUME_SDF_UNIT_MM;
    if (q > 127) return 127;
    if (q < -127) return -127;
    long r = lrint(q);
    if (d_mm < 0 && r >= 0) r = -1;
    return (int8_t)r;
}

#endif

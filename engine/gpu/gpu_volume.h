/* gpu_volume.h: a tissue volume (tissue_volume.h) as GL 3D textures.
 *
 * labels   -> GL_R8UI   usampler3D, texelFetch only (labels never interpolate)
 * hard_sdf -> GL_R8_SNORM sampler3D, linear filtering (value * SS_VOLUME_SDF_RANGE_MM = mm)
 * Uploaded once per scenario; probe and needle changes never touch these.
 * Needs a current GL 4.3 context.
 */
#ifndef SS_GPU_VOLUME_H
#define SS_GPU_VOLUME_H

#include <GL/glew.h>

#include "error.h"
#include "tissue_volume.h"

typedef struct ss_gpu_volume {
    GLuint labels_tex;
    GLuint sdf_tex;      /* 0 when the volume has no hard_sdf */
    int nx, ny, nz;
    float spacing_mm;
    float origin_mm[3];
} ss_gpu_volume;

ss_status ss_gpu_volume_upload(const ss_volume *v, ss_gpu_volume *out);
void ss_gpu_volume_release(ss_gpu_volume *g);

/* Sets the uniforms every volume-reading shader declares (see shaders/volume.glsl):
 * vol_origin_mm, vol_spacing_mm, vol_size, and binds labels to texture unit
 * `labels_unit` and the SDF to `sdf_unit`. */
void ss_gpu_volume_bind(const ss_gpu_volume *g, GLuint program, int labels_unit, int sdf_unit);

#endif

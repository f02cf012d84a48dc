/* gpu_volume.c: see gpu_volume.h. */
#include "gpu_volume.h"

#include <string.h>

static GLuint ss__tex3d(GLenum internal, GLenum format, GLenum type, GLint filter, int nx, int ny, int nz,
                        const void *data)
{
    GLuint t;
    glGenTextures(1, &t);
    glBindTexture(GL_TEXTURE_3D, t);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexStorage3D(GL_TEXTURE_3D, 1, internal, nx, ny, nz);
    glTexSubImage3D(GL_TEXTURE_3D, 0, 0, 0, 0, nx, ny, nz, format, type, data);
    glTexParameteri(GL_TEXTURE_3D, GL_TEXTURE_MIN_FILTER, filter);
    glTexParameteri(GL_TEXTURE_3D, GL_TEXTURE_MAG_FILTER, filter);
    glTexParameteri(GL_TEXTURE_3D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_3D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_3D, GL_TEXTURE_WRAP_R, GL_CLAMP_TO_EDGE);
    return t;
}

ss_status ss_gpu_volume_upload(const ss_volume *v, ss_gpu_volume *out)
{
    memset(out, 0, sizeof *out);
    if (!v || !v->labels || v->nx <= 0 || v->ny <= 0 || v->nz <= 0)
        return ss_error_set(SS_ERR_INVALID, "cannot upload an empty tissue volume");
    GLint max3d = 0;
    glGetIntegerv(GL_MAX_3D_TEXTURE_SIZE, &max3d);
    if (v->nx > max3d || v->ny > max3d || v->nz > max3d)
        return ss_error_set(SS_ERR_UNSUPPORTED, "tissue volume %dx%dx%d exceeds the GL 3D texture limit %d", v->nx,
                            v->ny, v->nz, max3d);
    while (glGetError() != GL_NO_ERROR) {}
    out->labels_tex = ss__tex3d(GL_R8UI, GL_RED_INTEGER, GL_UNSIGNED_BYTE, GL_NEAREST, v->nx, v->ny, v->nz, v->labels);
    if (v->hard_sdf)
        out->sdf_tex = ss__tex3d(GL_R8_SNORM, GL_RED, GL_BYTE, GL_LINEAR, v->nx, v->ny, v->nz, v->hard_sdf);
    GLenum err = glGetError();
    if (err != GL_NO_ERROR) {
        ss_gpu_volume_release(out);
        return ss_error_set(err == GL_OUT_OF_MEMORY ? SS_ERR_NOMEM : SS_ERR_GL,
                            "uploading the %dx%dx%d tissue volume failed: GL error 0x%04x", v->nx, v->ny, v->nz, err);
    }
    out->nx = v->nx;
    out->ny = v->ny;
    out->nz = v->nz;
    out->spacing_mm = v->spacing_mm;
    memcpy(out->origin_mm, v->origin_mm, sizeof out->origin_mm);
    return SS_OK;
}

void ss_gpu_volume_release(ss_gpu_volume *g)
{
    if (g->labels_tex) glDeleteTextures(1, &g->labels_tex);
    if (g->sdf_tex) glDeleteTextures(1, &g->sdf_tex);
    memset(g, 0, sizeof *g);
}

void ss_gpu_volume_bind(const ss_gpu_volume *g, GLuint program, int labels_unit, int sdf_unit)
{
    glActiveTexture(GL_TEXTURE0 + (GLenum)labels_unit);
    glBindTexture(GL_TEXTURE_3D, g->labels_tex);
    glUniform1i(glGetUniformLocation(program, "vol_labels"), labels_unit);
    if (g->sdf_tex && sdf_unit >= 0) {
        glActiveTexture(GL_TEXTURE0 + (GLenum)sdf_unit);
        glBindTexture(GL_TEXTURE_3D, g->sdf_tex);
        glUniform1i(glGetUniformLocation(program, "vol_sdf"), sdf_unit);
    }
    glUniform3f(glGetUniformLocation(program, "vol_origin_mm"), g->origin_mm[0], g->origin_mm[1], g->origin_mm[2]);
    glUniform1f(glGetUniformLocation(program, "vol_spacing_mm"), g->spacing_mm);
    glUniform3i(glGetUniformLocation(program, "vol_size"), g->nx, g->ny, g->nz);
    glActiveTexture(GL_TEXTURE0);
}

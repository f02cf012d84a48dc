/* gpu_march.c: see gpu_march.h. */
#include "gpu_march.h"

#include <math.h>
#include <stdlib.h>

#include "shader.h"

struct ss_gpu_march {
    GLuint program, lines_buf, out_tex;
    int lines, samples;
    float spacing_mm;
};

ss_status ss_gpu_march_create(int lines, int samples, float sample_spacing_mm, const float *origins_mm,
                              const float *dirs, ss_gpu_march **out)
{
    *out = NULL;
    if (lines <= 0 || samples <= 0 || !(sample_spacing_mm > 0))
        return ss_error_set(SS_ERR_INVALID, "bare march: %d lines x %d samples at %g mm is not a valid size", lines,
                            samples, sample_spacing_mm);
    ss_gpu_march *m = calloc(1, sizeof *m);
    if (!m) return ss_error_set(SS_ERR_NOMEM, "out of memory");
    ss_status st = ss_shader_compute_program("bare_march.comp", NULL, &m->program);
    if (st != SS_OK) {
        free(m);
        return st;
    }
    float *buf = malloc(sizeof(float) * 8 * (size_t)lines);
    if (!buf) {
        glDeleteProgram(m->program);
        free(m);
        return ss_error_set(SS_ERR_NOMEM, "out of memory");
    }
    for (int l = 0; l < lines; l++) {
        for (int i = 0; i < 3; i++) {
            buf[8 * l + i] = origins_mm[3 * l + i];
            buf[8 * l + 4 + i] = dirs[3 * l + i];
        }
        buf[8 * l + 3] = 1.0f;
        buf[8 * l + 7] = 0.0f;
    }
    glGenBuffers(1, &m->lines_buf);
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, m->lines_buf);
    glBufferData(GL_SHADER_STORAGE_BUFFER, (GLsizeiptr)(sizeof(float) * 8 * (size_t)lines), buf, GL_STATIC_DRAW);
    free(buf);
    glGenTextures(1, &m->out_tex);
    glBindTexture(GL_TEXTURE_2D, m->out_tex);
    glTexStorage2D(GL_TEXTURE_2D, 1, GL_R8UI, samples, lines);
    m->lines = lines;
    m->samples = samples;
    m->spacing_mm = sample_spacing_mm;
    *out = m;
    return SS_OK;
}

void ss_gpu_march_destroy(ss_gpu_march *m)
{
    if (!m) return;
    glDeleteProgram(m->program);
    glDeleteBuffers(1, &m->lines_buf);
    glDeleteTextures(1, &m->out_tex);
    free(m);
}

ss_status ss_gpu_march_run(ss_gpu_march *m, const ss_gpu_volume *vol)
{
    glUseProgram(m->program);
    ss_gpu_volume_bind(vol, m->program, 0, -1);
    glUniform1i(glGetUniformLocation(m->program, "n_lines"), m->lines);
    glUniform1i(glGetUniformLocation(m->program, "n_samples"), m->samples);
    glUniform1f(glGetUniformLocation(m->program, "sample_spacing_mm"), m->spacing_mm);
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, m->lines_buf);
    glBindImageTexture(0, m->out_tex, 0, GL_FALSE, 0, GL_WRITE_ONLY, GL_R8UI);
    glDispatchCompute((GLuint)((m->samples + 63) / 64), (GLuint)m->lines, 1);
    GLenum err = glGetError();
    if (err != GL_NO_ERROR) return ss_error_set(SS_ERR_GL, "bare_march.comp: GL error 0x%04x at dispatch", err);
    return SS_OK;
}

void ss_gpu_march_finish(void) { glFinish(); }

ss_status ss_gpu_march_read(ss_gpu_march *m, uint8_t *labels_out)
{
    glMemoryBarrier(GL_TEXTURE_UPDATE_BARRIER_BIT);
    glBindTexture(GL_TEXTURE_2D, m->out_tex);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glGetTexImage(GL_TEXTURE_2D, 0, GL_RED_INTEGER, GL_UNSIGNED_BYTE, labels_out);
    GLenum err = glGetError();
    if (err != GL_NO_ERROR) return ss_error_set(SS_ERR_GL, "bare march read-back: GL error 0x%04x", err);
    return SS_OK;
}

uint8_t ss_gpu_march_cpu_label(const ss_volume *v, const float p_mm[3])
{
    int idx[3];
    int n[3] = {v->nx, v->ny, v->nz};
    for (int i = 0; i < 3; i++) {
        idx[i] = (int)floorf((p_mm[i] - v->origin_mm[i]) / v->spacing_mm + 0.5f);
        if (idx[i] < 0 || idx[i] >= n[i]) return 0;
    }
    return v->labels[idx[0] + (size_t)v->nx * ((size_t)idx[1] + (size_t)v->ny * (size_t)idx[2])];
}

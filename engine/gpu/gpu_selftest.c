/* gpu_selftest.c: see gpu_selftest.h. */
#include "gpu_selftest.h"

#include <math.h>
#include <stdlib.h>

#include "shader.h"
#include "tissue.h"

/* Muscle-like attenuation at 5 MHz in 0.5 mm steps: values span 1 .. ~1e-7 over 512
 * samples (256 mm), exercising pow() over the dynamic range the B-mode chain uses. */
static const float ss__alpha = 1.1f, ss__freq = 5.0f, ss__step = 0.5f;

double ss_gpu_selftest_expected(int i)
{
    double d_cm = i * (double)ss__step * 0.1;
    return pow(10.0, -2.0 * ss__alpha * ss__freq * d_cm / 20.0);
}

ss_status ss_gpu_selftest(int n, ss_gpu_selftest_result *out)
{
    out->n = n;
    out->max_rel_error = INFINITY;
    out->tissue_count_gpu = -1;
    char prelude[2048];
    ss_tissue_glsl_defines(prelude, sizeof prelude);
    GLuint prog;
    ss_status st = ss_shader_compute_program("selftest.comp", prelude, &prog);
    if (st != SS_OK) return st;

    GLuint bufs[2];
    glGenBuffers(2, bufs);
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, bufs[0]);
    glBufferData(GL_SHADER_STORAGE_BUFFER, (GLsizeiptr)(sizeof(float) * (size_t)n), NULL, GL_DYNAMIC_READ);
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, bufs[1]);
    glBufferData(GL_SHADER_STORAGE_BUFFER, sizeof(int), NULL, GL_DYNAMIC_READ);
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, bufs[0]);
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 1, bufs[1]);

    glUseProgram(prog);
    glUniform1f(glGetUniformLocation(prog, "alpha_db_cm_mhz"), ss__alpha);
    glUniform1f(glGetUniformLocation(prog, "freq_mhz"), ss__freq);
    glUniform1f(glGetUniformLocation(prog, "step_mm"), ss__step);
    glUniform1ui(glGetUniformLocation(prog, "n"), (GLuint)n);
    glDispatchCompute((GLuint)((n + 63) / 64), 1, 1);
    glMemoryBarrier(GL_BUFFER_UPDATE_BARRIER_BIT | GL_SHADER_STORAGE_BARRIER_BIT);

    float *vals = malloc(sizeof(float) * (size_t)n);
    if (!vals) {
        st = ss_error_set(SS_ERR_NOMEM, "selftest: out of memory");
        goto done;
    }
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, bufs[0]);
    glGetBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, (GLsizeiptr)(sizeof(float) * (size_t)n), vals);
    int count = -1;
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, bufs[1]);
    glGetBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, sizeof(int), &count);
    GLenum err = glGetError();
    if (err != GL_NO_ERROR) {
        st = ss_error_set(SS_ERR_GL, "selftest.comp: GL error 0x%04x after dispatch", err);
        goto done;
    }
    double worst = 0.0;
    for (int i = 0; i < n; i++) {
        double e = ss_gpu_selftest_expected(i);
        double rel = fabs(vals[i] - e) / e;
        if (!(rel <= worst)) worst = rel; /* also catches NaN */
    }
    out->max_rel_error = worst;
    out->tissue_count_gpu = count;
done:
    free(vals);
    glDeleteBuffers(2, bufs);
    glDeleteProgram(prog);
    return st;
}

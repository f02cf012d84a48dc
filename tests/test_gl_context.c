/* test_gl_context.c: the offscreen OpenGL 4.3 context and the shader pipeline, on
 * whatever GL the machine has (Mesa llvmpipe in CI: no display, no GPU). Not skipped. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_selftest.h"
#include "paths.h"
#include "platform/gl_context.h"
#include "shader.h"
#include "test_support.h"
#include "tissue.h"

static ss_gl_context *ctx;

static void make_context(void)
{
    ss_status st = ss_gl_context_create(NULL, &ctx);
    cr_assert_eq(st, SS_OK, "no GL 4.3 context: %s", ss_error_message());
}
static void drop_context(void) { ss_gl_context_destroy(ctx); }

TestSuite(gl, .init = make_context, .fini = drop_context);

Test(gl, context_is_4_3_core_with_compute)
{
    const ss_gl_info *gi = ss_gl_context_info(ctx);
    cr_assert(gi->major * 10 + gi->minor >= 43, "GL %d.%d", gi->major, gi->minor);
    cr_assert(gi->has_compute);
    /* The acoustic renderer uploads 256^3 (and larger) label volumes. */
    cr_assert_geq(gi->max_3d_texture_size, 256);
}

Test(gl, compute_shader_matches_c_formula)
{
    ss_gpu_selftest_result r;
    cr_assert_eq(ss_gpu_selftest(1000, &r), SS_OK, "%s", ss_error_message());
    /* pow() in single precision over 7 decades: float has 24 bits (6e-8 relative);
     * GLSL allows pow to be exp2(y*log2(x)) which loses a few ulps per decade of range,
     * so 1e-4 relative is a bound that still catches any wrong formula or unit. */
    cr_assert_lt(r.max_rel_error, 1e-4, "max relative error %g", r.max_rel_error);
    cr_assert_eq(r.tissue_count_gpu, SS_TISSUE_COUNT, "prelude did not reach the shader");
}

Test(gl, missing_shader_names_the_file)
{
    const char *dir = ts_tempdir("shaders-empty");
    setenv("SONOSPINE_SHADER_DIR", dir, 1);
    GLuint prog = 0;
    ss_status st = ss_shader_compute_program("selftest.comp", NULL, &prog);
    cr_assert_eq(st, SS_ERR_IO);
    cr_assert_eq(prog, 0u);
    cr_assert(strstr(ss_error_message(), "selftest.comp") && strstr(ss_error_message(), dir),
              "message: %s", ss_error_message());
    ts_rmtree(dir);
}

Test(gl, broken_shader_gives_file_and_compiler_log)
{
    const char *dir = ts_tempdir("shaders-broken");
    char path[512];
    snprintf(path, sizeof path, "%s/selftest.comp", dir);
    cr_assert_eq(ts_write_file(path, "#version 430\nlayout(local_size_x = 1) in;\nvoid main() { undefined_fn(); }\n"), 0);
    setenv("SONOSPINE_SHADER_DIR", dir, 1);
    GLuint prog = 0;
    ss_status st = ss_shader_compute_program("selftest.comp", NULL, &prog);
    cr_assert_eq(st, SS_ERR_GL);
    const char *m = ss_error_message();
    cr_assert(strstr(m, path) != NULL, "message does not name %s: %s", path, m);
    cr_assert(strstr(m, "failed to compile") != NULL, "message: %s", m);
    /* The compiler's log names the undefined function; its wording is Mesa's own. */
    cr_assert(strstr(m, "undefined_fn") != NULL, "no compiler log in: %s", m);
    ts_rmtree(dir);
}

Test(gl, embedded_copy_equals_the_file_on_disk)
{
    const char *emb = ss_shader_embedded("selftest.comp");
    cr_assert_not_null(emb, "selftest.comp was not embedded at build time");
    char *disk = NULL;
    cr_assert_eq(ss_file_read(ts_source_path("shaders/selftest.comp"), 1 << 20, &disk, NULL), SS_OK);
    cr_assert_str_eq(emb, disk);
    free(disk);
    cr_assert_null(ss_shader_embedded("no-such-shader.comp"));
}

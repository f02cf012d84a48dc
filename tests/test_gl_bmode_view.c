/* test_gl_bmode_view.c: the trainer's live B-mode (src/trainer/bmode_view.h) as the window
 * paces itself by it on software GL: ss_bmode_view_wait returns as soon as a finished
 * image waits to be shown (the window's next frame shows it at once, instead of at the
 * next tick of a fixed 32 ms cap), and only after its timeout when none is coming (a still
 * probe: the window stays at its cap and leaves the cores to the renderer). Runs on the
 * offscreen GL context (Mesa llvmpipe in CI); not skipped. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <string.h>
#include <time.h>

#include "phantom.h"
#include "platform/gl_context.h"
#include "trainer/bmode_view.h"

static ss_gl_context *ctx;
static void up(void) { cr_assert_eq(ss_gl_context_create(NULL, &ctx), SS_OK, "no GL 4.3: %s", ss_error_message()); }
static void down(void) { ss_gl_context_destroy(ctx); }
TestSuite(gl_bmode_view, .init = up, .fini = down);

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

typedef struct rig {
    ss_phantom ph;
    ss_probe probe;
    ss_probe_pose pose;
    ss_bmode_settings s;
    ss_bmode_view *v;
} rig;

/* The cyst phantom, a small probe (64 x 256: a frame takes milliseconds, even under
 * ASan), default settings, and a view on the CPU worker thread (gpu false) or on the
 * GPU renderer (gpu true). */
static void rig_init(rig *r, bool gpu)
{
    memset(r, 0, sizeof *r);
    ss_phantom_params pp;
    ss_phantom_params_default(&pp, SS_PHANTOM_CYST);
    cr_assert_eq(ss_phantom_build(&pp, &r->ph), SS_OK, "phantom: %s", ss_error_message());
    ss_probe_default(&r->probe);
    r->probe.lines = 64;
    r->probe.samples = 256;
    ss_phantom_probe_pose(&r->pose);
    ss_bmode_settings_default(&r->s);
    char note[256];
    cr_assert_eq(ss_bmode_view_create(&r->ph.volume, gpu, &r->v, note, sizeof note), SS_OK, "view: %s",
                 ss_error_message());
}

static void rig_free(rig *r)
{
    ss_bmode_view_destroy(r->v);
    ss_phantom_free(&r->ph);
}

Test(gl_bmode_view, wait_returns_with_the_image_and_times_out_when_none_is_coming, .timeout = 120)
{
    rig r;
    rig_init(&r, false);
    cr_assert_str_eq(ss_bmode_view_backend(r.v), "cpu (worker thread)");
    /* a request starts the idle worker at once; the wait ends when its image is done: far
       sooner than the 20 s allowed (a 64 x 256 frame is a few ms; 2 s leaves room for
       ASan on a busy 2-core machine) */
    ss_bmode_view_request(r.v, &r.probe, &r.pose, NULL, &r.s);
    double t0 = now_ms();
    cr_assert(ss_bmode_view_wait(r.v, 20000.0), "no image within 20 s");
    double waited = now_ms() - t0;
    cr_expect_lt(waited, 2000.0, "the wait took %.0f ms for a 64 x 256 frame", waited);
    /* the image is still there to upload, so a second wait returns at once */
    t0 = now_ms();
    cr_expect(ss_bmode_view_wait(r.v, 5000.0));
    cr_expect_lt(now_ms() - t0, 1000.0);
    cr_assert(ss_bmode_view_update(r.v), "the finished image was not uploaded");
    cr_expect_neq(ss_bmode_view_texture(r.v, NULL, NULL), 0u);
    /* the same request again: nothing to render, so nothing comes; the wait lasts its full
       timeout (the window's cap while the probe is still), give or take the clock's grain */
    ss_bmode_view_request(r.v, &r.probe, &r.pose, NULL, &r.s);
    t0 = now_ms();
    cr_expect_not(ss_bmode_view_wait(r.v, 60.0), "an image came with nothing changed");
    waited = now_ms() - t0;
    cr_expect_geq(waited, 59.0, "the wait ended after %.1f ms, before its 60 ms", waited);
    /* a changed pose renders again, and the wait ends with it */
    r.pose.origin_mm[2] += 1.f;
    ss_bmode_view_request(r.v, &r.probe, &r.pose, NULL, &r.s);
    cr_expect(ss_bmode_view_wait(r.v, 20000.0), "no image for the moved probe within 20 s");
    cr_expect(ss_bmode_view_update(r.v));
    cr_expect_float_eq(ss_bmode_view_pose(r.v)->origin_mm[2], r.pose.origin_mm[2], 1e-6f, "the image shows the old pose");
    /* a zero or negative timeout does not wait */
    t0 = now_ms();
    cr_expect_not(ss_bmode_view_wait(r.v, 0.0));
    cr_expect_not(ss_bmode_view_wait(r.v, -5.0));
    cr_expect_lt(now_ms() - t0, 50.0);
    rig_free(&r);
}

Test(gl_bmode_view, on_the_gpu_the_wait_is_a_sleep, .timeout = 120)
{
    /* the GPU renders on the window's thread, so nothing can arrive while it waits: the
       wait sleeps its timeout (the window's plain cap) and says no image came */
    rig r;
    rig_init(&r, true);
    cr_assert_str_eq(ss_bmode_view_backend(r.v), "gpu");
    ss_bmode_view_request(r.v, &r.probe, &r.pose, NULL, &r.s);
    double t0 = now_ms();
    cr_expect_not(ss_bmode_view_wait(r.v, 40.0));
    const double waited = now_ms() - t0;
    cr_expect_geq(waited, 39.0, "slept %.1f ms of 40", waited);
    cr_expect_lt(waited, 1000.0, "slept %.1f ms of 40", waited);
    rig_free(&r);
}

Test(gl_bmode_view, every_upload_counts_the_flushs_too, .timeout = 120)
{
    /* the window's stamp for the picture (what the UI and the 3D view compare to know the
       texture's pixels changed) follows ss_bmode_view_uploads: an image the flush uploads
       (the --screenshot frame) must count as much as one update uploads, or the window
       keeps showing the image before it (tests/test_cli_trainer.c caught that) */
    for (int gpu = 0; gpu < 2; gpu++) {
        rig r;
        rig_init(&r, gpu == 1);
        cr_expect_eq(ss_bmode_view_uploads(r.v), 0u);
        ss_bmode_view_request(r.v, &r.probe, &r.pose, NULL, &r.s);
        ss_bmode_view_flush(r.v);
        cr_expect_eq(ss_bmode_view_uploads(r.v), 1u, "%s: the flush's image did not count", ss_bmode_view_backend(r.v));
        cr_expect_not(ss_bmode_view_update(r.v), "nothing new after the flush");
        cr_expect_eq(ss_bmode_view_uploads(r.v), 1u);
        r.pose.origin_mm[2] += 1.f;
        ss_bmode_view_request(r.v, &r.probe, &r.pose, NULL, &r.s);
        if (gpu) {
            cr_expect(ss_bmode_view_update(r.v)); /* rendered on this thread at the update */
        } else {
            cr_expect(ss_bmode_view_wait(r.v, 20000.0));
            cr_expect(ss_bmode_view_update(r.v));
        }
        cr_expect_eq(ss_bmode_view_uploads(r.v), 2u);
        rig_free(&r);
    }
}

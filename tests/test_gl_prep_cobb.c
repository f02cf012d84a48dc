/* test_gl_prep_cobb.c: the pre-procedure panel's Cobb tool (issue 24: "the trainee places
 * the end-vertebra lines to measure the Cobb angle"): clicks on the AP film place the two
 * endplate lines, the angle between them becomes the reading the stage's xray.cobb
 * command carries, and a fifth click starts the lines again. The panel is drawn with the
 * window's own UI code on Mesa's offscreen GL, the clicks fed as the window's input. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "patient_case.h"
#include "platform/gl_context.h"
#include "test_support.h"
#include "trainer/trainer_app.h"

static ss_tr_app a; /* large: not on the stack */

static void frame(float mx, float my, bool press)
{
    a.uin.mouse_x = mx;
    a.uin.mouse_y = my;
    a.uin.mouse_pressed = press;
    a.uin.mouse_down = press;
    ss_ui_begin(a.ui, a.w, a.h, a.w, a.h, &a.uin);
    ss_tr_draw_prep(&a);
    ss_ui_end(a.ui);
}

Test(prep_cobb, clicks_on_the_film_measure_the_angle_between_two_lines, .timeout = 120)
{
    ss_gl_context_desc gd = {.width = 1280, .height = 800};
    ss_gl_context *gl;
    cr_assert_eq(ss_gl_context_create(&gd, &gl), SS_OK, "%s", ss_error_message());
    static ss_case cs;
    cr_assert_eq(ss_case_load(ts_source_path("scenarios/wei2023-case6.json"), NULL, &cs), SS_OK);
    memset(&a, 0, sizeof a);
    a.cs = &cs;
    a.w = 1280;
    a.h = 800;
    ss_prep_inputs_init(&a.prep_in);
    cr_assert_eq(ss_ui_create(SS__DEFAULT_FONT, 1.0f, &a.ui), SS_OK, "%s", ss_error_message());
    frame(0, 0, false); /* lays the panel out, makes the films */
    ss_rect f = a.r_film;
    cr_assert(f.w > 100 && f.h > 100, "the AP film is drawn: %.0f x %.0f", f.w, f.h);
    cr_expect(isnan(a.prep_in.cobb_deg), "nothing read yet");
    /* the upper line level, the lower one rising 30 deg (screen y grows downward) */
    float x0 = f.x + 0.3f * f.w, y0 = f.y + 0.3f * f.h, x2 = f.x + 0.3f * f.w, y2 = f.y + 0.7f * f.h;
    float d = 0.3f * f.w;
    frame(x0, y0, true);
    frame(x0 + d, y0, true);
    cr_expect_eq(a.ncobb_pts, 2);
    cr_expect(isnan(a.prep_in.cobb_deg), "one line is not an angle");
    frame(x2, y2, true);
    frame(x2 + d * cosf(0.5235988f), y2 - d * sinf(0.5235988f), true);
    cr_expect_eq(a.ncobb_pts, 4);
    cr_expect_float_eq(a.prep_in.cobb_deg, 30.0, 0.51, "read %.2f (the reading is whole degrees)", a.prep_in.cobb_deg);
    cr_expect_float_eq(a.prep_cobb, 30.0f, 0.3f, "the slider shows it: %.2f", (double)a.prep_cobb);
    /* a click outside the film places nothing; the next one on it starts again */
    frame(f.x - 20, f.y + 10, true);
    cr_expect_eq(a.ncobb_pts, 4);
    frame(x0, y0, true);
    cr_expect_eq(a.ncobb_pts, 1);
    ss_tr_prep_free(&a);
    ss_ui_destroy(a.ui);
    ss_case_free(&cs);
    ss_gl_context_destroy(gl);
}

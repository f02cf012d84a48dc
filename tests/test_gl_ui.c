/* test_gl_ui.c: the trainer window redraws only what changed (issue 20: "the window
 * redraws only what changed"). src/ui/damage.c finds the tiles whose content changed
 * between two frames (checked here on the CPU with known primitives); src/ui/ui.c
 * repaints those in its offscreen copy of the frame and copies it to the window. The GL
 * part checks, on Mesa's offscreen software GL (not skipped), that a frame built up
 * from the one before is byte for byte the frame drawn whole by a fresh UI, that an
 * unchanged frame repaints nothing, and that an image's stamp is what makes its new
 * pixels shown. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "platform/gl_context.h"
#include "trainer/trainer_app.h"
#include "ui/damage.h"
#include "ui/ui.h"

/* ------------------------------------------------------------------ damage (CPU) */

/* A frame of 200 x 100 pixels (7 x 4 tiles of 32; the last column 8 wide, the last row
 * 4 high) with three primitives; key2 is the middle one's key. */
static int frame3(ss_damage *d, uint64_t key2, const ss_damage_rect **r, int *n)
{
    cr_assert_eq(ss_damage_begin(d, 200, 100), 0);
    ss_damage_add(d, 0, 0, 200, 100, 1);   /* the background: every tile */
    ss_damage_add(d, 40, 10, 70, 20, key2); /* tiles x 1-2, row 0 */
    ss_damage_add(d, 150, 40, 160, 99, 3);  /* tiles x 4, rows 1-3 */
    return ss_damage_end(d, 32, r, n);
}

Test(ui_damage, a_frame_repaints_exactly_the_tiles_whose_content_changed)
{
    ss_damage *d = ss_damage_create();
    cr_assert(d);
    const ss_damage_rect *r;
    int n;
    /* the first frame: everything, as one rectangle (the runs of full rows stack) */
    cr_expect_eq(frame3(d, 2, &r, &n), 28);
    cr_assert_eq(n, 1);
    cr_expect(r[0].x == 0 && r[0].y == 0 && r[0].w == 200 && r[0].h == 100, "%d %d %d %d", r[0].x, r[0].y, r[0].w,
              r[0].h);
    cr_expect_eq(ss_damage_tiles(d), 28);
    /* the same frame again: nothing */
    cr_expect_eq(frame3(d, 2, &r, &n), 0);
    cr_expect_eq(n, 0);
    /* one primitive's key changed: the two tiles it touches, as one run */
    cr_expect_eq(frame3(d, 5, &r, &n), 2);
    cr_assert_eq(n, 1);
    cr_expect(r[0].x == 32 && r[0].y == 0 && r[0].w == 64 && r[0].h == 32, "%d %d %d %d", r[0].x, r[0].y, r[0].w,
              r[0].h);
    /* ...and back: the same two tiles again (the keys are compared with the last frame) */
    cr_expect_eq(frame3(d, 2, &r, &n), 2);
    /* the same primitives in another order change the tiles they share (draw order is
       what the pixels are) */
    cr_assert_eq(ss_damage_begin(d, 200, 100), 0);
    ss_damage_add(d, 40, 10, 70, 20, 2);
    ss_damage_add(d, 0, 0, 200, 100, 1);
    ss_damage_add(d, 150, 40, 160, 99, 3);
    cr_expect_eq(ss_damage_end(d, 32, &r, &n), 2);
    frame3(d, 2, &r, &n);
    /* a primitive spanning rows: its column of tiles is one rectangle, cut at the frame */
    cr_assert_eq(ss_damage_begin(d, 200, 100), 0);
    ss_damage_add(d, 0, 0, 200, 100, 1);
    ss_damage_add(d, 40, 10, 70, 20, 2);
    ss_damage_add(d, 150, 40, 160, 99, 4);
    cr_expect_eq(ss_damage_end(d, 32, &r, &n), 3);
    cr_assert_eq(n, 1);
    cr_expect(r[0].x == 128 && r[0].y == 32 && r[0].w == 32 && r[0].h == 68, "%d %d %d %d", r[0].x, r[0].y, r[0].w,
              r[0].h);
    /* the last column is 8 pixels wide: a change there stays inside the frame */
    cr_assert_eq(ss_damage_begin(d, 200, 100), 0);
    ss_damage_add(d, 0, 0, 200, 100, 1);
    ss_damage_add(d, 40, 10, 70, 20, 2);
    ss_damage_add(d, 150, 40, 160, 99, 4);
    ss_damage_add(d, 195, 0, 260, 5, 9); /* clamped to the frame */
    cr_expect_eq(ss_damage_end(d, 32, &r, &n), 1);
    cr_assert_eq(n, 1);
    cr_expect(r[0].x == 192 && r[0].w == 8 && r[0].y == 0 && r[0].h == 32);
    /* a new size: everything */
    cr_assert_eq(ss_damage_begin(d, 201, 100), 0);
    ss_damage_add(d, 0, 0, 201, 100, 1);
    cr_expect_eq(ss_damage_end(d, 32, &r, &n), 4 * 7);
    /* invalidated: everything, though the keys are the same */
    ss_damage_invalidate(d);
    cr_assert_eq(ss_damage_begin(d, 201, 100), 0);
    ss_damage_add(d, 0, 0, 201, 100, 1);
    cr_expect_eq(ss_damage_end(d, 32, &r, &n), 28);
    ss_damage_destroy(d);
}

Test(ui_damage, too_many_rectangles_become_their_bounding_box)
{
    ss_damage *d = ss_damage_create();
    cr_assert(d);
    const ss_damage_rect *r;
    int n;
    for (int pass = 0; pass < 2; pass++) {
        cr_assert_eq(ss_damage_begin(d, 320, 320), 0);
        ss_damage_add(d, 0, 0, 320, 320, 1);
        /* a checkerboard of small primitives over tiles (2..6) x (3..7), keys changing */
        for (int ty = 3; ty <= 7; ty++)
            for (int tx = 2; tx <= 6; tx++)
                if ((tx + ty) % 2 == 0) ss_damage_add(d, tx * 32 + 3, ty * 32 + 3, tx * 32 + 9, ty * 32 + 9, 100u + pass);
        int changed = ss_damage_end(d, pass == 0 ? 32 : 4, &r, &n);
        if (pass == 0) continue; /* the first frame is all changed */
        cr_expect_eq(changed, 12, "12 of the 25 tiles of the board hold a changed primitive");
        cr_assert_eq(n, 1, "12 separate runs, at most 4 rects wanted: one bounding box");
        cr_expect(r[0].x == 64 && r[0].y == 96 && r[0].w == 160 && r[0].h == 160, "%d %d %d %d", r[0].x, r[0].y,
                  r[0].w, r[0].h);
    }
    ss_damage_destroy(d);
}

Test(ui_damage, the_hash_reads_every_byte)
{
    unsigned char a[61], b[61];
    for (int i = 0; i < 61; i++) a[i] = (unsigned char)(i * 37 + 11);
    uint64_t h = ss_damage_hash(a, sizeof a, 7);
    cr_expect_eq(h, ss_damage_hash(a, sizeof a, 7), "deterministic");
    cr_expect_neq(h, ss_damage_hash(a, sizeof a, 8), "the seed chains");
    for (int i = 0; i < 61; i++)
        for (int bit = 0; bit < 8; bit++) {
            memcpy(b, a, sizeof a);
            b[i] ^= (unsigned char)(1u << bit);
            cr_expect_neq(ss_damage_hash(b, sizeof b, 7), h, "byte %d bit %d not read", i, bit);
        }
}

/* ------------------------------------------------------------------ the UI (GL) */

#define W 320
#define H 200

static ss_gl_context *gl;
static GLuint tex;
static void up(void)
{
    ss_gl_context_desc gd = {.width = W, .height = H};
    cr_assert_eq(ss_gl_context_create(&gd, &gl), SS_OK, "%s", ss_error_message());
    glGenTextures(1, &tex);
}
static void down(void)
{
    glDeleteTextures(1, &tex);
    ss_gl_context_destroy(gl);
}
TestSuite(gl_ui, .init = up, .fini = down);

/* A 16 x 16 RGBA texture of one colour. */
static void paint(GLuint t, unsigned char r, unsigned char g, unsigned char b)
{
    unsigned char px[16 * 16 * 4];
    for (int i = 0; i < 16 * 16; i++) {
        px[4 * i] = r;
        px[4 * i + 1] = g;
        px[4 * i + 2] = b;
        px[4 * i + 3] = 255;
    }
    glBindTexture(GL_TEXTURE_2D, t);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, 16, 16, 0, GL_RGBA, GL_UNSIGNED_BYTE, px);
}

/* A frame of the kind the trainer draws: panels, text (one line of it clipped), a
 * blended fill and an image. */
static void frame(ss_ui *ui, const char *status, uint32_t stamp, int *redrawn, int *tiles)
{
    ss_ui_input in;
    memset(&in, 0, sizeof in);
    in.mouse_x = in.mouse_y = -1;
    ss_ui_begin(ui, W, H, W, H, &in);
    ss_rect c = ss_ui_panel(ui, (ss_rect){4, 4, 200, 150}, "B-mode");
    ss_ui_image(ui, (ss_rect){c.x + 4, c.y + 4, 96, 64}, tex, stamp, 0, 0, 1, 1, false);
    ss_ui_fill(ui, (ss_rect){c.x + 50, c.y + 30, 80, 40}, SS_RGBA(255, 190, 70, 128));
    ss_ui_text(ui, SS_FONT_BODY, 8, 170, SS_UI_TEXT, status);
    ss_ui_clip_push(ui, (ss_rect){220, 20, 60, 20});
    ss_ui_text(ui, SS_FONT_SMALL, 215, 22, SS_UI_TEXT_DIM, "a clipped line of text");
    ss_ui_clip_pop(ui);
    ss_ui_end(ui);
    ss_ui_redraw_stats(ui, redrawn, tiles);
}

static unsigned char *read_window(void)
{
    unsigned char *px = malloc((size_t)W * H * 4);
    cr_assert(px);
    glFinish();
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    glReadBuffer(GL_BACK);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, W, H, GL_RGBA, GL_UNSIGNED_BYTE, px);
    return px;
}

/* The window drawn whole by a UI that has never drawn before. */
static unsigned char *whole(const char *status, uint32_t stamp)
{
    ss_ui *ui;
    cr_assert_eq(ss_ui_create(SS__DEFAULT_FONT, 1.0f, &ui), SS_OK, "%s", ss_error_message());
    int redrawn, tiles;
    frame(ui, status, stamp, &redrawn, &tiles);
    cr_expect_eq(redrawn, tiles, "a first frame is drawn whole");
    unsigned char *px = read_window();
    ss_ui_destroy(ui);
    return px;
}

static int differing(const unsigned char *a, const unsigned char *b)
{
    int n = 0;
    for (int i = 0; i < W * H; i++) n += memcmp(a + 4 * i, b + 4 * i, 3) != 0;
    return n;
}

Test(gl_ui, a_frame_built_from_the_last_is_the_frame_drawn_whole, .timeout = 120)
{
    paint(tex, 20, 200, 60);
    ss_ui *ui;
    cr_assert_eq(ss_ui_create(SS__DEFAULT_FONT, 1.0f, &ui), SS_OK, "%s", ss_error_message());
    int redrawn, tiles;
    frame(ui, "depth 90 mm  gain 0 dB", 1, &redrawn, &tiles);
    cr_expect_eq(tiles, 10 * 7, "320 x 200 in tiles of 32");
    cr_expect_eq(redrawn, tiles);
    unsigned char *f1 = read_window();
    /* the image is there (green inside its rectangle; window y is up: row H - 1 - y) */
    const unsigned char *p = f1 + 4 * ((size_t)(H - 1 - 40) * W + 20);
    cr_expect(p[0] == 20 && p[1] == 200 && p[2] == 60, "image pixel %d %d %d", p[0], p[1], p[2]);

    /* nothing changed: nothing repainted, and the window shows the same frame */
    frame(ui, "depth 90 mm  gain 0 dB", 1, &redrawn, &tiles);
    cr_expect_eq(redrawn, 0);
    unsigned char *f1b = read_window();
    cr_expect_eq(differing(f1, f1b), 0, "the copy of an unchanged frame differs");

    /* the status line changed: only the tiles under it (row of y 170-190: one or two
       rows of tiles, at most the 10 x 2 of them) */
    frame(ui, "depth 90 mm  gain 6 dB", 1, &redrawn, &tiles);
    cr_expect_gt(redrawn, 0);
    cr_expect_leq(redrawn, 20, "%d tiles repainted for one line of text", redrawn);
    unsigned char *f2 = read_window();
    cr_expect_gt(differing(f1, f2), 0, "the new text is not shown");
    unsigned char *w2 = whole("depth 90 mm  gain 6 dB", 1);
    cr_expect_eq(differing(f2, w2), 0, "the repainted frame differs from the frame drawn whole");

    /* new pixels in the image's texture under a new stamp: repainted, the frame as if
       drawn whole (the image's 96 x 64 touches at most 4 x 3 tiles, 5 x 4 with the
       panel's clip edges and the fill over it) */
    paint(tex, 200, 30, 30);
    frame(ui, "depth 90 mm  gain 6 dB", 2, &redrawn, &tiles);
    cr_expect_gt(redrawn, 0);
    cr_expect_leq(redrawn, 20, "%d tiles for the image", redrawn);
    unsigned char *f3 = read_window();
    unsigned char *w3 = whole("depth 90 mm  gain 6 dB", 2);
    cr_expect_eq(differing(f3, w3), 0, "the new image differs from the frame drawn whole");
    p = f3 + 4 * ((size_t)(H - 1 - 40) * W + 20);
    cr_expect(p[0] == 200 && p[1] == 30 && p[2] == 30, "image pixel %d %d %d", p[0], p[1], p[2]);

    /* new pixels under the same stamp: the contract is the stamp, so nothing is repainted
       and the old image stays (the trainer gives every upload a new stamp) */
    paint(tex, 10, 10, 250);
    frame(ui, "depth 90 mm  gain 6 dB", 2, &redrawn, &tiles);
    cr_expect_eq(redrawn, 0);
    unsigned char *f4 = read_window();
    cr_expect_eq(differing(f3, f4), 0);

    free(f1);
    free(f1b);
    free(f2);
    free(w2);
    free(f3);
    free(w3);
    free(f4);
    ss_ui_destroy(ui);
}

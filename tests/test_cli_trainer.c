/* test_cli_trainer.c: the trainer window end to end, offscreen (SDL's offscreen video
 * driver, Mesa llvmpipe): a scripted attempt at speed 8 writes a screenshot whose
 * panels hold what they should, frame-time figures in DESIGN.md's format, and a session
 * log that replays exactly and carries the same events as the same script run headless. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <stb_image.h>

#include "paths.h"
#include "scan_convert.h"
#include "tissue.h"
#include "test_support.h"

static ts_run_result r;

/* A short guided attempt: near-spinous view at L3-L4, frame aimed automatically, dura,
 * CSF, a small injection (3.6 s at the paper's rate), end. About 12 s of simulation. */
static const char *k_script = "0   probe.view L3-L4 near-spinous right\n"
                              "0.5 guide.attach auto\n"
                              "1   needle.enter\n"
                              "1   needle.advance-until dura_pop 80 10\n"
                              "1   needle.advance 1 2\n"
                              "1   stylet.remove\n"
                              "1   inject 0.2\n";

typedef struct region_stats {
    double mean, sd;        /* luminance */
    int distinct;           /* distinct colours (quantized to 5 bits a channel) */
    double grey_fraction;   /* pixels with r == g == b */
} region_stats;

static region_stats stats_of(const unsigned char *px, int w, int x0, int y0, int x1, int y1)
{
    region_stats s = {0};
    static unsigned char seen[32 * 32 * 32];
    memset(seen, 0, sizeof seen);
    double sum = 0, sum2 = 0;
    long n = 0, grey = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            const unsigned char *p = px + ((size_t)y * w + x) * 3;
            double l = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
            sum += l;
            sum2 += l * l;
            n++;
            grey += p[0] == p[1] && p[1] == p[2];
            int key = (p[0] >> 3) << 10 | (p[1] >> 3) << 5 | (p[2] >> 3);
            if (!seen[key]) {
                seen[key] = 1;
                s.distinct++;
            }
        }
    s.mean = sum / n;
    s.sd = sqrt(fmax(0, sum2 / n - s.mean * s.mean));
    s.grey_fraction = (double)grey / n;
    return s;
}

/* Pixels of the region drawn in exactly one of the anatomy overlay's outline colours. */
static long overlay_pixels(const unsigned char *px, int w, int x0, int y0, int x1, int y1)
{
    static const int labels[] = {SS_TISSUE_CORTICAL, SS_TISSUE_GRAFT, SS_TISSUE_TITANIUM, SS_TISSUE_FLAVUM,
                                 SS_TISSUE_CSF,      SS_TISSUE_NERVE, SS_TISSUE_VESSEL};
    long n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            const unsigned char *p = px + ((size_t)y * w + x) * 3;
            for (size_t k = 0; k < sizeof labels / sizeof labels[0]; k++) {
                uint8_t c[4];
                ss_scan_outline_colour(labels[k], c);
                if (p[0] == c[0] && p[1] == c[1] && p[2] == c[2]) {
                    n++;
                    break;
                }
            }
        }
    return n;
}

static cJSON *read_log_events(const char *path, int *ninputs)
{
    char *text;
    cr_assert_eq(ss_file_read(path, 64u << 20, &text, NULL), SS_OK, "%s", ss_error_message());
    cJSON *events = cJSON_CreateArray();
    *ninputs = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *o = cJSON_Parse(line);
        cr_assert_not_null(o, "log line is not JSON: %.80s", line);
        const cJSON *t = cJSON_GetObjectItem(o, "type");
        if (cJSON_IsString(t) && strcmp(t->valuestring, "event") == 0) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddItemToObject(e, "tick", cJSON_Duplicate(cJSON_GetObjectItem(o, "tick"), 1));
            cJSON_AddItemToObject(e, "event", cJSON_Duplicate(cJSON_GetObjectItem(o, "event"), 1));
            cJSON_AddItemToObject(e, "depth_mm", cJSON_Duplicate(cJSON_GetObjectItem(o, "depth_mm"), 1));
            cJSON_AddItemToArray(events, e);
        }
        if (cJSON_IsString(t) && strcmp(t->valuestring, "input") == 0) (*ninputs)++;
        cJSON_Delete(o);
    }
    free(text);
    return events;
}

Test(cli_trainer, offscreen_window_script_screenshot_stats_and_replay, .timeout = 300)
{
    const char *dir = ts_tempdir("trainer");
    char script[512], shot[512], stats[512], log[512], log2[512];
    snprintf(script, sizeof script, "%s/s.txt", dir);
    snprintf(shot, sizeof shot, "%s/window.png", dir);
    snprintf(stats, sizeof stats, "%s/stats.txt", dir);
    snprintf(log, sizeof log, "%s/window.jsonl", dir);
    snprintf(log2, sizeof log2, "%s/headless.jsonl", dir);
    cr_assert_eq(ts_write_file(script, k_script), 0);
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    const char *args[] = {"run", ts_source_path("scenarios/default.json"), "--script", script, "--exit-after-script",
                          "--speed", "8", "--screenshot", shot, "--frame-stats", stats, "--log", log, "--quiet", NULL};
    cr_assert_eq(ts_run_sonospine(&r, args), 0, "stdout: %s\nstderr: %s", r.out, r.err);

    /* the screenshot is the whole 1280 x 800 window */
    int w, h, comp;
    unsigned char *px = stbi_load(shot, &w, &h, &comp, 3);
    cr_assert_not_null(px, "%s is not a PNG stb_image can read", shot);
    cr_assert_eq(w, 1280, "default window width");
    cr_assert_eq(h, 800, "default window height");
    /* Layout (trainer.c): B-mode panel on the left (x 6..557), 3D view in the middle
     * (x 563..997), controls on the right (x 1002..1274), status strip at the bottom
     * (y 742..794). The regions tested sit well inside each panel. */
    region_stats bmode = stats_of(px, w, 120, 130, 440, 300);
    region_stats view = stats_of(px, w, 600, 120, 960, 650);
    region_stats controls = stats_of(px, w, 1010, 60, 1270, 560);
    region_stats status = stats_of(px, w, 10, 746, 1000, 790);
    /* B-mode: grey levels (the image is drawn as grey) with speckle: a standard deviation
     * of grey levels above 12 (uniform fills have 0; B-mode speckle over tissue and
     * shadows here is ~30-50). default.json allows the anatomy overlay and practice mode
     * shows it from the start: the outlines of the frame's label map lie over the image
     * in their own colours (about 7 % of this region: at least 1000 pixels of 54400),
     * and everything else is grey. */
    long outline = overlay_pixels(px, w, 120, 130, 440, 300);
    /* the frame is attached: its path is drawn over the image, dotted, with 1 cm ticks
     * (trainer.c SS__GUIDE_RGBA): a 2 px dot every 1.5 mm of ~70 mm in the region */
    long guide = 0;
    for (int y = 130; y < 300; y++)
        for (int x = 120; x < 440; x++) {
            const unsigned char *q = px + ((size_t)y * w + x) * 3;
            guide += q[0] == 170 && q[1] == 240 && q[2] == 255;
        }
    printf("B-mode region: %.3f grey, %ld pixels of anatomy outline, %ld of the guide path\n", bmode.grey_fraction,
           outline, guide);
    cr_expect_geq(outline, 1000, "the anatomy overlay is drawn over the B-mode: %ld outline pixels", outline);
    cr_expect_geq(guide, 40, "the guide path is drawn over the B-mode: %ld pixels", guide);
    cr_expect_geq(bmode.grey_fraction + (double)(outline + guide) / (320.0 * 170.0), 0.99,
                  "B-mode region is grey but for the outlines and the guide path: %.3f grey", bmode.grey_fraction);
    cr_expect_gt(bmode.sd, 12.0, "B-mode region has speckle: grey-level sd %.1f", bmode.sd);
    cr_expect_gt(bmode.distinct, 20, "B-mode region has many grey levels: %d", bmode.distinct);
    /* 3D view: not one colour, and in colour (skin, bone, table): at least 40 distinct
     * colours (a flat fill has 1) and mostly non-grey pixels. */
    cr_expect_gt(view.distinct, 40, "3D view has %d distinct colours", view.distinct);
    cr_expect_gt(view.sd, 8.0, "3D view luminance sd %.1f", view.sd);
    cr_expect_lt(view.grey_fraction, 0.9, "3D view is coloured: %.3f grey", view.grey_fraction);
    /* controls and status strip hold text and widgets: more than a handful of colours */
    cr_expect_gt(controls.distinct, 10, "controls panel has %d colours", controls.distinct);
    cr_expect_gt(status.distinct, 5, "status strip has %d colours", status.distinct);
    cr_expect_gt(status.sd, 3.0, "status strip is not blank: sd %.1f", status.sd);
    stbi_image_free(px);

    /* frame statistics: the last line in DESIGN.md's format, fps = 1000 / median */
    char *text;
    cr_assert_eq(ss_file_read(stats, 1 << 20, &text, NULL), SS_OK, "%s", ss_error_message());
    size_t len = strlen(text);
    while (len > 0 && text[len - 1] == '\n') text[--len] = '\0';
    const char *last = strrchr(text, '\n');
    last = last ? last + 1 : text;
    int frames;
    double median, fps, p99;
    char tail[8] = "";
    int got = sscanf(last, "frames %d median %lf ms %lf fps p99 %lf ms%7s", &frames, &median, &fps, &p99, tail);
    cr_assert_eq(got, 4, "last line \"%s\" is not `frames N median X ms Y fps p99 Z ms`", last);
    cr_expect_gt(frames, 0, "frames were drawn");
    cr_expect_gt(median, 0.0);
    /* both printed with one decimal: 1000/median within the rounding of the two */
    cr_expect_leq(fabs(fps - 1000.0 / median), 0.05 * fps + 0.1, "fps %.1f vs 1000/median %.2f", fps, 1000.0 / median);
    cr_expect_geq(p99, median, "p99 %.1f >= median %.1f", p99, median);
    /* and, before it, how live the B-mode was (issue 20's lines): images were made as the
       probe moved and the latency percentiles are ordered. How many images fit in this
       short script depends on the build: ~20 in Release, one under ASan (an image takes
       ~2.7 s there), so the count is asserted at >= 1; the rate itself is held by
       bench_trainer_reports_how_live_the_picture_is below. */
    const char *bl = strstr(text, "\nbmode frames "), *ll = strstr(text, "\nlatency median ");
    cr_assert(bl && ll && bl < ll && ll < last, "no bmode / latency lines before the summary:\n%s", text);
    int bframes;
    double hz, p10_hz, lat, lat90;
    cr_assert_eq(sscanf(bl + 1, "bmode frames %d median_hz %lf p10_hz %lf", &bframes, &hz, &p10_hz), 3, "%s", bl + 1);
    cr_assert_eq(sscanf(ll + 1, "latency median %lf ms p90 %lf ms", &lat, &lat90), 2, "%s", ll + 1);
    printf("live B-mode: %d images, median %.1f Hz, p10 %.1f Hz, latency median %.1f ms, p90 %.1f ms\n", bframes, hz,
           p10_hz, lat, lat90);
    cr_expect_geq(bframes, 1, "the B-mode made %d images while the probe moved", bframes);
    cr_expect_gt(lat, 0.0, "latency %.1f ms", lat);
    cr_expect_geq(lat90, lat, "latency p90 %.1f >= median %.1f", lat90, lat);
    cr_expect_leq(p10_hz, hz, "p10 rate %.1f <= median rate %.1f", p10_hz, hz);
    free(text);

    /* the window's log replays exactly */
    const char *rp[] = {"replay", log, NULL};
    cr_assert_eq(ts_run_sonospine(&r, rp), 0, "%s %s", r.out, r.err);
    cr_assert(strstr(r.out, "REPRODUCED"), "%s", r.out);

    /* and the window played the script as the headless runner does: same events at the
     * same ticks (the script source is an input device issuing commands per tick) */
    const char *hl[] = {"run", ts_source_path("scenarios/default.json"), "--script", script, "--headless", "--log",
                        log2, "--quiet", NULL};
    cr_assert_eq(ts_run_sonospine(&r, hl), 0, "%s", r.err);
    int in1, in2;
    cJSON *e1 = read_log_events(log, &in1), *e2 = read_log_events(log2, &in2);
    cr_expect_eq(in1, in2, "inputs: window %d, headless %d", in1, in2);
    cr_expect_gt(cJSON_GetArraySize(e1), 5, "the attempt produced events");
    char *s1 = cJSON_PrintUnformatted(e1), *s2 = cJSON_PrintUnformatted(e2);
    cr_expect_str_eq(s1, s2, "window and headless events differ");
    cr_expect(strstr(s1, "csf_outflow") != NULL, "CSF reached: %s", s1);
    free(s1);
    free(s2);
    cJSON_Delete(e1);
    cJSON_Delete(e2);
    ts_rmtree(dir);
}

Test(cli_trainer, no_anatomy_overlay_where_the_scenario_does_not_allow_it, .timeout = 300)
{
    /* normal-adult.json does not allow the overlay (aids.anatomy_overlay false): the same
     * kind of attempt shows a B-mode without any outline colour (the overlay is a practice
     * aid the instructor grants; exam mode never shows it) */
    const char *dir = ts_tempdir("trainer-nooverlay");
    char script[512], shot[512];
    snprintf(script, sizeof script, "%s/s.txt", dir);
    snprintf(shot, sizeof shot, "%s/window.png", dir);
    cr_assert_eq(ts_write_file(script, "0 probe.view L3-L4 near-spinous right\n1 end\n"), 0);
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    const char *args[] = {"run", ts_source_path("scenarios/normal-adult.json"), "--script", script,
                          "--exit-after-script", "--speed", "8", "--screenshot", shot, "--quiet", NULL};
    cr_assert_eq(ts_run_sonospine(&r, args), 0, "stdout: %s\nstderr: %s", r.out, r.err);
    int w, h, comp;
    unsigned char *px = stbi_load(shot, &w, &h, &comp, 3);
    cr_assert_not_null(px, "%s is not a PNG stb_image can read", shot);
    region_stats bmode = stats_of(px, w, 120, 130, 440, 300);
    long outline = overlay_pixels(px, w, 120, 130, 440, 300);
    cr_expect_eq(outline, 0, "outline colours in the B-mode without the aid: %ld pixels", outline);
    cr_expect_geq(bmode.grey_fraction, 0.99, "B-mode region is grey: %.3f", bmode.grey_fraction);
    cr_expect_gt(bmode.sd, 12.0, "and shows an image: grey-level sd %.1f", bmode.sd);
    stbi_image_free(px);
    ts_rmtree(dir);
}

/* The window repaints only the tiles whose content changed (src/ui/damage.h): after a
 * whole scripted puncture (the image changing every frame, the needle, the events
 * list, the status line, the 3D view), the last frame built that way is byte for byte
 * the frame repainted whole every time (SONOSPINE_UI_REPAINT=all). On the normal adult
 * the anatomy overlay is off, so nothing else covers the B-mode: an image uploaded
 * without a new stamp would leave the old one on screen (checked: 12,271 pixels differ),
 * as would a tile missed. This test found one: the last frame's flush uploaded the final
 * image without a new stamp, and one run in five to eight showed the image before it
 * (ss_bmode_view_uploads since). default.json shows the overlay over the image. */
Test(cli_trainer, the_window_built_from_changes_is_the_window_repainted_whole, .timeout = 300)
{
    const char *dir = ts_tempdir("trainer-repaint");
    char script[512];
    snprintf(script, sizeof script, "%s/s.txt", dir);
    cr_assert_eq(ts_write_file(script, k_script), 0);
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    const char *const scenarios[] = {"scenarios/normal-adult.json", "scenarios/default.json"};
    for (int sc = 0; sc < 2; sc++) {
        char *png[2] = {NULL, NULL};
        size_t len[2] = {0, 0};
        for (int all = 0; all < 2; all++) {
            char shot[512];
            snprintf(shot, sizeof shot, "%s/window-%d-%d.png", dir, sc, all);
            if (all) setenv("SONOSPINE_UI_REPAINT", "all", 1);
            else unsetenv("SONOSPINE_UI_REPAINT");
            const char *args[] = {"run", ts_source_path(scenarios[sc]), "--script", script, "--exit-after-script",
                                  "--speed", "8", "--screenshot", shot, "--quiet", NULL};
            int rc = ts_run_sonospine(&r, args);
            unsetenv("SONOSPINE_UI_REPAINT");
            cr_assert_eq(rc, 0, "%s: stdout: %s\nstderr: %s", scenarios[sc], r.out, r.err);
            cr_assert_eq(ss_file_read(shot, 64u << 20, &png[all], &len[all]), SS_OK, "%s", ss_error_message());
        }
        cr_expect(len[0] == len[1] && memcmp(png[0], png[1], len[0]) == 0,
                  "%s: the window built from changes differs from the window repainted whole", scenarios[sc]);
        free(png[0]);
        free(png[1]);
    }
    ts_rmtree(dir);
}

Test(cli_trainer, frame_stats_needs_the_window)
{
    const char *args[] = {"run", ts_source_path("scenarios/default.json"), "--headless", "--frame-stats",
                          "/tmp/never-written.txt", NULL};
    cr_assert_eq(ts_run_sonospine(&r, args), 2, "usage error without a window: %s", r.err);
    cr_expect(strstr(r.err, "--frame-stats") != NULL, "%s", r.err);
}

Test(cli_trainer, a_window_attempt_with_a_trainee_is_recorded_like_a_headless_one)
{
    const char *dir = ts_tempdir("trainerdb");
    char script[512], db[512], log[512];
    snprintf(script, sizeof script, "%s/s.txt", dir);
    snprintf(db, sizeof db, "%s/results.sqlite3", dir);
    snprintf(log, sizeof log, "%s/w.jsonl", dir);
    cr_assert_eq(ts_write_file(script, "0 probe.view L3-L4 near-spinous right\n1 end\n"), 0);
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    const char *args[] = {"run", ts_source_path("scenarios/default.json"), "--script", script, "--exit-after-script",
                          "--speed", "50", "--trainee", "W1", "--results-db", db, "--log", log, "--quiet", NULL};
    cr_assert_eq(ts_run_sonospine(&r, args), 0, "stdout: %s\nstderr: %s", r.out, r.err);
    cr_assert(strstr(r.out, "results  "), "the window run says where it recorded: %s", r.out);
    const char *h[] = {"history", "--trainee", "W1", "--results-db", db, NULL};
    cr_assert_eq(ts_run_sonospine(&r, h), 0, "%s", r.err);
    cr_assert(strstr(r.out, "default"), "the attempt is in the history: %s", r.out);
    ts_rmtree(dir);
}

Test(cli_trainer, bench_trainer_reports_how_live_the_picture_is, .timeout = 300)
{
    /* `bench --trainer` (issue 20): the window offscreen on case 6 with a 20 s probe sweep;
     * it prints the live B-mode's rate and latency and the window's frame line. The
     * numbers depend on the machine (benchmarks are not timed tests): here only that the
     * worker kept producing through the sweep rather than stalling after the first image
     * (at least one image every 2 s: CI's 2 cores under ASan with other tests running in
     * parallel made 28 images of 256 lines in 20 s, a Release build on the same machine
     * ~450), that the window kept drawing (at least 2 frames a second; ASan made 151) and
     * that the figures are consistent. */
    unsetenv("SDL_VIDEODRIVER"); /* bench chooses offscreen itself without a display */
    const char *args[] = {"bench", "--trainer", NULL};
    cr_assert_eq(ts_run_sonospine(&r, args), 0, "stdout: %s\nstderr: %s", r.out, r.err);
    const char *bl = strstr(r.out, "bmode frames "), *ll = strstr(r.out, "latency median "),
               *fl = strstr(r.out, "\nframes ");
    cr_assert(bl && ll && fl && bl < ll && ll < fl, "missing lines:\n%s", r.out);
    int n, frames;
    double hz, p10, lat, lat90, med, fps, p99;
    cr_assert_eq(sscanf(bl, "bmode frames %d median_hz %lf p10_hz %lf", &n, &hz, &p10), 3, "%s", r.out);
    cr_assert_eq(sscanf(ll, "latency median %lf ms p90 %lf ms", &lat, &lat90), 2, "%s", r.out);
    cr_assert_eq(sscanf(fl + 1, "frames %d median %lf ms %lf fps p99 %lf ms", &frames, &med, &fps, &p99), 4, "%s",
                 r.out);
    printf("bench --trainer: %d images, %.1f Hz (p10 %.1f), latency %.1f / %.1f ms; window %d frames %.1f fps\n", n, hz,
           p10, lat, lat90, frames, fps);
    cr_expect_geq(n, 10, "the sweep made %d images in 20 s", n);
    cr_expect_gt(hz, 0.0);
    cr_expect_leq(p10, hz, "p10 %.1f Hz <= median %.1f Hz", p10, hz);
    cr_expect_geq(lat90, lat, "latency p90 %.1f >= median %.1f", lat90, lat);
    cr_expect_geq(frames, 40, "the window drew %d frames in 20 s", frames);
}

/* Pixels drawn in exactly the window's colour for what went wrong (ui.h SS_UI_BAD). */
static long bad_pixels(const unsigned char *px, int w, int h)
{
    long n = 0;
    for (long i = 0; i < (long)w * h; i++) {
        const unsigned char *p = px + i * 3;
        n += p[0] == 240 && p[1] == 90 && p[2] == 80;
    }
    return n;
}

static long window_attempt_bad_pixels(const char *dir, const char *tag, const char *script_text, char *out,
                                      size_t out_size)
{
    char script[512], shot[512], log[512];
    snprintf(script, sizeof script, "%s/%s.txt", dir, tag);
    snprintf(shot, sizeof shot, "%s/%s.png", dir, tag);
    snprintf(log, sizeof log, "%s/%s.jsonl", dir, tag);
    cr_assert_eq(ts_write_file(script, script_text), 0);
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    const char *args[] = {"run", ts_source_path("scenarios/normal-adult.json"), "--script", script,
                          "--exit-after-script", "--speed", "8", "--screenshot", shot, "--log", log, NULL};
    cr_assert_eq(ts_run_sonospine(&r, args), 0, "stdout: %s\nstderr: %s", r.out, r.err);
    snprintf(out, out_size, "%s", r.out);
    int w, h, comp;
    unsigned char *px = stbi_load(shot, &w, &h, &comp, 3);
    cr_assert_not_null(px, "%s is not a PNG stb_image can read", shot);
    long n = bad_pixels(px, w, h);
    stbi_image_free(px);
    return n;
}

Test(cli_trainer, a_critical_error_is_shown_at_once_in_red, .timeout = 300)
{
    /* practice mode: the drug injected with the tip in the paraspinal muscle (35 mm of
     * the ~45 mm to the flavum) against the same attempt carried to the sac */
    const char *dir = ts_tempdir("trainer-critical");
    static char out_bad[1 << 16], out_ok[1 << 16];
    long bad = window_attempt_bad_pixels(dir, "muscle",
                                         "0 probe.view L4-L5 near-spinous right\n0.5 guide.attach auto\n"
                                         "1 needle.enter\n1 needle.advance 35 10\n1 stylet.remove\n1 inject 0.2\n",
                                         out_bad, sizeof out_bad);
    long ok = window_attempt_bad_pixels(dir, "csf", k_script, out_ok, sizeof out_ok);
    printf("red pixels: %ld with the injection in muscle, %ld in the CSF\n", bad, ok);
    /* the banner (three wrapped lines) and two red event lines: 158 pixels exactly in the
     * colour at the glyphs' cores (the rest is antialiased); the successful attempt draws
     * none in that colour */
    cr_expect_geq(bad, 100, "the critical error is not drawn in red: %ld pixels", bad);
    cr_expect_lt(ok, bad / 5, "a clean attempt shows red too: %ld against %ld", ok, bad);
    cr_expect(strstr(out_bad, "inject_outside_csf"), "the window's event line: %s", out_bad);
    cr_expect_null(strstr(out_ok, "inject_outside_csf"), "%s", out_ok);
    ts_rmtree(dir);
}

/* Pixels of the 3D view's region in the palpation marks' colours: the spinous process
 * marks (purple: red and blue well above green) and Tuffier's line (blue well above
 * both). Skin (r > g > b), the table (grey-blue, b above r by ~20) and the background
 * (grey) are neither. */
static void palpation_pixels(const unsigned char *px, int w, int x0, int y0, int x1, int y1, long *purple, long *blue)
{
    *purple = *blue = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            const unsigned char *p = px + ((size_t)y * w + x) * 3;
            int red = p[0], g = p[1], b = p[2];
            if (red > g + 25 && b > g + 25 && abs(red - b) < 50) (*purple)++;
            else if (b > red + 60 && b > g + 40) (*blue)++;
        }
}

/* Landmark-only mode in the window (issue 24): no B-mode (the panel says what the hands
 * find instead), the palpation marks on the back in the 3D view, the needle put in at the
 * palpated interspace; the attempt is logged as landmark and replays. */
Test(cli_trainer, landmark_mode_palpates_in_the_window, .timeout = 300)
{
    const char *dir = ts_tempdir("trainer-landmark");
    char script[512], shot[512], log[512], shot_p[512];
    snprintf(script, sizeof script, "%s/lm.txt", dir);
    snprintf(shot, sizeof shot, "%s/lm.png", dir);
    snprintf(shot_p, sizeof shot_p, "%s/practice.png", dir);
    snprintf(log, sizeof log, "%s/lm.jsonl", dir);
    cr_assert_eq(ts_write_file(script, "0 needle.landmark L3-L4 5\n1 needle.advance-until dura_pop 80 10\n"
                                       "1 stylet.remove\n1 inject 0.2\n"),
                 0);
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    const char *args[] = {"run",   ts_source_path("scenarios/normal-adult.json"), "--mode", "landmark", "--script",
                          script,  "--exit-after-script", "--speed", "8", "--screenshot", shot, "--log", log, NULL};
    cr_assert_eq(ts_run_sonospine(&r, args), 0, "stdout: %s\nstderr: %s", r.out, r.err);
    cr_expect(strstr(r.out, "Landmark-only attempt 1"), "%s", r.out);
    cr_expect(strstr(r.out, "csf_outflow"), "a normal adult's L3-L4 by landmarks reaches the CSF: %s", r.out);
    /* the same window in practice mode, with nothing done, for the colours' baseline */
    cr_assert_eq(ts_write_file(script, "0 check consent\n"), 0);
    const char *pargs[] = {"run", ts_source_path("scenarios/normal-adult.json"), "--script", script,
                           "--exit-after-script", "--speed", "8", "--screenshot", shot_p, NULL};
    cr_assert_eq(ts_run_sonospine(&r, pargs), 0, "stdout: %s\nstderr: %s", r.out, r.err);
    long purple[2], blue[2];
    for (int k = 0; k < 2; k++) {
        int w, h, comp;
        unsigned char *px = stbi_load(k ? shot_p : shot, &w, &h, &comp, 3);
        cr_assert_not_null(px);
        /* the 3D view is the middle column of the window (trainer layout: B-mode left,
           3D middle, controls right) */
        palpation_pixels(px, w, (int)(w * 0.45), (int)(h * 0.08), (int)(w * 0.77), (int)(h * 0.90), &purple[k],
                         &blue[k]);
        stbi_image_free(px);
    }
    printf("palpation marks: purple %ld, blue %ld (practice mode: %ld, %ld)\n", purple[0], blue[0], purple[1], blue[1]);
    cr_expect_geq(purple[0], 40, "the spinous process marks are not drawn: %ld", purple[0]);
    cr_expect_geq(blue[0], 40, "Tuffier's line is not drawn: %ld", blue[0]);
    cr_expect_lt(purple[1] + blue[1], (purple[0] + blue[0]) / 5, "practice mode draws them too");
    const char *rep[] = {"replay", log, NULL};
    cr_assert_eq(ts_run_sonospine(&r, rep), 0, "%s%s", r.out, r.err);
    cr_expect(strstr(r.out, "REPRODUCED"), "%s", r.out);
    ts_rmtree(dir);
}

/* cmd_preview.c: `sonospine preview`: the instructor preview of a scenario: every
 * standard view at every lumbar interspace rendered (CPU renderer) to PNG, coronal and
 * sagittal drawings of the spine, and an index.html showing them (engine/preview.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bmode_cpu.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_case.h"
#include "commands.h"
#include "image.h"
#include "preview.h"
#include "views.h"

/* mkdir -p; 0 on success. */
static int ss__mkdirs(const char *dir)
{
    char p[1024];
    if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p) return -1;
    for (char *c = p + 1; *c; c++) {
        if (*c != '/') continue;
        *c = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) return -1;
        *c = '/';
    }
    if (mkdir(p, 0777) != 0 && errno != EEXIST) return -1;
    struct stat st;
    return (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) ? 0 : -1;
}

static double ss__now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int ss_cmd_preview(int argc, char **argv)
{
    const char *out_dir = NULL, *side_s = "right";
    int lines = 128, samples = 512, threads = 2;
    const ss_opt opts[] = {
        {"-o", SS_OPT_STRING, &out_dir, 0, 0, NULL},
        {"--side", SS_OPT_CHOICE, &side_s, 0, 0, "left|right"},
        {"--lines", SS_OPT_INT, &lines, 16, 1024, NULL},
        {"--samples", SS_OPT_INT, &samples, 64, 8192, NULL},
        {"--threads", SS_OPT_INT, &threads, 1, 64, NULL},
    };
    ss_args a;
    if (!ss_args_parse("preview", argc, argv, opts, (int)(sizeof opts / sizeof opts[0]), &a)) return SS_EXIT_USAGE;
    if (a.npositional != 1) {
        fprintf(stderr, "sonospine preview: expected one SCENARIO, got %d\n", a.npositional);
        return SS_EXIT_USAGE;
    }
    if (!out_dir) {
        fprintf(stderr, "sonospine preview: -o DIR is required\n");
        return SS_EXIT_USAGE;
    }
    ss_case cs;
    int rc = ss_cli_load_case("preview", a.positional[0], &cs);
    if (rc) return rc;
    int code = SS_EXIT_FAILED;
    double t0 = ss__now_s();
    bool right = strcmp(side_s, "right") == 0;
    char path[2048];
    ss_bmode_frame frame = {0};
    static ss_preview_page page; /* large: cells with names */
    memset(&page, 0, sizeof page);

    if (ss__mkdirs(out_dir) != 0) {
        fprintf(stderr, "sonospine preview: %s: cannot create directory (%s)\n", out_dir, strerror(errno));
        goto done;
    }
    const ss_volume *vol;
    if (ss_case_volume(&cs, 0.5f, &vol) != SS_OK) {
        fprintf(stderr, "sonospine preview: %s\n", ss_error_message());
        goto done;
    }
    ss_probe probe;
    ss_bmode_settings settings;
    ss_scenario_probe(&cs.scenario, &probe);
    ss_cli_bmode_settings(&cs.scenario, &settings);
    settings.threads = threads;
    probe.lines = lines;
    probe.samples = samples;
    if (probe.focal_depth_mm > probe.depth_mm) probe.focal_depth_mm = probe.depth_mm * 0.6f;
    if (ss_probe_validate(&probe) != SS_OK) {
        fprintf(stderr, "sonospine preview: %s\n", ss_error_message());
        code = SS_EXIT_USAGE;
        goto done;
    }
    ss_bmode_scene scene = {0};
    scene.volume = vol;
    page.scenario = &cs.scenario;
    page.spine = cs.spine;
    page.probe = &probe;
    page.right = right;
    page.lines = lines;
    page.samples = samples;
    int written = 0;
    for (int l = 0; l < SS_LEVEL_COUNT; l++) {
        for (int v = 0; v < SS_VIEW_COUNT; v++) {
            ss_preview_cell *c = &page.cells[l][v];
            ss_probe_pose pose;
            if (ss_view_pose(cs.spine, &probe, l, (ss_view)v, right, &pose) != SS_OK ||
                ss_bmode_cpu_render(&scene, &probe, &pose, &settings, &frame) != SS_OK) {
                fprintf(stderr, "sonospine preview: %s %s: %s\n", ss_level_name(l), ss_view_name((ss_view)v),
                        ss_error_message());
                goto done;
            }
            snprintf(c->png, sizeof c->png, "view_%s_%s.png", ss_level_name(l), ss_view_name((ss_view)v));
            snprintf(path, sizeof path, "%s/%s", out_dir, c->png);
            if (ss_image_write_png(&frame.image, path) != SS_OK) {
                fprintf(stderr, "sonospine preview: %s\n", ss_error_message());
                goto done;
            }
            written++;
            c->measured = ss_view_measure_at(cs.spine, &probe, l, (ss_view)v, right, &c->measure) == SS_OK;
        }
    }
    snprintf(page.coronal_png, sizeof page.coronal_png, "spine_coronal.png");
    snprintf(page.sagittal_png, sizeof page.sagittal_png, "spine_sagittal.png");
    snprintf(path, sizeof path, "%s/%s", out_dir, page.coronal_png);
    if (ss_preview_draw_spine(vol, cs.spine, SS_PREVIEW_CORONAL, path) != SS_OK) {
        fprintf(stderr, "sonospine preview: %s\n", ss_error_message());
        goto done;
    }
    snprintf(path, sizeof path, "%s/%s", out_dir, page.sagittal_png);
    if (ss_preview_draw_spine(vol, cs.spine, SS_PREVIEW_SAGITTAL, path) != SS_OK) {
        fprintf(stderr, "sonospine preview: %s\n", ss_error_message());
        goto done;
    }
    snprintf(path, sizeof path, "%s/index.html", out_dir);
    if (ss_preview_write_html(&page, path) != SS_OK) {
        fprintf(stderr, "sonospine preview: %s\n", ss_error_message());
        goto done;
    }
    printf("%s: %d views (%d interspaces x %d views, %d lines x %d samples), 2 drawings, index.html in %.1f s\n",
           out_dir, written, SS_LEVEL_COUNT, SS_VIEW_COUNT, lines, samples, ss__now_s() - t0);
    code = SS_EXIT_OK;
done:
    ss_bmode_frame_free(&frame);
    ss_case_free(&cs);
    return code;
}

/* cmd_bench.c: `sonospine bench`: speed of the acoustic simulator on the CPU reference
 * and the GPU renderer, each with a bare volume march of the same size measured in the
 * same run (one label fetch per sample, nothing else), and of the tissue volume build.
 * The scene is the normal adult at L3-L4 in the near-spinous view with the needle in the
 * frame half way to the canal: every piece of physics is on. Medians over --frames.
 * --trainer: the trainer window (offscreen without a display) on case 6 with a fixed
 * probe sweep, and how live its B-mode picture is (trainer/bmode_view.h). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bmode_cpu.h"
#include "bmode_gpu.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_case.h"
#include "commands.h"
#include "plan.h"
#include "platform/gl_context.h"
#include "session_script.h"
#include "spine_world.h"
#include "trainer/trainer.h"
#include "views.h"

typedef struct ss__size {
    int lines, samples;
} ss__size;

/* One result. The CPU backend's also tells where the frame went (the medians of its
 * passes and of the speckle's thread time): in --json as four more fields, as text on a
 * line of its own after the result, as the GPU's passes are. */
static void ss__print(const char *backend, const ss_bmode_bench *b, bool json)
{
    const bool cpu = strcmp(backend, "cpu") == 0;
    const ss_bmode_pass_times *p = &b->passes;
    if (json) {
        printf("{\"backend\":\"%s\",\"lines\":%d,\"samples\":%d,\"ms_per_frame\":%.3f,\"fps\":%.2f,"
               "\"msamples_per_s\":%.2f,\"bare_ms_per_frame\":%.4f,\"ratio_to_bare\":%.2f,\"frames\":%d",
               backend, b->lines, b->samples, b->ms_per_frame, b->fps, b->msamples_per_s, b->bare_ms_per_frame,
               b->ratio_to_bare, b->frames);
        if (cpu)
            printf(",\"threads\":%d,\"lines_ms\":%.3f,\"image_ms\":%.3f,\"scan_ms\":%.3f,\"speckle_cpu_ms\":%.3f",
                   b->threads, p->lines_ms, p->image_ms, p->scan_ms, p->speckle_cpu_ms);
        printf("}\n");
    } else
        printf("%-4s %4d x %-5d %9.2f ms/frame %8.1f fps %9.2f Msamples/s   bare march %8.3f ms   full/bare %7.1f\n",
               backend, b->lines, b->samples, b->ms_per_frame, b->fps, b->msamples_per_s, b->bare_ms_per_frame,
               b->ratio_to_bare);
    if (!json && cpu)
        printf("     passes (ms): lines %.2f (of which speckle %.2f thread-ms over %d threads)  image %.2f  scan %.2f\n",
               p->lines_ms, p->speckle_cpu_ms, b->threads, p->image_ms, p->scan_ms);
    fflush(stdout);
}

/* The sweep of `bench --trainer`: the near-spinous view of case 6 at L4-L5, then the
 * probe slid 0.3 mm every 40 ms (7.5 mm/s, a slow scanning hand) cranially and caudally
 * in 2 s legs for 20 s: the image has something new to show all the time. */
static char *ss__sweep_script(void)
{
    size_t cap = 64 * 1024, n = 0;
    char *t = malloc(cap);
    if (!t) return NULL;
    n += (size_t)snprintf(t + n, cap - n, "0 probe.view L4-L5 near-spinous\n");
    for (int i = 0; i < 500; i++) {
        double dz = (i / 50) % 2 ? -0.3 : 0.3;
        n += (size_t)snprintf(t + n, cap - n, "%.2f probe.move 0 0 %.1f\n", 1.0 + 0.04 * i, dz);
    }
    snprintf(t + n, cap - n, "%.2f end\n", 1.0 + 0.04 * 500 + 0.5);
    return t;
}

static int ss__bench_trainer(const char *scenario_dir_path)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", scenario_dir_path);
    char *slash = strrchr(path, '/');
    if (slash) snprintf(slash + 1, sizeof path - (size_t)(slash + 1 - path), "wei2023-case6.json");
    ss_case cs;
    int rc = ss_cli_load_case("bench", path, &cs);
    if (rc) return rc;
    char *text = ss__sweep_script();
    ss_script script;
    if (!text || ss_script_parse(text, "bench sweep", &script) != SS_OK) {
        fprintf(stderr, "sonospine bench: --trainer: %s\n", text ? ss_error_message() : "out of memory");
        free(text);
        ss_case_free(&cs);
        return SS_EXIT_FAILED;
    }
    free(text);
    /* no display: the window goes offscreen (EGL), as in the tests */
    if (!ss_gl_display_available()) setenv("SDL_VIDEODRIVER", "offscreen", 0);
    char stats[] = "/tmp/sonospine-bench-XXXXXX";
    int fd = mkstemp(stats);
    if (fd < 0) {
        perror("sonospine bench: --trainer: temporary file");
        ss_script_free(&script);
        ss_case_free(&cs);
        return SS_EXIT_FAILED;
    }
    close(fd);
    printf("trainer: %s, L4-L5 near-spinous, probe sweep 7.5 mm/s for 20 s, window 1280 x 800\n", cs.scenario.title);
    fflush(stdout);
    ss_trainer_desc td = {.cs = &cs, .script = &script, .speed = 1.0, .exit_after_script = true,
                          .frame_stats_path = stats, .quiet = true};
    int trc = ss_trainer_run(&td);
    FILE *f = fopen(stats, "r");
    char line[1024];
    while (f && fgets(line, sizeof line, f))
        if (line[0] != '#') fputs(line, stdout);
        else if (strstr(line, "# B-mode") || strstr(line, "# window")) fputs(line, stdout);
    if (f) fclose(f);
    remove(stats);
    ss_script_free(&script);
    ss_case_free(&cs);
    return trc ? SS_EXIT_FAILED : SS_EXIT_OK;
}

int ss_cmd_bench(int argc, char **argv)
{
    const char *backend = "both";
    int lines = 0, samples = 0, frames = 15;
    bool json = false, volume = false, trainer = false;
    const ss_opt opts[] = {
        {"--backend", SS_OPT_CHOICE, &backend, 0, 0, "cpu|gpu|both"},
        {"--lines", SS_OPT_INT, &lines, 16, 1024, NULL},
        {"--samples", SS_OPT_INT, &samples, 64, 8192, NULL},
        {"--frames", SS_OPT_INT, &frames, 1, 1000, NULL},
        {"--json", SS_OPT_FLAG, &json, 0, 0, NULL},
        {"--volume", SS_OPT_FLAG, &volume, 0, 0, NULL},
        {"--trainer", SS_OPT_FLAG, &trainer, 0, 0, NULL},
    };
    ss_args a;
    if (!ss_args_parse("bench", argc, argv, opts, (int)(sizeof opts / sizeof opts[0]), &a)) return SS_EXIT_USAGE;
    if (a.npositional) {
        fprintf(stderr, "sonospine bench: takes no positional arguments\n");
        return SS_EXIT_USAGE;
    }
    if ((lines == 0) != (samples == 0)) {
        fprintf(stderr, "sonospine bench: give --lines and --samples together (or neither for the standard sizes)\n");
        return SS_EXIT_USAGE;
    }
    ss__size sizes[3] = {{128, 512}, {256, 1024}, {256, 2048}};
    int nsizes = 3;
    if (lines) {
        sizes[0] = (ss__size){lines, samples};
        nsizes = 1;
    }
    char path[4096];
    if (ss_scenario_default_path(path, sizeof path) != SS_OK) {
        fprintf(stderr, "sonospine bench: %s\n", ss_error_message());
        return SS_EXIT_USAGE;
    }
    if (trainer) return ss__bench_trainer(path);
    /* normal-adult.json beside the default scenario */
    char *slash = strrchr(path, '/');
    if (slash) snprintf(slash + 1, sizeof path - (size_t)(slash + 1 - path), "normal-adult.json");
    ss_case cs;
    int rc = ss_cli_load_case("bench", path, &cs);
    if (rc) return rc;
    int code = SS_EXIT_OK;

    if (volume) {
        float spacings[2] = {1.0f, 0.5f};
        for (int i = 0; i < 2; i++) {
            ss_volume_bench_result vb;
            if (ss_volume_bench(cs.spine, spacings[i], 0, 5, &vb) != SS_OK) {
                fprintf(stderr, "sonospine bench: %s\n", ss_error_message());
                code = SS_EXIT_FAILED;
                continue;
            }
            if (json)
                printf("{\"kind\":\"volume\",\"spacing_mm\":%.2f,\"nx\":%d,\"ny\":%d,\"nz\":%d,\"bytes\":%zu,"
                       "\"build_ms\":%.1f,\"threads\":%d}\n",
                       vb.spacing_mm, vb.nx, vb.ny, vb.nz, vb.bytes, vb.build_ms, vb.threads);
            else
                printf("volume %.1f mm: %d x %d x %d voxels, %.1f MB, built in %.0f ms (median of 5, %d threads)\n",
                       vb.spacing_mm, vb.nx, vb.ny, vb.nz, vb.bytes / 1e6, vb.build_ms, vb.threads);
        }
    }

    const ss_volume *vol;
    if (ss_case_volume(&cs, 0.5f, &vol) != SS_OK) {
        fprintf(stderr, "sonospine bench: %s\n", ss_error_message());
        ss_case_free(&cs);
        return SS_EXIT_FAILED;
    }
    ss_probe probe;
    ss_scenario_probe(&cs.scenario, &probe);
    ss_probe_pose pose;
    ss_world w;
    ss_case_world(&cs, &w);
    ss_needle_geom needle = {.length_mm = 180.0f, .outer_diameter_mm = 1.27f};
    bool have_needle = false;
    if (ss_view_pose(cs.spine, &probe, SS_LEVEL_L3_L4, SS_VIEW_NEAR_SPINOUS, true, &pose) == SS_OK) {
        ss_plan plan;
        if (ss_plan_puncture(&w, &probe, &pose, SS_LEVEL_L3_L4, 10, 45, SS_PLAN_SEE_TIP, SS_PLAN_MAX_SLIDE_MM, &plan) == SS_OK && plan.found) {
            for (int i = 0; i < 3; i++) pose.origin_mm[i] += (float)plan.slide_world_mm[i];
            double start[3], dir[3];
            ss_guide_line(&probe, &pose, plan.angle_deg, start, dir);
            double tip_depth = SS_SIM_NEEDLE_STANDOFF_MM + 0.5 * plan.depth_to_csf_mm;
            for (int i = 0; i < 3; i++) {
                needle.tip_mm[i] = (float)(start[i] + dir[i] * tip_depth);
                needle.dir[i] = (float)dir[i];
            }
            have_needle = true;
        }
    }
    ss_bmode_settings s;
    ss_cli_bmode_settings(&cs.scenario, &s);
    if (!json)
        printf("scene: %s, L3-L4 near-spinous%s; medians of %d frames\n", cs.scenario.title,
               have_needle ? ", needle in the frame" : "", frames);

    bool want_cpu = strcmp(backend, "gpu") != 0, want_gpu = strcmp(backend, "cpu") != 0;
    if (want_cpu) {
        ss_bmode_scene scene = {.volume = vol, .needle = have_needle ? &needle : NULL};
        for (int i = 0; i < nsizes; i++) {
            ss_probe p = probe;
            p.lines = sizes[i].lines;
            p.samples = sizes[i].samples;
            ss_bmode_bench b;
            if (ss_bmode_cpu_bench(&scene, &p, &pose, &s, frames, &b) != SS_OK) {
                fprintf(stderr, "sonospine bench: cpu: %s\n", ss_error_message());
                code = SS_EXIT_FAILED;
                continue;
            }
            ss__print("cpu", &b, json);
        }
    }
    if (want_gpu) {
        ss_gl_context *ctx = NULL;
        if (ss_gl_context_create(NULL, &ctx) != SS_OK) {
            fprintf(stderr, "sonospine bench: gpu: %s; no GPU figures\n", ss_error_message());
            if (!want_cpu) code = SS_EXIT_FAILED;
        } else {
            if (!json) printf("gpu: %s, %s\n", ss_gl_context_info(ctx)->renderer, ss_gl_context_info(ctx)->version);
            for (int i = 0; i < nsizes; i++) {
                ss_probe p = probe;
                p.lines = sizes[i].lines;
                p.samples = sizes[i].samples;
                ss_bmode_gpu *g = NULL;
                ss_bmode_bench b;
                ss_bmode_gpu_pass_ms passes;
                if (ss_bmode_gpu_create(&p, &g) != SS_OK || ss_bmode_gpu_set_volume(g, vol) != SS_OK ||
                    ss_bmode_gpu_bench(g, have_needle ? &needle : NULL, &pose, &s, frames, &b, &passes) != SS_OK) {
                    fprintf(stderr, "sonospine bench: gpu: %s\n", ss_error_message());
                    code = SS_EXIT_FAILED;
                } else {
                    ss__print("gpu", &b, json);
                    if (!json)
                        printf("     passes (ms): march %.2f  speckle %.2f  lateral %.2f  envelope %.2f  grey %.2f  "
                               "scan %.2f\n",
                               passes.march, passes.speckle, passes.lateral, passes.envelope, passes.grey, passes.scan);
                }
                ss_bmode_gpu_destroy(g);
            }
            ss_gl_context_destroy(ctx);
        }
    }
    ss_case_free(&cs);
    return code;
}

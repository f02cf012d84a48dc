/* cmd_bench.c: `sonospine bench`: speed of the acoustic simulator on the CPU reference
 * and the GPU renderer, each with a bare volume march of the same size measured in the
 * same run (one label fetch per sample, nothing else), and of the tissue volume build.
 * The scene is the normal adult at L3-L4 in the near-spinous view with the needle in the
 * frame half way to the canal: every piece of physics is on. Medians over --frames. */
#include <stdio.h>
#include <string.h>

#include "bmode_cpu.h"
#include "bmode_gpu.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_case.h"
#include "commands.h"
#include "plan.h"
#include "platform/gl_context.h"
#include "spine_world.h"
#include "views.h"

typedef struct ss__size {
    int lines, samples;
} ss__size;

static void ss__print(const char *backend, const ss_bmode_bench *b, bool json)
{
    if (json)
        printf("{\"backend\":\"%s\",\"lines\":%d,\"samples\":%d,\"ms_per_frame\":%.3f,\"fps\":%.2f,"
               "\"msamples_per_s\":%.2f,\"bare_ms_per_frame\":%.4f,\"ratio_to_bare\":%.2f,\"frames\":%d}\n",
               backend, b->lines, b->samples, b->ms_per_frame, b->fps, b->msamples_per_s, b->bare_ms_per_frame,
               b->ratio_to_bare, b->frames);
    else
        printf("%-4s %4d x %-5d %9.2f ms/frame %8.1f fps %9.2f Msamples/s   bare march %8.3f ms   full/bare %7.1f\n",
               backend, b->lines, b->samples, b->ms_per_frame, b->fps, b->msamples_per_s, b->bare_ms_per_frame,
               b->ratio_to_bare);
    fflush(stdout);
}

int ss_cmd_bench(int argc, char **argv)
{
    const char *backend = "both";
    int lines = 0, samples = 0, frames = 15;
    bool json = false, volume = false;
    const ss_opt opts[] = {
        {"--backend", SS_OPT_CHOICE, &backend, 0, 0, "cpu|gpu|both"},
        {"--lines", SS_OPT_INT, &lines, 16, 1024, NULL},
        {"--samples", SS_OPT_INT, &samples, 64, 8192, NULL},
        {"--frames", SS_OPT_INT, &frames, 1, 1000, NULL},
        {"--json", SS_OPT_FLAG, &json, 0, 0, NULL},
        {"--volume", SS_OPT_FLAG, &volume, 0, 0, NULL},
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
    ss_spine_world(cs.spine, &w);
    ss_needle_geom needle = {.length_mm = 180.0f, .outer_diameter_mm = 1.27f};
    bool have_needle = false;
    if (ss_view_pose(cs.spine, &probe, SS_LEVEL_L3_L4, SS_VIEW_NEAR_SPINOUS, true, &pose) == SS_OK) {
        ss_plan plan;
        if (ss_plan_puncture(&w, &probe, &pose, SS_LEVEL_L3_L4, 10, 45, SS_PLAN_SEE_TIP, &plan) == SS_OK && plan.found) {
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

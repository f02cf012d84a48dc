/* cmd_doctor.c: `sonospine doctor`, a check of this machine's graphics and data. */
#include <stdio.h>

#include "cli.h"
#include "cli_args.h"
#include "commands.h"
#include "gpu_selftest.h"
#include "paths.h"
#include "platform/gl_context.h"
#include "tissue.h"

int ss_cmd_doctor(int argc, char **argv)
{
    ss_args args;
    if (!ss_args_parse("doctor", argc, argv, NULL, 0, &args)) return SS_EXIT_USAGE;
    if (args.npositional) {
        fprintf(stderr, "sonospine doctor: takes no arguments\n");
        return SS_EXIT_USAGE;
    }
    const char *kinds[] = {"shaders", "assets", "scenarios"};
    for (int i = 0; i < 3; i++) {
        char dir[4096];
        bool env = false;
        if (ss_paths_data_dir(kinds[i], dir, sizeof dir, &env) == SS_OK)
            printf("%-10s %s%s\n", kinds[i], dir, env ? " (from environment)" : "");
        else
            printf("%-10s missing: %s\n", kinds[i], ss_error_message());
    }
    printf("display    %s\n", ss_gl_display_available() ? "yes" : "none (offscreen rendering)");

    ss_gl_context *ctx = NULL;
    if (ss_gl_context_create(NULL, &ctx) != SS_OK) {
        fprintf(stderr, "sonospine doctor: %s\n", ss_error_message());
        printf("opengl     unavailable: the GPU renderer cannot run here (the CPU reference can)\n");
        return SS_EXIT_FAILED;
    }
    const ss_gl_info *gi = ss_gl_context_info(ctx);
    printf("opengl     %s\n", gi->version);
    printf("renderer   %s (%s)\n", gi->renderer, gi->vendor);
    printf("context    %s via SDL '%s' driver\n", gi->egl ? "EGL, no window system" : "window system",
           gi->video_driver);
    printf("limits     3D texture %d, compute group invocations %d\n", gi->max_3d_texture_size,
           gi->max_compute_work_group_invocations);
    ss_gpu_selftest_result r;
    int code = SS_EXIT_OK;
    if (ss_gpu_selftest(512, &r) != SS_OK) {
        fprintf(stderr, "sonospine doctor: %s\n", ss_error_message());
        code = SS_EXIT_FAILED;
    } else {
        bool ok = r.max_rel_error < 1e-4 && r.tissue_count_gpu == SS_TISSUE_COUNT;
        printf("compute    %s: %d values, max relative error %.2e, tissue table %d/%d labels\n",
               ok ? "ok" : "WRONG", r.n, r.max_rel_error, r.tissue_count_gpu, SS_TISSUE_COUNT);
        if (!ok) code = SS_EXIT_FAILED;
    }
    ss_gl_context_destroy(ctx);
    return code;
}

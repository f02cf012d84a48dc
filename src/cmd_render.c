/* cmd_render.c: `sonospine render`: one B-mode frame of a scenario at a standard view
 * (or of a test phantom), headless, to PNG, with the linear envelope on request. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmode_cpu.h"
#include "bmode_gpu.h"
#include "bmode_landmarks.h"
#include "platform/gl_context.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_case.h"
#include "commands.h"
#include "patient.h"
#include "phantom.h"
#include "sim.h"
#include "spine.h"
#include "tissue.h"
#include "views.h"

/* The needle on the view's puncture frame: DEG to the beam, tip MM along the needle from
 * where it crosses the skin (the model's skin surface). false (message printed) when the
 * frame line never meets the skin within its length. */
static bool ss__frame_needle(const ss_case *cs, const ss_probe *probe, const ss_probe_pose *pose, double angle_deg,
                             double depth_mm, ss_needle_geom *out)
{
    double start[3], dir[3];
    ss_guide_line(probe, pose, angle_deg, start, dir);
    const double len = cs->scenario.task.needle_length_mm;
    double entry = -1.0;
    for (double t = 0.0; t <= len; t += 0.05) {
        double q[3] = {start[0] + t * dir[0], start[1] + t * dir[1], start[2] + t * dir[2]};
        if (ss_spine_label_at(cs->spine, q) != SS_TISSUE_AIR) {
            entry = t;
            break;
        }
    }
    if (entry < 0.0) {
        fprintf(stderr, "sonospine render: --needle-angle %g: the frame's needle line does not reach the skin within "
                        "the %g mm needle\n", angle_deg, len);
        return false;
    }
    double tip = entry + depth_mm;
    for (int i = 0; i < 3; i++) {
        out->tip_mm[i] = (float)(start[i] + tip * dir[i]);
        out->dir[i] = (float)dir[i];
    }
    out->length_mm = (float)len;
    out->outer_diameter_mm = (float)ss_needle_outer_diameter_mm(cs->scenario.task.needle_gauge);
    return true;
}

int ss_cmd_render(int argc, char **argv)
{
    const char *level_s = NULL, *view_s = NULL, *side_s = "right", *backend = "cpu", *out_png = NULL,
               *envelope = NULL, *phantom_s = NULL, *labels = NULL;
    bool landmarks = false;
    int lines = 0, samples = 0, width = 0;
    double freq = 0, depth = 0, spacing = 0.5, needle_angle = NAN, needle_depth = NAN;
    const ss_opt opts[] = {
        {"--level", SS_OPT_STRING, &level_s, 0, 0, NULL},
        {"--view", SS_OPT_CHOICE, &view_s, 0, 0,
         "spinous|near-spinous|parasagittal-oblique|transverse-interlaminar|transverse-spinous"},
        {"--side", SS_OPT_CHOICE, &side_s, 0, 0, "left|right"},
        {"--backend", SS_OPT_CHOICE, &backend, 0, 0, "cpu|gpu"},
        {"--lines", SS_OPT_INT, &lines, 16, 1024, NULL},
        {"--samples", SS_OPT_INT, &samples, 64, 8192, NULL},
        {"--freq", SS_OPT_DOUBLE, &freq, 1, 15, NULL},
        {"--depth", SS_OPT_DOUBLE, &depth, 20, 250, NULL},
        {"--spacing", SS_OPT_DOUBLE, &spacing, 0.25, 2.0, NULL},
        {"-o", SS_OPT_STRING, &out_png, 0, 0, NULL},
        {"--envelope", SS_OPT_STRING, &envelope, 0, 0, NULL},
        {"--phantom", SS_OPT_STRING, &phantom_s, 0, 0, NULL},
        {"--labels", SS_OPT_STRING, &labels, 0, 0, NULL},
        {"--needle-angle", SS_OPT_DOUBLE, &needle_angle, 0, 89, NULL},
        {"--needle-depth", SS_OPT_DOUBLE, &needle_depth, 0, 250, NULL},
        {"--landmarks", SS_OPT_FLAG, &landmarks, 0, 0, NULL},
        {"--width", SS_OPT_INT, &width, 64, 4096, NULL},
    };
    ss_args a;
    if (!ss_args_parse("render", argc, argv, opts, (int)(sizeof opts / sizeof opts[0]), &a)) return SS_EXIT_USAGE;
    if (!out_png) {
        fprintf(stderr, "sonospine render: -o OUT.png is required\n");
        return SS_EXIT_USAGE;
    }
    ss_probe probe;
    ss_probe_pose pose;
    ss_bmode_settings settings;
    ss_bmode_scene scene = {0};
    ss_needle_geom needle;
    ss_case cs;
    ss_phantom ph;
    bool have_case = false, have_phantom = false;
    int code = SS_EXIT_USAGE;

    if (phantom_s) {
        int kind = ss_phantom_from_name(phantom_s);
        if (kind < 0) {
            fprintf(stderr, "sonospine render: --phantom: unknown phantom '%s' (expected one of", phantom_s);
            for (int k = 0; k < SS_PHANTOM_COUNT; k++) fprintf(stderr, " %s", ss_phantom_name((ss_phantom_kind)k));
            fprintf(stderr, ")\n");
            return SS_EXIT_USAGE;
        }
        if (a.npositional) {
            fprintf(stderr, "sonospine render: give either SCENARIO or --phantom, not both\n");
            return SS_EXIT_USAGE;
        }
        if (!isnan(needle_angle) || !isnan(needle_depth)) {
            fprintf(stderr, "sonospine render: --needle-angle/--needle-depth need a SCENARIO (its puncture frame)\n");
            return SS_EXIT_USAGE;
        }
        ss_phantom_params pp;
        ss_phantom_params_default(&pp, (ss_phantom_kind)kind);
        if (ss_phantom_build(&pp, &ph) != SS_OK) {
            fprintf(stderr, "sonospine render: %s\n", ss_error_message());
            return SS_EXIT_FAILED;
        }
        have_phantom = true;
        scene = ss_phantom_scene(&ph);
        ss_probe_default(&probe);
        ss_phantom_probe_pose(&pose);
        ss_bmode_settings_default(&settings);
    } else {
        if (a.npositional != 1) {
            fprintf(stderr, "sonospine render: expected one SCENARIO (or --phantom NAME), got %d\n", a.npositional);
            return SS_EXIT_USAGE;
        }
        if (!level_s || !view_s) {
            fprintf(stderr, "sonospine render: --level and --view are required with a SCENARIO\n");
            return SS_EXIT_USAGE;
        }
        if (isnan(needle_angle) != isnan(needle_depth)) {
            fprintf(stderr, "sonospine render: --needle-angle and --needle-depth go together\n");
            return SS_EXIT_USAGE;
        }
        int level = ss_level_from_name(level_s);
        if (level < 0) {
            fprintf(stderr, "sonospine render: --level: expected L1-L2, L2-L3, L3-L4, L4-L5 or L5-S1, got '%s'\n",
                    level_s);
            return SS_EXIT_USAGE;
        }
        int rc = ss_cli_load_case("render", a.positional[0], &cs);
        if (rc) return rc;
        have_case = true;
        ss_scenario_probe(&cs.scenario, &probe);
        ss_cli_bmode_settings(&cs.scenario, &settings);
        const ss_volume *vol;
        if (ss_case_volume(&cs, (float)spacing, &vol) != SS_OK) {
            fprintf(stderr, "sonospine render: %s\n", ss_error_message());
            code = SS_EXIT_FAILED;
            goto done;
        }
        scene.volume = vol;
        if (freq > 0) probe.freq_mhz = (float)freq;
        if (depth > 0) probe.depth_mm = (float)depth;
        if (ss_view_pose(cs.spine, &probe, level, (ss_view)ss_view_from_name(view_s), strcmp(side_s, "right") == 0,
                         &pose) != SS_OK) {
            fprintf(stderr, "sonospine render: %s\n", ss_error_message());
            code = SS_EXIT_FAILED;
            goto done;
        }
        if (!isnan(needle_angle)) {
            const ss_task_params *t = &cs.scenario.task;
            if (needle_angle < t->guide_angle_min_deg || needle_angle > t->guide_angle_max_deg) {
                fprintf(stderr,
                        "sonospine render: --needle-angle %g: %s's puncture frame takes %g..%g deg "
                        "(task.guide.angle_min_deg..angle_max_deg)\n",
                        needle_angle, a.positional[0], t->guide_angle_min_deg, t->guide_angle_max_deg);
                goto done;
            }
            if (!ss__frame_needle(&cs, &probe, &pose, needle_angle, needle_depth, &needle)) goto done;
            scene.needle = &needle;
        }
    }
    if (freq > 0) probe.freq_mhz = (float)freq;
    if (depth > 0) probe.depth_mm = (float)depth;
    if (lines) probe.lines = lines;
    if (width) settings.image_width_px = width;
    if (samples) probe.samples = samples;
    if (probe.focal_depth_mm > probe.depth_mm) probe.focal_depth_mm = probe.depth_mm * 0.6f;
    if (ss_probe_validate(&probe) != SS_OK) {
        fprintf(stderr, "sonospine render: %s\n", ss_error_message());
        goto done;
    }
    ss_bmode_frame frame = {0};
    bool on_gpu = false;
    if (strcmp(backend, "gpu") == 0) {
        /* The GPU renderer, read back; without OpenGL 4.3 the CPU reference (same physics)
         * renders instead, and says so once. */
        ss_gl_context *ctx = NULL;
        ss_bmode_gpu *g = NULL;
        if (ss_gl_context_create(NULL, &ctx) != SS_OK) {
            fprintf(stderr, "sonospine render: %s: using the CPU reference instead\n", ss_error_message());
        } else if (ss_bmode_gpu_create(&probe, &g) != SS_OK || ss_bmode_gpu_set_volume(g, scene.volume) != SS_OK ||
                   ss_bmode_gpu_render(g, scene.needle, &pose, &settings, true, &frame) != SS_OK) {
            fprintf(stderr, "sonospine render: gpu: %s: using the CPU reference instead\n", ss_error_message());
        } else {
            on_gpu = true;
        }
        ss_bmode_gpu_destroy(g);
        if (ctx) ss_gl_context_destroy(ctx);
    }
    if (!on_gpu && ss_bmode_cpu_render(&scene, &probe, &pose, &settings, &frame) != SS_OK) {
        fprintf(stderr, "sonospine render: %s\n", ss_error_message());
        code = SS_EXIT_FAILED;
        ss_bmode_frame_free(&frame);
        goto done;
    }
    if (ss_image_write_png(&frame.image, out_png) != SS_OK ||
        (envelope && ss_bmode_envelope_write_f32(envelope, &frame) != SS_OK) ||
        (labels && ss_bmode_labels_write_u8(labels, &frame) != SS_OK)) {
        fprintf(stderr, "sonospine render: %s\n", ss_error_message());
        code = SS_EXIT_FAILED;
        ss_bmode_frame_free(&frame);
        goto done;
    }
    printf("%s: %d x %d px, %.4f mm/px, %d lines x %d samples, %.1f MHz, %.0f mm deep (%s)\n", out_png,
           frame.image.width, frame.image.height, frame.geom.mm_per_px, probe.lines, probe.samples, probe.freq_mhz,
           probe.depth_mm, on_gpu ? "gpu" : "cpu");
    if (envelope) printf("%s: envelope (+ %s.json)\n", envelope, envelope);
    if (labels) printf("%s: labels (+ %s.json)\n", labels, labels);
    if (landmarks) {
        ss_landmarks lm;
        if (ss_landmarks_measure(&frame, &lm) != SS_OK) {
            fprintf(stderr, "sonospine render: --landmarks: %s\n", ss_error_message());
        } else {
            char *js = ss_landmarks_json(&lm);
            if (js) printf("landmarks %s\n", js);
            free(js);
        }
    }
    ss_bmode_frame_free(&frame);
    code = SS_EXIT_OK;
done:
    if (have_case) ss_case_free(&cs);
    if (have_phantom) ss_phantom_free(&ph);
    return code;
}

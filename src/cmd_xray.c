/* cmd_xray.c: `sonospine xray SCENARIO --projection ap|lateral -o OUT.png
 * [--mm-per-px MM]`: the radiograph of the scenario's patient (engine/xray.h), what the
 * pre-procedure stage shows the trainee to measure the Cobb angle and grade the apical
 * rotation on. Prints the picture's size and scale and the surgical record (fused span,
 * rods, screws, graft, the interspace reserved for access); never the answers
 * (`sonospine anatomy` gives the instructor the model's own Cobb angle and rotations). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "cli_args.h"
#include "cli_case.h"
#include "commands.h"
#include "preparation.h"
#include "xray.h"

int ss_cmd_xray(int argc, char **argv)
{
    const char *projection = NULL, *out_path = NULL;
    double mm = 0.5;
    const ss_opt opts[] = {
        {"--projection", SS_OPT_CHOICE, &projection, 0, 0, "ap|lateral"},
        {"-o", SS_OPT_STRING, &out_path, 0, 0, NULL},
        {"--mm-per-px", SS_OPT_DOUBLE, &mm, 0.2, 2.0, NULL},
    };
    ss_args a;
    if (!ss_args_parse("xray", argc, argv, opts, 3, &a)) return SS_EXIT_USAGE;
    if (a.npositional != 1) {
        fprintf(stderr, "sonospine xray: expected one SCENARIO, got %d arguments\n", a.npositional);
        return SS_EXIT_USAGE;
    }
    if (!projection) {
        fprintf(stderr, "sonospine xray: --projection ap or --projection lateral is required\n");
        return SS_EXIT_USAGE;
    }
    const char *dot = out_path ? strrchr(out_path, '.') : NULL;
    if (!dot || strcasecmp(dot, ".png") != 0) {
        fprintf(stderr, "sonospine xray: -o OUT.png is required (a file name ending in .png)\n");
        return SS_EXIT_USAGE;
    }
    ss_case cs;
    int rc = ss_cli_load_case("xray", a.positional[0], &cs);
    if (rc) return rc;
    ss_xray x;
    int code = SS_EXIT_OK;
    if (ss_xray_make(cs.spine, (ss_xray_projection)ss_xray_projection_from_name(projection), (float)mm, &x) != SS_OK) {
        fprintf(stderr, "sonospine xray: %s\n", ss_error_message());
        code = SS_EXIT_FAILED;
    } else {
        if (ss_image_write_png(&x.image, out_path) != SS_OK) {
            fprintf(stderr, "sonospine xray: -o %s: %s\n", out_path, ss_error_message());
            code = SS_EXIT_FAILED;
        } else {
            printf("%s: %s radiograph of %s, %d x %d px at %.2f mm a pixel (%s on the image's left; top pixel row at "
                   "z = %.1f mm)\n",
                   out_path, x.projection == SS_XRAY_AP ? "anteroposterior" : "lateral", cs.scenario.id,
                   x.image.width, x.image.height, (double)x.mm_per_px,
                   x.projection == SS_XRAY_AP ? "the patient's right" : "anterior", (double)x.origin_mm[1]);
        }
        ss_xray_free(&x);
    }
    /* the other record the operator reviews before the scan */
    char record[900];
    ss_surgical_record(ss_spine_params(cs.spine), record, sizeof record);
    if (code == SS_EXIT_OK) printf("surgical record: %s\n", record);
    ss_case_free(&cs);
    return code;
}

/* cmd_anatomy.c: `sonospine anatomy SCENARIO [--json] [--slices DIR] [--spacing MM]
 * [--unflexed]`: what the patient model measures (spine_measure.h), per interspace and
 * for the curve, and label slices of the tissue volume as PNG for the instructor to look
 * at; --unflexed: of the patient as an attempt meets them when the stage skipped
 * 'position' (patient_case.h). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_args.h"
#include "cli_case.h"
#include "commands.h"
#include "spine_measure.h"

int ss_cmd_anatomy(int argc, char **argv)
{
    bool json = false, unflexed = false;
    const char *slices = NULL;
    double spacing = 0.5;
    const ss_opt opts[] = {
        {"--json", SS_OPT_FLAG, &json, 0, 0, NULL},
        {"--slices", SS_OPT_STRING, &slices, 0, 0, NULL},
        {"--spacing", SS_OPT_DOUBLE, &spacing, 0.25, 2.0, NULL},
        {"--unflexed", SS_OPT_FLAG, &unflexed, 0, 0, NULL},
    };
    ss_args a;
    if (!ss_args_parse("anatomy", argc, argv, opts, 4, &a)) return SS_EXIT_USAGE;
    if (a.npositional != 1) {
        fprintf(stderr, "sonospine anatomy: expected one SCENARIO, got %d\n", a.npositional);
        return SS_EXIT_USAGE;
    }
    ss_case cs;
    int rc = ss_cli_load_case("anatomy", a.positional[0], &cs);
    if (rc) return rc;
    int code = SS_EXIT_OK;
    const ss_spine *spine = ss_case_spine_posed(&cs, unflexed);
    ss_cobb_measure cobb;
    ss_spine_info info;
    ss_spine_get_info(spine, &info);
    if (ss_spine_measure_cobb(spine, &cobb) != SS_OK) {
        fprintf(stderr, "sonospine anatomy: %s\n", ss_error_message());
        ss_case_free(&cs);
        return SS_EXIT_FAILED;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "scenario", cs.scenario.id);
    cJSON_AddStringToObject(root, "posture", spine == cs.spine ? "as the scenario gives it" : "unflexed");
    cJSON_AddNumberToObject(root, "cobb_requested_deg", cs.scenario.patient.deformity.cobb_deg);
    cJSON_AddNumberToObject(root, "cobb_measured_deg", cobb.cobb_deg);
    cJSON_AddNumberToObject(root, "apical_rotation_deg", info.apical_rotation_deg);
    cJSON_AddNumberToObject(root, "skin_to_flavum_target_mm", info.skin_to_flavum_target_mm);
    cJSON *levels = cJSON_AddArrayToObject(root, "interspaces");
    if (!json) {
        printf("%s: %s%s\n", cs.path, cs.scenario.title,
               spine != cs.spine ? " - unflexed (hips and knees not drawn up: 'position' skipped)"
               : !unflexed        ? ""
               : cs.scenario.patient.body.flexion > 0
                   ? " (the fusion holds every lumbar segment: lying unflexed changes nothing)"
                   : " (already unflexed: flexion 0)");
        printf("Cobb angle: %.1f deg requested, %.1f deg measured on the lumbar model", cs.scenario.patient.deformity.cobb_deg,
               cobb.cobb_deg);
        if (cobb.upper_vertebra >= 0)
            printf(" (%s to %s)", ss_vertebra_name(cobb.upper_vertebra), ss_vertebra_name(cobb.lower_vertebra));
        printf("\nApical rotation %.1f deg; body %.0f%% of adult size; BMI %.1f\n\n", info.apical_rotation_deg,
               100.0 * info.scale, info.bmi);
        printf("level  window W x H (mm)  interspinous  skin->flavum  skin->dura  rotation  access\n");
    }
    for (int l = 0; l < SS_LEVEL_COUNT; l++) {
        ss_interspace_measure m;
        if (ss_spine_measure_interspace(spine, l, &m) != SS_OK) {
            fprintf(stderr, "sonospine anatomy: %s: %s\n", ss_level_name(l), ss_error_message());
            code = SS_EXIT_FAILED;
            continue;
        }
        const char *access = m.channel ? "laminotomy channel" : m.ungrafted ? "left ungrafted"
                             : m.grafted ? "closed by graft" : m.fused ? "fused, no graft bridge" : "open";
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "level", ss_level_name(l));
        cJSON_AddNumberToObject(o, "window_width_mm", m.window_width_mm);
        cJSON_AddNumberToObject(o, "window_height_mm", m.window_height_mm);
        cJSON_AddNumberToObject(o, "interspinous_mm", m.interspinous_mm);
        cJSON_AddNumberToObject(o, "skin_to_flavum_mm", m.skin_to_flavum_mm);
        cJSON_AddNumberToObject(o, "skin_to_dura_mm", m.skin_to_dura_mm);
        cJSON_AddNumberToObject(o, "rotation_deg", m.rotation_deg);
        cJSON_AddBoolToObject(o, "bone_free_path", m.bone_free_path);
        cJSON_AddStringToObject(o, "access", access);
        cJSON_AddItemToArray(levels, o);
        if (!json) {
            char is[16] = "     -", fl[16] = "     -", du[16] = "     -"; /* - : not there (under graft) */
            if (m.interspinous_mm >= 0) snprintf(is, sizeof is, "%6.1f", m.interspinous_mm);
            if (m.skin_to_flavum_mm >= 0) snprintf(fl, sizeof fl, "%6.1f", m.skin_to_flavum_mm);
            if (m.skin_to_dura_mm >= 0) snprintf(du, sizeof du, "%6.1f", m.skin_to_dura_mm);
            printf("%-6s %6.1f x %-6.1f     %s        %s       %s    %6.1f    %s%s\n", ss_level_name(l),
                   m.window_width_mm, m.window_height_mm, is, fl, du, m.rotation_deg, access,
                   m.bone_free_path ? "" : ", no bone-free path");
        }
    }
    if (json) {
        char *t = cJSON_Print(root);
        puts(t);
        cJSON_free(t);
    }
    cJSON_Delete(root);
    if (slices) {
        const ss_volume *vol;
        if (mkdir(slices, 0755) != 0 && errno != EEXIST) {
            fprintf(stderr, "sonospine anatomy: --slices %s: %s\n", slices, strerror(errno));
            code = SS_EXIT_FAILED;
        } else if (ss_case_volume_posed(&cs, unflexed, (float)spacing, &vol) != SS_OK ||
                   ss_volume_write_standard_slices(vol, spine, slices) != SS_OK) {
            fprintf(stderr, "sonospine anatomy: %s\n", ss_error_message());
            code = SS_EXIT_FAILED;
        } else if (!json) {
            printf("\nlabel slices (sagittal, coronal, axial per interspace) in %s/\n", slices);
        }
    }
    ss_case_free(&cs);
    return code;
}

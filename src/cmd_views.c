/* cmd_views.c: `sonospine views SCENARIO (--level L | --all-levels) [--side left|right]
 * [--json]`: per standard view, what the model shows from the skin: canal visibility and
 * the acoustic window width (views.h), with the interspace's rotation, so an instructor
 * sees which view and which level a careful sonographer should pick. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_args.h"
#include "cli_case.h"
#include "commands.h"
#include "views.h"

int ss_cmd_views(int argc, char **argv)
{
    const char *level_s = NULL, *side = "right";
    bool all = false, json = false;
    const ss_opt opts[] = {
        {"--level", SS_OPT_STRING, &level_s, 0, 0, NULL},
        {"--all-levels", SS_OPT_FLAG, &all, 0, 0, NULL},
        {"--side", SS_OPT_CHOICE, &side, 0, 0, "left|right"},
        {"--json", SS_OPT_FLAG, &json, 0, 0, NULL},
    };
    ss_args a;
    if (!ss_args_parse("views", argc, argv, opts, 4, &a)) return SS_EXIT_USAGE;
    if (a.npositional != 1) {
        fprintf(stderr, "sonospine views: expected one SCENARIO, got %d\n", a.npositional);
        return SS_EXIT_USAGE;
    }
    if (!all == !level_s) {
        fprintf(stderr, "sonospine views: give either --level L4-L5 or --all-levels\n");
        return SS_EXIT_USAGE;
    }
    int only = -1;
    if (level_s && (only = ss_level_from_name(level_s)) < 0) {
        fprintf(stderr, "sonospine views: --level: expected L1-L2, L2-L3, L3-L4, L4-L5 or L5-S1, got '%s'\n", level_s);
        return SS_EXIT_USAGE;
    }
    ss_case cs;
    int rc = ss_cli_load_case("views", a.positional[0], &cs);
    if (rc) return rc;
    ss_probe probe;
    ss_scenario_probe(&cs.scenario, &probe);
    bool right = strcmp(side, "right") == 0;
    int code = SS_EXIT_OK;
    if (json) printf("[");
    else printf("%s: %s (%s side)\n\nlevel  view                     canal visible  window (mm)  rotation (deg)\n", cs.path,
                cs.scenario.title, side);
    bool first = true, have_all = true, have_every = true;
    ss_view_measure ns[SS_LEVEL_COUNT];
    ss_view_measure every[SS_LEVEL_COUNT][SS_VIEW_COUNT];
    for (int l = 0; l < SS_LEVEL_COUNT; l++) {
        if (only >= 0 && l != only) continue;
        for (int v = 0; v < SS_VIEW_COUNT; v++) {
            ss_view_measure m;
            if (ss_view_measure_at(cs.spine, &probe, l, (ss_view)v, right, &m) != SS_OK) {
                fprintf(stderr, "sonospine views: %s %s: %s\n", ss_level_name(l), ss_view_name((ss_view)v),
                        ss_error_message());
                code = SS_EXIT_FAILED;
                have_all &= v != SS_VIEW_NEAR_SPINOUS;
                have_every = false;
                continue;
            }
            if (v == SS_VIEW_NEAR_SPINOUS) ns[l] = m;
            every[l][v] = m;
            if (json) {
                printf("%s\n  {\"level\":\"%s\",\"view\":\"%s\",\"side\":\"%s\",\"canal_visibility\":%.3f,"
                       "\"window_width_mm\":%.1f,\"rotation_deg\":%.1f,\"lateral_offset_mm\":%.1f,\"tilt_deg\":%.1f}",
                       first ? "" : ",", ss_level_name(l), ss_view_name((ss_view)v), side, m.canal_visibility,
                       m.window_width_mm, m.rotation_deg, m.lateral_offset_mm, m.tilt_deg);
                first = false;
            } else {
                printf("%-6s %-24s %10.0f %%  %11.1f  %14.1f\n", v == 0 ? ss_level_name(l) : "",
                       ss_view_name((ss_view)v), 100.0 * m.canal_visibility, m.window_width_mm, m.rotation_deg);
            }
            fflush(stdout);
        }
    }
    if (json) printf("\n]\n");
    else if (all && have_all) {
        /* the level the paper's protocol leads to, beside the widest window */
        ss_level_pick pick;
        if (ss_view_pick_level(cs.spine, ns, &pick) != SS_OK) {
            fprintf(stderr, "sonospine views: level pick: %s\n", ss_error_message());
            code = SS_EXIT_FAILED;
        } else if (pick.level < 0) {
            printf("\npick: none (%s)\n", ss_pick_reason_text(pick.reason));
        } else {
            printf("\npick: %s, %s (rotation %.1f deg), near-spinous view (Wei et al. 2023)\n",
                   ss_level_name(pick.level), ss_pick_reason_text(pick.reason), pick.rotation_deg);
            if (pick.reason == SS_PICK_LEAST_ROTATED)
                printf("      rotations within %.0f deg of the least count as equal; then L3-L4, L4-L5, L2-L3, L5-S1, L1-L2\n",
                       SS_VIEW_PICK_TIE_DEG);
            printf("widest near-spinous window: %s (%.1f mm)\n", ss_level_name(pick.widest_level), pick.widest_mm);
        }
    }
    if (!json && all && have_every) {
        /* where the paper's claims about the views hold on this patient's model */
        ss_view_claims claims;
        if (ss_view_claims_check(&probe, (const ss_view_measure(*)[SS_VIEW_COUNT])every, &claims) != SS_OK) {
            fprintf(stderr, "sonospine views: claims: %s\n", ss_error_message());
            code = SS_EXIT_FAILED;
        } else {
            printf("\nthe paper's claims on this model (Wei et al. 2023, Discussion):\n");
            for (int k = 0; k < 3; k++) {
                char line[1024];
                ss_view_claims_text(&claims, (const ss_view_measure(*)[SS_VIEW_COUNT])every, k, line, sizeof line);
                printf("  %s\n", line);
            }
        }
    }
    ss_case_free(&cs);
    return code;
}

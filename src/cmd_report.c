/* cmd_report.c: `sonospine report LOG -o OUT.(html|pdf)`: the assessment report of one
 * attempt (engine/report.h). The log's chain is checked first: a tampered log gets no
 * report (exit 1); an incomplete one gets a report marked as such. The scenario is the
 * one the log names (as replay finds it; --scenario FILE overrides); the attempt is
 * replayed and re-graded from it, and a log whose results its inputs do not give (an
 * edited grade) gets no report (exit 1). When the scenario is missing or changed, the
 * report leaves out the drawings, cannot re-grade, says why, and shows no grade (never
 * the logged one unchecked). The first page says
 * what the log proves: authentic only when signed by a key the examiner trusts (--key,
 * --trusted-keys, key_trust.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "cli_args.h"
#include "cli_case.h"
#include "commands.h"
#include "key_trust.h"
#include "paths.h"
#include "report.h"
#include "session.h"
#include "spine_world.h"

int ss_cmd_report(int argc, char **argv)
{
    const char *out_path = NULL, *scenario_override = NULL, *key = NULL, *trusted = NULL;
    int frames = 8;
    const ss_opt opts[] = {
        {"-o", SS_OPT_STRING, &out_path, 0, 0, NULL},
        {"--key", SS_OPT_STRING, &key, 0, 0, NULL},
        {"--trusted-keys", SS_OPT_STRING, &trusted, 0, 0, NULL},
        {"--scenario", SS_OPT_STRING, &scenario_override, 0, 0, NULL},
        {"--frames", SS_OPT_INT, &frames, 0, SS_REPORT_MAX_FRAMES, NULL},
    };
    ss_args a;
    if (!ss_args_parse("report", argc, argv, opts, (int)(sizeof opts / sizeof opts[0]), &a)) return SS_EXIT_USAGE;
    if (a.npositional != 1) {
        fprintf(stderr, "sonospine report: expected one LOG, got %d arguments\n", a.npositional);
        return SS_EXIT_USAGE;
    }
    if (!out_path) {
        fprintf(stderr, "sonospine report: -o OUT.html or -o OUT.pdf is required\n");
        return SS_EXIT_USAGE;
    }
    const char *dot = strrchr(out_path, '.');
    if (!dot || (strcasecmp(dot, ".html") && strcasecmp(dot, ".htm") && strcasecmp(dot, ".pdf"))) {
        fprintf(stderr, "sonospine report: -o %s: expected a file name ending in .html or .pdf\n", out_path);
        return SS_EXIT_USAGE;
    }
    if (key && trusted) {
        fprintf(stderr, "sonospine report: --key and --trusted-keys: give one\n");
        return SS_EXIT_USAGE;
    }
    static ss_trusted_keys trust; /* 43 KB: not on the stack */
    bool any_trust = false;
    if (ss_trusted_keys_for(key, trusted, &trust, &any_trust) != SS_OK) {
        fprintf(stderr, "sonospine report: %s\n", ss_error_message());
        return SS_EXIT_USAGE;
    }
    const char *log_path = a.positional[0];
    ss_log_check check;
    cJSON *records = NULL;
    if (ss_log_read(log_path, &check, &records) != SS_OK) {
        fprintf(stderr, "sonospine report: %s\n", ss_error_message());
        return SS_EXIT_USAGE;
    }
    if (check.verdict == SS_LOG_TAMPERED) {
        fprintf(stderr, "sonospine report: %s: TAMPERED at line %ld: %s: no report is made from an altered log\n",
                log_path, check.bad_line, check.reason);
        cJSON_Delete(records);
        return SS_EXIT_FAILED;
    }
    char recorded[1024], sha[65], scenario_path[4400];
    if (ss_session_log_header(records, recorded, sizeof recorded, sha) != SS_OK) {
        fprintf(stderr, "sonospine report: %s: %s\n", log_path, ss_error_message());
        cJSON_Delete(records);
        return SS_EXIT_USAGE;
    }
    if (scenario_override) snprintf(scenario_path, sizeof scenario_path, "%s", scenario_override);
    else ss_cli_resolve_log_scenario(recorded, log_path, scenario_path, sizeof scenario_path);
    ss_case cs;
    bool have_case = false;
    if (ss_file_exists(scenario_path)) {
        if (ss_cli_load_case("report", scenario_path, &cs) == 0) have_case = true;
        else fprintf(stderr, "sonospine report: the scenario above could not be loaded: the report leaves out the "
                             "needle path and frames\n");
    } else {
        fprintf(stderr,
                "sonospine report: scenario %s not found: the report leaves out the needle path and frames, and shows no "
                "grade (it cannot be re-computed)\n",
                scenario_path);
    }
    /* the grade on the report is the one the inputs give: the attempt is re-simulated and
       re-graded, and a log whose logged results differ (an edited grade, with the chain
       rebuilt) gets no report */
    char unverified[700] = "";
    if (!have_case)
        snprintf(unverified, sizeof unverified, "the scenario %.600s is not available", scenario_path);
    if (have_case) {
        ss_world w;
        ss_case_world(&cs, &w);
        static ss_replay_result rr;
        if (ss_session_replay(records, &cs.scenario, &w, &rr) != SS_OK) {
            fprintf(stderr, "sonospine report: %s: not re-graded: %s\n", log_path, ss_error_message());
            snprintf(unverified, sizeof unverified, "the attempt could not be re-simulated (%.600s)",
                     ss_error_message());
        } else if (!rr.match) {
            fprintf(stderr,
                    "sonospine report: %s: NOT REPRODUCED: %s: no report is made from a log whose own inputs do not "
                    "give its results\n",
                    log_path, rr.difference);
            ss_case_free(&cs);
            cJSON_Delete(records);
            return SS_EXIT_FAILED;
        }
    }
    ss_bmode_settings bs;
    if (have_case) ss_cli_bmode_settings(&cs.scenario, &bs);
    ss_report_desc d = {.log_path = log_path, .records = records, .check = &check, .trust = any_trust ? &trust : NULL,
                        .patient = have_case ? &cs : NULL, .bmode = have_case ? &bs : NULL,
                        .max_frames = frames, .no_images = frames == 0,
                        .grade_unverified = unverified[0] ? unverified : NULL};
    ss_report rep;
    int code = SS_EXIT_OK;
    ss_status st = ss_report_build(&d, &rep);
    if (st != SS_OK) {
        fprintf(stderr, "sonospine report: %s\n", ss_error_message());
        code = st == SS_ERR_INVALID ? SS_EXIT_FAILED : SS_EXIT_USAGE;
    } else {
        if (ss_report_write(&rep, out_path) != SS_OK) {
            fprintf(stderr, "sonospine report: %s\n", ss_error_message());
            code = SS_EXIT_FAILED;
        } else {
            printf("%s: %s, %s, %s, log %s\n", out_path, rep.trainee, rep.scenario_id,
                   !rep.graded ? "not graded" : rep.pass ? "PASS" : "FAIL", ss_log_auth_name(rep.auth));
        }
        ss_report_free(&rep);
    }
    if (have_case) ss_case_free(&cs);
    cJSON_Delete(records);
    ss_report_release_caches();
    return code;
}

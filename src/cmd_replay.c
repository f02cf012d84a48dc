/* cmd_replay.c: `sonospine replay LOG [--metrics-json FILE]`: re-simulates a session log
 * from its scenario and inputs and checks that every event and metric comes out the
 * same. Exit 0 reproduced, 1 not reproduced or the log is tampered, 2 unreadable log or
 * scenario. An incomplete log (cut by a crash) is replayed up to its last record. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_args.h"
#include "cli_case.h"
#include "commands.h"
#include "paths.h"
#include "session.h"
#include "session_log.h"
#include "spine_world.h"

int ss_cmd_replay(int argc, char **argv)
{
    const char *metrics_path = NULL;
    const ss_opt opts[] = {{"--metrics-json", SS_OPT_STRING, &metrics_path, 0, 0, NULL}};
    ss_args a;
    if (!ss_args_parse("replay", argc, argv, opts, 1, &a)) return SS_EXIT_USAGE;
    if (a.npositional != 1) {
        fprintf(stderr, "sonospine replay: expected one LOG, got %d arguments\n", a.npositional);
        return SS_EXIT_USAGE;
    }
    const char *log_path = a.positional[0];
    ss_log_check check;
    cJSON *records = NULL;
    if (ss_log_read(log_path, &check, &records) != SS_OK) {
        fprintf(stderr, "sonospine replay: %s\n", ss_error_message());
        return SS_EXIT_USAGE;
    }
    if (check.verdict == SS_LOG_TAMPERED) {
        printf("%s: TAMPERED at line %ld: %s: not replayed\n", log_path, check.bad_line, check.reason);
        cJSON_Delete(records);
        return SS_EXIT_FAILED;
    }
    char recorded[1024], sha[65], scenario_path[4400];
    if (ss_session_log_header(records, recorded, sizeof recorded, sha) != SS_OK) {
        fprintf(stderr, "sonospine replay: %s: %s\n", log_path, ss_error_message());
        cJSON_Delete(records);
        return SS_EXIT_USAGE;
    }
    ss_cli_resolve_log_scenario(recorded, log_path, scenario_path, sizeof scenario_path);
    ss_case cs;
    int rc = ss_cli_load_case("replay", scenario_path, &cs);
    if (rc) {
        cJSON_Delete(records);
        return rc;
    }
    ss_world w;
    ss_case_world(&cs, &w);
    ss_replay_result r;
    int code;
    if (ss_session_replay(records, &cs.scenario, &w, &r) != SS_OK) {
        fprintf(stderr, "sonospine replay: %s: %s\n", log_path, ss_error_message());
        code = SS_EXIT_USAGE;
    } else {
        printf("%s: %s log, scenario %s\n", log_path, ss_log_verdict_name(check.verdict), scenario_path);
        printf("  %ld inputs replayed, %ld events logged, %ld reproduced%s\n", r.inputs, r.events_logged,
               r.events_replayed, r.had_metrics ? "" : " (the log stops before its metrics)");
        if (r.match) printf("REPRODUCED: events%s match exactly\n", r.had_metrics ? " and metrics" : "");
        else printf("NOT REPRODUCED: %s\n", r.difference);
        code = r.match ? SS_EXIT_OK : SS_EXIT_FAILED;
        if (metrics_path) {
            cJSON *mj = ss_metrics_to_json(&r.metrics);
            char *text = cJSON_Print(mj);
            FILE *f = fopen(metrics_path, "wb");
            if (!f || fputs(text, f) < 0 || fputc('\n', f) < 0 || fclose(f) != 0) {
                fprintf(stderr, "sonospine replay: --metrics-json %s: %s\n", metrics_path, strerror(errno));
                code = SS_EXIT_FAILED;
            }
            free(text);
            cJSON_Delete(mj);
        }
    }
    ss_case_free(&cs);
    cJSON_Delete(records);
    return code;
}

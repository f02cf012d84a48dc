/* cmd_rubric_check.c: `sonospine rubric-check SCENARIO [--library DIR] [--json]`: runs the
 * attempt library (attempt_library.h) and grades it with the scenario's rubric (its
 * rubric section, or the default rubric every case gets without one), printing whether
 * each measure, the score and the pass mark separate the experts from the novices
 * (rubric_check.h), so that an instructor can check a rubric before an exam. Exit 0 when
 * they all do, 1 when one does not (the table says which), 2 bad input. */
#include <stdio.h>
#include <string.h>

#include "attempt_library.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_case.h"
#include "commands.h"
#include "metric_def.h"
#include "paths.h"
#include "rubric_check.h"

static void ss__print(const ss_separation *s, const char *scenario_path, const char *lib)
{
    printf("rubric of %s (%s), pass mark %.0f; attempt library %s: %d experts, %d novices\n\n", scenario_path,
           s->default_rubric ? "the default rubric: thresholds by each attempt's case" : "its rubric section",
           s->pass_mark, lib, s->nexpert, s->nnovice);
    printf("measure                   weight  dir  required  experts met  novices met  mean sub-score e / n  separates\n");
    for (int j = 0; j < s->nrows; j++) {
        const ss_separation_row *w = &s->rows[j];
        printf("%-25s %6.1f  %-3s  %-8s  %5d/%-5d  %5d/%-5d  %9.2f / %-8.2f  %s\n", w->metric, w->weight,
               w->direction == SS_RUBRIC_LOWER_BETTER ? "min" : "max", w->required ? "yes" : "", w->expert_met,
               s->nexpert, w->novice_met, s->nnovice, w->expert_mean, w->novice_mean, w->separates ? "yes" : "NO");
    }
    printf("\nattempt                               group   score  result\n");
    for (int i = 0; i < s->natt; i++) {
        const ss_separation_attempt *a = &s->att[i];
        printf("%-37s %-7s %5.1f  %s (%s)\n", a->attempt->name, ss_attempt_group_name(a->attempt->group), a->score,
               a->pass ? "pass" : "fail", a->reason);
    }
    printf("\nscores: experts %.1f to %.1f (median %.1f, %d of %d pass); novices up to %.1f (median %.1f, %d of %d "
           "pass)\n",
           s->expert_min, 100.0, s->expert_median, s->expert_pass, s->nexpert, s->novice_max, s->novice_median,
           s->novice_pass, s->nnovice);
    printf("contrasting groups: a pass mark above %.1f up to %.1f misclassifies the fewest attempts (%d)\n", s->cg_low,
           s->cg_high, s->cg_errors);
    printf("every measure separates: %s; the score separates (every expert above every novice): %s; the pass mark "
           "lies between the groups (every expert passes, above the novices' median): %s\n",
           s->measures_separate ? "yes" : "no", s->score_separates ? "yes" : "no", s->mark_between ? "yes" : "no");
    printf("%s\n", s->ok ? "OK: the rubric separates experts from novices"
                         : "NOT SEPARATING: see the rows and lines above");
}

int ss_cmd_rubric_check(int argc, char **argv)
{
    const char *lib_dir = NULL;
    bool json = false;
    const ss_opt opts[] = {
        {"--library", SS_OPT_STRING, &lib_dir, 0, 0, NULL},
        {"--json", SS_OPT_FLAG, &json, 0, 0, NULL},
    };
    ss_args a;
    if (!ss_args_parse("rubric-check", argc, argv, opts, 2, &a)) return SS_EXIT_USAGE;
    if (a.npositional != 1) {
        fprintf(stderr, "sonospine rubric-check: expected one SCENARIO, got %d\n", a.npositional);
        return SS_EXIT_USAGE;
    }
    ss_case cs;
    int rc = ss_cli_load_case("rubric-check", a.positional[0], &cs);
    if (rc) return rc;
    char dir[1024], scen_dir[1024];
    if (!lib_dir) {
        if (ss_paths_data_dir("attempts", dir, sizeof dir, NULL) != SS_OK) {
            fprintf(stderr, "sonospine rubric-check: %s (or give --library DIR)\n", ss_error_message());
            ss_case_free(&cs);
            return SS_EXIT_USAGE;
        }
        lib_dir = dir;
    }
    if (ss_paths_data_dir("scenarios", scen_dir, sizeof scen_dir, NULL) != SS_OK) {
        fprintf(stderr, "sonospine rubric-check: %s\n", ss_error_message());
        ss_case_free(&cs);
        return SS_EXIT_USAGE;
    }
    ss_attempt_library lib;
    if (ss_attempt_library_load(lib_dir, &lib) != SS_OK) {
        fprintf(stderr, "sonospine rubric-check: %s\n", ss_error_message());
        ss_case_free(&cs);
        return SS_EXIT_USAGE;
    }
    int code = SS_EXIT_OK;
    for (int i = 0; i < lib.n; i++) {
        if (ss_attempt_library_run(&lib.a[i], scen_dir) != SS_OK) {
            fprintf(stderr, "sonospine rubric-check: %s\n", ss_error_message());
            code = SS_EXIT_USAGE;
        }
    }
    if (code == SS_EXIT_OK) {
        static ss_separation s; /* large: a row per attempt */
        ss_rubric_separation(&cs.scenario, &lib, &s);
        if (json) {
            cJSON *j = ss_separation_to_json(&s);
            char *t = cJSON_Print(j);
            printf("%s\n", t);
            cJSON_free(t);
            cJSON_Delete(j);
        } else {
            ss__print(&s, cs.path, lib_dir);
        }
        if (!s.ok) code = SS_EXIT_FAILED;
    }
    ss_attempt_library_free(&lib);
    ss_case_free(&cs);
    return code;
}

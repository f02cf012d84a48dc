/* cmd_validate.c: `sonospine validate FILE...`, the scenario checker for instructors.
 *
 * Loads each file through ss_scenario_load() (the same validation every command
 * uses), or ss_exam_load() for an exam file (a top-level "exam" member), prints every diagnostic to stderr as `file:line:col: json.path: message`
 * and "FILE: ok" to stdout for each valid file. Exit 0 when all are valid, 2 when
 * any is not (a file that cannot be read counts as bad input). Takes any number of
 * files (no limit of the shared option parser); "--" ends options.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_case.h"
#include "commands.h"
#include "diag.h"
#include "exam.h"
#include "scenario.h"


int ss_cmd_validate(int argc, char **argv)
{
    int nfiles = 0, bad = 0;
    bool only_files = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!only_files && strcmp(a, "--") == 0) {
            only_files = true;
            continue;
        }
        if (!only_files && a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "sonospine validate: unknown option '%s' (see sonospine validate --help)\n", a);
            return SS_EXIT_USAGE;
        }
    }
    only_files = false;
    for (int i = 0; i < argc; i++) {
        const char *file = argv[i];
        if (!only_files && strcmp(file, "--") == 0) {
            only_files = true;
            continue;
        }
        nfiles++;
        ss_diag_list dl;
        ss_diag_list_init(&dl);
        ss_scenario s;
        ss_scenario_defaults(&s);
        ss_status st;
        if (ss_exam_file_is_exam(file)) { /* top-level "exam": an exam file (exam.h) */
            ss_exam *e = malloc(sizeof *e);
            st = e ? ss_exam_load(file, e, &dl) : SS_ERR_NOMEM;
            free(e);
        } else {
            st = ss_scenario_load(file, &s, &dl);
        }
        ss_cli_print_diags(&dl, file);
        if (st == SS_OK) {
            if (dl.warnings)
                printf("%s: ok (%d warning%s)\n", file, dl.warnings, dl.warnings == 1 ? "" : "s");
            else
                printf("%s: ok\n", file);
        } else {
            bad++;
        }
        ss_scenario_free(&s);
        ss_diag_list_free(&dl);
    }
    if (nfiles == 0) {
        fprintf(stderr, "sonospine validate: expected at least one FILE (see sonospine validate --help)\n");
        return SS_EXIT_USAGE;
    }
    fflush(stdout);
    return bad ? SS_EXIT_USAGE : SS_EXIT_OK;
}

/* attempt_library.h: a library of scripted attempts with known skill, to check that a
 * rubric measures skill (rubric_check.h; issue 22's contrasting groups).
 *
 * An attempt is a session script (session_script.h) whose first comment lines say
 * what it is:
 *   # group: expert | novice
 *   # scenario: wei2023-case6.json        (a file of the scenario data directory)
 *   # shows: one line on what the attempt does (its error, for a novice)
 * The shipped library (tests/data/attempts, installed as the "attempts" data kind,
 * paths.h) holds an expert attempt on every shipped scenario and novices showing the
 * errors the paper's protocol and the training literature name (REFERENCE.md §6).
 */
#ifndef SS_ATTEMPT_LIBRARY_H
#define SS_ATTEMPT_LIBRARY_H

#include <stdbool.h>

#include "error.h"
#include "metrics.h"
#include "scenario.h"

typedef enum ss_attempt_group { SS_ATTEMPT_EXPERT, SS_ATTEMPT_NOVICE } ss_attempt_group;

enum { SS_ATTEMPT_MAX = 256, SS_ATTEMPT_TEXT = 320 };

typedef struct ss_scripted_attempt {
    char path[1024];            /* the script file */
    char name[128];             /* its file name without .txt */
    char scenario[256];         /* as the header names it */
    char shows[SS_ATTEMPT_TEXT];
    ss_attempt_group group;
    /* after ss_attempt_library_run */
    bool ran;
    ss_metrics metrics;
    ss_scenario scenario_data;  /* the attempt's own scenario (its default rubric, expected level) */
} ss_scripted_attempt;

typedef struct ss_attempt_library {
    ss_scripted_attempt *a;
    int n;
} ss_attempt_library;

/* Reads every *.txt of dir (in name order) and its header. A file without a valid
 * header is an error naming the file and the line (SS_ERR_PARSE). */
ss_status ss_attempt_library_load(const char *dir, ss_attempt_library *out);
/* Runs an attempt headless on its scenario (found in scenario_dir) and keeps its
 * metrics and scenario. */
ss_status ss_attempt_library_run(ss_scripted_attempt *a, const char *scenario_dir);
void ss_attempt_library_free(ss_attempt_library *lib);

const char *ss_attempt_group_name(ss_attempt_group g);

#endif

/* rubric_check.h: does a rubric measure skill? Grades an attempt library
 * (attempt_library.h) with one rubric and says, measure by measure, whether it tells
 * the expert group from the novice group, and whether the score and the pass mark do
 * (the contrasting-groups method of standard setting: the pass mark belongs between
 * the scores of a group known to be competent and a group known not to be).
 *
 * A measure separates when the experts' mean sub-score is above the novices' (each
 * novice attempt shows one kind of error, so a measure is missed by the novices who
 * make its error and met by the rest). The score separates when every expert scores
 * above every novice. The pass mark lies between the groups when every expert passes
 * and it is above the novices' median score. The contrasting-groups mark is the range
 * of pass marks that misclassifies the fewest attempts (experts below it, novices at
 * or above it), its middle given.
 */
#ifndef SS_RUBRIC_CHECK_H
#define SS_RUBRIC_CHECK_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "attempt_library.h"
#include "rubric.h"

typedef struct ss_separation_row {
    char metric[SS_RUBRIC_METRIC_NAME_MAX];
    double threshold, weight; /* of the first attempt's rubric (the default's vary with the case) */
    bool required;
    ss_rubric_direction direction;
    double expert_mean, novice_mean; /* mean sub-scores, 0..1 */
    int expert_met, novice_met;      /* attempts meeting it */
    bool separates;
} ss_separation_row;

typedef struct ss_separation_attempt {
    const ss_scripted_attempt *attempt;
    double score;
    bool pass;
    char reason[SS_GRADE_NOTE_CHARS];
} ss_separation_attempt;

typedef struct ss_separation {
    bool default_rubric;   /* each attempt graded by its own scenario's default */
    double pass_mark;
    ss_separation_row rows[SS_RUBRIC_MAX_METRICS];
    int nrows;
    ss_separation_attempt att[SS_ATTEMPT_MAX];
    int natt, nexpert, nnovice, expert_pass, novice_pass;
    double expert_min, expert_median, novice_max, novice_median;
    double cg_low, cg_high;  /* contrasting groups: pass marks in [low, high) misclassify cg_errors */
    int cg_errors;
    bool score_separates, mark_between, measures_separate;
    bool ok;               /* all three */
} ss_separation;

/* Grades every attempt that ran with the rubric of `rubric_from` (its rubric section,
 * or, without one, each attempt's own scenario's default rubric). */
void ss_rubric_separation(const ss_scenario *rubric_from, const ss_attempt_library *lib, ss_separation *out);
cJSON *ss_separation_to_json(const ss_separation *s);

#endif

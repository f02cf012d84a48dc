/* rubric.h: grading an attempt: per-metric thresholds and weights -> a 0-100 score,
 * pass/fail, and the strengths and weaknesses in words a trainee understands.
 *
 * Sub-score of one metric (0..1):
 *   "max" (higher is better, e.g. success, tip_visible_pct): 1 at or above the
 *       threshold, else value / threshold (0 for a boolean that is false);
 *   "min" (lower is better, e.g. insertions): 1 at or below the threshold, falling
 *       linearly to 0 at 2 * threshold + 1 (so one insertion over a threshold of 2
 *       keeps 2/3 of the credit, three over keeps none);
 *   a metric without a value (puncture time with no CSF) scores 0.
 * Score = 100 * sum(weight * sub-score) / sum(weight).
 * Pass = score >= pass mark AND (the drug reached the CSF, OR the trainee followed
 * the protocol to its end and called for CT guidance — the paper's own exit) AND every
 * required item met (a must-meet item, e.g. the tip in view while advancing) AND no
 * critical error (critical.h) — whatever the score, in practice and in exams; the
 * critical errors are named first among the weaknesses. No rubric can switch them off.
 * A landmark-only attempt (no ultrasound) is graded without the measures of the image's
 * use (ss_metric_needs_image: tip in view, needle to image plane, probe path): they are
 * left out of its items and its weights, not scored 0.
 * Defaults (a scenario without a rubric section) come from the paper's figures; see
 * ss_rubric_default() and the README.
 */
#ifndef SS_RUBRIC_H
#define SS_RUBRIC_H

#include "metrics.h"
#include "scenario.h"

#define SS_RUBRIC_DEFAULT_PASS_MARK 95.0

enum { SS_GRADE_MAX_NOTES = 3, SS_GRADE_NOTE_CHARS = 320, SS_GRADE_MAX_CRITICAL_NOTES = 2 };

typedef struct ss_grade_item {
    char metric[SS_RUBRIC_METRIC_NAME_MAX];
    double value;         /* NAN when the metric has no value */
    double threshold;
    double weight;
    ss_rubric_direction direction;
    bool required;        /* a must-meet item (missed: the attempt fails) */
    double subscore;      /* 0..1 */
    bool met;             /* sub-score == 1 */
} ss_grade_item;

typedef struct ss_grade {
    double score;         /* 0..100 */
    bool pass;
    double pass_mark;
    char pass_reason[SS_GRADE_NOTE_CHARS];
    ss_grade_item items[SS_RUBRIC_MAX_METRICS];
    int nitems;
    char strengths[SS_GRADE_MAX_NOTES][SS_GRADE_NOTE_CHARS];
    int nstrengths;
    char weaknesses[SS_GRADE_MAX_NOTES][SS_GRADE_NOTE_CHARS];
    char preparation[2 * SS_GRADE_NOTE_CHARS]; /* the pre-procedure stage's feedback, "" without one
                                                  (ss_prep_describe) */
    int nweaknesses;
} ss_grade;

/* The default rubric for a scenario: the metric table's process measures (metric_def.c,
 * each threshold with its source), thresholds by difficulty (a hard spine: Cobb >= 40
 * deg or Nash-Moe >= III without a reserved channel; e.g. puncture time 180 s, the
 * paper's median, or 300 s), tip visibility a required item, pass mark
 * SS_RUBRIC_DEFAULT_PASS_MARK. */
void ss_rubric_default(const ss_scenario *sc, ss_rubric *out);

/* Grades metrics against the scenario's rubric (or the default when it has none) and
 * writes score/pass/graded back into *mt. */
void ss_rubric_grade(const ss_scenario *sc, ss_metrics *mt, ss_grade *out);

/* The grade as JSON (items, strengths, weaknesses). */
cJSON *ss_grade_to_json(const ss_grade *g);

#endif

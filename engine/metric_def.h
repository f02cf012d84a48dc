/* metric_def.h: one definition per metric (issue 21): its --metrics-json name, the words a
 * clinician reads, its unit, whether a rubric may grade it and which way is better, the
 * default threshold and weight with their source, how its value is read from an
 * attempt's measures, and the feedback sentence for met and missed. The rubric's
 * defaults and feedback, the report's labels, the results screen and the rubric
 * validation are all made from this table (metrics.c computes the measures; rubric.c
 * grades them).
 */
#ifndef SS_METRIC_DEF_H
#define SS_METRIC_DEF_H

#include <stdbool.h>
#include <stddef.h>

#include "metrics.h"

typedef enum ss_metric_kind {
    SS_METRIC_BOOL,   /* 0/1, shown yes/no */
    SS_METRIC_COUNT,  /* whole number */
    SS_METRIC_REAL,   /* measured quantity with a unit */
    SS_METRIC_TEXT    /* shown, never graded (level, view, protocol note) */
} ss_metric_kind;

typedef struct ss_metric_def {
    const char *name;         /* --metrics-json key and rubric name */
    const char *label;        /* what a clinician reads on screens and reports */
    const char *unit;         /* "", "s", "mm", "%", ... */
    ss_metric_kind kind;
    bool gradable;            /* a rubric may name it */
    bool lower_better;        /* direction a rubric grades it by default */
    double threshold;         /* default rubric threshold (straight spine or open channel);
                                 only metrics in the default rubric (weight > 0) have one */
    double threshold_hard;    /* for a hard spine (Cobb >= 40 deg or Nash-Moe >= III, no channel) */
    double weight;            /* default rubric weight; 0: not in the default rubric */
    int rubric_order;         /* place in the default rubric (1 first; 0: not in it) */
    bool required;            /* a must-meet item of the default rubric (rubric.h) */
    bool json;                /* a --metrics-json key (level_correct is derived for rubrics) */
    const char *source;       /* where the default comes from */
    /* the value; NAN when it has none (no puncture time without CSF) */
    double (*value)(const ss_metrics *m, int expected_level);
    /* SS_METRIC_TEXT: the text, or NULL for JSON null */
    const char *(*text)(const ss_metrics *m);
    /* one sentence about it for the trainee: met (a strength) or missed (a weakness) */
    void (*words)(const ss_metrics *m, double value, double threshold, bool met, char *buf, size_t n);
    bool needs_image;         /* a measure of the ultrasound image's use (tip in view, needle
                                 to image plane, probe path): meaningless without an image
                                 (landmark-only mode), where a rubric does not grade it */
} ss_metric_def;

int ss_metric_count(void);
const ss_metric_def *ss_metric_at(int i);
/* The definition by name, or NULL. */
const ss_metric_def *ss_metric_find(const char *name);
/* The definition's needs_image, by name (false for an unknown name): rubric.h leaves
 * such measures out of a landmark-only attempt's grade. */
bool ss_metric_needs_image(const char *name);

/* Numeric value of a gradable metric by name (booleans 0/1; "level_correct" is 1 when
 * CSF was reached at the scenario's first expected interspace, given as
 * `expected_level`). Returns false for an unknown or ungradable name; *out is NAN for a
 * metric without a value (puncture_time_s with no CSF). */
bool ss_metrics_value(const ss_metrics *mt, const char *name, int expected_level, double *out);
/* The gradable names, NULL-terminated (for messages and validation). */
const char *const *ss_metrics_names(void);

#endif

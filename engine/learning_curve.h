/* learning_curve.h: a trainee's attempts as learning curves: the CUSUM of failures
 * against an acceptable failure rate, and line plots per attempt drawn with cairo.
 *
 * CUSUM (the sequential-probability-ratio form used for procedural competence, e.g.
 * Kestin 1995; Bolsin and Colson 1998): with p0 the acceptable failure rate (0.15: a
 * trainee is called competent at <= 15 % failures) and p1 the unacceptable one (0.30),
 * alpha and beta the type I and II error rates (0.10 each),
 *     P  = ln(p1 / p0) + ln((1 - p0) / (1 - p1))
 *     s  = ln((1 - p0) / (1 - p1)) / P          (0.2188 for 0.15 / 0.30)
 *     h0 = ln((1 - alpha) / beta) / P            (2.476)   lower decision limit: -h0
 *     h1 = ln((1 - beta) / alpha) / P            (2.476)   upper decision limit: +h1
 * Starting at 0, each failure adds 1 - s and each success subtracts s; the curve is not
 * reset. Running at failure rate p0 the curve drifts down; at p1 it drifts up. Reaching
 * -h0 or below: the failure rate is acceptable (competence, with error beta); reaching
 * +h1 or above: the failure rate is unacceptable (with error alpha). At a true failure
 * rate p the curve moves by p - s per attempt on average: the "15 % competence line"
 * is the path of a trainee failing exactly 15 %, slope p0 - s = -0.069 per attempt
 * (the curve is level at a failure rate of s = 21.9 %).
 * What it does not do: read the database or decide which attempts count.
 */
#ifndef SS_LEARNING_CURVE_H
#define SS_LEARNING_CURVE_H

#include <stdbool.h>

#include "error.h"

typedef struct ss_cusum_params {
    double p0;     /* acceptable failure rate (0.15) */
    double p1;     /* unacceptable failure rate (0.30) */
    double alpha;  /* type I error (0.10) */
    double beta;   /* type II error (0.10) */
} ss_cusum_params;

typedef struct ss_cusum_limits {
    double s;      /* subtracted per success; 1 - s added per failure */
    double h0;     /* competence when the curve reaches -h0 */
    double h1;     /* unacceptable when the curve reaches +h1 */
} ss_cusum_limits;

void ss_cusum_params_default(ss_cusum_params *p);
/* SS_ERR_INVALID unless 0 < p0 < p1 < 1 and 0 < alpha, beta < 1. */
ss_status ss_cusum_limits_for(const ss_cusum_params *p, ss_cusum_limits *out);

/* values[i]: the CUSUM after attempt i (failed[i] true for a failure). Returns the
 * 0-based attempt at which the curve first reached -h0 (competence), or -1. */
int ss_cusum_run(const bool *failed, int n, const ss_cusum_limits *lim, double *values);

/* A line plot of one value per attempt (x = attempt number 1..n), written as PNG. */
typedef struct ss_plot_desc {
    const char *title;        /* "Score per attempt" */
    const char *y_label;      /* "score (0-100)" */
    const double *y;          /* n values; NAN = no value (drawn as a gap, marked "none") */
    const bool *pass;         /* optional: colour each point green (pass) / red (fail) */
    int n;
    double y_min, y_max;      /* axis range; y_min == y_max: from the data */
    /* up to two horizontal reference lines, with their labels */
    int nrefs;
    double ref[2];
    const char *ref_label[2];
    bool has_slope;           /* a dashed line y = ref_slope * x through (0, 0) */
    double ref_slope;
    const char *ref_slope_label;
    bool integer_y;           /* ticks on whole numbers */
    int width_px, height_px;  /* 0 = 720 x 360 */
} ss_plot_desc;

ss_status ss_plot_write_png(const ss_plot_desc *d, const char *path);

#endif

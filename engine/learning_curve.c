/* learning_curve.c: see learning_curve.h. */
#include "learning_curve.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define SS__PI 3.14159265358979323846

void ss_cusum_params_default(ss_cusum_params *p)
{
    p->p0 = 0.15;
    p->p1 = 0.30;
    p->alpha = 0.10;
    p->beta = 0.10;
}

ss_status ss_cusum_limits_for(const ss_cusum_params *p, ss_cusum_limits *out)
{
    if (!(p->p0 > 0 && p->p0 < p->p1 && p->p1 < 1))
        return ss_error_set(SS_ERR_INVALID, "CUSUM: failure rates p0 %g, p1 %g: expected 0 < p0 < p1 < 1", p->p0, p->p1);
    if (!(p->alpha > 0 && p->alpha < 1 && p->beta > 0 && p->beta < 1))
        return ss_error_set(SS_ERR_INVALID, "CUSUM: alpha %g, beta %g: expected both in (0, 1)", p->alpha, p->beta);
    double P = log(p->p1 / p->p0) + log((1 - p->p0) / (1 - p->p1));
    out->s = log((1 - p->p0) / (1 - p->p1)) / P;
    out->h0 = log((1 - p->alpha) / p->beta) / P;
    out->h1 = log((1 - p->beta) / p->alpha) / P;
    return SS_OK;
}

int ss_cusum_run(const bool *failed, int n, const ss_cusum_limits *lim, double *values)
{
    double c = 0;
    int competent = -1;
    for (int i = 0; i < n; i++) {
        c += failed[i] ? 1 - lim->s : -lim->s;
        values[i] = c;
        if (competent < 0 && c <= -lim->h0) competent = i;
    }
    return competent;
}

/* ------------------------------------------------------------------ plots */

static double ss__nice_step(double range, int target_ticks, bool integer)
{
    double raw = range / target_ticks;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    double step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
    if (integer && step < 1) step = 1;
    return step;
}

ss_status ss_plot_write_png(const ss_plot_desc *d, const char *path)
{
    int W = d->width_px > 0 ? d->width_px : 720, H = d->height_px > 0 ? d->height_px : 360;
    double lo = d->y_min, hi = d->y_max;
    if (lo == hi) {
        lo = INFINITY;
        hi = -INFINITY;
        for (int i = 0; i < d->n; i++)
            if (isfinite(d->y[i])) {
                if (d->y[i] < lo) lo = d->y[i];
                if (d->y[i] > hi) hi = d->y[i];
            }
        for (int r = 0; r < d->nrefs && r < 2; r++) {
            if (d->ref[r] < lo) lo = d->ref[r];
            if (d->ref[r] > hi) hi = d->ref[r];
        }
        if (d->has_slope) {
            double e = d->ref_slope * (d->n > 0 ? d->n : 1);
            if (e < lo) lo = e;
            if (e > hi) hi = e;
        }
        if (!isfinite(lo)) lo = 0, hi = 1;
        if (lo > 0 && !d->has_slope) lo = 0;
        if (hi <= lo) hi = lo + 1;
        double pad = 0.08 * (hi - lo);
        hi += pad;
        if (lo < 0) lo -= pad;
    }
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(surf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    const double L = 70, R = 20, T = 36, B = 46;
    double pw = W - L - R, ph = H - T - B;
    int n = d->n > 0 ? d->n : 1;
#define SS__X(i) (n == 1 ? L + pw / 2 : L + 12 + ((i) - 1) * (pw - 24) / (n - 1))
#define SS__Y(v) (T + ph - ((v) - lo) / (hi - lo) * ph)
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 14);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_move_to(cr, L, 22);
    cairo_show_text(cr, d->title ? d->title : "");
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 11);
    /* y grid and ticks */
    double step = ss__nice_step(hi - lo, 6, d->integer_y);
    char t[64];
    for (double v = ceil(lo / step) * step; v <= hi + 1e-9; v += step) {
        double y = SS__Y(v);
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_set_line_width(cr, 1);
        cairo_move_to(cr, L, y);
        cairo_line_to(cr, L + pw, y);
        cairo_stroke(cr);
        snprintf(t, sizeof t, step >= 1 ? "%.0f" : "%.1f", fabs(v) < 1e-9 ? 0.0 : v);
        cairo_text_extents_t e;
        cairo_text_extents(cr, t, &e);
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        cairo_move_to(cr, L - 6 - e.x_advance, y + 4);
        cairo_show_text(cr, t);
    }
    /* x ticks: attempt numbers */
    int xstep = (int)ceil(ss__nice_step(n > 1 ? n - 1 : 1, 10, true));
    for (int i = 1; i <= n; i += xstep) {
        snprintf(t, sizeof t, "%d", i);
        cairo_text_extents_t e;
        cairo_text_extents(cr, t, &e);
        cairo_move_to(cr, SS__X(i) - e.x_advance / 2, T + ph + 16);
        cairo_show_text(cr, t);
    }
    cairo_move_to(cr, L + pw / 2 - 25, H - 10);
    cairo_show_text(cr, "attempt");
    cairo_save(cr);
    cairo_move_to(cr, 16, T + ph / 2 + 40);
    cairo_rotate(cr, -SS__PI / 2);
    cairo_show_text(cr, d->y_label ? d->y_label : "");
    cairo_restore(cr);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_rectangle(cr, L, T, pw, ph);
    cairo_stroke(cr);
    /* reference lines */
    static const double dash[] = {6, 4};
    for (int r = 0; r < d->nrefs && r < 2; r++) {
        double y = SS__Y(d->ref[r]);
        cairo_set_source_rgb(cr, r == 0 ? 0.1 : 0.75, r == 0 ? 0.5 : 0.1, r == 0 ? 0.2 : 0.1);
        cairo_set_line_width(cr, 1.5);
        cairo_set_dash(cr, dash, 2, 0);
        cairo_move_to(cr, L, y);
        cairo_line_to(cr, L + pw, y);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        if (d->ref_label[r]) {
            cairo_move_to(cr, L + 6, y - 4);
            cairo_show_text(cr, d->ref_label[r]);
        }
    }
    if (d->has_slope) {
        cairo_set_source_rgb(cr, 0.2, 0.35, 0.8);
        cairo_set_line_width(cr, 1.5);
        static const double dots[] = {2, 3};
        cairo_set_dash(cr, dots, 2, 0);
        cairo_move_to(cr, SS__X(1), SS__Y(d->ref_slope));
        cairo_line_to(cr, SS__X(n), SS__Y(d->ref_slope * n));
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        if (d->ref_slope_label) {
            cairo_text_extents_t e;
            cairo_text_extents(cr, d->ref_slope_label, &e);
            cairo_move_to(cr, L + pw - e.x_advance - 6, SS__Y(d->ref_slope * n) + 16);
            cairo_show_text(cr, d->ref_slope_label);
        }
    }
    /* the data: line segments between consecutive values, points coloured by result */
    cairo_rectangle(cr, L, T, pw, ph);
    cairo_clip(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    cairo_set_line_width(cr, 2);
    bool pen = false;
    for (int i = 0; i < d->n; i++) {
        if (!isfinite(d->y[i])) {
            pen = false;
            continue;
        }
        if (pen) cairo_line_to(cr, SS__X(i + 1), SS__Y(d->y[i]));
        else cairo_move_to(cr, SS__X(i + 1), SS__Y(d->y[i]));
        pen = true;
    }
    cairo_stroke(cr);
    for (int i = 0; i < d->n; i++) {
        double x = SS__X(i + 1);
        cairo_new_path(cr);
        if (!isfinite(d->y[i])) {
            cairo_set_source_rgb(cr, 0.5, 0.5, 0.5);
            cairo_text_extents_t e;
            cairo_text_extents(cr, "none", &e);
            double tx = x - e.x_advance / 2;
            if (tx + e.x_advance > L + pw - 2) tx = L + pw - 2 - e.x_advance;
            if (tx < L + 2) tx = L + 2;
            cairo_move_to(cr, tx, T + ph - 6);
            cairo_show_text(cr, "none");
            continue;
        }
        cairo_arc(cr, x, SS__Y(d->y[i]), 4.5, 0, 2 * SS__PI);
        if (d->pass && d->pass[i]) cairo_set_source_rgb(cr, 0.11, 0.55, 0.2);
        else if (d->pass) cairo_set_source_rgb(cr, 0.8, 0.15, 0.12);
        else cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
        cairo_fill(cr);
    }
#undef SS__X
#undef SS__Y
    cairo_destroy(cr);
    cairo_status_t cs = cairo_surface_write_to_png(surf, path);
    cairo_surface_destroy(surf);
    if (cs != CAIRO_STATUS_SUCCESS)
        return ss_error_set(SS_ERR_IO, "%s: cannot write the plot: %s", path, cairo_status_to_string(cs));
    return SS_OK;
}

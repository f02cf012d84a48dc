/* preview.c: the instructor preview's drawings (cairo, from the label volume) and its
 * index.html (preview.h). */
#define _POSIX_C_SOURCE 200809L
#include "preview.h"

#include <cairo.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "spine_measure.h"
#include "tissue.h"

#define SS__PV_PX_PER_MM 3.0
#define SS__PV_SCALE_MM 20.0
#define SS__PV_PI 3.14159265358979323846

/* ------------------------------------------------------------------ drawing helpers */

static void ss__pv_text(cairo_t *cr, double x, double y, const char *s, double size, bool bold, int anchor)
{
    ss_draw_font(cr, size, bold);
    double w = ss_draw_text_width(cr, s);
    double x0 = anchor < 0 ? x : anchor == 0 ? x - w / 2 : x - w;
    cairo_set_source_rgb(cr, 0.08, 0.08, 0.08);
    cairo_move_to(cr, x0, y);
    cairo_show_text(cr, s);
}

static void ss__pv_leader(cairo_t *cr, double x0, double y0, double x1, double y1)
{
    cairo_set_source_rgba(cr, 0.1, 0.1, 0.1, 0.8);
    cairo_set_line_width(cr, 0.8);
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    cairo_stroke(cr);
    cairo_arc(cr, x1, y1, 2.0, 0, 2 * SS__PV_PI);
    cairo_fill(cr);
}

static bool ss__pv_is_metal(int label)
{
    return label == SS_TISSUE_TITANIUM || label == SS_TISSUE_COCR;
}

/* Piecewise-linear value of v[] (given at the vertebra centres' z, descending) at z. */
static double ss__pv_along(const double *zc, const double *v, int n, double z)
{
    if (z >= zc[0]) return v[0];
    if (z <= zc[n - 1]) return v[n - 1];
    for (int i = 0; i + 1 < n; i++) {
        if (z <= zc[i] && z >= zc[i + 1]) {
            double t = (zc[i] - zc[i + 1]) > 1e-9 ? (zc[i] - z) / (zc[i] - zc[i + 1]) : 0.0;
            return v[i] + t * (v[i + 1] - v[i]);
        }
    }
    return v[n - 1];
}

/* ------------------------------------------------------------------ drawings */

ss_status ss_preview_draw_spine(const ss_volume *vol, const ss_spine *spine, ss_preview_drawing which,
                                const char *png_path)
{
    if (!vol || !vol->labels || !spine || !png_path)
        return ss_error_set(SS_ERR_INVALID, "preview drawing: missing volume, spine or path");
    bool coronal = which == SS_PREVIEW_CORONAL;
    ss_vertebra_info vi[SS_VERT_COUNT];
    ss_interspace_info ii[SS_LEVEL_COUNT];
    double zc[SS_VERT_COUNT], cx[SS_VERT_COUNT], cy[SS_VERT_COUNT];
    for (int v = 0; v < SS_VERT_COUNT; v++) {
        if (ss_spine_vertebra(spine, v, &vi[v]) != SS_OK) return SS_ERR_INVALID;
        zc[v] = vi[v].centre_mm[2];
        cx[v] = vi[v].canal_centre_mm[0]; /* sagittal cut: through the canal */
        cy[v] = vi[v].centre_mm[1];       /* coronal cut: through the bodies */
    }
    for (int l = 0; l < SS_LEVEL_COUNT; l++)
        if (ss_spine_interspace(spine, l, &ii[l]) != SS_OK) return SS_ERR_INVALID;

    const double s = vol->spacing_mm;
    const int nx = vol->nx, ny = vol->ny, nz = vol->nz;
    const int w = coronal ? nx : ny, h = nz;
    bool present[SS_TISSUE_COUNT] = {0};
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        return ss_error_set(SS_ERR_NOMEM, "preview drawing: %d x %d image", w, h);
    }
    cairo_surface_flush(img);
    unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    double metal_top[2] = {0, 0};
    bool have_metal = false;
    for (int r = 0; r < h; r++) {
        int k = nz - 1 - r; /* cranial up */
        double z = vol->origin_mm[2] + s * k;
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)r * stride);
        int cut;
        if (coronal) cut = (int)lround((ss__pv_along(zc, cy, SS_VERT_COUNT, z) - vol->origin_mm[1]) / s);
        else cut = (int)lround((ss__pv_along(zc, cx, SS_VERT_COUNT, z) - vol->origin_mm[0]) / s);
        for (int c = 0; c < w; c++) {
            int i = coronal ? nx - 1 - c : cut, j = coronal ? cut : c; /* seen from behind: +x (left) on the left */
            int label = SS_TISSUE_AIR;
            if (i >= 0 && i < nx && j >= 0 && j < ny) label = vol->labels[(size_t)i + (size_t)nx * ((size_t)j + (size_t)ny * k)];
            /* hardware projected through the whole depth (rods and screws lie off the cut) */
            int metal = -1;
            for (int t = 0; t < (coronal ? ny : nx); t++) {
                int ii2 = coronal ? nx - 1 - c : t, jj2 = coronal ? t : c;
                int lb = vol->labels[(size_t)ii2 + (size_t)nx * ((size_t)jj2 + (size_t)ny * k)];
                if (ss__pv_is_metal(lb)) {
                    metal = lb;
                    break;
                }
            }
            const uint8_t *rgb = ss_tissue_get(label)->rgb;
            double rr = rgb[0], gg = rgb[1], bb = rgb[2];
            present[label] = true;
            if (metal >= 0 && !ss__pv_is_metal(label)) {
                const uint8_t *m = ss_tissue_get(metal)->rgb;
                double a = coronal ? 0.9 : 0.55;
                rr = (1 - a) * rr + a * m[0];
                gg = (1 - a) * gg + a * m[1];
                bb = (1 - a) * bb + a * m[2];
                present[metal] = true;
            }
            if (metal >= 0 && !have_metal) {
                have_metal = true;
                metal_top[0] = c;
                metal_top[1] = r;
            }
            if (label == SS_TISSUE_AIR && metal < 0) rr = 228, gg = 232, bb = 240; /* air: pale, not the table's colour */
            row[c] = ((uint32_t)lround(rr) << 16) | ((uint32_t)lround(gg) << 8) | (uint32_t)lround(bb);
        }
    }
    cairo_surface_mark_dirty(img);

    /* layout: left margin for vertebra labels, right margin for interspace labels,
       title above, scale bar and legend below */
    const double px = SS__PV_PX_PER_MM * s; /* drawing px per voxel */
    const double ml = 150, mr = 230, mt = 58;
    int nlegend = 0;
    for (int t = 1; t < SS_TISSUE_COUNT; t++) nlegend += present[t];
    const int cols = 3;
    const double leg_row = 18, col_w = 240;
    double img_w = w * px, img_h = h * px;
    double W = ml + img_w + mr;
    if (W < cols * col_w + 40) W = cols * col_w + 40;
    double H = mt + img_h + 50 + ((nlegend + cols - 1) / cols) * leg_row + 20;
    cairo_surface_t *out = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)ceil(W), (int)ceil(H));
    cairo_t *cr = cairo_create(out);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);

    cairo_save(cr);
    cairo_translate(cr, ml, mt);
    cairo_scale(cr, px, px);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
    cairo_rectangle(cr, 0, 0, w, h);
    cairo_fill(cr);
    cairo_restore(cr);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, ml + 0.5, mt + 0.5, img_w - 1, img_h - 1);
    cairo_stroke(cr);

    /* patient frame (mm) -> drawing */
    const double xhi = vol->origin_mm[0] + s * (nx - 1) + s / 2, y0 = vol->origin_mm[1] - s / 2;
    const double ztop = vol->origin_mm[2] + s * (nz - 1) + s / 2;
#define SS__PV_X(p) (ml + ((coronal ? xhi - (p)[0] : (p)[1] - y0) * SS__PV_PX_PER_MM))
#define SS__PV_Y(p) (mt + (ztop - (p)[2]) * SS__PV_PX_PER_MM)

    /* title and orientation */
    ss__pv_text(cr, 12, 22,
                coronal ? "Coronal drawing, seen from behind, cut through the vertebral bodies"
                        : "Sagittal drawing, cut through the spinal canal (follows the curve)",
                14, true, -1);
    ss__pv_text(cr, 12, 40,
                coronal ? (have_metal ? "rods and screws projected on top; rot = axial rotation of the posterior elements"
                                      : "no hardware; rot = axial rotation of the posterior elements")
                        : (have_metal ? "rods and screws projected (translucent); posterior (skin) on the right"
                                      : "no hardware; posterior (skin) on the right"),
                10.5, false, -1);
    ss_draw_label(cr, ml + 4, mt + 14, coronal ? "patient's L" : "anterior", 10, -1, true);
    ss_draw_label(cr, ml + img_w - 4, mt + 14, coronal ? "patient's R" : "posterior", 10, 1, true);
    ss__pv_text(cr, ml + img_w / 2, mt - 4, "cranial", 10, true, 0);

    /* vertebrae: name and rotation in the left margin, leader to the body centre */
    char t[160];
    for (int v = 0; v < SS_VERT_COUNT; v++) {
        double X = SS__PV_X(vi[v].centre_mm), Y = SS__PV_Y(vi[v].centre_mm);
        if (Y < mt || Y > mt + img_h) continue;
        if (v == SS_VERT_S1) snprintf(t, sizeof t, "%s", ss_vertebra_name(v));
        else snprintf(t, sizeof t, "%s  rot %+.0f\xc2\xb0", ss_vertebra_name(v), vi[v].posterior_rotation_deg);
        ss__pv_text(cr, ml - 12, Y + 4, t, 12, true, 1);
        ss__pv_leader(cr, ml - 8, Y, X, Y);
        ss_draw_label(cr, X, Y + 4, ss_vertebra_name(v), 11, 0, true);
    }
    /* interspaces: name and flags in the right margin, leader to the window centre;
       channel / ungrafted windows outlined */
    for (int l = 0; l < SS_LEVEL_COUNT; l++) {
        const ss_interspace_info *in = &ii[l];
        double X = SS__PV_X(in->window_centre_mm), Y = SS__PV_Y(in->window_centre_mm);
        if (Y < mt || Y > mt + img_h) continue;
        char flags[96] = "";
        if (in->channel) strcat(flags, " channel");
        if (in->ungrafted) strcat(flags, " ungrafted");
        if (!in->channel && !in->ungrafted && in->grafted) strcat(flags, " grafted");
        else if (!in->channel && !in->ungrafted && in->fused) strcat(flags, " fused");
        snprintf(t, sizeof t, "%s%s", ss_level_name(l), flags);
        ss__pv_text(cr, ml + img_w + 12, Y + 4, t, 11.5, true, -1);
        ss__pv_leader(cr, ml + img_w + 8, Y, X, Y);
        if (in->channel || in->ungrafted) {
            double hw = in->design_window_width_mm / 2 * SS__PV_PX_PER_MM;
            double hh = in->design_window_height_mm / 2 * SS__PV_PX_PER_MM;
            if (!coronal) hw = 2.5 * SS__PV_PX_PER_MM; /* seen edge-on */
            static const double dash[] = {4, 3};
            cairo_set_dash(cr, dash, 2, 0);
            cairo_set_line_width(cr, 2);
            if (in->channel) cairo_set_source_rgb(cr, 0.85, 0.1, 0.1);
            else cairo_set_source_rgb(cr, 0.1, 0.35, 0.85);
            cairo_rectangle(cr, X - hw, Y - hh, 2 * hw, 2 * hh);
            cairo_stroke(cr);
            cairo_set_dash(cr, NULL, 0, 0);
        }
    }
    /* hardware label at the uppermost metal pixel */
    const ss_patient_params *pp = ss_spine_params(spine);
    if (have_metal) {
        double X = ml + (metal_top[0] + 0.5) * px, Y = mt + (metal_top[1] + 0.5) * px;
        bool cocr = pp->fusion.rod_material == SS_ROD_COCR;
        snprintf(t, sizeof t, "%s%s", pp->fusion.rods ? (cocr ? "CoCr rods" : "titanium rods") : "hardware",
                 pp->fusion.rods ? " + Ti screws" : "");
        ss_draw_label(cr, X, Y - 8 < mt + 28 ? mt + 28 : Y - 8, t, 10.5, 0, true);
    }

    /* scale bar */
    double by = mt + img_h + 26;
    cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
    cairo_set_line_width(cr, 3);
    cairo_move_to(cr, ml, by);
    cairo_line_to(cr, ml + SS__PV_SCALE_MM * SS__PV_PX_PER_MM, by);
    cairo_stroke(cr);
    cairo_set_line_width(cr, 1.5);
    cairo_move_to(cr, ml, by - 5);
    cairo_line_to(cr, ml, by + 5);
    cairo_move_to(cr, ml + SS__PV_SCALE_MM * SS__PV_PX_PER_MM, by - 5);
    cairo_line_to(cr, ml + SS__PV_SCALE_MM * SS__PV_PX_PER_MM, by + 5);
    cairo_stroke(cr);
    snprintf(t, sizeof t, "%.0f mm", SS__PV_SCALE_MM);
    ss__pv_text(cr, ml + SS__PV_SCALE_MM * SS__PV_PX_PER_MM + 8, by + 4, t, 11, true, -1);

    /* legend: every tissue drawn */
    int n = 0;
    for (int lb = 1; lb < SS_TISSUE_COUNT; lb++) {
        if (!present[lb]) continue;
        double lx = 20 + (n % cols) * col_w, ly = by + 22 + (n / cols) * leg_row;
        const uint8_t *c = ss_tissue_get(lb)->rgb;
        cairo_set_source_rgb(cr, c[0] / 255.0, c[1] / 255.0, c[2] / 255.0);
        cairo_rectangle(cr, lx, ly - 10, 14, 12);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        cairo_set_line_width(cr, 0.7);
        cairo_stroke(cr);
        ss__pv_text(cr, lx + 20, ly, ss_tissue_get(lb)->label, 10.5, false, -1);
        n++;
    }
#undef SS__PV_X
#undef SS__PV_Y
    cairo_surface_flush(out);
    cairo_status_t cst = cairo_surface_write_to_png(out, png_path);
    cairo_destroy(cr);
    cairo_surface_destroy(out);
    cairo_surface_destroy(img);
    if (cst != CAIRO_STATUS_SUCCESS)
        return ss_error_set(SS_ERR_IO, "%s: cannot write PNG (%s)", png_path, cairo_status_to_string(cst));
    return SS_OK;
}

/* ------------------------------------------------------------------ HTML */

static void ss__pv_html(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static void ss__pv_row(FILE *f, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void ss__pv_row(FILE *f, const char *name, const char *fmt, ...)
{
    char buf[2600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fputs("<tr><th>", f);
    ss__pv_html(f, name);
    fputs("</th><td>", f);
    ss__pv_html(f, buf);
    fputs("</td></tr>\n", f);
}

static void ss__pv_levels(char *out, size_t n, const int *levels, int count)
{
    out[0] = '\0';
    for (int i = 0; i < count; i++) {
        size_t len = strlen(out);
        snprintf(out + len, n - len, "%s%s", i ? ", " : "", ss_level_name(levels[i]));
    }
    if (!count) snprintf(out, n, "none");
}

static void ss__pv_flags(char *out, size_t n, const bool *flags)
{
    int levels[SS_LEVEL_COUNT], c = 0;
    for (int l = 0; l < SS_LEVEL_COUNT; l++)
        if (flags[l]) levels[c++] = l;
    ss__pv_levels(out, n, levels, c);
}

static const char *ss__pv_yes(bool b) { return b ? "yes" : "no"; }

ss_status ss_preview_write_html(const ss_preview_page *page, const char *html_path)
{
    if (!page || !page->scenario || !page->spine || !html_path)
        return ss_error_set(SS_ERR_INVALID, "preview page: missing scenario, spine or path");
    FILE *f = fopen(html_path, "wb");
    if (!f) return ss_error_set(SS_ERR_IO, "%s: cannot create", html_path);
    const ss_scenario *sc = page->scenario;
    const ss_patient_params *p = &sc->patient;
    char buf[512], buf2[256];

    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Preview: ", f);
    ss__pv_html(f, sc->title[0] ? sc->title : sc->id);
    fputs("</title>\n<style>\n"
          "body{font-family:'DejaVu Sans',sans-serif;margin:16px;color:#111;font-size:13px}\n"
          ".layout{display:flex;gap:20px;align-items:flex-start}\n"
          ".side{flex:0 0 420px}\n.main{flex:1 1 auto;min-width:0}\n"
          "table{border-collapse:collapse}\n"
          ".params th{text-align:left;padding:2px 8px 2px 0;vertical-align:top;white-space:nowrap}\n"
          ".params td{padding:2px 0}\n"
          ".grid th,.grid td{border:1px solid #ccc;padding:4px;text-align:center;vertical-align:top}\n"
          ".grid img{width:180px;height:auto;display:block;margin:auto;background:#000}\n"
          ".grid td.expected{background:#fff4d6}\n"
          ".cap{font-size:11px;color:#333;margin-top:3px}\n"
          ".claims{margin:4px 0 0 0;padding-left:18px;font-size:90%}\n"
          ".pick{background:#eef6ee;border-left:3px solid #2a7a3a;padding:6px 8px}\n"
          ".meas th,.meas td{border:1px solid #ccc;padding:3px 6px;text-align:right}\n"
          ".meas th:first-child,.meas td:first-child{text-align:left}\n"
          ".drawings img{max-width:48%;vertical-align:top;border:1px solid #ccc;margin:0 8px 10px 0}\n"
          ".meas td:first-child{white-space:nowrap}\n"
          "</style></head><body>\n<h1>",
          f);
    ss__pv_html(f, sc->title[0] ? sc->title : sc->id);
    fputs("</h1>\n<div class=\"layout\">\n<div class=\"side\">\n<h2>Scenario</h2>\n<table class=\"params\">\n", f);
    ss__pv_row(f, "id", "%s", sc->id);
    if (sc->description[0]) ss__pv_row(f, "description", "%s", sc->description);
    if (sc->based_on[0]) ss__pv_row(f, "based on", "%s", sc->based_on);
    ss__pv_row(f, "age", "%.0f y", p->body.age_y);
    ss__pv_row(f, "sex", "%s", p->body.sex == SS_SEX_FEMALE ? "female" : "male");
    ss__pv_row(f, "BMI", "%.1f kg/m\xc2\xb2", p->body.bmi);
    if (p->deformity.cobb_deg > 0) {
        ss__pv_row(f, "Cobb", "%.0f\xc2\xb0 (%s to %s, convex %s)", p->deformity.cobb_deg,
                   ss_vertebra_name(p->deformity.upper_end_vertebra), ss_vertebra_name(p->deformity.lower_end_vertebra),
                   p->deformity.convex_side == SS_CURVE_RIGHT ? "right" : "left");
        ss__pv_row(f, "apex", "%s", ss_vertebra_name(p->deformity.apex_vertebra));
    } else {
        ss__pv_row(f, "Cobb", "0\xc2\xb0 (straight spine)");
    }
    if (p->deformity.nash_moe_grade >= 0) ss__pv_row(f, "Nash-Moe", "grade %d", p->deformity.nash_moe_grade);
    else ss__pv_row(f, "Nash-Moe", "not given");
    if (p->fusion.present) {
        char ch[64], ug[64];
        ss__pv_flags(ch, sizeof ch, p->fusion.laminotomy);
        ss__pv_flags(ug, sizeof ug, p->fusion.ungrafted);
        ss__pv_row(f, "fusion", "%s to %s%s; rods: %s; graft: %s; laminotomy channel: %s; ungrafted: %s",
                   ss_vertebra_name(p->fusion.upper_vertebra), ss_vertebra_name(p->fusion.lower_vertebra),
                   p->fusion.fused_above_l1 ? " (continues above L1)" : "",
                   p->fusion.rods ? (p->fusion.rod_material == SS_ROD_COCR ? "cobalt-chromium" : "titanium") : "none",
                   ss__pv_yes(p->fusion.graft), ch, ug);
    } else {
        ss__pv_row(f, "fusion", "none");
    }
    ss__pv_row(f, "task", "%s %.1f ml; %d G %.0f mm needle; approach %s; guide %s (%.0f-%.0f\xc2\xb0); free hand %s; %.0f s",
               sc->task.drug, sc->task.volume_ml, sc->task.needle_gauge, sc->task.needle_length_mm,
               ss_approach_name(sc->task.approach), sc->task.guide_allowed ? "allowed" : "not allowed",
               sc->task.guide_angle_min_deg, sc->task.guide_angle_max_deg, ss__pv_yes(sc->task.freehand_allowed),
               sc->task.time_limit_s);
    ss__pv_levels(buf, sizeof buf, sc->task.expected_interspaces, sc->task.n_expected_interspaces);
    ss__pv_row(f, "expected interspaces", "%s", buf);
    ss__pv_levels(buf, sizeof buf, sc->task.known_failing_interspaces, sc->task.n_known_failing_interspaces);
    ss__pv_row(f, "known failing", "%s", buf);
    ss__pv_row(f, "probe", "%.1f MHz, %.0f mm deep, gain %.0f dB, DR %.0f dB", sc->probe.freq_mhz, sc->probe.depth_mm,
               sc->probe.gain_db, sc->probe.dynamic_range_db);
    fputs("</table>\n", f);

    /* the model's measurements */
    ss_cobb_measure cobb;
    fputs("<h2>Measured on the model</h2>\n", f);
    if (ss_spine_measure_cobb(page->spine, &cobb) == SS_OK) {
        if (cobb.upper_vertebra >= 0)
            snprintf(buf2, sizeof buf2, "Cobb %.1f\xc2\xb0 (%s to %s, over the modelled L1-S1 only)", cobb.cobb_deg, ss_vertebra_name(cobb.upper_vertebra),
                     ss_vertebra_name(cobb.lower_vertebra));
        else snprintf(buf2, sizeof buf2, "Cobb %.1f\xc2\xb0", cobb.cobb_deg);
        fputs("<p>", f);
        ss__pv_html(f, buf2);
        fputs("</p>\n", f);
    }
    fputs("<table class=\"meas\"><tr><th>level</th><th>window W&times;H mm</th><th>skin&rarr;flavum mm</th>"
          "<th>skin&rarr;dura mm</th><th>rot&deg;</th><th>bone-free path</th><th>notes</th></tr>\n",
          f);
    for (int l = 0; l < SS_LEVEL_COUNT; l++) {
        ss_interspace_measure m;
        if (ss_spine_measure_interspace(page->spine, l, &m) != SS_OK) continue;
        char notes[96] = "";
        if (m.fused) strcat(notes, "fused ");
        if (m.grafted) strcat(notes, "grafted ");
        if (m.channel) strcat(notes, "channel ");
        if (m.ungrafted) strcat(notes, "ungrafted ");
        if (m.bone_on_midline_path) strcat(notes, "midline bone");
        fprintf(f, "<tr><td>%s</td><td>%.1f &times; %.1f</td><td>%.1f</td><td>%.1f</td><td>%+.1f</td><td>%s</td><td>%s</td></tr>\n",
                ss_level_name(l), m.window_width_mm, m.window_height_mm, m.skin_to_flavum_mm, m.skin_to_dura_mm,
                m.rotation_deg, ss__pv_yes(m.bone_free_path), notes);
    }
    fputs("</table>\n<p class=\"cap\">-1 = not reached on the view normal through the window centre.</p>\n", f);
    /* the level the paper's rule leads to (views.h), checked against the scenario */
    ss_view_measure ns[SS_LEVEL_COUNT];
    bool all_ns = true;
    for (int l = 0; l < SS_LEVEL_COUNT; l++) {
        all_ns &= page->cells[l][SS_VIEW_NEAR_SPINOUS].measured;
        ns[l] = page->cells[l][SS_VIEW_NEAR_SPINOUS].measure;
    }
    ss_level_pick pick;
    if (all_ns && ss_view_pick_level(page->spine, ns, &pick) == SS_OK) {
        if (pick.level < 0) {
            snprintf(buf2, sizeof buf2, "Level to pick: none (%s).", ss_pick_reason_text(pick.reason));
        } else {
            snprintf(buf2, sizeof buf2,
                     "Level to pick by the paper's rule: %s, %s (rotation %.1f\xc2\xb0). Widest near-spinous window: %s "
                     "(%.1f mm).",
                     ss_level_name(pick.level), ss_pick_reason_text(pick.reason), pick.rotation_deg,
                     ss_level_name(pick.widest_level), pick.widest_mm);
        }
        fputs("<p class=\"pick\">", f);
        ss__pv_html(f, buf2);
        bool expected = false;
        for (int i = 0; i < sc->task.n_expected_interspaces; i++) expected |= sc->task.expected_interspaces[i] == pick.level;
        if (pick.level >= 0 && !expected) fputs(" <strong>Not among the scenario's expected interspaces.</strong>", f);
        fputs("</p>\n", f);
    }
    /* where the paper's claims about the views hold on this model (views.h) */
    ss_view_measure every[SS_LEVEL_COUNT][SS_VIEW_COUNT];
    bool all = page->probe != NULL;
    for (int l = 0; l < SS_LEVEL_COUNT; l++)
        for (int v = 0; v < SS_VIEW_COUNT; v++) {
            all &= page->cells[l][v].measured;
            every[l][v] = page->cells[l][v].measure;
        }
    ss_view_claims claims;
    if (all && ss_view_claims_check(page->probe, (const ss_view_measure(*)[SS_VIEW_COUNT])every, &claims) == SS_OK) {
        fputs("<p class=\"cap\">The paper's claims about the views (Wei et al. 2023, Discussion) on this model:</p>\n"
              "<ul class=\"claims\">\n",
              f);
        for (int k = 0; k < 3; k++) {
            char claim[1024];
            ss_view_claims_text(&claims, (const ss_view_measure(*)[SS_VIEW_COUNT])every, k, claim, sizeof claim);
            fputs("<li>", f);
            ss__pv_html(f, claim);
            fputs("</li>\n", f);
        }
        fputs("</ul>\n", f);
    }
    fputs("</div>\n", f);

    /* the grid */
    fprintf(f, "<div class=\"main\">\n<h2>Standard views (%s side for the lateral views; %d lines &times; %d samples, CPU renderer)</h2>\n"
               "<p class=\"cap\">Under each image: canal visibility (share of the thecal sac on the central scan lines "
               "reached without bone) and acoustic window width. Expected interspaces are shaded.</p>\n"
               "<table class=\"grid\">\n<tr><th>interspace</th>",
            page->right ? "right" : "left", page->lines, page->samples);
    for (int v = 0; v < SS_VIEW_COUNT; v++) fprintf(f, "<th>%s</th>", ss_view_name((ss_view)v));
    fputs("</tr>\n", f);
    for (int l = 0; l < SS_LEVEL_COUNT; l++) {
        bool expected = false;
        for (int e = 0; e < sc->task.n_expected_interspaces; e++) expected |= sc->task.expected_interspaces[e] == l;
        fprintf(f, "<tr><th>%s%s</th>", ss_level_name(l), expected ? "<br>(expected)" : "");
        for (int v = 0; v < SS_VIEW_COUNT; v++) {
            const ss_preview_cell *c = &page->cells[l][v];
            fprintf(f, "<td%s>", expected ? " class=\"expected\"" : "");
            if (c->png[0]) {
                fputs("<img src=\"", f);
                ss__pv_html(f, c->png);
                fprintf(f, "\" alt=\"%s %s\">", ss_level_name(l), ss_view_name((ss_view)v));
            } else {
                fputs("(not rendered)", f);
            }
            if (c->measured)
                fprintf(f, "<div class=\"cap\">canal %.0f%% &middot; window %.1f mm</div>",
                        100.0 * c->measure.canal_visibility, c->measure.window_width_mm);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    fputs("<div class=\"drawings\"><h2>Spine drawings</h2>\n", f);
    if (page->coronal_png[0]) {
        fputs("<img src=\"", f);
        ss__pv_html(f, page->coronal_png);
        fputs("\" alt=\"coronal drawing\">\n", f);
    }
    if (page->sagittal_png[0]) {
        fputs("<img src=\"", f);
        ss__pv_html(f, page->sagittal_png);
        fputs("\" alt=\"sagittal drawing\">\n", f);
    }
    fputs("</div>\n</div>\n</div>\n</body></html>\n", f);
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad) return ss_error_set(SS_ERR_IO, "%s: write failed", html_path);
    return SS_OK;
}

/* report_render.c: the report (report.h) written out: HTML (one self-contained file,
 * figures inline as base64 PNG) and PDF (A4 pages laid out with cairo). The figures
 * (sections with the tip path, B-mode frames) are drawn by the same cairo code for
 * both: into a PNG for the HTML, as vectors over the embedded bitmap in the PDF. */
#define _POSIX_C_SOURCE 200809L
#include "report.h"

#include "critical.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "draw.h"
#include "tissue.h"

#define SS__PI 3.14159265358979323846

/* ------------------------------------------------------------------ growing text */

typedef struct ss__buf {
    char *s;
    size_t len, cap;
    bool failed;
} ss__buf;

static void ss__grow(ss__buf *b, size_t more)
{
    if (b->failed || b->len + more + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more + 1) cap *= 2;
    char *n = realloc(b->s, cap);
    if (!n) {
        b->failed = true;
        return;
    }
    b->s = n;
    b->cap = cap;
}

static void ss__put(ss__buf *b, const char *s, size_t n)
{
    ss__grow(b, n);
    if (b->failed) return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void ss__puts(ss__buf *b, const char *s)
{
    ss__put(b, s, strlen(s));
}

static void ss__printf(ss__buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ss__printf(ss__buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    ss__grow(b, (size_t)n);
    if (b->failed) return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Text as HTML (&, <, >, " escaped). */
static void ss__html(ss__buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': ss__puts(b, "&amp;"); break;
        case '<': ss__puts(b, "&lt;"); break;
        case '>': ss__puts(b, "&gt;"); break;
        case '"': ss__puts(b, "&quot;"); break;
        default: ss__put(b, s, 1);
        }
    }
}

/* ------------------------------------------------------------------ figures */

static const double ss__insertion_rgb[][3] = {
    {0.05, 0.05, 0.05}, {0.55, 0.0, 0.6}, {0.0, 0.45, 0.0}, {0.0, 0.25, 0.65}, {0.6, 0.3, 0.0}, {0.75, 0.0, 0.2},
};
enum { SS__NCOLOURS = (int)(sizeof ss__insertion_rgb / sizeof ss__insertion_rgb[0]) };

static cairo_surface_t *ss__rgb_surface(const unsigned char *rgb, int w, int h, bool air_tint)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) return s;
    cairo_surface_flush(s);
    unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int y = 0; y < h; y++) {
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)y * stride);
        for (int x = 0; x < w; x++) {
            const unsigned char *p = rgb + 3 * ((size_t)y * w + x);
            uint32_t r = p[0], g = p[1], b = p[2];
            if (air_tint && r == 255 && g == 255 && b == 255) r = 214, g = 219, b = 228;
            row[x] = (r << 16) | (g << 8) | b;
        }
    }
    cairo_surface_mark_dirty(s);
    return s;
}

static cairo_surface_t *ss__grey_surface(const unsigned char *px, int w, int h)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) return s;
    cairo_surface_flush(s);
    unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int y = 0; y < h; y++) {
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)y * stride);
        for (int x = 0; x < w; x++) {
            uint32_t g = px[(size_t)y * w + x];
            row[x] = (g << 16) | (g << 8) | g;
        }
    }
    cairo_surface_mark_dirty(s);
    return s;
}

/* A scale bar of `mm` millimetres drawn at (x, y) (its left end), scale pt per mm. */
static void ss__scale_bar(cairo_t *cr, double x, double y, double pt_per_mm, double mm, bool on_dark)
{
    double len = mm * pt_per_mm;
    char t[32];
    snprintf(t, sizeof t, "%.0f mm", mm);
    cairo_set_line_width(cr, 3);
    if (on_dark) cairo_set_source_rgb(cr, 1, 1, 1);
    else cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
    cairo_move_to(cr, x, y);
    cairo_line_to(cr, x + len, y);
    cairo_stroke(cr);
    cairo_set_line_width(cr, 1.5);
    cairo_move_to(cr, x, y - 4);
    cairo_line_to(cr, x, y + 4);
    cairo_move_to(cr, x + len, y - 4);
    cairo_line_to(cr, x + len, y + 4);
    cairo_stroke(cr);
    if (on_dark) {
        ss_draw_font(cr, 9, false);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_move_to(cr, x + len + 5, y + 3);
        cairo_show_text(cr, t);
    } else {
        ss_draw_label(cr, x + len + 5, y + 3, t, 9, -1, false);
    }
}

static void ss__to_px(const ss_report_section *s, const double p[3], double out[2])
{
    double d[3] = {p[0] - s->origin_mm[0], p[1] - s->origin_mm[1], p[2] - s->origin_mm[2]};
    out[0] = (d[0] * s->eu[0] + d[1] * s->eu[1] + d[2] * s->eu[2]) / s->mm_per_px + 0.5;
    out[1] = (d[0] * s->ev[0] + d[1] * s->ev[1] + d[2] * s->ev[2]) / s->mm_per_px + 0.5;
}

enum { SS__LEGEND_ROW_PT = 13 };

/* Tissues present in a section (for its legend). */
static int ss__section_tissues(const ss_report_section *s, int out[SS_TISSUE_COUNT])
{
    bool seen[SS_TISSUE_COUNT] = {false};
    for (size_t i = 0; i < (size_t)s->width * s->height; i++) {
        const unsigned char *p = s->rgb + 3 * i;
        for (int t = 1; t < SS_TISSUE_COUNT; t++) {
            if (seen[t]) continue;
            const uint8_t *c = ss_tissue_get(t)->rgb;
            if (p[0] == c[0] && p[1] == c[1] && p[2] == c[2]) seen[t] = true;
        }
    }
    int n = 0;
    for (int t = 1; t < SS_TISSUE_COUNT; t++)
        if (seen[t]) out[n++] = t;
    return n;
}

static double ss__section_height(const ss_report_section *s, double w)
{
    int t[SS_TISSUE_COUNT];
    int n = ss__section_tissues(s, t);
    int per_row = 3;
    int rows = (n + per_row - 1) / per_row + 1; /* + the needle legend row */
    return w * s->height / s->width + 8 + rows * SS__LEGEND_ROW_PT;
}

static void ss__draw_marker(cairo_t *cr, const char *event, double x, double y)
{
    cairo_new_path(cr);
    cairo_set_line_width(cr, 1.5);
    if (!strcmp(event, "bone_contact")) {
        for (int pass = 0; pass < 2; pass++) {
            cairo_set_line_width(cr, pass ? 1.8 : 4);
            if (pass) cairo_set_source_rgb(cr, 0.85, 0, 0);
            else cairo_set_source_rgb(cr, 1, 1, 1);
            cairo_move_to(cr, x - 4, y - 4);
            cairo_line_to(cr, x + 4, y + 4);
            cairo_move_to(cr, x - 4, y + 4);
            cairo_line_to(cr, x + 4, y - 4);
            cairo_stroke(cr);
        }
    } else if (!strcmp(event, "csf_outflow")) {
        cairo_arc(cr, x, y, 4.5, 0, 2 * SS__PI);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 0, 0.2, 0.9);
        cairo_stroke(cr);
        cairo_arc(cr, x, y, 2.5, 0, 2 * SS__PI);
        cairo_fill(cr);
    } else { /* skin entry */
        cairo_arc(cr, x, y, 4, 0, 2 * SS__PI);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_set_line_width(cr, 3.5);
        cairo_stroke_preserve(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_set_line_width(cr, 1.5);
        cairo_stroke(cr);
    }
}

/* The section at (x, y), w wide: image, tip path, event markers, scale bar,
 * orientation words, legends. Returns the height used. */
static double ss__draw_section(cairo_t *cr, const ss_report *r, const ss_report_section *s, double x, double y,
                               double w)
{
    double k = w / s->width; /* pt per pixel */
    double h = s->height * k;
    cairo_save(cr);
    cairo_surface_t *img = ss__rgb_surface(s->rgb, s->width, s->height, true);
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_scale(cr, k, k);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_rectangle(cr, 0, 0, s->width, s->height);
    cairo_fill(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
    cairo_rectangle(cr, x, y, w, h);
    cairo_clip(cr);
    /* tip path: a white halo under a dark line, one colour per insertion */
    for (int pass = 0; pass < 2; pass++) {
        int cur = -1;
        for (int i = 0; i < r->npath; i++) {
            const ss_report_point *p = &r->path[i];
            double q[3] = {p->pos_mm[0], p->pos_mm[1], p->pos_mm[2]}, px[2];
            ss__to_px(s, q, px);
            double X = x + px[0] * k, Y = y + px[1] * k;
            if (p->insertion != cur) {
                if (cur >= 0) cairo_stroke(cr);
                cur = p->insertion;
                const double *c = ss__insertion_rgb[(cur > 0 ? cur - 1 : 0) % SS__NCOLOURS];
                if (pass == 0) cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
                else cairo_set_source_rgb(cr, c[0], c[1], c[2]);
                cairo_set_line_width(cr, pass == 0 ? 4.5 : 2);
                cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
                cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
                cairo_move_to(cr, X, Y);
            } else {
                cairo_line_to(cr, X, Y);
            }
        }
        if (cur >= 0) cairo_stroke(cr);
    }
    for (int i = 0; i < r->nevents; i++) {
        const ss_report_event *e = &r->events[i];
        if (strcmp(e->name, "skin_entry") && strcmp(e->name, "bone_contact") && strcmp(e->name, "csf_outflow")) continue;
        double px[2];
        ss__to_px(s, e->pos_mm, px);
        ss__draw_marker(cr, e->name, x + px[0] * k, y + px[1] * k);
    }
    ss__scale_bar(cr, x + 10, y + h - 10, k / s->mm_per_px, 20, false);
    ss_draw_label(cr, x + 4, y + h / 2, s->left, 9, -1, false);
    ss_draw_label(cr, x + w - 4, y + h / 2, s->right, 9, 1, false);
    ss_draw_label(cr, x + w / 2, y + 12, s->top, 9, 0, false);
    ss_draw_label(cr, x + w / 2, y + h - 4, s->bottom, 9, 0, false);
    cairo_restore(cr);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_set_line_width(cr, 0.75);
    cairo_rectangle(cr, x, y, w, h);
    cairo_stroke(cr);
    /* legends */
    double ly = y + h + 8 + 9;
    ss_draw_font(cr, 8.5, false);
    double lx = x;
    for (int i = 0; i < r->insertions && i < 4; i++) {
        const double *c = ss__insertion_rgb[i % SS__NCOLOURS];
        cairo_set_source_rgb(cr, c[0], c[1], c[2]);
        cairo_set_line_width(cr, 2);
        cairo_move_to(cr, lx, ly - 3);
        cairo_line_to(cr, lx + 16, ly - 3);
        cairo_stroke(cr);
        char t[48];
        snprintf(t, sizeof t, "insertion %d", i + 1);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cairo_move_to(cr, lx + 20, ly);
        cairo_show_text(cr, t);
        lx += 28 + ss_draw_text_width(cr, t);
    }
    if (r->insertions > 4) {
        cairo_move_to(cr, lx, ly);
        cairo_show_text(cr, "...");
        lx += 16;
    }
    const char *marks[][2] = {{"skin_entry", "skin entry"}, {"bone_contact", "bone contact"}, {"csf_outflow", "CSF outflow"}};
    for (int i = 0; i < 3; i++) {
        ss__draw_marker(cr, marks[i][0], lx + 5, ly - 3);
        ss_draw_font(cr, 8.5, false);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cairo_move_to(cr, lx + 13, ly);
        cairo_show_text(cr, marks[i][1]);
        lx += 22 + ss_draw_text_width(cr, marks[i][1]);
    }
    int t[SS_TISSUE_COUNT];
    int n = ss__section_tissues(s, t);
    double col = w / 3;
    for (int i = 0; i < n; i++) {
        double cx = x + (i % 3) * col, cy = ly + SS__LEGEND_ROW_PT * (1 + i / 3);
        const uint8_t *c = ss_tissue_get(t[i])->rgb;
        cairo_set_source_rgb(cr, c[0] / 255.0, c[1] / 255.0, c[2] / 255.0);
        cairo_rectangle(cr, cx, cy - 8, 10, 9);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
        cairo_set_line_width(cr, 0.5);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        ss_draw_font(cr, 8, false);
        char name[64];
        snprintf(name, sizeof name, "%s", ss_tissue_get(t[i])->label);
        /* cut to the column, with an ellipsis (never into the next column) */
        size_t len = strlen(name);
        while (len > 4 && ss_draw_text_width(cr, name) > col - 20) {
            len--;
            while (len > 0 && ((unsigned char)name[len] & 0xC0) == 0x80) len--;
            snprintf(name + len, sizeof name - len, "\xe2\x80\xa6");
        }
        cairo_move_to(cr, cx + 14, cy);
        cairo_show_text(cr, name);
    }
    return ss__section_height(s, w);
}

/* A B-mode frame at (x, y), w wide, with a 10 mm scale bar. Returns the height. */
static double ss__draw_frame(cairo_t *cr, const ss_report_frame *f, double x, double y, double w)
{
    double k = w / f->width, h = f->height * k;
    cairo_surface_t *img = ss__grey_surface(f->pixels, f->width, f->height);
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_scale(cr, k, k);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
    cairo_rectangle(cr, 0, 0, f->width, f->height);
    cairo_fill(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
    if (f->mm_per_px > 0) ss__scale_bar(cr, x + 8, y + h - 10, k / f->mm_per_px, 10, true);
    if (f->tip_shown) {
        double tx = x + f->tip_px[0] * k, ty = y + f->tip_px[1] * k;
        cairo_new_path(cr);
        cairo_set_source_rgb(cr, 1.0, 0.85, 0.0);
        cairo_set_line_width(cr, 1.5);
        cairo_arc(cr, tx, ty, 6, 0, 2 * SS__PI);
        cairo_stroke(cr);
        ss_draw_font(cr, 8, true);
        cairo_move_to(cr, tx + 8, ty - 6);
        cairo_show_text(cr, "tip");
    }
    return h;
}

/* ------------------------------------------------------------------ PNG in memory */

static cairo_status_t ss__png_sink(void *closure, const unsigned char *data, unsigned int length)
{
    ss__buf *b = closure;
    ss__put(b, (const char *)data, length);
    return b->failed ? CAIRO_STATUS_NO_MEMORY : CAIRO_STATUS_SUCCESS;
}

/* Writes an <img> with the surface as base64 PNG. */
static void ss__img_tag(ss__buf *html, cairo_surface_t *s, const char *alt, int css_width)
{
    ss__buf png = {0};
    if (cairo_surface_write_to_png_stream(s, ss__png_sink, &png) != CAIRO_STATUS_SUCCESS || png.failed) {
        html->failed = true;
        free(png.s);
        return;
    }
    size_t n64 = sodium_base64_encoded_len(png.len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(n64);
    if (!b64) {
        html->failed = true;
        free(png.s);
        return;
    }
    sodium_bin2base64(b64, n64, (const unsigned char *)png.s, png.len, sodium_base64_VARIANT_ORIGINAL);
    ss__printf(html, "<img style=\"width:%dpx;max-width:100%%\" alt=\"", css_width);
    ss__html(html, alt);
    ss__puts(html, "\" src=\"data:image/png;base64,");
    ss__put(html, b64, strlen(b64));
    ss__puts(html, "\">");
    free(b64);
    free(png.s);
}

static double ss__fig_width(const ss_report_section *s, double wmax, double hmax)
{
    double w = wmax;
    if (w * s->height / s->width > hmax) w = hmax * s->width / s->height;
    return w;
}

/* A figure drawn at 2x for sharp screens, css_width CSS pixels wide. */
static void ss__section_img(ss__buf *html, const ss_report *r, const ss_report_section *s, int css_width)
{
    /* drawn at the PDF's scale (labels the same size relative to the figure), then
     * rasterized at twice the CSS size for sharp screens */
    const double logical = 600;
    double w = logical, h = ss__section_height(s, w);
    double k = 2.0 * css_width / logical;
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 2 * css_width, (int)ceil(k * h));
    cairo_t *cr = cairo_create(surf);
    cairo_scale(cr, k, k);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    ss__draw_section(cr, r, s, 0, 0, w);
    cairo_destroy(cr);
    ss__img_tag(html, surf, s->title, css_width);
    cairo_surface_destroy(surf);
}

static void ss__frame_img(ss__buf *html, const ss_report_frame *f, int css_width)
{
    double w = css_width, h = f->height * w / f->width;
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, css_width, (int)ceil(h));
    cairo_t *cr = cairo_create(surf);
    ss__draw_frame(cr, f, 0, 0, w);
    cairo_destroy(cr);
    ss__img_tag(html, surf, f->caption, css_width);
    cairo_surface_destroy(surf);
}

/* ------------------------------------------------------------------ shared wording */

static const char *ss__event_words(const char *name)
{
    static const char *const m[][2] = {
        {"probe_contact", "Probe on the skin"}, {"view_reached", "Standard view reached"},
        {"guide_attached", "Puncture frame attached"}, {"skin_entry", "Needle through the skin"},
        {"flavum_pop", "Ligamentum flavum passed (loss of resistance)"}, {"dura_pop", "Dura punctured"},
        {"bone_contact", "Bone contact"}, {"nerve_contact", "Nerve-root contact"},
        {"vessel_puncture", "Vessel punctured"}, {"csf_outflow", "CSF outflow"},
        {"stylet_removed", "Stylet removed"}, {"inject", "Injection"}, {"needle_exit", "Needle withdrawn from the skin"},
        {"ct_called", "CT guidance called"}, {"end", "End of the attempt"},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (!strcmp(m[i][0], name)) return m[i][1];
    int crit = ss_critical_of_event((ss_event_type)ss_event_from_name(name));
    if (crit >= 0) return ss_critical_label((ss_critical_type)crit); /* critical-only events */
    return name;
}

static void ss__event_detail(const ss_report_event *e, char *buf, size_t n)
{
    buf[0] = '\0';
    size_t used = 0;
#define SS__ADD(...)                                                                                                   \
    do {                                                                                                               \
        int w_ = snprintf(buf + used, n - used, __VA_ARGS__);                                                          \
        if (w_ > 0) used = used + (size_t)w_ < n ? used + (size_t)w_ : n - 1;                                         \
    } while (0)
    if (e->level[0]) SS__ADD("%s", e->level);
    bool depth = !strcmp(e->name, "skin_entry") || !strcmp(e->name, "bone_contact") || !strcmp(e->name, "dura_pop") ||
                 !strcmp(e->name, "csf_outflow") || !strcmp(e->name, "flavum_pop") || !strcmp(e->name, "nerve_contact") ||
                 !strcmp(e->name, "vessel_puncture");
    if (!strcmp(e->name, "skin_entry")) depth = false;
    if (e->tissue[0] && strcmp(e->name, "probe_contact") && strcmp(e->name, "skin_entry") &&
        strcmp(e->name, "needle_exit"))
        SS__ADD("%s%s", used ? ", " : "", e->tissue);
    if (depth) SS__ADD("%sdepth %.1f mm", used ? ", " : "", e->depth_mm);
    if (!strcmp(e->name, "inject")) SS__ADD("%s%.1f ml", used ? ", " : "", e->value);
    if (!strcmp(e->name, "guide_attached")) SS__ADD("%sneedle at %.1f deg to the beam", used ? ", " : "", e->value);
#undef SS__ADD
}

static double ss__num_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *ss__dir_word(const cJSON *item)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(item, "direction");
    return cJSON_IsString(d) && !strcmp(d->valuestring, "min") ? "at most" : "at least";
}

/* Target of a grade item as words: "at most 2". */
static void ss__target(const cJSON *item, char *buf, size_t n)
{
    const char *metric = cJSON_GetObjectItemCaseSensitive(item, "metric")->valuestring;
    char v[64];
    ss_report_format_value(metric, cJSON_GetObjectItemCaseSensitive(item, "threshold"), v, sizeof v);
    if (!strcmp(v, "yes") || !strcmp(v, "no")) snprintf(buf, n, "%s", v);
    else snprintf(buf, n, "%s %s", ss__dir_word(item), v);
}

static bool ss__in_grade(const ss_report *r, const char *metric)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, r->grade_items)
    {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(it, "metric");
        if (cJSON_IsString(m) && !strcmp(m->valuestring, metric)) return true;
    }
    return false;
}

/* Measures of the metrics record shown under "other measures". */
static bool ss__other_measure(const ss_report *r, const char *name)
{
    return strcmp(name, "score") && strcmp(name, "pass") && !ss__in_grade(r, name);
}

static const char *ss__result_word(const ss_report *r)
{
    if (!r->graded) return "NOT GRADED";
    return r->pass ? "PASS" : "FAIL";
}

static void ss__subtitle(const ss_report *r, char *buf, size_t n)
{
    if (!r->graded) snprintf(buf, n, "Not graded");
    else snprintf(buf, n, "Score %.0f / 100 (pass mark %.0f)", r->score, r->pass_mark);
}

static const char *ss__reason(const ss_report *r)
{
    if (r->graded) return r->pass_reason;
    return r->ungraded_reason[0] ? r->ungraded_reason
                                 : "The log stops before the grade record: the attempt was not finished.";
}

/* ------------------------------------------------------------------ HTML */

static const char *ss__css =
    "body{font-family:'DejaVu Sans',Verdana,sans-serif;color:#1a1a1a;max-width:900px;margin:24px auto;padding:0 16px;"
    "font-size:14px;line-height:1.4}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;border-bottom:1px solid #bbb;padding-bottom:3px;margin-top:28px}"
    "table{border-collapse:collapse;width:100%}td,th{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left;"
    "vertical-align:top}th{background:#f0f0f0}td.num{text-align:right;white-space:nowrap}"
    ".ident td:first-child{width:180px;color:#555}.mono{font-family:'DejaVu Sans Mono',monospace;font-size:12px;"
    "word-break:break-all}"
    ".result{display:inline-block;font-size:26px;font-weight:bold;padding:6px 18px;border-radius:6px;color:#fff}"
    ".pass{background:#1d7a2e}.fail{background:#b3261e}.ungraded{background:#777}"
    ".banner{padding:10px 14px;border-radius:6px;margin:12px 0;font-weight:bold}"
    ".warn{background:#fff3cd;border:2px solid #c98a00}.ok{background:#e8f4ea;border:1px solid #1d7a2e}"
    ".met{color:#1d7a2e;font-weight:bold}.notmet{color:#b3261e;font-weight:bold}"
    ".frames{display:flex;flex-wrap:wrap;gap:14px}.frames figure{margin:0;width:430px}"
    "figcaption{font-size:13px;color:#333}"
    ".sign td{border:none;padding:26px 8px 4px}.sign .line{border-bottom:1px solid #000;width:260px}"
    "footer{margin-top:30px;color:#777;font-size:12px}"
    "@media print{body{max-width:none}.frames figure{width:48%}}";

/* A titled bullet list of feedback notes (nothing when there are none). */
static void ss__html_notes(ss__buf *b, const char *title, const char (*notes)[SS_GRADE_NOTE_CHARS], int n)
{
    if (!n) return;
    ss__puts(b, "<p><b>");
    ss__puts(b, title);
    ss__puts(b, "</b></p>\n<ul>\n");
    for (int i = 0; i < n; i++) {
        ss__puts(b, "<li>");
        ss__html(b, notes[i]);
        ss__puts(b, "</li>\n");
    }
    ss__puts(b, "</ul>\n");
}

/* Only an intact log's hash is the signed seal; a report made from an incomplete log
 * (reports refuse tampered ones) must not read as authenticated. */
static const char *ss__log_hash_label(const ss_report *r)
{
    return r->verdict == SS_LOG_INTACT ? "Log seal hash (signed)" : "Last log hash (NOT signed: log incomplete)";
}

static void ss__html_row(ss__buf *b, const char *k, const char *v, bool mono)
{
    ss__puts(b, "<tr><td>");
    ss__html(b, k);
    ss__printf(b, "</td><td%s>", mono ? " class=\"mono\"" : "");
    ss__html(b, v);
    ss__puts(b, "</td></tr>\n");
}

static char *ss__html_make(const ss_report *r)
{
    ss__buf b = {0};
    char t[700];
    ss__puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    snprintf(t, sizeof t, "SonoSpine assessment report: %s, %s, %s", r->trainee, r->scenario_id, ss__result_word(r));
    ss__html(&b, t);
    ss__printf(&b, "</title>\n<style>%s</style>\n</head>\n<body>\n", ss__css);
    ss__puts(&b, "<h1>SonoSpine assessment report</h1>\n");
    ss__printf(&b, "<p>Ultrasound-guided lumbar puncture, %s attempt</p>\n",
               !strcmp(r->mode, "exam")            ? "<b>examination</b>"
               : !strcmp(r->mode, "demonstration") ? "expert demonstration (not a trainee's attempt)"
                                                   : "practice");
    const char *cls = !r->graded ? "ungraded" : r->pass ? "pass" : "fail";
    ss__printf(&b, "<p><span class=\"result %s\">%s</span></p>\n<p>", cls, ss__result_word(r));
    ss__subtitle(r, t, sizeof t);
    ss__puts(&b, "<b>");
    ss__html(&b, t);
    ss__puts(&b, "</b><br>");
    ss__html(&b, ss__reason(r));
    ss__puts(&b, "</p>\n");
    ss__printf(&b, "<div class=\"banner %s\">Session log: ", r->auth == SS_AUTH_AUTHENTIC ? "ok" : "warn");
    ss__html(&b, r->verdict_text);
    ss__puts(&b, "</div>\n");

    ss__puts(&b, "<h2 id=\"attempt\">Attempt</h2>\n<table class=\"ident\">\n");
    ss__html_row(&b, "Trainee", r->trainee, false);
    ss__html_row(&b, "Scenario", r->scenario_title, false);
    ss__html_row(&b, "Scenario id", r->scenario_id, false);
    ss__html_row(&b, "Scenario SHA-256", r->scenario_sha256, true);
    ss__html_row(&b, "Date (UTC)", r->started_utc, false);
    ss__html_row(&b, "Mode", r->mode, false);
    ss__html_row(&b, "Session log", r->log_path, true);
    ss__html_row(&b, ss__log_hash_label(r), r->log_last_hash, true);
    ss__html_row(&b, "Re-simulation", r->resim_note, false);
    if (r->graded && r->preparation[0]) ss__html_row(&b, "Preparation", r->preparation, false);
    if (r->followup[0]) ss__html_row(&b, "Follow-up", r->followup, false);
    if (r->course[0]) ss__html_row(&b, "Course", r->course, false);
    if (r->comparison[0]) ss__html_row(&b, "Landmark vs guided", r->comparison, false);
    snprintf(t, sizeof t, "SonoSpine %s (report made %s)", r->version, r->generated_utc);
    ss__html_row(&b, "Program", t, false);
    ss__puts(&b, "</table>\n");

    ss__puts(&b, "<h2 id=\"measures\">Measures against the rubric</h2>\n");
    if (!r->graded || cJSON_GetArraySize(r->grade_items) == 0) {
        ss__puts(&b, "<p>No grade record in the log.</p>\n");
    } else {
        ss__puts(&b, "<table>\n<tr><th>Measure</th><th>Result</th><th>Target</th><th>Weight</th><th>Credit</th>"
                    "<th>Met</th></tr>\n");
        const cJSON *it;
        cJSON_ArrayForEach(it, r->grade_items)
        {
            const cJSON *m = cJSON_GetObjectItemCaseSensitive(it, "metric");
            if (!cJSON_IsString(m)) continue;
            char v[64], target[96];
            ss_report_format_value(m->valuestring, cJSON_GetObjectItemCaseSensitive(it, "value"), v, sizeof v);
            ss__target(it, target, sizeof target);
            bool met = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "met"));
            ss__puts(&b, "<tr><td>");
            ss__html(&b, ss_report_metric_label(m->valuestring, NULL));
            ss__printf(&b, " <span class=\"mono\">(%s)</span></td><td class=\"num\">", m->valuestring);
            ss__html(&b, v);
            ss__puts(&b, "</td><td>");
            ss__html(&b, target);
            ss__printf(&b, "</td><td class=\"num\">%.0f</td><td class=\"num\">%.0f %%</td><td class=\"%s\">%s</td></tr>\n",
                       ss__num_of(it, "weight"), 100 * ss__num_of(it, "subscore"), met ? "met" : "notmet",
                       met ? "yes" : "no");
        }
        ss__puts(&b, "</table>\n");
    }
    if (r->nstrengths || r->nweaknesses) {
        ss__puts(&b, "<h2 id=\"feedback\">Feedback</h2>\n");
        ss__html_notes(&b, "To work on", r->weaknesses, r->nweaknesses);
        ss__html_notes(&b, "Done well", r->strengths, r->nstrengths);
    }
    if (r->metrics) {
        ss__puts(&b, "<h2 id=\"other\">Other measures</h2>\n<table>\n");
        for (const cJSON *it = r->metrics->child; it; it = it->next) {
            if (!ss__other_measure(r, it->string)) continue;
            char v[200];
            ss_report_format_value(it->string, it, v, sizeof v);
            ss__puts(&b, "<tr><td>");
            ss__html(&b, ss_report_metric_label(it->string, NULL));
            ss__printf(&b, " <span class=\"mono\">(%s)</span></td><td>", it->string);
            ss__html(&b, v);
            ss__puts(&b, "</td></tr>\n");
        }
        ss__puts(&b, "</table>\n");
    }

    ss__puts(&b, "<h2 id=\"timeline\">Timeline</h2>\n<table>\n<tr><th>Time</th><th>Event</th><th>Details</th></tr>\n");
    for (int i = 0; i < r->nevents; i++) {
        const ss_report_event *e = &r->events[i];
        char d[200];
        ss__event_detail(e, d, sizeof d);
        ss__printf(&b, "<tr><td class=\"num\">%.2f s</td><td>", e->t_s);
        ss__html(&b, ss__event_words(e->name));
        ss__puts(&b, "</td><td>");
        ss__html(&b, d);
        ss__puts(&b, "</td></tr>\n");
    }
    ss__puts(&b, "</table>\n");
    if (r->layer_entries_omitted)
        ss__printf(&b, "<p>%d tissue-layer entries are left out here; they are in the log.</p>\n",
                   r->layer_entries_omitted);

    ss__puts(&b, "<h2 id=\"needle-path\">Needle path</h2>\n");
    if (r->sagittal.present) {
        ss__puts(&b, "<p>The tip's path in tissue, re-simulated from the log, projected onto sections of the patient model "
                    "through the point the needle was aimed at. Sections are drawn as the B-mode image is: skin at the top.</p>\n");
        const ss_report_section *sec[2] = {&r->sagittal, &r->axial};
        for (int i = 0; i < 2; i++) {
            ss__puts(&b, "<figure style=\"margin:10px 0\">");
            ss__section_img(&b, r, sec[i], (int)ss__fig_width(sec[i], 860, 520));
            ss__puts(&b, "<figcaption>");
            ss__html(&b, sec[i]->title);
            ss__puts(&b, "</figcaption></figure>\n");
        }
    } else {
        ss__puts(&b, "<p>");
        ss__html(&b, r->resimulated ? "No needle entered the patient." : r->resim_note);
        ss__puts(&b, "</p>\n");
    }
    ss__puts(&b, "<h2 id=\"frames\">Key B-mode frames</h2>\n");
    int shown = 0;
    for (int i = 0; i < r->nframes; i++)
        if (r->frames[i].has_image) shown++;
    if (!shown) {
        ss__puts(&b, "<p>");
        ss__html(&b, !r->resimulated ? r->resim_note : "No key moment (skin entry, bone contact, CSF) in this attempt.");
        ss__puts(&b, "</p>\n");
    } else {
        ss__puts(&b, "<p>What the trainee saw at each key moment (CPU reference renderer, the attempt's probe pose and "
                    "needle; cranial on the left in sagittal views).</p>\n<div class=\"frames\">\n");
        for (int i = 0; i < r->nframes; i++) {
            if (!r->frames[i].has_image) continue;
            ss__puts(&b, "<figure>");
            ss__frame_img(&b, &r->frames[i], 430);
            ss__puts(&b, "<figcaption>");
            ss__html(&b, r->frames[i].caption);
            ss__puts(&b, "</figcaption></figure>\n");
        }
        ss__puts(&b, "</div>\n");
        if (r->frames_omitted)
            ss__printf(&b, "<p>%d further key moments (bone contacts) are not shown.</p>\n", r->frames_omitted);
    }
    ss__puts(&b, "<h2 id=\"examiner\">Examiner</h2>\n<table class=\"sign\">\n"
                "<tr><td>Examiner name</td><td class=\"line\"></td><td>Date</td><td class=\"line\"></td></tr>\n"
                "<tr><td>Signature</td><td class=\"line\"></td><td>Place</td><td class=\"line\"></td></tr>\n"
                "<tr><td>Decision</td><td colspan=\"3\">&#9744; result confirmed &nbsp; &#9744; result not confirmed "
                "(reason:&nbsp;______________________)</td></tr>\n</table>\n");
    ss__printf(&b, "<footer>SonoSpine %s &middot; report of ", r->version);
    ss__html(&b, r->log_path);
    ss__printf(&b, " &middot; log seal hash <span class=\"mono\">%s</span></footer>\n</body>\n</html>\n",
               r->log_last_hash);
    if (b.failed) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

static ss_status ss__write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return ss_error_set(SS_ERR_IO, "%s: cannot create the report file: %s", path, strerror(errno));
    bool ok = fwrite(data, 1, n, f) == n;
    ok = (fclose(f) == 0) && ok;
    return ok ? SS_OK : ss_error_set(SS_ERR_IO, "%s: write failed", path);
}

ss_status ss_report_write_html(const ss_report *r, const char *path)
{
    char *html = ss__html_make(r);
    if (!html) return ss_error_set(SS_ERR_NOMEM, "%s: out of memory making the HTML report", path);
    ss_status st = ss__write_file(path, html, strlen(html));
    free(html);
    return st;
}

/* ------------------------------------------------------------------ PDF */

#define SS__A4_W 595.276
#define SS__A4_H 841.890
#define SS__MARGIN 50.0

typedef struct ss__pdf {
    cairo_t *cr;
    bool dry;       /* first pass: count pages, draw nothing that costs */
    double y;
    int page, pages;
    const ss_report *r;
} ss__pdf;

static double ss__pdf_bottom(void) { return SS__A4_H - SS__MARGIN - 10; }
static double ss__pdf_width(void) { return SS__A4_W - 2 * SS__MARGIN; }

static void ss__pdf_footer(ss__pdf *p)
{
    cairo_t *cr = p->cr;
    char t[400];
    snprintf(t, sizeof t, "SonoSpine assessment report \xc2\xb7 %s \xc2\xb7 %s \xc2\xb7 log %.16s\xe2\x80\xa6", p->r->trainee,
             p->r->scenario_id, p->r->log_last_hash[0] ? p->r->log_last_hash : "(no hash)");
    ss_draw_font(cr, 7.5, false);
    cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
    cairo_move_to(cr, SS__MARGIN, SS__A4_H - 28);
    cairo_show_text(cr, t);
    snprintf(t, sizeof t, "page %d of %d", p->page, p->pages > 0 ? p->pages : p->page);
    cairo_move_to(cr, SS__A4_W - SS__MARGIN - ss_draw_text_width(cr, t), SS__A4_H - 28);
    cairo_show_text(cr, t);
    cairo_set_line_width(cr, 0.5);
    cairo_move_to(cr, SS__MARGIN, SS__A4_H - 38);
    cairo_line_to(cr, SS__A4_W - SS__MARGIN, SS__A4_H - 38);
    cairo_stroke(cr);
}

static void ss__pdf_newpage(ss__pdf *p)
{
    ss__pdf_footer(p);
    if (!p->dry) cairo_show_page(p->cr);
    p->page++;
    p->y = SS__MARGIN;
}

static void ss__pdf_need(ss__pdf *p, double h)
{
    if (p->y + h > ss__pdf_bottom() && p->y > SS__MARGIN + 1) ss__pdf_newpage(p);
}

/* Splits text into lines no wider than w (words; a word too long is cut by characters,
 * at UTF-8 boundaries). Calls line(user, start, len) for each. */
static int ss__wrap(cairo_t *cr, const char *text, double w, void (*line)(void *, const char *, size_t), void *user)
{
    int n = 0;
    const char *s = text;
    char buf[1024];
    while (*s) {
        while (*s == ' ') s++;
        if (!*s) break;
        size_t best = 0, i = 0, len = strlen(s);
        /* grow word by word */
        while (i < len) {
            size_t j = i;
            while (j < len && s[j] == ' ') j++;
            while (j < len && s[j] != ' ') j++;
            size_t take = j < sizeof buf - 1 ? j : sizeof buf - 1;
            memcpy(buf, s, take);
            buf[take] = '\0';
            if (ss_draw_text_width(cr, buf) > w) break;
            best = j;
            i = j;
        }
        if (best == 0) { /* one long word: cut by characters */
            size_t j = 0;
            while (j < len && s[j] != ' ') {
                size_t k = j + 1;
                while (k < len && ((unsigned char)s[k] & 0xC0) == 0x80) k++;
                size_t take = k < sizeof buf - 1 ? k : sizeof buf - 1;
                memcpy(buf, s, take);
                buf[take] = '\0';
                if (ss_draw_text_width(cr, buf) > w && j > 0) break;
                j = k;
            }
            best = j ? j : 1;
        }
        if (line) line(user, s, best);
        n++;
        s += best;
    }
    return n ? n : 1;
}

typedef struct ss__line_ctx {
    ss__pdf *p;
    double x, lh;
} ss__line_ctx;

static void ss__emit_line(void *user, const char *s, size_t n)
{
    ss__line_ctx *c = user;
    char buf[1024];
    if (n >= sizeof buf) n = sizeof buf - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    ss__pdf_need(c->p, c->lh);
    cairo_move_to(c->p->cr, c->x, c->p->y + c->lh * 0.78);
    cairo_show_text(c->p->cr, buf);
    c->p->y += c->lh;
}

/* A wrapped paragraph at x, width w. */
static void ss__pdf_para(ss__pdf *p, const char *text, double size, bool bold, double x, double w, double grey)
{
    ss_draw_font(p->cr, size, bold);
    cairo_set_source_rgb(p->cr, grey, grey, grey);
    ss__line_ctx c = {p, x, size * 1.35};
    ss__wrap(p->cr, text, w, ss__emit_line, &c);
}

/* The PDF form of ss__html_notes; returns whether it drew anything. */
static bool ss__pdf_notes(ss__pdf *p, const char *title, const char (*notes)[SS_GRADE_NOTE_CHARS], int n, double w)
{
    if (!n) return false;
    ss__pdf_para(p, title, 10, true, SS__MARGIN, w, 0.1);
    for (int i = 0; i < n; i++) {
        char t[240];
        snprintf(t, sizeof t, "\xe2\x80\xa2 %s", notes[i]);
        ss__pdf_para(p, t, 10, false, SS__MARGIN + 8, w - 8, 0.1);
    }
    return true;
}

static void ss__pdf_heading(ss__pdf *p, const char *text)
{
    ss__pdf_need(p, 60);
    p->y += 12;
    ss_draw_font(p->cr, 13, true);
    cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
    cairo_move_to(p->cr, SS__MARGIN, p->y + 12);
    cairo_show_text(p->cr, text);
    p->y += 17;
    cairo_set_source_rgb(p->cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(p->cr, 0.6);
    cairo_move_to(p->cr, SS__MARGIN, p->y);
    cairo_line_to(p->cr, SS__A4_W - SS__MARGIN, p->y);
    cairo_stroke(p->cr);
    p->y += 6;
}

/* One table row: cells wrapped in their columns; the row stays on one page. */
enum { SS__MAX_COLS = 6 };
typedef struct ss__col {
    double w;
    bool right, bold;
    double rgb[3];
} ss__col;

typedef struct ss__cell_ctx {
    cairo_t *cr;
    double x, y, lh, w;
    bool right, draw;
} ss__cell_ctx;

static void ss__cell_line(void *user, const char *s, size_t n)
{
    ss__cell_ctx *c = user;
    char buf[1024];
    if (n >= sizeof buf) n = sizeof buf - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (c->draw) {
        double x = c->right ? c->x + c->w - ss_draw_text_width(c->cr, buf) : c->x;
        cairo_move_to(c->cr, x, c->y + c->lh * 0.78);
        cairo_show_text(c->cr, buf);
    }
    c->y += c->lh;
}

static void ss__pdf_row(ss__pdf *p, const ss__col *cols, int ncols, const char *const *cells, double size, bool header,
                        bool mono_last)
{
    cairo_t *cr = p->cr;
    double lh = size * 1.3, pad = 3;
    int lines = 1;
    for (int i = 0; i < ncols; i++) {
        if (mono_last && i == ncols - 1) cairo_select_font_face(cr, "DejaVu Sans Mono", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL), cairo_set_font_size(cr, size - 1);
        else ss_draw_font(cr, size, header || cols[i].bold);
        int n = ss__wrap(cr, cells[i], cols[i].w - 2 * pad, NULL, NULL);
        if (n > lines) lines = n;
    }
    double h = lines * lh + 2 * pad;
    ss__pdf_need(p, h);
    if (header) {
        cairo_set_source_rgb(cr, 0.93, 0.93, 0.93);
        cairo_rectangle(cr, SS__MARGIN, p->y, ss__pdf_width(), h);
        cairo_fill(cr);
    }
    double x = SS__MARGIN;
    for (int i = 0; i < ncols; i++) {
        if (mono_last && i == ncols - 1) cairo_select_font_face(cr, "DejaVu Sans Mono", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL), cairo_set_font_size(cr, size - 1);
        else ss_draw_font(cr, size, header || cols[i].bold);
        cairo_set_source_rgb(cr, cols[i].rgb[0], cols[i].rgb[1], cols[i].rgb[2]);
        ss__cell_ctx c = {cr, x + pad, p->y + pad, lh, cols[i].w - 2 * pad, cols[i].right && !header, true};
        ss__wrap(cr, cells[i], cols[i].w - 2 * pad, ss__cell_line, &c);
        x += cols[i].w;
    }
    p->y += h;
    cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
    cairo_set_line_width(cr, 0.5);
    cairo_move_to(cr, SS__MARGIN, p->y);
    cairo_line_to(cr, SS__A4_W - SS__MARGIN, p->y);
    cairo_stroke(cr);
}

static void ss__pdf_layout(ss__pdf *p)
{
    const ss_report *r = p->r;
    cairo_t *cr = p->cr;
    char t[1500];
    p->page = 1;
    p->y = SS__MARGIN;
    double W = ss__pdf_width();
    ss_draw_font(cr, 20, true);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_move_to(cr, SS__MARGIN, p->y + 20);
    cairo_show_text(cr, "SonoSpine assessment report");
    p->y += 30;
    snprintf(t, sizeof t, "Ultrasound-guided lumbar puncture, %s attempt",
             !strcmp(r->mode, "exam")            ? "examination"
             : !strcmp(r->mode, "demonstration") ? "expert demonstration (not a trainee's attempt)"
                                                 : "practice");
    ss__pdf_para(p, t, 11, false, SS__MARGIN, W, 0.25);
    p->y += 8;
    /* result box */
    double bh = 44;
    if (!r->graded) cairo_set_source_rgb(cr, 0.47, 0.47, 0.47);
    else if (r->pass) cairo_set_source_rgb(cr, 0.11, 0.48, 0.18);
    else cairo_set_source_rgb(cr, 0.70, 0.15, 0.12);
    cairo_rectangle(cr, SS__MARGIN, p->y, 150, bh);
    cairo_fill(cr);
    ss_draw_font(cr, 24, true);
    cairo_set_source_rgb(cr, 1, 1, 1);
    const char *word = ss__result_word(r);
    cairo_move_to(cr, SS__MARGIN + 75 - ss_draw_text_width(cr, word) / 2, p->y + 31);
    cairo_show_text(cr, word);
    double y0 = p->y;
    p->y += 4;
    ss__subtitle(r, t, sizeof t);
    ss__pdf_para(p, t, 13, true, SS__MARGIN + 165, W - 165, 0.1);
    ss__pdf_para(p, ss__reason(r), 10, false, SS__MARGIN + 165, W - 165, 0.2);
    if (p->y < y0 + bh) p->y = y0 + bh;
    p->y += 10;
    /* log integrity banner */
    ss_draw_font(cr, 9.5, true);
    int lines = ss__wrap(cr, r->verdict_text, W - 16, NULL, NULL);
    double hh = lines * 9.5 * 1.35 + 10;
    if (r->auth == SS_AUTH_AUTHENTIC) cairo_set_source_rgb(cr, 0.91, 0.96, 0.92);
    else cairo_set_source_rgb(cr, 1.0, 0.95, 0.80);
    cairo_rectangle(cr, SS__MARGIN, p->y, W, hh);
    cairo_fill_preserve(cr);
    if (r->auth == SS_AUTH_AUTHENTIC) cairo_set_source_rgb(cr, 0.11, 0.48, 0.18);
    else cairo_set_source_rgb(cr, 0.79, 0.54, 0.0);
    cairo_set_line_width(cr, r->auth == SS_AUTH_AUTHENTIC ? 0.8 : 2);
    cairo_stroke(cr);
    p->y += 5;
    snprintf(t, sizeof t, "Session log: %.1400s", r->verdict_text);
    ss__pdf_para(p, t, 9.5, true, SS__MARGIN + 8, W - 16, 0.1);
    p->y += 8;

    ss__pdf_heading(p, "Attempt");
    ss__col kv[2] = {{130, false, false, {0.35, 0.35, 0.35}}, {W - 130, false, false, {0.1, 0.1, 0.1}}};
    const char *rows[][2] = {{"Trainee", r->trainee},
                             {"Scenario", r->scenario_title},
                             {"Scenario id", r->scenario_id},
                             {"Date (UTC)", r->started_utc},
                             {"Mode", r->mode},
                             {"Re-simulation", r->resim_note},
                             {"Preparation", r->graded && r->preparation[0] ? r->preparation : NULL},
                             {"Follow-up", r->followup[0] ? r->followup : NULL},
                             {"Course", r->course[0] ? r->course : NULL},
                             {"Landmark vs guided", r->comparison[0] ? r->comparison : NULL}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (!rows[i][1]) continue;
        const char *cells[2] = {rows[i][0], rows[i][1]};
        ss__pdf_row(p, kv, 2, cells, 9.5, false, false);
    }
    const char *mono_rows[][2] = {{"Scenario SHA-256", r->scenario_sha256},
                                  {"Session log", r->log_path},
                                  {ss__log_hash_label(r), r->log_last_hash}};
    for (size_t i = 0; i < sizeof mono_rows / sizeof mono_rows[0]; i++) {
        const char *cells[2] = {mono_rows[i][0], mono_rows[i][1]};
        ss__pdf_row(p, kv, 2, cells, 9.5, false, true);
    }
    snprintf(t, sizeof t, "SonoSpine %s (report made %s)", r->version, r->generated_utc);
    const char *prow[2] = {"Program", t};
    ss__pdf_row(p, kv, 2, prow, 9.5, false, false);

    ss__pdf_heading(p, "Measures against the rubric");
    if (!r->graded || cJSON_GetArraySize(r->grade_items) == 0) {
        ss__pdf_para(p, "No grade record in the log.", 10, false, SS__MARGIN, W, 0.1);
    } else {
        ss__col gc[6] = {{W - 305, false, false, {0.1, 0.1, 0.1}},
                         {65, true, false, {0.1, 0.1, 0.1}},
                         {95, false, false, {0.1, 0.1, 0.1}},
                         {50, true, false, {0.1, 0.1, 0.1}},
                         {55, true, false, {0.1, 0.1, 0.1}},
                         {40, false, true, {0.1, 0.1, 0.1}}};
        const char *head[6] = {"Measure", "Result", "Target", "Weight", "Credit", "Met"};
        ss__pdf_row(p, gc, 6, head, 9.5, true, false);
        const cJSON *it;
        cJSON_ArrayForEach(it, r->grade_items)
        {
            const cJSON *m = cJSON_GetObjectItemCaseSensitive(it, "metric");
            if (!cJSON_IsString(m)) continue;
            char v[64], target[96], weight[32], credit[32];
            ss_report_format_value(m->valuestring, cJSON_GetObjectItemCaseSensitive(it, "value"), v, sizeof v);
            ss__target(it, target, sizeof target);
            snprintf(weight, sizeof weight, "%.0f", ss__num_of(it, "weight"));
            snprintf(credit, sizeof credit, "%.0f %%", 100 * ss__num_of(it, "subscore"));
            bool met = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "met"));
            gc[5].rgb[0] = met ? 0.11 : 0.70;
            gc[5].rgb[1] = met ? 0.48 : 0.15;
            gc[5].rgb[2] = met ? 0.18 : 0.12;
            const char *cells[6] = {ss_report_metric_label(m->valuestring, NULL), v, target, weight, credit,
                                    met ? "yes" : "no"};
            ss__pdf_row(p, gc, 6, cells, 9.5, false, false);
        }
        ss__pdf_para(p, "Credit: the share of the measure's weight earned (full at the target, falling linearly beyond it); the "
                        "score is the weighted mean of the credits.", 8, false, SS__MARGIN, W, 0.4);
    }
    if (r->nweaknesses || r->nstrengths) {
        ss__pdf_heading(p, "Feedback");
        if (ss__pdf_notes(p, "To work on", r->weaknesses, r->nweaknesses, W)) p->y += 4;
        ss__pdf_notes(p, "Done well", r->strengths, r->nstrengths, W);
    }
    if (r->metrics) {
        ss__pdf_heading(p, "Other measures");
        ss__col oc[2] = {{W - 160, false, false, {0.1, 0.1, 0.1}}, {160, false, false, {0.1, 0.1, 0.1}}};
        for (const cJSON *it = r->metrics->child; it; it = it->next) {
            if (!ss__other_measure(r, it->string)) continue;
            char v[200];
            ss_report_format_value(it->string, it, v, sizeof v);
            const char *cells[2] = {ss_report_metric_label(it->string, NULL), v};
            ss__pdf_row(p, oc, 2, cells, 9, false, false);
        }
    }

    ss__pdf_heading(p, "Timeline");
    ss__col tc[3] = {{60, true, false, {0.1, 0.1, 0.1}}, {190, false, false, {0.1, 0.1, 0.1}},
                     {W - 250, false, false, {0.1, 0.1, 0.1}}};
    const char *th[3] = {"Time", "Event", "Details"};
    ss__pdf_row(p, tc, 3, th, 9, true, false);
    for (int i = 0; i < r->nevents; i++) {
        const ss_report_event *e = &r->events[i];
        char tm[32], d[200];
        snprintf(tm, sizeof tm, "%.2f s", e->t_s);
        ss__event_detail(e, d, sizeof d);
        const char *cells[3] = {tm, ss__event_words(e->name), d};
        ss__pdf_row(p, tc, 3, cells, 9, false, false);
    }
    if (r->layer_entries_omitted) {
        snprintf(t, sizeof t, "%d tissue-layer entries are left out here; they are in the log.", r->layer_entries_omitted);
        ss__pdf_para(p, t, 8, false, SS__MARGIN, W, 0.4);
    }

    ss__pdf_heading(p, "Needle path");
    if (r->sagittal.present) {
        ss__pdf_para(p, "The tip's path in tissue, re-simulated from the log, projected onto sections of the patient "
                        "model through the point the needle was aimed at; drawn as the B-mode image is, skin at the top.",
                     9, false, SS__MARGIN, W, 0.25);
        p->y += 4;
        const ss_report_section *sec[2] = {&r->sagittal, &r->axial};
        for (int i = 0; i < 2; i++) {
            double w = ss__fig_width(sec[i], W, 300);
            double h = ss__section_height(sec[i], w);
            ss__pdf_need(p, h + 30);
            ss__pdf_para(p, sec[i]->title, 9.5, true, SS__MARGIN, W, 0.1);
            p->y += 3;
            if (!p->dry) ss__draw_section(cr, r, sec[i], SS__MARGIN + (W - w) / 2, p->y, w);
            p->y += h + 10;
        }
    } else {
        ss__pdf_para(p, r->resimulated ? "No needle entered the patient." : r->resim_note, 10, false, SS__MARGIN, W, 0.1);
    }

    ss__pdf_heading(p, "Key B-mode frames");
    int shown = 0;
    for (int i = 0; i < r->nframes; i++)
        if (r->frames[i].has_image) shown++;
    if (!shown) {
        ss__pdf_para(p, !r->resimulated ? r->resim_note : "No key moment (skin entry, bone contact, CSF) in this attempt.",
                     10, false, SS__MARGIN, W, 0.1);
    } else {
        ss__pdf_para(p, "What the trainee saw at each key moment (CPU reference renderer, the attempt's probe pose and "
                        "needle; cranial on the left in sagittal views).", 9, false, SS__MARGIN, W, 0.25);
        p->y += 4;
        double gap = 15, cw = (W - gap) / 2;
        int col = 0;
        double row_y = p->y, row_h = 0;
        for (int i = 0; i < r->nframes; i++) {
            const ss_report_frame *f = &r->frames[i];
            if (!f->has_image) continue;
            double h = f->height * cw / f->width;
            ss_draw_font(cr, 8.5, false);
            int cl = ss__wrap(cr, f->caption, cw, NULL, NULL);
            double fh = h + 4 + cl * 8.5 * 1.35;
            if (col == 0) {
                ss__pdf_need(p, fh);
                row_y = p->y;
                row_h = 0;
            }
            double x = SS__MARGIN + col * (cw + gap);
            if (!p->dry) ss__draw_frame(cr, f, x, row_y, cw);
            double save_y = p->y;
            p->y = row_y + h + 4;
            ss__pdf_para(p, f->caption, 8.5, false, x, cw, 0.15);
            p->y = save_y;
            if (fh > row_h) row_h = fh;
            col++;
            if (col == 2) {
                col = 0;
                p->y = row_y + row_h + 10;
            }
        }
        if (col == 1) p->y = row_y + row_h + 10;
        if (r->frames_omitted) {
            snprintf(t, sizeof t, "%d further key moments (bone contacts) are not shown.", r->frames_omitted);
            ss__pdf_para(p, t, 8.5, false, SS__MARGIN, W, 0.4);
        }
    }

    ss__pdf_need(p, 130);
    ss__pdf_heading(p, "Examiner");
    p->y += 20;
    ss_draw_font(cr, 10, false);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    const char *labels[2][2] = {{"Examiner name", "Date"}, {"Signature", "Place"}};
    for (int row = 0; row < 2; row++) {
        double yy = p->y + 14;
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cairo_move_to(cr, SS__MARGIN, yy);
        cairo_show_text(cr, labels[row][0]);
        cairo_move_to(cr, SS__MARGIN + 300, yy);
        cairo_show_text(cr, labels[row][1]);
        cairo_set_line_width(cr, 0.8);
        cairo_move_to(cr, SS__MARGIN + 85, yy + 2);
        cairo_line_to(cr, SS__MARGIN + 285, yy + 2);
        cairo_move_to(cr, SS__MARGIN + 340, yy + 2);
        cairo_line_to(cr, SS__MARGIN + W, yy + 2);
        cairo_stroke(cr);
        p->y += 36;
    }
    cairo_move_to(cr, SS__MARGIN, p->y + 14);
    cairo_show_text(cr, "Decision");
    cairo_move_to(cr, SS__MARGIN + 85, p->y + 14);
    cairo_show_text(cr, "\xe2\x98\x90 result confirmed     \xe2\x98\x90 result not confirmed (reason overleaf)");
    p->y += 36;
    ss__pdf_footer(p);
    if (!p->dry) cairo_show_page(cr);
}

ss_status ss_report_write_pdf(const ss_report *r, const char *path)
{
    FILE *probe = fopen(path, "wb");
    if (!probe) return ss_error_set(SS_ERR_IO, "%s: cannot create the report file: %s", path, strerror(errno));
    fclose(probe);
    /* pass 1: count the pages */
    cairo_surface_t *scratch = cairo_image_surface_create(CAIRO_FORMAT_A8, 8, 8);
    cairo_t *cr = cairo_create(scratch);
    ss__pdf p = {.cr = cr, .dry = true, .r = r};
    ss__pdf_layout(&p);
    int pages = p.page;
    cairo_destroy(cr);
    cairo_surface_destroy(scratch);
    /* pass 2: draw */
    cairo_surface_t *pdf = cairo_pdf_surface_create(path, SS__A4_W, SS__A4_H);
    if (cairo_surface_status(pdf) != CAIRO_STATUS_SUCCESS) {
        ss_status st = ss_error_set(SS_ERR_IO, "%s: cannot create the PDF: %s", path,
                                    cairo_status_to_string(cairo_surface_status(pdf)));
        cairo_surface_destroy(pdf);
        return st;
    }
    char title[400];
    snprintf(title, sizeof title, "SonoSpine assessment report: %s, %s", r->trainee, r->scenario_id);
    cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_CREATOR, "SonoSpine");
    cr = cairo_create(pdf);
    p = (ss__pdf){.cr = cr, .dry = false, .r = r, .pages = pages};
    ss__pdf_layout(&p);
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(pdf);
    if (cs == CAIRO_STATUS_SUCCESS) cs = cairo_surface_status(pdf);
    cairo_surface_destroy(pdf);
    if (cs != CAIRO_STATUS_SUCCESS)
        return ss_error_set(SS_ERR_IO, "%s: writing the PDF failed: %s", path, cairo_status_to_string(cs));
    return SS_OK;
}

ss_status ss_report_write(const ss_report *r, const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot && (!strcasecmp(dot, ".html") || !strcasecmp(dot, ".htm"))) return ss_report_write_html(r, path);
    if (dot && !strcasecmp(dot, ".pdf")) return ss_report_write_pdf(r, path);
    return ss_error_set(SS_ERR_INVALID, "%s: expected a file name ending in .html or .pdf", path);
}

void ss_report_release_caches(void)
{
    cairo_debug_reset_static_data();
}

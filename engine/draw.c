/* draw.c: see draw.h. */
#include "draw.h"

void ss_draw_font(cairo_t *cr, double size, bool bold)
{
    cairo_select_font_face(cr, SS_DRAW_FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

double ss_draw_text_width(cairo_t *cr, const char *s)
{
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    return e.x_advance;
}

void ss_draw_label(cairo_t *cr, double x, double y, const char *s, double size, int anchor, bool bold)
{
    ss_draw_font(cr, size, bold);
    double w = ss_draw_text_width(cr, s);
    double x0 = anchor < 0 ? x : anchor == 0 ? x - w / 2 : x - w;
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_rectangle(cr, x0 - 2, y - size, w + 4, size * 1.3);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_move_to(cr, x0, y);
    cairo_show_text(cr, s);
}

/* draw.h: the few cairo text helpers the report and the instructor preview share: one
 * font (DejaVu Sans, from fonts-dejavu-core), text width, and a label on a white box
 * for writing over images and drawings. Needs a cairo context; draws nothing else. */
#ifndef SS_DRAW_H
#define SS_DRAW_H

#include <cairo.h>
#include <stdbool.h>

#define SS_DRAW_FONT "DejaVu Sans"

void ss_draw_font(cairo_t *cr, double size, bool bold);
double ss_draw_text_width(cairo_t *cr, const char *s);
/* anchor: -1 left, 0 centre, 1 right of x; y is the baseline. */
void ss_draw_label(cairo_t *cr, double x, double y, const char *s, double size, int anchor, bool bold);

#endif

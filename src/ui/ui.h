/* ui.h: a small immediate-mode widget set for the trainer (panel, label, button,
 * slider, toggle, list, image), drawn with one GL 3.3 core shader pair
 * (shaders/ui.vert, shaders/ui.frag) and text from stb_truetype.
 *
 * Immediate mode: every frame the caller describes the widgets again between
 * ss_ui_begin() and ss_ui_end(); a widget call draws it and returns what the user did
 * to it this frame (clicked, value changed). Widgets are identified by the address or
 * label the caller passes, so nothing is retained but which widget holds the mouse.
 * Coordinates are logical window units (SDL window coordinates, y down); the renderer
 * scales to the drawable's pixels (high-DPI) and the fonts are rasterized at that
 * scale, so text stays sharp on a Retina-class display.
 *
 * A frame repaints only what changed since the one before (ss_ui_end), so a still
 * window costs building its list and one copy of the frame; an image says when its
 * pixels change with a stamp (ss_ui_image).
 *
 * What it does not do: windows, docking, text entry, layout beyond a row cursor, or
 * reading SDL events (the caller fills ss_ui_input). Needs a current GL >= 3.3 context.
 */
#ifndef SS_UI_H
#define SS_UI_H

#include <GL/glew.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

typedef struct ss_rect {
    float x, y, w, h;
} ss_rect;

/* Colours are 0xAABBGGRR (bytes r, g, b, a in memory order). */
typedef uint32_t ss_rgba;
#define SS_RGBA(r, g, b, a) ((ss_rgba)(r) | ((ss_rgba)(g) << 8) | ((ss_rgba)(b) << 16) | ((ss_rgba)(a) << 24))

typedef enum ss_ui_font { SS_FONT_SMALL, SS_FONT_BODY, SS_FONT_LARGE, SS_FONT_COUNT } ss_ui_font;

/* The theme (one place for colours). */
enum {
    SS_UI_BG = SS_RGBA(24, 26, 30, 255),
    SS_UI_PANEL = SS_RGBA(36, 39, 45, 255),
    SS_UI_PANEL_EDGE = SS_RGBA(62, 66, 75, 255),
    SS_UI_TEXT = SS_RGBA(228, 230, 235, 255),
    SS_UI_TEXT_DIM = SS_RGBA(150, 156, 168, 255),
    SS_UI_ACCENT = SS_RGBA(76, 154, 255, 255),
    SS_UI_WARN = SS_RGBA(255, 190, 70, 255),
    SS_UI_BAD = SS_RGBA(240, 90, 80, 255),
    SS_UI_GOOD = SS_RGBA(90, 210, 120, 255),
    SS_UI_WIDGET = SS_RGBA(52, 56, 64, 255),
    SS_UI_WIDGET_HOT = SS_RGBA(68, 73, 84, 255),
};

/* Mouse and keyboard state for one frame, filled by the caller from its events. */
typedef struct ss_ui_input {
    float mouse_x, mouse_y;
    bool mouse_down;          /* left button held */
    bool mouse_pressed;       /* went down this frame */
    bool mouse_released;      /* went up this frame */
    float wheel_y;            /* notches this frame, + = away from the user */
} ss_ui_input;

typedef struct ss_ui ss_ui;

/* Loads the TrueType font at font_path (DejaVu Sans), rasterizes the three sizes at
 * pixel_scale (drawable pixels per window unit) and compiles the shaders. A missing
 * font file fails with SS_ERR_IO naming the file and the package that provides it. */
ss_status ss_ui_create(const char *font_path, float pixel_scale, ss_ui **out);
void ss_ui_destroy(ss_ui *ui);

/* Starts a frame for a window of (w, h) units drawn into (fb_w, fb_h) pixels. */
void ss_ui_begin(ss_ui *ui, int w, int h, int fb_w, int fb_h, const ss_ui_input *in);
/* Draws the frame described since ss_ui_begin (blending on, depth test off) into the
 * window's framebuffer (0), background SS_UI_BG included: the caller does not clear it.
 * Only what changed is redrawn: the UI keeps the last frame in an offscreen buffer,
 * repaints there the tiles whose triangles, textures or texture stamps changed
 * (src/ui/damage.h), and copies the buffer to the window. */
void ss_ui_end(ss_ui *ui);
/* The last ss_ui_end's tiles repainted (SS_DAMAGE_TILE pixels square) and the frame's
 * tiles in all. */
void ss_ui_redraw_stats(const ss_ui *ui, int *tiles_redrawn, int *tiles);
/* all: every frame repainted whole, still through the offscreen copy (the trainer's
 * SONOSPINE_UI_REPAINT=all): what a frame built from the last must equal, and what the
 * repaint saves. */
void ss_ui_repaint_all(ss_ui *ui, bool all);

/* True when the mouse is over something the UI drew as interactive or as a panel
 * this frame (the caller should not also use the click), or a widget holds it. */
bool ss_ui_mouse_captured(const ss_ui *ui);
/* Marks a rectangle as belonging to the UI for ss_ui_mouse_captured (e.g. an overlay). */
void ss_ui_block(ss_ui *ui, ss_rect r);

/* ------------------------------------------------------------------ drawing */
void ss_ui_fill(ss_ui *ui, ss_rect r, ss_rgba c);
void ss_ui_frame(ss_ui *ui, ss_rect r, float thickness, ss_rgba c);
void ss_ui_line(ss_ui *ui, float x0, float y0, float x1, float y1, float thickness, ss_rgba c);
void ss_ui_triangle(ss_ui *ui, float x0, float y0, float x1, float y1, float x2, float y2, ss_rgba c);
/* Text at (x, y) = top-left of the line box; returns the advance width. UTF-8 (Latin-1 range). */
float ss_ui_text(ss_ui *ui, ss_ui_font f, float x, float y, ss_rgba c, const char *text);
float ss_ui_textf(ss_ui *ui, ss_ui_font f, float x, float y, ss_rgba c, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
float ss_ui_text_width(const ss_ui *ui, ss_ui_font f, const char *text);
float ss_ui_line_height(const ss_ui *ui, ss_ui_font f);
/* Text wrapped to width w; returns the height used. */
float ss_ui_text_wrapped(ss_ui *ui, ss_ui_font f, ss_rect r, ss_rgba c, const char *text);
/* A texture in r with texture coordinates (u0, v0)-(u1, v1). grey: an R8 texture
 * shown as grey levels; otherwise RGBA. stamp: the texture's content version; give a
 * new one whenever its pixels change (the UI redraws an image only when its texture,
 * stamp or place changed: the same stamp over new pixels leaves the old ones shown). */
void ss_ui_image(ss_ui *ui, ss_rect r, GLuint texture, uint32_t stamp, float u0, float v0, float u1, float v1,
                 bool grey);
/* Restricts drawing to r until ss_ui_clip_pop (no nesting beyond one level). */
void ss_ui_clip_push(ss_ui *ui, ss_rect r);
void ss_ui_clip_pop(ss_ui *ui);

/* ------------------------------------------------------------------ widgets */
/* A panel: background, edge and a title line; returns the content rectangle. */
ss_rect ss_ui_panel(ss_ui *ui, ss_rect r, const char *title);
void ss_ui_label(ss_ui *ui, ss_rect r, ss_rgba c, const char *text);
/* Returns true on the frame the button is clicked (released over it). */
bool ss_ui_button(ss_ui *ui, ss_rect r, const char *label);
/* Drag (or wheel over it) to change *v within [lo, hi] in steps of step (0: free);
 * fmt formats the value (printf, one double). Returns true when *v changed. */
bool ss_ui_slider(ss_ui *ui, ss_rect r, const char *label, float *v, float lo, float hi, float step, const char *fmt);
/* A vertical slider (TGC), no label. */
bool ss_ui_vslider(ss_ui *ui, ss_rect r, float *v, float lo, float hi);
/* A check box; returns true when toggled. A disabled toggle is drawn dim and ignores clicks. */
bool ss_ui_toggle(ss_ui *ui, ss_rect r, const char *label, bool *v, bool enabled);
/* A scrolling list of items; *selected is the chosen index (-1 none). Returns the
 * index clicked this frame or -1. *scroll keeps the scroll position (items). */
int ss_ui_list(ss_ui *ui, ss_rect r, const char *const *items, int n, int *selected, float *scroll);

/* Row layout: successive rectangles of height h down a column, with a gap. */
typedef struct ss_ui_rows {
    ss_rect area;
    float y, gap;
} ss_ui_rows;
ss_ui_rows ss_ui_rows_begin(ss_rect area, float gap);
ss_rect ss_ui_rows_next(ss_ui_rows *rows, float h);
/* Splits r into n equal columns with a gap; returns column i. */
ss_rect ss_ui_column(ss_rect r, int n, int i, float gap);

bool ss_ui_rect_contains(ss_rect r, float x, float y);

#endif

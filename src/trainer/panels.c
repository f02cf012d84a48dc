/* panels.c: the trainer window's panels (see trainer_app.h): what each draws from the
 * window's state; the loop in trainer.c calls them in order each frame. */
#define _POSIX_C_SOURCE 200809L
#include "trainer_app.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "coach.h"
#include "critical.h"
#include "metric_def.h"
#include "scan_convert.h"
#include "tissue.h"
#include "views.h"
#include "xray.h"

static void ss__fmt_time(char *out, size_t n, double s)
{
    if (s < 0) snprintf(out, n, "-");
    else snprintf(out, n, "%d:%02d", (int)(s / 60), (int)fmod(s, 60));
}

/* An event's time on the status strip's clock: operation time, from the first probe
 * contact (m:ss.s). */
static void ss__event_clock(const ss_tr_attempt *at, double t_s, char *out, size_t n)
{
    double s = fmax(0.0, t_s - (at->first_contact_t >= 0 ? at->first_contact_t : 0.0));
    snprintf(out, n, "%d:%04.1f", (int)(s / 60), fmod(s, 60));
}

/* Drawn in the colour for what went wrong: bone, a critical error, an injection outside
 * the CSF. */
static bool ss__event_bad(const ss_event *e)
{
    return e->type == SS_EV_BONE_CONTACT || ss_critical_of_event(e->type) >= 0 ||
           (e->type == SS_EV_INJECT && e->tissue != SS_TISSUE_CSF);
}

/* ------------------------------------------------------------------ layout */

void ss_tr_layout(ss_tr_app *a)
{
    float W = (float)a->w, H = (float)a->h;
    float top = SS__TOP_H, bottom = H - SS__STATUS_H;
    float cw = SS__CONTROLS_W;
    float avail = W - cw - 4 * SS__GAP;
    float bw = floorf(avail * 0.56f);
    a->r_bmode = (ss_rect){SS__GAP, top + SS__GAP, bw, bottom - top - 2 * SS__GAP};
    a->r_view3d = (ss_rect){2 * SS__GAP + bw, top + SS__GAP, avail - bw, bottom - top - 2 * SS__GAP};
    a->r_controls = (ss_rect){W - cw - SS__GAP, top + SS__GAP, cw, bottom - top - 2 * SS__GAP};
    a->r_status = (ss_rect){SS__GAP, bottom, W - 2 * SS__GAP, SS__STATUS_H - SS__GAP};
}

/* ------------------------------------------------------------------ drawing */

void ss_tr_draw_top(ss_tr_app *a)
{
    ss_ui *ui = a->ui;
    ss_rect r = {0, 0, (float)a->w, SS__TOP_H};
    ss_ui_fill(ui, r, SS_RGBA(30, 33, 38, 255));
    ss_ui_block(ui, r);
    float x = 10;
    x += ss_ui_text(ui, SS_FONT_BODY, x, 9, SS_UI_ACCENT, "SonoSpine") + 14;
    const char *mode = a->exam ? "EXAM" : a->landmark ? "LANDMARK ONLY" : "PRACTICE";
    ss_rect badge = {x, 7, ss_ui_text_width(ui, SS_FONT_SMALL, mode) + 16, 22};
    ss_ui_fill(ui, badge,
               a->exam ? SS_RGBA(150, 50, 45, 255) : a->landmark ? SS_RGBA(120, 80, 30, 255) : SS_RGBA(40, 110, 70, 255));
    ss_ui_text(ui, SS_FONT_SMALL, badge.x + 8, badge.y + 3, SS_UI_TEXT, mode);
    x += badge.w + 12;
    ss_ui_text(ui, SS_FONT_BODY, x, 9, SS_UI_TEXT, a->cs->scenario.title);
    float bx = (float)a->w - 8;
    const char *labels[3] = {a->at.ended ? "Results" : "End attempt", "Scenarios", "Help (?)"};
    for (int i = 0; i < 3; i++) {
        if (i == 1 && a->exam) continue; /* no scenario picker in an exam */
        float bwid = ss_ui_text_width(ui, SS_FONT_BODY, labels[i]) + 22;
        bx -= bwid;
        if (ss_ui_button(ui, (ss_rect){bx, 5, bwid, 26}, labels[i])) {
            if (i == 0 && !a->at.ended) ss_tr_push_key(SDLK_END, KMOD_NONE);
            else if (i == 0) a->results = true;
            if (i == 1) a->picker = !a->picker;
            if (i == 2) a->help = !a->help;
        }
        bx -= 6;
    }
    if (a->d.trainee) {
        char t[160];
        snprintf(t, sizeof t, "trainee %s", a->d.trainee);
        ss_ui_text(ui, SS_FONT_SMALL, bx - ss_ui_text_width(ui, SS_FONT_SMALL, t) - 10, 11, SS_UI_TEXT_DIM, t);
    }
}

/* Screen y of depth d (mm) along the central line in the image rectangle. */
static float ss__depth_y(const ss_probe *p, const ss_scan_geometry *g, ss_rect img, float d)
{
    float xy[2];
    ss_probe_point_mm(p, (float)(p->lines - 1) / 2.0f, d, xy);
    return img.y + (xy[1] - g->y0_mm) / (g->height * g->mm_per_px) * img.h;
}

static const char *ss__hint(ss_tr_app *a, const ss_sim_state *st);

/* The biopsy-guide line every scanner with a frame draws (issue 21): the frame's needle
 * path on the image, dotted, with a tick every centimetre along the needle from the face;
 * in practice mode the tip too, when it lies within the slice. Probe-frame millimetres
 * map to the image through its scan geometry, so the line sits on the picture shown
 * whatever its pose lag. */
#define SS__GUIDE_RGBA SS_RGBA(170, 240, 255, 255)
static void ss__draw_guide_path(ss_tr_app *a, const ss_sim_state *st, const ss_probe *p, const ss_scan_geometry *g,
                                ss_rect img)
{
    if (!st->guide_attached) return;
    ss_ui *ui = a->ui;
    float sx = img.w / ((float)g->width * g->mm_per_px), sy = img.h / ((float)g->height * g->mm_per_px);
    double e[2], d[2];
    ss_guide_path_probe(p, st->guide_angle_deg, e, d);
    for (double t = 0.0; e[1] + t * d[1] <= p->depth_mm; t += 1.5) {
        float x = (float)(e[0] + t * d[0]), y = (float)(e[1] + t * d[1]), line, sample;
        if (!ss_probe_line_sample_at(p, x, y, &line, &sample)) continue;
        float u = img.x + (x - g->x0_mm) * sx, v = img.y + (y - g->y0_mm) * sy;
        ss_ui_fill(ui, (ss_rect){u - 1, v - 1, 2, 2}, SS__GUIDE_RGBA);
    }
    for (int cm = 1; e[1] + 10.0 * cm * d[1] <= p->depth_mm; cm++) {
        float x = (float)(e[0] + 10.0 * cm * d[0]), y = (float)(e[1] + 10.0 * cm * d[1]), line, sample;
        if (!ss_probe_line_sample_at(p, x, y, &line, &sample)) continue;
        float u = img.x + (x - g->x0_mm) * sx, v = img.y + (y - g->y0_mm) * sy;
        /* perpendicular to the path, 5 px each side */
        float nx = (float)d[1] * 5.0f, ny = (float)-d[0] * 5.0f;
        ss_ui_line(ui, u - nx, v - ny, u + nx, v + ny, 1.5f, SS__GUIDE_RGBA);
    }
    if (a->exam || !st->needle_placed || !st->needle.in_body) return;
    double tip[3], q[3];
    ss_needle_tip_pos(&st->needle, tip);
    if (!ss_probe_pose_in_slice(p, &st->pose, tip, q)) return;
    float u = img.x + ((float)q[0] - g->x0_mm) * sx, v = img.y + ((float)q[1] - g->y0_mm) * sy;
    ss_ui_line(ui, u - 6, v, u + 6, v, 1.5f, SS_UI_WARN);
    ss_ui_line(ui, u, v - 6, u, v + 6, 1.5f, SS_UI_WARN);
}

void ss_tr_draw_bmode(ss_tr_app *a, const ss_sim_state *st)
{
    ss_ui *ui = a->ui;
    ss_rect c = ss_ui_panel(ui, a->r_bmode, a->landmark ? "PALPATION  (landmark-only: no ultrasound)" : "B-MODE");
    ss_scan_geometry g;
    ss_probe p;
    GLuint tex = ss_bmode_view_texture(a->bm, &g, &p);
    ss_rect room = {c.x + 34, c.y + 18, c.w - 34 - 40, c.h * 0.62f};
    a->r_image = (ss_rect){0, 0, 0, 0};
    if (a->landmark) {
        /* no image: what the hands have, in words; the marks are on the back in the 3D view */
        char text[900];
        snprintf(text, sizeof text,
                 "No ultrasound. Your fingers find the spinous processes (the purple marks on the back in the 3D "
                 "view) and Tuffier's line across the tops of the iliac crests (blue), which crosses the spine at "
                 "about L4. Count the interspaces from it, choose one (1-5 or the buttons), set how far the needle "
                 "tilts toward the head (, and .), press N to put the needle in at the palpated point (orange, "
                 "midline between the two spinous processes) and hold Space to advance. You will feel the pops and "
                 "the bone; you will not see the needle.\n\nChosen: %s, needle tilted %.0f deg toward the head.%s",
                 ss_level_name(a->level), a->landmark_tilt_deg,
                 st->needle_placed && st->needle.in_body ? "\nThe needle is in: Space advances, Backspace withdraws, "
                                                          "T takes the stylet out, I injects, X removes it."
                                                        : "");
        ss_ui_fill(ui, room, SS_RGBA(0, 0, 0, 255));
        ss_ui_text_wrapped(ui, SS_FONT_BODY, (ss_rect){room.x + 16, room.y + 16, room.w - 32, room.h - 32},
                           SS_UI_TEXT, text);
    } else if (!st->probe_on_skin) {
        ss_ui_fill(ui, room, SS_RGBA(0, 0, 0, 255));
        ss_ui_text_wrapped(ui, SS_FONT_BODY, (ss_rect){room.x + 20, room.y + room.h / 2 - 30, room.w - 40, 80},
                           SS_UI_TEXT_DIM,
                           a->exam ? "No contact. Press P to put the probe on the back (midline, over the sacrum), "
                                     "then find the interspace and the view by hand."
                                   : "No contact. Press P to put the probe on the back over the sacrum, or F2 for "
                                     "the near-spinous view at the chosen interspace (1-5).");
    } else if (tex) {
        float aspect = (float)g.width / (float)g.height;
        float w = room.w, h = w / aspect;
        if (h > room.h) {
            h = room.h;
            w = h * aspect;
        }
        ss_rect img = {room.x + (room.w - w) / 2, room.y, w, h};
        a->r_image = img;
        ss_ui_fill(ui, img, SS_RGBA(0, 0, 0, 255));
        ss_ui_image(ui, img, tex, a->image_version, 0, 0, 1, 1, true);
        /* anatomy overlay (practice, when the scenario allows; O): the outlines of bone,
           graft, hardware, flavum, sac, nerves and vessels from the frame's label map */
        GLuint otex = a->anatomy && a->aids_overlay ? ss_bmode_view_overlay_texture(a->bm) : 0;
        if (otex) {
            ss_ui_image(ui, img, otex, a->image_version, 0, 0, 1, 1, false);
            static const struct { int label; const char *name; } legend[] = {
                {SS_TISSUE_CORTICAL, "bone"}, {SS_TISSUE_GRAFT, "graft"}, {SS_TISSUE_TITANIUM, "rods/screws"},
                {SS_TISSUE_FLAVUM, "flavum"}, {SS_TISSUE_CSF, "sac"},     {SS_TISSUE_NERVE, "nerve"},
                {SS_TISSUE_VESSEL, "vessel"}};
            float lx = img.x + img.w - 84, ly = img.y + img.h - 16 * 7 - 6;
            for (size_t i = 0; i < sizeof legend / sizeof legend[0]; i++, ly += 16) {
                uint8_t col[4];
                ss_scan_outline_colour(legend[i].label, col);
                ss_ui_fill(ui, (ss_rect){lx, ly + 4, 10, 3}, SS_RGBA(col[0], col[1], col[2], 255));
                ss_ui_text(ui, SS_FONT_SMALL, lx + 14, ly - 3, SS_RGBA(col[0], col[1], col[2], 255), legend[i].name);
            }
        }
        ss__draw_guide_path(a, st, &p, &g, img);
        /* depth scale in cm on the left */
        float x0 = img.x - 4;
        for (int mm = 0; mm <= (int)p.depth_mm; mm += 10) {
            float y = ss__depth_y(&p, &g, img, (float)mm);
            bool major = mm % 50 == 0;
            ss_ui_line(ui, x0 - (major ? 10 : 6), y, x0, y, 1, SS_UI_TEXT_DIM);
            if (mm % 20 == 0 || major) {
                char lab[16];
                snprintf(lab, sizeof lab, "%d", mm / 10);
                ss_ui_text(ui, SS_FONT_SMALL, x0 - 14 - ss_ui_text_width(ui, SS_FONT_SMALL, lab), y - 8,
                           SS_UI_TEXT_DIM, lab);
            }
        }
        ss_ui_text(ui, SS_FONT_SMALL, x0 - 22, img.y - 18, SS_UI_TEXT_DIM, "cm");
        /* focus marker on the right */
        float fy = ss__depth_y(&p, &g, img, p.focal_depth_mm);
        float fx = img.x + img.w + 6;
        ss_ui_triangle(ui, fx, fy, fx + 10, fy - 6, fx + 10, fy + 6, SS_UI_WARN);
        ss_ui_text(ui, SS_FONT_SMALL, fx, fy + 7, SS_UI_TEXT_DIM, "F");
        /* orientation marker: the probe's marker end is the image's left */
        ss_ui_fill(ui, (ss_rect){img.x + 6, img.y + 6, 10, 10}, SS_UI_ACCENT);
        ss_ui_text(ui, SS_FONT_SMALL, img.x + 20, img.y + 3, SS_UI_TEXT_DIM, "marker");
        if (a->frozen) {
            ss_ui_frame(ui, img, 3, SS_UI_ACCENT);
            ss_ui_fill(ui, (ss_rect){img.x + img.w - 86, img.y + 6, 80, 24}, SS_UI_ACCENT);
            ss_ui_text(ui, SS_FONT_BODY, img.x + img.w - 78, img.y + 8, SS_UI_TEXT, "FROZEN");
        }
        char info[160];
        snprintf(info, sizeof info, "%.1f MHz   depth %.0f mm   gain %+.0f dB   DR %.0f dB", (double)p.freq_mhz,
                 (double)p.depth_mm, (double)a->gain_db, (double)a->dr_db);
        ss_ui_text(ui, SS_FONT_SMALL, img.x, img.y + img.h + 4, SS_UI_TEXT_DIM, info);
        room.h = img.h + 18;
    } else {
        ss_ui_fill(ui, room, SS_RGBA(0, 0, 0, 255));
        ss_ui_text(ui, SS_FONT_BODY, room.x + 20, room.y + room.h / 2, SS_UI_TEXT_DIM, "rendering the first image...");
    }
    /* hint line and refused-command message */
    ss_rect hr = {c.x, room.y + room.h + 10, c.w, 0};
    const char *hint = ss__hint(a, st);
    float y = hr.y;
    if (a->at.critical[0])
        y += ss_ui_text_wrapped(ui, SS_FONT_BODY, (ss_rect){hr.x, y, hr.w, 60}, SS_UI_BAD, a->at.critical) + 4;
    if (a->message[0] && ss_tr_now_ms() < a->message_until_ms)
        y += ss_ui_text_wrapped(ui, SS_FONT_BODY, (ss_rect){hr.x, y, hr.w, 40}, SS_UI_WARN, a->message) + 4;
    if (hint) y += ss_ui_text_wrapped(ui, SS_FONT_BODY, (ss_rect){hr.x, y, hr.w, 60}, SS_UI_GOOD, hint) + 4;
    /* the attempt so far: the latest events */
    y = fmaxf(y + 6, c.y + c.h - (float)SS__RECENT * (ss_ui_line_height(ui, SS_FONT_SMALL) + 2) - 20);
    ss_ui_text(ui, SS_FONT_SMALL, c.x, y, SS_UI_TEXT_DIM, "EVENTS");
    y += ss_ui_line_height(ui, SS_FONT_SMALL) + 4;
    for (int i = 0; i < a->at.nrecent && y < c.y + c.h - 12; i++) {
        const ss_event *e = &a->at.recent[i];
        char line[240], clock[24], what[200];
        ss__event_clock(&a->at, e->t_s, clock, sizeof clock);
        ss_event_details(e, what, sizeof what);
        snprintf(line, sizeof line, "%7s   %s%s", clock, ss_event_name(e->type), what);
        ss_rgba col = ss__event_bad(e)                                                   ? SS_UI_BAD
                      : e->type == SS_EV_CSF_OUTFLOW || e->type == SS_EV_INJECT ? SS_UI_GOOD
                                                                                : SS_UI_TEXT;
        ss_ui_text(ui, SS_FONT_SMALL, c.x, y, col, line);
        y += ss_ui_line_height(ui, SS_FONT_SMALL) + 2;
    }
}

/* The practice hint (engine/coach.c holds the rules). */
static const char *ss__hint(ss_tr_app *a, const ss_sim_state *st)
{
    static char buf[320];
    pthread_mutex_lock(&a->vis_mu);
    int canal = a->vis_valid ? (a->vis_at_pose >= 0.1) : -1;
    pthread_mutex_unlock(&a->vis_mu);
    ss_coach_input in = {.st = st, .probe = &a->sim_probe, .exam = a->exam, .hints = a->aids_hints,
                         .ended = a->at.ended, .advancing = a->at.advancing, .dura_popped = a->at.dura_popped,
                         .ncritical = a->at.ncritical, .canal_in_view = canal};
    return ss_coach_hint(&in, buf, sizeof buf);
}

void ss_tr_draw_view3d(ss_tr_app *a, const ss_sim_state *st)
{
    ss_ui *ui = a->ui;
    /* only the title strip and the edge: the GL view fills the inside (drawn before the UI) */
    ss_rect r = a->r_view3d;
    float top = 5 + ss_ui_line_height(ui, SS_FONT_SMALL) + 4;
    ss_ui_block(ui, (ss_rect){r.x, r.y, r.w, top});
    ss_ui_fill(ui, (ss_rect){r.x, r.y, r.w, top}, SS_UI_PANEL);
    ss_ui_frame(ui, r, 1, SS_UI_PANEL_EDGE);
    ss_ui_text(ui, SS_FONT_SMALL, r.x + 8, r.y + 5, SS_UI_TEXT_DIM,
               a->landmark ? "3D VIEW    palpation marks    middle/Alt-drag: orbit    Ctrl+wheel: zoom"
                           : "3D VIEW    drag: probe    middle/Alt-drag: orbit    Ctrl+wheel: zoom");
    (void)st;
}

/* The 3D view, rendered into its own texture when something visible changed, drawn
 * as an image under the panel's title strip. */
static void ss__controls_footer(ss_tr_app *a, ss_rect c);
static void ss__probe_controls(ss_tr_app *a, const ss_sim_state *st, ss_ui_rows *rows_io);

/* One button an interspace, the chosen one outlined: what the view keys (F1-F5) and, in
 * landmark-only mode, N work at. */
static void ss__level_buttons(ss_tr_app *a, ss_rect lr)
{
    for (int l = 0; l < SS_LEVEL_COUNT; l++) {
        ss_rect b = ss_ui_column(lr, SS_LEVEL_COUNT, l, 3);
        if (a->level == l) ss_ui_fill(a->ui, (ss_rect){b.x - 1, b.y - 1, b.w + 2, b.h + 2}, SS_UI_ACCENT);
        if (ss_ui_button(a->ui, b, ss_level_name(l))) a->level = l;
    }
}

void ss_tr_draw_controls(ss_tr_app *a, const ss_sim_state *st)
{
    ss_ui *ui = a->ui;
    ss_rect c = ss_ui_panel(ui, a->r_controls, "CONTROLS");
    ss_ui_rows rows = ss_ui_rows_begin(c, 5);
    ss_ui_text(ui, SS_FONT_SMALL, c.x, ss_ui_rows_next(&rows, 14).y, SS_UI_TEXT_DIM, "IMAGE");
    ss_ui_slider(ui, ss_ui_rows_next(&rows, 22), "Depth", &a->depth_mm, 40, 160, 5, "%.0f mm");
    ss_ui_slider(ui, ss_ui_rows_next(&rows, 22), "Frequency", &a->freq_mhz, 1, 8, 0.5f, "%.1f MHz");
    ss_ui_slider(ui, ss_ui_rows_next(&rows, 22), "Gain", &a->gain_db, -20, 30, 1, "%+.0f dB");
    ss_ui_slider(ui, ss_ui_rows_next(&rows, 22), "Dyn. range", &a->dr_db, 30, 90, 5, "%.0f dB");
    ss_rect tgc = ss_ui_rows_next(&rows, 70);
    ss_ui_text(ui, SS_FONT_BODY, tgc.x, tgc.y + 26, SS_UI_TEXT_DIM, "TGC");
    for (int i = 0; i < 8; i++) {
        float sw = (tgc.w * 0.58f) / 8;
        ss_rect s = {tgc.x + tgc.w * 0.42f + sw * (float)i + 2, tgc.y, sw - 4, tgc.h};
        ss_ui_vslider(ui, s, &a->tgc_db[i], -20, 20);
    }
    ss_rect row = ss_ui_rows_next(&rows, 24);
    ss_ui_toggle(ui, ss_ui_column(row, 2, 0, 6), "Freeze (F)", &a->frozen, true);
    if (ss_ui_button(ui, ss_ui_column(row, 2, 1, 6), "Screenshot")) {
        /* taken after the next frame is drawn */
        SDL_Event e;
        memset(&e, 0, sizeof e);
        e.type = SDL_KEYDOWN;
        e.key.keysym.sym = SDLK_F12;
        SDL_PushEvent(&e);
    }
    rows.y += 4;
    ss_ui_text(ui, SS_FONT_SMALL, c.x, ss_ui_rows_next(&rows, 14).y, SS_UI_TEXT_DIM, "3D VIEW");
    ss_ui_toggle(ui, ss_ui_rows_next(&rows, 22), "Skin see-through (H)", &a->skin_transparent, true);
    bool anat = a->anatomy && a->aids_overlay;
    if (ss_ui_toggle(ui, ss_ui_rows_next(&rows, 22),
                     a->aids_overlay ? "Anatomy overlay (O)" : "Anatomy overlay (not in this mode)", &anat,
                     a->aids_overlay))
        a->anatomy = anat;
    rows.y += 4;
    if (a->landmark) {
        ss_ui_text(ui, SS_FONT_SMALL, c.x, ss_ui_rows_next(&rows, 14).y, SS_UI_TEXT_DIM,
                   "PALPATION AND NEEDLE  (interspace: 1-5)");
        ss__level_buttons(a, ss_ui_rows_next(&rows, 24));
        row = ss_ui_rows_next(&rows, 26);
        char tilt[64];
        snprintf(tilt, sizeof tilt, "tilt %.0f deg", a->landmark_tilt_deg);
        ss_ui_text(ui, SS_FONT_BODY, ss_ui_column(row, 3, 0, 4).x, row.y + 3, SS_UI_TEXT, tilt);
        if (ss_ui_button(ui, ss_ui_column(row, 3, 1, 4), "- tilt (,)")) ss_tr_push_key(SDLK_COMMA, KMOD_NONE);
        if (ss_ui_button(ui, ss_ui_column(row, 3, 2, 4), "+ tilt (.)")) ss_tr_push_key(SDLK_PERIOD, KMOD_NONE);
        row = ss_ui_rows_next(&rows, 26);
        if (ss_ui_button(ui, row, "Needle in at the palpated point (N)")) ss_tr_push_key(SDLK_n, KMOD_NONE);
        row = ss_ui_rows_next(&rows, 26);
        if (ss_ui_button(ui, ss_ui_column(row, 2, 0, 6), st->stylet_in ? "Stylet out (T)" : "Stylet in (T)"))
            ss_tr_push_key(SDLK_t, KMOD_NONE);
        if (ss_ui_button(ui, ss_ui_column(row, 2, 1, 6), "Inject (I)")) ss_tr_push_key(SDLK_i, KMOD_NONE);
    } else {
        ss__probe_controls(a, st, &rows);
    }
    row = ss_ui_rows_next(&rows, 26);
    if (ss_ui_button(ui, ss_ui_column(row, 2, 0, 6), "Remove (X)")) ss_tr_push_key(SDLK_x, KMOD_NONE);
    if (ss_ui_button(ui, ss_ui_column(row, 2, 1, 6), "Call CT (C)")) ss_tr_push_key(SDLK_c, KMOD_NONE);
    ss_ui_text_wrapped(ui, SS_FONT_SMALL, ss_ui_rows_next(&rows, 30), SS_UI_TEXT_DIM,
                       "Advance: hold Space (Shift: faster). Withdraw: hold Backspace.");
    ss__controls_footer(a, c);
}

/* The guided technique's rows: interspace, views, planner, frame, needle. */
static void ss__probe_controls(ss_tr_app *a, const ss_sim_state *st, ss_ui_rows *rows_io)
{
    ss_ui *ui = a->ui;
    ss_ui_rows rows = *rows_io;
    ss_rect row;
    ss_ui_text(ui, SS_FONT_SMALL, rows.area.x, ss_ui_rows_next(&rows, 14).y, SS_UI_TEXT_DIM,
               a->exam ? "PROBE AND NEEDLE" : "PROBE AND NEEDLE  (interspace for F1-F5)");
    if (!a->exam) {
        ss__level_buttons(a, ss_ui_rows_next(&rows, 24));
        row = ss_ui_rows_next(&rows, 26);
        if (ss_ui_button(ui, ss_ui_column(row, 2, 0, 6), "Near-spinous (F2)")) ss_tr_push_key(SDLK_F2, KMOD_NONE);
        if (ss_ui_button(ui, ss_ui_column(row, 2, 1, 6), "Aim frame (Sh+G)")) ss_tr_push_key(SDLK_g, KMOD_LSHIFT);
        row = ss_ui_rows_next(&rows, 26);
        if (ss_ui_button(ui, row, "Slide to the planned path (Sh+P)")) ss_tr_push_key(SDLK_p, KMOD_LSHIFT);
    } else {
        row = ss_ui_rows_next(&rows, 26);
        if (ss_ui_button(ui, row, "Probe on the back (P)")) ss_tr_push_key(SDLK_p, KMOD_NONE);
    }
    row = ss_ui_rows_next(&rows, 26);
    char gl[64];
    snprintf(gl, sizeof gl, st->guide_attached ? "Detach (G)" : "Frame (G)");
    if (ss_ui_button(ui, ss_ui_column(row, 3, 0, 4), gl)) ss_tr_push_key(SDLK_g, KMOD_NONE);
    if (ss_ui_button(ui, ss_ui_column(row, 3, 1, 4), "- angle")) ss_tr_push_key(SDLK_COMMA, KMOD_NONE);
    if (ss_ui_button(ui, ss_ui_column(row, 3, 2, 4), "+ angle")) ss_tr_push_key(SDLK_PERIOD, KMOD_NONE);
    row = ss_ui_rows_next(&rows, 26);
    if (ss_ui_button(ui, ss_ui_column(row, 3, 0, 4), "Needle (N)")) ss_tr_push_key(SDLK_n, KMOD_NONE);
    if (ss_ui_button(ui, ss_ui_column(row, 3, 1, 4), st->stylet_in ? "Stylet out" : "Stylet in"))
        ss_tr_push_key(SDLK_t, KMOD_NONE);
    if (ss_ui_button(ui, ss_ui_column(row, 3, 2, 4), "Inject (I)")) ss_tr_push_key(SDLK_i, KMOD_NONE);
    *rows_io = rows;
}

/* The controls panel's last lines: the devices in use. */
static void ss__controls_footer(ss_tr_app *a, ss_rect c)
{
    ss_ui *ui = a->ui;
    float y = c.y + c.h - 2 * ss_ui_line_height(ui, SS_FONT_SMALL);
    char dev[200];
    snprintf(dev, sizeof dev, "B-mode: %s", ss_bmode_view_backend(a->bm));
    ss_ui_text(ui, SS_FONT_SMALL, c.x, y, SS_UI_TEXT_DIM, dev);
    snprintf(dev, sizeof dev, "Force feedback: %s", a->haptic_found ? a->haptic_name : "no device");
    ss_ui_text(ui, SS_FONT_SMALL, c.x, y + ss_ui_line_height(ui, SS_FONT_SMALL), SS_UI_TEXT_DIM, dev);
}

static void ss__status_item(ss_tr_app *a, float *x, float y, const char *label, const char *value, ss_rgba c)
{
    ss_ui_text(a->ui, SS_FONT_SMALL, *x, y, SS_UI_TEXT_DIM, label);
    float w1 = ss_ui_text_width(a->ui, SS_FONT_SMALL, label);
    float w2 = ss_ui_text(a->ui, SS_FONT_BODY, *x, y + 16, c, value);
    *x += fmaxf(w1, w2) + 22;
}

void ss_tr_draw_status(ss_tr_app *a, const ss_sim_state *st)
{
    ss_ui *ui = a->ui;
    ss_rect r = a->r_status;
    ss_ui_block(ui, r);
    ss_ui_fill(ui, r, SS_UI_PANEL);
    ss_ui_frame(ui, r, 1, SS_UI_PANEL_EDGE);
    ss_tr_attempt *at = &a->at;
    float x = r.x + 10, y = r.y + 6;
    char v[160];
    double now = st->t_s;
    /* from the first probe contact (the paper's pre-procedure scan), as the metrics count
       it; a landmark-only attempt has no probe: from its start, as the metrics do then */
    double from = at->first_contact_t >= 0 ? at->first_contact_t : a->landmark ? 0.0 : -1.0;
    ss__fmt_time(v, sizeof v, from < 0 ? -1 : at->graded ? at->m.operation_time_s : now - from);
    ss__status_item(a, &x, y, "Operation time", v, SS_UI_TEXT);
    if (at->first_skin_t < 0) snprintf(v, sizeof v, "-");
    else if (at->csf_t >= 0) ss__fmt_time(v, sizeof v, at->csf_t - at->first_skin_t);
    else if (at->ended) snprintf(v, sizeof v, "- (no CSF)");
    else {
        ss__fmt_time(v, sizeof v, now - at->first_skin_t);
        strncat(v, " (running)", sizeof v - strlen(v) - 1);
    }
    ss__status_item(a, &x, y, "Puncture time", v, at->csf_t >= 0 ? SS_UI_GOOD : SS_UI_TEXT);
    snprintf(v, sizeof v, "%d", at->insertions);
    ss__status_item(a, &x, y, "Insertions", v, SS_UI_TEXT);
    int level = at->level >= 0 ? at->level : st->view_level;
    ss__status_item(a, &x, y, "Level", level >= 0 ? ss_level_name(level) : "-", SS_UI_TEXT);
    if (st->needle_placed && st->needle.in_body)
        snprintf(v, sizeof v, "%.1f mm, %.1f N, %s", st->needle.record_depth_mm - st->needle.entry_depth_mm,
                 ss_needle_force_n(&st->needle), st->stylet_in ? "stylet in" : "stylet out");
    else snprintf(v, sizeof v, "%s", st->needle_placed ? "on the skin line" : "-");
    ss__status_item(a, &x, y, "Needle depth, force", v, SS_UI_TEXT);
    if (a->landmark) {
        snprintf(v, sizeof v, "%.0f deg toward the head", a->landmark_tilt_deg);
        ss__status_item(a, &x, y, "Needle tilt", v, SS_UI_TEXT);
    } else {
        if (st->guide_attached) snprintf(v, sizeof v, "%.0f deg", st->guide_angle_deg);
        else snprintf(v, sizeof v, "off (set %.0f deg)", ss_input_mk_guide_angle(a->mk));
        ss__status_item(a, &x, y, "Frame", v, SS_UI_TEXT);
    }
    if (at->have_last) {
        const ss_event *e = &at->last;
        char clock[24];
        ss__event_clock(at, e->t_s, clock, sizeof clock);
        snprintf(v, sizeof v, "%s%s%s  %s", ss_event_name(e->type), e->tissue >= 0 ? " " : "",
                 e->tissue >= 0 ? ss_tissue_get(e->tissue)->label : "", clock);
    } else snprintf(v, sizeof v, "-");
    ss_rgba ec = SS_UI_TEXT;
    if (at->have_last && (at->last.type == SS_EV_CSF_OUTFLOW ||
                          (at->last.type == SS_EV_INJECT && at->last.tissue == SS_TISSUE_CSF)))
        ec = SS_UI_GOOD;
    if (at->have_last && ss__event_bad(&at->last)) ec = SS_UI_BAD;
    ss__status_item(a, &x, y, "Last event", v, ec);
    double limit = a->cs->scenario.task.time_limit_s;
    if (limit > 0 && a->exam) {
        ss__fmt_time(v, sizeof v, fmax(0, limit - now));
        ss__status_item(a, &x, y, "Time left", v, limit - now < 60 ? SS_UI_WARN : SS_UI_TEXT);
    }
    if (a->d.speed != 1.0) {
        snprintf(v, sizeof v, "x%.1f", a->d.speed);
        ss__status_item(a, &x, y, "Speed", v, SS_UI_TEXT_DIM);
    }
}

static ss_rect ss__centered(const ss_tr_app *a, float w, float h)
{
    w = fminf(w, (float)a->w - 20);
    h = fminf(h, (float)a->h - 20);
    return (ss_rect){((float)a->w - w) / 2, ((float)a->h - h) / 2, w, h};
}

static void ss__dim(ss_tr_app *a)
{
    ss_rect all = {0, 0, (float)a->w, (float)a->h};
    ss_ui_fill(a->ui, all, SS_RGBA(0, 0, 0, 150));
    ss_ui_block(a->ui, all);
}

void ss_tr_draw_help(ss_tr_app *a)
{
    ss_ui *ui = a->ui;
    ss__dim(a);
    ss_rect r = ss__centered(a, 1060, 700);
    ss_rect c = ss_ui_panel(ui, r, "CONTROLS  (? or Esc closes)");
    float lh = ss_ui_line_height(ui, SS_FONT_SMALL) + 3;
    ss_rect col[2] = {ss_ui_column(c, 2, 0, 24), ss_ui_column(c, 2, 1, 24)};
    int n;
    const ss_input_binding *b = ss_input_mk_bindings(&n);
    float y = col[0].y;
    ss_ui_text(ui, SS_FONT_BODY, col[0].x, y, SS_UI_ACCENT, "Mouse and keyboard: probe and needle");
    y += lh + 6;
    for (int i = 0; i < n; i++) {
        bool off = b[i].aids_only && (a->exam || !a->aids_hints);
        ss_rgba cl = off ? SS_UI_TEXT_DIM : SS_UI_TEXT;
        ss_ui_text(ui, SS_FONT_SMALL, col[0].x, y, off ? SS_UI_TEXT_DIM : SS_UI_WARN, b[i].keys);
        char act[256];
        snprintf(act, sizeof act, "%s%s", b[i].action, b[i].aids_only ? "  (practice)" : "");
        y += ss_ui_text_wrapped(ui, SS_FONT_SMALL, (ss_rect){col[0].x + 200, y, col[0].w - 200, 60}, cl, act);
        if (y > col[0].y + col[0].h - lh) break;
    }
    static const char *app_keys[][2] = {
        {"? ", "this list"},
        {"PageUp / PageDown", "image depth - / +"},
        {"- / =", "gain - / +"},
        {"9 / 0", "frequency - / +"},
        {"[ / ]", "dynamic range - / +"},
        {"F", "freeze / unfreeze the image"},
        {"H", "skin see-through in the 3D view"},
        {"O", "anatomy overlay: 3D view and outlines on the B-mode (practice, when allowed)"},
        {"V", "reset the 3D camera"},
        {"Middle-drag, Alt+drag", "orbit the 3D camera; Ctrl+wheel zooms"},
        {"Tab", "scenario picker (practice)"},
        {"F12 / Ctrl+S", "screenshot of the window (PNG in the current folder)"},
        {"Esc", "close this list / the picker"},
        {"Ctrl+Q", "quit (the attempt is ended and logged)"},
    };
    y = col[1].y;
    ss_ui_text(ui, SS_FONT_BODY, col[1].x, y, SS_UI_ACCENT, "Keyboard: image and window");
    y += lh + 6;
    for (size_t i = 0; i < sizeof app_keys / sizeof app_keys[0]; i++) {
        ss_ui_text(ui, SS_FONT_SMALL, col[1].x, y, SS_UI_WARN, app_keys[i][0]);
        ss_ui_text(ui, SS_FONT_SMALL, col[1].x + 170, y, SS_UI_TEXT, app_keys[i][1]);
        y += lh;
    }
    y += 10;
    ss_ui_text(ui, SS_FONT_BODY, col[1].x, y, SS_UI_ACCENT, "Game controller");
    y += lh + 6;
    const ss_input_binding *gb = ss_input_gamepad_bindings(&n);
    for (int i = 0; i < n; i++) {
        ss_ui_text(ui, SS_FONT_SMALL, col[1].x, y, SS_UI_WARN, gb[i].keys);
        ss_ui_text(ui, SS_FONT_SMALL, col[1].x + 170, y, SS_UI_TEXT, gb[i].action);
        y += lh;
    }
}

void ss_tr_draw_picker(ss_tr_app *a)
{
    ss_ui *ui = a->ui;
    ss__dim(a);
    ss_rect r = ss__centered(a, 900, 560);
    ss_rect c = ss_ui_panel(ui, r, "CHOOSE A SCENARIO  (Tab or Esc closes)");
    const char *items[SS__MAX_SCENARIOS];
    for (int i = 0; i < a->nscenarios; i++) items[i] = a->scenarios[i].label;
    ss_rect list = {c.x, c.y, c.w * 0.5f, c.h - 40};
    int clicked = ss_ui_list(ui, list, items, a->nscenarios, &a->picked, &a->picker_scroll);
    (void)clicked;
    if (a->picked >= 0 && a->picked < a->nscenarios) {
        ss_rect dr = {c.x + c.w * 0.5f + 12, c.y, c.w * 0.5f - 12, c.h - 40};
        ss_ui_text_wrapped(ui, SS_FONT_BODY, dr, SS_UI_TEXT, a->scenarios[a->picked].description);
    }
    ss_rect row = {c.x, c.y + c.h - 30, c.w, 30};
    if (ss_ui_button(ui, ss_ui_column(row, 4, 2, 8), "Start") && a->picked >= 0 && a->picked < a->nscenarios) {
        a->picker = false;
        ss_tr_switch_case(a, a->scenarios[a->picked].path);
    }
    if (ss_ui_button(ui, ss_ui_column(row, 4, 3, 8), "Cancel")) a->picker = false;
}

/* The case's two radiographs as textures (made once a case; ss_tr_prep_free). */
static void ss__xray_textures(ss_tr_app *a)
{
    if (a->xray_tex[0] || !a->cs->spine) return;
    ss_surgical_record(&a->cs->scenario.patient, a->surgical_record, sizeof a->surgical_record);
    for (int i = 0; i < 2; i++) {
        ss_xray x;
        memset(&x, 0, sizeof x);
        if (ss_xray_make(a->cs->spine, i ? SS_XRAY_LATERAL : SS_XRAY_AP, 0.5f, &x) != SS_OK) {
            snprintf(a->message, sizeof a->message, "radiograph: %s", ss_error_message());
            return;
        }
        glGenTextures(1, &a->xray_tex[i]);
        glBindTexture(GL_TEXTURE_2D, a->xray_tex[i]);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
        glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
        glTexImage2D(GL_TEXTURE_2D, 0, GL_R8, x.image.width, x.image.height, 0, GL_RED, GL_UNSIGNED_BYTE,
                     x.image.pixels);
        a->xray_stamp++; /* a new film, perhaps under a texture name a freed one had */
        a->xray_w[i] = x.image.width;
        a->xray_h[i] = x.image.height;
        ss_xray_free(&x);
    }
}

void ss_tr_prep_free(ss_tr_app *a)
{
    for (int i = 0; i < 2; i++)
        if (a->xray_tex[i]) glDeleteTextures(1, &a->xray_tex[i]);
    memset(a->xray_tex, 0, sizeof a->xray_tex);
}

/* An image fitted inside r, aspect kept; returns where it went (empty without one). */
static ss_rect ss__fit_image(ss_ui *ui, ss_rect r, GLuint tex, uint32_t stamp, int w, int h)
{
    if (!tex || w <= 0 || h <= 0) return (ss_rect){0, 0, 0, 0};
    float s = fminf(r.w / (float)w, r.h / (float)h);
    ss_rect f = {r.x + (r.w - s * (float)w) / 2, r.y, s * (float)w, s * (float)h};
    ss_ui_image(ui, f, tex, stamp, 0, 0, 1, 1, true);
    return f;
}

/* The Cobb angle measured on the AP film as a reader does it: a click places a point (in
 * film pixels), two points make the upper end vertebra's endplate line, two more the lower
 * one's; a fifth click starts again. With both lines the angle between them
 * (ss_cobb_from_lines) is the trainee's reading. */
static void ss__cobb_lines(ss_tr_app *a, ss_rect f)
{
    ss_ui *ui = a->ui;
    if (f.w <= 0) return;
    float sx = f.w / (float)a->xray_w[0], sy = f.h / (float)a->xray_h[0];
    float mx = a->uin.mouse_x, my = a->uin.mouse_y;
    if (a->uin.mouse_pressed && mx >= f.x && mx < f.x + f.w && my >= f.y && my < f.y + f.h) {
        if (a->ncobb_pts == 4) a->ncobb_pts = 0;
        a->cobb_pts[a->ncobb_pts][0] = (mx - f.x) / sx;
        a->cobb_pts[a->ncobb_pts][1] = (my - f.y) / sy;
        a->ncobb_pts++;
        if (a->ncobb_pts == 4) {
            double deg = ss_cobb_from_lines((const double(*)[2])a->cobb_pts);
            if (isfinite(deg)) {
                a->prep_cobb = (float)deg;
                a->prep_in.cobb_deg = round(deg);
            }
        }
    }
    for (int i = 0; i < a->ncobb_pts; i++) {
        float x = f.x + (float)a->cobb_pts[i][0] * sx, y = f.y + (float)a->cobb_pts[i][1] * sy;
        ss_ui_fill(ui, (ss_rect){x - 3, y - 3, 6, 6}, SS_UI_WARN);
        if (i % 2 == 1) {
            /* the line drawn on through its two points, as a reader extends it across the film */
            float x0 = f.x + (float)a->cobb_pts[i - 1][0] * sx, y0 = f.y + (float)a->cobb_pts[i - 1][1] * sy;
            float dx = x - x0, dy = y - y0, l = sqrtf(dx * dx + dy * dy);
            if (l > 0) {
                dx /= l;
                dy /= l;
                ss_ui_line(ui, x0 - dx * f.w * 0.25f, y0 - dy * f.w * 0.25f, x + dx * f.w * 0.25f,
                           y + dy * f.w * 0.25f, 2, SS_UI_WARN);
            }
        }
    }
}

/* The pre-procedure stage (the paper's "Preparation before intrathecal injections"): the
 * radiographs and the surgical record to read; the Cobb angle, the Nash-Moe grade and the
 * interspace to choose; the checklist. "Begin the scan" issues what was decided as the
 * stage's commands (logged, replayed, graded like a script's: preparation.h); "Skip"
 * issues nothing (the attempt then has no preparation stage). */
void ss_tr_draw_prep(ss_tr_app *a)
{
    ss_ui *ui = a->ui;
    ss__xray_textures(a);
    ss__dim(a);
    ss_rect r = ss__centered(a, 1180, 720);
    ss_rect c = ss_ui_panel(ui, r, "BEFORE THE SCAN: RADIOGRAPHS, SURGICAL RECORD, CHECKLIST");
    float iw = c.w * 0.62f;
    ss_rect ap = {c.x, c.y + 18, iw * 0.5f - 6, c.h - 18 - 70};
    ss_rect lat = {c.x + iw * 0.5f + 6, c.y + 18, iw * 0.5f - 6, c.h - 18 - 70};
    ss_ui_text(ui, SS_FONT_SMALL, ap.x, c.y, SS_UI_TEXT_DIM, "Anteroposterior (patient's right on the left)");
    ss_ui_text(ui, SS_FONT_SMALL, lat.x, c.y, SS_UI_TEXT_DIM, "Lateral (anterior on the left)");
    ss_rect apf = ss__fit_image(ui, ap, a->xray_tex[0], a->xray_stamp, a->xray_w[0], a->xray_h[0]);
    ss__fit_image(ui, lat, a->xray_tex[1], a->xray_stamp, a->xray_w[1], a->xray_h[1]);
    a->r_film = apf;
    ss__cobb_lines(a, apf);
    ss_rect rec = {c.x, c.y + c.h - 64, iw, 60};
    ss_ui_text_wrapped(ui, SS_FONT_SMALL, rec, SS_UI_TEXT, a->surgical_record[0] ? a->surgical_record : "");

    ss_rect side = {c.x + iw + 16, c.y, c.w - iw - 16, c.h};
    ss_ui_rows rows = ss_ui_rows_begin(side, 6);
    ss_ui_text(ui, SS_FONT_SMALL, side.x, ss_ui_rows_next(&rows, 14).y, SS_UI_TEXT_DIM,
               "THE FILMS (measure on the AP film)");
    static const char *const steps[] = {
        "Click two points along the upper endplate of the upper end vertebra (the most tilted at the top of "
        "the curve).",
        "And a second point on that endplate.",
        "Now two points along the lower endplate of the lower end vertebra (the top of the sacrum if the curve "
        "ends there).",
        "And a second point on that endplate.",
        "The angle between the lines is your Cobb angle (a click starts again; the slider adjusts it)."};
    ss_ui_text_wrapped(ui, SS_FONT_SMALL, ss_ui_rows_next(&rows, 30), SS_UI_TEXT, steps[a->ncobb_pts]);
    /* the angle counts as read once measured with the lines or the slider has been moved */
    if (ss_ui_slider(ui, ss_ui_rows_next(&rows, 22), "Cobb angle", &a->prep_cobb, 0, 100, 1, "%.0f deg"))
        a->prep_in.cobb_deg = round(a->prep_cobb);
    ss_ui_text(ui, SS_FONT_SMALL, side.x, ss_ui_rows_next(&rows, 14).y, SS_UI_TEXT_DIM,
               "Apical rotation, Nash-Moe (pedicle position)");
    ss_rect nm = ss_ui_rows_next(&rows, 24);
    for (int g = 0; g <= 4; g++) {
        ss_rect b = ss_ui_column(nm, 5, g, 3);
        if (a->prep_in.nash_moe == g) ss_ui_fill(ui, (ss_rect){b.x - 1, b.y - 1, b.w + 2, b.h + 2}, SS_UI_ACCENT);
        if (ss_ui_button(ui, b, ss_nash_moe_name(g))) a->prep_in.nash_moe = g;
    }
    rows.y += 4;
    ss_ui_text(ui, SS_FONT_SMALL, side.x, ss_ui_rows_next(&rows, 14).y, SS_UI_TEXT_DIM,
               "Interspace for the puncture");
    ss_rect lv = ss_ui_rows_next(&rows, 24);
    for (int l = 0; l < SS_LEVEL_COUNT; l++) {
        ss_rect b = ss_ui_column(lv, SS_LEVEL_COUNT, l, 3);
        if (a->prep_in.level == l) ss_ui_fill(ui, (ss_rect){b.x - 1, b.y - 1, b.w + 2, b.h + 2}, SS_UI_ACCENT);
        if (ss_ui_button(ui, b, ss_level_name(l))) a->prep_in.level = l;
    }
    rows.y += 4;
    ss_ui_text(ui, SS_FONT_SMALL, side.x, ss_ui_rows_next(&rows, 14).y, SS_UI_TEXT_DIM, "CHECKLIST");
    static const char *const labels[SS_CHECK_COUNT] = {
        "Consent signed", "Coagulation checked", "No infection at the site", "Allergies asked (lidocaine, iodine)",
        "Left lateral, hips and knees flexed", "Sterile probe cover", "Iodophor as couplant",
        "2 % lidocaine at the puncture point"};
    for (int i = 0; i < SS_CHECK_COUNT; i++) {
        bool on = (a->prep_in.checked >> i) & 1u;
        if (ss_ui_toggle(ui, ss_ui_rows_next(&rows, 22), labels[i], &on, true))
            a->prep_in.checked = on ? a->prep_in.checked | (1u << i) : a->prep_in.checked & ~(1u << i);
    }
    ss_rect row = {side.x, c.y + c.h - 30, side.w, 28};
    if (ss_ui_button(ui, ss_ui_column(row, 2, 0, 8), "Begin the scan")) {
        ss_script_cmd cmds[3 + SS_CHECK_COUNT];
        int n = ss_script_prep_commands(&a->prep_in, 0.0, cmds, (int)(sizeof cmds / sizeof cmds[0]));
        for (int i = 0; i < n; i++) ss_tr_issue(a, &cmds[i]);
        if (a->prep_in.level >= 0) a->level = a->prep_in.level;
        a->prep = false;
    }
    if (ss_ui_button(ui, ss_ui_column(row, 2, 1, 8), "Skip")) a->prep = false;
}

static void ss__metric_row(ss_tr_app *a, float x, float *y, float w, const char *label, const char *value)
{
    ss_ui_text(a->ui, SS_FONT_BODY, x, *y, SS_UI_TEXT_DIM, label);
    ss_ui_text(a->ui, SS_FONT_BODY, x + w * 0.55f, *y, SS_UI_TEXT, value);
    *y += ss_ui_line_height(a->ui, SS_FONT_BODY) + 3;
}

/* A titled list of the grade's strengths or weaknesses; returns the y below it. */
static float ss__grade_notes(ss_ui *ui, ss_rect area, float y, ss_rgba colour, const char *title,
                             const char (*notes)[SS_GRADE_NOTE_CHARS], int n)
{
    if (n <= 0) return y;
    ss_ui_text(ui, SS_FONT_BODY, area.x, y, colour, title);
    y += ss_ui_line_height(ui, SS_FONT_BODY) + 2;
    for (int i = 0; i < n; i++)
        y += ss_ui_text_wrapped(ui, SS_FONT_BODY, (ss_rect){area.x + 10, y, area.w - 10, 80}, SS_UI_TEXT, notes[i]) + 4;
    return y + 8;
}

void ss_tr_draw_results(ss_tr_app *a)
{
    ss_ui *ui = a->ui;
    ss__dim(a);
    const ss_metrics *m = &a->at.m;
    const ss_grade *g = &a->at.g;
    ss_rect r = ss__centered(a, 940, 540);
    ss_rect c = ss_ui_panel(ui, r, "RESULTS OF THE ATTEMPT");
    char v[256];
    snprintf(v, sizeof v, "%s   %.0f / 100", g->pass ? "PASS" : "FAIL", g->score);
    ss_ui_text(ui, SS_FONT_LARGE, c.x, c.y, g->pass ? SS_UI_GOOD : SS_UI_BAD, v);
    float y = c.y + ss_ui_line_height(ui, SS_FONT_LARGE) + 2;
    y += ss_ui_text_wrapped(ui, SS_FONT_BODY, (ss_rect){c.x, y, c.w, 40}, SS_UI_TEXT_DIM, g->pass_reason) + 8;
    ss_rect left = {c.x, y, c.w * 0.5f - 10, c.y + c.h - y - 40}, right = {c.x + c.w * 0.5f + 10, y, c.w * 0.5f - 10, left.h};
    float ly = left.y;
    ss__metric_row(a, left.x, &ly, left.w, "Drug in the CSF", m->success ? "yes" : "no");
    if (m->level >= 0) ss__metric_row(a, left.x, &ly, left.w, "Level reached", ss_level_name(m->level));
    if (m->view >= 0) ss__metric_row(a, left.x, &ly, left.w, "View", ss_view_name((ss_view)m->view));
    snprintf(v, sizeof v, "%d", m->insertions);
    ss__metric_row(a, left.x, &ly, left.w, "Insertions (skin entries)", v);
    snprintf(v, sizeof v, "%d", m->interspaces_tried);
    ss__metric_row(a, left.x, &ly, left.w, "Interspaces tried", v);
    snprintf(v, sizeof v, "%d", m->redirections);
    ss__metric_row(a, left.x, &ly, left.w, "Redirections", v);
    ss__fmt_time(v, sizeof v, m->operation_time_s);
    ss__metric_row(a, left.x, &ly, left.w, "Operation time", v);
    if (m->puncture_time_s == m->puncture_time_s) {
        ss__fmt_time(v, sizeof v, m->puncture_time_s);
        ss__metric_row(a, left.x, &ly, left.w, "Puncture time (skin to CSF)", v);
    }
    snprintf(v, sizeof v, "%d / %d / %d", m->bone_contacts, m->nerve_contacts, m->vessel_punctures);
    ss__metric_row(a, left.x, &ly, left.w, "Bone / nerve / vessel contacts", v);
    snprintf(v, sizeof v, "%d", m->dural_punctures);
    ss__metric_row(a, left.x, &ly, left.w, "Dural punctures", v);
    if (m->insertions > 0) {
        if (m->tip_visible_pct == m->tip_visible_pct) snprintf(v, sizeof v, "%.0f %%", m->tip_visible_pct);
        else snprintf(v, sizeof v, "no advance");
        ss__metric_row(a, left.x, &ly, left.w, "Advance with the tip visible", v);
        snprintf(v, sizeof v, "%.0f mm", m->path_in_tissue_mm);
        ss__metric_row(a, left.x, &ly, left.w, "Needle path in tissue", v);
    }
    ss__metric_row(a, left.x, &ly, left.w, "CT called", m->ct_called ? "yes" : "no");
    ss__metric_row(a, left.x, &ly, left.w, "Protocol followed", m->protocol_followed ? "yes" : "no");
    if (!m->protocol_followed && m->protocol_note[0])
        ly += ss_ui_text_wrapped(ui, SS_FONT_SMALL, (ss_rect){left.x, ly, left.w, 40}, SS_UI_TEXT_DIM, m->protocol_note);
    float ry = right.y;
    ry = ss__grade_notes(ui, right, ry, SS_UI_GOOD, "Strengths", g->strengths, g->nstrengths);
    ry = ss__grade_notes(ui, right, ry, SS_UI_WARN, "To work on", g->weaknesses, g->nweaknesses);
    if (g->nitems > 0) {
        ss_ui_text(ui, SS_FONT_BODY, right.x, ry, SS_UI_TEXT_DIM, "Rubric");
        ry += ss_ui_line_height(ui, SS_FONT_BODY) + 2;
        for (int i = 0; i < g->nitems && ry < right.y + right.h - 16; i++) {
            const ss_grade_item *it = &g->items[i];
            const ss_metric_def *d = ss_metric_find(it->metric);
            snprintf(v, sizeof v, "%s: %s", it->met ? "met" : "not met", d ? d->label : it->metric);
            ss_ui_text(ui, SS_FONT_SMALL, right.x + 10, ry, it->met ? SS_UI_GOOD : SS_UI_WARN, v);
            ry += ss_ui_line_height(ui, SS_FONT_SMALL) + 2;
        }
    }
    ss_rect row = {c.x, c.y + c.h - 30, c.w, 30};
    if (ss_ui_button(ui, ss_ui_column(row, 4, 0, 8), "Close (look at the image)")) a->results = false;
    if (!a->exam && ss_ui_button(ui, ss_ui_column(row, 4, 1, 8), "Try again")) {
        ss_tr_attempt_free(a);
        ss_tr_attempt_begin(a);
    }
    if (!a->exam && ss_ui_button(ui, ss_ui_column(row, 4, 2, 8), "Other scenario")) a->picker = true;
    if (ss_ui_button(ui, ss_ui_column(row, 4, 3, 8), "Quit")) a->quit = true;
}

/* ------------------------------------------------------------------ input */


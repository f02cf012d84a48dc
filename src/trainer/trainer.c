/* trainer.c: see trainer.h. One loop: SDL events -> UI state and input devices;
 * simulation ticks due (real time x speed) each preceded by a poll of the devices;
 * B-mode request; draw (3D view, B-mode panel, controls, status, overlays); present;
 * frame time recorded. The attempt is an ss_session: its log gets every command. */
#define _POSIX_C_SOURCE 200809L
#include "trainer.h"

#include <GL/glew.h>
#include <SDL2/SDL.h>
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

#include <stb_image_write.h>

#include "bmode_view.h"
#include "cli_case.h"
#include "coach.h"
#include "critical.h"
#include "metric_def.h"
#include "frame_stats.h"
#include "input/input.h"
#include "paths.h"
#include "platform/gl_context.h"
#include "session.h"
#include "spine_world.h"
#include "tissue.h"
#include "ui/ui.h"
#include "view3d.h"
#include "views.h"

#define SS__DEFAULT_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
/* the live picture: 256 lines, a scanner's line density; 512 samples for the 480 px panel */
#define SS__LINES 256
#define SS__SAMPLES 512
#define SS__IMAGE_PX 480
#define SS__MAX_EVENTS_FRAME 64
#define SS__MAX_SCENARIOS 64
#define SS__RECENT 10
#define SS__TOP_H 36.0f
#define SS__STATUS_H 58.0f
#define SS__CONTROLS_W 272.0f
#define SS__GAP 6.0f
#define SS__MIN_FRAME_MS 16.0
/* software GL: the window at ~31 fps leaves the cores it shares with the live B-mode to
   the renderer (measured: B-mode 21.6 -> 23.6-24.1 Hz, docs/controls.md "Frame rate") */
#define SS__MIN_FRAME_MS_SOFT 32.0
#define SS__VIEW3D_SOFT_MS 100.0 /* software GL: the 3D view redrawn at most this often */

typedef struct ss__scenario_entry {
    char path[1024];
    char label[160];
    char description[SS_SCENARIO_DESCRIPTION_MAX];
} ss__scenario_entry;

typedef struct ss__attempt {
    ss_session *session;
    int number;
    char log_path[1024];
    bool ended, graded;
    ss_metrics m;
    ss_grade g;
    /* what the status strip shows, from the event stream */
    double first_contact_t, first_skin_t, csf_t;
    int insertions;
    int level;
    ss_event last;
    bool have_last;
    bool dura_popped;
    ss_event recent[SS__RECENT];
    int nrecent;
    ss_event frame_events[SS__MAX_EVENTS_FRAME];
    int nframe_events;
    double last_depth_mm;
    bool advancing;
    /* the latest critical error (critical.h) in words, shown in red until the attempt ends */
    char critical[SS_GRADE_NOTE_CHARS];
    int ncritical;
} ss__attempt;

typedef struct ss__app {
    ss_trainer_desc d;
    bool exam, aids_overlay, aids_hints;
    ss_gl_context *gl;
    SDL_Window *win;
    int w, h, fb_w, fb_h;
    ss_ui *ui;
    ss_ui_input uin;
    ss_input_hub hub;
    ss_input_mk *mk;
    bool haptic_found;
    char haptic_name[128];
    /* the case */
    ss_case *cs;
    ss_case owned;
    bool owns_case;
    ss_world world;
    const ss_volume *volume;
    ss_view3d *v3;
    ss_bmode_view *bm;
    bool use_gpu;
    char bmode_note[256];
    /* image settings */
    ss_probe sim_probe;
    float depth_mm, freq_mhz, gain_db, dr_db, tgc_db[8];
    bool frozen, skin_transparent, anatomy;
    int level;
    /* overlays */
    bool help, picker, results;
    ss__scenario_entry scenarios[SS__MAX_SCENARIOS];
    int nscenarios, picked;
    float picker_scroll;
    /* attempt and time */
    ss__attempt at;
    double tick_debt;
    const ss_script *script;
    bool script_over;
    bool quit;
    /* layout */
    ss_rect r_bmode, r_image, r_view3d, r_controls, r_status;
    /* camera drag */
    int cam_drag; /* 0 none, 1 orbit */
    /* hints */
    pthread_t vis_thread;
    bool vis_thread_started, vis_quit, vis_job, vis_running;
    pthread_mutex_t vis_mu;
    pthread_cond_t vis_cv;
    ss_probe_pose vis_job_pose;
    double vis_at_pose;
    ss_probe_pose vis_pose;
    bool vis_valid;
    char message[512];
    double message_until_ms;
    ss_frame_stats fs;
    int exit_code;
    bool skip_3d, skip_bmode, profile, offscreen;
    double min_frame_ms; /* the window's frame cap (SS__MIN_FRAME_MS, software GL: SS__MIN_FRAME_MS_SOFT) */
    int bmode_threads;
    float view3d_scale;       /* 3D view resolution relative to the drawable */
    unsigned image_version;
    long view3d_renders; /* SONOSPINE_TRAINER_SKIP=3d,bmode: what costs what (profiling) */
    bool software;       /* software GL (llvmpipe, softpipe) */
    GLuint view3d_tex;   /* the 3D view's last image */
    double view3d_last_ms;
} ss__app;

static double ss__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void ss__say(ss__app *a, const char *fmt, const char *arg)
{
    snprintf(a->message, sizeof a->message, fmt, arg ? arg : "");
    a->message_until_ms = ss__now_ms() + 4000;
}

/* ------------------------------------------------------------------ attempt */

/* A critical error as the trainee meets it: named at once in red, with what the patient
 * feels; a nerve root's side from the tip against the midline of the interspace (+x is
 * the patient's left). */
static void ss__note_critical(ss__app *a, ss_critical_type type, const ss_event *e)
{
    ss__attempt *at = &a->at;
    /* on the window's clock: operation time */
    double t0 = at->first_contact_t >= 0 ? at->first_contact_t : 0.0;
    ss_critical_error c = {.type = type, .t_s = fmax(0.0, e->t_s - t0), .tissue = e->tissue, .level = e->level};
    char d[160];
    ss_critical_describe(&c, d, sizeof d);
    at->ncritical++;
    if (type == SS_CRIT_NERVE_CONTACT) {
        const char *side = "";
        ss_interspace_info ii;
        if (e->level >= 0 && ss_spine_interspace(a->cs->spine, e->level, &ii) == SS_OK)
            side = e->pos_mm[0] > ii.window_centre_mm[0] ? " left" : " right";
        snprintf(at->critical, sizeof at->critical,
                 "CRITICAL - %s. The patient cries out: a sharp, shooting pain down the%s leg. Stop, withdraw and "
                 "re-aim through the middle of the window.",
                 d, side);
    } else if (type == SS_CRIT_VESSEL_PUNCTURE) {
        snprintf(at->critical, sizeof at->critical, "CRITICAL - %s. Blood at the hub. %s", d,
                 ss_critical_advice(type));
    } else {
        snprintf(at->critical, sizeof at->critical, "CRITICAL - %s. %s", d, ss_critical_advice(type));
    }
}

static void ss__on_event(void *user, const ss_event *e)
{
    ss__app *a = user;
    ss__attempt *at = &a->at;
    if (e->type != SS_EV_PROBE_CONTACT && !(a->exam && e->type == SS_EV_LAYER_ENTER)) {
        if (at->nrecent == SS__RECENT) memmove(at->recent, at->recent + 1, sizeof at->recent[0] * (SS__RECENT - 1));
        else at->nrecent++;
        at->recent[at->nrecent - 1] = *e;
    }
    if (e->type == SS_EV_LAYER_ENTER) return;
    int crit = ss_critical_of_event(e->type);
    if (crit >= 0) ss__note_critical(a, (ss_critical_type)crit, e);
    if (e->type == SS_EV_PROBE_CONTACT && at->first_contact_t < 0) at->first_contact_t = e->t_s;
    if (e->type == SS_EV_SKIN_ENTRY) {
        if (at->first_skin_t < 0) at->first_skin_t = e->t_s;
        at->insertions++;
        at->level = e->level;
    }
    if (e->type == SS_EV_DURA_POP) at->dura_popped = true;
    if (e->type == SS_EV_CSF_OUTFLOW && at->csf_t < 0) at->csf_t = e->t_s;
    if (e->type == SS_EV_VIEW_REACHED && at->insertions == 0) at->level = e->level;
    at->last = *e;
    at->have_last = true;
    if (at->nframe_events < SS__MAX_EVENTS_FRAME) at->frame_events[at->nframe_events++] = *e;
    if (!a->d.quiet && e->type != SS_EV_PROBE_CONTACT) {
        printf("  %8.2f s  %-16s", e->t_s, ss_event_name(e->type));
        if (e->tissue >= 0) printf(" %s", ss_tissue_get(e->tissue)->label);
        if (e->level >= 0) printf("  at %s", ss_level_name(e->level));
        printf("\n");
        fflush(stdout);
    }
}

static bool ss__issue(void *user, const ss_script_cmd *c)
{
    ss__app *a = user;
    if (!a->at.session) return false;
    ss_sim *sim = ss_session_sim(a->at.session);
    ss_script_cmd x = *c;
    x.t_s = ss_sim_get_state(sim)->t_s;
    bool ok = ss_sim_command(sim, &x);
    /* a refusal, or what an accepted command could not do (the probe stopped at the
     * edge of the back) */
    if (ss_sim_get_state(sim)->note[0]) ss__say(a, "%s", ss_sim_get_state(sim)->note);
    return ok;
}

static void ss__attempt_log_path(const ss__app *a, int number, char *out, size_t n)
{
    out[0] = '\0';
    if (!a->d.log_path) return;
    if (number <= 1) {
        snprintf(out, n, "%s", a->d.log_path);
        return;
    }
    const char *dot = strrchr(a->d.log_path, '.'), *slash = strrchr(a->d.log_path, '/');
    if (dot && (!slash || dot > slash))
        snprintf(out, n, "%.*s-%d%s", (int)(dot - a->d.log_path), a->d.log_path, number, dot);
    else
        snprintf(out, n, "%s-%d", a->d.log_path, number);
}

static int ss__attempt_begin(ss__app *a)
{
    int number = a->at.number + 1;
    memset(&a->at, 0, sizeof a->at);
    a->at.number = number;
    a->at.first_contact_t = a->at.first_skin_t = a->at.csf_t = -1;
    a->at.level = -1;
    ss__attempt_log_path(a, number, a->at.log_path, sizeof a->at.log_path);
    ss_session_desc sd = {.scenario = &a->cs->scenario, .scenario_path = a->cs->path,
                          .log_path = a->at.log_path[0] ? a->at.log_path : NULL, .mode = a->exam ? "exam" : "practice",
                          .trainee = a->d.trainee, .extra_sink = {ss__on_event, a}};
    sd.world = a->world;
    if (ss_session_begin(&sd, &a->at.session) != SS_OK) {
        fprintf(stderr, "sonospine run: %s\n", ss_error_message());
        return -1;
    }
    a->tick_debt = 0;
    a->results = false;
    if (!a->d.quiet)
        printf("%s attempt %d on %s: %s%s%s\n", a->exam ? "Exam" : "Practice", number, a->cs->path,
               a->cs->scenario.title, a->at.log_path[0] ? ", log " : "", a->at.log_path);
    return 0;
}

static cJSON *ss__json_file_write(const char *path, cJSON *o, int *rc)
{
    char *text = cJSON_Print(o);
    FILE *f = text ? fopen(path, "wb") : NULL;
    if (!f || fputs(text, f) < 0 || fputc('\n', f) < 0) *rc = -1;
    if (f && fclose(f) != 0) *rc = -1;
    free(text);
    return o;
}

/* Ends and grades the attempt (the simulation may already have ended). */
static void ss__attempt_end(ss__app *a)
{
    ss__attempt *at = &a->at;
    if (!at->session || at->graded) return;
    if (ss_session_end(at->session, &at->m, &at->g) != SS_OK) {
        fprintf(stderr, "sonospine run: the session log %s could not be completed: %s\n", at->log_path,
                ss_error_message());
        a->exit_code = 1;
    }
    at->ended = at->graded = true;
    if (a->d.on_graded &&
        a->d.on_graded(a->d.user, a->cs, &at->m, at->log_path[0] ? at->log_path : NULL) != 0)
        a->exit_code = 1;
    if (a->d.metrics_path && at->number == 1) {
        int rc = 0;
        cJSON_Delete(ss__json_file_write(a->d.metrics_path, ss_metrics_to_json(&at->m), &rc));
        if (rc) {
            fprintf(stderr, "sonospine run: --metrics-json %s: cannot write\n", a->d.metrics_path);
            a->exit_code = 1;
        }
    }
    if (!a->d.quiet) {
        printf("\n%s: %s, score %.0f/100 (%s)\n", at->g.pass ? "PASS" : "FAIL",
               at->m.success ? "drug in the CSF" : "drug not in the CSF", at->g.score, at->g.pass_reason);
        if (at->log_path[0]) printf("log      %s\n", at->log_path);
        fflush(stdout);
    }
}

static void ss__attempt_free(ss__app *a)
{
    if (a->at.session) ss_session_free(a->at.session);
    a->at.session = NULL;
}

/* ------------------------------------------------------------------ case */

static void ss__case_views_free(ss__app *a)
{
    ss_bmode_view_destroy(a->bm);
    a->bm = NULL;
    ss_view3d_destroy(a->v3);
    a->v3 = NULL;
}

static int ss__case_views_make(ss__app *a)
{
    if (ss_case_volume(a->cs, 0.5f, &a->volume) != SS_OK) {
        fprintf(stderr, "sonospine run: tissue volume: %s\n", ss_error_message());
        return -1;
    }
    ss_spine_world(a->cs->spine, &a->world);
    ss_scenario_probe(&a->cs->scenario, &a->sim_probe);
    const ss_probe_params *pp = &a->cs->scenario.probe;
    a->depth_mm = (float)pp->depth_mm;
    a->freq_mhz = (float)pp->freq_mhz;
    a->gain_db = (float)pp->gain_db;
    a->dr_db = (float)pp->dynamic_range_db;
    for (int i = 0; i < 8; i++) a->tgc_db[i] = (float)pp->tgc_db[i];
    a->aids_overlay = !a->exam && a->cs->scenario.aids.anatomy_overlay;
    a->aids_hints = !a->exam && a->cs->scenario.aids.hints;
    a->anatomy = a->aids_overlay;
    a->skin_transparent = !a->exam;
    a->level = a->cs->scenario.task.n_expected_interspaces > 0 ? a->cs->scenario.task.expected_interspaces[0]
                                                               : SS_LEVEL_L3_L4;
    if (ss_view3d_create(a->cs->spine, &a->v3) != SS_OK) {
        fprintf(stderr, "sonospine run: 3D view: %s\n", ss_error_message());
        return -1;
    }
    if (ss_bmode_view_create(a->volume, a->use_gpu, &a->bm, a->bmode_note, sizeof a->bmode_note) != SS_OK) {
        fprintf(stderr, "sonospine run: B-mode: %s\n", ss_error_message());
        return -1;
    }
    return 0;
}

static void ss__vis_drain(ss__app *a);

static int ss__name_cmp(const void *x, const void *y) { return strcmp((const char *)x, (const char *)y); }

static void ss__scan_scenarios(ss__app *a)
{
    char dir[1024];
    bool env;
    a->nscenarios = 0;
    if (ss_paths_data_dir("scenarios", dir, sizeof dir, &env) != SS_OK) return;
    DIR *dp = opendir(dir);
    if (!dp) return;
    struct dirent *de;
    char names[SS__MAX_SCENARIOS][256];
    int n = 0;
    while ((de = readdir(dp)) && n < SS__MAX_SCENARIOS) {
        size_t l = strlen(de->d_name);
        if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0 || strcmp(de->d_name, "schema.json") == 0) continue;
        snprintf(names[n++], sizeof names[0], "%s", de->d_name);
    }
    closedir(dp);
    qsort(names, (size_t)n, sizeof names[0], ss__name_cmp);
    for (int i = 0; i < n; i++) {
        ss__scenario_entry *e = &a->scenarios[a->nscenarios];
        snprintf(e->path, sizeof e->path, "%.700s/%.255s", dir, names[i]);
        ss_scenario sc;
        if (ss_scenario_load(e->path, &sc, NULL) != SS_OK) continue;
        snprintf(e->label, sizeof e->label, "%s", sc.title);
        snprintf(e->description, sizeof e->description, "%s", sc.description);
        ss_scenario_free(&sc);
        if (strcmp(names[i], "default.json") == 0 || strstr(a->cs->path, names[i])) a->picked = a->nscenarios;
        a->nscenarios++;
    }
}

static int ss__switch_case(ss__app *a, const char *path)
{
    /* an exam's case is fixed when it starts (issue 21): no other scenario, no second try */
    if (a->exam) {
        ss__say(a, "%s", "Exam: the case is fixed for this attempt.");
        return -1;
    }
    ss_case next;
    ss_diag_list dl;
    ss_diag_list_init(&dl);
    ss_status st = ss_case_load(path, &dl, &next);
    ss_diag_list_free(&dl);
    if (st != SS_OK) {
        ss__say(a, "cannot load that scenario: %s", ss_error_message());
        return -1;
    }
    ss__attempt_end(a);
    ss__attempt_free(a);
    ss__vis_drain(a);
    ss__case_views_free(a);
    if (a->owns_case) ss_case_free(&a->owned);
    a->owned = next;
    a->owns_case = true;
    a->cs = &a->owned;
    a->script = NULL; /* a script belongs to the scenario it was written for */
    if (ss__case_views_make(a) != 0) return -1;
    return ss__attempt_begin(a);
}

/* ------------------------------------------------------------------ helpers */

static ss_probe ss__display_probe(const ss__app *a)
{
    ss_probe p = a->sim_probe;
    p.depth_mm = a->depth_mm;
    p.freq_mhz = a->freq_mhz;
    p.lines = SS__LINES;
    p.samples = SS__SAMPLES;
    if (p.focal_depth_mm > p.depth_mm * 0.9f) p.focal_depth_mm = p.depth_mm * 0.6f;
    return p;
}

static void ss__bmode_settings(const ss__app *a, ss_bmode_settings *s)
{
    ss_cli_bmode_settings(&a->cs->scenario, s);
    s->gain_db = a->gain_db;
    s->dynamic_range_db = a->dr_db;
    for (int i = 0; i < 8; i++) s->tgc_db[i] = a->tgc_db[i];
    s->image_width_px = SS__IMAGE_PX;
    s->threads = a->bmode_threads;
}

static void ss__push_key(SDL_Keycode k, Uint16 mod)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.state = SDL_PRESSED;
    e.key.keysym.sym = k;
    e.key.keysym.mod = mod;
    SDL_PushEvent(&e);
    e.type = SDL_KEYUP;
    e.key.state = SDL_RELEASED;
    SDL_PushEvent(&e);
}

static int ss__write_screenshot(const ss__app *a, const char *path)
{
    int w = a->fb_w, h = a->fb_h;
    unsigned char *px = malloc((size_t)w * (size_t)h * 3), *row = malloc((size_t)w * 3);
    if (!px || !row) {
        free(px);
        free(row);
        return -1;
    }
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadBuffer(GL_BACK);
    glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, px);
    for (int y = 0; y < h / 2; y++) {
        memcpy(row, px + (size_t)y * w * 3, (size_t)w * 3);
        memcpy(px + (size_t)y * w * 3, px + (size_t)(h - 1 - y) * w * 3, (size_t)w * 3);
        memcpy(px + (size_t)(h - 1 - y) * w * 3, row, (size_t)w * 3);
    }
    int ok = stbi_write_png(path, w, h, 3, px, w * 3);
    free(px);
    free(row);
    return ok ? 0 : -1;
}

static void ss__fmt_time(char *out, size_t n, double s)
{
    if (s < 0) snprintf(out, n, "-");
    else snprintf(out, n, "%d:%02d", (int)(s / 60), (int)fmod(s, 60));
}

/* An event's time on the status strip's clock: operation time, from the first probe
 * contact (m:ss.s). */
static void ss__event_clock(const ss__attempt *at, double t_s, char *out, size_t n)
{
    double s = fmax(0.0, t_s - (at->first_contact_t >= 0 ? at->first_contact_t : 0.0));
    snprintf(out, n, "%d:%04.1f", (int)(s / 60), fmod(s, 60));
}

/* An event as the CLI prints it: name, tissue, level, view, depth, volume. */
static void ss__event_line(const ss_event *e, char *line, size_t n)
{
    size_t k = 0;
#define SS__ADD(...)                                                                                                   \
    do {                                                                                                               \
        int w_ = snprintf(line + k, n - k, __VA_ARGS__);                                                               \
        if (w_ > 0) k = k + (size_t)w_ < n ? k + (size_t)w_ : n - 1;                                                  \
    } while (0)
    line[0] = '\0';
    SS__ADD("%s", ss_event_name(e->type));
    if (e->tissue >= 0) SS__ADD("  %s", ss_tissue_get(e->tissue)->label);
    if (e->type == SS_EV_VIEW_REACHED && e->view >= 0) SS__ADD("  %s", ss_view_name((ss_view)e->view));
    if (e->level >= 0) SS__ADD("  at %s", ss_level_name(e->level));
    if (e->type == SS_EV_SKIN_ENTRY || e->type == SS_EV_BONE_CONTACT || e->type == SS_EV_DURA_POP ||
        e->type == SS_EV_CSF_OUTFLOW || ss_critical_of_event(e->type) >= 0)
        SS__ADD("  %.1f mm", e->depth_mm);
    if (e->type == SS_EV_INJECT) SS__ADD("  %.1f ml", e->value);
#undef SS__ADD
}

/* ------------------------------------------------------------------ layout */

static void ss__layout(ss__app *a)
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

static void ss__draw_top(ss__app *a)
{
    ss_ui *ui = a->ui;
    ss_rect r = {0, 0, (float)a->w, SS__TOP_H};
    ss_ui_fill(ui, r, SS_RGBA(30, 33, 38, 255));
    ss_ui_block(ui, r);
    float x = 10;
    x += ss_ui_text(ui, SS_FONT_BODY, x, 9, SS_UI_ACCENT, "SonoSpine") + 14;
    ss_rect badge = {x, 7, a->exam ? 58.0f : 80.0f, 22};
    ss_ui_fill(ui, badge, a->exam ? SS_RGBA(150, 50, 45, 255) : SS_RGBA(40, 110, 70, 255));
    ss_ui_text(ui, SS_FONT_SMALL, badge.x + 8, badge.y + 3, SS_UI_TEXT, a->exam ? "EXAM" : "PRACTICE");
    x += badge.w + 12;
    ss_ui_text(ui, SS_FONT_BODY, x, 9, SS_UI_TEXT, a->cs->scenario.title);
    float bx = (float)a->w - 8;
    const char *labels[3] = {a->at.ended ? "Results" : "End attempt", "Scenarios", "Help (?)"};
    for (int i = 0; i < 3; i++) {
        if (i == 1 && a->exam) continue; /* no scenario picker in an exam */
        float bwid = ss_ui_text_width(ui, SS_FONT_BODY, labels[i]) + 22;
        bx -= bwid;
        if (ss_ui_button(ui, (ss_rect){bx, 5, bwid, 26}, labels[i])) {
            if (i == 0 && !a->at.ended) ss__push_key(SDLK_END, KMOD_NONE);
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

static const char *ss__hint(ss__app *a, const ss_sim_state *st);

/* The biopsy-guide line every scanner with a frame draws (issue 21): the frame's needle
 * path on the image, dotted, with a tick every centimetre along the needle from the face;
 * in practice mode the tip too, when it lies within the slice. Probe-frame millimetres
 * map to the image through its scan geometry, so the line sits on the picture shown
 * whatever its pose lag. */
#define SS__GUIDE_RGBA SS_RGBA(170, 240, 255, 255)
static void ss__draw_guide_path(ss__app *a, const ss_sim_state *st, const ss_probe *p, const ss_scan_geometry *g,
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

static void ss__draw_bmode(ss__app *a, const ss_sim_state *st)
{
    ss_ui *ui = a->ui;
    ss_rect c = ss_ui_panel(ui, a->r_bmode, "B-MODE");
    ss_scan_geometry g;
    ss_probe p;
    GLuint tex = ss_bmode_view_texture(a->bm, &g, &p);
    ss_rect room = {c.x + 34, c.y + 18, c.w - 34 - 40, c.h * 0.62f};
    a->r_image = (ss_rect){0, 0, 0, 0};
    if (!st->probe_on_skin) {
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
        ss_ui_image(ui, img, tex, 0, 0, 1, 1, true);
        /* anatomy overlay (practice, when the scenario allows; O): the outlines of bone,
           graft, hardware, flavum, sac, nerves and vessels from the frame's label map */
        GLuint otex = a->anatomy && a->aids_overlay ? ss_bmode_view_overlay_texture(a->bm) : 0;
        if (otex) {
            ss_ui_image(ui, img, otex, 0, 0, 1, 1, false);
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
    if (a->message[0] && ss__now_ms() < a->message_until_ms)
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
        ss__event_line(e, what, sizeof what);
        snprintf(line, sizeof line, "%7s   %s", clock, what);
        bool bad = e->type == SS_EV_BONE_CONTACT || ss_critical_of_event(e->type) >= 0 ||
                   (e->type == SS_EV_INJECT && e->tissue != SS_TISSUE_CSF);
        ss_rgba col = bad                                                                ? SS_UI_BAD
                      : e->type == SS_EV_CSF_OUTFLOW || e->type == SS_EV_INJECT ? SS_UI_GOOD
                                                                                : SS_UI_TEXT;
        ss_ui_text(ui, SS_FONT_SMALL, c.x, y, col, line);
        y += ss_ui_line_height(ui, SS_FONT_SMALL) + 2;
    }
}

/* The practice hint (engine/coach.c holds the rules). */
static const char *ss__hint(ss__app *a, const ss_sim_state *st)
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

static void ss__draw_view3d(ss__app *a, const ss_sim_state *st)
{
    ss_ui *ui = a->ui;
    /* only the title strip and the edge: the GL view fills the inside (drawn before the UI) */
    ss_rect r = a->r_view3d;
    float top = 5 + ss_ui_line_height(ui, SS_FONT_SMALL) + 4;
    ss_ui_block(ui, (ss_rect){r.x, r.y, r.w, top});
    ss_ui_fill(ui, (ss_rect){r.x, r.y, r.w, top}, SS_UI_PANEL);
    ss_ui_frame(ui, r, 1, SS_UI_PANEL_EDGE);
    ss_ui_text(ui, SS_FONT_SMALL, r.x + 8, r.y + 5, SS_UI_TEXT_DIM,
               "3D VIEW    drag: probe    middle/Alt-drag: orbit    Ctrl+wheel: zoom");
    (void)st;
}

/* The 3D view, rendered into its own texture when something visible changed, drawn
 * as an image under the panel's title strip. */
static void ss__draw_view3d_gl(ss__app *a, const ss_sim_state *st)
{
    ss_rect r = a->r_view3d;
    float top = 5 + ss_ui_line_height(a->ui, SS_FONT_SMALL) + 4;
    ss_rect img = {r.x + 1, r.y + top, r.w - 2, r.h - top - 1};
    float sx = (float)a->fb_w / (float)a->w, sy = (float)a->fb_h / (float)a->h;
    int w = (int)(img.w * sx * a->view3d_scale), h = (int)(img.h * sy * a->view3d_scale);
    ss_scan_geometry g;
    ss_probe ip;
    GLuint tex = ss_bmode_view_texture(a->bm, &g, &ip);
    ss_view3d_scene sc = {.probe = &a->sim_probe, .pose = &st->pose, .probe_on_skin = st->probe_on_skin,
                          .guide_attached = st->guide_attached, .guide_angle_deg = st->guide_angle_deg,
                          .needle_placed = st->needle_placed, .skin_transparent = a->skin_transparent,
                          .anatomy = a->anatomy && a->aids_overlay, .image_tex = tex, .image_probe = &ip,
                          .image_geom = &g, .image_pose = ss_bmode_view_pose(a->bm),
                          .image_version = a->image_version};
    if (st->needle_placed)
        ss_sim_needle_geom(ss_session_sim(a->at.session), sc.needle_tip_mm, sc.needle_dir, &sc.needle_length_mm);
    /* On software GL a 3D redraw costs 30-50 ms, and the live image on its plane changes
       20+ times a second: the 3D view is redrawn at most every SS__VIEW3D_SOFT_MS there
       (the last one shown between), so that the window keeps its rate and the B-mode its
       cores. The B-mode panel itself shows every image. */
    bool redrawn = false;
    double now = ss__now_ms();
    GLuint t = a->view3d_tex;
    if (!t || !a->software || now - a->view3d_last_ms >= SS__VIEW3D_SOFT_MS) {
        t = ss_view3d_render(a->v3, &sc, w, h, &redrawn);
        a->view3d_tex = t;
    }
    if (redrawn) {
        a->view3d_renders++;
        a->view3d_last_ms = now;
    }
    ss_ui_image(a->ui, img, t, 0, 1, 1, 0, false);
}

static void ss__draw_controls(ss__app *a, const ss_sim_state *st)
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
    ss_ui_text(ui, SS_FONT_SMALL, c.x, ss_ui_rows_next(&rows, 14).y, SS_UI_TEXT_DIM,
               a->exam ? "PROBE AND NEEDLE" : "PROBE AND NEEDLE  (interspace for F1-F5)");
    if (!a->exam) {
        ss_rect lr = ss_ui_rows_next(&rows, 24);
        for (int l = 0; l < SS_LEVEL_COUNT; l++) {
            ss_rect b = ss_ui_column(lr, SS_LEVEL_COUNT, l, 3);
            bool on = a->level == l;
            if (on) ss_ui_fill(ui, (ss_rect){b.x - 1, b.y - 1, b.w + 2, b.h + 2}, SS_UI_ACCENT);
            if (ss_ui_button(ui, b, ss_level_name(l))) a->level = l;
        }
        row = ss_ui_rows_next(&rows, 26);
        if (ss_ui_button(ui, ss_ui_column(row, 2, 0, 6), "Near-spinous (F2)")) ss__push_key(SDLK_F2, KMOD_NONE);
        if (ss_ui_button(ui, ss_ui_column(row, 2, 1, 6), "Aim frame (Sh+G)")) ss__push_key(SDLK_g, KMOD_LSHIFT);
        row = ss_ui_rows_next(&rows, 26);
        if (ss_ui_button(ui, row, "Slide to the planned path (Sh+P)")) ss__push_key(SDLK_p, KMOD_LSHIFT);
    } else {
        row = ss_ui_rows_next(&rows, 26);
        if (ss_ui_button(ui, row, "Probe on the back (P)")) ss__push_key(SDLK_p, KMOD_NONE);
    }
    row = ss_ui_rows_next(&rows, 26);
    char gl[64];
    snprintf(gl, sizeof gl, st->guide_attached ? "Detach (G)" : "Frame (G)");
    if (ss_ui_button(ui, ss_ui_column(row, 3, 0, 4), gl)) ss__push_key(SDLK_g, KMOD_NONE);
    if (ss_ui_button(ui, ss_ui_column(row, 3, 1, 4), "- angle")) ss__push_key(SDLK_COMMA, KMOD_NONE);
    if (ss_ui_button(ui, ss_ui_column(row, 3, 2, 4), "+ angle")) ss__push_key(SDLK_PERIOD, KMOD_NONE);
    row = ss_ui_rows_next(&rows, 26);
    if (ss_ui_button(ui, ss_ui_column(row, 3, 0, 4), "Needle (N)")) ss__push_key(SDLK_n, KMOD_NONE);
    if (ss_ui_button(ui, ss_ui_column(row, 3, 1, 4), st->stylet_in ? "Stylet out" : "Stylet in"))
        ss__push_key(SDLK_t, KMOD_NONE);
    if (ss_ui_button(ui, ss_ui_column(row, 3, 2, 4), "Inject (I)")) ss__push_key(SDLK_i, KMOD_NONE);
    row = ss_ui_rows_next(&rows, 26);
    if (ss_ui_button(ui, ss_ui_column(row, 2, 0, 6), "Remove (X)")) ss__push_key(SDLK_x, KMOD_NONE);
    if (ss_ui_button(ui, ss_ui_column(row, 2, 1, 6), "Call CT (C)")) ss__push_key(SDLK_c, KMOD_NONE);
    ss_ui_text_wrapped(ui, SS_FONT_SMALL, ss_ui_rows_next(&rows, 30), SS_UI_TEXT_DIM,
                       "Advance: hold Space (Shift: faster). Withdraw: hold Backspace.");
    /* devices */
    float y = c.y + c.h - 2 * ss_ui_line_height(ui, SS_FONT_SMALL);
    char dev[200];
    snprintf(dev, sizeof dev, "B-mode: %s", ss_bmode_view_backend(a->bm));
    ss_ui_text(ui, SS_FONT_SMALL, c.x, y, SS_UI_TEXT_DIM, dev);
    snprintf(dev, sizeof dev, "Force feedback: %s", a->haptic_found ? a->haptic_name : "no device");
    ss_ui_text(ui, SS_FONT_SMALL, c.x, y + ss_ui_line_height(ui, SS_FONT_SMALL), SS_UI_TEXT_DIM, dev);
}

static void ss__status_item(ss__app *a, float *x, float y, const char *label, const char *value, ss_rgba c)
{
    ss_ui_text(a->ui, SS_FONT_SMALL, *x, y, SS_UI_TEXT_DIM, label);
    float w1 = ss_ui_text_width(a->ui, SS_FONT_SMALL, label);
    float w2 = ss_ui_text(a->ui, SS_FONT_BODY, *x, y + 16, c, value);
    *x += fmaxf(w1, w2) + 22;
}

static void ss__draw_status(ss__app *a, const ss_sim_state *st)
{
    ss_ui *ui = a->ui;
    ss_rect r = a->r_status;
    ss_ui_block(ui, r);
    ss_ui_fill(ui, r, SS_UI_PANEL);
    ss_ui_frame(ui, r, 1, SS_UI_PANEL_EDGE);
    ss__attempt *at = &a->at;
    float x = r.x + 10, y = r.y + 6;
    char v[160];
    double now = st->t_s;
    double end_t = at->graded ? at->m.operation_time_s + (at->first_contact_t > 0 ? at->first_contact_t : 0) : now;
    ss__fmt_time(v, sizeof v, at->first_contact_t >= 0 ? (at->graded ? at->m.operation_time_s : end_t - at->first_contact_t) : -1);
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
    if (st->guide_attached) snprintf(v, sizeof v, "%.0f deg", st->guide_angle_deg);
    else snprintf(v, sizeof v, "off (set %.0f deg)", ss_input_mk_guide_angle(a->mk));
    ss__status_item(a, &x, y, "Frame", v, SS_UI_TEXT);
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
    if (at->have_last && (at->last.type == SS_EV_BONE_CONTACT || ss_critical_of_event(at->last.type) >= 0 ||
                          (at->last.type == SS_EV_INJECT && at->last.tissue != SS_TISSUE_CSF)))
        ec = SS_UI_BAD;
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

static ss_rect ss__centered(const ss__app *a, float w, float h)
{
    w = fminf(w, (float)a->w - 20);
    h = fminf(h, (float)a->h - 20);
    return (ss_rect){((float)a->w - w) / 2, ((float)a->h - h) / 2, w, h};
}

static void ss__dim(ss__app *a)
{
    ss_rect all = {0, 0, (float)a->w, (float)a->h};
    ss_ui_fill(a->ui, all, SS_RGBA(0, 0, 0, 150));
    ss_ui_block(a->ui, all);
}

static void ss__draw_help(ss__app *a)
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

static void ss__draw_picker(ss__app *a)
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
        ss__switch_case(a, a->scenarios[a->picked].path);
    }
    if (ss_ui_button(ui, ss_ui_column(row, 4, 3, 8), "Cancel")) a->picker = false;
}

static void ss__metric_row(ss__app *a, float x, float *y, float w, const char *label, const char *value)
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

static void ss__draw_results(ss__app *a)
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
        snprintf(v, sizeof v, "%.0f %%", m->tip_visible_pct);
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
        ss__attempt_free(a);
        ss__attempt_begin(a);
    }
    if (!a->exam && ss_ui_button(ui, ss_ui_column(row, 4, 2, 8), "Other scenario")) a->picker = true;
    if (ss_ui_button(ui, ss_ui_column(row, 4, 3, 8), "Quit")) a->quit = true;
}

/* ------------------------------------------------------------------ input */

static ss_input_area ss__area_at(const ss__app *a, float x, float y)
{
    if (a->help || a->picker || a->results) return SS_AREA_NONE;
    if (a->r_image.w > 0 && ss_ui_rect_contains(a->r_image, x, y)) return SS_AREA_IMAGE;
    ss_rect v = a->r_view3d;
    v.y += 20;
    v.h -= 20;
    if (ss_ui_rect_contains(v, x, y)) return SS_AREA_VIEW3D;
    return SS_AREA_NONE;
}

static void ss__screenshot_now(ss__app *a)
{
    char path[128];
    snprintf(path, sizeof path, "sonospine-screenshot-%ld.png", (long)time(NULL));
    if (ss__write_screenshot(a, path) == 0) ss__say(a, "screenshot written: %s", path);
    else ss__say(a, "screenshot failed: %s", path);
}

/* Keys of the window itself (image settings, overlays, camera). True when used. */
static bool ss__app_key(ss__app *a, const SDL_KeyboardEvent *k, bool *shot)
{
    SDL_Keycode s = k->keysym.sym;
    Uint16 mod = k->keysym.mod;
    bool ctrl = (mod & KMOD_CTRL) != 0, shift = (mod & KMOD_SHIFT) != 0;
    if (ctrl && s == SDLK_q) {
        a->quit = true;
        return true;
    }
    if ((ctrl && s == SDLK_s) || s == SDLK_F12) {
        *shot = true;
        return true;
    }
    if (s == SDLK_QUESTION || (s == SDLK_SLASH && shift)) {
        a->help = !a->help;
        return true;
    }
    if (s == SDLK_ESCAPE) {
        if (a->help) a->help = false;
        else if (a->picker) a->picker = false;
        else if (a->results) a->results = false;
        return true;
    }
    if (s == SDLK_TAB) {
        if (a->exam) ss__say(a, "%s", "Exam: the case is fixed for this attempt.");
        else a->picker = !a->picker;
        return true;
    }
    if (ctrl) return false;
    switch (s) {
    case SDLK_f: a->frozen = !a->frozen; return true;
    case SDLK_h: a->skin_transparent = !a->skin_transparent; return true;
    case SDLK_o:
        if (a->aids_overlay) a->anatomy = !a->anatomy;
        else ss__say(a, "%s", "the anatomy overlay is not available in this mode/scenario");
        return true;
    case SDLK_v: ss_view3d_reset(a->v3); return true;
    case SDLK_PAGEUP: a->depth_mm = fmaxf(40, a->depth_mm - 10); return true;
    case SDLK_PAGEDOWN: a->depth_mm = fminf(160, a->depth_mm + 10); return true;
    case SDLK_MINUS: a->gain_db = fmaxf(-20, a->gain_db - 2); return true;
    case SDLK_EQUALS: a->gain_db = fminf(30, a->gain_db + 2); return true;
    case SDLK_9: a->freq_mhz = fmaxf(1, a->freq_mhz - 0.5f); return true;
    case SDLK_0: a->freq_mhz = fminf(8, a->freq_mhz + 0.5f); return true;
    case SDLK_LEFTBRACKET: a->dr_db = fmaxf(30, a->dr_db - 5); return true;
    case SDLK_RIGHTBRACKET: a->dr_db = fminf(90, a->dr_db + 5); return true;
    case SDLK_1: case SDLK_2: case SDLK_3: case SDLK_4: case SDLK_5:
        if (!a->exam) a->level = (int)(s - SDLK_1);
        return true;
    default: return false;
    }
}

static void ss__events(ss__app *a, bool *shot)
{
    a->uin.mouse_pressed = a->uin.mouse_released = false;
    a->uin.wheel_y = 0;
    SDL_Event e;
    while (SDL_PollEvent(&e)) {
        switch (e.type) {
        case SDL_QUIT: a->quit = true; break;
        case SDL_KEYDOWN:
            if (!e.key.repeat && ss__app_key(a, &e.key, shot)) break;
            if (a->help || a->picker) break;
            ss_input_hub_event(&a->hub, &e);
            break;
        case SDL_KEYUP: ss_input_hub_event(&a->hub, &e); break;
        case SDL_MOUSEMOTION:
            a->uin.mouse_x = (float)e.motion.x;
            a->uin.mouse_y = (float)e.motion.y;
            if (a->cam_drag) {
                ss_view3d_orbit(a->v3, (float)e.motion.xrel * 0.4f, (float)e.motion.yrel * 0.4f);
                break;
            }
            ss_input_hub_event(&a->hub, &e);
            break;
        case SDL_MOUSEBUTTONDOWN: {
            a->uin.mouse_x = (float)e.button.x;
            a->uin.mouse_y = (float)e.button.y;
            ss_input_area area = ss__area_at(a, (float)e.button.x, (float)e.button.y);
            bool over_ui = ss_ui_mouse_captured(a->ui) && area == SS_AREA_NONE;
            if (e.button.button == SDL_BUTTON_LEFT) {
                a->uin.mouse_down = true;
                a->uin.mouse_pressed = true;
            }
            if (over_ui) break;
            bool alt = (SDL_GetModState() & KMOD_ALT) != 0;
            if (area == SS_AREA_VIEW3D &&
                (e.button.button == SDL_BUTTON_MIDDLE || (e.button.button == SDL_BUTTON_LEFT && alt))) {
                a->cam_drag = 1;
                break;
            }
            ss_input_mk_set_pointer_area(a->mk, area);
            ss_input_hub_event(&a->hub, &e);
            break;
        }
        case SDL_MOUSEBUTTONUP:
            if (e.button.button == SDL_BUTTON_LEFT) {
                a->uin.mouse_down = false;
                a->uin.mouse_released = true;
            }
            if (a->cam_drag) {
                a->cam_drag = 0;
                break;
            }
            ss_input_hub_event(&a->hub, &e);
            break;
        case SDL_MOUSEWHEEL: {
            int mx, my;
            SDL_GetMouseState(&mx, &my);
            float notches = e.wheel.preciseY != 0 ? e.wheel.preciseY : (float)e.wheel.y;
            a->uin.wheel_y += notches;
            ss_input_area area = ss__area_at(a, (float)mx, (float)my);
            if (area == SS_AREA_VIEW3D && (SDL_GetModState() & KMOD_CTRL)) {
                ss_view3d_zoom(a->v3, powf(0.9f, notches));
                break;
            }
            ss_input_mk_set_pointer_area(a->mk, area);
            ss_input_hub_event(&a->hub, &e);
            break;
        }
        default: ss_input_hub_event(&a->hub, &e); break;
        }
    }
}

/* ------------------------------------------------------------------ loop */

static void ss__run_ticks(ss__app *a, double real_dt_s)
{
    if (!a->at.session || a->at.ended) return;
    ss_sim *sim = ss_session_sim(a->at.session);
    a->tick_debt += fmin(real_dt_s, 0.25) * a->d.speed / SS_SIM_TICK_S;
    int n = (int)a->tick_debt;
    a->tick_debt -= n;
    double limit = a->cs->scenario.task.time_limit_s > 0 ? a->cs->scenario.task.time_limit_s : 3600.0;
    long max_ticks = (long)ceil(limit / SS_SIM_TICK_S);
    ss_input_sink sink = {ss__issue, a};
    double depth0 = ss_sim_get_state(sim)->needle.record_depth_mm;
    for (int i = 0; i < n; i++) {
        const ss_sim_state *st = ss_sim_get_state(sim);
        if (st->ended) break;
        ss_input_tick tk = {.sim = sim, .t_s = st->t_s, .dt_s = SS_SIM_TICK_S, .aids = a->aids_hints || a->aids_overlay,
                            .level = a->level, .inject_ml = a->cs->scenario.task.volume_ml,
                            .guide_min_deg = a->cs->scenario.task.guide_angle_min_deg,
                            .guide_max_deg = a->cs->scenario.task.guide_angle_max_deg};
        if (a->exam) tk.aids = false;
        ss_input_hub_poll(&a->hub, &tk, &sink);
        st = ss_sim_get_state(sim);
        if (st->ended) break;
        ss_input_device *sd = ss_input_hub_find(&a->hub, "script");
        bool script_done = sd && sd->finished && sd->finished(sd->self);
        if (st->tick >= max_ticks || script_done) {
            ss_script_cmd end = {.op = SS_OP_END, .t_s = st->t_s};
            ss_sim_command(sim, &end);
            if (script_done) a->script_over = true;
            break;
        }
        ss_sim_step(sim);
    }
    const ss_sim_state *st = ss_sim_get_state(sim);
    ss_input_device *sd = ss_input_hub_find(&a->hub, "script");
    if (st->ended && sd && sd->finished && sd->finished(sd->self)) a->script_over = true;
    a->at.advancing = st->needle_placed && st->needle.record_depth_mm > depth0 + 1e-6;
    if (st->ended) {
        ss__attempt_end(a);
        if (!(a->script_over && a->d.exit_after_script)) a->results = true;
    }
}

/* Canal visibility of the trainee's pose for the hints: a few hundred ms on the spine
 * model, so it runs on its own thread; the hint uses the latest answer. */
static void *ss__vis_worker(void *arg)
{
    ss__app *a = arg;
    pthread_mutex_lock(&a->vis_mu);
    for (;;) {
        while (!a->vis_quit && !a->vis_job) pthread_cond_wait(&a->vis_cv, &a->vis_mu);
        if (a->vis_quit) break;
        ss_probe_pose pose = a->vis_job_pose;
        const ss_spine *spine = a->cs->spine;
        ss_probe probe = a->sim_probe;
        a->vis_job = false;
        pthread_mutex_unlock(&a->vis_mu);
        double vis, ww;
        ss_view_measure_pose(spine, &probe, &pose, &vis, &ww);
        pthread_mutex_lock(&a->vis_mu);
        a->vis_at_pose = vis;
        a->vis_pose = pose;
        a->vis_valid = true;
        a->vis_running = false;
        pthread_cond_broadcast(&a->vis_cv);
    }
    pthread_mutex_unlock(&a->vis_mu);
    return NULL;
}

static void ss__vis_stop(ss__app *a)
{
    if (!a->vis_thread_started) return;
    pthread_mutex_lock(&a->vis_mu);
    a->vis_quit = true;
    pthread_cond_broadcast(&a->vis_cv);
    pthread_mutex_unlock(&a->vis_mu);
    pthread_join(a->vis_thread, NULL);
    a->vis_thread_started = false;
}

/* Waits for a running measure (before the spine it reads is freed). */
static void ss__vis_drain(ss__app *a)
{
    if (!a->vis_thread_started) return;
    pthread_mutex_lock(&a->vis_mu);
    a->vis_job = false;
    while (a->vis_running) pthread_cond_wait(&a->vis_cv, &a->vis_mu);
    a->vis_valid = false;
    pthread_mutex_unlock(&a->vis_mu);
}

static void ss__update_visibility(ss__app *a, const ss_sim_state *st)
{
    if (!a->aids_hints || !st->probe_on_skin) return;
    if (!a->vis_thread_started) {
        if (pthread_create(&a->vis_thread, NULL, ss__vis_worker, a) != 0) return;
        a->vis_thread_started = true;
    }
    pthread_mutex_lock(&a->vis_mu);
    bool same = a->vis_valid && memcmp(&a->vis_pose, &st->pose, sizeof st->pose) == 0;
    if (!same && !a->vis_running) {
        a->vis_job_pose = st->pose;
        a->vis_job = true;
        a->vis_running = true;
        pthread_cond_broadcast(&a->vis_cv);
    }
    pthread_mutex_unlock(&a->vis_mu);
}

static void ss__frame(ss__app *a, bool *shot, bool sync_bmode)
{
    if (a->win) {
        SDL_GetWindowSize(a->win, &a->w, &a->h);
        SDL_GL_GetDrawableSize(a->win, &a->fb_w, &a->fb_h);
    }
    ss__layout(a);
    const ss_sim_state *st = ss_sim_get_state(ss_session_sim(a->at.session));
    /* drag directions for the probe */
    float right[3], down[3];
    if (a->r_image.w > 0) {
        ss_scan_geometry g;
        ss_probe p;
        ss_bmode_view_texture(a->bm, &g, &p);
        float mm_per_unit = 0.5f * g.width * g.mm_per_px / a->r_image.w;
        for (int i = 0; i < 3; i++) {
            right[i] = st->pose.axis_x[i] * mm_per_unit;
            down[i] = st->pose.axis_z[i] * mm_per_unit;
        }
        ss_input_mk_set_area(a->mk, SS_AREA_IMAGE, right, down);
    }
    ss_view3d_drag_basis(a->v3, a->r_view3d.h, right, down);
    ss_input_mk_set_area(a->mk, SS_AREA_VIEW3D, right, down);
    /* B-mode request */
    if (st->probe_on_skin && !a->frozen) {
        ss_probe dp = ss__display_probe(a);
        ss_bmode_settings s;
        ss__bmode_settings(a, &s);
        ss_needle_geom ng;
        ss_bmode_view_want_overlay(a->bm, a->anatomy && a->aids_overlay);
        ss_bmode_view_request(a->bm, &dp, &st->pose, ss_cli_sim_needle(ss_session_sim(a->at.session), &ng), &s);
    }
    if (sync_bmode) ss_bmode_view_flush(a->bm);
    double q0 = ss__now_ms();
    if (!a->skip_bmode && ss_bmode_view_update(a->bm)) a->image_version++;
    double q1 = ss__now_ms();
    ss__update_visibility(a, st);
    double q2 = ss__now_ms();

    glViewport(0, 0, a->fb_w, a->fb_h);
    glClearColor(24 / 255.0f, 26 / 255.0f, 30 / 255.0f, 1);
    glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
    ss_ui_begin(a->ui, a->w, a->h, a->fb_w, a->fb_h, &a->uin);
    ss__draw_top(a);
    ss__draw_bmode(a, st);
    ss__draw_view3d(a, st);
    if (!a->skip_3d) ss__draw_view3d_gl(a, st);
    ss__draw_controls(a, st);
    ss__draw_status(a, st);
    if (a->results && !a->picker) ss__draw_results(a);
    if (a->picker) ss__draw_picker(a);
    if (a->help) ss__draw_help(a);
    /* the 3D view goes under the panels' overlays: draw it first, then the UI */
    double q3 = ss__now_ms();
    ss_ui_end(a->ui);
    if (a->profile) glFinish();
    double q4 = ss__now_ms();
    if (a->profile && q4 - q0 > 100)
        fprintf(stderr, "  frame parts: bmode update %.0f, visibility %.0f, describe+3d %.0f, ui draw+finish %.0f\n",
                q1 - q0, q2 - q1, q3 - q2, q4 - q3);
    if (*shot) {
        ss__screenshot_now(a);
        *shot = false;
    }
}

int ss_trainer_run(const ss_trainer_desc *desc)
{
    ss__app *a = calloc(1, sizeof *a);
    if (!a) return 1;
    a->d = *desc;
    if (a->d.speed <= 0) a->d.speed = 1.0;
    if (!a->d.mode) a->d.mode = "practice";
    a->exam = strcmp(a->d.mode, "exam") == 0;
    a->cs = desc->cs;
    a->script = desc->script;
    /* a trainee at the keyboard starts with the list of controls (Esc or ? closes it) */
    a->help = desc->show_help || !desc->script;
    pthread_mutex_init(&a->vis_mu, NULL);
    pthread_cond_init(&a->vis_cv, NULL);
    a->w = desc->width > 0 ? desc->width : 1280;
    a->h = desc->height > 0 ? desc->height : 800;
    int code = 1;

    /* Software GL (llvmpipe) rasterises on its own threads, as many as there are cores;
       the live B-mode renders on the same cores. Half of them for the window (the
       variable is read only by llvmpipe, when the context is made; a GPU ignores it),
       so that the picture is not starved (docs/controls.md, "Frame rate"). */
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu < 1) ncpu = 1;
    if (ncpu > 256) ncpu = 256;
    char lp[24];
    snprintf(lp, sizeof lp, "%ld", ncpu / 2 > 0 ? ncpu / 2 : 1);
    setenv("LP_NUM_THREADS", lp, 0);
    ss_gl_context_desc gd = {.visible = true, .width = a->w, .height = a->h, .resizable = true,
                             .title = "SonoSpine trainer"};
    if (ss_gl_context_create(&gd, &a->gl) != SS_OK) {
        fprintf(stderr, "sonospine run: cannot open the trainer window: %s (use --headless to run without one)\n",
                ss_error_message());
        free(a);
        return 1;
    }
    const ss_gl_info *gi = ss_gl_context_info(a->gl);
    a->win = ss_gl_context_window(a->gl);
    a->offscreen = gi->egl || !a->win;
    a->fb_w = a->w;
    a->fb_h = a->h;
    SDL_GL_SetSwapInterval(1);
    /* B-mode backend: the GPU renderer on a GPU; on software GL the CPU reference in a
     * worker thread is faster (docs/gpu.md) and never stalls the window. */
    const char *env = getenv("SONOSPINE_BMODE_BACKEND");
    bool software = gi->renderer && (strstr(gi->renderer, "llvmpipe") || strstr(gi->renderer, "softpipe"));
    a->use_gpu = env ? strcmp(env, "gpu") == 0 : !software;
    a->software = software;
    const char *skip = getenv("SONOSPINE_TRAINER_SKIP");
    a->skip_3d = skip && strstr(skip, "3d");
    a->skip_bmode = skip && strstr(skip, "bmode");
    a->profile = getenv("SONOSPINE_TRAINER_PROFILE") != NULL;
    const char *cap = getenv("SONOSPINE_FRAME_CAP_MS");
    a->min_frame_ms = cap && atof(cap) > 0 ? atof(cap) : software ? SS__MIN_FRAME_MS_SOFT : SS__MIN_FRAME_MS;
    const char *bt = getenv("SONOSPINE_BMODE_THREADS");
    /* the B-mode worker renders on every core (the window waits on it, not it on the window) */
    a->bmode_threads = bt && atoi(bt) > 0 ? atoi(bt) : (int)(ncpu < 8 ? ncpu : 8);
    const char *vs = getenv("SONOSPINE_VIEW3D_SCALE");
    /* software GL: the 3D view at 3/4 resolution (a 3D redraw is most of a frame's cost) */
    a->view3d_scale = vs && atof(vs) >= 0.25 && atof(vs) <= 1 ? (float)atof(vs) : software ? 0.75f : 1.0f;
    const char *font = getenv("SONOSPINE_FONT");
    if (ss_ui_create(font && *font ? font : SS__DEFAULT_FONT, a->win ? (float)a->fb_w / (float)a->w : 1.0f, &a->ui) !=
        SS_OK) {
        fprintf(stderr, "sonospine run: %s\n", ss_error_message());
        goto done;
    }
    if (a->win) {
        int fw, fh;
        SDL_GL_GetDrawableSize(a->win, &fw, &fh);
        if (fw != a->w) {
            ss_ui_destroy(a->ui);
            if (ss_ui_create(font && *font ? font : SS__DEFAULT_FONT, (float)fw / (float)a->w, &a->ui) != SS_OK) {
                fprintf(stderr, "sonospine run: %s\n", ss_error_message());
                goto done;
            }
        }
    }
    SDL_InitSubSystem(SDL_INIT_GAMECONTROLLER | SDL_INIT_HAPTIC); /* none present: fine */
    ss_input_hub_add(&a->hub, ss_input_mk_create(&a->mk));
    ss_input_hub_add(&a->hub, ss_input_gamepad_create());
    ss_input_hub_add(&a->hub, ss_input_haptics_create(&a->haptic_found, a->haptic_name, sizeof a->haptic_name));
    if (a->script) ss_input_hub_add(&a->hub, ss_input_script_create(a->script));
    if (!ss_input_igtl_from_env(&a->hub, (const ss_case *const *)&a->cs)) goto done;
    if (!a->mk) goto done;
    if (ss__case_views_make(a) != 0) goto done;
    ss__scan_scenarios(a);
    if (!a->d.quiet)
        printf("trainer window %dx%d on %s (%s), B-mode %s\n", a->w, a->h, gi->renderer ? gi->renderer : "?",
               gi->video_driver ? gi->video_driver : "?", ss_bmode_view_backend(a->bm));
    if (ss__attempt_begin(a) != 0) goto done;

    code = 0;
    double last = ss__now_ms(), frame_start = last;
    bool shot = false;
    while (!a->quit) {
        double now = ss__now_ms();
        double dt = (now - last) / 1000.0;
        last = now;
        double p0 = ss__now_ms();
        ss__events(a, &shot);
        ss__run_ticks(a, dt);
        if (a->script_over && a->d.exit_after_script) break;
        double p1 = ss__now_ms();
        ss__frame(a, &shot, false);
        double p2 = ss__now_ms();
        ss_input_feedback fb = {.needle_in_body = false};
        const ss_sim_state *st = ss_sim_get_state(ss_session_sim(a->at.session));
        fb.needle_in_body = st->needle_placed && st->needle.in_body;
        fb.axial_force_n = st->needle_placed ? ss_needle_force_n(&st->needle) : 0;
        fb.events = a->at.frame_events;
        fb.nevents = a->at.nframe_events;
        ss_input_hub_feedback(&a->hub, &fb);
        a->at.nframe_events = 0;
        ss_gl_context_swap(a->gl);
        /* An offscreen (EGL pbuffer) swap presents nothing and flushes nothing: without a
         * finish, software GL would queue frame after frame (memory grows, and the frame
         * times would measure only the queuing). */
        if (a->offscreen) glFinish();
        double p3 = ss__now_ms();
        if (a->profile && p3 - p0 > 100)
            fprintf(stderr, "slow frame %.0f ms: events+ticks %.0f, draw %.0f, swap %.0f\n", p3 - p0, p1 - p0, p2 - p1,
                    p3 - p2);
        /* at most ~60 frames a second: the B-mode worker needs the CPU more than a
         * window that cannot show more frames (software GL has no vsync to wait on) */
        double spent = ss__now_ms() - frame_start;
        if (spent < a->min_frame_ms) SDL_Delay((Uint32)(a->min_frame_ms - spent));
        double end = ss__now_ms();
        ss_frame_stats_add(&a->fs, end - frame_start);
        frame_start = end;
    }
    /* the last frame, with the image of the final state, for --screenshot */
    if (a->d.screenshot_path) {
        bool no = false;
        ss__frame(a, &no, true);
        glFinish();
        if (ss__write_screenshot(a, a->d.screenshot_path) != 0) {
            fprintf(stderr, "sonospine run: --screenshot %s: cannot write the PNG\n", a->d.screenshot_path);
            code = 1;
        } else if (!a->d.quiet) {
            printf("screenshot %s\n", a->d.screenshot_path);
        }
    }
    ss__attempt_end(a);
    if (a->d.frame_stats_path) {
        char header[1024];
        int frames;
        double bm_ms;
        ss_bmode_view_stats(a->bm, &frames, &bm_ms);
        snprintf(header, sizeof header,
                 "# sonospine trainer frame times (ms between presented frames)\n"
                 "# window %dx%d (drawable %dx%d), GL %s, %s, video driver %s\n"
                 "# B-mode %s: %d images, median %.1f ms each (%d lines x %d samples)\n"
                 "# 3D view rendered %ld times (only when something visible changed)\n",
                 a->w, a->h, a->fb_w, a->fb_h, gi->version ? gi->version : "?", gi->renderer ? gi->renderer : "?",
                 gi->video_driver ? gi->video_driver : "?", ss_bmode_view_backend(a->bm), frames, bm_ms, SS__LINES,
                 SS__SAMPLES, a->view3d_renders);
        ss_bmode_live_stats ls;
        ss_bmode_view_live_stats(a->bm, &ls);
        char figures[256];
        snprintf(figures, sizeof figures, "bmode frames %d median_hz %.1f p10_hz %.1f\nlatency median %.1f ms p90 %.1f ms\n",
                 ls.frames, ls.median_hz, ls.p10_hz, ls.latency_median_ms, ls.latency_p90_ms);
        if (ss_frame_stats_write(&a->fs, a->d.frame_stats_path, header, figures) != 0) {
            fprintf(stderr, "sonospine run: --frame-stats %s: cannot write\n", a->d.frame_stats_path);
            code = 1;
        } else if (!a->d.quiet) {
            double med, p99;
            ss_frame_stats_summary(&a->fs, &med, &p99);
            printf("%sframes %d median %.1f ms %.1f fps p99 %.1f ms\n", figures, a->fs.n, med, med > 0 ? 1000 / med : 0,
                   p99);
        }
    }
    if (a->exit_code) code = a->exit_code;
done:
    ss__vis_stop(a);
    pthread_mutex_destroy(&a->vis_mu);
    pthread_cond_destroy(&a->vis_cv);
    ss__attempt_free(a);
    ss_input_hub_free(&a->hub);
    ss__case_views_free(a);
    if (a->owns_case) ss_case_free(&a->owned);
    ss_ui_destroy(a->ui);
    ss_frame_stats_free(&a->fs);
    ss_gl_context_destroy(a->gl);
    free(a);
    return code;
}

/* trainer.c: see trainer.h. One loop: SDL events -> UI state and input devices;
 * simulation ticks due (real time x speed) each preceded by a poll of the devices;
 * B-mode request; draw (the 3D view here, the panels in panels.c); present;
 * frame time recorded. The attempt is an ss_session: its log gets every command. */
#define _GNU_SOURCE /* gettid: the hint worker's own priority */
#include "trainer.h"

#include <GL/glew.h>
#include <SDL2/SDL.h>
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <sys/resource.h>
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

#include "trainer_app.h"


double ss_tr_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void ss__say(ss_tr_app *a, const char *fmt, const char *arg)
{
    snprintf(a->message, sizeof a->message, fmt, arg ? arg : "");
    a->message_until_ms = ss_tr_now_ms() + 4000;
}

/* ------------------------------------------------------------------ attempt */

/* A critical error as the trainee meets it: named at once in red, with what the patient
 * feels; a nerve root's side from the tip against the midline of the interspace (+x is
 * the patient's left). */
static void ss__note_critical(ss_tr_app *a, ss_critical_type type, const ss_event *e)
{
    ss_tr_attempt *at = &a->at;
    /* on the window's clock: operation time */
    double t0 = at->first_contact_t >= 0 ? at->first_contact_t : 0.0;
    ss_critical_error c = {.type = type, .t_s = fmax(0.0, e->t_s - t0), .tissue = e->tissue, .level = e->level};
    char d[160];
    ss_critical_describe(&c, d, sizeof d);
    at->ncritical++;
    if (type == SS_CRIT_NERVE_CONTACT) {
        const char *side = "";
        ss_interspace_info ii;
        if (e->level >= 0 && ss_spine_interspace(ss_case_spine_posed(a->cs, a->views_unflexed), e->level, &ii) == SS_OK)
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
    ss_tr_app *a = user;
    ss_tr_attempt *at = &a->at;
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
        char details[200];
        ss_event_details(e, details, sizeof details);
        printf("  %8.2f s  %-16s%s\n", e->t_s, ss_event_name(e->type), details);
        fflush(stdout);
    }
}

static bool ss__issue(void *user, const ss_script_cmd *c)
{
    ss_tr_app *a = user;
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

bool ss_tr_issue(ss_tr_app *a, const ss_script_cmd *c) { return ss__issue(a, c); }

static void ss__attempt_log_path(const ss_tr_app *a, int number, char *out, size_t n)
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

int ss_tr_attempt_begin(ss_tr_app *a)
{
    int number = a->at.number + 1;
    memset(&a->at, 0, sizeof a->at);
    a->at.number = number;
    a->at.first_contact_t = a->at.first_skin_t = a->at.csf_t = -1;
    a->at.level = -1;
    ss__attempt_log_path(a, number, a->at.log_path, sizeof a->at.log_path);
    ss_session_desc sd = {.scenario = &a->cs->scenario, .scenario_path = a->cs->path,
                          .log_path = a->at.log_path[0] ? a->at.log_path : NULL, .mode = a->d.mode,
                          .trainee = a->d.trainee, .extra_sink = {ss__on_event, a},
                          .signer_socket = a->d.signer_socket};
    sd.world = a->world;
    if (ss_session_begin(&sd, &a->at.session) != SS_OK) {
        fprintf(stderr, "sonospine run: %s\n", ss_error_message());
        return -1;
    }
    ss_session_scenario_hash(&a->cs->scenario, a->at.scenario_sha256);
    a->tick_debt = 0;
    a->results = false;
    /* the pre-procedure stage opens for an attempt the trainee drives (a script carries
       its own stage commands) */
    a->prep = !a->script;
    ss_prep_inputs_init(&a->prep_in);
    a->prep_cobb = 0.f;
    a->ncobb_pts = 0;
    if (!a->d.quiet)
        printf("%s attempt %d on %s: %s%s%s\n", a->exam ? "Exam" : a->landmark ? "Landmark-only" : "Practice", number,
               a->cs->path,
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
static void ss__attempt_end(ss_tr_app *a)
{
    ss_tr_attempt *at = &a->at;
    if (!at->session || at->graded) return;
    if (ss_session_end(at->session, &at->m, &at->g) != SS_OK) {
        fprintf(stderr, "sonospine run: the session log %s could not be completed: %s\n", at->log_path,
                ss_error_message());
        a->exit_code = 1;
    }
    at->ended = at->graded = true;
    /* an exam's case is fixed at its start and checked at its end (issue 21) */
    char now[65];
    ss_session_scenario_hash(&a->cs->scenario, now);
    if (a->exam && strcmp(now, at->scenario_sha256) != 0) {
        fprintf(stderr, "sonospine run: the exam's scenario changed during the attempt (SHA-256 %.12s..., now "
                        "%.12s...): not recorded\n",
                at->scenario_sha256, now);
        a->exit_code = 1;
        return;
    }
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

void ss_tr_attempt_free(ss_tr_app *a)
{
    if (a->at.session) ss_session_free(a->at.session);
    a->at.session = NULL;
}

/* ------------------------------------------------------------------ case */

static void ss__case_views_free(ss_tr_app *a)
{
    ss_bmode_view_destroy(a->bm);
    a->bm = NULL;
    ss_view3d_destroy(a->v3);
    a->v3 = NULL;
}

static void ss__vis_drain(ss_tr_app *a);

/* The volume, the 3D view and the B-mode view of the patient in a posture (patient_case.h:
 * the volume built once, on first use); the old ones are let go only once the new ones
 * exist. */
static int ss__posed_views(ss_tr_app *a, bool unflexed)
{
    const ss_volume *vol;
    ss_view3d *v3 = NULL;
    ss_bmode_view *bm = NULL;
    if (ss_case_volume_posed(a->cs, unflexed, 0.5f, &vol) != SS_OK ||
        ss_view3d_create(ss_case_spine_posed(a->cs, unflexed), &v3) != SS_OK ||
        ss_bmode_view_create(vol, a->use_gpu, &bm, a->bmode_note, sizeof a->bmode_note) != SS_OK) {
        fprintf(stderr, "sonospine run: the %s patient's views: %s\n", unflexed ? "unflexed" : "flexed",
                ss_error_message());
        ss_view3d_destroy(v3);
        return -1;
    }
    ss__vis_drain(a);
    ss__case_views_free(a);
    a->volume = vol;
    a->v3 = v3;
    a->bm = bm;
    a->bm_uploads = 0;
    a->views_unflexed = unflexed;
    return 0;
}

/* The patient's posture as the attempt's scan settled it (sim.h): when the stage skipped
 * 'position' the patient lies unflexed from the first probe or needle command on, and the
 * picture, the 3D view and the hints show that patient (its volume built once, on first
 * use: about a second); a new attempt starts flexed again. */
static int ss__posture_follow(ss_tr_app *a)
{
    bool unflexed = a->at.session && ss_sim_get_state(ss_session_sim(a->at.session))->unflexed;
    if (unflexed == a->views_unflexed) return 0;
    if (ss__posed_views(a, unflexed) != 0) return -1;
    if (unflexed)
        ss__say(a, "%s", "The scan began before the patient was positioned: lying unflexed, the interlaminar "
                          "windows are narrower.");
    return 0;
}

static int ss__case_views_make(ss_tr_app *a)
{
    ss_case_world(a->cs, &a->world);
    ss_scenario_probe(&a->cs->scenario, &a->sim_probe);
    const ss_probe_params *pp = &a->cs->scenario.probe;
    a->depth_mm = (float)pp->depth_mm;
    a->freq_mhz = (float)pp->freq_mhz;
    a->gain_db = (float)pp->gain_db;
    a->dr_db = (float)pp->dynamic_range_db;
    for (int i = 0; i < 8; i++) a->tgc_db[i] = (float)pp->tgc_db[i];
    /* landmark-only: the fingers, not the anatomy, find the interspace */
    a->aids_overlay = !a->exam && !a->landmark && a->cs->scenario.aids.anatomy_overlay;
    a->aids_hints = !a->exam && !a->landmark && a->cs->scenario.aids.hints;
    a->anatomy = a->aids_overlay;
    a->skin_transparent = !a->exam && !a->landmark;
    a->level = a->cs->scenario.task.n_expected_interspaces > 0 ? a->cs->scenario.task.expected_interspaces[0]
                                                               : SS_LEVEL_L3_L4;
    return ss__posed_views(a, false);
}

static int ss__name_cmp(const void *x, const void *y) { return strcmp((const char *)x, (const char *)y); }

static void ss__scan_scenarios(ss_tr_app *a)
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
        ss_tr_scenario_entry *e = &a->scenarios[a->nscenarios];
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

int ss_tr_switch_case(ss_tr_app *a, const char *path)
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
    ss_tr_attempt_free(a);
    ss__vis_drain(a);
    ss__case_views_free(a);
    ss_tr_prep_free(a);
    if (a->owns_case) ss_case_free(&a->owned);
    a->owned = next;
    a->owns_case = true;
    a->cs = &a->owned;
    a->script = NULL; /* a script belongs to the scenario it was written for */
    if (ss__case_views_make(a) != 0) return -1;
    return ss_tr_attempt_begin(a);
}

/* ------------------------------------------------------------------ helpers */

static ss_probe ss__display_probe(const ss_tr_app *a)
{
    ss_probe p = a->sim_probe;
    p.depth_mm = a->depth_mm;
    p.freq_mhz = a->freq_mhz;
    p.lines = SS__LINES;
    p.samples = SS__SAMPLES;
    if (p.focal_depth_mm > p.depth_mm * 0.9f) p.focal_depth_mm = p.depth_mm * 0.6f;
    return p;
}

static void ss__bmode_settings(const ss_tr_app *a, ss_bmode_settings *s)
{
    ss_cli_bmode_settings(&a->cs->scenario, s);
    s->gain_db = a->gain_db;
    s->dynamic_range_db = a->dr_db;
    for (int i = 0; i < 8; i++) s->tgc_db[i] = a->tgc_db[i];
    s->image_width_px = SS__IMAGE_PX;
    s->threads = a->bmode_threads;
}

void ss_tr_push_key(SDL_Keycode k, Uint16 mod)
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

static int ss__write_screenshot(const ss_tr_app *a, const char *path)
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

/* at_once: redraw if anything visible changed, whatever the software-GL cadence (the
 * last frame, for --screenshot, shows the final state). */
static void ss__draw_view3d_gl(ss_tr_app *a, const ss_sim_state *st, bool at_once)
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
                          .image_version = a->image_version, .palpation = a->landmark};
    if (a->landmark) {
        /* the palpated point of the chosen interspace, on the patient as they lie */
        const ss_world *pw = a->views_unflexed && a->world.unflexed ? a->world.unflexed : &a->world;
        double p[3];
        if (pw->palpate && pw->palpate(pw->user, a->level, p)) {
            sc.has_palpated = true;
            for (int i = 0; i < 3; i++) sc.palpated_mm[i] = (float)p[i];
        }
    }
    if (st->needle_placed)
        ss_sim_needle_geom(ss_session_sim(a->at.session), sc.needle_tip_mm, sc.needle_dir, &sc.needle_length_mm);
    /* On software GL a 3D redraw costs 30-50 ms, and the live image on its plane changes
       20+ times a second: the 3D view is redrawn at most every SS__VIEW3D_SOFT_MS there
       (the last one shown between), so that the window keeps its rate and the B-mode its
       cores. The B-mode panel itself shows every image. */
    bool redrawn = false;
    double now = ss_tr_now_ms();
    GLuint t = a->view3d_tex;
    if (!t || !a->software || at_once || now - a->view3d_last_ms >= SS__VIEW3D_SOFT_MS) {
        t = ss_view3d_render(a->v3, &sc, w, h, &redrawn);
        a->view3d_tex = t;
    }
    if (redrawn) {
        a->view3d_renders++;
        a->view3d_last_ms = now;
    }
    ss_ui_image(a->ui, img, t, (uint32_t)a->view3d_renders, 0, 1, 1, 0, false);
}

static ss_input_area ss__area_at(const ss_tr_app *a, float x, float y)
{
    if (a->help || a->picker || a->results || a->prep) return SS_AREA_NONE;
    if (a->r_image.w > 0 && ss_ui_rect_contains(a->r_image, x, y)) return SS_AREA_IMAGE;
    ss_rect v = a->r_view3d;
    v.y += 20;
    v.h -= 20;
    if (ss_ui_rect_contains(v, x, y)) return SS_AREA_VIEW3D;
    return SS_AREA_NONE;
}

static void ss__screenshot_now(ss_tr_app *a)
{
    char path[128];
    snprintf(path, sizeof path, "sonospine-screenshot-%ld.png", (long)time(NULL));
    if (ss__write_screenshot(a, path) == 0) ss__say(a, "screenshot written: %s", path);
    else ss__say(a, "screenshot failed: %s", path);
}

/* Landmark-only mode's tilt keys: , and . set how far the needle N puts in (the input
 * devices' enter: ss_input_enter_cmd) tilts toward the head (Shift: 5 deg steps; 0-30
 * deg), as 1-5 set the interspace. */
static bool ss__landmark_key(ss_tr_app *a, SDL_Keycode s, bool shift)
{
    if (s != SDLK_COMMA && s != SDLK_PERIOD) return false;
    double d = (s == SDLK_PERIOD ? 1.0 : -1.0) * (shift ? 5.0 : 1.0);
    a->landmark_tilt_deg = fmin(30.0, fmax(0.0, a->landmark_tilt_deg + d));
    return true;
}

/* Keys of the window itself (image settings, overlays, camera). True when used. */
static bool ss__app_key(ss_tr_app *a, const SDL_KeyboardEvent *k, bool *shot)
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
    if (a->landmark && !a->help && !a->picker && !a->prep && ss__landmark_key(a, s, shift)) return true;
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

static void ss__events(ss_tr_app *a, bool *shot)
{
    a->uin.mouse_pressed = a->uin.mouse_released = false;
    a->uin.wheel_y = 0;
    SDL_Event e;
    while (SDL_PollEvent(&e)) {
        switch (e.type) {
        case SDL_QUIT: a->quit = true; break;
        case SDL_KEYDOWN:
            if (!e.key.repeat && ss__app_key(a, &e.key, shot)) break;
            if (a->help || a->picker || a->prep) break;
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

static void ss__run_ticks(ss_tr_app *a, double real_dt_s)
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
                            .guide_max_deg = a->cs->scenario.task.guide_angle_max_deg,
                            .landmark = a->landmark, .landmark_tilt_deg = a->landmark_tilt_deg};
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
    ss_tr_app *a = arg;
    /* The hint is for a probe at rest; the live picture is for a probe in motion. This
       thread yields to the B-mode renderer (Linux: nice is per thread): while the probe
       sweeps, its measures ran back to back and took ~30 % of a 2-core machine from the
       picture (perf, bench --trainer). */
    if (setpriority(PRIO_PROCESS, (id_t)gettid(), 19) != 0) { /* best effort: the hint still works */ }
    pthread_mutex_lock(&a->vis_mu);
    for (;;) {
        while (!a->vis_quit && !a->vis_job) pthread_cond_wait(&a->vis_cv, &a->vis_mu);
        if (a->vis_quit) break;
        ss_probe_pose pose = a->vis_job_pose;
        const ss_spine *spine = ss_case_spine_posed(a->cs, a->views_unflexed);
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

static void ss__vis_stop(ss_tr_app *a)
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
static void ss__vis_drain(ss_tr_app *a)
{
    if (!a->vis_thread_started) return;
    pthread_mutex_lock(&a->vis_mu);
    if (a->vis_job) {
        /* posted but not yet taken: it will never run, so it is not running */
        a->vis_job = false;
        a->vis_running = false;
    }
    while (a->vis_running) pthread_cond_wait(&a->vis_cv, &a->vis_mu);
    a->vis_valid = false;
    pthread_mutex_unlock(&a->vis_mu);
}

static void ss__update_visibility(ss_tr_app *a, const ss_sim_state *st)
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

static void ss__frame(ss_tr_app *a, bool *shot, bool sync_bmode)
{
    if (a->win) {
        SDL_GetWindowSize(a->win, &a->w, &a->h);
        SDL_GL_GetDrawableSize(a->win, &a->fb_w, &a->fb_h);
    }
    ss_tr_layout(a);
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
    /* B-mode request (none with SONOSPINE_TRAINER_SKIP=bmode: the profile of a window
       without the picture must not pay for a worker rendering images no one shows) */
    if (st->probe_on_skin && !a->frozen && !a->skip_bmode) {
        ss_probe dp = ss__display_probe(a);
        ss_bmode_settings s;
        ss__bmode_settings(a, &s);
        ss_needle_geom ng;
        ss_bmode_view_want_overlay(a->bm, a->anatomy && a->aids_overlay);
        ss_bmode_view_request(a->bm, &dp, &st->pose, ss_cli_sim_needle(ss_session_sim(a->at.session), &ng), &s);
    }
    if (sync_bmode) ss_bmode_view_flush(a->bm);
    double q0 = ss_tr_now_ms();
    if (!a->skip_bmode) ss_bmode_view_update(a->bm);
    /* the image's stamp: every upload counts, the flush's above included (the UI and the
       3D view compare it to know the texture's pixels changed); monotonic across the
       views a case switch or a posture makes, whose textures may reuse a name */
    unsigned uploads = ss_bmode_view_uploads(a->bm);
    if (uploads != a->bm_uploads) a->image_version++;
    a->bm_uploads = uploads;
    double q1 = ss_tr_now_ms();
    ss__update_visibility(a, st);
    double q2 = ss_tr_now_ms();

    /* no clear: the UI draws the whole window, background included, and only where it changed */
    ss_ui_begin(a->ui, a->w, a->h, a->fb_w, a->fb_h, &a->uin);
    ss_tr_draw_top(a);
    ss_tr_draw_bmode(a, st);
    ss_tr_draw_view3d(a, st);
    if (!a->skip_3d) ss__draw_view3d_gl(a, st, sync_bmode);
    ss_tr_draw_controls(a, st);
    ss_tr_draw_status(a, st);
    if (a->results && !a->picker) ss_tr_draw_results(a);
    if (a->prep && !a->picker && !a->results) ss_tr_draw_prep(a);
    if (a->picker) ss_tr_draw_picker(a);
    if (a->help) ss_tr_draw_help(a);
    /* the 3D view goes under the panels' overlays: draw it first, then the UI */
    double q3 = ss_tr_now_ms();
    ss_ui_end(a->ui);
    int redrawn, tiles;
    ss_ui_redraw_stats(a->ui, &redrawn, &tiles);
    a->ui_tiles_redrawn += redrawn;
    a->ui_tiles += tiles;
    if (a->profile) glFinish();
    double q4 = ss_tr_now_ms();
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
    ss_tr_app *a = calloc(1, sizeof *a);
    if (!a) return 1;
    a->d = *desc;
    if (a->d.speed <= 0) a->d.speed = 1.0;
    if (!a->d.mode) a->d.mode = "practice";
    a->exam = strcmp(a->d.mode, "exam") == 0;
    a->landmark = strcmp(a->d.mode, "landmark") == 0;
    a->landmark_tilt_deg = 5.0;
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
    const char *floor_ms = getenv("SONOSPINE_FRAME_FLOOR_MS");
    a->floor_frame_ms = floor_ms && atof(floor_ms) > 0 ? atof(floor_ms) : software ? SS__FLOOR_FRAME_MS_SOFT : a->min_frame_ms;
    if (a->floor_frame_ms > a->min_frame_ms) a->floor_frame_ms = a->min_frame_ms;
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
    const char *repaint = getenv("SONOSPINE_UI_REPAINT");
    ss_ui_repaint_all(a->ui, repaint && strcmp(repaint, "all") == 0);
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
    if (ss_tr_attempt_begin(a) != 0) goto done;

    code = 0;
    double last = ss_tr_now_ms(), frame_start = last;
    bool shot = false;
    while (!a->quit) {
        double now = ss_tr_now_ms();
        double dt = (now - last) / 1000.0;
        last = now;
        double p0 = ss_tr_now_ms();
        ss__events(a, &shot);
        ss__run_ticks(a, dt);
        if (ss__posture_follow(a) != 0) {
            code = 1;
            break;
        }
        if (a->script_over && a->d.exit_after_script) break;
        double p1 = ss_tr_now_ms();
        ss__frame(a, &shot, false);
        double p2 = ss_tr_now_ms();
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
        double p3 = ss_tr_now_ms();
        if (a->profile && p3 - p0 > 100)
            fprintf(stderr, "slow frame %.0f ms: events+ticks %.0f, draw %.0f, swap %.0f\n", p3 - p0, p1 - p0, p2 - p1,
                    p3 - p2);
        /* at most ~60 frames a second (16 ms): the B-mode worker needs the CPU more than a
         * window that cannot show more frames (software GL has no vsync to wait on). On
         * software GL a frame lasts 12-32 ms: after the floor it ends as soon as the
         * worker has an image waiting, so the image is shown the moment it is made, and a
         * still probe (no image coming; none is asked for with SONOSPINE_TRAINER_SKIP=bmode)
         * leaves the window at the 32 ms cap */
        double spent = ss_tr_now_ms() - frame_start;
        if (spent < a->floor_frame_ms) SDL_Delay((Uint32)(a->floor_frame_ms - spent));
        spent = ss_tr_now_ms() - frame_start;
        if (spent < a->min_frame_ms) ss_bmode_view_wait(a->bm, a->min_frame_ms - spent);
        double end = ss_tr_now_ms();
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
                 "# 3D view rendered %ld times (only when something visible changed)\n"
                 "# window repainted %.1f %% of its tiles a frame (the rest is the last frame's)\n",
                 a->w, a->h, a->fb_w, a->fb_h, gi->version ? gi->version : "?", gi->renderer ? gi->renderer : "?",
                 gi->video_driver ? gi->video_driver : "?", ss_bmode_view_backend(a->bm), frames, bm_ms, SS__LINES,
                 SS__SAMPLES, a->view3d_renders, a->ui_tiles > 0 ? 100.0 * a->ui_tiles_redrawn / a->ui_tiles : 0.0);
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
    ss_tr_attempt_free(a);
    ss_input_hub_free(&a->hub);
    ss__case_views_free(a);
    ss_tr_prep_free(a);
    if (a->owns_case) ss_case_free(&a->owned);
    ss_ui_destroy(a->ui);
    ss_frame_stats_free(&a->fs);
    ss_gl_context_destroy(a->gl);
    free(a);
    return code;
}

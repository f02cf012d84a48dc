/* trainer_app.h: the trainer window's state, shared by its loop (trainer.c: events,
 * attempt lifecycle, simulation ticks, B-mode worker, frame) and its panels (panels.c:
 * top bar, B-mode panel, 3D view frame, controls, status strip, help, picker, results).
 * Private to src/trainer/. */
#ifndef SS_TRAINER_APP_H
#define SS_TRAINER_APP_H

#include <GL/glew.h>
#include <SDL2/SDL.h>
#include <pthread.h>
#include <stdbool.h>

#include "bmode_view.h"
#include "frame_stats.h"
#include "input/input.h"
#include "patient_case.h"
#include "platform/gl_context.h"
#include "session.h"
#include "trainer.h"
#include "ui/ui.h"
#include "view3d.h"

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
/* Software GL (no vsync to wait on): the window's frame lasts at least
   SS__FLOOR_FRAME_MS_SOFT and at most SS__MIN_FRAME_MS_SOFT; in between it ends as soon as
   the B-mode worker has an image waiting (ss_bmode_view_wait), so the picture is shown the
   moment it is made, while a still probe leaves the window at ~31 fps and the cores to the
   renderer (docs/controls.md "Frame rate": with the fixed 32 ms cap the picture waited for
   the window's next frame, B-mode 31.7 Hz, latency 32 ms) */
#define SS__MIN_FRAME_MS_SOFT 32.0
#define SS__FLOOR_FRAME_MS_SOFT 12.0
#define SS__VIEW3D_SOFT_MS 100.0 /* software GL: the 3D view redrawn at most this often */

typedef struct ss_tr_scenario_entry {
    char path[1024];
    char label[160];
    char description[SS_SCENARIO_DESCRIPTION_MAX];
} ss_tr_scenario_entry;

typedef struct ss_tr_attempt {
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
    char scenario_sha256[65]; /* the case as it started: an exam attempt is recorded only for it */
    /* the latest critical error (critical.h) in words, shown in red until the attempt ends */
    char critical[SS_GRADE_NOTE_CHARS];
    int ncritical;
} ss_tr_attempt;

typedef struct ss_tr_app {
    ss_trainer_desc d;
    bool exam, aids_overlay, aids_hints;
    /* landmark-only mode (--mode landmark): no ultrasound; the 3D view shows what
       palpation finds, N puts the needle in at the palpated interspace tilted
       landmark_tilt_deg toward the head (, and . change it) */
    bool landmark;
    double landmark_tilt_deg;
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
    bool views_unflexed;   /* volume, B-mode and 3D view show the unflexed patient (sim.h's posture) */
    bool use_gpu;
    char bmode_note[256];
    /* image settings */
    ss_probe sim_probe;
    float depth_mm, freq_mhz, gain_db, dr_db, tgc_db[8];
    bool frozen, skin_transparent, anatomy;
    int level;
    /* overlays */
    bool help, picker, results;
    /* the pre-procedure stage (issue 24): open at the start of an attempt the trainee
       drives; what the panel holds until "Begin the scan" issues it as commands */
    bool prep;
    ss_prep_inputs prep_in;
    float prep_cobb;
    /* the end-vertebra lines drawn on the AP film (film pixels): the upper end vertebra's
       upper endplate (points 0-1), the lower one's lower endplate (2-3) */
    double cobb_pts[4][2];
    int ncobb_pts;
    GLuint xray_tex[2];
    int xray_w[2], xray_h[2];
    unsigned xray_stamp; /* changes each time the films are made (ss_ui_image's stamp) */
    char surgical_record[600];
    ss_tr_scenario_entry scenarios[SS__MAX_SCENARIOS];
    int nscenarios, picked;
    float picker_scroll;
    /* attempt and time */
    ss_tr_attempt at;
    double tick_debt;
    const ss_script *script;
    bool script_over;
    bool quit;
    /* layout */
    ss_rect r_bmode, r_image, r_view3d, r_controls, r_status;
    ss_rect r_film;  /* where the pre-procedure panel drew the AP film (the Cobb tool's area) */
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
    double floor_frame_ms; /* the shortest frame (software GL: SS__FLOOR_FRAME_MS_SOFT; else min_frame_ms) */
    int bmode_threads;
    float view3d_scale;       /* 3D view resolution relative to the drawable */
    unsigned image_version; /* the shown image's stamp: changes with every upload (ss__frame) */
    unsigned bm_uploads;    /* ss_bmode_view_uploads of bm when last looked at */
    long view3d_renders; /* SONOSPINE_TRAINER_SKIP=3d,bmode: what costs what (profiling) */
    double ui_tiles_redrawn, ui_tiles; /* summed over frames: the share of the window repainted */
    bool software;       /* software GL (llvmpipe, softpipe) */
    GLuint view3d_tex;   /* the 3D view's last image */
    double view3d_last_ms;
} ss_tr_app;

/* panels.c */
void ss_tr_draw_bmode(ss_tr_app *a, const ss_sim_state *st);
void ss_tr_draw_controls(ss_tr_app *a, const ss_sim_state *st);
void ss_tr_draw_help(ss_tr_app *a);
void ss_tr_draw_picker(ss_tr_app *a);
void ss_tr_draw_prep(ss_tr_app *a);
void ss_tr_prep_free(ss_tr_app *a);
void ss_tr_draw_results(ss_tr_app *a);
void ss_tr_draw_status(ss_tr_app *a, const ss_sim_state *st);
void ss_tr_draw_top(ss_tr_app *a);
void ss_tr_draw_view3d(ss_tr_app *a, const ss_sim_state *st);
void ss_tr_layout(ss_tr_app *a);

/* trainer.c, for the panels */
int ss_tr_attempt_begin(ss_tr_app *a);
/* A command from the window's own panels into the attempt, as from an input device. */
bool ss_tr_issue(ss_tr_app *a, const ss_script_cmd *c);
void ss_tr_attempt_free(ss_tr_app *a);
double ss_tr_now_ms(void);
void ss_tr_push_key(SDL_Keycode k, Uint16 mod);
int ss_tr_switch_case(ss_tr_app *a, const char *path);

#endif

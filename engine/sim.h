/* sim.h: one attempt, stepped at a fixed tick: probe, puncture frame, needle, stylet,
 * injection and CT escalation, producing the event stream and per-tick samples.
 *
 * The simulation never touches files, windows or devices: commands come in as
 * ss_script_cmd values (from a session script, the trainer's input devices or a log
 * being replayed), events go out through an ss_event_sink, and per-tick samples for the
 * metrics through an optional callback. Same commands at the same ticks -> the same
 * events and state, bit for bit (doubles only, no clocks, no threads).
 *
 * The patient is reached through an ss_world (labels, skin surface, standard view
 * placement, targets), so the simulation runs on the spine model or on a phantom.
 *
 * Geometry of the puncture frame (the paper's technique): the frame is clipped to the
 * probe's +x end (along the array) at the face, SS_SIM_GUIDE_OFFSET_MM beyond the
 * aperture; the needle runs in the image plane toward -x at `angle` to the beam axis,
 * so it crosses the beam and is seen in plane. "auto" aims it through the interlaminar
 * window of the current level into the thecal sac (the world's aim point, projected
 * into the image plane: the path planned in the pre-procedure scan), clamped to the
 * scenario's allowed angles.
 * Posture: the world may carry the patient unflexed (world.h). An attempt that did a
 * pre-procedure stage (any xray.*, level.choose or check command) and starts the scan
 * (its first probe, frame or needle command) without `check position` meets the patient
 * lying unflexed from then on: the state's 'unflexed' turns true and every later label,
 * skin, view and aim comes from the unflexed world. An attempt with no stage (scripts
 * that leave preparation out, the window's Skip) keeps the scenario's posture: the
 * instructor positioned the patient. The posture is settled once, at that first command.
 * Probe rotations (probe.rotate yaw pitch roll, degrees) are about the probe's own
 * axes: yaw about the beam (sagittal <-> transverse), pitch about the array axis
 * (tilting the beam across the image plane), roll about the elevation axis (rocking in
 * the image plane). Once the needle is in the body it no longer follows the probe (the
 * frame slides on it): moving the probe then can lose the tip from view.
 */
#ifndef SS_SIM_H
#define SS_SIM_H

#include <stdbool.h>

#include "event.h"
#include "guide_frame.h"
#include "metrics.h"
#include "needle.h"
#include "probe.h"
#include "preparation.h"
#include "session_script.h"
#include "world.h"

#define SS_SIM_TICK_S 0.01           /* 100 Hz */
#define SS_SIM_INJECT_ML_PER_S (5.0 / 90.0) /* the paper: 5 ml over 1-2 min */



typedef struct ss_sim_desc {
    ss_world world;
    ss_needle_spec needle;
    ss_probe probe;
    bool guide_allowed;
    double guide_min_deg, guide_max_deg;
    bool freehand_allowed;
    /* an exam: the planner (probe.plan, guide.attach auto) is an aid and is refused; the
     * candidate finds the window and sets the frame's angle */
    bool exam;
    /* landmark-only mode (no ultrasound): every probe and frame command is refused; the
     * needle goes in free hand, at the palpated interspace (needle.landmark) or anywhere
     * (needle.place) */
    bool landmark;
    /* the procedure note of the patient's previous dose (a course: run --course): what
     * `note` recorded then, which `probe.view note`, `level.choose note` and
     * `guide.attach note` use now (zero: nothing recorded) */
    ss_proc_note prior_note;
    ss_event_sink sink;                                   /* events out */
    void (*on_tick)(void *user, const ss_tick_sample *s); /* samples out (optional) */
    /* every command offered to ss_sim_command, accepted or refused, before its effects
     * (optional): the session log records these as the attempt's inputs */
    void (*on_command)(void *user, long tick, const ss_script_cmd *cmd);
    /* optional: a command refused or not fully carried out, and why (the state's note) */
    void (*on_refused)(void *user, const ss_script_cmd *cmd, const char *why);
    void *tick_user; /* user pointer of on_tick, on_command and on_refused */
} ss_sim_desc;

typedef struct ss_sim_state {
    long tick;
    double t_s;
    bool probe_on_skin;
    ss_probe_pose pose;
    int view;                /* standard view in use, or -1 after the probe left it */
    int view_level;          /* interspace of the last placed view, or -1 */
    bool guide_attached;
    double guide_angle_deg;
    bool needle_placed;      /* a needle is on a line (guided or free-hand) */
    ss_needle needle;
    bool stylet_in;
    bool csf_seen;
    double injected_ml;
    ss_prep_inputs prep;     /* what the pre-procedure stage's commands said (preparation.h) */
    ss_proc_note proc_note;  /* what this dose's procedure note records (`note`), for the next dose */
    bool posture_settled;    /* the scan has begun: the posture below is final */
    bool unflexed;           /* the patient lies unflexed ('position' skipped; see above) */
    bool ended;
    char note[320];          /* the last refused command, in words ("" if none) */
} ss_sim_state;

typedef struct ss_sim ss_sim;


ss_status ss_sim_create(const ss_sim_desc *desc, ss_sim **out);
void ss_sim_free(ss_sim *sim);

/* Starts a command now. Instant commands take effect at once; timed ones
 * (advance, withdraw, inject) run over the following ticks (ss_sim_busy). A command the
 * situation forbids (guide not allowed, needle not placed, ...) is refused: it changes
 * nothing and its reason goes to the state's note; returns false then. */
bool ss_sim_command(ss_sim *sim, const ss_script_cmd *cmd);
bool ss_sim_busy(const ss_sim *sim);
/* Advances one tick. */
void ss_sim_step(ss_sim *sim);
const ss_sim_state *ss_sim_get_state(const ss_sim *sim);

/* Needle geometry for the renderer (shaft from the tip back along the needle). */
void ss_sim_needle_geom(const ss_sim *sim, float tip_mm[3], float dir[3], float *length_mm);

/* Runs a script headless as fast as possible: each command starts at its time, or
 * when the previous timed command has finished if that is later (a trainee finishes
 * a movement before the next). Stops after `end`, or at max_time_s (the scenario's
 * time limit) with an end event. */
void ss_sim_run_script(ss_sim *sim, const ss_script *script, double max_time_s);

#endif

/* input.h: the input-device layer: hardware (or a script) in, probe and needle
 * commands out, force feedback back.
 *
 * Every action of the trainee that changes the attempt becomes an ss_script_cmd
 * (session_script.h) offered to the simulation at a tick, so the session log records it
 * and `sonospine replay` re-simulates the attempt exactly. Continuous motions become a
 * small command per tick (probe.move by a fraction of a millimetre, needle.advance of
 * speed x tick at a speed that finishes within the tick).
 *
 * A device is a small table of functions (ss_input_device):
 *   event     an SDL event (keyboard, mouse, game controller), optional;
 *   poll      once per simulation tick, before the tick: issue commands through the sink;
 *             the sink runs each at once, so the device sees the simulation's state
 *             after it (busy while a timed command runs);
 *   feedback  after each frame: the needle's axial force and the events of the frame
 *             (haptic output), optional;
 *   finished  a scripted source says it has nothing more to give, optional;
 *   destroy.
 * Devices here: mouse + keyboard (input_mouse_keyboard.c), SDL game controller
 * (input_gamepad.c), the session script (input_script.c), force feedback through
 * SDL's haptic API (input_haptics.c) and OpenIGTLink tracked tools (input_igtl.c). A
 * 3/6-DOF haptic stylus would be one more device: it turns poses into probe.move/probe.rotate or
 * needle.advance commands in poll and renders the force in feedback; the engine and the
 * trainer do not change.
 * What it does not do: draw, or decide anything about the attempt (the simulation
 * refuses what is not possible and says why in its state's note).
 */
#ifndef SS_INPUT_H
#define SS_INPUT_H

#include <SDL2/SDL.h>
#include <stdbool.h>

#include "event.h"
#include "session_script.h"
#include "sim.h"

/* Where commands go: the trainer's sink offers each to the simulation (logged) and
 * returns whether it was accepted. */
typedef struct ss_input_sink {
    bool (*issue)(void *user, const ss_script_cmd *cmd);
    void *user;
} ss_input_sink;

/* What a device may know when it is polled. */
typedef struct ss_input_tick {
    const ss_sim *sim;           /* read-only: state and busy */
    double t_s;                  /* simulation time of the tick about to run */
    double dt_s;                 /* SS_SIM_TICK_S */
    bool aids;                   /* practice mode with aids: view shortcuts, automatic aim */
    int level;                   /* interspace chosen for the view shortcuts (SS_LEVEL_*) */
    double inject_ml;            /* the task's volume */
    double guide_min_deg, guide_max_deg;
    /* landmark-only mode: "put the needle in" means at the palpated point of `level`,
       tilted landmark_tilt_deg toward the head (needle.landmark), not along a frame */
    bool landmark;
    double landmark_tilt_deg;
} ss_input_tick;

/* What the hand should feel, once a frame. */
typedef struct ss_input_feedback {
    bool needle_in_body;
    double axial_force_n;        /* ss_needle_force_n: resistance along the needle */
    const ss_event *events;      /* events of this frame (pops, bone) */
    int nevents;
} ss_input_feedback;

typedef struct ss_input_device {
    const char *name;
    void *self;
    bool (*event)(void *self, const SDL_Event *e);
    void (*poll)(void *self, const ss_input_tick *tick, const ss_input_sink *sink);
    void (*feedback)(void *self, const ss_input_feedback *fb);
    bool (*finished)(void *self);
    void (*destroy)(void *self);
} ss_input_device;

enum { SS_INPUT_MAX_DEVICES = 8 };

/* The devices in use. */
typedef struct ss_input_hub {
    ss_input_device devices[SS_INPUT_MAX_DEVICES];
    int count;
} ss_input_hub;

/* Adds a device (the hub destroys it). Returns false when full (the device is destroyed). */
bool ss_input_hub_add(ss_input_hub *hub, ss_input_device dev);
/* Offers an SDL event to every device; true when one used it. */
bool ss_input_hub_event(ss_input_hub *hub, const SDL_Event *e);
void ss_input_hub_poll(ss_input_hub *hub, const ss_input_tick *tick, const ss_input_sink *sink);
void ss_input_hub_feedback(ss_input_hub *hub, const ss_input_feedback *fb);
/* The device of this name, or NULL. */
ss_input_device *ss_input_hub_find(ss_input_hub *hub, const char *name);
void ss_input_hub_free(ss_input_hub *hub);

/* ------------------------------------------------------------------ helpers for devices */
/* Command builders (t_s is set by the caller's tick; line 0 = interactive). */
ss_script_cmd ss_input_cmd(ss_script_op op);
ss_script_cmd ss_input_cmd3(ss_script_op op, double a, double b, double c);
/* Every device's "put the needle in": needle.enter (into the frame, or the free-hand
 * line already placed), or in landmark-only mode needle.landmark at the tick's level and
 * tilt. */
ss_script_cmd ss_input_enter_cmd(const ss_input_tick *tk);

/* ------------------------------------------------------------------ mouse and keyboard */
/* Pointer areas: where a drag starts decides how it moves the probe. */
typedef enum ss_input_area { SS_AREA_NONE = 0, SS_AREA_IMAGE, SS_AREA_VIEW3D, SS_AREA_COUNT } ss_input_area;

typedef struct ss_input_mk ss_input_mk;
ss_input_device ss_input_mk_create(ss_input_mk **handle_out);
/* The patient-frame displacement (mm) of one window unit of drag to the right and
 * down in an area; set by the trainer every frame from its layout and camera. */
void ss_input_mk_set_area(ss_input_mk *mk, ss_input_area area, const float right_mm[3], const float down_mm[3]);
/* The area a press at (x, y) belongs to (the trainer's hit test), set before events. */
void ss_input_mk_set_pointer_area(ss_input_mk *mk, ss_input_area area);
/* The frame angle the keys set (degrees), shown by the trainer. */
double ss_input_mk_guide_angle(const ss_input_mk *mk);
void ss_input_mk_set_guide_angle(ss_input_mk *mk, double deg);
/* True while the mouse drives the probe or needle (the camera should not also move). */
bool ss_input_mk_dragging(const ss_input_mk *mk);

/* Keys (SDL keycodes) the mouse/keyboard device uses, for the help overlay. */
typedef struct ss_input_binding {
    const char *keys;
    const char *action;
    bool aids_only;          /* practice mode with aids only */
} ss_input_binding;
const ss_input_binding *ss_input_mk_bindings(int *count);

/* ------------------------------------------------------------------ game controller */
ss_input_device ss_input_gamepad_create(void);
const ss_input_binding *ss_input_gamepad_bindings(int *count);

/* ------------------------------------------------------------------ session script */
/* Plays a parsed script as ss_sim_run_script does (each command at its time, after the
 * previous timed command has finished); finished() once every command was issued and
 * the last movement ended. The script must outlive the device. */
ss_input_device ss_input_script_create(const ss_script *script);

/* ------------------------------------------------------------------ force feedback */
/* Opens the first haptic device SDL finds (a force-feedback joystick or the game
 * controller's rumble). *found is false when there is none; the device then does nothing. */
ss_input_device ss_input_haptics_create(bool *found, char *name_out, size_t name_size);
/* The feedback law, exposed for tests: constant-force level (0..1) for an axial force,
 * saturating at SS_INPUT_HAPTIC_MAX_N, and the rumble strength (0..1) of a frame's events. */
#define SS_INPUT_HAPTIC_MAX_N 15.0
double ss_input_haptic_level(double axial_force_n);
double ss_input_haptic_pulse(const ss_event *events, int nevents);

/* ------------------------------------------------------------------ OpenIGTLink tracked tools */
/* A tracked probe and needle over OpenIGTLink (docs/igtl.md): listens on bind_addr:port
 * (0: any free port) without ever blocking; TRANSFORMs named ProbeToReference and
 * NeedleToReference (needle shaft along needle_axis, igtl/igtl_track.h) become the same
 * logged commands as `sonospine igtl` issues; the simulation's poses go back at 20 Hz and
 * its events as STRING messages. *cs is the trainer's current case (followed when the
 * trainee picks another scenario). False, with ss_error_message(), when the port cannot
 * be opened. */
#include "patient_case.h"
bool ss_input_igtl_create(const ss_case *const *cs, const char *bind_addr, int port, int needle_axis,
                          ss_input_device *out);
int ss_input_igtl_port(const ss_input_device *dev);
/* Adds the device when the environment asks for it: SONOSPINE_IGTL_PORT (unset: no
 * device), SONOSPINE_IGTL_BIND (default 127.0.0.1), SONOSPINE_IGTL_NEEDLE_AXIS (default
 * +x). Prints "OpenIGTLink tracked tools: listening on port N". False, after printing
 * why, on a bad value or a port that cannot be opened. */
bool ss_input_igtl_from_env(ss_input_hub *hub, const ss_case *const *cs);

#endif

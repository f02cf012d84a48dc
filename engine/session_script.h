/* session_script.h: the scripted trainee (DESIGN.md "Session script").
 *
 * Parses the plain-text script format into a list of timed commands; it does not run
 * them (the simulation does). One command a line: time in seconds (non-decreasing),
 * then the command and its arguments; '#' starts a comment. Units: mm, degrees,
 * seconds, ml. Every error is reported as "file:line: message" naming what was expected
 * and what was found; all errors are collected, not only the first.
 */
#ifndef SS_SESSION_SCRIPT_H
#define SS_SESSION_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include "error.h"

typedef enum ss_script_op {
    SS_OP_PROBE_VIEW,          /* level, view, side */
    SS_OP_PROBE_MOVE,          /* dx dy dz (mm, patient frame) */
    SS_OP_PROBE_ROTATE,        /* yaw pitch roll (deg) */
    SS_OP_PROBE_PLAN,          /* slide as the pre-procedure plan says (plan.h) */
    SS_OP_GUIDE_ATTACH,        /* angle_deg, or auto */
    SS_OP_GUIDE_DETACH,
    SS_OP_NEEDLE_ENTER,
    SS_OP_NEEDLE_PLACE,        /* x y z dx dy dz (free-hand) */
    SS_OP_NEEDLE_ADVANCE,      /* mm, mm/s */
    SS_OP_NEEDLE_WITHDRAW,     /* mm, mm/s */
    SS_OP_NEEDLE_ADVANCE_UNTIL,/* event, max mm, mm/s */
    SS_OP_NEEDLE_REMOVE,
    SS_OP_STYLET_REMOVE,
    SS_OP_STYLET_REPLACE,
    SS_OP_INJECT,              /* ml */
    SS_OP_ESCALATE_CT,
    /* the pre-procedure stage (preparation.h) */
    SS_OP_XRAY_COBB,           /* deg */
    SS_OP_XRAY_NASH_MOE,       /* grade 0..4 in args[0] (written 0, I, II, III, IV) */
    SS_OP_LEVEL_CHOOSE,        /* level */
    SS_OP_CHECK,               /* item (ss_check_item) */
    SS_OP_NEEDLE_LANDMARK,     /* level, cranial tilt deg: free-hand at the palpated interspace */
    SS_OP_NOTE,                /* level [, frame angle deg in args[0], NAN none]: the procedure note */
    SS_OP_END,
    SS_OP_COUNT
} ss_script_op;

enum { SS_SCRIPT_MAX_ARGS = 6 };

/* probe.view and level.choose may name `note` for their interspace, and guide.attach
 * `note` for its angle: what the procedure note of the patient's previous dose recorded
 * (sim.h's prior note; refused when it recorded none). */
#define SS_LEVEL_NOTE (-2)

/* The standard views (DESIGN.md), names used everywhere. */
typedef enum ss_view {
    SS_VIEW_SPINOUS,
    SS_VIEW_NEAR_SPINOUS,
    SS_VIEW_PARASAGITTAL_OBLIQUE,
    SS_VIEW_TRANSVERSE_INTERLAMINAR,
    SS_VIEW_TRANSVERSE_SPINOUS,
    SS_VIEW_COUNT
} ss_view;

typedef struct ss_script_cmd {
    double t_s;
    ss_script_op op;
    int line;                     /* 1-based source line */
    double args[SS_SCRIPT_MAX_ARGS];
    int level;                    /* PROBE_VIEW: interspace (patient.h SS_LEVEL_*) */
    ss_view view;                 /* PROBE_VIEW */
    int side_right;               /* PROBE_VIEW: 1 right (default), 0 left */
    int guide_auto;               /* GUIDE_ATTACH: 1 for "auto" */
    int guide_note;               /* GUIDE_ATTACH: 1 for "note" (the previous dose's angle) */
    int note_angle;               /* NOTE: 1 when the frame's angle was noted (in args[0]); every
                                     argument stays a finite number either way */
    char event[32];               /* ADVANCE_UNTIL: event type name */
    int item;                     /* CHECK: the checklist item (preparation.h) */
} ss_script_cmd;

typedef struct ss_script {
    ss_script_cmd *cmds;
    size_t count;
} ss_script;

/* Parses script text. `name` is used in messages. On failure returns SS_ERR_PARSE with
 * every error, one per line "name:line: message", in ss_error_message() (truncated to
 * the message buffer with a count of the rest). */
ss_status ss_script_parse(const char *text, const char *name, ss_script *out);
ss_status ss_script_load(const char *path, ss_script *out);
void ss_script_free(ss_script *s);

/* A command as a JSON object {"cmd":"needle.advance","args":[45,5],...} (the session
 * log's input records) and back. from_json returns false for a malformed object: an
 * unknown command, other than the command's number of arguments (guide.attach: none
 * with "auto":true or "note":true, else one; note: none or one), a non-finite argument, an unknown level or view, a side
 * other than "left"/"right", a needle movement or injection of zero or less, a
 * free-hand needle with no direction. It does not apply the script's upper limits
 * (input devices may move the needle faster than a script may ask for). */
#include <cjson/cJSON.h>
cJSON *ss_script_cmd_to_json(const ss_script_cmd *c);
bool ss_script_cmd_from_json(const cJSON *o, ss_script_cmd *out);

/* The ranges every command's numbers must lie in, whoever gives them (a script, a log
 * being replayed, the window, a tracker): finite; probe moves within +-SS_SCRIPT_MAX_MOVE_MM
 * on each axis, rotations within +-180 deg, the frame's angle 0-80 deg, needle moves
 * (0, 200] mm at (0, SS_SCRIPT_MAX_SPEED_MM_S] mm/s (a game controller's trigger gives
 * up to 80), injections (0, 20] ml, a free-hand needle within
 * +-SS_SCRIPT_MAX_COORD_MM of the patient's origin with a direction. false with the
 * reason in why otherwise. A script's times lie in [0, SS_SCRIPT_MAX_TIME_S]. */
#define SS_SCRIPT_MAX_MOVE_MM 200.0
#define SS_SCRIPT_MAX_SPEED_MM_S 200.0
#define SS_SCRIPT_MAX_COORD_MM 1000.0
#define SS_SCRIPT_MAX_TIME_S 7200.0 /* the longest time limit a scenario or exam may set */
bool ss_script_cmd_in_range(const ss_script_cmd *c, char *why, size_t n);

/* The commands that say what a pre-procedure stage decided (the trainer window's
 * preparation panel): xray.cobb, xray.nash-moe, level.choose for what is given, then a
 * check for each ticked item in checklist order, all at t_s. Returns how many (at most
 * max; 3 + SS_CHECK_COUNT cover any). */
struct ss_prep_inputs;
int ss_script_prep_commands(const struct ss_prep_inputs *in, double t_s, ss_script_cmd *out, int max);

const char *ss_script_op_name(ss_script_op op);
const char *ss_view_name(ss_view v);
/* View from its name ("near-spinous"), or -1. */
int ss_view_from_name(const char *name);
/* True for a session-log event type name of DESIGN.md ("dura_pop", ...). */
int ss_event_name_known(const char *name);

#endif

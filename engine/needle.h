/* needle.h: the needle, what it passes through, and the force the hand feels.
 *
 * A straight rigid shaft (no bending: the paper's 18G needle is stiff and runs in a
 * puncture frame, and a rigid shaft keeps the simulation exactly deterministic). The
 * needle moves along one line: `start_mm + dir * depth_mm` is the geometric tip. It asks
 * the anatomy which tissue lies ahead through an ss_tissue_query (the spine model's
 * analytic query, or a phantom in tests) in fixed 0.05 mm steps, so results do not
 * depend on how a move is split into ticks.
 *
 * Tissue interaction (see tissue.h's ss_tissue_mech): before a tissue with a puncture
 * force is cut, its surface tents: the tip pushes it ahead and the force grows as
 * k * indentation; at the tissue's puncture force it pops and the tip of record enters
 * it. Shaft friction adds per mm of shaft in each tissue. Hard tissue (bone, metal)
 * stops the tip: a bone contact. Forces scale with the needle's outer diameter
 * (reference 18G = 1.27 mm); a pencil-point tip needs 1.3x the puncture force of a
 * cutting (Quincke) tip (unconfirmed factor; pencil-point tips part fibres instead of
 * cutting them, which is why they cause fewer post-dural-puncture headaches).
 *
 * Events (event.h): skin_entry, layer_enter (with the tissue), flavum_pop (leaving the
 * ligamentum flavum: the loss of resistance), dura_pop (entering the CSF), bone_contact,
 * nerve_contact, vessel_puncture, needle_exit (tip back out of the skin).
 * What it does not do: stylet, CSF flow, injection and the guide (see sim.c).
 */
#ifndef SS_NEEDLE_H
#define SS_NEEDLE_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"

typedef enum ss_needle_tip { SS_TIP_QUINCKE = 0, SS_TIP_PENCIL = 1 } ss_needle_tip;

typedef struct ss_needle_spec {
    int gauge;           /* 18, 20 or 22 */
    double length_mm;    /* 90..180 */
    ss_needle_tip tip;
} ss_needle_spec;

/* The paper's needle: 18G, 180 mm, cutting bevel. */
void ss_needle_spec_default(ss_needle_spec *out);
/* Outer diameter (REFERENCE §3): 18G 1.27, 20G 0.91, 22G 0.72 mm; 0 for other gauges. */
double ss_needle_outer_diameter_mm(int gauge);

typedef struct ss_tissue_query {
    int (*label_at)(void *user, const double p_mm[3]); /* ss_tissue label at a point */
    void *user;
} ss_tissue_query;

#define SS_NEEDLE_STEP_MM 0.05
#define SS_NEEDLE_MAX_STEPS 4096 /* > 200 mm / 0.05 mm */

typedef struct ss_needle {
    ss_needle_spec spec;
    double start_mm[3];      /* where the line begins (outside the body) */
    double dir[3];           /* unit vector of advance */
    double depth_mm;         /* geometric tip: start + dir * depth */
    double record_depth_mm;  /* tissue has been cut up to here */
    double entry_depth_mm;   /* depth of the skin entry point, when in the body */
    int tip_tissue;          /* tissue of record at the tip */
    bool in_body;
    bool on_bone;            /* the tip rests on hard tissue */
    int bone_tissue;         /* which hard tissue, when on_bone */
    double tip_force_n;      /* tenting or bone reaction at the tip */
    double friction_n;       /* shaft friction */
    /* the tissue cut at each step along the line, for friction and path metrics */
    uint8_t path[SS_NEEDLE_MAX_STEPS];
} ss_needle;

/* Puts the needle on a line with its tip at start (outside the body), nothing cut yet. */
void ss_needle_place(ss_needle *n, const ss_needle_spec *spec, const double start_mm[3], const double dir[3]);

/* Geometric tip position. */
void ss_needle_tip_pos(const ss_needle *n, double out_mm[3]);

/* Total axial force resisting the needle (N): tip + friction. */
double ss_needle_force_n(const ss_needle *n);

/* Moves the tip by delta_mm along the line (> 0 advance, < 0 withdraw) at time t_s,
 * emitting events to sink (may be NULL). Stops early at hard tissue, at the end of the
 * needle's length, or right after an event of type stop_on (-1: never). Returns the
 * distance actually moved (signed). */
double ss_needle_move(ss_needle *n, const ss_tissue_query *q, double delta_mm, double t_s, const ss_event_sink *sink,
                      int stop_on);

/* Redirection within the skin: turns the line about the skin entry point to new_dir
 * (unit or not) keeping the depth; the tissue along the new line up to the tip is taken
 * as cut (the trainee withdrew and re-aimed). Only while in the body; returns false
 * otherwise. Metrics count a redirection when the direction changes by > 2 deg. */
bool ss_needle_redirect(ss_needle *n, const ss_tissue_query *q, const double new_dir[3]);

/* The whole line moved (the frame holding the needle moved with the probe): the needle
 * keeps its depth along the new line (start_mm, dir); the skin entry is where the new
 * line meets the skin; the tissue up to the tip is taken as cut, the tip pulled back
 * before bone. A line that no longer reaches the skin leaves the needle out of the body,
 * and the insertion ends: needle_exit goes to sink at t_s, as a withdrawal's would. Only
 * while in the body; returns false otherwise. */
bool ss_needle_shift(ss_needle *n, const ss_tissue_query *q, const double start_mm[3], const double dir[3], double t_s,
                     const ss_event_sink *sink);

#endif

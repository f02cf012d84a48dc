/* needle.c: needle kinematics, tissue interaction and force (see needle.h). */
#include "needle.h"

#include <math.h>
#include <string.h>

#include "tissue.h"
#include "vec3d.h"

#define SS__REF_DIAMETER_MM 1.27
#define SS__PENCIL_FACTOR 1.3
/* Reaction force shown while the tip is pressed on bone (a stop the hand cannot pass). */
#define SS__BONE_FORCE_N 15.0

void ss_needle_spec_default(ss_needle_spec *out)
{
    out->gauge = 18;
    out->length_mm = 180.0;
    out->tip = SS_TIP_QUINCKE;
}

double ss_needle_outer_diameter_mm(int gauge)
{
    switch (gauge) {
    case 18: return 1.27;
    case 20: return 0.91;
    case 22: return 0.72;
    default: return 0.0;
    }
}

static double ss__scale(const ss_needle *n)
{
    double d = ss_needle_outer_diameter_mm(n->spec.gauge);
    return (d > 0 ? d : SS__REF_DIAMETER_MM) / SS__REF_DIAMETER_MM;
}

void ss_needle_place(ss_needle *n, const ss_needle_spec *spec, const double start_mm[3], const double dir[3])
{
    memset(n, 0, sizeof *n);
    n->spec = *spec;
    double l = ss_v3_len(dir);
    for (int i = 0; i < 3; i++) {
        n->start_mm[i] = start_mm[i];
        n->dir[i] = l > 0 ? dir[i] / l : (i == 1 ? -1.0 : 0.0);
    }
    n->tip_tissue = SS_TISSUE_AIR;
    n->bone_tissue = -1;
}

void ss_needle_tip_pos(const ss_needle *n, double out_mm[3])
{
    ss_v3_axpy(out_mm, n->start_mm, n->depth_mm, n->dir);
}

double ss_needle_force_n(const ss_needle *n) { return n->tip_force_n + n->friction_n; }

static int ss__label(const ss_needle *n, const ss_tissue_query *q, double depth)
{
    double p[3];
    ss_v3_axpy(p, n->start_mm, depth, n->dir);
    return q->label_at(q->user, p);
}

static void ss__emit(const ss_needle *n, const ss_event_sink *sink, ss_event_type type, double t_s, int tissue,
                     double value)
{
    if (!sink || !sink->emit) return;
    ss_event e = {.type = type, .t_s = t_s, .tissue = tissue, .value = value, .level = -1, .view = -1};
    ss_v3_axpy(e.pos_mm, n->start_mm, n->record_depth_mm, n->dir);
    e.depth_mm = n->in_body ? n->record_depth_mm - n->entry_depth_mm : 0.0;
    sink->emit(sink->user, &e);
}

/* Force needed to cut from tissue `from` into tissue `to`. Entering the CSF means the
 * dura was crossed even if it was thinner than a step. */
static double ss__threshold(const ss_needle *n, int from, int to)
{
    double f = ss_tissue_mech_get(to)->puncture_force_n;
    if (to == SS_TISSUE_CSF && from != SS_TISSUE_DURA) f = fmax(f, ss_tissue_mech_get(SS_TISSUE_DURA)->puncture_force_n);
    if (from == SS_TISSUE_AIR && to != SS_TISSUE_SKIN) f = fmax(f, ss_tissue_mech_get(SS_TISSUE_SKIN)->puncture_force_n);
    return f * ss__scale(n) * (n->spec.tip == SS_TIP_PENCIL ? SS__PENCIL_FACTOR : 1.0);
}

static double ss__stiffness(const ss_needle *n, int from, int to)
{
    double k = ss_tissue_mech_get(to)->tenting_n_per_mm;
    if (to == SS_TISSUE_CSF && from != SS_TISSUE_DURA) k = fmax(k, ss_tissue_mech_get(SS_TISSUE_DURA)->tenting_n_per_mm);
    if (from == SS_TISSUE_AIR && to != SS_TISSUE_SKIN) k = fmax(k, ss_tissue_mech_get(SS_TISSUE_SKIN)->tenting_n_per_mm);
    return k > 0 ? k * ss__scale(n) : 1.0;
}

static void ss__recompute_friction(ss_needle *n)
{
    double f = 0;
    if (n->in_body) {
        long a = lround(n->entry_depth_mm / SS_NEEDLE_STEP_MM), b = lround(n->record_depth_mm / SS_NEEDLE_STEP_MM);
        for (long s = a; s < b && s < SS_NEEDLE_MAX_STEPS; s++)
            if (s >= 0) f += ss_tissue_mech_get(n->path[s])->friction_n_per_mm * SS_NEEDLE_STEP_MM;
    }
    n->friction_n = f * ss__scale(n);
}

/* The tip rests on nothing: no bone under it, no force at it. */
static void ss__tip_free(ss_needle *n)
{
    n->on_bone = false;
    n->bone_tissue = -1;
    n->tip_force_n = 0;
}

/* Cut into tissue `to` at the next step: emits the transition's events. */
static void ss__enter(ss_needle *n, int to, double t_s, const ss_event_sink *sink, double force_at_pop, int *fired,
                      int stop_on)
{
    int from = n->tip_tissue;
    n->tip_tissue = to;
    if (!n->in_body && from == SS_TISSUE_AIR && to != SS_TISSUE_AIR) {
        n->in_body = true;
        n->entry_depth_mm = n->record_depth_mm;
        ss__emit(n, sink, SS_EV_SKIN_ENTRY, t_s, to, force_at_pop);
        if (stop_on == SS_EV_SKIN_ENTRY) *fired = 1;
    }
    if (from == SS_TISSUE_FLAVUM && to != SS_TISSUE_FLAVUM) {
        ss__emit(n, sink, SS_EV_FLAVUM_POP, t_s, to, force_at_pop);
        if (stop_on == SS_EV_FLAVUM_POP) *fired = 1;
    }
    if (to == SS_TISSUE_CSF && from != SS_TISSUE_CSF && from != SS_TISSUE_NERVE) {
        ss__emit(n, sink, SS_EV_DURA_POP, t_s, to, force_at_pop);
        if (stop_on == SS_EV_DURA_POP) *fired = 1;
    }
    if (to == SS_TISSUE_AIR && n->in_body) return; /* left the body through the far side: no layer */
    ss__emit(n, sink, SS_EV_LAYER_ENTER, t_s, to, force_at_pop);
    if (stop_on == SS_EV_LAYER_ENTER) *fired = 1;
    if (to == SS_TISSUE_NERVE) {
        ss__emit(n, sink, SS_EV_NERVE_CONTACT, t_s, to, force_at_pop);
        if (stop_on == SS_EV_NERVE_CONTACT) *fired = 1;
    }
    if (to == SS_TISSUE_VESSEL) {
        ss__emit(n, sink, SS_EV_VESSEL_PUNCTURE, t_s, to, force_at_pop);
        if (stop_on == SS_EV_VESSEL_PUNCTURE) *fired = 1;
    }
}

/* Brings the tissue of record up to the geometric tip as far as the tissue allows. */
static void ss__resolve(ss_needle *n, const ss_tissue_query *q, double t_s, const ss_event_sink *sink, int *fired,
                        int stop_on)
{
    n->tip_force_n = 0;
    while (n->record_depth_mm + 1e-9 < n->depth_mm) {
        double next_depth = n->record_depth_mm + SS_NEEDLE_STEP_MM;
        int next = ss__label(n, q, next_depth);
        /* Hard tissue is never entered: the tip rests against it (a move split into
         * steps shorter than SS_NEEDLE_STEP_MM can leave the record one step from bone). */
        if (!ss_tissue_mech_get(next)->penetrable) break;
        if (next != n->tip_tissue) {
            double threshold = ss__threshold(n, n->tip_tissue, next);
            if (threshold > 0) {
                double indentation = n->depth_mm - n->record_depth_mm;
                double force = ss__stiffness(n, n->tip_tissue, next) * indentation;
                if (force < threshold) {
                    n->tip_force_n = force; /* tenting: wait for more push */
                    return;
                }
                ss__enter(n, next, t_s, sink, force, fired, stop_on);
            } else {
                ss__enter(n, next, t_s, sink, 0.0, fired, stop_on);
            }
        }
        long s = lround(n->record_depth_mm / SS_NEEDLE_STEP_MM);
        if (s >= 0 && s < SS_NEEDLE_MAX_STEPS) n->path[s] = (uint8_t)n->tip_tissue;
        n->record_depth_mm = next_depth;
        if (*fired) break;
    }
}

double ss_needle_move(ss_needle *n, const ss_tissue_query *q, double delta_mm, double t_s, const ss_event_sink *sink,
                      int stop_on)
{
    double begin = n->depth_mm;
    int fired = 0;
    if (delta_mm > 0) {
        double target = fmin(n->depth_mm + delta_mm, n->spec.length_mm);
        while (n->depth_mm + 1e-9 < target && !fired) {
            double step = fmin(SS_NEEDLE_STEP_MM, target - n->depth_mm);
            int ahead = ss__label(n, q, n->depth_mm + step);
            if (!ss_tissue_mech_get(ahead)->penetrable) {
                if (!n->on_bone) {
                    n->on_bone = true;
                    n->bone_tissue = ahead;
                    /* resolve first so the contact is reported at the surface */
                    ss__resolve(n, q, t_s, sink, &fired, stop_on);
                    n->record_depth_mm = n->depth_mm;
                    ss__emit(n, sink, SS_EV_BONE_CONTACT, t_s, ahead, SS__BONE_FORCE_N);
                    if (stop_on == SS_EV_BONE_CONTACT) fired = 1;
                }
                n->tip_force_n = SS__BONE_FORCE_N;
                break;
            }
            n->depth_mm += step;
            ss__resolve(n, q, t_s, sink, &fired, stop_on);
        }
    } else if (delta_mm < 0) {
        double target = fmax(n->depth_mm + delta_mm, 0.0);
        n->depth_mm = target;
        ss__tip_free(n);
        if (n->record_depth_mm > n->depth_mm) n->record_depth_mm = n->depth_mm;
        if (n->in_body && n->depth_mm <= n->entry_depth_mm + 1e-9) {
            n->in_body = false;
            n->record_depth_mm = n->depth_mm;
            ss__emit(n, sink, SS_EV_NEEDLE_EXIT, t_s, SS_TISSUE_AIR, 0.0);
            n->tip_tissue = SS_TISSUE_AIR;
        } else if (n->in_body) {
            long s = lround(n->record_depth_mm / SS_NEEDLE_STEP_MM) - 1;
            n->tip_tissue = (s >= 0 && s < SS_NEEDLE_MAX_STEPS) ? n->path[s] : SS_TISSUE_AIR;
        } else {
            n->tip_tissue = SS_TISSUE_AIR;
        }
    }
    ss__recompute_friction(n);
    return n->depth_mm - begin;
}

/* The tissue along the line from step a (the skin entry) up to the cut depth taken as
 * cut, the tip pulled back to the last soft step before any hard tissue on the way. */
static void ss__recut(ss_needle *n, const ss_tissue_query *q, long a)
{
    long b = lround(n->record_depth_mm / SS_NEEDLE_STEP_MM);
    int last = SS_TISSUE_SKIN;
    for (long s = a; s < b && s < SS_NEEDLE_MAX_STEPS; s++) {
        int lab = ss__label(n, q, (double)(s + 1) * SS_NEEDLE_STEP_MM);
        if (!ss_tissue_mech_get(lab)->penetrable) {
            n->record_depth_mm = n->depth_mm = (double)s * SS_NEEDLE_STEP_MM;
            break;
        }
        if (s >= 0) n->path[s] = (uint8_t)lab;
        last = lab;
    }
    if (n->depth_mm > n->record_depth_mm) n->depth_mm = n->record_depth_mm;
    n->tip_tissue = last;
    ss__tip_free(n);
    ss__recompute_friction(n);
}

bool ss_needle_redirect(ss_needle *n, const ss_tissue_query *q, const double new_dir[3])
{
    if (!n->in_body) return false;
    double l = ss_v3_len(new_dir);
    if (l <= 0) return false;
    double entry[3];
    ss_v3_axpy(entry, n->start_mm, n->entry_depth_mm, n->dir);
    for (int i = 0; i < 3; i++) {
        n->dir[i] = new_dir[i] / l;
        n->start_mm[i] = entry[i] - n->dir[i] * n->entry_depth_mm;
    }
    ss__recut(n, q, lround(n->entry_depth_mm / SS_NEEDLE_STEP_MM));
    return true;
}

bool ss_needle_shift(ss_needle *n, const ss_tissue_query *q, const double start_mm[3], const double dir[3], double t_s,
                     const ss_event_sink *sink)
{
    if (!n->in_body) return false;
    double l = ss_v3_len(dir);
    if (l <= 0) return false;
    for (int i = 0; i < 3; i++) {
        n->start_mm[i] = start_mm[i];
        n->dir[i] = dir[i] / l;
    }
    /* where the moved line now meets the skin, at or before the tip */
    long b = lround(n->record_depth_mm / SS_NEEDLE_STEP_MM), a = -1;
    for (long s = 0; s < b && s < SS_NEEDLE_MAX_STEPS && a < 0; s++)
        if (ss__label(n, q, (double)(s + 1) * SS_NEEDLE_STEP_MM) != SS_TISSUE_AIR) a = s;
    if (a < 0) { /* the move pulled the tip out of the body: the insertion ends here */
        n->in_body = false;
        n->record_depth_mm = n->depth_mm;
        ss__emit(n, sink, SS_EV_NEEDLE_EXIT, t_s, SS_TISSUE_AIR, 0.0);
        n->tip_tissue = SS_TISSUE_AIR;
        ss__tip_free(n);
        ss__recompute_friction(n);
        return true;
    }
    n->entry_depth_mm = (double)a * SS_NEEDLE_STEP_MM;
    ss__recut(n, q, a);
    return true;
}

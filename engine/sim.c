/* sim.c: the fixed-tick simulation of one attempt (see sim.h). */
#define _DEFAULT_SOURCE /* M_PI */
#include "sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "tissue.h"
#include "vec3d.h"

/* Leaving a placed standard view: the probe moved or turned more than this. */
#define SS__VIEW_KEEP_MM 5.0
#define SS__VIEW_KEEP_DEG 10.0
#define SS__VIEW_SLIDE_MM 40.0
/* A guided needle may be re-angled in the body only while its tip is this shallow. */
#define SS__REDIRECT_MAX_DEPTH_MM 15.0

typedef enum { SS__MOTION_NONE, SS__MOTION_NEEDLE, SS__MOTION_INJECT } ss__motion_kind;

struct ss_sim {
    ss_sim_desc d;
    ss_sim_state s;
    ss_tissue_query query;
    /* running motion */
    ss__motion_kind motion;
    double remaining_mm, speed_mm_s, sign;
    int stop_on;
    double inject_ml, inject_left_s;
    /* view anchor */
    ss_probe_pose anchor;
    bool guided;                 /* the placed needle runs in the frame */
    int aim_level;               /* interspace of the current insertion */
    bool csf_flowing;
    bool contacted;
    double last_tip[3];
    bool have_last_tip;
    double last_origin[3];
    double pending_swept_mm2;
    double pending_exit_mm;      /* tip path of an instant removal, for the next tick sample */
    bool tick_probe_valid;
    bool stop_fired;
    const ss_script_cmd *cur_cmd; /* the command ss_sim_command is carrying out, for refusals */
};

static int ss__label(void *user, const double p[3])
{
    ss_sim *sim = user;
    return sim->d.world.label_at(sim->d.world.user, p);
}

static void ss__emit_raw(void *user, const ss_event *e)
{
    ss_sim *sim = user;
    ss_event x = *e;
    x.level = sim->aim_level;
    x.view = sim->s.view;
    if (sim->d.sink.emit) sim->d.sink.emit(sim->d.sink.user, &x);
}

static void ss__emit(ss_sim *sim, ss_event_type type, int tissue, double value, const double *pos)
{
    ss_event e = {.type = type, .t_s = sim->s.t_s, .tissue = tissue, .value = value};
    if (pos) memcpy(e.pos_mm, pos, sizeof e.pos_mm);
    else if (sim->s.needle_placed) ss_needle_tip_pos(&sim->s.needle, e.pos_mm);
    if (sim->s.needle_placed && sim->s.needle.in_body)
        e.depth_mm = sim->s.needle.record_depth_mm - sim->s.needle.entry_depth_mm;
    ss__emit_raw(sim, &e);
}

ss_status ss_sim_create(const ss_sim_desc *desc, ss_sim **out)
{
    *out = NULL;
    if (!desc->world.label_at || !desc->world.skin_y || !desc->world.view_pose)
        return ss_error_set(SS_ERR_INVALID, "simulation: the world must answer labels, skin and views");
    if (ss_needle_outer_diameter_mm(desc->needle.gauge) <= 0)
        return ss_error_set(SS_ERR_INVALID, "simulation: needle gauge %d: expected 18, 20 or 22", desc->needle.gauge);
    ss_sim *sim = calloc(1, sizeof *sim);
    if (!sim) return ss_error_set(SS_ERR_NOMEM, "out of memory");
    sim->d = *desc;
    sim->s.view = -1;
    sim->s.view_level = -1;
    ss_prep_inputs_init(&sim->s.prep);
    sim->s.stylet_in = true;
    sim->aim_level = -1;
    sim->stop_on = -1;
    sim->query.label_at = ss__label;
    sim->query.user = sim;
    *out = sim;
    return SS_OK;
}

void ss_sim_free(ss_sim *sim) { free(sim); }

const ss_sim_state *ss_sim_get_state(const ss_sim *sim) { return &sim->s; }

bool ss_sim_busy(const ss_sim *sim) { return sim->motion != SS__MOTION_NONE; }

/* A command not carried out (or not fully): the note says why, and the owner hears of it
 * (the session logs it; no refusal is silent). */
static bool ss__refuse(ss_sim *sim, const char *why)
{
    snprintf(sim->s.note, sizeof sim->s.note, "%s", why);
    if (sim->d.on_refused && sim->cur_cmd) sim->d.on_refused(sim->d.tick_user, sim->cur_cmd, sim->s.note);
    return false;
}

/* ---------------------------------------------------------------- probe */

static void ss__seat_on_skin(ss_sim *sim)
{
    ss_probe_pose *p = &sim->s.pose;
    p->origin_mm[1] = (float)sim->d.world.skin_y(sim->d.world.user, p->origin_mm[0], p->origin_mm[2]);
}

/* Rotates v about unit axis a by angle (Rodrigues). */
static void ss__rotate(float v[3], const float a[3], double ang)
{
    double c = cos(ang), s = sin(ang);
    double d = a[0] * v[0] + a[1] * v[1] + a[2] * v[2];
    double cr[3] = {a[1] * v[2] - a[2] * v[1], a[2] * v[0] - a[0] * v[2], a[0] * v[1] - a[1] * v[0]};
    for (int i = 0; i < 3; i++) v[i] = (float)(v[i] * c + cr[i] * s + a[i] * d * (1 - c));
}

static void ss__place_guided_needle(ss_sim *sim);
static void ss__needle_event(void *user, const ss_event *e);
static void ss__guide_line(const ss_sim *sim, double start[3], double dir[3]);

/* How far a point moved across a shaft of direction d (unit): the part of the move not
 * along the shaft (sliding along it cuts nothing new). */
static double ss__sideways(const double from[3], const double to[3], const double d[3])
{
    double m[3];
    ss_v3_sub(m, to, from);
    double along = ss_v3_dot(m, d);
    return sqrt(fmax(0.0, ss_v3_dot(m, m) - along * along));
}

static void ss__probe_moved(ss_sim *sim)
{
    if (!sim->contacted) {
        sim->contacted = true;
        ss__emit(sim, SS_EV_PROBE_CONTACT, SS_TISSUE_SKIN, 0, (const double[3]){sim->s.pose.origin_mm[0],
                                                                               sim->s.pose.origin_mm[1],
                                                                               sim->s.pose.origin_mm[2]});
    }
    if (sim->s.view >= 0) {
        /* Sliding in the image plane keeps the view (the sonographer moves along the
         * spine to line the frame up); moving out of the plane or turning leaves it. */
        double out_of_plane = 0, along = 0, dot = 0, dx = 0;
        for (int i = 0; i < 3; i++) {
            double e = sim->s.pose.origin_mm[i] - sim->anchor.origin_mm[i];
            out_of_plane += e * sim->anchor.axis_z[i];
            along += e * sim->anchor.axis_x[i];
            dot += sim->s.pose.axis_y[i] * sim->anchor.axis_y[i];
            dx += sim->s.pose.axis_x[i] * sim->anchor.axis_x[i];
        }
        double ang = acos(fmin(1.0, fmin(dot, dx))) * 180.0 / M_PI;
        if (fabs(out_of_plane) > SS__VIEW_KEEP_MM || fabs(along) > SS__VIEW_SLIDE_MM || ang > SS__VIEW_KEEP_DEG)
            sim->s.view = -1;
    }
    /* A needle in the frame moves with the probe. Waiting outside, it is simply placed on
     * the new line; in the body the frame drags it: the shaft sweeps through the tissue
     * (Perk Tutor's tissue damage: the area the in-tissue shaft sweeps, here the mean of
     * the entry's and the tip's sideways displacement times the shaft's length in tissue)
     * and the tip goes where the frame takes it. */
    if (sim->guided && sim->s.needle_placed) {
        ss_needle *n = &sim->s.needle;
        if (!n->in_body) {
            ss__place_guided_needle(sim);
        } else {
            double e0[3], t0[3], e1[3], t1[3], d0[3], start[3], dir[3];
            double len = n->record_depth_mm - n->entry_depth_mm;
            ss_v3_copy(d0, n->dir);
            ss_v3_axpy(e0, n->start_mm, n->entry_depth_mm, n->dir);
            ss_v3_axpy(t0, n->start_mm, n->record_depth_mm, n->dir);
            ss__guide_line(sim, start, dir);
            ss_event_sink sink = {ss__needle_event, sim};
            ss_needle_shift(n, &sim->query, start, dir, sim->s.t_s, &sink);
            ss_v3_axpy(e1, n->start_mm, n->entry_depth_mm, n->dir);
            ss_v3_axpy(t1, n->start_mm, n->record_depth_mm, n->dir);
            sim->pending_swept_mm2 += 0.5 * len * (ss__sideways(e0, e1, d0) + ss__sideways(t0, t1, d0));
        }
    }
}

/* ---------------------------------------------------------------- guide and needle */

static void ss__guide_line(const ss_sim *sim, double start[3], double dir[3])
{
    ss_guide_line(&sim->d.probe, &sim->s.pose, sim->s.guide_angle_deg, start, dir);
}

static void ss__place_guided_needle(ss_sim *sim)
{
    double start[3], dir[3];
    ss__guide_line(sim, start, dir);
    ss_needle_place(&sim->s.needle, &sim->d.needle, start, dir);
    sim->s.needle_placed = true;
    sim->guided = true;
    sim->have_last_tip = false;
}

/* The interspace the probe is on: the placed view's, or the one its beam points at. */
static int ss__probe_level(const ss_sim *sim)
{
    /* the placed view's level only while the probe is still in that view */
    int level = sim->s.view >= 0 ? sim->s.view_level : -1;
    if (level < 0 && sim->d.world.level_of_line) {
        double o[3] = {sim->s.pose.origin_mm[0], sim->s.pose.origin_mm[1], sim->s.pose.origin_mm[2]};
        double b[3] = {sim->s.pose.axis_y[0], sim->s.pose.axis_y[1], sim->s.pose.axis_y[2]};
        level = sim->d.world.level_of_line(sim->d.world.user, o, b);
    }
    return level;
}

/* Where the plan would put the probe, in words: "slide the probe 18 mm cranial and 2 mm
 * to the patient's left". */
static void ss__slide_words(const ss_plan *plan, char *buf, size_t n)
{
    const double *d = plan->slide_world_mm;
    double along = d[2], side = d[0];
    int k = snprintf(buf, n, "slide the probe");
    if (fabs(along) >= 0.5 && k > 0 && (size_t)k < n)
        k += snprintf(buf + k, n - k, " %.0f mm %s", fabs(along), along > 0 ? "cranial" : "caudal");
    if (fabs(side) >= 0.5 && k > 0 && (size_t)k < n)
        snprintf(buf + k, n - k, "%s %.0f mm to the patient's %s", fabs(along) >= 0.5 ? " and" : "", fabs(side),
                 side > 0 ? "left" : "right");
}

/* guide.attach auto: the planned angle from here (a bone-free line into the sac through
 * the viewed interspace, the tip's arrival watched if possible). When no such line exists
 * from here the frame is not aimed into bone: the command is refused, naming the slide
 * that would work (probe.plan makes it). */
static bool ss__auto_angle(ss_sim *sim, double *angle)
{
    int level = ss__probe_level(sim);
    double target[3];
    if (level < 0 || !sim->d.world.aim_mm || !sim->d.world.aim_mm(sim->d.world.user, level, target))
        return ss__refuse(sim, "guide auto: no target in view (place the probe at a standard view first)");
    ss_plan plan;
    if (ss_plan_angle_here(&sim->d.world, &sim->d.probe, &sim->s.pose, level, sim->d.guide_min_deg,
                           sim->d.guide_max_deg, &plan)) {
        *angle = plan.angle_deg;
        return true;
    }
    char why[320];
    if (ss_plan_from_view(&sim->d.world, &sim->d.probe, &sim->s.pose, level, sim->d.guide_min_deg,
                          sim->d.guide_max_deg, &plan) == SS_OK &&
        plan.found) {
        char slide[120];
        ss__slide_words(&plan, slide, sizeof slide);
        snprintf(why, sizeof why, "guide auto: no bone-free path into the sac at %s from here: %s (probe.plan), then "
                                  "aim the frame", ss_level_name(level), slide);
    } else {
        snprintf(why, sizeof why, "guide auto: no bone-free path into the sac at %s within %.0f mm of here at %.0f-%.0f "
                                  "deg: try another interspace", ss_level_name(level), SS_PLAN_MAX_SLIDE_MM,
                 sim->d.guide_min_deg, sim->d.guide_max_deg);
    }
    return ss__refuse(sim, why);
}

/* probe.plan: slides the probe as the pre-procedure plan says (ss_plan_from_view). */
#define SS__NO_PLANNER_IN_EXAMS "the planner is a practice aid: in an exam, find the window and set the frame's angle yourself"

static bool ss__probe_plan(ss_sim *sim)
{
    if (sim->d.exam) return ss__refuse(sim, SS__NO_PLANNER_IN_EXAMS);
    if (!sim->s.probe_on_skin) return ss__refuse(sim, "place the probe first (probe.view)");
    if (sim->s.needle_placed && sim->s.needle.in_body) return ss__refuse(sim, "remove the needle before sliding the probe");
    int level = ss__probe_level(sim);
    ss_plan plan;
    if (level < 0 || ss_plan_from_view(&sim->d.world, &sim->d.probe, &sim->s.pose, level, sim->d.guide_min_deg,
                                       sim->d.guide_max_deg, &plan) != SS_OK)
        return ss__refuse(sim, "probe.plan: no interspace in view (place the probe at a standard view first)");
    if (!plan.found) {
        char why[160];
        snprintf(why, sizeof why, "probe.plan: no bone-free path into the sac at %s within %.0f mm of here: try "
                                  "another interspace", ss_level_name(level), SS_PLAN_MAX_SLIDE_MM);
        return ss__refuse(sim, why);
    }
    int keep_view = sim->s.view, keep_level = sim->s.view_level;
    for (int i = 0; i < 3; i++) sim->s.pose.origin_mm[i] += (float)plan.slide_world_mm[i];
    ss__seat_on_skin(sim);
    ss__probe_moved(sim);
    /* the plan's slide stays within the view (its level is the plan's level) */
    if (sim->s.view < 0) {
        sim->s.view = keep_view;
        sim->s.view_level = keep_level;
    }
    if (sim->s.view >= 0) sim->anchor = sim->s.pose; /* the view is held from where the plan put it */
    return true;
}

static bool ss__guide_attach(ss_sim *sim, const ss_script_cmd *c)
{
    if (!sim->d.guide_allowed) return ss__refuse(sim, "the puncture frame is not allowed in this scenario");
    if (!sim->s.probe_on_skin) return ss__refuse(sim, "place the probe first");
    double angle = c->args[0];
    if (c->guide_auto && sim->d.exam) return ss__refuse(sim, SS__NO_PLANNER_IN_EXAMS);
    if (c->guide_auto && !ss__auto_angle(sim, &angle)) return false;
    angle = fmin(fmax(angle, sim->d.guide_min_deg), sim->d.guide_max_deg);
    if (sim->s.needle_placed && sim->s.needle.in_body) {
        /* Re-angling with the needle in: a redirection about the skin entry, allowed
         * only while the tip is shallow (withdrawn to the subcutaneous tissue). */
        ss_needle *n = &sim->s.needle;
        double depth = n->record_depth_mm - n->entry_depth_mm;
        if (!sim->guided || depth > SS__REDIRECT_MAX_DEPTH_MM)
            return ss__refuse(sim, "withdraw the needle to under the skin before re-angling the frame");
        double old = sim->s.guide_angle_deg;
        sim->s.guide_angle_deg = angle;
        double start[3], dir[3];
        ss__guide_line(sim, start, dir);
        ss_needle_redirect(n, &sim->query, dir);
        double len_in = n->record_depth_mm - n->entry_depth_mm;
        sim->pending_swept_mm2 += 0.5 * len_in * len_in * fabs(angle - old) * M_PI / 180.0;
    } else {
        sim->s.guide_angle_deg = angle;
        if (sim->s.needle_placed && sim->guided) ss__place_guided_needle(sim);
    }
    sim->s.guide_attached = true;
    ss__emit(sim, SS_EV_GUIDE_ATTACHED, -1, angle, NULL);
    return true;
}

static bool ss__needle_needed(ss_sim *sim)
{
    if (!sim->s.needle_placed) return ss__refuse(sim, "no needle: needle.enter (frame) or needle.place (free hand) first");
    return true;
}

static void ss__check_csf(ss_sim *sim)
{
    const ss_needle *n = &sim->s.needle;
    bool in_csf = sim->s.needle_placed && n->in_body && n->tip_tissue == SS_TISSUE_CSF;
    if (!sim->s.stylet_in && in_csf && !sim->csf_flowing) {
        double tip[3];
        ss_needle_tip_pos(n, tip);
        sim->csf_flowing = true;
        sim->s.csf_seen = true;
        ss__emit(sim, SS_EV_CSF_OUTFLOW, SS_TISSUE_CSF, 0, tip);
    }
    if (!in_csf || sim->s.stylet_in) sim->csf_flowing = false;
}

/* Needle events pass through here so the insertion's level is known at skin entry. */
static void ss__needle_event(void *user, const ss_event *e)
{
    ss_sim *sim = user;
    if ((int)e->type == sim->stop_on) sim->stop_fired = true;
    if (e->type == SS_EV_SKIN_ENTRY && sim->d.world.level_of_line)
        sim->aim_level = sim->d.world.level_of_line(sim->d.world.user, sim->s.needle.start_mm, sim->s.needle.dir);
    ss__emit_raw(sim, e);
}

static bool ss__command(ss_sim *sim, const ss_script_cmd *c);

/* The scan begins with the first probe, frame or needle command: the patient lies as
 * the stage left them (sim.h, "Posture"). */
static void ss__settle_posture(ss_sim *sim, const ss_script_cmd *c)
{
    switch (c->op) {
    case SS_OP_XRAY_COBB:
    case SS_OP_XRAY_NASH_MOE:
    case SS_OP_LEVEL_CHOOSE:
    case SS_OP_CHECK:
    case SS_OP_NOTE:
    case SS_OP_ESCALATE_CT:
    case SS_OP_END:
    case SS_OP_COUNT: return;
    default: break;
    }
    ss_sim_state *s = &sim->s;
    if (s->posture_settled) return;
    s->posture_settled = true;
    if (s->prep.any && !(s->prep.checked & (1u << SS_CHECK_POSITION)) && sim->d.world.unflexed) {
        sim->d.world = *sim->d.world.unflexed;
        sim->d.world.unflexed = NULL;
        s->unflexed = true;
    }
}

bool ss_sim_command(ss_sim *sim, const ss_script_cmd *c)
{
    sim->cur_cmd = c;
    bool ok = ss__command(sim, c);
    sim->cur_cmd = NULL;
    return ok;
}

static bool ss__command(ss_sim *sim, const ss_script_cmd *c)
{
    ss_sim_state *s = &sim->s;
    s->note[0] = '\0';
    /* every command offered is an input first, so that a refusal follows what it refuses */
    if (sim->d.on_command) sim->d.on_command(sim->d.tick_user, s->tick, c);
    if (s->ended) return ss__refuse(sim, "the attempt has ended");
    char why[256];
    if (!ss_script_cmd_in_range(c, why, sizeof why)) return ss__refuse(sim, why);
    /* `note` in place of an interspace or an angle: the previous dose's procedure note
       (logged as written; resolved here, the same on replay: the log's header carries it) */
    ss_script_cmd resolved;
    if (c->level == SS_LEVEL_NOTE && (c->op == SS_OP_PROBE_VIEW || c->op == SS_OP_LEVEL_CHOOSE)) {
        if (!sim->d.prior_note.has_level)
            return ss__refuse(sim, "no procedure note from an earlier dose names an interspace: read the "
                                   "radiographs and choose one");
        resolved = *c;
        resolved.level = sim->d.prior_note.level;
        c = &resolved;
    } else if (c->op == SS_OP_GUIDE_ATTACH && c->guide_note) {
        if (!sim->d.prior_note.has_angle)
            return ss__refuse(sim, "no procedure note from an earlier dose records the frame's angle: set it "
                                   "(guide.attach ANGLE) from the pre-procedure scan");
        resolved = *c;
        resolved.guide_note = 0;
        resolved.args[0] = sim->d.prior_note.angle_deg;
        c = &resolved;
    }
    if (sim->motion != SS__MOTION_NONE && c->op != SS_OP_END)
        return ss__refuse(sim, "a movement is still running");
    ss__settle_posture(sim, c);
    if (sim->d.landmark && (c->op == SS_OP_PROBE_VIEW || c->op == SS_OP_PROBE_MOVE || c->op == SS_OP_PROBE_ROTATE ||
                            c->op == SS_OP_PROBE_PLAN || c->op == SS_OP_GUIDE_ATTACH))
        return ss__refuse(sim, "landmark-only mode: there is no ultrasound probe; palpate the interspace "
                               "(needle.landmark LEVEL CRANIAL_DEG) and insert free hand");
    switch (c->op) {
    case SS_OP_PROBE_VIEW: {
        ss_probe_pose pose;
        if (sim->d.world.view_pose(sim->d.world.user, &sim->d.probe, c->level, c->view, c->side_right != 0, &pose) !=
            SS_OK)
            return ss__refuse(sim, ss_error_message());
        s->pose = pose;
        s->probe_on_skin = true;
        ss__probe_moved(sim);
        s->view = c->view;
        s->view_level = c->level;
        sim->anchor = pose;
        int keep = sim->aim_level;
        sim->aim_level = s->needle_placed && s->needle.in_body ? keep : c->level;
        ss__emit(sim, SS_EV_VIEW_REACHED, -1, 0,
                 (const double[3]){pose.origin_mm[0], pose.origin_mm[1], pose.origin_mm[2]});
        sim->aim_level = keep;
        return true;
    }
    case SS_OP_PROBE_MOVE: {
        if (!s->probe_on_skin) return ss__refuse(sim, "place the probe first (probe.view)");
        /* the probe slides on the skin and stays on the modelled back: a move that would
         * leave it stops at the edge (in tenths of the move), and says so */
        float from[3] = {s->pose.origin_mm[0], s->pose.origin_mm[1], s->pose.origin_mm[2]};
        double part = 1.0;
        if (sim->d.world.on_back) {
            const ss_world *w = &sim->d.world;
            if (!w->on_back(w->user, from[0] + c->args[0], from[2] + c->args[2])) {
                part = 0.0;
                for (int k = 9; k >= 1 && part == 0.0; k--)
                    if (w->on_back(w->user, from[0] + 0.1 * k * c->args[0], from[2] + 0.1 * k * c->args[2]))
                        part = 0.1 * k;
            }
        }
        for (int i = 0; i < 3; i++) s->pose.origin_mm[i] = from[i] + (float)(part * c->args[i]);
        ss__seat_on_skin(sim);
        ss__probe_moved(sim);
        if (part < 1.0) {
            ss__refuse(sim, "the probe is at the edge of the back: slide it back toward the spine");
            return part > 0.0;
        }
        return true;
    }
    case SS_OP_PROBE_ROTATE: {
        if (!s->probe_on_skin) return ss__refuse(sim, "place the probe first (probe.view)");
        ss_probe_pose *p = &s->pose;
        float ay[3], ax[3], az[3];
        memcpy(ay, p->axis_y, sizeof ay);
        ss__rotate(p->axis_x, ay, c->args[0] * M_PI / 180.0);
        ss__rotate(p->axis_z, ay, c->args[0] * M_PI / 180.0);
        memcpy(ax, p->axis_x, sizeof ax);
        ss__rotate(p->axis_y, ax, c->args[1] * M_PI / 180.0);
        ss__rotate(p->axis_z, ax, c->args[1] * M_PI / 180.0);
        memcpy(az, p->axis_z, sizeof az);
        ss__rotate(p->axis_x, az, c->args[2] * M_PI / 180.0);
        ss__rotate(p->axis_y, az, c->args[2] * M_PI / 180.0);
        ss_probe_pose clean;
        if (ss_probe_pose_make(p->origin_mm, p->axis_y, p->axis_x, &clean) == SS_OK) *p = clean;
        ss__probe_moved(sim);
        return true;
    }
    case SS_OP_PROBE_PLAN: return ss__probe_plan(sim);
    case SS_OP_GUIDE_ATTACH: return ss__guide_attach(sim, c);
    case SS_OP_GUIDE_DETACH:
        if (s->needle_placed && s->needle.in_body && sim->guided)
            return ss__refuse(sim, "the needle is in the frame and in the body: withdraw it first");
        s->guide_attached = false;
        if (sim->guided) s->needle_placed = false;
        sim->guided = false;
        return true;
    case SS_OP_NEEDLE_ENTER:
        if (s->needle_placed && s->needle.in_body) return ss__refuse(sim, "the needle is already in");
        if (s->guide_attached) {
            ss__place_guided_needle(sim);
            return true;
        }
        if (s->needle_placed) return true; /* free-hand needle already on its line */
        return ss__refuse(sim, "no frame attached and no free-hand needle placed");
    case SS_OP_NEEDLE_LANDMARK: {
        /* palpation finds the interspace between two spinous processes; the needle goes in
           at the skin there, in the midline, square to the back (anterior) and tilted
           CRANIAL_DEG toward the head, as a landmark technique does: it cannot see the
           rotation or the sideways shift of a scoliotic canal */
        if (!sim->d.landmark && !sim->d.freehand_allowed)
            return ss__refuse(sim, "free-hand needling is not allowed in this scenario");
        if (s->needle_placed && s->needle.in_body) return ss__refuse(sim, "remove the needle first");
        double skin[3];
        if (!sim->d.world.palpate || !sim->d.world.palpate(sim->d.world.user, c->level, skin))
            return ss__refuse(sim, "this patient cannot be palpated");
        const double a = c->args[0] * 0.017453292519943295;
        double dir[3] = {0.0, -cos(a), sin(a)}, start[3];
        for (int i = 0; i < 3; i++) start[i] = skin[i] - 5.0 * dir[i]; /* 5 mm above the skin */
        ss_needle_place(&s->needle, &sim->d.needle, start, dir);
        s->needle_placed = true;
        sim->guided = false;
        sim->have_last_tip = false;
        return true;
    }
    case SS_OP_NEEDLE_PLACE: {
        if (!sim->d.freehand_allowed && !sim->d.landmark)
            return ss__refuse(sim, "free-hand needling is not allowed in this scenario");
        if (s->needle_placed && s->needle.in_body) return ss__refuse(sim, "remove the needle first");
        double start[3] = {c->args[0], c->args[1], c->args[2]}, dir[3] = {c->args[3], c->args[4], c->args[5]};
        ss_needle_place(&s->needle, &sim->d.needle, start, dir);
        s->needle_placed = true;
        sim->guided = false;
        sim->have_last_tip = false;
        return true;
    }
    case SS_OP_NEEDLE_ADVANCE:
    case SS_OP_NEEDLE_ADVANCE_UNTIL:
    case SS_OP_NEEDLE_WITHDRAW:
        if (!ss__needle_needed(sim)) return false;
        sim->motion = SS__MOTION_NEEDLE;
        sim->remaining_mm = c->args[0];
        sim->speed_mm_s = c->args[1];
        sim->sign = c->op == SS_OP_NEEDLE_WITHDRAW ? -1.0 : 1.0;
        sim->stop_on = c->op == SS_OP_NEEDLE_ADVANCE_UNTIL ? ss_event_from_name(c->event) : -1;
        sim->stop_fired = false;
        return true;
    case SS_OP_NEEDLE_REMOVE: {
        if (!ss__needle_needed(sim)) return false;
        /* the way out is tissue path too (Perk Tutor's path in tissue includes the exit) */
        if (s->needle.in_body) sim->pending_exit_mm += fmax(0.0, s->needle.record_depth_mm - s->needle.entry_depth_mm);
        ss_event_sink sink = {ss__needle_event, sim};
        if (s->needle.in_body) ss_needle_move(&s->needle, &sim->query, -s->needle.depth_mm - 1.0, s->t_s, &sink, -1);
        s->needle_placed = false;
        s->stylet_in = true;
        sim->csf_flowing = false;
        sim->have_last_tip = false;
        return true;
    }
    case SS_OP_STYLET_REMOVE:
        if (!ss__needle_needed(sim)) return false;
        if (!s->stylet_in) return ss__refuse(sim, "the stylet is already out");
        s->stylet_in = false;
        ss__emit(sim, SS_EV_STYLET_REMOVED, s->needle.tip_tissue, 0, NULL);
        ss__check_csf(sim);
        return true;
    case SS_OP_STYLET_REPLACE:
        if (!ss__needle_needed(sim)) return false;
        s->stylet_in = true;
        sim->csf_flowing = false;
        return true;
    case SS_OP_INJECT:
        if (!ss__needle_needed(sim)) return false;
        if (!s->needle.in_body) return ss__refuse(sim, "the needle is not in the body");
        if (s->stylet_in) return ss__refuse(sim, "remove the stylet before attaching the syringe");
        sim->motion = SS__MOTION_INJECT;
        sim->inject_ml = c->args[0];
        sim->inject_left_s = c->args[0] / SS_SIM_INJECT_ML_PER_S;
        return true;
    case SS_OP_ESCALATE_CT:
        ss__emit(sim, SS_EV_CT_CALLED, -1, 0, NULL);
        return true;
    case SS_OP_NOTE:
        /* a later note replaces an earlier one whole */
        s->proc_note = (ss_proc_note){.has_level = true, .level = c->level, .has_angle = c->note_angle != 0,
                                      .angle_deg = c->note_angle ? c->args[0] : 0.0};
        return true;
    case SS_OP_XRAY_COBB:
    case SS_OP_XRAY_NASH_MOE:
    case SS_OP_LEVEL_CHOOSE:
    case SS_OP_CHECK:
        /* the pre-procedure stage: what the trainee read and decided, graded at the end */
        s->prep.any = true;
        if (c->op == SS_OP_XRAY_COBB) s->prep.cobb_deg = c->args[0];
        else if (c->op == SS_OP_XRAY_NASH_MOE) s->prep.nash_moe = (int)c->args[0];
        else if (c->op == SS_OP_LEVEL_CHOOSE) s->prep.level = c->level;
        else s->prep.checked |= 1u << c->item;
        return true;
    case SS_OP_END:
        sim->motion = SS__MOTION_NONE;
        s->ended = true;
        ss__emit(sim, SS_EV_END, -1, 0, NULL);
        return true;
    case SS_OP_COUNT: break;
    }
    return ss__refuse(sim, "unknown command");
}

void ss_sim_needle_geom(const ss_sim *sim, float tip_mm[3], float dir[3], float *length_mm)
{
    double tip[3];
    ss_needle_tip_pos(&sim->s.needle, tip);
    for (int i = 0; i < 3; i++) {
        tip_mm[i] = (float)tip[i];
        dir[i] = (float)sim->s.needle.dir[i];
    }
    *length_mm = (float)sim->s.needle.spec.length_mm;
}

static void ss__sample(ss_sim *sim, double advance_mm)
{
    ss_sim_state *s = &sim->s;
    ss_tick_sample t = {.t_s = s->t_s, .tip_advance_mm = advance_mm};
    double o[3] = {s->pose.origin_mm[0], s->pose.origin_mm[1], s->pose.origin_mm[2]};
    if (s->probe_on_skin) {
        double d2 = 0;
        for (int i = 0; i < 3; i++) d2 += (o[i] - sim->last_origin[i]) * (o[i] - sim->last_origin[i]);
        t.probe_motion_mm = sim->tick_probe_valid ? sqrt(d2) : 0.0;
    }
    memcpy(sim->last_origin, o, sizeof o);
    sim->tick_probe_valid = s->probe_on_skin;
    if (s->needle_placed) {
        double tip[3];
        ss_needle_tip_pos(&s->needle, tip);
        t.in_body = s->needle.in_body;
        if (sim->have_last_tip) {
            double d2 = 0;
            for (int i = 0; i < 3; i++) d2 += (tip[i] - sim->last_tip[i]) * (tip[i] - sim->last_tip[i]);
            t.tip_motion_mm = sqrt(d2);
        }
        memcpy(sim->last_tip, tip, sizeof tip);
        sim->have_last_tip = true;
        if (s->probe_on_skin) {
            double q[3];
            t.tip_visible = ss_probe_pose_in_slice(&sim->d.probe, &s->pose, tip, q);
            t.plane_distance_mm = fabs(q[2]);
            double dz = s->needle.dir[0] * s->pose.axis_z[0] + s->needle.dir[1] * s->pose.axis_z[1] +
                        s->needle.dir[2] * s->pose.axis_z[2];
            t.plane_angle_deg = asin(fmin(1.0, fabs(dz))) * 180.0 / M_PI;
        }
    }
    t.swept_area_mm2 = sim->pending_swept_mm2;
    sim->pending_swept_mm2 = 0;
    t.exit_path_mm = sim->pending_exit_mm;
    sim->pending_exit_mm = 0;
    if (sim->d.on_tick) sim->d.on_tick(sim->d.tick_user, &t);
}

void ss_sim_step(ss_sim *sim)
{
    ss_sim_state *s = &sim->s;
    if (s->ended) return;
    s->tick++;
    s->t_s = (double)s->tick * SS_SIM_TICK_S;
    double advance = 0;
    if (sim->motion == SS__MOTION_NEEDLE) {
        double want = fmin(sim->speed_mm_s * SS_SIM_TICK_S, sim->remaining_mm);
        ss_event_sink sink = {ss__needle_event, sim};
        double moved = ss_needle_move(&s->needle, &sim->query, sim->sign * want, s->t_s, &sink, sim->stop_on);
        advance = moved;
        sim->remaining_mm -= fabs(moved);
        bool stopped = fabs(moved) + 1e-9 < want || sim->stop_fired;
        if (stopped || sim->remaining_mm <= 1e-9) {
            sim->motion = SS__MOTION_NONE;
            sim->stop_on = -1;
        }
        if (!s->needle.in_body) sim->csf_flowing = false;
    } else if (sim->motion == SS__MOTION_INJECT) {
        sim->inject_left_s -= SS_SIM_TICK_S;
        if (sim->inject_left_s <= 1e-9) {
            double tip[3];
            ss_needle_tip_pos(&s->needle, tip);
            s->injected_ml += sim->inject_ml;
            ss__emit(sim, SS_EV_INJECT, s->needle.tip_tissue, sim->inject_ml, tip);
            sim->motion = SS__MOTION_NONE;
        }
    }
    ss__check_csf(sim);
    ss__sample(sim, advance);
}

void ss_sim_run_script(ss_sim *sim, const ss_script *script, double max_time_s)
{
    size_t next = 0;
    long max_ticks = (long)ceil(max_time_s / SS_SIM_TICK_S);
    while (!sim->s.ended) {
        while (next < script->count && !ss_sim_busy(sim) && script->cmds[next].t_s <= sim->s.t_s + 1e-9) {
            ss_sim_command(sim, &script->cmds[next]);
            next++;
            if (sim->s.ended) return;
        }
        if (sim->s.tick >= max_ticks || (next >= script->count && !ss_sim_busy(sim))) {
            ss_script_cmd end = {.op = SS_OP_END, .t_s = sim->s.t_s};
            ss_sim_command(sim, &end);
            return;
        }
        ss_sim_step(sim);
    }
}

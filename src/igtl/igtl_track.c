/* igtl_track.c: see igtl_track.h. */
#define _DEFAULT_SOURCE /* M_PI */
#include "igtl/igtl_track.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tissue.h"

#define SS__DEADBAND_MM 0.05
#define SS__DEADBAND_DEG 0.05
#define SS__SKIN_SEARCH_MM 150.0
#define SS__SKIN_STEP_MM 0.25

static const char *const ss__axis_names[6] = {"+x", "-x", "+y", "-y", "+z", "-z"};

int ss_igtl_axis_from_name(const char *name)
{
    for (int i = 0; i < 6; i++)
        if (strcmp(name, ss__axis_names[i]) == 0) return i;
    return -1;
}

const char *ss_igtl_axis_name(int axis) { return axis >= 0 && axis < 6 ? ss__axis_names[axis] : "?"; }

void ss_igtl_track_init(ss_igtl_track *t, const ss_igtl_track_desc *d)
{
    memset(t, 0, sizeof *t);
    t->d = *d;
}

/* Differs by more than the deadband: translation in mm, rotation columns in radians. */
static bool ss__changed(const float a[12], const float b[12])
{
    double dt = 0, dr = 0;
    for (int i = 9; i < 12; i++) dt = fmax(dt, fabs((double)a[i] - b[i]));
    for (int i = 0; i < 9; i++) dr = fmax(dr, fabs((double)a[i] - b[i]));
    return dt > SS__DEADBAND_MM || dr > SS__DEADBAND_DEG * M_PI / 180.0;
}

void ss_igtl_track_set_probe(ss_igtl_track *t, const float m[12])
{
    memcpy(t->probe_m, m, sizeof t->probe_m);
    if (!t->have_probe || ss__changed(m, t->probe_acted)) t->probe_pending = true;
    t->have_probe = true;
}

void ss_igtl_track_set_needle(ss_igtl_track *t, const float m[12])
{
    memcpy(t->needle_m, m, sizeof t->needle_m);
    if (!t->have_needle || ss__changed(m, t->needle_acted)) t->needle_pending = true;
    t->have_needle = true;
}

static void ss__note(ss_igtl_track *t, const char *fmt, const char *what)
{
    char n[sizeof t->note];
    snprintf(n, sizeof n, fmt, what);
    if (strcmp(n, t->note) != 0) {
        snprintf(t->note, sizeof t->note, "%s", n);
        t->notes++;
    }
}

static bool ss__issue(ss_igtl_track *t, const ss_sim *sim, ss_igtl_issue_fn issue, void *user, ss_script_cmd c)
{
    c.t_s = ss_sim_get_state(sim)->t_s;
    c.line = 0;
    if (issue(user, &c)) return true;
    ss__note(t, "%s", ss_sim_get_state(sim)->note);
    return false;
}

static ss_script_cmd ss__cmd(ss_script_op op)
{
    ss_script_cmd c;
    memset(&c, 0, sizeof c);
    c.op = op;
    c.side_right = 1;
    return c;
}

static void ss__probe_poll(ss_igtl_track *t, const ss_sim *sim, ss_igtl_issue_fn issue, void *user)
{
    const ss_sim_state *st = ss_sim_get_state(sim);
    t->probe_pending = false;
    memcpy(t->probe_acted, t->probe_m, sizeof t->probe_acted);
    const float *m = t->probe_m;
    float origin[3] = {m[9], m[10], m[11]}, ax[3] = {m[0], m[1], m[2]}, ay[3] = {m[3], m[4], m[5]};
    ss_probe_pose tgt;
    if (ss_probe_pose_make(origin, ay, ax, &tgt) != SS_OK) {
        ss__note(t, "%s: the rotation's x and y columns are zero or parallel; pose ignored", SS_IGTL_PROBE_DEVICE);
        return;
    }
    if (!st->probe_on_skin) {
        ss_script_cmd v = ss__cmd(SS_OP_PROBE_VIEW);
        v.level = t->d.level;
        v.view = SS_VIEW_NEAR_SPINOUS;
        v.side_right = t->d.side_right ? 1 : 0;
        if (!ss__issue(t, sim, issue, user, v)) return;
    }
    const ss_probe_pose *cur = &st->pose;
    /* relative rotation in the probe's frame: M = Rcur^T Rtgt = Ry(yaw) Rx(pitch) Rz(roll),
     * the order probe.rotate applies them (each about the probe's own, already turned, axes) */
    const float *ca[3] = {cur->axis_x, cur->axis_y, cur->axis_z}, *ta[3] = {tgt.axis_x, tgt.axis_y, tgt.axis_z};
    double M[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) M[i][j] = ca[i][0] * ta[j][0] + ca[i][1] * ta[j][1] + ca[i][2] * ta[j][2];
    double pitch = asin(fmax(-1.0, fmin(1.0, -M[1][2])));
    double yaw = atan2(M[0][2], M[2][2]);
    double roll = atan2(M[1][0], M[1][1]);
    double k = 180.0 / M_PI;
    if (fmax(fabs(yaw), fmax(fabs(pitch), fabs(roll))) * k > SS__DEADBAND_DEG) {
        ss_script_cmd r = ss__cmd(SS_OP_PROBE_ROTATE);
        r.args[0] = yaw * k;
        r.args[1] = pitch * k;
        r.args[2] = roll * k;
        if (!ss__issue(t, sim, issue, user, r)) return;
    }
    double d[3];
    for (int i = 0; i < 3; i++) d[i] = (double)origin[i] - cur->origin_mm[i];
    if (hypot(d[0], d[2]) > SS__DEADBAND_MM) {
        ss_script_cmd mv = ss__cmd(SS_OP_PROBE_MOVE);
        for (int i = 0; i < 3; i++) mv.args[i] = d[i];
        if (!ss__issue(t, sim, issue, user, mv)) return;
    }
}

static bool ss__is_air(const ss_igtl_track *t, const double p[3])
{
    return t->d.world.label_at(t->d.world.user, p) == SS_TISSUE_AIR;
}

static void ss__needle_poll(ss_igtl_track *t, const ss_sim *sim, ss_igtl_issue_fn issue, void *user)
{
    const ss_sim_state *st = ss_sim_get_state(sim);
    if (t->needle_moving) {
        /* the movement we issued has run: if it went nowhere (bone, end of the needle),
         * wait for the next tracked pose instead of pushing again every tick */
        t->needle_moving = false;
        if (!st->needle_placed || fabs(st->needle.depth_mm - t->needle_depth_before) < 1e-6) {
            /* ...unless a pose that differs arrived while it ran: act on that one */
            t->needle_pending = ss__changed(t->needle_m, t->needle_acted);
            return;
        }
    }
    const float *m = t->needle_m;
    int ax = t->d.needle_axis < 0 || t->d.needle_axis > 5 ? 0 : t->d.needle_axis;
    double sgn = ax % 2 ? -1.0 : 1.0;
    int col = ax / 2;
    double tip[3] = {m[9], m[10], m[11]}, dir[3];
    double len = 0;
    for (int i = 0; i < 3; i++) {
        dir[i] = sgn * m[col * 3 + i];
        len += dir[i] * dir[i];
    }
    len = sqrt(len);
    if (len < 1e-6) {
        t->needle_pending = false;
        ss__note(t, "%s: the shaft axis column is zero; pose ignored", SS_IGTL_NEEDLE_DEVICE);
        return;
    }
    for (int i = 0; i < 3; i++) dir[i] /= len;
    memcpy(t->needle_acted, t->needle_m, sizeof t->needle_acted);

    if (st->needle_placed && (st->needle.in_body || st->guide_attached)) {
        /* along the needle's own line only */
        const ss_needle *n = &st->needle;
        double target = 0;
        for (int i = 0; i < 3; i++) target += (tip[i] - n->start_mm[i]) * n->dir[i];
        double delta = fmax(target, 0.0) - n->depth_mm;
        if (fabs(delta) <= SS__DEADBAND_MM) {
            t->needle_pending = false;
            return;
        }
        double speed = fmin(fabs(delta) / SS_SIM_TICK_S, SS_IGTL_NEEDLE_MAX_SPEED_MM_S);
        ss_script_cmd c = ss__cmd(delta > 0 ? SS_OP_NEEDLE_ADVANCE : SS_OP_NEEDLE_WITHDRAW);
        c.args[0] = fabs(delta);
        c.args[1] = speed;
        t->needle_depth_before = n->depth_mm;
        if (ss__issue(t, sim, issue, user, c)) t->needle_moving = true; /* pending until it has run */
        else t->needle_pending = false;
        return;
    }
    t->needle_pending = false;
    if (!t->d.freehand_allowed) {
        /* the puncture frame: attach it (aimed as planned) and put the needle in it; the
         * next poll drives the depth */
        if (!st->guide_attached) {
            ss_script_cmd g = ss__cmd(SS_OP_GUIDE_ATTACH);
            g.guide_auto = 1;
            if (!ss__issue(t, sim, issue, user, g)) return;
        }
        if (ss__issue(t, sim, issue, user, ss__cmd(SS_OP_NEEDLE_ENTER))) t->needle_pending = true;
        return;
    }
    /* free hand, tip not in the body: the needle on the tracked line, its tip at the
     * tracked tip, or at the skin along the line and advanced to it */
    double start[3] = {tip[0], tip[1], tip[2]}, back = 0;
    if (!ss__is_air(t, tip)) {
        bool found = false;
        for (back = SS__SKIN_STEP_MM; back <= SS__SKIN_SEARCH_MM && !found; back += SS__SKIN_STEP_MM) {
            for (int i = 0; i < 3; i++) start[i] = tip[i] - dir[i] * back;
            found = ss__is_air(t, start);
        }
        back -= SS__SKIN_STEP_MM;
        if (!found) {
            ss__note(t, "%s: the tracked tip is deep in the body with no skin within 150 mm behind it along the "
                        "shaft; pose ignored",
                     SS_IGTL_NEEDLE_DEVICE);
            return;
        }
    }
    ss_script_cmd p = ss__cmd(SS_OP_NEEDLE_PLACE);
    for (int i = 0; i < 3; i++) {
        p.args[i] = start[i];
        p.args[3 + i] = dir[i];
    }
    if (!ss__issue(t, sim, issue, user, p)) return;
    if (back > 0) {
        ss_script_cmd c = ss__cmd(SS_OP_NEEDLE_ADVANCE);
        c.args[0] = back;
        c.args[1] = fmin(back / SS_SIM_TICK_S, SS_IGTL_NEEDLE_MAX_SPEED_MM_S);
        t->needle_depth_before = 0;
        if (ss__issue(t, sim, issue, user, c)) {
            t->needle_moving = true;
            t->needle_pending = true;
        }
    }
}

void ss_igtl_track_poll(ss_igtl_track *t, const ss_sim *sim, ss_igtl_issue_fn issue, void *user)
{
    if (ss_sim_get_state(sim)->ended || ss_sim_busy(sim)) return;
    if (t->probe_pending) ss__probe_poll(t, sim, issue, user);
    if (ss_sim_busy(sim)) return;
    if (t->needle_pending || t->needle_moving) ss__needle_poll(t, sim, issue, user);
}

void ss_igtl_probe_transform(const ss_probe_pose *pose, float m[12])
{
    for (int i = 0; i < 3; i++) {
        m[i] = pose->axis_x[i];
        m[3 + i] = pose->axis_y[i];
        m[6 + i] = pose->axis_z[i];
        m[9 + i] = pose->origin_mm[i];
    }
}

bool ss_igtl_needle_transform(const ss_sim *sim, int needle_axis, float m[12])
{
    const ss_sim_state *st = ss_sim_get_state(sim);
    if (!st->needle_placed) return false;
    float tip[3], dir[3], length;
    ss_sim_needle_geom(sim, tip, dir, &length);
    int ax = needle_axis < 0 || needle_axis > 5 ? 0 : needle_axis;
    int col = ax / 2;
    double sgn = ax % 2 ? -1.0 : 1.0;
    /* the shaft axis, then a right-handed completion from the reference axis least
     * aligned with the shaft */
    double a[3][3];
    for (int i = 0; i < 3; i++) a[col][i] = sgn * dir[i];
    int least = 0;
    for (int i = 1; i < 3; i++)
        if (fabs(dir[i]) < fabs(dir[least])) least = i;
    double e[3] = {0, 0, 0};
    e[least] = 1;
    int c1 = (col + 1) % 3, c2 = (col + 2) % 3;
    double dot = e[0] * a[col][0] + e[1] * a[col][1] + e[2] * a[col][2];
    double nrm = 0;
    for (int i = 0; i < 3; i++) {
        a[c1][i] = e[i] - dot * a[col][i];
        nrm += a[c1][i] * a[c1][i];
    }
    nrm = sqrt(nrm);
    for (int i = 0; i < 3; i++) a[c1][i] /= nrm;
    a[c2][0] = a[col][1] * a[c1][2] - a[col][2] * a[c1][1];
    a[c2][1] = a[col][2] * a[c1][0] - a[col][0] * a[c1][2];
    a[c2][2] = a[col][0] * a[c1][1] - a[col][1] * a[c1][0];
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < 3; i++) m[c * 3 + i] = (float)a[c][i];
    for (int i = 0; i < 3; i++) m[9 + i] = tip[i];
    return true;
}

void ss_igtl_image_matrix(const ss_probe_pose *pose, const ss_scan_geometry *g, double ijk_to_ref[3][4])
{
    float p0[2];
    ss_scan_geometry_pixel_to_probe_mm(g, 0, 0, p0);
    for (int r = 0; r < 3; r++) {
        ijk_to_ref[r][0] = (double)pose->axis_x[r] * g->mm_per_px;
        ijk_to_ref[r][1] = (double)pose->axis_y[r] * g->mm_per_px;
        ijk_to_ref[r][2] = pose->axis_z[r];
        ijk_to_ref[r][3] = pose->origin_mm[r] + (double)p0[0] * pose->axis_x[r] + (double)p0[1] * pose->axis_y[r];
    }
}

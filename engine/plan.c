/* plan.c: see plan.h. */
#include "plan.h"

#include <math.h>
#include <string.h>

#include "tissue.h"
#include "vec3d.h"

/* The needle's own resolution: a bone sliver thinner than a coarse step must not be
 * stepped over (the needle would find it). With a world that knows its clearance the
 * walk strides through uniform tissue and slows to this near surfaces. */
#define SS__FINE_STEP_MM 0.05
#define SS__MAX_PATH_MM 150.0

/* Walks the line: > 0 = depth from the skin where CSF is reached (its position in
 * csf_at), < 0 = blocked. */
static double ss__walk(const ss_world *w, const double start[3], const double dir[3], double csf_at[3])
{
    double entry = -1;
    for (double t = 0; t < SS__MAX_PATH_MM;) {
        double p[3];
        ss_v3_axpy(p, start, t, dir);
        int lab = w->label_at(w->user, p);
        double step = SS__FINE_STEP_MM;
        if (w->clearance_mm) step = fmax(step, w->clearance_mm(w->user, p));
        t += step;
        if (entry < 0 && lab != SS_TISSUE_AIR) entry = t;
        if (ss_tissue_get(lab)->hard) return -1;
        if (lab == SS_TISSUE_NERVE && entry >= 0) return -1; /* an exiting root: not a safe path */
        if (lab == SS_TISSUE_CSF) {
            for (int i = 0; i < 3; i++) csf_at[i] = p[i];
            return entry >= 0 ? t - entry : -1;
        }
    }
    return -1;
}

/* Can the probe see a point: the scan line through it reaches it without bone (so the
 * needle tip will be seen entering the canal)? */
static bool ss__visible(const ss_world *w, const ss_probe *probe, const ss_probe_pose *pose, const double pt[3])
{
    double rel[3] = {pt[0] - pose->origin_mm[0], pt[1] - pose->origin_mm[1], pt[2] - pose->origin_mm[2]};
    float x = (float)(rel[0] * pose->axis_x[0] + rel[1] * pose->axis_x[1] + rel[2] * pose->axis_x[2]);
    float y = (float)(rel[0] * pose->axis_y[0] + rel[1] * pose->axis_y[1] + rel[2] * pose->axis_y[2]);
    float line, sample;
    if (!ss_probe_line_sample_at(probe, x, y, &line, &sample)) return false;
    float o2[2], d2[2];
    ss_probe_line_geometry(probe, (int)(line + 0.5f), o2, d2);
    float o3[3] = {o2[0], o2[1], 0}, ow[3];
    ss_probe_pose_point_to_world(pose, o3, ow);
    double from[3] = {ow[0], ow[1], ow[2]};
    double d[3];
    ss_v3_sub(d, pt, from);
    double len = ss_v3_len(d);
    if (len <= 0) return true;
    for (int i = 0; i < 3; i++) d[i] /= len;
    for (double t = 0; t < len - 0.5;) {
        double p[3];
        ss_v3_axpy(p, from, t, d);
        if (ss_tissue_get(w->label_at(w->user, p))->hard) return false;
        double step = SS__FINE_STEP_MM;
        if (w->clearance_mm) step = fmax(step, w->clearance_mm(w->user, p));
        t += step;
    }
    return true;
}

ss_status ss_plan_puncture(const ss_world *w, const ss_probe *probe, const ss_probe_pose *pose, int level,
                           double min_deg, double max_deg, ss_plan_sight need, double max_slide_mm, ss_plan *out)
{
    memset(out, 0, sizeof *out);
    double aim[3];
    if (!w->aim_mm || !w->aim_mm(w->user, level, aim))
        return ss_error_set(SS_ERR_INVALID, "plan: no aim point at interspace %d", level);
    int kmax = (int)fmin(fmax(max_slide_mm, 0.0), SS_PLAN_MAX_SLIDE_MM);
    for (int k = 0; k <= kmax; k++) {
        double slide = (k % 2 ? 1.0 : -1.0) * 2.0 * (double)((k + 1) / 2); /* 0, 2, -2, 4, -4, ... */
        ss_probe_pose p = *pose;
        for (int i = 0; i < 3; i++) p.origin_mm[i] += (float)(slide * pose->axis_x[i]);
        p.origin_mm[1] = (float)w->skin_y(w->user, p.origin_mm[0], p.origin_mm[2]);
        double a0;
        if (!ss_guide_angle_to(probe, &p, aim, &a0)) continue;
        a0 = fmin(fmax(a0, min_deg), max_deg);
        for (int j = 0; j <= (int)ceil(max_deg - min_deg); j++) {
            double a = a0 + (j % 2 ? 1.0 : -1.0) * 2.0 * (double)((j + 1) / 2); /* a0, +2, -2, ... */
            if (a < min_deg - 1e-9 || a > max_deg + 1e-9) continue;
            double start[3], dir[3];
            ss_guide_line(probe, &p, a, start, dir);
            out->tried++;
            /* the line must go in through this interspace, not a neighbour's */
            if (w->level_of_line && w->level_of_line(w->user, start, dir) != level) continue;
            double csf_at[3] = {0, 0, 0};
            double depth = ss__walk(w, start, dir, csf_at);
            /* how much of the tip's arrival the probe can watch */
            bool seen = depth > 0 && need == SS_PLAN_SEE_NOTHING;
            if (depth > 0 && need == SS_PLAN_SEE_TIP) {
                double q[3];
                ss_v3_axpy(q, csf_at, SS_PLAN_TIP_IN_CSF_MM, dir);
                seen = ss__visible(w, probe, &p, csf_at) && ss__visible(w, probe, &p, q);
            }
            for (double o = -3.0; depth > 0 && need == SS_PLAN_SEE_PATH && o <= 4.0 && !seen; o += 0.5) {
                double q[3];
                ss_v3_axpy(q, csf_at, o, dir);
                seen = ss__visible(w, probe, &p, q);
            }
            if (depth > 0 && seen) {
                out->found = true;
                out->sight = need;
                out->slide_mm = slide;
                for (int i = 0; i < 3; i++) out->slide_world_mm[i] = p.origin_mm[i] - pose->origin_mm[i];
                out->angle_deg = a;
                out->depth_to_csf_mm = depth;
                return SS_OK;
            }
        }
    }
    return SS_OK;
}

ss_status ss_plan_from_view(const ss_world *w, const ss_probe *probe, const ss_probe_pose *pose, int level,
                            double min_deg, double max_deg, ss_plan *out)
{
    static const double nudges[] = {0, 1, -1, 2, -2, 3, -3, 4, -4};
    memset(out, 0, sizeof *out);
    for (int need = SS_PLAN_SEE_TIP; need >= SS_PLAN_SEE_NOTHING; need--)
        for (size_t k = 0; k < sizeof nudges / sizeof nudges[0]; k++) {
            ss_probe_pose p = *pose;
            for (int i = 0; i < 3; i++) p.origin_mm[i] += (float)(nudges[k] * pose->axis_z[i]);
            p.origin_mm[1] = (float)w->skin_y(w->user, p.origin_mm[0], p.origin_mm[2]);
            ss_status st = ss_plan_puncture(w, probe, &p, level, min_deg, max_deg, (ss_plan_sight)need,
                                            SS_PLAN_MAX_SLIDE_MM, out);
            if (st != SS_OK) return st;
            if (out->found) {
                out->lateral_mm = nudges[k];
                for (int i = 0; i < 3; i++) out->slide_world_mm[i] += p.origin_mm[i] - pose->origin_mm[i];
                return SS_OK;
            }
        }
    return SS_OK;
}

bool ss_plan_angle_here(const ss_world *w, const ss_probe *probe, const ss_probe_pose *pose, int level,
                        double min_deg, double max_deg, ss_plan *out)
{
    for (int need = SS_PLAN_SEE_TIP; need >= SS_PLAN_SEE_NOTHING; need--)
        if (ss_plan_puncture(w, probe, pose, level, min_deg, max_deg, (ss_plan_sight)need, 0.0, out) == SS_OK &&
            out->found)
            return true;
    return false;
}

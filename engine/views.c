/* views.c: standard view placement and measures (see views.h). */
#define _DEFAULT_SOURCE /* M_PI */
#include "views.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tissue.h"
#include "vec3d.h"

#define SS__STEP_MM 0.25

/* Walks from p along +dir (outward) until outside the body: the skin point. */
static void ss__to_skin(const ss_spine *sp, const double p[3], const double dir[3], double out[3])
{
    double q[3];
    memcpy(q, p, sizeof q);
    for (int i = 0; i < 1200; i++) { /* 150 mm */
        double nxt[3];
        ss_v3_axpy(nxt, q, SS__STEP_MM, dir);
        if (ss_spine_label_at(sp, nxt) == SS_TISSUE_AIR) {
            /* refine within the step */
            double lo = 0, hi = SS__STEP_MM;
            for (int k = 0; k < 12; k++) {
                double mid = 0.5 * (lo + hi), m[3];
                ss_v3_axpy(m, q, mid, dir);
                if (ss_spine_label_at(sp, m) == SS_TISSUE_AIR) hi = mid;
                else lo = mid;
            }
            ss_v3_axpy(out, q, lo, dir);
            return;
        }
        memcpy(q, nxt, sizeof q);
    }
    memcpy(out, q, sizeof q);
}

static ss_status ss__pose(const double origin[3], const double beam[3], const double array[3], ss_probe_pose *out)
{
    float o[3], b[3], a[3];
    for (int i = 0; i < 3; i++) {
        o[i] = (float)origin[i];
        b[i] = (float)beam[i];
        a[i] = (float)array[i];
    }
    return ss_probe_pose_make(o, b, a, out);
}

static bool ss__in_sac(int part)
{
    return part == SS_PART_DURA || part == SS_PART_CSF || part == SS_PART_CAUDA_EQUINA;
}

typedef struct ss__line_result {
    bool spinous;                /* the line crosses a spinous process */
    double sac_total_mm, sac_seen_mm;
    bool reaches_sac;            /* some sac reached before bone */
    double first_sac_depth_mm;   /* depth of the first sac sample along the line, or -1 */
} ss__line_result;

static void ss__march_line(const ss_spine *sp, const ss_probe *probe, const ss_probe_pose *pose, int line,
                           ss__line_result *r)
{
    memset(r, 0, sizeof *r);
    r->first_sac_depth_mm = -1;
    float o2[2], d2[2];
    ss_probe_line_geometry(probe, line, o2, d2);
    float ow[3], dw[3];
    float o3[3] = {o2[0], o2[1], 0}, d3[3] = {d2[0], d2[1], 0};
    ss_probe_pose_point_to_world(pose, o3, ow);
    ss_probe_pose_dir_to_world(pose, d3, dw);
    bool blocked = false;
    double step = SS__STEP_MM;
    for (double t = 0; t < probe->depth_mm; t += step) {
        double p[3] = {ow[0] + dw[0] * t, ow[1] + dw[1] * t, ow[2] + dw[2] * t};
        ss_spine_sample s;
        ss_spine_query(sp, p, &s);
        /* stride through uniform tissue; the sample counts for the whole stride */
        step = fmax(SS__STEP_MM, fmin(s.boundary_mm, 5.0));
        if (ss_tissue_get(s.label)->hard) blocked = true;
        if (s.part == SS_PART_SPINOUS) r->spinous = true;
        if (ss__in_sac(s.part)) {
            if (r->first_sac_depth_mm < 0) r->first_sac_depth_mm = t;
            r->sac_total_mm += step;
            if (!blocked) {
                r->sac_seen_mm += step;
                r->reaches_sac = true;
            }
        }
    }
}

/* canal visibility and window width of a pose */
static bool ss__central(const ss_probe *probe, int line)
{
    return probe->kind == SS_PROBE_LINEAR || fabs(ss_probe_line_angle_deg(probe, line)) <= SS_VIEW_CENTRAL_DEG;
}

/* Canal visibility over the central lines, and whether any of them crosses a spinous
 * process (one pass for the near-spinous search). */
static void ss__central_measure(const ss_spine *sp, const ss_probe *probe, const ss_probe_pose *pose, double *vis,
                                bool *spinous)
{
    double total = 0, seen = 0;
    *spinous = false;
    for (int l = 0; l < probe->lines; l++) {
        if (!ss__central(probe, l)) continue;
        ss__line_result r;
        ss__march_line(sp, probe, pose, l, &r);
        total += r.sac_total_mm;
        seen += r.sac_seen_mm;
        *spinous |= r.spinous;
    }
    *vis = total > 0 ? seen / total : 0.0;
}

void ss_view_measure_pose(const ss_spine *sp, const ss_probe *probe, const ss_probe_pose *pose, double *vis,
                          double *width)
{
    double total = 0, seen = 0;
    /* The window is the run of adjacent lines reaching the sac that holds a central line:
       the gap the view is aimed at. Runs elsewhere in a wide fan belong to the
       neighbouring interspaces; a view whose central lines all meet bone first shows no
       window (width 0), whatever opens at the edges of its image. */
    int run = 0, run_depth_n = 0, best_run = 0;
    bool run_central = false;
    double run_depth = 0, best_depth = 0;
    for (int l = 0; l <= probe->lines; l++) {
        ss__line_result r;
        bool central = false;
        if (l < probe->lines) {
            ss__march_line(sp, probe, pose, l, &r);
            central = ss__central(probe, l);
            if (central) {
                total += r.sac_total_mm;
                seen += r.sac_seen_mm;
            }
        }
        if (l < probe->lines && r.reaches_sac) {
            run++;
            run_depth += r.first_sac_depth_mm;
            run_depth_n++;
            run_central |= central;
        } else {
            if (run_central && run > best_run) {
                best_run = run;
                best_depth = run_depth / run_depth_n;
            }
            run = 0;
            run_depth = 0;
            run_depth_n = 0;
            run_central = false;
        }
    }
    *vis = total > 0 ? seen / total : 0.0;
    /* Line spacing across the image at the depth of the posterior dura. */
    *width = best_run * ss_view_line_spacing_mm(probe, best_depth);
}

double ss_view_line_spacing_mm(const ss_probe *probe, double depth_mm)
{
    if (probe->kind == SS_PROBE_LINEAR) return probe->width_mm / probe->lines;
    return (probe->radius_mm + depth_mm) * (probe->fov_deg * M_PI / 180.0) / (probe->lines - 1);
}

static ss_status ss__sagittal_at(const ss_spine *sp, const ss_interspace_info *is, double lateral_mm, bool right,
                                 ss_probe_pose *out);


ss_status ss_view_sagittal_pose(const ss_spine *sp, int level, double lateral_mm, bool right, ss_probe_pose *out)
{
    ss_interspace_info is;
    ss_status st = ss_spine_interspace(sp, level, &is);
    if (st != SS_OK) return st;
    return ss__sagittal_at(sp, &is, lateral_mm, right, out);
}

static ss_status ss__sagittal_at(const ss_spine *sp, const ss_interspace_info *is, double lateral_mm, bool right,
                                 ss_probe_pose *out)
{
    double side = right ? -1.0 : 1.0; /* view_lateral points to the patient's left */
    double p[3];
    ss_v3_axpy(p, is->interspinous_mm, side * lateral_mm, is->view_lateral);
    double skin[3];
    ss__to_skin(sp, p, is->view_normal, skin);
    double beam[3] = {-is->view_normal[0], -is->view_normal[1], -is->view_normal[2]};
    double caudal[3] = {-is->view_cranial[0], -is->view_cranial[1], -is->view_cranial[2]};
    return ss__pose(skin, beam, caudal, out);
}

ss_status ss_view_pose(const ss_spine *sp, const ss_probe *probe, int level, ss_view view, bool right,
                       ss_probe_pose *out)
{
    ss_interspace_info is;
    ss_status st = ss_spine_interspace(sp, level, &is);
    if (st != SS_OK) return st;
    switch (view) {
    case SS_VIEW_SPINOUS: {
        /* Over the spinous processes as the sonographer finds them: the plane through the
           line of the two tips, the most superficial bone, centred on the upper one
           ("moved toward the median plane to reveal the spinous process", Wei et al.
           2023, Fig. 1b; "the canal is hidden under the spinous-process shadow",
           REFERENCE.md). With axial rotation the tips swing toward the concavity, away
           from the canal. */
        ss_vertebra_info vu, vl;
        st = ss_spine_vertebra(sp, level, &vu);
        if (st == SS_OK) st = ss_spine_vertebra(sp, level + 1, &vl);
        if (st != SS_OK) return st;
        double off = 0, up = 0;
        for (int i = 0; i < 3; i++) {
            off += (0.5 * (vu.spinous_tip_mm[i] + vl.spinous_tip_mm[i]) - is.interspinous_mm[i]) * is.view_lateral[i];
            up += (vu.spinous_tip_mm[i] - is.interspinous_mm[i]) * is.view_cranial[i];
        }
        /* is is this case's copy: its interspinous point becomes the upper tip's level,
           where ss__sagittal_at centres the probe; it measures toward the chosen side */
        ss_v3_axpy(is.interspinous_mm, is.interspinous_mm, up, is.view_cranial);
        return ss__sagittal_at(sp, &is, right ? -off : off, right, out);
    }
    case SS_VIEW_NEAR_SPINOUS: {
        /* Slide from the midline toward the side, not yet parasagittal, to the first plane
         * (1 mm steps) whose central lines are off the spinous processes and show the
         * canal ("moved slightly toward the parasagittal view; however, it did not reach
         * the parasagittal plane until the spinal canal was displayed"; "the spinal canal
         * is clearly shown without bony structures", Fig. 1c). Where rotation leaves a
         * spinous process in every such plane, the first (>= 2 mm) that shows the canal. */
        enum { N = (int)SS_VIEW_NEAR_SPINOUS_MAX_MM + 1 };
        int pick = -1, shows = -1;
        for (int k = 1; k < N && pick < 0; k++) {
            ss_probe_pose pose;
            double vis;
            bool spinous;
            st = ss__sagittal_at(sp, &is, (double)k, right, &pose);
            if (st != SS_OK) return st;
            ss__central_measure(sp, probe, &pose, &vis, &spinous);
            if (vis < SS_VIEW_NEAR_SPINOUS_MIN_VISIBILITY) continue;
            if (!spinous) pick = k;
            else if (k >= 2 && shows < 0) shows = k;
        }
        if (pick < 0) pick = shows >= 0 ? shows : N - 1; /* never shows this close: stay at the limit */
        return ss__sagittal_at(sp, &is, (double)pick, right, out);
    }
    case SS_VIEW_PARASAGITTAL_OBLIQUE: {
        double side = right ? -1.0 : 1.0;
        double p[3], skin[3];
        ss_v3_axpy(p, is.window_centre_mm, side * SS_VIEW_PARASAGITTAL_OFFSET_MM, is.view_lateral);
        ss__to_skin(sp, p, is.view_normal, skin);
        /* into the body, turned toward the midline (-side * view_lateral) */
        double t = SS_VIEW_PARASAGITTAL_TILT_DEG * M_PI / 180.0, beam[3];
        for (int i = 0; i < 3; i++) beam[i] = -cos(t) * is.view_normal[i] - side * sin(t) * is.view_lateral[i];
        double caudal[3] = {-is.view_cranial[0], -is.view_cranial[1], -is.view_cranial[2]};
        return ss__pose(skin, beam, caudal, out);
    }
    case SS_VIEW_TRANSVERSE_INTERLAMINAR:
    case SS_VIEW_TRANSVERSE_SPINOUS: {
        double p[3];
        if (view == SS_VIEW_TRANSVERSE_SPINOUS) {
            ss_vertebra_info v;
            st = ss_spine_vertebra(sp, level, &v); /* the upper vertebra of the interspace */
            if (st != SS_OK) return st;
            memcpy(p, v.spinous_tip_mm, sizeof p);
        } else {
            memcpy(p, is.interspinous_mm, sizeof p);
        }
        double skin[3];
        ss__to_skin(sp, p, is.view_normal, skin);
        double beam[3] = {-is.view_normal[0], -is.view_normal[1], -is.view_normal[2]};
        /* Array toward the patient's left for a right-side scan: the image's left is the
         * patient's right, as a sonographer holds it from the patient's right. */
        double arr[3];
        for (int i = 0; i < 3; i++) arr[i] = (right ? 1.0 : -1.0) * is.view_lateral[i];
        return ss__pose(skin, beam, arr, out);
    }
    case SS_VIEW_COUNT: break;
    }
    return ss_error_set(SS_ERR_INVALID, "unknown view %d", (int)view);
}

ss_status ss_view_measure_at(const ss_spine *sp, const ss_probe *probe, int level, ss_view view, bool right,
                             ss_view_measure *out)
{
    memset(out, 0, sizeof *out);
    ss_probe_pose pose;
    ss_status st = ss_view_pose(sp, probe, level, view, right, &pose);
    if (st != SS_OK) return st;
    ss_interspace_info is;
    ss_spine_interspace(sp, level, &is);
    out->level = level;
    out->view = view;
    out->right = right;
    out->rotation_deg = is.rotation_deg;
    ss_view_measure_pose(sp, probe, &pose, &out->canal_visibility, &out->window_width_mm);
    /* lateral offset from the interspinous point, tilt from the view normal */
    double d[3] = {pose.origin_mm[0] - is.interspinous_mm[0], pose.origin_mm[1] - is.interspinous_mm[1],
                   pose.origin_mm[2] - is.interspinous_mm[2]};
    out->lateral_offset_mm = fabs(ss_v3_dot(d, is.view_lateral));
    double c = -(pose.axis_y[0] * is.view_normal[0] + pose.axis_y[1] * is.view_normal[1] +
                 pose.axis_y[2] * is.view_normal[2]);
    out->tilt_deg = acos(fmin(1.0, fmax(-1.0, c))) * 180.0 / M_PI;
    return SS_OK;
}

/* the view shows the canal: some of the sac seen, and a window */
static bool ss__shows(const ss_view_measure *m) { return m->canal_visibility > 0 && m->window_width_mm > 0; }

/* Among interspaces the X-ray cannot tell apart by rotation, the customary lumbar-puncture
 * levels first: L3-L4, L4-L5 (below the conus, widest lumbar spaces), then L2-L3, L5-S1,
 * L1-L2. */
static int ss__pick_rank(int level)
{
    static const int rank[SS_LEVEL_COUNT] = {4, 2, 0, 1, 3}; /* L1-L2 .. L5-S1 */
    return rank[level];
}

ss_status ss_view_pick_level(const ss_spine *sp, const ss_view_measure ns[SS_LEVEL_COUNT], ss_level_pick *out)
{
    out->level = -1;
    out->reason = SS_PICK_NONE;
    out->rotation_deg = 0;
    out->widest_level = -1;
    out->widest_mm = 0;
    ss_interspace_info is[SS_LEVEL_COUNT];
    bool fused = false, reserved = false;
    for (int l = 0; l < SS_LEVEL_COUNT; l++) {
        if (ns[l].level != l || ns[l].view != SS_VIEW_NEAR_SPINOUS)
            return ss_error_set(SS_ERR_INVALID, "pick: measure %d is not the near-spinous view at %s", l,
                                ss_level_name(l));
        ss_status st = ss_spine_interspace(sp, l, &is[l]);
        if (st != SS_OK) return st;
        fused |= is[l].fused;
        reserved |= is[l].channel || is[l].ungrafted;
        if (ss__shows(&ns[l]) && ns[l].window_width_mm > out->widest_mm) {
            out->widest_mm = ns[l].window_width_mm;
            out->widest_level = l;
        }
    }
    /* the candidates: the scan shows the canal, and after fusion the reserved channel */
    bool cand[SS_LEVEL_COUNT];
    double least = INFINITY;
    for (int l = 0; l < SS_LEVEL_COUNT; l++) {
        cand[l] = ss__shows(&ns[l]) && !(fused && reserved && !(is[l].channel || is[l].ungrafted));
        if (cand[l]) least = fmin(least, fabs(ns[l].rotation_deg));
    }
    /* within the tie of the least rotation, the customary level first */
    for (int l = 0; l < SS_LEVEL_COUNT; l++) {
        if (!cand[l] || fabs(ns[l].rotation_deg) > least + SS_VIEW_PICK_TIE_DEG) continue;
        if (out->level < 0 || ss__pick_rank(l) < ss__pick_rank(out->level)) {
            out->level = l;
            out->rotation_deg = ns[l].rotation_deg;
        }
    }
    if (out->level >= 0) out->reason = fused && reserved ? SS_PICK_CHANNEL : SS_PICK_LEAST_ROTATED;
    return SS_OK;
}

const char *ss_pick_reason_text(ss_pick_reason reason)
{
    switch (reason) {
    case SS_PICK_CHANNEL: return "the reserved channel through the fusion";
    case SS_PICK_LEAST_ROTATED: return "the least rotated interspace";
    case SS_PICK_NONE: break;
    }
    return "no interspace shows the canal in the near-spinous view";
}

ss_status ss_view_claims_check(const ss_probe *probe, const ss_view_measure m[SS_LEVEL_COUNT][SS_VIEW_COUNT],
                               ss_view_claims *out)
{
    memset(out, 0, sizeof *out);
    out->least_level = -1;
    out->rival_level = -1;
    out->widest_level = -1;
    for (int l = 0; l < SS_LEVEL_COUNT; l++)
        for (int v = 0; v < SS_VIEW_COUNT; v++)
            if (m[l][v].level != l || m[l][v].view != (ss_view)v)
                return ss_error_set(SS_ERR_INVALID, "claims: measure [%d][%d] is not the %s view at %s", l, v,
                                    ss_view_name((ss_view)v), ss_level_name(l));
    /* line spacing 60 mm deep (the tests' tolerance) */
    out->line_mm = ss_view_line_spacing_mm(probe, 60.0);
    bool cand[SS_LEVEL_COUNT];
    int ncand = 0;
    double least = INFINITY, widest = 0;
    for (int l = 0; l < SS_LEVEL_COUNT; l++) {
        const ss_view_measure *ns = &m[l][SS_VIEW_NEAR_SPINOUS], *pso = &m[l][SS_VIEW_PARASAGITTAL_OBLIQUE];
        if (ss__shows(ns) || ss__shows(pso))
            out->wider[l] = ns->window_width_mm > pso->window_width_mm + out->line_mm ? SS_CLAIM_HOLDS : SS_CLAIM_FAILS;
        bool any = false;
        for (int v = 0; v < SS_VIEW_COUNT; v++) any |= m[l][v].canal_visibility > 0;
        if (any) out->hidden[l] = m[l][SS_VIEW_SPINOUS].canal_visibility > 0 ? SS_CLAIM_FAILS : SS_CLAIM_HOLDS;
        cand[l] = ss__shows(ns);
        if (!cand[l]) continue;
        ncand++;
        least = fmin(least, fabs(ns->rotation_deg));
        if (ns->window_width_mm > widest) {
            widest = ns->window_width_mm;
            out->widest_level = l;
        }
    }
    /* the least rotated: within the pick's tie of the least rotation (the X-ray does not
       tell them apart); judged only when some interspace is clearly more rotated */
    double in_best = 0, out_best = 0;
    int nin = 0;
    for (int l = 0; l < SS_LEVEL_COUNT; l++) {
        if (!cand[l]) continue;
        double w = m[l][SS_VIEW_NEAR_SPINOUS].window_width_mm;
        if (fabs(m[l][SS_VIEW_NEAR_SPINOUS].rotation_deg) <= least + SS_VIEW_PICK_TIE_DEG) {
            nin++;
            if (w > in_best) {
                in_best = w;
                out->least_level = l;
            }
        } else if (w > out_best) {
            out_best = w;
            out->rival_level = l;
        }
    }
    out->showing = ncand;
    out->least_rotation_deg = least;
    if (ncand >= 2 && nin < ncand)
        out->least_widest = in_best > out_best + out->line_mm ? SS_CLAIM_HOLDS : SS_CLAIM_FAILS;
    else
        out->least_level = out->rival_level = -1;
    return SS_OK;
}

/* appends to buf (bounded) */
static void ss__cat(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void ss__cat(char *buf, size_t n, const char *fmt, ...)
{
    size_t len = strlen(buf);
    if (len + 1 >= n) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, n - len, fmt, ap);
    va_end(ap);
}

/* "holds at A (x), B (y); does not hold at C (z); not judged (...) at D" for a per-level claim */
static void ss__levels_text(const ss_claim c[SS_LEVEL_COUNT], const ss_view_measure m[SS_LEVEL_COUNT][SS_VIEW_COUNT],
                            bool wider, char *buf, size_t n)
{
    static const ss_claim order[] = {SS_CLAIM_HOLDS, SS_CLAIM_FAILS, SS_CLAIM_NOT_JUDGED};
    static const char *const head[] = {"holds at", "does not hold at", "not judged (no view shows the canal) at"};
    bool any_group = false;
    for (int g = 0; g < 3; g++) {
        bool first = true;
        for (int l = 0; l < SS_LEVEL_COUNT; l++) {
            if (c[l] != order[g]) continue;
            if (first) ss__cat(buf, n, "%s%s %s", any_group ? "; " : "", head[g], ss_level_name(l));
            else ss__cat(buf, n, ", %s", ss_level_name(l));
            if (wider && order[g] != SS_CLAIM_NOT_JUDGED)
                ss__cat(buf, n, " (%.1f vs %.1f mm)", m[l][SS_VIEW_NEAR_SPINOUS].window_width_mm,
                        m[l][SS_VIEW_PARASAGITTAL_OBLIQUE].window_width_mm);
            else if (!wider && order[g] == SS_CLAIM_FAILS)
                ss__cat(buf, n, " (%.0f %% of the canal seen)", 100.0 * m[l][SS_VIEW_SPINOUS].canal_visibility);
            first = false;
            any_group = true;
        }
    }
}

void ss_view_claims_text(const ss_view_claims *c, const ss_view_measure m[SS_LEVEL_COUNT][SS_VIEW_COUNT], int claim,
                         char *buf, size_t n)
{
    if (n == 0) return;
    buf[0] = '\0';
    switch (claim) {
    case 0:
        ss__cat(buf, n, "near-spinous window wider than the parasagittal oblique one (by more than a line, %.1f mm): ",
                c->line_mm);
        ss__levels_text(c->wider, m, true, buf, n);
        break;
    case 1:
        ss__cat(buf, n, "spinous view hides the canal: ");
        ss__levels_text(c->hidden, m, false, buf, n);
        break;
    default: {
        ss__cat(buf, n, "least rotated interspace has the widest near-spinous window: ");
        if (c->least_widest == SS_CLAIM_NOT_JUDGED) {
            if (c->showing < 2)
                ss__cat(buf, n, "not judged (%d interspace%s show%s the canal in the near-spinous view)", c->showing,
                        c->showing == 1 ? "" : "s", c->showing == 1 ? "s" : "");
            else
                ss__cat(buf, n, "not judged (no interspace is more than %.0f deg more rotated than the least)",
                        SS_VIEW_PICK_TIE_DEG);
            break;
        }
        const ss_view_measure *lo = &m[c->least_level][SS_VIEW_NEAR_SPINOUS];
        const ss_view_measure *ri = &m[c->rival_level][SS_VIEW_NEAR_SPINOUS];
        ss__cat(buf, n, "%s (the least rotated: ", c->least_widest == SS_CLAIM_HOLDS ? "holds" : "does not hold");
        bool first = true;
        for (int l = 0; l < SS_LEVEL_COUNT; l++) {
            const ss_view_measure *x = &m[l][SS_VIEW_NEAR_SPINOUS];
            if (!ss__shows(x) || fabs(x->rotation_deg) > c->least_rotation_deg + SS_VIEW_PICK_TIE_DEG) continue;
            ss__cat(buf, n, "%s%s %.1f deg", first ? "" : ", ", ss_level_name(l), x->rotation_deg);
            first = false;
        }
        ss__cat(buf, n, ", widest %.1f mm at %s; the others: widest %.1f mm at %s, %.1f deg)", lo->window_width_mm,
                ss_level_name(c->least_level), ri->window_width_mm, ss_level_name(c->rival_level), ri->rotation_deg);
        break;
    }
    }
}

/* spine_measure.c: measurements on the built model (see spine_measure.h). */
#include "spine_measure.h"

#include <math.h>
#include <string.h>

#include "tissue.h"
#include "vec3d.h"

#define SS__DEG (3.14159265358979323846 / 180.0)

static void ss__at(double o[3], const double c[3], double a, const double L[3], double b, const double K[3], double h,
                   const double N[3])
{
    for (int i = 0; i < 3; i++) o[i] = c[i] + a * L[i] + b * K[i] + h * N[i];
}

static bool ss__is_hard(int label)
{
    return label == SS_TISSUE_CORTICAL || label == SS_TISSUE_CANCELLOUS || label == SS_TISSUE_GRAFT ||
           label == SS_TISSUE_TITANIUM || label == SS_TISSUE_COCR;
}

static bool ss__in_canal(const ss_spine_sample *s)
{
    return s->part == SS_PART_CANAL || s->part == SS_PART_DURA || s->part == SS_PART_CSF ||
           s->part == SS_PART_CAUDA_EQUINA || s->part == SS_PART_EPIDURAL_VEIN;
}

/* steps along p0 + t*d for t in [0, tmax] with steps no longer than the distance to the
   next surface; stops when stop() says so. Returns t at the stop, or -1. */
typedef int (*ss__stop_fn)(const ss_spine_sample *s, void *ctx);

static double ss__walk(const ss_spine *sp, const double p0[3], const double d[3], double tmax, ss__stop_fn stop,
                       void *ctx, int *why)
{
    double t = 0;
    while (t <= tmax) {
        double q[3];
        ss_v3_axpy(q, p0, t, d);
        ss_spine_sample s;
        ss_spine_query(sp, q, &s);
        int r = stop(&s, ctx);
        if (r) { *why = r; return t; }
        double step = 0.8 * s.boundary_mm;
        if (step < 0.02) step = 0.02;
        if (step > 2.0) step = 2.0;
        t += step;
    }
    *why = 0;
    return -1;
}

/* window rays: 1 = reached the canal (open), 2 = blocked */
static int ss__stop_window(const ss_spine_sample *s, void *ctx)
{
    (void)ctx;
    if (ss__is_hard(s->label) && s->part != SS_PART_SPINOUS) return 2;
    if (ss__in_canal(s)) return 1;
    return 0;
}

static bool ss__ray_open(const ss_spine *sp, const ss_interspace_info *I, double a, double c)
{
    double o[3], d[3];
    ss__at(o, I->window_centre_mm, a, I->view_lateral, c, I->view_cranial, 20.0, I->view_normal);
    for (int i = 0; i < 3; i++) d[i] = -I->view_normal[i];
    int why;
    ss__walk(sp, o, d, 45.0, ss__stop_window, NULL, &why);
    return why == 1;
}

/* longest run of open rays along one direction; returns its length and its middle */
static double ss__longest(const ss_spine *sp, const ss_interspace_info *I, bool across, double fixed, double *mid)
{
    const double step = 0.25, span = 30.0;
    double best = 0, run_start = 0, bmid = 0;
    bool in = false;
    for (double x = -span; x <= span + 1e-9; x += step) {
        bool open = across ? ss__ray_open(sp, I, x, fixed) : ss__ray_open(sp, I, fixed, x);
        if (open && !in) { in = true; run_start = x; }
        if ((!open || x + step > span + 1e-9) && in) {
            double end = open ? x : x - step;
            double len = end - run_start + step; /* each open ray stands for one step */
            if (len > best) { best = len; bmid = 0.5 * (run_start + end); }
            in = false;
        }
    }
    *mid = bmid;
    return best;
}


static int ss__stop_hard(const ss_spine_sample *s, void *ctx)
{
    (void)ctx;
    return ss__is_hard(s->label) ? 1 : 0;
}

static int ss__stop_path(const ss_spine_sample *s, void *ctx)
{
    (void)ctx;
    if (ss__is_hard(s->label)) return 2;
    if (s->label == SS_TISSUE_DURA || s->label == SS_TISSUE_CSF) return 1;
    return 0;
}

static double ss__skin_along(const ss_spine *sp, const double p[3], const double n[3], double out[3])
{
    double lo = 0, hi = 0, q[3];
    for (double t = 0; t < 300; t += 1.0) {
        ss_v3_axpy(q, p, t, n);
        hi = t;
        if (q[1] > ss_spine_skin_y(sp, q[0], q[2])) break;
        lo = t;
    }
    for (int it = 0; it < 40; it++) {
        double m = 0.5 * (lo + hi);
        ss_v3_axpy(q, p, m, n);
        if (q[1] > ss_spine_skin_y(sp, q[0], q[2])) hi = m; else lo = m;
    }
    ss_v3_axpy(out, p, lo, n);
    return lo;
}

ss_status ss_spine_measure_interspace(const ss_spine *sp, int level, ss_interspace_measure *out)
{
    ss_interspace_info I;
    ss_status st = ss_spine_interspace(sp, level, &I);
    if (st != SS_OK) return st;
    memset(out, 0, sizeof *out);
    out->level = level;
    out->fused = I.fused;
    out->grafted = I.grafted;
    out->channel = I.channel;
    out->ungrafted = I.ungrafted;
    /* window */
    double amid, cmid;
    out->window_width_mm = ss__longest(sp, &I, true, 0.0, &amid);
    out->window_height_mm = out->window_width_mm > 0 ? ss__longest(sp, &I, false, amid, &cmid) : 0.0;
    /* the lumbar window is a triangle, widest at its base: the widest row within the
       height run, rows 1 mm apart, then 0.25 mm (the ray spacing) around the widest */
    if (out->window_height_mm > 0) {
        double h = out->window_height_mm, best_c = 0.0, a;
        for (double c = cmid - 0.5 * h; c <= cmid + 0.5 * h; c += 1.0) {
            double w = ss__longest(sp, &I, true, c, &a);
            if (w > out->window_width_mm) {
                out->window_width_mm = w;
                best_c = c;
            }
        }
        for (double c = best_c - 0.75; c <= best_c + 0.75 + 1e-9; c += 0.25)
            out->window_width_mm = fmax(out->window_width_mm, ss__longest(sp, &I, true, c, &a));
    }
    /* interspinous gap: from the midline point up and down along the spine */
    double up[3], dn[3];
    for (int i = 0; i < 3; i++) { up[i] = I.window_cranial[i]; dn[i] = -I.window_cranial[i]; }
    int why_u, why_d;
    ss_spine_sample s0;
    ss_spine_query(sp, I.interspinous_mm, &s0);
    if (ss__is_hard(s0.label)) out->interspinous_mm = 0;
    else {
        double tu = ss__walk(sp, I.interspinous_mm, up, 40.0, ss__stop_hard, NULL, &why_u);
        double td = ss__walk(sp, I.interspinous_mm, dn, 40.0, ss__stop_hard, NULL, &why_d);
        out->interspinous_mm = (tu < 0 || td < 0) ? -1 : tu + td;
    }
    /* midline depths along the view normal through the window centre */
    double skin[3], d[3];
    ss__skin_along(sp, I.window_centre_mm, I.view_normal, skin);
    for (int i = 0; i < 3; i++) { skin[i] -= 0.01 * I.view_normal[i]; d[i] = -I.view_normal[i]; }
    out->skin_to_flavum_mm = -1;
    out->skin_to_dura_mm = -1;
    double t = 0;
    while (t < 150.0) {
        double q[3];
        ss_v3_axpy(q, skin, t, d);
        ss_spine_sample s;
        ss_spine_query(sp, q, &s);
        if (s.label == SS_TISSUE_FLAVUM && out->skin_to_flavum_mm < 0) out->skin_to_flavum_mm = t;
        if (ss__is_hard(s.label) && out->skin_to_dura_mm < 0) out->bone_on_midline_path = true;
        if ((s.label == SS_TISSUE_DURA || s.label == SS_TISSUE_CSF) && out->skin_to_dura_mm < 0) {
            out->skin_to_dura_mm = t;
            break;
        }
        double step = 0.8 * s.boundary_mm;
        t += step < 0.02 ? 0.02 : (step > 2.0 ? 2.0 : step);
    }
    /* a straight bone-free path from the skin to the sac centre */
    out->bone_free_path = false;
    for (double du = 0; du <= 20.0 && !out->bone_free_path; du += 2.5)
        for (int sgn = -1; sgn <= 1 && !out->bone_free_path; sgn += 2) {
            if (du == 0 && sgn > 0) continue;
            for (double dc = -12.0; dc <= 12.0 + 1e-9 && !out->bone_free_path; dc += 2.0) {
                double base[3], entry[3], dir[3];
                ss__at(base, I.window_centre_mm, sgn * du, I.view_lateral, dc, I.view_cranial, 0.0, I.view_normal);
                ss__skin_along(sp, base, I.view_normal, entry);
                ss_v3_sub(dir, I.sac_centre_mm, entry);
                double len = ss_v3_len(dir);
                for (int i = 0; i < 3; i++) dir[i] /= len;
                int why;
                ss__walk(sp, entry, dir, len, ss__stop_path, NULL, &why);
                if (why == 1) out->bone_free_path = true;
            }
        }
    return ss_spine_interspace_rotation(sp, level, &out->rotation_deg, &out->body_rotation_deg);
}

ss_status ss_spine_interspace_rotation(const ss_spine *sp, int level, double *posterior_deg, double *body_deg)
{
    ss_vertebra_info a, b;
    ss_status st = ss_spine_vertebra(sp, level, &a);
    if (st == SS_OK) st = ss_spine_vertebra(sp, level + 1, &b);
    if (st != SS_OK) return st;
    if (posterior_deg) *posterior_deg = 0.5 * (a.posterior_rotation_deg + b.posterior_rotation_deg);
    if (body_deg) *body_deg = 0.5 * (a.body_rotation_deg + b.body_rotation_deg);
    return SS_OK;
}

static bool ss__is_bone(const ss_spine *sp, const double q[3])
{
    int l = ss_spine_label_at(sp, q);
    return l == SS_TISSUE_CORTICAL || l == SS_TISSUE_CANCELLOUS || l == SS_TISSUE_TITANIUM || l == SS_TISSUE_COCR;
}

/* the endplate point reached from the body centre offset by dx along e, walking along
   +-a (both unit vectors in the coronal plane); false if no gap is found */
static bool ss__endplate_pt(const ss_spine *sp, const double c[3], const double e[3], const double a[3], double dx,
                            int dir, double hmax, double out[3])
{
    double q[3];
    for (int i = 0; i < 3; i++) q[i] = c[i] + dx * e[i];
    if (!ss__is_bone(sp, q)) return false;
    double last = 0, t;
    for (t = 0.25; t <= hmax; t += 0.25) {
        for (int i = 0; i < 3; i++) q[i] = c[i] + dx * e[i] + dir * t * a[i];
        if (!ss__is_bone(sp, q)) break;
        last = t;
    }
    if (t > hmax) return false;
    double lo = last, hi = t;
    for (int it = 0; it < 30; it++) {
        double m = 0.5 * (lo + hi);
        for (int i = 0; i < 3; i++) q[i] = c[i] + dx * e[i] + dir * m * a[i];
        if (ss__is_bone(sp, q)) lo = m; else hi = m;
    }
    double m = 0.5 * (lo + hi);
    for (int i = 0; i < 3; i++) out[i] = c[i] + dx * e[i] + dir * m * a[i];
    return true;
}

ss_status ss_spine_measure_cobb(const ss_spine *sp, ss_cobb_measure *out)
{
    memset(out, 0, sizeof *out);
    for (int v = 0; v < SS_VERT_COUNT; v++) {
        ss_vertebra_info vi;
        ss_spine_vertebra(sp, v, &vi);
        double dx = 0.2 * vi.body_width_mm;
        double hmax = 1.5 * vi.body_height_mm;
        /* search along the body's long axis as projected on the coronal plane, from two
           points either side of the centre: the line through the two endplate points found
           is the endplate line a radiologist would draw */
        double a[3] = {vi.axis[2][0], 0, vi.axis[2][2]};
        double al = sqrt(a[0] * a[0] + a[2] * a[2]);
        a[0] /= al;
        a[2] /= al;
        double e3[3] = {a[2], 0, -a[0]};
        for (int e = 0; e < 2; e++) {
            int dir = e == 0 ? 1 : -1;
            double tilt = NAN;
            double pr[3], pl[3];
            if (!(v == SS_VERT_S1 && dir < 0) && ss__endplate_pt(sp, vi.centre_mm, e3, a, dx, dir, hmax, pr) &&
                ss__endplate_pt(sp, vi.centre_mm, e3, a, -dx, dir, hmax, pl))
                tilt = atan2(pr[2] - pl[2], pr[0] - pl[0]) / SS__DEG;
            if (e == 0) out->upper_tilt_deg[v] = tilt; else out->lower_tilt_deg[v] = tilt;
        }
    }
    out->cobb_deg = 0;
    out->upper_vertebra = -1;
    out->lower_vertebra = -1;
    for (int a = 0; a < SS_VERT_COUNT; a++)
        for (int b = a + 1; b < SS_VERT_COUNT; b++) {
            double tb = b == SS_VERT_S1 ? out->upper_tilt_deg[b] : out->lower_tilt_deg[b];
            double ta = out->upper_tilt_deg[a];
            if (isnan(ta) || isnan(tb)) continue;
            double c = fabs(ta - tb);
            if (c > out->cobb_deg + 1e-9) { out->cobb_deg = c; out->upper_vertebra = a; out->lower_vertebra = b; }
        }
    if (out->cobb_deg < 0.05) { out->upper_vertebra = -1; out->lower_vertebra = -1; }
    return SS_OK;
}

/* spine_skin.c: the back's surface and layers. The skin's midline follows the spinous
 * tips (a Catmull-Rom curve along z), with a groove over the spine and the back's
 * curvature across it, raised by the soft-tissue offset that gives the patient's L3-L4
 * skin-to-flavum depth; under it skin, subcutaneous fat, and muscle below. Also: the
 * label of these layers at a point, and where a ray meets the skin.
 */
#include <math.h>

#include "spine_internal.h"
#include "tissue.h"

static void ss__hermite(const ss_spine *s, const double *val, double z, double *out)
{
    int n = s->nanchor;
    const double *zz = s->anc_z;
    if (n == 1) { *out = val[0]; return; }
    /* tangents (Catmull-Rom, one-sided at the ends) */
    int i = 0;
    if (z <= zz[0]) {
        double m = (val[1] - val[0]) / (zz[1] - zz[0]);
        *out = val[0] + m * (z - zz[0]);
        return;
    }
    if (z >= zz[n - 1]) {
        double m = (val[n - 1] - val[n - 2]) / (zz[n - 1] - zz[n - 2]);
        *out = val[n - 1] + m * (z - zz[n - 1]);
        return;
    }
    while (i < n - 2 && z > zz[i + 1]) i++;
    double h = zz[i + 1] - zz[i];
    double m0 = i > 0 ? (val[i + 1] - val[i - 1]) / (zz[i + 1] - zz[i - 1]) : (val[1] - val[0]) / (zz[1] - zz[0]);
    double m1 = i + 2 < n ? (val[i + 2] - val[i]) / (zz[i + 2] - zz[i]) : (val[n - 1] - val[n - 2]) / (zz[n - 1] - zz[n - 2]);
    double t = (z - zz[i]) / h, t2 = t * t, t3 = t2 * t;
    *out = (2 * t3 - 3 * t2 + 1) * val[i] + (t3 - 2 * t2 + t) * h * m0 + (-2 * t3 + 3 * t2) * val[i + 1] +
           (t3 - t2) * h * m1;
}

/* skin y with the soft-tissue offset T given explicitly */
static double ss__skin_y_T(const ss_spine *s, double x, double z, double T)
{
    double xm, ym;
    ss__hermite(s, s->anc_x, z, &xm);
    ss__hermite(s, s->anc_y, z, &ym);
    double dx = x - xm;
    return ym + T + s->groove * (1.0 - exp(-dx * dx / (2.0 * s->groove_sigma * s->groove_sigma))) -
           dx * dx / (2.0 * s->back_R);
}

double ss_spine_skin_y(const ss_spine *s, double x_mm, double z_mm) { return ss__skin_y_T(s, x_mm, z_mm, s->skin_T); }

/* label of the analytic back layers at p and the (approximate) distance to their
 * nearest boundary */
int ss__spine_layer_label(const ss_spine *s, const double p[3], double *dist)
{
    double ys = ss_spine_skin_y(s, p[0], p[2]);
    double h = 0.5;
    double gx = (ss_spine_skin_y(s, p[0] + h, p[2]) - ss_spine_skin_y(s, p[0] - h, p[2])) / (2 * h);
    double gz = (ss_spine_skin_y(s, p[0], p[2] + h) - ss_spine_skin_y(s, p[0], p[2] - h)) / (2 * h);
    double k = 1.0 / sqrt(1.0 + gx * gx + gz * gz);
    double y = p[1];
    double b1 = ys, b2 = ys - s->skin_t, b3 = ys - s->skin_t - s->fat_F;
    int label;
    if (y > b1) label = SS_TISSUE_AIR;
    else if (y > b2) label = SS_TISSUE_SKIN;
    else if (y > b3) label = SS_TISSUE_FAT;
    else label = SS_TISSUE_MUSCLE;
    if (dist) *dist = k * fmin(fabs(y - b1), fmin(fabs(y - b2), fabs(y - b3)));
    return label;
}

void ss__spine_skin(ss_spine *s)
{
    double sc = s->info.scale;
    s->skin_t = ss__A(SS_ANAT_SKIN_THICKNESS, 0) * fmax(0.75, sc);
    s->groove = ss__A(SS_ANAT_BACK_GROOVE_DEPTH, 0);
    s->groove_sigma = 15.0 * sc;
    s->back_R = ss__A(SS_ANAT_BACK_RADIUS, 0) * sc;
    /* anchors: the spinous tips, lowest first */
    int n = 0;
    double pts[SS__MAX_ANCHORS][3];
    ss__vert *s1 = &s->v[SS_VERT_S1];
    ss_v3_frame_point(&s1->post, 0, s1->v_tip, -0.5 * s1->H - 30.0, pts[n++]);
    ss_v3_frame_point(&s1->post, 0, s1->v_tip, s1->w_sp_top - 4.0, pts[n++]);
    for (int i = SS_VERT_L5; i >= 0; i--) {
        ss__vert *v = &s->v[i];
        ss_v3_frame_point(&v->post, 0, v->v_tip, 0.5 * (v->w_sp_top + v->w_sp_bot), pts[n++]);
    }
    s->nanchor = 0;
    for (int j = 0; j < n; j++) {
        if (s->nanchor > 0 && pts[j][2] <= s->anc_z[s->nanchor - 1] + 1.0) continue;
        s->anc_x[s->nanchor] = pts[j][0];
        s->anc_y[s->nanchor] = pts[j][1];
        s->anc_z[s->nanchor] = pts[j][2];
        s->nanchor++;
    }
    /* soft-tissue offset T: the skin passes through window centre + depth * view normal at L3-4 */
    const ss_v3_frame *F = &s->isp_view[SS_LEVEL_L3_L4];
    double q[3];
    double depth = s->info.skin_to_flavum_target_mm;
    ss_v3_axpy(q, F->o, depth, F->ax[1]);
    double T = q[1] - ss__skin_y_T(s, q[0], q[2], 0.0);
    double ssl = ss__A(SS_ANAT_SUPRASPINOUS_THICKNESS, 0);
    double fmin_ = ss__A(SS_ANAT_MIN_FAT_THICKNESS, 0);
    double F_ = T - s->skin_t - ssl;
    if (F_ < fmin_) { F_ = fmin_; T = s->skin_t + ssl + fmin_; }
    s->skin_T = T;
    s->fat_F = F_;
    s->info.skin_thickness_mm = s->skin_t;
    s->info.fat_thickness_mm = F_;
}

void ss__spine_skin_hit(const ss_spine *s, const double p[3], const double d[3], double out[3])
{
    double lo = 0, hi = 0;
    double q[3];
    for (double t = 0; t < 300; t += 1.0) {
        ss_v3_axpy(q, p, t, d);
        if (q[1] > ss_spine_skin_y(s, q[0], q[2])) { hi = t; break; }
        lo = t;
        hi = t;
    }
    for (int it = 0; it < 40; it++) {
        double m = 0.5 * (lo + hi);
        ss_v3_axpy(q, p, m, d);
        if (q[1] > ss_spine_skin_y(s, q[0], q[2])) hi = m; else lo = m;
    }
    ss_v3_axpy(out, p, 0.5 * (lo + hi), d);
}

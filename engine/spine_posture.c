/* spine_posture.c: the patient's proportions and the shape of the spine: vertebral and
 * interspace dimensions from the anatomy table scaled to the patient's stature, the
 * scoliotic curve (coronal tilt and axial rotation per vertebra), lordosis and flexion,
 * and from them the frames of every vertebra (body, posterior elements, view) and of
 * every interspace (spine_internal.h; docs/anatomy.md).
 */
#include <math.h>
#include <string.h>

#include "spine_internal.h"

/* ------------------------------------------------------------------ orientation */

/* R = Ry(theta) * Rx(psi) * Rz(alpha): coronal tilt, sagittal tilt (anterior +), axial */
static void ss__rot(double theta, double psi, double alpha, double ax[3][3])
{
    double ct = cos(theta), st = sin(theta), cp = cos(psi), sp = sin(psi), ca = cos(alpha), sa = sin(alpha);
    double ry[3][3] = {{ct, 0, st}, {0, 1, 0}, {-st, 0, ct}};
    double rx[3][3] = {{1, 0, 0}, {0, cp, -sp}, {0, sp, cp}};
    double rz[3][3] = {{ca, -sa, 0}, {sa, ca, 0}, {0, 0, 1}};
    double t[3][3], m[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            t[i][j] = 0;
            for (int k = 0; k < 3; k++) t[i][j] += ry[i][k] * rx[k][j];
        }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            m[i][j] = 0;
            for (int k = 0; k < 3; k++) m[i][j] += t[i][k] * rz[k][j];
        }
    for (int c = 0; c < 3; c++)
        for (int r = 0; r < 3; r++) ax[c][r] = m[r][c]; /* columns are the axes */
}

/* ------------------------------------------------------------------ stature and curve */

static double ss__stature_cm(double age, ss_sex sex)
{
    int id = sex == SS_SEX_FEMALE ? SS_ANAT_STATURE_F_CM : SS_ANAT_STATURE_M_CM;
    int adult = sex == SS_SEX_FEMALE ? SS_ANAT_ADULT_HEIGHT_F_CM : SS_ANAT_ADULT_HEIGHT_M_CM;
    if (age >= 18) return ss__A(adult, 0);
    if (age < 10) return ss__A(id, 0) - 6.0 * (10 - age);
    double t = age - 10;
    int i = (int)floor(t);
    if (i >= 7) return ss__A(id, 7) + (t - 7) * (ss__A(adult, 0) - ss__A(id, 7));
    return ss__A(id, i) + (t - i) * (ss__A(id, i + 1) - ss__A(id, i));
}

/* arc position (mm, along the unbent spine, + cranial) of a vertebra's centre */
static double ss__arc(const ss_spine *s, const double *arc_l, int vert)
{
    if (vert >= 0) return arc_l[vert];
    return arc_l[0] + (-vert) * ss__A(SS_ANAT_THORACIC_SPACING, 0) * s->info.scale;
}

/* coronal tilt (rad, + = axis toward +x) and body rotation (deg, + toward convexity) */
static void ss__curve(ss_spine *s, double tilt[SS__NV], double rot_deg[SS__NV], double *apical_rot)
{
    const ss_deformity_params *d = &s->params.deformity;
    double arc[SS__NV];
    arc[SS_VERT_S1] = -0.5 * s->v[SS_VERT_S1].H;
    for (int i = SS_VERT_L5; i >= 0; i--) arc[i] = arc[i + 1] + 0.5 * s->v[i + 1].H + s->disc[i] + 0.5 * s->v[i].H;
    double s_hi = ss__arc(s, arc, d->upper_end_vertebra), s_lo = ss__arc(s, arc, d->lower_end_vertebra);
    double s_ap = ss__arc(s, arc, d->apex_vertebra), s_s1 = arc[SS_VERT_S1];
    double spacing = 37.0 * s->info.scale;
    double cobb = d->cobb_deg * SS__DEG;
    for (int i = 0; i < SS__NV; i++) tilt[i] = 0;
    if (cobb > 0 && s_hi > s_lo) {
        double kappa = cobb / (s_hi - s_lo);
        double th_lo = kappa * (s_ap - s_lo), th_hi = -kappa * (s_hi - s_ap);
        /* below the lower end vertebra the tilt returns to 0 at S1, at most 20 deg a disc;
           what is left stays in the sacrum (pelvic obliquity) */
        int nbelow = SS_VERT_S1 - d->lower_end_vertebra;
        double th_s1 = 0;
        double maxw = 20.0 * SS__DEG;
        if (fabs(th_lo) > nbelow * maxw) th_s1 = th_lo - (th_lo > 0 ? 1 : -1) * nbelow * maxw;
        for (int i = 0; i < SS__NV; i++) {
            double a = arc[i], t;
            if (a >= s_lo && a <= s_hi) t = -kappa * (a - s_ap);
            else if (a < s_lo) t = th_s1 + (th_lo - th_s1) * (a - s_s1) / (s_lo - s_s1 > 1e-9 ? s_lo - s_s1 : 1);
            else t = th_hi * fmax(0.0, 1.0 - (a - s_hi) / (2 * spacing));
            tilt[i] = s->side * t;
        }
    }
    /* axial rotation */
    double ap = 0;
    if (d->rotation_given) {
        for (int i = 0; i < SS__NV; i++) rot_deg[i] = d->rotation_deg[i];
        for (int i = 0; i < SS__NV; i++) ap = fmax(ap, fabs(rot_deg[i]));
    } else {
        if (d->nash_moe_grade >= 0) ap = ss_nash_moe_deg(d->nash_moe_grade);
        else ap = ss__A(SS_ANAT_APICAL_ROTATION_PER_COBB, 0) * d->cobb_deg;
        double e = ss__A(SS_ANAT_END_ROTATION_SHARE, 0);
        for (int i = 0; i < SS__NV; i++) {
            double a = arc[i], r;
            if (ap == 0) r = 0;
            else if (a >= s_lo && a <= s_hi) {
                double half = a < s_ap ? s_ap - s_lo : s_hi - s_ap;
                double u = half > 1e-9 ? (a - s_ap) / half : 0;
                r = ap * (1.0 - (1.0 - e) * u * u);
            } else if (a < s_lo) {
                r = e * ap * (s_lo - s_s1 > 1e-9 ? (a - s_s1) / (s_lo - s_s1) : 0);
            } else {
                r = e * ap * fmax(0.0, 1.0 - (a - s_hi) / (2 * spacing));
            }
            rot_deg[i] = r;
        }
        /* A Nash-Moe grade describes the most rotated lumbar vertebra on the X-ray (Wei et
         * al. 2023, Table 1 footnote a: "maximum degree of lumbar spine rotation"), not the
         * apex of a curve that may be thoracic: scale the profile so the largest lumbar
         * body rotation equals the grade's degrees. */
        if (d->nash_moe_grade >= 0 && ap > 0) {
            double lumbar_max = 0;
            for (int i = SS_VERT_L1; i <= SS_VERT_L5; i++) lumbar_max = fmax(lumbar_max, fabs(rot_deg[i]));
            if (lumbar_max > 1e-9)
                for (int i = 0; i < SS__NV; i++) rot_deg[i] *= ap / lumbar_max;
        }
    }
    *apical_rot = ap;
}

/* ------------------------------------------------------------------ dimensions and frames */

void ss__spine_dims(ss_spine *s)
{
    const ss_body_params *b = &s->params.body;
    ss_spine_info *inf = &s->info;
    double h = b->height_cm > 0 ? b->height_cm : ss__stature_cm(b->age_y, b->sex);
    double adult = ss__A(b->sex == SS_SEX_FEMALE ? SS_ANAT_ADULT_HEIGHT_F_CM : SS_ANAT_ADULT_HEIGHT_M_CM, 0);
    double sc = fmin(1.3, fmax(0.5, h / adult));
    double scw = b->age_y >= 16 ? 1.0 : (sc < 1 ? 1.0 - 0.5 * (1.0 - sc) : 1.0);
    double hm = h / 100.0;
    double w = b->weight_kg > 0 ? b->weight_kg : b->bmi * hm * hm;
    double bmi = b->weight_kg > 0 ? b->weight_kg / (hm * hm) : b->bmi;
    inf->scale = sc;
    inf->canal_width_scale = scw;
    inf->height_cm = h;
    inf->weight_kg = w;
    inf->bmi = bmi;
    double depth;
    if (b->skin_to_flavum_mm > 0) depth = b->skin_to_flavum_mm;
    else {
        depth = ss__A(SS_ANAT_DEPTH_ADULT_INTERCEPT, 0) + ss__A(SS_ANAT_DEPTH_ADULT_PER_BMI, 0) * bmi;
        if (b->age_y < 18) {
            double child = ss__A(SS_ANAT_DEPTH_CHILD_INTERCEPT, 0) + ss__A(SS_ANAT_DEPTH_CHILD_PER_KG, 0) * w;
            depth = fmin(depth, child);
        }
    }
    inf->skin_to_flavum_target_mm = depth;
    for (int i = 0; i < SS__NV; i++) {
        ss__vert *v = &s->v[i];
        v->H = ss__A(SS_ANAT_BODY_HEIGHT, i) * sc;
        v->W = ss__A(b->sex == SS_SEX_FEMALE ? SS_ANAT_BODY_WIDTH_F : SS_ANAT_BODY_WIDTH_M, i) * sc;
        v->D = ss__A(SS_ANAT_BODY_DEPTH, i) * sc;
        v->a = 0.5 * v->W;
        v->b = v->D / 1.8; /* ellipse cut flat at 0.8 b behind: total depth = D */
        v->b_p = 0.8 * v->b;
        v->pw = ss__A(SS_ANAT_PEDICLE_WIDTH, i) * sc;
        v->ph = ss__A(SS_ANAT_PEDICLE_HEIGHT, i) * sc;
        v->conv = ss__A(SS_ANAT_PEDICLE_CONVERGENCE_DEG, i) * SS__DEG;
        v->C = ss__A(SS_ANAT_CANAL_WIDTH, i) * scw;
        v->A = ss__A(SS_ANAT_CANAL_AP, i); /* mature early: not scaled */
        v->t_lam = ss__A(SS_ANAT_LAMINA_THICKNESS, i) * sc;
        v->sp_len = ss__A(SS_ANAT_SPINOUS_LENGTH, i) * sc;
        v->sp_thk = ss__A(SS_ANAT_SPINOUS_THICKNESS, i) * sc;
        v->tp_len = ss__A(SS_ANAT_TRANSVERSE_LENGTH, i) * sc;
        v->screw_path = ss__A(SS_ANAT_SCREW_PATH, i) * sc;
        v->v_roof = v->b_p + v->A;
        v->v_tip = v->v_roof + v->t_lam + v->sp_len;
        v->w_ped = 0.5 * v->H - 0.5 * v->ph - 1.0;
    }
    double llref = ss__A(SS_ANAT_LORDOSIS_REFERENCE_DEG, 0);
    for (int k = 0; k < SS__NL; k++) {
        const ss__vert *up = &s->v[k];
        s->disc[k] = ss__A(SS_ANAT_DISC_HEIGHT, k) * sc;
        s->t_fl[k] = ss__A(SS_ANAT_FLAVUM_THICKNESS, k) * sc;
        s->win_h[k] = ss__A(SS_ANAT_WINDOW_HEIGHT, k) * sc;
        s->win_w[k] = ss__A(SS_ANAT_WINDOW_WIDTH, k) * sc * scw;
        s->isd[k] = ss__A(SS_ANAT_INTERSPINOUS, k) * sc;
        s->facet[k] = ss__A(SS_ANAT_FACET_ANGLE_DEG, k) * SS__DEG;
        /* the posterior gaps hold at the reference lordosis: build them that much wider
           at zero segment angle (segment extension closes them by angle x lever arm) */
        double phi_ref = llref * ss__A(SS_ANAT_LORDOSIS_SHARE, k) * SS__DEG;
        const ss__vert *lo = &s->v[k + 1];
        /* lever arms: the posterior lamina edge bounds the window; the interspinous gap is
           taken halfway from the flavum to the spinous tips */
        double arm_sp = 0.5 * (up->v_roof + s->t_fl[k] + 0.5 * (up->v_tip + lo->v_tip));
        s->G[k] = s->win_h[k] + phi_ref * (up->v_roof + up->t_lam);
        s->Gsp[k] = s->isd[k] + phi_ref * arm_sp;
    }
    for (int i = 0; i < SS__NV; i++) {
        ss__vert *v = &s->v[i];
        v->w_lt = i == 0 ? 0.5 * v->H - 3.0 : 0.5 * v->H - 0.5 * (s->G[i - 1] - s->disc[i - 1]);
        v->w_sp_top = i == 0 ? 0.5 * v->H - 3.0 : 0.5 * v->H - 0.5 * (s->Gsp[i - 1] - s->disc[i - 1]);
        v->w_lb = i == SS_VERT_S1 ? -0.5 * v->H - 45.0 : -0.5 * v->H + 0.5 * (s->G[i] - s->disc[i]);
        v->w_sp_bot = i == SS_VERT_S1 ? -0.5 * v->H - 45.0 : -0.5 * v->H + 0.5 * (s->Gsp[i] - s->disc[i]);
    }
}

void ss__spine_place(ss_spine *s)
{
    const ss_body_params *b = &s->params.body;
    double tilt[SS__NV], rot[SS__NV], ap;
    ss__curve(s, tilt, rot, &ap);
    s->info.apical_rotation_deg = ap;
    double fmax_deg = ss__A(SS_ANAT_FLEXION_MAX_DEG, 0);
    double phi[SS__NL];
    double ll = 0;
    for (int k = 0; k < SS__NL; k++) {
        /* lying unflexed: the mobile segments lose the flexion, the fused ones keep it */
        double flex = b->lying_unflexed && !ss_fusion_holds_segment(&s->params.fusion, k) ? 0.0 : b->flexion;
        phi[k] = b->lordosis_deg * ss__A(SS_ANAT_LORDOSIS_SHARE, k) - fmax_deg * flex / SS__NL;
        s->info.segment_lordosis_deg[k] = phi[k];
        ll += phi[k];
    }
    s->info.lordosis_effective_deg = ll;
    double extra = ss__A(SS_ANAT_BODY_EXTRA_ROTATION_DEG, 0), full = ss__A(SS_ANAT_BODY_EXTRA_ROTATION_FULL_AT_DEG, 0);
    for (int i = 0; i < SS__NV; i++) {
        double r = rot[i];
        double rp = r - (r > 0 ? 1 : -1) * extra * fmin(1.0, fabs(r) / full);
        if (r == 0) rp = 0;
        s->v[i].theta = tilt[i];
        s->v[i].alpha = s->side * r * SS__DEG;
        s->v[i].alpha_post = s->side * rp * SS__DEG;
    }
    /* sagittal: S1 tilted so that the L1-S1 chord is vertical */
    double sac = 0;
    double c[SS__NV][3];
    for (int iter = 0; iter < 4; iter++) {
        double psi = sac * SS__DEG;
        s->v[SS_VERT_S1].psi = psi;
        for (int k = SS__NL - 1; k >= 0; k--) s->v[k].psi = s->v[k + 1].psi - phi[k] * SS__DEG;
        double ax[SS__NV][3][3];
        for (int i = 0; i < SS__NV; i++) ss__rot(s->v[i].theta, s->v[i].psi, s->v[i].alpha, ax[i]);
        ss_v3_axpy(c[SS_VERT_S1], (double[3]){0, 0, 0}, -0.5 * s->v[SS_VERT_S1].H, ax[SS_VERT_S1][2]);
        for (int k = SS__NL - 1; k >= 0; k--) {
            double e[3], m[3];
            ss_v3_axpy(e, c[k + 1], 0.5 * s->v[k + 1].H, ax[k + 1][2]);
            ss_v3_lerp(m, ax[k][2], ax[k + 1][2], 0.5);
            ss_v3_normalize(m);
            ss_v3_axpy(e, e, s->disc[k], m);
            ss_v3_axpy(c[k], e, 0.5 * s->v[k].H, ax[k][2]);
        }
        double top[3];
        ss_v3_axpy(top, c[0], 0.5 * s->v[0].H, ax[0][2]);
        double beta = atan2(-top[1], top[2]) / SS__DEG;
        sac -= beta;
        for (int i = 0; i < SS__NV; i++) {
            ss__vert *v = &s->v[i];
            ss_v3_copy(v->body.o, c[i]);
            memcpy(v->body.ax, ax[i], sizeof ax[i]);
        }
    }
    s->info.sacral_tilt_deg = s->v[SS_VERT_S1].psi / SS__DEG;
    for (int i = 0; i < SS__NV; i++) {
        ss__vert *v = &s->v[i];
        /* posterior elements: rotated less than the body, about the middle of the
           posterior body wall */
        ss_v3_frame pf = ss_v3_frame_rotw(&v->body, v->alpha_post - v->alpha);
        double piv_b[3], piv_p[3];
        ss_v3_frame_point(&v->body, 0, v->b_p, 0, piv_b);
        ss_v3_frame_dir(&pf, 0, v->b_p, 0, piv_p);
        ss_v3_sub(pf.o, piv_b, piv_p);
        v->post = pf;
        v->view.o[0] = v->body.o[0]; v->view.o[1] = v->body.o[1]; v->view.o[2] = v->body.o[2];
        ss__rot(v->theta, v->psi, 0.0, v->view.ax);
    }
}

void ss__spine_interspace_frames(ss_spine *s)
{
    for (int k = 0; k < SS__NL; k++) {
        ss__vert *u = &s->v[k], *l = &s->v[k + 1];
        double pu[3], pl[3];
        ss_v3_frame_point(&u->post, 0, u->v_roof + s->t_fl[k], u->w_lb, pu);
        ss_v3_frame_point(&l->post, 0, l->v_roof + s->t_fl[k], l->w_lt, pl);
        ss_v3_frame f = ss_v3_frame_mean(&u->post, &l->post);
        ss_v3_lerp(f.o, pu, pl, 0.5);
        s->isp_post[k] = f;
        ss_v3_frame g = ss_v3_frame_mean(&u->view, &l->view);
        g.o[0] = f.o[0]; g.o[1] = f.o[1]; g.o[2] = f.o[2];
        s->isp_view[k] = g;
    }
}

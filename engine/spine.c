/* spine.c: the parametric lumbar spine and back (see spine.h, docs/anatomy.md).
 *
 * The model is a list of primitives (solids with an analytic signed distance), each in
 * a "layer" that decides which tissue wins where they overlap:
 *   soft layers, later wins:  canal (epidural fat) < ligaments < flavum < epidural veins
 *                             < dura < CSF < cauda equina < segmental vessels
 *                             < exiting roots < disc
 *   hard layers: bone (cortical within the shell, else cancellous; laminotomy channels
 *                subtracted) < graft (only where no bone) < metal (always wins).
 * Above all of them lie the analytic layers of the back: air outside the skin surface,
 * then skin, which nothing overrides; fat and muscle are what is left where no
 * primitive claims a point. ss_spine_query() and the voxelizer (tissue_volume.c, through
 * spine_layers.h) apply exactly these rules, so the voxel volume and the needle agree.
 */
#include "spine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "anatomy_table.h"
#include "spine_layers.h"
#include "tissue.h"
#include "vec3d.h"
#include "volume_sdf.h"

#define SS__PI 3.14159265358979323846
#define SS__DEG (SS__PI / 180.0)
#define SS__NV SS_VERT_COUNT
#define SS__NL SS_LEVEL_COUNT
#define SS__MAX_ANCHORS 16
#define SS__MAX_TUBE 40
#define SS__HARD_EXACT_MM 8.0  /* hard prims evaluated (not bounded) within this distance */

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

/* ------------------------------------------------------------------ the model */

typedef struct ss__vert {
    double H, W, D, a, b, b_p, pw, ph, conv, C, A, t_lam, sp_len, sp_thk, tp_len, screw_path;
    double v_roof, v_tip, w_ped;
    double w_lt, w_lb, w_sp_top, w_sp_bot;
    double theta, psi, alpha, alpha_post; /* radians, patient-frame signs */
    ss_v3_frame body, post, view;
    bool fused, screws;
    double sac_centre[3];
} ss__vert;

typedef struct ss__tube_vertex {
    double c[3], u[3], v[3]; /* canal centre, lateral, posterior */
    double ra, rb;           /* canal half width, half depth */
    double sac_ra, sac_rb;   /* thecal sac radii (0: the sac has ended) */
    double sac_dv;           /* sac centre offset along v */
} ss__tube_vertex;

struct ss_spine {
    ss_patient_params params;
    ss_spine_info info;
    ss__spine_prim *prims;
    int nprims, cap;
    int layer_start[SS__LY_COUNT + 1];
    ss_sdf_prim channel[SS__NL];
    bool has_channel[SS__NL];
    ss__vert v[SS__NV];
    /* per interspace */
    double disc[SS__NL], t_fl[SS__NL], win_h[SS__NL], win_w[SS__NL], isd[SS__NL], facet[SS__NL];
    double G[SS__NL], Gsp[SS__NL];
    ss_v3_frame isp_post[SS__NL], isp_view[SS__NL];
    ss_interspace_info isp[SS__NL];
    /* skin */
    int nanchor;
    double anc_z[SS__MAX_ANCHORS], anc_x[SS__MAX_ANCHORS], anc_y[SS__MAX_ANCHORS];
    double skin_T, skin_t, fat_F, groove, groove_sigma, back_R;
    double shell;
    double side; /* +1 convex left, -1 convex right */
};

static double ss__A(int id, int i) { return ss_anatomy_value(id, i); }

static ss__spine_prim *ss__add(ss_spine *s, int layer, int label, int part, int vert, int level)
{
    if (s->nprims == s->cap) {
        int ncap = s->cap ? s->cap * 2 : 256;
        ss__spine_prim *np = realloc(s->prims, (size_t)ncap * sizeof *np);
        if (!np) return NULL;
        s->prims = np;
        s->cap = ncap;
    }
    ss__spine_prim *p = &s->prims[s->nprims++];
    memset(p, 0, sizeof *p);
    p->layer = layer;
    p->label = label;
    p->part = part;
    p->vertebra = vert;
    p->level = level;
    return p;
}

/* rounded box spanning [u0,u1]x[v0,v1]x[w0,w1] in frame f (ss_sdf_box) */
static ss__spine_prim *ss__box(ss_spine *s, const ss_v3_frame *f, double u0, double u1, double v0, double v1, double w0,
                         double w1, double r, int layer, int label, int part, int vert, int level)
{
    ss__spine_prim *p = ss__add(s, layer, label, part, vert, level);
    if (!p) return NULL;
    ss_sdf_box(&p->sdf, f, u0, u1, v0, v1, w0, w1, r);
    return p;
}

/* elliptic tube segment from a to b (ss_sdf_seg) */
static ss__spine_prim *ss__seg(ss_spine *s, const double a[3], const double b[3], const double ref[3], double ra0, double rb0,
                         double ra1, double rb1, int layer, int label, int part, int vert, int level)
{
    ss__spine_prim *p = ss__add(s, layer, label, part, vert, level);
    if (!p) return NULL;
    ss_sdf_seg(&p->sdf, a, b, ref, ra0, rb0, ra1, rb1);
    return p;
}

/* ------------------------------------------------------------------ skin surface */

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
static int ss__layer_label(const ss_spine *s, const double p[3], double *dist)
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

/* ------------------------------------------------------------------ parameters */

static ss_status ss__check(const ss_patient_params *pp)
{
    const ss_body_params *b = &pp->body;
    const ss_deformity_params *d = &pp->deformity;
    const ss_fusion_params *f = &pp->fusion;
#define SS__RANGE(val, lo, hi, name)                                                                           \
    do {                                                                                                       \
        if (!(isfinite((double)(val)) && (val) >= (lo) && (val) <= (hi)))                                                \
            return ss_error_set(SS_ERR_INVALID, "patient: %s = %g is outside %g..%g", name, (double)(val),     \
                                (double)(lo), (double)(hi));                                                   \
    } while (0)
    SS__RANGE(b->age_y, 2, 100, "body.age_y");
    SS__RANGE(b->bmi, 10, 70, "body.bmi");
    if (b->height_cm != 0) SS__RANGE(b->height_cm, 80, 230, "body.height_cm");
    if (b->weight_kg != 0) SS__RANGE(b->weight_kg, 10, 250, "body.weight_kg");
    if (b->skin_to_flavum_mm != 0) SS__RANGE(b->skin_to_flavum_mm, 10, 150, "body.skin_to_flavum_mm");
    SS__RANGE(b->lordosis_deg, -20, 90, "body.lordosis_deg");
    SS__RANGE(b->flexion, 0, 1, "body.flexion");
    SS__RANGE(d->cobb_deg, 0, 120, "deformity.cobb_deg");
    SS__RANGE(d->apex_vertebra, SS_VERT_T7, SS_VERT_S1, "deformity.apex_vertebra");
    SS__RANGE(d->upper_end_vertebra, SS_VERT_T7, SS_VERT_S1, "deformity.upper_end_vertebra");
    SS__RANGE(d->lower_end_vertebra, SS_VERT_T7, SS_VERT_S1, "deformity.lower_end_vertebra");
    SS__RANGE(d->nash_moe_grade, -1, 4, "deformity.nash_moe_grade");
    if (d->rotation_given)
        for (int i = 0; i < SS__NV; i++) SS__RANGE(d->rotation_deg[i], -60, 60, "deformity.rotation_deg[]");
    if (d->cobb_deg > 0) {
        if (d->upper_end_vertebra >= d->lower_end_vertebra)
            return ss_error_set(SS_ERR_INVALID,
                                "patient: deformity.upper_end_vertebra (%s) must lie above lower_end_vertebra (%s)",
                                ss_vertebra_name(d->upper_end_vertebra), ss_vertebra_name(d->lower_end_vertebra));
        if (d->apex_vertebra < d->upper_end_vertebra || d->apex_vertebra > d->lower_end_vertebra)
            return ss_error_set(SS_ERR_INVALID, "patient: deformity.apex_vertebra (%s) must lie between the end vertebrae (%s..%s)",
                                ss_vertebra_name(d->apex_vertebra), ss_vertebra_name(d->upper_end_vertebra),
                                ss_vertebra_name(d->lower_end_vertebra));
        if (d->lower_end_vertebra < SS_VERT_L1)
            return ss_error_set(SS_ERR_INVALID, "patient: deformity.lower_end_vertebra (%s) must be L1..S1 for a lumbar model",
                                ss_vertebra_name(d->lower_end_vertebra));
    }
    if (f->present) {
        SS__RANGE(f->upper_vertebra, SS_VERT_T7, SS_VERT_S1, "fusion.upper_vertebra");
        SS__RANGE(f->lower_vertebra, SS_VERT_L1, SS_VERT_S1, "fusion.lower_vertebra");
        if (f->upper_vertebra >= f->lower_vertebra)
            return ss_error_set(SS_ERR_INVALID, "patient: fusion.upper_vertebra (%s) must lie above fusion.lower_vertebra (%s)",
                                ss_vertebra_name(f->upper_vertebra), ss_vertebra_name(f->lower_vertebra));
        if (f->rods) SS__RANGE(f->rod_diameter_mm, 3, 8, "fusion.rod_diameter_mm");
        SS__RANGE(f->channel_width_mm, 2, 30, "fusion.channel_width_mm");
        SS__RANGE(f->channel_height_mm, 2, 30, "fusion.channel_height_mm");
    }
#undef SS__RANGE
    return SS_OK;
}

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

static double ss__nash_moe_deg(int grade)
{
    static const int ids[5] = {SS_ANAT_NASH_MOE_0_DEG, SS_ANAT_NASH_MOE_1_DEG, SS_ANAT_NASH_MOE_2_DEG,
                               SS_ANAT_NASH_MOE_3_DEG, SS_ANAT_NASH_MOE_4_DEG};
    if (grade < 0 || grade > 4) return 0;
    return ss__A(ids[grade], 0);
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
        if (d->nash_moe_grade >= 0) ap = ss__nash_moe_deg(d->nash_moe_grade);
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

/* ------------------------------------------------------------------ build */

static void ss__dims(ss_spine *s)
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

static void ss__place(ss_spine *s)
{
    const ss_body_params *b = &s->params.body;
    double tilt[SS__NV], rot[SS__NV], ap;
    ss__curve(s, tilt, rot, &ap);
    s->info.apical_rotation_deg = ap;
    double fmax_deg = ss__A(SS_ANAT_FLEXION_MAX_DEG, 0);
    double phi[SS__NL];
    double ll = 0;
    for (int k = 0; k < SS__NL; k++) {
        phi[k] = b->lordosis_deg * ss__A(SS_ANAT_LORDOSIS_SHARE, k) - fmax_deg * b->flexion / SS__NL;
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

static int ss__fused_vert(const ss_spine *s, int i)
{
    const ss_fusion_params *f = &s->params.fusion;
    return f->present && i >= f->upper_vertebra && i <= f->lower_vertebra;
}

static int ss__grafted(const ss_spine *s, int k)
{
    const ss_fusion_params *f = &s->params.fusion;
    return f->present && f->graft && ss__fused_vert(s, k) && ss__fused_vert(s, k + 1) && !f->ungrafted[k];
}

#define SS__CHK(p) do { if (!(p)) return SS_ERR_NOMEM; } while (0)

static ss_status ss__bones(ss_spine *s)
{
    const int B = SS__LY_BONE, CT = SS_TISSUE_CORTICAL;
    for (int i = 0; i < SS__NV; i++) {
        ss__vert *v = &s->v[i];
        const ss_v3_frame *P = &v->post;
        double cw = 0.5 * v->C;
        /* body */
        ss__spine_prim *p = ss__add(s, B, CT, SS_PART_BODY, i, -1);
        SS__CHK(p);
        ss_sdf_ellcyl(&p->sdf, &v->body, v->a, v->b, 0.5 * v->H, 2.0, v->b_p);
        if (i == SS_VERT_S1) {
            /* S2 below S1 (fused sacral bodies) */
            p = ss__add(s, B, CT, SS_PART_BODY, i, -1);
            SS__CHK(p);
            ss_v3_frame s2 = v->body;
            ss_v3_frame_point(&v->body, 0, -0.1 * v->b, -0.5 * v->H - 16.0, s2.o);
            ss_sdf_ellcyl(&p->sdf, &s2, 0.8 * v->a, 0.9 * v->b, 15.0, 2.0, 0.9 * v->b_p);
            /* lateral masses with the alae */
            for (int sd = -1; sd <= 1; sd += 2) {
                SS__CHK(ss__box(s, P, sd * (cw + 0.5), sd * (v->a + v->tp_len), -0.5 * v->b, v->v_roof + 0.5 * v->t_lam,
                                -0.5 * v->H - 40.0, 0.5 * v->H - 2.0, 3.0, B, CT, SS_PART_TRANSVERSE, i, -1));
            }
            /* dorsal surface (the sacral "lamina") and median crest */
            SS__CHK(ss__box(s, P, -(cw + 0.5 * v->pw + 4.0), cw + 0.5 * v->pw + 4.0, v->v_roof, v->v_roof + v->t_lam,
                            v->w_lb, v->w_lt, 1.5, B, CT, SS_PART_LAMINA, i, -1));
            SS__CHK(ss__box(s, P, -0.5 * v->sp_thk, 0.5 * v->sp_thk, v->v_roof + 0.5 * v->t_lam, v->v_tip, v->w_sp_bot,
                            v->w_sp_top, 2.0, B, CT, SS_PART_SPINOUS, i, -1));
        } else {
            /* pedicles */
            for (int sd = -1; sd <= 1; sd += 2) {
                double pc[3] = {sd * (cw + 0.5 * v->pw), v->b_p + 0.3 * v->A, v->w_ped};
                double d[3] = {-sd * sin(v->conv), -cos(v->conv), 0};
                double a[3], bb[3], aw[3], bw[3], ref[3];
                ss_v3_axpy(a, pc, -(0.35 * v->A + 1.0), d);
                ss_v3_axpy(bb, pc, 0.3 * v->A + 5.0, d);
                ss_v3_frame_point(P, a[0], a[1], a[2], aw);
                ss_v3_frame_point(P, bb[0], bb[1], bb[2], bw);
                ss_v3_frame_dir(P, 0, 0, 1, ref);
                SS__CHK(ss__seg(s, aw, bw, ref, 0.5 * v->ph, 0.5 * v->pw, 0.5 * v->ph, 0.5 * v->pw, B, CT,
                                SS_PART_PEDICLE, i, -1));
                /* transverse process */
                ss_v3_frame_point(P, sd * (cw + 0.6 * v->pw), v->b_p + 0.3 * v->A, v->w_ped, aw);
                ss_v3_frame_point(P, sd * (cw + v->pw + v->tp_len), v->b_p + 0.2 * v->A, v->w_ped - 2.0, bw);
                SS__CHK(ss__seg(s, aw, bw, ref, 0.35 * v->ph, 2.8 * s->info.scale, 0.3 * v->ph, 2.5 * s->info.scale, B,
                                CT, SS_PART_TRANSVERSE, i, -1));
            }
            /* laminae (one arch), spinous base and process. Each lamina's inferior border
               runs caudally and laterally from the spinous-process base to the inferior
               articular process, so the interlaminar window below it is a triangle with its
               apex at the midline (docs/anatomy.md, "Interlaminar window"): the reference
               window height (REFERENCE.md) is its midline height, the reference width its
               base, and at the reference posture the height falls to nothing at the facets
               (flexion opens the whole window). The box reaches down by the window height
               and the cut trims it along the two sloping borders. */
            double drop = i < SS__NL ? s->win_h[i] : 0.0;
            ss__spine_prim *lam = ss__box(s, P, -(cw + 0.5 * v->pw + 1.0), cw + 0.5 * v->pw + 1.0, v->v_roof,
                                    v->v_roof + v->t_lam, v->w_lb - drop, v->w_lt, 1.0, B, CT, SS_PART_LAMINA, i, -1);
            SS__CHK(lam);
            if (drop > 0) ss_sdf_box_vcut(&lam->sdf, P, v->w_lb, drop / (0.5 * s->win_w[i]));
            SS__CHK(ss__box(s, P, -0.5 * v->sp_thk, 0.5 * v->sp_thk, v->v_roof + 0.5 * v->t_lam, v->v_roof + v->t_lam + 4.0,
                            v->w_lb, v->w_lt, 1.0, B, CT, SS_PART_SPINOUS, i, -1));
            SS__CHK(ss__box(s, P, -0.5 * v->sp_thk, 0.5 * v->sp_thk, v->v_roof + v->t_lam + 2.0, v->v_tip, v->w_sp_bot,
                            v->w_sp_top, 2.0, B, CT, SS_PART_SPINOUS, i, -1));
        }
    }
    /* facet joints: inferior articular process of the upper vertebra (medial, bounding the
       window laterally), superior articular process of the lower one (lateral, anterior) */
    double sc = s->info.scale;
    for (int k = -1; k < SS__NL; k++) {
        int lo_v = k + 1;
        int kk = k < 0 ? 0 : k; /* above L1: reuse L1-L2 dimensions */
        double beta = s->facet[kk], G = s->G[kk], W = s->win_w[kk];
        double hn = 2.5 * sc, ha = 6.5 * sc, hn_s = 3.0 * sc, rf = 1.0;
        /* medial reach of the rotated, rounded box: its medial face bounds the window */
        double ext_u = (hn - rf) * cos(beta) + (ha - rf) * sin(beta) + rf;
        for (int sd = -1; sd <= 1; sd += 2) {
            double xu = cos(beta), xv = -sd * sin(beta); /* joint normal (x axis, sign-folded) */
            if (k >= 0) {
                ss__vert *u = &s->v[k];
                ss_v3_frame fr = ss_v3_frame_rotw(&u->post, -sd * beta);
                double cu = sd * (0.5 * W + ext_u), cv = u->v_roof + 0.5 * u->t_lam + 1.0;
                ss_v3_frame_point(&u->post, cu, cv, 0, fr.o);
                double w0 = u->w_lb - G - 2.0, w1 = u->w_lb + 5.0;
                SS__CHK(ss__box(s, &fr, -hn, hn, -ha, ha, w0, w1, rf, B, CT, SS_PART_INFERIOR_ARTICULAR, k, k));
            }
            ss__vert *l = &s->v[lo_v];
            ss_v3_frame fr = ss_v3_frame_rotw(&l->post, -sd * beta);
            double gap = hn + hn_s + 1.5;
            double cu = sd * (0.5 * W + ext_u) + sd * xu * gap, cv = l->v_roof + 0.5 * l->t_lam + 1.0 + xv * sd * gap;
            ss_v3_frame_point(&l->post, cu, cv, 0, fr.o);
            double w0 = l->w_lt - 5.0, w1 = l->w_lt + G + 2.0;
            SS__CHK(ss__box(s, &fr, -hn_s, hn_s, -ha, ha, w0, w1, 1.0, B, CT, SS_PART_SUPERIOR_ARTICULAR, lo_v,
                            k >= 0 ? k : -1));
        }
    }
    return SS_OK;
}

static ss_status ss__discs(ss_spine *s)
{
    for (int k = 0; k < SS__NL; k++) {
        ss__vert *u = &s->v[k], *l = &s->v[k + 1];
        ss__spine_prim *p = ss__add(s, SS__LY_DISC, SS_TISSUE_DISC, SS_PART_DISC, -1, k);
        SS__CHK(p);
        /* between the lower endplate of the vertebra above and the upper one below */
        double eu[3], el[3];
        ss_v3_frame_point(&u->body, 0, 0, -0.5 * u->H, eu);
        ss_v3_frame_point(&l->body, 0, 0, 0.5 * l->H, el);
        ss_v3_frame f = ss_v3_frame_mean(&u->body, &l->body);
        ss_v3_lerp(f.o, eu, el, 0.5);
        double a = 0.5 * (u->a + l->a), b = 0.5 * (u->b + l->b);
        double down[3] = {-l->body.ax[2][0], -l->body.ax[2][1], -l->body.ax[2][2]};
        ss_sdf_disc(&p->sdf, &f, a, b, 0.5 * (u->b_p + l->b_p), 0.5 * s->disc[k] + 0.6 * fmax(a, b), u->body.ax[2], eu,
                    down, el);
    }
    return SS_OK;
}

/* the canal centreline with canal and sac radii */
static int ss__tube(ss_spine *s, ss__tube_vertex *tv)
{
    int n = 0;
    double ep_post = ss__A(SS_ANAT_EPIDURAL_POSTERIOR, 0), ep_ant = ss__A(SS_ANAT_EPIDURAL_ANTERIOR, 0);
    double sac_max = ss__A(SS_ANAT_SAC_MAX_WIDTH, 0) * s->info.scale;
    for (int i = 0; i < SS__NV; i++) {
        ss__vert *v = &s->v[i];
        double ws[4];
        int nw = 0;
        if (i == 0) ws[nw++] = 0.5 * v->H + 30.0;
        ws[nw++] = 0.25 * v->H;
        ws[nw++] = -0.25 * v->H;
        if (i == SS_VERT_S1) {
            ws[nw++] = 0.5 * v->H - ss__A(SS_ANAT_SAC_END_BELOW_S1, 0) * s->info.scale;
            ws[nw++] = -0.5 * v->H - 45.0;
        }
        for (int j = 0; j < nw; j++) {
            ss__tube_vertex *t = &tv[n++];
            ss_v3_frame_point(&v->post, 0, v->b_p + 0.5 * v->A, ws[j], t->c);
            ss_v3_copy(t->u, v->post.ax[0]);
            ss_v3_copy(t->v, v->post.ax[1]);
            t->ra = 0.5 * v->C + 2.0;
            t->rb = 0.5 * v->A + 2.0;
            t->sac_ra = 0.5 * fmin(v->C - 6.0, sac_max);
            t->sac_rb = 0.5 * (v->A - ep_post - ep_ant);
            t->sac_dv = 0.5 * (ep_ant - ep_post);
            if (i == SS_VERT_S1 && j == nw - 2) { t->sac_ra *= 0.5; t->sac_rb *= 0.5; }
            if (i == SS_VERT_S1 && j == nw - 1) { t->sac_ra = 0; t->sac_rb = 0; }
        }
        /* the sac centre at mid-body level */
        ss_v3_frame_point(&v->post, 0, v->b_p + 0.5 * v->A + 0.5 * (ep_ant - ep_post), 0, v->sac_centre);
        if (i < SS__NL) {
            ss__vert *l = &s->v[i + 1];
            double a[3], b[3];
            ss_v3_frame_point(&v->post, 0, v->b_p + 0.5 * v->A, -0.5 * v->H - 0.5 * s->disc[i], a);
            ss_v3_frame_point(&l->post, 0, l->b_p + 0.5 * l->A, 0.5 * l->H + 0.5 * s->disc[i], b);
            ss__tube_vertex *t = &tv[n++];
            ss_v3_lerp(t->c, a, b, 0.5);
            ss_v3_lerp(t->u, v->post.ax[0], l->post.ax[0], 0.5);
            ss_v3_lerp(t->v, v->post.ax[1], l->post.ax[1], 0.5);
            ss_v3_normalize(t->u);
            ss_v3_normalize(t->v);
            t->ra = 0.5 * (0.5 * (v->C + l->C)) + 2.0;
            t->rb = 0.5 * (0.5 * (v->A + l->A)) + 2.0;
            t->sac_ra = 0.5 * fmin(0.5 * (v->C + l->C) - 6.0, sac_max);
            t->sac_rb = 0.5 * (0.5 * (v->A + l->A) - ep_post - ep_ant);
            t->sac_dv = 0.5 * (ep_ant - ep_post);
        }
    }
    return n;
}

static ss_status ss__canal(ss_spine *s)
{
    ss__tube_vertex tv[SS__MAX_TUBE];
    int n = ss__tube(s, tv);
    double dt = ss__A(SS_ANAT_DURA_THICKNESS, 0);
    double rr = 0.5 * ss__A(SS_ANAT_CAUDA_ROOT_DIAMETER, 0);
    double rv = 0.5 * ss__A(SS_ANAT_EPIDURAL_VEIN_DIAMETER, 0);
    for (int j = 0; j + 1 < n; j++) {
        ss__tube_vertex *a = &tv[j], *b = &tv[j + 1];
        double ref[3];
        ss_v3_lerp(ref, a->u, b->u, 0.5);
        SS__CHK(ss__seg(s, a->c, b->c, ref, a->ra, a->rb, b->ra, b->rb, SS__LY_CANAL, SS_TISSUE_EPIDURAL_FAT,
                        SS_PART_CANAL, -1, -1));
        /* anterior internal venous plexus: two channels in the anterolateral canal */
        for (int sd = -1; sd <= 1; sd += 2) {
            double pa[3], pb[3];
            ss_v3_axpy(pa, a->c, sd * (a->ra - 4.5), a->u);
            ss_v3_axpy(pa, pa, -(a->rb - 3.8), a->v);
            ss_v3_axpy(pb, b->c, sd * (b->ra - 4.5), b->u);
            ss_v3_axpy(pb, pb, -(b->rb - 3.8), b->v);
            SS__CHK(ss__seg(s, pa, pb, ref, rv, rv, rv, rv, SS__LY_VEIN, SS_TISSUE_VESSEL, SS_PART_EPIDURAL_VEIN, -1, -1));
        }
        if (a->sac_ra <= 0 || b->sac_ra <= 0) continue;
        double ca[3], cb[3];
        ss_v3_axpy(ca, a->c, a->sac_dv, a->v);
        ss_v3_axpy(cb, b->c, b->sac_dv, b->v);
        double bra = b->sac_ra, brb = b->sac_rb;
        SS__CHK(ss__seg(s, ca, cb, ref, a->sac_ra, a->sac_rb, bra, brb, SS__LY_DURA, SS_TISSUE_DURA, SS_PART_DURA, -1, -1));
        /* CSF: the same tube inset by the dura thickness, so that the wall is dt thick
           everywhere (radii - dt would thin it between the axes of the ellipse) */
        ss__spine_prim *csf = ss__seg(s, ca, cb, ref, a->sac_ra, a->sac_rb, bra, brb, SS__LY_CSF, SS_TISSUE_CSF, SS_PART_CSF, -1, -1);
        SS__CHK(csf);
        ss_sdf_seg_inset(&csf->sdf, dt);
        /* cauda equina: 10 roots in the anterior half of the sac */
        for (int r = 0; r < 10; r++) {
            double ang = (200.0 + r * (140.0 / 9.0)) * SS__DEG;
            double pa[3], pb[3];
            double fa = 0.6;
            ss_v3_axpy(pa, ca, fa * (a->sac_ra - dt) * cos(ang), a->u);
            ss_v3_axpy(pa, pa, fa * (a->sac_rb - dt) * sin(ang), a->v);
            ss_v3_axpy(pb, cb, fa * (b->sac_ra - dt) * cos(ang), b->u);
            ss_v3_axpy(pb, pb, fa * (b->sac_rb - dt) * sin(ang), b->v);
            double rrr = fmin(rr, 0.35 * (b->sac_rb - dt));
            SS__CHK(ss__seg(s, pa, pb, ref, rrr, rrr, rrr, rrr, SS__LY_CAUDA, SS_TISSUE_NERVE, SS_PART_CAUDA_EQUINA, -1, -1));
        }
    }
    /* exiting roots (below each lumbar pedicle) and segmental vessels */
    double rx = 0.5 * ss__A(SS_ANAT_EXITING_ROOT_DIAMETER, 0) * s->info.scale;
    double rs = 0.5 * ss__A(SS_ANAT_SEGMENTAL_VESSEL_DIAMETER, 0);
    for (int i = 0; i < SS__NL; i++) {
        ss__vert *v = &s->v[i];
        const ss_v3_frame *P = &v->post;
        double cw = 0.5 * v->C;
        double sac_ra = 0.5 * fmin(v->C - 6.0, ss__A(SS_ANAT_SAC_MAX_WIDTH, 0) * s->info.scale);
        double ref[3];
        ss_v3_frame_dir(P, 0, 0, 1, ref);
        for (int sd = -1; sd <= 1; sd += 2) {
            double p0[3], p1[3], p2[3];
            double svc = v->b_p + 0.5 * v->A + 0.5 * (ss__A(SS_ANAT_EPIDURAL_ANTERIOR, 0) - ss__A(SS_ANAT_EPIDURAL_POSTERIOR, 0));
            ss_v3_frame_point(P, sd * (sac_ra - 1.0), svc, v->w_ped - 0.5 * v->ph - 1.0, p0);
            ss_v3_frame_point(P, sd * (cw + 0.5 * v->pw), v->b_p + 2.5, v->w_ped - 0.5 * v->ph - 4.0, p1);
            ss_v3_frame_point(P, sd * (cw + v->pw + 14.0 * s->info.scale), v->b_p - 6.0, -0.5 * v->H - 6.0, p2);
            SS__CHK(ss__seg(s, p0, p1, ref, 1.5, 1.5, rx, rx, SS__LY_ROOT, SS_TISSUE_NERVE, SS_PART_EXITING_ROOT, i, i));
            SS__CHK(ss__seg(s, p1, p2, ref, rx, rx, 0.7 * rx, 0.7 * rx, SS__LY_ROOT, SS_TISSUE_NERVE, SS_PART_EXITING_ROOT, i, i));
            /* segmental artery/vein: around the body at mid height, to the foramen */
            double q0[3], q1[3], q2[3];
            ss_v3_frame_point(&v->body, sd * (v->a + rs + 0.5), -0.2 * v->b, 0.0, q0);
            ss_v3_frame_point(P, sd * (cw + v->pw + 3.0), v->b_p - 2.5, -0.5 * v->H + 4.0, q1);
            ss_v3_frame_point(P, sd * (cw + 0.5 * v->pw + 0.5), v->b_p + 3.0, -0.5 * v->H + 1.5, q2);
            SS__CHK(ss__seg(s, q0, q1, ref, rs, rs, rs, rs, SS__LY_SEGVESSEL, SS_TISSUE_VESSEL, SS_PART_SEGMENTAL_VESSEL, i, i));
            SS__CHK(ss__seg(s, q1, q2, ref, rs, rs, 0.7 * rs, 0.7 * rs, SS__LY_SEGVESSEL, SS_TISSUE_VESSEL,
                            SS_PART_SEGMENTAL_VESSEL, i, i));
        }
    }
    return SS_OK;
}

static void ss__interspace_frames(ss_spine *s)
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

static ss_status ss__ligaments(ss_spine *s)
{
    double ssl = ss__A(SS_ANAT_SUPRASPINOUS_THICKNESS, 0);
    double pts[SS__NV + 3][3], refs[SS__NV + 3][3];
    int n = 0;
    for (int i = 0; i < SS__NV; i++) {
        ss__vert *v = &s->v[i];
        double wm = i == SS_VERT_S1 ? v->w_sp_top - 4.0 : 0.5 * (v->w_sp_top + v->w_sp_bot);
        if (i == 0) {
            ss_v3_frame_point(&v->post, 0, v->v_tip + 0.5 * ssl - 0.5, v->w_sp_top + 40.0, pts[n]);
            ss_v3_copy(refs[n++], v->post.ax[0]);
        }
        ss_v3_frame_point(&v->post, 0, v->v_tip + 0.5 * ssl - 0.5, wm, pts[n]);
        ss_v3_copy(refs[n++], v->post.ax[0]);
        if (i == SS_VERT_S1) {
            ss_v3_frame_point(&v->post, 0, v->v_tip + 0.5 * ssl - 0.5, -0.5 * v->H - 35.0, pts[n]);
            ss_v3_copy(refs[n++], v->post.ax[0]);
        }
    }
    for (int j = 0; j + 1 < n; j++)
        SS__CHK(ss__seg(s, pts[j], pts[j + 1], refs[j], 4.0 * s->info.scale, 0.5 * ssl, 4.0 * s->info.scale, 0.5 * ssl,
                        SS__LY_LIGAMENT, SS_TISSUE_LIGAMENT, SS_PART_SUPRASPINOUS, -1, -1));
    for (int k = 0; k < SS__NL; k++) {
        ss__vert *u = &s->v[k], *l = &s->v[k + 1];
        const ss_v3_frame *F = &s->isp_post[k];
        double tu[3], tl[3], d[3];
        ss_v3_frame_point(&u->post, 0, u->v_tip, 0, tu);
        ss_v3_frame_point(&l->post, 0, l->v_tip, 0, tl);
        ss_v3_sub(d, tu, F->o);
        double vt = ss_v3_dot(d, F->ax[1]);
        ss_v3_sub(d, tl, F->o);
        vt = fmax(vt, ss_v3_dot(d, F->ax[1]));
        double hw = 0.5 * fmin(u->sp_thk, l->sp_thk) - 0.3;
        SS__CHK(ss__box(s, F, -hw, hw, 0.0, vt + 1.0, -(0.5 * s->Gsp[k] + 4.0), 0.5 * s->Gsp[k] + 4.0, 0.5,
                        SS__LY_LIGAMENT, SS_TISSUE_LIGAMENT, SS_PART_INTERSPINOUS, -1, k));
        /* ligamentum flavum across the window, into the facet capsules */
        SS__CHK(ss__box(s, F, -(0.5 * s->win_w[k] + 1.5), 0.5 * s->win_w[k] + 1.5, -s->t_fl[k], 0.0,
                        -(0.5 * s->G[k] + 4.0), 0.5 * s->G[k] + 4.0, 0.5, SS__LY_FLAVUM, SS_TISSUE_FLAVUM,
                        SS_PART_FLAVUM, -1, k));
    }
    return SS_OK;
}

static ss_status ss__fusion(ss_spine *s)
{
    const ss_fusion_params *fu = &s->params.fusion;
    for (int i = 0; i < SS__NV; i++) {
        s->v[i].fused = ss__fused_vert(s, i);
        s->v[i].screws = fu->present && fu->screws[i];
    }
    if (!fu->present) return SS_OK;
    double sc = s->info.scale;
    double gt = ss__A(SS_ANAT_GRAFT_THICKNESS, 0) * sc;
    /* graft over laminae and transverse processes */
    if (fu->graft) {
        for (int i = 0; i < SS__NV; i++) {
            if (!s->v[i].fused) continue;
            ss__vert *v = &s->v[i];
            const ss_v3_frame *P = &v->post;
            double cw = 0.5 * v->C;
            double et = (i > 0 && ss__grafted(s, i - 1)) ? 1.5 : 0.0;
            double eb = (i < SS__NL && ss__grafted(s, i)) ? 1.5 : 0.0;
            double wlb = i == SS_VERT_S1 ? v->w_lt - 20.0 : v->w_lb;
            double ulat = cw + v->pw + (i == SS_VERT_S1 ? 0.3 : 0.6) * v->tp_len;
            SS__CHK(ss__box(s, P, -(cw + v->pw + 0.4 * v->tp_len), cw + v->pw + 0.4 * v->tp_len, v->v_roof + v->t_lam - 2.0,
                            v->v_roof + v->t_lam + gt, wlb - eb, v->w_lt + et, 2.0, SS__LY_GRAFT, SS_TISSUE_GRAFT,
                            SS_PART_GRAFT, i, -1));
            for (int sd = -1; sd <= 1; sd += 2)
                SS__CHK(ss__box(s, P, sd * (cw + 0.5 * v->pw), sd * ulat, v->b_p + 0.4 * v->A, v->v_roof + v->t_lam + gt,
                                wlb - eb, v->w_lt + et, 2.0, SS__LY_GRAFT, SS_TISSUE_GRAFT, SS_PART_GRAFT, i, -1));
        }
        for (int k = 0; k < SS__NL; k++) {
            if (!ss__grafted(s, k)) continue;
            ss__vert *u = &s->v[k], *l = &s->v[k + 1];
            const ss_v3_frame *F = &s->isp_post[k];
            double cw = 0.25 * (u->C + l->C), pw = 0.5 * (u->pw + l->pw), tp = 0.5 * (u->tp_len + l->tp_len);
            double tl = 0.5 * (u->t_lam + l->t_lam) - s->t_fl[k];
            double bp = 0.5 * (u->b_p + l->b_p) + 0.2 * (u->A + l->A) - (0.5 * (u->v_roof + l->v_roof) + s->t_fl[k]);
            double hw = 0.5 * s->G[k] + 3.0;
            SS__CHK(ss__box(s, F, -(cw + pw + 0.4 * tp), cw + pw + 0.4 * tp, tl - 2.0, tl + gt, -hw, hw, 2.0,
                            SS__LY_GRAFT, SS_TISSUE_GRAFT, SS_PART_GRAFT, -1, k));
            for (int sd = -1; sd <= 1; sd += 2)
                SS__CHK(ss__box(s, F, sd * (cw + 0.5 * pw), sd * (cw + pw + 0.6 * tp), bp, tl + gt, -hw, hw, 2.0,
                                SS__LY_GRAFT, SS_TISSUE_GRAFT, SS_PART_GRAFT, -1, k));
        }
    }
    /* pedicle screws (titanium) with their heads; rods through the heads */
    double heads[2][SS__NV + 2][3];
    int nh = 0;
    double up_dir[3] = {0, 0, 1};
    for (int i = 0; i < SS__NV; i++) {
        if (!fu->screws[i]) continue;
        ss__vert *v = &s->v[i];
        const ss_v3_frame *P = &v->post;
        double cw = 0.5 * v->C;
        double r = 0.5 * fmin(7.5, fmax(4.5, ss__A(SS_ANAT_SCREW_WIDTH_SHARE, 0) * v->pw));
        double len = 0.85 * v->screw_path;
        double hr = 0.5 * ss__A(SS_ANAT_SCREW_HEAD_DIAMETER, 0);
        for (int sd = -1; sd <= 1; sd += 2) {
            int side = sd < 0 ? 0 : 1;
            double conv = v->conv;
            double pc[3] = {sd * (cw + 0.5 * v->pw), v->b_p + 0.3 * v->A, i == SS_VERT_S1 ? 0.5 * v->H - 8.0 : v->w_ped};
            if (i == SS_VERT_S1) pc[0] = sd * (cw + 4.0);
            double d[3] = {-sd * sin(conv), -cos(conv), 0};
            double e[3], tip[3], h0[3], h1[3], hc[3], ew[3], tw[3], h0w[3], h1w[3], ref[3];
            ss_v3_axpy(e, pc, -(0.35 * v->A + 3.0), d);
            ss_v3_axpy(tip, e, len, d);
            ss_v3_axpy(h0, e, -1.0, d);
            ss_v3_axpy(h1, e, -13.0, d);
            ss_v3_axpy(hc, e, -8.0, d);
            ss_v3_frame_point(P, e[0], e[1], e[2], ew);
            ss_v3_frame_point(P, tip[0], tip[1], tip[2], tw);
            ss_v3_frame_point(P, h0[0], h0[1], h0[2], h0w);
            ss_v3_frame_point(P, h1[0], h1[1], h1[2], h1w);
            ss_v3_frame_point(P, hc[0], hc[1], hc[2], heads[side][nh]);
            ss_v3_frame_dir(P, 0, 0, 1, ref);
            SS__CHK(ss__seg(s, ew, tw, ref, r, r, 0.7 * r, 0.7 * r, SS__LY_METAL, SS_TISSUE_TITANIUM, SS_PART_SCREW, i, -1));
            SS__CHK(ss__seg(s, h0w, h1w, ref, hr, hr, hr, hr, SS__LY_METAL, SS_TISSUE_TITANIUM, SS_PART_SCREW, i, -1));
            if (nh == 0) ss_v3_copy(up_dir, ref);
        }
        nh++;
    }
    bool above = fu->fused_above_l1 || fu->upper_vertebra < SS_VERT_L1;
    if (fu->rods && (nh >= 2 || (nh >= 1 && above))) {
        int lab = fu->rod_material == SS_ROD_COCR ? SS_TISSUE_COCR : SS_TISSUE_TITANIUM;
        double rr = 0.5 * fu->rod_diameter_mm;
        for (int side = 0; side < 2; side++) {
            double pts[SS__NV + 2][3];
            int n = 0;
            if (above) ss_v3_axpy(pts[n++], heads[side][0], 60.0, up_dir);
            for (int j = 0; j < nh; j++) ss_v3_copy(pts[n++], heads[side][j]);
            double dd[3];
            ss_v3_sub(dd, pts[n - 1], pts[n - 2]);
            ss_v3_normalize(dd);
            ss_v3_axpy(pts[n], pts[n - 1], 6.0, dd);
            n++;
            double ref[3] = {1, 0, 0};
            for (int j = 0; j + 1 < n; j++)
                SS__CHK(ss__seg(s, pts[j], pts[j + 1], ref, rr, rr, rr, rr, SS__LY_METAL, lab, SS_PART_ROD, -1, -1));
        }
    }
    /* laminotomy channels: subtracted from bone and graft */
    for (int k = 0; k < SS__NL; k++) {
        if (!fu->laminotomy[k]) continue;
        const ss_v3_frame *F = &s->isp_post[k];
        double v0 = -(s->t_fl[k] + 3.0), v1 = 100.0;
        ss_v3_frame cf = *F;
        ss_v3_frame_point(F, 0, 0.5 * (v0 + v1), 0, cf.o);
        ss_sdf_box_centred(&s->channel[k], &cf, 0.5 * fu->channel_width_mm, 0.5 * (v1 - v0), 0.5 * fu->channel_height_mm,
                           1.0);
        s->has_channel[k] = true;
    }
    return SS_OK;
}

static void ss__apply_cuts(ss_spine *s)
{
    for (int j = 0; j < s->nprims; j++) {
        ss__spine_prim *p = &s->prims[j];
        if (p->layer != SS__LY_BONE && p->layer != SS__LY_GRAFT) continue;
        for (int k = 0; k < SS__NL; k++)
            if (s->has_channel[k] && ss_sdf_bbox_overlap(p->sdf.lo, p->sdf.hi, s->channel[k].lo, s->channel[k].hi))
                p->cut_mask |= 1u << k;
    }
}

static ss_status ss__sort_layers(ss_spine *s)
{
    int count[SS__LY_COUNT] = {0};
    for (int j = 0; j < s->nprims; j++) count[s->prims[j].layer]++;
    s->layer_start[0] = 0;
    for (int l = 0; l < SS__LY_COUNT; l++) s->layer_start[l + 1] = s->layer_start[l] + count[l];
    ss__spine_prim *sorted = malloc((size_t)(s->nprims ? s->nprims : 1) * sizeof *sorted);
    if (!sorted) return SS_ERR_NOMEM;
    int pos[SS__LY_COUNT];
    memcpy(pos, s->layer_start, sizeof pos);
    for (int j = 0; j < s->nprims; j++) sorted[pos[s->prims[j].layer]++] = s->prims[j];
    free(s->prims);
    s->prims = sorted;
    s->cap = s->nprims;
    return SS_OK;
}

static void ss__skin(ss_spine *s)
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

/* first skin crossing on the ray from p along d (the skin is where y = skin_y) */
static void ss__skin_hit(const ss_spine *s, const double p[3], const double d[3], double out[3])
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

static void ss__fill_info(ss_spine *s)
{
    const ss_fusion_params *fu = &s->params.fusion;
    for (int k = 0; k < SS__NL; k++) {
        ss_interspace_info *I = &s->isp[k];
        memset(I, 0, sizeof *I);
        const ss_v3_frame *F = &s->isp_post[k], *V = &s->isp_view[k];
        ss__vert *u = &s->v[k], *l = &s->v[k + 1];
        I->level = k;
        ss_v3_copy(I->window_centre_mm, F->o);
        ss_v3_copy(I->window_lateral, F->ax[0]);
        ss_v3_copy(I->window_normal, F->ax[1]);
        ss_v3_copy(I->window_cranial, F->ax[2]);
        ss_v3_copy(I->view_lateral, V->ax[0]);
        ss_v3_copy(I->view_normal, V->ax[1]);
        ss_v3_copy(I->view_cranial, V->ax[2]);
        double tu[3], tl[3], tip[3], d[3];
        ss_v3_frame_point(&u->post, 0, u->v_tip, 0, tu);
        ss_v3_frame_point(&l->post, 0, l->v_tip, 0, tl);
        ss_v3_lerp(tip, tu, tl, 0.5);
        ss_v3_sub(d, tip, F->o);
        ss_v3_axpy(I->interspinous_mm, F->o, 0.5 * ss_v3_dot(d, F->ax[1]), F->ax[1]);
        ss__skin_hit(s, F->o, V->ax[1], I->skin_entry_mm);
        ss__skin_hit(s, F->o, F->ax[1], I->skin_entry_window_mm);
        ss_v3_lerp(I->sac_centre_mm, u->sac_centre, l->sac_centre, 0.5);
        /* move the sac centre onto the window's level: project along the window normal */
        double sd[3];
        ss_v3_sub(sd, I->sac_centre_mm, F->o);
        double along = ss_v3_dot(sd, F->ax[2]);
        ss_v3_axpy(I->sac_centre_mm, I->sac_centre_mm, -along, F->ax[2]);
        double sg = s->side;
        I->rotation_deg = 0.5 * (u->alpha_post + l->alpha_post) / SS__DEG * sg;
        I->body_rotation_deg = 0.5 * (u->alpha + l->alpha) / SS__DEG * sg;
        I->design_window_width_mm = s->win_w[k];
        I->design_window_height_mm = s->win_h[k];
        I->fused = fu->present && ss__fused_vert(s, k) && ss__fused_vert(s, k + 1);
        I->grafted = ss__grafted(s, k) && !s->has_channel[k];
        I->channel = s->has_channel[k];
        I->ungrafted = fu->present && fu->ungrafted[k];
    }
    /* built depth check: along the L3-4 view normal to the skin */
    const ss_interspace_info *I = &s->isp[SS_LEVEL_L3_L4];
    double d[3];
    ss_v3_sub(d, I->skin_entry_mm, I->window_centre_mm);
    s->info.skin_to_flavum_built_mm = ss_v3_len(d);
}

static void ss__bounds(ss_spine *s)
{
    ss_spine_info *inf = &s->info;
    for (int j = 0; j < 3; j++) { inf->bone_lo_mm[j] = 1e9; inf->bone_hi_mm[j] = -1e9; }
    for (int j = 0; j < s->nprims; j++) {
        const ss__spine_prim *p = &s->prims[j];
        if (p->layer < SS__LY_FIRST_HARD) continue;
        for (int c = 0; c < 3; c++) {
            inf->bone_lo_mm[c] = fmin(inf->bone_lo_mm[c], p->sdf.lo[c]);
            inf->bone_hi_mm[c] = fmax(inf->bone_hi_mm[c], p->sdf.hi[c]);
        }
    }
    double ztop[3];
    ss_v3_frame_point(&s->v[0].body, 0, 0, 0.5 * s->v[0].H, ztop);
    double z0 = -50.0 * s->info.scale, z1 = ztop[2] + 20.0;
    /* lateral: the vertebrae (not the rods running out of the region) plus 30 mm */
    double x0 = 1e9, x1 = -1e9, y0 = 1e9;
    for (int j = 0; j < s->nprims; j++) {
        const ss__spine_prim *p = &s->prims[j];
        if (p->layer != SS__LY_BONE || p->sdf.hi[2] < z0 || p->sdf.lo[2] > z1) continue;
        x0 = fmin(x0, p->sdf.lo[0]);
        x1 = fmax(x1, p->sdf.hi[0]);
        if (p->part == SS_PART_BODY) y0 = fmin(y0, p->sdf.lo[1]);
    }
    x0 -= 30.0;
    x1 += 30.0;
    y0 -= 3.0;
    double y1 = -1e9;
    for (double z = z0; z <= z1; z += 2.0)
        for (double x = x0; x <= x1; x += 2.0) y1 = fmax(y1, ss_spine_skin_y(s, x, z));
    y1 += 15.0;
    ss_v3_set(inf->volume_lo_mm, x0, y0, z0);
    ss_v3_set(inf->volume_hi_mm, x1, y1, z1);
}

ss_status ss_spine_build(const ss_patient_params *params, ss_spine **out)
{
    if (!params || !out) return ss_error_set(SS_ERR_INVALID, "ss_spine_build: NULL argument");
    *out = NULL;
    ss_status st = ss__check(params);
    if (st != SS_OK) return st;
    ss_spine *s = calloc(1, sizeof *s);
    if (!s) return ss_error_set(SS_ERR_NOMEM, "ss_spine_build: out of memory");
    s->params = *params;
    s->side = params->deformity.convex_side == SS_CURVE_RIGHT ? -1.0 : 1.0;
    s->shell = ss__A(SS_ANAT_CORTICAL_SHELL, 0);
    ss__dims(s);
    ss__place(s);
    ss__interspace_frames(s);
    st = ss__bones(s);
    if (st == SS_OK) st = ss__discs(s);
    if (st == SS_OK) st = ss__canal(s);
    if (st == SS_OK) st = ss__ligaments(s);
    if (st == SS_OK) st = ss__fusion(s);
    if (st == SS_OK) {
        ss__apply_cuts(s);
        st = ss__sort_layers(s);
    }
    if (st != SS_OK) {
        ss_spine_free(s);
        return ss_error_set(SS_ERR_NOMEM, "ss_spine_build: out of memory");
    }
    ss__skin(s);
    ss__fill_info(s);
    ss__bounds(s);
    s->info.primitive_count = s->nprims;
    *out = s;
    return SS_OK;
}

void ss_spine_free(ss_spine *s)
{
    if (!s) return;
    free(s->prims);
    free(s);
}

const ss_patient_params *ss_spine_params(const ss_spine *s) { return &s->params; }

void ss_spine_get_info(const ss_spine *s, ss_spine_info *out) { *out = s->info; }

/* cancellous when deeper than the cortical shell, decided on the stored distance as the
   voxelizer must */
int8_t ss__spine_shell_q(const ss_spine *s) { return (int8_t)(-lrint(s->shell / SS_VOLUME_SDF_UNIT_MM)); }

const ss__spine_prim *ss__spine_layer(const ss_spine *s, int layer, int *count)
{
    *count = s->layer_start[layer + 1] - s->layer_start[layer];
    return s->prims + s->layer_start[layer];
}

/* ------------------------------------------------------------------ queries */

double ss__spine_prim_sdf(const ss_spine *s, const ss__spine_prim *p, const double q[3])
{
    double d = ss_sdf_eval(&p->sdf, q);
    unsigned m = p->cut_mask;
    for (int k = 0; m && k < SS__NL; k++, m >>= 1)
        if (m & 1u) d = fmax(d, -ss_sdf_eval(&s->channel[k], q));
    return d;
}

typedef struct ss__hit {
    double bone, graft, metal; /* min distances (or lower bounds) */
    const ss__spine_prim *bone_p, *graft_p, *metal_p, *soft_p;
    double bound;              /* distance to the nearest surface of anything */
} ss__hit;

static void ss__scan(const ss_spine *s, const double q[3], ss__hit *h)
{
    h->bone = h->graft = h->metal = 1e9;
    h->bone_p = h->graft_p = h->metal_p = h->soft_p = NULL;
    h->bound = 1e9;
    for (int j = 0; j < s->nprims; j++) {
        const ss__spine_prim *p = &s->prims[j];
        double bd = ss_sdf_bbox_dist(p->sdf.lo, p->sdf.hi, q);
        bool hard = p->layer >= SS__LY_FIRST_HARD;
        double d;
        if (bd > (hard ? SS__HARD_EXACT_MM : 0.0)) d = bd; /* a lower bound, and outside */
        else d = ss__spine_prim_sdf(s, p, q);
        h->bound = fmin(h->bound, fabs(d));
        if (p->layer == SS__LY_BONE) { if (d < h->bone) { h->bone = d; h->bone_p = p; } }
        else if (p->layer == SS__LY_GRAFT) { if (d < h->graft) { h->graft = d; h->graft_p = p; } }
        else if (p->layer == SS__LY_METAL) { if (d < h->metal) { h->metal = d; h->metal_p = p; } }
        else if (d < 0) h->soft_p = p; /* sorted by layer: the last one wins */
    }
}

static void ss__resolve(const ss_spine *s, const double q[3], const ss__hit *h, ss_spine_sample *out)
{
    double ld;
    int lab = ss__layer_label(s, q, &ld);
    out->vertebra = -1;
    out->level = -1;
    out->boundary_mm = fmin(ld, h->bound);
    out->hard_sdf_mm = fmin(h->bone, fmin(h->graft, h->metal));
    const ss__spine_prim *p = NULL;
    if (lab == SS_TISSUE_AIR || lab == SS_TISSUE_SKIN) {
        out->label = lab;
        out->part = lab == SS_TISSUE_AIR ? SS_PART_AIR : SS_PART_SKIN;
        return;
    }
    if (h->metal < 0) { p = h->metal_p; out->label = p->label; }
    else if (h->bone < 0) {
        p = h->bone_p;
        out->label = ss_volume_sdf_quantize(h->bone) < ss__spine_shell_q(s) ? SS_TISSUE_CANCELLOUS : SS_TISSUE_CORTICAL;
        /* the shell boundary is a surface too */
        out->boundary_mm = fmin(out->boundary_mm, fabs(h->bone + s->shell));
    } else if (h->graft < 0) { p = h->graft_p; out->label = SS_TISSUE_GRAFT; }
    else if (h->soft_p) { p = h->soft_p; out->label = p->label; }
    if (p) {
        out->part = p->part;
        out->vertebra = p->vertebra;
        out->level = p->level;
    } else {
        out->label = lab;
        out->part = lab == SS_TISSUE_FAT ? SS_PART_FAT : SS_PART_MUSCLE;
    }
}

void ss_spine_query(const ss_spine *s, const double p_mm[3], ss_spine_sample *out)
{
    ss__hit h;
    ss__scan(s, p_mm, &h);
    ss__resolve(s, p_mm, &h, out);
}

int ss_spine_label_at(const ss_spine *s, const double p_mm[3])
{
    ss_spine_sample o;
    ss_spine_query(s, p_mm, &o);
    return o.label;
}

double ss_spine_hard_sdf(const ss_spine *s, const double p_mm[3])
{
    double best = 1e9;
    for (int j = s->layer_start[SS__LY_FIRST_HARD]; j < s->nprims; j++) {
        const ss__spine_prim *p = &s->prims[j];
        double bd = ss_sdf_bbox_dist(p->sdf.lo, p->sdf.hi, p_mm);
        double d = bd > SS__HARD_EXACT_MM ? bd : ss__spine_prim_sdf(s, p, p_mm);
        best = fmin(best, d);
    }
    return best;
}

void ss_spine_hard_normal(const ss_spine *s, const double p_mm[3], double n_out[3])
{
    const double h = 0.05;
    for (int i = 0; i < 3; i++) {
        double a[3], b[3];
        ss_v3_copy(a, p_mm);
        ss_v3_copy(b, p_mm);
        a[i] += h;
        b[i] -= h;
        n_out[i] = ss_spine_hard_sdf(s, a) - ss_spine_hard_sdf(s, b);
    }
    ss_v3_normalize(n_out);
}

ss_status ss_spine_vertebra(const ss_spine *s, int vert, ss_vertebra_info *out)
{
    if (vert < 0 || vert >= SS__NV)
        return ss_error_set(SS_ERR_INVALID, "ss_spine_vertebra: vertebra %d is outside L1..S1", vert);
    const ss__vert *v = &s->v[vert];
    memset(out, 0, sizeof *out);
    out->vertebra = vert;
    ss_v3_copy(out->centre_mm, v->body.o);
    memcpy(out->axis, v->body.ax, sizeof out->axis);
    memcpy(out->posterior_axis, v->post.ax, sizeof out->posterior_axis);
    ss_v3_frame_point(&v->body, 0, 0, 0.5 * v->H, out->upper_endplate_mm);
    ss_v3_frame_point(&v->body, 0, 0, -0.5 * v->H, out->lower_endplate_mm);
    ss_v3_frame_point(&v->post, 0, v->b_p + 0.5 * v->A, v->w_ped, out->canal_centre_mm);
    ss_v3_copy(out->sac_centre_mm, v->sac_centre);
    double wm = vert == SS_VERT_S1 ? v->w_sp_top - 4.0 : 0.5 * (v->w_sp_top + v->w_sp_bot);
    ss_v3_frame_point(&v->post, 0, v->v_tip, wm, out->spinous_tip_mm);
    out->body_width_mm = v->W;
    out->body_depth_mm = v->D;
    out->body_height_mm = v->H;
    out->canal_width_mm = v->C;
    out->canal_ap_mm = v->A;
    out->body_rotation_deg = v->alpha / SS__DEG * s->side;
    out->posterior_rotation_deg = v->alpha_post / SS__DEG * s->side;
    out->coronal_tilt_deg = v->theta / SS__DEG;
    out->sagittal_tilt_deg = v->psi / SS__DEG;
    out->fused = v->fused;
    out->screws = v->screws;
    return SS_OK;
}

ss_status ss_spine_interspace(const ss_spine *s, int level, ss_interspace_info *out)
{
    if (level < 0 || level >= SS__NL)
        return ss_error_set(SS_ERR_INVALID, "ss_spine_interspace: level %d is outside L1-L2..L5-S1", level);
    *out = s->isp[level];
    return SS_OK;
}

const char *ss_spine_part_name(int part)
{
    static const char *const names[SS_PART_COUNT] = {
        "air", "skin", "fat", "muscle", "body", "pedicle", "lamina", "spinous", "transverse",
        "superior_articular", "inferior_articular", "disc", "canal", "epidural_vein", "supraspinous",
        "interspinous", "flavum", "dura", "csf", "cauda_equina", "exiting_root", "segmental_vessel",
        "graft", "screw", "rod"};
    if (part < 0 || part >= SS_PART_COUNT) return "unknown";
    return names[part];
}

/* spine_parts.c: the solids of the normal anatomy, placed in the frames of
 * spine_posture.c: the vertebrae (body, pedicles, transverse processes, laminae with the
 * triangular interlaminar window, spinous processes, facet joints), the discs, the canal
 * contents along the canal's centreline (epidural fat and veins, dura, CSF, cauda
 * equina, exiting roots, segmental vessels) and the ligaments (supraspinous,
 * interspinous, flavum). docs/anatomy.md says why each shape is what it is.
 */
#include <math.h>

#include "spine_internal.h"
#include "tissue.h"

#define SS__MAX_TUBE 40
#define SS__CAUDA_ROOTS 8

typedef struct ss__tube_vertex {
    double c[3], u[3], v[3]; /* canal centre, lateral, posterior */
    double ra, rb;           /* canal half width, half depth */
    double sac_ra, sac_rb;   /* thecal sac radii (0: the sac has ended) */
    double sac_dv;           /* sac centre offset along v */
} ss__tube_vertex;

ss_status ss__spine_bones(ss_spine *s)
{
    const int B = SS__LY_BONE, CT = SS_TISSUE_CORTICAL;
    for (int i = 0; i < SS__NV; i++) {
        ss__vert *v = &s->v[i];
        const ss_v3_frame *P = &v->post;
        double cw = 0.5 * v->C;
        /* body */
        ss__spine_prim *p = ss__spine_add(s, B, CT, SS_PART_BODY, i, -1);
        SS__CHK(p);
        ss_sdf_ellcyl(&p->sdf, &v->body, v->a, v->b, 0.5 * v->H, 2.0, v->b_p);
        if (i == SS_VERT_S1) {
            /* S2 below S1 (fused sacral bodies) */
            p = ss__spine_add(s, B, CT, SS_PART_BODY, i, -1);
            SS__CHK(p);
            ss_v3_frame s2 = v->body;
            ss_v3_frame_point(&v->body, 0, -0.1 * v->b, -0.5 * v->H - 16.0, s2.o);
            ss_sdf_ellcyl(&p->sdf, &s2, 0.8 * v->a, 0.9 * v->b, 15.0, 2.0, 0.9 * v->b_p);
            /* lateral masses with the alae */
            for (int sd = -1; sd <= 1; sd += 2) {
                SS__CHK(ss__spine_box(s, P, sd * (cw + 0.5), sd * (v->a + v->tp_len), -0.5 * v->b,
                                      v->v_roof + 0.5 * v->t_lam, -0.5 * v->H - 40.0, 0.5 * v->H - 2.0, 3.0, B, CT,
                                      SS_PART_TRANSVERSE, i, -1));
            }
            /* dorsal surface (the sacral "lamina") and median crest */
            SS__CHK(ss__spine_box(s, P, -(cw + 0.5 * v->pw + 4.0), cw + 0.5 * v->pw + 4.0, v->v_roof,
                                  v->v_roof + v->t_lam, v->w_lb, v->w_lt, 1.5, B, CT, SS_PART_LAMINA, i, -1));
            SS__CHK(ss__spine_box(s, P, -0.5 * v->sp_thk, 0.5 * v->sp_thk, v->v_roof + 0.5 * v->t_lam, v->v_tip,
                                  v->w_sp_bot, v->w_sp_top, 2.0, B, CT, SS_PART_SPINOUS, i, -1));
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
                SS__CHK(ss__spine_seg(s, aw, bw, ref, 0.5 * v->ph, 0.5 * v->pw, 0.5 * v->ph, 0.5 * v->pw, B, CT,
                                      SS_PART_PEDICLE, i, -1));
                /* transverse process */
                ss_v3_frame_point(P, sd * (cw + 0.6 * v->pw), v->b_p + 0.3 * v->A, v->w_ped, aw);
                ss_v3_frame_point(P, sd * (cw + v->pw + v->tp_len), v->b_p + 0.2 * v->A, v->w_ped - 2.0, bw);
                /* a flattened plate, as tall (cranio-caudal) as the pedicle at its root and
                   tapering to its tip, 5-6 mm thick */
                SS__CHK(ss__spine_seg(s, aw, bw, ref, 0.5 * v->ph, 2.8 * s->info.scale, 0.35 * v->ph,
                                      2.5 * s->info.scale, B, CT, SS_PART_TRANSVERSE, i, -1));
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
            ss__spine_prim *lam = ss__spine_box(s, P, -(cw + 0.5 * v->pw + 1.0), cw + 0.5 * v->pw + 1.0, v->v_roof,
                                                v->v_roof + v->t_lam, v->w_lb - drop, v->w_lt, 1.0, B, CT,
                                                SS_PART_LAMINA, i, -1);
            SS__CHK(lam);
            if (drop > 0) ss_sdf_box_vcut(&lam->sdf, P, v->w_lb, drop / (0.5 * s->win_w[i]));
            /* the lamina leans like a roof tile: thickest at its inferior border, its
               posterior surface sinking cranially (SS_ANAT_LAMINA_SLOPE) to a thin superior
               border, which lies deeper than the inferior border of the lamina above. A
               paramedian sagittal scan shows each lamina as a line sloping down towards the
               head with a step at every window: the "sawtooth" (REFERENCE 7). The anterior
               (canal) surface stays where it was. */
            {
                double k = ss__A(SS_ANAT_LAMINA_SLOPE, 0);
                double height = v->w_lt - v->w_lb, t_min = ss__A(SS_ANAT_LAMINA_MIN_THICKNESS, 0) * s->info.scale;
                if (height > 0 && k * height > v->t_lam - t_min) k = (v->t_lam - t_min) / height;
                double n[3], on[3];
                ss_v3_frame_dir(P, 0, 1, k, n);
                ss_v3_frame_point(P, 0, v->v_roof + v->t_lam, v->w_lb, on);
                ss_sdf_box_cut(&lam->sdf, n, on);
            }
            SS__CHK(ss__spine_box(s, P, -0.5 * v->sp_thk, 0.5 * v->sp_thk, v->v_roof + 0.5 * v->t_lam,
                                  v->v_roof + v->t_lam + 4.0, v->w_lb, v->w_lt, 1.0, B, CT, SS_PART_SPINOUS, i, -1));
            SS__CHK(ss__spine_box(s, P, -0.5 * v->sp_thk, 0.5 * v->sp_thk, v->v_roof + v->t_lam + 2.0, v->v_tip,
                                  v->w_sp_bot, v->w_sp_top, 2.0, B, CT, SS_PART_SPINOUS, i, -1));
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
                SS__CHK(ss__spine_box(s, &fr, -hn, hn, -ha, ha, w0, w1, rf, B, CT, SS_PART_INFERIOR_ARTICULAR, k, k));
            }
            ss__vert *l = &s->v[lo_v];
            ss_v3_frame fr = ss_v3_frame_rotw(&l->post, -sd * beta);
            double gap = hn + hn_s + 1.5;
            double cu = sd * (0.5 * W + ext_u) + sd * xu * gap, cv = l->v_roof + 0.5 * l->t_lam + 1.0 + xv * sd * gap;
            ss_v3_frame_point(&l->post, cu, cv, 0, fr.o);
            double w0 = l->w_lt - 5.0, w1 = l->w_lt + G + 2.0;
            SS__CHK(ss__spine_box(s, &fr, -hn_s, hn_s, -ha, ha, w0, w1, 1.0, B, CT, SS_PART_SUPERIOR_ARTICULAR, lo_v,
                                  k >= 0 ? k : -1));
        }
    }
    return SS_OK;
}

ss_status ss__spine_discs(ss_spine *s)
{
    for (int k = 0; k < SS__NL; k++) {
        ss__vert *u = &s->v[k], *l = &s->v[k + 1];
        ss__spine_prim *p = ss__spine_add(s, SS__LY_DISC, SS_TISSUE_DISC, SS_PART_DISC, -1, k);
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

ss_status ss__spine_canal(ss_spine *s)
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
        SS__CHK(ss__spine_seg(s, a->c, b->c, ref, a->ra, a->rb, b->ra, b->rb, SS__LY_CANAL, SS_TISSUE_EPIDURAL_FAT,
                              SS_PART_CANAL, -1, -1));
        /* anterior internal venous plexus: two channels in the anterolateral canal */
        for (int sd = -1; sd <= 1; sd += 2) {
            double pa[3], pb[3];
            ss_v3_axpy(pa, a->c, sd * (a->ra - 4.5), a->u);
            ss_v3_axpy(pa, pa, -(a->rb - 3.8), a->v);
            ss_v3_axpy(pb, b->c, sd * (b->ra - 4.5), b->u);
            ss_v3_axpy(pb, pb, -(b->rb - 3.8), b->v);
            SS__CHK(ss__spine_seg(s, pa, pb, ref, rv, rv, rv, rv, SS__LY_VEIN, SS_TISSUE_VESSEL, SS_PART_EPIDURAL_VEIN,
                                  -1, -1));
        }
        if (a->sac_ra <= 0 || b->sac_ra <= 0) continue;
        double ca[3], cb[3];
        ss_v3_axpy(ca, a->c, a->sac_dv, a->v);
        ss_v3_axpy(cb, b->c, b->sac_dv, b->v);
        double bra = b->sac_ra, brb = b->sac_rb;
        SS__CHK(ss__spine_seg(s, ca, cb, ref, a->sac_ra, a->sac_rb, bra, brb, SS__LY_DURA, SS_TISSUE_DURA, SS_PART_DURA,
                              -1, -1));
        /* CSF: the same tube inset by the dura thickness, so that the wall is dt thick
           everywhere (radii - dt would thin it between the axes of the ellipse) */
        ss__spine_prim *csf = ss__spine_seg(s, ca, cb, ref, a->sac_ra, a->sac_rb, bra, brb, SS__LY_CSF, SS_TISSUE_CSF,
                                            SS_PART_CSF, -1, -1);
        SS__CHK(csf);
        ss_sdf_seg_inset(&csf->sdf, dt);
        /* cauda equina: thin roots floating in the CSF, settled against the dependent wall
           of the sac. The paper's patients lie in the left lateral decubitus: the roots lie
           along the patient's left (+u) wall. A scan
           from the right through the interlaminar window sees a clear sac; a transverse scan
           shows them as a cluster of dots low in the sac (REFERENCE 7: "faint linear echoes
           in the dependent sac"). Angles from +u towards +v (posterior), distance from the
           sac centre as a share of the CSF's radius: they lie against the left wall, where
           neither the near-spinous plane nor the oblique beam from the right reaches. */
        static const double k_ang[SS__CAUDA_ROOTS] = {30, 18, 8, -2, -12, -22, -32, -42};
        static const double k_rad[SS__CAUDA_ROOTS] = {0.8, 0.66, 0.84, 0.7, 0.86, 0.68, 0.82, 0.72};
        /* "dependent" is the patient's left (+x, gravity in the left lateral decubitus), not
           the rotated vertebra's +u: the angles count from +x as seen in this cross-section */
        const double left[3] = {1, 0, 0};
        double g_ang = atan2(ss_v3_dot(left, a->v), ss_v3_dot(left, a->u));
        for (int r = 0; r < SS__CAUDA_ROOTS; r++) {
            double ang = g_ang + k_ang[r] * SS__DEG, fa = k_rad[r];
            double pa[3], pb[3];
            ss_v3_axpy(pa, ca, fa * (a->sac_ra - dt) * cos(ang), a->u);
            ss_v3_axpy(pa, pa, fa * (a->sac_rb - dt) * sin(ang), a->v);
            ss_v3_axpy(pb, cb, fa * (b->sac_ra - dt) * cos(ang), b->u);
            ss_v3_axpy(pb, pb, fa * (b->sac_rb - dt) * sin(ang), b->v);
            double rrr = fmin(rr, 0.2 * (b->sac_rb - dt));
            SS__CHK(ss__spine_seg(s, pa, pb, ref, rrr, rrr, rrr, rrr, SS__LY_CAUDA, SS_TISSUE_NERVE,
                                  SS_PART_CAUDA_EQUINA, -1, -1));
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
            /* from inside the sac, where the root is a thin bundle among the others (0.8 mm
               radius), widening through the root sleeve to the ganglion in the foramen */
            SS__CHK(ss__spine_seg(s, p0, p1, ref, 0.8, 0.8, rx, rx, SS__LY_ROOT, SS_TISSUE_NERVE, SS_PART_EXITING_ROOT,
                                  i, i));
            SS__CHK(ss__spine_seg(s, p1, p2, ref, rx, rx, 0.7 * rx, 0.7 * rx, SS__LY_ROOT, SS_TISSUE_NERVE,
                                  SS_PART_EXITING_ROOT, i, i));
            /* segmental artery/vein: around the body at mid height, to the foramen */
            double q0[3], q1[3], q2[3];
            ss_v3_frame_point(&v->body, sd * (v->a + rs + 0.5), -0.2 * v->b, 0.0, q0);
            ss_v3_frame_point(P, sd * (cw + v->pw + 3.0), v->b_p - 2.5, -0.5 * v->H + 4.0, q1);
            ss_v3_frame_point(P, sd * (cw + 0.5 * v->pw + 0.5), v->b_p + 3.0, -0.5 * v->H + 1.5, q2);
            SS__CHK(ss__spine_seg(s, q0, q1, ref, rs, rs, rs, rs, SS__LY_SEGVESSEL, SS_TISSUE_VESSEL,
                                  SS_PART_SEGMENTAL_VESSEL, i, i));
            SS__CHK(ss__spine_seg(s, q1, q2, ref, rs, rs, 0.7 * rs, 0.7 * rs, SS__LY_SEGVESSEL, SS_TISSUE_VESSEL,
                                  SS_PART_SEGMENTAL_VESSEL, i, i));
        }
    }
    return SS_OK;
}

ss_status ss__spine_ligaments(ss_spine *s)
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
        SS__CHK(ss__spine_seg(s, pts[j], pts[j + 1], refs[j], 4.0 * s->info.scale, 0.5 * ssl, 4.0 * s->info.scale,
                              0.5 * ssl, SS__LY_LIGAMENT, SS_TISSUE_LIGAMENT, SS_PART_SUPRASPINOUS, -1, -1));
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
        SS__CHK(ss__spine_box(s, F, -hw, hw, 0.0, vt + 1.0, -(0.5 * s->Gsp[k] + 4.0), 0.5 * s->Gsp[k] + 4.0, 0.5,
                              SS__LY_LIGAMENT, SS_TISSUE_LIGAMENT, SS_PART_INTERSPINOUS, -1, k));
        /* ligamentum flavum across the window, into the facet capsules */
        SS__CHK(ss__spine_box(s, F, -(0.5 * s->win_w[k] + 1.5), 0.5 * s->win_w[k] + 1.5, -s->t_fl[k], 0.0,
                              -(0.5 * s->G[k] + 4.0), 0.5 * s->G[k] + 4.0, 0.5, SS__LY_FLAVUM, SS_TISSUE_FLAVUM,
                              SS_PART_FLAVUM, -1, k));
    }
    return SS_OK;
}

/* spine_fusion.c: what a posterior spinal fusion leaves (ss_fusion_params): which
 * vertebrae are fused, graft over the laminae and transverse processes and bridging the
 * windows, titanium pedicle screws with their heads, rods through the heads, and the
 * laminotomy channels cut through bone and graft.
 */
#include <math.h>

#include "spine_internal.h"
#include "tissue.h"

int ss__spine_fused_vert(const ss_spine *s, int i)
{
    const ss_fusion_params *f = &s->params.fusion;
    return f->present && i >= f->upper_vertebra && i <= f->lower_vertebra;
}

int ss__spine_grafted(const ss_spine *s, int k)
{
    const ss_fusion_params *f = &s->params.fusion;
    return f->present && f->graft && ss__spine_fused_vert(s, k) && ss__spine_fused_vert(s, k + 1) && !f->ungrafted[k];
}

ss_status ss__spine_fusion(ss_spine *s)
{
    const ss_fusion_params *fu = &s->params.fusion;
    for (int i = 0; i < SS__NV; i++) {
        s->v[i].fused = ss__spine_fused_vert(s, i);
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
            double et = (i > 0 && ss__spine_grafted(s, i - 1)) ? 1.5 : 0.0;
            double eb = (i < SS__NL && ss__spine_grafted(s, i)) ? 1.5 : 0.0;
            double wlb = i == SS_VERT_S1 ? v->w_lt - 20.0 : v->w_lb;
            double ulat = cw + v->pw + (i == SS_VERT_S1 ? 0.3 : 0.6) * v->tp_len;
            SS__CHK(ss__spine_box(s, P, -(cw + v->pw + 0.4 * v->tp_len), cw + v->pw + 0.4 * v->tp_len,
                                  v->v_roof + v->t_lam - 2.0, v->v_roof + v->t_lam + gt, wlb - eb, v->w_lt + et, 2.0,
                                  SS__LY_GRAFT, SS_TISSUE_GRAFT, SS_PART_GRAFT, i, -1));
            for (int sd = -1; sd <= 1; sd += 2)
                SS__CHK(ss__spine_box(s, P, sd * (cw + 0.5 * v->pw), sd * ulat, v->b_p + 0.4 * v->A,
                                      v->v_roof + v->t_lam + gt, wlb - eb, v->w_lt + et, 2.0, SS__LY_GRAFT,
                                      SS_TISSUE_GRAFT, SS_PART_GRAFT, i, -1));
        }
        for (int k = 0; k < SS__NL; k++) {
            if (!ss__spine_grafted(s, k)) continue;
            ss__vert *u = &s->v[k], *l = &s->v[k + 1];
            const ss_v3_frame *F = &s->isp_post[k];
            double cw = 0.25 * (u->C + l->C), pw = 0.5 * (u->pw + l->pw), tp = 0.5 * (u->tp_len + l->tp_len);
            double tl = 0.5 * (u->t_lam + l->t_lam) - s->t_fl[k];
            double bp = 0.5 * (u->b_p + l->b_p) + 0.2 * (u->A + l->A) - (0.5 * (u->v_roof + l->v_roof) + s->t_fl[k]);
            double hw = 0.5 * s->G[k] + 3.0;
            SS__CHK(ss__spine_box(s, F, -(cw + pw + 0.4 * tp), cw + pw + 0.4 * tp, tl - 2.0, tl + gt, -hw, hw, 2.0,
                                  SS__LY_GRAFT, SS_TISSUE_GRAFT, SS_PART_GRAFT, -1, k));
            for (int sd = -1; sd <= 1; sd += 2)
                SS__CHK(ss__spine_box(s, F, sd * (cw + 0.5 * pw), sd * (cw + pw + 0.6 * tp), bp, tl + gt, -hw, hw, 2.0,
                                      SS__LY_GRAFT, SS_TISSUE_GRAFT, SS_PART_GRAFT, -1, k));
        }
    }
    /* a morcellised-bone fusion mass is lumpy, not a smooth box: every graft solid's
       surface is displaced by a world-fixed noise (the same noise, so neighbouring solids
       stay joined) */
    for (int j = 0; j < s->nprims; j++)
        if (s->prims[j].layer == SS__LY_GRAFT)
            ss_sdf_bumpy(&s->prims[j].sdf, ss__A(SS_ANAT_GRAFT_IRREGULARITY, 0) * sc,
                         ss__A(SS_ANAT_GRAFT_LUMP_SIZE, 0) * sc);
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
            /* the head (tulip and its extension) from the entry back along the screw far
               enough that the rod through it stands SS_ANAT_SCREW_HEAD_PROUD above the fusion
               mass (or 2 mm above the lamina without graft): rods and heads are what a scan
               over a fused spine shows first (REFERENCE 7), not buried under the graft */
            double top = v->v_roof + v->t_lam + (fu->graft && v->fused ? gt : 2.0);
            double rod_v = top + ss__A(SS_ANAT_SCREW_HEAD_PROUD, 0) * sc - 0.5 * fu->rod_diameter_mm;
            double reach = fmax(8.0, (rod_v - e[1]) / fmax(cos(conv), 0.3));
            ss_v3_axpy(h0, e, -1.0, d);
            ss_v3_axpy(h1, e, -(reach + 5.0), d);
            ss_v3_axpy(hc, e, -reach, d);
            ss_v3_frame_point(P, e[0], e[1], e[2], ew);
            ss_v3_frame_point(P, tip[0], tip[1], tip[2], tw);
            ss_v3_frame_point(P, h0[0], h0[1], h0[2], h0w);
            ss_v3_frame_point(P, h1[0], h1[1], h1[2], h1w);
            ss_v3_frame_point(P, hc[0], hc[1], hc[2], heads[side][nh]);
            ss_v3_frame_dir(P, 0, 0, 1, ref);
            SS__CHK(ss__spine_seg(s, ew, tw, ref, r, r, 0.7 * r, 0.7 * r, SS__LY_METAL, SS_TISSUE_TITANIUM,
                                  SS_PART_SCREW, i, -1));
            SS__CHK(ss__spine_seg(s, h0w, h1w, ref, hr, hr, hr, hr, SS__LY_METAL, SS_TISSUE_TITANIUM, SS_PART_SCREW, i,
                                  -1));
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
                SS__CHK(ss__spine_seg(s, pts[j], pts[j + 1], ref, rr, rr, rr, rr, SS__LY_METAL, lab, SS_PART_ROD, -1,
                                      -1));
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

void ss__spine_apply_cuts(ss_spine *s)
{
    for (int j = 0; j < s->nprims; j++) {
        ss__spine_prim *p = &s->prims[j];
        if (p->layer != SS__LY_BONE && p->layer != SS__LY_GRAFT) continue;
        for (int k = 0; k < SS__NL; k++)
            if (s->has_channel[k] && ss_sdf_bbox_overlap(p->sdf.lo, p->sdf.hi, s->channel[k].lo, s->channel[k].hi))
                p->cut_mask |= 1u << k;
    }
}

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
 *
 * This file: the build in order, the list of solids, the landmarks and bounds, and the
 * queries. The steps of the build live in spine_posture.c (dimensions, curve, frames),
 * spine_parts.c (bones, discs, canal contents, ligaments), spine_fusion.c (graft, screws,
 * rods, channels) and spine_skin.c (the back's layers), sharing spine_internal.h.
 */
#include "spine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "spine_internal.h"
#include "tissue.h"
#include "volume_sdf.h"

#define SS__HARD_EXACT_MM 8.0  /* hard prims evaluated (not bounded) within this distance */

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

/* ------------------------------------------------------------------ the list of solids */

ss__spine_prim *ss__spine_add(ss_spine *s, int layer, int label, int part, int vert, int level)
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
ss__spine_prim *ss__spine_box(ss_spine *s, const ss_v3_frame *f, double u0, double u1, double v0, double v1,
                              double w0, double w1, double r, int layer, int label, int part, int vert, int level)
{
    ss__spine_prim *p = ss__spine_add(s, layer, label, part, vert, level);
    if (!p) return NULL;
    ss_sdf_box(&p->sdf, f, u0, u1, v0, v1, w0, w1, r);
    return p;
}

/* elliptic tube segment from a to b (ss_sdf_seg) */
ss__spine_prim *ss__spine_seg(ss_spine *s, const double a[3], const double b[3], const double ref[3], double ra0,
                              double rb0, double ra1, double rb1, int layer, int label, int part, int vert,
                              int level)
{
    ss__spine_prim *p = ss__spine_add(s, layer, label, part, vert, level);
    if (!p) return NULL;
    ss_sdf_seg(&p->sdf, a, b, ref, ra0, rb0, ra1, rb1);
    return p;
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

/* ------------------------------------------------------------------ landmarks and bounds */

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
        ss__spine_skin_hit(s, F->o, V->ax[1], I->skin_entry_mm);
        ss__spine_skin_hit(s, F->o, F->ax[1], I->skin_entry_window_mm);
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
        I->fused = fu->present && ss__spine_fused_vert(s, k) && ss__spine_fused_vert(s, k + 1);
        I->grafted = ss__spine_grafted(s, k) && !s->has_channel[k];
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

/* ------------------------------------------------------------------ build */

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
    ss__spine_dims(s);
    ss__spine_place(s);
    ss__spine_interspace_frames(s);
    st = ss__spine_bones(s);
    if (st == SS_OK) st = ss__spine_discs(s);
    if (st == SS_OK) st = ss__spine_canal(s);
    if (st == SS_OK) st = ss__spine_ligaments(s);
    if (st == SS_OK) st = ss__spine_fusion(s);
    if (st == SS_OK) {
        ss__spine_apply_cuts(s);
        st = ss__sort_layers(s);
    }
    if (st != SS_OK) {
        ss_spine_free(s);
        return ss_error_set(SS_ERR_NOMEM, "ss_spine_build: out of memory");
    }
    ss__spine_skin(s);
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

/* ------------------------------------------------------------------ for the voxelizer (spine_layers.h) */

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
    int lab = ss__spine_layer_label(s, q, &ld);
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

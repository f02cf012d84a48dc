/* spine_internal.h: the patient model's own struct and the functions its files share.
 * Private to spine.c, spine_posture.c, spine_parts.c, spine_fusion.c and spine_skin.c;
 * the voxelizer sees only spine_layers.h, the rest of the engine spine.h.
 *
 * ss_spine_build() (spine.c) runs: dimensions from the anatomy table, then the frames of
 * every vertebra and interspace along the curve (spine_posture.c), then the solids of
 * the normal anatomy (spine_parts.c) and of a fusion (spine_fusion.c), then the back's
 * surface and layers (spine_skin.c), then landmarks and bounds (spine.c). In a
 * vertebra's frames local u is lateral, v posterior, w cranial (vec3d.h); lengths in
 * mm, angles in radians inside the model.
 */
#ifndef SS_SPINE_INTERNAL_H
#define SS_SPINE_INTERNAL_H

#include <stdbool.h>

#include "anatomy_table.h"
#include "spine.h"
#include "spine_layers.h"
#include "vec3d.h"

#define SS__PI 3.14159265358979323846
#define SS__DEG (SS__PI / 180.0)
#define SS__NV SS_VERT_COUNT
#define SS__NL SS_LEVEL_COUNT
#define SS__MAX_ANCHORS 16

/* the build steps that add solids return SS_ERR_NOMEM when one cannot be added */
#define SS__CHK(p) do { if (!(p)) return SS_ERR_NOMEM; } while (0)

/* One vertebra. Dimensions: body height H, width W, depth D (ellipse half axes a, b, cut
 * flat behind at v = b_p), pedicle width pw, height ph and convergence conv, canal width
 * C and depth A, lamina thickness t_lam, spinous process length and thickness, transverse
 * process length, screw path length. In the posterior frame: v_roof = back of the canal
 * (front of the laminae), v_tip = spinous tip, w_ped = pedicle centre, w_lt/w_lb = top and
 * bottom of the laminae, w_sp_top/w_sp_bot = of the spinous process. */
typedef struct ss__vert {
    double H, W, D, a, b, b_p, pw, ph, conv, C, A, t_lam, sp_len, sp_thk, tp_len, screw_path;
    double v_roof, v_tip, w_ped;
    double w_lt, w_lb, w_sp_top, w_sp_bot;
    double theta, psi, alpha, alpha_post; /* coronal tilt, sagittal tilt, axial rotation of the body
                                             and of the posterior elements: radians, patient-frame signs */
    ss_v3_frame body, post, view;         /* body; posterior elements; body without the axial rotation */
    bool fused, screws;
    double sac_centre[3];                 /* thecal sac centre at mid-body level */
} ss__vert;

struct ss_spine {
    ss_patient_params params;
    ss_spine_info info;
    ss__spine_prim *prims;              /* sorted by layer once built */
    int nprims, cap;
    int layer_start[SS__LY_COUNT + 1];  /* layer l: prims[layer_start[l] .. layer_start[l + 1]) */
    ss_sdf_prim channel[SS__NL];        /* laminotomy channels, subtracted from bone and graft */
    bool has_channel[SS__NL];
    ss__vert v[SS__NV];
    /* per interspace: disc height, flavum thickness, window height and width, interspinous
       gap, facet angle; G, Gsp: the window and interspinous gaps at zero segment angle */
    double disc[SS__NL], t_fl[SS__NL], win_h[SS__NL], win_w[SS__NL], isd[SS__NL], facet[SS__NL];
    double G[SS__NL], Gsp[SS__NL];
    ss_v3_frame isp_post[SS__NL], isp_view[SS__NL]; /* window frames with and without the axial rotation */
    ss_interspace_info isp[SS__NL];
    /* skin: the midline through the anchors (spinous tips, z rising), the soft-tissue
       offset skin_T above them, skin and fat thickness, the back's groove and curvature */
    int nanchor;
    double anc_z[SS__MAX_ANCHORS], anc_x[SS__MAX_ANCHORS], anc_y[SS__MAX_ANCHORS];
    double skin_T, skin_t, fat_F, groove, groove_sigma, back_R;
    double shell; /* cortical shell thickness */
    double side;  /* +1 convex left, -1 convex right */
};

/* a number of the anatomy table (anatomy_table.h) */
static inline double ss__A(int id, int i) { return ss_anatomy_value(id, i); }

/* spine.c: appending solids (NULL when out of memory) */
ss__spine_prim *ss__spine_add(ss_spine *s, int layer, int label, int part, int vert, int level);
ss__spine_prim *ss__spine_box(ss_spine *s, const ss_v3_frame *f, double u0, double u1, double v0, double v1,
                              double w0, double w1, double r, int layer, int label, int part, int vert, int level);
ss__spine_prim *ss__spine_seg(ss_spine *s, const double a[3], const double b[3], const double ref[3], double ra0,
                              double rb0, double ra1, double rb1, int layer, int label, int part, int vert,
                              int level);

/* spine_posture.c, in this order */
void ss__spine_dims(ss_spine *s);               /* info (stature, depth target), vertebrae, interspaces */
void ss__spine_place(ss_spine *s);              /* curve and lordosis: the body, posterior and view frames */
void ss__spine_interspace_frames(ss_spine *s);  /* window frames (isp_post, isp_view) */

/* spine_parts.c: the normal anatomy's solids */
ss_status ss__spine_bones(ss_spine *s);
ss_status ss__spine_discs(ss_spine *s);
ss_status ss__spine_canal(ss_spine *s);
ss_status ss__spine_ligaments(ss_spine *s);

/* spine_fusion.c */
int ss__spine_fused_vert(const ss_spine *s, int i);  /* vertebra i inside the fused span */
int ss__spine_grafted(const ss_spine *s, int k);     /* graft bridges interspace k */
ss_status ss__spine_fusion(ss_spine *s);             /* fused flags, graft, screws, rods, channels */
void ss__spine_apply_cuts(ss_spine *s);              /* marks the bone and graft each channel cuts */

/* spine_skin.c */
void ss__spine_skin(ss_spine *s);  /* anchors, thicknesses and the offset fitted to the depth target */
/* label of the back's layers at p (air, skin, fat, muscle) and, if dist, the approximate
   distance to their nearest boundary */
int ss__spine_layer_label(const ss_spine *s, const double p[3], double *dist);
/* first skin crossing on the ray from p along d */
void ss__spine_skin_hit(const ss_spine *s, const double p[3], const double d[3], double out[3]);

#endif

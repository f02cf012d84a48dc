/* sdf_prim.h: simple solids with an analytic signed distance, the pieces the patient
 * model (spine.h) is built from. Engine-private.
 *
 * Each solid sits in its own orthonormal frame (vec3d.h; local u, v, w along ax[0..2])
 * and keeps a world bounding box. The kinds:
 *   box     rounded box, optionally trimmed below an inverted V (ss_sdf_box_vcut);
 *   ellcyl  rounded elliptic cylinder along w, cut flat at v = v_cut (a vertebral body);
 *   seg     elliptic tube segment from a to b, radii tapering linearly, round ends
 *           (pedicles, processes, canal, roots, vessels, screws, rods), optionally inset;
 *   disc    elliptic cylinder cut flat at v = v_cut and between two world planes.
 * Distances are negative inside, in mm. Boxes are exact; the elliptic ones use iq's
 * k0 (k0 - 1) / k1 estimate, bounded inside by (1 - k0) min(radii): callers that skip by
 * a distance step a fraction of it. Prefix ss_sdf_.
 *
 * Not here: what a solid is made of or which one wins where they overlap (the model's
 * layers, spine.c), voxels (tissue_volume.c). Builders overwrite the whole solid; they
 * never allocate.
 */
#ifndef SS_SDF_PRIM_H
#define SS_SDF_PRIM_H

#include <stdbool.h>

#include "vec3d.h"

typedef enum ss_sdf_kind { SS_SDF_BOX, SS_SDF_ELLCYL, SS_SDF_SEG, SS_SDF_DISC } ss_sdf_kind;

typedef struct ss_sdf_prim {
    int kind;            /* ss_sdf_kind */
    ss_v3_frame f;       /* box, ellcyl, disc: centred; seg: origin at a, w along a->b */
    double p[6];         /* box: hx hy hz r [w_apex slope: inverted-V cut] | ellcyl: a b h r v_cut |
                            seg: L ra0 rb0 ra1 rb1 inset | disc: a b v_cut - - h_bound */
    double plane[2][4];  /* disc: outward normal (xyz) and offset: d = n.p - off; box: plane[0] when
                            cut (ss_sdf_box_cut) */
    bool cut;            /* box: also only where plane[0] gives d <= 0 */
    double bump_mm;      /* > 0: the surface displaced by up to this much (ss_sdf_bumpy) */
    double bump_scale_mm;
    double lo[3], hi[3]; /* world bounding box (slightly padded) */
} ss_sdf_prim;

/* Signed distance at the world point p. */
double ss_sdf_eval(const ss_sdf_prim *s, const double p[3]);

/* Rounded box spanning [u0,u1] x [v0,v1] x [w0,w1] in frame f; the rounding radius r is
 * limited to 99 % of the smallest half extent. */
void ss_sdf_box(ss_sdf_prim *s, const ss_v3_frame *f, double u0, double u1, double v0, double v1, double w0,
                double w1, double r);
/* Rounded box of half extents (hx, hy, hz) centred on f's origin, radius r as given. */
void ss_sdf_box_centred(ss_sdf_prim *s, const ss_v3_frame *f, double hx, double hy, double hz, double r);
/* Trims a box's caudal border into an inverted V: the box keeps only the points at or
 * above w = w_apex - slope * |u| (coordinates of the frame f the box was built in;
 * slope > 0). The bounding box stays that of the whole box. */
void ss_sdf_box_vcut(ss_sdf_prim *s, const ss_v3_frame *f, double w_apex, double slope);

/* Keeps only the part of a box on the inner side of a world plane: points p with
 * n . p <= n . on (n is normalized here). The bounding box stays that of the whole box. */
void ss_sdf_box_cut(ss_sdf_prim *s, const double n[3], const double on[3]);

/* Makes any solid's surface irregular: displaced in and out by up to amplitude_mm, a
 * smooth world-fixed value noise of feature size scale_mm (a morcellised graft's
 * lumps). The zero set moves; the distance is scaled down by the noise's steepness so
 * it stays a lower bound (callers step by it). The bounding box grows by amplitude_mm. */
void ss_sdf_bumpy(ss_sdf_prim *s, double amplitude_mm, double scale_mm);

/* Elliptic cylinder of half axes a (u), b (v) and half height half_h (w) in frame f
 * (centred), edges rounded by r, cut flat at v = v_cut (v_cut >= b: no cut). */
void ss_sdf_ellcyl(ss_sdf_prim *s, const ss_v3_frame *f, double a, double b, double half_h, double r, double v_cut);

/* Elliptic tube segment from a to b (world), radii ra (along ref's direction made
 * perpendicular to the axis) and rb (across), ra0/rb0 at a tapering to ra1/rb1 at b.
 * A ref along the axis is replaced by another direction; a == b gives a rounded blob. */
void ss_sdf_seg(ss_sdf_prim *s, const double a[3], const double b[3], const double ref[3], double ra0, double rb0,
                double ra1, double rb1);
/* Shrinks a segment by inset_mm everywhere (a wall of even thickness inside it); the
 * bounding box stays that of the segment. */
void ss_sdf_seg_inset(ss_sdf_prim *s, double inset_mm);

/* Disc: the elliptic cylinder (a, b) of frame f cut flat at v = v_cut and closed by two
 * planes, each through a world point with an outward unit normal; h_bound bounds its
 * half thickness for the bounding box. */
void ss_sdf_disc(ss_sdf_prim *s, const ss_v3_frame *f, double a, double b, double v_cut, double h_bound,
                 const double n_top[3], const double on_top[3], const double n_bottom[3], const double on_bottom[3]);

/* Distance from p to the box [lo, hi] (0 inside): a lower bound on any solid's distance
 * whose bounding box it is. */
double ss_sdf_bbox_dist(const double lo[3], const double hi[3], const double p[3]);
bool ss_sdf_bbox_overlap(const double alo[3], const double ahi[3], const double blo[3], const double bhi[3]);

#endif

/* spine.h: the parametric patient: lumbar spine L1-S1 with discs, canal contents,
 * soft tissue of the back, scoliosis, posture and fusion hardware, as signed distances.
 *
 * ss_spine_build() turns an ss_patient_params (patient.h) into a model made of simple
 * solids (rounded boxes, rounded elliptic cylinders, elliptic tube segments, discs cut
 * by endplate planes), each with an analytic signed distance, placed in per-vertebra
 * frames along a centreline shaped by lordosis, flexion and the scoliotic curve. The
 * skin, subcutaneous fat and paraspinal muscle are analytic layers under a smooth skin
 * surface. Every number comes from anatomy_table.c; docs/anatomy.md describes the model.
 *
 * Frame (DESIGN.md): origin at the centre of the S1 upper endplate, +x patient's left,
 * +y posterior (toward the skin of the back), +z cranial; mm; angles in degrees here.
 * Indices: vertebrae SS_VERT_L1..SS_VERT_S1, interspaces SS_LEVEL_L1_L2..SS_LEVEL_L5_S1.
 *
 * What it answers: the tissue at a point and how far the next surface is (for the
 * needle), the signed distance and normal of bone/metal (for the acoustic renderer and
 * the voxelizer), per-vertebra frames and per-interspace landmarks (for probe and view
 * placement). It does not voxelize (tissue_volume.h), measure (spine_measure.h), parse
 * scenarios (scenario.h) or draw. A built model is immutable: queries from many
 * threads at once are safe.
 */
#ifndef SS_SPINE_H
#define SS_SPINE_H

#include <stdbool.h>

#include "error.h"
#include "patient.h"

typedef struct ss_spine ss_spine;

/* Which anatomical part a point belongs to (finer than the tissue label). */
typedef enum ss_spine_part {
    SS_PART_AIR = 0,
    SS_PART_SKIN,
    SS_PART_FAT,
    SS_PART_MUSCLE,
    SS_PART_BODY,               /* vertebral body (S1: body and S2 below it) */
    SS_PART_PEDICLE,
    SS_PART_LAMINA,             /* S1: the dorsal surface of the sacrum */
    SS_PART_SPINOUS,            /* S1: median sacral crest */
    SS_PART_TRANSVERSE,         /* S1: ala and lateral mass */
    SS_PART_SUPERIOR_ARTICULAR,
    SS_PART_INFERIOR_ARTICULAR,
    SS_PART_DISC,
    SS_PART_CANAL,              /* epidural fat filling the canal */
    SS_PART_EPIDURAL_VEIN,
    SS_PART_SUPRASPINOUS,
    SS_PART_INTERSPINOUS,
    SS_PART_FLAVUM,
    SS_PART_DURA,
    SS_PART_CSF,
    SS_PART_CAUDA_EQUINA,
    SS_PART_EXITING_ROOT,
    SS_PART_SEGMENTAL_VESSEL,
    SS_PART_GRAFT,
    SS_PART_SCREW,
    SS_PART_ROD,
    SS_PART_COUNT
} ss_spine_part;

/* What is at a point. */
typedef struct ss_spine_sample {
    int label;             /* ss_tissue (tissue.h) */
    int part;              /* ss_spine_part */
    int vertebra;          /* SS_VERT_* owning the part, or -1 (soft layers, canal contents) */
    int level;             /* SS_LEVEL_* for interspace parts (disc, flavum, ligaments, exiting
                              root below that vertebra), else -1 */
    double boundary_mm;    /* lower bound on the distance to the nearest surface where the
                              label may change (0 on a surface): the needle may step this far */
    double hard_sdf_mm;    /* signed distance to bone/graft/metal, negative inside; exact within
                              8 mm of such a surface, a lower bound farther away */
} ss_spine_sample;

/* Per-vertebra frame and landmarks. Axes are unit vectors in the patient frame:
 * axis[0] lateral (toward the patient's left when unrotated), axis[1] posterior,
 * axis[2] cranial (the body's long axis). Rotations: + = body turned toward the convex
 * side of the curve (the convention of patient.h), 0 without a curve. */
typedef struct ss_vertebra_info {
    int vertebra;
    double centre_mm[3];             /* centre of the vertebral body */
    double axis[3][3];               /* body frame */
    double posterior_axis[3][3];     /* frame of the posterior elements (rotates less) */
    double upper_endplate_mm[3];     /* centre of the upper endplate */
    double lower_endplate_mm[3];     /* centre of the lower endplate (S1: bottom of the S1 body) */
    double canal_centre_mm[3];       /* centre of the spinal canal at the pedicles */
    double sac_centre_mm[3];         /* centre of the thecal sac at mid-body level */
    double spinous_tip_mm[3];        /* posterior-most point of the spinous process (S1: crest) */
    double body_width_mm, body_depth_mm, body_height_mm;
    double canal_width_mm, canal_ap_mm;
    double body_rotation_deg;        /* axial rotation of the body */
    double posterior_rotation_deg;   /* axial rotation of the posterior elements */
    double coronal_tilt_deg;         /* endplate tilt in the coronal plane, + = upper endplate
                                        rising toward the patient's right (-x) */
    double sagittal_tilt_deg;        /* body axis tilted anteriorly (+) from +z */
    bool fused;                      /* inside the fused span */
    bool screws;                     /* pedicle screws both sides */
} ss_vertebra_info;

/* Per-interspace landmarks for probe and needle placement. "window" vectors follow the
 * posterior elements (rotated); "view" vectors are the same frame without the axial
 * rotation: the direction a sonographer looks from, perpendicular to the spine. */
typedef struct ss_interspace_info {
    int level;
    double window_centre_mm[3];     /* centre of the interlaminar window, on the posterior
                                       surface of the ligamentum flavum */
    double window_normal[3];        /* posterior normal of the window plane */
    double window_lateral[3];       /* in the window plane, toward the patient's left */
    double window_cranial[3];       /* in the window plane, cranial */
    double view_normal[3];
    double view_lateral[3];
    double view_cranial[3];
    double interspinous_mm[3];      /* midline point between the spinous processes, halfway
                                       from lamina to spinous tip */
    double skin_entry_mm[3];        /* skin point on the line window_centre + t*view_normal */
    double skin_entry_window_mm[3]; /* skin point on the line window_centre + t*window_normal */
    double sac_centre_mm[3];        /* thecal sac centre at the level of the window */
    double rotation_deg;            /* posterior-element rotation, mean of the two vertebrae */
    double body_rotation_deg;       /* body rotation, mean of the two vertebrae */
    double design_window_width_mm;  /* the widths/heights the parts were built from (the */
    double design_window_height_mm; /*  measured ones come from spine_measure.h) */
    bool fused;                     /* both vertebrae inside the fused span */
    bool grafted;                   /* a graft bridge covers the window */
    bool channel;                   /* laminotomy channel cut at this interspace */
    bool ungrafted;                 /* left without graft on purpose */
} ss_interspace_info;

/* Derived whole-patient figures. */
typedef struct ss_spine_info {
    double scale;                   /* body dimensions relative to the adult table */
    double canal_width_scale;       /* transverse canal (grows until 15-17 y) */
    double height_cm, weight_kg, bmi;
    double skin_to_flavum_target_mm; /* the L3-4 midline depth the soft tissue was fitted to */
    double skin_to_flavum_built_mm;  /* the same after the minimum-fat floor */
    double skin_thickness_mm;
    double fat_thickness_mm;
    double segment_lordosis_deg[SS_LEVEL_COUNT]; /* after flexion; + = lordotic */
    double lordosis_effective_deg;  /* sum of the above */
    double sacral_tilt_deg;         /* S1 axis tilted anteriorly from +z */
    double apical_rotation_deg;     /* rotation used at the apex (0 without a curve) */
    int primitive_count;
    double bone_lo_mm[3], bone_hi_mm[3];     /* box around bone and hardware */
    double volume_lo_mm[3], volume_hi_mm[3]; /* default region to voxelize: the lumbar
                                                spine, the back and 15 mm above the skin */
} ss_spine_info;

/* Builds the model. SS_ERR_INVALID (with the field named) for out-of-range or
 * contradictory parameters, SS_ERR_NOMEM on allocation failure. */
ss_status ss_spine_build(const ss_patient_params *params, ss_spine **out);
void ss_spine_free(ss_spine *spine);

/* The parameters the model was built from (a copy). */
const ss_patient_params *ss_spine_params(const ss_spine *spine);
void ss_spine_get_info(const ss_spine *spine, ss_spine_info *out);

/* Tissue at p (mm, patient frame) and the distance to the next surface. */
void ss_spine_query(const ss_spine *spine, const double p_mm[3], ss_spine_sample *out);
/* Just the tissue label at p (same answer as ss_spine_query). */
int ss_spine_label_at(const ss_spine *spine, const double p_mm[3]);
/* Signed distance to bone/graft/metal at p (negative inside), see hard_sdf_mm. */
double ss_spine_hard_sdf(const ss_spine *spine, const double p_mm[3]);
/* Outward unit normal of the nearest bone/metal surface (gradient of the hard signed
 * distance, central differences of 0.05 mm). */
void ss_spine_hard_normal(const ss_spine *spine, const double p_mm[3], double n_out[3]);
/* y of the skin surface above (x, z): points with larger y are outside the body. */
double ss_spine_skin_y(const ss_spine *spine, double x_mm, double z_mm);

ss_status ss_spine_vertebra(const ss_spine *spine, int vertebra, ss_vertebra_info *out);
ss_status ss_spine_interspace(const ss_spine *spine, int level, ss_interspace_info *out);

const char *ss_spine_part_name(int part);

#endif

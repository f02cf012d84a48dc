/* patient.h: the parameters that describe one patient's lumbar spine and back.
 *
 * This is the contract between the scenario file (scenario.c fills it, after
 * validation) and the parametric anatomy (spine.c builds the model from it). Plain
 * data, no allocation. ss_patient_params_default() gives a normal adult in the left
 * lateral decubitus position with no deformity and no surgery; every field a scenario
 * leaves out keeps that default. Units are in the names: mm, deg, y (years), kg, cm.
 *
 * Indexing: vertebrae SS_VERT_L1..SS_VERT_S1 (0..5); interspaces SS_LEVEL_L1_L2 ..
 * SS_LEVEL_L5_S1 (0..4), interspace i lies between vertebra i and vertebra i+1.
 * Thoracic vertebrae T7..T12 are -6..-1 (SS_VERT_T12 = -1): they are not modelled, but
 * a curve's apex and end vertebrae (and a fusion's upper end) may lie there, so a
 * thoracolumbar curve shows in the lumbar spine only as the part of it below T12.
 */
#ifndef SS_PATIENT_H
#define SS_PATIENT_H

#include <stdbool.h>

enum { SS_VERT_T7 = -6, SS_VERT_T12 = -1 };
enum { SS_VERT_L1, SS_VERT_L2, SS_VERT_L3, SS_VERT_L4, SS_VERT_L5, SS_VERT_S1, SS_VERT_COUNT };
enum { SS_LEVEL_L1_L2, SS_LEVEL_L2_L3, SS_LEVEL_L3_L4, SS_LEVEL_L4_L5, SS_LEVEL_L5_S1, SS_LEVEL_COUNT };

typedef enum ss_sex { SS_SEX_MALE = 0, SS_SEX_FEMALE = 1 } ss_sex;
typedef enum ss_rod_material { SS_ROD_TITANIUM = 0, SS_ROD_COCR = 1 } ss_rod_material;
/* Convexity of the lumbar curve: toward the patient's left (+x) or right (-x). */
typedef enum ss_curve_side { SS_CURVE_LEFT = 0, SS_CURVE_RIGHT = 1 } ss_curve_side;

typedef struct ss_body_params {
    double age_y;                 /* 12..19 for the paper's patients; adult >= 18 */
    ss_sex sex;
    double height_cm;             /* 0 = typical for age and sex */
    double weight_kg;             /* 0 = from BMI and height */
    double bmi;                   /* kg/m^2 */
    double skin_to_flavum_mm;     /* 0 = from BMI (REFERENCE §2: 17.8 + 0.978*BMI at L3-4) */
    double lordosis_deg;          /* L1-S1 lordosis in the neutral standing posture */
    double flexion;               /* 0 neutral .. 1 fully flexed (hips and knees drawn up) */
    /* not a scenario field: the patient lies unflexed (the pre-procedure stage skipped
       'position': patient_case.h). The mobile lumbar segments are at flexion 0; those a
       fusion holds keep `flexion` (the posture they were fused in does not change) */
    bool lying_unflexed;
} ss_body_params;

typedef struct ss_deformity_params {
    double cobb_deg;              /* 0 = straight spine */
    int apex_vertebra;            /* SS_VERT_*; apex of the lumbar curve */
    ss_curve_side convex_side;
    int upper_end_vertebra;       /* SS_VERT_*; end vertebrae of the curve (most tilted) */
    int lower_end_vertebra;
    bool rotation_given;          /* true: rotation_deg[] is used as given */
    double rotation_deg[SS_VERT_COUNT]; /* axial rotation of each vertebral body, + = body
                                           turned toward the convex side */
    int nash_moe_grade;           /* -1 = not given; 0..4: the X-ray grade of the most rotated
                                     lumbar vertebra. Alone it sets the rotation profile's
                                     size (spine_posture.c); with rotation_deg[] it is the
                                     clinical record and must agree with the profile */
} ss_deformity_params;

typedef struct ss_fusion_params {
    bool present;
    int upper_vertebra;           /* fused from upper_vertebra to lower_vertebra (SS_VERT_*);
                                     the instrumented span may continue above L1, which the
                                     model represents as hardware entering from above */
    int lower_vertebra;
    bool fused_above_l1;          /* instrumentation continues into the thoracic spine */
    bool rods;
    ss_rod_material rod_material;
    double rod_diameter_mm;       /* 5.5 (CoCr) or 6.0 (Ti) typical */
    bool screws[SS_VERT_COUNT];   /* pedicle screws, both sides, per vertebra */
    bool graft;                   /* posterolateral graft mass over the fused laminae */
    bool laminotomy[SS_LEVEL_COUNT]; /* channel cut through the fusion mass for punctures */
    bool ungrafted[SS_LEVEL_COUNT];  /* interspace purposely left without graft */
    double channel_width_mm;      /* laminotomy channel size (unconfirmed default 12) */
    double channel_height_mm;     /* (unconfirmed default 10) */
} ss_fusion_params;

/* Whether a fusion holds the lumbar segment between vertebra `level` and the one below
 * (the instrumented span covers both): it does not bend with the patient's posture. */
bool ss_fusion_holds_segment(const ss_fusion_params *f, int level);

typedef struct ss_patient_params {
    ss_body_params body;
    ss_deformity_params deformity;
    ss_fusion_params fusion;
} ss_patient_params;

/* A normal adult male, BMI 24, lordosis 45 deg, flexion 0.7 (left lateral decubitus
 * with hips and knees flexed as in the paper), no deformity, no fusion. */
void ss_patient_params_default(ss_patient_params *out);

/* Interspace name "L4-L5" for SS_LEVEL_L4_L5; NULL if out of range. */
const char *ss_level_name(int level);
/* Interspace from "L4-L5" (also accepts "L4L5", "l4-l5", "L5-S1"); -1 if unknown. */
int ss_level_from_name(const char *name);
/* Vertebra name "T7".."T12", "L1".."S1"; NULL if out of range. */
const char *ss_vertebra_name(int vertebra);
/* Vertebra index from "T7".."S1"; SS_VERT_T7 - 1 (invalid) if unknown. */
int ss_vertebra_from_name(const char *name);

/* Nash-Moe grade 0..4 -> the largest lumbar body rotation it stands for (deg, from the
 * anatomy table; 0 for a grade out of range). */
double ss_nash_moe_deg(int grade);
/* The grade whose degrees are nearest to a lumbar body rotation |deg| (ties: the lower). */
int ss_nash_moe_grade_of(double deg);
/* The largest |rotation_deg| over L1..L5 (what a Nash-Moe grade describes). */
double ss_deformity_max_lumbar_rotation(const ss_deformity_params *d);

#endif

/* anatomy_table.h: the one table of anatomical dimensions the parametric spine uses.
 *
 * Every number spine.c builds the lumbar spine from lives here, with its source
 * (../shared/REFERENCE.md §2 or a modelling choice) and, per value, whether it is
 * confirmed by a source or chosen by us ("unconfirmed": correct it here, in one place).
 * Values are for an average adult; spine.c scales them for age, height and sex.
 * Per-vertebra entries have 6 values (L1..L5, S1); per-interspace entries 5 values
 * (L1-L2 .. L5-S1); scalar entries 1 value. This module only holds data: it does not
 * scale, interpolate or build anything. docs/anatomy.md prints the same table.
 */
#ifndef SS_ANATOMY_TABLE_H
#define SS_ANATOMY_TABLE_H

#include <stdbool.h>

typedef enum ss_anat_id {
    /* per vertebra L1..S1 (mm unless said) */
    SS_ANAT_BODY_HEIGHT,
    SS_ANAT_BODY_WIDTH_M,
    SS_ANAT_BODY_WIDTH_F,
    SS_ANAT_BODY_DEPTH,
    SS_ANAT_PEDICLE_WIDTH,
    SS_ANAT_PEDICLE_HEIGHT,
    SS_ANAT_PEDICLE_CONVERGENCE_DEG,
    SS_ANAT_CANAL_WIDTH,
    SS_ANAT_CANAL_AP,
    SS_ANAT_LAMINA_THICKNESS,
    SS_ANAT_SPINOUS_LENGTH,
    SS_ANAT_SPINOUS_THICKNESS,
    SS_ANAT_TRANSVERSE_LENGTH,
    SS_ANAT_SCREW_PATH,
    /* per interspace L1-L2..L5-S1 */
    SS_ANAT_DISC_HEIGHT,
    SS_ANAT_FLAVUM_THICKNESS,
    SS_ANAT_WINDOW_HEIGHT,
    SS_ANAT_WINDOW_WIDTH,
    SS_ANAT_INTERSPINOUS,
    SS_ANAT_FACET_ANGLE_DEG,
    SS_ANAT_LORDOSIS_SHARE,
    SS_ANAT_INTERLAMINAR_NEUTRAL,
    SS_ANAT_INTERLAMINAR_FLEXED,
    /* scalars */
    SS_ANAT_SKIN_THICKNESS,
    SS_ANAT_SUPRASPINOUS_THICKNESS,
    SS_ANAT_MIN_FAT_THICKNESS,
    SS_ANAT_CORTICAL_SHELL,
    SS_ANAT_DURA_THICKNESS,
    SS_ANAT_EPIDURAL_POSTERIOR,
    SS_ANAT_EPIDURAL_ANTERIOR,
    SS_ANAT_SAC_MAX_WIDTH,
    SS_ANAT_SAC_END_BELOW_S1,
    SS_ANAT_CAUDA_ROOT_DIAMETER,
    SS_ANAT_EXITING_ROOT_DIAMETER,
    SS_ANAT_SEGMENTAL_VESSEL_DIAMETER,
    SS_ANAT_EPIDURAL_VEIN_DIAMETER,
    SS_ANAT_DEPTH_ADULT_INTERCEPT,
    SS_ANAT_DEPTH_ADULT_PER_BMI,
    SS_ANAT_DEPTH_CHILD_INTERCEPT,
    SS_ANAT_DEPTH_CHILD_PER_KG,
    SS_ANAT_FLEXION_MAX_DEG,
    SS_ANAT_LORDOSIS_REFERENCE_DEG,
    SS_ANAT_APICAL_ROTATION_PER_COBB,
    SS_ANAT_BODY_EXTRA_ROTATION_DEG,
    SS_ANAT_BODY_EXTRA_ROTATION_FULL_AT_DEG,
    SS_ANAT_NASH_MOE_0_DEG,
    SS_ANAT_NASH_MOE_1_DEG,
    SS_ANAT_NASH_MOE_2_DEG,
    SS_ANAT_NASH_MOE_3_DEG,
    SS_ANAT_NASH_MOE_4_DEG,
    SS_ANAT_END_ROTATION_SHARE,
    SS_ANAT_THORACIC_SPACING,
    SS_ANAT_ADULT_HEIGHT_M_CM,
    SS_ANAT_ADULT_HEIGHT_F_CM,
    SS_ANAT_STATURE_M_CM,
    SS_ANAT_STATURE_F_CM,
    SS_ANAT_SCREW_WIDTH_SHARE,
    SS_ANAT_SCREW_HEAD_DIAMETER,
    SS_ANAT_GRAFT_THICKNESS,
    SS_ANAT_BACK_GROOVE_DEPTH,
    SS_ANAT_BACK_RADIUS,
    SS_ANAT_LAMINA_SLOPE,
    SS_ANAT_LAMINA_MIN_THICKNESS,
    SS_ANAT_GRAFT_IRREGULARITY,
    SS_ANAT_GRAFT_LUMP_SIZE,
    SS_ANAT_SCREW_HEAD_PROUD,
    SS_ANAT_COUNT
} ss_anat_id;

typedef struct ss_anat_entry {
    const char *name;        /* stable machine name, e.g. "body_width_m" */
    const char *unit;        /* "mm", "deg", "1", "cm", "mm/kg", ... */
    int count;               /* 6 per vertebra, 5 per interspace, 8 per age 10..17 y, 1 scalar */
    double value[8];         /* count values (8 only for the stature-by-age entries) */
    unsigned confirmed_mask; /* bit i set: value[i] comes from a source (not our choice) */
    const char *source;      /* where the values come from, and how unconfirmed ones were chosen */
} ss_anat_entry;

/* The entry for id; NULL if id is out of range. */
const ss_anat_entry *ss_anatomy_entry(int id);

/* value[index] of entry id (index 0 for scalars); 0 if out of range. */
double ss_anatomy_value(int id, int index);

/* Whether value[index] of entry id is confirmed by a source. */
bool ss_anatomy_confirmed(int id, int index);

#endif

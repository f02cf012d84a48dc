/* anatomy_table.c: the anatomical dimensions (see anatomy_table.h).
 *
 * "REF" is ../shared/REFERENCE.md §2 (literature values gathered for this project).
 * A value whose bit is not set in confirmed_mask is our choice (unconfirmed): the
 * source string says how it was chosen. Masks: bit 0 = L1 (or L1-L2 / the scalar).
 */
#include "anatomy_table.h"

#include <stddef.h>

#define B(i) (1u << (i))
#define ALL5 0x1fu

static const ss_anat_entry ss__table[SS_ANAT_COUNT] = {
    /* ------------------------------------------------------------ per vertebra L1..S1 */
    [SS_ANAT_BODY_HEIGHT] = {"body_height", "mm", 6, {27.0, 27.0, 27.0, 27.0, 28.3, 28.0}, B(0) | B(1) | B(2) | B(3) | B(4),
        "REF: ~27 at every level; L5 anterior 30.3 / posterior 26.3, modelled as its mean 28.3 without "
        "wedging (lordosis goes into the discs). S1 28 unconfirmed."},
    [SS_ANAT_BODY_WIDTH_M] = {"body_width_m", "mm", 6, {36.3, 38.7, 41.2, 43.6, 46.0, 48.0}, B(0) | B(4),
        "REF: L1 36.3 -> L5 46.0 (male); L2-L4 linear between; S1 48 unconfirmed."},
    [SS_ANAT_BODY_WIDTH_F] = {"body_width_f", "mm", 6, {31.6, 34.4, 37.2, 40.0, 42.8, 45.0}, B(0) | B(4),
        "REF: L1 31.6 -> L5 42.8 (female); L2-L4 linear between; S1 45 unconfirmed."},
    [SS_ANAT_BODY_DEPTH] = {"body_depth", "mm", 6, {32.0, 33.0, 34.0, 35.0, 35.7, 36.0}, B(4),
        "REF: L5 upper endplate 35.7; L1-L4 and S1 unconfirmed (growing ~1 mm a level)."},
    [SS_ANAT_PEDICLE_WIDTH] = {"pedicle_width", "mm", 6, {7.4, 8.6, 9.8, 11.0, 12.2, 14.0}, B(0) | B(4),
        "REF: L1 7.4 -> L5 12.2; L2-L4 linear; S1 14 unconfirmed."},
    [SS_ANAT_PEDICLE_HEIGHT] = {"pedicle_height", "mm", 6, {14.6, 14.2, 13.8, 13.4, 12.9, 14.0}, B(0) | B(3) | B(4),
        "REF: L1 14.6 -> L4 13.4, L5 12.9; L2-L3 linear; S1 14 unconfirmed."},
    [SS_ANAT_PEDICLE_CONVERGENCE_DEG] = {"pedicle_convergence", "deg", 6, {10, 12, 15, 20, 25, 30}, 0,
        "Unconfirmed: transverse pedicle angle to the midsagittal plane, rising caudally (common textbook ~10-30 deg)."},
    [SS_ANAT_CANAL_WIDTH] = {"canal_width", "mm", 6, {22.0, 23.2, 24.5, 25.8, 27.0, 28.0}, B(0) | B(4),
        "REF: interpedicular L1 ~22 -> L5 ~27; L2-L4 linear; S1 28 unconfirmed."},
    [SS_ANAT_CANAL_AP] = {"canal_ap", "mm", 6, {17.5, 16.5, 15.0, 15.3, 15.6, 15.0}, B(4),
        "REF: 11-26, narrowest at L3, L5 15.6; other levels unconfirmed within that range."},
    [SS_ANAT_LAMINA_THICKNESS] = {"lamina_thickness", "mm", 6, {6.0, 6.5, 7.2, 8.2, 9.4, 8.0}, B(4),
        "REF: up to 9.4 at L5; L1-L4 and S1 unconfirmed, thinner cranially."},
    [SS_ANAT_SPINOUS_LENGTH] = {"spinous_length", "mm", 6, {24.0, 25.0, 25.0, 24.0, 20.0, 12.0}, 0,
        "Unconfirmed: lamina junction to spinous tip; S1 = median sacral crest height."},
    [SS_ANAT_SPINOUS_THICKNESS] = {"spinous_thickness", "mm", 6, {6.0, 6.5, 7.0, 7.0, 7.0, 6.0}, 0,
        "Unconfirmed: left-right thickness of the spinous process."},
    [SS_ANAT_TRANSVERSE_LENGTH] = {"transverse_length", "mm", 6, {14.0, 18.0, 22.0, 19.0, 15.0, 26.0}, 0,
        "Unconfirmed: beyond the pedicle, L3 longest; S1 = ala lateral extent."},
    [SS_ANAT_SCREW_PATH] = {"screw_path", "mm", 6, {48.0, 50.0, 52.0, 55.0, 52.0, 40.0}, B(3) | B(4),
        "REF: pedicle screw path L4 55, L5 52; others unconfirmed. Screw length = 0.85 x path."},
    /* ------------------------------------------------------------ per interspace L1-L2..L5-S1 */
    [SS_ANAT_DISC_HEIGHT] = {"disc_height", "mm", 5, {7.9, 9.3, 10.6, 12.0, 11.1}, B(0) | B(3) | B(4),
        "REF: middle height L1-2 7.9 -> L4-5 12.0, L5-S1 11.1; L2-3, L3-4 linear."},
    [SS_ANAT_FLAVUM_THICKNESS] = {"flavum_thickness", "mm", 5, {3.0, 3.2, 3.4, 3.7, 3.6}, B(1) | B(2) | B(3) | B(4),
        "REF: L2-3 3.2, L3-4 3.4, L4-5 3.7, L5-S1 3.6; L1-2 3.0 unconfirmed."},
    [SS_ANAT_WINDOW_HEIGHT] = {"window_height", "mm", 5, {14.0, 13.0, 12.0, 11.1, 9.35}, B(0) | B(3) | B(4),
        "REF: interlaminar window height 'L2 14.0 -> L5 11.1; L5-S1 9.1-9.6' read as L1-2 .. L4-5 "
        "(window above the named vertebra), L5-S1 9.35 (mid range); L2-3, L3-4 linear. Neutral posture."},
    [SS_ANAT_WINDOW_WIDTH] = {"window_width", "mm", 5, {16.3, 17.3, 21.7, 27.7, 23.6}, ALL5,
        "REF: interlaminar window width 'L2 16.3, L3 17.3, L4 21.7, L5 27.7; L5-S1 23.6' read as "
        "L1-2 .. L4-5 (window above the named vertebra)."},
    [SS_ANAT_INTERSPINOUS] = {"interspinous_distance", "mm", 5, {12.5, 12.0, 11.0, 10.0, 8.0}, B(1) | B(4),
        "REF: L2-3 ~12, L5-S1 ~8; L1-2 12.5 unconfirmed; L3-4, L4-5 linear. Neutral posture."},
    [SS_ANAT_FACET_ANGLE_DEG] = {"facet_angle", "deg", 5, {30.0, 36.0, 45.0, 48.0, 50.0}, B(0) | B(2) | B(3) | B(4),
        "REF: to the midsagittal plane L1-L2 26-34, L3-L5 40-56 (mid values taken); L2-3 36 unconfirmed."},
    [SS_ANAT_LORDOSIS_SHARE] = {"lordosis_share", "1", 5, {0.07, 0.12, 0.17, 0.26, 0.38}, 0,
        "Unconfirmed: share of L1-S1 lordosis per segment, about two thirds at L4-S1 as commonly reported."},
    [SS_ANAT_INTERLAMINAR_NEUTRAL] = {"interlaminar_neutral", "mm", 5, {14.9, 14.2, 13.5, 12.9, 12.2}, B(0) | B(4),
        "REF: interlaminar distance neutral 14.9 (L1-2) .. 12.2 (L5-S1); between linear. Reference "
        "for tests only (the model uses window_height)."},
    [SS_ANAT_INTERLAMINAR_FLEXED] = {"interlaminar_flexed", "mm", 5, {18.5, 18.2, 17.9, 17.5, 17.2}, B(0) | B(4),
        "REF: flexed 18.5 (L1-2) .. 17.2 (L5-S1); between linear. Reference for tests only."},
    /* ------------------------------------------------------------ scalars */
    [SS_ANAT_SKIN_THICKNESS] = {"skin_thickness", "mm", 1, {2.0}, 0,
        "Unconfirmed: epidermis + dermis of the back, ~2 mm (issue 3)."},
    [SS_ANAT_SUPRASPINOUS_THICKNESS] = {"supraspinous_thickness", "mm", 1, {3.0}, 0,
        "Unconfirmed: supraspinous ligament over the spinous tips."},
    [SS_ANAT_MIN_FAT_THICKNESS] = {"min_fat_thickness", "mm", 1, {1.5}, 0,
        "Unconfirmed: floor on subcutaneous fat when the requested depth is shallower than the bones allow."},
    [SS_ANAT_CORTICAL_SHELL] = {"cortical_shell", "mm", 1, {1.0}, 0,
        "Unconfirmed: cortical shell thickness (vertebral cortex 0.4-1.5 mm; 1.0 so that 0.5 mm voxels resolve it)."},
    [SS_ANAT_DURA_THICKNESS] = {"dura_thickness", "mm", 1, {1.0}, 0,
        "Unconfirmed: dura + arachnoid modelled 1.0 mm (real ~0.3-0.5) so that 0.5-1 mm voxels keep it closed."},
    [SS_ANAT_EPIDURAL_POSTERIOR] = {"epidural_posterior", "mm", 1, {2.0}, 0,
        "Unconfirmed: posterior epidural fat depth at the midline (flavum to dura); 2 mm (was 4): the thin layer of a flexed back, so that flavum, fat and dura read as one posterior complex as on a scan (REFERENCE 7)."},
    [SS_ANAT_EPIDURAL_ANTERIOR] = {"epidural_anterior", "mm", 1, {1.0}, 0,
        "Unconfirmed: anterior epidural space (vertebral body to dura)."},
    [SS_ANAT_SAC_MAX_WIDTH] = {"sac_max_width", "mm", 1, {18.0}, 0,
        "Unconfirmed: transverse diameter of the thecal sac, at most canal width - 6."},
    [SS_ANAT_SAC_END_BELOW_S1] = {"sac_end_below_s1", "mm", 1, {40.0}, 0,
        "Unconfirmed: the dural sac ends at S2, taken 40 mm below the S1 upper endplate."},
    [SS_ANAT_CAUDA_ROOT_DIAMETER] = {"cauda_root_diameter", "mm", 1, {1.2}, 0,
        "Unconfirmed: cauda equina root diameter (single roots ~1-3 mm); 1.2 (was 2.0) so that they read as thin, faint lines."},
    [SS_ANAT_EXITING_ROOT_DIAMETER] = {"exiting_root_diameter", "mm", 1, {5.0}, 0,
        "Unconfirmed: exiting root with its ganglion in the foramen."},
    [SS_ANAT_SEGMENTAL_VESSEL_DIAMETER] = {"segmental_vessel_diameter", "mm", 1, {2.0}, 0,
        "Unconfirmed: lumbar segmental artery/vein near the foramen."},
    [SS_ANAT_EPIDURAL_VEIN_DIAMETER] = {"epidural_vein_diameter", "mm", 1, {3.0}, 0,
        "Unconfirmed: anterior internal vertebral venous plexus, two longitudinal channels."},
    [SS_ANAT_DEPTH_ADULT_INTERCEPT] = {"depth_adult_intercept", "mm", 1, {17.8}, B(0),
        "REF: skin to epidural space at L3-4 ~ 17.8 + 0.978*BMI (used for skin to flavum, as patient.h says)."},
    [SS_ANAT_DEPTH_ADULT_PER_BMI] = {"depth_adult_per_bmi", "mm/(kg/m^2)", 1, {0.978}, B(0), "REF: as above."},
    [SS_ANAT_DEPTH_CHILD_INTERCEPT] = {"depth_child_intercept", "mm", 1, {3.9}, B(0),
        "REF: children, skin to epidural ~ 0.8 mm/kg * weight + 3.9."},
    [SS_ANAT_DEPTH_CHILD_PER_KG] = {"depth_child_per_kg", "mm/kg", 1, {0.8}, B(0), "REF: as above."},
    [SS_ANAT_FLEXION_MAX_DEG] = {"flexion_max", "deg", 1, {40.0}, 0,
        "Unconfirmed: L1-S1 lordosis removed at full flexion, spread evenly over the 5 segments; chosen so "
        "that windows open ~4-5 mm from neutral to flexed as REF's interlaminar distances do."},
    [SS_ANAT_LORDOSIS_REFERENCE_DEG] = {"lordosis_reference", "deg", 1, {45.0}, 0,
        "Unconfirmed: the L1-S1 lordosis at which window_height and interspinous_distance hold."},
    [SS_ANAT_APICAL_ROTATION_PER_COBB] = {"apical_rotation_per_cobb", "1", 1, {0.4}, B(0),
        "REF: apical axial rotation ~0.4 x Cobb (46 deg <-> 19.5 deg)."},
    [SS_ANAT_BODY_EXTRA_ROTATION_DEG] = {"body_extra_rotation", "deg", 1, {6.0}, B(0),
        "REF: the vertebral body rotates ~6 deg more than the posterior elements."},
    [SS_ANAT_BODY_EXTRA_ROTATION_FULL_AT_DEG] = {"body_extra_rotation_full_at", "deg", 1, {20.0}, 0,
        "Unconfirmed: the 6 deg difference ramps in linearly up to this body rotation (none without rotation)."},
    [SS_ANAT_NASH_MOE_0_DEG] = {"nash_moe_0", "deg", 1, {0.0}, 0,
        "Unconfirmed (REF: Nash-Moe <-> degrees is poorly defined): grade 0 -> 0 deg apical rotation."},
    [SS_ANAT_NASH_MOE_1_DEG] = {"nash_moe_1", "deg", 1, {8.0}, 0, "Unconfirmed: grade I -> 8 deg."},
    [SS_ANAT_NASH_MOE_2_DEG] = {"nash_moe_2", "deg", 1, {18.0}, 0, "Unconfirmed: grade II -> 18 deg."},
    [SS_ANAT_NASH_MOE_3_DEG] = {"nash_moe_3", "deg", 1, {28.0}, 0, "Unconfirmed: grade III -> 28 deg."},
    [SS_ANAT_NASH_MOE_4_DEG] = {"nash_moe_4", "deg", 1, {38.0}, 0, "Unconfirmed: grade IV -> 38 deg."},
    [SS_ANAT_END_ROTATION_SHARE] = {"end_rotation_share", "1", 1, {0.15}, 0,
        "Unconfirmed: rotation left at the end vertebrae as a share of the apical rotation."},
    [SS_ANAT_THORACIC_SPACING] = {"thoracic_spacing", "mm", 1, {30.0}, 0,
        "Unconfirmed: T7-T12 body + disc height, used only to place thoracic apex/end vertebrae on the curve."},
    [SS_ANAT_ADULT_HEIGHT_M_CM] = {"adult_height_m", "cm", 1, {175.0}, 0,
        "Unconfirmed: stature at which the adult dimensions hold (male)."},
    [SS_ANAT_ADULT_HEIGHT_F_CM] = {"adult_height_f", "cm", 1, {162.0}, 0,
        "Unconfirmed: stature at which the adult dimensions hold (female)."},
    [SS_ANAT_STATURE_M_CM] = {"stature_m", "cm", 8, {138, 143, 149, 156, 164, 170, 173, 175}, 0,
        "Unconfirmed: typical stature of boys aged 10..17 y (approximate growth-chart medians), used when "
        "height_cm is 0; below 10 y extrapolated 6 cm a year."},
    [SS_ANAT_STATURE_F_CM] = {"stature_f", "cm", 8, {138, 144, 151, 157, 160, 162, 162, 163}, 0,
        "Unconfirmed: typical stature of girls aged 10..17 y, as above."},
    [SS_ANAT_SCREW_WIDTH_SHARE] = {"screw_width_share", "1", 1, {0.8}, B(0),
        "REF: pedicle screw diameter ~80 % of pedicle width (clamped to 4.5-7.5 mm, our choice)."},
    [SS_ANAT_SCREW_HEAD_DIAMETER] = {"screw_head_diameter", "mm", 1, {12.0}, 0,
        "Unconfirmed: polyaxial tulip head diameter (the rod runs through its centre)."},
    [SS_ANAT_GRAFT_THICKNESS] = {"graft_thickness", "mm", 1, {7.0}, 0,
        "Unconfirmed: posterior fusion mass thickness over the laminae."},
    [SS_ANAT_BACK_GROOVE_DEPTH] = {"back_groove_depth", "mm", 1, {3.0}, 0,
        "Unconfirmed: depth of the midline furrow between the paraspinal bulges."},
    [SS_ANAT_BACK_RADIUS] = {"back_radius", "mm", 1, {300.0}, 0,
        "Unconfirmed: transverse radius of curvature of the skin of the lower back."},
    [SS_ANAT_LAMINA_SLOPE] = {"lamina_slope", "1", 1, {0.27}, 0,
        "Unconfirmed: the lamina's posterior surface sinks this much per mm towards its superior border "
        "(about 15 deg: the shingled laminae of a lumbar sagittal section), limited by lamina_min_thickness."},
    [SS_ANAT_LAMINA_MIN_THICKNESS] = {"lamina_min_thickness", "mm", 1, {2.5}, 0,
        "Unconfirmed: the lamina's thickness at its superior border."},
    [SS_ANAT_GRAFT_IRREGULARITY] = {"graft_irregularity", "mm", 1, {1.5}, 0,
        "Unconfirmed: how far the surface of a morcellised-bone fusion mass departs from smooth (its lumps)."},
    [SS_ANAT_GRAFT_LUMP_SIZE] = {"graft_lump_size", "mm", 1, {4.0}, 0,
        "Unconfirmed: feature size of the graft's lumps (morcellised chips of a few millimetres)."},
    [SS_ANAT_SCREW_HEAD_PROUD] = {"screw_head_proud", "mm", 1, {4.0}, 0,
        "Unconfirmed: the rod's top stands this far proud of the fusion mass (polyaxial heads sit on the "
        "bone, the rods above the graft laid in the gutters beside and under them)."},
};

const ss_anat_entry *ss_anatomy_entry(int id)
{
    if (id < 0 || id >= SS_ANAT_COUNT) return NULL;
    return &ss__table[id];
}

double ss_anatomy_value(int id, int index)
{
    const ss_anat_entry *e = ss_anatomy_entry(id);
    if (!e || index < 0 || index >= e->count) return 0.0;
    return e->value[index];
}

bool ss_anatomy_confirmed(int id, int index)
{
    const ss_anat_entry *e = ss_anatomy_entry(id);
    if (!e || index < 0 || index >= e->count) return false;
    return (e->confirmed_mask >> index) & 1u;
}

/* views.h: the standard ultrasound views of the lumbar spine, placed on the patient
 * model, and what each of them shows.
 *
 * The views (DESIGN.md; Wei et al. 2023, Fig. 1):
 *   spinous                  probe on the skin over the line of the two spinous tips
 *                            (where the sonographer sees them; with axial rotation the
 *                            tips swing toward the concavity, away from the canal),
 *                            centred on the upper vertebra's spinous process ("moved
 *                            toward the median plane to reveal the spinous process",
 *                            Fig. 1b), sagittal (array cranio-caudal), beam perpendicular
 *                            to the spine: the spinous processes and their shadows;
 *   near-spinous             from the midline at the interspace, slid toward the chosen
 *                            side, still parallel to the spine, to the first plane whose
 *                            central lines are off the spinous processes and show the
 *                            canal (posterior to anterior dura) — the paper's view; not
 *                            yet parasagittal;
 *   parasagittal-oblique     SS_VIEW_PARASAGITTAL_OFFSET_MM lateral of the window centre,
 *                            tilted medially by SS_VIEW_PARASAGITTAL_TILT_DEG ("positioned
 *                            over the lamina and angled slightly towards the midline");
 *   transverse-interlaminar  transverse over the interspinous space;
 *   transverse-spinous       transverse over the spinous process tip of the upper vertebra.
 * Sagittal views hold the probe with its marker cephalad: cranial on the image's left,
 * the array's +x toward the feet, so a puncture frame on the +x end sends the needle
 * cephalad, under the upper lamina, as in every paramedian approach.
 * "Perpendicular to the spine" is the interspace's view frame (spine.h), which follows
 * the curve but not the axial rotation: what a sonographer sees from the back.
 *
 * Measures (instructor tools, tests):
 *   canal_visibility  over the central scan lines (|angle| <= SS_VIEW_CENTRAL_DEG), the
 *                     fraction of the thecal-sac path (dura, CSF, roots) that the beam
 *                     reaches before any bone, graft or metal;
 *   window_width_mm   the run of adjacent scan lines reaching the sac without bone that
 *                     holds a central line (the gap the view is aimed at; runs at the
 *                     edges of a wide fan belong to neighbouring interspaces), measured
 *                     across the image at the depth of the posterior dura. A view whose
 *                     central lines all meet bone first (visibility 0) has width 0.
 */
#ifndef SS_VIEWS_H
#define SS_VIEWS_H

#include <stdbool.h>
#include <stddef.h>

#include "probe.h"
#include "session_script.h"
#include "spine.h"

/* "approximately 1-2 cm away from the spinous process view" (Wei et al. 2023) */
#define SS_VIEW_PARASAGITTAL_OFFSET_MM 15.0
/* Medial tilt of the parasagittal oblique view: "angled slightly towards the midline"
 * (unconfirmed as a number: our choice; docs/view-claims.md measures 10 and 15 deg too). */
#define SS_VIEW_PARASAGITTAL_TILT_DEG 12.0
#define SS_VIEW_NEAR_SPINOUS_MAX_MM 12.0 /* beyond this it is no longer "near" */
/* the canal "shows": this fraction of the sac on the central lines reached before bone */
#define SS_VIEW_NEAR_SPINOUS_MIN_VISIBILITY 0.1
/* The central lines: the middle fifth of the 70 deg convex image, about 25 mm across at
 * the depth of the canal, less than one vertebral pitch (30-37 mm): the part of the image
 * a view is aimed at and where the needle on the frame meets the canal. */
#define SS_VIEW_CENTRAL_DEG 7.0
/* Rotations closer than this count as equal when picking the level (unconfirmed: below
 * what the pre-procedure X-ray tells apart; a Nash-Moe grade spans far more). */
#define SS_VIEW_PICK_TIE_DEG 2.0

typedef struct ss_view_measure {
    int level;
    ss_view view;
    bool right;
    double canal_visibility;   /* 0..1 */
    double window_width_mm;
    double rotation_deg;       /* posterior-element rotation at the interspace */
    double lateral_offset_mm;  /* probe centre from the midline */
    double tilt_deg;           /* beam tilt from the view normal */
} ss_view_measure;

/* Pose of a standard view (the probe face centre on the skin). */
ss_status ss_view_pose(const ss_spine *spine, const ss_probe *probe, int level, ss_view view, bool right,
                       ss_probe_pose *out);

/* Sagittal pose (beam along the view normal) lateral_mm from the interspinous point
 * toward the side, on the skin. */
ss_status ss_view_sagittal_pose(const ss_spine *spine, int level, double lateral_mm, bool right, ss_probe_pose *out);

/* Canal visibility and window width of any probe pose (e.g. the trainee's). */
void ss_view_measure_pose(const ss_spine *spine, const ss_probe *probe, const ss_probe_pose *pose, double *visibility,
                          double *window_width_mm);

/* Scan-line spacing across the image depth_mm below the probe face (the unit of the
 * window width). */
double ss_view_line_spacing_mm(const ss_probe *probe, double depth_mm);

/* The measures of a view at its pose. */
ss_status ss_view_measure_at(const ss_spine *spine, const ss_probe *probe, int level, ss_view view, bool right,
                             ss_view_measure *out);

/* The interspace a careful sonographer picks, by the paper's rule (Wei et al. 2023,
 * Methods and Discussion): after fusion, the interspace with the reserved channel
 * (laminotomy, or left ungrafted); otherwise the interspace with the smallest rotation.
 * Either way only among interspaces whose near-spinous view shows the canal in the
 * pre-procedure scan, and by smallest rotation where several qualify; rotations within
 * SS_VIEW_PICK_TIE_DEG of the least are taken as equal and the customary puncture levels
 * (L3-L4, L4-L5, then L2-L3, L5-S1, L1-L2) go first. The widest
 * near-spinous window is reported beside it: the two need not agree, because the
 * interlaminar windows themselves shrink from L1-L2 to L5-S1. */
typedef enum ss_pick_reason {
    SS_PICK_NONE = 0,       /* no interspace shows the canal in the near-spinous view */
    SS_PICK_CHANNEL,        /* the reserved channel through a fusion */
    SS_PICK_LEAST_ROTATED,  /* the least rotated interspace */
} ss_pick_reason;

typedef struct ss_level_pick {
    int level;              /* SS_LEVEL_*, -1 with SS_PICK_NONE */
    ss_pick_reason reason;
    double rotation_deg;
    int widest_level;       /* widest near-spinous window, -1 if none shows */
    double widest_mm;
} ss_level_pick;

/* near_spinous[l]: ss_view_measure_at(..., l, SS_VIEW_NEAR_SPINOUS, ...) for every level. */
ss_status ss_view_pick_level(const ss_spine *spine, const ss_view_measure near_spinous[SS_LEVEL_COUNT],
                             ss_level_pick *out);
const char *ss_pick_reason_text(ss_pick_reason reason);

/* The paper's claims about the views (Wei et al. 2023, Discussion), checked on one
 * patient's measures at every level, one side, so an instructor sees where the model of
 * a case teaches them and where it does not:
 *   wider          the near-spinous window is wider than the parasagittal oblique one,
 *                  by more than one scan line (line_mm: the line spacing 60 mm deep, an
 *                  upper bound at the depths of the dura); not judged where neither view
 *                  shows the canal;
 *   hidden         the spinous view shows no canal ("acoustic shadows appear under the
 *                  spinous processes"); not judged where no view shows the canal (a
 *                  grafted level hides it from every view);
 *   least_widest   among the interspaces whose near-spinous view shows the canal, the
 *                  least rotated (within SS_VIEW_PICK_TIE_DEG of the least, as the pick
 *                  counts them) have the widest near-spinous window, by more than one line
 *                  over every other; not judged when no interspace is clearly more rotated
 *                  (an unrotated spine) or fewer than two show the canal. */
typedef enum ss_claim {
    SS_CLAIM_NOT_JUDGED = 0,
    SS_CLAIM_HOLDS,
    SS_CLAIM_FAILS,
} ss_claim;

typedef struct ss_view_claims {
    double line_mm;
    ss_claim wider[SS_LEVEL_COUNT];
    ss_claim hidden[SS_LEVEL_COUNT];
    ss_claim least_widest;
    double least_rotation_deg;    /* |rotation| of the least rotated that shows the canal */
    int least_level;              /* widest of the least rotated; -1 when not judged */
    int rival_level;              /* widest of the others; -1 when not judged */
    int widest_level;             /* widest near-spinous window, -1 when none shows */
    int showing;                  /* interspaces whose near-spinous view shows the canal */
} ss_view_claims;

/* m[l][v]: ss_view_measure_at(..., l, v, ...) for every level and view, one side. */
ss_status ss_view_claims_check(const ss_probe *probe, const ss_view_measure m[SS_LEVEL_COUNT][SS_VIEW_COUNT],
                               ss_view_claims *out);

/* One sentence per claim (0 wider, 1 hidden, 2 least_widest) naming the levels where it
 * holds and where it does not, with the figures; plain text without markup characters. */
void ss_view_claims_text(const ss_view_claims *c, const ss_view_measure m[SS_LEVEL_COUNT][SS_VIEW_COUNT], int claim,
                         char *buf, size_t n);

#endif

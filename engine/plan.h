/* plan.h: planning a guided puncture, as the pre-procedure scan does: with the probe in a
 * view, slide it along the image plane and choose the puncture-frame angle so that the
 * needle line reaches the CSF without touching bone, graft or metal, and the probe sees the
 * tip arrive (ss_plan_sight: at best the scan lines to the point where it enters the CSF
 * and to where it stops, SS_PLAN_TIP_IN_CSF_MM further, cross no bone). Used by the expert
 * demonstration and, later, for the trainee's hints. It does not move anything. */
#ifndef SS_PLAN_H
#define SS_PLAN_H

#include <stdbool.h>

#include "guide_frame.h"
#include "world.h"

#define SS_PLAN_MAX_SLIDE_MM 35.0
/* how far past the dura an expert takes the tip before withdrawing the stylet */
#define SS_PLAN_TIP_IN_CSF_MM 1.5

/* How much of the tip's arrival in the canal the probe must see. */
typedef enum ss_plan_sight {
    SS_PLAN_SEE_NOTHING = 0, /* bone-free path only */
    SS_PLAN_SEE_PATH = 1,    /* some point from 3 mm before the CSF to 4 mm into it */
    SS_PLAN_SEE_TIP = 2      /* where it enters the CSF and where it stops */
} ss_plan_sight;

typedef struct ss_plan {
    ss_plan_sight sight;     /* what the found plan lets the probe see */
    bool found;              /* a bone-free line into the CSF exists */
    double slide_mm;         /* probe displacement along its array axis (+x, toward the frame) */
    double slide_world_mm[3];/* the same in the patient frame (for probe.move) */
    double angle_deg;        /* frame angle */
    double depth_to_csf_mm;  /* along the needle from the skin */
    double lateral_mm;       /* ss_plan_from_view: the fine sideways step (+ along the probe's
                                elevation axis), already in slide_world_mm */
    int tried;               /* candidate lines examined */
} ss_plan;

/* Searches slides from 0 outward (2 mm steps up to max_slide_mm, at most
 * SS_PLAN_MAX_SLIDE_MM; 0: this pose only) and, for each, frame angles in [min_deg,
 * max_deg] from the one aimed at the world's aim point outward (2 deg steps); the first
 * clear line that enters the canal through this interspace wins. */
ss_status ss_plan_puncture(const ss_world *w, const ss_probe *probe, const ss_probe_pose *pose, int level,
                           double min_deg, double max_deg, ss_plan_sight need, double max_slide_mm, ss_plan *out);

/* The pre-procedure plan from a view as placed, as an expert makes it: the tip watched
 * all the way in if at all possible, else its path near the canal, else only a bone-free
 * line; for each, the probe as placed, then the fine sideways steps an expert makes (up
 * to 4 mm, still the same view), each with slides along the spine up to
 * SS_PLAN_MAX_SLIDE_MM. out->found is false when no bone-free line exists. */
ss_status ss_plan_from_view(const ss_world *w, const ss_probe *probe, const ss_probe_pose *pose, int level,
                            double min_deg, double max_deg, ss_plan *out);

/* The frame angle for a bone-free line into the sac through the interspace from this
 * pose exactly (no slide), the best sight first; false when there is none. */
bool ss_plan_angle_here(const ss_world *w, const ss_probe *probe, const ss_probe_pose *pose, int level,
                        double min_deg, double max_deg, ss_plan *out);

#endif

/* plan.h: planning a guided puncture, as the pre-procedure scan does: with the probe in a
 * view, slide it along the image plane and choose the puncture-frame angle so that the
 * needle line reaches the CSF without touching bone, graft or metal. Used by the expert
 * demonstration and, later, for the trainee's hints. It does not move anything. */
#ifndef SS_PLAN_H
#define SS_PLAN_H

#include <stdbool.h>

#include "sim.h"

#define SS_PLAN_MAX_SLIDE_MM 35.0

typedef struct ss_plan {
    bool found;              /* a bone-free line into the CSF exists */
    double slide_mm;         /* probe displacement along its array axis (+x, toward the frame) */
    double slide_world_mm[3];/* the same in the patient frame (for probe.move) */
    double angle_deg;        /* frame angle */
    double depth_to_csf_mm;  /* along the needle from the skin */
    int tried;               /* candidate lines examined */
} ss_plan;

/* Searches slides from 0 outward (2 mm steps up to SS_PLAN_MAX_SLIDE_MM) and, for each,
 * frame angles in [min_deg, max_deg] from the one aimed at the world's aim point
 * outward (2 deg steps); the first clear line that enters the canal through this
 * interspace wins. */
ss_status ss_plan_puncture(const ss_world *w, const ss_probe *probe, const ss_probe_pose *pose, int level,
                           double min_deg, double max_deg, ss_plan *out);

#endif

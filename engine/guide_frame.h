/* guide_frame.h: the puncture frame (biopsy guide) clipped to the convex probe: where the
 * needle line it holds runs for a probe pose and frame angle, and the angle that aims it
 * at a point. The frame sits at the probe's +x end (along the array), in the image
 * plane, SS_SIM_GUIDE_OFFSET_MM beyond the end of the aperture; the needle runs toward
 * -x at the frame angle to the beam axis. */
#ifndef SS_GUIDE_FRAME_H
#define SS_GUIDE_FRAME_H

#include <stdbool.h>

#include "probe.h"

#define SS_SIM_GUIDE_OFFSET_MM 8.0 /* frame beyond the end of the aperture */

/* The puncture frame's needle line for a probe pose and frame angle: start (outside the
 * skin, SS_SIM_NEEDLE_STANDOFF_MM back from the frame's exit) and unit direction. */
#define SS_SIM_NEEDLE_STANDOFF_MM 5.0
void ss_guide_line(const ss_probe *probe, const ss_probe_pose *pose, double angle_deg, double start_mm[3],
                   double dir[3]);

/* Frame angle (deg) whose line passes through a point projected into the image plane;
 * false when the point is not below the face. */
bool ss_guide_angle_to(const ss_probe *probe, const ss_probe_pose *pose, const double point_mm[3], double *angle_deg);

/* The frame's needle path in the image plane, probe frame (x along the array, y into the
 * body): where it leaves the frame at the face (y = 0) and its unit direction. What a
 * scanner draws as the biopsy guide line. */
void ss_guide_path_probe(const ss_probe *probe, double angle_deg, double exit_xy[2], double dir_xy[2]);

#endif

/* guide_frame.c: the puncture frame's geometry (see guide_frame.h). */
#define _DEFAULT_SOURCE /* M_PI */
#include "guide_frame.h"

#include <math.h>

static void ss__to_world(const ss_probe_pose *p, const double q[3], double out[3])
{
    for (int i = 0; i < 3; i++)
        out[i] = p->origin_mm[i] + q[0] * p->axis_x[i] + q[1] * p->axis_y[i] + q[2] * p->axis_z[i];
}

static void ss__dir_to_world(const ss_probe_pose *p, const double q[3], double out[3])
{
    for (int i = 0; i < 3; i++) out[i] = q[0] * p->axis_x[i] + q[1] * p->axis_y[i] + q[2] * p->axis_z[i];
}

static double ss__aperture_half_mm(const ss_probe *pr)
{
    if (pr->kind == SS_PROBE_LINEAR) return pr->width_mm / 2.0;
    return pr->radius_mm * sin(pr->fov_deg * M_PI / 360.0);
}

void ss_guide_path_probe(const ss_probe *probe, double angle_deg, double exit_xy[2], double dir_xy[2])
{
    double a = angle_deg * M_PI / 180.0;
    exit_xy[0] = ss__aperture_half_mm(probe) + SS_SIM_GUIDE_OFFSET_MM;
    exit_xy[1] = 0.0;
    dir_xy[0] = -sin(a);
    dir_xy[1] = cos(a);
}

void ss_guide_line(const ss_probe *probe, const ss_probe_pose *pose, double angle_deg, double start[3], double dir[3])
{
    double e[2], d[2];
    ss_guide_path_probe(probe, angle_deg, e, d);
    double dq[3] = {d[0], d[1], 0};
    double mq[3] = {e[0] - dq[0] * SS_SIM_NEEDLE_STANDOFF_MM, e[1] - dq[1] * SS_SIM_NEEDLE_STANDOFF_MM, 0};
    ss__to_world(pose, mq, start);
    ss__dir_to_world(pose, dq, dir);
}

bool ss_guide_angle_to(const ss_probe *probe, const ss_probe_pose *pose, const double point_mm[3], double *angle_deg)
{
    double q[3];
    ss_probe_pose_world_to_probe(pose, point_mm, q);
    if (q[1] <= 1.0) return false;
    double xm = ss__aperture_half_mm(probe) + SS_SIM_GUIDE_OFFSET_MM;
    *angle_deg = atan2(xm - q[0], q[1]) * 180.0 / M_PI;
    return true;
}


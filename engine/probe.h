/* probe.h: the ultrasound probe: transducer model, beam shape, scan-line geometry and
 * the probe's pose in the patient frame.
 *
 * Probe frame (DESIGN.md): origin at the centre of the transducer face, +y into the
 * body along the central beam, +x along the array, +z = x cross y (elevation).
 * Scan lines lie in the image plane z = 0.
 *   convex: the face is an arc of radius radius_mm whose centre of curvature is at
 *     (0, -radius_mm); line i leaves the arc at angle theta_i from the central beam
 *     (theta_i spans fov_deg evenly, line 0 at -fov/2, i.e. towards -x), direction
 *     (sin theta, cos theta).
 *   linear: line i starts at x_i = -width/2 + (i + 0.5) * width / lines, direction +y.
 *   Sample j of every line lies at depth (j + 0.5) * depth_mm / samples along the
 *   line, measured from the face (path length; no speed-of-sound delay model).
 * Beam (all sigmas are of the two-way amplitude profile, Gaussian):
 *   axial      sigma_a = lambda / 2 (about a 2-cycle pulse), lambda = 1.54 mm / f_MHz;
 *   lateral    transmit x dynamic receive: 1/sigma_l^2 = 1/sigma_tx(z)^2 + 1/sigma_rx(z)^2,
 *              sigma_tx(z) = sqrt2 lambda F# sqrt(1 + ((z - focal_depth) / z_R)^2),
 *              z_R = 2 pi sigma_tx0^2 / lambda (Gaussian beam of amplitude sigma sigma_tx0,
 *              intensity 1/e^2 radius sqrt2 sigma_tx0); sigma_rx = sqrt2 lambda F# max(1,
 *              z / focal_depth) (the receive aperture stops growing at focal_depth / F#):
 *              lambda F# at the focus, wider nearer the face and, in proportion to depth,
 *              beyond the focus;
 *   elevation  sigma_e(z) likewise with sigma_e0 = slice FWHM / 2.355 focused at
 *              elevation_focus_mm (fixed acoustic lens).
 * This module does not simulate anything; it only answers geometry questions.
 */
#ifndef SS_PROBE_H
#define SS_PROBE_H

#include <stdbool.h>

#include "error.h"

#define SS_PROBE_C0_M_S 1540.0f /* speed of sound the scanner assumes */

typedef enum ss_probe_kind { SS_PROBE_CONVEX = 0, SS_PROBE_LINEAR = 1 } ss_probe_kind;

typedef struct ss_probe {
    ss_probe_kind kind;
    float freq_mhz;           /* centre frequency (1..15) */
    float radius_mm;          /* convex: radius of curvature of the face */
    float fov_deg;            /* convex: angle between the first and last line */
    float width_mm;           /* linear: aperture width */
    int lines;                /* scan lines */
    int samples;              /* samples per line */
    float depth_mm;           /* imaging depth from the face */
    float focal_depth_mm;     /* transmit focus */
    float f_number;           /* focal depth / aperture (lateral) */
    float elevation_mm;       /* slice thickness (FWHM) at the elevation focus */
    float elevation_focus_mm; /* elevation lens focus */
} ss_probe;

/* Convex 3.5 MHz, radius 50 mm, 70 deg, 128 lines x 512 samples, 90 mm deep, focus
 * 50 mm, F# 2, slice 3 mm focused at 50 mm. */
void ss_probe_default(ss_probe *p);
/* Linear 7.5 MHz, 40 mm wide, 128 lines x 512 samples, 40 mm deep, focus 20 mm,
 * F# 2, slice 2 mm at 20 mm. */
void ss_probe_default_linear(ss_probe *p);
ss_status ss_probe_validate(const ss_probe *p);

float ss_probe_wavelength_mm(const ss_probe *p);
float ss_probe_sample_spacing_mm(const ss_probe *p);
float ss_probe_sample_depth_mm(const ss_probe *p, int sample);
float ss_probe_axial_sigma_mm(const ss_probe *p);
float ss_probe_lateral_sigma_mm(const ss_probe *p, float depth_mm);
float ss_probe_elevation_sigma_mm(const ss_probe *p, float depth_mm);

/* Line angle from the central beam in degrees (0 for linear). */
float ss_probe_line_angle_deg(const ss_probe *p, int line);
/* Line origin on the face and unit direction, in the probe frame (x, y). */
void ss_probe_line_geometry(const ss_probe *p, int line, float origin_mm[2], float dir[2]);
/* Probe-frame position (x, y) of a point at depth_mm along a line (fractional ok). */
void ss_probe_point_mm(const ss_probe *p, float line, float depth_mm, float xy_mm[2]);
/* Inverse: fractional line and sample index of a probe-frame point. Returns false
 * outside the imaged sector (values are still written). */
bool ss_probe_line_sample_at(const ss_probe *p, float x_mm, float y_mm, float *line, float *sample);

/* Pose of the probe frame in the patient frame: world = origin + x*axis_x + y*axis_y +
 * z*axis_z. Axes are orthonormal and right-handed (axis_z = axis_x cross axis_y). */
typedef struct ss_probe_pose {
    float origin_mm[3];
    float axis_x[3]; /* along the array */
    float axis_y[3]; /* central beam, into the body */
    float axis_z[3]; /* elevation */
} ss_probe_pose;

/* Builds an orthonormal pose from the face centre, the beam direction and a vector
 * roughly along the array (made perpendicular to the beam). SS_ERR_INVALID if the
 * vectors are zero or parallel. */
ss_status ss_probe_pose_make(const float origin_mm[3], const float beam_dir[3],
                             const float array_dir[3], ss_probe_pose *out);
/* Moves the pose by d_mm expressed in the probe frame. */
void ss_probe_pose_translate_local(ss_probe_pose *pose, const float d_mm[3]);
void ss_probe_pose_point_to_world(const ss_probe_pose *pose, const float probe_mm[3], float world_mm[3]);
void ss_probe_pose_dir_to_world(const ss_probe_pose *pose, const float probe_dir[3], float world_dir[3]);
/* Probe-frame coordinates of a patient-frame point, in double precision. */
void ss_probe_pose_world_to_probe(const ss_probe_pose *pose, const double world_mm[3], double probe_mm[3]);
/* Whether a patient-frame point lies in the imaged slice: inside the sector and within
 * the elevation beam's full width at half maximum at its depth (what the trainee sees:
 * the tip-visible metric, the tip marker and the coaching use this one rule). probe_mm
 * (may be NULL) receives its probe-frame coordinates. */
bool ss_probe_pose_in_slice(const ss_probe *probe, const ss_probe_pose *pose, const double world_mm[3],
                            double probe_mm[3]);

#endif

/* phantom.h: built-in test scenes for the acoustic simulator, as ss_volume (plus an
 * analytic needle where the scene has one).
 *
 * Phantom frame: the scanning surface is the plane y = 0, tissue fills y < 0 down to
 * -size_mm[1], x in +-size_mm[0]/2, z in +-size_mm[2]/2; above the surface is coupling
 * gel (the AIR label). ss_phantom_probe_pose() puts the probe face centre at the
 * origin, beam along -y, array along +x (so "depth" d is y = -d, image x is phantom
 * x). Features sit at feature_depth_mm below the surface:
 *   homogeneous  background tissue only
 *   cyst         anechoic (CSF) cylinder along z, radius cyst_radius_mm, centre at
 *                (feature_x_mm, -feature_depth_mm)
 *   interface    fat above y = -feature_depth_mm, background below (planar)
 *   bone_plate   cortical-shelled cancellous plate, top at -feature_depth_mm,
 *                plate_thickness_mm thick, |x| <= plate_half_width_mm, full z
 *   needle       background tissue + a steel needle in the image plane (z = 0) at
 *                needle_angle_deg to the array (0 = perpendicular to the central
 *                beam), its axis crossing (feature_x_mm, -feature_depth_mm), tip
 *                10 mm past that point, 80 mm long
 *   wire         background + a thin steel wire along z (a point target) centred at
 *                (feature_x_mm, -feature_depth_mm), diameter wire_diameter_mm
 *   rod          background + a titanium rod along z of rod_diameter_mm whose top is
 *                at -feature_depth_mm (voxelized, hard_sdf exact)
 * It does not render anything.
 */
#ifndef SS_PHANTOM_H
#define SS_PHANTOM_H

#include <stdbool.h>

#include "bmode_cpu.h"
#include "error.h"
#include "probe.h"
#include "tissue_volume.h"

typedef enum ss_phantom_kind {
    SS_PHANTOM_HOMOGENEOUS = 0,
    SS_PHANTOM_CYST,
    SS_PHANTOM_INTERFACE,
    SS_PHANTOM_BONE_PLATE,
    SS_PHANTOM_NEEDLE,
    SS_PHANTOM_WIRE,
    SS_PHANTOM_ROD,
    SS_PHANTOM_COUNT
} ss_phantom_kind;

typedef struct ss_phantom_params {
    ss_phantom_kind kind;
    int tissue;               /* background label: muscle */
    float spacing_mm;         /* 0.5 */
    float size_mm[3];         /* 180 x 110 x 40 */
    float feature_depth_mm;   /* 40 */
    float feature_x_mm;       /* 0 */
    float cyst_radius_mm;     /* 5 */
    float plate_thickness_mm; /* 10 */
    float plate_half_width_mm;/* 25 */
    float needle_angle_deg;   /* 20 */
    float needle_diameter_mm; /* 1.27 (18G) */
    float wire_diameter_mm;   /* 0.2 */
    float rod_diameter_mm;    /* 6.0 (titanium) */
} ss_phantom_params;

void ss_phantom_params_default(ss_phantom_params *p, ss_phantom_kind kind);
/* Stable names: "homogeneous", "cyst", "interface", "bone_plate", "needle", "wire", "rod". */
const char *ss_phantom_name(ss_phantom_kind kind);
int ss_phantom_from_name(const char *name); /* -1 if unknown */

typedef struct ss_phantom {
    ss_volume volume;      /* owned arrays */
    ss_needle_geom needle; /* valid when has_needle */
    bool has_needle;
} ss_phantom;

ss_status ss_phantom_build(const ss_phantom_params *p, ss_phantom *out);
void ss_phantom_free(ss_phantom *ph);
/* The scene for the renderer (points into ph). */
ss_bmode_scene ss_phantom_scene(const ss_phantom *ph);
/* Probe at the origin on the surface, beam -y, array +x. */
void ss_phantom_probe_pose(ss_probe_pose *pose);

#endif

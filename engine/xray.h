/* xray.h: plain radiographs of the patient model, for the pre-procedure stage (issue 24):
 * the anteroposterior and lateral projections on which a trainee measures the Cobb angle
 * and grades the apical rotation (Nash-Moe), as the paper's operators did before the
 * scan.
 *
 * How: the model is voxelized (tissue_volume.h) over its bone and hardware plus a margin
 * of soft tissue, and each pixel is the line integral of X-ray attenuation
 * (ss_tissue_xray_mu_per_cm, ~70 keV) along a parallel ray through it: AP along +y
 * (posterior to anterior, image columns = patient x, the patient's right on the image's
 * left, as a radiograph is read), lateral along x (columns = patient y, anterior on the
 * left); rows run from cranial (top) to caudal. Shown like film: dark where little is
 * absorbed, bone light, rods and screws white; a lead marker ("R" on AP, "L" on lateral)
 * in the corner. Only the model's region is there: L1 to S1, what the model builds.
 * It does not measure (the trainee does; spine_measure.h holds the model's own values).
 */
#ifndef SS_XRAY_H
#define SS_XRAY_H

#include "error.h"
#include "image.h"
#include "spine.h"

typedef enum ss_xray_projection { SS_XRAY_AP = 0, SS_XRAY_LATERAL = 1 } ss_xray_projection;

typedef struct ss_xray {
    ss_image image;
    ss_xray_projection projection;
    float mm_per_px;
    /* patient-frame position of the centre of pixel (0,0): AP (x, z), lateral (y, z);
       columns go toward +x (AP) or +y (lateral), rows toward -z */
    float origin_mm[2];
    /* the line integral of attenuation (dimensionless, sum of mu * path) per pixel, the
       same layout as the image: what the grey levels show */
    float *density;
} ss_xray;

/* "ap" / "lateral" -> the projection; -1 for anything else. */
int ss_xray_projection_from_name(const char *name);

/* The radiograph of a built model at mm_per_px (0: 0.5 mm). */
ss_status ss_xray_make(const ss_spine *spine, ss_xray_projection p, float mm_per_px, ss_xray *out);
void ss_xray_free(ss_xray *x);

/* Column and row of a patient-frame point on the radiograph (fractional pixels). */
void ss_xray_to_pixel(const ss_xray *x, const double p_mm[3], double *col, double *row);

#endif

/* scan_convert.h: from per-line samples (lines x samples, samples fastest) to the
 * fan (convex) or rectangle (linear) image the sonographer sees.
 *
 * Pixel (u, v) (u to the right, v down, both from 0) has its centre at the probe-frame
 * point x = x0_mm + (u + 0.5) * mm_per_px, y = y0_mm + (v + 0.5) * mm_per_px: the image
 * is the probe's image plane seen with the array along the top, +x to the right,
 * depth (+y) downwards. Each pixel inside the sector takes the bilinear interpolation
 * of the four neighbouring (line, sample) values; pixels outside are 0.
 * The pixel -> (line, sample) map is computed once per geometry (ss_scan_map) and
 * reused, as the GPU does with a lookup texture. It does not log-compress.
 */
#ifndef SS_SCAN_CONVERT_H
#define SS_SCAN_CONVERT_H

#include <stdint.h>

#include "error.h"
#include "probe.h"

typedef struct ss_scan_geometry {
    int width, height;
    float mm_per_px;
    float x0_mm, y0_mm; /* probe-frame coordinates of the image's top-left corner */
} ss_scan_geometry;

/* The smallest image of width_px columns (height follows) holding the whole sector. */
ss_status ss_scan_geometry_for_probe(const ss_probe *p, int width_px, ss_scan_geometry *out);
void ss_scan_geometry_pixel_to_probe_mm(const ss_scan_geometry *g, float u, float v, float xy_mm[2]);
void ss_scan_geometry_probe_mm_to_pixel(const ss_scan_geometry *g, float x_mm, float y_mm, float uv[2]);

typedef struct ss_scan_map {
    ss_scan_geometry geom;
    ss_probe probe;  /* the probe the map was built for */
    float *line_f;   /* per pixel: fractional line, or -1 outside the sector */
    float *sample_f; /* per pixel: fractional sample */
    /* the same, worked out for the interpolation (ss_scan_convert_rows), per pixel: the
       index of its top-left (line, sample) value (-1 outside the sector) and its
       fractions across lines and along the line */
    int32_t *at;
    float *frac_l, *frac_s;
} ss_scan_map;

/* (Re)builds the map if geometry or probe differ from what it holds. */
ss_status ss_scan_map_update(ss_scan_map *m, const ss_probe *p, const ss_scan_geometry *g);
void ss_scan_map_free(ss_scan_map *m);

/* values: lines x samples floats, grey levels 0..255; out: width x height bytes.
 * Rows [row0, row1) only (for splitting over threads). */
void ss_scan_convert_rows(const ss_scan_map *m, const float *values, uint8_t *out, int row0, int row1);

/* The anatomy overlay: the outlines of a label map (lines x samples tissue labels, the
 * frame's labels) drawn over the scan-converted image. Each pixel takes the label of its
 * nearest (line, sample); a pixel of an outlined structure is on its outline when one of
 * its four neighbours belongs to another structure. Structures and colours: bone
 * (cortical, cancellous) yellow, graft orange, rods and screws magenta, ligamentum flavum
 * green, thecal sac (dura, CSF) cyan, nerve roots pink, vessels red. out: width x height
 * RGBA, transparent elsewhere. Returns the number of outline pixels. */
long ss_scan_convert_outlines(const ss_scan_map *m, const uint8_t *labels, uint8_t *out_rgba);

/* The overlay colour of a label (RGBA, alpha 0 for structures not outlined). */
void ss_scan_outline_colour(int label, uint8_t rgba[4]);

#endif

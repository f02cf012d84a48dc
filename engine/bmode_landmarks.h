/* bmode_landmarks.h: what a rendered B-mode frame shows, as numbers.
 *
 * Reads a frame's envelope (before TGC) and its label map (the tissue on each line's
 * central ray, bmode_cpu.h) and measures the sonoanatomy a sonographer reads in a lumbar
 * scan (REFERENCE.md §7): how dark the thecal sac is, how bright the posterior and
 * anterior complexes, bone, metal, the needle and the thoracolumbar fascia are, how deep
 * the shadows go, and where the laminae lie. Every level is in dB against the mean power
 * of unshadowed muscle speckle at the same depth, as an ideal TGC would compare them:
 * the muscle reference is 10 log10(mean envelope^2) of muscle samples that lie above every
 * hard (bone, graft, metal, needle) sample of their line and at least SS_LANDMARK_EDGE_MM
 * from any other tissue along it, in 5 mm depth bins, fitted by a line whose slope is the
 * round-trip attenuation an ideal TGC removes (2 alpha_muscle f: -0.77 dB/mm at 3.5 MHz).
 *
 * Only the envelope, the labels and the probe geometry are used, so outside tools can
 * compute the same figures from `render --envelope --labels` (docs/acoustics.md has the
 * definitions). This module renders nothing and knows nothing of anatomy beyond labels.
 */
#ifndef SS_BMODE_LANDMARKS_H
#define SS_BMODE_LANDMARKS_H

#include <stdbool.h>
#include <stdint.h>

#include "bmode_cpu.h"
#include "error.h"

#define SS_LANDMARK_EDGE_MM 1.0f     /* muscle reference: distance kept from other tissue */
#define SS_LANDMARK_SAC_MARGIN_MM 1.5f /* sac interior: distance kept from the sac's walls */
#define SS_LANDMARK_LINE_MM 3.0f     /* a "single line": the samples within 6 dB of the peak span at most this */
#define SS_LANDMARK_SHADOW_EDGE_MM 1.5f /* shadows are judged this far inside a bone's lateral edges */
#define SS_LANDMARK_SHADOW_BONE_MM 3.0f /* ... and under at least this much hard tissue along the line */
#define SS_LANDMARK_METAL_TAIL_MM 12.0f /* metal: the comet tail's reach; its shadow is judged below */
#define SS_LANDMARK_ROUGH_SPAN_MM 4.0f /* graft roughness: local straight-line fit over +- this */
#define SS_LANDMARK_MAX_SEGMENTS 16

/* One landmark over the lines that show it: the median of the per-line figures. */
typedef struct ss_landmark {
    int lines;        /* lines that show it (0: not in the image; the other fields are NAN) */
    double db;        /* median per-line level, dB re muscle speckle at the same depth */
    double depth_mm;  /* median depth of the per-line peak (or of the measured samples) */
} ss_landmark;

/* A run of neighbouring lines whose central ray meets bone first (a lamina, process, ...). */
typedef struct ss_bone_segment {
    int first_line, last_line;
    double depth_first_mm, depth_last_mm; /* bone surface at the segment's ends (fit) */
    double slope_deg; /* surface slope in the image: + = deeper towards higher line numbers */
} ss_bone_segment;

typedef struct ss_landmarks {
    /* muscle reference: muscle_db(z) = muscle_db0 + muscle_db_per_mm * z; reference is the
     * tissue it was fitted on: SS_TISSUE_MUSCLE, or where the image shows no unshadowed
     * muscle (the median sagittal plane) ligament, then fat */
    int reference;
    int muscle_samples;
    double muscle_db0, muscle_db_per_mm;
    double muscle_fit_db_per_mm;   /* the slope a free fit would take (diagnostic) */
    double muscle_depth_lo_mm, muscle_depth_hi_mm; /* depths the fit saw */
    ss_landmark sac;               /* CSF interior: per line the mean power of the CSF samples >= margin
                                      from the sac's walls along the line and whose two neighbouring
                                      lines each side also lie in CSF there (>= 3 samples); the median
                                      over those lines (edge lines with leakage are outliers) */
    double sac_pooled_db;          /* the mean power of all those samples together (the strict figure) */
    ss_landmark posterior_complex; /* per window line: peak from 1 mm above the first of flavum /
                                      epidural fat / dura over the sac to 0.5 mm into the CSF */
    double posterior_complex_single; /* share of window lines where it is one line: every sample
                                        within 6 dB of the peak within SS_LANDMARK_LINE_MM */
    ss_landmark anterior_complex;  /* per window line: peak from 0.5 mm above the sac's last CSF
                                      sample to 1 mm into the disc or bone behind it (at most 8 mm
                                      down; 3 mm when neither comes) */
    ss_landmark bone;              /* per line whose first hard tissue is bone: peak within
                                      [-1, +0.5] mm of the surface */
    ss_landmark bone_shadow;       /* mean power 3..15 mm below the surface (metal: 12..24 mm, below
                                      the comet tail), on the bone lines whose
                                      neighbours within SS_LANDMARK_SHADOW_EDGE_MM meet bone first too
                                      and that go through SS_LANDMARK_SHADOW_BONE_MM of it */
    ss_landmark metal;             /* the same for rods and screws (titanium, CoCr) */
    ss_landmark metal_shadow;
    double metal_reverb_peaks;     /* median count of distinct echoes 0.7..10 mm below the metal
                                      surface standing >= 6 dB above the metal shadow */
    ss_landmark graft;             /* the same for graft */
    double graft_roughness_mm;     /* rms of the graft surface depth (its peak) about a straight line
                                      fitted over SS_LANDMARK_ROUGH_SPAN_MM either side */
    ss_landmark fascia;            /* per line with fat above muscle: peak within 1 mm of the
                                      fat -> muscle transition (thoracolumbar fascia) */
    ss_landmark needle;            /* per line whose central ray meets the shaft: peak within
                                      0.5 mm of the steel samples */
    int window_lines;              /* lines whose central ray reaches CSF */
    int segments;                  /* bone segments of >= 3 lines, image left to right */
    ss_bone_segment segment[SS_LANDMARK_MAX_SEGMENTS];
} ss_landmarks;

/* Measures a frame rendered with labels (ss_bmode_cpu_render or the GPU read-back). */
ss_status ss_landmarks_measure(const ss_bmode_frame *f, ss_landmarks *out);

/* The same from raw arrays (what `render --envelope --labels` writes). */
ss_status ss_landmarks_measure_raw(const float *envelope, const uint8_t *labels, int lines, int samples,
                                   float sample_spacing_mm, const ss_probe *probe, ss_landmarks *out);

/* One JSON object (no trailing newline) of the figures; returns a malloc'ed string. */
char *ss_landmarks_json(const ss_landmarks *m);

#endif

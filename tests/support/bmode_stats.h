/* bmode_stats.h: the envelope measurements the B-mode physics tests make, in one place so
 * the CPU reference (test_bmode_physics.c) and the GPU renderer (test_gl_bmode.c) are
 * judged by the very same arithmetic. */
#ifndef SS_BMODE_STATS_H
#define SS_BMODE_STATS_H

#include "bmode_cpu.h"

float bs_env_at(const ss_bmode_frame *f, int line, int sample);
int bs_sample_of_depth(const ss_probe *p, float depth_mm);

/* Envelope mean/std over the central lines (|angle| <= 15 deg) from 15 to 85 mm, with
 * the known round-trip attenuation of a tissue undone so depths can be pooled.
 * *n_out (may be NULL) gets the number of samples used. */
double bs_rayleigh_ratio(const ss_bmode_frame *f, const ss_probe *p, float alpha_db_cm_mhz, long *n_out);

/* Least-squares slope (dB/cm) of 20 log10(mean envelope over all lines) vs depth, 10..85 mm. */
double bs_attenuation_slope_db_cm(const ss_bmode_frame *f, const ss_probe *p);

#endif

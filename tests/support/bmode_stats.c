/* bmode_stats.c: see bmode_stats.h. */
#include "bmode_stats.h"

#include <math.h>

float bs_env_at(const ss_bmode_frame *f, int line, int sample)
{
    return f->envelope[(size_t)line * (size_t)f->samples + (size_t)sample];
}

int bs_sample_of_depth(const ss_probe *p, float depth_mm)
{
    return (int)lrintf(depth_mm / ss_probe_sample_spacing_mm(p) - 0.5f);
}

double bs_rayleigh_ratio(const ss_bmode_frame *f, const ss_probe *p, float alpha_db_cm_mhz, long *n_out)
{
    double sum = 0, sum2 = 0;
    long n = 0;
    for (int l = 0; l < p->lines; l++) {
        if (fabsf(ss_probe_line_angle_deg(p, l)) > 15.f) continue;
        for (int j = bs_sample_of_depth(p, 15.f); j < bs_sample_of_depth(p, 85.f); j++) {
            float z_cm = ss_probe_sample_depth_mm(p, j) * 0.1f;
            double e = bs_env_at(f, l, j) * pow(10.0, 2.0 * alpha_db_cm_mhz * p->freq_mhz * z_cm / 20.0);
            sum += e;
            sum2 += e * e;
            n++;
        }
    }
    if (n_out) *n_out = n;
    double mean = sum / (double)n, sd = sqrt(sum2 / (double)n - mean * mean);
    return mean / sd;
}

double bs_attenuation_slope_db_cm(const ss_bmode_frame *f, const ss_probe *p)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int n = 0;
    for (int j = bs_sample_of_depth(p, 10.f); j <= bs_sample_of_depth(p, 85.f); j++) {
        double mean = 0;
        for (int l = 0; l < p->lines; l++) mean += bs_env_at(f, l, j);
        mean /= p->lines;
        double x = ss_probe_sample_depth_mm(p, j) * 0.1, y = 20.0 * log10(mean);
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
        n++;
    }
    return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

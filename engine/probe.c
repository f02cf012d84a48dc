/* probe.c: see probe.h. */
#include "probe.h"

#include <math.h>
#include <string.h>

#define SS__PI 3.14159265358979f

void ss_probe_default(ss_probe *p)
{
    *p = (ss_probe){0};
    p->kind = SS_PROBE_CONVEX;
    p->freq_mhz = 3.5f;
    p->radius_mm = 50.f;
    p->fov_deg = 70.f;
    p->width_mm = 40.f;
    p->lines = 128;
    p->samples = 512;
    p->depth_mm = 90.f;
    p->focal_depth_mm = 50.f;
    p->f_number = 2.f;
    p->elevation_mm = 3.f; /* REFERENCE 4: slice 3-7 mm; a 1-5 MHz convex lens at its focus */
    p->elevation_focus_mm = 50.f;
}

void ss_probe_default_linear(ss_probe *p)
{
    ss_probe_default(p);
    p->kind = SS_PROBE_LINEAR;
    p->freq_mhz = 7.5f;
    p->width_mm = 40.f;
    p->depth_mm = 40.f;
    p->focal_depth_mm = 20.f;
    p->elevation_mm = 2.f;
    p->elevation_focus_mm = 20.f;
}

ss_status ss_probe_validate(const ss_probe *p)
{
#define SS__CHECK(cond, field, fmt, val, expect)                                          \
    if (!(cond)) return ss_error_set(SS_ERR_INVALID, "probe.%s = " fmt ": expected %s", field, val, expect)
    SS__CHECK(p->kind == SS_PROBE_CONVEX || p->kind == SS_PROBE_LINEAR, "kind", "%d", (int)p->kind,
              "convex (0) or linear (1)");
    SS__CHECK(p->freq_mhz >= 0.5f && p->freq_mhz <= 20.f, "freq_mhz", "%g", (double)p->freq_mhz, "0.5..20");
    SS__CHECK(p->lines >= 2 && p->lines <= 4096, "lines", "%d", p->lines, "2..4096");
    SS__CHECK(p->samples >= 16 && p->samples <= 16384, "samples", "%d", p->samples, "16..16384");
    SS__CHECK(p->depth_mm >= 5.f && p->depth_mm <= 400.f, "depth_mm", "%g", (double)p->depth_mm, "5..400");
    SS__CHECK(p->focal_depth_mm > 0.f && p->focal_depth_mm <= 400.f, "focal_depth_mm", "%g",
              (double)p->focal_depth_mm, "0..400");
    SS__CHECK(p->f_number >= 0.5f && p->f_number <= 20.f, "f_number", "%g", (double)p->f_number, "0.5..20");
    SS__CHECK(p->elevation_mm >= 0.2f && p->elevation_mm <= 20.f, "elevation_mm", "%g",
              (double)p->elevation_mm, "0.2..20");
    SS__CHECK(p->elevation_focus_mm > 0.f && p->elevation_focus_mm <= 400.f, "elevation_focus_mm", "%g",
              (double)p->elevation_focus_mm, "0..400");
    if (p->kind == SS_PROBE_CONVEX) {
        SS__CHECK(p->radius_mm >= 5.f && p->radius_mm <= 200.f, "radius_mm", "%g", (double)p->radius_mm,
                  "5..200");
        SS__CHECK(p->fov_deg > 1.f && p->fov_deg <= 150.f, "fov_deg", "%g", (double)p->fov_deg, "1..150");
    } else {
        SS__CHECK(p->width_mm >= 2.f && p->width_mm <= 200.f, "width_mm", "%g", (double)p->width_mm, "2..200");
    }
#undef SS__CHECK
    return SS_OK;
}

float ss_probe_wavelength_mm(const ss_probe *p) { return SS_PROBE_C0_M_S * 1e-3f / p->freq_mhz; }
float ss_probe_sample_spacing_mm(const ss_probe *p) { return p->depth_mm / (float)p->samples; }
float ss_probe_sample_depth_mm(const ss_probe *p, int sample)
{
    return ((float)sample + 0.5f) * ss_probe_sample_spacing_mm(p);
}
float ss_probe_axial_sigma_mm(const ss_probe *p) { return 0.5f * ss_probe_wavelength_mm(p); }

static float ss__beam_sigma(float sigma0, float lambda, float focus, float z)
{
    /* Gaussian beam: amplitude exp(-x^2 / 2 sigma0^2) at the waist, i.e. intensity 1/e^2
       radius w0 = sqrt2 sigma0 and Rayleigh range pi w0^2 / lambda */
    float zr = 2.f * SS__PI * sigma0 * sigma0 / lambda;
    float t = (z - focus) / zr;
    return sigma0 * sqrtf(1.f + t * t);
}

float ss_probe_lateral_sigma_mm(const ss_probe *p, float depth_mm)
{
    /* two-way = transmit x receive profile: 1/s^2 = 1/s_tx^2 + 1/s_rx^2, with a fixed
     * transmit focus (Gaussian beam of waist sqrt2 lambda F#) and dynamic receive
     * focusing: the receive aperture grows with depth at constant F# until it spans the
     * array's active aperture (taken as the transmit aperture, focal depth / F#), then
     * stays, so beyond the focus the receive F# grows as depth / aperture. At the focus
     * s = lambda F#; nearer the face the wide transmit beam widens it towards sqrt2
     * lambda F#; deeper both beams widen, about in proportion to depth. */
    float lambda = ss_probe_wavelength_mm(p);
    float s1 = 1.41421356f * lambda * p->f_number;
    float stx = ss__beam_sigma(s1, lambda, p->focal_depth_mm, depth_mm);
    float srx = s1 * fmaxf(1.f, depth_mm / p->focal_depth_mm);
    return 1.f / sqrtf(1.f / (stx * stx) + 1.f / (srx * srx));
}

float ss_probe_elevation_sigma_mm(const ss_probe *p, float depth_mm)
{
    float lambda = ss_probe_wavelength_mm(p);
    return ss__beam_sigma(p->elevation_mm / 2.3548f, lambda, p->elevation_focus_mm, depth_mm);
}

static float ss__theta(const ss_probe *p, float line)
{
    float fov = p->fov_deg * SS__PI / 180.f;
    return -0.5f * fov + line * fov / (float)(p->lines - 1);
}

float ss_probe_line_angle_deg(const ss_probe *p, int line)
{
    if (p->kind == SS_PROBE_LINEAR) return 0.f;
    return ss__theta(p, (float)line) * 180.f / SS__PI;
}

void ss_probe_line_geometry(const ss_probe *p, int line, float origin_mm[2], float dir[2])
{
    if (p->kind == SS_PROBE_LINEAR) {
        origin_mm[0] = -0.5f * p->width_mm + ((float)line + 0.5f) * p->width_mm / (float)p->lines;
        origin_mm[1] = 0.f;
        dir[0] = 0.f;
        dir[1] = 1.f;
        return;
    }
    float th = ss__theta(p, (float)line);
    dir[0] = sinf(th);
    dir[1] = cosf(th);
    origin_mm[0] = p->radius_mm * dir[0];
    origin_mm[1] = p->radius_mm * dir[1] - p->radius_mm;
}

void ss_probe_point_mm(const ss_probe *p, float line, float depth_mm, float xy_mm[2])
{
    if (p->kind == SS_PROBE_LINEAR) {
        xy_mm[0] = -0.5f * p->width_mm + (line + 0.5f) * p->width_mm / (float)p->lines;
        xy_mm[1] = depth_mm;
        return;
    }
    float th = ss__theta(p, line);
    float r = p->radius_mm + depth_mm;
    xy_mm[0] = r * sinf(th);
    xy_mm[1] = r * cosf(th) - p->radius_mm;
}

bool ss_probe_line_sample_at(const ss_probe *p, float x_mm, float y_mm, float *line, float *sample)
{
    float dz = ss_probe_sample_spacing_mm(p);
    float depth;
    if (p->kind == SS_PROBE_LINEAR) {
        *line = (x_mm + 0.5f * p->width_mm) * (float)p->lines / p->width_mm - 0.5f;
        depth = y_mm;
    } else {
        float yc = y_mm + p->radius_mm;
        float r = sqrtf(x_mm * x_mm + yc * yc);
        float th = atan2f(x_mm, yc);
        float fov = p->fov_deg * SS__PI / 180.f;
        *line = (th + 0.5f * fov) * (float)(p->lines - 1) / fov;
        depth = r - p->radius_mm;
    }
    *sample = depth / dz - 0.5f;
    return *line >= 0.f && *line <= (float)(p->lines - 1) && depth >= 0.f && depth <= p->depth_mm;
}

static float ss__norm3(float v[3])
{
    float n = sqrtf(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    if (n > 0.f) {
        v[0] /= n;
        v[1] /= n;
        v[2] /= n;
    }
    return n;
}

ss_status ss_probe_pose_make(const float origin_mm[3], const float beam_dir[3], const float array_dir[3],
                             ss_probe_pose *out)
{
    float y[3] = {beam_dir[0], beam_dir[1], beam_dir[2]};
    if (ss__norm3(y) < 1e-9f) return ss_error_set(SS_ERR_INVALID, "probe pose: beam direction is zero");
    float d = array_dir[0] * y[0] + array_dir[1] * y[1] + array_dir[2] * y[2];
    float x[3] = {array_dir[0] - d * y[0], array_dir[1] - d * y[1], array_dir[2] - d * y[2]};
    if (ss__norm3(x) < 1e-6f)
        return ss_error_set(SS_ERR_INVALID, "probe pose: array direction is zero or parallel to the beam");
    for (int i = 0; i < 3; i++) {
        out->origin_mm[i] = origin_mm[i];
        out->axis_x[i] = x[i];
        out->axis_y[i] = y[i];
    }
    out->axis_z[0] = x[1] * y[2] - x[2] * y[1];
    out->axis_z[1] = x[2] * y[0] - x[0] * y[2];
    out->axis_z[2] = x[0] * y[1] - x[1] * y[0];
    return SS_OK;
}

void ss_probe_pose_translate_local(ss_probe_pose *pose, const float d_mm[3])
{
    for (int i = 0; i < 3; i++)
        pose->origin_mm[i] += d_mm[0] * pose->axis_x[i] + d_mm[1] * pose->axis_y[i] + d_mm[2] * pose->axis_z[i];
}

void ss_probe_pose_dir_to_world(const ss_probe_pose *pose, const float v[3], float w[3])
{
    for (int i = 0; i < 3; i++) w[i] = v[0] * pose->axis_x[i] + v[1] * pose->axis_y[i] + v[2] * pose->axis_z[i];
}

void ss_probe_pose_point_to_world(const ss_probe_pose *pose, const float v[3], float w[3])
{
    ss_probe_pose_dir_to_world(pose, v, w);
    for (int i = 0; i < 3; i++) w[i] += pose->origin_mm[i];
}

void ss_probe_pose_world_to_probe(const ss_probe_pose *p, const double w[3], double out[3])
{
    double d[3] = {w[0] - p->origin_mm[0], w[1] - p->origin_mm[1], w[2] - p->origin_mm[2]};
    out[0] = d[0] * p->axis_x[0] + d[1] * p->axis_x[1] + d[2] * p->axis_x[2];
    out[1] = d[0] * p->axis_y[0] + d[1] * p->axis_y[1] + d[2] * p->axis_y[2];
    out[2] = d[0] * p->axis_z[0] + d[1] * p->axis_z[1] + d[2] * p->axis_z[2];
}

bool ss_probe_pose_in_slice(const ss_probe *probe, const ss_probe_pose *pose, const double w[3], double probe_mm[3])
{
    double q[3];
    ss_probe_pose_world_to_probe(pose, w, q);
    if (probe_mm) memcpy(probe_mm, q, sizeof q);
    float line, sample;
    bool in_sector = ss_probe_line_sample_at(probe, (float)q[0], (float)q[1], &line, &sample);
    double half_slice = ss_probe_elevation_sigma_mm(probe, (float)fmax(q[1], 0.0)) * 2.3548 / 2.0;
    return in_sector && fabs(q[2]) <= half_slice;
}

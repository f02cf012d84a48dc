/* scan_convert.c: see scan_convert.h. */
#include "scan_convert.h"

#include <stdbool.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "simd.h"
#include "tissue.h"

ss_status ss_scan_geometry_for_probe(const ss_probe *p, int width_px, ss_scan_geometry *out)
{
    ss_status st = ss_probe_validate(p);
    if (st != SS_OK) return st;
    if (width_px < 16 || width_px > 8192)
        return ss_error_set(SS_ERR_INVALID, "scan conversion width %d px: expected 16..8192", width_px);
    float xmin, xmax, ymin, ymax = p->depth_mm;
    if (p->kind == SS_PROBE_LINEAR) {
        xmin = -0.5f * p->width_mm;
        xmax = 0.5f * p->width_mm;
        ymin = 0.f;
    } else {
        float half = 0.5f * p->fov_deg * 3.14159265f / 180.f;
        float r = p->radius_mm + p->depth_mm;
        xmax = (half < 1.5707963f ? r * sinf(half) : r);
        xmin = -xmax;
        ymin = p->radius_mm * cosf(half) - p->radius_mm;
        if (half > 1.5707963f) ymin = -p->radius_mm + r * cosf(half);
    }
    out->width = width_px;
    out->mm_per_px = (xmax - xmin) / (float)width_px;
    out->height = (int)ceilf((ymax - ymin) / out->mm_per_px);
    out->x0_mm = xmin;
    out->y0_mm = ymin;
    return SS_OK;
}

void ss_scan_geometry_pixel_to_probe_mm(const ss_scan_geometry *g, float u, float v, float xy_mm[2])
{
    xy_mm[0] = g->x0_mm + (u + 0.5f) * g->mm_per_px;
    xy_mm[1] = g->y0_mm + (v + 0.5f) * g->mm_per_px;
}

void ss_scan_geometry_probe_mm_to_pixel(const ss_scan_geometry *g, float x_mm, float y_mm, float uv[2])
{
    uv[0] = (x_mm - g->x0_mm) / g->mm_per_px - 0.5f;
    uv[1] = (y_mm - g->y0_mm) / g->mm_per_px - 0.5f;
}

ss_status ss_scan_map_update(ss_scan_map *m, const ss_probe *p, const ss_scan_geometry *g)
{
    if (m->line_f && memcmp(&m->geom, g, sizeof *g) == 0 && memcmp(&m->probe, p, sizeof *p) == 0)
        return SS_OK;
    size_t n = (size_t)g->width * (size_t)g->height;
    float *lf = malloc(n * sizeof *lf), *sf = malloc(n * sizeof *sf);
    float *fl = malloc(n * sizeof *fl), *fs = malloc(n * sizeof *fs);
    int32_t *at = malloc(n * sizeof *at);
    if (!lf || !sf || !fl || !fs || !at || (size_t)p->lines * (size_t)p->samples > INT32_MAX) {
        free(lf);
        free(sf);
        free(fl);
        free(fs);
        free(at);
        return ss_error_set(SS_ERR_NOMEM, "scan map %dx%d: out of memory", g->width, g->height);
    }
    const int lines = p->lines, samples = p->samples;
    for (int v = 0; v < g->height; v++)
        for (int u = 0; u < g->width; u++) {
            float xy[2], line, sample;
            ss_scan_geometry_pixel_to_probe_mm(g, (float)u, (float)v, xy);
            bool in = ss_probe_line_sample_at(p, xy[0], xy[1], &line, &sample);
            size_t i = (size_t)v * (size_t)g->width + (size_t)u;
            lf[i] = in ? line : -1.f;
            sf[i] = sample;
            /* the four neighbours: the last line and sample pair with the one before */
            float s1 = sample;
            if (s1 < 0.f) s1 = 0.f;
            if (s1 > (float)(samples - 1)) s1 = (float)(samples - 1);
            int l0 = (int)lf[i], s0 = (int)s1;
            if (l0 > lines - 2) l0 = lines - 2;
            if (s0 > samples - 2) s0 = samples - 2;
            at[i] = lf[i] < 0.f ? -1 : (int32_t)(l0 * samples + s0);
            fl[i] = lf[i] < 0.f ? 0.f : lf[i] - (float)l0;
            fs[i] = lf[i] < 0.f ? 0.f : s1 - (float)s0;
        }
    ss_scan_map_free(m);
    m->line_f = lf;
    m->sample_f = sf;
    m->at = at;
    m->frac_l = fl;
    m->frac_s = fs;
    m->geom = *g;
    m->probe = *p;
    return SS_OK;
}

void ss_scan_map_free(ss_scan_map *m)
{
    free(m->line_f);
    free(m->sample_f);
    free(m->at);
    free(m->frac_l);
    free(m->frac_s);
    m->line_f = m->sample_f = m->frac_l = m->frac_s = NULL;
    m->at = NULL;
}

/* Pixels a chunk at a time: the interpolation into whole grey levels as int32 in one loop,
 * then those into bytes in another (GCC 12 vectorizes neither as one loop, with its float
 * reads and byte stores). Branch-free: a pixel outside the sector reads the first value
 * and is set to 0. */
#define SS__SCAN_CHUNK 512
SS_SIMD_CLONES void ss_scan_convert_rows(const ss_scan_map *m, const float *values, uint8_t *out, int row0, int row1)
{
    const int samples = m->probe.samples;
    const size_t w = (size_t)m->geom.width, end = (size_t)row1 * w;
    const int32_t *at = m->at;
    const float *frac_l = m->frac_l, *frac_s = m->frac_s;
    int32_t q[SS__SCAN_CHUNK];
    for (size_t c = (size_t)row0 * w; c < end; c += SS__SCAN_CHUNK) {
        const int n = end - c < SS__SCAN_CHUNK ? (int)(end - c) : SS__SCAN_CHUNK;
        for (int t = 0; t < n; t++) {
            const int32_t o = at[c + (size_t)t];
            const int32_t oc = o & ~(o >> 31); /* 0 outside the sector */
            const float fl = frac_l[c + (size_t)t], fs = frac_s[c + (size_t)t];
            const float a0 = values[oc], a1 = values[oc + 1], b0 = values[oc + samples], b1 = values[oc + samples + 1];
            const float val = (1.f - fl) * ((1.f - fs) * a0 + fs * a1) + fl * ((1.f - fs) * b0 + fs * b1);
            /* rounded to the nearest level, 0 .. 255 */
            const float up = val + 0.5f;
            float r = up < 255.f ? up : 255.f;
            r = val >= 255.f ? 255.f : r;
            r = val <= 0.f ? 0.f : r;
            r = o < 0 ? 0.f : r;
            q[t] = (int32_t)r;
        }
        for (int t = 0; t < n; t++) out[c + (size_t)t] = (uint8_t)q[t];
    }
}

/* ------------------------------------------------------------------ anatomy outlines */

/* The outlined structures: a class per label (0 = not outlined) and its colour. */
static int ss__outline_class(int label)
{
    switch (label) {
    case SS_TISSUE_CORTICAL:
    case SS_TISSUE_CANCELLOUS: return 1;
    case SS_TISSUE_GRAFT: return 2;
    case SS_TISSUE_TITANIUM:
    case SS_TISSUE_COCR: return 3;
    case SS_TISSUE_FLAVUM: return 4;
    case SS_TISSUE_DURA:
    case SS_TISSUE_CSF: return 5;
    case SS_TISSUE_NERVE: return 6;
    case SS_TISSUE_VESSEL: return 7;
    default: return 0;
    }
}

static const uint8_t ss__outline_rgba[8][4] = {
    {0, 0, 0, 0},       {255, 220, 60, 255}, {255, 150, 40, 255}, {255, 70, 255, 255},
    {70, 255, 110, 255}, {40, 210, 255, 255}, {255, 150, 200, 255}, {235, 40, 40, 255},
};

void ss_scan_outline_colour(int label, uint8_t rgba[4]) { memcpy(rgba, ss__outline_rgba[ss__outline_class(label)], 4); }

long ss_scan_convert_outlines(const ss_scan_map *m, const uint8_t *labels, uint8_t *out)
{
    const int lines = m->probe.lines, samples = m->probe.samples, w = m->geom.width, h = m->geom.height;
    const size_t n = (size_t)w * (size_t)h;
    /* class per pixel (255 outside the sector), kept in the alpha bytes until the end */
    for (size_t i = 0; i < n; i++) {
        float lf = m->line_f[i];
        uint8_t c = 255;
        if (lf >= 0.f) {
            int l = (int)(lf + 0.5f), j = (int)(m->sample_f[i] + 0.5f);
            if (l > lines - 1) l = lines - 1;
            if (j < 0) j = 0;
            if (j > samples - 1) j = samples - 1;
            c = (uint8_t)ss__outline_class(labels[(size_t)l * (size_t)samples + (size_t)j]);
        }
        out[4 * i + 3] = c;
    }
    long count = 0;
    for (int v = 0; v < h; v++)
        for (int u = 0; u < w; u++) {
            size_t i = (size_t)v * (size_t)w + (size_t)u;
            uint8_t c = out[4 * i + 3];
            bool edge = false;
            if (c != 0 && c != 255) {
                const int du[4] = {1, -1, 0, 0}, dv[4] = {0, 0, 1, -1};
                for (int k = 0; k < 4 && !edge; k++) {
                    int uu = u + du[k], vv = v + dv[k];
                    if (uu < 0 || vv < 0 || uu >= w || vv >= h) continue;
                    uint8_t o = out[4 * ((size_t)vv * (size_t)w + (size_t)uu) + 3];
                    edge = o != c && o != 255;
                }
            }
            out[4 * i + 0] = edge ? ss__outline_rgba[c][0] : 0;
            out[4 * i + 1] = edge ? ss__outline_rgba[c][1] : 0;
            out[4 * i + 2] = edge ? ss__outline_rgba[c][2] : 0;
            count += edge;
        }
    /* the alpha bytes held the classes for the neighbours' tests: now the edge decision */
    for (size_t i = 0; i < n; i++)
        out[4 * i + 3] = (out[4 * i] | out[4 * i + 1] | out[4 * i + 2]) ? 255 : 0;
    return count;
}

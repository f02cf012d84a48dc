/* sdf_prim.c: signed distances, bounding boxes and builders of the model's solids (see
 * sdf_prim.h). */
#include "sdf_prim.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------------ distances */

static double ss__ell2(double x, double y, double a, double b)
{
    double k0 = sqrt((x / a) * (x / a) + (y / b) * (y / b));
    double k1 = sqrt((x / (a * a)) * (x / (a * a)) + (y / (b * b)) * (y / (b * b)));
    if (k1 < 1e-12) return -fmin(a, b);
    double d = k0 * (k0 - 1.0) / k1;
    /* inside, the estimate can exceed the true depth; the ellipse is the unit disc under
       diag(a, b), so the depth is at least (1 - k0) * min(a, b): keep the smaller */
    if (k0 < 1.0) d = fmax(d, -(1.0 - k0) * fmin(a, b));
    return d;
}

static double ss__ell3(double x, double y, double z, double a, double b, double c)
{
    double k0 = sqrt((x / a) * (x / a) + (y / b) * (y / b) + (z / c) * (z / c));
    double k1 = sqrt((x / (a * a)) * (x / (a * a)) + (y / (b * b)) * (y / (b * b)) + (z / (c * c)) * (z / (c * c)));
    if (k1 < 1e-12) return -fmin(a, fmin(b, c));
    double d = k0 * (k0 - 1.0) / k1;
    if (k0 < 1.0) d = fmax(d, -(1.0 - k0) * fmin(a, fmin(b, c))); /* as in ss__ell2 */
    return d;
}

static double ss__round2(double dx, double dy, double r)
{
    double ex = dx + r, ey = dy + r;
    double ox = fmax(ex, 0.0), oy = fmax(ey, 0.0);
    return sqrt(ox * ox + oy * oy) + fmin(fmax(ex, ey), 0.0) - r;
}

/* 3D value noise in [-1, 1] on a lattice of spacing 1: hashed lattice values blended
 * with smoothstep weights. Its steepness is at most 1.5 x 2 = 3 per lattice spacing. */
static double ss__lattice(int32_t x, int32_t y, int32_t z)
{
    uint32_t h = (uint32_t)x * 0x8DA6B343u ^ (uint32_t)y * 0xD8163841u ^ (uint32_t)z * 0xCB1AB31Fu ^ 0x67726166u;
    h ^= h >> 16;
    h *= 0x7FEB352Du;
    h ^= h >> 15;
    h *= 0x846CA68Bu;
    h ^= h >> 16;
    return (double)(h & 0xFFFFFF) / (double)0x7FFFFF - 1.0;
}

static double ss__value_noise(double x, double y, double z)
{
    double fx = floor(x), fy = floor(y), fz = floor(z);
    int32_t ix = (int32_t)fx, iy = (int32_t)fy, iz = (int32_t)fz;
    double tx = x - fx, ty = y - fy, tz = z - fz;
    tx = tx * tx * (3 - 2 * tx);
    ty = ty * ty * (3 - 2 * ty);
    tz = tz * tz * (3 - 2 * tz);
    double c[2][2];
    for (int j = 0; j < 2; j++)
        for (int k = 0; k < 2; k++)
            c[j][k] = ss__lattice(ix, iy + j, iz + k) + tx * (ss__lattice(ix + 1, iy + j, iz + k) - ss__lattice(ix, iy + j, iz + k));
    double c0 = c[0][0] + ty * (c[1][0] - c[0][0]), c1 = c[0][1] + ty * (c[1][1] - c[0][1]);
    return c0 + tz * (c1 - c0);
}

static double ss__eval(const ss_sdf_prim *pr, const double p[3]);

double ss_sdf_eval(const ss_sdf_prim *pr, const double p[3])
{
    double d = ss__eval(pr, p);
    if (pr->kind == SS_SDF_BOX && pr->cut) d = fmax(d, ss_v3_dot(pr->plane[0], p) - pr->plane[0][3]);
    if (pr->bump_mm > 0.0) {
        /* displaced surface; dividing by 1 + the displacement's steepness keeps the
           distance a lower bound (3 per noise spacing, times the amplitude) */
        double k = 1.0 / pr->bump_scale_mm;
        double n = ss__value_noise(p[0] * k, p[1] * k, p[2] * k);
        d = (d + pr->bump_mm * n) / (1.0 + 3.0 * pr->bump_mm * k);
    }
    return d;
}

static double ss__eval(const ss_sdf_prim *pr, const double p[3])
{
    double l[3];
    ss_v3_frame_local(&pr->f, p, l);
    switch (pr->kind) {
    case SS_SDF_BOX: {
        double r = pr->p[3];
        double q0 = fabs(l[0]) - pr->p[0] + r, q1 = fabs(l[1]) - pr->p[1] + r, q2 = fabs(l[2]) - pr->p[2] + r;
        double o0 = fmax(q0, 0.0), o1 = fmax(q1, 0.0), o2 = fmax(q2, 0.0);
        double d = sqrt(o0 * o0 + o1 * o1 + o2 * o2) + fmin(fmax(q0, fmax(q1, q2)), 0.0) - r;
        if (pr->p[5] > 0.0) {
            /* inverted-V cut (ss_sdf_box_vcut): solid only where w >= w_apex - slope |u|; the
               plane distance is exact outside the cut, an underestimate inside it */
            double k = pr->p[5];
            d = fmax(d, (pr->p[4] - k * fabs(l[0]) - l[2]) / sqrt(1.0 + k * k));
        }
        return d;
    }
    case SS_SDF_ELLCYL: {
        double d2 = ss__ell2(l[0], l[1], pr->p[0], pr->p[1]);
        d2 = fmax(d2, l[1] - pr->p[4]);
        return ss__round2(d2, fabs(l[2]) - pr->p[2], pr->p[3]);
    }
    case SS_SDF_SEG: {
        double L = pr->p[0];
        double s = l[2] < 0 ? 0 : (l[2] > L ? L : l[2]);
        double t = L > 1e-9 ? s / L : 0.0;
        double ra = pr->p[1] + t * (pr->p[3] - pr->p[1]);
        double rb = pr->p[2] + t * (pr->p[4] - pr->p[2]);
        return ss__ell3(l[0], l[1], l[2] - s, ra, rb, fmin(ra, rb)) + pr->p[5];
    }
    case SS_SDF_DISC: {
        double d = ss__ell2(l[0], l[1], pr->p[0], pr->p[1]);
        d = fmax(d, l[1] - pr->p[2]);
        for (int k = 0; k < 2; k++) d = fmax(d, ss_v3_dot(pr->plane[k], p) - pr->plane[k][3]);
        return d;
    }
    default: return 1e9;
    }
}

/* ------------------------------------------------------------------ bounding boxes */

/* world box around the solid's local bounding box (half extents and centre) */
static void ss__bbox(ss_sdf_prim *pr)
{
    double c[3] = {0, 0, 0}, h[3];
    switch (pr->kind) {
    case SS_SDF_BOX: h[0] = pr->p[0]; h[1] = pr->p[1]; h[2] = pr->p[2]; break;
    case SS_SDF_ELLCYL: h[0] = pr->p[0]; h[1] = pr->p[1]; h[2] = pr->p[2]; break;
    case SS_SDF_SEG: {
        double ra = fmax(pr->p[1], pr->p[3]), rb = fmax(pr->p[2], pr->p[4]);
        h[0] = ra; h[1] = rb; h[2] = 0.5 * pr->p[0] + fmin(ra, rb);
        c[2] = 0.5 * pr->p[0];
        break;
    }
    default: /* disc: thickness bounded generously by the planes */
        h[0] = pr->p[0]; h[1] = pr->p[1]; h[2] = pr->p[5];
        break;
    }
    double cw[3];
    ss_v3_frame_point(&pr->f, c[0], c[1], c[2], cw);
    for (int j = 0; j < 3; j++) {
        double e = 0;
        for (int i = 0; i < 3; i++) e += fabs(pr->f.ax[i][j]) * h[i];
        pr->lo[j] = cw[j] - e - 0.01;
        pr->hi[j] = cw[j] + e + 0.01;
    }
}

double ss_sdf_bbox_dist(const double lo[3], const double hi[3], const double p[3])
{
    double s = 0;
    for (int i = 0; i < 3; i++) {
        double d = fmax(lo[i] - p[i], p[i] - hi[i]);
        if (d > 0) s += d * d;
    }
    return sqrt(s);
}

bool ss_sdf_bbox_overlap(const double alo[3], const double ahi[3], const double blo[3], const double bhi[3])
{
    for (int i = 0; i < 3; i++)
        if (ahi[i] < blo[i] || bhi[i] < alo[i]) return false;
    return true;
}

/* ------------------------------------------------------------------ builders */

/* the whole solid: kind, frame, parameters (as listed in sdf_prim.h), bounding box */
static void ss__make(ss_sdf_prim *s, int kind, const ss_v3_frame *f, const double p[6])
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->f = *f;
    memcpy(s->p, p, sizeof s->p);
    ss__bbox(s);
}

void ss_sdf_box_centred(ss_sdf_prim *s, const ss_v3_frame *f, double hx, double hy, double hz, double r)
{
    ss__make(s, SS_SDF_BOX, f, (const double[6]){hx, hy, hz, r, 0, 0});
}

void ss_sdf_box(ss_sdf_prim *s, const ss_v3_frame *f, double u0, double u1, double v0, double v1, double w0,
                double w1, double r)
{
    ss_v3_frame c = *f;
    ss_v3_frame_point(f, 0.5 * (u0 + u1), 0.5 * (v0 + v1), 0.5 * (w0 + w1), c.o);
    double hx = 0.5 * fabs(u1 - u0), hy = 0.5 * fabs(v1 - v0), hz = 0.5 * fabs(w1 - w0);
    ss_sdf_box_centred(s, &c, hx, hy, hz, fmin(r, 0.99 * fmin(hx, fmin(hy, hz))));
}

void ss_sdf_box_vcut(ss_sdf_prim *s, const ss_v3_frame *f, double w_apex, double slope)
{
    double c[3];
    ss_v3_frame_local(f, s->f.o, c); /* the box centre in f's coordinates */
    s->p[4] = w_apex - c[2];
    s->p[5] = slope;
}

void ss_sdf_box_cut(ss_sdf_prim *s, const double n[3], const double on[3])
{
    double nn[3] = {n[0], n[1], n[2]};
    ss_v3_normalize(nn);
    ss_v3_copy(s->plane[0], nn);
    s->plane[0][3] = ss_v3_dot(nn, on);
    s->cut = true;
}

void ss_sdf_bumpy(ss_sdf_prim *s, double amplitude_mm, double scale_mm)
{
    s->bump_mm = amplitude_mm;
    s->bump_scale_mm = scale_mm;
    for (int i = 0; i < 3; i++) {
        s->lo[i] -= amplitude_mm;
        s->hi[i] += amplitude_mm;
    }
}

void ss_sdf_ellcyl(ss_sdf_prim *s, const ss_v3_frame *f, double a, double b, double half_h, double r, double v_cut)
{
    ss__make(s, SS_SDF_ELLCYL, f, (const double[6]){a, b, half_h, r, v_cut, 0});
}

void ss_sdf_seg(ss_sdf_prim *s, const double a[3], const double b[3], const double ref[3], double ra0, double rb0,
                double ra1, double rb1)
{
    double d[3];
    ss_v3_sub(d, b, a);
    double L = ss_v3_len(d);
    if (L < 1e-6) { d[0] = 0; d[1] = 0; d[2] = 1; L = 0; }
    double r[3];
    ss_v3_copy(r, ref);
    if (fabs(ss_v3_dot(r, d)) > 0.99 * ss_v3_len(r) * ss_v3_len(d)) { r[0] = d[1]; r[1] = d[2]; r[2] = d[0]; }
    ss_v3_frame f;
    ss_v3_frame_from_wu(&f, d, r);
    ss_v3_copy(f.o, a);
    ss__make(s, SS_SDF_SEG, &f, (const double[6]){L, ra0, rb0, ra1, rb1, 0});
}

void ss_sdf_seg_inset(ss_sdf_prim *s, double inset_mm) { s->p[5] = inset_mm; }

void ss_sdf_disc(ss_sdf_prim *s, const ss_v3_frame *f, double a, double b, double v_cut, double h_bound,
                 const double n_top[3], const double on_top[3], const double n_bottom[3], const double on_bottom[3])
{
    ss__make(s, SS_SDF_DISC, f, (const double[6]){a, b, v_cut, 0, 0, h_bound});
    ss_v3_copy(s->plane[0], n_top);
    ss_v3_copy(s->plane[1], n_bottom);
    s->plane[0][3] = ss_v3_dot(s->plane[0], on_top);
    s->plane[1][3] = ss_v3_dot(s->plane[1], on_bottom);
}

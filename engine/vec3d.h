/* vec3d.h: small double-precision 3-vector maths and orthonormal frames, as static
 * inline helpers (no .c file), for the engine's geometry in the patient frame (mm).
 *
 * Vectors are plain double[3]; output parameter first (o = ...), inputs may alias it.
 * A frame is an origin and three unit axes; "local" coordinates (u, v, w) are the
 * components along ax[0], ax[1], ax[2]. Each helper evaluates its sums in one fixed
 * order, so results do not depend on who calls them (the volume hash tests rely on it).
 * Not here: single precision (the acoustic renderer keeps its float maths), matrices
 * beyond a frame's axes, anything that allocates.
 */
#ifndef SS_VEC3D_H
#define SS_VEC3D_H

#include <math.h>

static inline void ss_v3_set(double o[3], double x, double y, double z) { o[0] = x; o[1] = y; o[2] = z; }
static inline void ss_v3_copy(double o[3], const double a[3]) { o[0] = a[0]; o[1] = a[1]; o[2] = a[2]; }
static inline double ss_v3_dot(const double a[3], const double b[3]) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
static inline double ss_v3_len(const double a[3]) { return sqrt(ss_v3_dot(a, a)); }

/* o = a + s * b */
static inline void ss_v3_axpy(double o[3], const double a[3], double s, const double b[3])
{
    o[0] = a[0] + s * b[0]; o[1] = a[1] + s * b[1]; o[2] = a[2] + s * b[2];
}

/* o = a - b */
static inline void ss_v3_sub(double o[3], const double a[3], const double b[3])
{
    o[0] = a[0] - b[0]; o[1] = a[1] - b[1]; o[2] = a[2] - b[2];
}

/* o = a + t * (b - a) */
static inline void ss_v3_lerp(double o[3], const double a[3], const double b[3], double t)
{
    for (int i = 0; i < 3; i++) o[i] = a[i] + t * (b[i] - a[i]);
}

/* o = a x b */
static inline void ss_v3_cross(double o[3], const double a[3], const double b[3])
{
    double r[3] = {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
    ss_v3_copy(o, r);
}

/* scales a to unit length in place; a (near-)zero vector is left as it is */
static inline void ss_v3_normalize(double a[3])
{
    double l = ss_v3_len(a);
    if (l > 1e-12) { a[0] /= l; a[1] /= l; a[2] /= l; }
}

/* ------------------------------------------------------------------ frames */

typedef struct ss_v3_frame {
    double o[3];     /* origin, patient frame */
    double ax[3][3]; /* ax[i] = local axis i as a unit vector in the patient frame */
} ss_v3_frame;

/* world point of local coordinates (u, v, w) */
static inline void ss_v3_frame_point(const ss_v3_frame *f, double u, double v, double w, double out[3])
{
    for (int i = 0; i < 3; i++) out[i] = f->o[i] + u * f->ax[0][i] + v * f->ax[1][i] + w * f->ax[2][i];
}

/* world direction of local components (u, v, w) */
static inline void ss_v3_frame_dir(const ss_v3_frame *f, double u, double v, double w, double out[3])
{
    for (int i = 0; i < 3; i++) out[i] = u * f->ax[0][i] + v * f->ax[1][i] + w * f->ax[2][i];
}

/* local coordinates of the world point p */
static inline void ss_v3_frame_local(const ss_v3_frame *f, const double p[3], double out[3])
{
    double d[3];
    ss_v3_sub(d, p, f->o);
    out[0] = ss_v3_dot(d, f->ax[0]);
    out[1] = ss_v3_dot(d, f->ax[1]);
    out[2] = ss_v3_dot(d, f->ax[2]);
}

/* the frame rotated about its own w axis by ang_rad (same origin) */
static inline ss_v3_frame ss_v3_frame_rotw(const ss_v3_frame *f, double ang_rad)
{
    ss_v3_frame r = *f;
    double c = cos(ang_rad), s = sin(ang_rad);
    for (int i = 0; i < 3; i++) {
        r.ax[0][i] = c * f->ax[0][i] + s * f->ax[1][i];
        r.ax[1][i] = -s * f->ax[0][i] + c * f->ax[1][i];
    }
    return r;
}

/* sets f's axes (not its origin) to the orthonormal frame whose w axis is along w and
   whose u axis is u made perpendicular to it; v = w x u */
static inline void ss_v3_frame_from_wu(ss_v3_frame *f, const double w[3], const double u[3])
{
    double z[3], x[3], y[3];
    ss_v3_copy(z, w);
    ss_v3_normalize(z);
    ss_v3_axpy(x, u, -ss_v3_dot(u, z), z);
    ss_v3_normalize(x);
    ss_v3_cross(y, z, x);
    ss_v3_copy(f->ax[0], x);
    ss_v3_copy(f->ax[1], y);
    ss_v3_copy(f->ax[2], z);
}

/* average of two frames (origins and axes), re-orthonormalized */
static inline ss_v3_frame ss_v3_frame_mean(const ss_v3_frame *a, const ss_v3_frame *b)
{
    ss_v3_frame r;
    double w[3], u[3];
    ss_v3_lerp(r.o, a->o, b->o, 0.5);
    ss_v3_lerp(w, a->ax[2], b->ax[2], 0.5);
    ss_v3_lerp(u, a->ax[0], b->ax[0], 0.5);
    ss_v3_frame_from_wu(&r, w, u);
    return r;
}

#endif

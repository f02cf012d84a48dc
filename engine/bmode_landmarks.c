/* bmode_landmarks.c: see bmode_landmarks.h; the definitions are also in docs/acoustics.md. */
#include "bmode_landmarks.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "tissue.h"

#define SS__PI 3.14159265358979323846
#define SS__BIN_MM 5.0 /* muscle reference: depth bins of the fit */
#define SS__BIN_MIN 40 /* samples a bin needs to count */

typedef struct ss__img {
    const float *env;
    const uint8_t *lab;
    int lines, samples;
    double dz;
    const ss_probe *probe;
} ss__img;

static bool ss__hard(int l)
{
    return l == SS_TISSUE_CORTICAL || l == SS_TISSUE_CANCELLOUS || l == SS_TISSUE_GRAFT || l == SS_TISSUE_TITANIUM ||
           l == SS_TISSUE_COCR || l == SS_TISSUE_STEEL;
}
static bool ss__bone(int l) { return l == SS_TISSUE_CORTICAL || l == SS_TISSUE_CANCELLOUS; }
static bool ss__metal(int l) { return l == SS_TISSUE_TITANIUM || l == SS_TISSUE_COCR; }

static double ss__pow(const ss__img *I, int line, int j)
{
    double e = I->env[(size_t)line * (size_t)I->samples + (size_t)j];
    return e * e;
}
static int ss__lab(const ss__img *I, int line, int j) { return I->lab[(size_t)line * (size_t)I->samples + (size_t)j]; }
static double ss__depth(const ss__img *I, int j) { return ((double)j + 0.5) * I->dz; }
static int ss__index(const ss__img *I, double depth_mm)
{
    int j = (int)floor(depth_mm / I->dz);
    return j < 0 ? 0 : j >= I->samples ? I->samples - 1 : j;
}
static double ss__db(double p) { return p > 0.0 ? 10.0 * log10(p) : -400.0; }

static int ss__first_hard(const ss__img *I, int line)
{
    for (int j = 0; j < I->samples; j++)
        if (ss__hard(ss__lab(I, line, j))) return j;
    return I->samples;
}

static int ss__cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static double ss__median(double *v, int n)
{
    if (n <= 0) return NAN;
    qsort(v, (size_t)n, sizeof *v, ss__cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* ------------------------------------------------------------------ muscle reference */

static void ss__muscle_fit(const ss__img *I, int ref, ss_landmarks *m)
{
    m->muscle_samples = 0;
    int nb = (int)ceil(I->samples * I->dz / SS__BIN_MM) + 1;
    double *sum = calloc((size_t)nb, sizeof *sum);
    int *cnt = calloc((size_t)nb, sizeof *cnt);
    if (!sum || !cnt) {
        free(sum);
        free(cnt);
        return;
    }
    int edge = (int)ceil(SS_LANDMARK_EDGE_MM / I->dz);
    for (int l = 0; l < I->lines; l++) {
        int stop = ss__first_hard(I, l);
        for (int j = edge; j < stop - edge; j++) {
            if (ss__lab(I, l, j) != ref) continue;
            bool clean = true;
            for (int k = j - edge; k <= j + edge && clean; k++) clean = ss__lab(I, l, k) == ref;
            if (!clean) continue;
            int b = (int)(ss__depth(I, j) / SS__BIN_MM);
            sum[b] += ss__pow(I, l, j);
            cnt[b]++;
            m->muscle_samples++;
        }
    }
    double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    m->muscle_depth_lo_mm = NAN;
    m->muscle_depth_hi_mm = NAN;
    for (int b = 0; b < nb; b++) {
        if (cnt[b] < SS__BIN_MIN) continue;
        double x = (b + 0.5) * SS__BIN_MM, y = ss__db(sum[b] / cnt[b]), w = cnt[b];
        sw += w;
        sx += w * x;
        sy += w * y;
        sxx += w * x * x;
        sxy += w * x * y;
        if (isnan(m->muscle_depth_lo_mm)) m->muscle_depth_lo_mm = b * SS__BIN_MM;
        m->muscle_depth_hi_mm = (b + 1) * SS__BIN_MM;
    }
    free(sum);
    free(cnt);
    if (sw <= 0) {
        m->muscle_db0 = NAN;
        m->muscle_db_per_mm = NAN;
        return;
    }
    /* the free fit, reported for what it shows (the near field's compression, texture,
       the reference tissue's own attenuation) */
    double den = sw * sxx - sx * sx;
    m->muscle_fit_db_per_mm = den > 1e-9 * sw * sw ? (sw * sxy - sx * sy) / den : 0.0;
    /* the reference: the intercept with the slope an ideal TGC takes out, the reference
       tissue's round trip 2 alpha f (tissue.c): extrapolating a free fit from the few
       centimetres of muscle above the canal to the canal's depth swung it by 10 dB */
    m->muscle_db_per_mm = -2.0 * ss_tissue_get(m->reference)->alpha_db_cm_mhz * I->probe->freq_mhz * 0.1;
    m->muscle_db0 = (sy - m->muscle_db_per_mm * sx) / sw;
}

static double ss__ref(const ss_landmarks *m, double depth_mm) { return m->muscle_db0 + m->muscle_db_per_mm * depth_mm; }

/* ------------------------------------------------------------------ per-line helpers */

/* peak power over [j0, j1] and where */
static double ss__peak(const ss__img *I, int line, int j0, int j1, int *at)
{
    if (j0 < 0) j0 = 0;
    if (j1 > I->samples - 1) j1 = I->samples - 1;
    double best = 0;
    *at = j0;
    for (int j = j0; j <= j1; j++) {
        double p = ss__pow(I, line, j);
        if (p > best) {
            best = p;
            *at = j;
        }
    }
    return best;
}

static double ss__mean(const ss__img *I, int line, int j0, int j1)
{
    if (j0 < 0) j0 = 0;
    if (j1 > I->samples - 1) j1 = I->samples - 1;
    double s = 0;
    int n = 0;
    for (int j = j0; j <= j1; j++, n++) s += ss__pow(I, line, j);
    return n ? s / n : 0.0;
}

/* Collects per-line values and reduces them to a landmark. */
typedef struct ss__acc {
    double *db, *depth;
    int n;
} ss__acc;

static void ss__put(ss__acc *a, double db, double depth)
{
    a->db[a->n] = db;
    a->depth[a->n] = depth;
    a->n++;
}
static ss_landmark ss__reduce(ss__acc *a)
{
    ss_landmark L = {a->n, NAN, NAN};
    if (a->n) {
        L.db = ss__median(a->db, a->n);
        L.depth_mm = ss__median(a->depth, a->n);
    }
    a->n = 0;
    return L;
}

static bool ss__sac_wall(int l) { return l == SS_TISSUE_DURA || l == SS_TISSUE_EPIDURAL_FAT || l == SS_TISSUE_FLAVUM; }

/* ------------------------------------------------------------------ the measures */

static void ss__sac(const ss__img *I, ss_landmarks *m, ss__acc *a)
{
    int margin = (int)ceil(SS_LANDMARK_SAC_MARGIN_MM / I->dz);
    double pooled = 0, pooled_z = 0;
    long pooled_n = 0;
    for (int l = 2; l < I->lines - 2; l++) {
        int stop = I->samples - margin;
        for (int dl = -2; dl <= 2; dl++) {
            int h = ss__first_hard(I, l + dl);
            if (h < stop) stop = h;
        }
        double sum = 0, zsum = 0;
        int n = 0;
        for (int j = margin; j < stop; j++) {
            bool ok = true;
            for (int k = j - margin; k <= j + margin && ok; k++) ok = ss__lab(I, l, k) == SS_TISSUE_CSF;
            for (int dl = -2; dl <= 2 && ok; dl++) ok = ss__lab(I, l + dl, j) == SS_TISSUE_CSF;
            if (!ok) continue;
            sum += ss__pow(I, l, j);
            zsum += ss__depth(I, j);
            n++;
        }
        pooled += sum;
        pooled_z += zsum;
        pooled_n += n;
        if (n >= 3) ss__put(a, ss__db(sum / n) - ss__ref(m, zsum / n), zsum / n);
    }
    m->sac = ss__reduce(a);
    m->sac_pooled_db = pooled_n ? ss__db(pooled / (double)pooled_n) - ss__ref(m, pooled_z / (double)pooled_n) : NAN;
}

static void ss__complexes(const ss__img *I, ss_landmarks *m, ss__acc *a, ss__acc *b)
{
    int single = 0;
    m->window_lines = 0;
    for (int l = 0; l < I->lines; l++) {
        int c0 = -1, c1 = -1;
        const int stop = ss__first_hard(I, l); /* CSF behind bone is in its shadow, not a window */
        for (int j = 0; j < stop; j++) {
            int lb = ss__lab(I, l, j);
            if (lb == SS_TISSUE_CSF) {
                if (c0 < 0) c0 = j;
                c1 = j;
            } else if (c0 >= 0 && lb != SS_TISSUE_NERVE) {
                break; /* the first run of CSF (cauda equina roots inside it do not end it) */
            }
        }
        if (c0 < 0) continue;
        m->window_lines++;
        /* posterior complex: the sac's wall layers above the CSF */
        int f0 = c0;
        while (f0 > 0 && ss__sac_wall(ss__lab(I, l, f0 - 1))) f0--;
        if (f0 < c0) {
            int j0 = ss__index(I, ss__depth(I, f0) - 1.0), j1 = ss__index(I, ss__depth(I, c0) + 0.5), at;
            double pk = ss__peak(I, l, j0, j1, &at);
            ss__put(a, ss__db(pk) - ss__ref(m, ss__depth(I, at)), ss__depth(I, at));
            /* one line: every sample within 6 dB of the peak lies within a band of
               SS_LANDMARK_LINE_MM (not two or more echoes spread over the complex) */
            int b0 = at, b1 = at;
            for (int j = j0; j <= j1; j++)
                if (ss__pow(I, l, j) >= 0.251 * pk) {
                    if (j < b0) b0 = j;
                    if (j > b1) b1 = j;
                }
            single += (double)(b1 - b0) * I->dz <= SS_LANDMARK_LINE_MM;
        }
        /* anterior complex: from the sac's last CSF sample through the anterior dura and
           epidural space to the back of the disc or vertebral body (+1 mm), at most 8 mm */
        {
            int j0 = ss__index(I, ss__depth(I, c1) - 0.5), j1 = ss__index(I, ss__depth(I, c1) + 3.0), at;
            int jmax = ss__index(I, ss__depth(I, c1) + 8.0);
            for (int j = c1 + 1; j <= jmax; j++) {
                int lb = ss__lab(I, l, j);
                if (lb == SS_TISSUE_DISC || ss__hard(lb)) {
                    j1 = ss__index(I, ss__depth(I, j) + 1.0);
                    break;
                }
            }
            double pk = ss__peak(I, l, j0, j1, &at);
            ss__put(b, ss__db(pk) - ss__ref(m, ss__depth(I, at)), ss__depth(I, at));
        }
    }
    m->posterior_complex_single = a->n ? (double)single / a->n : NAN;
    m->posterior_complex = ss__reduce(a);
    m->anterior_complex = ss__reduce(b);
}

/* hard tissue class: 0 bone, 1 metal, 2 graft, -1 other */
static int ss__class(int lb)
{
    return ss__bone(lb) ? 0 : ss__metal(lb) ? 1 : lb == SS_TISSUE_GRAFT ? 2 : -1;
}

/* spacing of neighbouring lines at a depth (mm) */
static double ss__line_mm(const ss__img *I, double depth_mm)
{
    const ss_probe *p = I->probe;
    if (p->kind == SS_PROBE_LINEAR) return p->width_mm / p->lines;
    double dth = p->lines > 1 ? p->fov_deg * SS__PI / 180.0 / (p->lines - 1) : 0.0;
    return dth * (p->radius_mm + depth_mm);
}

/* first hard surface per line, by class: bone, metal or graft */
static void ss__hard_surfaces(const ss__img *I, ss_landmarks *m, ss__acc *a, ss__acc *b)
{
    double *reverb = malloc(sizeof(double) * (size_t)I->lines);
    double *gz = malloc(sizeof(double) * (size_t)I->lines);
    int nrev = 0;
    for (int cls = 0; cls < 3; cls++) {
        for (int l = 0; l < I->lines; l++) {
            int s = ss__first_hard(I, l);
            gz[l] = NAN;
            if (s >= I->samples) continue;
            int lb = ss__lab(I, l, s);
            if (ss__class(lb) != cls) continue;
            double zs = ss__depth(I, s);
            int at;
            double pk = ss__peak(I, l, ss__index(I, zs - 1.0), ss__index(I, zs + 0.5), &at);
            ss__put(a, ss__db(pk) - ss__ref(m, ss__depth(I, at)), ss__depth(I, at));
            gz[l] = ss__depth(I, at);
            /* the shadow window; under metal it starts below the ring-down (the comet tail
               fills the first SS_LANDMARK_METAL_TAIL_MM) */
            double sh_top = cls == 1 ? SS_LANDMARK_METAL_TAIL_MM : 3.0;
            int sh0 = ss__index(I, zs + sh_top), sh1 = ss__index(I, zs + sh_top + 12.0);
            double sh = 0.0;
            /* the shadow is judged under the bone, not at its edges: the lines within
               SS_LANDMARK_SHADOW_EDGE_MM either side must meet the same kind of hard tissue
               first (a beam of finite width straddling an edge is half in the light) */
            int nb = (int)ceil(SS_LANDMARK_SHADOW_EDGE_MM / fmax(ss__line_mm(I, zs), 1e-3));
            bool interior = l - nb >= 0 && l + nb < I->lines;
            /* and it is judged under bone the line goes through, not a sliver it clips */
            int run = 0;
            while (s + run < I->samples && ss__hard(ss__lab(I, l, s + run))) run++;
            interior = interior && (double)run * I->dz >= SS_LANDMARK_SHADOW_BONE_MM;
            for (int dl = -nb; dl <= nb && interior; dl++) {
                int h = ss__first_hard(I, l + dl);
                interior = h < I->samples && ss__class(ss__lab(I, l + dl, h)) == cls;
            }
            if (interior && sh1 > sh0 + 2) {
                sh = ss__mean(I, l, sh0, sh1);
                ss__put(b, ss__db(sh) - ss__ref(m, 0.5 * (ss__depth(I, sh0) + ss__depth(I, sh1))),
                        0.5 * (ss__depth(I, sh0) + ss__depth(I, sh1)));
            }
            if (cls == 1 && reverb) {
                /* distinct echoes below the surface standing out of the shadow */
                int j0 = ss__index(I, zs + 0.7), j1 = ss__index(I, zs + SS_LANDMARK_METAL_TAIL_MM - 2.0), peaks = 0;
                double floor_p = 3.98 * (sh > 0 ? sh : 0.0);
                for (int j = j0 + 1; j < j1; j++) {
                    double p = ss__pow(I, l, j);
                    if (p > ss__pow(I, l, j - 1) && p >= ss__pow(I, l, j + 1) && p > floor_p) peaks++;
                }
                reverb[nrev++] = peaks;
            }
        }
        ss_landmark s = ss__reduce(a), sh = ss__reduce(b);
        if (cls == 0) {
            m->bone = s;
            m->bone_shadow = sh;
        } else if (cls == 1) {
            m->metal = s;
            m->metal_shadow = sh;
            m->metal_reverb_peaks = reverb ? ss__median(reverb, nrev) : NAN;
        } else {
            m->graft = s;
            /* roughness: rms of the surface depth about a straight line fitted over the
               lines within SS_LANDMARK_ROUGH_SPAN_MM either side (all graft-first) */
            double ss = 0;
            int n = 0;
            for (int l = 0; gz && l < I->lines; l++) {
                if (isnan(gz[l])) continue;
                int h = (int)ceil(SS_LANDMARK_ROUGH_SPAN_MM / fmax(ss__line_mm(I, gz[l]), 1e-3));
                if (l - h < 0 || l + h >= I->lines) continue;
                double sx = 0, sy = 0, sxx = 0, sxy = 0;
                int k = 0;
                for (int d = -h; d <= h; d++) {
                    if (isnan(gz[l + d])) break;
                    sx += d;
                    sy += gz[l + d];
                    sxx += (double)d * d;
                    sxy += d * gz[l + d];
                    k++;
                }
                if (k != 2 * h + 1) continue;
                double slope = (k * sxy - sx * sy) / (k * sxx - sx * sx), icpt = (sy - slope * sx) / k;
                double r = gz[l] - icpt;
                ss += r * r;
                n++;
            }
            m->graft_roughness_mm = n ? sqrt(ss / n) : NAN;
        }
    }
    free(reverb);
    free(gz);
}

static void ss__fascia_needle(const ss__img *I, ss_landmarks *m, ss__acc *a, ss__acc *b)
{
    for (int l = 0; l < I->lines; l++) {
        for (int j = 1; j < I->samples; j++) {
            if (ss__lab(I, l, j - 1) == SS_TISSUE_FAT && ss__lab(I, l, j) == SS_TISSUE_MUSCLE) {
                double z = ss__depth(I, j);
                int at;
                double pk = ss__peak(I, l, ss__index(I, z - 1.0), ss__index(I, z + 1.0), &at);
                ss__put(a, ss__db(pk) - ss__ref(m, ss__depth(I, at)), ss__depth(I, at));
                break;
            }
        }
        int s0 = -1, s1 = -1;
        for (int j = 0; j < I->samples; j++)
            if (ss__lab(I, l, j) == SS_TISSUE_STEEL) {
                if (s0 < 0) s0 = j;
                s1 = j;
            }
        if (s0 >= 0) {
            int at;
            double pk = ss__peak(I, l, ss__index(I, ss__depth(I, s0) - 0.5), ss__index(I, ss__depth(I, s1) + 0.5), &at);
            ss__put(b, ss__db(pk) - ss__ref(m, ss__depth(I, at)), ss__depth(I, at));
        }
    }
    m->fascia = ss__reduce(a);
    m->needle = ss__reduce(b);
}

/* lateral position of a line at a depth, mm along the arc (convex) or the face (linear) */
static double ss__lateral_mm(const ss__img *I, int line, double depth_mm)
{
    const ss_probe *p = I->probe;
    if (p->kind == SS_PROBE_LINEAR) return (line + 0.5) * p->width_mm / p->lines;
    double dth = p->lines > 1 ? p->fov_deg * SS__PI / 180.0 / (p->lines - 1) : 0.0;
    return line * dth * (p->radius_mm + depth_mm);
}

static void ss__segments(const ss__img *I, ss_landmarks *m)
{
    m->segments = 0;
    int l = 0;
    while (l < I->lines && m->segments < SS_LANDMARK_MAX_SEGMENTS) {
        int s = ss__first_hard(I, l);
        if (s >= I->samples || !ss__bone(ss__lab(I, l, s))) {
            l++;
            continue;
        }
        int e = l;
        while (e + 1 < I->lines) {
            int s2 = ss__first_hard(I, e + 1);
            if (s2 >= I->samples || !ss__bone(ss__lab(I, e + 1, s2))) break;
            /* a jump of more than 3 mm in depth starts a new segment (a step in the sawtooth) */
            if (fabs(ss__depth(I, s2) - ss__depth(I, ss__first_hard(I, e))) > 3.0) break;
            e++;
        }
        if (e - l + 1 >= 3) {
            double sx = 0, sy = 0, sxx = 0, sxy = 0;
            int n = e - l + 1;
            for (int k = l; k <= e; k++) {
                double z = ss__depth(I, ss__first_hard(I, k)), x = ss__lateral_mm(I, k, z);
                sx += x;
                sy += z;
                sxx += x * x;
                sxy += x * z;
            }
            double den = n * sxx - sx * sx, slope = den > 0 ? (n * sxy - sx * sy) / den : 0.0;
            double icpt = (sy - slope * sx) / n;
            ss_bone_segment *g = &m->segment[m->segments++];
            g->first_line = l;
            g->last_line = e;
            double z0 = ss__depth(I, ss__first_hard(I, l)), z1 = ss__depth(I, ss__first_hard(I, e));
            g->depth_first_mm = icpt + slope * ss__lateral_mm(I, l, z0);
            g->depth_last_mm = icpt + slope * ss__lateral_mm(I, e, z1);
            g->slope_deg = atan(slope) * 180.0 / SS__PI;
        }
        l = e + 1;
    }
}

ss_status ss_landmarks_measure_raw(const float *envelope, const uint8_t *labels, int lines, int samples,
                                   float sample_spacing_mm, const ss_probe *probe, ss_landmarks *out)
{
    if (!envelope || !labels || !probe || !out || lines < 5 || samples < 16 || !(sample_spacing_mm > 0.f))
        return ss_error_set(SS_ERR_INVALID, "landmarks: need an envelope and labels of at least 5 x 16 samples");
    memset(out, 0, sizeof *out);
    ss__img I = {envelope, labels, lines, samples, sample_spacing_mm, probe};
    /* muscle, or where a view shows none (the median sagittal plane: ligament between the
       spinous processes), the speckle of the ligament, then of fat */
    static const int refs[3] = {SS_TISSUE_MUSCLE, SS_TISSUE_LIGAMENT, SS_TISSUE_FAT};
    for (int r = 0; r < 3; r++) {
        out->reference = refs[r];
        ss__muscle_fit(&I, refs[r], out);
        if (out->muscle_samples >= 4 * SS__BIN_MIN && !isnan(out->muscle_db0)) break;
    }
    if (isnan(out->muscle_db0))
        return ss_error_set(SS_ERR_INVALID, "landmarks: no unshadowed muscle, ligament or fat to compare against");
    ss__acc a = {malloc(sizeof(double) * (size_t)lines), malloc(sizeof(double) * (size_t)lines), 0};
    ss__acc b = {malloc(sizeof(double) * (size_t)lines), malloc(sizeof(double) * (size_t)lines), 0};
    if (!a.db || !a.depth || !b.db || !b.depth) {
        free(a.db), free(a.depth), free(b.db), free(b.depth);
        return ss_error_set(SS_ERR_NOMEM, "landmarks: out of memory");
    }
    ss__sac(&I, out, &a);
    ss__complexes(&I, out, &a, &b);
    ss__hard_surfaces(&I, out, &a, &b);
    ss__fascia_needle(&I, out, &a, &b);
    ss__segments(&I, out);
    free(a.db), free(a.depth), free(b.db), free(b.depth);
    return SS_OK;
}

ss_status ss_landmarks_measure(const ss_bmode_frame *f, ss_landmarks *out)
{
    if (!f || !f->envelope || !f->labels) return ss_error_set(SS_ERR_INVALID, "landmarks: no frame");
    return ss_landmarks_measure_raw(f->envelope, f->labels, f->lines, f->samples, f->sample_spacing_mm, &f->probe,
                                    out);
}

static void ss__json_landmark(cJSON *o, const char *name, const ss_landmark *L)
{
    cJSON *j = cJSON_AddObjectToObject(o, name);
    cJSON_AddNumberToObject(j, "lines", L->lines);
    if (L->lines) {
        cJSON_AddNumberToObject(j, "db", round(L->db * 10.0) / 10.0);
        cJSON_AddNumberToObject(j, "depth_mm", round(L->depth_mm * 10.0) / 10.0);
    }
}

char *ss_landmarks_json(const ss_landmarks *m)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *mu = cJSON_AddObjectToObject(o, "reference");
    cJSON_AddStringToObject(mu, "tissue", ss_tissue_get(m->reference)->name);
    cJSON_AddNumberToObject(mu, "samples", m->muscle_samples);
    cJSON_AddNumberToObject(mu, "db_at_0mm", round(m->muscle_db0 * 10.0) / 10.0);
    cJSON_AddNumberToObject(mu, "db_per_mm", round(m->muscle_db_per_mm * 1000.0) / 1000.0);
    cJSON_AddNumberToObject(mu, "fit_db_per_mm", round(m->muscle_fit_db_per_mm * 1000.0) / 1000.0);
    cJSON_AddNumberToObject(o, "window_lines", m->window_lines);
    ss__json_landmark(o, "sac", &m->sac);
    if (m->sac.lines) cJSON_AddNumberToObject(o, "sac_pooled_db", round(m->sac_pooled_db * 10.0) / 10.0);
    ss__json_landmark(o, "posterior_complex", &m->posterior_complex);
    if (m->posterior_complex.lines)
        cJSON_AddNumberToObject(o, "posterior_complex_single", round(m->posterior_complex_single * 100.0) / 100.0);
    ss__json_landmark(o, "anterior_complex", &m->anterior_complex);
    ss__json_landmark(o, "bone", &m->bone);
    ss__json_landmark(o, "bone_shadow", &m->bone_shadow);
    ss__json_landmark(o, "metal", &m->metal);
    ss__json_landmark(o, "metal_shadow", &m->metal_shadow);
    if (m->metal.lines) cJSON_AddNumberToObject(o, "metal_reverb_peaks", m->metal_reverb_peaks);
    ss__json_landmark(o, "graft", &m->graft);
    if (m->graft.lines) cJSON_AddNumberToObject(o, "graft_roughness_mm", round(m->graft_roughness_mm * 100.0) / 100.0);
    ss__json_landmark(o, "fascia", &m->fascia);
    ss__json_landmark(o, "needle", &m->needle);
    cJSON *sg = cJSON_AddArrayToObject(o, "bone_segments");
    for (int i = 0; i < m->segments; i++) {
        const ss_bone_segment *g = &m->segment[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "first_line", g->first_line);
        cJSON_AddNumberToObject(j, "last_line", g->last_line);
        cJSON_AddNumberToObject(j, "depth_first_mm", round(g->depth_first_mm * 10.0) / 10.0);
        cJSON_AddNumberToObject(j, "depth_last_mm", round(g->depth_last_mm * 10.0) / 10.0);
        cJSON_AddNumberToObject(j, "slope_deg", round(g->slope_deg * 10.0) / 10.0);
        cJSON_AddItemToArray(sg, j);
    }
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

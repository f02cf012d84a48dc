/* tissue_texture.c: see tissue_texture.h. The numbers (cell sizes, septum widths and
 * brightness) are modelling choices, unconfirmed: fascicle bundles of the erector spinae
 * a few millimetres across inside fascial compartments one to two centimetres across,
 * subcutaneous fat lobules about a centimetre wide and a few millimetres tall. */
#include "tissue_texture.h"

#include <math.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdlib.h>

#include "scatter.h"
#include "tissue.h"
#include "thread_pool.h"

/* One cellular layer: feature points on a jittered grid of sx x sy mm (the table's period
 * holds a whole number of them), bright within about width_mm of a cell border. */
typedef struct ss__layer {
    float sx_mm, sy_mm, width_mm, bright;
    uint32_t salt;
} ss__layer;

typedef struct ss__kind {
    float base;
    ss__layer layer[2];
    int nlayers;
} ss__kind;

static const ss__kind ss__kinds[SS_TEXTURE_KINDS] = {
    /* muscle: fascicle bundles (about 5 mm wide, 1.6 mm deep) with thin perimysium, and
       compartments (about 26 x 8 mm) with brighter, thicker fascial planes; both wider
       across the back (x) than deep (y), so their borders run mostly parallel to the skin
       and a sagittal slice, a few millimetres thick across x, shows them as long lines */
    {1.0f, {{6.4f, 128.f / 48.f, 0.3f, 3.0f, 0x6D75736Cu}, {32.f, 128.f / 12.f, 0.45f, 5.0f, 0x66617363u}}, 2},
    /* fat: lobules 12.8 mm wide, 3.2 mm tall (septa mostly parallel to the skin) */
    {0.5f, {{12.8f, 3.2f, 0.2f, 3.0f, 0x66617420u}, {0.f, 0.f, 0.f, 0.f, 0u}}, 1},
};

static float *ss__table;
static pthread_once_t ss__once = PTHREAD_ONCE_INIT;

/* A layer's feature points, one per cell of its grid on the table's torus (nx x ny). */
typedef struct ss__points {
    int nx, ny;
    float *px, *py; /* within the cell's own tile: (cell + 0.1 .. 0.9) x size */
} ss__points;

static bool ss__points_make(const ss__layer *L, ss__points *P)
{
    const float period = SS_TEXTURE_N * SS_TEXTURE_CELL_MM;
    P->nx = (int)lrintf(period / L->sx_mm);
    P->ny = (int)lrintf(period / L->sy_mm);
    P->px = malloc(sizeof(float) * (size_t)P->nx * (size_t)P->ny);
    P->py = malloc(sizeof(float) * (size_t)P->nx * (size_t)P->ny);
    if (!P->px || !P->py) return false;
    for (int wy = 0; wy < P->ny; wy++)
        for (int wx = 0; wx < P->nx; wx++) {
            uint32_t h = ss_scatter_hash(L->salt, wx, wy, 0);
            P->px[wy * P->nx + wx] = ((float)wx + 0.1f + 0.8f * (float)(h & 0xFFFF) / 65536.f) * L->sx_mm;
            P->py[wy * P->nx + wx] = ((float)wy + 0.1f + 0.8f * (float)(h >> 16) / 65536.f) * L->sy_mm;
        }
    return true;
}

/* distance (mm) to the nearest cell border of a layer at (x, y) on the torus of the table:
 * half the gap between the nearest and second-nearest feature points (5 x 5 cells around:
 * the cells are up to 3 times wider than tall) */
static float ss__border(const ss__layer *L, const ss__points *P, float x, float y)
{
    const int nx = P->nx, ny = P->ny;
    int cx = (int)floorf(x / L->sx_mm), cy = (int)floorf(y / L->sy_mm);
    float d1 = 1e30f, d2 = 1e30f; /* squared */
    for (int j = -2; j <= 2; j++)
        for (int i = -2; i <= 2; i++) {
            int gx = cx + i, gy = cy + j;
            int wx = ((gx % nx) + nx) % nx, wy = ((gy % ny) + ny) % ny; /* wrap: periodic */
            /* the wrapped point, moved to this copy of the tile */
            float px = P->px[wy * nx + wx] + (float)(gx - wx) * L->sx_mm;
            float py = P->py[wy * nx + wx] + (float)(gy - wy) * L->sy_mm;
            float d = (px - x) * (px - x) + (py - y) * (py - y);
            if (d < d1) {
                d2 = d1;
                d1 = d;
            } else if (d < d2) {
                d2 = d;
            }
        }
    return 0.5f * (sqrtf(d2) - sqrtf(d1));
}

/* One kind's rows [row0, row1) of the table, and each row's sum of squares. */
/* The rows of one table, in bands (one per share of ss_pool_run). */
typedef struct ss__band {
    const ss__kind *K;
    const ss__points *P;
    float *out;
    double *row_sum2;
} ss__band;

static void ss__rows(void *arg, int index, int count)
{
    const ss__band *J = arg;
    const int row0 = SS_TEXTURE_N * index / count, row1 = SS_TEXTURE_N * (index + 1) / count;
    for (int iy = row0; iy < row1; iy++) {
        double sum2 = 0.0;
        for (int ix = 0; ix < SS_TEXTURE_N; ix++) {
            float x = ((float)ix + 0.5f) * SS_TEXTURE_CELL_MM, y = ((float)iy + 0.5f) * SS_TEXTURE_CELL_MM;
            float m = J->K->base;
            for (int l = 0; l < J->K->nlayers; l++) {
                float b = ss__border(&J->K->layer[l], &J->P[l], x, y) / J->K->layer[l].width_mm;
                m += J->K->layer[l].bright * expf(-b * b);
            }
            J->out[(size_t)iy * SS_TEXTURE_N + (size_t)ix] = m;
            sum2 += (double)m * m;
        }
        J->row_sum2[iy] = sum2;
    }
}

#define SS__TEXTURE_THREADS 4

static void ss__build(void)
{
    const size_t n = (size_t)SS_TEXTURE_N * SS_TEXTURE_N;
    float *t = malloc(sizeof(float) * n * SS_TEXTURE_KINDS);
    double *row_sum2 = malloc(sizeof(double) * SS_TEXTURE_N);
    bool ok = t && row_sum2;
    for (int k = 0; k < SS_TEXTURE_KINDS && ok; k++) {
        const ss__kind *K = &ss__kinds[k];
        ss__points P[2] = {{0}};
        for (int l = 0; l < K->nlayers; l++) ok = ok && ss__points_make(&K->layer[l], &P[l]);
        float *o = t + (size_t)k * n;
        if (ok) {
            /* rows in bands on a few threads (each cell depends on nothing else; the sums
               are added in row order, so the table is the same for any thread count) */
            ss__band B = {K, P, o, row_sum2};
            ss_pool_run(SS__TEXTURE_THREADS, ss__rows, &B);
            double sum2 = 0.0;
            for (int iy = 0; iy < SS_TEXTURE_N; iy++) sum2 += row_sum2[iy];
            float norm = (float)(1.0 / sqrt(sum2 / (double)n));
            for (size_t i = 0; i < n; i++) o[i] *= norm;
        }
        for (int l = 0; l < 2; l++) {
            free(P[l].px);
            free(P[l].py);
        }
    }
    free(row_sum2);
    if (!ok) {
        free(t); /* ss_texture_table() then gives NULL and renderers use no texture */
        return;
    }
    ss__table = t;
}

const float *ss_texture_table(void)
{
    pthread_once(&ss__once, ss__build);
    return ss__table;
}

int ss_texture_kind(int label)
{
    if (label == SS_TISSUE_MUSCLE) return 0;
    if (label == SS_TISSUE_FAT) return 1;
    return -1;
}

float ss_texture_amplitude(int label, const float pos_mm[3])
{
    int k = ss_texture_kind(label);
    const float *t = k >= 0 ? ss_texture_table() : NULL;
    if (!t) return 1.f;
    return t[(size_t)k * SS_TEXTURE_N * SS_TEXTURE_N + ss_texture_index(pos_mm)];
}

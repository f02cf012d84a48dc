/* tissue_texture.c: see tissue_texture.h. The numbers (cell sizes, septum widths and
 * brightness) are modelling choices, unconfirmed: fascicle bundles of the erector spinae
 * a few millimetres across inside fascial compartments one to two centimetres across,
 * subcutaneous fat lobules about a centimetre wide and a few millimetres tall. */
#include "tissue_texture.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "scatter.h"
#include "tissue.h"

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

/* distance (mm) to the nearest cell border of a layer at (x, y) on the torus of the table:
 * half the gap between the nearest and second-nearest feature points */
static float ss__border(const ss__layer *L, float x, float y)
{
    const float period = SS_TEXTURE_N * SS_TEXTURE_CELL_MM;
    const int nx = (int)lrintf(period / L->sx_mm), ny = (int)lrintf(period / L->sy_mm);
    int cx = (int)floorf(x / L->sx_mm), cy = (int)floorf(y / L->sy_mm);
    float d1 = 1e30f, d2 = 1e30f;
    for (int j = -2; j <= 2; j++)
        for (int i = -2; i <= 2; i++) {
            int gx = cx + i, gy = cy + j;
            int wx = ((gx % nx) + nx) % nx, wy = ((gy % ny) + ny) % ny; /* wrap: periodic */
            uint32_t h = ss_scatter_hash(L->salt, wx, wy, 0);
            float px = ((float)gx + 0.1f + 0.8f * (float)(h & 0xFFFF) / 65536.f) * L->sx_mm;
            float py = ((float)gy + 0.1f + 0.8f * (float)(h >> 16) / 65536.f) * L->sy_mm;
            float d = sqrtf((px - x) * (px - x) + (py - y) * (py - y));
            if (d < d1) {
                d2 = d1;
                d1 = d;
            } else if (d < d2) {
                d2 = d;
            }
        }
    return 0.5f * (d2 - d1);
}

static void ss__build(void)
{
    const size_t n = (size_t)SS_TEXTURE_N * SS_TEXTURE_N;
    float *t = malloc(sizeof(float) * n * SS_TEXTURE_KINDS);
    if (!t) return; /* ss_texture_table() then gives NULL and renderers use no texture */
    for (int k = 0; k < SS_TEXTURE_KINDS; k++) {
        const ss__kind *K = &ss__kinds[k];
        float *o = t + (size_t)k * n;
        double sum2 = 0.0;
        for (int iy = 0; iy < SS_TEXTURE_N; iy++)
            for (int ix = 0; ix < SS_TEXTURE_N; ix++) {
                float x = ((float)ix + 0.5f) * SS_TEXTURE_CELL_MM, y = ((float)iy + 0.5f) * SS_TEXTURE_CELL_MM;
                float m = K->base;
                for (int l = 0; l < K->nlayers; l++) {
                    float b = ss__border(&K->layer[l], x, y) / K->layer[l].width_mm;
                    m += K->layer[l].bright * expf(-b * b);
                }
                o[(size_t)iy * SS_TEXTURE_N + (size_t)ix] = m;
                sum2 += (double)m * m;
            }
        float norm = (float)(1.0 / sqrt(sum2 / (double)n));
        for (size_t i = 0; i < n; i++) o[i] *= norm;
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

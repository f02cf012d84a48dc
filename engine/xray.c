/* xray.c: see xray.h. */
#include "xray.h"

#include <cairo.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "tissue.h"
#include "tissue_volume.h"

int ss_xray_projection_from_name(const char *name)
{
    if (!name) return -1;
    if (!strcmp(name, "ap")) return SS_XRAY_AP;
    if (!strcmp(name, "lateral")) return SS_XRAY_LATERAL;
    return -1;
}

void ss_xray_free(ss_xray *x)
{
    ss_image_free(&x->image);
    free(x->density);
    memset(x, 0, sizeof *x);
}

void ss_xray_to_pixel(const ss_xray *x, const double p_mm[3], double *col, double *row)
{
    double u = x->projection == SS_XRAY_AP ? p_mm[0] : p_mm[1];
    *col = (u - x->origin_mm[0]) / x->mm_per_px;
    *row = (x->origin_mm[1] - p_mm[2]) / x->mm_per_px;
}

static int ss__cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The lead marker: a white letter in the top corner (left: 1, right: 0). */
static void ss__marker(ss_image *img, const char *letter, int left)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_A8, img->width, img->height);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return;
    }
    cairo_t *cr = cairo_create(s);
    double size = img->height / 22.0 < 14 ? 14 : img->height / 22.0;
    ss_draw_font(cr, size, true);
    double w = ss_draw_text_width(cr, letter);
    double x = left ? size * 0.6 : img->width - size * 0.6 - w;
    cairo_move_to(cr, x, size * 1.5);
    cairo_set_source_rgba(cr, 0, 0, 0, 1);
    cairo_show_text(cr, letter);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    const unsigned char *a = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int r = 0; r < img->height; r++)
        for (int c = 0; c < img->width; c++) {
            unsigned m = a[(size_t)r * (size_t)stride + (size_t)c];
            uint8_t *p = &img->pixels[(size_t)r * (size_t)img->width + (size_t)c];
            *p = (uint8_t)((*p * (255u - m) + 250u * m) / 255u);
        }
    cairo_surface_destroy(s);
}

ss_status ss_xray_make(const ss_spine *spine, ss_xray_projection p, float mm_per_px, ss_xray *out)
{
    memset(out, 0, sizeof *out);
    if (p != SS_XRAY_AP && p != SS_XRAY_LATERAL)
        return ss_error_set(SS_ERR_INVALID, "xray: projection %d: expected ap or lateral", (int)p);
    if (mm_per_px <= 0.f) mm_per_px = 0.5f;
    if (!(mm_per_px >= 0.1f && mm_per_px <= 4.f))
        return ss_error_set(SS_ERR_INVALID, "xray: %g mm a pixel: expected 0.1 to 4", (double)mm_per_px);
    ss_spine_info inf;
    ss_spine_get_info(spine, &inf);
    /* bone and hardware, with the soft tissue around them: 30 mm to each side, the whole
       back behind (to the skin and the air above it), 15 mm beyond each end */
    ss_volume_desc vd;
    ss_volume_desc_default(&vd);
    vd.spacing_mm = mm_per_px;
    vd.use_bounds = true;
    const double margin[3] = {30.0, 10.0, 15.0};
    for (int i = 0; i < 3; i++) {
        vd.lo_mm[i] = inf.bone_lo_mm[i] - margin[i];
        vd.hi_mm[i] = inf.bone_hi_mm[i] + margin[i];
    }
    vd.hi_mm[1] = inf.volume_hi_mm[1] > vd.hi_mm[1] ? inf.volume_hi_mm[1] : vd.hi_mm[1];
    ss_volume v;
    ss_status st = ss_volume_build(spine, &vd, &v);
    if (st != SS_OK) return st;
    const int W = p == SS_XRAY_AP ? v.nx : v.ny, H = v.nz;
    float mu[256];
    for (int l = 0; l < 256; l++) mu[l] = ss_tissue_xray_mu_per_cm(l) * v.spacing_mm * 0.1f; /* per voxel */
    out->density = calloc((size_t)W * (size_t)H, sizeof(float));
    float *sorted = malloc((size_t)W * (size_t)H * sizeof(float));
    if (!out->density || !sorted || ss_image_alloc(&out->image, W, H) != SS_OK) {
        free(sorted);
        ss_volume_free(&v);
        ss_xray_free(out);
        return ss_error_set(SS_ERR_NOMEM, "xray: out of memory for a %d x %d radiograph", W, H);
    }
    for (int k = 0; k < v.nz; k++) {
        float *row = out->density + (size_t)(v.nz - 1 - k) * (size_t)W; /* cranial at the top */
        for (int j = 0; j < v.ny; j++) {
            const uint8_t *lab = v.labels + (size_t)v.nx * ((size_t)j + (size_t)v.ny * (size_t)k);
            if (p == SS_XRAY_AP)
                for (int i = 0; i < v.nx; i++) row[i] += mu[lab[i]];
            else {
                float sum = 0.f;
                for (int i = 0; i < v.nx; i++) sum += mu[lab[i]];
                row[j] += sum;
            }
        }
    }
    out->projection = p;
    out->mm_per_px = v.spacing_mm;
    out->origin_mm[0] = p == SS_XRAY_AP ? v.origin_mm[0] : v.origin_mm[1];
    out->origin_mm[1] = v.origin_mm[2] + v.spacing_mm * (float)(v.nz - 1);
    ss_volume_free(&v);
    /* film: the soft-tissue background dark (the 10th percentile of the pixels inside the
       body, those above a quarter of the 95th percentile: the air behind the back left
       out), each 0.35 of attenuation above it brightening toward white, so that bone is
       light and metal white */
    const size_t n = (size_t)W * (size_t)H;
    memcpy(sorted, out->density, n * sizeof(float));
    qsort(sorted, n, sizeof(float), ss__cmp_float);
    const float body = 0.25f * sorted[(size_t)((double)n * 0.95)];
    size_t first = 0;
    while (first < n && sorted[first] <= body) first++;
    const float base = first < n ? sorted[first + (n - first) / 10] : 0.f;
    free(sorted);
    for (size_t i = 0; i < n; i++) {
        float d = out->density[i] - base;
        float g = d > 0.f ? 1.f - expf(-d / 0.35f) : 0.f;
        out->image.pixels[i] = (uint8_t)lrintf(25.f + 230.f * g);
    }
    ss__marker(&out->image, p == SS_XRAY_AP ? "R" : "L", p == SS_XRAY_AP ? 1 : 0);
    return SS_OK;
}

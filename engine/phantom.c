/* phantom.c: see phantom.h. */
#include "phantom.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tissue.h"

static const char *const ss__names[SS_PHANTOM_COUNT] = {"homogeneous", "cyst", "interface", "bone_plate",
                                                        "needle", "wire", "rod"};

const char *ss_phantom_name(ss_phantom_kind kind)
{
    return (kind >= 0 && kind < SS_PHANTOM_COUNT) ? ss__names[kind] : "unknown";
}

int ss_phantom_from_name(const char *name)
{
    for (int i = 0; i < SS_PHANTOM_COUNT; i++)
        if (name && strcmp(name, ss__names[i]) == 0) return i;
    return -1;
}

void ss_phantom_params_default(ss_phantom_params *p, ss_phantom_kind kind)
{
    *p = (ss_phantom_params){0};
    p->kind = kind;
    p->tissue = SS_TISSUE_MUSCLE;
    p->spacing_mm = 0.5f;
    p->size_mm[0] = 180.f;
    p->size_mm[1] = 110.f;
    p->size_mm[2] = 40.f;
    p->feature_depth_mm = 40.f;
    p->feature_x_mm = 0.f;
    p->cyst_radius_mm = 5.f;
    p->plate_thickness_mm = 10.f;
    p->plate_half_width_mm = 25.f;
    p->needle_angle_deg = 20.f;
    p->needle_diameter_mm = 1.27f;
    p->wire_diameter_mm = 0.2f;
    p->rod_diameter_mm = 6.0f;
}

void ss_phantom_free(ss_phantom *ph)
{
    if (!ph) return;
    free(ph->volume.labels);
    free(ph->volume.hard_sdf);
    memset(ph, 0, sizeof *ph);
}

static int8_t ss__sdf_units(float d_mm)
{
    float u = d_mm / SS_VOLUME_SDF_UNIT_MM;
    if (u > 127.f) u = 127.f;
    if (u < -127.f) u = -127.f;
    return (int8_t)lrintf(u);
}

ss_status ss_phantom_build(const ss_phantom_params *p, ss_phantom *out)
{
    if (p->kind < 0 || p->kind >= SS_PHANTOM_COUNT)
        return ss_error_set(SS_ERR_INVALID, "phantom.kind = %d: expected 0..%d", (int)p->kind, SS_PHANTOM_COUNT - 1);
    if (!(p->spacing_mm >= 0.05f && p->spacing_mm <= 5.f))
        return ss_error_set(SS_ERR_INVALID, "phantom.spacing_mm = %g: expected 0.05..5", (double)p->spacing_mm);
    for (int a = 0; a < 3; a++)
        if (!(p->size_mm[a] >= 2.f * p->spacing_mm && p->size_mm[a] <= 1000.f))
            return ss_error_set(SS_ERR_INVALID, "phantom.size_mm[%d] = %g: expected 2 voxels..1000", a,
                                (double)p->size_mm[a]);
    if (p->tissue <= SS_TISSUE_AIR || p->tissue >= SS_TISSUE_COUNT || ss_tissue_get(p->tissue)->hard)
        return ss_error_set(SS_ERR_INVALID, "phantom.tissue = %d: expected a soft tissue label", p->tissue);
    memset(out, 0, sizeof *out);
    ss_volume *v = &out->volume;
    v->spacing_mm = p->spacing_mm;
    v->nx = (int)ceilf(p->size_mm[0] / p->spacing_mm) + 1;
    v->ny = (int)ceilf(p->size_mm[1] / p->spacing_mm) + 2;
    v->nz = (int)ceilf(p->size_mm[2] / p->spacing_mm) + 1;
    size_t n = (size_t)v->nx * (size_t)v->ny * (size_t)v->nz;
    if (n > (size_t)512 * 1024 * 1024) return ss_error_set(SS_ERR_INVALID, "phantom: %zu voxels is too many", n);
    v->origin_mm[0] = -0.5f * (float)(v->nx - 1) * p->spacing_mm;
    v->origin_mm[1] = -(float)(v->ny - 2) * p->spacing_mm; /* the last row (y > 0) is gel */
    v->origin_mm[2] = -0.5f * (float)(v->nz - 1) * p->spacing_mm;
    v->labels = malloc(n);
    v->hard_sdf = malloc(n);
    if (!v->labels || !v->hard_sdf) {
        ss_phantom_free(out);
        return ss_error_set(SS_ERR_NOMEM, "phantom: out of memory for %zu voxels", n);
    }
    const float D = p->feature_depth_mm, X = p->feature_x_mm;
    const float rc = p->cyst_radius_mm, T = p->plate_thickness_mm, HW = p->plate_half_width_mm;
    const float rr = 0.5f * p->rod_diameter_mm, cortex = fminf(2.f, 0.5f * T);
    for (int k = 0; k < v->nz; k++)
        for (int j = 0; j < v->ny; j++)
            for (int i = 0; i < v->nx; i++) {
                float x = v->origin_mm[0] + (float)i * p->spacing_mm;
                float y = v->origin_mm[1] + (float)j * p->spacing_mm;
                int lab = y > 0.f ? SS_TISSUE_AIR : p->tissue;
                float sdf = 1e9f;
                if (y <= 0.f) switch (p->kind) {
                    case SS_PHANTOM_CYST:
                        if ((x - X) * (x - X) + (y + D) * (y + D) <= rc * rc) lab = SS_TISSUE_CSF;
                        break;
                    case SS_PHANTOM_INTERFACE:
                        if (y > -D) lab = SS_TISSUE_FAT;
                        break;
                    case SS_PHANTOM_BONE_PLATE: {
                        /* exact signed distance to the box |x| <= HW, -D-T <= y <= -D */
                        float qx = fabsf(x) - HW, qy = fabsf(y + D + 0.5f * T) - 0.5f * T;
                        float ox = fmaxf(qx, 0.f), oy = fmaxf(qy, 0.f);
                        sdf = sqrtf(ox * ox + oy * oy) + fminf(fmaxf(qx, qy), 0.f);
                        if (sdf <= 0.f) lab = sdf > -cortex ? SS_TISSUE_CORTICAL : SS_TISSUE_CANCELLOUS;
                        break;
                    }
                    case SS_PHANTOM_ROD: {
                        float cy = -D - rr;
                        sdf = sqrtf((x - X) * (x - X) + (y - cy) * (y - cy)) - rr;
                        if (sdf <= 0.f) lab = SS_TISSUE_TITANIUM;
                        break;
                    }
                    default:
                        break;
                    }
                size_t o = (size_t)i + (size_t)v->nx * ((size_t)j + (size_t)v->ny * (size_t)k);
                v->labels[o] = (uint8_t)lab;
                v->hard_sdf[o] = ss__sdf_units(sdf);
            }
    if (p->kind == SS_PHANTOM_NEEDLE || p->kind == SS_PHANTOM_WIRE) {
        out->has_needle = true;
        ss_needle_geom *g = &out->needle;
        if (p->kind == SS_PHANTOM_NEEDLE) {
            float a = p->needle_angle_deg * 3.14159265f / 180.f;
            g->dir[0] = cosf(a);
            g->dir[1] = -sinf(a);
            g->dir[2] = 0.f;
            g->tip_mm[0] = X + 10.f * g->dir[0];
            g->tip_mm[1] = -D + 10.f * g->dir[1];
            g->tip_mm[2] = 0.f;
            g->length_mm = 80.f;
            g->outer_diameter_mm = p->needle_diameter_mm;
        } else {
            float half = 0.5f * p->size_mm[2];
            g->dir[0] = 0.f;
            g->dir[1] = 0.f;
            g->dir[2] = 1.f;
            g->tip_mm[0] = X;
            g->tip_mm[1] = -D;
            g->tip_mm[2] = half;
            g->length_mm = 2.f * half;
            g->outer_diameter_mm = p->wire_diameter_mm;
        }
    }
    return SS_OK;
}

ss_bmode_scene ss_phantom_scene(const ss_phantom *ph)
{
    ss_bmode_scene s = {&ph->volume, ph->has_needle ? &ph->needle : NULL};
    return s;
}

void ss_phantom_probe_pose(ss_probe_pose *pose)
{
    const float o[3] = {0.f, 0.f, 0.f}, beam[3] = {0.f, -1.f, 0.f}, arr[3] = {1.f, 0.f, 0.f};
    ss_probe_pose_make(o, beam, arr, pose);
}

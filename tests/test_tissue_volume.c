/* test_tissue_volume.c: the voxelized patient (engine/tissue_volume.h): determinism, the
 * thecal sac's continuity and closure, agreement with the model, slices. Built at 1 mm to
 * keep the suite fast. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "spine.h"
#include "test_support.h"
#include "tissue.h"
#include "tissue_volume.h"

static ss_spine *build(const ss_patient_params *p)
{
    ss_spine *s = NULL;
    cr_assert_eq(ss_spine_build(p, &s), SS_OK, "%s", ss_error_message());
    return s;
}

static void voxelize(const ss_spine *s, float spacing, int threads, ss_volume *v)
{
    ss_volume_desc d;
    ss_volume_desc_default(&d);
    d.spacing_mm = spacing;
    d.threads = threads;
    cr_assert_eq(ss_volume_build(s, &d, v), SS_OK, "%s", ss_error_message());
}

static void scoliotic_fused(ss_patient_params *p)
{
    ss_patient_params_default(p);
    p->deformity.cobb_deg = 45;
    p->deformity.upper_end_vertebra = SS_VERT_L1;
    p->deformity.apex_vertebra = SS_VERT_L3;
    p->deformity.lower_end_vertebra = SS_VERT_L5;
    p->fusion.present = true;
    p->fusion.upper_vertebra = SS_VERT_L1;
    p->fusion.lower_vertebra = SS_VERT_L5;
    p->fusion.rods = true;
    p->fusion.graft = true;
    for (int v = SS_VERT_L1; v <= SS_VERT_L5; v++) p->fusion.screws[v] = true;
    p->fusion.laminotomy[SS_LEVEL_L3_L4] = true;
}

static size_t idx(const ss_volume *v, int i, int j, int k) { return (size_t)i + (size_t)v->nx * ((size_t)j + (size_t)v->ny * k); }

Test(tissue_volume, same_parameters_same_hash_whatever_the_threads)
{
    ss_patient_params p;
    scoliotic_fused(&p);
    ss_spine *a = build(&p), *b = build(&p);
    ss_volume va, vb, vc;
    voxelize(a, 1.0f, 2, &va);
    voxelize(b, 1.0f, 2, &vb);
    voxelize(a, 1.0f, 1, &vc);
    cr_expect_eq(ss_volume_hash(&va), ss_volume_hash(&vb), "two builds from the same parameters");
    cr_expect_eq(ss_volume_hash(&va), ss_volume_hash(&vc), "1 thread and 2 threads");
    ss_volume_free(&vb);
    /* and a different patient gives a different volume */
    p.deformity.cobb_deg = 46;
    ss_spine *c = build(&p);
    voxelize(c, 1.0f, 2, &vb);
    cr_expect_neq(ss_volume_hash(&va), ss_volume_hash(&vb), "one degree of Cobb changes the volume");
    ss_volume_free(&va);
    ss_volume_free(&vb);
    ss_volume_free(&vc);
    ss_spine_free(a);
    ss_spine_free(b);
    ss_spine_free(c);
}

/* flood fill over CSF (and the roots floating in it) from the sac at L1 must reach S1 */
static void check_sac(const ss_volume *v, const ss_spine *s, const char *what)
{
    ss_vertebra_info l1, s1;
    ss_spine_vertebra(s, SS_VERT_L1, &l1);
    ss_spine_vertebra(s, SS_VERT_S1, &s1);
    size_t n = (size_t)v->nx * v->ny * v->nz;
    unsigned char *seen = calloc(n, 1);
    size_t *queue = malloc(n * sizeof *queue);
    cr_assert(seen && queue);
    int seed[3], goal[3];
    for (int c = 0; c < 3; c++) {
        seed[c] = (int)lround((l1.sac_centre_mm[c] - v->origin_mm[c]) / v->spacing_mm);
        goal[c] = (int)lround((s1.sac_centre_mm[c] - v->origin_mm[c]) / v->spacing_mm);
    }
    size_t s0 = idx(v, seed[0], seed[1], seed[2]), g0 = idx(v, goal[0], goal[1], goal[2]);
    cr_assert_eq(v->labels[s0], SS_TISSUE_CSF, "%s: L1 sac centre is CSF", what);
    size_t head = 0, tail = 0;
    queue[tail++] = s0;
    seen[s0] = 1;
    int csf_leaks = 0;
    while (head < tail) {
        size_t q = queue[head++];
        int i = (int)(q % v->nx), j = (int)((q / v->nx) % v->ny), k = (int)(q / ((size_t)v->nx * v->ny));
        const int d[6][3] = {{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}};
        for (int e = 0; e < 6; e++) {
            int a = i + d[e][0], b = j + d[e][1], c = k + d[e][2];
            if (a < 0 || b < 0 || c < 0 || a >= v->nx || b >= v->ny || c >= v->nz) continue;
            size_t r = idx(v, a, b, c);
            uint8_t l = v->labels[r];
            if (v->labels[q] == SS_TISSUE_CSF && l != SS_TISSUE_CSF && l != SS_TISSUE_DURA && l != SS_TISSUE_NERVE)
                csf_leaks++;
            if (!seen[r] && (l == SS_TISSUE_CSF || l == SS_TISSUE_NERVE)) {
                seen[r] = 1;
                queue[tail++] = r;
            }
        }
    }
    cr_expect(seen[g0], "%s: the CSF at L1 connects to the CSF at S1 (thecal sac continuous)", what);
    cr_expect_eq(csf_leaks, 0, "%s: CSF touches only dura, CSF or roots (%d faces elsewhere)", what, csf_leaks);
    /* every CSF voxel of the volume belongs to that one sac */
    size_t stray = 0;
    for (size_t q = 0; q < n; q++)
        if (v->labels[q] == SS_TISSUE_CSF && !seen[q]) stray++;
    cr_expect_eq(stray, 0, "%s: no CSF outside the sac (%zu stray voxels)", what, stray);
    free(seen);
    free(queue);
}

Test(tissue_volume, thecal_sac_is_continuous_and_closed)
{
    ss_patient_params p;
    ss_patient_params_default(&p);
    ss_spine *s = build(&p);
    ss_volume v;
    voxelize(s, 1.0f, 0, &v);
    check_sac(&v, s, "normal adult");
    ss_volume_free(&v);
    ss_spine_free(s);
    scoliotic_fused(&p);
    p.deformity.cobb_deg = 75;
    s = build(&p);
    voxelize(s, 1.0f, 0, &v);
    check_sac(&v, s, "Cobb 75, fused");
    ss_volume_free(&v);
    ss_spine_free(s);
}

Test(tissue_volume, voxels_agree_with_the_model)
{
    ss_patient_params p;
    scoliotic_fused(&p);
    ss_spine *s = build(&p);
    ss_volume v;
    voxelize(s, 1.0f, 0, &v);
    srand(3);
    int bad = 0, n = 4000;
    for (int t = 0; t < n; t++) {
        int i = rand() % v.nx, j = rand() % v.ny, k = rand() % v.nz;
        double q[3] = {v.origin_mm[0] + v.spacing_mm * i, v.origin_mm[1] + v.spacing_mm * j, v.origin_mm[2] + v.spacing_mm * k};
        int a = ss_spine_label_at(s, q);
        int b = v.labels[idx(&v, i, j, k)];
        cr_expect_eq(ss_volume_label_at(&v, q), b, "ss_volume_label_at reads the voxel at its centre");
        if (a != b) bad++;
        /* the stored distance is the model's within one quantum (4/127 mm) where exact */
        double d = ss_spine_hard_sdf(s, q);
        if (d > -3.5 && d < 3.5 && a == b) {
            double stored = v.hard_sdf[idx(&v, i, j, k)] * SS_VOLUME_SDF_UNIT_MM;
            cr_expect(fabs(stored - d) <= SS_VOLUME_SDF_UNIT_MM, "sdf %.3f stored %.3f", d, stored);
        }
    }
    /* same rules, same quantized shell threshold: only the row skipping (by 80 % of
       approximate distances) could make a voxel differ; allow 0.1 % */
    cr_expect_leq(bad, n / 1000, "%d of %d voxels disagree with the model", bad, n);
    /* the region holds air above the skin (probe margin) and the whole canal */
    cr_expect_eq(v.labels[idx(&v, v.nx / 2, v.ny - 1, v.nz / 2)], SS_TISSUE_AIR, "air above the back");
    ss_volume_free(&v);
    ss_spine_free(s);
}

Test(tissue_volume, writes_label_slices)
{
    ss_patient_params p;
    scoliotic_fused(&p);
    ss_spine *s = build(&p);
    ss_volume v;
    voxelize(s, 1.0f, 0, &v);
    const char *dir = ts_tempdir("slices");
    cr_assert(dir);
    cr_assert_eq(ss_volume_write_standard_slices(&v, s, dir), SS_OK, "%s", ss_error_message());
    const char *names[] = {"sagittal.png", "coronal.png", "axial_L1-L2.png", "axial_L5-S1.png"};
    for (int i = 0; i < 4; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        cr_expect(stat(path, &st) == 0 && st.st_size > 100, "%s written", names[i]);
    }
    cr_expect_eq(ss_volume_write_slice_png(&v, SS_SLICE_AXIAL, 1e6, "/nonexistent/x.png"), SS_ERR_INVALID,
                 "a slice outside the volume is refused");
    ts_rmtree(dir);
    ss_volume_free(&v);
    ss_spine_free(s);
}

Test(tissue_volume, bench_reports_size_and_time)
{
    ss_patient_params p;
    ss_patient_params_default(&p);
    ss_spine *s = build(&p);
    ss_volume_bench_result r;
    cr_assert_eq(ss_volume_bench(s, 2.0f, 1, 1, &r), SS_OK);
    cr_expect_eq(r.voxels, (size_t)r.nx * r.ny * r.nz);
    cr_expect_eq(r.bytes, 2 * r.voxels, "labels + hard_sdf, one byte each");
    cr_expect_gt(r.build_ms, 0.0);
    ss_spine_free(s);
}

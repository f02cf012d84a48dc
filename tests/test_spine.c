/* test_spine.c: the parametric patient model (engine/spine.h): parameter checks, what
 * tissue the query finds at landmarks, that its boundary distance is a safe step, normals,
 * landmarks and the sign conventions of scoliosis. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "spine.h"
#include "tissue.h"

static ss_spine *build(const ss_patient_params *p)
{
    ss_spine *s = NULL;
    ss_status st = ss_spine_build(p, &s);
    cr_assert_eq(st, SS_OK, "build failed: %s", ss_error_message());
    return s;
}

static void scoliosis(ss_patient_params *p, double cobb)
{
    ss_patient_params_default(p);
    p->deformity.cobb_deg = cobb;
    p->deformity.apex_vertebra = SS_VERT_L3;
    p->deformity.upper_end_vertebra = SS_VERT_L1;
    p->deformity.lower_end_vertebra = SS_VERT_L5;
}

Test(spine, rejects_bad_parameters_with_the_field_named)
{
    ss_patient_params p;
    ss_spine *s = NULL;
    ss_patient_params_default(&p);
    p.body.flexion = 1.5;
    cr_expect_eq(ss_spine_build(&p, &s), SS_ERR_INVALID);
    cr_expect(strstr(ss_error_message(), "body.flexion") != NULL, "message names the field: %s", ss_error_message());
    cr_expect_null(s);
    scoliosis(&p, 40);
    p.deformity.apex_vertebra = SS_VERT_S1; /* outside L1..L5 end vertebrae */
    cr_expect_eq(ss_spine_build(&p, &s), SS_ERR_INVALID);
    cr_expect(strstr(ss_error_message(), "apex_vertebra") != NULL, "%s", ss_error_message());
    ss_patient_params_default(&p);
    p.fusion.present = true;
    p.fusion.upper_vertebra = SS_VERT_L4;
    p.fusion.lower_vertebra = SS_VERT_L2;
    cr_expect_eq(ss_spine_build(&p, &s), SS_ERR_INVALID, "contradictory fusion span");
    ss_patient_params_default(&p);
    p.body.bmi = NAN;
    cr_expect_eq(ss_spine_build(&p, &s), SS_ERR_INVALID, "NaN BMI");
}

Test(spine, landmarks_hold_the_expected_tissue)
{
    ss_patient_params p;
    ss_patient_params_default(&p);
    ss_spine *s = build(&p);
    for (int k = 0; k < SS_LEVEL_COUNT; k++) {
        ss_interspace_info I;
        cr_assert_eq(ss_spine_interspace(s, k, &I), SS_OK);
        /* 1 mm in front of the window centre (on the flavum's back surface) lies flavum:
           flavum is 3.0-3.7 mm thick */
        double q[3];
        for (int i = 0; i < 3; i++) q[i] = I.window_centre_mm[i] - 1.0 * I.window_normal[i];
        cr_expect_eq(ss_spine_label_at(s, q), SS_TISSUE_FLAVUM, "%s: flavum under the window centre", ss_level_name(k));
        int sac = ss_spine_label_at(s, I.sac_centre_mm);
        cr_expect(sac == SS_TISSUE_CSF || sac == SS_TISSUE_NERVE, "%s: sac centre is CSF (or a root), got %s",
                  ss_level_name(k), ss_tissue_get(sac)->name);
        /* the skin entry lies on the skin surface (bisection to 1e-6 mm) */
        double ys = ss_spine_skin_y(s, I.skin_entry_mm[0], I.skin_entry_mm[2]);
        cr_expect(fabs(ys - I.skin_entry_mm[1]) < 1e-3, "%s: skin entry on the skin", ss_level_name(k));
        cr_expect_gt(I.skin_entry_mm[1], I.window_centre_mm[1], "skin is posterior to the window");
        cr_expect_gt(I.window_centre_mm[1], I.sac_centre_mm[1], "window is posterior to the sac");
    }
    for (int v = 0; v < SS_VERT_COUNT; v++) {
        ss_vertebra_info vi;
        cr_assert_eq(ss_spine_vertebra(s, v, &vi), SS_OK);
        cr_expect_eq(ss_spine_label_at(s, vi.centre_mm), SS_TISSUE_CANCELLOUS, "%s body centre", ss_vertebra_name(v));
    }
    double out[3] = {0, 300, 100};
    cr_expect_eq(ss_spine_label_at(s, out), SS_TISSUE_AIR, "far behind the back is air");
    ss_spine_free(s);
}

/* The needle steps by boundary_mm: no point closer than that may have another label.
   Checked on random points in the lumbar region against 14 directions. */
Test(spine, boundary_distance_is_a_safe_step)
{
    ss_patient_params p;
    scoliosis(&p, 40);
    p.fusion.present = true;
    p.fusion.rods = true;
    p.fusion.graft = true;
    p.fusion.upper_vertebra = SS_VERT_L1;
    p.fusion.lower_vertebra = SS_VERT_L5;
    for (int i = 0; i < SS_VERT_L5 + 1; i++) p.fusion.screws[i] = true;
    p.fusion.laminotomy[SS_LEVEL_L3_L4] = true;
    ss_spine *s = build(&p);
    ss_spine_info inf;
    ss_spine_get_info(s, &inf);
    srand(7);
    int bad = 0, n = 0;
    static const double dirs[14][3] = {{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1},
                                       {1, 1, 1}, {1, 1, -1}, {1, -1, 1}, {1, -1, -1}, {-1, 1, 1}, {-1, 1, -1},
                                       {-1, -1, 1}, {-1, -1, -1}};
    for (int t = 0; t < 3000; t++) {
        double q[3];
        for (int i = 0; i < 3; i++)
            q[i] = inf.volume_lo_mm[i] + (inf.volume_hi_mm[i] - inf.volume_lo_mm[i]) * (rand() / (double)RAND_MAX);
        ss_spine_sample smp;
        ss_spine_query(s, q, &smp);
        double r = 0.95 * smp.boundary_mm;
        if (r < 0.05) continue;
        for (int d = 0; d < 14; d++) {
            double l = sqrt(dirs[d][0] * dirs[d][0] + dirs[d][1] * dirs[d][1] + dirs[d][2] * dirs[d][2]);
            double e[3];
            for (int i = 0; i < 3; i++) e[i] = q[i] + r * dirs[d][i] / l;
            n++;
            if (ss_spine_label_at(s, e) != smp.label) bad++;
        }
    }
    /* distances of elliptic solids are approximations (not exact bounds): allow 0.5 % */
    cr_expect_lt(bad, n / 200 + 1, "%d of %d probes changed label within boundary_mm", bad, n);
    ss_spine_free(s);
}

Test(spine, hard_normal_points_out_of_bone)
{
    ss_patient_params p;
    ss_patient_params_default(&p);
    ss_spine *s = build(&p);
    ss_vertebra_info vi;
    ss_spine_vertebra(s, SS_VERT_L3, &vi);
    /* walk from the body centre anteriorly (-axis[1]) to the surface */
    double q[3];
    double t = 0;
    for (; t < 60; t += 0.05) {
        for (int i = 0; i < 3; i++) q[i] = vi.centre_mm[i] - t * vi.axis[1][i];
        if (ss_spine_hard_sdf(s, q) > 0) break;
    }
    cr_assert_lt(t, 60, "found the anterior surface of L3");
    cr_expect(fabs(ss_spine_hard_sdf(s, q)) < 0.06, "on the surface within one step (0.05 mm)");
    double n[3];
    ss_spine_hard_normal(s, q, n);
    double dot = -(n[0] * vi.axis[1][0] + n[1] * vi.axis[1][1] + n[2] * vi.axis[1][2]);
    /* mid-anterior body wall: the normal is the ellipse normal there, anterior to 1 deg */
    cr_expect_gt(dot, cos(1.0 * 3.14159265358979 / 180.0), "normal points anteriorly (cos = %f)", dot);
    ss_spine_free(s);
}

Test(spine, scoliosis_rotates_bodies_toward_the_convexity_and_spinous_processes_away)
{
    for (int side = 0; side < 2; side++) {
        ss_patient_params p;
        scoliosis(&p, 45);
        p.deformity.convex_side = side == 0 ? SS_CURVE_LEFT : SS_CURVE_RIGHT;
        ss_spine *s = build(&p);
        ss_vertebra_info l3, l5;
        ss_spine_vertebra(s, SS_VERT_L3, &l3);
        ss_spine_vertebra(s, SS_VERT_L5, &l5);
        double sgn = side == 0 ? 1.0 : -1.0; /* convex left = +x */
        /* default apical rotation 0.4 x Cobb = 18 deg (REFERENCE §2); the body 6 deg more
           than the posterior elements once past the 20 deg ramp (here 18/20 of 6) */
        cr_expect(fabs(l3.body_rotation_deg - 18.0) < 1e-9, "apical body rotation %f", l3.body_rotation_deg);
        cr_expect(fabs(l3.body_rotation_deg - l3.posterior_rotation_deg - 6.0 * 18.0 / 20.0) < 1e-9, "body minus posterior");
        /* the apex is displaced toward the convex side relative to L5 */
        cr_expect_gt(sgn * (l3.centre_mm[0] - l5.centre_mm[0]), 10.0, "apex deviates toward the convexity");
        /* spinous tip turned toward the concave side of the apical body centre */
        cr_expect_lt(sgn * (l3.spinous_tip_mm[0] - l3.centre_mm[0]), -10.0, "spinous process toward the concavity");
        ss_spine_free(s);
    }
}

Test(spine, depth_follows_bmi_and_age)
{
    ss_patient_params p;
    ss_patient_params_default(&p);
    p.body.bmi = 35;
    ss_spine *s = build(&p);
    ss_spine_info inf;
    ss_spine_get_info(s, &inf);
    /* REFERENCE §2: 17.8 + 0.978 * BMI */
    cr_expect(fabs(inf.skin_to_flavum_target_mm - (17.8 + 0.978 * 35)) < 1e-9, "adult formula");
    cr_expect(fabs(inf.skin_to_flavum_built_mm - inf.skin_to_flavum_target_mm) < 0.05,
              "the soft tissue is fitted to the depth (built %f)", inf.skin_to_flavum_built_mm);
    ss_spine_free(s);
    ss_patient_params_default(&p);
    p.body.age_y = 12;
    p.body.bmi = 16;
    p.body.height_cm = 150;
    s = build(&p);
    ss_spine_get_info(s, &inf);
    double w = 16 * 1.5 * 1.5;
    /* children: 0.8 mm/kg x weight + 3.9 (smaller than the adult formula here) */
    cr_expect(fabs(inf.skin_to_flavum_target_mm - (0.8 * w + 3.9)) < 1e-9, "child formula, got %f", inf.skin_to_flavum_target_mm);
    cr_expect_lt(inf.scale, 0.9, "a 150 cm 12-year-old boy is smaller than the adult table");
    ss_spine_free(s);
}

/* test_views.c: what the standard views show on the model (views.h) against the claims of
 * Wei et al. 2023 (seeds/001): on the scoliotic and fused cases the near-spinous view's
 * window is at least the parasagittal oblique one's, the spinous view hides the canal
 * under the spinous processes where rotation swings them off the canal, and on case 7 the
 * least rotated level has the widest window. Where the model does not follow the paper
 * (README, "What views shows"), these tests assert only what holds.
 *
 * Tolerance: one scan line. Window widths are counts of adjacent lines times the line
 * spacing at the posterior dura, so two views that see the same gap may differ by one
 * line; "wider" means wider by more than one line. */
#define _DEFAULT_SOURCE /* M_PI */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>

#include "patient_case.h"
#include "scenario.h"
#include "test_support.h"
#include "views.h"

typedef struct meas {
    ss_view_measure m[SS_LEVEL_COUNT][SS_VIEW_COUNT];
    double line_mm; /* line spacing at 60 mm depth: an upper bound at dura depths */
} meas;

/* All views at all levels of a shipped scenario, right side (the paper's side). */
static void measure(const char *name, meas *out)
{
    char rel[128];
    snprintf(rel, sizeof rel, "scenarios/%s.json", name);
    ss_case cs;
    cr_assert_eq(ss_case_load(ts_source_path(rel), NULL, &cs), SS_OK, "%s: %s", name, ss_error_message());
    ss_probe probe;
    ss_scenario_probe(&cs.scenario, &probe);
    cr_assert_eq(probe.kind, SS_PROBE_CONVEX, "%s: the paper's probe is convex", name);
    out->line_mm = (probe.radius_mm + 60.0) * (probe.fov_deg * M_PI / 180.0) / (probe.lines - 1);
    for (int l = 0; l < SS_LEVEL_COUNT; l++)
        for (int v = 0; v < SS_VIEW_COUNT; v++)
            cr_assert_eq(ss_view_measure_at(cs.spine, &probe, l, (ss_view)v, true, &out->m[l][v]), SS_OK, "%s %s %s: %s",
                         name, ss_level_name(l), ss_view_name((ss_view)v), ss_error_message());
    ss_case_free(&cs);
}

/* A view that shows no canal on its central lines reports no window (issue 9: grafted
 * levels used to report a width at 0 % visibility). */
static void no_window_without_visibility(const char *name, const meas *m)
{
    for (int l = 0; l < SS_LEVEL_COUNT; l++)
        for (int v = 0; v < SS_VIEW_COUNT; v++) {
            const ss_view_measure *x = &m->m[l][v];
            cr_expect_eq(x->canal_visibility == 0.0, x->window_width_mm == 0.0,
                         "%s %s %s: visibility %.2f but window %.1f mm", name, ss_level_name(l),
                         ss_view_name((ss_view)v), x->canal_visibility, x->window_width_mm);
        }
}

/* At the level where the paper's needle reached CSF through the near-spinous view, that
 * view shows the canal (at least a quarter of the sac on its central lines: the flexed
 * model's best sagittal views see 30-85 %). */
static void near_spinous_shows_canal(const char *name, const meas *m, int level)
{
    const ss_view_measure *n = &m->m[level][SS_VIEW_NEAR_SPINOUS];
    cr_expect_geq(n->canal_visibility, 0.25, "%s %s: near-spinous canal visibility %.2f", name, ss_level_name(level),
                  n->canal_visibility);
}

static double width(const meas *m, int level, ss_view v) { return m->m[level][v].window_width_mm; }

/* The spinous view hides the canal where the spinous processes have swung off it: at
 * every level rotated 14 deg or more. (From the pivot on the posterior body wall, the tip
 * line of a 13-19 y patient lies ~30-35 mm behind the sac centre: at 14 deg it swings
 * 7-8 mm, about half the sac's width, and the plane under it meets lamina, not sac.) */
static void spinous_hidden_where_rotated(const char *name, const meas *m)
{
    int n = 0;
    for (int l = 0; l < SS_LEVEL_COUNT; l++) {
        const ss_view_measure *s = &m->m[l][SS_VIEW_SPINOUS];
        if (fabs(s->rotation_deg) < 14.0) continue;
        n++;
        cr_expect_eq(s->canal_visibility, 0.0, "%s %s (rotation %.1f deg): spinous view shows %.0f %% of the canal",
                     name, ss_level_name(l), s->rotation_deg, 100 * s->canal_visibility);
    }
    cr_expect_geq(n, 1, "%s: no level rotated >= 14 deg: the test checks nothing", name);
}

/* Cases 2 and 4: spinal fusion, Nash-Moe IV, L3-L4 laminotomy channel (Table 1). */
static void fused_case(const char *name)
{
    meas m;
    measure(name, &m);
    no_window_without_visibility(name, &m);
    near_spinous_shows_canal(name, &m, SS_LEVEL_L3_L4);
    /* near-spinous wider than the parasagittal oblique: the PSO view, 15 mm out, looks
       through the graft beside the channel */
    cr_expect_gt(width(&m, SS_LEVEL_L3_L4, SS_VIEW_NEAR_SPINOUS),
                 width(&m, SS_LEVEL_L3_L4, SS_VIEW_PARASAGITTAL_OBLIQUE) + m.line_mm,
                 "%s L3-L4: near-spinous %.1f mm vs parasagittal oblique %.1f mm", name,
                 width(&m, SS_LEVEL_L3_L4, SS_VIEW_NEAR_SPINOUS), width(&m, SS_LEVEL_L3_L4, SS_VIEW_PARASAGITTAL_OBLIQUE));
    spinous_hidden_where_rotated(name, &m);
    /* grafted levels: no view shows the canal */
    for (int l = 0; l < SS_LEVEL_COUNT; l++) {
        if (l == SS_LEVEL_L3_L4) continue;
        for (int v = 0; v < SS_VIEW_COUNT; v++)
            cr_expect_eq(m.m[l][v].canal_visibility, 0.0, "%s %s %s: canal seen through the graft", name,
                         ss_level_name(l), ss_view_name((ss_view)v));
    }
}

Test(views, case2_fused_channel, .timeout = 400) { fused_case("wei2023-case2"); }
Test(views, case4_fused_channel, .timeout = 400) { fused_case("wei2023-case4"); }

/* Case 6: severe scoliosis (Cobb 77, Nash-Moe III), failed at L2-L3 and L3-L4, succeeded
 * at L4-L5 through the near-spinous view. */
Test(views, case6_scoliosis, .timeout = 400)
{
    const char *name = "wei2023-case6";
    meas m;
    measure(name, &m);
    no_window_without_visibility(name, &m);
    near_spinous_shows_canal(name, &m, SS_LEVEL_L4_L5);
    spinous_hidden_where_rotated(name, &m);
    /* near-spinous at least as wide as the parasagittal oblique at every level (within a
       line: at L4-L5, 2 deg of rotation, both views see the same gap); wider by more
       than a line at L1-L2, where the PSO view meets the rotated lamina */
    for (int l = 0; l < SS_LEVEL_COUNT; l++)
        cr_expect_geq(width(&m, l, SS_VIEW_NEAR_SPINOUS) + m.line_mm, width(&m, l, SS_VIEW_PARASAGITTAL_OBLIQUE),
                      "%s %s: near-spinous %.1f mm vs parasagittal oblique %.1f mm", name, ss_level_name(l),
                      width(&m, l, SS_VIEW_NEAR_SPINOUS), width(&m, l, SS_VIEW_PARASAGITTAL_OBLIQUE));
    cr_expect_gt(width(&m, SS_LEVEL_L1_L2, SS_VIEW_NEAR_SPINOUS),
                 width(&m, SS_LEVEL_L1_L2, SS_VIEW_PARASAGITTAL_OBLIQUE) + m.line_mm,
                 "%s L1-L2: near-spinous %.1f mm vs parasagittal oblique %.1f mm", name,
                 width(&m, SS_LEVEL_L1_L2, SS_VIEW_NEAR_SPINOUS), width(&m, SS_LEVEL_L1_L2, SS_VIEW_PARASAGITTAL_OBLIQUE));
}

/* Case 7: severe scoliosis (Cobb 75, Nash-Moe IV), L5-S1 "with the smallest rotation
 * angle in the lumbar spine" chosen, near-spinous view. */
Test(views, case7_scoliosis_least_rotated_level, .timeout = 400)
{
    const char *name = "wei2023-case7";
    meas m;
    measure(name, &m);
    no_window_without_visibility(name, &m);
    near_spinous_shows_canal(name, &m, SS_LEVEL_L5_S1);
    spinous_hidden_where_rotated(name, &m);
    cr_expect_gt(width(&m, SS_LEVEL_L5_S1, SS_VIEW_NEAR_SPINOUS),
                 width(&m, SS_LEVEL_L5_S1, SS_VIEW_PARASAGITTAL_OBLIQUE) + m.line_mm,
                 "%s L5-S1: near-spinous %.1f mm vs parasagittal oblique %.1f mm", name,
                 width(&m, SS_LEVEL_L5_S1, SS_VIEW_NEAR_SPINOUS), width(&m, SS_LEVEL_L5_S1, SS_VIEW_PARASAGITTAL_OBLIQUE));
    /* the least rotated level has the widest near-spinous window, by more than a line */
    int least = 0;
    for (int l = 1; l < SS_LEVEL_COUNT; l++)
        if (fabs(m.m[l][0].rotation_deg) < fabs(m.m[least][0].rotation_deg)) least = l;
    cr_expect_eq(least, SS_LEVEL_L5_S1, "%s: least rotated level %s, the paper's is L5-S1", name, ss_level_name(least));
    for (int l = 0; l < SS_LEVEL_COUNT; l++) {
        if (l == least) continue;
        cr_expect_gt(width(&m, least, SS_VIEW_NEAR_SPINOUS), width(&m, l, SS_VIEW_NEAR_SPINOUS) + m.line_mm,
                     "%s: near-spinous window at %s (%.1f deg) %.1f mm, at %s (%.1f deg) %.1f mm", name,
                     ss_level_name(least), m.m[least][0].rotation_deg, width(&m, least, SS_VIEW_NEAR_SPINOUS),
                     ss_level_name(l), m.m[l][0].rotation_deg, width(&m, l, SS_VIEW_NEAR_SPINOUS));
    }
}

/* Normal adult, no rotation: the near-spinous view shows the canal at every level and its
 * window is not narrower than the parasagittal oblique one's (they see the same
 * interlaminar gap; the paper's "wider" needs a window that narrows laterally, which the
 * model's laminae do not: README). */
Test(views, normal_adult, .timeout = 400)
{
    const char *name = "normal-adult";
    meas m;
    measure(name, &m);
    no_window_without_visibility(name, &m);
    for (int l = 0; l < SS_LEVEL_COUNT; l++) {
        cr_expect_float_eq(m.m[l][0].rotation_deg, 0.0, 1e-6, "%s %s: rotation", name, ss_level_name(l));
        near_spinous_shows_canal(name, &m, l);
        cr_expect_geq(width(&m, l, SS_VIEW_NEAR_SPINOUS) + m.line_mm, width(&m, l, SS_VIEW_PARASAGITTAL_OBLIQUE),
                      "%s %s: near-spinous %.1f mm vs parasagittal oblique %.1f mm", name, ss_level_name(l),
                      width(&m, l, SS_VIEW_NEAR_SPINOUS), width(&m, l, SS_VIEW_PARASAGITTAL_OBLIQUE));
    }
}

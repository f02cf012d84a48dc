/* test_needle.c: needle-tissue interaction and force on a layered phantom whose
 * layer depths are known exactly (the midline path of a lumbar puncture). */
#define _DEFAULT_SOURCE /* M_PI */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "needle.h"
#include "tissue.h"

/* Layers along -y (posterior to anterior), by y (mm):
 *   y > 50 air | 50..48 skin | 48..35 fat | 35..15 ligament | 15..11.5 flavum |
 *   11.5..9 epidural fat | 9..8.5 dura | 8.5..-5 CSF | < -5 cortical bone.
 * A nerve root occupies |x - 6| < 1.5 within the CSF; a vessel |x + 8| < 1.5 in the fat. */
static int layered(void *user, const double p[3])
{
    (void)user;
    double y = p[1];
    if (y > 50) return SS_TISSUE_AIR;
    if (y > 48) return SS_TISSUE_SKIN;
    if (y > 35) return fabs(p[0] + 8) < 1.5 && y < 42 && y > 38 ? SS_TISSUE_VESSEL : SS_TISSUE_FAT;
    if (y > 15) return SS_TISSUE_LIGAMENT;
    if (y > 11.5) return SS_TISSUE_FLAVUM;
    if (y > 9) return SS_TISSUE_EPIDURAL_FAT;
    if (y > 8.5) return SS_TISSUE_DURA;
    if (y > -5) return fabs(p[0] - 6) < 1.5 && y < 2 ? SS_TISSUE_NERVE : SS_TISSUE_CSF;
    return SS_TISSUE_CORTICAL;
}

static const ss_tissue_query query = {layered, NULL};

typedef struct recorder {
    ss_event ev[64];
    int n;
} recorder;

static void record(void *user, const ss_event *e)
{
    recorder *r = user;
    if (r->n < 64) r->ev[r->n++] = *e;
}

static void place(ss_needle *n, int gauge, ss_needle_tip tip, double x)
{
    ss_needle_spec spec = {gauge, 180.0, tip};
    double start[3] = {x, 60.0, 0.0}, dir[3] = {0, -1, 0};
    ss_needle_place(n, &spec, start, dir);
}

static int find(const recorder *r, ss_event_type t, int from)
{
    for (int i = from; i < r->n; i++)
        if (r->ev[i].type == t) return i;
    return -1;
}

Test(needle, midline_path_gives_the_layers_pops_and_bone_in_order)
{
    ss_needle n;
    place(&n, 18, SS_TIP_QUINCKE, 0.0);
    recorder r = {.n = 0};
    ss_event_sink sink = {record, &r};
    double moved = ss_needle_move(&n, &query, 100.0, 1.0, &sink, -1);
    const struct { ss_event_type t; int tissue; } want[] = {
        {SS_EV_SKIN_ENTRY, SS_TISSUE_SKIN},        {SS_EV_LAYER_ENTER, SS_TISSUE_SKIN},
        {SS_EV_LAYER_ENTER, SS_TISSUE_FAT},        {SS_EV_LAYER_ENTER, SS_TISSUE_LIGAMENT},
        {SS_EV_LAYER_ENTER, SS_TISSUE_FLAVUM},     {SS_EV_FLAVUM_POP, SS_TISSUE_EPIDURAL_FAT},
        {SS_EV_LAYER_ENTER, SS_TISSUE_EPIDURAL_FAT}, {SS_EV_LAYER_ENTER, SS_TISSUE_DURA},
        {SS_EV_DURA_POP, SS_TISSUE_CSF},           {SS_EV_LAYER_ENTER, SS_TISSUE_CSF},
        {SS_EV_BONE_CONTACT, SS_TISSUE_CORTICAL},
    };
    cr_assert_eq(r.n, (int)(sizeof want / sizeof want[0]), "got %d events", r.n);
    for (int i = 0; i < r.n; i++) {
        cr_expect_eq(r.ev[i].type, want[i].t, "event %d: %s, expected %s", i, ss_event_name(r.ev[i].type),
                     ss_event_name(want[i].t));
        cr_expect_eq(r.ev[i].tissue, want[i].tissue, "event %d tissue %d", i, r.ev[i].tissue);
    }
    /* Bone surface at y = -5, i.e. 65 mm from the start: the tip stops within one step. */
    cr_assert(fabs(moved - 65.0) <= SS_NEEDLE_STEP_MM + 1e-9, "moved %.3f mm", moved);
    cr_assert(n.on_bone);
    /* Depth of the bone contact is measured from the skin entry point (y = 50). */
    cr_assert(fabs(r.ev[r.n - 1].depth_mm - 55.0) <= SS_NEEDLE_STEP_MM + 1e-9, "depth %.3f", r.ev[r.n - 1].depth_mm);
}

Test(needle, skin_tents_until_its_puncture_force)
{
    /* Skin: 3 N at 1 N/mm for 18G -> the tip indents the skin 3 mm before it enters. */
    ss_needle n;
    place(&n, 18, SS_TIP_QUINCKE, 0.0);
    recorder r = {.n = 0};
    ss_event_sink sink = {record, &r};
    double moved = ss_needle_move(&n, &query, 30.0, 0.0, &sink, SS_EV_SKIN_ENTRY);
    cr_assert_eq(r.ev[0].type, SS_EV_SKIN_ENTRY);
    cr_assert(fabs(moved - 13.0) <= SS_NEEDLE_STEP_MM + 1e-9, "skin entered after %.3f mm (surface at 10 + 3 tenting)",
              moved);
    cr_assert(fabs(r.ev[0].value - 3.0) <= 1.0 * SS_NEEDLE_STEP_MM + 1e-9, "force at the pop %.3f N", r.ev[0].value);
}

Test(needle, loss_of_resistance_at_the_flavum)
{
    ss_needle n;
    place(&n, 18, SS_TIP_QUINCKE, 0.0);
    recorder r = {.n = 0};
    ss_event_sink sink = {record, &r};
    ss_needle_move(&n, &query, 100.0, 0.0, &sink, SS_EV_FLAVUM_POP);
    int i = find(&r, SS_EV_FLAVUM_POP, 0);
    cr_assert_geq(i, 0);
    /* Entering the flavum needed its 6 N; leaving it into epidural fat needs nothing:
     * the tip force collapses (the loss of resistance an anaesthetist feels). */
    int enter = find(&r, SS_EV_LAYER_ENTER, 0);
    while (enter >= 0 && r.ev[enter].tissue != SS_TISSUE_FLAVUM) enter = find(&r, SS_EV_LAYER_ENTER, enter + 1);
    cr_assert_geq(r.ev[enter].value, 6.0 - 1e-9, "force entering the flavum %.2f N", r.ev[enter].value);
    cr_assert_lt(n.tip_force_n, 0.5, "tip force right after the pop %.2f N", n.tip_force_n);
}

Test(needle, forces_scale_with_diameter_and_pencil_tips_need_more)
{
    double force[3];
    double depth[3];
    struct { int gauge; ss_needle_tip tip; } cases[3] = {{18, SS_TIP_QUINCKE}, {22, SS_TIP_QUINCKE}, {22, SS_TIP_PENCIL}};
    for (int c = 0; c < 3; c++) {
        ss_needle n;
        place(&n, cases[c].gauge, cases[c].tip, 0.0);
        recorder r = {.n = 0};
        ss_event_sink sink = {record, &r};
        depth[c] = ss_needle_move(&n, &query, 30.0, 0.0, &sink, SS_EV_SKIN_ENTRY);
        force[c] = r.ev[0].value;
    }
    /* 22G / 18G = 0.72 / 1.27; tolerance one step of tenting (0.05 N/N of 3 N ~ 2 %). */
    cr_assert(fabs(force[1] / force[0] - 0.72 / 1.27) < 0.03, "22G/18G force ratio %.3f", force[1] / force[0]);
    cr_assert(fabs(force[2] / force[1] - 1.3) < 0.03, "pencil/cutting ratio %.3f", force[2] / force[1]);
    /* Same stiffness scaling: a pencil tip tents 30 % deeper (3.9 mm vs 3 mm). */
    cr_assert(fabs((depth[2] - 10.0) - 3.9) <= SS_NEEDLE_STEP_MM + 1e-9, "pencil tenting %.3f mm", depth[2] - 10.0);
}

Test(needle, friction_grows_with_the_shaft_in_tissue)
{
    ss_needle n;
    place(&n, 18, SS_TIP_QUINCKE, 0.0);
    ss_needle_move(&n, &query, 100.0, 0.0, NULL, -1);
    /* Shaft from y=50 to y=-5: skin 2, fat 13, ligament 20, flavum 3.5, epidural 2.5,
     * dura 0.5, CSF 13.5 mm, times each tissue's friction per mm. Tolerance: one step
     * of the largest friction at each of the 7 boundaries. */
    double want = 2 * 0.06 + 13 * 0.02 + 20 * 0.10 + 3.5 * 0.15 + 2.5 * 0.02 + 0.5 * 0.05 + 13.5 * 0.0;
    cr_assert(fabs(n.friction_n - want) <= 7 * 0.15 * SS_NEEDLE_STEP_MM, "friction %.3f N, expected %.3f", n.friction_n,
              want);
    ss_needle_move(&n, &query, -30.0, 0.0, NULL, -1);
    cr_assert_lt(n.friction_n, want * 0.5, "withdrawing 30 mm must lose the deep ligament friction");
}

Test(needle, withdrawing_out_of_the_skin_is_one_exit_and_reentry_is_a_new_insertion)
{
    ss_needle n;
    place(&n, 18, SS_TIP_QUINCKE, 0.0);
    recorder r = {.n = 0};
    ss_event_sink sink = {record, &r};
    ss_needle_move(&n, &query, 30.0, 0.0, &sink, -1);
    ss_needle_move(&n, &query, -10.0, 1.0, &sink, -1);
    cr_assert(n.in_body, "still 7 mm deep");
    cr_assert_eq(find(&r, SS_EV_NEEDLE_EXIT, 0), -1);
    ss_needle_move(&n, &query, -25.0, 2.0, &sink, -1);
    cr_assert(!n.in_body);
    int exit_i = find(&r, SS_EV_NEEDLE_EXIT, 0);
    cr_assert_geq(exit_i, 0);
    cr_assert_eq(find(&r, SS_EV_NEEDLE_EXIT, exit_i + 1), -1, "exactly one exit");
    ss_needle_move(&n, &query, 20.0, 3.0, &sink, -1);
    int second = find(&r, SS_EV_SKIN_ENTRY, exit_i);
    cr_assert_geq(second, 0, "re-entry is a new skin entry");
    cr_assert_float_eq(r.ev[second].t_s, 3.0, 1e-12);
}

/* A needle held by the frame and dragged by the probe (ss_needle_shift) so far that its
 * line no longer reaches the skin before the tip has left the body: that ends the
 * insertion exactly as a withdrawal does, with one needle_exit (the metrics close the
 * insertion on it); a drag that keeps the tip in the body emits nothing. */
Test(needle, a_drag_that_pulls_the_tip_out_is_an_exit)
{
    ss_needle n;
    place(&n, 18, SS_TIP_QUINCKE, 0.0);
    recorder r = {.n = 0};
    ss_event_sink sink = {record, &r};
    ss_needle_move(&n, &query, 16.0, 0.0, &sink, -1); /* 6 mm into the skin and fat */
    cr_assert(n.in_body);
    double start[3] = {2.0, 60.0, 0.0}, dir[3] = {0, -1, 0};
    cr_assert(ss_needle_shift(&n, &query, start, dir, 1.0, &sink));
    cr_assert(n.in_body, "2 mm sideways: still in");
    cr_assert_eq(find(&r, SS_EV_NEEDLE_EXIT, 0), -1);
    double lifted[3] = {2.0, 70.0, 0.0}; /* the frame 10 mm off the back: the tip 4 mm above the skin */
    cr_assert(ss_needle_shift(&n, &query, lifted, dir, 2.0, &sink));
    cr_assert(!n.in_body);
    int exit_i = find(&r, SS_EV_NEEDLE_EXIT, 0);
    cr_assert_geq(exit_i, 0, "the drag out is an exit");
    cr_assert_float_eq(r.ev[exit_i].t_s, 2.0, 1e-12);
    cr_assert_eq(find(&r, SS_EV_NEEDLE_EXIT, exit_i + 1), -1, "exactly one");
}

Test(needle, result_does_not_depend_on_how_the_move_is_split)
{
    ss_needle a, b;
    place(&a, 20, SS_TIP_QUINCKE, 0.0);
    place(&b, 20, SS_TIP_QUINCKE, 0.0);
    recorder ra = {.n = 0}, rb = {.n = 0};
    ss_event_sink sa = {record, &ra}, sb = {record, &rb};
    ss_needle_move(&a, &query, 70.0, 0.0, &sa, -1);
    for (int i = 0; i < 700; i++) ss_needle_move(&b, &query, 0.1, 0.0, &sb, -1);
    cr_assert_eq(ra.n, rb.n);
    for (int i = 0; i < ra.n; i++) {
        cr_expect_eq(ra.ev[i].type, rb.ev[i].type, "event %d", i);
        cr_expect(fabs(ra.ev[i].depth_mm - rb.ev[i].depth_mm) < 1e-9, "event %d depth", i);
    }
    cr_assert(fabs(a.depth_mm - b.depth_mm) < 1e-9);
    cr_assert(fabs(ss_needle_force_n(&a) - ss_needle_force_n(&b)) < 1e-9);
}

Test(needle, nerve_root_and_vessel_are_reported)
{
    ss_needle n;
    place(&n, 18, SS_TIP_QUINCKE, 6.0); /* through the nerve root */
    recorder r = {.n = 0};
    ss_event_sink sink = {record, &r};
    ss_needle_move(&n, &query, 100.0, 0.0, &sink, -1);
    cr_assert_geq(find(&r, SS_EV_NERVE_CONTACT, 0), 0);
    place(&n, 18, SS_TIP_QUINCKE, -8.0); /* through the vessel in the fat */
    r.n = 0;
    ss_needle_move(&n, &query, 30.0, 0.0, &sink, -1);
    cr_assert_geq(find(&r, SS_EV_VESSEL_PUNCTURE, 0), 0);
}

Test(needle, redirect_pivots_about_the_skin_entry)
{
    ss_needle n;
    place(&n, 18, SS_TIP_QUINCKE, 0.0);
    ss_needle_move(&n, &query, 20.0, 0.0, NULL, -1); /* 10 mm past the skin surface */
    double entry[3];
    for (int i = 0; i < 3; i++) entry[i] = n.start_mm[i] + n.dir[i] * n.entry_depth_mm;
    double d[3] = {0, -cos(10 * M_PI / 180), sin(10 * M_PI / 180)};
    cr_assert(ss_needle_redirect(&n, &query, d));
    double e2[3];
    for (int i = 0; i < 3; i++) e2[i] = n.start_mm[i] + n.dir[i] * n.entry_depth_mm;
    for (int i = 0; i < 3; i++) cr_assert_float_eq(e2[i], entry[i], 1e-9, "the skin entry point stays put");
    cr_assert_float_eq(n.dir[2], sin(10 * M_PI / 180), 1e-12);
    cr_assert(n.in_body);
}

/* Bone 10.03 mm below the start: between two 0.05 mm grid points. */
static int fat_then_bone(void *user, const double p[3])
{
    (void)user;
    return p[1] > 59.99 ? SS_TISSUE_AIR : p[1] > 49.97 ? SS_TISSUE_FAT : SS_TISSUE_CORTICAL;
}

Test(needle, bone_between_grid_points_is_a_contact_not_a_layer)
{
    const ss_tissue_query q = {fat_then_bone, NULL};
    ss_needle n;
    place(&n, 18, SS_TIP_QUINCKE, 0.0);
    recorder r = {.n = 0};
    ss_event_sink sink = {record, &r};
    for (int i = 0; i < 400 && !n.on_bone; i++) ss_needle_move(&n, &q, 0.06, 0.0, &sink, -1);
    cr_assert(n.on_bone);
    for (int i = 0; i < r.n; i++)
        cr_assert(!(r.ev[i].type == SS_EV_LAYER_ENTER && r.ev[i].tissue == SS_TISSUE_CORTICAL),
                  "bone entered as a layer (event %d)", i);
    cr_assert_eq(n.tip_tissue, SS_TISSUE_FAT, "the tip rests in fat against the bone");
    cr_assert(n.depth_mm <= 10.03 + 1e-9, "tip at %.3f mm, bone at 10.03", n.depth_mm);
}

Test(needle, ticks_shorter_than_a_step_never_enter_bone)
{
    /* 6 mm/s at the 100 Hz tick = 0.06 mm a move: steps of 0.05 then 0.01 mm. The tip
     * must stop at the bone surface without a layer of bone ever being "entered". */
    ss_needle a, b;
    place(&a, 18, SS_TIP_QUINCKE, 0.0);
    place(&b, 18, SS_TIP_QUINCKE, 0.0);
    recorder ra = {.n = 0}, rb = {.n = 0};
    ss_event_sink sa = {record, &ra}, sb = {record, &rb};
    ss_needle_move(&a, &query, 100.0, 0.0, &sa, -1);
    for (int i = 0; i < 2000 && !b.on_bone; i++) ss_needle_move(&b, &query, 0.06, 0.0, &sb, -1);
    for (int i = 0; i < rb.n; i++)
        cr_expect(!(rb.ev[i].type == SS_EV_LAYER_ENTER && !ss_tissue_mech_get(rb.ev[i].tissue)->penetrable),
                  "event %d enters %s", i, ss_tissue_get(rb.ev[i].tissue)->name);
    cr_assert_eq(ra.n, rb.n, "same events however the move is split (%d vs %d)", ra.n, rb.n);
    for (int i = 0; i < ra.n; i++) cr_expect_eq(ra.ev[i].type, rb.ev[i].type, "event %d", i);
    cr_assert(fabs(a.depth_mm - b.depth_mm) <= SS_NEEDLE_STEP_MM + 1e-9, "stops at the same surface");
    cr_assert_eq(b.tip_tissue, SS_TISSUE_CSF, "the tip rests in the CSF against the bone");
}

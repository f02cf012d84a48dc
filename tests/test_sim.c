/* test_sim.c: a scripted attempt end to end on a layered phantom world: the event
 * stream, CSF only in the thecal sac, protocol refusals, determinism, metrics. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "metrics.h"
#include "phantom_world.h"
#include "session_script.h"
#include "sim.h"
#include "test_support.h"
#include "tissue.h"

typedef struct run {
    ss_event ev[256];
    int n;
    ss_metrics_state *m;
    long ticks;
} run;

static void on_event(void *user, const ss_event *e)
{
    run *r = user;
    if (r->n < 256) r->ev[r->n++] = *e;
    ss_metrics_event(r->m, e);
}

static void on_tick(void *user, const ss_tick_sample *s)
{
    run *r = user;
    r->ticks++;
    ss_metrics_tick(r->m, s);
}

static ss_sim *make(run *r)
{
    memset(r, 0, sizeof *r);
    r->m = ss_metrics_begin();
    ss_sim_desc d = {0};
    pw_world(&d.world);
    ss_needle_spec_default(&d.needle);
    ss_probe_default(&d.probe);
    d.guide_allowed = true;
    d.guide_min_deg = 0;
    d.guide_max_deg = 60;
    d.freehand_allowed = true;
    d.sink = (ss_event_sink){on_event, r};
    d.on_tick = on_tick;
    d.tick_user = r;
    ss_sim *sim;
    cr_assert_eq(ss_sim_create(&d, &sim), SS_OK, "%s", ss_error_message());
    return sim;
}

static int count(const run *r, ss_event_type t)
{
    int k = 0;
    for (int i = 0; i < r->n; i++) k += r->ev[i].type == t;
    return k;
}

static int first(const run *r, ss_event_type t)
{
    for (int i = 0; i < r->n; i++)
        if (r->ev[i].type == t) return i;
    return -1;
}

Test(sim, design_example_script_reaches_csf_and_injects)
{
    ss_script sc;
    cr_assert_eq(ss_script_load(ts_source_path("tests/data/scripts/design-example.txt"), &sc), SS_OK, "%s",
                 ss_error_message());
    run r;
    ss_sim *sim = make(&r);
    ss_sim_run_script(sim, &sc, 600.0);
    const ss_sim_state *st = ss_sim_get_state(sim);
    cr_assert(st->ended);
    /* The order a clinician expects. */
    ss_event_type order[] = {SS_EV_PROBE_CONTACT, SS_EV_VIEW_REACHED, SS_EV_GUIDE_ATTACHED, SS_EV_SKIN_ENTRY,
                             SS_EV_FLAVUM_POP,    SS_EV_DURA_POP,     SS_EV_STYLET_REMOVED, SS_EV_CSF_OUTFLOW,
                             SS_EV_INJECT,        SS_EV_NEEDLE_EXIT,  SS_EV_END};
    int at = -1;
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        int i = at + 1;
        while (i < r.n && r.ev[i].type != order[k]) i++;
        cr_assert_lt(i, r.n, "%s missing after event %d", ss_event_name(order[k]), at);
        at = i;
    }
    int inj = first(&r, SS_EV_INJECT);
    cr_assert_eq(r.ev[inj].tissue, SS_TISSUE_CSF, "injected into the CSF");
    cr_assert_float_eq(r.ev[inj].value, 5.0, 1e-12);
    int entry = first(&r, SS_EV_SKIN_ENTRY);
    cr_assert_eq(r.ev[entry].level, SS_LEVEL_L4_L5, "the insertion is aimed at the viewed interspace");
    cr_assert_eq(r.ev[entry].view, SS_VIEW_NEAR_SPINOUS);
    cr_assert_eq(count(&r, SS_EV_SKIN_ENTRY), 1);
    cr_assert_eq(count(&r, SS_EV_BONE_CONTACT), 0);
    /* Commands wait for the running movement: the stylet comes out when the last
     * advance ends (after 19 s here), the injection starts right after it and takes
     * 5 ml at 5 ml / 90 s = 90 s. Tolerance: one tick. */
    double started = r.ev[first(&r, SS_EV_STYLET_REMOVED)].t_s;
    cr_assert_geq(started, 18.0);
    cr_assert(fabs(r.ev[inj].t_s - (started + 90.0)) <= SS_SIM_TICK_S + 1e-9, "inject complete at %.2f s (start %.2f)",
              r.ev[inj].t_s, started);

    ss_metrics mt;
    ss_metrics_finish(r.m, st->t_s, &mt);
    cr_assert(mt.success);
    cr_assert_eq(mt.insertions, 1);
    cr_assert_eq(mt.level, SS_LEVEL_L4_L5);
    cr_assert(!isnan(mt.puncture_time_s));
    cr_assert(mt.protocol_followed, "%s", mt.protocol_note);
    /* The frame keeps the needle in the image plane: visible for all of the advance. */
    cr_assert_gt(mt.tip_visible_pct, 99.0, "tip visible %.1f %%", mt.tip_visible_pct);
    ss_metrics_free(r.m);
    ss_sim_free(sim);
    ss_script_free(&sc);
}

Test(sim, csf_appears_only_in_the_thecal_sac)
{
    /* Stylet out in the ligament: no CSF; advanced into the sac with the stylet out:
     * CSF appears then, once. */
    const char *text = "0 probe.view L3-L4 spinous\n"
                       "0 guide.attach 0\n"
                       "0 needle.enter\n"
                       "0 needle.advance 25 10\n" /* 5 standoff + 3 tenting: tip in the ligament */
                       "5 stylet.remove\n"
                       "6 needle.advance 40 5\n"
                       "20 end\n";
    ss_script sc;
    cr_assert_eq(ss_script_parse(text, "t", &sc), SS_OK, "%s", ss_error_message());
    run r;
    ss_sim *sim = make(&r);
    ss_sim_run_script(sim, &sc, 60.0);
    int removed = first(&r, SS_EV_STYLET_REMOVED);
    cr_assert_geq(removed, 0);
    cr_assert_eq(r.ev[removed].tissue, SS_TISSUE_LIGAMENT);
    cr_assert_eq(count(&r, SS_EV_CSF_OUTFLOW), 1);
    int csf = first(&r, SS_EV_CSF_OUTFLOW);
    cr_assert_gt(csf, first(&r, SS_EV_DURA_POP), "CSF only after the dura");
    ss_metrics_free(r.m);
    ss_sim_free(sim);
    ss_script_free(&sc);
}

Test(sim, refused_commands_change_nothing_and_say_why)
{
    run r;
    ss_sim *sim = make(&r);
    ss_script_cmd c = {.op = SS_OP_NEEDLE_ADVANCE, .args = {10, 5}};
    cr_assert(!ss_sim_command(sim, &c));
    cr_assert(strstr(ss_sim_get_state(sim)->note, "no needle"), "%s", ss_sim_get_state(sim)->note);
    ss_script_cmd g = {.op = SS_OP_GUIDE_ATTACH, .guide_auto = 1};
    cr_assert(!ss_sim_command(sim, &g));
    cr_assert(strstr(ss_sim_get_state(sim)->note, "place the probe first"));
    ss_script_cmd inj = {.op = SS_OP_INJECT, .args = {5}};
    cr_assert(!ss_sim_command(sim, &inj));
    cr_assert_eq(r.n, 0, "no events from refused commands");
    ss_metrics_free(r.m);
    ss_sim_free(sim);
}

Test(sim, bone_between_interspaces_stops_the_needle)
{
    /* Frame 45 mm cranial of L3-L4 (probe moved 8 mm + frame 37 mm beyond the centre), aimed straight down: the lamina between L4 and L5 windows is there. */
    const char *text = "0 probe.view L3-L4 spinous\n"
                       "0 probe.move 0 0 8\n"
                       "0 guide.attach 0\n"
                       "0 needle.enter\n"
                       "0 needle.advance 80 20\n"
                       "10 end\n";
    ss_script sc;
    cr_assert_eq(ss_script_parse(text, "t", &sc), SS_OK, "%s", ss_error_message());
    run r;
    ss_sim *sim = make(&r);
    ss_sim_run_script(sim, &sc, 60.0);
    cr_assert_eq(count(&r, SS_EV_BONE_CONTACT), 1);
    cr_assert_eq(count(&r, SS_EV_DURA_POP), 0);
    cr_assert(ss_sim_get_state(sim)->needle.on_bone);
    ss_metrics_free(r.m);
    ss_sim_free(sim);
    ss_script_free(&sc);
}

Test(sim, same_script_same_events_bit_for_bit)
{
    ss_script sc;
    cr_assert_eq(ss_script_load(ts_source_path("tests/data/scripts/design-example.txt"), &sc), SS_OK);
    run a, b;
    ss_sim *sa = make(&a), *sb = make(&b);
    ss_sim_run_script(sa, &sc, 600.0);
    ss_sim_run_script(sb, &sc, 600.0);
    cr_assert_eq(a.n, b.n);
    cr_assert_eq(a.ticks, b.ticks);
    cr_assert(memcmp(a.ev, b.ev, sizeof(ss_event) * (size_t)a.n) == 0, "identical events");
    cr_assert(memcmp(&ss_sim_get_state(sa)->needle, &ss_sim_get_state(sb)->needle, sizeof(ss_needle)) == 0);
    ss_metrics_free(a.m);
    ss_metrics_free(b.m);
    ss_sim_free(sa);
    ss_sim_free(sb);
    ss_script_free(&sc);
}

/* the modelled back of this test: |x| <= 40 mm */
static bool narrow_back(void *user, double x, double z)
{
    (void)user, (void)z;
    return fabs(x) <= 40.0;
}

Test(sim, the_probe_stays_on_the_modelled_back)
{
    /* sliding off the back stops at its edge (in tenths of the move) and says so; a move
     * with no room at all is refused and changes nothing (issue 21: a slide off the
     * patient left a black image and no message) */
    run r;
    memset(&r, 0, sizeof r);
    r.m = ss_metrics_begin();
    ss_sim_desc d = {0};
    pw_world(&d.world);
    d.world.on_back = narrow_back;
    ss_needle_spec_default(&d.needle);
    ss_probe_default(&d.probe);
    d.sink = (ss_event_sink){on_event, &r};
    d.tick_user = &r;
    ss_sim *sim;
    cr_assert_eq(ss_sim_create(&d, &sim), SS_OK, "%s", ss_error_message());
    ss_script_cmd v = {.op = SS_OP_PROBE_VIEW, .level = SS_LEVEL_L3_L4, .view = SS_VIEW_NEAR_SPINOUS, .side_right = 1};
    cr_assert(ss_sim_command(sim, &v), "%s", ss_sim_get_state(sim)->note);
    float x0 = ss_sim_get_state(sim)->pose.origin_mm[0];
    cr_assert(fabs(x0) <= 40.0f, "the view is on the back: %.1f", x0);
    ss_script_cmd mv = {.op = SS_OP_PROBE_MOVE, .args = {100, 0, 0}};
    bool ok = ss_sim_command(sim, &mv);
    float x1 = ss_sim_get_state(sim)->pose.origin_mm[0];
    cr_expect(x1 <= 40.0f && x1 >= 40.0f - 10.0f - 1e-3f, "stopped within a tenth of the move of the edge: %.1f", x1);
    cr_expect(ok == (x1 > x0 + 1e-3f), "accepted as far as it went");
    cr_expect(strstr(ss_sim_get_state(sim)->note, "at the edge of the back"), "%s", ss_sim_get_state(sim)->note);
    cr_expect(ss_sim_get_state(sim)->probe_on_skin);
    /* pushing on: each move goes a tenth further at most, until there is no room left;
     * then it is refused and nothing moves */
    ss_script_cmd more = {.op = SS_OP_PROBE_MOVE, .args = {30, 0, 0}};
    int pushes = 0;
    while (ss_sim_command(sim, &more) && pushes < 20) pushes++;
    float x2 = ss_sim_get_state(sim)->pose.origin_mm[0];
    cr_expect_lt(pushes, 20, "the edge is reached");
    cr_expect(x2 <= 40.0f && x2 > 40.0f - 3.0f - 1e-3f, "at the edge: %.2f", x2);
    cr_expect_not(ss_sim_command(sim, &more));
    cr_expect_float_eq(ss_sim_get_state(sim)->pose.origin_mm[0], x2, 1e-6, "a refused move moves nothing");
    /* back toward the spine: free */
    ss_script_cmd back = {.op = SS_OP_PROBE_MOVE, .args = {-20, 0, 0}};
    cr_expect(ss_sim_command(sim, &back));
    cr_expect_eq(ss_sim_get_state(sim)->note[0], '\0');
    ss_metrics_free(r.m);
    ss_sim_free(sim);
}

Test(sim, a_probe_moved_with_the_needle_in_drags_it_and_damages_tissue)
{
    /* Perk Tutor's tissue damage: the area the shaft sweeps inside the tissue. A needle
     * in the frame goes where the frame goes: sliding the probe 3 mm across the image
     * plane (along its elevation axis, square to the shaft, which lies in the plane)
     * sweeps the in-tissue shaft 3 mm sideways, about length x 3 mm; the tip stays in the
     * image plane. Re-angling about the entry sweeps a sector, L^2 dtheta / 2. Tolerance
     * 10 %: the skin entry slides where the moved line meets the skin. */
    ss_script sc;
    cr_assert_eq(ss_script_parse("0 probe.view L3-L4 near-spinous right\n0 guide.attach 20\n0 needle.enter\n"
                                 "0 needle.advance 30 10\n",
                                 "drag", &sc),
                 SS_OK, "%s", ss_error_message());
    run r;
    ss_sim *sim = make(&r);
    for (size_t i = 0; i < sc.count; i++) {
        cr_assert(ss_sim_command(sim, &sc.cmds[i]), "%s", ss_sim_get_state(sim)->note);
        while (ss_sim_busy(sim)) ss_sim_step(sim);
    }
    const ss_sim_state *st = ss_sim_get_state(sim);
    cr_assert(st->needle.in_body);
    double len = st->needle.record_depth_mm - st->needle.entry_depth_mm;
    cr_assert_gt(len, 20.0, "the shaft is in the tissue: %.1f mm", len);
    double tip0[3];
    ss_needle_tip_pos(&st->needle, tip0);
    double z[3] = {st->pose.axis_z[0], st->pose.axis_z[1], st->pose.axis_z[2]};
    ss_script_cmd mv = {.op = SS_OP_PROBE_MOVE, .args = {3 * z[0], 3 * z[1], 3 * z[2]}};
    cr_assert(ss_sim_command(sim, &mv), "%s", st->note);
    ss_sim_step(sim);
    double tip1[3];
    ss_needle_tip_pos(&st->needle, tip1);
    double across = (tip1[0] - tip0[0]) * z[0] + (tip1[1] - tip0[1]) * z[1] + (tip1[2] - tip0[2]) * z[2];
    cr_expect_float_eq(across, 3.0, 0.3, "the tip went with the frame: %.2f mm across", across);
    ss_metrics m;
    ss_metrics_finish(r.m, st->t_s, &m);
    cr_expect(m.tissue_damage_mm2 > 0.9 * 3.0 * len && m.tissue_damage_mm2 < 1.1 * 3.0 * len,
              "swept %.1f mm^2, about %.1f x 3", m.tissue_damage_mm2, len);
    ss_script_free(&sc);
    ss_metrics_free(r.m);
    ss_sim_free(sim);
}

Test(sim, the_planner_is_refused_in_an_exam)
{
    /* probe.plan and guide.attach auto aim the needle for the trainee: practice aids; an
     * exam candidate sets the frame's angle by hand (which still works) */
    run r;
    memset(&r, 0, sizeof r);
    r.m = ss_metrics_begin();
    ss_sim_desc d = {0};
    pw_world(&d.world);
    ss_needle_spec_default(&d.needle);
    ss_probe_default(&d.probe);
    d.guide_allowed = true;
    d.guide_max_deg = 60;
    d.exam = true;
    d.sink = (ss_event_sink){on_event, &r};
    ss_sim *sim;
    cr_assert_eq(ss_sim_create(&d, &sim), SS_OK, "%s", ss_error_message());
    ss_script_cmd v = {.op = SS_OP_PROBE_VIEW, .level = SS_LEVEL_L3_L4, .view = SS_VIEW_NEAR_SPINOUS, .side_right = 1};
    cr_assert(ss_sim_command(sim, &v));
    ss_script_cmd plan = {.op = SS_OP_PROBE_PLAN};
    cr_expect_not(ss_sim_command(sim, &plan));
    cr_expect(strstr(ss_sim_get_state(sim)->note, "practice aid"), "%s", ss_sim_get_state(sim)->note);
    ss_script_cmd aut = {.op = SS_OP_GUIDE_ATTACH, .guide_auto = true};
    cr_expect_not(ss_sim_command(sim, &aut));
    cr_expect_not(ss_sim_get_state(sim)->guide_attached);
    ss_script_cmd hand = {.op = SS_OP_GUIDE_ATTACH, .args = {30}};
    cr_expect(ss_sim_command(sim, &hand), "%s", ss_sim_get_state(sim)->note);
    cr_expect(ss_sim_get_state(sim)->guide_attached);
    ss_metrics_free(r.m);
    ss_sim_free(sim);
}

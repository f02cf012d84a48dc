/* test_coach.c: the practice hints (engine/coach.c) as rules on the attempt's state,
 * headless, on the layered phantom world of test_sim.c: each hint appears in the state
 * it is for, and never in an exam or where the scenario gives no hints. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "coach.h"
#include "phantom_world.h"
#include "sim.h"
#include "test_support.h"

static ss_sim *make(ss_probe *probe)
{
    ss_sim_desc d = {0};
    pw_world(&d.world);
    ss_needle_spec_default(&d.needle);
    ss_probe_default(&d.probe);
    *probe = d.probe;
    d.guide_allowed = true;
    d.guide_min_deg = 0;
    d.guide_max_deg = 60;
    d.freehand_allowed = true;
    ss_sim *sim;
    cr_assert_eq(ss_sim_create(&d, &sim), SS_OK, "%s", ss_error_message());
    return sim;
}

static void run(ss_sim *sim, const char *text)
{
    ss_script sc;
    cr_assert_eq(ss_script_parse(text, "t", &sc), SS_OK, "%s", ss_error_message());
    for (size_t i = 0; i < sc.count; i++) {
        while (ss_sim_busy(sim)) ss_sim_step(sim);
        ss_sim_command(sim, &sc.cmds[i]);
    }
    while (ss_sim_busy(sim)) ss_sim_step(sim);
    ss_script_free(&sc);
}

static const char *hint(ss_sim *sim, const ss_probe *probe, ss_coach_input in, char *buf)
{
    in.st = ss_sim_get_state(sim);
    in.probe = probe;
    return ss_coach_hint(&in, buf, 320);
}

Test(coach, each_hint_in_its_state_and_none_in_an_exam)
{
    ss_probe probe;
    ss_sim *sim = make(&probe);
    char buf[320];
    const ss_coach_input practice = {.hints = true, .canal_in_view = -1};
    const ss_coach_input exam = {.exam = true, .hints = false, .canal_in_view = -1};
    /* before the probe is on the back: where to start, in both modes but the exam says nothing */
    cr_expect(strstr(hint(sim, &probe, practice, buf), "put the probe on the back"));
    cr_expect_null(hint(sim, &probe, exam, buf));
    ss_coach_input off = practice;
    off.hints = false;
    cr_expect(strstr(hint(sim, &probe, off, buf), "put the probe on the back"), "where to start is no aid");

    run(sim, "0 probe.view L4-L5 near-spinous\n");
    ss_coach_input nocanal = practice;
    nocanal.canal_in_view = 0;
    cr_expect(strstr(hint(sim, &probe, nocanal, buf), "no canal in view"), "%s", buf);
    cr_expect(strstr(hint(sim, &probe, practice, buf), "Attach the puncture frame"), "%s", buf);
    cr_expect_null(hint(sim, &probe, exam, buf), "no hints in an exam");
    cr_expect_null(hint(sim, &probe, off, buf), "no hints where the scenario gives none");

    run(sim, "0 guide.attach auto\n");
    cr_expect(strstr(hint(sim, &probe, practice, buf), "put the needle in the frame"), "%s", buf);
    run(sim, "0 needle.enter\n0 needle.advance 12 10\n");
    cr_expect(strstr(hint(sim, &probe, practice, buf), "Hint: tip in "), "the tip in view, named: %s", buf);
    run(sim, "0 needle.advance-until dura_pop 80 5\n0 needle.advance 1 2\n");
    ss_coach_input popped = practice;
    popped.dura_popped = true;
    cr_expect(strstr(hint(sim, &probe, popped, buf), "take the stylet out"), "%s", buf);
    run(sim, "0 stylet.remove\n");
    cr_expect(strstr(hint(sim, &probe, popped, buf), "CSF is flowing: inject"), "%s", buf);
    run(sim, "0 inject 1\n");
    cr_expect(strstr(hint(sim, &probe, popped, buf), "injected. Remove the needle"), "%s", buf);
    ss_coach_input critical = popped;
    critical.ncritical = 1;
    cr_expect(strstr(hint(sim, &probe, critical, buf), "the results name what went wrong"), "%s", buf);
    ss_coach_input ended = popped;
    ended.ended = true;
    cr_expect_null(hint(sim, &probe, ended, buf), "nothing after the end");
    ss_sim_free(sim);
}

Test(coach, out_of_plane_and_bone)
{
    ss_probe probe;
    ss_sim *sim = make(&probe);
    char buf[320];
    const ss_coach_input practice = {.hints = true, .canal_in_view = 1};
    /* the frame's line moved 6 mm out of the image plane and the needle put there free
     * hand (a needle in the frame stays in the plane: the frame drags it with the probe):
     * the tip is not in the slice (its half-width is ~1.5-3 mm) */
    run(sim, "0 probe.view L4-L5 near-spinous\n0 guide.attach auto\n0 needle.enter\n");
    const ss_sim_state *st = ss_sim_get_state(sim);
    char line[256];
    double p0[3], d0[3];
    for (int i = 0; i < 3; i++) {
        p0[i] = st->needle.start_mm[i] + 6.0 * st->pose.axis_z[i];
        d0[i] = st->needle.dir[i];
    }
    snprintf(line, sizeof line, "0 guide.detach\n0 needle.place %.4f %.4f %.4f %.6f %.6f %.6f\n0 needle.advance 15 10\n",
             p0[0], p0[1], p0[2], d0[0], d0[1], d0[2]);
    run(sim, line);
    cr_assert(ss_sim_get_state(sim)->needle.in_body, "the free-hand needle is in");
    ss_coach_input adv = practice;
    adv.advancing = true;
    cr_expect(strstr(hint(sim, &probe, adv, buf), "out of the image plane"), "%s", buf);
    cr_expect(strstr(hint(sim, &probe, practice, buf), "tip not visible in the image"), "%s", buf);
    ss_sim_free(sim);
    /* the lamina in the way (test_sim.c's bone case) */
    sim = make(&probe);
    run(sim, "0 probe.view L3-L4 spinous\n0 probe.move 0 0 8\n0 guide.attach 0\n0 needle.enter\n"
             "0 needle.advance 80 20\n");
    cr_assert(ss_sim_get_state(sim)->needle.on_bone);
    cr_expect(strstr(hint(sim, &probe, practice, buf), "bone contact. Withdraw"), "%s", buf);
    ss_sim_free(sim);
}

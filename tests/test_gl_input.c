/* test_gl_input.c: the input-device layer: synthetic SDL events (pushed into SDL's
 * queue under the offscreen video driver and read back, as the trainer does) become
 * the expected probe and needle commands; the script device plays a script exactly as
 * the headless runner; the force-feedback law. (Named test_gl_ to link the app
 * library; no GL context is made.) */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include <SDL2/SDL.h>

#include "input/input.h"
#include "patient.h"
#include "scenario.h"
#include "spine.h"
#include "spine_world.h"

#define MAXC 512

typedef struct recorder {
    ss_sim *sim;
    ss_script_cmd cmds[MAXC];
    int n;
} recorder;

static bool record_issue(void *user, const ss_script_cmd *c)
{
    recorder *r = user;
    if (r->n < MAXC) r->cmds[r->n++] = *c;
    return ss_sim_command(r->sim, c);
}

static ss_spine *spine;
static ss_sim *sim;
static recorder rec;
static ss_input_hub hub;
static ss_input_mk *mk;

static void setup(void)
{
    SDL_SetHint(SDL_HINT_VIDEODRIVER, "offscreen");
    cr_assert_eq(SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS), 0, "SDL offscreen: %s", SDL_GetError());
    ss_patient_params pp;
    ss_patient_params_default(&pp);
    cr_assert_eq(ss_spine_build(&pp, &spine), SS_OK, "%s", ss_error_message());
    ss_scenario sc;
    ss_scenario_defaults(&sc);
    ss_sim_desc d = {0};
    ss_spine_world(spine, &d.world);
    ss_scenario_needle(&sc, &d.needle);
    ss_scenario_probe(&sc, &d.probe);
    d.guide_allowed = true;
    d.guide_min_deg = 0;
    d.guide_max_deg = 60;
    d.freehand_allowed = true;
    cr_assert_eq(ss_sim_create(&d, &sim), SS_OK, "%s", ss_error_message());
    memset(&rec, 0, sizeof rec);
    rec.sim = sim;
    memset(&hub, 0, sizeof hub);
    ss_input_hub_add(&hub, ss_input_mk_create(&mk));
    ss_input_hub_add(&hub, ss_input_gamepad_create());
}

static void teardown(void)
{
    ss_input_hub_free(&hub);
    ss_sim_free(sim);
    ss_spine_free(spine);
    SDL_Quit();
}

/* Pushes an event into SDL's queue, then drains the queue into the devices. */
static void push(SDL_Event e)
{
    cr_assert_eq(SDL_PushEvent(&e), 1, "SDL_PushEvent: %s", SDL_GetError());
    SDL_Event got;
    while (SDL_PollEvent(&got)) ss_input_hub_event(&hub, &got);
}

static void key(SDL_Keycode k, bool down, Uint16 mod)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = down ? SDL_KEYDOWN : SDL_KEYUP;
    e.key.state = down ? SDL_PRESSED : SDL_RELEASED;
    e.key.keysym.sym = k;
    e.key.keysym.mod = mod;
    push(e);
}

static void tap(SDL_Keycode k, Uint16 mod)
{
    key(k, true, mod);
    key(k, false, mod);
}

/* landmark-only mode in the ticks (and the tilt the window's , and . set) */
static bool tick_landmark;
static double tick_tilt_deg;

/* Runs n ticks: poll the devices, then step, as the trainer does. */
static void ticks(int n, bool aids)
{
    ss_input_sink sink = {record_issue, &rec};
    for (int i = 0; i < n; i++) {
        const ss_sim_state *st = ss_sim_get_state(sim);
        ss_input_tick tk = {.sim = sim, .t_s = st->t_s, .dt_s = SS_SIM_TICK_S, .aids = aids,
                            .level = SS_LEVEL_L4_L5, .inject_ml = 5, .guide_min_deg = 0, .guide_max_deg = 60,
                            .landmark = tick_landmark, .landmark_tilt_deg = tick_tilt_deg};
        ss_input_hub_poll(&hub, &tk, &sink);
        ss_sim_step(sim);
    }
}

static int count_op(ss_script_op op, int from)
{
    int n = 0;
    for (int i = from; i < rec.n; i++) n += rec.cmds[i].op == op;
    return n;
}

static double sum_arg(ss_script_op op, int arg, int from)
{
    double s = 0;
    for (int i = from; i < rec.n; i++)
        if (rec.cmds[i].op == op) s += rec.cmds[i].args[arg];
    return s;
}

TestSuite(input, .init = setup, .fini = teardown);

Test(input, p_places_the_probe_over_the_sacrum)
{
    tap(SDLK_p, KMOD_NONE);
    ticks(1, false);
    cr_assert_eq(rec.n, 1, "one command from one key press, got %d", rec.n);
    cr_expect_eq(rec.cmds[0].op, SS_OP_PROBE_VIEW);
    cr_expect_eq(rec.cmds[0].level, SS_LEVEL_L5_S1);
    cr_expect_eq(rec.cmds[0].view, SS_VIEW_SPINOUS);
    cr_expect(ss_sim_get_state(sim)->probe_on_skin, "the probe is on the skin after P");
}

Test(input, held_arrow_slides_the_probe_along_the_array)
{
    tap(SDLK_p, KMOD_NONE);
    ticks(1, false);
    ss_probe_pose before = ss_sim_get_state(sim)->pose;
    int from = rec.n;
    key(SDLK_RIGHT, true, KMOD_NONE);
    ticks(50, false);
    key(SDLK_RIGHT, false, KMOD_NONE);
    ticks(5, false);
    /* 10 mm/s for 0.5 s = 5 mm, issued as 0.1 mm per tick (rounded to 1 um) */
    cr_expect_eq(count_op(SS_OP_PROBE_MOVE, from), 50, "one probe.move per tick while held");
    double dx = sum_arg(SS_OP_PROBE_MOVE, 0, from), dz = sum_arg(SS_OP_PROBE_MOVE, 2, from);
    cr_expect_float_eq(hypot(dx, dz), 5.0, 0.01, "total slide %.4f mm, expected 5 (+-0.01: rounding per tick)",
                       hypot(dx, dz));
    /* along the probe's array axis (its horizontal part) */
    double ax = before.axis_x[0], az = before.axis_x[2], l = hypot(ax, az);
    cr_expect_float_eq((dx * ax + dz * az) / l, 5.0, 0.01, "slide is along +x of the probe");
    cr_expect_eq(sum_arg(SS_OP_PROBE_MOVE, 1, from), 0.0, "no y: the simulation keeps the probe on the skin");
}

Test(input, right_drag_rotates_about_the_beam_and_wheel_tilts)
{
    tap(SDLK_p, KMOD_NONE);
    ticks(1, false);
    int from = rec.n;
    ss_input_mk_set_pointer_area(mk, SS_AREA_IMAGE);
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEBUTTONDOWN;
    e.button.button = SDL_BUTTON_RIGHT;
    e.button.state = SDL_PRESSED;
    push(e);
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEMOTION;
    e.motion.xrel = 50;
    e.motion.state = SDL_BUTTON_RMASK;
    push(e);
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEBUTTONUP;
    e.button.button = SDL_BUTTON_RIGHT;
    push(e);
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEWHEEL;
    e.wheel.y = 1;
    push(e);
    ticks(2, false);
    cr_assert_eq(count_op(SS_OP_PROBE_ROTATE, from), 1, "drag and wheel go out together in the next tick");
    /* 0.4 deg per window unit of drag, 2 deg per wheel notch */
    cr_expect_float_eq(sum_arg(SS_OP_PROBE_ROTATE, 0, from), 20.0, 1e-9, "yaw from 50 units of right-drag");
    cr_expect_float_eq(sum_arg(SS_OP_PROBE_ROTATE, 1, from), 2.0, 1e-9, "pitch from one wheel notch");
    cr_expect_eq(count_op(SS_OP_PROBE_MOVE, from), 0, "a right-drag does not slide");
}

Test(input, left_drag_on_an_area_slides_by_its_map)
{
    tap(SDLK_p, KMOD_NONE);
    ticks(1, false);
    int from = rec.n;
    float right[3] = {0, 0, 0.5f}, down[3] = {-0.25f, 0, 0};
    ss_input_mk_set_area(mk, SS_AREA_VIEW3D, right, down);
    ss_input_mk_set_pointer_area(mk, SS_AREA_VIEW3D);
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEBUTTONDOWN;
    e.button.button = SDL_BUTTON_LEFT;
    push(e);
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEMOTION;
    e.motion.xrel = 10;
    e.motion.yrel = 4;
    push(e);
    cr_expect(ss_input_mk_dragging(mk));
    ticks(1, false);
    cr_assert_eq(count_op(SS_OP_PROBE_MOVE, from), 1);
    /* 10 units right x 0.5 mm in z, 4 units down x -0.25 mm in x */
    cr_expect_float_eq(sum_arg(SS_OP_PROBE_MOVE, 2, from), 5.0, 1e-9);
    cr_expect_float_eq(sum_arg(SS_OP_PROBE_MOVE, 0, from), -1.0, 1e-9);
}

Test(input, frame_needle_and_held_space_advance_per_tick)
{
    tap(SDLK_p, KMOD_NONE);
    ticks(1, false);
    tap(SDLK_g, KMOD_NONE);
    tap(SDLK_n, KMOD_NONE);
    ticks(1, false);
    cr_assert(ss_sim_get_state(sim)->guide_attached, "%s", ss_sim_get_state(sim)->note);
    cr_expect_float_eq(ss_sim_get_state(sim)->guide_angle_deg, 30.0, 1e-9, "the default frame angle");
    cr_assert(ss_sim_get_state(sim)->needle_placed);
    int from = rec.n;
    key(SDLK_SPACE, true, KMOD_NONE);
    ticks(100, false);
    key(SDLK_SPACE, false, KMOD_NONE);
    ticks(3, false);
    /* 2 mm/s for 1 s: 100 commands of 0.02 mm, each finishing within its tick */
    cr_expect_eq(count_op(SS_OP_NEEDLE_ADVANCE, from), 100);
    cr_expect_float_eq(sum_arg(SS_OP_NEEDLE_ADVANCE, 0, from), 2.0, 1e-6, "2 mm advanced in total");
    for (int i = from; i < rec.n; i++)
        if (rec.cmds[i].op == SS_OP_NEEDLE_ADVANCE)
            cr_expect_float_eq(rec.cmds[i].args[1] * SS_SIM_TICK_S, rec.cmds[i].args[0], 1e-12,
                               "speed x tick = distance: the advance ends within its tick");
    cr_expect(!ss_sim_busy(sim), "no motion left running after the key is released");
    /* comma lowers the frame angle by one degree and re-attaches */
    from = rec.n;
    tap(SDLK_COMMA, KMOD_NONE);
    ticks(1, false);
    cr_expect_eq(count_op(SS_OP_GUIDE_ATTACH, from), 1);
}

/* Landmark-only mode: N (and the controller's A) put the needle in at the palpated point
 * of the chosen interspace with the window's tilt (needle.landmark, the command a script
 * gives), not along a frame; the same key in practice is needle.enter. */
Test(input, n_in_landmark_mode_palpates_and_inserts)
{
    tick_landmark = true;
    tick_tilt_deg = 7;
    tap(SDLK_n, KMOD_NONE);
    ticks(1, false);
    tick_landmark = false;
    cr_assert_eq(rec.n, 1);
    cr_expect_eq(rec.cmds[0].op, SS_OP_NEEDLE_LANDMARK);
    cr_expect_eq(rec.cmds[0].level, SS_LEVEL_L4_L5, "the level chosen in the tick");
    cr_expect_float_eq(rec.cmds[0].args[0], 7.0, 1e-12, "the tilt set in the window");
    cr_expect(ss_sim_get_state(sim)->needle_placed, "the sim placed the needle: %s", ss_sim_get_state(sim)->note);
    tap(SDLK_n, KMOD_NONE);
    ticks(1, false);
    cr_assert_eq(rec.n, 2);
    cr_expect_eq(rec.cmds[1].op, SS_OP_NEEDLE_ENTER, "outside landmark mode N enters the frame or free-hand line");
}

Test(input, view_keys_only_with_aids)
{
    tap(SDLK_F2, KMOD_NONE);
    ticks(1, false);
    cr_expect_eq(rec.n, 0, "exam mode: F2 issues nothing");
    tap(SDLK_F2, KMOD_NONE);
    ticks(1, true);
    cr_assert_eq(rec.n, 1);
    cr_expect_eq(rec.cmds[0].op, SS_OP_PROBE_VIEW);
    cr_expect_eq(rec.cmds[0].view, SS_VIEW_NEAR_SPINOUS);
    cr_expect_eq(rec.cmds[0].level, SS_LEVEL_L4_L5, "the level chosen in the tick");
    cr_expect_eq(rec.cmds[0].side_right, 1);
}

Test(input, controller_trigger_advances_the_needle)
{
    tap(SDLK_p, KMOD_NONE);
    tap(SDLK_g, KMOD_NONE);
    tap(SDLK_n, KMOD_NONE);
    ticks(1, false);
    int from = rec.n;
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_CONTROLLERAXISMOTION;
    e.caxis.axis = SDL_CONTROLLER_AXIS_TRIGGERRIGHT;
    e.caxis.value = 32767;
    push(e);
    ticks(20, false);
    /* full trigger = 5 mm/s: 0.2 s -> 1 mm */
    cr_expect_float_eq(sum_arg(SS_OP_NEEDLE_ADVANCE, 0, from), 1.0, 1e-6);
    memset(&e, 0, sizeof e);
    e.type = SDL_CONTROLLERBUTTONDOWN;
    e.cbutton.button = SDL_CONTROLLER_BUTTON_X;
    push(e);
    ticks(1, false);
    cr_expect_eq(count_op(SS_OP_STYLET_REMOVE, from), 1, "X takes the stylet out");
}

Test(input, script_device_matches_the_headless_runner)
{
    ss_script s;
    cr_assert_eq(ss_script_parse("0 probe.view L4-L5 near-spinous right\n1 guide.attach auto\n2 needle.enter\n"
                                 "2 needle.advance 20 5\n3 needle.withdraw 5 5\n",
                                 "t", &s),
                 SS_OK, "%s", ss_error_message());
    /* the engine's own runner on a second simulation */
    ss_scenario sc;
    ss_scenario_defaults(&sc);
    ss_sim_desc d = {0};
    ss_spine_world(spine, &d.world);
    ss_scenario_needle(&sc, &d.needle);
    ss_scenario_probe(&sc, &d.probe);
    d.guide_allowed = true;
    d.guide_max_deg = 60;
    ss_sim *ref;
    cr_assert_eq(ss_sim_create(&d, &ref), SS_OK);
    ss_sim_run_script(ref, &s, 3600);
    /* the device on the fixture's simulation, with the trainer's end rule */
    ss_input_device dev = ss_input_script_create(&s);
    ss_input_sink sink = {record_issue, &rec};
    while (!ss_sim_get_state(sim)->ended) {
        ss_input_tick tk = {.sim = sim, .t_s = ss_sim_get_state(sim)->t_s, .dt_s = SS_SIM_TICK_S};
        dev.poll(dev.self, &tk, &sink);
        if (dev.finished(dev.self)) {
            ss_script_cmd end = {.op = SS_OP_END};
            ss_sim_command(sim, &end);
            break;
        }
        ss_sim_step(sim);
    }
    const ss_sim_state *a = ss_sim_get_state(sim), *b = ss_sim_get_state(ref);
    cr_expect_eq(a->tick, b->tick, "ended at the same tick: %ld vs %ld", a->tick, b->tick);
    cr_expect_eq(memcmp(&a->needle, &b->needle, sizeof a->needle), 0, "same needle state, bit for bit");
    cr_expect_eq(rec.n, (int)s.count, "every script command issued once");
    dev.destroy(dev.self);
    ss_sim_free(ref);
    ss_script_free(&s);
}

Test(input, force_feedback_law)
{
    cr_expect_float_eq(ss_input_haptic_level(0), 0.0, 1e-12);
    cr_expect_float_eq(ss_input_haptic_level(SS_INPUT_HAPTIC_MAX_N / 2), 0.5, 1e-12, "linear below saturation");
    cr_expect_float_eq(ss_input_haptic_level(100), 1.0, 1e-12, "saturates");
    ss_event ev[2] = {{.type = SS_EV_LAYER_ENTER}, {.type = SS_EV_DURA_POP}};
    cr_expect_float_eq(ss_input_haptic_pulse(ev, 1), 0.0, 1e-12, "entering a layer is not a pulse");
    cr_expect_float_eq(ss_input_haptic_pulse(ev, 2), 0.8, 1e-12, "the dura gives");
    bool found;
    char name[64];
    ss_input_device h = ss_input_haptics_create(&found, name, sizeof name);
    ss_input_feedback fb = {.needle_in_body = true, .axial_force_n = 3, .events = ev, .nevents = 2};
    h.feedback(h.self, &fb); /* no device here: must do nothing, and not crash */
    cr_expect(!found, "no haptic device under the offscreen driver");
    h.destroy(h.self);
}

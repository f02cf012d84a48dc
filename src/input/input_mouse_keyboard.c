/* input_mouse_keyboard.c: the default device: mouse and keyboard (see input.h and
 * docs/controls.md). Drags and held keys accumulate between ticks and go out as one
 * small command per tick; key presses queue one-shot commands. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "patient.h"

/* Speeds of held keys and drags. */
#define SS__SLIDE_MM_S 10.0
#define SS__SLIDE_FAST_MM_S 30.0
#define SS__YAW_DEG_S 30.0
#define SS__TILT_DEG_S 10.0
#define SS__NEEDLE_MM_S 2.0
#define SS__NEEDLE_FAST_MM_S 5.0
#define SS__DRAG_YAW_DEG_PER_UNIT 0.4
#define SS__DRAG_NEEDLE_MM_PER_UNIT 0.1
#define SS__DRAG_NEEDLE_MAX_MM_S 20.0
#define SS__WHEEL_DEG 2.0
#define SS__DEFAULT_GUIDE_DEG 30.0

typedef enum {
    SS__K_LEFT, SS__K_RIGHT, SS__K_UP, SS__K_DOWN,
    SS__K_YAW_M, SS__K_YAW_P, SS__K_PITCH_M, SS__K_PITCH_P, SS__K_ROLL_M, SS__K_ROLL_P,
    SS__K_ADVANCE, SS__K_WITHDRAW, SS__K_COUNT
} ss__held;

typedef enum {
    SS__A_PLACE, SS__A_PLAN, SS__A_VIEW, SS__A_GUIDE_TOGGLE, SS__A_GUIDE_AUTO, SS__A_ANGLE, SS__A_ENTER, SS__A_REMOVE,
    SS__A_STYLET, SS__A_INJECT, SS__A_CT, SS__A_END
} ss__action_kind;

typedef struct ss__action {
    ss__action_kind kind;
    int view;
    bool right;
    double delta;
} ss__action;

enum { SS__QUEUE = 32 };

struct ss_input_mk {
    float area_right[SS_AREA_COUNT][3], area_down[SS_AREA_COUNT][3];
    ss_input_area pointer_area;
    /* drag */
    int drag_button;              /* 0 none, SDL_BUTTON_LEFT / RIGHT */
    ss_input_area drag_area;
    bool drag_ctrl, drag_shift;
    /* accumulated since the last tick */
    double move_mm[3], yaw_deg, pitch_deg, roll_deg, needle_mm;
    bool held[SS__K_COUNT];
    bool shift;
    ss__action queue[SS__QUEUE];
    int nqueue;
    double guide_deg;
};

static const ss_input_binding ss__bindings[] = {
    {"Left-drag on the image or the back", "slide the probe on the skin", false},
    {"Right-drag (or Shift+left-drag)", "rotate the probe about its beam (sagittal <-> transverse)", false},
    {"Wheel / Shift+wheel", "tilt the beam across the image / rock it in the image plane", false},
    {"Ctrl+left-drag up/down", "withdraw / advance the needle along the frame", false},
    {"Arrow keys (Shift: faster)", "slide the probe: left/right along the image, up/down across it", false},
    {"Q / E", "rotate about the beam", false},
    {"W / S", "tilt the beam", false},
    {"A / D", "rock the probe in the image plane", false},
    {"P", "put the probe on the back (midline, over the sacrum)", false},
    {"Shift+P", "slide the probe to the planned path (pre-procedure plan)", true},
    {"1 ... 5", "choose the interspace L1-L2 ... L5-S1 for the view keys", true},
    {"F1 ... F5 (Shift: left side)", "standard view: spinous, near-spinous, parasagittal oblique, "
                                     "transverse interlaminar, transverse spinous",
     true},
    {"G", "attach / detach the puncture frame", false},
    {"Shift+G", "attach the frame aimed at the thecal sac along a bone-free line from here", true},
    {", / .  (Shift: 5 deg)", "frame angle down / up by 1 deg", false},
    {"N", "needle onto the skin along the frame", false},
    {"Space (hold; Shift: faster)", "advance the needle (2 mm/s, 5 mm/s)", false},
    {"Backspace (hold)", "withdraw the needle", false},
    {"T", "take the stylet out / put it back", false},
    {"I", "inject the task's volume", false},
    {"X", "remove the needle", false},
    {"C", "call for CT guidance (the protocol's exit)", false},
    {"End", "end the attempt and see the results", false},
};

const ss_input_binding *ss_input_mk_bindings(int *count)
{
    *count = (int)(sizeof ss__bindings / sizeof ss__bindings[0]);
    return ss__bindings;
}

static void ss__queue(ss_input_mk *mk, ss__action a)
{
    if (mk->nqueue < SS__QUEUE) mk->queue[mk->nqueue++] = a;
}

static int ss__held_key(SDL_Keycode k)
{
    switch (k) {
    case SDLK_LEFT: return SS__K_LEFT;
    case SDLK_RIGHT: return SS__K_RIGHT;
    case SDLK_UP: return SS__K_UP;
    case SDLK_DOWN: return SS__K_DOWN;
    case SDLK_q: return SS__K_YAW_M;
    case SDLK_e: return SS__K_YAW_P;
    case SDLK_w: return SS__K_PITCH_P;
    case SDLK_s: return SS__K_PITCH_M;
    case SDLK_a: return SS__K_ROLL_M;
    case SDLK_d: return SS__K_ROLL_P;
    case SDLK_SPACE: return SS__K_ADVANCE;
    case SDLK_BACKSPACE: return SS__K_WITHDRAW;
    default: return -1;
    }
}

static bool ss__mk_event(void *self, const SDL_Event *e)
{
    ss_input_mk *mk = self;
    switch (e->type) {
    case SDL_KEYDOWN:
    case SDL_KEYUP: {
        SDL_Keycode k = e->key.keysym.sym;
        bool down = e->type == SDL_KEYDOWN;
        Uint16 mod = e->key.keysym.mod;
        mk->shift = (mod & KMOD_SHIFT) != 0;
        if (mod & (KMOD_CTRL | KMOD_ALT | KMOD_GUI)) return false; /* the app's shortcuts */
        int h = ss__held_key(k);
        if (h >= 0) {
            mk->held[h] = down;
            return true;
        }
        if (!down || e->key.repeat) return false;
        bool shift = (mod & KMOD_SHIFT) != 0;
        switch (k) {
        case SDLK_p: ss__queue(mk, (ss__action){.kind = shift ? SS__A_PLAN : SS__A_PLACE}); return true;
        case SDLK_F1: case SDLK_F2: case SDLK_F3: case SDLK_F4: case SDLK_F5:
            ss__queue(mk, (ss__action){.kind = SS__A_VIEW, .view = (int)(k - SDLK_F1), .right = !shift});
            return true;
        case SDLK_g: ss__queue(mk, (ss__action){.kind = shift ? SS__A_GUIDE_AUTO : SS__A_GUIDE_TOGGLE}); return true;
        case SDLK_COMMA: ss__queue(mk, (ss__action){.kind = SS__A_ANGLE, .delta = shift ? -5 : -1}); return true;
        case SDLK_PERIOD: ss__queue(mk, (ss__action){.kind = SS__A_ANGLE, .delta = shift ? 5 : 1}); return true;
        case SDLK_n: ss__queue(mk, (ss__action){.kind = SS__A_ENTER}); return true;
        case SDLK_x: ss__queue(mk, (ss__action){.kind = SS__A_REMOVE}); return true;
        case SDLK_t: ss__queue(mk, (ss__action){.kind = SS__A_STYLET}); return true;
        case SDLK_i: ss__queue(mk, (ss__action){.kind = SS__A_INJECT}); return true;
        case SDLK_c: ss__queue(mk, (ss__action){.kind = SS__A_CT}); return true;
        case SDLK_END: ss__queue(mk, (ss__action){.kind = SS__A_END}); return true;
        default: return false;
        }
    }
    case SDL_MOUSEBUTTONDOWN: {
        if (mk->drag_button || mk->pointer_area == SS_AREA_NONE) return false;
        SDL_Keymod mod = SDL_GetModState();
        if (e->button.button == SDL_BUTTON_LEFT && (mod & KMOD_ALT)) return false; /* camera */
        if (e->button.button != SDL_BUTTON_LEFT && e->button.button != SDL_BUTTON_RIGHT) return false;
        mk->drag_button = e->button.button;
        mk->drag_area = mk->pointer_area;
        mk->drag_ctrl = (mod & KMOD_CTRL) != 0;
        mk->drag_shift = (mod & KMOD_SHIFT) != 0;
        return true;
    }
    case SDL_MOUSEBUTTONUP:
        if (mk->drag_button && e->button.button == mk->drag_button) {
            mk->drag_button = 0;
            return true;
        }
        return false;
    case SDL_MOUSEMOTION: {
        if (!mk->drag_button) return false;
        double dx = e->motion.xrel, dy = e->motion.yrel;
        if (mk->drag_button == SDL_BUTTON_RIGHT || (mk->drag_button == SDL_BUTTON_LEFT && mk->drag_shift)) {
            mk->yaw_deg += dx * SS__DRAG_YAW_DEG_PER_UNIT;
        } else if (mk->drag_ctrl) {
            mk->needle_mm += dy * SS__DRAG_NEEDLE_MM_PER_UNIT;
        } else {
            for (int i = 0; i < 3; i++)
                mk->move_mm[i] += mk->area_right[mk->drag_area][i] * dx + mk->area_down[mk->drag_area][i] * dy;
        }
        return true;
    }
    case SDL_MOUSEWHEEL: {
        if (mk->pointer_area == SS_AREA_NONE) return false;
        SDL_Keymod mod = SDL_GetModState();
        if (mod & KMOD_CTRL) return false; /* camera zoom */
        double notches = e->wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? -e->wheel.y : e->wheel.y;
        if (mod & KMOD_SHIFT) mk->roll_deg += notches * SS__WHEEL_DEG;
        else mk->pitch_deg += notches * SS__WHEEL_DEG;
        return true;
    }
    default: return false;
    }
}

/* Horizontal part of a probe axis (the sim puts the probe back on the skin). */
static void ss__horizontal(const float a[3], double out[3])
{
    double l = sqrt((double)a[0] * a[0] + (double)a[2] * a[2]);
    out[0] = l > 1e-6 ? a[0] / l : 0;
    out[1] = 0;
    out[2] = l > 1e-6 ? a[2] / l : 0;
}

static double ss__round3(double v) { return round(v * 1000.0) / 1000.0; }

static void ss__issue(const ss_input_sink *sink, ss_script_cmd c, double t_s)
{
    c.t_s = t_s;
    sink->issue(sink->user, &c);
}

static void ss__action_run(ss_input_mk *mk, const ss__action *a, const ss_input_tick *tk, const ss_input_sink *sink)
{
    const ss_sim_state *st = ss_sim_get_state(tk->sim);
    ss_script_cmd c;
    switch (a->kind) {
    case SS__A_PLACE:
        c = ss_input_cmd(SS_OP_PROBE_VIEW);
        c.level = SS_LEVEL_L5_S1;
        c.view = SS_VIEW_SPINOUS;
        c.side_right = 1;
        ss__issue(sink, c, tk->t_s);
        break;
    case SS__A_VIEW:
        if (!tk->aids) break;
        c = ss_input_cmd(SS_OP_PROBE_VIEW);
        c.level = tk->level;
        c.view = (ss_view)a->view;
        c.side_right = a->right ? 1 : 0;
        ss__issue(sink, c, tk->t_s);
        break;
    case SS__A_GUIDE_TOGGLE:
        if (st->guide_attached) {
            ss__issue(sink, ss_input_cmd(SS_OP_GUIDE_DETACH), tk->t_s);
        } else {
            c = ss_input_cmd(SS_OP_GUIDE_ATTACH);
            c.args[0] = mk->guide_deg;
            ss__issue(sink, c, tk->t_s);
        }
        break;
    case SS__A_PLAN: /* slide as the pre-procedure plan says (an aid, like the aimed frame) */
        if (!tk->aids) break;
        ss__issue(sink, ss_input_cmd(SS_OP_PROBE_PLAN), tk->t_s);
        break;
    case SS__A_GUIDE_AUTO:
        if (!tk->aids) break;
        c = ss_input_cmd(SS_OP_GUIDE_ATTACH);
        c.guide_auto = 1;
        ss__issue(sink, c, tk->t_s);
        if (ss_sim_get_state(tk->sim)->guide_attached) mk->guide_deg = ss_sim_get_state(tk->sim)->guide_angle_deg;
        break;
    case SS__A_ANGLE: {
        double base = st->guide_attached ? st->guide_angle_deg : mk->guide_deg;
        double v = fmin(fmax(round(base + a->delta), tk->guide_min_deg), tk->guide_max_deg);
        mk->guide_deg = v;
        if (st->guide_attached) {
            c = ss_input_cmd(SS_OP_GUIDE_ATTACH);
            c.args[0] = v;
            ss__issue(sink, c, tk->t_s);
        }
        break;
    }
    case SS__A_ENTER: ss__issue(sink, ss_input_enter_cmd(tk), tk->t_s); break;
    case SS__A_REMOVE: ss__issue(sink, ss_input_cmd(SS_OP_NEEDLE_REMOVE), tk->t_s); break;
    case SS__A_STYLET:
        ss__issue(sink, ss_input_cmd(st->stylet_in ? SS_OP_STYLET_REMOVE : SS_OP_STYLET_REPLACE), tk->t_s);
        break;
    case SS__A_INJECT:
        c = ss_input_cmd(SS_OP_INJECT);
        c.args[0] = tk->inject_ml;
        ss__issue(sink, c, tk->t_s);
        break;
    case SS__A_CT: ss__issue(sink, ss_input_cmd(SS_OP_ESCALATE_CT), tk->t_s); break;
    case SS__A_END: ss__issue(sink, ss_input_cmd(SS_OP_END), tk->t_s); break;
    }
}

static void ss__mk_poll(void *self, const ss_input_tick *tk, const ss_input_sink *sink)
{
    ss_input_mk *mk = self;
    const ss_sim_state *st = ss_sim_get_state(tk->sim);
    for (int i = 0; i < mk->nqueue && !st->ended; i++) ss__action_run(mk, &mk->queue[i], tk, sink);
    mk->nqueue = 0;
    if (st->ended) return;
    double dt = tk->dt_s;
    /* held keys -> probe motion in the probe's own directions */
    if (st->probe_on_skin) {
        double ax[3], az[3];
        ss__horizontal(st->pose.axis_x, ax);
        ss__horizontal(st->pose.axis_z, az);
        double v = (mk->shift ? SS__SLIDE_FAST_MM_S : SS__SLIDE_MM_S) * dt;
        double sx = (mk->held[SS__K_RIGHT] - mk->held[SS__K_LEFT]) * v;
        double sz = (mk->held[SS__K_UP] - mk->held[SS__K_DOWN]) * v;
        for (int i = 0; i < 3; i++) mk->move_mm[i] += ax[i] * sx + az[i] * sz;
        mk->yaw_deg += (mk->held[SS__K_YAW_P] - mk->held[SS__K_YAW_M]) * SS__YAW_DEG_S * dt;
        mk->pitch_deg += (mk->held[SS__K_PITCH_P] - mk->held[SS__K_PITCH_M]) * SS__TILT_DEG_S * dt;
        mk->roll_deg += (mk->held[SS__K_ROLL_P] - mk->held[SS__K_ROLL_M]) * SS__TILT_DEG_S * dt;
    }
    double nv = (mk->shift ? SS__NEEDLE_FAST_MM_S : SS__NEEDLE_MM_S) * dt;
    mk->needle_mm += (mk->held[SS__K_ADVANCE] - mk->held[SS__K_WITHDRAW]) * nv;
    if (!st->probe_on_skin || ss_sim_busy(tk->sim)) {
        /* nothing to move, or a timed command (injection) holds the hands: drop it */
        memset(mk->move_mm, 0, sizeof mk->move_mm);
        mk->yaw_deg = mk->pitch_deg = mk->roll_deg = mk->needle_mm = 0;
        return;
    }
    double mx = ss__round3(mk->move_mm[0]), mz = ss__round3(mk->move_mm[2]);
    if (mx != 0 || mz != 0) {
        ss__issue(sink, ss_input_cmd3(SS_OP_PROBE_MOVE, mx, 0, mz), tk->t_s);
        mk->move_mm[0] -= mx;
        mk->move_mm[2] -= mz;
    }
    mk->move_mm[1] = 0;
    double y = ss__round3(mk->yaw_deg), p = ss__round3(mk->pitch_deg), r = ss__round3(mk->roll_deg);
    if (y != 0 || p != 0 || r != 0) {
        ss__issue(sink, ss_input_cmd3(SS_OP_PROBE_ROTATE, y, p, r), tk->t_s);
        mk->yaw_deg -= y;
        mk->pitch_deg -= p;
        mk->roll_deg -= r;
    }
    /* needle: at most the drag's top speed in one tick, finishing within the tick */
    if (!st->needle_placed) {
        mk->needle_mm = 0;
        return;
    }
    double cap = fmax(SS__DRAG_NEEDLE_MAX_MM_S * dt, nv);
    double step = ss__round3(fmax(-cap, fmin(cap, mk->needle_mm)));
    if (step != 0) {
        double mm = fabs(step);
        ss__issue(sink, ss_input_cmd3(step > 0 ? SS_OP_NEEDLE_ADVANCE : SS_OP_NEEDLE_WITHDRAW, mm, mm / dt, 0),
                  tk->t_s);
        mk->needle_mm -= step;
    }
    if (fabs(mk->needle_mm) < 5e-4) mk->needle_mm = 0;
}

static void ss__mk_destroy(void *self) { free(self); }

ss_input_device ss_input_mk_create(ss_input_mk **handle_out)
{
    ss_input_mk *mk = calloc(1, sizeof *mk);
    ss_input_device dev = {.name = "mouse+keyboard", .self = mk};
    if (handle_out) *handle_out = mk;
    if (!mk) return dev;
    mk->guide_deg = SS__DEFAULT_GUIDE_DEG;
    dev.event = ss__mk_event;
    dev.poll = ss__mk_poll;
    dev.destroy = ss__mk_destroy;
    return dev;
}

void ss_input_mk_set_area(ss_input_mk *mk, ss_input_area area, const float right_mm[3], const float down_mm[3])
{
    if (area <= SS_AREA_NONE || area >= SS_AREA_COUNT) return;
    memcpy(mk->area_right[area], right_mm, sizeof mk->area_right[area]);
    memcpy(mk->area_down[area], down_mm, sizeof mk->area_down[area]);
}

void ss_input_mk_set_pointer_area(ss_input_mk *mk, ss_input_area area) { mk->pointer_area = area; }
double ss_input_mk_guide_angle(const ss_input_mk *mk) { return mk->guide_deg; }
void ss_input_mk_set_guide_angle(ss_input_mk *mk, double deg) { mk->guide_deg = deg; }
bool ss_input_mk_dragging(const ss_input_mk *mk) { return mk->drag_button != 0; }

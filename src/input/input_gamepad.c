/* input_gamepad.c: an SDL game controller as a probe-and-needle device (see input.h
 * and docs/controls.md). Axis and button values come from SDL's controller events,
 * so the mapping is the same for every controller SDL knows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "patient.h"

#define SS__DEADZONE 0.15
#define SS__SLIDE_MM_S 20.0
#define SS__YAW_DEG_S 45.0
#define SS__TILT_DEG_S 15.0
#define SS__NEEDLE_MM_S 5.0

typedef struct ss__pad {
    double axis[SDL_CONTROLLER_AXIS_MAX];
    int pressed[16];
    int npressed;
    double carry_move[3], carry_rot[3], carry_needle;
    double guide_deg;
    int open_count;
} ss__pad;

static const ss_input_binding ss__pad_bindings[] = {
    {"Left stick", "slide the probe (along / across the image)", false},
    {"Right stick", "rotate about the beam (left/right), tilt (up/down)", false},
    {"Right / left trigger", "advance / withdraw the needle (speed by pressure, up to 5 mm/s)", false},
    {"Start", "attach / detach the puncture frame", false},
    {"LB / RB", "frame angle down / up by 2 deg", false},
    {"A", "needle onto the skin along the frame", false},
    {"X", "stylet out / back in", false},
    {"Y", "inject", false},
    {"B", "remove the needle", false},
    {"Back", "put the probe on the back (midline, over the sacrum)", false},
    {"Left stick press", "frame aimed at the thecal sac (automatic angle)", true},
    {"Right stick press", "call for CT guidance", false},
};

const ss_input_binding *ss_input_gamepad_bindings(int *count)
{
    *count = (int)(sizeof ss__pad_bindings / sizeof ss__pad_bindings[0]);
    return ss__pad_bindings;
}

static double ss__dz(double v)
{
    if (fabs(v) < SS__DEADZONE) return 0;
    return (v - copysign(SS__DEADZONE, v)) / (1.0 - SS__DEADZONE);
}

static bool ss__pad_event(void *self, const SDL_Event *e)
{
    ss__pad *p = self;
    switch (e->type) {
    case SDL_CONTROLLERDEVICEADDED:
        if (SDL_IsGameController(e->cdevice.which) && SDL_GameControllerOpen(e->cdevice.which)) p->open_count++;
        return true;
    case SDL_CONTROLLERAXISMOTION:
        if (e->caxis.axis < SDL_CONTROLLER_AXIS_MAX) p->axis[e->caxis.axis] = e->caxis.value / 32767.0;
        return true;
    case SDL_CONTROLLERBUTTONDOWN:
        if (p->npressed < 16) p->pressed[p->npressed++] = e->cbutton.button;
        return true;
    case SDL_CONTROLLERBUTTONUP: return true;
    default: return false;
    }
}

static void ss__send(const ss_input_sink *sink, ss_script_cmd c, double t)
{
    c.t_s = t;
    sink->issue(sink->user, &c);
}

static void ss__pad_poll(void *self, const ss_input_tick *tk, const ss_input_sink *sink)
{
    ss__pad *p = self;
    const ss_sim_state *st = ss_sim_get_state(tk->sim);
    for (int i = 0; i < p->npressed && !st->ended; i++) {
        ss_script_cmd c;
        switch (p->pressed[i]) {
        case SDL_CONTROLLER_BUTTON_START:
            if (st->guide_attached) ss__send(sink, ss_input_cmd(SS_OP_GUIDE_DETACH), tk->t_s);
            else ss__send(sink, ss_input_cmd3(SS_OP_GUIDE_ATTACH, p->guide_deg, 0, 0), tk->t_s);
            break;
        case SDL_CONTROLLER_BUTTON_LEFTSHOULDER:
        case SDL_CONTROLLER_BUTTON_RIGHTSHOULDER: {
            double base = st->guide_attached ? st->guide_angle_deg : p->guide_deg;
            double d = p->pressed[i] == SDL_CONTROLLER_BUTTON_LEFTSHOULDER ? -2 : 2;
            p->guide_deg = fmin(fmax(round(base + d), tk->guide_min_deg), tk->guide_max_deg);
            if (st->guide_attached) ss__send(sink, ss_input_cmd3(SS_OP_GUIDE_ATTACH, p->guide_deg, 0, 0), tk->t_s);
            break;
        }
        case SDL_CONTROLLER_BUTTON_A: ss__send(sink, ss_input_enter_cmd(tk), tk->t_s); break;
        case SDL_CONTROLLER_BUTTON_B: ss__send(sink, ss_input_cmd(SS_OP_NEEDLE_REMOVE), tk->t_s); break;
        case SDL_CONTROLLER_BUTTON_X:
            ss__send(sink, ss_input_cmd(st->stylet_in ? SS_OP_STYLET_REMOVE : SS_OP_STYLET_REPLACE), tk->t_s);
            break;
        case SDL_CONTROLLER_BUTTON_Y: ss__send(sink, ss_input_cmd3(SS_OP_INJECT, tk->inject_ml, 0, 0), tk->t_s); break;
        case SDL_CONTROLLER_BUTTON_BACK:
            c = ss_input_cmd(SS_OP_PROBE_VIEW);
            c.level = SS_LEVEL_L5_S1;
            c.view = SS_VIEW_SPINOUS;
            ss__send(sink, c, tk->t_s);
            break;
        case SDL_CONTROLLER_BUTTON_LEFTSTICK:
            if (tk->aids) {
                c = ss_input_cmd(SS_OP_GUIDE_ATTACH);
                c.guide_auto = 1;
                ss__send(sink, c, tk->t_s);
                if (ss_sim_get_state(tk->sim)->guide_attached) p->guide_deg = ss_sim_get_state(tk->sim)->guide_angle_deg;
            }
            break;
        case SDL_CONTROLLER_BUTTON_RIGHTSTICK: ss__send(sink, ss_input_cmd(SS_OP_ESCALATE_CT), tk->t_s); break;
        default: break;
        }
    }
    p->npressed = 0;
    if (st->ended || !st->probe_on_skin || ss_sim_busy(tk->sim)) return;
    double dt = tk->dt_s;
    double lx = ss__dz(p->axis[SDL_CONTROLLER_AXIS_LEFTX]), ly = ss__dz(p->axis[SDL_CONTROLLER_AXIS_LEFTY]);
    double rx = ss__dz(p->axis[SDL_CONTROLLER_AXIS_RIGHTX]), ry = ss__dz(p->axis[SDL_CONTROLLER_AXIS_RIGHTY]);
    double rt = ss__dz(p->axis[SDL_CONTROLLER_AXIS_TRIGGERRIGHT]), lt = ss__dz(p->axis[SDL_CONTROLLER_AXIS_TRIGGERLEFT]);
    double ax[3] = {st->pose.axis_x[0], 0, st->pose.axis_x[2]}, az[3] = {st->pose.axis_z[0], 0, st->pose.axis_z[2]};
    double la = hypot(ax[0], ax[2]), lz = hypot(az[0], az[2]);
    for (int i = 0; i < 3; i++) {
        p->carry_move[i] += (la > 1e-6 ? ax[i] / la : 0) * lx * SS__SLIDE_MM_S * dt -
                            (lz > 1e-6 ? az[i] / lz : 0) * ly * SS__SLIDE_MM_S * dt;
    }
    p->carry_rot[0] += rx * SS__YAW_DEG_S * dt;
    p->carry_rot[1] += -ry * SS__TILT_DEG_S * dt;
    double mx = round(p->carry_move[0] * 1000) / 1000, mz = round(p->carry_move[2] * 1000) / 1000;
    if (mx != 0 || mz != 0) {
        ss__send(sink, ss_input_cmd3(SS_OP_PROBE_MOVE, mx, 0, mz), tk->t_s);
        p->carry_move[0] -= mx;
        p->carry_move[2] -= mz;
    }
    double yaw = round(p->carry_rot[0] * 1000) / 1000, pitch = round(p->carry_rot[1] * 1000) / 1000;
    if (yaw != 0 || pitch != 0) {
        ss__send(sink, ss_input_cmd3(SS_OP_PROBE_ROTATE, yaw, pitch, 0), tk->t_s);
        p->carry_rot[0] -= yaw;
        p->carry_rot[1] -= pitch;
    }
    if (st->needle_placed) {
        p->carry_needle += (rt - lt) * SS__NEEDLE_MM_S * dt;
        double step = round(p->carry_needle * 1000) / 1000;
        if (step != 0) {
            double mm = fabs(step);
            ss__send(sink, ss_input_cmd3(step > 0 ? SS_OP_NEEDLE_ADVANCE : SS_OP_NEEDLE_WITHDRAW, mm, mm / dt, 0),
                     tk->t_s);
            p->carry_needle -= step;
        }
    } else {
        p->carry_needle = 0;
    }
}

static void ss__pad_destroy(void *self) { free(self); }

ss_input_device ss_input_gamepad_create(void)
{
    ss__pad *p = calloc(1, sizeof *p);
    ss_input_device dev = {.name = "game controller", .self = p};
    if (!p) return dev;
    p->guide_deg = 30.0;
    dev.event = ss__pad_event;
    dev.poll = ss__pad_poll;
    dev.destroy = ss__pad_destroy;
    return dev;
}

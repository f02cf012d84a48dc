/* input.c: see input.h: the device hub and command builders. */
#include "input.h"

#include <string.h>

bool ss_input_hub_add(ss_input_hub *hub, ss_input_device dev)
{
    if (hub->count >= SS_INPUT_MAX_DEVICES) {
        if (dev.destroy) dev.destroy(dev.self);
        return false;
    }
    hub->devices[hub->count++] = dev;
    return true;
}

bool ss_input_hub_event(ss_input_hub *hub, const SDL_Event *e)
{
    bool used = false;
    for (int i = 0; i < hub->count; i++)
        if (hub->devices[i].event && hub->devices[i].event(hub->devices[i].self, e)) used = true;
    return used;
}

void ss_input_hub_poll(ss_input_hub *hub, const ss_input_tick *tick, const ss_input_sink *sink)
{
    for (int i = 0; i < hub->count; i++)
        if (hub->devices[i].poll) hub->devices[i].poll(hub->devices[i].self, tick, sink);
}

void ss_input_hub_feedback(ss_input_hub *hub, const ss_input_feedback *fb)
{
    for (int i = 0; i < hub->count; i++)
        if (hub->devices[i].feedback) hub->devices[i].feedback(hub->devices[i].self, fb);
}

ss_input_device *ss_input_hub_find(ss_input_hub *hub, const char *name)
{
    for (int i = 0; i < hub->count; i++)
        if (hub->devices[i].name && strcmp(hub->devices[i].name, name) == 0) return &hub->devices[i];
    return NULL;
}

void ss_input_hub_free(ss_input_hub *hub)
{
    for (int i = 0; i < hub->count; i++)
        if (hub->devices[i].destroy) hub->devices[i].destroy(hub->devices[i].self);
    hub->count = 0;
}

ss_script_cmd ss_input_cmd(ss_script_op op)
{
    ss_script_cmd c;
    memset(&c, 0, sizeof c);
    c.op = op;
    c.side_right = 1;
    return c;
}

ss_script_cmd ss_input_enter_cmd(const ss_input_tick *tk)
{
    if (!tk->landmark) return ss_input_cmd(SS_OP_NEEDLE_ENTER);
    ss_script_cmd c = ss_input_cmd(SS_OP_NEEDLE_LANDMARK);
    c.level = tk->level;
    c.args[0] = tk->landmark_tilt_deg;
    return c;
}

ss_script_cmd ss_input_cmd3(ss_script_op op, double a, double b, double c)
{
    ss_script_cmd x = ss_input_cmd(op);
    x.args[0] = a;
    x.args[1] = b;
    x.args[2] = c;
    return x;
}

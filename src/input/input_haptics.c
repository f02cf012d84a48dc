/* input_haptics.c: force feedback through SDL's haptic API (see input.h). A haptic
 * device with a constant-force effect renders the needle's axial resistance as a
 * steady push back along the stick's y axis; pops and bone contacts add a short
 * rumble. Without constant force, the rumble alone carries the resistance (its
 * strength) and the events (pulses); a game controller without a haptic device gets
 * SDL_GameControllerRumble. Nothing present: the device does nothing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"

typedef struct ss__haptic {
    SDL_Haptic *h;
    int effect;            /* constant-force effect id, -1 none */
    bool rumble;
    double level;          /* last constant level sent */
} ss__haptic;

double ss_input_haptic_level(double f)
{
    if (!(f > 0)) return 0;
    return f >= SS_INPUT_HAPTIC_MAX_N ? 1.0 : f / SS_INPUT_HAPTIC_MAX_N;
}

double ss_input_haptic_pulse(const ss_event *ev, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) {
        double v = 0;
        switch (ev[i].type) {
        case SS_EV_BONE_CONTACT:
        case SS_EV_NERVE_CONTACT: v = 1.0; break;
        case SS_EV_FLAVUM_POP:
        case SS_EV_DURA_POP: v = 0.8; break;
        case SS_EV_VESSEL_PUNCTURE: v = 0.5; break;
        case SS_EV_SKIN_ENTRY: v = 0.4; break;
        default: break;
        }
        s = fmax(s, v);
    }
    return s;
}

static SDL_GameController *ss__first_controller(void)
{
    for (int i = 0; i < SDL_NumJoysticks(); i++) {
        if (!SDL_IsGameController(i)) continue;
        SDL_GameController *c = SDL_GameControllerFromInstanceID(SDL_JoystickGetDeviceInstanceID(i));
        if (c) return c;
    }
    return NULL;
}

static void ss__haptic_feedback(void *self, const ss_input_feedback *fb)
{
    ss__haptic *d = self;
    double level = fb->needle_in_body ? ss_input_haptic_level(fb->axial_force_n) : 0;
    double pulse = ss_input_haptic_pulse(fb->events, fb->nevents);
    if (d->h && d->effect >= 0) {
        if (fabs(level - d->level) > 0.01) {
            SDL_HapticEffect e;
            memset(&e, 0, sizeof e);
            e.type = SDL_HAPTIC_CONSTANT;
            e.constant.direction.type = SDL_HAPTIC_CARTESIAN;
            e.constant.direction.dir[1] = 1; /* toward the user: the needle pushes back */
            e.constant.length = SDL_HAPTIC_INFINITY;
            e.constant.level = (Sint16)(level * 32767);
            SDL_HapticUpdateEffect(d->h, d->effect, &e);
            d->level = level;
        }
        if (pulse > 0 && d->rumble) SDL_HapticRumblePlay(d->h, (float)pulse, 80);
    } else if (d->h && d->rumble) {
        double s = fmax(pulse, level * 0.5);
        if (s > 0) SDL_HapticRumblePlay(d->h, (float)s, pulse > 0 ? 80 : 40);
    } else {
        SDL_GameController *c = ss__first_controller();
        double s = fmax(pulse, level * 0.5);
        if (c && s > 0) SDL_GameControllerRumble(c, (Uint16)(s * 0xFFFF), (Uint16)(s * 0xFFFF), pulse > 0 ? 80 : 40);
    }
}

static void ss__haptic_destroy(void *self)
{
    ss__haptic *d = self;
    if (d->h) SDL_HapticClose(d->h);
    free(d);
}

ss_input_device ss_input_haptics_create(bool *found, char *name_out, size_t name_size)
{
    *found = false;
    if (name_out && name_size) name_out[0] = '\0';
    ss__haptic *d = calloc(1, sizeof *d);
    ss_input_device dev = {.name = "force feedback", .self = d};
    if (!d) return dev;
    d->effect = -1;
    dev.feedback = ss__haptic_feedback;
    dev.destroy = ss__haptic_destroy;
    if (SDL_WasInit(SDL_INIT_HAPTIC) && SDL_NumHaptics() > 0) {
        d->h = SDL_HapticOpen(0);
        if (d->h) {
            *found = true;
            if (name_out) snprintf(name_out, name_size, "%s", SDL_HapticName(0) ? SDL_HapticName(0) : "haptic");
            unsigned q = SDL_HapticQuery(d->h);
            if (q & SDL_HAPTIC_CONSTANT) {
                SDL_HapticEffect e;
                memset(&e, 0, sizeof e);
                e.type = SDL_HAPTIC_CONSTANT;
                e.constant.direction.type = SDL_HAPTIC_CARTESIAN;
                e.constant.direction.dir[1] = 1;
                e.constant.length = SDL_HAPTIC_INFINITY;
                d->effect = SDL_HapticNewEffect(d->h, &e);
                if (d->effect >= 0) SDL_HapticRunEffect(d->h, d->effect, 1);
            }
            d->rumble = SDL_HapticRumbleSupported(d->h) == SDL_TRUE && SDL_HapticRumbleInit(d->h) == 0;
        }
    }
    if (!*found && ss__first_controller()) {
        *found = true;
        if (name_out) snprintf(name_out, name_size, "game controller rumble");
    }
    return dev;
}

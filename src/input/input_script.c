/* input_script.c: the session script as an input device (see input.h). Plays the
 * commands exactly as ss_sim_run_script does, so a script run in the window issues
 * the same commands at the same ticks as the same script run headless. */
#include <stdlib.h>

#include "input.h"

typedef struct ss__script_dev {
    const ss_script *script;
    size_t next;
    const ss_sim *sim;
} ss__script_dev;

static void ss__script_poll(void *self, const ss_input_tick *tick, const ss_input_sink *sink)
{
    ss__script_dev *d = self;
    d->sim = tick->sim;
    while (d->next < d->script->count && !ss_sim_busy(tick->sim) &&
           d->script->cmds[d->next].t_s <= tick->t_s + 1e-9) {
        sink->issue(sink->user, &d->script->cmds[d->next]);
        d->next++;
        if (ss_sim_get_state(tick->sim)->ended) return;
    }
}

static bool ss__script_finished(void *self)
{
    ss__script_dev *d = self;
    return d->next >= d->script->count && (!d->sim || !ss_sim_busy(d->sim));
}

static void ss__script_destroy(void *self) { free(self); }

ss_input_device ss_input_script_create(const ss_script *script)
{
    ss__script_dev *d = calloc(1, sizeof *d);
    ss_input_device dev = {.name = "script", .self = d};
    if (!d) return dev;
    d->script = script;
    dev.poll = ss__script_poll;
    dev.finished = ss__script_finished;
    dev.destroy = ss__script_destroy;
    return dev;
}

/* coach.h: the practice hints, as rules on the attempt's state that can be tested
 * without a window (issue 21). The trainer shows the hint under the B-mode image in
 * practice mode when the scenario allows hints; exam mode shows none but the one that
 * tells where to start. Key names are the trainer's (docs/controls.md). */
#ifndef SS_COACH_H
#define SS_COACH_H

#include <stdbool.h>
#include <stddef.h>

#include "probe.h"
#include "sim.h"

typedef struct ss_coach_input {
    const ss_sim_state *st;
    const ss_probe *probe;     /* the simulation's probe (its slice decides tip visibility) */
    bool exam;
    bool hints;                /* the scenario allows hints (and not an exam) */
    bool ended;                /* the attempt has ended */
    bool advancing;            /* the trainee is advancing the needle now */
    bool dura_popped;          /* a dura pop was felt in this attempt */
    int ncritical;             /* critical errors so far */
    int canal_in_view;         /* the image at this pose shows the canal: 1 yes, 0 no, -1 not known yet */
} ss_coach_input;

/* The hint for this state, written into buf (NUL-terminated); returns buf, or NULL when
 * there is nothing to say. */
const char *ss_coach_hint(const ss_coach_input *in, char *buf, size_t n);

#endif

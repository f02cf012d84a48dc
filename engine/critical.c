/* critical.c: the list of critical errors (see critical.h). */
#include "critical.h"

#include <stdio.h>

#include "tissue.h"

static const struct {
    const char *name, *label, *advice;
    ss_event_type event;
} ss__crit[SS_CRIT_COUNT] = {
    [SS_CRIT_INJECT_OUTSIDE_CSF] = {"inject_outside_csf", "Injection outside the CSF",
                                    "The drug must go into the CSF: inject only after free CSF outflow at the hub, "
                                    "with the tip still in the sac.",
                                    SS_EV_INJECT_OUTSIDE_CSF},
    [SS_CRIT_NERVE_CONTACT] = {"nerve_contact", "Nerve root contact",
                               "The needle touched a nerve root (shooting pain down the leg, risk of lasting "
                               "injury): stop, withdraw and re-aim through the middle of the interlaminar window.",
                               SS_EV_NERVE_CONTACT},
    [SS_CRIT_VESSEL_PUNCTURE] = {"vessel_puncture", "Vessel puncture",
                                 "A vessel was punctured (blood at the hub): withdraw, and re-aim away from the "
                                 "foramen and the epidural veins.",
                                 SS_EV_VESSEL_PUNCTURE},
    [SS_CRIT_DURAL_PUNCTURE_ABOVE_CONUS] = {"dural_puncture_above_conus", "Dural puncture above the conus",
                                            "The dura was punctured at L1-L2 or above, where the conus medullaris "
                                            "may lie: count the levels up from the sacrum and puncture below L2.",
                                            SS_EV_DURAL_PUNCTURE_ABOVE_CONUS},
    [SS_CRIT_PROTOCOL_EXCEEDED] = {"protocol_exceeded", "Protocol exceeded",
                                   "More insertions than the protocol allows: after three failed insertions move "
                                   "to another interspace; after three failed interspaces stop and call for CT.",
                                   SS_EV_PROTOCOL_EXCEEDED},
};

static bool ss__ok(ss_critical_type t) { return t >= 0 && t < SS_CRIT_COUNT; }

const char *ss_critical_name(ss_critical_type t) { return ss__ok(t) ? ss__crit[t].name : "?"; }
const char *ss_critical_label(ss_critical_type t) { return ss__ok(t) ? ss__crit[t].label : "?"; }
const char *ss_critical_advice(ss_critical_type t) { return ss__ok(t) ? ss__crit[t].advice : ""; }
ss_event_type ss_critical_event(ss_critical_type t) { return ss__ok(t) ? ss__crit[t].event : SS_EV_COUNT; }

int ss_critical_of_event(ss_event_type t)
{
    for (int i = 0; i < SS_CRIT_COUNT; i++)
        if (ss__crit[i].event == t) return i;
    return -1;
}

void ss_critical_describe(const ss_critical_error *e, char *buf, unsigned n)
{
    const char *lvl = e->level >= 0 ? ss_level_name(e->level) : NULL;
    const char *tis = e->tissue >= 0 ? ss_tissue_get(e->tissue)->label : NULL;
    int k = snprintf(buf, n, "%s", ss_critical_label(e->type));
    if (k < 0 || (unsigned)k >= n) return;
    if (e->type == SS_CRIT_INJECT_OUTSIDE_CSF && tis) k += snprintf(buf + k, n - k, ": into %s", tis);
    else if (tis && e->type != SS_CRIT_PROTOCOL_EXCEEDED) k += snprintf(buf + k, n - k, ": tip in %s", tis);
    if (k < 0 || (unsigned)k >= n) return;
    if (lvl) k += snprintf(buf + k, n - k, " at %s", lvl);
    if (k < 0 || (unsigned)k >= n) return;
    snprintf(buf + k, n - k, ", %.0f s", e->t_s);
}

/* event.c: event type names (see event.h). */
#include "event.h"

#include <stdio.h>
#include <string.h>

#include "patient.h"
#include "session_script.h"
#include "tissue.h"

static const char *const ss__names[SS_EV_COUNT] = {
    [SS_EV_PROBE_CONTACT] = "probe_contact",   [SS_EV_VIEW_REACHED] = "view_reached",
    [SS_EV_GUIDE_ATTACHED] = "guide_attached", [SS_EV_SKIN_ENTRY] = "skin_entry",
    [SS_EV_LAYER_ENTER] = "layer_enter",       [SS_EV_FLAVUM_POP] = "flavum_pop",
    [SS_EV_DURA_POP] = "dura_pop",             [SS_EV_BONE_CONTACT] = "bone_contact",
    [SS_EV_NERVE_CONTACT] = "nerve_contact",   [SS_EV_VESSEL_PUNCTURE] = "vessel_puncture",
    [SS_EV_CSF_OUTFLOW] = "csf_outflow",       [SS_EV_STYLET_REMOVED] = "stylet_removed",
    [SS_EV_INJECT] = "inject",                 [SS_EV_NEEDLE_EXIT] = "needle_exit",
    [SS_EV_CT_CALLED] = "ct_called",           [SS_EV_END] = "end",
    [SS_EV_INJECT_OUTSIDE_CSF] = "inject_outside_csf",
    [SS_EV_DURAL_PUNCTURE_ABOVE_CONUS] = "dural_puncture_above_conus",
    [SS_EV_PROTOCOL_EXCEEDED] = "protocol_exceeded",
};

const char *ss_event_name(ss_event_type t) { return (t >= 0 && t < SS_EV_COUNT) ? ss__names[t] : "?"; }

int ss_event_from_name(const char *name)
{
    for (int i = 0; i < SS_EV_COUNT; i++)
        if (strcmp(name, ss__names[i]) == 0) return i;
    return -1;
}

void ss_event_details(const ss_event *e, char *buf, size_t n)
{
    size_t k = 0;
#define SS__ADD(...)                                                                                                   \
    do {                                                                                                               \
        int w_ = snprintf(buf + k, n - k, __VA_ARGS__);                                                                \
        if (w_ > 0) k = k + (size_t)w_ < n ? k + (size_t)w_ : n - 1;                                                  \
    } while (0)
    if (n == 0) return;
    buf[0] = '\0';
    if (e->type == SS_EV_VIEW_REACHED && e->view >= 0) SS__ADD(" %s", ss_view_name((ss_view)e->view));
    else if (e->type == SS_EV_GUIDE_ATTACHED) SS__ADD(" frame at %.0f deg to the beam", e->value);
    else if (e->tissue > 0) SS__ADD(" %s", ss_tissue_get(e->tissue)->label);
    if (e->level >= 0) SS__ADD("  at %s", ss_level_name(e->level));
    if (e->type == SS_EV_SKIN_ENTRY || e->type == SS_EV_BONE_CONTACT || e->type == SS_EV_DURA_POP ||
        e->type == SS_EV_CSF_OUTFLOW || e->type == SS_EV_INJECT_OUTSIDE_CSF ||
        e->type == SS_EV_DURAL_PUNCTURE_ABOVE_CONUS || e->type == SS_EV_PROTOCOL_EXCEEDED)
        SS__ADD("  depth %.1f mm", e->depth_mm);
    if (e->type == SS_EV_INJECT) SS__ADD("  %.1f ml", e->value);
#undef SS__ADD
}

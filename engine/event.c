/* event.c: event type names (see event.h). */
#include "event.h"

#include <string.h>

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

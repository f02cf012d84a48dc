/* event.h: what happens during an attempt, as the session log and metrics see it.
 * Type names are DESIGN.md's machine-readable names (stable: logs and outside tools
 * use them). The engine emits events through an ss_event_sink the caller supplies. */
#ifndef SS_EVENT_H
#define SS_EVENT_H

#include <stddef.h>

typedef enum ss_event_type {
    SS_EV_PROBE_CONTACT,
    SS_EV_VIEW_REACHED,
    SS_EV_GUIDE_ATTACHED,
    SS_EV_SKIN_ENTRY,
    SS_EV_LAYER_ENTER,
    SS_EV_FLAVUM_POP,
    SS_EV_DURA_POP,
    SS_EV_BONE_CONTACT,
    SS_EV_NERVE_CONTACT,
    SS_EV_VESSEL_PUNCTURE,
    SS_EV_CSF_OUTFLOW,
    SS_EV_STYLET_REMOVED,
    SS_EV_INJECT,
    SS_EV_NEEDLE_EXIT,
    SS_EV_CT_CALLED,
    /* critical errors that no other event records (critical.h): logged when they happen */
    SS_EV_INJECT_OUTSIDE_CSF,
    SS_EV_DURAL_PUNCTURE_ABOVE_CONUS,
    SS_EV_PROTOCOL_EXCEEDED,
    SS_EV_END,
    SS_EV_COUNT
} ss_event_type;

typedef struct ss_event {
    ss_event_type type;
    double t_s;             /* simulation time */
    double pos_mm[3];       /* needle tip (or probe) position, patient frame */
    int tissue;             /* ss_tissue involved (layer entered, bone hit), or -1 */
    double depth_mm;        /* needle depth along its line from the skin entry, or 0 */
    double value;           /* event-specific: injected ml, force N at a pop, ... */
    int level;              /* interspace (patient.h SS_LEVEL_*) the needle is aimed at, or -1 */
    int view;               /* standard view in use (ss_view), or -1 when off any standard view */
} ss_event;

typedef struct ss_event_sink {
    void (*emit)(void *user, const ss_event *e);
    void *user;
} ss_event_sink;

const char *ss_event_name(ss_event_type t);
/* What the event names besides its type, as the CLI and the window print it: the view
 * (view_reached), the frame angle (guide_attached) or the tissue, the interspace, the
 * depth along the needle, the volume ("  paraspinal muscle  at L4-L5  depth 21.9 mm"). */
void ss_event_details(const ss_event *e, char *buf, size_t n);
/* Type from its name, or -1. */
int ss_event_from_name(const char *name);

#endif

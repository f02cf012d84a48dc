/* critical.h: the critical errors of an attempt, one list in one place (issue 21).
 *
 * A critical error is an act that harms a real patient whatever else went well: the
 * drug injected anywhere but the CSF, a nerve root touched, a vessel punctured, the dura
 * punctured at a level where the conus may lie, or more insertions or interspaces than
 * the paper's protocol allows without calling for CT guidance. The metrics find them in
 * the event stream (metrics.c), the session logs each as an event of the same type, the
 * rubric fails any attempt with one (rubric.c), the feedback, the results screen and the
 * report name them first. A scenario's rubric cannot switch them off.
 */
#ifndef SS_CRITICAL_H
#define SS_CRITICAL_H

#include <stdbool.h>

#include "event.h"
#include "patient.h"

typedef enum ss_critical_type {
    SS_CRIT_INJECT_OUTSIDE_CSF,
    SS_CRIT_NERVE_CONTACT,
    SS_CRIT_VESSEL_PUNCTURE,
    SS_CRIT_DURAL_PUNCTURE_ABOVE_CONUS,
    SS_CRIT_PROTOCOL_EXCEEDED,
    SS_CRIT_COUNT
} ss_critical_type;

/* The conus medullaris ends at the L1-L2 disc in most adults and lower in some (and in
 * infants), so a lumbar puncture is made below L2: a dural puncture at L1-L2 or above is
 * critical. Interspaces are indexed from L1-L2 (patient.h), so this is the lowest level
 * that counts as above the conus. */
#define SS_CRITICAL_CONUS_LOWEST_UNSAFE_LEVEL SS_LEVEL_L1_L2

enum { SS_CRITICAL_MAX = 16 }; /* recorded per attempt; later ones are counted only */

typedef struct ss_critical_error {
    ss_critical_type type;
    double t_s;
    int tissue;     /* ss_tissue where the tip was, or -1 */
    int level;      /* interspace (SS_LEVEL_*), or -1 */
    double pos_mm[3];
} ss_critical_error;

/* Contract name ("inject_outside_csf", ...: --metrics-json critical_errors[].type and the
 * log's event type). */
const char *ss_critical_name(ss_critical_type t);
/* Short label for screens and reports ("Injection outside the CSF"). */
const char *ss_critical_label(ss_critical_type t);
/* What it means for a patient and what to do instead, one sentence. */
const char *ss_critical_advice(ss_critical_type t);
/* The event type that records it in the session log. */
ss_event_type ss_critical_event(ss_critical_type t);
/* The critical error an event records, or -1 (for the events that are critical by type:
 * nerve_contact, vessel_puncture and the three critical-only events). */
int ss_critical_of_event(ss_event_type t);

/* One line naming the error as a trainee reads it: label, where and when, e.g.
 * "Injection outside the CSF: 5.0 ml into nerve root at L4-L5, 312 s". */
void ss_critical_describe(const ss_critical_error *e, char *buf, unsigned n);

#endif

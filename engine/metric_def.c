/* metric_def.c: the table of metrics (see metric_def.h). Definitions: REFERENCE.md §1 and
 * §6, the paper's Methods and Results, DESIGN.md's --metrics-json keys; README "Metrics
 * and scoring" lists them for people. */
#include "metric_def.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "session_script.h"

/* ------------------------------------------------------------------ values */

#define SS__V(fn, expr)                                                                                                \
    static double fn(const ss_metrics *m, int expected_level)                                                         \
    {                                                                                                                  \
        (void)expected_level;                                                                                          \
        return (double)(expr);                                                                                         \
    }
SS__V(ss__success, m->success)
SS__V(ss__insertions, m->insertions)
SS__V(ss__interspaces, m->interspaces_tried)
SS__V(ss__redirections, m->redirections)
SS__V(ss__operation, m->operation_time_s)
SS__V(ss__puncture, m->puncture_time_s)
SS__V(ss__bone, m->bone_contacts)
SS__V(ss__nerve, m->nerve_contacts)
SS__V(ss__vessel, m->vessel_punctures)
SS__V(ss__dural, m->dural_punctures)
SS__V(ss__tip_visible, m->tip_visible_pct)
SS__V(ss__path, m->path_in_tissue_mm)
SS__V(ss__damage, m->tissue_damage_mm2)
SS__V(ss__ct, m->ct_called)
SS__V(ss__protocol, m->protocol_followed)
SS__V(ss__angle, m->plane_angle_mean_deg)
SS__V(ss__distance, m->plane_distance_mean_mm)
SS__V(ss__probe_path, m->probe_path_mm)
SS__V(ss__time_in_tissue, m->time_in_tissue_s)
SS__V(ss__injected, m->injected_ml)
SS__V(ss__pdph, m->pdph_risk_pct)
SS__V(ss__critical, m->ncritical)
#undef SS__V

static double ss__level_correct(const ss_metrics *m, int expected_level)
{
    return m->level >= 0 && m->level == expected_level;
}

static const char *ss__level_text(const ss_metrics *m) { return m->level >= 0 ? ss_level_name(m->level) : NULL; }
static const char *ss__view_text(const ss_metrics *m) { return m->view >= 0 ? ss_view_name((ss_view)m->view) : NULL; }
static const char *ss__protocol_text(const ss_metrics *m) { return m->protocol_note; }

/* ------------------------------------------------------------------ feedback */

static const char *ss__s(double v) { return v == 1 ? "" : "s"; }

static void ss__w_success(const ss_metrics *m, double v, double t, bool met, char *b, size_t n)
{
    (void)v, (void)t;
    if (met) snprintf(b, n, "The drug was injected into the CSF.");
    else if (m->injected_ml > 0) snprintf(b, n, "The drug was injected, but not into the CSF.");
    else snprintf(b, n, "The drug did not reach the CSF.");
}

static void ss__w_insertions(const ss_metrics *m, double v, double t, bool met, char *b, size_t n)
{
    (void)m;
    if (met) snprintf(b, n, "%.0f skin insertion%s: within the target of %.0f.", v, ss__s(v), t);
    else snprintf(b, n, "You needed %.0f skin insertions; aim for at most %.0f by planning the path in the pre-procedure scan.", v, t);
}

static void ss__w_puncture(const ss_metrics *m, double v, double t, bool met, char *b, size_t n)
{
    if (!isfinite(v)) {
        /* never contradict the log: the dura may have been punctured without CSF drawn */
        if (m->dural_punctures > 0)
            snprintf(b, n, "The dura was punctured, but CSF never flowed: take the stylet out with the tip in the "
                           "sac to see CSF at the hub (no puncture time without it).");
        else snprintf(b, n, "CSF was never reached, so there is no puncture time.");
    } else if (met) {
        snprintf(b, n, "Skin to CSF in %.0f s (target %.0f s).", v, t);
    } else {
        snprintf(b, n, "Skin to CSF took %.0f s; the target is %.0f s.", v, t);
    }
}

static void ss__w_bone(const ss_metrics *m, double v, double t, bool met, char *b, size_t n)
{
    (void)m;
    if (met) snprintf(b, n, "%.0f bone contact%s (at most %.0f).", v, ss__s(v), t);
    else snprintf(b, n, "The needle hit bone %.0f times; re-check the interlaminar window before advancing.", v);
}

static void ss__w_nerve(const ss_metrics *m, double v, double t, bool met, char *b, size_t n)
{
    (void)m, (void)t;
    if (met) snprintf(b, n, "No nerve root was touched.");
    else snprintf(b, n, "The needle touched a nerve root %.0f time%s (leg numbness risk): stay interlaminar, off the foramen.", v, ss__s(v));
}

static void ss__w_vessel(const ss_metrics *m, double v, double t, bool met, char *b, size_t n)
{
    (void)m, (void)t;
    if (met) snprintf(b, n, "No vessel was punctured.");
    else snprintf(b, n, "A vessel was punctured %.0f time%s.", v, ss__s(v));
}

static void ss__w_level(const ss_metrics *m, double v, double t, bool met, char *b, size_t n)
{
    (void)m, (void)v, (void)t;
    snprintf(b, n, met ? "You chose the right interspace."
                       : "CSF was not reached at the interspace a careful sonographer would choose (the channel after fusion, the least rotated level in scoliosis).");
}

static void ss__w_protocol(const ss_metrics *m, double v, double t, bool met, char *b, size_t n)
{
    (void)v, (void)t;
    if (met) snprintf(b, n, "You followed the protocol (three insertions a level, three levels, then CT).");
    else snprintf(b, n, "The protocol was not followed (%s): after three failed insertions change interspace; after three interspaces call for CT.", m->protocol_note);
}

static void ss__w_tip(const ss_metrics *m, double v, double t, bool met, char *b, size_t n)
{
    (void)m;
    if (met) snprintf(b, n, "The needle tip was in view for %.0f%% of the advance.", v);
    else snprintf(b, n, "You advanced with the tip out of view for %.0f%% of the advance; keep the tip in the image plane (target %.0f%% in view).", 100.0 - v, t);
}

static void ss__w_dural(const ss_metrics *m, double v, double t, bool met, char *b, size_t n)
{
    (void)m, (void)t;
    if (met) snprintf(b, n, "%.0f dural puncture%s.", v, ss__s(v));
    else snprintf(b, n, "The dura was punctured %.0f times (headache risk); one clean puncture is the goal.", v);
}

static void ss__w_critical(const ss_metrics *m, double v, double t, bool met, char *b, size_t n)
{
    (void)m, (void)t;
    if (met) snprintf(b, n, "No critical error.");
    else snprintf(b, n, "%.0f critical error%s (each fails the attempt).", v, ss__s(v));
}

static void ss__w_interspaces(const ss_metrics *m, double v, double t, bool met, char *b, size_t n)
{
    (void)m;
    if (met) snprintf(b, n, "%.0f interspace%s tried (at most %.0f).", v, ss__s(v), t);
    else snprintf(b, n, "You tried %.0f interspaces; choose the level from the X-rays and the scan first (the reserved channel, the least rotated level) and stay with it.", v);
}

static void ss__w_redirections(const ss_metrics *m, double v, double t, bool met, char *b, size_t n)
{
    (void)m;
    if (met) snprintf(b, n, "%.0f redirection%s (at most %.0f).", v, ss__s(v), t);
    else snprintf(b, n, "The needle was withdrawn and re-advanced %.0f times; plan the path in the image before the skin, then advance once.", v);
}

static void ss__w_operation(const ss_metrics *m, double v, double t, bool met, char *b, size_t n)
{
    (void)m;
    if (met) snprintf(b, n, "Probe on the skin to injection done in %.0f min (target %.0f min).", v / 60.0, t / 60.0);
    else snprintf(b, n, "The procedure took %.0f min from the first scan (target %.0f min): find the view by counting up from the sacrum.", v / 60.0, t / 60.0);
}

static void ss__w_damage(const ss_metrics *m, double v, double t, bool met, char *b, size_t n)
{
    (void)m;
    if (met) snprintf(b, n, "Tissue damage %.0f mm\xc2\xb2 (at most %.0f).", v, t);
    else snprintf(b, n, "The shaft swept %.0f mm\xc2\xb2 of tissue sideways (target %.0f): do not move the probe or re-angle with the needle deep; withdraw first.", v, t);
}

static void ss__w_angle(const ss_metrics *m, double v, double t, bool met, char *b, size_t n)
{
    (void)m;
    if (met) snprintf(b, n, "The needle stayed in the image plane (mean %.1f deg off it).", v);
    else snprintf(b, n, "The needle ran %.0f deg across the image plane (target at most %.0f): line it up with the probe's long axis.", v, t);
}

static void ss__w_distance(const ss_metrics *m, double v, double t, bool met, char *b, size_t n)
{
    (void)m;
    if (met) snprintf(b, n, "The tip stayed within %.1f mm of the image plane.", v);
    else snprintf(b, n, "The tip was on average %.1f mm off the image plane (target %.0f mm): the image did not show the needle you were moving.", v, t);
}

/* ------------------------------------------------------------------ the table */

#define SS__PAPER "Wei et al. 2023"
static const ss_metric_def ss__defs[] = {
    {"success", "Drug injected into the CSF", "", SS_METRIC_BOOL, true, false, 1, 1, 10, 1, false, true,
     "the task (" SS__PAPER ": 5 ml of nusinersen into the CSF); also a condition of passing", ss__success, NULL,
     ss__w_success, false},
    {"insertions", "Skin insertions", "", SS_METRIC_COUNT, true, true, 2, 2, 10, 5, false, true,
     SS__PAPER ": <= 2 insertions in 89.5 % (17/19) of punctures", ss__insertions, NULL, ss__w_insertions, false},
    {"interspaces_tried", "Interspaces tried", "", SS_METRIC_COUNT, true, true, 1, 2, 5, 8, false, true,
     SS__PAPER ": one interspace in 18 of 19 procedures; case 6's first dose, before the level was known, 3 "
     "(hard spines: 2)",
     ss__interspaces, NULL, ss__w_interspaces, false},
    {"redirections", "Needle redirections", "", SS_METRIC_COUNT, true, true, 1, 1, 10, 6, false, true,
     "REFERENCE.md §6 (withdraw >= 1 mm, then advance): one correction on the way; every expert attempt of the "
     "attempt library needs none",
     ss__redirections, NULL, ss__w_redirections, false},
    {"operation_time_s", "Operation time (first probe contact to injection done)", "s", SS_METRIC_REAL, true, true,
     900, 900, 10, 12, false, true,
     SS__PAPER ": the operator's later doses took 13-19 min (median 15 min for cases 2, 3 and 6 once the level "
     "was known), preparation included, which the simulator does not ask for",
     ss__operation, NULL, ss__w_operation, false},
    {"puncture_time_s", "Puncture time (skin to CSF)", "s", SS_METRIC_REAL, true, true, 180, 180, 10, 11, false, true,
     SS__PAPER ": median puncture time 3 min (2-30); on the hard spines too once the level was known (case 6's "
     "third and fourth doses: 3 min)",
     ss__puncture, NULL, ss__w_puncture, false},
    {"bone_contacts", "Bone contacts", "", SS_METRIC_COUNT, true, true, 2, 3, 5, 7, false, true,
     "REFERENCE.md §6: bone contact as an error count; a hard spine leaves a narrower window (3)", ss__bone, NULL,
     ss__w_bone, false},
    {"nerve_contacts", "Nerve-root contacts", "", SS_METRIC_COUNT, true, true, 0, 0, 2.5, 13, false, true,
     "a critical error besides (critical.h): any contact fails the attempt", ss__nerve, NULL, ss__w_nerve, false},
    {"vessel_punctures", "Vessel punctures", "", SS_METRIC_COUNT, true, true, 0, 0, 2.5, 14, false, true,
     "a critical error besides (critical.h): any puncture fails the attempt", ss__vessel, NULL, ss__w_vessel, false},
    {"dural_punctures", "Dural punctures", "", SS_METRIC_COUNT, true, true, 0, 0, 0, 0, false, true,
     "REFERENCE.md §3: each puncture adds headache risk", ss__dural, NULL, ss__w_dural, false},
    {"level", "Interspace where CSF was reached", "", SS_METRIC_TEXT, false, false, 0, 0, 0, 0, false, true, "", NULL,
     ss__level_text, NULL, false},
    {"view", "View in use at the successful insertion", "", SS_METRIC_TEXT, false, false, 0, 0, 0, 0, false, true, "",
     NULL, ss__view_text, NULL, false},
    {"level_correct", "CSF reached at the planned interspace", "", SS_METRIC_BOOL, true, false, 1, 1, 10, 9, false,
     false, SS__PAPER ": the reserved channel after fusion, the least rotated level in scoliosis", ss__level_correct,
     NULL, ss__w_level, false},
    {"tip_visible_pct", "Advancement with the tip visible", "%", SS_METRIC_REAL, true, false, 80, 80, 10, 2, true, true,
     "REFERENCE.md §6 (Perk Tutor family): advance with the tip in view; required: below 80 % the needle went "
     "blind for more than a fifth of its way",
     ss__tip_visible, NULL, ss__w_tip, true},
    {"path_in_tissue_mm", "Tip path length in tissue", "mm", SS_METRIC_REAL, true, true, 0, 0, 0, 0, false, true,
     "REFERENCE.md §6 (Perk Tutor: includes the way out)", ss__path, NULL, NULL, false},
    {"tissue_damage_mm2", "Tissue damage (area swept by the shaft)", "mm\xc2\xb2", SS_METRIC_REAL, true, true, 50, 50,
     10, 15, false, true,
     "REFERENCE.md §6 (Perk Tutor: the area the shaft sweeps in tissue when it moves sideways); 50 mm2 is one "
     "re-angling of 10 deg at 40 mm",
     ss__damage, NULL, ss__w_damage, false},
    {"ct_called", "CT guidance called", "", SS_METRIC_BOOL, true, false, 0, 0, 0, 0, false, true,
     SS__PAPER ": the protocol's exit after three failed interspaces", ss__ct, NULL, NULL, false},
    {"protocol_followed", "Escalation protocol followed", "", SS_METRIC_BOOL, true, false, 1, 1, 5, 10, false, true,
     SS__PAPER ": three insertions a level, three levels, then CT", ss__protocol, NULL, ss__w_protocol, false},
    {"protocol_note", "Protocol", "", SS_METRIC_TEXT, false, false, 0, 0, 0, 0, false, true, "", NULL,
     ss__protocol_text, NULL, false},
    {"plane_angle_mean_deg", "Needle to image plane angle (mean, advancing)", "deg", SS_METRIC_REAL, true, true, 5, 5,
     5, 4, false, true, "REFERENCE.md §6 (Perk Tutor family): an in-plane needle lies within a few degrees of the beam",
     ss__angle, NULL, ss__w_angle, true},
    {"plane_distance_mean_mm", "Tip to image plane distance (mean, advancing)", "mm", SS_METRIC_REAL, true, true, 2,
     2, 10, 3, false, true,
     "REFERENCE.md §6 (Perk Tutor family); 2 mm: about the half-width of the 3.5 MHz convex probe's elevation beam "
     "at the canal's depth",
     ss__distance, NULL, ss__w_distance, true},
    {"probe_path_mm", "Probe path length", "mm", SS_METRIC_REAL, true, true, 0, 0, 0, 0, false, true,
     "REFERENCE.md §6", ss__probe_path, NULL, NULL, true},
    {"time_in_tissue_s", "Time with the needle in tissue", "s", SS_METRIC_REAL, true, true, 0, 0, 0, 0, false, true,
     "REFERENCE.md §6", ss__time_in_tissue, NULL, NULL, false},
    {"injected_ml", "Volume injected", "ml", SS_METRIC_REAL, false, false, 0, 0, 0, 0, false, true, "", ss__injected,
     NULL, NULL, false},
    {"pdph_risk_pct", "Post-dural-puncture headache risk", "%", SS_METRIC_REAL, true, true, 0, 0, 0, 0, false, true,
     "REFERENCE.md §3 (Cochrane: pencil point 4.2 %, cutting 11 % a puncture)", ss__pdph, NULL, NULL, false},
    {"critical_errors", "Critical errors", "", SS_METRIC_COUNT, true, true, 0, 0, 0, 0, false, false,
     "critical.h: each fails the attempt whatever the rubric", ss__critical, NULL, ss__w_critical, false},
};
#undef SS__PAPER

enum { SS__NDEFS = (int)(sizeof ss__defs / sizeof ss__defs[0]) };

int ss_metric_count(void) { return SS__NDEFS; }
const ss_metric_def *ss_metric_at(int i) { return i >= 0 && i < SS__NDEFS ? &ss__defs[i] : NULL; }

bool ss_metric_needs_image(const char *name)
{
    const ss_metric_def *d = ss_metric_find(name);
    return d && d->needs_image;
}

const ss_metric_def *ss_metric_find(const char *name)
{
    for (int i = 0; i < SS__NDEFS; i++)
        if (strcmp(ss__defs[i].name, name) == 0) return &ss__defs[i];
    return NULL;
}

bool ss_metrics_value(const ss_metrics *mt, const char *name, int expected_level, double *out)
{
    const ss_metric_def *d = ss_metric_find(name);
    if (!d || !d->gradable || !d->value) return false;
    *out = d->value(mt, expected_level);
    return true;
}

static const char *ss__names[SS__NDEFS + 1];
static pthread_once_t ss__names_once = PTHREAD_ONCE_INIT;

static void ss__make_names(void)
{
    int k = 0;
    for (int i = 0; i < SS__NDEFS; i++)
        if (ss__defs[i].gradable) ss__names[k++] = ss__defs[i].name;
    ss__names[k] = NULL;
}

const char *const *ss_metrics_names(void)
{
    pthread_once(&ss__names_once, ss__make_names);
    return ss__names;
}

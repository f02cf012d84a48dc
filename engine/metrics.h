/* metrics.h: the measures of one attempt, computed from the event stream and the
 * simulation's per-tick samples (definitions: REFERENCE.md §1 and §6, the paper's
 * Methods, DESIGN.md's --metrics-json keys; each is documented in the README).
 *
 * Feed it in time order: ss_metrics_event() for every event, ss_metrics_tick() once per
 * simulation tick, then ss_metrics_finish(). It does not judge (that is the rubric's
 * job: score and pass are filled by rubric.c) and keeps no history beyond counters.
 */
#ifndef SS_METRICS_H
#define SS_METRICS_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "critical.h"
#include "event.h"
#include "patient.h"
#include "preparation.h"

/* The protocol of the paper: a failed insertion is withdrawn and reinserted; three
 * failures at a level -> the next interspace; failure at three interspaces -> stop and
 * call for CT guidance. */
#define SS_PROTOCOL_INSERTIONS_PER_LEVEL 3
#define SS_PROTOCOL_LEVELS_BEFORE_CT 3
/* A withdrawal of at least this much, still in the body, then an advance = a redirection. */
#define SS_REDIRECT_MIN_WITHDRAW_MM 1.0

/* The verdict beside pass (issue 22): the paper's outcomes. */
typedef enum ss_verdict {
    SS_VERDICT_FAIL,
    SS_VERDICT_PASS,                /* the drug in the CSF, the score at the pass mark, no critical error */
    SS_VERDICT_ESCALATED_CORRECTLY, /* no CSF, but three interspaces failed and then CT was called */
    SS_VERDICT_NOT_ATTEMPTED        /* no insertion and no CT: score 0, nothing praised */
} ss_verdict;
const char *ss_verdict_name(ss_verdict v);

typedef struct ss_tick_sample {
    double t_s;
    bool in_body;              /* needle tip under the skin */
    double tip_advance_mm;     /* signed tip motion along the needle axis this tick */
    double tip_motion_mm;      /* |tip displacement| this tick */
    bool tip_visible;          /* tip inside the imaged slice and sector */
    double plane_angle_deg;    /* needle axis to image plane */
    double plane_distance_mm;  /* tip to image plane */
    double swept_area_mm2;     /* area swept by the shaft in tissue this tick */
    double exit_path_mm;       /* tip path out of the body by an instant removal this tick */
    double probe_motion_mm;    /* probe face displacement this tick */
} ss_tick_sample;

typedef struct ss_metrics {
    /* the paper's measures */
    bool success;                  /* injected with the tip in the subarachnoid space */
    int insertions;                /* skin entries */
    int interspaces_tried;         /* distinct interspaces with an insertion */
    double operation_time_s;       /* first probe contact -> injection complete (or end) */
    double puncture_time_s;        /* first skin entry -> CSF outflow; NAN if none */
    int level;                     /* interspace where CSF was reached, -1 if none */
    int view;                      /* view in use at the successful insertion, -1 if none */
    /* safety */
    int bone_contacts, nerve_contacts, vessel_punctures, dural_punctures;
    bool ct_called;
    bool protocol_followed;
    char protocol_note[160];       /* why not, in words */
    /* guidance quality (Perk Tutor family) */
    int redirections;
    double tip_visible_pct;        /* % of needle advancement made with the tip visible */
    double path_in_tissue_mm;
    double tissue_damage_mm2;
    double plane_angle_mean_deg;   /* while advancing in the body */
    double plane_distance_mean_mm;
    double probe_path_mm;
    double time_in_tissue_s;
    double injected_ml;
    bool landmark;                 /* landmark-only mode (no ultrasound): "mode": "landmark" */
    ss_prep_result prep;           /* the pre-procedure stage (preparation.h); prep.present
                                      false when the attempt had none */
    ss_proc_note note;             /* the procedure note written (`note`), for the next dose */
    double pdph_risk_pct;          /* post-dural-puncture headache risk from gauge, tip and
                                      the number of dural punctures (see metrics.c) */
    /* critical errors (critical.h), in time order: the first SS_CRITICAL_MAX recorded,
     * all of them counted */
    ss_critical_error critical[SS_CRITICAL_MAX];
    int ncritical;
    /* filled by the rubric */
    double score;
    bool pass;
    bool graded;
    ss_verdict verdict;            /* --metrics-json "verdict" (rubric.h) */
} ss_metrics;

typedef struct ss_metrics_state ss_metrics_state;

ss_metrics_state *ss_metrics_begin(void);
/* The needle in use (for the post-dural-puncture headache risk); default 18G cutting. */
#include "needle.h"
void ss_metrics_set_needle(ss_metrics_state *m, const ss_needle_spec *spec);
/* Risk (%) of a post-dural-puncture headache after n dural punctures with this needle. */
double ss_metrics_pdph_risk_pct(const ss_needle_spec *spec, int dural_punctures);
void ss_metrics_event(ss_metrics_state *m, const ss_event *e);
/* The next critical error found by ss_metrics_event() and not yet taken (the session
 * logs each as an event of its type at once); false when none is waiting. */
bool ss_metrics_take_critical(ss_metrics_state *m, ss_critical_error *out);
void ss_metrics_tick(ss_metrics_state *m, const ss_tick_sample *s);
/* Closes the attempt at time t_end_s and writes the result. */
void ss_metrics_finish(ss_metrics_state *m, double t_end_s, ss_metrics *out);
void ss_metrics_free(ss_metrics_state *m);


/* The --metrics-json object (DESIGN.md keys, plus the extra measures): every key of the
 * metric table (metric_def.h), critical_errors, score and pass. Values by name:
 * ss_metrics_value() (metric_def.h). */
cJSON *ss_metrics_to_json(const ss_metrics *mt);

#endif

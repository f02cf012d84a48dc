/* preparation.h: the pre-procedure stage of the paper's protocol (issue 24), what a
 * trainee does before the scan and how it is graded.
 *
 * The trainee reads the radiographs (xray.h) and says the Cobb angle (`xray.cobb DEG`)
 * and the apical rotation's Nash-Moe grade (`xray.nash-moe GRADE`, 0 or I-IV), chooses
 * the interspace (`level.choose LEVEL`) and ticks the checklist (`check ITEM`): consent,
 * coagulation, infection, allergy, position, sterile-cover, couplant, local-anaesthetic
 * (the paper's Methods, "Preparation before intrathecal injections", and the
 * contraindications a clinician checks). These are session-script commands, logged as
 * inputs like any other (so they replay and verify).
 *
 * The answers are the patient model's own (ss_prep_key, from the world: world.h): the
 * lumbar Cobb angle the model measures (spine_measure.h, what the radiograph shows), the
 * Nash-Moe grade of its most rotated lumbar body, and the interspaces the paper's rule
 * accepts: after a fusion, the channel reserved (laminotomy or ungrafted level); in
 * scoliosis without one, the least rotated interspace (and any within 2 deg of it); in a
 * straight spine, any the scenario expects. Tolerances: Cobb +-5 deg, Nash-Moe +-1 grade
 * (the issue's; the paper gives none).
 */
#ifndef SS_PREPARATION_H
#define SS_PREPARATION_H

#include <stdbool.h>
#include <stddef.h>

#include "patient.h"

typedef enum ss_check_item {
    SS_CHECK_CONSENT,
    SS_CHECK_COAGULATION,
    SS_CHECK_INFECTION,
    SS_CHECK_ALLERGY,
    SS_CHECK_POSITION,
    SS_CHECK_STERILE_COVER,
    SS_CHECK_COUPLANT,
    SS_CHECK_LOCAL_ANAESTHETIC,
    SS_CHECK_COUNT
} ss_check_item;

#define SS_PREP_COBB_TOL_DEG 5.0
#define SS_PREP_NASH_MOE_TOL 1

const char *ss_check_item_name(int item);
int ss_check_item_from_name(const char *name); /* -1 unknown */
/* "0", "I", "II", "III", "IV" (or 0-4) -> 0..4; -1 otherwise. And back. */
int ss_nash_moe_from_name(const char *name);
const char *ss_nash_moe_name(int grade);

/* The procedure note a trainee writes after a dose (`note LEVEL [ANGLE]`): the interspace
 * used and the puncture frame's angle, what the next dose of the patient's course may
 * reuse (`probe.view note ...`, `level.choose note`, `guide.attach note`; sim.h). All
 * zero: nothing noted. */
typedef struct ss_proc_note {
    bool has_level, has_angle;
    int level;        /* SS_LEVEL_* */
    double angle_deg;
} ss_proc_note;

/* What the trainee said (the simulation's state; session-script commands). */
typedef struct ss_prep_inputs { /* (struct tag used by session_script.h) */
    bool any;                  /* a preparation command was given */
    double cobb_deg;           /* NAN: not given */
    int nash_moe;              /* -1: not given */
    int level;                 /* SS_LEVEL_*, -1: not chosen */
    unsigned checked;          /* bit per ss_check_item */
} ss_prep_inputs;

void ss_prep_inputs_init(ss_prep_inputs *in);

/* The model's answers (world.h: the patient's prep_key). */
typedef struct ss_prep_key {
    double cobb_deg;
    int nash_moe;
    bool level_ok[SS_LEVEL_COUNT];
    char rule[160];            /* the rule that chose them, in words */
} ss_prep_key;

/* The grade of the stage (metrics.h's preparation). */
typedef struct ss_prep_result {
    bool present;              /* the trainee did a preparation stage */
    double cobb_error_deg;     /* |given - model|; NAN not given */
    int nash_moe_error;        /* |given - model| in grades; -1 not given */
    int level_choice;          /* SS_LEVEL_*, -1 none */
    int level_choice_ok;       /* 1 yes, 0 no, -1 no choice */
    int nmissed;
    int missed[SS_CHECK_COUNT]; /* ss_check_item, in checklist order */
    ss_prep_key key;            /* what it was graded against */
    double cobb_given_deg;      /* NAN: not given */
    int nash_moe_given;         /* -1: not given */
    bool unflexed;              /* the scan began with 'position' not done: the patient lay
                                   unflexed, with narrower interlaminar windows (sim.h);
                                   set by the session, not by ss_prep_grade */
} ss_prep_result;

void ss_prep_grade(const ss_prep_inputs *in, const ss_prep_key *key, ss_prep_result *out);

/* The Cobb angle of two lines drawn on a film, as a reader measures it: the angle between
 * the line along the upper end vertebra's upper endplate (p[0] -> p[1]) and the one along
 * the lower end vertebra's lower endplate (p[2] -> p[3]), in degrees, 0 to 90 (lines, not
 * directions: the order of each pair's points does not matter). Points in any frame with
 * equal units on both axes (film pixels). NAN when a line has no length. */
double ss_cobb_from_lines(const double p[4][2]);

/* The surgical record the stage starts from (what the operator reviews before the
 * scan), written from the patient's fusion: the fused span, rods (material, diameter),
 * pedicle screw levels, graft, and the interspaces reserved for punctures (laminotomy
 * channels, ungrafted levels); "No spinal surgery." without one. */
void ss_surgical_record(const ss_patient_params *p, char *buf, size_t n);

/* The stage's feedback in one sentence, naming what was off and every skipped checklist
 * item, e.g. "Preparation: Cobb angle 45 deg read, the film's 37 deg (off by 8, more than
 * 5); ... checklist skipped: consent, coagulation." */
void ss_prep_describe(const ss_prep_result *r, char *buf, size_t n);

#endif

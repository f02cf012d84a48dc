/* scenario.h: scenario files, the instructor's description of one training case.
 *
 * A scenario is a JSON file (scenarios/schema.json, documented in scenarios/README.md)
 * with the sections scenario (id, title, ...), patient, deformity, fusion, task, probe,
 * rubric, aids, seed and variants. ss_scenario_load() reads and validates one and
 * fills ss_scenario: the anatomy parameters go into patient.h's ss_patient_params
 * (starting from ss_patient_params_default(), so every field a file leaves out keeps
 * its default); task, probe, rubric, aids, seed and variant ranges into the structs
 * below. Every problem found goes into an ss_diag_list (diag.h) as
 *     file:line:col: json.path: message
 * all of them, not only the first; the load fails when there is at least one error
 * (warnings do not fail it). Every command loads scenarios through this one function.
 *
 * The rubric section is kept as parsed data only: its shape is checked here, its
 * meaning (and defaults) belong to the scoring module. The exact file bytes are kept
 * (raw, raw_len) so the session log can hash them.
 * This module does not build anatomy, randomize variants or print.
 */
#ifndef SS_SCENARIO_H
#define SS_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "error.h"
#include "needle.h"
#include "probe.h"
#include "patient.h"

/* Files larger than this are refused with a clear message. */
#define SS_SCENARIO_MAX_BYTES ((size_t)1 << 20)

enum {
    SS_SCENARIO_ID_MAX = 64,
    SS_SCENARIO_TITLE_MAX = 128,
    SS_SCENARIO_AUTHOR_MAX = 128,
    SS_SCENARIO_BASED_ON_MAX = 512,
    SS_SCENARIO_DESCRIPTION_MAX = 2048,
    SS_SCENARIO_DRUG_MAX = 64,
    SS_SCENARIO_SOURCE_MAX = 1024,
    SS_PROBE_TGC_SLIDERS = 8,
    SS_RUBRIC_MAX_METRICS = 32,
    SS_RUBRIC_METRIC_NAME_MAX = 48,
    SS_SCENARIO_MAX_VARIANTS = 32,
    SS_VARIANT_PATH_MAX = 64,
    SS_VARIANT_MAX_CHOICES = 16
};

typedef enum ss_approach {
    SS_APPROACH_NEAR_SPINOUS = 0,       /* "near-spinous": the paper's view */
    SS_APPROACH_PARASAGITTAL_OBLIQUE,   /* "parasagittal-oblique" */
    SS_APPROACH_SPINOUS,                /* "spinous" (median) */
    SS_APPROACH_TRANSFORAMINAL,         /* "transforaminal" */
    SS_APPROACH_TRANSVERSE_INTERLAMINAR,/* "transverse-interlaminar" */
    SS_APPROACH_COUNT
} ss_approach;




typedef struct ss_task_params {
    char drug[SS_SCENARIO_DRUG_MAX];     /* "nusinersen" */
    double volume_ml;                    /* to inject */
    int needle_gauge;                    /* 18, 20 or 22 */
    double needle_length_mm;             /* 90..180 */
    ss_needle_tip needle_tip;
    bool guide_allowed;                  /* puncture frame on the probe */
    double guide_angle_min_deg;          /* needle angle to the probe-face normal the frame allows */
    double guide_angle_max_deg;
    bool freehand_allowed;
    ss_approach approach;
    int expected_interspaces[SS_LEVEL_COUNT];  /* SS_LEVEL_*, in order of preference */
    int n_expected_interspaces;                /* >= 1 in a valid scenario */
    int known_failing_interspaces[SS_LEVEL_COUNT];
    int n_known_failing_interspaces;
    double time_limit_s;
} ss_task_params;

typedef struct ss_probe_params {
    ss_probe_kind type;
    double freq_mhz;
    double depth_mm;
    double gain_db;
    double tgc_db[SS_PROBE_TGC_SLIDERS];  /* slider values, shallow to deep */
    double dynamic_range_db;
} ss_probe_params;

typedef enum ss_rubric_direction {
    SS_RUBRIC_HIGHER_BETTER = 0, /* "max" */
    SS_RUBRIC_LOWER_BETTER = 1   /* "min" */
} ss_rubric_direction;

typedef struct ss_rubric_metric {
    char metric[SS_RUBRIC_METRIC_NAME_MAX]; /* a --metrics-json name: "insertions" */
    double threshold;
    double weight;
    ss_rubric_direction direction;
    bool required; /* a must-meet item: missed, the attempt fails whatever the score */
} ss_rubric_metric;

/* As written in the file; given == false when the file has no rubric section (the
 * scoring module then applies its defaults). */
typedef struct ss_rubric {
    bool given;
    double pass_mark;
    ss_rubric_metric metrics[SS_RUBRIC_MAX_METRICS];
    int nmetrics;
} ss_rubric;

/* What the trainee may use in practice mode (exam mode never allows aids). */
typedef struct ss_aids {
    bool anatomy_overlay;
    bool hints;
} ss_aids;

/* A patient's course (run --course): the doses given under ultrasound, on their days of
 * the drug's schedule (nusinersen: loading doses on days 0, 14, 28 and 63, then every 4
 * months), and, for the paper's patients, what Table 1 reports for each of those
 * procedures (NAN where it reports nothing). ndoses 0: the scenario has no course. */
#define SS_COURSE_MAX_DOSES 12
typedef struct ss_course {
    int ndoses;
    double day[SS_COURSE_MAX_DOSES];
    int first_dose;                      /* the dose number of the first (case 4: 4) */
    bool reported;                       /* the figures below are given */
    double insertions[SS_COURSE_MAX_DOSES];
    double interspaces[SS_COURSE_MAX_DOSES];        /* interspaces tried */
    double operation_time_min[SS_COURSE_MAX_DOSES];
    double puncture_time_min[SS_COURSE_MAX_DOSES];
} ss_course;

/* One randomizable parameter: a numeric field (ss_scenario_field) and its range, or a
 * list of choices. */
typedef struct ss_variant {
    char path[SS_VARIANT_PATH_MAX];  /* "deformity.cobb_deg" */
    int field;                       /* index for ss_scenario_field_at() */
    bool has_choices;
    double min, max;                 /* when !has_choices, min <= max */
    double choices[SS_VARIANT_MAX_CHOICES];
    int nchoices;
} ss_variant;

typedef struct ss_scenario {
    char id[SS_SCENARIO_ID_MAX];
    char title[SS_SCENARIO_TITLE_MAX];
    char description[SS_SCENARIO_DESCRIPTION_MAX];
    char author[SS_SCENARIO_AUTHOR_MAX];
    char based_on[SS_SCENARIO_BASED_ON_MAX];    /* citation */
    ss_patient_params patient;                   /* body, deformity, fusion */
    ss_task_params task;
    ss_probe_params probe;
    ss_rubric rubric;
    ss_aids aids;
    ss_course course;
    uint32_t seed;
    ss_variant variants[SS_SCENARIO_MAX_VARIANTS];
    int nvariants;
    char source[SS_SCENARIO_SOURCE_MAX];         /* file name given to load/parse */
    char *raw;                                   /* the file's exact bytes (+ NUL), owned */
    size_t raw_len;
} ss_scenario;

/* Defaults for everything (patient from ss_patient_params_default(); task: nusinersen
 * 5 ml, 22 G 90 mm Quincke needle, guide allowed 0..60 deg, free hand allowed,
 * near-spinous approach, 1800 s; probe: convex 3.5 MHz, 100 mm, gain 0 dB, TGC 0 dB,
 * dynamic range 60 dB; no rubric; no aids; seed 0; no variants). raw = NULL. */
void ss_scenario_defaults(ss_scenario *out);

/* Reads and validates a scenario file. Every problem goes to diags (may be NULL);
 * the first error also goes to ss_error_set(). Returns SS_OK (warnings allowed),
 * SS_ERR_IO (not found, a directory, unreadable, over SS_SCENARIO_MAX_BYTES),
 * SS_ERR_PARSE (not JSON) or SS_ERR_INVALID (JSON, but errors). On failure *out holds
 * the defaults and owns nothing. Free a loaded scenario with ss_scenario_free(). */
ss_status ss_scenario_load(const char *path, ss_scenario *out, ss_diag_list *diags);

/* The same from text in memory; `filename` is used in the diagnostics only. */
ss_status ss_scenario_parse(const char *text, size_t len, const char *filename, ss_scenario *out,
                            ss_diag_list *diags);

/* Releases what the scenario owns (raw) and resets it to the defaults. */
void ss_scenario_free(ss_scenario *s);

/* Path of scenarios/default.json in the data directory (paths.h). */
ss_status ss_scenario_default_path(char *out, size_t out_size);

/* The probe the scenario asks for (kind, frequency, depth; the rest probe.h's defaults). */
void ss_scenario_probe(const ss_scenario *s, ss_probe *out);
/* The needle the task asks for. */
void ss_scenario_needle(const ss_scenario *s, ss_needle_spec *out);

/* Name of an approach ("near-spinous"); NULL if out of range. */
const char *ss_approach_name(ss_approach a);

/* ---------------------------------------------------------------- numeric fields
 * Every numeric scenario field, with its legal range: the validator's one table, also
 * what a variant may name and what a variant generator reads and writes. */
typedef enum ss_field_storage { SS_FIELD_DOUBLE = 0, SS_FIELD_INT = 1, SS_FIELD_U32 = 2 } ss_field_storage;

typedef struct ss_scenario_field {
    const char *path;       /* "deformity.cobb_deg" */
    const char *unit;       /* "deg", "mm", "" */
    double min, max;        /* legal range, inclusive */
    bool integer;           /* only whole numbers */
    bool variable;          /* may be named by a variant */
    const double *choices;  /* non-NULL: only these values (e.g. needle gauge) */
    int nchoices;
    size_t offset;          /* where it lives in ss_scenario (for get/set) */
    ss_field_storage storage;
} ss_scenario_field;

int ss_scenario_field_count(void);
const ss_scenario_field *ss_scenario_field_at(int index);
/* NULL if no numeric field has this path. */
const ss_scenario_field *ss_scenario_field_find(const char *path);
double ss_scenario_field_get(const ss_scenario *s, const ss_scenario_field *f);
/* Writes the value (rounded for integer fields). Setting deformity.rotation_deg.*
 * also sets patient.deformity.rotation_given. No range check: validate ranges first. */
void ss_scenario_field_set(ss_scenario *s, const ss_scenario_field *f, double value);

#endif

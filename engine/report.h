/* report.h: the assessment report of one attempt, made from its session log, as a
 * self-contained HTML page or an A4 PDF an examiner can file.
 *
 * What goes in (ss_report_build):
 *   - the header: trainee, scenario (title, id, SHA-256), date, mode, program version;
 *   - the log's integrity as session_log.h judged it (a tampered log is refused: build
 *     returns SS_ERR_INVALID; an incomplete one is reported, clearly marked);
 *   - the result as the attempt's grade record holds it (rubric.h: pass/fail, score,
 *     every metric against its threshold, strengths and weaknesses) and the other
 *     measures of its metrics record. Nothing is re-graded here;
 *   - the timeline of events (layer entries left out: they are in the log);
 *   - from a re-simulation of the log's inputs on the scenario (when the scenario file
 *     is at hand and its SHA-256 matches the header's): the needle-tip path in tissue,
 *     the probe pose and needle at the key moments (first skin entry, each bone contact,
 *     CSF outflow), whether the events came out as logged; then the tip path drawn on a
 *     sagittal and an axial section of the label volume through the deepest point the
 *     needle reached, and the B-mode frame of each key moment rendered with the CPU
 *     reference renderer (bmode_cpu.h) exactly as the trainee saw it.
 * Output: ss_report_write_html (images inline as base64 PNG, no external file),
 * ss_report_write_pdf (cairo, A4, DejaVu Sans through fontconfig), or by extension
 * with ss_report_write. Figures are cairo drawings; the engine never prints.
 * What it does not do: read files (the caller reads the log and loads the scenario),
 * decide pass or fail, or sign anything.
 */
#ifndef SS_REPORT_H
#define SS_REPORT_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "bmode_cpu.h"
#include "error.h"
#include "key_trust.h"
#include "patient_case.h"
#include "rubric.h"
#include "session_log.h"

enum {
    SS_REPORT_MAX_FRAMES = 12,     /* key B-mode frames kept */
    SS_REPORT_TEXT_MAX = 256,
    SS_REPORT_MAX_NOTES = 8
};

/* One row of the timeline. */
typedef struct ss_report_event {
    double t_s;
    long tick;
    char name[32];        /* event.h's machine name */
    char tissue[48];      /* human tissue name, "" if none */
    char level[8];        /* "L4-L5" or "" */
    double depth_mm;
    double value;
    double pos_mm[3];
} ss_report_event;

/* One tip position in tissue during the re-simulation. */
typedef struct ss_report_point {
    float pos_mm[3];
    int insertion;        /* 1-based skin entry it belongs to */
} ss_report_point;

/* A key moment and its B-mode frame (8-bit grey, owned). */
typedef struct ss_report_frame {
    char caption[SS_REPORT_TEXT_MAX];
    char event[32];
    double t_s;
    double tip_mm[3];
    bool has_image;
    int width, height;
    unsigned char *pixels;  /* width * height, top row first */
    float mm_per_px;        /* scan-converted image scale */
    bool tip_shown;         /* the needle tip lies in the image (within the slice) */
    float tip_px[2];        /* where, in pixels */
} ss_report_frame;

/* A label section of the patient (RGB, owned), pixel (0,0) at the top left. */
typedef struct ss_report_section {
    bool present;
    int width, height;
    unsigned char *rgb;     /* width * height * 3 */
    float mm_per_px;
    char title[SS_REPORT_TEXT_MAX];
    /* the plane: pixel (u, v) has its centre at origin_mm + (u * eu + v * ev) * mm_per_px;
     * a patient point is drawn at its orthogonal projection onto the plane */
    double origin_mm[3];
    double eu[3], ev[3];    /* unit vectors along the image's columns and rows */
    char left[24], right[24], top[24], bottom[24]; /* orientation words on each side */
} ss_report_section;

typedef struct ss_report {
    /* identification */
    char log_path[1024];
    char trainee[128];
    char scenario_title[128];
    char scenario_id[64];
    char scenario_sha256[65];
    char scenario_path[1024];
    char started_utc[32];
    char mode[16];
    char version[32];
    char log_last_hash[65];  /* the seal's hash (signed) when sealed, else the last record's */
    ss_log_verdict verdict;
    ss_log_auth auth;       /* what the log proves, with the trusted keys (key_trust.h) */
    long records;
    char verdict_text[1400];
    /* result (grade record) */
    bool graded;
    bool pass;
    double score;
    double pass_mark;
    char pass_reason[SS_GRADE_NOTE_CHARS];
    char ungraded_reason[720];  /* why there is no grade, when the log has one */
    char preparation[640];      /* the pre-procedure stage's feedback (the grade's), "" none */
    char followup[400];         /* the 72-hour follow-up (followup.h), "" without an insertion */
    char course[700];           /* a dose of a patient's course: which, the note it started
                                   from, and the paper's figures for the procedure; "" none */
    char comparison[900];       /* landmark-only mode: against the guided technique on the
                                   same case (the expert demonstration, re-simulated); "" none */
    cJSON *grade_items;     /* the grade record's items array (owned copy) */
    cJSON *metrics;         /* the metrics record (owned copy, seq/prev/hash removed) */
    char strengths[SS_REPORT_MAX_NOTES][SS_GRADE_NOTE_CHARS];
    int nstrengths;
    char weaknesses[SS_REPORT_MAX_NOTES][SS_GRADE_NOTE_CHARS];
    int nweaknesses;
    /* timeline */
    ss_report_event *events;
    int nevents;
    int layer_entries_omitted;
    /* re-simulation */
    bool resimulated;
    char resim_note[1400];   /* why not, or how it compared with the log */
    ss_report_point *path;
    int npath;
    int insertions;
    ss_report_frame frames[SS_REPORT_MAX_FRAMES];
    int nframes;
    int frames_omitted;     /* bone contacts beyond the frames kept */
    ss_report_section sagittal, axial;
    double target_mm[3];    /* where the sections cross: the deepest tip point */
    char generated_utc[32];
} ss_report;

typedef struct ss_report_desc {
    const char *log_path;          /* as named on the report */
    const cJSON *records;          /* ss_log_read's records */
    const ss_log_check *check;     /* ss_log_read's verdict */
    const ss_trusted_keys *trust;  /* the keys the examiner trusts (NULL: none given) */
    const char *grade_unverified;  /* non-NULL: the caller could not re-grade the attempt
                                      (why); the logged grade is then not shown */
    ss_case *patient;              /* the log's scenario, loaded (NULL: not available;
                                      sections and frames are then left out, and said so) */
    const ss_bmode_settings *bmode;/* the trainee's display settings for the frames
                                      (NULL: bmode_cpu.h's defaults with the scenario's seed) */
    int max_frames;                /* 0 = 8; at most SS_REPORT_MAX_FRAMES */
    bool no_images;                /* skip sections and B-mode frames (fast; tests) */
} ss_report_desc;

/* Builds the report's content. SS_ERR_INVALID for a tampered log (the reason names the
 * first bad line), SS_ERR_PARSE when the first record is not a session header. On
 * failure *out owns nothing. Free with ss_report_free. */
ss_status ss_report_build(const ss_report_desc *d, ss_report *out);
void ss_report_free(ss_report *r);

/* Writers. ss_report_write picks by the extension (.html/.htm or .pdf, any case) and
 * returns SS_ERR_INVALID for another. */
ss_status ss_report_write_html(const ss_report *r, const char *path);
ss_status ss_report_write_pdf(const ss_report *r, const char *path);
ss_status ss_report_write(const ss_report *r, const char *path);

/* Releases the font and surface caches cairo keeps for the process (call once, after
 * the last report or plot; leak checkers otherwise see them). */
void ss_report_release_caches(void);

/* A clinician's name for a metric of the metrics record ("Skin insertions") and its
 * unit ("", "s", "mm", "%"); the name itself for an unknown metric. */
const char *ss_report_metric_label(const char *metric, const char **unit);
/* The value of a metric as the report prints it ("18.5 s", "yes", "none"). */
void ss_report_format_value(const char *metric, const cJSON *value, char *buf, size_t size);

#endif

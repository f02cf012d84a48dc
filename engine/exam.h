/* exam.h: exam files: a fixed set of cases (scenarios, or variants of one with a seed)
 * that a candidate attempts under exam conditions, each with a time limit, and the rule
 * that turns the cases' pass/fail into the exam's (format: scenarios/EXAMS.md).
 *
 *   {"exam": {"id": "lp-credential-a", "title": "...", "time_limit_s": 1200,
 *             "pass_rule": "k_of_n", "pass_k": 2,
 *             "cases": ["wei2023-case6.json",
 *                       {"scenario": "wei2023-case2.json", "time_limit_s": 900},
 *                       {"scenario": "normal-adult.json", "variant_seed": 7}]}}
 *
 * A file is an exam file when its top-level object has the member "exam". Validation
 * reports every problem as `file:line:col: json.path: message` (diag.h), scenario paths
 * are resolved against the exam file's directory and each scenario is validated too.
 * A variant case runs variant SS_EXAM_VARIANT_K of its seed: the file that `sonospine
 * variants SCENARIO --count 1 --seed S -o DIR` writes (variants.h); validation checks that
 * it can be drawn. What it does not do: run cases (sonospine run --exam does), record
 * results (results_db.h).
 */
#ifndef SS_EXAM_H
#define SS_EXAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "error.h"

enum { SS_EXAM_MAX_CASES = 32, SS_EXAM_ID_MAX = 64, SS_EXAM_TITLE_MAX = 128, SS_EXAM_PATH_MAX = 1024 };

#define SS_EXAM_DEFAULT_TIME_LIMIT_S 1800.0
#define SS_EXAM_VARIANT_K 1 /* a variant case is variant 1 of its seed */
#define SS_EXAM_MIN_TIME_LIMIT_S 60.0
#define SS_EXAM_MAX_TIME_LIMIT_S 7200.0

typedef enum ss_exam_rule {
    SS_EXAM_PASS_ALL = 0,   /* "all": every case passed */
    SS_EXAM_PASS_K_OF_N = 1 /* "k_of_n": at least pass_k cases passed */
} ss_exam_rule;

typedef struct ss_exam_case {
    char scenario[SS_EXAM_PATH_MAX];  /* resolved path (relative to the exam file's directory) */
    bool has_variant_seed;
    uint32_t variant_seed;
    double time_limit_s;              /* the case's, else the exam's */
} ss_exam_case;

typedef struct ss_exam {
    char id[SS_EXAM_ID_MAX];
    char title[SS_EXAM_TITLE_MAX];
    double time_limit_s;
    ss_exam_rule rule;
    int pass_k;                       /* k_of_n: cases needed; all: ncases */
    ss_exam_case cases[SS_EXAM_MAX_CASES];
    int ncases;
    char source[SS_EXAM_PATH_MAX];
} ss_exam;

/* True when the file (or text) is JSON whose top-level object has an "exam" member. */
bool ss_exam_file_is_exam(const char *path);
bool ss_exam_text_is_exam(const char *text, size_t len);

/* Reads and validates an exam file: every problem into diags (may be NULL), the first
 * also into ss_error_set(). SS_ERR_IO (unreadable), SS_ERR_PARSE (not JSON),
 * SS_ERR_INVALID (errors). */
ss_status ss_exam_load(const char *path, ss_exam *out, ss_diag_list *diags);
ss_status ss_exam_parse(const char *text, size_t len, const char *filename, ss_exam *out, ss_diag_list *diags);

/* The exam's result from the cases' results (case_passed[0..ncases)). */
bool ss_exam_passed(const ss_exam *e, const bool *case_passed, int *npassed);

const char *ss_exam_rule_name(ss_exam_rule r);

/* The scenario file case `index` (0-based) runs, into out. A plain case: its scenario
 * path. A variant case: variant SS_EXAM_VARIANT_K of its seed, written as
 * DIR/<variant id>.json (DIR NULL or "": the current directory) byte for byte as
 * `sonospine variants` writes it, so that the attempt's log names a file that replays.
 * An existing file of that name is reused when identical; when it differs (the scenario
 * changed since) SS_ERR_IO and nothing is overwritten. */
ss_status ss_exam_case_scenario(const ss_exam *e, int index, const char *dir, char *out, size_t n);

#endif

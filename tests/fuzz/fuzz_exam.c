/* fuzz_exam.c: libFuzzer harness for the exam-file validator (engine/exam.c).
 *
 * Input: the bytes of an exam file. It is parsed as if it were
 * <source>/scenarios/exams/fuzz-exam.json, so case paths like "../wei2023-case6.json"
 * resolve to the shipped scenarios and are loaded and validated too (the harness only
 * reads files, never writes). Checked after each input:
 * - a documented status; SS_OK exactly when no error was reported;
 * - a valid exam has 1..SS_EXAM_MAX_CASES cases, each with a scenario path and a time
 *   limit in the documented range; pass_k within 1..ncases; ss_exam_passed() agrees
 *   with the rule for "all passed" and "none passed";
 * - ss_exam_text_is_exam() is true for every valid exam;
 * - every diagnostic formats.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "diag.h"
#include "exam.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { FUZZ_EXAM_MAX_BYTES = 1 << 20 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_EXAM_MAX_BYTES) return -1;
    const char *text = (const char *)data;
    ss_diag_list diags;
    ss_diag_list_init(&diags);
    ss_exam e;
    ss_status st = ss_exam_parse(text, size, SONOSPINE_SOURCE_DIR "/scenarios/exams/fuzz-exam.json", &e, &diags);
    FUZZ_CHECK(st == SS_OK || st == SS_ERR_PARSE || st == SS_ERR_INVALID, "documented status");
    FUZZ_CHECK((st == SS_OK) == (diags.errors == 0), "SS_OK exactly when no error was reported");
    for (int i = 0; i < diags.count; i++) {
        char line[SS_DIAG_FILE_MAX + SS_DIAG_PATH_MAX + SS_DIAG_MESSAGE_MAX + 64];
        FUZZ_CHECK(ss_diag_format(&diags.items[i], line, sizeof line) > 0, "a diagnostic formats");
    }
    if (st == SS_OK) {
        FUZZ_CHECK(e.ncases >= 1 && e.ncases <= SS_EXAM_MAX_CASES, "case count");
        FUZZ_CHECK(e.id[0] != '\0', "an exam has an id");
        for (int i = 0; i < e.ncases; i++) {
            FUZZ_CHECK(e.cases[i].scenario[0] != '\0', "a case names its scenario");
            FUZZ_CHECK(e.cases[i].time_limit_s >= SS_EXAM_MIN_TIME_LIMIT_S &&
                           e.cases[i].time_limit_s <= SS_EXAM_MAX_TIME_LIMIT_S,
                       "case time limit in range");
        }
        FUZZ_CHECK(e.pass_k >= 1 && e.pass_k <= e.ncases, "pass_k within 1..ncases");
        bool all[SS_EXAM_MAX_CASES], none[SS_EXAM_MAX_CASES];
        for (int i = 0; i < SS_EXAM_MAX_CASES; i++) {
            all[i] = true;
            none[i] = false;
        }
        int n = -1;
        FUZZ_CHECK(ss_exam_passed(&e, all, &n) && n == e.ncases, "every case passed passes the exam");
        FUZZ_CHECK(!ss_exam_passed(&e, none, &n) && n == 0, "no case passed fails the exam");
        FUZZ_CHECK(ss_exam_text_is_exam(text, size), "a valid exam is recognised as one");
    }
    ss_diag_list_free(&diags);
    return 0;
}

/* fuzz_session_script.c: libFuzzer harness for the session-script parser
 * (engine/session_script.c), the scripted trainee's plain-text format.
 *
 * Input: the bytes of a script (parsed up to the first NUL byte, as a C string).
 * Checked after each input:
 * - a documented status; a failure leaves an empty script and an error message naming
 *   the script ("fuzz.txt:LINE: ...");
 * - a parsed script has finite, non-negative, non-decreasing times, valid operations,
 *   1-based increasing source lines, and for probe.view a known level (or note) and view;
 * - every command survives the session log's JSON round trip
 *   (ss_script_cmd_to_json -> ss_script_cmd_from_json) unchanged, which is what replay
 *   relies on.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fuzz_check.h"
#include "patient.h"
#include "session_script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { FUZZ_SCRIPT_MAX_BYTES = 1 << 20 };

static void check_round_trip(const ss_script_cmd *c)
{
    cJSON *o = ss_script_cmd_to_json(c);
    FUZZ_CHECK(o != NULL, "a command converts to JSON");
    ss_script_cmd back;
    FUZZ_CHECK(ss_script_cmd_from_json(o, &back), ss_script_op_name(c->op));
    FUZZ_CHECK(back.op == c->op, "operation survives the round trip");
    for (int i = 0; i < SS_SCRIPT_MAX_ARGS; i++)
        FUZZ_CHECK(back.args[i] == c->args[i] || (isnan(back.args[i]) && isnan(c->args[i])),
                   "arguments survive the round trip");
    if (c->op == SS_OP_PROBE_VIEW) {
        FUZZ_CHECK(back.level == c->level && back.view == c->view && back.side_right == c->side_right,
                   "probe.view survives the round trip");
    }
    if (c->op == SS_OP_GUIDE_ATTACH) FUZZ_CHECK(back.guide_auto == c->guide_auto, "guide auto survives");
    if (c->op == SS_OP_NEEDLE_ADVANCE_UNTIL) FUZZ_CHECK(strcmp(back.event, c->event) == 0, "event survives");
    cJSON_Delete(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_SCRIPT_MAX_BYTES) return -1;
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    ss_script s;
    ss_status st = ss_script_parse(text, "fuzz.txt", &s);
    FUZZ_CHECK(st == SS_OK || st == SS_ERR_PARSE || st == SS_ERR_NOMEM, "documented status");
    if (st != SS_OK) {
        FUZZ_CHECK(s.count == 0, "a failed parse leaves no commands");
        if (st == SS_ERR_PARSE) FUZZ_CHECK(strncmp(ss_error_message(), "fuzz.txt:", 9) == 0, ss_error_message());
    } else {
        double last_t = 0;
        int last_line = 0;
        for (size_t i = 0; i < s.count; i++) {
            const ss_script_cmd *c = &s.cmds[i];
            FUZZ_CHECK(isfinite(c->t_s) && c->t_s >= 0 && c->t_s >= last_t, "times finite and non-decreasing");
            FUZZ_CHECK(c->op >= 0 && c->op < SS_OP_COUNT, "a known operation");
            FUZZ_CHECK(c->line > last_line, "source lines increase");
            for (int k = 0; k < SS_SCRIPT_MAX_ARGS; k++) FUZZ_CHECK(isfinite(c->args[k]), "finite arguments");
            if (c->op == SS_OP_PROBE_VIEW) /* the level may be `note`: the previous dose's (SS_LEVEL_NOTE) */
                FUZZ_CHECK(((c->level >= 0 && c->level < SS_LEVEL_COUNT) || c->level == SS_LEVEL_NOTE) &&
                               c->view >= 0 && c->view < SS_VIEW_COUNT,
                           "probe.view names a level (or note) and a view");
            if (c->op == SS_OP_NEEDLE_ADVANCE_UNTIL) FUZZ_CHECK(ss_event_name_known(c->event), c->event);
            last_t = c->t_s;
            last_line = c->line;
            check_round_trip(c);
        }
    }
    ss_script_free(&s);
    free(text);
    return 0;
}

/* test_fuzz_regressions.c: what the fuzz harnesses (tests/fuzz/) found, kept as ordinary
 * tests so a regression fails `ctest` without a fuzzer. Inputs are in
 * tests/data/fuzz_regressions/ (named for the harness that found them; run.sh also
 * seeds that harness with them).
 *
 * 1. fuzz_session_log / fuzz_session_script: ss_script_cmd_from_json() accepted input
 *    records that ss_script_cmd_to_json() never writes (guide.attach with three
 *    arguments, "auto" with an angle, a side other than left/right), so a logged input
 *    did not survive its own JSON round trip, and replay would have fed the simulation
 *    a needle movement of zero speed, an injection of less than nothing or a free-hand
 *    needle with no direction. Each such record is now refused as malformed.
 * 2. fuzz_session_log: a sealed log followed by bytes with no final newline read as
 *    "intact" (the reader took the unterminated tail for a record cut mid-write before
 *    looking at the seal), so `verify` passed a log with data appended after its seal.
 * 3. ss_log_read_text() (the harness's way in, no files) gives the same verdict,
 *    records and hash as ss_log_read() on the same bytes.
 * 4. fuzz_session_script: `note LEVEL` without a frame angle carried NaN in args[0] (its
 *    "no angle"), against the harness's rule that every parsed argument is a finite
 *    number; the command now says whether an angle was noted (note_angle) instead.
 * 5. fuzz_session_script: `probe.view note VIEW` (the interspace the previous dose's
 *    procedure note recorded, issue 24) failed the harness's own rule, written before
 *    `note` was allowed there, that a probe.view names an interspace. The harness now
 *    allows SS_LEVEL_NOTE; the command parses to it, names its view and side, and
 *    survives the JSON round trip (test below).
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "session_log.h"
#include "session_script.h"
#include "test_support.h"

static cJSON *parse(const char *json)
{
    cJSON *o = cJSON_Parse(json);
    cr_assert_not_null(o, "test JSON: %s", json);
    return o;
}

static bool accepts(const char *json)
{
    cJSON *o = parse(json);
    ss_script_cmd c;
    bool ok = ss_script_cmd_from_json(o, &c);
    cJSON_Delete(o);
    return ok;
}

/* The command survives to_json -> from_json with every field the simulation reads. */
static void assert_round_trip(const ss_script_cmd *c, const char *what)
{
    cJSON *o = ss_script_cmd_to_json(c);
    ss_script_cmd back;
    cr_assert(ss_script_cmd_from_json(o, &back), "%s: to_json's own output must read back", what);
    cr_assert_eq(back.op, c->op, "%s", what);
    cr_assert_eq(memcmp(back.args, c->args, sizeof c->args), 0, "%s: arguments", what);
    cr_assert(back.level == c->level && back.view == c->view && back.side_right == c->side_right, "%s", what);
    cr_assert(back.guide_auto == c->guide_auto && strcmp(back.event, c->event) == 0, "%s", what);
    cr_assert(back.guide_note == c->guide_note && back.note_angle == c->note_angle, "%s", what);
    cJSON_Delete(o);
}

Test(fuzz_regressions, a_note_without_an_angle_has_finite_arguments)
{
    ss_script s;
    cr_assert_eq(ss_script_parse("0 note L4-L5\n1 note L3-L4 21.5\n", "notes", &s), SS_OK, "%s", ss_error_message());
    for (size_t i = 0; i < s.count; i++) {
        for (int k = 0; k < SS_SCRIPT_MAX_ARGS; k++)
            cr_assert(isfinite(s.cmds[i].args[k]), "command %zu argument %d: %g", i, k, s.cmds[i].args[k]);
        assert_round_trip(&s.cmds[i], "note");
    }
    cr_assert(!s.cmds[0].note_angle && s.cmds[1].note_angle && s.cmds[1].args[0] == 21.5);
    ss_script_free(&s);
}

Test(fuzz_regressions, probe_view_may_name_the_noted_interspace)
{
    ss_script s;
    cr_assert_eq(ss_script_load(ts_source_path("tests/data/fuzz_regressions/session_script-probe-view-note.txt"), &s),
                 SS_OK, "%s", ss_error_message());
    cr_assert_eq(s.count, 1u);
    const ss_script_cmd *c = &s.cmds[0];
    cr_assert(c->op == SS_OP_PROBE_VIEW && c->level == SS_LEVEL_NOTE && c->view == SS_VIEW_TRANSVERSE_SPINOUS,
              "op %d level %d view %d", c->op, c->level, c->view);
    assert_round_trip(c, "probe.view note");
    ss_script_free(&s);
    /* a level that is neither an interspace nor note is still refused */
    cr_assert_eq(ss_script_parse("0 probe.view nope transverse-spinous\n", "bad", &s), SS_ERR_PARSE);
}

Test(fuzz_regressions, malformed_input_records_in_a_chained_log_are_refused)
{
    /* A log whose chain and seal are intact (anyone can compute SHA-256) but whose input
     * records are malformed: only the header and the first input are well formed. */
    const char *path = ts_source_path("tests/data/fuzz_regressions/session_log-malformed-inputs.log");
    ss_log_check ck;
    cJSON *records = NULL;
    cr_assert_eq(ss_log_read(path, &ck, &records), SS_OK, "%s", ss_error_message());
    cr_assert_eq(ck.verdict, SS_LOG_INTACT, "the chain itself is intact: %s", ck.reason);
    int inputs = 0, accepted = 0;
    const cJSON *rec;
    cJSON_ArrayForEach(rec, records)
    {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(rec, "type");
        if (!cJSON_IsString(type) || strcmp(type->valuestring, "input") != 0) continue;
        inputs++;
        ss_script_cmd c;
        if (!ss_script_cmd_from_json(rec, &c)) continue;
        accepted++;
        assert_round_trip(&c, "accepted input record");
    }
    cJSON_Delete(records);
    cr_assert_eq(inputs, 8, "the file has 8 input records");
    cr_assert_eq(accepted, 1, "only the well-formed probe.view is accepted, found %d", accepted);
}

Test(fuzz_regressions, input_records_need_exactly_the_arguments_to_json_writes)
{
    /* guide.attach: an angle is one argument; "auto" has none. */
    cr_assert(accepts("{\"cmd\":\"guide.attach\",\"args\":[12]}"));
    cr_assert(accepts("{\"cmd\":\"guide.attach\",\"args\":[],\"auto\":true}"));
    cr_assert(!accepts("{\"cmd\":\"guide.attach\",\"args\":[0,5,0]}"), "the fuzzer's input");
    cr_assert(!accepts("{\"cmd\":\"guide.attach\",\"args\":[12],\"auto\":true}"), "auto with an angle");
    /* Too few or too many for a fixed-arity command. */
    cr_assert(accepts("{\"cmd\":\"probe.move\",\"args\":[0,2,0]}"));
    cr_assert(!accepts("{\"cmd\":\"probe.move\",\"args\":[0,2]}"));
    cr_assert(!accepts("{\"cmd\":\"needle.enter\",\"args\":[1]}"));
    cr_assert(!accepts("{\"cmd\":\"needle.remove\"}"), "args missing altogether");
    /* Side: left or right, nothing else. */
    cr_assert(accepts("{\"cmd\":\"probe.view\",\"args\":[],\"level\":\"L4-L5\",\"view\":\"spinous\",\"side\":\"left\"}"));
    cr_assert(!accepts("{\"cmd\":\"probe.view\",\"args\":[],\"level\":\"L4-L5\",\"view\":\"spinous\",\"side\":\"up\"}"));
}

Test(fuzz_regressions, input_records_that_no_device_can_give_are_refused)
{
    cr_assert(accepts("{\"cmd\":\"needle.advance\",\"args\":[45,5]}"));
    /* Faster than a script may ask (50 mm/s) is what a game controller can give: kept. */
    cr_assert(accepts("{\"cmd\":\"needle.advance\",\"args\":[0.2,80]}"));
    cr_assert(!accepts("{\"cmd\":\"needle.advance\",\"args\":[45,0]}"), "zero speed never ends");
    cr_assert(!accepts("{\"cmd\":\"needle.withdraw\",\"args\":[-3,5]}"));
    cr_assert(!accepts("{\"cmd\":\"needle.advance-until\",\"args\":[0,5],\"event\":\"dura_pop\"}"));
    cr_assert(!accepts("{\"cmd\":\"inject\",\"args\":[-5]}"));
    cr_assert(!accepts("{\"cmd\":\"needle.place\",\"args\":[0,40,10,0,0,0]}"), "no direction");
    cr_assert(accepts("{\"cmd\":\"needle.place\",\"args\":[0,40,10,0,-1,0]}"));
}

Test(fuzz_regressions, every_command_of_a_parsed_script_survives_the_round_trip)
{
    ss_script s;
    cr_assert_eq(ss_script_load(ts_source_path("tests/data/scripts/design-example.txt"), &s), SS_OK, "%s",
                 ss_error_message());
    cr_assert_gt(s.count, 10u);
    for (size_t i = 0; i < s.count; i++) assert_round_trip(&s.cmds[i], ss_script_op_name(s.cmds[i].op));
    ss_script_free(&s);
}

Test(fuzz_regressions, reading_from_memory_agrees_with_reading_the_file)
{
    const char *path = ts_source_path("tests/data/fuzz_regressions/session_log-malformed-inputs.log");
    char *text;
    size_t len;
    cr_assert_eq(ss_file_read(path, 1 << 20, &text, &len), SS_OK);
    /* Whole, cut inside the last record, and with a byte changed in record 3. */
    size_t cuts[3] = {len, len - 30, len};
    for (int k = 0; k < 3; k++) {
        char *copy = malloc(len);
        memcpy(copy, text, len);
        if (k == 2) copy[strstr(copy, "[0,5,0]") - copy + 1] = '1';
        ss_log_check a, b;
        cJSON *ra = NULL, *rb = NULL;
        cr_assert_eq(ss_log_read_text(copy, cuts[k], &a, &ra), SS_OK);
        const char *dir = ts_tempdir("fuzzreg");
        char p[512];
        snprintf(p, sizeof p, "%s/log.jsonl", dir);
        FILE *f = fopen(p, "wb");
        cr_assert_not_null(f);
        cr_assert_eq(fwrite(copy, 1, cuts[k], f), cuts[k]);
        fclose(f);
        cr_assert_eq(ss_log_read(p, &b, &rb), SS_OK);
        cr_assert_eq(a.verdict, b.verdict, "case %d", k);
        cr_assert_eq(a.records, b.records, "case %d", k);
        cr_assert_eq(a.bad_line, b.bad_line, "case %d", k);
        cr_assert_eq(a.partial_tail, b.partial_tail, "case %d", k);
        cr_assert_str_eq(a.last_hash, b.last_hash, "case %d", k);
        cr_assert(cJSON_Compare(ra, rb, 1), "case %d: same records", k);
        cr_assert_eq(a.verdict, k == 0 ? SS_LOG_INTACT : k == 1 ? SS_LOG_INCOMPLETE : SS_LOG_TAMPERED, "case %d", k);
        if (k == 2) cr_assert_eq(a.bad_line, 3, "the changed record is line 3");
        cJSON_Delete(ra);
        cJSON_Delete(rb);
        ts_rmtree(dir);
        free(copy);
    }
    free(text);
}

Test(fuzz_regressions, bytes_after_the_signature_are_tampering_even_without_a_newline)
{
    /* A signed log (10 records, the seal, its signature) with the start of a 12th
     * record appended (no '\n'). Found as "bytes after the seal" before logs were
     * signed: the unterminated tail was taken for a record cut mid-write and the log
     * read as intact. */
    const char *path = ts_source_path("tests/data/fuzz_regressions/session_log-bytes-after-seal.log");
    ss_log_check ck;
    cr_assert_eq(ss_log_read(path, &ck, NULL), SS_OK, "%s", ss_error_message());
    cr_assert_eq(ck.verdict, SS_LOG_TAMPERED, "appended after the signature, found %s: %s",
                 ss_log_verdict_name(ck.verdict), ck.reason);
    cr_assert_eq(ck.bad_line, 12, "the appended bytes are line 12, found %ld", ck.bad_line);
    cr_assert_eq(ck.records, 11, "the 10 records and the seal still read");
    /* The same log cut inside its signature record, or inside its seal, is
     * incomplete, not tampered: the unterminated tail alone is not the fault, what
     * comes before it is. */
    char *text;
    size_t len;
    cr_assert_eq(ss_file_read(path, 1 << 20, &text, &len), SS_OK);
    size_t sig_end = (size_t)(strrchr(text, '\n') - text);
    text[sig_end] = '\0';
    size_t seal_end = (size_t)(strrchr(text, '\n') - text);
    text[sig_end] = '\n';
    cr_assert_eq(ss_log_read_text(text, sig_end - 5, &ck, NULL), SS_OK);
    cr_assert_eq(ck.verdict, SS_LOG_INCOMPLETE, "cut inside the signature: %s", ck.reason);
    cr_assert(ck.partial_tail);
    cr_assert(ck.sealed, "the seal before the cut still reads");
    cr_assert_eq(ss_log_read_text(text, seal_end - 5, &ck, NULL), SS_OK);
    cr_assert_eq(ck.verdict, SS_LOG_INCOMPLETE, "cut inside the seal: %s", ck.reason);
    cr_assert(ck.partial_tail);
    cr_assert(!ck.sealed);
    free(text);
}

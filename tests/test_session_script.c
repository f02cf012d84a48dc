/* test_session_script.c: the scripted-trainee format of DESIGN.md. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "patient.h"
#include "session_script.h"
#include "test_support.h"

Test(script, design_example_parses_with_every_value)
{
    ss_script s;
    cr_assert_eq(ss_script_load(ts_source_path("tests/data/scripts/design-example.txt"), &s), SS_OK, "%s",
                 ss_error_message());
    cr_assert_eq(s.count, 13u);
    cr_assert_eq(s.cmds[0].op, SS_OP_PROBE_VIEW);
    cr_assert_eq(s.cmds[0].level, SS_LEVEL_L4_L5);
    cr_assert_eq(s.cmds[0].view, SS_VIEW_NEAR_SPINOUS);
    cr_assert_eq(s.cmds[0].side_right, 1);
    cr_assert_eq(s.cmds[1].op, SS_OP_PROBE_MOVE);
    cr_assert_float_eq(s.cmds[1].args[1], 2.0, 1e-12);
    cr_assert_eq(s.cmds[3].guide_auto, 1);
    cr_assert_eq(s.cmds[5].op, SS_OP_NEEDLE_ADVANCE);
    cr_assert_float_eq(s.cmds[5].args[0], 45.0, 1e-12);
    cr_assert_float_eq(s.cmds[5].args[1], 5.0, 1e-12);
    cr_assert_eq(s.cmds[7].op, SS_OP_NEEDLE_ADVANCE_UNTIL);
    cr_assert_str_eq(s.cmds[7].event, "dura_pop");
    cr_assert_float_eq(s.cmds[7].args[0], 40.0, 1e-12);
    cr_assert_eq(s.cmds[7].line, 9);
    cr_assert_eq(s.cmds[10].op, SS_OP_INJECT);
    cr_assert_eq(s.cmds[12].op, SS_OP_END);
    cr_assert_float_eq(s.cmds[12].t_s, 31.0, 1e-12);
    ss_script_free(&s);
}

Test(script, every_error_is_reported_with_its_line)
{
    const char *text = "0 probe.view L4-L5 near-spinous\n"
                       "x needle.enter\n"                 /* 2: bad time */
                       "1 needle.advance 10\n"            /* 3: missing speed */
                       "2 needle.wiggle\n"                /* 4: unknown command */
                       "1.5 needle.remove\n"              /* 5: time goes back */
                       "3 probe.view L6-L7 sideways up\n" /* 6: level, view, side */
                       "4 needle.advance-until pop 10 5\n"/* 7: unknown event */
                       "5 inject 500\n"                   /* 8: volume out of range */
                       "6 guide.attach 95\n";             /* 9: angle out of range */
    ss_script s;
    cr_assert_eq(ss_script_parse(text, "t.txt", &s), SS_ERR_PARSE);
    const char *m = ss_error_message();
    const char *want[] = {
        "t.txt:2: expected a time in seconds",
        "t.txt:3: needle.advance: expected 2 arguments (MM MM_PER_S), found 1",
        "t.txt:4: unknown command 'needle.wiggle'",
        "t.txt:5: time 1.5 s is before the previous command's 2 s",
        "t.txt:6: probe.view: unknown level 'L6-L7'",
        "t.txt:6: probe.view: unknown view 'sideways'",
        "t.txt:6: probe.view: side must be left or right, found 'up'",
        "t.txt:7: needle.advance-until: unknown event 'pop'",
        "t.txt:8: inject: volume must be in (0, 20] ml, found 500",
        "t.txt:9: guide.attach: expected auto or an angle from 0 to 80 deg, found 95",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_expect(strstr(m, want[i]) != NULL, "missing '%s' in:\n%s", want[i], m);
    cr_assert_null(s.cmds);
}

Test(script, empty_script_and_commands_after_end_are_errors)
{
    ss_script s;
    cr_assert_eq(ss_script_parse("# nothing\n\n", "e.txt", &s), SS_ERR_PARSE);
    cr_assert(strstr(ss_error_message(), "no commands"));
    cr_assert_eq(ss_script_parse("0 end\n1 needle.enter\n", "e.txt", &s), SS_ERR_PARSE);
    cr_assert(strstr(ss_error_message(), "e.txt:2: command after 'end'"), "%s", ss_error_message());
}

Test(script, numbers_must_be_finite)
{
    ss_script s;
    cr_assert_eq(ss_script_parse("0 probe.move nan 0 0\n", "n.txt", &s), SS_ERR_PARSE);
    cr_assert(strstr(ss_error_message(), "argument 1: expected a number, found 'nan'"), "%s", ss_error_message());
    cr_assert_eq(ss_script_parse("inf probe.move 0 0 0\n", "n.txt", &s), SS_ERR_PARSE);
}

Test(script, every_number_has_a_range_whoever_gives_it)
{
    /* issue 23: `probe.move 1e30 1e30 1e30` was accepted and made the path metric
     * non-finite; times, moves, rotations and a free-hand needle's place now have ranges,
     * the same for a script, a replayed log and the simulation itself */
    const char *text = "0 probe.view L4-L5 near-spinous right\n"
                       "1 probe.move 1e30 1e30 1e30\n"            /* 2 */
                       "2 probe.rotate 0 720 0\n"                 /* 3 */
                       "3 needle.place 5000 0 0 0 1 0\n"          /* 4 */
                       "7300 end\n";                              /* 5 */
    ss_script s;
    cr_assert_eq(ss_script_parse(text, "r.txt", &s), SS_ERR_PARSE);
    const char *m = ss_error_message();
    const char *want[] = {
        "r.txt:2: probe.move: each of DX DY DZ must be within +-200 mm",
        "r.txt:3: probe.rotate: each of YAW PITCH ROLL must be within +-180 deg, found 720",
        "r.txt:4: needle.place: X Y Z must be within +-1000 mm",
        "r.txt:5: expected a time in seconds (0 to 7200)",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_expect(strstr(m, want[i]) != NULL, "missing '%s' in:\n%s", want[i], m);
    /* a log's input record with the same numbers does not become a command */
    cJSON *o = cJSON_Parse("{\"cmd\":\"probe.move\",\"args\":[1e30,0,0]}");
    ss_script_cmd c;
    cr_expect_not(ss_script_cmd_from_json(o, &c));
    cJSON_Delete(o);
    o = cJSON_Parse("{\"cmd\":\"probe.move\",\"args\":[12.5,-3,0]}");
    cr_expect(ss_script_cmd_from_json(o, &c), "an ordinary move still does");
    cJSON_Delete(o);
    /* and the simulation refuses one from any other source, saying why */
    char why[256];
    ss_script_cmd big = {.op = SS_OP_PROBE_ROTATE, .args = {0, 0, 1e9}};
    cr_expect_not(ss_script_cmd_in_range(&big, why, sizeof why));
    cr_expect(strstr(why, "YAW PITCH ROLL"), "%s", why);
    ss_script_cmd nan = {.op = SS_OP_PROBE_MOVE, .args = {NAN, 0, 0}};
    cr_expect_not(ss_script_cmd_in_range(&nan, why, sizeof why));
}

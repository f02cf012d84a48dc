/* test_cli_validate.c: `sonospine validate` as a user runs it: exit codes, "FILE: ok"
 * on stdout, and every stderr line in the form file:line:col: json.path: message
 * (or "file: message" for a file that cannot be read). Exit codes and line formats are
 * exact contracts (DESIGN.md "Command line"), so they are compared exactly. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "test_support.h"

static ts_run_result res; /* 128 KiB: static, not on the stack */

static const char *const shipped[] = {
    "scenarios/wei2023-case1.json", "scenarios/wei2023-case2.json", "scenarios/wei2023-case3.json",
    "scenarios/wei2023-case4.json", "scenarios/wei2023-case5.json", "scenarios/wei2023-case6.json",
    "scenarios/wei2023-case7.json", "scenarios/normal-adult.json",  "scenarios/obese-adult.json",
    "scenarios/adolescent-14.json", "scenarios/transforaminal-teaching.json", "scenarios/default.json",
};
enum { NSHIPPED = (int)(sizeof shipped / sizeof shipped[0]) };

/* Every non-empty line of text matches the pattern; returns the number of lines. */
static int all_lines_match(const char *text, const char *pattern)
{
    regex_t re;
    cr_assert_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
    int n = 0;
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[2048];
        if (len >= sizeof line) len = sizeof line - 1;
        memcpy(line, p, len);
        line[len] = '\0';
        if (len) {
            cr_expect_eq(regexec(&re, line, 0, NULL, 0), 0, "line does not match %s: %s", pattern, line);
            n++;
        }
        p = nl ? nl + 1 : p + strlen(p);
    }
    regfree(&re);
    return n;
}

Test(cli_validate, all_shipped_scenarios_are_ok)
{
    const char *args[NSHIPPED + 2];
    args[0] = "validate";
    for (int i = 0; i < NSHIPPED; i++) args[i + 1] = ts_source_path(shipped[i]);
    /* ts_source_path rotates 8 buffers: copy the paths first */
    static char paths[NSHIPPED][4096];
    for (int i = 0; i < NSHIPPED; i++) {
        snprintf(paths[i], sizeof paths[i], "%s", ts_source_path(shipped[i]));
        args[i + 1] = paths[i];
    }
    args[NSHIPPED + 1] = NULL;
    cr_assert_eq(ts_run_sonospine(&res, args), 0, "stderr: %s", res.err);
    cr_expect_str_eq(res.err, "", "no diagnostics for shipped files");
    for (int i = 0; i < NSHIPPED; i++) {
        char want[4200];
        snprintf(want, sizeof want, "%.4000s: ok\n", paths[i]);
        cr_expect(strstr(res.out, want), "missing '%s' in stdout", want);
    }
    cr_expect_eq(all_lines_match(res.out, ": ok$"), NSHIPPED);
}

Test(cli_validate, a_bad_file_exits_2_with_positioned_errors)
{
    const char *bad = ts_source_path("tests/data/scenarios_bad/multiple-errors.json");
    const char *args[] = {"validate", bad, NULL};
    cr_assert_eq(ts_run_sonospine(&res, args), 2, "exit 2 for an invalid file");
    cr_expect_str_eq(res.out, "", "no 'ok' for an invalid file");
    /* 7 errors + 1 warning, each file:line:col: path: message */
    int n = all_lines_match(res.err, "^/.+\\.json:[0-9]+:[0-9]+: [A-Za-z_$][A-Za-z0-9_.$\\[-]*\\]?: .+$");
    cr_expect_eq(n, 8, "all diagnostics printed, not only the first");
    char want[4200];
    snprintf(want, sizeof want, "%s:3:24: patient.age_y: expected a number from 6 to 100, found -3\n", bad);
    cr_expect(strstr(res.err, want), "stderr lacks: %s\ngot: %s", want, res.err);
}

Test(cli_validate, the_issue_example_message)
{
    const char *dir = ts_tempdir("validate");
    cr_assert(dir);
    char path[512];
    snprintf(path, sizeof path, "%s/case6.json", dir);
    /* cobb_deg value at line 12, column 15 as in the issue's example */
    cr_assert_eq(ts_write_file(path,
                               "{\n"
                               "  \"scenario\": {\"id\": \"case6\", \"title\": \"t\"},\n"
                               "  \"patient\": {\"age_y\": 13, \"sex\": \"female\", \"bmi\": 14},\n"
                               "  \"task\": {\"expected_interspaces\": [\"L4-L5\"]},\n"
                               "  \"deformity\": {\n"
                               "    \"apex\": \"T12\",\n"
                               "    \"convex_side\": \"right\",\n"
                               "    \"upper_end\": \"T7\",\n"
                               "    \"lower_end\": \"L4\",\n"
                               "    \"nash_moe\": 3,\n"
                               "\n"
                               "\"cobb_deg\":   \"big\"\n"
                               "  }\n"
                               "}\n"),
                 0);
    const char *args[] = {"validate", path, NULL};
    cr_expect_eq(ts_run_sonospine(&res, args), 2);
    char want[700];
    snprintf(want, sizeof want, "%s:12:15: deformity.cobb_deg: expected a number from 0 to 120, found \"big\"\n", path);
    cr_expect_str_eq(res.err, want);
    ts_rmtree(dir);
}

Test(cli_validate, good_and_bad_together_and_missing_files)
{
    static char good[4096], bad[4096];
    snprintf(good, sizeof good, "%s", ts_source_path("scenarios/default.json"));
    snprintf(bad, sizeof bad, "%s", ts_source_path("tests/data/scenarios_bad/not-json.json"));
    const char *args[] = {"validate", good, bad, "/nonexistent/x.json", NULL};
    cr_assert_eq(ts_run_sonospine(&res, args), 2, "any bad file makes the run fail");
    char want[4200];
    snprintf(want, sizeof want, "%s: ok\n", good);
    cr_expect_str_eq(res.out, want, "only the valid file is ok");
    cr_expect(strstr(res.err, "/nonexistent/x.json: file not found: expected a scenario .json file\n"), "%s", res.err);
    snprintf(want, sizeof want, "%s:3:27: patient.age_y: not JSON:", bad);
    cr_expect(strstr(res.err, want), "%s", res.err);

    const char *missing[] = {"validate", "/nonexistent/y.json", NULL};
    cr_expect_eq(ts_run_sonospine(&res, missing), 2, "file not found is bad input: exit 2");
}

Test(cli_validate, usage)
{
    const char *none[] = {"validate", NULL};
    cr_expect_eq(ts_run_sonospine(&res, none), 2, "no file: usage error");
    cr_expect(strstr(res.err, "expected at least one FILE"));
    const char *opt[] = {"validate", "--strict", NULL};
    cr_expect_eq(ts_run_sonospine(&res, opt), 2, "unknown option");
    const char *help[] = {"validate", "--help", NULL};
    cr_expect_eq(ts_run_sonospine(&res, help), 0);
    cr_expect(strstr(res.out, "file:line:col: json.path: message"));
}

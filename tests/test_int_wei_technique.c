/* test_int_wei_technique.c: the paper's technique on its seven patients (Wei et al. 2023,
 * Table 1): an expert following the near-spinous technique with the puncture frame,
 * planned so the tip is watched arriving, reaches CSF at the level that worked for that
 * patient, in one insertion without touching bone. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>

#include "anatomy_table.h"
#include "demo_script.h"
#include "metrics.h"
#include "patient_case.h"
#include "session.h"
#include "spine_measure.h"
#include "spine_world.h"
#include "test_support.h"

static const char *const cases[7] = {"wei2023-case1", "wei2023-case2", "wei2023-case3", "wei2023-case4",
                                     "wei2023-case5", "wei2023-case6", "wei2023-case7"};

static void load(int i, ss_case *c)
{
    char rel[128];
    snprintf(rel, sizeof rel, "scenarios/%s.json", cases[i]);
    cr_assert_eq(ss_case_load(ts_source_path(rel), NULL, c), SS_OK, "%s: %s", cases[i], ss_error_message());
}

Test(wei_technique, reaches_csf_at_the_level_that_worked)
{
    for (int i = 0; i < 7; i++) {
        ss_case c;
        load(i, &c);
        ss_world w;
        ss_spine_world(c.spine, &w);
        ss_script script;
        cr_assert_eq(ss_demo_script(&c.scenario, &w, &script), SS_OK, "%s: %s", cases[i], ss_error_message());
        ss_session_desc d = {.scenario = &c.scenario, .world = w};
        ss_session *s;
        cr_assert_eq(ss_session_begin(&d, &s), SS_OK);
        ss_session_run_script(s, &script);
        ss_metrics m;
        ss_grade g;
        ss_session_end(s, &m, &g);
        int want = c.scenario.task.expected_interspaces[0];
        cr_expect(m.success, "%s: no CSF (%d bone contacts)", cases[i], m.bone_contacts);
        cr_expect_eq(m.level, want, "%s: CSF at %s, the paper's level %s", cases[i],
                     m.level >= 0 ? ss_level_name(m.level) : "none", ss_level_name(want));
        cr_expect_eq(m.insertions, 1, "%s", cases[i]);
        cr_expect_eq(m.bone_contacts, 0, "%s", cases[i]);
        cr_expect(g.pass, "%s: %s", cases[i], g.pass_reason);
        ss_session_free(s);
        ss_script_free(&script);
        ss_case_free(&c);
    }
}

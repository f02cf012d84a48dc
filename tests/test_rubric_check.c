/* test_rubric_check.c: issue 22's contrasting groups. The attempt library (tests/data/
 * attempts: an expert on every shipped scenario, novices each showing one error the
 * paper's protocol or the training literature names) is run through the simulation and
 * graded; the default rubric must separate the groups on every measure, by the score
 * (every expert above every novice) and by the pass mark (every expert passes, every
 * novice fails). An instructor's rubric of the old shape (success, insertions, bone
 * contacts, puncture time; pass mark 70) must not: novices pass it with 100. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attempt_library.h"
#include "rubric_check.h"
#include "test_support.h"

static ss_attempt_library lib;

static void run_library(void)
{
    char dir[1024], scen[1024];
    snprintf(dir, sizeof dir, "%s", ts_source_path("tests/data/attempts"));
    snprintf(scen, sizeof scen, "%s", ts_source_path("scenarios"));
    cr_assert_eq(ss_attempt_library_load(dir, &lib), SS_OK, "%s", ss_error_message());
    for (int i = 0; i < lib.n; i++)
        cr_assert_eq(ss_attempt_library_run(&lib.a[i], scen), SS_OK, "%s: %s", lib.a[i].name, ss_error_message());
}
static void free_library(void) { ss_attempt_library_free(&lib); }
TestSuite(rubric_check, .init = run_library, .fini = free_library, .timeout = 600);

static const char *const shipped[] = {"wei2023-case1.json", "wei2023-case2.json",  "wei2023-case3.json",
                                      "wei2023-case4.json", "wei2023-case5.json",  "wei2023-case6.json",
                                      "wei2023-case7.json", "normal-adult.json",   "obese-adult.json",
                                      "adolescent-14.json", "transforaminal-teaching.json", "default.json"};

Test(rubric_check, the_library_has_twenty_attempts_and_an_expert_on_every_shipped_case)
{
    int experts = 0, novices = 0;
    for (int i = 0; i < lib.n; i++) {
        experts += lib.a[i].group == SS_ATTEMPT_EXPERT;
        novices += lib.a[i].group == SS_ATTEMPT_NOVICE;
        cr_expect_gt(strlen(lib.a[i].shows), 20, "%s: says what it shows", lib.a[i].name);
    }
    cr_expect_geq(lib.n, 20, "%d attempts", lib.n);
    cr_expect_geq(novices, 12, "%d novices", novices);
    cr_expect_geq(experts, 12, "%d experts", experts);
    for (size_t k = 0; k < sizeof shipped / sizeof shipped[0]; k++) {
        bool found = false;
        for (int i = 0; i < lib.n; i++)
            found |= lib.a[i].group == SS_ATTEMPT_EXPERT && strcmp(lib.a[i].scenario, shipped[k]) == 0;
        cr_expect(found, "an expert attempt on %s", shipped[k]);
    }
}

static void expect_separates(const ss_separation *s, const char *what)
{
    for (int j = 0; j < s->nrows; j++)
        cr_expect(s->rows[j].separates, "%s: %s does not separate (experts %.2f, novices %.2f)", what,
                  s->rows[j].metric, s->rows[j].expert_mean, s->rows[j].novice_mean);
    cr_expect(s->score_separates, "%s: lowest expert %.1f, highest novice %.1f", what, s->expert_min, s->novice_max);
    cr_expect_eq(s->expert_pass, s->nexpert, "%s: every expert passes (%d of %d)", what, s->expert_pass, s->nexpert);
    cr_expect(s->mark_between, "%s: pass mark %.0f, novices' median %.1f", what, s->pass_mark, s->novice_median);
    cr_expect(s->ok, "%s", what);
}

Test(rubric_check, the_default_rubric_separates_experts_from_novices)
{
    ss_scenario sc;
    cr_assert_eq(ss_scenario_load(ts_source_path("scenarios/normal-adult.json"), &sc, NULL), SS_OK);
    ss_separation *s = malloc(sizeof *s);
    ss_rubric_separation(&sc, &lib, s);
    cr_assert(s->default_rubric);
    cr_expect_geq(s->nrows, 12, "process measures, not only the outcome: %d", s->nrows);
    expect_separates(s, "default rubric");
    /* stronger than the contrasting groups ask: every novice fails, each for its error */
    cr_expect_eq(s->novice_pass, 0, "%d novices pass", s->novice_pass);
    for (int i = 0; i < s->natt; i++) {
        const ss_separation_attempt *a = &s->att[i];
        if (strcmp(a->attempt->name, "novice-blind-crossing-plane") == 0 ||
            strcmp(a->attempt->name, "novice-probe-off-the-needle") == 0)
            cr_expect(strstr(a->reason, "required item was missed: Advancement with the tip visible"), "%s: %s",
                      a->attempt->name, a->reason);
        if (strcmp(a->attempt->name, "novice-nerve-root") == 0)
            cr_expect(strstr(a->reason, "Nerve root contact"), "%s", a->reason);
        if (strcmp(a->attempt->name, "novice-no-insertion") == 0) cr_expect_float_eq(a->score, 0.0, 1e-12);
    }
    free(s);
    ss_scenario_free(&sc);
}

Test(rubric_check, the_shipped_teaching_rubric_separates_too)
{
    ss_scenario sc;
    cr_assert_eq(ss_scenario_load(ts_source_path("scenarios/transforaminal-teaching.json"), &sc, NULL), SS_OK);
    ss_separation *s = malloc(sizeof *s);
    ss_rubric_separation(&sc, &lib, s);
    cr_assert_not(s->default_rubric);
    expect_separates(s, "transforaminal teaching rubric");
    free(s);
    ss_scenario_free(&sc);
}

Test(rubric_check, an_outcome_only_rubric_is_caught)
{
    /* the rubric the shipped cases had before issue 22: the novices who reach the CSF
     * with one process error score 100 beside the experts */
    ss_scenario sc;
    cr_assert_eq(ss_scenario_load(ts_source_path("scenarios/normal-adult.json"), &sc, NULL), SS_OK);
    ts_outcome_rubric(&sc.rubric, 300);
    ss_separation *s = malloc(sizeof *s);
    ss_rubric_separation(&sc, &lib, s);
    cr_expect_not(s->score_separates, "a novice scores %.0f, as high as an expert", s->novice_max);
    cr_expect_gt(s->novice_pass, 0);
    cr_expect_not(s->ok);
    /* the contrasting-groups range says where the mark would have to be */
    cr_expect_gt(s->cg_errors, 0, "no mark separates the groups under this rubric");
    free(s);
    ss_scenario_free(&sc);
}

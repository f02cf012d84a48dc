/* test_variants.c: randomized scenario variants are reproducible for a seed, stay inside
 * the ranges the scenario allows, change only those parameters, and are valid. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"
#include "variants.h"

static ss_scenario sc;
static void load(void)
{
    cr_assert_eq(ss_scenario_load(ts_source_path("scenarios/wei2023-case6.json"), &sc, NULL), SS_OK, "%s",
                 ss_error_message());
}
static void unload(void) { ss_scenario_free(&sc); }
TestSuite(variants, .init = load, .fini = unload);

Test(variants, same_seed_same_file_other_seed_other_file)
{
    ss_variant_result a, b, c;
    cr_assert_eq(ss_variant_make(&sc, 7, 1, &a), SS_OK, "%s", ss_error_message());
    cr_assert_eq(ss_variant_make(&sc, 7, 1, &b), SS_OK);
    cr_assert_eq(ss_variant_make(&sc, 8, 1, &c), SS_OK);
    cr_assert_str_eq(a.json, b.json, "byte-identical for the same scenario, seed and index");
    cr_assert_str_neq(a.json, c.json, "another seed draws other values");
    ss_variant_result_free(&a);
    ss_variant_result_free(&b);
    ss_variant_result_free(&c);
}

Test(variants, values_inside_the_ranges_and_only_those_change)
{
    for (int k = 1; k <= 20; k++) {
        ss_variant_result r;
        cr_assert_eq(ss_variant_make(&sc, 42, k, &r), SS_OK, "%s", ss_error_message());
        ss_scenario v;
        cr_assert_eq(ss_scenario_parse(r.json, strlen(r.json), r.id, &v, NULL), SS_OK, "variant %d invalid", k);
        cr_assert_eq(r.nvalues, sc.nvariants);
        for (int i = 0; i < sc.nvariants; i++) {
            const ss_variant *range = &sc.variants[i];
            const ss_scenario_field *f = ss_scenario_field_find(range->path);
            double got = ss_scenario_field_get(&v, f);
            cr_expect(got >= range->min - 1e-9 && got <= range->max + 1e-9, "%s = %g outside [%g, %g]", range->path,
                      got, range->min, range->max);
            cr_expect_float_eq(got, r.values[i].value, 1e-9, "%s: file and summary agree", range->path);
        }
        /* what is not ranged stays as authored */
        cr_expect_eq(v.patient.deformity.nash_moe_grade, sc.patient.deformity.nash_moe_grade);
        cr_expect_eq(v.task.expected_interspaces[0], sc.task.expected_interspaces[0]);
        cr_expect_float_eq(v.patient.body.age_y, sc.patient.body.age_y, 1e-12);
        cr_expect_eq(v.nvariants, 0, "a variant is a fixed case");
        cr_expect_neq(v.seed, sc.seed, "its own speckle");
        cr_expect(strstr(v.id, "wei2023-case6-s42-v") == v.id, "%s", v.id);
        ss_scenario_free(&v);
        ss_variant_result_free(&r);
    }
}

Test(variants, a_scenario_without_ranges_is_refused)
{
    ss_scenario plain = sc; /* shares the text; not freed */
    plain.nvariants = 0;
    ss_variant_result r;
    cr_assert_eq(ss_variant_make(&plain, 1, 1, &r), SS_ERR_INVALID);
    cr_assert(strstr(ss_error_message(), "no \"variants\" section"), "%s", ss_error_message());
}

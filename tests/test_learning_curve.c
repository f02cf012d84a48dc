/* test_learning_curve.c: the CUSUM of failures against hand-computed values, its
 * decision limits, refusal of impossible rates, and the plot writer. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "learning_curve.h"
#include "paths.h"
#include "test_support.h"

Test(cusum, limits_for_15_and_30_percent_match_the_formula_by_hand)
{
    ss_cusum_params p;
    ss_cusum_params_default(&p);
    ss_cusum_limits l;
    cr_assert_eq(ss_cusum_limits_for(&p, &l), SS_OK);
    /* By hand: P = ln 2 + ln(0.85 / 0.70) = 0.6931472 + 0.1941560 = 0.8873032;
     * s = 0.1941560 / 0.8873032 = 0.2188159; h0 = h1 = ln 9 / P = 2.1972246 / 0.8873032
     * = 2.4762951. Tolerance 1e-6: the hand values carry 7 decimals. */
    cr_expect_float_eq(l.s, 0.2188159, 1e-6, "s = %.7f", l.s);
    cr_expect_float_eq(l.h0, 2.4762951, 1e-6, "h0 = %.7f", l.h0);
    cr_expect_float_eq(l.h1, 2.4762951, 1e-6, "h1 = %.7f", l.h1);
}

Test(cusum, sequence_fail_success_success_fail_success)
{
    ss_cusum_params p;
    ss_cusum_params_default(&p);
    ss_cusum_limits l;
    ss_cusum_limits_for(&p, &l);
    bool failed[5] = {true, false, false, true, false};
    double v[5];
    int c = ss_cusum_run(failed, 5, &l, v);
    /* +(1 - s), -s, -s, +(1 - s), -s with s = 0.2188159, by hand: */
    const double want[5] = {0.7811841, 0.5623682, 0.3435523, 1.1247364, 0.9059205};
    for (int i = 0; i < 5; i++) cr_expect_float_eq(v[i], want[i], 2e-6, /* 7-decimal s, summed */ "attempt %d: %.7f", i + 1, v[i]);
    cr_expect_eq(c, -1, "never near the competence limit -2.476");
}

Test(cusum, competence_after_twelve_straight_successes_not_eleven)
{
    ss_cusum_params p;
    ss_cusum_params_default(&p);
    ss_cusum_limits l;
    ss_cusum_limits_for(&p, &l);
    bool failed[14] = {false};
    double v[14];
    /* 11 x -0.2188159 = -2.4069749 > -2.4762951; 12 x = -2.6257908 <= it (s to 7 decimals:
     * tolerance 1e-5 for twelve of them summed). */
    cr_expect_eq(ss_cusum_run(failed, 14, &l, v), 11, "the 12th attempt (index 11) reaches -h0");
    cr_expect_float_eq(v[11], -2.6257908, 1e-5);
}

Test(cusum, impossible_rates_are_refused)
{
    ss_cusum_params p = {0.3, 0.15, 0.1, 0.1};
    ss_cusum_limits l;
    cr_expect_eq(ss_cusum_limits_for(&p, &l), SS_ERR_INVALID);
    cr_expect(strstr(ss_error_message(), "0 < p0 < p1 < 1"), "%s", ss_error_message());
    ss_cusum_params q = {0.15, 0.3, 0, 0.1};
    cr_expect_eq(ss_cusum_limits_for(&q, &l), SS_ERR_INVALID);
}

Test(plot, writes_a_png_with_gaps_and_reference_lines)
{
    const char *dir = ts_tempdir("plot");
    char path[512];
    snprintf(path, sizeof path, "%s/p.png", dir);
    double y[4] = {120, NAN, 60, 30};
    bool pass[4] = {false, false, true, true};
    ss_plot_desc d = {.title = "t", .y_label = "s", .y = y, .pass = pass, .n = 4, .nrefs = 1, .ref = {180},
                      .has_slope = true, .ref_slope = -0.07};
    cr_assert_eq(ss_plot_write_png(&d, path), SS_OK, "%s", ss_error_message());
    char *data;
    size_t n;
    cr_assert_eq(ss_file_read(path, 1 << 24, &data, &n), SS_OK);
    cr_expect(n > 1000 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0, "a PNG file (%zu bytes)", n);
    free(data);
    ts_rmtree(dir);
}

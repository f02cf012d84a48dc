/* test_xray.c: the radiographs of the pre-procedure stage (engine/xray.h, issue 24) show
 * what a trainee must read off them: bone lighter than soft tissue, the vertebral bodies
 * where the model has them, tilted as the model's endplates are (so that a Cobb angle
 * measured on the film is the model's, within the +-5 deg the stage grades with), the
 * curve's sideways shift in scoliosis, rods and screws radio-opaque, bodies lighter
 * than the discs between them on the lateral film. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "patient_case.h"
#include "spine_measure.h"
#include "test_support.h"
#include "xray.h"

static const double M_PI_180 = 0.017453292519943295;

static void load(const char *scenario, ss_case *cs)
{
    char path[256];
    snprintf(path, sizeof path, "scenarios/%s.json", scenario);
    cr_assert_eq(ss_case_load(ts_source_path(path), NULL, cs), SS_OK, "%s", ss_error_message());
}

static int grey_at(const ss_xray *x, const double p[3])
{
    double c, r;
    ss_xray_to_pixel(x, p, &c, &r);
    int ci = (int)lround(c), ri = (int)lround(r);
    cr_assert(ci >= 0 && ci < x->image.width && ri >= 0 && ri < x->image.height, "(%d, %d) on the film", ci, ri);
    return x->image.pixels[(size_t)ri * (size_t)x->image.width + (size_t)ci];
}

/* The row of an edge of a body on the AP film at column c: where the film brightens
 * most steeply going down (upper edge: disc above, body below; sign -1 for a lower edge),
 * searched within +-5 mm of row r_guess. */
static double edge_row(const ss_xray *x, double c, double r_guess, int sign)
{
    const int ci = (int)lround(c), span = (int)lround(5.0 / x->mm_per_px);
    double best = -1e30, at = r_guess;
    for (int r = (int)lround(r_guess) - span; r <= (int)lround(r_guess) + span; r++) {
        if (r < 3 || r + 3 >= x->image.height || ci < 0 || ci >= x->image.width) continue;
        const float *col = x->density + ci;
        double g = sign * (col[(size_t)(r + 2) * (size_t)x->image.width] - col[(size_t)(r - 2) * (size_t)x->image.width]);
        if (g > best) {
            best = g;
            at = r;
        }
    }
    return at;
}

/* The coronal tilt of an endplate read off the AP film the way a reader draws an
 * end-vertebra line: the body's edge found at two columns, a quarter of the body's width
 * either side of the endplate's centre, each searched near where the model's endplate
 * crosses that column. Degrees, + = rising toward the patient's left (+x, the image's
 * right): spine_measure.h's convention. */
static double film_tilt(const ss_xray *x, const double centre_mm[3], double width_mm, double model_deg, int sign)
{
    double cu, ru;
    ss_xray_to_pixel(x, centre_mm, &cu, &ru);
    const double dc = 0.25 * width_mm / x->mm_per_px, t = tan(model_deg * M_PI_180);
    /* rising toward the image's right: the right point is higher (smaller row) */
    double rl = edge_row(x, cu - dc, ru + dc * t, sign), rr = edge_row(x, cu + dc, ru - dc * t, sign);
    return atan2(rl - rr, 2 * dc) / M_PI_180;
}

Test(xray, bone_is_lighter_than_the_soft_tissue_beside_it)
{
    ss_case cs;
    load("normal-adult", &cs);
    ss_xray x;
    cr_assert_eq(ss_xray_make(cs.spine, SS_XRAY_AP, 0.5f, &x), SS_OK, "%s", ss_error_message());
    for (int v = SS_VERT_L1; v <= SS_VERT_L5; v++) {
        ss_vertebra_info vi;
        cr_assert_eq(ss_spine_vertebra(cs.spine, v, &vi), SS_OK);
        double side[3] = {vi.centre_mm[0] + 0.5 * vi.body_width_mm + 25.0, vi.centre_mm[1], vi.centre_mm[2]};
        int b = grey_at(&x, vi.centre_mm), s = grey_at(&x, side);
        cr_expect_gt(b - s, 60, "%s: body %d, soft tissue beside it %d", ss_vertebra_name(v), b, s);
    }
    ss_xray_free(&x);
    ss_case_free(&cs);
}

/* The tilt read off the film is the model's endplate tilt within 3 deg, so that the Cobb
 * angle between the film's end vertebrae is the model's within the stage's +-5 deg. (The
 * search starts at the model's endplate; the film decides where the edge is, 5 mm either
 * way, so a film whose bodies were drawn elsewhere or tilted otherwise fails.) */
Test(xray, the_film_shows_the_models_tilts_and_cobb_angle)
{
    const char *cases[] = {"normal-adult", "wei2023-case6", "wei2023-case2"};
    for (int i = 0; i < 3; i++) {
        ss_case cs;
        load(cases[i], &cs);
        ss_xray x;
        cr_assert_eq(ss_xray_make(cs.spine, SS_XRAY_AP, 0.5f, &x), SS_OK, "%s", ss_error_message());
        ss_cobb_measure cobb;
        cr_assert_eq(ss_spine_measure_cobb(cs.spine, &cobb), SS_OK);
        double up[SS_VERT_COUNT], low[SS_VERT_COUNT];
        for (int v = SS_VERT_L1; v <= SS_VERT_S1; v++) {
            ss_vertebra_info vi;
            cr_assert_eq(ss_spine_vertebra(cs.spine, v, &vi), SS_OK);
            up[v] = film_tilt(&x, vi.upper_endplate_mm, vi.body_width_mm, cobb.upper_tilt_deg[v], 1);
            low[v] = v < SS_VERT_S1 ? film_tilt(&x, vi.lower_endplate_mm, vi.body_width_mm, cobb.lower_tilt_deg[v], -1)
                                    : NAN;
            cr_log_info("%s %s: upper endplate film %.1f model %.1f, lower film %.1f model %.1f deg", cases[i],
                        ss_vertebra_name(v), up[v], cobb.upper_tilt_deg[v], low[v], cobb.lower_tilt_deg[v]);
            /* where pedicle screws cross the body, their heads overlie its edges on an AP
               film, as on a real one: a reader draws the line on another vertebra */
            const ss_fusion_params *fu = &ss_spine_params(cs.spine)->fusion;
            if (fu->present && fu->screws[v]) continue;
            cr_expect(fabs(up[v] - cobb.upper_tilt_deg[v]) <= 3.0, "%s %s upper: film %.1f, model %.1f", cases[i],
                      ss_vertebra_name(v), up[v], cobb.upper_tilt_deg[v]);
            if (v < SS_VERT_S1)
                cr_expect(fabs(low[v] - cobb.lower_tilt_deg[v]) <= 3.0, "%s %s lower: film %.1f, model %.1f",
                          cases[i], ss_vertebra_name(v), low[v], cobb.lower_tilt_deg[v]);
        }
        /* the Cobb angle as the model measures it (spine_measure.h), on the film's lines */
        double film_cobb = 0;
        for (int a = SS_VERT_L1; a <= SS_VERT_S1; a++)
            for (int b = a + 1; b <= SS_VERT_S1; b++)
                film_cobb = fmax(film_cobb, fabs(up[a] - (b == SS_VERT_S1 ? up[b] : low[b])));
        cr_log_info("%s: Cobb on the film %.1f, the model's %.1f", cases[i], film_cobb, cobb.cobb_deg);
        cr_expect(fabs(film_cobb - cobb.cobb_deg) <= 5.0, "%s: Cobb %.1f on the film, %.1f in the model", cases[i],
                  film_cobb, cobb.cobb_deg);
        ss_xray_free(&x);
        ss_case_free(&cs);
    }
}

/* Rods and screws are radio-opaque: white on the film, and far denser than any bone of
 * the same patient without them; on the lateral film the vertebral bodies are lighter
 * than the discs between them. */
Test(xray, hardware_is_white_and_bodies_outshine_discs_laterally)
{
    ss_case fused, plain;
    load("wei2023-case4", &fused);
    load("normal-adult", &plain);
    ss_xray a, b;
    cr_assert_eq(ss_xray_make(fused.spine, SS_XRAY_AP, 0.5f, &a), SS_OK, "%s", ss_error_message());
    cr_assert_eq(ss_xray_make(plain.spine, SS_XRAY_AP, 0.5f, &b), SS_OK, "%s", ss_error_message());
    float ma = 0, mb = 0;
    int white = 0;
    for (int i = 0; i < a.image.width * a.image.height; i++) {
        ma = fmaxf(ma, a.density[i]);
        white += a.image.pixels[i] >= 250;
    }
    for (int i = 0; i < b.image.width * b.image.height; i++) mb = fmaxf(mb, b.density[i]);
    cr_expect_gt(ma, mb + 0.8f, "a rod across the beam adds more than any bone: %.2f vs %.2f", ma, mb);
    cr_expect_gt(white, 2000, "the rods and screws are white (%d pixels)", white);
    ss_xray_free(&a);
    ss_xray_free(&b);

    ss_xray l;
    cr_assert_eq(ss_xray_make(plain.spine, SS_XRAY_LATERAL, 0.5f, &l), SS_OK, "%s", ss_error_message());
    for (int v = SS_VERT_L1; v <= SS_VERT_L4; v++) {
        ss_vertebra_info up, down;
        cr_assert_eq(ss_spine_vertebra(plain.spine, v, &up), SS_OK);
        cr_assert_eq(ss_spine_vertebra(plain.spine, v + 1, &down), SS_OK);
        double disc[3];
        for (int k = 0; k < 3; k++) disc[k] = 0.5 * (up.lower_endplate_mm[k] + down.upper_endplate_mm[k]);
        int body = grey_at(&l, up.centre_mm), gap = grey_at(&l, disc);
        cr_expect_gt(body - gap, 15, "%s: body %d, disc below %d", ss_vertebra_name(v), body, gap);
    }
    ss_xray_free(&l);
    ss_case_free(&fused);
    ss_case_free(&plain);
}

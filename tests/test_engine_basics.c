/* test_engine_basics.c: error channel, file reading, data directories, tissue table,
 * level names, scan conversion. Links only the engine: proves it builds and links without SDL or GL. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "patient.h"
#include "scan_convert.h"
#include "test_support.h"
#include "tissue.h"
#include "tissue_texture.h"

/* A message wrapped in more context keeps what it wraps: the message passed as an
 * argument while the new one is formatted (the buffers overlapped before, and the
 * inner text came out garbled or doubled). */
Test(error, wrapping_the_current_message_keeps_it)
{
    ss_error_set(SS_ERR_IO, "inner reason %d", 42);
    ss_error_set(SS_ERR_PARSE, "outer context: %s; more", ss_error_message());
    cr_assert_str_eq(ss_error_message(), "outer context: inner reason 42; more");
    cr_assert_eq(ss_error_status(), SS_ERR_PARSE);
}

Test(paths, reading_a_directory_is_refused_with_its_name)
{
    const char *dir = ts_tempdir("dir");
    char *text = (char *)1;
    cr_assert_eq(ss_file_read(dir, 1024, &text, NULL), SS_ERR_IO);
    cr_assert_null(text);
    cr_assert(strstr(ss_error_message(), dir) && strstr(ss_error_message(), "is a directory"), "%s",
              ss_error_message());
    ts_rmtree(dir);
}

Test(paths, missing_file_names_the_path)
{
    char *text;
    cr_assert_eq(ss_file_read("/nonexistent/sonospine.json", 1024, &text, NULL), SS_ERR_IO);
    cr_assert(strstr(ss_error_message(), "/nonexistent/sonospine.json"));
}

Test(paths, oversized_file_is_refused_before_reading)
{
    const char *dir = ts_tempdir("big");
    char path[512];
    snprintf(path, sizeof path, "%s/big.txt", dir);
    cr_assert_eq(ts_write_file(path, "0123456789"), 0);
    char *text;
    cr_assert_eq(ss_file_read(path, 5, &text, NULL), SS_ERR_IO);
    cr_assert(strstr(ss_error_message(), "more than the 5 allowed"), "%s", ss_error_message());
    size_t n = 0;
    cr_assert_eq(ss_file_read(path, 10, &text, &n), SS_OK);
    cr_assert_eq(n, 10u);
    cr_assert_str_eq(text, "0123456789");
    free(text);
    ts_rmtree(dir);
}

Test(paths, environment_override_wins_and_must_exist)
{
    const char *dir = ts_tempdir("assets");
    setenv("SONOSPINE_ASSET_DIR", dir, 1);
    char out[4096];
    bool env = false;
    cr_assert_eq(ss_paths_data_dir("assets", out, sizeof out, &env), SS_OK);
    cr_assert(env);
    cr_assert_str_eq(out, dir);
    setenv("SONOSPINE_ASSET_DIR", "/nonexistent/assets", 1);
    cr_assert_eq(ss_paths_data_dir("assets", out, sizeof out, &env), SS_ERR_IO);
    cr_assert(strstr(ss_error_message(), "SONOSPINE_ASSET_DIR"));
    ts_rmtree(dir);
}

/* Impedances must land in REFERENCE.md §3's ranges: the reflection coefficients of
 * every interface follow from them. Ranges widened by 1 % for rounding of rho*c. */
Test(tissue, impedances_within_reference_ranges)
{
    struct { int label; double lo, hi; } want[] = {
        {SS_TISSUE_SKIN, 1.74, 1.87},      {SS_TISSUE_FAT, 1.36, 1.42},    {SS_TISSUE_MUSCLE, 1.63, 1.70},
        {SS_TISSUE_LIGAMENT, 1.81, 1.85},  {SS_TISSUE_CORTICAL, 6.5, 7.8}, {SS_TISSUE_TITANIUM, 27.0, 27.2},
        {SS_TISSUE_COCR, 51.7, 52.1},      {SS_TISSUE_VESSEL, 1.66, 1.70}, {SS_TISSUE_CSF, 1.50, 1.56},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        double z = ss_tissue_impedance_mrayl(want[i].label);
        cr_expect(z >= want[i].lo * 0.99 && z <= want[i].hi * 1.01, "%s: Z = %.3f MRayl, expected %.2f..%.2f",
                  ss_tissue_get(want[i].label)->name, z, want[i].lo, want[i].hi);
    }
}

Test(tissue, hard_tissues_are_exactly_bone_and_metal)
{
    for (int t = 0; t < SS_TISSUE_COUNT; t++) {
        bool expect_hard = t == SS_TISSUE_CORTICAL || t == SS_TISSUE_CANCELLOUS || t == SS_TISSUE_GRAFT ||
                           t == SS_TISSUE_TITANIUM || t == SS_TISSUE_COCR || t == SS_TISSUE_STEEL;
        cr_expect_eq(ss_tissue_get(t)->hard, expect_hard, "%s", ss_tissue_get(t)->name);
    }
}

Test(tissue, names_round_trip_and_glsl_defines_cover_every_label)
{
    char defs[4096];
    size_t need = ss_tissue_glsl_defines(defs, sizeof defs);
    cr_assert_lt(need, sizeof defs);
    for (int t = 0; t < SS_TISSUE_COUNT; t++) {
        const char *name = ss_tissue_get(t)->name;
        cr_expect_eq(ss_tissue_from_name(name), t, "%s", name);
        char line[96], upper[64];
        size_t k = 0;
        for (; name[k]; k++) upper[k] = (char)(name[k] >= 'a' && name[k] <= 'z' ? name[k] - 32 : name[k]);
        upper[k] = '\0';
        snprintf(line, sizeof line, "#define SS_TISSUE_%s %d\n", upper, t);
        cr_expect(strstr(defs, line) != NULL, "missing: %s", line);
    }
    cr_expect_eq(ss_tissue_from_name("unobtainium"), -1);
    /* Truncation reports the size needed, as snprintf does. */
    char small[8];
    cr_expect_eq(ss_tissue_glsl_defines(small, sizeof small), need);
}

Test(patient, level_and_vertebra_names_round_trip)
{
    for (int l = 0; l < SS_LEVEL_COUNT; l++) cr_expect_eq(ss_level_from_name(ss_level_name(l)), l);
    cr_expect_eq(ss_level_from_name("l4l5"), SS_LEVEL_L4_L5);
    cr_expect_eq(ss_level_from_name("L5-S1"), SS_LEVEL_L5_S1);
    cr_expect_eq(ss_level_from_name("L5-L6"), -1);
    for (int v = SS_VERT_T7; v < SS_VERT_COUNT; v++) cr_expect_eq(ss_vertebra_from_name(ss_vertebra_name(v)), v);
    cr_expect_eq(ss_vertebra_from_name("T12"), SS_VERT_T12);
    cr_expect_lt(ss_vertebra_from_name("T6"), SS_VERT_T7);
    cr_expect_lt(ss_vertebra_from_name("L"), SS_VERT_T7);
}

/* Scan conversion interpolates bilinearly between the four nearest (line, sample) values,
 * rounds to the nearest grey level within 0..255, and leaves pixels outside the sector
 * black. A field linear in line and sample is reproduced exactly by bilinear
 * interpolation, so every pixel's expected level follows from the map's fractional line
 * and sample alone; the field runs from 300 down to -205, so both clamps are crossed,
 * and is bright at the first (line, sample), so a pixel outside the sector that took its
 * value would show.
 * Tolerance: one level, where the float sum lands within rounding of a .5 boundary. Only
 * the rows asked for are written (the threads each convert a band of rows). */
Test(scan_convert, reproduces_a_linear_field_and_blanks_outside_the_sector)
{
    ss_probe p;
    ss_probe_default(&p);
    p.lines = 64;
    p.samples = 256;
    cr_assert_eq(ss_probe_validate(&p), SS_OK, "%s", ss_error_message());
    ss_scan_geometry g;
    cr_assert_eq(ss_scan_geometry_for_probe(&p, 200, &g), SS_OK, "%s", ss_error_message());
    ss_scan_map map = {0};
    cr_assert_eq(ss_scan_map_update(&map, &p, &g), SS_OK, "%s", ss_error_message());
    float *values = malloc(sizeof(float) * (size_t)p.lines * (size_t)p.samples);
    size_t npx = (size_t)g.width * (size_t)g.height;
    uint8_t *out = malloc(npx);
    cr_assert(values && out);
    for (int l = 0; l < p.lines; l++)
        for (int j = 0; j < p.samples; j++)
            values[(size_t)l * (size_t)p.samples + (size_t)j] = 300.f - 6.f * (float)l - 0.5f * (float)j;
    memset(out, 77, npx);
    const int r0 = g.height / 5, r1 = g.height - 3;
    ss_scan_convert_rows(&map, values, out, r0, r1);
    long inside = 0, outside = 0, low = 0, high = 0;
    for (int v = 0; v < g.height; v++)
        for (int u = 0; u < g.width; u++) {
            size_t i = (size_t)v * (size_t)g.width + (size_t)u;
            if (v < r0 || v >= r1) {
                cr_assert_eq(out[i], 77, "row %d outside [%d, %d) was written", v, r0, r1);
                continue;
            }
            float lf = map.line_f[i];
            if (lf < 0.f) {
                cr_assert_eq(out[i], 0, "pixel (%d, %d) outside the sector: %d", u, v, out[i]);
                outside++;
                continue;
            }
            float sf = map.sample_f[i];
            sf = sf < 0.f ? 0.f : sf > (float)(p.samples - 1) ? (float)(p.samples - 1) : sf;
            double want = 300.0 - 6.0 * lf - 0.5 * sf;
            want = want < 0.0 ? 0.0 : want > 255.0 ? 255.0 : floor(want + 0.5);
            low += want == 0.0;
            high += want == 255.0;
            cr_assert_leq(fabs((double)out[i] - want), 1.0, "pixel (%d, %d) at line %.3f sample %.3f: %d, want %.0f",
                          u, v, lf, sf, out[i], want);
            inside++;
        }
    cr_assert_gt(inside, 1000, "%ld pixels in the sector", inside);
    cr_assert_gt(outside, 100, "%ld pixels outside the sector", outside);
    cr_assert_gt(low, 10, "%ld pixels clamped to 0", low);
    cr_assert_gt(high, 10, "%ld pixels clamped to 255", high);
    /* the same probe and geometry again: the map is kept, not rebuilt */
    const int32_t *at = map.at;
    cr_assert_eq(ss_scan_map_update(&map, &p, &g), SS_OK);
    cr_assert_eq(map.at, at);
    ss_scan_map_free(&map);
    cr_assert(map.at == NULL && map.line_f == NULL);
    free(values);
    free(out);
}

/* ss_texture_index floors each coordinate (truncation, then one down where that went up,
 * so that the splat's loop of it vectorizes): every cell must be the one floor() gives,
 * negative positions included (truncation alone would put x = -2.4 cells in cell -2), and
 * the table wraps with its period. The reference is floor() in double. */
Test(tissue_texture, index_is_the_floored_cell_for_negative_and_positive_positions)
{
    const float xs[] = {-300.3f, -0.3f, -0.25f, -0.0001f, 0.f, 0.0001f, 0.124f, 0.125f, 0.3f, 127.9f, 128.1f};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++)
        for (size_t j = 0; j < sizeof xs / sizeof xs[0]; j++) {
            const float pos[3] = {xs[i], xs[j], 2.5f};
            const float x = (pos[0] + SS_TEXTURE_DRIFT * pos[2]) * (1.f / SS_TEXTURE_CELL_MM);
            const float y = pos[1] * (1.f / SS_TEXTURE_CELL_MM);
            const long fx = (long)floor((double)x), fy = (long)floor((double)y);
            const unsigned ex = (unsigned)(((fx % SS_TEXTURE_N) + SS_TEXTURE_N) % SS_TEXTURE_N),
                           ey = (unsigned)(((fy % SS_TEXTURE_N) + SS_TEXTURE_N) % SS_TEXTURE_N);
            const uint32_t got = ss_texture_index(pos);
            cr_assert_eq(got, ey * SS_TEXTURE_N + ex, "pos (%g, %g, 2.5): cell (%u, %u), expected (%u, %u)",
                         (double)pos[0], (double)pos[1], got % SS_TEXTURE_N, got / SS_TEXTURE_N, ex, ey);
        }
}

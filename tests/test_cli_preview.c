/* test_cli_preview.c: `sonospine preview` through the executable: every view PNG, both
 * drawings and index.html are written, every src/href of the page names a file in the
 * output directory, the page names every interspace and view; bad usage exits 2. Also
 * `sonospine views`: the table, the level pick and the JSON. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "paths.h"
#include "patient_case.h"
#include "preview.h"
#include "test_support.h"

static ts_run_result r;

static const char *const levels[] = {"L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1"};
static const char *const views[] = {"spinous", "near-spinous", "parasagittal-oblique", "transverse-interlaminar",
                                    "transverse-spinous"};

/* A PNG of at least a header's size: its signature. */
static void expect_png(const char *dir, const char *name)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    char *data = NULL;
    size_t n = 0;
    cr_expect_eq(ss_file_read(p, 1 << 26, &data, &n), SS_OK, "%s: written", name);
    if (data) cr_expect(n > 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0, "%s: a PNG (signature)", name);
    free(data);
}

/* Every src="..." and href="..." in html names an existing file under dir (relative). */
static int check_refs(const char *html, const char *dir)
{
    int count = 0;
    const char *keys[] = {"src=\"", "href=\""};
    for (int k = 0; k < 2; k++) {
        for (const char *s = strstr(html, keys[k]); s; s = strstr(s, keys[k])) {
            s += strlen(keys[k]);
            const char *e = strchr(s, '"');
            cr_assert_not_null(e, "attribute closed");
            char name[512];
            size_t len = (size_t)(e - s);
            cr_assert_lt(len, sizeof name);
            memcpy(name, s, len);
            name[len] = '\0';
            cr_expect(name[0] != '/' && !strstr(name, "://") && !strstr(name, ".."), "'%s' is relative, inside DIR",
                      name);
            char p[2048];
            snprintf(p, sizeof p, "%s/%s", dir, name);
            struct stat st;
            cr_expect(stat(p, &st) == 0 && S_ISREG(st.st_mode), "index.html references '%s', which must exist", name);
            count++;
        }
    }
    return count;
}

Test(cli_preview, writes_every_file_and_only_references_existing_ones, .timeout = 300)
{
    const char *tmp = ts_tempdir("clipreview");
    char dir[600];
    snprintf(dir, sizeof dir, "%s/sub/preview", tmp); /* created with its parent */
    const char *a[] = {"preview", ts_source_path("scenarios/wei2023-case2.json"), "-o", dir, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a), 0, "%s", r.err);
    cr_expect(strstr(r.out, "25 views"), "summary line counts 5 x 5 views: %s", r.out);

    char name[256];
    for (int l = 0; l < 5; l++)
        for (int v = 0; v < 5; v++) {
            snprintf(name, sizeof name, "view_%s_%s.png", levels[l], views[v]);
            expect_png(dir, name);
        }
    expect_png(dir, "spine_coronal.png");
    expect_png(dir, "spine_sagittal.png");

    char p[1024], *html = NULL;
    size_t n = 0;
    snprintf(p, sizeof p, "%s/index.html", dir);
    cr_assert_eq(ss_file_read(p, 1 << 24, &html, &n), SS_OK, "index.html written");
    /* 25 views + 2 drawings: each referenced once, and nothing missing */
    cr_expect_eq(check_refs(html, dir), 27, "27 references (25 views + 2 drawings)");
    for (int l = 0; l < 5; l++) cr_expect(strstr(html, levels[l]), "interspace %s on the page", levels[l]);
    for (int v = 0; v < 5; v++) {
        snprintf(name, sizeof name, "<th>%s</th>", views[v]);
        cr_expect(strstr(html, name), "view %s as a column header", views[v]);
    }
    cr_expect(strstr(html, "Nash-Moe") && strstr(html, "expected interspaces") && strstr(html, "canal "),
              "parameters and per-view measures on the page");
    /* case 2: the laminotomy channel at L3-L4, Table 1's level, which the scenario expects */
    cr_expect(strstr(html, "Level to pick by the paper&#39;s rule: L3-L4, the reserved channel") ||
                  strstr(html, "Level to pick by the paper's rule: L3-L4, the reserved channel"),
              "the level pick on the page");
    cr_expect_null(strstr(html, "Not among the scenario"), "case 2 expects its pick");
    /* the claims list: at the channel, the only open interspace, near-spinous is wider */
    cr_expect(strstr(html, "<ul class=\"claims\">") && strstr(html, "oblique one (by more than a line, 1.1 mm): holds at L3-L4"),
              "the paper's claims on the page");
    free(html);
    ts_rmtree(tmp);
}

Test(cli_preview, bad_usage_exits_2)
{
    const char *tmp = ts_tempdir("clipreviewbad");
    const char *no_out[] = {"preview", ts_source_path("scenarios/wei2023-case2.json"), NULL};
    cr_expect_eq(ts_run_sonospine(&r, no_out), 2, "-o missing: exit 2 (%s)", r.err);
    cr_expect(strstr(r.err, "-o"), "says what is missing: %s", r.err);
    const char *missing[] = {"preview", "/nonexistent/scenario.json", "-o", tmp, NULL};
    cr_expect_eq(ts_run_sonospine(&r, missing), 2, "missing scenario: exit 2 (%s)", r.err);
    char p[600];
    snprintf(p, sizeof p, "%s/file", tmp);
    cr_assert_eq(ts_write_file(p, "x"), 0);
    char under[700];
    snprintf(under, sizeof under, "%s/dir", p); /* a directory under a regular file */
    const char *unwritable[] = {"preview", ts_source_path("scenarios/wei2023-case2.json"), "-o", under, NULL};
    cr_expect_eq(ts_run_sonospine(&r, unwritable), 1, "cannot create DIR: exit 1 (%s)", r.err);
    ts_rmtree(tmp);
}

/* `views --all-levels`: a row per view and level, then the level the paper's protocol
 * leads to beside the widest window (case 7: L5-S1, the least rotated, as in Table 1);
 * `--level L --json`: five records, one per view; a bad level is a usage error naming it. */
Test(cli_views, all_levels_table_with_the_pick_and_json)
{
    const char *a1[] = {"views", ts_source_path("scenarios/wei2023-case7.json"), "--all-levels", NULL};
    cr_assert_eq(ts_run_sonospine(&r, a1), 0, "stderr: %s", r.err);
    int rows = 0;
    for (const char *s = r.out; (s = strstr(s, " %  ")); s++) rows++;
    cr_expect_eq(rows, 25, "5 levels x 5 views: %s", r.out);
    cr_expect(strstr(r.out, "pick: L5-S1, the least rotated interspace"), "%s", r.out);
    cr_expect(strstr(r.out, "widest near-spinous window: L5-S1"), "%s", r.out);
    /* the paper's claims, judged on the case: all three hold wherever they are judged
       (L1-L4, rotated 20-31 deg, show no canal on the right: not judged there) */
    cr_expect(strstr(r.out, "the paper's claims on this model"), "%s", r.out);
    cr_expect(strstr(r.out, "least rotated interspace has the widest near-spinous window: holds (the least rotated: L5-S1"),
              "%s", r.out);
    cr_expect(strstr(r.out, "parasagittal oblique one (by more than a line, 1.1 mm): holds at L4-L5 ("), "%s", r.out);
    cr_expect(strstr(r.out, "), L5-S1 ("), "%s", r.out);
    cr_expect(strstr(r.out, "spinous view hides the canal: holds at L1-L2, L2-L3, L3-L4, L4-L5, L5-S1\n"), "%s", r.out);
    cr_expect(!strstr(r.out, "does not hold"), "%s", r.out);
    const char *a2[] = {"views", ts_source_path("scenarios/wei2023-case2.json"), "--level", "L3-L4", "--json", NULL};
    cr_assert_eq(ts_run_sonospine(&r, a2), 0, "stderr: %s", r.err);
    int records = 0;
    for (int v = 0; v < 5; v++) {
        char key[64];
        snprintf(key, sizeof key, "\"view\":\"%s\"", views[v]);
        records += strstr(r.out, key) != NULL;
    }
    cr_expect_eq(records, 5, "%s", r.out);
    cr_expect(strchr(r.out, '[') && strrchr(r.out, ']'), "a JSON array: %s", r.out);
    cr_expect_null(strstr(r.out, "pick:"), "--level prints no pick (it needs every level): %s", r.out);
    cr_expect_null(strstr(r.out, "claims"), "--json prints records only: %s", r.out);
    const char *a3[] = {"views", ts_source_path("scenarios/wei2023-case2.json"), "--level", "L6-L7", NULL};
    cr_expect_eq(ts_run_sonospine(&r, a3), 2);
    cr_expect(strstr(r.err, "L6-L7"), "%s", r.err);
}

/* The page flags a pick the scenario does not expect (an author's slip to catch), and only
 * then: the normal adult picks L3-L4; expecting L3-L4 gives no flag, expecting only L1-L2
 * does. Written with ss_preview_write_html from the near-spinous measures alone (the
 * images play no part in the pick). */
Test(cli_preview, page_flags_a_pick_the_scenario_does_not_expect)
{
    ss_case cs;
    cr_assert_eq(ss_case_load(ts_source_path("scenarios/normal-adult.json"), NULL, &cs), SS_OK, "%s",
                 ss_error_message());
    ss_probe probe;
    ss_scenario_probe(&cs.scenario, &probe);
    static ss_preview_page page;
    page.scenario = &cs.scenario;
    page.spine = cs.spine;
    page.right = true;
    for (int l = 0; l < 5; l++) {
        ss_preview_cell *c = &page.cells[l][SS_VIEW_NEAR_SPINOUS];
        c->measured = ss_view_measure_at(cs.spine, &probe, l, SS_VIEW_NEAR_SPINOUS, true, &c->measure) == SS_OK;
        cr_assert(c->measured, "%s: %s", levels[l], ss_error_message());
    }
    const char *tmp = ts_tempdir("previewpick");
    char path[600];
    snprintf(path, sizeof path, "%s/index.html", tmp);
    for (int k = 0; k < 2; k++) {
        cs.scenario.task.expected_interspaces[0] = k == 0 ? SS_LEVEL_L3_L4 : SS_LEVEL_L1_L2;
        cs.scenario.task.n_expected_interspaces = 1;
        cr_assert_eq(ss_preview_write_html(&page, path), SS_OK, "%s", ss_error_message());
        char *html = NULL;
        size_t n = 0;
        cr_assert_eq(ss_file_read(path, 1 << 24, &html, &n), SS_OK);
        cr_expect(strstr(html, "rule: L3-L4, the least rotated interspace"), "pick on the page (k=%d)", k);
        cr_expect_eq(strstr(html, "Not among the scenario") != NULL, k == 1, "flag when expecting %s",
                     k == 0 ? "L3-L4" : "L1-L2 only");
        free(html);
    }
    ss_case_free(&cs);
    ts_rmtree(tmp);
}

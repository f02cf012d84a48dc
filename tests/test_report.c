/* test_report.c: the assessment report of a passing (expert demonstration) and a
 * failing (straight onto the lamina) attempt on the normal adult: content taken from
 * the log and a re-simulation, HTML self-contained with every graded measure, PDF with
 * pages; a tampered log is refused; a changed scenario leaves the drawings out. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_script.h"
#include "paths.h"
#include "report.h"
#include "session.h"
#include "spine_world.h"
#include "test_support.h"

static ss_case cs;
static const char *dir;
static char pass_log[512], fail_log[512];

static void record(const ss_script *script, const char *log, const char *trainee)
{
    ss_session_desc d = {.scenario = &cs.scenario, .scenario_path = cs.path, .log_path = log, .mode = "practice",
                         .trainee = trainee};
    ss_case_world(&cs, &d.world);
    ss_session *s;
    cr_assert_eq(ss_session_begin(&d, &s), SS_OK, "%s", ss_error_message());
    ss_session_run_script(s, script);
    cr_assert_eq(ss_session_end(s, NULL, NULL), SS_OK, "%s", ss_error_message());
    ss_session_free(s);
}

static void setup(void)
{
    cr_assert_eq(ss_case_load(ts_source_path("scenarios/normal-adult.json"), NULL, &cs), SS_OK, "%s",
                 ss_error_message());
    dir = ts_tempdir("report");
    snprintf(pass_log, sizeof pass_log, "%s/pass.jsonl", dir);
    snprintf(fail_log, sizeof fail_log, "%s/fail.jsonl", dir);
    ss_world w;
    ss_case_world(&cs, &w);
    ss_script demo;
    cr_assert_eq(ss_demo_script(&cs.scenario, &w, &demo), SS_OK, "%s", ss_error_message());
    record(&demo, pass_log, "trainee <A&B>");
    ss_script_free(&demo);
    ss_script novice;
    cr_assert_eq(ss_script_parse("0 probe.view L3-L4 spinous right\n5 guide.attach 10\n6 needle.enter\n"
                                 "7 needle.advance 80 5\n30 needle.remove\n31 end\n",
                                 "novice", &novice),
                 SS_OK);
    record(&novice, fail_log, "t-novice");
    ss_script_free(&novice);
}

static void teardown(void)
{
    ss_case_free(&cs);
    ts_rmtree(dir);
}

TestSuite(report, .init = setup, .fini = teardown);

static void build(const char *log, ss_report *r, bool images)
{
    ss_log_check ck;
    cJSON *records;
    cr_assert_eq(ss_log_read(log, &ck, &records), SS_OK);
    ss_report_desc d = {.log_path = log, .records = records, .check = &ck, .patient = &cs, .no_images = !images};
    cr_assert_eq(ss_report_build(&d, r), SS_OK, "%s", ss_error_message());
    cJSON_Delete(records);
}

static char *slurp(const char *path, size_t *n)
{
    char *t;
    cr_assert_eq(ss_file_read(path, 1 << 26, &t, n), SS_OK, "%s", ss_error_message());
    return t;
}

/* Every graded measure's clinician label appears in the HTML. */
static void expect_every_metric_row(const ss_report *r, const char *html)
{
    int rows = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, r->grade_items)
    {
        const char *m = cJSON_GetObjectItem(it, "metric")->valuestring;
        char needle[200];
        snprintf(needle, sizeof needle, "<span class=\"mono\">(%s)</span>", m);
        cr_expect(strstr(html, needle), "the row of %s", m);
        rows++;
    }
    cr_expect_geq(rows, 4, "the default rubric grades at least success, insertions, bone contacts, puncture time");
}

static void expect_self_contained(const char *html)
{
    /* every image inline; no link, script or stylesheet fetched from elsewhere */
    for (const char *p = html; (p = strstr(p, "src=\"")); p += 5)
        cr_expect(strncmp(p + 5, "data:image/png;base64,", 22) == 0, "an external src: %.60s", p);
    cr_expect(!strstr(html, "href="), "no links to other files");
    cr_expect(!strstr(html, "<script"), "no scripts");
    cr_expect(!strstr(html, "url("), "no CSS fetches");
}

static bool has_bytes(const char *data, size_t n, const char *what)
{
    size_t k = strlen(what);
    for (size_t i = 0; i + k <= n; i++)
        if (!memcmp(data + i, what, k)) return true;
    return false;
}

static int pdf_pages(const char *pdf, size_t n)
{
    int pages = 0;
    for (size_t i = 0; i + 10 < n; i++)
        if (!memcmp(pdf + i, "/Type /Page", 11) && pdf[i + 11] != 's') pages++;
    return pages;
}

/* The first page says what the log proves (issue 23): authentic only with a key the
 * examiner trusts; the same signed log without one is "signer not checked", and with
 * another station's key "NOT AUTHENTIC". */
Test(report, authenticity_depends_on_the_trusted_keys)
{
    ss_log_check ck;
    cJSON *records;
    cr_assert_eq(ss_log_read(pass_log, &ck, &records), SS_OK);
    static ss_trusted_keys mine, other;
    cr_assert_eq(ss_trusted_keys_one(ck.public_key, &mine), SS_OK, "%s", ss_error_message());
    cr_assert_eq(ss_trusted_keys_one("0123456789abcdef", &other), SS_OK, "%s", ss_error_message());
    const ss_trusted_keys *trusts[3] = {&mine, NULL, &other};
    const ss_log_auth want[3] = {SS_AUTH_AUTHENTIC, SS_AUTH_UNCHECKED, SS_AUTH_UNTRUSTED};
    const char *words[3] = {"authentic", "signer not checked", "NOT AUTHENTIC"};
    for (int i = 0; i < 3; i++) {
        ss_report r;
        ss_report_desc d = {.log_path = pass_log, .records = records, .check = &ck, .trust = trusts[i], .no_images = true};
        cr_assert_eq(ss_report_build(&d, &r), SS_OK, "%s", ss_error_message());
        cr_expect_eq(r.auth, want[i], "case %d: %s", i, r.verdict_text);
        cr_expect(strstr(r.verdict_text, words[i]), "case %d: %s", i, r.verdict_text);
        ss_report_free(&r);
    }
    cJSON_Delete(records);
}

Test(report, passing_attempt_html_and_pdf)
{
    ss_report r;
    build(pass_log, &r, true);
    cr_expect(r.graded && r.pass, "the expert demonstration passes");
    cr_expect_eq(r.verdict, SS_LOG_INTACT);
    /* the report cites the signed seal and its signer (session_log.h, station_key.h) */
    ss_log_check ck;
    cr_assert_eq(ss_log_read(pass_log, &ck, NULL), SS_OK);
    cr_expect_str_eq(r.log_last_hash, ck.seal_hash);
    cr_expect(ck.key_id[0] && strstr(r.verdict_text, ck.key_id), "%s", r.verdict_text);
    cr_expect(r.resimulated, "%s", r.resim_note);
    cr_expect(strstr(r.resim_note, "came out as logged"), "%s", r.resim_note);
    cr_expect_gt(r.npath, 10, "the tip path in tissue was traced");
    cr_expect(r.sagittal.present && r.axial.present);
    /* key moments: first skin entry and CSF, each with its frame */
    cr_assert_eq(r.nframes, 2, "skin entry and CSF outflow, no bone contact");
    cr_expect_str_eq(r.frames[0].event, "skin_entry");
    cr_expect_str_eq(r.frames[1].event, "csf_outflow");
    cr_expect(r.frames[0].has_image && r.frames[1].has_image);
    cr_expect(r.frames[1].tip_shown, "in-plane technique: the tip is in the image at the CSF");
    char html_path[600], pdf_path[600];
    snprintf(html_path, sizeof html_path, "%s/pass.html", dir);
    snprintf(pdf_path, sizeof pdf_path, "%s/pass.pdf", dir);
    cr_assert_eq(ss_report_write(&r, html_path), SS_OK, "%s", ss_error_message());
    cr_assert_eq(ss_report_write(&r, pdf_path), SS_OK, "%s", ss_error_message());
    size_t n;
    char *html = slurp(html_path, &n);
    cr_expect(strstr(html, "trainee &lt;A&amp;B&gt;"), "the trainee, HTML-escaped");
    cr_expect(strstr(html, "Log seal hash (signed)"), "a signed log's seal hash is labelled so");
    cr_expect(strstr(html, "<span class=\"result pass\">PASS</span>"));
    cr_expect(strstr(html, "normal-adult"));
    expect_every_metric_row(&r, html);
    expect_self_contained(html);
    int imgs = 0;
    for (const char *p = html; (p = strstr(p, "<img")); p++) imgs++;
    cr_expect_eq(imgs, 4, "two sections and two frames");
    free(html);
    char *pdf = slurp(pdf_path, &n);
    cr_expect(n > 1000 && memcmp(pdf, "%PDF-", 5) == 0, "a PDF file");
    cr_expect_geq(pdf_pages(pdf, n), 1, "at least one page");
    cr_expect(has_bytes(pdf, n, "/MediaBox [ 0 0 595.27"), "A4 pages (a PDF holds binary streams: no strstr)");
    free(pdf);
    ss_report_free(&r);
}

Test(report, failing_attempt_shows_bone_contacts)
{
    ss_report r;
    build(fail_log, &r, true);
    cr_expect(r.graded && !r.pass);
    cr_assert_geq(r.nframes, 2, "first skin entry and at least one bone contact");
    cr_expect_str_eq(r.frames[0].event, "skin_entry");
    cr_expect_str_eq(r.frames[1].event, "bone_contact");
    cr_expect(strstr(r.frames[1].caption, "Bone contact 1"), "%s", r.frames[1].caption);
    char html_path[600], pdf_path[600];
    snprintf(html_path, sizeof html_path, "%s/fail.html", dir);
    snprintf(pdf_path, sizeof pdf_path, "%s/fail.PDF", dir);
    cr_assert_eq(ss_report_write(&r, html_path), SS_OK, "%s", ss_error_message());
    cr_assert_eq(ss_report_write(&r, pdf_path), SS_OK, "an upper-case extension works too: %s", ss_error_message());
    size_t n;
    char *html = slurp(html_path, &n);
    cr_expect(strstr(html, "<span class=\"result fail\">FAIL</span>"));
    cr_expect(strstr(html, "t-novice"));
    cr_expect(strstr(html, "Bone contact"), "in the timeline");
    /* the rubric's points to work on are listed, each as a list item in its own words */
    cr_assert_geq(r.nweaknesses, 1, "a failing attempt has something to work on");
    cr_expect(strstr(html, "<p><b>To work on</b></p>"), "the feedback list");
    for (int i = 0; i < r.nweaknesses; i++) {
        if (strpbrk(r.weaknesses[i], "<>&\"")) continue; /* escaped in the HTML */
        char li[240];
        snprintf(li, sizeof li, "<li>%s</li>", r.weaknesses[i]);
        cr_expect(strstr(html, li), "weakness %d listed: %s", i, r.weaknesses[i]);
    }
    expect_every_metric_row(&r, html);
    expect_self_contained(html);
    free(html);
    char *pdf = slurp(pdf_path, &n);
    cr_expect(memcmp(pdf, "%PDF-", 5) == 0);
    cr_expect_geq(pdf_pages(pdf, n), 1);
    free(pdf);
    cr_expect_eq(ss_report_write(&r, "/tmp/x.docx"), SS_ERR_INVALID);
    ss_report_free(&r);
}

Test(report, tampered_log_is_refused)
{
    size_t n;
    char *text = slurp(pass_log, &n);
    char *p = strstr(text, "\"insertions\":1");
    cr_assert_not_null(p);
    p[13] = '0'; /* one insertion becomes none */
    char bad[600];
    snprintf(bad, sizeof bad, "%s/bad.jsonl", dir);
    FILE *f = fopen(bad, "wb");
    fwrite(text, 1, n, f);
    fclose(f);
    free(text);
    ss_log_check ck;
    cJSON *records;
    cr_assert_eq(ss_log_read(bad, &ck, &records), SS_OK);
    cr_assert_eq(ck.verdict, SS_LOG_TAMPERED);
    ss_report_desc d = {.log_path = bad, .records = records, .check = &ck, .patient = &cs};
    ss_report r;
    cr_expect_eq(ss_report_build(&d, &r), SS_ERR_INVALID);
    cr_expect(strstr(ss_error_message(), "TAMPERED at line"), "%s", ss_error_message());
    cJSON_Delete(records);
}

Test(report, incomplete_log_and_changed_scenario_are_marked)
{
    /* the log cut after its first 12 lines: no metrics, grade or seal */
    size_t n;
    char *text = slurp(pass_log, &n);
    char *p = text;
    for (int i = 0; i < 12 && p; i++) p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
    cr_assert_not_null(p);
    char cut[600];
    snprintf(cut, sizeof cut, "%s/cut.jsonl", dir);
    FILE *f = fopen(cut, "wb");
    fwrite(text, 1, (size_t)(p - text), f);
    fclose(f);
    free(text);
    ss_report r;
    build(cut, &r, false);
    cr_expect_eq(r.verdict, SS_LOG_INCOMPLETE);
    cr_expect(!r.graded);
    cr_expect(strstr(r.verdict_text, "INCOMPLETE"), "%s", r.verdict_text);
    char html_path[600];
    snprintf(html_path, sizeof html_path, "%s/cut.html", dir);
    cr_assert_eq(ss_report_write_html(&r, html_path), SS_OK);
    char *html = slurp(html_path, &n);
    cr_expect(strstr(html, "NOT GRADED") && strstr(html, "INCOMPLETE"), "marked, not passed off as a result");
    cr_expect(strstr(html, "NOT signed") && !strstr(html, "(signed)"),
              "an unsigned log's hash is not labelled as the signed seal");
    free(html);
    ss_report_free(&r);

    /* a scenario whose bytes differ from the logged hash: no re-simulation */
    char *saved = cs.scenario.raw;
    size_t saved_len = cs.scenario.raw_len;
    cs.scenario.raw = (char *)"{}";
    cs.scenario.raw_len = 2;
    build(pass_log, &r, true);
    cs.scenario.raw = saved;
    cs.scenario.raw_len = saved_len;
    cr_expect(!r.resimulated);
    cr_expect(strstr(r.resim_note, "has changed since the attempt"), "%s", r.resim_note);
    cr_expect_eq(r.nframes, 0);
    cr_expect(!r.sagittal.present);
    cr_expect(r.graded && r.pass, "the grade still comes from the log");
    ss_report_free(&r);
}

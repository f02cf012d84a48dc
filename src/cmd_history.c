/* cmd_history.c: `sonospine history --trainee ID [-o DIR] [--results-db FILE]`: a
 * trainee's recorded attempts from the results database (results_db.h), oldest first,
 * and with -o the learning curves as PNG (learning_curve.h) and an index.html.
 * Exit 0 shown; 1 no database or no attempt for that trainee, or a file could not be
 * written; 2 bad usage. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_args.h"
#include "commands.h"
#include "learning_curve.h"
#include "paths.h"
#include "results_db.h"
#include "scenario.h"
#include "session.h"

static void ss__html_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else if (*s == '&') fputs("&amp;", f);
        else if (*s == '"') fputs("&quot;", f);
        else fputc(*s, f);
    }
}

static void ss__date(const char *utc, char out[20])
{
    /* "2026-11-21T21:15:57Z" -> "2026-11-21 21:15" */
    snprintf(out, 20, "%.10s %.5s", utc, strlen(utc) > 11 ? utc + 11 : "");
}

/* Landmark-only attempts, per scenario, beside the guided ones on the same scenario:
 * how often the CSF was reached, mean insertions and bone contacts (issue 24: what
 * image guidance changes; seed 003: up to 30.4 % misplaced without it). */
static void ss__landmark_summary(const ss_attempt *a, int n)
{
    bool any = false;
    for (int i = 0; i < n && !any; i++) any = strcmp(a[i].mode, "landmark") == 0;
    if (!any) return;
    printf("Landmark-only attempts (no ultrasound) against guided ones on the same scenario:\n");
    printf("  %-24s  %-8s  %8s  %11s  %15s  %19s\n", "scenario", "mode", "attempts", "CSF reached",
           "mean insertions", "mean bone contacts");
    for (int i = 0; i < n; i++) {
        if (strcmp(a[i].mode, "landmark") != 0) continue;
        bool first = true;
        for (int k = 0; k < i; k++) first &= !(strcmp(a[k].mode, "landmark") == 0 && !strcmp(a[k].scenario_id, a[i].scenario_id));
        if (!first) continue;
        for (int guided = 0; guided < 2; guided++) {
            int cnt = 0, ok = 0;
            double ins = 0, bone = 0;
            for (int k = 0; k < n; k++) {
                if (strcmp(a[k].scenario_id, a[i].scenario_id) != 0) continue;
                if ((strcmp(a[k].mode, "landmark") != 0) != (guided != 0)) continue;
                cnt++;
                ok += a[k].success;
                ins += a[k].insertions;
                bone += a[k].bone_contacts;
            }
            if (cnt == 0) {
                printf("  %-24.24s  %-8s  %8s  %11s  %15s  %19s\n", a[i].scenario_id, "guided", "0", "-", "-", "-");
                continue;
            }
            char pct[32];
            snprintf(pct, sizeof pct, "%d/%d", ok, cnt);
            printf("  %-24.24s  %-8s  %8d  %11s  %15.1f  %19.1f\n", a[i].scenario_id, guided ? "guided" : "landmark",
                   cnt, pct, ins / cnt, bone / cnt);
        }
    }
    printf("\n");
}

static void ss__paper(double v, char *out, size_t n)
{
    if (isfinite(v)) snprintf(out, n, "%.0f", v);
    else snprintf(out, n, "-");
}

/* The doses of a patient's course (run --course) beside what the scenario says the
 * source reported for the same procedures (its "course.reported": Table 1 for the
 * paper's cases). The scenario is the shipped one of that id, used only when its SHA-256
 * is the one the attempt ran on. */
static void ss__course_summary(const ss_attempt *a, int n)
{
    bool any = false;
    for (int i = 0; i < n && !any; i++) any = a[i].course_dose > 0;
    if (!any) return;
    char dir[4096];
    bool have_dir = ss_paths_data_dir("scenarios", dir, sizeof dir, NULL) == SS_OK;
    printf("\nCourse doses beside the source's figures for the same procedures (paper's in brackets):\n");
    printf("  %-24s  %4s  %5s  %12s  %12s  %14s  %14s\n", "scenario", "dose", "day", "insertions", "interspaces",
           "operation min", "puncture min");
    for (int i = 0; i < n; i++) {
        if (a[i].course_dose <= 0) continue;
        ss_scenario sc;
        bool have = false;
        if (have_dir) {
            char path[4400];
            snprintf(path, sizeof path, "%s/%s.json", dir, a[i].scenario_id);
            if (ss_file_exists(path) && ss_scenario_load(path, &sc, NULL) == SS_OK) {
                char sha[65];
                ss_session_scenario_hash(&sc, sha);
                have = strcmp(sha, a[i].scenario_sha256) == 0 && sc.course.reported;
                if (!have) ss_scenario_free(&sc);
            }
        }
        char p1[16] = "-", p2[16] = "-", p3[16] = "-", p4[16] = "-", op[24], pu[24];
        if (have) {
            int k = a[i].course_dose - sc.course.first_dose;
            if (k >= 0 && k < sc.course.ndoses) {
                ss__paper(sc.course.insertions[k], p1, sizeof p1);
                ss__paper(sc.course.interspaces[k], p2, sizeof p2);
                ss__paper(sc.course.operation_time_min[k], p3, sizeof p3);
                ss__paper(sc.course.puncture_time_min[k], p4, sizeof p4);
            }
            ss_scenario_free(&sc);
        }
        char ins[32], isp[32];
        snprintf(ins, sizeof ins, "%d (%s)", a[i].insertions, p1);
        snprintf(isp, sizeof isp, "%d (%s)", a[i].interspaces_tried, p2);
        snprintf(op, sizeof op, "%.1f (%s)", a[i].operation_time_s / 60.0, p3);
        if (isfinite(a[i].puncture_time_s)) snprintf(pu, sizeof pu, "%.1f (%s)", a[i].puncture_time_s / 60.0, p4);
        else snprintf(pu, sizeof pu, "- (%s)", p4);
        printf("  %-24.24s  %4d  %5.0f  %12s  %12s  %14s  %14s\n", a[i].scenario_id, a[i].course_dose, a[i].course_day,
               ins, isp, op, pu);
    }
}

static int ss__write_plots(const char *dir, const char *trainee, const ss_attempt *at, int n, const double *cusum,
                           const ss_cusum_limits *lim, int competent)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "sonospine history: -o %s: %s\n", dir, strerror(errno));
        return -1;
    }
    double *score = malloc(sizeof(double) * (size_t)n * 3);
    bool *pass = malloc(sizeof(bool) * (size_t)n);
    if (!score || !pass) {
        free(score);
        free(pass);
        fprintf(stderr, "sonospine history: out of memory\n");
        return -1;
    }
    double *ins = score + n, *pt = score + 2 * n;
    for (int i = 0; i < n; i++) {
        score[i] = at[i].score;
        ins[i] = at[i].insertions;
        pt[i] = at[i].puncture_time_s;
        pass[i] = at[i].pass;
    }
    char path[4200];
    int rc = 0;
    ss_plot_desc p1 = {.title = "Score per attempt", .y_label = "score (0-100)", .y = score, .pass = pass, .n = n,
                       .y_min = 0, .y_max = 105, .nrefs = 1, .ref = {70}, .ref_label = {"default pass mark 70"}};
    ss_plot_desc p2 = {.title = "Skin insertions per attempt", .y_label = "insertions", .y = ins, .pass = pass, .n = n,
                       .nrefs = 1, .ref = {2}, .ref_label = {"target: at most 2 (the paper: 17 of 19)"},
                       .integer_y = true};
    ss_plot_desc p3 = {.title = "Puncture time per attempt (skin to CSF)", .y_label = "seconds", .y = pt, .pass = pass,
                       .n = n, .nrefs = 1, .ref = {180}, .ref_label = {"the paper's median, 3 min"}};
    char l0[64], l1[64], ls[96];
    snprintf(l0, sizeof l0, "-h0 = %.2f: competent (failure rate <= 15 %%)", -lim->h0);
    snprintf(l1, sizeof l1, "+h1 = %.2f: failure rate >= 30 %%", lim->h1);
    snprintf(ls, sizeof ls, "15 %% competence line (slope %.3f per attempt)", 0.15 - lim->s);
    ss_plot_desc p4 = {.title = "CUSUM of failures (p0 = 0.15, p1 = 0.30, alpha = beta = 0.10)",
                       .y_label = "CUSUM",
                       .y = cusum,
                       .pass = pass,
                       .n = n,
                       .nrefs = 2,
                       .ref = {-lim->h0, lim->h1},
                       .ref_label = {l0, l1},
                       .has_slope = true,
                       .ref_slope = 0.15 - lim->s,
                       .ref_slope_label = ls};
    const ss_plot_desc *plots[4] = {&p1, &p2, &p3, &p4};
    const char *names[4] = {"score.png", "insertions.png", "puncture_time.png", "cusum.png"};
    for (int i = 0; i < 4 && rc == 0; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (ss_plot_write_png(plots[i], path) != SS_OK) {
            fprintf(stderr, "sonospine history: %s\n", ss_error_message());
            rc = -1;
        }
    }
    free(score);
    free(pass);
    if (rc) return rc;
    snprintf(path, sizeof path, "%s/index.html", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "sonospine history: %s: %s\n", path, strerror(errno));
        return -1;
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>SonoSpine learning curve: ", f);
    ss__html_text(f, trainee);
    fputs("</title>\n<style>body{font-family:'DejaVu Sans',Verdana,sans-serif;max-width:900px;margin:24px auto;"
          "padding:0 16px;font-size:14px}table{border-collapse:collapse;width:100%}td,th{padding:3px 8px;"
          "border-bottom:1px solid #ddd;text-align:left}th{background:#f0f0f0}td.n{text-align:right}"
          ".pass{color:#1d7a2e;font-weight:bold}.fail{color:#b3261e;font-weight:bold}img{max-width:100%}</style>\n"
          "</head>\n<body>\n<h1>Learning curve: ",
          f);
    ss__html_text(f, trainee);
    fprintf(f, "</h1>\n<p>%d attempts recorded. ", n);
    if (competent >= 0)
        fprintf(f, "The CUSUM reached the competence limit at attempt %d (failure rate at most 15 %%).", competent + 1);
    else
        fputs("The CUSUM has not reached the competence limit (failure rate at most 15 %) yet.", f);
    fputs("</p>\n<img src=\"score.png\" alt=\"score per attempt\">\n<img src=\"insertions.png\" alt=\"insertions per "
          "attempt\">\n<img src=\"puncture_time.png\" alt=\"puncture time per attempt\">\n<img src=\"cusum.png\" "
          "alt=\"CUSUM of failures\">\n<p>CUSUM: each failure adds 1 &minus; s, each success subtracts s, with ",
          f);
    fprintf(f, "s = %.4f; reaching &minus;h0 = %.3f signals an acceptable failure rate (&le; 15 %%), reaching +h1 = "
               "%.3f an unacceptable one (&ge; 30 %%); errors &alpha; = &beta; = 0.10.</p>\n",
            lim->s, -lim->h0, lim->h1);
    fputs("<table>\n<tr><th>#</th><th>Date (UTC)</th><th>Scenario</th><th>Mode</th><th>Score</th><th>Result</th>"
          "<th>Insertions</th><th>Puncture time</th><th>CUSUM</th></tr>\n",
          f);
    for (int i = 0; i < n; i++) {
        char d[20], ptime[32];
        ss__date(at[i].started_utc, d);
        if (isfinite(at[i].puncture_time_s)) snprintf(ptime, sizeof ptime, "%.1f s", at[i].puncture_time_s);
        else snprintf(ptime, sizeof ptime, "no CSF");
        fprintf(f, "<tr><td class=\"n\">%d</td><td>%s</td><td>", i + 1, d);
        ss__html_text(f, at[i].scenario_id);
        fprintf(f, "</td><td>%s</td><td class=\"n\">%.0f</td><td class=\"%s\">%s</td><td class=\"n\">%d</td>"
                   "<td class=\"n\">%s</td><td class=\"n\">%.2f</td></tr>\n",
                at[i].mode, at[i].score, at[i].pass ? "pass" : "fail", at[i].pass ? "PASS" : "FAIL", at[i].insertions,
                ptime, cusum[i]);
    }
    fputs("</table>\n</body>\n</html>\n", f);
    if (fclose(f) != 0) {
        fprintf(stderr, "sonospine history: %s: write failed\n", path);
        return -1;
    }
    return 0;
}

int ss_cmd_history(int argc, char **argv)
{
    const char *trainee = NULL, *dir = NULL, *db_opt = NULL;
    const ss_opt opts[] = {
        {"--trainee", SS_OPT_STRING, &trainee, 0, 0, NULL},
        {"-o", SS_OPT_STRING, &dir, 0, 0, NULL},
        {"--results-db", SS_OPT_STRING, &db_opt, 0, 0, NULL},
    };
    ss_args a;
    if (!ss_args_parse("history", argc, argv, opts, (int)(sizeof opts / sizeof opts[0]), &a)) return SS_EXIT_USAGE;
    if (a.npositional) {
        fprintf(stderr, "sonospine history: unexpected argument '%s'\n", a.positional[0]);
        return SS_EXIT_USAGE;
    }
    if (!trainee) {
        fprintf(stderr, "sonospine history: --trainee ID is required\n");
        return SS_EXIT_USAGE;
    }
    if (ss_trainee_id_check(trainee) != SS_OK) {
        fprintf(stderr, "sonospine history: --trainee: %s\n", ss_error_message());
        return SS_EXIT_USAGE;
    }
    char db_path[1024];
    if (db_opt) snprintf(db_path, sizeof db_path, "%s", db_opt);
    else if (ss_results_db_default_path(db_path, sizeof db_path) != SS_OK) {
        fprintf(stderr, "sonospine history: %s\n", ss_error_message());
        return SS_EXIT_USAGE;
    }
    ss_results_db *db;
    if (ss_results_db_open(db_path, false, &db) != SS_OK) {
        fprintf(stderr, "sonospine history: %s\n", ss_error_message());
        return SS_EXIT_FAILED;
    }
    ss_attempt *at;
    int n;
    ss_status st = ss_results_db_attempts(db, trainee, &at, &n);
    ss_results_db_close(db);
    if (st != SS_OK) {
        fprintf(stderr, "sonospine history: %s\n", ss_error_message());
        return SS_EXIT_FAILED;
    }
    if (n == 0) {
        fprintf(stderr, "sonospine history: no attempts recorded for trainee '%s' in %s\n", trainee, db_path);
        free(at);
        return SS_EXIT_FAILED;
    }
    /* the learning curve and its CUSUM are of the guided technique: landmark-only attempts
       (no ultrasound) are listed apart, beside the guided ones on the same scenarios */
    ss_attempt *all = at;
    int nall = n;
    at = malloc(sizeof *at * (size_t)nall);
    if (!at) {
        free(all);
        fprintf(stderr, "sonospine history: out of memory\n");
        return SS_EXIT_FAILED;
    }
    n = 0;
    for (int i = 0; i < nall; i++)
        if (strcmp(all[i].mode, "landmark") != 0) at[n++] = all[i];
    ss__landmark_summary(all, nall);
    if (n == 0) {
        printf("No guided attempts yet: no learning curve.\n");
        free(all);
        free(at);
        return SS_EXIT_OK;
    }
    ss_cusum_params cp;
    ss_cusum_params_default(&cp);
    ss_cusum_limits lim;
    ss_cusum_limits_for(&cp, &lim);
    double *cusum = malloc(sizeof(double) * (size_t)n);
    bool *failed = malloc(sizeof(bool) * (size_t)n);
    if (!cusum || !failed) {
        free(cusum);
        free(failed);
        free(at);
        fprintf(stderr, "sonospine history: out of memory\n");
        return SS_EXIT_FAILED;
    }
    for (int i = 0; i < n; i++) failed[i] = !at[i].pass;
    int competent = ss_cusum_run(failed, n, &lim, cusum);
    printf("Trainee %s: %d guided attempt%s (%s)\n\n", trainee, n, n == 1 ? "" : "s", db_path);
    printf("%3s  %-16s  %-24s  %-8s  %5s  %-4s  %10s  %13s  %6s\n", "#", "date (UTC)", "scenario", "mode", "score",
           "pass", "insertions", "puncture time", "CUSUM");
    for (int i = 0; i < n; i++) {
        char d[20], ptime[32];
        ss__date(at[i].started_utc, d);
        if (isfinite(at[i].puncture_time_s)) snprintf(ptime, sizeof ptime, "%.1f s", at[i].puncture_time_s);
        else snprintf(ptime, sizeof ptime, "none");
        char mode[16];
        if (at[i].course_dose > 0) snprintf(mode, sizeof mode, "dose %d", at[i].course_dose);
        else snprintf(mode, sizeof mode, "%s", at[i].mode);
        printf("%3d  %-16s  %-24.24s  %-8s  %5.0f  %-4s  %10d  %13s  %6.2f\n", i + 1, d, at[i].scenario_id, mode,
               at[i].score, at[i].pass ? "yes" : "no", at[i].insertions, ptime, cusum[i]);
    }
    printf("\nCUSUM of failures (p0 0.15, p1 0.30, alpha = beta = 0.10): %s\n",
           competent >= 0 ? "reached the competence limit" : "competence limit not reached yet");
    if (competent >= 0) printf("  competent at attempt %d (CUSUM <= %.2f)\n", competent + 1, -lim.h0);
    ss__course_summary(at, n);
    int code = SS_EXIT_OK;
    if (dir) {
        if (ss__write_plots(dir, trainee, at, n, cusum, &lim, competent) != 0) code = SS_EXIT_FAILED;
        else printf("plots    %s/{score,insertions,puncture_time,cusum}.png, %s/index.html\n", dir, dir);
    }
    free(cusum);
    free(failed);
    free(at);
    free(all);
    return code;
}

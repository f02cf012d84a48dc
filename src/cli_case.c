/* cli_case.c: see cli_case.h. */
#include "cli_case.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "needle.h"
#include "paths.h"

void ss_cli_print_diags(const ss_diag_list *dl, const char *file)
{
    char line[SS_DIAG_FILE_MAX + SS_DIAG_PATH_MAX + SS_DIAG_MESSAGE_MAX + 32];
    for (int i = 0; i < dl->count; i++) {
        ss_diag_format(&dl->items[i], line, sizeof line);
        fprintf(stderr, "%s\n", line);
    }
    if (dl->dropped > 0) fprintf(stderr, "%s: %d more diagnostics not shown\n", file, dl->dropped);
}

int ss_cli_load_case(const char *cmd, const char *path, ss_case *out)
{
    char def[4096];
    if (!path) {
        if (ss_scenario_default_path(def, sizeof def) != SS_OK) {
            fprintf(stderr, "sonospine %s: %s\n", cmd, ss_error_message());
            return SS_EXIT_USAGE;
        }
        path = def;
    }
    ss_diag_list dl;
    ss_diag_list_init(&dl);
    ss_status st = ss_case_load(path, &dl, out);
    if (st != SS_OK) {
        if (dl.count) ss_cli_print_diags(&dl, path);
        else fprintf(stderr, "sonospine %s: %s\n", cmd, ss_error_message());
        ss_diag_list_free(&dl);
        return SS_EXIT_USAGE;
    }
    ss_diag_list_free(&dl);
    return 0;
}

void ss_cli_bmode_settings(const ss_scenario *sc, ss_bmode_settings *out)
{
    ss_bmode_settings_default(out);
    out->seed = sc->seed;
    out->gain_db = (float)sc->probe.gain_db;
    out->dynamic_range_db = (float)sc->probe.dynamic_range_db;
    for (int i = 0; i < SS_BMODE_TGC_SLIDERS && i < SS_PROBE_TGC_SLIDERS; i++) out->tgc_db[i] = (float)sc->probe.tgc_db[i];
    out->tgc_auto = 1; /* a scanner's default: depth gain compensation on, sliders fine-tune */
}

void ss_cli_resolve_log_scenario(const char *recorded, const char *log_path, char *out, size_t n)
{
    snprintf(out, n, "%s", recorded);
    if (ss_file_exists(out)) return;
    const char *base = strrchr(recorded, '/');
    base = base ? base + 1 : recorded;
    /* beside the log: where `run --exam` writes a variant case's scenario */
    const char *ls = log_path ? strrchr(log_path, '/') : NULL;
    if (log_path) {
        if (ls) snprintf(out, n, "%.*s/%s", (int)(ls - log_path), log_path, base);
        else snprintf(out, n, "%s", base);
        if (ss_file_exists(out)) return;
    }
    snprintf(out, n, "%s", recorded);
    char dir[4096];
    if (ss_paths_data_dir("scenarios", dir, sizeof dir, NULL) != SS_OK) return;
    snprintf(out, n, "%s/%s", dir, base);
    if (!ss_file_exists(out)) snprintf(out, n, "%s", recorded);
}

const ss_needle_geom *ss_cli_sim_needle(const ss_sim *sim, ss_needle_geom *out)
{
    const ss_sim_state *st = ss_sim_get_state(sim);
    if (!st->needle_placed) return NULL;
    ss_sim_needle_geom(sim, out->tip_mm, out->dir, &out->length_mm);
    out->outer_diameter_mm = (float)ss_needle_outer_diameter_mm(st->needle.spec.gauge);
    return out;
}

/* cli_case.h: loading a scenario for a command, with its diagnostics printed the one
 * way (file:line:col: json.path: message) and the exit code to return on failure. */
#ifndef SS_CLI_CASE_H
#define SS_CLI_CASE_H

#include "bmode_cpu.h"
#include "patient_case.h"
#include "sim.h"

/* Returns 0 on success, else the exit code (2: bad input file). Resolves the default
 * scenario when path is NULL. */
int ss_cli_load_case(const char *cmd, const char *path, ss_case *out);
void ss_cli_print_diags(const ss_diag_list *dl, const char *file);

/* The scenario a session log names: the path recorded in its header, or, when that
 * file is gone (e.g. a relative path read from another directory), the file of the
 * same name beside the log (log_path may be NULL; `run --exam` writes variant cases
 * there), then in the scenario data directory (paths.h). Writes the recorded path when
 * none exists (the caller's load then says so). */
void ss_cli_resolve_log_scenario(const char *recorded, const char *log_path, char *out, size_t n);

/* Bridges from scenario probe settings to the renderer's settings (gain, TGC, DR, seed). */
void ss_cli_bmode_settings(const ss_scenario *sc, ss_bmode_settings *out);

/* The simulated needle as the renderer draws it (tip, direction, length, outer
 * diameter from the gauge): fills *out and returns it when a needle is placed, else
 * returns NULL (no needle in the picture). */
const ss_needle_geom *ss_cli_sim_needle(const ss_sim *sim, ss_needle_geom *out);

#endif

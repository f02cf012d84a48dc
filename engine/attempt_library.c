/* attempt_library.c: see attempt_library.h. */
#define _POSIX_C_SOURCE 200809L
#include "attempt_library.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "patient_case.h"
#include "session.h"
#include "session_script.h"
#include "spine_world.h"

const char *ss_attempt_group_name(ss_attempt_group g) { return g == SS_ATTEMPT_EXPERT ? "expert" : "novice"; }

static int ss__cmp_name(const void *a, const void *b)
{
    return strcmp(((const ss_scripted_attempt *)a)->name, ((const ss_scripted_attempt *)b)->name);
}

/* The "# key: value" header lines at the top of a script. */
static ss_status ss__header(ss_scripted_attempt *a)
{
    char *text;
    ss_status st = ss_file_read(a->path, 1 << 20, &text, NULL);
    if (st != SS_OK) return st;
    bool group = false;
    int line_no = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        line_no++;
        if (line[0] != '#') break;
        char key[32], value[SS_ATTEMPT_TEXT];
        if (sscanf(line, "# %31[a-z]: %319[^\n]", key, value) != 2) continue;
        if (strcmp(key, "group") == 0) {
            if (strcmp(value, "expert") == 0) a->group = SS_ATTEMPT_EXPERT;
            else if (strcmp(value, "novice") == 0) a->group = SS_ATTEMPT_NOVICE;
            else {
                free(text);
                return ss_error_set(SS_ERR_PARSE, "%s:%d: group \"%s\": expected expert or novice", a->path,
                                    line_no, value);
            }
            group = true;
        } else if (strcmp(key, "scenario") == 0) {
            snprintf(a->scenario, sizeof a->scenario, "%.255s", value);
        } else if (strcmp(key, "shows") == 0) {
            snprintf(a->shows, sizeof a->shows, "%s", value);
        }
    }
    free(text);
    if (!group || !a->scenario[0] || strchr(a->scenario, '/'))
        return ss_error_set(SS_ERR_PARSE,
                            "%s: expected a header of comment lines '# group: expert|novice' and "
                            "'# scenario: FILE.json' (a file of the scenario directory)",
                            a->path);
    return SS_OK;
}

ss_status ss_attempt_library_load(const char *dir, ss_attempt_library *out)
{
    memset(out, 0, sizeof *out);
    DIR *d = opendir(dir);
    if (!d) return ss_error_set(SS_ERR_IO, "attempt library %s: cannot open the directory", dir);
    out->a = calloc(SS_ATTEMPT_MAX, sizeof *out->a);
    if (!out->a) {
        closedir(d);
        return ss_error_set(SS_ERR_NOMEM, "attempt library: out of memory");
    }
    ss_status st = SS_OK;
    struct dirent *e;
    while ((e = readdir(d)) && st == SS_OK) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".txt") != 0 || e->d_name[0] == '.') continue;
        if (out->n == SS_ATTEMPT_MAX) {
            st = ss_error_set(SS_ERR_INVALID, "attempt library %s: more than %d attempts", dir, SS_ATTEMPT_MAX);
            break;
        }
        ss_scripted_attempt *a = &out->a[out->n];
        snprintf(a->path, sizeof a->path, "%s/%s", dir, e->d_name);
        snprintf(a->name, sizeof a->name, "%.*s", (int)(len - 4), e->d_name);
        st = ss__header(a);
        if (st == SS_OK) out->n++;
    }
    closedir(d);
    if (st == SS_OK && out->n == 0) st = ss_error_set(SS_ERR_INVALID, "attempt library %s: no attempts (*.txt)", dir);
    if (st != SS_OK) {
        ss_attempt_library_free(out);
        return st;
    }
    qsort(out->a, (size_t)out->n, sizeof *out->a, ss__cmp_name);
    return SS_OK;
}

ss_status ss_attempt_library_run(ss_scripted_attempt *a, const char *scenario_dir)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", scenario_dir, a->scenario);
    ss_case c;
    ss_status st = ss_case_load(path, NULL, &c);
    if (st != SS_OK) return ss_error_set(st, "%s: scenario %s: %s", a->path, path, ss_error_message());
    ss_script script;
    st = ss_script_load(a->path, &script);
    if (st != SS_OK) {
        ss_case_free(&c);
        return st;
    }
    ss_session_desc d = {.scenario = &c.scenario, .scenario_path = path, .mode = "practice"};
    ss_case_world(&c, &d.world);
    ss_session *s = NULL;
    st = ss_session_begin(&d, &s);
    if (st == SS_OK) {
        ss_grade g;
        ss_session_run_script(s, &script);
        st = ss_session_end(s, &a->metrics, &g);
        ss_session_free(s);
    }
    ss_script_free(&script);
    if (st == SS_OK) {
        /* the scenario stays for grading; the spine and any volume go */
        a->scenario_data = c.scenario;
        c.scenario = (ss_scenario){0};
        a->ran = true;
    }
    ss_case_free(&c);
    return st;
}

void ss_attempt_library_free(ss_attempt_library *lib)
{
    for (int i = 0; lib->a && i < lib->n; i++)
        if (lib->a[i].ran) ss_scenario_free(&lib->a[i].scenario_data);
    free(lib->a);
    *lib = (ss_attempt_library){0};
}

/* cli_args.c: see cli_args.h. */
#include "cli_args.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool ss__choice_ok(const char *choices, const char *v)
{
    size_t n = strlen(v);
    const char *p = choices;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, v, n) == 0) return true;
        if (!bar) break;
        p = bar + 1;
    }
    return false;
}

static bool ss__set(const char *cmd, const ss_opt *o, const char *v)
{
    char *end = NULL;
    switch (o->kind) {
    case SS_OPT_FLAG: *(bool *)o->dest = true; return true;
    case SS_OPT_STRING:
        if (!*v) {
            fprintf(stderr, "sonospine %s: %s: expected a value, got an empty string\n", cmd, o->name);
            return false;
        }
        *(const char **)o->dest = v;
        return true;
    case SS_OPT_CHOICE:
        if (!ss__choice_ok(o->choices, v)) {
            fprintf(stderr, "sonospine %s: %s: expected one of %s, got '%s'\n", cmd, o->name, o->choices, v);
            return false;
        }
        *(const char **)o->dest = v;
        return true;
    case SS_OPT_INT: {
        errno = 0;
        long x = strtol(v, &end, 10);
        if (errno || end == v || *end || x < o->min || x > o->max) {
            fprintf(stderr, "sonospine %s: %s: expected an integer from %.0f to %.0f, got '%s'\n", cmd, o->name,
                    o->min, o->max, v);
            return false;
        }
        *(int *)o->dest = (int)x;
        return true;
    }
    case SS_OPT_DOUBLE: {
        errno = 0;
        double x = strtod(v, &end);
        if (errno || end == v || *end || !isfinite(x) || x < o->min || x > o->max) {
            fprintf(stderr, "sonospine %s: %s: expected a number from %g to %g, got '%s'\n", cmd, o->name, o->min,
                    o->max, v);
            return false;
        }
        *(double *)o->dest = x;
        return true;
    }
    }
    return false;
}

bool ss_args_parse(const char *cmd, int argc, char **argv, const ss_opt *opts, int nopts, ss_args *out)
{
    memset(out, 0, sizeof *out);
    bool only_positional = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!only_positional && strcmp(a, "--") == 0) {
            only_positional = true;
            continue;
        }
        if (!only_positional && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            out->help = true;
            continue;
        }
        if (!only_positional && a[0] == '-' && a[1] != '\0') {
            /* --name=value or --name value */
            const char *eq = strchr(a, '=');
            size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
            const ss_opt *o = NULL;
            for (int k = 0; k < nopts; k++)
                if (strlen(opts[k].name) == nlen && strncmp(opts[k].name, a, nlen) == 0) o = &opts[k];
            if (!o) {
                fprintf(stderr, "sonospine %s: unknown option '%.*s' (see sonospine %s --help)\n", cmd, (int)nlen, a,
                        cmd);
                return false;
            }
            const char *v = NULL;
            if (o->kind == SS_OPT_FLAG) {
                if (eq) {
                    fprintf(stderr, "sonospine %s: %s takes no value\n", cmd, o->name);
                    return false;
                }
            } else if (eq) {
                v = eq + 1;
            } else if (i + 1 < argc) {
                v = argv[++i];
            } else {
                fprintf(stderr, "sonospine %s: %s: expected a value after it\n", cmd, o->name);
                return false;
            }
            if (!ss__set(cmd, o, v)) return false;
            continue;
        }
        if (out->npositional >= SS_MAX_POSITIONAL) {
            fprintf(stderr, "sonospine %s: too many arguments (at most %d)\n", cmd, SS_MAX_POSITIONAL);
            return false;
        }
        out->positional[out->npositional++] = a;
    }
    return true;
}

/* cli_args.h: option parsing for the subcommands of cli.c.
 *
 * Each command declares its options as a table of ss_opt; ss_args_parse() fills the
 * destinations, collects positional arguments, and on a bad option prints
 * "sonospine CMD: --flag: expected ..., got '...'" to stderr and returns false
 * (the caller exits 2). "--help"/"-h" sets *help.
 */
#ifndef SS_CLI_ARGS_H
#define SS_CLI_ARGS_H

#include <stdbool.h>

typedef enum ss_opt_kind {
    SS_OPT_FLAG,    /* bool, no value */
    SS_OPT_STRING,  /* const char * */
    SS_OPT_INT,     /* int within [min, max] */
    SS_OPT_DOUBLE,  /* double within [min, max], finite */
    SS_OPT_CHOICE   /* const char *, one of choices ("a|b|c") */
} ss_opt_kind;

typedef struct ss_opt {
    const char *name;       /* "--lines" */
    ss_opt_kind kind;
    void *dest;
    double min, max;        /* for INT/DOUBLE */
    const char *choices;    /* for CHOICE: "cpu|gpu|both" */
} ss_opt;

#define SS_MAX_POSITIONAL 64

typedef struct ss_args {
    const char *positional[SS_MAX_POSITIONAL];
    int npositional;
    bool help;
} ss_args;

bool ss_args_parse(const char *cmd, int argc, char **argv, const ss_opt *opts, int nopts, ss_args *out);

#endif

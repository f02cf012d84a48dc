/* cmd_verify.c: `sonospine verify LOG`: checks a session log's hash chain.
 * Exit 0 intact; 1 tampered (first bad line named) or incomplete (ends before its
 * seal: a crash or kill, not tampering, but not a finished attempt either); 2 unreadable. */
#include <stdio.h>

#include "cli.h"
#include "cli_args.h"
#include "commands.h"
#include "session_log.h"

int ss_cmd_verify(int argc, char **argv)
{
    ss_args args;
    if (!ss_args_parse("verify", argc, argv, NULL, 0, &args)) return SS_EXIT_USAGE;
    if (args.npositional != 1) {
        fprintf(stderr, "sonospine verify: expected one LOG file, got %d arguments\n", args.npositional);
        return SS_EXIT_USAGE;
    }
    const char *path = args.positional[0];
    ss_log_check c;
    if (ss_log_read(path, &c, NULL) != SS_OK) {
        fprintf(stderr, "sonospine verify: %s\n", ss_error_message());
        return SS_EXIT_USAGE;
    }
    switch (c.verdict) {
    case SS_LOG_INTACT:
        printf("%s: intact: %s\nlast hash %s\n", path, c.reason, c.last_hash);
        return SS_EXIT_OK;
    case SS_LOG_INCOMPLETE:
        printf("%s: incomplete (not tampered): %s\n", path, c.reason);
        return SS_EXIT_FAILED;
    case SS_LOG_TAMPERED:
        printf("%s: TAMPERED at line %ld: %s\n", path, c.bad_line, c.reason);
        return SS_EXIT_FAILED;
    }
    return SS_EXIT_FAILED;
}

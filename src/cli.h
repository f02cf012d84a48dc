/* cli.h: the sonospine command line (DESIGN.md "Command line").
 *
 * One table of subcommands, each with its --help text and a handler. Exit codes:
 * 0 ok, 1 the task failed (e.g. verification found tampering), 2 bad usage or bad
 * input file. Errors go to stderr. Commands not built yet say so and exit 2.
 */
#ifndef SS_CLI_H
#define SS_CLI_H

enum { SS_EXIT_OK = 0, SS_EXIT_FAILED = 1, SS_EXIT_USAGE = 2 };

/* Runs the program as `sonospine argv[1..]`; returns the process exit code. */
int ss_cli_main(int argc, char **argv);

#endif

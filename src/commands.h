/* commands.h: the handlers behind each `sonospine` subcommand (one file each,
 * src/cmd_*.c). A handler gets the arguments after the command name and returns the
 * exit code (cli.h). Their --help texts live in cli.c's table, beside the names. */
#ifndef SS_COMMANDS_H
#define SS_COMMANDS_H

int ss_cmd_doctor(int argc, char **argv);
int ss_cmd_validate(int argc, char **argv);
int ss_cmd_verify(int argc, char **argv);
int ss_cmd_render(int argc, char **argv);
int ss_cmd_run(int argc, char **argv);
int ss_cmd_replay(int argc, char **argv);
int ss_cmd_bench(int argc, char **argv);
int ss_cmd_anatomy(int argc, char **argv);
int ss_cmd_views(int argc, char **argv);
int ss_cmd_variants(int argc, char **argv);
int ss_cmd_preview(int argc, char **argv);
int ss_cmd_report(int argc, char **argv);
int ss_cmd_history(int argc, char **argv);
int ss_cmd_igtl(int argc, char **argv);
int ss_cmd_rubric_check(int argc, char **argv);
int ss_cmd_signer(int argc, char **argv);
int ss_cmd_xray(int argc, char **argv);

#endif

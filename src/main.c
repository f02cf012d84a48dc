/* main.c: the sonospine executable; everything lives in cli.c and below. */
#include "cli.h"

int main(int argc, char **argv) { return ss_cli_main(argc, argv); }

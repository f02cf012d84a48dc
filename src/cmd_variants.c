/* cmd_variants.c: `sonospine variants SCENARIO --count N --seed S -o DIR`: N valid
 * scenarios within the scenario's variant ranges (variants.h), reproducible for a seed,
 * each validated, and a summary table of what was varied (stdout and DIR/variants.tsv). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_args.h"
#include "cli_case.h"
#include "commands.h"
#include "variants.h"

int ss_cmd_variants(int argc, char **argv)
{
    int count = 0, seed = -1;
    const char *dir = NULL;
    const ss_opt opts[] = {
        {"--count", SS_OPT_INT, &count, 1, 1000, NULL},
        {"--seed", SS_OPT_INT, &seed, 0, 2147483647, NULL},
        {"-o", SS_OPT_STRING, &dir, 0, 0, NULL},
    };
    ss_args a;
    if (!ss_args_parse("variants", argc, argv, opts, 3, &a)) return SS_EXIT_USAGE;
    if (a.npositional != 1 || !count || seed < 0 || !dir) {
        fprintf(stderr, "sonospine variants: expected SCENARIO --count N --seed S -o DIR\n");
        return SS_EXIT_USAGE;
    }
    ss_scenario sc;
    ss_diag_list dl;
    ss_diag_list_init(&dl);
    if (ss_scenario_load(a.positional[0], &sc, &dl) != SS_OK) {
        if (dl.count) ss_cli_print_diags(&dl, a.positional[0]);
        else fprintf(stderr, "sonospine variants: %s\n", ss_error_message());
        ss_diag_list_free(&dl);
        return SS_EXIT_USAGE;
    }
    ss_diag_list_free(&dl);
    if (sc.nvariants == 0) {
        fprintf(stderr, "sonospine variants: %s has no \"variants\" section: nothing may be varied\n", sc.source);
        ss_scenario_free(&sc);
        return SS_EXIT_USAGE;
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "sonospine variants: -o %s: %s\n", dir, strerror(errno));
        ss_scenario_free(&sc);
        return SS_EXIT_FAILED;
    }
    char tsv_path[4200];
    snprintf(tsv_path, sizeof tsv_path, "%s/variants.tsv", dir);
    FILE *tsv = fopen(tsv_path, "w");
    if (!tsv) {
        fprintf(stderr, "sonospine variants: %s: %s\n", tsv_path, strerror(errno));
        ss_scenario_free(&sc);
        return SS_EXIT_FAILED;
    }
    fprintf(tsv, "file");
    printf("%-36s", "variant");
    for (int i = 0; i < sc.nvariants; i++) {
        fprintf(tsv, "\t%s", sc.variants[i].path);
        printf(" %22s", sc.variants[i].path);
    }
    fprintf(tsv, "\n");
    printf("\n");
    int code = SS_EXIT_OK;
    for (int k = 1; k <= count; k++) {
        ss_variant_result r;
        if (ss_variant_make(&sc, (uint32_t)seed, k, &r) != SS_OK) {
            fprintf(stderr, "sonospine variants: variant %d: %s\n", k, ss_error_message());
            code = SS_EXIT_FAILED;
            continue;
        }
        char path[4400];
        snprintf(path, sizeof path, "%s/%s.json", dir, r.id);
        FILE *f = fopen(path, "w");
        if (!f || fputs(r.json, f) < 0 || fputc('\n', f) < 0 || fclose(f) != 0) {
            fprintf(stderr, "sonospine variants: %s: %s\n", path, strerror(errno));
            code = SS_EXIT_FAILED;
        }
        fprintf(tsv, "%s.json", r.id);
        printf("%-36s", r.id);
        for (int i = 0; i < r.nvalues; i++) {
            fprintf(tsv, "\t%g", r.values[i].value);
            printf(" %22g", r.values[i].value);
        }
        fprintf(tsv, "\n");
        printf("\n");
        ss_variant_result_free(&r);
    }
    if (fclose(tsv) != 0) code = SS_EXIT_FAILED;
    printf("\n%d variants of %s (seed %d) in %s/, each validated; summary in %s\n", count, sc.id, seed, dir, tsv_path);
    ss_scenario_free(&sc);
    return code;
}

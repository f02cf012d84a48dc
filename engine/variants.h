/* variants.h: randomized variants of a scenario within the ranges its "variants" section
 * allows, for practice sets and fair exam pools.
 *
 * Variant k (1-based) of seed S draws every ranged parameter from a splitmix64 stream
 * seeded by (S, k): uniform in [min, max] (rounded to 0.1, or to a whole number for
 * integer fields) or one of the listed choices. The scenario's own JSON is copied and
 * changed in those places only; the variant gets id "<id>-s<S>-v<k>", its own speckle
 * seed, no variants section, and a $comment saying where it came from. When a BMI is
 * drawn for a patient whose height and weight are both given, the weight follows
 * (BMI x height^2) so the file stays consistent. Every variant is validated through
 * ss_scenario_parse(); a draw that makes an invalid scenario (a contradiction between
 * ranges) is redrawn, up to SS_VARIANT_MAX_DRAWS times. Same scenario, seed and k ->
 * byte-identical file. */
#ifndef SS_VARIANTS_H
#define SS_VARIANTS_H

#include <stdint.h>
#include <cjson/cJSON.h>

#include "scenario.h"

#define SS_VARIANT_MAX_DRAWS 20

typedef struct ss_variant_value {
    char path[SS_VARIANT_PATH_MAX];
    double value;
} ss_variant_value;

typedef struct ss_variant_result {
    char *json;              /* the variant file's text (free with free()) */
    char id[SS_SCENARIO_ID_MAX];
    ss_variant_value values[SS_SCENARIO_MAX_VARIANTS];
    int nvalues;
    int draws;               /* 1 unless redrawn */
} ss_variant_result;

/* Makes variant k of seed S. SS_ERR_INVALID when the scenario has no variant ranges, or
 * no valid draw was found (the reason names the last validation error). */
ss_status ss_variant_make(const ss_scenario *sc, uint32_t seed, int k, ss_variant_result *out);
void ss_variant_result_free(ss_variant_result *r);

#endif

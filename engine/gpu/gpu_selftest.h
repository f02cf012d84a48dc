/* gpu_selftest.h: runs shaders/selftest.comp on the current GL context and checks its
 * output against the same formula in C. Used by `sonospine doctor` and the GL tests. */
#ifndef SS_GPU_SELFTEST_H
#define SS_GPU_SELFTEST_H

#include "error.h"

typedef struct ss_gpu_selftest_result {
    int n;                  /* values computed */
    double max_rel_error;   /* largest |gpu - cpu| / cpu over all values */
    int tissue_count_gpu;   /* SS_TISSUE_COUNT as seen by the shader through the prelude */
} ss_gpu_selftest_result;

/* Needs a current GL 4.3 context. Returns SS_OK if the shader ran; the caller judges
 * the numbers (max_rel_error, tissue_count_gpu). */
ss_status ss_gpu_selftest(int n, ss_gpu_selftest_result *out);

/* The value the shader computes for element i, in double precision. */
double ss_gpu_selftest_expected(int i);

#endif

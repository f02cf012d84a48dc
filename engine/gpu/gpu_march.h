/* gpu_march.h: the bare volume march (shaders/bare_march.comp): one label fetch per
 * sample along given scan lines, nothing else. It is the baseline the benchmark
 * measures the full GPU renderer against, and a check that the GPU reads the volume
 * exactly as the CPU does (same voxel for the same point). Needs a GL 4.3 context. */
#ifndef SS_GPU_MARCH_H
#define SS_GPU_MARCH_H

#include <stdint.h>

#include "error.h"
#include "gpu_volume.h"

typedef struct ss_gpu_march ss_gpu_march;

/* Lines: origins (mm, patient frame) and unit directions, 3 floats each. */
ss_status ss_gpu_march_create(int lines, int samples, float sample_spacing_mm, const float *origins_mm,
                              const float *dirs, ss_gpu_march **out);
void ss_gpu_march_destroy(ss_gpu_march *m);

/* Runs the march once (asynchronously); ss_gpu_march_finish waits for it. */
ss_status ss_gpu_march_run(ss_gpu_march *m, const ss_gpu_volume *vol);
void ss_gpu_march_finish(void);

/* Reads back the labels (lines x samples, samples fastest). */
ss_status ss_gpu_march_read(ss_gpu_march *m, uint8_t *labels_out);

/* The voxel label the CPU finds at a point with the same rounding as the shader
 * (nearest voxel centre; 0 outside). */
uint8_t ss_gpu_march_cpu_label(const ss_volume *v, const float p_mm[3]);

#endif

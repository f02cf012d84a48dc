/* frame_stats.h: frame-time figures of the trainer window (--frame-stats FILE).
 * Records the time between successive presented frames and writes them with the
 * summary line DESIGN.md specifies, last:
 *     frames 1800 median 16.2 ms 61.7 fps p99 24.0 ms
 * (fps = 1000 / median). The trainer puts the live B-mode's figures before it:
 *     bmode frames 412 median_hz 21.3 p10_hz 15.2
 *     latency median 61.0 ms p90 88.4 ms It measures; it does not pace frames. */
#ifndef SS_TRAINER_FRAME_STATS_H
#define SS_TRAINER_FRAME_STATS_H

#include <stdio.h>

typedef struct ss_frame_stats {
    double *ms;
    int n, cap;
} ss_frame_stats;

void ss_frame_stats_add(ss_frame_stats *fs, double ms);
/* Median and 99th percentile (nearest rank); 0 when empty. */
void ss_frame_stats_summary(const ss_frame_stats *fs, double *median_ms, double *p99_ms);
/* Writes "# ..." comment lines from `header` (may be NULL), a histogram, the lines of
 * `figures` (may be NULL; e.g. the B-mode's rate and latency) and the summary line, last. */
int ss_frame_stats_write(const ss_frame_stats *fs, const char *path, const char *header, const char *figures);
void ss_frame_stats_free(ss_frame_stats *fs);

#endif

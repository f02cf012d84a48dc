/* frame_stats.c: see frame_stats.h. */
#include "frame_stats.h"

#include <stdlib.h>
#include <string.h>

void ss_frame_stats_add(ss_frame_stats *fs, double ms)
{
    if (fs->n == fs->cap) {
        int cap = fs->cap ? fs->cap * 2 : 1024;
        double *m = realloc(fs->ms, (size_t)cap * sizeof *m);
        if (!m) return;
        fs->ms = m;
        fs->cap = cap;
    }
    fs->ms[fs->n++] = ms;
}

static int ss__cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void ss_frame_stats_summary(const ss_frame_stats *fs, double *median_ms, double *p99_ms)
{
    *median_ms = *p99_ms = 0;
    if (fs->n == 0) return;
    double *s = malloc((size_t)fs->n * sizeof *s);
    if (!s) return;
    memcpy(s, fs->ms, (size_t)fs->n * sizeof *s);
    qsort(s, (size_t)fs->n, sizeof *s, ss__cmp);
    *median_ms = fs->n % 2 ? s[fs->n / 2] : 0.5 * (s[fs->n / 2 - 1] + s[fs->n / 2]);
    int k = (int)((fs->n * 99 + 99) / 100) - 1; /* nearest rank */
    *p99_ms = s[k < 0 ? 0 : k >= fs->n ? fs->n - 1 : k];
    free(s);
}

int ss_frame_stats_write(const ss_frame_stats *fs, const char *path, const char *header, const char *figures)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    if (header) fputs(header, f);
    static const double edges[] = {8, 16.7, 25, 33.3, 50, 100, 250, 1e30};
    int counts[8] = {0};
    for (int i = 0; i < fs->n; i++)
        for (int b = 0; b < 8; b++)
            if (fs->ms[i] <= edges[b]) {
                counts[b]++;
                break;
            }
    fprintf(f, "# frame time histogram (ms): <=8 %d, <=16.7 %d, <=25 %d, <=33.3 %d, <=50 %d, <=100 %d, <=250 %d, "
               ">250 %d\n",
            counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6], counts[7]);
    if (figures) fputs(figures, f);
    double med, p99;
    ss_frame_stats_summary(fs, &med, &p99);
    fprintf(f, "frames %d median %.1f ms %.1f fps p99 %.1f ms\n", fs->n, med, med > 0 ? 1000.0 / med : 0.0, p99);
    return fclose(f) == 0 ? 0 : -1;
}

void ss_frame_stats_free(ss_frame_stats *fs)
{
    free(fs->ms);
    memset(fs, 0, sizeof *fs);
}

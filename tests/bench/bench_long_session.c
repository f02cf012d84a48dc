/* bench_long_session.c: memory over a long session: a scripted attempt of N simulated
 * minutes (30 by default) at the fixed 100 Hz tick, headless, with the session log
 * written and signed as `sonospine run --log` does, and a CPU B-mode frame (the
 * trainer's 256 x 512, one frame reused as the trainer's worker reuses it) rendered
 * every F simulated seconds (1 by default; 0 = none). Samples the resident set
 * (/proc/self/statm) after the volume is built and at every simulated minute, and
 * prints start, peak and end RSS and the least-squares slope over the minutes.
 *
 * usage: bench_long_session [SCENARIO] [--minutes N] [--frame-every S] [--log FILE]
 *
 * The script: the paper's technique at L3-L4 (view, frame, advance until the dura pops,
 * stylet out, inject 5 ml, needle out) in the first three minutes, then the probe
 * slid 1 mm up and down the spine every 0.5 s (a trainee scanning) until the end.
 * The engine only: no window, no GL (the trainer's UI is not exercised).
 * Not a test: it asserts nothing; its figures go to the README ("Reliability").
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bmode_cpu.h"
#include "patient_case.h"
#include "session.h"
#include "session_script.h"
#include "sim.h"
#include "spine_world.h"

static double rss_mb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = 0;
        fclose(f);
    }
    return (double)resident * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static char *make_script(int minutes)
{
    size_t cap = 64 + (size_t)minutes * 120 * 40 + 512;
    char *s = malloc(cap);
    if (!s) return NULL;
    size_t n = (size_t)snprintf(s, cap,
                                "0.0 probe.view L3-L4 near-spinous right\n1.0 guide.attach auto\n2.0 needle.enter\n"
                                "3.0 needle.advance-until dura_pop 80 2\n60.0 stylet.remove\n62.0 inject 5\n"
                                "170.0 needle.remove\n");
    for (int i = 0; 180.0 + 0.5 * i < minutes * 60.0 - 1.0; i++)
        n += (size_t)snprintf(s + n, cap - n, "%.1f probe.move 0 0 %s\n", 180.0 + 0.5 * i, i % 2 ? "-1" : "1");
    snprintf(s + n, cap - n, "%.1f end\n", minutes * 60.0 + 1.0); /* after the last minute's sample */
    return s;
}

int main(int argc, char **argv)
{
    const char *scenario_path = NULL, *log_arg = NULL;
    int minutes = 30;
    double frame_every_s = 1.0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--minutes") && i + 1 < argc) minutes = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--frame-every") && i + 1 < argc) frame_every_s = atof(argv[++i]);
        else if (!strcmp(argv[i], "--log") && i + 1 < argc) log_arg = argv[++i];
        else if (argv[i][0] != '-' && !scenario_path) scenario_path = argv[i];
        else {
            fprintf(stderr, "usage: %s [SCENARIO] [--minutes N] [--frame-every S] [--log FILE]\n", argv[0]);
            return 2;
        }
    }
    if (minutes < 4 || minutes > 600 || frame_every_s < 0) {
        fprintf(stderr, "bench_long_session: --minutes from 4 to 600, --frame-every >= 0\n");
        return 2;
    }
    if (!scenario_path) scenario_path = SONOSPINE_SOURCE_DIR "/scenarios/normal-adult.json";
    char log_path[1024];
    if (log_arg) snprintf(log_path, sizeof log_path, "%s", log_arg);
    else snprintf(log_path, sizeof log_path, "/tmp/bench-long-session-%ld.jsonl", (long)getpid());

    double rss0 = rss_mb();
    ss_case cs;
    if (ss_case_load(scenario_path, NULL, &cs) != SS_OK) {
        fprintf(stderr, "bench_long_session: %s\n", ss_error_message());
        return 2;
    }
    const ss_volume *vol = NULL;
    if (frame_every_s > 0 && ss_case_volume(&cs, 0.5f, &vol) != SS_OK) {
        fprintf(stderr, "bench_long_session: %s\n", ss_error_message());
        return 1;
    }
    char *text = make_script(minutes);
    ss_script script;
    if (!text || ss_script_parse(text, "long-session", &script) != SS_OK) {
        fprintf(stderr, "bench_long_session: script: %s\n", ss_error_message());
        return 1;
    }
    free(text);
    ss_session_desc d = {.scenario = &cs.scenario, .scenario_path = cs.path, .log_path = log_path, .mode = "practice"};
    ss_spine_world(cs.spine, &d.world);
    ss_session *session;
    if (ss_session_begin(&d, &session) != SS_OK) {
        fprintf(stderr, "bench_long_session: %s\n", ss_error_message());
        return 1;
    }
    ss_sim *sim = ss_session_sim(session);
    ss_probe probe;
    ss_scenario_probe(&cs.scenario, &probe);
    probe.lines = 256;
    probe.samples = 512;
    ss_bmode_settings bs;
    ss_bmode_settings_default(&bs);
    bs.seed = cs.scenario.seed;
    ss_bmode_frame frame = {0};

    double start_rss = rss_mb();
    printf("long session: %s, %d simulated minutes at %.0f Hz, B-mode %dx%d every %.2f s, log %s\n", cs.path, minutes,
           1.0 / SS_SIM_TICK_S, probe.lines, probe.samples, frame_every_s, log_path);
    printf("rss before loading %.1f MB, after the case (volume) and session start %.1f MB\n", rss0, start_rss);
    printf("minute  rss_mb  frames  log_kb  wall_s\n");
    double t0 = now_s();
    double samples_rss[601];
    int nsamples = 0;
    double peak = start_rss;
    long frames = 0, frame_every_ticks = frame_every_s > 0 ? (long)(frame_every_s / SS_SIM_TICK_S + 0.5) : 0;
    long ticks_per_min = (long)(60.0 / SS_SIM_TICK_S + 0.5);
    long max_ticks = (long)minutes * ticks_per_min;
    size_t next = 0;
    int render_failures = 0;
    while (!ss_sim_get_state(sim)->ended) {
        const ss_sim_state *st = ss_sim_get_state(sim);
        /* the scheduling rule of ss_sim_run_script, one tick at a time */
        while (next < script.count && !ss_sim_busy(sim) && script.cmds[next].t_s <= st->t_s + 1e-9) {
            ss_sim_command(sim, &script.cmds[next]);
            next++;
            if (ss_sim_get_state(sim)->ended) break;
        }
        if (ss_sim_get_state(sim)->ended || st->tick >= max_ticks) break;
        ss_sim_step(sim);
        st = ss_sim_get_state(sim);
        if (frame_every_ticks && st->tick % frame_every_ticks == 0 && st->probe_on_skin) {
            ss_needle_geom needle;
            ss_bmode_scene scene = {.volume = vol};
            if (st->needle_placed) {
                ss_sim_needle_geom(sim, needle.tip_mm, needle.dir, &needle.length_mm);
                needle.outer_diameter_mm = (float)ss_needle_outer_diameter_mm(st->needle.spec.gauge);
                scene.needle = &needle;
            }
            if (ss_bmode_cpu_render(&scene, &probe, &st->pose, &bs, &frame) == SS_OK) frames++;
            else render_failures++;
        }
        if (st->tick % ticks_per_min == 0) {
            double r = rss_mb();
            if (r > peak) peak = r;
            samples_rss[nsamples++] = r;
            FILE *lf = fopen(log_path, "rb");
            long log_bytes = 0;
            if (lf) {
                fseek(lf, 0, SEEK_END);
                log_bytes = ftell(lf);
                fclose(lf);
            }
            printf("%6ld  %6.1f  %6ld  %6ld  %6.1f\n", st->tick / ticks_per_min, r, frames, log_bytes / 1024,
                   now_s() - t0);
            fflush(stdout);
        }
    }
    ss_metrics m;
    ss_grade g;
    ss_status end_st = ss_session_end(session, &m, &g);
    double end_rss = rss_mb();
    if (end_rss > peak) peak = end_rss;
    double wall = now_s() - t0;
    /* least-squares slope of RSS over minutes 1..N (MB per simulated minute) */
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < nsamples; i++) {
        double x = i + 1, y = samples_rss[i];
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
    }
    double slope = nsamples > 1 ? (nsamples * sxy - sx * sy) / (nsamples * sxx - sx * sx) : 0.0;
    double after5 = nsamples > 5 ? samples_rss[4] : start_rss;
    printf("result: success %s, %d insertions, score %.0f; log %s (%s)\n", m.success ? "yes" : "no", m.insertions,
           g.score, log_path, end_st == SS_OK ? "sealed and signed" : ss_error_message());
    printf("rss start %.1f MB, peak %.1f MB, end %.1f MB; minute 5 -> minute %d: %+.2f MB; slope %+.4f MB/min; "
           "%ld frames (%d failed), %ld ticks, %.1f s wall\n",
           start_rss, peak, end_rss, nsamples, nsamples ? samples_rss[nsamples - 1] - after5 : 0.0, slope, frames,
           render_failures, ss_sim_get_state(sim)->tick, wall);
    ss_bmode_frame_free(&frame);
    ss_session_free(session);
    ss_script_free(&script);
    ss_case_free(&cs);
    if (!log_arg) remove(log_path);
    return end_st == SS_OK && render_failures == 0 ? 0 : 1;
}

/* cmd_igtl.c: `sonospine igtl`: an OpenIGTLink server (docs/igtl.md). The simulation runs
 * in real time at its 100 Hz tick; tracked probe and needle poses received as TRANSFORM
 * messages become session-script commands (igtl/igtl_track.h), logged like any other
 * session's; the B-mode image (the CPU reference renderer, the very frame `render`
 * makes for the same pose) goes out as IMAGE messages at the frame rate with the poses
 * as TRANSFORMs and the events as STRINGs. The network never blocks the loop
 * (igtl/igtl_server.h). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bmode_cpu.h"
#include "cli.h"
#include "log_signer.h"
#include "cli_args.h"
#include "cli_case.h"
#include "commands.h"
#include "igtl/igtl_server.h"
#include "igtl/igtl_track.h"
#include "patient.h"
#include "session.h"
#include "spine_world.h"
#include "tissue.h"

static volatile sig_atomic_t ss__stop;

static void ss__on_signal(int sig)
{
    (void)sig;
    ss__stop = 1;
}

static double ss__now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

enum { SS__MAX_UNKNOWN = 16 };

typedef struct ss__igtl_app {
    ss_igtl_server *server;
    ss_igtl_track track;
    ss_session *session;
    const char *probe_name, *needle_name;
    bool quiet;
    long unknown_devices;
    char unknown[SS__MAX_UNKNOWN][21]; /* TRANSFORM names ignored, each said once */
    int nunknown;
} ss__igtl_app;

static void ss__on_transform(void *user, const char *device, const float m[12])
{
    ss__igtl_app *a = user;
    if (strcmp(device, a->probe_name) == 0) {
        ss_igtl_track_set_probe(&a->track, m);
    } else if (strcmp(device, a->needle_name) == 0) {
        ss_igtl_track_set_needle(&a->track, m);
    } else {
        /* said once per name: trackers stream many tools, each many times a second */
        for (int i = 0; i < a->nunknown; i++)
            if (strcmp(a->unknown[i], device) == 0) return;
        if (a->nunknown == SS__MAX_UNKNOWN) return; /* the first ones were named; enough */
        snprintf(a->unknown[a->nunknown++], sizeof a->unknown[0], "%s", device);
        fprintf(stderr, "sonospine igtl: TRANSFORM '%s' ignored (the probe is '%s', the needle '%s')\n", device,
                a->probe_name, a->needle_name);
    }
}

static bool ss__issue(void *user, const ss_script_cmd *cmd)
{
    ss__igtl_app *a = user;
    return ss_sim_command(ss_session_sim(a->session), cmd);
}

static void ss__on_event(void *user, const ss_event *e)
{
    ss__igtl_app *a = user;
    char text[256];
    int n = snprintf(text, sizeof text, "%s t=%.2f", ss_event_name(e->type), e->t_s);
    if (e->tissue > 0 && n < (int)sizeof text)
        n += snprintf(text + n, sizeof text - (size_t)n, " tissue=%s", ss_tissue_get(e->tissue)->name);
    if (e->level >= 0 && n < (int)sizeof text)
        n += snprintf(text + n, sizeof text - (size_t)n, " level=%s", ss_level_name(e->level));
    if (n < (int)sizeof text)
        snprintf(text + n, sizeof text - (size_t)n, " depth_mm=%.1f pos_mm=%.1f,%.1f,%.1f", e->depth_mm,
                 e->pos_mm[0], e->pos_mm[1], e->pos_mm[2]);
    if (!a->quiet && e->type != SS_EV_LAYER_ENTER) printf("  %s\n", text);
    if (a->server) ss_igtl_server_send_string(a->server, SS_IGTL_EVENT_DEVICE, text);
}

int ss_cmd_igtl(int argc, char **argv)
{
    int port = SS_IGTL_DEFAULT_PORT, max_frames = 0, lines = 0, samples = 0;
    double fps = 10, duration = 0;
    const char *bind_addr = "127.0.0.1", *level_s = NULL, *view_s = "near-spinous", *side_s = "right",
               *log_path = NULL, *probe_name = SS_IGTL_PROBE_DEVICE, *needle_name = SS_IGTL_NEEDLE_DEVICE,
               *axis_s = "+x";
    bool quiet = false;
    const ss_opt opts[] = {
        {"--port", SS_OPT_INT, &port, 0, 65535, NULL},
        {"--bind", SS_OPT_STRING, &bind_addr, 0, 0, NULL},
        {"--level", SS_OPT_STRING, &level_s, 0, 0, NULL},
        {"--view", SS_OPT_CHOICE, &view_s, 0, 0,
         "spinous|near-spinous|parasagittal-oblique|transverse-interlaminar|transverse-spinous"},
        {"--side", SS_OPT_CHOICE, &side_s, 0, 0, "left|right"},
        {"--fps", SS_OPT_DOUBLE, &fps, 0.1, 60, NULL},
        {"--max-frames", SS_OPT_INT, &max_frames, 1, 1e9, NULL},
        {"--duration", SS_OPT_DOUBLE, &duration, 0.01, 1e7, NULL},
        {"--lines", SS_OPT_INT, &lines, 16, 1024, NULL},
        {"--samples", SS_OPT_INT, &samples, 64, 8192, NULL},
        {"--log", SS_OPT_STRING, &log_path, 0, 0, NULL},
        {"--probe-name", SS_OPT_STRING, &probe_name, 0, 0, NULL},
        {"--needle-name", SS_OPT_STRING, &needle_name, 0, 0, NULL},
        {"--needle-axis", SS_OPT_CHOICE, &axis_s, 0, 0, "+x|-x|+y|-y|+z|-z"},
        {"--quiet", SS_OPT_FLAG, &quiet, 0, 0, NULL},
    };
    ss_args a;
    if (!ss_args_parse("igtl", argc, argv, opts, (int)(sizeof opts / sizeof opts[0]), &a)) return SS_EXIT_USAGE;
    if (a.npositional != 1) {
        fprintf(stderr, "sonospine igtl: expected one SCENARIO, got %d\n", a.npositional);
        return SS_EXIT_USAGE;
    }
    if (strlen(probe_name) > 20 || strlen(needle_name) > 20 || !probe_name[0] || !needle_name[0]) {
        fprintf(stderr, "sonospine igtl: --probe-name/--needle-name: expected 1 to 20 characters (an OpenIGTLink "
                        "device name)\n");
        return SS_EXIT_USAGE;
    }
    ss_case cs;
    int rc = ss_cli_load_case("igtl", a.positional[0], &cs);
    if (rc) return rc;
    int level = cs.scenario.task.n_expected_interspaces > 0 ? cs.scenario.task.expected_interspaces[0] : 3;
    if (level_s) {
        level = ss_level_from_name(level_s);
        if (level < 0) {
            fprintf(stderr, "sonospine igtl: --level: expected L1-L2, L2-L3, L3-L4, L4-L5 or L5-S1, got '%s'\n",
                    level_s);
            ss_case_free(&cs);
            return SS_EXIT_USAGE;
        }
    }
    int code = SS_EXIT_FAILED;
    ss_probe probe;
    ss_scenario_probe(&cs.scenario, &probe);
    if (lines) probe.lines = lines;
    if (samples) probe.samples = samples;
    ss_bmode_settings settings;
    ss_cli_bmode_settings(&cs.scenario, &settings);
    const ss_volume *vol;
    if (ss_probe_validate(&probe) != SS_OK || ss_case_volume(&cs, 0.5f, &vol) != SS_OK) {
        fprintf(stderr, "sonospine igtl: %s\n", ss_error_message());
        ss_case_free(&cs);
        return SS_EXIT_FAILED;
    }

    ss__igtl_app app = {.probe_name = probe_name, .needle_name = needle_name, .quiet = quiet};
    ss_session_desc d = {.scenario = &cs.scenario, .scenario_path = cs.path, .log_path = log_path,
                         .signer_socket = log_path ? ss_signer_in_use() : NULL,
                         .mode = "practice", .extra_sink = {ss__on_event, &app}};
    ss_case_world(&cs, &d.world);
    ss_igtl_track_desc td = {.world = d.world, .freehand_allowed = cs.scenario.task.freehand_allowed,
                             .needle_axis = ss_igtl_axis_from_name(axis_s), .level = level,
                             .side_right = strcmp(side_s, "right") == 0};
    ss_igtl_track_init(&app.track, &td);
    if (ss_igtl_server_open(bind_addr, port, "sonospine igtl", &app.server) != SS_OK) {
        fprintf(stderr, "sonospine igtl: %s\n", ss_error_message());
        ss_case_free(&cs);
        return SS_EXIT_FAILED;
    }
    if (ss_session_begin(&d, &app.session) != SS_OK) {
        fprintf(stderr, "sonospine igtl: %s\n", ss_error_message());
        ss_igtl_server_close(app.server);
        ss_case_free(&cs);
        return SS_EXIT_FAILED;
    }
    ss_sim *sim = ss_session_sim(app.session);
    ss_bmode_frame frame = {0};
    long frames = 0;
    printf("sonospine igtl: %s (%s), %s %s %s; %d x %d samples at up to %.1f fps\n", cs.path, cs.scenario.title,
           ss_level_name(level), view_s, side_s, probe.lines, probe.samples, fps);
    /* the starting pose, as a logged command like every other */
    ss_script_cmd start;
    memset(&start, 0, sizeof start);
    start.op = SS_OP_PROBE_VIEW;
    start.level = level;
    start.view = (ss_view)ss_view_from_name(view_s);
    start.side_right = strcmp(side_s, "right") == 0;
    if (!ss_sim_command(sim, &start)) {
        fprintf(stderr, "sonospine igtl: starting pose %s %s: %s\n", ss_level_name(level), view_s,
                ss_sim_get_state(sim)->note);
        goto end;
    }
    /* Handlers before the port is announced: a supervisor may stop the server as soon
     * as it sees the line, and the attempt must still be graded and its log sealed. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = ss__on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* sends use MSG_NOSIGNAL as well */
    printf("listening on port %d\n", ss_igtl_server_port(app.server));
    fflush(stdout);

    ss_needle_geom needle;
    long notes_seen = 0;
    double t0 = ss__now_s(), next_frame = t0;
    code = SS_EXIT_OK;
    while (!ss__stop) {
        double now = ss__now_s();
        if (duration > 0 && now - t0 >= duration) break;
        if (max_frames > 0 && frames >= max_frames) break;
        /* the simulation catches up with the wall clock, at most one second at a time */
        long target = (long)((now - t0) / SS_SIM_TICK_S);
        for (int k = 0; k < 100 && ss_sim_get_state(sim)->tick < target && !ss_sim_get_state(sim)->ended; k++) {
            ss_igtl_track_poll(&app.track, sim, ss__issue, &app);
            ss_sim_step(sim);
        }
        if (ss_sim_get_state(sim)->ended) break;
        if (app.track.notes != notes_seen) {
            notes_seen = app.track.notes;
            fprintf(stderr, "sonospine igtl: %s\n", app.track.note);
            ss_igtl_server_send_string(app.server, SS_IGTL_NOTE_DEVICE, app.track.note);
        }
        now = ss__now_s();
        if (now >= next_frame && ss_igtl_server_client_count(app.server) > 0) {
            const ss_sim_state *st = ss_sim_get_state(sim);
            /* the patient's posture, once the scan has settled it (sim.h): built on first use */
            if (st->unflexed && ss_case_volume_posed(&cs, true, 0.5f, &vol) != SS_OK) {
                fprintf(stderr, "sonospine igtl: the unflexed patient's volume: %s\n", ss_error_message());
                code = SS_EXIT_FAILED;
                break;
            }
            ss_bmode_scene scene = {.volume = vol, .needle = ss_cli_sim_needle(sim, &needle)};
            if (ss_bmode_cpu_render(&scene, &probe, &st->pose, &settings, &frame) != SS_OK) {
                fprintf(stderr, "sonospine igtl: render: %s\n", ss_error_message());
                code = SS_EXIT_FAILED;
                break;
            }
            double ijk[3][4];
            ss_igtl_image_matrix(&st->pose, &frame.geom, ijk);
            float m[12];
            ss_igtl_probe_transform(&st->pose, m);
            ss_igtl_server_send_transform(app.server, SS_IGTL_SIM_PROBE_DEVICE, m);
            if (ss_igtl_needle_transform(sim, td.needle_axis, m)) ss_igtl_server_send_transform(app.server, SS_IGTL_SIM_NEEDLE_DEVICE, m);
            ss_igtl_server_send_image(app.server, SS_IGTL_IMAGE_DEVICE, frame.image.pixels, frame.image.width,
                                      frame.image.height, ijk);
            frames++;
            next_frame += 1.0 / fps;
            now = ss__now_s();
            if (next_frame < now) next_frame = now; /* rendering is slower than --fps: as fast as it goes */
        }
        /* wait for the network until the next tick is due (never longer) */
        double next_tick = t0 + (double)(ss_sim_get_state(sim)->tick + 1) * SS_SIM_TICK_S;
        int wait_ms = (int)ceil((next_tick - ss__now_s()) * 1000.0);
        if (wait_ms < 0) wait_ms = 0;
        if (wait_ms > 10) wait_ms = 10;
        ss_igtl_server_service(app.server, wait_ms, ss__on_transform, &app);
    }
end:
    ss_bmode_frame_free(&frame);
    ss_igtl_stats stats;
    ss_igtl_server_stats(app.server, &stats);
    ss_igtl_server_close(app.server);
    app.server = NULL;
    ss_metrics mt;
    ss_grade g;
    if (ss_session_end(app.session, &mt, &g) != SS_OK) {
        fprintf(stderr, "sonospine igtl: the session log %s could not be completed: %s\n", log_path,
                ss_error_message());
        code = SS_EXIT_FAILED;
    }
    ss_session_free(app.session);
    printf("sonospine igtl: %ld frames rendered, %ld images sent, %ld dropped for slow clients, %ld transforms "
           "received, %ld messages rejected, %ld clients dropped; %s, score %.0f/100\n",
           frames, stats.images_sent, stats.images_dropped, stats.transforms_received, stats.messages_rejected,
           stats.clients_dropped, mt.success ? "drug in the CSF" : "drug not in the CSF", g.score);
    if (log_path) printf("log      %s\n", log_path);
    ss_case_free(&cs);
    return code;
}

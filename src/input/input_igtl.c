/* input_igtl.c: OpenIGTLink tracked tools as an input device (see input.h and
 * docs/igtl.md). A non-blocking server (igtl/igtl_server.h) is serviced once a tick
 * without waiting; the latest ProbeToReference and NeedleToReference poses become the
 * same logged session-script commands `sonospine igtl` issues (igtl/igtl_track.h), and
 * the simulation's probe and needle poses and events go back to the clients. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "igtl/igtl_server.h"
#include "igtl/igtl_track.h"
#include "input.h"
#include "spine_world.h"

typedef struct ss__igtl_dev {
    ss_igtl_server *server;
    ss_igtl_track track;
    const ss_case *const *cs;
    const ss_case *cs_seen;
    long ticks, notes_seen;
} ss__igtl_dev;

static void ss__igtl_on_transform(void *user, const char *device, const float m[12])
{
    ss__igtl_dev *d = user;
    if (strcmp(device, SS_IGTL_PROBE_DEVICE) == 0) ss_igtl_track_set_probe(&d->track, m);
    else if (strcmp(device, SS_IGTL_NEEDLE_DEVICE) == 0) ss_igtl_track_set_needle(&d->track, m);
}

static void ss__igtl_poll(void *self, const ss_input_tick *tick, const ss_input_sink *sink)
{
    ss__igtl_dev *d = self;
    if (*d->cs != d->cs_seen) {
        /* a new scenario: its world and rules; poses from before it are forgotten */
        ss_igtl_track_desc td = d->track.d;
        d->cs_seen = *d->cs;
        ss_case_world(d->cs_seen, &td.world);
        td.freehand_allowed = d->cs_seen->scenario.task.freehand_allowed;
        ss_igtl_track_init(&d->track, &td);
    }
    d->track.d.level = tick->level;
    ss_igtl_server_service(d->server, 0, ss__igtl_on_transform, d);
    ss_igtl_track_poll(&d->track, tick->sim, sink->issue, sink->user);
    if (d->track.notes != d->notes_seen) {
        d->notes_seen = d->track.notes;
        ss_igtl_server_send_string(d->server, SS_IGTL_NOTE_DEVICE, d->track.note);
    }
    /* the poses back at 20 Hz */
    if (d->ticks++ % 5 == 0 && ss_igtl_server_client_count(d->server) > 0) {
        const ss_sim_state *st = ss_sim_get_state(tick->sim);
        float m[12];
        if (st->probe_on_skin) {
            ss_igtl_probe_transform(&st->pose, m);
            ss_igtl_server_send_transform(d->server, SS_IGTL_SIM_PROBE_DEVICE, m);
        }
        if (ss_igtl_needle_transform(tick->sim, d->track.d.needle_axis, m))
            ss_igtl_server_send_transform(d->server, SS_IGTL_SIM_NEEDLE_DEVICE, m);
    }
}

static void ss__igtl_feedback(void *self, const ss_input_feedback *fb)
{
    ss__igtl_dev *d = self;
    for (int i = 0; i < fb->nevents; i++) {
        const ss_event *e = &fb->events[i];
        if (e->type == SS_EV_LAYER_ENTER) continue;
        char text[128];
        snprintf(text, sizeof text, "%s t=%.2f depth_mm=%.1f", ss_event_name(e->type), e->t_s, e->depth_mm);
        ss_igtl_server_send_string(d->server, SS_IGTL_EVENT_DEVICE, text);
    }
}

static void ss__igtl_destroy(void *self)
{
    ss__igtl_dev *d = self;
    ss_igtl_server_close(d->server);
    free(d);
}

bool ss_input_igtl_create(const ss_case *const *cs, const char *bind_addr, int port, int needle_axis,
                          ss_input_device *out)
{
    memset(out, 0, sizeof *out);
    ss__igtl_dev *d = calloc(1, sizeof *d);
    if (!d) return ss_error_set(SS_ERR_NOMEM, "out of memory") == SS_OK;
    if (ss_igtl_server_open(bind_addr, port, "sonospine run: OpenIGTLink", &d->server) != SS_OK) {
        free(d);
        return false;
    }
    d->cs = cs;
    ss_igtl_track_desc td = {.needle_axis = needle_axis, .side_right = true, .level = 3};
    d->cs_seen = *cs;
    ss_case_world(*cs, &td.world);
    td.freehand_allowed = (*cs)->scenario.task.freehand_allowed;
    ss_igtl_track_init(&d->track, &td);
    out->name = "igtl";
    out->self = d;
    out->poll = ss__igtl_poll;
    out->feedback = ss__igtl_feedback;
    out->destroy = ss__igtl_destroy;
    return true;
}

int ss_input_igtl_port(const ss_input_device *dev)
{
    const ss__igtl_dev *d = dev->self;
    return d ? ss_igtl_server_port(d->server) : -1;
}

bool ss_input_igtl_from_env(ss_input_hub *hub, const ss_case *const *cs)
{
    const char *p = getenv("SONOSPINE_IGTL_PORT");
    if (!p || !*p) return true;
    char *end;
    long port = strtol(p, &end, 10);
    if (*end || port < 0 || port > 65535) {
        fprintf(stderr, "sonospine run: SONOSPINE_IGTL_PORT: expected a port number 0..65535, got '%s'\n", p);
        return false;
    }
    const char *bind_addr = getenv("SONOSPINE_IGTL_BIND");
    const char *axis_s = getenv("SONOSPINE_IGTL_NEEDLE_AXIS");
    int axis = axis_s && *axis_s ? ss_igtl_axis_from_name(axis_s) : 0;
    if (axis < 0) {
        fprintf(stderr, "sonospine run: SONOSPINE_IGTL_NEEDLE_AXIS: expected +x, -x, +y, -y, +z or -z, got '%s'\n",
                axis_s);
        return false;
    }
    ss_input_device dev;
    if (!ss_input_igtl_create(cs, bind_addr && *bind_addr ? bind_addr : "127.0.0.1", (int)port, axis, &dev)) {
        fprintf(stderr, "sonospine run: SONOSPINE_IGTL_PORT: %s\n", ss_error_message());
        return false;
    }
    int actual = ss_input_igtl_port(&dev);
    if (!ss_input_hub_add(hub, dev)) {
        fprintf(stderr, "sonospine run: OpenIGTLink: no room for another input device\n");
        return false;
    }
    printf("OpenIGTLink tracked tools: listening on port %d (ProbeToReference, NeedleToReference)\n", actual);
    fflush(stdout);
    return true;
}

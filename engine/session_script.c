/* session_script.c: parser for the scripted-trainee format (see session_script.h). */
#define _POSIX_C_SOURCE 200809L
#include "session_script.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "paths.h"
#include "patient.h"
#include "preparation.h"

enum { SS_SCRIPT_MAX_BYTES = 4 << 20 };

typedef struct ss__op_spec {
    const char *name;
    int nargs;             /* numeric arguments (after special ones) */
    const char *args_help; /* for messages */
} ss__op_spec;

static const ss__op_spec ss__ops[SS_OP_COUNT] = {
    [SS_OP_PROBE_VIEW] = {"probe.view", 0, "LEVEL|note VIEW [left|right]"},
    [SS_OP_PROBE_MOVE] = {"probe.move", 3, "DX DY DZ (mm)"},
    [SS_OP_PROBE_ROTATE] = {"probe.rotate", 3, "YAW PITCH ROLL (deg)"},
    [SS_OP_PROBE_PLAN] = {"probe.plan", 0, ""},
    [SS_OP_GUIDE_ATTACH] = {"guide.attach", 0, "auto|note|ANGLE_DEG"},
    [SS_OP_GUIDE_DETACH] = {"guide.detach", 0, ""},
    [SS_OP_NEEDLE_ENTER] = {"needle.enter", 0, ""},
    [SS_OP_NEEDLE_PLACE] = {"needle.place", 6, "X Y Z DX DY DZ"},
    [SS_OP_NEEDLE_ADVANCE] = {"needle.advance", 2, "MM MM_PER_S"},
    [SS_OP_NEEDLE_WITHDRAW] = {"needle.withdraw", 2, "MM MM_PER_S"},
    [SS_OP_NEEDLE_ADVANCE_UNTIL] = {"needle.advance-until", 2, "EVENT MAX_MM MM_PER_S"},
    [SS_OP_NEEDLE_REMOVE] = {"needle.remove", 0, ""},
    [SS_OP_STYLET_REMOVE] = {"stylet.remove", 0, ""},
    [SS_OP_STYLET_REPLACE] = {"stylet.replace", 0, ""},
    [SS_OP_INJECT] = {"inject", 1, "ML"},
    [SS_OP_ESCALATE_CT] = {"escalate.ct", 0, ""},
    [SS_OP_XRAY_COBB] = {"xray.cobb", 1, "DEG"},
    [SS_OP_XRAY_NASH_MOE] = {"xray.nash-moe", 0, "GRADE (0, I, II, III or IV)"},
    [SS_OP_LEVEL_CHOOSE] = {"level.choose", 0, "LEVEL (L1-L2 ... L5-S1, or note)"},
    [SS_OP_NOTE] = {"note", 0, "LEVEL [FRAME_ANGLE_DEG]"},
    [SS_OP_NEEDLE_LANDMARK] = {"needle.landmark", 1, "LEVEL CRANIAL_DEG"},
    [SS_OP_CHECK] = {"check", 0,
                     "ITEM (consent, coagulation, infection, allergy, position, sterile-cover, couplant or "
                     "local-anaesthetic)"},
    [SS_OP_END] = {"end", 0, ""},
};

static const char *const ss__views[SS_VIEW_COUNT] = {"spinous", "near-spinous", "parasagittal-oblique",
                                                     "transverse-interlaminar", "transverse-spinous"};


int ss_script_prep_commands(const ss_prep_inputs *in, double t_s, ss_script_cmd *out, int max)
{
    int n = 0;
    ss_script_cmd c;
    memset(&c, 0, sizeof c);
    c.t_s = t_s;
    c.side_right = 1;
    if (!isnan(in->cobb_deg) && n < max) {
        out[n] = c;
        out[n].op = SS_OP_XRAY_COBB;
        out[n++].args[0] = in->cobb_deg;
    }
    if (in->nash_moe >= 0 && n < max) {
        out[n] = c;
        out[n].op = SS_OP_XRAY_NASH_MOE;
        out[n++].args[0] = in->nash_moe;
    }
    if (in->level >= 0 && n < max) {
        out[n] = c;
        out[n].op = SS_OP_LEVEL_CHOOSE;
        out[n++].level = in->level;
    }
    for (int i = 0; i < SS_CHECK_COUNT && n < max; i++)
        if (in->checked & (1u << i)) {
            out[n] = c;
            out[n].op = SS_OP_CHECK;
            out[n++].item = i;
        }
    return n;
}

const char *ss_script_op_name(ss_script_op op) { return (op >= 0 && op < SS_OP_COUNT) ? ss__ops[op].name : "?"; }
const char *ss_view_name(ss_view v) { return (v >= 0 && v < SS_VIEW_COUNT) ? ss__views[v] : "?"; }

int ss_view_from_name(const char *name)
{
    for (int i = 0; i < SS_VIEW_COUNT; i++)
        if (strcmp(name, ss__views[i]) == 0) return i;
    return -1;
}

int ss_event_name_known(const char *name) { return ss_event_from_name(name) >= 0; }

/* The numbers a command carries in args[] (what the log's "args" array holds): the
 * spec's, except guide.attach (one angle, or none for auto) and xray.nash-moe (its grade,
 * written as a word in scripts). */
static int ss__cmd_nargs(const ss_script_cmd *c)
{
    if (c->op == SS_OP_GUIDE_ATTACH) return c->guide_auto || c->guide_note ? 0 : 1;
    if (c->op == SS_OP_NOTE) return c->note_angle ? 1 : 0;
    if (c->op == SS_OP_XRAY_NASH_MOE) return 1;
    return ss__ops[c->op].nargs;
}

bool ss_script_cmd_in_range(const ss_script_cmd *c, char *why, size_t n)
{
    const char *name = ss_script_op_name(c->op);
    int nargs = ss__cmd_nargs(c);
    for (int i = 0; i < nargs; i++)
        if (!isfinite(c->args[i])) {
            snprintf(why, n, "%s: argument %d is not a finite number", name, i + 1);
            return false;
        }
    switch (c->op) {
    case SS_OP_PROBE_MOVE:
        for (int i = 0; i < 3; i++)
            if (fabs(c->args[i]) > SS_SCRIPT_MAX_MOVE_MM) {
                snprintf(why, n, "%s: each of DX DY DZ must be within +-%g mm (a slide along the back), found %g",
                         name, SS_SCRIPT_MAX_MOVE_MM, c->args[i]);
                return false;
            }
        return true;
    case SS_OP_PROBE_ROTATE:
        for (int i = 0; i < 3; i++)
            if (fabs(c->args[i]) > 180.0) {
                snprintf(why, n, "%s: each of YAW PITCH ROLL must be within +-180 deg, found %g", name, c->args[i]);
                return false;
            }
        return true;
    case SS_OP_NOTE:
        if (c->note_angle && !(c->args[0] >= 0.0 && c->args[0] <= 80.0)) {
            snprintf(why, n, "%s: the frame's angle must be from 0 to 80 deg, found %g", name, c->args[0]);
            return false;
        }
        if (c->level < 0 || c->level >= SS_LEVEL_COUNT) {
            snprintf(why, n, "%s: expected an interspace L1-L2 ... L5-S1", name);
            return false;
        }
        return true;
    case SS_OP_GUIDE_ATTACH:
        if (!c->guide_auto && !c->guide_note && !(c->args[0] >= 0.0 && c->args[0] <= 80.0)) {
            snprintf(why, n, "%s: expected auto or an angle from 0 to 80 deg, found %g", name, c->args[0]);
            return false;
        }
        return true;
    case SS_OP_NEEDLE_ADVANCE:
    case SS_OP_NEEDLE_WITHDRAW:
    case SS_OP_NEEDLE_ADVANCE_UNTIL:
        if (!(c->args[0] > 0.0 && c->args[0] <= 200.0)) {
            snprintf(why, n, "%s: distance must be in (0, 200] mm, found %g", name, c->args[0]);
            return false;
        }
        if (!(c->args[1] > 0.0 && c->args[1] <= SS_SCRIPT_MAX_SPEED_MM_S)) {
            snprintf(why, n, "%s: speed must be in (0, %g] mm/s, found %g", name, SS_SCRIPT_MAX_SPEED_MM_S, c->args[1]);
            return false;
        }
        return true;
    case SS_OP_XRAY_COBB:
        if (!(c->args[0] >= 0.0 && c->args[0] <= 120.0)) {
            snprintf(why, n, "%s: the Cobb angle must be from 0 to 120 deg, found %g", name, c->args[0]);
            return false;
        }
        return true;
    case SS_OP_XRAY_NASH_MOE:
        if (!(c->args[0] >= 0.0 && c->args[0] <= 4.0 && c->args[0] == floor(c->args[0]))) {
            snprintf(why, n, "%s: expected a Nash-Moe grade 0 to 4 (0, I-IV), found %g", name, c->args[0]);
            return false;
        }
        return true;
    case SS_OP_NEEDLE_LANDMARK:
        if (!(c->args[0] >= -45.0 && c->args[0] <= 45.0)) {
            snprintf(why, n, "%s: the cranial tilt must be within +-45 deg, found %g", name, c->args[0]);
            return false;
        }
        __attribute__((fallthrough)); /* and a level, like level.choose */
    case SS_OP_LEVEL_CHOOSE:
        if ((c->level < 0 || c->level >= SS_LEVEL_COUNT) && !(c->op == SS_OP_LEVEL_CHOOSE && c->level == SS_LEVEL_NOTE)) {
            snprintf(why, n, "%s: expected an interspace L1-L2 ... L5-S1", name);
            return false;
        }
        return true;
    case SS_OP_CHECK:
        if (c->item < 0 || c->item >= SS_CHECK_COUNT) {
            snprintf(why, n, "%s: expected a checklist item", name);
            return false;
        }
        return true;
    case SS_OP_INJECT:
        if (!(c->args[0] > 0.0 && c->args[0] <= 20.0)) {
            snprintf(why, n, "inject: volume must be in (0, 20] ml, found %g", c->args[0]);
            return false;
        }
        return true;
    case SS_OP_NEEDLE_PLACE: {
        for (int i = 0; i < 3; i++)
            if (fabs(c->args[i]) > SS_SCRIPT_MAX_COORD_MM) {
                snprintf(why, n, "needle.place: X Y Z must be within +-%g mm of the patient's origin, found %g",
                         SS_SCRIPT_MAX_COORD_MM, c->args[i]);
                return false;
            }
        double l = sqrt(c->args[3] * c->args[3] + c->args[4] * c->args[4] + c->args[5] * c->args[5]);
        if (!(l > 1e-9) || !isfinite(l)) {
            snprintf(why, n, "needle.place: direction (DX DY DZ) must not be zero");
            return false;
        }
        return true;
    }
    default: return true;
    }
}

typedef struct ss__errs {
    char buf[8192];
    size_t used;
    int count, dropped;
} ss__errs;

static void ss__err(ss__errs *e, const char *name, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void ss__err(ss__errs *e, const char *name, int line, const char *fmt, ...)
{
    e->count++;
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char full[800];
    int n = snprintf(full, sizeof full, "%s%s:%d: %s", e->used ? "\n" : "", name, line, msg);
    if (n < 0 || e->used + (size_t)n >= sizeof e->buf - 64) {
        e->dropped++;
        return;
    }
    memcpy(e->buf + e->used, full, (size_t)n + 1);
    e->used += (size_t)n;
}

static int ss__number(const char *tok, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(tok, &end);
    if (errno || end == tok || *end || !isfinite(v)) return 0;
    *out = v;
    return 1;
}


/* An interspace argument (or `note`, where allowed: SS_LEVEL_NOTE); false after the error. */
static bool ss__level_arg(ss__errs *e, const char *name, int line_no, const ss__op_spec *spec, const char *arg,
                          bool allow_note, int *level)
{
    *level = allow_note && strcmp(arg, "note") == 0 ? SS_LEVEL_NOTE : ss_level_from_name(arg);
    if (*level != -1) return true;
    ss__err(e, name, line_no, "%s: unknown level '%s' (expected L1-L2 ... L5-S1%s)", spec->name, arg,
            allow_note ? " or note" : "");
    return false;
}

static void ss__parse_line(char *line, int line_no, const char *name, double *last_t, ss__errs *e,
                           ss_script_cmd *cmd, int *have_cmd)
{
    *have_cmd = 0;
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    char *tok[16];
    int ntok = 0;
    for (char *save = NULL, *t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
        if (ntok == 16) {
            ss__err(e, name, line_no, "too many words (at most 15 after the time)");
            return;
        }
        tok[ntok++] = t;
    }
    if (ntok == 0) return;
    memset(cmd, 0, sizeof *cmd);
    cmd->line = line_no;
    cmd->side_right = 1;
    if (!ss__number(tok[0], &cmd->t_s) || cmd->t_s < 0 || cmd->t_s > SS_SCRIPT_MAX_TIME_S) {
        ss__err(e, name, line_no, "expected a time in seconds (0 to %g) first, found '%s'", SS_SCRIPT_MAX_TIME_S, tok[0]);
        return;
    }
    if (cmd->t_s < *last_t) {
        ss__err(e, name, line_no, "time %g s is before the previous command's %g s (times must not decrease)",
                cmd->t_s, *last_t);
        return;
    }
    *last_t = cmd->t_s; /* later lines are ordered against every valid time */
    if (ntok < 2) {
        ss__err(e, name, line_no, "expected a command after the time");
        return;
    }
    int op = -1;
    for (int i = 0; i < SS_OP_COUNT; i++)
        if (strcmp(tok[1], ss__ops[i].name) == 0) op = i;
    if (op < 0) {
        ss__err(e, name, line_no, "unknown command '%s'", tok[1]);
        return;
    }
    cmd->op = (ss_script_op)op;
    const ss__op_spec *spec = &ss__ops[op];
    char **args = tok + 2;
    int nargs = ntok - 2;
    int first_num = 0;
    int ok = 1;
    switch (cmd->op) {
    case SS_OP_PROBE_VIEW:
        if (nargs < 2 || nargs > 3) {
            ss__err(e, name, line_no, "%s: expected %s, found %d arguments", spec->name, spec->args_help, nargs);
            return;
        }
        if (!ss__level_arg(e, name, line_no, spec, args[0], true, &cmd->level)) ok = 0;
        if (ss_view_from_name(args[1]) < 0) {
            ss__err(e, name, line_no,
                    "%s: unknown view '%s' (expected spinous, near-spinous, parasagittal-oblique, "
                    "transverse-interlaminar or transverse-spinous)",
                    spec->name, args[1]);
            ok = 0;
        } else {
            cmd->view = (ss_view)ss_view_from_name(args[1]);
        }
        if (nargs == 3) {
            if (strcmp(args[2], "left") == 0) cmd->side_right = 0;
            else if (strcmp(args[2], "right") != 0) {
                ss__err(e, name, line_no, "%s: side must be left or right, found '%s'", spec->name, args[2]);
                ok = 0;
            }
        }
        break;
    case SS_OP_GUIDE_ATTACH:
        if (nargs != 1) {
            ss__err(e, name, line_no, "%s: expected %s, found %d arguments", spec->name, spec->args_help, nargs);
            return;
        }
        if (strcmp(args[0], "auto") == 0) cmd->guide_auto = 1;
        else if (strcmp(args[0], "note") == 0) cmd->guide_note = 1;
        else if (!ss__number(args[0], &cmd->args[0])) {
            ss__err(e, name, line_no, "%s: expected auto, note or an angle from 0 to 80 deg, found '%s'", spec->name,
                    args[0]);
            ok = 0;
        }
        break;
    case SS_OP_XRAY_NASH_MOE:
    case SS_OP_LEVEL_CHOOSE:
    case SS_OP_CHECK:
        if (nargs != 1) {
            ss__err(e, name, line_no, "%s: expected %s, found %d arguments", spec->name, spec->args_help, nargs);
            return;
        }
        if (cmd->op == SS_OP_XRAY_NASH_MOE) {
            cmd->args[0] = ss_nash_moe_from_name(args[0]);
            if (cmd->args[0] < 0) {
                ss__err(e, name, line_no, "%s: expected a Nash-Moe grade 0, I, II, III or IV, found '%s'", spec->name,
                        args[0]);
                ok = 0;
            }
        } else if (cmd->op == SS_OP_LEVEL_CHOOSE) {
            if (!ss__level_arg(e, name, line_no, spec, args[0], true, &cmd->level)) ok = 0;
        } else {
            cmd->item = ss_check_item_from_name(args[0]);
            if (cmd->item < 0) {
                ss__err(e, name, line_no, "%s: unknown item '%s' (expected %s)", spec->name, args[0],
                        spec->args_help + 5);
                ok = 0;
            }
        }
        if (!ok) return;
        break;
    case SS_OP_NOTE:
        if (nargs < 1 || nargs > 2) {
            ss__err(e, name, line_no, "%s: expected %s, found %d arguments", spec->name, spec->args_help, nargs);
            return;
        }
        if (!ss__level_arg(e, name, line_no, spec, args[0], false, &cmd->level)) return;
        cmd->note_angle = nargs == 2;
        if (nargs == 2 && !ss__number(args[1], &cmd->args[0])) {
            ss__err(e, name, line_no, "%s: expected the frame's angle in degrees, found '%s'", spec->name, args[1]);
            return;
        }
        break;
    case SS_OP_NEEDLE_LANDMARK:
        if (nargs != 2) {
            ss__err(e, name, line_no, "%s: expected %s, found %d arguments", spec->name, spec->args_help, nargs);
            return;
        }
        if (!ss__level_arg(e, name, line_no, spec, args[0], false, &cmd->level)) return;
        first_num = 1;
        break;
    case SS_OP_NEEDLE_ADVANCE_UNTIL:
        if (nargs != 3) {
            ss__err(e, name, line_no, "%s: expected %s, found %d arguments", spec->name, spec->args_help, nargs);
            return;
        }
        if (!ss_event_name_known(args[0])) {
            ss__err(e, name, line_no, "%s: unknown event '%s'", spec->name, args[0]);
            ok = 0;
        }
        snprintf(cmd->event, sizeof cmd->event, "%s", args[0]);
        first_num = 1;
        break;
    default:
        if (nargs != spec->nargs) {
            ss__err(e, name, line_no, "%s: expected %d argument%s (%s), found %d", spec->name, spec->nargs,
                    spec->nargs == 1 ? "" : "s", spec->nargs ? spec->args_help : "none", nargs);
            return;
        }
        break;
    }
    for (int i = 0; i < spec->nargs; i++) {
        const char *a = args[first_num + i];
        double *dst = &cmd->args[i];
        if (!ss__number(a, dst)) {
            ss__err(e, name, line_no, "%s: argument %d: expected a number, found '%s'", spec->name, first_num + i + 1,
                    a);
            ok = 0;
        }
    }
    if (ok) {
        /* ranges that make physical sense (one list: ss_script_cmd_in_range) */
        char why[256];
        if (!ss_script_cmd_in_range(cmd, why, sizeof why)) {
            ss__err(e, name, line_no, "%s", why);
            ok = 0;
        }
    }
    if (ok) *have_cmd = 1;
}

ss_status ss_script_parse(const char *text, const char *name, ss_script *out)
{
    memset(out, 0, sizeof *out);
    size_t cap = 16;
    out->cmds = malloc(cap * sizeof *out->cmds);
    if (!out->cmds) return ss_error_set(SS_ERR_NOMEM, "out of memory");
    ss__errs e = {.used = 0};
    double last_t = 0;
    int line_no = 0;
    const char *p = text;
    int seen_end = 0;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        line_no++;
        char buf[1024];
        if (len >= sizeof buf) {
            ss__err(&e, name, line_no, "line longer than %zu characters", sizeof buf - 1);
        } else {
            memcpy(buf, p, len);
            buf[len] = '\0';
            ss_script_cmd cmd;
            int have = 0;
            ss__parse_line(buf, line_no, name, &last_t, &e, &cmd, &have);
            if (have) {
                if (seen_end) {
                    ss__err(&e, name, line_no, "command after 'end'");
                } else {
                    if (out->count == cap) {
                        cap *= 2;
                        ss_script_cmd *grown = realloc(out->cmds, cap * sizeof *grown);
                        if (!grown) {
                            ss_script_free(out);
                            return ss_error_set(SS_ERR_NOMEM, "out of memory");
                        }
                        out->cmds = grown;
                    }
                    out->cmds[out->count++] = cmd;
                    if (cmd.op == SS_OP_END) seen_end = 1;
                }
            }
        }
        p += len + (nl ? 1 : 0);
    }
    if (e.count) {
        ss_script_free(out);
        if (e.dropped)
            return ss_error_set(SS_ERR_PARSE, "%s\n%s: ... and %d more errors", e.buf, name, e.dropped);
        return ss_error_set(SS_ERR_PARSE, "%s", e.buf);
    }
    if (out->count == 0) {
        ss_script_free(out);
        return ss_error_set(SS_ERR_PARSE, "%s: the script has no commands", name);
    }
    return SS_OK;
}

ss_status ss_script_load(const char *path, ss_script *out)
{
    memset(out, 0, sizeof *out);
    char *text;
    ss_status st = ss_file_read(path, SS_SCRIPT_MAX_BYTES, &text, NULL);
    if (st != SS_OK) return st;
    st = ss_script_parse(text, path, out);
    free(text);
    return st;
}

void ss_script_free(ss_script *s)
{
    free(s->cmds);
    s->cmds = NULL;
    s->count = 0;
}

cJSON *ss_script_cmd_to_json(const ss_script_cmd *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "cmd", ss_script_op_name(c->op));
    cJSON *a = cJSON_AddArrayToObject(o, "args");
    int n = ss__cmd_nargs(c);
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber(c->args[i]));
    if (c->op == SS_OP_LEVEL_CHOOSE || c->op == SS_OP_NEEDLE_LANDMARK || c->op == SS_OP_NOTE)
        cJSON_AddStringToObject(o, "level", c->level == SS_LEVEL_NOTE ? "note" : ss_level_name(c->level));
    if (c->op == SS_OP_CHECK) cJSON_AddStringToObject(o, "item", ss_check_item_name(c->item));
    if (c->op == SS_OP_PROBE_VIEW) {
        cJSON_AddStringToObject(o, "level", c->level == SS_LEVEL_NOTE ? "note" : ss_level_name(c->level));
        cJSON_AddStringToObject(o, "view", ss_view_name(c->view));
        cJSON_AddStringToObject(o, "side", c->side_right ? "right" : "left");
    }
    if (c->op == SS_OP_GUIDE_ATTACH && c->guide_auto) cJSON_AddBoolToObject(o, "auto", 1);
    if (c->op == SS_OP_GUIDE_ATTACH && c->guide_note) cJSON_AddBoolToObject(o, "note", 1);
    if (c->op == SS_OP_NEEDLE_ADVANCE_UNTIL) cJSON_AddStringToObject(o, "event", c->event);
    return o;
}

bool ss_script_cmd_from_json(const cJSON *o, ss_script_cmd *out)
{
    memset(out, 0, sizeof *out);
    out->side_right = 1;
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(o, "cmd");
    if (!cJSON_IsString(cmd)) return false;
    int op = -1;
    for (int i = 0; i < SS_OP_COUNT; i++)
        if (strcmp(cmd->valuestring, ss__ops[i].name) == 0) op = i;
    if (op < 0) return false;
    out->op = (ss_script_op)op;
    if (out->op == SS_OP_GUIDE_ATTACH) {
        out->guide_auto = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "auto"));
        out->guide_note = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "note"));
        if (out->guide_auto && out->guide_note) return false;
    }
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "args");
    /* a note's angle is optional: the args say whether it was given */
    if (out->op == SS_OP_NOTE) out->note_angle = cJSON_IsArray(a) && cJSON_GetArraySize(a) == 1;
    /* Exactly the arguments ss_script_cmd_to_json() writes for this command. */
    int nargs = ss__cmd_nargs(out);
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != nargs) return false;
    int i = 0;
    for (const cJSON *x = a->child; x; x = x->next, i++) {
        if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble)) return false;
        out->args[i] = x->valuedouble;
    }
    if (out->op == SS_OP_LEVEL_CHOOSE || out->op == SS_OP_CHECK || out->op == SS_OP_NEEDLE_LANDMARK ||
        out->op == SS_OP_NOTE) {
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, out->op == SS_OP_CHECK ? "item" : "level");
        if (!cJSON_IsString(w)) return false;
        if (out->op == SS_OP_CHECK) out->item = ss_check_item_from_name(w->valuestring);
        else if (out->op == SS_OP_LEVEL_CHOOSE && strcmp(w->valuestring, "note") == 0) out->level = SS_LEVEL_NOTE;
        else out->level = ss_level_from_name(w->valuestring);
    }
    /* what no input device or script can give (the script's own ranges) */
    char why[256];
    if (!ss_script_cmd_in_range(out, why, sizeof why)) return false;
    if (out->op == SS_OP_PROBE_VIEW) {
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(o, "level"), *v = cJSON_GetObjectItemCaseSensitive(o, "view"),
                    *sd = cJSON_GetObjectItemCaseSensitive(o, "side");
        if (!cJSON_IsString(l) || !cJSON_IsString(v) || !cJSON_IsString(sd)) return false;
        out->level = strcmp(l->valuestring, "note") == 0 ? SS_LEVEL_NOTE : ss_level_from_name(l->valuestring);
        int view = ss_view_from_name(v->valuestring);
        if (out->level == -1 || view < 0) return false;
        out->view = (ss_view)view;
        if (strcmp(sd->valuestring, "left") != 0 && strcmp(sd->valuestring, "right") != 0) return false;
        out->side_right = strcmp(sd->valuestring, "right") == 0;
    }
    if (out->op == SS_OP_NEEDLE_ADVANCE_UNTIL) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "event");
        if (!cJSON_IsString(e) || !ss_event_name_known(e->valuestring)) return false;
        snprintf(out->event, sizeof out->event, "%s", e->valuestring);
    }
    return true;
}

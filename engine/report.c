/* report.c: the content of the assessment report (report.h): what the log says, and
 * what a re-simulation of its inputs shows (tip path, key moments, sections, frames).
 * The HTML and PDF writers are in report_render.c. */
#define _POSIX_C_SOURCE 200809L
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "session.h"
#include "spine_world.h"
#include "critical.h"
#include "demo_script.h"
#include "followup.h"
#include "metric_def.h"
#include "tissue.h"

/* ------------------------------------------------------------------ metric names */

/* Words a clinician reads on the report: the metric table's (metric_def.c), and the
 * grade's two fields. */
const char *ss_report_metric_label(const char *metric, const char **unit)
{
    const ss_metric_def *d = ss_metric_find(metric);
    if (unit) *unit = d ? d->unit : "";
    if (d) return d->label;
    if (!strcmp(metric, "score")) return "Score";
    if (!strcmp(metric, "pass")) return "Pass";
    if (!strcmp(metric, "verdict")) return "Verdict";
    return metric;
}

static bool ss__is_bool_metric(const char *m)
{
    const ss_metric_def *d = ss_metric_find(m);
    return (d && d->kind == SS_METRIC_BOOL) || !strcmp(m, "pass");
}

void ss_report_format_value(const char *metric, const cJSON *v, char *buf, size_t size)
{
    const char *unit;
    ss_report_metric_label(metric, &unit);
    if (!v || cJSON_IsNull(v)) {
        snprintf(buf, size, "none");
    } else if (cJSON_IsBool(v)) {
        snprintf(buf, size, "%s", cJSON_IsTrue(v) ? "yes" : "no");
    } else if (cJSON_IsString(v)) {
        snprintf(buf, size, "%s", v->valuestring);
    } else if (cJSON_IsArray(v)) {
        /* critical_errors: each by its label, level and time */
        size_t used = 0;
        buf[0] = '\0';
        const cJSON *c;
        cJSON_ArrayForEach(c, v)
        {
            const cJSON *ty = cJSON_GetObjectItemCaseSensitive(c, "type");
            const cJSON *lv = cJSON_GetObjectItemCaseSensitive(c, "level");
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, "t");
            int crit = cJSON_IsString(ty) ? ss_critical_of_event((ss_event_type)ss_event_from_name(ty->valuestring)) : -1;
            int w = snprintf(buf + used, size - used, "%s%s%s%s, %.0f s", used ? "; " : "",
                             crit >= 0 ? ss_critical_label((ss_critical_type)crit) : "?",
                             cJSON_IsString(lv) ? " at " : "", cJSON_IsString(lv) ? lv->valuestring : "",
                             cJSON_IsNumber(t) ? t->valuedouble : 0.0);
            if (w < 0 || (size_t)w >= size - used) break;
            used += (size_t)w;
        }
        if (!used) snprintf(buf, size, "none");
    } else if (cJSON_IsNumber(v)) {
        double x = v->valuedouble;
        if (ss__is_bool_metric(metric)) snprintf(buf, size, "%s", x != 0 ? "yes" : "no");
        else if (!isfinite(x)) snprintf(buf, size, "none");
        else if (x == floor(x) && fabs(x) < 1e9) snprintf(buf, size, "%.0f%s%s", x, unit[0] ? " " : "", unit);
        else if (fabs(x) < 0.05) snprintf(buf, size, "%.2f%s%s", x, unit[0] ? " " : "", unit);
        else snprintf(buf, size, "%.1f%s%s", x, unit[0] ? " " : "", unit);
    } else {
        snprintf(buf, size, "?");
    }
}

/* ------------------------------------------------------------------ log fields */

static const char *ss__str(const cJSON *o, const char *key, const char *fallback)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : fallback;
}

static double ss__num(const cJSON *o, const char *key, double fallback)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsNumber(v)) return v->valuedouble;
    if (cJSON_IsBool(v)) return cJSON_IsTrue(v) ? 1 : 0;
    return fallback;
}

static cJSON *ss__payload_copy(const cJSON *rec)
{
    cJSON *c = cJSON_Duplicate(rec, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(c, "seq");
    cJSON_DeleteItemFromObjectCaseSensitive(c, "prev");
    cJSON_DeleteItemFromObjectCaseSensitive(c, "hash");
    cJSON_DeleteItemFromObjectCaseSensitive(c, "type");
    return c;
}

static void ss__read_grade(ss_report *r, const cJSON *g)
{
    r->graded = true;
    r->score = ss__num(g, "score", 0);
    r->pass = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(g, "pass"));
    r->pass_mark = ss__num(g, "pass_mark", NAN);
    snprintf(r->pass_reason, sizeof r->pass_reason, "%s", ss__str(g, "pass_reason", ""));
    snprintf(r->preparation, sizeof r->preparation, "%s", ss__str(g, "preparation", ""));
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(g, "items");
    cJSON_Delete(r->grade_items);
    r->grade_items = cJSON_IsArray(items) ? cJSON_Duplicate(items, 1) : cJSON_CreateArray();
    const cJSON *it;
    r->nstrengths = r->nweaknesses = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(g, "strengths"))
        if (cJSON_IsString(it) && r->nstrengths < SS_REPORT_MAX_NOTES)
            snprintf(r->strengths[r->nstrengths++], sizeof r->strengths[0], "%s", it->valuestring);
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(g, "weaknesses"))
        if (cJSON_IsString(it) && r->nweaknesses < SS_REPORT_MAX_NOTES)
            snprintf(r->weaknesses[r->nweaknesses++], sizeof r->weaknesses[0], "%s", it->valuestring);
}

static ss_status ss__add_event(ss_report *r, const cJSON *rec)
{
    const char *name = ss__str(rec, "event", "?");
    if (!strcmp(name, "layer_enter")) {
        r->layer_entries_omitted++;
        return SS_OK;
    }
    ss_report_event *grown = realloc(r->events, (size_t)(r->nevents + 1) * sizeof *grown);
    if (!grown) return ss_error_set(SS_ERR_NOMEM, "report: out of memory for the timeline");
    r->events = grown;
    ss_report_event *e = &r->events[r->nevents++];
    memset(e, 0, sizeof *e);
    e->t_s = ss__num(rec, "t", 0);
    e->tick = (long)ss__num(rec, "tick", 0);
    snprintf(e->name, sizeof e->name, "%s", name);
    const char *tissue = ss__str(rec, "tissue", "");
    int lab = tissue[0] ? ss_tissue_from_name(tissue) : -1;
    snprintf(e->tissue, sizeof e->tissue, "%s", lab >= 0 ? ss_tissue_get(lab)->label : tissue);
    snprintf(e->level, sizeof e->level, "%s", ss__str(rec, "level", ""));
    e->depth_mm = ss__num(rec, "depth_mm", 0);
    e->value = ss__num(rec, "value", 0);
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(rec, "pos_mm");
    for (int i = 0; i < 3; i++) e->pos_mm[i] = cJSON_IsNumber(cJSON_GetArrayItem(p, i)) ? cJSON_GetArrayItem(p, i)->valuedouble : 0;
    return SS_OK;
}

/* ------------------------------------------------------------------ re-simulation */

typedef struct ss__capture {
    char event[32];
    char caption[SS_REPORT_TEXT_MAX];
    double t_s;
    bool probe_on_skin;
    ss_probe_pose pose;
    bool needle;
    ss_needle_geom geom;
    double tip_mm[3];
} ss__capture;

typedef struct ss__resim {
    ss_report *r;
    ss_sim *sim;
    /* events as re-simulated (names and ticks, for the comparison with the log) */
    char (*names)[32];
    long *ticks;
    int nev, cap_ev;
    /* key moments waiting for the end of the current step / command */
    ss_event pending[8];
    int npending;
    ss__capture captures[SS_REPORT_MAX_FRAMES];
    int ncaptures, max_captures, bone_seen, skin_seen;
    int insertion;
    double deepest_mm;
    bool have_target, csf_target;
    bool unflexed;               /* the attempt's patient lay unflexed (sim.h): images from that posture */
    ss_status status;
} ss__resim;

static void ss__resim_event(void *user, const ss_event *e)
{
    ss__resim *rs = user;
    if (e->type == SS_EV_LAYER_ENTER) return;
    if (rs->nev == rs->cap_ev) {
        int cap = rs->cap_ev ? 2 * rs->cap_ev : 64;
        char(*n)[32] = realloc(rs->names, (size_t)cap * sizeof *n);
        if (n) rs->names = n;
        long *t = realloc(rs->ticks, (size_t)cap * sizeof *t);
        if (t) rs->ticks = t;
        if (!n || !t) {
            rs->status = ss_error_set(SS_ERR_NOMEM, "report: out of memory re-simulating");
            return;
        }
        rs->cap_ev = cap;
    }
    snprintf(rs->names[rs->nev], sizeof rs->names[0], "%s", ss_event_name(e->type));
    rs->ticks[rs->nev] = ss_sim_get_state(rs->sim)->tick;
    rs->nev++;
    if (e->type == SS_EV_SKIN_ENTRY) rs->insertion++;
    if (e->type == SS_EV_CSF_OUTFLOW) {
        memcpy(rs->r->target_mm, e->pos_mm, sizeof rs->r->target_mm);
        rs->have_target = rs->csf_target = true;
    }
    bool key = (e->type == SS_EV_SKIN_ENTRY && rs->skin_seen++ == 0) || e->type == SS_EV_BONE_CONTACT ||
               e->type == SS_EV_CSF_OUTFLOW;
    if (key && rs->npending < (int)(sizeof rs->pending / sizeof rs->pending[0])) rs->pending[rs->npending++] = *e;
}

/* After a step or command: the key moments it produced, at the state they left. */
static void ss__resim_settle(ss__resim *rs)
{
    const ss_sim_state *st = ss_sim_get_state(rs->sim);
    for (int i = 0; i < rs->npending; i++) {
        const ss_event *e = &rs->pending[i];
        if (e->type == SS_EV_BONE_CONTACT) rs->bone_seen++;
        /* Keep room for the CSF frame: bone contacts stop one short of the limit. */
        int limit = rs->max_captures - (e->type == SS_EV_CSF_OUTFLOW ? 0 : 1);
        if (rs->ncaptures >= limit) {
            rs->r->frames_omitted++;
            continue;
        }
        ss__capture *c = &rs->captures[rs->ncaptures++];
        memset(c, 0, sizeof *c);
        snprintf(c->event, sizeof c->event, "%s", ss_event_name(e->type));
        c->t_s = e->t_s;
        memcpy(c->tip_mm, e->pos_mm, sizeof c->tip_mm);
        const char *lv = e->level >= 0 ? ss_level_name(e->level) : NULL;
        if (e->type == SS_EV_SKIN_ENTRY)
            snprintf(c->caption, sizeof c->caption, "First skin entry, %.1f s%s%s", e->t_s, lv ? ", aimed at " : "",
                     lv ? lv : "");
        else if (e->type == SS_EV_BONE_CONTACT)
            snprintf(c->caption, sizeof c->caption, "Bone contact %d (%s), %.1f s, depth %.1f mm", rs->bone_seen,
                     e->tissue >= 0 ? ss_tissue_get(e->tissue)->label : "bone", e->t_s, e->depth_mm);
        else
            snprintf(c->caption, sizeof c->caption, "CSF outflow%s%s, %.1f s, depth %.1f mm", lv ? " at " : "",
                     lv ? lv : "", e->t_s, e->depth_mm);
        c->probe_on_skin = st->probe_on_skin;
        c->pose = st->pose;
        if (st->needle_placed) {
            c->needle = true;
            ss_sim_needle_geom(rs->sim, c->geom.tip_mm, c->geom.dir, &c->geom.length_mm);
            c->geom.outer_diameter_mm = (float)ss_needle_outer_diameter_mm(st->needle.spec.gauge);
        }
    }
    rs->npending = 0;
    /* the tip path in tissue */
    if (st->needle_placed && st->needle.in_body) {
        double tip[3];
        ss_needle_tip_pos(&st->needle, tip);
        ss_report *r = rs->r;
        const ss_report_point *last = r->npath ? &r->path[r->npath - 1] : NULL;
        double d2 = 1e30;
        if (last && last->insertion == rs->insertion) {
            d2 = 0;
            for (int k = 0; k < 3; k++) d2 += (tip[k] - last->pos_mm[k]) * (tip[k] - last->pos_mm[k]);
        }
        if (d2 >= 0.25 * 0.25) {
            if ((r->npath & 1023) == 0) {
                ss_report_point *g = realloc(r->path, (size_t)(r->npath + 1024) * sizeof *g);
                if (!g) {
                    rs->status = ss_error_set(SS_ERR_NOMEM, "report: out of memory for the needle path");
                    return;
                }
                r->path = g;
            }
            ss_report_point *p = &r->path[r->npath++];
            for (int k = 0; k < 3; k++) p->pos_mm[k] = (float)tip[k];
            p->insertion = rs->insertion;
        }
        double depth = st->needle.depth_mm - st->needle.entry_depth_mm;
        if (!rs->csf_target && depth > rs->deepest_mm) {
            rs->deepest_mm = depth;
            memcpy(r->target_mm, tip, sizeof tip);
            rs->have_target = true;
        }
    }
}

/* A dose of a patient's course: which dose, what the previous dose's note gave it, and
 * what the source reports for the same procedure of the same patient (Table 1). */
static void ss__course_text(ss_report *r, const ss_session_desc *hd, const ss_case *c)
{
    if (hd->course_dose <= 0) return;
    int n = snprintf(r->course, sizeof r->course, "Dose %d of %d (day %.0f of the schedule). ", hd->course_dose,
                     hd->course_doses, hd->course_day);
    if (hd->prior_note.has_level)
        n += snprintf(r->course + n, sizeof r->course - (size_t)n, "It started from the previous dose's procedure note: %s%s%.1f%s. ",
                      ss_level_name(hd->prior_note.level), hd->prior_note.has_angle ? ", frame at " : "",
                      hd->prior_note.has_angle ? hd->prior_note.angle_deg : 0.0, hd->prior_note.has_angle ? " deg" : "");
    else if (hd->course_dose > (c ? c->scenario.course.first_dose : 1))
        n += snprintf(r->course + n, sizeof r->course - (size_t)n,
                      "The previous dose left no procedure note: the level and the angle were found again. ");
    if (n < 0 || (size_t)n >= sizeof r->course || !c || !c->scenario.course.reported) return;
    const ss_course *cr = &c->scenario.course;
    int i = hd->course_dose - cr->first_dose;
    if (i < 0 || i >= cr->ndoses) return;
    snprintf(r->course + n, sizeof r->course - (size_t)n,
             "The source reports for this procedure: %.0f interspace%s, %.0f insertion%s, operation time %.0f min, "
             "puncture time %.0f min (%.200s).",
             cr->interspaces[i], cr->interspaces[i] == 1 ? "" : "s", cr->insertions[i], cr->insertions[i] == 1 ? "" : "s",
             cr->operation_time_min[i], cr->puncture_time_min[i], c->scenario.based_on);
}

/* Landmark-only mode against the guided technique on the same case: the expert
 * demonstration of the paper's technique (demo_script.h) simulated here, beside this
 * attempt's insertions, bone contacts and the level reached against the one palpated. */
static void ss__landmark_comparison(ss_report *r, const cJSON *records, ss_case *c)
{
    if (strcmp(r->mode, "landmark") != 0 || !r->metrics) return;
    int intended = -1;
    const cJSON *rec;
    cJSON_ArrayForEach(rec, records)
    {
        ss_script_cmd cmd;
        if (!strcmp(ss__str(rec, "type", ""), "input") && ss_script_cmd_from_json(rec, &cmd) &&
            cmd.op == SS_OP_NEEDLE_LANDMARK)
            intended = cmd.level;
    }
    const double lb = ss__num(r->metrics, "bone_contacts", 0), li = ss__num(r->metrics, "insertions", 0);
    const cJSON *lv = cJSON_GetObjectItemCaseSensitive(r->metrics, "level");
    const char *reached = cJSON_IsString(lv) ? lv->valuestring : NULL;
    bool success = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->metrics, "success"));
    char mine[400];
    snprintf(mine, sizeof mine, "This landmark attempt: %s%s%s%s; %.0f insertion%s, %.0f bone contact%s.",
             reached ? "CSF at " : "the CSF not reached", reached ? reached : "",
             intended >= 0 ? (reached && strcmp(reached, ss_level_name(intended)) != 0 ? ", not the palpated " : ", palpated ") : "",
             intended >= 0 ? ss_level_name(intended) : "", li, li == 1 ? "" : "s", lb, lb == 1 ? "" : "s");
    if (!success && li > 0) strncat(mine, " The needle was misplaced.", sizeof mine - strlen(mine) - 1);
    ss_world w;
    ss_case_world(c, &w);
    ss_script demo;
    if (ss_demo_script(&c->scenario, &w, &demo) != SS_OK) {
        snprintf(r->comparison, sizeof r->comparison, "%s No guided comparison: %.300s", mine, ss_error_message());
        return;
    }
    ss_session_desc sd = {.scenario = &c->scenario, .scenario_path = c->path, .mode = "demonstration", .world = w};
    ss_session *s;
    ss_metrics m;
    ss_grade g;
    bool ok = ss_session_begin(&sd, &s) == SS_OK;
    if (ok) {
        ss_session_run_script(s, &demo);
        ok = ss_session_end(s, &m, &g) == SS_OK;
        ss_session_free(s);
    }
    ss_script_free(&demo);
    if (!ok) {
        snprintf(r->comparison, sizeof r->comparison, "%s No guided comparison: %.300s", mine, ss_error_message());
        return;
    }
    snprintf(r->comparison, sizeof r->comparison,
             "%s Guided, on the same case (the paper's technique, the expert demonstration): %s%s; %d insertion%s, %d "
             "bone contact%s. Without image guidance interlaminar needles are misplaced in up to 30.4 %% of "
             "injections (seed 003).",
             mine, m.level >= 0 ? "CSF at " : "the CSF not reached", m.level >= 0 ? ss_level_name(m.level) : "",
             m.insertions, m.insertions == 1 ? "" : "s", m.bone_contacts, m.bone_contacts == 1 ? "" : "s");
}

/* Feeds the logged inputs to a fresh simulation at their ticks (as replay does),
 * watching the tip and the key moments. */
static ss_status ss__resimulate(ss_report *r, const cJSON *records, ss_case *c, ss__resim *rs)
{
    ss_session_desc sd = {.scenario = &c->scenario, .scenario_path = c->path, .mode = r->mode,
                          .extra_sink = {ss__resim_event, rs}};
    ss_status st = ss_session_header_desc(records, &sd);
    if (st != SS_OK) return st;
    sd.mode = r->mode;
    ss_case_world(c, &sd.world);
    ss_session *s;
    st = ss_session_begin(&sd, &s);
    if (st != SS_OK) return st;
    rs->sim = ss_session_sim(s);
    long end_tick = -1;
    const cJSON *rec;
    cJSON_ArrayForEach(rec, records)
    {
        const char *type = ss__str(rec, "type", "");
        long tick = (long)ss__num(rec, "tick", -1);
        if (!strcmp(type, "event") && tick > end_tick) end_tick = tick;
        if (!strcmp(type, "metrics")) end_tick = (long)ss__num(rec, "end_tick", (double)end_tick);
    }
    cJSON_ArrayForEach(rec, records)
    {
        if (strcmp(ss__str(rec, "type", ""), "input") != 0) continue;
        ss_script_cmd cmd;
        long tick = (long)ss__num(rec, "tick", -1);
        if (tick < 0 || !ss_script_cmd_from_json(rec, &cmd)) {
            st = ss_error_set(SS_ERR_INVALID, "input record %.0f is malformed", ss__num(rec, "seq", -1));
            break;
        }
        while (ss_sim_get_state(rs->sim)->tick < tick && !ss_sim_get_state(rs->sim)->ended && rs->status == SS_OK) {
            ss_sim_step(rs->sim);
            ss__resim_settle(rs);
        }
        ss_sim_command(rs->sim, &cmd);
        ss__resim_settle(rs);
        if (rs->status != SS_OK) break;
    }
    while (st == SS_OK && rs->status == SS_OK && ss_sim_get_state(rs->sim)->tick < end_tick &&
           !ss_sim_get_state(rs->sim)->ended) {
        ss_sim_step(rs->sim);
        ss__resim_settle(rs);
    }
    rs->unflexed = ss_sim_get_state(rs->sim)->unflexed;
    ss_session_free(s);
    if (st == SS_OK) st = rs->status;
    return st;
}

/* ------------------------------------------------------------------ sections and frames */

/* A section of the label volume in the plane through `centre` spanned by eu (columns,
 * left to right) and ev (rows, top to bottom), cropped to the tissue. */
static ss_status ss__section(const ss_volume *v, const double centre[3], const double eu[3], const double ev[3],
                             double half_u_mm, double half_v_mm, ss_report_section *out)
{
    const double s = 0.5;
    int nu = (int)(2 * half_u_mm / s) + 1, nv = (int)(2 * half_v_mm / s) + 1;
    uint8_t *lab = malloc((size_t)nu * nv);
    if (!lab) return ss_error_set(SS_ERR_NOMEM, "report: out of memory for a section");
    int umin = nu, umax = -1, vmin = nv, vmax = -1;
    for (int b = 0; b < nv; b++)
        for (int a = 0; a < nu; a++) {
            double p[3];
            for (int k = 0; k < 3; k++) p[k] = centre[k] + (a * s - half_u_mm) * eu[k] + (b * s - half_v_mm) * ev[k];
            int l = ss_volume_label_at(v, p);
            lab[(size_t)b * nu + a] = (uint8_t)l;
            if (l != SS_TISSUE_AIR) {
                if (a < umin) umin = a;
                if (a > umax) umax = a;
                if (b < vmin) vmin = b;
                if (b > vmax) vmax = b;
            }
        }
    if (umax < 0) {
        free(lab);
        return ss_error_set(SS_ERR_INVALID, "report: the section through the target holds no tissue");
    }
    int margin = (int)(4.0 / s);
    umin = umin - margin < 0 ? 0 : umin - margin;
    vmin = vmin - margin < 0 ? 0 : vmin - margin;
    umax = umax + margin >= nu ? nu - 1 : umax + margin;
    vmax = vmax + margin >= nv ? nv - 1 : vmax + margin;
    out->width = umax - umin + 1;
    out->height = vmax - vmin + 1;
    out->rgb = malloc((size_t)out->width * out->height * 3);
    if (!out->rgb) {
        free(lab);
        return ss_error_set(SS_ERR_NOMEM, "report: out of memory for a section");
    }
    for (int b = 0; b < out->height; b++)
        for (int a = 0; a < out->width; a++) {
            uint8_t l = lab[(size_t)(b + vmin) * nu + (a + umin)];
            unsigned char *px = out->rgb + 3 * ((size_t)b * out->width + a);
            if (l == SS_TISSUE_AIR) px[0] = px[1] = px[2] = 255;
            else memcpy(px, ss_tissue_get(l)->rgb, 3);
        }
    free(lab);
    out->present = true;
    out->mm_per_px = (float)s;
    for (int k = 0; k < 3; k++) {
        out->origin_mm[k] = centre[k] + (umin * s - half_u_mm) * eu[k] + (vmin * s - half_v_mm) * ev[k];
        out->eu[k] = eu[k];
        out->ev[k] = ev[k];
    }
    return SS_OK;
}

static ss_status ss__render_frames(ss_report *r, const ss__resim *rs, const ss_volume *vol, const ss_scenario *sc,
                                   const ss_bmode_settings *given)
{
    ss_probe probe;
    ss_scenario_probe(sc, &probe);
    ss_bmode_settings set;
    if (given) {
        set = *given;
    } else {
        ss_bmode_settings_default(&set);
        set.seed = sc->seed;
    }
    ss_bmode_frame frame = {0};
    ss_status st = SS_OK;
    for (int i = 0; i < rs->ncaptures && st == SS_OK; i++) {
        const ss__capture *c = &rs->captures[i];
        ss_report_frame *f = &r->frames[r->nframes++];
        memset(f, 0, sizeof *f);
        snprintf(f->caption, sizeof f->caption, "%s", c->caption);
        snprintf(f->event, sizeof f->event, "%s", c->event);
        f->t_s = c->t_s;
        memcpy(f->tip_mm, c->tip_mm, sizeof f->tip_mm);
        if (!c->probe_on_skin) continue;
        ss_bmode_scene scene = {.volume = vol, .needle = c->needle ? &c->geom : NULL};
        st = ss_bmode_cpu_render(&scene, &probe, &c->pose, &set, &frame);
        if (st != SS_OK) break;
        f->width = frame.image.width;
        f->height = frame.image.height;
        f->pixels = malloc((size_t)f->width * f->height);
        if (!f->pixels) {
            st = ss_error_set(SS_ERR_NOMEM, "report: out of memory for a frame");
            break;
        }
        memcpy(f->pixels, frame.image.pixels, (size_t)f->width * f->height);
        f->has_image = true;
        f->mm_per_px = frame.geom.mm_per_px;
        if (c->needle) {
            /* the tip in the probe frame; marked when within a slice thickness of the plane */
            const ss_probe_pose *ps = &c->pose;
            double d[3] = {c->geom.tip_mm[0] - ps->origin_mm[0], c->geom.tip_mm[1] - ps->origin_mm[1],
                           c->geom.tip_mm[2] - ps->origin_mm[2]};
            float px = (float)(d[0] * ps->axis_x[0] + d[1] * ps->axis_x[1] + d[2] * ps->axis_x[2]);
            float py = (float)(d[0] * ps->axis_y[0] + d[1] * ps->axis_y[1] + d[2] * ps->axis_y[2]);
            float pz = (float)(d[0] * ps->axis_z[0] + d[1] * ps->axis_z[1] + d[2] * ps->axis_z[2]);
            float line, sample, uv[2];
            if (fabsf(pz) <= probe.elevation_mm && ss_probe_line_sample_at(&probe, px, py, &line, &sample)) {
                ss_scan_geometry_probe_mm_to_pixel(&frame.geom, px, py, uv);
                f->tip_px[0] = uv[0];
                f->tip_px[1] = uv[1];
                f->tip_shown = true;
            }
        }
    }
    ss_bmode_frame_free(&frame);
    return st;
}

/* The interspace whose frame orients the sections: where CSF was reached, else where
 * the first insertion aimed, else the scenario's first expected interspace. */
static int ss__section_level(const ss_report *r, const ss_case *c)
{
    for (int i = 0; i < r->nevents; i++)
        if (!strcmp(r->events[i].name, "csf_outflow") && r->events[i].level[0])
            return ss_level_from_name(r->events[i].level);
    for (int i = 0; i < r->nevents; i++)
        if (!strcmp(r->events[i].name, "skin_entry") && r->events[i].level[0])
            return ss_level_from_name(r->events[i].level);
    return c->scenario.task.n_expected_interspaces > 0 ? c->scenario.task.expected_interspaces[0] : SS_LEVEL_L3_L4;
}

/* Sagittal and axial sections in the frame of the spine at the interspace (what is
 * sagittal and axial to the spine there: for a straight spine the patient's planes,
 * for a scoliotic one the planes a sonographer scans in), through the target. */
static ss_status ss__sections(ss_report *r, ss_case *c, bool unflexed, const ss_volume *vol, bool csf)
{
    int level = ss__section_level(r, c);
    if (level < 0) level = SS_LEVEL_L3_L4;
    ss_interspace_info in;
    ss_status st = ss_spine_interspace(ss_case_spine_posed(c, unflexed), level, &in);
    if (st != SS_OK) return st;
    double up[3], down[3], caudal[3], right[3];
    for (int k = 0; k < 3; k++) {
        up[k] = in.view_normal[k];
        down[k] = -in.view_normal[k];
        caudal[k] = -in.view_cranial[k];
        right[k] = -in.view_lateral[k];
    }
    (void)up;
    /* cranial on the left, skin at the top (as the sagittal B-mode image) */
    st = ss__section(vol, r->target_mm, caudal, down, 110, 90, &r->sagittal);
    /* seen from behind: the patient's left on the left, skin at the top */
    if (st == SS_OK) st = ss__section(vol, r->target_mm, right, down, 90, 90, &r->axial);
    if (st != SS_OK) return st;
    const char *what = csf ? "the CSF outflow point" : "the deepest tip position";
    snprintf(r->sagittal.title, sizeof r->sagittal.title, "Sagittal section (along the spine at %s) through %s",
             ss_level_name(level), what);
    snprintf(r->axial.title, sizeof r->axial.title, "Axial section (across the spine at %s) through %s",
             ss_level_name(level), what);
    snprintf(r->sagittal.left, sizeof r->sagittal.left, "cranial");
    snprintf(r->sagittal.right, sizeof r->sagittal.right, "caudal");
    snprintf(r->axial.left, sizeof r->axial.left, "patient's left");
    snprintf(r->axial.right, sizeof r->axial.right, "patient's right");
    ss_report_section *sec[2] = {&r->sagittal, &r->axial};
    for (int i = 0; i < 2; i++) {
        snprintf(sec[i]->top, sizeof sec[i]->top, "posterior (skin)");
        snprintf(sec[i]->bottom, sizeof sec[i]->bottom, "anterior");
    }
    return SS_OK;
}

/* ------------------------------------------------------------------ build */

void ss_report_free(ss_report *r)
{
    if (!r) return;
    cJSON_Delete(r->grade_items);
    cJSON_Delete(r->metrics);
    free(r->events);
    free(r->path);
    for (int i = 0; i < r->nframes; i++) free(r->frames[i].pixels);
    free(r->sagittal.rgb);
    free(r->axial.rgb);
    memset(r, 0, sizeof *r);
}

ss_status ss_report_build(const ss_report_desc *d, ss_report *out)
{
    memset(out, 0, sizeof *out);
    const ss_log_check *ck = d->check;
    if (ck && ck->verdict == SS_LOG_TAMPERED)
        return ss_error_set(SS_ERR_INVALID, "%s: TAMPERED at line %ld: %s: no report is made from a log that was altered",
                            d->log_path ? d->log_path : "log", ck->bad_line, ck->reason);
    ss_report *r = out;
    snprintf(r->log_path, sizeof r->log_path, "%s", d->log_path ? d->log_path : "");
    const cJSON *h = cJSON_GetArrayItem(d->records, 0);
    if (!h || strcmp(ss__str(h, "type", ""), "header") != 0)
        return ss_error_set(SS_ERR_PARSE, "%s: line 1 is not a session header: not a session log", r->log_path);
    snprintf(r->trainee, sizeof r->trainee, "%s", ss__str(h, "trainee", "(not named)"));
    snprintf(r->scenario_id, sizeof r->scenario_id, "%s", ss__str(h, "scenario_id", "?"));
    snprintf(r->scenario_sha256, sizeof r->scenario_sha256, "%s", ss__str(h, "scenario_sha256", ""));
    snprintf(r->scenario_path, sizeof r->scenario_path, "%s", ss__str(h, "scenario", ""));
    snprintf(r->started_utc, sizeof r->started_utc, "%s", ss__str(h, "started_utc", "?"));
    snprintf(r->mode, sizeof r->mode, "%s", ss__str(h, "mode", "practice"));
    snprintf(r->version, sizeof r->version, "%s", ss__str(h, "version", "?"));
    snprintf(r->scenario_title, sizeof r->scenario_title, "%s",
             d->patient ? d->patient->scenario.title : "(scenario file not available)");
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(r->generated_utc, sizeof r->generated_utc, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (ck) {
        r->verdict = ck->verdict;
        r->records = ck->records;
        /* The seal's hash when there is one: what the station key signed and what the
         * results database records (results_db.h log_hash). */
        snprintf(r->log_last_hash, sizeof r->log_last_hash, "%s", ck->seal_hash[0] ? ck->seal_hash : ck->last_hash);
        r->auth = ss_log_authenticity(ck, d->trust, r->verdict_text, sizeof r->verdict_text);
        if (ck->verdict != SS_LOG_INTACT && r->auth != SS_AUTH_PREFIX)
            snprintf(r->verdict_text, sizeof r->verdict_text,
                     "INCOMPLETE, UNAUTHENTICATED: %ld records chain, but the log stops before its seal or signature "
                     "(%.500s): the attempt was interrupted or nobody signed it; results below are only what the log "
                     "holds",
                     ck->records, ck->reason);
    } else {
        r->verdict = SS_LOG_INCOMPLETE;
        r->auth = SS_AUTH_UNAUTHENTICATED;
        snprintf(r->verdict_text, sizeof r->verdict_text, "NOT VERIFIED: no chain check was made");
    }

    ss_status st = SS_OK;
    const cJSON *rec;
    cJSON_ArrayForEach(rec, d->records)
    {
        const char *type = ss__str(rec, "type", "");
        if (!strcmp(type, "event")) st = ss__add_event(r, rec);
        else if (!strcmp(type, "metrics")) {
            cJSON_Delete(r->metrics);
            r->metrics = ss__payload_copy(rec);
            cJSON_DeleteItemFromObjectCaseSensitive(r->metrics, "end_tick");
        } else if (!strcmp(type, "grade")) {
            if (d->grade_unverified) /* a grade nobody re-computed is not shown as one */
                snprintf(r->ungraded_reason, sizeof r->ungraded_reason,
                         "Not re-graded: %.480s. The grade the log holds is not shown: only one re-computed from the "
                         "scenario and the inputs is.",
                         d->grade_unverified);
            else
                ss__read_grade(r, rec);
        }
        if (st != SS_OK) break;
    }
    if (st == SS_OK && r->metrics) r->insertions = (int)ss__num(r->metrics, "insertions", 0);
    ss_followup fu;
    int fb, fi;
    if (st == SS_OK && r->metrics && ss_followup_from_metrics_json(r->metrics, &fu, &fb, &fi) && fi > 0)
        ss_followup_describe(&fu, fb, fi, r->followup, sizeof r->followup);

    /* a dose of a course; a landmark attempt against the guided technique */
    if (st == SS_OK) {
        ss_session_desc hd = {0};
        if (ss_session_header_desc(d->records, &hd) == SS_OK) ss__course_text(r, &hd, d->patient);
        if (d->patient) ss__landmark_comparison(r, d->records, d->patient);
    }
    /* re-simulation */
    if (st == SS_OK) {
        char have[65];
        if (!d->patient) {
            snprintf(r->resim_note, sizeof r->resim_note,
                     "The scenario file %.900s was not found: the needle path, sections and B-mode frames are left out.",
                     r->scenario_path);
        } else if (ss_session_scenario_hash(&d->patient->scenario, have), strcmp(have, r->scenario_sha256) != 0) {
            snprintf(r->resim_note, sizeof r->resim_note,
                     "The scenario file %.900s has changed since the attempt (SHA-256 %.12s..., the log's %.12s...): the "
                     "needle path, sections and B-mode frames are left out.",
                     d->patient->path, have, r->scenario_sha256);
        } else {
            ss__resim rs = {.r = r};
            rs.max_captures = d->max_frames > 0 ? d->max_frames : 8;
            if (rs.max_captures > SS_REPORT_MAX_FRAMES) rs.max_captures = SS_REPORT_MAX_FRAMES;
            ss_status rst = ss__resimulate(r, d->records, d->patient, &rs);
            if (rst != SS_OK) {
                snprintf(r->resim_note, sizeof r->resim_note, "The log's inputs could not be re-simulated (%.900s).",
                         ss_error_message());
                if (rst == SS_ERR_NOMEM) st = rst;
            } else {
                r->resimulated = true;
                /* compare with the logged timeline (layer entries aside) */
                int k = 0;
                bool same = rs.nev == r->nevents;
                for (; k < rs.nev && k < r->nevents; k++)
                    if (strcmp(rs.names[k], r->events[k].name) != 0 || rs.ticks[k] != r->events[k].tick) {
                        same = false;
                        break;
                    }
                if (same)
                    snprintf(r->resim_note, sizeof r->resim_note,
                             "Re-simulated from the log's inputs: all %d events came out as logged.", rs.nev);
                else
                    snprintf(r->resim_note, sizeof r->resim_note,
                             "Re-simulated from the log's inputs, but event %d differs from the log (%s at tick %ld "
                             "logged, %s re-simulated): the drawings show the re-simulation; run sonospine replay.",
                             k + 1, k < r->nevents ? r->events[k].name : "none", k < r->nevents ? r->events[k].tick : -1,
                             k < rs.nev ? rs.names[k] : "none");
                if (!d->no_images) {
                    const ss_volume *vol;
                    st = ss_case_volume_posed(d->patient, rs.unflexed, 0.5f, &vol);
                    if (st == SS_OK && rs.have_target)
                        st = ss__sections(r, d->patient, rs.unflexed, vol, rs.csf_target);
                    if (st == SS_OK) st = ss__render_frames(r, &rs, vol, &d->patient->scenario, d->bmode);
                }
            }
            free(rs.names);
            free(rs.ticks);
        }
    }
    if (st != SS_OK) ss_report_free(r);
    return st;
}

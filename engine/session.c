/* session.c: see session.h. */
#define _POSIX_C_SOURCE 200809L
#include "session.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paths.h"
#include "log_signer.h"
#include "session_log.h"
#include "station_key.h"
#include "tissue.h"

struct ss_session {
    ss_session_desc d;
    ss_sim *sim;
    ss_metrics_state *metrics;
    ss_log_writer *log;
    ss_station_key *key;        /* signs the log at its end (station_key.h) */
    ss_status log_status;       /* first write error */
    cJSON *events;              /* when replaying: events produced, for comparison */
    int since_checkpoint;       /* records appended since the last checkpoint */
    bool ended;
};

void ss_session_scenario_hash(const ss_scenario *sc, char out[65])
{
    ss_log_sha256_hex(sc->raw ? sc->raw : "", sc->raw ? sc->raw_len : 0, out);
}

/* A signed checkpoint of the log so far (session_log.h), by the signing service or the
 * station key: a killed attempt stays authenticated up to it. A service that does not
 * answer or refuses costs only this checkpoint (the attempt goes on; the seal at the end
 * says whether the log could be signed). */
static void ss__checkpoint(ss_session *s)
{
    s->since_checkpoint = 0;
    char utc[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(utc, sizeof utc, "%Y-%m-%dT%H:%M:%SZ", &tm);
    ss_log_signature sig;
    if (s->d.signer_socket) {
        char *text = NULL;
        size_t len = 0;
        ss_status st = ss_file_read(ss_log_path(s->log), SS_SIGNER_MAX_LOG, &text, &len);
        if (st == SS_OK) st = ss_signer_checkpoint(s->d.signer_socket, text, len, &sig, utc);
        free(text);
        if (st != SS_OK) return;
    } else if (s->key) {
        ss_log_sign_checkpoint(s->key, ss_log_last_hash(s->log), ss_log_records(s->log), utc, &sig);
    } else {
        return;
    }
    ss_status st = ss_log_append_checkpoint(s->log, &sig, utc);
    if (st != SS_OK && st != SS_ERR_INVALID) s->log_status = st; /* a write error; a bad signature is only skipped */
}

static void ss__append(ss_session *s, cJSON *rec)
{
    if (!rec) { /* the record could not be built (out of memory): the log ends here */
        if (s->log && s->log_status == SS_OK)
            s->log_status = ss_error_set(SS_ERR_NOMEM, "out of memory building a session log record");
        return;
    }
    if (s->log && s->log_status == SS_OK) {
        ss_status st = ss_log_append(s->log, rec);
        if (st != SS_OK) s->log_status = st;
        else if (++s->since_checkpoint >= SS_LOG_CHECKPOINT_EVERY) ss__checkpoint(s);
    }
    cJSON_Delete(rec);
}

static cJSON *ss__event_json(const ss_event *e, long tick)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "event");
    cJSON_AddNumberToObject(o, "tick", (double)tick);
    cJSON_AddNumberToObject(o, "t", e->t_s);
    cJSON_AddStringToObject(o, "event", ss_event_name(e->type));
    if (e->tissue >= 0) cJSON_AddStringToObject(o, "tissue", ss_tissue_get(e->tissue)->name);
    else cJSON_AddNullToObject(o, "tissue");
    if (e->level >= 0) cJSON_AddStringToObject(o, "level", ss_level_name(e->level));
    else cJSON_AddNullToObject(o, "level");
    if (e->view >= 0) cJSON_AddStringToObject(o, "view", ss_view_name((ss_view)e->view));
    else cJSON_AddNullToObject(o, "view");
    cJSON *p = cJSON_AddArrayToObject(o, "pos_mm");
    for (int i = 0; i < 3; i++) cJSON_AddItemToArray(p, cJSON_CreateNumber(e->pos_mm[i]));
    cJSON_AddNumberToObject(o, "depth_mm", e->depth_mm);
    cJSON_AddNumberToObject(o, "value", e->value);
    return o;
}

static void ss__record_event(ss_session *s, const ss_event *e)
{
    long tick = ss_sim_get_state(s->sim)->tick;
    if (s->events) cJSON_AddItemToArray(s->events, ss__event_json(e, tick));
    else ss__append(s, ss__event_json(e, tick));
    if (s->d.extra_sink.emit) s->d.extra_sink.emit(s->d.extra_sink.user, e);
}

static void ss__on_event(void *user, const ss_event *e)
{
    ss_session *s = user;
    ss_metrics_event(s->metrics, e);
    ss__record_event(s, e);
    /* a critical error that no simulation event records (an injection outside the CSF, a
     * dural puncture above the conus, the protocol exceeded) is logged as an event of its
     * own type right after the event that revealed it (critical.h) */
    ss_critical_error c;
    while (ss_metrics_take_critical(s->metrics, &c)) {
        ss_event_type t = ss_critical_event(c.type);
        if (t == e->type) continue;
        ss_event x = *e;
        x.type = t;
        x.t_s = c.t_s;
        x.tissue = c.tissue;
        x.level = c.level;
        ss__record_event(s, &x);
    }
}

static void ss__on_tick(void *user, const ss_tick_sample *t)
{
    ss_session *s = user;
    ss_metrics_tick(s->metrics, t);
}

/* rec with every member of body appended (body consumed); NULL, both freed, when either
 * is missing (out of memory): a record without its body is never logged (ss__append). */
static cJSON *ss__merge(cJSON *rec, cJSON *body)
{
    if (!rec || !body) {
        cJSON_Delete(rec);
        cJSON_Delete(body);
        return NULL;
    }
    while (body->child) {
        cJSON *it = cJSON_DetachItemViaPointer(body, body->child);
        if (!cJSON_AddItemToObject(rec, it->string, it)) cJSON_Delete(it); /* counted: the record is not written */
    }
    cJSON_Delete(body);
    return rec;
}

static void ss__on_command(void *user, long tick, const ss_script_cmd *c)
{
    ss_session *s = user;
    if (s->events) return; /* replaying: inputs come from the log */
    cJSON *o = ss_script_cmd_to_json(c);
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "type", "input");
    cJSON_AddNumberToObject(rec, "tick", (double)tick);
    cJSON_AddNumberToObject(rec, "t", (double)tick * SS_SIM_TICK_S);
    ss__append(s, ss__merge(rec, o));
}

/* No refusal is silent (issue 22): each is a log record beside the input that caused it
 * (not while replaying: the inputs come from the log and replay compares events). */
static void ss__on_refused(void *user, const ss_script_cmd *c, const char *why)
{
    ss_session *s = user;
    if (!s->events) {
        long tick = ss_sim_get_state(s->sim)->tick;
        cJSON *rec = cJSON_CreateObject();
        cJSON_AddStringToObject(rec, "type", "refused");
        cJSON_AddNumberToObject(rec, "tick", (double)tick);
        cJSON_AddNumberToObject(rec, "t", (double)tick * SS_SIM_TICK_S);
        cJSON_AddStringToObject(rec, "op", ss_script_op_name(c->op));
        if (c->line > 0) cJSON_AddNumberToObject(rec, "line", c->line);
        cJSON_AddStringToObject(rec, "why", why);
        ss__append(s, rec);
    }
    if (s->d.on_refused) s->d.on_refused(s->d.refused_user, c, why);
}

static ss_status ss__make(const ss_session_desc *d, bool replaying, ss_session **out)
{
    *out = NULL;
    ss_session *s = calloc(1, sizeof *s);
    if (!s) return ss_error_set(SS_ERR_NOMEM, "out of memory");
    s->d = *d;
    s->metrics = ss_metrics_begin();
    if (replaying) s->events = cJSON_CreateArray();
    ss_sim_desc sd = {0};
    sd.world = d->world;
    ss_scenario_needle(d->scenario, &sd.needle);
    ss_scenario_probe(d->scenario, &sd.probe);
    sd.guide_allowed = d->scenario->task.guide_allowed;
    sd.guide_min_deg = d->scenario->task.guide_angle_min_deg;
    sd.guide_max_deg = d->scenario->task.guide_angle_max_deg;
    sd.freehand_allowed = d->scenario->task.freehand_allowed;
    sd.exam = d->mode && strcmp(d->mode, "exam") == 0;
    sd.landmark = d->mode && strcmp(d->mode, "landmark") == 0;
    sd.prior_note = d->prior_note;
    sd.sink = (ss_event_sink){ss__on_event, s};
    sd.on_tick = ss__on_tick;
    sd.on_command = ss__on_command;
    sd.on_refused = ss__on_refused;
    sd.tick_user = s;
    if (s->metrics) ss_metrics_set_needle(s->metrics, &sd.needle);
    ss_status st = ss_sim_create(&sd, &s->sim);
    if (st != SS_OK || !s->metrics) {
        ss_session_free(s);
        return st != SS_OK ? st : ss_error_set(SS_ERR_NOMEM, "out of memory");
    }
    *out = s;
    return SS_OK;
}

ss_status ss_session_begin(const ss_session_desc *d, ss_session **out)
{
    ss_session *s;
    ss_status st = ss__make(d, false, &s);
    if (st != SS_OK) return st;
    if (d->log_path) {
        /* The key first: a refused key (wrong permissions, damaged) stops the attempt
         * before it starts rather than leaving an unsigned log at its end. */
        st = d->signer_socket ? ss_signer_ping(d->signer_socket, NULL) : ss_station_key_open(NULL, true, &s->key, NULL);
        if (st != SS_OK) {
            ss_session_free(s);
            return st;
        }
        st = ss_log_create(d->log_path, &s->log);
        if (st != SS_OK) {
            ss_session_free(s);
            return st;
        }
        char hash[65];
        ss_session_scenario_hash(d->scenario, hash);
        char when[32];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        cJSON *h = cJSON_CreateObject();
        cJSON_AddStringToObject(h, "type", "header");
        cJSON_AddStringToObject(h, "program", "sonospine");
        cJSON_AddStringToObject(h, "version", ss_version());
        cJSON_AddStringToObject(h, "scenario", d->scenario_path ? d->scenario_path : d->scenario->source);
        cJSON_AddStringToObject(h, "scenario_id", d->scenario->id);
        cJSON_AddStringToObject(h, "scenario_sha256", hash);
        cJSON_AddNumberToObject(h, "seed", d->scenario->seed);
        cJSON_AddStringToObject(h, "mode", d->mode ? d->mode : "practice");
        if (d->trainee) cJSON_AddStringToObject(h, "trainee", d->trainee);
        else cJSON_AddNullToObject(h, "trainee");
        cJSON_AddNumberToObject(h, "tick_s", SS_SIM_TICK_S);
        cJSON_AddStringToObject(h, "started_utc", when);
        if (d->course_dose > 0) {
            cJSON *c = cJSON_AddObjectToObject(h, "course");
            cJSON_AddNumberToObject(c, "dose", d->course_dose);
            cJSON_AddNumberToObject(c, "of", d->course_doses);
            cJSON_AddNumberToObject(c, "day", d->course_day);
        }
        if (d->prior_note.has_level || d->prior_note.has_angle) {
            cJSON *pn = cJSON_AddObjectToObject(h, "prior_note");
            if (d->prior_note.has_level) cJSON_AddStringToObject(pn, "level", ss_level_name(d->prior_note.level));
            else cJSON_AddNullToObject(pn, "level");
            if (d->prior_note.has_angle) cJSON_AddNumberToObject(pn, "angle_deg", d->prior_note.angle_deg);
            else cJSON_AddNullToObject(pn, "angle_deg");
        }
        ss__append(s, h);
        if (s->log_status != SS_OK) {
            st = s->log_status;
            ss_session_free(s);
            return st;
        }
    }
    *out = s;
    return SS_OK;
}

ss_sim *ss_session_sim(ss_session *s) { return s->sim; }

void ss_session_run_script(ss_session *s, const ss_script *script)
{
    double limit = s->d.scenario->task.time_limit_s > 0 ? s->d.scenario->task.time_limit_s : 3600.0;
    ss_sim_run_script(s->sim, script, limit);
}

static void ss__finish(ss_session *s, ss_metrics *m, ss_grade *g)
{
    if (!ss_sim_get_state(s->sim)->ended) {
        ss_script_cmd end = {.op = SS_OP_END};
        ss_sim_command(s->sim, &end);
    }
    ss_metrics_finish(s->metrics, ss_sim_get_state(s->sim)->t_s, m);
    m->landmark = s->d.mode && strcmp(s->d.mode, "landmark") == 0;
    m->note = ss_sim_get_state(s->sim)->proc_note;
    /* the pre-procedure stage, against the patient's own answers (preparation.h) */
    const ss_prep_inputs *pi = &ss_sim_get_state(s->sim)->prep;
    ss_prep_key key;
    m->prep.present = false;
    if (pi->any && s->d.world.prep_key && s->d.world.prep_key(s->d.world.user, &key)) {
        ss_prep_grade(pi, &key, &m->prep);
        m->prep.unflexed = ss_sim_get_state(s->sim)->unflexed;
    }
    ss_rubric_grade(s->d.scenario, m, g);
}

/* Seals the log, has the signing service check and sign it, appends its signature and
 * closes. Refused or unreachable: the log stays sealed and unsigned (unauthenticated),
 * and the service's reason is the error. */
static ss_status ss__close_by_service(ss_log_writer *w, const char *socket_path)
{
    ss_status st = ss_log_seal(w);
    if (st != SS_OK) {
        ss_log_abandon(w);
        return st;
    }
    char *text = NULL;
    size_t len = 0;
    ss_log_signature sig;
    st = ss_file_read(ss_log_path(w), SS_SIGNER_MAX_LOG, &text, &len);
    if (st == SS_OK) st = ss_signer_sign(socket_path, text, len, &sig);
    free(text);
    if (st != SS_OK) {
        ss_error_set(st, "%s (the log is sealed but unsigned)", ss_error_message());
        ss_status c = ss_log_close_with(w, NULL);
        return c != SS_OK ? c : st;
    }
    return ss_log_close_with(w, &sig);
}

ss_status ss_session_end(ss_session *s, ss_metrics *metrics_out, ss_grade *grade_out)
{
    ss_metrics m;
    ss_grade g;
    ss__finish(s, &m, &g);
    if (metrics_out) *metrics_out = m;
    if (grade_out) *grade_out = g;
    cJSON *mj = ss_metrics_to_json(&m);
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "type", "metrics");
    cJSON_AddNumberToObject(rec, "end_tick", (double)ss_sim_get_state(s->sim)->tick);
    ss__append(s, ss__merge(rec, mj));
    cJSON *gj = ss_grade_to_json(&g);
    cJSON *grec = cJSON_CreateObject();
    cJSON_AddStringToObject(grec, "type", "grade");
    ss__append(s, ss__merge(grec, gj));
    ss_status st = s->log_status;
    if (s->log) {
        ss_status c = st == SS_OK ? (s->d.signer_socket ? ss__close_by_service(s->log, s->d.signer_socket)
                                                         : ss_log_close_signed(s->log, s->key))
                                  : (ss_log_abandon(s->log), st);
        s->log = NULL;
        if (st == SS_OK) st = c;
    }
    s->ended = true;
    return st;
}

void ss_session_free(ss_session *s)
{
    if (!s) return;
    if (s->log) ss_log_abandon(s->log); /* not ended: the log reads as incomplete */
    ss_station_key_free(s->key);
    ss_sim_free(s->sim);
    ss_metrics_free(s->metrics);
    cJSON_Delete(s->events);
    free(s);
}

ss_status ss_session_log_header(const cJSON *records, char *scenario_path, size_t path_size, char sha256[65])
{
    const cJSON *h = cJSON_GetArrayItem(records, 0);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(h, "type");
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(h, "scenario");
    const cJSON *hash = cJSON_GetObjectItemCaseSensitive(h, "scenario_sha256");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, "header") != 0 || !cJSON_IsString(sc) ||
        !cJSON_IsString(hash) || strlen(hash->valuestring) != 64)
        return ss_error_set(SS_ERR_PARSE, "session log: line 1 is not a header record with scenario and scenario_sha256");
    snprintf(scenario_path, path_size, "%s", sc->valuestring);
    memcpy(sha256, hash->valuestring, 65);
    return SS_OK;
}

ss_status ss_session_header_desc(const cJSON *records, ss_session_desc *d)
{
    const cJSON *h = cJSON_GetArrayItem(records, 0);
    const cJSON *mode = cJSON_GetObjectItemCaseSensitive(h, "mode");
    if (cJSON_IsString(mode)) d->mode = mode->valuestring;
    const cJSON *co = cJSON_GetObjectItemCaseSensitive(h, "course");
    if (co) {
        const cJSON *dose = cJSON_GetObjectItemCaseSensitive(co, "dose"), *of = cJSON_GetObjectItemCaseSensitive(co, "of"),
                    *day = cJSON_GetObjectItemCaseSensitive(co, "day");
        if (!cJSON_IsNumber(dose) || !cJSON_IsNumber(of) || !cJSON_IsNumber(day) || dose->valuedouble < 1 ||
            dose->valuedouble > 30 || of->valuedouble < dose->valuedouble || of->valuedouble > 30 ||
            !(day->valuedouble >= 0 && day->valuedouble <= 3650))
            return ss_error_set(SS_ERR_INVALID, "session log: the header's course is malformed (expected {\"dose\": 1-30, "
                                                "\"of\": dose-30, \"day\": 0-3650})");
        d->course_dose = (int)dose->valuedouble;
        d->course_doses = (int)of->valuedouble;
        d->course_day = day->valuedouble;
    }
    const cJSON *pn = cJSON_GetObjectItemCaseSensitive(h, "prior_note");
    if (pn) {
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(pn, "level"), *an = cJSON_GetObjectItemCaseSensitive(pn, "angle_deg");
        int level = cJSON_IsString(lv) ? ss_level_from_name(lv->valuestring) : -1;
        if (!cJSON_IsObject(pn) || (!cJSON_IsNull(lv) && level < 0) ||
            (!cJSON_IsNull(an) && !(cJSON_IsNumber(an) && an->valuedouble >= 0.0 && an->valuedouble <= 80.0)))
            return ss_error_set(SS_ERR_INVALID, "session log: the header's prior_note is malformed (expected "
                                                "{\"level\": \"L1-L2\"..\"L5-S1\" or null, \"angle_deg\": 0-80 or null})");
        d->prior_note = (ss_proc_note){.has_level = level >= 0, .level = level < 0 ? 0 : level,
                                       .has_angle = cJSON_IsNumber(an), .angle_deg = cJSON_IsNumber(an) ? an->valuedouble : 0.0};
    }
    return SS_OK;
}

/* Compares a logged event record with a replayed one; fields other than seq/prev/hash. */
/* A replayed record against its logged twin: every member the replay made must be
 * logged with the same value; with both_ways, the logged record may hold nothing else
 * either (beside the log's own seq, prev, hash and end_tick). */
static bool ss__same_record(const cJSON *logged, const cJSON *replayed, bool both_ways, char *why, size_t n)
{
    for (const cJSON *it = replayed->child; it; it = it->next) {
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(logged, it->string);
        if (!l || !cJSON_Compare(l, it, 1)) {
            char *a = l ? cJSON_PrintUnformatted(l) : NULL, *b = cJSON_PrintUnformatted(it);
            snprintf(why, n, "%s: logged %.120s, replayed %.120s", it->string, a ? a : "(missing)", b ? b : "?");
            free(a);
            free(b);
            return false;
        }
    }
    static const char *const own[] = {"seq", "prev", "hash", "end_tick", "type"};
    for (const cJSON *it = both_ways ? logged->child : NULL; it; it = it->next) {
        bool log_own = false;
        for (size_t k = 0; k < sizeof own / sizeof own[0]; k++) log_own |= strcmp(it->string, own[k]) == 0;
        if (!log_own && !cJSON_GetObjectItemCaseSensitive(replayed, it->string)) {
            snprintf(why, n, "%s: logged, but the replay has no such member", it->string);
            return false;
        }
    }
    return true;
}

/* No attempt lasts longer than the longest time limit a scenario or an exam case may set
 * (SS_SESSION_MAX_S): a tick past it in a log is forged or damaged, and replay says so at
 * once instead of simulating hours. */
#define SS__REPLAY_MAX_TICK (SS_SESSION_MAX_S / SS_SIM_TICK_S + 1.0)

ss_status ss_session_replay(const cJSON *records, const ss_scenario *sc, const ss_world *world, ss_replay_result *out)
{
    memset(out, 0, sizeof *out);
    char path[1024], want[65], have[65];
    ss_status st = ss_session_log_header(records, path, sizeof path, want);
    if (st != SS_OK) return st;
    ss_session_scenario_hash(sc, have);
    if (strcmp(want, have) != 0)
        return ss_error_set(SS_ERR_INVALID,
                            "scenario %s: its SHA-256 %.12s... differs from the log's %.12s...: the scenario file "
                            "changed since the attempt was recorded",
                            sc->source, have, want);
    ss_session_desc d = {.scenario = sc, .world = *world};
    st = ss_session_header_desc(records, &d);
    if (st != SS_OK) return st;
    ss_session *s;
    st = ss__make(&d, true, &s);
    if (st != SS_OK) return st;
    cJSON *logged_events = cJSON_CreateArray();
    const cJSON *logged_metrics = NULL, *logged_grade = NULL;
    long end_tick = -1;
    const cJSON *rec;
    cJSON_ArrayForEach(rec, records)
    {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(rec, "type");
        if (!cJSON_IsString(type)) continue;
        const cJSON *tk = cJSON_GetObjectItemCaseSensitive(rec, "tick");
        if (!strcmp(type->valuestring, "input")) {
            ss_script_cmd c;
            if (!cJSON_IsNumber(tk) || tk->valuedouble < 0 || !ss_script_cmd_from_json(rec, &c)) {
                st = ss_error_set(SS_ERR_INVALID, "session log: input record %d is malformed",
                                  (int)cJSON_GetObjectItem(rec, "seq")->valuedouble);
                goto done;
            }
            if (tk->valuedouble > SS__REPLAY_MAX_TICK) {
                st = ss_error_set(SS_ERR_INVALID,
                                  "session log: input record %d at %.0f s is past the longest attempt (%.0f s): "
                                  "forged or damaged",
                                  (int)cJSON_GetObjectItem(rec, "seq")->valuedouble, tk->valuedouble * SS_SIM_TICK_S,
                                  SS_SESSION_MAX_S);
                goto done;
            }
            long tick = (long)tk->valuedouble;
            if (tick < ss_sim_get_state(s->sim)->tick) {
                st = ss_error_set(SS_ERR_INVALID, "session log: input at tick %ld goes back in time", tick);
                goto done;
            }
            while (ss_sim_get_state(s->sim)->tick < tick && !ss_sim_get_state(s->sim)->ended) ss_sim_step(s->sim);
            ss_sim_command(s->sim, &c);
            out->inputs++;
        } else if (!strcmp(type->valuestring, "event")) {
            cJSON *copy = cJSON_Duplicate(rec, 1);
            cJSON_DeleteItemFromObject(copy, "seq");
            cJSON_DeleteItemFromObject(copy, "prev");
            cJSON_DeleteItemFromObject(copy, "hash");
            cJSON_AddItemToArray(logged_events, copy);
            if (cJSON_IsNumber(tk) && tk->valuedouble > end_tick) end_tick = (long)fmin(tk->valuedouble, SS__REPLAY_MAX_TICK + 1);
        } else if (!strcmp(type->valuestring, "metrics")) {
            logged_metrics = rec;
            const cJSON *et = cJSON_GetObjectItemCaseSensitive(rec, "end_tick");
            if (cJSON_IsNumber(et)) end_tick = (long)fmin(fmax(et->valuedouble, -1.0), SS__REPLAY_MAX_TICK + 1);
        } else if (!strcmp(type->valuestring, "grade")) {
            logged_grade = rec;
        }
    }
    if (end_tick > SS__REPLAY_MAX_TICK) {
        st = ss_error_set(SS_ERR_INVALID, "session log: an event or the end at over %.0f s, past the longest attempt: "
                                          "forged or damaged",
                          SS_SESSION_MAX_S);
        goto done;
    }
    /* Run on to where the log ends (its metrics' end tick, or its last event). */
    while (ss_sim_get_state(s->sim)->tick < end_tick && !ss_sim_get_state(s->sim)->ended) ss_sim_step(s->sim);
    ss_metrics m;
    ss_grade g;
    if (logged_metrics) {
        ss__finish(s, &m, &g);
    } else {
        ss_metrics_finish(s->metrics, ss_sim_get_state(s->sim)->t_s, &m);
    }
    out->metrics = m;
    out->had_metrics = logged_metrics != NULL;
    out->events_logged = cJSON_GetArraySize(logged_events);
    out->events_replayed = cJSON_GetArraySize(s->events);
    out->match = true;
    /* An incomplete log stops early: compare what it holds. */
    long n = out->had_metrics ? (out->events_replayed > out->events_logged ? out->events_replayed : out->events_logged)
                              : out->events_logged;
    for (long i = 0; i < n && out->match; i++) {
        const cJSON *a = cJSON_GetArrayItem(logged_events, (int)i), *b = cJSON_GetArrayItem(s->events, (int)i);
        char why[300] = "";
        if (!a || !b) {
            snprintf(out->difference, sizeof out->difference, "event %ld: %s", i + 1,
                     a ? "logged but not reproduced" : "reproduced but not in the log");
            out->match = false;
        } else if (!ss__same_record(a, b, false, why, sizeof why)) {
            const cJSON *name = cJSON_GetObjectItemCaseSensitive(a, "event");
            snprintf(out->difference, sizeof out->difference, "event %ld (%s): %s", i + 1,
                     cJSON_IsString(name) ? name->valuestring : "?", why);
            out->match = false;
        }
    }
    /* the metrics, and the grade re-computed from them and the scenario's rubric: a logged
       grade that differs in anything (score, pass, verdict, items, words), holds more, or
       is missing was changed after the fact */
    if (out->match && logged_metrics) {
        char why[300];
        cJSON *mj = ss_metrics_to_json(&m), *gj = ss_grade_to_json(&g);
        if (!ss__same_record(logged_metrics, mj, false, why, sizeof why)) {
            snprintf(out->difference, sizeof out->difference, "metric %s", why);
            out->match = false;
        } else if (!logged_grade) {
            snprintf(out->difference, sizeof out->difference, "the grade record is missing after the metrics");
            out->match = false;
        } else if (!ss__same_record(logged_grade, gj, true, why, sizeof why)) {
            snprintf(out->difference, sizeof out->difference, "grade %s (re-graded)", why);
            out->match = false;
        }
        cJSON_Delete(mj);
        cJSON_Delete(gj);
    }
    if (out->match) snprintf(out->difference, sizeof out->difference, "none");
done:
    cJSON_Delete(logged_events);
    ss_session_free(s);
    return st;
}

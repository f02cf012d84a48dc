/* metrics.c: see metrics.h. */
#include "metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metric_def.h"
#include "session_script.h"
#include "tissue.h"

struct ss_metrics_state {
    ss_metrics r;
    double first_contact_t, first_entry_t, csf_t, inject_done_t;
    bool have_contact, have_entry, have_csf, have_inject;
    bool level_tried[SS_LEVEL_COUNT];
    int failed_at_level[SS_LEVEL_COUNT];
    bool level_failed[SS_LEVEL_COUNT]; /* three failed insertions there */
    int levels_failed;
    int current_level;             /* level of the insertion in progress */
    bool insertion_open, insertion_reached_csf;
    int view_at_entry;
    /* redirection state machine */
    double withdrawn_mm;
    bool withdrawing;
    /* advancement averages */
    double adv_total_mm, adv_visible_mm, angle_sum, dist_sum;
    long adv_ticks;
    double last_tick_t;
    bool protocol_broken;
    ss_needle_spec needle;
    int critical_taken;            /* critical errors handed to ss_metrics_take_critical */
};

/* Post-dural-puncture headache per puncture: REFERENCE §3 (Cochrane: pencil-point 4.2 %
 * vs cutting 11 %). The 11 % is taken for a 20G cutting needle; larger cutting needles
 * do worse: x1.3 for 18G, x0.6 for 22G (unconfirmed scaling, in the direction the
 * literature reports). n punctures: 1 - (1 - p)^n. */
double ss_metrics_pdph_risk_pct(const ss_needle_spec *spec, int n)
{
    if (n <= 0) return 0.0;
    double p = 0.042;
    if (spec->tip == SS_TIP_QUINCKE) p = 0.11 * (spec->gauge <= 18 ? 1.3 : spec->gauge >= 22 ? 0.6 : 1.0);
    return 100.0 * (1.0 - pow(1.0 - p, n));
}

void ss_metrics_set_needle(ss_metrics_state *m, const ss_needle_spec *spec) { m->needle = *spec; }

const char *ss_verdict_name(ss_verdict v)
{
    switch (v) {
    case SS_VERDICT_PASS: return "pass";
    case SS_VERDICT_ESCALATED_CORRECTLY: return "escalated_correctly";
    case SS_VERDICT_NOT_ATTEMPTED: return "not_attempted";
    case SS_VERDICT_FAIL: break;
    }
    return "fail";
}

ss_metrics_state *ss_metrics_begin(void)
{
    ss_metrics_state *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->r.puncture_time_s = NAN;
    m->r.level = -1;
    m->r.view = -1;
    m->current_level = -1;
    m->view_at_entry = -1;
    ss_needle_spec_default(&m->needle);
    return m;
}

static void ss__broken(ss_metrics_state *m, const char *why)
{
    if (m->protocol_broken) return;
    m->protocol_broken = true;
    snprintf(m->r.protocol_note, sizeof m->r.protocol_note, "%s", why);
}

static void ss__critical(ss_metrics_state *m, ss_critical_type type, const ss_event *e)
{
    ss_metrics *r = &m->r;
    if (r->ncritical < SS_CRITICAL_MAX) {
        ss_critical_error *c = &r->critical[r->ncritical];
        *c = (ss_critical_error){.type = type, .t_s = e->t_s, .tissue = e->tissue, .level = e->level};
        for (int i = 0; i < 3; i++) c->pos_mm[i] = e->pos_mm[i];
    }
    r->ncritical++;
}

bool ss_metrics_take_critical(ss_metrics_state *m, ss_critical_error *out)
{
    int recorded = m->r.ncritical < SS_CRITICAL_MAX ? m->r.ncritical : SS_CRITICAL_MAX;
    if (m->critical_taken >= recorded) return false;
    *out = m->r.critical[m->critical_taken++];
    return true;
}

static void ss__close_insertion(ss_metrics_state *m)
{
    if (!m->insertion_open) return;
    m->insertion_open = false;
    if (m->insertion_reached_csf || m->current_level < 0) return;
    int l = m->current_level;
    if (++m->failed_at_level[l] >= SS_PROTOCOL_INSERTIONS_PER_LEVEL && !m->level_failed[l]) {
        m->level_failed[l] = true;
        m->levels_failed++;
    }
}

void ss_metrics_event(ss_metrics_state *m, const ss_event *e)
{
    ss_metrics *r = &m->r;
    switch (e->type) {
    case SS_EV_PROBE_CONTACT:
        if (!m->have_contact) {
            m->have_contact = true;
            m->first_contact_t = e->t_s;
        }
        break;
    case SS_EV_SKIN_ENTRY: {
        ss__close_insertion(m);
        bool exceeded = false;
        /* after CT is called the insertions are made under CT guidance: the radiologist's
           count, not a breach of the ultrasound protocol */
        if (m->levels_failed >= SS_PROTOCOL_LEVELS_BEFORE_CT && !r->ct_called) {
            ss__broken(m, "kept inserting after three interspaces had failed instead of calling for CT");
            exceeded = true;
        }
        r->insertions++;
        if (!m->have_entry) {
            m->have_entry = true;
            m->first_entry_t = e->t_s;
        }
        int l = e->level;
        if (l >= 0 && l < SS_LEVEL_COUNT) {
            if (m->level_failed[l] && !r->ct_called) {
                ss__broken(m, "a fourth insertion at an interspace where three had failed");
                exceeded = true;
            }
            if (!m->level_tried[l]) {
                m->level_tried[l] = true;
                r->interspaces_tried++;
            }
        }
        if (exceeded) ss__critical(m, SS_CRIT_PROTOCOL_EXCEEDED, e);
        m->current_level = l;
        m->insertion_open = true;
        m->insertion_reached_csf = false;
        m->view_at_entry = e->view;
        break;
    }
    case SS_EV_NEEDLE_EXIT: ss__close_insertion(m); break;
    case SS_EV_BONE_CONTACT: r->bone_contacts++; break;
    case SS_EV_NERVE_CONTACT:
        r->nerve_contacts++;
        ss__critical(m, SS_CRIT_NERVE_CONTACT, e);
        break;
    case SS_EV_VESSEL_PUNCTURE:
        r->vessel_punctures++;
        ss__critical(m, SS_CRIT_VESSEL_PUNCTURE, e);
        break;
    case SS_EV_DURA_POP:
        r->dural_punctures++;
        if (e->level >= 0 && e->level <= SS_CRITICAL_CONUS_LOWEST_UNSAFE_LEVEL)
            ss__critical(m, SS_CRIT_DURAL_PUNCTURE_ABOVE_CONUS, e);
        break;
    case SS_EV_CSF_OUTFLOW:
        if (!m->have_csf) {
            m->have_csf = true;
            m->csf_t = e->t_s;
            r->level = e->level;
        }
        m->insertion_reached_csf = true;
        break;
    case SS_EV_INJECT:
        r->injected_ml += e->value;
        if (e->tissue == SS_TISSUE_CSF) {
            r->success = true;
            r->view = m->view_at_entry;
            if (r->level < 0) r->level = e->level;
        } else {
            ss__critical(m, SS_CRIT_INJECT_OUTSIDE_CSF, e);
        }
        m->have_inject = true;
        m->inject_done_t = e->t_s;
        break;
    case SS_EV_CT_CALLED:
        r->ct_called = true;
        ss__close_insertion(m);
        if (m->levels_failed < SS_PROTOCOL_LEVELS_BEFORE_CT && !r->success)
            ss__broken(m, "called for CT before three interspaces had failed");
        break;
    default: break;
    }
}

void ss_metrics_tick(ss_metrics_state *m, const ss_tick_sample *s)
{
    ss_metrics *r = &m->r;
    double dt = m->last_tick_t > 0 || s->t_s > 0 ? s->t_s - m->last_tick_t : 0;
    m->last_tick_t = s->t_s;
    r->probe_path_mm += s->probe_motion_mm;
    r->path_in_tissue_mm += s->exit_path_mm;
    if (!s->in_body) {
        m->withdrawing = false;
        m->withdrawn_mm = 0;
        return;
    }
    if (dt > 0) r->time_in_tissue_s += dt;
    r->path_in_tissue_mm += s->tip_motion_mm;
    r->tissue_damage_mm2 += s->swept_area_mm2;
    if (s->tip_advance_mm < 0) {
        m->withdrawn_mm += -s->tip_advance_mm;
        if (m->withdrawn_mm >= SS_REDIRECT_MIN_WITHDRAW_MM) m->withdrawing = true;
    } else if (s->tip_advance_mm > 0) {
        if (m->withdrawing) r->redirections++;
        m->withdrawing = false;
        m->withdrawn_mm = 0;
        m->adv_total_mm += s->tip_advance_mm;
        if (s->tip_visible) m->adv_visible_mm += s->tip_advance_mm;
        m->angle_sum += s->plane_angle_deg;
        m->dist_sum += s->plane_distance_mm;
        m->adv_ticks++;
    }
}

void ss_metrics_finish(ss_metrics_state *m, double t_end_s, ss_metrics *out)
{
    ss_metrics *r = &m->r;
    ss__close_insertion(m);
    if (m->have_entry && m->have_csf) r->puncture_time_s = m->csf_t - m->first_entry_t;
    double start = m->have_contact ? m->first_contact_t : 0.0;
    double stop = (r->success && m->have_inject) ? m->inject_done_t : t_end_s;
    r->operation_time_s = fmax(0.0, stop - start);
    /* no advance, no measure (null in the JSON, no credit in a rubric): an attempt with no
       insertion earns nothing for errors it had no chance to make (issue 22) */
    r->tip_visible_pct = m->adv_total_mm > 0 ? 100.0 * m->adv_visible_mm / m->adv_total_mm : NAN;
    r->plane_angle_mean_deg = m->adv_ticks ? m->angle_sum / (double)m->adv_ticks : NAN;
    r->plane_distance_mean_mm = m->adv_ticks ? m->dist_sum / (double)m->adv_ticks : NAN;
    if (!r->success && !r->ct_called && m->levels_failed >= SS_PROTOCOL_LEVELS_BEFORE_CT)
        ss__broken(m, "three interspaces failed but CT guidance was never called");
    r->pdph_risk_pct = ss_metrics_pdph_risk_pct(&m->needle, r->dural_punctures);
    r->protocol_followed = !m->protocol_broken;
    if (r->protocol_followed) snprintf(r->protocol_note, sizeof r->protocol_note, "followed");
    *out = *r;
}

void ss_metrics_free(ss_metrics_state *m) { free(m); }

static void ss__num_or_null(cJSON *o, const char *k, double v)
{
    if (isfinite(v)) cJSON_AddNumberToObject(o, k, v);
    else cJSON_AddNullToObject(o, k);
}

cJSON *ss_metrics_to_json(const ss_metrics *mt)
{
    /* every key of the metric table (metric_def.c), in its order */
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; i < ss_metric_count(); i++) {
        const ss_metric_def *d = ss_metric_at(i);
        if (!d->json) continue;
        if (d->kind == SS_METRIC_TEXT) {
            const char *t = d->text(mt);
            if (t) cJSON_AddStringToObject(o, d->name, t);
            else cJSON_AddNullToObject(o, d->name);
        } else if (d->kind == SS_METRIC_BOOL) {
            cJSON_AddBoolToObject(o, d->name, d->value(mt, -1) != 0.0);
        } else {
            ss__num_or_null(o, d->name, d->value(mt, -1));
        }
    }
    cJSON *ce = cJSON_AddArrayToObject(o, "critical_errors");
    for (int i = 0; i < mt->ncritical && i < SS_CRITICAL_MAX; i++) {
        const ss_critical_error *c = &mt->critical[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "type", ss_critical_name(c->type));
        cJSON_AddNumberToObject(j, "t", c->t_s);
        if (c->tissue >= 0) cJSON_AddStringToObject(j, "tissue", ss_tissue_get(c->tissue)->name);
        else cJSON_AddNullToObject(j, "tissue");
        if (c->level >= 0) cJSON_AddStringToObject(j, "level", ss_level_name(c->level));
        else cJSON_AddNullToObject(j, "level");
        cJSON_AddItemToArray(ce, j);
    }
    if (mt->landmark) cJSON_AddStringToObject(o, "mode", "landmark");
    if (mt->prep.present) {
        const ss_prep_result *pr = &mt->prep;
        cJSON *p = cJSON_AddObjectToObject(o, "preparation");
        ss__num_or_null(p, "cobb_error_deg", pr->cobb_error_deg);
        ss__num_or_null(p, "nash_moe_error", pr->nash_moe_error < 0 ? NAN : pr->nash_moe_error);
        if (pr->level_choice >= 0) cJSON_AddStringToObject(p, "level_choice", ss_level_name(pr->level_choice));
        else cJSON_AddNullToObject(p, "level_choice");
        if (pr->level_choice_ok >= 0) cJSON_AddBoolToObject(p, "level_choice_ok", pr->level_choice_ok == 1);
        else cJSON_AddNullToObject(p, "level_choice_ok");
        cJSON *miss = cJSON_AddArrayToObject(p, "checklist_missed");
        for (int i = 0; i < pr->nmissed; i++) cJSON_AddItemToArray(miss, cJSON_CreateString(ss_check_item_name(pr->missed[i])));
        cJSON_AddBoolToObject(p, "patient_unflexed", pr->unflexed);
    }
    if (mt->note.has_level) {
        cJSON *p = cJSON_AddObjectToObject(o, "procedure_note");
        cJSON_AddStringToObject(p, "level", ss_level_name(mt->note.level));
        ss__num_or_null(p, "angle_deg", mt->note.has_angle ? mt->note.angle_deg : NAN);
    }
    if (mt->graded) {
        cJSON_AddNumberToObject(o, "score", mt->score);
        cJSON_AddBoolToObject(o, "pass", mt->pass);
        cJSON_AddStringToObject(o, "verdict", ss_verdict_name(mt->verdict));
    } else {
        cJSON_AddNullToObject(o, "score");
        cJSON_AddNullToObject(o, "pass");
        cJSON_AddNullToObject(o, "verdict");
    }
    return o;
}

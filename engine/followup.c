/* followup.c: see followup.h. */
#include "followup.h"

#include <stdio.h>

void ss_followup_assess(double pdph_risk_pct, int nerve_contacts, int bone_contacts, int insertions,
                        int vessel_punctures, ss_followup *out)
{
    out->headache_risk_pct = pdph_risk_pct == pdph_risk_pct ? pdph_risk_pct : 0.0;
    out->leg_numbness = nerve_contacts > 0;
    out->back_pain = bone_contacts >= 3 || insertions >= 4   ? SS_BACK_PAIN_LIKELY
                     : bone_contacts >= 1 || insertions >= 2 ? SS_BACK_PAIN_POSSIBLE
                                                             : SS_BACK_PAIN_UNLIKELY;
    out->haematoma_watch = vessel_punctures > 0;
}

const char *ss_back_pain_name(ss_back_pain b)
{
    return b == SS_BACK_PAIN_LIKELY ? "likely" : b == SS_BACK_PAIN_POSSIBLE ? "possible" : "unlikely";
}

void ss_followup_describe(const ss_followup *f, int bone_contacts, int insertions, char *buf, size_t n)
{
    snprintf(buf, n,
             "72-hour follow-up: post-dural-puncture headache risk %.1f %%; back pain %s (%d bone contact%s, %d "
             "skin entr%s); %s%s",
             f->headache_risk_pct, ss_back_pain_name(f->back_pain), bone_contacts, bone_contacts == 1 ? "" : "s",
             insertions, insertions == 1 ? "y" : "ies",
             f->leg_numbness ? "transient leg numbness or paraesthesia likely (a nerve root was touched)"
                             : "no leg numbness expected",
             f->haematoma_watch ? "; watch for an epidural haematoma (a vessel was punctured)." : ".");
}

cJSON *ss_followup_to_json(const ss_followup *f)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "headache_risk_pct", f->headache_risk_pct);
    cJSON_AddBoolToObject(o, "leg_numbness", f->leg_numbness);
    cJSON_AddStringToObject(o, "back_pain", ss_back_pain_name(f->back_pain));
    cJSON_AddBoolToObject(o, "haematoma_watch", f->haematoma_watch);
    return o;
}

bool ss_followup_from_metrics_json(const cJSON *m, ss_followup *out, int *bone_contacts, int *insertions)
{
    const char *keys[5] = {"pdph_risk_pct", "nerve_contacts", "bone_contacts", "insertions", "vessel_punctures"};
    double v[5];
    for (int i = 0; i < 5; i++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(m, keys[i]);
        if (!cJSON_IsNumber(x) && !(i == 0 && cJSON_IsNull(x))) return false;
        v[i] = cJSON_IsNumber(x) ? x->valuedouble : 0.0;
    }
    ss_followup_assess(v[0], (int)v[1], (int)v[2], (int)v[3], (int)v[4], out);
    *bone_contacts = (int)v[2];
    *insertions = (int)v[3];
    return true;
}

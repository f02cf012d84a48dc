/* followup.h: the 72-hour follow-up after an attempt, as the paper ran it (adverse
 * events: headache, back pain, leg numbness), from the attempt's own facts (issue 24).
 *
 * What it says, and on what: post-dural-puncture headache, the risk the metrics already
 * give from the needle's gauge and tip and the number of dural holes (metrics.h
 * pdph_risk_pct: Cochrane, pencil-point 4.2 %, cutting 11 % a puncture); transient leg
 * numbness or paraesthesia after any contact with a nerve root; back pain at the
 * puncture site, graded by the bone contacts and skin entries (a modelling choice: none
 * and one entry "unlikely", a bone contact or a second entry "possible", three bone
 * contacts or four entries "likely": repeated periosteal contact and passes are what
 * the literature ties to back pain after lumbar puncture, without a dose-response
 * figure); a haematoma watch after any vessel puncture. It is a teaching summary of what
 * the patient would likely report, not a prediction for a real patient.
 */
#ifndef SS_FOLLOWUP_H
#define SS_FOLLOWUP_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

typedef enum ss_back_pain { SS_BACK_PAIN_UNLIKELY, SS_BACK_PAIN_POSSIBLE, SS_BACK_PAIN_LIKELY } ss_back_pain;

typedef struct ss_followup {
    double headache_risk_pct;
    bool leg_numbness;
    ss_back_pain back_pain;
    bool haematoma_watch;
} ss_followup;

void ss_followup_assess(double pdph_risk_pct, int nerve_contacts, int bone_contacts, int insertions,
                        int vessel_punctures, ss_followup *out);
const char *ss_back_pain_name(ss_back_pain b); /* "unlikely", "possible", "likely" */

/* One sentence for the trainee and the report, e.g. "72-hour follow-up: headache risk
 * 4.2 % (one dural puncture, pencil-point needle); back pain possible (1 bone contact);
 * no leg numbness expected." */
void ss_followup_describe(const ss_followup *f, int bone_contacts, int insertions, char *buf, size_t n);

/* {"headache_risk_pct", "leg_numbness", "back_pain", "haematoma_watch"} (--metrics-json
 * "followup"). */
cJSON *ss_followup_to_json(const ss_followup *f);

/* The same from a metrics object as --metrics-json writes it (metrics.h): the report's
 * path. False when the keys it needs are missing. */
bool ss_followup_from_metrics_json(const cJSON *metrics, ss_followup *out, int *bone_contacts, int *insertions);

#endif

/* test_followup.c: the 72-hour follow-up (engine/followup.h, issue 24) follows the
 * attempt's own facts: headache risk as the metrics give it, numbness only after a nerve
 * contact, back pain graded by bone contacts and entries, a haematoma watch after a
 * vessel puncture; the metrics JSON path gives the same as the struct path. */
#include <criterion/criterion.h>
#include <string.h>

#include "followup.h"

Test(followup, each_finding_follows_its_fact)
{
    ss_followup f;
    ss_followup_assess(4.2, 0, 0, 1, 0, &f);
    cr_expect_eq(f.headache_risk_pct, 4.2);
    cr_expect(!f.leg_numbness && !f.haematoma_watch);
    cr_expect_eq(f.back_pain, SS_BACK_PAIN_UNLIKELY, "one clean pass");
    ss_followup_assess(4.2, 1, 1, 1, 0, &f);
    cr_expect(f.leg_numbness, "a nerve root was touched");
    cr_expect_eq(f.back_pain, SS_BACK_PAIN_POSSIBLE, "one bone contact");
    ss_followup_assess(8.4, 0, 0, 2, 0, &f);
    cr_expect_eq(f.back_pain, SS_BACK_PAIN_POSSIBLE, "a second entry");
    ss_followup_assess(8.4, 0, 3, 2, 1, &f);
    cr_expect_eq(f.back_pain, SS_BACK_PAIN_LIKELY, "three bone contacts");
    cr_expect(f.haematoma_watch);
    ss_followup_assess(0, 0, 0, 4, 0, &f);
    cr_expect_eq(f.back_pain, SS_BACK_PAIN_LIKELY, "four entries (case 6's first dose had 8)");
    char s[400];
    ss_followup_describe(&f, 0, 4, s, sizeof s);
    cr_expect(strstr(s, "back pain likely (0 bone contacts, 4 skin entries)") && strstr(s, "no leg numbness"), "%s", s);

    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "pdph_risk_pct", 8.4);
    cJSON_AddNumberToObject(m, "nerve_contacts", 1);
    cJSON_AddNumberToObject(m, "bone_contacts", 3);
    cJSON_AddNumberToObject(m, "insertions", 2);
    cJSON_AddNumberToObject(m, "vessel_punctures", 0);
    ss_followup g;
    int b, n;
    cr_assert(ss_followup_from_metrics_json(m, &g, &b, &n));
    cr_expect(g.leg_numbness && g.back_pain == SS_BACK_PAIN_LIKELY && !g.haematoma_watch && b == 3 && n == 2);
    cJSON_DeleteItemFromObject(m, "insertions");
    cr_expect(!ss_followup_from_metrics_json(m, &g, &b, &n), "a key missing");
    cJSON_Delete(m);
}

/* test_gl_trainer_exam.c: an exam's case is fixed in the trainer window (issue 21): the
 * scenario switch that Tab, the Scenarios button and the results' "Other scenario" lead
 * to refuses in exam mode and says why, and leaves the case and the attempt alone. (In
 * the gl group because it links the window code; it opens no window.) */
#include <criterion/criterion.h>
#include <string.h>

#include "test_support.h"
#include "trainer/trainer_app.h"

Test(trainer_exam, an_exam_cannot_switch_its_case)
{
    static ss_tr_app a; /* large: not on the stack */
    memset(&a, 0, sizeof a);
    a.exam = true;
    ss_case *keep = (ss_case *)&a; /* a marker: the case pointer must not change */
    a.cs = keep;
    a.at.number = 1;
    cr_assert_eq(ss_tr_switch_case(&a, ts_source_path("scenarios/default.json")), -1);
    cr_expect(strstr(a.message, "Exam: the case is fixed"), "%s", a.message);
    cr_expect_eq(a.cs, keep, "the case is unchanged");
    cr_expect_eq(a.at.number, 1, "the attempt is unchanged");
}

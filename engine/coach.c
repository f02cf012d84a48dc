/* coach.c: the practice hints (see coach.h). */
#include "coach.h"

#include <stdio.h>

#include "tissue.h"

static const char *ss__say(char *buf, size_t n, const char *text)
{
    snprintf(buf, n, "%s", text);
    return buf;
}

const char *ss_coach_hint(const ss_coach_input *in, char *buf, size_t n)
{
    const ss_sim_state *st = in->st;
    if (!st->probe_on_skin && !in->ended)
        return in->exam ? NULL : ss__say(buf, n, "Hint: put the probe on the back (P, or F1-F5).");
    if (!in->hints || in->exam || in->ended) return NULL;
    const ss_needle *nd = &st->needle;
    if (st->needle_placed && nd->in_body) {
        double tip[3];
        ss_needle_tip_pos(nd, tip);
        bool vis = ss_probe_pose_in_slice(in->probe, &st->pose, tip, NULL);
        if (st->csf_seen && st->injected_ml <= 0) return ss__say(buf, n, "Hint: CSF is flowing: inject (I).");
        if (st->injected_ml > 0)
            return ss__say(buf, n, in->ncritical > 0 ? "Hint: remove the needle (X) and end the attempt (End); the "
                                                       "results name what went wrong."
                                                     : "Hint: injected. Remove the needle (X) and end the attempt (End).");
        if (nd->on_bone)
            return ss__say(buf, n, "Hint: bone contact. Withdraw (Backspace), then re-angle the frame (, .) or slide "
                                   "the probe.");
        if (!vis && in->advancing)
            return ss__say(buf, n, "Hint: tip not visible - the needle is out of the image plane. Stop, and slide or "
                                   "rock the probe until the tip shows.");
        if (in->dura_popped && st->stylet_in && nd->tip_tissue == SS_TISSUE_CSF)
            return ss__say(buf, n, "Hint: you felt the dura give: take the stylet out (T) and look for CSF.");
        if (!vis) return ss__say(buf, n, "Hint: tip not visible in the image.");
        snprintf(buf, n, "Hint: tip in %s, %.0f mm deep. Advance slowly (Space) and watch for the dura.",
                 ss_tissue_get(nd->tip_tissue)->label, nd->record_depth_mm - nd->entry_depth_mm);
        return buf;
    }
    if (in->canal_in_view == 0)
        return ss__say(buf, n, "Hint: no canal in view here. Slide the probe just lateral of the spinous processes "
                               "(near-spinous) or tilt it until the dura shows.");
    if (!st->guide_attached)
        return ss__say(buf, n, "Hint: the canal is in view. Attach the puncture frame (G, or Shift+G to aim it at the "
                               "sac; if no bone-free path exists from here, Shift+P slides the probe to the planned "
                               "one).");
    if (!st->needle_placed) return ss__say(buf, n, "Hint: put the needle in the frame (N), then advance with Space.");
    return ss__say(buf, n, "Hint: advance the needle (Space) and watch its tip in the image.");
}

/* spine_world.c: see spine_world.h. */
#include "spine_world.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "spine_measure.h"
#include "tissue.h"
#include "vec3d.h"
#include "views.h"

static int ss__label(void *user, const double p[3]) { return ss_spine_label_at(user, p); }

static double ss__skin(void *user, double x, double z) { return ss_spine_skin_y(user, x, z); }

static ss_status ss__view(void *user, const ss_probe *probe, int level, ss_view view, bool right, ss_probe_pose *out)
{
    return ss_view_pose(user, probe, level, view, right, out);
}

static bool ss__target(void *user, int level, double out[3])
{
    ss_interspace_info is;
    if (ss_spine_interspace(user, level, &is) != SS_OK) return false;
    for (int i = 0; i < 3; i++) out[i] = is.window_centre_mm[i];
    return true;
}

static double ss__clearance(void *user, const double p[3]);
static int ss__level_of_nearest_window(void *user, const double p[3], const double dir[3]);

/* The interspace a needle line belongs to (issue 22): where it goes in, i.e. the window
 * nearest to the point where the line first reaches the canal or bone (the interlaminar
 * plane's depth); a line that reaches neither, by the window nearest to the line. */
static int ss__level_of_line(void *user, const double p[3], const double dir[3])
{
    const ss_spine *spine = user;
    for (double t = 0; t < 200.0;) {
        double q[3] = {p[0] + t * dir[0], p[1] + t * dir[1], p[2] + t * dir[2]};
        int lab = ss_spine_label_at(spine, q);
        if (lab == SS_TISSUE_CSF || ss_tissue_get(lab)->hard) {
            int best = -1;
            double best_d = INFINITY;
            for (int l = 0; l < SS_LEVEL_COUNT; l++) {
                ss_interspace_info is;
                if (ss_spine_interspace(spine, l, &is) != SS_OK) continue;
                double d2 = 0;
                for (int i = 0; i < 3; i++) d2 += (q[i] - is.window_centre_mm[i]) * (q[i] - is.window_centre_mm[i]);
                if (d2 < best_d) {
                    best_d = d2;
                    best = l;
                }
            }
            return best;
        }
        t += fmax(0.25, 0.9 * ss__clearance(user, q)); /* a margin on the distance bound */
    }
    return ss__level_of_nearest_window(user, p, dir);
}

static int ss__level_of_nearest_window(void *user, const double p[3], const double dir[3])
{
    int best = -1;
    double best_d = INFINITY;
    for (int l = 0; l < SS_LEVEL_COUNT; l++) {
        ss_interspace_info is;
        if (ss_spine_interspace(user, l, &is) != SS_OK) continue;
        double w[3];
        ss_v3_sub(w, is.window_centre_mm, p);
        double t = ss_v3_dot(w, dir);
        double d2 = 0;
        for (int i = 0; i < 3; i++) {
            double e = w[i] - t * dir[i];
            d2 += e * e;
        }
        if (d2 < best_d) {
            best_d = d2;
            best = l;
        }
    }
    return best;
}

static double ss__clearance(void *user, const double p[3])
{
    ss_spine_sample s;
    ss_spine_query(user, p, &s);
    return s.boundary_mm;
}

/* the region the case voxelizes by default (spine.h volume_lo/hi), 10 mm in from its
 * sides so that the whole face of a probe there still couples */
static bool ss__on_back(void *user, double x, double z)
{
    ss_spine_info inf;
    ss_spine_get_info(user, &inf);
    const double m = 10.0;
    return x >= inf.volume_lo_mm[0] + m && x <= inf.volume_hi_mm[0] - m && z >= inf.volume_lo_mm[2] + m &&
           z <= inf.volume_hi_mm[2] - m;
}

/* The model's own answers to the pre-procedure stage (preparation.h): the lumbar Cobb
 * angle it measures, the Nash-Moe grade of its most rotated lumbar body, and the
 * interspaces the paper's rule accepts. */
static bool ss__prep_key(void *user, ss_prep_key *out)
{
    const ss_spine *spine = user;
    memset(out, 0, sizeof *out);
    ss_cobb_measure cobb;
    if (ss_spine_measure_cobb(spine, &cobb) != SS_OK) return false;
    out->cobb_deg = cobb.cobb_deg;
    double rot = 0;
    for (int v = SS_VERT_L1; v <= SS_VERT_L5; v++) {
        ss_vertebra_info vi;
        if (ss_spine_vertebra(spine, v, &vi) == SS_OK) rot = fmax(rot, fabs(vi.body_rotation_deg));
    }
    out->nash_moe = ss_nash_moe_grade_of(rot);
    const ss_fusion_params *fu = &ss_spine_params(spine)->fusion;
    bool channel = false;
    for (int l = 0; fu->present && l < SS_LEVEL_COUNT; l++)
        if (fu->laminotomy[l] || fu->ungrafted[l]) out->level_ok[l] = channel = true;
    if (channel) {
        snprintf(out->rule, sizeof out->rule, "after the fusion, the channel the surgeons reserved");
        return true;
    }
    if (cobb.cobb_deg >= 10.0) {
        double r[SS_LEVEL_COUNT], least = 1e9;
        for (int l = 0; l < SS_LEVEL_COUNT; l++) {
            double irot;
            r[l] = ss_spine_interspace_rotation(spine, l, &irot, NULL) == SS_OK ? fabs(irot) : 1e9;
            least = fmin(least, r[l]);
        }
        for (int l = 0; l < SS_LEVEL_COUNT; l++) out->level_ok[l] = r[l] <= least + 2.0;
        snprintf(out->rule, sizeof out->rule, "in scoliosis, the least rotated interspace (%.1f deg; within 2 deg of it)",
                 least);
        return true;
    }
    out->level_ok[SS_LEVEL_L3_L4] = out->level_ok[SS_LEVEL_L4_L5] = true;
    snprintf(out->rule, sizeof out->rule, "a straight spine: L3-L4 or L4-L5, below the conus");
    return true;
}

/* Palpation: the skin over the midpoint of the spinous process tips of the interspace's
 * two vertebrae (the S1 crest below L5-S1). */
static bool ss__palpate(void *user, int level, double skin[3])
{
    ss_vertebra_info a, b;
    if (level < 0 || level >= SS_LEVEL_COUNT || ss_spine_vertebra(user, level, &a) != SS_OK ||
        ss_spine_vertebra(user, level + 1, &b) != SS_OK)
        return false;
    skin[0] = 0.5 * (a.spinous_tip_mm[0] + b.spinous_tip_mm[0]);
    skin[2] = 0.5 * (a.spinous_tip_mm[2] + b.spinous_tip_mm[2]);
    skin[1] = ss_spine_skin_y(user, skin[0], skin[2]);
    return true;
}

void ss_spine_world(const ss_spine *spine, ss_world *out)
{
    out->user = (void *)spine;
    out->label_at = ss__label;
    out->skin_y = ss__skin;
    out->view_pose = ss__view;
    out->aim_mm = ss__target;
    out->level_of_line = ss__level_of_line;
    out->clearance_mm = ss__clearance;
    out->on_back = ss__on_back;
    out->prep_key = ss__prep_key;
    out->palpate = ss__palpate;
    out->unflexed = NULL;
}

/* spine_world.c: see spine_world.h. */
#include "spine_world.h"

#include <math.h>

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
}

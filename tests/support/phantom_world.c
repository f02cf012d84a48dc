/* phantom_world.c: see phantom_world.h. */
#include "phantom_world.h"

#include <math.h>

#include "tissue.h"

double pw_level_z(int level) { return 30.0 * (level - 2); }

static int pw__label(void *user, const double p[3])
{
    (void)user;
    double y = p[1];
    double near = 1e9;
    for (int l = 0; l < SS_LEVEL_COUNT; l++) near = fmin(near, fabs(p[2] - pw_level_z(l)));
    if (y > 50) return SS_TISSUE_AIR;
    if (y > 48) return SS_TISSUE_SKIN;
    if (y > 35) return SS_TISSUE_FAT;
    if (near > 14.0 && y < 15 && y > 5) return SS_TISSUE_CORTICAL;
    if (y > 15) return SS_TISSUE_LIGAMENT;
    if (y > 11.5) return SS_TISSUE_FLAVUM;
    if (y > 9) return SS_TISSUE_EPIDURAL_FAT;
    if (y > 8.5) return SS_TISSUE_DURA;
    if (y > -5) return SS_TISSUE_CSF;
    return SS_TISSUE_CORTICAL;
}

static double pw__skin(void *user, double x, double z)
{
    (void)user;
    (void)x;
    (void)z;
    return 50.0;
}

static ss_status pw__view(void *user, const ss_probe *probe, int level, ss_view view, bool right, ss_probe_pose *out)
{
    (void)user;
    (void)probe;
    float lateral = view == SS_VIEW_SPINOUS ? 0.0f : view == SS_VIEW_NEAR_SPINOUS ? 6.0f : 15.0f;
    float o[3] = {right ? -lateral : lateral, 50.0f, (float)pw_level_z(level)};
    float beam[3] = {0, -1, 0};
    float arr[3] = {0, 0, 1};
    if (view == SS_VIEW_TRANSVERSE_INTERLAMINAR || view == SS_VIEW_TRANSVERSE_SPINOUS) {
        arr[0] = 1;
        arr[2] = 0;
    }
    return ss_probe_pose_make(o, beam, arr, out);
}

static bool pw__target(void *user, int level, double out[3])
{
    (void)user;
    out[0] = 0;
    out[1] = 2.0;
    out[2] = pw_level_z(level);
    return level >= 0 && level < SS_LEVEL_COUNT;
}

static int pw__level_of_line(void *user, const double p[3], const double dir[3])
{
    (void)user;
    /* where the line crosses y = 12 (the flavum) */
    double t = fabs(dir[1]) > 1e-9 ? (12.0 - p[1]) / dir[1] : 0.0;
    double z = p[2] + dir[2] * t;
    int best = 0;
    for (int l = 1; l < SS_LEVEL_COUNT; l++)
        if (fabs(z - pw_level_z(l)) < fabs(z - pw_level_z(best))) best = l;
    return best;
}

void pw_world(ss_world *w)
{
    *w = (ss_world){0}; /* the optional answers (clearance, on_back) absent */
    w->user = NULL;
    w->label_at = pw__label;
    w->skin_y = pw__skin;
    w->view_pose = pw__view;
    w->aim_mm = pw__target;
    w->level_of_line = pw__level_of_line;
}

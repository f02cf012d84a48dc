/* spine_measure.h: what the built patient model measures, for instructors and tests.
 *
 * Every figure is measured on the model by sampling its tissue (ss_spine_query), the way
 * one would measure on a CT: windows by casting rays, depths by walking a line, the Cobb
 * angle from endplate lines found in the coronal plane. Nothing is copied from the
 * parameters, so these numbers check the model against what was asked of it. The only
 * inputs taken from the model's construction are where to look (window centre, view
 * frame, sac centre, vertebral body centres) and the rotation, read from the vertebra
 * frames. It does not print (the instructor tools do) and does not voxelize.
 */
#ifndef SS_SPINE_MEASURE_H
#define SS_SPINE_MEASURE_H

#include <stdbool.h>

#include "error.h"
#include "spine.h"

typedef struct ss_interspace_measure {
    int level;
    /* interlaminar window seen along the view normal (perpendicular to the spine, not
       following the axial rotation): rays from 20 mm behind the window centre toward the
       canal; a ray is open when it reaches the canal (epidural fat, dura, CSF, roots)
       without crossing bone, graft or metal. The spinous processes are looked past (a
       paramedian needle passes beside them). Height: longest open run along the spine
       through the middle of the open run across the window centre row; width: the
       longest open run across any row within that height (the lumbar window is a
       triangle, widest at its base: docs/anatomy.md). */
    double window_width_mm;
    double window_height_mm;
    double interspinous_mm;       /* gap between the spinous processes, midline, mid depth */
    double skin_to_flavum_mm;     /* along the view normal through the window centre; -1 if no flavum */
    double skin_to_dura_mm;       /* same line, to the dura (or CSF); -1 if none */
    bool bone_on_midline_path;    /* hard tissue on that line before the dura */
    bool bone_free_path;          /* some straight line from the skin near the interspace (entry
                                     within +-20 mm across, +-12 mm along the spine) to the
                                     sac centre crosses no bone, graft or metal */
    double rotation_deg;          /* posterior-element axial rotation (from the vertebra frames) */
    double body_rotation_deg;
    bool fused, grafted, channel, ungrafted;
} ss_interspace_measure;

ss_status ss_spine_measure_interspace(const ss_spine *spine, int level, ss_interspace_measure *out);

/* The interspace's axial rotation alone (the mean of its two vertebrae's frames: the
   posterior elements' and the bodies'), as ss_interspace_measure gives it, without the
   ray casting (for callers that need only the rotation, e.g. the least-rotated rule). */
ss_status ss_spine_interspace_rotation(const ss_spine *spine, int level, double *posterior_deg, double *body_deg);

typedef struct ss_cobb_measure {
    double cobb_deg;              /* largest difference of endplate tilts, upper endplate of a
                                     vertebra above minus lower endplate of one below */
    int upper_vertebra;           /* the end vertebrae found (SS_VERT_*), -1 if cobb is 0 */
    int lower_vertebra;
    /* endplate tilt in the coronal plane, + = rising toward the patient's left (+x);
       NaN where it could not be measured (S1 has no lower endplate) */
    double upper_tilt_deg[SS_VERT_COUNT];
    double lower_tilt_deg[SS_VERT_COUNT];
} ss_cobb_measure;

ss_status ss_spine_measure_cobb(const ss_spine *spine, ss_cobb_measure *out);

#endif

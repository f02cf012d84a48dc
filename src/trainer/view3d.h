/* view3d.h: the trainer's 3D external view: the patient in the left lateral decubitus
 * position (lying on the left side: the patient's +x points down to the table), the
 * back's skin (opaque or semi-transparent), the probe with its orientation marker and
 * puncture frame, the needle, the image plane carrying the live B-mode image, and on
 * demand an anatomy overlay built from the spine model's landmarks (vertebral bodies,
 * laminae, spinous and transverse processes, the dural sac, fusion rods and screws) as
 * simple solids; in landmark-only mode, the palpation marks on the skin instead (see
 * the scene). An orbit camera looks at the lumbar spine from behind.
 * It draws into a viewport of the current framebuffer and never reads input; the
 * trainer turns mouse motion into orbit/zoom calls. Needs a GL 3.3 core context.
 */
#ifndef SS_TRAINER_VIEW3D_H
#define SS_TRAINER_VIEW3D_H

#include <GL/glew.h>
#include <stdbool.h>

#include "probe.h"
#include "scan_convert.h"
#include "spine.h"

typedef struct ss_view3d ss_view3d;

typedef struct ss_view3d_scene {
    const ss_probe *probe;
    const ss_probe_pose *pose;
    bool probe_on_skin;
    bool guide_attached;
    double guide_angle_deg;
    bool needle_placed;
    float needle_tip_mm[3], needle_dir[3], needle_length_mm;
    bool skin_transparent;
    bool anatomy;
    /* the image plane: texture (R8), its probe, scan geometry and the pose it was made at */
    GLuint image_tex;
    const ss_probe *image_probe;
    const ss_scan_geometry *image_geom;
    const ss_probe_pose *image_pose;
    unsigned image_version;      /* changes when the image does */
    /* landmark-only mode: what the fingers find on the back, drawn on the skin: a mark
       over each spinous process tip (L1-S1), Tuffier's line across the back, and the
       palpated point of the chosen interspace (the needle's entry: the world's palpate) */
    bool palpation;
    bool has_palpated;
    float palpated_mm[3];
} ss_view3d_scene;

ss_status ss_view3d_create(const ss_spine *spine, ss_view3d **out);
void ss_view3d_destroy(ss_view3d *v);

/* Draws into the viewport (pixels, GL's origin at the bottom left). */
void ss_view3d_draw(ss_view3d *v, const ss_view3d_scene *scene, int x, int y, int w, int h);

/* Renders into the view's own w x h pixel texture (RGBA, GL's bottom-up rows: draw
 * with v flipped) only when something visible changed since the last call (the probe
 * or needle moved more than a fraction of a millimetre, the image, the camera, the
 * toggles or the size), and returns it. Software GL spends most of a frame on the 3D
 * view; a needle creeping at 2 mm/s need not redraw it 60 times a second. */
GLuint ss_view3d_render(ss_view3d *v, const ss_view3d_scene *scene, int w, int h, bool *redrawn);

void ss_view3d_orbit(ss_view3d *v, float dyaw_deg, float dpitch_deg);
void ss_view3d_zoom(ss_view3d *v, float factor);
void ss_view3d_reset(ss_view3d *v);
/* Patient-frame displacement (mm) of one unit of screen motion right and down at the
 * camera's target, for a viewport height_units tall: how a drag on the back moves the
 * probe. The y (posterior) part is dropped (the probe stays on the skin). */
void ss_view3d_drag_basis(const ss_view3d *v, float height_units, float right_mm[3], float down_mm[3]);

#endif

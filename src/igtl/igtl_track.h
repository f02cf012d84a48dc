/* igtl_track.h: tracked tools (OpenIGTLink TRANSFORMs) into simulation commands, and
 * the simulation's poses back into TRANSFORMs and the IMAGE matrix (docs/igtl.md).
 *
 * Frames: Reference = the patient frame of DESIGN.md (origin at the centre of the S1
 * upper endplate, +x patient's left, +y posterior, +z cranial; mm).
 *   ProbeToReference maps the probe frame (origin at the centre of the transducer face,
 *   +x along the array, +y along the central beam into the body, +z = x cross y) to
 *   Reference. Image pixel (i, j) (column, row from the top left) has its centre at the
 *   probe-frame point (x0 + (i + 0.5) s, y0 + (j + 0.5) s, 0), s the pixel spacing and
 *   (x0, y0) the scan geometry's top-left corner (scan_convert.h).
 *   NeedleToReference: origin at the needle tip; the shaft along one axis of the frame
 *   (default +x, pointing from the hub to the tip, the direction of advance).
 *
 * Every tracked pose becomes ordinary session-script commands (probe.view, probe.rotate,
 * probe.move, needle.place, needle.advance, needle.withdraw, guide.attach, needle.enter),
 * issued through the caller's function, so the session log records them and `replay`
 * re-simulates the attempt exactly. The simulation's rules still hold:
 *   - the probe stays on the skin: the tracked height (y) is replaced by the skin
 *     surface under the probe's x, z; a probe not yet on the back is first placed at the
 *     near-spinous view of the chosen level, then moved to the tracked pose;
 *   - the needle is a rigid straight shaft: once its tip is in the body only the
 *     tracked tip's position along the needle's line counts (advance or withdraw to
 *     it); to re-aim, withdraw out of the skin. Outside the body the needle follows the
 *     tracked line (needle.place), and a tip that has entered the body since is placed
 *     at the skin along the tracked line and advanced to the tracked depth;
 *   - a scenario without free-hand needling runs the needle in the puncture frame: the
 *     frame is attached (auto) if it is not, the needle entered, and only the tracked
 *     tip's depth along the frame's line counts.
 * Small changes (< 0.05 mm, < 0.05 deg) are ignored so tracker noise does not flood the
 * log. A timed movement runs to its end before the next pose is taken.
 */
#ifndef SS_IGTL_TRACK_H
#define SS_IGTL_TRACK_H

#include <stdbool.h>

#include "probe.h"
#include "scan_convert.h"
#include "session_script.h"
#include "sim.h"

#define SS_IGTL_PROBE_DEVICE "ProbeToReference"
#define SS_IGTL_NEEDLE_DEVICE "NeedleToReference"
/* The simulated poses go out under names of their own: sent back as ProbeToReference
 * they would meet the tracked pose of that name in a relay such as 3D Slicer (which
 * holds one node per name) and come back in as if tracked. */
#define SS_IGTL_SIM_PROBE_DEVICE "SimProbeToReference"
#define SS_IGTL_SIM_NEEDLE_DEVICE "SimNeedleToReference"
#define SS_IGTL_IMAGE_DEVICE "Image"
#define SS_IGTL_EVENT_DEVICE "SonoSpineEvent"
#define SS_IGTL_NOTE_DEVICE "SonoSpineNote"
#define SS_IGTL_NEEDLE_MAX_SPEED_MM_S 100.0

/* The needle's shaft axis in NeedleToReference: 0 +x, 1 -x, 2 +y, 3 -y, 4 +z, 5 -z. */
int ss_igtl_axis_from_name(const char *name); /* "+x" ... "-z", or -1 */
const char *ss_igtl_axis_name(int axis);

typedef struct ss_igtl_track_desc {
    ss_world world;          /* labels: where the skin is along a tracked needle */
    bool freehand_allowed;
    int needle_axis;
    int level;               /* SS_LEVEL_*: where a probe not yet on the back is placed */
    bool side_right;
} ss_igtl_track_desc;

typedef struct ss_igtl_track {
    ss_igtl_track_desc d;
    bool have_probe, probe_pending;
    bool have_needle, needle_pending;
    float probe_m[12], needle_m[12];
    float probe_acted[12], needle_acted[12];
    bool needle_moving;      /* a needle movement we issued has not been checked yet */
    double needle_depth_before;
    char note[320];          /* why the last pose could not be followed ("" if it could) */
    long notes;              /* counts changes of note, for callers that report them */
} ss_igtl_track;

void ss_igtl_track_init(ss_igtl_track *t, const ss_igtl_track_desc *d);
/* A received pose; ignored unless it differs from the last one followed. */
void ss_igtl_track_set_probe(ss_igtl_track *t, const float m[12]);
void ss_igtl_track_set_needle(ss_igtl_track *t, const float m[12]);

/* Issues the commands that bring the simulation to the tracked poses (call once before
 * each tick; commands are not issued while a movement runs). issue returns whether the
 * simulation accepted the command. */
typedef bool (*ss_igtl_issue_fn)(void *user, const ss_script_cmd *cmd);
void ss_igtl_track_poll(ss_igtl_track *t, const ss_sim *sim, ss_igtl_issue_fn issue, void *user);

/* The simulation's poses as TRANSFORM floats (column-major rotation, translation). */
void ss_igtl_probe_transform(const ss_probe_pose *pose, float m[12]);
/* False when no needle is placed. */
bool ss_igtl_needle_transform(const ss_sim *sim, int needle_axis, float m[12]);
/* Pixel (i, j, 0) to Reference for an image of geometry g seen from pose (the IMAGE
 * message's matrix before OpenIGTLink's centre-origin convention, igtl_codec.h). */
void ss_igtl_image_matrix(const ss_probe_pose *pose, const ss_scan_geometry *g, double ijk_to_ref[3][4]);

#endif

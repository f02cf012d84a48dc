/* preview.h: the instructor preview of a scenario: coronal and sagittal drawings of the
 * patient's spine (from the label volume, in the spine's frame, labelled, with a scale
 * bar and legend) and the index.html that shows the standard views at every interspace
 * in a grid beside the scenario's parameters and the model's measurements.
 *
 * It draws and writes; it does not render B-mode frames (the `preview` command renders
 * them with the CPU renderer and hands their file names and view measures here) and it
 * does not create directories. File names in the HTML are relative to its directory.
 */
#ifndef SS_PREVIEW_H
#define SS_PREVIEW_H

#include "error.h"
#include "scenario.h"
#include "session_script.h"
#include "spine.h"
#include "tissue_volume.h"
#include "views.h"

enum { SS_PREVIEW_NAME_MAX = 96 };

/* The drawings follow the spine: the coronal one is cut through the vertebral body
 * centres (interpolated along z), seen from behind (patient's left on the left); the
 * sagittal one through the canal centres, anterior on the left, posterior (skin) on the
 * right. Both have hardware (titanium, cobalt-chromium) projected on top. */
typedef enum ss_preview_drawing { SS_PREVIEW_CORONAL, SS_PREVIEW_SAGITTAL } ss_preview_drawing;

/* Writes one drawing as PNG. SS_ERR_IO when the file cannot be written. */
ss_status ss_preview_draw_spine(const ss_volume *vol, const ss_spine *spine, ss_preview_drawing which,
                                const char *png_path);

typedef struct ss_preview_cell {
    char png[SS_PREVIEW_NAME_MAX];   /* relative to the HTML; "" = not rendered */
    ss_view_measure measure;
    bool measured;
} ss_preview_cell;

typedef struct ss_preview_page {
    const ss_scenario *scenario;
    const ss_spine *spine;
    const ss_probe *probe;                   /* the probe the cells were measured with */
    char coronal_png[SS_PREVIEW_NAME_MAX];  /* relative names */
    char sagittal_png[SS_PREVIEW_NAME_MAX];
    ss_preview_cell cells[SS_LEVEL_COUNT][SS_VIEW_COUNT];
    bool right;                              /* side of the lateral views */
    int lines, samples;                      /* render settings, shown on the page */
} ss_preview_page;

/* Writes the index page. SS_ERR_IO when it cannot be written. */
ss_status ss_preview_write_html(const ss_preview_page *page, const char *html_path);

#endif

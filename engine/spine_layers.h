/* spine_layers.h: the model's solids, layer by layer, for the voxelizer. Engine-private:
 * only spine*.c and tissue_volume.c include it; everything else uses spine.h.
 *
 * The voxelizer (tissue_volume.c) cannot afford ss_spine_query() per voxel: it visits
 * each solid only inside its bounding box and skips along x by the solid's own distance.
 * For that it needs the solids themselves, in the layers that decide which tissue wins
 * where they overlap (spine.c's opening comment), and the rule that splits bone into
 * cortical and cancellous. That is all this header shows; the model's struct stays
 * opaque.
 */
#ifndef SS_SPINE_LAYERS_H
#define SS_SPINE_LAYERS_H

#include <stdint.h>

#include "sdf_prim.h"
#include "spine.h"

/* Soft layers first (a later one wins where they overlap), then the hard ones. */
enum {
    SS__LY_CANAL, SS__LY_LIGAMENT, SS__LY_FLAVUM, SS__LY_VEIN, SS__LY_DURA, SS__LY_CSF, SS__LY_CAUDA,
    SS__LY_SEGVESSEL, SS__LY_ROOT, SS__LY_DISC, SS__LY_BONE, SS__LY_GRAFT, SS__LY_METAL, SS__LY_COUNT
};
#define SS__LY_FIRST_HARD SS__LY_BONE

/* A solid of the model (sdf_prim.h) tagged with what it is and which layer it is in. */
typedef struct ss__spine_prim {
    ss_sdf_prim sdf;
    int layer, label, part, vertebra, level; /* SS__LY_*, ss_tissue, ss_spine_part, as ss_spine_sample */
    unsigned cut_mask;                       /* bit k: laminotomy channel k is subtracted */
} ss__spine_prim;

/* The solids of one layer: *count of them, from the returned pointer on. */
const ss__spine_prim *ss__spine_layer(const ss_spine *s, int layer, int *count);

/* Signed distance of a solid at q with the laminotomy channels that cut it subtracted. */
double ss__spine_prim_sdf(const ss_spine *s, const ss__spine_prim *p, const double q[3]);

/* Bone whose stored distance (volume_sdf.h) is below this value is cancellous, the rest
 * cortical: the cortical shell's thickness, quantized as the voxels store it. */
int8_t ss__spine_shell_q(const ss_spine *s);

#endif

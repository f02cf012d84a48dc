/* spine_world.h: the parametric spine as the simulation's world (sim.h's ss_world):
 * labels from the analytic model (exact thin layers such as the dura, which a 0.5 mm
 * voxel grid would blur), the skin surface, standard view placement (views.h), aim
 * points (interlaminar window centres) and the interspace a needle line aims at. The spine must outlive the
 * world. */
#ifndef SS_SPINE_WORLD_H
#define SS_SPINE_WORLD_H

#include "sim.h"
#include "spine.h"

void ss_spine_world(const ss_spine *spine, ss_world *out);

#endif

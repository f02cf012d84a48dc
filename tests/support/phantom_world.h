/* phantom_world.h: a layered back (flat skin at y = 50 mm) as an ss_world, for testing
 * the simulation without the spine model. Layers along -y: skin 50..48, fat 48..35,
 * ligament 35..15, flavum 15..11.5, epidural fat 11.5..9, dura 9..8.5, CSF 8.5..-5,
 * bone below -5. Interspaces sit at z = 30 * (level - 2) mm; between them (|dz| > 14 mm
 * from every interspace) a lamina of bone fills 15 > y > 5. */
#ifndef SS_PHANTOM_WORLD_H
#define SS_PHANTOM_WORLD_H

#include "sim.h"

void pw_world(ss_world *w);
double pw_level_z(int level);

#endif

/* damage.h: which parts of a frame changed since the last one, so that a window redraws
 * only those (src/ui/ui.c keeps the frame in an offscreen buffer and repaints its changed
 * tiles).
 *
 * The frame is cut into square tiles of SS_DAMAGE_TILE pixels. Every primitive the frame
 * draws is added with the pixel box it can touch and a hash of everything that decides
 * its pixels (vertices, colours, texture and the texture's content stamp, clip, mode);
 * a tile's key is the hash of the keys of the primitives that touch it, in draw order.
 * A tile whose key differs from the last frame's, or every tile after a size change or
 * ss_damage_invalidate, is changed. The changed tiles are returned as a few rectangles
 * (runs along a row of tiles, stacked where consecutive rows have the same run).
 *
 * Pixel coordinates are the GL framebuffer's: origin bottom-left, x right, y up. A
 * primitive outside the frame touches nothing. Pure CPU; no GL.
 */
#ifndef SS_DAMAGE_H
#define SS_DAMAGE_H

#include <stddef.h>
#include <stdint.h>

#define SS_DAMAGE_TILE 32 /* pixels; a glyph touches one to four tiles */

typedef struct ss_damage ss_damage;

typedef struct ss_damage_rect {
    int x, y, w, h; /* pixels, GL convention, inside the frame */
} ss_damage_rect;

/* NULL when out of memory. */
ss_damage *ss_damage_create(void);
void ss_damage_destroy(ss_damage *d);

/* Starts a frame of w x h pixels; 0 or -1 (out of memory: treat every pixel as changed).
 * A size other than the last frame's makes every tile changed. */
int ss_damage_begin(ss_damage *d, int w, int h);
/* A primitive that can touch pixels [x0, x1) x [y0, y1) (clamped to the frame; an empty
 * box adds nothing) and whose pixels are decided by key. */
void ss_damage_add(ss_damage *d, int x0, int y0, int x1, int y1, uint64_t key);
/* Ends the frame: the number of changed tiles, and the rectangles that cover them
 * exactly (valid until the next begin). More than max_rects runs are merged into their
 * bounding box (still covering every changed tile; a few unchanged ones are redrawn
 * with what they already show). */
int ss_damage_end(ss_damage *d, int max_rects, const ss_damage_rect **rects, int *nrects);
/* The next frame counts every tile as changed (e.g. the buffer it drew into was lost). */
void ss_damage_invalidate(ss_damage *d);
/* Tiles in the current frame. */
int ss_damage_tiles(const ss_damage *d);

/* Hash of n bytes (n a multiple of 4 is fastest), chained through seed. */
uint64_t ss_damage_hash(const void *p, size_t n, uint64_t seed);

#endif

/* damage.c: see damage.h. */
#include "damage.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define SS__SEED 0x9E3779B97F4A7C15ull

/* A run of changed tiles [a, b) along a row, and the rect it belongs to. */
typedef struct ss__run {
    int a, b, rect;
} ss__run;

struct ss_damage {
    int w, h, tx, ty;
    uint64_t *key, *prev; /* this frame's tile keys, the last frame's */
    size_t cap;           /* tiles the arrays hold */
    bool valid;           /* prev describes what the buffer shows */
    ss_damage_rect *rects; /* one per run at most, so as many as tiles */
    int nrects;
    ss__run *above, *row; /* the runs of the row before, of this row */
    int caprow;           /* runs a row holds (tiles along it) */
};

ss_damage *ss_damage_create(void) { return calloc(1, sizeof(ss_damage)); }

void ss_damage_destroy(ss_damage *d)
{
    if (!d) return;
    free(d->key);
    free(d->prev);
    free(d->rects);
    free(d->above);
    free(d->row);
    free(d);
}

void ss_damage_invalidate(ss_damage *d) { d->valid = false; }

int ss_damage_tiles(const ss_damage *d) { return d->tx * d->ty; }

/* A tile's key after one more primitive: a bijection of the old key for a given
 * primitive (so no two histories are merged by construction), order-dependent. */
static uint64_t ss__mix(uint64_t a, uint64_t k)
{
    a = (a ^ k) * 0x100000001B3ull;
    return a ^ (a >> 29);
}

uint64_t ss_damage_hash(const void *p, size_t n, uint64_t seed)
{
    const unsigned char *b = p;
    uint64_t h = seed ^ 0xCBF29CE484222325ull;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t w;
        memcpy(&w, b + i, 4);
        h = (h ^ w) * 0x100000001B3ull;
    }
    for (; i < n; i++) h = (h ^ b[i]) * 0x100000001B3ull;
    /* the splitmix64 finaliser: every input bit reaches every output bit */
    h ^= h >> 30;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBull;
    return h ^ (h >> 31);
}

static bool ss__grow(void **p, size_t n, size_t size)
{
    void *q = realloc(*p, n * size);
    if (!q) return false;
    *p = q;
    return true;
}

int ss_damage_begin(ss_damage *d, int w, int h)
{
    if (w < 1) w = 1;
    if (h < 1) h = 1;
    int tx = (w + SS_DAMAGE_TILE - 1) / SS_DAMAGE_TILE, ty = (h + SS_DAMAGE_TILE - 1) / SS_DAMAGE_TILE;
    size_t n = (size_t)tx * (size_t)ty;
    if (n > d->cap || tx > d->caprow) {
        size_t cap = n > d->cap ? n : d->cap;
        int caprow = tx > d->caprow ? tx : d->caprow;
        if (!ss__grow((void **)&d->key, cap, sizeof *d->key) || !ss__grow((void **)&d->prev, cap, sizeof *d->prev) ||
            !ss__grow((void **)&d->rects, cap, sizeof *d->rects) ||
            !ss__grow((void **)&d->above, (size_t)caprow, sizeof *d->above) ||
            !ss__grow((void **)&d->row, (size_t)caprow, sizeof *d->row)) {
            d->valid = false;
            d->tx = d->ty = 0;
            return -1;
        }
        d->cap = cap;
        d->caprow = caprow;
    }
    if (w != d->w || h != d->h) d->valid = false;
    d->w = w;
    d->h = h;
    d->tx = tx;
    d->ty = ty;
    for (size_t i = 0; i < n; i++) d->key[i] = SS__SEED;
    return 0;
}

void ss_damage_add(ss_damage *d, int x0, int y0, int x1, int y1, uint64_t key)
{
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > d->w) x1 = d->w;
    if (y1 > d->h) y1 = d->h;
    if (x0 >= x1 || y0 >= y1 || d->tx == 0) return;
    int a0 = x0 / SS_DAMAGE_TILE, a1 = (x1 - 1) / SS_DAMAGE_TILE;
    int b0 = y0 / SS_DAMAGE_TILE, b1 = (y1 - 1) / SS_DAMAGE_TILE;
    for (int ty = b0; ty <= b1; ty++) {
        uint64_t *row = d->key + (size_t)ty * (size_t)d->tx;
        for (int tx = a0; tx <= a1; tx++) row[tx] = ss__mix(row[tx], key);
    }
}

static ss_damage_rect ss__pixels(const ss_damage *d, int a, int b, int r0, int r1)
{
    ss_damage_rect r = {a * SS_DAMAGE_TILE, r0 * SS_DAMAGE_TILE, (b - a) * SS_DAMAGE_TILE, (r1 - r0) * SS_DAMAGE_TILE};
    if (r.x + r.w > d->w) r.w = d->w - r.x;
    if (r.y + r.h > d->h) r.h = d->h - r.y;
    return r;
}

int ss_damage_end(ss_damage *d, int max_rects, const ss_damage_rect **rects, int *nrects)
{
    *rects = d->rects;
    *nrects = 0;
    d->nrects = 0;
    if (d->tx == 0) return 0;
    int changed = 0, bx0 = d->tx, bx1 = 0, by0 = d->ty, by1 = 0, nabove = 0;
    /* rect i is [x0, x1) tiles by rows [y0, y1): kept in tiles until the end */
    for (int ty = 0; ty < d->ty; ty++) {
        const uint64_t *k = d->key + (size_t)ty * (size_t)d->tx, *p = d->prev + (size_t)ty * (size_t)d->tx;
        int nrow = 0;
        for (int tx = 0; tx < d->tx;) {
            if (d->valid && k[tx] == p[tx]) {
                tx++;
                continue;
            }
            int a = tx;
            while (tx < d->tx && !(d->valid && k[tx] == p[tx])) tx++;
            changed += tx - a;
            if (a < bx0) bx0 = a;
            if (tx > bx1) bx1 = tx;
            if (ty < by0) by0 = ty;
            by1 = ty + 1;
            /* the same run in the row before extends its rect upward; else a new one */
            int r = -1;
            for (int i = 0; i < nabove; i++)
                if (d->above[i].a == a && d->above[i].b == tx) r = d->above[i].rect;
            if (r >= 0) {
                d->rects[r].h = ty + 1 - d->rects[r].y;
            } else {
                r = d->nrects++;
                d->rects[r] = (ss_damage_rect){a, ty, tx, 1}; /* in tiles, w holding x1, until the end */
            }
            d->row[nrow++] = (ss__run){a, tx, r};
        }
        ss__run *t = d->above;
        d->above = d->row;
        d->row = t;
        nabove = nrow;
    }
    if (max_rects < 1) max_rects = 1;
    if (d->nrects > max_rects) {
        d->rects[0] = ss__pixels(d, bx0, bx1, by0, by1);
        d->nrects = 1;
    } else {
        for (int i = 0; i < d->nrects; i++) {
            ss_damage_rect t = d->rects[i];
            d->rects[i] = ss__pixels(d, t.x, t.w, t.y, t.y + t.h);
        }
    }
    uint64_t *s = d->prev;
    d->prev = d->key;
    d->key = s;
    d->valid = true;
    *nrects = d->nrects;
    return changed;
}

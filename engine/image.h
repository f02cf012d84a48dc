/* image.h: an 8-bit greyscale image in memory and its PNG writer.
 *
 * The B-mode renderers hand out their scan-converted frames as ss_image; the
 * command line and tests write them with ss_image_write_png(). Row-major, top row
 * first, one byte per pixel, stride == width. It does not draw, scale or colour-map.
 */
#ifndef SS_IMAGE_H
#define SS_IMAGE_H

#include <stdint.h>

#include "error.h"

typedef struct ss_image {
    int width, height;
    uint8_t *pixels; /* width * height bytes, owned */
} ss_image;

/* Allocates width*height zeroed pixels (frees what img held). */
ss_status ss_image_alloc(ss_image *img, int width, int height);
void ss_image_free(ss_image *img);

/* Writes an 8-bit greyscale PNG. */
ss_status ss_image_write_png(const ss_image *img, const char *path);

#endif

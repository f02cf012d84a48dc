/* image.c: see image.h. PNG encoding by stb_image_write (Debian's libstb). */
#include "image.h"

#include <stdlib.h>

#include <stb_image_write.h>

ss_status ss_image_alloc(ss_image *img, int width, int height)
{
    if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
        return ss_error_set(SS_ERR_INVALID, "image size %dx%d: expected 1..16384 each", width, height);
    uint8_t *p = calloc((size_t)width * (size_t)height, 1);
    if (!p) return ss_error_set(SS_ERR_NOMEM, "image %dx%d: out of memory", width, height);
    free(img->pixels);
    img->pixels = p;
    img->width = width;
    img->height = height;
    return SS_OK;
}

void ss_image_free(ss_image *img)
{
    if (!img) return;
    free(img->pixels);
    img->pixels = NULL;
    img->width = img->height = 0;
}

ss_status ss_image_write_png(const ss_image *img, const char *path)
{
    if (!img || !img->pixels || img->width <= 0 || img->height <= 0)
        return ss_error_set(SS_ERR_INVALID, "%s: empty image", path ? path : "(null)");
    if (!stbi_write_png(path, img->width, img->height, 1, img->pixels, img->width))
        return ss_error_set(SS_ERR_IO, "%s: could not write PNG", path);
    return SS_OK;
}

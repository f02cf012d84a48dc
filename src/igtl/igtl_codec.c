/* igtl_codec.c: see igtl_codec.h. Header, body layouts, byte order and CRC come from
 * the OpenIGTLink library's C API (igtlutil); only the version-2 extended header size,
 * which the 1.11 library predates, is read here. */
#define _POSIX_C_SOURCE 200809L
#include "igtl/igtl_codec.h"

#include <igtl_header.h>
#include <igtl_image.h>
#include <igtl_string.h>
#include <igtl_transform.h>
#include <igtl_util.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool ss__name_ok(const char *raw, size_t n, bool need_nonempty)
{
    size_t len = 0;
    while (len < n && raw[len] != '\0') len++;
    if (need_nonempty && len == 0) return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)raw[i] < 0x20 || (unsigned char)raw[i] > 0x7e) return false;
    for (size_t i = len; i < n; i++)
        if (raw[i] != '\0') return false; /* padding must be NULs */
    return true;
}

bool ss_igtl_header_unpack(const uint8_t raw[SS_IGTL_HEADER_BYTES], ss_igtl_header *out, char *why, size_t why_size)
{
    igtl_header h;
    memcpy(&h, raw, sizeof h);
    igtl_header_convert_byte_order(&h);
    memset(out, 0, sizeof *out);
    /* 1 and 2 are the header versions OpenIGTLink defines (protocol 3 uses header 2). */
    if (h.version < 1 || h.version > 2) {
        snprintf(why, why_size, "header version %u (expected 1 or 2)", (unsigned)h.version);
        return false;
    }
    if (!ss__name_ok(h.name, IGTL_HEADER_TYPE_SIZE, true)) {
        snprintf(why, why_size, "type name is not printable ASCII padded with NULs");
        return false;
    }
    if (!ss__name_ok(h.device_name, IGTL_HEADER_NAME_SIZE, false)) {
        snprintf(why, why_size, "device name is not printable ASCII padded with NULs");
        return false;
    }
    out->version = h.version;
    memcpy(out->type, h.name, IGTL_HEADER_TYPE_SIZE);
    memcpy(out->device, h.device_name, IGTL_HEADER_NAME_SIZE);
    out->timestamp = h.timestamp;
    out->body_size = h.body_size;
    out->crc = h.crc;
    return true;
}

bool ss_igtl_body_crc_ok(const ss_igtl_header *h, const uint8_t *body)
{
    return crc64((unsigned char *)body, h->body_size, 0) == h->crc;
}

bool ss_igtl_transform_unpack(const ss_igtl_header *h, const uint8_t *body, float m[12], char *why, size_t why_size)
{
    size_t off = 0;
    if (h->version >= 2) {
        /* extended header: its first field is its own size (big-endian uint16) */
        if (h->body_size < 2) {
            snprintf(why, why_size, "version %u body of %llu bytes has no extended header", h->version,
                     (unsigned long long)h->body_size);
            return false;
        }
        off = ((size_t)body[0] << 8) | body[1];
        if (off < 12 || off + SS_IGTL_TRANSFORM_BYTES > h->body_size) {
            snprintf(why, why_size, "version %u body: extended header of %zu bytes and %llu bytes in all leave no "
                                    "48-byte transform",
                     h->version, off, (unsigned long long)h->body_size);
            return false;
        }
    } else if (h->body_size != SS_IGTL_TRANSFORM_BYTES) {
        snprintf(why, why_size, "body of %llu bytes (a TRANSFORM body is 48)", (unsigned long long)h->body_size);
        return false;
    }
    igtl_float32 t[12];
    memcpy(t, body + off, sizeof t);
    igtl_transform_convert_byte_order(t);
    for (int i = 0; i < 12; i++) {
        if (!isfinite(t[i])) {
            snprintf(why, why_size, "element %d is not a finite number", i);
            return false;
        }
        m[i] = t[i];
    }
    return true;
}

static igtl_uint64 ss__timestamp(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((igtl_uint64)(igtl_uint32)ts.tv_sec << 32) | igtl_nanosec_to_frac((igtl_uint32)ts.tv_nsec);
}

/* Allocates header + body, fills the header for the body already written after it. */
static uint8_t *ss__alloc(size_t body_size)
{
    return malloc(SS_IGTL_HEADER_BYTES + body_size);
}

static void ss__finish(uint8_t *msg, const char *type, const char *device, size_t body_size)
{
    igtl_header h;
    memset(&h, 0, sizeof h);
    h.version = IGTL_HEADER_VERSION;
    /* NUL-padded fixed-size fields, not C strings: a 20-byte name fills its field */
    size_t tl = strlen(type), dl = strlen(device);
    memcpy(h.name, type, tl < IGTL_HEADER_TYPE_SIZE ? tl : IGTL_HEADER_TYPE_SIZE);
    memcpy(h.device_name, device, dl < IGTL_HEADER_NAME_SIZE ? dl : IGTL_HEADER_NAME_SIZE);
    h.timestamp = ss__timestamp();
    h.body_size = body_size;
    h.crc = crc64(msg + SS_IGTL_HEADER_BYTES, body_size, 0);
    igtl_header_convert_byte_order(&h);
    memcpy(msg, &h, SS_IGTL_HEADER_BYTES);
}

uint8_t *ss_igtl_pack_transform(const char *device, const float m[12], size_t *size_out)
{
    uint8_t *msg = ss__alloc(IGTL_TRANSFORM_SIZE);
    if (!msg) return NULL;
    igtl_float32 t[12];
    for (int i = 0; i < 12; i++) t[i] = m[i];
    igtl_transform_convert_byte_order(t);
    memcpy(msg + SS_IGTL_HEADER_BYTES, t, sizeof t);
    ss__finish(msg, "TRANSFORM", device, IGTL_TRANSFORM_SIZE);
    *size_out = SS_IGTL_HEADER_BYTES + IGTL_TRANSFORM_SIZE;
    return msg;
}

uint8_t *ss_igtl_pack_image(const char *device, const uint8_t *pixels, int width, int height,
                            const double ijk_to_ref[3][4], size_t *size_out)
{
    size_t npix = (size_t)width * (size_t)height;
    size_t body = IGTL_IMAGE_HEADER_SIZE + npix;
    uint8_t *msg = ss__alloc(body);
    if (!msg) return NULL;
    igtl_image_header ih;
    memset(&ih, 0, sizeof ih);
    ih.version = IGTL_IMAGE_HEADER_VERSION;
    ih.num_components = 1;
    ih.scalar_type = IGTL_IMAGE_STYPE_TYPE_UINT8;
    ih.endian = igtl_is_little_endian() ? IGTL_IMAGE_ENDIAN_LITTLE : IGTL_IMAGE_ENDIAN_BIG;
    ih.coord = IGTL_IMAGE_COORD_LPS;
    ih.size[0] = (igtl_uint16)width;
    ih.size[1] = (igtl_uint16)height;
    ih.size[2] = 1;
    ih.subvol_size[0] = ih.size[0];
    ih.subvol_size[1] = ih.size[1];
    ih.subvol_size[2] = 1;
    float spacing[3], norm[3][3], origin[3];
    for (int c = 0; c < 3; c++) {
        double len = sqrt(ijk_to_ref[0][c] * ijk_to_ref[0][c] + ijk_to_ref[1][c] * ijk_to_ref[1][c] +
                          ijk_to_ref[2][c] * ijk_to_ref[2][c]);
        spacing[c] = (float)len;
        for (int r = 0; r < 3; r++) norm[c][r] = (float)(len > 0 ? ijk_to_ref[r][c] / len : 0);
    }
    /* OpenIGTLink's origin is the centre of the image: half the extent between the first
     * and the last pixel centres along i and j from pixel (0, 0). */
    for (int r = 0; r < 3; r++)
        origin[r] = (float)(ijk_to_ref[r][3] + ijk_to_ref[r][0] * (width - 1) / 2.0 +
                            ijk_to_ref[r][1] * (height - 1) / 2.0);
    igtl_image_set_matrix(spacing, origin, norm[0], norm[1], norm[2], &ih);
    igtl_image_convert_byte_order(&ih);
    memcpy(msg + SS_IGTL_HEADER_BYTES, &ih, IGTL_IMAGE_HEADER_SIZE);
    memcpy(msg + SS_IGTL_HEADER_BYTES + IGTL_IMAGE_HEADER_SIZE, pixels, npix);
    ss__finish(msg, "IMAGE", device, body);
    *size_out = SS_IGTL_HEADER_BYTES + body;
    return msg;
}

uint8_t *ss_igtl_pack_string(const char *device, const char *text, size_t *size_out)
{
    size_t len = strlen(text);
    if (len > 0xffff) len = 0xffff;
    size_t body = IGTL_STRING_HEADER_SIZE + len;
    uint8_t *msg = ss__alloc(body);
    if (!msg) return NULL;
    igtl_string_header sh = {.encoding = 3 /* US-ASCII */, .length = (igtl_uint16)len};
    igtl_string_convert_byte_order(&sh);
    memcpy(msg + SS_IGTL_HEADER_BYTES, &sh, IGTL_STRING_HEADER_SIZE);
    memcpy(msg + SS_IGTL_HEADER_BYTES + IGTL_STRING_HEADER_SIZE, text, len);
    ss__finish(msg, "STRING", device, body);
    *size_out = SS_IGTL_HEADER_BYTES + body;
    return msg;
}

void ss_igtl_transform_to_matrix(const float m[12], double out[4][4])
{
    for (int c = 0; c < 3; c++)
        for (int r = 0; r < 3; r++) out[r][c] = m[c * 3 + r];
    for (int r = 0; r < 3; r++) out[r][3] = m[9 + r];
    out[3][0] = out[3][1] = out[3][2] = 0;
    out[3][3] = 1;
}

void ss_igtl_matrix_to_transform(const double in[3][4], float m[12])
{
    for (int c = 0; c < 3; c++)
        for (int r = 0; r < 3; r++) m[c * 3 + r] = (float)in[r][c];
    for (int r = 0; r < 3; r++) m[9 + r] = (float)in[r][3];
}

/* igtl_codec.h: OpenIGTLink messages to and from bytes, on the library's C API
 * (igtlutil in libopenigtlink: igtl_header, igtl_image, igtl_transform, igtl_string,
 * crc64 and the byte-order conversions). No sockets here (igtl_server.h).
 *
 * A message is a 58-byte header (version, type name, device name, timestamp, body size,
 * CRC-64 of the body; big-endian) followed by the body. Version 1 bodies are the
 * content itself; version 2 (OpenIGTLink 3) bodies start with an extended header whose
 * first big-endian uint16 is its own size, then the content, then metadata. The CRC
 * always covers the whole body.
 *
 * Sent: TRANSFORM (12 float32: the 3 x 3 rotation column by column, then the
 * translation), IMAGE (uint8 scalar 2-D image, one slice, orientation and spacing in
 * the matrix, origin = centre of the image, coordinate system LPS since the patient
 * frame is left-posterior-superior), STRING (US-ASCII text, events and notes).
 * Received: TRANSFORM only; every other type is skipped by the server.
 */
#ifndef SS_IGTL_CODEC_H
#define SS_IGTL_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SS_IGTL_HEADER_BYTES 58
#define SS_IGTL_TRANSFORM_BYTES 48
/* Largest body the server accepts from a client (bigger: the client is dropped). */
#define SS_IGTL_MAX_BODY_BYTES (16u * 1024u * 1024u)
/* The most a TRANSFORM body may hold to be read: 48 bytes of pose, a version-2
 * extended header (12) and metadata; larger ones are skipped, not buffered. */
#define SS_IGTL_MAX_TRANSFORM_BODY_BYTES 4096u

typedef struct ss_igtl_header {
    unsigned version;
    char type[13];    /* NUL-terminated */
    char device[21];  /* NUL-terminated */
    uint64_t timestamp;
    uint64_t body_size;
    uint64_t crc;
} ss_igtl_header;

/* Parses a received header. False when it cannot be an OpenIGTLink header (version not
 * 1..3, a type or device name with bytes that are not printable ASCII before the NUL
 * padding, an empty type name); why gets the reason. The body size is not checked here. */
bool ss_igtl_header_unpack(const uint8_t raw[SS_IGTL_HEADER_BYTES], ss_igtl_header *out, char *why, size_t why_size);

/* True when the body's CRC-64 matches the header's. */
bool ss_igtl_body_crc_ok(const ss_igtl_header *h, const uint8_t *body);

/* The content of a TRANSFORM body (version 1: the body; version 2+: after the extended
 * header): 12 floats in host order, column-major rotation then translation. False, with
 * why, when the body does not hold exactly (v1) or at least (v2) 48 content bytes or a
 * value is not finite. */
bool ss_igtl_transform_unpack(const ss_igtl_header *h, const uint8_t *body, float m[12], char *why, size_t why_size);

/* Whole messages (header + body), malloc'd; NULL when out of memory. Timestamps are the
 * wall clock. Device names longer than 20 bytes are cut. */
uint8_t *ss_igtl_pack_transform(const char *device, const float m[12], size_t *size_out);
/* pixels: width x height bytes, rows top to bottom. ijk_to_ref: column 0 = direction of
 * +i (columns, to the right) times the pixel spacing, column 1 = +j (rows, down) times
 * the spacing, column 2 = the slice normal (unit, spacing 1), column 3 = position of the
 * centre of pixel (0, 0). */
uint8_t *ss_igtl_pack_image(const char *device, const uint8_t *pixels, int width, int height,
                            const double ijk_to_ref[3][4], size_t *size_out);
uint8_t *ss_igtl_pack_string(const char *device, const char *text, size_t *size_out);

/* The 4 x 4 matrix of 12 TRANSFORM floats: out[r][c]. */
void ss_igtl_transform_to_matrix(const float m[12], double out[4][4]);
void ss_igtl_matrix_to_transform(const double in[3][4], float m[12]);

#endif

/* ui.c: see ui.h. One draw list per frame: triangles with position, texture
 * coordinate and colour, in batches that share a texture, its content stamp, a mode and a
 * clip rectangle. ss_ui_end repaints, in an offscreen copy of the frame, the tiles the
 * list changed since the last frame (damage.h), and copies the copy to the window. */
#define _POSIX_C_SOURCE 200809L
#include "ui.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stb_truetype.h>

#include "damage.h"
#include "paths.h"
#include "shader.h"

#define SS__ATLAS 1024
#define SS__MAX_BLOCKS 64
/* rectangles repainted one by one (each a pass over the batches); more are merged into
   their bounding box */
#define SS__MAX_REPAINT_RECTS 32

typedef struct ss__vtx {
    float x, y, u, v;
    ss_rgba c;
} ss__vtx;

typedef enum { SS__MODE_ATLAS = 0, SS__MODE_RGBA = 1, SS__MODE_GREY = 2 } ss__mode;

typedef struct ss__batch {
    GLuint tex;
    int mode;
    ss_rect clip; /* w < 0: none */
    int first, count;
    uint32_t stamp;        /* the texture's content stamp (ss_ui_image) */
    ss_damage_rect clip_px; /* clip in framebuffer pixels, origin bottom-left (the frame without one) */
} ss__batch;

/* A batch's triangles that touch one changed rectangle: indices [first, first + count)
 * of the frame's index list, drawn under scissor sc (the rectangle within the clip). */
typedef struct ss__segment {
    int batch, first, count;
    ss_damage_rect sc;
} ss__segment;

typedef struct ss__font {
    float size_px;          /* in drawable pixels */
    float ascent_px, line_px;
    stbtt_packedchar ascii[95];  /* 32..126 */
    stbtt_packedchar latin[96];  /* 160..255 */
} ss__font;

struct ss_ui {
    float scale;
    GLuint program, vao, vbo, atlas;
    GLint u_view, u_mode, u_tex;
    ss__font fonts[SS_FONT_COUNT];
    float white_u, white_v;
    /* frame */
    int w, h, fb_w, fb_h;
    ss_ui_input in;
    ss__vtx *v;
    int nv, capv;
    ss__batch *b;
    int nb, capb;
    ss_rect clip;
    bool clipping;
    uintptr_t hot, active;
    float drag_off;
    ss_rect blocks[SS__MAX_BLOCKS], prev_blocks[SS__MAX_BLOCKS];
    int nblocks, nprev_blocks;
    /* the frame as last drawn (the window's own buffer is undefined after a swap):
       repainted where it changed (damage.h), then copied to the window */
    ss_damage *damage;
    GLuint fbo, rb, ibo;
    int fbo_w, fbo_h;
    uint32_t *idx;
    int nidx, capidx;
    ss_damage_rect *tri_px; /* the pixels each triangle can touch (ss__tri_px) */
    int captri;
    ss__segment *seg;
    int nseg, capseg;
    int tiles_drawn, tiles_total;
    bool repaint_all; /* ss_ui_repaint_all */
};

static const float ss__font_pt[SS_FONT_COUNT] = {12.5f, 15.0f, 22.0f};

static uint32_t ss__be32(const unsigned char *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* stb_truetype trusts the file it is given: check the outline of a TrueType file first
 * (sfnt version, table directory inside the file, every table it uses present and
 * inside the file), so that a text file or a cut-off font is refused, not read out of
 * bounds. */
static bool ss__font_looks_whole(const unsigned char *f, size_t n, char *why, size_t why_size)
{
    if (n < 12) {
        snprintf(why, why_size, "%zu bytes, too short for a font", n);
        return false;
    }
    uint32_t version = ss__be32(f);
    if (version != 0x00010000u && version != 0x74727565u /* 'true' */) {
        snprintf(why, why_size, "does not start with a TrueType signature");
        return false;
    }
    unsigned ntables = (unsigned)f[4] << 8 | f[5];
    if (ntables == 0 || 12 + 16 * (size_t)ntables > n) {
        snprintf(why, why_size, "table directory (%u tables) does not fit in its %zu bytes", ntables, n);
        return false;
    }
    static const char *const needed[] = {"cmap", "head", "hhea", "hmtx", "loca", "glyf", "maxp"};
    for (size_t k = 0; k < sizeof needed / sizeof needed[0]; k++) {
        bool found = false;
        for (unsigned i = 0; i < ntables && !found; i++) {
            const unsigned char *e = f + 12 + 16 * (size_t)i;
            if (memcmp(e, needed[k], 4) != 0) continue;
            uint32_t off = ss__be32(e + 8), len = ss__be32(e + 12);
            if ((uint64_t)off + len > n) {
                snprintf(why, why_size, "table %s lies beyond the end of the file (cut short?)", needed[k]);
                return false;
            }
            found = true;
        }
        if (!found) {
            snprintf(why, why_size, "no %s table", needed[k]);
            return false;
        }
    }
    return true;
}

ss_status ss_ui_create(const char *font_path, float pixel_scale, ss_ui **out)
{
    *out = NULL;
    char *ttf = NULL;
    size_t ttf_len = 0;
    if (ss_file_read(font_path, 64u << 20, &ttf, &ttf_len) != SS_OK) {
        char why[600]; /* the message is rewritten below: keep the reason apart */
        snprintf(why, sizeof why, "%s", ss_error_message());
        return ss_error_set(SS_ERR_IO,
                            "font %s cannot be read (install the Debian package fonts-dejavu-core, or set "
                            "SONOSPINE_FONT to a TrueType file): %s",
                            font_path, why);
    }
    char why[160];
    if (!ss__font_looks_whole((const unsigned char *)ttf, ttf_len, why, sizeof why)) {
        free(ttf);
        return ss_error_set(SS_ERR_PARSE, "font %s: %s; expected a TrueType font (set SONOSPINE_FONT to one)",
                            font_path, why);
    }
    ss_ui *ui = calloc(1, sizeof *ui);
    unsigned char *pixels = calloc(SS__ATLAS, SS__ATLAS);
    if (!ui || !pixels) {
        free(ttf);
        free(ui);
        free(pixels);
        return ss_error_set(SS_ERR_NOMEM, "out of memory for the font atlas");
    }
    ui->scale = pixel_scale > 0.5f ? pixel_scale : 1.0f;
    stbtt_fontinfo info;
    if (!stbtt_InitFont(&info, (const unsigned char *)ttf, stbtt_GetFontOffsetForIndex((const unsigned char *)ttf, 0))) {
        free(ttf);
        free(ui);
        free(pixels);
        return ss_error_set(SS_ERR_PARSE, "font %s: not a TrueType font stb_truetype can read", font_path);
    }
    int asc, desc, gap;
    stbtt_GetFontVMetrics(&info, &asc, &desc, &gap);
    stbtt_pack_context pc;
    stbtt_PackBegin(&pc, pixels, SS__ATLAS, SS__ATLAS, 0, 1, NULL);
    stbtt_PackSetOversampling(&pc, 1, 1);
    bool ok = true;
    for (int f = 0; f < SS_FONT_COUNT; f++) {
        ss__font *fo = &ui->fonts[f];
        fo->size_px = roundf(ss__font_pt[f] * ui->scale);
        float s = stbtt_ScaleForPixelHeight(&info, fo->size_px);
        fo->ascent_px = roundf(asc * s);
        fo->line_px = roundf((asc - desc + gap) * s);
        stbtt_pack_range r[2] = {
            {.font_size = fo->size_px, .first_unicode_codepoint_in_range = 32, .num_chars = 95,
             .chardata_for_range = fo->ascii},
            {.font_size = fo->size_px, .first_unicode_codepoint_in_range = 160, .num_chars = 96,
             .chardata_for_range = fo->latin},
        };
        ok = ok && stbtt_PackFontRanges(&pc, (const unsigned char *)ttf, 0, r, 2);
    }
    stbtt_PackEnd(&pc);
    free(ttf);
    if (!ok) {
        free(ui);
        free(pixels);
        return ss_error_set(SS_ERR_INTERNAL, "font atlas %dx%d too small at scale %.2f", SS__ATLAS, SS__ATLAS,
                            (double)pixel_scale);
    }
    /* A white texel for solid fills: the bottom-right corner (never packed at these sizes). */
    for (int y = SS__ATLAS - 3; y < SS__ATLAS; y++)
        for (int x = SS__ATLAS - 3; x < SS__ATLAS; x++) pixels[y * SS__ATLAS + x] = 255;
    ui->white_u = (SS__ATLAS - 1.5f) / SS__ATLAS;
    ui->white_v = (SS__ATLAS - 1.5f) / SS__ATLAS;

    ss_status st = ss_shader_render_program("ui.vert", "ui.frag", NULL, &ui->program);
    if (st != SS_OK) {
        free(ui);
        free(pixels);
        return st;
    }
    ui->u_view = glGetUniformLocation(ui->program, "u_view");
    ui->u_mode = glGetUniformLocation(ui->program, "u_mode");
    ui->u_tex = glGetUniformLocation(ui->program, "u_tex");
    glGenTextures(1, &ui->atlas);
    glBindTexture(GL_TEXTURE_2D, ui->atlas);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_R8, SS__ATLAS, SS__ATLAS, 0, GL_RED, GL_UNSIGNED_BYTE, pixels);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    free(pixels);
    glGenVertexArrays(1, &ui->vao);
    glGenBuffers(1, &ui->vbo);
    glGenBuffers(1, &ui->ibo);
    ui->damage = ss_damage_create(); /* NULL: every frame is drawn whole */
    glBindVertexArray(ui->vao);
    glBindBuffer(GL_ARRAY_BUFFER, ui->vbo);
    glEnableVertexAttribArray(0);
    glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, sizeof(ss__vtx), (void *)0);
    glEnableVertexAttribArray(1);
    glVertexAttribPointer(1, 2, GL_FLOAT, GL_FALSE, sizeof(ss__vtx), (void *)(2 * sizeof(float)));
    glEnableVertexAttribArray(2);
    glVertexAttribPointer(2, 4, GL_UNSIGNED_BYTE, GL_TRUE, sizeof(ss__vtx), (void *)(4 * sizeof(float)));
    glBindVertexArray(0);
    *out = ui;
    return SS_OK;
}

void ss_ui_destroy(ss_ui *ui)
{
    if (!ui) return;
    glDeleteProgram(ui->program);
    glDeleteTextures(1, &ui->atlas);
    glDeleteBuffers(1, &ui->vbo);
    glDeleteBuffers(1, &ui->ibo);
    glDeleteVertexArrays(1, &ui->vao);
    if (ui->fbo) {
        glDeleteFramebuffers(1, &ui->fbo);
        glDeleteRenderbuffers(1, &ui->rb);
    }
    ss_damage_destroy(ui->damage);
    free(ui->v);
    free(ui->b);
    free(ui->idx);
    free(ui->tri_px);
    free(ui->seg);
    free(ui);
}

void ss_ui_begin(ss_ui *ui, int w, int h, int fb_w, int fb_h, const ss_ui_input *in)
{
    ui->w = w;
    ui->h = h;
    ui->fb_w = fb_w;
    ui->fb_h = fb_h;
    ui->in = *in;
    ui->nv = 0;
    ui->nb = 0;
    ui->clipping = false;
    memcpy(ui->prev_blocks, ui->blocks, sizeof ui->blocks);
    ui->nprev_blocks = ui->nblocks;
    ui->nblocks = 0;
    ui->hot = 0;
    if (!in->mouse_down && !in->mouse_released) ui->active = 0;
}

bool ss_ui_rect_contains(ss_rect r, float x, float y) { return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h; }

bool ss_ui_mouse_captured(const ss_ui *ui)
{
    if (ui->active) return true;
    for (int i = 0; i < ui->nprev_blocks; i++)
        if (ss_ui_rect_contains(ui->prev_blocks[i], ui->in.mouse_x, ui->in.mouse_y)) return true;
    return false;
}

void ss_ui_block(ss_ui *ui, ss_rect r)
{
    if (ui->nblocks < SS__MAX_BLOCKS) ui->blocks[ui->nblocks++] = r;
}

/* ------------------------------------------------------------------ draw list */

static ss_damage_rect ss__meet(ss_damage_rect a, ss_damage_rect b)
{
    int x0 = a.x > b.x ? a.x : b.x, y0 = a.y > b.y ? a.y : b.y;
    int x1 = a.x + a.w < b.x + b.w ? a.x + a.w : b.x + b.w, y1 = a.y + a.h < b.y + b.h ? a.y + a.h : b.y + b.h;
    return (ss_damage_rect){x0, y0, x1 > x0 ? x1 - x0 : 0, y1 > y0 ? y1 - y0 : 0};
}

/* Window units to framebuffer pixels: x and y scales. */
static float ss__sx(const ss_ui *ui) { return (float)ui->fb_w / (float)(ui->w > 0 ? ui->w : 1); }
static float ss__sy(const ss_ui *ui) { return (float)ui->fb_h / (float)(ui->h > 0 ? ui->h : 1); }

/* A clip rectangle (window units; w < 0: none) as a scissor box (pixels, origin
 * bottom-left; the frame without one). */
static ss_damage_rect ss__clip_px(const ss_ui *ui, ss_rect clip)
{
    ss_damage_rect f = {0, 0, ui->fb_w, ui->fb_h};
    if (clip.w < 0) return f;
    const float sx = ss__sx(ui), sy = ss__sy(ui);
    ss_damage_rect c = {(int)floorf(clip.x * sx), (int)floorf((float)ui->fb_h - (clip.y + clip.h) * sy),
                        (int)ceilf(clip.w * sx), (int)ceilf(clip.h * sy)};
    return ss__meet(c, f);
}

/* The pixels triangle t (its first vertex) can touch: its bounding box in pixels, a
 * pixel wider on every side (a pixel is drawn when its centre is inside), within its
 * batch's clip. */
static ss_damage_rect ss__tri_px(const ss_ui *ui, int t, ss_damage_rect clip)
{
    const float sx = ss__sx(ui), sy = ss__sy(ui);
    const ss__vtx *v = ui->v + t;
    float x0 = fminf(v[0].x, fminf(v[1].x, v[2].x)), x1 = fmaxf(v[0].x, fmaxf(v[1].x, v[2].x));
    float y0 = fminf(v[0].y, fminf(v[1].y, v[2].y)), y1 = fmaxf(v[0].y, fmaxf(v[1].y, v[2].y));
    int px0 = (int)floorf(x0 * sx) - 1, px1 = (int)ceilf(x1 * sx) + 1;
    int py0 = (int)floorf((float)ui->fb_h - y1 * sy) - 1, py1 = (int)ceilf((float)ui->fb_h - y0 * sy) + 1;
    return ss__meet((ss_damage_rect){px0, py0, px1 - px0, py1 - py0}, clip);
}

static bool ss__reserve(void **p, int *cap, int need, size_t size)
{
    if (need <= *cap) return true;
    int c = *cap ? *cap : 1024;
    while (c < need) c *= 2;
    void *q = realloc(*p, (size_t)c * size);
    if (!q) return false;
    *p = q;
    *cap = c;
    return true;
}


static ss__batch *ss__batch_for(ss_ui *ui, GLuint tex, int mode, uint32_t stamp)
{
    ss_rect clip = ui->clipping ? ui->clip : (ss_rect){0, 0, -1, -1};
    if (ui->nb > 0) {
        ss__batch *b = &ui->b[ui->nb - 1];
        if (b->tex == tex && b->mode == mode && b->stamp == stamp && memcmp(&b->clip, &clip, sizeof clip) == 0)
            return b;
    }
    if (!ss__reserve((void **)&ui->b, &ui->capb, ui->nb + 1, sizeof *ui->b)) return NULL;
    ss__batch *b = &ui->b[ui->nb++];
    *b = (ss__batch){tex, mode, clip, ui->nv, 0, stamp, ss__clip_px(ui, clip)};
    return b;
}

static ss__vtx *ss__push(ss_ui *ui, GLuint tex, int mode, uint32_t stamp, int n)
{
    ss__batch *b = ss__batch_for(ui, tex, mode, stamp);
    if (!b) return NULL;
    if (!ss__reserve((void **)&ui->v, &ui->capv, ui->nv + n, sizeof *ui->v)) return NULL;
    ss__vtx *v = ui->v + ui->nv;
    ui->nv += n;
    b->count += n;
    return v;
}

static void ss__quad(ss_ui *ui, GLuint tex, int mode, uint32_t stamp, float x0, float y0, float x1, float y1, float u0,
                     float v0, float u1, float v1, ss_rgba c)
{
    ss__vtx *v = ss__push(ui, tex, mode, stamp, 6);
    if (!v) return;
    v[0] = (ss__vtx){x0, y0, u0, v0, c};
    v[1] = (ss__vtx){x1, y0, u1, v0, c};
    v[2] = (ss__vtx){x1, y1, u1, v1, c};
    v[3] = v[0];
    v[4] = v[2];
    v[5] = (ss__vtx){x0, y1, u0, v1, c};
}

void ss_ui_fill(ss_ui *ui, ss_rect r, ss_rgba c)
{
    ss__quad(ui, ui->atlas, SS__MODE_ATLAS, 0, r.x, r.y, r.x + r.w, r.y + r.h, ui->white_u, ui->white_v, ui->white_u,
             ui->white_v, c);
}

void ss_ui_frame(ss_ui *ui, ss_rect r, float t, ss_rgba c)
{
    ss_ui_fill(ui, (ss_rect){r.x, r.y, r.w, t}, c);
    ss_ui_fill(ui, (ss_rect){r.x, r.y + r.h - t, r.w, t}, c);
    ss_ui_fill(ui, (ss_rect){r.x, r.y + t, t, r.h - 2 * t}, c);
    ss_ui_fill(ui, (ss_rect){r.x + r.w - t, r.y + t, t, r.h - 2 * t}, c);
}

void ss_ui_triangle(ss_ui *ui, float x0, float y0, float x1, float y1, float x2, float y2, ss_rgba c)
{
    ss__vtx *v = ss__push(ui, ui->atlas, SS__MODE_ATLAS, 0, 3);
    if (!v) return;
    v[0] = (ss__vtx){x0, y0, ui->white_u, ui->white_v, c};
    v[1] = (ss__vtx){x1, y1, ui->white_u, ui->white_v, c};
    v[2] = (ss__vtx){x2, y2, ui->white_u, ui->white_v, c};
}

void ss_ui_line(ss_ui *ui, float x0, float y0, float x1, float y1, float t, ss_rgba c)
{
    float dx = x1 - x0, dy = y1 - y0, l = sqrtf(dx * dx + dy * dy);
    if (l < 1e-6f) return;
    float nx = -dy / l * t * 0.5f, ny = dx / l * t * 0.5f;
    ss_ui_triangle(ui, x0 + nx, y0 + ny, x1 + nx, y1 + ny, x1 - nx, y1 - ny, c);
    ss_ui_triangle(ui, x0 + nx, y0 + ny, x1 - nx, y1 - ny, x0 - nx, y0 - ny, c);
}

void ss_ui_image(ss_ui *ui, ss_rect r, GLuint tex, uint32_t stamp, float u0, float v0, float u1, float v1, bool grey)
{
    ss__quad(ui, tex, grey ? SS__MODE_GREY : SS__MODE_RGBA, stamp, r.x, r.y, r.x + r.w, r.y + r.h, u0, v0, u1, v1,
             SS_RGBA(255, 255, 255, 255));
}

void ss_ui_clip_push(ss_ui *ui, ss_rect r)
{
    ui->clip = r;
    ui->clipping = true;
}

void ss_ui_clip_pop(ss_ui *ui) { ui->clipping = false; }

/* ------------------------------------------------------------------ text */

/* Next code point of UTF-8 text (Latin-1 is all the fonts hold); advances *s. */
static int ss__utf8_next(const char **s)
{
    const unsigned char *p = (const unsigned char *)*s;
    int c = p[0];
    if (c < 0x80) {
        *s += 1;
        return c;
    }
    if ((c & 0xE0) == 0xC0 && (p[1] & 0xC0) == 0x80) {
        *s += 2;
        return ((c & 0x1F) << 6) | (p[1] & 0x3F);
    }
    int n = (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    for (int i = 1; i < n; i++)
        if (!p[i]) {
            n = i;
            break;
        }
    *s += n;
    return '?';
}

static const stbtt_packedchar *ss__glyph(const ss__font *f, int cp, int *index, const stbtt_packedchar **table)
{
    if (cp >= 32 && cp <= 126) {
        *index = cp - 32;
        *table = f->ascii;
    } else if (cp >= 160 && cp <= 255) {
        *index = cp - 160;
        *table = f->latin;
    } else {
        *index = '?' - 32;
        *table = f->ascii;
    }
    return *table + *index;
}

float ss_ui_text_width(const ss_ui *ui, ss_ui_font f, const char *text)
{
    const ss__font *fo = &ui->fonts[f];
    float w = 0;
    for (const char *s = text; *s;) {
        int cp = ss__utf8_next(&s), idx;
        const stbtt_packedchar *t;
        w += ss__glyph(fo, cp, &idx, &t)->xadvance;
    }
    return w / ui->scale;
}

float ss_ui_line_height(const ss_ui *ui, ss_ui_font f) { return ui->fonts[f].line_px / ui->scale; }

float ss_ui_text(ss_ui *ui, ss_ui_font f, float x, float y, ss_rgba c, const char *text)
{
    const ss__font *fo = &ui->fonts[f];
    float px = roundf(x * ui->scale), py = roundf(y * ui->scale) + fo->ascent_px, x0 = px;
    for (const char *s = text; *s;) {
        int cp = ss__utf8_next(&s), idx;
        const stbtt_packedchar *t;
        ss__glyph(fo, cp, &idx, &t);
        stbtt_aligned_quad q;
        stbtt_GetPackedQuad(t, SS__ATLAS, SS__ATLAS, idx, &px, &py, &q, 1);
        if (cp != ' ')
            ss__quad(ui, ui->atlas, SS__MODE_ATLAS, 0, q.x0 / ui->scale, q.y0 / ui->scale, q.x1 / ui->scale,
                     q.y1 / ui->scale, q.s0, q.t0, q.s1, q.t1, c);
    }
    return (px - x0) / ui->scale;
}

float ss_ui_textf(ss_ui *ui, ss_ui_font f, float x, float y, ss_rgba c, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return ss_ui_text(ui, f, x, y, c, buf);
}

float ss_ui_text_wrapped(ss_ui *ui, ss_ui_font f, ss_rect r, ss_rgba c, const char *text)
{
    float lh = ss_ui_line_height(ui, f), y = r.y;
    char line[512];
    const char *s = text;
    while (*s) {
        /* take words while they fit */
        size_t n = 0, last_break = 0;
        const char *p = s;
        while (*p && *p != '\n' && n + 1 < sizeof line) {
            line[n++] = *p++;
            line[n] = '\0';
            if (ss_ui_text_width(ui, f, line) > r.w) {
                if (last_break > 0) {
                    n = last_break;
                    p = s + last_break;
                } else {
                    n--;
                    p--;
                }
                break;
            }
            if (*p == ' ') last_break = n;
        }
        line[n] = '\0';
        ss_ui_text(ui, f, r.x, y, c, line);
        y += lh;
        s = p;
        while (*s == ' ') s++;
        if (*s == '\n') s++;
    }
    return y - r.y;
}

/* ------------------------------------------------------------------ render */

/* The offscreen copy of the frame, (re)made at the drawable's size; false where the
 * driver cannot (the frame is then drawn whole into the window's buffer). */
static bool ss__frame_buffer(ss_ui *ui)
{
    if (ui->fbo && ui->fbo_w == ui->fb_w && ui->fbo_h == ui->fb_h) return true;
    if (!ui->fbo) {
        glGenFramebuffers(1, &ui->fbo);
        glGenRenderbuffers(1, &ui->rb);
    }
    glBindRenderbuffer(GL_RENDERBUFFER, ui->rb);
    glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, ui->fb_w > 0 ? ui->fb_w : 1, ui->fb_h > 0 ? ui->fb_h : 1);
    glBindRenderbuffer(GL_RENDERBUFFER, 0);
    glBindFramebuffer(GL_FRAMEBUFFER, ui->fbo);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, ui->rb);
    bool ok = glCheckFramebufferStatus(GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE;
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    ui->fbo_w = ok ? ui->fb_w : 0;
    ui->fbo_h = ok ? ui->fb_h : 0;
    if (ui->damage) ss_damage_invalidate(ui->damage);
    return ok;
}

/* The offscreen copy of the frame into the window's framebuffer (0, left bound). */
static void ss__present(const ss_ui *ui)
{
    glBindFramebuffer(GL_READ_FRAMEBUFFER, ui->fbo);
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, 0);
    glBlitFramebuffer(0, 0, ui->fb_w, ui->fb_h, 0, 0, ui->fb_w, ui->fb_h, GL_COLOR_BUFFER_BIT, GL_NEAREST);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
}

void ss_ui_end(ss_ui *ui)
{
    bool cached = ss__frame_buffer(ui);
    if (!ss__reserve((void **)&ui->tri_px, &ui->captri, ui->nv / 3, sizeof *ui->tri_px)) {
        /* out of memory: the last frame is shown again, and the next is drawn whole */
        if (ui->damage) ss_damage_invalidate(ui->damage);
        ui->tiles_drawn = 0;
        if (cached) ss__present(ui);
        return;
    }
    if (ui->repaint_all && ui->damage) ss_damage_invalidate(ui->damage);
    cached = cached && ui->damage && ss_damage_begin(ui->damage, ui->fb_w, ui->fb_h) == 0;
    /* the pixels each triangle can touch; and what each tile shows this frame: every
       triangle's key (its vertices, under its batch's texture, content stamp, mode and
       clip) into the tiles it can touch */
    for (int i = 0; i < ui->nb; i++) {
        const ss__batch *b = &ui->b[i];
        uint32_t head[4] = {(uint32_t)b->tex, (uint32_t)b->mode, b->stamp, 0};
        uint64_t bk = cached ? ss_damage_hash(&b->clip, sizeof b->clip, ss_damage_hash(head, sizeof head, 0)) : 0;
        for (int t = b->first; t + 2 < b->first + b->count; t += 3) {
            ss_damage_rect p = ui->tri_px[t / 3] = ss__tri_px(ui, t, b->clip_px);
            if (cached && p.w > 0 && p.h > 0)
                ss_damage_add(ui->damage, p.x, p.y, p.x + p.w, p.y + p.h,
                              ss_damage_hash(ui->v + t, 3 * sizeof(ss__vtx), bk));
        }
    }
    ss_damage_rect whole = {0, 0, ui->fb_w, ui->fb_h};
    const ss_damage_rect *rects = &whole;
    int nrects = 1;
    ui->tiles_total = ((ui->fb_w + SS_DAMAGE_TILE - 1) / SS_DAMAGE_TILE) *
                      ((ui->fb_h + SS_DAMAGE_TILE - 1) / SS_DAMAGE_TILE);
    ui->tiles_drawn = cached ? ss_damage_end(ui->damage, SS__MAX_REPAINT_RECTS, &rects, &nrects) : ui->tiles_total;
    if (!cached && ui->damage) ss_damage_invalidate(ui->damage);

    /* per changed rectangle, per batch: the triangles that touch it, in draw order */
    ui->nidx = ui->nseg = 0;
    bool whole_list = true;
    for (int r = 0; r < nrects && whole_list; r++)
        for (int i = 0; i < ui->nb; i++) {
            const ss__batch *b = &ui->b[i];
            ss_damage_rect sc = ss__meet(b->clip_px, rects[r]);
            if (sc.w <= 0 || sc.h <= 0 || b->count == 0) continue;
            if (!ss__reserve((void **)&ui->idx, &ui->capidx, ui->nidx + b->count, sizeof *ui->idx) ||
                !ss__reserve((void **)&ui->seg, &ui->capseg, ui->nseg + 1, sizeof *ui->seg)) {
                whole_list = false; /* out of memory: what fits is drawn, and all of the next frame */
                if (ui->damage) ss_damage_invalidate(ui->damage);
                break;
            }
            int first = ui->nidx;
            for (int t = b->first; t + 2 < b->first + b->count; t += 3) {
                ss_damage_rect p = ss__meet(ui->tri_px[t / 3], sc);
                if (p.w <= 0 || p.h <= 0) continue;
                ui->idx[ui->nidx++] = (uint32_t)t;
                ui->idx[ui->nidx++] = (uint32_t)t + 1;
                ui->idx[ui->nidx++] = (uint32_t)t + 2;
            }
            if (ui->nidx > first) ui->seg[ui->nseg++] = (ss__segment){i, first, ui->nidx - first, sc};
        }

    glBindFramebuffer(GL_FRAMEBUFFER, cached ? ui->fbo : 0);
    glDisable(GL_DEPTH_TEST);
    glDisable(GL_CULL_FACE);
    glViewport(0, 0, ui->fb_w, ui->fb_h);
    glEnable(GL_SCISSOR_TEST);
    glClearColor((float)(SS_UI_BG & 255) / 255.0f, (float)(SS_UI_BG >> 8 & 255) / 255.0f,
                 (float)(SS_UI_BG >> 16 & 255) / 255.0f, 1.0f);
    for (int r = 0; r < nrects; r++) {
        glScissor(rects[r].x, rects[r].y, rects[r].w, rects[r].h);
        glClear(GL_COLOR_BUFFER_BIT);
    }
    if (ui->nseg > 0) {
        glEnable(GL_BLEND);
        glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
        glUseProgram(ui->program);
        glUniform2f(ui->u_view, (float)ui->w, (float)ui->h);
        glUniform1i(ui->u_tex, 0);
        glActiveTexture(GL_TEXTURE0);
        glBindVertexArray(ui->vao);
        glBindBuffer(GL_ARRAY_BUFFER, ui->vbo);
        glBufferData(GL_ARRAY_BUFFER, (GLsizeiptr)((size_t)ui->nv * sizeof(ss__vtx)), ui->v, GL_STREAM_DRAW);
        glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, ui->ibo);
        glBufferData(GL_ELEMENT_ARRAY_BUFFER, (GLsizeiptr)((size_t)ui->nidx * sizeof(uint32_t)), ui->idx,
                     GL_STREAM_DRAW);
        for (int k = 0; k < ui->nseg; k++) {
            const ss__segment *g = &ui->seg[k];
            const ss__batch *b = &ui->b[g->batch];
            glScissor(g->sc.x, g->sc.y, g->sc.w, g->sc.h);
            glBindTexture(GL_TEXTURE_2D, b->tex);
            glUniform1i(ui->u_mode, b->mode);
            glDrawElements(GL_TRIANGLES, g->count, GL_UNSIGNED_INT, (void *)((size_t)g->first * sizeof(uint32_t)));
        }
        glBindVertexArray(0);
        glUseProgram(0);
    }
    glDisable(GL_SCISSOR_TEST);
    if (cached) ss__present(ui);
    else glBindFramebuffer(GL_FRAMEBUFFER, 0);
}

void ss_ui_repaint_all(ss_ui *ui, bool all) { ui->repaint_all = all; }

void ss_ui_redraw_stats(const ss_ui *ui, int *tiles_redrawn, int *tiles)
{
    *tiles_redrawn = ui->tiles_drawn;
    *tiles = ui->tiles_total;
}

/* ------------------------------------------------------------------ widgets */

static uintptr_t ss__id(const void *p, const char *label, ss_rect r)
{
    uintptr_t h = (uintptr_t)p ^ 1469598103u;
    for (const char *s = label ? label : ""; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    h ^= (uintptr_t)(r.x * 7.0f) * 31u + (uintptr_t)(r.y * 13.0f) * 17u;
    return h ? h : 1;
}

/* Hot/active bookkeeping; returns true when released over the widget (a click). */
static bool ss__interact(ss_ui *ui, uintptr_t id, ss_rect r, bool *hot_out)
{
    bool over = ss_ui_rect_contains(r, ui->in.mouse_x, ui->in.mouse_y);
    ss_ui_block(ui, r);
    if (over && (!ui->active || ui->active == id)) ui->hot = id;
    if (over && ui->in.mouse_pressed && !ui->active) ui->active = id;
    bool clicked = ui->active == id && ui->in.mouse_released && over;
    if (hot_out) *hot_out = over;
    return clicked;
}

ss_rect ss_ui_panel(ss_ui *ui, ss_rect r, const char *title)
{
    ss_ui_block(ui, r);
    ss_ui_fill(ui, r, SS_UI_PANEL);
    ss_ui_frame(ui, r, 1, SS_UI_PANEL_EDGE);
    float pad = 8, top = r.y + pad;
    if (title && *title) {
        ss_ui_text(ui, SS_FONT_SMALL, r.x + pad, r.y + 5, SS_UI_TEXT_DIM, title);
        top = r.y + 5 + ss_ui_line_height(ui, SS_FONT_SMALL) + 4;
    }
    return (ss_rect){r.x + pad, top, r.w - 2 * pad, r.y + r.h - pad - top};
}

void ss_ui_label(ss_ui *ui, ss_rect r, ss_rgba c, const char *text)
{
    float y = r.y + (r.h - ss_ui_line_height(ui, SS_FONT_BODY)) * 0.5f;
    ss_ui_text(ui, SS_FONT_BODY, r.x, y, c, text);
}

bool ss_ui_button(ss_ui *ui, ss_rect r, const char *label)
{
    uintptr_t id = ss__id(NULL, label, r);
    bool hot;
    bool clicked = ss__interact(ui, id, r, &hot);
    ss_rgba bg = ui->active == id ? SS_UI_ACCENT : hot ? SS_UI_WIDGET_HOT : SS_UI_WIDGET;
    ss_ui_fill(ui, r, bg);
    ss_ui_frame(ui, r, 1, SS_UI_PANEL_EDGE);
    float tw = ss_ui_text_width(ui, SS_FONT_BODY, label);
    ss_ui_text(ui, SS_FONT_BODY, r.x + (r.w - tw) * 0.5f, r.y + (r.h - ss_ui_line_height(ui, SS_FONT_BODY)) * 0.5f,
               SS_UI_TEXT, label);
    return clicked;
}

static float ss__snap(float v, float lo, float hi, float step)
{
    if (step > 0) v = lo + roundf((v - lo) / step) * step;
    return v < lo ? lo : v > hi ? hi : v;
}

bool ss_ui_slider(ss_ui *ui, ss_rect r, const char *label, float *v, float lo, float hi, float step, const char *fmt)
{
    uintptr_t id = ss__id(v, label, r);
    bool hot;
    ss__interact(ui, id, r, &hot);
    float lw = label && *label ? r.w * 0.42f : 0;
    ss_rect track = {r.x + lw, r.y + 2, r.w - lw, r.h - 4};
    float old = *v;
    if (ui->active == id && ui->in.mouse_down) {
        float f = (ui->in.mouse_x - track.x) / (track.w > 1 ? track.w : 1);
        *v = ss__snap(lo + f * (hi - lo), lo, hi, step);
    } else if (hot && ui->in.wheel_y != 0) {
        float s = step > 0 ? step : (hi - lo) / 50.0f;
        *v = ss__snap(*v + s * ui->in.wheel_y, lo, hi, step);
    }
    if (lw > 0)
        ss_ui_text(ui, SS_FONT_BODY, r.x, r.y + (r.h - ss_ui_line_height(ui, SS_FONT_BODY)) * 0.5f, SS_UI_TEXT_DIM,
                   label);
    ss_ui_fill(ui, track, hot || ui->active == id ? SS_UI_WIDGET_HOT : SS_UI_WIDGET);
    float f = (hi > lo) ? (*v - lo) / (hi - lo) : 0;
    ss_ui_fill(ui, (ss_rect){track.x, track.y, track.w * f, track.h}, SS_RGBA(50, 100, 170, 255));
    char buf[64];
    snprintf(buf, sizeof buf, fmt ? fmt : "%.1f", (double)*v);
    float tw = ss_ui_text_width(ui, SS_FONT_SMALL, buf);
    ss_ui_text(ui, SS_FONT_SMALL, track.x + (track.w - tw) * 0.5f,
               track.y + (track.h - ss_ui_line_height(ui, SS_FONT_SMALL)) * 0.5f, SS_UI_TEXT, buf);
    return *v != old;
}

bool ss_ui_vslider(ss_ui *ui, ss_rect r, float *v, float lo, float hi)
{
    uintptr_t id = ss__id(v, "v", r);
    bool hot;
    ss__interact(ui, id, r, &hot);
    float old = *v;
    if (ui->active == id && ui->in.mouse_down) {
        float f = 1.0f - (ui->in.mouse_y - r.y) / (r.h > 1 ? r.h : 1);
        *v = ss__snap(lo + f * (hi - lo), lo, hi, 1.0f);
    } else if (hot && ui->in.wheel_y != 0) {
        *v = ss__snap(*v + ui->in.wheel_y, lo, hi, 1.0f);
    }
    ss_ui_fill(ui, (ss_rect){r.x + r.w * 0.5f - 2, r.y, 4, r.h}, SS_UI_WIDGET_HOT);
    float f = (hi > lo) ? (*v - lo) / (hi - lo) : 0;
    float ky = r.y + (1 - f) * r.h;
    ss_ui_fill(ui, (ss_rect){r.x, ky - 3, r.w, 6}, hot || ui->active == id ? SS_UI_ACCENT : SS_UI_TEXT_DIM);
    return *v != old;
}

bool ss_ui_toggle(ss_ui *ui, ss_rect r, const char *label, bool *v, bool enabled)
{
    uintptr_t id = ss__id(v, label, r);
    bool hot;
    bool clicked = ss__interact(ui, id, r, &hot) && enabled;
    if (clicked) *v = !*v;
    float bs = r.h - 6;
    ss_rect box = {r.x, r.y + 3, bs, bs};
    ss_ui_fill(ui, box, hot && enabled ? SS_UI_WIDGET_HOT : SS_UI_WIDGET);
    ss_ui_frame(ui, box, 1, SS_UI_PANEL_EDGE);
    if (*v) ss_ui_fill(ui, (ss_rect){box.x + 3, box.y + 3, bs - 6, bs - 6}, enabled ? SS_UI_ACCENT : SS_UI_TEXT_DIM);
    ss_ui_text(ui, SS_FONT_BODY, r.x + bs + 6, r.y + (r.h - ss_ui_line_height(ui, SS_FONT_BODY)) * 0.5f,
               enabled ? SS_UI_TEXT : SS_UI_TEXT_DIM, label);
    return clicked;
}

int ss_ui_list(ss_ui *ui, ss_rect r, const char *const *items, int n, int *selected, float *scroll)
{
    ss_ui_block(ui, r);
    ss_ui_fill(ui, r, SS_UI_WIDGET);
    ss_ui_frame(ui, r, 1, SS_UI_PANEL_EDGE);
    float ih = ss_ui_line_height(ui, SS_FONT_BODY) + 8;
    int visible = (int)(r.h / ih);
    if (ss_ui_rect_contains(r, ui->in.mouse_x, ui->in.mouse_y) && ui->in.wheel_y != 0) *scroll -= ui->in.wheel_y;
    float maxs = (float)(n - visible);
    if (*scroll > maxs) *scroll = maxs;
    if (*scroll < 0) *scroll = 0;
    int first = (int)*scroll, clicked = -1;
    ss_ui_clip_push(ui, r);
    for (int i = first; i < n && i < first + visible + 1; i++) {
        ss_rect ir = {r.x + 1, r.y + (float)(i - first) * ih, r.w - 2, ih};
        uintptr_t id = ss__id(selected, items[i], (ss_rect){(float)i, 0, 0, 0});
        bool hot;
        bool c = ss__interact(ui, id, ir, &hot);
        if (c) {
            *selected = i;
            clicked = i;
        }
        if (i == *selected) ss_ui_fill(ui, ir, SS_RGBA(50, 100, 170, 255));
        else if (hot) ss_ui_fill(ui, ir, SS_UI_WIDGET_HOT);
        ss_ui_text(ui, SS_FONT_BODY, ir.x + 6, ir.y + 4, SS_UI_TEXT, items[i]);
    }
    ss_ui_clip_pop(ui);
    return clicked;
}

ss_ui_rows ss_ui_rows_begin(ss_rect area, float gap) { return (ss_ui_rows){area, area.y, gap}; }

ss_rect ss_ui_rows_next(ss_ui_rows *rows, float h)
{
    ss_rect r = {rows->area.x, rows->y, rows->area.w, h};
    rows->y += h + rows->gap;
    return r;
}

ss_rect ss_ui_column(ss_rect r, int n, int i, float gap)
{
    float w = (r.w - gap * (float)(n - 1)) / (float)n;
    return (ss_rect){r.x + (float)i * (w + gap), r.y, w, r.h};
}

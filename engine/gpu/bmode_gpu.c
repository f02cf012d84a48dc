/* bmode_gpu.c: see bmode_gpu.h; docs/gpu.md for passes, buffers and figures. */
#define _POSIX_C_SOURCE 200809L
#include "bmode_gpu.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

#include "gpu_march.h"
#include "gpu_volume.h"
#include "shader.h"
#include "tissue.h"
#include "tissue_texture.h"

enum { SS__P_MARCH, SS__P_SPECKLE, SS__P_LATERAL, SS__P_ENVELOPE, SS__P_GREY, SS__P_SCAN, SS__P_COUNT };
static const char *const ss__pass_files[SS__P_COUNT] = {"bmode_march.comp",    "bmode_speckle.comp",
                                                        "bmode_lateral.comp",  "bmode_envelope.comp",
                                                        "bmode_grey.comp",     "bmode_scan.comp"};

enum { SS__B_TABLES, SS__B_BEAM, SS__B_LINES, SS__B_TAU, SS__B_PIECES, SS__B_NPIECES, SS__B_BINS, SS__B_ENV,
       SS__B_GREY, SS__B_VOL_LABELS, SS__B_VOL_SDF, SS__B_SPK, SS__B_CONTACT, SS__B_EVENTS, SS__B_LABELS,
       SS__B_TEX, SS__B_COUNT };

/* Read-only views of the two RF buffers as buffer textures (GL_RG32UI: one texel per bin,
 * the bits of its real and imaginary part), for the passes that gather from them across lanes (the
 * lateral kernel reads the splats, the envelope the RF bins): llvmpipe (Mesa 22) loads a
 * storage buffer one SIMD lane at a time, each under a branch, but fetches texels as a
 * vector gather (docs/gpu.md, "Texel views"). The buffer and the texture unit its sampler
 * reads (bmode_common.glsl). */
enum { SS__V_BINS, SS__V_SPK, SS__V_COUNT };
static const struct {
    int buf;
    GLuint unit;
} ss__view_def[SS__V_COUNT] = {
    [SS__V_BINS] = {SS__B_BINS, 3},
    [SS__V_SPK] = {SS__B_SPK, 4},
};

/* Every uniform a pass may take; a pass that does not declare one gets location -1, which
 * glUniform* ignores. Looked up once per program when it is made (ss__locate), not per frame. */
#define SS__UNIFORMS(X)                                                                                 \
    X(vol_origin_mm) X(vol_spacing_mm) X(vol_size) X(vol_inv_sp) X(u_lines) X(u_samples) X(u_ds) X(u_inv_ds) X(u_depth) X(u_sigma_a) X(u_delta)        \
    X(u_inv_delta) X(u_dz) X(u_noise_bins) X(u_display_ref_db) X(u_grazing_cos) X(u_label_words)        \
    X(u_contact) X(u_gap_step) X(u_gap_steps) X(u_skin_steps) X(u_k_stretch) X(u_phase_scale) X(u_cell) \
    X(u_m) X(u_spb) X(u_nbins) X(u_nsteps) X(u_nrays) X(u_per_cell) X(u_kernel_half) X(u_ray_de)        \
    X(u_tau_floor)                                                                                      \
    X(u_ray_e) X(u_ray_w) X(u_dir_soft) X(u_dir_bone) X(u_dir_metal) X(u_dir_needle)                    \
    X(u_dir_needle_diffuse) X(u_needle_diffuse) X(u_noise_rms) X(u_tgc_lin_db_per_mm) X(u_seed)         \
    X(u_flags) X(u_reverb_decay) X(u_reverb_count) X(u_tip_amplitude) X(u_gain_db) X(u_dr_db)           \
    X(u_tgc_db) X(u_tgc_auto) X(u_z_steel) X(u_z_muscle) X(u_has_needle) X(u_needle_tip)                \
    X(u_needle_dir) X(u_needle_len) X(u_needle_od) X(u_chunk_mm) X(u_nchunks) X(u_map) X(u_image_size)  \
    X(u_press_vec) X(u_parity) X(u_group_stride) X(u_stage) X(u_kern) X(u_bins_tex) X(u_spk_tex)

#define SS__U_ENUM(n) SS__U_##n,
enum { SS__UNIFORMS(SS__U_ENUM) SS__U_COUNT };
#undef SS__U_ENUM

/* std430 layout of the Tables block in bmode_common.glsl (all 4-byte scalars) */
#define SS__TABLES_FLOATS                                                                                    \
    (6 * 256 + 2 * (SS_BMODE_PHASE_N + 1) + (SS_BMODE_GAUSS_N + 2) + 2 * SS_BMODE_NOISE_N + \
     256)

/* Echo events per elevation ray and the ring-down key: the CPU's (bmode_cpu.h) */
#define SS__MAX_EVENTS SS_BMODE_MAX_EVENTS
#define SS__EV_REVERB SS_BMODE_EV_REVERB
#define SS__EVENT_BYTES 12 /* std430 struct Event {float a, echo; uint key;} */

struct ss_bmode_gpu {
    ss_probe probe;
    GLuint prog[SS__P_COUNT];
    GLint loc[SS__P_COUNT][SS__U_COUNT]; /* uniform locations per pass (ss__locate) */
    GLuint buf[SS__B_COUNT];
    size_t buf_size[SS__B_COUNT];
    GLuint map_tex, image_tex;
    GLuint view_tex[SS__V_COUNT]; /* buffer textures over storage buffers (ss__views) */
    ss_scan_map map;
    ss_scan_geometry geom;
    bool have_geom;
    ss_gpu_volume vol;
    bool have_vol;
    const ss_volume *volume; /* the caller's, kept for the contact model's press (must outlive g) */
    bool have_tex;           /* the tissue_texture.h table is in SS__B_TEX */
    float press_mm;          /* of the last frame */
    int label_words;         /* words of 4 labels per line */
    ss_bmode_model model;
    bool have_model;
    ss_bmode_settings model_settings;
    float model_voxel_mm;
    int nchunks;
    float chunk_mm;
    ss_bmode_gpu_options opts;
    float *lines_host; /* 16 floats per line */
};

/* ------------------------------------------------------------------ setup */

/* The layouts (ss_bmode_gpu_options; shaders compiled for them, docs/gpu.md "Layouts"):
 * with one invocation a line, 8 lines a work group (one SIMD vector of llvmpipe); with
 * several, work groups of SS__GPU_GROUP invocations (a warp). A speckle invocation with
 * company keeps SS__CHUNK_BINS bins of its chunk in shared memory (32 x 2 x 128 floats:
 * the 32 KB GL 4.3 promises). */
#define SS__GPU_GROUP 32
#define SS__CHUNK_BINS 128
_Static_assert(SS_BMODE_MAX_RAYS <= 8, "the march's side-by-side layout has 8 invocations a line, one a ray");
static const int ss__speckle_lanes_ok[] = {1, 2, 4, 8, 16, 32}, ss__march_lanes_ok[] = {1, 8};
#define SS__COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* lines a work group holds, with `lanes` invocations to a line */
static int ss__group_lines(int lanes) { return lanes == 1 ? 8 : SS__GPU_GROUP / lanes; }

/* Whether v is one of allowed[0..n); if not, an error: "<name> = <value>: expected <list>
 * (<what>)". */
static ss_status ss__one_of(const char *name, const char *value, int v, const int *allowed, int n,
                            const char *what)
{
    for (int i = 0; i < n; i++)
        if (v == allowed[i]) return SS_OK;
    char list[64] = "";
    for (int i = 0; i < n; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%d", i == 0 ? "" : i == n - 1 ? " or " : ", ",
                 allowed[i]);
    return ss_error_set(SS_ERR_INVALID, "%s = %s: expected %s (%s)", name, value, list, what);
}

static ss_status ss__options_check(const ss_bmode_gpu_options *o)
{
    char v[16];
    snprintf(v, sizeof v, "%d", o->speckle_lanes);
    ss_status st = ss__one_of("bmode gpu: speckle_lanes", v, o->speckle_lanes, ss__speckle_lanes_ok,
                              SS__COUNT(ss__speckle_lanes_ok), "invocations sharing one line's speckle chunk");
    if (st != SS_OK) return st;
    snprintf(v, sizeof v, "%d", o->march_lanes);
    return ss__one_of("bmode gpu: march_lanes", v, o->march_lanes, ss__march_lanes_ok, SS__COUNT(ss__march_lanes_ok),
                      "invocations marching one line's rays");
}

/* An option from the environment; unset or empty: *v stays. */
static ss_status ss__env_option(const char *name, const int *allowed, int n, const char *what, int *v)
{
    const char *e = getenv(name);
    if (!e || !*e) return SS_OK;
    char *end = NULL, quoted[64];
    long x = strtol(e, &end, 10);
    snprintf(quoted, sizeof quoted, "'%s'", e);
    ss_status st = ss__one_of(name, quoted, *end || x != (int)x ? 0 : (int)x, allowed, n, what);
    if (st == SS_OK) *v = (int)x;
    return st;
}

ss_status ss_bmode_gpu_options_default(ss_bmode_gpu_options *out)
{
    if (!out) return ss_error_set(SS_ERR_INVALID, "bmode gpu: NULL options");
    *out = (ss_bmode_gpu_options){.speckle_lanes = 1, .march_lanes = 1};
    ss_status st = ss__env_option("SONOSPINE_GPU_SPECKLE_LANES", ss__speckle_lanes_ok, SS__COUNT(ss__speckle_lanes_ok),
                                  "invocations sharing one line's speckle chunk", &out->speckle_lanes);
    if (st == SS_OK)
        st = ss__env_option("SONOSPINE_GPU_MARCH_LANES", ss__march_lanes_ok, SS__COUNT(ss__march_lanes_ok),
                            "invocations marching one line's rays", &out->march_lanes);
    return st;
}

static char *ss__prelude(const ss_bmode_gpu_options *o, ss_status *st)
{
    char *common = NULL;
    *st = ss_shader_source("bmode_common.glsl", &common, NULL, 0);
    if (*st != SS_OK) return NULL;
    size_t ntis = ss_tissue_glsl_defines(NULL, 0);
    char consts[2048];
    int nc = snprintf(consts, sizeof consts,
                      "#define SS_BMODE_MAX_RAYS %d\n#define SS_BMODE_MAX_PIECES %d\n#define SS_BMODE_KERNEL_HALF %d\n"
                      "#define SS_BMODE_PHASE_N %d\n#define SS_BMODE_GAUSS_N %d\n#define SS_BMODE_GAUSS_QMAX %.9g\n"
                      "#define SS_BMODE_TUBE_SIGMAS %.9g\n#define SS_BMODE_TGC_SLIDERS %d\n"
                      "#define SS_BMODE_ROW_MIN_W1 %#.9g\n#define SS_BMODE_ROW_MARGIN_MM %#.9g\n"
                      "#define SS_BMODE_ROW_MARGIN_REL %#.9g\n"
                      "#define SS_BMODE_CLASS_SOFT %d\n#define SS_BMODE_CLASS_BONE %d\n#define SS_BMODE_CLASS_METAL %d\n"
                      "#define SS_BMODE_NO_SPECKLE %uu\n#define SS_BMODE_NO_SPECULAR %uu\n#define SS_BMODE_NO_NOISE %uu\n"
                      "#define SS_BMODE_NO_REFRACTION %uu\n#define SS_VOLUME_SDF_RANGE_MM %.9g\n"
                      "#define SS_PROBE_C0_M_S %.9g\n#define SS_BMODE_NO_CONTACT %uu\n"
                      "#define SS_BMODE_BEAM_TABLES %d\n#define SS_BMODE_LAT_STRIDE %d\n"
                      "#define SS_BMODE_NOISE_N %d\n#define SS_BMODE_GPU_MAX_EVENTS %d\n#define SS_BMODE_EV_REVERB %uu\n"
                      /* (%#g: always a float literal, never an int one) */
                      "#define SS_BMODE_EVENT_MATCH_MM %#.9g\n#define SS_BMODE_GEL_MM %#.9g\n"
                      "#define SS_BMODE_CONTACT_SEARCH_MM %#.9g\n#define SS_TEXTURE_N %d\n"
                      "#define SS_TEXTURE_CELL_MM %#.9g\n#define SS_TEXTURE_DRIFT %#.9g\n"
                      "#define SS_BMODE_GPU_SPECKLE_LANES %d\n#define SS_BMODE_GPU_SPECKLE_LINES %d\n"
                      "#define SS_BMODE_GPU_SPECKLE_GROUP %d\n#define SS_BMODE_GPU_CHUNK_BINS %d\n"
                      "#define SS_BMODE_GPU_MARCH_LANES %d\n#define SS_BMODE_GPU_MARCH_LINES %d\n"
                      "#define SS_BMODE_GPU_MARCH_GROUP %d\n",
                      SS_BMODE_MAX_RAYS, SS_BMODE_MAX_PIECES, SS_BMODE_KERNEL_HALF, SS_BMODE_PHASE_N, SS_BMODE_GAUSS_N,
                      (double)SS_BMODE_GAUSS_QMAX, (double)SS_BMODE_TUBE_SIGMAS, SS_BMODE_TGC_SLIDERS,
                      (double)SS_BMODE_ROW_MIN_W1, (double)SS_BMODE_ROW_MARGIN_MM, (double)SS_BMODE_ROW_MARGIN_REL,
                      SS_BMODE_CLASS_SOFT, SS_BMODE_CLASS_BONE, SS_BMODE_CLASS_METAL, (unsigned)SS_BMODE_NO_SPECKLE,
                      (unsigned)SS_BMODE_NO_SPECULAR, (unsigned)SS_BMODE_NO_NOISE, (unsigned)SS_BMODE_NO_REFRACTION,
                      (double)SS_VOLUME_SDF_RANGE_MM, (double)SS_PROBE_C0_M_S, (unsigned)SS_BMODE_NO_CONTACT,
                      SS_BMODE_BEAM_TABLES, SS_BMODE_LAT_STRIDE, SS_BMODE_NOISE_N, SS__MAX_EVENTS,
                      (unsigned)SS__EV_REVERB, (double)SS_BMODE_EVENT_MATCH_MM, (double)SS_BMODE_GEL_MM,
                      (double)SS_BMODE_CONTACT_SEARCH_MM, SS_TEXTURE_N, (double)SS_TEXTURE_CELL_MM,
                      (double)SS_TEXTURE_DRIFT, o->speckle_lanes, ss__group_lines(o->speckle_lanes),
                      o->speckle_lanes * ss__group_lines(o->speckle_lanes), SS__CHUNK_BINS, o->march_lanes,
                      ss__group_lines(o->march_lanes), o->march_lanes * ss__group_lines(o->march_lanes));
    if (nc < 0 || (size_t)nc >= sizeof consts) {
        free(common);
        *st = ss_error_set(SS_ERR_INTERNAL, "bmode gpu: the shader constants do not fit their buffer");
        return NULL;
    }
    size_t total = ntis + (size_t)nc + strlen(common) + 16;
    char *out = malloc(total);
    if (!out) {
        free(common);
        *st = ss_error_set(SS_ERR_NOMEM, "bmode gpu: out of memory for the shader prelude");
        return NULL;
    }
    ss_tissue_glsl_defines(out, ntis + 1);
    memcpy(out + ntis, consts, (size_t)nc);
    strcpy(out + ntis + (size_t)nc, common);
    free(common);
    return out;
}

static void ss__buffer(ss_bmode_gpu *g, int which, size_t bytes, const void *data)
{
    if (!g->buf[which]) glGenBuffers(1, &g->buf[which]);
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, g->buf[which]);
    if (g->buf_size[which] != bytes || data) {
        if (g->buf_size[which] != bytes)
            glBufferData(GL_SHADER_STORAGE_BUFFER, (GLsizeiptr)bytes, data, GL_DYNAMIC_DRAW);
        else
            glBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, (GLsizeiptr)bytes, data);
        g->buf_size[which] = bytes;
    }
}

/* Attaches each texel view to its buffer (again after the buffer's store was made anew:
 * a buffer texture follows its buffer's size). GL 4.3 promises only 65536 texels a
 * buffer texture (llvmpipe and desktop GPUs take 2^27 and more): a larger buffer is an
 * error here, not a silent clamp there. */
static ss_status ss__views(ss_bmode_gpu *g)
{
    GLint max_texels = 0;
    glGetIntegerv(GL_MAX_TEXTURE_BUFFER_SIZE, &max_texels);
    for (int i = 0; i < SS__V_COUNT; i++) {
        const size_t texels = g->buf_size[ss__view_def[i].buf] / (2 * sizeof(float));
        if (texels > (size_t)max_texels)
            return ss_error_set(SS_ERR_GL, "bmode gpu: %zu RF bins exceed this GL's buffer texture limit of %d texels",
                                texels, (int)max_texels);
        if (!g->view_tex[i]) glGenTextures(1, &g->view_tex[i]);
        glBindTexture(GL_TEXTURE_BUFFER, g->view_tex[i]);
        glTexBuffer(GL_TEXTURE_BUFFER, GL_RG32UI, g->buf[ss__view_def[i].buf]);
    }
    glBindTexture(GL_TEXTURE_BUFFER, 0);
    return SS_OK;
}

/* The uniform locations of every pass, once (glGetUniformLocation looks the name up). */
static void ss__locate(ss_bmode_gpu *g)
{
    static const char *const names[SS__U_COUNT] = {
#define SS__U_NAME(n) #n,
        SS__UNIFORMS(SS__U_NAME)
#undef SS__U_NAME
    };
    for (int p = 0; p < SS__P_COUNT; p++)
        for (int u = 0; u < SS__U_COUNT; u++) g->loc[p][u] = glGetUniformLocation(g->prog[p], names[u]);
}

ss_status ss_bmode_gpu_create(const ss_probe *probe, ss_bmode_gpu **out)
{
    return ss_bmode_gpu_create_with(probe, NULL, out);
}

ss_status ss_bmode_gpu_create_with(const ss_probe *probe, const ss_bmode_gpu_options *opts, ss_bmode_gpu **out)
{
    if (!out) return ss_error_set(SS_ERR_INVALID, "bmode gpu: NULL output");
    *out = NULL;
    if (!probe) return ss_error_set(SS_ERR_INVALID, "bmode gpu: NULL probe");
    ss_status st = ss_probe_validate(probe);
    if (st != SS_OK) return st;
    ss_bmode_gpu_options o;
    if (opts)
        o = *opts;
    else
        st = ss_bmode_gpu_options_default(&o);
    if (st == SS_OK) st = ss__options_check(&o);
    if (st != SS_OK) return st;
    ss_bmode_gpu *g = calloc(1, sizeof *g);
    if (!g) return ss_error_set(SS_ERR_NOMEM, "bmode gpu: out of memory");
    g->probe = *probe;
    g->opts = o;
    g->lines_host = malloc(sizeof(float) * 16 * (size_t)probe->lines);
    if (!g->lines_host) {
        free(g);
        return ss_error_set(SS_ERR_NOMEM, "bmode gpu: out of memory");
    }
    char *prelude = ss__prelude(&g->opts, &st);
    for (int i = 0; i < SS__P_COUNT && st == SS_OK; i++) st = ss_shader_compute_program(ss__pass_files[i], prelude, &g->prog[i]);
    if (st == SS_OK) ss__locate(g);
    free(prelude);
    if (st != SS_OK) {
        ss_bmode_gpu_destroy(g);
        return st;
    }
    size_t n = (size_t)probe->lines * (size_t)probe->samples;
    ss__buffer(g, SS__B_LINES, sizeof(float) * 16 * (size_t)probe->lines, NULL);
    ss__buffer(g, SS__B_NPIECES, sizeof(int) * (size_t)probe->lines, NULL);
    ss__buffer(g, SS__B_PIECES, sizeof(float) * 16 * SS_BMODE_MAX_PIECES * (size_t)probe->lines, NULL);
    ss__buffer(g, SS__B_ENV, sizeof(float) * n, NULL);
    ss__buffer(g, SS__B_GREY, sizeof(float) * n, NULL);
    ss__buffer(g, SS__B_CONTACT, sizeof(float) * (size_t)probe->lines, NULL);
    g->label_words = (probe->samples + 3) / 4; /* lines never share a word */
    ss__buffer(g, SS__B_LABELS, sizeof(uint32_t) * (size_t)g->label_words * (size_t)probe->lines, NULL);
    ss__buffer(g, SS__B_TEX, sizeof(float), NULL); /* the texture table arrives with the first model using it */
    GLenum err = glGetError();
    if (err != GL_NO_ERROR) {
        ss_bmode_gpu_destroy(g);
        return ss_error_set(err == GL_OUT_OF_MEMORY ? SS_ERR_NOMEM : SS_ERR_GL,
                            "bmode gpu: buffers for %d x %d: GL error 0x%04x", probe->lines, probe->samples, err);
    }
    *out = g;
    return SS_OK;
}

void ss_bmode_gpu_destroy(ss_bmode_gpu *g)
{
    if (!g) return;
    for (int i = 0; i < SS__P_COUNT; i++)
        if (g->prog[i]) glDeleteProgram(g->prog[i]);
    for (int i = 0; i < SS__B_COUNT; i++)
        if (g->buf[i]) glDeleteBuffers(1, &g->buf[i]);
    if (g->map_tex) glDeleteTextures(1, &g->map_tex);
    if (g->image_tex) glDeleteTextures(1, &g->image_tex);
    for (int i = 0; i < SS__V_COUNT; i++)
        if (g->view_tex[i]) glDeleteTextures(1, &g->view_tex[i]);
    if (g->have_vol) ss_gpu_volume_release(&g->vol);
    if (g->have_model) ss_bmode_model_free(&g->model);
    ss_scan_map_free(&g->map);
    free(g->lines_host);
    free(g);
}

ss_status ss_bmode_gpu_set_volume(ss_bmode_gpu *g, const ss_volume *v)
{
    if (!g || !v || !v->labels || !v->hard_sdf || !(v->spacing_mm > 0.f))
        return ss_error_set(SS_ERR_INVALID, "bmode gpu: volume missing or empty (labels, hard_sdf, spacing)");
    if (g->have_vol) ss_gpu_volume_release(&g->vol);
    g->have_vol = false;
    ss_status st = ss_gpu_volume_upload(v, &g->vol); /* textures: the bare march baseline */
    if (st != SS_OK) return st;
    g->have_vol = true;
    g->volume = v;
    /* the renderer reads the same bytes from storage buffers (see bmode_common.glsl) */
    size_t n = (size_t)v->nx * (size_t)v->ny * (size_t)v->nz, padded = (n + 3) & ~(size_t)3;
    GLint64 max_block = 0;
    glGetInteger64v(GL_MAX_SHADER_STORAGE_BLOCK_SIZE, &max_block);
    if ((GLint64)padded > max_block)
        return ss_error_set(SS_ERR_UNSUPPORTED, "bmode gpu: volume %dx%dx%d (%zu bytes) exceeds the GL storage block limit %lld",
                            v->nx, v->ny, v->nz, padded, (long long)max_block);
    uint8_t *tmp = calloc(padded, 1);
    if (!tmp) return ss_error_set(SS_ERR_NOMEM, "bmode gpu: out of memory for the volume upload");
    memcpy(tmp, v->labels, n);
    g->buf_size[SS__B_VOL_LABELS] = 0;
    ss__buffer(g, SS__B_VOL_LABELS, padded, tmp);
    memcpy(tmp, v->hard_sdf, n);
    g->buf_size[SS__B_VOL_SDF] = 0;
    ss__buffer(g, SS__B_VOL_SDF, padded, tmp);
    free(tmp);
    GLenum err = glGetError();
    if (err != GL_NO_ERROR)
        return ss_error_set(err == GL_OUT_OF_MEMORY ? SS_ERR_NOMEM : SS_ERR_GL,
                            "bmode gpu: volume %dx%dx%d upload: GL error 0x%04x", v->nx, v->ny, v->nz, err);
    return SS_OK;
}

/* The tables, per-model buffers, texel views, speckle chunks and scan map of g->model. */
static ss_status ss__model_upload(ss_bmode_gpu *g, const ss_bmode_settings *s)
{
    ss_status st;
    const ss_bmode_model *M = &g->model;
    float *tab = malloc(sizeof(float) * SS__TABLES_FLOATS);
    if (!tab) return ss_error_set(SS_ERR_NOMEM, "bmode gpu: out of memory");
    float *p = tab;
    memcpy(p, M->z_mrayl, sizeof M->z_mrayl), p += 256;
    memcpy(p, M->c_m_s, sizeof M->c_m_s), p += 256;
    memcpy(p, M->att_half, sizeof M->att_half), p += 256;
    memcpy(p, M->p_occ, sizeof M->p_occ), p += 256;
    memcpy(p, M->amp, sizeof M->amp), p += 256;
    for (int i = 0; i < 256; i++) {
        int32_t c = M->cls[i];
        memcpy(p + i, &c, 4);
    }
    p += 256;
    memcpy(p, M->cos_tab, sizeof M->cos_tab), p += SS_BMODE_PHASE_N + 1;
    memcpy(p, M->sin_tab, sizeof M->sin_tab), p += SS_BMODE_PHASE_N + 1;
    memcpy(p, M->gauss_tab, sizeof M->gauss_tab), p += SS_BMODE_GAUSS_N + 2;
    memcpy(p, M->noise_tab, sizeof M->noise_tab), p += 2 * SS_BMODE_NOISE_N;
    bool tex = false;
    for (int i = 0; i < 256; i++) {
        int32_t k = M->tex_kind[i];
        memcpy(p + i, &k, 4);
        tex = tex || k >= 0;
    }
    ss__buffer(g, SS__B_TABLES, sizeof(float) * SS__TABLES_FLOATS, tab);
    free(tab);
    if (tex && !g->have_tex) {
        /* tex_kind >= 0 only where ss_texture_table() gave the table (bmode_cpu.c) */
        const float *tt = ss_texture_table();
        if (!tt) return ss_error_set(SS_ERR_NOMEM, "bmode gpu: no tissue texture table");
        ss__buffer(g, SS__B_TEX, sizeof(float) * SS_TEXTURE_KINDS * SS_TEXTURE_N * SS_TEXTURE_N, tt);
        g->have_tex = true;
    }
    size_t ns = (size_t)M->nsteps + 1;
    ss__buffer(g, SS__B_BEAM, sizeof(float) * (SS_BMODE_BEAM_TABLES + SS_BMODE_LAT_STRIDE) * ns, M->inv2sl2);
    ss__buffer(g, SS__B_TAU, sizeof(float) * (size_t)g->probe.lines * (size_t)M->nrays * ns, NULL);
    ss__buffer(g, SS__B_BINS, sizeof(float) * 2 * (size_t)g->probe.lines * (size_t)M->nbins, NULL);
    ss__buffer(g, SS__B_SPK, sizeof(float) * 2 * (size_t)g->probe.lines * (size_t)M->nbins, NULL);
    st = ss__views(g);
    if (st != SS_OK) return st;
    ss__buffer(g, SS__B_EVENTS, SS__EVENT_BYTES * SS__MAX_EVENTS * (size_t)g->probe.lines * (size_t)M->nrays, NULL);
    /* speckle chunks: at least 4 bins long so that chunks two apart never share a bin;
       with several invocations to a line, at most SS__CHUNK_BINS - 3 bins, so that a
       chunk's bins (and the next) fit an invocation's row in shared memory; 4 mm where
       that fits */
    g->chunk_mm = g->opts.speckle_lanes == 1 ? fmaxf(4.f, 4.f * M->delta)
                                             : fmaxf(4.f * M->delta, fminf(4.f, (float)(SS__CHUNK_BINS - 3) * M->delta));
    g->nchunks = (int)ceilf((M->depth + 4.f * M->sigma_a) / g->chunk_mm);
    if (g->nchunks < 1) g->nchunks = 1;
    /* scan geometry, map and image texture */
    ss_scan_geometry geom;
    st = ss_scan_geometry_for_probe(&g->probe, s->image_width_px, &geom);
    if (st != SS_OK) return st;
    if (!g->have_geom || memcmp(&geom, &g->geom, sizeof geom) != 0) {
        st = ss_scan_map_update(&g->map, &g->probe, &geom);
        if (st != SS_OK) return st;
        size_t np = (size_t)geom.width * (size_t)geom.height;
        float *rg = malloc(sizeof(float) * 2 * np);
        if (!rg) return ss_error_set(SS_ERR_NOMEM, "bmode gpu: out of memory for the scan map");
        for (size_t i = 0; i < np; i++) {
            rg[2 * i] = g->map.line_f[i];
            rg[2 * i + 1] = g->map.sample_f[i];
        }
        if (g->map_tex) glDeleteTextures(1, &g->map_tex);
        if (g->image_tex) glDeleteTextures(1, &g->image_tex);
        glGenTextures(1, &g->map_tex);
        glBindTexture(GL_TEXTURE_2D, g->map_tex);
        glTexStorage2D(GL_TEXTURE_2D, 1, GL_RG32F, geom.width, geom.height);
        glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
        glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, geom.width, geom.height, GL_RG, GL_FLOAT, rg);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
        free(rg);
        glGenTextures(1, &g->image_tex);
        glBindTexture(GL_TEXTURE_2D, g->image_tex);
        glTexStorage2D(GL_TEXTURE_2D, 1, GL_R8, geom.width, geom.height);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
        g->geom = geom;
        g->have_geom = true;
    }
    GLenum err = glGetError();
    if (err != GL_NO_ERROR)
        return ss_error_set(err == GL_OUT_OF_MEMORY ? SS_ERR_NOMEM : SS_ERR_GL,
                            "bmode gpu: model buffers: GL error 0x%04x", err);
    return SS_OK;
}

/* Model, tables and per-model buffers: rebuilt only when the settings or voxel size change. */
static ss_status ss__ensure_model(ss_bmode_gpu *g, const ss_bmode_settings *s)
{
    if (g->have_model && g->model_voxel_mm == g->vol.spacing_mm && memcmp(&g->model_settings, s, sizeof *s) == 0)
        return SS_OK;
    if (g->have_model) ss_bmode_model_free(&g->model);
    g->have_model = false;
    ss_status st = ss_bmode_model_make(&g->probe, g->vol.spacing_mm, s, &g->model);
    if (st != SS_OK) return st;
    /* the model counts as ready only once everything built from it is: a failure half way
       (no memory, the texel-view limit, a GL error) leaves no model, so the next frame
       tries again and reports again instead of rendering from half-made buffers */
    st = ss__model_upload(g, s);
    if (st != SS_OK) {
        ss_bmode_model_free(&g->model);
        return st;
    }
    g->have_model = true;
    g->model_settings = *s;
    g->model_voxel_mm = g->vol.spacing_mm;
    return SS_OK;
}

/* ------------------------------------------------------------------ per frame */

static void ss__uniforms(const ss_bmode_gpu *g, int pass, const ss_needle_geom *needle, const ss_bmode_settings *s)
{
    const ss_bmode_model *M = &g->model;
    const GLuint pr = g->prog[pass];
    glUseProgram(pr);
#define SS__LOC(name) g->loc[pass][SS__U_##name]
    /* the volume's frame (the passes read its labels and SDF from storage buffers, not
       from the 3D textures, which only the bare-march baseline samples) */
    glUniform3f(SS__LOC(vol_origin_mm), g->vol.origin_mm[0], g->vol.origin_mm[1], g->vol.origin_mm[2]);
    glUniform1f(SS__LOC(vol_spacing_mm), g->vol.spacing_mm);
    glUniform3i(SS__LOC(vol_size), g->vol.nx, g->vol.ny, g->vol.nz);
    glUniform1f(SS__LOC(vol_inv_sp), 1.f / g->vol.spacing_mm);
    glUniform1i(SS__LOC(u_lines), g->probe.lines);
    glUniform1i(SS__LOC(u_samples), g->probe.samples);
    glUniform1f(SS__LOC(u_ds), M->ds);
    glUniform1f(SS__LOC(u_inv_ds), M->inv_ds);
    glUniform1f(SS__LOC(u_depth), M->depth);
    glUniform1f(SS__LOC(u_sigma_a), M->sigma_a);
    glUniform1f(SS__LOC(u_delta), M->delta);
    glUniform1f(SS__LOC(u_inv_delta), M->inv_delta);
    glUniform1f(SS__LOC(u_dz), ss_probe_sample_spacing_mm(&g->probe));
    glUniform1f(SS__LOC(u_noise_bins), M->noise_bins);
    glUniform1f(SS__LOC(u_display_ref_db), M->display_ref_db);
    glUniform1f(SS__LOC(u_grazing_cos), M->grazing_cos);
    glUniform1i(SS__LOC(u_label_words), g->label_words);
    /* contact (ss__line_rf, ss__gap): the same integer step counts as the CPU's */
    const float gap_step = 0.5f * M->ds;
    glUniform1i(SS__LOC(u_contact), !(s->flags & SS_BMODE_NO_CONTACT));
    glUniform1f(SS__LOC(u_gap_step), gap_step);
    glUniform1i(SS__LOC(u_gap_steps), (int)(SS_BMODE_CONTACT_SEARCH_MM / gap_step));
    glUniform1i(SS__LOC(u_skin_steps), ss_bmode_skin_solid_steps(gap_step));
    glUniform1i(SS__LOC(u_k_stretch), (int)ceilf(SS_BMODE_COMPRESSION_MM / M->ds));
    glUniform1f(SS__LOC(u_phase_scale), M->phase_scale);
    glUniform1f(SS__LOC(u_cell), M->cell);
    glUniform1i(SS__LOC(u_m), M->m);
    glUniform1i(SS__LOC(u_spb), M->spb);
    glUniform1i(SS__LOC(u_nbins), M->nbins);
    glUniform1i(SS__LOC(u_nsteps), M->nsteps);
    glUniform1i(SS__LOC(u_nrays), M->nrays);
    glUniform1i(SS__LOC(u_per_cell), M->per_cell);
    glUniform1i(SS__LOC(u_kernel_half), M->kernel_half);
    glUniform1f(SS__LOC(u_ray_de), M->ray_de);
    glUniform1f(SS__LOC(u_tau_floor), M->tau_floor);
    glUniform1fv(SS__LOC(u_ray_e), SS_BMODE_MAX_RAYS, M->ray_e);
    glUniform1fv(SS__LOC(u_ray_w), SS_BMODE_MAX_RAYS, M->ray_w);
    glUniform1f(SS__LOC(u_dir_soft), M->dir_soft);
    glUniform1f(SS__LOC(u_dir_bone), M->dir_bone);
    glUniform1f(SS__LOC(u_dir_metal), M->dir_metal);
    glUniform1f(SS__LOC(u_dir_needle), M->dir_needle);
    glUniform1f(SS__LOC(u_dir_needle_diffuse), M->dir_needle_diffuse);
    glUniform1f(SS__LOC(u_needle_diffuse), s->needle_diffuse_amplitude);
    glUniform1f(SS__LOC(u_noise_rms), M->noise_rms);
    glUniform1f(SS__LOC(u_tgc_lin_db_per_mm), M->tgc_lin_db_per_mm);
    glUniform1ui(SS__LOC(u_seed), s->seed);
    glUniform1ui(SS__LOC(u_flags), s->flags);
    glUniform1f(SS__LOC(u_reverb_decay), s->reverb_decay);
    glUniform1i(SS__LOC(u_reverb_count), s->reverb_count);
    glUniform1f(SS__LOC(u_tip_amplitude), s->needle_tip_amplitude);
    glUniform1f(SS__LOC(u_gain_db), s->gain_db);
    glUniform1f(SS__LOC(u_dr_db), s->dynamic_range_db);
    glUniform1fv(SS__LOC(u_tgc_db), SS_BMODE_TGC_SLIDERS, s->tgc_db);
    glUniform1i(SS__LOC(u_tgc_auto), s->tgc_auto);
    glUniform1f(SS__LOC(u_z_steel), ss_tissue_impedance_mrayl(SS_TISSUE_STEEL));
    glUniform1f(SS__LOC(u_z_muscle), M->z_mrayl[SS_TISSUE_MUSCLE]);
    glUniform1i(SS__LOC(u_has_needle), needle != NULL);
    if (needle) {
        glUniform3fv(SS__LOC(u_needle_tip), 1, needle->tip_mm);
        glUniform3fv(SS__LOC(u_needle_dir), 1, needle->dir);
        glUniform1f(SS__LOC(u_needle_len), needle->length_mm);
        glUniform1f(SS__LOC(u_needle_od), needle->outer_diameter_mm);
    }
    glUniform1f(SS__LOC(u_chunk_mm), g->chunk_mm);
    glUniform1i(SS__LOC(u_nchunks), g->nchunks);
    glUniform1i(SS__LOC(u_map), 2);
    glUniform1i(SS__LOC(u_bins_tex), (GLint)ss__view_def[SS__V_BINS].unit);
    glUniform1i(SS__LOC(u_spk_tex), (GLint)ss__view_def[SS__V_SPK].unit);
    glUniform1fv(SS__LOC(u_kern), 2 * SS_BMODE_KERNEL_HALF + 2, M->kernel);
    glUniform2i(SS__LOC(u_image_size), g->geom.width, g->geom.height);
#undef SS__LOC
}

static double ss__now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

/* The speckle pass's work-group permutation (bmode_speckle.comp: group g takes task
 * g * stride mod n): a stride coprime with n near n / golden ratio, so that any run of
 * consecutive groups (llvmpipe gives each thread one run) mixes shallow chunks, which
 * hold most of the scatterers, with deep, culled ones. 1 (no permutation) for n < 3, and
 * where g * stride could overflow 32 bits. */
static unsigned ss__group_stride(unsigned n)
{
    if (n < 3 || n > 65535u) return 1;
    unsigned s = (unsigned)(0.618034 * n);
    for (;; s++) {
        unsigned a = s, b = n;
        while (b) {
            unsigned t = a % b;
            a = b;
            b = t;
        }
        if (a == 1) return s;
    }
}

/* Runs the passes; with times != NULL, glFinish after each and its ms in times[0..6]. */
static ss_status ss__frame(ss_bmode_gpu *g, const ss_needle_geom *needle, const ss_probe_pose *pose,
                           const ss_bmode_settings *s, double *times)
{
    double t0 = times ? ss__now_ms() : 0.0;
    const ss_probe *pr = &g->probe;
    for (int l = 0; l < pr->lines; l++) {
        float o2[2], d2[2];
        ss_probe_line_geometry(pr, l, o2, d2);
        float op[3] = {o2[0], o2[1], 0.f}, dp[3] = {d2[0], d2[1], 0.f}, up[3] = {d2[1], -d2[0], 0.f},
              vp[3] = {0.f, 0.f, 1.f};
        float *L = g->lines_host + 16 * l;
        ss_probe_pose_point_to_world(pose, op, L);
        ss_probe_pose_dir_to_world(pose, dp, L + 4);
        ss_probe_pose_dir_to_world(pose, up, L + 8);
        ss_probe_pose_dir_to_world(pose, vp, L + 12);
        L[3] = L[7] = L[11] = L[15] = 0.f;
    }
    ss__buffer(g, SS__B_LINES, sizeof(float) * 16 * (size_t)pr->lines, g->lines_host);
    /* contact: how far the probe is pressed in along its beam, from the volume on the CPU
     * (ss_bmode_press_mm, as ss_bmode_cpu_render does); each element moves press * axis_y */
    g->press_mm = ss_bmode_press_mm(g->volume, pr, pose, s);
    float press_vec[3];
    for (int i = 0; i < 3; i++) press_vec[i] = g->press_mm * pose->axis_y[i];
    for (int i = 0; i < SS__B_COUNT; i++) glBindBufferBase(GL_SHADER_STORAGE_BUFFER, (GLuint)i, g->buf[i]);
    for (int i = 0; i < SS__P_COUNT; i++) ss__uniforms(g, i, needle, s);
    glUseProgram(g->prog[SS__P_MARCH]);
    glUniform3fv(g->loc[SS__P_MARCH][SS__U_u_press_vec], 1, press_vec);
    glActiveTexture(GL_TEXTURE2);
    glBindTexture(GL_TEXTURE_2D, g->map_tex);
    for (int i = 0; i < SS__V_COUNT; i++) {
        glActiveTexture(GL_TEXTURE0 + ss__view_def[i].unit);
        glBindTexture(GL_TEXTURE_BUFFER, g->view_tex[i]);
    }
    glActiveTexture(GL_TEXTURE0);
    glBindImageTexture(0, g->image_tex, 0, GL_FALSE, 0, GL_WRITE_ONLY, GL_R8);
#define SS__LAP(i)                                                                                                   \
    if (times) {                                                                                                     \
        glFinish();                                                                                                  \
        double t1 = ss__now_ms();                                                                                    \
        times[i] = t1 - t0;                                                                                          \
        t0 = t1;                                                                                                     \
    }
    SS__LAP(0);
    const int march_lines = ss__group_lines(g->opts.march_lanes);
    const GLuint lg = (GLuint)((pr->lines + march_lines - 1) / march_lines), sg = (GLuint)((pr->samples + 63) / 64);
    /* between the passes up to the envelope: the next reads storage buffers, and the
       lateral kernel and the envelope read the RF bins through their texel views */
    const GLbitfield pass_barrier = GL_SHADER_STORAGE_BARRIER_BIT | GL_TEXTURE_FETCH_BARRIER_BIT;
    const bool speckle = !(s->flags & SS_BMODE_NO_SPECKLE);
    const bool noise = !(s->flags & SS_BMODE_NO_NOISE) && g->model.noise_rms > 0.f;
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, g->buf[SS__B_BINS]);
    glClearBufferData(GL_SHADER_STORAGE_BUFFER, GL_R32F, GL_RED, GL_FLOAT, NULL); /* RF bins = 0 */
    if (speckle) {
        glBindBuffer(GL_SHADER_STORAGE_BUFFER, g->buf[SS__B_SPK]);
        glClearBufferData(GL_SHADER_STORAGE_BUFFER, GL_R32F, GL_RED, GL_FLOAT, NULL);
    }
    glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
    glUseProgram(g->prog[SS__P_MARCH]);
    glDispatchCompute(lg, 1, 1);
    glMemoryBarrier(pass_barrier);
    SS__LAP(1);
    if (speckle) {
        glUseProgram(g->prog[SS__P_SPECKLE]);
        GLint par = g->loc[SS__P_SPECKLE][SS__U_u_parity];
        GLint gs = g->loc[SS__P_SPECKLE][SS__U_u_group_stride];
        const int per_group = ss__group_lines(g->opts.speckle_lanes);
        const GLuint sgx = (GLuint)((pr->lines + per_group - 1) / per_group);
        for (int parity = 0; parity < 2; parity++) {
            GLuint ny = (GLuint)((g->nchunks - parity + 1) / 2);
            if (ny == 0) continue;
            glUniform1i(par, parity);
            glUniform1i(gs, (GLint)ss__group_stride(sgx * ny));
            glDispatchCompute(sgx, ny, 1);
            glMemoryBarrier(pass_barrier);
        }
    }
    SS__LAP(2);
    if (speckle || noise) { /* noise into the splats, then the lateral kernel; or noise alone */
        glUseProgram(g->prog[SS__P_LATERAL]);
        GLint stage = g->loc[SS__P_LATERAL][SS__U_u_stage];
        for (int k = speckle && noise ? 0 : 1; k < 2; k++) {
            glUniform1i(stage, k);
            glDispatchCompute((GLuint)((g->model.nbins + 63) / 64), (GLuint)pr->lines, 1);
            glMemoryBarrier(pass_barrier);
        }
    }
    SS__LAP(3);
    glUseProgram(g->prog[SS__P_ENVELOPE]);
    glDispatchCompute(sg, (GLuint)pr->lines, 1);
    glMemoryBarrier(pass_barrier);
    SS__LAP(4);
    glUseProgram(g->prog[SS__P_GREY]);
    glDispatchCompute(sg, (GLuint)pr->lines, 1);
    glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
    SS__LAP(5);
    glUseProgram(g->prog[SS__P_SCAN]);
    glDispatchCompute((GLuint)((g->geom.width + 7) / 8), (GLuint)((g->geom.height + 7) / 8), 1);
    glMemoryBarrier(GL_TEXTURE_FETCH_BARRIER_BIT | GL_TEXTURE_UPDATE_BARRIER_BIT |
                    GL_SHADER_IMAGE_ACCESS_BARRIER_BIT | GL_BUFFER_UPDATE_BARRIER_BIT);
    SS__LAP(6);
#undef SS__LAP
    GLenum err = glGetError();
    if (err != GL_NO_ERROR) return ss_error_set(SS_ERR_GL, "bmode gpu: GL error 0x%04x in the render passes", err);
    return SS_OK;
}

static ss_status ss__prepare(ss_bmode_gpu *g, const ss_needle_geom *needle, const ss_probe_pose *pose,
                             const ss_bmode_settings *s)
{
    if (!g || !pose || !s) return ss_error_set(SS_ERR_INVALID, "bmode gpu: NULL argument");
    if (!g->have_vol) return ss_error_set(SS_ERR_INVALID, "bmode gpu: no volume (call ss_bmode_gpu_set_volume first)");
    if (needle) {
        ss_status st = ss_bmode_needle_validate(needle);
        if (st != SS_OK) return st;
    }
    ss_status st = ss_bmode_settings_validate(s);
    if (st != SS_OK) return st;
    while (glGetError() != GL_NO_ERROR) {}
    return ss__ensure_model(g, s);
}

/* The label words (4 labels a word, label_words per line) into lines x samples bytes. */
static void ss__unpack_labels(const ss_bmode_gpu *g, const uint32_t *words, uint8_t *out)
{
    for (int l = 0; l < g->probe.lines; l++)
        for (int j = 0; j < g->probe.samples; j++)
            out[(size_t)l * (size_t)g->probe.samples + (size_t)j] =
                (uint8_t)(words[(size_t)l * (size_t)g->label_words + (size_t)(j >> 2)] >> ((j & 3) * 8));
}

ss_status ss_bmode_gpu_render(ss_bmode_gpu *g, const ss_needle_geom *needle_or_null, const ss_probe_pose *pose,
                              const ss_bmode_settings *s, bool read_back, ss_bmode_frame *out)
{
    ss_status st = ss__prepare(g, needle_or_null, pose, s);
    if (st != SS_OK) return st;
    if (read_back && !out) return ss_error_set(SS_ERR_INVALID, "bmode gpu: read-back asked into a NULL frame");
    st = ss__frame(g, needle_or_null, pose, s, NULL);
    if (st != SS_OK || !read_back) return st;
    st = ss_bmode_frame_prepare(out, &g->probe, s);
    if (st != SS_OK) return st;
    size_t n = (size_t)g->probe.lines * (size_t)g->probe.samples;
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, g->buf[SS__B_ENV]);
    glGetBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, (GLsizeiptr)(n * sizeof(float)), out->envelope);
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, g->buf[SS__B_GREY]);
    glGetBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, (GLsizeiptr)(n * sizeof(float)), out->grey);
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, g->buf[SS__B_CONTACT]);
    glGetBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, (GLsizeiptr)((size_t)g->probe.lines * sizeof(float)),
                       out->line_contact_mm);
    out->press_mm = g->press_mm;
    size_t nw = (size_t)g->label_words * (size_t)g->probe.lines;
    uint32_t *words = malloc(nw * sizeof *words);
    if (!words) return ss_error_set(SS_ERR_NOMEM, "bmode gpu: out of memory for the label map");
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, g->buf[SS__B_LABELS]);
    glGetBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, (GLsizeiptr)(nw * sizeof *words), words);
    ss__unpack_labels(g, words, out->labels);
    free(words);
    glBindTexture(GL_TEXTURE_2D, g->image_tex);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glGetTexImage(GL_TEXTURE_2D, 0, GL_RED, GL_UNSIGNED_BYTE, out->image.pixels);
    GLenum err = glGetError();
    if (err != GL_NO_ERROR) return ss_error_set(SS_ERR_GL, "bmode gpu: read-back: GL error 0x%04x", err);
    return SS_OK;
}

ss_status ss_bmode_gpu_read_labels(ss_bmode_gpu *g, uint8_t *out)
{
    if (!g || !out) return ss_error_set(SS_ERR_INVALID, "bmode gpu: NULL argument");
    size_t nw = (size_t)g->label_words * (size_t)g->probe.lines;
    uint32_t *words = malloc(nw * sizeof *words);
    if (!words) return ss_error_set(SS_ERR_NOMEM, "bmode gpu: out of memory for the label map");
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, g->buf[SS__B_LABELS]);
    glGetBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, (GLsizeiptr)(nw * sizeof *words), words);
    ss__unpack_labels(g, words, out);
    free(words);
    GLenum err = glGetError();
    return err == GL_NO_ERROR ? SS_OK : ss_error_set(SS_ERR_GL, "bmode gpu: label read-back: GL error 0x%04x", err);
}

GLuint ss_bmode_gpu_image_texture(const ss_bmode_gpu *g, int *width_out, int *height_out)
{
    if (width_out) *width_out = g && g->have_geom ? g->geom.width : 0;
    if (height_out) *height_out = g && g->have_geom ? g->geom.height : 0;
    return g ? g->image_tex : 0;
}

/* ------------------------------------------------------------------ bench */

static int ss__cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double ss__median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), ss__cmp_double);
    return v[n / 2];
}

ss_status ss_bmode_gpu_bench(ss_bmode_gpu *g, const ss_needle_geom *needle_or_null, const ss_probe_pose *pose,
                             const ss_bmode_settings *s, int frames, ss_bmode_bench *out,
                             ss_bmode_gpu_pass_ms *passes)
{
    if (frames < 1 || frames > 10000 || !out)
        return ss_error_set(SS_ERR_INVALID, "bench frames = %d: expected 1..10000", frames);
    ss_status st = ss__prepare(g, needle_or_null, pose, s);
    if (st != SS_OK) return st;
    const ss_probe *pr = &g->probe;
    double *t = malloc(sizeof(double) * (size_t)frames * 9);
    float *od = malloc(sizeof(float) * 6 * (size_t)pr->lines);
    if (!t || !od) {
        free(t);
        free(od);
        return ss_error_set(SS_ERR_NOMEM, "bench: out of memory");
    }
    st = ss__frame(g, needle_or_null, pose, s, NULL); /* warm-up */
    glFinish();
    for (int i = 0; i < frames && st == SS_OK; i++) {
        double t0 = ss__now_ms();
        st = ss__frame(g, needle_or_null, pose, s, NULL);
        glFinish();
        t[i] = ss__now_ms() - t0;
    }
    /* the bare march of the same lines and samples */
    ss_gpu_march *bm = NULL;
    if (st == SS_OK) {
        for (int l = 0; l < pr->lines; l++) {
            memcpy(od + 3 * l, g->lines_host + 16 * l, 3 * sizeof(float));
            memcpy(od + 3 * pr->lines + 3 * l, g->lines_host + 16 * l + 4, 3 * sizeof(float));
        }
        st = ss_gpu_march_create(pr->lines, pr->samples, ss_probe_sample_spacing_mm(pr), od, od + 3 * pr->lines, &bm);
    }
    if (st == SS_OK) {
        st = ss_gpu_march_run(bm, &g->vol);
        ss_gpu_march_finish();
    }
    for (int i = 0; i < frames && st == SS_OK; i++) {
        double t0 = ss__now_ms();
        st = ss_gpu_march_run(bm, &g->vol);
        ss_gpu_march_finish();
        t[frames + i] = ss__now_ms() - t0;
    }
    ss_gpu_march_destroy(bm);
    if (st == SS_OK && passes) {
        double *pt = t + 2 * (size_t)frames; /* 7 x frames */
        for (int i = 0; i < frames && st == SS_OK; i++) {
            double lap[7];
            st = ss__frame(g, needle_or_null, pose, s, lap);
            for (int k = 0; k < 7; k++) pt[(size_t)k * (size_t)frames + (size_t)i] = lap[k];
        }
        if (st == SS_OK) {
            passes->upload = ss__median(pt, frames);
            passes->march = ss__median(pt + frames, frames);
            passes->speckle = ss__median(pt + 2 * frames, frames);
            passes->lateral = ss__median(pt + 3 * frames, frames);
            passes->envelope = ss__median(pt + 4 * frames, frames);
            passes->grey = ss__median(pt + 5 * frames, frames);
            passes->scan = ss__median(pt + 6 * frames, frames);
        }
    }
    if (st == SS_OK) {
        *out = (ss_bmode_bench){0};
        out->lines = pr->lines;
        out->samples = pr->samples;
        out->frames = frames;
        out->threads = 0;
        out->ms_per_frame = ss__median(t, frames);
        out->bare_ms_per_frame = ss__median(t + frames, frames);
        out->fps = out->ms_per_frame > 0 ? 1000.0 / out->ms_per_frame : 0.0;
        out->msamples_per_s =
            out->ms_per_frame > 0 ? (double)pr->lines * pr->samples / (out->ms_per_frame * 1e3) : 0.0;
        out->ratio_to_bare = out->bare_ms_per_frame > 0 ? out->ms_per_frame / out->bare_ms_per_frame : 0.0;
    }
    free(t);
    free(od);
    return st;
}

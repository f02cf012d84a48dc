/* view3d.c: see view3d.h. Meshes are position + normal + uv, drawn with one shader
 * pair (shaders/view3d.vert, view3d.frag); boxes and cylinders are unit meshes placed
 * by a model matrix; the torso is a grid built once from the model's skin surface. */
#define _DEFAULT_SOURCE /* M_PI */
#include "view3d.h"

#include <cglm/cglm.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "patient.h"
#include "shader.h"
#include "sim.h"

#define SS__CYL_SEG 20
#define SS__FAN_SEG 48
#define SS__BODY_NA 72
#define SS__BODY_NZ 60
#define SS__MAX_PARTS 96
#define SS__TUFFIER_POINTS 13

typedef struct ss__mesh {
    GLuint vao, vbo;
    int count;
} ss__mesh;

typedef struct ss__part {
    mat4 model;
    vec4 color;
    int mesh; /* 0 cube, 1 cylinder */
} ss__part;

struct ss_view3d {
    GLuint prog;
    GLint u_mvp, u_model, u_color, u_light, u_mode, u_tex;
    ss__mesh cube, cyl, body, table, fan;
    ss_probe fan_probe;
    ss_scan_geometry fan_geom;
    bool have_fan;
    ss__part parts[SS__MAX_PARTS];
    int nparts;
    /* palpation: the skin over each spinous process tip (L1..S1) and Tuffier's line */
    float tips[SS_VERT_COUNT][3];
    bool have_tip[SS_VERT_COUNT];
    float tuffier[SS__TUFFIER_POINTS][3];
    /* camera */
    float target[3], yaw, pitch, dist, fov_deg;
    float home_target[3];
    mat4 view, proj;
    float eye[3];
    /* cached render */
    GLuint fbo, color, depth;
    int fb_w, fb_h;
    bool have_last;
    ss_view3d_scene last;
    ss_probe_pose last_pose, last_image_pose;
    float last_cam[6];
};

/* ------------------------------------------------------------------ meshes */

static void ss__mesh_upload(ss__mesh *m, const float *v, int nverts)
{
    if (!m->vao) {
        glGenVertexArrays(1, &m->vao);
        glGenBuffers(1, &m->vbo);
    }
    glBindVertexArray(m->vao);
    glBindBuffer(GL_ARRAY_BUFFER, m->vbo);
    glBufferData(GL_ARRAY_BUFFER, (GLsizeiptr)((size_t)nverts * 8 * sizeof(float)), v, GL_STATIC_DRAW);
    glEnableVertexAttribArray(0);
    glVertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, 8 * sizeof(float), (void *)0);
    glEnableVertexAttribArray(1);
    glVertexAttribPointer(1, 3, GL_FLOAT, GL_FALSE, 8 * sizeof(float), (void *)(3 * sizeof(float)));
    glEnableVertexAttribArray(2);
    glVertexAttribPointer(2, 2, GL_FLOAT, GL_FALSE, 8 * sizeof(float), (void *)(6 * sizeof(float)));
    glBindVertexArray(0);
    m->count = nverts;
}

static void ss__mesh_free(ss__mesh *m)
{
    if (m->vao) glDeleteVertexArrays(1, &m->vao);
    if (m->vbo) glDeleteBuffers(1, &m->vbo);
    memset(m, 0, sizeof *m);
}

static float *ss__put(float *p, const float pos[3], const float n[3], float u, float v)
{
    *p++ = pos[0];
    *p++ = pos[1];
    *p++ = pos[2];
    *p++ = n[0];
    *p++ = n[1];
    *p++ = n[2];
    *p++ = u;
    *p++ = v;
    return p;
}

static void ss__build_cube(ss__mesh *m)
{
    float v[36 * 8], *p = v;
    for (int axis = 0; axis < 3; axis++)
        for (int s = -1; s <= 1; s += 2) {
            float n[3] = {0, 0, 0};
            n[axis] = (float)s;
            int a = (axis + 1) % 3, b = (axis + 2) % 3;
            float c[4][3];
            const int corners[4][2] = {{-1, -1}, {1, -1}, {1, 1}, {-1, 1}};
            for (int k = 0; k < 4; k++) {
                c[k][axis] = (float)s;
                c[k][a] = (float)corners[k][0];
                c[k][b] = (float)corners[k][1];
            }
            const int order[6] = {0, 1, 2, 0, 2, 3};
            for (int k = 0; k < 6; k++) p = ss__put(p, c[order[k]], n, 0, 0);
        }
    ss__mesh_upload(m, v, 36);
}

static void ss__build_cylinder(ss__mesh *m)
{
    int n = SS__CYL_SEG * 12;
    float *v = malloc((size_t)n * 8 * sizeof(float)), *p = v;
    if (!v) return;
    for (int i = 0; i < SS__CYL_SEG; i++) {
        float a0 = (float)(2 * M_PI * i / SS__CYL_SEG), a1 = (float)(2 * M_PI * (i + 1) / SS__CYL_SEG);
        float p00[3] = {cosf(a0), sinf(a0), 0}, p10[3] = {cosf(a1), sinf(a1), 0};
        float p01[3] = {cosf(a0), sinf(a0), 1}, p11[3] = {cosf(a1), sinf(a1), 1};
        float n0[3] = {cosf(a0), sinf(a0), 0}, n1[3] = {cosf(a1), sinf(a1), 0};
        p = ss__put(p, p00, n0, 0, 0);
        p = ss__put(p, p10, n1, 0, 0);
        p = ss__put(p, p11, n1, 0, 0);
        p = ss__put(p, p00, n0, 0, 0);
        p = ss__put(p, p11, n1, 0, 0);
        p = ss__put(p, p01, n0, 0, 0);
        float c0[3] = {0, 0, 0}, c1[3] = {0, 0, 1}, dn[3] = {0, 0, -1}, up[3] = {0, 0, 1};
        p = ss__put(p, c0, dn, 0, 0);
        p = ss__put(p, p10, dn, 0, 0);
        p = ss__put(p, p00, dn, 0, 0);
        p = ss__put(p, c1, up, 0, 0);
        p = ss__put(p, p01, up, 0, 0);
        p = ss__put(p, p11, up, 0, 0);
    }
    ss__mesh_upload(m, v, n);
    free(v);
}

/* The torso: an elliptic cylinder along z whose back follows the model's skin. */
static void ss__build_body(ss__mesh *m, const ss_spine *spine, float z0, float z1)
{
    ss_spine_info info;
    ss_spine_get_info(spine, &info);
    float rx = (float)(150.0 * info.scale), ry = (float)(105.0 * info.scale);
    float zmid = 0.5f * (z0 + z1);
    float yc = (float)ss_spine_skin_y(spine, 0, zmid) - ry;
    static float grid[SS__BODY_NZ + 1][SS__BODY_NA + 1][3];
    for (int j = 0; j <= SS__BODY_NZ; j++) {
        float z = z0 + (z1 - z0) * (float)j / SS__BODY_NZ;
        for (int i = 0; i <= SS__BODY_NA; i++) {
            float a = (float)(2 * M_PI * i / SS__BODY_NA);
            float x = rx * cosf(a), y = yc + ry * sinf(a);
            float ax = fabsf(x);
            if (sinf(a) > 0 && ax < 110) {
                float w = ax < 70 ? 1.0f : 1.0f - (ax - 70) / 40.0f;
                float sy = (float)ss_spine_skin_y(spine, x, z);
                y = w * sy + (1 - w) * y;
            }
            grid[j][i][0] = x;
            grid[j][i][1] = y;
            grid[j][i][2] = z;
        }
    }
    int n = SS__BODY_NZ * SS__BODY_NA * 6;
    float *v = malloc((size_t)n * 8 * sizeof(float)), *p = v;
    if (!v) return;
    for (int j = 0; j < SS__BODY_NZ; j++)
        for (int i = 0; i < SS__BODY_NA; i++) {
            const float *q[4] = {grid[j][i], grid[j][i + 1], grid[j + 1][i + 1], grid[j + 1][i]};
            vec3 e1, e2, nn;
            glm_vec3_sub((float *)q[1], (float *)q[0], e1);
            glm_vec3_sub((float *)q[3], (float *)q[0], e2);
            glm_vec3_cross(e1, e2, nn);
            glm_vec3_normalize(nn);
            const int order[6] = {0, 1, 2, 0, 2, 3};
            for (int k = 0; k < 6; k++) p = ss__put(p, q[order[k]], nn, 0, 0);
        }
    ss__mesh_upload(m, v, n);
    free(v);
}

/* The image plane: the sector in probe-frame coordinates, uv from the scan geometry. */
static void ss__build_fan(ss__mesh *m, const ss_probe *pr, const ss_scan_geometry *g)
{
    int n = SS__FAN_SEG * 6;
    float v[SS__FAN_SEG * 6 * 8], *p = v;
    float nz[3] = {0, 0, 1};
    float W = g->width * g->mm_per_px, H = g->height * g->mm_per_px;
    for (int i = 0; i < SS__FAN_SEG; i++) {
        float l0 = (float)(pr->lines - 1) * i / SS__FAN_SEG, l1 = (float)(pr->lines - 1) * (i + 1) / SS__FAN_SEG;
        float a[2], b[2], c[2], d[2];
        ss_probe_point_mm(pr, l0, 0, a);
        ss_probe_point_mm(pr, l1, 0, b);
        ss_probe_point_mm(pr, l1, pr->depth_mm, c);
        ss_probe_point_mm(pr, l0, pr->depth_mm, d);
        const float *q[4] = {a, b, c, d};
        const int order[6] = {0, 1, 2, 0, 2, 3};
        for (int k = 0; k < 6; k++) {
            const float *s = q[order[k]];
            float pos[3] = {s[0], s[1], 0};
            p = ss__put(p, pos, nz, (s[0] - g->x0_mm) / W, (s[1] - g->y0_mm) / H);
        }
    }
    ss__mesh_upload(m, v, n);
}

/* ------------------------------------------------------------------ placement */

/* Model matrix of the unit cube [-1,1]^3 as a box: centre, three axes (unit), half sizes. */
static void ss__box(mat4 out, const double c[3], const double ax[3][3], const double half[3])
{
    glm_mat4_identity(out);
    for (int col = 0; col < 3; col++)
        for (int r = 0; r < 3; r++) out[col][r] = (float)(ax[col][r] * half[col]);
    for (int r = 0; r < 3; r++) out[3][r] = (float)c[r];
}

/* Model matrix of the unit cylinder as a rod from a to b of radius r. */
static void ss__rod(mat4 out, const float a[3], const float b[3], float r)
{
    vec3 d;
    glm_vec3_sub((float *)b, (float *)a, d);
    float len = glm_vec3_norm(d);
    if (len < 1e-6f) len = 1e-6f;
    glm_vec3_scale(d, 1.0f / len, d);
    vec3 helper = {1, 0, 0};
    if (fabsf(d[0]) > 0.9f) glm_vec3_copy((vec3){0, 1, 0}, helper);
    vec3 u, w;
    glm_vec3_cross(d, helper, u);
    glm_vec3_normalize(u);
    glm_vec3_cross(d, u, w);
    glm_mat4_identity(out);
    for (int i = 0; i < 3; i++) {
        out[0][i] = u[i] * r;
        out[1][i] = w[i] * r;
        out[2][i] = d[i] * len;
        out[3][i] = a[i];
    }
}

static void ss__add(ss_view3d *v, int mesh, mat4 model, float r, float g, float b, float a)
{
    if (v->nparts >= SS__MAX_PARTS) return;
    ss__part *p = &v->parts[v->nparts++];
    glm_mat4_copy(model, p->model);
    p->color[0] = r;
    p->color[1] = g;
    p->color[2] = b;
    p->color[3] = a;
    p->mesh = mesh;
}

static void ss__build_anatomy(ss_view3d *v, const ss_spine *spine)
{
    const ss_patient_params *pp = ss_spine_params(spine);
    float bone[3] = {0.93f, 0.89f, 0.76f};
    double prev_sac[3] = {0, 0, 0};
    bool have_prev = false;
    double screw_head[SS_VERT_COUNT][2][3];
    bool screw[SS_VERT_COUNT] = {0};
    for (int vt = SS_VERT_L1; vt <= SS_VERT_S1; vt++) {
        ss_vertebra_info vi;
        if (ss_spine_vertebra(spine, vt, &vi) != SS_OK) continue;
        mat4 m;
        double half[3] = {vi.body_width_mm / 2, vi.body_depth_mm / 2, vi.body_height_mm / 2};
        ss__box(m, vi.centre_mm, vi.axis, half);
        ss__add(v, 0, m, bone[0], bone[1], bone[2], 1);
        const double(*pa)[3] = vi.posterior_axis;
        /* lamina arch behind the canal */
        double lc[3], sc[3], tc[3];
        for (int i = 0; i < 3; i++) lc[i] = vi.canal_centre_mm[i] + pa[1][i] * (vi.canal_ap_mm / 2 + 4);
        double lhalf[3] = {vi.canal_width_mm / 2 + 8, 3.5, vi.body_height_mm * 0.32};
        ss__box(m, lc, pa, lhalf);
        ss__add(v, 0, m, bone[0], bone[1], bone[2], 1);
        /* spinous process from the lamina to its tip */
        double len = 0;
        for (int i = 0; i < 3; i++) len += (vi.spinous_tip_mm[i] - lc[i]) * (vi.spinous_tip_mm[i] - lc[i]);
        len = sqrt(len);
        for (int i = 0; i < 3; i++) sc[i] = 0.5 * (vi.spinous_tip_mm[i] + lc[i]);
        double shalf[3] = {3.5, len / 2, vi.body_height_mm * 0.3};
        ss__box(m, sc, pa, shalf);
        ss__add(v, 0, m, bone[0], bone[1], bone[2], 1);
        /* transverse processes */
        for (int s = -1; s <= 1; s += 2) {
            for (int i = 0; i < 3; i++)
                tc[i] = vi.canal_centre_mm[i] + pa[0][i] * s * (vi.canal_width_mm / 2 + 20) + pa[1][i] * 2;
            double thalf[3] = {14, 4, 5};
            ss__box(m, tc, pa, thalf);
            ss__add(v, 0, m, bone[0], bone[1], bone[2], 1);
            for (int i = 0; i < 3; i++)
                screw_head[vt][(s + 1) / 2][i] =
                    vi.canal_centre_mm[i] + pa[0][i] * s * (vi.canal_width_mm / 2 + 10) + pa[1][i] * 18;
        }
        screw[vt] = pp->fusion.present && pp->fusion.screws[vt];
        /* dural sac */
        if (have_prev && vt <= SS_VERT_L5 + 1) {
            float a[3] = {(float)prev_sac[0], (float)prev_sac[1], (float)prev_sac[2]};
            float b[3] = {(float)vi.sac_centre_mm[0], (float)vi.sac_centre_mm[1], (float)vi.sac_centre_mm[2]};
            ss__rod(m, a, b, (float)(vi.canal_width_mm * 0.32));
            ss__add(v, 1, m, 0.30f, 0.55f, 0.95f, 1);
        }
        memcpy(prev_sac, vi.sac_centre_mm, sizeof prev_sac);
        have_prev = true;
    }
    /* fusion hardware: screws into the pedicles and a rod each side over the heads */
    int first = -1, last = -1;
    for (int vt = SS_VERT_L1; vt <= SS_VERT_S1; vt++)
        if (screw[vt]) {
            if (first < 0) first = vt;
            last = vt;
            for (int s = 0; s < 2; s++) {
                ss_vertebra_info vi;
                ss_spine_vertebra(spine, vt, &vi);
                float a[3], b[3];
                for (int i = 0; i < 3; i++) {
                    a[i] = (float)screw_head[vt][s][i];
                    b[i] = (float)(screw_head[vt][s][i] - vi.posterior_axis[1][i] * 40);
                }
                mat4 m;
                ss__rod(m, a, b, 3.0f);
                ss__add(v, 1, m, 0.62f, 0.66f, 0.74f, 1);
            }
        }
    if (pp->fusion.present && pp->fusion.rods && first >= 0 && last > first)
        for (int s = 0; s < 2; s++)
            for (int vt = first; vt < last; vt++) {
                float a[3], b[3];
                for (int i = 0; i < 3; i++) {
                    a[i] = (float)screw_head[vt][s][i];
                    b[i] = (float)screw_head[vt + 1][s][i];
                }
                mat4 m;
                ss__rod(m, a, b, (float)(pp->fusion.rod_diameter_mm > 0 ? pp->fusion.rod_diameter_mm / 2 : 2.75));
                ss__add(v, 1, m, 0.70f, 0.73f, 0.80f, 1);
            }
}

/* What palpation finds, on the skin (1 mm above it, so the marks sit on the surface):
 * over each spinous process tip, and Tuffier's (intercristal) line, the line across the
 * back between the tops of the iliac crests. The model has no pelvis: the line is drawn
 * square to the body's long axis through the L4 spinous process, where the textbook
 * places it in most adults (it crosses L4 or the L4-L5 interspace). It is the landmark
 * operator's reference: the interspaces are counted from it, while in a scoliotic back
 * the spinous processes it counts by wander off the line the needle would be aimed on. */
static void ss__build_palpation(ss_view3d *v, const ss_spine *spine)
{
    for (int vt = SS_VERT_L1; vt <= SS_VERT_S1; vt++) {
        ss_vertebra_info vi;
        v->have_tip[vt] = ss_spine_vertebra(spine, vt, &vi) == SS_OK;
        if (!v->have_tip[vt]) continue;
        v->tips[vt][0] = (float)vi.spinous_tip_mm[0];
        v->tips[vt][2] = (float)vi.spinous_tip_mm[2];
        v->tips[vt][1] = (float)ss_spine_skin_y(spine, vi.spinous_tip_mm[0], vi.spinous_tip_mm[2]) + 1.0f;
    }
    float z = v->tips[SS_VERT_L4][2], x0 = v->tips[SS_VERT_L4][0];
    for (int i = 0; i < SS__TUFFIER_POINTS; i++) {
        float x = x0 - 90.0f + 180.0f * (float)i / (float)(SS__TUFFIER_POINTS - 1);
        v->tuffier[i][0] = x;
        v->tuffier[i][1] = (float)ss_spine_skin_y(spine, x, z) + 1.0f;
        v->tuffier[i][2] = z;
    }
}

static void ss__draw(ss_view3d *v, const ss__mesh *m, mat4 model, const float color[4], int mode);

static void ss__draw_palpation(ss_view3d *v, const ss_view3d_scene *sc)
{
    mat4 m;
    for (int vt = SS_VERT_L1; vt <= SS_VERT_S1; vt++) {
        if (!v->have_tip[vt]) continue;
        float a[3] = {v->tips[vt][0], v->tips[vt][1] - 1.0f, v->tips[vt][2]}, b[3];
        memcpy(b, v->tips[vt], sizeof b);
        ss__rod(m, a, b, 4.0f);
        ss__draw(v, &v->cyl, m, (float[4]){0.45f, 0.20f, 0.55f, 1}, 0);
    }
    for (int i = 0; i + 1 < SS__TUFFIER_POINTS; i++) {
        ss__rod(m, v->tuffier[i], v->tuffier[i + 1], 1.2f);
        ss__draw(v, &v->cyl, m, (float[4]){0.15f, 0.35f, 0.85f, 1}, 0);
    }
    if (sc->has_palpated) {
        float a[3] = {sc->palpated_mm[0], sc->palpated_mm[1], sc->palpated_mm[2]};
        float b[3] = {a[0], a[1] + 2.0f, a[2]};
        ss__rod(m, a, b, 2.5f);
        ss__draw(v, &v->cyl, m, (float[4]){0.95f, 0.55f, 0.10f, 1}, 0);
    }
}

ss_status ss_view3d_create(const ss_spine *spine, ss_view3d **out)
{
    *out = NULL;
    ss_view3d *v = calloc(1, sizeof *v);
    if (!v) return ss_error_set(SS_ERR_NOMEM, "out of memory");
    ss_status st = ss_shader_render_program("view3d.vert", "view3d.frag", NULL, &v->prog);
    if (st != SS_OK) {
        free(v);
        return st;
    }
    v->u_mvp = glGetUniformLocation(v->prog, "u_mvp");
    v->u_model = glGetUniformLocation(v->prog, "u_model");
    v->u_color = glGetUniformLocation(v->prog, "u_color");
    v->u_light = glGetUniformLocation(v->prog, "u_light_dir");
    v->u_mode = glGetUniformLocation(v->prog, "u_mode");
    v->u_tex = glGetUniformLocation(v->prog, "u_tex");
    ss__build_cube(&v->cube);
    ss__build_cylinder(&v->cyl);
    ss_vertebra_info l1, s1, l3;
    ss_spine_vertebra(spine, SS_VERT_L1, &l1);
    ss_spine_vertebra(spine, SS_VERT_S1, &s1);
    ss_spine_vertebra(spine, SS_VERT_L3, &l3);
    float z0 = (float)s1.centre_mm[2] - 140, z1 = (float)l1.centre_mm[2] + 120;
    ss__build_body(&v->body, spine, z0, z1);
    ss__build_anatomy(v, spine);
    ss__build_palpation(v, spine);
    /* table under the left side (+x) */
    ss_spine_info info;
    ss_spine_get_info(spine, &info);
    v->home_target[0] = (float)l3.centre_mm[0];
    v->home_target[1] = (float)(0.5 * (l3.centre_mm[1] + ss_spine_skin_y(spine, 0, l3.centre_mm[2])));
    v->home_target[2] = (float)l3.centre_mm[2];
    (void)info;
    ss_view3d_reset(v);
    *out = v;
    return SS_OK;
}

void ss_view3d_destroy(ss_view3d *v)
{
    if (!v) return;
    if (v->fbo) glDeleteFramebuffers(1, &v->fbo);
    if (v->color) glDeleteTextures(1, &v->color);
    if (v->depth) glDeleteRenderbuffers(1, &v->depth);
    ss__mesh_free(&v->cube);
    ss__mesh_free(&v->cyl);
    ss__mesh_free(&v->body);
    ss__mesh_free(&v->fan);
    glDeleteProgram(v->prog);
    free(v);
}

void ss_view3d_reset(ss_view3d *v)
{
    memcpy(v->target, v->home_target, sizeof v->target);
    v->yaw = -35.0f;
    v->pitch = 40.0f;
    v->dist = 700.0f;
    v->fov_deg = 40.0f;
}

void ss_view3d_orbit(ss_view3d *v, float dyaw, float dpitch)
{
    v->yaw += dyaw;
    v->pitch = fminf(85.0f, fmaxf(-85.0f, v->pitch + dpitch));
}

void ss_view3d_zoom(ss_view3d *v, float f) { v->dist = fminf(1500.0f, fmaxf(120.0f, v->dist * f)); }

/* World up is the patient's right (-x): the patient lies on the left side. Yaw turns
 * about it (0 = straight behind the back, + toward the head); pitch raises the eye. */
static void ss__camera(ss_view3d *v, float aspect)
{
    float y = glm_rad(v->yaw), p = glm_rad(v->pitch);
    vec3 dir = {-sinf(p), cosf(p) * cosf(y), cosf(p) * sinf(y)};
    for (int i = 0; i < 3; i++) v->eye[i] = v->target[i] + dir[i] * v->dist;
    vec3 up = {-1, 0, 0};
    glm_lookat(v->eye, v->target, up, v->view);
    glm_perspective(glm_rad(v->fov_deg), aspect, 10.0f, 5000.0f, v->proj);
}

void ss_view3d_drag_basis(const ss_view3d *v, float height_units, float right_mm[3], float down_mm[3])
{
    ss_view3d tmp = *v;
    ss__camera(&tmp, 1.0f);
    /* rows of the view matrix are the camera axes in world coordinates */
    vec3 r = {tmp.view[0][0], tmp.view[1][0], tmp.view[2][0]};
    vec3 u = {tmp.view[0][1], tmp.view[1][1], tmp.view[2][1]};
    float k = 2.0f * v->dist * tanf(glm_rad(v->fov_deg) / 2) / (height_units > 1 ? height_units : 1);
    right_mm[0] = r[0] * k;
    right_mm[1] = 0;
    right_mm[2] = r[2] * k;
    down_mm[0] = -u[0] * k;
    down_mm[1] = 0;
    down_mm[2] = -u[2] * k;
}

static void ss__draw(ss_view3d *v, const ss__mesh *m, mat4 model, const float color[4], int mode)
{
    mat4 mvp, pv;
    glm_mat4_mul(v->proj, v->view, pv);
    glm_mat4_mul(pv, model, mvp);
    glUniformMatrix4fv(v->u_mvp, 1, GL_FALSE, (float *)mvp);
    glUniformMatrix4fv(v->u_model, 1, GL_FALSE, (float *)model);
    glUniform4fv(v->u_color, 1, color);
    glUniform1i(v->u_mode, mode);
    glBindVertexArray(m->vao);
    glDrawArrays(GL_TRIANGLES, 0, m->count);
}

static void ss__pose_matrix(const ss_probe_pose *p, mat4 out)
{
    glm_mat4_identity(out);
    for (int i = 0; i < 3; i++) {
        out[0][i] = p->axis_x[i];
        out[1][i] = p->axis_y[i];
        out[2][i] = p->axis_z[i];
        out[3][i] = p->origin_mm[i];
    }
}

/* A box given in probe-frame coordinates (min and max corners). */
static void ss__probe_box(ss_view3d *v, const ss_probe_pose *pose, const float lo[3], const float hi[3],
                          const float color[4])
{
    mat4 pm, local, m;
    ss__pose_matrix(pose, pm);
    glm_mat4_identity(local);
    for (int i = 0; i < 3; i++) {
        local[i][i] = (hi[i] - lo[i]) / 2;
        local[3][i] = (hi[i] + lo[i]) / 2;
    }
    glm_mat4_mul(pm, local, m);
    ss__draw(v, &v->cube, m, color, 0);
}

void ss_view3d_draw(ss_view3d *v, const ss_view3d_scene *sc, int x, int y, int w, int h)
{
    if (w <= 0 || h <= 0) return;
    glViewport(x, y, w, h);
    glEnable(GL_SCISSOR_TEST);
    glScissor(x, y, w, h);
    glClearColor(0.11f, 0.12f, 0.14f, 1);
    glClearDepth(1.0);
    glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
    glDisable(GL_SCISSOR_TEST);
    glEnable(GL_DEPTH_TEST);
    glDepthFunc(GL_LEQUAL);
    glDisable(GL_CULL_FACE);
    glDisable(GL_BLEND);
    ss__camera(v, (float)w / (float)h);
    glUseProgram(v->prog);
    vec3 light;
    glm_vec3_sub(v->eye, v->target, light);
    glm_vec3_normalize(light);
    light[0] -= 0.4f; /* a little from above (the patient's right) */
    glm_vec3_normalize(light);
    glUniform3fv(v->u_light, 1, light);
    glUniform1i(v->u_tex, 0);

    /* table under the patient's left side */
    {
        mat4 m;
        double c[3] = {v->home_target[0] + 175, v->home_target[1] - 60, v->home_target[2]};
        double ax[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
        double half[3] = {12, 260, 450};
        ss__box(m, c, ax, half);
        ss__draw(v, &v->cube, m, (float[4]){0.26f, 0.29f, 0.34f, 1}, 0);
    }
    if (sc->anatomy)
        for (int i = 0; i < v->nparts; i++)
            ss__draw(v, v->parts[i].mesh ? &v->cyl : &v->cube, v->parts[i].model, v->parts[i].color, 0);

    if (sc->probe_on_skin && sc->pose) {
        const ss_probe *pr = sc->probe;
        float half = pr->kind == SS_PROBE_LINEAR ? pr->width_mm / 2
                                                 : pr->radius_mm * sinf(glm_rad(pr->fov_deg / 2));
        ss__probe_box(v, sc->pose, (float[3]){-half - 3, -45, -8}, (float[3]){half + 3, -1, 8},
                      (float[4]){0.82f, 0.84f, 0.88f, 1});
        /* orientation marker: a ridge on the -x end (the image's left) */
        ss__probe_box(v, sc->pose, (float[3]){-half - 6, -30, -4}, (float[3]){-half - 2, -12, 4},
                      (float[4]){0.20f, 0.55f, 1.0f, 1});
        if (sc->guide_attached) {
            float x0 = half + 2, x1 = half + (float)SS_SIM_GUIDE_OFFSET_MM + 5;
            ss__probe_box(v, sc->pose, (float[3]){x0, -40, -7}, (float[3]){x1, -2, 7},
                          (float[4]){0.25f, 0.70f, 0.40f, 1});
            if (!sc->needle_placed) {
                double s[3], d[3];
                ss_guide_line(pr, sc->pose, sc->guide_angle_deg, s, d);
                float a[3], b[3];
                for (int i = 0; i < 3; i++) {
                    a[i] = (float)s[i];
                    b[i] = (float)(s[i] + d[i] * 90);
                }
                mat4 m;
                ss__rod(m, a, b, 0.5f);
                ss__draw(v, &v->cyl, m, (float[4]){0.3f, 0.9f, 0.5f, 1}, 0);
            }
        }
    }
    if (sc->needle_placed) {
        float a[3], b[3], hub[3];
        for (int i = 0; i < 3; i++) {
            a[i] = sc->needle_tip_mm[i];
            b[i] = sc->needle_tip_mm[i] - sc->needle_dir[i] * sc->needle_length_mm;
            hub[i] = b[i] - sc->needle_dir[i] * 12;
        }
        mat4 m;
        ss__rod(m, a, b, 0.9f);
        ss__draw(v, &v->cyl, m, (float[4]){0.95f, 0.95f, 1.0f, 1}, 0);
        ss__rod(m, b, hub, 3.5f);
        ss__draw(v, &v->cyl, m, (float[4]){0.95f, 0.75f, 0.2f, 1}, 0);
    }
    mat4 identity;
    glm_mat4_identity(identity);
    float skin[4] = {0.93f, 0.76f, 0.66f, sc->skin_transparent ? 0.30f : 1.0f};
    if (!sc->skin_transparent) ss__draw(v, &v->body, identity, skin, 0);
    if (sc->palpation) ss__draw_palpation(v, sc);
    /* transparent things last, without writing depth */
    glEnable(GL_BLEND);
    glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
    if (sc->image_tex && sc->image_probe && sc->image_geom && sc->image_pose && sc->probe_on_skin) {
        if (!v->have_fan || memcmp(&v->fan_probe, sc->image_probe, sizeof v->fan_probe) != 0 ||
            memcmp(&v->fan_geom, sc->image_geom, sizeof v->fan_geom) != 0) {
            ss__build_fan(&v->fan, sc->image_probe, sc->image_geom);
            v->fan_probe = *sc->image_probe;
            v->fan_geom = *sc->image_geom;
            v->have_fan = true;
        }
        glActiveTexture(GL_TEXTURE0);
        glBindTexture(GL_TEXTURE_2D, sc->image_tex);
        mat4 m;
        ss__pose_matrix(sc->image_pose, m);
        glDepthMask(GL_FALSE);
        ss__draw(v, &v->fan, m, (float[4]){1, 1, 1, 0.9f}, 1);
        glDepthMask(GL_TRUE);
    }
    if (sc->skin_transparent) {
        glDepthMask(GL_FALSE);
        ss__draw(v, &v->body, identity, skin, 0);
        glDepthMask(GL_TRUE);
    }
    glBindVertexArray(0);
    glUseProgram(0);
    glDisable(GL_BLEND);
    glDisable(GL_DEPTH_TEST);
}

static bool ss__pose_near(const ss_probe_pose *a, const ss_probe_pose *b)
{
    for (int i = 0; i < 3; i++) {
        if (fabsf(a->origin_mm[i] - b->origin_mm[i]) > 0.3f) return false;
        if (fabsf(a->axis_x[i] - b->axis_x[i]) > 0.004f || fabsf(a->axis_y[i] - b->axis_y[i]) > 0.004f) return false;
    }
    return true;
}

static bool ss__scene_same(const ss_view3d *v, const ss_view3d_scene *s)
{
    const ss_view3d_scene *l = &v->last;
    if (!v->have_last || l->probe_on_skin != s->probe_on_skin || l->guide_attached != s->guide_attached ||
        fabs(l->guide_angle_deg - s->guide_angle_deg) > 0.2 || l->needle_placed != s->needle_placed ||
        l->skin_transparent != s->skin_transparent || l->anatomy != s->anatomy || l->image_tex != s->image_tex ||
        l->image_version != s->image_version || l->palpation != s->palpation || l->has_palpated != s->has_palpated ||
        memcmp(l->palpated_mm, s->palpated_mm, sizeof l->palpated_mm) != 0)
        return false;
    if (s->pose && !ss__pose_near(&v->last_pose, s->pose)) return false;
    if (s->image_pose && !ss__pose_near(&v->last_image_pose, s->image_pose)) return false;
    if (s->needle_placed)
        for (int i = 0; i < 3; i++)
            if (fabsf(l->needle_tip_mm[i] - s->needle_tip_mm[i]) > 0.4f || fabsf(l->needle_dir[i] - s->needle_dir[i]) > 0.003f)
                return false;
    float cam[6] = {v->target[0], v->target[1], v->target[2], v->yaw, v->pitch, v->dist};
    return memcmp(cam, v->last_cam, sizeof cam) == 0;
}

GLuint ss_view3d_render(ss_view3d *v, const ss_view3d_scene *sc, int w, int h, bool *redrawn)
{
    if (redrawn) *redrawn = false;
    if (w <= 0 || h <= 0) return v->color;
    if (!v->fbo || w != v->fb_w || h != v->fb_h) {
        if (!v->fbo) {
            glGenFramebuffers(1, &v->fbo);
            glGenTextures(1, &v->color);
            glGenRenderbuffers(1, &v->depth);
        }
        glBindTexture(GL_TEXTURE_2D, v->color);
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, NULL);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
        glBindRenderbuffer(GL_RENDERBUFFER, v->depth);
        glRenderbufferStorage(GL_RENDERBUFFER, GL_DEPTH_COMPONENT24, w, h);
        glBindFramebuffer(GL_FRAMEBUFFER, v->fbo);
        glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, v->color, 0);
        glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_RENDERBUFFER, v->depth);
        glBindFramebuffer(GL_FRAMEBUFFER, 0);
        v->fb_w = w;
        v->fb_h = h;
        v->have_last = false;
    }
    if (ss__scene_same(v, sc)) return v->color;
    glBindFramebuffer(GL_FRAMEBUFFER, v->fbo);
    ss_view3d_draw(v, sc, 0, 0, w, h);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    v->last = *sc;
    if (sc->pose) v->last_pose = *sc->pose;
    if (sc->image_pose) v->last_image_pose = *sc->image_pose;
    float cam[6] = {v->target[0], v->target[1], v->target[2], v->yaw, v->pitch, v->dist};
    memcpy(v->last_cam, cam, sizeof cam);
    v->have_last = true;
    if (redrawn) *redrawn = true;
    return v->color;
}

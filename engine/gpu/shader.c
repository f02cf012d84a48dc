/* shader.c: shader lookup (disk, then embedded), compile and link (see shader.h). */
#define _POSIX_C_SOURCE 200809L
#include "shader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"

struct sonospine_embedded_shader {
    const char *name;
    const char *text;
    size_t size;
};
extern const struct sonospine_embedded_shader sonospine_embedded_shaders[];

enum { SS_SHADER_MAX_BYTES = 4 << 20 };

const char *ss_shader_embedded(const char *name)
{
    for (const struct sonospine_embedded_shader *e = sonospine_embedded_shaders; e->name; e++)
        if (strcmp(e->name, name) == 0) return e->text;
    return NULL;
}

ss_status ss_shader_source(const char *name, char **text_out, char *origin_out, size_t origin_size)
{
    *text_out = NULL;
    if (!name || !*name || strchr(name, '/'))
        return ss_error_set(SS_ERR_INVALID, "shader name '%s': expected a plain file name", name ? name : "");
    char dir[4096], path[4400], tried[9000] = "";
    const char *env = getenv("SONOSPINE_SHADER_DIR");
    if (env && *env) {
        snprintf(path, sizeof path, "%s/%s", env, name);
        if (!ss_file_exists(path))
            return ss_error_set(SS_ERR_IO, "shader %s: not found at %s (SONOSPINE_SHADER_DIR is set)", name, path);
        if (origin_out) snprintf(origin_out, origin_size, "%s", path);
        return ss_file_read(path, SS_SHADER_MAX_BYTES, text_out, NULL);
    }
    if (ss_paths_exe_dir(dir, sizeof dir) == SS_OK) {
        const char *subs[] = {"shaders", "../share/sonospine/shaders"};
        for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
            snprintf(path, sizeof path, "%s/%s/%s", dir, subs[i], name);
            if (ss_file_exists(path)) {
                if (origin_out) snprintf(origin_out, origin_size, "%s", path);
                return ss_file_read(path, SS_SHADER_MAX_BYTES, text_out, NULL);
            }
            size_t used = strlen(tried);
            snprintf(tried + used, sizeof tried - used, "%s%s", used ? ", " : "", path);
        }
    }
    const char *embedded = ss_shader_embedded(name);
    if (embedded) {
        char *copy = strdup(embedded);
        if (!copy) return ss_error_set(SS_ERR_NOMEM, "shader %s: out of memory", name);
        if (origin_out) snprintf(origin_out, origin_size, "embedded:%s", name);
        *text_out = copy;
        return SS_OK;
    }
    return ss_error_set(SS_ERR_IO, "shader %s: not found (looked in %s, and not embedded in this build)", name,
                        tried[0] ? tried : "no shader directory");
}

static const char *ss__stage_name(GLenum stage)
{
    switch (stage) {
    case GL_COMPUTE_SHADER: return "compute";
    case GL_VERTEX_SHADER: return "vertex";
    case GL_FRAGMENT_SHADER: return "fragment";
    default: return "shader";
    }
}

ss_status ss_shader_compile_text(GLenum stage, const char *text, const char *prelude, const char *origin,
                                 GLuint *shader_out)
{
    *shader_out = 0;
    /* Split "#version ...\n" off so the prelude can follow it; "#line 2" keeps the
     * compiler's line numbers equal to the file's. */
    const char *body = text;
    size_t vlen = 0;
    while (*body == ' ' || *body == '\t' || *body == '\r' || *body == '\n') body++;
    if (strncmp(body, "#version", 8) == 0) {
        const char *nl = strchr(body, '\n');
        vlen = nl ? (size_t)(nl - text) + 1 : strlen(text);
    } else {
        return ss_error_set(SS_ERR_GL, "%s: %s shader does not start with a #version line", origin,
                            ss__stage_name(stage));
    }
    const char *parts[4];
    GLint lens[4];
    int n = 0;
    parts[n] = text;
    lens[n++] = (GLint)vlen;
    if (prelude && *prelude) {
        parts[n] = prelude;
        lens[n++] = (GLint)strlen(prelude);
    }
    char line_directive[32];
    int lines_in_version = 0;
    for (size_t i = 0; i < vlen; i++) lines_in_version += text[i] == '\n';
    snprintf(line_directive, sizeof line_directive, "\n#line %d\n", lines_in_version + 1);
    parts[n] = line_directive;
    lens[n++] = (GLint)strlen(line_directive);
    parts[n] = text + vlen;
    lens[n++] = (GLint)strlen(text + vlen);

    GLuint sh = glCreateShader(stage);
    if (!sh) return ss_error_set(SS_ERR_GL, "%s: glCreateShader(%s) failed", origin, ss__stage_name(stage));
    glShaderSource(sh, n, parts, lens);
    glCompileShader(sh);
    GLint ok = 0;
    glGetShaderiv(sh, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        char log[8192] = "";
        glGetShaderInfoLog(sh, sizeof log, NULL, log);
        glDeleteShader(sh);
        return ss_error_set(SS_ERR_GL, "%s: %s shader failed to compile:\n%s", origin, ss__stage_name(stage), log);
    }
    *shader_out = sh;
    return SS_OK;
}

static ss_status ss__link(GLuint *shaders, int n, const char *origin, GLuint *program_out)
{
    GLuint prog = glCreateProgram();
    for (int i = 0; i < n; i++) glAttachShader(prog, shaders[i]);
    glLinkProgram(prog);
    for (int i = 0; i < n; i++) {
        glDetachShader(prog, shaders[i]);
        glDeleteShader(shaders[i]);
    }
    GLint ok = 0;
    glGetProgramiv(prog, GL_LINK_STATUS, &ok);
    if (!ok) {
        char log[8192] = "";
        glGetProgramInfoLog(prog, sizeof log, NULL, log);
        glDeleteProgram(prog);
        return ss_error_set(SS_ERR_GL, "%s: program failed to link:\n%s", origin, log);
    }
    *program_out = prog;
    return SS_OK;
}

static ss_status ss__load_stage(const char *name, GLenum stage, const char *prelude, GLuint *out)
{
    char *text = NULL;
    char origin[4400];
    ss_status st = ss_shader_source(name, &text, origin, sizeof origin);
    if (st != SS_OK) return st;
    st = ss_shader_compile_text(stage, text, prelude, origin, out);
    free(text);
    return st;
}

ss_status ss_shader_compute_program(const char *name, const char *prelude, GLuint *program_out)
{
    *program_out = 0;
    GLuint sh;
    ss_status st = ss__load_stage(name, GL_COMPUTE_SHADER, prelude, &sh);
    if (st != SS_OK) return st;
    return ss__link(&sh, 1, name, program_out);
}

ss_status ss_shader_render_program(const char *vert_name, const char *frag_name, const char *prelude,
                                   GLuint *program_out)
{
    *program_out = 0;
    GLuint sh[2];
    ss_status st = ss__load_stage(vert_name, GL_VERTEX_SHADER, prelude, &sh[0]);
    if (st != SS_OK) return st;
    st = ss__load_stage(frag_name, GL_FRAGMENT_SHADER, prelude, &sh[1]);
    if (st != SS_OK) {
        glDeleteShader(sh[0]);
        return st;
    }
    char origin[512];
    snprintf(origin, sizeof origin, "%s + %s", vert_name, frag_name);
    return ss__link(sh, 2, origin, program_out);
}

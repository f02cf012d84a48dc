/* shader.h: the one way to get a GLSL shader into a GL program.
 *
 * ss_shader_source() finds a shader by file name ("selftest.comp"):
 *   - SONOSPINE_SHADER_DIR set: that directory only (tests, shader development);
 *   - else <exe dir>/shaders/NAME (development build tree, edit without rebuilding),
 *     then <exe dir>/../share/sonospine/shaders/NAME (installed tree);
 *   - else the copy embedded into the binary at build time (cmake/embed_shaders.cmake).
 * A missing shader names every place looked at; a compile or link failure names the
 * file and carries the GLSL compiler's log, in ss_error_message().
 *
 * A "prelude" (e.g. ss_tissue_glsl_defines()) can be inserted right after the
 * #version line so C and GLSL share one set of constants. Needs a current GL context.
 */
#ifndef SS_SHADER_H
#define SS_SHADER_H

#include <GL/glew.h>
#include <stddef.h>
#include "error.h"

/* Loads the text of a shader. *origin_out (optional) receives the path or "embedded:NAME".
 * Free *text_out with free(). */
ss_status ss_shader_source(const char *name, char **text_out, char *origin_out, size_t origin_size);

/* The copy of NAME embedded at build time (NUL-terminated, static), or NULL. */
const char *ss_shader_embedded(const char *name);

/* Loads, compiles and links a compute shader program. */
ss_status ss_shader_compute_program(const char *name, const char *prelude, GLuint *program_out);

/* Loads, compiles and links a vertex + fragment program. */
ss_status ss_shader_render_program(const char *vert_name, const char *frag_name, const char *prelude,
                                   GLuint *program_out);

/* Compiles one stage from text; `origin` names it in error messages. */
ss_status ss_shader_compile_text(GLenum stage, const char *text, const char *prelude, const char *origin,
                                 GLuint *shader_out);

#endif

/* paths.h: where SonoSpine finds its data files at run time.
 *
 * Data kinds are "shaders", "assets", "scenarios" and "attempts" (the attempt library,
 * attempt_library.h). Search order for a kind:
 *   1. the environment variable SONOSPINE_<KIND>_DIR (e.g. SONOSPINE_SHADER_DIR),
 *      when set: only there (tests and instructors point the program at a tree);
 *   2. <directory of the executable>/<kind>         (development build tree);
 *   3. <directory of the executable>/../share/sonospine/<kind>   (installed).
 * Also small file helpers every module uses: whole-file read with a size limit.
 */
#ifndef SS_PATHS_H
#define SS_PATHS_H

#include <stddef.h>
#include <stdbool.h>
#include "error.h"

/* Directory holding the running executable (no trailing slash). */
ss_status ss_paths_exe_dir(char *out, size_t out_size);

/* Resolves the directory for a data kind. Returns SS_ERR_IO naming every place
 * looked at when none exists. *from_env tells whether an override was used. */
ss_status ss_paths_data_dir(const char *kind, char *out, size_t out_size, bool *from_env);

/* Reads a whole regular file into a NUL-terminated heap buffer (free with free()).
 * Refuses directories, unreadable files and files over max_bytes, naming the path
 * and the reason. *size_out (may be NULL) receives the length without the NUL. */
ss_status ss_file_read(const char *path, size_t max_bytes, char **text_out, size_t *size_out);

bool ss_file_exists(const char *path);

/* mkdir -p of the directory that holds path; directories it creates get `mode`
 * (existing ones are left as they are). The error names `what` (e.g. "station key"),
 * the directory and the reason; a component that exists but is not a directory is an
 * error. A path with no directory part needs nothing. */
ss_status ss_make_parent_dirs(const char *what, const char *path, unsigned mode);

/* The program's version ("0.1.0"), as recorded in session logs. */
const char *ss_version(void);

#endif

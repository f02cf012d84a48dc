/* diag.h: a list of diagnostics about an input file (errors and warnings with a position).
 *
 * Validators that should report every problem, not only the first (the scenario
 * validator), append ss_diag records here instead of stopping at the first
 * ss_error_set(). Each record names the file, a 1-based line and column (0 when the
 * problem has no position, e.g. "file not found"), a JSON path ("deformity.cobb_deg",
 * "$" for the document itself) and a message that says what was expected and what was
 * found. ss_diag_format() renders the one text form used everywhere:
 *     file:line:col: json.path: message
 *     file:line:col: json.path: warning: message
 *     file: message                       (no position)
 * Nothing here prints or aborts; an allocation failure drops the record and is counted.
 */
#ifndef SS_DIAG_H
#define SS_DIAG_H

#include <stddef.h>

typedef enum ss_diag_severity { SS_DIAG_ERROR = 0, SS_DIAG_WARNING = 1 } ss_diag_severity;

enum { SS_DIAG_FILE_MAX = 512, SS_DIAG_PATH_MAX = 160, SS_DIAG_MESSAGE_MAX = 480 };
/* At most this many records are kept per list; later ones are counted in `dropped`. */
enum { SS_DIAG_LIST_MAX = 200 };

typedef struct ss_diag {
    ss_diag_severity severity;
    int line;                        /* 1-based; 0 = no position */
    int col;                         /* 1-based, in characters (UTF-8 code points) */
    char file[SS_DIAG_FILE_MAX];
    char path[SS_DIAG_PATH_MAX];     /* "" when the message is about the file itself */
    char message[SS_DIAG_MESSAGE_MAX];
} ss_diag;

/* Zero-initialise (ss_diag_list l = {0}) or call ss_diag_list_init(). */
typedef struct ss_diag_list {
    ss_diag *items;
    int count;
    int capacity;
    int errors;      /* errors added, including dropped ones */
    int warnings;    /* warnings added, including dropped ones */
    int dropped;     /* records not kept (list full or out of memory) */
} ss_diag_list;

void ss_diag_list_init(ss_diag_list *list);
void ss_diag_list_free(ss_diag_list *list);
/* Removes every record, keeps the allocation. */
void ss_diag_list_clear(ss_diag_list *list);

/* Appends one record (printf-style message). Strings too long are truncated. */
void ss_diag_add(ss_diag_list *list, ss_diag_severity severity, const char *file, int line, int col,
                 const char *path, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Renders one record in the text form above (no newline). Returns the length snprintf
 * would have written. */
int ss_diag_format(const ss_diag *d, char *buf, size_t size);

/* First record of the given severity whose message contains `needle` (NULL if none):
 * for tests and callers that look for one class of problem. */
const ss_diag *ss_diag_find(const ss_diag_list *list, ss_diag_severity severity, const char *needle);

#endif

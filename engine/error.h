/* error.h: the engine's one error channel.
 *
 * Functions that can fail return an ss_status (or NULL/false) and leave the reason
 * here, per thread: ss_error_set() records a message with its context (file, field,
 * value, what was expected); ss_error_message() reads the last one. Callers never
 * branch on the message text, only on the status. Nothing here aborts or prints.
 */
#ifndef SS_ERROR_H
#define SS_ERROR_H

typedef enum ss_status {
    SS_OK = 0,
    SS_ERR_IO,          /* a file could not be read or written */
    SS_ERR_PARSE,       /* input is not in the expected format */
    SS_ERR_INVALID,     /* input is well formed but a value is out of range or contradictory */
    SS_ERR_NOMEM,       /* an allocation failed */
    SS_ERR_UNSUPPORTED, /* the platform lacks a capability (e.g. OpenGL 4.3) */
    SS_ERR_GL,          /* an OpenGL call or shader compilation failed */
    SS_ERR_INTERNAL     /* a broken invariant in our own code */
} ss_status;

/* Records the reason for the current failure (printf-style). Returns status unchanged,
 * so a caller can write `return ss_error_set(SS_ERR_IO, "...")`. */
ss_status ss_error_set(ss_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The last message recorded on this thread ("" if none). Valid until the next set. */
const char *ss_error_message(void);

/* The status of the last failure recorded on this thread (SS_OK if none). */
ss_status ss_error_status(void);

void ss_error_clear(void);

/* A short constant name for a status ("io", "parse", ...). */
const char *ss_status_name(ss_status status);

#endif

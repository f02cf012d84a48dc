/* error.c: per-thread last-error storage (see error.h). */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char ss__message[2048];
static _Thread_local ss_status ss__status;

ss_status ss_error_set(ss_status status, const char *fmt, ...)
{
    /* formatted aside first: a caller may pass the current message as an argument
       (wrapping it in more context), which must not be overwritten while it is read */
    char text[sizeof ss__message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    memcpy(ss__message, text, sizeof text);
    ss__status = status;
    return status;
}

const char *ss_error_message(void) { return ss__message; }

ss_status ss_error_status(void) { return ss__status; }

void ss_error_clear(void)
{
    ss__message[0] = '\0';
    ss__status = SS_OK;
}

const char *ss_status_name(ss_status status)
{
    switch (status) {
    case SS_OK: return "ok";
    case SS_ERR_IO: return "io";
    case SS_ERR_PARSE: return "parse";
    case SS_ERR_INVALID: return "invalid";
    case SS_ERR_NOMEM: return "nomem";
    case SS_ERR_UNSUPPORTED: return "unsupported";
    case SS_ERR_GL: return "gl";
    case SS_ERR_INTERNAL: return "internal";
    }
    return "unknown";
}

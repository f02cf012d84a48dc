/* diag.c: a list of diagnostics (see diag.h). */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ss_diag_list_init(ss_diag_list *list)
{
    memset(list, 0, sizeof *list);
}

void ss_diag_list_free(ss_diag_list *list)
{
    free(list->items);
    memset(list, 0, sizeof *list);
}

void ss_diag_list_clear(ss_diag_list *list)
{
    list->count = 0;
    list->errors = 0;
    list->warnings = 0;
    list->dropped = 0;
}

static void ss__copy(char *dst, size_t size, const char *src)
{
    if (!src) src = "";
    size_t n = strlen(src);
    if (n >= size) n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void ss_diag_add(ss_diag_list *list, ss_diag_severity severity, const char *file, int line, int col,
                 const char *path, const char *fmt, ...)
{
    if (severity == SS_DIAG_ERROR)
        list->errors++;
    else
        list->warnings++;
    if (list->count >= SS_DIAG_LIST_MAX) {
        list->dropped++;
        return;
    }
    if (list->count == list->capacity) {
        int cap = list->capacity ? list->capacity * 2 : 8;
        if (cap > SS_DIAG_LIST_MAX) cap = SS_DIAG_LIST_MAX;
        ss_diag *items = realloc(list->items, (size_t)cap * sizeof *items);
        if (!items) {
            list->dropped++;
            return;
        }
        list->items = items;
        list->capacity = cap;
    }
    ss_diag *d = &list->items[list->count++];
    d->severity = severity;
    d->line = line > 0 ? line : 0;
    d->col = (line > 0 && col > 0) ? col : 0;
    ss__copy(d->file, sizeof d->file, file);
    ss__copy(d->path, sizeof d->path, path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->message, sizeof d->message, fmt, ap);
    va_end(ap);
}

int ss_diag_format(const ss_diag *d, char *buf, size_t size)
{
    const char *warn = d->severity == SS_DIAG_WARNING ? "warning: " : "";
    if (d->line <= 0) {
        if (d->path[0]) return snprintf(buf, size, "%s: %s: %s%s", d->file, d->path, warn, d->message);
        return snprintf(buf, size, "%s: %s%s", d->file, warn, d->message);
    }
    return snprintf(buf, size, "%s:%d:%d: %s: %s%s", d->file, d->line, d->col, d->path[0] ? d->path : "$", warn,
                    d->message);
}

const ss_diag *ss_diag_find(const ss_diag_list *list, ss_diag_severity severity, const char *needle)
{
    for (int i = 0; i < list->count; i++) {
        const ss_diag *d = &list->items[i];
        if (d->severity == severity && strstr(d->message, needle)) return d;
    }
    return NULL;
}

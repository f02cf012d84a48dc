/* json_locate.c: source positions and a strict syntax check for JSON text (see json_locate.h). */
#include "json_locate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ positions */

static size_t ss__bom(const char *t, size_t n)
{
    return (n >= 3 && (unsigned char)t[0] == 0xEF && (unsigned char)t[1] == 0xBB && (unsigned char)t[2] == 0xBF) ? 3
                                                                                                                  : 0;
}

ss_json_pos ss_json_pos_at(const char *text, size_t len, size_t offset)
{
    if (offset > len) offset = len;
    ss_json_pos p = {offset, 1, 1};
    for (size_t i = ss__bom(text, len); i < offset; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n' || (c == '\r' && !(i + 1 < len && text[i + 1] == '\n'))) {
            p.line++;
            p.col = 1;
        } else if (c == '\r') {
            /* first half of \r\n: the \n ends the line */
        } else if ((c & 0xC0) != 0x80) {
            p.col++;
        }
    }
    return p;
}

/* ------------------------------------------------------------------ scanning valid text */

static size_t ss__ws(const char *t, size_t n, size_t i)
{
    while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) i++;
    return i;
}

/* t[*i] == '"': moves past the closing quote. */
static bool ss__skip_string(const char *t, size_t n, size_t *i)
{
    size_t k = *i + 1;
    while (k < n) {
        if (t[k] == '\\') {
            k += 2;
            continue;
        }
        if (t[k] == '"') {
            *i = k + 1;
            return true;
        }
        k++;
    }
    return false;
}

static bool ss__skip_value(const char *t, size_t n, size_t *i)
{
    size_t k = *i;
    if (k >= n) return false;
    if (t[k] == '"') return ss__skip_string(t, n, i);
    if (t[k] == '{' || t[k] == '[') {
        int depth = 0;
        while (k < n) {
            char c = t[k];
            if (c == '"') {
                if (!ss__skip_string(t, n, &k)) return false;
                continue;
            }
            if (c == '{' || c == '[') depth++;
            if (c == '}' || c == ']') {
                if (--depth == 0) {
                    *i = k + 1;
                    return true;
                }
            }
            k++;
        }
        return false;
    }
    size_t start = k;
    while (k < n && !strchr(",]} \t\r\n", t[k])) k++;
    *i = k;
    return k > start;
}

static int ss__hex4(const char *t, size_t n, size_t i)
{
    if (i + 4 > n) return -1;
    int v = 0;
    for (int j = 0; j < 4; j++) {
        char c = t[i + (size_t)j];
        int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

static int ss__utf8(unsigned long cp, unsigned char *out)
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes one escape at t[i] == '\\' into out; returns bytes written (0 = invalid) and
 * advances *i past it. */
static int ss__escape(const char *t, size_t n, size_t *i, unsigned char *out)
{
    size_t k = *i;
    if (k + 1 >= n) return 0;
    char e = t[k + 1];
    const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
    const char *hit = strchr(from, e);
    if (e && hit) {
        out[0] = (unsigned char)to[hit - from];
        *i = k + 2;
        return 1;
    }
    if (e != 'u') return 0;
    int hi = ss__hex4(t, n, k + 2);
    if (hi < 0) return 0;
    unsigned long cp = (unsigned long)hi;
    k += 6;
    if (hi >= 0xD800 && hi <= 0xDBFF) {
        if (k + 1 >= n || t[k] != '\\' || t[k + 1] != 'u') return 0;
        int lo = ss__hex4(t, n, k + 2);
        if (lo < 0xDC00 || lo > 0xDFFF) return 0;
        cp = 0x10000 + (((unsigned long)hi - 0xD800) << 10) + ((unsigned long)lo - 0xDC00);
        k += 6;
    } else if (hi >= 0xDC00 && hi <= 0xDFFF) {
        return 0;
    }
    *i = k;
    return ss__utf8(cp, out);
}

/* t[i] == '"': does the decoded key equal `key`? */
static bool ss__key_equals(const char *t, size_t n, size_t i, const char *key)
{
    const unsigned char *k = (const unsigned char *)key;
    i++;
    while (i < n) {
        char c = t[i];
        if (c == '"') return *k == '\0';
        if (c == '\\') {
            unsigned char buf[4];
            int nb = ss__escape(t, n, &i, buf);
            if (nb == 0) return false;
            for (int j = 0; j < nb; j++, k++)
                if (*k != buf[j]) return false;
            continue;
        }
        if (*k != (unsigned char)c) return false;
        k++;
        i++;
    }
    return false;
}

bool ss_json_locate(const char *text, size_t len, const ss_json_seg *segs, int nsegs, ss_json_loc *out)
{
    const char *t = text;
    size_t n = len;
    size_t i = ss__ws(t, n, ss__bom(t, n));
    size_t key_at = 0;
    bool has_key = false;
    for (int s = 0; s < nsegs; s++) {
        if (i >= n) return false;
        const ss_json_seg *seg = &segs[s];
        if (seg->key && t[i] == '{') {
            i = ss__ws(t, n, i + 1);
            int seen = 0;
            bool found = false;
            while (!found) {
                if (i >= n || t[i] != '"') return false;
                size_t kstart = i;
                bool match = ss__key_equals(t, n, i, seg->key);
                if (!ss__skip_string(t, n, &i)) return false;
                i = ss__ws(t, n, i);
                if (i >= n || t[i] != ':') return false;
                i = ss__ws(t, n, i + 1);
                if (match && seen++ == seg->occurrence) {
                    key_at = kstart;
                    has_key = true;
                    found = true;
                    break;
                }
                if (!ss__skip_value(t, n, &i)) return false;
                i = ss__ws(t, n, i);
                if (i >= n || t[i] != ',') return false;
                i = ss__ws(t, n, i + 1);
            }
        } else if (!seg->key && t[i] == '[') {
            if (seg->index < 0) return false;
            i = ss__ws(t, n, i + 1);
            if (i >= n || t[i] == ']') return false;
            for (int idx = 0; idx < seg->index; idx++) {
                if (!ss__skip_value(t, n, &i)) return false;
                i = ss__ws(t, n, i);
                if (i >= n || t[i] != ',') return false;
                i = ss__ws(t, n, i + 1);
            }
            has_key = false;
        } else {
            return false;
        }
    }
    if (i >= n) return false;
    size_t end = i;
    if (!ss__skip_value(t, n, &end)) return false;
    memset(out, 0, sizeof *out);
    out->value = ss_json_pos_at(t, n, i);
    out->value_len = end - i;
    out->has_key = has_key;
    if (has_key) out->key = ss_json_pos_at(t, n, key_at);
    return true;
}

enum { SS__MAX_SEGS = 32, SS__KEYBUF = 512 };

bool ss_json_locate_path(const char *text, size_t len, const char *path, ss_json_loc *out)
{
    ss_json_seg segs[SS__MAX_SEGS];
    char keys[SS__KEYBUF];
    size_t used = 0;
    int nsegs = 0;
    const char *p = path ? path : "";
    if (p[0] == '$') p++;
    if (p[0] == '.') p++;
    while (*p) {
        if (nsegs == SS__MAX_SEGS) return false;
        if (*p == '[') {
            char *end = NULL;
            long idx = strtol(p + 1, &end, 10);
            if (end == p + 1 || *end != ']' || idx < 0) return false;
            segs[nsegs++] = (ss_json_seg){NULL, (int)idx, 0};
            p = end + 1;
            if (*p == '.') p++;
            continue;
        }
        size_t k = strcspn(p, ".[");
        if (k == 0 || used + k + 1 > sizeof keys) return false;
        memcpy(keys + used, p, k);
        keys[used + k] = '\0';
        segs[nsegs++] = (ss_json_seg){keys + used, 0, 0};
        used += k + 1;
        p += k;
        if (*p == '.') p++;
    }
    return ss_json_locate(text, len, segs, nsegs, out);
}

size_t ss_json_token_length(const char *text, size_t len, size_t offset)
{
    if (offset >= len) return 0;
    size_t i = offset;
    char c = text[i];
    if (c == '{' || c == '[') return 0;
    if (c == '"') return ss__skip_string(text, len, &i) ? i - offset : 0;
    if (!ss__skip_value(text, len, &i)) return 0;
    return i - offset;
}

/* ------------------------------------------------------------------ strict syntax check */

typedef struct ss__chk {
    const char *t;
    size_t n;
    size_t i;
    int depth;
    char path[SS_JSON_SYNTAX_PATH_MAX];
    size_t plen;
    ss_json_syntax_error *err;
} ss__chk;

/* "'x'", "end of file", "a line break", ... for the character at `at`. */
static void ss__describe(const ss__chk *c, size_t at, char *buf, size_t size)
{
    if (at >= c->n) {
        snprintf(buf, size, "end of file");
        return;
    }
    unsigned char ch = (unsigned char)c->t[at];
    if (ch == '\n' || ch == '\r')
        snprintf(buf, size, "a line break");
    else if (ch < 0x20 || ch == 0x7F)
        snprintf(buf, size, "a control character (U+%04X)", ch);
    else if (ch < 0x80)
        snprintf(buf, size, "'%c'", ch);
    else {
        size_t k = 1;
        while (at + k < c->n && k < 4 && ((unsigned char)c->t[at + k] & 0xC0) == 0x80) k++;
        snprintf(buf, size, "'%.*s'", (int)k, c->t + at);
    }
}

static bool ss__fail(ss__chk *c, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool ss__fail(ss__chk *c, size_t at, const char *fmt, ...)
{
    if (c->err) {
        c->err->pos = ss_json_pos_at(c->t, c->n, at);
        snprintf(c->err->path, sizeof c->err->path, "%s", c->path);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err->message, sizeof c->err->message, fmt, ap);
        va_end(ap);
    }
    return false;
}

static void ss__path_push_key(ss__chk *c, size_t kstart, size_t kend)
{
    /* the raw key text between the quotes (escapes left as written) */
    size_t room = sizeof c->path - c->plen - 1;
    int w = snprintf(c->path + c->plen, room + 1, "%s%.*s", c->plen ? "." : "", (int)(kend - kstart), c->t + kstart);
    if (w > 0) c->plen += (size_t)w < room ? (size_t)w : room;
}

static void ss__path_push_index(ss__chk *c, int idx)
{
    size_t room = sizeof c->path - c->plen - 1;
    int w = snprintf(c->path + c->plen, room + 1, "[%d]", idx);
    if (w > 0) c->plen += (size_t)w < room ? (size_t)w : room;
}

static void ss__path_pop(ss__chk *c, size_t plen)
{
    c->plen = plen;
    c->path[plen] = '\0';
}

static bool ss__chk_value(ss__chk *c);

static void ss__skip_ws(ss__chk *c)
{
    c->i = ss__ws(c->t, c->n, c->i);
}

static bool ss__chk_string(ss__chk *c)
{
    size_t open = c->i;
    size_t k = open + 1;
    while (k < c->n) {
        unsigned char ch = (unsigned char)c->t[k];
        if (ch == '"') {
            c->i = k + 1;
            return true;
        }
        if (ch == '\n' || ch == '\r')
            return ss__fail(c, open, "string not closed before the end of the line (missing '\"'?)");
        if (ch < 0x20) {
            char what[48];
            ss__describe(c, k, what, sizeof what);
            c->i = k;
            return ss__fail(c, k, "expected a printable character or an escape such as \\t in a string, found %s",
                            what);
        }
        if (ch == '\\') {
            unsigned char buf[4];
            size_t e = k;
            if (ss__escape(c->t, c->n, &e, buf) == 0) {
                if (k + 1 < c->n && c->t[k + 1] == 'u')
                    return ss__fail(c, k,
                                    "invalid \\u escape: expected 4 hex digits forming a valid UTF-16 character "
                                    "(surrogates in pairs)");
                char what[48];
                ss__describe(c, k + 1, what, sizeof what);
                return ss__fail(c, k, "invalid escape: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX, "
                                      "found a backslash followed by %s", what);
            }
            k = e;
            continue;
        }
        k++;
    }
    return ss__fail(c, open, "string not closed before the end of the file (missing '\"'?)");
}

static bool ss__digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool ss__chk_number(ss__chk *c)
{
    const char *t = c->t;
    size_t n = c->n, start = c->i, k = c->i;
    char what[48];
    if (k < n && t[k] == '-') k++;
    if (k >= n || !ss__digit(t[k])) {
        ss__describe(c, k, what, sizeof what);
        if (k < n && (t[k] == 'I' || t[k] == 'i'))
            return ss__fail(c, start, "expected a number, found '-Infinity' (Infinity is not a JSON number)");
        return ss__fail(c, k, "expected a digit after '-', found %s", what);
    }
    if (t[k] == '0' && k + 1 < n && ss__digit(t[k + 1]))
        return ss__fail(c, start, "expected a number without leading zeros (JSON does not allow '0%c...')", t[k + 1]);
    while (k < n && ss__digit(t[k])) k++;
    if (k < n && t[k] == '.') {
        k++;
        if (k >= n || !ss__digit(t[k])) {
            ss__describe(c, k, what, sizeof what);
            return ss__fail(c, k, "expected a digit after the decimal point, found %s", what);
        }
        while (k < n && ss__digit(t[k])) k++;
    }
    if (k < n && (t[k] == 'e' || t[k] == 'E')) {
        k++;
        if (k < n && (t[k] == '+' || t[k] == '-')) k++;
        if (k >= n || !ss__digit(t[k])) {
            ss__describe(c, k, what, sizeof what);
            return ss__fail(c, k, "expected a digit in the exponent, found %s", what);
        }
        while (k < n && ss__digit(t[k])) k++;
    }
    if (k - start > 63)
        return ss__fail(c, start, "expected a number of at most 63 characters, found one of %zu", k - start);
    c->i = k;
    return true;
}

static bool ss__chk_word(ss__chk *c)
{
    size_t start = c->i, k = c->i;
    while (k < c->n && ((c->t[k] >= 'a' && c->t[k] <= 'z') || (c->t[k] >= 'A' && c->t[k] <= 'Z') || c->t[k] == '_'))
        k++;
    size_t w = k - start;
    const char *s = c->t + start;
    if ((w == 4 && !memcmp(s, "true", 4)) || (w == 5 && !memcmp(s, "false", 5)) || (w == 4 && !memcmp(s, "null", 4))) {
        c->i = k;
        return true;
    }
    if ((w == 3 && !memcmp(s, "NaN", 3)) || (w == 8 && !memcmp(s, "Infinity", 8)))
        return ss__fail(c, start, "expected a number, found '%.*s' (NaN and Infinity are not JSON numbers)", (int)w,
                        s);
    if (w > 40) w = 40;
    return ss__fail(c, start,
                    "expected a value (object, array, \"string\", number, true, false or null), found '%.*s'%s",
                    (int)w, s, (w == 4 && !memcmp(s, "True", 4)) || (w == 5 && !memcmp(s, "False", 5)) ? " (JSON literals are lower case)" : "");
}

/* After an object member's or array element's value: ',' and another item (returns 1:
 * go on), the closing bracket (returns 0: done, consumed), or an error naming what was
 * found (returns -1). A trailing comma before the bracket is an error. */
static int ss__chk_after_item(ss__chk *c, char close, size_t saved, const char *item, const char *where)
{
    char what[48];
    ss__skip_ws(c);
    if (c->i < c->n && c->t[c->i] == ',') {
        size_t comma = c->i;
        c->i++;
        ss__skip_ws(c);
        if (c->i < c->n && c->t[c->i] == close) {
            ss__fail(c, comma, "expected another %s after ',', found '%c' (JSON allows no trailing comma)", item, close);
            return -1;
        }
        ss__path_pop(c, saved);
        return 1;
    }
    if (c->i < c->n && c->t[c->i] == close) {
        ss__path_pop(c, saved);
        c->i++;
        return 0;
    }
    ss__describe(c, c->i, what, sizeof what);
    ss__fail(c, c->i, "expected ',' or '%c' %s, found %s", close, where, what);
    return -1;
}

static bool ss__chk_object(ss__chk *c)
{
    char what[48];
    c->i++;
    ss__skip_ws(c);
    if (c->i < c->n && c->t[c->i] == '}') {
        c->i++;
        return true;
    }
    for (;;) {
        if (c->i >= c->n || c->t[c->i] != '"') {
            ss__describe(c, c->i, what, sizeof what);
            if (c->i < c->n && c->t[c->i] == '\'')
                return ss__fail(c, c->i, "expected a key in double quotes, found %s (JSON strings use \")", what);
            return ss__fail(c, c->i, "expected a key in double quotes or '}', found %s", what);
        }
        size_t kstart = c->i;
        if (!ss__chk_string(c)) return false;
        size_t saved = c->plen;
        ss__path_push_key(c, kstart + 1, c->i - 1);
        ss__skip_ws(c);
        if (c->i >= c->n || c->t[c->i] != ':') {
            ss__describe(c, c->i, what, sizeof what);
            return ss__fail(c, c->i, "expected ':' after the key, found %s", what);
        }
        c->i++;
        ss__skip_ws(c);
        if (!ss__chk_value(c)) return false;
        int r = ss__chk_after_item(c, '}', saved, "member", "after the member's value");
        if (r <= 0) return r == 0;
    }
}

static bool ss__chk_array(ss__chk *c)
{
    c->i++;
    ss__skip_ws(c);
    if (c->i < c->n && c->t[c->i] == ']') {
        c->i++;
        return true;
    }
    for (int idx = 0;; idx++) {
        size_t saved = c->plen;
        ss__path_push_index(c, idx);
        if (!ss__chk_value(c)) return false;
        int r = ss__chk_after_item(c, ']', saved, "element", "after an array element");
        if (r <= 0) return r == 0;
    }
}

static bool ss__chk_value(ss__chk *c)
{
    char what[48];
    if (c->i >= c->n) return ss__fail(c, c->i, "expected a value, found end of file");
    char ch = c->t[c->i];
    if (ch == '{' || ch == '[') {
        if (++c->depth > SS_JSON_MAX_DEPTH)
            return ss__fail(c, c->i, "expected at most %d nested objects/arrays, found deeper nesting",
                            SS_JSON_MAX_DEPTH);
        bool ok = ch == '{' ? ss__chk_object(c) : ss__chk_array(c);
        c->depth--;
        return ok;
    }
    if (ch == '"') return ss__chk_string(c);
    if (ch == '-' || ss__digit(ch)) return ss__chk_number(c);
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) return ss__chk_word(c);
    ss__describe(c, c->i, what, sizeof what);
    if (ch == '\'') return ss__fail(c, c->i, "expected a value, found %s (JSON strings use double quotes)", what);
    if (ch == '+') return ss__fail(c, c->i, "expected a value, found '+' (a JSON number has no leading '+')");
    if (ch == '.') return ss__fail(c, c->i, "expected a value, found '.' (a JSON number starts with a digit)");
    if (ch == '/')
        return ss__fail(c, c->i, "expected a value, found '/' (JSON has no comments; use a \"$comment\" member)");
    return ss__fail(c, c->i, "expected a value (object, array, \"string\", number, true, false or null), found %s",
                    what);
}

bool ss_json_check_syntax(const char *text, size_t len, ss_json_syntax_error *err)
{
    ss__chk c = {.t = text, .n = len, .err = err};
    if (err) memset(err, 0, sizeof *err);
    for (size_t k = 0; k < len; k++)
        if (text[k] == '\0') return ss__fail(&c, k, "expected text, found a NUL byte (is this a binary file?)");
    c.i = ss__bom(text, len);
    ss__skip_ws(&c);
    if (c.i >= len) return ss__fail(&c, c.i, "expected a JSON value, found an empty file");
    if (!ss__chk_value(&c)) return false;
    ss__skip_ws(&c);
    if (c.i < len) {
        char what[48];
        ss__describe(&c, c.i, what, sizeof what);
        return ss__fail(&c, c.i, "expected the end of the file after the top-level value, found %s", what);
    }
    return true;
}

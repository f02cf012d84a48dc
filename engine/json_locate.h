/* json_locate.h: source positions in JSON text, which cJSON does not keep.
 *
 * cJSON turns text into a tree and forgets where each value came from. A validator
 * that reports `file:line:col: json.path: message` needs the way back: given the text
 * and a path (object keys and array indices), ss_json_locate() scans the text and
 * returns where that value starts, and where its key starts when it is an object
 * member. ss_json_check_syntax() is a strict JSON (RFC 8259) syntax check that says
 * where the first error is and what was expected there; run it before cJSON so a file
 * that is not JSON gets a precise message.
 *
 * Positions: line and column are 1-based; a column counts characters (UTF-8 code
 * points), a tab counts as one; "\r\n", "\n" and a lone "\r" each end a line; a UTF-8
 * byte order mark at the start is skipped. Keys are compared after decoding their
 * escapes ("\u0041" matches "A"), the way cJSON stores them. With duplicate keys,
 * `occurrence` picks which one (0 = first, as cJSON's lookups see it).
 * This module does not build a tree, allocate, or print.
 */
#ifndef SS_JSON_LOCATE_H
#define SS_JSON_LOCATE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ss_json_pos {
    size_t offset; /* byte offset into the text */
    int line;      /* 1-based */
    int col;       /* 1-based, characters */
} ss_json_pos;

/* One step of a path: an object member (key != NULL; occurrence-th member with that
 * key, 0 = first) or an array element (key == NULL; index from 0). */
typedef struct ss_json_seg {
    const char *key;
    int index;
    int occurrence;
} ss_json_seg;

typedef struct ss_json_loc {
    ss_json_pos value;  /* first character of the value ('{', '[', '"', digit, ...) */
    ss_json_pos key;    /* opening quote of the member's key (when has_key) */
    bool has_key;
    size_t value_len;   /* bytes of the value's text (a whole object/array included) */
} ss_json_loc;

/* Finds the value at segs[0..nsegs) (nsegs == 0: the document's root value). Returns
 * false when the path does not exist or the text is not valid JSON along the way. */
bool ss_json_locate(const char *text, size_t len, const ss_json_seg *segs, int nsegs, ss_json_loc *out);

/* Same with a path string: keys separated by '.', indices in brackets:
 * "deformity.rotation_deg.L1", "task.expected_interspaces[1]", "variants[0].path";
 * "" or "$" is the root. Keys containing '.', '[' or ']' cannot be named this way. */
bool ss_json_locate_path(const char *text, size_t len, const char *path, ss_json_loc *out);

/* Line and column of a byte offset (offset > len is clamped to len). */
ss_json_pos ss_json_pos_at(const char *text, size_t len, size_t offset);

enum { SS_JSON_SYNTAX_PATH_MAX = 160, SS_JSON_SYNTAX_MESSAGE_MAX = 200 };
/* Nesting deeper than this is reported as an error (cJSON's own limit is 1000). */
enum { SS_JSON_MAX_DEPTH = 128 };

typedef struct ss_json_syntax_error {
    ss_json_pos pos;                          /* where the error is */
    char path[SS_JSON_SYNTAX_PATH_MAX];       /* the member being read there ("" = root) */
    char message[SS_JSON_SYNTAX_MESSAGE_MAX]; /* "expected ',' or '}' after a member, found 'x'" */
} ss_json_syntax_error;

/* True when the text is one valid JSON value (surrounded by optional whitespace).
 * Otherwise fills *err (may be NULL) for the first error and returns false. Also
 * rejects what cJSON would not read: numbers over 63 characters, lone UTF-16
 * surrogates in \u escapes, NUL bytes. */
bool ss_json_check_syntax(const char *text, size_t len, ss_json_syntax_error *err);

/* Length in bytes of the scalar token (number, string with its quotes, true/false/
 * null) starting at offset; 0 if none. For quoting what was found in a message. */
size_t ss_json_token_length(const char *text, size_t len, size_t offset);

#endif

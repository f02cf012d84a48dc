/* key_trust.c: see key_trust.h. */
#define _POSIX_C_SOURCE 200809L
#include "key_trust.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "paths.h"

ss_status ss_trusted_keys_load(const char *path, ss_trusted_keys *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->source, sizeof out->source, "%s", path);
    char *text = NULL;
    size_t len = 0;
    ss_status st = ss_file_read(path, 1u << 20, &text, &len);
    if (st != SS_OK) return ss_error_set(SS_ERR_IO, "trusted keys: %s", ss_error_message());
    if (memchr(text, '\0', len)) {
        free(text);
        return ss_error_set(SS_ERR_PARSE, "%s: a NUL byte: expected a text file of public keys", path);
    }
    int line = 0;
    for (char *p = text; *p;) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = '\0';
        line++;
        char *s = p;
        p = nl ? nl + 1 : p + strlen(p);
        size_t n = strlen(s);
        while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
        while (*s == ' ' || *s == '\t') s++;
        if (!*s || *s == '#') continue;
        size_t h = 0;
        while (isxdigit((unsigned char)s[h])) h++;
        if (h != 64 || (s[64] && s[64] != ' ' && s[64] != '\t')) {
            free(text);
            return ss_error_set(SS_ERR_PARSE,
                                "%s:%d: expected a public key of 64 hex digits (station.pub), optionally followed by "
                                "a label",
                                path, line);
        }
        if (out->n == SS_TRUST_MAX_KEYS) {
            free(text);
            return ss_error_set(SS_ERR_PARSE, "%s:%d: more than %d keys", path, line, SS_TRUST_MAX_KEYS);
        }
        ss_trusted_key *k = &out->keys[out->n++];
        for (int i = 0; i < 64; i++) k->public_key[i] = (char)tolower((unsigned char)s[i]);
        k->public_key[64] = '\0';
        ss_station_key_id_of(k->public_key, k->key_id);
        const char *label = s + 64;
        while (*label == ' ' || *label == '\t') label++;
        if (strlen(label) >= sizeof k->label) {
            free(text);
            return ss_error_set(SS_ERR_PARSE, "%s:%d: the label is longer than %zu bytes", path, line,
                                sizeof k->label - 1);
        }
        for (const char *c = label; *c; c++)
            if ((unsigned char)*c < 0x20) {
                free(text);
                return ss_error_set(SS_ERR_PARSE, "%s:%d: a control character in the label", path, line);
            }
        snprintf(k->label, sizeof k->label, "%s", label);
    }
    free(text);
    return SS_OK;
}

const char *ss_trusted_keys_default(void)
{
    const char *e = getenv("SONOSPINE_TRUSTED_KEYS");
    if (e) return *e ? e : NULL;
    return ss_file_exists(SS_TRUST_DEFAULT_FILE) ? SS_TRUST_DEFAULT_FILE : NULL;
}

const ss_trusted_key *ss_trusted_keys_find(const ss_trusted_keys *t, const char *public_key, const char *key_id)
{
    for (int i = 0; i < t->n; i++) {
        const ss_trusted_key *k = &t->keys[i];
        if (k->public_key[0] ? strcasecmp(k->public_key, public_key) == 0 : strcasecmp(k->key_id, key_id) == 0)
            return k;
    }
    return NULL;
}

ss_status ss_trusted_keys_one(const char *key, ss_trusted_keys *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->source, sizeof out->source, "--key");
    ss_trusted_key *k = &out->keys[0];
    char buf[SS_STATION_PK_HEX];
    const char *hex = key;
    if (!ss_hex_digits(key, 64, false) && !ss_hex_digits(key, 16, false)) {
        char *text = NULL;
        size_t n = 0;
        if (ss_file_read(key, 4096, &text, &n) != SS_OK)
            return ss_error_set(SS_ERR_IO, "--key: expected a 64-hex public key, a 16-hex key id or a station.pub file; %s",
                                ss_error_message());
        while (n > 0 && isspace((unsigned char)text[n - 1])) text[--n] = '\0';
        bool ok = ss_hex_digits(text, 64, false);
        if (ok) snprintf(buf, sizeof buf, "%s", text);
        free(text);
        if (!ok) return ss_error_set(SS_ERR_PARSE, "--key %s: expected the file to hold a public key of 64 hex digits", key);
        hex = buf;
        snprintf(k->label, sizeof k->label, "%.100s", key);
    }
    if (strlen(hex) == 16) {
        for (int i = 0; i < 16; i++) k->key_id[i] = (char)tolower((unsigned char)hex[i]);
    } else {
        for (int i = 0; i < 64; i++) k->public_key[i] = (char)tolower((unsigned char)hex[i]);
        if (!ss_station_key_id_of(k->public_key, k->key_id))
            return ss_error_set(SS_ERR_PARSE, "--key: not a public key: %s", hex);
    }
    out->n = 1;
    return SS_OK;
}

ss_status ss_trusted_keys_for(const char *key_opt, const char *file_opt, ss_trusted_keys *out, bool *any)
{
    *any = false;
    memset(out, 0, sizeof *out);
    if (key_opt) {
        ss_status st = ss_trusted_keys_one(key_opt, out);
        *any = st == SS_OK;
        return st;
    }
    const char *file = file_opt ? file_opt : ss_trusted_keys_default();
    if (!file) return SS_OK;
    ss_status st = ss_trusted_keys_load(file, out);
    *any = st == SS_OK;
    return st;
}

const char *ss_log_auth_name(ss_log_auth a)
{
    switch (a) {
    case SS_AUTH_AUTHENTIC: return "authentic";
    case SS_AUTH_UNTRUSTED: return "signed by an untrusted key";
    case SS_AUTH_UNCHECKED: return "signer not checked";
    case SS_AUTH_PREFIX: return "authentic up to its last checkpoint";
    case SS_AUTH_UNAUTHENTICATED: return "unauthenticated";
    case SS_AUTH_TAMPERED: return "tampered";
    }
    return "?";
}

ss_log_auth ss_log_authenticity(const ss_log_check *c, const ss_trusted_keys *trust, char *text, size_t n)
{
    if (c->verdict == SS_LOG_TAMPERED) {
        snprintf(text, n, "TAMPERED%s at line %ld: %s", c->bad_signature ? " (bad signature)" : "", c->bad_line,
                 c->reason);
        return SS_AUTH_TAMPERED;
    }
    if (c->verdict == SS_LOG_INCOMPLETE) {
        const ss_trusted_key *ck =
            trust && c->checkpoint_records > 0
                ? ss_trusted_keys_find(trust, c->checkpoint_public_key, c->checkpoint_key_id)
                : NULL;
        if (ck) {
            snprintf(text, n,
                     "incomplete, authentic up to its last checkpoint: records 1-%ld were signed at %s by key %s, "
                     "trusted by %s; the %ld after them are unauthenticated: %s",
                     c->checkpoint_records, c->checkpoint_utc, c->checkpoint_key_id, trust->source,
                     c->records - c->checkpoint_records, c->reason);
            return SS_AUTH_PREFIX;
        }
        snprintf(text, n, "incomplete, unauthenticated (no station signature, so it proves nothing about who wrote "
                          "it%s): %s",
                 c->checkpoint_records > 0 ? "; its last checkpoint is signed by a key not trusted here" : "",
                 c->reason);
        return SS_AUTH_UNAUTHENTICATED;
    }
    const ss_trusted_key *k = trust ? ss_trusted_keys_find(trust, c->public_key, c->key_id) : NULL;
    if (k) {
        snprintf(text, n, "authentic: %s; signer key id %s%s%s%s, trusted by %s", c->reason, c->key_id,
                 k->label[0] ? " (" : "", k->label, k->label[0] ? ")" : "", trust->source);
        return SS_AUTH_AUTHENTIC;
    }
    if (trust) {
        snprintf(text, n, "NOT AUTHENTIC: chain and signature intact, but signed by key %s, which %s does not trust",
                 c->key_id, trust->source);
        return SS_AUTH_UNTRUSTED;
    }
    snprintf(text, n, "intact, signer not checked: %s; no trusted key was given (--key, --trusted-keys, "
                      "$SONOSPINE_TRUSTED_KEYS or " SS_TRUST_DEFAULT_FILE "), so nothing ties key %s to a station",
             c->reason, c->key_id);
    return SS_AUTH_UNCHECKED;
}

/* cmd_verify.c: `sonospine verify LOG [--key K]`: checks a session log's hash chain and
 * the station's Ed25519 signature of its seal (session_log.h, station_key.h).
 * Exit 0 intact and signed; 1 tampered (first bad line named; a bad signature says so),
 * signed by another station than --key, or incomplete (ends before its seal or its
 * signature: a crash or kill, or a log nobody signed: unauthenticated, since anyone can
 * rebuild a hash chain);
 * 2 unreadable log or unusable --key.
 *
 * Trust: the log carries its signer's public key, so a valid signature alone proves
 * only that the log was not changed after some key signed it. The key id printed is
 * what ties it to a station: an examiner compares it with the station's (station.pub
 * next to the station key), or passes --key to make verify require it. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_args.h"
#include "commands.h"
#include "paths.h"
#include "session_log.h"
#include "station_key.h"

static bool ss__all_hex(const char *s, size_t n)
{
    if (strlen(s) != n) return false;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i])) return false;
    return true;
}

/* --key as a 16-hex key id, and as the whole public key (lower case) when it was given
 * as one: a 64-hex public key or a file holding one (station.pub); pk is "" for a bare
 * id. Returns false after printing why. */
static bool ss__wanted_key(const char *key, char id[SS_STATION_KEY_ID], char pk[SS_STATION_PK_HEX])
{
    pk[0] = '\0';
    char buf[SS_STATION_PK_HEX];
    const char *hex = key;
    if (!ss__all_hex(key, 64) && !ss__all_hex(key, 16)) {
        char *text = NULL;
        size_t n = 0;
        if (ss_file_read(key, 4096, &text, &n) != SS_OK) {
            fprintf(stderr,
                    "sonospine verify: --key: expected a 64-hex public key, a 16-hex key id or a station.pub file; %s\n",
                    ss_error_message());
            return false;
        }
        while (n > 0 && isspace((unsigned char)text[n - 1])) text[--n] = '\0';
        bool ok = ss__all_hex(text, 64);
        if (ok) snprintf(buf, sizeof buf, "%s", text);
        free(text);
        if (!ok) {
            fprintf(stderr, "sonospine verify: --key %s: expected the file to hold a public key of 64 hex digits\n", key);
            return false;
        }
        hex = buf;
    }
    if (strlen(hex) == 16) {
        for (int i = 0; i < 16; i++) id[i] = (char)tolower((unsigned char)hex[i]);
        id[16] = '\0';
        return true;
    }
    if (!ss_station_key_id_of(hex, id)) {
        fprintf(stderr, "sonospine verify: --key: not a public key: %s\n", hex);
        return false;
    }
    for (int i = 0; i < 64; i++) pk[i] = (char)tolower((unsigned char)hex[i]);
    pk[64] = '\0';
    return true;
}

int ss_cmd_verify(int argc, char **argv)
{
    const char *key = NULL;
    const ss_opt opts[] = {{"--key", SS_OPT_STRING, &key, 0, 0, NULL}};
    ss_args args;
    if (!ss_args_parse("verify", argc, argv, opts, 1, &args)) return SS_EXIT_USAGE;
    if (args.npositional != 1) {
        fprintf(stderr, "sonospine verify: expected one LOG file, got %d arguments\n", args.npositional);
        return SS_EXIT_USAGE;
    }
    char want[SS_STATION_KEY_ID] = "", want_pk[SS_STATION_PK_HEX] = "";
    if (key && !ss__wanted_key(key, want, want_pk)) return SS_EXIT_USAGE;
    const char *path = args.positional[0];
    ss_log_check c;
    if (ss_log_read(path, &c, NULL) != SS_OK) {
        fprintf(stderr, "sonospine verify: %s\n", ss_error_message());
        return SS_EXIT_USAGE;
    }
    switch (c.verdict) {
    case SS_LOG_INTACT:
        /* A whole public key is compared whole: the 16-digit id alone is 64 bits. */
        if (key && (strcmp(want, c.key_id) != 0 || (want_pk[0] && strcmp(want_pk, c.public_key) != 0))) {
            printf("%s: WRONG STATION: chain and signature intact, but signed by key %s, not by the required %s\n",
                   path, c.key_id, want);
            return SS_EXIT_FAILED;
        }
        printf("%s: intact: %s\nsigner key id %s (public key %s)%s\nseal hash %s\n", path, c.reason, c.key_id,
               c.public_key,
               key ? ", the one required by --key"
                   : "; the signer was not checked: compare the key id with the station's, or pass --key",
               c.seal_hash);
        return SS_EXIT_OK;
    case SS_LOG_INCOMPLETE:
        /* no signature: nothing shows who wrote it; anyone can rebuild a hash chain */
        printf("%s: incomplete, unauthenticated (no station signature, so it proves nothing about who wrote "
               "it): %s\n",
               path, c.reason);
        return SS_EXIT_FAILED;
    case SS_LOG_TAMPERED:
        if (c.bad_signature) printf("%s: TAMPERED (bad signature) at line %ld: %s\n", path, c.bad_line, c.reason);
        else printf("%s: TAMPERED at line %ld: %s\n", path, c.bad_line, c.reason);
        return SS_EXIT_FAILED;
    }
    return SS_EXIT_FAILED;
}

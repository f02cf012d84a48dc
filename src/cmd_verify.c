/* cmd_verify.c: `sonospine verify LOG [--key K | --trusted-keys FILE]`: checks a session
 * log's hash chain and the Ed25519 signature of its seal (session_log.h), then whether
 * the signer is one the verifier trusts (key_trust.h).
 * Exit 0 authentic: intact, sealed and signed by a trusted key (--key, else the
 * trusted-keys file: --trusted-keys, $SONOSPINE_TRUSTED_KEYS or /etc/sonospine/trusted-keys);
 * 1 tampered (first bad line named; a bad signature says so), signed by a key not
 * trusted, signed with no trusted key given at all (nothing ties the key to a station),
 * or incomplete (ends before its seal or its signature: a crash or kill, or a log nobody
 * signed: unauthenticated, since anyone can rebuild a hash chain);
 * 2 unreadable log, unusable --key or trusted-keys file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_args.h"
#include "commands.h"
#include "key_trust.h"
#include "session_log.h"

int ss_cmd_verify(int argc, char **argv)
{
    const char *key = NULL, *trusted = NULL;
    const ss_opt opts[] = {{"--key", SS_OPT_STRING, &key, 0, 0, NULL},
                           {"--trusted-keys", SS_OPT_STRING, &trusted, 0, 0, NULL}};
    ss_args args;
    if (!ss_args_parse("verify", argc, argv, opts, 2, &args)) return SS_EXIT_USAGE;
    if (args.npositional != 1) {
        fprintf(stderr, "sonospine verify: expected one LOG file, got %d arguments\n", args.npositional);
        return SS_EXIT_USAGE;
    }
    if (key && trusted) {
        fprintf(stderr, "sonospine verify: --key and --trusted-keys: give one (the key of one station, or a centre's "
                        "file of them)\n");
        return SS_EXIT_USAGE;
    }
    static ss_trusted_keys trust; /* 43 KB: not on the stack */
    bool any = false;
    if (ss_trusted_keys_for(key, trusted, &trust, &any) != SS_OK) {
        fprintf(stderr, "sonospine verify: %s\n", ss_error_message());
        return SS_EXIT_USAGE;
    }
    const char *path = args.positional[0];
    ss_log_check c;
    if (ss_log_read(path, &c, NULL) != SS_OK) {
        fprintf(stderr, "sonospine verify: %s\n", ss_error_message());
        return SS_EXIT_USAGE;
    }
    char text[1400];
    ss_log_auth a = ss_log_authenticity(&c, any ? &trust : NULL, text, sizeof text);
    printf("%s: %s\n", path, text);
    if (c.verdict == SS_LOG_INTACT)
        printf("signer key id %s (public key %s)\nseal hash %s\n", c.key_id, c.public_key, c.seal_hash);
    return a == SS_AUTH_AUTHENTIC ? SS_EXIT_OK : SS_EXIT_FAILED;
}

/* cmd_signer.c: `sonospine signer`: the station's signing service (log_signer.h).
 *
 * Run as its own system user (scripts/sonospine-signer.service: DynamicUser, its key in
 * the unit's StateDirectory, mode 0700, which the trainee's account cannot read). It
 * signs the seal of a log only when the log, checked here from its bytes alone, is
 *   - a whole hash chain ending with its seal, not yet signed;
 *   - an attempt on a scenario this service knows by its SHA-256 (the *.json files of
 *     its --scenarios directory, read at start);
 *   - reproduced by re-simulating its inputs: every event, the metrics and the grade
 *     equal to the bytes (session.h, ss_session_replay).
 * A checkpoint of an attempt still running (log_signer.h) needs the first two (a whole,
 * unsealed chain on a known scenario) and is signed with the service's own time.
 * Anything else is refused with the reason. One request at a time: a client that
 * does not send its request within 10 s is dropped (log_signer.c).
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_args.h"
#include "cli_case.h"
#include "commands.h"
#include "log_signer.h"
#include "paths.h"
#include "session.h"
#include "session_log.h"
#include "spine_world.h"

enum { SS__MAX_KNOWN = 512 };

typedef struct ss__known {
    char sha[SS_LOG_HASH_HEX];
    char path[1024];
} ss__known;

typedef struct ss__signer {
    ss__known *known;
    int nknown;
    char why[700];
} ss__signer;

/* Every *.json of dir that hashes (the scenarios; other JSON there, exam files, is never
 * named by a log's header, so it does no harm in the table). */
static int ss__index(ss__signer *S, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    while ((e = readdir(d)) && S->nknown < SS__MAX_KNOWN) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0) continue;
        ss__known *k = &S->known[S->nknown];
        if (strlen(dir) + n + 2 > sizeof k->path) continue;
        snprintf(k->path, sizeof k->path, "%.512s/%.500s", dir, e->d_name);
        char *text = NULL;
        size_t len = 0;
        if (ss_file_read(k->path, 4u << 20, &text, &len) != SS_OK) continue;
        ss_log_sha256_hex(text, len, k->sha);
        free(text);
        S->nknown++;
    }
    closedir(d);
    return 0;
}

static const char *ss__check(void *user, const char *log, size_t len, bool checkpoint, char *hash_out,
                             long *records_out)
{
    ss__signer *S = user;
    ss_log_check c;
    cJSON *records = NULL;
    if (ss_log_read_text(log, len, &c, &records) != SS_OK) return "not a session log";
    const char *why = NULL;
    if (c.verdict == SS_LOG_TAMPERED) {
        snprintf(S->why, sizeof S->why, "the log's chain is broken at line %ld: %s", c.bad_line, c.reason);
        why = S->why;
    } else if (c.signature_ok) why = "the log is signed already";
    else if (checkpoint && (c.sealed || c.partial_tail))
        why = c.sealed ? "the log is sealed: a checkpoint is for an attempt still running"
                       : "the log ends inside a record";
    else if (!checkpoint && (!c.sealed || c.partial_tail))
        why = "the log is not sealed (an attempt is signed once it has ended)";
    char path[1024], sha[65];
    if (!why && ss_session_log_header(records, path, sizeof path, sha) != SS_OK) why = "the log has no header record";
    const ss__known *k = NULL;
    for (int i = 0; !why && i < S->nknown && !k; i++)
        if (strcmp(S->known[i].sha, sha) == 0) k = &S->known[i];
    if (!why && !k) {
        snprintf(S->why, sizeof S->why, "scenario %.200s (SHA-256 %.12s...) is not one this station's signer knows",
                 path, sha);
        why = S->why;
    }
    if (!why && !checkpoint) {
        ss_case cs;
        if (ss_cli_load_case("signer", k->path, &cs) != 0) {
            snprintf(S->why, sizeof S->why, "scenario %.200s could not be loaded", k->path);
            why = S->why;
        } else {
            ss_world w;
            ss_case_world(&cs, &w);
            ss_replay_result r;
            if (ss_session_replay(records, &cs.scenario, &w, &r) != SS_OK) {
                snprintf(S->why, sizeof S->why, "the log does not re-simulate: %.400s", ss_error_message());
                why = S->why;
            } else if (!r.match || !r.had_metrics) {
                snprintf(S->why, sizeof S->why, "the log's results are not what its inputs give: %.400s",
                         r.had_metrics ? r.difference : "no metrics record");
                why = S->why;
            }
            ss_case_free(&cs);
        }
    }
    if (!why) {
        memcpy(hash_out, checkpoint ? c.last_hash : c.seal_hash, SS_LOG_HASH_HEX);
        *records_out = c.records;
    }
    cJSON_Delete(records);
    return why;
}

int ss_cmd_signer(int argc, char **argv)
{
    const char *socket_path = NULL, *key_path = NULL, *scen = NULL;
    int requests = 0;
    const ss_opt opts[] = {{"--socket", SS_OPT_STRING, &socket_path, 0, 0, NULL},
                           {"--key", SS_OPT_STRING, &key_path, 0, 0, NULL},
                           {"--scenarios", SS_OPT_STRING, &scen, 0, 0, NULL},
                           {"--requests", SS_OPT_INT, &requests, 1, 1000000, NULL}};
    ss_args a;
    if (!ss_args_parse("signer", argc, argv, opts, 4, &a)) return SS_EXIT_USAGE;
    if (a.npositional) {
        fprintf(stderr, "sonospine signer: takes no positional arguments (got %s)\n", a.positional[0]);
        return SS_EXIT_USAGE;
    }
    char keybuf[1024], sockbuf[1024], scenbuf[1024];
    const char *state = getenv("STATE_DIRECTORY"); /* set by systemd for the unit's StateDirectory */
    if (!key_path && state) {
        snprintf(keybuf, sizeof keybuf, "%s/signer.key", state);
        key_path = keybuf;
    }
    if (!key_path) {
        fprintf(stderr, "sonospine signer: --key FILE: where the service keeps its signing key (no default outside "
                        "systemd's StateDirectory)\n");
        return SS_EXIT_USAGE;
    }
    if (!socket_path) {
        snprintf(sockbuf, sizeof sockbuf, "%s", ss_signer_socket() ? ss_signer_socket() : SS_SIGNER_DEFAULT_SOCKET);
        socket_path = sockbuf;
    }
    if (!scen) {
        if (ss_paths_data_dir("scenarios", scenbuf, sizeof scenbuf, NULL) != SS_OK) {
            fprintf(stderr, "sonospine signer: %s\n", ss_error_message());
            return SS_EXIT_USAGE;
        }
        scen = scenbuf;
    }
    ss__signer S = {.known = calloc(SS__MAX_KNOWN, sizeof(ss__known))};
    if (!S.known) return SS_EXIT_FAILED;
    if (ss__index(&S, scen) != 0 || S.nknown == 0) {
        fprintf(stderr, "sonospine signer: --scenarios %s: no scenario files (*.json) to sign attempts on\n", scen);
        free(S.known);
        return SS_EXIT_USAGE;
    }
    ss_station_key *key = NULL;
    bool created = false;
    if (ss_station_key_open(key_path, true, &key, &created) != SS_OK) {
        fprintf(stderr, "sonospine signer: %s\n", ss_error_message());
        free(S.known);
        return SS_EXIT_USAGE;
    }
    int lfd;
    if (ss_signer_listen(socket_path, &lfd) != SS_OK) {
        fprintf(stderr, "sonospine signer: %s\n", ss_error_message());
        ss_station_key_free(key);
        free(S.known);
        return SS_EXIT_FAILED;
    }
    signal(SIGPIPE, SIG_IGN);
    printf("signer: key %s%s (public key %s; station.pub beside %s)\nsigner: %d scenarios from %s\n"
           "signer: listening on %s\n",
           ss_station_key_id(key), created ? ", made now" : "", ss_station_key_public_hex(key), key_path, S.nknown,
           scen, socket_path);
    fflush(stdout);
    for (int served = 0; requests == 0 || served < requests; served++) {
        char summary[600];
        ss_signer_serve_one(lfd, key, ss__check, &S, summary, sizeof summary);
        char when[32];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        printf("%s %s\n", when, summary);
        fflush(stdout);
    }
    ss_station_key_free(key);
    free(S.known);
    return SS_EXIT_OK;
}

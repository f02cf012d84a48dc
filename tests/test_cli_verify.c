/* test_cli_verify.c: `sonospine verify` exit codes and messages (DESIGN.md contract):
 * chain, signature, signer key id, and --key requiring one station. */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "session_log.h"
#include "test_support.h"

static ts_run_result r;
static ss_station_key *key;

static void make_log(const char *path, int events, bool seal)
{
    if (!key) {
        /* the station key the executable would use too (test_support sets the variable) */
        cr_assert_eq(ss_station_key_open(NULL, true, &key, NULL), SS_OK, "%s", ss_error_message());
    }
    ss_log_writer *w;
    cr_assert_eq(ss_log_create(path, &w), SS_OK, "%s", ss_error_message());
    for (int i = 0; i < events; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "type", "probe_contact");
        cJSON_AddNumberToObject(e, "t", i);
        cr_assert_eq(ss_log_append(w, e), SS_OK);
        cJSON_Delete(e);
    }
    if (seal) cr_assert_eq(ss_log_close_signed(w, key), SS_OK);
    else ss_log_abandon(w);
}

Test(cli_verify, intact_tampered_incomplete_unreadable)
{
    const char *dir = ts_tempdir("verify");
    char good[512], cut[512], bad[512];
    snprintf(good, sizeof good, "%s/good.jsonl", dir);
    snprintf(cut, sizeof cut, "%s/cut.jsonl", dir);
    snprintf(bad, sizeof bad, "%s/bad.jsonl", dir);
    make_log(good, 5, true);
    make_log(cut, 3, false);

    /* intact and signed, but no key given that the verifier trusts: a fresh key signs as
     * well as the station's, so that proves nothing about who wrote it (issue 23) */
    const char *a0[] = {"verify", good, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a0), 1, "stdout %s stderr %s", r.out, r.err);
    cr_assert(strstr(r.out, "intact, signer not checked") && strstr(r.out, "no trusted key was given"), "%s", r.out);
    const char *a1[] = {"verify", good, "--key", ts_station_pub(), NULL};
    cr_assert_eq(ts_run_sonospine(&r, a1), 0, "stdout %s stderr %s", r.out, r.err);
    cr_assert(strstr(r.out, "authentic"));
    char idline[64];
    snprintf(idline, sizeof idline, "signer key id %s", ss_station_key_id(key));
    cr_assert(strstr(r.out, idline), "verify names the signer: %s", r.out);

    const char *a2[] = {"verify", cut, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a2), 1);
    cr_assert(strstr(r.out, "incomplete, unauthenticated"), "%s", r.out);

    /* Change one digit of the third record's time: "t":2 -> "t":7 */
    char *text;
    size_t n;
    cr_assert_eq(ss_file_read(good, 1 << 20, &text, &n), SS_OK);
    char *third = strstr(text, "\"t\":2");
    cr_assert_not_null(third);
    third[4] = '7';
    cr_assert_eq(ts_write_file(bad, text), 0);
    free(text);
    const char *a3[] = {"verify", bad, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a3), 1);
    cr_assert(strstr(r.out, "TAMPERED at line 3"), "%s", r.out);

    const char *a4[] = {"verify", dir, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a4), 2);
    cr_assert(strstr(r.err, "is a directory"), "%s", r.err);

    const char *a5[] = {"verify", NULL};
    cr_assert_eq(ts_run_sonospine(&r, a5), 2);
    ts_rmtree(dir);
}

Test(cli_verify, signature_and_required_station)
{
    const char *dir = ts_tempdir("verify-sig");
    char good[512], forged[512], unsigned_log[512], other_pub[512], other_key[512];
    snprintf(good, sizeof good, "%s/good.jsonl", dir);
    snprintf(forged, sizeof forged, "%s/forged.jsonl", dir);
    snprintf(unsigned_log, sizeof unsigned_log, "%s/unsigned.jsonl", dir);
    snprintf(other_key, sizeof other_key, "%s/other/station.key", dir);
    snprintf(other_pub, sizeof other_pub, "%s/other/station.pub", dir);
    make_log(good, 4, true);

    /* --key as the public key, the key id, and this station's station.pub */
    char pub[600];
    snprintf(pub, sizeof pub, "%s", ss_station_key_path(key));
    snprintf(strrchr(pub, '/') + 1, 20, "station.pub");
    const char *keys[] = {ss_station_key_public_hex(key), ss_station_key_id(key), pub};
    for (int i = 0; i < 3; i++) {
        const char *a[] = {"verify", good, "--key", keys[i], NULL};
        cr_assert_eq(ts_run_sonospine(&r, a), 0, "--key %s: %s %s", keys[i], r.out, r.err);
        cr_assert(strstr(r.out, "authentic") && strstr(r.out, "trusted by --key"), "%s", r.out);
    }

    /* another station's key: intact, but not the station required */
    ss_station_key *k2;
    cr_assert_eq(ss_station_key_open(other_key, true, &k2, NULL), SS_OK);
    const char *a1[] = {"verify", good, "--key", other_pub, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a1), 1, "%s", r.out);
    cr_assert(strstr(r.out, "NOT AUTHENTIC") && strstr(r.out, ss_station_key_id(key)), "%s", r.out);

    /* a forger who rebuilds the chain after an edit cannot rebuild the signature: here the
     * whole log is re-written by another key's holder pretending to be this station */
    ss_log_writer *w;
    cr_assert_eq(ss_log_create(forged, &w), SS_OK);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "type", "probe_contact");
    cr_assert_eq(ss_log_append(w, e), SS_OK);
    cJSON_Delete(e);
    cr_assert_eq(ss_log_close_signed(w, k2), SS_OK);
    /* claim this station: swap in its public key and id, then re-hash the last line */
    cJSON *recs = NULL;
    ss_log_check c;
    cr_assert_eq(ss_log_read(forged, &c, &recs), SS_OK);
    cr_assert_eq(c.verdict, SS_LOG_INTACT, "signed by the other key before the swap: %s", c.reason);
    remove(forged);
    cr_assert_eq(ss_log_create(forged, &w), SS_OK);
    cJSON *rec;
    cJSON_ArrayForEach(rec, recs)
    {
        cJSON_DeleteItemFromObject(rec, "seq");
        cJSON_DeleteItemFromObject(rec, "prev");
        if (cJSON_GetObjectItem(rec, "sig")) {
            cJSON_ReplaceItemInObject(rec, "public_key", cJSON_CreateString(ss_station_key_public_hex(key)));
            cJSON_ReplaceItemInObject(rec, "key_id", cJSON_CreateString(ss_station_key_id(key)));
        }
        cr_assert_eq(ss_log_append(w, rec), SS_OK);
    }
    ss_log_abandon(w);
    cJSON_Delete(recs);
    const char *a2[] = {"verify", forged, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a2), 1, "%s", r.out);
    cr_assert(strstr(r.out, "TAMPERED (bad signature) at line 3"), "%s", r.out);

    /* sealed without a key: incomplete, never intact */
    cr_assert_eq(ss_log_create(unsigned_log, &w), SS_OK);
    cr_assert_eq(ss_log_close(w), SS_OK);
    const char *a3[] = {"verify", unsigned_log, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a3), 1);
    cr_assert(strstr(r.out, "incomplete, unauthenticated") && strstr(r.out, "before its signature"), "%s", r.out);

    /* an unusable --key is bad usage */
    const char *a4[] = {"verify", good, "--key", "not-a-key", NULL};
    cr_assert_eq(ts_run_sonospine(&r, a4), 2);
    cr_assert(strstr(r.err, "--key") && strstr(r.err, "not-a-key"), "%s", r.err);
    ss_station_key_free(k2);
    ts_rmtree(dir);
}

/* A centre's trusted-keys file (key_trust.h): authentic only for a key it lists; the
 * label it gives is printed; $SONOSPINE_TRUSTED_KEYS names it when --trusted-keys does
 * not; a malformed file is bad input naming the file and line. */
Test(cli_verify, trusted_keys_file)
{
    const char *dir = ts_tempdir("verify-trust");
    char good[512], tk[512], other[512], badf[512], text[800], k2path[512];
    snprintf(good, sizeof good, "%s/good.jsonl", dir);
    snprintf(tk, sizeof tk, "%s/trusted-keys", dir);
    snprintf(other, sizeof other, "%s/other-keys", dir);
    snprintf(badf, sizeof badf, "%s/bad-keys", dir);
    snprintf(k2path, sizeof k2path, "%s/k2/station.key", dir);
    make_log(good, 3, true);
    ss_station_key *k2;
    cr_assert_eq(ss_station_key_open(k2path, true, &k2, NULL), SS_OK);
    snprintf(text, sizeof text, "# Ward 3\n\n%s   Ward 3 trainer\n%s\n", ss_station_key_public_hex(k2),
             ss_station_key_public_hex(key));
    cr_assert_eq(ts_write_file(tk, text), 0);
    snprintf(text, sizeof text, "%s other centre\n", ss_station_key_public_hex(k2));
    cr_assert_eq(ts_write_file(other, text), 0);
    cr_assert_eq(ts_write_file(badf, "# keys\nabc123 not a key\n"), 0);

    const char *a1[] = {"verify", good, "--trusted-keys", tk, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a1), 0, "%s %s", r.out, r.err);
    cr_assert(strstr(r.out, "authentic") && strstr(r.out, tk), "%s", r.out);
    const char *a2[] = {"verify", good, "--trusted-keys", other, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a2), 1, "%s", r.out);
    cr_assert(strstr(r.out, "NOT AUTHENTIC") && strstr(r.out, other), "%s", r.out);
    const char *a3[] = {"verify", good, "--trusted-keys", badf, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a3), 2, "%s", r.out);
    cr_assert(strstr(r.err, "bad-keys:2:") && strstr(r.err, "64 hex digits"), "%s", r.err);
    const char *a4[] = {"verify", good, "--key", ts_station_pub(), "--trusted-keys", tk, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a4), 2, "one trust source at a time: %s", r.err);

    /* the environment names the file when the command line does not */
    const char *saved = getenv("SONOSPINE_TRUSTED_KEYS");
    char keep[1024];
    snprintf(keep, sizeof keep, "%s", saved ? saved : "");
    setenv("SONOSPINE_TRUSTED_KEYS", other, 1);
    const char *a5[] = {"verify", good, NULL};
    cr_assert_eq(ts_run_sonospine(&r, a5), 1, "%s", r.out);
    cr_assert(strstr(r.out, "NOT AUTHENTIC"), "%s", r.out);
    setenv("SONOSPINE_TRUSTED_KEYS", tk, 1);
    cr_assert_eq(ts_run_sonospine(&r, a5), 0, "%s", r.out);
    setenv("SONOSPINE_TRUSTED_KEYS", keep, 1);
    ss_station_key_free(k2);
    ts_rmtree(dir);
}

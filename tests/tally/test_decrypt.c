/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_decrypt.c -- a trustee decrypts only what it has verified
 * (docs/spec/record.md; issue 15, finding 2):
 *   - an aggregate.json planted by the returning officer (one voter's
 *     ciphertexts, or two selections swapped) is refused by decrypt,
 *     naming both hashes, and nothing is written;
 *   - a tampered station record makes decrypt refuse (it rebuilds);
 *   - partial proofs are bound to the aggregate and the selection: a
 *     share moved to another selection, or proved for another aggregate,
 *     is refused at combine even when its trustee signed it;
 *   - a partial altered in transit (not re-signed), a round-1 partial
 *     copied into the run-off, a second decrypt, a wrong index.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/elgamal.h"
#include "crypto/proof.h"
#include "crypto/sig.h"
#include "crypto/util.h"
#include "fixture.h"
#include "tally/ceremony.h"
#include "tally/count.h"
#include "tally/decrypt.h"
#include "tally/tsig.h"
#include "testutil.h"
#include "tmpsuite.h"

TEST_TMP_DIR

TEST_TMP_SUITE(decrypt);

static const uint8_t six[6 * FX_NOPT] = {
    1, 0, 1, 1, 1, 0, 0, /**/ 1, 0, 1, 1, 0, 1, 0, /**/ 1, 0, 1, 1, 1, 0, 0,
    0, 1, 1, 1, 0, 1, 0, /**/ 0, 1, 1, 1, 0, 0, 1, /**/ 0, 1, 1, 0, 0, 0, 0,
};

static rec_election *tallied(const char *name)
{
	char msg[768] = "";
	tally_opts o = {2, 0};
	rec_election *el = fx_init(tmp, name, "hq-test", 2, 3, NULL);
	fx_ceremony(el, tmp, name);
	fx_station_marks(el, "s1", six, 4, 4);
	fx_station_marks(el, "s2", six + 4 * FX_NOPT, 2, 3);
	cr_assert_eq(tally_run(el, &o, msg, sizeof msg), Q_OK, "%s", msg);
	return el;
}

static qerr decrypt_as(rec_election *el, const char *name, uint32_t i, char *msg, size_t msgsz)
{
	char kp[1024], pw[32];
	fx_key_path(kp, sizeof kp, tmp, name, i);
	fx_pass(i, pw, sizeof pw);
	return tally_decrypt(el, i, kp, pw, strlen(pw), NULL, NULL, msg, msgsz);
}

/* Trustee i's key share and signing key (a trustee acting on its own). */
static void trustee_key(rec_election *el, const char *name, uint32_t i, scalar *s, sig_secret *sk)
{
	char kp[1024], pw[32], msg[256] = "";
	fx_key_path(kp, sizeof kp, tmp, name, i);
	fx_pass(i, pw, sizeof pw);
	cr_assert_eq(ceremony_key_open(el, i, kp, pw, strlen(pw), s, sk, msg, sizeof msg), Q_OK,
	             "%s", msg);
}

static char *rel_path(const rec_election *el, const char *rel)
{
	static char p[1200];
	snprintf(p, sizeof p, "%s/%s", el->dir, rel);
	return p;
}

static json_t *read_rel(const rec_election *el, const char *rel)
{
	char msg[512] = "";
	json_t *j = NULL;
	cr_assert_eq(rec_read_json(rel_path(el, rel), &j, msg, sizeof msg), Q_OK, "%s", msg);
	return j;
}

/* Issue 15 finding 2, as shown: the returning officer writes an
 * aggregate.json that holds one voter's ciphertexts. */
Test(decrypt, planted_aggregate_of_one_ballot_is_refused)
{
	rec_election *el = tallied("e");
	char msg[768] = "";
	/* one voter's ballot, as any observer can copy it from the record */
	uint8_t *enc = NULL;
	size_t len;
	fx_encrypt(el, six, &enc, &len);
	ballot_style *st = NULL;
	point *K = NULL;
	cr_assert_eq(rec_ballot_style(el, &st, msg, sizeof msg), Q_OK);
	cr_assert_eq(rec_load_joint_key(el, &K, NULL, msg, sizeof msg), Q_OK);
	point_table *Kt = point_table_new(K);
	tally_item it = {enc, len};
	elgamal_ct **agg = NULL;
	size_t bad;
	char why[256];
	cr_assert_eq(
	    tally_verify_aggregate(st, K, Kt, &it, 1, 1, NULL, NULL, &agg, &bad, why, sizeof why),
	    Q_OK, "%s", why);
	json_t *a = read_rel(el, "tally/aggregate.json");
	size_t s = 0, ci;
	json_t *c;
	json_array_foreach(json_object_get(a, "contests"), ci, c)
	{
		size_t si;
		json_t *sel;
		json_array_foreach(json_object_get(c, "selections"), si, sel)
		{
			uint8_t cb[ELGAMAL_CT_LEN];
			char hx[2 * ELGAMAL_CT_LEN + 1];
			cr_assert_eq(elgamal_ct_encode(cb, agg[s++]), Q_OK);
			hex_encode(hx, cb, sizeof cb);
			json_object_set_new(sel, "ciphertext", json_string(hx));
		}
	}
	cr_assert_eq(rec_write_json(rel_path(el, "tally/aggregate.json"), a, 0, msg, sizeof msg),
	             Q_OK);
	qerr e = decrypt_as(el, "e", 1, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_CONSISTENCY, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg, "is not the aggregate of the verified station records") != NULL, "%s",
	          msg);
	cr_assert(strstr(msg, "SHA-256") != NULL, "%s", msg);
	cr_assert_neq(access(rel_path(el, "tally/partials/1.json"), F_OK), 0, "nothing decrypted");
	for (size_t x = 0; x < st->total_options; x++)
		elgamal_ct_free(agg[x]);
	free(agg);
	json_decref(a);
	free(enc);
	point_table_free(Kt);
	point_free(K);
	ballot_style_free(st);
	rec_free(el);
}

Test(decrypt, aggregate_with_two_selections_swapped_is_refused)
{
	rec_election *el = tallied("e");
	char msg[768] = "";
	json_t *a = read_rel(el, "tally/aggregate.json");
	json_t *sels =
	    json_object_get(json_array_get(json_object_get(a, "contests"), 1), "selections");
	json_t *c0 = json_deep_copy(json_object_get(json_array_get(sels, 0), "ciphertext"));
	json_object_set(json_array_get(sels, 0), "ciphertext",
	                json_object_get(json_array_get(sels, 1), "ciphertext"));
	json_object_set_new(json_array_get(sels, 1), "ciphertext", c0);
	cr_assert_eq(rec_write_json(rel_path(el, "tally/aggregate.json"), a, 0, msg, sizeof msg),
	             Q_OK);
	cr_assert_eq(decrypt_as(el, "e", 2, msg, sizeof msg), Q_ERR_CONSISTENCY, "%s", msg);
	json_decref(a);
	rec_free(el);
}

Test(decrypt, tampered_station_record_is_not_decrypted)
{
	rec_election *el = tallied("e");
	char msg[768] = "";
	size_t l;
	char *r = test_read_file(rel_path(el, "stations/s2/station-record.json"), &l);
	char *q = strstr(r, "\"issued\":3");
	cr_assert_not_null(q, "%s", r);
	q[9] = '5';
	cr_assert_eq(test_write_file(rel_path(el, "stations/s2/station-record.json"), r, l), 0);
	free(r);
	qerr e = decrypt_as(el, "e", 1, msg, sizeof msg);
	cr_assert_neq(e, Q_OK);
	cr_assert(strstr(msg, "cannot be rebuilt") != NULL && strstr(msg, "s2") != NULL, "%s", msg);
	rec_free(el);
}

/* Re-write trustee i's partial with shares from (x, y) swapped and signed
 * by trustee i itself: a trustee (or anyone with its key) relabelling. */
static void swap_shares_signed(rec_election *el, uint32_t i, size_t x, size_t y)
{
	char rel[64], msg[512] = "";
	scalar *s = scalar_new();
	sig_secret sk;
	snprintf(rel, sizeof rel, "tally/partials/%u.json", i);
	json_t *p = read_rel(el, rel);
	json_t *sh = json_object_get(p, "shares");
	json_t *a = json_deep_copy(json_array_get(sh, x));
	json_array_set(sh, x, json_array_get(sh, y));
	json_array_set_new(sh, y, a);
	trustee_key(el, "e", i, s, &sk);
	cr_assert_eq(unlink(rel_path(el, rel)), 0);
	cr_assert_eq(tsig_write_json(el, i, &sk, rel, p, 1, msg, sizeof msg), Q_OK, "%s", msg);
	sig_secret_wipe(&sk);
	scalar_free(s);
	json_decref(p);
}

Test(decrypt, partial_moved_to_another_selection_is_refused_at_combine)
{
	rec_election *el = tallied("e");
	char msg[768] = "";
	combine_report rep;
	for (uint32_t i = 1; i <= 3; i++)
		cr_assert_eq(decrypt_as(el, "e", i, msg, sizeof msg), Q_OK, "%s", msg);
	/* trustee 1 relabels: selection 2's share and proof at 3, and back.
	 * Before the proofs were bound to their place this verified only if
	 * both selections had equal ciphertexts; now it never does. */
	swap_shares_signed(el, 1, 2, 3);
	cr_assert_eq(tally_combine(el, &rep, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(rep.nskipped, 1);
	cr_assert_eq(rep.skipped[0], 1, "trustee 1's relabelled partial is skipped");
	cr_assert_eq(rep.nused, 2);
	cr_assert_eq(rep.used[0], 2);
	rec_free(el);
}

/* A proof made for another aggregate (a decryption obtained elsewhere),
 * carried into this partial under this aggregate's hash, is refused. */
Test(decrypt, share_proved_for_another_aggregate_is_refused)
{
	rec_election *el = tallied("e");
	char msg[768] = "", rel[] = "tally/partials/2.json";
	for (uint32_t i = 1; i <= 2; i++)
		cr_assert_eq(decrypt_as(el, "e", i, msg, sizeof msg), Q_OK, "%s", msg);
	scalar *s = scalar_new();
	sig_secret sk;
	trustee_key(el, "e", 2, s, &sk);
	json_t *p = read_rel(el, rel);
	json_t *a = read_rel(el, "tally/aggregate.json");
	/* selection (contest 0, option 0): same M, proof under another
	 * aggregate hash (R-7.1 ctx) */
	uint8_t other[32], ctx[32], Ab[ELGAMAL_CT_LEN], pb[CP_PROOF_LEN];
	char hx[2 * CP_PROOF_LEN + 1];
	memset(other, 0x5a, sizeof other);
	rec_partial_ctx(ctx, el->base_hash, 2, other, 0, 0);
	json_t *ct = json_object_get(
	    json_array_get(
	        json_object_get(json_array_get(json_object_get(a, "contests"), 0), "selections"),
	        0),
	    "ciphertext");
	cr_assert_eq(hex_decode(Ab, sizeof Ab, json_string_value(ct), json_string_length(ct)),
	             Q_OK);
	point *A = point_new(), *M = point_new(), *S = point_new();
	cp_proof *pf = cp_proof_new();
	cr_assert_eq(point_decode(A, Ab, 65), Q_OK);
	cr_assert_eq(point_mul(M, s, A), Q_OK);
	cr_assert_eq(point_mul_base(S, s), Q_OK);
	cr_assert_eq(cp_prove(pf, ctx, S, A, M, s), Q_OK);
	cp_proof_encode(pb, pf);
	hex_encode(hx, pb, sizeof pb);
	json_object_set_new(json_array_get(json_object_get(p, "shares"), 0), "proof",
	                    json_string(hx));
	cr_assert_eq(unlink(rel_path(el, rel)), 0);
	cr_assert_eq(tsig_write_json(el, 2, &sk, rel, p, 1, msg, sizeof msg), Q_OK, "%s", msg);
	/* only trustees 1 and 2 decrypted: 2's partial is refused, k not met */
	qerr e = tally_combine(el, NULL, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_PROOF, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg, "2 (") != NULL && strstr(msg, "Chaum-Pedersen") != NULL, "%s", msg);
	sig_secret_wipe(&sk);
	scalar_free(s);
	point_free(A);
	point_free(M);
	point_free(S);
	cp_proof_free(pf);
	json_decref(p);
	json_decref(a);
	rec_free(el);
}

Test(decrypt, partial_altered_in_transit_is_refused)
{
	rec_election *el = tallied("e");
	char msg[768] = "";
	for (uint32_t i = 1; i <= 2; i++)
		cr_assert_eq(decrypt_as(el, "e", i, msg, sizeof msg), Q_OK, "%s", msg);
	size_t l;
	char *b = test_read_file(rel_path(el, "tally/partials/1.json"), &l);
	char *q = strstr(b, "\"M\": \"04");
	cr_assert_not_null(q);
	q[10] = q[10] == '0' ? '1' : '0';
	cr_assert_eq(test_write_file(rel_path(el, "tally/partials/1.json"), b, l), 0);
	free(b);
	cr_assert_eq(tally_combine(el, NULL, msg, sizeof msg), Q_ERR_PROOF, "%s", msg);
	cr_assert(strstr(msg, "not trustee 1's") != NULL, "%s", msg);
	/* a missing signature file is the same */
	cr_assert_eq(unlink(rel_path(el, "tally/partials/2.json.sig")), 0);
	cr_assert_eq(tally_combine(el, NULL, msg, sizeof msg), Q_ERR_PROOF, "%s", msg);
	cr_assert(strstr(msg, "no signature file") != NULL, "%s", msg);
	rec_free(el);
}

Test(decrypt, second_decrypt_and_bad_index_are_refused)
{
	rec_election *el = tallied("e");
	char msg[768] = "";
	cr_assert_eq(decrypt_as(el, "e", 1, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(decrypt_as(el, "e", 1, msg, sizeof msg), Q_ERR_EXISTS, "%s", msg);
	cr_assert_eq(decrypt_as(el, "e", 4, msg, sizeof msg), Q_ERR_ARG, "%s", msg);
	/* trustee 3's key file used as trustee 2 */
	char kp[1024];
	fx_key_path(kp, sizeof kp, tmp, "e", 3);
	cr_assert_eq(tally_decrypt(el, 2, kp, "pass-3", 6, NULL, NULL, msg, sizeof msg),
	             Q_ERR_FORMAT, "%s", msg);
	rec_free(el);
}

Test(decrypt, round_one_partial_copied_into_the_runoff_is_refused)
{
	rec_election *el = tallied("e");
	char msg[768] = "";
	for (uint32_t i = 1; i <= 2; i++)
		cr_assert_eq(decrypt_as(el, "e", i, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(tally_combine(el, NULL, msg, sizeof msg), Q_OK, "%s", msg);
	rec_election *r2 = fx_init(tmp, "r2", "hq-test", 0, 0, el->dir);
	/* the run-off's ballot: c1, c2 | m3, m4 (E-5) */
	static const uint8_t r2six[6 * 4] = {1, 0, 1, 0, /**/ 0, 1, 0, 1, /**/ 1, 0, 0, 1,
	                                     0, 1, 1, 0, /**/ 1, 0, 1, 0, /**/ 0, 1, 0, 1};
	fx_station_marks(r2, "s1", r2six, 3, 3);
	fx_station_marks(r2, "s2", r2six + 3 * 4, 3, 3);
	tally_opts o = {2, 0};
	cr_assert_eq(tally_run(r2, &o, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(decrypt_as(r2, "e", 1, msg, sizeof msg), Q_OK, "%s", msg);
	/* round 1's partial of trustee 2, with its signature (the signature
	 * itself still verifies: same key ceremony, same path) */
	for (int sig = 0; sig < 2; sig++) {
		size_t l;
		char from[1200];
		snprintf(from, sizeof from, "%s/tally/partials/2.json%s", el->dir,
		         sig ? ".sig" : "");
		char *b = test_read_file(from, &l);
		char to[1200];
		snprintf(to, sizeof to, "%s/tally/partials/2.json%s", r2->dir, sig ? ".sig" : "");
		cr_assert_eq(test_write_file(to, b, l), 0);
		free(b);
	}
	cr_assert_eq(tally_combine(r2, NULL, msg, sizeof msg), Q_ERR_PROOF, "%s", msg);
	cr_assert(strstr(msg, "another election or round") != NULL, "%s", msg);
	rec_free(r2);
	rec_free(el);
}

/* ---- load_partial's refusals (issue 20 item 10): a partial signed by
 * its own trustee but wrong inside; combine names the reason ---- */

/* Re-sign trustee i's partial p (in election name) as trustee i. */
static void resign_partial(rec_election *el, const char *name, uint32_t i, json_t *p)
{
	char rel[64], msg[512] = "";
	scalar *s = scalar_new();
	sig_secret sk;
	snprintf(rel, sizeof rel, "tally/partials/%u.json", i);
	trustee_key(el, name, i, s, &sk);
	cr_assert_eq(unlink(rel_path(el, rel)), 0);
	cr_assert_eq(tsig_write_json(el, i, &sk, rel, p, 1, msg, sizeof msg), Q_OK, "%s", msg);
	sig_secret_wipe(&sk);
	scalar_free(s);
}

/* Trustees 1 and 2 decrypt (k = 2); edit(partial of 1) re-signed by 1;
 * combine must fail with Q_ERR_FORMAT naming trustee 1 and `want`. */
static void refused_partial(rec_election *el, const char *name, void (*edit)(json_t *),
                            const char *want)
{
	char msg[768] = "";
	for (uint32_t i = 1; i <= 2; i++)
		cr_assert_eq(decrypt_as(el, name, i, msg, sizeof msg), Q_OK, "%s", msg);
	json_t *p = read_rel(el, "tally/partials/1.json");
	edit(p);
	resign_partial(el, name, 1, p);
	json_decref(p);
	qerr e = tally_combine(el, NULL, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_PROOF, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg, "1 (") != NULL, "names trustee 1: %s", msg);
	cr_assert(strstr(msg, want) != NULL, "says \"%s\": %s", want, msg);
}

static void drop_last_share(json_t *p)
{
	json_t *sh = json_object_get(p, "shares");
	cr_assert_eq(json_array_remove(sh, json_array_size(sh) - 1), 0);
}

static void bad_proof(json_t *p)
{
	char hx[2 * CP_PROOF_LEN + 1];
	memset(hx, 'f', 2 * CP_PROOF_LEN); /* c = v = 2^256 - 1 > n */
	hx[2 * CP_PROOF_LEN] = '\0';
	json_object_set_new(json_array_get(json_object_get(p, "shares"), 0), "proof",
	                    json_string(hx));
}

static void other_trustee(json_t *p)
{
	json_object_set_new(p, "trustee", json_integer(3));
}

static void other_format(json_t *p)
{
	json_object_set_new(p, "format", json_string("quorum-partial/1"));
}

Test(decrypt, partial_with_a_share_missing_is_refused)
{
	rec_election *el = tallied("e");
	refused_partial(el, "e", drop_last_share, "\"shares\" must list 7 entries");
	rec_free(el);
}

Test(decrypt, partial_with_a_malformed_proof_is_refused)
{
	rec_election *el = tallied("e");
	refused_partial(el, "e", bad_proof, "share 0: malformed proof");
	rec_free(el);
}

Test(decrypt, partial_naming_another_trustee_or_format_is_refused)
{
	rec_election *el = tallied("e");
	refused_partial(el, "e", other_trustee, "wrong format or trustee");
	rec_free(el);
	test_rmtree(tmp);
	el = tallied("e");
	refused_partial(el, "e", other_format, "wrong format or trustee");
	rec_free(el);
}

/* No ballot cast anywhere: every aggregate selection is null, and
 * so must every share be. */
static json_t *some_share;

static void share_where_null(json_t *p)
{
	json_array_set(json_object_get(p, "shares"), 0, some_share);
}

Test(decrypt, share_where_the_aggregate_is_null_is_refused)
{
	char msg[768] = "";
	tally_opts o = {2, 0};
	/* a share as a trustee writes it, from an election with ballots */
	rec_election *full = tallied("f");
	cr_assert_eq(decrypt_as(full, "f", 1, msg, sizeof msg), Q_OK, "%s", msg);
	json_t *fp = read_rel(full, "tally/partials/1.json");
	some_share = json_incref(json_array_get(json_object_get(fp, "shares"), 0));
	cr_assert(json_is_object(some_share));
	json_decref(fp);
	rec_free(full);

	rec_election *el = fx_init(tmp, "e", "hq-test", 2, 3, NULL);
	fx_ceremony(el, tmp, "e");
	fx_station_marks(el, "s1", six, 0, 0);
	fx_station_marks(el, "s2", six, 0, 0);
	cr_assert_eq(tally_run(el, &o, msg, sizeof msg), Q_OK, "%s", msg);
	json_t *a = read_rel(el, "tally/aggregate.json");
	cr_assert(
	    json_is_null(json_object_get(
	        json_array_get(json_object_get(json_array_get(json_object_get(a, "contests"), 0),
	                                       "selections"),
	                       0),
	        "ciphertext")),
	    "no ballot: a null aggregate ciphertext");
	json_decref(a);
	refused_partial(el, "e", share_where_null, "share 0 must be null");
	json_decref(some_share);
	rec_free(el);
}

/* Issue 21: decrypt checks the trustees' keys and files once (its own
 * check, anchored in the trustee's key), and rebuilds the aggregate with
 * tally_build_keys_checked, which does not check them again; tally_build
 * does.  A trustee file made unverifiable after the tally shows which
 * checks ran: only tally_build and decrypt's own check refuse it. */
Test(decrypt, trustee_files_are_checked_once_per_decrypt)
{
	rec_election *el = tallied("e");
	char msg[768] = "";
	json_t *aj = NULL;
	tally_opts o = {2, 0};
	cr_assert_eq(unlink(rel_path(el, "trustees/3/received.json.sig")), 0);
	cr_assert_neq(tally_build(el, &o, &aj, msg, sizeof msg), Q_OK, "tally_build checks");
	cr_assert(strstr(msg, "trustees/3/received.json") != NULL, "%s", msg);
	cr_assert_eq(tally_build_keys_checked(el, &o, &aj, msg, sizeof msg), Q_OK, "%s", msg);
	json_decref(aj);
	qerr e = decrypt_as(el, "e", 1, msg, sizeof msg);
	cr_assert_neq(e, Q_OK, "decrypt's own check refuses it");
	cr_assert(strstr(msg, "trustees/3/received.json") != NULL, "%s", msg);
	rec_free(el);
}

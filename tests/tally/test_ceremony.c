/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_ceremony.c -- the key ceremony: a full 3-of-5 ceremony, a cheating
 * dealer detected and named, a wrong passphrase, files sealed 0600 and
 * O_EXCL, a ceremony that cannot finish, and the attacks of a returning
 * officer who carries the trustees' files (issue 15, finding 1): a swapped
 * transport key, an altered share, public file, received file or roster,
 * a constant term changed after the commitment round -- each refused at
 * the next trustee step, naming the file.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "crypto/seal.h"
#include "crypto/threshold.h"
#include "crypto/util.h"
#include "fixture.h"
#include "crypto/secbuf.h"
#include "crypto/sig.h"
#include "tally/ceremony.h"
#include "tally/tsig.h"
#include "testutil.h"
#include "tmpsuite.h"

TEST_TMP_DIR

TEST_TMP_SUITE(ceremony);

/* Trustee i's signing key, as a dishonest trustee i would use it. */
static void trustee_sk(uint32_t i, sig_secret *sk)
{
	char sp[1024], pw[32];
	secbuf *sb = NULL;
	const char *why = NULL;
	fx_secret_path(sp, sizeof sp, tmp, "e", i);
	fx_pass(i, pw, sizeof pw);
	cr_assert_eq(seal_file_read(&sb, sp, pw, strlen(pw), &why), Q_OK);
	/* magic(8), i, k, n, key_ctx(32), then the signing seed */
	memcpy(sk->seed, sb->data + 52, 32);
	secbuf_free(sb);
}

static json_t *read_rel(const rec_election *el, const char *rel)
{
	char p[1200], msg[512] = "";
	json_t *j = NULL;
	snprintf(p, sizeof p, "%s/%s", el->dir, rel);
	cr_assert_eq(rec_read_json(p, &j, msg, sizeof msg), Q_OK, "%s", msg);
	return j;
}

/* Write j at rel WITHOUT a new signature (a carrier's alteration). */
static void write_rel(const rec_election *el, const char *rel, const json_t *j)
{
	char p[1200], msg[512] = "";
	snprintf(p, sizeof p, "%s/%s", el->dir, rel);
	cr_assert_eq(rec_write_json(p, j, 0, msg, sizeof msg), Q_OK, "%s", msg);
}

/* Write j at rel signed by trustee i (a dishonest trustee's own file). */
static void write_signed(const rec_election *el, uint32_t i, const char *rel, const json_t *j)
{
	sig_secret sk;
	char msg[512] = "";
	trustee_sk(i, &sk);
	cr_assert_eq(tsig_write_json(el, i, &sk, rel, j, 0, msg, sizeof msg), Q_OK, "%s", msg);
	sig_secret_wipe(&sk);
}

static qerr deal_as(rec_election *el, uint32_t i, char *msg, size_t msgsz)
{
	char sp[1024], pw[32];
	fx_secret_path(sp, sizeof sp, tmp, "e", i);
	fx_pass(i, pw, sizeof pw);
	return ceremony_deal(el, i, sp, pw, strlen(pw), msg, msgsz);
}

static qerr receive_as(rec_election *el, uint32_t i, uint8_t *bad, char *msg, size_t msgsz)
{
	char sp[1024], kp[1024], pw[32];
	fx_secret_path(sp, sizeof sp, tmp, "e", i);
	fx_key_path(kp, sizeof kp, tmp, "e", i);
	fx_pass(i, pw, sizeof pw);
	return ceremony_receive(el, i, sp, kp, pw, strlen(pw), &fx_kdf, bad, msg, msgsz);
}

static int file_exists(const rec_election *el, const char *rel)
{
	char p[1200];
	snprintf(p, sizeof p, "%s/%s", el->dir, rel);
	return access(p, F_OK) == 0;
}

Test(ceremony, full_3_of_5_joint_key_is_sum_and_keys_match)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 3, 5, NULL);
	fx_ceremony(el, tmp, "e");
	point *K = NULL, **S = NULL;
	char msg[512] = "";
	cr_assert_eq(rec_load_joint_key(el, &K, &S, msg, sizeof msg), Q_OK, "%s", msg);
	/* each trustee's key file opens and matches S_i; the joint key is
	 * recovered from any 3 shares by Lagrange in the exponent */
	point *sG[5];
	for (uint32_t i = 1; i <= 5; i++) {
		char kp[1024], pw[32];
		scalar *s = scalar_new();
		sG[i - 1] = point_new();
		fx_key_path(kp, sizeof kp, tmp, "e", i);
		fx_pass(i, pw, sizeof pw);
		sig_secret sk;
		cr_assert_eq(ceremony_key_open(el, i, kp, pw, strlen(pw), s, &sk, msg, sizeof msg),
		             Q_OK, "%s", msg);
		sig_secret_wipe(&sk);
		cr_assert_eq(point_mul_base(sG[i - 1], s), Q_OK);
		cr_assert(point_eq(sG[i - 1], S[i - 1]), "S_%u mismatch", i);
		scalar_free(s);
	}
	uint32_t idx[3] = {2, 4, 5};
	const point *parts[3] = {sG[1], sG[3], sG[4]};
	point *Kr = point_new();
	cr_assert_eq(threshold_combine(Kr, idx, parts, 3, 5), Q_OK);
	cr_assert(point_eq(Kr, K), "Lagrange of 3 verification keys must give K");
	/* the secret files are 0600 */
	char sp[1024];
	struct stat st;
	fx_secret_path(sp, sizeof sp, tmp, "e", 1);
	cr_assert_eq(stat(sp, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	/* the daemon's view of the directory */
	char p[1200];
	snprintf(p, sizeof p, "%s/joint-key", el->dir);
	cr_assert_eq(access(p, R_OK), 0);
	for (int i = 0; i < 5; i++)
		point_free(sG[i]);
	for (int i = 0; i < 5; i++)
		point_free(S[i]);
	free(S);
	point_free(K);
	point_free(Kr);
	rec_free(el);
}

Test(ceremony, cheating_dealer_is_detected_and_named)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 3, 5, NULL);
	fx_generate_all(el, tmp, "e");
	fx_reveal_all(el, tmp, "e");
	fx_deal_all(el, tmp, "e");
	/* dealer 2 gives trustee 3 a share that does not fit its commitments:
	 * a properly sealed random scalar, signed by dealer 2 (only the
	 * Feldman check can catch it) */
	trustee_set *set = NULL;
	char msg[512] = "";
	cr_assert_eq(ceremony_load_set(el, 0, NULL, &set, msg, sizeof msg), Q_OK, "%s", msg);
	uint8_t share[32], aad[32], sealed[SEAL_PK_LEN(32)];
	scalar *r = scalar_new();
	cr_assert_eq(scalar_random(r), Q_OK);
	scalar_encode(share, r);
	rec_share_aad(aad, el->key_ctx, 2, 3);
	cr_assert_eq(
	    seal_to_pubkey(sealed, sizeof sealed, set->pub[2]->transport, aad, 32, share, 32),
	    Q_OK);
	sig_secret sk2;
	trustee_sk(2, &sk2);
	cr_assert_eq(tsig_write_file(el, 2, &sk2, "trustees/2/shares/3.sealed", sealed,
	                             sizeof sealed, 0, msg, sizeof msg),
	             Q_OK, "%s", msg);
	sig_secret_wipe(&sk2);

	uint8_t bad[5];
	qerr e = receive_as(el, 3, bad, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_PROOF, "%s", qerr_str(e));
	cr_assert_eq(bad[1], 1, "dealer 2 must be named");
	cr_assert_eq(bad[0] + bad[2] + bad[3] + bad[4], 0, "no other dealer is blamed");
	cr_assert(strstr(msg, "trustee 2") != NULL, "message names dealer 2: %s", msg);
	char kp[1024];
	fx_key_path(kp, sizeof kp, tmp, "e", 3);
	cr_assert_eq(access(kp, F_OK), -1, "no key file is written");
	cr_assert(file_exists(el, "trustees/3/complaint.json"), "complaint filed");
	/* the complaint is signed by trustee 3 */
	{
		json_t *c = NULL;
		cr_assert_eq(tsig_read_json(el, 3, set->roster[2], "trustees/3/complaint.json", &c,
		                            msg, sizeof msg),
		             Q_OK, "%s", msg);
		json_decref(c);
	}
	/* the honest trustees receive fine; the ceremony cannot finish */
	for (uint32_t i = 1; i <= 5; i++)
		if (i != 3)
			cr_assert_eq(receive_as(el, i, NULL, msg, sizeof msg), Q_OK, "%s", msg);
	e = ceremony_finish(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_STATE, "finish must refuse: %s", msg);
	scalar_free(r);
	trustee_set_free(set);
	rec_free(el);
}

/* Issue 15, finding 1: the carrier replaces a trustee's transport key
 * with its own before deal, to open every share sealed to it. */
Test(ceremony, relay_swapping_a_transport_key_is_refused_at_deal)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 2, 3, NULL);
	fx_generate_all(el, tmp, "e");
	fx_reveal_all(el, tmp, "e");
	uint8_t rt[32], RT[65];
	char msg[512] = "", hx[131];
	cr_assert_eq(seal_p256_keygen(rt, RT), Q_OK);
	hex_encode(hx, RT, sizeof RT);
	json_t *j = read_rel(el, "trustees/3/public.json");
	json_object_set_new(j, "transport_key", json_string(hx));
	write_rel(el, "trustees/3/public.json", j);
	qerr e = deal_as(el, 1, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_SIGNATURE, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg, "trustees/3/public.json") != NULL, "%s", msg);
	cr_assert(!file_exists(el, "trustees/1/shares/3.sealed"), "nothing sealed to the swap");
	json_decref(j);
	rec_free(el);
}

/* The carrier goes further: it re-signs the altered file with a key of its
 * own and names that key in the file and in the roster. */
Test(ceremony, relay_resigning_with_its_own_key_is_refused)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 2, 3, NULL);
	fx_generate_all(el, tmp, "e");
	fx_reveal_all(el, tmp, "e");
	sig_secret rk;
	uint8_t rpk[32], rt[32], RT[65];
	char msg[512] = "", hx[131];
	cr_assert_eq(sig_keygen(&rk, rpk), Q_OK);
	cr_assert_eq(seal_p256_keygen(rt, RT), Q_OK);
	hex_encode(hx, RT, sizeof RT);
	for (uint32_t d = 1; d <= 3; d++) {
		char rel[64];
		snprintf(rel, sizeof rel, "trustees/%u/public.json", d);
		json_t *j = read_rel(el, rel);
		char pkx[65];
		hex_encode(pkx, rpk, 32);
		json_array_set_new(json_object_get(j, "roster"), 2, json_string(pkx));
		if (d == 3) {
			json_object_set_new(j, "signing_key", json_string(pkx));
			json_object_set_new(j, "transport_key", json_string(hx));
			cr_assert_eq(tsig_write_json(el, 3, &rk, rel, j, 0, msg, sizeof msg), Q_OK);
		} else {
			write_rel(el, rel, j);
		}
		json_decref(j);
	}
	/* trustee 1's own file no longer carries trustee 1's signature */
	qerr e = deal_as(el, 1, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_SIGNATURE, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg, "trustees/1/public.json") != NULL, "%s", msg);
	/* and the commitment of trustee 3 does not name the carrier's key */
	e = deal_as(el, 2, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_SIGNATURE, "%s: %s", qerr_str(e), msg);
	sig_secret_wipe(&rk);
	rec_free(el);
}

Test(ceremony, transport_key_without_its_proof_of_knowledge_is_refused)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 2, 3, NULL);
	fx_generate_all(el, tmp, "e");
	fx_reveal_all(el, tmp, "e");
	/* trustee 2 itself publishes trustee 3's transport proof (not its own) */
	char msg[512] = "";
	json_t *j3 = read_rel(el, "trustees/3/public.json");
	json_t *j2 = read_rel(el, "trustees/2/public.json");
	json_object_set(j2, "transport_proof", json_object_get(j3, "transport_proof"));
	write_signed(el, 2, "trustees/2/public.json", j2);
	qerr e = deal_as(el, 1, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_PROOF, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg, "transport key") != NULL, "%s", msg);
	json_decref(j2);
	json_decref(j3);
	rec_free(el);
}

/* A trustee that changes its polynomial after seeing the others' (to bias
 * K) cannot open its commitment. */
Test(ceremony, constant_term_changed_after_the_commitment_round_is_refused)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 2, 3, NULL);
	fx_generate_all(el, tmp, "e");
	fx_reveal_all(el, tmp, "e");
	char msg[512] = "", hx[131], px[129];
	scalar *a = scalar_new();
	point *C = point_new();
	schnorr_proof *pf = schnorr_proof_new();
	uint8_t ctx[32], cb[65], pb[64];
	cr_assert_eq(scalar_random(a), Q_OK);
	cr_assert_eq(point_mul_base(C, a), Q_OK);
	rec_commitment_ctx(ctx, el->key_ctx, 2, 0);
	cr_assert_eq(schnorr_prove(pf, ctx, C, a), Q_OK);
	cr_assert_eq(point_encode(cb, C), Q_OK);
	schnorr_proof_encode(pb, pf);
	hex_encode(hx, cb, sizeof cb);
	hex_encode(px, pb, sizeof pb);
	json_t *j = read_rel(el, "trustees/2/public.json");
	json_array_set_new(json_object_get(j, "commitments"), 0, json_string(hx));
	json_array_set_new(json_object_get(j, "proofs"), 0, json_string(px));
	write_signed(el, 2, "trustees/2/public.json", j);
	qerr e = deal_as(el, 1, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_PROOF, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg, "commitment.json") != NULL, "%s", msg);
	json_decref(j);
	scalar_free(a);
	point_free(C);
	schnorr_proof_free(pf);
	rec_free(el);
}

Test(ceremony, reveal_refuses_a_roster_other_than_the_commitments)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 2, 3, NULL);
	fx_generate_all(el, tmp, "e");
	uint8_t roster[3][32];
	char msg[512] = "", sp[1024];
	cr_assert_eq(ceremony_commitment_keys(el, roster, msg, sizeof msg), Q_OK, "%s", msg);
	roster[1][0] ^= 1; /* the fingerprint trustee 2 read out differs */
	fx_secret_path(sp, sizeof sp, tmp, "e", 1);
	qerr e =
	    ceremony_reveal(el, 1, sp, "pass-1", 6, (const uint8_t(*)[32])roster, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_SIGNATURE, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg, "trustee 2") != NULL, "%s", msg);
	cr_assert(!file_exists(el, "trustees/1/public.json"), "nothing published");
	rec_free(el);
}

Test(ceremony, reveal_before_everyone_committed_is_refused)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 2, 3, NULL);
	char sp[1024], msg[512] = "";
	uint8_t roster[3][32];
	for (uint32_t i = 1; i <= 2; i++) {
		char pw[32];
		fx_secret_path(sp, sizeof sp, tmp, "e", i);
		fx_pass(i, pw, sizeof pw);
		cr_assert_eq(ceremony_generate(el, i, sp, pw, strlen(pw), &fx_kdf, roster[i - 1],
		                               msg, sizeof msg),
		             Q_OK, "%s", msg);
	}
	cr_assert(!file_exists(el, "trustees/1/public.json"),
	          "generate publishes no commitment point");
	fx_secret_path(sp, sizeof sp, tmp, "e", 1);
	qerr e =
	    ceremony_reveal(el, 1, sp, "pass-1", 6, (const uint8_t(*)[32])roster, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_NOTFOUND, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg, "trustee 3 has not generated") != NULL, "%s", msg);
	rec_free(el);
}

Test(ceremony, altered_share_is_refused_without_accusing_the_dealer)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 2, 3, NULL);
	fx_generate_all(el, tmp, "e");
	fx_reveal_all(el, tmp, "e");
	fx_deal_all(el, tmp, "e");
	char p[1200], msg[512] = "";
	size_t l;
	snprintf(p, sizeof p, "%s/trustees/2/shares/3.sealed", el->dir);
	char *d = test_read_file(p, &l);
	d[70] ^= 1;
	cr_assert_eq(test_write_file(p, d, l), 0);
	free(d);
	uint8_t bad[3] = {9, 9, 9};
	qerr e = receive_as(el, 3, bad, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_SIGNATURE, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg, "trustees/2/shares/3.sealed") != NULL, "%s", msg);
	cr_assert(strstr(msg, "not accused") != NULL, "%s", msg);
	cr_assert_eq(bad[0] + bad[1] + bad[2], 0, "no dealer blamed");
	cr_assert(!file_exists(el, "trustees/3/complaint.json"), "no complaint");
	rec_free(el);
}

Test(ceremony, share_sealed_for_someone_else_is_rejected)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 2, 3, NULL);
	fx_generate_all(el, tmp, "e");
	fx_reveal_all(el, tmp, "e");
	fx_deal_all(el, tmp, "e");
	/* dealer 1's share for trustee 2 copied over its share for trustee 3,
	 * signature and all: the signature binds the path */
	char a[1200], b[1200], msg[512] = "";
	size_t l;
	for (int sig = 0; sig < 2; sig++) {
		snprintf(a, sizeof a, "%s/trustees/1/shares/2.sealed%s", el->dir,
		         sig ? ".sig" : "");
		snprintf(b, sizeof b, "%s/trustees/1/shares/3.sealed%s", el->dir,
		         sig ? ".sig" : "");
		char *d = test_read_file(a, &l);
		cr_assert_eq(test_write_file(b, d, l), 0);
		free(d);
	}
	qerr e = receive_as(el, 3, NULL, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_SIGNATURE, "%s: %s", qerr_str(e), msg);
	rec_free(el);
}

Test(ceremony, altered_received_file_is_refused_by_finish)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 2, 3, NULL);
	fx_ceremony(el, tmp, "e");
	char msg[512] = "", p[1200];
	/* a received.json naming another joint key, even signed by its trustee,
	 * shows trustees who disagree */
	json_t *j1 = read_rel(el, "trustees/1/received.json");
	json_t *j2 = read_rel(el, "trustees/2/received.json");
	json_object_set(j2, "joint_key", json_object_get(j1, "verification_key"));
	write_signed(el, 2, "trustees/2/received.json", j2);
	cr_assert_eq(ceremony_check_joint_key(el, msg, sizeof msg), Q_ERR_PROOF, "%s", msg);
	cr_assert(strstr(msg, "trustees/2/received.json") != NULL, "%s", msg);
	/* altered by the carrier: not signed */
	json_object_set(j2, "joint_key", json_object_get(j1, "joint_key"));
	write_rel(el, "trustees/2/received.json", j2);
	cr_assert_eq(ceremony_check_joint_key(el, msg, sizeof msg), Q_ERR_SIGNATURE, "%s", msg);
	/* finish on a fresh copy refuses the same way */
	snprintf(p, sizeof p, "%s/joint_key.json", el->dir);
	cr_assert_eq(unlink(p), 0);
	cr_assert_eq(ceremony_finish(el, msg, sizeof msg), Q_ERR_SIGNATURE, "%s", msg);
	json_decref(j1);
	json_decref(j2);
	rec_free(el);
}

Test(ceremony, wrong_passphrase_is_refused)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 2, 3, NULL);
	fx_generate_all(el, tmp, "e");
	fx_reveal_all(el, tmp, "e");
	char sp[1024], msg[512] = "";
	fx_secret_path(sp, sizeof sp, tmp, "e", 1);
	qerr e = ceremony_deal(el, 1, sp, "pass-2", 6, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_AUTH, "%s", qerr_str(e));
	cr_assert(strstr(msg, "wrong passphrase") != NULL, "%s", msg);
	/* trustee 1's secret file used as trustee 2 is refused too */
	e = ceremony_deal(el, 2, sp, "pass-1", 6, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_FORMAT, "%s", msg);
	rec_free(el);
}

Test(ceremony, forged_commitment_proof_is_refused)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 2, 3, NULL);
	fx_generate_all(el, tmp, "e");
	fx_reveal_all(el, tmp, "e");
	/* trustee 2 swaps two proofs in its own (signed) public file */
	char msg[512] = "";
	json_t *j = read_rel(el, "trustees/2/public.json");
	json_t *p = json_object_get(j, "proofs");
	json_t *p0 = json_deep_copy(json_array_get(p, 0));
	json_array_set(p, 0, json_array_get(p, 1));
	json_array_set_new(p, 1, p0);
	write_signed(el, 2, "trustees/2/public.json", j);
	json_decref(j);
	trustee_set *set = NULL;
	cr_assert_eq(ceremony_load_set(el, 0, NULL, &set, msg, sizeof msg), Q_ERR_PROOF);
	cr_assert(strstr(msg, "trustee 2") != NULL, "%s", msg);
	cr_assert_eq(deal_as(el, 1, msg, sizeof msg), Q_ERR_PROOF, "%s", msg);
	rec_free(el);
}

Test(ceremony, secret_file_is_never_overwritten)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 2, 3, NULL);
	char sp[1024], msg[512] = "";
	fx_secret_path(sp, sizeof sp, tmp, "e", 1);
	cr_assert_eq(test_write_file(sp, "x", 1), 0);
	cr_assert_eq(ceremony_generate(el, 1, sp, "pw", 2, &fx_kdf, NULL, msg, sizeof msg),
	             Q_ERR_EXISTS);
	cr_assert(!file_exists(el, "trustees/1/commitment.json"),
	          "nothing published when the secret cannot be kept");
	cr_assert_eq(ceremony_finish(el, msg, sizeof msg), Q_ERR_NOTFOUND);
	rec_free(el);
}

Test(ceremony, fingerprints_file_is_parsed_strictly)
{
	uint8_t pk[32], fps[2][TSIG_FP_LEN];
	char fp[TSIG_FP_TEXT], p[1200], buf[300], msg[512] = "";
	for (int b = 0; b < 32; b++)
		pk[b] = (uint8_t)b;
	tsig_fingerprint(fp, pk);
	cr_assert_eq(strlen(fp), 39);
	cr_assert_eq(fp[4], ' ');
	snprintf(p, sizeof p, "%s/fps", tmp);
	/* upper case and spaces anywhere are fine; comments ignored */
	snprintf(buf, sizeof buf, "# read out at the ceremony\n2 %s\n1   %s\n", fp, fp);
	for (char *c = buf; *c; c++)
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 'a' + 'A');
	cr_assert_eq(test_write_file(p, buf, strlen(buf)), 0);
	cr_assert_eq(tsig_read_fingerprints(p, 2, fps, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert(tsig_fingerprint_matches(pk, fps[0]) && tsig_fingerprint_matches(pk, fps[1]));
	pk[0] ^= 1;
	cr_assert(!tsig_fingerprint_matches(pk, fps[0]));
	/* a trustee missing, listed twice, a short fingerprint, an index out of range */
	const char *why[] = {"no fingerprint for trustee 2", "listed twice", "line 1", "line 2"};
	for (size_t k = 0; k < 4; k++) {
		if (k == 0)
			snprintf(buf, sizeof buf, "1 %s\n", fp);
		else if (k == 1)
			snprintf(buf, sizeof buf, "1 %s\n1 %s\n", fp, fp);
		else if (k == 2)
			snprintf(buf, sizeof buf, "1 0123\n2 %s\n", fp);
		else
			snprintf(buf, sizeof buf, "1 %s\n3 %s\n", fp, fp);
		cr_assert_eq(test_write_file(p, buf, strlen(buf)), 0);
		cr_assert_eq(tsig_read_fingerprints(p, 2, fps, msg, sizeof msg), Q_ERR_FORMAT,
		             "case %zu", k);
		cr_assert(strstr(msg, why[k]) != NULL, "case %zu: %s", k, msg);
	}
}

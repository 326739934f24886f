/* SPDX-License-Identifier: GPL-3.0-or-later */
/* election/ballot: encryption with proofs, encoding, tracking code,
 * verification (and what must fail), openings, JSON form. */
#define OPENSSL_SUPPRESS_DEPRECATED /* RAND_set_rand_method: a fixed RNG */
#include <criterion/criterion.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/group.h"
#include "election/ballot.h"

static scalar *s;
static point *K;
static point_table *Kt;

static void init(void)
{
	s = scalar_new();
	K = point_new();
	cr_assert_eq(scalar_set_u64(s, 123456789), Q_OK);
	cr_assert_eq(point_mul_base(K, s), Q_OK);
	Kt = point_table_new(K);
	cr_assert_not_null(Kt);
}

static void fini(void)
{
	point_table_free(Kt);
	point_free(K);
	scalar_free(s);
}

TestSuite(ballot, .init = init, .fini = fini);

/* director 2 options 0..1; members 3 options 1..2; evaluation of two
 * members, three options each, one per member (groups), 0..2 in all. */
static ballot_style *style(uint8_t fill)
{
	uint8_t bh[32];
	memset(bh, fill, sizeof bh);
	ballot_style *st = ballot_style_new(3, bh);
	cr_assert_not_null(st);
	st->contests[0] = (ballot_contest_style){2, 0, 1, 0, NULL, 0};
	st->contests[1] = (ballot_contest_style){3, 1, 2, 0, NULL, 0};
	st->contests[2] = (ballot_contest_style){6, 0, 2, 0, NULL, 0};
	const uint32_t g[6] = {0, 0, 0, 1, 1, 1};
	cr_assert_eq(ballot_style_set_groups(st, 2, 2, g), Q_OK);
	cr_assert_eq(ballot_style_check(st, NULL, 0), Q_OK);
	cr_assert_eq(st->total_options, 11);
	return st;
}

static const uint8_t good[11] = {1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1};

static void make(const ballot_style *st, const uint8_t *m, uint8_t **enc, size_t *len,
                 ballot_opening **op)
{
	ballot *b = NULL;
	cr_assert_eq(ballot_encrypt(st, Kt, m, 11, &b, op), Q_OK);
	cr_assert_eq(ballot_encode(b, enc, len), Q_OK);
	ballot_free(b);
}

Test(ballot, roundtrip_verify_deterministic)
{
	ballot_style *st = style(1);
	uint8_t *enc, *enc2;
	size_t len, len2;
	ballot_opening *op = NULL;
	make(st, good, &enc, &len, &op);
	ballot *b = NULL;
	char why[200];
	cr_assert_eq(ballot_decode(st, enc, len, &b), Q_OK);
	cr_assert_eq(ballot_verify(st, K, Kt, b, why, sizeof why), Q_OK, "%s", why);
	cr_assert_eq(ballot_verify(st, K, NULL, b, why, sizeof why), Q_OK, "%s", why);
	cr_assert_eq(ballot_encode(b, &enc2, &len2), Q_OK);
	cr_assert_eq(len, len2);
	cr_assert_eq(memcmp(enc, enc2, len), 0);
	uint8_t c1[32], c2[32];
	ballot_tracking_code(c1, st, enc, len);
	ballot_tracking_code(c2, st, enc2, len2);
	cr_assert_eq(memcmp(c1, c2, 32), 0);
	/* Opening: round trip and check; a changed mark fails. */
	uint8_t *ob;
	size_t ol;
	ballot_opening *op2 = NULL;
	cr_assert_eq(ballot_opening_encode(op, &ob, &ol), Q_OK);
	cr_assert_eq(ballot_opening_decode(st, ob, ol, &op2), Q_OK);
	cr_assert_eq(memcmp(op2->marks, good, 11), 0);
	cr_assert_eq(ballot_opening_check(st, K, b, op2, NULL, 0), Q_OK);
	op2->marks[0] ^= 1;
	cr_assert_eq(ballot_opening_check(st, K, b, op2, why, sizeof why), Q_ERR_PROOF);
	ballot_opening *op3 = NULL;
	cr_assert_eq(ballot_opening_decode(st, ob, ol - 1, &op3), Q_ERR_ENCODING);
	cr_assert_null(op3);
	ob[0] = 2;
	cr_assert_eq(ballot_opening_decode(st, ob, ol, &op3), Q_ERR_ENCODING);
	cr_assert_null(op3);
	/* JSON form round trip. */
	json_t *j = ballot_to_json(b);
	cr_assert_not_null(j);
	ballot *b3 = NULL;
	cr_assert_eq(ballot_from_json(st, j, &b3), Q_OK);
	uint8_t *enc3;
	size_t len3;
	cr_assert_eq(ballot_encode(b3, &enc3, &len3), Q_OK);
	cr_assert(len3 == len && memcmp(enc3, enc, len) == 0);
	json_t *oj = ballot_opening_to_json(st, op);
	cr_assert_not_null(oj);
	cr_assert_eq(json_array_size(json_object_get(oj, "marks")), 3);
	json_decref(oj);
	json_decref(j);
	free(enc3);
	ballot_free(b3);
	free(ob);
	ballot_opening_free(op);
	ballot_opening_free(op2);
	ballot_free(b);
	free(enc);
	free(enc2);
	ballot_style_free(st);
}

/* ---- a fixed byte stream in place of the CSPRNG (xorshift64), with the
 * state before each call kept so that a draw can be replayed ---- */

static uint64_t rng_state;
static uint64_t rng_before[64];
static size_t rng_calls;

static int rng_bytes(unsigned char *b, int n)
{
	if (rng_calls < sizeof rng_before / sizeof rng_before[0])
		rng_before[rng_calls] = rng_state;
	rng_calls++;
	for (int i = 0; i < n; i++) {
		rng_state ^= rng_state << 13;
		rng_state ^= rng_state >> 7;
		rng_state ^= rng_state << 17;
		b[i] = (uint8_t)(rng_state >> 24);
	}
	return 1;
}

static int rng_status(void)
{
	return 1;
}

static RAND_METHOD fixed_rng = {NULL, rng_bytes, NULL, NULL, rng_bytes, rng_status};

/* ballot_encrypt proves its own ciphertexts without re-checking the
 * witnesses and with every ciphertext encoded once (one field inversion
 * for all): its proofs must be, byte for byte, those ballot_prove (the
 * checked path, each point encoded on its own) makes from the opening
 * with the same random bytes. */
Test(ballot, encrypt_proofs_same_bytes_as_ballot_prove)
{
	ballot_style *st = style(4);
	for (int round = 0; round < 3; round++) {
		const uint8_t m[3][11] = {{1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1},
		                          {0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0},
		                          {0, 1, 1, 1, 0, 0, 0, 1, 0, 1, 0}};
		ballot *b = NULL;
		ballot_opening *op = NULL;
		uint8_t *enc, *enc2;
		size_t len, len2;
		cr_assert_eq(RAND_set_rand_method(&fixed_rng), 1);
		rng_state = 0x9E3779B97F4A7C15u + (uint64_t)round;
		rng_calls = 0;
		cr_assert_eq(ballot_encrypt(st, Kt, m[round], 11, &b, &op), Q_OK);
		/* one 32-byte draw per nonce (a rejection has probability
		 * 2^-32; this stream has none), then the proofs' draws */
		cr_assert_gt(rng_calls, 11);
		cr_assert_eq(ballot_encode(b, &enc, &len), Q_OK);
		rng_state = rng_before[11];
		rng_calls = 0;
		cr_assert_eq(ballot_prove(st, Kt, b, op), Q_OK);
		RAND_set_rand_method(NULL);
		cr_assert_eq(ballot_encode(b, &enc2, &len2), Q_OK);
		cr_assert_eq(len, len2);
		cr_assert_eq(memcmp(enc, enc2, len), 0, "round %d: the proofs differ", round);
		cr_assert_eq(ballot_verify(st, K, Kt, b, NULL, 0), Q_OK);
		free(enc);
		free(enc2);
		ballot_free(b);
		ballot_opening_free(op);
	}
	ballot_style_free(st);
}

Test(ballot, bad_marks_refused)
{
	ballot_style *st = style(1);
	ballot *b = NULL;
	ballot_opening *op = NULL;
	uint8_t m[11];
	char why[200];
	memcpy(m, good, 11);
	m[1] = 1; /* director: two selections, max 1 */
	cr_assert_eq(ballot_encrypt(st, Kt, m, 11, &b, &op), Q_ERR_RANGE);
	cr_assert_null(b);
	cr_assert_null(op);
	memcpy(m, good, 11);
	m[3] = m[4] = 0; /* members: zero selections, min 1 */
	cr_assert_eq(ballot_marks_check(st, m, 11, why, sizeof why), Q_ERR_RANGE);
	memcpy(m, good, 11);
	m[7] = 1; /* evaluation: two ratings for member 0 (total still 2) */
	m[10] = 0;
	cr_assert_eq(ballot_marks_check(st, m, 11, why, sizeof why), Q_ERR_RANGE);
	cr_assert(strstr(why, "group") != NULL, "%s", why);
	memcpy(m, good, 11);
	m[0] = 2;
	cr_assert_eq(ballot_marks_check(st, m, 11, NULL, 0), Q_ERR_ARG);
	cr_assert_eq(ballot_marks_check(st, good, 10, NULL, 0), Q_ERR_ARG);
	ballot_style_free(st);
}

Test(ballot, tampering_fails)
{
	ballot_style *st = style(1);
	uint8_t *enc, *enc2;
	size_t len, len2;
	ballot *b = NULL, *b2 = NULL;
	char why[200];
	make(st, good, &enc, &len, NULL);
	uint8_t other[11] = {0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0};
	make(st, other, &enc2, &len2, NULL);
	cr_assert_eq(len, len2);

	/* Truncated, extended. */
	cr_assert_eq(ballot_decode(st, enc, len - 1, &b), Q_ERR_ENCODING);
	cr_assert_null(b);
	uint8_t *ext = malloc(len + 1);
	memcpy(ext, enc, len);
	ext[len] = 0;
	cr_assert_eq(ballot_decode(st, ext, len + 1, &b), Q_ERR_ENCODING);
	free(ext);
	/* Wrong shape header. */
	enc[3] ^= 1;
	cr_assert_eq(ballot_decode(st, enc, len, &b), Q_ERR_FORMAT);
	enc[3] ^= 1;

	/* Every flipped byte: either refused by decode or by verify. */
	size_t step = len / 97 + 1;
	for (size_t i = 4; i < len; i += step) {
		enc[i] ^= 0x40;
		qerr e = ballot_decode(st, enc, len, &b);
		if (e == Q_OK) {
			e = ballot_verify(st, K, Kt, b, why, sizeof why);
			ballot_free(b);
			b = NULL;
		}
		cr_assert_neq(e, Q_OK, "flipped byte %zu accepted", i);
		enc[i] ^= 0x40;
	}
	/* Swap one selection's ciphertext with another ballot's: its proof
	 * no longer fits (forged). */
	cr_assert_eq(ballot_decode(st, enc, len, &b), Q_OK);
	cr_assert_eq(ballot_decode(st, enc2, len2, &b2), Q_OK);
	elgamal_ct *t = b->contests[0].sel[0].ct;
	b->contests[0].sel[0].ct = b2->contests[0].sel[0].ct;
	b2->contests[0].sel[0].ct = t;
	cr_assert_eq(ballot_verify(st, K, Kt, b, why, sizeof why), Q_ERR_PROOF);
	cr_assert(strstr(why, "contest 0") != NULL, "%s", why);
	/* Swap back, then swap the totals proof. */
	b2->contests[0].sel[0].ct = b->contests[0].sel[0].ct;
	b->contests[0].sel[0].ct = t;
	cr_assert_eq(ballot_verify(st, K, Kt, b, NULL, 0), Q_OK);
	range_proof *tp = b->contests[1].total_proof;
	b->contests[1].total_proof = b2->contests[1].total_proof;
	b2->contests[1].total_proof = tp;
	cr_assert_eq(ballot_verify(st, K, Kt, b, why, sizeof why), Q_ERR_PROOF);
	ballot_free(b2);
	ballot_free(b);
	b = NULL;

	/* Proofs bind the base hash: another election's style refuses it. */
	ballot_style *st2 = style(2);
	cr_assert_eq(ballot_decode(st2, enc, len, &b), Q_OK);
	cr_assert_eq(ballot_verify(st2, K, Kt, b, NULL, 0), Q_ERR_PROOF);
	uint8_t c1[32], c2[32];
	ballot_tracking_code(c1, st, enc, len);
	ballot_tracking_code(c2, st2, enc, len);
	cr_assert_neq(memcmp(c1, c2, 32), 0);
	ballot_free(b);
	/* A different key refuses it too. */
	point *K2 = point_new();
	cr_assert_eq(point_generator(K2), Q_OK);
	cr_assert_eq(ballot_decode(st, enc, len, &b), Q_OK);
	cr_assert_eq(ballot_verify(st, K2, NULL, b, NULL, 0), Q_ERR_PROOF);
	ballot_free(b);
	point_free(K2);
	ballot_style_free(st2);
	ballot_style_free(st);
	free(enc);
	free(enc2);
}

/* Finding 3 of issue 15 (Cortier-Smyth style replay): a ballot spliced
 * from voter A's contest 0 and voter B's contests 1 and 2, every part
 * honestly proved, is refused -- the proofs are bound to the ballot's
 * identity (B-3.0), and the first proof in B-2 order is named. */
Test(ballot, spliced_contests_refused)
{
	ballot_style *st = style(1);
	uint8_t other[11] = {0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0};
	ballot *a = NULL, *b = NULL;
	char why[200] = "";
	cr_assert_eq(ballot_encrypt(st, Kt, good, 11, &a, NULL), Q_OK);
	cr_assert_eq(ballot_encrypt(st, Kt, other, 11, &b, NULL), Q_OK);
	/* the splice: A's contest 0 into B (B keeps its contests 1, 2) */
	ballot_contest c0 = b->contests[0];
	b->contests[0] = a->contests[0];
	a->contests[0] = c0;
	static const char splice[] =
	    "contest 0 option 0: 0/1 proof fails (C-4.3, B-3.1) -- as does "
	    "every proof of the ballot (spliced, altered or of another "
	    "election, B-3.4)";
	cr_assert_eq(ballot_verify(st, K, Kt, b, why, sizeof why), Q_ERR_PROOF);
	cr_assert_str_eq(why, splice);
	cr_assert_eq(ballot_verify(st, K, Kt, a, why, sizeof why), Q_ERR_PROOF);
	cr_assert_str_eq(why, splice);
	/* the batch path too, with the encodings' bytes */
	const ballot *bs[2] = {a, b};
	uint8_t *enc[2];
	size_t len[2], first;
	qerr res[2];
	for (int i = 0; i < 2; i++)
		cr_assert_eq(ballot_encode(bs[i], &enc[i], &len[i]), Q_OK);
	cr_assert_eq(ballot_verify_batch_enc(st, K, Kt, bs, (const uint8_t *const *)enc, len, 2,
	                                     res, &first, why, sizeof why),
	             Q_ERR_PROOF);
	cr_assert_eq(first, 0);
	cr_assert_eq(res[1], Q_ERR_PROOF);
	cr_assert(strncmp(why, "ballot 0: ", 10) == 0 && strcmp(why + 10, splice) == 0, "%s", why);
	/* put back: both verify again */
	c0 = b->contests[0];
	b->contests[0] = a->contests[0];
	a->contests[0] = c0;
	cr_assert_eq(ballot_verify(st, K, Kt, a, why, sizeof why), Q_OK, "%s", why);
	cr_assert_eq(ballot_verify(st, K, Kt, b, why, sizeof why), Q_OK, "%s", why);
	for (int i = 0; i < 2; i++)
		free(enc[i]);
	ballot_free(a);
	ballot_free(b);
	ballot_style_free(st);
}

/* One ciphertext with its proof taken from ballot A into another place of
 * ballot B (and within A itself, to another option): refused. */
Test(ballot, ciphertext_moved_to_another_place_refused)
{
	ballot_style *st = style(1);
	ballot *a = NULL, *b = NULL;
	ballot_opening *opa = NULL;
	char why[200] = "";
	cr_assert_eq(ballot_encrypt(st, Kt, good, 11, &a, &opa), Q_OK);
	cr_assert_eq(ballot_encrypt(st, Kt, good, 11, &b, NULL), Q_OK);
	/* A's contest 1 option 0 (an encryption of 0, with its proof) over B's
	 * contest 1 option 2 (of 1): B's contest still has one selection,
	 * within 1..2; only the ballot and the place changed */
	ballot_selection *from = &a->contests[1].sel[0], *to = &b->contests[1].sel[2];
	ballot_selection keep = *to;
	*to = *from;
	cr_assert_eq(ballot_verify(st, K, Kt, b, why, sizeof why), Q_ERR_PROOF);
	cr_assert(strstr(why, "proof fails") != NULL, "%s", why);
	*to = keep;
	cr_assert_eq(ballot_verify(st, K, Kt, b, NULL, 0), Q_OK);
	/* Within A: swap options 1 and 2 of contest 1 (both 0/1 proofs are
	 * A's own, the identity changes with the order) */
	ballot_selection t = a->contests[1].sel[1];
	a->contests[1].sel[1] = a->contests[1].sel[2];
	a->contests[1].sel[2] = t;
	cr_assert_eq(ballot_verify(st, K, Kt, a, why, sizeof why), Q_ERR_PROOF);
	a->contests[1].sel[2] = a->contests[1].sel[1];
	a->contests[1].sel[1] = t;
	cr_assert_eq(ballot_verify(st, K, Kt, a, NULL, 0), Q_OK);
	/* The context binds the place as well as the identity: a selection
	 * proof made for A's identity at contest 1 option 0 does not verify
	 * at option 1 of the same ballot even where the statement is the
	 * same ciphertext (checked on the proof alone, C-4.3.10). */
	uint8_t id[BALLOT_ID_LEN], ctx[PROOF_CTX_LEN];
	cr_assert_eq(ballot_id(id, st, a), Q_OK);
	range_batch_item it = {
	    a->contests[1].sel[0].proof, ctx, a->contests[1].sel[0].ct, NULL, 0, 1};
	ballot_proof_ctx(ctx, st, id, BALLOT_PROOF_SELECTION, 1, 0);
	cr_assert_eq(range_batch_verify(&it, 1, K, Kt), Q_OK);
	ballot_proof_ctx(ctx, st, id, BALLOT_PROOF_SELECTION, 1, 1);
	cr_assert_eq(range_batch_verify(&it, 1, K, Kt), Q_ERR_PROOF);
	ballot_proof_ctx(ctx, st, id, BALLOT_PROOF_SELECTION, 0, 0);
	cr_assert_eq(range_batch_verify(&it, 1, K, Kt), Q_ERR_PROOF);
	ballot_proof_ctx(ctx, st, id, BALLOT_PROOF_GROUP, 1, 0);
	cr_assert_eq(range_batch_verify(&it, 1, K, Kt), Q_ERR_PROOF);
	/* the old context (H_B alone) no longer verifies (B-3.6) */
	it.ctx = st->base_hash;
	cr_assert_eq(range_batch_verify(&it, 1, K, Kt), Q_ERR_PROOF);
	/* ballot_prove re-proves from the opening; a wrong witness makes no proof */
	cr_assert_eq(ballot_prove(st, Kt, a, opa), Q_OK);
	cr_assert_eq(ballot_verify(st, K, Kt, a, why, sizeof why), Q_OK, "%s", why);
	opa->marks[0] ^= 1;
	opa->marks[1] ^= 1;
	cr_assert_eq(ballot_prove(st, Kt, a, opa), Q_ERR_ARG);
	ballot_opening_free(opa);
	ballot_free(a);
	ballot_free(b);
	ballot_style_free(st);
}

Test(ballot, style_limits)
{
	uint8_t bh[32] = {0};
	ballot_style *st = ballot_style_new(1, bh);
	char why[100];
	st->contests[0] = (ballot_contest_style){2, 2, 1, 0, NULL, 0};
	cr_assert_eq(ballot_style_check(st, why, sizeof why), Q_ERR_RANGE);
	st->contests[0] = (ballot_contest_style){2, 0, 3, 0, NULL, 0};
	cr_assert_eq(ballot_style_check(st, why, sizeof why), Q_ERR_RANGE);
	st->contests[0] = (ballot_contest_style){0, 0, 0, 0, NULL, 0};
	cr_assert_eq(ballot_style_check(st, why, sizeof why), Q_ERR_RANGE);
	st->contests[0] = (ballot_contest_style){2, 0, 1, 0, NULL, 0};
	const uint32_t g[2] = {0, 5};
	cr_assert_eq(ballot_style_set_groups(st, 0, 2, g), Q_ERR_ARG);
	cr_assert_eq(ballot_style_check(st, why, sizeof why), Q_OK);
	ballot_style_free(st);
	ballot_style_free(NULL);
	ballot_free(NULL);
	ballot_opening_free(NULL);
}

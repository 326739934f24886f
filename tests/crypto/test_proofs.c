/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Schnorr, Chaum-Pedersen and range proofs: valid proofs verify; every
 * altered field, context, key or statement fails; encodings are strict. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/proof.h"
#include "testutil.h"

static uint8_t CTX[PROOF_CTX_LEN] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                     12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                     23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static void rand_point(point *p, scalar *s_out)
{
	scalar *s = scalar_new();
	cr_assert_eq(scalar_random(s), Q_OK);
	cr_assert_eq(point_mul_base(p, s), Q_OK);
	if (s_out != NULL)
		cr_assert_eq(scalar_copy(s_out, s), Q_OK);
	scalar_free(s);
}

static void other_ctx(uint8_t out[PROOF_CTX_LEN])
{
	memcpy(out, CTX, PROOF_CTX_LEN);
	out[31] ^= 0x80;
}

/* Replace the byte string of a proof with one whose byte `i` is flipped
 * (staying a valid scalar by flipping a low bit). */
static void flip(uint8_t *b, size_t i)
{
	b[i] ^= 0x01;
}

/* ---------------- Schnorr ---------------- */

Test(schnorr, valid_and_every_alteration_fails)
{
	scalar *a = scalar_new();
	point *C = point_new(), *C2 = point_new();
	schnorr_proof *pf = schnorr_proof_new(), *pf2 = schnorr_proof_new();
	uint8_t enc[SCHNORR_PROOF_LEN], ctx2[PROOF_CTX_LEN];

	rand_point(C, a);
	rand_point(C2, NULL);
	cr_assert_eq(schnorr_prove(pf, CTX, C, a), Q_OK);
	cr_assert_eq(schnorr_verify(pf, CTX, C), Q_OK);
	/* encode / decode round trip */
	schnorr_proof_encode(enc, pf);
	cr_assert_eq(schnorr_proof_decode(pf2, enc, sizeof enc), Q_OK);
	cr_assert_eq(schnorr_verify(pf2, CTX, C), Q_OK);
	/* each field (c, then u) altered in turn */
	for (size_t f = 0; f < 2; f++) {
		uint8_t bad[SCHNORR_PROOF_LEN];
		memcpy(bad, enc, sizeof bad);
		flip(bad, f * SCALAR_LEN + SCALAR_LEN - 1);
		cr_assert_eq(schnorr_proof_decode(pf2, bad, sizeof bad), Q_OK);
		cr_assert_eq(schnorr_verify(pf2, CTX, C), Q_ERR_PROOF, "field %zu", f);
	}
	/* another context, another statement */
	other_ctx(ctx2);
	cr_assert_eq(schnorr_verify(pf, ctx2, C), Q_ERR_PROOF);
	cr_assert_eq(schnorr_verify(pf, CTX, C2), Q_ERR_PROOF);
	/* a wrong witness is refused by the prover */
	cr_assert_eq(schnorr_prove(pf2, CTX, C2, a), Q_ERR_ARG);
	/* truncated / over-long / out-of-range encodings */
	cr_assert_eq(schnorr_proof_decode(pf2, enc, sizeof enc - 1), Q_ERR_ENCODING);
	memset(enc, 0xff, SCALAR_LEN);
	cr_assert_eq(schnorr_proof_decode(pf2, enc, sizeof enc), Q_ERR_SCALAR);
	/* infinity statement */
	cr_assert_eq(point_set_infinity(C2), Q_OK);
	cr_assert_eq(schnorr_verify(pf, CTX, C2), Q_ERR_POINT);
	scalar_free(a);
	point_free(C);
	point_free(C2);
	schnorr_proof_free(pf);
	schnorr_proof_free(pf2);
	schnorr_proof_free(NULL);
}

/* ---------------- Chaum-Pedersen ---------------- */

Test(chaum_pedersen, valid_and_every_alteration_fails)
{
	scalar *s = scalar_new();
	point *S = point_new(), *A = point_new(), *M = point_new(), *X = point_new();
	cp_proof *pf = cp_proof_new(), *pf2 = cp_proof_new();
	uint8_t enc[CP_PROOF_LEN], ctx2[PROOF_CTX_LEN];

	rand_point(S, s);
	rand_point(A, NULL);
	rand_point(X, NULL);
	cr_assert_eq(point_mul(M, s, A), Q_OK);
	cr_assert_eq(cp_prove(pf, CTX, S, A, M, s), Q_OK);
	cr_assert_eq(cp_verify(pf, CTX, S, A, M), Q_OK);
	cp_proof_encode(enc, pf);
	cr_assert_eq(cp_proof_decode(pf2, enc, sizeof enc), Q_OK);
	cr_assert_eq(cp_verify(pf2, CTX, S, A, M), Q_OK);
	for (size_t f = 0; f < 2; f++) {
		uint8_t bad[CP_PROOF_LEN];
		memcpy(bad, enc, sizeof bad);
		flip(bad, f * SCALAR_LEN + 5);
		cr_assert_eq(cp_proof_decode(pf2, bad, sizeof bad), Q_OK);
		cr_assert_eq(cp_verify(pf2, CTX, S, A, M), Q_ERR_PROOF, "field %zu", f);
	}
	other_ctx(ctx2);
	cr_assert_eq(cp_verify(pf, ctx2, S, A, M), Q_ERR_PROOF);
	/* another public key, another A, another M (a wrong partial decryption) */
	cr_assert_eq(cp_verify(pf, CTX, X, A, M), Q_ERR_PROOF);
	cr_assert_eq(cp_verify(pf, CTX, S, X, M), Q_ERR_PROOF);
	cr_assert_eq(cp_verify(pf, CTX, S, A, X), Q_ERR_PROOF);
	/* the prover refuses a false statement */
	cr_assert_eq(cp_prove(pf2, CTX, S, A, X, s), Q_ERR_ARG);
	cr_assert_eq(cp_proof_decode(pf2, enc, 63), Q_ERR_ENCODING);
	memset(enc + SCALAR_LEN, 0xff, SCALAR_LEN);
	cr_assert_eq(cp_proof_decode(pf2, enc, sizeof enc), Q_ERR_SCALAR);
	scalar_free(s);
	point_free(S);
	point_free(A);
	point_free(M);
	point_free(X);
	cp_proof_free(pf);
	cp_proof_free(pf2);
	cp_proof_free(NULL);
}

/* ---------------- range ---------------- */

struct env {
	scalar *sk;
	point *K;
	point_table *Kt;
};

static void env_new(struct env *e)
{
	e->sk = scalar_new();
	e->K = point_new();
	rand_point(e->K, e->sk);
	e->Kt = point_table_new(e->K);
	cr_assert_not_null(e->Kt);
}

static void env_free(struct env *e)
{
	scalar_free(e->sk);
	point_free(e->K);
	point_table_free(e->Kt);
}

/* Prove m in [lo, hi], check it verifies both ways, then check that every
 * scalar of the proof altered in turn fails. */
static void range_case(struct env *env, uint64_t m, uint64_t lo, uint64_t hi)
{
	elgamal_ct *ct = elgamal_ct_new();
	scalar *r = scalar_new();
	range_proof *pf = NULL, *pf2 = NULL;
	size_t len = RANGE_PROOF_LEN(hi - lo);
	uint8_t *enc = malloc(len), *bad = malloc(len);

	cr_assert_eq(elgamal_encrypt_random(ct, m, r, env->Kt), Q_OK);
	cr_assert_eq(range_prove(&pf, CTX, env->Kt, ct, m, r, lo, hi), Q_OK);
	cr_assert_eq(range_verify(pf, CTX, env->K, env->Kt, ct, lo, hi), Q_OK);
	cr_assert_eq(range_verify(pf, CTX, env->K, NULL, ct, lo, hi), Q_OK);
	range_proof_encode(enc, pf);
	cr_assert_eq(range_proof_decode(&pf2, lo, hi, enc, len), Q_OK);
	cr_assert_eq(range_verify(pf2, CTX, env->K, env->Kt, ct, lo, hi), Q_OK);
	range_proof_free(pf2);
	for (size_t f = 0; f < 2 * pf->count; f++) {
		memcpy(bad, enc, len);
		flip(bad, f * SCALAR_LEN + 17);
		cr_assert_eq(range_proof_decode(&pf2, lo, hi, bad, len), Q_OK);
		cr_assert_eq(range_verify(pf2, CTX, env->K, env->Kt, ct, lo, hi), Q_ERR_PROOF,
		             "m=%llu field %zu", (unsigned long long)m, f);
		range_proof_free(pf2);
	}
	range_proof_free(pf);
	elgamal_ct_free(ct);
	scalar_free(r);
	free(enc);
	free(bad);
}

Test(range, zero_one_valid_and_altered)
{
	struct env env;
	env_new(&env);
	range_case(&env, 0, 0, 1);
	range_case(&env, 1, 0, 1);
	env_free(&env);
}

Test(range, contest_totals)
{
	struct env env;
	env_new(&env);
	for (uint64_t m = 0; m <= 3; m++)
		range_case(&env, m, 0, 3);
	range_case(&env, 2, 1, 3); /* min..max = 1..3 */
	range_case(&env, 5, 5, 5);
	env_free(&env);
}

Test(range, wrong_context_key_statement_range)
{
	struct env env, env2;
	elgamal_ct *ct = elgamal_ct_new(), *ct2 = elgamal_ct_new();
	scalar *r = scalar_new();
	range_proof *pf = NULL;
	uint8_t ctx2[PROOF_CTX_LEN];
	env_new(&env);
	env_new(&env2);
	cr_assert_eq(elgamal_encrypt_random(ct, 1, r, env.Kt), Q_OK);
	cr_assert_eq(range_prove(&pf, CTX, env.Kt, ct, 1, r, 0, 1), Q_OK);
	cr_assert_eq(range_verify(pf, CTX, env.K, env.Kt, ct, 0, 1), Q_OK);
	other_ctx(ctx2);
	cr_assert_eq(range_verify(pf, ctx2, env.K, env.Kt, ct, 0, 1), Q_ERR_PROOF);
	cr_assert_eq(range_verify(pf, CTX, env2.K, env2.Kt, ct, 0, 1), Q_ERR_PROOF);
	cr_assert_eq(range_verify(pf, CTX, env2.K, NULL, ct, 0, 1), Q_ERR_PROOF);
	/* another ciphertext */
	cr_assert_eq(elgamal_encrypt_random(ct2, 1, NULL, env.Kt), Q_OK);
	cr_assert_eq(range_verify(pf, CTX, env.K, env.Kt, ct2, 0, 1), Q_ERR_PROOF);
	/* the ciphertext with alpha and beta swapped */
	cr_assert_eq(point_copy(ct2->a, ct->b), Q_OK);
	cr_assert_eq(point_copy(ct2->b, ct->a), Q_OK);
	cr_assert_eq(range_verify(pf, CTX, env.K, env.Kt, ct2, 0, 1), Q_ERR_PROOF);
	/* verified against another range */
	cr_assert_eq(range_verify(pf, CTX, env.K, env.Kt, ct, 0, 2), Q_ERR_PROOF);
	cr_assert_eq(range_verify(pf, CTX, env.K, env.Kt, ct, 1, 2), Q_ERR_PROOF);
	range_proof_free(pf);
	pf = NULL;
	/* m = 2 cannot be proved in {0, 1}; m = L + 1 cannot be proved in 0..L */
	cr_assert_eq(elgamal_encrypt_random(ct, 2, r, env.Kt), Q_OK);
	cr_assert_eq(range_prove(&pf, CTX, env.Kt, ct, 2, r, 0, 1), Q_ERR_ARG);
	cr_assert_null(pf);
	cr_assert_eq(elgamal_encrypt_random(ct, 4, r, env.Kt), Q_OK);
	cr_assert_eq(range_prove(&pf, CTX, env.Kt, ct, 4, r, 0, 3), Q_ERR_ARG);
	cr_assert_null(pf);
	/* claiming the ciphertext of 2 holds 1 is refused too */
	cr_assert_eq(elgamal_encrypt_random(ct, 2, r, env.Kt), Q_OK);
	cr_assert_eq(range_prove(&pf, CTX, env.Kt, ct, 1, r, 0, 1), Q_ERR_ARG);
	cr_assert_null(pf);
	elgamal_ct_free(ct);
	elgamal_ct_free(ct2);
	scalar_free(r);
	env_free(&env);
	env_free(&env2);
}

/* A cheating prover: a proof for {0,1} built honestly for m = 1 cannot be
 * moved to the ciphertext of 2 = (1's ciphertext) + G. */
Test(range, forged_for_two_fails)
{
	struct env env;
	elgamal_ct *ct = elgamal_ct_new();
	scalar *r = scalar_new();
	point *g = point_new();
	range_proof *pf = NULL;
	env_new(&env);
	cr_assert_eq(elgamal_encrypt_random(ct, 1, r, env.Kt), Q_OK);
	cr_assert_eq(range_prove(&pf, CTX, env.Kt, ct, 1, r, 0, 1), Q_OK);
	cr_assert_eq(point_generator(g), Q_OK);
	cr_assert_eq(point_add(ct->b, ct->b, g), Q_OK);
	cr_assert_eq(range_verify(pf, CTX, env.K, env.Kt, ct, 0, 1), Q_ERR_PROOF);
	range_proof_free(pf);
	elgamal_ct_free(ct);
	scalar_free(r);
	point_free(g);
	env_free(&env);
}

Test(range, encoding_strict)
{
	uint8_t buf[RANGE_PROOF_LEN(1) + 1];
	range_proof *pf = NULL;
	memset(buf, 0, sizeof buf);
	cr_assert_eq(range_proof_decode(&pf, 0, 1, buf, RANGE_PROOF_LEN(1)), Q_OK);
	range_proof_free(pf);
	pf = NULL;
	cr_assert_eq(range_proof_decode(&pf, 0, 1, buf, RANGE_PROOF_LEN(1) - 1), Q_ERR_ENCODING);
	cr_assert_eq(range_proof_decode(&pf, 0, 1, buf, RANGE_PROOF_LEN(1) + 1), Q_ERR_ENCODING);
	cr_assert_eq(range_proof_decode(&pf, 0, 1, buf, RANGE_PROOF_LEN(0)), Q_ERR_ENCODING);
	cr_assert_eq(range_proof_decode(&pf, 2, 1, buf, RANGE_PROOF_LEN(1)), Q_ERR_RANGE);
	memset(buf + RANGE_PROOF_LEN(1) - SCALAR_LEN, 0xff, SCALAR_LEN);
	cr_assert_eq(range_proof_decode(&pf, 0, 1, buf, RANGE_PROOF_LEN(1)), Q_ERR_SCALAR);
	cr_assert_null(pf);
	cr_assert_null(range_proof_new(0, RANGE_PROOF_MAX_SPAN + 1));
	range_proof_free(NULL);
}

/* ---------------- full encoding and batch verification ---------------- */

#define NB 6

struct batch {
	struct env env;
	elgamal_ct *ct[NB];
	range_proof *pf[NB];
	uint8_t ctenc[NB][ELGAMAL_CT_LEN];
	range_batch_item it[NB];
};

static void batch_new(struct batch *b)
{
	env_new(&b->env);
	for (int i = 0; i < NB; i++) {
		uint64_t hi = i < 4 ? 1 : 3;
		uint64_t m = (uint64_t)i % (hi + 1);
		uint8_t *full = malloc(RANGE_PROOF_FULL_LEN(hi));
		range_proof *p = NULL;
		b->ct[i] = elgamal_ct_new();
		cr_assert_eq(range_encrypt_prove(b->ct[i], &p, NULL, CTX, b->env.Kt, m, 0, hi),
		             Q_OK);
		cr_assert_eq(range_verify(p, CTX, b->env.K, b->env.Kt, b->ct[i], 0, hi), Q_OK);
		/* through the full encoding, as a verifier would receive it */
		cr_assert_eq(range_proof_encode_full(full, p), Q_OK);
		cr_assert_eq(
		    range_proof_decode_full(&b->pf[i], 0, hi, full, RANGE_PROOF_FULL_LEN(hi)),
		    Q_OK);
		range_proof_free(p);
		free(full);
		cr_assert_eq(elgamal_ct_encode(b->ctenc[i], b->ct[i]), Q_OK);
		b->it[i].pf = b->pf[i];
		b->it[i].ctx = CTX;
		b->it[i].ct = b->ct[i];
		b->it[i].ct_enc = (i % 2) ? b->ctenc[i] : NULL;
		b->it[i].lo = 0;
		b->it[i].hi = hi;
	}
}

static void batch_free(struct batch *b)
{
	for (int i = 0; i < NB; i++) {
		elgamal_ct_free(b->ct[i]);
		range_proof_free(b->pf[i]);
	}
	env_free(&b->env);
}

Test(range_batch, valid_batch_verifies)
{
	struct batch b;
	batch_new(&b);
	cr_assert_eq(range_batch_verify(b.it, NB, b.env.K, b.env.Kt), Q_OK);
	cr_assert_eq(range_batch_verify(b.it, NB, b.env.K, NULL), Q_OK);
	cr_assert_eq(range_batch_verify(b.it, 1, b.env.K, b.env.Kt), Q_OK);
	/* each decoded proof also verifies alone */
	for (int i = 0; i < NB; i++)
		cr_assert_eq(range_verify(b.pf[i], CTX, b.env.K, b.env.Kt, b.ct[i], 0, b.it[i].hi),
		             Q_OK);
	batch_free(&b);
}

Test(range_batch, any_altered_field_fails)
{
	struct batch b;
	batch_new(&b);
	for (int i = 0; i < NB; i += 3) {
		range_proof *p = b.pf[i];
		for (size_t k = 0; k < p->count; k++) {
			scalar *one = scalar_new();
			point *g = point_new();
			cr_assert_eq(scalar_set_u64(one, 1), Q_OK);
			cr_assert_eq(point_generator(g), Q_OK);
			/* v_j + 1: challenge still matches, the MSM must catch it */
			cr_assert_eq(scalar_add(p->v[k], p->v[k], one), Q_OK);
			cr_assert_eq(range_batch_verify(b.it, NB, b.env.K, b.env.Kt), Q_ERR_PROOF);
			cr_assert_eq(scalar_sub(p->v[k], p->v[k], one), Q_OK);
			/* c_j + 1 */
			cr_assert_eq(scalar_add(p->c[k], p->c[k], one), Q_OK);
			cr_assert_eq(range_batch_verify(b.it, NB, b.env.K, b.env.Kt), Q_ERR_PROOF);
			cr_assert_eq(scalar_sub(p->c[k], p->c[k], one), Q_OK);
			/* a_j + G and b_j + G: the batch equation reads the
			 * committed (hashed) encodings, so a valid other point
			 * there must fail */
			for (int ab = 0; ab < 2; ab++) {
				uint8_t *at = p->commit + 2 * POINT_LEN * k + ab * POINT_LEN,
				        saved[POINT_LEN];
				point *q = point_new();
				memcpy(saved, at, POINT_LEN);
				/* a decoded proof keeps the encodings only */
				cr_assert_null(p->ca);
				cr_assert_eq(point_decode(q, at, POINT_LEN), Q_OK);
				cr_assert_eq(point_add(q, q, g), Q_OK);
				cr_assert_eq(point_encode(at, q), Q_OK);
				cr_assert_eq(range_batch_verify(b.it, NB, b.env.K, b.env.Kt),
				             Q_ERR_PROOF);
				memcpy(at, saved, POINT_LEN);
				point_free(q);
			}
			/* a committed byte changed: the challenge no longer matches */
			p->commit[2 * POINT_LEN * k + 40] ^= 1;
			cr_assert_eq(range_batch_verify(b.it, NB, b.env.K, b.env.Kt), Q_ERR_PROOF);
			p->commit[2 * POINT_LEN * k + 40] ^= 1;
			cr_assert_eq(range_batch_verify(b.it, NB, b.env.K, b.env.Kt), Q_OK);
			scalar_free(one);
			point_free(g);
		}
	}
	batch_free(&b);
}

Test(range_batch, wrong_context_key_ciphertext_fails)
{
	struct batch b;
	struct env other;
	uint8_t ctx2[PROOF_CTX_LEN];
	elgamal_ct *saved;
	batch_new(&b);
	env_new(&other);
	other_ctx(ctx2);
	b.it[2].ctx = ctx2;
	cr_assert_eq(range_batch_verify(b.it, NB, b.env.K, b.env.Kt), Q_ERR_PROOF);
	b.it[2].ctx = CTX;
	cr_assert_eq(range_batch_verify(b.it, NB, other.K, other.Kt), Q_ERR_PROOF);
	cr_assert_eq(range_batch_verify(b.it, NB, other.K, NULL), Q_ERR_PROOF);
	/* swap two ciphertexts (and drop the cached encodings) */
	saved = b.ct[0];
	b.it[0].ct = b.ct[1];
	b.it[1].ct = saved;
	b.it[0].ct_enc = b.it[1].ct_enc = NULL;
	cr_assert_eq(range_batch_verify(b.it, NB, b.env.K, b.env.Kt), Q_ERR_PROOF);
	b.it[0].ct = b.ct[0];
	b.it[1].ct = b.ct[1];
	/* another range */
	b.it[4].hi = 2;
	cr_assert_eq(range_batch_verify(b.it, NB, b.env.K, b.env.Kt), Q_ERR_PROOF);
	env_free(&other);
	batch_free(&b);
}

Test(range_batch, needs_commitments_and_strict_full_decoding)
{
	struct batch b;
	uint8_t compact[RANGE_PROOF_LEN(1)], full[RANGE_PROOF_FULL_LEN(1)];
	range_proof *p = NULL;
	batch_new(&b);
	range_proof_encode(compact, b.pf[0]);
	cr_assert_eq(range_proof_decode(&p, 0, 1, compact, sizeof compact), Q_OK);
	cr_assert_eq(range_proof_encode_full(full, p), Q_ERR_STATE);
	b.it[0].pf = p;
	cr_assert_eq(range_batch_verify(b.it, NB, b.env.K, b.env.Kt), Q_ERR_STATE);
	range_proof_free(p);
	p = NULL;
	cr_assert_eq(range_proof_encode_full(full, b.pf[0]), Q_OK);
	cr_assert_eq(range_proof_decode_full(&p, 0, 1, full, sizeof full - 1), Q_ERR_ENCODING);
	cr_assert_eq(range_proof_decode_full(&p, 0, 2, full, sizeof full), Q_ERR_ENCODING);
	full[0] = 0x02;
	cr_assert_eq(range_proof_decode_full(&p, 0, 1, full, sizeof full), Q_ERR_ENCODING);
	full[0] = 0x04;
	full[POINT_LEN + 64] ^= 1; /* b_0 off the curve */
	cr_assert_eq(range_proof_decode_full(&p, 0, 1, full, sizeof full), Q_ERR_POINT);
	full[POINT_LEN + 64] ^= 1;
	/* a_0's X = 2^256 - 1 >= p: not a canonical coordinate */
	{
		uint8_t saved[POINT_LEN];
		memcpy(saved, full, POINT_LEN);
		memset(full + 1, 0xff, 32);
		cr_assert_eq(range_proof_decode_full(&p, 0, 1, full, sizeof full), Q_ERR_POINT);
		memcpy(full, saved, POINT_LEN);
		cr_assert_eq(range_proof_decode_full(&p, 0, 1, full, sizeof full), Q_OK);
		cr_assert_null(p->ca);
		cr_assert_eq(memcmp(p->commit, full, POINT_LEN), 0);
		range_proof_free(p);
		p = NULL;
	}
	memset(full + 2 * POINT_LEN, 0xff, SCALAR_LEN); /* c_0 >= n */
	cr_assert_eq(range_proof_decode_full(&p, 0, 1, full, sizeof full), Q_ERR_SCALAR);
	cr_assert_null(p);
	cr_assert_eq(range_batch_verify(b.it, 0, b.env.K, b.env.Kt), Q_ERR_ARG);
	batch_free(&b);
}

Test(range, encrypt_prove_returns_nonce_and_refuses_out_of_range)
{
	struct env env;
	elgamal_ct *ct = elgamal_ct_new(), *ct2 = elgamal_ct_new();
	scalar *r = scalar_new();
	range_proof *pf = NULL;
	env_new(&env);
	for (uint64_t m = 0; m <= 2; m++) {
		cr_assert_eq(range_encrypt_prove(ct, &pf, r, CTX, env.Kt, m, 0, 2), Q_OK);
		cr_assert_eq(range_verify(pf, CTX, env.K, env.Kt, ct, 0, 2), Q_OK);
		/* the returned nonce re-creates the ciphertext (Benaloh opening) */
		cr_assert_eq(elgamal_encrypt(ct2, m, r, env.Kt), Q_OK);
		cr_assert(point_eq(ct->a, ct2->a) && point_eq(ct->b, ct2->b));
		range_proof_free(pf);
		pf = NULL;
	}
	cr_assert_eq(range_encrypt_prove(ct, &pf, r, CTX, env.Kt, 2, 0, 1), Q_ERR_ARG);
	cr_assert_null(pf);
	cr_assert_eq(range_encrypt_prove(ct, &pf, r, CTX, env.Kt, 0, 1, 3), Q_ERR_ARG);
	cr_assert_null(pf);
	cr_assert_eq(range_encrypt_prove(ct, &pf, r, CTX, env.Kt, 0, 3, 1), Q_ERR_RANGE);
	cr_assert_null(pf);
	elgamal_ct_free(ct);
	elgamal_ct_free(ct2);
	scalar_free(r);
	env_free(&env);
}

/* ---------------- fixed vectors (tests/crypto/vectors/crypto_v1.txt) ----------------
 * Made once by this library and checked by tests/crypto/spec_verify.py, an
 * independent Python verifier written from docs/spec/crypto.md alone.
 * They must keep verifying: the encodings and transcripts are frozen. */

static char *vec_get(char *text, const char *key, int which)
{
	/* value of the which-th (0-based) line "key=..." */
	size_t kl = strlen(key);
	char *line = text;
	while (line != NULL && *line != '\0') {
		char *nl = strchr(line, '\n');
		if (strncmp(line, key, kl) == 0 && line[kl] == '=') {
			if (which-- == 0) {
				size_t vl = nl != NULL ? (size_t)(nl - line) - kl - 1
				                       : strlen(line + kl + 1);
				char *v = malloc(vl + 1);
				memcpy(v, line + kl + 1, vl);
				v[vl] = '\0';
				return v;
			}
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	cr_assert_fail("vector %s missing", key);
	return NULL;
}

static uint8_t *vec_bytes(char *text, const char *key, int which, size_t *len)
{
	char *h = vec_get(text, key, which);
	uint8_t *b = test_unhex(h, len);
	free(h);
	return b;
}

static point *vec_point(char *text, const char *key)
{
	size_t len;
	uint8_t *b = vec_bytes(text, key, 0, &len);
	point *p = point_new();
	cr_assert_eq(point_decode(p, b, len), Q_OK, "%s", key);
	free(b);
	return p;
}

Test(vectors, spec_vectors_verify)
{
	const char *root = getenv("QUORUM_SOURCE_ROOT");
	char path[4096];
	size_t len, n;
	char *text;
	uint8_t *ctx, *b;
	point *K, *C, *A, *M;
	cr_assert_not_null(root, "QUORUM_SOURCE_ROOT not set");
	snprintf(path, sizeof path, "%s/tests/crypto/vectors/crypto_v1.txt", root);
	text = test_read_file(path, &len);
	cr_assert_not_null(text);
	ctx = vec_bytes(text, "ctx", 0, &n);
	cr_assert_eq(n, PROOF_CTX_LEN);
	K = vec_point(text, "K");
	for (int i = 0; i < 2; i++) {
		char *los = vec_get(text, "lo", i), *his = vec_get(text, "hi", i);
		uint64_t lo = strtoull(los, NULL, 10), hi = strtoull(his, NULL, 10);
		elgamal_ct *ct = elgamal_ct_new();
		range_proof *pf = NULL;
		range_batch_item it;
		b = vec_bytes(text, "ct", i, &n);
		cr_assert_eq(elgamal_ct_decode(ct, b, n), Q_OK);
		free(b);
		b = vec_bytes(text, "range_compact", i, &n);
		cr_assert_eq(range_proof_decode(&pf, lo, hi, b, n), Q_OK);
		cr_assert_eq(range_verify(pf, ctx, K, NULL, ct, lo, hi), Q_OK);
		b[0] ^= 1;
		range_proof_free(pf);
		pf = NULL;
		cr_assert_eq(range_proof_decode(&pf, lo, hi, b, n), Q_OK);
		cr_assert_eq(range_verify(pf, ctx, K, NULL, ct, lo, hi), Q_ERR_PROOF);
		range_proof_free(pf);
		pf = NULL;
		free(b);
		b = vec_bytes(text, "range_full", i, &n);
		cr_assert_eq(range_proof_decode_full(&pf, lo, hi, b, n), Q_OK);
		cr_assert_eq(range_verify(pf, ctx, K, NULL, ct, lo, hi), Q_OK);
		it = (range_batch_item){pf, ctx, ct, NULL, lo, hi};
		cr_assert_eq(range_batch_verify(&it, 1, K, NULL), Q_OK);
		range_proof_free(pf);
		free(b);
		free(los);
		free(his);
		elgamal_ct_free(ct);
	}
	C = vec_point(text, "schnorr_C");
	A = vec_point(text, "cp_A");
	M = vec_point(text, "cp_M");
	{
		schnorr_proof *sp = schnorr_proof_new();
		cp_proof *cp = cp_proof_new();
		b = vec_bytes(text, "schnorr", 0, &n);
		cr_assert_eq(schnorr_proof_decode(sp, b, n), Q_OK);
		cr_assert_eq(schnorr_verify(sp, ctx, C), Q_OK);
		free(b);
		b = vec_bytes(text, "cp", 0, &n);
		cr_assert_eq(cp_proof_decode(cp, b, n), Q_OK);
		cr_assert_eq(cp_verify(cp, ctx, C, A, M), Q_OK);
		cr_assert_eq(cp_verify(cp, ctx, C, M, A), Q_ERR_PROOF);
		free(b);
		schnorr_proof_free(sp);
		cp_proof_free(cp);
	}
	point_free(K);
	point_free(C);
	point_free(A);
	point_free(M);
	free(ctx);
	free(text);
}

/* range_batch_verify_sums: a proof on the sum of three ciphertexts (a
 * contest total, B-3.3) whose alpha and beta are taken from its parts'
 * terms.  Valid: accepted, with the sum given as an object or as its
 * encoding alone; parts that do not add up to the proved ciphertext, or a
 * forged response of the sum's proof, or a part claimed to be the sum of
 * another it is not: refused; parts outside the call: the item is taken
 * on its own. */
Test(range_batch, sums_take_their_parts_points)
{
	struct env env;
	elgamal_ct *ct[4];
	scalar *r[3], *rs = scalar_new();
	range_proof *pf[4], *p = NULL;
	range_batch_item it[4];
	uint8_t sumenc[ELGAMAL_CT_LEN], *full;
	const uint64_t m[3] = {1, 0, 1};
	static const uint32_t back[3] = {3, 2, 1}, two[2] = {3, 2}, one[1] = {1};
	const uint32_t *parts[4] = {NULL, NULL, NULL, back};
	uint32_t nparts[4] = {0, 0, 0, 3};
	size_t flen = RANGE_PROOF_FULL_LEN(3);
	env_new(&env);
	ct[3] = elgamal_ct_new();
	cr_assert(rs && ct[3]);
	cr_assert_eq(scalar_set_u64(rs, 0), Q_OK);
	for (int i = 0; i < 4; i++) {
		uint64_t hi = i < 3 ? 1 : 3;
		if (i < 3) {
			ct[i] = elgamal_ct_new();
			r[i] = scalar_new();
			cr_assert_eq(range_encrypt_prove(ct[i], &p, r[i], CTX, env.Kt, m[i], 0, 1),
			             Q_OK);
			cr_assert_eq(elgamal_add(ct[3], ct[3], ct[i]), Q_OK);
			cr_assert_eq(scalar_add(rs, rs, r[i]), Q_OK);
		} else {
			cr_assert_eq(range_prove(&p, CTX, env.Kt, ct[3], 2, rs, 0, 3), Q_OK);
		}
		full = malloc(RANGE_PROOF_FULL_LEN(hi));
		cr_assert_eq(range_proof_encode_full(full, p), Q_OK);
		cr_assert_eq(range_proof_decode_full(&pf[i], 0, hi, full, RANGE_PROOF_FULL_LEN(hi)),
		             Q_OK);
		free(full);
		range_proof_free(p);
		p = NULL;
		it[i] = (range_batch_item){pf[i], CTX, ct[i], NULL, 0, hi};
	}
	cr_assert_eq(elgamal_ct_encode(sumenc, ct[3]), Q_OK);
	cr_assert_eq(range_batch_verify(it, 4, env.K, env.Kt), Q_OK);
	cr_assert_eq(range_batch_verify_sums(it, 4, env.K, env.Kt, parts, nparts), Q_OK);
	it[3].ct = NULL; /* the sum as its encoding alone */
	it[3].ct_enc = sumenc;
	cr_assert_eq(range_batch_verify_sums(it, 4, env.K, NULL, parts, nparts), Q_OK);
	/* parts that leave ct_2 out: the equation is for another alpha, beta */
	parts[3] = two;
	nparts[3] = 2;
	cr_assert_eq(range_batch_verify_sums(it, 4, env.K, env.Kt, parts, nparts), Q_ERR_PROOF);
	/* the sum item alone (parts outside the call) or a part that is a sum
	 * itself: taken on its own */
	parts[3] = back;
	nparts[3] = 3;
	cr_assert_eq(range_batch_verify_sums(&it[3], 1, env.K, env.Kt, parts + 3, nparts + 3),
	             Q_OK);
	/* "ct_2 = ct_1" (false): refused; item 3, whose part 2 now has parts,
	 * is taken on its own */
	parts[2] = one;
	nparts[2] = 1;
	cr_assert_eq(range_batch_verify_sums(it, 4, env.K, env.Kt, parts, nparts), Q_ERR_PROOF);
	parts[2] = NULL;
	nparts[2] = 0;
	/* a forged response of the sum's proof (v_1's low byte) */
	full = malloc(flen);
	cr_assert_eq(range_proof_encode_full(full, pf[3]), Q_OK);
	full[(2 * POINT_LEN + 2 * SCALAR_LEN) + 2 * POINT_LEN + 2 * SCALAR_LEN - 1] ^= 1;
	range_proof_free(pf[3]);
	cr_assert_eq(range_proof_decode_full(&pf[3], 0, 3, full, flen), Q_OK);
	it[3].pf = pf[3];
	cr_assert_eq(range_batch_verify_sums(it, 4, env.K, env.Kt, parts, nparts), Q_ERR_PROOF);
	free(full);
	for (int i = 0; i < 4; i++) {
		elgamal_ct_free(ct[i]);
		range_proof_free(pf[i]);
	}
	for (int i = 0; i < 3; i++)
		scalar_free(r[i]);
	scalar_free(rs);
	env_free(&env);
}

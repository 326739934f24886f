/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The constant-time range prover (docs/spec/crypto.md C-4.3.11, C-3.1.3):
 * it gives the same bytes as the straightforward prover for the same
 * random bytes, refuses every wrong witness, and encrypts every m right.
 * (Its timing is measured by bench/bench_ct, not here: no timed tests.) */
#define OPENSSL_SUPPRESS_DEPRECATED /* RAND_set_rand_method: a fixed RNG */
#include <criterion/criterion.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/proof.h"
#include "crypto/sha256.h"
#include "crypto/util.h"
#include "testutil.h"

/* ---- a fixed byte stream in place of the CSPRNG (xorshift64) ---- */

static uint64_t g_state = 0x9E3779B97F4A7C15u;

static uint8_t next_byte(void)
{
	g_state ^= g_state << 13;
	g_state ^= g_state >> 7;
	g_state ^= g_state << 17;
	return (uint8_t)(g_state >> 24);
}

static int fixed_bytes(unsigned char *b, int n)
{
	for (int i = 0; i < n; i++)
		b[i] = next_byte();
	return 1;
}

static int fixed_status(void)
{
	return 1;
}

static RAND_METHOD fixed_rng = {NULL, fixed_bytes, NULL, NULL, fixed_bytes, fixed_status};

static void hash_case(sha256_ctx *h, const elgamal_ct *ct, const range_proof *pf)
{
	uint8_t c[ELGAMAL_CT_LEN];
	size_t n = RANGE_PROOF_FULL_LEN(pf->hi - pf->lo);
	uint8_t *b = malloc(n);
	cr_assert_not_null(b);
	cr_assert_eq(elgamal_ct_encode(c, ct), Q_OK);
	cr_assert_eq(range_proof_encode_full(b, pf), Q_OK);
	sha256_update(h, c, sizeof c);
	sha256_update(h, b, n);
	free(b);
}

/* SHA-256 of every ciphertext, full proof (and, for range_encrypt_prove
 * over [0,1], nonce) below, made by the prover before it was constant
 * time (commit 9ec6d34) from this byte stream. */
static const char REFERENCE[] = "73a2ba25158046ef0d1d4242b0a43885607515a28de48fe6215e48fe4bba5e3e";

Test(prover, same_bytes_as_reference_prover_for_same_randomness)
{
	static const struct {
		uint64_t lo, hi, m;
	} cases[] = {{0, 1, 0}, {0, 1, 1}, {0, 3, 0}, {0, 3, 1}, {0, 3, 2}, {0, 3, 3},
	             {1, 3, 1}, {1, 3, 3}, {2, 5, 5}, {4, 4, 4}, {0, 5, 2}, {10, 20, 15}};
	scalar *sk = scalar_new(), *r = scalar_new();
	point *K = point_new();
	point_table *Kt;
	uint8_t ctx[PROOF_CTX_LEN], got[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];
	sha256_ctx *h = sha256_new();

	cr_assert_not_null(h);
	cr_assert_eq(RAND_set_rand_method(&fixed_rng), 1);
	cr_assert_eq(scalar_random(sk), Q_OK);
	cr_assert_eq(point_mul_base(K, sk), Q_OK);
	fixed_bytes(ctx, sizeof ctx);
	Kt = point_table_new(K);
	cr_assert_not_null(Kt);
	for (uint64_t m = 0; m <= 1; m++) {
		elgamal_ct *ct = elgamal_ct_new();
		range_proof *pf = NULL;
		uint8_t rb[SCALAR_LEN];
		cr_assert_eq(range_encrypt_prove(ct, &pf, r, ctx, Kt, m, 0, 1), Q_OK);
		hash_case(h, ct, pf);
		scalar_encode(rb, r);
		sha256_update(h, rb, sizeof rb);
		range_proof_free(pf);
		elgamal_ct_free(ct);
	}
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		elgamal_ct *ct = elgamal_ct_new();
		range_proof *pf = NULL;
		cr_assert_eq(elgamal_encrypt_random(ct, cases[i].m, r, Kt), Q_OK);
		cr_assert_eq(range_prove(&pf, ctx, Kt, ct, cases[i].m, r, cases[i].lo, cases[i].hi),
		             Q_OK);
		hash_case(h, ct, pf);
		cr_assert_eq(range_verify(pf, ctx, K, Kt, ct, cases[i].lo, cases[i].hi), Q_OK);
		range_proof_free(pf);
		elgamal_ct_free(ct);
	}
	for (uint64_t m = 2; m <= 4; m++) {
		elgamal_ct *ct = elgamal_ct_new();
		range_proof *pf = NULL;
		cr_assert_eq(range_encrypt_prove(ct, &pf, r, ctx, Kt, m, 0, 4), Q_OK);
		hash_case(h, ct, pf);
		range_proof_free(pf);
		elgamal_ct_free(ct);
	}
	sha256_final(h, got);
	hex_encode(hex, got, sizeof got);
	cr_assert_str_eq(hex, REFERENCE, "proof bytes differ from the reference prover's");
	RAND_set_rand_method(NULL);
	sha256_free(h);
	point_table_free(Kt);
	point_free(K);
	scalar_free(sk);
	scalar_free(r);
}

/* ---- the witness re-check and the encryption, for every m ---- */

static const uint8_t CTX_ZERO[PROOF_CTX_LEN] = {9};

struct env {
	scalar *sk;
	point *K;
	point_table *Kt;
};

static void env_new(struct env *e)
{
	e->sk = scalar_new();
	e->K = point_new();
	cr_assert_eq(scalar_random(e->sk), Q_OK);
	cr_assert_eq(point_mul_base(e->K, e->sk), Q_OK);
	e->Kt = point_table_new(e->K);
	cr_assert_not_null(e->Kt);
}

static void env_free(struct env *e)
{
	scalar_free(e->sk);
	point_free(e->K);
	point_table_free(e->Kt);
}

/* A ciphertext of m is proved for the claim m and refused for every
 * other claim in range, with a wrong nonce, or with nonce 0. */
Test(prover, recheck_refuses_every_wrong_claim)
{
	struct env env;
	scalar *r = scalar_new(), *r2 = scalar_new(), *one = scalar_new();
	env_new(&env);
	cr_assert_eq(scalar_set_u64(one, 1), Q_OK);
	for (uint64_t m = 0; m <= 5; m++) {
		elgamal_ct *ct = elgamal_ct_new();
		cr_assert_eq(elgamal_encrypt_random(ct, m, r, env.Kt), Q_OK);
		for (uint64_t claim = 0; claim <= 5; claim++) {
			range_proof *pf = NULL;
			qerr e = range_prove(&pf, CTX_ZERO, env.Kt, ct, claim, r, 0, 5);
			if (claim == m) {
				cr_assert_eq(e, Q_OK, "m=%llu", (unsigned long long)m);
				cr_assert_eq(range_verify(pf, CTX_ZERO, env.K, env.Kt, ct, 0, 5),
				             Q_OK);
			} else {
				cr_assert_eq(e, Q_ERR_ARG, "ciphertext of %llu claimed as %llu",
				             (unsigned long long)m, (unsigned long long)claim);
				cr_assert_null(pf);
			}
			range_proof_free(pf);
		}
		/* the right m with a wrong nonce, and nonce 0 */
		{
			range_proof *pf = NULL;
			cr_assert_eq(scalar_add(r2, r, one), Q_OK);
			cr_assert_eq(range_prove(&pf, CTX_ZERO, env.Kt, ct, m, r2, 0, 5), Q_ERR_ARG,
			             "m=%llu with nonce r + 1", (unsigned long long)m);
			cr_assert_null(pf);
			cr_assert_eq(scalar_set_u64(r2, 0), Q_OK);
			cr_assert_eq(range_prove(&pf, CTX_ZERO, env.Kt, ct, m, r2, 0, 5),
			             Q_ERR_SCALAR);
			cr_assert_null(pf);
		}
		elgamal_ct_free(ct);
	}
	scalar_free(r);
	scalar_free(r2);
	scalar_free(one);
	env_free(&env);
}

/* range_encrypt_prove's ciphertext decrypts to m for every m of [0, 5]
 * (beta = rK + (m + r)G - alpha, C-3.1.3) and its proof verifies; the
 * nonce returned is the one used. */
Test(prover, encrypt_prove_every_m)
{
	struct env env;
	scalar *r = scalar_new(), *ms = scalar_new();
	point *mg = point_new(), *want = point_new();
	env_new(&env);
	for (uint64_t m = 0; m <= 5; m++) {
		elgamal_ct *ct = elgamal_ct_new(), *ct2 = elgamal_ct_new();
		range_proof *pf = NULL;
		cr_assert_eq(range_encrypt_prove(ct, &pf, r, CTX_ZERO, env.Kt, m, 0, 5), Q_OK);
		cr_assert_eq(range_verify(pf, CTX_ZERO, env.K, env.Kt, ct, 0, 5), Q_OK);
		/* mG = beta - sk alpha */
		cr_assert_eq(elgamal_decrypt_point(mg, ct, env.sk), Q_OK);
		cr_assert_eq(scalar_set_u64(ms, m), Q_OK);
		if (m == 0)
			cr_assert_eq(point_set_infinity(want), Q_OK);
		else
			cr_assert_eq(point_mul_base(want, ms), Q_OK);
		cr_assert(point_eq(mg, want), "range_encrypt_prove of %llu decrypts wrong",
		          (unsigned long long)m);
		/* the returned nonce re-encrypts to the same ciphertext */
		cr_assert_eq(elgamal_encrypt(ct2, m, r, env.Kt), Q_OK);
		cr_assert(point_eq(ct->a, ct2->a) && point_eq(ct->b, ct2->b), "m=%llu",
		          (unsigned long long)m);
		range_proof_free(pf);
		elgamal_ct_free(ct);
		elgamal_ct_free(ct2);
	}
	scalar_free(r);
	scalar_free(ms);
	point_free(mg);
	point_free(want);
	env_free(&env);
}

/* ---- point_sums_encode, the prover's additions and encodings ---- */

/* Sums of 1 to 4 points (OpenSSL's Jacobian results), including a
 * doubling (P + P) and a sum after which a term cancels (P + Q - Q), are
 * encoded as OpenSSL encodes the same sums, all with one call. */
Test(prover, sums_encode_matches_openssl)
{
	enum { NP = 6 };
	scalar *s = scalar_new();
	point *p[NP], *sum = point_new(), *nq = point_new();
	const point *terms[32];
	size_t ends[12], nt = 0, ng = 0;
	uint8_t got[12][POINT_LEN], want[12][POINT_LEN];
	for (int i = 0; i < NP; i++) {
		p[i] = point_new();
		cr_assert_eq(scalar_random(s), Q_OK);
		cr_assert_eq(point_mul_base(p[i], s), Q_OK);
	}
	cr_assert_eq(point_neg(nq, p[1]), Q_OK);
	/* groups: {p0}, {p0, p1}, {p0, p0}, {p2, p3, p4}, {p0, p1, -p1},
	 * {p5, p4, p3, p2} */
	const int g[][4] = {{0, -1},       {0, 1, -1},    {0, 0, -1},
	                    {2, 3, 4, -1}, {0, 1, 9, -1}, {5, 4, 3, 2}};
	for (size_t k = 0; k < sizeof g / sizeof g[0]; k++) {
		cr_assert_eq(point_set_infinity(sum), Q_OK);
		for (int i = 0; i < 4 && g[k][i] >= 0; i++) {
			const point *t = g[k][i] == 9 ? nq : p[g[k][i]];
			terms[nt++] = t;
			cr_assert_eq(point_add(sum, sum, t), Q_OK);
		}
		ends[ng] = nt;
		cr_assert_eq(point_encode(want[ng++], sum), Q_OK);
	}
	cr_assert_eq(point_sums_encode(got, terms, ends, ng), Q_OK);
	for (size_t k = 0; k < ng; k++)
		cr_assert_eq(memcmp(got[k], want[k], POINT_LEN), 0, "sum %zu differs", k);
	for (int i = 0; i < NP; i++)
		point_free(p[i]);
	point_free(sum);
	point_free(nq);
	scalar_free(s);
}

/* What has no encoding is refused, by name: a sum at infinity (P + (-P)),
 * an operand at infinity; an empty group is a wrong argument. */
Test(prover, sums_encode_refuses_infinity_and_empty_groups)
{
	scalar *s = scalar_new();
	point *p = point_new(), *np = point_new(), *inf = point_new();
	uint8_t out[2][POINT_LEN];
	cr_assert_eq(scalar_random(s), Q_OK);
	cr_assert_eq(point_mul_base(p, s), Q_OK);
	cr_assert_eq(point_neg(np, p), Q_OK);
	cr_assert_eq(point_set_infinity(inf), Q_OK);
	{
		const point *t[3] = {p, p, np};
		const size_t e[2] = {1, 3}; /* {p}, {p, -p} */
		cr_assert_eq(point_sums_encode(out, t, e, 2), Q_ERR_POINT);
	}
	{
		const point *t[2] = {p, inf};
		const size_t e[1] = {2};
		cr_assert_eq(point_sums_encode(out, t, e, 1), Q_ERR_POINT);
	}
	{
		const point *t[2] = {p, p};
		const size_t e[2] = {1, 1}; /* the second group is empty */
		cr_assert_eq(point_sums_encode(out, t, e, 2), Q_ERR_ARG);
	}
	{
		const point *t[1] = {p};
		const size_t e[1] = {1};
		cr_assert_eq(point_sums_encode(out, t, e, 1), Q_OK);
	}
	point_free(p);
	point_free(np);
	point_free(inf);
	scalar_free(s);
}

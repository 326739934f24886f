/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Threshold keys, 3-of-5: Feldman checks, verification keys, Lagrange
 * combination of partial decryptions from every 3-subset. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/proof.h"
#include "crypto/threshold.h"
#include "testutil.h"

#define N 5
#define K 3

static const uint8_t CTX[PROOF_CTX_LEN] = {42};

struct ceremony {
	threshold_poly *poly[N];
	point *C[N][K];
	scalar *share[N]; /* s_i = sum_d P_d(i) for trustee i = index + 1 */
	point *S[N];
	point *joint;
};

static void ceremony_run(struct ceremony *c)
{
	const point *const *Cd[N];
	const point *C0[N];
	for (int d = 0; d < N; d++) {
		cr_assert_eq(threshold_poly_new(&c->poly[d], K), Q_OK);
		cr_assert_eq(threshold_poly_k(c->poly[d]), K);
		for (int j = 0; j < K; j++)
			c->C[d][j] = point_new();
		cr_assert_eq(threshold_commitments(c->C[d], c->poly[d]), Q_OK);
		/* each commitment carries a Schnorr proof */
		for (uint32_t j = 0; j < K; j++) {
			schnorr_proof *pf = schnorr_proof_new();
			cr_assert_eq(threshold_commitment_prove(pf, CTX, c->poly[d], j), Q_OK);
			cr_assert_eq(schnorr_verify(pf, CTX, c->C[d][j]), Q_OK);
			cr_assert_eq(schnorr_verify(pf, CTX, c->C[d][(j + 1) % K]), Q_ERR_PROOF);
			schnorr_proof_free(pf);
		}
		Cd[d] = (const point *const *)c->C[d];
		C0[d] = c->C[d][0];
	}
	for (int i = 0; i < N; i++) {
		scalar *sh = scalar_new();
		c->share[i] = scalar_new();
		for (int d = 0; d < N; d++) {
			cr_assert_eq(threshold_share(sh, c->poly[d], (uint32_t)i + 1), Q_OK);
			cr_assert_eq(threshold_share_check(sh, (uint32_t)i + 1, Cd[d], K), Q_OK);
			cr_assert_eq(scalar_add(c->share[i], c->share[i], sh), Q_OK);
		}
		scalar_free(sh);
		c->S[i] = point_new();
		cr_assert_eq(threshold_verification_key(c->S[i], (uint32_t)i + 1, Cd, N, K), Q_OK);
	}
	c->joint = point_new();
	cr_assert_eq(threshold_joint_key(c->joint, C0, N), Q_OK);
}

static void ceremony_free(struct ceremony *c)
{
	for (int d = 0; d < N; d++) {
		threshold_poly_free(c->poly[d]);
		for (int j = 0; j < K; j++)
			point_free(c->C[d][j]);
		scalar_free(c->share[d]);
		point_free(c->S[d]);
	}
	point_free(c->joint);
}

Test(threshold, verification_keys_match_shares)
{
	struct ceremony c;
	point *p = point_new();
	ceremony_run(&c);
	for (int i = 0; i < N; i++) {
		cr_assert_eq(point_mul_base(p, c.share[i]), Q_OK);
		cr_assert(point_eq(p, c.S[i]), "S_%d", i + 1);
	}
	point_free(p);
	ceremony_free(&c);
}

Test(threshold, every_three_subset_decrypts)
{
	struct ceremony c;
	point_table *Kt;
	elgamal_ct *sum = elgamal_ct_new(), *ct = elgamal_ct_new();
	point *Mi[N], *M = point_new(), *mG = point_new(), *want = point_new();
	scalar *ms = scalar_new();
	elgamal_dlog_table *dt = NULL;
	uint64_t total = 0;
	int subsets = 0;

	ceremony_run(&c);
	Kt = point_table_new(c.joint);
	cr_assert_not_null(Kt);
	for (uint64_t v = 0; v < 7; v++) {
		cr_assert_eq(elgamal_encrypt_random(ct, v % 2, NULL, Kt), Q_OK);
		cr_assert_eq(elgamal_add(sum, sum, ct), Q_OK);
		total += v % 2;
	}
	/* each trustee's partial decryption with its Chaum-Pedersen proof */
	for (int i = 0; i < N; i++) {
		cp_proof *pf = cp_proof_new();
		Mi[i] = point_new();
		cr_assert_eq(point_mul(Mi[i], c.share[i], sum->a), Q_OK);
		cr_assert_eq(cp_prove(pf, CTX, c.S[i], sum->a, Mi[i], c.share[i]), Q_OK);
		cr_assert_eq(cp_verify(pf, CTX, c.S[i], sum->a, Mi[i]), Q_OK);
		cr_assert_eq(cp_verify(pf, CTX, c.S[(i + 1) % N], sum->a, Mi[i]), Q_ERR_PROOF);
		cp_proof_free(pf);
	}
	cr_assert_eq(scalar_set_u64(ms, total), Q_OK);
	cr_assert_eq(point_mul_base(want, ms), Q_OK);
	cr_assert_eq(elgamal_dlog_table_new(&dt, 100), Q_OK);
	for (uint32_t a = 1; a <= N; a++)
		for (uint32_t b = a + 1; b <= N; b++)
			for (uint32_t d = b + 1; d <= N; d++) {
				uint32_t idx[3] = {d, a, b}; /* order must not matter */
				const point *part[3] = {Mi[d - 1], Mi[a - 1], Mi[b - 1]};
				uint64_t got;
				cr_assert_eq(threshold_combine(M, idx, part, 3, N), Q_OK);
				cr_assert_eq(point_sub(mG, sum->b, M), Q_OK);
				cr_assert(point_eq(mG, want), "subset %u,%u,%u", a, b, d);
				cr_assert_eq(elgamal_dlog(dt, mG, &got), Q_OK);
				cr_assert_eq(got, total);
				subsets++;
			}
	cr_assert_eq(subsets, 10);
	/* two trustees are not enough */
	{
		uint32_t idx[2] = {1, 2};
		const point *part[2] = {Mi[0], Mi[1]};
		cr_assert_eq(threshold_combine(M, idx, part, 2, N), Q_OK);
		cr_assert_eq(point_sub(mG, sum->b, M), Q_OK);
		cr_assert(!point_eq(mG, want));
	}
	/* a wrong partial decryption spoils the result */
	{
		uint32_t idx[3] = {1, 2, 3};
		point *g = point_new();
		const point *part[3] = {Mi[0], Mi[1], g};
		cr_assert_eq(point_add(g, Mi[2], sum->a), Q_OK);
		cr_assert_eq(threshold_combine(M, idx, part, 3, N), Q_OK);
		cr_assert_eq(point_sub(mG, sum->b, M), Q_OK);
		cr_assert(!point_eq(mG, want));
		point_free(g);
	}
	for (int i = 0; i < N; i++)
		point_free(Mi[i]);
	point_free(M);
	point_free(mG);
	point_free(want);
	scalar_free(ms);
	elgamal_ct_free(sum);
	elgamal_ct_free(ct);
	elgamal_dlog_table_free(dt);
	point_table_free(Kt);
	ceremony_free(&c);
}

Test(threshold, wrong_share_fails_feldman)
{
	struct ceremony c;
	scalar *sh = scalar_new(), *one = scalar_new();
	const point *const *Cd;
	ceremony_run(&c);
	Cd = (const point *const *)c.C[0];
	cr_assert_eq(threshold_share(sh, c.poly[0], 2), Q_OK);
	cr_assert_eq(threshold_share_check(sh, 2, Cd, K), Q_OK);
	/* the share for another index, a share + 1, another dealer's commitments */
	cr_assert_eq(threshold_share_check(sh, 3, Cd, K), Q_ERR_PROOF);
	cr_assert_eq(scalar_set_u64(one, 1), Q_OK);
	cr_assert_eq(scalar_add(one, sh, one), Q_OK);
	cr_assert_eq(threshold_share_check(one, 2, Cd, K), Q_ERR_PROOF);
	cr_assert_eq(threshold_share_check(sh, 2, (const point *const *)c.C[1], K), Q_ERR_PROOF);
	cr_assert_eq(threshold_share(sh, c.poly[0], 0), Q_ERR_ARG);
	scalar_free(sh);
	scalar_free(one);
	ceremony_free(&c);
}

Test(threshold, lagrange_rejects_bad_sets)
{
	scalar *l = scalar_new(), *sum = scalar_new(), *one = scalar_new();
	uint32_t dup[3] = {1, 2, 2}, zero[3] = {0, 1, 2}, big[3] = {1, 2, 6}, ok[3] = {1, 3, 5};
	threshold_poly *p = NULL;
	cr_assert_eq(threshold_lagrange(l, 1, dup, 3, N), Q_ERR_ARG);
	cr_assert_eq(threshold_lagrange(l, 1, zero, 3, N), Q_ERR_ARG);
	cr_assert_eq(threshold_lagrange(l, 1, big, 3, N), Q_ERR_ARG);
	cr_assert_eq(threshold_lagrange(l, 2, ok, 3, N), Q_ERR_ARG); /* i not in set */
	cr_assert_eq(threshold_lagrange(l, 1, ok, 0, N), Q_ERR_ARG);
	/* sum of the lambdas of any set is 1 (interpolating the constant 1) */
	for (int t = 0; t < 3; t++) {
		cr_assert_eq(threshold_lagrange(l, ok[t], ok, 3, N), Q_OK);
		cr_assert_eq(scalar_add(sum, sum, l), Q_OK);
	}
	cr_assert_eq(scalar_set_u64(one, 1), Q_OK);
	cr_assert(scalar_eq(sum, one));
	{
		point *M = point_new();
		const point *part[3] = {M, M, M};
		cr_assert_eq(threshold_combine(M, dup, part, 3, N), Q_ERR_ARG);
		point_free(M);
	}
	cr_assert_eq(threshold_poly_new(&p, 0), Q_ERR_ARG);
	cr_assert_null(p);
	threshold_poly_free(NULL);
	scalar_free(l);
	scalar_free(sum);
	scalar_free(one);
}

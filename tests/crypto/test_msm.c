/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Multi-scalar multiplication (crypto/msm.c, C-1.5): the bucket method
 * against the naive sum of point_mul and against OpenSSL's EC_POINTs_mul,
 * for random sizes 0..5000 with the edge cases (zero scalars, points at
 * infinity, duplicate and opposite points, scalar n-1, short scalars);
 * and must-fail tests: one wrong term in thousands is detected. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/group_internal.h"
#include "crypto/proof.h"
#include "crypto/util.h"
#include "testutil.h"

#define N_MINUS_1 "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550"

typedef struct terms {
	size_t n;
	point **p;
	scalar **s;
	uint8_t (*enc)[POINT_LEN]; /* encodings (infinity: none) */
	int *inf; /* p[i] is infinity */
	scalar *g;
} terms;

static uint32_t rnd(void)
{
	uint8_t b[4];
	cr_assert_eq(rand_bytes(b, 4), Q_OK);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void set_hex(scalar *s, const char *hex)
{
	size_t l;
	uint8_t *b = test_unhex(hex, &l);
	cr_assert_eq(scalar_decode(s, b, l), Q_OK);
	free(b);
}

/* n terms; with_inf: some points at infinity (not for point_msm_enc). */
static void terms_make(terms *t, size_t n, int with_inf)
{
	scalar *k = scalar_new();
	memset(t, 0, sizeof *t);
	t->n = n;
	t->p = calloc(n + 1, sizeof *t->p);
	t->s = calloc(n + 1, sizeof *t->s);
	t->enc = calloc(n + 1, sizeof *t->enc);
	t->inf = calloc(n + 1, sizeof *t->inf);
	t->g = scalar_new();
	cr_assert(t->p && t->s && t->enc && t->inf && t->g && k);
	cr_assert_eq(scalar_random(t->g), Q_OK);
	for (size_t i = 0; i < n; i++) {
		uint32_t r = rnd() % 16;
		t->p[i] = point_new();
		t->s[i] = scalar_new();
		cr_assert(t->p[i] && t->s[i]);
		/* the point: usually fresh, sometimes a duplicate or opposite
		 * of an earlier one, sometimes G, sometimes infinity */
		if (i > 0 && r == 0)
			cr_assert_eq(point_copy(t->p[i], t->p[rnd() % i]), Q_OK);
		else if (i > 0 && r == 1)
			cr_assert_eq(point_neg(t->p[i], t->p[rnd() % i]), Q_OK);
		else if (r == 2)
			cr_assert_eq(point_generator(t->p[i]), Q_OK);
		else if (with_inf && r == 3)
			cr_assert_eq(point_set_infinity(t->p[i]), Q_OK);
		else {
			cr_assert_eq(scalar_random(k), Q_OK);
			cr_assert_eq(point_mul_base(t->p[i], k), Q_OK);
		}
		t->inf[i] = point_is_infinity(t->p[i]);
		if (!t->inf[i])
			cr_assert_eq(point_encode(t->enc[i], t->p[i]), Q_OK);
		/* the scalar: zero, 1, n-1, short (128-bit), a duplicate, or full */
		r = rnd() % 16;
		if (r == 0)
			cr_assert_eq(scalar_set_u64(t->s[i], 0), Q_OK);
		else if (r == 1)
			cr_assert_eq(scalar_set_u64(t->s[i], 1), Q_OK);
		else if (r == 2)
			set_hex(t->s[i], N_MINUS_1);
		else if (r == 3)
			cr_assert_eq(scalar_set_u64(t->s[i], rnd()), Q_OK);
		else if (i > 0 && r == 4)
			cr_assert_eq(scalar_copy(t->s[i], t->s[rnd() % i]), Q_OK);
		else if (r == 5) {
			uint8_t b[SCALAR_LEN] = {0};
			cr_assert_eq(rand_bytes(b + 16, 16), Q_OK);
			cr_assert_eq(scalar_decode(t->s[i], b, sizeof b), Q_OK);
		} else
			cr_assert_eq(scalar_random(t->s[i]), Q_OK);
	}
	scalar_free(k);
}

static void terms_free(terms *t)
{
	for (size_t i = 0; i < t->n; i++) {
		point_free(t->p[i]);
		scalar_free(t->s[i]);
	}
	free(t->p);
	free(t->s);
	free(t->enc);
	free(t->inf);
	scalar_free(t->g);
}

/* g*G + sum s_i p_i by point_mul and point_add. */
static void naive(point *r, const scalar *g, const terms *t)
{
	point *x = point_new();
	cr_assert(x != NULL);
	cr_assert_eq(point_set_infinity(r), Q_OK);
	if (g != NULL) {
		cr_assert_eq(point_mul_base(x, g), Q_OK);
		cr_assert_eq(point_add(r, r, x), Q_OK);
	}
	for (size_t i = 0; i < t->n; i++) {
		cr_assert_eq(point_mul(x, t->s[i], t->p[i]), Q_OK);
		cr_assert_eq(point_add(r, r, x), Q_OK);
	}
	point_free(x);
}

static void check_size(size_t n, int with_inf)
{
	terms t;
	point *want = point_new(), *got = point_new();
	const uint8_t **encs = NULL;
	cr_assert(want && got);
	terms_make(&t, n, with_inf);
	for (int use_g = 0; use_g < 2; use_g++) {
		const scalar *g = use_g ? t.g : NULL;
		naive(want, g, &t);
		cr_assert_eq(
		    point_msm(got, g, n, (const point *const *)t.p, (const scalar *const *)t.s),
		    Q_OK);
		cr_assert(point_eq(got, want), "point_msm != naive sum, n = %zu, g = %d", n, use_g);
		cr_assert_eq(
		    point_msm_ref(got, g, n, (const point *const *)t.p, (const scalar *const *)t.s),
		    Q_OK);
		cr_assert(point_eq(got, want), "EC_POINTs_mul != naive sum, n = %zu", n);
		if (!with_inf) {
			encs = calloc(n + 1, sizeof *encs);
			for (size_t i = 0; i < n; i++)
				encs[i] = t.enc[i];
			cr_assert_eq(point_msm_enc(got, g, n, encs, (const scalar *const *)t.s),
			             Q_OK);
			cr_assert(point_eq(got, want), "point_msm_enc != naive sum, n = %zu", n);
			free(encs);
		}
	}
	terms_free(&t);
	point_free(want);
	point_free(got);
}

Test(msm, fixed_sizes_match_naive_sum)
{
	static const size_t sizes[] = {0, 1, 2, 3, 159, 160, 161, 385, 1000};
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		check_size(sizes[i], 1);
		check_size(sizes[i], 0);
	}
}

Test(msm, random_sizes_up_to_5000_match_naive_sum, .timeout = 240)
{
	check_size(5000, 1);
	for (int k = 0; k < 4; k++) {
		size_t n = rnd() % 5001;
		fprintf(stderr, "msm: random size %zu\n", n);
		check_size(n, k & 1);
	}
}

/* All-special inputs: only zero scalars, only infinity, P and -P, n-1. */
Test(msm, edge_cases)
{
	enum { N = 400 };
	terms t;
	point *got = point_new(), *want = point_new();
	terms_make(&t, N, 1);
	/* all scalars zero -> infinity (and with g = 0 too) */
	for (size_t i = 0; i < N; i++)
		cr_assert_eq(scalar_set_u64(t.s[i], 0), Q_OK);
	cr_assert_eq(point_msm(got, NULL, N, (const point *const *)t.p, (const scalar *const *)t.s),
	             Q_OK);
	cr_assert(point_is_infinity(got));
	/* P_i and -P_i with the same scalar (every bucket hits P + (-P)) */
	for (size_t i = 0; i < N; i++) {
		cr_assert_eq(point_mul_base(t.p[i], t.g), Q_OK);
		if (i % 2)
			cr_assert_eq(point_neg(t.p[i], t.p[i]), Q_OK);
		set_hex(t.s[i], N_MINUS_1);
	}
	cr_assert_eq(point_msm(got, NULL, N, (const point *const *)t.p, (const scalar *const *)t.s),
	             Q_OK);
	cr_assert(point_is_infinity(got));
	/* the same point N times with n-1: N*(n-1)*P = -N*P (doublings in
	 * the buckets) */
	for (size_t i = 0; i < N; i++)
		cr_assert_eq(point_mul_base(t.p[i], t.g), Q_OK);
	naive(want, NULL, &t);
	cr_assert_eq(point_msm(got, NULL, N, (const point *const *)t.p, (const scalar *const *)t.s),
	             Q_OK);
	cr_assert(point_eq(got, want));
	/* every point at infinity */
	for (size_t i = 0; i < N; i++)
		cr_assert_eq(point_set_infinity(t.p[i]), Q_OK);
	cr_assert_eq(point_msm(got, t.g, N, (const point *const *)t.p, (const scalar *const *)t.s),
	             Q_OK);
	cr_assert_eq(point_mul_base(want, t.g), Q_OK);
	cr_assert(point_eq(got, want));
	terms_free(&t);
	point_free(got);
	point_free(want);
}

/* The batch-affine buckets (C-1.5) at batch sizes: 4,000, 16,000 and
 * 64,000 terms with the edge cases mixed in, against EC_POINTs_mul; the
 * 16,000 also with the scalars in one part (no low/high split). */
static void check_ref(size_t n, int nosplit)
{
	terms t;
	point *want = point_new(), *got = point_new();
	const uint8_t **encs = calloc(n + 1, sizeof *encs);
	msm_counters before = msm_count;
	cr_assert(want && got && encs);
	terms_make(&t, n, 0);
	for (size_t i = 0; i < n; i++)
		encs[i] = t.enc[i];
	msm_split_override = nosplit;
	cr_assert_eq(
	    point_msm_ref(want, t.g, n, (const point *const *)t.p, (const scalar *const *)t.s),
	    Q_OK);
	cr_assert_eq(point_msm(got, t.g, n, (const point *const *)t.p, (const scalar *const *)t.s),
	             Q_OK);
	cr_assert(point_eq(got, want), "point_msm != EC_POINTs_mul, n = %zu", n);
	cr_assert_eq(point_msm_enc(got, t.g, n, encs, (const scalar *const *)t.s), Q_OK);
	cr_assert(point_eq(got, want), "point_msm_enc != EC_POINTs_mul, n = %zu", n);
	msm_split_override = 0;
	/* the duplicates among the terms meet in buckets: doublings and
	 * opposite pairs went through shared inversions */
	cr_assert(msm_count.inversions > before.inversions);
	cr_assert(msm_count.dbl + msm_count.opp > before.dbl + before.opp, "n = %zu", n);
	free(encs);
	terms_free(&t);
	point_free(want);
	point_free(got);
}

Test(msm, batch_sizes_match_ec_points_mul)
{
	check_ref(4000, 0);
	check_ref(16000, 0);
	check_ref(16000, 1);
	check_ref(64000, 0);
}

/* The exceptional additions inside one shared inversion: window 11
 * (1024 buckets), one part, and 600 buckets of window 0 each receiving
 * two points in the same round -- P and P (a doubling), P and -P
 * (infinity), or P and a fresh Q -- then 100 buckets of four,
 * [P, -P, R, S] and [R, S, P, -P], whose second round adds an infinity to
 * R + S from either side.  Against the naive sum and EC_POINTs_mul. */
Test(msm, exceptional_pairs_in_one_inversion)
{
	enum { NB = 600, NQ = 100, N = 2 * NB + 4 * NQ };
	terms t;
	point *want = point_new(), *got = point_new(), *want2 = point_new();
	scalar *k = scalar_new();
	msm_counters before;
	size_t m = 0;
	cr_assert(want && got && want2 && k);
	terms_make(&t, N, 0);
	for (size_t b = 0; b < NB; b++) {
		/* bucket b (digit b + 1): P_b, then the second operand */
		cr_assert_eq(scalar_random(k), Q_OK);
		cr_assert_eq(point_mul_base(t.p[m], k), Q_OK);
		cr_assert_eq(scalar_set_u64(t.s[m], b + 1), Q_OK);
		m++;
		if (b % 4 == 0)
			cr_assert_eq(point_copy(t.p[m], t.p[m - 1]), Q_OK);
		else if (b % 4 == 1)
			cr_assert_eq(point_neg(t.p[m], t.p[m - 1]), Q_OK);
		else {
			cr_assert_eq(scalar_random(k), Q_OK);
			cr_assert_eq(point_mul_base(t.p[m], k), Q_OK);
		}
		cr_assert_eq(scalar_set_u64(t.s[m], b + 1), Q_OK);
		m++;
	}
	for (size_t b = 0; b < NQ; b++) {
		/* bucket NB + b: P, -P, R, S or R, S, P, -P */
		size_t o = b % 2 ? 2 : 0, r = b % 2 ? 0 : 2;
		cr_assert_eq(scalar_random(k), Q_OK);
		cr_assert_eq(point_mul_base(t.p[m + o], k), Q_OK);
		cr_assert_eq(point_neg(t.p[m + o + 1], t.p[m + o]), Q_OK);
		cr_assert_eq(scalar_random(k), Q_OK);
		cr_assert_eq(point_mul_base(t.p[m + r], k), Q_OK);
		cr_assert_eq(scalar_random(k), Q_OK);
		cr_assert_eq(point_mul_base(t.p[m + r + 1], k), Q_OK);
		for (size_t q = 0; q < 4; q++)
			cr_assert_eq(scalar_set_u64(t.s[m + q], NB + b + 1), Q_OK);
		m += 4;
	}
	cr_assert_eq(m, (size_t)N);
	naive(want, NULL, &t);
	cr_assert_eq(
	    point_msm_ref(want2, NULL, N, (const point *const *)t.p, (const scalar *const *)t.s),
	    Q_OK);
	cr_assert(point_eq(want, want2));
	msm_window_override = 11;
	msm_split_override = 1;
	before = msm_count;
	cr_assert_eq(point_msm(got, NULL, N, (const point *const *)t.p, (const scalar *const *)t.s),
	             Q_OK);
	msm_window_override = 0;
	msm_split_override = 0;
	cr_assert(point_eq(got, want), "exceptional pairs in one inversion: wrong sum");
	/* round 1: the 600 + 200 pairs in one inversion; round 2: the 100
	 * pairs with an infinity, which need none */
	cr_assert_eq(msm_count.rounds - before.rounds, 2);
	cr_assert_eq(msm_count.inversions - before.inversions, 1);
	cr_assert_eq(msm_count.dbl - before.dbl, NB / 4);
	cr_assert_eq(msm_count.opp - before.opp, NB / 4 + NQ);
	cr_assert_eq(msm_count.inf_operand - before.inf_operand, NQ);
	terms_free(&t);
	scalar_free(k);
	point_free(want);
	point_free(want2);
	point_free(got);
}

/* Every window width, so each digit range and carry path runs. */
Test(msm, every_window_width)
{
	terms t;
	point *got = point_new(), *want = point_new();
	terms_make(&t, 300, 1);
	naive(want, t.g, &t);
	for (unsigned c = 2; c <= MSM_MAX_WINDOW; c++) {
		msm_window_override = c;
		cr_assert_eq(
		    point_msm(got, t.g, t.n, (const point *const *)t.p, (const scalar *const *)t.s),
		    Q_OK);
		msm_window_override = 0;
		cr_assert(point_eq(got, want), "window %u", c);
	}
	terms_free(&t);
	point_free(got);
	point_free(want);
}

Test(msm, bad_encoding_is_refused)
{
	terms t;
	point *got = point_new();
	const uint8_t **encs = calloc(200, sizeof *encs);
	terms_make(&t, 200, 0);
	for (size_t i = 0; i < 200; i++)
		encs[i] = t.enc[i];
	t.enc[123][64] ^= 1; /* off the curve */
	cr_assert_eq(point_msm_enc(got, NULL, 200, encs, (const scalar *const *)t.s), Q_ERR_POINT);
	t.enc[123][64] ^= 1;
	t.enc[77][0] = 0x02;
	cr_assert_eq(point_msm_enc(got, NULL, 200, encs, (const scalar *const *)t.s),
	             Q_ERR_ENCODING);
	free(encs);
	terms_free(&t);
	point_free(got);
}

/* Must fail: sum s_i P_i - Q = O holds for the right terms, and one
 * wrong scalar or one wrong point among N is seen (bad1, bad2 < N). */
static void one_wrong_term(size_t N, size_t bad1, size_t bad2)
{
	terms t;
	point *q = point_new(), *got = point_new(), *saved = point_new();
	scalar *one = scalar_new();
	terms_make(&t, N + 1, 0);
	t.n = N;
	/* the guilty term has a nonzero scalar, so a wrong point shows */
	cr_assert_eq(scalar_random(t.s[bad2]), Q_OK);
	cr_assert_eq(
	    point_msm_ref(q, NULL, t.n, (const point *const *)t.p, (const scalar *const *)t.s),
	    Q_OK);
	/* last term: (n-1) * Q, so the whole sum is O */
	cr_assert_eq(point_copy(t.p[N], q), Q_OK);
	set_hex(t.s[N], N_MINUS_1);
	t.n = N + 1;
	cr_assert_eq(
	    point_msm(got, NULL, t.n, (const point *const *)t.p, (const scalar *const *)t.s), Q_OK);
	cr_assert(point_is_infinity(got), "the right terms must sum to O (N = %zu)", N);
	/* one scalar off by one */
	cr_assert_eq(scalar_set_u64(one, 1), Q_OK);
	cr_assert_eq(scalar_add(t.s[bad1], t.s[bad1], one), Q_OK);
	cr_assert_eq(
	    point_msm(got, NULL, t.n, (const point *const *)t.p, (const scalar *const *)t.s), Q_OK);
	cr_assert(!point_is_infinity(got), "a wrong scalar (term %zu of %zu) was not detected",
	          bad1, N);
	cr_assert_eq(scalar_sub(t.s[bad1], t.s[bad1], one), Q_OK);
	/* one point replaced by its double */
	cr_assert_eq(point_copy(saved, t.p[bad2]), Q_OK);
	cr_assert_eq(point_add(t.p[bad2], t.p[bad2], t.p[bad2]), Q_OK);
	cr_assert_eq(
	    point_msm(got, NULL, t.n, (const point *const *)t.p, (const scalar *const *)t.s), Q_OK);
	cr_assert(!point_is_infinity(got), "a wrong point (term %zu of %zu) was not detected", bad2,
	          N);
	terms_free(&t);
	point_free(q);
	point_free(got);
	point_free(saved);
	scalar_free(one);
}

Test(msm, one_wrong_term_is_detected)
{
	one_wrong_term(3000, 1717, 42);
}

/* The same among 20,000 terms (batch-affine buckets, C-1.5). */
Test(msm, one_wrong_term_in_20000_is_detected)
{
	one_wrong_term(20000, 13331, 9999);
}

/* Must fail: range_batch_verify over 100 proofs (> MSM_BUCKET_MIN points,
 * so the bucket method runs) refuses the batch with one flipped response,
 * and range_verify names that proof alone. */
Test(msm, batch_verify_one_bad_proof_in_100)
{
	enum { NB = 100 };
	uint8_t ctx[PROOF_CTX_LEN] = {7};
	scalar *x = scalar_new(), *one = scalar_new();
	point *K = point_new();
	point_table *Kt;
	elgamal_ct *ct[NB];
	range_proof *pf[NB];
	uint8_t enc[NB][2 * POINT_LEN];
	range_batch_item it[NB];
	cr_assert_eq(scalar_random(x), Q_OK);
	cr_assert_eq(point_mul_base(K, x), Q_OK);
	Kt = point_table_new(K);
	cr_assert(Kt != NULL);
	for (size_t i = 0; i < NB; i++) {
		ct[i] = elgamal_ct_new();
		cr_assert_eq(range_encrypt_prove(ct[i], &pf[i], NULL, ctx, Kt, i % 2, 0, 1), Q_OK);
		cr_assert_eq(point_encode(enc[i], ct[i]->a), Q_OK);
		cr_assert_eq(point_encode(enc[i] + POINT_LEN, ct[i]->b), Q_OK);
		it[i] = (range_batch_item){pf[i], ctx, ct[i], enc[i], 0, 1};
	}
	cr_assert_eq(range_batch_verify(it, NB, K, Kt), Q_OK);
	cr_assert_eq(scalar_set_u64(one, 1), Q_OK);
	cr_assert_eq(scalar_add(pf[63]->v[1], pf[63]->v[1], one), Q_OK);
	cr_assert_eq(range_batch_verify(it, NB, K, Kt), Q_ERR_PROOF, "one bad proof in 100");
	for (size_t i = 0; i < NB; i++)
		cr_assert_eq(range_verify(pf[i], ctx, K, Kt, ct[i], 0, 1),
		             i == 63 ? Q_ERR_PROOF : Q_OK, "proof %zu", i);
	for (size_t i = 0; i < NB; i++) {
		elgamal_ct_free(ct[i]);
		range_proof_free(pf[i]);
	}
	point_table_free(Kt);
	point_free(K);
	scalar_free(x);
	scalar_free(one);
}

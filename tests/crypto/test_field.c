/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The fixed-width arithmetic under the batch verifier (crypto/msm.c,
 * C-1.5): the field multiplication mod p, both the x86-64 MULX/ADX one and
 * the portable one, against OpenSSL's BIGNUM on random and edge values
 * (0, 1, p - 1, 2^256 - 1, inputs >= p, carries out of every limb), and the
 * whole MSM with the portable multiplication forced. */
#include <criterion/criterion.h>
#include <openssl/bn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/group.h"
#include "crypto/group_internal.h"
#include "crypto/util.h"
#include "testutil.h"

#define P_HEX "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"

typedef struct {
	uint64_t l[4];
} u256;

static void rnd(uint64_t *w, size_t n)
{
	cr_assert_eq(rand_bytes((uint8_t *)w, n * sizeof *w), Q_OK);
}

static BIGNUM *bn_of(const uint64_t l[4])
{
	uint8_t be[32];
	for (int i = 0; i < 4; i++)
		for (int k = 0; k < 8; k++)
			be[(3 - i) * 8 + k] = (uint8_t)(l[i] >> (56 - 8 * k));
	BIGNUM *b = BN_bin2bn(be, 32, NULL);
	cr_assert_not_null(b);
	return b;
}

static BIGNUM *bn_hex(const char *hex)
{
	BIGNUM *b = NULL;
	cr_assert(BN_hex2bn(&b, hex) > 0);
	return b;
}

static void limbs_of_bn(uint64_t l[4], const BIGNUM *b)
{
	uint8_t be[32];
	cr_assert_eq(BN_bn2binpad(b, be, 32), 32);
	for (int i = 0; i < 4; i++) {
		uint64_t v = 0;
		for (int k = 0; k < 8; k++)
			v = (v << 8) | be[(3 - i) * 8 + k];
		l[i] = v;
	}
}

/* Edge values of 256 bits for a modulus m (p or n): 0, 1, 2, m - 1, m - 2,
 * m, m + 1, 2^256 - 1, 2^256 - m (= R mod m), a lone 1 or all-ones in each
 * limb (carries out of every limb), alternating patterns. */
static size_t edges(u256 *out, const BIGNUM *m)
{
	size_t k = 0;
	BIGNUM *t = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	cr_assert(t && ctx);
	memset(out, 0, 40 * sizeof *out);
	out[k++].l[0] = 0;
	out[k++].l[0] = 1;
	out[k++].l[0] = 2;
	for (long d = -2; d <= 1; d++) {
		cr_assert(BN_copy(t, m));
		cr_assert(d < 0 ? BN_sub_word(t, (BN_ULONG)-d) : BN_add_word(t, (BN_ULONG)d));
		limbs_of_bn(out[k++].l, t);
	}
	for (int i = 0; i < 4; i++)
		out[k++].l[i] = ~(uint64_t)0; /* all-ones limb alone */
	for (int i = 0; i < 4; i++)
		out[k++].l[i] = (uint64_t)1 << 63;
	for (int i = 0; i < 4; i++) {
		out[k].l[i] = ~(uint64_t)0; /* 2^256 - 1 */
		out[k + 1].l[i] = 0xaaaaaaaaaaaaaaaau;
		out[k + 2].l[i] = 0x5555555555555555u;
		out[k + 3].l[i] = 0xffffffff00000000u;
	}
	k += 4;
	/* 2^256 - m */
	cr_assert(BN_set_word(t, 0) && BN_set_bit(t, 256) && BN_sub(t, t, m));
	limbs_of_bn(out[k++].l, t);
	/* m - 1 with one limb's carry pattern disturbed */
	for (int i = 0; i < 4; i++) {
		cr_assert(BN_copy(t, m) && BN_sub_word(t, 1));
		limbs_of_bn(out[k].l, t);
		out[k++].l[i] ^= 1;
	}
	cr_assert_leq(k, 40);
	BN_free(t);
	BN_CTX_free(ctx);
	return k;
}

/* r == a*b/2^256 mod p per BIGNUM: exact when a or b < p (r < p), else
 * congruent and < 2^256 (msm_fe_mul's contract). */
static void check_mul(const uint64_t r[4], const uint64_t a[4], const uint64_t b[4],
                      const char *which)
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *p = bn_hex(P_HEX), *A = bn_of(a), *B = bn_of(b), *Rr = bn_of(r), *w = BN_new(),
	       *rinv = BN_new();
	cr_assert(ctx && w && rinv);
	/* want = a*b*R^-1 mod p */
	cr_assert(BN_set_word(w, 0) && BN_set_bit(w, 256));
	cr_assert(BN_mod_inverse(rinv, w, p, ctx));
	cr_assert(BN_mod_mul(w, A, B, p, ctx) && BN_mod_mul(w, w, rinv, p, ctx));
	int reduced = BN_cmp(A, p) < 0 || BN_cmp(B, p) < 0;
	if (reduced) {
		cr_assert_eq(BN_cmp(Rr, w), 0,
		             "%s: a*b/R mod p wrong for a = %016llx%016llx%016llx%016llx, b = "
		             "%016llx%016llx%016llx%016llx",
		             which, (unsigned long long)a[3], (unsigned long long)a[2],
		             (unsigned long long)a[1], (unsigned long long)a[0],
		             (unsigned long long)b[3], (unsigned long long)b[2],
		             (unsigned long long)b[1], (unsigned long long)b[0]);
	} else {
		BIGNUM *rm = BN_new();
		cr_assert(rm && BN_nnmod(rm, Rr, p, ctx));
		cr_assert_eq(BN_cmp(rm, w), 0, "%s: not congruent for inputs >= p", which);
		BN_free(rm);
	}
	BN_free(p);
	BN_free(A);
	BN_free(B);
	BN_free(Rr);
	BN_free(w);
	BN_free(rinv);
	BN_CTX_free(ctx);
}

/* Both multiplications on (a, b): each against BIGNUM, the two equal bit
 * for bit (they run the same rounds), and with r aliasing a. */
static void both(const uint64_t a[4], const uint64_t b[4])
{
	uint64_t rp[4], rf[4], al[4];
	msm_fe_mul_portable(rp, a, b);
	check_mul(rp, a, b, "portable");
	msm_fe_mul(rf, a, b);
	check_mul(rf, a, b, "msm_fe_mul");
	cr_assert_arr_eq(rp, rf, sizeof rp, "the two multiplications differ");
	memcpy(al, a, sizeof al);
	msm_fe_mul(al, al, b);
	cr_assert_arr_eq(al, rf, sizeof al, "aliasing r = a changes the result");
}

Test(field, mul_matches_bignum_on_edges_and_random)
{
	BIGNUM *p = bn_hex(P_HEX);
	u256 e[40];
	size_t ne = edges(e, p);
	for (size_t i = 0; i < ne; i++)
		for (size_t j = 0; j < ne; j++)
			both(e[i].l, e[j].l);
	for (int k = 0; k < 3000; k++) {
		uint64_t a[4], b[4];
		rnd(a, 4);
		rnd(b, 4);
		if (k % 3 == 0) /* reduced inputs mostly */
			a[3] &= 0x7fffffffffffffffu;
		if (k % 3 != 2)
			b[3] &= 0x7fffffffffffffffu;
		both(a, b);
		both(a, e[k % ne].l);
	}
	BN_free(p);
}

/* fe_add and fe_sub (a, b < p) against BIGNUM. */
static void check_addsub(const uint64_t a[4], const uint64_t b[4])
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *p = bn_hex(P_HEX), *A = bn_of(a), *B = bn_of(b), *w = BN_new(), *got;
	uint64_t r[4];
	cr_assert(ctx && w);
	if (BN_cmp(A, p) < 0 && BN_cmp(B, p) < 0) {
		msm_fe_add(r, a, b);
		got = bn_of(r);
		cr_assert(BN_mod_add(w, A, B, p, ctx));
		cr_assert_eq(BN_cmp(got, w), 0, "msm_fe_add");
		BN_free(got);
		msm_fe_sub(r, a, b);
		got = bn_of(r);
		cr_assert(BN_mod_sub(w, A, B, p, ctx));
		cr_assert_eq(BN_cmp(got, w), 0, "msm_fe_sub");
		BN_free(got);
	}
	BN_free(p);
	BN_free(A);
	BN_free(B);
	BN_free(w);
	BN_CTX_free(ctx);
}

Test(field, add_sub_match_bignum_on_edges_and_random)
{
	BIGNUM *p = bn_hex(P_HEX);
	u256 e[40];
	size_t ne = edges(e, p);
	for (size_t i = 0; i < ne; i++)
		for (size_t j = 0; j < ne; j++)
			check_addsub(e[i].l, e[j].l);
	for (int k = 0; k < 3000; k++) {
		uint64_t a[4], b[4];
		rnd(a, 4);
		rnd(b, 4);
		a[3] &= 0xfffffffeffffffffu; /* < p */
		b[3] &= 0xfffffffeffffffffu;
		check_addsub(a, b);
		check_addsub(a, e[k % ne].l);
		check_addsub(e[k % ne].l, b);
	}
	BN_free(p);
}

/* Squaring (a < p): msm_fe_sqr (the dedicated assembly one where chosen)
 * equals the portable a*a and BIGNUM's a^2/R mod p. */
Test(field, sqr_matches_bignum_on_edges_and_random)
{
	BIGNUM *p = bn_hex(P_HEX);
	u256 e[40];
	size_t ne = edges(e, p);
	for (size_t k = 0; k < ne + 6000; k++) {
		uint64_t a[4], rs[4], rp[4];
		BIGNUM *A;
		if (k < ne) {
			memcpy(a, e[k].l, sizeof a);
		} else {
			rnd(a, 4);
			if (k % 4 == 0) /* some limbs all-ones or zero */
				a[k / 4 % 4] = k % 8 ? ~(uint64_t)0 : 0;
		}
		A = bn_of(a);
		if (BN_cmp(A, p) < 0) {
			msm_fe_sqr(rs, a);
			msm_fe_mul_portable(rp, a, a);
			check_mul(rs, a, a, "msm_fe_sqr");
			cr_assert_arr_eq(rs, rp, sizeof rs, "msm_fe_sqr != a*a");
			memcpy(rp, a, sizeof rp);
			msm_fe_sqr(rp, rp);
			cr_assert_arr_eq(rs, rp, sizeof rs, "msm_fe_sqr aliased");
		}
		BN_free(A);
	}
	BN_free(p);
}

Test(field, the_fast_multiplication_is_chosen_where_the_cpu_has_it)
{
	int fast = msm_fe_force_portable(0);
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	__builtin_cpu_init();
	cr_assert_eq(fast, __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("adx"));
#else
	cr_assert_eq(fast, 0);
#endif
	cr_assert_eq(msm_fe_force_portable(1), 0);
	cr_assert_eq(msm_fe_force_portable(0), fast);
}

/* The MSM with the portable multiplication forced and with the chosen one:
 * both equal EC_POINTs_mul on 3,000 terms (batch-verification mix). */
Test(field, msm_on_both_multiplications_matches_ec_points_mul)
{
	enum { N = 3000 };
	point **p = calloc(N, sizeof *p), *want = point_new(), *got = point_new();
	scalar **s = calloc(N, sizeof *s), *k = scalar_new(), *g = scalar_new();
	uint8_t(*enc)[POINT_LEN] = calloc(N, POINT_LEN);
	const uint8_t **encs = calloc(N, sizeof *encs);
	cr_assert(p && s && k && g && want && got && enc && encs);
	cr_assert_eq(scalar_random(g), Q_OK);
	for (size_t i = 0; i < N; i++) {
		uint8_t b[SCALAR_LEN] = {0};
		p[i] = point_new();
		s[i] = scalar_new();
		cr_assert(p[i] && s[i]);
		cr_assert_eq(scalar_random(k), Q_OK);
		cr_assert_eq(point_mul_base(p[i], k), Q_OK);
		cr_assert_eq(point_encode(enc[i], p[i]), Q_OK);
		encs[i] = enc[i];
		if (i % 3 == 0) {
			cr_assert_eq(scalar_random(s[i]), Q_OK);
		} else {
			cr_assert_eq(rand_bytes(b + 16, 16), Q_OK);
			cr_assert_eq(scalar_decode(s[i], b, SCALAR_LEN), Q_OK);
		}
	}
	cr_assert_eq(point_msm_ref(want, g, N, (const point *const *)p, (const scalar *const *)s),
	             Q_OK);
	for (int portable = 1; portable >= 0; portable--) {
		msm_fe_force_portable(portable);
		cr_assert_eq(point_msm_enc(got, g, N, encs, (const scalar *const *)s), Q_OK);
		cr_assert(point_eq(got, want), "point_msm_enc (portable %d) != EC_POINTs_mul",
		          portable);
		cr_assert_eq(
		    point_msm(got, g, N, (const point *const *)p, (const scalar *const *)s), Q_OK);
		cr_assert(point_eq(got, want), "point_msm (portable %d) != EC_POINTs_mul",
		          portable);
	}
	msm_fe_force_portable(0);
	for (size_t i = 0; i < N; i++) {
		point_free(p[i]);
		scalar_free(s[i]);
	}
	free(p);
	free(s);
	free(enc);
	free(encs);
	point_free(want);
	point_free(got);
	scalar_free(k);
	scalar_free(g);
}

#define N_HEX "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"

/* The scalar routines mod n (range_batch_verify's coefficients) against
 * BIGNUM: add and sub on values < n, the Montgomery product where one
 * input is < n and the other any 256-bit value (a 128-bit weight, a value
 * >= n), and the conversion out of Montgomery form. */
static void check_sc(const uint64_t a[4], const uint64_t b[4])
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *n = bn_hex(N_HEX), *A = bn_of(a), *B = bn_of(b), *w = BN_new(), *rinv = BN_new(),
	       *R = BN_new(), *got;
	uint64_t r[4];
	cr_assert(ctx && w && rinv && R);
	cr_assert(BN_set_word(R, 0) && BN_set_bit(R, 256));
	cr_assert(BN_mod_inverse(rinv, R, n, ctx));
	int a_red = BN_cmp(A, n) < 0, b_red = BN_cmp(B, n) < 0;
	if (a_red && b_red) {
		msm_sc_add(r, a, b);
		got = bn_of(r);
		cr_assert(BN_mod_add(w, A, B, n, ctx));
		cr_assert_eq(BN_cmp(got, w), 0, "msm_sc_add");
		BN_free(got);
		msm_sc_sub(r, a, b);
		got = bn_of(r);
		cr_assert(BN_mod_sub(w, A, B, n, ctx));
		cr_assert_eq(BN_cmp(got, w), 0, "msm_sc_sub");
		BN_free(got);
		msm_sc_from_mont(r, a);
		got = bn_of(r);
		cr_assert(BN_mod_mul(w, A, R, n, ctx));
		cr_assert_eq(BN_cmp(got, w), 0, "msm_sc_from_mont");
		BN_free(got);
	}
	if (a_red || b_red) {
		msm_sc_mont_mul(r, a, b);
		got = bn_of(r);
		cr_assert(BN_mod_mul(w, A, B, n, ctx) && BN_mod_mul(w, w, rinv, n, ctx));
		cr_assert_eq(BN_cmp(got, w), 0,
		             "msm_sc_mont_mul wrong for a = %016llx%016llx%016llx%016llx, b = "
		             "%016llx%016llx%016llx%016llx",
		             (unsigned long long)a[3], (unsigned long long)a[2],
		             (unsigned long long)a[1], (unsigned long long)a[0],
		             (unsigned long long)b[3], (unsigned long long)b[2],
		             (unsigned long long)b[1], (unsigned long long)b[0]);
		BN_free(got);
		/* r aliasing a */
		uint64_t al[4];
		memcpy(al, a, sizeof al);
		msm_sc_mont_mul(al, al, b);
		cr_assert_arr_eq(al, r, sizeof al);
	}
	BN_free(n);
	BN_free(A);
	BN_free(B);
	BN_free(w);
	BN_free(rinv);
	BN_free(R);
	BN_CTX_free(ctx);
}

Test(field, scalars_mod_n_match_bignum_on_edges_and_random)
{
	BIGNUM *n = bn_hex(N_HEX);
	u256 e[40];
	size_t ne = edges(e, n);
	for (size_t i = 0; i < ne; i++)
		for (size_t j = 0; j < ne; j++)
			check_sc(e[i].l, e[j].l);
	for (int k = 0; k < 3000; k++) {
		uint64_t a[4], b[4];
		rnd(a, 4);
		rnd(b, 4);
		if (k % 2 == 0) /* a batch weight: 128 bits */
			a[2] = a[3] = 0;
		b[3] &= k % 3 ? 0x7fffffffffffffffu : ~(uint64_t)0;
		check_sc(a, b);
		check_sc(b, a);
		check_sc(a, e[k % ne].l);
	}
	BN_free(n);
}

/* msm_run_limbs at the small sizes a batch of one proof gives (the batch
 * verifier calls it whatever its size), against the naive sum, with the
 * portable multiplication and the chosen one. */
Test(field, msm_run_limbs_small_sizes_match_naive_sum)
{
	enum { MAXN = 40 };
	msm_pt pts[MAXN];
	uint64_t sl[MAXN][4];
	point *p[MAXN], *want = point_new(), *t = point_new(), *got = point_new();
	scalar *s = scalar_new();
	uint8_t enc[POINT_LEN], out[POINT_LEN];
	cr_assert(want && t && got && s);
	for (size_t i = 0; i < MAXN; i++) {
		uint8_t b[SCALAR_LEN];
		p[i] = point_new();
		cr_assert_eq(scalar_random(s), Q_OK);
		cr_assert_eq(point_mul_base(p[i], s), Q_OK);
		if (i % 7 == 3) /* a repeated point: doublings in the buckets */
			cr_assert_eq(point_copy(p[i], p[i - 1]), Q_OK);
		cr_assert_eq(point_encode(enc, p[i]), Q_OK);
		cr_assert_eq(msm_pt_from_enc(&pts[i], enc), Q_OK);
		cr_assert_eq(scalar_random(s), Q_OK);
		scalar_encode(b, s);
		if (i % 2)
			memset(b, 0, 16); /* 128-bit weights */
		msm_limbs_from_be(sl[i], b);
	}
	for (int portable = 1; portable >= 0; portable--) {
		msm_fe_force_portable(portable);
		cr_assert_eq(point_set_infinity(want), Q_OK);
		for (size_t n = 1; n <= MAXN; n++) {
			uint8_t b[SCALAR_LEN];
			int inf;
			msm_limbs_to_be(b, sl[n - 1]);
			cr_assert_eq(scalar_decode(s, b, SCALAR_LEN), Q_OK);
			cr_assert_eq(point_mul(t, s, p[n - 1]), Q_OK);
			cr_assert_eq(point_add(want, want, t), Q_OK);
			cr_assert_eq(msm_run_limbs(out, &inf, pts, (const uint64_t(*)[4])sl, n),
			             Q_OK);
			cr_assert_not(inf);
			cr_assert_eq(point_decode(got, out, POINT_LEN), Q_OK);
			cr_assert(point_eq(got, want), "n = %zu, portable %d", n, portable);
		}
	}
	msm_fe_force_portable(0);
	for (size_t i = 0; i < MAXN; i++)
		point_free(p[i]);
	point_free(want);
	point_free(t);
	point_free(got);
	scalar_free(s);
}

/* point_sums_enc (the batch verifier's group and contest sums) against
 * point_add: random groups of 0..9 points, a group with P and -P
 * (infinity), one with P twice (a doubling), one that comes back to
 * infinity only at its last point; a bad encoding is refused with
 * point_decode's error. */
Test(field, point_sums_enc_matches_point_add)
{
	enum { G = 60, MAXPER = 9 };
	uint8_t(*enc)[POINT_LEN] = calloc(G * MAXPER, POINT_LEN), out[G][POINT_LEN], inf[G];
	const uint8_t **ptrs = calloc(G * MAXPER, sizeof *ptrs);
	size_t end[G], m = 0;
	point *want[G], *p = point_new(), *got = point_new();
	scalar *k = scalar_new();
	cr_assert(enc && ptrs && p && got && k);
	for (size_t g = 0; g < G; g++) {
		uint8_t r;
		size_t cnt;
		cr_assert_eq(rand_bytes(&r, 1), Q_OK);
		cnt = g == 0 ? 0 : g < 4 ? 2 : g == 4 ? 3 : r % (MAXPER + 1);
		want[g] = point_new();
		cr_assert_not_null(want[g]);
		for (size_t i = 0; i < cnt; i++) {
			cr_assert_eq(scalar_random(k), Q_OK);
			cr_assert_eq(point_mul_base(p, k), Q_OK);
			if ((g == 1 || g == 2) && i == 1) /* P, -P */
				cr_assert_eq(point_neg(p, want[g]), Q_OK);
			if (g == 3 && i == 1) /* P, P */
				cr_assert_eq(point_copy(p, want[g]), Q_OK);
			if (g == 4 && i == 2) /* P, Q, -(P + Q) */
				cr_assert_eq(point_neg(p, want[g]), Q_OK);
			cr_assert_eq(point_add(want[g], want[g], p), Q_OK);
			cr_assert_eq(point_encode(enc[m], p), Q_OK);
			ptrs[m] = enc[m];
			m++;
		}
		end[g] = m;
	}
	for (int portable = 1; portable >= 0; portable--) {
		msm_fe_force_portable(portable);
		memset(inf, 0xaa, sizeof inf);
		cr_assert_eq(point_sums_enc(out, inf, ptrs, end, G), Q_OK);
		for (size_t g = 0; g < G; g++) {
			cr_assert_eq(inf[g], point_is_infinity(want[g]), "group %zu", g);
			if (inf[g])
				continue;
			cr_assert_eq(point_decode(got, out[g], POINT_LEN), Q_OK);
			cr_assert(point_eq(got, want[g]), "group %zu (portable %d)", g, portable);
		}
	}
	msm_fe_force_portable(0);
	cr_assert(inf[0] && inf[1] && inf[2] && !inf[3] && inf[4]);
	/* a coordinate >= p, off the curve, a bad prefix */
	uint8_t save[POINT_LEN];
	memcpy(save, enc[m - 1], POINT_LEN);
	memset(enc[m - 1] + 1, 0xff, 32);
	cr_assert_eq(point_sums_enc(out, inf, ptrs, end, G), Q_ERR_POINT);
	memcpy(enc[m - 1], save, POINT_LEN);
	enc[m - 1][64] ^= 1;
	cr_assert_eq(point_sums_enc(out, inf, ptrs, end, G), Q_ERR_POINT);
	memcpy(enc[m - 1], save, POINT_LEN);
	enc[m - 1][0] = 0x03;
	cr_assert_eq(point_sums_enc(out, inf, ptrs, end, G), Q_ERR_ENCODING);
	for (size_t g = 0; g < G; g++)
		point_free(want[g]);
	free(enc);
	free(ptrs);
	point_free(p);
	point_free(got);
	scalar_free(k);
}

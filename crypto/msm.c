/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * msm.c -- multi-scalar multiplication over P-256 by the bucket method
 * (Pippenger), with its own field arithmetic (docs/spec/crypto.md C-1.5).
 *
 * NOT CONSTANT TIME.  Every branch, bucket index and memory access here
 * depends on the scalars and points: this code is for public data only
 * (batch verification of proofs, the homomorphic tally, verification of
 * trustees' shares).  Secrets never reach it; group.h says so too.
 *
 * Field elements are 4 x 64-bit limbs, little-endian, in Montgomery form
 * (a*R mod p, R = 2^256), always fully reduced into [0, p), so equality
 * is limb equality.  Points in the buckets are Jacobian (X : Y : Z),
 * x = X/Z^2, y = Y/Z^3, Z = 0 the point at infinity; inputs are affine.
 * Formulas (a = -3): doubling dbl-2001-b, mixed addition madd-2007-bl,
 * addition add-2007-bl (Explicit-Formulas Database), with the
 * exceptional cases (an operand at infinity, P + P, P + (-P)) handled
 * explicitly, so duplicate and opposite points are fine.
 */
#include <stdlib.h>
#include <string.h>

#include "group_internal.h"

#include "banned.h"

typedef unsigned __int128 u128;

/* p = 2^256 - 2^224 + 2^192 + 2^96 - 1 */
static const uint64_t P[4] = {0xffffffffffffffffu, 0x00000000ffffffffu, 0, 0xffffffff00000001u};
/* R^2 mod p, to enter Montgomery form */
static const uint64_t R2[4] = {0x3u, 0xfffffffbffffffffu, 0xfffffffffffffffeu, 0x4fffffffdu};
/* b*R mod p (the curve's b in Montgomery form) */
static const uint64_t BM[4] = {0xd89cdf6229c4bddfu, 0xacf005cd78843090u, 0xe5a220abf7212ed6u,
                               0xdc30061d04874834u};
static const uint64_t ONE[4] = {1, 0, 0, 0};
/* R mod p = 1 in Montgomery form */
static const uint64_t RM[4] = {0x1u, 0xffffffff00000000u, 0xffffffffffffffffu, 0xfffffffeu};

typedef struct {
	uint64_t X[4], Y[4], Z[4];
} jac;

/* r = a - p if a (with carry bit hi) >= p, else a; a < 2p. */
static inline void fe_reduce_once(uint64_t r[4], uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                                  uint64_t hi)
{
	u128 d;
	uint64_t t0, t1, t2, t3, borrow;
	d = (u128)a0 - P[0];
	t0 = (uint64_t)d;
	d = (u128)a1 - P[1] - ((uint64_t)(d >> 64) & 1);
	t1 = (uint64_t)d;
	d = (u128)a2 - P[2] - ((uint64_t)(d >> 64) & 1);
	t2 = (uint64_t)d;
	d = (u128)a3 - P[3] - ((uint64_t)(d >> 64) & 1);
	t3 = (uint64_t)d;
	borrow = (uint64_t)(d >> 64) & 1;
	/* a >= p iff the subtraction did not borrow past the carry bit */
	if (hi || !borrow) {
		r[0] = t0;
		r[1] = t1;
		r[2] = t2;
		r[3] = t3;
	} else {
		r[0] = a0;
		r[1] = a1;
		r[2] = a2;
		r[3] = a3;
	}
}

static inline void fe_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	u128 c;
	uint64_t t0, t1, t2, t3;
	c = (u128)a[0] + b[0];
	t0 = (uint64_t)c;
	c = (u128)a[1] + b[1] + (uint64_t)(c >> 64);
	t1 = (uint64_t)c;
	c = (u128)a[2] + b[2] + (uint64_t)(c >> 64);
	t2 = (uint64_t)c;
	c = (u128)a[3] + b[3] + (uint64_t)(c >> 64);
	t3 = (uint64_t)c;
	fe_reduce_once(r, t0, t1, t2, t3, (uint64_t)(c >> 64));
}

static inline void fe_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	u128 d, c;
	uint64_t t0, t1, t2, t3, mask;
	d = (u128)a[0] - b[0];
	t0 = (uint64_t)d;
	d = (u128)a[1] - b[1] - ((uint64_t)(d >> 64) & 1);
	t1 = (uint64_t)d;
	d = (u128)a[2] - b[2] - ((uint64_t)(d >> 64) & 1);
	t2 = (uint64_t)d;
	d = (u128)a[3] - b[3] - ((uint64_t)(d >> 64) & 1);
	t3 = (uint64_t)d;
	/* add p back if it borrowed */
	mask = 0 - ((uint64_t)(d >> 64) & 1);
	c = (u128)t0 + (P[0] & mask);
	r[0] = (uint64_t)c;
	c = (u128)t1 + (P[1] & mask) + (uint64_t)(c >> 64);
	r[1] = (uint64_t)c;
	c = (u128)t2 + (P[2] & mask) + (uint64_t)(c >> 64);
	r[2] = (uint64_t)c;
	c = (u128)t3 + (P[3] & mask) + (uint64_t)(c >> 64);
	r[3] = (uint64_t)c;
}

/* lo(a*b + c + *carry), *carry = the high word. */
static inline uint64_t mac(uint64_t a, uint64_t b, uint64_t c, uint64_t *carry)
{
	u128 t = (u128)a * b + c + *carry;
	*carry = (uint64_t)(t >> 64);
	return (uint64_t)t;
}

/* Montgomery product a*b/R mod p, interleaved (CIOS), unrolled.
 * -p^-1 mod 2^64 = 1, so each round's multiplier m is the lowest limb,
 * and adding m*p = m*(2^96 - 1) + m*P[3]*2^192 takes one multiplication:
 * the low limb cancels (carrying m), limb 1 gets m<<32, limb 2 m>>32,
 * limb 3 m*P[3]. */
/* noinline: gcc 12 spills badly when it inlines this into the point
 * formulas (measured ~1.6x slower); clang does well either way. */
__attribute__((noinline)) static void fe_mul(uint64_t r[4], const uint64_t a[4],
                                             const uint64_t b[4])
{
	uint64_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
	uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5;
#pragma GCC unroll 4
	for (int i = 0; i < 4; i++) {
		uint64_t bi = b[i], carry = 0, m;
		u128 s;
		t0 = mac(a0, bi, t0, &carry);
		t1 = mac(a1, bi, t1, &carry);
		t2 = mac(a2, bi, t2, &carry);
		t3 = mac(a3, bi, t3, &carry);
		s = (u128)t4 + carry;
		t4 = (uint64_t)s;
		t5 = (uint64_t)(s >> 64);
		m = t0;
		s = (u128)t1 + (m << 32);
		t0 = (uint64_t)s;
		s = (u128)t2 + (m >> 32) + (uint64_t)(s >> 64);
		t1 = (uint64_t)s;
		s = (u128)t3 + (u128)m * P[3] + (uint64_t)(s >> 64);
		t2 = (uint64_t)s;
		s = (u128)t4 + (uint64_t)(s >> 64);
		t3 = (uint64_t)s;
		t4 = t5 + (uint64_t)(s >> 64);
	}
	fe_reduce_once(r, t0, t1, t2, t3, t4);
}

/* A dedicated squaring (10 multiplications instead of 16) measured no
 * faster with gcc 12, so squaring is a multiplication. */
static inline void fe_sqr(uint64_t r[4], const uint64_t a[4])
{
	fe_mul(r, a, a);
}

static int fe_is_zero(const uint64_t a[4])
{
	return (a[0] | a[1] | a[2] | a[3]) == 0;
}

static int fe_eq(const uint64_t a[4], const uint64_t b[4])
{
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])) == 0;
}

/* r = a^(p-2) = a^-1 (a != 0; public values, so square-and-multiply). */
static void fe_inv(uint64_t r[4], const uint64_t a[4])
{
	static const uint64_t E[4] = {0xfffffffffffffffdu, 0x00000000ffffffffu, 0,
	                              0xffffffff00000001u};
	uint64_t acc[4];
	memcpy(acc, RM, sizeof acc);
	for (int i = 255; i >= 0; i--) {
		fe_sqr(acc, acc);
		if ((E[i / 64] >> (i % 64)) & 1)
			fe_mul(acc, acc, a);
	}
	memcpy(r, acc, sizeof acc);
}

/* 32 big-endian bytes -> limbs (no reduction). */
static void fe_from_be(uint64_t r[4], const uint8_t in[32])
{
	for (int i = 0; i < 4; i++) {
		uint64_t v = 0;
		for (int k = 0; k < 8; k++)
			v = (v << 8) | in[(3 - i) * 8 + k];
		r[i] = v;
	}
}

static void fe_to_be(uint8_t out[32], const uint64_t a[4])
{
	for (int i = 0; i < 4; i++)
		for (int k = 0; k < 8; k++)
			out[(3 - i) * 8 + k] = (uint8_t)(a[i] >> (56 - 8 * k));
}

/* 1 if the limbs are < p. */
static int fe_canonical(const uint64_t a[4])
{
	for (int i = 3; i >= 0; i--)
		if (a[i] != P[i])
			return a[i] < P[i];
	return 0;
}

/* Normal integer (< p) -> Montgomery form. */
static void fe_to_mont(uint64_t r[4], const uint64_t a[4])
{
	fe_mul(r, a, R2);
}

static void fe_from_mont(uint64_t r[4], const uint64_t a[4])
{
	fe_mul(r, a, ONE);
}

/* ---- points ---- */

static void jac_set_inf(jac *r)
{
	memset(r, 0, sizeof *r);
}

static int jac_is_inf(const jac *a)
{
	return fe_is_zero(a->Z);
}

/* dbl-2001-b (a = -3); r may alias a. */
static void jac_dbl(jac *r, const jac *a)
{
	uint64_t delta[4], gamma[4], beta[4], alpha[4], t1[4], t2[4];
	if (jac_is_inf(a) || fe_is_zero(a->Y)) {
		jac_set_inf(r);
		return;
	}
	fe_sqr(delta, a->Z);
	fe_sqr(gamma, a->Y);
	fe_mul(beta, a->X, gamma);
	fe_sub(t1, a->X, delta);
	fe_add(t2, a->X, delta);
	fe_mul(alpha, t1, t2);
	fe_add(t1, alpha, alpha);
	fe_add(alpha, t1, alpha); /* alpha = 3 (X - delta)(X + delta) */
	/* Z3 = (Y + Z)^2 - gamma - delta (before X, Y are overwritten) */
	fe_add(t1, a->Y, a->Z);
	fe_sqr(t1, t1);
	fe_sub(t1, t1, gamma);
	fe_sub(r->Z, t1, delta);
	/* X3 = alpha^2 - 8 beta */
	fe_add(beta, beta, beta);
	fe_add(beta, beta, beta); /* 4 beta */
	fe_add(t2, beta, beta); /* 8 beta */
	fe_sqr(t1, alpha);
	fe_sub(r->X, t1, t2);
	/* Y3 = alpha (4 beta - X3) - 8 gamma^2 */
	fe_sub(t1, beta, r->X);
	fe_mul(t1, alpha, t1);
	fe_sqr(t2, gamma);
	fe_add(t2, t2, t2);
	fe_add(t2, t2, t2);
	fe_add(t2, t2, t2);
	fe_sub(r->Y, t1, t2);
}

/* r = a + (x2, y2) (affine, not infinity); madd-2007-bl.  r may alias a. */
static void jac_add_affine(jac *r, const jac *a, const uint64_t x2[4], const uint64_t y2[4])
{
	uint64_t z1z1[4], u2[4], s2[4], h[4], hh[4], i4[4], j[4], rr[4], v[4], t[4];
	if (jac_is_inf(a)) {
		memcpy(r->X, x2, sizeof r->X);
		memcpy(r->Y, y2, sizeof r->Y);
		memcpy(r->Z, RM, sizeof r->Z);
		return;
	}
	fe_sqr(z1z1, a->Z);
	fe_mul(u2, x2, z1z1);
	fe_mul(s2, y2, a->Z);
	fe_mul(s2, s2, z1z1);
	fe_sub(h, u2, a->X);
	fe_sub(rr, s2, a->Y);
	if (fe_is_zero(h)) {
		if (fe_is_zero(rr))
			jac_dbl(r, a); /* same point */
		else
			jac_set_inf(r); /* opposite points */
		return;
	}
	fe_add(rr, rr, rr);
	fe_sqr(hh, h);
	fe_add(i4, hh, hh);
	fe_add(i4, i4, i4);
	fe_mul(j, h, i4);
	fe_mul(v, a->X, i4);
	/* Z3 = (Z1 + H)^2 - Z1Z1 - HH */
	fe_add(t, a->Z, h);
	fe_sqr(t, t);
	fe_sub(t, t, z1z1);
	fe_sub(r->Z, t, hh);
	/* Y1 J (needed before Y1 is overwritten) */
	fe_mul(t, a->Y, j);
	fe_add(t, t, t); /* 2 Y1 J */
	/* X3 = r^2 - J - 2V */
	fe_sqr(u2, rr);
	fe_sub(u2, u2, j);
	fe_sub(u2, u2, v);
	fe_sub(r->X, u2, v);
	/* Y3 = r (V - X3) - 2 Y1 J */
	fe_sub(v, v, r->X);
	fe_mul(v, rr, v);
	fe_sub(r->Y, v, t);
}

/* r = a + b (Jacobian); add-2007-bl.  r may alias a or b. */
static void jac_add(jac *r, const jac *a, const jac *b)
{
	uint64_t z1z1[4], z2z2[4], u1[4], u2[4], s1[4], s2[4], h[4], i4[4], j[4], rr[4], v[4];
	uint64_t t[4];
	if (jac_is_inf(a)) {
		*r = *b;
		return;
	}
	if (jac_is_inf(b)) {
		*r = *a;
		return;
	}
	fe_sqr(z1z1, a->Z);
	fe_sqr(z2z2, b->Z);
	fe_mul(u1, a->X, z2z2);
	fe_mul(u2, b->X, z1z1);
	fe_mul(s1, a->Y, b->Z);
	fe_mul(s1, s1, z2z2);
	fe_mul(s2, b->Y, a->Z);
	fe_mul(s2, s2, z1z1);
	fe_sub(h, u2, u1);
	fe_sub(rr, s2, s1);
	if (fe_is_zero(h)) {
		if (fe_is_zero(rr))
			jac_dbl(r, a);
		else
			jac_set_inf(r);
		return;
	}
	fe_add(rr, rr, rr);
	fe_add(i4, h, h);
	fe_sqr(i4, i4);
	fe_mul(j, h, i4);
	fe_mul(v, u1, i4);
	/* Z3 = ((Z1 + Z2)^2 - Z1Z1 - Z2Z2) H */
	fe_add(t, a->Z, b->Z);
	fe_sqr(t, t);
	fe_sub(t, t, z1z1);
	fe_sub(t, t, z2z2);
	fe_mul(r->Z, t, h);
	/* X3 = r^2 - J - 2V */
	fe_sqr(t, rr);
	fe_sub(t, t, j);
	fe_sub(t, t, v);
	fe_sub(r->X, t, v);
	/* Y3 = r (V - X3) - 2 S1 J */
	fe_sub(v, v, r->X);
	fe_mul(v, rr, v);
	fe_mul(s1, s1, j);
	fe_add(s1, s1, s1);
	fe_sub(r->Y, v, s1);
}

/* ---- entry points (group_internal.h) ---- */

qerr msm_pt_from_enc(msm_pt *o, const uint8_t enc[POINT_LEN])
{
	uint64_t x[4], y[4], lhs[4], rhs[4], t[4];
	if (enc[0] != 0x04)
		return Q_ERR_ENCODING;
	fe_from_be(x, enc + 1);
	fe_from_be(y, enc + 33);
	if (!fe_canonical(x) || !fe_canonical(y))
		return Q_ERR_POINT;
	fe_to_mont(o->x, x);
	fe_to_mont(o->y, y);
	/* y^2 == x^3 - 3x + b */
	fe_sqr(lhs, o->y);
	fe_sqr(rhs, o->x);
	fe_mul(rhs, rhs, o->x);
	fe_add(t, o->x, o->x);
	fe_add(t, t, o->x);
	fe_sub(rhs, rhs, t);
	fe_add(rhs, rhs, BM);
	return fe_eq(lhs, rhs) ? Q_OK : Q_ERR_POINT;
}

qerr msm_pts_from_jacobian(msm_pt *o, const uint8_t (*xyz)[3 * 32], size_t n)
{
	uint64_t(*pre)[4] = NULL, acc[4], inv[4], z[4], t[4], zi[4], zi2[4];
	if (n == 0)
		return Q_OK;
	pre = malloc(n * sizeof *pre);
	if (pre == NULL)
		return Q_ERR_NOMEM;
	/* Montgomery's trick: one inversion for all Z (none is zero). */
	memcpy(acc, RM, sizeof acc);
	for (size_t i = 0; i < n; i++) {
		uint64_t x[4], y[4];
		fe_from_be(x, xyz[i]);
		fe_from_be(y, xyz[i] + 32);
		fe_from_be(z, xyz[i] + 64);
		if (!fe_canonical(x) || !fe_canonical(y) || !fe_canonical(z) || fe_is_zero(z)) {
			free(pre);
			return Q_ERR_POINT;
		}
		fe_to_mont(o[i].x, x);
		fe_to_mont(o[i].y, y);
		memcpy(pre[i], acc, sizeof acc);
		fe_to_mont(z, z);
		fe_mul(acc, acc, z);
	}
	fe_inv(inv, acc);
	for (size_t i = n; i-- > 0;) {
		uint64_t zr[4];
		fe_from_be(zr, xyz[i] + 64);
		fe_to_mont(zr, zr);
		fe_mul(zi, inv, pre[i]); /* 1/Z_i */
		fe_mul(inv, inv, zr);
		fe_sqr(zi2, zi);
		fe_mul(o[i].x, o[i].x, zi2);
		fe_mul(t, zi2, zi);
		fe_mul(o[i].y, o[i].y, t);
	}
	free(pre);
	return Q_OK;
}

/* Bits k .. k+c-1 of a scalar in 4 little-endian limbs (c <= 16). */
static unsigned scalar_bits(const uint64_t s[4], unsigned k, unsigned c)
{
	unsigned i = k / 64, sh = k % 64;
	uint64_t v;
	if (k >= 256)
		return 0;
	v = s[i] >> sh;
	if (sh + c > 64 && i + 1 < 4)
		v |= s[i + 1] << (64 - sh);
	return (unsigned)(v & ((1u << c) - 1));
}

static unsigned bitlen(const uint8_t s[32])
{
	for (unsigned i = 0; i < 32; i++)
		if (s[i] != 0) {
			unsigned v = s[i], l = 0;
			while (v) {
				l++;
				v >>= 1;
			}
			return 8 * (31 - i) + l;
		}
	return 0;
}

/* The window width c minimising windows * (n madd + 2^(c-1) buckets * ~2
 * adds of ~1.4 madd each) for n points of maxbits bits. */
static unsigned pick_window(size_t n, unsigned maxbits)
{
	unsigned best = 2;
	double bestcost = 0;
	for (unsigned c = 2; c <= MSM_MAX_WINDOW; c++) {
		double windows = (double)((maxbits + 1 + c - 1) / c);
		double cost = windows * ((double)n + 2.8 * (double)(1u << (c - 1)));
		if (c == 2 || cost < bestcost) {
			best = c;
			bestcost = cost;
		}
	}
	return best;
}

unsigned msm_window_override; /* tests: force a window width (0 = choose) */

qerr msm_run(uint8_t out[POINT_LEN], int *is_inf, const msm_pt *pts, const uint8_t (*sc)[32],
             size_t n)
{
	unsigned maxbits = 0, c, nwin, half;
	int16_t *digits = NULL;
	jac *buckets = NULL, acc, run, wsum;
	qerr e = Q_ERR_NOMEM;

	*is_inf = 1;
	memset(out, 0, POINT_LEN);
	for (size_t i = 0; i < n; i++) {
		unsigned l = bitlen(sc[i]);
		if (l > maxbits)
			maxbits = l;
	}
	if (n == 0 || maxbits == 0)
		return Q_OK;
	c = msm_window_override != 0 ? msm_window_override : pick_window(n, maxbits);
	/* signed digits in [-2^(c-1), 2^(c-1)]; one more window for the
	 * final carry */
	nwin = (maxbits + c) / c;
	half = 1u << (c - 1);
	if (n > SIZE_MAX / nwin / sizeof *digits)
		return Q_ERR_LIMIT;
	digits = malloc(n * nwin * sizeof *digits);
	buckets = malloc(half * sizeof *buckets);
	if (digits == NULL || buckets == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		unsigned carry = 0;
		uint64_t limbs[4];
		fe_from_be(limbs, sc[i]);
		for (unsigned w = 0; w < nwin; w++) {
			int d = (int)(scalar_bits(limbs, w * c, c) + carry);
			carry = 0;
			if (d > (int)half) {
				d -= (int)(2 * half);
				carry = 1;
			}
			digits[i * nwin + w] = (int16_t)d;
		}
	}
	jac_set_inf(&acc);
	for (unsigned w = nwin; w-- > 0;) {
		unsigned top = 0; /* buckets[0..top) may be non-empty */
		for (unsigned k = 0; k < c && !jac_is_inf(&acc); k++)
			jac_dbl(&acc, &acc);
		for (unsigned b = 0; b < half; b++)
			jac_set_inf(&buckets[b]);
		for (size_t i = 0; i < n; i++) {
			int d = digits[i * nwin + w];
			if (d > 0) {
				jac_add_affine(&buckets[d - 1], &buckets[d - 1], pts[i].x,
				               pts[i].y);
				if ((unsigned)d > top)
					top = (unsigned)d;
			} else if (d < 0) {
				uint64_t ny[4];
				fe_sub(ny, (const uint64_t[4]){0, 0, 0, 0}, pts[i].y);
				jac_add_affine(&buckets[-d - 1], &buckets[-d - 1], pts[i].x, ny);
				if ((unsigned)-d > top)
					top = (unsigned)-d;
			}
		}
		/* sum_b b * bucket[b-1] by running sums */
		jac_set_inf(&run);
		jac_set_inf(&wsum);
		for (unsigned b = top; b-- > 0;) {
			jac_add(&run, &run, &buckets[b]);
			jac_add(&wsum, &wsum, &run);
		}
		jac_add(&acc, &acc, &wsum);
	}
	e = Q_OK;
	if (!jac_is_inf(&acc)) {
		uint64_t zi[4], zi2[4], x[4], y[4];
		fe_inv(zi, acc.Z);
		fe_sqr(zi2, zi);
		fe_mul(x, acc.X, zi2);
		fe_mul(zi2, zi2, zi);
		fe_mul(y, acc.Y, zi2);
		fe_from_mont(x, x);
		fe_from_mont(y, y);
		out[0] = 0x04;
		fe_to_be(out + 1, x);
		fe_to_be(out + 33, y);
		*is_inf = 0;
	}
out:
	free(digits);
	free(buckets);
	return e;
}

uint64_t msm_madd_repeat(const msm_pt *p, size_t n)
{
	jac acc;
	jac_set_inf(&acc);
	jac_add_affine(&acc, &acc, p->x, p->y);
	jac_dbl(&acc, &acc); /* 2P: no later addition is a doubling */
	for (size_t i = 0; i < n; i++)
		jac_add_affine(&acc, &acc, p->x, p->y);
	return acc.X[0] ^ acc.Z[0];
}

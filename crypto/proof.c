/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * proof.c -- Schnorr, Chaum-Pedersen and disjunctive range proofs
 * (docs/spec/crypto.md C-4).  Comments "(C-4.x.y)" name the numbered
 * equation of the spec that the code implements.
 */
#include "proof.h"

#include <stdlib.h>
#include <string.h>

#include "group_internal.h"
#include "transcript.h"
#include "util.h"

#include "banned.h"

/* ================= Schnorr (C-4.1) ================= */

schnorr_proof *schnorr_proof_new(void)
{
	schnorr_proof *pf = calloc(1, sizeof *pf);
	if (pf == NULL)
		return NULL;
	pf->c = scalar_new();
	pf->u = scalar_new();
	if (pf->c == NULL || pf->u == NULL) {
		schnorr_proof_free(pf);
		return NULL;
	}
	return pf;
}

void schnorr_proof_free(schnorr_proof *pf)
{
	if (pf == NULL)
		return;
	scalar_free(pf->c);
	scalar_free(pf->u);
	free(pf);
}

void schnorr_proof_encode(uint8_t out[SCHNORR_PROOF_LEN], const schnorr_proof *pf)
{
	scalar_encode(out, pf->c);
	scalar_encode(out + SCALAR_LEN, pf->u);
}

qerr schnorr_proof_decode(schnorr_proof *pf, const uint8_t *in, size_t len)
{
	qerr e;
	if (pf == NULL || (in == NULL && len > 0))
		return Q_ERR_ARG;
	if (len != SCHNORR_PROOF_LEN)
		return Q_ERR_ENCODING;
	if ((e = scalar_decode(pf->c, in, SCALAR_LEN)) != Q_OK ||
	    (e = scalar_decode(pf->u, in + SCALAR_LEN, SCALAR_LEN)) != Q_OK)
		return e;
	return Q_OK;
}

/* c = H(TAG_SCHNORR, ctx, C, h)   (C-4.1.2) */
static qerr schnorr_challenge(scalar *c, const uint8_t ctx[PROOF_CTX_LEN], const point *C,
                              const point *h)
{
	transcript t;
	qerr e = transcript_init(&t, TAG_SCHNORR);
	if (e != Q_OK)
		return e;
	transcript_bytes(&t, ctx, PROOF_CTX_LEN);
	transcript_point(&t, C);
	transcript_point(&t, h);
	return transcript_challenge(&t, c);
}

qerr schnorr_prove(schnorr_proof *pf, const uint8_t ctx[PROOF_CTX_LEN], const point *C,
                   const scalar *a)
{
	scalar *w = scalar_new(), *t = scalar_new();
	point *h = point_new();
	qerr e = Q_ERR_NOMEM;

	if (pf == NULL || ctx == NULL || C == NULL || a == NULL) {
		e = Q_ERR_ARG;
		goto out;
	}
	if (w == NULL || t == NULL || h == NULL)
		goto out;
	/* the witness must match the statement: C = aG */
	if ((e = point_mul_base(h, a)) != Q_OK)
		goto out;
	if (point_is_infinity(C) || !point_eq(h, C)) {
		e = Q_ERR_ARG;
		goto out;
	}
	/* (C-4.1.1) h = wG */
	if ((e = scalar_random(w)) != Q_OK || (e = point_mul_base(h, w)) != Q_OK)
		goto out;
	if ((e = schnorr_challenge(pf->c, ctx, C, h)) != Q_OK)
		goto out;
	/* (C-4.1.3) u = w + c*a */
	if ((e = scalar_mul(t, pf->c, a)) != Q_OK || (e = scalar_add(pf->u, w, t)) != Q_OK)
		goto out;
out:
	scalar_free(w);
	scalar_free(t);
	point_free(h);
	return e;
}

qerr schnorr_verify(const schnorr_proof *pf, const uint8_t ctx[PROOF_CTX_LEN], const point *C)
{
	scalar *nc = scalar_new(), *c2 = scalar_new();
	point *h = point_new();
	qerr e = Q_ERR_NOMEM;

	if (pf == NULL || ctx == NULL || C == NULL) {
		e = Q_ERR_ARG;
		goto out;
	}
	if (nc == NULL || c2 == NULL || h == NULL)
		goto out;
	if (point_is_infinity(C)) {
		e = Q_ERR_POINT;
		goto out;
	}
	/* (C-4.1.4) h = uG - cC */
	if ((e = scalar_neg(nc, pf->c)) != Q_OK || (e = point_mul2(h, pf->u, nc, C)) != Q_OK)
		goto out;
	/* (C-4.1.5) c == H(TAG_SCHNORR, ctx, C, h) */
	if ((e = schnorr_challenge(c2, ctx, C, h)) != Q_OK)
		goto out;
	e = scalar_eq(c2, pf->c) ? Q_OK : Q_ERR_PROOF;
out:
	scalar_free(nc);
	scalar_free(c2);
	point_free(h);
	return e;
}

/* ================= Chaum-Pedersen (C-4.2) ================= */

cp_proof *cp_proof_new(void)
{
	cp_proof *pf = calloc(1, sizeof *pf);
	if (pf == NULL)
		return NULL;
	pf->c = scalar_new();
	pf->v = scalar_new();
	if (pf->c == NULL || pf->v == NULL) {
		cp_proof_free(pf);
		return NULL;
	}
	return pf;
}

void cp_proof_free(cp_proof *pf)
{
	if (pf == NULL)
		return;
	scalar_free(pf->c);
	scalar_free(pf->v);
	free(pf);
}

void cp_proof_encode(uint8_t out[CP_PROOF_LEN], const cp_proof *pf)
{
	scalar_encode(out, pf->c);
	scalar_encode(out + SCALAR_LEN, pf->v);
}

qerr cp_proof_decode(cp_proof *pf, const uint8_t *in, size_t len)
{
	qerr e;
	if (pf == NULL || (in == NULL && len > 0))
		return Q_ERR_ARG;
	if (len != CP_PROOF_LEN)
		return Q_ERR_ENCODING;
	if ((e = scalar_decode(pf->c, in, SCALAR_LEN)) != Q_OK ||
	    (e = scalar_decode(pf->v, in + SCALAR_LEN, SCALAR_LEN)) != Q_OK)
		return e;
	return Q_OK;
}

/* c = H(TAG_CHAUM_PEDERSEN, ctx, S, A, M, a, b)   (C-4.2.2) */
static qerr cp_challenge(scalar *c, const uint8_t ctx[PROOF_CTX_LEN], const point *S,
                         const point *A, const point *M, const point *a, const point *b)
{
	transcript t;
	qerr e = transcript_init(&t, TAG_CHAUM_PEDERSEN);
	if (e != Q_OK)
		return e;
	transcript_bytes(&t, ctx, PROOF_CTX_LEN);
	transcript_point(&t, S);
	transcript_point(&t, A);
	transcript_point(&t, M);
	transcript_point(&t, a);
	transcript_point(&t, b);
	return transcript_challenge(&t, c);
}

qerr cp_prove(cp_proof *pf, const uint8_t ctx[PROOF_CTX_LEN], const point *S, const point *A,
              const point *M, const scalar *s)
{
	scalar *w = scalar_new(), *t = scalar_new();
	point *a = point_new(), *b = point_new();
	qerr e = Q_ERR_NOMEM;

	if (pf == NULL || ctx == NULL || S == NULL || A == NULL || M == NULL || s == NULL) {
		e = Q_ERR_ARG;
		goto out;
	}
	if (w == NULL || t == NULL || a == NULL || b == NULL)
		goto out;
	if (point_is_infinity(S) || point_is_infinity(A) || point_is_infinity(M)) {
		e = Q_ERR_ARG;
		goto out;
	}
	/* the witness must match: S = sG, M = sA */
	if ((e = point_mul_base(a, s)) != Q_OK || (e = point_mul(b, s, A)) != Q_OK)
		goto out;
	if (!point_eq(a, S) || !point_eq(b, M)) {
		e = Q_ERR_ARG;
		goto out;
	}
	/* (C-4.2.1) a = wG, b = wA */
	if ((e = scalar_random(w)) != Q_OK || (e = point_mul_base(a, w)) != Q_OK ||
	    (e = point_mul(b, w, A)) != Q_OK)
		goto out;
	if ((e = cp_challenge(pf->c, ctx, S, A, M, a, b)) != Q_OK)
		goto out;
	/* (C-4.2.3) v = w + c*s */
	if ((e = scalar_mul(t, pf->c, s)) != Q_OK || (e = scalar_add(pf->v, w, t)) != Q_OK)
		goto out;
out:
	scalar_free(w);
	scalar_free(t);
	point_free(a);
	point_free(b);
	return e;
}

qerr cp_verify(const cp_proof *pf, const uint8_t ctx[PROOF_CTX_LEN], const point *S, const point *A,
               const point *M)
{
	scalar *nc = scalar_new(), *c2 = scalar_new();
	point *a = point_new(), *b = point_new();
	qerr e = Q_ERR_NOMEM;

	if (pf == NULL || ctx == NULL || S == NULL || A == NULL || M == NULL) {
		e = Q_ERR_ARG;
		goto out;
	}
	if (nc == NULL || c2 == NULL || a == NULL || b == NULL)
		goto out;
	if (point_is_infinity(S) || point_is_infinity(A) || point_is_infinity(M)) {
		e = Q_ERR_POINT;
		goto out;
	}
	if ((e = scalar_neg(nc, pf->c)) != Q_OK)
		goto out;
	/* (C-4.2.4) a = vG - cS */
	if ((e = point_mul2(a, pf->v, nc, S)) != Q_OK)
		goto out;
	/* (C-4.2.5) b = vA - cM */
	{
		const point *pts[2] = {A, M};
		const scalar *scs[2] = {pf->v, nc};
		if ((e = point_msm(b, NULL, 2, pts, scs)) != Q_OK)
			goto out;
	}
	/* (C-4.2.6) c == H(TAG_CHAUM_PEDERSEN, ctx, S, A, M, a, b) */
	if ((e = cp_challenge(c2, ctx, S, A, M, a, b)) != Q_OK)
		goto out;
	e = scalar_eq(c2, pf->c) ? Q_OK : Q_ERR_PROOF;
out:
	scalar_free(nc);
	scalar_free(c2);
	point_free(a);
	point_free(b);
	return e;
}

/* ================= range proof (C-4.3) ================= */

static int range_ok(uint64_t lo, uint64_t hi)
{
	return lo <= hi && hi - lo <= RANGE_PROOF_MAX_SPAN;
}

range_proof *range_proof_new(uint64_t lo, uint64_t hi)
{
	range_proof *pf;
	if (!range_ok(lo, hi))
		return NULL;
	pf = calloc(1, sizeof *pf);
	if (pf == NULL)
		return NULL;
	pf->lo = lo;
	pf->hi = hi;
	pf->count = (size_t)(hi - lo) + 1;
	pf->c = calloc(pf->count, sizeof *pf->c);
	pf->v = calloc(pf->count, sizeof *pf->v);
	if (pf->c == NULL || pf->v == NULL)
		goto fail;
	for (size_t j = 0; j < pf->count; j++) {
		pf->c[j] = scalar_new();
		pf->v[j] = scalar_new();
		if (pf->c[j] == NULL || pf->v[j] == NULL)
			goto fail;
	}
	return pf;
fail:
	range_proof_free(pf);
	return NULL;
}

void range_proof_free(range_proof *pf)
{
	if (pf == NULL)
		return;
	for (size_t j = 0; j < pf->count; j++) {
		if (pf->c != NULL)
			scalar_free(pf->c[j]);
		if (pf->v != NULL)
			scalar_free(pf->v[j]);
	}
	free(pf->c);
	free(pf->v);
	if (pf->ca != NULL)
		for (size_t j = 0; j < pf->count; j++)
			point_free(pf->ca[j]);
	if (pf->cb != NULL)
		for (size_t j = 0; j < pf->count; j++)
			point_free(pf->cb[j]);
	free(pf->ca);
	free(pf->cb);
	free(pf->commit);
	free(pf);
}

void range_proof_encode(uint8_t *out, const range_proof *pf)
{
	for (size_t j = 0; j < pf->count; j++) {
		scalar_encode(out + 2 * SCALAR_LEN * j, pf->c[j]);
		scalar_encode(out + 2 * SCALAR_LEN * j + SCALAR_LEN, pf->v[j]);
	}
}

qerr range_proof_decode(range_proof **out, uint64_t lo, uint64_t hi, const uint8_t *in, size_t len)
{
	range_proof *pf = NULL;
	qerr e = Q_OK;
	if (out == NULL || (in == NULL && len > 0))
		return Q_ERR_ARG;
	*out = NULL;
	if (!range_ok(lo, hi))
		return Q_ERR_RANGE;
	if (len != RANGE_PROOF_LEN(hi - lo))
		return Q_ERR_ENCODING;
	if ((pf = range_proof_new(lo, hi)) == NULL)
		return Q_ERR_NOMEM;
	for (size_t j = 0; j < pf->count && e == Q_OK; j++) {
		const uint8_t *p = in + 2 * SCALAR_LEN * j;
		if ((e = scalar_decode(pf->c[j], p, SCALAR_LEN)) == Q_OK)
			e = scalar_decode(pf->v[j], p + SCALAR_LEN, SCALAR_LEN);
	}
	if (e != Q_OK) {
		range_proof_free(pf);
		return e;
	}
	*out = pf;
	return Q_OK;
}

/* Start the range transcript: TAG_RANGE, ctx, K, lo, hi, alpha, beta
 * (C-4.3.3); the caller appends a_j, b_j for j = lo..hi.  ct_enc, if not
 * NULL, is ct's encoding alpha || beta (then ct is not read). */
static qerr range_transcript(transcript *t, const uint8_t ctx[PROOF_CTX_LEN], const point *K,
                             const point_table *Kt, uint64_t lo, uint64_t hi, const elgamal_ct *ct,
                             const uint8_t *ct_enc)
{
	qerr e = transcript_init(t, TAG_RANGE);
	if (e != Q_OK)
		return e;
	transcript_bytes(t, ctx, PROOF_CTX_LEN);
	if (Kt != NULL)
		transcript_bytes(t, point_table_encoding(Kt), POINT_LEN);
	else
		transcript_point(t, K);
	transcript_u64(t, lo);
	transcript_u64(t, hi);
	if (ct_enc != NULL) {
		transcript_bytes(t, ct_enc, POINT_LEN);
		transcript_bytes(t, ct_enc + POINT_LEN, POINT_LEN);
	} else {
		transcript_point(t, ct->a);
		transcript_point(t, ct->b);
	}
	return Q_OK;
}

/* ---- fixed-width constant-time scalar arithmetic for the prover ----
 *
 * Every value the prover derives from the vote m or from the index of the
 * true branch (j - m, c_j(j - m), m + r, the choice of the true branch,
 * c_m) is computed here on four 64-bit limbs with a fixed instruction
 * sequence: no branch and no memory address depends on a secret, and no
 * operand width does (BIGNUM arithmetic takes time that depends on the
 * operands' widths, e.g. on |j - m| = 1 against n - 1).  Only uniformly
 * random full-width scalars reach OpenSSL (C-3.1, C-4.3). */

/* A value < n as little-endian 64-bit limbs. */
typedef struct ct4 {
	uint64_t l[4];
} ct4;

/* n, the order of P-256 (C-1.1), little-endian limbs. */
static const ct4 CT_N = {
    {0xF3B9CAC2FC632551u, 0xBCE6FAADA7179E84u, 0xFFFFFFFFFFFFFFFFu, 0xFFFFFFFF00000000u}};

/* Hide x from the optimiser so that a mask is never turned into a branch. */
static uint64_t ct_barrier(uint64_t x)
{
	__asm__("" : "+r"(x));
	return x;
}

/* All ones if bit (0 or 1) is 1, else 0. */
static uint64_t ct_mask(uint64_t bit)
{
	return ct_barrier(0 - (bit & 1));
}

/* All ones if a == b (both < 2^63), else 0. */
static uint64_t ct_eq_mask(uint64_t a, uint64_t b)
{
	uint64_t x = a ^ b;
	return ct_mask(((x | (0 - x)) >> 63) ^ 1);
}

/* 1 if a < b (both < 2^63), else 0. */
static uint64_t ct_lt(uint64_t a, uint64_t b)
{
	return (a - b) >> 63;
}

/* r = mask ? a : b, reading both. */
static void ct4_select(ct4 *r, uint64_t mask, const ct4 *a, const ct4 *b)
{
	for (int i = 0; i < 4; i++)
		r->l[i] = (a->l[i] & mask) | (b->l[i] & ~mask);
}

static void ct4_from_bytes(ct4 *r, const uint8_t in[SCALAR_LEN])
{
	for (int i = 0; i < 4; i++) {
		uint64_t v = 0;
		for (int k = 0; k < 8; k++)
			v = (v << 8) | in[8 * (3 - i) + k];
		r->l[i] = v;
	}
}

static void ct4_to_bytes(uint8_t out[SCALAR_LEN], const ct4 *a)
{
	for (int i = 0; i < 4; i++)
		for (int k = 0; k < 8; k++)
			out[8 * (3 - i) + k] = (uint8_t)(a->l[i] >> (56 - 8 * k));
}

/* r = a + b mod 2^256; returns the carry. */
static uint64_t ct4_add(ct4 *r, const ct4 *a, const ct4 *b)
{
	uint64_t carry = 0;
	for (int i = 0; i < 4; i++) {
		uint64_t x = a->l[i], y = b->l[i], s = x + y + carry;
		carry = ((x & y) | ((x | y) & ~s)) >> 63;
		r->l[i] = s;
	}
	return carry;
}

/* r = a - b mod 2^256; returns the borrow. */
static uint64_t ct4_sub(ct4 *r, const ct4 *a, const ct4 *b)
{
	uint64_t borrow = 0;
	for (int i = 0; i < 4; i++) {
		uint64_t x = a->l[i], y = b->l[i], d = x - y - borrow;
		borrow = ((~x & y) | (~(x ^ y) & d)) >> 63;
		r->l[i] = d;
	}
	return borrow;
}

/* r = a + b mod n (a, b < n). */
static void ct4_mod_add(ct4 *r, const ct4 *a, const ct4 *b)
{
	ct4 s, t;
	uint64_t carry = ct4_add(&s, a, b);
	uint64_t borrow = ct4_sub(&t, &s, &CT_N);
	/* a + b >= n iff it overflowed 2^256 or s - n did not borrow */
	ct4_select(r, ct_mask(carry | (borrow ^ 1)), &t, &s);
}

/* r = a - b mod n (a, b < n). */
static void ct4_mod_sub(ct4 *r, const ct4 *a, const ct4 *b)
{
	ct4 d, t;
	uint64_t borrow = ct4_sub(&d, a, b);
	(void)ct4_add(&t, &d, &CT_N);
	ct4_select(r, ct_mask(borrow), &t, &d);
}

/* r = a * k mod n for a < n and k < 2^10 (k = |j - m| <= span <= 1023):
 * the product (< 2^266) is reduced by ten conditional subtractions of
 * n * 2^s, s = 9..0, each computed and selected whatever its outcome. */
static void ct4_mod_mul_small(ct4 *r, const ct4 *a, uint64_t k)
{
	uint64_t x[5], carry = 0;
	for (int i = 0; i < 4; i++) {
		uint64_t lo = (a->l[i] & 0xFFFFFFFFu) * k + carry;
		uint64_t hi = (a->l[i] >> 32) * k + (lo >> 32);
		x[i] = (lo & 0xFFFFFFFFu) | (hi << 32);
		carry = hi >> 32;
	}
	x[4] = carry;
	for (int s = 9; s >= 0; s--) {
		uint64_t q[5], d[5], borrow = 0, keep;
		/* q = n << s (s < 64; the shift of the lower limb is split so
		 * that s = 0 shifts by 64 - 1 - 0 = 63 and 1, never by 64) */
		q[0] = CT_N.l[0] << s;
		for (int i = 1; i < 4; i++)
			q[i] = (CT_N.l[i] << s) | ((CT_N.l[i - 1] >> 1) >> (63 - s));
		q[4] = (CT_N.l[3] >> 1) >> (63 - s);
		for (int i = 0; i < 5; i++) {
			uint64_t u = x[i], v = q[i], w = u - v - borrow;
			borrow = ((~u & v) | (~(u ^ v) & w)) >> 63;
			d[i] = w;
		}
		keep = ct_mask(borrow); /* x < q: keep x */
		for (int i = 0; i < 5; i++)
			x[i] = (x[i] & keep) | (d[i] & ~keep);
	}
	for (int i = 0; i < 4; i++)
		r->l[i] = x[i];
	wipe(x, sizeof x);
}

_Static_assert(RANGE_PROOF_MAX_SPAN < 1024, "ct4_mod_mul_small needs |j - m| < 2^10");

static void ct4_to_scalar_bytes(uint8_t out[SCALAR_LEN], const scalar *s)
{
	scalar_encode(out, s);
}

/* dst = the scalar with limbs a (a < n, so scalar_decode cannot fail
 * but for memory). */
static qerr ct4_to_scalar(scalar *dst, const ct4 *a)
{
	uint8_t b[SCALAR_LEN];
	qerr e;
	ct4_to_bytes(b, a);
	e = scalar_decode(dst, b, SCALAR_LEN);
	wipe(b, sizeof b);
	return e;
}

static void ct4_from_scalar(ct4 *r, const scalar *s)
{
	uint8_t b[SCALAR_LEN];
	ct4_to_scalar_bytes(b, s);
	ct4_from_bytes(r, b);
	wipe(b, sizeof b);
}

/* beta = rK + mG, as rK + (m + r)G + neg_alpha where neg_alpha = -rG: the
 * scalar m + r is uniform whatever m, so the same constant-time fixed-base
 * multiplication runs for every m (no special case for m <= 1, and no
 * small or zero scalar).  es, x: scratch. */
static qerr ct_beta(point *beta, const point_table *K, const scalar *r, const ct4 *r4, uint64_t m,
                    const point *neg_alpha, scalar *es, point *x)
{
	ct4 m4 = {{m, 0, 0, 0}}, e4;
	qerr e;
	ct4_mod_add(&e4, &m4, r4);
	e = ct4_to_scalar(es, &e4);
	wipe(&m4, sizeof m4);
	wipe(&e4, sizeof e4);
	if (e != Q_OK || (e = point_mul_base(x, es)) != Q_OK ||
	    (e = point_table_mul(beta, K, r)) != Q_OK || (e = point_add(beta, beta, x)) != Q_OK ||
	    (e = point_add(beta, beta, neg_alpha)) != Q_OK)
		return e;
	return Q_OK;
}

/* Secret working storage of one proof: the raw draws and the per-branch
 * t_j, c_j as limbs. */
typedef struct prove_secrets {
	size_t count;
	ct4 r; /* the nonce r */
	ct4 *slot; /* 2 * count draws in drawing order (the last is 0) */
	ct4 *t; /* t[k] */
	ct4 *c; /* c[k] */
} prove_secrets;

static void prove_secrets_free(prove_secrets *s)
{
	if (s->slot != NULL)
		wipe(s->slot, 2 * s->count * sizeof *s->slot);
	if (s->t != NULL)
		wipe(s->t, s->count * sizeof *s->t);
	if (s->c != NULL)
		wipe(s->c, s->count * sizeof *s->c);
	wipe(&s->r, sizeof s->r);
	free(s->slot);
	free(s->t);
	free(s->c);
}

/* The prover.  Either ct_out == NULL: prove for the given ct_in and r
 * (checking the witness if check_witness); or ct_out != NULL: draw r_io,
 * encrypt m into ct_out, and prove for it.  All randomness (r, w, t_j, c_j)
 * is drawn in one CSPRNG call, in the order r, then for k = lo..hi: t_k
 * (w for k = m) and, for k != m, c_k; the same bytes give the same proof
 * as the straightforward prover of C-4.3.
 *
 * Constant time in m (C-3.1, C-4.3): every branch runs the same operation
 * sequence on the same kinds of data, and nothing selects by m through a
 * branch or an address.  For every k (real or simulated):
 *   a_k = t_k G,  b_k = t_k K + e_k G - alpha,  e_k = c_k (j - m) + r,
 * with e_k from the fixed-width arithmetic above (for the true branch
 * j - m = 0, so e_m = r, e_mG = alpha, b_m = wK: the true branch is the
 * simulated formula with a zero coefficient, and no scalar given to
 * OpenSSL is small, zero or a function of m alone).  t_k and c_k are picked
 * from the draws by masks over both candidates; c_m = c - sum_{j != m} c_j
 * is summed over all k with the true one masked to 0 and written back by
 * masks; v_k = t_k + c_k r for all k on uniform full-width scalars. */
/* One proof in the making: its state from its points to its challenge
 * (stage 1 prove_begin, then the encodings of its points with other
 * proofs' at once, then stage 2 prove_finish). */
typedef struct prove_state {
	range_proof *pf;
	prove_secrets sec;
	point *na; /* -alpha */
	point **cp; /* per branch k: t_kG, t_kK, e_kG */
	const elgamal_ct *ct;
	const uint8_t *ct_enc; /* NULL: alpha, beta are its first two sums */
	const uint8_t *ctx;
	scalar *r; /* the nonce (the caller's) */
	uint64_t lo, hi;
	size_t count, mi;
} prove_state;

static void prove_state_free(prove_state *ps)
{
	range_proof_free(ps->pf); /* wipes w and the t_j on failure */
	ps->pf = NULL;
	prove_secrets_free(&ps->sec);
	if (ps->cp != NULL)
		for (size_t i = 0; i < 3 * ps->count; i++)
			point_free(ps->cp[i]);
	free(ps->cp);
	ps->cp = NULL;
	point_free(ps->na);
	ps->na = NULL;
}

/* The checks of the arguments, before any work (*out = NULL). */
static qerr prove_check(range_proof **out, const uint8_t ctx[PROOF_CTX_LEN], const point_table *K,
                        const elgamal_ct *ct, const scalar *r, uint64_t m, uint64_t lo, uint64_t hi)
{
	if (out == NULL || ctx == NULL || K == NULL || ct == NULL || r == NULL)
		return Q_ERR_ARG;
	*out = NULL;
	if (!range_ok(lo, hi))
		return Q_ERR_RANGE;
	if (m < lo || m > hi)
		return Q_ERR_ARG;
	return Q_OK;
}

/* The sums a proof of [lo, hi] has encoded (alpha, beta unless their
 * encoding is given, then a_k, b_k per branch) and their terms. */
static size_t prove_nsums(uint64_t lo, uint64_t hi, const uint8_t *ct_enc)
{
	return (ct_enc == NULL ? 2 : 0) + 2 * ((size_t)(hi - lo) + 1);
}

static size_t prove_nterms(uint64_t lo, uint64_t hi, const uint8_t *ct_enc)
{
	return (ct_enc == NULL ? 2 : 0) + 4 * ((size_t)(hi - lo) + 1);
}

/* The prover, stage 1 (arguments checked by prove_check).  Either ct_out
 * == NULL: prove for the given ct_in and r (checking the witness if
 * check_witness); or ct_out != NULL: draw r_io, encrypt m into ct_out, and
 * prove for it.  All randomness (r, w, t_j, c_j) is drawn in one CSPRNG
 * call, in the order r, then for k = lo..hi: t_k (w for k = m) and, for
 * k != m, c_k; the same bytes give the same proof as the straightforward
 * prover of C-4.3.  The sums to encode go to terms[*nt ..] and
 * ends[*ng ..] (ends as indices into terms), *nt and *ng advanced.
 *
 * Constant time in m (C-3.1, C-4.3): every branch runs the same operation
 * sequence on the same kinds of data, and nothing selects by m through a
 * branch or an address.  For every k (real or simulated):
 *   a_k = t_k G,  b_k = t_k K + e_k G - alpha,  e_k = c_k (j - m) + r,
 * with e_k from the fixed-width arithmetic above (for the true branch
 * j - m = 0, so e_m = r, e_mG = alpha, b_m = wK: the true branch is the
 * simulated formula with a zero coefficient, and no scalar given to
 * OpenSSL is small, zero or a function of m alone).  t_k and c_k are picked
 * from the draws by masks over both candidates; c_m = c - sum_{j != m} c_j
 * is summed over all k with the true one masked to 0 and written back by
 * masks; v_k = t_k + c_k r for all k on uniform full-width scalars. */
static qerr prove_begin(prove_state *ps, const uint8_t ctx[PROOF_CTX_LEN], const point_table *K,
                        const elgamal_ct *ct_in, const uint8_t *ct_enc, elgamal_ct *ct_out,
                        uint64_t m, scalar *r_io, uint64_t lo, uint64_t hi, int check_witness,
                        const point **terms, size_t *ends, size_t *nt, size_t *ng)
{
	scalar *es = scalar_new();
	point *a = point_new(), *b = point_new(), *x = point_new();
	scalar **rs = NULL;
	const elgamal_ct *ct = ct_out != NULL ? ct_out : ct_in;
	prove_secrets *sec = &ps->sec;
	range_proof *pf;
	size_t nr = 0, count = (size_t)(hi - lo) + 1, mi = (size_t)(m - lo);
	qerr e = Q_ERR_NOMEM;

	ps->ct = ct;
	ps->ct_enc = ct_enc;
	ps->ctx = ctx;
	ps->r = r_io;
	ps->lo = lo;
	ps->hi = hi;
	ps->count = count;
	ps->mi = mi;
	ps->na = point_new();
	ps->cp = calloc(3 * count, sizeof *ps->cp);
	if (es == NULL || a == NULL || b == NULL || x == NULL || ps->na == NULL || ps->cp == NULL)
		goto out;
	sec->count = count;
	sec->slot = calloc(2 * count, sizeof *sec->slot);
	sec->t = calloc(count, sizeof *sec->t);
	sec->c = calloc(count, sizeof *sec->c);
	if (sec->slot == NULL || sec->t == NULL || sec->c == NULL)
		goto out;
	/* the witness must match: ct = (rG, mG + rK), checked with the same
	 * operations for every m (C-3.1) */
	if (ct_out == NULL && check_witness) {
		if (scalar_is_zero(r_io)) {
			e = Q_ERR_SCALAR;
			goto out;
		}
		ct4_from_scalar(&sec->r, r_io);
		if ((e = point_mul_base(a, r_io)) != Q_OK ||
		    (e = point_neg(ps->na, ct->a)) != Q_OK ||
		    (e = ct_beta(b, K, r_io, &sec->r, m, ps->na, es, x)) != Q_OK)
			goto out;
		if (!point_eq(a, ct->a) || !point_eq(b, ct->b)) {
			e = Q_ERR_ARG;
			goto out;
		}
	}
	if ((pf = ps->pf = range_proof_new(lo, hi)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if ((pf->commit = calloc(count, 2 * POINT_LEN)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < 3 * count; i++)
		if ((ps->cp[i] = point_new()) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
	/* randomness: [r], then 2 * count - 1 scalars, drawn into pf's
	 * storage in an order that does not depend on m (v[0], c[0], v[1],
	 * c[1], ..., v[count - 1]); which draw is which t_k / c_k is decided
	 * below by masks */
	if ((rs = calloc(2 * count, sizeof *rs)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if (ct_out != NULL)
		rs[nr++] = r_io;
	for (size_t i = 0; i + 1 < 2 * count; i++)
		rs[nr++] = i % 2 == 0 ? pf->v[i / 2] : pf->c[i / 2];
	if ((e = scalar_random_many(rs, nr)) != Q_OK)
		goto out;
	for (size_t i = 0; i + 1 < 2 * count; i++)
		ct4_from_scalar(&sec->slot[i], i % 2 == 0 ? pf->v[i / 2] : pf->c[i / 2]);
	/* draw i is t_k for i = 2k (k <= m) or 2k - 1 (k > m), and c_k for
	 * i = 2k + 1 (k < m) or 2k (k > m); for k = m the c read here is a
	 * placeholder, replaced by c_m below */
	for (size_t k = 0; k < count; k++) {
		uint64_t after = ct_mask(ct_lt(mi, k)); /* k > m */
		ct4_select(&sec->t[k], after, &sec->slot[k > 0 ? 2 * k - 1 : 0], &sec->slot[2 * k]);
		ct4_select(&sec->c[k], after, &sec->slot[2 * k], &sec->slot[2 * k + 1]);
		if ((e = ct4_to_scalar(pf->v[k], &sec->t[k])) != Q_OK)
			goto out;
	}
	if (ct_out != NULL) {
		/* (C-3.1.1-2) alpha = rG, beta = mG + rK */
		ct4_from_scalar(&sec->r, r_io);
		if ((e = point_mul_base(ct_out->a, r_io)) != Q_OK ||
		    (e = point_neg(ps->na, ct_out->a)) != Q_OK ||
		    (e = ct_beta(ct_out->b, K, r_io, &sec->r, m, ps->na, es, x)) != Q_OK)
			goto out;
	} else if (!check_witness) {
		ct4_from_scalar(&sec->r, r_io);
		if ((e = point_neg(ps->na, ct->a)) != Q_OK)
			goto out;
	}
	/* the points to encode, as sums (point_sums_encode, one inversion for
	 * all): alpha and beta unless the caller gave their encoding, then per
	 * branch a_k = t_kG and b_k = (t_kK + e_kG) + (-alpha), in that order:
	 * t_kK + e_kG is never O or a doubling but with probability 2^-256,
	 * nor is (t_kK + e_kG) - alpha (it is b_k); adding e_kG - alpha first
	 * would give O on the true branch (e_m G = alpha) and branch on it */
	if (ct_enc == NULL) {
		terms[*nt] = ct->a;
		terms[*nt + 1] = ct->b;
		ends[(*ng)++] = ++*nt;
		ends[(*ng)++] = ++*nt;
	}
	for (size_t k = 0; k < count; k++) {
		/* j - m = k - mi, |k - mi| <= 1023, as sign and magnitude */
		uint64_t d = (uint64_t)k - (uint64_t)mi, neg = d >> 63;
		uint64_t mag = (d ^ (0 - neg)) + neg;
		ct4 p, np, e4;
		point **cp = ps->cp + 3 * k;
		/* e_k = c_k (j - m) + r mod n */
		ct4_mod_mul_small(&p, &sec->c[k], mag);
		ct4_mod_sub(&np, &(const ct4){{0, 0, 0, 0}}, &p);
		ct4_select(&e4, ct_mask(neg), &np, &p);
		ct4_mod_add(&e4, &e4, &sec->r);
		e = ct4_to_scalar(es, &e4);
		wipe(&p, sizeof p);
		wipe(&np, sizeof np);
		wipe(&e4, sizeof e4);
		if (e != Q_OK)
			goto out;
		/* (C-4.3.1/2) a_k = t_kG; b_k = t_kK + c_k(j - m)G, which is
		 * wK for k = m and v_kK - c_k(beta - jG) for k != m */
		if ((e = point_mul_base(cp[0], pf->v[k])) != Q_OK ||
		    (e = point_table_mul(cp[1], K, pf->v[k])) != Q_OK ||
		    (e = point_mul_base(cp[2], es)) != Q_OK)
			goto out;
		terms[*nt] = cp[0];
		ends[(*ng)++] = ++*nt;
		terms[*nt] = cp[1];
		terms[*nt + 1] = cp[2];
		terms[*nt + 2] = ps->na;
		*nt += 3;
		ends[(*ng)++] = *nt;
	}
	e = Q_OK;
out:
	free(rs);
	scalar_free(es);
	point_free(a);
	point_free(b);
	point_free(x);
	return e;
}

/* The prover, stage 2: enc = the encodings of the sums stage 1 gave (in
 * its order); the challenge and the responses into *out. */
static qerr prove_finish(prove_state *ps, const point_table *K, const uint8_t (*enc)[POINT_LEN],
                         range_proof **out)
{
	scalar *t = scalar_new(), *c = scalar_new();
	range_proof *pf = ps->pf;
	prove_secrets *sec = &ps->sec;
	transcript tr = {NULL};
	size_t nhead = ps->ct_enc == NULL ? 2 : 0, count = ps->count, mi = ps->mi;
	qerr e = Q_ERR_NOMEM;

	if (t == NULL || c == NULL)
		goto out;
	memcpy(pf->commit, enc[nhead], 2 * count * POINT_LEN);
	if ((e = range_transcript(&tr, ps->ctx, point_table_base(K), K, ps->lo, ps->hi, ps->ct,
	                          ps->ct_enc != NULL ? ps->ct_enc : enc[0])) != Q_OK)
		goto out;
	for (size_t k = 0; k < 2 * count; k++)
		transcript_bytes(&tr, pf->commit + k * POINT_LEN, POINT_LEN);
	/* (C-4.3.3) c = H(...) */
	if ((e = transcript_challenge(&tr, c)) != Q_OK)
		goto out;
	/* (C-4.3.4) c_m = c - sum_{j != m} c_j, over all k with c_m's
	 * placeholder masked to 0, then written to branch m by masks */
	{
		ct4 cm, z = {{0, 0, 0, 0}}, term;
		ct4_from_scalar(&cm, c);
		for (size_t k = 0; k < count; k++) {
			ct4_select(&term, ct_eq_mask(k, mi), &z, &sec->c[k]);
			ct4_mod_sub(&cm, &cm, &term);
		}
		for (size_t k = 0; k < count && e == Q_OK; k++) {
			ct4_select(&sec->c[k], ct_eq_mask(k, mi), &cm, &sec->c[k]);
			e = ct4_to_scalar(pf->c[k], &sec->c[k]);
		}
		wipe(&cm, sizeof cm);
		wipe(&term, sizeof term);
		if (e != Q_OK)
			goto out;
	}
	/* (C-4.3.5) v_m = w + c_m r, and v_j = t_j + c_j r for j != m */
	for (size_t k = 0; k < count; k++)
		if ((e = scalar_mul(t, pf->c[k], ps->r)) != Q_OK ||
		    (e = scalar_add(pf->v[k], pf->v[k], t)) != Q_OK)
			goto out;
	*out = pf;
	ps->pf = NULL;
	e = Q_OK;
out:
	transcript_free(&tr);
	scalar_free(t);
	scalar_free(c);
	return e;
}

/* One proof: both stages, its points encoded together. */
static qerr range_prove_impl(range_proof **out, const uint8_t ctx[PROOF_CTX_LEN],
                             const point_table *K, const elgamal_ct *ct_in, const uint8_t *ct_enc,
                             elgamal_ct *ct_out, uint64_t m, scalar *r_io, uint64_t lo, uint64_t hi,
                             int check_witness)
{
	prove_state ps;
	const point **terms = NULL;
	size_t *ends = NULL, nt = 0, ng = 0;
	uint8_t(*enc)[POINT_LEN] = NULL;
	qerr e;

	memset(&ps, 0, sizeof ps);
	if ((e = prove_check(out, ctx, K, ct_out != NULL ? ct_out : ct_in, r_io, m, lo, hi)) !=
	    Q_OK)
		return e;
	terms = calloc(prove_nterms(lo, hi, ct_enc), sizeof *terms);
	ends = calloc(prove_nsums(lo, hi, ct_enc), sizeof *ends);
	enc = calloc(prove_nsums(lo, hi, ct_enc), sizeof *enc);
	e = Q_ERR_NOMEM;
	if (terms == NULL || ends == NULL || enc == NULL)
		goto out;
	if ((e = prove_begin(&ps, ctx, K, ct_in, ct_enc, ct_out, m, r_io, lo, hi, check_witness,
	                     terms, ends, &nt, &ng)) != Q_OK)
		goto out;
	if ((e = point_sums_encode(enc, terms, ends, ng)) != Q_OK) {
		if (e == Q_ERR_POINT)
			e = Q_ERR_CRYPTO; /* infinity: probability 2^-256 */
		goto out;
	}
	e = prove_finish(&ps, K, (const uint8_t(*)[POINT_LEN])enc, out);
out:
	prove_state_free(&ps);
	free(terms);
	free(ends);
	free(enc);
	return e;
}

qerr range_prove_own_many(const point_table *K, const range_prove_job *jobs, size_t n)
{
	prove_state *ps = NULL;
	const point **terms = NULL;
	size_t *ends = NULL, *first = NULL, nt = 0, ng = 0, nterms = 0, nsums = 0;
	uint8_t(*enc)[POINT_LEN] = NULL;
	qerr e = Q_OK;

	if (n > 0 && jobs == NULL)
		return Q_ERR_ARG;
	for (size_t i = 0; i < n; i++)
		if (jobs[i].out != NULL)
			*jobs[i].out = NULL;
	for (size_t i = 0; i < n; i++) {
		const range_prove_job *jb = &jobs[i];
		if ((e = prove_check(jb->out, jb->ctx, K, jb->ct, jb->r, jb->m, jb->lo, jb->hi)) !=
		    Q_OK)
			return e;
		nterms += prove_nterms(jb->lo, jb->hi, jb->ct_enc);
		nsums += prove_nsums(jb->lo, jb->hi, jb->ct_enc);
	}
	if (n == 0)
		return Q_OK;
	ps = calloc(n, sizeof *ps);
	first = calloc(n, sizeof *first);
	terms = calloc(nterms, sizeof *terms);
	ends = calloc(nsums, sizeof *ends);
	enc = calloc(nsums, sizeof *enc);
	e = Q_ERR_NOMEM;
	if (ps == NULL || first == NULL || terms == NULL || ends == NULL || enc == NULL)
		goto out;
	/* every proof's points, in order (so its draws too), then all their
	 * encodings with one field inversion, then every challenge */
	for (size_t i = 0; i < n; i++) {
		const range_prove_job *jb = &jobs[i];
		first[i] = ng;
		/* r is only read when no ciphertext is made (ct_out NULL) */
		if ((e = prove_begin(&ps[i], jb->ctx, K, jb->ct, jb->ct_enc, NULL, jb->m,
		                     (scalar *)jb->r, jb->lo, jb->hi, 0, terms, ends, &nt, &ng)) !=
		    Q_OK)
			goto out;
	}
	if ((e = point_sums_encode(enc, terms, ends, ng)) != Q_OK) {
		if (e == Q_ERR_POINT)
			e = Q_ERR_CRYPTO; /* infinity: probability 2^-256 */
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if ((e = prove_finish(&ps[i], K, (const uint8_t(*)[POINT_LEN])enc + first[i],
		                      jobs[i].out)) != Q_OK)
			goto out;
	e = Q_OK;
out:
	for (size_t i = 0; ps != NULL && i < n; i++)
		prove_state_free(&ps[i]);
	if (e != Q_OK)
		for (size_t i = 0; i < n; i++) {
			range_proof_free(*jobs[i].out);
			*jobs[i].out = NULL;
		}
	free(ps);
	free(first);
	free(terms);
	free(ends);
	free(enc);
	return e;
}

qerr range_verify(const range_proof *pf, const uint8_t ctx[PROOF_CTX_LEN], const point *K,
                  const point_table *K_table, const elgamal_ct *ct, uint64_t lo, uint64_t hi)
{
	scalar *nc = scalar_new(), *cj = scalar_new(), *sum = scalar_new(), *c = scalar_new();
	point *a = point_new(), *b = point_new(), *x = point_new();
	transcript tr = {NULL};
	qerr e = Q_ERR_NOMEM;

	if (pf == NULL || ctx == NULL || K == NULL || ct == NULL) {
		e = Q_ERR_ARG;
		goto out;
	}
	if (nc == NULL || cj == NULL || sum == NULL || c == NULL || a == NULL || b == NULL ||
	    x == NULL)
		goto out;
	if (!range_ok(lo, hi)) {
		e = Q_ERR_RANGE;
		goto out;
	}
	if (pf->lo != lo || pf->hi != hi || pf->count != (size_t)(hi - lo) + 1) {
		e = Q_ERR_PROOF;
		goto out;
	}
	if (point_is_infinity(K) || point_is_infinity(ct->a) || point_is_infinity(ct->b)) {
		e = Q_ERR_POINT;
		goto out;
	}
	if ((e = range_transcript(&tr, ctx, K, K_table, lo, hi, ct, NULL)) != Q_OK)
		goto out;
	if ((e = scalar_set_u64(sum, 0)) != Q_OK)
		goto out;
	for (size_t k = 0; k < pf->count; k++) {
		uint64_t j = lo + k;
		if ((e = scalar_neg(nc, pf->c[k])) != Q_OK)
			goto out;
		/* (C-4.3.6) a_j = v_jG - c_j alpha */
		if ((e = point_mul2(a, pf->v[k], nc, ct->a)) != Q_OK)
			goto out;
		/* (C-4.3.7) b_j = v_jK - c_j(beta - jG) = (j c_j)G + v_jK - c_j beta */
		if ((e = scalar_set_u64(cj, j)) != Q_OK ||
		    (e = scalar_mul(cj, cj, pf->c[k])) != Q_OK)
			goto out;
		if (K_table != NULL) {
			if ((e = point_table_mul(x, K_table, pf->v[k])) != Q_OK ||
			    (e = point_mul2(b, cj, nc, ct->b)) != Q_OK ||
			    (e = point_add(b, b, x)) != Q_OK)
				goto out;
		} else {
			const point *pts[2] = {K, ct->b};
			const scalar *scs[2] = {pf->v[k], nc};
			if ((e = point_msm(b, cj, 2, pts, scs)) != Q_OK)
				goto out;
		}
		transcript_point(&tr, a);
		transcript_point(&tr, b);
		if ((e = scalar_add(sum, sum, pf->c[k])) != Q_OK)
			goto out;
	}
	if ((e = transcript_challenge(&tr, c)) != Q_OK)
		goto out;
	/* (C-4.3.8) sum_j c_j == H(...) */
	e = scalar_eq(sum, c) ? Q_OK : Q_ERR_PROOF;
out:
	transcript_free(&tr);
	scalar_free(nc);
	scalar_free(cj);
	scalar_free(sum);
	scalar_free(c);
	point_free(a);
	point_free(b);
	point_free(x);
	return e;
}

/* range_prove and range_prove_own: the prover on a copy of r (the
 * prover writes its nonce argument). */
static qerr prove_with_copy(range_proof **out, const uint8_t ctx[PROOF_CTX_LEN],
                            const point_table *K, const elgamal_ct *ct, const uint8_t *ct_enc,
                            uint64_t m, const scalar *r, uint64_t lo, uint64_t hi,
                            int check_witness)
{
	scalar *rc = scalar_new();
	qerr e;
	if (out != NULL)
		*out = NULL;
	if (rc == NULL)
		return Q_ERR_NOMEM;
	if (r == NULL)
		e = Q_ERR_ARG;
	else if ((e = scalar_copy(rc, r)) == Q_OK)
		e = range_prove_impl(out, ctx, K, ct, ct_enc, NULL, m, rc, lo, hi, check_witness);
	scalar_free(rc);
	return e;
}

qerr range_prove(range_proof **out, const uint8_t ctx[PROOF_CTX_LEN], const point_table *K,
                 const elgamal_ct *ct, uint64_t m, const scalar *r, uint64_t lo, uint64_t hi)
{
	return prove_with_copy(out, ctx, K, ct, NULL, m, r, lo, hi, 1);
}

qerr range_prove_own(range_proof **out, const uint8_t ctx[PROOF_CTX_LEN], const point_table *K,
                     const elgamal_ct *ct, const uint8_t *ct_enc, uint64_t m, const scalar *r,
                     uint64_t lo, uint64_t hi)
{
	return prove_with_copy(out, ctx, K, ct, ct_enc, m, r, lo, hi, 0);
}

qerr range_encrypt_prove(elgamal_ct *ct, range_proof **out, scalar *r_out,
                         const uint8_t ctx[PROOF_CTX_LEN], const point_table *K, uint64_t m,
                         uint64_t lo, uint64_t hi)
{
	scalar *r = scalar_new();
	qerr e = Q_ERR_NOMEM;
	if (out != NULL)
		*out = NULL;
	if (ct == NULL || out == NULL) {
		e = Q_ERR_ARG;
		goto out;
	}
	if (r == NULL)
		goto out;
	/* ct is made inside from (m, r): no need to re-check the witness */
	if ((e = range_prove_impl(out, ctx, K, NULL, NULL, ct, m, r, lo, hi, 0)) != Q_OK)
		goto out;
	if (r_out != NULL && (e = scalar_copy(r_out, r)) != Q_OK) {
		range_proof_free(*out);
		*out = NULL;
	}
out:
	scalar_free(r);
	return e;
}

/* ---- full encoding (C-4.3.9) ---- */

#define BRANCH_FULL_LEN (2 * POINT_LEN + 2 * SCALAR_LEN)

qerr range_proof_encode_full(uint8_t *out, const range_proof *pf)
{
	if (out == NULL || pf == NULL)
		return Q_ERR_ARG;
	if (pf->commit == NULL)
		return Q_ERR_STATE;
	for (size_t j = 0; j < pf->count; j++) {
		uint8_t *o = out + BRANCH_FULL_LEN * j;
		memcpy(o, pf->commit + 2 * POINT_LEN * j, 2 * POINT_LEN);
		scalar_encode(o + 2 * POINT_LEN, pf->c[j]);
		scalar_encode(o + 2 * POINT_LEN + SCALAR_LEN, pf->v[j]);
	}
	return Q_OK;
}

qerr range_proof_decode_full(range_proof **out, uint64_t lo, uint64_t hi, const uint8_t *in,
                             size_t len)
{
	range_proof *pf = NULL;
	qerr e;
	if (out == NULL || (in == NULL && len > 0))
		return Q_ERR_ARG;
	*out = NULL;
	if (!range_ok(lo, hi))
		return Q_ERR_RANGE;
	if (len != RANGE_PROOF_FULL_LEN(hi - lo))
		return Q_ERR_ENCODING;
	if ((pf = range_proof_new(lo, hi)) == NULL)
		return Q_ERR_NOMEM;
	/* the commitments are checked (C-1.2: prefix, X, Y < p, on the curve)
	 * and kept as their encodings: the verifiers read only those (the
	 * challenge hashes them, C-4.3.10's MSM decodes them), so no OpenSSL
	 * point is made (ca, cb stay NULL) */
	if ((pf->commit = malloc(pf->count * 2 * POINT_LEN)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	for (size_t j = 0; j < pf->count; j++) {
		const uint8_t *p = in + BRANCH_FULL_LEN * j;
		msm_pt chk;
		if ((e = msm_pt_from_enc(&chk, p)) != Q_OK ||
		    (e = msm_pt_from_enc(&chk, p + POINT_LEN)) != Q_OK ||
		    (e = scalar_decode(pf->c[j], p + 2 * POINT_LEN, SCALAR_LEN)) != Q_OK ||
		    (e = scalar_decode(pf->v[j], p + 2 * POINT_LEN + SCALAR_LEN, SCALAR_LEN)) !=
		        Q_OK)
			goto out;
		memcpy(pf->commit + 2 * POINT_LEN * j, p, 2 * POINT_LEN);
	}
	*out = pf;
	pf = NULL;
	e = Q_OK;
out:
	range_proof_free(pf);
	return e;
}

/* ---- batch verification (C-4.3.10) ---- */

/* A scalar as 4 little-endian limbs. */
static void scalar_limbs(uint64_t l[4], const scalar *s)
{
	uint8_t b[SCALAR_LEN];
	scalar_encode(b, s);
	msm_limbs_from_be(l, b);
}

/* Weight number i (128 bits, non-zero) from the random pool: 16 bytes
 * read big-endian; an all-zero draw (probability 2^-128) becomes 1. */
static void weight_from_pool(uint64_t w[4], const uint8_t *pool, size_t i)
{
	uint8_t b[SCALAR_LEN];
	memset(b, 0, 16);
	memcpy(b + 16, pool + 16 * i, 16);
	msm_limbs_from_be(w, b);
	if ((w[0] | w[1]) == 0)
		w[0] = 1;
}

/* Check one item's challenge from its published commitments:
 * sum_j c_j == H(TAG_RANGE; ctx, K, lo, hi, alpha, beta, a_j, b_j ...),
 * with ctenc the encoding of (alpha, beta). */
static qerr batch_challenge(const range_batch_item *it, const uint8_t kenc[POINT_LEN],
                            const uint8_t ctenc[2 * POINT_LEN], scalar *c)
{
	const range_proof *pf = it->pf;
	uint64_t sum[4] = {0}, cl[4];
	transcript tr;
	qerr e;
	if ((e = transcript_init(&tr, TAG_RANGE)) != Q_OK)
		return e;
	transcript_bytes(&tr, it->ctx, PROOF_CTX_LEN);
	transcript_bytes(&tr, kenc, POINT_LEN);
	transcript_u64(&tr, it->lo);
	transcript_u64(&tr, it->hi);
	transcript_bytes(&tr, ctenc, POINT_LEN);
	transcript_bytes(&tr, ctenc + POINT_LEN, POINT_LEN);
	for (size_t j = 0; j < 2 * pf->count; j++) /* a_j, b_j, one field each */
		transcript_bytes(&tr, pf->commit + POINT_LEN * j, POINT_LEN);
	if ((e = transcript_challenge(&tr, c)) != Q_OK)
		return e;
	for (size_t j = 0; j < pf->count; j++) {
		scalar_limbs(cl, pf->c[j]);
		msm_sc_add(sum, sum, cl);
	}
	scalar_limbs(cl, c);
	/* (C-4.3.8) with the published a_j, b_j */
	return memcmp(sum, cl, sizeof sum) == 0 ? Q_OK : Q_ERR_PROOF;
}

/* The item's shape, as batch_challenge needs it. */
static qerr batch_item_check(const range_batch_item *it)
{
	const range_proof *pf = it->pf;
	if (pf == NULL || it->ctx == NULL || (it->ct == NULL && it->ct_enc == NULL))
		return Q_ERR_ARG;
	if (pf->commit == NULL)
		return Q_ERR_STATE;
	if (!range_ok(it->lo, it->hi))
		return Q_ERR_RANGE;
	if (pf->lo != it->lo || pf->hi != it->hi || pf->count != (size_t)(it->hi - it->lo) + 1)
		return Q_ERR_PROOF;
	/* (an encoding cannot be infinity: msm_pt_from_enc refuses it) */
	if (it->ct != NULL && (point_is_infinity(it->ct->a) || point_is_infinity(it->ct->b)))
		return Q_ERR_POINT;
	return Q_OK;
}

/* Whether item i's alpha and beta are the sums of earlier items' (its
 * parts, each in this call and with its own terms, slot[] set): then its
 * coefficients are added to theirs and ct's points are not multiplied. */
static int merged(const uint32_t *const *parts, const uint32_t *nparts, const size_t *slot,
                  size_t i)
{
	if (parts == NULL || nparts == NULL || nparts[i] == 0 || parts[i] == NULL)
		return 0;
	for (uint32_t q = 0; q < nparts[i]; q++)
		if (parts[i][q] == 0 || parts[i][q] > i || slot[i - parts[i][q]] == SIZE_MAX)
			return 0;
	return 1;
}

/* The coefficients of the equation (C-4.3.10 step 2) are computed mod n on
 * 4 x 64-bit limbs (Montgomery products, msm.c): each product rho * c_j
 * etc. carries a factor 1/R that one multiplication per coefficient
 * removes; the terms go to msm.c's multi-scalar multiplication as points
 * decoded from the published encodings.  One allocation for the batch. */
qerr range_batch_verify(const range_batch_item *items, size_t count, const point *K,
                        const point_table *K_table)
{
	return range_batch_verify_sums(items, count, K, K_table, NULL, NULL);
}

qerr range_batch_verify_sums(const range_batch_item *items, size_t count, const point *K,
                             const point_table *K_table, const uint32_t *const *parts,
                             const uint32_t *nparts)
{
	msm_pt *pts = NULL; /* terms: K, G, then alpha, beta, a_j, b_j ... of each item */
	uint64_t(*sl)[4] = NULL; /* their scalars */
	uint8_t kenc[POINT_LEN], ctbuf[2 * POINT_LEN], out[POINT_LEN];
	uint8_t *pool = NULL, *mem = NULL; /* random bytes for the weights */
	uint64_t gsum[4] = {0}, ksum[4] = {0}, zero[4] = {0}; /* times 1/R */
	size_t npts = 0, cap = 2, nw = 0, nweights = 0;
	size_t *slot = NULL; /* per item: its alpha term (beta the next), or SIZE_MAX: merged */
	scalar *c = NULL;
	int inf = 0;
	qerr e = Q_ERR_NOMEM;

	if (items == NULL || K == NULL || count == 0)
		return Q_ERR_ARG;
	if (point_is_infinity(K))
		return Q_ERR_POINT;
	for (size_t i = 0; i < count; i++) {
		if (items[i].pf == NULL)
			return Q_ERR_ARG;
		if (items[i].pf->count > SIZE_MAX / 512 - cap)
			return Q_ERR_LIMIT;
		cap += 2 * items[i].pf->count + 2;
		nweights += 2 * items[i].pf->count;
	}
	if (cap > SIZE_MAX / 256)
		return Q_ERR_LIMIT;
	if ((c = scalar_new()) == NULL)
		goto out;
	mem = malloc(cap * (sizeof *pts + sizeof *sl) + count * sizeof *slot + 16 * nweights);
	if (mem == NULL)
		goto out;
	pts = (msm_pt *)(void *)mem;
	sl = (uint64_t(*)[4])(void *)(mem + cap * sizeof *pts);
	slot = (size_t *)(void *)(mem + cap * (sizeof *pts + sizeof *sl));
	pool = mem + cap * (sizeof *pts + sizeof *sl) + count * sizeof *slot;
	if ((e = rand_bytes(pool, 16 * nweights)) != Q_OK)
		goto out;
	/* slot 0: K with coefficient -sum rho_b v_j; slot 1: G with
	 * -sum (rho_a v_j + rho_b j c_j) (set at the end) */
	if (K_table != NULL)
		memcpy(kenc, point_table_encoding(K_table), POINT_LEN);
	else if ((e = point_encode(kenc, K)) != Q_OK)
		goto out;
	if ((e = msm_pt_from_enc(&pts[0], kenc)) != Q_OK || (e = msm_generator(&pts[1])) != Q_OK)
		goto out;
	npts = 2;
	for (size_t i = 0; i < count; i++) {
		const range_batch_item *it = &items[i];
		const range_proof *pf = it->pf;
		const uint8_t *ce = it->ct_enc;
		uint64_t asum[4] = {0}, bsum[4] = {0};
		size_t ia = 0, ib = 0;
		if ((e = batch_item_check(it)) != Q_OK)
			goto out;
		if (ce == NULL) {
			if ((e = point_encode(ctbuf, it->ct->a)) != Q_OK ||
			    (e = point_encode(ctbuf + POINT_LEN, it->ct->b)) != Q_OK)
				goto out;
			ce = ctbuf;
		}
		if ((e = batch_challenge(it, kenc, ce, c)) != Q_OK)
			goto out;
		slot[i] = merged(parts, nparts, slot, i) ? SIZE_MAX : npts;
		if (slot[i] != SIZE_MAX) {
			ia = npts++; /* alpha */
			ib = npts++; /* beta */
			if ((e = msm_pt_from_enc(&pts[ia], ce)) != Q_OK ||
			    (e = msm_pt_from_enc(&pts[ib], ce + POINT_LEN)) != Q_OK)
				goto out;
		}
		for (size_t k = 0; k < pf->count; k++) {
			uint64_t ra[4], rb[4], cj[4], vj[4], jr[4], t[4];
			const uint8_t *ab = pf->commit + 2 * POINT_LEN * k;
			/* rho_a (a_j - v_jG + c_j alpha)
			 *   + rho_b (b_j - v_jK + c_j beta - j c_j G) = O   (C-4.3.6/7) */
			weight_from_pool(ra, pool, nw++);
			weight_from_pool(rb, pool, nw++);
			scalar_limbs(cj, pf->c[k]);
			scalar_limbs(vj, pf->v[k]);
			if ((e = msm_pt_from_enc(&pts[npts], ab)) != Q_OK)
				goto out;
			memcpy(sl[npts++], ra, sizeof ra);
			if ((e = msm_pt_from_enc(&pts[npts], ab + POINT_LEN)) != Q_OK)
				goto out;
			memcpy(sl[npts++], rb, sizeof rb);
			/* alpha += rho_a c_j ; beta += rho_b c_j */
			msm_sc_mont_mul(t, ra, cj);
			msm_sc_add(asum, asum, t);
			msm_sc_mont_mul(t, rb, cj);
			msm_sc_add(bsum, bsum, t);
			/* G -= rho_b c_j j + rho_a v_j  (t = rho_b c_j / R; jr = j R) */
			msm_sc_from_mont(jr, (const uint64_t[4]){it->lo + k, 0, 0, 0});
			msm_sc_mont_mul(t, t, jr);
			msm_sc_add(gsum, gsum, t);
			msm_sc_mont_mul(t, ra, vj);
			msm_sc_add(gsum, gsum, t);
			/* K -= rho_b v_j */
			msm_sc_mont_mul(t, rb, vj);
			msm_sc_add(ksum, ksum, t);
		}
		if (slot[i] != SIZE_MAX) {
			msm_sc_from_mont(sl[ia], asum);
			msm_sc_from_mont(sl[ib], bsum);
			continue;
		}
		/* alpha = sum of the parts' alphas: their coefficients take
		 * this item's (beta likewise) */
		msm_sc_from_mont(asum, asum);
		msm_sc_from_mont(bsum, bsum);
		for (uint32_t q = 0; q < nparts[i]; q++) {
			size_t at = slot[i - parts[i][q]];
			msm_sc_add(sl[at], sl[at], asum);
			msm_sc_add(sl[at + 1], sl[at + 1], bsum);
		}
	}
	msm_sc_from_mont(ksum, ksum);
	msm_sc_sub(sl[0], zero, ksum);
	msm_sc_from_mont(gsum, gsum);
	msm_sc_sub(sl[1], zero, gsum);
	/* (C-4.3.10) one multi-scalar multiplication must give O */
	if ((e = msm_run_limbs(out, &inf, pts, (const uint64_t(*)[4])sl, npts)) != Q_OK)
		goto out;
	e = inf ? Q_OK : Q_ERR_PROOF;
out:
	free(mem);
	scalar_free(c);
	return e;
}

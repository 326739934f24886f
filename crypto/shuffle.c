/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * shuffle.c -- re-encryption mix-net with a Terelius-Wikstrom proof of
 * shuffle, and names as points (docs/spec/crypto.md C-8).
 */
#include "shuffle.h"

#include <openssl/bn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shuffle_internal.h"
#include "transcript.h"
#include "util.h"

#include "banned.h"

struct shuffle_proof {
	size_t n, w;
	point **c; /* c_1..c_n: permutation commitment (C-8.3.1) */
	point **ch; /* chat_1..chat_n: commitment chain (C-8.3.4) */
	point **th; /* that_1..that_n (C-8.3.7) */
	point *t1, *t2, *t3;
	point **t4a, **t4b; /* w each */
	scalar *s1, *s2, *s3;
	scalar **s4; /* w */
	scalar **sh, **sp; /* shat_i, s'_i: n each */
	uint8_t *enc; /* the points' encoding (C-8.5) when decoded, else NULL */
};

/* ---------------- small helpers ---------------- */

static point **points_new(size_t k)
{
	point **p = calloc(k ? k : 1, sizeof *p);
	if (p == NULL)
		return NULL;
	for (size_t i = 0; i < k; i++) {
		if ((p[i] = point_new()) == NULL) {
			for (size_t j = 0; j < i; j++)
				point_free(p[j]);
			free(p);
			return NULL;
		}
	}
	return p;
}

static void points_free(point **p, size_t k)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < k; i++)
		point_free(p[i]);
	free(p);
}

static scalar **scalars_new(size_t k)
{
	scalar **s = calloc(k ? k : 1, sizeof *s);
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < k; i++) {
		if ((s[i] = scalar_new()) == NULL) {
			for (size_t j = 0; j < i; j++)
				scalar_free(s[j]);
			free(s);
			return NULL;
		}
	}
	return s;
}

/* scalar_free wipes. */
static void scalars_free(scalar **s, size_t k)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < k; i++)
		scalar_free(s[i]);
	free(s);
}

static int dims_ok(size_t n, size_t w)
{
	return n >= 1 && n <= SHUFFLE_MAX_N && w >= 1 && w <= SHUFFLE_MAX_W;
}

static shuffle_proof *proof_alloc(size_t n, size_t w)
{
	shuffle_proof *pf = calloc(1, sizeof *pf);
	if (pf == NULL)
		return NULL;
	pf->n = n;
	pf->w = w;
	pf->c = points_new(n);
	pf->ch = points_new(n);
	pf->th = points_new(n);
	pf->t1 = point_new();
	pf->t2 = point_new();
	pf->t3 = point_new();
	pf->t4a = points_new(w);
	pf->t4b = points_new(w);
	pf->s1 = scalar_new();
	pf->s2 = scalar_new();
	pf->s3 = scalar_new();
	pf->s4 = scalars_new(w);
	pf->sh = scalars_new(n);
	pf->sp = scalars_new(n);
	if (pf->c == NULL || pf->ch == NULL || pf->th == NULL || pf->t1 == NULL || pf->t2 == NULL ||
	    pf->t3 == NULL || pf->t4a == NULL || pf->t4b == NULL || pf->s1 == NULL ||
	    pf->s2 == NULL || pf->s3 == NULL || pf->s4 == NULL || pf->sh == NULL ||
	    pf->sp == NULL) {
		shuffle_proof_free(pf);
		return NULL;
	}
	return pf;
}

void shuffle_proof_free(shuffle_proof *pf)
{
	if (pf == NULL)
		return;
	points_free(pf->c, pf->n);
	points_free(pf->ch, pf->n);
	points_free(pf->th, pf->n);
	point_free(pf->t1);
	point_free(pf->t2);
	point_free(pf->t3);
	points_free(pf->t4a, pf->w);
	points_free(pf->t4b, pf->w);
	scalar_free(pf->s1);
	scalar_free(pf->s2);
	scalar_free(pf->s3);
	scalars_free(pf->s4, pf->w);
	scalars_free(pf->sh, pf->n);
	scalars_free(pf->sp, pf->n);
	free(pf->enc);
	free(pf);
}

size_t shuffle_proof_n(const shuffle_proof *pf)
{
	return pf->n;
}

size_t shuffle_proof_w(const shuffle_proof *pf)
{
	return pf->w;
}

/* ---------------- lifting an x coordinate to the curve (C-8.1.2) ---------------- */

static const char P_HEX[] = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";
static const char B_HEX[] = "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b";

typedef struct lifter {
	BN_CTX *ctx;
	BN_MONT_CTX *mont;
	BIGNUM *p, *b, *e, *x, *rhs, *y, *t;
} lifter;

static void lifter_free(lifter *L)
{
	BN_free(L->p);
	BN_free(L->b);
	BN_free(L->e);
	BN_free(L->x);
	BN_free(L->rhs);
	BN_free(L->y);
	BN_free(L->t);
	BN_MONT_CTX_free(L->mont);
	BN_CTX_free(L->ctx);
	memset(L, 0, sizeof *L);
}

static qerr lifter_init(lifter *L)
{
	memset(L, 0, sizeof *L);
	L->ctx = BN_CTX_new();
	L->e = BN_new();
	L->x = BN_new();
	L->rhs = BN_new();
	L->y = BN_new();
	L->t = BN_new();
	if (L->ctx == NULL || L->e == NULL || L->x == NULL || L->rhs == NULL || L->y == NULL ||
	    L->t == NULL || BN_hex2bn(&L->p, P_HEX) == 0 || BN_hex2bn(&L->b, B_HEX) == 0 ||
	    !BN_copy(L->e, L->p) || !BN_add_word(L->e, 1) || !BN_rshift(L->e, L->e, 2)) {
		lifter_free(L);
		return Q_ERR_NOMEM;
	}
	return Q_OK;
}

/* If x (32 bytes, big-endian) is < p and x^3 - 3x + b is a square mod p,
 * pt = (x, y) with y = rhs^((p+1)/4) mod p made even (y or p - y), and
 * *ok = 1; otherwise *ok = 0 (C-8.1.2). */
static qerr lift_x(lifter *L, point *pt, const uint8_t x[32], int *ok)
{
	uint8_t enc[POINT_LEN];
	*ok = 0;
	if (BN_bin2bn(x, 32, L->x) == NULL)
		return Q_ERR_NOMEM;
	if (BN_cmp(L->x, L->p) >= 0)
		return Q_OK;
	/* rhs = x^3 - 3x + b mod p */
	if (!BN_mod_sqr(L->t, L->x, L->p, L->ctx) ||
	    !BN_mod_mul(L->rhs, L->t, L->x, L->p, L->ctx) ||
	    !BN_mod_add(L->t, L->x, L->x, L->p, L->ctx) ||
	    !BN_mod_add(L->t, L->t, L->x, L->p, L->ctx) ||
	    !BN_mod_sub(L->rhs, L->rhs, L->t, L->p, L->ctx) ||
	    !BN_mod_add(L->rhs, L->rhs, L->b, L->p, L->ctx) ||
	    !BN_mod_exp_mont(L->y, L->rhs, L->e, L->p, L->ctx, L->mont) ||
	    !BN_mod_sqr(L->t, L->y, L->p, L->ctx))
		return Q_ERR_CRYPTO;
	if (BN_cmp(L->t, L->rhs) != 0)
		return Q_OK; /* not a square: no point with this x */
	if (BN_is_odd(L->y) && !BN_sub(L->y, L->p, L->y))
		return Q_ERR_CRYPTO;
	enc[0] = 0x04;
	memcpy(enc + 1, x, 32);
	if (BN_bn2binpad(L->y, enc + 33, 32) != 32)
		return Q_ERR_CRYPTO;
	if (point_decode(pt, enc, sizeof enc) != Q_OK)
		return Q_ERR_CRYPTO; /* cannot happen: (x, y) is on the curve */
	*ok = 1;
	return Q_OK;
}

/* ---------------- generators (C-8.1) ---------------- */

qerr shuffle_generators(point *const *h, size_t count, const uint8_t ctx[SHUFFLE_CTX_LEN])
{
	lifter L;
	qerr e;
	if (h == NULL || ctx == NULL || count == 0 || count > SHUFFLE_MAX_N + 1)
		return Q_ERR_ARG;
	if ((e = lifter_init(&L)) != Q_OK)
		return e;
	for (size_t i = 0; i < count && e == Q_OK; i++) {
		int ok = 0;
		for (uint32_t j = 0; !ok && e == Q_OK; j++) {
			transcript t;
			uint8_t x[SHA256_LEN];
			if ((e = transcript_init(&t, TAG_SHUFFLE_GENERATOR)) != Q_OK)
				break;
			transcript_bytes(&t, ctx, SHUFFLE_CTX_LEN); /* C-8.1.1 */
			transcript_u32(&t, (uint32_t)i);
			transcript_u32(&t, j);
			transcript_digest(&t, x);
			e = lift_x(&L, h[i], x, &ok);
		}
	}
	lifter_free(&L);
	return e;
}

/* ---------------- ElGamal of points, re-encryption (C-8.2) ---------------- */

qerr shuffle_encrypt_point(elgamal_ct *ct, const point *M, const scalar *r, const point_table *K)
{
	qerr e;
	point *rK;
	if (ct == NULL || M == NULL || r == NULL || K == NULL)
		return Q_ERR_ARG;
	if (scalar_is_zero(r))
		return Q_ERR_SCALAR;
	if ((rK = point_new()) == NULL)
		return Q_ERR_NOMEM;
	if ((e = point_table_mul(rK, K, r)) == Q_OK && (e = point_mul_base(ct->a, r)) == Q_OK)
		e = point_add(ct->b, M, rK); /* C-8.2.2 */
	point_free(rK);
	return e;
}

qerr shuffle_reencrypt(elgamal_ct *out, const elgamal_ct *in, const scalar *r, const point_table *K)
{
	qerr e;
	point *rG = point_new(), *rK = point_new();
	if (out == NULL || in == NULL || r == NULL || K == NULL) {
		e = Q_ERR_ARG;
		goto out;
	}
	if (rG == NULL || rK == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	/* C-8.2.1 */
	if ((e = point_mul_base(rG, r)) != Q_OK || (e = point_table_mul(rK, K, r)) != Q_OK ||
	    (e = point_add(out->a, in->a, rG)) != Q_OK)
		goto out;
	e = point_add(out->b, in->b, rK);
out:
	point_free(rG);
	point_free(rK);
	return e;
}

/* ---------------- the hashes (C-8.3.2, C-8.3.8) ---------------- */

static void hash_ct(transcript *t, const elgamal_ct *ct)
{
	transcript_point(t, ct->a);
	transcript_point(t, ct->b);
}

/* d = H(statement; ctx, K, n, w, inputs, outputs, c_1..c_n)   (C-8.3.2) */
/* Each list is hashed from its received bytes when given (in_b, out_b:
 * n*w ciphertexts of 130 bytes, strictly decoded, so the same bytes as
 * re-encoding the points), else encoded; likewise c_j from pf_enc. */
static qerr statement_digest(uint8_t d[SHA256_LEN], const uint8_t ctx[SHUFFLE_CTX_LEN],
                             const point *K, const elgamal_ct *const *in,
                             const elgamal_ct *const *out, size_t n, size_t w, point *const *c,
                             const uint8_t *in_b, const uint8_t *out_b, const uint8_t *pf_enc)
{
	transcript t;
	qerr e = transcript_init(&t, TAG_SHUFFLE_STATEMENT);
	if (e != Q_OK)
		return e;
	transcript_bytes(&t, ctx, SHUFFLE_CTX_LEN);
	transcript_point(&t, K);
	transcript_u32(&t, (uint32_t)n);
	transcript_u32(&t, (uint32_t)w);
	for (size_t i = 0; i < n * w; i++) {
		if (in_b == NULL) {
			hash_ct(&t, in[i]);
		} else {
			transcript_bytes(&t, in_b + ELGAMAL_CT_LEN * i, POINT_LEN);
			transcript_bytes(&t, in_b + ELGAMAL_CT_LEN * i + POINT_LEN, POINT_LEN);
		}
	}
	for (size_t i = 0; i < n * w; i++) {
		if (out_b == NULL) {
			hash_ct(&t, out[i]);
		} else {
			transcript_bytes(&t, out_b + ELGAMAL_CT_LEN * i, POINT_LEN);
			transcript_bytes(&t, out_b + ELGAMAL_CT_LEN * i + POINT_LEN, POINT_LEN);
		}
	}
	for (size_t j = 0; j < n; j++) {
		if (pf_enc == NULL)
			transcript_point(&t, c[j]);
		else
			transcript_bytes(&t, pf_enc + POINT_LEN * j, POINT_LEN);
	}
	transcript_digest(&t, d);
	return Q_OK;
}

/* u_j = H(u; d, j) mod n_G for j = 1..n   (C-8.3.3) */
static qerr derive_u(scalar **u, const uint8_t d[SHA256_LEN], size_t n)
{
	qerr e = Q_OK;
	for (size_t j = 0; j < n && e == Q_OK; j++) {
		transcript t;
		if ((e = transcript_init(&t, TAG_SHUFFLE_U)) != Q_OK)
			break;
		transcript_bytes(&t, d, SHA256_LEN);
		transcript_u32(&t, (uint32_t)(j + 1));
		e = transcript_challenge(&t, u[j]);
	}
	return e;
}

/* c = H(challenge; d, chat_1..n, t_1, t_2, t_3, t4a_1..w, t4b_1..w,
 *       that_1..n) mod n_G   (C-8.3.8) */
static qerr proof_challenge(scalar *c, const uint8_t d[SHA256_LEN], const shuffle_proof *pf)
{
	transcript t;
	qerr e = transcript_init(&t, TAG_SHUFFLE_CHALLENGE);
	if (e != Q_OK)
		return e;
	transcript_bytes(&t, d, SHA256_LEN);
	if (pf->enc != NULL) {
		/* chat_1..n, t_1..t4b_w, that_1..n are contiguous in C-8.5 */
		for (size_t q = 0; q < 2 * pf->n + 3 + 2 * pf->w; q++)
			transcript_bytes(&t, pf->enc + POINT_LEN * (pf->n + q), POINT_LEN);
		return transcript_challenge(&t, c);
	}
	for (size_t i = 0; i < pf->n; i++)
		transcript_point(&t, pf->ch[i]);
	transcript_point(&t, pf->t1);
	transcript_point(&t, pf->t2);
	transcript_point(&t, pf->t3);
	for (size_t k = 0; k < pf->w; k++)
		transcript_point(&t, pf->t4a[k]);
	for (size_t k = 0; k < pf->w; k++)
		transcript_point(&t, pf->t4b[k]);
	for (size_t i = 0; i < pf->n; i++)
		transcript_point(&t, pf->th[i]);
	return transcript_challenge(&t, c);
}

/* ---------------- prover (C-8.3) ---------------- */

/* acc += s*P (constant time in s) */
static qerr add_mul(point *acc, point *tmp, const scalar *s, const point *P)
{
	qerr e = point_mul(tmp, s, P);
	return e != Q_OK ? e : point_add(acc, acc, tmp);
}

/* r = a + b*c */
static qerr muladd(scalar *r, const scalar *a, const scalar *b, const scalar *c, scalar *tmp)
{
	qerr e = scalar_mul(tmp, b, c);
	return e != Q_OK ? e : scalar_add(r, a, tmp);
}

/* c_j += m*h (m NULL: 1) */
static qerr add_entry_point(point *cj, point *tmp, const scalar *m, const point *h)
{
	if (m == NULL)
		return point_add(cj, cj, h);
	return add_mul(cj, tmp, m, h);
}

/* up_i += m*u_j (m NULL: 1) */
static qerr add_entry_scalar(scalar *up, scalar *tmp, const scalar *m, const scalar *u)
{
	if (m == NULL)
		return scalar_add(up, up, u);
	return muladd(up, up, m, u, tmp);
}

qerr shuffle_prove_unchecked(shuffle_proof **proof, const uint8_t ctx[SHUFFLE_CTX_LEN],
                             const point_table *K, const elgamal_ct *const *in,
                             const elgamal_ct *const *out, size_t n, size_t w, const uint32_t *pi,
                             const scalar *const *r)
{
	return shuffle_prove_cheat(proof, ctx, K, in, out, n, w, pi, r, NULL);
}

qerr shuffle_prove_cheat(shuffle_proof **proof, const uint8_t ctx[SHUFFLE_CTX_LEN],
                         const point_table *K, const elgamal_ct *const *in,
                         const elgamal_ct *const *out, size_t n, size_t w, const uint32_t *pi,
                         const scalar *const *r, const shuffle_cheat *ch)
{
	const point *Kp = point_table_base(K);
	shuffle_proof *pf = proof_alloc(n, w);
	point **h = points_new(n + 1);
	scalar **rho = scalars_new(n), **rhoh = scalars_new(n), **u = scalars_new(n);
	scalar **up = scalars_new(n), **omh = scalars_new(n), **omp = scalars_new(n);
	scalar **om4 = scalars_new(w), **rp = scalars_new(w), **om = scalars_new(3);
	scalar *rbar = scalar_new(), *rhat = scalar_new(), *rtil = scalar_new();
	scalar *v = scalar_new(), *tmp = scalar_new(), *c = scalar_new();
	point *T = point_new();
	uint8_t d[SHA256_LEN];
	qerr e = Q_ERR_NOMEM;

	*proof = NULL;
	if (pf == NULL || h == NULL || rho == NULL || rhoh == NULL || u == NULL || up == NULL ||
	    omh == NULL || omp == NULL || om4 == NULL || rp == NULL || om == NULL || rbar == NULL ||
	    rhat == NULL || rtil == NULL || v == NULL || tmp == NULL || c == NULL || T == NULL)
		goto out;
	if ((e = shuffle_generators(h, n + 1, ctx)) != Q_OK)
		goto out;
	if ((e = scalar_random_many(rho, n)) != Q_OK || (e = scalar_random_many(rhoh, n)) != Q_OK ||
	    (e = scalar_random_many(omh, n)) != Q_OK || (e = scalar_random_many(omp, n)) != Q_OK ||
	    (e = scalar_random_many(om4, w)) != Q_OK || (e = scalar_random_many(om, 3)) != Q_OK)
		goto out;

	/* C-8.3.1: c_j = rho_j*G, then c_{pi(i)} += h_i */
	for (size_t j = 0; j < n; j++)
		if ((e = point_mul_base(pf->c[j], rho[j])) != Q_OK)
			goto out;
	if (ch != NULL && ch->commit != NULL) {
		for (size_t q = 0; q < ch->ncommit; q++)
			if ((e = add_entry_point(pf->c[ch->commit[q].j], T, ch->commit[q].m,
			                         h[ch->commit[q].i + 1])) != Q_OK)
				goto out;
	} else {
		for (size_t i = 0; i < n; i++)
			if ((e = point_add(pf->c[pi[i]], pf->c[pi[i]], h[i + 1])) != Q_OK)
				goto out;
	}

	/* C-8.3.2-3 */
	if ((e = statement_digest(d, ctx, Kp, in, out, n, w, pf->c, NULL, NULL, NULL)) != Q_OK ||
	    (e = derive_u(u, d, n)) != Q_OK)
		goto out;
	if (ch != NULL && (ch->resp != NULL || ch->commit != NULL)) {
		const shuffle_entry *en = ch->resp != NULL ? ch->resp : ch->commit;
		size_t nen = ch->resp != NULL ? ch->nresp : ch->ncommit;
		for (size_t i = 0; i < n; i++)
			if ((e = scalar_set_u64(up[i], 0)) != Q_OK)
				goto out;
		for (size_t q = 0; q < nen; q++)
			if ((e = add_entry_scalar(up[en[q].i], tmp, en[q].m, u[en[q].j])) != Q_OK)
				goto out;
	} else {
		for (size_t i = 0; i < n; i++)
			if ((e = scalar_copy(up[i], u[pi[i]])) != Q_OK)
				goto out;
	}

	/* C-8.3.4: chat_i = rhoh_i*G + u'_i*chat_{i-1}, chat_0 = H */
	for (size_t i = 0; i < n; i++) {
		const point *prev = i == 0 ? h[0] : pf->ch[i - 1];
		if ((e = point_mul_base(pf->ch[i], rhoh[i])) != Q_OK ||
		    (e = add_mul(pf->ch[i], T, up[i], prev)) != Q_OK)
			goto out;
	}

	/* C-8.3.5: rbar, rhat, rtilde, r'_k */
	if ((e = scalar_set_u64(rbar, 0)) != Q_OK || (e = scalar_set_u64(rtil, 0)) != Q_OK ||
	    (e = scalar_set_u64(rhat, 0)) != Q_OK || (e = scalar_set_u64(v, 1)) != Q_OK)
		goto out;
	for (size_t j = 0; j < n; j++)
		if ((e = scalar_add(rbar, rbar, rho[j])) != Q_OK ||
		    (e = muladd(rtil, rtil, rho[j], u[j], tmp)) != Q_OK)
			goto out;
	for (size_t i = n; i-- > 0;) { /* v = prod_{l > i} u'_l */
		if ((e = muladd(rhat, rhat, rhoh[i], v, tmp)) != Q_OK ||
		    (e = scalar_mul(v, v, up[i])) != Q_OK)
			goto out;
	}
	if (ch != NULL && ch->fake_chain_end) {
		/* chat_n := rhat*G + (prod_j u_j)*H for a fresh rhat */
		if ((e = scalar_random(rhat)) != Q_OK || (e = scalar_set_u64(v, 1)) != Q_OK)
			goto out;
		for (size_t j = 0; j < n; j++)
			if ((e = scalar_mul(v, v, u[j])) != Q_OK)
				goto out;
		if ((e = point_mul_base(pf->ch[n - 1], rhat)) != Q_OK ||
		    (e = add_mul(pf->ch[n - 1], T, v, h[0])) != Q_OK)
			goto out;
	}
	for (size_t k = 0; k < w; k++) {
		if ((e = scalar_set_u64(rp[k], 0)) != Q_OK)
			goto out;
		for (size_t i = 0; i < n; i++)
			if ((e = muladd(rp[k], rp[k], r[i * w + k], up[i], tmp)) != Q_OK)
				goto out;
	}

	/* C-8.3.6-7: commitments */
	if ((e = point_mul_base(pf->t1, om[0])) != Q_OK ||
	    (e = point_mul_base(pf->t2, om[1])) != Q_OK ||
	    (e = point_mul_base(pf->t3, om[2])) != Q_OK)
		goto out;
	for (size_t i = 0; i < n; i++)
		if ((e = add_mul(pf->t3, T, omp[i], h[i + 1])) != Q_OK)
			goto out;
	for (size_t k = 0; k < w; k++) {
		if ((e = point_mul_base(T, om4[k])) != Q_OK ||
		    (e = point_neg(pf->t4a[k], T)) != Q_OK ||
		    (e = point_table_mul(T, K, om4[k])) != Q_OK ||
		    (e = point_neg(pf->t4b[k], T)) != Q_OK)
			goto out;
		for (size_t i = 0; i < n; i++)
			if ((e = add_mul(pf->t4a[k], T, omp[i], out[i * w + k]->a)) != Q_OK ||
			    (e = add_mul(pf->t4b[k], T, omp[i], out[i * w + k]->b)) != Q_OK)
				goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const point *prev = i == 0 ? h[0] : pf->ch[i - 1];
		if ((e = point_mul_base(pf->th[i], omh[i])) != Q_OK ||
		    (e = add_mul(pf->th[i], T, omp[i], prev)) != Q_OK)
			goto out;
	}

	/* C-8.3.8-9 */
	if ((e = proof_challenge(c, d, pf)) != Q_OK)
		goto out;
	if ((e = muladd(pf->s1, om[0], c, rbar, tmp)) != Q_OK ||
	    (e = muladd(pf->s2, om[1], c, rhat, tmp)) != Q_OK ||
	    (e = muladd(pf->s3, om[2], c, rtil, tmp)) != Q_OK)
		goto out;
	for (size_t k = 0; k < w; k++)
		if ((e = muladd(pf->s4[k], om4[k], c, rp[k], tmp)) != Q_OK)
			goto out;
	for (size_t i = 0; i < n; i++)
		if ((e = muladd(pf->sh[i], omh[i], c, rhoh[i], tmp)) != Q_OK ||
		    (e = muladd(pf->sp[i], omp[i], c, up[i], tmp)) != Q_OK)
			goto out;
	*proof = pf;
	pf = NULL;
	e = Q_OK;
out:
	shuffle_proof_free(pf);
	points_free(h, n + 1);
	scalars_free(rho, n);
	scalars_free(rhoh, n);
	scalars_free(u, n);
	scalars_free(up, n);
	scalars_free(omh, n);
	scalars_free(omp, n);
	scalars_free(om4, w);
	scalars_free(rp, w);
	scalars_free(om, 3);
	scalar_free(rbar);
	scalar_free(rhat);
	scalar_free(rtil);
	scalar_free(v);
	scalar_free(tmp);
	scalar_free(c);
	point_free(T);
	return e;
}

static qerr args_ok(const uint8_t *ctx, const void *K, const elgamal_ct *const *in,
                    const elgamal_ct *const *out, size_t n, size_t w)
{
	if (ctx == NULL || K == NULL || in == NULL || out == NULL)
		return Q_ERR_ARG;
	if (!dims_ok(n, w))
		return Q_ERR_LIMIT;
	for (size_t i = 0; i < n * w; i++)
		if (in[i] == NULL || out[i] == NULL)
			return Q_ERR_ARG;
	return Q_OK;
}

qerr shuffle_prove(shuffle_proof **proof, const uint8_t ctx[SHUFFLE_CTX_LEN], const point_table *K,
                   const elgamal_ct *const *in, const elgamal_ct *const *out, size_t n, size_t w,
                   const uint32_t *pi, const scalar *const *r)
{
	uint8_t *seen = NULL;
	elgamal_ct *x = NULL;
	qerr e;
	if (proof == NULL)
		return Q_ERR_ARG;
	*proof = NULL;
	if ((e = args_ok(ctx, K, in, out, n, w)) != Q_OK)
		return e;
	if (pi == NULL || r == NULL)
		return Q_ERR_ARG;
	seen = calloc(n, 1);
	x = elgamal_ct_new();
	if (seen == NULL || x == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	/* the witness: pi a permutation, every output C-8.2.1 */
	e = Q_ERR_ARG;
	for (size_t i = 0; i < n; i++) {
		if (pi[i] >= n || seen[pi[i]])
			goto out;
		seen[pi[i]] = 1;
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < w; k++) {
			const elgamal_ct *o = out[i * w + k];
			if (r[i * w + k] == NULL)
				goto out;
			if ((e = shuffle_reencrypt(x, in[pi[i] * w + k], r[i * w + k], K)) != Q_OK)
				goto out;
			e = Q_ERR_ARG;
			if (!point_eq(x->a, o->a) || !point_eq(x->b, o->b))
				goto out;
		}
	}
	e = shuffle_prove_unchecked(proof, ctx, K, in, out, n, w, pi, r);
out:
	free(seen);
	elgamal_ct_free(x);
	return e;
}

/* A uniform permutation of 0..n-1 (Fisher-Yates, C-8.3.10): for i = n-1
 * down to 1, swap pi[i] with pi[x], x uniform in [0, i] from a CSPRNG u64
 * (big-endian) rejected if >= the largest multiple of i + 1.  The draws
 * come from one pool; a rejected draw (probability < 2^-44) is redrawn
 * alone. */
static qerr random_permutation(uint32_t *pi, size_t n)
{
	uint8_t *pool = malloc(n * 8);
	uint64_t x = 0;
	qerr e = pool == NULL ? Q_ERR_NOMEM : rand_bytes(pool, n * 8);
	for (size_t i = 0; i < n; i++)
		pi[i] = (uint32_t)i;
	for (size_t i = n; e == Q_OK && i-- > 1;) {
		uint64_t m = (uint64_t)i + 1, lim = UINT64_MAX - UINT64_MAX % m;
		uint8_t *b = pool + 8 * i;
		uint32_t tmp;
		for (;;) {
			x = 0;
			for (int q = 0; q < 8; q++)
				x = (x << 8) | b[q];
			if (x < lim)
				break;
			if ((e = rand_bytes(b, 8)) != Q_OK)
				break;
		}
		if (e != Q_OK)
			break;
		x %= m;
		tmp = pi[i];
		pi[i] = pi[x];
		pi[x] = tmp;
	}
	if (pool != NULL) {
		wipe(pool, n * 8);
		free(pool);
	}
	wipe(&x, sizeof x);
	return e;
}

qerr shuffle_mix(elgamal_ct *const *out, shuffle_proof **proof, const uint8_t ctx[SHUFFLE_CTX_LEN],
                 const point_table *K, const elgamal_ct *const *in, size_t n, size_t w)
{
	uint32_t *pi = NULL;
	scalar **r = NULL;
	qerr e;
	if (proof == NULL)
		return Q_ERR_ARG;
	*proof = NULL;
	if ((e = args_ok(ctx, K, in, (const elgamal_ct *const *)out, n, w)) != Q_OK)
		return e;
	pi = calloc(n, sizeof *pi);
	r = scalars_new(n * w);
	if (pi == NULL || r == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if ((e = random_permutation(pi, n)) != Q_OK || (e = scalar_random_many(r, n * w)) != Q_OK)
		goto out;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < w; k++)
			if ((e = shuffle_reencrypt(out[i * w + k], in[pi[i] * w + k], r[i * w + k],
			                           K)) != Q_OK)
				goto out;
	e = shuffle_prove_unchecked(proof, ctx, K, in, (const elgamal_ct *const *)out, n, w, pi,
	                            (const scalar *const *)r);
out:
	if (pi != NULL)
		wipe(pi, n * sizeof *pi);
	free(pi);
	scalars_free(r, n * w);
	return e;
}

/* ---------------- verifier (C-8.4) ---------------- */

/* A multi-scalar multiplication being assembled: sum s_i*P_i + g*G. */
typedef struct msm {
	size_t len, cap;
	const point **p;
	scalar **s;
	scalar *g;
} msm;

static void msm_free(msm *m)
{
	free(m->p);
	scalars_free(m->s, m->cap);
	scalar_free(m->g);
	memset(m, 0, sizeof *m);
}

static qerr msm_init(msm *m, size_t cap)
{
	memset(m, 0, sizeof *m);
	m->cap = cap;
	m->p = calloc(cap ? cap : 1, sizeof *m->p);
	m->s = scalars_new(cap);
	m->g = scalar_new();
	if (m->p == NULL || m->s == NULL || m->g == NULL) {
		msm_free(m);
		return Q_ERR_NOMEM;
	}
	return Q_OK;
}

/* The next term's scalar, to be set by the caller, for point p. */
static scalar *msm_term(msm *m, const point *p)
{
	if (m->len >= m->cap)
		qfatal("shuffle: msm overflow");
	m->p[m->len] = p;
	return m->s[m->len++];
}

/* *zero = 1 if the sum is O.  Evaluated in chunks (OpenSSL's multi-point
 * multiplication allocates a table per point). */
static qerr msm_is_zero(const msm *m, int *zero)
{
	enum { CHUNK = 1024 };
	point *acc = point_new(), *part = point_new();
	qerr e = Q_ERR_NOMEM;
	if (acc == NULL || part == NULL)
		goto out;
	if ((e = point_msm(acc, m->g, 0, NULL, NULL)) != Q_OK)
		goto out;
	for (size_t o = 0; o < m->len; o += CHUNK) {
		size_t k = m->len - o < CHUNK ? m->len - o : CHUNK;
		if ((e = point_msm(part, NULL, k, m->p + o, (const scalar *const *)(m->s + o))) !=
		        Q_OK ||
		    (e = point_add(acc, acc, part)) != Q_OK)
			goto out;
	}
	*zero = point_is_infinity(acc);
out:
	point_free(acc);
	point_free(part);
	return e;
}

/* Everything the verifier derives from the statement and the proof. */
typedef struct vstate {
	size_t n, w;
	const shuffle_proof *pf;
	const point *K;
	const elgamal_ct *const *in, *const *out;
	point **h; /* H, h_1..h_n */
	scalar **u; /* u_1..u_n */
	scalar **cu; /* c*u_j */
	scalar *c, *U, *one, *tmp;
} vstate;

static void vstate_free(vstate *v)
{
	points_free(v->h, v->n + 1);
	scalars_free(v->u, v->n);
	scalars_free(v->cu, v->n);
	scalar_free(v->c);
	scalar_free(v->U);
	scalar_free(v->one);
	scalar_free(v->tmp);
}

static qerr set_neg(scalar *r, const scalar *a)
{
	return scalar_neg(r, a);
}

/* Each equation alone, as an msm that must be O.  eq is one SHUFFLE_EQ_*
 * bit; idx is k (ALPHA, BETA) or i (CHAIN), 0-based. */
static qerr check_one(const vstate *v, unsigned eq, size_t idx, int *ok)
{
	const shuffle_proof *pf = v->pf;
	size_t n = v->n, w = v->w;
	msm m;
	qerr e = msm_init(&m, 2 * n + 4);
	if (e != Q_OK)
		return e;
	switch (eq) {
	case SHUFFLE_EQ_SUM: /* C-8.4.1: s1*G = t1 + c*(sum c_j - sum h_i) */
		if ((e = scalar_copy(m.g, pf->s1)) != Q_OK ||
		    (e = set_neg(msm_term(&m, pf->t1), v->one)) != Q_OK)
			break;
		for (size_t j = 0; j < n && e == Q_OK; j++)
			e = set_neg(msm_term(&m, pf->c[j]), v->c);
		for (size_t i = 0; i < n && e == Q_OK; i++)
			e = scalar_copy(msm_term(&m, v->h[i + 1]), v->c);
		break;
	case SHUFFLE_EQ_PROD: /* C-8.4.2: s2*G = t2 + c*(chat_n - U*H) */
		if ((e = scalar_copy(m.g, pf->s2)) != Q_OK ||
		    (e = set_neg(msm_term(&m, pf->t2), v->one)) != Q_OK ||
		    (e = set_neg(msm_term(&m, pf->ch[n - 1]), v->c)) != Q_OK)
			break;
		e = scalar_mul(msm_term(&m, v->h[0]), v->c, v->U);
		break;
	case SHUFFLE_EQ_COMMIT: /* C-8.4.3: s3*G + sum s'_i h_i = t3 + c*sum u_j c_j */
		if ((e = scalar_copy(m.g, pf->s3)) != Q_OK ||
		    (e = set_neg(msm_term(&m, pf->t3), v->one)) != Q_OK)
			break;
		for (size_t i = 0; i < n && e == Q_OK; i++)
			e = scalar_copy(msm_term(&m, v->h[i + 1]), pf->sp[i]);
		for (size_t j = 0; j < n && e == Q_OK; j++)
			e = set_neg(msm_term(&m, pf->c[j]), v->cu[j]);
		break;
	case SHUFFLE_EQ_ALPHA: /* C-8.4.4: sum s'_i a'_ik - s4_k*G = t4a_k + c*sum u_j a_jk */
	case SHUFFLE_EQ_BETA: /* C-8.4.5: sum s'_i b'_ik - s4_k*K = t4b_k + c*sum u_j b_jk */
	{
		int a = eq == SHUFFLE_EQ_ALPHA;
		if (a)
			e = set_neg(m.g, pf->s4[idx]);
		else
			e = set_neg(msm_term(&m, v->K), pf->s4[idx]);
		if (e != Q_OK ||
		    (e = set_neg(msm_term(&m, a ? pf->t4a[idx] : pf->t4b[idx]), v->one)) != Q_OK)
			break;
		for (size_t i = 0; i < n && e == Q_OK; i++) {
			const elgamal_ct *o = v->out[i * w + idx];
			e = scalar_copy(msm_term(&m, a ? o->a : o->b), pf->sp[i]);
		}
		for (size_t j = 0; j < n && e == Q_OK; j++) {
			const elgamal_ct *x = v->in[j * w + idx];
			e = set_neg(msm_term(&m, a ? x->a : x->b), v->cu[j]);
		}
		break;
	}
	case SHUFFLE_EQ_CHAIN: /* C-8.4.6: shat_i*G + s'_i chat_{i-1} = that_i + c*chat_i */
		if ((e = scalar_copy(m.g, pf->sh[idx])) != Q_OK ||
		    (e = scalar_copy(msm_term(&m, idx == 0 ? v->h[0] : pf->ch[idx - 1]),
		                     pf->sp[idx])) != Q_OK ||
		    (e = set_neg(msm_term(&m, pf->th[idx]), v->one)) != Q_OK)
			break;
		e = set_neg(msm_term(&m, pf->ch[idx]), v->c);
		break;
	default:
		qfatal("shuffle: unknown equation");
	}
	if (e == Q_OK)
		e = msm_is_zero(&m, ok);
	msm_free(&m);
	return e;
}

static void note(shuffle_fail *why, unsigned eq, const char *what)
{
	if (why->mask == 0)
		snprintf(why->what, sizeof why->what, "%s", what);
	why->mask |= eq;
}

/* Check every equation alone; fill why. */
static qerr diagnose(const vstate *v, shuffle_fail *why)
{
	static const struct {
		unsigned eq;
		const char *name;
	} single[] = {{SHUFFLE_EQ_SUM, "C-8.4.1"},
	              {SHUFFLE_EQ_PROD, "C-8.4.2"},
	              {SHUFFLE_EQ_COMMIT, "C-8.4.3"}};
	char what[48];
	int ok = 0;
	qerr e;
	for (size_t q = 0; q < sizeof single / sizeof single[0]; q++) {
		if ((e = check_one(v, single[q].eq, 0, &ok)) != Q_OK)
			return e;
		if (!ok)
			note(why, single[q].eq, single[q].name);
	}
	for (int a = 1; a >= 0; a--) {
		for (size_t k = 0; k < v->w; k++) {
			unsigned eq = a ? SHUFFLE_EQ_ALPHA : SHUFFLE_EQ_BETA;
			if ((e = check_one(v, eq, k, &ok)) != Q_OK)
				return e;
			if (!ok) {
				snprintf(what, sizeof what, "%s (k = %zu)",
				         a ? "C-8.4.4" : "C-8.4.5", k + 1);
				note(why, eq, what);
			}
		}
	}
	for (size_t i = 0; i < v->n; i++) {
		if ((e = check_one(v, SHUFFLE_EQ_CHAIN, i, &ok)) != Q_OK)
			return e;
		if (!ok) {
			snprintf(what, sizeof what, "C-8.4.6 (i = %zu)", i + 1);
			note(why, SHUFFLE_EQ_CHAIN, what);
		}
	}
	return Q_OK;
}

/* count 128-bit random weights, non-zero (C-8.4.7, as C-1.4), drawn in
 * one CSPRNG call (each call costs ~2 us whatever its size). */
static qerr weights(scalar **out, size_t count)
{
	uint8_t b[SCALAR_LEN] = {0}, *pool = malloc(count * 16);
	qerr e = pool == NULL ? Q_ERR_NOMEM : rand_bytes(pool, count * 16);
	for (size_t q = 0; q < count && e == Q_OK; q++) {
		memcpy(b + 16, pool + 16 * q, 16);
		while (e == Q_OK && (e = scalar_decode(out[q], b, sizeof b)) == Q_OK &&
		       scalar_is_zero(out[q]))
			e = rand_bytes(b + 16, 16);
	}
	free(pool);
	return e;
}

/* C-8.4.7: all equations at once, with random weights.  The terms, per
 * point: see the spec. */
static qerr check_batch(const vstate *v, int *ok)
{
	const shuffle_proof *pf = v->pf;
	size_t n = v->n, w = v->w;
	scalar **la = scalars_new(3 + 2 * w), **mu = scalars_new(n);
	scalar *x = scalar_new(), *y = scalar_new(), *kc = scalar_new();
	scalar *l1c = scalar_new(), *l3c = scalar_new();
	msm m = {0};
	qerr e = Q_ERR_NOMEM;
	if (la == NULL || mu == NULL || x == NULL || y == NULL || kc == NULL || l1c == NULL ||
	    l3c == NULL)
		goto out;
	if ((e = msm_init(&m, 4 * n + 4 * w * n + 5 + 2 * w)) != Q_OK)
		goto out;
	if ((e = weights(la, 3 + 2 * w)) != Q_OK || (e = weights(mu, n)) != Q_OK)
		goto out;
	/* la[0..2] = lambda_1..3, la[3+k] = lambda_alpha_k, la[3+w+k] = lambda_beta_k */
	if ((e = scalar_mul(l1c, la[0], v->c)) != Q_OK ||
	    (e = scalar_mul(l3c, la[2], v->c)) != Q_OK)
		goto out;
	/* G: l1 s1 + l2 s2 + l3 s3 - sum_k la_k s4_k + sum_i mu_i shat_i */
	if ((e = scalar_mul(m.g, la[0], pf->s1)) != Q_OK ||
	    (e = muladd(m.g, m.g, la[1], pf->s2, x)) != Q_OK ||
	    (e = muladd(m.g, m.g, la[2], pf->s3, x)) != Q_OK)
		goto out;
	for (size_t k = 0; k < w; k++)
		if ((e = scalar_mul(x, la[3 + k], pf->s4[k])) != Q_OK ||
		    (e = scalar_sub(m.g, m.g, x)) != Q_OK)
			goto out;
	for (size_t i = 0; i < n; i++)
		if ((e = muladd(m.g, m.g, mu[i], pf->sh[i], x)) != Q_OK)
			goto out;
	/* K: -sum_k lb_k s4_k */
	if ((e = scalar_set_u64(kc, 0)) != Q_OK)
		goto out;
	for (size_t k = 0; k < w; k++)
		if ((e = muladd(kc, kc, la[3 + w + k], pf->s4[k], x)) != Q_OK)
			goto out;
	if ((e = set_neg(msm_term(&m, v->K), kc)) != Q_OK)
		goto out;
	/* H: l2 c U + mu_1 s'_1 */
	if ((e = scalar_mul(x, la[1], v->c)) != Q_OK || (e = scalar_mul(x, x, v->U)) != Q_OK ||
	    (e = muladd(msm_term(&m, v->h[0]), x, mu[0], pf->sp[0], y)) != Q_OK)
		goto out;
	/* t_1, t_2, t_3, t4a_k, t4b_k: -lambda */
	if ((e = set_neg(msm_term(&m, pf->t1), la[0])) != Q_OK ||
	    (e = set_neg(msm_term(&m, pf->t2), la[1])) != Q_OK ||
	    (e = set_neg(msm_term(&m, pf->t3), la[2])) != Q_OK)
		goto out;
	for (size_t k = 0; k < w; k++)
		if ((e = set_neg(msm_term(&m, pf->t4a[k]), la[3 + k])) != Q_OK ||
		    (e = set_neg(msm_term(&m, pf->t4b[k]), la[3 + w + k])) != Q_OK)
			goto out;
	for (size_t i = 0; i < n; i++) {
		/* h_i: l1 c + l3 s'_i */
		if ((e = muladd(msm_term(&m, v->h[i + 1]), l1c, la[2], pf->sp[i], x)) != Q_OK)
			goto out;
		/* c_j: -(l1 c + l3 c u_j) */
		if ((e = muladd(x, l1c, l3c, v->u[i], y)) != Q_OK ||
		    (e = set_neg(msm_term(&m, pf->c[i]), x)) != Q_OK)
			goto out;
		/* chat_i: mu_{i+1} s'_{i+1} - mu_i c  (i < n); chat_n: -(mu_n c + l2 c) */
		if ((e = scalar_mul(x, mu[i], v->c)) != Q_OK)
			goto out;
		if (i + 1 < n)
			e = scalar_mul(y, mu[i + 1], pf->sp[i + 1]);
		else if ((e = scalar_mul(y, la[1], v->c)) == Q_OK)
			e = scalar_neg(y, y);
		if (e != Q_OK || (e = scalar_sub(msm_term(&m, pf->ch[i]), y, x)) != Q_OK)
			goto out;
		/* that_i: -mu_i */
		if ((e = set_neg(msm_term(&m, pf->th[i]), mu[i])) != Q_OK)
			goto out;
		for (size_t k = 0; k < w; k++) {
			const elgamal_ct *o = v->out[i * w + k], *a = v->in[i * w + k];
			/* a'_ik: la_k s'_i; b'_ik: lb_k s'_i */
			if ((e = scalar_mul(msm_term(&m, o->a), la[3 + k], pf->sp[i])) != Q_OK ||
			    (e = scalar_mul(msm_term(&m, o->b), la[3 + w + k], pf->sp[i])) != Q_OK)
				goto out;
			/* a_ik: -la_k c u_i; b_ik: -lb_k c u_i */
			if ((e = scalar_mul(x, la[3 + k], v->cu[i])) != Q_OK ||
			    (e = set_neg(msm_term(&m, a->a), x)) != Q_OK ||
			    (e = scalar_mul(x, la[3 + w + k], v->cu[i])) != Q_OK ||
			    (e = set_neg(msm_term(&m, a->b), x)) != Q_OK)
				goto out;
		}
	}
	e = msm_is_zero(&m, ok);
out:
	msm_free(&m);
	scalars_free(la, 3 + 2 * w);
	scalars_free(mu, n);
	scalar_free(x);
	scalar_free(y);
	scalar_free(kc);
	scalar_free(l1c);
	scalar_free(l3c);
	return e;
}

static qerr verify_impl(const shuffle_proof *pf, const uint8_t ctx[SHUFFLE_CTX_LEN], const point *K,
                        const elgamal_ct *const *in, const elgamal_ct *const *out, size_t n,
                        size_t w, const uint8_t *in_b, const uint8_t *out_b, shuffle_fail *why)
{
	shuffle_fail dummy;
	vstate v = {0};
	uint8_t d[SHA256_LEN];
	int ok = 0;
	qerr e;

	if (why == NULL)
		why = &dummy;
	memset(why, 0, sizeof *why);
	if (pf == NULL)
		return Q_ERR_ARG;
	if ((e = args_ok(ctx, K, in, out, n, w)) != Q_OK)
		return e;
	if (pf->n != n || pf->w != w)
		return Q_ERR_ARG;
	if (point_is_infinity(K))
		return Q_ERR_POINT;
	v.n = n;
	v.w = w;
	v.pf = pf;
	v.K = K;
	v.in = in;
	v.out = out;
	v.h = points_new(n + 1);
	v.u = scalars_new(n);
	v.cu = scalars_new(n);
	v.c = scalar_new();
	v.U = scalar_new();
	v.one = scalar_new();
	v.tmp = scalar_new();
	if (v.h == NULL || v.u == NULL || v.cu == NULL || v.c == NULL || v.U == NULL ||
	    v.one == NULL || v.tmp == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if ((e = shuffle_generators(v.h, n + 1, ctx)) != Q_OK ||
	    (e = statement_digest(d, ctx, K, in, out, n, w, pf->c, in_b, out_b, pf->enc)) != Q_OK ||
	    (e = derive_u(v.u, d, n)) != Q_OK || (e = proof_challenge(v.c, d, pf)) != Q_OK ||
	    (e = scalar_set_u64(v.U, 1)) != Q_OK || (e = scalar_set_u64(v.one, 1)) != Q_OK)
		goto out;
	for (size_t j = 0; j < n; j++)
		if ((e = scalar_mul(v.U, v.U, v.u[j])) != Q_OK ||
		    (e = scalar_mul(v.cu[j], v.c, v.u[j])) != Q_OK)
			goto out;
	if ((e = check_batch(&v, &ok)) != Q_OK)
		goto out;
	if (ok)
		goto out;
	/* Some equation fails: name it. */
	if ((e = diagnose(&v, why)) != Q_OK)
		goto out;
	if (why->mask == 0) /* the batch failed, every equation alone holds */
		snprintf(why->what, sizeof why->what, "C-8.4.7 (batch)");
	e = Q_ERR_PROOF;
out:
	vstate_free(&v);
	return e;
}

qerr shuffle_verify(const shuffle_proof *pf, const uint8_t ctx[SHUFFLE_CTX_LEN], const point *K,
                    const elgamal_ct *const *in, const elgamal_ct *const *out, size_t n, size_t w,
                    shuffle_fail *why)
{
	return verify_impl(pf, ctx, K, in, out, n, w, NULL, NULL, why);
}

static elgamal_ct **cts_decode(const uint8_t *b, size_t count, qerr *e)
{
	elgamal_ct **c = calloc(count, sizeof *c);
	*e = Q_ERR_NOMEM;
	if (c == NULL)
		return NULL;
	for (size_t i = 0; i < count; i++) {
		if ((c[i] = elgamal_ct_new()) == NULL)
			goto fail;
		if ((*e = elgamal_ct_decode(c[i], b + ELGAMAL_CT_LEN * i, ELGAMAL_CT_LEN)) != Q_OK)
			goto fail;
	}
	*e = Q_OK;
	return c;
fail:
	for (size_t i = 0; i < count; i++)
		elgamal_ct_free(c[i]);
	free(c);
	return NULL;
}

static void cts_free(elgamal_ct **c, size_t count)
{
	for (size_t i = 0; c != NULL && i < count; i++)
		elgamal_ct_free(c[i]);
	free(c);
}

qerr shuffle_verify_bytes(const uint8_t *proof, size_t proof_len,
                          const uint8_t ctx[SHUFFLE_CTX_LEN], const point *K, const uint8_t *in,
                          const uint8_t *out, size_t n, size_t w, shuffle_fail *why)
{
	shuffle_proof *pf = NULL;
	elgamal_ct **a = NULL, **b = NULL;
	qerr e;
	if (why != NULL)
		memset(why, 0, sizeof *why);
	if (proof == NULL || ctx == NULL || K == NULL || in == NULL || out == NULL)
		return Q_ERR_ARG;
	if (!dims_ok(n, w))
		return Q_ERR_LIMIT;
	if ((e = shuffle_proof_decode(&pf, n, w, proof, proof_len)) != Q_OK)
		return e;
	if ((a = cts_decode(in, n * w, &e)) == NULL || (b = cts_decode(out, n * w, &e)) == NULL)
		goto out;
	e = verify_impl(pf, ctx, K, (const elgamal_ct *const *)a, (const elgamal_ct *const *)b, n,
	                w, in, out, why);
out:
	cts_free(a, n * w);
	cts_free(b, n * w);
	shuffle_proof_free(pf);
	return e;
}

/* ---------------- encoding (C-8.5) ---------------- */

qerr shuffle_proof_encode(uint8_t *out, size_t len, const shuffle_proof *pf)
{
	size_t o = 0;
	qerr e = Q_OK;
	if (out == NULL || pf == NULL || len != SHUFFLE_PROOF_LEN(pf->n, pf->w))
		return Q_ERR_ARG;
#define PUT_P(P)                                                                                   \
	do {                                                                                       \
		if (e == Q_OK)                                                                     \
			e = point_encode(out + o, (P));                                            \
		o += POINT_LEN;                                                                    \
	} while (0)
#define PUT_S(S)                                                                                   \
	do {                                                                                       \
		scalar_encode(out + o, (S));                                                       \
		o += SCALAR_LEN;                                                                   \
	} while (0)
	for (size_t i = 0; i < pf->n; i++)
		PUT_P(pf->c[i]);
	for (size_t i = 0; i < pf->n; i++)
		PUT_P(pf->ch[i]);
	PUT_P(pf->t1);
	PUT_P(pf->t2);
	PUT_P(pf->t3);
	for (size_t k = 0; k < pf->w; k++)
		PUT_P(pf->t4a[k]);
	for (size_t k = 0; k < pf->w; k++)
		PUT_P(pf->t4b[k]);
	for (size_t i = 0; i < pf->n; i++)
		PUT_P(pf->th[i]);
	PUT_S(pf->s1);
	PUT_S(pf->s2);
	PUT_S(pf->s3);
	for (size_t k = 0; k < pf->w; k++)
		PUT_S(pf->s4[k]);
	for (size_t i = 0; i < pf->n; i++)
		PUT_S(pf->sh[i]);
	for (size_t i = 0; i < pf->n; i++)
		PUT_S(pf->sp[i]);
#undef PUT_P
#undef PUT_S
	return e;
}

qerr shuffle_proof_decode(shuffle_proof **out, size_t n, size_t w, const uint8_t *in, size_t len)
{
	shuffle_proof *pf;
	size_t o = 0;
	qerr e = Q_OK;
	if (out == NULL || in == NULL)
		return Q_ERR_ARG;
	*out = NULL;
	if (!dims_ok(n, w))
		return Q_ERR_LIMIT;
	if (len != SHUFFLE_PROOF_LEN(n, w))
		return Q_ERR_ENCODING;
	if ((pf = proof_alloc(n, w)) == NULL)
		return Q_ERR_NOMEM;
#define GET_P(P)                                                                                   \
	do {                                                                                       \
		if (e == Q_OK)                                                                     \
			e = point_decode((P), in + o, POINT_LEN);                                  \
		o += POINT_LEN;                                                                    \
	} while (0)
#define GET_S(S)                                                                                   \
	do {                                                                                       \
		if (e == Q_OK)                                                                     \
			e = scalar_decode((S), in + o, SCALAR_LEN);                                \
		o += SCALAR_LEN;                                                                   \
	} while (0)
	for (size_t i = 0; i < n; i++)
		GET_P(pf->c[i]);
	for (size_t i = 0; i < n; i++)
		GET_P(pf->ch[i]);
	GET_P(pf->t1);
	GET_P(pf->t2);
	GET_P(pf->t3);
	for (size_t k = 0; k < w; k++)
		GET_P(pf->t4a[k]);
	for (size_t k = 0; k < w; k++)
		GET_P(pf->t4b[k]);
	for (size_t i = 0; i < n; i++)
		GET_P(pf->th[i]);
	GET_S(pf->s1);
	GET_S(pf->s2);
	GET_S(pf->s3);
	for (size_t k = 0; k < w; k++)
		GET_S(pf->s4[k]);
	for (size_t i = 0; i < n; i++)
		GET_S(pf->sh[i]);
	for (size_t i = 0; i < n; i++)
		GET_S(pf->sp[i]);
#undef GET_P
#undef GET_S
	if (e == Q_OK) { /* keep the points' bytes for the transcript */
		size_t pl = (size_t)POINT_LEN * (3 * n + 3 + 2 * w);
		if ((pf->enc = malloc(pl)) == NULL)
			e = Q_ERR_NOMEM;
		else
			memcpy(pf->enc, in, pl);
	}
	if (e != Q_OK) {
		shuffle_proof_free(pf);
		return e;
	}
	*out = pf;
	return Q_OK;
}

/* ---------------- test hooks (shuffle_internal.h) ---------------- */

point *shuffle_proof_point_(shuffle_proof *pf, int which, size_t i)
{
	free(pf->enc); /* the caller alters a point: its bytes are stale */
	pf->enc = NULL;
	switch (which) {
	case 0:
		return pf->c[i];
	case 1:
		return pf->ch[i];
	case 2:
		return pf->th[i];
	case 3:
		return pf->t4a[i];
	default:
		return pf->t1;
	}
}

scalar *shuffle_proof_scalar_(shuffle_proof *pf, int which, size_t i)
{
	switch (which) {
	case 0:
		return pf->sh[i];
	case 1:
		return pf->sp[i];
	case 2:
		return pf->s4[i];
	default:
		return pf->s1;
	}
}

/* ---------------- names as points (C-8.6) ---------------- */

/* C-8.6.1: well-formed UTF-8 (RFC 3629), no NUL. */
static int utf8_ok(const uint8_t *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		uint8_t b = s[i];
		uint32_t cp;
		size_t k;
		if (b == 0)
			return 0;
		if (b < 0x80) {
			i++;
			continue;
		}
		if (b >= 0xc2 && b <= 0xdf) {
			k = 1;
			cp = b & 0x1f;
		} else if (b >= 0xe0 && b <= 0xef) {
			k = 2;
			cp = b & 0x0f;
		} else if (b >= 0xf0 && b <= 0xf4) {
			k = 3;
			cp = b & 0x07;
		} else {
			return 0;
		}
		if (len - i <= k)
			return 0;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += k + 1;
	}
	return 1;
}

#define NAMEPT_MAX_W 8u

qerr namept_encode(point *const *pts, size_t w, const uint8_t *name, size_t len)
{
	uint8_t payload[NAMEPT_CHUNK * NAMEPT_MAX_W] = {0};
	lifter L;
	qerr e;
	if (pts == NULL || (name == NULL && len > 0))
		return Q_ERR_ARG;
	if (w < 1 || w > NAMEPT_MAX_W)
		return Q_ERR_LIMIT;
	if (len > NAMEPT_MAX_BYTES(w))
		return Q_ERR_RANGE;
	if (!utf8_ok(name, len))
		return Q_ERR_ENCODING;
	/* C-8.6.2: payload = len || name || 0x00 padding, 30*w bytes */
	payload[0] = (uint8_t)len;
	if (len > 0)
		memcpy(payload + 1, name, len);
	if ((e = lifter_init(&L)) != Q_OK)
		return e;
	for (size_t k = 0; k < w && e == Q_OK; k++) {
		uint8_t x[32];
		int ok = 0;
		/* C-8.6.3: x = 0x00 || chunk_k (30 bytes) || j, the least j giving a point */
		x[0] = 0x00;
		memcpy(x + 1, payload + NAMEPT_CHUNK * k, NAMEPT_CHUNK);
		for (unsigned j = 0; j < 256 && !ok && e == Q_OK; j++) {
			x[31] = (uint8_t)j;
			e = lift_x(&L, pts[k], x, &ok);
		}
		if (e == Q_OK && !ok)
			e = Q_ERR_RANGE; /* 256 non-squares in a row: probability 2^-256 */
	}
	lifter_free(&L);
	wipe(payload, sizeof payload);
	return e;
}

qerr namept_decode(uint8_t *out, size_t *len, const point *const *pts, size_t w)
{
	uint8_t payload[NAMEPT_CHUNK * NAMEPT_MAX_W] = {0};
	uint8_t enc[POINT_LEN];
	point **chk = NULL;
	size_t l;
	qerr e;
	if (out == NULL || len == NULL || pts == NULL)
		return Q_ERR_ARG;
	*len = 0;
	if (w < 1 || w > NAMEPT_MAX_W)
		return Q_ERR_LIMIT;
	for (size_t k = 0; k < w; k++) {
		if (pts[k] == NULL)
			return Q_ERR_ARG;
		if (point_encode(enc, pts[k]) != Q_OK || enc[1] != 0x00)
			return Q_ERR_ENCODING;
		memcpy(payload + NAMEPT_CHUNK * k, enc + 2, NAMEPT_CHUNK);
	}
	/* C-8.6.4 */
	l = payload[0];
	e = Q_ERR_ENCODING;
	if (l > NAMEPT_MAX_BYTES(w) || !utf8_ok(payload + 1, l))
		goto out;
	for (size_t i = 1 + l; i < NAMEPT_CHUNK * w; i++)
		if (payload[i] != 0)
			goto out;
	/* canonical: the points are exactly the encoding of this name */
	if ((chk = points_new(w)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if ((e = namept_encode(chk, w, payload + 1, l)) != Q_OK)
		goto out;
	e = Q_ERR_ENCODING;
	for (size_t k = 0; k < w; k++)
		if (!point_eq(chk[k], pts[k]))
			goto out;
	memcpy(out, payload + 1, l);
	out[l] = 0;
	*len = l;
	e = Q_OK;
out:
	points_free(chk, w);
	wipe(payload, sizeof payload);
	return e;
}

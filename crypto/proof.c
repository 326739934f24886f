/*
 * proof.c -- Schnorr, Chaum-Pedersen and disjunctive range proofs
 * (docs/spec/crypto.md C-4).  Comments "(C-4.x.y)" name the numbered
 * equation of the spec that the code implements.
 */
#include "proof.h"

#include <stdlib.h>
#include <string.h>

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

/* Allocate the commitment arrays (all points at infinity). */
static qerr range_alloc_commit(range_proof *pf)
{
	pf->ca = calloc(pf->count, sizeof *pf->ca);
	pf->cb = calloc(pf->count, sizeof *pf->cb);
	pf->commit = calloc(pf->count, 2 * POINT_LEN);
	if (pf->ca == NULL || pf->cb == NULL || pf->commit == NULL)
		return Q_ERR_NOMEM;
	for (size_t j = 0; j < pf->count; j++) {
		pf->ca[j] = point_new();
		pf->cb[j] = point_new();
		if (pf->ca[j] == NULL || pf->cb[j] == NULL)
			return Q_ERR_NOMEM;
	}
	return Q_OK;
}

/* Record branch k's commitments (a, b) in pf and in the transcript. */
static qerr range_record_commit(range_proof *pf, size_t k, transcript *tr, const point *a,
                                const point *b)
{
	uint8_t *enc = pf->commit + 2 * POINT_LEN * k;
	qerr e;
	if ((e = point_encode(enc, a)) != Q_OK || (e = point_encode(enc + POINT_LEN, b)) != Q_OK)
		return e == Q_ERR_POINT ? Q_ERR_CRYPTO : e; /* infinity: probability 2^-256 */
	if ((e = point_copy(pf->ca[k], a)) != Q_OK || (e = point_copy(pf->cb[k], b)) != Q_OK)
		return e;
	transcript_bytes(tr, enc, POINT_LEN);
	transcript_bytes(tr, enc + POINT_LEN, POINT_LEN);
	return Q_OK;
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
 * (C-4.3.3); the caller appends a_j, b_j for j = lo..hi. */
static qerr range_transcript(transcript *t, const uint8_t ctx[PROOF_CTX_LEN], const point *K,
                             const point_table *Kt, uint64_t lo, uint64_t hi, const elgamal_ct *ct)
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
	transcript_point(t, ct->a);
	transcript_point(t, ct->b);
	return Q_OK;
}

/* The prover.  Either ct_out == NULL: prove for the given ct_in and r
 * (checking the witness if check_witness); or ct_out != NULL: draw r_io,
 * encrypt m into ct_out, and prove for it.  All randomness (r, w, t_j, c_j)
 * is drawn in one CSPRNG call. */
static qerr range_prove_impl(range_proof **out, const uint8_t ctx[PROOF_CTX_LEN],
                             const point_table *K, const elgamal_ct *ct_in, elgamal_ct *ct_out,
                             uint64_t m, scalar *r_io, uint64_t lo, uint64_t hi, int check_witness)
{
	range_proof *pf = NULL;
	scalar *t = scalar_new(), *c = scalar_new(), *sum = scalar_new();
	point *a = point_new(), *b = point_new(), *x = point_new();
	scalar **rs = NULL;
	const elgamal_ct *ct = ct_out != NULL ? ct_out : ct_in;
	transcript tr = {NULL};
	size_t mi, nr = 0;
	qerr e = Q_ERR_NOMEM;

	if (out == NULL || ctx == NULL || K == NULL || ct == NULL || r_io == NULL) {
		e = Q_ERR_ARG;
		goto out;
	}
	*out = NULL;
	if (!range_ok(lo, hi)) {
		e = Q_ERR_RANGE;
		goto out;
	}
	if (m < lo || m > hi) {
		e = Q_ERR_ARG;
		goto out;
	}
	if (t == NULL || c == NULL || sum == NULL || a == NULL || b == NULL || x == NULL)
		goto out;
	/* the witness must match: ct = (rG, mG + rK) */
	if (ct_out == NULL && check_witness) {
		elgamal_ct chk = {a, b};
		if ((e = elgamal_encrypt(&chk, m, r_io, K)) != Q_OK)
			goto out;
		if (!point_eq(a, ct->a) || !point_eq(b, ct->b)) {
			e = Q_ERR_ARG;
			goto out;
		}
	}
	if ((pf = range_proof_new(lo, hi)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if ((e = range_alloc_commit(pf)) != Q_OK)
		goto out;
	mi = (size_t)(m - lo);
	/* randomness: [r], v[k] (= t_k, or w for k = m), c[k] for k != m */
	if ((rs = calloc(2 * pf->count + 1, sizeof *rs)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if (ct_out != NULL)
		rs[nr++] = r_io;
	for (size_t k = 0; k < pf->count; k++) {
		rs[nr++] = pf->v[k];
		if (k != mi)
			rs[nr++] = pf->c[k];
	}
	if ((e = scalar_random_many(rs, nr)) != Q_OK)
		goto out;
	if (ct_out != NULL && (e = elgamal_encrypt(ct_out, m, r_io, K)) != Q_OK)
		goto out;
	if ((e = range_transcript(&tr, ctx, point_table_base(K), K, lo, hi, ct)) != Q_OK)
		goto out;
	for (size_t k = 0; k < pf->count; k++) {
		if (k == mi) {
			/* (C-4.3.1) a_m = wG, b_m = wK   (w is in v[m] for now) */
			if ((e = point_mul_base(a, pf->v[k])) != Q_OK ||
			    (e = point_table_mul(b, K, pf->v[k])) != Q_OK)
				goto out;
		} else {
			/* (C-4.3.2) with c_j, v_j random:
			 *   a_j = v_jG - c_j alpha,  b_j = v_jK - c_j(beta - jG).
			 * Knowing r, the prover picks t_j and c_j at random, sets
			 * v_j = t_j + c_j r; then a_j = t_jG and
			 * b_j = t_jK - c_j(m - j)G: fixed-base work only. */
			uint64_t j = lo + k;
			if ((e = point_mul_base(a, pf->v[k])) != Q_OK ||
			    (e = point_table_mul(b, K, pf->v[k])) != Q_OK)
				goto out;
			/* x = c_j (j - m) G, added to b; (j - m) mod n is computed
			 * the same way whatever the sign, so no branch on m */
			if ((e = scalar_set_u64(sum, j)) != Q_OK ||
			    (e = scalar_set_u64(t, m)) != Q_OK ||
			    (e = scalar_sub(sum, sum, t)) != Q_OK ||
			    (e = scalar_mul(sum, sum, pf->c[k])) != Q_OK)
				goto out;
			if ((e = point_mul_base(x, sum)) != Q_OK ||
			    (e = point_add(b, b, x)) != Q_OK)
				goto out;
			/* v_j = t_j + c_j r */
			if ((e = scalar_mul(t, pf->c[k], r_io)) != Q_OK ||
			    (e = scalar_add(pf->v[k], pf->v[k], t)) != Q_OK)
				goto out;
		}
		if ((e = range_record_commit(pf, k, &tr, a, b)) != Q_OK)
			goto out;
	}
	/* (C-4.3.3) c = H(...) */
	if ((e = transcript_challenge(&tr, c)) != Q_OK)
		goto out;
	/* (C-4.3.4) c_m = c - sum_{j != m} c_j */
	if ((e = scalar_copy(sum, c)) != Q_OK)
		goto out;
	for (size_t k = 0; k < pf->count; k++)
		if (k != mi && (e = scalar_sub(sum, sum, pf->c[k])) != Q_OK)
			goto out;
	if ((e = scalar_copy(pf->c[mi], sum)) != Q_OK)
		goto out;
	/* (C-4.3.5) v_m = w + c_m r */
	if ((e = scalar_mul(t, pf->c[mi], r_io)) != Q_OK ||
	    (e = scalar_add(pf->v[mi], pf->v[mi], t)) != Q_OK)
		goto out;
	*out = pf;
	pf = NULL;
	e = Q_OK;
out:
	transcript_free(&tr);
	range_proof_free(pf); /* wipes w and the t_j on failure */
	free(rs);
	scalar_free(t);
	scalar_free(c);
	scalar_free(sum);
	point_free(a);
	point_free(b);
	point_free(x);
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
	if ((e = range_transcript(&tr, ctx, K, K_table, lo, hi, ct)) != Q_OK)
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

qerr range_prove(range_proof **out, const uint8_t ctx[PROOF_CTX_LEN], const point_table *K,
                 const elgamal_ct *ct, uint64_t m, const scalar *r, uint64_t lo, uint64_t hi)
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
		e = range_prove_impl(out, ctx, K, ct, NULL, m, rc, lo, hi, 1);
	scalar_free(rc);
	return e;
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
	if ((e = range_prove_impl(out, ctx, K, NULL, ct, m, r, lo, hi, 0)) != Q_OK)
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
	if ((e = range_alloc_commit(pf)) != Q_OK)
		goto out;
	for (size_t j = 0; j < pf->count; j++) {
		const uint8_t *p = in + BRANCH_FULL_LEN * j;
		if ((e = point_decode(pf->ca[j], p, POINT_LEN)) != Q_OK ||
		    (e = point_decode(pf->cb[j], p + POINT_LEN, POINT_LEN)) != Q_OK ||
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

/* Weight number i (128 bits, non-zero) from the random pool: 16 bytes
 * read big-endian; an all-zero draw (probability 2^-128) becomes 1. */
static qerr weight_from_pool(scalar *w, const uint8_t *pool, size_t i)
{
	uint8_t b[SCALAR_LEN];
	qerr e;
	memset(b, 0, 16);
	memcpy(b + 16, pool + 16 * i, 16);
	if ((e = scalar_decode(w, b, SCALAR_LEN)) != Q_OK)
		return e;
	if (scalar_is_zero(w))
		return scalar_set_u64(w, 1);
	return Q_OK;
}

/* Check one item's challenge from its published commitments:
 * sum_j c_j == H(TAG_RANGE; ctx, K, lo, hi, alpha, beta, a_j, b_j ...). */
static qerr batch_challenge(const range_batch_item *it, const point *K, const point_table *Kt,
                            scalar *sum, scalar *c)
{
	const range_proof *pf = it->pf;
	transcript tr;
	qerr e;
	if (pf == NULL || it->ctx == NULL || it->ct == NULL)
		return Q_ERR_ARG;
	if (pf->commit == NULL || pf->ca == NULL || pf->cb == NULL)
		return Q_ERR_STATE;
	if (!range_ok(it->lo, it->hi))
		return Q_ERR_RANGE;
	if (pf->lo != it->lo || pf->hi != it->hi || pf->count != (size_t)(it->hi - it->lo) + 1)
		return Q_ERR_PROOF;
	if (point_is_infinity(it->ct->a) || point_is_infinity(it->ct->b))
		return Q_ERR_POINT;
	if ((e = transcript_init(&tr, TAG_RANGE)) != Q_OK)
		return e;
	transcript_bytes(&tr, it->ctx, PROOF_CTX_LEN);
	if (Kt != NULL)
		transcript_bytes(&tr, point_table_encoding(Kt), POINT_LEN);
	else
		transcript_point(&tr, K);
	transcript_u64(&tr, it->lo);
	transcript_u64(&tr, it->hi);
	if (it->ct_enc != NULL) {
		transcript_bytes(&tr, it->ct_enc, POINT_LEN);
		transcript_bytes(&tr, it->ct_enc + POINT_LEN, POINT_LEN);
	} else {
		transcript_point(&tr, it->ct->a);
		transcript_point(&tr, it->ct->b);
	}
	for (size_t j = 0; j < pf->count; j++) {
		transcript_bytes(&tr, pf->commit + 2 * POINT_LEN * j, POINT_LEN);
		transcript_bytes(&tr, pf->commit + 2 * POINT_LEN * j + POINT_LEN, POINT_LEN);
	}
	if ((e = transcript_challenge(&tr, c)) != Q_OK)
		return e;
	if ((e = scalar_set_u64(sum, 0)) != Q_OK)
		return e;
	for (size_t j = 0; j < pf->count; j++)
		if ((e = scalar_add(sum, sum, pf->c[j])) != Q_OK)
			return e;
	/* (C-4.3.8) with the published a_j, b_j */
	return scalar_eq(sum, c) ? Q_OK : Q_ERR_PROOF;
}

qerr range_batch_verify(const range_batch_item *items, size_t count, const point *K,
                        const point_table *K_table)
{
	const point **pts = NULL;
	scalar **scs = NULL; /* owned: one per point slot */
	size_t npts = 0, cap = 1, nw = 0;
	uint8_t *pool = NULL; /* random bytes for the weights */
	scalar *g = scalar_new(), *ra = scalar_new(), *rb = scalar_new(), *t = scalar_new();
	scalar *c = scalar_new(), *sum = scalar_new();
	point *res = point_new();
	qerr e = Q_ERR_NOMEM;

	if (items == NULL || K == NULL || count == 0) {
		e = Q_ERR_ARG;
		goto out;
	}
	if (g == NULL || ra == NULL || rb == NULL || t == NULL || c == NULL || sum == NULL ||
	    res == NULL)
		goto out;
	if (point_is_infinity(K)) {
		e = Q_ERR_POINT;
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		if (items[i].pf == NULL) {
			e = Q_ERR_ARG;
			goto out;
		}
		if (items[i].pf->count > SIZE_MAX / 4 - cap) {
			e = Q_ERR_LIMIT;
			goto out;
		}
		cap += 2 * items[i].pf->count + 2;
	}
	pts = calloc(cap, sizeof *pts);
	scs = calloc(cap, sizeof *scs);
	/* 2 weights per branch; cap - 1 >= 2 * branches */
	pool = malloc(16 * cap);
	if (pts == NULL || scs == NULL || pool == NULL)
		goto out;
	if ((e = rand_bytes(pool, 16 * cap)) != Q_OK)
		goto out;
	e = Q_ERR_NOMEM;
	for (size_t i = 0; i < cap; i++)
		if ((scs[i] = scalar_new()) == NULL)
			goto out;
	/* slot 0: K with coefficient -sum rho_b v_j */
	pts[npts++] = K;
	if ((e = scalar_set_u64(scs[0], 0)) != Q_OK || (e = scalar_set_u64(g, 0)) != Q_OK)
		goto out;
	for (size_t i = 0; i < count; i++) {
		const range_batch_item *it = &items[i];
		const range_proof *pf = it->pf;
		size_t ia, ib;
		if ((e = batch_challenge(it, K, K_table, sum, c)) != Q_OK)
			goto out;
		ia = npts++; /* alpha */
		ib = npts++; /* beta */
		pts[ia] = it->ct->a;
		pts[ib] = it->ct->b;
		if ((e = scalar_set_u64(scs[ia], 0)) != Q_OK ||
		    (e = scalar_set_u64(scs[ib], 0)) != Q_OK)
			goto out;
		for (size_t k = 0; k < pf->count; k++) {
			uint64_t j = it->lo + k;
			/* rho_a (a_j - v_jG + c_j alpha)
			 *   + rho_b (b_j - v_jK + c_j beta - j c_j G) = O   (C-4.3.6/7) */
			if ((e = weight_from_pool(ra, pool, nw++)) != Q_OK ||
			    (e = weight_from_pool(rb, pool, nw++)) != Q_OK)
				goto out;
			pts[npts] = pf->ca[k];
			if ((e = scalar_copy(scs[npts++], ra)) != Q_OK)
				goto out;
			pts[npts] = pf->cb[k];
			if ((e = scalar_copy(scs[npts++], rb)) != Q_OK)
				goto out;
			/* alpha += rho_a c_j ; beta += rho_b c_j */
			if ((e = scalar_mul(t, ra, pf->c[k])) != Q_OK ||
			    (e = scalar_add(scs[ia], scs[ia], t)) != Q_OK ||
			    (e = scalar_mul(t, rb, pf->c[k])) != Q_OK ||
			    (e = scalar_add(scs[ib], scs[ib], t)) != Q_OK)
				goto out;
			/* G -= rho_a v_j + rho_b j c_j  (t = rho_b c_j here) */
			if ((e = scalar_set_u64(sum, j)) != Q_OK ||
			    (e = scalar_mul(t, t, sum)) != Q_OK ||
			    (e = scalar_sub(g, g, t)) != Q_OK ||
			    (e = scalar_mul(t, ra, pf->v[k])) != Q_OK ||
			    (e = scalar_sub(g, g, t)) != Q_OK)
				goto out;
			/* K -= rho_b v_j */
			if ((e = scalar_mul(t, rb, pf->v[k])) != Q_OK ||
			    (e = scalar_sub(scs[0], scs[0], t)) != Q_OK)
				goto out;
		}
	}
	/* (C-4.3.10) one multi-scalar multiplication must give O */
	if ((e = point_msm(res, g, npts, pts, (const scalar *const *)scs)) != Q_OK)
		goto out;
	e = point_is_infinity(res) ? Q_OK : Q_ERR_PROOF;
out:
	if (scs != NULL)
		for (size_t i = 0; i < cap; i++)
			scalar_free(scs[i]);
	free(scs);
	free(pts);
	free(pool);
	scalar_free(g);
	scalar_free(ra);
	scalar_free(rb);
	scalar_free(t);
	scalar_free(c);
	scalar_free(sum);
	point_free(res);
	return e;
}

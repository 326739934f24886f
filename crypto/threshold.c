/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * threshold.c -- k-of-n threshold keys: Feldman VSS and Lagrange
 * combination (docs/spec/crypto.md C-5).
 */
#include "threshold.h"

#include <stdlib.h>

#include "util.h"

#include "banned.h"

struct threshold_poly {
	uint32_t k;
	scalar **a; /* a[0..k-1], secret */
};

qerr threshold_poly_new(threshold_poly **out, uint32_t k)
{
	threshold_poly *p = NULL;
	qerr e = Q_ERR_NOMEM;
	if (out == NULL)
		return Q_ERR_ARG;
	*out = NULL;
	if (k == 0 || k > THRESHOLD_MAX_N)
		return Q_ERR_ARG;
	if ((p = calloc(1, sizeof *p)) == NULL)
		return Q_ERR_NOMEM;
	p->k = k;
	if ((p->a = calloc(k, sizeof *p->a)) == NULL)
		goto out;
	for (uint32_t j = 0; j < k; j++) {
		if ((p->a[j] = scalar_new()) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		/* (C-5.1.1) a_j uniform in [1, n) */
		if ((e = scalar_random(p->a[j])) != Q_OK)
			goto out;
	}
	*out = p;
	p = NULL;
	e = Q_OK;
out:
	threshold_poly_free(p);
	return e;
}

void threshold_poly_free(threshold_poly *p)
{
	if (p == NULL)
		return;
	if (p->a != NULL)
		for (uint32_t j = 0; j < p->k; j++)
			scalar_free(p->a[j]); /* wipes */
	free(p->a);
	free(p);
}

uint32_t threshold_poly_k(const threshold_poly *p)
{
	return p->k;
}

qerr threshold_commitments(point *const *C, const threshold_poly *p)
{
	qerr e;
	if (C == NULL || p == NULL)
		return Q_ERR_ARG;
	for (uint32_t j = 0; j < p->k; j++) {
		if (C[j] == NULL)
			return Q_ERR_ARG;
		/* (C-5.1.2) C_j = a_j G */
		if ((e = point_mul_base(C[j], p->a[j])) != Q_OK)
			return e;
	}
	return Q_OK;
}

qerr threshold_commitment_prove(schnorr_proof *pf, const uint8_t ctx[PROOF_CTX_LEN],
                                const threshold_poly *p, uint32_t j)
{
	point *C = NULL;
	qerr e;
	if (pf == NULL || ctx == NULL || p == NULL || j >= p->k)
		return Q_ERR_ARG;
	if ((C = point_new()) == NULL)
		return Q_ERR_NOMEM;
	if ((e = point_mul_base(C, p->a[j])) == Q_OK)
		e = schnorr_prove(pf, ctx, C, p->a[j]);
	point_free(C);
	return e;
}

qerr threshold_share(scalar *share, const threshold_poly *p, uint32_t i)
{
	scalar *x = NULL, *acc = NULL;
	qerr e = Q_ERR_NOMEM;
	if (share == NULL || p == NULL || i == 0)
		return Q_ERR_ARG;
	if ((x = scalar_new()) == NULL || (acc = scalar_new()) == NULL)
		goto out;
	/* (C-5.1.3) P(i) by Horner: ((a_{k-1} i + a_{k-2}) i + ...) i + a_0 */
	if ((e = scalar_set_u64(x, i)) != Q_OK || (e = scalar_copy(acc, p->a[p->k - 1])) != Q_OK)
		goto out;
	for (uint32_t j = p->k - 1; j-- > 0;) {
		if ((e = scalar_mul(acc, acc, x)) != Q_OK ||
		    (e = scalar_add(acc, acc, p->a[j])) != Q_OK)
			goto out;
	}
	e = scalar_copy(share, acc);
out:
	scalar_free(x);
	scalar_free(acc);
	return e;
}

qerr threshold_eval_commitments(point *out, uint32_t i, const point *const *C, uint32_t k)
{
	scalar **pw = NULL;
	qerr e = Q_ERR_NOMEM;
	if (out == NULL || C == NULL || i == 0 || k == 0 || k > THRESHOLD_MAX_N)
		return Q_ERR_ARG;
	if ((pw = calloc(k, sizeof *pw)) == NULL)
		return Q_ERR_NOMEM;
	for (uint32_t j = 0; j < k; j++) {
		if ((pw[j] = scalar_new()) == NULL)
			goto out;
		if (C[j] == NULL) {
			e = Q_ERR_ARG;
			goto out;
		}
	}
	/* (C-5.1.4) sum_j i^j C_j */
	if ((e = scalar_set_u64(pw[0], 1)) != Q_OK)
		goto out;
	if (k > 1 && (e = scalar_set_u64(pw[1], i)) != Q_OK)
		goto out;
	for (uint32_t j = 2; j < k; j++)
		if ((e = scalar_mul(pw[j], pw[j - 1], pw[1])) != Q_OK)
			goto out;
	e = point_msm(out, NULL, k, (const point *const *)C, (const scalar *const *)pw);
out:
	for (uint32_t j = 0; j < k; j++)
		scalar_free(pw[j]);
	free(pw);
	return e;
}

qerr threshold_share_check(const scalar *share, uint32_t i, const point *const *C, uint32_t k)
{
	point *lhs = point_new(), *rhs = point_new();
	qerr e = Q_ERR_NOMEM;
	if (share == NULL || C == NULL) {
		e = Q_ERR_ARG;
		goto out;
	}
	if (lhs == NULL || rhs == NULL)
		goto out;
	/* (C-5.1.5) share*G == sum_j i^j C_j */
	if ((e = point_mul_base(lhs, share)) != Q_OK ||
	    (e = threshold_eval_commitments(rhs, i, C, k)) != Q_OK)
		goto out;
	e = point_eq(lhs, rhs) ? Q_OK : Q_ERR_PROOF;
out:
	point_free(lhs);
	point_free(rhs);
	return e;
}

qerr threshold_verification_key(point *S, uint32_t i, const point *const *const *C, size_t ndealers,
                                uint32_t k)
{
	point *t = point_new();
	qerr e = Q_ERR_NOMEM;
	if (S == NULL || C == NULL || ndealers == 0) {
		e = Q_ERR_ARG;
		goto out;
	}
	if (t == NULL || (e = point_set_infinity(S)) != Q_OK)
		goto out;
	/* (C-5.2.2) S_i = sum_d sum_j i^j C_{d,j} */
	for (size_t d = 0; d < ndealers; d++) {
		if (C[d] == NULL) {
			e = Q_ERR_ARG;
			goto out;
		}
		if ((e = threshold_eval_commitments(t, i, C[d], k)) != Q_OK ||
		    (e = point_add(S, S, t)) != Q_OK)
			goto out;
	}
out:
	point_free(t);
	return e;
}

qerr threshold_joint_key(point *K, const point *const *C0, size_t ndealers)
{
	qerr e;
	if (K == NULL || C0 == NULL || ndealers == 0)
		return Q_ERR_ARG;
	if ((e = point_set_infinity(K)) != Q_OK)
		return e;
	/* (C-5.2.1) K = sum_d C_{d,0} */
	for (size_t d = 0; d < ndealers; d++) {
		if (C0[d] == NULL)
			return Q_ERR_ARG;
		if ((e = point_add(K, K, C0[d])) != Q_OK)
			return e;
	}
	if (point_is_infinity(K))
		return Q_ERR_POINT;
	return Q_OK;
}

static qerr check_set(uint32_t i, const uint32_t *idx, size_t m, uint32_t n)
{
	int found = 0;
	if (idx == NULL || m == 0 || n == 0 || n > THRESHOLD_MAX_N || m > n)
		return Q_ERR_ARG;
	for (size_t a = 0; a < m; a++) {
		if (idx[a] == 0 || idx[a] > n)
			return Q_ERR_ARG;
		for (size_t b = a + 1; b < m; b++)
			if (idx[a] == idx[b])
				return Q_ERR_ARG;
		if (idx[a] == i)
			found = 1;
	}
	return found ? Q_OK : Q_ERR_ARG;
}

qerr threshold_lagrange(scalar *lambda, uint32_t i, const uint32_t *idx, size_t m, uint32_t n)
{
	scalar *num = scalar_new(), *den = scalar_new(), *t = scalar_new(), *ii = scalar_new();
	qerr e = Q_ERR_NOMEM;
	if (lambda == NULL) {
		e = Q_ERR_ARG;
		goto out;
	}
	if (num == NULL || den == NULL || t == NULL || ii == NULL)
		goto out;
	if ((e = check_set(i, idx, m, n)) != Q_OK)
		goto out;
	/* (C-5.3.1) lambda_i = prod_{j != i} j / (j - i) mod n */
	if ((e = scalar_set_u64(num, 1)) != Q_OK || (e = scalar_set_u64(den, 1)) != Q_OK ||
	    (e = scalar_set_u64(ii, i)) != Q_OK)
		goto out;
	for (size_t a = 0; a < m; a++) {
		if (idx[a] == i)
			continue;
		if ((e = scalar_set_u64(t, idx[a])) != Q_OK ||
		    (e = scalar_mul(num, num, t)) != Q_OK || (e = scalar_sub(t, t, ii)) != Q_OK ||
		    (e = scalar_mul(den, den, t)) != Q_OK)
			goto out;
	}
	if ((e = scalar_inv(den, den)) != Q_OK)
		goto out;
	e = scalar_mul(lambda, num, den);
out:
	scalar_free(num);
	scalar_free(den);
	scalar_free(t);
	scalar_free(ii);
	return e;
}

qerr threshold_combine(point *M, const uint32_t *idx, const point *const *Mi, size_t m, uint32_t n)
{
	scalar **lam = NULL;
	qerr e = Q_ERR_NOMEM;
	if (M == NULL || idx == NULL || Mi == NULL || m == 0 || m > THRESHOLD_MAX_N)
		return Q_ERR_ARG;
	if ((lam = calloc(m, sizeof *lam)) == NULL)
		return Q_ERR_NOMEM;
	for (size_t t = 0; t < m; t++) {
		if ((lam[t] = scalar_new()) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		if (Mi[t] == NULL) {
			e = Q_ERR_ARG;
			goto out;
		}
		if ((e = threshold_lagrange(lam[t], idx[t], idx, m, n)) != Q_OK)
			goto out;
	}
	/* (C-5.3.2) M = sum lambda_i M_i */
	e = point_msm(M, NULL, m, Mi, (const scalar *const *)lam);
out:
	for (size_t t = 0; t < m; t++)
		scalar_free(lam[t]);
	free(lam);
	return e;
}

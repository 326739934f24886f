/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * group_table.c -- the parts of group.h that need OpenSSL's deprecated EC
 * APIs (EC_GROUP_precompute_mult, EC_POINTs_mul); built with
 * -DOPENSSL_SUPPRESS_DEPRECATED (crypto_deprecated_sources).
 */
#include "group.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "group_internal.h"
#include "util.h"

#include "banned.h"

struct point_table {
	EC_GROUP *g; /* P-256 with `base` as its generator, precomputed */
	point *base;
	uint8_t enc[POINT_LEN]; /* encoding of base */
};

point_table *point_table_new(const point *base)
{
	BN_CTX *ctx = group_bnctx();
	const EC_GROUP *g0 = group_ec();
	point_table *t = NULL;

	if (base == NULL || ctx == NULL || point_is_infinity(base))
		return NULL;
	t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	t->base = point_new();
	t->g = EC_GROUP_dup(g0);
	if (t->base == NULL || t->g == NULL || point_copy(t->base, base) != Q_OK)
		goto fail;
	if (!EC_GROUP_set_generator(t->g, base->p, EC_GROUP_get0_order(g0),
	                            EC_GROUP_get0_cofactor(g0)))
		goto fail;
	if (!EC_GROUP_precompute_mult(t->g, ctx))
		goto fail;
	if (point_encode(t->enc, t->base) != Q_OK)
		goto fail;
	return t;
fail:
	point_table_free(t);
	return NULL;
}

void point_table_free(point_table *t)
{
	if (t == NULL)
		return;
	EC_GROUP_free(t->g);
	point_free(t->base);
	free(t);
}

qerr point_table_mul(point *r, const point_table *t, const scalar *s)
{
	BN_CTX *ctx = group_bnctx();
	if (r == NULL || t == NULL || s == NULL)
		return Q_ERR_ARG;
	if (ctx == NULL)
		return Q_ERR_NOMEM;
	return EC_POINT_mul(t->g, r->p, s->bn, NULL, NULL, ctx) ? Q_OK : Q_ERR_CRYPTO;
}

const point *point_table_base(const point_table *t)
{
	return t->base;
}

const uint8_t *point_table_encoding(const point_table *t)
{
	return t->enc;
}

qerr point_msm_ref(point *r, const scalar *g, size_t count, const point *const *p,
                   const scalar *const *s)
{
	BN_CTX *ctx = group_bnctx();
	const EC_POINT **pp = NULL;
	const BIGNUM **ss = NULL;
	qerr e = Q_ERR_NOMEM;

	if (r == NULL || (count > 0 && (p == NULL || s == NULL)))
		return Q_ERR_ARG;
	if (ctx == NULL)
		return Q_ERR_NOMEM;
	if (count > 0) {
		pp = calloc(count, sizeof *pp);
		ss = calloc(count, sizeof *ss);
		if (pp == NULL || ss == NULL)
			goto out;
		for (size_t i = 0; i < count; i++) {
			if (p[i] == NULL || s[i] == NULL) {
				e = Q_ERR_ARG;
				goto out;
			}
			pp[i] = p[i]->p;
			ss[i] = s[i]->bn;
		}
	}
	e = EC_POINTs_mul(group_ec(), r->p, g != NULL ? g->bn : NULL, count, pp, ss, ctx)
	        ? Q_OK
	        : Q_ERR_CRYPTO;
out:
	free(pp);
	free(ss);
	return e;
}

/* Below this many terms OpenSSL's EC_POINTs_mul (per-point tables and
 * shared doublings, assembly field arithmetic) beats the bucket method;
 * bench_crypto measures both (C-1.5). */
#define MSM_BUCKET_MIN 160

static qerr msm_finish(point *r, const uint8_t enc[POINT_LEN], int inf)
{
	if (inf)
		return point_set_infinity(r);
	return point_decode(r, enc, POINT_LEN) == Q_OK ? Q_OK : Q_ERR_CRYPTO;
}

static qerr scalar_be(uint8_t out[SCALAR_LEN], const scalar *s)
{
	return BN_bn2binpad(s->bn, out, SCALAR_LEN) == SCALAR_LEN ? Q_OK : Q_ERR_ARG;
}

/* The generator as an msm_pt (computed once). */
static msm_pt g_gen;
static pthread_once_t g_gen_once = PTHREAD_ONCE_INIT;
static int g_gen_ok;

static void gen_init(void)
{
	uint8_t enc[POINT_LEN];
	point *g = point_new();
	g_gen_ok = g != NULL && point_generator(g) == Q_OK && point_encode(enc, g) == Q_OK &&
	           msm_pt_from_enc(&g_gen, enc) == Q_OK;
	point_free(g);
}

qerr msm_generator(msm_pt *o)
{
	if (pthread_once(&g_gen_once, gen_init) != 0 || !g_gen_ok)
		return Q_ERR_CRYPTO;
	*o = g_gen;
	return Q_OK;
}

qerr point_msm(point *r, const scalar *g, size_t count, const point *const *p,
               const scalar *const *s)
{
	BN_CTX *ctx = group_bnctx();
	const EC_GROUP *grp = group_ec();
	uint8_t(*xyz)[3 * 32] = NULL, (*sc)[SCALAR_LEN] = NULL, out[POINT_LEN];
	msm_pt *pts = NULL;
	size_t n = 0;
	int inf = 1;
	qerr e = Q_ERR_NOMEM;

	if (r == NULL || (count > 0 && (p == NULL || s == NULL)))
		return Q_ERR_ARG;
	if (count < MSM_BUCKET_MIN)
		return point_msm_ref(r, g, count, p, s);
	if (ctx == NULL)
		return Q_ERR_NOMEM;
	xyz = malloc(count * sizeof *xyz);
	sc = malloc((count + 1) * sizeof *sc);
	pts = malloc((count + 1) * sizeof *pts);
	if (xyz == NULL || sc == NULL || pts == NULL)
		goto out;
	BN_CTX_start(ctx);
	{
		BIGNUM *X = BN_CTX_get(ctx), *Y = BN_CTX_get(ctx), *Z = BN_CTX_get(ctx);
		e = X == NULL || Z == NULL ? Q_ERR_NOMEM : Q_OK;
		for (size_t i = 0; i < count && e == Q_OK; i++) {
			if (p[i] == NULL || s[i] == NULL) {
				e = Q_ERR_ARG;
				break;
			}
			if (EC_POINT_is_at_infinity(grp, p[i]->p) || BN_is_zero(s[i]->bn))
				continue; /* contributes O */
			if (!EC_POINT_get_Jprojective_coordinates_GFp(grp, p[i]->p, X, Y, Z, ctx) ||
			    BN_bn2binpad(X, xyz[n], 32) != 32 ||
			    BN_bn2binpad(Y, xyz[n] + 32, 32) != 32 ||
			    BN_bn2binpad(Z, xyz[n] + 64, 32) != 32)
				e = Q_ERR_CRYPTO;
			else
				e = scalar_be(sc[n++], s[i]);
		}
	}
	BN_CTX_end(ctx);
	if (e != Q_OK)
		goto out;
	if ((e = msm_pts_from_jacobian(pts, (const uint8_t(*)[3 * 32]) xyz, n)) != Q_OK)
		goto out;
	if (g != NULL && !BN_is_zero(g->bn)) {
		if ((e = msm_generator(&pts[n])) != Q_OK || (e = scalar_be(sc[n], g)) != Q_OK)
			goto out;
		n++;
	}
	if ((e = msm_run(out, &inf, pts, (const uint8_t(*)[SCALAR_LEN])sc, n)) != Q_OK)
		goto out;
	e = msm_finish(r, out, inf);
out:
	free(xyz);
	free(sc);
	free(pts);
	return e;
}

qerr point_msm_enc(point *r, const scalar *g, size_t count, const uint8_t *const *enc,
                   const scalar *const *s)
{
	uint8_t(*sc)[SCALAR_LEN] = NULL, out[POINT_LEN];
	msm_pt *pts = NULL;
	point **tmp = NULL;
	size_t n = 0;
	int inf = 1;
	qerr e = Q_ERR_NOMEM;

	if (r == NULL || (count > 0 && (enc == NULL || s == NULL)))
		return Q_ERR_ARG;
	for (size_t i = 0; i < count; i++)
		if (enc[i] == NULL || s[i] == NULL)
			return Q_ERR_ARG;
	if (count < MSM_BUCKET_MIN) {
		/* few terms: decode and let OpenSSL do it */
		tmp = calloc(count + 1, sizeof *tmp);
		if (tmp == NULL)
			goto out;
		for (size_t i = 0; i < count; i++) {
			if ((tmp[i] = point_new()) == NULL)
				goto out;
			if ((e = point_decode(tmp[i], enc[i], POINT_LEN)) != Q_OK)
				goto out;
		}
		e = point_msm_ref(r, g, count, (const point *const *)tmp, s);
		goto out;
	}
	sc = malloc((count + 1) * sizeof *sc);
	pts = malloc((count + 1) * sizeof *pts);
	if (sc == NULL || pts == NULL)
		goto out;
	for (size_t i = 0; i < count; i++) {
		if ((e = msm_pt_from_enc(&pts[n], enc[i])) != Q_OK)
			goto out;
		if (BN_is_zero(s[i]->bn))
			continue;
		if ((e = scalar_be(sc[n++], s[i])) != Q_OK)
			goto out;
	}
	if (g != NULL && !BN_is_zero(g->bn)) {
		if ((e = msm_generator(&pts[n])) != Q_OK || (e = scalar_be(sc[n], g)) != Q_OK)
			goto out;
		n++;
	}
	if ((e = msm_run(out, &inf, pts, (const uint8_t(*)[SCALAR_LEN])sc, n)) != Q_OK)
		goto out;
	e = msm_finish(r, out, inf);
out:
	if (tmp != NULL)
		for (size_t i = 0; i < count; i++)
			point_free(tmp[i]);
	free(tmp);
	free(sc);
	free(pts);
	return e;
}

qerr point_sums_enc(uint8_t (*out)[POINT_LEN], uint8_t *is_inf, const uint8_t *const *enc,
                    const size_t *end, size_t ngroups)
{
	if (ngroups > 0 && (out == NULL || is_inf == NULL || enc == NULL || end == NULL))
		return Q_ERR_ARG;
	for (size_t k = 0; k < ngroups; k++)
		if (end[k] < (k > 0 ? end[k - 1] : 0))
			return Q_ERR_ARG;
	for (size_t i = 0; ngroups > 0 && i < end[ngroups - 1]; i++)
		if (enc[i] == NULL)
			return Q_ERR_ARG;
	return msm_sums_enc(out, is_inf, enc, end, ngroups);
}

qerr point_sums_encode(uint8_t (*out)[POINT_LEN], const point *const *p, const size_t *end,
                       size_t ngroups)
{
	BN_CTX *ctx = group_bnctx();
	const EC_GROUP *grp = group_ec();
	uint8_t(*xyz)[3 * 32] = NULL;
	size_t n;
	qerr e = Q_OK;

	if (ngroups == 0)
		return Q_OK;
	if (out == NULL || p == NULL || end == NULL)
		return Q_ERR_ARG;
	for (size_t k = 0; k < ngroups; k++)
		if (end[k] <= (k > 0 ? end[k - 1] : 0))
			return Q_ERR_ARG;
	n = end[ngroups - 1];
	for (size_t i = 0; i < n; i++)
		if (p[i] == NULL)
			return Q_ERR_ARG;
	if (ctx == NULL || (xyz = malloc(n * sizeof *xyz)) == NULL)
		return Q_ERR_NOMEM;
	/* OpenSSL's Jacobian coordinates as plain integers < p (no inversion) */
	BN_CTX_start(ctx);
	{
		BIGNUM *X = BN_CTX_get(ctx), *Y = BN_CTX_get(ctx), *Z = BN_CTX_get(ctx);
		if (Z == NULL)
			e = Q_ERR_NOMEM;
		for (size_t i = 0; i < n && e == Q_OK; i++) {
			if (EC_POINT_is_at_infinity(grp, p[i]->p))
				e = Q_ERR_POINT;
			else if (!EC_POINT_get_Jprojective_coordinates_GFp(grp, p[i]->p, X, Y, Z,
			                                                   ctx) ||
			         BN_bn2binpad(X, xyz[i], 32) != 32 ||
			         BN_bn2binpad(Y, xyz[i] + 32, 32) != 32 ||
			         BN_bn2binpad(Z, xyz[i] + 64, 32) != 32)
				e = Q_ERR_CRYPTO;
		}
		if (X != NULL)
			BN_clear(X);
		if (Y != NULL)
			BN_clear(Y);
		if (Z != NULL)
			BN_clear(Z);
	}
	BN_CTX_end(ctx);
	if (e == Q_OK)
		e = msm_jac_sums_enc(out, (const uint8_t(*)[3 * 32]) xyz, end, ngroups);
	if (e != Q_OK)
		for (size_t k = 0; k < ngroups; k++)
			memset(out[k], 0, POINT_LEN);
	wipe(xyz, n * sizeof *xyz);
	free(xyz);
	return e;
}

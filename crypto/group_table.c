/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * group_table.c -- the parts of group.h that need OpenSSL's deprecated EC
 * APIs (EC_GROUP_precompute_mult, EC_POINTs_mul); built with
 * -DOPENSSL_SUPPRESS_DEPRECATED (crypto_deprecated_sources).
 */
#include "group.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <stdlib.h>

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

qerr point_msm(point *r, const scalar *g, size_t count, const point *const *p,
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

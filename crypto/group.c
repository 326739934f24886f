/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * group.c -- P-256 scalars and points over OpenSSL (docs/spec/crypto.md C-1).
 */
#include "group.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/crypto.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "group_internal.h"
#include "util.h"

#include "banned.h"

static EC_GROUP *g_group;
static BIGNUM *g_n; /* order n */
static BIGNUM *g_n_minus_1;
static BIGNUM *g_n_minus_2;
static BIGNUM *g_p; /* field prime p */
static BN_MONT_CTX *g_mont_n;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static pthread_key_t g_ctx_key;

static void free_ctx(void *c)
{
	BN_CTX_free(c);
}

/* Free the exiting thread's BN_CTX at exit() (key destructors do not run
 * for the thread that calls exit), so leak checkers stay quiet. */
static void free_ctx_at_exit(void)
{
	BN_CTX *c = pthread_getspecific(g_ctx_key);
	if (c != NULL) {
		pthread_setspecific(g_ctx_key, NULL);
		BN_CTX_free(c);
	}
}

static void group_init(void)
{
	BN_CTX *ctx = BN_CTX_new();
	g_group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	g_n = BN_new();
	g_n_minus_1 = BN_new();
	g_n_minus_2 = BN_new();
	g_p = BN_new();
	g_mont_n = BN_MONT_CTX_new();
	if (ctx == NULL || g_group == NULL || g_n == NULL || g_n_minus_1 == NULL ||
	    g_n_minus_2 == NULL || g_p == NULL || g_mont_n == NULL)
		qfatal("group: cannot create the P-256 group");
	if (BN_copy(g_n, EC_GROUP_get0_order(g_group)) == NULL ||
	    BN_copy(g_n_minus_1, g_n) == NULL || !BN_sub_word(g_n_minus_1, 1) ||
	    BN_copy(g_n_minus_2, g_n) == NULL || !BN_sub_word(g_n_minus_2, 2) ||
	    !EC_GROUP_get_curve(g_group, g_p, NULL, NULL, ctx) ||
	    !BN_MONT_CTX_set(g_mont_n, g_n, ctx))
		qfatal("group: cannot read the P-256 parameters");
	BN_CTX_free(ctx);
	if (pthread_key_create(&g_ctx_key, free_ctx) != 0)
		qfatal("group: pthread_key_create failed");
	if (atexit(free_ctx_at_exit) != 0)
		qfatal("group: atexit failed");
}

const EC_GROUP *group_ec(void)
{
	pthread_once(&g_once, group_init);
	return g_group;
}

const BIGNUM *group_order(void)
{
	pthread_once(&g_once, group_init);
	return g_n;
}

BN_CTX *group_bnctx(void)
{
	BN_CTX *c;
	pthread_once(&g_once, group_init);
	c = pthread_getspecific(g_ctx_key);
	if (c == NULL) {
		c = BN_CTX_new();
		if (c == NULL)
			return NULL;
		if (pthread_setspecific(g_ctx_key, c) != 0) {
			BN_CTX_free(c);
			return NULL;
		}
	}
	return c;
}

/* ---- scalars ---- */

scalar *scalar_new(void)
{
	scalar *s;
	pthread_once(&g_once, group_init);
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	s->bn = BN_new();
	if (s->bn == NULL) {
		free(s);
		return NULL;
	}
	BN_set_flags(s->bn, BN_FLG_CONSTTIME);
	return s;
}

void scalar_free(scalar *s)
{
	if (s == NULL)
		return;
	BN_clear_free(s->bn);
	free(s);
}

qerr scalar_copy(scalar *dst, const scalar *src)
{
	if (dst == NULL || src == NULL)
		return Q_ERR_ARG;
	if (dst != src && BN_copy(dst->bn, src->bn) == NULL)
		return Q_ERR_NOMEM;
	return Q_OK;
}

qerr scalar_set_u64(scalar *dst, uint64_t v)
{
	uint8_t b[8];
	if (dst == NULL)
		return Q_ERR_ARG;
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (56 - 8 * i));
	if (BN_bin2bn(b, 8, dst->bn) == NULL)
		return Q_ERR_NOMEM;
	return Q_OK;
}

qerr scalar_random(scalar *dst)
{
	if (dst == NULL)
		return Q_ERR_ARG;
	/* C-1.4: 32 random bytes, rejected unless 0 < x < n (a rejection
	 * happens with probability < 2^-32): uniform in [1, n). */
	for (;;) {
		uint8_t b[SCALAR_LEN];
		int ok =
		    RAND_priv_bytes(b, sizeof b) == 1 && BN_bin2bn(b, SCALAR_LEN, dst->bn) != NULL;
		OPENSSL_cleanse(b, sizeof b);
		if (!ok) {
			BN_zero(dst->bn);
			return Q_ERR_CRYPTO;
		}
		if (!BN_is_zero(dst->bn) && BN_cmp(dst->bn, g_n) < 0)
			return Q_OK;
	}
}

qerr scalar_random_many(scalar *const *out, size_t count)
{
	enum { CHUNK = 32 };
	uint8_t b[CHUNK * SCALAR_LEN];
	qerr e = Q_OK;
	if (out == NULL && count > 0)
		return Q_ERR_ARG;
	for (size_t done = 0; done < count && e == Q_OK;) {
		size_t k = count - done < CHUNK ? count - done : CHUNK;
		if (RAND_priv_bytes(b, (int)(k * SCALAR_LEN)) != 1) {
			e = Q_ERR_CRYPTO;
			break;
		}
		for (size_t i = 0; i < k && e == Q_OK; i++, done++) {
			scalar *s = out[done];
			if (s == NULL) {
				e = Q_ERR_ARG;
			} else if (BN_bin2bn(b + SCALAR_LEN * i, SCALAR_LEN, s->bn) == NULL) {
				e = Q_ERR_NOMEM;
			} else if (BN_is_zero(s->bn) || BN_cmp(s->bn, g_n) >= 0) {
				/* C-1.4 rejection (probability < 2^-32): redraw alone */
				e = scalar_random(s);
			}
		}
	}
	OPENSSL_cleanse(b, sizeof b);
	return e;
}

qerr scalar_decode(scalar *dst, const uint8_t *in, size_t len)
{
	if (dst == NULL || (in == NULL && len > 0))
		return Q_ERR_ARG;
	if (len != SCALAR_LEN) {
		BN_zero(dst->bn);
		return Q_ERR_ENCODING;
	}
	if (BN_bin2bn(in, SCALAR_LEN, dst->bn) == NULL)
		return Q_ERR_NOMEM;
	if (BN_cmp(dst->bn, g_n) >= 0) {
		BN_zero(dst->bn);
		return Q_ERR_SCALAR;
	}
	return Q_OK;
}

void scalar_encode(uint8_t out[SCALAR_LEN], const scalar *s)
{
	if (BN_bn2binpad(s->bn, out, SCALAR_LEN) != SCALAR_LEN)
		qfatal("scalar_encode: scalar out of range");
}

qerr scalar_add(scalar *r, const scalar *a, const scalar *b)
{
	if (r == NULL || a == NULL || b == NULL)
		return Q_ERR_ARG;
	return BN_mod_add_quick(r->bn, a->bn, b->bn, g_n) ? Q_OK : Q_ERR_NOMEM;
}

qerr scalar_sub(scalar *r, const scalar *a, const scalar *b)
{
	if (r == NULL || a == NULL || b == NULL)
		return Q_ERR_ARG;
	return BN_mod_sub_quick(r->bn, a->bn, b->bn, g_n) ? Q_OK : Q_ERR_NOMEM;
}

qerr scalar_mul(scalar *r, const scalar *a, const scalar *b)
{
	BN_CTX *ctx = group_bnctx();
	if (r == NULL || a == NULL || b == NULL)
		return Q_ERR_ARG;
	if (ctx == NULL)
		return Q_ERR_NOMEM;
	return BN_mod_mul(r->bn, a->bn, b->bn, g_n, ctx) ? Q_OK : Q_ERR_NOMEM;
}

qerr scalar_neg(scalar *r, const scalar *a)
{
	if (r == NULL || a == NULL)
		return Q_ERR_ARG;
	if (BN_is_zero(a->bn)) {
		BN_zero(r->bn);
		return Q_OK;
	}
	return BN_sub(r->bn, g_n, a->bn) ? Q_OK : Q_ERR_NOMEM;
}

qerr scalar_inv(scalar *r, const scalar *a)
{
	BN_CTX *ctx = group_bnctx();
	if (r == NULL || a == NULL)
		return Q_ERR_ARG;
	if (ctx == NULL)
		return Q_ERR_NOMEM;
	if (BN_is_zero(a->bn))
		return Q_ERR_SCALAR;
	/* Fermat: a^(n-2) mod n, constant-time exponentiation. */
	if (!BN_mod_exp_mont_consttime(r->bn, a->bn, g_n_minus_2, g_n, ctx, g_mont_n))
		return Q_ERR_NOMEM;
	return Q_OK;
}

int scalar_eq(const scalar *a, const scalar *b)
{
	return BN_cmp(a->bn, b->bn) == 0;
}

int scalar_is_zero(const scalar *s)
{
	return BN_is_zero(s->bn);
}

qerr scalar_from_hash(scalar *dst, const uint8_t digest[32])
{
	if (dst == NULL || digest == NULL)
		return Q_ERR_ARG;
	if (BN_bin2bn(digest, 32, dst->bn) == NULL)
		return Q_ERR_NOMEM;
	/* digest < 2^256 < 2n: one conditional subtraction reduces it. */
	if (BN_cmp(dst->bn, g_n) >= 0 && !BN_sub(dst->bn, dst->bn, g_n))
		return Q_ERR_NOMEM;
	return Q_OK;
}

/* ---- points ---- */

point *point_new(void)
{
	point *p;
	pthread_once(&g_once, group_init);
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return NULL;
	p->p = EC_POINT_new(g_group);
	if (p->p == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

void point_free(point *p)
{
	if (p == NULL)
		return;
	EC_POINT_free(p->p);
	free(p);
}

qerr point_copy(point *dst, const point *src)
{
	if (dst == NULL || src == NULL)
		return Q_ERR_ARG;
	if (dst != src && !EC_POINT_copy(dst->p, src->p))
		return Q_ERR_NOMEM;
	return Q_OK;
}

qerr point_decode(point *dst, const uint8_t *in, size_t len)
{
	BN_CTX *ctx = group_bnctx();
	BIGNUM *x, *y;
	qerr e = Q_ERR_POINT;

	if (dst == NULL || (in == NULL && len > 0))
		return Q_ERR_ARG;
	if (ctx == NULL)
		return Q_ERR_NOMEM;
	if (len != POINT_LEN || in[0] != 0x04) {
		EC_POINT_set_to_infinity(g_group, dst->p);
		return Q_ERR_ENCODING;
	}
	BN_CTX_start(ctx);
	x = BN_CTX_get(ctx);
	y = BN_CTX_get(ctx);
	if (y == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if (BN_bin2bn(in + 1, 32, x) == NULL || BN_bin2bn(in + 33, 32, y) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	/* C-1.2: coordinates must be canonical field elements ... */
	if (BN_cmp(x, g_p) >= 0 || BN_cmp(y, g_p) >= 0)
		goto out;
	/* ... and satisfy the curve equation (checked by OpenSSL here). */
	if (!EC_POINT_set_affine_coordinates(g_group, dst->p, x, y, ctx))
		goto out;
	if (EC_POINT_is_at_infinity(g_group, dst->p) ||
	    EC_POINT_is_on_curve(g_group, dst->p, ctx) != 1)
		goto out;
	e = Q_OK;
out:
	BN_CTX_end(ctx);
	if (e != Q_OK)
		EC_POINT_set_to_infinity(g_group, dst->p);
	return e;
}

qerr point_encode(uint8_t out[POINT_LEN], const point *p)
{
	BN_CTX *ctx = group_bnctx();
	if (out == NULL || p == NULL)
		return Q_ERR_ARG;
	if (ctx == NULL)
		return Q_ERR_NOMEM;
	if (EC_POINT_is_at_infinity(g_group, p->p)) {
		memset(out, 0, POINT_LEN);
		return Q_ERR_POINT;
	}
	if (EC_POINT_point2oct(g_group, p->p, POINT_CONVERSION_UNCOMPRESSED, out, POINT_LEN, ctx) !=
	    POINT_LEN) {
		memset(out, 0, POINT_LEN);
		return Q_ERR_CRYPTO;
	}
	return Q_OK;
}

qerr point_set_infinity(point *p)
{
	if (p == NULL)
		return Q_ERR_ARG;
	return EC_POINT_set_to_infinity(g_group, p->p) ? Q_OK : Q_ERR_CRYPTO;
}

int point_is_infinity(const point *p)
{
	return EC_POINT_is_at_infinity(g_group, p->p) == 1;
}

int point_eq(const point *a, const point *b)
{
	BN_CTX *ctx = group_bnctx();
	if (ctx == NULL)
		qfatal("point_eq: out of memory");
	return EC_POINT_cmp(g_group, a->p, b->p, ctx) == 0;
}

qerr point_add(point *r, const point *a, const point *b)
{
	BN_CTX *ctx = group_bnctx();
	if (r == NULL || a == NULL || b == NULL)
		return Q_ERR_ARG;
	if (ctx == NULL)
		return Q_ERR_NOMEM;
	return EC_POINT_add(g_group, r->p, a->p, b->p, ctx) ? Q_OK : Q_ERR_CRYPTO;
}

qerr point_neg(point *r, const point *a)
{
	BN_CTX *ctx = group_bnctx();
	if (r == NULL || a == NULL)
		return Q_ERR_ARG;
	if (ctx == NULL)
		return Q_ERR_NOMEM;
	if (r != a && !EC_POINT_copy(r->p, a->p))
		return Q_ERR_NOMEM;
	return EC_POINT_invert(g_group, r->p, ctx) ? Q_OK : Q_ERR_CRYPTO;
}

qerr point_sub(point *r, const point *a, const point *b)
{
	BN_CTX *ctx = group_bnctx();
	EC_POINT *nb = NULL;
	qerr e = Q_ERR_CRYPTO;
	if (r == NULL || a == NULL || b == NULL)
		return Q_ERR_ARG;
	if (ctx == NULL)
		return Q_ERR_NOMEM;
	nb = EC_POINT_dup(b->p, g_group);
	if (nb == NULL)
		return Q_ERR_NOMEM;
	if (!EC_POINT_invert(g_group, nb, ctx) || !EC_POINT_add(g_group, r->p, a->p, nb, ctx))
		goto out;
	e = Q_OK;
out:
	EC_POINT_free(nb);
	return e;
}

qerr point_mul_base(point *r, const scalar *s)
{
	BN_CTX *ctx = group_bnctx();
	if (r == NULL || s == NULL)
		return Q_ERR_ARG;
	if (ctx == NULL)
		return Q_ERR_NOMEM;
	return EC_POINT_mul(g_group, r->p, s->bn, NULL, NULL, ctx) ? Q_OK : Q_ERR_CRYPTO;
}

qerr point_mul(point *r, const scalar *s, const point *p)
{
	BN_CTX *ctx = group_bnctx();
	if (r == NULL || s == NULL || p == NULL)
		return Q_ERR_ARG;
	if (ctx == NULL)
		return Q_ERR_NOMEM;
	return EC_POINT_mul(g_group, r->p, NULL, p->p, s->bn, ctx) ? Q_OK : Q_ERR_CRYPTO;
}

qerr point_mul2(point *r, const scalar *a, const scalar *b, const point *p)
{
	BN_CTX *ctx = group_bnctx();
	if (r == NULL || a == NULL || b == NULL || p == NULL)
		return Q_ERR_ARG;
	if (ctx == NULL)
		return Q_ERR_NOMEM;
	return EC_POINT_mul(g_group, r->p, a->bn, p->p, b->bn, ctx) ? Q_OK : Q_ERR_CRYPTO;
}

qerr point_generator(point *r)
{
	if (r == NULL)
		return Q_ERR_ARG;
	return EC_POINT_copy(r->p, EC_GROUP_get0_generator(g_group)) ? Q_OK : Q_ERR_NOMEM;
}

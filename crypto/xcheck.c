/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Independent libgcrypt implementation for cross-checks
 * (docs/spec/secrets.md S-7).  Uses no OpenSSL. */
#include "xcheck.h"

#include <gcrypt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcry_init.h"

#include "banned.h"

struct xcheck_point {
	gcry_mpi_point_t p; /* projective; z == 0 is infinity */
	/* xcheck_point_add_enc's scratch, made on its first use: the decoded
	 * point, the sum's next value and its z (never the caller's) */
	gcry_mpi_point_t pt, tmp;
	gcry_mpi_t z, one;
};

static const uint8_t p256_p[32] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
                                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t p256_n[32] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
                                   0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
/* Ed25519 group order L, little-endian (RFC 8032 section 5.1). */
static const uint8_t ed_L_le[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

/* One libgcrypt EC context per thread, made on first use and released
 * when the thread ends (or at exit for the thread that calls exit()).
 * A context is not shared between threads, so no locking is needed. */
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static pthread_key_t ctx_key;
static int ctx_key_ok;

static void ctx_release(void *c)
{
	gcry_ctx_release(c);
}

static void ctx_release_at_exit(void)
{
	gcry_ctx_t c = pthread_getspecific(ctx_key);
	if (c != NULL) {
		pthread_setspecific(ctx_key, NULL);
		gcry_ctx_release(c);
	}
}

static void ctx_key_init(void)
{
	ctx_key_ok =
	    pthread_key_create(&ctx_key, ctx_release) == 0 && atexit(ctx_release_at_exit) == 0;
}

unsigned long xcheck_ctx_made; /* tests: contexts made so far */

/* This thread's P-256 context (borrowed: never released by the caller). */
static qerr ec_ctx(gcry_ctx_t *ctx)
{
	gcry_ctx_t c;
	quorum_gcry_init();
	*ctx = NULL;
	if (pthread_once(&ctx_once, ctx_key_init) != 0 || !ctx_key_ok)
		return Q_ERR_CRYPTO;
	c = pthread_getspecific(ctx_key);
	if (c == NULL) {
		if (gcry_mpi_ec_new(&c, NULL, "NIST P-256") != 0)
			return Q_ERR_CRYPTO;
		if (pthread_setspecific(ctx_key, c) != 0) {
			gcry_ctx_release(c);
			return Q_ERR_NOMEM;
		}
		__atomic_add_fetch(&xcheck_ctx_made, 1, __ATOMIC_RELAXED);
	}
	*ctx = c;
	return Q_OK;
}

static int is_inf(gcry_mpi_point_t p)
{
	gcry_mpi_t z = gcry_mpi_new(0);
	int r;
	gcry_mpi_point_get(NULL, NULL, z, p);
	r = gcry_mpi_cmp_ui(z, 0) == 0;
	gcry_mpi_release(z);
	return r;
}

static gcry_mpi_point_t inf_point(void)
{
	return gcry_mpi_point_set(NULL, NULL, NULL, NULL); /* (0, 0, 0) */
}

static xcheck_point *wrap(gcry_mpi_point_t p)
{
	xcheck_point *x;
	if (p == NULL)
		return NULL;
	x = calloc(1, sizeof *x);
	if (x == NULL) {
		gcry_mpi_point_release(p);
		return NULL;
	}
	x->p = p;
	return x;
}

void xcheck_point_free(xcheck_point *p)
{
	if (p == NULL)
		return;
	gcry_mpi_point_release(p->p);
	gcry_mpi_point_release(p->pt);
	gcry_mpi_point_release(p->tmp);
	gcry_mpi_release(p->z);
	gcry_mpi_release(p->one);
	free(p);
}

int xcheck_point_is_infinity(const xcheck_point *p)
{
	return is_inf(p->p);
}

/* Strict SEC1 uncompressed decode (S-7.1) into the existing point dst,
 * z = one: no point is allocated, only the two coordinates' scans. */
static qerr decode_into(gcry_mpi_point_t dst, gcry_mpi_t one, const uint8_t *in, size_t len,
                        gcry_ctx_t ctx)
{
	gcry_mpi_t x = NULL, y = NULL;
	if (in == NULL || len != XCHECK_POINT_LEN || in[0] != 0x04)
		return Q_ERR_POINT;
	if (memcmp(in + 1, p256_p, 32) >= 0 || memcmp(in + 33, p256_p, 32) >= 0)
		return Q_ERR_POINT;
	if (gcry_mpi_scan(&x, GCRYMPI_FMT_USG, in + 1, 32, NULL) != 0)
		return Q_ERR_NOMEM;
	if (gcry_mpi_scan(&y, GCRYMPI_FMT_USG, in + 33, 32, NULL) != 0) {
		gcry_mpi_release(x);
		return Q_ERR_NOMEM;
	}
	gcry_mpi_point_set(dst, x, y, one);
	gcry_mpi_release(x);
	gcry_mpi_release(y);
	return gcry_mpi_ec_curve_point(dst, ctx) ? Q_OK : Q_ERR_POINT;
}

/* Strict decode (as decode_into) into a new point. */
static qerr decode(gcry_mpi_point_t *out, const uint8_t *in, size_t len, gcry_ctx_t ctx)
{
	gcry_mpi_point_t p = gcry_mpi_point_new(0);
	gcry_mpi_t one = gcry_mpi_set_ui(NULL, 1);
	qerr rc = p == NULL || one == NULL ? Q_ERR_NOMEM : decode_into(p, one, in, len, ctx);
	gcry_mpi_release(one);
	if (rc != Q_OK) {
		gcry_mpi_point_release(p);
		p = NULL;
	}
	*out = p;
	return rc;
}

static qerr encode(uint8_t out[XCHECK_POINT_LEN], gcry_mpi_point_t p, gcry_ctx_t ctx)
{
	gcry_mpi_t x = gcry_mpi_new(0), y = gcry_mpi_new(0);
	size_t nx = 0, ny = 0;
	uint8_t bx[32], by[32];
	qerr rc = Q_ERR_POINT;

	memset(out, 0, XCHECK_POINT_LEN);
	if (is_inf(p) || gcry_mpi_ec_get_affine(x, y, p, ctx) != 0)
		goto out;
	rc = Q_ERR_CRYPTO;
	if (gcry_mpi_print(GCRYMPI_FMT_USG, bx, sizeof bx, &nx, x) != 0 ||
	    gcry_mpi_print(GCRYMPI_FMT_USG, by, sizeof by, &ny, y) != 0 || nx > 32 || ny > 32)
		goto out;
	out[0] = 0x04;
	memcpy(out + 1 + (32 - nx), bx, nx);
	memcpy(out + 33 + (32 - ny), by, ny);
	rc = Q_OK;
out:
	gcry_mpi_release(x);
	gcry_mpi_release(y);
	return rc;
}

static qerr scalar_mpi(gcry_mpi_t *k, const uint8_t s[XCHECK_SCALAR_LEN])
{
	*k = NULL;
	if (s == NULL || memcmp(s, p256_n, 32) >= 0)
		return Q_ERR_SCALAR;
	if (gcry_mpi_scan(k, GCRYMPI_FMT_USG, s, XCHECK_SCALAR_LEN, NULL) != 0) {
		*k = NULL;
		return Q_ERR_NOMEM;
	}
	return Q_OK;
}

/* w = k*u; infinity handled here because libgcrypt's mul of infinity
 * does not return infinity. */
static gcry_mpi_point_t mul(gcry_mpi_t k, gcry_mpi_point_t u, gcry_ctx_t ctx)
{
	gcry_mpi_point_t w;
	if (is_inf(u) || gcry_mpi_cmp_ui(k, 0) == 0)
		return inf_point();
	w = gcry_mpi_point_new(0);
	gcry_mpi_ec_mul(w, k, u, ctx);
	return w;
}

/* w = u + v (libgcrypt handles doubling, infinity and u == -v). */
static gcry_mpi_point_t add(gcry_mpi_point_t u, gcry_mpi_point_t v, gcry_ctx_t ctx)
{
	gcry_mpi_point_t w;
	if (is_inf(u))
		return gcry_mpi_point_copy(v);
	if (is_inf(v))
		return gcry_mpi_point_copy(u);
	w = gcry_mpi_point_new(0);
	gcry_mpi_ec_add(w, u, v, ctx);
	return w;
}

qerr xcheck_point_decode(xcheck_point **out, const uint8_t *in, size_t len)
{
	gcry_ctx_t ctx;
	gcry_mpi_point_t p = NULL;
	qerr rc;

	*out = NULL;
	rc = ec_ctx(&ctx);
	if (rc != Q_OK)
		return rc;
	rc = decode(&p, in, len, ctx);
	if (rc != Q_OK)
		return rc;
	*out = wrap(p);
	return *out != NULL ? Q_OK : Q_ERR_NOMEM;
}

qerr xcheck_point_encode(uint8_t out[XCHECK_POINT_LEN], const xcheck_point *p)
{
	gcry_ctx_t ctx;
	qerr rc = ec_ctx(&ctx);
	if (rc != Q_OK) {
		memset(out, 0, XCHECK_POINT_LEN);
		return rc;
	}
	rc = encode(out, p->p, ctx);
	return rc;
}

qerr xcheck_point_add(xcheck_point **out, const xcheck_point *a, const xcheck_point *b)
{
	gcry_ctx_t ctx;
	qerr rc;

	*out = NULL;
	rc = ec_ctx(&ctx);
	if (rc != Q_OK)
		return rc;
	*out = wrap(add(a->p, b->p, ctx));
	return *out != NULL ? Q_OK : Q_ERR_NOMEM;
}

qerr xcheck_point_add_enc(xcheck_point **acc, const uint8_t *in, size_t len)
{
	gcry_ctx_t ctx;
	xcheck_point *a;
	gcry_mpi_point_t t;
	qerr rc;

	if (acc == NULL)
		return Q_ERR_ARG;
	if ((rc = ec_ctx(&ctx)) != Q_OK)
		return rc;
	if ((a = *acc) == NULL && (a = wrap(inf_point())) == NULL)
		return Q_ERR_NOMEM;
	if (a->pt == NULL) {
		a->pt = gcry_mpi_point_new(0);
		a->tmp = gcry_mpi_point_new(0);
		a->z = gcry_mpi_new(0);
		a->one = gcry_mpi_set_ui(NULL, 1);
	}
	rc = a->pt == NULL || a->tmp == NULL || a->z == NULL || a->one == NULL
	         ? Q_ERR_NOMEM
	         : decode_into(a->pt, a->one, in, len, ctx);
	if (rc != Q_OK) {
		if (*acc == NULL)
			xcheck_point_free(a);
		return rc;
	}
	*acc = a;
	/* the sum so far at infinity (z == 0: nothing added yet, or P + (-P)):
	 * it becomes the point; else libgcrypt adds (doubling when equal) */
	gcry_mpi_point_get(NULL, NULL, a->z, a->p);
	if (gcry_mpi_cmp_ui(a->z, 0) == 0) {
		t = a->p;
		a->p = a->pt;
		a->pt = t;
		return Q_OK;
	}
	gcry_mpi_ec_add(a->tmp, a->p, a->pt, ctx);
	t = a->p;
	a->p = a->tmp;
	a->tmp = t;
	return Q_OK;
}

qerr xcheck_point_mul(xcheck_point **out, const uint8_t k[XCHECK_SCALAR_LEN], const xcheck_point *p)
{
	gcry_ctx_t ctx;
	gcry_mpi_t kk;
	qerr rc;

	*out = NULL;
	rc = scalar_mpi(&kk, k);
	if (rc != Q_OK)
		return rc;
	rc = ec_ctx(&ctx);
	if (rc == Q_OK) {
		*out = wrap(mul(kk, p->p, ctx));
		rc = *out != NULL ? Q_OK : Q_ERR_NOMEM;
	}
	gcry_mpi_release(kk);
	return rc;
}

qerr xcheck_point_mul_base(xcheck_point **out, const uint8_t k[XCHECK_SCALAR_LEN])
{
	gcry_ctx_t ctx;
	gcry_mpi_t kk;
	gcry_mpi_point_t g;
	qerr rc;

	*out = NULL;
	rc = scalar_mpi(&kk, k);
	if (rc != Q_OK)
		return rc;
	rc = ec_ctx(&ctx);
	if (rc == Q_OK) {
		g = gcry_mpi_ec_get_point("g", ctx, 1);
		*out = g != NULL ? wrap(mul(kk, g, ctx)) : NULL;
		rc = *out != NULL ? Q_OK : Q_ERR_NOMEM;
		gcry_mpi_point_release(g);
	}
	gcry_mpi_release(kk);
	return rc;
}

/* ---- 65-byte conveniences ---- */

qerr xcheck_add65(uint8_t out[XCHECK_POINT_LEN], const uint8_t a[XCHECK_POINT_LEN],
                  const uint8_t b[XCHECK_POINT_LEN])
{
	gcry_ctx_t ctx = NULL;
	gcry_mpi_point_t pa = NULL, pb = NULL, w = NULL;
	qerr rc = ec_ctx(&ctx);

	if (rc == Q_OK)
		rc = decode(&pa, a, XCHECK_POINT_LEN, ctx);
	if (rc == Q_OK)
		rc = decode(&pb, b, XCHECK_POINT_LEN, ctx);
	if (rc == Q_OK) {
		w = add(pa, pb, ctx);
		rc = encode(out, w, ctx);
	}
	if (rc != Q_OK)
		memset(out, 0, XCHECK_POINT_LEN);
	gcry_mpi_point_release(pa);
	gcry_mpi_point_release(pb);
	gcry_mpi_point_release(w);
	return rc;
}

qerr xcheck_mul65(uint8_t out[XCHECK_POINT_LEN], const uint8_t k[XCHECK_SCALAR_LEN],
                  const uint8_t p[XCHECK_POINT_LEN])
{
	gcry_ctx_t ctx = NULL;
	gcry_mpi_point_t pp = NULL, w = NULL;
	gcry_mpi_t kk = NULL;
	qerr rc = ec_ctx(&ctx);

	if (rc == Q_OK)
		rc = decode(&pp, p, XCHECK_POINT_LEN, ctx);
	if (rc == Q_OK)
		rc = scalar_mpi(&kk, k);
	if (rc == Q_OK) {
		w = mul(kk, pp, ctx);
		rc = encode(out, w, ctx);
	}
	if (rc != Q_OK)
		memset(out, 0, XCHECK_POINT_LEN);
	gcry_mpi_release(kk);
	gcry_mpi_point_release(pp);
	gcry_mpi_point_release(w);
	return rc;
}

qerr xcheck_mul_base65(uint8_t out[XCHECK_POINT_LEN], const uint8_t k[XCHECK_SCALAR_LEN])
{
	xcheck_point *r = NULL;
	qerr rc = xcheck_point_mul_base(&r, k);
	if (rc == Q_OK)
		rc = xcheck_point_encode(out, r);
	else
		memset(out, 0, XCHECK_POINT_LEN);
	xcheck_point_free(r);
	return rc;
}

/* ---- S-7.2: sum_i (+/-) s_i*P_i == Q ---- */

/* G of P-256 (SEC 2, section 2.4.2), uncompressed; decoded like any
 * other point (its curve equation checked by libgcrypt). */
static const uint8_t p256_g[XCHECK_POINT_LEN] = {
    0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5,
    0x63, 0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4,
    0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a,
    0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33,
    0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5};

/* Straus' interleaved method (S-7.2), on libgcrypt's point addition and
 * doubling only: XC_CHUNK terms at a time share one chain of 4 doublings
 * per 4-bit digit of the scalars (the longest one's), and each term adds
 * d*P_i from its own table {P_i, 2P_i, ..., 15P_i}.  For two 256-bit
 * terms this is ~256 doublings and ~128 additions where two separate
 * multiplications take ~512 and ~256. */
#define XC_CHUNK 16
#define XC_TAB 15

/* acc (inf: *acc_inf) += v, through tmp (libgcrypt's result is never an
 * operand). */
static void acc_add_pt(gcry_mpi_point_t *acc, int *acc_inf, gcry_mpi_point_t *tmp,
                       gcry_mpi_point_t v, gcry_ctx_t ctx)
{
	gcry_mpi_point_t t;
	if (*acc_inf) {
		gcry_mpi_point_release(*acc);
		*acc = gcry_mpi_point_copy(v);
		*acc_inf = 0;
		return;
	}
	gcry_mpi_ec_add(*tmp, *acc, v, ctx);
	t = *acc;
	*acc = *tmp;
	*tmp = t;
}

/* The term's point, negated if asked: p - y for y (never 0 on P-256),
 * decoded strictly again. */
static qerr decode_term(gcry_mpi_point_t *out, const xcheck_term *t, gcry_ctx_t ctx)
{
	const uint8_t *in = t->point != NULL ? t->point : p256_g;
	uint8_t e[XCHECK_POINT_LEN];
	int borrow = 0;
	if (!t->negate)
		return decode(out, in, XCHECK_POINT_LEN, ctx);
	memcpy(e, in, 33);
	for (int i = 31; i >= 0; i--) {
		int d = (int)p256_p[i] - (int)in[33 + i] - borrow;
		borrow = d < 0;
		e[33 + i] = (uint8_t)(d & 0xff);
	}
	return decode(out, e, XCHECK_POINT_LEN, ctx);
}

/* 4-bit digit k (0 = least significant) of a 32-byte big-endian scalar. */
static unsigned digit(const uint8_t s[32], unsigned k)
{
	uint8_t b = s[31 - k / 2];
	return k % 2 ? b >> 4 : b & 0xf;
}

/* *acc (inf: *acc_inf) = sum over the n terms t[i] (nonzero scalars,
 * inputs already validated). */
static qerr straus_chunk(gcry_mpi_point_t *acc, int *acc_inf, const xcheck_term *const *t, size_t n,
                         gcry_ctx_t ctx)
{
	gcry_mpi_point_t tab[XC_CHUNK][XC_TAB], tmp = gcry_mpi_point_new(0);
	unsigned top = 0;
	qerr rc = Q_OK;
	memset(tab, 0, sizeof tab);
	*acc_inf = 1;
	if (tmp == NULL)
		return Q_ERR_NOMEM;
	for (size_t i = 0; i < n && rc == Q_OK; i++) {
		if ((rc = decode_term(&tab[i][0], t[i], ctx)) != Q_OK)
			break;
		for (unsigned d = 1; d < XC_TAB; d++) {
			tab[i][d] = gcry_mpi_point_new(0);
			if (d == 1)
				gcry_mpi_ec_dup(tab[i][1], tab[i][0], ctx);
			else
				gcry_mpi_ec_add(tab[i][d], tab[i][d - 1], tab[i][0], ctx);
		}
		for (unsigned k = 64; k > top; k--)
			if (digit(t[i]->scalar, k - 1) != 0) {
				top = k;
				break;
			}
	}
	for (unsigned k = top; rc == Q_OK && k > 0; k--) {
		if (!*acc_inf)
			for (int r = 0; r < 4; r++) {
				gcry_mpi_point_t x;
				gcry_mpi_ec_dup(tmp, *acc, ctx);
				x = *acc;
				*acc = tmp;
				tmp = x;
			}
		for (size_t i = 0; i < n; i++) {
			unsigned d = digit(t[i]->scalar, k - 1);
			if (d != 0)
				acc_add_pt(acc, acc_inf, &tmp, tab[i][d - 1], ctx);
		}
	}
	for (size_t i = 0; i < n; i++)
		for (unsigned d = 0; d < XC_TAB; d++)
			gcry_mpi_point_release(tab[i][d]);
	gcry_mpi_point_release(tmp);
	return rc;
}

/* Validate every input (before any arithmetic), then *sum (inf:
 * *sum_inf) = sum_i (+/-) s_i*P_i, XC_CHUNK nonzero terms at a time.
 * q (may be NULL) is validated too. */
static qerr lincomb_sum(gcry_mpi_point_t *sum, int *sum_inf, const xcheck_term *terms, size_t count,
                        const uint8_t *q, gcry_ctx_t ctx)
{
	static const uint8_t zero[32];
	const xcheck_term *chunk[XC_CHUNK];
	const uint8_t *cur_enc = NULL;
	gcry_mpi_point_t part = NULL, tmp = NULL;
	size_t n = 0;
	qerr rc;

	*sum = NULL;
	*sum_inf = 1;
	if (terms == NULL || count == 0)
		return Q_ERR_ARG;
	if (q != NULL) {
		gcry_mpi_point_t t;
		if ((rc = decode(&t, q, XCHECK_POINT_LEN, ctx)) != Q_OK)
			return rc;
		gcry_mpi_point_release(t);
	}
	for (size_t i = 0; i < count; i++) {
		if (terms[i].scalar == NULL || memcmp(terms[i].scalar, p256_n, 32) >= 0)
			return Q_ERR_SCALAR;
		if (terms[i].point != NULL && terms[i].point != cur_enc) {
			gcry_mpi_point_t t;
			if ((rc = decode(&t, terms[i].point, XCHECK_POINT_LEN, ctx)) != Q_OK)
				return rc;
			gcry_mpi_point_release(t);
			cur_enc = terms[i].point;
		}
	}
	*sum = gcry_mpi_point_new(0);
	tmp = gcry_mpi_point_new(0);
	if (*sum == NULL || tmp == NULL) {
		rc = Q_ERR_NOMEM;
		goto out;
	}
	rc = Q_OK;
	for (size_t i = 0; i <= count && rc == Q_OK; i++) {
		int part_inf = 1;
		if (i < count && memcmp(terms[i].scalar, zero, 32) == 0)
			continue; /* 0 * P = O */
		if (i < count) {
			chunk[n++] = &terms[i];
			if (n < XC_CHUNK)
				continue;
		}
		if (n == 0)
			break;
		part = gcry_mpi_point_new(0);
		if (part == NULL) {
			rc = Q_ERR_NOMEM;
			break;
		}
		rc = straus_chunk(&part, &part_inf, chunk, n, ctx);
		n = 0;
		if (rc == Q_OK && !part_inf)
			acc_add_pt(sum, sum_inf, &tmp, part, ctx);
		gcry_mpi_point_release(part);
		part = NULL;
	}
out:
	gcry_mpi_point_release(tmp);
	if (rc == Q_OK && !*sum_inf && is_inf(*sum))
		*sum_inf = 1; /* P + (-P) on the way */
	return rc;
}

/* Validation and arithmetic both stream over the terms: memory does not
 * grow with count and there is no limit on it (a record of a million
 * ballots gives a million terms).  A zero scalar costs no
 * multiplication. */
qerr xcheck_lincomb(const xcheck_term *terms, size_t count, const uint8_t *q)
{
	gcry_ctx_t ctx = NULL;
	gcry_mpi_point_t acc = NULL;
	uint8_t enc[XCHECK_POINT_LEN];
	int inf = 1;
	qerr rc;

	if (terms == NULL || count == 0)
		return Q_ERR_ARG;
	rc = ec_ctx(&ctx);
	if (rc != Q_OK)
		return rc;
	rc = lincomb_sum(&acc, &inf, terms, count, q, ctx);
	if (rc != Q_OK)
		goto out;
	if (q == NULL)
		rc = inf ? Q_OK : Q_ERR_PROOF;
	else if (inf || encode(enc, acc, ctx) != Q_OK)
		rc = Q_ERR_PROOF;
	else
		rc = memcmp(enc, q, XCHECK_POINT_LEN) == 0 ? Q_OK : Q_ERR_PROOF;
out:
	gcry_mpi_point_release(acc);
	return rc;
}

qerr xcheck_lincomb_eval(uint8_t out[XCHECK_POINT_LEN], const xcheck_term *terms, size_t count)
{
	gcry_ctx_t ctx = NULL;
	gcry_mpi_point_t acc = NULL;
	int inf = 1;
	qerr rc;

	memset(out, 0, XCHECK_POINT_LEN);
	if (terms == NULL || count == 0)
		return Q_ERR_ARG;
	rc = ec_ctx(&ctx);
	if (rc != Q_OK)
		return rc;
	rc = lincomb_sum(&acc, &inf, terms, count, NULL, ctx);
	if (rc == Q_OK)
		rc = inf ? Q_ERR_POINT : encode(out, acc, ctx);
	if (rc != Q_OK)
		memset(out, 0, XCHECK_POINT_LEN);
	gcry_mpi_point_release(acc);
	return rc;
}

/* ---- hashes and signatures ---- */

void xcheck_sha256(uint8_t out[32], const void *data, size_t len)
{
	quorum_gcry_init();
	gcry_md_hash_buffer(GCRY_MD_SHA256, out, len > 0 ? data : "", len);
}

struct xcheck_sha256_ctx {
	gcry_md_hd_t h;
};

xcheck_sha256_ctx *xcheck_sha256_new(void)
{
	xcheck_sha256_ctx *x;
	quorum_gcry_init();
	if ((x = calloc(1, sizeof *x)) == NULL)
		return NULL;
	if (gcry_md_open(&x->h, GCRY_MD_SHA256, 0) != 0) {
		free(x);
		return NULL;
	}
	return x;
}

void xcheck_sha256_update(xcheck_sha256_ctx *h, const void *data, size_t len)
{
	if (h != NULL && len > 0)
		gcry_md_write(h->h, data, len);
}

void xcheck_sha256_final(xcheck_sha256_ctx *h, uint8_t out[32])
{
	if (h == NULL)
		return;
	memcpy(out, gcry_md_read(h->h, GCRY_MD_SHA256), 32);
	xcheck_sha256_free(h);
}

void xcheck_sha256_free(xcheck_sha256_ctx *h)
{
	if (h == NULL)
		return;
	gcry_md_close(h->h);
	free(h);
}

qerr xcheck_sha256_file(uint8_t out[32], const char *path, uint64_t *len)
{
	gcry_md_hd_t h = NULL;
	uint8_t buf[65536];
	size_t n;
	uint64_t total = 0;
	FILE *f;
	qerr rc = Q_OK;
	quorum_gcry_init();
	if ((f = fopen(path, "rb")) == NULL)
		return Q_ERR_IO;
	if (gcry_md_open(&h, GCRY_MD_SHA256, 0) != 0) {
		fclose(f);
		return Q_ERR_NOMEM;
	}
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		gcry_md_write(h, buf, n);
		total += n;
	}
	if (ferror(f))
		rc = Q_ERR_IO;
	else
		memcpy(out, gcry_md_read(h, GCRY_MD_SHA256), 32);
	gcry_md_close(h);
	fclose(f);
	if (len != NULL)
		*len = total;
	return rc;
}

/* 1 if the little-endian 32-byte s is < L. */
static int ed_s_ok(const uint8_t s[32])
{
	for (int i = 31; i >= 0; i--) {
		if (s[i] != ed_L_le[i])
			return s[i] < ed_L_le[i];
	}
	return 0;
}

qerr xcheck_ed25519_verify(const uint8_t pk[32], const void *msg, size_t len, const uint8_t sig[64])
{
	gcry_sexp_t s_pk = NULL, s_sig = NULL, s_data = NULL;
	qerr rc = Q_ERR_SIGNATURE;

	quorum_gcry_init();
	if (pk == NULL || sig == NULL || (msg == NULL && len > 0))
		return Q_ERR_SIGNATURE;
	if (len > XCHECK_ED25519_MAX_MSG)
		return Q_ERR_LIMIT; /* S-7.4: libgcrypt's sexp limit */
	if (!ed_s_ok(sig + 32))
		return Q_ERR_SIGNATURE;
	if (gcry_sexp_build(&s_pk, NULL, "(public-key(ecc(curve Ed25519)(flags eddsa)(q %b)))", 32,
	                    pk) != 0)
		goto out;
	if (gcry_sexp_build(&s_sig, NULL, "(sig-val(eddsa(r %b)(s %b)))", 32, sig, 32, sig + 32) !=
	    0)
		goto out;
	if (gcry_sexp_build(&s_data, NULL, "(data(flags eddsa)(hash-algo sha512)(value %b))",
	                    (int)len, len > 0 ? msg : "") != 0)
		goto out;
	if (gcry_pk_verify(s_sig, s_data, s_pk) == 0)
		rc = Q_OK;
out:
	gcry_sexp_release(s_pk);
	gcry_sexp_release(s_sig);
	gcry_sexp_release(s_data);
	return rc;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * elgamal.c -- exponential ElGamal and the baby-step giant-step decoder
 * (docs/spec/crypto.md C-3).
 */
#include "elgamal.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#include "banned.h"

elgamal_ct *elgamal_ct_new(void)
{
	elgamal_ct *ct = calloc(1, sizeof *ct);
	if (ct == NULL)
		return NULL;
	ct->a = point_new();
	ct->b = point_new();
	if (ct->a == NULL || ct->b == NULL) {
		elgamal_ct_free(ct);
		return NULL;
	}
	return ct;
}

void elgamal_ct_free(elgamal_ct *ct)
{
	if (ct == NULL)
		return;
	point_free(ct->a);
	point_free(ct->b);
	free(ct);
}

qerr elgamal_ct_copy(elgamal_ct *dst, const elgamal_ct *src)
{
	qerr e;
	if (dst == NULL || src == NULL)
		return Q_ERR_ARG;
	if ((e = point_copy(dst->a, src->a)) != Q_OK)
		return e;
	return point_copy(dst->b, src->b);
}

qerr elgamal_ct_encode(uint8_t out[ELGAMAL_CT_LEN], const elgamal_ct *ct)
{
	qerr e;
	if (out == NULL || ct == NULL)
		return Q_ERR_ARG;
	if ((e = point_encode(out, ct->a)) != Q_OK ||
	    (e = point_encode(out + POINT_LEN, ct->b)) != Q_OK)
		memset(out, 0, ELGAMAL_CT_LEN);
	return e;
}

qerr elgamal_ct_decode(elgamal_ct *ct, const uint8_t *in, size_t len)
{
	qerr e;
	if (ct == NULL || (in == NULL && len > 0))
		return Q_ERR_ARG;
	if (len != ELGAMAL_CT_LEN)
		return Q_ERR_ENCODING;
	if ((e = point_decode(ct->a, in, POINT_LEN)) != Q_OK)
		return e;
	if ((e = point_decode(ct->b, in + POINT_LEN, POINT_LEN)) != Q_OK) {
		if (point_set_infinity(ct->a) != Q_OK)
			qfatal("elgamal_ct_decode: cannot reset point");
		return e;
	}
	return Q_OK;
}

/* b = m*G + rK where rK is already in b.  For m in {0, 1} (a selection)
 * the same work is done for both values: b + G is always computed and the
 * result picked by a pointer select, so the time does not reveal the vote.
 * For m >= 2, m*G by the constant-time ladder. */
static qerr add_mg(point *b, uint64_t m)
{
	point *t0 = point_new(), *t1 = point_new();
	scalar *ms = NULL;
	qerr e = Q_ERR_NOMEM;
	if (t0 == NULL || t1 == NULL)
		goto out;
	if (m <= 1) {
		const point *pick[2] = {t0, t1};
		if ((e = point_copy(t0, b)) != Q_OK || (e = point_generator(t1)) != Q_OK ||
		    (e = point_add(t1, t1, b)) != Q_OK)
			goto out;
		e = point_copy(b, pick[m]);
		goto out;
	}
	if ((ms = scalar_new()) == NULL)
		goto out;
	if ((e = scalar_set_u64(ms, m)) != Q_OK || (e = point_mul_base(t0, ms)) != Q_OK)
		goto out;
	e = point_add(b, b, t0);
out:
	point_free(t0);
	point_free(t1);
	scalar_free(ms);
	return e;
}

qerr elgamal_encrypt(elgamal_ct *ct, uint64_t m, const scalar *r, const point_table *K)
{
	qerr e;
	if (ct == NULL || r == NULL || K == NULL)
		return Q_ERR_ARG;
	if (scalar_is_zero(r))
		return Q_ERR_SCALAR;
	/* C-3.1: a = rG, b = mG + rK */
	if ((e = point_mul_base(ct->a, r)) != Q_OK || (e = point_table_mul(ct->b, K, r)) != Q_OK ||
	    (e = add_mg(ct->b, m)) != Q_OK)
		return e;
	return Q_OK;
}

qerr elgamal_encrypt_random(elgamal_ct *ct, uint64_t m, scalar *r_out, const point_table *K)
{
	scalar *r = scalar_new();
	qerr e = Q_ERR_NOMEM;
	if (r == NULL)
		return Q_ERR_NOMEM;
	if ((e = scalar_random(r)) != Q_OK || (e = elgamal_encrypt(ct, m, r, K)) != Q_OK)
		goto out;
	if (r_out != NULL)
		e = scalar_copy(r_out, r);
out:
	scalar_free(r);
	return e;
}

qerr elgamal_encrypt_k(elgamal_ct *ct, uint64_t m, const scalar *r, const point *K)
{
	qerr e;
	if (ct == NULL || r == NULL || K == NULL)
		return Q_ERR_ARG;
	if (scalar_is_zero(r))
		return Q_ERR_SCALAR;
	if (point_is_infinity(K))
		return Q_ERR_POINT;
	if ((e = point_mul_base(ct->a, r)) != Q_OK || (e = point_mul(ct->b, r, K)) != Q_OK ||
	    (e = add_mg(ct->b, m)) != Q_OK)
		return e;
	return Q_OK;
}

qerr elgamal_add(elgamal_ct *r, const elgamal_ct *x, const elgamal_ct *y)
{
	qerr e;
	if (r == NULL || x == NULL || y == NULL)
		return Q_ERR_ARG;
	if ((e = point_add(r->a, x->a, y->a)) != Q_OK)
		return e;
	return point_add(r->b, x->b, y->b);
}

qerr elgamal_decrypt_point(point *out, const elgamal_ct *ct, const scalar *s)
{
	point *t = point_new();
	qerr e = Q_ERR_NOMEM;
	if (out == NULL || ct == NULL || s == NULL) {
		point_free(t);
		return Q_ERR_ARG;
	}
	if (t == NULL)
		return Q_ERR_NOMEM;
	if ((e = point_mul(t, s, ct->a)) == Q_OK)
		e = point_sub(out, ct->b, t);
	point_free(t);
	return e;
}

/* ---- baby-step giant-step (C-3.3) ---- */

struct dlog_entry {
	uint8_t xy[64]; /* X || Y of j*G */
	uint32_t j; /* 0 = empty slot (j*G for j >= 1 only) */
};

struct elgamal_dlog_table {
	uint64_t max_m;
	uint64_t B; /* baby steps j = 1..B */
	uint64_t stride; /* 2B + 1 */
	size_t mask; /* slots - 1 */
	struct dlog_entry *slots;
	point *neg_giant; /* -(stride)*G */
};

static size_t slot_of(const uint8_t *x, size_t mask)
{
	uint64_t h = 0;
	for (int i = 0; i < 8; i++)
		h = (h << 8) | x[i];
	return (size_t)(h & mask);
}

static uint64_t isqrt_ceil(uint64_t v)
{
	uint64_t r = 1;
	while (r * r < v)
		r++;
	return r;
}

qerr elgamal_dlog_table_new(elgamal_dlog_table **out, uint64_t max_m)
{
	elgamal_dlog_table *t = NULL;
	point *cur = NULL, *g = NULL;
	scalar *s = NULL;
	uint8_t enc[POINT_LEN];
	size_t slots = 1;
	qerr e = Q_ERR_NOMEM;

	if (out == NULL)
		return Q_ERR_ARG;
	*out = NULL;
	if (max_m > ELGAMAL_DLOG_MAX)
		return Q_ERR_RANGE;
	if ((t = calloc(1, sizeof *t)) == NULL)
		goto out;
	t->max_m = max_m;
	/* (2B+1)^2 >= max_m + 1 giant*baby coverage; B >= 1. */
	t->B = isqrt_ceil(max_m / 2 + 1);
	t->stride = 2 * t->B + 1;
	while (slots < 2 * t->B)
		slots <<= 1;
	t->mask = slots - 1;
	if ((t->slots = calloc(slots, sizeof *t->slots)) == NULL)
		goto out;
	if ((cur = point_new()) == NULL || (g = point_new()) == NULL ||
	    (t->neg_giant = point_new()) == NULL || (s = scalar_new()) == NULL)
		goto out;
	if ((e = point_generator(g)) != Q_OK || (e = point_copy(cur, g)) != Q_OK)
		goto out;
	for (uint64_t j = 1; j <= t->B; j++) {
		size_t k;
		if ((e = point_encode(enc, cur)) != Q_OK)
			goto out;
		k = slot_of(enc + 1, t->mask);
		while (t->slots[k].j != 0)
			k = (k + 1) & t->mask;
		memcpy(t->slots[k].xy, enc + 1, 64);
		t->slots[k].j = (uint32_t)j;
		if ((e = point_add(cur, cur, g)) != Q_OK)
			goto out;
	}
	if ((e = scalar_set_u64(s, t->stride)) != Q_OK ||
	    (e = point_mul_base(t->neg_giant, s)) != Q_OK ||
	    (e = point_neg(t->neg_giant, t->neg_giant)) != Q_OK)
		goto out;
	*out = t;
	t = NULL;
	e = Q_OK;
out:
	elgamal_dlog_table_free(t);
	point_free(cur);
	point_free(g);
	scalar_free(s);
	return e;
}

void elgamal_dlog_table_free(elgamal_dlog_table *t)
{
	if (t == NULL)
		return;
	free(t->slots);
	point_free(t->neg_giant);
	free(t);
}

qerr elgamal_dlog(const elgamal_dlog_table *t, const point *p, uint64_t *m)
{
	point *q = NULL;
	uint8_t enc[POINT_LEN];
	qerr e = Q_ERR_NOMEM;

	if (t == NULL || p == NULL || m == NULL)
		return Q_ERR_ARG;
	*m = 0;
	if ((q = point_new()) == NULL || (e = point_copy(q, p)) != Q_OK)
		goto out;
	/* Q_i = P - i*stride*G; if Q_i = +-j*G then m = i*stride +- j. */
	for (uint64_t i = 0; i * t->stride <= t->max_m + t->B; i++) {
		uint64_t base = i * t->stride;
		if (point_is_infinity(q)) {
			if (base <= t->max_m) {
				*m = base;
				e = Q_OK;
				goto out;
			}
		} else {
			size_t k;
			if ((e = point_encode(enc, q)) != Q_OK)
				goto out;
			k = slot_of(enc + 1, t->mask);
			while (t->slots[k].j != 0) {
				if (memcmp(t->slots[k].xy, enc + 1, 32) == 0) {
					uint64_t j = t->slots[k].j;
					int plus = memcmp(t->slots[k].xy + 32, enc + 33, 32) == 0;
					if (plus && base + j <= t->max_m) {
						*m = base + j;
						e = Q_OK;
						goto out;
					}
					if (!plus && base >= j && base - j <= t->max_m) {
						*m = base - j;
						e = Q_OK;
						goto out;
					}
					break;
				}
				k = (k + 1) & t->mask;
			}
		}
		if ((e = point_add(q, q, t->neg_giant)) != Q_OK)
			goto out;
	}
	e = Q_ERR_RANGE;
out:
	point_free(q);
	return e;
}

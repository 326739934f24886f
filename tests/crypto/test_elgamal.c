/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Exponential ElGamal: round trips, homomorphism, strict decoding, BSGS. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "testutil.h"

struct keys {
	scalar *s;
	point *K;
	point_table *Kt;
};

static void keys_new(struct keys *k)
{
	k->s = scalar_new();
	k->K = point_new();
	cr_assert_eq(scalar_random(k->s), Q_OK);
	cr_assert_eq(point_mul_base(k->K, k->s), Q_OK);
	k->Kt = point_table_new(k->K);
	cr_assert_not_null(k->Kt);
}

static void keys_free(struct keys *k)
{
	scalar_free(k->s);
	point_free(k->K);
	point_table_free(k->Kt);
}

static void expect_mg(const point *p, uint64_t m)
{
	scalar *ms = scalar_new();
	point *q = point_new();
	cr_assert_eq(scalar_set_u64(ms, m), Q_OK);
	cr_assert_eq(point_mul_base(q, ms), Q_OK);
	cr_assert(point_eq(p, q), "expected %llu*G", (unsigned long long)m);
	scalar_free(ms);
	point_free(q);
}

Test(elgamal, encrypt_decrypt_round_trip)
{
	struct keys k;
	elgamal_ct *ct = elgamal_ct_new(), *ct2 = elgamal_ct_new();
	scalar *r = scalar_new();
	point *p = point_new();
	uint8_t enc[ELGAMAL_CT_LEN];
	const uint64_t ms[] = {0, 1, 2, 12345, 10000000};
	keys_new(&k);
	for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
		cr_assert_eq(elgamal_encrypt_random(ct, ms[i], r, k.Kt), Q_OK);
		cr_assert_eq(elgamal_decrypt_point(p, ct, k.s), Q_OK);
		expect_mg(p, ms[i]);
		/* same r through the plain-K route gives the same ciphertext */
		cr_assert_eq(elgamal_encrypt_k(ct2, ms[i], r, k.K), Q_OK);
		cr_assert(point_eq(ct->a, ct2->a) && point_eq(ct->b, ct2->b));
		/* encode/decode round trip */
		cr_assert_eq(elgamal_ct_encode(enc, ct), Q_OK);
		cr_assert_eq(elgamal_ct_decode(ct2, enc, sizeof enc), Q_OK);
		cr_assert(point_eq(ct->a, ct2->a) && point_eq(ct->b, ct2->b));
	}
	/* wrong key does not decrypt */
	cr_assert_eq(scalar_add(r, k.s, k.s), Q_OK);
	cr_assert_eq(elgamal_encrypt_random(ct, 1, NULL, k.Kt), Q_OK);
	cr_assert_eq(elgamal_decrypt_point(p, ct, r), Q_OK);
	{
		point *g = point_new();
		cr_assert_eq(point_generator(g), Q_OK);
		cr_assert(!point_eq(p, g));
		point_free(g);
	}
	/* zero nonce is refused */
	cr_assert_eq(scalar_set_u64(r, 0), Q_OK);
	cr_assert_eq(elgamal_encrypt(ct, 1, r, k.Kt), Q_ERR_SCALAR);
	elgamal_ct_free(ct);
	elgamal_ct_free(ct2);
	elgamal_ct_free(NULL);
	scalar_free(r);
	point_free(p);
	keys_free(&k);
}

Test(elgamal, homomorphic_sum)
{
	struct keys k;
	elgamal_ct *sum = elgamal_ct_new(), *ct = elgamal_ct_new();
	point *p = point_new();
	uint64_t total = 0;
	keys_new(&k);
	for (uint64_t m = 0; m < 20; m++) {
		cr_assert_eq(elgamal_encrypt_random(ct, m % 3, NULL, k.Kt), Q_OK);
		cr_assert_eq(elgamal_add(sum, sum, ct), Q_OK);
		total += m % 3;
	}
	cr_assert_eq(elgamal_decrypt_point(p, sum, k.s), Q_OK);
	expect_mg(p, total);
	elgamal_ct_free(sum);
	elgamal_ct_free(ct);
	point_free(p);
	keys_free(&k);
}

Test(elgamal, ct_decode_rejections)
{
	struct keys k;
	elgamal_ct *ct = elgamal_ct_new();
	uint8_t enc[ELGAMAL_CT_LEN + 1];
	keys_new(&k);
	cr_assert_eq(elgamal_encrypt_random(ct, 1, NULL, k.Kt), Q_OK);
	cr_assert_eq(elgamal_ct_encode(enc, ct), Q_OK);
	cr_assert_eq(elgamal_ct_decode(ct, enc, ELGAMAL_CT_LEN - 1), Q_ERR_ENCODING);
	enc[ELGAMAL_CT_LEN] = 0;
	cr_assert_eq(elgamal_ct_decode(ct, enc, ELGAMAL_CT_LEN + 1), Q_ERR_ENCODING);
	enc[POINT_LEN] = 0x02; /* beta's prefix */
	cr_assert_eq(elgamal_ct_decode(ct, enc, ELGAMAL_CT_LEN), Q_ERR_ENCODING);
	enc[POINT_LEN] = 0x04;
	enc[10] ^= 1; /* alpha off the curve */
	cr_assert_eq(elgamal_ct_decode(ct, enc, ELGAMAL_CT_LEN), Q_ERR_POINT);
	enc[10] ^= 1;
	enc[ELGAMAL_CT_LEN - 1] ^= 1; /* beta off the curve */
	cr_assert_eq(elgamal_ct_decode(ct, enc, ELGAMAL_CT_LEN), Q_ERR_POINT);
	enc[ELGAMAL_CT_LEN - 1] ^= 1;
	cr_assert_eq(elgamal_ct_decode(ct, enc, ELGAMAL_CT_LEN), Q_OK);
	/* a ciphertext with a point at infinity cannot be encoded */
	cr_assert_eq(point_set_infinity(ct->b), Q_OK);
	cr_assert_eq(elgamal_ct_encode(enc, ct), Q_ERR_POINT);
	elgamal_ct_free(ct);
	keys_free(&k);
}

static void dlog_of(const elgamal_dlog_table *t, uint64_t m, qerr want)
{
	scalar *s = scalar_new();
	point *p = point_new();
	uint64_t got = 99;
	cr_assert_eq(scalar_set_u64(s, m), Q_OK);
	cr_assert_eq(point_mul_base(p, s), Q_OK);
	cr_assert_eq(elgamal_dlog(t, p, &got), want, "dlog(%llu)", (unsigned long long)m);
	if (want == Q_OK)
		cr_assert_eq(got, m);
	else
		cr_assert_eq(got, 0);
	scalar_free(s);
	point_free(p);
}

Test(elgamal, dlog_small_tables_every_value)
{
	/* exhaustive over small ranges: catches off-by-one at the edges */
	for (uint64_t max = 0; max < 40; max++) {
		elgamal_dlog_table *t = NULL;
		cr_assert_eq(elgamal_dlog_table_new(&t, max), Q_OK);
		for (uint64_t m = 0; m <= max + 3; m++)
			dlog_of(t, m, m <= max ? Q_OK : Q_ERR_RANGE);
		elgamal_dlog_table_free(t);
	}
}

Test(elgamal, dlog_ten_million)
{
	elgamal_dlog_table *t = NULL;
	cr_assert_eq(elgamal_dlog_table_new(&t, 10000000), Q_OK);
	dlog_of(t, 0, Q_OK);
	dlog_of(t, 1, Q_OK);
	dlog_of(t, 12345, Q_OK);
	dlog_of(t, 4999999, Q_OK);
	dlog_of(t, 9999999, Q_OK);
	dlog_of(t, 10000000, Q_OK);
	dlog_of(t, 10000001, Q_ERR_RANGE);
	dlog_of(t, 20000000, Q_ERR_RANGE);
	{
		/* -1*G (= (n-1)G) is not in range */
		scalar *s = scalar_new();
		point *p = point_new();
		uint64_t got;
		cr_assert_eq(scalar_set_u64(s, 1), Q_OK);
		cr_assert_eq(scalar_neg(s, s), Q_OK);
		cr_assert_eq(point_mul_base(p, s), Q_OK);
		cr_assert_eq(elgamal_dlog(t, p, &got), Q_ERR_RANGE);
		scalar_free(s);
		point_free(p);
	}
	elgamal_dlog_table_free(t);
	elgamal_dlog_table_free(NULL);
}

Test(elgamal, dlog_table_limits)
{
	elgamal_dlog_table *t = (elgamal_dlog_table *)1;
	cr_assert_eq(elgamal_dlog_table_new(&t, ELGAMAL_DLOG_MAX + 1), Q_ERR_RANGE);
	cr_assert_null(t);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* P-256 group: known multiples of G, strict decoding, scalar arithmetic. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/proof.h"
#include "crypto/sha256.h"
#include "crypto/transcript.h"
#include "crypto/util.h"
#include "testutil.h"

#define N_HEX "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"
#define P_HEX "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"
#define GX "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
#define GY "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"

/* Published P-256 multiples k*G (NIST/SEC test vectors, point-at-infinity.org). */
static const struct {
	const char *k, *x, *y;
} kat[] = {
    {"0000000000000000000000000000000000000000000000000000000000000001", GX, GY},
    {"0000000000000000000000000000000000000000000000000000000000000002",
     "7cf27b188d034f7e8a52380304b51ac3c08969e277f21b35a60b48fc47669978",
     "07775510db8ed040293d9ac69f7430dbba7dade63ce982299e04b79d227873d1"},
    {"0000000000000000000000000000000000000000000000000000000000000003",
     "5ecbe4d1a6330a44c8f7ef951d4bf165e6c6b721efada985fb41661bc6e7fd6c",
     "8734640c4998ff7e374b06ce1a64a2ecd82ab036384fb83d9a79b127a27d5032"},
    {"000000000000000000000000000000000000000000000000018ebbb95eed0e13",
     "339150844ec15234807fe862a86be77977dbfb3ae3d96f4c22795513aeaab82f",
     "b1c14ddfdc8ec1b2583f51e85a5eb3a155840f2034730e9b5ada38b674336a21"},
    /* n - 1: -G, same x as G */
    {"ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550", GX,
     "b01cbd1c01e58065711814b583f061e9d431cca994cea1313449bf97c840ae0a"},
};

static scalar *sc_hex(const char *hex)
{
	size_t len;
	uint8_t *b = test_unhex(hex, &len);
	scalar *s = scalar_new();
	cr_assert_not_null(s);
	cr_assert_eq(scalar_decode(s, b, len), Q_OK);
	free(b);
	return s;
}

static void enc_hex(char out[2 * POINT_LEN + 1], const point *p)
{
	uint8_t b[POINT_LEN];
	cr_assert_eq(point_encode(b, p), Q_OK);
	hex_encode(out, b, POINT_LEN);
}

Test(group, known_multiples_of_g)
{
	point *p = point_new(), *q = point_new(), *g = point_new(), *acc = point_new();
	char hex[2 * POINT_LEN + 1], want[2 * POINT_LEN + 1];
	cr_assert_eq(point_generator(g), Q_OK);
	cr_assert_eq(point_set_infinity(acc), Q_OK);
	for (size_t i = 0; i < sizeof kat / sizeof kat[0]; i++) {
		scalar *k = sc_hex(kat[i].k);
		cr_assert_eq(point_mul_base(p, k), Q_OK);
		enc_hex(hex, p);
		snprintf(want, sizeof want, "04%s%s", kat[i].x, kat[i].y);
		cr_assert_str_eq(hex, want, "k*G for k=%s", kat[i].k);
		/* second route: variable-base multiplication of G */
		cr_assert_eq(point_mul(q, k, g), Q_OK);
		cr_assert(point_eq(p, q));
		scalar_free(k);
	}
	/* third route for k = 1, 2, 3: repeated addition */
	for (size_t i = 0; i < 3; i++) {
		cr_assert_eq(point_add(acc, acc, g), Q_OK);
		enc_hex(hex, acc);
		snprintf(want, sizeof want, "04%s%s", kat[i].x, kat[i].y);
		cr_assert_str_eq(hex, want);
	}
	point_free(p);
	point_free(q);
	point_free(g);
	point_free(acc);
}

Test(group, n_times_g_is_infinity)
{
	scalar *k = sc_hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550");
	scalar *one = scalar_new();
	point *p = point_new();
	uint8_t b[POINT_LEN];
	cr_assert_eq(scalar_set_u64(one, 1), Q_OK);
	cr_assert_eq(scalar_add(k, k, one), Q_OK); /* (n-1)+1 = 0 mod n */
	cr_assert(scalar_is_zero(k));
	cr_assert_eq(point_mul_base(p, k), Q_OK);
	cr_assert(point_is_infinity(p));
	cr_assert_eq(point_encode(b, p), Q_ERR_POINT);
	scalar_free(k);
	scalar_free(one);
	point_free(p);
}

static qerr dec_hex(const char *hex)
{
	size_t len;
	uint8_t *b = test_unhex(hex, &len);
	point *p = point_new();
	qerr e = point_decode(p, b, len);
	if (e != Q_OK)
		cr_assert(point_is_infinity(p), "failed decode leaves infinity");
	point_free(p);
	free(b);
	return e;
}

Test(group, point_decode_accepts_g)
{
	cr_assert_eq(dec_hex("04" GX GY), Q_OK);
}

Test(group, point_decode_rejections)
{
	/* wrong length: short, long, empty */
	cr_assert_eq(dec_hex("04" GX), Q_ERR_ENCODING);
	cr_assert_eq(dec_hex("04" GX GY "00"), Q_ERR_ENCODING);
	{
		point *p = point_new();
		cr_assert_eq(point_decode(p, (const uint8_t *)"", 0), Q_ERR_ENCODING);
		point_free(p);
	}
	/* bad prefixes: hybrid 0x06/0x07, 0x05, 0x00 with full length */
	cr_assert_eq(dec_hex("06" GX GY), Q_ERR_ENCODING);
	cr_assert_eq(dec_hex("07" GX GY), Q_ERR_ENCODING);
	cr_assert_eq(dec_hex("05" GX GY), Q_ERR_ENCODING);
	cr_assert_eq(dec_hex("00" GX GY), Q_ERR_ENCODING);
	/* infinity encoding (single 0x00) */
	cr_assert_eq(dec_hex("00"), Q_ERR_ENCODING);
	/* compressed form of G (0x02/0x03 || X), 33 bytes */
	cr_assert_eq(dec_hex("03" GX), Q_ERR_ENCODING);
	cr_assert_eq(dec_hex("02" GX), Q_ERR_ENCODING);
	/* x >= p, y >= p */
	cr_assert_eq(dec_hex("04" P_HEX GY), Q_ERR_POINT);
	cr_assert_eq(dec_hex("04" GX P_HEX), Q_ERR_POINT);
	cr_assert_eq(dec_hex("04"
	                     "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" GY),
	             Q_ERR_POINT);
	/* not on the curve: G with y + 1, and (0, 0) */
	cr_assert_eq(
	    dec_hex("04" GX "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f6"),
	    Q_ERR_POINT);
	cr_assert_eq(dec_hex("04"
	                     "0000000000000000000000000000000000000000000000000000000000000000"
	                     "0000000000000000000000000000000000000000000000000000000000000000"),
	             Q_ERR_POINT);
}

Test(group, scalar_decode_rejections)
{
	size_t len;
	uint8_t *b;
	scalar *s = scalar_new();
	uint8_t out[SCALAR_LEN];

	b = test_unhex(N_HEX, &len); /* n */
	cr_assert_eq(scalar_decode(s, b, len), Q_ERR_SCALAR);
	cr_assert(scalar_is_zero(s));
	free(b);
	b = test_unhex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632552", &len);
	cr_assert_eq(scalar_decode(s, b, len), Q_ERR_SCALAR); /* n + 1 */
	free(b);
	b = test_unhex("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", &len);
	cr_assert_eq(scalar_decode(s, b, len), Q_ERR_SCALAR);
	cr_assert_eq(scalar_decode(s, b, 31), Q_ERR_ENCODING);
	free(b);
	/* n - 1 and 0 are fine and round-trip */
	b = test_unhex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550", &len);
	cr_assert_eq(scalar_decode(s, b, len), Q_OK);
	scalar_encode(out, s);
	cr_assert(memcmp(out, b, 32) == 0);
	memset(b, 0, 32);
	cr_assert_eq(scalar_decode(s, b, len), Q_OK);
	cr_assert(scalar_is_zero(s));
	free(b);
	scalar_free(s);
}

Test(group, scalar_arithmetic)
{
	scalar *a = scalar_new(), *b = scalar_new(), *c = scalar_new(), *d = scalar_new();
	point *p = point_new(), *q = point_new(), *r = point_new(), *g = point_new();
	cr_assert_eq(point_generator(g), Q_OK);
	for (int i = 0; i < 20; i++) {
		cr_assert_eq(scalar_random(a), Q_OK);
		cr_assert_eq(scalar_random(b), Q_OK);
		cr_assert(!scalar_is_zero(a));
		/* (a + b) - b = a */
		cr_assert_eq(scalar_add(c, a, b), Q_OK);
		cr_assert_eq(scalar_sub(c, c, b), Q_OK);
		cr_assert(scalar_eq(c, a));
		/* a * a^-1 = 1 */
		cr_assert_eq(scalar_inv(c, a), Q_OK);
		cr_assert_eq(scalar_mul(c, c, a), Q_OK);
		cr_assert_eq(scalar_set_u64(d, 1), Q_OK);
		cr_assert(scalar_eq(c, d));
		/* a + (-a) = 0 */
		cr_assert_eq(scalar_neg(c, a), Q_OK);
		cr_assert_eq(scalar_add(c, c, a), Q_OK);
		cr_assert(scalar_is_zero(c));
		/* (a + b)G = aG + bG; aG + bP = mul2; P - P = infinity */
		cr_assert_eq(scalar_add(c, a, b), Q_OK);
		cr_assert_eq(point_mul_base(p, c), Q_OK);
		cr_assert_eq(point_mul_base(q, a), Q_OK);
		cr_assert_eq(point_mul(r, b, g), Q_OK);
		cr_assert_eq(point_add(q, q, r), Q_OK);
		cr_assert(point_eq(p, q));
		cr_assert_eq(point_mul2(r, a, b, g), Q_OK);
		cr_assert(point_eq(p, r));
		cr_assert_eq(point_sub(r, r, p), Q_OK);
		cr_assert(point_is_infinity(r));
		cr_assert_eq(point_neg(r, p), Q_OK);
		cr_assert_eq(point_add(r, r, p), Q_OK);
		cr_assert(point_is_infinity(r));
		/* msm: aG + b*p + a*q = aG + (b+a) p (p == q) */
		{
			const point *pts[2] = {p, q};
			const scalar *scs[2] = {b, a};
			cr_assert_eq(point_msm(r, a, 2, pts, scs), Q_OK);
			cr_assert_eq(scalar_add(d, a, b), Q_OK);
			cr_assert_eq(point_mul2(q, a, d, p), Q_OK);
			cr_assert(point_eq(q, r));
		}
	}
	cr_assert_eq(scalar_set_u64(a, 0), Q_OK);
	cr_assert_eq(scalar_inv(c, a), Q_ERR_SCALAR);
	scalar_free(a);
	scalar_free(b);
	scalar_free(c);
	scalar_free(d);
	point_free(p);
	point_free(q);
	point_free(r);
	point_free(g);
	scalar_free(NULL);
	point_free(NULL);
	point_table_free(NULL);
}

Test(group, scalar_from_hash_reduces)
{
	uint8_t d[32];
	scalar *s = scalar_new();
	uint8_t out[32];
	size_t len;
	uint8_t *want;
	memset(d, 0xff, 32);
	cr_assert_eq(scalar_from_hash(s, d), Q_OK);
	scalar_encode(out, s);
	/* 2^256 - 1 - n */
	want = test_unhex("00000000ffffffff00000000000000004319055258e8617b0c46353d039cdaae", &len);
	cr_assert(memcmp(out, want, 32) == 0);
	free(want);
	scalar_free(s);
}

Test(group, table_matches_variable_base)
{
	scalar *k = scalar_new(), *s = scalar_new();
	point *base = point_new(), *p = point_new(), *q = point_new();
	point_table *t;
	cr_assert_eq(scalar_random(k), Q_OK);
	cr_assert_eq(point_mul_base(base, k), Q_OK);
	t = point_table_new(base);
	cr_assert_not_null(t);
	cr_assert(point_eq(point_table_base(t), base));
	for (int i = 0; i < 10; i++) {
		cr_assert_eq(scalar_random(s), Q_OK);
		cr_assert_eq(point_table_mul(p, t, s), Q_OK);
		cr_assert_eq(point_mul(q, s, base), Q_OK);
		cr_assert(point_eq(p, q));
	}
	point_table_free(t);
	cr_assert_eq(point_set_infinity(base), Q_OK);
	cr_assert_null(point_table_new(base));
	scalar_free(k);
	scalar_free(s);
	point_free(base);
	point_free(p);
	point_free(q);
}

/* ---------------- transcript bytes (C-2.1) ---------------- */

Test(transcript, byte_layout_known_answer)
{
	/* The spec's example, built by hand: every field is a 4-byte
	 * big-endian length then its bytes, the tag first. */
	static const uint8_t manual[] = {0, 0, 0, 23, 'q', 'u', 'o', 'r', 'u', 'm', '/', 'v', '1',
	                                 '/', 'p', 'r', 'o', 'o', 'f', '/', 's', 'c', 'h', 'n', 'o',
	                                 'r', 'r',
	                                 /* raw bytes "ab" */
	                                 0, 0, 0, 2, 'a', 'b',
	                                 /* u32 258 */
	                                 0, 0, 0, 4, 0, 0, 1, 2,
	                                 /* u64 1 */
	                                 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1,
	                                 /* infinity */
	                                 0, 0, 0, 1, 0,
	                                 /* empty field */
	                                 0, 0, 0, 0};
	uint8_t want[32], got[32], gx[POINT_LEN];
	transcript t;
	point *inf = point_new(), *g = point_new();
	scalar *c = scalar_new(), *c2 = scalar_new();
	sha256(want, manual, sizeof manual);
	cr_assert_eq(transcript_init(&t, TAG_SCHNORR), Q_OK);
	transcript_bytes(&t, "ab", 2);
	transcript_u32(&t, 258);
	transcript_u64(&t, 1);
	transcript_point(&t, inf);
	transcript_bytes(&t, "", 0);
	transcript_digest(&t, got);
	cr_assert(memcmp(got, want, 32) == 0);
	transcript_free(&t); /* safe after finishing */
	/* a point field is its 65-byte encoding; the challenge is digest mod n */
	cr_assert_eq(point_generator(g), Q_OK);
	cr_assert_eq(point_encode(gx, g), Q_OK);
	cr_assert_eq(transcript_init(&t, "x"), Q_OK);
	transcript_point(&t, g);
	cr_assert_eq(transcript_challenge(&t, c), Q_OK);
	{
		uint8_t m2[4 + 1 + 4 + POINT_LEN] = {0, 0, 0, 1, 'x', 0, 0, 0, POINT_LEN};
		memcpy(m2 + 9, gx, POINT_LEN);
		sha256(want, m2, sizeof m2);
		cr_assert_eq(scalar_from_hash(c2, want), Q_OK);
		cr_assert(scalar_eq(c, c2));
	}
	point_free(inf);
	point_free(g);
	scalar_free(c);
	scalar_free(c2);
}

/* ---------------- threads ---------------- */

static point_table *g_thr_kt;
static point *g_thr_k;

static void *thr_work(void *arg)
{
	uintptr_t bad = 0;
	uint8_t ctx[PROOF_CTX_LEN] = {(uint8_t)(uintptr_t)arg};
	for (int i = 0; i < 30; i++) {
		elgamal_ct *ct = elgamal_ct_new();
		range_proof *pf = NULL;
		if (ct == NULL ||
		    range_encrypt_prove(ct, &pf, NULL, ctx, g_thr_kt, (uint64_t)(i & 1), 0, 1) !=
		        Q_OK ||
		    range_verify(pf, ctx, g_thr_k, g_thr_kt, ct, 0, 1) != Q_OK)
			bad++;
		ctx[1] ^= 1; /* wrong context must fail */
		if (pf != NULL && range_verify(pf, ctx, g_thr_k, g_thr_kt, ct, 0, 1) != Q_ERR_PROOF)
			bad++;
		ctx[1] ^= 1;
		range_proof_free(pf);
		elgamal_ct_free(ct);
	}
	return (void *)bad;
}

Test(group, concurrent_threads_share_group_and_table)
{
	pthread_t th[4];
	scalar *s = scalar_new();
	g_thr_k = point_new();
	cr_assert_eq(scalar_random(s), Q_OK);
	cr_assert_eq(point_mul_base(g_thr_k, s), Q_OK);
	g_thr_kt = point_table_new(g_thr_k);
	cr_assert_not_null(g_thr_kt);
	for (uintptr_t i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, thr_work, (void *)i), 0);
	for (int i = 0; i < 4; i++) {
		void *r;
		cr_assert_eq(pthread_join(th[i], &r), 0);
		cr_assert_eq((uintptr_t)r, 0, "thread %d had failures", i);
	}
	point_table_free(g_thr_kt);
	point_free(g_thr_k);
	scalar_free(s);
}

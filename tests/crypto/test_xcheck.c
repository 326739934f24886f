/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crypto/xcheck.h (libgcrypt) against OpenSSL computed directly here,
 * on many random inputs: scalar and base multiplication, addition,
 * encode/decode incl. malformed points, linear combinations, SHA-256 and
 * Ed25519 verification.
 *
 * QUORUM_XCHECK_ITERS overrides the number of random cases per test
 * (default 2000; 400 under AddressSanitizer; never less than 1). */
#include <criterion/criterion.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sig.h"
#include "crypto/xcheck.h"
#include "testutil.h"

#if defined(__SANITIZE_ADDRESS__)
#define DEFAULT_ITERS 400
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DEFAULT_ITERS 400
#endif
#endif
#ifndef DEFAULT_ITERS
#define DEFAULT_ITERS 2000
#endif

static long iters(void)
{
	const char *e = getenv("QUORUM_XCHECK_ITERS");
	long n = DEFAULT_ITERS;
	if (e != NULL && *e != '\0') {
		char *end;
		n = strtol(e, &end, 10);
		if (*end != '\0' || n < 1)
			n = 1;
	}
	return n;
}

static EC_GROUP *grp;
static BN_CTX *bnc;
static BIGNUM *order;

static void setup(void)
{
	grp = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	bnc = BN_CTX_new();
	order = BN_new();
	cr_assert(grp && bnc && order);
	cr_assert_eq(EC_GROUP_get_order(grp, order, bnc), 1);
}

static void teardown(void)
{
	BN_free(order);
	BN_CTX_free(bnc);
	EC_GROUP_free(grp);
}

/* Random scalar in [0, n) as BIGNUM and 32 bytes; small ones sometimes. */
static BIGNUM *rand_scalar(uint8_t out[32], long i)
{
	BIGNUM *k = BN_new();
	cr_assert_not_null(k);
	if (i % 97 == 0)
		cr_assert_eq(BN_set_word(k, (BN_ULONG)(i % 5)), 1); /* 0..4 */
	else if (i % 89 == 0)
		cr_assert_eq(BN_sub(k, order, BN_value_one()), 1); /* n - 1 */
	else
		cr_assert_eq(BN_rand_range(k, order), 1);
	cr_assert_eq(BN_bn2binpad(k, out, 32), 32);
	return k;
}

static EC_POINT *rand_point(uint8_t enc[65])
{
	EC_POINT *p = EC_POINT_new(grp);
	BIGNUM *k = BN_new();
	cr_assert(p && k);
	do {
		cr_assert_eq(BN_rand_range(k, order), 1);
	} while (BN_is_zero(k));
	cr_assert_eq(EC_POINT_mul(grp, p, k, NULL, NULL, bnc), 1);
	cr_assert_eq(EC_POINT_point2oct(grp, p, POINT_CONVERSION_UNCOMPRESSED, enc, 65, bnc), 65);
	BN_free(k);
	return p;
}

/* OpenSSL encoding; 0 if infinity. */
static int ossl_enc(uint8_t enc[65], const EC_POINT *p)
{
	if (EC_POINT_is_at_infinity(grp, p))
		return 0;
	cr_assert_eq(EC_POINT_point2oct(grp, p, POINT_CONVERSION_UNCOMPRESSED, enc, 65, bnc), 65);
	return 1;
}

TestSuite(xcheck, .init = setup, .fini = teardown, .timeout = 120);

Test(xcheck, scalar_mul_matches_openssl)
{
	for (long i = 0; i < iters(); i++) {
		uint8_t k[32], P[65], want[65], got[65];
		EC_POINT *p = rand_point(P), *r = EC_POINT_new(grp);
		BIGNUM *kb = rand_scalar(k, i);
		cr_assert_eq(EC_POINT_mul(grp, r, NULL, p, kb, bnc), 1);
		qerr rc = xcheck_mul65(got, k, P);
		if (ossl_enc(want, r)) {
			cr_assert_eq(rc, Q_OK, "iteration %ld", i);
			cr_assert(memcmp(got, want, 65) == 0, "k*P differs at iteration %ld", i);
		} else {
			cr_assert_eq(rc, Q_ERR_POINT, "0*P must be infinity (unencodable)");
		}
		/* the opaque interface agrees */
		xcheck_point *xp = NULL, *xr = NULL;
		cr_assert_eq(xcheck_point_decode(&xp, P, 65), Q_OK);
		cr_assert_eq(xcheck_point_mul(&xr, k, xp), Q_OK);
		cr_assert_eq(xcheck_point_is_infinity(xr), BN_is_zero(kb));
		xcheck_point_free(xp);
		xcheck_point_free(xr);
		BN_free(kb);
		EC_POINT_free(p);
		EC_POINT_free(r);
	}
}

Test(xcheck, base_mul_matches_openssl)
{
	for (long i = 0; i < iters(); i++) {
		uint8_t k[32], want[65], got[65];
		EC_POINT *r = EC_POINT_new(grp);
		BIGNUM *kb = rand_scalar(k, i);
		cr_assert_eq(EC_POINT_mul(grp, r, kb, NULL, NULL, bnc), 1);
		qerr rc = xcheck_mul_base65(got, k);
		if (ossl_enc(want, r)) {
			cr_assert_eq(rc, Q_OK);
			cr_assert(memcmp(got, want, 65) == 0, "k*G differs at iteration %ld", i);
		} else {
			cr_assert_eq(rc, Q_ERR_POINT);
		}
		BN_free(kb);
		EC_POINT_free(r);
	}
}

Test(xcheck, scalars_out_of_range_rejected)
{
	uint8_t k[32], P[65], out[65];
	EC_POINT *p = rand_point(P);
	xcheck_point *xp = NULL, *xr = NULL;
	cr_assert_eq(BN_bn2binpad(order, k, 32), 32); /* k = n */
	cr_assert_eq(xcheck_mul65(out, k, P), Q_ERR_SCALAR);
	cr_assert_eq(xcheck_mul_base65(out, k), Q_ERR_SCALAR);
	cr_assert_eq(xcheck_point_decode(&xp, P, 65), Q_OK);
	cr_assert_eq(xcheck_point_mul(&xr, k, xp), Q_ERR_SCALAR);
	cr_assert_null(xr);
	memset(k, 0xff, 32);
	cr_assert_eq(xcheck_mul_base65(out, k), Q_ERR_SCALAR);
	xcheck_point_free(xp);
	EC_POINT_free(p);
}

Test(xcheck, add_matches_openssl)
{
	for (long i = 0; i < iters(); i++) {
		uint8_t A[65], B[65], want[65], got[65];
		EC_POINT *a = rand_point(A), *b, *r = EC_POINT_new(grp);
		if (i % 10 == 1) { /* doubling */
			b = EC_POINT_dup(a, grp);
			memcpy(B, A, 65);
		} else if (i % 10 == 2) { /* a + (-a) = infinity */
			b = EC_POINT_dup(a, grp);
			cr_assert_eq(EC_POINT_invert(grp, b, bnc), 1);
			cr_assert(ossl_enc(B, b));
		} else {
			b = rand_point(B);
		}
		cr_assert_eq(EC_POINT_add(grp, r, a, b, bnc), 1);
		qerr rc = xcheck_add65(got, A, B);
		if (ossl_enc(want, r)) {
			cr_assert_eq(rc, Q_OK);
			cr_assert(memcmp(got, want, 65) == 0, "A+B differs at iteration %ld", i);
		} else {
			cr_assert_eq(rc, Q_ERR_POINT, "A + (-A) must be infinity");
		}
		EC_POINT_free(a), EC_POINT_free(b), EC_POINT_free(r);
	}
}

/* xcheck_point_add_enc: a running sum of many points, in place, equals
 * OpenSSL's sum of the same points; with a point and its double (the
 * sum equal to the next point: doubling), its negation (the sum passes
 * through infinity and goes on) and the same scratch reused throughout. */
Test(xcheck, add_enc_running_sum_matches_openssl)
{
	long n = iters() < 64 ? 64 : iters();
	EC_POINT *sum = EC_POINT_new(grp), *prev = NULL;
	xcheck_point *acc = NULL;
	long infinities = 0, doublings = 0;
	cr_assert_not_null(sum);
	cr_assert_eq(EC_POINT_set_to_infinity(grp, sum), 1);
	for (long i = 0; i < n; i++) {
		uint8_t P[65], want[65], got[65];
		EC_POINT *p;
		if (i % 16 == 5 && !EC_POINT_is_at_infinity(grp, sum)) {
			/* the sum so far, negated: the sum becomes infinity */
			p = EC_POINT_dup(sum, grp);
			cr_assert_eq(EC_POINT_invert(grp, p, bnc), 1);
			cr_assert(ossl_enc(P, p));
			infinities++;
		} else if (i % 16 == 9 && !EC_POINT_is_at_infinity(grp, sum)) {
			/* the sum so far again: libgcrypt must double */
			p = EC_POINT_dup(sum, grp);
			cr_assert(ossl_enc(P, p));
			doublings++;
		} else {
			p = rand_point(P);
		}
		cr_assert_eq(EC_POINT_add(grp, sum, sum, p, bnc), 1);
		cr_assert_eq(xcheck_point_add_enc(&acc, P, 65), Q_OK, "point %ld", i);
		cr_assert_not_null(acc);
		if (ossl_enc(want, sum)) {
			cr_assert(!xcheck_point_is_infinity(acc), "point %ld", i);
			cr_assert_eq(xcheck_point_encode(got, acc), Q_OK);
			cr_assert(memcmp(got, want, 65) == 0, "the sum differs after point %ld", i);
		} else {
			cr_assert(xcheck_point_is_infinity(acc), "point %ld: not infinity", i);
		}
		EC_POINT_free(prev);
		prev = p;
	}
	cr_assert(infinities > 0 && doublings > 0);
	/* a sum in progress still adds with the other functions */
	xcheck_point *s2 = NULL;
	cr_assert_eq(xcheck_point_add(&s2, acc, acc), Q_OK);
	xcheck_point_free(s2);
	cr_assert_eq(xcheck_point_add_enc(NULL, NULL, 0), Q_ERR_ARG);
	EC_POINT_free(prev);
	EC_POINT_free(sum);
	xcheck_point_free(acc);
}

Test(xcheck, infinity_arithmetic)
{
	uint8_t zero[32] = {0}, k[32], P[65], got[65];
	EC_POINT *p = rand_point(P);
	xcheck_point *xp = NULL, *inf = NULL, *s = NULL, *t = NULL;
	cr_assert_eq(xcheck_point_decode(&xp, P, 65), Q_OK);
	cr_assert_eq(xcheck_point_mul(&inf, zero, xp), Q_OK);
	cr_assert(xcheck_point_is_infinity(inf));
	cr_assert_eq(xcheck_point_encode(got, inf), Q_ERR_POINT);
	/* inf + P = P, P + inf = P, k*inf = inf */
	cr_assert_eq(xcheck_point_add(&s, inf, xp), Q_OK);
	cr_assert_eq(xcheck_point_encode(got, s), Q_OK);
	cr_assert(memcmp(got, P, 65) == 0);
	xcheck_point_free(s);
	cr_assert_eq(xcheck_point_add(&s, xp, inf), Q_OK);
	cr_assert_eq(xcheck_point_encode(got, s), Q_OK);
	cr_assert(memcmp(got, P, 65) == 0);
	memset(k, 0, 32);
	k[31] = 5;
	cr_assert_eq(xcheck_point_mul(&t, k, inf), Q_OK);
	cr_assert(xcheck_point_is_infinity(t));
	xcheck_point_free(xp), xcheck_point_free(inf), xcheck_point_free(s), xcheck_point_free(t);
	xcheck_point_free(NULL);
	EC_POINT_free(p);
}

/* OpenSSL's view, made strict: 65 bytes, 0x04, decodes, on curve. */
static int ossl_strict_ok(const uint8_t *in, size_t len)
{
	EC_POINT *p = EC_POINT_new(grp);
	int ok = len == 65 && in[0] == 0x04 && EC_POINT_oct2point(grp, p, in, len, bnc) == 1 &&
	         EC_POINT_is_on_curve(grp, p, bnc) == 1 && !EC_POINT_is_at_infinity(grp, p);
	EC_POINT_free(p);
	return ok;
}

Test(xcheck, decode_accepts_and_rejects_like_strict_openssl)
{
	static const uint8_t fp[32] = {0xff, 0xff, 0xff, 0xff, 0,    0,    0,    1,
	                               0,    0,    0,    0,    0,    0,    0,    0,
	                               0,    0,    0,    0,    0xff, 0xff, 0xff, 0xff,
	                               0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	long accepted = 0, rejected = 0;
	for (long i = 0; i < iters(); i++) {
		uint8_t P[66], enc[65];
		size_t len = 65;
		EC_POINT *p = rand_point(P);
		int kind = (int)(i % 12);
		switch (kind) {
		case 0:
			break; /* valid */
		case 1:
			len = 64;
			break; /* short */
		case 2:
			P[65] = 0;
			len = 66;
			break; /* long */
		case 3:
			P[0] = (uint8_t)(2 + (i & 1));
			break; /* compressed prefix */
		case 4:
			P[0] = (uint8_t)(6 + (i & 1));
			break; /* hybrid prefix */
		case 5:
			P[0] = 0x00;
			break;
		case 6:
			P[1 + (i / 12) % 64] ^= (uint8_t)(1u << (i % 8));
			break; /* off curve */
		case 7:
			memcpy(P + 1, fp, 32);
			break; /* X = p */
		case 8:
			memcpy(P + 33, fp, 32);
			break; /* Y = p */
		case 9:
			memset(P + 1, 0xff, 32);
			break; /* X > p */
		case 10:
			memset(P, 0, 65);
			break; /* zeros */
		case 11:
			P[0] = 0x00;
			len = 1;
			break; /* SEC1 infinity */
		}
		xcheck_point *xp = NULL, *acc = NULL, *acc2 = NULL;
		qerr rc = xcheck_point_decode(&xp, P, len);
		int want = ossl_strict_ok(P, len);
		/* the in-place sum decodes alike: into nothing (it stays NULL
		 * when refused) and into a sum (left as it was when refused) */
		uint8_t G2[65], before[65], after[65];
		EC_POINT *g2 = rand_point(G2);
		cr_assert_eq(xcheck_point_add_enc(&acc, P, len), rc,
		             "kind %d: add_enc into nothing", kind);
		cr_assert((acc == NULL) == (rc != Q_OK));
		cr_assert_eq(xcheck_point_add_enc(&acc2, G2, 65), Q_OK);
		cr_assert_eq(xcheck_point_encode(before, acc2), Q_OK);
		cr_assert_eq(xcheck_point_add_enc(&acc2, P, len), rc, "kind %d: add_enc into a sum",
		             kind);
		if (rc != Q_OK) {
			cr_assert_eq(xcheck_point_encode(after, acc2), Q_OK);
			cr_assert(memcmp(before, after, 65) == 0,
			          "a refused point changed the sum");
		}
		xcheck_point_free(acc);
		xcheck_point_free(acc2);
		EC_POINT_free(g2);
		cr_assert_eq(rc == Q_OK, want, "kind %d iteration %ld: xcheck %d, openssl %d", kind,
		             i, rc, want);
		if (kind == 0)
			cr_assert(want);
		if (kind >= 7)
			cr_assert(!want);
		if (rc == Q_OK) {
			accepted++;
			cr_assert_eq(xcheck_point_encode(enc, xp), Q_OK);
			cr_assert(memcmp(enc, P, 65) == 0, "decode/encode round trip");
		} else {
			rejected++;
			cr_assert_eq(rc, Q_ERR_POINT);
			cr_assert_null(xp);
		}
		xcheck_point_free(xp);
		EC_POINT_free(p);
	}
	cr_assert(accepted > 0 || iters() < 12);
	cr_assert(rejected > 0 || iters() < 2);
}

Test(xcheck, lincomb_schnorr_style_equations)
{
	/* v*G - c*P == A with A = w*G, P = x*G, v = w + c*x (mod n). */
	long n = iters() / 4 > 0 ? iters() / 4 : 1;
	for (long i = 0; i < n; i++) {
		uint8_t v[32], c[32], Penc[65], Aenc[65], x[32], w[32];
		BIGNUM *xb = rand_scalar(x, i + 1), *wb = rand_scalar(w, i + 2);
		BIGNUM *cb = rand_scalar(c, i + 3), *vb = BN_new();
		EC_POINT *P = EC_POINT_new(grp), *A = EC_POINT_new(grp);
		if (BN_is_zero(xb))
			BN_one(xb);
		if (BN_is_zero(wb))
			BN_one(wb);
		cr_assert_eq(EC_POINT_mul(grp, P, xb, NULL, NULL, bnc), 1);
		cr_assert_eq(EC_POINT_mul(grp, A, wb, NULL, NULL, bnc), 1);
		cr_assert(ossl_enc(Penc, P) && ossl_enc(Aenc, A));
		cr_assert_eq(BN_mod_mul(vb, cb, xb, order, bnc), 1);
		cr_assert_eq(BN_mod_add(vb, vb, wb, order, bnc), 1);
		cr_assert_eq(BN_bn2binpad(vb, v, 32), 32);
		xcheck_term t[2] = {{v, NULL, 0}, {c, Penc, 1}};
		cr_assert_eq(xcheck_lincomb(t, 2, Aenc), Q_OK, "true equation rejected at %ld", i);
		/* a wrong response must fail */
		v[31] ^= 1;
		cr_assert_eq(xcheck_lincomb(t, 2, Aenc), Q_ERR_PROOF);
		v[31] ^= 1;
		/* the wrong sign must fail (unless c = 0) */
		t[1].negate = 0;
		if (!BN_is_zero(cb))
			cr_assert_eq(xcheck_lincomb(t, 2, Aenc), Q_ERR_PROOF);
		t[1].negate = 1;
		/* moving A to the left gives infinity */
		uint8_t one[32] = {0};
		one[31] = 1;
		xcheck_term t3[3] = {{v, NULL, 0}, {c, Penc, 1}, {one, Aenc, 1}};
		cr_assert_eq(xcheck_lincomb(t3, 3, NULL), Q_OK);
		cr_assert_eq(xcheck_lincomb(t3, 2, NULL), Q_ERR_PROOF);
		BN_free(xb), BN_free(wb), BN_free(cb), BN_free(vb);
		EC_POINT_free(P), EC_POINT_free(A);
	}
}

/* xcheck_lincomb_eval (Straus' method, 16 terms per chain of doublings)
 * equals OpenSSL's sum term by term: 1 to 40 terms (across the chunk
 * boundary), G terms (point NULL), negated terms, zero, small and n-1
 * scalars (rand_scalar), the same point twice (P + P inside a chunk).
 * Must fail: one scalar off by one, and a sum at infinity has no encoding
 * (Q_ERR_POINT). */
Test(xcheck, lincomb_eval_matches_openssl)
{
	long n = iters() / 40 > 0 ? iters() / 40 : 1;
	for (long it = 0; it < n; it++) {
		size_t count = 1 + (size_t)(it * 7 % 40);
		uint8_t sc[40][32], pt[40][65], out[65], want[65];
		xcheck_term t[40];
		EC_POINT *sum = EC_POINT_new(grp), *tp = EC_POINT_new(grp);
		cr_assert(sum && tp);
		cr_assert_eq(EC_POINT_set_to_infinity(grp, sum), 1);
		for (size_t i = 0; i < count; i++) {
			BIGNUM *k = rand_scalar(sc[i], it * 41 + (long)i + 1);
			EC_POINT *p = NULL;
			int g = i % 5 == 3;
			if (!g && i > 0 && i % 7 == 0 && (i - 1) % 5 != 3) {
				memcpy(pt[i], pt[i - 1], 65); /* the same point again */
				p = EC_POINT_new(grp);
				cr_assert_eq(EC_POINT_oct2point(grp, p, pt[i], 65, bnc), 1);
			} else if (!g) {
				p = rand_point(pt[i]);
			}
			t[i] = (xcheck_term){sc[i], g ? NULL : pt[i], (int)(i % 3 == 1)};
			cr_assert_eq(
			    EC_POINT_mul(grp, tp, g ? k : NULL, g ? NULL : p, g ? NULL : k, bnc),
			    1);
			if (t[i].negate)
				cr_assert_eq(EC_POINT_invert(grp, tp, bnc), 1);
			cr_assert_eq(EC_POINT_add(grp, sum, sum, tp, bnc), 1);
			BN_free(k);
			EC_POINT_free(p);
		}
		qerr e = xcheck_lincomb_eval(out, t, count);
		if (ossl_enc(want, sum)) {
			cr_assert_eq(e, Q_OK, "%zu terms: %s", count, qerr_str(e));
			cr_assert_eq(memcmp(out, want, 65), 0, "%zu terms: differs from OpenSSL",
			             count);
			cr_assert_eq(xcheck_lincomb(t, count, want), Q_OK);
			/* the last term's scalar off by one */
			uint8_t keep = sc[count - 1][31];
			sc[count - 1][31] ^= 1;
			if (xcheck_lincomb_eval(out, t, count) == Q_OK)
				cr_assert_neq(memcmp(out, want, 65), 0, "off by one not seen");
			sc[count - 1][31] = keep;
		} else {
			cr_assert_eq(e, Q_ERR_POINT);
		}
		EC_POINT_free(sum);
		EC_POINT_free(tp);
	}
	/* P - P: infinity, no encoding */
	uint8_t P[65], s[32], out[65];
	EC_POINT *p = rand_point(P);
	BIGNUM *k = rand_scalar(s, 5);
	xcheck_term t2[2] = {{s, P, 0}, {s, P, 1}};
	cr_assert_eq(xcheck_lincomb_eval(out, t2, 2), Q_ERR_POINT);
	BN_free(k);
	EC_POINT_free(p);
}

Test(xcheck, lincomb_rejects_malformed_inputs)
{
	uint8_t P[65], bad[65], k[32] = {0}, big[32];
	EC_POINT *p = rand_point(P);
	k[31] = 7;
	memset(big, 0xff, 32);
	memcpy(bad, P, 65);
	bad[64] ^= 1;
	xcheck_term t[1] = {{k, P, 0}};
	cr_assert_eq(xcheck_lincomb(t, 1, bad), Q_ERR_POINT);
	t[0].point = bad;
	cr_assert_eq(xcheck_lincomb(t, 1, P), Q_ERR_POINT);
	t[0].point = P;
	t[0].scalar = big;
	cr_assert_eq(xcheck_lincomb(t, 1, P), Q_ERR_SCALAR);
	cr_assert_eq(xcheck_lincomb(t, 0, P), Q_ERR_ARG);
	cr_assert_eq(xcheck_lincomb(NULL, 1, P), Q_ERR_ARG);
	EC_POINT_free(p);
}

Test(xcheck, sha256_matches_openssl)
{
	uint8_t *buf = malloc(5000);
	cr_assert_not_null(buf);
	for (long i = 0; i < iters(); i++) {
		uint8_t want[32], got[32];
		unsigned int wl = 32;
		size_t len = (size_t)(i < 130 ? i : (long)(buf[0] | buf[1] << 8) % 5000);
		cr_assert_eq(RAND_bytes(buf, 5000), 1);
		cr_assert_eq(EVP_Digest(buf, len, want, &wl, EVP_sha256(), NULL), 1);
		xcheck_sha256(got, buf, len);
		cr_assert(memcmp(got, want, 32) == 0, "length %zu", len);
	}
	free(buf);
	/* FIPS 180 "abc" */
	uint8_t d[32];
	size_t n;
	uint8_t *abc =
	    test_unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", &n);
	xcheck_sha256(d, "abc", 3);
	cr_assert(memcmp(d, abc, 32) == 0);
	free(abc);
}

/* The file form (V-14: a station record of any size, 64 KiB at a time):
 * the same digest as OpenSSL over the bytes, across read boundaries;
 * a missing file is Q_ERR_IO. */
Test(xcheck, sha256_file_matches_openssl)
{
	static const size_t sizes[] = {0, 1, 65535, 65536, 65537, 300001};
	char *dir = test_tmpdir(), path[1100];
	uint8_t *buf = malloc(300001);
	cr_assert_not_null(buf);
	cr_assert_eq(RAND_bytes(buf, 300001), 1);
	snprintf(path, sizeof path, "%s/f", dir);
	for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
		uint8_t want[32], got[32];
		unsigned int wl = 32;
		uint64_t len = 7;
		cr_assert_eq(test_write_file(path, buf, sizes[k]), 0);
		cr_assert_eq(EVP_Digest(buf, sizes[k], want, &wl, EVP_sha256(), NULL), 1);
		cr_assert_eq(xcheck_sha256_file(got, path, &len), Q_OK);
		cr_assert_eq(len, sizes[k]);
		cr_assert(memcmp(got, want, 32) == 0, "size %zu", sizes[k]);
	}
	snprintf(path, sizeof path, "%s/missing", dir);
	uint8_t d[32];
	cr_assert_eq(xcheck_sha256_file(d, path, NULL), Q_ERR_IO);
	free(buf);
	test_rmtree(dir);
	free(dir);
}

Test(xcheck, ed25519_verify_matches_openssl)
{
	long n = iters() / 2 > 0 ? iters() / 2 : 1;
	uint8_t msg[300];
	for (long i = 0; i < n; i++) {
		EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		EVP_MD_CTX *m = EVP_MD_CTX_new();
		uint8_t pk[32], sig[64];
		size_t pl = 32, sl = 64, len = (size_t)(i % 300);
		cr_assert(k && m);
		cr_assert_eq(RAND_bytes(msg, sizeof msg), 1);
		cr_assert_eq(EVP_PKEY_get_raw_public_key(k, pk, &pl), 1);
		cr_assert_eq(EVP_DigestSignInit(m, NULL, NULL, NULL, k), 1);
		cr_assert_eq(EVP_DigestSign(m, sig, &sl, msg, len), 1);
		cr_assert_eq(xcheck_ed25519_verify(pk, msg, len, sig), Q_OK, "valid sig, %ld", i);
		/* flip one bit of the signature, the message or the key */
		int where = (int)(i % 3);
		size_t pos = (size_t)(msg[0] | msg[1] << 8);
		if (where == 0)
			sig[pos % 64] ^= (uint8_t)(1u << (pos % 8));
		else if (where == 1 && len > 0)
			msg[pos % len] ^= (uint8_t)(1u << (pos % 8));
		else
			pk[pos % 32] ^= (uint8_t)(1u << (pos % 8));
		if (where == 1 && len == 0)
			sig[0] ^= 1;
		/* OpenSSL's own verdict on the modified input */
		EVP_PKEY *vk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk, 32);
		int ossl_ok = 0;
		if (vk != NULL) {
			EVP_MD_CTX *vm = EVP_MD_CTX_new();
			ossl_ok = EVP_DigestVerifyInit(vm, NULL, NULL, NULL, vk) == 1 &&
			          EVP_DigestVerify(vm, sig, 64, msg, len) == 1;
			EVP_MD_CTX_free(vm);
			EVP_PKEY_free(vk);
		}
		cr_assert_eq(ossl_ok, 0);
		cr_assert_eq(xcheck_ed25519_verify(pk, msg, len, sig), Q_ERR_SIGNATURE,
		             "modified input accepted at %ld (where %d)", i, where);
		EVP_MD_CTX_free(m);
		EVP_PKEY_free(k);
	}
}

Test(xcheck, ed25519_rfc8032_and_s_ge_L)
{
	size_t n;
	uint8_t *pk =
	    test_unhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", &n);
	uint8_t *sig =
	    test_unhex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
	               "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
	               &n);
	uint8_t msg = 0x72;
	cr_assert_eq(xcheck_ed25519_verify(pk, &msg, 1, sig), Q_OK);
	/* S + L is the same scalar mod L but non-canonical: must be rejected. */
	static const uint8_t L[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
	                              0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	                              0,    0,    0,    0,    0,    0,    0,    0,
	                              0,    0,    0,    0,    0,    0,    0,    0x10};
	unsigned carry = 0;
	for (int i = 0; i < 32; i++) {
		unsigned s = sig[32 + i] + L[i] + carry;
		sig[32 + i] = (uint8_t)s;
		carry = s >> 8;
	}
	cr_assert_eq(carry, 0);
	cr_assert_eq(xcheck_ed25519_verify(pk, &msg, 1, sig), Q_ERR_SIGNATURE);
	free(pk), free(sig);
}

/* A message past libgcrypt's S-expression limit is refused, not a crash
 * (libgcrypt 1.10 aborts on a 64 KiB value), and never reported valid. */
Test(xcheck, ed25519_long_message_refused_not_aborted)
{
	sig_secret sk;
	uint8_t pk[32], sig[64];
	size_t len = 70000;
	uint8_t *msg = calloc(1, len);
	cr_assert_not_null(msg);
	cr_assert_eq(sig_keygen(&sk, pk), Q_OK);
	cr_assert_eq(sig_sign(sig, &sk, msg, len), Q_OK);
	cr_assert_eq(sig_verify(pk, msg, len, sig), Q_OK);
	cr_assert_eq(xcheck_ed25519_verify(pk, msg, len, sig), Q_ERR_LIMIT);
	cr_assert_eq(xcheck_ed25519_verify(pk, msg, XCHECK_ED25519_MAX_MSG, sig), Q_ERR_SIGNATURE);
	cr_assert_eq(sig_sign(sig, &sk, msg, XCHECK_ED25519_MAX_MSG), Q_OK);
	cr_assert_eq(xcheck_ed25519_verify(pk, msg, XCHECK_ED25519_MAX_MSG, sig), Q_OK);
	sig_secret_wipe(&sk);
	free(msg);
}

/* No term limit (S-7.2): 2^20 + 2 terms (was refused over 2^20).  The
 * middle terms have zero scalars and share one point, so the test is
 * quick; the first and last are s*P and -(s)*P.  Must fail: the last
 * scalar off by one, or a malformed point as the very last term. */
Test(xcheck, lincomb_over_2_20_terms)
{
	const size_t n = ((size_t)1 << 20) + 2;
	uint8_t P[65], s[32], s1[32], zero[32] = {0}, bad[65];
	EC_POINT *p = rand_point(P);
	BIGNUM *k = rand_scalar(s, 1);
	xcheck_term *t = calloc(n, sizeof *t);
	cr_assert_not_null(t);
	cr_assert_eq(BN_add_word(k, 1), 1);
	cr_assert_eq(BN_bn2binpad(k, s1, 32), 32);
	for (size_t i = 0; i < n; i++)
		t[i] = (xcheck_term){zero, P, 0};
	t[0].scalar = s;
	t[n - 1] = (xcheck_term){s, P, 1};
	cr_assert_eq(xcheck_lincomb(t, n, NULL), Q_OK);
	t[n - 1].scalar = s1;
	cr_assert_eq(xcheck_lincomb(t, n, NULL), Q_ERR_PROOF, "last term off by one");
	t[n - 1].scalar = s;
	memcpy(bad, P, 65);
	bad[64] ^= 1;
	t[n - 1].point = bad;
	cr_assert_eq(xcheck_lincomb(t, n, NULL), Q_ERR_POINT, "malformed last point");
	free(t);
	BN_free(k);
	EC_POINT_free(p);
}

static void *ctx_thread(void *arg)
{
	uint8_t out[65], k[32] = {0};
	k[31] = 3;
	for (int i = 0; i < 20; i++)
		if (xcheck_mul_base65(out, k) != Q_OK)
			return NULL;
	return arg;
}

/* The libgcrypt EC context is made once per thread, not per call. */
Test(xcheck, ec_context_once_per_thread)
{
	uint8_t out[65], P[65], k[32] = {0};
	EC_POINT *p = rand_point(P);
	unsigned long before;
	pthread_t th[2];
	int arg = 1;
	k[31] = 5;
	cr_assert_eq(xcheck_mul65(out, k, P), Q_OK);
	before = xcheck_ctx_made;
	cr_assert_leq(before, 1);
	for (int i = 0; i < 50; i++) {
		xcheck_term t[2] = {{k, P, 0}, {k, P, 1}};
		cr_assert_eq(xcheck_mul65(out, k, P), Q_OK);
		cr_assert_eq(xcheck_add65(out, P, P), Q_OK);
		cr_assert_eq(xcheck_lincomb(t, 2, NULL), Q_OK);
	}
	cr_assert_eq(xcheck_ctx_made, before, "a context was made per call");
	for (int i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, ctx_thread, &arg), 0);
	for (int i = 0; i < 2; i++) {
		void *r;
		cr_assert_eq(pthread_join(th[i], &r), 0);
		cr_assert_eq(r, &arg);
	}
	cr_assert_eq(xcheck_ctx_made, before + 2, "one context per new thread");
	EC_POINT_free(p);
}

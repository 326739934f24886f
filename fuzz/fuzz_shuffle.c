/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_shuffle -- the mix-net's parsers (crypto/shuffle.h, C-8).
 *
 * The first input byte picks the target, the rest is the input:
 *   0: shuffle_proof_decode for n = 2, w = 1 and shuffle_verify against
 *      fixed lists: fuzzed bytes must never verify; a proof that decodes
 *      must re-encode to the same bytes
 *   1: namept_decode of two points decoded from the input (130 bytes): a
 *      name that decodes must encode back to the same points
 *   2: namept_encode of the input as a name (w = 2): a name that encodes
 *      must decode to the same bytes
 * Any successful verification of fuzzed bytes, or a round-trip mismatch,
 * aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/shuffle.h"
#include "fuzz.h"

static const uint8_t CTX[SHUFFLE_CTX_LEN] = {9};

static void need(int ok)
{
	if (!ok)
		abort();
}

/* K = 7G; inputs encrypt 1 and 2 with nonces 5 and 6; outputs the same
 * with nonces 8 and 9 (public test data). */
static void fixed(point *K, elgamal_ct **in, elgamal_ct **out)
{
	scalar *s = scalar_new();
	need(s != NULL && scalar_set_u64(s, 7) == Q_OK && point_mul_base(K, s) == Q_OK);
	for (uint64_t i = 0; i < 2; i++) {
		need(scalar_set_u64(s, 5 + i) == Q_OK &&
		     elgamal_encrypt_k(in[i], 1 + i, s, K) == Q_OK);
		need(scalar_set_u64(s, 8 + i) == Q_OK &&
		     elgamal_encrypt_k(out[i], 2 - i, s, K) == Q_OK);
	}
	scalar_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *in;
	size_t len;

	if (size < 1)
		return 0;
	in = data + 1;
	len = size - 1;
	switch (data[0] % 3) {
	case 0: {
		shuffle_proof *pf = NULL;
		if (shuffle_proof_decode(&pf, 2, 1, in, len) != Q_OK) {
			need(pf == NULL);
			break;
		}
		uint8_t *re = malloc(len);
		need(re != NULL && shuffle_proof_encode(re, len, pf) == Q_OK &&
		     memcmp(re, in, len) == 0);
		free(re);
		point *K = point_new();
		elgamal_ct *a[2] = {elgamal_ct_new(), elgamal_ct_new()};
		elgamal_ct *b[2] = {elgamal_ct_new(), elgamal_ct_new()};
		fixed(K, a, b);
		need(shuffle_verify(pf, CTX, K, (const elgamal_ct *const *)a,
		                    (const elgamal_ct *const *)b, 2, 1, NULL) != Q_OK);
		for (int i = 0; i < 2; i++) {
			elgamal_ct_free(a[i]);
			elgamal_ct_free(b[i]);
		}
		point_free(K);
		shuffle_proof_free(pf);
		break;
	}
	case 1: {
		point *p[2] = {point_new(), point_new()}, *q[2] = {point_new(), point_new()};
		uint8_t name[NAMEPT_MAX_BYTES(2) + 1];
		size_t nlen;
		if (len == 2 * POINT_LEN && point_decode(p[0], in, POINT_LEN) == Q_OK &&
		    point_decode(p[1], in + POINT_LEN, POINT_LEN) == Q_OK &&
		    namept_decode(name, &nlen, (const point *const *)p, 2) == Q_OK) {
			need(namept_encode(q, 2, name, nlen) == Q_OK && point_eq(p[0], q[0]) &&
			     point_eq(p[1], q[1]));
		}
		for (int i = 0; i < 2; i++) {
			point_free(p[i]);
			point_free(q[i]);
		}
		break;
	}
	default: {
		point *p[2] = {point_new(), point_new()};
		uint8_t name[NAMEPT_MAX_BYTES(2) + 1];
		size_t nlen;
		if (namept_encode(p, 2, in, len) == Q_OK)
			need(namept_decode(name, &nlen, (const point *const *)p, 2) == Q_OK &&
			     nlen == len && memcmp(name, in, len) == 0);
		point_free(p[0]);
		point_free(p[1]);
		break;
	}
	}
	return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_crypto -- the decoders of crypto/group.h, elgamal.h and proof.h,
 * and the verifiers fed with decoded garbage.
 *
 * The first input byte picks the target, the rest is the input:
 *   0: point_decode; a point that decodes must re-encode to the same bytes
 *   1: scalar_decode; likewise
 *   2: elgamal_ct_decode; likewise
 *   3: range_proof_decode (compact) for [0, 1] and range_verify against a
 *      fixed key and ciphertext: random bytes must never verify
 *   4: range_proof_decode_full for [0, 1] and range_batch_verify; likewise
 *   5: schnorr_proof_decode / cp_proof_decode and their verifiers
 * Any successful verification of fuzzed bytes, or a round-trip mismatch,
 * aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/proof.h"
#include "fuzz.h"

static const uint8_t CTX[PROOF_CTX_LEN] = {9};

/* A fixed key K = 7G and ciphertext of 1 with r = 5 (public test data). */
static void fixed(point *K, elgamal_ct *ct)
{
	scalar *s = scalar_new();
	if (s == NULL || scalar_set_u64(s, 7) != Q_OK || point_mul_base(K, s) != Q_OK ||
	    scalar_set_u64(s, 5) != Q_OK || elgamal_encrypt_k(ct, 1, s, K) != Q_OK)
		abort();
	scalar_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *in;
	size_t len;
	uint8_t out[ELGAMAL_CT_LEN];

	if (size < 1)
		return 0;
	in = data + 1;
	len = size - 1;
	switch (data[0] % 6) {
	case 0: {
		point *p = point_new();
		if (point_decode(p, in, len) == Q_OK) {
			if (point_encode(out, p) != Q_OK || len != POINT_LEN ||
			    memcmp(out, in, POINT_LEN) != 0)
				abort();
		} else if (!point_is_infinity(p)) {
			abort();
		}
		point_free(p);
		break;
	}
	case 1: {
		scalar *s = scalar_new();
		if (scalar_decode(s, in, len) == Q_OK) {
			scalar_encode(out, s);
			if (len != SCALAR_LEN || memcmp(out, in, SCALAR_LEN) != 0)
				abort();
		}
		scalar_free(s);
		break;
	}
	case 2: {
		elgamal_ct *ct = elgamal_ct_new();
		if (elgamal_ct_decode(ct, in, len) == Q_OK) {
			if (elgamal_ct_encode(out, ct) != Q_OK || len != ELGAMAL_CT_LEN ||
			    memcmp(out, in, ELGAMAL_CT_LEN) != 0)
				abort();
		}
		elgamal_ct_free(ct);
		break;
	}
	case 3:
	case 4: {
		point *K = point_new();
		elgamal_ct *ct = elgamal_ct_new();
		range_proof *pf = NULL;
		fixed(K, ct);
		if (data[0] % 6 == 3) {
			if (range_proof_decode(&pf, 0, 1, in, len) == Q_OK &&
			    range_verify(pf, CTX, K, NULL, ct, 0, 1) == Q_OK)
				abort();
		} else if (range_proof_decode_full(&pf, 0, 1, in, len) == Q_OK) {
			range_batch_item it = {pf, CTX, ct, NULL, 0, 1};
			if (range_batch_verify(&it, 1, K, NULL) == Q_OK)
				abort();
		}
		range_proof_free(pf);
		elgamal_ct_free(ct);
		point_free(K);
		break;
	}
	case 5: {
		point *K = point_new();
		elgamal_ct *ct = elgamal_ct_new();
		schnorr_proof *sp = schnorr_proof_new();
		cp_proof *cp = cp_proof_new();
		fixed(K, ct);
		if (schnorr_proof_decode(sp, in, len) == Q_OK && schnorr_verify(sp, CTX, K) == Q_OK)
			abort();
		if (cp_proof_decode(cp, in, len) == Q_OK &&
		    cp_verify(cp, CTX, K, ct->a, ct->b) == Q_OK)
			abort();
		schnorr_proof_free(sp);
		cp_proof_free(cp);
		elgamal_ct_free(ct);
		point_free(K);
		break;
	}
	}
	return 0;
}

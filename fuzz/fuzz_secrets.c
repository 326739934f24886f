/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_secrets -- the parsers of crypto/seal.h and crypto/xcheck.h.
 *
 * The first input byte picks the target, the rest is the input:
 *   0: open_with_passphrase (KDF cost clamped so the fuzzer stays fast)
 *   1: open_with_scalar with a fixed scalar
 *   2: open_aead with a fixed key
 *   3: differential: xcheck_point_decode (libgcrypt) and
 *      seal_p256_point_check (OpenSSL) must agree on every input, and a
 *      decoded point must re-encode to the same bytes.
 * Any disagreement or a plaintext returned for a forged input aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/seal.h"
#include "crypto/xcheck.h"
#include "fuzz.h"

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t scalar[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
	                                   12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
	                                   23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
	static const uint8_t key[32] = {42};
	secbuf *out = NULL;
	qerr rc;

	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		if (size - 1 >= SEAL_PASS_HEADER_LEN &&
		    (be32(data + 1 + 8) > 2 || be32(data + 1 + 12) > 64 || be32(data + 1 + 16) > 2))
			return 0; /* keep Argon2id cheap */
		rc = open_with_passphrase(&out, "pw", 2, data + 1, size - 1, NULL);
		if (rc == Q_OK)
			abort(); /* a forgery without the key: impossible */
		break;
	case 1:
		rc = open_with_scalar(&out, scalar, NULL, 0, data + 1, size - 1);
		if (rc == Q_OK)
			abort();
		break;
	case 2:
		rc = open_aead(&out, key, NULL, 0, data + 1, size - 1);
		if (rc == Q_OK)
			abort();
		break;
	default: {
		xcheck_point *p = NULL;
		uint8_t enc[65];
		qerr a = xcheck_point_decode(&p, data + 1, size - 1);
		qerr b = seal_p256_point_check(data + 1, size - 1);
		if ((a == Q_OK) != (b == Q_OK))
			abort();
		if (a == Q_OK &&
		    (xcheck_point_encode(enc, p) != Q_OK || memcmp(enc, data + 1, 65) != 0))
			abort();
		xcheck_point_free(p);
		break;
	}
	}
	if (out != NULL)
		abort();
	return 0;
}

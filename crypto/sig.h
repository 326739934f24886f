/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sig.h -- Ed25519 signatures (RFC 8032, pure Ed25519) over OpenSSL.
 *
 * Keys are raw: a 32-byte secret seed and a 32-byte public key.
 * The secret lives in a sig_secret, which callers wipe with
 * sig_secret_wipe() on every exit path.
 */
#ifndef QUORUM_SIG_H
#define QUORUM_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "qerr.h"

#define SIG_PUBLIC_LEN 32
#define SIG_SECRET_LEN 32
#define SIG_LEN 64

typedef struct sig_secret {
	uint8_t seed[SIG_SECRET_LEN];
} sig_secret;

/* Generate a fresh key pair from the CSPRNG.  On failure sk is wiped. */
Q_MUST_CHECK qerr sig_keygen(sig_secret *sk, uint8_t pk[SIG_PUBLIC_LEN]);

/* Derive the public key of a secret seed. */
Q_MUST_CHECK qerr sig_public(const sig_secret *sk, uint8_t pk[SIG_PUBLIC_LEN]);

/* Sign len bytes of msg.  On failure sig is zeroed. */
Q_MUST_CHECK qerr sig_sign(uint8_t sig[SIG_LEN], const sig_secret *sk, const void *msg, size_t len);

/* Verify: Q_OK if sig is a valid signature of msg under pk,
 * Q_ERR_SIGNATURE if not (including a malformed public key). */
Q_MUST_CHECK qerr sig_verify(const uint8_t pk[SIG_PUBLIC_LEN], const void *msg, size_t len,
                             const uint8_t sig[SIG_LEN]);

void sig_secret_wipe(sig_secret *sk);

/* The fingerprint people read out and compare (docs/spec/record.md ):
 * the first 16 bytes of SHA-256(pk) as 32 lower-case hex digits in 8
 * groups of 4 separated by single spaces, NUL-terminated (40 bytes). */
#define SIG_FP_BYTES 16
#define SIG_FP_TEXT 40
void sig_fingerprint(char out[SIG_FP_TEXT], const uint8_t pk[SIG_PUBLIC_LEN]);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * util.h -- the few helpers every module uses: wiping, fatal misuse,
 * constant-time comparison, randomness, hex and base64.
 */
#ifndef QUORUM_UTIL_H
#define QUORUM_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "qerr.h"

/* Wipe len bytes at p so the compiler cannot elide it (OPENSSL_cleanse). */
void wipe(void *p, size_t len);

/* Constant-time equality of two equal-length buffers: 1 if equal. */
int ct_equal(const void *a, const void *b, size_t len);

/* A programming error (not bad input): print and abort. */
__attribute__((noreturn, format(printf, 1, 2))) void qfatal(const char *fmt, ...);

/* Fill buf with len bytes from the OpenSSL CSPRNG. */
Q_MUST_CHECK qerr rand_bytes(void *buf, size_t len);

/* Lower-case hex.  hex_encode writes 2*len chars plus NUL to out
 * (out must hold 2*len+1).  hex_decode accepts exactly 2*outlen hex
 * digits (either case) in a string of length hexlen; anything else is
 * Q_ERR_ENCODING and out is zeroed. */
void hex_encode(char *out, const uint8_t *in, size_t len);
Q_MUST_CHECK qerr hex_decode(uint8_t *out, size_t outlen, const char *hex, size_t hexlen);

/* Standard base64 (RFC 4648 section 4) with '=' padding, no newlines.
 * b64_encode writes b64_encoded_len(len) chars plus NUL into out.
 * b64_decode is strict: canonical padding, no whitespace, no other
 * characters, non-zero unused bits rejected; on success *outlen is the
 * decoded length (out must hold b64_max_decoded_len(inlen)). */
size_t b64_encoded_len(size_t len);
size_t b64_max_decoded_len(size_t b64len);
void b64_encode(char *out, const uint8_t *in, size_t len);
Q_MUST_CHECK qerr b64_decode(uint8_t *out, size_t *outlen, const char *in, size_t inlen);

#endif

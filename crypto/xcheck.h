/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * xcheck.h -- an independent second implementation, over libgcrypt only,
 * of what observers' verification needs: P-256 point decoding, addition
 * and scalar multiplication, SHA-256 and Ed25519 verification.
 *
 * Purpose: an observer who does not trust the OpenSSL code path can
 * re-check every group equation and hash with different code (see
 * docs/spec/secrets.md S-7).  Nothing here touches OpenSSL.
 *
 * Encodings (shared with crypto/group.h): a scalar is 32 bytes big-endian
 * and must be < n (zero allowed); a point is 65-byte SEC1 uncompressed
 * 0x04 || X || Y, strictly: exact length, X, Y < p, on the curve.  The
 * point at infinity has no encoding; it may occur as an intermediate
 * xcheck_point value (e.g. 0*P or P + (-P)) but cannot be encoded.
 *
 * NOT constant-time: for public data only (verification), never secrets.
 * Thread-safe: each thread uses its own libgcrypt EC context, made on its
 * first call and released when the thread ends (not once per call).
 */
#ifndef QUORUM_XCHECK_H
#define QUORUM_XCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "qerr.h"

#define XCHECK_POINT_LEN 65
#define XCHECK_SCALAR_LEN 32

/* An opaque P-256 point (possibly infinity), owned by the caller. */
typedef struct xcheck_point xcheck_point;

/* Strict decode of len bytes: Q_OK and *out set; Q_ERR_POINT for a wrong
 * length, a prefix other than 0x04, X or Y >= p, or a point off the
 * curve; Q_ERR_NOMEM.  On failure *out is NULL. */
Q_MUST_CHECK qerr xcheck_point_decode(xcheck_point **out, const uint8_t *in, size_t len);

/* Encode as 65 bytes.  Q_ERR_POINT if p is infinity (out zeroed). */
Q_MUST_CHECK qerr xcheck_point_encode(uint8_t out[XCHECK_POINT_LEN], const xcheck_point *p);

/* 1 if p is the point at infinity, else 0. */
int xcheck_point_is_infinity(const xcheck_point *p);

/* *out = a + b (a new point; a == b and b == -a are handled). */
Q_MUST_CHECK qerr xcheck_point_add(xcheck_point **out, const xcheck_point *a,
                                   const xcheck_point *b);

/* *acc += the point in (len bytes, decoded strictly as by
 * xcheck_point_decode); *acc == NULL: it becomes that point (made here).
 * For sums of many points (verify-election's check 10, S-7): in place,
 * on scratch points kept in *acc, so that no point is allocated per call.
 * Q_ERR_POINT for a malformed encoding (then *acc is unchanged),
 * Q_ERR_ARG, Q_ERR_NOMEM. */
Q_MUST_CHECK qerr xcheck_point_add_enc(xcheck_point **acc, const uint8_t *in, size_t len);

/* *out = k*p; Q_ERR_SCALAR if k >= n. */
Q_MUST_CHECK qerr xcheck_point_mul(xcheck_point **out, const uint8_t k[XCHECK_SCALAR_LEN],
                                   const xcheck_point *p);

/* *out = k*G; Q_ERR_SCALAR if k >= n. */
Q_MUST_CHECK qerr xcheck_point_mul_base(xcheck_point **out, const uint8_t k[XCHECK_SCALAR_LEN]);

/* Release; xcheck_point_free(NULL) is a no-op. */
void xcheck_point_free(xcheck_point *p);

/* The same on 65-byte encodings.  Inputs are decoded strictly
 * (Q_ERR_POINT); a result at infinity is Q_ERR_POINT.  On failure out
 * is zeroed.  out may alias an input. */
Q_MUST_CHECK qerr xcheck_add65(uint8_t out[XCHECK_POINT_LEN], const uint8_t a[XCHECK_POINT_LEN],
                               const uint8_t b[XCHECK_POINT_LEN]);
Q_MUST_CHECK qerr xcheck_mul65(uint8_t out[XCHECK_POINT_LEN], const uint8_t k[XCHECK_SCALAR_LEN],
                               const uint8_t p[XCHECK_POINT_LEN]);
Q_MUST_CHECK qerr xcheck_mul_base65(uint8_t out[XCHECK_POINT_LEN],
                                    const uint8_t k[XCHECK_SCALAR_LEN]);

/* One term of a linear combination: (negate ? -1 : 1) * scalar * point,
 * where point == NULL means the generator G. */
typedef struct xcheck_term {
	const uint8_t *scalar; /* 32 bytes, < n */
	const uint8_t *point; /* 65 bytes, or NULL for G */
	int negate;
} xcheck_term;

/* Check  sum_i (+/-) s_i*P_i == Q  (S-7.2), by Straus' interleaved
 * method over libgcrypt's point addition and doubling (16 terms share one
 * chain of doublings).  q == NULL means Q is the
 * point at infinity.  Example, v*G - c*P == A:
 *   xcheck_term t[2] = {{v, NULL, 0}, {c, P, 1}};
 *   rc = xcheck_lincomb(t, 2, A);
 * Returns Q_OK if the equation holds, Q_ERR_PROOF if it does not,
 * Q_ERR_POINT / Q_ERR_SCALAR for a malformed input (checked before any
 * arithmetic), Q_ERR_ARG for count == 0 or NULL terms, Q_ERR_NOMEM.
 * No limit on count; memory does not grow with it (terms are streamed). */
Q_MUST_CHECK qerr xcheck_lincomb(const xcheck_term *terms, size_t count, const uint8_t *q);

/* *out = the encoding of sum_i (+/-) s_i*P_i (the same terms, checks and
 * arithmetic as xcheck_lincomb).  Q_ERR_POINT if the sum is the point at
 * infinity (no encoding) or a point is malformed, Q_ERR_SCALAR, Q_ERR_ARG,
 * Q_ERR_NOMEM; on failure out is zeroed. */
Q_MUST_CHECK qerr xcheck_lincomb_eval(uint8_t out[XCHECK_POINT_LEN], const xcheck_term *terms,
                                      size_t count);

/* SHA-256 (libgcrypt gcry_md). */
void xcheck_sha256(uint8_t out[32], const void *data, size_t len);

/* SHA-256 (libgcrypt) over bytes handed in pieces: for a reader that
 * hashes what it reads with its own SHA-256 too (verify-election's check 3
 * reading a station record, V-12 (2)); libgcrypt hashes every byte itself.
 * xcheck_sha256_new: NULL if memory ran out.  xcheck_sha256_final writes
 * the digest and frees h (NULL: nothing); xcheck_sha256_free (NULL: no-op)
 * frees h unfinished. */
typedef struct xcheck_sha256_ctx xcheck_sha256_ctx;
xcheck_sha256_ctx *xcheck_sha256_new(void);
void xcheck_sha256_update(xcheck_sha256_ctx *h, const void *data, size_t len);
void xcheck_sha256_final(xcheck_sha256_ctx *h, uint8_t out[32]);
void xcheck_sha256_free(xcheck_sha256_ctx *h);

/* SHA-256 (libgcrypt) of the file at path, read 64 KiB at a time (memory
 * does not grow with its size); *len (may be NULL) its size.  Q_ERR_IO,
 * Q_ERR_NOMEM. */
Q_MUST_CHECK qerr xcheck_sha256_file(uint8_t out[32], const char *path, uint64_t *len);

/* libgcrypt 1.10's S-expression builder aborts the process on a value of
 * 64 KiB or more (and misreports slightly below), so messages longer than
 * this are refused with Q_ERR_LIMIT before libgcrypt sees them. */
#define XCHECK_ED25519_MAX_MSG 65000u

/* Ed25519 (RFC 8032, pure) verification via gcry_pk_verify.  Also
 * rejects S >= L (RFC 8032 section 5.1.7 step 1) itself.  Q_OK if valid,
 * Q_ERR_LIMIT if len > XCHECK_ED25519_MAX_MSG (not checked: the caller
 * must report it as such), Q_ERR_SIGNATURE otherwise (including a
 * malformed public key). */
Q_MUST_CHECK qerr xcheck_ed25519_verify(const uint8_t pk[32], const void *msg, size_t len,
                                        const uint8_t sig[64]);

/* Tests: the number of libgcrypt EC contexts made so far (one per thread
 * that used this module). */
extern unsigned long xcheck_ctx_made;

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * group.h -- the NIST P-256 group: scalars mod n and curve points.
 *
 * Specification: docs/spec/crypto.md, section C-1.
 *
 * `scalar` is an integer in [0, n) (n = the prime order of P-256);
 * `point` is an element of the group (infinity included).  Both are opaque
 * heap objects wrapping an OpenSSL BIGNUM / EC_POINT over one shared,
 * lazily created (pthread_once) P-256 EC_GROUP.  Every function is
 * thread-safe as long as two threads do not write the same object.
 *
 * Encodings (C-1.2):
 *   scalar: exactly SCALAR_LEN = 32 bytes, big-endian, value < n.
 *   point:  exactly POINT_LEN = 65 bytes, SEC1 uncompressed 0x04 || X || Y,
 *           X, Y < p, on the curve; infinity has no encoding.
 * Uncompressed was chosen because decoding it costs ~0.5 us against
 * ~13.5 us for the compressed form (a square root).
 *
 * Conventions: every fallible function returns a qerr (Q_OK = 0).  On
 * failure an output object holds an unspecified but valid value (it can be
 * freed or overwritten); it never holds a partial secret of the caller's.
 * Output arguments may alias inputs unless said otherwise.  Passing NULL
 * where an object is required is a programming error (Q_ERR_ARG).
 * Every *_free(NULL) is a no-op.
 *
 * Constant time: scalar multiplication (point_mul_base, point_mul,
 * point_table_mul, and the multiplier of point_mul2 applied to G) uses
 * OpenSSL's constant-time P-256 ladder; scalar_inv is a constant-time
 * exponentiation.  scalar_add/sub/mul/neg are not guaranteed constant
 * time beyond what BIGNUM offers (BN_FLG_CONSTTIME is set on every scalar).
 * point_mul2 and point_msm are for public scalars (verification) only.
 * scalar_eq, scalar_is_zero and point_eq are for public values.
 */
#ifndef QUORUM_GROUP_H
#define QUORUM_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "qerr.h"

#define SCALAR_LEN 32
#define POINT_LEN 65

typedef struct scalar scalar;
typedef struct point point;
typedef struct point_table point_table;

/* ---- scalars (integers mod n) ---- */

/* A new scalar with value 0, or NULL if memory ran out. */
scalar *scalar_new(void);
/* Scalars live in ordinary heap memory (not mlocked; OpenSSL's secure heap
 * is not used, so a small secure heap cannot be exhausted by public
 * scalars).  Long-term secrets are kept in secure memory by their owner
 * (crypto/secbuf.h) and loaded into a scalar only for the operation.
 * Wipe (BN_clear_free) and free.  NULL is a no-op. */
void scalar_free(scalar *s);

Q_MUST_CHECK qerr scalar_copy(scalar *dst, const scalar *src);
/* dst = v mod n (v < 2^64 < n, so exactly v). */
Q_MUST_CHECK qerr scalar_set_u64(scalar *dst, uint64_t v);
/* dst = a fresh uniformly random value in [1, n) from the OpenSSL CSPRNG.
 * Q_ERR_CRYPTO if the RNG fails. */
Q_MUST_CHECK qerr scalar_random(scalar *dst);
/* As scalar_random for out[0..count-1] (distinct objects), drawing all the
 * bytes in one CSPRNG call (each call costs ~2 us whatever its size). */
Q_MUST_CHECK qerr scalar_random_many(scalar *const *out, size_t count);
/* Strict decode of exactly SCALAR_LEN big-endian bytes: len != 32 is
 * Q_ERR_ENCODING, a value >= n is Q_ERR_SCALAR (dst then holds 0).  Zero
 * is accepted; callers that ban zero check scalar_is_zero. */
Q_MUST_CHECK qerr scalar_decode(scalar *dst, const uint8_t *in, size_t len);
/* Write the 32-byte big-endian encoding.  Cannot fail. */
void scalar_encode(uint8_t out[SCALAR_LEN], const scalar *s);
/* r = a + b, a - b, a * b, -a (all mod n). */
Q_MUST_CHECK qerr scalar_add(scalar *r, const scalar *a, const scalar *b);
Q_MUST_CHECK qerr scalar_sub(scalar *r, const scalar *a, const scalar *b);
Q_MUST_CHECK qerr scalar_mul(scalar *r, const scalar *a, const scalar *b);
Q_MUST_CHECK qerr scalar_neg(scalar *r, const scalar *a);
/* r = a^-1 mod n, constant time (a^(n-2)).  Q_ERR_SCALAR if a = 0. */
Q_MUST_CHECK qerr scalar_inv(scalar *r, const scalar *a);
/* 1 if a == b, else 0 (public values; not constant time). */
int scalar_eq(const scalar *a, const scalar *b);
/* 1 if s == 0, else 0. */
int scalar_is_zero(const scalar *s);
/* dst = (32-byte digest read as a big-endian integer) mod n (C-1.3). */
Q_MUST_CHECK qerr scalar_from_hash(scalar *dst, const uint8_t digest[32]);

/* ---- points ---- */

/* A new point at infinity, or NULL if memory ran out. */
point *point_new(void);
void point_free(point *p);

Q_MUST_CHECK qerr point_copy(point *dst, const point *src);
/* Strict decode (C-1.2): len != 65 is Q_ERR_ENCODING; a first byte other
 * than 0x04 (compressed 0x02/0x03, hybrid 0x06/0x07, infinity 0x00) is
 * Q_ERR_ENCODING; X >= p or Y >= p, a point not on the curve, or infinity
 * is Q_ERR_POINT.  On failure dst is set to infinity. */
Q_MUST_CHECK qerr point_decode(point *dst, const uint8_t *in, size_t len);
/* Write the 65-byte uncompressed encoding.  Q_ERR_POINT if p is infinity
 * (out is then zeroed). */
Q_MUST_CHECK qerr point_encode(uint8_t out[POINT_LEN], const point *p);
Q_MUST_CHECK qerr point_set_infinity(point *p);
int point_is_infinity(const point *p);
/* 1 if a == b (as group elements), else 0. */
int point_eq(const point *a, const point *b);
/* r = a + b, a - b, -a. */
Q_MUST_CHECK qerr point_add(point *r, const point *a, const point *b);
Q_MUST_CHECK qerr point_sub(point *r, const point *a, const point *b);
Q_MUST_CHECK qerr point_neg(point *r, const point *a);
/* r = s*G (fixed base, OpenSSL's built-in table; ~6 us). */
Q_MUST_CHECK qerr point_mul_base(point *r, const scalar *s);
/* r = s*P (variable base; ~34 us). */
Q_MUST_CHECK qerr point_mul(point *r, const scalar *s, const point *p);
/* r = a*G + b*P (public scalars; one shared-doubling multiplication). */
Q_MUST_CHECK qerr point_mul2(point *r, const scalar *a, const scalar *b, const point *p);
/* r = G, the standard P-256 generator. */
Q_MUST_CHECK qerr point_generator(point *r);

/* r = g*G + sum_i s[i]*p[i] (g may be NULL for 0; count may be 0).
 * PUBLIC SCALARS AND POINTS ONLY: not constant time.  From
 * MSM_BUCKET_MIN (160) terms on, the bucket method of crypto/msm.c
 * (Pippenger, C-1.5); below, OpenSSL's EC_POINTs_mul. */
Q_MUST_CHECK qerr point_msm(point *r, const scalar *g, size_t count, const point *const *p,
                            const scalar *const *s);
/* The same from 65-byte encodings (enc[i]), skipping the conversion of
 * OpenSSL points: each encoding is checked as point_decode does
 * (Q_ERR_ENCODING / Q_ERR_POINT).  Public data only. */
Q_MUST_CHECK qerr point_msm_enc(point *r, const scalar *g, size_t count, const uint8_t *const *enc,
                                const scalar *const *s);
/* Sums of points given as 65-byte encodings, with msm.c's arithmetic and
 * one field inversion for all (PUBLIC DATA ONLY: not constant time):
 * group k is enc[end[k-1] .. end[k]) (end[-1] = 0); out[k] = the encoding
 * of its sum and is_inf[k] = 0, or out[k] zeroed and is_inf[k] = 1 for
 * infinity (which has no 65-byte encoding).  Each input is checked as
 * point_decode does (Q_ERR_ENCODING / Q_ERR_POINT, nothing written).
 * Q_ERR_NOMEM. */
Q_MUST_CHECK qerr point_sums_enc(uint8_t (*out)[POINT_LEN], uint8_t *is_inf,
                                 const uint8_t *const *enc, const size_t *end, size_t ngroups);
/* The encodings of sums of points, with msm.c's field arithmetic and one
 * field inversion for all (C-1.2; the prover's commitments, C-4.3, and a
 * ballot's ciphertexts, B-3): group k is p[end[k-1] .. end[k]) (end[-1] =
 * 0, none empty), added in the order given; out[k] = the encoding of its
 * sum.  For SECRET points too: the field arithmetic is branch-free and
 * the same for all values; an addition branches only when its two
 * operands are equal or opposite, which for the caller's points must
 * have negligible probability (the caller orders the terms so: e.g.
 * never P + (-P) on purpose).  Q_ERR_POINT if an operand or a sum is
 * infinity (out zeroed), Q_ERR_ARG, Q_ERR_NOMEM. */
Q_MUST_CHECK qerr point_sums_encode(uint8_t (*out)[POINT_LEN], const point *const *p,
                                    const size_t *end, size_t ngroups);
/* The reference: always OpenSSL's EC_POINTs_mul (tests and bench). */
Q_MUST_CHECK qerr point_msm_ref(point *r, const scalar *g, size_t count, const point *const *p,
                                const scalar *const *s);

/* ---- fixed-base table for a point other than G (e.g. the joint key K) ---- */

/* A precomputed multiplication table for base (~19 ms, ~150 KB).  NULL if
 * memory ran out, base is infinity, or OpenSSL failed.  The table keeps its
 * own copy of base; it is immutable after creation and may be shared by
 * threads. */
point_table *point_table_new(const point *base);
void point_table_free(point_table *t);
/* r = s*base, constant time in s. */
Q_MUST_CHECK qerr point_table_mul(point *r, const point_table *t, const scalar *s);
/* The table's base point (owned by the table). */
const point *point_table_base(const point_table *t);
/* The base point's 65-byte encoding, computed once (owned by the table). */
const uint8_t *point_table_encoding(const point_table *t);

#endif

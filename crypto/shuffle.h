/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * shuffle.h -- verifiable re-encryption mix-net (docs/spec/crypto.md C-8).
 *
 * A list of n tuples, each of width w ElGamal ciphertexts under the joint
 * key K, is permuted and re-encrypted:
 *     out[i][k] = in[pi(i)][k] + (r_{i,k}*G, r_{i,k}*K)          (C-8.2.1)
 * and a Terelius-Wikstrom proof of shuffle (C-8.3) shows that out is such a
 * permutation and re-encryption of in, without revealing pi or r.  A
 * tuple's w ciphertexts move together (one write-in slot: its 0/1 mark and
 * the points of its name, C-8.6).  The ciphertexts may be exponential
 * (m*G) or of a point (M): re-encryption is the same.
 *
 * Lists are flat arrays of n*w ciphertexts, tuple-major: ct[i*w + k].
 * Limits: 1 <= n <= SHUFFLE_MAX_N, 1 <= w <= SHUFFLE_MAX_W (Q_ERR_LIMIT).
 *
 * The proof's Fiat-Shamir challenges (C-8.3.2, C-8.3.8) bind the 32-byte
 * context ctx (C-2.4; the caller derives it from the election's base hash
 * and the mix's place, e.g. contest and mixer index), K, n, w, the input
 * and output lists and the permutation commitment.  The independent
 * generators H, h_1..h_n are derived from ctx (C-8.1).
 *
 * Errors: a proof that does not verify is Q_ERR_PROOF and the
 * shuffle_fail report names the failed equation(s) of C-8.4; a malformed
 * encoding Q_ERR_ENCODING (length) / Q_ERR_POINT / Q_ERR_SCALAR; n or w
 * different from the proof's Q_ERR_ARG.  shuffle_prove refuses
 * (Q_ERR_ARG) a witness that does not satisfy C-8.2.1, so no false proof
 * is produced.
 *
 * Secrets: the permutation, the re-encryption nonces r and every prover
 * nonce are secret and wiped on every path.  Every scalar multiplication
 * by a secret uses the constant-time ladders of group.h; the permutation
 * itself is applied by array indexing (its memory access pattern is not
 * hidden from a cache-timing observer on the mixing machine, C-8.3.10).
 * Verification is on public data only.
 */
#ifndef QUORUM_SHUFFLE_H
#define QUORUM_SHUFFLE_H

#include <stddef.h>
#include <stdint.h>

#include "elgamal.h"
#include "group.h"
#include "qerr.h"

#define SHUFFLE_CTX_LEN 32
#define SHUFFLE_MAX_N 1000000u
#define SHUFFLE_MAX_W 16u

/* Domain tags (C-2.3). */
#define TAG_SHUFFLE_GENERATOR "quorum/v1/shuffle/generator"
#define TAG_SHUFFLE_STATEMENT "quorum/v1/shuffle/statement"
#define TAG_SHUFFLE_U "quorum/v1/shuffle/u"
#define TAG_SHUFFLE_CHALLENGE "quorum/v1/shuffle/challenge"

/* Encoded proof length for n tuples of width w (C-8.5):
 * 65*(3n + 3 + 2w) + 32*(2n + 3 + w) bytes. */
#define SHUFFLE_PROOF_LEN(n, w)                                                                    \
	((size_t)POINT_LEN * (3 * (size_t)(n) + 3 + 2 * (size_t)(w)) +                             \
	 (size_t)SCALAR_LEN * (2 * (size_t)(n) + 3 + (size_t)(w)))

typedef struct shuffle_proof shuffle_proof;

/* The equations of C-8.4, as bits of shuffle_fail.mask. */
enum {
	SHUFFLE_EQ_SUM = 1u << 0, /* C-8.4.1  commitments sum to sum h_i   */
	SHUFFLE_EQ_PROD = 1u << 1, /* C-8.4.2  chain ends in prod u_j * H   */
	SHUFFLE_EQ_COMMIT = 1u << 2, /* C-8.4.3  u-weighted commitment      */
	SHUFFLE_EQ_ALPHA = 1u << 3, /* C-8.4.4  re-encryption, alpha parts  */
	SHUFFLE_EQ_BETA = 1u << 4, /* C-8.4.5  re-encryption, beta parts   */
	SHUFFLE_EQ_CHAIN = 1u << 5, /* C-8.4.6  one link of the chain       */
};

/* Why a proof failed: every failed equation's bit, and the first failure
 * named ("C-8.4.5 (k = 2)", "C-8.4.6 (i = 17)"; indices 1-based as in the
 * spec).  mask = 0 and what = "" when the proof verified or failed for a
 * reason other than an equation (encoding, arguments). */
typedef struct shuffle_fail {
	unsigned mask;
	char what[48];
} shuffle_fail;

/* h[0] = H, h[1..count-1] = h_1..h_{count-1}, derived from ctx by C-8.1
 * (try-and-increment hash to the curve).  h[] holds count allocated
 * points; count >= 1. */
Q_MUST_CHECK qerr shuffle_generators(point *const *h, size_t count,
                                     const uint8_t ctx[SHUFFLE_CTX_LEN]);

/* ct = (r*G, M + r*K): ElGamal of the point M (C-8.2.2).  r != 0
 * (Q_ERR_SCALAR); constant time in r. */
Q_MUST_CHECK qerr shuffle_encrypt_point(elgamal_ct *ct, const point *M, const scalar *r,
                                        const point_table *K);
/* out = in + (r*G, r*K) (C-8.2.1); out may alias in.  Constant time in r. */
Q_MUST_CHECK qerr shuffle_reencrypt(elgamal_ct *out, const elgamal_ct *in, const scalar *r,
                                    const point_table *K);

/* Mix: draw a uniform permutation pi and nonces r_{i,k} in [1, n_G),
 * write out[] (n*w allocated ciphertexts, distinct from in[]) by
 * C-8.2.1 and the proof in *proof (the caller frees it).  On failure
 * *proof is NULL and out[] holds unspecified ciphertexts. */
Q_MUST_CHECK qerr shuffle_mix(elgamal_ct *const *out, shuffle_proof **proof,
                              const uint8_t ctx[SHUFFLE_CTX_LEN], const point_table *K,
                              const elgamal_ct *const *in, size_t n, size_t w);

/* Prove for a given witness: out[i*w+k] = in[pi[i]*w+k] + (r[i*w+k]*G,
 * r[i*w+k]*K), pi a permutation of 0..n-1.  Checks the witness first
 * (Q_ERR_ARG if pi is not a permutation or an output does not match). */
Q_MUST_CHECK qerr shuffle_prove(shuffle_proof **proof, const uint8_t ctx[SHUFFLE_CTX_LEN],
                                const point_table *K, const elgamal_ct *const *in,
                                const elgamal_ct *const *out, size_t n, size_t w,
                                const uint32_t *pi, const scalar *const *r);

/* Verify (C-8.4).  Q_OK, or Q_ERR_PROOF with *why (if non-NULL) naming the
 * failed equations.  All equations are first checked together in one
 * randomly weighted multi-scalar multiplication (C-8.4.7); only if that
 * fails is each equation checked alone to name it. */
Q_MUST_CHECK qerr shuffle_verify(const shuffle_proof *pf, const uint8_t ctx[SHUFFLE_CTX_LEN],
                                 const point *K, const elgamal_ct *const *in,
                                 const elgamal_ct *const *out, size_t n, size_t w,
                                 shuffle_fail *why);

/* As shuffle_verify, from the bytes a verifier receives: the proof
 * (C-8.5), and the lists as n*w ciphertexts of ELGAMAL_CT_LEN bytes each
 * (C-1.2), decoded strictly (their errors, before any equation) and
 * hashed as received (the same bytes as re-encoding them; ~3.5 us per
 * point saved). */
Q_MUST_CHECK qerr shuffle_verify_bytes(const uint8_t *proof, size_t proof_len,
                                       const uint8_t ctx[SHUFFLE_CTX_LEN], const point *K,
                                       const uint8_t *in, const uint8_t *out, size_t n, size_t w,
                                       shuffle_fail *why);

void shuffle_proof_free(shuffle_proof *pf);
size_t shuffle_proof_n(const shuffle_proof *pf);
size_t shuffle_proof_w(const shuffle_proof *pf);
/* out holds SHUFFLE_PROOF_LEN(n, w) bytes (C-8.5).  Cannot fail on a
 * proof made by shuffle_prove/shuffle_mix/shuffle_proof_decode. */
Q_MUST_CHECK qerr shuffle_proof_encode(uint8_t *out, size_t len, const shuffle_proof *pf);
/* Strict decode for the given n, w: length (Q_ERR_ENCODING), every point
 * (point_decode), every scalar < n_G (Q_ERR_SCALAR). */
Q_MUST_CHECK qerr shuffle_proof_decode(shuffle_proof **pf, size_t n, size_t w, const uint8_t *in,
                                       size_t len);

/* ---- names as points (C-8.6) ---- */

/* Bytes carried by one point, and the longest name w points carry. */
#define NAMEPT_CHUNK 30u
#define NAMEPT_MAX_BYTES(w) (NAMEPT_CHUNK * (size_t)(w)-1)
/* The write-in slot's name width: 2 points, names of at most 59 bytes. */
#define NAMEPT_WIDTH 2u

/* pts[0..w-1] = the points encoding the UTF-8 name of len bytes (C-8.6).
 * Q_ERR_RANGE if len > NAMEPT_MAX_BYTES(w); Q_ERR_ENCODING if name is not
 * valid UTF-8 (C-8.6.1) or holds a NUL byte; 1 <= w <= SHUFFLE_MAX_W. */
Q_MUST_CHECK qerr namept_encode(point *const *pts, size_t w, const uint8_t *name, size_t len);
/* Inverse of namept_encode: out (NAMEPT_MAX_BYTES(w) + 1 bytes) receives
 * the name and a NUL, *len its length.  Strict: Q_ERR_ENCODING unless the
 * points are exactly namept_encode's output for some valid name. */
Q_MUST_CHECK qerr namept_decode(uint8_t *out, size_t *len, const point *const *pts, size_t w);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * elgamal.h -- exponential ElGamal over P-256 (docs/spec/crypto.md C-3).
 *
 * A ciphertext of m under the joint key K with nonce r is
 *     (a, b) = (r*G, m*G + r*K)
 * encoded as a || b: ELGAMAL_CT_LEN = 130 bytes (two C-1.2 points).
 * Ciphertexts add homomorphically; a sum is decrypted with k trustee
 * shares (threshold.h) to m*G, and m is recovered by baby-step giant-step
 * (elgamal_dlog).
 *
 * Secrets: the nonce r is secret (it opens the ciphertext); encryption
 * multiplies by r in constant time.  The caller owns r and wipes it
 * (scalar_free wipes).  The plaintext of a selection is secret too: for
 * m in {0, 1} encryption does the same operations for both values (the
 * result is picked by a pointer select); m >= 2 uses the constant-time
 * ladder for m*G.  range_encrypt_prove (proof.h) does the same total work
 * for every m in [lo, hi] (its branch order differs, which a local
 * cache-timing observer could see; total time does not).
 */
#ifndef QUORUM_ELGAMAL_H
#define QUORUM_ELGAMAL_H

#include <stddef.h>
#include <stdint.h>

#include "group.h"
#include "qerr.h"

#define ELGAMAL_CT_LEN (2 * POINT_LEN)

typedef struct elgamal_ct {
	point *a; /* alpha = r*G */
	point *b; /* beta  = m*G + r*K */
} elgamal_ct;

/* A new ciphertext, both points at infinity (the encryption of 0 with
 * r = 0: the neutral element for elgamal_add).  NULL if memory ran out. */
elgamal_ct *elgamal_ct_new(void);
void elgamal_ct_free(elgamal_ct *ct);
Q_MUST_CHECK qerr elgamal_ct_copy(elgamal_ct *dst, const elgamal_ct *src);
/* 130 bytes a || b.  Q_ERR_POINT if either point is infinity. */
Q_MUST_CHECK qerr elgamal_ct_encode(uint8_t out[ELGAMAL_CT_LEN], const elgamal_ct *ct);
/* Strict: len must be 130 (Q_ERR_ENCODING), each half a valid point
 * (point_decode's errors). */
Q_MUST_CHECK qerr elgamal_ct_decode(elgamal_ct *ct, const uint8_t *in, size_t len);

/* ct = (r*G, m*G + r*K) for the given nonce r, with K given by its table
 * (point_table_new(K)).  r must be non-zero (Q_ERR_SCALAR). */
Q_MUST_CHECK qerr elgamal_encrypt(elgamal_ct *ct, uint64_t m, const scalar *r,
                                  const point_table *K);
/* As elgamal_encrypt with a fresh random r; if r_out is non-NULL it
 * receives r (the caller needs it for the proofs). */
Q_MUST_CHECK qerr elgamal_encrypt_random(elgamal_ct *ct, uint64_t m, scalar *r_out,
                                         const point_table *K);
/* As elgamal_encrypt with K as a plain point (no table; ~30 us slower). */
Q_MUST_CHECK qerr elgamal_encrypt_k(elgamal_ct *ct, uint64_t m, const scalar *r, const point *K);
/* r = x + y (component-wise point addition). */
Q_MUST_CHECK qerr elgamal_add(elgamal_ct *r, const elgamal_ct *x, const elgamal_ct *y);
/* out = b - s*a: m*G when s is the whole secret key (tests; in production
 * the key is never whole and threshold_combine gives s*a). */
Q_MUST_CHECK qerr elgamal_decrypt_point(point *out, const elgamal_ct *ct, const scalar *s);

/* ---- discrete log of m*G for 0 <= m <= max_m, baby-step giant-step ---- */

typedef struct elgamal_dlog_table elgamal_dlog_table;

/* Build the baby-step table for values 0..max_m (C-3.3): B = about
 * sqrt(max_m / 2) + 1 baby steps j*G, j = 0..B, keyed by their X
 * coordinate; giant stride 2B+1.  max_m <= ELGAMAL_DLOG_MAX (Q_ERR_RANGE
 * otherwise).  For max_m = 10^7: 2,237 baby steps, ~600 KB, ~10 ms;
 * for 10^9: 22,361 baby steps, ~5 MB.
 * The table is immutable and may be shared by threads. */
#define ELGAMAL_DLOG_MAX UINT64_C(1000000000)
Q_MUST_CHECK qerr elgamal_dlog_table_new(elgamal_dlog_table **out, uint64_t max_m);
void elgamal_dlog_table_free(elgamal_dlog_table *t);
/* *m = the value in [0, max_m] with p = m*G.  Q_ERR_RANGE if there is none
 * (*m is then 0).  Worst case about B giant steps (~3 us each). */
Q_MUST_CHECK qerr elgamal_dlog(const elgamal_dlog_table *t, const point *p, uint64_t *m);

#endif

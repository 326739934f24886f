/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * threshold.h -- k-of-n threshold keys (docs/spec/crypto.md C-5).
 *
 * Each dealer d (a trustee) picks a secret polynomial
 *     P_d(x) = a_{d,0} + a_{d,1} x + ... + a_{d,k-1} x^(k-1)   (mod n)
 * publishes Feldman commitments C_{d,j} = a_{d,j}*G with a Schnorr proof
 * for each (proof.h), and gives trustee i (1-based, 1..n) the share
 * P_d(i).  Trustee i checks every share it receives (threshold_share_check)
 * and holds s_i = sum_d P_d(i).  Public:
 *     joint key           K   = sum_d C_{d,0}
 *     verification key    S_i = sum_d sum_j i^j * C_{d,j}   (= s_i*G)
 * Decryption of A: trustee i gives M_i = s_i*A (+ cp_prove with S_i); any k
 * distinct trustees in a set T combine M = sum_{i in T} lambda_i M_i with
 *     lambda_i = prod_{j in T, j != i} j / (j - i)   (mod n)
 * and m*G = beta - M.
 *
 * Indices are uint32_t in 1..n, n <= THRESHOLD_MAX_N, 1 <= k <= n.
 * Secrets: the polynomial coefficients and shares; threshold_poly_free
 * wipes them.  Share evaluation is not constant time in the (public)
 * index i.
 */
#ifndef QUORUM_THRESHOLD_H
#define QUORUM_THRESHOLD_H

#include <stddef.h>
#include <stdint.h>

#include "group.h"
#include "proof.h"
#include "qerr.h"

#define THRESHOLD_MAX_N 255u

typedef struct threshold_poly threshold_poly;

/* A new random polynomial of degree k-1 (k coefficients, each uniform in
 * [1, n)).  Q_ERR_ARG if k == 0 or k > THRESHOLD_MAX_N. */
Q_MUST_CHECK qerr threshold_poly_new(threshold_poly **out, uint32_t k);
/* Wipes the coefficients. */
void threshold_poly_free(threshold_poly *p);
uint32_t threshold_poly_k(const threshold_poly *p);
/* C[j] = a_j*G for j = 0..k-1 (C: k caller-allocated points). */
Q_MUST_CHECK qerr threshold_commitments(point *const *C, const threshold_poly *p);
/* Schnorr proof (C-4.1) of knowledge of a_j behind C_j = a_j*G (C-5.1.2). */
Q_MUST_CHECK qerr threshold_commitment_prove(schnorr_proof *pf, const uint8_t ctx[PROOF_CTX_LEN],
                                             const threshold_poly *p, uint32_t j);
/* share = P(i) for trustee index i >= 1 (Q_ERR_ARG for i = 0). */
Q_MUST_CHECK qerr threshold_share(scalar *share, const threshold_poly *p, uint32_t i);
/* out = sum_{j<k} i^j * C[j]  (the public image of P(i)). */
Q_MUST_CHECK qerr threshold_eval_commitments(point *out, uint32_t i, const point *const *C,
                                             uint32_t k);
/* Feldman check: Q_OK if share*G == sum_j i^j*C[j], Q_ERR_PROOF if not. */
Q_MUST_CHECK qerr threshold_share_check(const scalar *share, uint32_t i, const point *const *C,
                                        uint32_t k);
/* S_i = sum over ndealers dealers of sum_j i^j * C[d][j]
 * (C[d] is dealer d's array of k commitments). */
Q_MUST_CHECK qerr threshold_verification_key(point *S, uint32_t i, const point *const *const *C,
                                             size_t ndealers, uint32_t k);
/* K = sum_d C0[d] (C0[d] = dealer d's constant-term commitment). */
Q_MUST_CHECK qerr threshold_joint_key(point *K, const point *const *C0, size_t ndealers);
/* lambda = lambda_i for the set idx[0..m-1].  Q_ERR_ARG if any index is 0
 * or > n, indices repeat, i is not in the set, or m == 0. */
Q_MUST_CHECK qerr threshold_lagrange(scalar *lambda, uint32_t i, const uint32_t *idx, size_t m,
                                     uint32_t n);
/* M = sum_t lambda_{idx[t]} * Mi[t] over the m given partial decryptions
 * (same checks as threshold_lagrange).  The caller checks that m >= k
 * and verifies each Mi's Chaum-Pedersen proof first. */
Q_MUST_CHECK qerr threshold_combine(point *M, const uint32_t *idx, const point *const *Mi, size_t m,
                                    uint32_t n);

#endif

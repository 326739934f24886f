/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * shuffle_internal.h -- hooks for the must-fail tests of the mix-net
 * (tests/crypto/test_shuffle.c).  Not for production code: these make or
 * alter proofs that a verifier must reject.
 */
#ifndef QUORUM_SHUFFLE_INTERNAL_H
#define QUORUM_SHUFFLE_INTERNAL_H

#include "shuffle.h"

/* shuffle_prove without the witness check: pi need not be a permutation
 * (entries < n; an input may be used twice and another not at all) and
 * the outputs need not match.  Produces the proof an honest prover's
 * steps (C-8.3) give for that "witness", i.e. a cheating prover's best
 * effort, so that a test can see which equation of C-8.4 rejects it. */
Q_MUST_CHECK qerr shuffle_prove_unchecked(shuffle_proof **proof, const uint8_t ctx[SHUFFLE_CTX_LEN],
                                          const point_table *K, const elgamal_ct *const *in,
                                          const elgamal_ct *const *out, size_t n, size_t w,
                                          const uint32_t *pi, const scalar *const *r);

/* A cheating prover's choices: the commitment is to the sparse matrix
 * `commit` (entries M[j][i] = m, m NULL meaning 1; NULL: the map pi); the
 * responses use u'_i = sum_j M'[j][i] u_j for the matrix `resp` (NULL:
 * the commitment's); fake_chain_end replaces chat_n, after the chain is
 * built, by rhat*G + (prod_j u_j)*H for a fresh rhat the prover knows. */
typedef struct shuffle_entry {
	uint32_t j, i;
	const scalar *m;
} shuffle_entry;
typedef struct shuffle_cheat {
	const shuffle_entry *commit;
	size_t ncommit;
	const shuffle_entry *resp;
	size_t nresp;
	int fake_chain_end;
} shuffle_cheat;
Q_MUST_CHECK qerr shuffle_prove_cheat(shuffle_proof **proof, const uint8_t ctx[SHUFFLE_CTX_LEN],
                                      const point_table *K, const elgamal_ct *const *in,
                                      const elgamal_ct *const *out, size_t n, size_t w,
                                      const uint32_t *pi, const scalar *const *r,
                                      const shuffle_cheat *ch);

/* A proof's fields, for tampering: which = 0 c_i, 1 chat_i, 2 that_i,
 * 3 t4a_i, else t_1; scalars: 0 shat_i, 1 s'_i, 2 s4_i, else s_1. */
point *shuffle_proof_point_(shuffle_proof *pf, int which, size_t i);
scalar *shuffle_proof_scalar_(shuffle_proof *pf, int which, size_t i);

#endif

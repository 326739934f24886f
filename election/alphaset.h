/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * alphaset.h -- the set of ciphertext first components (alpha) seen in an
 * election record, for the rule that no alpha appears twice anywhere in
 * it: across ballots, contests and stations, cast or challenged
 * (docs/spec/ballot.md B-9).  Used by `quorum-tally tally` and by
 * `quorum-audit verify-election` check 4.
 *
 * Memory is small per alpha, so that a streaming verifier can keep it for
 * a whole election: each alpha (its 65-byte C-1.2 encoding) is kept as a
 * 16-byte fingerprint -- the first 16 bytes of SHA-256(alpha) -- with a
 * 64-bit place reference the caller chooses, in an open-addressing table
 * (linear probing, power-of-two capacity, at most half full): 24 bytes
 * per entry, at most 48 bytes per alpha.
 *
 * A fingerprint match is confirmed by the caller's `same` callback, which
 * compares the full 65 bytes of both alphas where the caller still holds
 * them (B-9.2); two distinct alphas with one fingerprint are then both
 * kept and never reported.  Without a callback an equal fingerprint is
 * taken as an equal alpha (B-9.2 bounds the chance of that mistake).
 *
 * Nothing here is secret and nothing is constant time.  Not thread-safe.
 * Ownership: alphaset_new's result is freed by alphaset_free (NULL-safe).
 */
#ifndef QUORUM_ELECTION_ALPHASET_H
#define QUORUM_ELECTION_ALPHASET_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/qerr.h"

#define ALPHASET_ALPHA_LEN 65
#define ALPHASET_FP_LEN 16

typedef struct alphaset alphaset;

/* 1 if the alpha added earlier at place `earlier` equals `alpha` byte for
 * byte, else 0 (a fingerprint collision). */
typedef int (*alphaset_same_fn)(void *ctx, uint64_t earlier,
                                const uint8_t alpha[ALPHASET_ALPHA_LEN]);

/* An empty set with room for `expected` alphas before it first grows
 * (0 is fine).  NULL if memory ran out. */
alphaset *alphaset_new(size_t expected);
void alphaset_free(alphaset *s);

/* Add alpha, found at place ref (any value but UINT64_MAX).
 * Q_OK: no equal alpha was added before; alpha is now in the set.
 * Q_ERR_EXISTS: an equal alpha was (same() confirmed it, or same is
 *   NULL); *earlier is the place of the first such, and alpha is not
 *   added again.
 * Q_ERR_NOMEM (the set is unchanged), Q_ERR_ARG. */
Q_MUST_CHECK qerr alphaset_add(alphaset *s, const uint8_t alpha[ALPHASET_ALPHA_LEN], uint64_t ref,
                               alphaset_same_fn same, void *ctx, uint64_t *earlier);

/* Alphas in the set. */
size_t alphaset_count(const alphaset *s);

#endif

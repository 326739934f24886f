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

/*
 * alphasort -- the same rule in memory bounded by a constant, for a
 * verifier that reads a record of any size one ballot at a time
 * (docs/spec/verify.md V-14): fixed-size items (a 16-byte key, a 16-byte
 * tag, a 64-bit place) are gathered in a buffer of at most mem bytes;
 * a full buffer is sorted (a radix sort on the key's first bytes) and
 * written to an unnamed temporary file as a sorted run; alphasort_dups
 * merges the runs (reading 64 KiB of each at a time) and reports every
 * item whose key equals an earlier one's.  Disk: 40 bytes per item.
 * Memory: mem + 64 KiB per run, and mem more while a run is sorted.
 *
 * For alphas the key is the B-9.1 fingerprint (alphasort_fingerprint)
 * and no fingerprint match is confirmed on the full 65 bytes (the
 * streaming verifier no longer holds them): B-9.2 bounds the chance that
 * two distinct alphas are taken for one.  With full = 1 the tag is part of
 * the key (e.g. a 32-byte tracking code split in two halves).
 *
 * Not thread-safe; nothing here is secret.
 */
#define ALPHASORT_KEY_LEN 16

typedef struct alphasort alphasort;

typedef struct alphasort_item {
	uint8_t key[ALPHASORT_KEY_LEN];
	uint8_t tag[ALPHASORT_KEY_LEN]; /* the caller's (e.g. a tracking code) */
	uint64_t ref; /* the caller's place */
} alphasort_item;

/* Items of one key are reported in ascending ref (then tag) order: each
 * item after the first of its key is reported beside that first one. */
typedef void (*alphasort_dup_fn)(void *ctx, const alphasort_item *first,
                                 const alphasort_item *later);

/* An empty sorter buffering at most mem bytes (0: 16 MiB; at least 4 KiB);
 * full: compare key and tag.  NULL if memory ran out. */
alphasort *alphasort_new(size_t mem, int full);
void alphasort_free(alphasort *s);

/* B-9.1 fingerprint of an alpha into key. */
void alphasort_fingerprint(uint8_t key[ALPHASORT_KEY_LEN], const uint8_t alpha[ALPHASET_ALPHA_LEN]);

/* Add one item.  Q_ERR_NOMEM, Q_ERR_IO (the temporary file), Q_ERR_STATE
 * after alphasort_dups. */
Q_MUST_CHECK qerr alphasort_add(alphasort *s, const uint8_t key[ALPHASORT_KEY_LEN],
                                const uint8_t tag[ALPHASORT_KEY_LEN], uint64_t ref);

/* Sort, merge and call fn for each repeated key; *ndup (may be NULL) the
 * number of calls.  Once only.  Q_ERR_NOMEM, Q_ERR_IO. */
Q_MUST_CHECK qerr alphasort_dups(alphasort *s, alphasort_dup_fn fn, void *ctx, uint64_t *ndup);

/* Instead of alphasort_dups: every item in sorted order (key, then tag
 * if full, then ref), one per call; *end = 1 (and *out unchanged) after
 * the last.  The first call sorts; memory stays within mem + 64 KiB per
 * run (the buffer is freed once the items are in runs).  Q_ERR_NOMEM,
 * Q_ERR_IO, Q_ERR_STATE after alphasort_dups. */
Q_MUST_CHECK qerr alphasort_next(alphasort *s, alphasort_item *out, int *end);

/* Items added; runs written to the temporary file so far. */
uint64_t alphasort_count(const alphasort *s);
size_t alphasort_runs(const alphasort *s);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * proof.h -- non-interactive zero-knowledge proofs (docs/spec/crypto.md C-4).
 *
 * All three are Fiat-Shamir sigma protocols whose challenge is
 * transcript_challenge (C-2) over, in this order: the proof's domain tag,
 * the 32-byte context hash `ctx` (the election's base hash, or a hash the
 * caller derives from it to bind more context, e.g. trustee and
 * coefficient index), the public key(s), the statement, the commitments.
 *
 *   Schnorr (C-4.1):        knowledge of a with C = a*G.       (c, u)
 *   Chaum-Pedersen (C-4.2): log_G S = log_A M (= s).          (c, v)
 *   Range (C-4.3):          ciphertext (alpha, beta) under K encrypts some
 *                           m in [lo, hi] (CDS disjunction).  (c_j, v_j),
 *                           j = lo..hi
 *
 * Encodings (fixed layouts, scalars per C-1.2):
 *   Schnorr:        c || u                          SCHNORR_PROOF_LEN = 64
 *   Chaum-Pedersen: c || v                          CP_PROOF_LEN = 64
 *   Range [lo,hi]:  c_lo || v_lo || ... || c_hi || v_hi
 *                                                   RANGE_PROOF_LEN(hi-lo)
 * The range [lo, hi] is not in the encoding: the verifier knows it from
 * the manifest and passes it to range_proof_decode.
 *
 * Errors: a proof that does not verify is Q_ERR_PROOF; a malformed
 * encoding Q_ERR_ENCODING (length) or Q_ERR_SCALAR (a scalar >= n); a
 * statement point at infinity Q_ERR_POINT.  Provers fail with Q_ERR_ARG
 * when the witness does not satisfy the statement (e.g. m outside
 * [lo, hi]), so no false proof is ever produced.
 *
 * Secrets: witnesses (a, s, r) and the provers' nonces w are secret;
 * nonces are wiped on every path.  Verification is on public data only.
 *
 * Constant time: range_prove and range_encrypt_prove run the same
 * operations, branches and memory accesses whatever the vote m and
 * whichever branch is the true one (C-4.3.11); this includes
 * range_prove's witness re-check and range_encrypt_prove's encryption
 * (C-3.1.3).  bench/bench_ct measures it (C-6.1).  Errors for m outside
 * [lo, hi] return early (bad input, not a secret).
 */
#ifndef QUORUM_PROOF_H
#define QUORUM_PROOF_H

#include <stddef.h>
#include <stdint.h>

#include "elgamal.h"
#include "group.h"
#include "qerr.h"

#define PROOF_CTX_LEN 32

/* ---- Schnorr proof of knowledge (C-4.1) ---- */

#define SCHNORR_PROOF_LEN (2 * SCALAR_LEN)

typedef struct schnorr_proof {
	scalar *c;
	scalar *u;
} schnorr_proof;

schnorr_proof *schnorr_proof_new(void);
void schnorr_proof_free(schnorr_proof *pf);
void schnorr_proof_encode(uint8_t out[SCHNORR_PROOF_LEN], const schnorr_proof *pf);
Q_MUST_CHECK qerr schnorr_proof_decode(schnorr_proof *pf, const uint8_t *in, size_t len);
/* Prove knowledge of a with C = a*G.  Q_ERR_ARG if C != a*G. */
Q_MUST_CHECK qerr schnorr_prove(schnorr_proof *pf, const uint8_t ctx[PROOF_CTX_LEN], const point *C,
                                const scalar *a);
Q_MUST_CHECK qerr schnorr_verify(const schnorr_proof *pf, const uint8_t ctx[PROOF_CTX_LEN],
                                 const point *C);

/* ---- Chaum-Pedersen equal discrete logs (C-4.2) ---- */

#define CP_PROOF_LEN (2 * SCALAR_LEN)

typedef struct cp_proof {
	scalar *c;
	scalar *v;
} cp_proof;

cp_proof *cp_proof_new(void);
void cp_proof_free(cp_proof *pf);
void cp_proof_encode(uint8_t out[CP_PROOF_LEN], const cp_proof *pf);
Q_MUST_CHECK qerr cp_proof_decode(cp_proof *pf, const uint8_t *in, size_t len);
/* Prove S = s*G and M = s*A (a partial decryption M of A by the holder of
 * verification key S).  Q_ERR_ARG if either equation does not hold. */
Q_MUST_CHECK qerr cp_prove(cp_proof *pf, const uint8_t ctx[PROOF_CTX_LEN], const point *S,
                           const point *A, const point *M, const scalar *s);
Q_MUST_CHECK qerr cp_verify(const cp_proof *pf, const uint8_t ctx[PROOF_CTX_LEN], const point *S,
                            const point *A, const point *M);

/* ---- disjunctive range proof: ciphertext encrypts m in [lo, hi] (C-4.3) ---- */

/* hi - lo may be at most RANGE_PROOF_MAX_SPAN (Q_ERR_RANGE otherwise). */
#define RANGE_PROOF_MAX_SPAN 1023u
#define RANGE_PROOF_LEN(span) (((size_t)(span) + 1) * 2 * SCALAR_LEN)

/* With commitments (C-4.3.9): per branch a_j || b_j || c_j || v_j. */
#define RANGE_PROOF_FULL_LEN(span) (((size_t)(span) + 1) * (2 * POINT_LEN + 2 * SCALAR_LEN))

typedef struct range_proof {
	uint64_t lo, hi;
	size_t count; /* hi - lo + 1 */
	scalar **c; /* c[j - lo] */
	scalar **v; /* v[j - lo] */
	/* Commitments: commit = their encodings a_lo || b_lo || ...
	 * (count * 130 bytes), present after range_prove /
	 * range_encrypt_prove / range_proof_decode_full, else NULL.  ca, cb
	 * (points) are always NULL: the provers make the encodings alone
	 * (one field inversion for all, C-4.3.11) and the verifiers read
	 * nothing else; kept so that code freeing them still builds. */
	point **ca;
	point **cb;
	uint8_t *commit;
} range_proof;

/* A proof for [lo, hi] with all scalars 0.  NULL if memory ran out or the
 * range is invalid (lo > hi or hi - lo > RANGE_PROOF_MAX_SPAN). */
range_proof *range_proof_new(uint64_t lo, uint64_t hi);
void range_proof_free(range_proof *pf);
/* out must hold RANGE_PROOF_LEN(pf->hi - pf->lo) bytes. */
void range_proof_encode(uint8_t *out, const range_proof *pf);
/* Decode a proof for the range the caller expects: *out is a new proof
 * (NULL on failure).  Q_ERR_RANGE for an invalid range, Q_ERR_ENCODING if
 * len != RANGE_PROOF_LEN(hi - lo), Q_ERR_SCALAR for a scalar >= n. */
Q_MUST_CHECK qerr range_proof_decode(range_proof **out, uint64_t lo, uint64_t hi, const uint8_t *in,
                                     size_t len);
/* The full encoding with commitments (RANGE_PROOF_FULL_LEN(hi - lo)
 * bytes).  Q_ERR_STATE if pf has no commitments. */
Q_MUST_CHECK qerr range_proof_encode_full(uint8_t *out, const range_proof *pf);
/* Strict decode of the full encoding; every commitment must be a valid
 * point (point_decode's errors: Q_ERR_ENCODING for a prefix other than
 * 0x04, Q_ERR_POINT for a coordinate >= p or a point off the curve),
 * every scalar < n.  The commitments are kept as encodings (commit); ca
 * and cb stay NULL. */
Q_MUST_CHECK qerr range_proof_decode_full(range_proof **out, uint64_t lo, uint64_t hi,
                                          const uint8_t *in, size_t len);
/* Prove that ct = (r*G, m*G + r*K) with lo <= m <= hi.  *out is a new
 * proof.  Q_ERR_ARG if m is outside [lo, hi] or ct is not (r*G, m*G + r*K)
 * (no proof is made).  A contest total is proved with r = the sum of its
 * selections' nonces. */
Q_MUST_CHECK qerr range_prove(range_proof **out, const uint8_t ctx[PROOF_CTX_LEN],
                              const point_table *K, const elgamal_ct *ct, uint64_t m,
                              const scalar *r, uint64_t lo, uint64_t hi);
/* range_prove for a ciphertext its caller has just made itself from (m,
 * r) (ballot_encrypt, B-3): no witness re-check (a ciphertext that r, m
 * do not open would give a proof that does not verify), and ct_enc, if
 * not NULL, is ct's encoding alpha || beta (ELGAMAL_CT_LEN bytes), not
 * computed again.  The same proof as range_prove for the same random
 * bytes; constant time in m as range_prove. */
Q_MUST_CHECK qerr range_prove_own(range_proof **out, const uint8_t ctx[PROOF_CTX_LEN],
                                  const point_table *K, const elgamal_ct *ct, const uint8_t *ct_enc,
                                  uint64_t m, const scalar *r, uint64_t lo, uint64_t hi);
/* range_prove_own for n proofs at once (a ballot's, B-3): the same proofs
 * as n calls in this order, with the same random bytes, but all their
 * points encoded with one field inversion.  On failure every *out is
 * NULL (the first argument error is returned before any work). */
typedef struct range_prove_job {
	range_proof **out;
	const uint8_t *ctx; /* PROOF_CTX_LEN bytes */
	const elgamal_ct *ct;
	const uint8_t *ct_enc; /* ct's encoding, or NULL */
	uint64_t m;
	const scalar *r;
	uint64_t lo, hi;
} range_prove_job;
Q_MUST_CHECK qerr range_prove_own_many(const point_table *K, const range_prove_job *jobs, size_t n);
/* Encrypt m under K with a fresh nonce and prove m in [lo, hi] in one go
 * (the ballot path: cheaper than elgamal_encrypt_random + range_prove,
 * which re-checks the witness).  ct receives the ciphertext, *out a new
 * proof, r_out (if non-NULL) the nonce.  Q_ERR_ARG if m is outside
 * [lo, hi]; on failure *out is NULL and ct unspecified. */
Q_MUST_CHECK qerr range_encrypt_prove(elgamal_ct *ct, range_proof **out, scalar *r_out,
                                      const uint8_t ctx[PROOF_CTX_LEN], const point_table *K,
                                      uint64_t m, uint64_t lo, uint64_t hi);
/* Verify pf for ct under K by recomputing the commitments (C-4.3.6-8);
 * deterministic; ignores published commitments (for a proof that carries
 * them, range_batch_verify with count = 1 is ~40% faster).  pf->lo/hi
 * must equal lo/hi (Q_ERR_PROOF otherwise).  K_table may be NULL (then K
 * is used directly, slower); if non-NULL it must be the table of K. */
Q_MUST_CHECK qerr range_verify(const range_proof *pf, const uint8_t ctx[PROOF_CTX_LEN],
                               const point *K, const point_table *K_table, const elgamal_ct *ct,
                               uint64_t lo, uint64_t hi);

/* ---- batch verification of range proofs with commitments (C-4.3.10) ---- */

typedef struct range_batch_item {
	/* must carry commitments; the batch reads their encodings
	 * (pf->commit, the hashed bytes), not the objects pf->ca / pf->cb */
	const range_proof *pf;
	const uint8_t *ctx; /* PROOF_CTX_LEN bytes */
	const elgamal_ct *ct; /* may be NULL when ct_enc is given */
	/* optional: ct's 130-byte encoding (saves re-encoding); if given it
	 * is what the batch hashes and multiplies, so it must be ct's */
	const uint8_t *ct_enc;
	uint64_t lo, hi;
} range_batch_item;

/* Verify count proofs at once: each challenge is checked from the
 * published commitments, then all verification equations are combined
 * with random 128-bit weights into one multi-scalar multiplication.
 * Q_OK if every proof is valid; Q_ERR_PROOF if at least one is not (the
 * caller may then use range_verify on each to find which; false accept
 * probability <= 2^-127).  Q_ERR_STATE if a proof has no commitments.
 * K_table may be NULL; if given it must be the table of K. */
Q_MUST_CHECK qerr range_batch_verify(const range_batch_item *items, size_t count, const point *K,
                                     const point_table *K_table);
/* The same, where some items' ciphertexts are sums of others' (a group's
 * or a contest's total, B-3.2/B-3.3): if nparts[i] > 0, items[i].ct is the
 * sum of the ciphertexts of the items parts[i][k] places before it (each
 * >= 1; the caller guarantees the sum).  The batch then adds item i's
 * alpha and beta coefficients to theirs instead of multiplying its own
 * points (C-4.3.10); its ct is still what is hashed.  A part outside
 * items[0..i) or with parts itself: item i is taken on its own.  parts and
 * nparts may be NULL (none). */
Q_MUST_CHECK qerr range_batch_verify_sums(const range_batch_item *items, size_t count,
                                          const point *K, const point_table *K_table,
                                          const uint32_t *const *parts, const uint32_t *nparts);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ballot.h -- encrypted ballots: encryption with proofs, the canonical
 * byte encoding, the JSON form, the tracking code, verification, and the
 * opening of a challenged (Benaloh) ballot.  Spec: docs/spec/ballot.md
 * (sections B-1 to B-7); the proofs are docs/spec/crypto.md C-3, C-4.3.
 *
 * A ballot style lists, in manifest order, the balloted contests: each
 * has noptions options (one 0/1 selection each), a limit [min_sel,
 * max_sel] on the number of selections, and optionally groups of options
 * (an evaluation: one group per member) each limited to 0..1.
 *
 * A ballot holds, per contest: per option an exponential ElGamal
 * ciphertext under the joint key K and a range proof that it encrypts 0
 * or 1 (with its commitments, C-4.3.9); per group a range proof that the group's sum is 0 or 1; and
 * a range proof that the contest's sum is in [min_sel, max_sel].  Every proof's context hash binds
 * the style's base hash, the ballot's identity (the hash of all its ciphertexts, B-3.0) and the
 * proof's place (contest, option or group index), so that no ciphertext or proof can be moved to
 * another ballot or another place (B-3.4).
 *
 * Secrets: marks (the voter's choices) and nonces are secret until a
 * challenge opens them.  ballot_opening holds both and is wiped by
 * ballot_opening_free; callers wipe their own marks buffers.
 * Everything else here is public.  Nothing is constant time except the
 * scalar multiplications inside elgamal/proof.
 *
 * Ownership: every *_new/_decode output is owned by the caller and freed
 * by the matching *_free, each of which accepts NULL.
 */
#ifndef QUORUM_ELECTION_BALLOT_H
#define QUORUM_ELECTION_BALLOT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/proof.h"
#include "crypto/qerr.h"
#include "crypto/shuffle.h"

#define BALLOT_CODE_LEN 32
#define BALLOT_HASH_LEN 32
#define BALLOT_MAX_CONTESTS 64
#define BALLOT_MAX_OPTIONS 64 /* per contest */
#define BALLOT_TAG_TRACKING "quorum/v1/ballot/tracking-code"
/* B-3.0, B-3.4: the ballot identity and the three proof contexts. */
#define BALLOT_ID_LEN 32
#define BALLOT_TAG_ID "quorum/v2/ballot/ciphertexts"
#define BALLOT_TAG_SELECTION "quorum/v2/ballot/selection"
#define BALLOT_TAG_GROUP "quorum/v2/ballot/group"
#define BALLOT_TAG_CONTEST "quorum/v2/ballot/contest"
/* B-10: write-in slots. */
#define BALLOT_MAX_WRITEIN 5u
#define BALLOT_TAG_WRITEIN "quorum/v2/ballot/write-in"
/* B-10.3: per slot, NAMEPT_WIDTH name ciphertexts and as many Schnorr proofs. */
#define BALLOT_NAME_LEN (NAMEPT_WIDTH * (ELGAMAL_CT_LEN + SCHNORR_PROOF_LEN))

typedef struct ballot_contest_style {
	uint32_t noptions; /* 1..BALLOT_MAX_OPTIONS */
	uint32_t min_sel, max_sel; /* min_sel <= max_sel <= noptions */
	uint32_t ngroups; /* 0, or the number of 0..1 groups */
	uint32_t *group; /* noptions entries < ngroups (NULL when ngroups = 0) */
	/* B-10.1: the last nwritein options are write-in slots (0..BALLOT_MAX_WRITEIN,
	 * <= max_sel, no groups); each carries a name (B-10.2). */
	uint32_t nwritein;
} ballot_contest_style;

typedef struct ballot_style {
	uint8_t base_hash[BALLOT_HASH_LEN]; /* proof context (B-3) */
	size_t ncontests;
	ballot_contest_style *contests;
	size_t total_options; /* sum of noptions */
	size_t total_writein; /* sum of nwritein */
} ballot_style;

/* A style of ncontests contests whose fields the caller then fills in
 * (style->contests[i]), then ballot_style_check.  group arrays are
 * allocated with ballot_style_set_groups.  NULL if memory ran out. */
ballot_style *ballot_style_new(size_t ncontests, const uint8_t base_hash[BALLOT_HASH_LEN]);
/* Give contest i groups: group[j] for each of its noptions options
 * (copied).  Q_ERR_ARG if a value >= ngroups. */
Q_MUST_CHECK qerr ballot_style_set_groups(ballot_style *st, size_t i, uint32_t ngroups,
                                          const uint32_t *group);
/* Validate the limits above and compute total_options.  Q_ERR_RANGE
 * with why (may be NULL) naming the contest. */
Q_MUST_CHECK qerr ballot_style_check(ballot_style *st, char *why, size_t whylen);
/* The length in bytes of the B-2 encoding of every ballot of style st
 * (all ballots of a style have the same length; docs/spec/ballot.md B-2),
 * and of its opening (B-6: one mark byte and one 32-byte nonce per
 * option).  0 for NULL. */
size_t ballot_style_encoded_len(const ballot_style *st);
size_t ballot_style_opening_len(const ballot_style *st);

/* ---- where the ciphertexts are in the B-2 encoding (one implementation
 * of the layout for the station, the tally and the verifier) ---- */

/* The number of ciphertexts of a ballot of style st: total_options
 * selections, then NAMEPT_WIDTH name ciphertexts per write-in slot
 * (B-3.0, B-10.4).  0 for NULL. */
size_t ballot_style_nct(const ballot_style *st);
/* off[t] (t < ballot_style_nct(st), the caller's array) = the byte offset
 * in the B-2 encoding where ciphertext t starts (ELGAMAL_CT_LEN bytes,
 * alpha first), in the order of the ballot identity (B-3.0, B-10.4): every
 * selection in B-2 order (contest 0's options, then contest 1's, ...),
 * then every name ciphertext (contest by contest, slot by slot, point by
 * point).  So off[0 .. total_options) are the selections and the rest the
 * names.  Returns the B-2 length (ballot_style_encoded_len); 0 for NULL. */
size_t ballot_style_ct_offsets(const ballot_style *st, size_t *off);
/* The place of ciphertext t of ballot_style_ct_offsets: its contest and,
 * for a selection (slot == UINT32_MAX), its option; for a name ciphertext,
 * its write-in slot (0-based within the contest) and point k (0-based).
 * Q_ERR_ARG for t out of range. */
typedef struct ballot_ct_place {
	uint32_t contest;
	uint32_t option; /* a selection: its option (B-3 index); a name: the slot's option */
	uint32_t slot; /* UINT32_MAX for a selection */
	uint32_t point; /* a name: 0 .. NAMEPT_WIDTH - 1 */
} ballot_ct_place;
Q_MUST_CHECK qerr ballot_style_ct_place(const ballot_style *st, size_t t, ballot_ct_place *pl);
void ballot_style_free(ballot_style *st);

typedef struct ballot_selection {
	elgamal_ct *ct;
	range_proof *proof; /* [0, 1] */
} ballot_selection;

/* B-10.2: a write-in slot's name, NAMEPT_WIDTH ciphertexts of the C-8.6
 * points and a C-4.1 proof of knowledge of each one's nonce (B-10.5).  The
 * slot's mark is the selection sel[noptions - nwritein + s]. */
typedef struct ballot_writein {
	elgamal_ct *ct[NAMEPT_WIDTH];
	schnorr_proof *pok[NAMEPT_WIDTH];
} ballot_writein;

typedef struct ballot_contest {
	size_t nsel;
	ballot_selection *sel;
	size_t nwritein;
	ballot_writein *wi; /* nwritein entries (NULL when 0) */
	size_t ngroups;
	range_proof **group_proof; /* [0, 1] each */
	range_proof *total_proof; /* [min_sel, max_sel] */
} ballot_contest;

typedef struct ballot {
	size_t ncontests;
	ballot_contest *contests;
} ballot;

typedef struct ballot_opening {
	size_t n; /* = style total_options */
	uint8_t *marks; /* 0/1 per option, contests in order */
	scalar **nonce; /* the nonce of each selection */
	size_t nname; /* = style total_writein * NAMEPT_WIDTH */
	scalar **name_nonce; /* B-10.7: each name ciphertext's nonce, B-2 order */
} ballot_opening;

void ballot_free(ballot *b);
void ballot_opening_free(ballot_opening *op);

/* Check marks (n bytes, 0/1 per option, contests in order) against the
 * style: Q_ERR_ARG for a wrong count or a value other than 0/1,
 * Q_ERR_RANGE for a contest or group outside its limits; why names it. */
Q_MUST_CHECK qerr ballot_marks_check(const ballot_style *st, const uint8_t *marks, size_t n,
                                     char *why, size_t whylen);

/* Encrypt and prove (B-2, B-3).  K is the joint key's fixed-base table.
 * On success *out is the ballot and, if op is non-NULL, *op its opening
 * (marks and nonces; keep it only for a possible challenge).  On failure
 * both are NULL and no nonce survives.  Errors of ballot_marks_check,
 * Q_ERR_NOMEM, Q_ERR_CRYPTO. */
Q_MUST_CHECK qerr ballot_encrypt(const ballot_style *st, const point_table *K, const uint8_t *marks,
                                 size_t n, ballot **out, ballot_opening **op);

/* ballot_encrypt with write-in names (B-10.2): names[s] for each of the
 * style's total_writein slots in B-2 order (contest by contest), the
 * already normalised (B-10.9) UTF-8 name, or NULL / "" for none; names may
 * be NULL when nnames = 0.  ballot_encrypt(...) is this with names = NULL,
 * nnames = st->total_writein.  Q_ERR_ARG (why naming the slot) for a
 * wrong nnames, a name in an unmarked slot or a marked slot without one;
 * namept_encode's errors for a name that is not UTF-8 (Q_ERR_ENCODING) or
 * longer than 59 bytes (Q_ERR_RANGE).  Names are secret like marks: the
 * caller wipes its copies. */
/* B-10.2: names (as for ballot_encrypt_names) fit marks (n = total_options):
 * Q_ERR_ARG (why naming the slot) for a wrong nnames, a name in an
 * unmarked slot or a marked slot without one. */
Q_MUST_CHECK qerr ballot_names_check(const ballot_style *st, const uint8_t *marks, size_t n,
                                     const char *const *names, size_t nnames, char *why,
                                     size_t whylen);
Q_MUST_CHECK qerr ballot_encrypt_names(const ballot_style *st, const point_table *K,
                                       const uint8_t *marks, size_t n, const char *const *names,
                                       size_t nnames, ballot **out, ballot_opening **op, char *why,
                                       size_t whylen);

/* Make every proof of b (B-3.1-B-3.3, contexts B-3.4) for the ciphertexts
 * b already holds, with op's marks and nonces as witnesses; any proof b
 * held is replaced.  ballot_encrypt is fresh nonces, the ciphertexts, then
 * this.  Q_ERR_ARG if op does not open b (a mark or nonce that does not
 * give the ciphertext: no false proof is made) or b lacks the style's
 * shape; Q_ERR_NOMEM, Q_ERR_CRYPTO.  On failure b's proofs are
 * unspecified (free it). */
Q_MUST_CHECK qerr ballot_prove(const ballot_style *st, const point_table *K, ballot *b,
                               const ballot_opening *op);

/* The ballot identity (B-3.0): H_T(BALLOT_TAG_ID; H_B, ct_1, ..., ct_T),
 * one 130-byte field alpha || beta per selection in B-2 order.  From a
 * ballot (Q_ERR_FORMAT if it lacks the style's shape; Q_ERR_NOMEM) or
 * from a B-2 encoding of the style's length (its ciphertext bytes as they
 * stand; Q_ERR_ENCODING for another length). */
Q_MUST_CHECK qerr ballot_id(uint8_t id[BALLOT_ID_LEN], const ballot_style *st, const ballot *b);
Q_MUST_CHECK qerr ballot_id_enc(uint8_t id[BALLOT_ID_LEN], const ballot_style *st,
                                const uint8_t *enc, size_t len);

/* The context hash of one proof (B-3.4), contest and idx 0-based in B-2
 * order:
 *   BALLOT_PROOF_SELECTION  H_T("quorum/v2/ballot/selection"; H_B, id,
 *                            u32(contest), u32(option = idx))
 *   BALLOT_PROOF_GROUP      H_T("quorum/v2/ballot/group"; H_B, id,
 *                            u32(contest), u32(group = idx))
 *   BALLOT_PROOF_CONTEST    H_T("quorum/v2/ballot/contest"; H_B, id,
 *                            u32(contest))             (idx ignored) */
enum { BALLOT_PROOF_SELECTION, BALLOT_PROOF_GROUP, BALLOT_PROOF_CONTEST };
void ballot_proof_ctx(uint8_t ctx[PROOF_CTX_LEN], const ballot_style *st,
                      const uint8_t id[BALLOT_ID_LEN], int kind, uint32_t contest, uint32_t idx);
/* B-10.5: H_T("quorum/v2/ballot/write-in"; H_B, id, u32(contest), u32(slot), u32(k)), the
 * context of the Schnorr proof of name ciphertext k (0-based) of write-in slot
 * `slot` (0-based within the contest) of contest `contest`. */
void ballot_writein_ctx(uint8_t ctx[PROOF_CTX_LEN], const ballot_style *st,
                        const uint8_t id[BALLOT_ID_LEN], uint32_t contest, uint32_t slot,
                        uint32_t k);

/* B-10.7: the name of write-in slot `slot` (0-based over the style's
 * total_writein, B-2 order) of b, from the opening op: checks each name
 * ciphertext's alpha = rho*G, decrypts beta - rho*K and decodes it (C-8.6.4).
 * out receives NAMEPT_MAX_BYTES(NAMEPT_WIDTH) + 1 bytes at most (the name
 * and a NUL), *len its length (0: the empty name).  Q_ERR_PROOF if the
 * opening does not open the ciphertext, Q_ERR_ENCODING if it does not
 * decode, Q_ERR_ARG for a slot out of range. */
Q_MUST_CHECK qerr ballot_opening_name(const ballot_style *st, const point *K, const ballot *b,
                                      const ballot_opening *op, size_t slot,
                                      uint8_t out[NAMEPT_MAX_BYTES(NAMEPT_WIDTH) + 1], size_t *len);

/* The canonical encoding (B-2; every proof in the full encoding of
 * C-4.3.9, commitments included) into a malloc'd buffer *out of *len
 * bytes.  Q_ERR_STATE if a proof carries no commitments (every proof
 * from ballot_encrypt, ballot_decode or ballot_from_json does). */
Q_MUST_CHECK qerr ballot_encode(const ballot *b, uint8_t **out, size_t *len);
/* Strict decode against a style: every count, length, point and scalar
 * is checked (Q_ERR_ENCODING, Q_ERR_POINT, Q_ERR_SCALAR, Q_ERR_FORMAT);
 * proofs are not verified here.  *out is NULL on failure. */
Q_MUST_CHECK qerr ballot_decode(const ballot_style *st, const uint8_t *in, size_t len,
                                ballot **out);

/* The tracking code (B-4) of an encoded ballot. */
void ballot_tracking_code(uint8_t code[BALLOT_CODE_LEN], const ballot_style *st, const uint8_t *enc,
                          size_t len);

/* Verify every proof of b (B-5), each under its own context (B-3.4): all of them in one batch
 * (C-4.3.10, with the published commitments; random weights, so not deterministic in time, but the
 * result is: a valid ballot always passes, an invalid one fails except with probability <= 2^-127).
 * If the batch fails, each proof is checked alone to name it.  K_table may be NULL (slower); if
 * given it must be the table of K.  Returns Q_OK; Q_ERR_PROOF with why saying which
 * contest/option/group/total failed; Q_ERR_FORMAT if b does not have the style's shape (or lacks a
 * proof); Q_ERR_NOMEM or Q_ERR_CRYPTO if verification could not run. */
Q_MUST_CHECK qerr ballot_verify(const ballot_style *st, const point *K, const point_table *K_table,
                                const ballot *b, char *why, size_t whylen);

/* Verify n ballots at once: all their proofs in one batch (C-4.3.10);
 * if it fails, each ballot is checked on its own (as ballot_verify) to
 * find the bad one(s).  bs[i] must be non-NULL (Q_ERR_ARG).
 *
 * Returns Q_OK if every ballot is valid.  If one or more are not, returns
 * the ballot_verify error (Q_ERR_PROOF, Q_ERR_FORMAT) of the lowest-
 * indexed bad ballot, sets *first_bad (if non-NULL) to its index and why
 * to "ballot <i>: <ballot_verify's message>"; results (if non-NULL, n
 * entries) then holds every ballot's own result (Q_OK for the good ones).
 * If the batch passes, results are all Q_OK except wrong-shape ballots.
 * Q_ERR_NOMEM / Q_ERR_CRYPTO / Q_ERR_LIMIT: verification could not run;
 * *first_bad is SIZE_MAX and results are unspecified.  n = 0 is Q_OK. */
Q_MUST_CHECK qerr ballot_verify_batch(const ballot_style *st, const point *K,
                                      const point_table *K_table, const ballot *const *bs, size_t n,
                                      qerr *results, size_t *first_bad, char *why, size_t whylen);
/* The same, given enc[i] (enclen[i] bytes): the B-2 encoding bs[i] was
 * decoded from (ballot_decode).  Its ciphertext bytes are hashed as they
 * stand -- into each proof's transcript and into the ballot identity that
 * every proof context binds (B-3.0, B-3.4) -- instead of re-encoding each
 * selection's two points (~3 us each).  enc and enclen are both NULL (then
 * this is ballot_verify_batch) or both given, each enclen[i] the style's
 * B-2 length (Q_ERR_ARG otherwise).  Bytes that are not bs[i]'s encoding
 * make its proofs be checked under another ballot's identity: they make
 * valid ballots fail and are never meant to be given (the equations
 * themselves use bs[i]'s points). */
Q_MUST_CHECK qerr ballot_verify_batch_enc(const ballot_style *st, const point *K,
                                          const point_table *K_table, const ballot *const *bs,
                                          const uint8_t *const *enc, const size_t *enclen, size_t n,
                                          qerr *results, size_t *first_bad, char *why,
                                          size_t whylen);

/* Opening encoding (B-6): per option, mark (1 byte) || nonce (32). */
Q_MUST_CHECK qerr ballot_opening_encode(const ballot_opening *op, uint8_t **out, size_t *len);
Q_MUST_CHECK qerr ballot_opening_decode(const ballot_style *st, const uint8_t *in, size_t len,
                                        ballot_opening **out);
/* B-7: re-encrypt each mark with its nonce under K and compare with the
 * ballot's ciphertexts.  Q_OK if all equal, Q_ERR_PROOF (why names the
 * first mismatch) otherwise; Q_ERR_FORMAT for shape mismatches. */
Q_MUST_CHECK qerr ballot_opening_check(const ballot_style *st, const point *K, const ballot *b,
                                       const ballot_opening *op, char *why, size_t whylen);

/* JSON forms (B-8): {"contests":[{"selections":[{"ciphertext":hex,
 * "proof":hex},...],"groups":[hex,...],"total":hex},...]} (proofs in the
 * full encoding, as in B-2) and, for an
 * opening, {"marks":[[0,1,..],..],"nonces":[[hex,..],..]}.  NULL if memory
 * ran out. */
json_t *ballot_to_json(const ballot *b);
json_t *ballot_opening_to_json(const ballot_style *st, const ballot_opening *op);
/* Parse the JSON form (by re-encoding it to B-2 and decoding strictly). */
Q_MUST_CHECK qerr ballot_from_json(const ballot_style *st, const json_t *j, ballot **out);

#endif

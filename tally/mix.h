/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mix.h -- the count of write-in slots (docs/spec/record.md R-12,
 * docs/spec/ballot.md B-10.8): the mix inputs the tally writes, the
 * trustees' chain of verifiable shuffles (C-8), the threshold decryption of
 * the final lists and the matching of the decrypted names against the roll.
 *
 * Files:
 *   tally/mix/contest-<c>/input.bin        the ballots' tuples (tally, R-12.1)
 *   tally/mix/contest-<c>/mixer-<m>.bin    mixer m's output list
 *   tally/mix/contest-<c>/mixer-<m>.proof  its C-8.5 proof
 *   tally/mix/mixer-<m>.json (+ .sig)      its signed statement
 *   tally/mix/contest-<c>/partial-<i>.bin  trustee i's shares
 *   tally/mix/partials/<i>.json (+ .sig)   trustee i's signed statement
 *
 * A list is n*w ciphertexts of ELGAMAL_CT_LEN bytes, tuple-major.
 *
 * Secrets: the permutation and re-encryption nonces of a mix live only in
 * shuffle_mix (crypto/shuffle.h), which wipes them; trustee i's share s_i
 * is the caller's (mix_decrypt borrows it).  Decrypted names are public
 * once combined.
 */
#ifndef QUORUM_TALLY_MIX_H
#define QUORUM_TALLY_MIX_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "ceremony.h"
#include "count.h"
#include "crypto/proof.h"
#include "crypto/qerr.h"
#include "crypto/sig.h"
#include "record.h"

#define MIX_STATEMENT_FORMAT "quorum-mix/1"
#define MIX_PARTIAL_FORMAT "quorum-mix-partial/1"
#define MIX_TAG_PARTIAL "quorum/v1/write-in/partial"
/* bytes per share, M || c || v */
#define MIX_SHARE_LEN (POINT_LEN + CP_PROOF_LEN)
/* The longest chain read (every trustee at most once). */
#define MIX_MAX_MIXERS 255u
/* a write-in candidate's option id is this prefix and a roll id. */
#define MIX_CANDIDATE_PREFIX "write-in:"

/* One contest with write-in slots and its list. */
typedef struct mix_list {
	uint32_t contest; /* 0-based B-2 index */
	size_t mcontest; /* index in the manifest's contests */
	const char *id; /* the manifest contest's id (borrowed) */
	uint32_t nslots; /* W */
	uint32_t nlisted; /* L: listed options before the slots */
	size_t n, w; /* tuples, width 3W */
	uint8_t *bytes; /* n * w * ELGAMAL_CT_LEN */
	size_t cap;
} mix_list;

typedef struct mix_lists {
	mix_list *v;
	size_t n;
} mix_lists;

void mix_lists_free(mix_lists *l);

/* The empty lists (n = 0) of every contest of st with slots, in B-2 order,
 * ids from m.  Q_ERR_NOMEM. */
Q_MUST_CHECK qerr mix_lists_init(mix_lists *l, const ballot_style *st, const elec_manifest *m);

/* append the tuple of the B-2 encoding enc (a verified ballot of
 * st) to every list.  Q_ERR_NOMEM, Q_ERR_LIMIT past SHUFFLE_MAX_N. */
Q_MUST_CHECK qerr mix_lists_add(mix_lists *l, const ballot_style *st, const uint8_t *enc,
                                size_t len);

/* write every non-empty list as tally/mix/contest-<c>/input.bin;
 * an existing file must hold the same bytes (Q_ERR_CONSISTENCY naming it). */
Q_MUST_CHECK qerr mix_write_inputs(const rec_election *el, const mix_lists *l, char *msg,
                                   size_t msgsz);
/* every input.bin must be exactly l's list (Q_ERR_CONSISTENCY,
 * Q_ERR_STATE if missing). */
Q_MUST_CHECK qerr mix_check_inputs(const rec_election *el, const mix_lists *l, char *msg,
                                   size_t msgsz);
/* Fill l (from mix_lists_init) with the lists read from input.bin, as
 * combine reads them (the verifier rebuilds them, R-12.9): each must hold
 * exactly one tuple per counted ballot (nballots). */
Q_MUST_CHECK qerr mix_read_inputs(const rec_election *el, mix_lists *l, uint64_t nballots,
                                  char *msg, size_t msgsz);

/* The verified chain (R-12.2 (2), R-12.3). */
typedef struct mix_chain {
	size_t nmixers;
	uint32_t trustee[MIX_MAX_MIXERS];
	/* per list of the mix_lists (same order): the last list (the input if
	 * no mixer) and its SHA-256 */
	uint8_t **last;
	uint8_t (*last_hash)[SHA256_LEN];
	size_t nlists;
} mix_chain;

void mix_chain_free(mix_chain *c);

/* Read and verify tally/mix/mixer-0.json, mixer-1.json, ... up to the
 * first missing place, each statement signed by its trustee (set's
 * roster), every proof verified (C-8.4 from the bytes) on the previous
 * list.  Q_ERR_PROOF / Q_ERR_SIGNATURE / Q_ERR_FORMAT / Q_ERR_CONSISTENCY
 * with msg naming the contest, the place and the trustee. */
Q_MUST_CHECK qerr mix_verify_chain(const rec_election *el, const trustee_set *set, const point *K,
                                   const uint8_t agg_hash[SHA256_LEN], const mix_lists *in,
                                   mix_chain *out, char *msg, size_t msgsz);

/* The whole `mix` step of trustee t.  out_hash (may be NULL)
 * receives, per list, the SHA-256 of the new output; *place the chain
 * place written. */
Q_MUST_CHECK qerr tally_mix(const rec_election *el, uint32_t t, const char *key_path,
                            const void *pass, size_t passlen, const tally_opts *o, size_t *place,
                            char *msg, size_t msgsz);

/* the Chaum-Pedersen context of trustee i's share of
 * ciphertext x of contest c's final list (SHA-256 list_hash). */
void mix_partial_ctx(uint8_t out[SHA256_LEN], const uint8_t base_hash[SHA256_LEN], uint32_t i,
                     uint32_t c, const uint8_t list_hash[SHA256_LEN], uint32_t x);

/* trustee i's shares of every final list of the verified chain
 * (which must have at least el->k mixers), written with the signed
 * statement.  s is s_i, Si = s_i G. */
Q_MUST_CHECK qerr mix_decrypt(const rec_election *el, uint32_t i, const scalar *s, const point *Si,
                              const sig_secret *sk, const uint8_t agg_hash[SHA256_LEN],
                              const mix_lists *l, const mix_chain *ch, char *msg, size_t msgsz);

/* What combine learns from the write-ins (R-12.5-R-12.7). */
typedef struct mix_outcome {
	json_t *write_ins; /* the result's "write_ins" object */
	/* per list: the write-in candidates to append to the contest (ids,
	 * roll ids, names, votes), in byte order of roll id */
	struct mix_cands {
		size_t mcontest;
		size_t n;
		char **id, **voter, **name;
		uint64_t *votes;
	} * cands;
	size_t ncands;
} mix_outcome;

void mix_outcome_free(mix_outcome *o);

/* R-12.5-R-12.7: verify the chain, load every trustee's write-in partial
 * (invalid ones named and skipped, reason in English), combine the first
 * k valid, decode marks and names, check the slot sums against marked[]
 * (per list, per slot: the aggregate's decrypted slot counts), match
 * against the roll (roll_csv, whose SHA-256 must be el->roll_hash). */
Q_MUST_CHECK qerr mix_combine(const rec_election *el, const trustee_set *set, const point *K,
                              const point *const *S, const uint8_t agg_hash[SHA256_LEN],
                              const uint64_t *const *marked, const uint8_t *roll_csv,
                              size_t roll_len, const mix_lists *l, mix_outcome *out, char *msg,
                              size_t msgsz);

/* each contest's write-in candidates appended to m's candidates
 * and options (id, voter, name), so that counts_parse, decide and the
 * report treat them as listed ones; saved (m->ncontests entries) keeps the
 * old sizes for mix_restore_manifest, which frees what was added. */
typedef struct mix_saved {
	size_t ncands, noptions;
} mix_saved;
Q_MUST_CHECK qerr mix_extend_manifest(elec_manifest *m, const mix_outcome *wo, mix_saved *saved);
void mix_restore_manifest(elec_manifest *m, const mix_saved *saved);

/* The write-in candidates of a result's "write_ins" as an
 * outcome (cands only; names with suffix appended, may be NULL). */
Q_MUST_CHECK qerr mix_outcome_from_result(const json_t *write_ins, const elec_manifest *m,
                                          const char *suffix, mix_outcome *o);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * runoff.h -- the run-off (另行选举) built from the previous round's
 * decision, and the ballot style of a round.  Spec: docs/spec/election.md
 * E-5 (the run-off manifest and its derivation), docs/spec/ballot.md B-1
 * (the style of round r), docs/spec/decide.md D-3.6 (the cut).
 *
 * Round r+1 of an election offers, for each office contest whose round-r
 * decision (D-2) has outcome "runoff", the best-placed non-elected
 * candidates of round r (UL19.runoff: the first unfilled+1 of them in the
 * ranking, and everyone tied with the last one taken), for the seats round
 * r left unfilled, each ballot marking at most that many.  Nothing else is
 * on its ballot.  The run-off manifest says so (its "runoff" object cites
 * round r's base hash, result.json hash and manifest hash) and these
 * functions are the one derivation that quorum-tally (runoff, init,
 * combine), quorum-ballotd and quorum-audit verify-election use.
 *
 * Ownership: a runoff_plan owns its arrays and borrows the strings of the
 * manifest it was derived from (which must outlive it); runoff_plan_free
 * (NULL) is safe.  Nothing here is secret.
 */
#ifndef QUORUM_ELECTION_RUNOFF_H
#define QUORUM_ELECTION_RUNOFF_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/qerr.h"
#include "election/ballot.h"
#include "election/findings.h"
#include "election/manifest.h"

typedef struct runoff_contest {
	const elec_contest *from; /* the contest of the previous round's manifest */
	uint32_t seats; /* the seats still to fill (the decision's "unfilled") */
	size_t ncands;
	size_t *cand; /* indices into from->cands, in that manifest's order */
	/* The cut (D-3.6): the run-off takes want = seats + 1 candidates; the
	 * one placed at the cut has cut_votes, and tied candidates below it
	 * make ncands larger than want (ncands - want of them). */
	size_t want;
	uint64_t cut_votes;
} runoff_contest;

typedef struct runoff_plan {
	unsigned round; /* the run-off's round: the previous round + 1 */
	size_t ncontests;
	runoff_contest *contests; /* in the previous manifest's order */
} runoff_plan;

void runoff_plan_free(runoff_plan *p);

/*
 * Derive round prev_round + 1 from the previous round's manifest and its
 * decision (the "decision" object of its result.json, D-2).  Every contest
 * the decision sends to a run-off is checked against the manifest and the
 * decision's own tally (E-5.2): an office of the manifest, 1 <= unfilled <=
 * seats, the run-off list exactly UL19.runoff's cut of the tally's
 * non-elected candidates.  A contest where the seats left are not fewer than
 * the eligible candidates is refused under UL18.contested (a run-off, too,
 * must have more candidates than seats).  Errors (with the contest's path)
 * go to f: Q_ERR_RULE if any, or when no contest went to a run-off;
 * Q_ERR_NOMEM.  *out is NULL on failure.
 */
Q_MUST_CHECK qerr runoff_derive(const elec_manifest *prev, unsigned prev_round,
                                const json_t *decision, char *const *withdrawn, size_t nwithdrawn,
                                runoff_plan **out, elec_findings *f);

/*
 * The run-off manifest (E-5.1) as bytes (malloc'd, "\n"-terminated):
 * the previous manifest with "contests" replaced by the plan's contests
 * (each as in the previous manifest, "seats" the seats left and
 * "candidates" the run-off's, in that manifest's order) and a "runoff"
 * object {round, previous_base_hash, previous_result_sha256,
 * previous_manifest_sha256, withdrawn}; withdrawn lists each withdrawn
 * candidate as {"id", "reason"} (reasons: nwithdrawn strings, or NULL).  Q_ERR_FORMAT if prev's
 * bytes are not JSON, Q_ERR_NOMEM.
 */
Q_MUST_CHECK qerr runoff_manifest_bytes(const elec_manifest *prev, const runoff_plan *p,
                                        const uint8_t prev_base_hash[SHA256_LEN],
                                        const uint8_t prev_result_sha256[SHA256_LEN],
                                        char *const *withdrawn, char *const *reasons,
                                        size_t nwithdrawn, uint8_t **bytes, size_t *len);

/*
 * Check that m is the run-off manifest of round prev_round + 1 derived from
 * prev and its decision (E-5.3), with m's withdrawn candidates left out:
 * m's "runoff" object cites prev_base_hash,
 * prev_result_sha256 and prev's manifest hash, and m's contests are the
 * plan's, in order, each with the same id, type, rules, seats left and
 * candidates (id, roll id and name) as derived.  Every difference is a
 * finding naming the contest or candidate.  Q_OK, Q_ERR_RULE, Q_ERR_NOMEM.
 */
Q_MUST_CHECK qerr runoff_check(const elec_manifest *m, const elec_manifest *prev,
                               unsigned prev_round, const json_t *decision,
                               const uint8_t prev_base_hash[SHA256_LEN],
                               const uint8_t prev_result_sha256[SHA256_LEN], elec_findings *f);

/*
 * The ballot style of a round (B-1): every contest of m with options and
 * max_sel > 0, in manifest order; an office offers its candidates, at most
 * seats marks; an evaluation's options grouped by member, each 0..1.
 * In a run-off (m->runoff_round >= 2) prev_decision (the previous round's
 * decision, D-2) must be given, and each office of m must be one the
 * decision sent to a run-off, with seats = its "unfilled" and exactly its
 * "runoff" candidates: the style is derived from the previous result, not
 * from what the manifest says alone.  In round 1 prev_decision must be
 * NULL.  Q_OK with *out; Q_ERR_RANGE / Q_ERR_FORMAT with why naming the
 * contest; Q_ERR_NOMEM.  Used by quorum-ballotd, quorum-tally and
 * verify-election alike.
 */
Q_MUST_CHECK qerr elec_round_style(const elec_manifest *m, const json_t *prev_decision,
                                   const uint8_t base_hash[BALLOT_HASH_LEN], ballot_style **out,
                                   char *why, size_t whylen);

/*
 * Read a result file (R-8.3: a round's tally/result.json, or a run-off
 * record's previous/result.json) and return its "decision" object (new
 * reference) and, if sha is not NULL, the SHA-256 of the file's exact
 * bytes.  Q_ERR_NOTFOUND if the file is absent, Q_ERR_FORMAT if it is not
 * a result with a decision (why says which), Q_ERR_IO, Q_ERR_NOMEM.
 */
Q_MUST_CHECK qerr runoff_read_result(const char *path, json_t **decision, uint8_t sha[SHA256_LEN],
                                     char *why, size_t whylen);

#endif

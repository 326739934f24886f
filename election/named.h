/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * named.h -- named votes at meetings (记名表决 / 举手表决): the station log
 * entry that records one attendee's vote (docs/spec/protocol.md P-6.6) and
 * the count of those entries that the station, the tally (tally/count.c)
 * and the verifier (audit/verify_named.c) share, so the three apply one
 * rule (docs/spec/election.md E-2.1, verify.md V-7.1).
 *
 * A named vote is public by design: the entry names the voter's roll id and
 * the vote.  Nothing here is secret.  Bad input yields an error and a
 * sentence naming the station, the log entry and the voter.
 */
#ifndef QUORUM_ELECTION_NAMED_H
#define QUORUM_ELECTION_NAMED_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/qerr.h"
#include "election/manifest.h"

#define NAMED_ENTRY_TAG "quorum/v1/station/named-vote"
#define NAMED_PAYLOAD_MAX 160

/*
 * P-6.6: the payload of a named-vote entry, exactly
 * "contest <contest id>\nvoter <roll id>\nvote <yes|no|abstain>\n"
 * (ids of manifest_id_ok).  Writes it to out (cap >= NAMED_PAYLOAD_MAX) and
 * its length to *len.  Q_ERR_FORMAT for a bad id or vote.
 */
Q_MUST_CHECK qerr named_payload_make(char *out, size_t cap, const char *contest, const char *voter,
                                     const char *vote, size_t *len);

/*
 * Parse a payload made by named_payload_make, byte for byte: anything else
 * (another order, a missing or extra line, a vote not yes/no/abstain) is
 * Q_ERR_FORMAT.  contest and voter receive the ids (MANIFEST_ID_MAX + 1
 * bytes each), *vote the option index (0 yes, 1 no, 2 abstain).
 */
Q_MUST_CHECK qerr named_payload_parse(const uint8_t *p, size_t len,
                                      char contest[MANIFEST_ID_MAX + 1],
                                      char voter[MANIFEST_ID_MAX + 1], int *vote);

typedef struct named_vote {
	char contest[MANIFEST_ID_MAX + 1], voter[MANIFEST_ID_MAX + 1];
	char station[MANIFEST_ID_MAX + 1];
	uint64_t index; /* its log entry */
	int vote; /* 0 yes, 1 no, 2 abstain */
} named_vote;

/* Every named vote read so far, in the order added. */
typedef struct named_tally {
	named_vote *v;
	size_t n, cap;
} named_tally;

/*
 * V-7.1: add the named-vote entry at log index `index` of station sid (its
 * payload p, len bytes).  Checks, each failure naming station, entry and
 * voter in why: the payload's form (Q_ERR_FORMAT); the contest is a named
 * motion of m (Q_ERR_RULE); the voter is in checked_in, the station
 * record's sorted list of roll ids (P-7.4; NULL skips this check, for the
 * station, which asks its roll) (Q_ERR_CONSISTENCY); the voter has no vote
 * in this contest yet, at any station (Q_ERR_EXISTS).  Nothing is added on
 * failure.  Q_ERR_NOMEM.
 */
Q_MUST_CHECK qerr named_tally_add(named_tally *t, const elec_manifest *m, const char *sid,
                                  uint64_t index, const json_t *checked_in, const uint8_t *p,
                                  size_t len, char *why, size_t whylen);

/* The vote of voter in contest, or NULL. */
const named_vote *named_tally_find(const named_tally *t, const char *contest, const char *voter);

/* The counts of contest: n[0..2] yes, no, abstain; their sum is the
 * number of named votes (the contest's "cast", D-1). */
void named_tally_counts(const named_tally *t, const char *contest, uint64_t n[3]);

void named_tally_free(named_tally *t);

#endif

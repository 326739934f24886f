/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rules_roll.h -- a roll changed after publication (UL17.objections,
 * docs/spec/record.md ): the chain from parameters.json roll_hash
 * through each `roll-changed` entry of the election log to the roll every
 * station must serve.  One implementation for the station's import, the
 * tally and verify-election; each reads the election log its own way and
 * feeds the entries here in log order.
 *
 * Errors: Q_ERR_RULE (a change outside the objection window or after the
 * count), Q_ERR_CONSISTENCY (an old hash that is not the chain's head, an
 * entry 0 of another election), Q_ERR_FORMAT (a malformed entry); why says
 * which entry and what, naming both hashes.  Nothing here aborts.
 */
#ifndef QUORUM_ELECTION_RULES_ROLL_H
#define QUORUM_ELECTION_RULES_ROLL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "crypto/qerr.h"
#include "election/date.h"
#include "election/manifest.h"

#define ROLL_CHANGE_TYPE "roll-changed"
#define ROLL_CHANGE_RULE "UL17.objections"
#define ROLL_CHANGE_REASON_MAX 500 /* bytes of UTF-8 */
#define ROLL_CHANGE_DECISION_MAX 200 /* bytes of UTF-8 */

typedef struct roll_chain {
	uint8_t base_hash[32]; /* entry 0 must announce it */
	uint8_t roll_hash[32]; /* parameters.json roll_hash */
	uint8_t head[32]; /* the roll in force: roll_hash or the last change's new_hash */
	uint64_t changes; /* roll-changed entries applied */
	uint64_t last_index; /* log index of the last one (when changes > 0) */
	int counted; /* a "tally" entry was seen: no change may follow */
} roll_chain;

/* Start the chain at parameters.json's roll_hash. */
void roll_chain_init(roll_chain *c, const uint8_t base_hash[32], const uint8_t roll_hash[32]);

/*
 * UL17.objections: a change is decided inside the objection window and
 * before polling day: roll_published <= decided <= close + 3 (close =
 * dates.objections_close, else roll_published + 5) and decided <
 * polling_day.  Q_ERR_RULE with why naming the dates; a manifest without
 * dates.roll_published has no window (refused).
 */
Q_MUST_CHECK qerr roll_change_window(const elec_manifest *m, elec_date decided, char *why,
                                     size_t whylen);

/*
 * Entry `index` of the election log (its exact bytes).  Entry 0 must be
 * election-created with base_hash = c->base_hash and roll_hash =
 * c->roll_hash; a "tally" entry ends the time for changes; a roll-changed
 * entry must be well formed, its old_hash the chain's head, its
 * new_hash another roll, its decided date inside the window (m; m may be
 * NULL to skip the date check) and no tally entry before it; the head then
 * becomes its new_hash.  Other entries are ignored.
 */
Q_MUST_CHECK qerr roll_chain_entry(roll_chain *c, const elec_manifest *m, uint64_t index,
                                   const uint8_t *bytes, size_t len, char *why, size_t whylen);

/* The same for an entry already parsed (j NULL: not JSON). */
Q_MUST_CHECK qerr roll_chain_entry_json(roll_chain *c, const elec_manifest *m, uint64_t index,
                                        const json_t *j, char *why, size_t whylen);

/* 1 if the bytes are a roll-changed entry (by its type), else 0. */
int roll_chain_is_change(const uint8_t *bytes, size_t len);

/*
 * The message for a station roll that is not the head: "its SHA-256 is
 * <have>, the election's roll_hash (parameters.json) is <roll_hash>" and,
 * when changed, ", changed by roll-changed entry <i> of the election log to
 * <head>".  Written to out (outlen bytes).
 */
void roll_chain_describe(const roll_chain *c, const uint8_t have[32], char *out, size_t outlen);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * decide.h -- the rule engine: from a manifest and the counts, decide each
 * contest under every rule set that governs it, and show the working.
 *
 * Counts (COUNTS.json, docs/decide.md D-1) are parsed and checked against
 * the manifest by counts_parse().  decide() then applies, per contest:
 * COUNT.reconcile (cast <= issued, per station), the quorum of each rule
 * profile, the decision tests, and reports a conflict wherever a statute
 * test and a charter test of the same kind disagree.  Every test applied is
 * a dec_rule with the two integers compared.  Integer arithmetic only
 * (rules.h).  The decision is encoded by decision_to_json() (D-2).
 *
 * The tests and their numbers come from the rule profiles the manifest was
 * checked against (m->rules, m->profiles; docs/spec/rules.md RP-3, RP-4),
 * never from the program's build when the manifest came from a record.
 *
 * Ownership: an elec_decision owns all its strings; decision_free(NULL) and
 * counts_free(NULL) are safe.  A decision does not point into the manifest
 * or the counts and may outlive both; its dec_rule.def point into the
 * rulebook, which must outlive it.
 */
#ifndef QUORUM_ELECTION_DECIDE_H
#define QUORUM_ELECTION_DECIDE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/qerr.h"
#include "crypto/sha256.h"
#include "election/findings.h"
#include "election/manifest.h"
#include "election/rules.h"

#define COUNTS_FORMAT "quorum-counts/1"
#define DECISION_FORMAT "quorum-decision/1"
#define COUNTS_MAX_BYTES (64u * 1024u * 1024u)

/* ---- counts ---- */

typedef struct count_contest {
	char *id;
	unsigned round; /* 1, or 2.. for a run-off */
	uint32_t seats; /* run-off rounds: seats still to fill */
	int has_issued, has_cast, has_attendees; /* per-contest overrides */
	uint64_t issued, cast, attendees;
	char **keys; /* option ids, as in the file */
	uint64_t *votes;
	size_t n;
} count_contest;

typedef struct count_station {
	char *id; /* NULL for the combined form */
	int has_issued, has_cast, has_attendees;
	uint64_t issued, cast, attendees;
	count_contest *contests;
	size_t ncontests;
} count_station;

typedef struct elec_counts {
	count_station *stations;
	size_t nstations;
} elec_counts;

/*
 * Parse COUNTS.json (D-1) and check it against the manifest: known contests
 * and stations, known option ids, each count <= cast, sums within the
 * ballot's selection limits, the same round everywhere.  Q_OK with *out, or
 * Q_ERR_FORMAT / Q_ERR_RULE with every problem in f and *out NULL;
 * Q_ERR_LIMIT, Q_ERR_NOMEM.
 */
Q_MUST_CHECK qerr counts_parse(const uint8_t *bytes, size_t len, const elec_manifest *m,
                               elec_counts **out, elec_findings *f);
void counts_free(elec_counts *c);

/* ---- decision ---- */

typedef enum dec_outcome {
	OUT_ELECTED,
	OUT_RUNOFF,
	OUT_PASSED,
	OUT_FAILED,
	OUT_NO_QUORUM,
	OUT_VOID,
	OUT_RECTIFY,
	OUT_CONVENE,
	OUT_NOT_CONVENED,
} dec_outcome;

/* "elected", "runoff", "passed", "failed", "no-quorum", "void", "rectify",
 * "convene", "not-convened"; never NULL. */
const char *dec_outcome_name(dec_outcome o);

/* One test applied: den*x cmp num*n (rules.h). */
typedef struct dec_rule {
	const rule_def *def; /* id, part, source, test, op, fraction, bases, profile */
	char subject[96]; /* candidate, member, route or station; "" if none */
	uint64_t x, n, lhs, rhs;
	int holds;
	int base_zero; /* n was 0: the test fails without comparing */
} dec_rule;

/* A statute test and a charter test (or two rule sets) that disagree. */
typedef struct dec_conflict {
	char kind[16]; /* "quorum", "decision", "convene" */
	size_t a, b; /* indexes into the contest's rules: a = statute side */
	const char *applied; /* the rule ID whose result stands */
} dec_conflict;

typedef struct dec_entry {
	char *id;
	uint64_t votes;
} dec_entry;

typedef struct dec_member {
	char *id;
	uint64_t satisfied, basic, dissatisfied;
	int rectify; /* CH1.20.4: satisfaction below 60% */
	int unfit; /* UL37 reading: 不满意 > 1/2 of cast (rated 不称职 now) */
	int office_ends; /* UL37: 不称职 now and in the previous evaluation */
} dec_member;

typedef struct dec_contest {
	char *id;
	elec_contest_type type;
	unsigned round;
	dec_outcome outcome;
	uint64_t issued, cast, attendees;
	unsigned seats, unfilled; /* office */
	dec_entry *tally; /* office: ranking (votes desc, then ballot order); else option order */
	size_t ntally;
	char **elected;
	size_t nelected;
	char **runoff;
	size_t nrunoff;
	dec_member *members;
	size_t nmembers;
	dec_rule *rules;
	size_t nrules, caprules;
	dec_conflict *conflicts;
	size_t nconflicts, capconflicts;
} dec_contest;

typedef struct elec_decision {
	char *election;
	uint8_t manifest_hash[SHA256_LEN];
	dec_contest *contests;
	size_t ncontests;
} elec_decision;

/*
 * Decide every contest present in the counts, in manifest order.  Contests
 * of the manifest with no counts get a warning in f and are left out.
 * Q_OK with *out; Q_ERR_FORMAT if a number the rules need is missing (each
 * named in f); Q_ERR_NOMEM.  On failure *out is NULL.
 */
Q_MUST_CHECK qerr decide(const elec_manifest *m, const elec_counts *c, elec_decision **out,
                         elec_findings *f);

void decision_free(elec_decision *d);

/*
 * The decision as JSON (D-2).  Keys are inserted in the fixed order of D-2;
 * dump with JSON_PRESERVE_ORDER (decision_to_bytes does: compact, UTF-8,
 * JSON_PRESERVE_ORDER | JSON_COMPACT) so the bytes are deterministic.
 * Returns a new reference or NULL on allocation failure.
 */
json_t *decision_to_json(const elec_decision *d);

/* Canonical bytes of decision_to_json (D-2.1), malloc'd, NUL-terminated;
 * *len excludes the NUL.  Q_ERR_NOMEM on failure (*out NULL). */
Q_MUST_CHECK qerr decision_to_bytes(const elec_decision *d, char **out, size_t *len);

#endif

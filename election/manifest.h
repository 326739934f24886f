/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * manifest.h -- the election manifest: what is being decided, by whom, under
 * which rules.  The JSON schema is docs/spec/election.md section E-2.
 *
 * manifest_parse() reads the JSON bytes, keeps an exact copy of them (the
 * bytes that are hashed, E-1) and checks every field and every rule of
 * RULES.md that can be checked before polling day ("Checks on the manifest
 * itself", UL18.contested, UL20.propose, UL20.defence).  All problems are
 * reported at once in an elec_findings list, each naming its JSON path.
 * The keys of each object are read by the tables of manifest.c through
 * manifest_table.h (E-2.2): a new key or contest type is a table row.
 *
 * Ownership: an elec_manifest owns all of its strings and arrays;
 * manifest_free(NULL) is safe.  Nothing here is secret.
 */
#ifndef QUORUM_ELECTION_MANIFEST_H
#define QUORUM_ELECTION_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/qerr.h"
#include "crypto/sha256.h"
#include "election/date.h"
#include "election/findings.h"
#include "election/rules.h"

#define MANIFEST_FORMAT "quorum-manifest/1"
#define MANIFEST_MAX_BYTES (16u * 1024u * 1024u)
#define MANIFEST_ID_MAX 64
#define MANIFEST_MAX_WRITE_IN 5u /* B-10.1: 3 ciphertexts per slot, mixed as one tuple */

typedef enum elec_kind {
	KIND_ELECTION,
	KIND_RECALL,
	KIND_MOTION,
	KIND_EVALUATION,
	KIND_PETITION,
} elec_kind;

/* The voting body and hence the bases of its thresholds. */
typedef enum elec_mode {
	MODE_RESIDENTS, /* all adult residents vote (居民) */
	MODE_HOUSEHOLDS, /* one representative per household (户) */
	MODE_REPRESENTATIVES, /* residents' representatives (居民代表会议) */
	MODE_ASSEMBLY, /* 篇四 社区成员代表大会 */
	MODE_COUNCIL, /* 篇五 居民议事会 */
} elec_mode;

typedef enum elec_contest_type {
	CONTEST_OFFICE,
	CONTEST_MOTION,
	CONTEST_RECALL,
	CONTEST_EVALUATION,
	CONTEST_PETITION,
} elec_contest_type;

typedef struct elec_candidate {
	char *id; /* option id on the ballot */
	char *voter; /* roll id of the candidate */
	char *name;
	int by_party; /* nominated by the community Party organisation */
	uint64_t nominators; /* number of voters nominating jointly */
} elec_candidate;

typedef struct elec_member {
	char *id; /* roll id (or committee id) of the member evaluated */
	char *name;
	int previous_unfit; /* rated 不称职 in the previous evaluation (UL37) */
} elec_member;

typedef struct elec_contest {
	char *id;
	elec_contest_type type;
	char *title_zh, *title_en;
	char **rules; /* rule profile IDs (rules.h), all of which govern */
	size_t nrules;
	/* office */
	uint32_t seats;
	elec_candidate *cands;
	size_t ncands;
	/* motion */
	char *text;
	int named; /* "ballot": "named" (记名表决, E-2.1): not on the secret ballot;
	            * each attendee's vote is a station log entry (P-6.6) */
	/* recall */
	char *member_id, *member_name, *defence;
	elec_date defence_published;
	uint64_t signatures;
	rule_base signature_base; /* BASE_REGISTERED, _HOUSEHOLDS or _REPRESENTATIVES */
	/* evaluation */
	elec_member *members;
	size_t nmembers;
	/* petition: "residents-meeting", "representatives-meeting", "assembly", "council" */
	char *convenes;
	/* Ballot options in their fixed order (E-3), with selection limits. */
	char **options;
	size_t noptions;
	unsigned *option_group; /* evaluation: index of the member; else 0 */
	unsigned min_sel, max_sel;
	/* office: write-in slots (E-2 "write_in", B-10.1), 0..MANIFEST_MAX_WRITE_IN */
	uint32_t write_in;
} elec_contest;

typedef struct elec_station {
	char *id, *name;
	char **groups;
	size_t ngroups;
} elec_station;

/* A member of the residents' election committee (居民选举委员会). */
typedef struct elec_committee_member {
	char *name;
	char *voter; /* roll id */
	char **relatives; /* roll ids of close relatives (近亲属) */
	size_t nrelatives;
} elec_committee_member;

typedef struct elec_manifest {
	uint8_t *bytes; /* the exact file bytes (E-1) */
	size_t len;
	uint8_t hash[SHA256_LEN]; /* SHA-256 of bytes */
	char *id, *title_zh, *title_en;
	elec_kind kind;
	char *charter; /* "CH1".."CH5" (a charter profile's id) or NULL */
	char *province; /* a province profile's id, or NULL */
	const struct rulebook *rules; /* the rulebook it was checked against (borrowed) */
	const struct rule_file **profiles; /* the profiles this election uses (RP-3) */
	size_t nprofiles; /* statute first, then province, then charters */
	struct elec_committee_member *committee;
	size_t ncommittee; /* election_committee (UL17.committee), optional */
	elec_mode mode;
	uint64_t registered, households, members, representatives, groups;
	int has_committee;
	uint64_t committee_members, term_years;
	elec_station *stations;
	size_t nstations;
	elec_date polling_day;
	int has_roll_published, has_notice, has_objections_close;
	int has_objections_decided;
	elec_date objections_decided; /* UL17.objections */
	elec_date roll_published, notice, objections_close; /* UL17.roll, UL26.notice */
	char *notice_exception; /* reason for a shorter notice, or NULL */
	elec_contest *contests;
	size_t ncontests;
	/* A run-off manifest (E-5): its round (>= 2; 0 for round 1) and what it
	 * cites: the previous round's base hash, result.json SHA-256 and
	 * manifest SHA-256. */
	unsigned runoff_round;
	uint8_t runoff_prev_base[SHA256_LEN];
	uint8_t runoff_prev_result[SHA256_LEN];
	uint8_t runoff_prev_manifest[SHA256_LEN];
	/* A by-election (补选, UL19.byelection): the member serves to the end
	 * of the current term, which began on term_began and ends on
	 * term_ends (term_began + 5 years, UL14.term). */
	int by_election;
	elec_date term_began, term_ends;
	char **runoff_withdrawn; /* candidates withdrawn since (ids) */
	char **runoff_withdrawn_reason;
	size_t runoff_nwithdrawn;
} elec_manifest;

/*
 * Parse and validate a manifest.  Every problem is appended to f (errors and
 * warnings).  Returns Q_OK with *out set when there is no error (warnings
 * allowed); Q_ERR_FORMAT when the bytes are not a JSON object (nothing else
 * can be checked); Q_ERR_RULE when there is at least one error; Q_ERR_LIMIT
 * if len > MANIFEST_MAX_BYTES; Q_ERR_NOMEM.  On failure *out is NULL.
 */
Q_MUST_CHECK qerr manifest_parse(const uint8_t *bytes, size_t len, elec_manifest **out,
                                 elec_findings *f);

/*
 * manifest_parse against the profiles of rb (an election record's own,
 * RP-5) instead of the built-in ones.  rb must outlive the manifest and
 * anything decided from it.  manifest_parse(b, l, o, f) is
 * manifest_parse_rules(b, l, rulebook_builtin(), o, f).
 */
Q_MUST_CHECK qerr manifest_parse_rules(const uint8_t *bytes, size_t len, const struct rulebook *rb,
                                       elec_manifest **out, elec_findings *f);

void manifest_free(elec_manifest *m);

/* The contest with this id, or NULL. */
const elec_contest *manifest_contest(const elec_manifest *m, const char *id);

/* The station with this id, or NULL. */
const elec_station *manifest_station(const elec_manifest *m, const char *id);

/*
 * A contest's ballot options in their fixed order (E-3): an office lists its
 * candidate ids (0..seats selections); a motion or recall "yes", "no",
 * "abstain" (0..1, blank is legal); an evaluation, for each member in order,
 * "<member>/satisfied", "<member>/basic", "<member>/dissatisfied" (0..1 per
 * member, option_group says which member; 0..nmembers in all); a petition
 * has the signature categories "adults", "households", "representatives",
 * "groups" and is not balloted (min = max = 0).  Pointers stay owned by the
 * contest.
 */
void manifest_contest_options(const elec_contest *c, char *const **ids, size_t *n,
                              unsigned *min_sel, unsigned *max_sel);

const char *manifest_kind_name(elec_kind k);
const char *manifest_mode_name(elec_mode m);
const char *manifest_contest_type_name(elec_contest_type t);

/*
 * E-2.1: 1 if contest c is balloted (on the encrypted ballot, in the
 * aggregate and decrypted): not a petition and not a named vote.
 */
int manifest_contest_balloted(const elec_contest *c);

/* The first row of part `part` among the election's profiles (RP-3 order:
 * statute, province, charter), or NULL: the parts that have a meaning
 * wherever they appear (RP-6: proxy-candidate, proxy-mode, no-write-in,
 * nomination-party). */
const rule_def *manifest_profile_row(const elec_manifest *m, const char *part);

/* Of the rows of part `part` with a "limit" (RP-2) among the election's
 * profiles, the one whose limit governs, or NULL: the largest where the
 * limit is a least number (nomination-joint), the smallest where it is a
 * most (proxy-limit); of equal limits, the first in RP-3 order. */
typedef enum { MANIFEST_LIMIT_LARGEST, MANIFEST_LIMIT_SMALLEST } manifest_limit_pick;
const rule_def *manifest_limit_row(const elec_manifest *m, const char *part,
                                   manifest_limit_pick pick);

/* The body's count that a rule's base names (registered, households,
 * members, representatives, groups: E-2 body), or 0 for a base the
 * manifest does not hold (cast, attendees, ...: counted at the poll). */
uint64_t manifest_body_base(const elec_manifest *m, rule_base b);

/*
 * E-2.1: vote is "yes", "no" or "abstain" (赞成/反对/弃权): its option
 * index 0..2 (E-3 order); -1 otherwise.
 */
int manifest_named_vote_index(const char *vote);

/* 1 if s is a valid id: 1..64 bytes of [A-Za-z0-9._-]. */
int manifest_id_ok(const char *s);

#endif

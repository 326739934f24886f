/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * roll.h -- the electoral roll: CSV import (docs/spec/election.md E-4),
 * records, and the eligibility check the polling daemon makes at check-in
 * (RULES.md UL16.eligible, UL19.proxy).
 *
 * Import is all or nothing: every bad row is reported with its line number
 * and, if there is any, no roll is returned.
 * Ownership: an elec_roll owns its records; roll_free(NULL) is safe.
 * Nothing here is constant-time (the roll is not secret to the officials
 * who hold it, and lookups are by id).
 */
#ifndef QUORUM_ELECTION_ROLL_H
#define QUORUM_ELECTION_ROLL_H

#include <stddef.h>

#include "crypto/qerr.h"
#include "election/date.h"
#include "election/findings.h"
#include "election/manifest.h"

#define ROLL_HEADER "id,name,birth_date,household,group,flags"
/* Principals per proxy holder when none of the election's profiles has a
 * "proxy-limit" row with a limit (docs/spec/rules.md RP-6). */
#define ROLL_MAX_PROXIES 3
#define ROLL_MAX_ROWS 10000000u

enum {
	ROLL_DEPRIVED = 1, /* deprived of political rights */
	ROLL_REPRESENTATIVE = 2, /* a residents' representative / assembly member */
	ROLL_COUNCIL = 4, /* a member of the deliberation council */
};

typedef struct roll_record {
	char *id, *name, *household, *group;
	elec_date birth;
	unsigned flags; /* ROLL_* */
	char *proxy; /* id of the voter who votes for this one (written proxy), or NULL */
	size_t line; /* line in the CSV (1 = header) */
	size_t nprincipals; /* how many voters name this one as their proxy */
} roll_record;

typedef struct elec_roll {
	roll_record *v;
	size_t n;
	roll_record **by_id; /* v sorted by id, for lookup */
} elec_roll;

/*
 * Import a roll from CSV bytes.  Q_OK and *out on success; Q_ERR_FORMAT with
 * every problem in f (each naming "line N") and *out NULL otherwise;
 * Q_ERR_LIMIT over ROLL_MAX_ROWS rows; Q_ERR_NOMEM.
 */
Q_MUST_CHECK qerr roll_import(const char *csv, size_t len, elec_roll **out, elec_findings *f);

void roll_free(elec_roll *r);

/* The record with this id, or NULL. */
const roll_record *roll_find(const elec_roll *r, const char *id);

/* How many voters have named `holder` as their proxy. */
size_t roll_proxy_count(const elec_roll *r, const char *holder);

typedef enum roll_refusal {
	ELIG_OK = 0,
	ELIG_NOT_REGISTERED, /* not on this community's roll */
	ELIG_DEPRIVED, /* deprived of political rights */
	ELIG_UNDER_18, /* not 18 on polling day */
	ELIG_WRONG_STATION, /* the voter's group is not served here */
	ELIG_NOT_MEMBER, /* not a member of the voting body (representatives, council) */
	ELIG_PROXY_NOT_ALLOWED, /* proxies are not allowed in this mode */
	ELIG_PROXY_NOT_AUTHORISED, /* the holder is not this voter's written proxy */
	ELIG_PROXY_CANDIDATE, /* a candidate may not act as a proxy */
	ELIG_PROXY_LIMIT, /* the holder has more principals than the profiles allow */
} roll_refusal;

/* Stable short code ("under-18", "wrong-station", ...); never NULL. */
const char *roll_refusal_code(roll_refusal r);

typedef struct roll_context {
	elec_date polling_day;
	const char *const *groups; /* groups this station serves */
	size_t ngroups;
	elec_mode mode;
	const char *const *candidates; /* roll ids of all candidates in this poll */
	size_t ncandidates;
	size_t max_proxies; /* principals one proxy may hold: roll_proxy_limit() */
	/* RP-6: the election's "proxy-candidate" row (candidates may not be
	 * proxies) and "proxy-mode" row (proxies only where residents or
	 * households vote), or NULL where no profile has one (then allowed) */
	const rule_def *proxy_candidate_row;
	const rule_def *proxy_mode_row;
} roll_context;

/* Set ctx's max_proxies, proxy_candidate_row and proxy_mode_row from m's
 * profiles (RP-6). */
void roll_proxy_rules(const elec_manifest *m, roll_context *ctx);

/*
 * The most principals one proxy may hold in this election (RP-6): the
 * smallest "limit" of a "proxy-limit" row among m's profiles, or
 * ROLL_MAX_PROXIES if none has one.  *row (if not NULL) receives that row,
 * or NULL for the default.
 */
size_t roll_proxy_limit(const elec_manifest *m, const rule_def **row);

/*
 * May `voter_id` be issued a ballot here?  proxy_holder is NULL when the
 * voter comes in person, else the roll id of the person presenting a written
 * proxy.  Returns Q_OK (eligible, *why = ELIG_OK), Q_ERR_DENIED (*why says
 * which rule; msg holds an English sentence naming the rule ID), or
 * Q_ERR_ARG on NULL arguments.  msg may be NULL.
 */
Q_MUST_CHECK qerr roll_check_eligible(const elec_roll *r, const char *voter_id,
                                      const char *proxy_holder, const roll_context *ctx,
                                      roll_refusal *why, char *msg, size_t msglen);

/*
 * The registered voters (election.md E-4.3, rules.md "registered"): the rows
 * of r eligible on polling day by UL16 -- not deprived of political rights
 * and 18 or older on polling_day -- whose residents' group is one of
 * groups[0..ngroups) (groups NULL: every group).  The check-in's own test
 * (roll_check_eligible) without its station and proxy parts.
 */
size_t roll_count_registered(const elec_roll *r, elec_date polling_day, const char *const *groups,
                             size_t ngroups);

/*
 * Cross-check a manifest against a roll: candidates on the roll and eligible
 * on polling day, no proxy holding more principals than roll_proxy_limit(m)
 * (roll_import does not count them), candidates not proxy holders (only
 * where a profile has a "proxy-candidate" row), no proxies in
 * representative modes (only where a profile has a "proxy-mode" row),
 * every group on the roll served by a station, a body.registered typed in
 * the manifest equal to roll_count_registered (E-4.3; an error naming both
 * numbers otherwise), a roll with at least one registered voter in residents
 * mode.  Findings go to f.  Q_OK, Q_ERR_RULE if any error, Q_ERR_NOMEM.
 */
Q_MUST_CHECK qerr roll_check_manifest(const elec_roll *r, const elec_manifest *m, elec_findings *f);

#endif

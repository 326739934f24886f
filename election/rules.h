/*
 * rules.h -- the threshold primitives and the rule table of RULES.md.
 *
 * Exact integer arithmetic only.  A count x is compared with a fraction
 * num/den of a base n by cross-multiplying in 128 bits (docs/rules.md R-1):
 *
 *   RULE_GT  超过 / 过半数   den*x >  num*n
 *   RULE_GE  以上 / 不少于   den*x >= num*n
 *   RULE_LT  低于 / 少于     den*x <  num*n
 *   RULE_LE  not more than  den*x <= num*n   (reconciliation: cast <= issued)
 *   RULE_EQ  equal          den*x == num*n   (ties)
 *
 * Nothing here allocates or fails; nothing is secret (not constant-time).
 */
#ifndef QUORUM_ELECTION_RULES_H
#define QUORUM_ELECTION_RULES_H

#include <stdint.h>

#include "crypto/qerr.h"

/* Largest count accepted anywhere (JSON-safe integer, 2^53 - 1). */
#define RULE_MAX_COUNT ((uint64_t)9007199254740991ULL)

typedef enum rule_op { RULE_GT, RULE_GE, RULE_LT, RULE_LE, RULE_EQ } rule_op;

/* What a count or a base is. */
typedef enum rule_base {
	BASE_REGISTERED, /* voters (adults) on the published roll */
	BASE_HOUSEHOLDS, /* household representatives registered */
	BASE_MEMBERS, /* all composition members of the body */
	BASE_ATTENDEES, /* checked in (a ballot was issued to them) */
	BASE_CAST, /* ballots cast, blank included */
	BASE_ISSUED, /* ballots issued */
	BASE_REPRESENTATIVES, /* residents' representatives */
	BASE_GROUPS, /* residents' groups */
	BASE_VOTES, /* a candidate's or option's votes */
	BASE_SIGNATURES, /* signatures on a petition or recall proposal */
	BASE_CANDIDATES, /* number of candidates */
	BASE_SEATS, /* number of seats */
} rule_base;

/* English name of a base ("registered", "cast", ...); never NULL. */
const char *rule_base_name(rule_base b);

/* Symbol of an operator (">", ">=", "<", "<=", "=="); never NULL. */
const char *rule_op_symbol(rule_op op);

/*
 * The comparison  den*x OP num*n  computed exactly.  If lhs/rhs are not
 * NULL they receive den*x and num*n (which fit in 64 bits when
 * x, n <= RULE_MAX_COUNT and num, den <= 1000).  den must be > 0 (den == 0
 * is a programming error and aborts).  No base-zero policy here: see
 * rule_def.zero_base_fails.
 */
int rule_cmp(rule_op op, uint64_t x, uint32_t num, uint32_t den, uint64_t n, uint64_t *lhs,
             uint64_t *rhs);

/* One numeric test of RULES.md. */
typedef struct rule_def {
	const char *id; /* stable ID from RULES.md, e.g. "UL29" */
	const char *part; /* which test of that rule: "quorum", "decision", "adults", ... */
	const char *source; /* legal source, e.g. "UL Art 29" */
	const char *test; /* the test in words, e.g. "attendees >= 2/3 members" */
	rule_base xkind; /* what x counts */
	rule_op op;
	uint32_t num, den;
	rule_base nkind; /* what the base n is */
	int statute; /* 1: statute (UL, 选举法); 0: a charter */
	int zero_base_fails; /* 1: n == 0 makes the test fail (no division) */
} rule_def;

/* Look up a test by ID and part; NULL if there is none. */
const rule_def *rule_find(const char *id, const char *part);

/* Contest types a rule profile may govern (bit mask). */
enum {
	RULE_FOR_OFFICE = 1,
	RULE_FOR_MOTION = 2,
	RULE_FOR_RECALL = 4,
	RULE_FOR_EVALUATION = 8,
	RULE_FOR_PETITION = 16,
};

/* A rule profile a contest may name in its "rules" list. */
typedef struct rule_profile {
	const char *id; /* "UL19", "CH4.12", "UL26.convene", ... */
	const char *rule_set; /* "UL" (statute) or "CH1".."CH5" (charter 篇一..篇五) */
	unsigned applies_to; /* RULE_FOR_* mask */
	const char *summary; /* one line, English */
} rule_profile;

/* Look up a profile by ID; NULL if unknown. */
const rule_profile *rule_profile_find(const char *id);

/* The whole profile table (for docs and --help); *n receives its length. */
const rule_profile *rule_profiles(unsigned *n);

#endif

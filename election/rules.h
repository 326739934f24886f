/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rules.h -- the threshold primitives and the rule profiles (docs/spec/
 * rules.md, chapter RP of SPEC.md).
 *
 * Exact integer arithmetic only.  A count x is compared with a fraction
 * num/den of a base n by cross-multiplying in 128 bits (RP-1):
 *
 *   RULE_GT  超过 / 过半数   den*x >  num*n
 *   RULE_GE  以上 / 不少于   den*x >= num*n
 *   RULE_LT  低于 / 少于     den*x <  num*n
 *   RULE_LE  not more than  den*x <= num*n   (reconciliation: cast <= issued)
 *   RULE_EQ  equal          den*x == num*n   (ties)
 *
 * The rules themselves are data: a *profile* is a JSON file
 * ("quorum-rules/1", RP-2) of one layer -- the statute, a province or a
 * charter -- listing *rule sets* (what a contest's "rules" names, e.g.
 * "UL19") and *rows* (one test or one non-numeric rule each, with its
 * source and a quote).  A *rulebook* is the profiles one election uses (or
 * the catalogue built into the program, rulebook_builtin()).
 *
 * Ownership: a rulebook owns its profiles, a profile its rows and sets;
 * pointers returned by the lookups live as long as the rulebook.  The
 * built-in rulebook lives for the whole process.  Nothing here is secret.
 */
#ifndef QUORUM_ELECTION_RULES_H
#define QUORUM_ELECTION_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/qerr.h"
#include "crypto/sha256.h"
#include "election/findings.h"

/* Largest count accepted anywhere (JSON-safe integer, 2^53 - 1). */
#define RULE_MAX_COUNT ((uint64_t)9007199254740991ULL)

#define RULES_FORMAT "quorum-rules/1"
#define RULES_MAX_BYTES (1024u * 1024u)
#define RULE_MAX_DEN 1000u

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
#define RULE_NBASES 12

/* English name of a base ("registered", "cast", ...); never NULL. */
const char *rule_base_name(rule_base b);

/* Symbol of an operator (">", ">=", "<", "<=", "=="); never NULL. */
const char *rule_op_symbol(rule_op op);

/*
 * The comparison  den*x OP num*n  computed exactly.  If lhs/rhs are not
 * NULL they receive den*x and num*n (which fit in 64 bits when
 * x, n <= RULE_MAX_COUNT and num, den <= 1000).  den must be > 0 (den == 0
 * is a programming error and aborts; profiles are refused with den 0).
 * No base-zero policy here: see rule_def.zero_base_fails.
 */
int rule_cmp(rule_op op, uint64_t x, uint32_t num, uint32_t den, uint64_t n, uint64_t *lhs,
             uint64_t *rhs);

/* Profile layers, in the order they are applied (RP-3). */
typedef enum rule_layer { LAYER_STATUTE, LAYER_PROVINCE, LAYER_CHARTER } rule_layer;

/* "statute", "province", "charter"; never NULL. */
const char *rule_layer_name(rule_layer l);

struct rule_file;

/* One row of a profile: a numeric test (numeric = 1) or a rule the
 * appliance checks or records elsewhere (numeric = 0). */
typedef struct rule_def {
	char *id; /* stable ID, e.g. "UL29" */
	char *part; /* which test of that rule: "quorum", "decision", "adults", ... */
	char *source; /* short citation shown in decisions, e.g. "UL Art 29" */
	char *test; /* the test in words, made from the numbers: "attendees >= 2/3 members" */
	char *decides_zh, *decides_en;
	char *law, *article, *quote, *status, *note; /* source.*; article/quote/note may be NULL */
	unsigned paragraph; /* 0: not given */
	char *governs; /* "ID/part" of a lower layer's row this row also decides, or NULL */
	int numeric;
	rule_base xkind; /* what x counts */
	rule_op op;
	uint32_t num, den;
	rule_base nkind; /* what the base n is */
	int statute; /* 1: the statute layer */
	int zero_base_fails; /* 1: n == 0 makes the test fail (no division) */
	unsigned limit; /* RP-2 "limit" (part "proxy-limit": principals per proxy); 0: none */
	const struct rule_file *file; /* the profile it belongs to */
} rule_def;

/* Contest types a rule set may govern (bit mask). */
enum {
	RULE_FOR_OFFICE = 1,
	RULE_FOR_MOTION = 2,
	RULE_FOR_RECALL = 4,
	RULE_FOR_EVALUATION = 8,
	RULE_FOR_PETITION = 16,
};

/* A rule set a contest may name in its "rules" list. */
typedef struct rule_profile {
	char *id; /* "UL19", "CH4.12", "UL26.convene", ... */
	char *rule_set; /* the profile's id: "UL-2025", "CH4", ... */
	unsigned applies_to; /* RULE_FOR_* mask */
	char *summary; /* one line, English */
	char *summary_zh;
	const struct rule_file *file;
} rule_profile;

/* One profile file (RP-2). */
typedef struct rule_file {
	char *id; /* "UL-2025", "CH4", "EXAMPLE-PROVINCE" */
	unsigned version;
	rule_layer layer;
	char *title_zh, *title_en, *note;
	rule_profile *sets;
	size_t nsets;
	rule_def *rows;
	size_t nrows;
	uint8_t *bytes; /* the exact file bytes */
	size_t len;
	uint8_t sha256[SHA256_LEN];
} rule_file;

/*
 * Parse one profile strictly (RP-2): duplicate or unknown keys, a missing
 * key, a wrong type, an unknown operator or base, a fraction out of range,
 * a statute row marked as an option, a source without quote or note, a
 * duplicate set or row -- each is a finding with its JSON path.  Q_OK with
 * *out; Q_ERR_FORMAT (not JSON, or findings) or Q_ERR_LIMIT (too large)
 * with *out NULL; Q_ERR_NOMEM.
 */
Q_MUST_CHECK qerr rule_file_parse(const uint8_t *bytes, size_t len, rule_file **out,
                                  elec_findings *f);
void rule_file_free(rule_file *p);

typedef struct rulebook {
	rule_file **files;
	size_t n;
} rulebook;

Q_MUST_CHECK qerr rulebook_new(rulebook **out);
void rulebook_free(rulebook *rb);

/*
 * Add a profile (the rulebook takes it, also on failure).  Refused with
 * findings (Q_ERR_RULE): a second profile with the same id, a second
 * statute, a set or row id/part another profile defines, a row governing
 * a row that is not in a lower layer or whose x and base differ.
 */
Q_MUST_CHECK qerr rulebook_add(rulebook *rb, rule_file *p, elec_findings *f);

/*
 * Every row the engine applies by name (RP-4) is present in the statute
 * profile, numeric; Q_ERR_RULE with a finding per missing row.
 */
Q_MUST_CHECK qerr rulebook_check_engine(const rulebook *rb, elec_findings *f);

/* The profiles built into this program (the JSON files of rules/ in its
 * source), parsed on first use; a built-in profile that does not parse is a
 * build error (qfatal).  Call it once before starting threads. */
const rulebook *rulebook_builtin(void);

/* The built-in profile files: *n receives their number; names[i] and
 * bytes[i]/lens[i] are the file name ("UL-2025.json") and its bytes. */
void rulebook_builtin_files(size_t *n, const char *const **names,
                            const unsigned char *const **bytes, const size_t **lens);

/* Look up a row by ID and part; NULL if there is none. */
const rule_def *rule_find(const rulebook *rb, const char *id, const char *part);

/* Look up a rule set by ID; NULL if unknown. */
const rule_profile *rule_profile_find(const rulebook *rb, const char *id);

/* A profile by id; NULL if none. */
const rule_file *rulebook_file(const rulebook *rb, const char *id);

/* The statute profile, or NULL. */
const rule_file *rulebook_statute(const rulebook *rb);

/*
 * UL19.secret: an election or a recall may not be a named (记名) vote.
 * kind is a manifest kind name ("election", "recall", "motion", ...);
 * Q_ERR_RULE with a finding naming UL19.secret if named and kind is an
 * election or a recall; else Q_OK.
 */
Q_MUST_CHECK qerr rules_vote_mode_check(const char *kind, int named, elec_findings *f);

#endif

/* rules.c -- see rules.h.  The table mirrors RULES.md row by row. */
#include "rules.h"

#include <string.h>

#include "crypto/util.h"

#include "banned.h"

const char *rule_base_name(rule_base b)
{
	switch (b) {
	case BASE_REGISTERED:
		return "registered";
	case BASE_HOUSEHOLDS:
		return "households";
	case BASE_MEMBERS:
		return "members";
	case BASE_ATTENDEES:
		return "attendees";
	case BASE_CAST:
		return "cast";
	case BASE_ISSUED:
		return "issued";
	case BASE_REPRESENTATIVES:
		return "representatives";
	case BASE_GROUPS:
		return "groups";
	case BASE_VOTES:
		return "votes";
	case BASE_SIGNATURES:
		return "signatures";
	case BASE_CANDIDATES:
		return "candidates";
	case BASE_SEATS:
		return "seats";
	}
	return "?";
}

const char *rule_op_symbol(rule_op op)
{
	switch (op) {
	case RULE_GT:
		return ">";
	case RULE_GE:
		return ">=";
	case RULE_LT:
		return "<";
	case RULE_LE:
		return "<=";
	case RULE_EQ:
		return "==";
	}
	return "?";
}

int rule_cmp(rule_op op, uint64_t x, uint32_t num, uint32_t den, uint64_t n, uint64_t *lhs,
             uint64_t *rhs)
{
	if (den == 0)
		qfatal("rule_cmp: zero denominator");
	/* docs/rules.md R-1: cross-multiplied, never divided. */
	unsigned __int128 l = (unsigned __int128)den * x;
	unsigned __int128 r = (unsigned __int128)num * n;
	if (lhs != NULL)
		*lhs = l > UINT64_MAX ? UINT64_MAX : (uint64_t)l;
	if (rhs != NULL)
		*rhs = r > UINT64_MAX ? UINT64_MAX : (uint64_t)r;
	switch (op) {
	case RULE_GT:
		return l > r;
	case RULE_GE:
		return l >= r;
	case RULE_LT:
		return l < r;
	case RULE_LE:
		return l <= r;
	case RULE_EQ:
		return l == r;
	}
	qfatal("rule_cmp: bad operator %d", (int)op);
}

#define S 1 /* statute */
#define C 0 /* charter */

static const rule_def defs[] = {
    /* Count reconciliation. */
    {"COUNT.reconcile", "reconcile", "选举法 Art 44; provincial rules", "cast <= issued", BASE_CAST,
     RULE_LE, 1, 1, BASE_ISSUED, S, 0},
    /* Committee elections. */
    {"UL18.contested", "contested", "UL Art 18", "candidates > seats", BASE_CANDIDATES, RULE_GT, 1,
     1, BASE_SEATS, S, 1},
    {"UL19.valid.residents", "quorum", "UL Art 19", "cast > 1/2 registered", BASE_CAST, RULE_GT, 1,
     2, BASE_REGISTERED, S, 1},
    {"UL19.valid.households", "quorum", "UL Art 19", "cast > 1/2 households", BASE_CAST, RULE_GT, 1,
     2, BASE_HOUSEHOLDS, S, 1},
    {"UL19.valid.representatives", "quorum", "UL Art 19", "cast > 2/3 members", BASE_CAST, RULE_GT,
     2, 3, BASE_MEMBERS, S, 1},
    {"UL19.elected", "elected", "UL Art 19", "votes > 1/2 cast", BASE_VOTES, RULE_GT, 1, 2,
     BASE_CAST, S, 1},
    {"UL19.tie", "tie", "UL Art 19; 选举法 Art 45", "votes == votes of the next-placed candidate",
     BASE_VOTES, RULE_EQ, 1, 1, BASE_VOTES, S, 0},
    {"UL19.runoff", "runoff", "UL Art 19", "votes >= 1/3 cast (run-off round)", BASE_VOTES, RULE_GE,
     1, 3, BASE_CAST, S, 1},
    /* Recall. */
    {"UL20.propose", "registered", "UL Art 20", "signatures >= 1/10 registered", BASE_SIGNATURES,
     RULE_GE, 1, 10, BASE_REGISTERED, S, 1},
    {"UL20.propose", "households", "UL Art 20", "signatures >= 1/10 households", BASE_SIGNATURES,
     RULE_GE, 1, 10, BASE_HOUSEHOLDS, S, 1},
    {"UL20.propose", "representatives", "UL Art 20", "signatures >= 1/3 representatives",
     BASE_SIGNATURES, RULE_GE, 1, 3, BASE_REPRESENTATIVES, S, 1},
    {"UL20.quorum", "residents", "UL Art 20", "cast > 1/2 registered", BASE_CAST, RULE_GT, 1, 2,
     BASE_REGISTERED, S, 1},
    {"UL20.quorum", "households", "UL Art 20", "cast > 1/2 households", BASE_CAST, RULE_GT, 1, 2,
     BASE_HOUSEHOLDS, S, 1},
    {"UL20.quorum", "representatives", "UL Art 20", "cast > 2/3 members", BASE_CAST, RULE_GT, 2, 3,
     BASE_MEMBERS, S, 1},
    {"UL20.pass", "decision", "UL Art 20", "yes > 1/2 cast", BASE_VOTES, RULE_GT, 1, 2, BASE_CAST,
     S, 1},
    /* Meetings and motions. */
    {"UL27", "quorum", "UL Art 27", "attendees > 1/2 registered", BASE_ATTENDEES, RULE_GT, 1, 2,
     BASE_REGISTERED, S, 1},
    {"UL27", "quorum-households", "UL Art 27", "attendees > 1/2 households", BASE_ATTENDEES,
     RULE_GT, 1, 2, BASE_HOUSEHOLDS, S, 1},
    {"UL27", "decision", "UL Art 27", "yes > 1/2 attendees", BASE_VOTES, RULE_GT, 1, 2,
     BASE_ATTENDEES, S, 1},
    {"UL29", "quorum", "UL Art 29", "attendees >= 2/3 members", BASE_ATTENDEES, RULE_GE, 2, 3,
     BASE_MEMBERS, S, 1},
    {"UL29", "decision", "UL Art 29", "yes > 1/2 attendees", BASE_VOTES, RULE_GT, 1, 2,
     BASE_ATTENDEES, S, 1},
    {"CH4.12", "quorum", "seed 篇四 第十二条", "attendees > 1/2 members", BASE_ATTENDEES, RULE_GT,
     1, 2, BASE_MEMBERS, C, 1},
    {"CH4.12", "decision", "seed 篇四 第十二条", "yes > 1/2 attendees", BASE_VOTES, RULE_GT, 1, 2,
     BASE_ATTENDEES, C, 1},
    {"CH4.9", "quorum", "seed 篇四 第九条", "attendees > 1/2 members", BASE_ATTENDEES, RULE_GT, 1,
     2, BASE_MEMBERS, C, 1},
    {"CH4.9", "decision", "seed 篇四 第九条", "yes > 1/2 attendees", BASE_VOTES, RULE_GT, 1, 2,
     BASE_ATTENDEES, C, 1},
    {"CH5.28", "quorum", "seed 篇五 第二十八条", "attendees >= 4/5 members", BASE_ATTENDEES,
     RULE_GE, 4, 5, BASE_MEMBERS, C, 1},
    {"CH5.28", "decision", "seed 篇五 第二十八条", "yes > 1/2 attendees", BASE_VOTES, RULE_GT, 1, 2,
     BASE_ATTENDEES, C, 1},
    {"CH5.9", "decision", "seed 篇五 第九条", "yes > 1/2 attendees", BASE_VOTES, RULE_GT, 1, 2,
     BASE_ATTENDEES, C, 1},
    /* Convening petitions: each part is one route; any one suffices. */
    {"UL26.convene", "adults", "UL Art 26", "signatures >= 1/10 registered adults", BASE_SIGNATURES,
     RULE_GE, 1, 10, BASE_REGISTERED, S, 1},
    {"UL26.convene", "households", "UL Art 26", "signatures >= 1/10 households", BASE_SIGNATURES,
     RULE_GE, 1, 10, BASE_HOUSEHOLDS, S, 1},
    {"UL26.convene", "representatives", "UL Art 26", "signatures >= 1/3 representatives",
     BASE_SIGNATURES, RULE_GE, 1, 3, BASE_REPRESENTATIVES, S, 1},
    {"UL28.convene", "representatives", "UL Art 28", "signatures >= 1/5 representatives",
     BASE_SIGNATURES, RULE_GE, 1, 5, BASE_REPRESENTATIVES, S, 1},
    {"CH5.8.convene", "adults", "seed 篇五 第八条", "signatures >= 1/5 registered adults",
     BASE_SIGNATURES, RULE_GE, 1, 5, BASE_REGISTERED, C, 1},
    {"CH5.8.convene", "households", "seed 篇五 第八条", "signatures >= 1/5 households",
     BASE_SIGNATURES, RULE_GE, 1, 5, BASE_HOUSEHOLDS, C, 1},
    {"CH5.8.convene", "groups", "seed 篇五 第八条", "groups >= 1/3 residents' groups",
     BASE_SIGNATURES, RULE_GE, 1, 3, BASE_GROUPS, C, 1},
    {"CH5.27.convene", "adults", "seed 篇五 第二十七条", "signatures >= 1/10 registered adults",
     BASE_SIGNATURES, RULE_GE, 1, 10, BASE_REGISTERED, C, 1},
    {"CH5.27.convene", "households", "seed 篇五 第二十七条", "signatures >= 1/10 households",
     BASE_SIGNATURES, RULE_GE, 1, 10, BASE_HOUSEHOLDS, C, 1},
    {"CH5.27.convene", "groups", "seed 篇五 第二十七条", "groups >= 1/5 residents' groups",
     BASE_SIGNATURES, RULE_GE, 1, 5, BASE_GROUPS, C, 1},
    {"CH4.11.convene", "representatives", "seed 篇四 第十一条", "signatures >= 1/3 representatives",
     BASE_SIGNATURES, RULE_GE, 1, 3, BASE_REPRESENTATIVES, C, 1},
    {"CH4.11.convene", "adults", "seed 篇四 第十一条", "signatures >= 1/5 registered adults",
     BASE_SIGNATURES, RULE_GE, 1, 5, BASE_REGISTERED, C, 1},
    {"CH4.11.convene", "households", "seed 篇四 第十一条", "signatures >= 1/5 households",
     BASE_SIGNATURES, RULE_GE, 1, 5, BASE_HOUSEHOLDS, C, 1},
    {"CH4.11.convene", "groups", "seed 篇四 第十一条", "groups >= 1/3 residents' groups",
     BASE_SIGNATURES, RULE_GE, 1, 3, BASE_GROUPS, C, 1},
    /* Evaluations. */
    {"CH1.20.4", "rectify", "seed 篇一 第二十条", "(满意 + 基本满意) < 60/100 cast", BASE_VOTES,
     RULE_LT, 60, 100, BASE_CAST, C, 1},
    {"UL37", "unfit", "UL Art 37", "不满意 > 1/2 cast (rated 不称职 this time)", BASE_VOTES,
     RULE_GT, 1, 2, BASE_CAST, S, 1},
    /* Manifest checks with a numeric test. */
    {"UL28.composition", "composition", "UL Art 28", "representatives >= 4/5 members",
     BASE_REPRESENTATIVES, RULE_GE, 4, 5, BASE_MEMBERS, S, 1},
};

const rule_def *rule_find(const char *id, const char *part)
{
	for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++)
		if (strcmp(defs[i].id, id) == 0 && strcmp(defs[i].part, part) == 0)
			return &defs[i];
	return NULL;
}

static const rule_profile profiles[] = {
    {"UL19", "UL", RULE_FOR_OFFICE,
     "committee election: validity, > 1/2 of cast to be elected, ties, run-off (>= 1/3)"},
    {"UL20", "UL", RULE_FOR_RECALL,
     "recall: proposal, defence, quorum (> 1/2 or > 2/3), yes > 1/2 of cast"},
    {"CH4.9", "CH4", RULE_FOR_RECALL,
     "recall at the 篇四 assembly: > 1/2 members attend, yes > 1/2 attendees"},
    {"UL27", "UL", RULE_FOR_MOTION,
     "residents' meeting: > 1/2 registered attend, yes > 1/2 attendees"},
    {"UL29", "UL", RULE_FOR_MOTION,
     "representatives' meeting: >= 2/3 members attend, yes > 1/2 attendees"},
    {"CH4.12", "CH4", RULE_FOR_MOTION, "篇四 assembly: > 1/2 members attend, yes > 1/2 attendees"},
    {"CH5.28", "CH5", RULE_FOR_MOTION,
     "篇五 deliberation council: >= 4/5 members attend, yes > 1/2 attendees"},
    {"CH5.9", "CH5", RULE_FOR_MOTION,
     "篇五 residents' meeting: yes > 1/2 attendees (quorum from UL27)"},
    {"CH1.20.4", "CH1", RULE_FOR_EVALUATION, "篇一 evaluation: rectification below 60% satisfied"},
    {"UL37", "UL", RULE_FOR_EVALUATION, "office ends after two consecutive 不称职 ratings"},
    {"UL26.convene", "UL", RULE_FOR_PETITION,
     "convene a residents' meeting: 1/10 adults or households, 1/3 representatives"},
    {"UL28.convene", "UL", RULE_FOR_PETITION,
     "convene a representatives' meeting: 1/5 representatives"},
    {"CH5.8.convene", "CH5", RULE_FOR_PETITION,
     "篇五 residents' meeting: 1/5 adults or households, 1/3 groups"},
    {"CH5.27.convene", "CH5", RULE_FOR_PETITION,
     "篇五 council: 1/10 adults or households, 1/5 groups"},
    {"CH4.11.convene", "CH4", RULE_FOR_PETITION,
     "篇四 assembly: 1/3 representatives, 1/5 adults or households, 1/3 groups"},
};

const rule_profile *rule_profile_find(const char *id)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (strcmp(profiles[i].id, id) == 0)
			return &profiles[i];
	return NULL;
}

const rule_profile *rule_profiles(unsigned *n)
{
	*n = (unsigned)(sizeof(profiles) / sizeof(profiles[0]));
	return profiles;
}

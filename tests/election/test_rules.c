/* The threshold primitives and the rule table: every rule ID of RULES.md at
 * its boundary and on each side of it (docs/rules.md R-1). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "election/rules.h"

struct row {
	const char *id, *part;
	uint64_t x, n;
	int holds;
};

/* For each test: the exact boundary, one below/above, and the worked cases
 * of RULES.md. */
static const struct row rows[] = {
    /* COUNT.reconcile: cast <= issued */
    {"COUNT.reconcile", "reconcile", 300, 300, 1},
    {"COUNT.reconcile", "reconcile", 301, 300, 0},
    {"COUNT.reconcile", "reconcile", 0, 0, 1},
    /* UL18.contested: candidates > seats */
    {"UL18.contested", "contested", 2, 1, 1},
    {"UL18.contested", "contested", 1, 1, 0},
    /* UL19.valid.*: 过半数 / 超过 2/3 (strict) */
    {"UL19.valid.residents", "quorum", 500, 1000, 0}, /* exactly half */
    {"UL19.valid.residents", "quorum", 501, 1000, 1},
    {"UL19.valid.residents", "quorum", 1, 1, 1},
    {"UL19.valid.households", "quorum", 200, 400, 0},
    {"UL19.valid.households", "quorum", 201, 400, 1},
    {"UL19.valid.representatives", "quorum", 20, 30, 0}, /* exactly 2/3: strict */
    {"UL19.valid.representatives", "quorum", 21, 30, 1},
    {"UL19.valid.representatives", "quorum", 19, 30, 0},
    /* UL19.elected: votes > 1/2 cast */
    {"UL19.elected", "elected", 251, 501, 1},
    {"UL19.elected", "elected", 250, 501, 0},
    {"UL19.elected", "elected", 250, 500, 0}, /* exactly half */
    {"UL19.elected", "elected", 251, 500, 1},
    /* UL19.tie */
    {"UL19.tie", "tie", 310, 310, 1},
    {"UL19.tie", "tie", 309, 310, 0},
    /* UL19.runoff: votes >= 1/3 cast */
    {"UL19.runoff", "runoff", 100, 300, 1}, /* exactly 1/3 */
    {"UL19.runoff", "runoff", 99, 300, 0},
    {"UL19.runoff", "runoff", 34, 101, 1},
    {"UL19.runoff", "runoff", 33, 101, 0},
    /* UL20 */
    {"UL20.propose", "registered", 100, 1000, 1},
    {"UL20.propose", "registered", 99, 1000, 0},
    {"UL20.propose", "households", 40, 400, 1},
    {"UL20.propose", "households", 39, 400, 0},
    {"UL20.propose", "representatives", 10, 30, 1},
    {"UL20.propose", "representatives", 9, 30, 0},
    {"UL20.quorum", "residents", 500, 1000, 0},
    {"UL20.quorum", "residents", 501, 1000, 1},
    {"UL20.quorum", "households", 200, 400, 0},
    {"UL20.quorum", "households", 201, 400, 1},
    {"UL20.quorum", "representatives", 20, 30, 0},
    {"UL20.quorum", "representatives", 21, 30, 1},
    {"UL20.pass", "decision", 260, 520, 0},
    {"UL20.pass", "decision", 261, 520, 1},
    /* UL27 */
    {"UL27", "quorum", 500, 1000, 0},
    {"UL27", "quorum", 501, 1000, 1},
    {"UL27", "quorum-households", 200, 400, 0},
    {"UL27", "quorum-households", 201, 400, 1},
    {"UL27", "decision", 14, 27, 1},
    {"UL27", "decision", 13, 27, 0},
    {"UL27", "decision", 13, 26, 0}, /* exactly half */
    /* UL29: 40 members, 26 attend fails, 27 passes; exactly 2/3 holds */
    {"UL29", "quorum", 26, 40, 0},
    {"UL29", "quorum", 27, 40, 1},
    {"UL29", "quorum", 20, 30, 1}, /* exactly 2/3: inclusive */
    {"UL29", "quorum", 19, 30, 0},
    {"UL29", "decision", 14, 27, 1},
    {"UL29", "decision", 13, 27, 0},
    /* CH4.12 / CH4.9: > 1/2 members */
    {"CH4.12", "quorum", 20, 40, 0},
    {"CH4.12", "quorum", 21, 40, 1},
    {"CH4.12", "decision", 11, 21, 1},
    {"CH4.12", "decision", 10, 21, 0},
    {"CH4.9", "quorum", 20, 40, 0},
    {"CH4.9", "quorum", 21, 40, 1},
    {"CH4.9", "decision", 11, 22, 0},
    {"CH4.9", "decision", 12, 22, 1},
    /* CH5.28: >= 4/5 members; council of 10: 8 yes, 7 no */
    {"CH5.28", "quorum", 8, 10, 1},
    {"CH5.28", "quorum", 7, 10, 0},
    {"CH5.28", "quorum", 9, 10, 1},
    {"CH5.28", "decision", 5, 8, 1},
    {"CH5.28", "decision", 4, 8, 0},
    {"CH5.9", "decision", 51, 100, 1},
    {"CH5.9", "decision", 50, 100, 0},
    /* petitions */
    {"UL26.convene", "adults", 100, 1000, 1},
    {"UL26.convene", "adults", 99, 1000, 0},
    {"UL26.convene", "households", 40, 400, 1},
    {"UL26.convene", "households", 39, 400, 0},
    {"UL26.convene", "representatives", 12, 36, 1},
    {"UL26.convene", "representatives", 11, 36, 0},
    {"UL28.convene", "representatives", 8, 40, 1},
    {"UL28.convene", "representatives", 7, 40, 0},
    {"CH5.8.convene", "adults", 200, 1000, 1},
    {"CH5.8.convene", "adults", 199, 1000, 0},
    {"CH5.8.convene", "households", 80, 400, 1},
    {"CH5.8.convene", "households", 79, 400, 0},
    {"CH5.8.convene", "groups", 5, 15, 1}, /* exactly 1/3 */
    {"CH5.8.convene", "groups", 4, 15, 0},
    {"CH5.27.convene", "adults", 100, 1000, 1},
    {"CH5.27.convene", "adults", 99, 1000, 0},
    {"CH5.27.convene", "households", 40, 400, 1},
    {"CH5.27.convene", "households", 39, 400, 0},
    {"CH5.27.convene", "groups", 3, 15, 1},
    {"CH5.27.convene", "groups", 2, 15, 0},
    {"CH4.11.convene", "representatives", 12, 36, 1},
    {"CH4.11.convene", "representatives", 11, 36, 0},
    {"CH4.11.convene", "adults", 200, 1000, 1},
    {"CH4.11.convene", "adults", 199, 1000, 0},
    {"CH4.11.convene", "households", 80, 400, 1},
    {"CH4.11.convene", "households", 79, 400, 0},
    {"CH4.11.convene", "groups", 6, 18, 1},
    {"CH4.11.convene", "groups", 5, 18, 0},
    /* evaluations: rectify below 60% (exactly 60% is not below) */
    {"CH1.20.4", "rectify", 60, 100, 0},
    {"CH1.20.4", "rectify", 59, 100, 1},
    {"CH1.20.4", "rectify", 18, 30, 0},
    {"CH1.20.4", "rectify", 17, 30, 1},
    {"UL37", "unfit", 15, 30, 0},
    {"UL37", "unfit", 16, 30, 1},
    /* manifest check: representatives >= 4/5 members */
    {"UL28.composition", "composition", 32, 40, 1},
    {"UL28.composition", "composition", 31, 40, 0},
};

Test(rules, every_rule_at_and_around_its_boundary)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		const rule_def *d = rule_find(rulebook_builtin(), r->id, r->part);
		cr_assert_not_null(d, "no rule %s/%s", r->id, r->part);
		uint64_t l, rr;
		int h = rule_cmp(d->op, r->x, d->num, d->den, r->n, &l, &rr);
		cr_expect_eq(h, r->holds, "%s/%s x=%llu n=%llu: got %d (%llu %s %llu)", r->id,
		             r->part, (unsigned long long)r->x, (unsigned long long)r->n, h,
		             (unsigned long long)l, rule_op_symbol(d->op), (unsigned long long)rr);
		cr_expect_eq(l, (uint64_t)d->den * r->x);
		cr_expect_eq(rr, (uint64_t)d->num * r->n);
	}
}

/* Every rule ID of RULES.md that has a numeric test is in the table, and
 * every rule-set profile can be found. */
Test(rules, table_covers_rules_md)
{
	static const char *ids[][2] = {
	    {"COUNT.reconcile", "reconcile"},
	    {"UL18.contested", "contested"},
	    {"UL19.valid.residents", "quorum"},
	    {"UL19.valid.households", "quorum"},
	    {"UL19.valid.representatives", "quorum"},
	    {"UL19.elected", "elected"},
	    {"UL19.tie", "tie"},
	    {"UL19.runoff", "runoff"},
	    {"UL20.quorum", "residents"},
	    {"UL20.pass", "decision"},
	    {"UL27", "quorum"},
	    {"UL29", "quorum"},
	    {"CH4.12", "quorum"},
	    {"CH4.9", "quorum"},
	    {"CH5.28", "quorum"},
	    {"CH5.9", "decision"},
	    {"UL26.convene", "adults"},
	    {"UL28.convene", "representatives"},
	    {"CH5.8.convene", "groups"},
	    {"CH5.27.convene", "groups"},
	    {"CH4.11.convene", "groups"},
	    {"CH1.20.4", "rectify"},
	    {"UL37", "unfit"},
	    {"UL28.composition", "composition"},
	};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const rule_def *d = rule_find(rulebook_builtin(), ids[i][0], ids[i][1]);
		cr_assert_not_null(d, "%s/%s", ids[i][0], ids[i][1]);
		cr_expect(d->source != NULL && d->source[0] != '\0');
		cr_expect(d->den > 0);
	}
	cr_expect_null(rule_find(rulebook_builtin(), "UL99", "quorum"));
	cr_expect_null(rule_find(rulebook_builtin(), "UL29", "nonsense"));
	static const char *profiles[] = {
	    "UL19",         "UL20",         "CH4.9",         "UL27",           "UL29",
	    "CH4.12",       "CH5.28",       "CH5.9",         "CH1.20.4",       "UL37",
	    "UL26.convene", "UL28.convene", "CH5.8.convene", "CH5.27.convene", "CH4.11.convene"};
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		cr_expect_not_null(rule_profile_find(rulebook_builtin(), profiles[i]), "%s",
		                   profiles[i]);
	cr_expect_null(rule_profile_find(rulebook_builtin(), "CH6.1"));
	size_t n = 0;
	const rulebook *rb = rulebook_builtin();
	for (size_t k = 0; k < rb->n; k++)
		n += rb->files[k]->nsets;
	cr_expect_eq(n, sizeof(profiles) / sizeof(profiles[0]));
}

/* Statute and charter are told apart. */
Test(rules, statute_flag)
{
	cr_expect(rule_find(rulebook_builtin(), "UL29", "quorum")->statute);
	cr_expect(!rule_find(rulebook_builtin(), "CH4.12", "quorum")->statute);
	cr_expect(rule_find(rulebook_builtin(), "UL26.convene", "adults")->statute);
	cr_expect(!rule_find(rulebook_builtin(), "CH5.8.convene", "adults")->statute);
}

/* The pure comparison: operators, base of zero, and no overflow near 2^53. */
Test(rules, cmp_operators_and_extremes)
{
	uint64_t l, r;
	cr_expect(!rule_cmp(RULE_GT, 0, 1, 2, 0, &l, &r)); /* 0 > 0 */
	cr_expect(rule_cmp(RULE_GE, 0, 1, 2, 0, &l, &r)); /* pure math: 0 >= 0 */
	cr_expect(!rule_cmp(RULE_LT, 0, 60, 100, 0, NULL, NULL));
	cr_expect(rule_cmp(RULE_LE, 5, 1, 1, 5, NULL, NULL));
	cr_expect(rule_cmp(RULE_EQ, 5, 1, 1, 5, NULL, NULL));
	cr_expect(!rule_cmp(RULE_EQ, 5, 1, 1, 6, NULL, NULL));
	uint64_t big = RULE_MAX_COUNT;
	/* 2(2^53-1) > 2^53-1 ... 2x > N with x = N/2 rounded down: exactly-half logic */
	cr_expect(!rule_cmp(RULE_GT, big / 2, 1, 2, big - 1, &l, &r)); /* 2x == N-1 */
	cr_expect(rule_cmp(RULE_GT, big / 2 + 1, 1, 2, big, &l, &r));
	cr_expect_eq(l, 2 * (big / 2 + 1));
	cr_expect_eq(r, big);
	/* 100 * (2^53-1) does not overflow */
	cr_expect(rule_cmp(RULE_LT, big - 1, 60, 100, big, &l, &r) == 0);
	cr_expect_eq(l, 100 * (big - 1));
	cr_expect(rule_cmp(RULE_LT, (big / 100) * 59, 60, 100, big, NULL, NULL));
	/* UINT64_MAX inputs: exact in 128 bits, outputs saturate */
	cr_expect(rule_cmp(RULE_GT, UINT64_MAX, 1, 2, UINT64_MAX, &l, &r));
	cr_expect_eq(l, UINT64_MAX);
	cr_expect(!rule_cmp(RULE_GE, UINT64_MAX - 1, 1, 1, UINT64_MAX, NULL, NULL));
	cr_expect_str_eq(rule_op_symbol(RULE_GE), ">=");
	cr_expect_str_eq(rule_base_name(BASE_ATTENDEES), "attendees");
}

Test(rules, zero_denominator_aborts, .signal = SIGABRT)
{
	(void)rule_cmp(RULE_GT, 1, 1, 0, 1, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The threshold primitives and the rule table: every rule ID of RULES.md at
 * its boundary and on each side of it (docs/rules.md R-1). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* ---- profiles as data (docs/spec/rules.md RP-2 .. RP-5) ---- */

#include "election/rules_record.h"
#include "election/srec.h"
#include "helpers.h"

/* A minimal valid province profile; %s are replaced to break it. */
static const char prov_fmt[] =
    "{\"format\": \"%s\", \"id\": \"GS-TEST\", \"version\": 1, \"layer\": \"province\",\n"
    " \"title\": {\"zh\": \"测试省\", \"en\": \"test province\"}, \"note\": null, \"sets\": [],\n"
    " \"rows\": [{\"id\": \"GS.runoff\", \"part\": \"runoff\",\n"
    "   \"decides\": {\"zh\": \"另行选举\", \"en\": \"run-off\"},\n"
    "   \"test\": {\"x\": \"votes\", \"op\": \"%s\", \"num\": %s, \"den\": %s, \"base\": \"%s\",\n"
    "            \"zero_base_fails\": true, \"x_label\": null},\n"
    "   \"governs\": %s,\n"
    "   \"source\": {\"law\": \"测试省居民委员会选举办法\", \"article\": %s, \"paragraph\": null,\n"
    "              \"cite\": \"GS Art 9\", \"quote\": %s, \"status\": \"%s\", \"note\": %s}%s}]}\n";

static char *prov(const char *format, const char *op, const char *num, const char *den,
                  const char *base, const char *governs, const char *article, const char *quote,
                  const char *status, const char *note, const char *extra)
{
	size_t cap = sizeof prov_fmt + 512;
	char *s = malloc(cap);
	cr_assert_not_null(s);
	snprintf(s, cap, prov_fmt, format, op, num, den, base, governs, article, quote, status,
	         note, extra);
	return s;
}

static char *good_prov(const char *num, const char *den)
{
	return prov("quorum-rules/1", ">=", num, den, "cast", "\"UL19.runoff/runoff\"",
	            "\"第九条\"", "\"所得票数不得少于选票的五分之二\"", "confirmed", "null", "");
}

/* Parse s; expect Q_OK (where == NULL) or a refusal with a finding at
 * `where` whose message contains `msg`. */
static void parse_expect(char *s, const char *where, const char *msg)
{
	elec_findings f;
	rule_file *pf = NULL;
	elec_findings_init(&f);
	qerr e = rule_file_parse((const uint8_t *)s, strlen(s), &pf, &f);
	if (where == NULL) {
		cr_expect_eq(e, Q_OK, "%s", f.n ? f.v[0].message : "");
		cr_expect_not_null(pf);
	} else {
		cr_expect_eq(e, Q_ERR_FORMAT, "expected a refusal at %s", where);
		cr_expect_null(pf);
		cr_expect(has_finding(&f, ELEC_ERROR, NULL, where, msg), "no finding at %s (%s)",
		          where, msg);
		if (!has_finding(&f, ELEC_ERROR, NULL, where, msg))
			dump_findings(&f);
	}
	rule_file_free(pf);
	elec_findings_free(&f);
	free(s);
}

Test(profiles, a_valid_profile_parses)
{
	parse_expect(good_prov("2", "5"), NULL, NULL);
}

Test(profiles, malformed_profiles_are_refused_naming_the_field)
{
	const char *g = "\"UL19.runoff/runoff\"", *a = "\"第九条\"", *q = "\"票数\"";
	parse_expect(
	    prov("quorum-rules/9", ">=", "2", "5", "cast", g, a, q, "confirmed", "null", ""),
	    "format", "quorum-rules/1");
	parse_expect(
	    prov("quorum-rules/1", "=>", "2", "5", "cast", g, a, q, "confirmed", "null", ""),
	    "rows[0].test.op", "unknown operator");
	parse_expect(
	    prov("quorum-rules/1", ">=", "2", "0", "cast", g, a, q, "confirmed", "null", ""),
	    "rows[0].test.den", "1 ... 1000");
	parse_expect(
	    prov("quorum-rules/1", ">=", "2", "1001", "cast", g, a, q, "confirmed", "null", ""),
	    "rows[0].test.den", "1 ... 1000");
	parse_expect(
	    prov("quorum-rules/1", ">=", "-1", "5", "cast", g, a, q, "confirmed", "null", ""),
	    "rows[0].test.num", "0 ... 1000");
	parse_expect(
	    prov("quorum-rules/1", ">=", "0.4", "1", "cast", g, a, q, "confirmed", "null", ""),
	    "rows[0].test.num", "integer");
	parse_expect(
	    prov("quorum-rules/1", ">=", "6", "5", "cast", g, a, q, "confirmed", "null", ""),
	    "rows[0].test.num", "above 1");
	parse_expect(
	    prov("quorum-rules/1", ">=", "2", "5", "everyone", g, a, q, "confirmed", "null", ""),
	    "rows[0].test.base", "unknown base");
	parse_expect(prov("quorum-rules/1", ">=", "2", "5", "cast", "\"UL19.runoff\"", a, q,
	                  "confirmed", "null", ""),
	             "rows[0].governs", "ID/part");
	/* a confirmed source quotes its sentence and names its article */
	parse_expect(
	    prov("quorum-rules/1", ">=", "2", "5", "cast", g, a, "null", "confirmed", "null", ""),
	    "rows[0].source.quote", "quote");
	parse_expect(
	    prov("quorum-rules/1", ">=", "2", "5", "cast", g, "null", q, "confirmed", "null", ""),
	    "rows[0].source.article", "article");
	/* unconfirmed or option: a note says what is known */
	parse_expect(
	    prov("quorum-rules/1", ">=", "2", "5", "cast", g, a, q, "unconfirmed", "null", ""),
	    "rows[0].source.note", "note");
	parse_expect(prov("quorum-rules/1", ">=", "2", "5", "cast", g, a, q, "maybe", "\"n\"", ""),
	             "rows[0].source.status", "confirmed, unconfirmed or option");
	/* unknown and duplicate keys */
	parse_expect(prov("quorum-rules/1", ">=", "2", "5", "cast", g, a, q, "confirmed", "null",
	                  ", \"threshold\": 3"),
	             "rows[0].threshold", "unknown key");
	/* RP-2: a limit only on a test-less proxy-limit or nomination-joint row */
	parse_expect(prov("quorum-rules/1", ">=", "2", "5", "cast", g, a, q, "confirmed", "null",
	                  ", \"limit\": 3"),
	             "rows[0].limit", "\"proxy-limit\" or \"nomination-joint\"");
	/* not JSON, not an object, empty */
	parse_expect(strdup("{\"format\": \"quorum-rules/1\", "), "line", "not JSON");
	parse_expect(strdup("[]"), "", "JSON object");
	parse_expect(strdup(""), "line", "not JSON");
	/* a statute row cannot be an option */
	char *s = prov("quorum-rules/1", ">=", "2", "5", "cast", "null", "null", "null", "option",
	               "\"n\"", "");
	char *lay = strstr(s, "\"province\"");
	memcpy(lay, "\"statute\" ", 10);
	parse_expect(s, "rows[0].source.status", "statute row cannot be an option");
	/* duplicate keys */
	parse_expect(strdup("{\"format\": \"quorum-rules/1\", \"format\": \"quorum-rules/1\"}"),
	             "line", "duplicate");
}

/* Issue 22: a statute row that lost its quote (UL28.convene's, the last
 * row found without one) is refused by the parser, naming the field: every
 * row quotes its source or is an option of a province or charter. */
Test(profiles, statute_row_without_a_quote_is_refused)
{
	const rulebook *rb = rulebook_builtin();
	const rule_file *ul = rb->files[0];
	cr_assert(ul->layer == LAYER_STATUTE);
	char *s = malloc(ul->len + 1);
	memcpy(s, ul->bytes, ul->len);
	s[ul->len] = '\0';
	const char *q = "\"quote\": \"村民代表会议由村民委员会召集。";
	char *at = strstr(s, q);
	cr_assert_not_null(at);
	char *end = strchr(at + strlen("\"quote\": \""), '"');
	cr_assert_not_null(end);
	/* "quote": "…" -> "quote": null, padded with spaces */
	memcpy(at, "\"quote\": null", strlen("\"quote\": null"));
	memset(at + strlen("\"quote\": null"), ' ',
	       (size_t)(end + 1 - at) - strlen("\"quote\": null"));
	char *rowsat = strstr(s, "\"rows\"");
	size_t idx = 0;
	for (char *r = strstr(rowsat, "\"id\": "); r != NULL && r < at;
	     r = strstr(r + 1, "\"id\": "))
		idx++;
	char where[64];
	snprintf(where, sizeof where, "rows[%zu].source.quote", idx - 1);
	parse_expect(s, where, "option of a province or charter");
}

/* Every built-in row names its source: a quote for confirmed ones, a note
 * saying what is known otherwise; no statute row is an option. */
Test(profiles, every_builtin_row_is_sourced)
{
	const rulebook *rb = rulebook_builtin();
	cr_assert_eq(rb->n, 7);
	for (size_t k = 0; k < rb->n; k++)
		for (size_t i = 0; i < rb->files[k]->nrows; i++) {
			const rule_def *d = &rb->files[k]->rows[i];
			cr_expect(d->law && d->source && d->status, "%s", d->id);
			if (strcmp(d->status, "confirmed") == 0)
				cr_expect(d->quote != NULL && d->article != NULL, "%s", d->id);
			else
				cr_expect(d->note != NULL, "%s", d->id);
			/* issue 22: a quote, or an option of a province or charter */
			if (strcmp(d->status, "option") != 0)
				cr_expect(d->quote != NULL, "%s/%s has no quote", d->id, d->part);
			if (d->statute)
				cr_expect_str_neq(d->status, "option", "%s", d->id);
		}
	/* issue 22's rows: sourced, or marked */
	static const char *const ids[][3] = {
	    {"UL20.propose", "registered", "unconfirmed"},
	    {"UL27", "quorum-households", "unconfirmed"},
	    {"UL18.nomination", "nomination", "unconfirmed"},
	    {"UL19.proxy", "proxy", "unconfirmed"},
	    {"UL19.valid.representatives", "quorum", "unconfirmed"},
	    {"COUNT.reconcile", "reconcile", "confirmed"},
	    {"UL19.secret", "secret", "unconfirmed"},
	    {"UL19.secret", "count", "unconfirmed"},
	    {"UL19.secret", "announce", "unconfirmed"},
	    {"UL17.committee", "committee", "unconfirmed"},
	    {"UL17.objections", "objections", "unconfirmed"},
	    {"UL17.objections", "roll-change", "unconfirmed"},
	    {"UL28.convene", "representatives", "unconfirmed"},
	    {"UL19.byelection", "byelection", "unconfirmed"},
	    {"PROV.proxy.limit", "proxy-limit", "option"},
	    {"PROV.proxy.candidate", "proxy-candidate", "option"},
	    {"PROV.nomination.joint", "nomination-joint", "option"},
	    {"PROV.nomination.party", "nomination-party", "option"},
	};
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		const rule_def *d = rule_find(rb, ids[i][0], ids[i][1]);
		cr_assert_not_null(d, "%s/%s", ids[i][0], ids[i][1]);
		cr_expect_str_eq(d->status, ids[i][2], "%s", ids[i][0]);
	}
	cr_expect_eq(rule_find(rb, "UL19.valid.representatives", "quorum")->nkind,
	             BASE_REPRESENTATIVES);
	cr_expect_eq(rule_find(rb, "COUNT.reconcile", "reconcile")->nkind, BASE_ISSUED);
	cr_expect_eq(rule_find(rb, "PROV.nomination.joint", "nomination-joint")->limit, 10);
}

/* Layering (RP-3): a row may only govern a lower layer's row with the same
 * count and base; a second statute, a duplicate set or row is refused. */
Test(profiles, layering_is_checked)
{
	elec_findings f;
	rulebook *rb = NULL;
	elec_findings_init(&f);
	char *ok = good_prov("2", "5");
	const uint8_t *b[2] = {(const uint8_t *)ok, NULL};
	size_t l[2] = {strlen(ok), 0};
	const char *n[2] = {"gs.json", "b.json"};
	cr_expect_eq(rulebook_with_files(b, l, n, 1, &rb, &f), Q_OK);
	cr_expect_not_null(rulebook_file(rb, "GS-TEST"));
	rulebook_free(rb);
	/* governs a row that does not exist */
	char *bad = prov("quorum-rules/1", ">=", "2", "5", "cast", "\"UL19.nothing/runoff\"",
	                 "\"第九条\"", "\"q\"", "confirmed", "null", "");
	b[0] = (const uint8_t *)bad;
	l[0] = strlen(bad);
	cr_expect_eq(rulebook_with_files(b, l, n, 1, &rb, &f), Q_ERR_RULE);
	cr_expect(has_finding(&f, ELEC_ERROR, "GS.runoff", NULL, "no lower layer"));
	elec_findings_free(&f);
	free(bad);
	/* governs with another base */
	bad = prov("quorum-rules/1", ">=", "2", "5", "registered", "\"UL19.runoff/runoff\"",
	           "\"第九条\"", "\"q\"", "confirmed", "null", "");
	b[0] = (const uint8_t *)bad;
	l[0] = strlen(bad);
	cr_expect_eq(rulebook_with_files(b, l, n, 1, &rb, &f), Q_ERR_RULE);
	cr_expect(has_finding(&f, ELEC_ERROR, "GS.runoff", NULL, "same base"));
	elec_findings_free(&f);
	/* the same profile twice */
	b[0] = b[1] = (const uint8_t *)ok;
	l[0] = l[1] = strlen(ok);
	cr_expect_eq(rulebook_with_files(b, l, n, 2, &rb, &f), Q_ERR_RULE);
	cr_expect(has_finding(&f, ELEC_ERROR, NULL, "GS-TEST", "twice"));
	elec_findings_free(&f);
	free(bad);
	free(ok);
}

/* A statute missing a row the engine applies is refused before use. */
Test(profiles, statute_without_an_engine_row_is_refused)
{
	size_t n;
	const char *const *names;
	const unsigned char *const *bytes;
	const size_t *lens;
	rulebook_builtin_files(&n, &names, &bytes, &lens);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], "UL-2025.json") != 0)
			continue;
		char *s = malloc(lens[i] + 1);
		memcpy(s, bytes[i], lens[i]);
		s[lens[i]] = '\0';
		char *at = strstr(s, "\"UL19.elected\"");
		cr_assert_not_null(at);
		memcpy(at, "\"UL19.elecxed\"", 14); /* renames the row */
		const uint8_t *b[1] = {(const uint8_t *)s};
		size_t l[1] = {lens[i]};
		const char *nm[1] = {"UL-2025.json"};
		elec_findings f;
		rulebook *rb = NULL;
		elec_findings_init(&f);
		cr_expect_eq(rulebook_with_files(b, l, nm, 1, &rb, &f), Q_ERR_RULE);
		cr_expect(has_finding(&f, ELEC_ERROR, "UL19.elected", NULL, "rule engine applies"));
		elec_findings_free(&f);
		free(s);
	}
}

/* A province row that governs a statute row: both apply, the stricter
 * decides and the conflict is named (RP-3). */
Test(profiles, province_row_governs_the_statute_row)
{
	elec_findings f;
	rulebook *rb = NULL;
	elec_findings_init(&f);
	char *gs = good_prov("2", "5"); /* run-off: votes >= 2/5 cast */
	const uint8_t *b[1] = {(const uint8_t *)gs};
	size_t l[1] = {strlen(gs)};
	const char *n[1] = {"gs.json"};
	cr_assert_eq(rulebook_with_files(b, l, n, 1, &rb, &f), Q_OK);
	json_t *m = ex_json("election.json");
	jset(m, "province", json_string("GS-TEST"));
	char *mt = json_dumps(m, 0);
	elec_manifest *man = NULL;
	cr_assert_eq(manifest_parse_rules((const uint8_t *)mt, strlen(mt), rb, &man, &f), Q_OK);
	cr_expect_eq(man->nprofiles, 3); /* UL-2025, GS-TEST, CH1 */
	cr_expect_str_eq(man->profiles[1]->id, "GS-TEST");
	/* run-off with 300 cast: m3 has 110 (>= 1/3: 330 >= 300; not >= 2/5: 550 < 600) */
	const char *counts =
	    "{\"format\": \"quorum-counts/1\", \"election\": \"hq-2026-committee\", \"issued\": "
	    "300,"
	    " \"cast\": 300, \"contests\": [{\"id\": \"members\", \"round\": 2, \"seats\": 2,"
	    " \"tally\": {\"m2\": 140, \"m3\": 110, \"m4\": 50}}]}";
	elec_counts *c = NULL;
	elec_decision *d = NULL;
	cr_assert_eq(counts_parse((const uint8_t *)counts, strlen(counts), man, &c, &f), Q_OK);
	cr_assert_eq(decide(man, c, &d, &f), Q_OK);
	json_t *dj = decision_to_json(d);
	json_t *dc = dec_contest_json(dj, "members");
	cr_expect_str_eq(json_string_value(json_object_get(dc, "outcome")), "runoff");
	json_t *k = json_array_get(json_object_get(dc, "conflicts"), 0);
	cr_assert_not_null(k, "no conflict named");
	cr_expect_str_eq(json_string_value(json_object_get(k, "applied")), "GS.runoff");
	json_t *ka = json_array_get(json_object_get(k, "rules"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(ka, "id")), "UL19.runoff");
	cr_expect_str_eq(json_string_value(json_object_get(ka, "profile")), "UL-2025/1");
	json_t *r = dec_rule_json(dc, "GS.runoff", "m3");
	cr_assert_not_null(r);
	cr_expect_eq(json_integer_value(json_object_get(r, "lhs")), 550);
	cr_expect_eq(json_integer_value(json_object_get(r, "rhs")), 600);
	/* at the boundary: 120 votes = 2/5 of 300 holds under both, no conflict */
	json_decref(dj);
	decision_free(d);
	counts_free(c);
	const char *c2 =
	    "{\"format\": \"quorum-counts/1\", \"election\": \"hq-2026-committee\", \"issued\": "
	    "300,"
	    " \"cast\": 300, \"contests\": [{\"id\": \"members\", \"round\": 2, \"seats\": 2,"
	    " \"tally\": {\"m2\": 140, \"m3\": 120, \"m4\": 40}}]}";
	cr_assert_eq(counts_parse((const uint8_t *)c2, strlen(c2), man, &c, &f), Q_OK);
	cr_assert_eq(decide(man, c, &d, &f), Q_OK);
	dj = decision_to_json(d);
	dc = dec_contest_json(dj, "members");
	cr_expect_str_eq(json_string_value(json_object_get(dc, "outcome")), "elected");
	cr_expect_eq(json_array_size(json_object_get(dc, "conflicts")), 0);
	json_decref(dj);
	decision_free(d);
	counts_free(c);
	manifest_free(man);
	rulebook_free(rb);
	json_decref(m);
	free(mt);
	free(gs);
	elec_findings_free(&f);
}

Test(profiles, named_vote_refused_for_elections_and_recalls)
{
	elec_findings f;
	elec_findings_init(&f);
	cr_expect_eq(rules_vote_mode_check("election", 1, &f), Q_ERR_RULE);
	cr_expect(has_finding(&f, ELEC_ERROR, "UL19.secret", NULL, "secret ballot"));
	cr_expect_eq(rules_vote_mode_check("recall", 1, &f), Q_ERR_RULE);
	cr_expect_eq(rules_vote_mode_check("election", 0, &f), Q_OK);
	cr_expect_eq(rules_vote_mode_check("recall", 0, &f), Q_OK);
	cr_expect_eq(rules_vote_mode_check("motion", 1, &f), Q_OK);
	elec_findings_free(&f);
}

/* UL17.committee: the election committee against the candidates. */
Test(profiles, election_committee_member_or_relative_nominated)
{
	elec_findings f;
	elec_manifest *m = NULL;
	elec_findings_init(&f);
	json_t *j = ex_json("election.json");
	/* V0007 is no candidate: accepted */
	jset(j, "election_committee",
	     json_pack("[{s:s, s:s, s:[s]}]", "name", "周委员", "voter", "V0007", "relatives",
	               "V0009"));
	cr_expect_eq(parse_manifest_json(j, &m, &f), Q_OK);
	manifest_free(m);
	m = NULL;
	elec_findings_free(&f);
	/* the member is a candidate */
	const char *cv = json_string_value(json_object_get(
	    json_array_get(
	        json_object_get(json_array_get(json_object_get(j, "contests"), 0), "candidates"),
	        0),
	    "voter"));
	jset(j, "election_committee[0].voter", json_string(cv));
	cr_expect_eq(parse_manifest_json(j, &m, &f), Q_ERR_RULE);
	cr_expect(
	    has_finding(&f, ELEC_ERROR, "UL17.committee", "election_committee[0]", "steps down"));
	elec_findings_free(&f);
	/* a close relative of the member is a candidate */
	jset(j, "election_committee[0].voter", json_string("V0007"));
	jset(j, "election_committee[0].relatives", json_pack("[s]", cv));
	cr_expect_eq(parse_manifest_json(j, &m, &f), Q_ERR_RULE);
	cr_expect(has_finding(&f, ELEC_ERROR, "UL17.committee", "election_committee[0]",
	                      "close relative"));
	elec_findings_free(&f);
	json_decref(j);
}

/* R-5 (15), RP-6: the stations' proxy lists against the election's own
 * profiles, at the boundary: the proxy limit, a candidate as proxy and
 * proxies in representative mode are refused with the province's rows and
 * allowed (the limit: 3 by default) without them. */
static qerr proxy_rules(json_t *mj, const char *lists_json, char *why, size_t whylen)
{
	elec_findings f;
	elec_manifest *m = NULL;
	elec_findings_init(&f);
	cr_assert_eq(parse_manifest_json(mj, &m, &f), Q_OK);
	json_t *ls = json_loads(lists_json, 0, NULL);
	cr_assert_not_null(ls, "%s", lists_json);
	const json_t *l[2] = {json_array_get(ls, 0), json_array_get(ls, 1)};
	why[0] = '\0';
	qerr e = srec_proxies_rules(l, 2, m, why, whylen);
	json_decref(ls);
	manifest_free(m);
	elec_findings_free(&f);
	return e;
}

Test(profiles, proxy_lists_against_the_profiles)
{
	char why[300];
	json_t *j = ex_json("election.json");
	/* V0001 is a candidate (director) */
	const char *cand = "[[{\"principal\":\"V0009\",\"proxy\":\"V0001\"}],[]]";
	/* X holds three principals over two stations; with a fourth, four */
	const char *three = "[[{\"principal\":\"A\",\"proxy\":\"X\"},"
	                    "{\"principal\":\"B\",\"proxy\":\"X\"}],"
	                    "[{\"principal\":\"C\",\"proxy\":\"X\"}]]";
	const char *four = "[[{\"principal\":\"A\",\"proxy\":\"X\"},"
	                   "{\"principal\":\"B\",\"proxy\":\"X\"}],"
	                   "[{\"principal\":\"C\",\"proxy\":\"X\"},"
	                   "{\"principal\":\"D\",\"proxy\":\"X\"}]]";
	/* no province: no proxy-candidate row, limit 3 */
	cr_expect_eq(proxy_rules(j, cand, why, sizeof why), Q_OK, "%s", why);
	cr_expect_eq(proxy_rules(j, three, why, sizeof why), Q_OK, "%s", why);
	cr_expect_eq(proxy_rules(j, four, why, sizeof why), Q_ERR_RULE);
	cr_expect(strstr(why, "proxy \"X\" presented 4 principals; at most 3 (4 <= 3 fails, "
	                      "UL19.proxy)") != NULL,
	          "%s", why);
	/* the example province: its rows decide */
	jset(j, "province", json_string("EXAMPLE-PROVINCE"));
	cr_expect_eq(proxy_rules(j, cand, why, sizeof why), Q_ERR_RULE);
	cr_expect(strstr(why, "proxy \"V0001\" is candidate") != NULL &&
	              strstr(why, "(PROV.proxy.candidate)") != NULL,
	          "%s", why);
	cr_expect_eq(proxy_rules(j, three, why, sizeof why), Q_OK, "%s", why);
	cr_expect_eq(proxy_rules(j, four, why, sizeof why), Q_ERR_RULE);
	cr_expect(strstr(why, "PROV.proxy.limit") != NULL, "%s", why);
	/* representative mode: allowed without the proxy-mode row, refused with
	 * it */
	jset(j, "body.mode", json_string("representatives"));
	jset(j, "body.members", json_integer(40));
	jset(j, "body.representatives", json_integer(36));
	cr_expect_eq(proxy_rules(j, three, why, sizeof why), Q_ERR_RULE);
	cr_expect(strstr(why, "no proxy voting in representatives mode "
	                      "(PROV.proxy.representatives)") != NULL,
	          "%s", why);
	json_object_del(j, "province");
	cr_expect_eq(proxy_rules(j, three, why, sizeof why), Q_OK, "%s", why);
	json_decref(j);
}

/* UL19.byelection: a by-election's member serves to the end of the current
 * term: term_ends is term_began + 5 years (UL14.term), polling day within
 * it, and only an election can be one. */
Test(profiles, by_election_term_checked_at_init)
{
	elec_findings f;
	elec_manifest *m = NULL;
	json_t *j = ex_json("election.json");
	const char *poll =
	    json_string_value(json_object_get(json_object_get(j, "dates"), "polling_day"));
	cr_assert_not_null(poll);
	int py = atoi(poll);
	char began[32], ends[32], late[32];
	snprintf(began, sizeof began, "%04d-01-01", py - 2);
	snprintf(ends, sizeof ends, "%04d-01-01", py + 3);
	snprintf(late, sizeof late, "%04d-01-02", py + 3);
	jset(j, "by_election", json_pack("{s:s, s:s}", "term_began", began, "term_ends", ends));
	elec_findings_init(&f);
	cr_assert_eq(parse_manifest_json(j, &m, &f), Q_OK);
	cr_expect(m->by_election);
	cr_expect_eq(m->term_ends.year, py + 3);
	manifest_free(m);
	elec_findings_free(&f);
	/* one day past the term's end */
	jset(j, "by_election.term_ends", json_string(late));
	elec_findings_init(&f);
	cr_expect_eq(parse_manifest_json(j, &m, &f), Q_ERR_RULE);
	cr_expect(has_finding(&f, ELEC_ERROR, "UL19.byelection", "by_election.term_ends",
	                      "ends after 5 years (UL14.term)"));
	elec_findings_free(&f);
	/* a term that has ended before polling day: not a by-election */
	snprintf(began, sizeof began, "%04d-01-01", py - 5);
	snprintf(ends, sizeof ends, "%04d-01-01", py);
	jset(j, "by_election", json_pack("{s:s, s:s}", "term_began", began, "term_ends", ends));
	elec_findings_init(&f);
	cr_expect_eq(parse_manifest_json(j, &m, &f), Q_ERR_RULE);
	cr_expect(has_finding(&f, ELEC_ERROR, "UL19.byelection", "by_election",
	                      "is not within the current term"));
	cr_expect(!has_finding(&f, ELEC_ERROR, NULL, "by_election.term_ends", NULL));
	elec_findings_free(&f);
	/* 29 February: the term ends on 28 February of a non-leap year */
	jset(j, "by_election",
	     json_pack("{s:s, s:s}", "term_began", "2024-02-29", "term_ends", "2029-02-28"));
	elec_findings_init(&f);
	parse_manifest_json(j, &m, &f);
	cr_expect(!has_finding(&f, ELEC_ERROR, NULL, "by_election.term_ends", NULL));
	manifest_free(m);
	m = NULL;
	elec_findings_free(&f);
	json_decref(j);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rule engine: every rule at its boundary inside a real decision, ties,
 * run-offs, void polls, bases of zero, statute/charter conflicts, counts
 * validation, and deterministic JSON. */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"

static const char *outcome(json_t *c)
{
	return json_string_value(json_object_get(c, "outcome"));
}

static int holds(json_t *c, const char *id, const char *subject)
{
	json_t *r = dec_rule_json(c, id, subject);
	cr_assert_not_null(r, "rule %s (%s) not applied", id, subject ? subject : "-");
	return json_is_true(json_object_get(r, "holds"));
}

static int strarr_eq(json_t *a, const char *const *want, size_t n)
{
	if (json_array_size(a) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(json_string_value(json_array_get(a, i)), want[i]) != 0)
			return 0;
	return 1;
}

/* ---- elections (UL19, COUNT.reconcile) ---- */

static json_t *director(uint64_t issued, uint64_t cast, uint64_t c1, uint64_t c2)
{
	json_t *m = ex_json("election.json");
	jset(m, "contests[1]", NULL);
	json_t *c =
	    json_pack("{s:s, s:s, s:I, s:I, s:[{s:s, s:i, s:{s:I, s:I}}]}", "format",
	              "quorum-counts/1", "election", "hq-2026-committee", "issued",
	              (json_int_t)issued, "cast", (json_int_t)cast, "contests", "id", "director",
	              "round", 1, "tally", "c1", (json_int_t)c1, "c2", (json_int_t)c2);
	json_t *d = decide_json(m, c);
	json_decref(m);
	json_decref(c);
	return d;
}

Test(decide, election_validity_exactly_half)
{
	/* 1,000 registered: 500 cast is not more than half */
	json_t *d = director(600, 500, 300, 150);
	json_t *c = dec_contest_json(d, "director");
	cr_expect_str_eq(outcome(c), "no-quorum");
	cr_expect(!holds(c, "UL19.valid.residents", NULL));
	json_t *r = dec_rule_json(c, "UL19.valid.residents", NULL);
	cr_expect_eq(json_integer_value(json_object_get(r, "lhs")), 1000);
	cr_expect_eq(json_integer_value(json_object_get(r, "rhs")), 1000);
	cr_expect_str_eq(json_string_value(json_object_get(r, "cmp")), ">");
	cr_expect_str_eq(json_string_value(json_object_get(r, "source")), "UL Art 19");
	cr_expect_eq(json_array_size(json_object_get(c, "elected")), 0);
	json_decref(d);
	/* 501 cast: valid */
	d = director(600, 501, 300, 150);
	c = dec_contest_json(d, "director");
	cr_expect_str_eq(outcome(c), "elected");
	cr_expect(holds(c, "UL19.valid.residents", NULL));
	json_decref(d);
}

Test(decide, elected_needs_more_than_half_of_cast)
{
	/* 501 cast: 251 votes elected (502 > 501) */
	json_t *d = director(600, 501, 251, 200);
	json_t *c = dec_contest_json(d, "director");
	cr_expect_str_eq(outcome(c), "elected");
	const char *e1[] = {"c1"};
	cr_expect(strarr_eq(json_object_get(c, "elected"), e1, 1));
	cr_expect(holds(c, "UL19.elected", "c1"));
	cr_expect(!holds(c, "UL19.elected", "c2"));
	json_decref(d);
	/* 250 votes: not elected; the seat goes to a run-off of c1 and c2 */
	d = director(600, 501, 250, 240);
	c = dec_contest_json(d, "director");
	cr_expect_str_eq(outcome(c), "runoff");
	cr_expect(!holds(c, "UL19.elected", "c1"));
	const char *ro[] = {"c1", "c2"};
	cr_expect(strarr_eq(json_object_get(c, "runoff"), ro, 2));
	cr_expect_eq(json_integer_value(json_object_get(c, "unfilled")), 1);
	json_decref(d);
}

Test(decide, void_when_cast_exceeds_issued)
{
	/* 301 cast, 300 issued: void whatever the counts */
	json_t *d = director(300, 301, 301, 0);
	json_t *c = dec_contest_json(d, "director");
	cr_expect_str_eq(outcome(c), "void");
	cr_expect(!holds(c, "COUNT.reconcile", NULL));
	cr_expect_eq(json_array_size(json_object_get(c, "elected")), 0);
	json_decref(d);
	/* equal is fine */
	d = director(600, 600, 400, 200);
	c = dec_contest_json(d, "director");
	cr_expect(holds(c, "COUNT.reconcile", NULL));
	json_decref(d);
}

Test(decide, void_per_station)
{
	json_t *m = ex_json("election.json");
	json_t *cn = ex_json("COUNTS.json");
	json_t *d = decide_json(m, cn);
	cr_expect_str_eq(outcome(dec_contest_json(d, "director")), "elected");
	json_decref(d);
	/* one station's cast exceeds its issued: the poll is void */
	jset(cn, "stations[1].cast", json_integer(306));
	jset(cn, "stations[1].issued", json_integer(305));
	d = decide_json(m, cn);
	json_t *c = dec_contest_json(d, "director");
	cr_expect_str_eq(outcome(c), "void");
	cr_expect(holds(c, "COUNT.reconcile", "s1"));
	cr_expect(!holds(c, "COUNT.reconcile", "s2"));
	json_decref(d);
	json_decref(m);
	json_decref(cn);
}

static json_t *members(uint64_t cast, const uint64_t v[5], unsigned round, unsigned seats)
{
	json_t *m = ex_json("election.json");
	json_t *tally = json_object();
	const char *ids[] = {"m1", "m2", "m3", "m4", "m5"};
	for (int i = 0; i < 5; i++)
		if (round == 1 || v[i] != UINT64_MAX)
			json_object_set_new(tally, ids[i], json_integer((json_int_t)v[i]));
	json_t *entry =
	    json_pack("{s:s, s:i, s:o}", "id", "members", "round", (int)round, "tally", tally);
	if (round > 1)
		json_object_set_new(entry, "seats", json_integer(seats));
	json_t *c = json_pack("{s:s, s:s, s:I, s:I, s:[o]}", "format", "quorum-counts/1",
	                      "election", "hq-2026-committee", "issued", (json_int_t)cast, "cast",
	                      (json_int_t)cast, "contests", entry);
	json_t *d = decide_json(m, c);
	json_decref(m);
	json_decref(c);
	return d;
}

Test(decide, tie_at_the_last_seat)
{
	/* 3 seats, 601 cast: m1 400; m2 m3 m4 tie at 310 (all above half) */
	const uint64_t v[5] = {400, 310, 310, 310, 10};
	json_t *d = members(601, v, 1, 3);
	json_t *c = dec_contest_json(d, "members");
	cr_expect_str_eq(outcome(c), "runoff");
	const char *el[] = {"m1"};
	cr_expect(strarr_eq(json_object_get(c, "elected"), el, 1));
	const char *ro[] = {"m2", "m3", "m4"};
	cr_expect(strarr_eq(json_object_get(c, "runoff"), ro, 3));
	cr_expect_eq(json_integer_value(json_object_get(c, "unfilled")), 2);
	cr_expect(holds(c, "UL19.tie", "m2"));
	cr_expect(holds(c, "UL19.tie", "m4"));
	json_decref(d);
}

Test(decide, tie_inside_the_seats_is_no_tie)
{
	/* m2 and m3 tie but both fit in the 3 seats; m4 is below */
	const uint64_t v[5] = {400, 310, 310, 305, 10};
	json_t *d = members(601, v, 1, 3);
	json_t *c = dec_contest_json(d, "members");
	cr_expect_str_eq(outcome(c), "elected");
	const char *el[] = {"m1", "m2", "m3"};
	cr_expect(strarr_eq(json_object_get(c, "elected"), el, 3));
	cr_expect_null(dec_rule_json(c, "UL19.tie", NULL));
	json_decref(d);
}

Test(decide, more_qualifiers_than_seats)
{
	/* four above half, 3 seats, no tie: the top three */
	const uint64_t v[5] = {500, 450, 400, 350, 10};
	json_t *d = members(601, v, 1, 3);
	json_t *c = dec_contest_json(d, "members");
	cr_expect_str_eq(outcome(c), "elected");
	const char *el[] = {"m1", "m2", "m3"};
	cr_expect(strarr_eq(json_object_get(c, "elected"), el, 3));
	cr_expect(holds(c, "UL19.elected", "m4")); /* above half, but not among the top 3 */
	json_decref(d);
}

Test(decide, unfilled_seats_runoff_list)
{
	/* only m1 above half: 2 unfilled; run-off = best-placed 3 non-elected */
	const uint64_t v[5] = {400, 250, 200, 150, 150};
	json_t *d = members(601, v, 1, 3);
	json_t *c = dec_contest_json(d, "members");
	cr_expect_str_eq(outcome(c), "runoff");
	const char *ro[] = {"m2", "m3", "m4", "m5"}; /* m5 ties m4 at the cut: both go */
	cr_expect(strarr_eq(json_object_get(c, "runoff"), ro, 4));
	json_decref(d);
	const uint64_t w[5] = {400, 250, 200, 150, 100};
	d = members(601, w, 1, 3);
	c = dec_contest_json(d, "members");
	const char *ro2[] = {"m2", "m3", "m4"};
	cr_expect(strarr_eq(json_object_get(c, "runoff"), ro2, 3));
	json_decref(d);
}

Test(decide, runoff_round_needs_one_third)
{
	/* run-off with 300 cast, 2 seats: 100 votes elected (300 >= 300) */
	const uint64_t v[5] = {UINT64_MAX, 140, 100, 60, UINT64_MAX};
	json_t *d = members(300, v, 2, 2);
	json_t *c = dec_contest_json(d, "members");
	cr_expect_str_eq(outcome(c), "elected");
	cr_expect_eq(json_integer_value(json_object_get(c, "round")), 2);
	const char *el[] = {"m2", "m3"};
	cr_expect(strarr_eq(json_object_get(c, "elected"), el, 2));
	cr_expect(holds(c, "UL19.runoff", "m3"));
	json_decref(d);
	/* 99: not elected, another run-off for that seat */
	const uint64_t w[5] = {UINT64_MAX, 140, 99, 60, UINT64_MAX};
	d = members(300, w, 2, 2);
	c = dec_contest_json(d, "members");
	cr_expect_str_eq(outcome(c), "runoff");
	cr_expect(!holds(c, "UL19.runoff", "m3"));
	json_t *r = dec_rule_json(c, "UL19.runoff", "m3");
	cr_expect_eq(json_integer_value(json_object_get(r, "lhs")), 297);
	cr_expect_eq(json_integer_value(json_object_get(r, "rhs")), 300);
	const char *el2[] = {"m2"};
	cr_expect(strarr_eq(json_object_get(c, "elected"), el2, 1));
	const char *ro[] = {"m3", "m4"};
	cr_expect(strarr_eq(json_object_get(c, "runoff"), ro, 2));
	json_decref(d);
	/* a tie in the run-off at the last seat */
	const uint64_t t[5] = {UINT64_MAX, 140, 120, 120, UINT64_MAX};
	d = members(300, t, 2, 2);
	c = dec_contest_json(d, "members");
	cr_expect_str_eq(outcome(c), "runoff");
	cr_expect(holds(c, "UL19.tie", "m3"));
	json_decref(d);
}

/* ---- meetings (UL27, UL29, CH4.12, CH5.28, CH5.9) ---- */

static json_t *motion_counts(const char *eid, uint64_t att, uint64_t yes, uint64_t no,
                             uint64_t abst, const char *cid)
{
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:[{s:s, s:i, s:{s:I, s:I, s:I}}]}", "format",
	                 "quorum-counts/1", "election", eid, "issued", (json_int_t)att, "cast",
	                 (json_int_t)(yes + no + abst), "attendees", (json_int_t)att, "contests",
	                 "id", cid, "round", 1, "tally", "yes", (json_int_t)yes, "no",
	                 (json_int_t)no, "abstain", (json_int_t)abst);
}

static json_t *assembly(uint64_t att, uint64_t yes, uint64_t no, uint64_t abst, const char *rules)
{
	json_t *m = ex_json("motion.json");
	json_error_t je;
	jset(m, "contests[0].rules", json_loads(rules, 0, &je));
	json_t *c = motion_counts("hq-2026-assembly-2", att, yes, no, abst, "budget");
	json_t *d = decide_json(m, c);
	json_decref(m);
	json_decref(c);
	return d;
}

Test(decide, ul29_vs_ch412_conflict)
{
	/* 40 members, 21 attend: 篇四's quorum holds, UL29's >= 2/3 fails */
	json_t *d = assembly(21, 15, 4, 2, "[\"UL29\", \"CH4.12\"]");
	json_t *c = dec_contest_json(d, "budget");
	cr_expect_str_eq(outcome(c), "no-quorum");
	cr_expect(!holds(c, "UL29", NULL));
	cr_expect(holds(c, "CH4.12", NULL));
	json_t *cf = json_object_get(c, "conflicts");
	cr_assert_eq(json_array_size(cf), 1);
	json_t *k = json_array_get(cf, 0);
	cr_expect_str_eq(json_string_value(json_object_get(k, "kind")), "quorum");
	cr_expect_str_eq(json_string_value(json_object_get(k, "applied")), "UL29");
	json_t *a = json_array_get(json_object_get(k, "rules"), 0);
	json_t *b = json_array_get(json_object_get(k, "rules"), 1);
	cr_expect_str_eq(json_string_value(json_object_get(a, "id")), "UL29");
	cr_expect_eq(json_integer_value(json_object_get(a, "lhs")), 63);
	cr_expect_eq(json_integer_value(json_object_get(a, "rhs")), 80);
	cr_expect_str_eq(json_string_value(json_object_get(b, "id")), "CH4.12");
	cr_expect_eq(json_integer_value(json_object_get(b, "lhs")), 42);
	cr_expect_eq(json_integer_value(json_object_get(b, "rhs")), 40);
	json_decref(d);
	/* 26 attend: 78 < 80, still a conflict; 27: 81 >= 80, both hold */
	d = assembly(26, 20, 4, 2, "[\"UL29\", \"CH4.12\"]");
	c = dec_contest_json(d, "budget");
	cr_expect_str_eq(outcome(c), "no-quorum");
	cr_expect_eq(json_array_size(json_object_get(c, "conflicts")), 1);
	json_decref(d);
	d = assembly(27, 14, 13, 0, "[\"UL29\", \"CH4.12\"]");
	c = dec_contest_json(d, "budget");
	cr_expect_str_eq(outcome(c), "passed"); /* 28 > 27 */
	cr_expect_eq(json_array_size(json_object_get(c, "conflicts")), 0);
	json_decref(d);
	/* charter alone: 21 attend is a quorum */
	d = assembly(21, 15, 4, 2, "[\"CH4.12\"]");
	cr_expect_str_eq(outcome(dec_contest_json(d, "budget")), "passed");
	json_decref(d);
}

Test(decide, abstentions_count_against)
{
	/* 27 attend, 13 yes and 14 abstain: 26 > 27 fails */
	json_t *d = assembly(27, 13, 0, 14, "[\"UL29\"]");
	json_t *c = dec_contest_json(d, "budget");
	cr_expect_str_eq(outcome(c), "failed");
	cr_expect(!holds(c, "UL29", NULL) == 0); /* the quorum record holds */
	json_decref(d);
	/* attendees who do not vote also count against: 27 attend, 20 cast, 13 yes */
	d = assembly(27, 13, 7, 0, "[\"UL29\"]");
	cr_expect_str_eq(outcome(dec_contest_json(d, "budget")), "failed");
	json_decref(d);
	d = assembly(27, 14, 0, 0, "[\"UL29\"]");
	cr_expect_str_eq(outcome(dec_contest_json(d, "budget")), "passed");
	json_decref(d);
}

static json_t *council(uint64_t members, uint64_t att, uint64_t yes)
{
	json_t *m = ex_json("motion.json");
	jset(m, "charter", json_string("CH5"));
	jset(m, "body", json_pack("{s:s, s:I}", "mode", "council", "members", (json_int_t)members));
	jset(m, "contests[0].rules", json_pack("[s]", "CH5.28"));
	json_t *c = motion_counts("hq-2026-assembly-2", att, yes, att - yes, 0, "budget");
	json_t *d = decide_json(m, c);
	json_decref(m);
	json_decref(c);
	return d;
}

Test(decide, ch528_council_four_fifths)
{
	json_t *d = council(10, 8, 5); /* 40 >= 40 */
	json_t *c = dec_contest_json(d, "budget");
	cr_expect_str_eq(outcome(c), "passed");
	json_decref(d);
	d = council(10, 7, 7); /* 35 < 40 */
	cr_expect_str_eq(outcome(dec_contest_json(d, "budget")), "no-quorum");
	json_decref(d);
	d = council(10, 8, 4); /* exactly half of attendees: fails */
	cr_expect_str_eq(outcome(dec_contest_json(d, "budget")), "failed");
	json_decref(d);
}

static json_t *residents_meeting(const char *mode, uint64_t att, uint64_t yes)
{
	json_t *m = ex_json("motion.json");
	jset(m, "charter", json_string("CH5"));
	jset(m, "body",
	     json_pack("{s:s, s:i, s:i}", "mode", mode, "registered", 1000, "households", 400));
	jset(m, "contests[0].rules", json_pack("[s, s]", "UL27", "CH5.9"));
	jset(m, "dates.notice", json_string("2026-03-30"));
	json_t *c = motion_counts("hq-2026-assembly-2", att, yes, att - yes, 0, "budget");
	json_t *d = decide_json(m, c);
	json_decref(m);
	json_decref(c);
	return d;
}

Test(decide, ul27_and_ch59)
{
	json_t *d = residents_meeting("residents", 500, 400);
	json_t *c = dec_contest_json(d, "budget");
	cr_expect_str_eq(outcome(c), "no-quorum");
	json_decref(d);
	d = residents_meeting("residents", 501, 251);
	c = dec_contest_json(d, "budget");
	cr_expect_str_eq(outcome(c), "passed");
	cr_expect(holds(c, "CH5.9", NULL));
	cr_expect(holds(c, "UL27", NULL));
	json_decref(d);
	d = residents_meeting("residents", 502, 251); /* exactly half */
	cr_expect_str_eq(outcome(dec_contest_json(d, "budget")), "failed");
	json_decref(d);
	/* households mode: 200 of 400 households is not more than half */
	d = residents_meeting("households", 200, 150);
	c = dec_contest_json(d, "budget");
	cr_expect_str_eq(outcome(c), "no-quorum");
	json_t *r = dec_rule_json(c, "UL27", NULL);
	cr_expect_str_eq(json_string_value(json_object_get(r, "part")), "quorum-households");
	json_decref(d);
	d = residents_meeting("households", 201, 150);
	cr_expect_str_eq(outcome(dec_contest_json(d, "budget")), "passed");
	json_decref(d);
}

/* ---- recall (UL20, CH4.9) ---- */

static json_t *recall(uint64_t issued, uint64_t cast, uint64_t yes)
{
	json_t *m = ex_json("recall.json");
	json_t *c =
	    json_pack("{s:s, s:s, s:I, s:I, s:[{s:s, s:i, s:{s:I, s:I}}]}", "format",
	              "quorum-counts/1", "election", "hq-2026-recall-7", "issued",
	              (json_int_t)issued, "cast", (json_int_t)cast, "contests", "id", "recall-sun",
	              "round", 1, "tally", "yes", (json_int_t)yes, "no", (json_int_t)(cast - yes));
	json_t *d = decide_json(m, c);
	json_decref(m);
	json_decref(c);
	return d;
}

Test(decide, ul20_recall)
{
	json_t *d = recall(600, 500, 400);
	json_t *c = dec_contest_json(d, "recall-sun");
	cr_expect_str_eq(outcome(c), "no-quorum");
	cr_expect(holds(c, "UL20.propose", NULL));
	json_decref(d);
	d = recall(600, 501, 251);
	c = dec_contest_json(d, "recall-sun");
	cr_expect_str_eq(outcome(c), "passed");
	cr_expect(holds(c, "UL20.quorum", NULL));
	cr_expect(holds(c, "UL20.pass", NULL));
	json_decref(d);
	d = recall(600, 502, 251); /* exactly half of cast */
	cr_expect_str_eq(outcome(dec_contest_json(d, "recall-sun")), "failed");
	json_decref(d);
	d = recall(500, 501, 400);
	cr_expect_str_eq(outcome(dec_contest_json(d, "recall-sun")), "void");
	json_decref(d);
}

Test(decide, ul20_vs_ch49_conflict)
{
	/* a recall at the 篇四 assembly of 40: 26 cast; UL20 needs > 2/3 (78 > 80
	 * fails), CH4.9 needs > 1/2 (52 > 40 holds) */
	json_t *m = ex_json("recall.json");
	jset(m, "charter", json_string("CH4"));
	jset(
	    m, "body",
	    json_pack("{s:s, s:i, s:i}", "mode", "assembly", "members", 40, "representatives", 36));
	jset(m, "contests[0].signature_base", json_string("representatives"));
	jset(m, "contests[0].signatures", json_integer(12));
	jset(m, "contests[0].rules", json_pack("[s, s]", "UL20", "CH4.9"));
	json_t *cn = motion_counts("hq-2026-recall-7", 26, 20, 6, 0, "recall-sun");
	json_t *d = decide_json(m, cn);
	json_t *c = dec_contest_json(d, "recall-sun");
	cr_expect_str_eq(outcome(c), "no-quorum");
	json_t *k = json_array_get(json_object_get(c, "conflicts"), 0);
	cr_assert_not_null(k);
	cr_expect_str_eq(json_string_value(json_object_get(k, "applied")), "UL20.quorum");
	json_decref(d);
	json_decref(cn);
	/* 27 cast: 81 > 80 both hold */
	cn = motion_counts("hq-2026-recall-7", 27, 14, 13, 0, "recall-sun");
	d = decide_json(m, cn);
	c = dec_contest_json(d, "recall-sun");
	cr_expect_str_eq(outcome(c), "passed");
	cr_expect_eq(json_array_size(json_object_get(c, "conflicts")), 0);
	json_decref(d);
	json_decref(cn);
	json_decref(m);
}

/* ---- evaluations (CH1.20.4, UL37) ---- */

static json_t *evaluation(uint64_t cast, uint64_t s1, uint64_t b1, uint64_t d1, uint64_t s2,
                          uint64_t b2, uint64_t d2)
{
	json_t *m = ex_json("evaluation.json");
	json_t *c = json_pack(
	    "{s:s, s:s, s:I, s:I, s:[{s:s, s:i, s:{s:I, s:I, s:I, s:I, s:I, s:I}}]}", "format",
	    "quorum-counts/1", "election", "hq-2026-evaluation", "issued", (json_int_t)cast, "cast",
	    (json_int_t)cast, "contests", "id", "eval-2026", "round", 1, "tally", "K0001/satisfied",
	    (json_int_t)s1, "K0001/basic", (json_int_t)b1, "K0001/dissatisfied", (json_int_t)d1,
	    "K0002/satisfied", (json_int_t)s2, "K0002/basic", (json_int_t)b2, "K0002/dissatisfied",
	    (json_int_t)d2);
	json_t *d = decide_json(m, c);
	json_decref(m);
	json_decref(c);
	return d;
}

static json_t *member(json_t *c, size_t i)
{
	return json_array_get(json_object_get(c, "members"), i);
}

Test(decide, evaluation_sixty_percent_and_ul37)
{
	/* K0001: 18/30 = exactly 60%: not below; K0002: 13/30 below, and
	 * 不满意 17 > 15: 不称职 again -> office ends */
	json_t *d = evaluation(30, 12, 6, 12, 5, 8, 17);
	json_t *c = dec_contest_json(d, "eval-2026");
	cr_expect_str_eq(outcome(c), "rectify");
	cr_expect(!json_is_true(json_object_get(member(c, 0), "rectify")));
	cr_expect(json_is_true(json_object_get(member(c, 1), "rectify")));
	cr_expect(json_is_true(json_object_get(member(c, 1), "unfit")));
	cr_expect(json_is_true(json_object_get(member(c, 1), "office_ends")));
	cr_expect(!holds(c, "CH1.20.4", "K0001"));
	cr_expect(holds(c, "CH1.20.4", "K0002"));
	json_t *r = dec_rule_json(c, "CH1.20.4", "K0001");
	cr_expect_eq(json_integer_value(json_object_get(r, "lhs")), 1800);
	cr_expect_eq(json_integer_value(json_object_get(r, "rhs")), 1800);
	json_decref(d);
	/* 17/30 below 60% for K0001 (not previously unfit: no office end);
	 * K0002 15/30 dissatisfied is exactly half: not 不称职 */
	d = evaluation(30, 11, 6, 13, 10, 5, 15);
	c = dec_contest_json(d, "eval-2026");
	cr_expect_str_eq(outcome(c), "rectify");
	cr_expect(json_is_true(json_object_get(member(c, 0), "rectify")));
	cr_expect(!json_is_true(json_object_get(member(c, 0), "office_ends")));
	cr_expect(!json_is_true(json_object_get(member(c, 1), "unfit")));
	cr_expect(!json_is_true(json_object_get(member(c, 1), "office_ends")));
	json_decref(d);
	/* everyone satisfied */
	d = evaluation(30, 20, 5, 5, 25, 5, 0);
	cr_expect_str_eq(outcome(dec_contest_json(d, "eval-2026")), "passed");
	json_decref(d);
	/* a base of zero: no ballots, no rating */
	d = evaluation(0, 0, 0, 0, 0, 0, 0);
	c = dec_contest_json(d, "eval-2026");
	cr_expect_str_eq(outcome(c), "no-quorum");
	r = dec_rule_json(c, "CH1.20.4", NULL);
	cr_assert_not_null(r);
	cr_expect(json_is_true(json_object_get(r, "base_zero")));
	cr_expect(!json_is_true(json_object_get(r, "holds")));
	json_decref(d);
}

/* ---- petitions ---- */

static json_t *petition(const char *rules, const char *convenes, uint64_t adults,
                        uint64_t households, uint64_t reps, uint64_t groups, uint64_t nhouseholds)
{
	json_t *m = ex_json("petition.json");
	json_error_t je;
	jset(m, "contests[0].rules", json_loads(rules, 0, &je));
	jset(m, "contests[0].convenes", json_string(convenes));
	jset(m, "body.households", json_integer((json_int_t)nhouseholds));
	jset(m, "body.representatives", json_integer(36));
	jset(m, "charter", NULL);
	json_t *c = json_pack("{s:s, s:s, s:[{s:s, s:i, s:{s:I, s:I, s:I, s:I}}]}", "format",
	                      "quorum-counts/1", "election", "hq-2026-petition-1", "contests", "id",
	                      "convene-meeting", "round", 1, "tally", "adults", (json_int_t)adults,
	                      "households", (json_int_t)households, "representatives",
	                      (json_int_t)reps, "groups", (json_int_t)groups);
	json_t *d = decide_json(m, c);
	json_decref(m);
	json_decref(c);
	return d;
}

Test(decide, petition_statute_bar_suffices)
{
	/* 150 adults of 1000: UL26 (1/10) holds, CH5.8 (1/5) fails: convene, conflict */
	json_t *d = petition("[\"UL26.convene\", \"CH5.8.convene\"]", "residents-meeting", 150, 0,
	                     0, 0, 400);
	json_t *c = dec_contest_json(d, "convene-meeting");
	cr_expect_str_eq(outcome(c), "convene");
	cr_expect(holds(c, "UL26.convene", "adults"));
	cr_expect(!holds(c, "CH5.8.convene", "adults"));
	json_t *k = json_array_get(json_object_get(c, "conflicts"), 0);
	cr_assert_not_null(k);
	cr_expect_str_eq(json_string_value(json_object_get(k, "kind")), "convene");
	cr_expect_str_eq(json_string_value(json_object_get(k, "applied")), "UL26.convene");
	json_decref(d);
	/* exactly 1/10: 100 adults convene; 99 do not */
	d = petition("[\"UL26.convene\", \"CH5.8.convene\"]", "residents-meeting", 100, 0, 0, 0,
	             400);
	cr_expect_str_eq(outcome(dec_contest_json(d, "convene-meeting")), "convene");
	json_decref(d);
	d = petition("[\"UL26.convene\", \"CH5.8.convene\"]", "residents-meeting", 99, 39, 11, 4,
	             400);
	c = dec_contest_json(d, "convene-meeting");
	cr_expect_str_eq(outcome(c), "not-convened");
	cr_expect_eq(json_array_size(json_object_get(c, "conflicts")), 0);
	json_decref(d);
	/* the charter's own route (1/3 of 16 groups: 6) convenes; conflict reported */
	d = petition("[\"UL26.convene\", \"CH5.8.convene\"]", "residents-meeting", 0, 0, 0, 6, 400);
	c = dec_contest_json(d, "convene-meeting");
	cr_expect_str_eq(outcome(c), "convene");
	k = json_array_get(json_object_get(c, "conflicts"), 0);
	cr_assert_not_null(k);
	cr_expect_str_eq(json_string_value(json_object_get(k, "applied")), "CH5.8.convene");
	json_decref(d);
	/* UL28: 1/5 of 36 representatives */
	d = petition("[\"UL28.convene\"]", "representatives-meeting", 0, 0, 8, 0, 400);
	cr_expect_str_eq(outcome(dec_contest_json(d, "convene-meeting")), "convene");
	json_decref(d);
	d = petition("[\"UL28.convene\"]", "representatives-meeting", 0, 0, 7, 0, 400);
	cr_expect_str_eq(outcome(dec_contest_json(d, "convene-meeting")), "not-convened");
	json_decref(d);
	/* CH5.27 council and CH4.11 assembly */
	d = petition("[\"CH5.27.convene\"]", "council", 0, 40, 0, 0, 400);
	cr_expect_str_eq(outcome(dec_contest_json(d, "convene-meeting")), "convene");
	json_decref(d);
	d = petition("[\"CH4.11.convene\"]", "assembly", 0, 0, 12, 0, 400);
	cr_expect_str_eq(outcome(dec_contest_json(d, "convene-meeting")), "convene");
	json_decref(d);
}

Test(decide, petition_base_of_zero_fails)
{
	/* no households registered: 0 signatures of 0 households is not a petition */
	json_t *d = petition("[\"UL26.convene\"]", "residents-meeting", 0, 0, 0, 0, 0);
	json_t *c = dec_contest_json(d, "convene-meeting");
	cr_expect_str_eq(outcome(c), "not-convened");
	json_t *r = dec_rule_json(c, "UL26.convene", "households");
	cr_expect(json_is_true(json_object_get(r, "base_zero")));
	cr_expect(!json_is_true(json_object_get(r, "holds")));
	json_decref(d);
}

/* ---- counts validation ---- */

struct badcount {
	const char *path;
	const char *value; /* JSON; NULL deletes */
	const char *where, *msg;
};

static const struct badcount badcounts[] = {
    {"format", "\"x\"", "format", "format"},
    {"election", "\"other\"", "election", "manifest's id"},
    {"stations[0].id", "\"s9\"", "stations[0]", "unknown station"},
    {"stations[1].id", "\"s1\"", "stations[1]", "counted twice"},
    {"stations[0].cast", NULL, "stations[0].contests[0]", "cast is missing"},
    {"stations[0].cast", "-1", "stations[0]", "integer"},
    {"stations[0].contests[0].id", "\"mayor\"", "stations[0].contests[0]", "unknown contest"},
    {"stations[0].contests[1].id", "\"director\"", "stations[0].contests[1]", "counted twice"},
    {"stations[0].contests[0].tally.c9", "5", "tally.c9", "not an option"},
    {"stations[0].contests[0].tally.c1", "-5", "tally.c1", "integer"},
    {"stations[0].contests[0].tally.c1", "\"5\"", "tally.c1", "integer"},
    {"stations[0].contests[0].tally.c1", "299", "stations[0].contests[0]", "more than the 298"},
    {"stations[0].contests[1].tally", "{\"m1\": 298, \"m2\": 298, \"m3\": 298, \"m4\": 1}",
     "stations[0].contests[1]", "seats x cast"},
    {"stations[0].contests[0].tally", "[]", "stations[0].contests[0]", "tally"},
    {"stations[0].contests[0].round", "2", "stations[0].contests[0]", "seats"},
    {"stations[0].contests[0].round", "0", "stations[0].contests[0]", "round"},
    {"stations[0].contests", "[]", "stations[0]", "non-empty"},
    {"stations[1].contests[1]", NULL, "stations[1]", "counts 1 contests"},
};

Test(decide, counts_validation)
{
	json_t *m0 = ex_json("election.json");
	elec_findings f;
	elec_manifest *m = NULL;
	elec_findings_init(&f);
	cr_assert_eq(parse_manifest_json(m0, &m, &f), Q_OK);
	for (size_t i = 0; i < sizeof(badcounts) / sizeof(badcounts[0]); i++) {
		json_t *cn = ex_json("COUNTS.json");
		json_t *v = NULL;
		if (badcounts[i].value) {
			json_error_t je;
			v = json_loads(badcounts[i].value, JSON_DECODE_ANY, &je);
			cr_assert_not_null(v);
		}
		jset(cn, badcounts[i].path, v);
		char *s = json_dumps(cn, 0);
		elec_counts *c = (elec_counts *)1;
		elec_findings_free(&f);
		qerr e = counts_parse((const uint8_t *)s, strlen(s), m, &c, &f);
		int found = has_finding(&f, ELEC_ERROR, NULL, badcounts[i].where, badcounts[i].msg);
		if (!found) {
			fprintf(stderr, "case %zu (%s):\n", i, badcounts[i].path);
			dump_findings(&f);
		}
		cr_expect_neq(e, Q_OK, "case %zu accepted", i);
		cr_expect_null(c, "case %zu", i);
		cr_expect(found, "case %zu (%s): not reported", i, badcounts[i].path);
		free(s);
		json_decref(cn);
	}
	/* not JSON, truncated */
	const char *bad[] = {"", "{", "[]", "{\"format\":\"quorum-counts/1\",\"election\":"};
	for (size_t i = 0; i < 4; i++) {
		elec_counts *c = NULL;
		elec_findings_free(&f);
		cr_expect_neq(counts_parse((const uint8_t *)bad[i], strlen(bad[i]), m, &c, &f),
		              Q_OK);
		cr_expect_null(c);
	}
	manifest_free(m);
	elec_findings_free(&f);
	json_decref(m0);
}

Test(decide, motion_counts_must_fit_the_ballots)
{
	json_t *m0 = ex_json("motion.json");
	elec_findings f;
	elec_manifest *m = NULL;
	elec_findings_init(&f);
	cr_assert_eq(parse_manifest_json(m0, &m, &f), Q_OK);
	/* yes + no + abstain > cast */
	const char *s = "{\"format\":\"quorum-counts/1\",\"election\":\"hq-2026-assembly-2\","
	                "\"issued\":30,\"cast\":20,\"contests\":[{\"id\":\"budget\",\"round\":1,"
	                "\"tally\":{\"yes\":15,\"no\":6}}]}";
	elec_counts *c = NULL;
	cr_expect_eq(counts_parse((const uint8_t *)s, strlen(s), m, &c, &f), Q_ERR_FORMAT);
	cr_expect(has_finding(&f, ELEC_ERROR, NULL, "contests[0]", "exceeds"));
	/* a run-off round for a motion */
	elec_findings_free(&f);
	s = "{\"format\":\"quorum-counts/1\",\"election\":\"hq-2026-assembly-2\","
	    "\"issued\":30,\"cast\":20,\"contests\":[{\"id\":\"budget\",\"round\":2,"
	    "\"tally\":{\"yes\":15}}]}";
	cr_expect_eq(counts_parse((const uint8_t *)s, strlen(s), m, &c, &f), Q_ERR_FORMAT);
	cr_expect(has_finding(&f, ELEC_ERROR, NULL, "contests[0]", "only an office"));
	/* more cast than attendees: no decision */
	elec_findings_free(&f);
	s = "{\"format\":\"quorum-counts/1\",\"election\":\"hq-2026-assembly-2\","
	    "\"issued\":30,\"cast\":25,\"attendees\":20,\"contests\":[{\"id\":\"budget\","
	    "\"round\":1,\"tally\":{\"yes\":15}}]}";
	cr_assert_eq(counts_parse((const uint8_t *)s, strlen(s), m, &c, &f), Q_OK);
	elec_decision *d = NULL;
	cr_expect_eq(decide(m, c, &d, &f), Q_ERR_FORMAT);
	cr_expect_null(d);
	cr_expect(has_finding(&f, ELEC_ERROR, NULL, "budget", "than attendees"));
	counts_free(c);
	counts_free(NULL);
	decision_free(NULL);
	manifest_free(m);
	elec_findings_free(&f);
	json_decref(m0);
}

Test(decide, missing_contest_is_a_warning)
{
	json_t *m0 = ex_json("election.json");
	elec_findings f;
	elec_manifest *m = NULL;
	elec_findings_init(&f);
	cr_assert_eq(parse_manifest_json(m0, &m, &f), Q_OK);
	size_t len;
	char *s = ex_text("election-runoff.counts.json", &len);
	elec_counts *c = NULL;
	cr_assert_eq(counts_parse((const uint8_t *)s, len, m, &c, &f), Q_OK);
	elec_decision *d = NULL;
	cr_assert_eq(decide(m, c, &d, &f), Q_OK);
	cr_expect_eq(d->ncontests, 1);
	cr_expect_str_eq(d->contests[0].id, "members");
	cr_expect(has_finding(&f, ELEC_WARNING, NULL, "director", "no counts"));
	decision_free(d);
	counts_free(c);
	manifest_free(m);
	elec_findings_free(&f);
	free(s);
	json_decref(m0);
}

/* D-2.1: the bytes are deterministic and keys come in the documented order. */
Test(decide, deterministic_json)
{
	json_t *m0 = ex_json("election.json");
	elec_findings f;
	elec_manifest *m = NULL;
	elec_findings_init(&f);
	cr_assert_eq(parse_manifest_json(m0, &m, &f), Q_OK);
	size_t len;
	char *s = ex_text("COUNTS.json", &len);
	elec_counts *c = NULL;
	cr_assert_eq(counts_parse((const uint8_t *)s, len, m, &c, &f), Q_OK);
	elec_decision *d1 = NULL, *d2 = NULL;
	cr_assert_eq(decide(m, c, &d1, &f), Q_OK);
	cr_assert_eq(decide(m, c, &d2, &f), Q_OK);
	char *b1, *b2;
	size_t l1, l2;
	cr_assert_eq(decision_to_bytes(d1, &b1, &l1), Q_OK);
	cr_assert_eq(decision_to_bytes(d2, &b2, &l2), Q_OK);
	cr_expect_eq(l1, l2);
	cr_expect(memcmp(b1, b2, l1) == 0);
	const char *prefix = "{\"format\":\"quorum-decision/1\",\"election\":\"hq-2026-committee\","
	                     "\"manifest_sha256\":\"";
	cr_expect(strncmp(b1, prefix, strlen(prefix)) == 0, "%.120s", b1);
	cr_expect_not_null(strstr(b1,
	                          "{\"id\":\"director\",\"type\":\"office\",\"round\":1,"
	                          "\"outcome\":\"elected\",\"elected\":[\"c1\"],\"runoff\":[],"));
	cr_expect_not_null(strstr(b1, "{\"id\":\"UL19.elected\",\"part\":\"elected\",\"source\":"
	                              "\"UL Art 19\",\"test\":\"votes > 1/2 cast\",\"subject\":"
	                              "\"c1\",\"x\":320,\"x_is\":\"votes\",\"fraction\":\"1/2\","
	                              "\"n\":601,\"n_is\":\"cast\",\"lhs\":640,\"cmp\":\">\","
	                              "\"rhs\":601,\"base_zero\":false,\"holds\":true,"
	                              "\"profile\":\"UL-2025/1\"}"));
	/* the example: members m1 elected, m2/m3 tie at the last seats */
	json_t *j = decision_to_json(d1);
	json_t *mc = dec_contest_json(j, "members");
	cr_expect_str_eq(outcome(mc), "runoff");
	json_decref(j);
	free(b1);
	free(b2);
	decision_free(d1);
	decision_free(d2);
	counts_free(c);
	manifest_free(m);
	elec_findings_free(&f);
	free(s);
	json_decref(m0);
}

Test(decide, ul29_exactly_two_thirds)
{
	/* 30 members, 20 attend: 60 >= 60 is a quorum (以上 includes the number) */
	json_t *m = ex_json("motion.json");
	jset(m, "body.members", json_integer(30));
	jset(m, "body.representatives", json_integer(24));
	jset(m, "contests[0].rules", json_pack("[s]", "UL29"));
	json_t *cn = motion_counts("hq-2026-assembly-2", 20, 11, 9, 0, "budget");
	json_t *d = decide_json(m, cn);
	json_t *c = dec_contest_json(d, "budget");
	cr_expect_str_eq(outcome(c), "passed");
	json_t *r = dec_rule_json(c, "UL29", NULL);
	cr_expect_eq(json_integer_value(json_object_get(r, "lhs")), 60);
	cr_expect_eq(json_integer_value(json_object_get(r, "rhs")), 60);
	json_decref(d);
	json_decref(cn);
	cn = motion_counts("hq-2026-assembly-2", 19, 11, 8, 0, "budget");
	d = decide_json(m, cn);
	cr_expect_str_eq(outcome(dec_contest_json(d, "budget")), "no-quorum");
	json_decref(d);
	json_decref(cn);
	json_decref(m);
}

Test(decide, runoff_round_has_no_turnout_test)
{
	/* 1,000 registered, 60 cast in the run-off: still decided by the 1/3 floor */
	const uint64_t v[5] = {UINT64_MAX, 30, 20, UINT64_MAX, UINT64_MAX};
	json_t *d = members(60, v, 2, 1);
	json_t *c = dec_contest_json(d, "members");
	cr_expect_str_eq(outcome(c), "elected");
	cr_expect_null(dec_rule_json(c, "UL19.valid.residents", NULL));
	cr_expect(holds(c, "UL19.runoff", "m2"));
	json_decref(d);
}

/* UL19.valid.* and UL20.quorum in every body mode, at the boundary. */
Test(decide, validity_by_mode)
{
	struct {
		const char *mode;
		json_int_t registered, households, members, reps;
		json_int_t cast;
		const char *rule, *want;
	} t[] = {
	    {"households", 1000, 400, 0, 0, 200, "UL19.valid.households", "no-quorum"},
	    {"households", 1000, 400, 0, 0, 201, "UL19.valid.households", "elected"},
	    /* base: the 24 residents' representatives (超过三分之二的居民代表,
	     * issue 22), not the 30 members: 3*16 = 48 is not > 48 */
	    {"representatives", 0, 0, 30, 24, 16, "UL19.valid.representatives", "no-quorum"},
	    {"representatives", 0, 0, 30, 24, 17, "UL19.valid.representatives", "elected"},
	    {"assembly", 0, 0, 30, 24, 16, "UL19.valid.representatives", "no-quorum"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		json_t *m = ex_json("election.json");
		jset(m, "contests[1]", NULL);
		jset(m, "body",
		     json_pack("{s:s, s:I, s:I, s:I, s:I}", "mode", t[i].mode, "registered",
		               t[i].registered, "households", t[i].households, "members",
		               t[i].members, "representatives", t[i].reps));
		json_t *c =
		    json_pack("{s:s, s:s, s:I, s:I, s:[{s:s, s:i, s:{s:I, s:I}}]}", "format",
		              "quorum-counts/1", "election", "hq-2026-committee", "issued",
		              t[i].cast, "cast", t[i].cast, "contests", "id", "director", "round",
		              1, "tally", "c1", t[i].cast, "c2", (json_int_t)0);
		json_t *d = decide_json(m, c);
		json_t *dc = dec_contest_json(d, "director");
		cr_expect_str_eq(outcome(dc), t[i].want, "case %zu", i);
		cr_expect_not_null(dec_rule_json(dc, t[i].rule, NULL), "case %zu", i);
		json_decref(d);
		json_decref(c);
		json_decref(m);
	}
	/* a recall by households: 200 of 400 cast is not more than half */
	json_t *m = ex_json("recall.json");
	jset(m, "body.mode", json_string("households"));
	for (json_int_t cast = 200; cast <= 201; cast++) {
		json_t *c = json_pack("{s:s, s:s, s:I, s:I, s:[{s:s, s:i, s:{s:I}}]}", "format",
		                      "quorum-counts/1", "election", "hq-2026-recall-7", "issued",
		                      cast, "cast", cast, "contests", "id", "recall-sun", "round",
		                      1, "tally", "yes", cast);
		json_t *d = decide_json(m, c);
		json_t *dc = dec_contest_json(d, "recall-sun");
		cr_expect_str_eq(outcome(dc), cast == 200 ? "no-quorum" : "passed");
		json_t *r = dec_rule_json(dc, "UL20.quorum", NULL);
		cr_expect_str_eq(json_string_value(json_object_get(r, "part")), "households");
		json_decref(d);
		json_decref(c);
	}
	json_decref(m);
}

/* E-4.3: residents mode without the number of registered voters (no typed
 * body.registered, no roll, no parameters) is not decided against a base of
 * 0: refused, saying where the number comes from. */
Test(decide, unknown_registered_is_refused_not_taken_as_zero)
{
	json_t *j = ex_json("election.json");
	jset(j, "contests[1]", NULL);
	json_object_del(json_object_get(j, "body"), "registered");
	elec_findings f;
	elec_manifest *m = NULL;
	elec_counts *c = NULL;
	elec_decision *d = (elec_decision *)1;
	elec_findings_init(&f);
	cr_assert_eq(parse_manifest_json(j, &m, &f), Q_OK);
	static const char counts[] =
	    "{\"format\": \"quorum-counts/1\", \"election\": \"hq-2026-committee\", \"issued\": 9, "
	    "\"cast\": 9, \"contests\": [{\"id\": \"director\", \"round\": 1, \"tally\": {\"c1\": "
	    "5, "
	    "\"c2\": 4}}]}";
	cr_assert_eq(counts_parse((const uint8_t *)counts, strlen(counts), m, &c, &f), Q_OK);
	cr_expect_eq(decide(m, c, &d, &f), Q_ERR_FORMAT);
	cr_expect_null(d);
	cr_expect(has_finding(&f, ELEC_ERROR, "UL16.eligible", "body.registered",
	                      "derived from the roll (E-4.3)"));
	/* the derived number given (as rec_open sets it from parameters.json) */
	m->registered = 8;
	cr_expect_eq(decide(m, c, &d, &f), Q_OK);
	decision_free(d);
	counts_free(c);
	manifest_free(m);
	elec_findings_free(&f);
	json_decref(j);
}

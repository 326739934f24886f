/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The run-off built from round one (election/runoff.h; docs/spec/election.md
 * E-5, decide.md D-3.6, ballot.md B-1): the cut and a tie at it, the seats
 * left, a run-off candidate exactly at 1/3, none reaching it, withdrawals
 * leaving no more candidates than seats, and every way a run-off manifest
 * can fail to be the one round one's result gives. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sha256.h"
#include "election/runoff.h"
#include "helpers.h"

static const uint8_t BASE1[SHA256_LEN] = {1, 2, 3};
static const uint8_t RES1[SHA256_LEN] = {4, 5, 6};

static const char *outcome(json_t *c)
{
	return json_string_value(json_object_get(c, "outcome"));
}

/* Counts of the members contest in round `round` (v: m1..m5; UINT64_MAX:
 * not on this round's ballot) and the decision under manifest mj. */
static json_t *members_decision(const json_t *mj, uint64_t cast, const uint64_t v[5],
                                unsigned round, unsigned seats)
{
	json_t *tally = json_object();
	const char *ids[] = {"m1", "m2", "m3", "m4", "m5"};
	for (int i = 0; i < 5; i++)
		if (v[i] != UINT64_MAX)
			json_object_set_new(tally, ids[i], json_integer((json_int_t)v[i]));
	json_t *entry =
	    json_pack("{s:s, s:i, s:o}", "id", "members", "round", (int)round, "tally", tally);
	if (round > 1)
		json_object_set_new(entry, "seats", json_integer(seats));
	json_t *c = json_pack("{s:s, s:s, s:I, s:I, s:[o]}", "format", "quorum-counts/1",
	                      "election", "hq-2026-committee", "issued", (json_int_t)cast, "cast",
	                      (json_int_t)cast, "contests", entry);
	json_t *d = decide_json(mj, c);
	json_decref(c);
	return d;
}

static elec_manifest *parse_ok(const json_t *j)
{
	elec_manifest *m = NULL;
	elec_findings f;
	elec_findings_init(&f);
	qerr e = parse_manifest_json(j, &m, &f);
	if (e != Q_OK)
		dump_findings(&f);
	cr_assert_eq(e, Q_OK);
	elec_findings_free(&f);
	return m;
}

static elec_manifest *parse_bytes(const uint8_t *b, size_t len)
{
	elec_manifest *m = NULL;
	elec_findings f;
	elec_findings_init(&f);
	qerr e = manifest_parse(b, len, &m, &f);
	if (e != Q_OK)
		dump_findings(&f);
	cr_assert_eq(e, Q_OK);
	elec_findings_free(&f);
	return m;
}

/* Round one's manifest (election.json) and its members-only decision. */
typedef struct round {
	json_t *mj;
	elec_manifest *m;
	json_t *dec;
} round;

static void round_one(round *r, uint64_t cast, const uint64_t v[5])
{
	r->mj = ex_json("election.json");
	r->m = parse_ok(r->mj);
	r->dec = members_decision(r->mj, cast, v, 1, 0);
}

static void round_free(round *r)
{
	json_decref(r->mj);
	manifest_free(r->m);
	json_decref(r->dec);
}

static runoff_plan *derive_ok(const elec_manifest *m, unsigned prev_round, const json_t *dec,
                              char *const *wd, size_t nwd)
{
	runoff_plan *p = NULL;
	elec_findings f;
	elec_findings_init(&f);
	qerr e = runoff_derive(m, prev_round, dec, wd, nwd, &p, &f);
	if (e != Q_OK)
		dump_findings(&f);
	cr_assert_eq(e, Q_OK);
	elec_findings_free(&f);
	return p;
}

static int plan_has(const runoff_plan *p, size_t c, const char *const *want, size_t n)
{
	const runoff_contest *rc = &p->contests[c];
	if (rc->ncands != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(rc->from->cands[rc->cand[i]].id, want[i]) != 0)
			return 0;
	return 1;
}

/* The run-off manifest (bytes, parsed) of round r's plan. */
static elec_manifest *runoff_manifest(const elec_manifest *prev, const runoff_plan *p,
                                      char *const *wd, char *const *why, size_t nwd)
{
	uint8_t *b = NULL;
	size_t len = 0;
	cr_assert_eq(runoff_manifest_bytes(prev, p, BASE1, RES1, wd, why, nwd, &b, &len), Q_OK);
	cr_assert_eq(b[len - 1], '\n');
	elec_manifest *m = parse_bytes(b, len);
	free(b);
	return m;
}

Test(runoff, the_cut_and_a_tie_at_it)
{
	/* 601 cast: only m1 above half; 2 seats left, so 3 go to the run-off */
	round r;
	const uint64_t v[5] = {400, 250, 200, 150, 100};
	round_one(&r, 601, v);
	runoff_plan *p = derive_ok(r.m, 1, r.dec, NULL, 0);
	cr_assert_eq(p->round, 2);
	cr_assert_eq(p->ncontests, 1);
	cr_assert_str_eq(p->contests[0].from->id, "members");
	cr_assert_eq(p->contests[0].seats, 2);
	const char *three[] = {"m2", "m3", "m4"};
	cr_assert(plan_has(p, 0, three, 3));
	cr_assert_eq(p->contests[0].want, 3);
	cr_assert_eq(p->contests[0].cut_votes, 150);
	runoff_plan_free(p);
	round_free(&r);
	/* m5 ties m4 at the cut (150): both go, 4 candidates for 2 seats */
	const uint64_t t[5] = {400, 250, 200, 150, 150};
	round_one(&r, 601, t);
	p = derive_ok(r.m, 1, r.dec, NULL, 0);
	const char *four[] = {"m2", "m3", "m4", "m5"};
	cr_assert(plan_has(p, 0, four, 4));
	cr_assert_eq(p->contests[0].want, 3);
	cr_assert_eq(p->contests[0].cut_votes, 150);
	runoff_plan_free(p);
	round_free(&r);
	/* a tie above the cut changes nothing: m3 = m4 = 200, m5 below */
	const uint64_t a[5] = {400, 250, 200, 200, 100};
	round_one(&r, 601, a);
	p = derive_ok(r.m, 1, r.dec, NULL, 0);
	cr_assert(plan_has(p, 0, three, 3));
	runoff_plan_free(p);
	round_free(&r);
}

Test(runoff, manifest_offers_only_the_runoff_and_the_style_follows_it)
{
	round r;
	const uint64_t v[5] = {400, 250, 200, 150, 100};
	round_one(&r, 601, v);
	runoff_plan *p = derive_ok(r.m, 1, r.dec, NULL, 0);
	elec_manifest *m2 = runoff_manifest(r.m, p, NULL, NULL, 0);
	cr_assert_eq(m2->runoff_round, 2);
	cr_assert_eq(memcmp(m2->runoff_prev_base, BASE1, 32), 0);
	cr_assert_eq(memcmp(m2->runoff_prev_result, RES1, 32), 0);
	cr_assert_eq(memcmp(m2->runoff_prev_manifest, r.m->hash, 32), 0);
	cr_assert_str_eq(m2->id, r.m->id);
	/* director was not in the decision sent to a run-off: only members */
	cr_assert_eq(m2->ncontests, 1);
	const elec_contest *c = &m2->contests[0];
	cr_assert_str_eq(c->id, "members");
	cr_assert_eq(c->seats, 2);
	cr_assert_eq(c->ncands, 3);
	cr_assert_str_eq(c->cands[0].name, "刘洋");
	cr_assert_eq(c->max_sel, 2, "a ballot marks at most the seats left");
	elec_findings f;
	elec_findings_init(&f);
	cr_assert_eq(runoff_check(m2, r.m, 1, r.dec, BASE1, RES1, &f), Q_OK);
	elec_findings_free(&f);
	/* the ballot style of round 2 is derived from round one's decision */
	ballot_style *st = NULL;
	char why[300] = "";
	cr_assert_eq(elec_round_style(m2, r.dec, BASE1, &st, why, sizeof why), Q_OK, "%s", why);
	cr_assert_eq(st->ncontests, 1);
	cr_assert_eq(st->contests[0].noptions, 3);
	cr_assert_eq(st->contests[0].max_sel, 2);
	ballot_style_free(st);
	/* ... and refused without it, or with a decision that elected the seats */
	cr_assert_eq(elec_round_style(m2, NULL, BASE1, &st, why, sizeof why), Q_ERR_FORMAT);
	cr_assert_null(st);
	const uint64_t all[5] = {400, 350, 320, 10, 10};
	json_t *filled = members_decision(r.mj, 601, all, 1, 0);
	cr_assert_eq(elec_round_style(m2, filled, BASE1, &st, why, sizeof why), Q_ERR_FORMAT);
	cr_assert(strstr(why, "did not send it to a run-off") != NULL, "%s", why);
	json_decref(filled);
	/* round one's own manifest is not a run-off's: no previous decision */
	cr_assert_eq(elec_round_style(r.m, r.dec, BASE1, &st, why, sizeof why), Q_ERR_FORMAT);
	manifest_free(m2);
	runoff_plan_free(p);
	round_free(&r);
}

/* Decide the run-off manifest m2 (as JSON bytes) on counts of round 2. */
static json_t *decide_runoff(const elec_manifest *m2, uint64_t cast, const uint64_t v[5],
                             unsigned round_no, unsigned seats)
{
	json_t *mj = json_loadb((const char *)m2->bytes, m2->len, 0, NULL);
	cr_assert_not_null(mj);
	json_t *d = members_decision(mj, cast, v, round_no, seats);
	json_decref(mj);
	return d;
}

Test(runoff, candidate_exactly_at_one_third_is_elected)
{
	round r;
	const uint64_t v[5] = {400, 250, 200, 150, 100};
	round_one(&r, 601, v);
	runoff_plan *p = derive_ok(r.m, 1, r.dec, NULL, 0);
	elec_manifest *m2 = runoff_manifest(r.m, p, NULL, NULL, 0);
	/* 300 cast in the run-off: 100 votes is 1/3 exactly (300 >= 300) */
	const uint64_t x[5] = {UINT64_MAX, 140, 100, 60, UINT64_MAX};
	json_t *d = decide_runoff(m2, 300, x, 2, 2);
	json_t *c = dec_contest_json(d, "members");
	cr_expect_str_eq(outcome(c), "elected");
	json_t *rule = dec_rule_json(c, "UL19.runoff", "m3");
	cr_assert_not_null(rule);
	cr_expect(json_is_true(json_object_get(rule, "holds")));
	cr_expect_eq(json_integer_value(json_object_get(rule, "lhs")), 300);
	cr_expect_eq(json_integer_value(json_object_get(rule, "rhs")), 300);
	/* no turnout test in a run-off */
	cr_expect_null(dec_rule_json(c, "UL19.valid.residents", NULL));
	json_decref(d);
	/* 99: one seat stays empty; round 3 offers m3 and m4 for it */
	const uint64_t y[5] = {UINT64_MAX, 140, 99, 60, UINT64_MAX};
	d = decide_runoff(m2, 300, y, 2, 2);
	c = dec_contest_json(d, "members");
	cr_expect_str_eq(outcome(c), "runoff");
	cr_expect(!json_is_true(json_object_get(dec_rule_json(c, "UL19.runoff", "m3"), "holds")));
	runoff_plan *p3 = derive_ok(m2, 2, d, NULL, 0);
	cr_assert_eq(p3->round, 3);
	cr_assert_eq(p3->contests[0].seats, 1);
	const char *two[] = {"m3", "m4"};
	cr_assert(plan_has(p3, 0, two, 2));
	runoff_plan_free(p3);
	json_decref(d);
	manifest_free(m2);
	runoff_plan_free(p);
	round_free(&r);
}

Test(runoff, no_candidate_reaches_one_third)
{
	round r;
	const uint64_t v[5] = {400, 250, 200, 150, 100};
	round_one(&r, 601, v);
	runoff_plan *p = derive_ok(r.m, 1, r.dec, NULL, 0);
	elec_manifest *m2 = runoff_manifest(r.m, p, NULL, NULL, 0);
	/* 300 cast, 99 each: nobody elected, both seats left, all three again */
	const uint64_t x[5] = {UINT64_MAX, 99, 99, 99, UINT64_MAX};
	json_t *d = decide_runoff(m2, 300, x, 2, 2);
	json_t *c = dec_contest_json(d, "members");
	cr_expect_str_eq(outcome(c), "runoff");
	cr_expect_eq(json_integer_value(json_object_get(c, "unfilled")), 2);
	cr_expect_eq(json_array_size(json_object_get(c, "elected")), 0);
	runoff_plan *p3 = derive_ok(m2, 2, d, NULL, 0);
	const char *three[] = {"m2", "m3", "m4"};
	cr_assert(plan_has(p3, 0, three, 3));
	cr_assert_eq(p3->contests[0].seats, 2);
	runoff_plan_free(p3);
	json_decref(d);
	/* counts that say round 1 against the run-off manifest are refused */
	json_t *mj = json_loadb((const char *)m2->bytes, m2->len, 0, NULL);
	json_t *cj =
	    json_pack("{s:s, s:s, s:i, s:i, s:[{s:s, s:{s:i, s:i, s:i}}]}", "format",
	              "quorum-counts/1", "election", "hq-2026-committee", "issued", 300, "cast",
	              300, "contests", "id", "members", "tally", "m2", 1, "m3", 1, "m4", 1);
	char *cs = json_dumps(cj, 0);
	elec_counts *counts = NULL;
	elec_findings f;
	elec_findings_init(&f);
	cr_assert_eq(counts_parse((const uint8_t *)cs, strlen(cs), m2, &counts, &f), Q_ERR_FORMAT);
	cr_assert(has_finding(&f, ELEC_ERROR, "UL19.runoff", NULL, "round 2's run-off"));
	elec_findings_free(&f);
	free(cs);
	json_decref(cj);
	json_decref(mj);
	manifest_free(m2);
	runoff_plan_free(p);
	round_free(&r);
}

Test(runoff, withdrawals_move_the_next_placed_up_or_leave_too_few)
{
	round r;
	const uint64_t v[5] = {400, 250, 200, 150, 100};
	round_one(&r, 601, v);
	/* m3 withdraws: m5 (next placed) moves up */
	char *w1[] = {"m3"}, *why1[] = {"本人书面辞去候选人"};
	runoff_plan *p = derive_ok(r.m, 1, r.dec, w1, 1);
	const char *moved[] = {"m2", "m4", "m5"};
	cr_assert(plan_has(p, 0, moved, 3));
	elec_manifest *m2 = runoff_manifest(r.m, p, w1, why1, 1);
	cr_assert_eq(m2->runoff_nwithdrawn, 1);
	cr_assert_str_eq(m2->runoff_withdrawn_reason[0], "本人书面辞去候选人");
	elec_findings f;
	elec_findings_init(&f);
	cr_assert_eq(runoff_check(m2, r.m, 1, r.dec, BASE1, RES1, &f), Q_OK);
	elec_findings_free(&f);
	ballot_style *st = NULL;
	char why[300] = "";
	cr_assert_eq(elec_round_style(m2, r.dec, BASE1, &st, why, sizeof why), Q_OK, "%s", why);
	ballot_style_free(st);
	manifest_free(m2);
	runoff_plan_free(p);
	/* m3 and m4 withdraw: 2 seats left, 2 eligible (m2, m5): refused */
	char *w2[] = {"m3", "m4"};
	elec_findings_init(&f);
	cr_assert_eq(runoff_derive(r.m, 1, r.dec, w2, 2, &p, &f), Q_ERR_RULE);
	cr_assert_null(p);
	cr_assert(has_finding(&f, ELEC_ERROR, "UL18.contested", NULL, "2 seats left but only 2"),
	          "more seats than eligible candidates");
	elec_findings_free(&f);
	/* a withdrawn candidate who was not sent to the run-off, or elected */
	char *w3[] = {"m1"};
	elec_findings_init(&f);
	cr_assert_eq(runoff_derive(r.m, 1, r.dec, w3, 1, &p, &f), Q_ERR_RULE);
	cr_assert(has_finding(&f, ELEC_ERROR, "UL19.runoff", NULL, "\"m1\""));
	elec_findings_free(&f);
	round_free(&r);
}

Test(runoff, nothing_to_run_off)
{
	round r;
	const uint64_t v[5] = {400, 350, 320, 10, 10}; /* three above half: filled */
	round_one(&r, 601, v);
	runoff_plan *p = NULL;
	elec_findings f;
	elec_findings_init(&f);
	cr_assert_eq(runoff_derive(r.m, 1, r.dec, NULL, 0, &p, &f), Q_ERR_RULE);
	cr_assert(has_finding(&f, ELEC_ERROR, "UL19.runoff", NULL, "no contest of round 1"));
	elec_findings_free(&f);
	round_free(&r);
}

/* A run-off manifest that is not the one round one's result gives. */
static void expect_check_fails(const char *path, json_t *value, const char *msg)
{
	round r;
	const uint64_t v[5] = {400, 250, 200, 150, 100};
	round_one(&r, 601, v);
	runoff_plan *p = derive_ok(r.m, 1, r.dec, NULL, 0);
	uint8_t *b = NULL;
	size_t len = 0;
	cr_assert_eq(runoff_manifest_bytes(r.m, p, BASE1, RES1, NULL, NULL, 0, &b, &len), Q_OK);
	json_t *j = json_loadb((const char *)b, len, 0, NULL);
	free(b);
	jset(j, path, value);
	elec_manifest *m2 = parse_ok(j);
	elec_findings f;
	elec_findings_init(&f);
	cr_assert_eq(runoff_check(m2, r.m, 1, r.dec, BASE1, RES1, &f), Q_ERR_RULE, "%s", path);
	cr_assert(has_finding(&f, ELEC_ERROR, "UL19.runoff", NULL, msg), "%s: want \"%s\"", path,
	          msg);
	elec_findings_free(&f);
	manifest_free(m2);
	json_decref(j);
	runoff_plan_free(p);
	round_free(&r);
}

Test(runoff, check_names_what_differs)
{
	expect_check_fails("contests[0].seats", json_integer(1), "1 seats, but 2 are left");
	expect_check_fails("contests[0].candidates[2].id", json_string("m5"), "candidate 2 is");
	expect_check_fails("contests[0].candidates[2].name", json_string("某某"), "candidate 2 is");
	expect_check_fails("runoff.previous_result_sha256",
	                   json_string("0000000000000000000000000000000000000000000000000000000000"
	                               "000000"),
	                   "result.json");
	expect_check_fails("runoff.previous_base_hash",
	                   json_string("0000000000000000000000000000000000000000000000000000000000"
	                               "000000"),
	                   "base hash");
	expect_check_fails("runoff.round", json_integer(3), "round 3");
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Manifest parsing and validation: every example parses; every kind of bad
 * input is named with its JSON path and, where the law says so, its rule. */
#include <criterion/criterion.h>
#include <string.h>

#include "crypto/sha256.h"
#include "helpers.h"

static const char *examples[] = {"election.json", "recall.json", "motion.json", "evaluation.json",
                                 "petition.json"};

Test(manifest, examples_parse)
{
	for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		size_t len;
		char *s = ex_text(examples[i], &len);
		elec_findings f;
		elec_manifest *m = NULL;
		elec_findings_init(&f);
		qerr e = manifest_parse((const uint8_t *)s, len, &m, &f);
		if (e != Q_OK)
			dump_findings(&f);
		cr_assert_eq(e, Q_OK, "%s: %s", examples[i], qerr_str(e));
		cr_expect_eq(elec_findings_errors(&f), 0);
		/* E-1: the exact bytes are kept and hashed */
		uint8_t h[SHA256_LEN];
		sha256(h, s, len);
		cr_expect_eq(m->len, len);
		cr_expect(memcmp(m->bytes, s, len) == 0);
		cr_expect(memcmp(m->hash, h, SHA256_LEN) == 0);
		manifest_free(m);
		elec_findings_free(&f);
		free(s);
	}
	manifest_free(NULL);
}

Test(manifest, fields_and_options)
{
	json_t *j = ex_json("election.json");
	elec_findings f;
	elec_manifest *m = NULL;
	elec_findings_init(&f);
	cr_assert_eq(parse_manifest_json(j, &m, &f), Q_OK);
	cr_expect_str_eq(m->id, "hq-2026-committee");
	cr_expect_eq(m->kind, KIND_ELECTION);
	cr_expect_eq(m->mode, MODE_RESIDENTS);
	cr_expect_eq(m->registered, 1000);
	cr_expect_eq(m->nstations, 2);
	cr_expect_str_eq(m->stations[1].groups[1], "g4");
	cr_expect_eq(m->polling_day.day, 15);
	const elec_contest *c = manifest_contest(m, "members");
	cr_assert_not_null(c);
	cr_expect_null(manifest_contest(m, "nope"));
	cr_expect_not_null(manifest_station(m, "s2"));
	char *const *ids;
	size_t n;
	unsigned mn, mx;
	manifest_contest_options(c, &ids, &n, &mn, &mx);
	cr_expect_eq(n, 5);
	cr_expect_str_eq(ids[0], "m1");
	cr_expect_str_eq(ids[4], "m5");
	cr_expect_eq(mn, 0);
	cr_expect_eq(mx, 3);
	cr_expect(c->cands[0].by_party);
	cr_expect_eq(c->cands[2].nominators, 22);
	manifest_free(m);
	json_decref(j);

	/* motion: yes/no/abstain, 0..1 */
	j = ex_json("motion.json");
	cr_assert_eq(parse_manifest_json(j, &m, &f), Q_OK);
	manifest_contest_options(&m->contests[0], &ids, &n, &mn, &mx);
	cr_expect_eq(n, 3);
	cr_expect_str_eq(ids[0], "yes");
	cr_expect_str_eq(ids[1], "no");
	cr_expect_str_eq(ids[2], "abstain");
	cr_expect_eq(mn, 0);
	cr_expect_eq(mx, 1);
	manifest_free(m);
	json_decref(j);

	/* evaluation: three options per member, grouped */
	j = ex_json("evaluation.json");
	cr_assert_eq(parse_manifest_json(j, &m, &f), Q_OK);
	const elec_contest *ec = &m->contests[0];
	manifest_contest_options(ec, &ids, &n, &mn, &mx);
	cr_expect_eq(n, 6);
	cr_expect_str_eq(ids[0], "K0001/satisfied");
	cr_expect_str_eq(ids[4], "K0002/basic");
	cr_expect_eq(ec->option_group[5], 1);
	cr_expect_eq(mx, 2);
	cr_expect(ec->members[1].previous_unfit);
	cr_expect(!ec->members[0].previous_unfit);
	manifest_free(m);
	json_decref(j);
	elec_findings_free(&f);
}

struct bad {
	const char *example;
	const char *path;
	const char *value; /* JSON text; NULL deletes the member */
	int ok; /* 1: still parses (a warning at most) */
	elec_severity sev;
	const char *rule; /* expected rule ID or NULL */
	const char *where; /* substring of the location */
	const char *msg; /* substring of the message */
};

static const struct bad bads[] = {
    /* form */
    {"election.json", "format", "\"quorum-manifest/2\"", 0, ELEC_ERROR, NULL, "format", "format"},
    {"election.json", "id", "\"has space\"", 0, ELEC_ERROR, NULL, "id", "1-64"},
    {"election.json", "id", NULL, 0, ELEC_ERROR, NULL, "id", "missing"},
    {"election.json", "title", "\"x\"", 0, ELEC_ERROR, NULL, "", "title"},
    {"election.json", "title.en", "\"\"", 0, ELEC_ERROR, NULL, "title", "empty"},
    {"election.json", "kind", "\"referendum\"", 0, ELEC_ERROR, NULL, "kind", "referendum"},
    {"election.json", "charter", "\"CH9\"", 0, ELEC_ERROR, NULL, "charter", "CH9"},
    {"election.json", "body.mode", "\"everyone\"", 0, ELEC_ERROR, NULL, "body.mode", "everyone"},
    {"election.json", "body.registered", "-5", 0, ELEC_ERROR, NULL, "body", "integer"},
    {"election.json", "body.registered", "1.5", 0, ELEC_ERROR, NULL, "body", "integer"},
    {"election.json", "body.registered", "9007199254740992", 0, ELEC_ERROR, NULL, "body", "2^53"},
    {"motion.json", "body.members", "0", 0, ELEC_ERROR, NULL, "body.members", "base of 0"},
    {"election.json", "stations", "[]", 0, ELEC_ERROR, NULL, "stations", "non-empty"},
    {"election.json", "stations[1].id", "\"s1\"", 0, ELEC_ERROR, NULL, "stations[1]",
     "duplicate station"},
    {"election.json", "stations[1].groups", "[\"g2\"]", 0, ELEC_ERROR, NULL, "stations[1]",
     "served twice"},
    {"election.json", "stations[0].groups", "[]", 0, ELEC_ERROR, NULL, "stations[0]", "groups"},
    {"election.json", "dates.polling_day", "\"2026-02-30\"", 0, ELEC_ERROR, NULL, "dates",
     "not a valid"},
    {"election.json", "dates.polling_day", "\"15/03/2026\"", 0, ELEC_ERROR, NULL, "dates",
     "not a valid"},
    {"election.json", "dates", NULL, 0, ELEC_ERROR, NULL, "dates", "polling_day"},
    {"election.json", "contests", "[]", 0, ELEC_ERROR, NULL, "contests", "non-empty"},
    {"election.json", "contests[1].id", "\"director\"", 0, ELEC_ERROR, NULL, "contests[1]",
     "duplicate contest"},
    {"election.json", "contests[0].type", "\"poll\"", 0, ELEC_ERROR, NULL, "contests[0]", "poll"},
    /* rule sets */
    {"election.json", "contests[0].rules", "[\"UL99\"]", 0, ELEC_ERROR, NULL,
     "contests[0].rules[0]", "unknown rule set"},
    {"election.json", "contests[0].rules", "[]", 0, ELEC_ERROR, NULL, "contests[0].rules",
     "non-empty"},
    {"election.json", "contests[0].rules", "[\"UL19\", \"UL19\"]", 0, ELEC_ERROR, NULL, "rules[1]",
     "twice"},
    {"election.json", "contests[0].rules", "[\"UL29\"]", 0, ELEC_ERROR, NULL, "rules[0]",
     "does not govern"},
    {"motion.json", "body.mode", "\"council\"", 0, ELEC_ERROR, "UL29", "contests[0]",
     "needs body.mode"},
    {"motion.json", "contests[0].rules", "[\"CH4.12\", \"CH5.28\"]", 0, ELEC_ERROR, "CH5.28",
     "contests[0]", "council"},
    {"motion.json", "contests[0].rules", "[\"CH5.12\"]", 0, ELEC_ERROR, NULL, "rules[0]",
     "unknown rule set"},
    {"motion.json", "contests[0].rules", "[\"UL29\", \"CH5.28\"]", 0, ELEC_WARNING, NULL,
     "rules[1]", "charter"},
    /* offices */
    {"election.json", "contests[0].seats", "0", 0, ELEC_ERROR, NULL, "contests[0].seats",
     "seats must be an integer from 1 to 1000, not 0"},
    {"election.json", "contests[0].seats", "-1", 0, ELEC_ERROR, NULL, "contests[0]", "integer"},
    {"election.json", "contests[0].seats", NULL, 0, ELEC_ERROR, NULL, "contests[0]", "seats"},
    {"election.json", "contests[0].seats", "2", 0, ELEC_ERROR, "UL18.contested", "contests[0]",
     "more candidates than seats"},
    {"election.json", "contests[1].seats", "6", 0, ELEC_ERROR, "UL18.contested", "contests[1]",
     "more seats than candidates"},
    {"election.json", "contests[1].candidates[1].id", "\"m1\"", 0, ELEC_ERROR, NULL,
     "candidates[1]", "duplicate candidate"},
    {"election.json", "contests[1].candidates[1].voter", "\"V0003\"", 0, ELEC_ERROR, NULL,
     "contests[1].candidates[1].voter",
     "duplicate candidate voter \"V0003\": also at contests[1].candidates[0]"},
    {"election.json", "contests[0].candidates", "[]", 0, ELEC_ERROR, NULL, "contests[0]",
     "candidates"},
    /* the statute fixes no number of nominators (RP-6): at least one;
     * the example province's limit of 10 is tested below */
    {"election.json", "contests[1].candidates[1].nomination.count", "0", 0, ELEC_ERROR,
     "UL18.nomination", "candidates[1]", "at least 1 must nominate (1 <= 0 fails)"},
    {"election.json", "contests[1].candidates[1].nomination.count", "1", 1, 0, NULL, NULL, NULL},
    {"election.json", "contests[1].candidates[1].nomination.count", "9", 1, 0, NULL, NULL, NULL},
    {"election.json", "contests[1].candidates[1].nomination", NULL, 0, ELEC_ERROR,
     "UL18.nomination", "candidates[1]", "nomination"},
    {"election.json", "contests[1].candidates[1].nomination.by", "\"self\"", 0, ELEC_ERROR,
     "UL18.nomination", "candidates[1]", "nomination"},
    /* committee: UL8.size, UL14.term */
    {"election.json", "committee.members", "3", 0, ELEC_ERROR, "UL8.size", "committee.members",
     "5 to 9"},
    {"election.json", "committee.members", "4", 0, ELEC_ERROR, "UL8.size", "committee", "5 to 9"},
    {"election.json", "committee.members", "10", 0, ELEC_ERROR, "UL8.size", "committee", "5 to 9"},
    {"election.json", "committee.members", "5", 1, 0, NULL, NULL, NULL},
    {"election.json", "committee.members", "9", 1, 0, NULL, NULL, NULL},
    {"election.json", "committee", NULL, 0, ELEC_ERROR, "UL8.size", "committee", "size"},
    {"election.json", "committee.term_years", "3", 1, ELEC_WARNING, "UL14.term",
     "committee.term_years", "conflict: the charter says 3 years"},
    /* UL17.roll: >= 20 days (polling day 2026-03-15) */
    {"election.json", "dates.roll_published", "\"2026-02-24\"", 0, ELEC_ERROR, "UL17.roll",
     "roll_published", "19 days"},
    {"election.json", "dates.roll_published", "\"2026-02-23\"", 1, 0, NULL, NULL, NULL},
    {"election.json", "dates.roll_published", NULL, 0, ELEC_ERROR, "UL17.roll", "roll_published",
     "missing"},
    /* UL17.roll: objections within 5 days of publication (2026-02-20) */
    {"election.json", "dates.objections_close", "\"2026-02-25\"", 1, 0, NULL, NULL, NULL},
    {"election.json", "dates.objections_close", "\"2026-02-24\"", 0, ELEC_ERROR, "UL17.roll",
     "objections_close", "4 >= 5 fails"},
    {"election.json", "dates.objections_close", "\"2026-03-15\"", 0, ELEC_ERROR, "UL17.roll",
     "objections_close", "before polling day"},
    /* UL17.objections: decided within 3 days of the close (2026-02-25), before polling day */
    {"election.json", "dates",
     "{\"polling_day\": \"2026-03-15\", \"roll_published\": \"2026-02-20\", \"objections_close\": "
     "\"2026-02-25\", \"objections_decided\": \"2026-02-28\"}",
     1, 0, NULL, NULL, NULL},
    {"election.json", "dates",
     "{\"polling_day\": \"2026-03-15\", \"roll_published\": \"2026-02-20\", \"objections_close\": "
     "\"2026-02-25\", \"objections_decided\": \"2026-03-01\"}",
     0, ELEC_ERROR, "UL17.objections", "objections_decided", "4 <= 3 fails"},
    {"election.json", "dates",
     "{\"polling_day\": \"2026-03-15\", \"roll_published\": \"2026-02-20\", \"objections_close\": "
     "\"2026-02-25\", \"objections_decided\": \"2026-02-24\"}",
     0, ELEC_ERROR, "UL17.objections", "objections_decided", "before the objection window closes"},
    {"election.json", "dates",
     "{\"polling_day\": \"2026-03-15\", \"roll_published\": \"2026-02-20\", "
     "\"objections_decided\": \"2026-02-28\"}",
     0, ELEC_ERROR, "UL17.objections", "objections_decided", "needs dates.objections_close"},
    {"election.json", "dates",
     "{\"polling_day\": \"2026-03-15\", \"roll_published\": \"2026-02-20\", \"objections_close\": "
     "\"2026-03-13\", \"objections_decided\": \"2026-03-15\"}",
     0, ELEC_ERROR, "UL17.objections", "objections_decided", "before polling day"},
    /* recall: UL20.propose, UL20.defence */
    {"recall.json", "contests[0].signatures", "99", 0, ELEC_ERROR, "UL20.propose", "contests[0]",
     "990 >= 1000 fails"},
    {"recall.json", "contests[0].signatures", "100", 1, 0, NULL, NULL, NULL},
    {"recall.json", "contests[0].signature_base", "\"households\"", 1, 0, NULL, NULL, NULL},
    {"recall.json", "contests[0].signature_base", "\"representatives\"", 0, ELEC_ERROR,
     "UL20.propose", "contests[0]", "base of 0"},
    {"recall.json", "contests[0].signature_base", "\"friends\"", 0, ELEC_ERROR, NULL, "contests[0]",
     "signature_base"},
    {"recall.json", "contests[0].defence", NULL, 0, ELEC_ERROR, "UL20.defence", "contests[0]",
     "defence"},
    {"recall.json", "contests[0].defence", "\"\"", 0, ELEC_ERROR, "UL20.defence", "contests[0]",
     "defence"},
    {"recall.json", "contests[0].defence_published", "\"2026-06-20\"", 0, ELEC_ERROR,
     "UL20.defence", "contests[0]", "before polling day"},
    {"recall.json", "contests[0].defence_published", NULL, 0, ELEC_ERROR, "UL20.defence",
     "contests[0]", "missing"},
    {"recall.json", "contests[0].member", NULL, 0, ELEC_ERROR, NULL, "contests[0]", "member"},
    /* UL28.composition: representatives >= 4/5 members (40 members) */
    {"motion.json", "body.representatives", "31", 0, ELEC_ERROR, "UL28.composition",
     "body.representatives", "155 >= 160 fails"},
    {"motion.json", "body.representatives", "32", 1, 0, NULL, NULL, NULL},
    {"motion.json", "contests[0].text", NULL, 0, ELEC_ERROR, NULL, "contests[0]", "text"},
    /* evaluation */
    {"evaluation.json", "contests[0].members", "[]", 0, ELEC_ERROR, NULL, "contests[0]", "members"},
    {"evaluation.json", "contests[0].members[1].id", "\"K0001\"", 0, ELEC_ERROR, NULL, "members[1]",
     "duplicate member"},
    {"evaluation.json", "contests[0].members[1].previous", "\"bad\"", 0, ELEC_ERROR, NULL,
     "members[1]", "不称职"},
    /* petition */
    {"petition.json", "contests[0].convenes", "\"council\"", 0, ELEC_ERROR, "UL26.convene",
     "contests[0]", "convenes a residents-meeting"},
    {"petition.json", "contests[0].convenes", "\"party\"", 0, ELEC_ERROR, NULL,
     "contests[0].convenes", "convenes \"party\" is not residents-meeting"},
};

Test(manifest, every_kind_of_bad_input_is_named)
{
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];
		json_t *j = ex_json(b->example);
		json_t *v = NULL;
		if (b->value) {
			json_error_t je;
			v = json_loads(b->value, JSON_DECODE_ANY, &je);
			cr_assert_not_null(v, "case %zu: bad test value", i);
		}
		jset(j, b->path, v);
		elec_findings f;
		elec_manifest *m = NULL;
		elec_findings_init(&f);
		qerr e = parse_manifest_json(j, &m, &f);
		int found = b->ok && b->msg == NULL
		                ? 1
		                : has_finding(&f, b->sev, b->rule, b->where, b->msg);
		if (!found || (e == Q_OK) != b->ok) {
			fprintf(stderr, "case %zu (%s %s):\n", i, b->example, b->path);
			dump_findings(&f);
		}
		cr_expect_eq(e == Q_OK, b->ok, "case %zu (%s %s): got %s", i, b->example, b->path,
		             qerr_str(e));
		cr_expect(found, "case %zu (%s %s): expected finding not reported", i, b->example,
		          b->path);
		if (e == Q_OK)
			cr_expect_not_null(m);
		else
			cr_expect_null(m);
		if (b->ok && b->msg == NULL)
			cr_expect_eq(elec_findings_errors(&f), 0, "case %zu", i);
		manifest_free(m);
		elec_findings_free(&f);
		json_decref(j);
	}
}

/* Every problem is reported at once, not just the first. */
Test(manifest, all_problems_at_once)
{
	json_t *j = ex_json("election.json");
	jset(j, "contests[0].seats", json_integer(0));
	jset(j, "contests[1].rules", json_pack("[s]", "XX1"));
	jset(j, "committee.members", json_integer(3));
	jset(j, "body.mode", json_string("everyone"));
	elec_findings f;
	elec_manifest *m = NULL;
	elec_findings_init(&f);
	cr_expect_eq(parse_manifest_json(j, &m, &f), Q_ERR_RULE);
	cr_expect_geq(elec_findings_errors(&f), 4);
	cr_expect(has_finding(&f, ELEC_ERROR, NULL, "contests[0].seats", "from 1 to 1000"));
	cr_expect(has_finding(&f, ELEC_ERROR, NULL, "contests[1].rules[0]", "XX1"));
	cr_expect(has_finding(&f, ELEC_ERROR, "UL8.size", NULL, NULL));
	cr_expect(has_finding(&f, ELEC_ERROR, NULL, "body.mode", "everyone"));
	elec_findings_free(&f);
	json_decref(j);
}

/* E-4.3: body.registered is optional (init derives it from the roll):
 * absent or 0, a residents' manifest parses with registered 0. */
Test(manifest, registered_optional)
{
	json_t *j = ex_json("election.json");
	json_object_del(json_object_get(j, "body"), "registered");
	elec_findings f;
	elec_manifest *m = NULL;
	elec_findings_init(&f);
	cr_assert_eq(parse_manifest_json(j, &m, &f), Q_OK);
	cr_expect_eq(m->registered, 0);
	cr_expect(!has_finding(&f, ELEC_ERROR, NULL, "body.registered", NULL));
	manifest_free(m);
	elec_findings_free(&f);
	json_decref(j);
}

/* A charter with a 3-member committee (篇二/篇五) is reported against UL8.size
 * with the conflict named. */
Test(manifest, charter_committee_size_conflict)
{
	json_t *j = ex_json("election.json");
	jset(j, "charter", json_string("CH2"));
	jset(j, "committee.members", json_integer(3));
	elec_findings f;
	elec_manifest *m = NULL;
	elec_findings_init(&f);
	cr_expect_eq(parse_manifest_json(j, &m, &f), Q_ERR_RULE);
	cr_expect(has_finding(&f, ELEC_ERROR, "UL8.size", "committee.members", "conflict"));
	elec_findings_free(&f);
	json_decref(j);
}

/* UL26.notice: a residents' meeting is notified >= 10 days ahead; the
 * 篇五 charter's 3 days is a conflict; a stated special case is a warning. */
static json_t *residents_meeting(const char *notice, const char *charter)
{
	json_t *j = ex_json("motion.json");
	jset(j, "body",
	     json_pack("{s:s, s:i, s:i}", "mode", "residents", "registered", 1000, "households",
	               400));
	jset(j, "contests[0].rules", json_pack("[s, s]", "UL27", "CH5.9"));
	jset(j, "dates.polling_day", json_string("2026-04-20"));
	if (notice)
		jset(j, "dates.notice", json_string(notice));
	if (charter)
		jset(j, "charter", json_string(charter));
	else
		jset(j, "charter", NULL);
	return j;
}

Test(manifest, notice_ul26)
{
	struct {
		const char *notice, *charter, *exception;
		int ok;
		elec_severity sev;
		const char *msg;
	} cases[] = {
	    {"2026-04-10", "CH5", NULL, 1, 0, NULL}, /* exactly 10 days */
	    {"2026-04-11", "CH5", NULL, 0, ELEC_ERROR, "9 days ahead"},
	    {"2026-04-17", "CH5", NULL, 0, ELEC_ERROR, "conflict: 篇五 第十条 allows 3 days"},
	    {"2026-04-17", NULL, NULL, 0, ELEC_ERROR, "3 days ahead"},
	    {"2026-04-17", "CH5", "flood repairs", 1, ELEC_WARNING, "special case stated: flood"},
	    {NULL, "CH5", NULL, 0, ELEC_ERROR, "notice date"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = residents_meeting(cases[i].notice, cases[i].charter);
		if (cases[i].exception)
			jset(j, "dates.notice_exception", json_string(cases[i].exception));
		elec_findings f;
		elec_manifest *m = NULL;
		elec_findings_init(&f);
		qerr e = parse_manifest_json(j, &m, &f);
		cr_expect_eq(e == Q_OK, cases[i].ok, "case %zu: %s", i, qerr_str(e));
		if (cases[i].msg)
			cr_expect(has_finding(&f, cases[i].sev, "UL26.notice", "dates.notice",
			                      cases[i].msg),
			          "case %zu", i);
		else
			cr_expect_eq(f.n, 0, "case %zu", i);
		manifest_free(m);
		elec_findings_free(&f);
		json_decref(j);
	}
}

Test(manifest, ch59_needs_ul27)
{
	json_t *j = residents_meeting("2026-04-01", "CH5");
	jset(j, "contests[0].rules", json_pack("[s]", "CH5.9"));
	elec_findings f;
	elec_manifest *m = NULL;
	elec_findings_init(&f);
	cr_expect_eq(parse_manifest_json(j, &m, &f), Q_ERR_RULE);
	cr_expect(has_finding(&f, ELEC_ERROR, "CH5.9", "contests[0]", "UL27"));
	elec_findings_free(&f);
	json_decref(j);
}

Test(manifest, not_json_truncated_duplicate_keys_oversize)
{
	const char *inputs[] = {"", "not json", "[1,2,3]", "{\"id\": \"a\", \"id\": \"b\"}",
	                        "{\"format\": \"quorum-manifest/1\""};
	qerr want[] = {Q_ERR_FORMAT, Q_ERR_FORMAT, Q_ERR_FORMAT, Q_ERR_FORMAT, Q_ERR_FORMAT};
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		elec_findings f;
		elec_manifest *m = (elec_manifest *)1;
		elec_findings_init(&f);
		cr_expect_eq(manifest_parse((const uint8_t *)inputs[i], strlen(inputs[i]), &m, &f),
		             want[i], "input %zu", i);
		cr_expect_null(m);
		cr_expect_geq(f.n, 1);
		elec_findings_free(&f);
	}
	/* every truncation of a valid manifest is refused */
	size_t len;
	char *s = ex_text("recall.json", &len);
	for (size_t cut = 0; cut + 2 < len; cut += 7) {
		elec_findings f;
		elec_manifest *m = NULL;
		elec_findings_init(&f);
		cr_expect_neq(manifest_parse((const uint8_t *)s, cut, &m, &f), Q_OK, "cut %zu",
		              cut);
		cr_expect_null(m);
		elec_findings_free(&f);
	}
	free(s);
	elec_findings f;
	elec_manifest *m = NULL;
	elec_findings_init(&f);
	cr_expect_eq(manifest_parse((const uint8_t *)"{}", MANIFEST_MAX_BYTES + 1u, &m, &f),
	             Q_ERR_LIMIT);
	elec_findings_free(&f);
}

Test(manifest, id_charset)
{
	cr_expect(manifest_id_ok("a"));
	cr_expect(manifest_id_ok("A-z_0.9"));
	cr_expect(!manifest_id_ok(""));
	cr_expect(!manifest_id_ok("a b"));
	cr_expect(!manifest_id_ok("a/b"));
	cr_expect(!manifest_id_ok("王"));
	char big[66];
	memset(big, 'a', 65);
	big[65] = 0;
	cr_expect(!manifest_id_ok(big));
	big[64] = 0;
	cr_expect(manifest_id_ok(big));
}

/* UL18.nomination (RP-6): the statute fixes no number of nominators and
 * has no source for a Party nomination; a province's rows of part
 * nomination-joint (limit) and nomination-party decide, each cited. */
Test(manifest, nomination_rows_of_the_profiles)
{
	elec_findings f;
	elec_manifest *m = NULL;
	json_t *j = ex_json("election.json");
	const char *cand = "contests[1].candidates[1]";
	/* the statute alone: a Party nomination is warned, citing the row */
	elec_findings_init(&f);
	cr_assert_eq(parse_manifest_json(j, &m, &f), Q_OK);
	cr_expect(has_finding(&f, ELEC_WARNING, "UL18.nomination", "contests[0].candidates[0]",
	                      "nominated by the Party organisation"));
	cr_expect(!has_finding(&f, ELEC_WARNING, "UL18.nomination", "contests[0].candidates[1]",
	                       "Party"));
	manifest_free(m);
	elec_findings_free(&f);
	/* the example province: at least 10 voters jointly, Party allowed */
	json_object_set_new(j, "province", json_string("EXAMPLE-PROVINCE"));
	jset(j, "contests[1].candidates[1].nomination.count", json_integer(9));
	elec_findings_init(&f);
	cr_expect_eq(parse_manifest_json(j, &m, &f), Q_ERR_RULE);
	cr_expect(has_finding(&f, ELEC_ERROR, "PROV.nomination.joint", cand,
	                      "nominated by 9 voters; at least 10 must nominate (10 <= 9 fails)"));
	cr_expect(!has_finding(&f, ELEC_WARNING, "UL18.nomination", "contests[0].candidates[0]",
	                       "Party"));
	manifest_free(m);
	elec_findings_free(&f);
	jset(j, "contests[1].candidates[1].nomination.count", json_integer(10));
	elec_findings_init(&f);
	cr_expect_eq(parse_manifest_json(j, &m, &f), Q_OK);
	cr_expect_eq(f.n, 0);
	manifest_free(m);
	elec_findings_free(&f);
	json_decref(j);
}

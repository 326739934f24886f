/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Roll import (every bad row reported with its line; nothing half-imported)
 * and the check-in eligibility rules (UL16.eligible, UL19.proxy). */
#include <criterion/criterion.h>
#include <string.h>

#include "election/rules_record.h"
#include "helpers.h"

#define HDR "id,name,birth_date,household,group,flags\n"

static qerr import(const char *csv, elec_roll **r, elec_findings *f)
{
	elec_findings_init(f);
	return roll_import(csv, strlen(csv), r, f);
}

Test(roll, example_imports)
{
	size_t len;
	char *s = ex_text("roll.csv", &len);
	elec_findings f;
	elec_roll *r = NULL;
	elec_findings_init(&f);
	qerr e = roll_import(s, len, &r, &f);
	if (e != Q_OK)
		cr_assert_eq(e, Q_OK);
	cr_expect_eq(r->n, 10);
	const roll_record *x = roll_find(r, "V0007");
	cr_assert_not_null(x);
	cr_expect_str_eq(x->name, "Smith, John"); /* quoted comma */
	cr_expect_eq(x->birth.month, 2);
	cr_expect_eq(x->birth.day, 29);
	cr_expect_eq(x->line, 8);
	cr_expect_str_eq(roll_find(r, "V0009")->proxy, "V0007");
	cr_expect(roll_find(r, "V0010")->flags & ROLL_DEPRIVED);
	cr_expect(roll_find(r, "V0002")->flags & ROLL_REPRESENTATIVE);
	cr_expect_null(roll_find(r, "V9999"));
	cr_expect_eq(roll_proxy_count(r, "V0007"), 1);
	roll_free(r);
	roll_free(NULL);
	elec_findings_free(&f);
	free(s);
}

Test(roll, crlf_bom_quotes_trailing_blank)
{
	const char *csv = "\xEF\xBB\xBF"
	                  "id,name,birth_date,household,group,flags\r\n"
	                  "A1,\"He said \"\"hi\"\"\",1990-01-01,H1,g1,\r\n"
	                  "A2,\"two, \"\"quoted\"\"\",1990-01-01,H1,g1,council;representative\r\n"
	                  "A3,x,1990-01-01,H2,g1,\r\n\r\n";
	elec_findings f;
	elec_roll *r = NULL;
	qerr e = import(csv, &r, &f);
	if (e != Q_OK)
		dump_findings(&f);
	cr_assert_eq(e, Q_OK);
	cr_expect_eq(r->n, 3);
	cr_expect_str_eq(roll_find(r, "A1")->name, "He said \"hi\"");
	cr_expect_str_eq(roll_find(r, "A2")->name, "two, \"quoted\"");
	cr_expect_eq(roll_find(r, "A2")->flags, ROLL_COUNCIL | ROLL_REPRESENTATIVE);
	cr_expect_eq(roll_find(r, "A3")->line, 4);
	roll_free(r);
	elec_findings_free(&f);
}

struct badrow {
	const char *csv;
	const char *where;
	const char *rule;
	const char *msg;
};

static const struct badrow badrows[] = {
    {"id,name,birth,household,group,flags\nA1,x,1990-01-01,H,g,\n", "line 1", NULL, "header"},
    {"", "line 1", NULL, "header"},
    {HDR, "line 2", NULL, "no voters"},
    {HDR "A 1,x,1990-01-01,H,g1,\n", "line 2", NULL, "id"},
    {HDR ",x,1990-01-01,H,g1,\n", "line 2", NULL, "id"},
    {HDR "A1,,1990-01-01,H,g1,\n", "line 2", NULL, "name"},
    {HDR "A1,x,1990-13-01,H,g1,\n", "line 2", NULL, "birth_date"},
    {HDR "A1,x,2001-02-29,H,g1,\n", "line 2", NULL, "birth_date"},
    {HDR "A1,x,19900101,H,g1,\n", "line 2", NULL, "birth_date"},
    {HDR "A1,x,1990-01-01,,g1,\n", "line 2", NULL, "household"},
    {HDR "A1,x,1990-01-01,H,,\n", "line 2", NULL, "group"},
    {HDR "A1,x,1990-01-01,H,g 1,\n", "line 2", NULL, "group"},
    {HDR "A1,x,1990-01-01,H,g1\n", "line 2", NULL, "5 fields"},
    {HDR "A1,x,1990-01-01,H,g1,,extra\n", "line 2", NULL, "7 fields"},
    {HDR "A1,x,1990-01-01,H,g1,vip\n", "line 2", NULL, "unknown or repeated flag"},
    {HDR "A1,x,1990-01-01,H,g1,proxy=A2;proxy=A3\nA2,y,1990-01-01,H,g1,\n", "line 2", NULL, "flag"},
    {HDR "A1,\"x,1990-01-01,H,g1,\n", "line 2", NULL, "quoted"},
    {HDR "A1,x\"y,1990-01-01,H,g1,\n", "line 2", NULL, "quoted"},
    {HDR "A1,x,1990-01-01,H,g1,\n\nA2,y,1990-01-01,H,g1,\n", "line 3", NULL, "blank"},
    {HDR "A1,x,1990-01-01,H,g1,\nA1,y,1990-01-01,H,g1,\n", "line 3", NULL,
     "duplicate id \"A1\" (also on line 2)"},
    {HDR "A1,x,1990-01-01,H,g1,proxy=Z9\n", "line 2", "UL19.proxy", "not a voter"},
    {HDR "A1,x,1990-01-01,H,g1,proxy=A1\n", "line 2", "UL19.proxy", "own proxy"},
    {HDR "A1,x,1990-01-01,H,g1,proxy=A2\nA2,y,1990-01-01,H,g1,deprived\n", "line 2", "UL19.proxy",
     "deprived"},
    {HDR "A1,x,1990-01-01,H,g1,proxy=A2\nA2,y,1990-01-01,H,g1,proxy=A3\n"
         "A3,z,1990-01-01,H,g1,\n",
     "line 2", "UL19.proxy", "their own vote"},
    {HDR "A1,x\x01,1990-01-01,H,g1,\n", "line 2", NULL, "UTF-8"},
    /* a quoted newline is refused in a name, and the lines after it keep
     * their numbers */
    {HDR "A1,\"two\nlines\",1990-01-01,H,g1,\n", "line 2", NULL, "control"},
    {HDR "A1,\"two\nlines\",1990-01-01,H,g1,\nA2,x,1990-01-32,H,g1,\n", "line 4", NULL,
     "birth_date"},
    {HDR "A1,\xff\xfe,1990-01-01,H,g1,\n", "line 2", NULL, "UTF-8"},
};

Test(roll, every_bad_row_named_and_nothing_imported)
{
	for (size_t i = 0; i < sizeof(badrows) / sizeof(badrows[0]); i++) {
		elec_findings f;
		elec_roll *r = (elec_roll *)1;
		qerr e = import(badrows[i].csv, &r, &f);
		int found =
		    has_finding(&f, ELEC_ERROR, badrows[i].rule, badrows[i].where, badrows[i].msg);
		if (!found) {
			fprintf(stderr, "case %zu:\n", i);
			dump_findings(&f);
		}
		cr_expect_neq(e, Q_OK, "case %zu imported", i);
		cr_expect_null(r, "case %zu half-imported", i);
		cr_expect(found, "case %zu: finding not reported", i);
		elec_findings_free(&f);
	}
}

Test(roll, all_bad_rows_reported_with_line_numbers)
{
	const char *csv = HDR "A1,x,1990-01-01,H,g1,\n"
	                      "A2,x,1990-02-30,H,g1,\n"
	                      "A3,x,1990-01-01,H,g1\n"
	                      "A4,x,1990-01-01,H,g1,\n"
	                      "A 5,x,1990-01-01,H,g1,\n"
	                      "A6,x,1990-01-01,H,g1,bogus\n";
	elec_findings f;
	elec_roll *r = NULL;
	cr_expect_eq(import(csv, &r, &f), Q_ERR_FORMAT);
	cr_expect_null(r);
	cr_expect(has_finding(&f, ELEC_ERROR, NULL, "line 3", "birth_date"));
	cr_expect(has_finding(&f, ELEC_ERROR, NULL, "line 4", "fields"));
	cr_expect(has_finding(&f, ELEC_ERROR, NULL, "line 6", "id"));
	cr_expect(has_finding(&f, ELEC_ERROR, NULL, "line 7", "bogus"));
	cr_expect_eq(elec_findings_errors(&f), 4);
	elec_findings_free(&f);
}

/* ---- eligibility ---- */

static elec_roll *elig_roll(void)
{
	const char *csv = HDR "ADULT,a,1990-05-05,H1,g1,\n"
	                      "EXACT,b,2008-03-15,H1,g1,\n" /* 18 on 2026-03-15 */
	                      "YOUNG,c,2008-03-16,H1,g1,\n" /* 18 the day after */
	                      "LEAP,d,2008-02-29,H2,g1,\n"
	                      "DEPR,e,1970-01-01,H3,g1,deprived\n"
	                      "FAR,f,1970-01-01,H4,g9,\n"
	                      "REP,g,1970-01-01,H5,g1,representative\n"
	                      "CNC,h,1970-01-01,H6,g1,council\n"
	                      "HOLD,i,1970-01-01,H7,g1,\n"
	                      "PRIN,j,1970-01-01,H8,g1,proxy=HOLD\n"
	                      "CAND,k,1970-01-01,H9,g1,\n"
	                      "PRIN2,l,1970-01-01,H8,g1,proxy=CAND\n"
	                      "REPP,m,1970-01-01,H10,g1,representative;proxy=HOLD\n";
	elec_findings f;
	elec_roll *r = NULL;
	cr_assert_eq(import(csv, &r, &f), Q_OK);
	elec_findings_free(&f);
	return r;
}

/* With rows: the election's profiles have the example province's
 * proxy-candidate and proxy-mode rows (RP-6). */
static int with_rows = 1;

static roll_refusal check(const elec_roll *r, const char *id, const char *proxy, const char *day,
                          elec_mode mode)
{
	static const char *const groups[] = {"g1", "g2"};
	static const char *const cands[] = {"CAND"};
	roll_context ctx;
	memset(&ctx, 0, sizeof(ctx));
	cr_assert_eq(elec_date_parse(day, &ctx.polling_day), Q_OK);
	ctx.groups = groups;
	ctx.ngroups = 2;
	ctx.mode = mode;
	ctx.candidates = cands;
	ctx.ncandidates = 1;
	if (with_rows) {
		ctx.proxy_candidate_row =
		    rule_find(rulebook_builtin(), "PROV.proxy.candidate", "proxy-candidate");
		ctx.proxy_mode_row =
		    rule_find(rulebook_builtin(), "PROV.proxy.representatives", "proxy-mode");
		cr_assert(ctx.proxy_candidate_row != NULL && ctx.proxy_mode_row != NULL);
	}
	roll_refusal why = (roll_refusal)99;
	char msg[200];
	qerr e = roll_check_eligible(r, id, proxy, &ctx, &why, msg, sizeof(msg));
	cr_expect_eq(e == Q_OK, why == ELIG_OK, "%s: %s", id, msg);
	if (why != ELIG_OK)
		cr_expect_eq(e, Q_ERR_DENIED);
	return why;
}

Test(roll, eligibility_table)
{
	elec_roll *r = elig_roll();
	struct {
		const char *id, *proxy, *day;
		elec_mode mode;
		roll_refusal want;
	} t[] = {
	    {"ADULT", NULL, "2026-03-15", MODE_RESIDENTS, ELIG_OK},
	    {"NOBODY", NULL, "2026-03-15", MODE_RESIDENTS, ELIG_NOT_REGISTERED},
	    {"EXACT", NULL, "2026-03-15", MODE_RESIDENTS, ELIG_OK}, /* birthday counts */
	    {"EXACT", NULL, "2026-03-14", MODE_RESIDENTS, ELIG_UNDER_18},
	    {"YOUNG", NULL, "2026-03-15", MODE_RESIDENTS, ELIG_UNDER_18},
	    {"YOUNG", NULL, "2026-03-16", MODE_RESIDENTS, ELIG_OK},
	    /* 29 Feb: 28 Feb in a non-leap year (Civil Code Art 202) */
	    {"LEAP", NULL, "2026-02-28", MODE_RESIDENTS, ELIG_OK},
	    {"LEAP", NULL, "2026-02-27", MODE_RESIDENTS, ELIG_UNDER_18},
	    {"DEPR", NULL, "2026-03-15", MODE_RESIDENTS, ELIG_DEPRIVED},
	    {"FAR", NULL, "2026-03-15", MODE_RESIDENTS, ELIG_WRONG_STATION},
	    {"ADULT", NULL, "2026-03-15", MODE_REPRESENTATIVES, ELIG_NOT_MEMBER},
	    {"REP", NULL, "2026-03-15", MODE_REPRESENTATIVES, ELIG_OK},
	    {"REP", NULL, "2026-03-15", MODE_ASSEMBLY, ELIG_OK},
	    {"REP", NULL, "2026-03-15", MODE_COUNCIL, ELIG_NOT_MEMBER},
	    {"CNC", NULL, "2026-03-15", MODE_COUNCIL, ELIG_OK},
	    {"PRIN", "HOLD", "2026-03-15", MODE_RESIDENTS, ELIG_OK},
	    {"PRIN", "HOLD", "2026-03-15", MODE_HOUSEHOLDS, ELIG_OK},
	    {"PRIN", "ADULT", "2026-03-15", MODE_RESIDENTS, ELIG_PROXY_NOT_AUTHORISED},
	    {"ADULT", "HOLD", "2026-03-15", MODE_RESIDENTS, ELIG_PROXY_NOT_AUTHORISED},
	    {"REP", "HOLD", "2026-03-15", MODE_REPRESENTATIVES, ELIG_PROXY_NOT_ALLOWED},
	    {"REPP", "HOLD", "2026-03-15", MODE_REPRESENTATIVES, ELIG_PROXY_NOT_ALLOWED},
	    {"PRIN2", "CAND", "2026-03-15", MODE_RESIDENTS, ELIG_PROXY_CANDIDATE},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		cr_expect_eq(check(r, t[i].id, t[i].proxy, t[i].day, t[i].mode), t[i].want,
		             "case %zu (%s): want %s", i, t[i].id, roll_refusal_code(t[i].want));
	/* RP-6 at the boundary: the same two proxies without the rows (a
	 * profile set with no proxy-candidate or proxy-mode row) are allowed */
	with_rows = 0;
	cr_expect_eq(check(r, "REPP", "HOLD", "2026-03-15", MODE_REPRESENTATIVES), ELIG_OK);
	cr_expect_eq(check(r, "REP", "HOLD", "2026-03-15", MODE_REPRESENTATIVES),
	             ELIG_PROXY_NOT_AUTHORISED, "REP names no proxy: still refused");
	cr_expect_eq(check(r, "PRIN2", "CAND", "2026-03-15", MODE_RESIDENTS), ELIG_OK);
	with_rows = 1;
	roll_refusal why;
	cr_expect_eq(roll_check_eligible(r, NULL, NULL, NULL, &why, NULL, 0), Q_ERR_ARG);
	cr_expect_str_eq(roll_refusal_code(ELIG_UNDER_18), "under-18");
	cr_expect_str_eq(roll_refusal_code(ELIG_WRONG_STATION), "wrong-station");
	roll_free(r);
}

Test(roll, dates)
{
	elec_date a, b;
	cr_assert_eq(elec_date_parse("2024-02-29", &a), Q_OK);
	cr_expect_eq(elec_date_parse("2023-02-29", &b), Q_ERR_FORMAT);
	cr_expect_eq(elec_date_parse("1900-02-29", &b), Q_ERR_FORMAT);
	cr_expect_eq(elec_date_parse("2000-02-29", &b), Q_OK);
	cr_expect_eq(elec_date_parse("2024-2-29", &b), Q_ERR_FORMAT);
	cr_expect_eq(elec_date_parse("2024-02-29x", &b), Q_ERR_FORMAT);
	cr_expect_eq(elec_date_parse("0000-01-01", &b), Q_ERR_FORMAT);
	cr_expect_eq(elec_date_parse("2024-04-31", &b), Q_ERR_FORMAT);
	elec_date e0 = {1970, 1, 1}, e1 = {2026, 3, 15};
	cr_expect_eq(elec_date_days(e0), 0);
	cr_expect_eq(elec_date_days(e1), 20527);
	/* born 29 Feb 2004: 18 on 28 Feb 2022 (2022 is not a leap year) */
	elec_date born = {2004, 2, 29}, d1 = {2022, 2, 28}, d2 = {2022, 2, 27};
	cr_expect(elec_date_age_at_least(born, d1, 18));
	cr_expect(!elec_date_age_at_least(born, d2, 18));
	/* a leap anniversary is the 29th itself */
	elec_date born2 = {2008, 2, 29}, d3 = {2028, 2, 29}, d4 = {2028, 2, 28};
	cr_expect(elec_date_age_at_least(born2, d3, 20));
	cr_expect(!elec_date_age_at_least(born2, d4, 20));
}

/* E-4.3: the registered voters are the rows eligible on polling day by
 * UL16 (18 or older, not deprived), in the groups asked for. */
Test(roll, registered_derived_from_the_roll)
{
	size_t len;
	char *s = ex_text("roll.csv", &len);
	elec_roll *r = NULL;
	elec_findings f;
	elec_date day, before;
	elec_findings_init(&f);
	cr_assert_eq(roll_import(s, len, &r, &f), Q_OK);
	cr_assert_eq(elec_date_parse("2026-03-15", &day), Q_OK);
	cr_assert_eq(elec_date_parse("2026-03-14", &before), Q_OK);
	/* 10 rows: V0009 (18 the day after) is a minor, V0010 is deprived */
	cr_expect_eq(r->n, 10);
	cr_expect_eq(roll_count_registered(r, day, NULL, 0), 8);
	/* the day before, V0008 is not 18 yet either */
	cr_expect_eq(roll_count_registered(r, before, NULL, 0), 7);
	/* one station's groups: g4 has V0007, V0008 (18 today) and V0009 */
	static const char *const g4[] = {"g4"}, *const g1g2[] = {"g1", "g2"};
	cr_expect_eq(roll_count_registered(r, day, g4, 1), 2);
	/* g1 and g2: V0001..V0004 and V0010 (deprived) */
	cr_expect_eq(roll_count_registered(r, day, g1g2, 2), 4);
	cr_expect_eq(roll_count_registered(r, day, g1g2, 0), 0);
	roll_free(r);
	free(s);
	elec_findings_free(&f);
}

/* E-4.3: a recall's UL20.propose against registered voters not typed in
 * the manifest is checked with the roll's derived number. */
Test(roll, recall_signatures_against_the_derived_registered)
{
	json_t *j = ex_json("recall.json");
	json_object_del(json_object_get(j, "body"), "registered");
	elec_findings f;
	elec_manifest *m = NULL;
	elec_roll *r = NULL;
	size_t len;
	char *s = ex_text("roll.csv", &len);
	elec_findings_init(&f);
	cr_assert_eq(roll_import(s, len, &r, &f), Q_OK);
	/* the recall's polling day (2026-06-20): V0009 is 18 by then, so 9
	 * registered voters; 0 signatures are refused, 1 reaches 1/10 */
	jset(j, "contests[0].signatures", json_integer(0));
	cr_assert_eq(parse_manifest_json(j, &m, &f), Q_OK, "left to the roll");
	cr_expect_eq(roll_check_manifest(r, m, &f), Q_ERR_RULE);
	dump_findings(&f);
	cr_expect(has_finding(&f, ELEC_ERROR, "UL20.propose", "contests[0]",
	                      "0 signatures do not reach signatures >= 1/10 registered (0 >= 9 "
	                      "fails)"));
	manifest_free(m);
	elec_findings_free(&f);
	jset(j, "contests[0].signatures", json_integer(1));
	cr_assert_eq(parse_manifest_json(j, &m, &f), Q_OK);
	cr_expect_eq(roll_check_manifest(r, m, &f), Q_OK);
	cr_expect(!has_finding(&f, ELEC_ERROR, "UL20.propose", NULL, NULL));
	manifest_free(m);
	elec_findings_free(&f);
	roll_free(r);
	free(s);
	json_decref(j);
}

Test(roll, manifest_cross_checks)
{
	json_t *j = ex_json("election.json");
	elec_findings f;
	elec_manifest *m = NULL;
	elec_findings_init(&f);
	cr_assert_eq(parse_manifest_json(j, &m, &f), Q_OK);
	size_t len;
	char *s = ex_text("roll.csv", &len);
	elec_roll *r = NULL;
	cr_assert_eq(roll_import(s, len, &r, &f), Q_OK);
	/* the example: every candidate on the roll and eligible; its typed
	 * body.registered (1000, a larger community) is not the 8 registered
	 * voters of this 10-row roll (E-4.3): refused, naming both numbers */
	cr_expect_eq(roll_check_manifest(r, m, &f), Q_ERR_RULE);
	cr_expect(has_finding(&f, ELEC_ERROR, "UL16.eligible", "body.registered",
	                      "body.registered is 1000 but the roll has 8 registered voters "
	                      "(10 rows"));
	manifest_free(m);
	elec_findings_free(&f);
	/* typed equal to the derived number, or not typed: accepted */
	jset(j, "body.registered", json_integer(8));
	cr_assert_eq(parse_manifest_json(j, &m, &f), Q_OK);
	cr_expect_eq(roll_check_manifest(r, m, &f), Q_OK);
	manifest_free(m);
	elec_findings_free(&f);
	json_object_del(json_object_get(j, "body"), "registered");
	cr_assert_eq(parse_manifest_json(j, &m, &f), Q_OK);
	cr_expect_eq(m->registered, 0);
	/* the roll check adds no finding (the parse's warnings, e.g. the
	 * example's Party nominations under UL18.nomination, are not its) */
	elec_findings_free(&f);
	elec_findings_init(&f);
	cr_expect_eq(roll_check_manifest(r, m, &f), Q_OK);
	cr_expect_eq(f.n, 0);
	manifest_free(m);
	elec_findings_free(&f);

	/* a candidate not on the roll; a candidate who is deprived; one under
	 * 18 on polling day; a candidate holding a proxy */
	jset(j, "contests[1].candidates[0].voter", json_string("V9999"));
	jset(j, "contests[1].candidates[1].voter", json_string("V0010"));
	jset(j, "contests[1].candidates[2].voter", json_string("V0009"));
	jset(j, "contests[1].candidates[3].voter", json_string("V0007"));
	cr_assert_eq(parse_manifest_json(j, &m, &f), Q_OK);
	cr_expect_eq(roll_check_manifest(r, m, &f), Q_ERR_RULE);
	cr_expect(has_finding(&f, ELEC_ERROR, "UL16.eligible", "candidates[0]", "not on the roll"));
	cr_expect(has_finding(&f, ELEC_ERROR, "UL16.eligible", "candidates[1]", "deprived"));
	cr_expect(has_finding(&f, ELEC_ERROR, "UL16.eligible", "candidates[2]", "not 18"));
	/* RP-6: no profile with a proxy-candidate row: a candidate may hold
	 * proxies */
	cr_expect(!has_finding(&f, ELEC_ERROR, NULL, "candidates[3]", "proxies"));
	manifest_free(m);
	elec_findings_free(&f);
	/* the example province's row PROV.proxy.candidate: refused, citing it */
	jset(j, "province", json_string("EXAMPLE-PROVINCE"));
	cr_assert_eq(parse_manifest_json(j, &m, &f), Q_OK);
	cr_expect_eq(roll_check_manifest(r, m, &f), Q_ERR_RULE);
	cr_expect(has_finding(&f, ELEC_ERROR, "PROV.proxy.candidate", "candidates[3]", "proxies"));
	manifest_free(m);
	elec_findings_free(&f);

	/* a group no station serves; proxies in representative mode */
	json_decref(j);
	j = ex_json("election.json");
	jset(j, "stations[1].groups", json_pack("[s]", "g3"));
	jset(j, "body.mode", json_string("representatives"));
	jset(j, "body.members", json_integer(40));
	jset(j, "body.representatives", json_integer(36));
	cr_assert_eq(parse_manifest_json(j, &m, &f), Q_OK);
	cr_expect_eq(roll_check_manifest(r, m, &f), Q_ERR_RULE);
	cr_expect(has_finding(&f, ELEC_ERROR, NULL, "roll line",
	                      "\"g4\" is served by no station: add it to a station's \"groups\""));
	/* RP-6: without a proxy-mode row, proxies are allowed in this mode */
	cr_expect(!has_finding(&f, ELEC_ERROR, NULL, "roll", "representatives mode"));
	manifest_free(m);
	elec_findings_free(&f);
	/* with the example province's PROV.proxy.representatives: refused */
	jset(j, "province", json_string("EXAMPLE-PROVINCE"));
	cr_assert_eq(parse_manifest_json(j, &m, &f), Q_OK);
	cr_expect_eq(roll_check_manifest(r, m, &f), Q_ERR_RULE);
	cr_expect(has_finding(&f, ELEC_ERROR, "PROV.proxy.representatives", "roll",
	                      "representatives mode"));
	manifest_free(m);
	elec_findings_free(&f);
	roll_free(r);
	free(s);
	json_decref(j);
}

/* RP-6: the principals one proxy may hold come from the election's
 * profiles (a "proxy-limit" row's "limit"), not from a constant: the roll
 * imports whatever the count, the manifest check and the check-in apply
 * the profiles' limit (the default 3 without such a row). */
static const char proxy_csv[] = HDR "P,p,1970-01-01,H,g1,\n"
                                    "A1,a,1970-01-01,H,g1,proxy=P\n"
                                    "A2,a,1970-01-01,H,g1,proxy=P\n"
                                    "A3,a,1970-01-01,H,g1,proxy=P\n";

/* The example manifest with the example province, whose proxy-limit row
 * says `limit`, parsed against the built-in profiles with that province
 * file replaced. */
static elec_manifest *province_manifest(int limit, rulebook **rb)
{
	const char *const *names;
	const unsigned char *const *bytes;
	const size_t *lens;
	size_t n;
	char *txt = NULL;
	rulebook_builtin_files(&n, &names, &bytes, &lens);
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], "EXAMPLE-PROVINCE.json") == 0) {
			cr_assert_not_null(txt = calloc(1, lens[i] + 16));
			memcpy(txt, bytes[i], lens[i]);
		}
	cr_assert_not_null(txt);
	char *at = strstr(txt, "\"limit\": 3");
	cr_assert_not_null(at, "EXAMPLE-PROVINCE.json has no \"limit\": 3");
	at[9] = (char)('0' + limit);
	const uint8_t *b[1] = {(const uint8_t *)txt};
	size_t l[1] = {strlen(txt)};
	const char *nm[1] = {"EXAMPLE-PROVINCE.json"};
	elec_findings f;
	elec_findings_init(&f);
	cr_assert_eq(rulebook_with_files(b, l, nm, 1, rb, &f), Q_OK);
	json_t *j = ex_json("election.json");
	jset(j, "province", json_string("EXAMPLE-PROVINCE"));
	char *mt = json_dumps(j, 0);
	elec_manifest *m = NULL;
	qerr e = manifest_parse_rules((const uint8_t *)mt, strlen(mt), *rb, &m, &f);
	if (e != Q_OK)
		dump_findings(&f);
	cr_assert_eq(e, Q_OK);
	free(mt);
	free(txt);
	json_decref(j);
	elec_findings_free(&f);
	return m;
}

Test(roll, proxy_limit_from_profiles)
{
	elec_findings f;
	elec_roll *r = NULL;
	cr_assert_eq(import(proxy_csv, &r, &f), Q_OK, "three principals import");
	elec_findings_free(&f);
	/* no province: the default, 3 */
	elec_manifest *m = NULL;
	json_t *j = ex_json("election.json");
	elec_findings_init(&f);
	cr_assert_eq(parse_manifest_json(j, &m, &f), Q_OK);
	cr_expect_eq(roll_proxy_limit(m, NULL), 3);
	manifest_free(m);
	json_decref(j);
	elec_findings_free(&f);
	/* the province's limit 2: the manifest check names the row and the
	 * holder's line, and check-in refuses; limit 3: both accept */
	for (int limit = 2; limit <= 3; limit++) {
		rulebook *rb = NULL;
		const rule_def *row = NULL;
		m = province_manifest(limit, &rb);
		cr_expect_eq(roll_proxy_limit(m, &row), (size_t)limit);
		cr_assert_not_null(row);
		cr_expect_str_eq(row->id, "PROV.proxy.limit");
		elec_findings_init(&f);
		qerr ce = roll_check_manifest(r, m, &f);
		cr_expect(ce == Q_OK || ce == Q_ERR_RULE);
		int named = has_finding(&f, ELEC_ERROR, "PROV.proxy.limit", "line 2",
		                        "holds 3 proxies; at most 2 (3 <= 2 fails)");
		cr_expect_eq(named, limit == 2, "limit %d: finding %s", limit,
		             named ? "present" : "absent");
		elec_findings_free(&f);
		roll_context ctx;
		memset(&ctx, 0, sizeof ctx);
		static const char *const groups[] = {"g1"};
		cr_assert_eq(elec_date_parse("2026-03-15", &ctx.polling_day), Q_OK);
		ctx.groups = groups;
		ctx.ngroups = 1;
		ctx.mode = MODE_RESIDENTS;
		ctx.max_proxies = roll_proxy_limit(m, NULL);
		roll_refusal why;
		char msg[200];
		qerr e = roll_check_eligible(r, "A1", "P", &ctx, &why, msg, sizeof msg);
		cr_expect_eq(why, limit == 2 ? ELIG_PROXY_LIMIT : ELIG_OK, "limit %d: %s", limit,
		             msg);
		cr_expect_eq(e, limit == 2 ? Q_ERR_DENIED : Q_OK);
		manifest_free(m);
		rulebook_free(rb);
	}
	roll_free(r);
}

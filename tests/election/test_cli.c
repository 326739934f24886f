/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Integration: quorum-tally decide on docs/examples, output and exit codes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "helpers.h"
#include "testutil.h"

/* Run quorum-tally with args (a shell fragment; example paths are given
 * relative to docs/examples); stdout into *out (malloc'd).  Returns the
 * exit code. */
static int run(const char *args, char **out, const char *errfile)
{
	const char *bin = getenv("QUORUM_TALLY");
	const char *root = getenv("QUORUM_SOURCE_ROOT");
	cr_assert_not_null(bin, "QUORUM_TALLY not set");
	cr_assert_not_null(root);
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "cd '%s/docs/examples' && '%s' %s 2>'%s'", root, bin, args,
	         errfile);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	cr_assert_not_null(buf);
	size_t r;
	while ((r = fread(buf + n, 1, cap - n - 1, p)) > 0) {
		n += r;
		if (n + 1 == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			cr_assert_not_null(buf);
		}
	}
	buf[n] = 0;
	int st = pclose(p);
	*out = buf;
	cr_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static json_t *decide_ok(const char *manifest, const char *counts)
{
	char args[512], *out, *tmp = test_tmpdir(), err[4200];
	snprintf(err, sizeof(err), "%s/stderr", tmp);
	snprintf(args, sizeof(args), "decide %s %s", manifest, counts);
	int rc = run(args, &out, err);
	cr_assert_eq(rc, 0, "exit %d for %s", rc, args);
	json_error_t je;
	json_t *j = json_loads(out, 0, &je);
	cr_assert_not_null(j, "output is not JSON: %s", je.text);
	free(out);
	test_rmtree(tmp);
	free(tmp);
	return j;
}

static const char *outcome_of(json_t *d, const char *cid)
{
	return json_string_value(json_object_get(dec_contest_json(d, cid), "outcome"));
}

Test(cli, examples)
{
	json_t *d = decide_ok("election.json", "COUNTS.json");
	cr_expect_str_eq(json_string_value(json_object_get(d, "format")), "quorum-decision/1");
	cr_expect_str_eq(outcome_of(d, "director"), "elected");
	json_t *c = dec_contest_json(d, "members");
	cr_expect_str_eq(json_string_value(json_object_get(c, "outcome")), "runoff");
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(c, "elected"), 0)), "m1");
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(c, "elected"), 1)), "m2");
	cr_expect_eq(json_array_size(json_object_get(c, "runoff")), 2);
	json_t *r = json_array_get(json_object_get(c, "rules"), 0);
	cr_expect_not_null(json_object_get(r, "id"));
	cr_expect_not_null(json_object_get(r, "source"));
	cr_expect(json_is_boolean(json_object_get(r, "holds")));
	cr_expect(json_is_array(json_object_get(d, "warnings")));
	json_decref(d);

	d = decide_ok("election.json", "election-runoff.counts.json");
	cr_expect_str_eq(outcome_of(d, "members"), "elected");
	json_decref(d);

	d = decide_ok("recall.json", "recall.counts.json");
	cr_expect_str_eq(outcome_of(d, "recall-sun"), "passed");
	json_decref(d);

	d = decide_ok("motion.json", "motion.counts.json");
	c = dec_contest_json(d, "budget");
	cr_expect_str_eq(json_string_value(json_object_get(c, "outcome")), "no-quorum");
	cr_expect_eq(json_array_size(json_object_get(c, "conflicts")), 1);
	json_decref(d);

	d = decide_ok("evaluation.json", "evaluation.counts.json");
	cr_expect_str_eq(outcome_of(d, "eval-2026"), "rectify");
	json_decref(d);

	d = decide_ok("petition.json", "petition.counts.json");
	cr_expect_str_eq(outcome_of(d, "convene-meeting"), "convene");
	json_decref(d);
}

Test(cli, text_roll_help_and_exit_codes)
{
	char *tmp = test_tmpdir(), err[4200], *out;
	snprintf(err, sizeof(err), "%s/stderr", tmp);
	cr_expect_eq(run("decide motion.json motion.counts.json --text", &out, err), 0);
	cr_expect_not_null(strstr(out, "CONFLICT (quorum): UL29 fails (63 >= 80)"), "%s", out);
	cr_expect_not_null(strstr(out, "no-quorum"));
	free(out);
	/* E-4.3: the example's typed body.registered (1000) is not the 8
	 * registered voters of the 10-row sample roll: refused, naming both */
	cr_expect_eq(run("decide election.json COUNTS.json --roll roll.csv", &out, err), 1);
	free(out);
	{
		size_t l;
		char *e = test_read_file(err, &l);
		cr_expect_not_null(strstr(e,
		                          "body.registered is 1000 but the roll has 8 registered "
		                          "voters (10 rows"),
		                   "%s", e);
		free(e);
	}
	cr_expect_eq(run("--help", &out, err), 0);
	cr_expect_not_null(strstr(out, "decide"));
	free(out);
	/* usage and I/O: 2 */
	cr_expect_eq(run("", &out, err), 2);
	free(out);
	cr_expect_eq(run("nonsense", &out, err), 2);
	free(out);
	cr_expect_eq(run("decide election.json", &out, err), 2);
	free(out);
	cr_expect_eq(run("decide election.json COUNTS.json extra", &out, err), 2);
	free(out);
	cr_expect_eq(run("decide /nonexistent.json COUNTS.json", &out, err), 2);
	free(out);
	/* bad data: 1, with a message naming the problem */
	cr_expect_eq(run("decide election.json motion.counts.json", &out, err), 1);
	free(out);
	size_t len;
	char *e = test_read_file(err, &len);
	cr_expect_not_null(strstr(e, "manifest's id"), "%s", e);
	free(e);
	cr_expect_eq(run("decide COUNTS.json COUNTS.json", &out, err), 1);
	free(out);
	cr_expect_eq(run("decide roll.csv COUNTS.json", &out, err), 1);
	free(out);
	/* a roll that rejects the manifest: 1 */
	char roll[4300];
	snprintf(roll, sizeof(roll), "%s/roll.csv", tmp);
	const char *csv = "id,name,birth_date,household,group,flags\nV0001,x,1990-01-01,H,g1,\n";
	cr_assert_eq(test_write_file(roll, csv, strlen(csv)), 0);
	char args[4400];
	snprintf(args, sizeof(args), "decide election.json COUNTS.json --roll '%s'", roll);
	cr_expect_eq(run(args, &out, err), 1);
	free(out);
	e = test_read_file(err, &len);
	cr_expect_not_null(strstr(e, "not on the roll"), "%s", e);
	free(e);
	test_rmtree(tmp);
	free(tmp);
}

/* quorum-tally rules show / check (docs/spec/rules.md RP-2). */
Test(cli, rules_show_and_check)
{
	char *out, *tmp = test_tmpdir(), err[4200], args[4600], bad[4200];
	size_t el;
	snprintf(err, sizeof err, "%s/stderr", tmp);
	cr_expect_eq(run("rules show", &out, err), 0);
	cr_expect_not_null(strstr(out, "UL-2025"));
	cr_expect_not_null(strstr(out, "EXAMPLE-PROVINCE"));
	free(out);
	cr_expect_eq(run("rules show UL-2025", &out, err), 0);
	cr_expect_not_null(strstr(out, "UL19.elected / elected"));
	cr_expect_not_null(strstr(out, "votes > 1/2 cast"));
	cr_expect_not_null(strstr(out, "第四十四条")); /* COUNT.reconcile's source */
	cr_expect_not_null(strstr(out, "每次选举所投的票数"));
	free(out);
	cr_expect_eq(run("rules check ../../rules/UL-2025.json ../../rules/CH4.json", &out, err),
	             0);
	cr_expect_not_null(strstr(out, "well-formed"));
	cr_expect_not_null(strstr(out, "usable"));
	free(out);
	/* a profile with a zero denominator: exit 1, the field named */
	snprintf(bad, sizeof bad, "%s/rules/CH5.json", getenv("QUORUM_SOURCE_ROOT"));
	size_t bl;
	char *b = test_read_file(bad, &bl);
	cr_assert_not_null(b);
	char *d5 = strstr(b, "\"den\": 5,");
	cr_assert_not_null(d5);
	d5[7] = '0';
	snprintf(bad, sizeof bad, "%s/bad.json", tmp);
	cr_assert_eq(test_write_file(bad, b, bl), 0);
	free(b);
	snprintf(args, sizeof args, "rules check '%s'", bad);
	cr_expect_eq(run(args, &out, err), 1);
	free(out);
	char *e = test_read_file(err, &el);
	cr_expect_not_null(strstr(e, "rows[0].test.den"), "%s", e);
	cr_expect_not_null(strstr(e, "1 ... 1000"), "%s", e);
	free(e);
	cr_expect_eq(run("rules show no-such-profile", &out, err), 2);
	free(out);
	cr_expect_eq(run("rules frobnicate", &out, err), 2);
	free(out);
	test_rmtree(tmp);
	free(tmp);
}

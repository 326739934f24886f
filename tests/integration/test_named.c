/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_named.c -- a named vote (记名表决, E-2.1) through the whole
 * appliance: real quorum-ballotd stations record each checked-in
 * attendee's hand under their roll id (P-6.6); the tally counts the
 * entries and the rule engine decides; verify-election re-counts them from
 * the logs (V-7.1); the announcement lists the roll ids by vote.
 * Must fail: the station refuses a vote of someone not checked in, a second
 * vote and a contest that is not a named vote; a dishonest station's log
 * with a vote by someone not checked in, or a vote twice, is refused by
 * the tally and by verify-election, naming the voter; an altered entry
 * breaks the station's log.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/verify_election.h"
#include "crypto/sha256.h"
#include "crypto/util.h"
#include "daemon.h"
#include "fixture.h"
#include "tally/count.h"
#include "tally/decrypt.h"
#include "tally/report.h"
#include "testutil.h"

static char *tmp;

static void setup(void)
{
	tmp = test_tmpdir();
	setenv("QUORUM_INSECURE_TEST_KDF", "1", 1);
	setenv("QUORUM_NO_PROGRESS", "1", 1);
}

static void teardown(void)
{
	fx_manifest_contest = NULL;
	fx_station_named = NULL;
	test_rmtree(tmp);
	free(tmp);
}

TestSuite(named, .init = setup, .fini = teardown, .timeout = 300);

static rec_election *election(const char *name)
{
	fx_manifest_contest = fx_named_hall;
	rec_election *el = fx_init(tmp, name, "hq-named", 2, 3, NULL);
	fx_manifest_contest = NULL;
	fx_ceremony(el, tmp, name);
	return el;
}

static void decrypt_combine(rec_election *el, const char *name)
{
	char kp[1024], pw[32], msg[768] = "";
	for (uint32_t i = 1; i <= 2; i++) {
		fx_key_path(kp, sizeof kp, tmp, name, i);
		fx_pass(i, pw, sizeof pw);
		cr_assert_eq(tally_decrypt(el, i, kp, pw, strlen(pw), NULL, NULL, msg, sizeof msg),
		             Q_OK, "%s", msg);
	}
	cr_assert_eq(tally_combine(el, NULL, msg, sizeof msg), Q_OK, "%s", msg);
}

static int detail_has(const ve_report *r, int check, const char *s)
{
	const ve_check *k = &r->checks[check - 1];
	for (size_t i = 0; i < k->ndetails; i++)
		if (strstr(k->detail[i], s) != NULL)
			return 1;
	return 0;
}

static json_t *contest_counts(const char *dir, const char *id)
{
	char p[1200];
	snprintf(p, sizeof p, "%s/tally/result.json", dir);
	json_t *res = json_load_file(p, 0, NULL), *found = NULL;
	cr_assert_not_null(res);
	const json_t *cs = json_object_get(json_object_get(res, "counts"), "contests");
	for (size_t i = 0; i < json_array_size(cs); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(cs, i), "id")), id) ==
		    0)
			found = json_incref(json_array_get(cs, i));
	json_decref(res);
	cr_assert_not_null(found, "no counts for %s", id);
	return found;
}

/*
 * R-9, the announcement a resident reads: a candidate's name once (not
 * "王芳 / 王芳 (c1)"), candidates by name in the outcome line and the rule
 * rows (never an id such as "m3"), and each test as a threshold in votes.
 */
static void announcement(const rec_election *el, const char *txt)
{
	static const char *const ids[] = {"c1", "c2", "m1", "m2", "m3", "m4", "m5"};
	static const char *const names[] = {"王芳", "李强", "张伟", "刘洋", "陈静", "杨磊", "赵敏"};
	char want[600], p[1200];
	cr_assert(strstr(txt, "\n  王芳 ") != NULL, "%s", txt);
	for (size_t i = 0; i < 7; i++) {
		char bad[64];
		snprintf(bad, sizeof bad, "(%s)", ids[i]);
		cr_assert_null(strstr(txt, bad), "%s shown beside %s: %s", bad, names[i], txt);
		snprintf(bad, sizeof bad, "] %s:", ids[i]); /* a rule row's subject */
		cr_assert_null(strstr(txt, bad), "subject %s by id: %s", ids[i], txt);
	}
	/* the outcome lines, from the decision: names in its order */
	snprintf(p, sizeof p, "%s/tally/result.json", el->dir);
	json_t *res = json_load_file(p, 0, NULL);
	const json_t *cs = json_object_get(json_object_get(res, "decision"), "contests");
	for (size_t k = 0; k < 2; k++) {
		const json_t *dc = json_array_get(cs, k), *a = json_object_get(dc, "elected");
		snprintf(want, sizeof want, "  outcome: %s (",
		         json_string_value(json_object_get(dc, "outcome")));
		char *at = strstr(txt, want);
		cr_assert_not_null(at, "%s: %s", want, txt);
		int n = snprintf(want, sizeof want, "elected: ");
		for (size_t i = 0; i < json_array_size(a); i++) {
			const char *id = json_string_value(json_array_get(a, i)), *nm = id;
			for (size_t j = 0; j < 7; j++)
				if (strcmp(ids[j], id) == 0)
					nm = names[j];
			n += snprintf(want + n, sizeof want - (size_t)n, "%s%s", i ? ", " : "", nm);
		}
		if (json_array_size(a) == 0)
			snprintf(want + n, sizeof want - (size_t)n, "-");
		cr_assert_not_null(strstr(at, want), "%s in: %s", want, at);
	}
	json_decref(res);
	/* a threshold in votes: 7 of the 8 registered voters init derived
	 * from the 10-row roll (E-4.3) cast, more than half */
	cr_assert(
	    strstr(txt, "参加投票 7 人，须不少于 5 人（超过登记选民 8 人的二分之一）：成立") !=
	        NULL,
	    "%s", txt);
	/* a whole, not "的1/1" */
	cr_assert(strstr(txt, "参加投票 7 人，不多于 7 人才成立（发出选票 7 张）：成立") != NULL,
	          "%s", txt);
	cr_assert_null(strstr(txt, "1/1）"), "%s", txt);
}

Test(named, recorded_counted_verified_and_announced)
{
	char msg[768] = "", p[1200];
	tally_opts o = {2, 0};
	rec_election *el = election("rec");
	fx_named_stations(el);
	cr_assert_eq(tally_run(el, &o, msg, sizeof msg), Q_OK, "%s", msg);
	decrypt_combine(el, "rec");

	/* the counts are the entries; cast is the number of named votes */
	json_t *cc = contest_counts(el->dir, "hall"), *t = json_object_get(cc, "tally");
	cr_assert_eq(json_integer_value(json_object_get(cc, "cast")), 5);
	cr_assert_eq(json_integer_value(json_object_get(t, "yes")), 3);
	cr_assert_eq(json_integer_value(json_object_get(t, "no")), 1);
	cr_assert_eq(json_integer_value(json_object_get(t, "abstain")), 1);
	json_decref(cc);

	/* verify-election re-counts them (V-7.1) and agrees */
	ve_report r;
	ve_opts vo = {1, 0, -1, 2};
	cr_assert_eq(ve_verify(el->dir, &vo, &r), Q_OK);
	for (int i = 0; i < VE_NCHECKS; i++)
		cr_expect_eq(r.checks[i].failed, 0, "check %d %s: %s", i + 1, r.checks[i].name,
		             r.checks[i].ndetails ? r.checks[i].detail[0] : "");
	cr_assert(ve_report_passed(&r));

	/* the minutes: roll ids by vote, in roll-id order */
	cr_assert_eq(tally_report(el, msg, sizeof msg), Q_OK, "%s", msg);
	snprintf(p, sizeof p, "%s/report.txt", el->dir);
	size_t l;
	char *txt = test_read_file(p, &l);
	cr_assert_not_null(txt);
	cr_assert(strstr(txt, "记名表决 named vote (5)") != NULL, "%s", txt);
	/* what was voted on, above its counts */
	cr_assert(strstr(txt, "  记名表决 named vote: 活动室每晚开放至九点。") != NULL, "%s", txt);
	cr_assert(strstr(txt, "赞成 yes (3): V0001, V0002, V0006\n") != NULL, "%s", txt);
	cr_assert(strstr(txt, "反对 no (1): V0003\n") != NULL, "%s", txt);
	cr_assert(strstr(txt, "弃权 abstain (1): V0005\n") != NULL, "%s", txt);
	announcement(el, txt);
	free(txt);
	snprintf(p, sizeof p, "%s/report.html", el->dir);
	char *html = test_read_file(p, &l);
	cr_assert(strstr(html, "<tr><th>赞成 yes (3)</th><td>V0001, V0002, V0006</td></tr>") !=
	              NULL,
	          "%s", html);
	free(html);

	/* an altered entry (V0003 votes no -> yes) breaks the station's log */
	snprintf(p, sizeof p, "%s/stations/s1/log/entries", el->dir);
	char *ent = test_read_file(p, &l);
	cr_assert_not_null(ent);
	char *at = NULL;
	for (size_t i = 0; at == NULL && i + 20 <= l; i++)
		if (memcmp(ent + i, "voter V0003\nvote no\n", 20) == 0)
			at = ent + i;
	cr_assert_not_null(at, "the named-vote entry is not in %s", p);
	memcpy(at + 17, "ye", 2); /* "no\n" -> "ye\n": same length */
	cr_assert_eq(test_write_file(p, ent, l), 0);
	free(ent);
	cr_assert_eq(ve_verify(el->dir, &vo, &r), Q_OK);
	cr_assert_gt(r.checks[VE_LOGS - 1].failed, 0);
	cr_assert(detail_has(&r, VE_LOGS, "stations/s1/log: does not verify"), "%s",
	          r.checks[VE_LOGS - 1].detail[0]);
	rec_free(el);
}

/* A returning officer who announces other named counts with the same
 * decision (one more yes to a motion that passes anyway), logged and
 * checkpointed as a result: check 9 re-counts the logs and refuses the
 * announced counts, naming the contest (before session 7 it compared only
 * the decision, and this passed). */
Test(named, announced_named_counts_other_than_the_logs_refused)
{
	char msg[768] = "", p[1200], *note = NULL;
	tally_opts o = {2, 0};
	rec_election *el = election("rec");
	fx_named_stations(el);
	cr_assert_eq(tally_run(el, &o, msg, sizeof msg), Q_OK, "%s", msg);
	decrypt_combine(el, "rec");
	ve_report r;
	ve_opts vo = {1, 0, -1, 2};
	cr_assert_eq(ve_verify(el->dir, &vo, &r), Q_OK);
	cr_assert(ve_report_passed(&r));

	/* yes 3 -> 4, cast 5 -> 6: the motion passes either way */
	snprintf(p, sizeof p, "%s/tally/result.json", el->dir);
	json_error_t je;
	json_t *res = json_load_file(p, 0, &je);
	cr_assert_not_null(res, "%s", je.text);
	json_t *cs = json_object_get(json_object_get(res, "counts"), "contests"), *hc = NULL;
	for (size_t i = 0; i < json_array_size(cs); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(cs, i), "id")),
		           "hall") == 0)
			hc = json_array_get(cs, i);
	cr_assert_not_null(hc);
	json_object_set_new(json_object_get(hc, "tally"), "yes", json_integer(4));
	json_object_set_new(hc, "cast", json_integer(6));
	char *txt = json_dumps(res, JSON_COMPACT | JSON_SORT_KEYS);
	cr_assert_eq(test_write_file(p, txt, strlen(txt)), 0);
	uint8_t h[32];
	sha256(h, txt, strlen(txt));
	free(txt);
	char hx[65];
	hex_encode(hx, h, 32);
	json_t *e = json_pack("{s:s, s:s, s:O}", "type", "result", "result_sha256", hx, "counts",
	                      json_object_get(res, "counts"));
	cr_assert_eq(rec_log_append(el, e, 1, &note, msg, sizeof msg), Q_OK, "%s", msg);
	snprintf(p, sizeof p, "%s/tally/result.checkpoint", el->dir);
	cr_assert_eq(test_write_file(p, note, strlen(note)), 0);
	free(note);
	json_decref(e);
	json_decref(res);

	cr_assert_eq(ve_verify(el->dir, &vo, &r), Q_OK);
	cr_assert(!ve_report_passed(&r));
	cr_assert_gt(r.checks[VE_DECISION - 1].failed, 0);
	cr_assert(detail_has(&r, VE_DECISION,
	                     "tally/result.json: named vote hall: announced cast 6, yes 4, no 1, "
	                     "abstain 1; the station logs' entries give 5, 3, 1, 1"),
	          "%s",
	          r.checks[VE_DECISION - 1].ndetails ? r.checks[VE_DECISION - 1].detail[0] : "");
	for (int i = 0; i < VE_NCHECKS; i++)
		if (i != VE_DECISION - 1)
			cr_expect_eq(r.checks[i].failed, 0, "check %d %s: %s", i + 1,
			             r.checks[i].name,
			             r.checks[i].ndetails ? r.checks[i].detail[0] : "");
	rec_free(el);
}

/* The station itself refuses what the law does not allow. */
Test(named, station_refuses_absent_twice_and_secret)
{
	rec_election *el = election("st");
	tdaemon d;
	memset(&d, 0, sizeof d);
	snprintf(d.dir, sizeof d.dir, "%s/daemon", tmp);
	snprintf(d.el, sizeof d.el, "%s", el->dir);
	snprintf(d.state, sizeof d.state, "%s/state", d.dir);
	snprintf(d.roll, sizeof d.roll, "%s/roll.csv", d.dir);
	snprintf(d.log, sizeof d.log, "%s/daemon.log", d.dir);
	cr_assert_eq(mkdir(d.dir, 0700), 0);
	cr_assert_eq(test_write_file(d.roll, fx_roll(), strlen(fx_roll())), 0);
	int status = 0;
	cr_assert_eq(td_start(&d, "fixture station passphrase", &status), 0, "exit %d", status);
	char req[512];
	json_t *r;
	snprintf(req, sizeof req, "{\"op\":\"import-roll\",\"path\":\"%s\"}", d.roll);
	json_decref(td_req(&d, "admin", req));
	json_decref(td_req(&d, "admin", "{\"op\":\"open\"}"));
	r = td_req(&d, "operator", "{\"op\":\"checkin\",\"voter\":\"V0001\"}");
	cr_assert_null(td_err(r));
	json_decref(r);
	static const struct {
		const char *req, *err;
	} cases[] = {
	    {"{\"op\":\"named-vote\",\"contest\":\"hall\",\"voter\":\"V0002\",\"vote\":\"yes\"}",
	     "not_attending"},
	    {"{\"op\":\"named-vote\",\"contest\":\"hall\",\"voter\":\"V0001\",\"vote\":\"yes\"}",
	     NULL},
	    {"{\"op\":\"named-vote\",\"contest\":\"hall\",\"voter\":\"V0001\",\"vote\":\"no\"}",
	     "named_twice"},
	    {"{\"op\":\"named-vote\",\"contest\":\"director\",\"voter\":\"V0001\",\"vote\":"
	     "\"yes\"}",
	     "not_named"},
	    {"{\"op\":\"named-vote\",\"contest\":\"hall\",\"voter\":\"V0001\",\"vote\":\"maybe\"}",
	     "bad_request"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		r = td_req(&d, "operator", cases[i].req);
		if (cases[i].err == NULL)
			cr_expect_null(td_err(r), "%s: %s", cases[i].req, td_err(r));
		else
			cr_expect_str_eq(td_err(r) ? td_err(r) : "(accepted)", cases[i].err, "%s",
			                 cases[i].req);
		json_decref(r);
	}
	/* the booth socket may not record hands */
	r = td_req(&d, "booth",
	           "{\"op\":\"named-vote\",\"contest\":\"hall\",\"voter\":\"V0001\",\"vote\":"
	           "\"yes\"}");
	cr_expect_str_eq(td_err(r) ? td_err(r) : "(accepted)", "wrong_role");
	json_decref(r);
	/* a restart rebuilds who has voted from the log (P-5.4) */
	cr_assert_eq(td_stop(&d), 0);
	cr_assert_eq(td_start(&d, "fixture station passphrase", &status), 0, "exit %d", status);
	r = td_req(&d, "operator",
	           "{\"op\":\"named-vote\",\"contest\":\"hall\",\"voter\":\"V0001\",\"vote\":"
	           "\"abstain\"}");
	cr_expect_str_eq(td_err(r) ? td_err(r) : "(accepted)", "named_twice");
	json_decref(r);
	cr_assert_eq(td_stop(&d), 0);
	rec_free(el);
}

/* A dishonest station's log: the tally refuses it and verify-election fails
 * check 5 (reconcile), each naming station, entry and voter. */
static void dishonest(const char *name, const char *const *votes, qerr want, const char *what)
{
	char msg[768] = "";
	tally_opts o = {2, 0};
	rec_election *el = election(name);
	fx_station_named = votes;
	fx_forged_station_marks(el, "s1", fx_named_marks, 2, 3);
	fx_station_named = NULL;
	fx_forged_station_marks(el, "s2", fx_named_marks + 2 * FX_NOPT, 1, 2);
	qerr e = tally_run(el, &o, msg, sizeof msg);
	cr_assert_eq(e, want, "tally: %s (%s)", qerr_str(e), msg);
	cr_assert(strstr(msg, what) != NULL, "tally: %s", msg);
	ve_report r;
	ve_opts vo = {1, 0, -1, 2};
	cr_assert_eq(ve_verify(el->dir, &vo, &r), Q_OK);
	cr_assert_gt(r.checks[VE_RECONCILE - 1].failed, 0);
	cr_assert(detail_has(&r, VE_RECONCILE, what), "verify: %s",
	          r.checks[VE_RECONCILE - 1].ndetails ? r.checks[VE_RECONCILE - 1].detail[0] : "");
	rec_free(el);
}

Test(named, vote_by_someone_not_checked_in_refused)
{
	static const char *const v[] = {"hall s1-V0001 yes", "hall s1-V0009 yes", NULL};
	dishonest("absent", v, Q_ERR_CONSISTENCY,
	          "log entry 6: a named vote of s1-V0009 in motion hall, but s1-V0009 is not "
	          "checked in at station s1");
}

Test(named, vote_twice_refused)
{
	static const char *const v[] = {"hall s1-V0002 yes", "hall s1-V0002 no", NULL};
	dishonest("twice", v, Q_ERR_EXISTS,
	          "station s1: log entry 6: s1-V0002 votes twice in motion hall (already at "
	          "station s1, log entry 5)");
}

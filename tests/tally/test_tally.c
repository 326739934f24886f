/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_tally.c -- the tally step: station records checked (signature,
 * election, counts, log), every ballot verified, duplicates and ballots of
 * another election refused; and the full 3-of-5 flow with two trustees
 * absent.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/log.h"
#include "election/alphaset.h"
#include "crypto/sha256.h"
#include "crypto/util.h"
#include "fixture.h"
#include "tally/count.h"
#include "tally/decrypt.h"
#include "tally/report.h"
#include "testutil.h"
#include "tmpsuite.h"

TEST_TMP_DIR

TEST_TMP_SUITE(tally);

/* director c1 c2 | members m1..m5: c1 3, c2 3; m1 6, m2 5, m3 2, m4 2, m5 1 */
static const uint8_t six[6 * FX_NOPT] = {
    1, 0, 1, 1, 1, 0, 0, /**/ 1, 0, 1, 1, 0, 1, 0, /**/ 1, 0, 1, 1, 1, 0, 0,
    0, 1, 1, 1, 0, 1, 0, /**/ 0, 1, 1, 1, 0, 0, 1, /**/ 0, 1, 1, 0, 0, 0, 0,
};

static rec_election *ready(void)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 3, 5, NULL);
	fx_ceremony(el, tmp, "e");
	return el;
}

static qerr run_tally(rec_election *el, char *msg, size_t msgsz)
{
	tally_opts o = {2, 0};
	return tally_run(el, &o, msg, msgsz);
}

static void decrypt_as(rec_election *el, uint32_t i)
{
	char kp[1024], pw[32], msg[512] = "";
	fx_key_path(kp, sizeof kp, tmp, "e", i);
	fx_pass(i, pw, sizeof pw);
	qerr e = tally_decrypt(el, i, kp, pw, strlen(pw), NULL, NULL, msg, sizeof msg);
	cr_assert_eq(e, Q_OK, "decrypt %u: %s", i, msg);
}

static json_t *contest_of(json_t *res, const char *id)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(json_object_get(res, "decision"), "contests"), i, c)
	{
		if (strcmp(json_string_value(json_object_get(c, "id")), id) == 0)
			return c;
	}
	return NULL;
}

Test(tally, full_3_of_5_with_two_trustees_absent)
{
	rec_election *el = ready();
	char msg[768] = "", path[1200];
	/* two real stations (quorum-ballotd); one voter at s2 checked in
	 * and left without voting */
	fx_station_marks(el, "s1", six, 4, 4);
	fx_station_marks(el, "s2", six + 4 * FX_NOPT, 2, 3);
	qerr e = run_tally(el, msg, sizeof msg);
	cr_assert_eq(e, Q_OK, "tally: %s", msg);
	/* trustees 4 and 5 are absent */
	decrypt_as(el, 1);
	decrypt_as(el, 2);
	decrypt_as(el, 3);
	combine_report rep;
	e = tally_combine(el, &rep, msg, sizeof msg);
	cr_assert_eq(e, Q_OK, "combine: %s", msg);
	cr_assert_eq(rep.nused, 3);
	cr_assert_eq(rep.nskipped, 0);

	json_t *res;
	snprintf(path, sizeof path, "%s/tally/result.json", el->dir);
	cr_assert_eq(rec_read_json(path, &res, msg, sizeof msg), Q_OK);
	json_t *cs = json_object_get(json_object_get(res, "counts"), "contests");
	json_t *dir = json_object_get(json_array_get(cs, 0), "tally");
	json_t *mem = json_object_get(json_array_get(cs, 1), "tally");
	cr_assert_eq(json_integer_value(json_object_get(dir, "c1")), 3);
	cr_assert_eq(json_integer_value(json_object_get(dir, "c2")), 3);
	long long want[5] = {6, 5, 2, 2, 1};
	const char *ids[5] = {"m1", "m2", "m3", "m4", "m5"};
	for (int i = 0; i < 5; i++)
		cr_assert_eq(json_integer_value(json_object_get(mem, ids[i])), want[i], "%s",
		             ids[i]);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(res, "counts"), "issued")),
	             7);
	/* the rule engine: a tie for director and a run-off for the last seat */
	json_t *d = contest_of(res, "director"), *m = contest_of(res, "members");
	cr_assert_str_eq(json_string_value(json_object_get(d, "outcome")), "runoff");
	cr_assert_str_eq(json_string_value(json_object_get(m, "outcome")), "runoff");
	cr_assert_eq(json_array_size(json_object_get(m, "elected")), 2);
	json_decref(res);

	/* the log: created, 5 commitments, joint key, tally, 3 partials, result */
	snprintf(path, sizeof path, "%s/tally/result.checkpoint", el->dir);
	size_t l;
	char *cp = test_read_file(path, &l);
	cr_assert(strstr(cp, "\n12\n") != NULL, "checkpoint of 12 entries: %s", cp);
	free(cp);

	/* the report */
	cr_assert_eq(tally_report(el, msg, sizeof msg), Q_OK, "%s", msg);
	snprintf(path, sizeof path, "%s/report.html", el->dir);
	char *html = test_read_file(path, &l);
	cr_assert(strstr(html, "王芳") != NULL);
	cr_assert(strstr(html, "UL19.elected") != NULL);
	cr_assert(strstr(html, "class=\"bar\"") != NULL);
	cr_assert(strstr(html, "Tracking-code lookup") != NULL);
	free(html);
	snprintf(path, sizeof path, "%s/report.txt", el->dir);
	char *txt = test_read_file(path, &l);
	cr_assert(strstr(txt, "final checkpoint") != NULL);
	cr_assert(strstr(txt, "另行选举") != NULL);
	cr_assert(strstr(txt, "委托投票 ballots issued by written proxy 0\n") != NULL, "%s", txt);
	free(txt);
	/* nothing can be redone over the top */
	cr_assert_eq(run_tally(el, msg, sizeof msg), Q_ERR_EXISTS);
	cr_assert_eq(tally_combine(el, NULL, msg, sizeof msg), Q_ERR_EXISTS);
	rec_free(el);
}

Test(tally, ballot_of_another_election_is_refused)
{
	rec_election *el = ready();
	char msg[768] = "";
	/* a valid ballot under the same joint key, proved for another base
	 * hash (another election, or another round, with the same trustees) */
	ballot_style *st = NULL;
	point *K = NULL;
	ballot *b = NULL;
	cr_assert_eq(rec_ballot_style(el, &st, msg, sizeof msg), Q_OK);
	cr_assert_eq(rec_load_joint_key(el, &K, NULL, msg, sizeof msg), Q_OK);
	point_table *Kt = point_table_new(K);
	st->base_hash[0] ^= 1;
	uint8_t *enc[3];
	size_t len[3];
	cr_assert_eq(ballot_encrypt(st, Kt, six, FX_NOPT, &b, NULL), Q_OK);
	cr_assert_eq(ballot_encode(b, &enc[1], &len[1]), Q_OK);
	fx_encrypt(el, six + FX_NOPT, &enc[0], &len[0]);
	fx_encrypt(el, six + 2 * FX_NOPT, &enc[2], &len[2]);
	fx_station(el, "s1", enc, len, 3, 3);
	fx_station_marks(el, "s2", six + 3 * FX_NOPT, 1, 1);
	qerr e = run_tally(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_PROOF, "%s: %s", qerr_str(e), msg);
	{
		/* named by its tracking code (its index depends on the record's
		 * tracking-code order, P-7.1), under this election's base hash */
		uint8_t code[BALLOT_CODE_LEN];
		char want[2 * BALLOT_CODE_LEN + 40];
		st->base_hash[0] ^= 1;
		ballot_tracking_code(code, st, enc[1], len[1]);
		int n = snprintf(want, sizeof want, "(tracking code ");
		for (size_t i = 0; i < BALLOT_CODE_LEN; i++)
			n += snprintf(want + n, sizeof want - (size_t)n, "%02x", code[i]);
		snprintf(want + n, sizeof want - (size_t)n, ")");
		cr_assert(strstr(msg, "station s1, ballot ") != NULL && strstr(msg, want) != NULL,
		          "names the ballot %s: %s", want, msg);
	}
	char p[1200];
	snprintf(p, sizeof p, "%s/tally/aggregate.json", el->dir);
	cr_assert_eq(access(p, F_OK), -1, "no aggregate");
	for (int i = 0; i < 3; i++)
		free(enc[i]);
	ballot_free(b);
	point_table_free(Kt);
	point_free(K);
	ballot_style_free(st);
	rec_free(el);
}

Test(tally, record_of_another_election_is_refused)
{
	rec_election *el = ready();
	rec_election *other = fx_init(tmp, "o", "hq-other", 3, 5, NULL);
	char msg[768] = "", a[1200], b[1200];
	fx_ceremony(other, tmp, "o");
	fx_station_marks(other, "s1", six, 1, 1);
	fx_station_marks(el, "s2", six, 1, 1);
	/* move the other election's s1 record into this one */
	snprintf(a, sizeof a, "%s/stations/s1", other->dir);
	snprintf(b, sizeof b, "%s/stations/s1", el->dir);
	cr_assert_eq(rename(a, b), 0);
	qerr e = run_tally(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_FORMAT, "%s", msg);
	cr_assert(strstr(msg, "another election") != NULL, "%s", msg);
	rec_free(other);
	rec_free(el);
}

static void tamper(const rec_election *el, const char *sid, const char *from, const char *to)
{
	char p[1200];
	size_t l;
	snprintf(p, sizeof p, "%s/stations/%s/station-record.json", el->dir, sid);
	char *t = test_read_file(p, &l);
	char *at = strstr(t, from);
	cr_assert_not_null(at, "%s not in record", from);
	cr_assert_eq(strlen(from), strlen(to));
	memcpy(at, to, strlen(to));
	cr_assert_eq(test_write_file(p, t, l), 0);
	free(t);
}

Test(tally, tampered_station_record_is_refused)
{
	rec_election *el = ready();
	char msg[768] = "";
	fx_station_marks(el, "s1", six, 2, 3);
	fx_station_marks(el, "s2", six + 2 * FX_NOPT, 1, 1);
	tamper(el, "s1", "\"issued\":3", "\"issued\":4");
	qerr e = run_tally(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_SIGNATURE, "%s", msg);
	cr_assert(strstr(msg, "station s1") != NULL, "%s", msg);
	rec_free(el);
}

Test(tally, truncated_signature_is_refused)
{
	rec_election *el = ready();
	char msg[768] = "", p[1200];
	fx_station_marks(el, "s1", six, 1, 1);
	fx_station_marks(el, "s2", six, 0, 0);
	snprintf(p, sizeof p, "%s/stations/s1/station-record.json.sig", el->dir);
	cr_assert_eq(test_write_file(p, "AAAA\n", 5), 0);
	cr_assert_eq(run_tally(el, msg, sizeof msg), Q_ERR_FORMAT, "%s", msg);
	rec_free(el);
}

Test(tally, ballot_counted_twice_is_refused)
{
	rec_election *el = ready();
	char msg[768] = "";
	uint8_t *enc[2];
	size_t len[2];
	fx_encrypt(el, six, &enc[0], &len[0]);
	fx_encrypt(el, six + FX_NOPT, &enc[1], &len[1]);
	fx_station(el, "s1", enc, len, 2, 2);
	fx_station(el, "s2", enc, len, 1, 1); /* the same ballot again */
	qerr e = run_tally(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_EXISTS, "%s", msg);
	cr_assert(strstr(msg, "appears twice") != NULL, "%s", msg);
	free(enc[0]);
	free(enc[1]);
	rec_free(el);
}

Test(tally, more_cast_than_issued_is_refused)
{
	rec_election *el = ready();
	char msg[768] = "";
	fx_forged_station_marks(el, "s1", six, 3, 2);
	fx_station_marks(el, "s2", six, 1, 1);
	qerr e = run_tally(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_CONSISTENCY, "%s", msg);
	cr_assert(strstr(msg, "COUNT.reconcile") != NULL, "%s", msg);
	rec_free(el);
}

Test(tally, missing_station_and_missing_key)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 2, 3, NULL);
	char msg[768] = "";
	cr_assert_eq(run_tally(el, msg, sizeof msg), Q_ERR_STATE, "%s", msg);
	rec_free(el);
	el = NULL;
	test_rmtree(tmp);
	free(tmp);
	tmp = test_tmpdir();
	el = ready();
	fx_station_marks(el, "s1", six, 1, 1);
	cr_assert_eq(run_tally(el, msg, sizeof msg), Q_ERR_NOTFOUND, "%s", msg);
	cr_assert(strstr(msg, "s2") != NULL, "%s", msg);
	rec_free(el);
}

Test(tally, parallel_sum_equals_serial_sum)
{
	rec_election *el = ready();
	ballot_style *st = NULL;
	point *K = NULL;
	char msg[256];
	cr_assert_eq(rec_ballot_style(el, &st, msg, sizeof msg), Q_OK);
	cr_assert_eq(rec_load_joint_key(el, &K, NULL, msg, sizeof msg), Q_OK);
	uint8_t *enc[40];
	size_t len[40];
	tally_item it[40];
	for (int i = 0; i < 40; i++) {
		fx_encrypt(el, six + (i % 6) * FX_NOPT, &enc[i], &len[i]);
		it[i].enc = enc[i];
		it[i].len = len[i];
	}
	elgamal_ct **a1 = NULL, **a3 = NULL;
	size_t bad;
	cr_assert_eq(tally_verify_aggregate(st, K, NULL, it, 40, 1, NULL, NULL, &a1, &bad, NULL, 0),
	             Q_OK);
	cr_assert_eq(tally_verify_aggregate(st, K, NULL, it, 40, 3, NULL, NULL, &a3, &bad, NULL, 0),
	             Q_OK);
	for (size_t s = 0; s < st->total_options; s++) {
		cr_assert(point_eq(a1[s]->a, a3[s]->a) && point_eq(a1[s]->b, a3[s]->b));
		elgamal_ct_free(a1[s]);
		elgamal_ct_free(a3[s]);
	}
	free(a1);
	free(a3);
	/* a flipped byte in ballot 33 is found and named */
	enc[33][len[33] - 5] ^= 0x40;
	cr_assert_neq(
	    tally_verify_aggregate(st, K, NULL, it, 40, 2, NULL, NULL, &a1, &bad, NULL, 0), Q_OK);
	cr_assert_eq(bad, 33);
	cr_assert_null(a1);
	for (int i = 0; i < 40; i++)
		free(enc[i]);
	point_free(K);
	ballot_style_free(st);
	rec_free(el);
}

Test(tally, challenged_ballots_must_open_to_their_ciphertexts)
{
	rec_election *el = ready();
	char msg[768] = "";
	fx_challenge ch[2];
	fx_challenge_make(el, six, &ch[0]);
	fx_challenge_make(el, six + FX_NOPT, &ch[1]);
	uint8_t *enc[1];
	size_t len[1];
	fx_encrypt(el, six + 2 * FX_NOPT, &enc[0], &len[0]);
	fx_station_ex(el, "s1", enc, len, 1, 1, ch, 2);
	/* s2's booth publishes an opening that is not its ballot's */
	fx_challenge bad = ch[0];
	bad.op = ch[1].op;
	bad.oplen = ch[1].oplen;
	fx_station_ex(el, "s2", enc, len, 0, 0, &bad, 1);
	qerr e = run_tally(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_PROOF, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg, "station s2: challenged ballot 0") != NULL, "%s", msg);
	/* with an honest s2 (the real daemon: one ballot challenged, one
	 * cast) the tally goes through: challenged ballots are not counted */
	char p[1200];
	snprintf(p, sizeof p, "%s/stations/s2", el->dir);
	test_rmtree(p);
	fx_station_daemon(el, "s2", six + 3 * FX_NOPT, 1, 1, six + FX_NOPT, 1);
	cr_assert_eq(run_tally(el, msg, sizeof msg), Q_OK, "%s", msg);
	for (int i = 0; i < 2; i++) {
		free(ch[i].enc);
		free(ch[i].op);
	}
	free(enc[0]);
	rec_free(el);
}

Test(tally, record_signed_by_an_unregistered_key_is_refused)
{
	rec_election *el = ready();
	char msg[768] = "", p[1200];
	fx_station_marks(el, "s1", six, 1, 1);
	fx_station_marks(el, "s2", six + FX_NOPT, 1, 1);
	/* the officer registered s2's key as s1's */
	char a[1200];
	snprintf(a, sizeof a, "%s/stations/s2/log/vkey", el->dir);
	size_t l;
	char *k = test_read_file(a, &l);
	snprintf(p, sizeof p, "%s/stations/s1/vkey", el->dir);
	cr_assert_eq(test_write_file(p, k, l), 0);
	free(k);
	qerr e = run_tally(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_SIGNATURE, "%s", msg);
	cr_assert(strstr(msg, "registered") != NULL, "%s", msg);
	/* the right key registered: accepted */
	snprintf(a, sizeof a, "%s/stations/s1/log/vkey", el->dir);
	k = test_read_file(a, &l);
	cr_assert_eq(test_write_file(p, k, l), 0);
	free(k);
	cr_assert_eq(run_tally(el, msg, sizeof msg), Q_OK, "%s", msg);
	rec_free(el);
}

/* ---- what a station record proves about the roll (R-5 (9), (10)) ---- */

static rec_election *ready_1of1(void)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 1, 1, NULL);
	fx_ceremony(el, tmp, "e");
	return el;
}

/* s1 and s2 written with the current fx_station_* overrides for s1 only;
 * the tally's error and message. */
static qerr tally_with_s1(rec_election *el, const uint8_t *roll_hash, json_t *s1_list,
                          json_t *s2_list, char *msg, size_t msgsz)
{
	fx_station_roll_hash = roll_hash;
	fx_station_checked_in = s1_list;
	fx_forged_station_marks(el, "s1", six, 2, 2);
	fx_station_roll_hash = NULL;
	fx_station_checked_in = s2_list;
	fx_forged_station_marks(el, "s2", six + 2 * FX_NOPT, 1, 1);
	fx_station_checked_in = NULL;
	json_decref(s1_list);
	json_decref(s2_list);
	return run_tally(el, msg, msgsz);
}

/* Issue 21: a station that imported another roll (V0009's birth date moved
 * one day earlier, so that a minor becomes 18 on polling day) logged that
 * roll's hash: the tally refuses the station, naming both hashes. */
Test(tally, station_that_served_another_roll_is_refused)
{
	rec_election *el = ready_1of1();
	char msg[768] = "", have[65], want[65];
	const char *roll = fx_roll();
	char *alt = strdup(roll), *at = strstr(alt, "V0009,周杰,2008-03-16");
	cr_assert_not_null(at);
	memcpy(strstr(at, "2008-03-16"), "2008-03-14", 10);
	uint8_t h[32];
	sha256(h, alt, strlen(alt));
	hex_encode(have, h, 32);
	hex_encode(want, el->roll_hash, 32);
	qerr e = tally_with_s1(el, h, NULL, NULL, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_CONSISTENCY, "%s", msg);
	cr_assert(strstr(msg, "station s1 served another roll") != NULL, "%s", msg);
	cr_assert(strstr(msg, have) != NULL && strstr(msg, want) != NULL, "%s", msg);
	free(alt);
	rec_free(el);
}

static json_t *ids(const char *a, const char *b)
{
	json_t *l = json_array();
	json_array_append_new(l, json_string(a));
	if (b != NULL)
		json_array_append_new(l, json_string(b));
	return l;
}

Test(tally, checked_in_list_shorter_than_issued_is_refused)
{
	rec_election *el = ready_1of1();
	char msg[768] = "";
	qerr e = tally_with_s1(el, NULL, ids("V0001", NULL), NULL, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_CONSISTENCY, "%s", msg);
	cr_assert(strstr(msg, "station s1: checked_in lists 1 roll ids but counts.issued is 2") !=
	              NULL,
	          "%s", msg);
	rec_free(el);
}

/* R-5 (15), P-7.6: a station's proxy check-ins name principals it checked
 * in; a proxy ballot for a voter the station did not check in is refused,
 * and the count goes into the announcement. */
Test(tally, proxy_list_principal_not_checked_in_is_refused)
{
	rec_election *el = ready_1of1();
	char msg[768] = "";
	fx_station_proxies =
	    json_pack("[{s:s, s:s}]", "principal", "s1-V0009", "proxy", "s1-V0001");
	qerr e = tally_with_s1(el, NULL, NULL, NULL, msg, sizeof msg);
	json_decref(fx_station_proxies);
	fx_station_proxies = NULL;
	cr_assert_eq(e, Q_ERR_CONSISTENCY, "%s", msg);
	cr_assert(strstr(msg, "station s1: proxies[0]: principal \"s1-V0009\" is not in "
	                      "checked_in") != NULL &&
	              strstr(msg, "(R-5 (15))") != NULL,
	          "%s", msg);
	rec_free(el);
}

Test(tally, unsorted_checked_in_list_is_refused)
{
	rec_election *el = ready_1of1();
	char msg[768] = "";
	qerr e = tally_with_s1(el, NULL, ids("V0003", "V0001"), NULL, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_CONSISTENCY, "%s", msg);
	cr_assert(strstr(msg, "station s1: checked_in is not sorted: [1] \"V0001\"") != NULL, "%s",
	          msg);
	rec_free(el);
}

Test(tally, id_twice_in_one_station_is_refused)
{
	rec_election *el = ready_1of1();
	char msg[768] = "";
	qerr e = tally_with_s1(el, NULL, ids("V0001", "V0001"), NULL, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_CONSISTENCY, "%s", msg);
	cr_assert(strstr(msg, "station s1: checked_in[1] \"V0001\" appears twice") != NULL, "%s",
	          msg);
	rec_free(el);
}

Test(tally, id_checked_in_at_two_stations_is_refused)
{
	rec_election *el = ready_1of1();
	char msg[768] = "";
	qerr e =
	    tally_with_s1(el, NULL, ids("V0001", "V0005"), ids("V0005", NULL), msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_EXISTS, "%s", msg);
	cr_assert(strstr(msg, "roll id V0005 is checked in at two stations (s1 and s2)") != NULL,
	          "%s", msg);
	rec_free(el);
}

/* Issue 15 finding 3: a dishonest station casts a ballot spliced from two
 * honest ones (contest 0 of one, contest 1 of the other), each part with
 * its honest proofs and a new tracking code.  The proofs are bound to the
 * ballot's identity (B-3.4): the tally refuses it, naming it. */
Test(tally, spliced_ballot_is_refused)
{
	rec_election *el = ready();
	char msg[768] = "";
	ballot_style *st = NULL;
	ballot *a = NULL, *b = NULL;
	uint8_t *enc[3];
	size_t len[3];
	cr_assert_eq(rec_ballot_style(el, &st, msg, sizeof msg), Q_OK);
	fx_encrypt(el, six, &enc[0], &len[0]);
	fx_encrypt(el, six + FX_NOPT, &enc[1], &len[1]);
	cr_assert_eq(ballot_decode(st, enc[0], len[0], &a), Q_OK);
	cr_assert_eq(ballot_decode(st, enc[1], len[1], &b), Q_OK);
	ballot_contest c1 = a->contests[1];
	a->contests[1] = b->contests[1]; /* a: its contest 0, b's contest 1 */
	cr_assert_eq(ballot_encode(a, &enc[2], &len[2]), Q_OK);
	a->contests[1] = c1;
	fx_station(el, "s1", enc, len, 3, 3);
	fx_station_marks(el, "s2", six + 2 * FX_NOPT, 1, 1);
	qerr e = run_tally(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_PROOF, "%s: %s", qerr_str(e), msg);
	{
		/* the spliced ballot is named by its tracking code (its index
		 * depends on the record's tracking-code order, P-7.1) */
		uint8_t code[BALLOT_CODE_LEN];
		char want[2 * BALLOT_CODE_LEN + 40];
		ballot_tracking_code(code, st, enc[2], len[2]);
		int n = snprintf(want, sizeof want, "(tracking code ");
		for (size_t i = 0; i < BALLOT_CODE_LEN; i++)
			n += snprintf(want + n, sizeof want - (size_t)n, "%02x", code[i]);
		snprintf(want + n, sizeof want - (size_t)n, ")");
		cr_assert(strstr(msg, "station s1, ballot ") != NULL, "%s", msg);
		cr_assert(strstr(msg, want) != NULL, "%s not in: %s", want, msg);
	}
	cr_assert(strstr(msg, "contest 0 option 0: 0/1 proof fails") != NULL, "%s", msg);
	cr_assert(strstr(msg, "spliced") != NULL, "%s", msg);
	for (int i = 0; i < 3; i++)
		free(enc[i]);
	ballot_free(a);
	ballot_free(b);
	ballot_style_free(st);
	rec_free(el);
}

/* B-9: a valid ballot (its own proofs, made with the known nonce) that
 * replays another ballot's ciphertext at another place is refused,
 * naming both places: (1) the ciphertext of a voter's challenged ballot
 * (whose opening is published) cast again in another contest at another
 * station; (2) between two cast ballots of two stations. */
Test(tally, ciphertext_twice_in_the_record_is_refused)
{
	rec_election *el = ready();
	char msg[768] = "", p[1200];
	fx_challenge ch, src;
	uint8_t *enc[2];
	size_t len[2];
	/* (1) s1: one ballot cast, one challenged (six[2]: c1 marked) */
	fx_challenge_make(el, six + 2 * FX_NOPT, &ch);
	fx_encrypt(el, six, &enc[0], &len[0]);
	fx_station_ex(el, "s1", enc, len, 1, 2, &ch, 1);
	/* s2: its contest 1 option 0 (m1, marked in six[3]) is the challenged
	 * ballot's contest 0 option 0 (c1) */
	fx_encrypt_replaying(el, six + 3 * FX_NOPT, 2, ch.enc, ch.len, ch.op, ch.oplen, 0, &enc[1],
	                     &len[1]);
	fx_station(el, "s2", &enc[1], &len[1], 1, 1);
	qerr e = run_tally(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_CONSISTENCY, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg, "(B-9)") != NULL, "%s", msg);
	cr_assert(strstr(msg, "station s1, challenged ballot 0 (tracking code ") != NULL, "%s",
	          msg);
	cr_assert(strstr(msg, ") contest 0 option 0") != NULL, "%s", msg);
	cr_assert(strstr(msg, "station s2, ballot 0 (tracking code ") != NULL, "%s", msg);
	cr_assert(strstr(msg, ") contest 1 option 0") != NULL, "%s", msg);
	free(enc[1]);
	/* (2) s2 replays, in contest 1 option 3 (m4), s1's cast ballot's
	 * contest 1 option 2 (m3): both marked */
	fx_challenge_make(el, six, &src); /* cast: its nonces known to the station */
	snprintf(p, sizeof p, "%s/stations", el->dir);
	test_rmtree(p);
	fx_station(el, "s1", &src.enc, &src.len, 1, 1);
	fx_encrypt_replaying(el, six + FX_NOPT, 5, src.enc, src.len, src.op, src.oplen, 4, &enc[1],
	                     &len[1]);
	fx_station(el, "s2", &enc[1], &len[1], 1, 1);
	e = run_tally(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_CONSISTENCY, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg, "station s1, ballot 0 (tracking code ") != NULL, "%s", msg);
	cr_assert(strstr(msg, ") contest 1 option 2 and at station s2, ballot 0 (") != NULL, "%s",
	          msg);
	cr_assert(strstr(msg, ") contest 1 option 3: ") != NULL, "%s", msg);
	/* without the replay, the same stations tally */
	test_rmtree(p);
	fx_station(el, "s1", &src.enc, &src.len, 1, 1);
	fx_station(el, "s2", enc, len, 1, 1);
	cr_assert_eq(run_tally(el, msg, sizeof msg), Q_OK, "%s", msg);
	free(enc[0]);
	free(enc[1]);
	free(ch.enc);
	free(ch.op);
	free(src.enc);
	free(src.op);
	rec_free(el);
}

/* A station that casts a ballot its voter challenged (the opening is
 * published) is refused by the tally too, naming both (B-9.3). */
Test(tally, challenged_ballot_also_cast_is_refused)
{
	rec_election *el = ready();
	char msg[768] = "";
	fx_challenge ch;
	fx_challenge_make(el, six + 2 * FX_NOPT, &ch);
	fx_station_ex(el, "s1", &ch.enc, &ch.len, 1, 2, &ch, 1);
	fx_station_marks(el, "s2", six, 1, 1);
	qerr e = run_tally(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_CONSISTENCY, "%s: %s", qerr_str(e), msg);
	cr_assert(
	    strstr(msg, "station s1, challenged ballot 0 was also cast (station s1, ballot 0)") !=
	        NULL,
	    "%s", msg);
	free(ch.enc);
	free(ch.op);
	rec_free(el);
}

/* Issue 20 item 8: the composed (dishonest-station) writer logs what the
 * daemon logs.  The same polling day (2 check-ins, 1 challenge, 2 cast) at
 * s1 by the real daemon and at s2 by fx_station_ex: the same entry kinds in
 * the same order, and the same text of every entry but the ballots'. */
static char *log_outline(const rec_election *el, const char *sid)
{
	char dir[1200], msg[256] = "";
	audit_log *lg = NULL;
	uint8_t *buf = malloc(MERKLE_MAX_ENTRY);
	size_t cap = 8192, used = 0;
	char *out = calloc(1, cap);
	cr_assert(buf != NULL && out != NULL);
	snprintf(dir, sizeof dir, "%s/stations/%s/log", el->dir, sid);
	cr_assert_eq(log_open(dir, LOG_RDONLY, &lg, msg, sizeof msg), Q_OK, "%s: %s", dir, msg);
	for (uint64_t i = 0; i < log_size(lg); i++) {
		size_t len = MERKLE_MAX_ENTRY;
		cr_assert_eq(log_read_entry(lg, i, buf, &len), Q_OK);
		uint8_t *nl = memchr(buf, '\n', len);
		cr_assert_not_null(nl);
		size_t tl = (size_t)(nl - buf);
		char tag[128] = "";
		memcpy(tag, buf, tl < sizeof tag - 1 ? tl : sizeof tag - 1);
		size_t take = strstr(tag, "/ballot-") == NULL ? len : tl + 1;
		cr_assert_lt(used + take + 2, cap);
		memcpy(out + used, buf, take);
		used += take;
		out[used++] = '|';
	}
	log_close(lg);
	free(buf);
	return out;
}

Test(tally, composed_station_logs_what_the_daemon_logs)
{
	rec_election *el = ready_1of1();
	char msg[768] = "";
	fx_station_daemon(el, "s1", six, 2, 2, six + 2 * FX_NOPT, 1);
	fx_challenge ch;
	uint8_t *enc[2];
	size_t len[2];
	fx_challenge_make(el, six + 2 * FX_NOPT, &ch);
	fx_encrypt(el, six, &enc[0], &len[0]);
	fx_encrypt(el, six + FX_NOPT, &enc[1], &len[1]);
	fx_station_ex(el, "s2", enc, len, 2, 2, &ch, 1);
	char *a = log_outline(el, "s1"), *b = log_outline(el, "s2");
	/* the station's own id is the one difference */
	char *s = strstr(b, "station s2\n");
	cr_assert_not_null(s, "%s", b);
	s[9] = '1';
	cr_assert_str_eq(a, b, "daemon:\n%s\ncomposed:\n%s", a, b);
	/* and the records have the same fields, with the same counts */
	json_t *r[2];
	const char *sids[2] = {"s1", "s2"};
	for (int i = 0; i < 2; i++) {
		char p[1200];
		snprintf(p, sizeof p, "%s/stations/%s/station-record.json", el->dir, sids[i]);
		cr_assert_eq(rec_read_json(p, &r[i], msg, sizeof msg), Q_OK, "%s", msg);
	}
	const char *key;
	json_t *v;
	json_object_foreach(r[0], key, v)
	{
		cr_assert_not_null(json_object_get(r[1], key), "composed record lacks %s", key);
		if (json_is_object(v)) {
			const char *k2;
			json_t *v2;
			json_object_foreach(v, k2, v2)
			{
				json_t *w = json_object_get(json_object_get(r[1], key), k2);
				cr_assert_not_null(w, "composed record lacks %s.%s", key, k2);
				if (strcmp(key, "counts") == 0)
					cr_assert(json_equal(v2, w), "counts.%s differs", k2);
			}
		}
	}
	cr_assert_eq(json_object_size(r[0]), json_object_size(r[1]), "the same fields");
	json_decref(r[0]);
	json_decref(r[1]);
	cr_assert_eq(run_tally(el, msg, sizeof msg), Q_OK, "%s", msg);
	free(a);
	free(b);
	free(enc[0]);
	free(enc[1]);
	free(ch.enc);
	free(ch.op);
	rec_free(el);
}

/* ---- issue 17: what verify-election refuses, the tally refuses too ---- */

/* s1 forged with the current fx_station_* overrides (2 ballots), s2
 * honest-composed; the overrides are reset; the tally's error and message. */
static qerr tally_forged_s1(rec_election *el, char *msg, size_t msgsz)
{
	fx_forged_station_marks(el, "s1", six, 2, 2);
	fx_station_origin = NULL;
	fx_station_opened = NULL;
	fx_station_format = NULL;
	fx_station_after_close = 0;
	fx_station_unsorted = 0;
	fx_forged_station_marks(el, "s2", six + 2 * FX_NOPT, 1, 1);
	return run_tally(el, msg, msgsz);
}

/* P-7.1, V-5.3: poll-closed is the station log's last entry. */
Test(tally, entry_after_poll_closed_is_refused)
{
	rec_election *el = ready_1of1();
	char msg[768] = "";
	fx_station_after_close = 1;
	qerr e = tally_forged_s1(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_CONSISTENCY, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg, "station s1: entries follow poll-closed") != NULL, "%s", msg);
	cr_assert(strstr(msg, "the poll-closed entry is the log's last") != NULL, "%s", msg);
	rec_free(el);
}

/* P-6, V-5.5: poll-opened names this station, the manifest hash and the
 * registered count. */
Test(tally, poll_opened_naming_another_station_is_refused)
{
	rec_election *el = ready_1of1();
	char msg[768] = "", txt[300], mhx[65];
	hex_encode(mhx, el->manifest->hash, 32);
	snprintf(txt, sizeof txt, "station s2\nmanifest %s\nregistered 10\n", mhx);
	fx_station_opened = txt;
	qerr e = tally_forged_s1(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_CONSISTENCY, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg, "station s1: log entry 1: poll-opened does not name station s1") !=
	              NULL,
	          "%s", msg);
	rec_free(el);
}

Test(tally, poll_opened_with_another_registered_count_is_refused)
{
	rec_election *el = ready_1of1();
	char msg[768] = "", txt[300], mhx[65];
	hex_encode(mhx, el->manifest->hash, 32);
	snprintf(txt, sizeof txt, "station s1\nmanifest %s\nregistered 11\n", mhx);
	fx_station_opened = txt;
	qerr e = tally_forged_s1(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_CONSISTENCY, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg, "poll-opened does not name station s1") != NULL, "%s", msg);
	cr_assert(strstr(msg, "counts.registered 10") != NULL, "%s", msg);
	rec_free(el);
}

/* the station log's origin is quorum/<election>/station/<sid>. */
Test(tally, station_log_with_the_old_origin_form_is_refused)
{
	rec_election *el = ready_1of1();
	char msg[768] = "";
	fx_station_origin = "quorum.station/hq-test/s1";
	qerr e = tally_forged_s1(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_CONSISTENCY, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg, "station s1: stations/s1/station-record.json: log.origin "
	                      "\"quorum.station/hq-test/s1\"") != NULL,
	          "%s", msg);
	cr_assert(strstr(msg, "is not \"quorum/hq-test/station/s1\" (A-5.2)") != NULL, "%s", msg);
	rec_free(el);
}

/* P-7.1: ballots in strictly ascending tracking-code order. */
Test(tally, ballots_out_of_tracking_code_order_are_refused)
{
	rec_election *el = ready_1of1();
	char msg[768] = "";
	fx_station_unsorted = 1;
	qerr e = tally_forged_s1(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_CONSISTENCY, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg, "station s1: stations/s1/station-record.json: ballots[1]: not in "
	                      "ascending tracking-code order after ballots[0] (P-7.1)") != NULL,
	          "%s", msg);
	rec_free(el);
}

Test(tally, challenged_out_of_tracking_code_order_are_refused)
{
	rec_election *el = ready_1of1();
	char msg[768] = "";
	fx_challenge ch[2];
	fx_challenge_make(el, six, &ch[0]);
	fx_challenge_make(el, six + FX_NOPT, &ch[1]);
	uint8_t *enc[1];
	size_t len[1];
	fx_encrypt(el, six + 2 * FX_NOPT, &enc[0], &len[0]);
	fx_station_unsorted = 2;
	fx_station_ex(el, "s1", enc, len, 1, 1, ch, 2);
	fx_station_unsorted = 0;
	qerr e = run_tally(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_CONSISTENCY, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg,
	                 "station s1: stations/s1/station-record.json: challenged[1]: not "
	                 "in ascending tracking-code order after challenged[0] (P-7.1)") != NULL,
	          "%s", msg);
	for (int i = 0; i < 2; i++) {
		free(ch[i].enc);
		free(ch[i].op);
	}
	free(enc[0]);
	rec_free(el);
}

/* an unknown major format version is refused, naming it and the
 * one known; a minor version of the known major is read. */
Test(tally, unknown_major_format_version_is_refused)
{
	rec_election *el = ready_1of1();
	char msg[768] = "";
	fx_station_format = "quorum-station-record/3";
	qerr e = tally_forged_s1(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_FORMAT, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg,
	                 "station s1: stations/s1/station-record.json: format "
	                 "quorum-station-record/3: unknown major version 3 of "
	                 "quorum-station-record; this program knows quorum-station-record/2") !=
	              NULL,
	          "%s", msg);
	char p[1200];
	for (int i = 1; i <= 2; i++) {
		snprintf(p, sizeof p, "%s/stations/s%d", el->dir, i);
		test_rmtree(p);
	}
	fx_station_format = "quorum-station-record/2.1";
	cr_assert_eq(tally_forged_s1(el, msg, sizeof msg), Q_OK, "%s", msg);
	rec_free(el);
}

/* B-4: a record entry whose tracking code is not its ballot's is refused,
 * naming it, wherever it falls (the first or second of two neighbours,
 * the last ballot); of two, the first is named. */
static void bad_code_case(unsigned bits, size_t want_index)
{
	rec_election *el = ready_1of1();
	char msg[768] = "", want[200];
	fx_station_bad_codes = bits;
	fx_forged_station_marks(el, "s1", six, 5, 5);
	fx_station_bad_codes = 0;
	fx_forged_station_marks(el, "s2", six + 2 * FX_NOPT, 1, 1);
	qerr e = run_tally(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_FORMAT, "%s: %s", qerr_str(e), msg);
	snprintf(want, sizeof want,
	         "stations/s1/station-record.json: ballots[%zu]: the tracking code is not the "
	         "ballot's (B-4)",
	         want_index);
	cr_assert(strstr(msg, want) != NULL, "%s", msg);
	rec_free(el);
}

Test(tally, wrong_tracking_code_of_the_first_ballot_is_refused)
{
	bad_code_case(1u << 0, 0);
}

Test(tally, wrong_tracking_code_of_the_second_ballot_is_refused)
{
	bad_code_case(1u << 1, 1);
}

Test(tally, wrong_tracking_code_of_the_last_ballot_is_refused)
{
	bad_code_case(1u << 4, 4);
}

Test(tally, two_wrong_tracking_codes_side_by_side_the_first_is_named)
{
	bad_code_case(1u << 3 | 1u << 2, 2);
}

Test(tally, two_wrong_tracking_codes_apart_the_first_is_named)
{
	bad_code_case(1u << 3 | 1u << 1, 1);
}

/* R-5 (7): the first record code the log lacks, from one sorter holding
 * both (tally_codes_first_missing): codes A < B < C < D; none missing,
 * the smallest, a middle one, the largest (the sorter's last item, and
 * before a code only the log has), a log code between the record's. */
static int missing_case(const char *rec, const char *log, char *which)
{
	alphasort *s = alphasort_new(4096, 1);
	uint8_t code[32];
	int missing = -1;
	cr_assert_not_null(s);
	for (uint64_t i = 0; rec[i] != '\0'; i++) {
		memset(code, rec[i], sizeof code);
		cr_assert_eq(alphasort_add(s, code, code + 16, 3 * i + 1), Q_OK);
	}
	for (uint64_t i = 0; log[i] != '\0'; i++) {
		memset(code, log[i], sizeof code);
		cr_assert_eq(alphasort_add(s, code, code + 16, TALLY_LOG_REF + 5 - i), Q_OK);
	}
	memset(code, 0, sizeof code);
	cr_assert_eq(tally_codes_first_missing(s, &missing, code), Q_OK);
	*which = missing ? (char)code[0] : '-';
	cr_assert(!missing || code[31] == code[0]);
	alphasort_free(s);
	return missing;
}

Test(tally, first_record_code_missing_from_the_log)
{
	char w;
	cr_assert_eq(missing_case("ABC", "CAB", &w), 0);
	cr_assert_eq(missing_case("ABC", "BCD", &w), 1);
	cr_assert_eq(w, 'A');
	cr_assert_eq(missing_case("ABCD", "DAC", &w), 1);
	cr_assert_eq(w, 'B');
	cr_assert_eq(missing_case("ABC", "ABB", &w), 1);
	cr_assert_eq(w, 'C');
	cr_assert_eq(missing_case("ABC", "ABD", &w), 1);
	cr_assert_eq(w, 'C');
	cr_assert_eq(missing_case("AC", "ABC", &w), 0);
	cr_assert_eq(missing_case("BD", "ABCD", &w), 0);
	cr_assert_eq(missing_case("BD", "ACD", &w), 1);
	cr_assert_eq(w, 'B');
	{
		/* codes that differ in their second half only */
		alphasort *s = alphasort_new(4096, 1);
		uint8_t r[32], l[32], got[32];
		int missing = 0;
		memset(r, 'A', sizeof r);
		memcpy(l, r, sizeof l);
		l[31] = 'B';
		cr_assert_eq(alphasort_add(s, r, r + 16, 0), Q_OK);
		cr_assert_eq(alphasort_add(s, l, l + 16, TALLY_LOG_REF), Q_OK);
		cr_assert_eq(tally_codes_first_missing(s, &missing, got), Q_OK);
		cr_assert(missing && memcmp(got, r, 32) == 0);
		alphasort_free(s);
	}
}

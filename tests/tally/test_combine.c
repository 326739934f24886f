/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_combine.c -- partial decryptions and their combination: a bad
 * partial skipped when k good ones remain and refused when not; a wrong
 * passphrase; a key file of another trustee; and a run-off round that uses
 * the same keys and is linked to the first.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/util.h"
#include "fixture.h"
#include "tally/count.h"
#include "tally/decrypt.h"
#include "tally/report.h"
#include "testutil.h"
#include "tmpsuite.h"

TEST_TMP_DIR

TEST_TMP_SUITE(combine);

static const uint8_t six[6 * FX_NOPT] = {
    1, 0, 1, 1, 1, 0, 0, /**/ 1, 0, 1, 1, 0, 1, 0, /**/ 1, 0, 1, 1, 1, 0, 0,
    0, 1, 1, 1, 0, 1, 0, /**/ 0, 1, 1, 1, 0, 0, 1, /**/ 0, 1, 1, 0, 0, 0, 0,
};

static rec_election *tallied(const char *name, const char *id)
{
	char msg[768] = "";
	tally_opts o = {2, 0};
	rec_election *el = fx_init(tmp, name, id, 3, 5, NULL);
	fx_ceremony(el, tmp, name);
	fx_station_marks(el, "s1", six, 4, 4);
	fx_station_marks(el, "s2", six + 4 * FX_NOPT, 2, 3);
	cr_assert_eq(tally_run(el, &o, msg, sizeof msg), Q_OK, "%s", msg);
	return el;
}

static qerr decrypt_as(rec_election *el, const char *name, uint32_t i, const char *pw_override)
{
	char kp[1024], pw[32], msg[512] = "";
	fx_key_path(kp, sizeof kp, tmp, name, i);
	fx_pass(i, pw, sizeof pw);
	if (pw_override != NULL)
		snprintf(pw, sizeof pw, "%s", pw_override);
	return tally_decrypt(el, i, kp, pw, strlen(pw), NULL, NULL, msg, sizeof msg);
}

/* Replace trustee i's first share value M with trustee j's (a partial
 * that is a valid point but not s_i*A). */
static void corrupt_partial(rec_election *el, uint32_t i, uint32_t j)
{
	char a[1200], b[1200], msg[256];
	json_t *ji, *jj;
	snprintf(a, sizeof a, "%s/tally/partials/%u.json", el->dir, i);
	snprintf(b, sizeof b, "%s/tally/partials/%u.json", el->dir, j);
	cr_assert_eq(rec_read_json(a, &ji, msg, sizeof msg), Q_OK);
	cr_assert_eq(rec_read_json(b, &jj, msg, sizeof msg), Q_OK);
	json_t *si = json_array_get(json_object_get(ji, "shares"), 2);
	json_t *sj = json_array_get(json_object_get(jj, "shares"), 2);
	json_object_set(si, "M", json_object_get(sj, "M"));
	cr_assert_eq(rec_write_json(a, ji, 0, msg, sizeof msg), Q_OK);
	json_decref(ji);
	json_decref(jj);
}

Test(combine, bad_partial_is_skipped_when_k_good_remain)
{
	rec_election *el = tallied("e", "hq-test");
	char msg[768] = "";
	for (uint32_t i = 1; i <= 4; i++)
		cr_assert_eq(decrypt_as(el, "e", i, NULL), Q_OK);
	corrupt_partial(el, 2, 4);
	combine_report rep;
	qerr e = tally_combine(el, &rep, msg, sizeof msg);
	cr_assert_eq(e, Q_OK, "%s", msg);
	cr_assert_eq(rep.nskipped, 1);
	cr_assert_eq(rep.skipped[0], 2);
	cr_assert_eq(rep.nused, 3);
	cr_assert_eq(rep.used[0], 1);
	cr_assert_eq(rep.used[1], 3);
	cr_assert_eq(rep.used[2], 4);
	/* the counts are still right */
	char p[1200];
	json_t *res;
	snprintf(p, sizeof p, "%s/tally/result.json", el->dir);
	cr_assert_eq(rec_read_json(p, &res, msg, sizeof msg), Q_OK);
	json_t *mem = json_object_get(
	    json_array_get(json_object_get(json_object_get(res, "counts"), "contests"), 1),
	    "tally");
	cr_assert_eq(json_integer_value(json_object_get(mem, "m1")), 6);
	cr_assert_eq(json_integer_value(json_object_get(mem, "m5")), 1);
	json_t *sk = json_array_get(json_object_get(res, "skipped"), 0);
	cr_assert_eq(json_integer_value(json_object_get(sk, "trustee")), 2);
	json_decref(res);
	rec_free(el);
}

Test(combine, bad_partial_is_refused_when_fewer_than_k_good)
{
	rec_election *el = tallied("e", "hq-test");
	char msg[768] = "", p[1200];
	for (uint32_t i = 1; i <= 3; i++)
		cr_assert_eq(decrypt_as(el, "e", i, NULL), Q_OK);
	corrupt_partial(el, 3, 1);
	qerr e = tally_combine(el, NULL, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_PROOF, "%s", msg);
	cr_assert(strstr(msg, "only 2 valid") != NULL, "%s", msg);
	cr_assert(strstr(msg, "3 (") != NULL, "names trustee 3: %s", msg);
	snprintf(p, sizeof p, "%s/tally/result.json", el->dir);
	cr_assert_eq(access(p, F_OK), -1, "no result");
	rec_free(el);
}

Test(combine, too_few_partials)
{
	rec_election *el = tallied("e", "hq-test");
	char msg[768] = "";
	cr_assert_eq(decrypt_as(el, "e", 5, NULL), Q_OK);
	cr_assert_eq(decrypt_as(el, "e", 2, NULL), Q_OK);
	cr_assert_eq(tally_combine(el, NULL, msg, sizeof msg), Q_ERR_NOTFOUND, "%s", msg);
	rec_free(el);
}

Test(combine, wrong_passphrase_or_key_file_at_decrypt)
{
	rec_election *el = tallied("e", "hq-test");
	cr_assert_eq(decrypt_as(el, "e", 1, "pass-9"), Q_ERR_AUTH);
	/* trustee 2 presenting trustee 1's key file */
	char kp[1024], msg[512] = "";
	fx_key_path(kp, sizeof kp, tmp, "e", 1);
	cr_assert_eq(tally_decrypt(el, 2, kp, "pass-1", 6, NULL, NULL, msg, sizeof msg),
	             Q_ERR_FORMAT, "%s", msg);
	char p[1200];
	snprintf(p, sizeof p, "%s/tally/partials/1.json", el->dir);
	cr_assert_eq(access(p, F_OK), -1);
	rec_free(el);
}

Test(combine, runoff_round_uses_the_same_keys_and_links_the_rounds)
{
	rec_election *el = tallied("e", "hq-test");
	char msg[768] = "", p[1200];
	for (uint32_t i = 3; i <= 5; i++)
		cr_assert_eq(decrypt_as(el, "e", i, NULL), Q_OK);
	cr_assert_eq(tally_combine(el, NULL, msg, sizeof msg), Q_OK, "%s", msg);

	/* round 2: same manifest, same keys */
	rec_election *r2 = fx_init(tmp, "r2", "hq-test", 0, 0, el->dir);
	cr_assert_eq(r2->round, 2);
	cr_assert(r2->has_previous);
	cr_assert_eq(memcmp(r2->previous, el->base_hash, 32), 0);
	cr_assert_eq(memcmp(r2->key_ctx, el->base_hash, 32), 0);
	cr_assert_neq(memcmp(r2->base_hash, el->base_hash, 32), 0);
	/* the run-off's ballot (E-5): director c1, c2 (the 3 : 3 tie), members
	 * m3, m4 (m1, m2 elected; m3 and m4 tie at the cut, m5 below it), one
	 * seat each: 4 options, at most one mark per contest */
	cr_assert_eq(fx_noptions(r2), 4);
	cr_assert_eq(r2->manifest->ncontests, 2);
	cr_assert_eq(r2->manifest->contests[1].seats, 1);
	cr_assert_str_eq(r2->manifest->contests[1].cands[0].id, "m3");
	cr_assert_str_eq(r2->manifest->contests[1].cands[1].id, "m4");
	cr_assert_eq(r2->manifest->contests[1].max_sel, 1);
	/* m3 4 votes, m4 2 votes; director left blank */
	static const uint8_t r2m[6 * 4] = {
	    0, 0, 1, 0, /**/ 0, 0, 1, 0, /**/ 0, 0, 1, 0,
	    0, 0, 0, 1, /**/ 0, 0, 0, 1, /**/ 0, 0, 1, 0,
	};
	fx_station_marks(r2, "s1", r2m, 3, 3);
	fx_station_marks(r2, "s2", r2m + 3 * 4, 3, 3);
	tally_opts o = {2, 0};
	cr_assert_eq(tally_run(r2, &o, msg, sizeof msg), Q_OK, "%s", msg);
	/* the trustees' round-1 key files still work (name "e" = round 1's) */
	for (uint32_t i = 1; i <= 3; i++)
		cr_assert_eq(decrypt_as(r2, "e", i, NULL), Q_OK);
	cr_assert_eq(tally_combine(r2, NULL, msg, sizeof msg), Q_OK, "%s", msg);
	json_t *res;
	snprintf(p, sizeof p, "%s/tally/result.json", r2->dir);
	cr_assert_eq(rec_read_json(p, &res, msg, sizeof msg), Q_OK);
	json_t *cs = json_object_get(json_object_get(res, "decision"), "contests");
	/* both contests went to a run-off in round 1 (director: a tie) */
	cr_assert_eq(json_array_size(cs), 2, "the run-off contests are decided");
	json_t *c = json_array_get(cs, 1);
	cr_assert_str_eq(json_string_value(json_object_get(c, "id")), "members");
	cr_assert_eq(json_integer_value(json_object_get(c, "round")), 2);
	cr_assert_str_eq(json_string_value(json_object_get(c, "outcome")), "elected");
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(c, "elected"), 0)), "m3");
	json_t *d = json_array_get(cs, 0);
	cr_assert_eq(json_integer_value(json_object_get(d, "round")), 2);
	cr_assert_str_neq(json_string_value(json_object_get(d, "outcome")), "elected",
	                  "blank ballots elect nobody");
	json_decref(res);
	/* the run-off's announcement lists only its candidates (m3 陈静,
	 * m4 杨磊 for members), by name; the elected by name */
	cr_assert_eq(tally_report(r2, msg, sizeof msg), Q_OK, "%s", msg);
	snprintf(p, sizeof p, "%s/report.txt", r2->dir);
	size_t l;
	char *txt = test_read_file(p, &l);
	cr_assert_not_null(txt);
	const char *mem = strstr(txt, "== 委员 / Members (members) ==");
	cr_assert_not_null(mem, "%s", txt);
	cr_assert(strstr(mem, "\n  陈静 ") != NULL && strstr(mem, "\n  杨磊 ") != NULL, "%s", mem);
	static const char *const gone[] = {"张伟", "刘洋", "赵敏"}; /* m1, m2 elected; m5 out */
	for (int i = 0; i < 3; i++)
		cr_assert_null(strstr(mem, gone[i]), "%s is not a run-off candidate: %s", gone[i],
		               mem);
	cr_assert(strstr(mem, "outcome: elected (当选); elected: 陈静; run-off: -") != NULL, "%s",
	          mem);
	free(txt);
	rec_free(r2);
	rec_free(el);
}

Test(combine, runoff_needs_a_finished_previous_round)
{
	rec_election *el = tallied("e", "hq-test");
	char msg[512] = "", d[1200];
	char *m = fx_manifest("hq-test");
	rec_init_opts o = {.manifest = (const uint8_t *)m,
	                   .manifest_len = strlen(m),
	                   .roll_csv = fx_roll(),
	                   .roll_len = strlen(fx_roll()),
	                   .runoff_of = el->dir};
	snprintf(d, sizeof d, "%s/r2", tmp);
	cr_assert_eq(rec_init(d, &o, msg, sizeof msg), Q_ERR_STATE, "%s", msg);
	free(m);
	rec_free(el);
}

Test(combine, forged_verification_key_is_refused)
{
	rec_election *el = tallied("e", "hq-test");
	char msg[768] = "", p[1200];
	for (uint32_t i = 1; i <= 3; i++)
		cr_assert_eq(decrypt_as(el, "e", i, NULL), Q_OK);
	/* whoever edits joint_key.json to pass a bad partial is caught */
	json_t *j;
	snprintf(p, sizeof p, "%s/joint_key.json", el->dir);
	cr_assert_eq(rec_read_json(p, &j, msg, sizeof msg), Q_OK);
	json_t *v = json_object_get(j, "verification_keys");
	json_t *s4 = json_deep_copy(json_array_get(v, 3));
	json_array_set_new(v, 1, s4);
	cr_assert_eq(rec_write_json(p, j, 0, msg, sizeof msg), Q_OK);
	json_decref(j);
	cr_assert_eq(tally_combine(el, NULL, msg, sizeof msg), Q_ERR_PROOF, "%s", msg);
	cr_assert(strstr(msg, "verification key 2") != NULL, "%s", msg);
	rec_free(el);
}

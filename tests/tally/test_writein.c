/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * quorum-tally counts write-in slots (docs/spec/record.md R-12,
 * docs/spec/ballot.md B-10.8): real stations cast ballots with written
 * names; the trustees mix them in turn (each verifying the chain before
 * it), decrypt the final lists with proofs, and combine matches the names
 * against the roll.  Must-fail: a forged mix refused by the next mixer and
 * by combine (naming contest, place and trustee), an input list that is
 * not the ballots', a wrong decryption share (its trustee named and
 * skipped), fewer than k mixers, the wrong roll; and every status of
 * R-12.6 (not on the roll, deprived, under 18, a listed candidate, the
 * same name twice on a ballot counted once).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/sig.h"
#include "crypto/util.h"
#include "fixture.h"
#include "tally/ceremony.h"
#include "tally/count.h"
#include "tally/decrypt.h"
#include "tally/mix.h"
#include "tally/report.h"
#include "tally/tsig.h"
#include "testutil.h"

#include "banned.h"

static char *tmp;

static void setup(void)
{
	tmp = test_tmpdir();
}

static void teardown(void)
{
	fx_manifest_write_in = 0;
	fx_station_write_ins = NULL;
	test_rmtree(tmp);
	free(tmp);
}

TestSuite(tally_writein, .init = setup, .fini = teardown, .timeout = 600);

/* 2 + 5 + 2 options: director c1 c2; members m1..m5, slot 1, slot 2 */
#define NOPT 9

/* station s1: four ballots, s2: three */
static const uint8_t marks_s1[4 * NOPT] = {
    1, 0, /**/ 1, 0, 0, 0, 0, /**/ 1, 0, /* Smith */
    1, 0, /**/ 0, 1, 0, 0, 0, /**/ 1, 1, /* Smith, Smith again */
    0, 1, /**/ 0, 0, 1, 0, 0, /**/ 1, 0, /* 吴刚: deprived */
    0, 1, /**/ 1, 0, 0, 0, 0, /**/ 1, 1, /* 周杰: under 18; Smith */
};
static const char *const names_s1[] = {
    "[[],[\"Smith, John\",null]]",
    "[[],[\"Smith, John\",\"Smith, John\"]]",
    "[[],[\"吴刚\",null]]",
    "[[],[\"周杰\",\"\\u3000Smith,\\u3000John \"]]",
};
static const uint8_t marks_s2[3 * NOPT] = {
    1, 0, /**/ 0, 1, 1, 0, 0, /**/ 1, 0, /* 李四: not on the roll */
    0, 1, /**/ 0, 0, 0, 1, 0, /**/ 1, 0, /* 张伟: listed candidate m1 */
    1, 0, /**/ 0, 0, 0, 0, 0, /**/ 1, 0, /* Smith */
};
static const char *const names_s2[] = {
    "[[],[\"李四\",null]]",
    "[[],[\"张伟\",null]]",
    "[[],[\"Smith, John\",null]]",
};

/* A write-in election (members: 2 slots) after the tally. */
static rec_election *tallied(const char *name, uint32_t k, uint32_t n)
{
	char msg[768] = "";
	tally_opts o = {2, 0};
	fx_manifest_write_in = 2;
	rec_election *el = fx_init(tmp, name, "hq-writein", k, n, NULL);
	fx_ceremony(el, tmp, name);
	cr_assert_eq(fx_noptions(el), NOPT);
	fx_station_write_ins = names_s1;
	fx_station_marks(el, "s1", marks_s1, 4, 4);
	fx_station_write_ins = names_s2;
	fx_station_marks(el, "s2", marks_s2, 3, 3);
	fx_station_write_ins = NULL;
	cr_assert_eq(tally_run(el, &o, msg, sizeof msg), Q_OK, "%s", msg);
	return el;
}

static qerr mix_as(rec_election *el, const char *name, uint32_t t, char *msg, size_t msgsz)
{
	char kp[1024], pw[32];
	tally_opts o = {2, 0};
	fx_key_path(kp, sizeof kp, tmp, name, t);
	fx_pass(t, pw, sizeof pw);
	return tally_mix(el, t, kp, pw, strlen(pw), &o, NULL, msg, msgsz);
}

static qerr decrypt_as(rec_election *el, const char *name, uint32_t i, char *msg, size_t msgsz)
{
	char kp[1024], pw[32];
	fx_key_path(kp, sizeof kp, tmp, name, i);
	fx_pass(i, pw, sizeof pw);
	return tally_decrypt(el, i, kp, pw, strlen(pw), NULL, NULL, msg, msgsz);
}

static qerr combine(rec_election *el, char *msg, size_t msgsz)
{
	const char *r = fx_roll();
	return tally_combine_roll(el, (const uint8_t *)r, strlen(r), NULL, msg, msgsz);
}

static json_t *read_json(const rec_election *el, const char *rel)
{
	char path[1400];
	json_t *j = NULL;
	snprintf(path, sizeof path, "%s/%s", el->dir, rel);
	cr_assert_eq(rec_read_json(path, &j, NULL, 0), Q_OK, "%s", path);
	return j;
}

/* How many slots of the result's write-in contest have this status. */
static size_t count_status(const json_t *wc, const char *status, const char *name)
{
	size_t n = 0, i, k;
	const json_t *tu, *sl;
	json_array_foreach(json_object_get(wc, "tuples"), i, tu)
	{
		json_array_foreach(tu, k, sl)
		{
			const json_t *nm = json_object_get(sl, "name");
			if (strcmp(json_string_value(json_object_get(sl, "status")), status) == 0 &&
			    (name == NULL ||
			     (json_is_string(nm) && strcmp(json_string_value(nm), name) == 0)))
				n++;
		}
	}
	return n;
}

/* Trustee t plays a dishonest mixer or decryptor: sign rel's new bytes. */
static void resign(rec_election *el, const char *name, uint32_t t, const char *rel, json_t *j)
{
	char kp[1024], pw[32], msg[256] = "";
	scalar *s = scalar_new();
	sig_secret sk;
	fx_key_path(kp, sizeof kp, tmp, name, t);
	fx_pass(t, pw, sizeof pw);
	cr_assert_eq(ceremony_key_open(el, t, kp, pw, strlen(pw), s, &sk, msg, sizeof msg), Q_OK,
	             "%s", msg);
	cr_assert_eq(tsig_write_json(el, t, &sk, rel, j, 0, msg, sizeof msg), Q_OK, "%s", msg);
	sig_secret_wipe(&sk);
	scalar_free(s);
}

static void file_hash_hex(const rec_election *el, const char *rel, char hx[2 * SHA256_LEN + 1])
{
	char path[1400];
	size_t l;
	uint8_t h[SHA256_LEN];
	snprintf(path, sizeof path, "%s/%s", el->dir, rel);
	char *b = test_read_file(path, &l);
	cr_assert_not_null(b);
	sha256(h, b, l);
	hex_encode(hx, h, SHA256_LEN);
	free(b);
}

Test(tally_writein, counted_end_to_end_with_k_mixers)
{
	char msg[1024] = "";
	rec_election *el = tallied("e", 2, 3);
	/* the aggregate carries each slot's mark sum */
	json_t *aj = read_json(el, "tally/aggregate.json");
	json_t *sels =
	    json_object_get(json_array_get(json_object_get(aj, "contests"), 1), "selections");
	cr_assert_eq(json_array_size(sels), 7);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(sels, 5), "option")),
	                 "write-in:1");
	json_decref(aj);
	/* fewer than k = 2 mixers: nobody decrypts */
	cr_assert_eq(mix_as(el, "e", 3, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(decrypt_as(el, "e", 1, msg, sizeof msg), Q_ERR_STATE);
	cr_assert(strstr(msg, "at least k = 2") != NULL, "%s", msg);
	/* a trustee mixes once */
	cr_assert_eq(mix_as(el, "e", 3, msg, sizeof msg), Q_ERR_EXISTS);
	cr_assert(strstr(msg, "already mixed") != NULL, "%s", msg);
	cr_assert_eq(mix_as(el, "e", 1, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(decrypt_as(el, "e", 1, msg, sizeof msg), Q_OK, "%s", msg);
	/* the chain is closed once a trustee has decrypted */
	cr_assert_eq(mix_as(el, "e", 2, msg, sizeof msg), Q_ERR_STATE);
	cr_assert(strstr(msg, "closed") != NULL, "%s", msg);
	cr_assert_eq(decrypt_as(el, "e", 2, msg, sizeof msg), Q_OK, "%s", msg);
	/* without the roll, or with another, no result */
	cr_assert_eq(tally_combine(el, NULL, msg, sizeof msg), Q_ERR_ARG);
	cr_assert(strstr(msg, "--roll") != NULL, "%s", msg);
	{
		static const char other[] = "id,name,birth_date,household,group,flags\n"
		                            "V0001,王芳,1975-04-02,H001,g1,\n";
		cr_assert_eq(tally_combine_roll(el, (const uint8_t *)other, strlen(other), NULL,
		                                msg, sizeof msg),
		             Q_ERR_CONSISTENCY);
		cr_assert(strstr(msg, "not the election's roll") != NULL, "%s", msg);
	}
	msg[0] = '\0';
	qerr ce = combine(el, msg, sizeof msg);
	cr_assert_eq(ce, Q_OK, "%s: %s", qerr_str(ce), msg);

	json_t *res = read_json(el, "tally/result.json");
	cr_assert_str_eq(json_string_value(json_object_get(res, "format")), "quorum-result/1.1");
	json_t *wi = json_object_get(res, "write_ins");
	cr_assert_eq(json_integer_value(json_array_get(json_object_get(wi, "mixers"), 0)), 3);
	cr_assert_eq(json_integer_value(json_array_get(json_object_get(wi, "mixers"), 1)), 1);
	json_t *wc = json_array_get(json_object_get(wi, "contests"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(wc, "id")), "members");
	cr_assert_eq(json_array_size(json_object_get(wc, "tuples")), 7);
	cr_assert_eq(json_integer_value(json_array_get(json_object_get(wc, "marked"), 0)), 7);
	cr_assert_eq(json_integer_value(json_array_get(json_object_get(wc, "marked"), 1)), 2);
	/* each status once as written */
	cr_assert_eq(count_status(wc, "counted", "Smith, John"), 4);
	cr_assert_eq(count_status(wc, "duplicate", "Smith, John"), 1);
	cr_assert_eq(count_status(wc, "ineligible-deprived", "吴刚"), 1);
	cr_assert_eq(count_status(wc, "ineligible-under-18", "周杰"), 1);
	cr_assert_eq(count_status(wc, "not-on-roll", "李四"), 1);
	cr_assert_eq(count_status(wc, "listed-candidate", "张伟"), 1);
	cr_assert_eq(count_status(wc, "unmarked", ""), 5);
	/* the write-in candidate, counted and decided like a listed one */
	json_t *cands = json_object_get(wc, "candidates");
	cr_assert_eq(json_array_size(cands), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(cands, 0), "id")),
	                 "write-in:V0007");
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(cands, 0), "votes")), 4);
	json_t *mt = json_object_get(
	    json_array_get(json_object_get(json_object_get(res, "counts"), "contests"), 1),
	    "tally");
	cr_assert_eq(json_integer_value(json_object_get(mt, "write-in:V0007")), 4);
	char *dtext = json_dumps(json_object_get(res, "decision"), JSON_COMPACT);
	cr_assert(strstr(dtext, "write-in:V0007") != NULL, "%s", dtext);
	free(dtext);
	json_decref(res);
	/* the announcement lists the write-in votes and the reported names */
	cr_assert_eq(tally_report(el, msg, sizeof msg), Q_OK, "%s", msg);
	{
		char path[1400];
		size_t l;
		snprintf(path, sizeof path, "%s/report.txt", el->dir);
		char *t = test_read_file(path, &l);
		cr_assert_not_null(t);
		cr_assert(strstr(t, "Smith, John") != NULL, "%s", t);
		cr_assert(strstr(t, "李四") != NULL, "%s", t);
		cr_assert(strstr(t, "not-on-roll") != NULL || strstr(t, "不在选民名单") != NULL,
		          "%s", t);
		free(t);
	}
	rec_free(el);
}

Test(tally_writein, one_mixer_is_enough_when_k_is_1)
{
	char msg[1024] = "";
	rec_election *el = tallied("k1", 1, 2);
	cr_assert_eq(mix_as(el, "k1", 2, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(decrypt_as(el, "k1", 2, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(combine(el, msg, sizeof msg), Q_OK, "%s", msg);
	json_t *res = read_json(el, "tally/result.json");
	json_t *wi = json_object_get(res, "write_ins");
	cr_assert_eq(json_array_size(json_object_get(wi, "mixers")), 1);
	json_t *wc = json_array_get(json_object_get(wi, "contests"), 0);
	cr_assert_eq(count_status(wc, "counted", "Smith, John"), 4);
	json_decref(res);
	rec_free(el);
}

/* Swap the names of two tuples in mixer m's output of contest 1 and have
 * its trustee re-sign the statement: a forged list with a valid
 * signature. */
static void forge_mix(rec_election *el, const char *name, size_t m, uint32_t t)
{
	char rel[128], path[1400], hx[2 * SHA256_LEN + 1];
	size_t l;
	snprintf(path, sizeof path, "%s/tally/mix/contest-1/mixer-%zu.bin", el->dir, m);
	uint8_t *b = (uint8_t *)test_read_file(path, &l);
	cr_assert_not_null(b);
	size_t w = 6 * ELGAMAL_CT_LEN;
	uint8_t tmpct[ELGAMAL_CT_LEN];
	/* tuple 0's slot-1 first name point <-> tuple 1's */
	memcpy(tmpct, b + ELGAMAL_CT_LEN, ELGAMAL_CT_LEN);
	memcpy(b + ELGAMAL_CT_LEN, b + w + ELGAMAL_CT_LEN, ELGAMAL_CT_LEN);
	memcpy(b + w + ELGAMAL_CT_LEN, tmpct, ELGAMAL_CT_LEN);
	unlink(path);
	cr_assert_eq(test_write_file(path, (char *)b, l), 0);
	free(b);
	snprintf(rel, sizeof rel, "tally/mix/contest-1/mixer-%zu.bin", m);
	file_hash_hex(el, rel, hx);
	snprintf(rel, sizeof rel, "tally/mix/mixer-%zu.json", m);
	json_t *j = read_json(el, rel);
	json_object_set_new(json_array_get(json_object_get(j, "contests"), 0), "output_sha256",
	                    json_string(hx));
	snprintf(path, sizeof path, "%s/%s", el->dir, rel);
	unlink(path);
	resign(el, name, t, rel, j);
	json_decref(j);
}

Test(tally_writein, forged_mix_refused_by_the_next_mixer_and_by_decrypt)
{
	char msg[1024] = "";
	rec_election *el = tallied("f", 2, 3);
	cr_assert_eq(mix_as(el, "f", 1, msg, sizeof msg), Q_OK, "%s", msg);
	/* altered in transit (statement not re-signed): the hash names it */
	{
		char path[1400];
		size_t l;
		snprintf(path, sizeof path, "%s/tally/mix/contest-1/mixer-0.bin", el->dir);
		char *b = test_read_file(path, &l);
		cr_assert_not_null(b);
		char *c = malloc(l);
		memcpy(c, b, l);
		c[l - 1] ^= 1;
		unlink(path);
		cr_assert_eq(test_write_file(path, c, l), 0);
		cr_assert_eq(mix_as(el, "f", 2, msg, sizeof msg), Q_ERR_CONSISTENCY);
		cr_assert(strstr(msg, "mixer 0 (trustee 1)") != NULL &&
		              strstr(msg, "members") != NULL &&
		              strstr(msg, "output_sha256") != NULL,
		          "%s", msg);
		unlink(path);
		cr_assert_eq(test_write_file(path, b, l), 0);
		free(b);
		free(c);
	}
	/* a dishonest mixer signs a list that is not a shuffle */
	forge_mix(el, "f", 0, 1);
	cr_assert_eq(mix_as(el, "f", 2, msg, sizeof msg), Q_ERR_PROOF);
	cr_assert(strstr(msg, "contest 1 (members), mixer 0 (trustee 1)") != NULL &&
	              strstr(msg, "proof of shuffle fails") != NULL && strstr(msg, "C-8.4") != NULL,
	          "%s", msg);
	cr_assert_eq(decrypt_as(el, "f", 1, msg, sizeof msg), Q_ERR_PROOF);
	cr_assert(strstr(msg, "mixer 0 (trustee 1)") != NULL, "%s", msg);
	rec_free(el);
}

Test(tally_writein, forged_second_mix_refused_by_combine)
{
	char msg[1024] = "";
	rec_election *el = tallied("g", 2, 3);
	cr_assert_eq(mix_as(el, "g", 1, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(mix_as(el, "g", 2, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(decrypt_as(el, "g", 1, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(decrypt_as(el, "g", 3, msg, sizeof msg), Q_OK, "%s", msg);
	forge_mix(el, "g", 1, 2);
	cr_assert_eq(combine(el, msg, sizeof msg), Q_ERR_PROOF);
	cr_assert(strstr(msg, "contest 1 (members), mixer 1 (trustee 2)") != NULL &&
	              strstr(msg, "C-8.4") != NULL,
	          "%s", msg);
	rec_free(el);
}

Test(tally_writein, an_input_list_that_is_not_the_ballots_is_not_mixed)
{
	char msg[1024] = "", path[1400];
	size_t l;
	rec_election *el = tallied("i", 2, 3);
	/* the officer replaces one ballot's tuple by another's (an "n - 1"
	 * list that would trace the remaining voter) */
	snprintf(path, sizeof path, "%s/tally/mix/contest-1/input.bin", el->dir);
	char *b = test_read_file(path, &l);
	cr_assert_not_null(b);
	memcpy(b, b + 6 * ELGAMAL_CT_LEN, 6 * ELGAMAL_CT_LEN);
	unlink(path);
	cr_assert_eq(test_write_file(path, b, l), 0);
	free(b);
	cr_assert_eq(mix_as(el, "i", 1, msg, sizeof msg), Q_ERR_CONSISTENCY);
	cr_assert(strstr(msg, "input.bin") != NULL && strstr(msg, "members") != NULL, "%s", msg);
	rec_free(el);
}

Test(tally_writein, a_wrong_decryption_share_is_refused_naming_its_trustee)
{
	char msg[1024] = "", rel[128], path[1400], hx[2 * SHA256_LEN + 1];
	size_t l;
	rec_election *el = tallied("d", 2, 3);
	cr_assert_eq(mix_as(el, "d", 1, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(mix_as(el, "d", 2, msg, sizeof msg), Q_OK, "%s", msg);
	for (uint32_t i = 1; i <= 3; i++)
		cr_assert_eq(decrypt_as(el, "d", i, msg, sizeof msg), Q_OK, "%s", msg);
	/* trustee 1 swaps two of its shares (each a valid point with a valid
	 * proof, for another place) and signs the result */
	snprintf(path, sizeof path, "%s/tally/mix/contest-1/partial-1.bin", el->dir);
	char *b = test_read_file(path, &l);
	cr_assert_not_null(b);
	uint8_t t[MIX_SHARE_LEN];
	memcpy(t, b, MIX_SHARE_LEN);
	memcpy(b, b + MIX_SHARE_LEN, MIX_SHARE_LEN);
	memcpy(b + MIX_SHARE_LEN, t, MIX_SHARE_LEN);
	unlink(path);
	cr_assert_eq(test_write_file(path, b, l), 0);
	free(b);
	file_hash_hex(el, "tally/mix/contest-1/partial-1.bin", hx);
	snprintf(rel, sizeof rel, "tally/mix/partials/1.json");
	json_t *j = read_json(el, rel);
	json_object_set_new(json_array_get(json_object_get(j, "contests"), 0), "shares_sha256",
	                    json_string(hx));
	snprintf(path, sizeof path, "%s/%s", el->dir, rel);
	unlink(path);
	resign(el, "d", 1, rel, j);
	json_decref(j);
	/* combine names trustee 1, skips it and counts with 2 and 3 */
	cr_assert_eq(combine(el, msg, sizeof msg), Q_OK, "%s", msg);
	json_t *res = read_json(el, "tally/result.json");
	json_t *wi = json_object_get(res, "write_ins");
	json_t *sk = json_array_get(json_object_get(wi, "skipped"), 0);
	cr_assert_eq(json_integer_value(json_object_get(sk, "trustee")), 1);
	cr_assert(strstr(json_string_value(json_object_get(sk, "reason")),
	                 "write-in share 0: the proof of decryption fails") != NULL,
	          "%s", json_string_value(json_object_get(sk, "reason")));
	cr_assert_eq(json_integer_value(json_array_get(json_object_get(wi, "trustees_used"), 0)),
	             2);
	cr_assert_eq(count_status(json_array_get(json_object_get(wi, "contests"), 0), "counted",
	                          "Smith, John"),
	             4);
	json_decref(res);
	rec_free(el);
}

Test(tally_writein, too_few_valid_shares_refuse_the_result)
{
	char msg[1024] = "", path[1400];
	size_t l;
	rec_election *el = tallied("v", 2, 3);
	cr_assert_eq(mix_as(el, "v", 3, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(mix_as(el, "v", 2, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(decrypt_as(el, "v", 1, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(decrypt_as(el, "v", 2, msg, sizeof msg), Q_OK, "%s", msg);
	/* trustee 2's shares altered in transit: its signature fails */
	snprintf(path, sizeof path, "%s/tally/mix/contest-1/partial-2.bin", el->dir);
	char *b = test_read_file(path, &l);
	cr_assert_not_null(b);
	b[l - 1] ^= 1;
	unlink(path);
	cr_assert_eq(test_write_file(path, b, l), 0);
	free(b);
	cr_assert_eq(combine(el, msg, sizeof msg), Q_ERR_PROOF);
	cr_assert(strstr(msg, "write-in") != NULL && strstr(msg, "2 (") != NULL, "%s", msg);
	snprintf(path, sizeof path, "%s/tally/result.json", el->dir);
	cr_assert_neq(access(path, F_OK), 0);
	rec_free(el);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_verify_log.c -- verify-election's check 3 reads each station log
 * once (log_verify_visit, docs/spec/verify.md V-14): the ballot-cast
 * entries are taken as the entries verify, the others (poll-opened,
 * checkins, poll-closed, ...) are walked in index order once the whole log
 * verified, and what they say depends on where they stand among the
 * ballot-cast entries.  A station that logs a ballot before it opened the
 * poll is refused (V-5.5), as when every entry was read again.
 *
 * And the station records, which check 3 reads once through for their
 * signature and check 4 (and check 10, for a sample it did not keep) read
 * again: a record changed between the readings is refused, even by a
 * change that leaves its JSON the same (a newline after the object), so
 * that the bytes counted are exactly those whose hash the signature
 * covers (V-14).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/log.h"
#include "audit/note.h"
#include "audit/verify_election.h"
#include "crypto/group.h"
#include "crypto/sig.h"
#include "crypto/util.h"
#include "election/srec.h"
#include "fixture.h"
#include "tally/count.h"
#include "testutil.h"
#include "tmpsuite.h"

TEST_TMP_DIR

TEST_TMP_SUITE(verify_log);

/* 1 if a detail of check k names a (and b too, if not NULL). */
static int detail_has(const ve_check *k, const char *a, const char *b)
{
	for (size_t d = 0; d < k->ndetails; d++)
		if (strstr(k->detail[d], a) != NULL &&
		    (b == NULL || strstr(k->detail[d], b) != NULL))
			return 1;
	return 0;
}

static const uint8_t marks[FX_NOPT] = {1, 0, 1, 1, 1, 0, 0};

static void put(audit_log *lg, const char *tag, const void *p, size_t plen)
{
	size_t tl = strlen(tag);
	uint8_t *e = malloc(tl + 1 + plen);
	uint64_t idx;
	cr_assert_not_null(e);
	memcpy(e, tag, tl);
	e[tl] = '\n';
	memcpy(e + tl + 1, p, plen);
	cr_assert_eq(log_append(lg, e, tl + 1 + plen, &idx), Q_OK);
	free(e);
}

static int by_code(const void *a, const void *b)
{
	const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
	return strcmp(json_string_value(json_object_get(x, "tracking_code")),
	              json_string_value(json_object_get(y, "tracking_code")));
}

/* A record's "ballots" for these encodings, in tracking-code order (P-7.1). */
static json_t *ballots_sorted(const rec_election *el, uint8_t *const *enc, const size_t *len,
                              size_t n)
{
	ballot_style *st = NULL;
	char msg[256] = "";
	json_t *v[8], *a = json_array();
	cr_assert(n <= 8);
	cr_assert_eq(rec_ballot_style(el, &st, msg, sizeof msg), Q_OK, "%s", msg);
	for (size_t i = 0; i < n; i++) {
		uint8_t code[BALLOT_CODE_LEN];
		char tc[2 * BALLOT_CODE_LEN + 1], *b = malloc(b64_encoded_len(len[i]) + 1);
		cr_assert_not_null(b);
		ballot_tracking_code(code, st, enc[i], len[i]);
		hex_encode(tc, code, sizeof code);
		b64_encode(b, enc[i], len[i]);
		v[i] = json_pack("{s:s, s:s}", "ballot", b, "tracking_code", tc);
		free(b);
	}
	qsort(v, n, sizeof *v, by_code);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(json_array_append_new(a, v[i]), 0);
	ballot_style_free(st);
	return a;
}

/* Station s1's log written anew with these ballots (opened: poll-opened
 * stands after `opened` of the ballot-cast entries), its record made of
 * the same ballots, pointed at the log and signed again by the new log's
 * key. */
static void s1_relogged(const rec_election *el, uint8_t *const *enc, const size_t *len, size_t n,
                        size_t opened)
{
	char dir[1200], p[1300], msg[512] = "", txt[300], mhx[65], vkey[NOTE_VKEY_MAX];
	char rhx[65], sb[120];
	audit_log *lg = NULL;
	merkle_hash r;
	note_signer ns;
	json_error_t je;
	char *note = NULL;
	size_t nlen, kl;
	snprintf(dir, sizeof dir, "%s/stations/s1/log", el->dir);
	test_rmtree(dir);
	cr_assert_eq(rec_mkdirs(dir), Q_OK);
	snprintf(txt, sizeof txt, "quorum/%s/station/s1", el->manifest->id);
	cr_assert_eq(log_create(dir, txt, &lg, msg, sizeof msg), Q_OK, "%s", msg);
	fx_roll_text(el, NULL, txt, sizeof txt);
	put(lg, "quorum/v1/station/roll-imported", txt, strlen(txt));
	hex_encode(mhx, el->manifest->hash, 32);
	for (size_t i = 0; i <= n; i++) {
		if (i == opened) {
			snprintf(txt, sizeof txt, "station s1\nmanifest %s\nregistered 10\n", mhx);
			put(lg, "quorum/v1/station/poll-opened", txt, strlen(txt));
		}
		if (i < n)
			put(lg, "quorum/v1/station/ballot-cast", enc[i], len[i]);
	}
	snprintf(txt, sizeof txt, "issued %zu\ncast %zu\nchallenged 0\n", n, n);
	put(lg, "quorum/v1/station/poll-closed", txt, strlen(txt));
	uint64_t size = log_size(lg);
	cr_assert_eq(log_checkpoint_sign(lg, &note, &nlen), Q_OK);
	cr_assert_eq(log_root(lg, size, r), Q_OK);
	cr_assert_eq(note_verifier_format(log_vkey(lg), vkey, sizeof vkey), Q_OK);
	log_close(lg);
	snprintf(p, sizeof p, "%s/key", dir);
	char *k = test_read_file(p, &kl);
	cr_assert_not_null(k);
	cr_assert_eq(note_signer_parse(&ns, k, kl), Q_OK);
	free(k);
	unlink(p);
	/* the record: its ballots and its log member for the new log, signed
	 * again (P-7.2) */
	snprintf(p, sizeof p, "%s/stations/s1/station-record.json", el->dir);
	json_t *rec = json_load_file(p, JSON_REJECT_DUPLICATES, &je);
	cr_assert_not_null(rec, "%s", je.text);
	json_object_set_new(rec, "ballots", ballots_sorted(el, enc, len, n));
	json_t *lo = json_object_get(rec, "log");
	hex_encode(rhx, r, 32);
	json_object_set_new(lo, "vkey", json_string(vkey));
	json_object_set_new(lo, "size", json_integer((json_int_t)size));
	json_object_set_new(lo, "root", json_string(rhx));
	json_object_set_new(lo, "checkpoint", json_string(note));
	json_object_set_new(lo, "close_index", json_integer((json_int_t)size - 1));
	char *t = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	uint8_t m[SREC_SIG_MSG_LEN], sig[SIG_LEN];
	srec_sig_message(m, t, strlen(t));
	cr_assert_eq(sig_sign(sig, &ns.sk, m, sizeof m), Q_OK);
	note_signer_wipe(&ns);
	cr_assert_eq(test_write_file(p, t, strlen(t)), 0);
	b64_encode(sb, sig, SIG_LEN);
	snprintf(sb + strlen(sb), sizeof sb - strlen(sb), "\n");
	snprintf(p, sizeof p, "%s/stations/s1/station-record.json.sig", el->dir);
	cr_assert_eq(test_write_file(p, sb, strlen(sb)), 0);
	free(t);
	free(note);
	json_decref(rec);
}

/* Check 3's verdict on s1 with poll-opened after `opened` of its 3
 * ballot-cast entries: the V-5.5 detail found or not. */
static int opened_late_refused(size_t opened)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 1, 1, NULL);
	fx_ceremony(el, tmp, "e");
	uint8_t *enc[3];
	size_t len[3];
	for (size_t i = 0; i < 3; i++)
		fx_encrypt(el, marks, &enc[i], &len[i]);
	fx_station(el, "s1", enc, len, 3, 3);
	s1_relogged(el, enc, len, 3, opened);
	ve_opts o = {0, 1, -1, 1};
	ve_report rep;
	cr_assert_eq(ve_verify(el->dir, &o, &rep), Q_OK);
	const ve_check *k = &rep.checks[VE_LOGS - 1];
	cr_expect(!detail_has(k, "stations/s1/log: does not verify", NULL));
	int found = detail_has(k, "stations/s1/log: entry ",
	                       ": the first poll-opened entry follows a check-in or ballot entry "
	                       "(V-5.5)");
	json_decref(rep.partial);
	for (size_t i = 0; i < 3; i++)
		free(enc[i]);
	rec_free(el);
	return found;
}

Test(verify_log, ballot_cast_before_poll_opened_is_refused)
{
	cr_assert(opened_late_refused(1), "a ballot logged before poll-opened not refused");
}

Test(verify_log, ballot_cast_after_poll_opened_is_not_refused_for_it)
{
	/* the same log with poll-opened first: no V-5.5 item (the walk counts
	 * the ballot-cast entries before each other entry, not after) */
	cr_assert(!opened_late_refused(0), "poll-opened first refused as late");
}

/* ---- a record changed between the readings (V-14) ---- */

static int change_at; /* the check before which the hook changes s1's record */

static void append_newline(const char *dir, int next_check)
{
	char p[1300];
	if (next_check != change_at)
		return;
	snprintf(p, sizeof p, "%s/stations/s1/station-record.json", dir);
	FILE *f = fopen(p, "ab");
	cr_assert_not_null(f);
	cr_assert_eq(fputc('\n', f), '\n');
	cr_assert_eq(fclose(f), 0);
}

/* Verify a record of 3 + 1 ballots with s1's record given a newline after
 * check 3 read it, before check `at` reads it again (0: never): whether
 * check `id` names it as changed. */
static int changed_named(const char *name, int at, int id)
{
	rec_election *el = fx_init(tmp, name, "hq-test", 1, 1, NULL);
	fx_ceremony(el, tmp, name);
	uint8_t *enc[4];
	size_t len[4];
	for (size_t i = 0; i < 4; i++)
		fx_encrypt(el, marks, &enc[i], &len[i]);
	fx_station(el, "s1", enc, len, 3, 3);
	fx_station(el, "s2", enc + 3, len + 3, 1, 1);
	ve_opts o = {0, 0, -1, 2};
	ve_report rep;
	uint64_t keep = ve_sample_keep_max;
	ve_sample_keep_max = 0; /* check 10 reads its sample again */
	change_at = at;
	ve_between_reads = append_newline;
	qerr e = ve_verify(el->dir, &o, &rep);
	ve_between_reads = NULL;
	ve_sample_keep_max = keep;
	cr_assert_eq(e, Q_OK);
	const ve_check *k = &rep.checks[id - 1];
	int found =
	    detail_has(k, "stations/s1/station-record.json: changed while it was read", NULL);
	json_decref(rep.partial);
	for (size_t i = 0; i < 4; i++)
		free(enc[i]);
	rec_free(el);
	return found;
}

TEST_TMP_SUITE(verify_reread);

Test(verify_reread, record_changed_before_check_4_is_refused)
{
	cr_assert(changed_named("e", VE_BALLOTS, VE_BALLOTS),
	          "check 4 counted ballots of a record that is not the one signed");
}

Test(verify_reread, record_changed_before_check_10_is_refused)
{
	cr_assert(changed_named("e", VE_CROSSCHECK, VE_CROSSCHECK),
	          "check 10 cross-checked ballots of a record that is not the one signed");
}

Test(verify_reread, record_unchanged_is_not_named)
{
	cr_assert(!changed_named("e", 0, VE_BALLOTS), "an unchanged record named by check 4");
	cr_assert(!changed_named("f", 0, VE_CROSSCHECK), "an unchanged record named by check 10");
}

/* V-12 (2): check 10 verifies each station's signature over libgcrypt's
 * SHA-256 of the bytes check 3 read (no third reading).  A record altered
 * after it was signed (a newline after the object: the same JSON) is
 * refused by check 3 and by check 10, and only s1 is named. */
Test(verify_reread, record_altered_after_signing_fails_the_libgcrypt_signature)
{
	rec_election *el = fx_init(tmp, "g", "hq-test", 1, 1, NULL);
	fx_ceremony(el, tmp, "g");
	uint8_t *enc[4];
	size_t len[4];
	char p[1300];
	for (size_t i = 0; i < 4; i++)
		fx_encrypt(el, marks, &enc[i], &len[i]);
	fx_station(el, "s1", enc, len, 3, 3);
	fx_station(el, "s2", enc + 3, len + 3, 1, 1);
	snprintf(p, sizeof p, "%s/stations/s1/station-record.json", el->dir);
	FILE *f = fopen(p, "ab");
	cr_assert_not_null(f);
	cr_assert_eq(fputc('\n', f), '\n');
	cr_assert_eq(fclose(f), 0);
	ve_opts o = {0, 0, -1, 2};
	ve_report rep;
	cr_assert_eq(ve_verify(el->dir, &o, &rep), Q_OK);
	const ve_check *k = &rep.checks[VE_CROSSCHECK - 1];
	int s1 = detail_has(k, "stations/s1/station-record.json: signature fails under libgcrypt",
	                    NULL),
	    s2 = detail_has(k, "stations/s2/station-record.json", NULL);
	cr_assert(rep.checks[VE_LOGS - 1].failed > 0, "check 3 accepted the altered record");
	cr_assert(s1, "check 10 accepted the signature of an altered record");
	cr_assert(!s2, "check 10 named s2's unaltered record");
	json_decref(rep.partial);
	for (size_t i = 0; i < 4; i++)
		free(enc[i]);
	rec_free(el);
}

/* ---- check 6's sums, one half at infinity (V-14, R-6 (3)) ---- */

Test(verify_log, sum_with_the_alphas_at_infinity_is_compared)
{
	/* a forged record: a ballot and a copy of it whose every alpha is
	 * negated (its points valid, so it decodes and counts in the sum; its
	 * proofs fail): each selection's alphas add up to infinity, its betas
	 * do not.  Check 6 must compare that sum (which has no encoding, so no
	 * published ciphertext can be it), not give up on the sums */
	rec_election *el = fx_init(tmp, "e", "hq-test", 1, 1, NULL);
	fx_ceremony(el, tmp, "e");
	uint8_t *enc[2];
	size_t len[2], off[64];
	char msg[768] = "";
	for (size_t i = 0; i < 2; i++)
		fx_encrypt(el, marks, &enc[i], &len[i]);
	fx_station(el, "s1", enc, len, 2, 2);
	fx_station(el, "s2", NULL, NULL, 0, 0);
	tally_opts to = {1, 0};
	qerr e = tally_run(el, &to, msg, sizeof msg);
	cr_assert_eq(e, Q_OK, "%s: %s", qerr_str(e), msg);
	ballot_style *st = NULL;
	cr_assert_eq(rec_ballot_style(el, &st, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert(ballot_style_nct(st) <= 64);
	ballot_style_ct_offsets(st, off);
	size_t T = st->total_options;
	memcpy(enc[1], enc[0], len[0]);
	for (size_t t = 0; t < T; t++)
		test_p256_neg_y(enc[1] + off[t] + 33);
	ballot_style_free(st);
	s1_relogged(el, enc, len, 2, 0);
	ve_opts o = {0, 1, -1, 1};
	ve_report rep;
	cr_assert_eq(ve_verify(el->dir, &o, &rep), Q_OK);
	const ve_check *k = &rep.checks[VE_AGGREGATE - 1];
	cr_expect(!detail_has(k, "could not add up", NULL));
	int compared = detail_has(k, "selection 0: the published ciphertext is not the sum", NULL);
	cr_assert(compared, "check 6 did not compare selection 0 (%zu details)", k->ndetails);
	json_decref(rep.partial);
	for (size_t i = 0; i < 2; i++)
		free(enc[i]);
	rec_free(el);
}

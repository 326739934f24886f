/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_named_log.c -- combine and report count the named votes (E-2.1,
 * P-6.6) from the station logs; they verify each log as the tally did
 * (R-5 (16), tally_station_verify) before they believe an entry.  Must
 * fail: a carrier who edits a named-vote entry in a station's log between
 * tally and combine (or report) -- with the log's tree left as it was,
 * with the tree re-computed (and the kept checkpoints removed), or with
 * the tree re-computed and the record's log.root edited to match, none of
 * it re-signed -- is refused, naming the station and what failed (the log
 * does not verify; its root is not the signed one; the record is not the
 * one the tally counted, and its signature does not verify); report also
 * refuses an aggregate.json other than the one result.json names.  Before
 * session 8 combine and report re-read the entries without any of these
 * checks and announced the edited counts.
 */
#define _GNU_SOURCE /* memmem */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/log.h"
#include "audit/merkle.h"
#include "crypto/util.h"
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

TestSuite(named_log, .init = setup, .fini = teardown, .timeout = 300);

/* An election with the named motion, two honest stations, tallied and
 * decrypted by k = 2 trustees (not combined). */
static rec_election *decrypted(const char *name)
{
	char msg[768] = "", kp[1024], pw[32];
	tally_opts o = {2, 0};
	fx_manifest_contest = fx_named_hall;
	rec_election *el = fx_init(tmp, name, "hq-named-log", 2, 3, NULL);
	fx_manifest_contest = NULL;
	fx_ceremony(el, tmp, name);
	fx_named_stations(el);
	cr_assert_eq(tally_run(el, &o, msg, sizeof msg), Q_OK, "%s", msg);
	for (uint32_t i = 1; i <= 2; i++) {
		fx_key_path(kp, sizeof kp, tmp, name, i);
		fx_pass(i, pw, sizeof pw);
		cr_assert_eq(tally_decrypt(el, i, kp, pw, strlen(pw), NULL, NULL, msg, sizeof msg),
		             Q_OK, "%s", msg);
	}
	return el;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

enum relog_mode {
	RELOG_EDIT, /* the entry edited, its leaf hash left: the tree as it was */
	RELOG_REHASH, /* the tree re-computed, the kept checkpoints removed */
	RELOG_RECORD, /* and the record's log.root edited to the new root */
};

/* The carrier's edit of station sid's log: V0003's named vote "no" becomes
 * "yes" (a valid entry, counted if believed), the entries and leaves files
 * rewritten (offsets after it move by one byte), nothing re-signed. */
static void relog_named(const rec_election *el, const char *sid, enum relog_mode mode)
{
	char dir[1200], p[1300], msg[256] = "";
	audit_log *lg = NULL;
	cr_assert_eq(snprintf(dir, sizeof dir, "%s/stations/%s/log", el->dir, sid) < 1200, 1);
	cr_assert_eq(log_open(dir, LOG_RDONLY, &lg, msg, sizeof msg), Q_OK, "%s", msg);
	uint64_t n = log_size(lg);
	merkle_hash oldroot;
	cr_assert_eq(log_root(lg, n, oldroot), Q_OK);
	size_t cap = (size_t)n * (MERKLE_MAX_ENTRY + 2), el_ = 0;
	uint8_t *ents = malloc(cap), *leaves = malloc((size_t)n * 40),
	        *buf = malloc(MERKLE_MAX_ENTRY + 8);
	size_t lsz = 0;
	snprintf(p, sizeof p, "%s/leaves", dir);
	uint8_t *oldleaves = (uint8_t *)test_read_file(p, &lsz);
	cr_assert(ents && leaves && buf && oldleaves && lsz == (size_t)n * 40);
	int edited = 0;
	for (uint64_t i = 0; i < n; i++) {
		size_t len = 0;
		cr_assert_eq(log_read_entry(lg, i, buf, &len), Q_OK);
		static const char from[] = "voter V0003\nvote no\n",
		                  to[] = "voter V0003\nvote yes\n";
		uint8_t *at = memmem(buf, len, from, strlen(from));
		if (at != NULL) {
			cr_assert_eq((size_t)(at - buf) + strlen(from), len);
			memcpy(at, to, strlen(to));
			len += strlen(to) - strlen(from);
			edited = 1;
		}
		put64(leaves + i * 40, el_);
		if (mode == RELOG_EDIT)
			memcpy(leaves + i * 40 + 8, oldleaves + i * 40 + 8, 32);
		else
			merkle_leaf_hash(leaves + i * 40 + 8, buf, len);
		ents[el_] = (uint8_t)(len >> 8);
		ents[el_ + 1] = (uint8_t)len;
		memcpy(ents + el_ + 2, buf, len);
		el_ += 2 + len;
	}
	log_close(lg);
	cr_assert(edited, "no named vote of V0003 in %s", dir);
	snprintf(p, sizeof p, "%s/entries", dir);
	cr_assert_eq(test_write_file(p, ents, el_), 0);
	snprintf(p, sizeof p, "%s/leaves", dir);
	cr_assert_eq(test_write_file(p, leaves, (size_t)n * 40), 0);
	free(ents);
	free(leaves);
	free(oldleaves);
	free(buf);
	if (mode == RELOG_EDIT)
		return;
	/* the kept checkpoints sign the old root: a carrier removes them */
	snprintf(p, sizeof p, "%s/checkpoints", dir);
	DIR *d = opendir(p);
	if (d != NULL) {
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			char f[1600];
			if (de->d_name[0] == '.')
				continue;
			snprintf(f, sizeof f, "%s/%s", p, de->d_name);
			cr_assert_eq(unlink(f), 0, "%s", f);
		}
		closedir(d);
	}
	cr_assert_eq(log_open(dir, LOG_RDONLY, &lg, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(log_verify(lg, NULL, NULL), Q_OK, "the rebuilt log verifies: %s",
	             log_error(lg));
	if (mode == RELOG_RECORD) {
		merkle_hash nr;
		char ho[65], hn[65];
		cr_assert_eq(log_root(lg, n, nr), Q_OK);
		hex_encode(ho, oldroot, 32);
		hex_encode(hn, nr, 32);
		snprintf(p, sizeof p, "%s/stations/%s/station-record.json", el->dir, sid);
		size_t rl;
		char *rec = test_read_file(p, &rl);
		cr_assert_not_null(rec);
		char *at = memmem(rec, rl, ho, 64);
		cr_assert_not_null(at, "log.root %s not in %s", ho, p);
		memcpy(at, hn, 64);
		cr_assert_eq(test_write_file(p, rec, rl), 0);
		free(rec);
	}
	log_close(lg);
}

/* The named counts of result.json's hall entry: yes and no. */
static void hall_counts(const rec_election *el, long long *yes, long long *no)
{
	char p[1200];
	snprintf(p, sizeof p, "%s/tally/result.json", el->dir);
	json_t *res = json_load_file(p, 0, NULL);
	cr_assert_not_null(res);
	const json_t *cs = json_object_get(json_object_get(res, "counts"), "contests");
	*yes = *no = -1;
	for (size_t i = 0; i < json_array_size(cs); i++) {
		const json_t *c = json_array_get(cs, i);
		if (strcmp(json_string_value(json_object_get(c, "id")), "hall") == 0) {
			*yes =
			    json_integer_value(json_object_get(json_object_get(c, "tally"), "yes"));
			*no =
			    json_integer_value(json_object_get(json_object_get(c, "tally"), "no"));
		}
	}
	json_decref(res);
}

/* combine (report 0) or report (1, after an honest combine) refused after
 * the carrier's edit, the message naming station s1 and want. */
static void refused(enum relog_mode mode, int report, qerr want_e, const char *want)
{
	char msg[1024] = "";
	long long yes, no;
	rec_election *el = decrypted(report ? "rp" : "cb");
	qerr e;
	if (!report) { /* between tally and combine */
		relog_named(el, "s1", mode);
		e = tally_combine(el, NULL, msg, sizeof msg);
		cr_expect_eq(e, want_e, "combine: %s (%s)", qerr_str(e), msg);
		cr_expect(strstr(msg, want) != NULL, "combine: \"%s\" does not say \"%s\"", msg,
		          want);
		if (e == Q_OK) {
			hall_counts(el, &yes, &no);
			cr_expect_fail("combine announced the edited log: yes %lld, no %lld (3 "
			               "and 1 recorded)",
			               yes, no);
		}
		rec_free(el);
		return;
	}
	/* an honest combine, then the edit between combine and report */
	cr_assert_eq(tally_combine(el, NULL, msg, sizeof msg), Q_OK, "%s", msg);
	hall_counts(el, &yes, &no);
	cr_assert_eq(yes, 3);
	cr_assert_eq(no, 1);
	relog_named(el, "s1", mode);
	msg[0] = '\0';
	e = tally_report(el, msg, sizeof msg);
	cr_expect_eq(e, want_e, "report: %s (%s)", qerr_str(e), msg);
	cr_expect(strstr(msg, want) != NULL, "report: \"%s\" does not say \"%s\"", msg, want);
	if (e == Q_OK) {
		char p[1200];
		size_t l;
		snprintf(p, sizeof p, "%s/report.txt", el->dir);
		char *txt = test_read_file(p, &l);
		const char *y = txt != NULL ? strstr(txt, "赞成 yes (") : NULL;
		cr_expect_fail("report printed the edited log: %.60s", y ? y : "?");
		free(txt);
	}
	rec_free(el);
}

Test(named_log, edited_entry_refused_by_combine_and_report)
{
	refused(RELOG_EDIT, 0, Q_ERR_CORRUPT, "station s1: its log does not verify");
	refused(RELOG_EDIT, 1, Q_ERR_CORRUPT, "station s1: its log does not verify");
}

Test(named_log, rehashed_log_without_signed_root_refused_by_combine_and_report)
{
	static const char w[] = "station s1: the record's log size/root do not match its log";
	refused(RELOG_REHASH, 0, Q_ERR_CONSISTENCY, w);
	refused(RELOG_REHASH, 1, Q_ERR_CONSISTENCY, w);
}

/* The record edited to the re-computed root: the record is not the one the
 * tally counted (aggregate.json's record_sha256, bound by the trustees'
 * partials and result.json), and its signature no longer verifies. */
Test(named_log, record_root_edited_without_signature_refused_by_combine_and_report)
{
	static const char w[] = "station s1: stations/s1/station-record.json (SHA-256 ";
	refused(RELOG_RECORD, 0, Q_ERR_CONSISTENCY, w);
	refused(RELOG_RECORD, 1, Q_ERR_CONSISTENCY, w);
	/* the signature on its own (no aggregate to compare with) */
	char msg[1024] = "";
	rec_election *el = decrypted("sg");
	relog_named(el, "s1", RELOG_RECORD);
	qerr e = tally_station_verify(el, "s1", NULL, NULL, NULL, NULL, msg, sizeof msg);
	cr_expect_eq(e, Q_ERR_SIGNATURE, "%s (%s)", qerr_str(e), msg);
	cr_expect(strstr(msg, "station s1: the record's signature does not verify") != NULL, "%s",
	          msg);
	rec_free(el);
}

/* report counts the named votes of the records the aggregate names, and the
 * aggregate must be the one result.json names (aggregate_sha256): an
 * aggregate.json changed after combine is refused, naming both files. */
Test(named_log, report_refuses_an_aggregate_other_than_the_results)
{
	char msg[1024] = "", p[1200];
	rec_election *el = decrypted("ag");
	cr_assert_eq(tally_combine(el, NULL, msg, sizeof msg), Q_OK, "%s", msg);
	snprintf(p, sizeof p, "%s/tally/aggregate.json", el->dir);
	size_t l;
	char *a = test_read_file(p, &l);
	cr_assert_not_null(a);
	char *b = malloc(l + 2);
	memcpy(b, a, l);
	b[l] = '\n'; /* the same JSON, other bytes */
	cr_assert_eq(test_write_file(p, b, l + 1), 0);
	free(a);
	free(b);
	qerr e = tally_report(el, msg, sizeof msg);
	cr_expect_eq(e, Q_ERR_CONSISTENCY, "report: %s (%s)", qerr_str(e), msg);
	cr_expect(strstr(msg, "tally/aggregate.json is not the aggregate tally/result.json "
	                      "names") != NULL,
	          "%s", msg);
	rec_free(el);
}

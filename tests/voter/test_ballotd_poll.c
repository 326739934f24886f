/* SPDX-License-Identifier: GPL-3.0-or-later */
/* quorum-ballotd integration: a full poll through the sockets, its exported
 * record verified with the crypto and log libraries, and every refusal. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>

#include "audit/log.h"
#include "crypto/elgamal.h"
#include "crypto/sha256.h"
#include "crypto/sig.h"
#include "crypto/transcript.h"
#include "crypto/util.h"
#include "daemon.h"
#include "election/ballot.h"
#include "election/rules.h"
#include "testutil.h"

static tdaemon d;

static void fini(void)
{
	td_kill(&d);
	test_rmtree(d.dir);
}

TestSuite(ballotd_poll, .fini = fini, .timeout = 120);

static void expect(json_t *rep, const char *code)
{
	const char *e = td_err(rep);
	char *s = json_dumps(rep, JSON_COMPACT);
	if (code == NULL)
		cr_assert_null(e, "expected ok, got %s", s);
	else
		cr_assert(e != NULL && strcmp(e, code) == 0, "expected %s, got %s", code, s);
	free(s);
	json_decref(rep);
}

static json_t *reqf(const char *role, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static json_t *reqf(const char *role, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return td_req(&d, role, buf);
}

static char *checkin(const char *id)
{
	json_t *r = reqf("operator", "{\"op\":\"checkin\",\"voter\":\"%s\"}", id);
	cr_assert_null(td_err(r), "checkin %s failed", id);
	char *t = strdup(json_string_value(json_object_get(r, "token")));
	json_decref(r);
	return t;
}

/* The style of the test manifest, with the base hash computed
 * independently (docs/spec/ballot.md B-1). */
static ballot_style *test_style(uint8_t Kenc[POINT_LEN], point **Kp)
{
	char path[400];
	size_t mlen, klen;
	snprintf(path, sizeof path, "%s/manifest.json", d.el);
	char *man = test_read_file(path, &mlen);
	snprintf(path, sizeof path, "%s/joint-key", d.el);
	char *kh = test_read_file(path, &klen);
	cr_assert(man && kh);
	cr_assert_eq(hex_decode(Kenc, POINT_LEN, kh, 2 * POINT_LEN), Q_OK);
	/* The station must take the base hash from the election directory
	 * (B-1.2 / R-2.2), not derive one of its own. */
	uint8_t bh[32];
	size_t blen;
	snprintf(path, sizeof path, "%s/base-hash", d.el);
	char *bhx = test_read_file(path, &blen);
	cr_assert_not_null(bhx);
	cr_assert_eq(hex_decode(bh, 32, bhx, 64), Q_OK);
	free(bhx);
	ballot_style *st = ballot_style_new(2, bh);
	st->contests[0] = (ballot_contest_style){2, 0, 1, 0, NULL, 0};
	st->contests[1] = (ballot_contest_style){5, 0, 3, 0, NULL, 0};
	cr_assert_eq(ballot_style_check(st, NULL, 0), Q_OK);
	*Kp = point_new();
	cr_assert_eq(point_decode(*Kp, Kenc, POINT_LEN), Q_OK);
	free(man);
	free(kh);
	return st;
}

static uint8_t *b64d(const char *s, size_t *n)
{
	uint8_t *o = malloc(b64_max_decoded_len(strlen(s)) + 1);
	cr_assert_eq(b64_decode(o, n, s, strlen(s)), Q_OK);
	return o;
}

Test(ballotd_poll, full_poll_and_record_verifies)
{
	td_setup(&d, 60);
	cr_assert_eq(td_start(&d, "correct horse", NULL), 0);

	/* Before the roll and the opening. */
	expect(reqf("admin", "{\"op\":\"open\"}"), "no_roll");
	expect(reqf("operator", "{\"op\":\"checkin\",\"voter\":\"V0001\"}"), "poll_not_open");
	expect(reqf("admin", "{\"op\":\"import-roll\",\"path\":\"%s\"}", d.roll), NULL);
	expect(reqf("admin", "{\"op\":\"import-roll\",\"path\":\"%s\"}", d.roll), "roll_locked");
	expect(reqf("admin", "{\"op\":\"close\"}"), "poll_not_open");
	expect(reqf("admin", "{\"op\":\"open\"}"), NULL);
	expect(reqf("admin", "{\"op\":\"open\"}"), "poll_open");

	/* 50 check-ins. */
	char *tok[50];
	for (int i = 0; i < 50; i++) {
		char id[16];
		snprintf(id, sizeof id, "V%04d", i + 1);
		tok[i] = checkin(id);
		cr_assert_eq(strlen(tok[i]), 32);
	}
	json_t *st = reqf("operator", "{\"op\":\"status\"}");
	cr_assert_eq(json_integer_value(json_object_get(st, "checked_in")), 50);
	cr_assert_eq(json_integer_value(json_object_get(st, "roll_rows")), 62);
	json_decref(st);

	/* Booth: fetch the ballot (labels from the manifest). */
	json_t *b = reqf("booth", "{\"op\":\"ballot\",\"token\":\"%s\"}", tok[0]);
	cr_assert_null(td_err(b));
	json_t *c0 = json_array_get(json_object_get(json_object_get(b, "ballot"), "contests"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(c0, "title_zh")), "主任");
	cr_assert_str_eq(json_string_value(json_object_get(c0, "title_en")), "Director");
	cr_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(json_object_get(c0, "options"), 0), "label_zh")),
	                 "王芳");
	json_decref(b);

	/* Voter 0 challenges once, then marks again and casts. */
	json_t *en = reqf(
	    "booth", "{\"op\":\"encrypt\",\"token\":\"%s\",\"marks\":[[0,1],[1,0,0,0,0]]}", tok[0]);
	cr_assert_null(td_err(en));
	char chcode[65];
	snprintf(chcode, sizeof chcode, "%s",
	         json_string_value(json_object_get(en, "tracking_code")));
	json_decref(en);
	json_t *ch =
	    reqf("booth", "{\"op\":\"challenge\",\"token\":\"%s\",\"tracking_code\":\"%s\"}",
	         tok[0], chcode);
	cr_assert_null(td_err(ch));
	json_t *om = json_object_get(json_object_get(ch, "opening"), "marks");
	cr_assert_eq(json_integer_value(json_array_get(json_array_get(om, 0), 1)), 1);
	json_decref(ch);
	/* The challenged code cannot be cast. */
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"tracking_code\":\"%s\"}", tok[0],
	            chcode),
	       "no_pending");
	en = reqf("booth", "{\"op\":\"encrypt\",\"token\":\"%s\",\"marks\":[[1,0],[1,1,0,0,1]]}",
	          tok[0]);
	cr_assert_null(td_err(en));
	char code0[65];
	snprintf(code0, sizeof code0, "%s",
	         json_string_value(json_object_get(en, "tracking_code")));
	json_decref(en);

	char *codes[50];
	json_t *rc = reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"tracking_code\":\"%s\"}",
	                  tok[0], code0);
	cr_assert_null(td_err(rc));
	cr_assert_str_eq(json_string_value(json_object_get(rc, "tracking_code")), code0);
	char *receipt_cp = strdup(json_string_value(json_object_get(rc, "checkpoint")));
	codes[0] = strdup(code0);
	json_decref(rc);

	/* Marks per voter: voter 0 above = variant 0. */
	int director[2] = {1, 0};
	for (int i = 1; i < 50; i++) {
		char *m = td_marks_json(i);
		rc = reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":%s}", tok[i], m);
		free(m);
		cr_assert_null(td_err(rc), "cast %d", i);
		codes[i] = strdup(json_string_value(json_object_get(rc, "tracking_code")));
		json_decref(rc);
		if (i % 4 == 0 || i % 4 == 3)
			director[0]++;
		if (i % 4 == 1)
			director[1]++;
	}
	/* Refusals at the booth. */
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[1,0],[0,0,0,0,0]]}",
	            tok[1]),
	       "token_spent");
	expect(reqf("booth", "{\"op\":\"ballot\",\"token\":\"%s\"}", tok[1]), "token_spent");
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"00112233445566778899aabbccddeeff\","
	                     "\"marks\":[[1,0],[0,0,0,0,0]]}"),
	       "token_invalid");

	/* Close; nothing more after it. */
	char *t51 = checkin("V0051");
	json_t *cl = reqf("admin", "{\"op\":\"close\"}");
	cr_assert_null(td_err(cl));
	cr_assert_eq(json_integer_value(json_object_get(cl, "cast")), 50);
	json_decref(cl);
	expect(
	    reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[1,0],[0,0,0,0,0]]}", t51),
	    "poll_closed");
	expect(reqf("operator", "{\"op\":\"checkin\",\"voter\":\"V0052\"}"), "poll_closed");
	expect(reqf("admin", "{\"op\":\"close\"}"), "poll_closed");
	expect(reqf("admin", "{\"op\":\"open\"}"), "poll_closed");

	/* Export and verify the record. */
	json_t *ex = reqf("admin", "{\"op\":\"export\"}");
	cr_assert_null(td_err(ex));
	const char *path = json_string_value(json_object_get(ex, "path"));
	size_t rlen;
	char *bytes = test_read_file(path, &rlen);
	cr_assert_not_null(bytes);
	json_t *rec = json_loads(bytes, 0, NULL);
	cr_assert_not_null(rec);

	/* Signature (P-7.2) under the log key named in the record. */
	note_verifier vk;
	const char *vks = json_string_value(json_object_get(json_object_get(rec, "log"), "vkey"));
	cr_assert_eq(note_verifier_parse(&vk, vks, strlen(vks)), Q_OK);
	size_t siglen;
	uint8_t *sig = b64d(json_string_value(json_object_get(ex, "signature")), &siglen);
	cr_assert_eq(siglen, SIG_LEN);
	/* P-7.2: the signed message is tag || SHA-256(record bytes),
	 * assembled here from the spec's words */
	const char *tag = "quorum/v1/station-record-sha256\n";
	size_t gl = strlen(tag);
	uint8_t *msg = malloc(gl + 32);
	memcpy(msg, tag, gl);
	sha256(msg + gl, bytes, rlen);
	cr_assert_eq(sig_verify(vk.pk, msg, gl + 32, sig), Q_OK);
	msg[gl + 10] ^= 1; /* a flipped byte must fail */
	cr_assert_eq(sig_verify(vk.pk, msg, gl + 32, sig), Q_ERR_SIGNATURE);
	free(msg);
	free(sig);

	/* P-7.5: `quorum-ballot export` writes the record's exact bytes, to a
	 * FILE and to stdout; an independent implementation of P-7.1 (Python's
	 * json and hashlib, tests/integration/station_record_bytes.py) rebuilds
	 * them from the parsed content and their SHA-256 from the stored file */
	{
		char ecmd[2400];
		snprintf(ecmd, sizeof ecmd,
		         "%s/voter/quorum-ballot --state %s export %s/exported.json > /dev/null && "
		         "%s/voter/quorum-ballot --state %s export > %s/stdout.json 2>/dev/null && "
		         "cmp %s/exported.json %s && cmp %s/stdout.json %s && "
		         "python3 %s/tests/integration/station_record_bytes.py %s/exported.json %s",
		         getenv("QUORUM_BUILD_ROOT"), d.state, d.dir, getenv("QUORUM_BUILD_ROOT"),
		         d.state, d.dir, d.dir, path, d.dir, path, getenv("QUORUM_SOURCE_ROOT"),
		         d.dir, path);
		int erc = system(ecmd);
		cr_assert(WIFEXITED(erc) && WEXITSTATUS(erc) == 0, "%s", ecmd);
	}

	json_t *counts = json_object_get(rec, "counts");
	cr_assert_eq(json_integer_value(json_object_get(counts, "cast")), 50);
	cr_assert_eq(json_integer_value(json_object_get(counts, "challenged")), 1);
	cr_assert_eq(json_integer_value(json_object_get(counts, "issued")), 51);
	/* P-7: the roll ids checked in, sorted, one per ballot issued */
	json_t *ci = json_object_get(rec, "checked_in");
	cr_assert_eq(json_array_size(ci), 51);
	for (int k = 0; k < 51; k++) {
		char id[16];
		snprintf(id, sizeof id, "V%04d", k + 1);
		cr_assert_str_eq(json_string_value(json_array_get(ci, (size_t)k)), id);
	}

	/* Every ballot: decodes, proofs verify, tracking code matches, every
	 * receipt is there; the director totals decrypt to what was marked. */
	uint8_t Kenc[POINT_LEN];
	point *K = NULL;
	ballot_style *sty = test_style(Kenc, &K);
	char bhx[65];
	hex_encode(bhx, sty->base_hash, 32);
	cr_assert_str_eq(json_string_value(json_object_get(rec, "base_hash")), bhx);
	json_t *ballots = json_object_get(rec, "ballots");
	cr_assert_eq(json_array_size(ballots), 50);
	elgamal_ct *sum[2] = {elgamal_ct_new(), elgamal_ct_new()};
	int seen[50] = {0};
	size_t i;
	json_t *bj;
	json_array_foreach(ballots, i, bj)
	{
		size_t n;
		uint8_t *enc = b64d(json_string_value(json_object_get(bj, "ballot")), &n);
		ballot *bb = NULL;
		char why[200];
		cr_assert_eq(ballot_decode(sty, enc, n, &bb), Q_OK);
		cr_assert_eq(ballot_verify(sty, K, NULL, bb, why, sizeof why), Q_OK, "%s", why);
		uint8_t code[32];
		char hx[65];
		ballot_tracking_code(code, sty, enc, n);
		hex_encode(hx, code, 32);
		cr_assert_str_eq(hx, json_string_value(json_object_get(bj, "tracking_code")));
		for (int k = 0; k < 50; k++)
			if (strcmp(codes[k], hx) == 0)
				seen[k]++;
		for (int k = 0; k < 2; k++)
			cr_assert_eq(elgamal_add(sum[k], sum[k], bb->contests[0].sel[k].ct), Q_OK);
		ballot_free(bb);
		free(enc);
	}
	for (int k = 0; k < 50; k++)
		cr_assert_eq(seen[k], 1, "receipt %d in the record %d times", k, seen[k]);
	scalar *s7 = scalar_new();
	point *mG = point_new();
	elgamal_dlog_table *dl = NULL;
	cr_assert_eq(scalar_set_u64(s7, 7), Q_OK);
	cr_assert_eq(elgamal_dlog_table_new(&dl, 100), Q_OK);
	for (int k = 0; k < 2; k++) {
		uint64_t m;
		cr_assert_eq(elgamal_decrypt_point(mG, sum[k], s7), Q_OK);
		cr_assert_eq(elgamal_dlog(dl, mG, &m), Q_OK);
		cr_assert_eq(m, (uint64_t)director[k], "director option %d: %llu != %d", k,
		             (unsigned long long)m, director[k]);
	}

	/* The challenged ballot: opening re-encrypts to it (B-7). */
	json_t *chs = json_object_get(rec, "challenged");
	cr_assert_eq(json_array_size(chs), 1);
	json_t *c1 = json_array_get(chs, 0);
	cr_assert_str_eq(json_string_value(json_object_get(c1, "tracking_code")), chcode);
	{
		size_t n, on;
		uint8_t *enc = b64d(json_string_value(json_object_get(c1, "ballot")), &n);
		uint8_t *op = b64d(json_string_value(json_object_get(c1, "opening")), &on);
		ballot *bb = NULL;
		ballot_opening *o = NULL;
		cr_assert_eq(ballot_decode(sty, enc, n, &bb), Q_OK);
		cr_assert_eq(ballot_opening_decode(sty, op, on, &o), Q_OK);
		cr_assert_eq(ballot_opening_check(sty, K, bb, o, NULL, 0), Q_OK);
		cr_assert_eq(o->marks[1], 1);
		cr_assert_eq(o->marks[2], 1);
		o->marks[1] = 0; /* a false opening must fail */
		cr_assert_eq(ballot_opening_check(sty, K, bb, o, NULL, 0), Q_ERR_PROOF);
		ballot_opening_free(o);
		ballot_free(bb);
		free(enc);
		free(op);
	}

	/* The log: verifies, holds each ballot exactly once, matches the
	 * record's checkpoint; the receipt's checkpoint verifies too. */
	cr_assert_eq(td_stop(&d), 0, "daemon did not exit cleanly (see its log)");
	char ld[400];
	snprintf(ld, sizeof ld, "%s/log", d.state);
	audit_log *lg = NULL;
	char lmsg[LOG_MSG_MAX];
	cr_assert_eq(log_open(ld, LOG_RDONLY, &lg, lmsg, sizeof lmsg), Q_OK, "%s", lmsg);
	uint64_t nent;
	cr_assert_eq(log_verify(lg, &nent, NULL), Q_OK, "%s", log_error(lg));
	json_t *lj = json_object_get(rec, "log");
	cr_assert_eq((uint64_t)json_integer_value(json_object_get(lj, "size")), nent);
	uint8_t *buf = malloc(MERKLE_MAX_ENTRY);
	int inlog[50] = {0}, nchal = 0;
	const char *ct = "quorum/v1/station/ballot-cast\n";
	for (uint64_t k = 0; k < nent; k++) {
		size_t len;
		cr_assert_eq(log_read_entry(lg, k, buf, &len), Q_OK);
		if (len > strlen(ct) && memcmp(buf, ct, strlen(ct)) == 0) {
			uint8_t code[32];
			char hx[65];
			ballot_tracking_code(code, sty, buf + strlen(ct), len - strlen(ct));
			hex_encode(hx, code, 32);
			for (int q = 0; q < 50; q++)
				if (strcmp(codes[q], hx) == 0)
					inlog[q]++;
		}
		if (len > 30 && memcmp(buf, "quorum/v1/station/ballot-challenged\n", 36) == 0)
			nchal++;
		/* No voter id ever appears in the log. */
		for (size_t q = 0; q + 5 <= len; q++)
			cr_assert(memcmp(buf + q, "V0001", 5) != 0, "voter id in log entry");
	}
	for (int q = 0; q < 50; q++)
		cr_assert_eq(inlog[q], 1, "ballot %d in the log %d times", q, inlog[q]);
	cr_assert_eq(nchal, 1);
	checkpoint cp;
	const char *note = json_string_value(json_object_get(lj, "checkpoint"));
	cr_assert_eq(checkpoint_open(&cp, note, strlen(note), &vk), Q_OK);
	cr_assert_eq(cp.size, nent);
	cr_assert_eq(checkpoint_open(&cp, receipt_cp, strlen(receipt_cp), &vk), Q_OK);
	cr_assert(cp.size >= 1 && cp.size <= nent);
	log_close(lg);

	free(buf);
	free(receipt_cp);
	free(t51);
	for (int k = 0; k < 50; k++) {
		free(tok[k]);
		free(codes[k]);
	}
	elgamal_ct_free(sum[0]);
	elgamal_ct_free(sum[1]);
	elgamal_dlog_table_free(dl);
	scalar_free(s7);
	point_free(mG);
	point_free(K);
	ballot_style_free(sty);
	json_decref(rec);
	json_decref(ex);
	free(bytes);
}

Test(ballotd_poll, every_refusal_is_named)
{
	td_setup(&d, 10);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	expect(reqf("admin", "{\"op\":\"import-roll\",\"path\":\"%s\"}", d.roll), NULL);
	expect(reqf("admin", "{\"op\":\"open\"}"), NULL);
	expect(reqf("operator", "{\"op\":\"checkin\",\"voter\":\"NOBODY\"}"), "not_on_roll");
	expect(reqf("operator", "{\"op\":\"lookup\",\"voter\":\"NOBODY\"}"), "not_on_roll");
	expect(reqf("operator", "{\"op\":\"checkin\",\"voter\":\"U0001\"}"), "under_18");
	expect(reqf("operator", "{\"op\":\"checkin\",\"voter\":\"W0001\"}"), "wrong_station");
	char *t = checkin("V0003");
	expect(reqf("operator", "{\"op\":\"checkin\",\"voter\":\"V0003\"}"), "already_voted");
	json_t *lk = reqf("operator", "{\"op\":\"lookup\",\"voter\":\"V0003\"}");
	cr_assert(json_is_true(json_object_get(json_object_get(lk, "voter"), "checked_in")));
	json_decref(lk);
	/* Refused marks: too many members, a 2, wrong shape. */
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[1,0],[1,1,1,1,0]]}", t),
	       "bad_marks");
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[2,0],[0,0,0,0,0]]}", t),
	       "bad_marks");
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[1,1],[0,0,0,0,0]]}", t),
	       "bad_marks");
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[1,0]]}", t),
	       "bad_marks");
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"xyz\",\"marks\":[[1,0],[0,0,0,0,0]]}"),
	       "bad_request");
	/* Still castable after all that; then spent. */
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[0,0],[0,0,0,0,0]]}", t),
	       NULL);
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[0,0],[0,0,0,0,0]]}", t),
	       "token_spent");
	expect(
	    reqf("booth", "{\"op\":\"encrypt\",\"token\":\"%s\",\"marks\":[[0,0],[0,0,0,0,0]]}", t),
	    "token_spent");
	expect(reqf("admin", "{\"op\":\"export\"}"), "poll_not_closed");
	expect(reqf("admin", "{\"op\":\"close\"}"), NULL);
	expect(reqf("operator", "{\"op\":\"checkin\",\"voter\":\"V0004\"}"), "poll_closed");
	/* The console prints a clear message for a refusal. */
	char cmd[1200];
	const char *root = getenv("QUORUM_BUILD_ROOT");
	snprintf(cmd, sizeof cmd, "%s/voter/quorum-ballot --state %s checkin V0005 > %s/out.txt",
	         root, d.state, d.dir);
	int rc = system(cmd);
	cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 1);
	char p[400];
	snprintf(p, sizeof p, "%s/out.txt", d.dir);
	char *out = test_read_file(p, NULL);
	cr_assert(strstr(out, "POLL CLOSED") != NULL, "%s", out);
	free(out);
	cr_assert_eq(td_stop(&d), 0);
	free(t);
}

/* The booth console: shows the ballot in both languages, takes marks,
 * confirms, challenges once, marks again, casts and prints the receipt. */
Test(ballotd_poll, booth_console)
{
	td_setup(&d, 5);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	expect(reqf("admin", "{\"op\":\"import-roll\",\"path\":\"%s\"}", d.roll), NULL);
	expect(reqf("admin", "{\"op\":\"open\"}"), NULL);
	char *t = checkin("V0002");
	char in[400], out[400], cmd[1500];
	snprintf(in, sizeof in, "%s/in.txt", d.dir);
	snprintf(out, sizeof out, "%s/out.txt", d.dir);
	/* director: 1; members: 9 (invalid), then 1 3; confirm; challenge;
	 * director: 2; members: none; decline; director 2, members 2; confirm;
	 * cast. */
	char script[300];
	snprintf(script, sizeof script, "%s\n1\n9\n1 3\ny\nchallenge\n2\n\nn\n2\n2\ny\ncast\n", t);
	cr_assert_eq(test_write_file(in, script, strlen(script)), 0);
	snprintf(cmd, sizeof cmd, "%s/voter/quorum-ballot --state %s booth < %s > %s",
	         getenv("QUORUM_BUILD_ROOT"), d.state, in, out);
	int rc = system(cmd);
	char *o = test_read_file(out, NULL);
	cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "%s", o);
	cr_assert(strstr(o, "主任 / Director") != NULL, "%s", o);
	cr_assert(strstr(o, "王芳") != NULL, "%s", o);
	cr_assert(strstr(o, "invalid choice") != NULL, "%s", o);
	cr_assert(strstr(o, "will NOT be counted") != NULL, "%s", o);
	cr_assert(strstr(o, "RECEIPT") != NULL, "%s", o);
	free(o);
	json_t *st = reqf("operator", "{\"op\":\"status\"}");
	cr_assert_eq(json_integer_value(json_object_get(st, "cast")), 1);
	cr_assert_eq(json_integer_value(json_object_get(st, "challenged")), 1);
	json_decref(st);
	/* The token is spent now: the console says so. */
	snprintf(script, sizeof script, "%s\n", t);
	cr_assert_eq(test_write_file(in, script, strlen(script)), 0);
	snprintf(cmd, sizeof cmd, "%s/voter/quorum-ballot --state %s booth < %s > %s",
	         getenv("QUORUM_BUILD_ROOT"), d.state, in, out);
	rc = system(cmd);
	cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 1);
	o = test_read_file(out, NULL);
	cr_assert(strstr(o, "TOKEN SPENT") != NULL, "%s", o);
	free(o);
	free(t);
	cr_assert_eq(td_stop(&d), 0);
}

/* Replace the first occurrence of from by to in the file at path. */
static char *edit_roll(const char *path, const char *from, const char *to, size_t *len)
{
	size_t n;
	char *csv = test_read_file(path, &n);
	cr_assert_not_null(csv);
	char *at = strstr(csv, from);
	cr_assert_not_null(at, "%s not in the roll", from);
	size_t fl = strlen(from), tl = strlen(to), off = (size_t)(at - csv);
	char *out = malloc(n - fl + tl + 1);
	memcpy(out, csv, off);
	memcpy(out + off, to, tl);
	memcpy(out + off + tl, csv + off + fl, n - off - fl);
	*len = n - fl + tl;
	out[*len] = '\0';
	free(csv);
	return out;
}

/* The roll-imported entries of the station's log (P-6), their payloads
 * joined. */
static char *roll_entries(int *count)
{
	char ld[400], lmsg[LOG_MSG_MAX];
	audit_log *lg = NULL;
	const char *tag = "quorum/v1/station/roll-imported\n";
	uint8_t *buf = malloc(MERKLE_MAX_ENTRY);
	char *all = calloc(1, 4096);
	snprintf(ld, sizeof ld, "%s/log", d.state);
	cr_assert_eq(log_open(ld, LOG_RDONLY, &lg, lmsg, sizeof lmsg), Q_OK, "%s", lmsg);
	*count = 0;
	for (uint64_t k = 0; k < log_size(lg); k++) {
		size_t len;
		cr_assert_eq(log_read_entry(lg, k, buf, &len), Q_OK);
		if (len > strlen(tag) && memcmp(buf, tag, strlen(tag)) == 0) {
			(*count)++;
			strncat(all, (char *)buf + strlen(tag), len - strlen(tag));
		}
	}
	log_close(lg);
	free(buf);
	return all;
}

/* Issue 21: the station imports only the election's roll (P-6.1).  A roll
 * with one minor's birth date moved (so that they would be eligible) is
 * refused at import, naming both hashes; nothing is logged or stored.  A
 * state whose stored roll is not the election's does not start. */
Test(ballotd_poll, only_the_elections_roll_is_imported)
{
	td_setup(&d, 10);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	size_t len;
	char alt[400];
	char *csv = edit_roll(d.roll, "U0001,Young,2010-01-01", "U0001,Young,2000-01-01", &len);
	snprintf(alt, sizeof alt, "%s/altered.csv", d.dir);
	cr_assert_eq(test_write_file(alt, csv, len), 0);
	uint8_t h[32];
	char have[65], want[65];
	sha256(h, csv, len);
	hex_encode(have, h, 32);
	size_t gl;
	char *good = test_read_file(d.roll, &gl);
	sha256(h, good, gl);
	hex_encode(want, h, 32);
	free(good);

	json_t *r = reqf("admin", "{\"op\":\"import-roll\",\"path\":\"%s\"}", alt);
	const char *m = json_string_value(json_object_get(json_object_get(r, "error"), "message"));
	cr_assert_str_eq(td_err(r), "roll_mismatch");
	cr_assert(m != NULL && strstr(m, have) != NULL && strstr(m, want) != NULL,
	          "both hashes named: %s", m);
	json_decref(r);
	/* nothing imported, nothing logged */
	expect(reqf("admin", "{\"op\":\"open\"}"), "no_roll");
	int nroll;
	char *ents = roll_entries(&nroll);
	cr_assert_eq(nroll, 0, "%s", ents);
	free(ents);
	/* the console names it too */
	char cmd[1500], out[400];
	snprintf(out, sizeof out, "%s/out.txt", d.dir);
	snprintf(cmd, sizeof cmd, "%s/voter/quorum-ballot --state %s import-roll %s > %s",
	         getenv("QUORUM_BUILD_ROOT"), d.state, alt, out);
	int rc = system(cmd);
	char *o = test_read_file(out, NULL);
	cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 1, "%s", o);
	cr_assert(strstr(o, "WRONG ROLL") != NULL && strstr(o, have) != NULL &&
	              strstr(o, want) != NULL,
	          "%s", o);
	free(o);

	/* the election's roll: imported, logged once with its hash */
	expect(reqf("admin", "{\"op\":\"import-roll\",\"path\":\"%s\"}", d.roll), NULL);
	ents = roll_entries(&nroll);
	cr_assert_eq(nroll, 1);
	cr_assert(strstr(ents, want) != NULL, "%s", ents);
	free(ents);
	cr_assert_eq(td_stop(&d), 0);

	/* the election directory now names another roll: the stored roll is
	 * refused at start, both hashes named */
	td_set_roll_hash(&d, csv, len);
	int status = 0;
	cr_assert_eq(td_start(&d, "station passphrase", &status), -1,
	             "started with another election's roll");
	char *log = test_read_file(d.log, NULL);
	cr_assert(strstr(log, "is not the election's roll") != NULL && strstr(log, have) != NULL &&
	              strstr(log, want) != NULL,
	          "%s", log);
	free(log);
	free(csv);
}

/* P-7 checked_in: sorted whatever the check-in order; a voter represented
 * by a written proxy is listed under their own id (one ballot issued in
 * their name), the holder only if they were checked in for themselves. */
Test(ballotd_poll, checked_in_list_sorted_and_proxies)
{
	td_setup(&d, 12);
	size_t len;
	char *csv = edit_roll(d.roll, "V0010,Voter 10,1980-05-11,H010,g1,\n",
	                      "V0010,Voter 10,1980-05-11,H010,g1,proxy=V0011\n", &len);
	cr_assert_eq(test_write_file(d.roll, csv, len), 0);
	td_set_roll_hash(&d, csv, len);
	free(csv);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	expect(reqf("admin", "{\"op\":\"import-roll\",\"path\":\"%s\"}", d.roll), NULL);
	expect(reqf("admin", "{\"op\":\"open\"}"), NULL);
	char *t[3];
	t[0] = checkin("V0012");
	json_t *r =
	    reqf("operator", "{\"op\":\"checkin\",\"voter\":\"V0010\",\"proxy\":\"V0011\"}");
	cr_assert_null(td_err(r));
	t[1] = strdup(json_string_value(json_object_get(r, "token")));
	json_decref(r);
	t[2] = checkin("V0007");
	for (int i = 0; i < 3; i++) {
		char *mk = td_marks_json(i);
		expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":%s}", t[i], mk),
		       NULL);
		free(mk);
		free(t[i]);
	}
	expect(reqf("admin", "{\"op\":\"close\"}"), NULL);
	json_t *ex = reqf("admin", "{\"op\":\"export\"}");
	cr_assert_null(td_err(ex));
	json_t *rec = json_object_get(ex, "record");
	cr_assert_str_eq(json_string_value(json_object_get(rec, "format")),
	                 "quorum-station-record/2.1");
	char *got = json_dumps(json_object_get(rec, "checked_in"), JSON_COMPACT);
	cr_assert_str_eq(got, "[\"V0007\",\"V0010\",\"V0012\"]");
	free(got);
	/* P-7.6: the published list of proxy check-ins: the principal and the
	 * holder who presented the written proxy */
	got = json_dumps(json_object_get(rec, "proxies"), JSON_COMPACT | JSON_SORT_KEYS);
	cr_assert_str_eq(got, "[{\"principal\":\"V0010\",\"proxy\":\"V0011\"}]");
	free(got);
	json_decref(ex);
	cr_assert_eq(td_stop(&d), 0);
}

/* RP-6: how many principals one proxy may hold is the election's
 * profiles' "limit" (here the province's proxy-limit row), not a constant:
 * the same roll (V0011 holds three written proxies) and the same check-in
 * are accepted under limit 3 and refused under limit 2. */
static const char *proxy_checkin_under(int limit, char *msg, size_t msglen)
{
	static const char *const principals[3][2] = {
	    {"V0009,Voter 9,1980-05-10,H009,g2,\n",
	     "V0009,Voter 9,1980-05-10,H009,g2,proxy=V0011\n"},
	    {"V0010,Voter 10,1980-05-11,H010,g1,\n",
	     "V0010,Voter 10,1980-05-11,H010,g1,proxy=V0011\n"},
	    {"V0012,Voter 12,1980-05-13,H012,g1,\n",
	     "V0012,Voter 12,1980-05-13,H012,g1,proxy=V0011\n"}};
	static char code[64];
	char path[400];
	size_t len;
	td_kill(&d);
	if (d.dir[0] != '\0')
		test_rmtree(d.dir);
	td_setup(&d, 12);
	for (int i = 0; i < 3; i++) {
		char *csv = edit_roll(d.roll, principals[i][0], principals[i][1], &len);
		cr_assert_eq(test_write_file(d.roll, csv, len), 0);
		if (i == 2)
			td_set_roll_hash(&d, csv, len);
		free(csv);
	}
	/* the election names the example province, whose proxy-limit row
	 * is given with `limit` */
	snprintf(path, sizeof path, "%s/manifest.json", d.el);
	char *mt = edit_roll(path, "\"charter\": \"CH1\",",
	                     "\"charter\": \"CH1\", \"province\": \"EXAMPLE-PROVINCE\",", &len);
	cr_assert_eq(test_write_file(path, mt, len), 0);
	free(mt);
	const char *const *names;
	const unsigned char *const *bytes;
	const size_t *lens;
	size_t n;
	char *prov = NULL;
	rulebook_builtin_files(&n, &names, &bytes, &lens);
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], "EXAMPLE-PROVINCE.json") == 0) {
			cr_assert_not_null(prov = calloc(1, lens[i] + 1));
			memcpy(prov, bytes[i], lens[i]);
		}
	cr_assert_not_null(prov);
	char *at = strstr(prov, "\"limit\": 3");
	cr_assert_not_null(at);
	at[9] = (char)('0' + limit);
	const char *nm[1] = {"EXAMPLE-PROVINCE.json"}, *tx[1] = {prov};
	td_set_profiles(&d, nm, tx, 1);
	free(prov);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	expect(reqf("admin", "{\"op\":\"import-roll\",\"path\":\"%s\"}", d.roll), NULL);
	expect(reqf("admin", "{\"op\":\"open\"}"), NULL);
	json_t *r =
	    reqf("operator", "{\"op\":\"checkin\",\"voter\":\"V0010\",\"proxy\":\"V0011\"}");
	const char *e = td_err(r);
	snprintf(code, sizeof code, "%s", e != NULL ? e : "ok");
	const char *m = json_string_value(json_object_get(json_object_get(r, "error"), "message"));
	snprintf(msg, msglen, "%s", m != NULL ? m : "");
	json_decref(r);
	cr_assert_eq(td_stop(&d), 0);
	return code;
}

Test(ballotd_poll, proxy_limit_taken_from_the_profiles)
{
	char msg[300];
	const char *c = proxy_checkin_under(3, msg, sizeof msg);
	cr_expect_str_eq(c, "ok", "limit 3: %s", msg);
	c = proxy_checkin_under(2, msg, sizeof msg);
	cr_expect_str_eq(c, "proxy_refused", "limit 2: %s", msg);
	cr_expect(strstr(msg, "holds 3 proxies; at most 2") != NULL, "%s", msg);
}

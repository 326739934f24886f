/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_stream.c -- the tally reads each station record once, in bounded
 * memory (docs/spec/record.md ): ballots verified a window at a
 * time, tracking codes and alphas compared through external sorts.  The
 * faults that only the streaming can get wrong, each refused with the
 * error naming it and nothing written: a ballot twice whose two copies
 * land in different sorted runs, a truncated record, a bad last ballot in
 * a later window than the first, a record ballot missing from the log.
 * The small windows and sort buffers (tally_build_limits) make a few
 * dozen ballots span many windows and runs.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/merkle.h"
#include "audit/note.h"
#include "crypto/sig.h"
#include "crypto/util.h"
#include "election/srec.h"
#include "election/srec_stream.h"
#include "fixture.h"
#include "tally/count.h"
#include "testutil.h"
#include "tmpsuite.h"

TEST_TMP_DIR

TEST_TMP_SUITE(stream);

static const uint8_t marks[FX_NOPT] = {1, 0, 1, 1, 1, 0, 0};

/* windows of 4 ballots, sorts of 4 KiB (102 items a run) */
static const tally_limits small = {4, 4096};

static rec_election *ready(void)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 3, 5, NULL);
	fx_ceremony(el, tmp, "e");
	return el;
}

static qerr build_small(const rec_election *el, char *msg, size_t msgsz)
{
	tally_opts o = {2, 0};
	json_t *aj = NULL;
	qerr e = tally_build_limits(el, &o, &small, &aj, msg, msgsz);
	json_decref(aj);
	return e;
}

/* tally_run (default bounds) refuses the record too, and writes nothing:
 * no aggregate, no write-in input, no tally entry in the election log. */
static void refused_nothing_written(rec_election *el, qerr want)
{
	char msg[768] = "", p[1200];
	tally_opts o = {2, 0};
	struct stat st;
	qerr e = tally_run(el, &o, msg, sizeof msg);
	cr_assert_eq(e, want, "tally_run: %s: %s", qerr_str(e), msg);
	snprintf(p, sizeof p, "%s/tally", el->dir);
	cr_assert(stat(p, &st) != 0, "nothing written: %s exists", p);
}

static void code_hex(const rec_election *el, const uint8_t *enc, size_t len, char *hx)
{
	ballot_style *st = NULL;
	uint8_t code[BALLOT_CODE_LEN];
	char msg[256];
	cr_assert_eq(rec_ballot_style(el, &st, msg, sizeof msg), Q_OK, "%s", msg);
	ballot_tracking_code(code, st, enc, len);
	hex_encode(hx, code, BALLOT_CODE_LEN);
	ballot_style_free(st);
}

/* A test's election and the n ballots' bytes it encrypted. */
static void station_free(rec_election *el, uint8_t **enc, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(enc[i]);
	rec_free(el);
}

/* srec_stream_tee: what a second hash of the record is fed (V-12 (2)). */
typedef struct teebuf {
	uint8_t *p;
	size_t n, calls;
} teebuf;

static void tee_cb(void *ctx, const uint8_t *b, size_t n)
{
	teebuf *t = ctx;
	t->p = realloc(t->p, t->n + n);
	cr_assert_not_null(t->p);
	memcpy(t->p + t->n, b, n);
	t->n += n;
	t->calls++;
}

/* Read path through (entries skipped); the tee set after `after` entries. */
static size_t tee_read(const char *path, size_t after, teebuf *t)
{
	srec_stream *s = NULL;
	char why[256] = "";
	size_t nb = 0;
	int end = 0;
	cr_assert_eq(srec_stream_open(&s, path, 0, why, sizeof why), Q_OK, "%s", why);
	for (size_t i = 0; i < after; i++)
		cr_assert_eq(srec_stream_skip(s, &end, why, sizeof why), Q_OK, "%s", why);
	srec_stream_tee(s, tee_cb, t);
	while (!end)
		cr_assert_eq(srec_stream_skip(s, &end, why, sizeof why), Q_OK, "%s", why);
	cr_assert_eq(srec_stream_finish(s, NULL, NULL, &nb, why, sizeof why), Q_OK, "%s", why);
	srec_stream_free(s);
	return nb;
}

Test(stream, tee_is_given_every_byte_read_once_in_order)
{
	/* 24,000 entries (~2.7 MB: several 1 MiB reads) */
	const char *ent = "{\"ballot\":\"AAAA\",\"tracking_code\":\""
	                  "00000000000000000000000000000000"
	                  "00000000000000000000000000000000\"}";
	size_t el = strlen(ent), cap = 24000 * (el + 1) + 64, len = 0;
	char *text = malloc(cap), p[1200];
	cr_assert_not_null(text);
	len += (size_t)snprintf(text, cap, "{\"ballots\":[");
	for (size_t i = 0; i < 24000; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s%s", i ? "," : "", ent);
	len += (size_t)snprintf(text + len, cap - len, "],\"cast\":24000}\n");
	snprintf(p, sizeof p, "%s/rec.json", tmp);
	cr_assert_eq(test_write_file(p, text, len), 0);
	teebuf t = {NULL, 0, 0};
	cr_assert_eq(tee_read(p, 0, &t), 24000);
	cr_assert_gt(t.calls, 1, "one piece: the test reads too little");
	cr_assert_eq(t.n, len, "the tee was given %zu bytes of %zu", t.n, len);
	cr_assert(memcmp(t.p, text, len) == 0, "the tee was given other bytes");
	/* set once reading began: ignored (it would miss the first bytes) */
	teebuf late = {NULL, 0, 0};
	cr_assert_eq(tee_read(p, 1, &late), 24000);
	cr_assert_eq(late.n, 0, "a tee set late was given %zu bytes", late.n);
	free(t.p);
	free(late.p);
	free(text);
}

Test(stream, ballot_twice_across_sorted_runs_is_refused)
{
	/* 110 cast ballots at s1 fill more than one sorted run of codes (102
	 * a run); s2 casts s1's ballot again, so the two copies meet only
	 * when the runs are merged */
	enum { N = 110 };
	rec_election *el = ready();
	uint8_t *enc[N];
	size_t len[N];
	char msg[768] = "", hx[2 * BALLOT_CODE_LEN + 1], want[300];
	for (size_t i = 0; i < N; i++)
		fx_encrypt(el, marks, &enc[i], &len[i]);
	fx_station(el, "s1", enc, len, N, N);
	fx_station(el, "s2", enc, len, 1, 1);
	code_hex(el, enc[0], len[0], hx);
	qerr e = build_small(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_EXISTS, "%s: %s", qerr_str(e), msg);
	snprintf(want, sizeof want, "ballot %s appears twice (stations s1 and s2)", hx);
	cr_assert(strstr(msg, want) != NULL, "%s not in: %s", want, msg);
	refused_nothing_written(el, Q_ERR_EXISTS);
	station_free(el, enc, N);
}

Test(stream, truncated_record_is_refused)
{
	enum { N = 12 };
	rec_election *el = ready();
	uint8_t *enc[N];
	size_t len[N], l;
	char msg[768] = "", p[1200];
	for (size_t i = 0; i < N; i++)
		fx_encrypt(el, marks, &enc[i], &len[i]);
	fx_station(el, "s1", enc, len, N, N);
	fx_station(el, "s2", enc + 1, len + 1, 1, 1);
	/* cut s1's record in the middle of its ballots */
	snprintf(p, sizeof p, "%s/stations/s1/station-record.json", el->dir);
	char *t = test_read_file(p, &l);
	cr_assert_eq(truncate(p, (off_t)(l / 2)), 0);
	free(t);
	qerr e = build_small(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_FORMAT, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg, "stations/s1/station-record.json: station record: ballots[") != NULL,
	          "%s", msg);
	cr_assert(strstr(msg, "is truncated or malformed") != NULL, "%s", msg);
	refused_nothing_written(el, Q_ERR_FORMAT);
	station_free(el, enc, N);
}

Test(stream, bad_last_ballot_is_named)
{
	/* a station whose last ballot (in tracking-code order, P-7.1) has a
	 * flipped byte in its last proof: read in windows of 4, it is in the
	 * fifth; refused, named by index and tracking code */
	enum { N = 20, TRIES = 4 };
	rec_election *el = ready();
	uint8_t *enc[N], *cand[TRIES];
	size_t len[N], clen[TRIES], best = 0;
	char msg[768] = "", hx[2 * BALLOT_CODE_LEN + 1], bx[2 * BALLOT_CODE_LEN + 1], want[300];
	for (size_t c = 0; c < TRIES; c++) {
		fx_encrypt(el, marks, &cand[c], &clen[c]);
		cand[c][clen[c] - 1] ^= 0x01;
		code_hex(el, cand[c], clen[c], hx);
		if (c == 0 || strcmp(hx, bx) > 0) {
			best = c;
			memcpy(bx, hx, sizeof bx);
		}
	}
	enc[N - 1] = cand[best];
	len[N - 1] = clen[best];
	for (size_t c = 0; c < TRIES; c++)
		if (c != best)
			free(cand[c]);
	for (size_t i = 0; i < N - 1;) { /* the others below it */
		fx_encrypt(el, marks, &enc[i], &len[i]);
		code_hex(el, enc[i], len[i], hx);
		if (strcmp(hx, bx) < 0)
			i++;
		else
			free(enc[i]);
	}
	fx_forged_station_marks(el, "s2", marks, 1, 1);
	fx_station(el, "s1", enc, len, N, N);
	qerr e = build_small(el, msg, sizeof msg);
	cr_assert_neq(e, Q_OK, "%s", msg);
	snprintf(want, sizeof want, "station s1, ballot %d (tracking code %s): ", N - 1, bx);
	cr_assert(strstr(msg, want) != NULL, "%s not in: %s", want, msg);
	cr_assert(strstr(msg, "a forged ballot is refused") != NULL, "%s", msg);
	refused_nothing_written(el, e);
	station_free(el, enc, N);
}

static int by_code(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	return strcmp(json_string_value(json_object_get(x, "tracking_code")),
	              json_string_value(json_object_get(y, "tracking_code")));
}

Test(stream, record_ballot_not_in_log_is_refused)
{
	/* an honest station turning dishonest after the poll: it swaps one
	 * cast ballot of its record for another (re-sorted, counts kept) and
	 * signs the record again with its own key; the log still holds the
	 * ballot it really cast */
	rec_election *el = ready();
	char msg[768] = "", kp[1200], p[1200], hx[2 * BALLOT_CODE_LEN + 1], want[300];
	size_t kl, nlen;
	uint8_t *nenc;
	note_signer ns;
	json_error_t je;
	uint8_t four[4 * FX_NOPT];
	for (size_t i = 0; i < 4; i++)
		memcpy(four + i * FX_NOPT, marks, FX_NOPT);
	snprintf(kp, sizeof kp, "%s/s1.key", tmp);
	fx_station_key_out = kp;
	fx_station_daemon(el, "s1", four, 3, 4, NULL, 0);
	fx_station_key_out = NULL;
	fx_station_marks(el, "s2", four, 1, 1);
	/* the swapped ballot */
	fx_encrypt(el, marks, &nenc, &nlen);
	code_hex(el, nenc, nlen, hx);
	snprintf(p, sizeof p, "%s/stations/s1/station-record.json", el->dir);
	json_t *r = json_load_file(p, JSON_REJECT_DUPLICATES, &je);
	cr_assert_not_null(r, "%s", je.text);
	json_t *arr = json_object_get(r, "ballots");
	cr_assert_eq(json_array_size(arr), 3);
	char *b64 = malloc(b64_encoded_len(nlen) + 1);
	b64_encode(b64, nenc, nlen);
	json_t *ent = json_pack("{s:s, s:s}", "ballot", b64, "tracking_code", hx);
	cr_assert_eq(json_array_set_new(arr, 1, ent), 0);
	{
		json_t *v[3];
		for (size_t i = 0; i < 3; i++)
			v[i] = json_incref(json_array_get(arr, i));
		qsort(v, 3, sizeof *v, by_code);
		json_array_clear(arr);
		for (size_t i = 0; i < 3; i++)
			cr_assert_eq(json_array_append_new(arr, v[i]), 0);
	}
	char *txt = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
	cr_assert_eq(test_write_file(p, txt, strlen(txt)), 0);
	/* signed again by the station's own key (P-7.2) */
	{
		char *k = test_read_file(kp, &kl);
		uint8_t m[SREC_SIG_MSG_LEN], sig[SIG_LEN];
		char sb[128], sp[1300];
		cr_assert_eq(note_signer_parse(&ns, k, kl), Q_OK);
		srec_sig_message(m, txt, strlen(txt));
		cr_assert_eq(sig_sign(sig, &ns.sk, m, sizeof m), Q_OK);
		b64_encode(sb, sig, SIG_LEN);
		snprintf(sb + strlen(sb), sizeof sb - strlen(sb), "\n");
		snprintf(sp, sizeof sp, "%s.sig", p);
		cr_assert_eq(test_write_file(sp, sb, strlen(sb)), 0);
		note_signer_wipe(&ns);
		free(k);
	}
	qerr e = build_small(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_CONSISTENCY, "%s: %s", qerr_str(e), msg);
	snprintf(want, sizeof want, "station s1: ballot %s of the record is not in the station log",
	         hx);
	cr_assert(strstr(msg, want) != NULL, "%s not in: %s", want, msg);
	refused_nothing_written(el, Q_ERR_CONSISTENCY);
	free(txt);
	free(b64);
	free(nenc);
	json_decref(r);
	rec_free(el);
}

Test(stream, result_does_not_depend_on_the_bounds)
{
	/* the same aggregate with windows of 1, 4 and the default, sorts of
	 * 4 KiB and the default */
	enum { N = 9 };
	rec_election *el = ready();
	uint8_t *enc[N];
	size_t len[N];
	char msg[768] = "";
	tally_opts o = {2, 0};
	const tally_limits lims[3] = {{1, 4096}, {4, 4096}, {0, 0}};
	char *dumps[3];
	for (size_t i = 0; i < N; i++)
		fx_encrypt(el, marks, &enc[i], &len[i]);
	fx_station(el, "s1", enc, len, 5, 5);
	fx_station(el, "s2", enc + 5, len + 5, 4, 4);
	for (size_t k = 0; k < 3; k++) {
		json_t *aj = NULL;
		cr_assert_eq(tally_build_limits(el, &o, &lims[k], &aj, msg, sizeof msg), Q_OK, "%s",
		             msg);
		dumps[k] = json_dumps(aj, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(aj);
	}
	cr_assert_str_eq(dumps[0], dumps[2]);
	cr_assert_str_eq(dumps[1], dumps[2]);
	for (size_t k = 0; k < 3; k++)
		free(dumps[k]);
	station_free(el, enc, N);
}

/* ---- the station log, verified and read in one pass (log_verify_visit) ---- */

/* Station s1's log file name (entries, leaves, checkpoints/<n>). */
static void log_file(const rec_election *el, const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/stations/s1/log/%s", el->dir, name);
}

/* Entry i of s1's log: its offset in entries (the data after the 2-byte
 * length) and its length; *n the number of entries. */
static void log_entry_at(const rec_election *el, uint64_t i, long *off, size_t *len, uint64_t *n)
{
	char lp[1200], ep[1200];
	size_t ll = 0, el_ = 0;
	log_file(el, "leaves", lp, sizeof lp);
	log_file(el, "entries", ep, sizeof ep);
	uint8_t *lv = (uint8_t *)test_read_file(lp, &ll), *en = (uint8_t *)test_read_file(ep, &el_);
	cr_assert(lv != NULL && en != NULL && ll % 40 == 0 && i < ll / 40);
	uint64_t o = 0;
	for (int k = 0; k < 8; k++)
		o = o << 8 | lv[i * 40 + (uint64_t)k];
	*off = (long)o + 2;
	*len = (size_t)en[o] << 8 | en[o + 1];
	*n = ll / 40;
	free(lv);
	free(en);
}

/* The index of the first entry of s1's log whose tag is tag. */
static uint64_t log_find(const rec_election *el, const char *tag)
{
	char ep[1200];
	uint64_t n = 1;
	for (uint64_t i = 0; i < n; i++) {
		long off;
		size_t len, tl = strlen(tag), got;
		log_entry_at(el, i, &off, &len, &n);
		log_file(el, "entries", ep, sizeof ep);
		char *en = test_read_file(ep, &got);
		int hit = len > tl && memcmp(en + off, tag, tl) == 0;
		free(en);
		if (hit)
			return i;
	}
	cr_assert_fail("no %s entry", tag);
	return 0;
}

static void flip_at(const char *path, long off)
{
	FILE *f = fopen(path, "r+b");
	cr_assert_not_null(f);
	cr_assert_eq(fseek(f, off, SEEK_SET), 0);
	int c = fgetc(f);
	cr_assert_eq(fseek(f, off, SEEK_SET), 0);
	fputc(c ^ 0x01, f);
	fclose(f);
}

static rec_election *one_station(size_t n, uint8_t **enc, size_t *len)
{
	rec_election *el = ready();
	for (size_t i = 0; i < n; i++)
		fx_encrypt(el, marks, &enc[i], &len[i]);
	fx_station(el, "s1", enc, len, n, n);
	fx_station(el, "s2", enc, len, 0, 0);
	return el;
}

/* A flipped byte in an entry of the log (a ballot cast, then the
 * poll-opened entry, whose content the read checks too): refused as
 * "its log does not verify", naming the entry, never with a fault of the
 * entry's changed content. */
Test(stream, flipped_log_entry_is_refused)
{
	enum { N = 6 };
	uint8_t *enc[N];
	size_t len[N];
	rec_election *el = one_station(N, enc, len);
	const char *tags[2] = {TALLY_ENTRY_CAST, SREC_ENTRY_OPENED};
	for (int t = 0; t < 2; t++) {
		char ep[1200], msg[768] = "", want[200];
		long off;
		size_t l;
		uint64_t n, i = log_find(el, tags[t]) + (t == 0 ? 2 : 0);
		log_entry_at(el, i, &off, &l, &n);
		cr_assert(i + 1 < n, "not the last entry (log_open checks that one)");
		log_file(el, "entries", ep, sizeof ep);
		flip_at(ep, off + (long)(t == 0 ? l / 2 : strlen(tags[t]) + 3));
		qerr e = build_small(el, msg, sizeof msg);
		cr_assert_eq(e, Q_ERR_CORRUPT, "%s: %s", qerr_str(e), msg);
		snprintf(want, sizeof want,
		         "station s1: its log does not verify: entries: entry %llu does not match "
		         "its leaf hash",
		         (unsigned long long)i);
		cr_assert(strstr(msg, want) != NULL, "%s not in: %s", want, msg);
		refused_nothing_written(el, Q_ERR_CORRUPT);
		flip_at(ep, off + (long)(t == 0 ? l / 2 : strlen(tags[t]) + 3));
	}
	char msg[768] = "";
	cr_assert_eq(build_small(el, msg, sizeof msg), Q_OK, "%s", msg);
	station_free(el, enc, N);
}

/* The log cut short (its last entries and leaves gone): refused when it is
 * opened (its checkpoint covers more); with its checkpoints gone too, the
 * shorter log verifies but is not the record's (log.size): refused as
 * before, not as a count of its cast entries. */
Test(stream, truncated_log_is_refused)
{
	enum { N = 6 };
	uint8_t *enc[N];
	size_t len[N];
	rec_election *el = one_station(N, enc, len);
	char ep[1200], lp[1200], cp[1200], msg[768] = "";
	long off;
	size_t l;
	uint64_t n, cut;
	log_entry_at(el, 0, &off, &l, &n);
	cut = n - 3;
	log_entry_at(el, cut, &off, &l, &n);
	log_file(el, "entries", ep, sizeof ep);
	log_file(el, "leaves", lp, sizeof lp);
	cr_assert_eq(truncate(ep, off - 2), 0);
	cr_assert_eq(truncate(lp, (off_t)(cut * 40)), 0);
	qerr e = build_small(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_CORRUPT, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg, "station s1: its log cannot be opened") != NULL, "%s", msg);
	snprintf(cp, sizeof cp, "%s/stations/s1/log/checkpoints/%llu", el->dir,
	         (unsigned long long)n);
	cr_assert_eq(unlink(cp), 0, "%s", cp);
	e = build_small(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_CONSISTENCY, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg, "station s1: the record's log size/root do not match its log") !=
	              NULL,
	          "%s", msg);
	refused_nothing_written(el, Q_ERR_CONSISTENCY);
	station_free(el, enc, N);
}

/* A log of the record's size whose root is not the record's: a ballot-cast
 * entry changed and its leaf hash with it, the log's own checkpoints
 * removed, so the log verifies on its own.  Refused on the root, before the
 * changed entry (a ballot the record does not hold) is looked at. */
Test(stream, log_of_another_root_is_refused)
{
	enum { N = 6 };
	uint8_t *enc[N];
	size_t len[N];
	rec_election *el = one_station(N, enc, len);
	char ep[1200], lp[1200], cp[1200], msg[768] = "";
	long off;
	size_t l, got;
	uint64_t n, i = log_find(el, TALLY_ENTRY_CAST) + 1;
	log_entry_at(el, i, &off, &l, &n);
	log_file(el, "entries", ep, sizeof ep);
	log_file(el, "leaves", lp, sizeof lp);
	flip_at(ep, off + (long)l / 2);
	char *en = test_read_file(ep, &got);
	merkle_hash h;
	merkle_leaf_hash(h, en + off, l);
	free(en);
	FILE *f = fopen(lp, "r+b");
	cr_assert_not_null(f);
	cr_assert_eq(fseek(f, (long)(i * 40 + 8), SEEK_SET), 0);
	cr_assert_eq(fwrite(h, 1, sizeof h, f), sizeof h);
	fclose(f);
	snprintf(cp, sizeof cp, "%s/stations/s1/log/checkpoints/%llu", el->dir,
	         (unsigned long long)n);
	cr_assert_eq(unlink(cp), 0, "%s", cp);
	qerr e = build_small(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_CONSISTENCY, "%s: %s", qerr_str(e), msg);
	cr_assert(strstr(msg, "station s1: the record's log size/root do not match its log") !=
	              NULL,
	          "%s", msg);
	refused_nothing_written(el, Q_ERR_CONSISTENCY);
	for (size_t i2 = 0; i2 < N; i2++)
		free(enc[i2]);
	rec_free(el);
}

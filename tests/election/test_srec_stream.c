/* SPDX-License-Identifier: GPL-3.0-or-later */
/* election/srec_stream.h: a station record read one ballot at a time
 * gives the same ballots, other members and SHA-256 as reading it whole;
 * must-fail: truncated, a second "ballots", an entry over the bound, bad
 * base64, trailing bytes -- each named. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sha256.h"
#include "crypto/util.h"
#include "election/srec_stream.h"
#include "testutil.h"

#define NB 2000

static char *dir;

static void setup(void)
{
	dir = test_tmpdir();
}

static void teardown(void)
{
	test_rmtree(dir);
	free(dir);
}

TestSuite(srec_stream, .init = setup, .fini = teardown);

/* A record with n ballots of ~600 bytes (ballot i's bytes are i-derived). */
static json_t *make_record(size_t n)
{
	json_t *r = json_object(), *arr = json_array(), *ci = json_array();
	for (size_t i = 0; i < n; i++) {
		uint8_t enc[600], code[32];
		char b64[1000], hx[65];
		for (size_t k = 0; k < sizeof enc; k++)
			enc[k] = (uint8_t)(i * 31 + k);
		sha256(code, enc, sizeof enc);
		b64_encode(b64, enc, sizeof enc);
		hex_encode(hx, code, sizeof code);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:I}", "ballot", b64,
		                                     "tracking_code", hx, "seq", (json_int_t)i));
	}
	json_array_append_new(ci, json_string("V0001"));
	json_object_set_new(r, "ballots", arr);
	json_object_set_new(r, "cast", json_integer((json_int_t)n));
	json_object_set_new(r, "checked_in", ci);
	json_object_set_new(r, "station", json_string("s\"1\\"));
	json_object_set_new(r, "format", json_string("quorum-station-record/1"));
	return r;
}

static char *write_text(const char *name, const char *text, size_t len)
{
	char *p = malloc(strlen(dir) + strlen(name) + 2);
	sprintf(p, "%s/%s", dir, name);
	cr_assert_eq(test_write_file(p, text, len), 0);
	return p;
}

static char *write_record(const json_t *r, size_t flags)
{
	char *t = json_dumps(r, flags), *p = write_text("rec.json", t, strlen(t));
	free(t);
	return p;
}

Test(srec_stream, same_as_whole_file)
{
	size_t flags[] = {JSON_INDENT(2) | JSON_SORT_KEYS, JSON_COMPACT, JSON_INDENT(1)};
	for (size_t fi = 0; fi < 3; fi++) {
		json_t *r = make_record(NB), *rest = NULL, *want;
		char *p = write_record(r, flags[fi]), why[256];
		size_t flen, nb = 0;
		char *bytes = test_read_file(p, &flen);
		uint8_t sha[32], want_sha[32];
		srec_stream *s = NULL;
		srec_ballot b;
		int end = 0;
		sha256(want_sha, bytes, flen);
		/* entries are ~1 KB: a 4 KB bound is enough and bounds memory */
		cr_assert_eq(srec_stream_open(&s, p, 4096, why, sizeof why), Q_OK, "%s", why);
		for (size_t i = 0;; i++) {
			const json_t *e;
			uint8_t enc[600];
			cr_assert_eq(srec_stream_next(s, &b, &end, why, sizeof why), Q_OK, "%s",
			             why);
			if (end)
				break;
			e = json_array_get(json_object_get(r, "ballots"), i);
			cr_assert_eq(b.index, i);
			cr_assert_eq(b.len, sizeof enc);
			for (size_t k = 0; k < sizeof enc; k++)
				enc[k] = (uint8_t)(i * 31 + k);
			cr_assert(memcmp(b.enc, enc, sizeof enc) == 0, "ballot %zu", i);
			{
				uint8_t code[32];
				cr_assert_eq(
				    hex_decode(
				        code, 32,
				        json_string_value(json_object_get(e, "tracking_code")), 64),
				    Q_OK);
				cr_assert(memcmp(code, b.code, 32) == 0);
			}
		}
		cr_assert_eq(srec_stream_next(s, &b, &end, why, sizeof why), Q_OK);
		cr_assert_eq(end, 1);
		cr_assert_eq(srec_stream_finish(s, &rest, sha, &nb, why, sizeof why), Q_OK, "%s",
		             why);
		cr_assert_eq(nb, NB);
		cr_assert(memcmp(sha, want_sha, 32) == 0, "SHA-256 of the file");
		want = json_deep_copy(r);
		json_object_del(want, "ballots");
		cr_assert(json_equal(rest, want), "the other members");
		json_decref(want);
		json_decref(rest);
		json_decref(r);
		srec_stream_free(s);
		free(bytes);
		free(p);
	}
}

/* Read to the first error; returns it and leaves the message in why. */
static qerr read_all(const char *text, size_t max_entry, char *why, size_t whylen)
{
	char *p = write_text("bad.json", text, strlen(text));
	srec_stream *s = NULL;
	srec_ballot b;
	int end = 0;
	qerr e = srec_stream_open(&s, p, max_entry, why, whylen);
	while (e == Q_OK && !end)
		e = srec_stream_next(s, &b, &end, why, whylen);
	if (e == Q_OK)
		e = srec_stream_finish(s, NULL, NULL, NULL, why, whylen);
	srec_stream_free(s);
	free(p);
	return e;
}

#define GOOD_ENTRY                                                                                 \
	"{\"ballot\": \"AAEC\", \"tracking_code\": \""                                             \
	"00000000000000000000000000000000000000000000000000000000000000ff\"}"

Test(srec_stream, small_records)
{
	char why[256];
	cr_assert_eq(read_all("{\"ballots\": []}", 0, why, sizeof why), Q_OK, "%s", why);
	cr_assert_eq(read_all("{\"a\": [1, {\"b\": \"]}\"}], \"ballots\": [" GOOD_ENTRY
	                      "], \"z\": null}\n",
	                      0, why, sizeof why),
	             Q_OK, "%s", why);
}

Test(srec_stream, malformed_records_are_named)
{
	static const struct {
		const char *text;
		size_t max;
		qerr e;
		const char *msg;
	} c[] = {
	    {"{\"ballots\": [" GOOD_ENTRY ", " GOOD_ENTRY, 0, Q_ERR_FORMAT, "ballots[2]"},
	    {"{\"ballots\": [" GOOD_ENTRY ", {\"ballot\": \"AAE", 0, Q_ERR_FORMAT,
	     "ballots[1] is truncated"},
	    {"{\"ballots\": [], \"x\": 1, \"ballots\": []}", 0, Q_ERR_FORMAT, "appears twice"},
	    {"{\"ballots\": [" GOOD_ENTRY ", " GOOD_ENTRY "]}", 40, Q_ERR_LIMIT,
	     "ballots[0] is longer than 40 bytes"},
	    {"{\"ballots\": [{\"ballot\": \"A!\", \"tracking_code\": \"00\"}]}", 0, Q_ERR_FORMAT,
	     "ballots[0]: bad base64"},
	    {"{\"ballots\": [5]}", 0, Q_ERR_FORMAT, "ballots[0] is not a JSON object"},
	    {"{\"ballots\": []} x", 0, Q_ERR_FORMAT, "bytes after"},
	    {"{\"cast\": 1}", 0, Q_ERR_FORMAT, "no \"ballots\""},
	    {"{\"ballots\": [], \"cast\": 1, \"cast\": 2}", 0, Q_ERR_FORMAT, "duplicate"},
	    {"[]", 0, Q_ERR_FORMAT, "not a JSON object"},
	};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		char why[256] = "";
		qerr e = read_all(c[i].text, c[i].max, why, sizeof why);
		cr_assert_eq(e, c[i].e, "case %zu: %s (%s)", i, qerr_str(e), why);
		cr_assert(strstr(why, c[i].msg) != NULL, "case %zu: %s", i, why);
	}
}

/* A bad entry inside sound JSON is that entry's fault alone: it is named
 * (bad = 1, its index), and the next call reads the next entry; the hash
 * and the count cover every entry.  skip reads the same record without
 * parsing the entries, to the same hash. */
Test(srec_stream, bad_entry_then_the_next)
{
	static const char text[] = "{\"ballots\": [" GOOD_ENTRY ", {\"ballot\": \"A!\", "
	                           "\"tracking_code\": \"00\"}, [7], " GOOD_ENTRY "], \"z\": 1}";
	char *p = write_text("mixed.json", text, strlen(text)), why[256] = "";
	srec_stream *s = NULL;
	srec_ballot b;
	int end = 0;
	uint8_t sha[32], sha2[32], want[32];
	size_t nb = 0;
	sha256(want, text, strlen(text));
	cr_assert_eq(srec_stream_open(&s, p, 0, why, sizeof why), Q_OK);
	cr_assert_eq(srec_stream_next(s, &b, &end, why, sizeof why), Q_OK, "%s", why);
	cr_assert_eq(b.index, 0);
	cr_assert_eq(b.bad, 0);
	cr_assert_eq(srec_stream_next(s, &b, &end, why, sizeof why), Q_ERR_FORMAT);
	cr_assert(b.bad && b.index == 1 && b.enc == NULL);
	cr_assert(strstr(why, "ballots[1]: bad base64") != NULL, "%s", why);
	cr_assert_eq(srec_stream_next(s, &b, &end, why, sizeof why), Q_ERR_FORMAT);
	cr_assert(b.bad && b.index == 2);
	cr_assert(strstr(why, "ballots[2] is not a JSON object") != NULL, "%s", why);
	cr_assert_eq(srec_stream_next(s, &b, &end, why, sizeof why), Q_OK, "%s", why);
	cr_assert(!b.bad && b.index == 3 && b.len == 3 && !end);
	cr_assert_eq(srec_stream_next(s, &b, &end, why, sizeof why), Q_OK);
	cr_assert_eq(end, 1);
	cr_assert_eq(srec_stream_finish(s, NULL, sha, &nb, why, sizeof why), Q_OK, "%s", why);
	cr_assert_eq(nb, 4);
	cr_assert(memcmp(sha, want, 32) == 0);
	cr_assert_eq(srec_stream_bytes(s), strlen(text));
	srec_stream_free(s);
	/* the same by skipping */
	cr_assert_eq(srec_stream_open(&s, p, 0, why, sizeof why), Q_OK);
	end = 0;
	while (!end)
		cr_assert_eq(srec_stream_skip(s, &end, why, sizeof why), Q_OK, "%s", why);
	cr_assert_eq(srec_stream_finish(s, NULL, sha2, &nb, why, sizeof why), Q_OK, "%s", why);
	cr_assert_eq(nb, 4);
	cr_assert(memcmp(sha2, want, 32) == 0);
	srec_stream_free(s);
	/* a broken structure stays an error for every later call */
	static const char broken[] = "{\"ballots\": [" GOOD_ENTRY " " GOOD_ENTRY "]}";
	free(p);
	p = write_text("broken.json", broken, strlen(broken));
	cr_assert_eq(srec_stream_open(&s, p, 0, why, sizeof why), Q_OK);
	cr_assert_eq(srec_stream_next(s, &b, &end, why, sizeof why), Q_OK);
	cr_assert_eq(srec_stream_next(s, &b, &end, why, sizeof why), Q_ERR_FORMAT);
	cr_assert_eq(b.bad, 0);
	cr_assert_eq(srec_stream_next(s, &b, &end, why, sizeof why), Q_ERR_FORMAT);
	srec_stream_free(s);
	free(p);
}

/* Session 8: an entry skipped is only counted, not copied -- its length
 * limit still holds (refused like a read one), and reading after skipping
 * (and skipping after reading) gives each entry's own bytes. */
Test(srec_stream, skip_keeps_the_limit_and_next_reads_after_skip)
{
	static const char text[] = "{\"ballots\": [" GOOD_ENTRY ", {\"ballot\": \"AAEC\\/w==\", "
	                           "\"tracking_code\": \"00000000000000000000000000000000"
	                           "000000000000000000000000000000ff\"}, " GOOD_ENTRY "]}";
	char *p = write_text("skip.json", text, strlen(text)), why[256] = "";
	srec_stream *s = NULL;
	srec_ballot b;
	int end = 0;
	/* skip, next (the escaped '/': jansson's path), skip, end */
	cr_assert_eq(srec_stream_open(&s, p, 0, why, sizeof why), Q_OK);
	cr_assert_eq(srec_stream_skip(s, &end, why, sizeof why), Q_OK, "%s", why);
	cr_assert_eq(srec_stream_next(s, &b, &end, why, sizeof why), Q_OK, "%s", why);
	cr_assert_eq(b.index, 1);
	cr_assert_eq(b.len, 4);
	cr_assert(memcmp(b.enc, "\x00\x01\x02\xff", 4) == 0);
	cr_assert_eq(srec_stream_skip(s, &end, why, sizeof why), Q_OK, "%s", why);
	cr_assert_eq(srec_stream_skip(s, &end, why, sizeof why), Q_OK, "%s", why);
	cr_assert_eq(end, 1);
	srec_stream_free(s);
	/* next, then skip over the limit: refused, naming the entry */
	cr_assert_eq(srec_stream_open(&s, p, strlen(GOOD_ENTRY), why, sizeof why), Q_OK);
	cr_assert_eq(srec_stream_next(s, &b, &end, why, sizeof why), Q_OK, "%s", why);
	cr_assert_eq(b.len, 3);
	cr_assert_eq(srec_stream_skip(s, &end, why, sizeof why), Q_ERR_LIMIT);
	cr_assert(strstr(why, "ballots[1] is longer than") != NULL, "%s", why);
	srec_stream_free(s);
	free(p);
}

/* Session 8: the compact form's ballot string is checked 8 bytes at a
 * time (all_plain).  A raw control byte or a byte that is not ASCII at any
 * position of it (in a word or in the tail) still sends the entry to
 * jansson, which refuses it as JSON ("not a JSON object"), where the fast
 * path would have said "bad base64"; an escaped '/' is still read as '/'. */
Test(srec_stream, compact_ballot_string_checked_at_every_byte)
{
	static const unsigned char badb[] = {0x01, 0x1f, 0x80, 0xff};
	char text[256], why[256];
	for (size_t k = 0; k < 43; k++)
		for (size_t v = 0; v < sizeof badb; v++) {
			char b[44];
			memset(b, 'A', 43);
			b[43] = '\0';
			b[k] = (char)badb[v];
			snprintf(text, sizeof text,
			         "{\"ballots\": [{\"ballot\":\"%s\",\"tracking_code\":\"%064d\"}]}",
			         b, 0);
			char *p = write_text("plain.json", text, strlen(text));
			srec_stream *s = NULL;
			srec_ballot rb;
			int end = 0;
			cr_assert_eq(srec_stream_open(&s, p, 0, why, sizeof why), Q_OK);
			cr_assert_eq(srec_stream_next(s, &rb, &end, why, sizeof why), Q_ERR_FORMAT,
			             "byte %#x at %zu accepted", badb[v], k);
			cr_assert(rb.bad);
			cr_assert(strstr(why, "ballots[0] is not a JSON object") != NULL,
			          "byte %#x at %zu: %s", badb[v], k, why);
			srec_stream_free(s);
			free(p);
		}
}

/* The station's own compact form {"ballot":"B","tracking_code":"H"} is
 * read without jansson (entry_fast); the same entry written any other way
 * (an escaped '/', a \u escape, keys in the other order, spaces, another
 * key) is parsed by jansson and must read the same bytes; the compact
 * form with bad base64 or a short code is still a bad entry, named, and
 * the next entry is read. */
Test(srec_stream, compact_entries_read_like_any_other)
{
	static const char *const forms[] = {
	    "{\"ballot\":\"AA/C\",\"tracking_code\":\"" /* the compact form */
	    "00000000000000000000000000000000000000000000000000000000000000ff\"}",
	    "{\"ballot\":\"AA\\/C\",\"tracking_code\":\""
	    "00000000000000000000000000000000000000000000000000000000000000ff\"}",
	    "{\"ballot\":\"\\u0041A/C\",\"tracking_code\":\""
	    "00000000000000000000000000000000000000000000000000000000000000ff\"}",
	    "{\"tracking_code\":"
	    "\"00000000000000000000000000000000000000000000000000000000000000ff\","
	    "\"ballot\":\"AA/C\"}",
	    "{ \"ballot\" : \"AA/C\" , \"tracking_code\" : \""
	    "00000000000000000000000000000000000000000000000000000000000000ff\" }",
	    "{\"ballot\":\"AA/C\",\"seq\":1,\"tracking_code\":\""
	    "00000000000000000000000000000000000000000000000000000000000000ff\"}",
	    "{\"ballot\":\"AA*C\",\"tracking_code\":\"" /* bad base64 */
	    "00000000000000000000000000000000000000000000000000000000000000ff\"}",
	    "{\"ballot\":\"AA/C\",\"tracking_code\":\"00ff\"}", /* short code */
	};
	const size_t nf = sizeof forms / sizeof *forms;
	char text[4096] = "{\"ballots\":[", why[256];
	for (size_t i = 0; i < nf; i++) {
		strcat(text, forms[i]);
		strcat(text, i + 1 < nf ? "," : "]}");
	}
	char *p = write_text("compact.json", text, strlen(text));
	srec_stream *s = NULL;
	srec_ballot b;
	int end = 0;
	const uint8_t want[3] = {0x00, 0x0f, 0xc2};
	cr_assert_eq(srec_stream_open(&s, p, 0, why, sizeof why), Q_OK, "%s", why);
	for (size_t i = 0; i < nf; i++) {
		memset(&b, 0, sizeof b);
		qerr e = srec_stream_next(s, &b, &end, why, sizeof why);
		cr_assert_eq(b.index, i);
		if (i + 2 >= nf) { /* the last two are bad */
			cr_assert_eq(e, Q_ERR_FORMAT, "entry %zu", i);
			cr_assert_eq(b.bad, 1);
			cr_assert_null(b.enc);
			cr_assert(strstr(why, "bad base64 or tracking code") != NULL, "%s", why);
			continue;
		}
		cr_assert_eq(e, Q_OK, "entry %zu: %s", i, why);
		cr_assert_eq(b.len, 3, "entry %zu", i);
		cr_assert(memcmp(b.enc, want, 3) == 0, "entry %zu", i);
		cr_assert_eq(b.code[31], 0xff);
		cr_assert_eq(b.code[0], 0);
	}
	cr_assert_eq(srec_stream_next(s, &b, &end, why, sizeof why), Q_OK);
	cr_assert_eq(end, 1);
	cr_assert_eq(srec_stream_finish(s, NULL, NULL, NULL, why, sizeof why), Q_OK, "%s", why);
	srec_stream_free(s);
	free(p);
}

/* A ballot's base64 read by srec_stream must be accepted and decoded
 * exactly as b64_decode does it: long strings with one
 * character changed at each place of an early, a middle and the last
 * quartet (to every byte that is not a digit, to '=', to another digit),
 * each padding form, and non-canonical unused bits. */
Test(srec_stream, base64_decoded_as_b64_decode)
{
	static const char *const tails[] = {"AAAA", "AA==", "AAA=", "AB==", "AAB=", "A===",
	                                    "=AAA", "AA=A", "AAAB", "/+9z", "Zm8=", "Zg=="};
	const char subst[] = {'*', '=', '-', '_', ' ', '\n', '.', '"', '+', '/', 'z', '9', 'A'};
	char why[256], b64[200];
	uint8_t raw[120];
	size_t nt = 0;
	json_t *arr = json_array();
	for (size_t k = 0; k < sizeof raw; k++)
		raw[k] = (uint8_t)(k * 37 + 11);
	for (size_t t = 0; t < sizeof tails / sizeof *tails; t++)
		for (size_t pos = 0; pos < 164; pos += (pos < 8 || pos >= 156 ? 1 : 37))
			for (size_t c = 0; c < sizeof subst; c++) {
				b64_encode(b64, raw, sizeof raw); /* 160 characters */
				memcpy(b64 + 160, tails[t], 5);
				if (pos < 164)
					b64[pos] = subst[c];
				json_array_append_new(
				    arr,
				    json_pack("{s:s%, s:s}", "ballot", b64, (size_t)164,
				              "tracking_code",
				              "00000000000000000000000000000000000000000000000000"
				              "000000000000ff"));
				nt++;
			}
	json_t *r = json_pack("{s:o}", "ballots", arr);
	char *t = json_dumps(r, JSON_COMPACT);
	char *p = write_text("b64.json", t, strlen(t));
	srec_stream *s = NULL;
	cr_assert_eq(srec_stream_open(&s, p, 0, why, sizeof why), Q_OK, "%s", why);
	for (size_t i = 0; i < nt; i++) {
		srec_ballot b;
		int end = 0;
		uint8_t want[200];
		size_t wl = 0;
		const json_t *bs = json_object_get(json_array_get(arr, i), "ballot");
		qerr we = b64_decode(want, &wl, json_string_value(bs), json_string_length(bs));
		memset(&b, 0, sizeof b);
		qerr e = srec_stream_next(s, &b, &end, why, sizeof why);
		cr_assert_eq(end, 0);
		cr_assert_eq(b.index, i);
		if (we != Q_OK) {
			cr_assert_eq(e, Q_ERR_FORMAT, "entry %zu (%s) accepted", i,
			             json_string_value(bs));
			cr_assert_eq(b.bad, 1);
			cr_assert(strstr(why, "bad base64") != NULL, "%s", why);
			continue;
		}
		cr_assert_eq(e, Q_OK, "entry %zu (%s) refused: %s", i, json_string_value(bs), why);
		cr_assert_eq(b.len, wl, "entry %zu", i);
		cr_assert(memcmp(b.enc, want, wl) == 0, "entry %zu", i);
	}
	srec_stream_free(s);
	free(t);
	free(p);
	json_decref(r);
}

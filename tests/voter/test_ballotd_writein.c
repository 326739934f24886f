/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * quorum-ballotd with write-in slots (docs/spec/ballot.md B-10): the
 * booth console asks for the name of a marked slot, the daemon normalises
 * it (B-10.9) and encrypts it; the exported record's ballots verify and
 * their names decrypt (the test's joint key is 7*G) to what was written.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "crypto/elgamal.h"
#include "crypto/shuffle.h"
#include "crypto/util.h"
#include "daemon.h"
#include "election/ballot.h"
#include "testutil.h"

static tdaemon d;

static void fini(void)
{
	td_kill(&d);
	test_rmtree(d.dir);
}

TestSuite(ballotd_writein, .fini = fini, .timeout = 120);

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

static char *checkin(const char *id)
{
	json_t *r = reqf("operator", "{\"op\":\"checkin\",\"voter\":\"%s\"}", id);
	cr_assert_null(td_err(r), "checkin %s failed", id);
	char *t = strdup(json_string_value(json_object_get(r, "token")));
	json_decref(r);
	return t;
}

static uint8_t *b64d(const char *s, size_t *n)
{
	uint8_t *o = malloc(b64_max_decoded_len(strlen(s)) + 1);
	cr_assert_eq(b64_decode(o, n, s, strlen(s)), Q_OK);
	return o;
}

/* The name in write-in slot q of b, decrypted with the whole secret 7. */
static void name_of(const ballot *b, size_t contest, size_t q, char out[64])
{
	scalar *s = scalar_new();
	point *pts[NAMEPT_WIDTH];
	size_t len = 0;
	cr_assert_eq(scalar_set_u64(s, 7), Q_OK);
	for (size_t k = 0; k < NAMEPT_WIDTH; k++) {
		pts[k] = point_new();
		cr_assert_eq(elgamal_decrypt_point(pts[k], b->contests[contest].wi[q].ct[k], s),
		             Q_OK);
	}
	cr_assert_eq(namept_decode((uint8_t *)out, &len, (const point *const *)pts, NAMEPT_WIDTH),
	             Q_OK);
	for (size_t k = 0; k < NAMEPT_WIDTH; k++)
		point_free(pts[k]);
	scalar_free(s);
}

Test(ballotd_writein, console_and_requests_carry_names_into_the_record)
{
	char path[400];
	td_setup(&d, 5);
	/* the members contest allows 2 write-in slots */
	snprintf(path, sizeof path, "%s/manifest.json", d.el);
	json_t *mj = json_load_file(path, 0, NULL);
	cr_assert_not_null(mj);
	json_object_set_new(json_array_get(json_object_get(mj, "contests"), 1), "write_in",
	                    json_integer(2));
	cr_assert_eq(json_dump_file(mj, path, JSON_INDENT(2)), 0);
	json_decref(mj);
	td_write_base_hash(&d);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	expect(reqf("admin", "{\"op\":\"import-roll\",\"path\":\"%s\"}", d.roll), NULL);
	expect(reqf("admin", "{\"op\":\"open\"}"), NULL);

	/* the console: director 1; members 1 and the first slot (option 6),
	 * whose name is written with full-width letters and spaces around */
	char *t = checkin("V0002");
	char in[400], out[400], cmd[1500], script[400];
	snprintf(in, sizeof in, "%s/in.txt", d.dir);
	snprintf(out, sizeof out, "%s/out.txt", d.dir);
	snprintf(script, sizeof script, "%s\n1\n1 6\n\n \xef\xbc\xac\xef\xbd\x89 李娜 \ny\ncast\n",
	         t);
	cr_assert_eq(test_write_file(in, script, strlen(script)), 0);
	snprintf(cmd, sizeof cmd, "%s/voter/quorum-ballot --state %s booth < %s > %s",
	         getenv("QUORUM_BUILD_ROOT"), d.state, in, out);
	int rc = system(cmd);
	char *o = test_read_file(out, NULL);
	cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "%s", o);
	cr_assert(strstr(o, "a marked write-in needs a name") != NULL, "%s", o);
	cr_assert(strstr(o, "另选他人 1 / write-in 1 \"Li 李娜\"") != NULL, "%s", o);
	cr_assert(strstr(o, "RECEIPT") != NULL, "%s", o);
	free(o);
	free(t);

	/* the socket: a marked slot without a name, then a cast with one */
	t = checkin("V0003");
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[0,1],[0,0,0,0,0,0,1]]}",
	            t),
	       "bad_write_in");
	expect(reqf("booth",
	            "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[0,1],[0,0,0,0,0,0,1]],"
	            "\"write_ins\":[[],[null,\"王小明\"]]}",
	            t),
	       NULL);
	free(t);
	expect(reqf("admin", "{\"op\":\"close\"}"), NULL);
	json_t *ex = reqf("admin", "{\"op\":\"export\"}");
	cr_assert_null(td_err(ex));
	size_t rlen;
	char *bytes = test_read_file(json_string_value(json_object_get(ex, "path")), &rlen);
	json_t *rec = json_loads(bytes, 0, NULL);
	cr_assert_not_null(rec);

	/* the style: 2 options; 5 listed + 2 slots */
	uint8_t bh[32], Kenc[POINT_LEN];
	size_t n;
	snprintf(path, sizeof path, "%s/base-hash", d.el);
	char *bhx = test_read_file(path, &n);
	cr_assert_eq(hex_decode(bh, 32, bhx, 64), Q_OK);
	snprintf(path, sizeof path, "%s/joint-key", d.el);
	char *kh = test_read_file(path, &n);
	cr_assert_eq(hex_decode(Kenc, POINT_LEN, kh, 2 * POINT_LEN), Q_OK);
	point *K = point_new();
	cr_assert_eq(point_decode(K, Kenc, POINT_LEN), Q_OK);
	ballot_style *sty = ballot_style_new(2, bh);
	sty->contests[0] = (ballot_contest_style){2, 0, 1, 0, NULL, 0};
	sty->contests[1] = (ballot_contest_style){7, 0, 3, 0, NULL, 2};
	cr_assert_eq(ballot_style_check(sty, NULL, 0), Q_OK);
	json_t *ballots = json_object_get(rec, "ballots");
	cr_assert_eq(json_array_size(ballots), 2);
	int seen = 0;
	for (size_t i = 0; i < 2; i++) {
		uint8_t *enc = b64d(
		    json_string_value(json_object_get(json_array_get(ballots, i), "ballot")), &n);
		ballot *bb = NULL;
		char why[300] = "", nm0[64], nm1[64];
		cr_assert_eq(ballot_decode(sty, enc, n, &bb), Q_OK);
		cr_assert_eq(ballot_verify(sty, K, NULL, bb, why, sizeof why), Q_OK, "%s", why);
		name_of(bb, 1, 0, nm0);
		name_of(bb, 1, 1, nm1);
		if (strcmp(nm0, "Li 李娜") == 0 && strcmp(nm1, "") == 0)
			seen |= 1;
		if (strcmp(nm0, "") == 0 && strcmp(nm1, "王小明") == 0)
			seen |= 2;
		ballot_free(bb);
		free(enc);
	}
	cr_assert_eq(seen, 3, "both written names are in the record's ballots");
	ballot_style_free(sty);
	point_free(K);
	free(kh);
	free(bhx);
	json_decref(rec);
	free(bytes);
	json_decref(ex);
	cr_assert_eq(td_stop(&d), 0);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* quorum-ballotd integration: bad input on every socket gets an error, the
 * daemon keeps serving, and nothing changes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "testutil.h"

static tdaemon d;
static char token[64];

static void fini(void)
{
	td_kill(&d);
	test_rmtree(d.dir);
}

/* A running, opened poll with one voter checked in. */
static void init(void)
{
	char buf[600];
	td_setup(&d, 10);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	snprintf(buf, sizeof buf, "{\"op\":\"import-roll\",\"path\":\"%s\"}", d.roll);
	json_t *r = td_req(&d, "admin", buf);
	cr_assert_null(td_err(r));
	json_decref(r);
	r = td_req(&d, "admin", "{\"op\":\"open\"}");
	cr_assert_null(td_err(r));
	json_decref(r);
	r = td_req(&d, "operator", "{\"op\":\"checkin\",\"voter\":\"V0001\"}");
	cr_assert_null(td_err(r));
	snprintf(token, sizeof token, "%s", json_string_value(json_object_get(r, "token")));
	json_decref(r);
}

TestSuite(ballotd_input, .init = init, .fini = fini, .timeout = 60);

static char *snapshot(void)
{
	json_t *r = td_req(&d, "operator", "{\"op\":\"status\"}");
	cr_assert_null(td_err(r));
	json_object_del(r, "connections");
	char *s = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(r);
	return s;
}

/* Send raw bytes on a role's socket; return the reply's error code. */
static char *raw(const char *role, const char *data, size_t len, int shut)
{
	int fd = td_connect(&d, role);
	cr_assert(fd >= 0);
	td_send(fd, data, len);
	if (shut)
		shutdown(fd, SHUT_WR);
	json_t *r = td_recv(fd);
	close(fd);
	cr_assert_not_null(r, "no reply");
	const char *e = td_err(r);
	char *out = strdup(e ? e : "ok");
	json_decref(r);
	return out;
}

/* Everything the daemon sends on fd until it closes the connection. */
static char *recv_all(int fd)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	cr_assert_not_null(buf);
	for (;;) {
		if (cap - len < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
			cr_assert_not_null(buf);
		}
		ssize_t r = recv(fd, buf + len, cap - len - 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = 0;
	return buf;
}

static void check(const char *role, const char *line, const char *code)
{
	char *e = raw(role, line, strlen(line), 0);
	cr_assert_str_eq(e, code, "%s on %s: got %s", line, role, e);
	free(e);
}

Test(ballotd_input, malformed_unknown_wrong_role)
{
	char *before = snapshot();
	check("operator", "{\"op\":\"status\"\n", "bad_json");
	check("booth", "not json at all\n", "bad_json");
	check("admin", "\n", "bad_json");
	check("operator", "[1,2,3]\n", "bad_request");
	check("operator", "\"status\"\n", "bad_json"); /* not an object or array */
	check("operator", "{\"opp\":\"status\"}\n", "bad_request");
	check("operator", "{\"op\":17}\n", "bad_request");
	check("operator", "{\"op\":\"status\",\"op\":\"status\"}\n", "bad_json");
	check("operator", "{\"op\":\"launch\"}\n", "unknown_op");
	check("booth", "{\"op\":\"DROP TABLE voters\"}\n", "unknown_op");
	/* Operations of another role. */
	check("booth", "{\"op\":\"checkin\",\"voter\":\"V0002\"}\n", "wrong_role");
	check("booth", "{\"op\":\"close\"}\n", "wrong_role");
	check("operator", "{\"op\":\"open\"}\n", "wrong_role");
	check("operator", "{\"op\":\"close\"}\n", "wrong_role");
	check("operator", "{\"op\":\"export\"}\n", "wrong_role");
	check("admin", "{\"op\":\"checkin\",\"voter\":\"V0002\"}\n", "wrong_role");
	check("admin", "{\"op\":\"cast\",\"token\":\"00\"}\n", "wrong_role");
	check("operator", "{\"op\":\"cast\",\"token\":\"00\"}\n", "wrong_role");
	/* Bad argument types. */
	check("operator", "{\"op\":\"checkin\",\"voter\":12}\n", "bad_request");
	check("operator", "{\"op\":\"checkin\"}\n", "bad_request");
	check("booth", "{\"op\":\"cast\"}\n", "bad_request");
	check("booth", "{\"op\":\"challenge\",\"token\":\"00112233445566778899aabbccddeeff\"}\n",
	      "token_invalid");
	char line[300];
	snprintf(line, sizeof line, "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":\"all\"}\n",
	         token);
	check("booth", line, "bad_marks");
	snprintf(line, sizeof line, "{\"op\":\"cast\",\"token\":\"%s\",\"tracking_code\":\"ab\"}\n",
	         token);
	check("booth", line, "bad_request");
	snprintf(line, sizeof line,
	         "{\"op\":\"challenge\",\"token\":\"%s\",\"tracking_code\":\"%064d\"}\n", token, 0);
	check("booth", line, "no_pending");
	check("admin", "{\"op\":\"import-roll\",\"path\":\"relative.csv\"}\n", "bad_request");
	/* Once the poll is open the roll is locked: refused before the path is
	 * even read (a missing file is not what fails here: see
	 * ballotd_roll below for the unreadable roll). */
	check("admin", "{\"op\":\"import-roll\",\"path\":\"/nonexistent/roll.csv\"}\n",
	      "roll_locked");
	/* A NUL byte inside a line. */
	char *e = raw("operator", "{\"op\":\"st\0atus\"}\n", 17, 0);
	cr_assert_str_eq(e, "bad_json");
	free(e);
	char *after = snapshot();
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
}

Test(ballotd_input, oversized_truncated_timeout)
{
	char *before = snapshot();
	/* 70 KiB without a newline: too_large, connection closed. */
	size_t n = 70 * 1024;
	char *big = malloc(n + 1);
	memset(big, 'a', n);
	big[0] = '{';
	char *e = raw("booth", big, n, 0);
	cr_assert_str_eq(e, "too_large");
	free(e);
	/* A single line just over the cap, with its newline. */
	size_t m = 64 * 1024 + 10;
	memcpy(big, "{\"op\":\"ping\",\"pad\":\"", 20);
	memset(big + 20, 'x', m - 22);
	memcpy(big + m - 2, "\"}", 2);
	big[m] = '\n';
	e = raw("operator", big, m + 1, 0);
	cr_assert_str_eq(e, "too_large");
	free(e);
	/* Under the cap is fine. */
	size_t k = 60 * 1024;
	memset(big + 20, 'x', k - 22);
	memcpy(big + k - 2, "\"}", 2);
	big[k] = '\n';
	e = raw("operator", big, k + 1, 0);
	cr_assert_str_eq(e, "ok");
	free(e);
	free(big);
	/* Truncated: half a request, then the client stops sending. */
	e = raw("operator", "{\"op\":\"checkin\",\"vot", 20, 1);
	cr_assert_str_eq(e, "truncated");
	free(e);
	/* Slow: half a request and silence, answered by the read timeout
	 * (1.5 s in these tests). */
	e = raw("operator", "{\"op\":\"stat", 11, 0);
	cr_assert_str_eq(e, "timeout");
	free(e);
	/* Several requests pipelined on one connection are all answered, in
	 * order, each once. */
	int fd = td_connect(&d, "operator");
	const char *pl = "{\"op\":\"ping\"}\n{\"op\":\"nope\"}\n{\"op\":\"ping\"}\n";
	td_send(fd, pl, strlen(pl));
	shutdown(fd, SHUT_WR);
	char *all = recv_all(fd);
	close(fd);
	const char *want[3] = {"ok", "unknown_op", "ok"};
	char *line = all;
	for (int i = 0; i < 3; i++) {
		char *nl = strchr(line, '\n');
		cr_assert_not_null(nl, "reply %d of 3 missing: %s", i + 1, all);
		json_t *r = json_loadb(line, (size_t)(nl - line), 0, NULL);
		cr_assert_not_null(r, "reply %d is not JSON", i + 1);
		const char *code = td_err(r);
		cr_assert_str_eq(code ? code : "ok", want[i], "reply %d", i + 1);
		json_decref(r);
		line = nl + 1;
	}
	cr_assert_str_eq(line, "", "nothing after the three replies: %s", line);
	free(all);
	char *after = snapshot();
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
	cr_assert_eq(td_stop(&d), 0);
}

Test(ballotd_input, socket_permissions)
{
	struct stat sb;
	char p[400];
	snprintf(p, sizeof p, "%s/admin.sock", d.state);
	cr_assert_eq(stat(p, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0600);
	snprintf(p, sizeof p, "%s/operator.sock", d.state);
	cr_assert_eq(stat(p, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0660);
	snprintf(p, sizeof p, "%s/booth.sock", d.state);
	cr_assert_eq(stat(p, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0660);
	snprintf(p, sizeof p, "%s", d.state);
	cr_assert_eq(stat(p, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0711);
	snprintf(p, sizeof p, "%s/box.db", d.state);
	cr_assert_eq(stat(p, &sb), 0);
	cr_assert_eq(sb.st_mode & 0077, 0, "box.db readable by others");
	/* Many clients at once. */
	int fds[100];
	for (int i = 0; i < 100; i++) {
		fds[i] = td_connect(&d, "booth");
		cr_assert(fds[i] >= 0);
	}
	for (int i = 0; i < 100; i++)
		td_send(fds[i], "{\"op\":\"ping\"}\n", 14);
	for (int i = 0; i < 100; i++) {
		json_t *r = td_recv(fds[i]);
		cr_assert_not_null(r);
		cr_assert_null(td_err(r));
		json_decref(r);
		close(fds[i]);
	}
}

/* ---- import-roll before the poll opens: the bad_roll paths ---- */

static void init_new(void)
{
	td_setup(&d, 10);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
}

TestSuite(ballotd_roll, .init = init_new, .fini = fini, .timeout = 60);

static json_t *import(const char *path)
{
	char buf[600];
	snprintf(buf, sizeof buf, "{\"op\":\"import-roll\",\"path\":\"%s\"}", path);
	json_t *r = td_req(&d, "admin", buf);
	cr_assert_not_null(r);
	return r;
}

static const char *errmsg(const json_t *r)
{
	return json_string_value(json_object_get(json_object_get(r, "error"), "message"));
}

static json_int_t registered(void)
{
	json_t *r = td_req(&d, "operator", "{\"op\":\"status\"}");
	cr_assert_null(td_err(r));
	json_int_t n = json_integer_value(json_object_get(r, "roll_rows"));
	cr_assert_str_eq(json_string_value(json_object_get(r, "state")), "new");
	json_decref(r);
	return n;
}

Test(ballotd_roll, unreadable_roll)
{
	char p[400];
	/* A missing file, and a directory: bad_roll naming the path. */
	snprintf(p, sizeof p, "%s/no-such-roll.csv", d.dir);
	json_t *r = import(p);
	cr_assert_str_eq(td_err(r), "bad_roll");
	cr_assert(strstr(errmsg(r), p) != NULL, "%s", errmsg(r));
	cr_assert(strstr(errmsg(r), "cannot read") != NULL, "%s", errmsg(r));
	json_decref(r);
	r = import(d.el);
	cr_assert_str_eq(td_err(r), "bad_roll");
	cr_assert(strstr(errmsg(r), d.el) != NULL, "%s", errmsg(r));
	json_decref(r);
	/* Nothing imported, and the roll is still open to a good import. */
	cr_assert_eq(registered(), 0);
	r = import(d.roll);
	cr_assert_null(td_err(r), "%s", errmsg(r));
	json_decref(r);
	cr_assert_eq(registered(), 12);
}

/* A roll with findings: the election names this very roll (roll_hash in
 * parameters.json, P-6.1), so the import gets past the roll binding and
 * the roll's own findings refuse it.  (A roll other than the election's is
 * refused before it is read: roll_mismatch, tests/voter/test_ballotd_poll.c.) */
static const char bad_csv[] = "id,name,birth_date,household,group,flags\n"
                              "V0001,One,1980-01-01,H001,g1,\n"
                              "V0002,Two,1980-02-30,H002,g1,\n" /* no such date */
                              "V0001,Again,1981-01-01,H003,g2,\n"; /* duplicate id */

static void init_bad_roll(void)
{
	char p[400];
	td_setup(&d, 10);
	snprintf(p, sizeof p, "%s/bad-roll.csv", d.dir);
	cr_assert_eq(test_write_file(p, bad_csv, strlen(bad_csv)), 0);
	td_set_roll_hash(&d, bad_csv, strlen(bad_csv));
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
}

TestSuite(ballotd_badroll, .init = init_bad_roll, .fini = fini, .timeout = 60);

Test(ballotd_badroll, roll_with_findings)
{
	char p[400];
	snprintf(p, sizeof p, "%s/bad-roll.csv", d.dir);
	json_t *r = import(p);
	cr_assert_str_eq(td_err(r), "bad_roll");
	cr_assert(strstr(errmsg(r), "nothing imported") != NULL, "%s", errmsg(r));
	json_t *f = json_object_get(json_object_get(r, "error"), "findings");
	cr_assert(json_is_array(f));
	/* Both problems, each with its line. */
	cr_assert_eq(json_array_size(f), 2);
	json_t *f0 = json_array_get(f, 0), *f1 = json_array_get(f, 1);
	cr_assert_str_eq(json_string_value(json_object_get(f0, "where")), "line 3");
	cr_assert(strstr(json_string_value(json_object_get(f0, "message")), "1980-02-30") != NULL);
	cr_assert_str_eq(json_string_value(json_object_get(f1, "where")), "line 4");
	cr_assert(strstr(json_string_value(json_object_get(f1, "message")),
	                 "duplicate id \"V0001\"") != NULL);
	json_decref(r);
	cr_assert_eq(registered(), 0, "nothing imported");
	/* any other roll is not the election's */
	r = import(d.roll);
	cr_assert_str_eq(td_err(r), "roll_mismatch");
	json_decref(r);
	cr_assert_eq(registered(), 0);
}

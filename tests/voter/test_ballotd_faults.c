/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * quorum-ballotd under fault injection: the real daemon runs under the
 * fault shim (tests/common/fault_shim.c, LD_PRELOAD), which records its
 * writes, syncs and sends and can make a sync of the audit log fail or
 * wait.  Covered here:
 *  - durability of a cast: the ballot box and the audit log are synced
 *    before the receipt is sent (P-5, A-3.4);
 *  - token_busy: a token whose cast is still being committed is refused to
 *    a second request (the commit is held at the log's fdatasync);
 *  - unavailable: a failed log append answers "unavailable" and every later
 *    booth request too, until a restart repairs the log from the box (P-5.4);
 *  - busy: the pending-ballot limit (a daemon built with PENDING_MAX 2);
 *  - a failed fsync of the state directory after the station record is
 *    renamed into place fails the close (the record is not yet durable);
 *  - check-in groups (P-5.3): while a group's roll-DB fsync is held the
 *    booths are served and the check-ins arriving form the next group, a
 *    refused one spares the others; a group whose commit fails
 *    (QUORUM_TEST_ROLL_FAIL) acknowledges none;
 *  - no lock across a check-in group's fsync: lookups and named votes are
 *    answered from memory meanwhile, a challenge's count joins the next
 *    group.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "testutil.h"

static tdaemon d;
static const char *fault_match = "/log/leaves$"; /* the files start() faults */
static char trace_path[400], gate[400];
static char *tok[3];

static void fini(void)
{
	td_kill(&d);
	for (int i = 0; i < 3; i++)
		free(tok[i]);
	test_rmtree(d.dir);
}

TestSuite(ballotd_faults, .fini = fini, .timeout = 120);

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

static const char *msg_of(const json_t *r)
{
	return json_string_value(json_object_get(json_object_get(r, "error"), "message"));
}

static void expect(json_t *r, const char *code, const char *msg_part)
{
	char *s = json_dumps(r, JSON_COMPACT);
	const char *e = td_err(r);
	if (code == NULL)
		cr_assert_null(e, "expected ok, got %s", s);
	else
		cr_assert(e != NULL && strcmp(e, code) == 0, "expected %s, got %s", code, s);
	if (msg_part != NULL)
		cr_assert(strstr(msg_of(r), msg_part) != NULL, "message of %s", s);
	free(s);
	json_decref(r);
}

/* Start the daemon under the shim: trace everything in the state
 * directory; fault (fail/hold, or NULL) the audit log's leaves sync (or
 * the syncs of fault_match) while the gate file exists.  Then import the roll, open, check in 3
 * voters. */
static void start(const char *fault, const char *bin)
{
	td_setup(&d, 10);
	snprintf(trace_path, sizeof trace_path, "%s/trace", d.dir);
	snprintf(gate, sizeof gate, "%s/gate", d.dir);
	const char *shim = getenv("QUORUM_FAULT_SHIM");
	cr_assert(shim != NULL, "QUORUM_FAULT_SHIM not set (run through meson test)");
	char asan[512];
	const char *a = getenv("ASAN_OPTIONS");
	snprintf(asan, sizeof asan, "%s%sverify_asan_link_order=0", a ? a : "", a ? ":" : "");
	/* This test process is a fork of its own: the environment is ours. */
	setenv("ASAN_OPTIONS", asan, 1);
	setenv("LD_PRELOAD", shim, 1);
	setenv("QUORUM_SHIM_TRACE", trace_path, 1);
	setenv("QUORUM_SHIM_TRACE_MATCH", d.state, 1);
	if (fault != NULL) {
		setenv("QUORUM_SHIM_FAULT", fault, 1);
		setenv("QUORUM_SHIM_FAULT_MATCH", fault_match, 1);
		setenv("QUORUM_SHIM_GATE", gate, 1);
	}
	td_daemon_bin = bin;
	int st = 0;
	cr_assert_eq(td_start(&d, "station passphrase", &st), 0, "daemon exited (status %d)", st);
	/* Only the daemon runs under the shim. */
	unsetenv("LD_PRELOAD");
	expect(reqf("admin", "{\"op\":\"import-roll\",\"path\":\"%s\"}", d.roll), NULL, NULL);
	expect(reqf("admin", "{\"op\":\"open\"}"), NULL, NULL);
	for (int i = 0; i < 3; i++) {
		json_t *r = reqf("operator", "{\"op\":\"checkin\",\"voter\":\"V000%d\"}", i + 1);
		cr_assert_null(td_err(r));
		tok[i] = strdup(json_string_value(json_object_get(r, "token")));
		json_decref(r);
	}
}

static void restart_plain(void)
{
	td_kill(&d);
	unsetenv("QUORUM_SHIM_FAULT");
	unsetenv("QUORUM_SHIM_TRACE");
	td_daemon_bin = NULL;
	int st = 0;
	cr_assert_eq(td_start(&d, "station passphrase", &st), 0, "daemon exited (status %d)", st);
}

static char *read_trace(void)
{
	size_t len;
	char *t = test_read_file(trace_path, &len);
	return t != NULL ? t : strdup("");
}

/* Wait (bounded) until the trace holds `what`: the daemon reached it. */
static void wait_trace(const char *what)
{
	for (int i = 0; i < 3000; i++) {
		char *t = read_trace();
		int found = strstr(t, what) != NULL;
		free(t);
		if (found)
			return;
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	cr_assert_fail("the daemon never reached \"%s\"", what);
}

static void gate_set(int on)
{
	if (on)
		cr_assert_eq(test_write_file(gate, "", 0), 0);
	else
		cr_assert_eq(unlink(gate), 0);
}

/* Position of the last line of t (after `from`) that starts with op and
 * contains part; -1 if none. */
static long last_line(const char *t, const char *op, const char *part)
{
	long pos = -1, i = 0;
	for (const char *p = t; *p; i++) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		char line[1200];
		snprintf(line, sizeof line, "%.*s", (int)l, p);
		if (strncmp(line, op, strlen(op)) == 0 && line[strlen(op)] == ' ' &&
		    strstr(line, part) != NULL)
			pos = i;
		p += l + (nl != NULL);
	}
	return pos;
}

Test(ballotd_faults, receipt_sent_after_box_and_log_syncs)
{
	start(NULL, NULL);
	unlink(trace_path);
	char *m = td_marks_json(0);
	json_t *r = reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":%s}", tok[0], m);
	free(m);
	cr_assert_null(td_err(r));
	cr_assert_not_null(json_object_get(r, "log_index"));
	json_decref(r);
	char *t = read_trace();
	long send = last_line(t, "send", "socket");
	long box_w = last_line(t, "write", "/box.db");
	long box_s1 = last_line(t, "fsync", "/box.db"),
	     box_s2 = last_line(t, "fdatasync", "/box.db");
	long box_s = box_s1 > box_s2 ? box_s1 : box_s2;
	long le = last_line(t, "fdatasync", "/log/entries");
	long ll = last_line(t, "fdatasync", "/log/leaves");
	long lw = last_line(t, "write", "/log/leaves");
	cr_assert(send >= 0 && box_w >= 0 && box_s >= 0 && le >= 0 && ll >= 0 && lw >= 0,
	          "missing calls in the trace:\n%s", t);
	cr_assert_lt(box_w, box_s, "the box is synced after it is written:\n%s", t);
	cr_assert_lt(box_s, le, "the box commits before the log (P-5.4):\n%s", t);
	cr_assert_lt(lw, le, "the log is synced after it is written:\n%s", t);
	cr_assert_lt(le, ll, "entries, then leaves (A-3.4):\n%s", t);
	cr_assert_lt(ll, send, "the receipt is sent after the syncs:\n%s", t);
	free(t);
}

Test(ballotd_faults, token_busy_while_its_cast_commits)
{
	start("hold", NULL);
	gate_set(1);
	/* The cast reaches the log's fdatasync and waits there. */
	int fa = td_connect(&d, "booth");
	cr_assert(fa >= 0);
	char *m = td_marks_json(1), line[1024];
	snprintf(line, sizeof line, "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":%s}\n", tok[0], m);
	free(m);
	td_send(fa, line, strlen(line));
	wait_trace("fdatasync-held ");
	/* The same token, meanwhile: refused, by name. */
	expect(reqf("booth", "{\"op\":\"ballot\",\"token\":\"%s\"}", tok[0]), "token_busy",
	       "being used by another request");
	m = td_marks_json(2);
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":%s}", tok[0], m),
	       "token_busy", NULL);
	free(m);
	/* Another token is served. */
	expect(reqf("booth", "{\"op\":\"ballot\",\"token\":\"%s\"}", tok[1]), NULL, NULL);
	/* Released: the first cast completes, and the token is then spent. */
	gate_set(0);
	json_t *r = td_recv(fa);
	close(fa);
	cr_assert_not_null(r);
	cr_assert_null(td_err(r), "the held cast completes");
	json_decref(r);
	expect(reqf("booth", "{\"op\":\"ballot\",\"token\":\"%s\"}", tok[0]), "token_spent", NULL);
}

/* A named vote's log fsync, held: the request does not hold a lock across
 * it, nor does the loop thread wait for it (the logger thread syncs it in
 * its batch), so other requests are answered meanwhile: a booth's ballot,
 * a check-in, the same voter's second hand (refused: being recorded).
 * Once the fsync proceeds the vote is answered, and only then. */
Test(ballotd_faults, named_vote_fsync_held_other_requests_answered)
{
	td_named_motion = 1;
	start("hold", NULL);
	td_named_motion = 0;
	unlink(trace_path);
	gate_set(1);
	int fa = td_connect(&d, "operator");
	cr_assert(fa >= 0);
	const char *vote = "{\"op\":\"named-vote\",\"contest\":\"hall\",\"voter\":\"V0001\","
	                   "\"vote\":\"yes\"}\n";
	td_send(fa, vote, strlen(vote));
	wait_trace("fdatasync-held ");
	expect(reqf("booth", "{\"op\":\"ballot\",\"token\":\"%s\"}", tok[1]), NULL, NULL);
	expect(reqf("operator", "{\"op\":\"checkin\",\"voter\":\"V0004\"}"), NULL, NULL);
	expect(reqf("operator", "{\"op\":\"named-vote\",\"contest\":\"hall\",\"voter\":"
	                        "\"V0001\",\"vote\":\"no\"}"),
	       "named_twice", "being recorded");
	/* still held: the vote has no reply yet */
	char *t = read_trace();
	cr_assert_lt(last_line(t, "fdatasync", "/log/leaves"), 0, "the held sync completed:\n%s",
	             t);
	free(t);
	gate_set(0);
	json_t *r = td_recv(fa);
	close(fa);
	cr_assert_not_null(r);
	cr_assert_null(td_err(r), "the held vote completes");
	cr_assert_not_null(json_object_get(r, "log_index"));
	json_decref(r);
	t = read_trace();
	cr_assert_geq(last_line(t, "fdatasync", "/log/leaves"), 0, "synced before the reply:\n%s",
	              t);
	free(t);
	expect(reqf("operator", "{\"op\":\"named-vote\",\"contest\":\"hall\",\"voter\":"
	                        "\"V0001\",\"vote\":\"abstain\"}"),
	       "named_twice", "already voted");
}

/* The same for a re-issue (P-5.7): while its log entry's fsync is held,
 * another token is served and a lookup answered, the old token is busy, a
 * second re-issue and a check-in wait their turn (busy: the re-issued
 * voter stays the latest check-in); then the new token is given and the
 * old one is dead. */
Test(ballotd_faults, reissue_fsync_held_other_requests_answered)
{
	start("hold", NULL);
	unlink(trace_path);
	gate_set(1);
	int fa = td_connect(&d, "operator");
	cr_assert(fa >= 0);
	const char *rq = "{\"op\":\"reissue\",\"voter\":\"V0003\"}\n";
	td_send(fa, rq, strlen(rq));
	wait_trace("fdatasync-held ");
	expect(reqf("booth", "{\"op\":\"ballot\",\"token\":\"%s\"}", tok[1]), NULL, NULL);
	expect(reqf("booth", "{\"op\":\"ballot\",\"token\":\"%s\"}", tok[2]), "token_busy", NULL);
	expect(reqf("operator", "{\"op\":\"reissue\",\"voter\":\"V0003\"}"), "busy",
	       "being logged");
	/* the re-issued voter stays the latest check-in meanwhile */
	expect(reqf("operator", "{\"op\":\"checkin\",\"voter\":\"V0004\"}"), "busy", "re-issue");
	expect(reqf("operator", "{\"op\":\"lookup\",\"voter\":\"V0004\"}"), NULL, NULL);
	gate_set(0);
	json_t *r = td_recv(fa);
	close(fa);
	cr_assert_not_null(r);
	cr_assert_null(td_err(r), "the held re-issue completes");
	const char *nt = json_string_value(json_object_get(r, "token"));
	cr_assert_not_null(nt);
	char *t = read_trace();
	cr_assert_geq(last_line(t, "fdatasync", "/log/leaves"), 0, "synced before the reply:\n%s",
	              t);
	free(t);
	expect(reqf("booth", "{\"op\":\"ballot\",\"token\":\"%s\"}", nt), NULL, NULL);
	expect(reqf("booth", "{\"op\":\"ballot\",\"token\":\"%s\"}", tok[2]), "token_invalid",
	       NULL);
	expect(reqf("operator", "{\"op\":\"checkin\",\"voter\":\"V0004\"}"), NULL, NULL);
	json_decref(r);
}

Test(ballotd_faults, unavailable_after_failed_log_append)
{
	start("fail", NULL);
	gate_set(1);
	char *m = td_marks_json(3);
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":%s}", tok[0], m),
	       "unavailable", "the audit log failed");
	free(m);
	gate_set(0);
	/* The log works again, but the station stays refused until restarted. */
	expect(reqf("booth", "{\"op\":\"ballot\",\"token\":\"%s\"}", tok[1]), "unavailable",
	       "must be restarted");
	m = td_marks_json(0);
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":%s}", tok[1], m),
	       "unavailable", NULL);
	free(m);
	expect(reqf("operator", "{\"op\":\"ping\"}"), NULL, NULL);
	/* Restart: the ballot committed to the box before the failed append
	 * is put in the log (P-5.4); its token is spent, the others serve. */
	restart_plain();
	json_t *s = reqf("operator", "{\"op\":\"status\"}");
	cr_assert_null(td_err(s));
	cr_assert_eq(json_integer_value(json_object_get(s, "cast")), 1);
	json_decref(s);
	expect(reqf("booth", "{\"op\":\"ballot\",\"token\":\"%s\"}", tok[0]), "token_spent", NULL);
	expect(reqf("booth", "{\"op\":\"ballot\",\"token\":\"%s\"}", tok[1]), NULL, NULL);
}

Test(ballotd_faults, busy_when_pending_ballots_are_full)
{
	/* A daemon built with PENDING_MAX 2 (tests/voter/meson.build). */
	start(NULL, "tests/voter/quorum-ballotd-pending2");
	char *code[3] = {NULL, NULL, NULL};
	for (int i = 0; i < 2; i++) {
		json_t *r = reqf("booth", "{\"op\":\"encrypt\",\"token\":\"%s\",\"marks\":%s}",
		                 tok[i], "[[1,0],[1,1,0,0,1]]");
		cr_assert_null(td_err(r));
		code[i] = strdup(json_string_value(json_object_get(r, "tracking_code")));
		json_decref(r);
	}
	expect(reqf("booth", "{\"op\":\"encrypt\",\"token\":\"%s\",\"marks\":%s}", tok[2],
	            "[[1,0],[1,1,0,0,1]]"),
	       "busy", "too many ballots awaiting cast or challenge");
	/* Re-encrypting a token that has a pending ballot replaces it. */
	json_t *r = reqf("booth", "{\"op\":\"encrypt\",\"token\":\"%s\",\"marks\":%s}", tok[0],
	                 "[[0,1],[0,0,1,0,0]]");
	cr_assert_null(td_err(r));
	free(code[0]);
	code[0] = strdup(json_string_value(json_object_get(r, "tracking_code")));
	json_decref(r);
	/* Casting one frees its place. */
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"tracking_code\":\"%s\"}", tok[0],
	            code[0]),
	       NULL, NULL);
	expect(reqf("booth", "{\"op\":\"encrypt\",\"token\":\"%s\",\"marks\":%s}", tok[2],
	            "[[1,0],[1,1,0,0,1]]"),
	       NULL, NULL);
	for (int i = 0; i < 3; i++)
		free(code[i]);
}

/* The station record is written as a temporary file, synced, renamed,
 * and the state directory synced (P-7.2): if that last sync fails the
 * record's name may not survive a power cut, so close must not answer
 * "closed".  The poll stays closed; close again, once the sync works,
 * finishes it. */
Test(ballotd_faults, close_fails_when_the_state_directory_sync_fails)
{
	fault_match = "/state$";
	start("fail", NULL);
	char *m = td_marks_json(1);
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":%s}", tok[0], m), NULL,
	       NULL);
	free(m);
	gate_set(1);
	expect(reqf("admin", "{\"op\":\"close\"}"), "internal", "closing failed");
	char *t = read_trace();
	cr_assert(last_line(t, "fsync-failed", "/state") >= 0,
	          "the state directory's sync was not attempted:\n%s", t);
	free(t);
	json_t *r = reqf("admin", "{\"op\":\"status\"}");
	cr_assert_str_neq(json_string_value(json_object_get(r, "state")), "closed");
	cr_assert_str_neq(json_string_value(json_object_get(r, "state")), "open");
	json_decref(r);
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[1,0],[0,0,0,0,0]]}",
	            tok[1]),
	       "poll_closed", NULL);
	gate_set(0);
	r = reqf("admin", "{\"op\":\"close\"}");
	cr_assert_null(td_err(r));
	cr_assert_str_eq(json_string_value(json_object_get(r, "state")), "closed");
	json_decref(r);
	r = reqf("admin", "{\"op\":\"export\"}");
	cr_assert_null(td_err(r));
	cr_assert_eq(json_array_size(json_object_get(json_object_get(r, "record"), "ballots")), 1);
	json_decref(r);
}

/* A check-in sent on a connection of its own, its reply not yet read. */
static int checkin_send(const char *voter)
{
	char line[200];
	int fd = td_connect(&d, "operator");
	cr_assert(fd >= 0);
	snprintf(line, sizeof line, "{\"op\":\"checkin\",\"voter\":\"%s\"}\n", voter);
	td_send(fd, line, strlen(line));
	return fd;
}

static json_t *reply_of(int fd)
{
	json_t *r = td_recv(fd);
	close(fd);
	cr_assert_not_null(r, "no reply");
	return r;
}

static int64_t checked_in_count(void)
{
	json_t *s = reqf("operator", "{\"op\":\"status\"}");
	cr_assert_null(td_err(s));
	int64_t n = json_integer_value(json_object_get(s, "checked_in"));
	json_decref(s);
	return n;
}

/* Check-ins are committed in groups (P-5.3): while one group's commit
 * waits for its fsync the loop thread still serves booths, the check-ins
 * arriving meanwhile form the next group, and a refused check-in in a
 * group (the same voter twice) spares the others. */
Test(ballotd_faults, checkin_group_refuses_one_and_acknowledges_the_others)
{
	fault_match = "/roll.db$";
	start("hold", NULL);
	gate_set(1);
	int f4 = checkin_send("V0004");
	wait_trace("-held ");
	/* Held in its group's fsync: a booth is served meanwhile. */
	expect(reqf("booth", "{\"op\":\"ballot\",\"token\":\"%s\"}", tok[0]), NULL, NULL);
	int f5 = checkin_send("V0005");
	int f5b = checkin_send("V0005");
	int f6 = checkin_send("V0006");
	int f4b = checkin_send("V0004");
	/* Let them reach the queue behind the held group. */
	struct timespec ts = {0, 300 * 1000 * 1000};
	nanosleep(&ts, NULL);
	gate_set(0);
	json_t *r4 = reply_of(f4), *r5 = reply_of(f5), *r5b = reply_of(f5b), *r6 = reply_of(f6),
	       *r4b = reply_of(f4b);
	cr_assert_null(td_err(r4), "the held check-in completes");
	cr_assert_null(td_err(r6), "V0006 is checked in beside a refused check-in");
	expect(json_incref(r4b), "already_voted", "V0004");
	/* Exactly one of V0005's two check-ins has a token. */
	int ok5 = (td_err(r5) == NULL) + (td_err(r5b) == NULL);
	cr_assert_eq(ok5, 1, "V0005 checked in %d times", ok5);
	expect(json_incref(td_err(r5) == NULL ? r5b : r5), "already_voted", "V0005");
	/* Each token given out works at a booth (it was committed). */
	json_t *oks[3] = {r4, td_err(r5) == NULL ? r5 : r5b, r6};
	for (int i = 0; i < 3; i++) {
		const char *t = json_string_value(json_object_get(oks[i], "token"));
		cr_assert_not_null(t);
		expect(reqf("booth", "{\"op\":\"ballot\",\"token\":\"%s\"}", t), NULL, NULL);
	}
	cr_assert_eq(checked_in_count(), 6);
	/* And after a kill -9 the roll DB says the same. */
	restart_plain();
	cr_assert_eq(checked_in_count(), 6);
	for (int i = 0; i < 3; i++) {
		const char *t = json_string_value(json_object_get(oks[i], "token"));
		expect(reqf("booth", "{\"op\":\"ballot\",\"token\":\"%s\"}", t), NULL, NULL);
	}
	expect(reqf("operator", "{\"op\":\"checkin\",\"voter\":\"V0006\"}"), "already_voted", NULL);
	json_decref(r4);
	json_decref(r5);
	json_decref(r5b);
	json_decref(r6);
	json_decref(r4b);
}

/* A group whose commit fails acknowledges none of its check-ins: no token
 * is handed out, the voters are not checked in (they may check in again),
 * and the check-ins of other groups stand. */
Test(ballotd_faults, failed_checkin_group_acknowledges_none)
{
	fault_match = "/roll.db$";
	/* groups 1-3: start()'s check-ins; 4: V0004 (held); 5 fails */
	td_extra_env = "QUORUM_TEST_ROLL_FAIL=5";
	start("hold", NULL);
	td_extra_env = NULL;
	gate_set(1);
	int f4 = checkin_send("V0004");
	wait_trace("-held ");
	int f[3];
	for (int i = 0; i < 3; i++) {
		char v[8];
		snprintf(v, sizeof v, "V000%d", 5 + i);
		f[i] = checkin_send(v);
	}
	struct timespec ts = {0, 300 * 1000 * 1000};
	nanosleep(&ts, NULL);
	gate_set(0);
	expect(reply_of(f4), NULL, NULL);
	for (int i = 0; i < 3; i++) {
		json_t *r = reply_of(f[i]);
		cr_assert_null(json_object_get(r, "token"), "a token of a failed group was given");
		expect(r, "internal", "roll DB commit failed");
	}
	cr_assert_eq(checked_in_count(), 4);
	/* Not checked in: each may check in now, and the token works. */
	for (int i = 0; i < 3; i++) {
		json_t *r = reqf("operator", "{\"op\":\"checkin\",\"voter\":\"V000%d\"}", 5 + i);
		cr_assert_null(td_err(r), "V000%d was left checked in by the failed group", 5 + i);
		expect(reqf("booth", "{\"op\":\"ballot\",\"token\":\"%s\"}",
		            json_string_value(json_object_get(r, "token"))),
		       NULL, NULL);
		json_decref(r);
	}
	cr_assert_eq(checked_in_count(), 7);
}

/* A check-in group's roll-DB fsync, held: the roll committer holds no lock
 * across it and the loop thread never reads the roll DB while the poll is
 * open (lookups and named votes are served from the roll and the
 * acknowledged check-ins in memory), so an operator's lookup, a named
 * vote, a booth's ballot are answered meanwhile; the voter being checked
 * in is not yet checked in to them (acknowledged only after the commit),
 * and a re-issue waits its turn (busy).  A challenge's count is that
 * roll DB's too: it joins the next group and is answered after it. */
Test(ballotd_faults, checkin_fsync_held_other_requests_answered)
{
	fault_match = "/roll.db$";
	td_named_motion = 1;
	start("hold", NULL);
	td_named_motion = 0;
	/* a ballot waiting for its challenge */
	json_t *r = reqf("booth", "{\"op\":\"encrypt\",\"token\":\"%s\",\"marks\":%s}", tok[2],
	                 "[[1,0],[1,1,0,0,1]]");
	cr_assert_null(td_err(r));
	char *code = strdup(json_string_value(json_object_get(r, "tracking_code")));
	json_decref(r);
	gate_set(1);
	int f4 = checkin_send("V0004");
	wait_trace("-held ");
	r = reqf("operator", "{\"op\":\"lookup\",\"voter\":\"V0001\"}");
	cr_assert_null(td_err(r));
	cr_assert(json_is_true(json_object_get(json_object_get(r, "voter"), "checked_in")));
	json_decref(r);
	r = reqf("operator", "{\"op\":\"lookup\",\"voter\":\"V0004\"}");
	cr_assert_null(td_err(r));
	cr_assert(json_is_false(json_object_get(json_object_get(r, "voter"), "checked_in")),
	          "a check-in not yet durable is not shown");
	json_decref(r);
	expect(reqf("operator", "{\"op\":\"named-vote\",\"contest\":\"hall\",\"voter\":"
	                        "\"V0001\",\"vote\":\"yes\"}"),
	       NULL, NULL);
	expect(reqf("operator", "{\"op\":\"named-vote\",\"contest\":\"hall\",\"voter\":"
	                        "\"V0004\",\"vote\":\"yes\"}"),
	       "not_attending", NULL);
	expect(reqf("operator", "{\"op\":\"reissue\",\"voter\":\"V0003\"}"), "busy", "check-in");
	expect(reqf("booth", "{\"op\":\"ballot\",\"token\":\"%s\"}", tok[1]), NULL, NULL);
	int fc = td_connect(&d, "booth");
	cr_assert(fc >= 0);
	char line[300];
	snprintf(line, sizeof line,
	         "{\"op\":\"challenge\",\"token\":\"%s\",\"tracking_code\":\"%s\"}\n", tok[2],
	         code);
	td_send(fc, line, strlen(line));
	/* the challenge's token is busy meanwhile; the loop thread is not */
	expect(reqf("booth", "{\"op\":\"ballot\",\"token\":\"%s\"}", tok[2]), "token_busy", NULL);
	expect(reqf("operator", "{\"op\":\"lookup\",\"voter\":\"V0002\"}"), NULL, NULL);
	/* a cast meanwhile: through the box committer and the logger, which
	 * the challenge would have passed before it had it not waited for
	 * its count's commit (their replies come in order) */
	char *mk = td_marks_json(0);
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":%s}", tok[1], mk), NULL,
	       NULL);
	free(mk);
	/* still held: neither the check-in nor the challenge has a reply */
	char c1;
	cr_assert_lt(recv(f4, &c1, 1, MSG_DONTWAIT | MSG_PEEK), 0, "the check-in was answered");
	cr_assert_lt(recv(fc, &c1, 1, MSG_DONTWAIT | MSG_PEEK), 0, "the challenge was answered");
	gate_set(0);
	r = reply_of(f4);
	cr_assert_null(td_err(r), "the held check-in completes");
	json_decref(r);
	r = td_recv(fc);
	close(fc);
	cr_assert_not_null(r);
	cr_assert_null(td_err(r), "the challenge completes after the group");
	json_decref(r);
	free(code);
	r = reqf("operator", "{\"op\":\"lookup\",\"voter\":\"V0004\"}");
	cr_assert(json_is_true(json_object_get(json_object_get(r, "voter"), "checked_in")));
	json_decref(r);
	expect(reqf("operator", "{\"op\":\"named-vote\",\"contest\":\"hall\",\"voter\":"
	                        "\"V0004\",\"vote\":\"no\"}"),
	       NULL, NULL);
}

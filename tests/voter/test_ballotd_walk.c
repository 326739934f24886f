/* SPDX-License-Identifier: GPL-3.0-or-later */
/* quorum-ballotd and quorum-ballot as a newcomer meets them (issue 21):
 * the daemon says what it started without --foreground; an unknown
 * station or an election directory whose base-hash is not its manifest's
 * and parameters' is refused at start, leaving nothing behind; the booth
 * shows what a challenged ballot held, in words, names once when both
 * languages agree; close asks first; status says what "registered" and
 * "roll_rows" count. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "testutil.h"

static tdaemon d;

static void fini(void)
{
	td_kill(&d);
	td_station = NULL;
	td_no_foreground = 0;
	test_rmtree(d.dir);
}

TestSuite(ballotd_walk, .fini = fini, .timeout = 120);

__attribute__((format(printf, 2, 3))) static json_t *reqf(const char *role, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return td_req(&d, role, buf);
}

static void ok(json_t *r)
{
	char *s = json_dumps(r, JSON_COMPACT);
	cr_assert_null(td_err(r), "refused: %s", s);
	free(s);
	json_decref(r);
}

static void start_open(void)
{
	td_setup(&d, 5);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	ok(reqf("admin", "{\"op\":\"import-roll\",\"path\":\"%s\"}", d.roll));
	ok(reqf("admin", "{\"op\":\"open\"}"));
}

/* quorum-ballot --state STATE args < stdin-text; exit status, output. */
static int console(const char *args, const char *in_text, char **out)
{
	char in[400], of[400], cmd[1500];
	snprintf(in, sizeof in, "%s/in.txt", d.dir);
	snprintf(of, sizeof of, "%s/out.txt", d.dir);
	cr_assert_eq(test_write_file(in, in_text, strlen(in_text)), 0);
	snprintf(cmd, sizeof cmd,
	         "LANGUAGE=en LC_ALL=C.UTF-8 %s/voter/quorum-ballot --state %s %s < %s > %s 2>&1",
	         getenv("QUORUM_BUILD_ROOT"), d.state, args, in, of);
	int rc = system(cmd);
	*out = test_read_file(of, NULL);
	cr_assert_not_null(*out);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static const char *state_now(void)
{
	static char s[32];
	json_t *r = reqf("operator", "{\"op\":\"status\"}");
	snprintf(s, sizeof s, "%s", json_string_value(json_object_get(r, "state")));
	json_decref(r);
	return s;
}

Test(ballotd_walk, start_without_foreground_says_what_started)
{
	td_setup(&d, 3);
	td_no_foreground = 1;
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	char *log = test_read_file(d.log, NULL);
	cr_assert_not_null(log);
	char want[1000];
	cr_assert(strstr(log, "station s1 of election hq-2026-committee") != NULL, "%s", log);
	cr_assert(strstr(log, "state: no roll imported yet") != NULL, "%s", log);
	snprintf(want, sizeof want, "%s/admin.sock, %s/operator.sock, %s/booth.sock", d.state,
	         d.state, d.state);
	cr_assert(strstr(log, want) != NULL, "%s", log);
	cr_assert(strstr(log, "journalctl -t quorum-ballotd") != NULL, "%s", log);
	/* without --foreground the log lines are not copied to stderr */
	cr_assert(strstr(log, "listening in") == NULL, "%s", log);
	free(log);
}

Test(ballotd_walk, unknown_station_leaves_no_state_directory)
{
	td_setup(&d, 3);
	td_station = "s9";
	int st;
	cr_assert_eq(td_start(&d, "station passphrase", &st), -1);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	char *log = test_read_file(d.log, NULL);
	cr_assert(strstr(log, "station s9 is not in the manifest") != NULL, "%s", log);
	free(log);
	struct stat sb;
	cr_assert_neq(stat(d.state, &sb), 0, "an empty %s was left behind", d.state);
}

/* RP-5.2: the station reads the election directory's own rule profiles:
 * one changed after init (a byte added) or missing is refused at start,
 * the file named; restored, it starts. */
Test(ballotd_walk, altered_or_missing_profile_is_refused_naming_the_file)
{
	td_setup(&d, 3);
	char p[400], keep[400];
	size_t l;
	snprintf(p, sizeof p, "%s/rules/CH1.json", d.el);
	char *orig = test_read_file(p, &l);
	cr_assert_not_null(orig);
	char *more = malloc(l + 1);
	memcpy(more, orig, l);
	more[l] = ' ';
	cr_assert_eq(test_write_file(p, more, l + 1), 0);
	int st;
	cr_assert_eq(td_start(&d, "station passphrase", &st), -1,
	             "started with an altered profile");
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	char *log = test_read_file(d.log, NULL);
	cr_assert(strstr(log, "/rules/CH1.json: SHA-256 is") != NULL &&
	              strstr(log, "the profile was changed after init") != NULL,
	          "%s", log);
	free(log);
	cr_assert_eq(test_write_file(p, orig, l), 0);
	/* the statute's file missing */
	snprintf(p, sizeof p, "%s/rules/UL-2025.json", d.el);
	snprintf(keep, sizeof keep, "%s/UL-2025.keep", d.dir);
	cr_assert_eq(rename(p, keep), 0);
	unlink(d.log);
	cr_assert_eq(td_start(&d, "station passphrase", &st), -1,
	             "started without the statute profile");
	log = test_read_file(d.log, NULL);
	cr_assert(strstr(log, "/rules/UL-2025.json: cannot read the profile") != NULL, "%s", log);
	free(log);
	cr_assert_eq(rename(keep, p), 0);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	free(orig);
	free(more);
}

/* Issue 21: the start-up error reaches a poll worker in Chinese when the
 * locale asks for it (zh_CN need not be installed: C.UTF-8 + LANGUAGE, the
 * catalogue from the build tree). */
Test(ballotd_walk, unknown_station_is_named_in_chinese)
{
	td_setup(&d, 3);
	td_station = "s9";
	setenv("LANGUAGE", "zh_CN", 1);
	setenv("LC_ALL", "C.UTF-8", 1);
	int st;
	cr_assert_eq(td_start(&d, "station passphrase", &st), -1);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	char *log = test_read_file(d.log, NULL);
	cr_assert(strstr(log, "选举清单中没有投票站 s9") != NULL, "%s", log);
	cr_assert(strstr(log, "is not in the manifest") == NULL, "%s", log);
	free(log);
}

/* parameters.json changed after init (one byte added), base-hash
 * not: the daemon refuses to start, naming the files. */
Test(ballotd_walk, base_hash_not_of_manifest_and_parameters_is_refused)
{
	td_setup(&d, 3);
	char p[400];
	size_t l;
	snprintf(p, sizeof p, "%s/parameters.json", d.el);
	char *pj = test_read_file(p, &l);
	char *more = malloc(l + 2);
	memcpy(more, pj, l);
	more[l] = '\n';
	cr_assert_eq(test_write_file(p, more, l + 1), 0);
	int st;
	cr_assert_eq(td_start(&d, "station passphrase", &st), -1);
	char *log = test_read_file(d.log, NULL);
	cr_assert(strstr(log, "base-hash is not the hash of manifest.json and parameters.json") !=
	              NULL,
	          "%s", log);
	free(log);
	/* the files written together again: it starts */
	td_write_base_hash(&d);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	free(pj);
	free(more);
}

/* The booth after a challenge shows the opened ballot's marks in words
 * (from the station's published opening) and how to check it; each
 * candidate's name once (the test manifest's names have one form). */
Test(ballotd_walk, booth_shows_what_the_challenged_ballot_held)
{
	start_open();
	json_t *r = reqf("operator", "{\"op\":\"checkin\",\"voter\":\"V0001\"}");
	char script[300], *o;
	snprintf(script, sizeof script, "%s\n2\n1 3\ny\nchallenge\n1\n\ny\ncast\n",
	         json_string_value(json_object_get(r, "token")));
	json_decref(r);
	int rc = console("booth", script, &o);
	cr_assert_eq(rc, 0, "%s", o);
	const char *c = strstr(o, "The opened ballot contains:");
	cr_assert_not_null(c, "%s", o);
	cr_assert(strstr(c, "主任 / Director: 李强\n") != NULL, "%s", c);
	cr_assert(strstr(c, "委员 / Members: 张伟, 陈静\n") != NULL, "%s", c);
	cr_assert(strstr(c, "quorum-audit opening RECORD_DIR TRACKING-CODE") != NULL, "%s", c);
	cr_assert(strstr(o, "李强 / 李强") == NULL, "a name shown twice: %s", o);
	cr_assert(strstr(o, "[1] 王芳\n") != NULL, "%s", o);
	free(o);
}

Test(ballotd_walk, close_asks_first)
{
	start_open();
	char *o;
	int rc = console("close", "yes\n", &o);
	cr_assert_eq(rc, 1, "%s", o);
	cr_assert(strstr(o, "Closing the poll is final") != NULL, "%s", o);
	cr_assert(strstr(o, "not closed (the poll stays open)") != NULL, "%s", o);
	cr_assert_str_eq(state_now(), "open");
	free(o);
	rc = console("close", "", &o);
	cr_assert_eq(rc, 1, "no answer closes nothing: %s", o);
	cr_assert_str_eq(state_now(), "open");
	free(o);
	rc = console("close", "close\n", &o);
	cr_assert_eq(rc, 0, "%s", o);
	cr_assert_str_eq(state_now(), "closed");
	free(o);
}

Test(ballotd_walk, status_says_what_registered_counts)
{
	start_open();
	char *o;
	int rc = console("status", "", &o);
	cr_assert_eq(rc, 0, "%s", o);
	/* E-4.3: the registered voters served here (5: the rows of the
	 * groups served here, 18 or older on polling day, not deprived), then
	 * every row of the roll (7), each explained */
	cr_assert(strstr(o, "registered   5\n") != NULL, "%s", o);
	cr_assert(strstr(o, "roll_rows    7\n") != NULL, "%s", o);
	cr_assert(strstr(o, "registered: the registered voters served here") != NULL, "%s", o);
	cr_assert(strstr(o, "roll_rows: the rows of the roll imported at this station") != NULL,
	          "%s", o);
	free(o);
}

/* A second import-roll: refused in words, with the way to correct a roll. */
Test(ballotd_walk, second_import_says_how_to_correct_the_roll)
{
	start_open();
	char *o, args[400];
	snprintf(args, sizeof args, "import-roll %s", d.roll);
	int rc = console(args, "", &o);
	cr_assert_eq(rc, 1, "%s", o);
	cr_assert(strstr(o, "ROLL ALREADY IMPORTED") != NULL, "%s", o);
	cr_assert(strstr(o, "quorum-tally init") != NULL, "%s", o);
	free(o);
}

/* Issue 21: the daemon's log lines (st_log) are in the reader's language
 * too; the structured event id stays English (made from the format). */
Test(ballotd_walk, log_lines_in_chinese)
{
	td_setup(&d, 3);
	setenv("LANGUAGE", "zh_CN", 1);
	setenv("LC_ALL", "C.UTF-8", 1);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	cr_assert_eq(td_stop(&d), 0);
	char *log = test_read_file(d.log, NULL);
	cr_assert(strstr(log, "已就绪：状态") != NULL, "%s", log);
	cr_assert(strstr(log, " ready: state ") == NULL, "%s", log);
	free(log);
}

/* Issue 21: every refusal a console user can meet is said in words, not
 * only by its code: export before close. */
Test(ballotd_walk, export_before_close_says_so)
{
	start_open();
	char *o;
	int rc = console("export", "", &o);
	cr_assert_eq(rc, 1, "%s", o);
	cr_assert(strstr(o, "POLL NOT CLOSED") != NULL && strstr(o, "poll_not_closed") != NULL,
	          "%s", o);
	free(o);
}

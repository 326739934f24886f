/* SPDX-License-Identifier: GPL-3.0-or-later */
/* quorum-ballotd integration: SIGKILL during a burst of concurrent casts,
 * restart, and every acknowledged ballot is in the box and the log with no
 * half-spent token (atomicity and crash recovery; a killed process's writes
 * survive in the page cache, so durability -- the syncs before a receipt --
 * is shown by test_ballotd_faults.c and test_ballotd_powercut.c instead); a
 * wrong database key is refused. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit/log.h"
#include "daemon.h"
#include "testutil.h"

#define NCLIENTS 16
#define PER_CLIENT 6
#define NTOK (NCLIENTS * PER_CLIENT)

static tdaemon d;

static void fini(void)
{
	td_kill(&d);
	test_rmtree(d.dir);
}

TestSuite(ballotd_crash, .fini = fini, .timeout = 180);

static char tokens[NTOK][40];
static char acked[NTOK][70]; /* tracking code of an acknowledged cast, or "" */
static volatile int nacked;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *client(void *arg)
{
	int c = (int)(intptr_t)arg;
	int fd = td_connect(&d, "booth");
	if (fd < 0)
		return NULL;
	for (int k = 0; k < PER_CLIENT; k++) {
		int i = c * PER_CLIENT + k;
		char line[300];
		char *m = td_marks_json(i);
		int n = snprintf(line, sizeof line,
		                 "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":%s}\n", tokens[i], m);
		free(m);
		td_send(fd, line, (size_t)n);
		json_t *r = td_recv(fd);
		if (r == NULL)
			break; /* the daemon died */
		if (td_err(r) == NULL) {
			pthread_mutex_lock(&mu);
			snprintf(acked[i], sizeof acked[i], "%s",
			         json_string_value(json_object_get(r, "tracking_code")));
			nacked++;
			pthread_mutex_unlock(&mu);
		}
		json_decref(r);
	}
	close(fd);
	return NULL;
}

static json_t *req(const char *role, const char *json)
{
	return td_req(&d, role, json);
}

static void ok(json_t *r)
{
	char *s = json_dumps(r, JSON_COMPACT);
	cr_assert_null(td_err(r), "%s", s);
	free(s);
	json_decref(r);
}

Test(ballotd_crash, sigkill_during_casts_is_atomic_and_recovered)
{
	char buf[600];
	td_setup(&d, NTOK + 4);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	snprintf(buf, sizeof buf, "{\"op\":\"import-roll\",\"path\":\"%s\"}", d.roll);
	ok(req("admin", buf));
	ok(req("admin", "{\"op\":\"open\"}"));
	for (int i = 0; i < NTOK; i++) {
		snprintf(buf, sizeof buf, "{\"op\":\"checkin\",\"voter\":\"V%04d\"}", i + 1);
		json_t *r = req("operator", buf);
		cr_assert_null(td_err(r));
		snprintf(tokens[i], sizeof tokens[i], "%s",
		         json_string_value(json_object_get(r, "token")));
		json_decref(r);
	}
	pthread_t th[NCLIENTS];
	for (int c = 0; c < NCLIENTS; c++)
		cr_assert_eq(pthread_create(&th[c], NULL, client, (void *)(intptr_t)c), 0);
	/* Kill once some receipts are out, while the burst is running. */
	for (int w = 0; w < 3000; w++) {
		pthread_mutex_lock(&mu);
		int n = nacked;
		pthread_mutex_unlock(&mu);
		if (n >= NTOK / 4)
			break;
		struct timespec ts = {0, 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	td_kill(&d);
	for (int c = 0; c < NCLIENTS; c++)
		pthread_join(th[c], NULL);
	cr_assert(nacked >= 1);
	cr_log_info("acknowledged before SIGKILL: %d of %d", nacked, NTOK);

	/* Restart: the box and the log are reconciled. */
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	/* Every acknowledged token is spent; every other token is either
	 * spent (committed, reply lost) or castable now -- never neither. */
	int spent = 0, fresh = 0;
	for (int i = 0; i < NTOK; i++) {
		char *m = td_marks_json(i);
		snprintf(buf, sizeof buf, "{\"op\":\"cast\",\"token\":\"%.32s\",\"marks\":%s}",
		         tokens[i], m);
		free(m);
		json_t *r = req("booth", buf);
		const char *e = td_err(r);
		if (acked[i][0] != '\0')
			cr_assert(e != NULL && strcmp(e, "token_spent") == 0,
			          "acknowledged token %d reusable (%s)", i, e ? e : "ok");
		if (e == NULL)
			fresh++;
		else if (strcmp(e, "token_spent") == 0)
			spent++;
		else
			cr_assert_fail("token %d: unexpected %s", i, e);
		json_decref(r);
	}
	cr_assert_eq(spent + fresh, NTOK);
	ok(req("admin", "{\"op\":\"close\"}"));
	json_t *ex = req("admin", "{\"op\":\"export\"}");
	cr_assert_null(td_err(ex));
	json_t *rec = json_object_get(ex, "record");
	json_t *ballots = json_object_get(rec, "ballots");
	/* Exactly one ballot per token: no token spent without its ballot,
	 * no ballot whose token could be used again. */
	cr_assert_eq(json_array_size(ballots), (size_t)NTOK, "%zu ballots for %d tokens",
	             json_array_size(ballots), NTOK);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(rec, "counts"), "cast")),
	             NTOK);
	for (int i = 0; i < NTOK; i++) {
		if (acked[i][0] == '\0')
			continue;
		int found = 0;
		size_t k;
		json_t *b;
		json_array_foreach(ballots, k, b)
		{
			if (strcmp(json_string_value(json_object_get(b, "tracking_code")),
			           acked[i]) == 0)
				found++;
		}
		cr_assert_eq(found, 1, "acknowledged ballot %d found %d times", i, found);
	}
	cr_assert_eq(td_stop(&d), 0, "daemon did not exit cleanly (see its log)");
	/* The log holds every stored ballot exactly once. */
	char ld[400], msg[LOG_MSG_MAX];
	snprintf(ld, sizeof ld, "%s/log", d.state);
	audit_log *lg = NULL;
	cr_assert_eq(log_open(ld, LOG_RDONLY, &lg, msg, sizeof msg), Q_OK, "%s", msg);
	uint64_t n;
	cr_assert_eq(log_verify(lg, &n, NULL), Q_OK, "%s", log_error(lg));
	uint8_t *buf2 = malloc(MERKLE_MAX_ENTRY);
	const char *tag = "quorum/v1/station/ballot-cast\n";
	size_t ncast = 0;
	for (uint64_t i = 0; i < n; i++) {
		size_t len;
		cr_assert_eq(log_read_entry(lg, i, buf2, &len), Q_OK);
		if (len > strlen(tag) && memcmp(buf2, tag, strlen(tag)) == 0)
			ncast++;
	}
	cr_assert_eq(ncast, (size_t)NTOK, "%zu cast entries in the log for %d ballots", ncast,
	             NTOK);
	free(buf2);
	log_close(lg);
	json_decref(ex);
}

Test(ballotd_crash, wrong_key_refused)
{
	td_setup(&d, 5);
	cr_assert_eq(td_start(&d, "the right passphrase", NULL), 0);
	char buf[600];
	snprintf(buf, sizeof buf, "{\"op\":\"import-roll\",\"path\":\"%s\"}", d.roll);
	ok(req("admin", buf));
	cr_assert_eq(td_stop(&d), 0);
	int st;
	cr_assert_eq(td_start(&d, "the wrong passphrase", &st), -1);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	char *log = test_read_file(d.log, NULL);
	cr_assert(strstr(log, "wrong database key") != NULL, "%s", log);
	free(log);
	/* The right key still opens it, with the roll intact. */
	cr_assert_eq(td_start(&d, "the right passphrase", NULL), 0);
	json_t *r = req("operator", "{\"op\":\"status\"}");
	cr_assert_eq(json_integer_value(json_object_get(r, "roll_rows")), 7);
	json_decref(r);
	cr_assert_eq(td_stop(&d), 0);
}

/* P-4.1: a new station refuses a passphrase shorter than 12 bytes before
 * it writes anything (no STATE/kdf, no database), naming both lengths;
 * 12 bytes make one. */
Test(ballotd_crash, short_passphrase_refused_for_a_new_station)
{
	char p[1200];
	struct stat sb;
	int st;
	td_setup(&d, 5);
	cr_assert_eq(td_start(&d, "11 bytes pw", &st), -1);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %d", st);
	char *log = test_read_file(d.log, NULL);
	cr_assert(strstr(log, "at least 12 bytes") != NULL && strstr(log, "has 11") != NULL, "%s",
	          log);
	free(log);
	snprintf(p, sizeof p, "%s/kdf", d.state);
	cr_assert_neq(stat(p, &sb), 0, "%s written for a refused passphrase", p);
	snprintf(p, sizeof p, "%s/roll.db", d.state);
	cr_assert_neq(stat(p, &sb), 0, "%s written for a refused passphrase", p);
	cr_assert_eq(td_start(&d, "12 bytes pw!", NULL), 0);
	cr_assert_eq(td_stop(&d), 0);
}

/* Deterministic: the daemon dies right after the box commit of the second
 * group, before its log append (test hook).  On restart the ballot is in
 * the box and is appended to the log; its token stays spent. */
Test(ballotd_crash, crash_between_box_and_log_is_repaired)
{
	char buf[600];
	char tok[2][40];
	td_setup(&d, 5);
	td_extra_env = "QUORUM_TEST_CRASH_AFTER_BOX=2";
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	td_extra_env = NULL;
	snprintf(buf, sizeof buf, "{\"op\":\"import-roll\",\"path\":\"%s\"}", d.roll);
	ok(req("admin", buf));
	ok(req("admin", "{\"op\":\"open\"}"));
	for (int i = 0; i < 2; i++) {
		snprintf(buf, sizeof buf, "{\"op\":\"checkin\",\"voter\":\"V%04d\"}", i + 1);
		json_t *r = req("operator", buf);
		cr_assert_null(td_err(r));
		snprintf(tok[i], sizeof tok[i], "%s",
		         json_string_value(json_object_get(r, "token")));
		json_decref(r);
	}
	snprintf(buf, sizeof buf,
	         "{\"op\":\"cast\",\"token\":\"%.32s\",\"marks\":[[1,0],[0,0,0,0,0]]}", tok[0]);
	ok(req("booth", buf));
	/* The second cast gets no receipt: the daemon exits mid-commit. */
	int fd = td_connect(&d, "booth");
	snprintf(buf, sizeof buf,
	         "{\"op\":\"cast\",\"token\":\"%.32s\",\"marks\":[[0,1],[0,0,0,0,0]]}\n", tok[1]);
	td_send(fd, buf, strlen(buf));
	json_t *r = td_recv(fd);
	cr_assert_null(r, "a receipt was sent before the log append");
	close(fd);
	int st;
	cr_assert_eq(waitpid(d.pid, &st, 0), d.pid);
	d.pid = 0;
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 99);

	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	char *log = test_read_file(d.log, NULL);
	cr_assert(strstr(log, "recovery: 1 stored ballots appended to the log") != NULL, "%s", log);
	free(log);
	snprintf(buf, sizeof buf,
	         "{\"op\":\"cast\",\"token\":\"%.32s\",\"marks\":[[0,1],[0,0,0,0,0]]}", tok[1]);
	r = req("booth", buf);
	cr_assert_str_eq(td_err(r), "token_spent");
	json_decref(r);
	r = req("operator", "{\"op\":\"status\"}");
	cr_assert_eq(json_integer_value(json_object_get(r, "cast")), 2);
	json_decref(r);
	cr_assert_eq(td_stop(&d), 0);
	/* Both ballots in the log, once each; a second restart appends nothing. */
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	cr_assert_eq(td_stop(&d), 0);
	log = test_read_file(d.log, NULL);
	char *first = strstr(log, "recovery:");
	cr_assert(first != NULL && strstr(first + 1, "recovery:") == NULL, "%s", log);
	free(log);
	char ld[400], msg[LOG_MSG_MAX];
	snprintf(ld, sizeof ld, "%s/log", d.state);
	audit_log *lg = NULL;
	cr_assert_eq(log_open(ld, LOG_RDONLY, &lg, msg, sizeof msg), Q_OK, "%s", msg);
	uint8_t *b = malloc(MERKLE_MAX_ENTRY);
	const char *tag = "quorum/v1/station/ballot-cast\n";
	int ncast = 0;
	for (uint64_t i = 0; i < log_size(lg); i++) {
		size_t len;
		cr_assert_eq(log_read_entry(lg, i, b, &len), Q_OK);
		if (len > strlen(tag) && memcmp(b, tag, strlen(tag)) == 0)
			ncast++;
	}
	cr_assert_eq(ncast, 2);
	free(b);
	log_close(lg);
}

/* A crash in the middle of close (after poll-closed is logged, before the
 * record): the next start finishes the close, logs poll-closed once, and
 * the record can be exported. */
Test(ballotd_crash, crash_during_close_is_finished)
{
	char buf[600];
	td_setup(&d, 5);
	td_extra_env = "QUORUM_TEST_CRASH_IN_CLOSE=1";
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	td_extra_env = NULL;
	snprintf(buf, sizeof buf, "{\"op\":\"import-roll\",\"path\":\"%s\"}", d.roll);
	ok(req("admin", buf));
	ok(req("admin", "{\"op\":\"open\"}"));
	json_t *r = req("operator", "{\"op\":\"checkin\",\"voter\":\"V0001\"}");
	snprintf(buf, sizeof buf,
	         "{\"op\":\"cast\",\"token\":\"%.32s\",\"marks\":[[1,0],[0,0,0,0,0]]}",
	         json_string_value(json_object_get(r, "token")));
	json_decref(r);
	ok(req("booth", buf));
	int fd = td_connect(&d, "admin");
	td_send(fd, "{\"op\":\"close\"}\n", 15);
	cr_assert_null(td_recv(fd));
	close(fd);
	int st;
	cr_assert_eq(waitpid(d.pid, &st, 0), d.pid);
	d.pid = 0;
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 98);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	r = req("operator", "{\"op\":\"status\"}");
	cr_assert_str_eq(json_string_value(json_object_get(r, "state")), "closed");
	json_decref(r);
	r = req("admin", "{\"op\":\"export\"}");
	cr_assert_null(td_err(r));
	json_t *rec = json_object_get(r, "record");
	cr_assert_eq(json_array_size(json_object_get(rec, "ballots")), 1);
	json_decref(r);
	cr_assert_eq(td_stop(&d), 0);
	char ld[400], msg[LOG_MSG_MAX];
	snprintf(ld, sizeof ld, "%s/log", d.state);
	audit_log *lg = NULL;
	cr_assert_eq(log_open(ld, LOG_RDONLY, &lg, msg, sizeof msg), Q_OK, "%s", msg);
	uint8_t *b = malloc(MERKLE_MAX_ENTRY);
	const char *tag = "quorum/v1/station/poll-closed\n";
	int nclosed = 0;
	for (uint64_t i = 0; i < log_size(lg); i++) {
		size_t len;
		cr_assert_eq(log_read_entry(lg, i, b, &len), Q_OK);
		if (len > strlen(tag) && memcmp(b, tag, strlen(tag)) == 0)
			nclosed++;
	}
	cr_assert_eq(nclosed, 1);
	free(b);
	log_close(lg);
}

/* The station takes the election's base hash only from the election
 * directory (B-1.2); without it the daemon refuses to start and says why. */
Test(ballotd_crash, missing_base_hash_refused)
{
	td_setup(&d, 3);
	char p[400];
	snprintf(p, sizeof p, "%s/base-hash", d.el);
	cr_assert_eq(unlink(p), 0);
	int st;
	cr_assert_eq(td_start(&d, "a passphrase", &st), -1);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) != 0);
	char *log = test_read_file(d.log, NULL);
	cr_assert(strstr(log, "base-hash is missing") != NULL, "%s", log);
	free(log);
	/* a malformed one is refused too */
	cr_assert_eq(test_write_file(p, "abcd\n", 5), 0);
	cr_assert_eq(td_start(&d, "a passphrase", &st), -1);
	log = test_read_file(d.log, NULL);
	cr_assert(strstr(log, "not 64 hex digits") != NULL, "%s", log);
	free(log);
}

/* A manifest whose ballot cannot fit in one audit-log entry (A-1: 65,535
 * bytes) is refused at start-up with the sizes named, rather than failing
 * at the first challenged ballot. */
Test(ballotd_crash, ballot_too_large_for_log_refused)
{
	td_setup(&d, 130);
	size_t cap = 64 * 1024, n = 0;
	char *m = malloc(cap);
	cr_assert_not_null(m);
	n += (size_t)snprintf(
	    m + n, cap - n,
	    "{\"format\": \"quorum-manifest/1\", \"id\": \"hq-big\", \"title\": {\"zh\": \"大\", "
	    "\"en\": \"Big\"}, \"kind\": \"election\", \"body\": {\"mode\": \"residents\", "
	    "\"registered\": 1000, \"households\": 400, \"groups\": 4}, \"committee\": "
	    "{\"members\": 7, \"term_years\": 5}, \"stations\": [{\"id\": \"s1\", \"name\": "
	    "\"s1\", \"groups\": [\"g1\", \"g2\"]}, {\"id\": \"s2\", \"name\": \"s2\", "
	    "\"groups\": [\"g3\", \"g4\"]}], \"dates\": {\"polling_day\": \"2026-03-15\", "
	    "\"roll_published\": \"2026-02-20\"}, \"contests\": [");
	/* two contests of 60 candidates, 59 seats: each ballot fits the
	 * style's option limit, together they exceed one log entry */
	for (int c = 0; c < 2; c++) {
		n += (size_t)snprintf(m + n, cap - n,
		                      "%s{\"id\": \"k%d\", \"type\": \"office\", \"title\": "
		                      "{\"zh\": \"委员\", \"en\": \"Members\"}, \"seats\": 59, "
		                      "\"rules\": [\"UL19\"], \"candidates\": [",
		                      c ? ", " : "", c);
		for (int i = 1; i <= 60; i++)
			n +=
			    (size_t)snprintf(m + n, cap - n,
			                     "%s{\"id\": \"m%d\", \"voter\": \"V%04d\", "
			                     "\"name\": \"N%d\", \"nomination\": {\"by\": "
			                     "\"party\"}}",
			                     i > 1 ? ", " : "", c * 60 + i, c * 60 + i, c * 60 + i);
		n += (size_t)snprintf(m + n, cap - n, "]}");
	}
	n += (size_t)snprintf(m + n, cap - n, "]}\n");
	cr_assert(n < cap);
	char p[400];
	snprintf(p, sizeof p, "%s/manifest.json", d.el);
	cr_assert_eq(test_write_file(p, m, n), 0);
	td_set_profiles(&d, NULL, NULL, 0); /* the profiles this manifest uses (RP-5.1) */
	free(m);
	int st;
	cr_assert_eq(td_start(&d, "a passphrase", &st), -1);
	char *log = test_read_file(d.log, NULL);
	cr_assert(strstr(log, "too large for the audit log") != NULL, "%s", log);
	free(log);
}

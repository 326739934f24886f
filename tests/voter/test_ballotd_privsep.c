/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * quorum-ballotd's privilege separation (docs/spec/protocol.md P-9), on
 * the real daemon (quorum-ballotd-test):
 *  - the worker runs confined (another user when started as root,
 *    NoNewPrivs, a seccomp filter);
 *  - a worker that attempts a forbidden system call (test hook
 *    QUORUM_TEST_WORKER_FORBIDDEN: it tries to execute a shell) is killed
 *    by SIGSYS; the monitor survives, logs it, starts another worker, and
 *    serving resumes with every acknowledged ballot kept;
 *  - kill -9 of the worker alone loses no acknowledged ballot and the
 *    monitor restarts it;
 *  - a malformed message from the worker (test hook
 *    QUORUM_TEST_WORKER_MALFORMED) is refused, named in the log, and the
 *    worker replaced; nothing is performed.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "testutil.h"

static tdaemon d;

static void fini(void)
{
	td_kill(&d);
	test_rmtree(d.dir);
}

TestSuite(ballotd_privsep, .fini = fini, .timeout = 120);

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

/* Import the roll, open, check in n voters into tok[i] (33 bytes each). */
static void poll_open(int n, char tok[][40])
{
	char buf[600];
	snprintf(buf, sizeof buf, "{\"op\":\"import-roll\",\"path\":\"%s\"}", d.roll);
	ok(req("admin", buf));
	ok(req("admin", "{\"op\":\"open\"}"));
	for (int i = 0; i < n; i++) {
		snprintf(buf, sizeof buf, "{\"op\":\"checkin\",\"voter\":\"V%04d\"}", i + 1);
		json_t *r = req("operator", buf);
		cr_assert_null(td_err(r));
		snprintf(tok[i], 40, "%s", json_string_value(json_object_get(r, "token")));
		json_decref(r);
	}
}

/* Cast with marks; the tracking code of the receipt (malloc'd). */
static char *cast(const char *tok, int variant)
{
	char buf[600];
	char *m = td_marks_json(variant);
	snprintf(buf, sizeof buf, "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":%s}", tok, m);
	free(m);
	json_t *r = req("booth", buf);
	char *s = json_dumps(r, JSON_COMPACT);
	cr_assert_null(td_err(r), "cast: %s", s);
	free(s);
	char *code = strdup(json_string_value(json_object_get(r, "tracking_code")));
	json_decref(r);
	return code;
}

static int count_in_log(const char *what)
{
	char *log = test_read_file(d.log, NULL);
	int n = 0;
	for (const char *p = log; (p = strstr(p, what)) != NULL; p++)
		n++;
	free(log);
	return n;
}

/* The pid of the newest worker, from the monitor's log. */
static pid_t worker_pid(void)
{
	char *log = test_read_file(d.log, NULL);
	const char *last = NULL;
	for (const char *p = log; (p = strstr(p, "(worker pid ")) != NULL; p++)
		last = p + strlen("(worker pid ");
	for (const char *p = log; (p = strstr(p, "worker restarted (pid ")) != NULL; p++)
		last = p + strlen("worker restarted (pid ");
	pid_t pid = last != NULL ? (pid_t)atoi(last) : -1;
	free(log);
	cr_assert(pid > 0, "no worker pid in the log");
	return pid;
}

/* Wait (bounded) until the log says the worker was restarted n times. */
static void await_restarts(int n)
{
	for (int i = 0; i < 500 && count_in_log("worker restarted (pid ") < n; i++) {
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	char *log = test_read_file(d.log, NULL);
	cr_assert_eq(count_in_log("worker restarted (pid "), n, "%s", log);
	free(log);
}

static void monitor_alive(void)
{
	int st;
	cr_assert_eq(waitpid(d.pid, &st, WNOHANG), 0, "the monitor died");
	cr_assert_eq(kill(d.pid, 0), 0);
}

/* Close and export; every code in codes (n) is among the record's
 * ballots, and the record holds exactly want ballots. */
static void record_holds(char **codes, int n, size_t want)
{
	json_t *r = req("admin", "{\"op\":\"close\"}");
	ok(r);
	r = req("admin", "{\"op\":\"export\"}");
	cr_assert_null(td_err(r));
	const json_t *ballots = json_object_get(json_object_get(r, "record"), "ballots");
	cr_assert_eq(json_array_size(ballots), want);
	for (int i = 0; i < n; i++) {
		int found = 0;
		for (size_t k = 0; k < json_array_size(ballots); k++)
			found |= strcmp(json_string_value(json_object_get(
			                    json_array_get(ballots, k), "tracking_code")),
			                codes[i]) == 0;
		cr_assert(found, "acknowledged ballot %s is not in the record", codes[i]);
	}
	json_decref(r);
}

static char *proc_status_line(pid_t pid, const char *key)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	char *s = test_read_file(path, NULL);
	char *p = strstr(s, key);
	cr_assert_not_null(p, "%s has no %s", path, key);
	char *nl = strchr(p, '\n');
	char *line = strndup(p, nl != NULL ? (size_t)(nl - p) : strlen(p));
	free(s);
	return line;
}

Test(ballotd_privsep, worker_is_confined)
{
	char tok[1][40];
	td_setup(&d, 3);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	poll_open(1, tok);
	pid_t w = worker_pid();
	cr_assert_neq(w, d.pid);
	char *l = proc_status_line(w, "NoNewPrivs:");
	cr_assert(strstr(l, "1") != NULL, "%s", l);
	free(l);
	l = proc_status_line(w, "Seccomp:");
	cr_assert(strstr(l, "2") != NULL, "worker not in seccomp filter mode: %s", l);
	free(l);
	if (geteuid() == 0) {
		/* Started as root: the worker is nobody (--worker-user default). */
		l = proc_status_line(w, "Uid:");
		cr_assert(strstr(l, "65534") != NULL && strstr(l, "\t0") == NULL, "%s", l);
		free(l);
	}
	/* The monitor is not sandboxed (it writes the stores). */
	l = proc_status_line(d.pid, "Seccomp:");
	cr_assert(strstr(l, "0") != NULL, "%s", l);
	free(l);
	cr_assert_eq(td_stop(&d), 0);
}

Test(ballotd_privsep, forbidden_syscall_kills_only_the_worker)
{
	char tok[5][40], buf[300];
	char *codes[5];
	td_setup(&d, 6);
	td_extra_env = "QUORUM_TEST_WORKER_FORBIDDEN=receipt";
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	td_extra_env = NULL;
	poll_open(5, tok);
	for (int i = 0; i < 3; i++)
		codes[i] = cast(tok[i], i);
	pid_t w1 = worker_pid();
	/* The hook: the worker tries to execute a shell on "receipt". */
	int fd = td_connect(&d, "booth");
	snprintf(buf, sizeof buf, "{\"op\":\"receipt\",\"token\":\"%s\"}\n", tok[0]);
	td_send(fd, buf, strlen(buf));
	json_t *r = td_recv(fd);
	cr_assert_null(r, "the worker answered after a forbidden call");
	close(fd);
	await_restarts(1);
	monitor_alive();
	cr_assert_eq(count_in_log("was killed by SIGSYS: it attempted a system call outside its "
	                          "sandbox"),
	             1);
	cr_assert_neq(worker_pid(), w1);
	/* Serving resumes, nothing acknowledged is lost. */
	r = req("operator", "{\"op\":\"status\"}");
	cr_assert_eq(json_integer_value(json_object_get(r, "cast")), 3);
	json_decref(r);
	r = req("booth", buf);
	cr_assert_null(td_err(r));
	cr_assert_str_eq(json_string_value(json_object_get(r, "tracking_code")), codes[0]);
	json_decref(r);
	for (int i = 3; i < 5; i++)
		codes[i] = cast(tok[i], i);
	record_holds(codes, 5, 5);
	/* Only the hooked call killed a worker: the export's large reply did
	 * not (glibc's malloc opens /proc/sys/vm/overcommit_memory when a
	 * thread's heap first shrinks; open answers EACCES, P-9). */
	cr_assert_eq(count_in_log("was killed by SIGSYS"), 1, "a worker was killed after the hook");
	for (int i = 0; i < 5; i++)
		free(codes[i]);
	cr_assert_eq(td_stop(&d), 0);
}

Test(ballotd_privsep, kill9_of_the_worker_loses_no_acknowledged_ballot)
{
	char tok[8][40], buf[600];
	char *codes[8];
	int n = 0;
	td_setup(&d, 9);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	poll_open(8, tok);
	for (int i = 0; i < 4; i++)
		codes[n++] = cast(tok[i], i);
	/* A cast in flight when the worker dies. */
	int fd = td_connect(&d, "booth");
	char *m = td_marks_json(1);
	snprintf(buf, sizeof buf, "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":%s}\n", tok[4], m);
	free(m);
	td_send(fd, buf, strlen(buf));
	pid_t w1 = worker_pid();
	cr_assert_eq(kill(w1, SIGKILL), 0);
	json_t *r = td_recv(fd);
	if (r != NULL) { /* acknowledged before the kill */
		cr_assert_null(td_err(r));
		codes[n++] = strdup(json_string_value(json_object_get(r, "tracking_code")));
		json_decref(r);
	}
	close(fd);
	await_restarts(1);
	monitor_alive();
	cr_assert_eq(count_in_log("was killed by signal 9"), 1);
	cr_assert_neq(worker_pid(), w1);
	/* The in-flight cast is either stored (its receipt can be looked up)
	 * or not (the token still casts): never half. */
	snprintf(buf, sizeof buf, "{\"op\":\"receipt\",\"token\":\"%s\"}", tok[4]);
	r = req("booth", buf);
	if (td_err(r) == NULL) {
		if (n == 4)
			codes[n++] = strdup(json_string_value(json_object_get(r, "tracking_code")));
	} else {
		cr_assert_str_eq(td_err(r), "not_cast");
		cr_assert_eq(n, 4);
		codes[n++] = cast(tok[4], 1);
	}
	json_decref(r);
	for (int i = 5; i < 8; i++)
		codes[n++] = cast(tok[i], i);
	monitor_alive();
	record_holds(codes, n, 8);
	for (int i = 0; i < n; i++)
		free(codes[i]);
	cr_assert_eq(td_stop(&d), 0);
}

Test(ballotd_privsep, malformed_message_from_the_worker_is_refused)
{
	char tok[1][40];
	td_setup(&d, 3);
	td_extra_env = "QUORUM_TEST_WORKER_MALFORMED=lookup";
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	td_extra_env = NULL;
	poll_open(1, tok);
	int fd = td_connect(&d, "operator");
	const char *l = "{\"op\":\"lookup\",\"voter\":\"V0002\"}\n";
	td_send(fd, l, strlen(l));
	json_t *r = td_recv(fd);
	cr_assert_null(r, "a malformed message was answered");
	close(fd);
	await_restarts(1);
	monitor_alive();
	char *log = test_read_file(d.log, NULL);
	cr_assert(strstr(log, "sent a malformed message (lookup: 1 trailing bytes): killed") !=
	              NULL,
	          "%s", log);
	free(log);
	/* The next worker's lookup is answered. */
	r = req("operator", "{\"op\":\"lookup\",\"voter\":\"V0002\"}");
	cr_assert_null(td_err(r));
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "voter"), "id")),
	                 "V0002");
	json_decref(r);
	cr_assert_eq(td_stop(&d), 0);
}

/* 1 if the writable memory of process pid holds the len bytes at pat. */
static int memory_holds(pid_t pid, const char *pat, size_t len)
{
	char p[64], line[512];
	int hit = 0;
	snprintf(p, sizeof p, "/proc/%d/maps", (int)pid);
	FILE *maps = fopen(p, "r");
	snprintf(p, sizeof p, "/proc/%d/mem", (int)pid);
	FILE *mem = fopen(p, "rb");
	cr_assert(maps != NULL && mem != NULL, "cannot read the worker's memory");
	while (!hit && fgets(line, sizeof line, maps) != NULL) {
		unsigned long lo, hi;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r' ||
		    perms[1] != 'w' || strstr(line, "[vvar]") != NULL || hi - lo > (64UL << 20))
			continue;
		size_t n = hi - lo;
		char *b = malloc(n);
		cr_assert_not_null(b);
		if (fseek(mem, (long)lo, SEEK_SET) == 0) {
			size_t got = fread(b, 1, n, mem);
			for (size_t i = 0; !hit && got >= len && i + len <= got; i++)
				hit = memcmp(b + i, pat, len) == 0;
		}
		clearerr(mem);
		free(b);
	}
	fclose(maps);
	fclose(mem);
	return hit;
}

/* Review 12: a reply holding a token, and a request holding one, are
 * wiped when freed -- in the worker too, which parses every request and
 * passes on every reply as jansson objects. */
Test(ballotd_privsep, worker_frees_no_token_unwiped)
{
	char tok[2][40], buf[200];
	td_setup(&d, 3);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	poll_open(2, tok);
	/* a request naming the first token (a receipt lookup before any cast) */
	snprintf(buf, sizeof buf, "{\"op\":\"receipt\",\"token\":\"%s\"}", tok[0]);
	json_decref(req("booth", buf));
	pid_t w = worker_pid();
	/* The token's second half: free() overwrites the first 16 bytes of a
	 * small block with its free-list links. */
	for (int i = 0; i < 2; i++)
		cr_assert(!memory_holds(w, tok[i] + 16, 16),
		          "token %d left in the worker's memory after its reply was sent", i);
	cr_assert_eq(td_stop(&d), 0);
}

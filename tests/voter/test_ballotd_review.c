/* SPDX-License-Identifier: GPL-3.0-or-later */
/* quorum-ballotd integration: the faults a security review and outside
 * trials found (issue 16), each reproduced against the real daemon. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit/note.h"
#include "crypto/seal.h"
#include "crypto/util.h"
#include "daemon.h"
#include "testutil.h"

static tdaemon d;

static void fini(void)
{
	td_kill(&d);
	td_extra_env = NULL;
	td_binary = NULL;
	memset(td_extra_args, 0, sizeof td_extra_args);
	test_rmtree(d.dir);
}

TestSuite(ballotd_review, .fini = fini, .timeout = 120);

__attribute__((format(printf, 2, 3))) static json_t *reqf(const char *role, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return td_req(&d, role, buf);
}

static void expect(json_t *r, const char *code)
{
	const char *e = td_err(r);
	char *s = json_dumps(r, JSON_COMPACT);
	if (code == NULL)
		cr_assert_null(e, "unexpected error: %s", s);
	else
		cr_assert(e != NULL && strcmp(e, code) == 0, "expected %s, got %s", code, s);
	free(s);
	json_decref(r);
}

/* Start, import, open. */
static void start_open(int nvoters)
{
	td_setup(&d, nvoters);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	expect(reqf("admin", "{\"op\":\"import-roll\",\"path\":\"%s\"}", d.roll), NULL);
	expect(reqf("admin", "{\"op\":\"open\"}"), NULL);
}

static char *checkin(const char *voter)
{
	json_t *r = reqf("operator", "{\"op\":\"checkin\",\"voter\":\"%s\"}", voter);
	cr_assert_null(td_err(r), "checkin %s", voter);
	char *t = strdup(json_string_value(json_object_get(r, "token")));
	json_decref(r);
	return t;
}

static json_int_t status_int(const char *key)
{
	json_t *r = reqf("operator", "{\"op\":\"status\"}");
	cr_assert_null(td_err(r));
	json_int_t v = json_integer_value(json_object_get(r, key));
	json_decref(r);
	return v;
}

static char *status_str(const char *key)
{
	json_t *r = reqf("operator", "{\"op\":\"status\"}");
	cr_assert_null(td_err(r));
	char *v = strdup(json_string_value(json_object_get(r, key)));
	json_decref(r);
	return v;
}

static int exists(const char *name)
{
	char p[600];
	struct stat sb;
	snprintf(p, sizeof p, "%s/%s", d.state, name);
	return lstat(p, &sb) == 0;
}

/* Absent or zero bytes long (a truncated rollback journal). */
static int empty(const char *name)
{
	char p[600];
	struct stat sb;
	snprintf(p, sizeof p, "%s/%s", d.state, name);
	return lstat(p, &sb) != 0 || sb.st_size == 0;
}

static long rss_kib(pid_t pid)
{
	char p[64], line[256];
	long v = -1;
	snprintf(p, sizeof p, "/proc/%d/status", (int)pid);
	FILE *f = fopen(p, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* Run the booth console with script on stdin; returns the exit status,
 * the output in *out. */
static int booth_console(const char *args, const char *script, char **out)
{
	char in[400], of[400], cmd[1500];
	snprintf(in, sizeof in, "%s/in.txt", d.dir);
	snprintf(of, sizeof of, "%s/out.txt", d.dir);
	cr_assert_eq(test_write_file(in, script, strlen(script)), 0);
	snprintf(cmd, sizeof cmd, "%s/voter/quorum-ballot --state %s booth %s < %s > %s 2>&1",
	         getenv("QUORUM_BUILD_ROOT"), d.state, args, in, of);
	int rc = system(cmd);
	*out = test_read_file(of, NULL);
	cr_assert_not_null(*out);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Review 1: no write-ahead log keeps the order of check-ins and casts. */
Test(ballotd_review, no_wal_links_voters_to_ballots)
{
	start_open(5);
	char *t = checkin("V0001");
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[1,0],[0,0,0,0,0]]}", t),
	       NULL);
	free(t);
	cr_assert(!exists("roll.db-wal"), "roll.db-wal exists: the roll DB keeps a WAL");
	cr_assert(!exists("box.db-wal"), "box.db-wal exists: the ballot box keeps a WAL");
	cr_assert(empty("roll.db-journal") && empty("box.db-journal"),
	          "a rollback journal kept content after its commit");
	cr_assert_eq(td_stop(&d), 0);
	cr_assert(!exists("roll.db-wal") && !exists("box.db-wal"));
}

/* Review 2: the booth token never appears on a command line. */
Test(ballotd_review, booth_token_not_on_the_command_line)
{
	start_open(5);
	char *t = checkin("V0001"), *o, script[200];
	int rc = booth_console(t, "", &o);
	cr_assert_eq(rc, 2, "booth TOKEN accepted (exit %d): %s", rc, o);
	cr_assert(strstr(o, "command line") != NULL, "%s", o);
	free(o);
	cr_assert_eq(status_int("cast"), 0);
	snprintf(script, sizeof script, "%s\n1\n1 3\ny\ncast\n", t);
	rc = booth_console("", script, &o);
	cr_assert_eq(rc, 0, "%s", o);
	cr_assert(strstr(o, "RECEIPT") != NULL, "%s", o);
	cr_assert(strstr(o, t) == NULL, "the token was echoed: %s", o);
	free(o);
	cr_assert_eq(status_int("cast"), 1);
	free(t);
}

/* Review 10: only the documented words cast or challenge. */
Test(ballotd_review, booth_accepts_only_documented_words)
{
	start_open(5);
	char *t = checkin("V0001"), *o, script[300];
	/* "Challenge" is not a documented word: asked again; then the
	 * ballot is challenged, marked again and cast. */
	snprintf(script, sizeof script, "%s\n1\n1\ny\nChallenge\nchallenge\n2\n2\nyes\ny\ncast\n",
	         t);
	int rc = booth_console("", script, &o);
	cr_assert_eq(rc, 0, "%s", o);
	cr_assert_eq(status_int("challenged"), 1, "\"Challenge\" cast the ballot: %s", o);
	cr_assert_eq(status_int("cast"), 1, "%s", o);
	free(o);
	free(t);
}

/* Review 3: requests followed at once by a hang-up, and close followed
 * at once by a hang-up, never free a connection twice or use it after
 * freeing (the sanitizer build sees it; the plain build may abort). */
Test(ballotd_review, hangup_right_after_request)
{
	start_open(5);
	char *t = checkin("V0001"), line[300];
	for (int i = 0; i < 200; i++) {
		int fd = td_connect(&d, i % 2 ? "booth" : "operator");
		cr_assert(fd >= 0);
		if (i % 2)
			snprintf(line, sizeof line, "{\"op\":\"ballot\",\"token\":\"%s\"}\n", t);
		else
			snprintf(line, sizeof line, "{\"op\":\"ping\"}\n{\"op\":\"status\"}\n{");
		td_send(fd, line, strlen(line));
		close(fd);
	}
	int fd = td_connect(&d, "admin");
	td_send(fd, "{\"op\":\"close\"}\n", 15);
	close(fd);
	for (int i = 0; i < 100; i++) {
		char *s = status_str("state");
		int done = strcmp(s, "closed") == 0;
		free(s);
		if (done)
			break;
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	cr_assert_eq(kill(d.pid, 0), 0, "the daemon died");
	char *s = status_str("state");
	cr_assert_str_eq(s, "closed");
	free(s);
	free(t);
	cr_assert_eq(td_stop(&d), 0);
}

typedef struct flood {
	int fd;
	volatile int stop;
} flood;

static void *flood_writer(void *arg)
{
	flood *f = arg;
	static char nl[8192];
	memset(nl, '\n', sizeof nl);
	while (!f->stop)
		if (send(f->fd, nl, sizeof nl, MSG_NOSIGNAL) < 0 && errno != EINTR &&
		    errno != EAGAIN)
			break;
	return NULL;
}

static void *flood_reader(void *arg)
{
	flood *f = arg;
	char buf[65536];
	while (!f->stop)
		if (recv(f->fd, buf, sizeof buf, 0) <= 0 && errno != EINTR && errno != EAGAIN)
			break;
	return NULL;
}

/* Review 4: a client streaming lines does not starve the loop: an
 * operator's ping is answered and SIGTERM stops the daemon. */
Test(ballotd_review, one_client_cannot_starve_the_loop)
{
	start_open(5);
	flood f = {td_connect(&d, "booth"), 0};
	struct timeval tv = {1, 0};
	setsockopt(f.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	setsockopt(f.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	pthread_t w, r;
	pthread_create(&w, NULL, flood_writer, &f);
	pthread_create(&r, NULL, flood_reader, &f);
	struct timespec ts = {0, 300 * 1000 * 1000};
	nanosleep(&ts, NULL);
	int fd = td_connect(&d, "operator");
	cr_assert(fd >= 0);
	struct timeval tv2 = {15, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv2, sizeof tv2);
	td_send(fd, "{\"op\":\"ping\"}\n", 14);
	json_t *rep = td_recv(fd);
	close(fd);
	cr_assert_not_null(rep, "no answer to ping while one booth client streams newlines");
	expect(rep, NULL);
	kill(d.pid, SIGTERM);
	int st = 0, gone = 0;
	for (int i = 0; i < 150 && !gone; i++) {
		if (waitpid(d.pid, &st, WNOHANG) == d.pid)
			gone = 1;
		else
			nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
	}
	f.stop = 1;
	pthread_join(w, NULL);
	pthread_join(r, NULL);
	close(f.fd);
	cr_assert(gone, "SIGTERM ignored while one client streams newlines");
	d.pid = 0;
}

/* Review 5: a client that sends many requests and never reads does not
 * grow the daemon without bound. */
Test(ballotd_review, unread_replies_are_capped)
{
	start_open(5);
	long before = rss_kib(d.pid);
	int fd = td_connect(&d, "booth");
	struct timeval tv = {2, 0};
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	static char nl[65536];
	memset(nl, '\n', sizeof nl);
	for (int i = 0; i < 64; i++)
		if (send(fd, nl, sizeof nl, MSG_NOSIGNAL) <= 0)
			break;
	nanosleep(&(struct timespec){0, 300 * 1000 * 1000}, NULL);
	long after = rss_kib(d.pid);
	close(fd);
	cr_assert(after - before < 32 * 1024,
	          "the daemon grew from %ld KiB to %ld KiB for one unread client", before, after);
	expect(reqf("operator", "{\"op\":\"ping\"}"), NULL);
}

/* Review 6: challenges per token are capped (docs/protocol.md). */
Test(ballotd_review, challenges_per_token_are_capped)
{
	start_open(5);
	char *t = checkin("V0001");
	int refused = 0, i;
	for (i = 0; i < 12 && !refused; i++) {
		json_t *r =
		    reqf("booth",
		         "{\"op\":\"encrypt\",\"token\":\"%s\",\"marks\":[[1,0],[0,0,0,0,0]]}", t);
		if (td_err(r) != NULL) {
			cr_assert_str_eq(td_err(r), "too_many_challenges");
			json_decref(r);
			refused = 1;
			break;
		}
		char code[80];
		snprintf(code, sizeof code, "%s",
		         json_string_value(json_object_get(r, "tracking_code")));
		json_decref(r);
		r = reqf("booth",
		         "{\"op\":\"challenge\",\"token\":\"%s\",\"tracking_code\":\"%s\"}", t,
		         code);
		if (td_err(r) != NULL) {
			cr_assert_str_eq(td_err(r), "too_many_challenges");
			refused = 1;
		}
		json_decref(r);
	}
	cr_assert(refused, "12 challenges with one token were all accepted");
	cr_assert_eq(status_int("challenged"), 10);
	/* The voter can still cast. */
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[1,0],[0,0,0,0,0]]}", t),
	       NULL);
	free(t);
}

/* One encrypt and its challenge with token t: the challenge's error code,
 * or NULL (a string literal or NULL). */
static const char *challenge_once(const char *t)
{
	json_t *r =
	    reqf("booth", "{\"op\":\"encrypt\",\"token\":\"%s\",\"marks\":[[1,0],[0,0,0,0,0]]}", t);
	cr_assert_null(td_err(r));
	char code[80];
	snprintf(code, sizeof code, "%s", json_string_value(json_object_get(r, "tracking_code")));
	json_decref(r);
	r = reqf("booth", "{\"op\":\"challenge\",\"token\":\"%s\",\"tracking_code\":\"%s\"}", t,
	         code);
	const char *e = td_err(r) == NULL                               ? NULL
	                : strcmp(td_err(r), "too_many_challenges") == 0 ? "too_many_challenges"
	                                                                : "other";
	json_decref(r);
	return e;
}

/* The cap counts across a restart: the daemon keeps the roll DB's counts
 * in memory (P-5.3), loaded at start. */
Test(ballotd_review, challenges_cap_survives_a_restart)
{
	start_open(5);
	char *t = checkin("V0001");
	for (int i = 0; i < 6; i++)
		cr_assert_null(challenge_once(t), "challenge %d", i + 1);
	td_kill(&d);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	for (int i = 6; i < 10; i++)
		cr_assert_null(challenge_once(t), "challenge %d", i + 1);
	const char *e = challenge_once(t);
	cr_assert(e != NULL && strcmp(e, "too_many_challenges") == 0,
	          "an 11th challenge across a restart: %s", e ? e : "accepted");
	cr_assert_eq(status_int("challenged"), 10);
	free(t);
}

/* Review 7: a state directory writable by others, or owned by another
 * user, is refused. */
Test(ballotd_review, unsafe_state_directory_refused)
{
	int st;
	td_setup(&d, 5);
	cr_assert_eq(mkdir(d.state, 0777), 0);
	cr_assert_eq(chmod(d.state, 0777), 0);
	cr_assert_eq(td_start(&d, "station passphrase", &st), -1,
	             "started in a 0777 state directory");
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	char *log = test_read_file(d.log, NULL);
	cr_assert(strstr(log, "writable by") != NULL, "%s", log);
	free(log);
	cr_assert_eq(chmod(d.state, 0700), 0);
	cr_assert_eq(chown(d.state, 65534, 65534), 0);
	cr_assert_eq(td_start(&d, "station passphrase", &st), -1,
	             "started in another user's state directory");
	log = test_read_file(d.log, NULL);
	cr_assert(strstr(log, "owned by") != NULL, "%s", log);
	free(log);
	/* A non-socket where a socket goes is not replaced. */
	cr_assert_eq(chown(d.state, 0, 0), 0);
	char p[600], target[600];
	snprintf(target, sizeof target, "%s/target", d.dir);
	cr_assert_eq(test_write_file(target, "x", 1), 0);
	cr_assert_eq(chmod(target, 0600), 0);
	snprintf(p, sizeof p, "%s/booth.sock", d.state);
	cr_assert_eq(symlink(target, p), 0);
	cr_assert_eq(td_start(&d, "station passphrase", &st), -1,
	             "replaced a symlink at booth.sock");
	struct stat sb;
	cr_assert_eq(stat(target, &sb), 0);
	cr_assert_eq(sb.st_mode & 07777, 0600);
	cr_assert_eq(unlink(p), 0);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
}

/* In a child running as nobody:nogroup, connect to role and send one
 * ping; returns 0 ok, 1 error reply (code in out), 2 cannot connect. */
static int nobody_ping(const char *role, char out[64])
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		gid_t g = 65534;
		if (setgroups(1, &g) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
			_exit(9);
		int fd = td_connect(&d, role);
		if (fd < 0) {
			(void)!write(p[1], "connect", 7);
			_exit(2);
		}
		td_send(fd, "{\"op\":\"ping\"}\n", 14);
		json_t *r = td_recv(fd);
		const char *e = r == NULL ? "eof" : td_err(r);
		e = e != NULL ? e : "ok";
		(void)!write(p[1], e, strlen(e));
		_exit(strcmp(e, "ok") == 0 ? 0 : 1);
	}
	close(p[1]);
	ssize_t n = read(p[0], out, 63);
	out[n > 0 ? n : 0] = '\0';
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Review 8: per-role groups, and the peer's credentials checked. */
Test(ballotd_review, role_groups_and_peer_credentials)
{
	char code[64];
	td_setup(&d, 5);
	td_extra_args[0] = "--booth-group";
	td_extra_args[1] = "nogroup";
	td_extra_args[2] = "--operator-group";
	td_extra_args[3] = "daemon";
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0, "per-role group options refused");
	struct stat sb;
	char p[600];
	cr_assert_eq(chmod(d.dir, 0711), 0); /* nobody reaches the state directory */
	snprintf(p, sizeof p, "%s/booth.sock", d.state);
	cr_assert_eq(stat(p, &sb), 0);
	cr_assert_eq(sb.st_gid, 65534);
	cr_assert_eq(sb.st_mode & 0777, 0660);
	/* A booth account reaches the booth socket, not the operator's. */
	cr_assert_eq(nobody_ping("booth", code), 0, "%s", code);
	cr_assert_eq(nobody_ping("operator", code), 2, "%s", code);
	/* Even if the operator socket's mode is loosened, the peer check
	 * refuses the booth account. */
	snprintf(p, sizeof p, "%s/operator.sock", d.state);
	cr_assert_eq(chmod(p, 0666), 0);
	cr_assert_eq(nobody_ping("operator", code), 1);
	cr_assert_str_eq(code, "forbidden");
	snprintf(p, sizeof p, "%s/admin.sock", d.state);
	cr_assert_eq(chmod(p, 0666), 0);
	cr_assert_eq(nobody_ping("admin", code), 1);
	cr_assert_str_eq(code, "forbidden");
}

/* Review 8 (issue 19): the admin socket gets a group only when given one
 * (--admin-group, quorum-admin in the installed ballotd.conf), so that
 * quorum-web's admin pages work once the administrator adds its user to
 * it; members of that group reach admin.sock and no other socket. */
Test(ballotd_review, admin_group_admits_its_members_only)
{
	char code[64];
	td_setup(&d, 5);
	td_extra_args[0] = "--admin-group";
	td_extra_args[1] = "nogroup";
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0, "--admin-group refused");
	struct stat sb;
	char p[600];
	cr_assert_eq(chmod(d.dir, 0711), 0);
	snprintf(p, sizeof p, "%s/admin.sock", d.state);
	cr_assert_eq(stat(p, &sb), 0);
	cr_assert_eq(sb.st_gid, 65534, "admin.sock's group is %u", (unsigned)sb.st_gid);
	cr_assert_eq(sb.st_mode & 0777, 0660);
	cr_assert_eq(nobody_ping("admin", code), 0, "a member of the admin group: %s", code);
	cr_assert_eq(nobody_ping("operator", code), 2, "%s", code);
	/* The peer check, not only the mode, keeps it off the others. */
	snprintf(p, sizeof p, "%s/booth.sock", d.state);
	cr_assert_eq(chmod(p, 0666), 0);
	cr_assert_eq(nobody_ping("booth", code), 1);
	cr_assert_str_eq(code, "forbidden");
}

/* Issue 19: the sockets in their own directory (--socket-dir; the unit's
 * RuntimeDirectory=, /run/quorum/<station>), made 0711 if absent, checked
 * as the state directory is, and removed at a clean stop. */
Test(ballotd_review, sockets_in_the_socket_directory)
{
	char run[400], p[600];
	struct stat sb;
	td_setup(&d, 5);
	snprintf(run, sizeof run, "%s/run-s1", d.dir);
	td_extra_args[0] = "--socket-dir";
	td_extra_args[1] = run;
	td_socket_dir = run;
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0, "--socket-dir refused");
	cr_assert_eq(stat(run, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0711);
	const char *const roles[] = {"admin", "operator", "booth"};
	for (int r = 0; r < 3; r++) {
		snprintf(p, sizeof p, "%s/%s.sock", run, roles[r]);
		cr_assert_eq(lstat(p, &sb), 0, "no %s", p);
		cr_assert(S_ISSOCK(sb.st_mode));
		cr_assert_eq(sb.st_mode & 0777, r == 0 ? 0600 : 0660, "%s", p);
		snprintf(p, sizeof p, "%s/%s.sock", d.state, roles[r]);
		cr_assert_eq(lstat(p, &sb), -1, "%s made in the state directory", p);
	}
	expect(reqf("admin", "{\"op\":\"ping\"}"), NULL);
	cr_assert_eq(td_stop(&d), 0);
	snprintf(p, sizeof p, "%s/admin.sock", run);
	cr_assert_eq(lstat(p, &sb), -1, "admin.sock left after a clean stop");
	/* Writable by others: another user could replace a socket. */
	cr_assert_eq(chmod(run, 0777), 0);
	int st;
	cr_assert_eq(td_start(&d, "station passphrase", &st), -1,
	             "started with a 0777 socket directory");
	char *log = test_read_file(d.log, NULL);
	cr_assert(strstr(log, "the socket directory") != NULL && strstr(log, "writable by") != NULL,
	          "%s", log);
	free(log);
	cr_assert_eq(chmod(run, 0711), 0);
	/* Not the daemon's user's. */
	cr_assert_eq(chown(run, 65534, 65534), 0);
	cr_assert_eq(td_start(&d, "station passphrase", &st), -1,
	             "started with another user's socket directory");
	log = test_read_file(d.log, NULL);
	cr_assert(strstr(log, "the socket directory") != NULL && strstr(log, "owned by") != NULL,
	          "%s", log);
	free(log);
	cr_assert_eq(chown(run, 0, 0), 0);

	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
}

/* Review 9: a cast with marks drops the token's pending ballot, and

 * pending ballots expire. */
Test(ballotd_review, pending_ballots_dropped_and_expire)
{
	td_extra_args[0] = "--pending-ttl";
	td_extra_args[1] = "1";
	start_open(5);
	char *t = checkin("V0001"), *u = checkin("V0002");
	json_t *r =
	    reqf("booth", "{\"op\":\"encrypt\",\"token\":\"%s\",\"marks\":[[1,0],[0,0,0,0,0]]}", t);
	cr_assert_null(td_err(r));
	json_decref(r);
	cr_assert_eq(status_int("pending"), 1);
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[1,0],[0,0,0,0,0]]}", t),
	       NULL);
	cr_assert_eq(status_int("pending"), 0, "a cast with marks left the pending ballot");
	r = reqf("booth", "{\"op\":\"encrypt\",\"token\":\"%s\",\"marks\":[[1,0],[0,0,0,0,0]]}", u);
	char code[80];
	snprintf(code, sizeof code, "%s", json_string_value(json_object_get(r, "tracking_code")));
	json_decref(r);
	nanosleep(&(struct timespec){2, 200 * 1000 * 1000}, NULL);
	expect(
	    reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"tracking_code\":\"%s\"}", u, code),
	    "no_pending");
	cr_assert_eq(status_int("pending"), 0);
	free(t);
	free(u);
}

/* Review 11: a close that fails after poll-closed is logged never
 * reopens the poll; a retry finishes it. */
Test(ballotd_review, failed_close_never_reopens)
{
	start_open(5);
	char *t = checkin("V0001"), p[600];
	snprintf(p, sizeof p, "%s/station-record.json.tmp", d.state);
	cr_assert_eq(mkdir(p, 0700), 0); /* the record cannot be written */
	expect(reqf("admin", "{\"op\":\"close\"}"), "internal");
	char *s = status_str("state");
	cr_assert_str_eq(s, "closing", "state after a failed close: %s", s);
	free(s);
	expect(reqf("operator", "{\"op\":\"checkin\",\"voter\":\"V0002\"}"), "poll_closed");
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[1,0],[0,0,0,0,0]]}", t),
	       "poll_closed");
	cr_assert_eq(rmdir(p), 0);
	expect(reqf("admin", "{\"op\":\"close\"}"), NULL);
	s = status_str("state");
	cr_assert_str_eq(s, "closed");
	free(s);
	expect(reqf("admin", "{\"op\":\"open\"}"), "poll_closed");
	free(t);
}

/* Review 11: close is refused while the station is broken. */
Test(ballotd_review, close_refused_while_broken)
{
	td_extra_env = "QUORUM_TEST_LOG_FAIL=1";
	start_open(5);
	char *t = checkin("V0001");
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[1,0],[0,0,0,0,0]]}", t),
	       "unavailable");
	expect(reqf("admin", "{\"op\":\"close\"}"), "unavailable");
	char *s = status_str("state");
	cr_assert_str_eq(s, "open");
	free(s);
	free(t);
}

/* Review 12: a failed roll-imported log append imports nothing. */
Test(ballotd_review, roll_import_refused_when_not_logged)
{
	td_extra_env = "QUORUM_TEST_LOG_FAIL=2";
	td_setup(&d, 5);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	expect(reqf("admin", "{\"op\":\"import-roll\",\"path\":\"%s\"}", d.roll), "internal");
	cr_assert_eq(status_int("roll_rows"), 0, "a roll was imported without its log entry");
	expect(reqf("admin", "{\"op\":\"open\"}"), "no_roll");
}

/* Review 12: the release binary ignores the test hooks. */
Test(ballotd_review, release_build_ignores_test_hooks)
{
	td_setup(&d, 5);
	td_binary = "quorum-ballotd";
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	cr_assert_eq(td_stop(&d), 0);
	char p[600];
	snprintf(p, sizeof p, "%s/kdf", d.state);
	char *k = test_read_file(p, NULL);
	cr_assert_not_null(k);
	cr_assert(strstr(k, "t=3 m=65536") != NULL,
	          "QUORUM_TEST_CHEAP_KDF honoured by the release binary: %s", k);
	free(k);
}

/* ---- outside trials (issue 16) ---- */

/* Each role has its own connection limit: a flood of idle booth
 * connections never makes the admin or operator socket answer busy. */
Test(ballotd_review, booth_flood_leaves_admin_reachable)
{
	start_open(5);
	static int fds[1100];
	int n = 0, busy = 0;
	for (n = 0; n < 1100; n++) {
		fds[n] = td_connect(&d, "booth");
		cr_assert(fds[n] >= 0, "connect %d", n);
	}
	/* Past the booth limit the daemon answers busy and hangs up. */
	struct timeval tv = {0, 200 * 1000};
	setsockopt(fds[n - 1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	json_t *r = td_recv(fds[n - 1]);
	if (r != NULL && td_err(r) != NULL && strcmp(td_err(r), "busy") == 0)
		busy = 1;
	json_decref(r);
	expect(reqf("admin", "{\"op\":\"status\"}"), NULL);
	expect(reqf("operator", "{\"op\":\"status\"}"), NULL);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	cr_assert(busy, "the 1100th booth connection was not refused");
}

/* Idle connections are closed after --idle-timeout. */
Test(ballotd_review, idle_connections_closed)
{
	td_extra_args[0] = "--idle-timeout";
	td_extra_args[1] = "1";
	start_open(5);
	int fd = td_connect(&d, "booth");
	cr_assert(fd >= 0);
	nanosleep(&(struct timespec){2, 500 * 1000 * 1000}, NULL);
	char c;
	struct timeval tv = {5, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	cr_assert_eq(recv(fd, &c, 1, 0), 0, "an idle connection was kept open");
	close(fd);
}

/* A checked-in voter whose token never reached them (the reply lost in a
 * crash) gets a new token; the old one dies; the log says so. */
Test(ballotd_review, reissue_for_the_latest_unused_checkin)
{
	start_open(5);
	char *a = checkin("V0002");
	/* Only the latest check-in can be re-issued. */
	char *b = checkin("V0003");
	expect(reqf("operator", "{\"op\":\"reissue\",\"voter\":\"V0002\"}"), "reissue_refused");
	expect(reqf("operator", "{\"op\":\"reissue\",\"voter\":\"V0004\"}"), "not_checked_in");
	/* After a restart (as after the crash) the link is still known. */
	cr_assert_eq(td_stop(&d), 0);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	json_t *r = reqf("operator", "{\"op\":\"reissue\",\"voter\":\"V0003\"}");
	cr_assert_null(td_err(r));
	char *c = strdup(json_string_value(json_object_get(r, "token")));
	json_decref(r);
	cr_assert_str_neq(c, b);
	expect(reqf("booth", "{\"op\":\"ballot\",\"token\":\"%s\"}", b), "token_invalid");
	expect(reqf("booth", "{\"op\":\"ballot\",\"token\":\"%s\"}", c), NULL);
	/* Used at a booth: no second re-issue. */
	expect(reqf("operator", "{\"op\":\"reissue\",\"voter\":\"V0003\"}"), "token_used");
	cr_assert_eq(status_int("checked_in"), 2);
	cr_assert_eq(status_int("reissued"), 1);
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[1,0],[0,0,0,0,0]]}", c),
	       NULL);
	expect(reqf("operator", "{\"op\":\"reissue\",\"voter\":\"V0003\"}"), "token_spent");
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[1,0],[0,0,0,0,0]]}", a),
	       NULL);
	free(a);
	free(b);
	free(c);
}

/* A booth whose cast reply was lost learns the receipt by token. */
Test(ballotd_review, receipt_lookup_by_token)
{
	start_open(5);
	char *t = checkin("V0001"), *u = checkin("V0002");
	json_t *r =
	    reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[1,0],[0,0,0,0,0]]}", t);
	cr_assert_null(td_err(r));
	char *code = strdup(json_string_value(json_object_get(r, "tracking_code")));
	json_int_t idx = json_integer_value(json_object_get(r, "log_index"));
	json_decref(r);
	td_kill(&d); /* as if the reply had been lost in a crash */
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	r = reqf("booth", "{\"op\":\"receipt\",\"token\":\"%s\"}", t);
	cr_assert_null(td_err(r));
	cr_assert_str_eq(json_string_value(json_object_get(r, "tracking_code")), code);
	cr_assert_eq(json_integer_value(json_object_get(r, "log_index")), idx);
	cr_assert(strlen(json_string_value(json_object_get(r, "checkpoint"))) > 0);
	json_decref(r);
	expect(reqf("booth", "{\"op\":\"receipt\",\"token\":\"%s\"}", u), "not_cast");
	free(code);
	free(t);
	free(u);
}

/* Receipt lookups are limited per connection (docs/protocol.md): 5 at
 * once, then one every 2 s.  Of a quick run of 12 the first 5 are
 * answered and some later one is refused with rate_limited (12 lookups
 * spanning 14 s would all be answered: no machine is that slow); another
 * connection has its own allowance. */
Test(ballotd_review, receipt_lookups_rate_limited_per_connection)
{
	start_open(5);
	char *t = checkin("V0001");
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[1,0],[0,0,0,0,0]]}", t),
	       NULL);
	int fd = td_connect(&d, "booth");
	cr_assert(fd >= 0);
	char line[200];
	int n = snprintf(line, sizeof line, "{\"op\":\"receipt\",\"token\":\"%s\"}\n", t);
	int okn = 0, limited = 0, first_limited = -1;
	for (int i = 0; i < 12; i++) {
		td_send(fd, line, (size_t)n);
		json_t *r = td_recv(fd);
		cr_assert_not_null(r);
		const char *e = td_err(r);
		if (e == NULL) {
			okn++;
		} else {
			cr_assert_str_eq(e, "rate_limited");
			if (first_limited < 0)
				first_limited = i;
			limited++;
		}
		json_decref(r);
	}
	close(fd);
	cr_assert(first_limited >= 5, "refused after %d lookups, not 5", first_limited);
	cr_assert(limited >= 1, "12 lookups at once all answered (%d)", okn);
	/* a fresh connection: its own allowance */
	json_t *r = reqf("booth", "{\"op\":\"receipt\",\"token\":\"%s\"}", t);
	cr_assert_null(td_err(r));
	json_decref(r);
	free(t);
}

/* A cast stored in the box but not yet logged when the daemon died (no
 * reply at all): after the restart reconciles, the receipt is found. */
Test(ballotd_review, receipt_of_a_cast_stored_just_before_a_crash)
{
	td_extra_env = "QUORUM_TEST_CRASH_AFTER_BOX=1";
	start_open(5);
	td_extra_env = NULL;
	char *t = checkin("V0001"), line[300];
	int fd = td_connect(&d, "booth");
	snprintf(line, sizeof line,
	         "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[1,0],[0,0,0,0,0]]}\n", t);
	td_send(fd, line, strlen(line));
	cr_assert_null(td_recv(fd), "the cast was answered before the crash");
	close(fd);
	int st;
	cr_assert_eq(waitpid(d.pid, &st, 0), d.pid);
	d.pid = 0;
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 99);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[1,0],[0,0,0,0,0]]}", t),
	       "token_spent");
	json_t *r = reqf("booth", "{\"op\":\"receipt\",\"token\":\"%s\"}", t);
	cr_assert_null(td_err(r));
	cr_assert_eq(strlen(json_string_value(json_object_get(r, "tracking_code"))), 64);
	cr_assert_eq(json_integer_value(json_object_get(r, "log_index")), 2,
	             "roll-imported 0, poll-opened 1, the recovered cast 2: got %lld",
	             (long long)json_integer_value(json_object_get(r, "log_index")));
	json_decref(r);
	free(t);
}

/* Tokens have one canonical form: 32 lower-case hex digits. */
Test(ballotd_review, upper_case_token_refused)
{
	start_open(5);
	char *t = checkin("V0001");
	char up[64];
	for (size_t i = 0; i <= strlen(t); i++)
		up[i] = (char)(t[i] >= 'a' && t[i] <= 'f' ? t[i] - 'a' + 'A' : t[i]);
	cr_assert_str_neq(up, t);
	expect(reqf("booth", "{\"op\":\"ballot\",\"token\":\"%s\"}", up), "bad_request");
	expect(reqf("booth", "{\"op\":\"ballot\",\"token\":\"%s\"}", t), NULL);
	free(t);
}

/* ---- keys at rest and in memory ---- */

/* Does any file under dir hold the bytes pat (len)?  Its path or NULL. */
static char *tree_holds(const char *dir, const void *pat, size_t len)
{
	char cmd[700], line[1024];
	char *hit = NULL;
	snprintf(cmd, sizeof cmd, "find %s -type f", dir);
	FILE *f = popen(cmd, "r");
	cr_assert_not_null(f);
	while (hit == NULL && fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		size_t n;
		char *b = test_read_file(line, &n);
		if (b == NULL)
			continue;
		for (size_t i = 0; len <= n && i + len <= n && hit == NULL; i++)
			if (memcmp(b + i, pat, len) == 0)
				hit = strdup(line);
		free(b);
	}
	pclose(f);
	return hit;
}

/* The station signing key is sealed under the passphrase: after a poll,
 * no file of the state directory holds the key in any form; the daemon
 * has a zero core limit. */
Test(ballotd_review, signing_key_sealed_at_rest)
{
	/* The daemon inherits a core limit; it must set its own to 0. */
	struct rlimit big = {RLIM_INFINITY, RLIM_INFINITY};
	(void)setrlimit(RLIMIT_CORE, &big);
	start_open(5);
	char p[600], line[256];
	snprintf(p, sizeof p, "/proc/%d/limits", (int)d.pid);
	FILE *lf = fopen(p, "r");
	int core0 = 0;
	while (lf != NULL && fgets(line, sizeof line, lf) != NULL)
		if (strncmp(line, "Max core file size", 18) == 0)
			core0 = strstr(line, " 0 ") != NULL;
	if (lf != NULL)
		fclose(lf);
	cr_assert(core0, "the daemon may write a core file");
	char *t = checkin("V0001");
	expect(reqf("booth", "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[1,0],[0,0,0,0,0]]}", t),
	       NULL);
	expect(reqf("admin", "{\"op\":\"close\"}"), NULL);
	cr_assert_eq(td_stop(&d), 0);
	/* The key as the test can get it: unsealed with the passphrase, or
	 * (before sealing existed) the plain log/key. */
	note_signer ns;
	secbuf *sb = NULL;
	char *plain = NULL;
	size_t pl = 0;
	snprintf(p, sizeof p, "%s/signing-key.sealed", d.state);
	if (seal_file_read(&sb, p, "station passphrase", 18, NULL) == Q_OK) {
		cr_assert_eq(note_signer_parse(&ns, (const char *)sb->data, sb->len), Q_OK);
		secbuf_free(sb);
	} else {
		snprintf(p, sizeof p, "%s/log/key", d.state);
		plain = test_read_file(p, &pl);
		cr_assert_not_null(plain, "neither a sealed nor a plain signing key");
		cr_assert_eq(note_signer_parse(&ns, plain, pl), Q_OK);
	}
	char text[NOTE_SKEY_MAX + 1], hex[2 * SIG_SECRET_LEN + 1];
	cr_assert_eq(note_signer_format(&ns, text, sizeof text), Q_OK);
	hex_encode(hex, ns.sk.seed, SIG_SECRET_LEN);
	/* the secret part of the text form PRIVATE+KEY+name+keyid+base64:
	 * after the fourth '+' (base64 itself may contain '+') */
	const char *b64 = text;
	for (int k = 0; k < 4; k++) {
		b64 = strchr(b64, '+');
		cr_assert_not_null(b64, "%s", text);
		b64++;
	}
	size_t bl = strcspn(b64, "\n");
	char *h1 = tree_holds(d.state, ns.sk.seed, SIG_SECRET_LEN);
	char *h2 = tree_holds(d.state, hex, strlen(hex));
	char *h3 = tree_holds(d.state, b64, bl);
	cr_assert(h1 == NULL && h2 == NULL && h3 == NULL,
	          "the signing key is in the state directory: %s %s %s", h1 ? h1 : "-",
	          h2 ? h2 : "-", h3 ? h3 : "-");
	note_signer_wipe(&ns);
	wipe(text, sizeof text);
	free(plain);
	free(t);
	/* A wrong passphrase cannot unseal it: the daemon refuses to start. */
	int st;
	cr_assert_eq(td_start(&d, "wrong", &st), -1);
}

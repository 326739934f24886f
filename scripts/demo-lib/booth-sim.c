/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * booth-sim -- simulated voters for the demo: check voters in on a polling
 * station's operator socket and mark, encrypt, challenge and cast their
 * ballots on its booth socket, exactly as quorum-ballot's console and booth
 * modes do (docs/protocol.md), but over a few long-lived connections so
 * that a thousand voters take seconds, not minutes of process start-ups.
 *
 *   booth-sim --state DIR --station ID --plan PLAN.tsv [--threads N]
 *
 * PLAN.tsv is written by plan.awk: station, voter, proxy|-, action, marks
 * (see there).  Only the lines of this station are used.  Each voter is
 * handled by one of N threads (default 8), each with its own operator and
 * booth connection, so the daemon's group commit sees concurrent casts.
 *
 * Output (stdout), one line per plan line in plan order, TAB-separated:
 *   voter  proxy|-  action  outcome  tracking-code|-  log-index|-  challenged-code|-
 * where outcome is "cast", "refused:<code>", "console" (left to the real
 * quorum-ballot console: action "console") or "error:<what>".
 *
 * Exit status: 0 if every voter's outcome is the one the plan expects
 * (vote and challenge: cast; refuse:X: refused with code X); 1 if any
 * differs (each difference is also printed to stderr); 2 usage or an
 * unreadable plan; 3 the daemon could not be reached.
 *
 * Built by scripts/demo with the C compiler directly (jansson, pthreads);
 * it holds no secret and is not part of the appliance.
 */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "banned.h"

#define MAX_THREADS 64
#define FIELD_MAX 128
#define MARKS_MAX 1024

typedef struct arrival {
	char voter[FIELD_MAX], proxy[FIELD_MAX], action[FIELD_MAX], marks[MARKS_MAX];
	/* results */
	char outcome[160], code[80], chal[80];
	long long log_index;
	int ok;
} arrival;

typedef struct conn {
	int fd;
	char *buf;
	size_t len, cap;
} conn;

static const char *state_dir;
static arrival *plan;
static size_t nplan, next_idx;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int unreachable;

static int conn_open(conn *c, const char *role)
{
	struct sockaddr_un sa;
	char path[sizeof(sa.sun_path)];
	int n = snprintf(path, sizeof(path), "%s/%s.sock", state_dir, role);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (n < 0 || (size_t)n >= sizeof(path)) {
		fprintf(stderr, "booth-sim: socket path too long\n");
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, (size_t)n + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "booth-sim: cannot connect to %s: %s\n", path, strerror(errno));
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

static void conn_close(conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Send req (stolen); return the reply object or NULL (connection failed). */
static json_t *rpc(conn *c, json_t *req)
{
	char *line = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (line == NULL)
		return NULL;
	size_t n = strlen(line), off = 0;
	line[n] = '\n'; /* overwrites the NUL; we send n + 1 bytes */
	while (off < n + 1) {
		ssize_t w = send(c->fd, line + off, n + 1 - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			free(line);
			return NULL;
		}
		off += (size_t)w;
	}
	free(line);
	for (;;) {
		char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
		if (nl != NULL) {
			size_t ll = (size_t)(nl - c->buf);
			json_error_t je;
			json_t *rep = json_loadb(c->buf, ll, 0, &je);
			memmove(c->buf, nl + 1, c->len - ll - 1);
			c->len -= ll + 1;
			return rep;
		}
		if (c->len == c->cap) {
			size_t nc = c->cap ? c->cap * 2 : 8192;
			char *nb = realloc(c->buf, nc);
			if (nb == NULL)
				return NULL;
			c->buf = nb;
			c->cap = nc;
		}
		ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return NULL;
		c->len += (size_t)r;
	}
}

static const char *err_code(const json_t *rep)
{
	const char *s = json_string_value(json_object_get(json_object_get(rep, "error"), "code"));
	return s ? s : "?";
}

/* Build the marks array for the ballot from "1 3|2" (1-based, per
 * contest); a marked write-in slot may carry its name, "10=NAME" (no
 * spaces).  *wi: the "write_ins" array (docs/protocol.md encrypt), or NULL
 * when no name was written. */
static json_t *make_marks(const json_t *ballot, const char *spec, json_t **wi)
{
	const json_t *contests = json_object_get(ballot, "contests");
	size_t nc = json_array_size(contests);
	json_t *all = json_array(), *wall = json_array();
	const char *p = strcmp(spec, "-") == 0 ? "" : spec;
	int named = 0;
	*wi = NULL;
	if (all == NULL || wall == NULL)
		goto fail;
	for (size_t i = 0; i < nc; i++) {
		const json_t *opts = json_object_get(json_array_get(contests, i), "options");
		size_t nopt = json_array_size(opts), nlisted = 0;
		json_t *a = json_array(), *w = json_array();
		unsigned char on[512];
		if (a == NULL || w == NULL || nopt > sizeof(on)) {
			json_decref(a);
			json_decref(w);
			goto fail;
		}
		json_array_append_new(all, a);
		json_array_append_new(wall, w);
		/* the write-in slots are the contest's last options */
		for (size_t j = 0; j < nopt; j++) {
			if (!json_is_true(json_object_get(json_array_get(opts, j), "write_in")))
				nlisted = j + 1;
			else
				json_array_append_new(w, json_null());
		}
		memset(on, 0, sizeof(on));
		while (*p != '\0' && *p != '|') {
			char *end;
			while (*p == ' ')
				p++;
			if (*p == '\0' || *p == '|')
				break;
			errno = 0;
			long v = strtol(p, &end, 10);
			if (errno != 0 || end == p || v < 1 || (size_t)v > nopt)
				goto fail;
			on[v - 1] = 1;
			p = end;
			if (*p == '=') {
				size_t n = strcspn(++p, " |");
				if ((size_t)v <= nlisted || n == 0 ||
				    json_array_set_new(w, (size_t)v - 1 - nlisted,
				                       json_stringn(p, n)) != 0)
					goto fail;
				named = 1;
				p += n;
			}
		}
		if (*p == '|')
			p++;
		for (size_t j = 0; j < nopt; j++)
			json_array_append_new(a, json_integer(on[j]));
	}
	if (named)
		*wi = wall;
	else
		json_decref(wall);
	return all;
fail:
	json_decref(all);
	json_decref(wall);
	return NULL;
}

/* Encrypt the marks; on success copy the tracking code into code. */
static int encrypt(conn *b, const char *token, const json_t *ballot, const char *spec, char *code,
                   size_t codesz, char *why, size_t whysz)
{
	json_t *wi = NULL;
	json_t *marks = make_marks(ballot, spec, &wi);
	if (marks == NULL) {
		snprintf(why, whysz, "error:bad-marks");
		return -1;
	}
	json_t *req = json_pack("{s:s, s:s, s:o}", "op", "encrypt", "token", token, "marks", marks);
	if (wi != NULL) /* B-10: the written names */
		json_object_set_new(req, "write_ins", wi);
	json_t *rep = rpc(b, req);
	if (rep == NULL) {
		snprintf(why, whysz, "error:booth-connection");
		return -1;
	}
	if (!json_is_true(json_object_get(rep, "ok"))) {
		snprintf(why, whysz, "refused:%s", err_code(rep));
		json_decref(rep);
		return -1;
	}
	snprintf(code, codesz, "%s", json_string_value(json_object_get(rep, "tracking_code")));
	json_decref(rep);
	return 0;
}

static void run_one(arrival *a, conn *op, conn *b)
{
	json_t *rep = NULL, *ballot = NULL;
	char token[FIELD_MAX];
	json_t *req;
	if (strcmp(a->action, "console") == 0) {
		/* this voter uses the real console (scripts/demo does it) */
		snprintf(a->outcome, sizeof(a->outcome), "console");
		snprintf(a->code, sizeof(a->code), "-");
		snprintf(a->chal, sizeof(a->chal), "-");
		a->log_index = -1;
		a->ok = 1;
		return;
	}
	req = json_pack("{s:s, s:s}", "op", "checkin", "voter", a->voter);
	if (strcmp(a->proxy, "-") != 0)
		json_object_set_new(req, "proxy", json_string(a->proxy));
	snprintf(a->code, sizeof(a->code), "-");
	snprintf(a->chal, sizeof(a->chal), "-");
	a->log_index = -1;
	if ((rep = rpc(op, req)) == NULL) {
		snprintf(a->outcome, sizeof(a->outcome), "error:operator-connection");
		goto out;
	}
	if (!json_is_true(json_object_get(rep, "ok"))) {
		snprintf(a->outcome, sizeof(a->outcome), "refused:%s", err_code(rep));
		goto out;
	}
	snprintf(token, sizeof(token), "%s", json_string_value(json_object_get(rep, "token")));
	json_decref(rep);
	rep = rpc(b, json_pack("{s:s, s:s}", "op", "ballot", "token", token));
	if (rep == NULL || !json_is_true(json_object_get(rep, "ok"))) {
		snprintf(a->outcome, sizeof(a->outcome), rep ? "refused:%s" : "error:%s",
		         rep ? err_code(rep) : "booth-connection");
		goto out;
	}
	ballot = json_incref(json_object_get(rep, "ballot"));
	json_decref(rep);
	rep = NULL;
	if (strcmp(a->action, "challenge") == 0) {
		/* Benaloh challenge: encrypt, then ask the booth to open it. */
		if (encrypt(b, token, ballot, a->marks, a->chal, sizeof(a->chal), a->outcome,
		            sizeof(a->outcome)) != 0)
			goto out;
		rep = rpc(b, json_pack("{s:s, s:s, s:s}", "op", "challenge", "token", token,
		                       "tracking_code", a->chal));
		if (rep == NULL || !json_is_true(json_object_get(rep, "ok"))) {
			snprintf(a->outcome, sizeof(a->outcome), rep ? "refused:%s" : "error:%s",
			         rep ? err_code(rep) : "booth-connection");
			goto out;
		}
		json_decref(rep);
		rep = NULL;
	}
	if (encrypt(b, token, ballot, a->marks, a->code, sizeof(a->code), a->outcome,
	            sizeof(a->outcome)) != 0)
		goto out;
	rep = rpc(b, json_pack("{s:s, s:s, s:s}", "op", "cast", "token", token, "tracking_code",
	                       a->code));
	if (rep == NULL || !json_is_true(json_object_get(rep, "ok"))) {
		snprintf(a->outcome, sizeof(a->outcome), rep ? "refused:%s" : "error:%s",
		         rep ? err_code(rep) : "booth-connection");
		goto out;
	}
	a->log_index = (long long)json_integer_value(json_object_get(rep, "log_index"));
	snprintf(a->outcome, sizeof(a->outcome), "cast");
out:
	json_decref(rep);
	json_decref(ballot);
	if (strncmp(a->action, "refuse:", 7) == 0)
		a->ok = strncmp(a->outcome, "refused:", 8) == 0 &&
		        strcmp(a->outcome + 8, a->action + 7) == 0;
	else
		a->ok = strcmp(a->outcome, "cast") == 0;
}

static void *worker(void *arg)
{
	conn op, b;
	(void)arg;
	if (conn_open(&op, "operator") != 0 || conn_open(&b, "booth") != 0) {
		pthread_mutex_lock(&mu);
		unreachable = 1;
		pthread_mutex_unlock(&mu);
		conn_close(&op);
		return NULL;
	}
	for (;;) {
		pthread_mutex_lock(&mu);
		size_t i = next_idx < nplan && !unreachable ? next_idx++ : nplan;
		pthread_mutex_unlock(&mu);
		if (i >= nplan)
			break;
		run_one(&plan[i], &op, &b);
		if (strncmp(plan[i].outcome, "error:", 6) == 0) {
			/* the daemon went away or a connection broke: reconnect once */
			conn_close(&op);
			conn_close(&b);
			if (conn_open(&op, "operator") != 0 || conn_open(&b, "booth") != 0)
				break;
		}
	}
	conn_close(&op);
	conn_close(&b);
	return NULL;
}

static int split_tabs(char *line, char **f, int max)
{
	int n = 0;
	line[strcspn(line, "\r\n")] = '\0';
	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == '\t') {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

static int load_plan(const char *path, const char *station)
{
	FILE *fp = fopen(path, "r");
	char line[2048];
	size_t cap = 0, lineno = 0;
	if (fp == NULL) {
		fprintf(stderr, "booth-sim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *f[5];
		lineno++;
		if (split_tabs(line, f, 5) != 5) {
			fprintf(stderr, "booth-sim: %s line %zu: 5 TAB-separated fields expected\n",
			        path, lineno);
			fclose(fp);
			return -1;
		}
		if (strcmp(f[0], station) != 0)
			continue;
		if (nplan == cap) {
			size_t nc = cap ? cap * 2 : 256;
			arrival *np = realloc(plan, nc * sizeof(*np));
			if (np == NULL) {
				fclose(fp);
				return -1;
			}
			plan = np;
			cap = nc;
		}
		arrival *a = &plan[nplan++];
		memset(a, 0, sizeof(*a));
		snprintf(a->voter, sizeof(a->voter), "%s", f[1]);
		snprintf(a->proxy, sizeof(a->proxy), "%s", f[2]);
		snprintf(a->action, sizeof(a->action), "%s", f[3]);
		snprintf(a->marks, sizeof(a->marks), "%s", f[4]);
	}
	fclose(fp);
	return 0;
}

int main(int argc, char **argv)
{
	const char *station = NULL, *plan_path = NULL;
	long threads = 8;
	pthread_t tid[MAX_THREADS];
	int started = 0, bad = 0;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--state") == 0)
			state_dir = argv[i + 1];
		else if (strcmp(argv[i], "--station") == 0)
			station = argv[i + 1];
		else if (strcmp(argv[i], "--plan") == 0)
			plan_path = argv[i + 1];
		else if (strcmp(argv[i], "--threads") == 0) {
			char *end;
			errno = 0;
			threads = strtol(argv[i + 1], &end, 10);
			if (errno != 0 || *end != '\0' || threads < 1 || threads > MAX_THREADS)
				station = NULL;
		} else
			station = NULL;
	}
	if (argc % 2 != 1 || state_dir == NULL || station == NULL || plan_path == NULL) {
		fprintf(stderr,
		        "usage: booth-sim --state DIR --station ID --plan PLAN.tsv "
		        "[--threads N (1-%d)]\n",
		        MAX_THREADS);
		return 2;
	}
	if (load_plan(plan_path, station) != 0)
		return 2;
	/* Refusals that depend on order (already_voted) must come after the
	 * first check-in of that voter: run them once everyone else is done. */
	size_t nfirst = nplan;
	for (size_t i = 0; i < nplan; i++)
		if (strcmp(plan[i].action, "refuse:already_voted") == 0 && i < nfirst)
			nfirst = i;
	size_t total = nplan;
	nplan = nfirst;
	for (long t = 0; t < threads; t++)
		if (pthread_create(&tid[t], NULL, worker, NULL) == 0)
			started++;
	for (int t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	nplan = total;
	if (!unreachable && next_idx < nplan)
		worker(NULL);
	if (unreachable || started == 0)
		return 3;
	for (size_t i = 0; i < nplan; i++) {
		arrival *a = &plan[i];
		if (a->outcome[0] == '\0')
			snprintf(a->outcome, sizeof(a->outcome), "error:not-run");
		char idx[32];
		if (a->log_index >= 0)
			snprintf(idx, sizeof(idx), "%lld", a->log_index);
		else
			snprintf(idx, sizeof(idx), "-");
		printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a->voter, a->proxy, a->action, a->outcome,
		       a->code[0] ? a->code : "-", idx, a->chal[0] ? a->chal : "-");
		if (!a->ok) {
			fprintf(stderr, "booth-sim: %s %s: expected %s, got %s\n", station,
			        a->voter, a->action, a->outcome);
			bad = 1;
		}
	}
	free(plan);
	return bad ? 1 : 0;
}

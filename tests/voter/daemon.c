/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "daemon.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto/group.h"
#include "crypto/sha256.h"
#include "crypto/transcript.h"
#include "crypto/util.h"
#include "election/manifest.h"
#include "election/rules_record.h"
#include "testutil.h"

static const char manifest[] =
    "{\n"
    "  \"format\": \"quorum-manifest/1\",\n"
    "  \"id\": \"hq-2026-committee\",\n"
    "  \"title\": {\"zh\": \"和谐社区第十届居民委员会选举\", \"en\": \"Hexie Community "
    "residents' committee election, 10th term\"},\n"
    "  \"kind\": \"election\",\n"
    "  \"charter\": \"CH1\",\n"
    "  \"body\": {\"mode\": \"residents\", \"registered\": 1000, \"households\": 400, "
    "\"groups\": 4},\n"
    "  \"committee\": {\"members\": 7, \"term_years\": 5},\n"
    "  \"stations\": [\n"
    "    {\"id\": \"s1\", \"name\": \"社区服务中心 Community centre\", \"groups\": [\"g1\", "
    "\"g2\"]},\n"
    "    {\"id\": \"s2\", \"name\": \"第二小学 No. 2 Primary School\", \"groups\": [\"g3\", "
    "\"g4\"]}\n"
    "  ],\n"
    "  \"dates\": {\"polling_day\": \"2026-03-15\", \"roll_published\": \"2026-02-20\"},\n"
    "  \"contests\": [\n"
    "    {\"id\": \"director\", \"type\": \"office\", \"title\": {\"zh\": \"主任\", \"en\": "
    "\"Director\"}, \"seats\": 1,\n"
    "      \"candidates\": [\n"
    "        {\"id\": \"c1\", \"voter\": \"V0001\", \"name\": \"王芳\", \"nomination\": "
    "{\"by\": \"party\"}},\n"
    "        {\"id\": \"c2\", \"voter\": \"V0002\", \"name\": \"李强\", \"nomination\": "
    "{\"by\": \"voters\", \"count\": 14}}\n"
    "      ], \"rules\": [\"UL19\"]},\n"
    "    {\"id\": \"members\", \"type\": \"office\", \"title\": {\"zh\": \"委员\", \"en\": "
    "\"Members\"}, \"seats\": 3,\n"
    "      \"candidates\": [\n"
    "        {\"id\": \"m1\", \"voter\": \"V0003\", \"name\": \"张伟\", \"nomination\": "
    "{\"by\": \"party\"}},\n"
    "        {\"id\": \"m2\", \"voter\": \"V0004\", \"name\": \"刘洋\", \"nomination\": "
    "{\"by\": \"voters\", \"count\": 10}},\n"
    "        {\"id\": \"m3\", \"voter\": \"V0005\", \"name\": \"陈静\", \"nomination\": "
    "{\"by\": \"voters\", \"count\": 22}},\n"
    "        {\"id\": \"m4\", \"voter\": \"V0006\", \"name\": \"杨磊\", \"nomination\": "
    "{\"by\": \"party\"}},\n"
    "        {\"id\": \"m5\", \"voter\": \"V0008\", \"name\": \"赵敏\", \"nomination\": "
    "{\"by\": \"voters\", \"count\": 11}}\n"
    "      ], \"rules\": [\"UL19\"]}\n"
    "  ]\n"
    "}\n";

static const char named_motion[] =
    "    {\"id\": \"hall\", \"type\": \"motion\", \"ballot\": \"named\", \"title\": "
    "{\"zh\": \"社区活动室开放时间\", \"en\": \"Community room opening hours\"}, "
    "\"text\": \"活动室每晚开放至九点。The community room opens until nine every "
    "evening.\", \"rules\": [\"UL27\"]}";

int td_named_motion;

static void write_str(const char *path, const char *s)
{
	cr_assert_eq(test_write_file(path, s, strlen(s)), 0, "write %s", path);
}

void td_setup(tdaemon *d, int nvoters)
{
	char *t = test_tmpdir(), path[400];
	memset(d, 0, sizeof *d);
	snprintf(d->dir, sizeof d->dir, "%s", t);
	free(t);
	snprintf(d->el, sizeof d->el, "%s/el", d->dir);
	snprintf(d->state, sizeof d->state, "%s/state", d->dir);
	snprintf(d->roll, sizeof d->roll, "%s/roll.csv", d->dir);
	snprintf(d->log, sizeof d->log, "%s/daemon.log", d->dir);
	cr_assert_eq(mkdir(d->el, 0700), 0);
	snprintf(path, sizeof path, "%s/manifest.json", d->el);
	if (td_named_motion) {
		/* the manifest with a named-vote motion "hall" (E-2.1) last */
		const char *end = strrchr(manifest, ']'); /* "}\n  ]\n}\n" */
		size_t cap = sizeof manifest + sizeof named_motion + 64;
		char *mt = malloc(cap);
		cr_assert(mt != NULL && end != NULL && end > manifest + 3);
		snprintf(mt, cap, "%.*s,\n%s\n  ]\n}\n", (int)(end - 3 - manifest), manifest,
		         named_motion);
		/* a residents' meeting's motion (UL27) needs its notice date
		 * (UL26.notice): 14 days before polling day */
		static const char rp[] = "\"roll_published\": \"2026-02-20\"";
		char *at = strstr(mt, rp), *rest;
		cr_assert(at != NULL);
		rest = strdup(at + strlen(rp));
		cr_assert(rest != NULL);
		snprintf(at, cap - (size_t)(at - mt), "%s, \"notice\": \"2026-03-01\"%s", rp, rest);
		free(rest);
		write_str(path, mt);
		free(mt);
	} else {
		write_str(path, manifest);
	}

	scalar *s = scalar_new();
	point *K = point_new();
	uint8_t enc[POINT_LEN];
	char hex[2 * POINT_LEN + 2];
	cr_assert(s != NULL && K != NULL);
	cr_assert_eq(scalar_set_u64(s, 7), Q_OK);
	cr_assert_eq(point_mul_base(K, s), Q_OK);
	cr_assert_eq(point_encode(enc, K), Q_OK);
	hex_encode(hex, enc, POINT_LEN);
	strcat(hex, "\n");
	snprintf(path, sizeof path, "%s/joint-key", d->el);
	write_str(path, hex);
	scalar_free(s);
	point_free(K);

	/* The election's base hash (docs/spec/record.md) is written
	 * with parameters.json (td_set_roll_hash), as quorum-tally init does. */

	size_t cap = 128 + (size_t)(nvoters + 2) * 64;
	char *csv = malloc(cap);
	size_t n = (size_t)snprintf(csv, cap, "id,name,birth_date,household,group,flags\n");
	for (int i = 1; i <= nvoters; i++)
		n += (size_t)snprintf(csv + n, cap - n, "V%04d,Voter %d,1980-05-%02d,H%03d,g%d,\n",
		                      i, i, 1 + i % 28, i, 1 + i % 2);
	n += (size_t)snprintf(csv + n, cap - n, "U0001,Young,2010-01-01,H900,g1,\n");
	n += (size_t)snprintf(csv + n, cap - n, "W0001,Elsewhere,1970-01-01,H901,g3,\n");
	cr_assert_eq(test_write_file(d->roll, csv, n), 0);
	td_set_roll_hash(d, csv, n);
	free(csv);
}

void td_set_roll_hash(tdaemon *d, const char *csv, size_t len)
{
	uint8_t h[32];
	sha256(h, csv, len);
	hex_encode(d->roll_hash, h, 32);
	td_set_profiles(d, NULL, NULL, 0);
}

void td_set_profiles(tdaemon *d, const char *const *names, const char *const *texts, size_t n)
{
	/* parameters.json as quorum-tally init writes it: the
	 * daemon reads roll_hash, the one roll it will import (P-6.1), and
	 * the rule profiles, each with its SHA-256 (RP-5.1) */
	char path[400];
	const uint8_t *b[8];
	size_t l[8], ml;
	rulebook *rb = NULL;
	elec_manifest *m = NULL;
	elec_findings f;
	cr_assert(n <= 8);
	for (size_t i = 0; i < n; i++) {
		b[i] = (const uint8_t *)texts[i];
		l[i] = strlen(texts[i]);
	}
	elec_findings_init(&f);
	cr_assert_eq(rulebook_with_files(b, l, names, n, &rb, &f), Q_OK, "%s",
	             f.n ? f.v[0].message : "");
	snprintf(path, sizeof path, "%s/manifest.json", d->el);
	char *mt = test_read_file(path, &ml);
	cr_assert_not_null(mt);
	cr_assert_eq(manifest_parse_rules((const uint8_t *)mt, ml, rb, &m, &f), Q_OK, "%s",
	             f.n ? f.v[0].message : "");
	snprintf(path, sizeof path, "%s/rules", d->el);
	(void)mkdir(path, 0700);
	for (size_t i = 0; i < m->nprofiles; i++) {
		snprintf(path, sizeof path, "%s/rules/%s.json", d->el, m->profiles[i]->id);
		cr_assert_eq(test_write_file(path, m->profiles[i]->bytes, m->profiles[i]->len), 0);
	}
	json_t *p = json_pack("{s:s, s:s, s:n, s:n, s:s, s:i, s:i, s:i, s:o}", "format",
	                      "quorum-parameters/2", "group", "P-256", "key_ceremony",
	                      "previous_round", "roll_hash", d->roll_hash, "round", 1, "threshold",
	                      1, "trustees", 1, "rules", rules_params_list(m));
	cr_assert_not_null(p);
	char *txt = json_dumps(p, JSON_INDENT(2) | JSON_SORT_KEYS);
	snprintf(path, sizeof path, "%s/parameters.json", d->el);
	write_str(path, txt);
	free(txt);
	json_decref(p);
	free(mt);
	manifest_free(m);
	rulebook_free(rb);
	elec_findings_free(&f);
	td_write_base_hash(d);
}

void td_write_base_hash(const tdaemon *d)
{
	char path[400], bhx[2 * 32 + 2];
	size_t ml, pl;
	uint8_t bh[32];
	transcript t;
	snprintf(path, sizeof path, "%s/manifest.json", d->el);
	char *m = test_read_file(path, &ml);
	snprintf(path, sizeof path, "%s/parameters.json", d->el);
	char *p = test_read_file(path, &pl);
	cr_assert(m != NULL && p != NULL);
	/* H_T("quorum/v1/election/base-hash"; manifest, parameters) */
	cr_assert_eq(transcript_init(&t, "quorum/v1/election/base-hash"), Q_OK);
	transcript_bytes(&t, m, ml);
	transcript_bytes(&t, p, pl);
	transcript_digest(&t, bh);
	hex_encode(bhx, bh, 32);
	strcat(bhx, "\n");
	snprintf(path, sizeof path, "%s/base-hash", d->el);
	write_str(path, bhx);
	free(m);
	free(p);
}

int td_connect(const tdaemon *d, const char *role)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	char p[400];
	int n = snprintf(p, sizeof p, "%s/%s.sock",
	                 td_socket_dir != NULL ? td_socket_dir : d->state, role);
	if (n < 0 || (size_t)n >= sizeof sa.sun_path)
		return -1;
	memcpy(sa.sun_path, p, (size_t)n + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	struct timeval tv = {30, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

const char *td_extra_env;
const char *td_socket_dir;
const char *td_daemon_bin;
const char *td_extra_args[8];
const char *td_binary;
const char *td_station;
int td_no_foreground;

/* The first child of pid (the daemon's worker, P-9), or 0. */
static pid_t first_child(pid_t pid)
{
	char p[96];
	int c = 0;
	snprintf(p, sizeof p, "/proc/%d/task/%d/children", (int)pid, (int)pid);
	FILE *f = fopen(p, "r");
	if (f != NULL) {
		if (fscanf(f, "%d", &c) != 1)
			c = 0;
		fclose(f);
	}
	return (pid_t)c;
}

/* Wait (bounded) until a worker of a daemon that died is gone too: it
 * dies with its monitor (PR_SET_PDEATHSIG) but may still hold the old
 * listening sockets for a moment (slowly under the sanitizers). */
static void worker_gone(tdaemon *d)
{
	for (int i = 0; d->worker > 0 && i < 1000; i++) {
		char p[64], st = 'X';
		snprintf(p, sizeof p, "/proc/%d/stat", (int)d->worker);
		FILE *f = fopen(p, "r");
		if (f == NULL || fscanf(f, "%*d (%*[^)]) %c", &st) != 1)
			st = 'X';
		if (f != NULL)
			fclose(f);
		if (st == 'X' || st == 'Z')
			break;
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	d->worker = 0;
}

int td_start(tdaemon *d, const char *pass, int *status)
{
	const char *root = getenv("QUORUM_BUILD_ROOT");
	char bin[512];
	int p[2];
	cr_assert_not_null(root, "QUORUM_BUILD_ROOT not set");
	if (td_daemon_bin != NULL)
		snprintf(bin, sizeof bin, "%s/%s", root, td_daemon_bin);
	else
		snprintf(bin, sizeof bin, "%s/voter/%s", root,
		         td_binary != NULL ? td_binary : "quorum-ballotd-test");
	worker_gone(d);
	cr_assert_eq(pipe(p), 0);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int lf = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (lf >= 0) {
			dup2(lf, 1);
			dup2(lf, 2);
			close(lf);
		}
		close(p[1]);
		if (p[0] != 3) {
			dup2(p[0], 3);
			close(p[0]);
		}
		setenv("QUORUM_TEST_CHEAP_KDF", "1", 1);
		if (td_extra_env != NULL)
			putenv((char *)td_extra_env);
		const char *av[24] = {bin,
		                      "--election",
		                      d->el,
		                      "--station",
		                      td_station != NULL ? td_station : "s1",
		                      "--state",
		                      d->state,
		                      "--key-fd",
		                      "3",
		                      "--foreground",
		                      "--read-timeout",
		                      "1500"};
		for (int i = 0; i < 8 && td_extra_args[i] != NULL; i++)
			av[12 + i] = td_extra_args[i];
		if (td_no_foreground) {
			/* drop "--foreground" (av[9]), keep the rest in order */
			for (int i = 9; i < 23; i++)
				av[i] = av[i + 1];
		}
		execv(bin, (char *const *)av);
		_exit(127);
	}
	close(p[0]);
	cr_assert_eq(write(p[1], pass, strlen(pass)), (ssize_t)strlen(pass));
	close(p[1]);
	d->pid = pid;
	for (int i = 0; i < 1000; i++) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			d->pid = 0;
			if (status != NULL)
				*status = st;
			return -1;
		}
		int ok = 1;
		const char *roles[] = {"admin", "operator", "booth"};
		for (int r = 0; r < 3 && ok; r++) {
			int fd = td_connect(d, roles[r]);
			if (fd < 0)
				ok = 0;
			else
				close(fd);
		}
		if (ok) {
			for (int k = 0; k < 100 && (d->worker = first_child(pid)) == 0; k++) {
				struct timespec ts = {0, 10 * 1000 * 1000};
				nanosleep(&ts, NULL);
			}
			return 0;
		}
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	cr_assert_fail("daemon did not start");
	return -1;
}

int td_stop(tdaemon *d)
{
	int st;
	if (d->pid <= 0)
		return -1;
	kill(d->pid, SIGTERM);
	cr_assert_eq(waitpid(d->pid, &st, 0), d->pid);
	d->pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void td_kill(tdaemon *d)
{
	int st;
	if (d->pid <= 0)
		return;
	kill(d->pid, SIGKILL);
	waitpid(d->pid, &st, 0);
	d->pid = 0;
}

void td_send(int fd, const char *data, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t w = send(fd, data + off, len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}

json_t *td_recv(int fd)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	json_t *j = NULL;
	for (;;) {
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		ssize_t r = recv(fd, buf + len, cap - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		char *nl = memchr(buf + len, '\n', (size_t)r);
		len += (size_t)r;
		if (nl != NULL) {
			j = json_loadb(buf, (size_t)(nl - buf), 0, NULL);
			break;
		}
	}
	free(buf);
	return j;
}

json_t *td_req(const tdaemon *d, const char *role, const char *json)
{
	int fd = td_connect(d, role);
	cr_assert(fd >= 0, "connect %s", role);
	td_send(fd, json, strlen(json));
	td_send(fd, "\n", 1);
	json_t *r = td_recv(fd);
	close(fd);
	cr_assert_not_null(r, "no reply to %s", json);
	return r;
}

const char *td_err(const json_t *rep)
{
	if (json_is_true(json_object_get(rep, "ok")))
		return NULL;
	const char *c = json_string_value(json_object_get(json_object_get(rep, "error"), "code"));
	return c != NULL ? c : "?";
}

char *td_marks_json(int variant)
{
	static const char *const v[] = {
	    "[[1,0],[1,1,0,0,1]]",
	    "[[0,1],[0,0,1,0,0]]",
	    "[[0,0],[0,0,0,0,0]]",
	    "[[1,0],[0,1,1,1,0]]",
	};
	return strdup(v[variant % 4]);
}

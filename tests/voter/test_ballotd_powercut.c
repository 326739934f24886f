/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * quorum-ballotd under power loss, in the manner of ALICE and LazyFS: the
 * daemon runs a poll under the fault shim (tests/common/fault_shim.c,
 * QUORUM_SHIM_RECORD), which records every write with its file, offset
 * and bytes, every truncation, create, rename, unlink and mkdir, every
 * fsync/fdatasync, and every reply sent.  The test then rebuilds the state
 * directory as a power cut at many points of that record would have left
 * it, starts the daemon (quorum-ballotd-test) on each, and checks that it
 * starts (recovery), that every ballot whose receipt had been sent before
 * the cut is in the box and the log (a receipt lookup by its token returns
 * its tracking code, which needs both), that every acknowledged check-in
 * is kept, that an acknowledged close is kept with its record, and that
 * the log verifies.
 *
 * The model of a power cut at a point (the crash is just before a record
 * that makes something durable, so every reply sent since the last such
 * record counts as sent):
 *   synced    a file's writes and truncations survive only if the file
 *             was fsync'd (or fdatasync'd) after them; a create, rename,
 *             unlink or mkdir only if its directory was fsync'd after it
 *             (the strict POSIX model);
 *   all       everything written survives (what a process crash leaves);
 *   torn      names as done (a journalling filesystem keeps them in
 *             order); of the unsynced writes the first half in order, the
 *             last of them cut after its first 512-byte sectors;
 *   reordered names as done; every second unsynced write (later writes
 *             reached the disk, earlier ones did not).
 * Every cut point gets "synced" and one of the others in turn.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/log.h"
#include "daemon.h"
#include "shim_rec.h"
#include "testutil.h"

#define NCHECKIN 24 /* check-ins recorded (voters V0003..) */
#define NCLIENTS 4 /* concurrent booths: group commits of several casts */
#define PER_CLIENT 5
#define NCAST (NCLIENTS * PER_CLIENT)
#define MAX_POINTS                                                                                 \
	36 /* cut points tried (each with two variants); more with                                 \
	    * QUORUM_POWERCUT_POINTS=N in the environment */

static tdaemon d, cut; /* the recorded daemon; one started after a cut */

static void fini(void)
{
	td_kill(&d);
	td_kill(&cut);
	test_rmtree(d.dir);
}

TestSuite(ballotd_powercut, .fini = fini, .timeout = 600);

/* ---- the poll, recorded ---- */

static char tokens[NCHECKIN][40]; /* token of voter V(i+3) */
static char codes[NCHECKIN][70]; /* tracking code of its cast, or "" */

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

static void ok(json_t *r)
{
	char *s = json_dumps(r, JSON_COMPACT);
	cr_assert_null(td_err(r), "%s", s);
	free(s);
	json_decref(r);
}

static void *booth(void *arg)
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
		if (r != NULL && td_err(r) == NULL)
			snprintf(codes[i], sizeof codes[i], "%s",
			         json_string_value(json_object_get(r, "tracking_code")));
		json_decref(r);
	}
	close(fd);
	return NULL;
}

static void checkin(int i)
{
	json_t *r = reqf("operator", "{\"op\":\"checkin\",\"voter\":\"V%04d\"}", i + 3);
	cr_assert_null(td_err(r));
	snprintf(tokens[i], sizeof tokens[i], "%s", json_string_value(json_object_get(r, "token")));
	json_decref(r);
}

/* ---- the state directory as a model ---- */

typedef struct node {
	int is_dir;
	uint8_t *buf;
	size_t len;
} node;

typedef struct name {
	char *path; /* relative to the state directory; "" is the directory */
	int ino;
} name;

typedef struct ns {
	name *v;
	size_t n, cap;
} ns;

typedef struct rec {
	uint32_t op;
	uint64_t off, len;
	char *p, *p2; /* relative paths (NULL: outside the state directory) */
	const uint8_t *data;
	int ino; /* the file or directory the record acts on */
	int dir; /* a name change: the directory whose sync makes it durable */
} rec;

static node *nodes;
static size_t nnodes, base_nodes;
static ns base_ns;
static rec *recs;
static size_t nrecs;

static int new_node(int is_dir, const uint8_t *buf, size_t len)
{
	nodes = realloc(nodes, (nnodes + 1) * sizeof *nodes);
	cr_assert_not_null(nodes);
	nodes[nnodes].is_dir = is_dir;
	nodes[nnodes].len = len;
	nodes[nnodes].buf = len ? malloc(len) : NULL;
	if (len)
		memcpy(nodes[nnodes].buf, buf, len);
	return (int)nnodes++;
}

static int ns_find(const ns *s, const char *p)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].path, p) == 0)
			return (int)i;
	return -1;
}

static int ns_get(const ns *s, const char *p)
{
	int i = ns_find(s, p);
	return i < 0 ? -1 : s->v[i].ino;
}

static void ns_set(ns *s, const char *p, int ino)
{
	int i = ns_find(s, p);
	if (i >= 0) {
		s->v[i].ino = ino;
		return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = realloc(s->v, s->cap * sizeof *s->v);
		cr_assert_not_null(s->v);
	}
	s->v[s->n].path = strdup(p);
	s->v[s->n++].ino = ino;
}

static void ns_del(ns *s, const char *p)
{
	int i = ns_find(s, p);
	if (i < 0)
		return;
	free(s->v[i].path);
	s->v[i] = s->v[--s->n];
}

static void ns_copy(ns *dst, const ns *src)
{
	memset(dst, 0, sizeof *dst);
	for (size_t i = 0; i < src->n; i++)
		ns_set(dst, src->v[i].path, src->v[i].ino);
}

static void ns_free(ns *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].path);
	free(s->v);
	memset(s, 0, sizeof *s);
}

static const char *base_root;

static int snap_cb(const char *path, const struct stat *sb, int type, struct FTW *f)
{
	const char *rel = path + strlen(base_root);
	if (*rel == '/')
		rel++;
	if (type == FTW_D) {
		ns_set(&base_ns, rel, new_node(1, NULL, 0));
	} else if (type == FTW_F && S_ISREG(sb->st_mode)) {
		size_t len = 0;
		char *b = test_read_file(path, &len);
		cr_assert_not_null(b, "read %s", path);
		ns_set(&base_ns, rel, new_node(0, (uint8_t *)b, len));
		free(b);
	}
	return 0;
}

/* The relative path of an absolute one inside the state directory. */
static char *rel_of(const char *p, size_t n)
{
	size_t sl = strlen(d.state);
	if (n < sl || memcmp(p, d.state, sl) != 0 || (n > sl && p[sl] != '/'))
		return NULL;
	size_t off = n > sl ? sl + 1 : sl;
	char *r = malloc(n - off + 1);
	memcpy(r, p + off, n - off);
	r[n - off] = 0;
	return r;
}

static char *parent_of(const char *rel)
{
	const char *s = strrchr(rel, '/');
	return s ? strndup(rel, (size_t)(s - rel)) : strdup("");
}

/* Parse the record and give each entry the node it acts on, following the
 * names as the daemon saw them. */
static void load_record(const uint8_t *b, size_t n)
{
	ns cur;
	ns_copy(&cur, &base_ns);
	size_t o = 0;
	while (o < n) {
		struct shim_rec h;
		cr_assert(n - o >= sizeof h, "record truncated at %zu", o);
		memcpy(&h, b + o, sizeof h);
		cr_assert_eq(h.magic, SHIM_REC_MAGIC, "bad record entry at %zu", o);
		o += sizeof h;
		cr_assert(n - o >= (size_t)h.plen + h.p2len + h.len);
		recs = realloc(recs, (nrecs + 1) * sizeof *recs);
		rec *r = &recs[nrecs++];
		memset(r, 0, sizeof *r);
		r->op = h.op;
		r->off = h.off;
		r->len = h.len;
		r->ino = r->dir = -1;
		r->p = rel_of((const char *)b + o, h.plen);
		r->p2 = h.p2len ? rel_of((const char *)b + o + h.plen, h.p2len) : NULL;
		r->data = b + o + h.plen + h.p2len;
		o += (size_t)h.plen + h.p2len + h.len;
		if (h.op == SHIM_SEND || r->p == NULL)
			continue;
		char *par = parent_of(r->op == SHIM_RENAME && r->p2 ? r->p2 : r->p);
		switch (h.op) {
		case SHIM_WRITE:
		case SHIM_TRUNC:
		case SHIM_SYNC:
			r->ino = ns_get(&cur, r->p);
			if (r->ino < 0) { /* created before the record began */
				r->ino = new_node(0, NULL, 0);
				ns_set(&cur, r->p, r->ino);
			}
			break;
		case SHIM_CREATE:
		case SHIM_MKDIR:
			r->ino = new_node(h.op == SHIM_MKDIR, NULL, 0);
			r->dir = ns_get(&cur, par);
			ns_set(&cur, r->p, r->ino);
			break;
		case SHIM_RENAME:
			r->ino = ns_get(&cur, r->p);
			r->dir = ns_get(&cur, par);
			if (r->p2 != NULL && r->ino >= 0)
				ns_set(&cur, r->p2, r->ino);
			ns_del(&cur, r->p);
			break;
		case SHIM_UNLINK:
			r->ino = ns_get(&cur, r->p);
			r->dir = ns_get(&cur, par);
			ns_del(&cur, r->p);
			break;
		}
		free(par);
	}
	ns_free(&cur);
}

enum { V_SYNCED, V_ALL, V_TORN, V_REORDERED, V__N };
static const char *const vname[V__N] = {"synced", "all", "torn", "reordered"};

static int is_name_op(uint32_t op)
{
	return op == SHIM_CREATE || op == SHIM_MKDIR || op == SHIM_RENAME || op == SHIM_UNLINK;
}

/* Is entry i made durable by a sync of node ino before k? */
static int synced_before(size_t i, int ino, size_t k)
{
	if (ino < 0)
		return 0;
	for (size_t j = i + 1; j < k; j++)
		if (recs[j].op == SHIM_SYNC && recs[j].ino == ino)
			return 1;
	return 0;
}

static void apply_data(node *nd, const rec *r, uint64_t len)
{
	if (r->op == SHIM_TRUNC) {
		size_t nl = (size_t)r->off;
		nd->buf = realloc(nd->buf, nl ? nl : 1);
		if (nl > nd->len)
			memset(nd->buf + nd->len, 0, nl - nd->len);
		nd->len = nl;
		return;
	}
	size_t end = (size_t)(r->off + len);
	if (end > nd->len) {
		nd->buf = realloc(nd->buf, end);
		memset(nd->buf + nd->len, 0, end - nd->len);
		nd->len = end;
	}
	memcpy(nd->buf + r->off, r->data, (size_t)len);
}

/* A file of the rebuilt directory, mode 0600 as the daemon makes them. */
static void put_file(const char *p, const uint8_t *b, size_t n)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert(fd >= 0, "create %s", p);
	cr_assert_eq(write(fd, b, n), (ssize_t)n, "write %s", p);
	close(fd);
}

/* Write the state a cut before entry k leaves (variant v) into dir. */
static void rebuild(size_t k, int v, const char *dir)
{
	node *nd = calloc(nnodes, sizeof *nd);
	for (size_t i = 0; i < nnodes; i++) {
		nd[i].is_dir = nodes[i].is_dir;
		nd[i].len = i < base_nodes ? nodes[i].len : 0;
		nd[i].buf = malloc(nd[i].len ? nd[i].len : 1);
		if (nd[i].len)
			memcpy(nd[i].buf, nodes[i].buf, nd[i].len);
	}
	ns s;
	ns_copy(&s, &base_ns);
	/* the unsynced data entries, in order */
	size_t *uns = malloc((k + 1) * sizeof *uns), nu = 0;
	for (size_t i = 0; i < k; i++)
		if ((recs[i].op == SHIM_WRITE || recs[i].op == SHIM_TRUNC) && recs[i].ino >= 0 &&
		    !synced_before(i, recs[i].ino, k))
			uns[nu++] = i;
	size_t u = 0, half = (nu + 1) / 2;
	for (size_t i = 0; i < k; i++) {
		const rec *r = &recs[i];
		if (r->p == NULL || r->op == SHIM_SEND || r->op == SHIM_SYNC)
			continue;
		if (is_name_op(r->op)) {
			if (v == V_SYNCED && !synced_before(i, r->dir, k))
				continue;
			if (r->op == SHIM_RENAME) {
				if (ns_get(&s, r->p) == r->ino && r->ino >= 0) {
					ns_del(&s, r->p);
					if (r->p2 != NULL)
						ns_set(&s, r->p2, r->ino);
				}
			} else if (r->op == SHIM_UNLINK) {
				ns_del(&s, r->p);
			} else {
				ns_set(&s, r->p, r->ino);
			}
			continue;
		}
		uint64_t len = r->len;
		if (u < nu && uns[u] == i) {
			size_t pos = u++;
			int keep = v == V_ALL || (v == V_TORN && pos < half) ||
			           (v == V_REORDERED && pos % 2 == 1);
			if (!keep)
				continue;
			if (v == V_TORN && pos + 1 == half && r->op == SHIM_WRITE)
				len = (len / 2) & ~(uint64_t)511;
		}
		apply_data(&nd[r->ino], r, len);
	}
	free(uns);
	/* directories first (shorter paths), then files */
	cr_assert_eq(mkdir(dir, 0700), 0, "mkdir %s", dir);
	for (size_t pass = 0; pass < 2; pass++)
		for (size_t l = 1; l < 4096; l++) {
			int any = 0;
			for (size_t i = 0; i < s.n; i++) {
				size_t pl = strlen(s.v[i].path);
				any |= pl >= l;
				if (pl != l || nd[s.v[i].ino].is_dir != (pass == 0))
					continue;
				char p[4400];
				snprintf(p, sizeof p, "%s/%s", dir, s.v[i].path);
				if (pass == 0)
					cr_assert_eq(mkdir(p, 0700), 0, "mkdir %s", p);
				else
					put_file(p, nd[s.v[i].ino].buf, nd[s.v[i].ino].len);
			}
			if (!any)
				break;
		}
	ns_free(&s);
	for (size_t i = 0; i < nnodes; i++)
		free(nd[i].buf);
	free(nd);
}

/* ---- what had been acknowledged before a cut ---- */

typedef struct acked {
	char codes[NCHECKIN][70]; /* receipts sent */
	int ncodes;
	char tokens[NCHECKIN][40]; /* check-in tokens sent */
	int ntokens;
	int closed; /* the close reply sent */
} acked;

/* The value of "key":"..." in line (at most cap-1 bytes), or 0. */
static int field(const char *line, size_t n, const char *key, char *out, size_t cap)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\":\"", key);
	const char *p = memmem(line, n, pat, strlen(pat));
	if (p == NULL)
		return 0;
	p += strlen(pat);
	size_t i = 0;
	while (p + i < line + n && p[i] != '"' && i + 1 < cap)
		i++;
	memcpy(out, p, i);
	out[i] = 0;
	return 1;
}

static void acked_before(size_t k, acked *a)
{
	memset(a, 0, sizeof *a);
	for (size_t i = 0; i < k; i++) {
		if (recs[i].op != SHIM_SEND)
			continue;
		const char *b = (const char *)recs[i].data, *end = b + recs[i].len;
		while (b < end) {
			const char *nl = memchr(b, '\n', (size_t)(end - b));
			size_t n = nl ? (size_t)(nl - b) : (size_t)(end - b);
			char v[80];
			/* a cast receipt names the log's origin; a challenge's
			 * reply and an encrypt's do not */
			if (memmem(b, n, "\"log_origin\"", 12) != NULL &&
			    field(b, n, "tracking_code", v, sizeof v) && a->ncodes < NCHECKIN)
				snprintf(a->codes[a->ncodes++], 70, "%.69s", v);
			if (memmem(b, n, "\"checked_in\":", 13) != NULL &&
			    field(b, n, "token", v, sizeof v) && a->ntokens < NCHECKIN)
				snprintf(a->tokens[a->ntokens++], 40, "%.39s", v);
			if (memmem(b, n, "\"state\":\"closed\"", 16) != NULL &&
			    memmem(b, n, "\"issued\"", 8) != NULL)
				a->closed = 1;
			b += n + 1;
		}
	}
}

/* ---- the check of one cut ---- */

static void check_cut(size_t k, int v, int *nstarts)
{
	char where[200];
	snprintf(where, sizeof where, "power cut before record entry %zu of %zu (%s)", k, nrecs,
	         vname[v]);
	cut = d;
	snprintf(cut.state, sizeof cut.state, "%s/cut", d.dir);
	snprintf(cut.log, sizeof cut.log, "%s/cut.log", d.dir);
	test_rmtree(cut.state);
	unlink(cut.log);
	rebuild(k, v, cut.state);
	acked a;
	acked_before(k, &a);
	int st = 0;
	int rc = td_start(&cut, "station passphrase", &st);
	(*nstarts)++;
	if (rc != 0) {
		char *log = test_read_file(cut.log, NULL);
		cr_assert_fail("%s: the daemon did not start (status %d): %s", where, st,
		               log ? log : "");
	}
	for (int i = 0; i < a.ncodes; i++) {
		int t = -1;
		for (int j = 0; j < NCHECKIN; j++)
			if (strcmp(codes[j], a.codes[i]) == 0)
				t = j;
		cr_assert(t >= 0, "%s: a receipt for %s that no booth received", where, a.codes[i]);
		char buf[200];
		snprintf(buf, sizeof buf, "{\"op\":\"receipt\",\"token\":\"%s\"}", tokens[t]);
		json_t *r = td_req(&cut, "booth", buf);
		const char *got = json_string_value(json_object_get(r, "tracking_code"));
		char *s = json_dumps(r, JSON_COMPACT);
		cr_assert(td_err(r) == NULL && got != NULL && strcmp(got, a.codes[i]) == 0,
		          "%s: the acknowledged ballot %s (voter V%04d) is lost: %s", where,
		          a.codes[i], t + 3, s);
		free(s);
		json_decref(r);
	}
	for (int i = 0; i < a.ntokens; i++) {
		int t = -1;
		for (int j = 0; j < NCHECKIN; j++)
			if (strcmp(tokens[j], a.tokens[i]) == 0)
				t = j;
		if (t < 0)
			continue; /* a check-in of the base, before the record */
		char buf[200];
		snprintf(buf, sizeof buf, "{\"op\":\"lookup\",\"voter\":\"V%04d\"}", t + 3);
		json_t *r = td_req(&cut, "operator", buf);
		json_t *vj = json_object_get(r, "voter");
		cr_assert(json_is_true(json_object_get(vj, "checked_in")),
		          "%s: the acknowledged check-in of V%04d is lost", where, t + 3);
		json_decref(r);
	}
	if (a.closed) {
		json_t *r = td_req(&cut, "admin", "{\"op\":\"status\"}");
		cr_assert_str_eq(json_string_value(json_object_get(r, "state")), "closed",
		                 "%s: the acknowledged close is lost", where);
		json_decref(r);
		r = td_req(&cut, "admin", "{\"op\":\"export\"}");
		cr_assert_null(td_err(r), "%s: no station record after an acknowledged close",
		               where);
		json_decref(r);
	}
	cr_assert_eq(td_stop(&cut), 0, "%s: the daemon did not stop cleanly", where);
	char ld[400], msg[LOG_MSG_MAX];
	snprintf(ld, sizeof ld, "%s/log", cut.state);
	audit_log *lg = NULL;
	cr_assert_eq(log_open(ld, LOG_RDONLY, &lg, msg, sizeof msg), Q_OK, "%s: %s", where, msg);
	uint64_t n = 0;
	cr_assert_eq(log_verify(lg, &n, NULL), Q_OK, "%s: %s", where, log_error(lg));
	log_close(lg);
}

Test(ballotd_powercut, every_acknowledged_ballot_survives_a_power_cut)
{
	td_setup(&d, NCHECKIN + 4);
	/* The poll opened, one voter checked in; a clean stop: the base. */
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	ok(reqf("admin", "{\"op\":\"import-roll\",\"path\":\"%s\"}", d.roll));
	ok(reqf("admin", "{\"op\":\"open\"}"));
	ok(reqf("operator", "{\"op\":\"checkin\",\"voter\":\"V0001\"}"));
	cr_assert_eq(td_stop(&d), 0);
	base_root = d.state;
	cr_assert_eq(nftw(d.state, snap_cb, 16, FTW_PHYS), 0);
	base_nodes = nnodes;

	/* The recorded run: check-ins, concurrent casts, more check-ins, a
	 * challenge, close. */
	char recpath[400];
	snprintf(recpath, sizeof recpath, "%s/record.bin", d.dir);
	const char *shim = getenv("QUORUM_FAULT_SHIM");
	cr_assert(shim != NULL, "QUORUM_FAULT_SHIM not set (run through meson test)");
	char asan[512];
	const char *as = getenv("ASAN_OPTIONS");
	snprintf(asan, sizeof asan, "%s%sverify_asan_link_order=0", as ? as : "", as ? ":" : "");
	setenv("ASAN_OPTIONS", asan, 1);
	setenv("LD_PRELOAD", shim, 1);
	setenv("QUORUM_SHIM_RECORD", recpath, 1);
	setenv("QUORUM_SHIM_TRACE_MATCH", d.state, 1);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	unsetenv("LD_PRELOAD");
	for (int i = 0; i < NCAST; i++)
		checkin(i);
	pthread_t th[NCLIENTS];
	for (int c = 0; c < NCLIENTS; c++)
		cr_assert_eq(pthread_create(&th[c], NULL, booth, (void *)(intptr_t)c), 0);
	for (int c = 0; c < NCLIENTS; c++)
		pthread_join(th[c], NULL);
	for (int i = NCAST; i < NCHECKIN; i++)
		checkin(i);
	for (int i = 0; i < NCAST; i++)
		cr_assert(codes[i][0] != 0, "cast %d got no receipt", i);
	{
		json_t *r = reqf(
		    "booth", "{\"op\":\"encrypt\",\"token\":\"%s\",\"marks\":[[1,0],[0,1,0,0,0]]}",
		    tokens[NCAST]);
		char code[70];
		cr_assert_null(td_err(r));
		snprintf(code, sizeof code, "%s",
		         json_string_value(json_object_get(r, "tracking_code")));
		json_decref(r);
		ok(reqf("booth", "{\"op\":\"challenge\",\"token\":\"%s\",\"tracking_code\":\"%s\"}",
		        tokens[NCAST], code));
	}
	ok(reqf("admin", "{\"op\":\"close\"}"));
	td_kill(&d);
	unsetenv("QUORUM_SHIM_RECORD");

	size_t rlen = 0;
	uint8_t *rb = (uint8_t *)test_read_file(recpath, &rlen);
	cr_assert_not_null(rb);
	load_record(rb, rlen);

	/* Cut points: before each entry that makes something durable (a
	 * sync, a name change, a truncation), and the end.  Those right after
	 * a reply are all taken; the rest sampled evenly up to MAX_POINTS. */
	size_t *cand = malloc((nrecs + 1) * sizeof *cand), nc = 0, nsync = 0;
	int *take = calloc(nrecs + 1, sizeof *take);
	for (size_t i = 0; i < nrecs; i++) {
		if (recs[i].p == NULL && recs[i].op != SHIM_SEND)
			continue;
		nsync += recs[i].op == SHIM_SYNC;
		if (recs[i].op == SHIM_SYNC || recs[i].op == SHIM_TRUNC || is_name_op(recs[i].op))
			cand[nc++] = i;
	}
	cand[nc++] = nrecs;
	/* the first cut point after each reply */
	size_t *after = malloc((nrecs + 1) * sizeof *after), na = 0;
	for (size_t i = 0, c = 0; i < nrecs; i++) {
		if (recs[i].op != SHIM_SEND)
			continue;
		while (c < nc && cand[c] <= i)
			c++;
		if (c < nc && (na == 0 || after[na - 1] != c))
			after[na++] = c;
	}
	size_t ntake = 0, maxp = MAX_POINTS;
	const char *mp = getenv("QUORUM_POWERCUT_POINTS"); /* a longer run by hand */
	if (mp != NULL && atoi(mp) > 0)
		maxp = (size_t)atoi(mp);
	for (size_t i = 0; i < na && ntake < maxp / 2; i += na / (maxp / 2) + 1)
		if (!take[after[i]]) {
			take[after[i]] = 1;
			ntake++;
		}
	for (size_t c = 0; c < nc && ntake < maxp; c += nc / (maxp - ntake) + 1)
		if (!take[c]) {
			take[c] = 1;
			ntake++;
		}
	if (!take[nc - 1]) {
		take[nc - 1] = 1;
		ntake++;
	}
	free(after);
	cr_log_info("record: %zu entries, %zu syncs, %zu cut points, %zu tried", nrecs, nsync, nc,
	            ntake);
	cr_assert(nsync > 2 * NCAST / 4, "only %zu syncs recorded: is the shim recording?", nsync);
	int nstarts = 0, turn = 0;
	for (size_t c = 0; c < nc; c++) {
		if (!take[c])
			continue;
		check_cut(cand[c], V_SYNCED, &nstarts);
		check_cut(cand[c], V_ALL + turn++ % 3, &nstarts);
	}
	cr_log_info("%d restarts after a power cut, every one recovered", nstarts);
	free(cand);
	free(take);
	free(rb);
}

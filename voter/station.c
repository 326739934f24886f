/*
 * station.c -- the polling station behind quorum-ballotd (station.h).
 *
 * Protocol: docs/protocol.md.  Crash safety, unlinkability and the log
 * entries: docs/spec/protocol.md (P-4 keys, P-5 stores, P-6 log entries,
 * P-7 station record).
 */
#include "station.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "audit/log.h"
#include "audit/merkle.h"
#include "crypto/seal.h"
#include "crypto/secbuf.h"
#include "crypto/sha256.h"
#include "crypto/sig.h"
#include "crypto/transcript.h"
#include "crypto/util.h"
#include "election/ballot.h"
#include "election/manifest.h"
#include "election/roll.h"
#include "server.h"
#include "store.h"

#include "banned.h"

#define TOKEN_LEN 16
#ifndef PENDING_MAX /* the tests also build a daemon with a small one */
#define PENDING_MAX 4096
#endif
#define CHALLENGES_MAX 10 /* challenges per token (docs/protocol.md 3) */
#define RECEIPT_KEY_TAG "quorum/v1/station/receipt-key\n" /* P-5.2 receipts(k) */
#define BATCH_MAX 512
#define CHECKPOINT_KEEP_MS 1000
#define RECORD_SIG_TAG "quorum/v1/station-record\n"
#define RECORD_FORMAT "quorum-station-record/2" /* P-7.1 */

/* P-6: log entry tags (each entry is tag || 0x0A || payload). */
#define ENTRY_OPENED "quorum/v1/station/poll-opened"
#define ENTRY_ROLL "quorum/v1/station/roll-imported"
#define ENTRY_CHECKINS "quorum/v1/station/checkins"
#define ENTRY_CAST "quorum/v1/station/ballot-cast"
#define ENTRY_CHALLENGED "quorum/v1/station/ballot-challenged"
#define ENTRY_CLOSED "quorum/v1/station/poll-closed"
#define ENTRY_REISSUED "quorum/v1/station/token-reissued"

typedef enum job_kind { JOB_ENCRYPT, JOB_CAST, JOB_CHALLENGE } job_kind;

typedef struct job {
	struct job *next;
	job_kind kind;
	server_conn conn;
	uint8_t token_hash[32];
	uint8_t receipt_key[32]; /* JOB_CAST: P-5.2 receipts(k) */
	uint8_t *marks; /* secret; wiped by the worker */
	size_t nmarks;
	int encrypt_first; /* JOB_CAST with marks: worker encrypts, then commit */
	uint8_t *enc; /* B-2 encoding */
	size_t enclen;
	uint8_t code[32];
	ballot_opening *op; /* JOB_ENCRYPT / JOB_CHALLENGE only */
	qerr result;
	const char *errcode;
	char msg[200];
	uint64_t log_index;
	char *checkpoint;
} job;

typedef struct jobq {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	job *head, *tail;
	size_t n;
	int stop;
} jobq;

typedef struct pending {
	uint8_t token_hash[32];
	uint8_t code[32];
	uint8_t *enc;
	size_t enclen;
	ballot_opening *op;
	int64_t made; /* monotonic ms */
} pending;

/* A map from 32-byte hashes to u64 (open addressing): tracking code ->
 * log index of each logged cast, for receipt lookups. */
typedef struct cmap_ent {
	uint8_t k[32];
	uint64_t v;
	int used;
} cmap_ent;

typedef struct cmap {
	cmap_ent *e;
	size_t cap, n;
} cmap;

/* A set of 32-byte hashes (open addressing). */
typedef struct hset {
	uint8_t (*k)[32];
	uint8_t *used;
	size_t cap, n;
} hset;

struct station {
	char state_dir[512], log_dir[600], roll_path[600], box_path[600], record_path[600];
	char key_path[600]; /* STATE/signing-key.sealed (P-4.5) */
	char station_id[MANIFEST_ID_MAX + 1];
	int foreground, read_timeout_ms;
	elec_manifest *m;
	const elec_station *est;
	elec_roll *roll;
	roll_context rctx;
	const char **cands;
	point *K;
	point_table *Kt;
	uint8_t Kenc[POINT_LEN];
	uint8_t base_hash[32];
	uint8_t roll_hash[32]; /* parameters.json roll_hash: the only roll accepted */
	ballot_style *style;
	json_t *booth_ballot;
	store *rolldb, *box;
	audit_log *log;
	note_signer *signer; /* in a locked, undumpable page (secret_alloc) */
	char state[16]; /* new, open, closing, closed */
	uint64_t registered, issued, cast, challenged, logged_issued;
	uint64_t logsize; /* log size, under cnt_mu (the committer appends) */
	hset spent; /* loop thread only */
	cmap cast_at; /* tracking code -> log index of every logged cast (loop thread) */
	uint8_t (*inflight)[32]; /* tokens with a job in flight */
	size_t ninflight, capinflight;
	pending *pend;
	size_t npend;
	size_t jobs_out; /* jobs handed to threads, not yet back */
	int broken; /* the log failed after a box commit: refuse casts */
	int64_t last_kept_ms; /* when the log last kept a checkpoint */
	int64_t pending_ttl_ms;
	int idle_timeout_ms;
	int group_set[3];
	unsigned gid[3];
	/* The latest check-in (P-5.1): re-issue while its token is unused. */
	int have_last, last_used;
	char last_id[STORE_FIELD_MAX];
	uint8_t last_h[32];
	uint64_t reissued; /* token-reissued entries in the log */
	int crash_in_close; /* test hook, QUORUM_TEST_CRASH_IN_CLOSE (P-7.3) */
	long crash_after_box; /* test hook, QUORUM_TEST_CRASH_AFTER_BOX (P-5.5) */
	int log_fail; /* test hook, QUORUM_TEST_LOG_FAIL: 1 group appends fail, 2 all */
	int have_close_conn;
	server_conn close_conn;
	/* threads */
	jobq cq, kq; /* crypto queue, commit queue */
	pthread_t workers[STATION_WORKERS], committer;
	int nworkers, have_committer;
	pthread_mutex_t io_mu; /* box + log */
	pthread_mutex_t cnt_mu; /* issued (read by the committer) */
	server *srv;
};

/* ---- logging (syslog + stderr; never secrets or choices) ---- */

__attribute__((format(printf, 3, 4))) static void slog(const station *st, int pri, const char *fmt,
                                                       ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	syslog(pri, "%s", buf);
	if (st == NULL || st->foreground)
		fprintf(stderr, "quorum-ballotd: %s\n", buf);
}

static void finish_close(station *st, int reply_to_conn);

/* ---- secret memory ---- */

/* A zeroed page-aligned block for a secret: locked in RAM (when the
 * RLIMIT_MEMLOCK allows; else a warning) and left out of core dumps
 * (MADV_DONTDUMP).  NULL if it cannot be mapped. */
static void *secret_alloc(size_t n)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t len = ((n + (size_t)pg - 1) / (size_t)pg) * (size_t)pg;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (madvise(p, len, MADV_DONTDUMP) != 0) {
		munmap(p, len);
		return NULL;
	}
	if (mlock(p, len) != 0)
		syslog(LOG_WARNING, "cannot lock secret memory: %s", strerror(errno));
	return p;
}

static void secret_free(void *p, size_t n)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t len = ((n + (size_t)pg - 1) / (size_t)pg) * (size_t)pg;
	if (p == NULL)
		return;
	wipe(p, len);
	munlock(p, len);
	munmap(p, len);
}

/* ---- hash set ---- */

static int hset_has(const hset *s, const uint8_t h[32])
{
	if (s->cap == 0)
		return 0;
	uint64_t x;
	memcpy(&x, h, 8);
	for (size_t i = x & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (!s->used[i])
			return 0;
		if (memcmp(s->k[i], h, 32) == 0)
			return 1;
	}
}

static qerr hset_add(hset *s, const uint8_t h[32])
{
	if (hset_has(s, h))
		return Q_OK;
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		hset t = {calloc(cap, 32), calloc(cap, 1), cap, 0};
		if (t.k == NULL || t.used == NULL) {
			free(t.k);
			free(t.used);
			return Q_ERR_NOMEM;
		}
		for (size_t i = 0; i < s->cap; i++)
			if (s->used[i])
				(void)hset_add(&t, s->k[i]);
		free(s->k);
		free(s->used);
		*s = t;
	}
	uint64_t x;
	memcpy(&x, h, 8);
	size_t i = x & (s->cap - 1);
	while (s->used[i])
		i = (i + 1) & (s->cap - 1);
	memcpy(s->k[i], h, 32);
	s->used[i] = 1;
	s->n++;
	return Q_OK;
}

static cmap_ent *cmap_find(const cmap *m, const uint8_t k[32])
{
	if (m->cap == 0)
		return NULL;
	uint64_t x;
	memcpy(&x, k, 8);
	for (size_t i = x & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->e[i].used)
			return &m->e[i];
		if (memcmp(m->e[i].k, k, 32) == 0)
			return &m->e[i];
	}
}

static qerr cmap_put(cmap *m, const uint8_t k[32], uint64_t v)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024;
		cmap t = {calloc(cap, sizeof(cmap_ent)), cap, 0};
		if (t.e == NULL)
			return Q_ERR_NOMEM;
		for (size_t i = 0; i < m->cap; i++)
			if (m->e[i].used)
				(void)cmap_put(&t, m->e[i].k, m->e[i].v);
		free(m->e);
		*m = t;
	}
	cmap_ent *e = cmap_find(m, k);
	if (!e->used) {
		memcpy(e->k, k, 32);
		e->used = 1;
		m->n++;
	}
	e->v = v;
	return Q_OK;
}

static void hset_free(hset *s)
{
	free(s->k);
	free(s->used);
	memset(s, 0, sizeof *s);
}

/* ---- in-flight tokens ---- */

static int inflight_has(const station *st, const uint8_t h[32])
{
	for (size_t i = 0; i < st->ninflight; i++)
		if (memcmp(st->inflight[i], h, 32) == 0)
			return 1;
	return 0;
}

static qerr inflight_add(station *st, const uint8_t h[32])
{
	if (st->ninflight == st->capinflight) {
		size_t cap = st->capinflight ? st->capinflight * 2 : 64;
		void *p = realloc(st->inflight, cap * 32);
		if (p == NULL)
			return Q_ERR_NOMEM;
		st->inflight = p;
		st->capinflight = cap;
	}
	memcpy(st->inflight[st->ninflight++], h, 32);
	return Q_OK;
}

static void inflight_del(station *st, const uint8_t h[32])
{
	for (size_t i = 0; i < st->ninflight; i++) {
		if (memcmp(st->inflight[i], h, 32) == 0) {
			memmove(st->inflight[i], st->inflight[st->ninflight - 1], 32);
			st->ninflight--;
			return;
		}
	}
}

/* ---- pending (encrypted, not yet cast or challenged) ---- */

static void pending_clear(pending *p)
{
	free(p->enc);
	ballot_opening_free(p->op);
	memset(p, 0, sizeof *p);
}

static int64_t mono_ms(void);

static void pending_remove(station *st, pending *p)
{
	pending_clear(p);
	size_t i = (size_t)(p - st->pend);
	st->pend[i] = st->pend[st->npend - 1];
	memset(&st->pend[st->npend - 1], 0, sizeof *p);
	st->npend--;
}

/* Drop every pending ballot older than the TTL (its nonces are wiped). */
static void pending_expire(station *st)
{
	int64_t t = mono_ms();
	for (size_t i = 0; i < st->npend;) {
		if (t - st->pend[i].made > st->pending_ttl_ms)
			pending_remove(st, &st->pend[i]);
		else
			i++;
	}
}

static pending *pending_find(station *st, const uint8_t h[32])
{
	for (size_t i = 0; i < st->npend; i++) {
		if (memcmp(st->pend[i].token_hash, h, 32) != 0)
			continue;
		if (mono_ms() - st->pend[i].made > st->pending_ttl_ms) {
			pending_remove(st, &st->pend[i]);
			return NULL;
		}
		return &st->pend[i];
	}
	return NULL;
}

/* ---- job queues ---- */

static void jobq_init(jobq *q)
{
	memset(q, 0, sizeof *q);
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
}

static void jobq_push(jobq *q, job *j)
{
	j->next = NULL;
	pthread_mutex_lock(&q->mu);
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	q->n++;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

/* Pop up to max jobs (a list); NULL when stopped and empty. */
static job *jobq_pop(jobq *q, size_t max)
{
	pthread_mutex_lock(&q->mu);
	while (q->head == NULL && !q->stop)
		pthread_cond_wait(&q->cv, &q->mu);
	job *h = q->head, *t = h;
	if (h != NULL) {
		size_t k = 1;
		while (t->next != NULL && k < max) {
			t = t->next;
			k++;
		}
		q->head = t->next;
		if (q->head == NULL)
			q->tail = NULL;
		q->n -= k;
		t->next = NULL;
	}
	pthread_mutex_unlock(&q->mu);
	return h;
}

static void jobq_stop(jobq *q)
{
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

static void job_free(job *j)
{
	if (j == NULL)
		return;
	if (j->marks != NULL) {
		wipe(j->marks, j->nmarks);
		free(j->marks);
	}
	free(j->enc);
	ballot_opening_free(j->op);
	free(j->checkpoint);
	free(j);
}

static void job_fail(job *j, qerr e, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void job_fail(job *j, qerr e, const char *code, const char *fmt, ...)
{
	va_list ap;
	j->result = e;
	j->errcode = code;
	va_start(ap, fmt);
	vsnprintf(j->msg, sizeof j->msg, fmt, ap);
	va_end(ap);
}

/* ---- log entries (P-6) ---- */

/* tag || '\n' || payload, malloc'd. */
static uint8_t *entry_make(const char *tag, const void *a, size_t alen, const void *b, size_t blen,
                           size_t *len)
{
	size_t tl = strlen(tag);
	uint8_t *e = malloc(tl + 1 + alen + blen + 1);
	if (e == NULL)
		return NULL;
	memcpy(e, tag, tl);
	e[tl] = '\n';
	if (alen > 0)
		memcpy(e + tl + 1, a, alen);
	if (blen > 0)
		memcpy(e + tl + 1 + alen, b, blen);
	*len = tl + 1 + alen + blen;
	return e;
}

/* Payload of an entry with this tag, or NULL. */
static const uint8_t *entry_payload(const uint8_t *e, size_t len, const char *tag, size_t *plen)
{
	size_t tl = strlen(tag);
	if (len < tl + 1 || memcmp(e, tag, tl) != 0 || e[tl] != '\n')
		return NULL;
	*plen = len - tl - 1;
	return e + tl + 1;
}

/* A text entry (payload "key value\n" lines) appended durably; io_mu held. */
static qerr log_text(station *st, const char *tag, const char *text, uint64_t *index)
{
	size_t len;
	uint64_t idx;
	uint8_t *e = entry_make(tag, text, strlen(text), NULL, 0, &len);
	if (e == NULL)
		return Q_ERR_NOMEM;
	qerr r = st->log_fail == 2 ? Q_ERR_IO : log_append(st->log, e, len, &idx);
	free(e);
	pthread_mutex_lock(&st->cnt_mu);
	st->logsize = log_size(st->log);
	pthread_mutex_unlock(&st->cnt_mu);
	if (r != Q_OK)
		slog(st, LOG_ERR, "log append failed: %s", log_error(st->log));
	else if (index != NULL)
		*index = idx;
	return r;
}

/* ---- helpers ---- */

static qerr read_file(const char *path, size_t max, uint8_t **out, size_t *len)
{
	qerr e = Q_ERR_IO;
	FILE *f = fopen(path, "rb");
	*out = NULL;
	*len = 0;
	if (f == NULL)
		return errno == ENOENT ? Q_ERR_NOTFOUND : Q_ERR_IO;
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap + 1);
	if (buf == NULL) {
		fclose(f);
		return Q_ERR_NOMEM;
	}
	for (;;) {
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (n > max) {
			e = Q_ERR_LIMIT;
			goto out;
		}
		if (r == 0)
			break;
		if (n == cap) {
			uint8_t *p = realloc(buf, cap * 2 + 1);
			if (p == NULL) {
				e = Q_ERR_NOMEM;
				goto out;
			}
			buf = p;
			cap *= 2;
		}
	}
	if (ferror(f))
		goto out;
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	e = Q_OK;
out:
	free(buf);
	fclose(f);
	return e;
}

/* Write a file atomically (tmp, fsync, rename, fsync dir), mode 0600. */
static qerr write_file_atomic(const char *dir, const char *path, const void *data, size_t len)
{
	char tmp[700];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return Q_ERR_IO;
	const uint8_t *p = data;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			unlink(tmp);
			return Q_ERR_IO;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return Q_ERR_IO;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return Q_OK;
}

static void hexstr(char *out, const uint8_t *p, size_t n)
{
	hex_encode(out, p, n);
}

/* Token string: exactly 32 lower-case hex digits (the one canonical
 * form, P-4.4) -> hash, and the receipt key (P-5.2) when rk != NULL. */
static int token_parse(const json_t *req, uint8_t h[32], uint8_t rk[32])
{
	uint8_t raw[TOKEN_LEN], buf[sizeof RECEIPT_KEY_TAG - 1 + TOKEN_LEN];
	const json_t *tj = json_object_get(req, "token");
	const char *t = json_string_value(tj);
	if (t == NULL || json_string_length(tj) != 2 * TOKEN_LEN)
		return 0;
	for (size_t i = 0; i < 2 * TOKEN_LEN; i++)
		if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')))
			return 0;
	if (hex_decode(raw, sizeof raw, t, 2 * TOKEN_LEN) != Q_OK)
		return 0;
	sha256(h, raw, sizeof raw);
	if (rk != NULL) {
		memcpy(buf, RECEIPT_KEY_TAG, sizeof RECEIPT_KEY_TAG - 1);
		memcpy(buf + sizeof RECEIPT_KEY_TAG - 1, raw, TOKEN_LEN);
		sha256(rk, buf, sizeof buf);
		wipe(buf, sizeof buf);
	}
	wipe(raw, sizeof raw);
	return 1;
}

/* ---- key derivation (P-4) ---- */

static qerr derive_keys(station *st, const station_config *cfg, uint8_t rollk[32], uint8_t boxk[32],
                        char *err, size_t errlen)
{
	char path[700], line[256];
	uint8_t *txt = NULL, salt[16], master[32];
	size_t len;
	kdf_params p;
	qerr e;
	snprintf(path, sizeof path, "%s/kdf", st->state_dir);
	e = read_file(path, 4096, &txt, &len);
	if (e == Q_ERR_NOTFOUND) {
		/* First start: fresh salt, parameters from the config. */
		p = cfg->kdf != NULL ? *cfg->kdf : kdf_params_default;
		if ((e = rand_bytes(salt, sizeof salt)) != Q_OK)
			return e;
		char hs[33];
		hexstr(hs, salt, sizeof salt);
		int n = snprintf(line, sizeof line, "argon2id t=%u m=%u p=%u salt=%s\n", p.t_cost,
		                 p.m_cost_kib, p.parallelism, hs);
		if ((e = write_file_atomic(st->state_dir, path, line, (size_t)n)) != Q_OK) {
			snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
			return e;
		}
	} else if (e != Q_OK) {
		snprintf(err, errlen, "cannot read %s", path);
		return e;
	} else {
		char hs[64];
		if (sscanf((char *)txt, "argon2id t=%u m=%u p=%u salt=%32s", &p.t_cost,
		           &p.m_cost_kib, &p.parallelism, hs) != 4 ||
		    hex_decode(salt, sizeof salt, hs, strlen(hs)) != Q_OK) {
			free(txt);
			snprintf(err, errlen, "%s: malformed KDF parameters", path);
			return Q_ERR_FORMAT;
		}
		free(txt);
	}
	if ((e = kdf_params_check(&p)) != Q_OK) {
		snprintf(err, errlen, "%s: KDF parameters out of range", path);
		return e;
	}
	if ((e = kdf_argon2id(master, sizeof master, cfg->pass, cfg->passlen, salt, sizeof salt,
	                      &p)) != Q_OK) {
		snprintf(err, errlen, "Argon2id failed: %s", qerr_str(e));
		return e;
	}
	/* P-4.2: one key per database, domain-separated from the master. */
	transcript t;
	if ((e = transcript_init(&t, "quorum/v1/station/roll-db-key")) == Q_OK) {
		transcript_bytes(&t, master, sizeof master);
		transcript_digest(&t, rollk);
	}
	if (e == Q_OK && (e = transcript_init(&t, "quorum/v1/station/box-db-key")) == Q_OK) {
		transcript_bytes(&t, master, sizeof master);
		transcript_digest(&t, boxk);
	}
	wipe(master, sizeof master);
	return e;
}

/* ---- election directory (P-3) ---- */

static const char *opt_label(const elec_contest *c, size_t j, const char *id, int zh, char *buf,
                             size_t cap)
{
	static const char *const yn[3][2] = {{"赞成", "Yes"}, {"反对", "No"}, {"弃权", "Abstain"}};
	static const char *const ev[3][2] = {
	    {"满意", "satisfied"}, {"基本满意", "basically satisfied"}, {"不满意", "dissatisfied"}};
	switch (c->type) {
	case CONTEST_OFFICE:
		for (size_t k = 0; k < c->ncands; k++)
			if (strcmp(c->cands[k].id, id) == 0)
				return c->cands[k].name;
		return id;
	case CONTEST_MOTION:
	case CONTEST_RECALL:
		return j < 3 ? yn[j][zh ? 0 : 1] : id;
	case CONTEST_EVALUATION: {
		size_t g = c->option_group ? c->option_group[j] : 0;
		const char *who = g < c->nmembers ? c->members[g].name : "";
		snprintf(buf, cap, "%s %s", who, ev[j % 3][zh ? 0 : 1]);
		return buf;
	}
	default:
		return id;
	}
}

/* The election's roll hash: "roll_hash" of the election
 * directory's parameters.json, 64 hex digits.  Import refuses any other
 * roll (P-6.1). */
static qerr load_roll_hash(station *st, const char *dir, char *err, size_t errlen)
{
	char path[600];
	uint8_t *buf = NULL;
	size_t len;
	json_error_t je;
	json_t *j = NULL;
	snprintf(path, sizeof path, "%s/parameters.json", dir);
	qerr e = read_file(path, 1u << 20, &buf, &len);
	if (e == Q_ERR_NOTFOUND) {
		snprintf(err, errlen,
		         "%s is missing: the election directory must be the one made by "
		         "quorum-tally init (docs/spec/record.md R-2.1)",
		         path);
		return e;
	}
	if (e != Q_OK) {
		snprintf(err, errlen, "cannot read %s", path);
		return e;
	}
	j = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
	const json_t *v = json_object_get(j, "roll_hash");
	if (!json_is_string(v) || json_string_length(v) != 64 ||
	    hex_decode(st->roll_hash, 32, json_string_value(v), 64) != Q_OK) {
		snprintf(err, errlen, "%s: no \"roll_hash\" of 64 hex digits (R-2.1)", path);
		e = Q_ERR_FORMAT;
	}
	json_decref(j);
	free(buf);
	return e;
}
static qerr load_election(station *st, const station_config *cfg, char *err, size_t errlen)
{
	char path[700];
	uint8_t *buf = NULL;
	size_t len;
	qerr e;
	elec_findings f;
	elec_findings_init(&f);

	snprintf(path, sizeof path, "%s/manifest.json", cfg->election_dir);
	if ((e = read_file(path, MANIFEST_MAX_BYTES, &buf, &len)) != Q_OK) {
		snprintf(err, errlen, "cannot read %s: %s", path, qerr_str(e));
		goto out;
	}
	if ((e = manifest_parse(buf, len, &st->m, &f)) != Q_OK) {
		snprintf(err, errlen, "%s: invalid manifest (%zu errors%s%s)", path,
		         elec_findings_errors(&f), f.n > 0 ? "; first: " : "",
		         f.n > 0 ? f.v[0].message : "");
		goto out;
	}
	free(buf);
	buf = NULL;
	st->est = manifest_station(st->m, cfg->station_id);
	if (st->est == NULL) {
		snprintf(err, errlen, "station %s is not in the manifest", cfg->station_id);
		e = Q_ERR_NOTFOUND;
		goto out;
	}
	/* The joint public key K: 130 hex digits (C-1.2 point). */
	snprintf(path, sizeof path, "%s/joint-key", cfg->election_dir);
	if ((e = read_file(path, 4096, &buf, &len)) != Q_OK) {
		snprintf(err, errlen, "cannot read %s: %s", path, qerr_str(e));
		goto out;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
		len--;
	if ((st->K = point_new()) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if (hex_decode(st->Kenc, POINT_LEN, (char *)buf, len) != Q_OK ||
	    (e = point_decode(st->K, st->Kenc, POINT_LEN)) != Q_OK) {
		snprintf(err, errlen, "%s: not a valid P-256 point (130 hex digits)", path);
		e = Q_ERR_FORMAT;
		goto out;
	}
	free(buf);
	buf = NULL;
	if ((st->Kt = point_table_new(st->K)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	/* The base hash (B-1.2): the election directory's base-hash file,
	 * written by quorum-tally init; there is no fallback. */
	snprintf(path, sizeof path, "%s/base-hash", cfg->election_dir);
	e = read_file(path, 4096, &buf, &len);
	if (e == Q_OK) {
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			len--;
		if (hex_decode(st->base_hash, 32, (char *)buf, len) != Q_OK) {
			snprintf(err, errlen, "%s: not 64 hex digits", path);
			e = Q_ERR_FORMAT;
			goto out;
		}
	} else if (e == Q_ERR_NOTFOUND) {
		snprintf(err, errlen,
		         "%s is missing: the election directory must be the one made by "
		         "quorum-tally init (docs/spec/record.md R-2.2)",
		         path);
		goto out;
	} else {
		snprintf(err, errlen, "cannot read %s", path);
		goto out;
	}
	free(buf);
	buf = NULL;
	if ((e = load_roll_hash(st, cfg->election_dir, err, errlen)) != Q_OK)
		goto out;

	/* The ballot style and the booth's view of it: balloted contests
	 * (max_sel > 0) in manifest order. */
	size_t nb = 0;
	for (size_t i = 0; i < st->m->ncontests; i++) {
		char *const *ids;
		size_t n;
		unsigned mn, mx;
		manifest_contest_options(&st->m->contests[i], &ids, &n, &mn, &mx);
		if (mx > 0 && n > 0)
			nb++;
	}
	e = Q_ERR_NOMEM;
	if ((st->style = ballot_style_new(nb, st->base_hash)) == NULL)
		goto out;
	json_t *contests = json_array();
	st->booth_ballot = json_pack("{s:s, s:s, s:s, s:s, s:o}", "election", st->m->id, "title_zh",
	                             st->m->title_zh ? st->m->title_zh : "", "title_en",
	                             st->m->title_en ? st->m->title_en : "", "station",
	                             cfg->station_id, "contests", contests);
	if (st->booth_ballot == NULL)
		goto out;
	size_t k = 0;
	for (size_t i = 0; i < st->m->ncontests; i++) {
		const elec_contest *c = &st->m->contests[i];
		char *const *ids;
		size_t n;
		unsigned mn, mx;
		manifest_contest_options(c, &ids, &n, &mn, &mx);
		if (mx == 0 || n == 0)
			continue;
		ballot_contest_style *cs = &st->style->contests[k];
		cs->noptions = (uint32_t)n;
		cs->min_sel = mn;
		cs->max_sel = mx;
		if (c->type == CONTEST_EVALUATION && c->nmembers > 0 && c->option_group != NULL) {
			uint32_t g[BALLOT_MAX_OPTIONS];
			for (size_t j = 0; j < n && j < BALLOT_MAX_OPTIONS; j++)
				g[j] = c->option_group[j];
			if (n > BALLOT_MAX_OPTIONS ||
			    ballot_style_set_groups(st->style, k, (uint32_t)c->nmembers, g) !=
			        Q_OK) {
				snprintf(err, errlen, "contest %s: bad option groups", c->id);
				e = Q_ERR_FORMAT;
				goto out;
			}
		}
		json_t *opts = json_array();
		for (size_t j = 0; j < n; j++) {
			char b1[300], b2[300];
			json_array_append_new(
			    opts, json_pack("{s:s, s:s, s:s}", "id", ids[j], "label_zh",
			                    opt_label(c, j, ids[j], 1, b1, sizeof b1), "label_en",
			                    opt_label(c, j, ids[j], 0, b2, sizeof b2)));
		}
		json_array_append_new(contests,
		                      json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:o}", "id", c->id,
		                                "type", manifest_contest_type_name(c->type),
		                                "title_zh", c->title_zh ? c->title_zh : "",
		                                "title_en", c->title_en ? c->title_en : "", "min",
		                                (int)mn, "max", (int)mx, "options", opts));
		k++;
	}
	char why[200];
	if ((e = ballot_style_check(st->style, why, sizeof why)) != Q_OK) {
		snprintf(err, errlen, "ballot style: %s", why);
		goto out;
	}
	/* Every cast and challenged ballot must fit in one log entry (A-1:
	 * at most MERKLE_MAX_ENTRY bytes); the largest is a challenged
	 * ballot: tag, newline, u32 length, ballot, opening (P-6). */
	size_t maxent = strlen(ENTRY_CHALLENGED) + 1 + 4 + ballot_style_encoded_len(st->style) +
	                ballot_style_opening_len(st->style);
	if (maxent > MERKLE_MAX_ENTRY) {
		snprintf(err, errlen,
		         "the manifest's ballot is too large for the audit log: a challenged "
		         "ballot would be %zu bytes, the log's entry limit is %u (split the "
		         "contests over several polls or reduce their options)",
		         maxent, (unsigned)MERKLE_MAX_ENTRY);
		e = Q_ERR_LIMIT;
		goto out;
	}
	/* Eligibility context (roll.h). */
	size_t nc = 0;
	for (size_t i = 0; i < st->m->ncontests; i++)
		nc += st->m->contests[i].ncands;
	st->cands = calloc(nc ? nc : 1, sizeof *st->cands);
	if (st->cands == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	nc = 0;
	for (size_t i = 0; i < st->m->ncontests; i++)
		for (size_t j = 0; j < st->m->contests[i].ncands; j++)
			if (st->m->contests[i].cands[j].voter != NULL)
				st->cands[nc++] = st->m->contests[i].cands[j].voter;
	st->rctx.polling_day = st->m->polling_day;
	st->rctx.groups = (const char *const *)st->est->groups;
	st->rctx.ngroups = st->est->ngroups;
	st->rctx.mode = st->m->mode;
	st->rctx.candidates = st->cands;
	st->rctx.ncandidates = nc;
	e = Q_OK;
out:
	free(buf);
	elec_findings_free(&f);
	return e;
}

static qerr load_roll(station *st, char *err, size_t errlen)
{
	char *csv = NULL;
	size_t len;
	elec_findings f;
	qerr e = store_meta_get_alloc(st->rolldb, "roll_csv", &csv, &len);
	if (e == Q_ERR_NOTFOUND)
		return Q_OK;
	if (e != Q_OK) {
		snprintf(err, errlen, "roll DB: %s", store_errmsg(st->rolldb));
		return e;
	}
	/* P-6.1: the stored roll is the election's (the election directory
	 * may have been replaced since the import) */
	uint8_t h[32];
	sha256(h, csv, len);
	if (memcmp(h, st->roll_hash, 32) != 0) {
		char have[65], want[65];
		hexstr(have, h, 32);
		hexstr(want, st->roll_hash, 32);
		snprintf(err, errlen,
		         "the roll imported into this station (SHA-256 %s) is not the election's "
		         "roll (parameters.json roll_hash %s)",
		         have, want);
		free(csv);
		return Q_ERR_CONSISTENCY;
	}
	elec_findings_init(&f);
	e = roll_import(csv, len, &st->roll, &f);
	elec_findings_free(&f);
	free(csv);
	if (e != Q_OK)
		snprintf(err, errlen, "stored roll no longer parses: %s", qerr_str(e));
	return e;
}

/* ---- reconciliation of box and log (P-5.4) ---- */

typedef struct recon {
	station *st;
	hset logged; /* tracking codes of cast entries in the log */
	hset logged_ch;
	uint64_t appended, dup;
	qerr e;
} recon;

static int recon_box_cb(void *ctx, const uint8_t code[32], const uint8_t *body, size_t len,
                        const uint8_t *op, size_t olen)
{
	recon *r = ctx;
	hset *set = op != NULL ? &r->logged_ch : &r->logged;
	if (hset_has(set, code))
		return 0;
	/* In the box, not in the log: the crash fell between the box commit
	 * and the log append.  Append it now (P-5.4 case 2). */
	uint8_t lenb[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
	                   (uint8_t)len};
	size_t elen;
	uint8_t *e;
	if (op != NULL) {
		uint8_t *tmp = malloc(4 + len);
		if (tmp == NULL) {
			r->e = Q_ERR_NOMEM;
			return 1;
		}
		memcpy(tmp, lenb, 4);
		memcpy(tmp + 4, body, len);
		e = entry_make(ENTRY_CHALLENGED, tmp, 4 + len, op, olen, &elen);
		free(tmp);
	} else {
		e = entry_make(ENTRY_CAST, body, len, NULL, 0, &elen);
	}
	uint64_t idx;
	if (e == NULL) {
		r->e = Q_ERR_NOMEM;
		return 1;
	}
	r->e = log_append(r->st->log, e, elen, &idx);
	free(e);
	if (r->e == Q_OK && op == NULL)
		r->e = cmap_put(&r->st->cast_at, code, idx);
	if (r->e != Q_OK)
		return 1;
	r->appended++;
	return 0;
}

static qerr reconcile(station *st, char *err, size_t errlen)
{
	recon r;
	uint8_t *buf = malloc(MERKLE_MAX_ENTRY);
	qerr e = Q_OK;
	memset(&r, 0, sizeof r);
	r.st = st;
	if (buf == NULL)
		return Q_ERR_NOMEM;
	uint64_t n = log_size(st->log);
	for (uint64_t i = 0; i < n; i++) {
		size_t len, plen;
		const uint8_t *p;
		uint8_t code[32];
		if ((e = log_read_entry(st->log, i, buf, &len)) != Q_OK) {
			snprintf(err, errlen, "log entry %llu: %s", (unsigned long long)i,
			         log_error(st->log));
			goto out;
		}
		if ((p = entry_payload(buf, len, ENTRY_CAST, &plen)) != NULL) {
			ballot_tracking_code(code, st->style, p, plen);
			if (hset_has(&r.logged, code))
				r.dup++;
			if ((e = cmap_put(&st->cast_at, code, i)) != Q_OK)
				goto out;
			if ((e = hset_add(&r.logged, code)) != Q_OK)
				goto out;
			/* In the log, not in the box: only if the box was
			 * restored from an older copy.  Re-insert (P-5.4 case 3). */
			if (store_box_has(st->box, code) == Q_ERR_NOTFOUND) {
				if ((e = store_box_put_recovered(st->box, code, p, plen)) != Q_OK) {
					snprintf(err, errlen, "box: %s", store_errmsg(st->box));
					goto out;
				}
				slog(st, LOG_WARNING,
				     "ballot at log index %llu was missing from the "
				     "box and has been restored",
				     (unsigned long long)i);
			}
		} else if (entry_payload(buf, len, ENTRY_REISSUED, &plen) != NULL) {
			st->reissued++;
		} else if ((p = entry_payload(buf, len, ENTRY_CHALLENGED, &plen)) != NULL &&
		           plen >= 4) {
			size_t bl = ((size_t)p[0] << 24) | ((size_t)p[1] << 16) |
			            ((size_t)p[2] << 8) | p[3];
			if (bl <= plen - 4) {
				ballot_tracking_code(code, st->style, p + 4, bl);
				if ((e = hset_add(&r.logged_ch, code)) != Q_OK)
					goto out;
			}
		}
	}
	if ((e = store_box_foreach(st->box, 0, recon_box_cb, &r)) != Q_OK ||
	    (e = store_box_foreach(st->box, 1, recon_box_cb, &r)) != Q_OK) {
		if (r.e != Q_OK)
			e = r.e;
		snprintf(err, errlen, "reconciliation failed: %s", qerr_str(e));
		goto out;
	}
	if (r.appended > 0)
		slog(st, LOG_NOTICE, "recovery: %llu stored ballots appended to the log",
		     (unsigned long long)r.appended);
	if (r.dup > 0) {
		snprintf(err, errlen, "log holds %llu duplicate ballot entries",
		         (unsigned long long)r.dup);
		e = Q_ERR_CORRUPT;
	}
out:
	hset_free(&r.logged);
	hset_free(&r.logged_ch);
	free(buf);
	return e;
}

/* Overwrite a file with zeros, sync it, unlink it. */
static void shred(const char *path)
{
	int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat sb;
	if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
		static const uint8_t zero[512];
		for (off_t off = 0; off < sb.st_size; off += (off_t)sizeof zero)
			if (write(fd, zero, sizeof zero) < 0)
				break;
		(void)fsync(fd);
	}
	if (fd >= 0)
		close(fd);
	(void)unlink(path);
}

/* Unseal the station signing key into st->signer (P-4.5): from
 * STATE/signing-key.sealed; else (origin != NULL, a new log) a fresh key,
 * sealed first; else (a state from before sealing) the plain log/key,
 * sealed now and then overwritten and removed.  The key is never written
 * unsealed. */
static qerr signing_key(station *st, const station_config *cfg, const char *origin, char *err,
                        size_t errlen)
{
	secbuf *sb = NULL;
	const char *why = NULL;
	char plain[700], txt[NOTE_SKEY_MAX + 1];
	uint8_t *kt = NULL;
	size_t kl = 0;
	qerr e = seal_file_read(&sb, st->key_path, cfg->pass, cfg->passlen, &why);
	if (e == Q_OK) {
		e = note_signer_parse(st->signer, (const char *)sb->data, sb->len);
		secbuf_free(sb);
		if (e != Q_OK)
			snprintf(err, errlen, "%s: not a signing key", st->key_path);
		return e;
	}
	if (e != Q_ERR_NOTFOUND) {
		snprintf(err, errlen, "cannot unseal the station signing key %s: %s%s",
		         st->key_path, why != NULL ? why : qerr_str(e),
		         e == Q_ERR_AUTH ? " (wrong passphrase?)" : "");
		return e;
	}
	snprintf(plain, sizeof plain, "%s/key", st->log_dir);
	if (origin != NULL) {
		e = note_signer_generate(st->signer, origin, NOTE_ALG_ED25519);
	} else {
		e = read_file(plain, 4096, &kt, &kl);
		if (e == Q_OK)
			e = note_signer_parse(st->signer, (char *)kt, kl);
		if (kt != NULL)
			wipe(kt, kl);
		free(kt);
		if (e != Q_OK) {
			snprintf(err, errlen, "no station signing key: %s is missing",
			         st->key_path);
			return e;
		}
	}
	if (e == Q_OK)
		e = note_signer_format(st->signer, txt, sizeof txt);
	if (e == Q_OK)
		e = seal_file_write(st->key_path, cfg->pass, cfg->passlen, cfg->kdf, txt,
		                    strlen(txt), &why);
	wipe(txt, sizeof txt);
	if (e != Q_OK) {
		snprintf(err, errlen, "cannot seal the station signing key into %s: %s",
		         st->key_path, why != NULL ? why : qerr_str(e));
		return e;
	}
	if (origin == NULL) {
		shred(plain);
		slog(st, LOG_NOTICE, "the signing key %s is now sealed in %s and removed", plain,
		     st->key_path);
	}
	return Q_OK;
}

static int spent_cb(void *ctx, const uint8_t h[32])
{
	return hset_add(ctx, h) != Q_OK;
}

/* ---- open ---- */

qerr station_open(station **out, const station_config *cfg, char *err, size_t errlen)
{
	station *st = calloc(1, sizeof *st);
	uint8_t rollk[32], boxk[32];
	char msg[LOG_MSG_MAX];
	qerr e;
	*out = NULL;
	if (st == NULL)
		return Q_ERR_NOMEM;
	pthread_mutex_init(&st->io_mu, NULL);
	pthread_mutex_init(&st->cnt_mu, NULL);
	jobq_init(&st->cq);
	jobq_init(&st->kq);
	st->pend = calloc(PENDING_MAX, sizeof *st->pend);
	if (st->pend == NULL) {
		free(st);
		return Q_ERR_NOMEM;
	}
	st->foreground = cfg->foreground;
	st->pending_ttl_ms = (int64_t)(cfg->pending_ttl_s > 0 ? cfg->pending_ttl_s : 900) * 1000;
	st->idle_timeout_ms = cfg->idle_timeout_ms;
	for (int r = 0; r < 3; r++) {
		st->group_set[r] = cfg->group_set[r];
		st->gid[r] = cfg->gid[r];
	}
#ifdef QUORUM_TEST_HOOKS
	/* Test builds only (quorum-ballotd-test): the installed daemon has
	 * none of these. */
	{
		const char *cc = getenv("QUORUM_TEST_CRASH_IN_CLOSE");
		st->crash_in_close = cc != NULL && strcmp(cc, "1") == 0;
		const char *lf = getenv("QUORUM_TEST_LOG_FAIL");
		st->log_fail = lf == NULL             ? 0
		               : strcmp(lf, "1") == 0 ? 1
		               : strcmp(lf, "2") == 0 ? 2
		                                      : 0;
		const char *h = getenv("QUORUM_TEST_CRASH_AFTER_BOX");
		char *end;
		if (h != NULL) {
			long v = strtol(h, &end, 10);
			if (*h != '\0' && *end == '\0' && v > 0 && v < 1000000)
				st->crash_after_box = v;
		}
	}
#endif
	st->read_timeout_ms = cfg->read_timeout_ms > 0 ? cfg->read_timeout_ms : 10000;
	if (!manifest_id_ok(cfg->station_id)) {
		snprintf(err, errlen, "invalid station id");
		e = Q_ERR_ARG;
		goto out;
	}
	snprintf(st->station_id, sizeof st->station_id, "%s", cfg->station_id);
	if (strlen(cfg->state_dir) > 400) {
		snprintf(err, errlen, "state directory path too long");
		e = Q_ERR_LIMIT;
		goto out;
	}
	snprintf(st->state_dir, sizeof st->state_dir, "%s", cfg->state_dir);
	if (mkdir(st->state_dir, 0711) == 0) {
		/* Past the umask: others may reach a socket, not list. */
		(void)chmod(st->state_dir, 0711);
	} else if (errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", st->state_dir, strerror(errno));
		e = Q_ERR_IO;
		goto out;
	}
	{
		/* P-2: the directory is ours and nobody else may write in it
		 * (else another user could replace a socket or a file). */
		struct stat sb;
		int dfd = open(st->state_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0 || fstat(dfd, &sb) != 0) {
			snprintf(err, errlen, "cannot open the state directory %s: %s",
			         st->state_dir, strerror(errno));
			if (dfd >= 0)
				close(dfd);
			e = Q_ERR_IO;
			goto out;
		}
		close(dfd);
		if (sb.st_uid != geteuid()) {
			snprintf(err, errlen,
			         "the state directory %s is owned by uid %u, not by this daemon's "
			         "user (uid %u)",
			         st->state_dir, (unsigned)sb.st_uid, (unsigned)geteuid());
			e = Q_ERR_DENIED;
			goto out;
		}
		if ((sb.st_mode & 022) != 0) {
			snprintf(err, errlen,
			         "the state directory %s is writable by group or others (mode "
			         "%04o): chmod 711 it",
			         st->state_dir, (unsigned)(sb.st_mode & 07777));
			e = Q_ERR_DENIED;
			goto out;
		}
	}
	snprintf(st->log_dir, sizeof st->log_dir, "%s/log", st->state_dir);
	snprintf(st->roll_path, sizeof st->roll_path, "%s/roll.db", st->state_dir);
	snprintf(st->box_path, sizeof st->box_path, "%s/box.db", st->state_dir);
	snprintf(st->record_path, sizeof st->record_path, "%s/station-record.json", st->state_dir);
	snprintf(st->key_path, sizeof st->key_path, "%s/signing-key.sealed", st->state_dir);
	if ((e = load_election(st, cfg, err, errlen)) != Q_OK)
		goto out;
	if ((e = derive_keys(st, cfg, rollk, boxk, err, errlen)) != Q_OK)
		goto out;
	e = store_open(&st->rolldb, st->roll_path, STORE_ROLL, rollk, err, errlen);
	if (e == Q_OK)
		e = store_open(&st->box, st->box_path, STORE_BOX, boxk, err, errlen);
	wipe(rollk, sizeof rollk);
	wipe(boxk, sizeof boxk);
	if (e == Q_ERR_AUTH) {
		char tmp[300];
		snprintf(tmp, sizeof tmp, "%s", err);
		snprintf(err, errlen, "%s (wrong passphrase?)", tmp);
	}
	if (e != Q_OK)
		goto out;
	/* Bind the state to this election and station. */
	{
		char have[200], want[200];
		char mh[65];
		hexstr(mh, st->m->hash, 32);
		snprintf(want, sizeof want, "%s %s", st->station_id, mh);
		e = store_meta_get(st->rolldb, "binding", have, sizeof have);
		if (e == Q_ERR_NOTFOUND)
			e = store_meta_set(st->rolldb, "binding", want);
		else if (e == Q_OK && strcmp(have, want) != 0) {
			snprintf(err, errlen,
			         "state directory belongs to another station or election "
			         "(%s)",
			         have);
			e = Q_ERR_STATE;
		}
		if (e != Q_OK)
			goto out;
	}
	/* The signing key, sealed under the passphrase (P-4.5), and the
	 * audit log: created on first start (P-6.1). */
	if ((st->signer = secret_alloc(sizeof *st->signer)) == NULL) {
		snprintf(err, errlen, "cannot allocate secret memory");
		e = Q_ERR_NOMEM;
		goto out;
	}
	e = log_open(st->log_dir, LOG_RDWR, &st->log, msg, sizeof msg);
	if (e == Q_ERR_NOTFOUND || e == Q_ERR_IO) {
		struct stat sb;
		char entp[700];
		snprintf(entp, sizeof entp, "%s/entries", st->log_dir);
		if (stat(entp, &sb) != 0) {
			char origin[300];
			snprintf(origin, sizeof origin, "quorum/%s/station/%s", st->m->id,
			         st->station_id);
			if ((e = signing_key(st, cfg, origin, err, errlen)) != Q_OK)
				goto out;
			e = log_create_with_signer(st->log_dir, st->signer, &st->log, msg,
			                           sizeof msg);
		}
	} else if (e == Q_OK) {
		if ((e = signing_key(st, cfg, NULL, err, errlen)) != Q_OK)
			goto out;
		if ((e = log_use_signer(st->log, st->signer)) != Q_OK) {
			snprintf(err, errlen, "%s: not the key of the audit log %s", st->key_path,
			         st->log_dir);
			goto out;
		}
	}
	if (e != Q_OK) {
		snprintf(err, errlen, "audit log %s: %s", st->log_dir, msg);
		goto out;
	}
	if (msg[0] != '\0' && strstr(msg, "torn") != NULL)
		slog(st, LOG_WARNING, "audit log: %s", msg);
	if ((e = load_roll(st, err, errlen)) != Q_OK)
		goto out;
	if ((e = reconcile(st, err, errlen)) != Q_OK)
		goto out;
	if (store_meta_get(st->rolldb, "state", st->state, sizeof st->state) != Q_OK)
		snprintf(st->state, sizeof st->state, "new");
	{
		uint64_t v, c, ch, sp;
		if ((e = store_roll_counts(st->rolldb, &v, &c)) != Q_OK ||
		    (e = store_box_counts(st->box, &ch, &sp, NULL)) != Q_OK) {
			snprintf(err, errlen, "counting: %s", qerr_str(e));
			goto out;
		}
		st->registered = v;
		st->issued = c;
		st->cast = ch;
		st->challenged = sp;
		st->logged_issued = c;
		st->logsize = log_size(st->log);
	}
	if ((e = store_box_foreach_spent(st->box, spent_cb, &st->spent)) != Q_OK) {
		snprintf(err, errlen, "loading spent tokens failed");
		goto out;
	}
	e = store_roll_last_checkin(st->rolldb, st->last_id, st->last_h);
	if (e == Q_OK)
		st->have_last = 1;
	else if (e != Q_ERR_NOTFOUND) {
		snprintf(err, errlen, "roll DB: %s", store_errmsg(st->rolldb));
		goto out;
	}
	if (strcmp(st->state, "closing") == 0) {
		slog(st, LOG_NOTICE, "finishing a close interrupted by a crash");
		finish_close(st, 0);
		if (strcmp(st->state, "closed") != 0) {
			snprintf(err, errlen, "could not finish the interrupted close");
			e = Q_ERR_STATE;
			goto out;
		}
	}
	slog(st, LOG_INFO,
	     "station %s ready: state %s, %llu on roll, %llu issued, %llu cast, log "
	     "size %llu",
	     st->station_id, st->state, (unsigned long long)st->registered,
	     (unsigned long long)st->issued, (unsigned long long)st->cast,
	     (unsigned long long)log_size(st->log));
	*out = st;
	st = NULL;
	e = Q_OK;
out:
	station_free(st);
	return e;
}

/* ---- worker threads ---- */

static void *worker_main(void *arg)
{
	station *st = arg;
	job *j;
	while ((j = jobq_pop(&st->cq, 1)) != NULL) {
		ballot *b = NULL;
		ballot_opening *op = NULL;
		qerr e = ballot_encrypt(st->style, st->Kt, j->marks, j->nmarks, &b,
		                        j->kind == JOB_ENCRYPT ? &op : NULL);
		wipe(j->marks, j->nmarks);
		free(j->marks);
		j->marks = NULL;
		if (e == Q_OK)
			e = ballot_encode(b, &j->enc, &j->enclen);
		ballot_free(b);
		if (e != Q_OK) {
			ballot_opening_free(op);
			job_fail(j, e, "internal", "encryption failed: %s", qerr_str(e));
			if (server_post(st->srv, j) != Q_OK)
				qfatal("out of memory posting a reply");
			continue;
		}
		ballot_tracking_code(j->code, st->style, j->enc, j->enclen);
		if (j->kind == JOB_ENCRYPT) {
			j->op = op;
			if (server_post(st->srv, j) != Q_OK)
				qfatal("out of memory posting a reply");
		} else {
			jobq_push(&st->kq, j);
		}
	}
	return NULL;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sign a checkpoint of the current (durable) log size with the log key
 * (A-5 body, A-4 signed note) into *note; keep one in the log now and then.
 * io_mu held. */
static qerr receipt_checkpoint(station *st, char **note)
{
	checkpoint cp;
	char body[NOTE_NAME_MAX + 128];
	size_t bl, nl;
	qerr e;
	*note = NULL;
	memset(&cp, 0, sizeof cp);
	snprintf(cp.origin, sizeof cp.origin, "%s", log_origin(st->log));
	cp.size = log_size(st->log);
	if ((e = log_root(st->log, cp.size, cp.root)) != Q_OK)
		return e;
	if ((e = checkpoint_format(&cp, body, sizeof body, &bl)) != Q_OK)
		return e;
	if ((e = note_sign(st->signer, body, bl, note, &nl)) != Q_OK)
		return e;
	int64_t t = mono_ms();
	if (t - st->last_kept_ms >= CHECKPOINT_KEEP_MS) {
		char *kept = NULL;
		size_t kl;
		if (log_checkpoint_sign(st->log, &kept, &kl) == Q_OK)
			st->last_kept_ms = t;
		else
			slog(st, LOG_ERR, "keeping a checkpoint failed: %s", log_error(st->log));
		free(kept);
	}
	return Q_OK;
}

/* Group commit (P-5.3): one box transaction, then one log batch, then
 * one checkpoint; only then are the receipts released. */
static void commit_batch(station *st, job *list)
{
	job *j;
	size_t n = 0, ne = 0;
	log_entry ents[BATCH_MAX + 1];
	uint8_t *bufs[BATCH_MAX + 1];
	job *order[BATCH_MAX + 1];
	char *note = NULL;
	qerr e;

	pthread_mutex_lock(&st->io_mu);
	if ((e = store_begin(st->box)) != Q_OK) {
		for (j = list; j; j = j->next)
			job_fail(j, e, "internal", "ballot box: %s", store_errmsg(st->box));
		goto out;
	}
	for (j = list; j; j = j->next, n++) {
		uint8_t *opb = NULL;
		size_t olen = 0;
		if (j->kind == JOB_CAST) {
			e = store_box_put_ballot(st->box, j->code, j->enc, j->enclen,
			                         j->token_hash);
			if (e == Q_OK)
				e = store_box_put_receipt(st->box, j->receipt_key, j->code);
			if (e == Q_ERR_EXISTS)
				job_fail(j, e, "token_spent",
				         "this ballot token has already been used");
			else if (e != Q_OK)
				job_fail(j, e, "internal", "ballot box: %s", store_errmsg(st->box));
		} else {
			e = ballot_opening_encode(j->op, &opb, &olen);
			if (e == Q_OK)
				e = store_box_put_challenged(st->box, j->code, j->enc, j->enclen,
				                             opb, olen);
			if (e != Q_OK)
				job_fail(j, e,
				         e == Q_ERR_EXISTS ? "already_challenged" : "internal",
				         "challenged ballot not stored: %s", qerr_str(e));
		}
		if (j->result == Q_OK) {
			size_t elen;
			uint8_t *ent;
			if (j->kind == JOB_CAST) {
				ent = entry_make(ENTRY_CAST, j->enc, j->enclen, NULL, 0, &elen);
			} else {
				uint8_t *tmp = malloc(4 + j->enclen);
				ent = NULL;
				if (tmp != NULL) {
					tmp[0] = (uint8_t)(j->enclen >> 24);
					tmp[1] = (uint8_t)(j->enclen >> 16);
					tmp[2] = (uint8_t)(j->enclen >> 8);
					tmp[3] = (uint8_t)j->enclen;
					memcpy(tmp + 4, j->enc, j->enclen);
					ent = entry_make(ENTRY_CHALLENGED, tmp, 4 + j->enclen, opb,
					                 olen, &elen);
					free(tmp);
				}
			}
			if (ent == NULL) {
				/* Cannot log it: undo the whole group. */
				free(opb);
				store_rollback(st->box);
				for (job *k = list; k; k = k->next)
					if (k->result == Q_OK)
						job_fail(k, Q_ERR_NOMEM, "internal",
						         "out of memory");
				goto out;
			}
			bufs[ne] = ent;
			ents[ne].data = ent;
			ents[ne].len = elen;
			order[ne++] = j;
		}
		free(opb);
	}
	if ((e = store_commit(st->box)) != Q_OK) {
		for (j = list; j; j = j->next)
			if (j->result == Q_OK)
				job_fail(j, e, "internal", "ballot box commit failed: %s",
				         store_errmsg(st->box));
		goto out;
	}
	/* Test hook: die in the window between the box commit and the log
	 * append, the case P-5.4 repairs. */
	if (st->crash_after_box > 0 && --st->crash_after_box == 0)
		_exit(99);
	/* Check-in counts ride along (P-6.4), never names. */
	pthread_mutex_lock(&st->cnt_mu);
	uint64_t issued = st->issued;
	pthread_mutex_unlock(&st->cnt_mu);
	char cbuf[64];
	if (issued != st->logged_issued) {
		int cl = snprintf(cbuf, sizeof cbuf, "issued %llu\n", (unsigned long long)issued);
		size_t elen;
		uint8_t *ent = entry_make(ENTRY_CHECKINS, cbuf, (size_t)cl, NULL, 0, &elen);
		if (ent != NULL) {
			bufs[ne] = ent;
			ents[ne].data = ent;
			ents[ne].len = elen;
			order[ne++] = NULL;
		}
	}
	if (ne > 0) {
		uint64_t first;
		e = st->log_fail ? Q_ERR_IO : log_append_batch(st->log, ents, ne, &first);
		if (e != Q_OK) {
			slog(st, LOG_ERR,
			     "log append failed after box commit: %s (restart to "
			     "reconcile)",
			     log_error(st->log));
			__atomic_store_n(&st->broken, 1, __ATOMIC_RELAXED);
			for (size_t i = 0; i < ne; i++)
				if (order[i] != NULL)
					job_fail(
					    order[i], e, "unavailable",
					    "the audit log failed; the station must be restarted");
			goto out;
		}
		pthread_mutex_lock(&st->cnt_mu);
		st->logsize = log_size(st->log);
		pthread_mutex_unlock(&st->cnt_mu);
		for (size_t i = 0; i < ne; i++)
			if (order[i] != NULL)
				order[i]->log_index = first + i;
			else
				st->logged_issued = issued;
		/* P-6.5: the receipt's checkpoint is signed over the durable
		 * tree at once; the log keeps one (checkpoints/<n>, several
		 * fsyncs) at most every CHECKPOINT_KEEP_MS and at close. */
		if ((e = receipt_checkpoint(st, &note)) != Q_OK)
			slog(st, LOG_ERR, "checkpoint failed: %s", qerr_str(e));
		for (size_t i = 0; i < ne; i++)
			if (order[i] != NULL && note != NULL)
				order[i]->checkpoint = strdup(note);
	}
out:
	pthread_mutex_unlock(&st->io_mu);
	for (size_t i = 0; i < ne; i++)
		free(bufs[i]);
	free(note);
	while (list != NULL) {
		job *next = list->next;
		if (server_post(st->srv, list) != Q_OK)
			qfatal("out of memory posting a reply");
		list = next;
	}
}

static void *committer_main(void *arg)
{
	station *st = arg;
	job *list;
	while ((list = jobq_pop(&st->kq, BATCH_MAX)) != NULL)
		commit_batch(st, list);
	return NULL;
}

/* ---- replies for finished jobs (loop thread) ---- */

static json_t *receipt(station *st, job *j)
{
	char code[65];
	hexstr(code, j->code, 32);
	return server_ok(json_pack(
	    "{s:s, s:I, s:s, s:s}", "tracking_code", code, "log_index", (json_int_t)j->log_index,
	    "checkpoint", j->checkpoint ? j->checkpoint : "", "log_origin", log_origin(st->log)));
}

static void on_post(void *ctx, server *srv, void *item)
{
	station *st = ctx;
	job *j = item;
	json_t *reply = NULL;
	st->jobs_out--;
	if (j->result != Q_OK) {
		reply = server_error(j->errcode ? j->errcode : "internal", "%s", j->msg);
		if (j->kind != JOB_ENCRYPT && j->result == Q_ERR_EXISTS &&
		    strcmp(j->errcode, "token_spent") == 0)
			(void)hset_add(&st->spent, j->token_hash);
	} else if (j->kind == JOB_ENCRYPT) {
		pending *p = pending_find(st, j->token_hash);
		if (p == NULL && st->npend == PENDING_MAX)
			pending_expire(st);
		if (p == NULL && st->npend < PENDING_MAX)
			p = &st->pend[st->npend++];
		if (p == NULL) {
			reply = server_error("busy", "too many ballots awaiting cast or challenge");
		} else {
			char code[65];
			pending_clear(p);
			memcpy(p->token_hash, j->token_hash, 32);
			memcpy(p->code, j->code, 32);
			p->enc = j->enc;
			p->enclen = j->enclen;
			p->op = j->op;
			p->made = mono_ms();
			j->enc = NULL;
			j->op = NULL;
			hexstr(code, p->code, 32);
			reply = server_ok(json_pack("{s:s}", "tracking_code", code));
		}
	} else if (j->kind == JOB_CAST) {
		(void)hset_add(&st->spent, j->token_hash);
		if (cmap_put(&st->cast_at, j->code, j->log_index) != Q_OK)
			slog(st, LOG_ERR, "out of memory indexing a receipt");
		st->cast++;
		reply = receipt(st, j);
	} else {
		st->challenged++;
		char code[65];
		hexstr(code, j->code, 32);
		json_t *opj = ballot_opening_to_json(st->style, j->op);
		reply = server_ok(json_pack("{s:s, s:o*, s:I, s:s}", "tracking_code", code,
		                            "opening", opj, "log_index", (json_int_t)j->log_index,
		                            "checkpoint", j->checkpoint ? j->checkpoint : ""));
	}
	inflight_del(st, j->token_hash);
	server_reply(srv, j->conn, reply);
	job_free(j);
	if (st->have_close_conn && st->jobs_out == 0)
		finish_close(st, 1);
}

/* ---- request handlers ---- */

typedef json_t *(*op_fn)(station *st, server_conn c, json_t *req);

static json_t *need_open(station *st)
{
	if (strcmp(st->state, "open") == 0)
		return NULL;
	if (strcmp(st->state, "new") == 0)
		return server_error("poll_not_open", "the poll has not been opened");
	return server_error("poll_closed", "the poll is closed");
}

static json_t *op_ping(station *st, server_conn c, json_t *req)
{
	return server_ok(json_pack("{s:s}", "station", st->station_id));
}

static json_t *op_status(station *st, server_conn c, json_t *req)
{
	pthread_mutex_lock(&st->cnt_mu);
	uint64_t ls = st->logsize;
	pthread_mutex_unlock(&st->cnt_mu);
	pending_expire(st);
	return server_ok(
	    json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "station",
	              st->station_id, "election", st->m->id, "state", st->state, "registered",
	              (json_int_t)st->registered, "checked_in", (json_int_t)st->issued, "cast",
	              (json_int_t)st->cast, "challenged", (json_int_t)st->challenged, "log_size",
	              (json_int_t)ls, "connections", (json_int_t)server_conn_count(st->srv),
	              "pending", (json_int_t)st->npend, "reissued", (json_int_t)st->reissued));
}

static json_t *op_import_roll(station *st, server_conn c, json_t *req)
{
	const char *path = json_string_value(json_object_get(req, "path"));
	uint8_t *csv = NULL;
	size_t len;
	elec_findings f;
	elec_roll *r = NULL;
	json_t *reply = NULL;
	uint8_t h[32];
	char hx[65];
	qerr e;
	if (path == NULL || path[0] != '/')
		return server_error("bad_request",
		                    "\"path\" must be an absolute path to the roll CSV");
	if (strcmp(st->state, "new") != 0)
		return server_error("roll_locked",
		                    "the roll cannot change once the poll is opened");
	if (st->roll != NULL)
		return server_error("roll_locked", "a roll has already been imported");
	if ((e = read_file(path, 256u * 1024 * 1024, &csv, &len)) != Q_OK)
		return server_error("bad_roll", "cannot read %s: %s", path, qerr_str(e));
	elec_findings_init(&f);
	/* P-6.1: only the roll the election was made with (R-2.1 roll_hash) */
	sha256(h, csv, len);
	hexstr(hx, h, 32);
	if (memcmp(h, st->roll_hash, 32) != 0) {
		char want[65];
		hexstr(want, st->roll_hash, 32);
		reply =
		    server_error("roll_mismatch",
		                 "%s is not the election's roll: its SHA-256 is %s, the "
		                 "election's roll_hash (parameters.json) is %s; nothing imported",
		                 path, hx, want);
		goto out;
	}
	if (memchr(csv, '\0', len) != NULL) { /* stored as text (P-5.1): exact bytes only */
		reply = server_error("bad_roll", "%s holds a NUL byte; nothing imported", path);
		goto out;
	}
	e = roll_import((char *)csv, len, &r, &f);
	if (e != Q_OK) {
		json_t *list = json_array();
		for (size_t i = 0; i < f.n && i < 50; i++)
			json_array_append_new(list, json_pack("{s:s, s:s}", "where",
			                                      f.v[i].where ? f.v[i].where : "",
			                                      "message", f.v[i].message));
		reply =
		    server_error("bad_roll", "the roll has %zu problems; nothing imported", f.n);
		json_object_set_new(json_object_get(reply, "error"), "findings", list);
		goto out;
	}
	/* P-6.1: logged first, so that no roll is ever used unlogged; a DB
	 * failure after it leaves an entry and no roll, and a retry logs the
	 * same hash again. */
	{
		char text[160];
		uint64_t idx = 0;
		snprintf(text, sizeof text, "voters %zu\nsha256 %s\n", r->n, hx);
		pthread_mutex_lock(&st->io_mu);
		e = log_text(st, ENTRY_ROLL, text, &idx);
		pthread_mutex_unlock(&st->io_mu);
		if (e != Q_OK) {
			reply = server_error("internal", "audit log: %s; nothing imported",
			                     qerr_str(e));
			goto out;
		}
	}
	/* One transaction: all voters, the CSV itself. */
	if ((e = store_begin(st->rolldb)) != Q_OK)
		goto dberr;
	for (size_t i = 0; i < r->n; i++) {
		store_voter v;
		memset(&v, 0, sizeof v);
		const roll_record *rr = &r->v[i];
		snprintf(v.id, sizeof v.id, "%s", rr->id);
		snprintf(v.name, sizeof v.name, "%s", rr->name ? rr->name : "");
		snprintf(v.birth, sizeof v.birth, "%04d-%02d-%02d", rr->birth.year, rr->birth.month,
		         rr->birth.day);
		snprintf(v.household, sizeof v.household, "%s", rr->household ? rr->household : "");
		snprintf(v.group, sizeof v.group, "%s", rr->group ? rr->group : "");
		snprintf(v.flags, sizeof v.flags, "%u", rr->flags);
		if ((e = store_roll_add(st->rolldb, &v)) != Q_OK) {
			store_rollback(st->rolldb);
			goto dberr;
		}
	}
	if ((e = store_meta_set(st->rolldb, "roll_csv", (char *)csv)) != Q_OK) {
		store_rollback(st->rolldb);
		goto dberr;
	}
	if ((e = store_commit(st->rolldb)) != Q_OK)
		goto dberr;
	st->roll = r;
	r = NULL;
	st->registered = st->roll->n;
	slog(st, LOG_INFO, "roll imported: %llu voters", (unsigned long long)st->registered);
	reply =
	    server_ok(json_pack("{s:I, s:s}", "voters", (json_int_t)st->registered, "sha256", hx));
	goto out;
dberr:
	reply = server_error("internal", "roll DB: %s", store_errmsg(st->rolldb));
out:
	elec_findings_free(&f);
	roll_free(r);
	free(csv);
	return reply;
}

static json_t *op_open(station *st, server_conn c, json_t *req)
{
	if (strcmp(st->state, "open") == 0)
		return server_error("poll_open", "the poll is already open");
	if (strcmp(st->state, "new") != 0)
		return server_error("poll_closed", "the poll is closed and cannot be reopened");
	if (st->roll == NULL || st->registered == 0)
		return server_error("no_roll", "import the roll before opening the poll");
	char text[300], mh[65];
	uint64_t idx = 0;
	hexstr(mh, st->m->hash, 32);
	snprintf(text, sizeof text, "station %s\nmanifest %s\nregistered %llu\n", st->station_id,
	         mh, (unsigned long long)st->registered);
	pthread_mutex_lock(&st->io_mu);
	qerr e = log_text(st, ENTRY_OPENED, text, &idx);
	pthread_mutex_unlock(&st->io_mu);
	if (e != Q_OK)
		return server_error("internal", "audit log: %s", qerr_str(e));
	if (store_meta_set(st->rolldb, "state", "open") != Q_OK)
		return server_error("internal", "roll DB: %s", store_errmsg(st->rolldb));
	snprintf(st->state, sizeof st->state, "open");
	slog(st, LOG_INFO, "poll opened");
	return server_ok(json_pack("{s:s, s:I}", "state", st->state, "log_index", (json_int_t)idx));
}

static json_t *voter_json(const store_voter *v)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:b}", "id", v->id, "name", v->name, "household",
	                 v->household, "group", v->group, "checked_in", v->checked_in);
}

static json_t *op_lookup(station *st, server_conn c, json_t *req)
{
	const char *id = json_string_value(json_object_get(req, "voter"));
	store_voter v;
	if (id == NULL || strlen(id) >= STORE_FIELD_MAX)
		return server_error("bad_request", "\"voter\" must be a roll id");
	qerr e = store_roll_get(st->rolldb, id, &v);
	if (e == Q_ERR_NOTFOUND)
		return server_error("not_on_roll", "voter %s is not on the roll", id);
	if (e != Q_OK)
		return server_error("internal", "roll DB: %s", store_errmsg(st->rolldb));
	json_t *vj = voter_json(&v);
	if (st->roll != NULL) {
		roll_refusal why;
		char msg[300];
		e = roll_check_eligible(st->roll, id, NULL, &st->rctx, &why, msg, sizeof msg);
		json_object_set_new(vj, "eligible", json_boolean(e == Q_OK));
		if (e != Q_OK)
			json_object_set_new(vj, "refusal", json_string(roll_refusal_code(why)));
	}
	return server_ok(json_pack("{s:o}", "voter", vj));
}

static const char *refusal_error(roll_refusal r)
{
	switch (r) {
	case ELIG_NOT_REGISTERED:
		return "not_on_roll";
	case ELIG_UNDER_18:
		return "under_18";
	case ELIG_WRONG_STATION:
		return "wrong_station";
	case ELIG_DEPRIVED:
		return "deprived";
	case ELIG_NOT_MEMBER:
		return "not_member";
	default:
		return "proxy_refused";
	}
}

static json_t *op_checkin(station *st, server_conn c, json_t *req)
{
	const char *id = json_string_value(json_object_get(req, "voter"));
	const json_t *pj = json_object_get(req, "proxy");
	const char *proxy = json_string_value(pj);
	uint8_t tok[TOKEN_LEN], h[32];
	char hex[2 * TOKEN_LEN + 1], msg[300];
	roll_refusal why = ELIG_OK;
	json_t *reply;
	if (id == NULL || strlen(id) >= STORE_FIELD_MAX)
		return server_error("bad_request", "\"voter\" must be a roll id");
	if (pj != NULL && (proxy == NULL || strlen(proxy) >= STORE_FIELD_MAX))
		return server_error("bad_request", "\"proxy\" must be a roll id");
	if ((reply = need_open(st)) != NULL)
		return reply;
	msg[0] = '\0';
	qerr e = roll_check_eligible(st->roll, id, proxy, &st->rctx, &why, msg, sizeof msg);
	if (e != Q_OK)
		return server_error(refusal_error(why), "%s",
		                    msg[0] ? msg : roll_refusal_code(why));
	if (rand_bytes(tok, sizeof tok) != Q_OK)
		return server_error("internal", "random generator failed");
	sha256(h, tok, sizeof tok);
	e = store_roll_checkin(st->rolldb, id, h);
	if (e == Q_ERR_EXISTS) {
		wipe(tok, sizeof tok);
		return server_error("already_voted", "voter %s has already been checked in", id);
	}
	if (e == Q_ERR_NOTFOUND) {
		wipe(tok, sizeof tok);
		return server_error("not_on_roll", "voter %s is not on the roll", id);
	}
	if (e != Q_OK) {
		wipe(tok, sizeof tok);
		return server_error("internal", "roll DB: %s", store_errmsg(st->rolldb));
	}
	pthread_mutex_lock(&st->cnt_mu);
	st->issued++;
	pthread_mutex_unlock(&st->cnt_mu);
	st->have_last = 1;
	st->last_used = 0;
	snprintf(st->last_id, sizeof st->last_id, "%s", id);
	memcpy(st->last_h, h, 32);
	hexstr(hex, tok, sizeof tok);
	reply =
	    server_ok(json_pack("{s:s, s:I}", "token", hex, "checked_in", (json_int_t)st->issued));
	wipe(tok, sizeof tok);
	wipe(hex, sizeof hex);
	return reply;
}

/* Common booth checks: poll open, token issued, unspent, not busy. */
static json_t *token_check(station *st, json_t *req, uint8_t h[32], uint8_t rk[32])
{
	json_t *r;
	if (!token_parse(req, h, rk))
		return server_error("bad_request", "\"token\" must be the 32 lower-case hex digits "
		                                   "printed at check-in");
	if ((r = need_open(st)) != NULL)
		return r;
	if (__atomic_load_n(&st->broken, __ATOMIC_RELAXED))
		return server_error("unavailable", "the station must be restarted");
	if (hset_has(&st->spent, h))
		return server_error("token_spent", "this ballot token has already been used");
	qerr e = store_roll_token_issued(st->rolldb, h);
	if (e == Q_ERR_NOTFOUND)
		return server_error("token_invalid", "no ballot was issued with this token");
	if (e != Q_OK)
		return server_error("internal", "roll DB: %s", store_errmsg(st->rolldb));
	if (inflight_has(st, h))
		return server_error("token_busy", "this token is being used by another request");
	if (st->have_last && memcmp(h, st->last_h, 32) == 0)
		st->last_used = 1; /* no re-issue once a booth has used it */
	return NULL;
}

static json_t *op_ballot(station *st, server_conn c, json_t *req)
{
	uint8_t h[32];
	json_t *r = token_check(st, req, h, NULL);
	if (r != NULL)
		return r;
	return server_ok(json_pack("{s:O}", "ballot", st->booth_ballot));
}

/* marks: [[0,1,..],..] per contest -> flat bytes (secret). */
static json_t *parse_marks(station *st, json_t *req, uint8_t **out, size_t *n)
{
	const json_t *mj = json_object_get(req, "marks");
	const ballot_style *sty = st->style;
	char why[200];
	*out = NULL;
	if (!json_is_array(mj) || json_array_size(mj) != sty->ncontests)
		return server_error("bad_marks", "\"marks\" must be an array of %zu contests",
		                    sty->ncontests);
	uint8_t *m = calloc(sty->total_options ? sty->total_options : 1, 1);
	if (m == NULL)
		return server_error("internal", "out of memory");
	size_t k = 0;
	for (size_t i = 0; i < sty->ncontests; i++) {
		const json_t *cj = json_array_get(mj, i);
		if (!json_is_array(cj) || json_array_size(cj) != sty->contests[i].noptions) {
			free(m);
			return server_error("bad_marks", "contest %zu: %u marks expected", i,
			                    sty->contests[i].noptions);
		}
		for (size_t j = 0; j < sty->contests[i].noptions; j++) {
			const json_t *v = json_array_get(cj, j);
			if (!json_is_integer(v) ||
			    (json_integer_value(v) != 0 && json_integer_value(v) != 1)) {
				wipe(m, k);
				free(m);
				return server_error("bad_marks",
				                    "contest %zu option %zu: mark must be 0 "
				                    "or 1",
				                    i, j);
			}
			m[k++] = (uint8_t)json_integer_value(v);
		}
	}
	if (ballot_marks_check(sty, m, k, why, sizeof why) != Q_OK) {
		wipe(m, k);
		free(m);
		return server_error("bad_marks", "%s", why);
	}
	*out = m;
	*n = k;
	return NULL;
}

static json_t *submit(station *st, server_conn c, job *j, int crypto)
{
	if (inflight_add(st, j->token_hash) != Q_OK) {
		job_free(j);
		return server_error("internal", "out of memory");
	}
	st->jobs_out++;
	j->conn = c;
	jobq_push(crypto ? &st->cq : &st->kq, j);
	return NULL;
}

static json_t *op_encrypt(station *st, server_conn c, json_t *req)
{
	uint8_t h[32];
	json_t *r = token_check(st, req, h, NULL);
	job *j;
	if (r != NULL)
		return r;
	if ((j = calloc(1, sizeof *j)) == NULL)
		return server_error("internal", "out of memory");
	if ((r = parse_marks(st, req, &j->marks, &j->nmarks)) != NULL) {
		free(j);
		return r;
	}
	j->kind = JOB_ENCRYPT;
	memcpy(j->token_hash, h, 32);
	return submit(st, c, j, 1);
}

static json_t *take_pending(station *st, json_t *req, const uint8_t h[32], job *j)
{
	const char *code = json_string_value(json_object_get(req, "tracking_code"));
	uint8_t cb[32];
	pending *p = pending_find(st, h);
	if (code == NULL || hex_decode(cb, 32, code, strlen(code)) != Q_OK)
		return server_error("bad_request", "\"tracking_code\" must be 64 hex digits");
	if (p == NULL || memcmp(p->code, cb, 32) != 0)
		return server_error("no_pending", "no encrypted ballot with this tracking code is "
		                                  "waiting for this token");
	memcpy(j->code, p->code, 32);
	j->enc = p->enc;
	j->enclen = p->enclen;
	j->op = p->op;
	p->enc = NULL;
	p->op = NULL;
	pending_remove(st, p);
	return NULL;
}

static json_t *op_cast(station *st, server_conn c, json_t *req)
{
	uint8_t h[32];
	json_t *r = NULL;
	job *j;
	uint8_t rk[32];
	if (r == NULL)
		r = token_check(st, req, h, rk);
	if (r != NULL)
		return r;
	if ((j = calloc(1, sizeof *j)) == NULL)
		return server_error("internal", "out of memory");
	j->kind = JOB_CAST;
	memcpy(j->token_hash, h, 32);
	memcpy(j->receipt_key, rk, 32);
	wipe(rk, sizeof rk);
	if (json_object_get(req, "marks") != NULL) {
		if (json_object_get(req, "tracking_code") != NULL) {
			free(j);
			return server_error("bad_request", "give either \"marks\" or "
			                                   "\"tracking_code\", not both");
		}
		if ((r = parse_marks(st, req, &j->marks, &j->nmarks)) != NULL) {
			free(j);
			return r;
		}
		/* A cast with marks replaces the token's pending ballot. */
		pending *p = pending_find(st, h);
		if (p != NULL)
			pending_remove(st, p);
		j->encrypt_first = 1;
		return submit(st, c, j, 1);
	}
	if ((r = take_pending(st, req, h, j)) != NULL) {
		free(j);
		return r;
	}
	/* The opening is no longer needed: wipe the nonces now. */
	ballot_opening_free(j->op);
	j->op = NULL;
	return submit(st, c, j, 0);
}

static json_t *op_challenge(station *st, server_conn c, json_t *req)
{
	uint8_t h[32];
	json_t *r = token_check(st, req, h, NULL);
	job *j;
	if (r != NULL)
		return r;
	if ((j = calloc(1, sizeof *j)) == NULL)
		return server_error("internal", "out of memory");
	j->kind = JOB_CHALLENGE;
	memcpy(j->token_hash, h, 32);
	/* Counted (and capped) only for a challenge that can proceed. */
	const char *code = json_string_value(json_object_get(req, "tracking_code"));
	uint8_t cb[32];
	pending *p = pending_find(st, h);
	if (code != NULL && hex_decode(cb, 32, code, strlen(code)) == Q_OK && p != NULL &&
	    memcmp(p->code, cb, 32) == 0) {
		qerr e = store_roll_challenge(st->rolldb, h, CHALLENGES_MAX);
		if (e == Q_ERR_LIMIT) {
			free(j);
			return server_error("too_many_challenges",
			                    "this token has been used for %d challenges, the most "
			                    "allowed; cast the ballot",
			                    CHALLENGES_MAX);
		}
		if (e != Q_OK) {
			free(j);
			return server_error("internal", "roll DB: %s", store_errmsg(st->rolldb));
		}
	}
	if ((r = take_pending(st, req, h, j)) != NULL) {
		free(j);
		return r;
	}
	return submit(st, c, j, 0);
}

/* Re-issue (operator): the latest check-in's token was never used (its
 * reply was lost in a crash, or the paper lost): it dies, a new one is
 * issued, and the log says a re-issue happened (P-6.6, never who). */
static json_t *op_reissue(station *st, server_conn c, json_t *req)
{
	const char *id = json_string_value(json_object_get(req, "voter"));
	uint8_t tok[TOKEN_LEN], h[32];
	char hex[2 * TOKEN_LEN + 1], text[64];
	store_voter v;
	json_t *reply;
	qerr e;
	if (id == NULL || strlen(id) >= STORE_FIELD_MAX)
		return server_error("bad_request", "\"voter\" must be a roll id");
	if ((reply = need_open(st)) != NULL)
		return reply;
	e = store_roll_get(st->rolldb, id, &v);
	if (e == Q_ERR_NOTFOUND)
		return server_error("not_on_roll", "voter %s is not on the roll", id);
	if (e != Q_OK)
		return server_error("internal", "roll DB: %s", store_errmsg(st->rolldb));
	if (!v.checked_in)
		return server_error("not_checked_in",
		                    "voter %s has not been checked in: use checkin", id);
	if (!st->have_last || strcmp(st->last_id, id) != 0)
		return server_error("reissue_refused",
		                    "only the latest check-in can be re-issued, and voter %s is "
		                    "not it",
		                    id);
	if (hset_has(&st->spent, st->last_h))
		return server_error("token_spent",
		                    "voter %s's token has been used to cast a "
		                    "ballot",
		                    id);
	if (st->last_used || inflight_has(st, st->last_h) || pending_find(st, st->last_h))
		return server_error("token_used",
		                    "voter %s's token has been used at a booth: it cannot be "
		                    "re-issued",
		                    id);
	if (rand_bytes(tok, sizeof tok) != Q_OK)
		return server_error("internal", "random generator failed");
	sha256(h, tok, sizeof tok);
	/* Logged first: no re-issue is ever unlogged (P-6.6). */
	snprintf(text, sizeof text, "reissued %llu\n", (unsigned long long)st->reissued + 1);
	pthread_mutex_lock(&st->io_mu);
	e = log_text(st, ENTRY_REISSUED, text, NULL);
	pthread_mutex_unlock(&st->io_mu);
	if (e != Q_OK) {
		wipe(tok, sizeof tok);
		return server_error("internal", "audit log: %s; nothing re-issued", qerr_str(e));
	}
	st->reissued++;
	e = store_roll_reissue(st->rolldb, id, st->last_h, h);
	if (e != Q_OK) {
		wipe(tok, sizeof tok);
		return server_error("internal", "roll DB: %s", store_errmsg(st->rolldb));
	}
	memcpy(st->last_h, h, 32);
	slog(st, LOG_NOTICE, "token re-issued (%llu so far)", (unsigned long long)st->reissued);
	hexstr(hex, tok, sizeof tok);
	reply = server_ok(json_pack("{s:s}", "token", hex));
	wipe(tok, sizeof tok);
	wipe(hex, sizeof hex);
	return reply;
}

/* Receipt lookup (booth): the receipt of the ballot cast with this token,
 * e.g. when the cast's reply was lost in a crash. */
static json_t *op_receipt(station *st, server_conn c, json_t *req)
{
	uint8_t h[32], rk[32], code[32];
	char hx[65], *note = NULL;
	uint64_t idx = 0;
	int found = 0;
	if (!token_parse(req, h, rk))
		return server_error("bad_request", "\"token\" must be the 32 lower-case hex digits "
		                                   "printed at check-in");
	if (strcmp(st->state, "new") == 0)
		return server_error("poll_not_open", "the poll has not been opened");
	if (!hset_has(&st->spent, h)) {
		wipe(rk, sizeof rk);
		return server_error("not_cast", "no ballot has been cast with this token");
	}
	pthread_mutex_lock(&st->io_mu);
	qerr e = store_box_receipt(st->box, rk, code);
	wipe(rk, sizeof rk);
	const cmap_ent *at = e == Q_OK ? cmap_find(&st->cast_at, code) : NULL;
	if (at != NULL && at->used) {
		idx = at->v;
		found = 1;
		e = receipt_checkpoint(st, &note);
	}
	pthread_mutex_unlock(&st->io_mu);
	if (e == Q_ERR_NOTFOUND)
		return server_error("not_cast", "this token's ballot was cast before receipts "
		                                "were kept");
	if (e != Q_OK || !found)
		return server_error("internal", "receipt lookup failed: %s",
		                    e != Q_OK ? qerr_str(e) : "ballot not in the log");
	hexstr(hx, code, 32);
	json_t *reply = server_ok(json_pack("{s:s, s:I, s:s, s:s}", "tracking_code", hx,
	                                    "log_index", (json_int_t)idx, "checkpoint", note,
	                                    "log_origin", log_origin(st->log)));
	free(note);
	return reply;
}

/* ---- close and the station record (P-7) ---- */

typedef struct rec_ctx {
	json_t *arr;
	int challenged;
} rec_ctx;

static int rec_cb(void *ctx, const uint8_t code[32], const uint8_t *body, size_t len,
                  const uint8_t *op, size_t olen)
{
	rec_ctx *r = ctx;
	char hx[65];
	char *b = malloc(b64_encoded_len(len) + 1);
	char *o = op ? malloc(b64_encoded_len(olen) + 1) : NULL;
	if (b == NULL || (op && o == NULL)) {
		free(b);
		free(o);
		return 1;
	}
	hexstr(hx, code, 32);
	b64_encode(b, body, len);
	json_t *e = json_pack("{s:s, s:s}", "tracking_code", hx, "ballot", b);
	if (op != NULL) {
		b64_encode(o, op, olen);
		json_object_set_new(e, "opening", json_string(o));
	}
	free(b);
	free(o);
	return json_array_append_new(r->arr, e) != 0;
}

static int id_cb(void *ctx, const char *id)
{
	return json_array_append_new(ctx, json_string(id)) != 0;
}

/* P-7 "checked_in": the roll ids checked in here, sorted (never in
 * check-in order, which the log's order of casts would link to ballots). */
static qerr checked_in_list(station *st, json_t **out)
{
	json_t *a = json_array();
	qerr e = a == NULL ? Q_ERR_NOMEM : store_roll_foreach_checked_in(st->rolldb, id_cb, a);
	if (e == Q_OK && json_array_size(a) != st->issued) {
		slog(st, LOG_ERR, "roll DB: %zu voters checked in but %llu tokens issued",
		     json_array_size(a), (unsigned long long)st->issued);
		e = Q_ERR_CONSISTENCY;
	}
	if (e != Q_OK) {
		json_decref(a);
		a = NULL;
	}
	*out = a;
	return e;
}

static qerr write_record(station *st, char *note, uint64_t close_index, char **sig_out)
{
	qerr e = Q_ERR_NOMEM;
	json_t *rec = NULL;
	char *txt = NULL, *sigb64 = NULL, vkey[NOTE_VKEY_MAX];
	uint8_t *msg = NULL, sig[SIG_LEN];
	char mh[65], bh[65], kh[2 * POINT_LEN + 1], root[65];
	merkle_hash r;
	rec_ctx rc = {json_array(), 0}, rch = {json_array(), 1};
	json_t *ids = NULL;
	*sig_out = NULL;
	if (rc.arr == NULL || rch.arr == NULL)
		goto out;
	if ((e = checked_in_list(st, &ids)) != Q_OK)
		goto out;
	if ((e = store_box_foreach(st->box, 0, rec_cb, &rc)) != Q_OK ||
	    (e = store_box_foreach(st->box, 1, rec_cb, &rch)) != Q_OK)
		goto out;
	if ((e = note_verifier_format(&st->signer->pub, vkey, sizeof vkey)) != Q_OK)
		goto out;
	if ((e = log_root(st->log, log_size(st->log), r)) != Q_OK)
		goto out;
	hexstr(mh, st->m->hash, 32);
	hexstr(bh, st->base_hash, 32);
	hexstr(kh, st->Kenc, POINT_LEN);
	hexstr(root, r, 32);
	rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:I, s:I, s:I, s:I},"
	                " s:o, s:o, s:{s:s, s:s, s:I, s:s, s:s, s:I}}",
	                "format", RECORD_FORMAT, "election", st->m->id, "station", st->station_id,
	                "manifest_sha256", mh, "base_hash", bh, "joint_key", kh, "counts",
	                "registered", (json_int_t)st->registered, "issued", (json_int_t)st->issued,
	                "cast", (json_int_t)st->cast, "challenged", (json_int_t)st->challenged,
	                "ballots", rc.arr, "challenged", rch.arr, "log", "origin",
	                log_origin(st->log), "vkey", vkey, "size", (json_int_t)log_size(st->log),
	                "root", root, "checkpoint", note ? note : "", "close_index",
	                (json_int_t)close_index);
	rc.arr = rch.arr = NULL;
	if (rec != NULL) {
		int bad = json_object_set_new(rec, "checked_in", ids); /* steals ids */
		ids = NULL;
		if (bad != 0) {
			e = Q_ERR_NOMEM;
			goto out;
		}
	}
	if (rec == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	txt = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	if (txt == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	size_t tl = strlen(txt), gl = strlen(RECORD_SIG_TAG);
	/* P-7.2: Ed25519 over tag || file bytes. */
	if ((msg = malloc(gl + tl)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	memcpy(msg, RECORD_SIG_TAG, gl);
	memcpy(msg + gl, txt, tl);
	if ((e = sig_sign(sig, &st->signer->sk, msg, gl + tl)) != Q_OK)
		goto out;
	if ((sigb64 = malloc(b64_encoded_len(SIG_LEN) + 2)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	b64_encode(sigb64, sig, SIG_LEN);
	char sigpath[700];
	snprintf(sigpath, sizeof sigpath, "%s.sig", st->record_path);
	if ((e = write_file_atomic(st->state_dir, st->record_path, txt, tl)) != Q_OK)
		goto out;
	size_t sl = strlen(sigb64);
	sigb64[sl] = '\n';
	e = write_file_atomic(st->state_dir, sigpath, sigb64, sl + 1);
	sigb64[sl] = '\0';
	if (e != Q_OK)
		goto out;
	*sig_out = sigb64;
	sigb64 = NULL;
out:
	json_decref(rc.arr);
	json_decref(rch.arr);
	json_decref(ids);
	json_decref(rec);
	free(txt);
	free(msg);
	free(sigb64);
	return e;
}

/* Close (P-7.1, P-7.3): log poll-closed (unless the last entry already is
 * it, after a crash mid-close), keep a checkpoint, write and sign the
 * record, persist "closed".  Idempotent.  reply_to_conn: answer
 * close_conn. */
static void finish_close(station *st, int reply_to_conn)
{
	server_conn c = st->close_conn;
	char text[300], *note = NULL, *sig = NULL;
	size_t nl, tl = 0;
	uint64_t idx = 0, n;
	int have = 0;
	json_t *reply;
	qerr e = Q_OK;
	uint8_t *last = NULL, *want = NULL;
	st->have_close_conn = 0;
	/* Every job is back; the threads are idle. */
	snprintf(text, sizeof text, "issued %llu\ncast %llu\nchallenged %llu\n",
	         (unsigned long long)st->issued, (unsigned long long)st->cast,
	         (unsigned long long)st->challenged);
	pthread_mutex_lock(&st->io_mu);
	n = log_size(st->log);
	want = entry_make(ENTRY_CLOSED, text, strlen(text), NULL, 0, &tl);
	last = malloc(MERKLE_MAX_ENTRY);
	if (want == NULL || last == NULL)
		e = Q_ERR_NOMEM;
	if (e == Q_OK && n > 0) {
		size_t ll;
		e = log_read_entry(st->log, n - 1, last, &ll);
		if (e == Q_OK && ll == tl && memcmp(last, want, tl) == 0) {
			idx = n - 1;
			have = 1;
		}
	}
	if (e == Q_OK && !have) {
		e = log_text(st, ENTRY_CLOSED, text, &idx);
		have = e == Q_OK;
	}
	if (e == Q_OK && st->crash_in_close)
		_exit(98); /* test hook: die after poll-closed is logged */
	if (e == Q_OK)
		e = log_checkpoint_sign(st->log, &note, &nl);
	if (e == Q_OK)
		e = write_record(st, note, idx, &sig);
	pthread_mutex_unlock(&st->io_mu);
	free(last);
	free(want);
	/* P-5.1: the latest check-in's link to its token ends with the poll. */
	if (e == Q_OK && store_roll_forget_last_checkin(st->rolldb) != Q_OK)
		e = Q_ERR_DB;
	if (e == Q_OK)
		st->have_last = 0;
	if (e == Q_OK && store_meta_set(st->rolldb, "state", "closed") != Q_OK)
		e = Q_ERR_DB;
	if (e != Q_OK && have) {
		/* P-7.3: poll-closed is in the public log; the poll never
		 * reopens.  It stays "closing" (persisted) and close again
		 * (or the next start) finishes it. */
		slog(st, LOG_ERR, "closing failed after poll-closed was logged: %s", qerr_str(e));
		reply = server_error("internal",
		                     "closing failed: %s; the poll stays closed, fix the cause "
		                     "and send close again",
		                     qerr_str(e));
	} else if (e != Q_OK) {
		snprintf(st->state, sizeof st->state, "open");
		if (store_meta_set(st->rolldb, "state", "open") != Q_OK)
			slog(st, LOG_ERR, "roll DB: %s", store_errmsg(st->rolldb));
		slog(st, LOG_ERR, "closing failed: %s", qerr_str(e));
		reply = server_error("internal", "closing failed: %s", qerr_str(e));
	} else {
		snprintf(st->state, sizeof st->state, "closed");
		slog(st, LOG_INFO, "poll closed: %llu issued, %llu cast, %llu challenged",
		     (unsigned long long)st->issued, (unsigned long long)st->cast,
		     (unsigned long long)st->challenged);
		reply = server_ok(json_pack("{s:s, s:I, s:I, s:I, s:s, s:s, s:s}", "state",
		                            "closed", "issued", (json_int_t)st->issued, "cast",
		                            (json_int_t)st->cast, "challenged",
		                            (json_int_t)st->challenged, "record", st->record_path,
		                            "signature", sig, "checkpoint", note));
	}
	free(note);
	free(sig);
	if (reply_to_conn)
		server_reply(st->srv, c, reply);
	else
		json_decref(reply);
}

static json_t *op_close(station *st, server_conn c, json_t *req)
{
	if (strcmp(st->state, "new") == 0)
		return server_error("poll_not_open", "the poll has not been opened");
	if (__atomic_load_n(&st->broken, __ATOMIC_RELAXED))
		return server_error("unavailable", "the audit log failed: restart the station "
		                                   "(it reconciles the box and the log), then "
		                                   "close");
	if (strcmp(st->state, "closing") == 0) {
		if (st->have_close_conn)
			return server_error("poll_closed", "the poll is closing");
		/* A close that failed after poll-closed was logged: retry. */
		st->have_close_conn = 1;
		st->close_conn = c;
		if (st->jobs_out == 0)
			finish_close(st, 1);
		return NULL;
	}
	if (strcmp(st->state, "open") != 0)
		return server_error("poll_closed", "the poll is already closed");
	/* Persisted first: a crash from here on finishes the close at the
	 * next start (P-7.3). */
	if (store_meta_set(st->rolldb, "state", "closing") != Q_OK)
		return server_error("internal", "roll DB: %s", store_errmsg(st->rolldb));
	snprintf(st->state, sizeof st->state, "closing");
	st->have_close_conn = 1;
	st->close_conn = c;
	if (st->jobs_out == 0)
		finish_close(st, 1);
	return NULL;
}

static json_t *op_export(station *st, server_conn c, json_t *req)
{
	uint8_t *rec = NULL, *sig = NULL;
	size_t rl, sl;
	json_error_t je;
	if (strcmp(st->state, "closed") != 0)
		return server_error("poll_not_closed",
		                    "the station record exists only after close");
	char sigpath[700];
	snprintf(sigpath, sizeof sigpath, "%s.sig", st->record_path);
	if (read_file(st->record_path, 1u << 30, &rec, &rl) != Q_OK ||
	    read_file(sigpath, 4096, &sig, &sl) != Q_OK) {
		free(rec);
		return server_error("internal", "cannot read the station record");
	}
	while (sl > 0 && sig[sl - 1] == '\n')
		sig[--sl] = '\0';
	json_t *rj = json_loadb((char *)rec, rl, 0, &je);
	/* P-7.5: record_text carries the file's exact bytes (ASCII, P-7.1), so
	 * quorum-ballot export writes them without re-serialising */
	json_t *reply =
	    server_ok(json_pack("{s:s, s:s, s:o*, s:s%}", "path", st->record_path, "signature",
	                        (char *)sig, "record", rj, "record_text", (char *)rec, rl));
	free(rec);
	free(sig);
	return reply;
}

/* ---- role tables ---- */

typedef struct op_entry {
	const char *name;
	op_fn fn;
} op_entry;

static const op_entry admin_ops[] = {
    {"ping", op_ping},   {"status", op_status},           {"open", op_open},
    {"close", op_close}, {"import-roll", op_import_roll}, {"export", op_export},
    {NULL, NULL},
};
static const op_entry operator_ops[] = {
    {"ping", op_ping},     {"status", op_status},   {"lookup", op_lookup}, {"checkin", op_checkin},
    {"issue", op_checkin}, {"reissue", op_reissue}, {NULL, NULL},
};
static const op_entry booth_ops[] = {
    {"ping", op_ping}, {"ballot", op_ballot},       {"encrypt", op_encrypt},
    {"cast", op_cast}, {"challenge", op_challenge}, {"receipt", op_receipt},
    {NULL, NULL},
};
static const op_entry *const role_ops[ROLE__COUNT] = {admin_ops, operator_ops, booth_ops};
static const char *const role_names[ROLE__COUNT] = {"admin", "operator", "booth"};

static json_t *handler(void *ctx, server *srv, server_conn c, server_role role, json_t *req)
{
	station *st = ctx;
	const char *op = json_string_value(json_object_get(req, "op"));
	if (op == NULL)
		return server_error("bad_request", "request needs a string member \"op\"");
	if (strcmp(st->state, "closing") == 0 && strcmp(op, "ping") != 0 &&
	    strcmp(op, "status") != 0 && strcmp(op, "close") != 0)
		return server_error("poll_closed", "the poll is closing");
	for (const op_entry *e = role_ops[role]; e->name; e++)
		if (strcmp(e->name, op) == 0)
			return e->fn(st, c, req);
	for (int r = 0; r < ROLE__COUNT; r++)
		for (const op_entry *e = role_ops[r]; e->name; e++)
			if (strcmp(e->name, op) == 0)
				return server_error(
				    "wrong_role",
				    "operation \"%s\" is not allowed on the %s socket "
				    "(use the %s socket)",
				    op, role_names[role], role_names[r]);
	return server_error("unknown_op", "unknown operation \"%.64s\"", op);
}

qerr station_serve(station *st, char *err, size_t errlen)
{
	char paths[ROLE__COUNT][700];
	server_config sc;
	qerr e;
	memset(&sc, 0, sizeof sc);
	for (int r = 0; r < ROLE__COUNT; r++) {
		snprintf(paths[r], sizeof paths[r], "%s/%s.sock", st->state_dir, role_names[r]);
		sc.socket_path[r] = paths[r];
		sc.mode[r] = r == ROLE_ADMIN ? 0600 : 0660;
		sc.group_set[r] = st->group_set[r];
		sc.gid[r] = st->gid[r];
	}
	sc.read_timeout_ms = st->read_timeout_ms;
	sc.idle_timeout_ms = st->idle_timeout_ms;
	sc.handler = handler;
	sc.on_post = on_post;
	sc.ctx = st;
	if ((e = server_new(&st->srv, &sc, err, errlen)) != Q_OK)
		return e;
	if ((e = server_handle_signals(st->srv)) != Q_OK) {
		snprintf(err, errlen, "cannot install signal handling");
		return e;
	}
	for (int i = 0; i < STATION_WORKERS; i++) {
		if (pthread_create(&st->workers[i], NULL, worker_main, st) != 0) {
			snprintf(err, errlen, "cannot start worker thread");
			return Q_ERR_NOMEM;
		}
		st->nworkers++;
	}
	if (pthread_create(&st->committer, NULL, committer_main, st) != 0) {
		snprintf(err, errlen, "cannot start committer thread");
		return Q_ERR_NOMEM;
	}
	st->have_committer = 1;
	slog(st, LOG_INFO, "listening in %s", st->state_dir);
	e = server_run(st->srv);
	slog(st, LOG_INFO, "shutting down");
	return e;
}

void station_free(station *st)
{
	if (st == NULL)
		return;
	/* Stop the threads after they drain what they hold. */
	jobq_stop(&st->cq);
	for (int i = 0; i < st->nworkers; i++)
		pthread_join(st->workers[i], NULL);
	jobq_stop(&st->kq);
	if (st->have_committer)
		pthread_join(st->committer, NULL);
	/* Replies still posted: run them (their connections get them or
	 * they are dropped), so no job is leaked. */
	if (st->srv != NULL)
		server_drain_posts(st->srv);
	server_free(st->srv);
	for (size_t i = 0; i < st->npend; i++)
		pending_clear(&st->pend[i]);
	free(st->pend);
	hset_free(&st->spent);
	free(st->cast_at.e);
	free(st->inflight);
	log_close(st->log);
	store_close(st->rolldb);
	store_close(st->box);
	if (st->signer != NULL) {
		note_signer_wipe(st->signer);
		secret_free(st->signer, sizeof *st->signer);
	}
	roll_free(st->roll);
	free(st->cands);
	json_decref(st->booth_ballot);
	ballot_style_free(st->style);
	point_table_free(st->Kt);
	point_free(st->K);
	manifest_free(st->m);
	pthread_mutex_destroy(&st->io_mu);
	pthread_mutex_destroy(&st->cnt_mu);
	free(st);
}

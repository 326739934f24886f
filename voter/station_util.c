/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * station_util.c -- small helpers of the station: logging, secret memory, hash sets, files, time.
 */
#include "station_int.h"
#include "service.h"
#include "election/i18n.h"

#include "banned.h"
/* ---- logging (syslog + stderr; never secrets or choices) ---- */

__attribute__((format(printf, 3, 4))) void st_log(const station *st, int pri, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	/* the text in the reader's language (callers' formats are extracted
	 * with xgettext --keyword=st_log:3); the event id (svc_event_id) is
	 * made from the English fmt, so it does not change with the locale */
	vsnprintf(buf, sizeof buf, _(fmt), ap);
	va_end(ap);
	/* The journal with structured fields under systemd, else syslog and
	 * stderr (service.h). */
	svc_log(pri, fmt, buf, st == NULL || st->foreground, NULL);
}

/* As st_log, for an event a rule decided: rule is its id (the journal's
 * RULE=, service.h). */
__attribute__((format(printf, 4, 5))) void st_log_rule(const station *st, int pri, const char *rule,
                                                       const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	svc_log(pri, fmt, buf, st == NULL || st->foreground, rule);
}

/* ---- secret memory ---- */

/* A zeroed page-aligned block for a secret: locked in RAM (when the
 * RLIMIT_MEMLOCK allows; else a warning) and left out of core dumps
 * (MADV_DONTDUMP).  NULL if it cannot be mapped. */
void *st_secret_alloc(size_t n)
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

void st_secret_free(void *p, size_t n)
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

int hset_has(const hset *s, const uint8_t h[32])
{
	if (s->cap == 0)
		return 0;
	uint64_t x;
	memcpy(&x, h, 8);
	for (size_t i = x & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (!s->used[i])
			return 0;
		if (s->used[i] == 1 && memcmp(s->k[i], h, 32) == 0)
			return 1;
	}
}

/* Remove h: its slot becomes a tombstone (used = 2; probes go on past it,
 * it still counts in n until the next growth). */
void hset_del(hset *s, const uint8_t h[32])
{
	if (s->cap == 0)
		return;
	uint64_t x;
	memcpy(&x, h, 8);
	for (size_t i = x & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (!s->used[i])
			return;
		if (s->used[i] == 1 && memcmp(s->k[i], h, 32) == 0) {
			memset(s->k[i], 0, 32);
			s->used[i] = 2;
			return;
		}
	}
}

qerr hset_add(hset *s, const uint8_t h[32])
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
			if (s->used[i] == 1)
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

cmap_ent *cmap_find(const cmap *m, const uint8_t k[32])
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

qerr cmap_put(cmap *m, const uint8_t k[32], uint64_t v)
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

void hset_free(hset *s)
{
	free(s->k);
	free(s->used);
	memset(s, 0, sizeof *s);
}

/* ---- helpers ---- */

qerr st_read_file(const char *path, size_t max, uint8_t **out, size_t *len)
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
qerr st_write_file(const char *dir, const char *path, const void *data, size_t len)
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
	/* The new name is durable only once the directory is synced: a
	 * failure here is reported, never taken as written. */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return Q_ERR_IO;
	int r = fsync(dfd);
	close(dfd);
	return r == 0 ? Q_OK : Q_ERR_IO;
}

void st_hex(char *out, const uint8_t *p, size_t n)
{
	hex_encode(out, p, n);
}

/* Overwrite a file with zeros, sync it, unlink it. */
void st_shred(const char *path)
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

int64_t st_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- latency by phase ---- */

static unsigned phase_bucket(int64_t us)
{
	if (us < 8)
		return us < 0 ? 0 : (unsigned)us;
	unsigned msb = 63u - (unsigned)__builtin_clzll((unsigned long long)us);
	unsigned i = msb * 8 + (unsigned)((us >> (msb - 3)) & 7);
	return i < PHASE_BUCKETS ? i : PHASE_BUCKETS - 1;
}

/* The upper end (us) of bucket i. */
static double phase_upper(unsigned i)
{
	if (i < 8)
		return i + 1;
	unsigned msb = i / 8, frac = i % 8;
	return (double)((8ull + frac + 1) << (msb - 3));
}

void phase_add(phase_hist *h, const job *j, int64_t now_us)
{
	const int64_t *t = j->t_us;
	int64_t d[PHASES] = {t[1] - t[0], t[2] - t[1],   t[3] - t[2],
	                     t[4] - t[3], now_us - t[4], now_us - t[0]};
	for (int p = 0; p < PHASES; p++)
		h->b[p][phase_bucket(d[p])]++;
	h->n++;
}

static double phase_q(const phase_hist *h, int p, double q)
{
	uint64_t want = (uint64_t)(q * (double)h->n + 0.5), c = 0;
	if (want < 1)
		want = 1;
	for (unsigned i = 0; i < PHASE_BUCKETS; i++)
		if ((c += h->b[p][i]) >= want)
			return phase_upper(i) / 1000.0;
	return phase_upper(PHASE_BUCKETS - 1) / 1000.0;
}

void phase_report(const station *st, const phase_hist *h)
{
	if (h->n == 0)
		return;
	st_log(st, LOG_INFO,
	       "cast latency by phase over %llu casts, ms p50/p90/p99 (buckets of 9%%): "
	       "worker queue %.2f/%.2f/%.2f, encrypt %.2f/%.2f/%.2f, committer queue "
	       "%.2f/%.2f/%.2f, group commit %.2f/%.2f/%.2f, reply %.2f/%.2f/%.2f, in the "
	       "daemon %.2f/%.2f/%.2f",
	       (unsigned long long)h->n, phase_q(h, 0, .5), phase_q(h, 0, .9), phase_q(h, 0, .99),
	       phase_q(h, 1, .5), phase_q(h, 1, .9), phase_q(h, 1, .99), phase_q(h, 2, .5),
	       phase_q(h, 2, .9), phase_q(h, 2, .99), phase_q(h, 3, .5), phase_q(h, 3, .9),
	       phase_q(h, 3, .99), phase_q(h, 4, .5), phase_q(h, 4, .9), phase_q(h, 4, .99),
	       phase_q(h, 5, .5), phase_q(h, 5, .9), phase_q(h, 5, .99));
}

int64_t st_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

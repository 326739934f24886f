/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * alphaset.c -- fingerprints of ciphertext alphas in an open-addressing
 * table (docs/spec/ballot.md B-9).
 */
#include "alphaset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/sha256.h"

#include "banned.h"

#define EMPTY UINT64_MAX

typedef struct slot {
	uint8_t fp[ALPHASET_FP_LEN];
	uint64_t ref; /* EMPTY: free slot */
} slot;

struct alphaset {
	slot *t;
	size_t cap; /* a power of two */
	size_t n;
};

/* B-9.1: the first 16 bytes of SHA-256(alpha). */
static void fingerprint(uint8_t fp[ALPHASET_FP_LEN], const uint8_t alpha[ALPHASET_ALPHA_LEN])
{
	uint8_t d[SHA256_LEN];
	sha256(d, alpha, ALPHASET_ALPHA_LEN);
	memcpy(fp, d, ALPHASET_FP_LEN);
}

/* The home slot: the fingerprint's first 8 bytes (uniform) mod cap. */
static size_t home(const uint8_t fp[ALPHASET_FP_LEN], size_t cap)
{
	uint64_t h = 0;
	for (int i = 0; i < 8; i++)
		h = (h << 8) | fp[i];
	return (size_t)(h & (cap - 1));
}

static slot *table_new(size_t cap)
{
	slot *t = malloc(cap * sizeof *t);
	if (t == NULL)
		return NULL;
	for (size_t i = 0; i < cap; i++)
		t[i].ref = EMPTY;
	return t;
}

alphaset *alphaset_new(size_t expected)
{
	size_t cap = 16;
	while (cap / 2 < expected && cap < SIZE_MAX / 4 / sizeof(slot))
		cap *= 2;
	alphaset *s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	if ((s->t = table_new(cap)) == NULL) {
		free(s);
		return NULL;
	}
	s->cap = cap;
	return s;
}

void alphaset_free(alphaset *s)
{
	if (s == NULL)
		return;
	free(s->t);
	free(s);
}

size_t alphaset_count(const alphaset *s)
{
	return s == NULL ? 0 : s->n;
}

/* Double the table (every entry re-placed). */
static qerr grow(alphaset *s)
{
	if (s->cap > SIZE_MAX / 4 / sizeof(slot))
		return Q_ERR_NOMEM;
	size_t cap = s->cap * 2;
	slot *t = table_new(cap);
	if (t == NULL)
		return Q_ERR_NOMEM;
	for (size_t i = 0; i < s->cap; i++) {
		if (s->t[i].ref == EMPTY)
			continue;
		size_t k = home(s->t[i].fp, cap);
		while (t[k].ref != EMPTY)
			k = (k + 1) & (cap - 1);
		t[k] = s->t[i];
	}
	free(s->t);
	s->t = t;
	s->cap = cap;
	return Q_OK;
}

qerr alphaset_add(alphaset *s, const uint8_t alpha[ALPHASET_ALPHA_LEN], uint64_t ref,
                  alphaset_same_fn same, void *ctx, uint64_t *earlier)
{
	uint8_t fp[ALPHASET_FP_LEN];
	qerr e;
	if (s == NULL || alpha == NULL || ref == EMPTY)
		return Q_ERR_ARG;
	if (2 * (s->n + 1) > s->cap && (e = grow(s)) != Q_OK)
		return e;
	fingerprint(fp, alpha);
	size_t k = home(fp, s->cap);
	/* the table is at most half full: the probe ends at a free slot */
	for (; s->t[k].ref != EMPTY; k = (k + 1) & (s->cap - 1)) {
		if (memcmp(s->t[k].fp, fp, ALPHASET_FP_LEN) != 0)
			continue;
		if (same == NULL || same(ctx, s->t[k].ref, alpha)) {
			if (earlier != NULL)
				*earlier = s->t[k].ref;
			return Q_ERR_EXISTS;
		}
		/* B-9.2: distinct alphas with one fingerprint: keep both */
	}
	memcpy(s->t[k].fp, fp, ALPHASET_FP_LEN);
	s->t[k].ref = ref;
	s->n++;
	return Q_OK;
}

/* ---- alphasort: sorted runs in a temporary file, merged ---- */

#define RUN_READ (64u * 1024u / sizeof(alphasort_item))

typedef struct run {
	uint64_t off, n; /* first item, items */
	uint64_t next; /* items consumed */
	alphasort_item *buf;
	size_t pos, len; /* in buf */
} run;

struct alphasort {
	alphasort_item *buf;
	alphasort_item *tmp; /* the radix sort's scratch (cap items), made at the first sort */
	size_t cap, len; /* items */
	int full;
	int fd; /* the temporary file, -1 until the first run */
	run *runs;
	size_t nruns;
	uint64_t count, written;
	int done;
	int iter; /* alphasort_next's merge: 1 in memory (buf), 2 over the runs */
	size_t ipos; /* iter 1: next item of buf */
};

static int cmp_item_full(const alphasort_item *a, const alphasort_item *b, int full)
{
	int r = memcmp(a->key, b->key, ALPHASORT_KEY_LEN);
	if (r == 0 && full)
		r = memcmp(a->tag, b->tag, ALPHASORT_KEY_LEN);
	if (r == 0)
		r = (a->ref > b->ref) - (a->ref < b->ref);
	if (r == 0 && !full)
		r = memcmp(a->tag, b->tag, ALPHASORT_KEY_LEN);
	return r;
}

static int cmp_part(const void *a, const void *b)
{
	return cmp_item_full(a, b, 0);
}

static int cmp_full(const void *a, const void *b)
{
	return cmp_item_full(a, b, 1);
}

static void insertion_sort(alphasort_item *a, size_t n, int full)
{
	for (size_t i = 1; i < n; i++) {
		alphasort_item x = a[i];
		size_t j = i;
		for (; j > 0 && cmp_item_full(&a[j - 1], &x, full) > 0; j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

/* Sort a[0..n) in the comparator's order (cmp_item_full), tmp n items of
 * scratch: key byte d of each item distributes it into one of 256
 * buckets (a counting pass, then a copy through tmp), each bucket sorted
 * on the next key byte the same way.  The keys are SHA-256 outputs, so
 * two such passes leave buckets of a few items, sorted by insertion with
 * the comparator; buckets whose keys share four bytes (not what SHA-256
 * gives) go to qsort.  Items equal under the comparator are equal byte
 * for byte, so the result is the one qsort gives (the runs and their
 * merge depend on nothing else). */
static void radix_sort(alphasort_item *a, alphasort_item *tmp, size_t n, size_t d, int full)
{
	size_t cnt[256], pos[256];
	if (n <= 32) {
		insertion_sort(a, n, full);
		return;
	}
	if (d >= 4) {
		qsort(a, n, sizeof *a, full ? cmp_full : cmp_part);
		return;
	}
	memset(cnt, 0, sizeof cnt);
	for (size_t i = 0; i < n; i++)
		cnt[a[i].key[d]]++;
	for (size_t b = 0, o = 0; b < 256; b++) {
		pos[b] = o;
		o += cnt[b];
	}
	for (size_t i = 0; i < n; i++)
		tmp[pos[a[i].key[d]]++] = a[i];
	memcpy(a, tmp, n * sizeof *a);
	for (size_t b = 0, o = 0; b < 256; o += cnt[b], b++)
		if (cnt[b] > 1)
			radix_sort(a + o, tmp, cnt[b], d + 1, full);
}

/* The buffer in the comparator's order (radix_sort, its scratch made
 * once for every run; qsort if it cannot be had). */
static void sort_buf(alphasort *s)
{
	if (s->len > 32 && s->tmp == NULL)
		s->tmp = malloc(s->cap * sizeof *s->tmp);
	if (s->len <= 32 || s->tmp == NULL) {
		qsort(s->buf, s->len, sizeof *s->buf, s->full ? cmp_full : cmp_part);
		return;
	}
	radix_sort(s->buf, s->tmp, s->len, 0, s->full);
}

static int same_key(const alphasort *s, const alphasort_item *a, const alphasort_item *b)
{
	return memcmp(a->key, b->key, ALPHASORT_KEY_LEN) == 0 &&
	       (!s->full || memcmp(a->tag, b->tag, ALPHASORT_KEY_LEN) == 0);
}

alphasort *alphasort_new(size_t mem, int full)
{
	alphasort *s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	if (mem == 0)
		mem = 16u * 1024u * 1024u;
	if (mem < 4096)
		mem = 4096;
	s->cap = mem / sizeof(alphasort_item);
	s->full = full;
	s->fd = -1;
	if ((s->buf = malloc(s->cap * sizeof *s->buf)) == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

void alphasort_free(alphasort *s)
{
	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	for (size_t i = 0; i < s->nruns; i++)
		free(s->runs[i].buf);
	free(s->runs);
	free(s->tmp);
	free(s->buf);
	free(s);
}

void alphasort_fingerprint(uint8_t key[ALPHASORT_KEY_LEN], const uint8_t alpha[ALPHASET_ALPHA_LEN])
{
	fingerprint(key, alpha);
}

uint64_t alphasort_count(const alphasort *s)
{
	return s == NULL ? 0 : s->count;
}

size_t alphasort_runs(const alphasort *s)
{
	return s == NULL ? 0 : s->nruns;
}

/* An unlinked temporary file in $TMPDIR (else /tmp). */
static int temp_fd(void)
{
	const char *d = getenv("TMPDIR");
	char path[4096];
	int fd;
	if (d == NULL || d[0] == '\0')
		d = "/tmp";
	if (snprintf(path, sizeof path, "%s/quorum-alphas-XXXXXX", d) >= (int)sizeof path)
		return -1;
	if ((fd = mkstemp(path)) < 0)
		return -1;
	(void)unlink(path);
	return fd;
}

static qerr write_all(int fd, const void *p, size_t len, uint64_t off)
{
	const uint8_t *b = p;
	while (len > 0) {
		ssize_t w = pwrite(fd, b, len, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return Q_ERR_IO;
		b += w;
		len -= (size_t)w;
		off += (uint64_t)w;
	}
	return Q_OK;
}

/* Sort the buffer and write it as a run. */
static qerr spill(alphasort *s)
{
	run *nr;
	qerr e;
	if (s->len == 0)
		return Q_OK;
	if (s->fd < 0 && (s->fd = temp_fd()) < 0)
		return Q_ERR_IO;
	if ((nr = realloc(s->runs, (s->nruns + 1) * sizeof *nr)) == NULL)
		return Q_ERR_NOMEM;
	s->runs = nr;
	sort_buf(s);
	if ((e = write_all(s->fd, s->buf, s->len * sizeof *s->buf, s->written * sizeof *s->buf)) !=
	    Q_OK)
		return e;
	memset(&s->runs[s->nruns], 0, sizeof *s->runs);
	s->runs[s->nruns].off = s->written;
	s->runs[s->nruns].n = s->len;
	s->nruns++;
	s->written += s->len;
	s->len = 0;
	return Q_OK;
}

qerr alphasort_add(alphasort *s, const uint8_t key[ALPHASORT_KEY_LEN],
                   const uint8_t tag[ALPHASORT_KEY_LEN], uint64_t ref)
{
	qerr e;
	if (s == NULL || key == NULL || tag == NULL)
		return Q_ERR_ARG;
	if (s->done)
		return Q_ERR_STATE;
	if (s->len == s->cap && (e = spill(s)) != Q_OK)
		return e;
	alphasort_item *it = &s->buf[s->len++];
	memcpy(it->key, key, ALPHASORT_KEY_LEN);
	memcpy(it->tag, tag, ALPHASORT_KEY_LEN);
	it->ref = ref;
	s->count++;
	return Q_OK;
}

/* The run's current item, reading the next 64 KiB when needed; NULL at
 * its end (or on a read error: *e set). */
static const alphasort_item *run_head(const alphasort *s, run *r, qerr *e)
{
	if (r->pos < r->len)
		return &r->buf[r->pos];
	if (r->next == r->n)
		return NULL;
	size_t want = r->n - r->next < RUN_READ ? (size_t)(r->n - r->next) : RUN_READ;
	size_t bytes = want * sizeof *r->buf, got = 0;
	uint8_t *p = (uint8_t *)r->buf;
	while (got < bytes) {
		ssize_t n = pread(s->fd, p + got, bytes - got,
		                  (off_t)((r->off + r->next) * sizeof *r->buf + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*e = Q_ERR_IO;
			return NULL;
		}
		got += (size_t)n;
	}
	r->next += want;
	r->pos = 0;
	r->len = want;
	return &r->buf[0];
}

/* Run a's head before run b's (both runs hold one). */
static int head_less(const alphasort *s, size_t a, size_t b)
{
	const run *ra = &s->runs[a], *rb = &s->runs[b];
	int c = cmp_item_full(&ra->buf[ra->pos], &rb->buf[rb->pos], s->full);
	return c < 0 || (c == 0 && a < b);
}

qerr alphasort_dups(alphasort *s, alphasort_dup_fn fn, void *ctx, uint64_t *ndup)
{
	alphasort_item first;
	int have_first = 0;
	uint64_t nd = 0;
	size_t *heap = NULL, hn = 0;
	qerr e = Q_OK;
	if (ndup != NULL)
		*ndup = 0;
	if (s == NULL)
		return Q_ERR_ARG;
	if (s->done)
		return Q_ERR_STATE;
	s->done = 1;
	if (s->nruns == 0) {
		/* everything fits in memory: one sort, one scan */
		sort_buf(s);
		for (size_t i = 0; i < s->len; i++) {
			if (have_first && same_key(s, &first, &s->buf[i])) {
				nd++;
				if (fn != NULL)
					fn(ctx, &first, &s->buf[i]);
				continue;
			}
			first = s->buf[i];
			have_first = 1;
		}
		goto out;
	}
	if ((e = spill(s)) != Q_OK)
		return e;
	free(s->buf); /* the runs' read buffers take its place */
	s->buf = NULL;
	free(s->tmp);
	s->tmp = NULL;
	for (size_t i = 0; i < s->nruns; i++)
		if ((s->runs[i].buf = malloc(RUN_READ * sizeof(alphasort_item))) == NULL)
			return Q_ERR_NOMEM;
	/* the runs' heads in a binary heap (the smallest first; equal heads:
	 * the lower run first, as a scan of the runs in order would take
	 * them): log2(runs) comparisons an item instead of one a run */
	if ((heap = malloc(s->nruns * sizeof *heap)) == NULL)
		return Q_ERR_NOMEM;
	for (size_t i = 0; i < s->nruns; i++) {
		const alphasort_item *h = run_head(s, &s->runs[i], &e);
		if (e != Q_OK)
			goto out;
		if (h != NULL) {
			size_t k = hn++;
			heap[k] = i; /* sift up */
			while (k > 0 && head_less(s, heap[k], heap[(k - 1) / 2])) {
				size_t t = heap[k];
				heap[k] = heap[(k - 1) / 2];
				heap[(k - 1) / 2] = t;
				k = (k - 1) / 2;
			}
		}
	}
	while (hn > 0) {
		size_t bi = heap[0];
		const alphasort_item *best = &s->runs[bi].buf[s->runs[bi].pos];
		if (have_first && same_key(s, &first, best)) {
			nd++;
			if (fn != NULL)
				fn(ctx, &first, best);
		} else {
			first = *best;
			have_first = 1;
		}
		s->runs[bi].pos++;
		if (run_head(s, &s->runs[bi], &e) == NULL) {
			if (e != Q_OK)
				goto out;
			heap[0] = heap[--hn];
		}
		for (size_t k = 0;;) { /* sift down */
			size_t l = 2 * k + 1, m = k;
			if (l < hn && head_less(s, heap[l], heap[m]))
				m = l;
			if (l + 1 < hn && head_less(s, heap[l + 1], heap[m]))
				m = l + 1;
			if (m == k)
				break;
			size_t t = heap[k];
			heap[k] = heap[m];
			heap[m] = t;
			k = m;
		}
	}
out:
	free(heap);
	if (ndup != NULL)
		*ndup = nd;
	return e;
}

qerr alphasort_next(alphasort *s, alphasort_item *out, int *end)
{
	qerr e = Q_OK;
	*end = 0;
	if (s == NULL || out == NULL)
		return Q_ERR_ARG;
	if (!s->iter) {
		if (s->done)
			return Q_ERR_STATE;
		s->done = 1;
		if (s->nruns == 0) {
			sort_buf(s);
			s->iter = 1;
		} else {
			if ((e = spill(s)) != Q_OK)
				return e;
			free(s->buf); /* the runs' read buffers take its place */
			s->buf = NULL;
			free(s->tmp);
			s->tmp = NULL;
			for (size_t i = 0; i < s->nruns; i++)
				if ((s->runs[i].buf = malloc(RUN_READ * sizeof(alphasort_item))) ==
				    NULL)
					return Q_ERR_NOMEM;
			s->iter = 2;
		}
	}
	if (s->iter == 1) {
		if (s->ipos == s->len) {
			*end = 1;
			return Q_OK;
		}
		*out = s->buf[s->ipos++];
		return Q_OK;
	}
	const alphasort_item *best = NULL;
	size_t bi = 0;
	for (size_t i = 0; i < s->nruns; i++) {
		const alphasort_item *h = run_head(s, &s->runs[i], &e);
		if (e != Q_OK)
			return e;
		if (h != NULL && (best == NULL || cmp_item_full(h, best, s->full) < 0)) {
			best = h;
			bi = i;
		}
	}
	if (best == NULL) {
		*end = 1;
		return Q_OK;
	}
	*out = *best;
	s->runs[bi].pos++;
	return Q_OK;
}

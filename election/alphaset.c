/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * alphaset.c -- fingerprints of ciphertext alphas in an open-addressing
 * table (docs/spec/ballot.md B-9).
 */
#include "alphaset.h"

#include <stdlib.h>
#include <string.h>

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

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * verify_sample.c -- which ballots check 10 re-checks with libgcrypt:
 * a sample drawn without replacement from a seed (docs/spec/verify.md
 * V-12.1).  The seed is drawn from the CSPRNG after the record is fixed
 * (or given with --seed to reproduce a run), so that whoever made the
 * record cannot know which ballots will be re-checked.
 *
 * Everything here is public and deterministic given the seed; the stream
 * is hashed with libgcrypt (crypto/xcheck.h), as the rest of check 10.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/xcheck.h"
#include "verify_election.h"

#include "banned.h"

/* The seed's stream: block k = SHA-256 of the C-2.1 transcript of
 * (VE_TAG_SAMPLE, seed, u64(k)), read 8 bytes at a time, big-endian. */
typedef struct stream {
	uint8_t seed[VE_SEED_LEN];
	uint64_t k; /* next block */
	uint8_t block[32];
	size_t used; /* bytes of block consumed (32: none left) */
} stream;

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint64_t next_u64(stream *s)
{
	if (s->used == sizeof s->block) {
		const size_t tl = sizeof VE_TAG_SAMPLE - 1;
		uint8_t t[4 + sizeof VE_TAG_SAMPLE - 1 + 4 + VE_SEED_LEN + 4 + 8], *p = t;
		put32(p, (uint32_t)tl);
		memcpy(p + 4, VE_TAG_SAMPLE, tl);
		p += 4 + tl;
		put32(p, VE_SEED_LEN);
		memcpy(p + 4, s->seed, VE_SEED_LEN);
		p += 4 + VE_SEED_LEN;
		put32(p, 8);
		for (int i = 0; i < 8; i++)
			p[4 + i] = (uint8_t)(s->k >> (56 - 8 * i));
		xcheck_sha256(s->block, t, sizeof t);
		s->k++;
		s->used = 0;
	}
	uint64_t x = 0;
	for (int i = 0; i < 8; i++)
		x = (x << 8) | s->block[s->used + (size_t)i];
	s->used += 8;
	return x;
}

/* Uniform in [0, m), m >= 1: reject x >= 2^64 - (2^64 mod m). */
static uint64_t uniform(stream *s, uint64_t m)
{
	uint64_t rem = (0 - m) % m; /* 2^64 mod m */
	for (;;) {
		uint64_t x = next_u64(s);
		if (rem == 0 || x < 0 - rem)
			return x % m;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

qerr ve_sample_draw(const uint8_t seed[VE_SEED_LEN], uint64_t n, uint64_t want, uint64_t *out)
{
	stream s;
	uint64_t *set = NULL; /* open addressing, value + 1; 0 = free */
	size_t cap = 16, got = 0;
	if (want > n)
		want = n;
	if (want == 0)
		return Q_OK;
	while (cap < 2 * want)
		cap *= 2;
	if ((set = calloc(cap, sizeof *set)) == NULL)
		return Q_ERR_NOMEM;
	memcpy(s.seed, seed, VE_SEED_LEN);
	s.k = 0;
	s.used = sizeof s.block;
	/* Floyd: for j = n - want .. n - 1, t = uniform(j + 1); take t, or j
	 * if t was taken already */
	for (uint64_t j = n - want; j < n; j++) {
		uint64_t t = uniform(&s, j + 1), v = t;
		size_t h = (size_t)((t * 0x9e3779b97f4a7c15u) >> 7) & (cap - 1);
		for (; set[h] != 0; h = (h + 1) & (cap - 1))
			if (set[h] == t + 1) {
				v = j; /* j itself is not in the set: it exceeds every earlier draw
				        */
				break;
			}
		if (v == j && set[h] != 0) {
			h = (size_t)((j * 0x9e3779b97f4a7c15u) >> 7) & (cap - 1);
			while (set[h] != 0)
				h = (h + 1) & (cap - 1);
		}
		set[h] = v + 1;
		out[got++] = v;
	}
	free(set);
	qsort(out, got, sizeof *out, cmp_u64);
	return Q_OK;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* election/alphaset: the record-wide set of ciphertext alphas
 * (docs/spec/ballot.md B-9): duplicates found with their first place,
 * growth, fingerprint collisions kept apart by the full-bytes callback. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "election/alphaset.h"

static void alpha_of(uint8_t a[ALPHASET_ALPHA_LEN], uint64_t i)
{
	memset(a, 0, ALPHASET_ALPHA_LEN);
	a[0] = 0x04;
	for (int k = 0; k < 8; k++)
		a[1 + k] = (uint8_t)(i >> (8 * k));
}

Test(alphaset, duplicates_named_by_first_place)
{
	alphaset *s = alphaset_new(0);
	uint8_t a[ALPHASET_ALPHA_LEN];
	uint64_t prev = 0;
	cr_assert_not_null(s);
	/* 5,000 distinct alphas: the table grows from 16 slots */
	for (uint64_t i = 0; i < 5000; i++) {
		alpha_of(a, i);
		cr_assert_eq(alphaset_add(s, a, 1000 + i, NULL, NULL, &prev), Q_OK, "alpha %llu",
		             (unsigned long long)i);
	}
	cr_assert_eq(alphaset_count(s), 5000);
	/* each again, at another place: the first place is named */
	for (uint64_t i = 0; i < 5000; i += 7) {
		alpha_of(a, i);
		cr_assert_eq(alphaset_add(s, a, 99999, NULL, NULL, &prev), Q_ERR_EXISTS);
		cr_assert_eq(prev, 1000 + i);
	}
	cr_assert_eq(alphaset_count(s), 5000);
	/* one byte anywhere makes another alpha */
	alpha_of(a, 3);
	a[64] ^= 1;
	cr_assert_eq(alphaset_add(s, a, 7, NULL, NULL, &prev), Q_OK);
	cr_assert_eq(alphaset_add(s, a, UINT64_MAX, NULL, NULL, &prev), Q_ERR_ARG);
	alphaset_free(s);
	alphaset_free(NULL);
}

/* A callback that says "different bytes" plays a fingerprint collision of
 * distinct alphas: both are kept, nothing is reported (B-9.2). */
static int never_same(void *ctx, uint64_t earlier, const uint8_t alpha[ALPHASET_ALPHA_LEN])
{
	(void)alpha;
	(*(int *)ctx)++;
	return earlier == 42; /* ... except the one at place 42 */
}

Test(alphaset, fingerprint_match_confirmed_by_full_bytes)
{
	alphaset *s = alphaset_new(4);
	uint8_t a[ALPHASET_ALPHA_LEN];
	uint64_t prev = 0;
	int calls = 0;
	alpha_of(a, 77);
	cr_assert_eq(alphaset_add(s, a, 1, never_same, &calls, &prev), Q_OK);
	cr_assert_eq(alphaset_add(s, a, 2, never_same, &calls, &prev), Q_OK);
	cr_assert_eq(calls, 1);
	cr_assert_eq(alphaset_count(s), 2);
	alpha_of(a, 78);
	cr_assert_eq(alphaset_add(s, a, 42, never_same, &calls, &prev), Q_OK);
	cr_assert_eq(alphaset_add(s, a, 43, never_same, &calls, &prev), Q_ERR_EXISTS);
	cr_assert_eq(prev, 42);
	alphaset_free(s);
}

/* ---- alphasort: the same rule in bounded memory (sorted runs on disk) ---- */

typedef struct seen {
	uint64_t first[64], later[64];
	size_t n;
} seen;

static void note_dup(void *ctx, const alphasort_item *first, const alphasort_item *later)
{
	seen *s = ctx;
	cr_assert_lt(s->n, 64);
	s->first[s->n] = first->ref;
	s->later[s->n++] = later->ref;
}

static int has_pair(const seen *s, uint64_t first, uint64_t later)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->first[i] == first && s->later[i] == later)
			return 1;
	return 0;
}

/* 20,000 alphas through a 4 KiB buffer (~200 runs on disk): exactly the
 * three repeated ones are reported, each beside its first place. */
static void runs_case(size_t mem, size_t want_runs_min)
{
	alphasort *s = alphasort_new(mem, 0);
	uint8_t a[ALPHASET_ALPHA_LEN], fp[ALPHASORT_KEY_LEN], tag[ALPHASORT_KEY_LEN] = {0};
	seen got = {{0}, {0}, 0};
	uint64_t nd = 99;
	cr_assert_not_null(s);
	for (uint64_t i = 0; i < 20000; i++) {
		alpha_of(a, i);
		alphasort_fingerprint(fp, a);
		cr_assert_eq(alphasort_add(s, fp, tag, 100 + i), Q_OK);
	}
	/* alpha 7 twice more, alpha 19999 once more (late: another run) */
	static const uint64_t again[][2] = {{7, 50000}, {7, 50001}, {19999, 60000}};
	for (size_t k = 0; k < 3; k++) {
		alpha_of(a, again[k][0]);
		alphasort_fingerprint(fp, a);
		cr_assert_eq(alphasort_add(s, fp, tag, again[k][1]), Q_OK);
	}
	cr_assert_eq(alphasort_count(s), 20003);
	cr_assert_geq(alphasort_runs(s), want_runs_min);
	cr_assert_eq(alphasort_dups(s, note_dup, &got, &nd), Q_OK);
	cr_assert_eq(nd, 3);
	cr_assert_eq(got.n, 3);
	cr_assert(has_pair(&got, 107, 50000));
	cr_assert(has_pair(&got, 107, 50001));
	cr_assert(has_pair(&got, 20099, 60000));
	/* once only */
	cr_assert_eq(alphasort_dups(s, note_dup, &got, NULL), Q_ERR_STATE);
	cr_assert_eq(alphasort_add(s, fp, tag, 1), Q_ERR_STATE);
	alphasort_free(s);
}

Test(alphasort, duplicates_across_runs_on_disk)
{
	runs_case(4096, 100);
}

Test(alphasort, duplicates_in_memory)
{
	runs_case(0, 0);
}

/* full = 1: key and tag together (a 32-byte tracking code); the same key
 * with another tag is not a repeat, between others of that key too. */
Test(alphasort, full_key_compares_the_tag)
{
	alphasort *s = alphasort_new(4096, 1);
	uint8_t key[ALPHASORT_KEY_LEN] = {1}, t1[ALPHASORT_KEY_LEN] = {1},
	        t2[ALPHASORT_KEY_LEN] = {2};
	seen got = {{0}, {0}, 0};
	cr_assert_not_null(s);
	cr_assert_eq(alphasort_add(s, key, t2, 1), Q_OK);
	cr_assert_eq(alphasort_add(s, key, t1, 2), Q_OK);
	cr_assert_eq(alphasort_add(s, key, t2, 3), Q_OK);
	for (uint64_t i = 0; i < 500; i++) {
		uint8_t k2[ALPHASORT_KEY_LEN] = {0};
		memcpy(k2 + 8, &i, sizeof i);
		cr_assert_eq(alphasort_add(s, k2, t1, 10 + i), Q_OK);
	}
	cr_assert_eq(alphasort_dups(s, note_dup, &got, NULL), Q_OK);
	cr_assert_eq(got.n, 1);
	cr_assert(has_pair(&got, 1, 3));
	alphasort_free(s);
}

/* alphasort_next: every item once, in (key, tag, ref) order, from memory
 * and from ~100 runs on disk; then the end, and no second pass. */
static void next_case(size_t mem, size_t want_runs_min)
{
	alphasort *s = alphasort_new(mem, 1);
	uint8_t key[ALPHASORT_KEY_LEN] = {0}, tag[ALPHASORT_KEY_LEN] = {0};
	alphasort_item it, prev;
	uint64_t n = 0;
	int end = 0;
	cr_assert_not_null(s);
	for (uint64_t i = 0; i < 10000; i++) {
		/* keys in a scrambled order, each twice with two tags/refs */
		uint64_t k = (i * 7919u) % 5000u;
		key[0] = (uint8_t)(k >> 8);
		key[1] = (uint8_t)k;
		tag[15] = (uint8_t)(i & 1);
		cr_assert_eq(alphasort_add(s, key, tag, 10000 - i), Q_OK);
	}
	cr_assert_geq(alphasort_runs(s), want_runs_min);
	for (;;) {
		cr_assert_eq(alphasort_next(s, &it, &end), Q_OK);
		if (end)
			break;
		if (n > 0) {
			int r = memcmp(prev.key, it.key, ALPHASORT_KEY_LEN);
			if (r == 0)
				r = memcmp(prev.tag, it.tag, ALPHASORT_KEY_LEN);
			if (r == 0)
				r = prev.ref < it.ref ? -1 : 1;
			cr_assert_lt(r, 0, "item %llu out of order", (unsigned long long)n);
		}
		prev = it;
		n++;
	}
	cr_assert_eq(n, 10000);
	cr_assert_eq(alphasort_next(s, &it, &end), Q_OK);
	cr_assert_eq(end, 1);
	cr_assert_eq(alphasort_dups(s, NULL, NULL, NULL), Q_ERR_STATE);
	cr_assert_eq(alphasort_add(s, key, tag, 1), Q_ERR_STATE);
	alphasort_free(s);
}

Test(alphasort, next_in_order_from_runs_on_disk)
{
	next_case(4096, 50);
}

Test(alphasort, next_in_order_in_memory)
{
	next_case(0, 0);
}

/* Every (first, later) pair, in the order reported. */
typedef struct pairs {
	uint64_t *first, *later;
	size_t n, cap;
} pairs;

static void note_pair(void *ctx, const alphasort_item *first, const alphasort_item *later)
{
	pairs *p = ctx;
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 1024;
		p->first = realloc(p->first, p->cap * sizeof *p->first);
		p->later = realloc(p->later, p->cap * sizeof *p->later);
		cr_assert(p->first != NULL && p->later != NULL);
	}
	p->first[p->n] = first->ref;
	p->later[p->n++] = later->ref;
}

/* The merge of many runs on disk (a heap of their heads) reports the same
 * pairs in the same order as one sort in memory: 30,000 items over 300
 * keys (many repeats in every run), refs out of order, for both kinds. */
Test(alphasort, merge_of_runs_is_the_sort_in_memory)
{
	for (int full = 0; full < 2; full++) {
		alphasort *disk = alphasort_new(4096, full), *mem = alphasort_new(0, full);
		pairs pd = {NULL, NULL, 0, 0}, pm = {NULL, NULL, 0, 0};
		uint64_t x = 12345;
		cr_assert(disk != NULL && mem != NULL);
		for (uint64_t i = 0; i < 30000; i++) {
			uint8_t key[ALPHASORT_KEY_LEN] = {0}, tag[ALPHASORT_KEY_LEN] = {0};
			x = x * 6364136223846793005u + 1442695040888963407u;
			key[0] = (uint8_t)((x >> 33) % 150);
			tag[0] = (uint8_t)((x >> 45) % 2);
			uint64_t ref = (x >> 20) % 1000000;
			cr_assert_eq(alphasort_add(disk, key, tag, ref), Q_OK);
			cr_assert_eq(alphasort_add(mem, key, tag, ref), Q_OK);
		}
		cr_assert_geq(alphasort_runs(disk), 200);
		cr_assert_eq(alphasort_runs(mem), 0);
		cr_assert_eq(alphasort_dups(disk, note_pair, &pd, NULL), Q_OK);
		cr_assert_eq(alphasort_dups(mem, note_pair, &pm, NULL), Q_OK);
		cr_assert_gt(pm.n, 29000);
		cr_assert_eq(pd.n, pm.n);
		for (size_t i = 0; i < pm.n; i++)
			cr_assert(pd.first[i] == pm.first[i] && pd.later[i] == pm.later[i],
			          "pair %zu differs (full %d)", i, full);
		free(pd.first);
		free(pd.later);
		free(pm.first);
		free(pm.later);
		alphasort_free(disk);
		alphasort_free(mem);
	}
}

/* The order each run is sorted in (a radix sort on the comparator's bytes,
 * qsort where keys share more than four bytes): key, then tag (full) or
 * ref, then the other, refs as numbers.  20,000 items in memory, drawn to
 * reach every path: random keys; keys that share six bytes (the qsort
 * fallback); keys repeated with tags and refs that differ in one high or
 * low byte; items repeated whole. */
static int ref_cmp(const alphasort_item *a, const alphasort_item *b, int full)
{
	int r = memcmp(a->key, b->key, ALPHASORT_KEY_LEN);
	if (r == 0 && full)
		r = memcmp(a->tag, b->tag, ALPHASORT_KEY_LEN);
	if (r == 0 && a->ref != b->ref)
		r = a->ref < b->ref ? -1 : 1;
	if (r == 0 && !full)
		r = memcmp(a->tag, b->tag, ALPHASORT_KEY_LEN);
	return r;
}

Test(alphasort, sort_is_the_comparators_order)
{
	for (int full = 0; full < 2; full++) {
		alphasort *s = alphasort_new(0, full);
		alphasort_item it, prev;
		uint64_t x = 99, n = 0;
		int end = 0;
		cr_assert_not_null(s);
		for (uint64_t i = 0; i < 20000; i++) {
			uint8_t key[ALPHASORT_KEY_LEN], tag[ALPHASORT_KEY_LEN] = {0};
			uint64_t ref;
			x = x * 6364136223846793005u + 1442695040888963407u;
			for (int b = 0; b < ALPHASORT_KEY_LEN; b++)
				key[b] = (uint8_t)(x >> (8 * (b % 8)));
			switch (i % 4) {
			case 0: /* random */
				ref = x >> 7;
				break;
			case 1: /* six bytes shared */
				memset(key, 0xa5, 6);
				ref = i;
				break;
			default: /* one key, tags and refs one byte apart */
				memset(key, 0x11, ALPHASORT_KEY_LEN);
				tag[(x >> 40) % 2 ? 0 : 15] = (uint8_t)(x >> 48);
				ref =
				    (x >> 52) % 2 ? (uint64_t)((x >> 56) & 3) << 56 : (x >> 56) & 3;
				break;
			}
			cr_assert_eq(alphasort_add(s, key, tag, ref), Q_OK);
		}
		cr_assert_eq(alphasort_runs(s), 0);
		for (;;) {
			cr_assert_eq(alphasort_next(s, &it, &end), Q_OK);
			if (end)
				break;
			if (n > 0)
				cr_assert_leq(ref_cmp(&prev, &it, full), 0,
				              "item %llu out of order (full %d)",
				              (unsigned long long)n, full);
			prev = it;
			n++;
		}
		cr_assert_eq(n, 20000);
		alphasort_free(s);
	}
}

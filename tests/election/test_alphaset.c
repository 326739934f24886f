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

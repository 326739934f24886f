/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tally/count: tally_verify_aggregate verifies ballots in batches of 32
 * per thread (ballot_verify_batch_enc); a bad ballot anywhere is found,
 * the lowest bad index is the one named (a ballot that does not decode
 * and one whose proof fails, in the same batch or not), and the aggregate
 * of good ballots is right. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "election/ballot.h"
#include "tally/count.h"

#define NBAL 80
#define NOPT 3

static scalar *s;
static point *K;
static point_table *Kt;
static ballot_style *st, *other;
static uint8_t *enc[NBAL], *bad_enc[NBAL];
static size_t len[NBAL], bad_len[NBAL];

static const uint8_t marks[4][NOPT] = {{1, 0, 0}, {0, 1, 1}, {0, 0, 0}, {1, 0, 1}};

static ballot_style *style(uint8_t fill)
{
	uint8_t bh[32];
	memset(bh, fill, sizeof bh);
	ballot_style *y = ballot_style_new(1, bh);
	cr_assert_not_null(y);
	y->contests[0] = (ballot_contest_style){NOPT, 0, 2, 0, NULL, 0};
	cr_assert_eq(ballot_style_check(y, NULL, 0), Q_OK);
	return y;
}

static void init(void)
{
	s = scalar_new();
	K = point_new();
	cr_assert_eq(scalar_set_u64(s, 424242), Q_OK);
	cr_assert_eq(point_mul_base(K, s), Q_OK);
	Kt = point_table_new(K);
	cr_assert_not_null(Kt);
	st = style(7);
	other = style(8); /* another election: its proofs fail under st */
	for (size_t i = 0; i < NBAL; i++) {
		ballot *b = NULL;
		cr_assert_eq(ballot_encrypt(st, Kt, marks[i % 4], NOPT, &b, NULL), Q_OK);
		cr_assert_eq(ballot_encode(b, &enc[i], &len[i]), Q_OK);
		ballot_free(b);
		cr_assert_eq(ballot_encrypt(other, Kt, marks[i % 4], NOPT, &b, NULL), Q_OK);
		cr_assert_eq(ballot_encode(b, &bad_enc[i], &bad_len[i]), Q_OK);
		ballot_free(b);
	}
}

static void fini(void)
{
	for (size_t i = 0; i < NBAL; i++) {
		free(enc[i]);
		free(bad_enc[i]);
	}
	ballot_style_free(st);
	ballot_style_free(other);
	point_table_free(Kt);
	point_free(K);
	scalar_free(s);
}

TestSuite(tally_verify_batch, .init = init, .fini = fini);

static void items_good(tally_item *it)
{
	for (size_t i = 0; i < NBAL; i++)
		it[i] = (tally_item){enc[i], len[i]};
}

/* Run on two threads and expect failure at want (SIZE_MAX: success). */
static void run(const tally_item *it, size_t want, qerr want_e, const char *what)
{
	elgamal_ct **agg = NULL;
	size_t bad = 0;
	char why[200] = "";
	qerr e =
	    tally_verify_aggregate(st, K, Kt, it, NBAL, 2, NULL, NULL, &agg, &bad, why, sizeof why);
	if (want == SIZE_MAX) {
		cr_assert_eq(e, Q_OK, "%s: %s %s", what, qerr_str(e), why);
		cr_assert_not_null(agg);
		/* the aggregate decrypts to the counts */
		for (size_t o = 0; o < NOPT; o++) {
			uint64_t n = 0;
			point *m = point_new(), *want_p = point_new();
			scalar *c = scalar_new();
			for (size_t i = 0; i < NBAL; i++)
				n += marks[i % 4][o];
			cr_assert_eq(elgamal_decrypt_point(m, agg[o], s), Q_OK);
			cr_assert_eq(scalar_set_u64(c, n), Q_OK);
			cr_assert_eq(point_mul_base(want_p, c), Q_OK);
			cr_assert(point_eq(m, want_p), "%s: option %zu", what, o);
			point_free(m);
			point_free(want_p);
			scalar_free(c);
			elgamal_ct_free(agg[o]);
		}
		free(agg);
	} else {
		cr_assert_eq(e, want_e, "%s: %s (%s)", what, qerr_str(e), why);
		cr_assert_eq(bad, want, "%s: named %zu (%s)", what, bad, why);
		cr_assert_null(agg);
		cr_assert(why[0] != '\0', "%s: says why", what);
	}
}

Test(tally_verify_batch, all_good_aggregate)
{
	tally_item it[NBAL];
	items_good(it);
	run(it, SIZE_MAX, Q_OK, "all good");
}

Test(tally_verify_batch, one_bad_proof_anywhere)
{
	tally_item it[NBAL];
	const size_t at[] = {0, 31, 32, 45, 63, 64, NBAL - 1};
	for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
		items_good(it);
		it[at[k]] = (tally_item){bad_enc[at[k]], bad_len[at[k]]};
		run(it, at[k], Q_ERR_PROOF, "bad proof");
	}
	/* the message is the one-ballot message */
	items_good(it);
	it[45] = (tally_item){bad_enc[45], bad_len[45]};
	elgamal_ct **agg = NULL;
	size_t bad;
	char why[200] = "";
	cr_assert_eq(
	    tally_verify_aggregate(st, K, Kt, it, NBAL, 1, NULL, NULL, &agg, &bad, why, sizeof why),
	    Q_ERR_PROOF);
	cr_assert(strstr(why, "contest 0 option 0: 0/1 proof fails") != NULL, "%s", why);
}

Test(tally_verify_batch, lowest_bad_index_wins)
{
	tally_item it[NBAL];
	/* a bad proof before a ballot that does not decode (same batch) */
	items_good(it);
	it[34] = (tally_item){bad_enc[34], bad_len[34]};
	it[36] = (tally_item){enc[36], len[36] - 1};
	run(it, 34, Q_ERR_PROOF, "proof 34, decode 36");
	/* a ballot that does not decode before a bad proof (same batch) */
	items_good(it);
	it[33] = (tally_item){enc[33], len[33] - 1};
	it[38] = (tally_item){bad_enc[38], bad_len[38]};
	run(it, 33, Q_ERR_ENCODING, "decode 33, proof 38");
	/* in different batches */
	items_good(it);
	it[40] = (tally_item){enc[40], len[40] - 1};
	it[45] = (tally_item){bad_enc[45], bad_len[45]};
	run(it, 40, Q_ERR_ENCODING, "decode 40, proof 45");
	items_good(it);
	it[5] = (tally_item){bad_enc[5], bad_len[5]};
	it[70] = (tally_item){enc[70], len[70] - 1};
	run(it, 5, Q_ERR_PROOF, "proof 5, decode 70");
	/* two bad proofs in one batch */
	items_good(it);
	it[50] = (tally_item){bad_enc[50], bad_len[50]};
	it[48] = (tally_item){bad_enc[48], bad_len[48]};
	run(it, 48, Q_ERR_PROOF, "proofs 48 and 50");
}

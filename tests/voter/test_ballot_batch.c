/* SPDX-License-Identifier: GPL-3.0-or-later */
/* election/ballot: the full proof encoding (B-2) and batch verification
 * (ballot_verify, ballot_verify_batch; C-4.3.10).  Every byte-level
 * forgery of a commitment or response of any proof of any ballot in a
 * batch must be refused, and the fallback must name that ballot. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/group.h"
#include "election/ballot.h"
#include "testutil.h"

static scalar *s;
static point *K;
static point_table *Kt;

static void init(void)
{
	s = scalar_new();
	K = point_new();
	cr_assert_eq(scalar_set_u64(s, 987654321), Q_OK);
	cr_assert_eq(point_mul_base(K, s), Q_OK);
	Kt = point_table_new(K);
	cr_assert_not_null(Kt);
}

static void fini(void)
{
	point_table_free(Kt);
	point_free(K);
	scalar_free(s);
}

TestSuite(ballot_batch, .init = init, .fini = fini);

#define NOPT 11

/* As in test_ballot.c: 2 options 0..1; 3 options 1..2; 6 options 0..2 in
 * two groups of three (0..1 each). */
static ballot_style *style(uint8_t fill)
{
	uint8_t bh[32];
	memset(bh, fill, sizeof bh);
	ballot_style *st = ballot_style_new(3, bh);
	cr_assert_not_null(st);
	st->contests[0] = (ballot_contest_style){2, 0, 1, 0, NULL, 0};
	st->contests[1] = (ballot_contest_style){3, 1, 2, 0, NULL, 0};
	st->contests[2] = (ballot_contest_style){6, 0, 2, 0, NULL, 0};
	const uint32_t g[6] = {0, 0, 0, 1, 1, 1};
	cr_assert_eq(ballot_style_set_groups(st, 2, 2, g), Q_OK);
	cr_assert_eq(ballot_style_check(st, NULL, 0), Q_OK);
	return st;
}

static const uint8_t marks[3][NOPT] = {
    {1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1},
    {0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0},
    {0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0},
};

static void make(const ballot_style *st, const uint8_t *m, uint8_t **enc, size_t *len)
{
	ballot *b = NULL;
	cr_assert_eq(ballot_encrypt(st, Kt, m, NOPT, &b, NULL), Q_OK);
	cr_assert_eq(ballot_encode(b, enc, len), Q_OK);
	ballot_free(b);
}

/* One proof in the B-2 encoding: where it starts, its branches, a label
 * as ballot_verify words it. */
typedef struct pos {
	size_t off, branches;
	char label[48];
} pos;

#define BRANCH_LEN (2 * POINT_LEN + 2 * SCALAR_LEN) /* a || b || c || v */

/* The proofs of a ballot of style() in encoding order (B-2). */
static size_t proof_positions(pos *out)
{
	const uint32_t nopt[3] = {2, 3, 6}, ngr[3] = {0, 0, 2}, span[3] = {1, 1, 2};
	size_t off = 4, n = 0;
	for (uint32_t c = 0; c < 3; c++) {
		off += 8;
		for (uint32_t j = 0; j < nopt[c]; j++) {
			off += ELGAMAL_CT_LEN;
			out[n].off = off;
			out[n].branches = 2;
			snprintf(out[n++].label, sizeof out[0].label, "contest %u option %u:", c,
			         j);
			off += 2 * BRANCH_LEN;
		}
		for (uint32_t g = 0; g < ngr[c]; g++) {
			out[n].off = off;
			out[n].branches = 2;
			snprintf(out[n++].label, sizeof out[0].label, "contest %u group %u:", c, g);
			off += 2 * BRANCH_LEN;
		}
		out[n].off = off;
		out[n].branches = span[c] + 1;
		snprintf(out[n++].label, sizeof out[0].label, "contest %u: proof of", c);
		off += (span[c] + 1) * BRANCH_LEN;
	}
	return n;
}

Test(ballot_batch, encoding_is_full)
{
	ballot_style *st = style(1);
	uint8_t *enc;
	size_t len;
	pos p[32];
	make(st, marks[0], &enc, &len);
	/* B-2: 4 + 3*8 + 11*(130 + 388) + 2*388 + (2+2+3)*194 */
	cr_assert_eq(len, 4 + 3 * 8 + 11 * (130 + 388) + 2 * 388 + 7 * 194);
	size_t n = proof_positions(p);
	cr_assert_eq(n, 16);
	/* every commitment is an uncompressed point where B-2 says */
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < p[i].branches; k++) {
			cr_assert_eq(enc[p[i].off + k * BRANCH_LEN], 0x04, "proof %zu", i);
			cr_assert_eq(enc[p[i].off + k * BRANCH_LEN + POINT_LEN], 0x04);
		}
	/* the compact length (no commitments) is refused */
	ballot *b = NULL;
	cr_assert_eq(ballot_decode(st, enc, len - 7 * 130, &b), Q_ERR_ENCODING);
	cr_assert_null(b);
	/* and the JSON form carries the same full proofs */
	cr_assert_eq(ballot_decode(st, enc, len, &b), Q_OK);
	json_t *j = ballot_to_json(b);
	cr_assert_not_null(j);
	const json_t *sel = json_array_get(
	    json_object_get(json_array_get(json_object_get(j, "contests"), 0), "selections"), 0);
	cr_assert_eq(strlen(json_string_value(json_object_get(sel, "proof"))), 2 * 388);
	json_decref(j);
	ballot_free(b);
	free(enc);
	ballot_style_free(st);
}

#define NB 3

/* Decode the NB encodings, verify them as one batch and check the result:
 * all good if bad == SIZE_MAX, else exactly ballot bad refused, named,
 * with label in its message.  A ballot that no longer decodes counts as
 * refused (returns 0); else returns 1. */
static int check_batch(const ballot_style *st, uint8_t *const *enc, const size_t *len, size_t bad,
                       const char *label, const char *what)
{
	ballot *b[NB] = {NULL};
	qerr res[NB];
	size_t first = 0;
	char why[300] = "";
	int decoded = 1;
	for (size_t i = 0; i < NB; i++) {
		qerr e = ballot_decode(st, enc[i], len[i], &b[i]);
		if (e != Q_OK) {
			cr_assert_eq(i, bad, "%s: good ballot %zu does not decode", what, i);
			decoded = 0;
		}
	}
	if (decoded) {
		/* the encodings' ciphertext bytes are hashed as given: same result */
		qerr r2[NB];
		size_t first2 = 0;
		qerr e2 = ballot_verify_batch_enc(st, K, Kt, (const ballot *const *)b,
		                                  (const uint8_t *const *)enc, len, NB, r2, &first2,
		                                  NULL, 0);
		qerr e = ballot_verify_batch(st, K, Kt, (const ballot *const *)b, NB, res, &first,
		                             why, sizeof why);
		cr_assert_eq(e2, e, "%s: with encodings %s", what, qerr_str(e2));
		cr_assert_eq(first2, first);
		cr_assert_eq(memcmp(r2, res, sizeof r2), 0);
		if (bad == SIZE_MAX) {
			cr_assert_eq(e, Q_OK, "%s: %s", what, why);
			cr_assert_eq(first, SIZE_MAX);
		} else {
			char pre[32];
			cr_assert_eq(e, Q_ERR_PROOF, "%s accepted (%s)", what, qerr_str(e));
			cr_assert_eq(first, bad, "%s: named ballot %zu", what, first);
			for (size_t i = 0; i < NB; i++)
				cr_assert_eq(res[i], i == bad ? Q_ERR_PROOF : Q_OK,
				             "%s: ballot %zu", what, i);
			snprintf(pre, sizeof pre, "ballot %zu: ", bad);
			cr_assert(strncmp(why, pre, strlen(pre)) == 0, "%s: %s", what, why);
			cr_assert(strstr(why, label) != NULL, "%s: %s (want %s)", what, why, label);
			/* the one-ballot check agrees */
			char w1[200];
			cr_assert_eq(ballot_verify(st, K, NULL, b[bad], w1, sizeof w1),
			             Q_ERR_PROOF);
			cr_assert(strstr(w1, label) != NULL, "%s: %s", what, w1);
		}
	}
	for (size_t i = 0; i < NB; i++)
		ballot_free(b[i]);
	return decoded;
}

/* Forge every field of every branch of every proof of ballot `which` of a
 * batch of NB: a flipped byte of each commitment a_j, b_j (usually no
 * longer a point: refused at decoding; else by the batch), the commitment
 * replaced by its negation (a valid point: the batch must refuse it), and
 * a flipped byte of each response c_j, v_j. */
static void forge_all(size_t which)
{
	ballot_style *st = style(1);
	uint8_t *enc[NB];
	size_t len[NB];
	pos p[32];
	size_t n = proof_positions(p), batched = 0, cases = 0;
	for (size_t i = 0; i < NB; i++)
		make(st, marks[i], &enc[i], &len[i]);
	check_batch(st, enc, len, SIZE_MAX, "", "untouched batch");
	uint8_t *e = enc[which];
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < p[i].branches; k++) {
			size_t br = p[i].off + k * BRANCH_LEN;
			char what[96];
			/* commitments a_j (field 0) and b_j (field 1) */
			for (size_t f = 0; f < 2; f++) {
				uint8_t *pt = e + br + f * POINT_LEN;
				size_t at = 1 + (i * 7 + k * 3 + f) % 64; /* a byte of X or Y */
				snprintf(what, sizeof what, "ballot %zu %s branch %zu %s byte %zu",
				         which, p[i].label, k, f ? "b" : "a", at);
				pt[at] ^= 0x10;
				batched +=
				    (size_t)check_batch(st, enc, len, which, p[i].label, what);
				pt[at] ^= 0x10;
				cases++;
				snprintf(what, sizeof what, "ballot %zu %s branch %zu %s negated",
				         which, p[i].label, k, f ? "b" : "a");
				uint8_t save[32];
				memcpy(save, pt + 33, 32);
				test_p256_neg_y(pt + 33);
				cr_assert_eq(check_batch(st, enc, len, which, p[i].label, what), 1,
				             "%s: must decode", what);
				memcpy(pt + 33, save, 32);
				batched++;
				cases++;
			}
			/* responses c_j (field 2) and v_j (field 3): the low byte */
			for (size_t f = 0; f < 2; f++) {
				uint8_t *sc = e + br + 2 * POINT_LEN + f * SCALAR_LEN;
				snprintf(what, sizeof what, "ballot %zu %s branch %zu %s", which,
				         p[i].label, k, f ? "v" : "c");
				sc[31] ^= 0x01;
				cr_assert_eq(check_batch(st, enc, len, which, p[i].label, what), 1,
				             "%s: must decode", what);
				sc[31] ^= 0x01;
				batched++;
				cases++;
			}
		}
	}
	cr_assert_eq(cases, 4 * (13 * 2 + 2 + 2 + 3) + 2 * (13 * 2 + 2 + 2 + 3));
	cr_assert_geq(batched, cases / 2);
	check_batch(st, enc, len, SIZE_MAX, "", "restored batch");
	for (size_t i = 0; i < NB; i++)
		free(enc[i]);
	ballot_style_free(st);
}

/* A contest whose ciphertexts add up to infinity (option 1's the negation
 * of option 0's): the contest sum has no encoding, so the batch's sums
 * made from the encodings (point_sums_enc) fall back to adding the decoded
 * ciphertexts for it; that ballot alone is refused and named (its first
 * proof: all of them bind the ciphertexts), with and without the
 * encodings, the others pass. */
Test(ballot_batch, contest_sum_at_infinity_refused_and_named)
{
	ballot_style *st = style(1);
	uint8_t *enc[NB];
	size_t len[NB];
	const size_t ct0 = 4 + 8, ct1 = ct0 + ELGAMAL_CT_LEN + 2 * BRANCH_LEN;
	for (size_t i = 0; i < NB; i++)
		make(st, marks[i], &enc[i], &len[i]);
	for (size_t k = 0; k < 2; k++) { /* alpha, beta: (X, p - Y) */
		memcpy(enc[1] + ct1 + k * POINT_LEN, enc[1] + ct0 + k * POINT_LEN, POINT_LEN);
		test_p256_neg_y(enc[1] + ct1 + k * POINT_LEN + 33);
	}
	/* every proof binds the ciphertexts (B-3.4): the first is named */
	cr_assert_eq(
	    check_batch(st, enc, len, 1, "contest 0 option 0: 0/1 proof fails", "sum at infinity"),
	    1);
	for (size_t i = 0; i < NB; i++)
		free(enc[i]);
	ballot_style_free(st);
}

Test(ballot_batch, forged_field_first_ballot)
{
	forge_all(0);
}

Test(ballot_batch, forged_field_middle_ballot)
{
	forge_all(1);
}

Test(ballot_batch, forged_field_last_ballot)
{
	forge_all(2);
}

#define NMANY 51

/* 51 ballots; bad[] names which are replaced by a ballot proved for
 * another election (well formed, every proof invalid here). */
static void many(ballot **b, ballot **other, const ballot_style *st, const ballot_style *st2)
{
	for (size_t i = 0; i < NMANY; i++) {
		cr_assert_eq(ballot_encrypt(st, Kt, marks[i % 3], NOPT, &b[i], NULL), Q_OK);
		cr_assert_eq(ballot_encrypt(st2, Kt, marks[i % 3], NOPT, &other[i], NULL), Q_OK);
	}
}

Test(ballot_batch, one_bad_among_fifty)
{
	ballot_style *st = style(1), *st2 = style(2);
	ballot *b[NMANY], *other[NMANY], *mix[NMANY];
	qerr res[NMANY];
	size_t first;
	char why[300];
	many(b, other, st, st2);
	memcpy(mix, b, sizeof mix);
	/* all good, with and without the table of K */
	cr_assert_eq(ballot_verify_batch(st, K, Kt, (const ballot *const *)mix, NMANY, res, &first,
	                                 why, sizeof why),
	             Q_OK, "%s", why);
	cr_assert_eq(first, SIZE_MAX);
	for (size_t i = 0; i < NMANY; i++)
		cr_assert_eq(res[i], Q_OK);
	cr_assert_eq(ballot_verify_batch(st, K, NULL, (const ballot *const *)mix, NMANY, NULL, NULL,
	                                 NULL, 0),
	             Q_OK);
	/* one bad at 37 */
	mix[37] = other[37];
	cr_assert_eq(ballot_verify_batch(st, K, Kt, (const ballot *const *)mix, NMANY, res, &first,
	                                 why, sizeof why),
	             Q_ERR_PROOF);
	cr_assert_eq(first, 37);
	cr_assert(strncmp(why, "ballot 37: contest 0 option 0", 29) == 0, "%s", why);
	for (size_t i = 0; i < NMANY; i++)
		cr_assert_eq(res[i], i == 37 ? Q_ERR_PROOF : Q_OK, "ballot %zu", i);
	cr_assert_eq(ballot_verify_batch(st, K, NULL, (const ballot *const *)mix, NMANY, NULL,
	                                 &first, NULL, 0),
	             Q_ERR_PROOF);
	cr_assert_eq(first, 37);
	/* two bad: the lowest is named, both are marked */
	mix[4] = other[4];
	cr_assert_eq(ballot_verify_batch(st, K, Kt, (const ballot *const *)mix, NMANY, res, &first,
	                                 why, sizeof why),
	             Q_ERR_PROOF);
	cr_assert_eq(first, 4);
	for (size_t i = 0; i < NMANY; i++)
		cr_assert_eq(res[i], (i == 4 || i == 37) ? Q_ERR_PROOF : Q_OK, "ballot %zu", i);
	/* a valid ballot whose one selection ciphertext was swapped with
	 * another valid ballot's: its identity (B-3.0) changes, so every
	 * proof of both breaks and the first in B-2 order is named */
	mix[4] = b[4];
	mix[37] = b[37];
	elgamal_ct *t = b[20]->contests[1].sel[2].ct;
	b[20]->contests[1].sel[2].ct = b[21]->contests[1].sel[2].ct;
	b[21]->contests[1].sel[2].ct = t;
	cr_assert_eq(ballot_verify_batch(st, K, Kt, (const ballot *const *)mix, NMANY, res, &first,
	                                 why, sizeof why),
	             Q_ERR_PROOF);
	cr_assert_eq(first, 20);
	cr_assert(strstr(why, "ballot 20: contest 0 option 0") != NULL, "%s", why);
	cr_assert_eq(res[21], Q_ERR_PROOF);
	b[21]->contests[1].sel[2].ct = b[20]->contests[1].sel[2].ct;
	b[20]->contests[1].sel[2].ct = t;
	/* the last one bad; the first one bad */
	mix[NMANY - 1] = other[NMANY - 1];
	cr_assert_eq(ballot_verify_batch(st, K, Kt, (const ballot *const *)mix, NMANY, NULL, &first,
	                                 NULL, 0),
	             Q_ERR_PROOF);
	cr_assert_eq(first, NMANY - 1);
	mix[NMANY - 1] = b[NMANY - 1];
	mix[0] = other[0];
	cr_assert_eq(ballot_verify_batch(st, K, Kt, (const ballot *const *)mix, NMANY, NULL, &first,
	                                 NULL, 0),
	             Q_ERR_PROOF);
	cr_assert_eq(first, 0);
	mix[0] = b[0];
	cr_assert_eq(
	    ballot_verify_batch(st, K, Kt, (const ballot *const *)mix, NMANY, NULL, NULL, NULL, 0),
	    Q_OK);
	/* under another key, every ballot is refused */
	point *K2 = point_new();
	cr_assert_eq(point_generator(K2), Q_OK);
	cr_assert_eq(ballot_verify_batch(st, K2, NULL, (const ballot *const *)mix, NMANY, res,
	                                 &first, NULL, 0),
	             Q_ERR_PROOF);
	cr_assert_eq(first, 0);
	for (size_t i = 0; i < NMANY; i++)
		cr_assert_eq(res[i], Q_ERR_PROOF);
	point_free(K2);
	for (size_t i = 0; i < NMANY; i++) {
		ballot_free(b[i]);
		ballot_free(other[i]);
	}
	ballot_style_free(st);
	ballot_style_free(st2);
}

Test(ballot_batch, shapes_and_edges)
{
	ballot_style *st = style(1);
	ballot *b[3] = {NULL};
	qerr res[3];
	size_t first;
	char why[300];
	for (size_t i = 0; i < 3; i++)
		cr_assert_eq(ballot_encrypt(st, Kt, marks[i], NOPT, &b[i], NULL), Q_OK);
	/* encodings of the wrong length, or only one of enc and enclen */
	uint8_t *enc0;
	size_t len0, badlen;
	cr_assert_eq(ballot_encode(b[0], &enc0, &len0), Q_OK);
	const uint8_t *encs[1] = {enc0};
	badlen = len0 - 1;
	cr_assert_eq(ballot_verify_batch_enc(st, K, Kt, (const ballot *const *)b, encs, &badlen, 1,
	                                     NULL, &first, NULL, 0),
	             Q_ERR_ARG);
	cr_assert_eq(ballot_verify_batch_enc(st, K, Kt, (const ballot *const *)b, encs, NULL, 1,
	                                     NULL, &first, NULL, 0),
	             Q_ERR_ARG);
	cr_assert_eq(ballot_verify_batch_enc(st, K, Kt, (const ballot *const *)b, encs, &len0, 1,
	                                     NULL, &first, NULL, 0),
	             Q_OK);
	/* bytes of another ballot make a valid one fail, never the reverse */
	const uint8_t *wrong[1] = {enc0};
	cr_assert_eq(ballot_verify_batch_enc(st, K, Kt, (const ballot *const *)&b[1], wrong, &len0,
	                                     1, NULL, &first, NULL, 0),
	             Q_ERR_PROOF);
	free(enc0);
	/* n = 0 */
	cr_assert_eq(ballot_verify_batch(st, K, Kt, NULL, 0, NULL, &first, NULL, 0), Q_OK);
	cr_assert_eq(first, SIZE_MAX);
	/* a NULL ballot is a caller error */
	const ballot *withnull[2] = {b[0], NULL};
	cr_assert_eq(ballot_verify_batch(st, K, Kt, withnull, 2, NULL, &first, NULL, 0), Q_ERR_ARG);
	/* a ballot missing a proof is the wrong shape, named; the rest pass */
	range_proof *tp = b[1]->contests[2].group_proof[1];
	b[1]->contests[2].group_proof[1] = NULL;
	cr_assert_eq(ballot_verify_batch(st, K, Kt, (const ballot *const *)b, 3, res, &first, why,
	                                 sizeof why),
	             Q_ERR_FORMAT);
	cr_assert_eq(first, 1);
	cr_assert(strstr(why, "ballot 1: contest 2") != NULL, "%s", why);
	cr_assert(res[0] == Q_OK && res[1] == Q_ERR_FORMAT && res[2] == Q_OK);
	cr_assert_eq(ballot_verify(st, K, Kt, b[1], why, sizeof why), Q_ERR_FORMAT);
	/* a wrong shape and a bad proof after it: the lower index is named */
	range_proof *tt = b[0]->contests[0].total_proof;
	b[0]->contests[0].total_proof = b[2]->contests[0].total_proof;
	b[2]->contests[0].total_proof = tt;
	cr_assert_eq(ballot_verify_batch(st, K, Kt, (const ballot *const *)b, 3, res, &first, why,
	                                 sizeof why),
	             Q_ERR_PROOF);
	cr_assert_eq(first, 0);
	cr_assert(strstr(why, "ballot 0: contest 0: proof of 0..1 selections") != NULL, "%s", why);
	cr_assert(res[0] == Q_ERR_PROOF && res[1] == Q_ERR_FORMAT && res[2] == Q_ERR_PROOF);
	b[2]->contests[0].total_proof = b[0]->contests[0].total_proof;
	b[0]->contests[0].total_proof = tt;
	b[1]->contests[2].group_proof[1] = tp;
	cr_assert_eq(
	    ballot_verify_batch(st, K, Kt, (const ballot *const *)b, 3, res, &first, NULL, 0),
	    Q_OK);
	/* the group proofs are checked against the group sums: swap two */
	range_proof *g0 = b[2]->contests[2].group_proof[0];
	b[2]->contests[2].group_proof[0] = b[2]->contests[2].group_proof[1];
	b[2]->contests[2].group_proof[1] = g0;
	cr_assert_eq(ballot_verify(st, K, Kt, b[2], why, sizeof why), Q_ERR_PROOF);
	cr_assert(strstr(why, "contest 2 group 0") != NULL, "%s", why);
	for (size_t i = 0; i < 3; i++)
		ballot_free(b[i]);
	ballot_style_free(st);
}

/* B-4 known answer: the rule is unchanged by the new encoding (the code
 * is the transcript hash of whatever bytes B-2 gives).  Computed
 * independently with Python's hashlib (docs/spec/ballot.md B-4). */
Test(ballot_batch, tracking_code_known_answer)
{
	ballot_style *st = style(1);
	uint8_t enc[768], code[BALLOT_CODE_LEN], want[BALLOT_CODE_LEN];
	static const char hex[] =
	    "0a10e828edeedaec4df45595945c7d46d79c2aad943e90f05cc2c2ac6aa4a054";
	for (size_t i = 0; i < sizeof enc; i++)
		enc[i] = (uint8_t)i;
	for (size_t i = 0; i < BALLOT_CODE_LEN; i++) {
		unsigned v;
		cr_assert_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		want[i] = (uint8_t)v;
	}
	ballot_tracking_code(code, st, enc, sizeof enc);
	cr_assert_eq(memcmp(code, want, sizeof code), 0);
	enc[767] ^= 1;
	ballot_tracking_code(code, st, enc, sizeof enc);
	cr_assert_neq(memcmp(code, want, sizeof code), 0);
	ballot_style_free(st);
}

static void unhex(uint8_t *out, const char *hex, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		cr_assert_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* B-3.0 / B-3.4 known answers, computed independently with Python's
 * hashlib from the spec text (docs/spec/ballot.md B-3.5): H_B = 32 bytes
 * 01, the 7,860 bytes i mod 256 in place of the encoding. */
Test(ballot_batch, identity_and_contexts_known_answer)
{
	ballot_style *st = style(1);
	uint8_t enc[7860], id[BALLOT_ID_LEN], ctx[PROOF_CTX_LEN], want[32];
	cr_assert_eq(ballot_style_encoded_len(st), sizeof enc);
	for (size_t i = 0; i < sizeof enc; i++)
		enc[i] = (uint8_t)i;
	cr_assert_eq(ballot_id_enc(id, st, enc, sizeof enc), Q_OK);
	unhex(want, "59a10e2c1f6409518a7a41ed4e62244d7a138751e8f753f98a8a513a70bbc355", 32);
	cr_assert_eq(memcmp(id, want, 32), 0);
	ballot_proof_ctx(ctx, st, id, BALLOT_PROOF_SELECTION, 2, 5);
	unhex(want, "c32a8ddff4bfb416e939b3b107fd7f83647d1cb99055ed1cd2bf57d1124e0709", 32);
	cr_assert_eq(memcmp(ctx, want, 32), 0);
	ballot_proof_ctx(ctx, st, id, BALLOT_PROOF_GROUP, 2, 1);
	unhex(want, "bd66e62c1a3c69e6509d053a3d65ce4d3f576c3d52455de4dedf1d5eb76a63f4", 32);
	cr_assert_eq(memcmp(ctx, want, 32), 0);
	ballot_proof_ctx(ctx, st, id, BALLOT_PROOF_CONTEST, 1, 0);
	unhex(want, "331053785c50c01f61e073050ae6751aaf8e75cbcf6425bf0e95945b6ce67c26", 32);
	cr_assert_eq(memcmp(ctx, want, 32), 0);
	/* only the ciphertext bytes count: a proof byte does not change it,
	 * a ciphertext byte does */
	enc[4 + 8 + 130] ^= 1;
	cr_assert_eq(ballot_id_enc(ctx, st, enc, sizeof enc), Q_OK);
	cr_assert_eq(memcmp(ctx, id, 32), 0);
	enc[4 + 8 + 518 + 1] ^= 1;
	cr_assert_eq(ballot_id_enc(ctx, st, enc, sizeof enc), Q_OK);
	cr_assert_neq(memcmp(ctx, id, 32), 0);
	cr_assert_eq(ballot_id_enc(ctx, st, enc, sizeof enc - 1), Q_ERR_ENCODING);
	/* a real ballot: the identity of its encoding is that of its decoding */
	uint8_t *e2;
	size_t l2;
	ballot *b = NULL;
	make(st, marks[0], &e2, &l2);
	cr_assert_eq(ballot_decode(st, e2, l2, &b), Q_OK);
	cr_assert_eq(ballot_id_enc(id, st, e2, l2), Q_OK);
	cr_assert_eq(ballot_id(ctx, st, b), Q_OK);
	cr_assert_eq(memcmp(ctx, id, 32), 0);
	ballot_free(b);
	free(e2);
	ballot_style_free(st);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * verify_alpha.c -- check 4, last part: no ciphertext alpha appears twice
 * in the record, across ballots, contests and stations, cast or
 * challenged (docs/spec/ballot.md B-9; docs/spec/verify.md V-6).
 *
 * Check 4 reads the cast ballots one at a time (V-14) and hands every
 * alpha's 16-byte fingerprint (B-9.1) to an external sort
 * (election/alphaset.h alphasort: sorted runs in a temporary file, memory
 * bounded by a constant); the challenged ballots, held in memory, are
 * added here, and the merge names every alpha seen twice.  A fingerprint
 * match is not confirmed on the full 65 bytes: B-9.2 bounds that chance.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/util.h"
#include "election/alphaset.h"
#include "verify_internal.h"

#include "banned.h"

typedef struct actx {
	ve_ctx *c;
	size_t T; /* ciphertexts per ballot (ballot_style_nct) */
	uint64_t dup;
	/* the first VE_ALPHA_PAIRS pairs, reported in record order (of the
	 * later place) after the merge; more are reported as they come */
	alphasort_item (*pairs)[2];
	size_t npairs;
} actx;

#define VE_ALPHA_PAIRS 4096

/* The station of cast ballot number r (check 3 numbered them, station by
 * station, from first_cast). */
static const ve_station *station_of(const ve_ctx *c, uint64_t r)
{
	const ve_station *best = NULL;
	for (size_t i = 0; i < c->nst; i++)
		if (c->st[i].collected && c->st[i].first_cast <= r &&
		    (best == NULL || c->st[i].first_cast >= best->first_cast))
			best = &c->st[i];
	return best;
}

/* "stations/<id>: ballots[<i>] contest <k> option <j> (tracking code
 * <first 16 hex>...)" for item it. */
static void place(char *out, size_t outsz, const actx *a, const alphasort_item *it)
{
	const ve_ctx *c = a->c;
	uint64_t r = it->ref / a->T;
	size_t s = (size_t)(it->ref % a->T), index;
	const char *sid;
	int chal = r >= c->ncast;
	char hx[2 * ALPHASORT_KEY_LEN + 1];
	if (chal) {
		const ve_ballot *b = &c->chal[r - c->ncast];
		sid = c->st[b->station].id;
		index = b->index;
	} else {
		const ve_station *st = station_of(c, r);
		sid = st != NULL ? st->id : "?";
		index = st != NULL ? (size_t)(r - st->first_cast) : (size_t)r;
	}
	ballot_ct_place w = {0, 0, UINT32_MAX, 0};
	if (ballot_style_ct_place(c->style, s, &w) != Q_OK)
		w.slot = UINT32_MAX; /* s < T: not reached */
	hex_encode(hx, it->tag, ALPHASORT_KEY_LEN);
	hx[16] = '\0';
	if (w.slot == UINT32_MAX)
		snprintf(out, outsz,
		         "stations/%s: %s[%zu] contest %zu option %zu (tracking code %s...)", sid,
		         chal ? "challenged" : "ballots", index, (size_t)w.contest,
		         (size_t)w.option, hx);
	else
		snprintf(out, outsz,
		         "stations/%s: %s[%zu] contest %zu write-in %zu name point %zu (tracking "
		         "code %s...)",
		         sid, chal ? "challenged" : "ballots", index, (size_t)w.contest,
		         (size_t)w.slot, (size_t)w.point, hx);
}

static void report(actx *a, const alphasort_item *first, const alphasort_item *later)
{
	char p1[200], p2[200];
	place(p1, sizeof p1, a, first);
	place(p2, sizeof p2, a, later);
	ve_fail(a->c, VE_BALLOTS, "%s and %s: the same ciphertext (alpha) twice (B-9)", p1, p2);
}

static int cmp_pair(const void *x, const void *y)
{
	const alphasort_item *p = x, *q = y;
	if (p[1].ref != q[1].ref)
		return p[1].ref < q[1].ref ? -1 : 1;
	return (p[0].ref > q[0].ref) - (p[0].ref < q[0].ref);
}

static void twice(void *ctx, const alphasort_item *first, const alphasort_item *later)
{
	actx *a = ctx;
	/* the same ballot (the same bytes, so the same tracking code) at the
	 * same place: a ballot twice, which the tracking-code rules name
	 * (V-6, V-10) */
	if (first->ref % a->T == later->ref % a->T &&
	    memcmp(first->tag, later->tag, ALPHASORT_KEY_LEN) == 0)
		return;
	a->dup++;
	if (a->pairs != NULL && a->npairs < VE_ALPHA_PAIRS) {
		a->pairs[a->npairs][0] = *first;
		a->pairs[a->npairs++][1] = *later;
	} else {
		report(a, first, later);
	}
}

void ve_check_alphas(ve_ctx *c)
{
	const ballot_style *st = c->style;
	size_t *off = NULL;
	if (st == NULL || !c->keys_ok)
		return; /* check 4 already failed saying why */
	/* B-9.1: every ciphertext, the selections' and the write-in names' */
	size_t T = ballot_style_nct(st);
	if (T == 0)
		return;
	if (!c->alphas_ok)
		goto oom;
	if ((off = calloc(T, sizeof *off)) == NULL)
		goto oom;
	size_t slen = ballot_style_ct_offsets(st, off);
	/* the cast ballots' alphas went in as check 4 read them; now the
	 * challenged ones, numbered after them */
	for (size_t i = 0; i < c->nchal; i++) {
		const ve_ballot *b = &c->chal[i];
		/* a ballot without the style's length has no ciphertexts at
		 * known places; check 8 refuses it */
		if (b->enc == NULL || b->len != slen)
			continue;
		for (size_t s = 0; s < T; s++) {
			uint8_t fp[ALPHASORT_KEY_LEN];
			alphasort_fingerprint(fp, b->enc + off[s]);
			if (alphasort_add(c->alphas, fp, b->code,
			                  ((uint64_t)c->ncast + i) * T + s) != Q_OK)
				goto oom;
		}
	}
	actx a = {c, T, 0, NULL, 0};
	a.pairs = calloc(VE_ALPHA_PAIRS, sizeof *a.pairs);
	qerr e = alphasort_dups(c->alphas, twice, &a, NULL);
	if (a.pairs != NULL) {
		qsort(a.pairs, a.npairs, sizeof *a.pairs, cmp_pair);
		for (size_t i = 0; i < a.npairs; i++)
			report(&a, &a.pairs[i][0], &a.pairs[i][1]);
		free(a.pairs);
	}
	if (e != Q_OK)
		goto oom;
	if (a.dup == 0)
		ve_ok(c, VE_BALLOTS);
	goto out;
oom:
	ve_fail(c, VE_BALLOTS,
	        "no ciphertext twice (B-9): out of memory or no temporary file (TMPDIR)");
out:
	free(off);
}

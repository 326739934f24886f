/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * verify_alpha.c -- check 4, last part: no ciphertext alpha appears twice
 * in the record, across ballots, contests and stations, cast or
 * challenged (docs/spec/ballot.md B-9; docs/spec/verify.md V-6).
 *
 * Works on the B-2 bytes check 4 keeps per ballot (ve_ct_offsets), with a
 * set of 16-byte fingerprints (election/alphaset.h); a fingerprint match
 * is confirmed on the full 65 bytes of both alphas.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/util.h"
#include "election/alphaset.h"
#include "verify_internal.h"

#include "banned.h"

typedef struct actx {
	const ve_ctx *c;
	const size_t *off; /* ve_ct_offsets */
	size_t T; /* options per ballot */
} actx;

/* Ballot number r: cast ballots first, then challenged ones. */
static const ve_ballot *nth(const ve_ctx *c, uint64_t r, int *chal)
{
	*chal = r >= c->ncast;
	return *chal ? &c->chal[r - c->ncast] : &c->cast[r];
}

static int same(void *vctx, uint64_t earlier, const uint8_t alpha[ALPHASET_ALPHA_LEN])
{
	const actx *a = vctx;
	int chal;
	const ve_ballot *b = nth(a->c, earlier / a->T, &chal);
	return memcmp(b->enc + a->off[earlier % a->T], alpha, ALPHASET_ALPHA_LEN) == 0;
}

/* "stations/<id>: ballots[<i>] contest <k> option <j> (tracking code
 * <first 16 hex>...)" for place ref. */
static void place(char *out, size_t outsz, const actx *a, const size_t *contest,
                  const size_t *option, uint64_t ref)
{
	int chal;
	const ve_ballot *b = nth(a->c, ref / a->T, &chal);
	size_t s = (size_t)(ref % a->T);
	char hx[2 * BALLOT_CODE_LEN + 1];
	hex_encode(hx, b->code, BALLOT_CODE_LEN);
	hx[16] = '\0';
	snprintf(out, outsz, "stations/%s: %s[%zu] contest %zu option %zu (tracking code %s...)",
	         a->c->st[b->station].id, chal ? "challenged" : "ballots", b->index, contest[s],
	         option[s], hx);
}

void ve_check_alphas(ve_ctx *c)
{
	const ballot_style *st = c->style;
	size_t *off = NULL, *contest = NULL, *option = NULL;
	alphaset *set = NULL;
	uint64_t dup = 0;
	if (st == NULL || !c->keys_ok)
		return; /* check 4 already failed saying why */
	size_t T = st->total_options, nb = c->ncast + c->nchal;
	if (T == 0)
		return;
	if ((off = calloc(T, sizeof *off)) == NULL ||
	    (contest = calloc(T, sizeof *contest)) == NULL ||
	    (option = calloc(T, sizeof *option)) == NULL || (set = alphaset_new(nb * T)) == NULL)
		goto oom;
	size_t slen = ve_ct_offsets(st, off);
	for (size_t k = 0, s = 0; k < st->ncontests; k++)
		for (size_t j = 0; j < st->contests[k].noptions; j++, s++) {
			contest[s] = k;
			option[s] = j;
		}
	actx a = {c, off, T};
	for (uint64_t r = 0; r < nb; r++) {
		int chal;
		const ve_ballot *b = nth(c, r, &chal);
		/* a ballot without the style's length has no ciphertexts at
		 * known places; check 4 or 8 refuses it */
		if (b->enc == NULL || b->len != slen)
			continue;
		for (size_t s = 0; s < T; s++) {
			uint64_t ref = r * T + s, earlier = 0;
			qerr e = alphaset_add(set, b->enc + off[s], ref, same, &a, &earlier);
			if (e == Q_ERR_NOMEM)
				goto oom;
			if (e != Q_ERR_EXISTS)
				continue;
			int echal;
			const ve_ballot *eb = nth(c, earlier / T, &echal);
			/* the same ballot (the same bytes, so the same tracking code)
			 * at the same place: a ballot twice, which the tracking-code
			 * rules name (V-6, V-10) */
			if (earlier % T == s && memcmp(eb->enc, b->enc, slen) == 0)
				continue;
			char p1[160], p2[160];
			place(p1, sizeof p1, &a, contest, option, earlier);
			place(p2, sizeof p2, &a, contest, option, ref);
			ve_fail(c, VE_BALLOTS, "%s and %s: the same ciphertext (alpha) twice (B-9)",
			        p1, p2);
			dup++;
		}
	}
	if (dup == 0)
		ve_ok(c, VE_BALLOTS);
	goto out;
oom:
	ve_fail(c, VE_BALLOTS, "no ciphertext twice (B-9): out of memory");
out:
	alphaset_free(set);
	free(off);
	free(contest);
	free(option);
}

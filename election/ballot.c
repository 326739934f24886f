/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ballot.c -- encrypted ballots (docs/spec/ballot.md, B-1 to B-8).
 */
#include "ballot.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/transcript.h"
#include "crypto/util.h"

#include "banned.h"

/* B-2: every range proof is in the full encoding (C-4.3.9). */
#define RANGE01_LEN RANGE_PROOF_FULL_LEN(1)
#define TOTAL_LEN(lo, hi) RANGE_PROOF_FULL_LEN((hi) - (lo))

static void say(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

ballot_style *ballot_style_new(size_t ncontests, const uint8_t base_hash[BALLOT_HASH_LEN])
{
	if (ncontests > BALLOT_MAX_CONTESTS)
		return NULL;
	ballot_style *st = calloc(1, sizeof *st);
	if (st == NULL)
		return NULL;
	st->contests = calloc(ncontests ? ncontests : 1, sizeof *st->contests);
	if (st->contests == NULL) {
		free(st);
		return NULL;
	}
	st->ncontests = ncontests;
	memcpy(st->base_hash, base_hash, BALLOT_HASH_LEN);
	return st;
}

qerr ballot_style_set_groups(ballot_style *st, size_t i, uint32_t ngroups, const uint32_t *group)
{
	if (st == NULL || i >= st->ncontests)
		return Q_ERR_ARG;
	ballot_contest_style *c = &st->contests[i];
	if (c->noptions == 0 || c->noptions > BALLOT_MAX_OPTIONS || ngroups == 0 ||
	    ngroups > c->noptions)
		return Q_ERR_ARG;
	for (uint32_t j = 0; j < c->noptions; j++)
		if (group[j] >= ngroups)
			return Q_ERR_ARG;
	uint32_t *g = malloc(c->noptions * sizeof *g);
	if (g == NULL)
		return Q_ERR_NOMEM;
	memcpy(g, group, c->noptions * sizeof *g);
	free(c->group);
	c->group = g;
	c->ngroups = ngroups;
	return Q_OK;
}

qerr ballot_style_check(ballot_style *st, char *why, size_t whylen)
{
	size_t total = 0, nw = 0;
	if (st == NULL)
		return Q_ERR_ARG;
	for (size_t i = 0; i < st->ncontests; i++) {
		const ballot_contest_style *c = &st->contests[i];
		if (c->noptions == 0 || c->noptions > BALLOT_MAX_OPTIONS) {
			say(why, whylen, "contest %zu: %u options (1..%d allowed)", i, c->noptions,
			    BALLOT_MAX_OPTIONS);
			return Q_ERR_RANGE;
		}
		if (c->min_sel > c->max_sel || c->max_sel > c->noptions) {
			say(why, whylen, "contest %zu: limits %u..%u invalid for %u options", i,
			    c->min_sel, c->max_sel, c->noptions);
			return Q_ERR_RANGE;
		}
		if ((c->ngroups == 0) != (c->group == NULL)) {
			say(why, whylen, "contest %zu: groups not set", i);
			return Q_ERR_RANGE;
		}
		/* B-10.1 */
		if (c->nwritein > BALLOT_MAX_WRITEIN || c->nwritein > c->max_sel ||
		    c->nwritein >= c->noptions || (c->nwritein > 0 && c->ngroups > 0)) {
			say(why, whylen,
			    "contest %zu: %u write-in slots invalid (1..%u, at most the limit %u, "
			    "after at least one listed option, no groups)",
			    i, c->nwritein, BALLOT_MAX_WRITEIN, c->max_sel);
			return Q_ERR_RANGE;
		}
		total += c->noptions;
		nw += c->nwritein;
	}
	st->total_options = total;
	st->total_writein = nw;
	return Q_OK;
}

void ballot_style_free(ballot_style *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < st->ncontests; i++)
		free(st->contests[i].group);
	free(st->contests);
	free(st);
}

static void contest_clear(ballot_contest *c)
{
	for (size_t j = 0; j < c->nsel; j++) {
		elgamal_ct_free(c->sel[j].ct);
		range_proof_free(c->sel[j].proof);
	}
	free(c->sel);
	for (size_t g = 0; g < c->ngroups; g++)
		range_proof_free(c->group_proof[g]);
	free(c->group_proof);
	range_proof_free(c->total_proof);
	for (size_t s = 0; s < c->nwritein; s++)
		for (size_t k = 0; k < NAMEPT_WIDTH; k++) {
			elgamal_ct_free(c->wi[s].ct[k]);
			schnorr_proof_free(c->wi[s].pok[k]);
		}
	free(c->wi);
	memset(c, 0, sizeof *c);
}

void ballot_free(ballot *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->ncontests; i++)
		contest_clear(&b->contests[i]);
	free(b->contests);
	free(b);
}

void ballot_opening_free(ballot_opening *op)
{
	if (op == NULL)
		return;
	if (op->nonce != NULL)
		for (size_t i = 0; i < op->n; i++)
			scalar_free(op->nonce[i]);
	free(op->nonce);
	if (op->name_nonce != NULL)
		for (size_t i = 0; i < op->nname; i++)
			scalar_free(op->name_nonce[i]);
	free(op->name_nonce);
	wipe(op->marks, op->n);
	free(op->marks);
	free(op);
}

/* A ballot skeleton of the style's shape with empty objects. */
static qerr ballot_alloc(const ballot_style *st, ballot **out)
{
	ballot *b = calloc(1, sizeof *b);
	*out = NULL;
	if (b == NULL)
		return Q_ERR_NOMEM;
	b->contests = calloc(st->ncontests ? st->ncontests : 1, sizeof *b->contests);
	if (b->contests == NULL) {
		free(b);
		return Q_ERR_NOMEM;
	}
	b->ncontests = st->ncontests;
	for (size_t i = 0; i < st->ncontests; i++) {
		const ballot_contest_style *cs = &st->contests[i];
		ballot_contest *c = &b->contests[i];
		c->sel = calloc(cs->noptions, sizeof *c->sel);
		c->group_proof = calloc(cs->ngroups ? cs->ngroups : 1, sizeof *c->group_proof);
		if (c->sel == NULL || c->group_proof == NULL)
			goto nomem;
		c->nsel = cs->noptions;
		c->ngroups = cs->ngroups;
		for (size_t j = 0; j < c->nsel; j++)
			if ((c->sel[j].ct = elgamal_ct_new()) == NULL)
				goto nomem;
		/* B-10.2: the names of the write-in slots */
		if (cs->nwritein > 0) {
			if ((c->wi = calloc(cs->nwritein, sizeof *c->wi)) == NULL)
				goto nomem;
			c->nwritein = cs->nwritein;
			for (size_t s = 0; s < c->nwritein; s++)
				for (size_t k = 0; k < NAMEPT_WIDTH; k++)
					if ((c->wi[s].ct[k] = elgamal_ct_new()) == NULL ||
					    (c->wi[s].pok[k] = schnorr_proof_new()) == NULL)
						goto nomem;
		}
	}
	*out = b;
	return Q_OK;
nomem:
	ballot_free(b);
	return Q_ERR_NOMEM;
}

qerr ballot_marks_check(const ballot_style *st, const uint8_t *marks, size_t n, char *why,
                        size_t whylen)
{
	size_t k = 0;
	uint32_t gsum[BALLOT_MAX_OPTIONS];
	if (st == NULL || (marks == NULL && n > 0))
		return Q_ERR_ARG;
	if (n != st->total_options) {
		say(why, whylen, "%zu marks given, the ballot has %zu options", n,
		    st->total_options);
		return Q_ERR_ARG;
	}
	for (size_t i = 0; i < st->ncontests; i++) {
		const ballot_contest_style *c = &st->contests[i];
		uint32_t sum = 0;
		memset(gsum, 0, sizeof gsum);
		for (uint32_t j = 0; j < c->noptions; j++, k++) {
			if (marks[k] > 1) {
				say(why, whylen, "contest %zu option %u: mark must be 0 or 1", i,
				    j);
				return Q_ERR_ARG;
			}
			sum += marks[k];
			if (c->ngroups > 0)
				gsum[c->group[j]] += marks[k];
		}
		if (sum < c->min_sel || sum > c->max_sel) {
			say(why, whylen, "contest %zu: %u selections, between %u and %u allowed", i,
			    sum, c->min_sel, c->max_sel);
			return Q_ERR_RANGE;
		}
		for (uint32_t g = 0; g < c->ngroups; g++) {
			if (gsum[g] > 1) {
				say(why, whylen,
				    "contest %zu group %u: %u selections, at most 1 allowed", i, g,
				    gsum[g]);
				return Q_ERR_RANGE;
			}
		}
	}
	return Q_OK;
}

/* Sum of the ciphertexts (and nonces) of the options of contest c that
 * are in group g (g = UINT32_MAX: all options).  r and rsum may be NULL
 * (verification). */
static qerr sum_cts(const ballot_contest_style *cs, const ballot_contest *c, uint32_t g,
                    scalar *const *r, elgamal_ct *acc, scalar *rsum, uint64_t *msum,
                    const uint8_t *marks)
{
	qerr e = Q_OK;
	if (rsum != NULL)
		e = scalar_set_u64(rsum, 0);
	if (msum != NULL)
		*msum = 0;
	for (uint32_t j = 0; e == Q_OK && j < cs->noptions; j++) {
		if (g != UINT32_MAX && cs->group[j] != g)
			continue;
		e = elgamal_add(acc, acc, c->sel[j].ct);
		if (e == Q_OK && rsum != NULL)
			e = scalar_add(rsum, rsum, r[j]);
		if (msum != NULL)
			*msum += marks[j];
	}
	return e;
}

/* The ciphertext bytes of option j of contest i in a B-2 encoding of st
 * (B-2: 4, then per earlier contest its whole length, then 8 + 518 j). */
static const uint8_t *enc_ct(const ballot_style *st, const uint8_t *enc, size_t i, size_t j);
/* The B-2 length of a ballot of style st. */
static size_t style_enc_len(const ballot_style *st);
/* The name of write-in slot s of contest i in a B-2 encoding (B-10.3). */
static const uint8_t *enc_name(const ballot_style *st, const uint8_t *enc, size_t i, size_t s);

/* ballot_id; sel_enc, if not NULL, the encodings of the selections'
 * ciphertexts in order (not encoded again). */
static qerr ballot_id_impl(uint8_t id[BALLOT_ID_LEN], const ballot_style *st, const ballot *b,
                           const uint8_t (*sel_enc)[ELGAMAL_CT_LEN])
{
	uint8_t ct[ELGAMAL_CT_LEN];
	transcript t;
	qerr e;
	size_t n = 0;
	if (st == NULL || b == NULL || id == NULL)
		return Q_ERR_ARG;
	if (b->ncontests != st->ncontests)
		return Q_ERR_FORMAT;
	for (size_t i = 0; i < st->ncontests; i++)
		if (b->contests[i].nsel != st->contests[i].noptions)
			return Q_ERR_FORMAT;
	/* B-3.0: H_T(tag; H_B, ct_1, ..., ct_T), one field per ciphertext */
	if ((e = transcript_init(&t, BALLOT_TAG_ID)) != Q_OK)
		return e;
	transcript_bytes(&t, st->base_hash, BALLOT_HASH_LEN);
	for (size_t i = 0; i < st->ncontests; i++)
		for (size_t j = 0; j < b->contests[i].nsel; j++) {
			const elgamal_ct *c = b->contests[i].sel[j].ct;
			if (c == NULL) {
				transcript_free(&t);
				return Q_ERR_FORMAT;
			}
			if (sel_enc != NULL) {
				transcript_bytes(&t, sel_enc[n++], ELGAMAL_CT_LEN);
				continue;
			}
			if ((e = elgamal_ct_encode(ct, c)) != Q_OK) {
				transcript_free(&t);
				return e;
			}
			transcript_bytes(&t, ct, ELGAMAL_CT_LEN);
		}
	/* B-10.4: then one field per name ciphertext */
	for (size_t i = 0; i < st->ncontests; i++) {
		if (b->contests[i].nwritein != st->contests[i].nwritein) {
			transcript_free(&t);
			return Q_ERR_FORMAT;
		}
		for (size_t s = 0; s < b->contests[i].nwritein; s++)
			for (size_t k = 0; k < NAMEPT_WIDTH; k++) {
				const elgamal_ct *c = b->contests[i].wi[s].ct[k];
				if (c == NULL) {
					transcript_free(&t);
					return Q_ERR_FORMAT;
				}
				if ((e = elgamal_ct_encode(ct, c)) != Q_OK) {
					transcript_free(&t);
					return e;
				}
				transcript_bytes(&t, ct, ELGAMAL_CT_LEN);
			}
	}
	transcript_digest(&t, id);
	return Q_OK;
}

qerr ballot_id(uint8_t id[BALLOT_ID_LEN], const ballot_style *st, const ballot *b)
{
	return ballot_id_impl(id, st, b, NULL);
}

qerr ballot_id_enc(uint8_t id[BALLOT_ID_LEN], const ballot_style *st, const uint8_t *enc,
                   size_t len)
{
	transcript t;
	qerr e;
	if (st == NULL || enc == NULL || id == NULL)
		return Q_ERR_ARG;
	if (len != ballot_style_encoded_len(st))
		return Q_ERR_ENCODING;
	if ((e = transcript_init(&t, BALLOT_TAG_ID)) != Q_OK)
		return e;
	transcript_bytes(&t, st->base_hash, BALLOT_HASH_LEN);
	for (size_t i = 0; i < st->ncontests; i++) {
		const uint8_t *p = enc_ct(st, enc, i, 0);
		for (size_t j = 0; j < st->contests[i].noptions; j++)
			transcript_bytes(&t, p + j * (ELGAMAL_CT_LEN + RANGE01_LEN),
			                 ELGAMAL_CT_LEN);
	}
	/* B-10.4 */
	for (size_t i = 0; i < st->ncontests; i++)
		for (size_t s = 0; s < st->contests[i].nwritein; s++)
			for (size_t k = 0; k < NAMEPT_WIDTH; k++)
				transcript_bytes(&t, enc_name(st, enc, i, s) + k * ELGAMAL_CT_LEN,
				                 ELGAMAL_CT_LEN);
	transcript_digest(&t, id);
	return Q_OK;
}

void ballot_proof_ctx(uint8_t ctx[PROOF_CTX_LEN], const ballot_style *st,
                      const uint8_t id[BALLOT_ID_LEN], int kind, uint32_t contest, uint32_t idx)
{
	/* B-3.4 */
	const char *tag = kind == BALLOT_PROOF_SELECTION ? BALLOT_TAG_SELECTION
	                  : kind == BALLOT_PROOF_GROUP   ? BALLOT_TAG_GROUP
	                                                 : BALLOT_TAG_CONTEST;
	transcript t;
	if (transcript_init(&t, tag) != Q_OK)
		qfatal("ballot_proof_ctx: out of memory");
	transcript_bytes(&t, st->base_hash, BALLOT_HASH_LEN);
	transcript_bytes(&t, id, BALLOT_ID_LEN);
	transcript_u32(&t, contest);
	if (kind != BALLOT_PROOF_CONTEST)
		transcript_u32(&t, idx);
	transcript_digest(&t, ctx);
}

void ballot_writein_ctx(uint8_t ctx[PROOF_CTX_LEN], const ballot_style *st,
                        const uint8_t id[BALLOT_ID_LEN], uint32_t contest, uint32_t slot,
                        uint32_t k)
{
	/* B-10.5 */
	transcript t;
	if (transcript_init(&t, BALLOT_TAG_WRITEIN) != Q_OK)
		qfatal("ballot_writein_ctx: out of memory");
	transcript_bytes(&t, st->base_hash, BALLOT_HASH_LEN);
	transcript_bytes(&t, id, BALLOT_ID_LEN);
	transcript_u32(&t, contest);
	transcript_u32(&t, slot);
	transcript_u32(&t, k);
	transcript_digest(&t, ctx);
}

/* ballot_prove; own: the ciphertexts were made just now from op
 * (ballot_encrypt_names), so the witnesses are not re-checked, and every
 * ciphertext (the selections' and the sums') is encoded once, with one
 * field inversion for all, for the id (B-3.0) and the proofs. */
static qerr ballot_prove_impl(const ballot_style *st, const point_table *K, ballot *b,
                              const ballot_opening *op, int own)
{
	uint8_t id[BALLOT_ID_LEN], ctx[PROOF_CTX_LEN];
	uint8_t(*enc)[ELGAMAL_CT_LEN] = NULL;
	elgamal_ct **sums = NULL; /* per contest: its groups' sums, then its total */
	scalar **rsum = NULL;
	uint64_t *msum = NULL;
	const point **pts = NULL;
	size_t *ends = NULL, nsel = 0, nsum = 0;
	range_prove_job *jobs = NULL;
	uint8_t(*ctxs)[PROOF_CTX_LEN] = NULL;
	qerr e;
	if (st == NULL || K == NULL || b == NULL || op == NULL || op->n != st->total_options ||
	    op->nname != st->total_writein * NAMEPT_WIDTH)
		return Q_ERR_ARG;
	if ((e = ballot_marks_check(st, op->marks, op->n, NULL, 0)) != Q_OK)
		return e;
	if (b->ncontests != st->ncontests)
		return Q_ERR_FORMAT;
	for (size_t i = 0; i < st->ncontests; i++) {
		if (b->contests[i].ngroups != st->contests[i].ngroups ||
		    b->contests[i].nsel != st->contests[i].noptions)
			return Q_ERR_FORMAT;
		nsel += st->contests[i].noptions;
		nsum += st->contests[i].ngroups + 1u;
	}
	e = Q_ERR_NOMEM;
	sums = calloc(nsum, sizeof *sums);
	rsum = calloc(nsum, sizeof *rsum);
	msum = calloc(nsum, sizeof *msum);
	if (sums == NULL || rsum == NULL || msum == NULL)
		goto out;
	/* B-3.2, B-3.3: each group's sum and the contest's sum, with the sums
	 * of their nonces and marks */
	for (size_t i = 0, k = 0, q = 0; i < st->ncontests; i++) {
		const ballot_contest_style *cs = &st->contests[i];
		for (uint32_t g = 0; g <= cs->ngroups; g++, q++) {
			if ((sums[q] = elgamal_ct_new()) == NULL ||
			    (rsum[q] = scalar_new()) == NULL) {
				e = Q_ERR_NOMEM;
				goto out;
			}
			if ((e = sum_cts(cs, &b->contests[i], g < cs->ngroups ? g : UINT32_MAX,
			                 &op->nonce[k], sums[q], rsum[q], &msum[q],
			                 &op->marks[k])) != Q_OK)
				goto out;
		}
		k += cs->noptions;
	}
	if (own) {
		size_t n = nsel + nsum;
		enc = malloc(n * sizeof *enc);
		pts = malloc(2 * n * sizeof *pts);
		ends = malloc(2 * n * sizeof *ends);
		if (enc == NULL || pts == NULL || ends == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		for (size_t i = 0, k = 0; i < st->ncontests; i++)
			for (uint32_t j = 0; j < st->contests[i].noptions; j++, k++) {
				const elgamal_ct *c = b->contests[i].sel[j].ct;
				if (c == NULL) {
					e = Q_ERR_FORMAT;
					goto out;
				}
				pts[2 * k] = c->a;
				pts[2 * k + 1] = c->b;
			}
		for (size_t q = 0; q < nsum; q++) {
			pts[2 * (nsel + q)] = sums[q]->a;
			pts[2 * (nsel + q) + 1] = sums[q]->b;
		}
		for (size_t i = 0; i < 2 * n; i++)
			ends[i] = i + 1;
		if ((e = point_sums_encode((uint8_t(*)[POINT_LEN])enc, pts, ends, 2 * n)) != Q_OK)
			goto out;
	}
	/* B-3.0: the identity of the ballot, from all its ciphertexts */
	if ((e = ballot_id_impl(id, st, b, own ? (const uint8_t(*)[ELGAMAL_CT_LEN])enc : NULL)) !=
	    Q_OK)
		goto out;
	if (own) {
		/* every proof at once (one field inversion for all their points),
		 * in the order below */
		if ((jobs = calloc(nsel + nsum, sizeof *jobs)) == NULL ||
		    (ctxs = calloc(nsel + nsum, sizeof *ctxs)) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
	}
	for (size_t i = 0, k = 0, q = 0, nj = 0; i < st->ncontests; i++) {
		const ballot_contest_style *cs = &st->contests[i];
		ballot_contest *c = &b->contests[i];
		/* B-3.1: each selection's ct_j in [0,1] (range_prove checks
		 * that (r_j, m_j) opens ct_j: Q_ERR_ARG otherwise) */
		for (uint32_t j = 0; j < cs->noptions; j++, k++) {
			range_proof_free(c->sel[j].proof);
			c->sel[j].proof = NULL;
			if (own) {
				ballot_proof_ctx(ctxs[nj], st, id, BALLOT_PROOF_SELECTION,
				                 (uint32_t)i, j);
				jobs[nj] = (range_prove_job){&c->sel[j].proof,
				                             ctxs[nj],
				                             c->sel[j].ct,
				                             enc[k],
				                             op->marks[k],
				                             op->nonce[k],
				                             0,
				                             1};
				nj++;
				continue;
			}
			ballot_proof_ctx(ctx, st, id, BALLOT_PROOF_SELECTION, (uint32_t)i, j);
			if ((e = range_prove(&c->sel[j].proof, ctx, K, c->sel[j].ct, op->marks[k],
			                     op->nonce[k], 0, 1)) != Q_OK)
				goto out;
		}
		/* B-3.2: each group's sum in [0, 1]; B-3.3: the contest's sum in
		 * [min_sel, max_sel] (q = ngroups). */
		for (uint32_t g = 0; g <= cs->ngroups; g++, q++) {
			range_proof **slot = g < cs->ngroups ? &c->group_proof[g] : &c->total_proof;
			int kind = g < cs->ngroups ? BALLOT_PROOF_GROUP : BALLOT_PROOF_CONTEST;
			uint64_t lo = g < cs->ngroups ? 0 : cs->min_sel;
			uint64_t hi = g < cs->ngroups ? 1 : cs->max_sel;
			uint32_t idx = g < cs->ngroups ? g : 0;
			range_proof_free(*slot);
			*slot = NULL;
			if (own) {
				ballot_proof_ctx(ctxs[nj], st, id, kind, (uint32_t)i, idx);
				jobs[nj] =
				    (range_prove_job){slot,    ctxs[nj], sums[q], enc[nsel + q],
				                      msum[q], rsum[q],  lo,      hi};
				nj++;
				continue;
			}
			ballot_proof_ctx(ctx, st, id, kind, (uint32_t)i, idx);
			if ((e = range_prove(slot, ctx, K, sums[q], msum[q], rsum[q], lo, hi)) !=
			    Q_OK)
				goto out;
		}
	}
	if (own && (e = range_prove_own_many(K, jobs, nsel + nsum)) != Q_OK)
		goto out;
	/* B-10.5: each name ciphertext's nonce, by a Schnorr proof on alpha
	 * (schnorr_prove checks alpha = rho*G: Q_ERR_ARG otherwise) */
	size_t q = 0;
	for (size_t i = 0; i < st->ncontests; i++) {
		ballot_contest *c = &b->contests[i];
		if (c->nwritein != st->contests[i].nwritein) {
			e = Q_ERR_FORMAT;
			goto out;
		}
		for (uint32_t s = 0; s < c->nwritein; s++)
			for (uint32_t kk = 0; kk < NAMEPT_WIDTH; kk++, q++) {
				ballot_writein_ctx(ctx, st, id, (uint32_t)i, s, kk);
				if ((e = schnorr_prove(c->wi[s].pok[kk], ctx, c->wi[s].ct[kk]->a,
				                       op->name_nonce[q])) != Q_OK)
					goto out;
			}
	}
	e = Q_OK;
out:
	for (size_t i = 0; i < nsum; i++) {
		if (sums != NULL)
			elgamal_ct_free(sums[i]);
		if (rsum != NULL)
			scalar_free(rsum[i]);
	}
	if (msum != NULL)
		wipe(msum, nsum * sizeof *msum);
	free(sums);
	free(rsum);
	free(msum);
	free(enc);
	free(pts);
	free(ends);
	free(jobs);
	free(ctxs);
	return e;
}

qerr ballot_prove(const ballot_style *st, const point_table *K, ballot *b, const ballot_opening *op)
{
	return ballot_prove_impl(st, K, b, op, 0);
}

qerr ballot_encrypt(const ballot_style *st, const point_table *K, const uint8_t *marks, size_t n,
                    ballot **out, ballot_opening **op_out)
{
	if (out != NULL)
		*out = NULL;
	if (op_out != NULL)
		*op_out = NULL;
	if (st == NULL)
		return Q_ERR_ARG;
	return ballot_encrypt_names(st, K, marks, n, NULL, st->total_writein, out, op_out, NULL, 0);
}

qerr ballot_names_check(const ballot_style *st, const uint8_t *marks, size_t n,
                        const char *const *names, size_t nnames, char *why, size_t whylen)
{
	if (st == NULL || n != st->total_options || (marks == NULL && n > 0))
		return Q_ERR_ARG;
	if (nnames != st->total_writein) {
		say(why, whylen, "%zu write-in names given, the ballot has %zu slots", nnames,
		    st->total_writein);
		return Q_ERR_ARG;
	}
	size_t k = 0, q = 0;
	for (size_t i = 0; i < st->ncontests; i++) {
		const ballot_contest_style *cs = &st->contests[i];
		size_t first = k + cs->noptions - cs->nwritein;
		for (uint32_t s = 0; s < cs->nwritein; s++, q++) {
			int named = names != NULL && names[q] != NULL && names[q][0] != '\0';
			if (marks[first + s] == 1 && !named) {
				say(why, whylen, "contest %zu write-in %u: marked without a name",
				    i, s);
				return Q_ERR_ARG;
			}
			if (marks[first + s] == 0 && named) {
				say(why, whylen,
				    "contest %zu write-in %u: a name in an unmarked slot", i, s);
				return Q_ERR_ARG;
			}
		}
		k += cs->noptions;
	}
	return Q_OK;
}

qerr ballot_encrypt_names(const ballot_style *st, const point_table *K, const uint8_t *marks,
                          size_t n, const char *const *names, size_t nnames, ballot **out,
                          ballot_opening **op_out, char *why, size_t whylen)
{
	ballot *b = NULL;
	ballot_opening *op = NULL;
	point *pts[NAMEPT_WIDTH] = {NULL};
	qerr e;

	*out = NULL;
	if (op_out != NULL)
		*op_out = NULL;
	if (st == NULL || K == NULL)
		return Q_ERR_ARG;
	if ((e = ballot_marks_check(st, marks, n, why, whylen)) != Q_OK)
		return e;
	if ((e = ballot_names_check(st, marks, n, names, nnames, why, whylen)) != Q_OK)
		return e;
	if ((e = ballot_alloc(st, &b)) != Q_OK)
		return e;
	e = Q_ERR_NOMEM;
	op = calloc(1, sizeof *op);
	if (op == NULL)
		goto out;
	op->n = n;
	op->marks = malloc(n ? n : 1);
	op->nonce = calloc(n ? n : 1, sizeof *op->nonce);
	op->nname = st->total_writein * NAMEPT_WIDTH;
	op->name_nonce = calloc(op->nname ? op->nname : 1, sizeof *op->name_nonce);
	if (op->marks == NULL || op->nonce == NULL || op->name_nonce == NULL)
		goto out;
	memcpy(op->marks, marks, n);
	/* B-3: first every ciphertext, ct_j = (r_j G, m_j G + r_j K) with a
	 * fresh nonce (C-3.1), since every proof's context binds them all
	 * (B-3.0); then the proofs. */
	size_t k = 0;
	for (size_t i = 0; i < st->ncontests; i++)
		for (uint32_t j = 0; j < st->contests[i].noptions; j++, k++) {
			if ((op->nonce[k] = scalar_new()) == NULL) {
				e = Q_ERR_NOMEM;
				goto out;
			}
			if ((e = elgamal_encrypt_random(b->contests[i].sel[j].ct, marks[k],
			                                op->nonce[k], K)) != Q_OK)
				goto out;
		}
	/* B-10.2: each slot's name (or the empty name) as NAMEPT_WIDTH points
	 * (C-8.6), each encrypted with a fresh nonce (C-8.2.2) */
	for (size_t t = 0; t < NAMEPT_WIDTH; t++)
		if ((pts[t] = point_new()) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
	size_t q = 0, slot = 0;
	for (size_t i = 0; i < st->ncontests; i++)
		for (uint32_t s = 0; s < st->contests[i].nwritein; s++, slot++) {
			const char *nm = names != NULL && names[slot] != NULL ? names[slot] : "";
			if ((e = namept_encode(pts, NAMEPT_WIDTH, (const uint8_t *)nm,
			                       strlen(nm))) != Q_OK) {
				say(why, whylen,
				    "contest %zu write-in %u: the name is %s (C-8.6.1, B-10.2)", i,
				    s,
				    e == Q_ERR_RANGE ? "longer than 59 bytes" : "not valid UTF-8");
				goto out;
			}
			for (size_t t = 0; t < NAMEPT_WIDTH; t++, q++) {
				if ((op->name_nonce[q] = scalar_new()) == NULL) {
					e = Q_ERR_NOMEM;
					goto out;
				}
				if ((e = scalar_random(op->name_nonce[q])) != Q_OK ||
				    (e = shuffle_encrypt_point(b->contests[i].wi[s].ct[t], pts[t],
				                               op->name_nonce[q], K)) != Q_OK)
					goto out;
			}
		}
	if ((e = ballot_prove_impl(st, K, b, op, 1)) != Q_OK)
		goto out;
	*out = b;
	b = NULL;
	if (op_out != NULL) {
		*op_out = op;
		op = NULL;
	}
	e = Q_OK;
out:
	/* the name points (freed, not wiped: point_free does not clear them) */
	for (size_t t = 0; t < NAMEPT_WIDTH; t++)
		point_free(pts[t]);
	ballot_free(b);
	ballot_opening_free(op);
	return e;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* B-2: the length of the encoding of a ballot of this shape. */
static size_t enc_len(const ballot *b)
{
	size_t len = 4;
	for (size_t i = 0; i < b->ncontests; i++) {
		const ballot_contest *c = &b->contests[i];
		len += 8 + c->nsel * (ELGAMAL_CT_LEN + RANGE01_LEN) + c->ngroups * RANGE01_LEN;
		len += c->total_proof ? TOTAL_LEN(c->total_proof->lo, c->total_proof->hi) : 0;
		len += c->nwritein * BALLOT_NAME_LEN; /* B-10.3 */
	}
	return len;
}

/* The encodings of all the selections' ciphertexts of b in order, with
 * one field inversion for all (point_sums_encode), malloc'd; NULL if one
 * is missing or infinity or memory ran out (then the caller encodes each
 * on its own, with its own errors). */
static uint8_t (*sel_cts_encode(const ballot *b))[ELGAMAL_CT_LEN]
{
	size_t n = 0, k = 0;
	for (size_t i = 0; i < b->ncontests; i++)
		n += b->contests[i].nsel;
	if (n == 0)
		return NULL;
	uint8_t(*enc)[ELGAMAL_CT_LEN] = malloc(n * sizeof *enc);
	const point **pts = malloc(2 * n * sizeof *pts);
	size_t *ends = malloc(2 * n * sizeof *ends);
	int ok = enc != NULL && pts != NULL && ends != NULL;
	for (size_t i = 0; ok && i < b->ncontests; i++)
		for (size_t j = 0; ok && j < b->contests[i].nsel; j++, k++) {
			const elgamal_ct *c = b->contests[i].sel[j].ct;
			ok = c != NULL;
			if (ok) {
				pts[2 * k] = c->a;
				pts[2 * k + 1] = c->b;
			}
		}
	for (size_t i = 0; ok && i < 2 * n; i++)
		ends[i] = i + 1;
	ok = ok && point_sums_encode((uint8_t(*)[POINT_LEN])enc, pts, ends, 2 * n) == Q_OK;
	free(pts);
	free(ends);
	if (!ok) {
		free(enc);
		return NULL;
	}
	return enc;
}

qerr ballot_encode(const ballot *b, uint8_t **out, size_t *len)
{
	qerr e = Q_OK;
	*out = NULL;
	*len = 0;
	if (b == NULL)
		return Q_ERR_ARG;
	size_t n = enc_len(b), nct = 0;
	uint8_t *buf = malloc(n), *p = buf;
	uint8_t(*cts)[ELGAMAL_CT_LEN] = sel_cts_encode(b);
	if (buf == NULL) {
		free(cts);
		return Q_ERR_NOMEM;
	}
	put_u32(p, (uint32_t)b->ncontests);
	p += 4;
	for (size_t i = 0; i < b->ncontests; i++) {
		const ballot_contest *c = &b->contests[i];
		if (c->total_proof == NULL) {
			e = Q_ERR_ARG;
			goto out;
		}
		put_u32(p, (uint32_t)c->nsel);
		put_u32(p + 4, (uint32_t)c->ngroups);
		p += 8;
		for (size_t j = 0; j < c->nsel; j++) {
			if (c->sel[j].proof == NULL || c->sel[j].proof->lo != 0 ||
			    c->sel[j].proof->hi != 1) {
				e = Q_ERR_ARG;
				goto out;
			}
			if (cts != NULL)
				memcpy(p, cts[nct++], ELGAMAL_CT_LEN);
			else if ((e = elgamal_ct_encode(p, c->sel[j].ct)) != Q_OK)
				goto out;
			p += ELGAMAL_CT_LEN;
			if ((e = range_proof_encode_full(p, c->sel[j].proof)) != Q_OK)
				goto out;
			p += RANGE01_LEN;
		}
		for (size_t g = 0; g < c->ngroups; g++) {
			if (c->group_proof[g] == NULL || c->group_proof[g]->hi != 1) {
				e = Q_ERR_ARG;
				goto out;
			}
			if ((e = range_proof_encode_full(p, c->group_proof[g])) != Q_OK)
				goto out;
			p += RANGE01_LEN;
		}
		if ((e = range_proof_encode_full(p, c->total_proof)) != Q_OK)
			goto out;
		p += TOTAL_LEN(c->total_proof->lo, c->total_proof->hi);
		/* B-10.3: name_s = nct_1 || nct_2 || pok_1 || pok_2 */
		for (size_t s = 0; s < c->nwritein; s++) {
			for (size_t k = 0; k < NAMEPT_WIDTH; k++, p += ELGAMAL_CT_LEN)
				if ((e = elgamal_ct_encode(p, c->wi[s].ct[k])) != Q_OK)
					goto out;
			for (size_t k = 0; k < NAMEPT_WIDTH; k++, p += SCHNORR_PROOF_LEN) {
				if (c->wi[s].pok[k] == NULL || c->wi[s].pok[k]->c == NULL) {
					e = Q_ERR_ARG;
					goto out;
				}
				schnorr_proof_encode(p, c->wi[s].pok[k]);
			}
		}
	}
	if ((size_t)(p - buf) != n)
		qfatal("ballot_encode: length mismatch");
	*out = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	free(cts);
	return e;
}

qerr ballot_decode(const ballot_style *st, const uint8_t *in, size_t len, ballot **out)
{
	ballot *b = NULL;
	const uint8_t *p = in, *end = in + len;
	qerr e;
	*out = NULL;
	if (st == NULL || (in == NULL && len > 0))
		return Q_ERR_ARG;
#define NEED(k)                                                                                    \
	do {                                                                                       \
		if ((size_t)(end - p) < (size_t)(k)) {                                             \
			e = Q_ERR_ENCODING;                                                        \
			goto out;                                                                  \
		}                                                                                  \
	} while (0)
	if ((e = ballot_alloc(st, &b)) != Q_OK)
		return e;
	NEED(4);
	if (get_u32(p) != st->ncontests) {
		e = Q_ERR_FORMAT;
		goto out;
	}
	p += 4;
	for (size_t i = 0; i < st->ncontests; i++) {
		const ballot_contest_style *cs = &st->contests[i];
		ballot_contest *c = &b->contests[i];
		NEED(8);
		if (get_u32(p) != cs->noptions || get_u32(p + 4) != cs->ngroups) {
			e = Q_ERR_FORMAT;
			goto out;
		}
		p += 8;
		for (size_t j = 0; j < c->nsel; j++) {
			NEED(ELGAMAL_CT_LEN + RANGE01_LEN);
			if ((e = elgamal_ct_decode(c->sel[j].ct, p, ELGAMAL_CT_LEN)) != Q_OK)
				goto out;
			p += ELGAMAL_CT_LEN;
			if ((e = range_proof_decode_full(&c->sel[j].proof, 0, 1, p, RANGE01_LEN)) !=
			    Q_OK)
				goto out;
			p += RANGE01_LEN;
		}
		for (size_t g = 0; g < c->ngroups; g++) {
			NEED(RANGE01_LEN);
			if ((e = range_proof_decode_full(&c->group_proof[g], 0, 1, p,
			                                 RANGE01_LEN)) != Q_OK)
				goto out;
			p += RANGE01_LEN;
		}
		size_t tl = TOTAL_LEN(cs->min_sel, cs->max_sel);
		NEED(tl);
		if ((e = range_proof_decode_full(&c->total_proof, cs->min_sel, cs->max_sel, p,
		                                 tl)) != Q_OK)
			goto out;
		p += tl;
		for (size_t s = 0; s < c->nwritein; s++) {
			NEED(BALLOT_NAME_LEN);
			for (size_t k = 0; k < NAMEPT_WIDTH; k++, p += ELGAMAL_CT_LEN)
				if ((e = elgamal_ct_decode(c->wi[s].ct[k], p, ELGAMAL_CT_LEN)) !=
				    Q_OK)
					goto out;
			for (size_t k = 0; k < NAMEPT_WIDTH; k++, p += SCHNORR_PROOF_LEN)
				if ((e = schnorr_proof_decode(c->wi[s].pok[k], p,
				                              SCHNORR_PROOF_LEN)) != Q_OK)
					goto out;
		}
	}
	if (p != end) {
		e = Q_ERR_ENCODING;
		goto out;
	}
#undef NEED
	*out = b;
	b = NULL;
	e = Q_OK;
out:
	ballot_free(b);
	return e;
}

void ballot_tracking_code(uint8_t code[BALLOT_CODE_LEN], const ballot_style *st, const uint8_t *enc,
                          size_t len)
{
	/* B-4: code = SHA-256(C-2 transcript: tag, base hash, encoding). */
	transcript t;
	if (transcript_init(&t, BALLOT_TAG_TRACKING) != Q_OK)
		qfatal("ballot_tracking_code: out of memory");
	transcript_bytes(&t, st->base_hash, BALLOT_HASH_LEN);
	transcript_bytes(&t, enc, len);
	transcript_digest(&t, code);
}

/* ---- verification (B-5): batches of range proofs (C-4.3.10) ---- */

/* What a batch item is, to name it when it fails. */
enum { PK_SEL, PK_GROUP, PK_TOTAL };

typedef struct plabel {
	uint32_t contest;
	uint32_t kind; /* PK_* */
	uint32_t idx; /* option or group */
	uint32_t lo, hi;
} plabel;

/* The batch items of a set of ballots: every proof of each, with the
 * group and contest sums it is checked against (owned here). */
typedef struct vbatch {
	range_batch_item *items;
	plabel *label;
	uint8_t (*ctx)[PROOF_CTX_LEN]; /* items[k].ctx = ctx[k] (B-3.4) */
	size_t n, cap;
	elgamal_ct **sums;
	size_t nsums, sumcap;
	/* group and contest sums still to make from the encodings (enc given):
	 * all of the batch's at once in vbatch_sums */
	struct vsum {
		size_t item; /* items[item] gets the sum */
		const ballot *b;
		const uint8_t *enc;
		uint32_t contest, group; /* group UINT32_MAX: the contest's total */
	} * pend;
	size_t npend;
	uint8_t (*sumenc)[2 * POINT_LEN]; /* pend[s]'s sum: alpha || beta */
	/* per item, its parts (range_batch_verify_sums): a sum item's
	 * selections, none for a selection */
	const uint32_t **partp;
	uint32_t *npart;
	uint32_t *parts;
	size_t nparts, partcap;
} vbatch;

static void vbatch_free(vbatch *vb)
{
	for (size_t i = 0; i < vb->nsums; i++)
		elgamal_ct_free(vb->sums[i]);
	free(vb->sums);
	free(vb->pend);
	free(vb->sumenc);
	free(vb->parts);
	free(vb->partp);
	free(vb->npart);
	free(vb->items);
	free(vb->label);
	free(vb->ctx);
	memset(vb, 0, sizeof *vb);
}

/* Room for nb ballots of style st. */
static qerr vbatch_init(vbatch *vb, const ballot_style *st, size_t nb)
{
	size_t per = 0, sums = 0, parts = 0;
	memset(vb, 0, sizeof *vb);
	for (size_t i = 0; i < st->ncontests; i++) {
		per += st->contests[i].noptions + st->contests[i].ngroups + 1;
		sums += st->contests[i].ngroups + 1;
		parts += 2 * (size_t)st->contests[i].noptions; /* its groups, its total */
	}
	if (nb != 0 && (per > SIZE_MAX / sizeof(range_batch_item) / nb))
		return Q_ERR_LIMIT;
	vb->cap = per * nb;
	vb->sumcap = sums * nb;
	vb->items = calloc(vb->cap ? vb->cap : 1, sizeof *vb->items);
	vb->label = calloc(vb->cap ? vb->cap : 1, sizeof *vb->label);
	vb->ctx = calloc(vb->cap ? vb->cap : 1, sizeof *vb->ctx);
	vb->sums = calloc(vb->sumcap ? vb->sumcap : 1, sizeof *vb->sums);
	vb->pend = calloc(vb->sumcap ? vb->sumcap : 1, sizeof *vb->pend);
	vb->sumenc = malloc((vb->sumcap ? vb->sumcap : 1) * sizeof *vb->sumenc);
	if (nb != 0 && parts > SIZE_MAX / sizeof *vb->parts / nb) {
		vbatch_free(vb);
		return Q_ERR_LIMIT;
	}
	vb->partcap = parts * nb;
	vb->parts = malloc((vb->partcap ? vb->partcap : 1) * sizeof *vb->parts);
	vb->partp = calloc(vb->cap ? vb->cap : 1, sizeof *vb->partp);
	vb->npart = calloc(vb->cap ? vb->cap : 1, sizeof *vb->npart);
	if (vb->items == NULL || vb->label == NULL || vb->ctx == NULL || vb->sums == NULL ||
	    vb->pend == NULL || vb->sumenc == NULL || vb->parts == NULL || vb->partp == NULL ||
	    vb->npart == NULL) {
		vbatch_free(vb);
		return Q_ERR_NOMEM;
	}
	return Q_OK;
}

/* b must have st's shape (Q_ERR_FORMAT, why saying where, otherwise). */
static qerr shape_check(const ballot_style *st, const ballot *b, char *why, size_t whylen)
{
	if (b->ncontests != st->ncontests) {
		say(why, whylen, "ballot has %zu contests, the style %zu", b->ncontests,
		    st->ncontests);
		return Q_ERR_FORMAT;
	}
	for (size_t i = 0; i < st->ncontests; i++) {
		const ballot_contest_style *cs = &st->contests[i];
		const ballot_contest *c = &b->contests[i];
		int ok =
		    c->nsel == cs->noptions && c->ngroups == cs->ngroups && c->total_proof != NULL;
		for (size_t j = 0; ok && j < c->nsel; j++)
			ok = c->sel[j].ct != NULL && c->sel[j].proof != NULL;
		for (size_t g = 0; ok && g < c->ngroups; g++)
			ok = c->group_proof[g] != NULL;
		ok = ok && c->nwritein == cs->nwritein;
		for (size_t q = 0; ok && q < c->nwritein; q++)
			for (size_t k = 0; ok && k < NAMEPT_WIDTH; k++)
				ok = c->wi[q].ct[k] != NULL && c->wi[q].pok[k] != NULL;
		if (!ok) {
			say(why, whylen, "contest %zu: wrong shape", i);
			return Q_ERR_FORMAT;
		}
	}
	return Q_OK;
}

/* Append b's proofs (B-5; b has st's shape): each selection's [0,1] on
 * ct_j, each group's [0,1] on the group sum (B-3.2), the contest's
 * [min,max] on the contest sum (B-3.3), each with its own context (B-3.4)
 * from the ballot identity (B-3.0) of b's ciphertexts -- hashed from enc,
 * the B-2 bytes b was decoded from, when given. */
static qerr vbatch_add(vbatch *vb, const ballot_style *st, const ballot *b, const uint8_t *enc)
{
	const uint8_t *p = enc != NULL ? enc + 4 : NULL; /* B-2: after u32(ncontests) */
	uint8_t id[BALLOT_ID_LEN];
	qerr e;
	e = enc != NULL ? ballot_id_enc(id, st, enc, style_enc_len(st)) : ballot_id(id, st, b);
	if (e != Q_OK)
		return e;
	for (size_t i = 0; i < st->ncontests; i++) {
		const ballot_contest_style *cs = &st->contests[i];
		const ballot_contest *c = &b->contests[i];
		size_t base = vb->n; /* the contest's selection items */
		if (p != NULL)
			p += 8; /* u32(noptions) || u32(ngroups) */
		for (size_t j = 0; j < c->nsel; j++) {
			if (vb->n >= vb->cap)
				return Q_ERR_ARG;
			ballot_proof_ctx(vb->ctx[vb->n], st, id, BALLOT_PROOF_SELECTION,
			                 (uint32_t)i, (uint32_t)j);
			/* ct_j's bytes as encoded (saves re-encoding two points) */
			vb->items[vb->n] = (range_batch_item){
			    c->sel[j].proof, vb->ctx[vb->n], c->sel[j].ct, p, 0, 1};
			if (p != NULL)
				p += ELGAMAL_CT_LEN + RANGE01_LEN;
			vb->label[vb->n++] = (plabel){(uint32_t)i, PK_SEL, (uint32_t)j, 0, 1};
		}
		for (uint32_t g = 0; g <= cs->ngroups; g++) {
			int total = g == cs->ngroups;
			elgamal_ct *acc = NULL;
			if (vb->n >= vb->cap || vb->nsums >= vb->sumcap || vb->npend >= vb->sumcap)
				return Q_ERR_ARG;
			if (enc != NULL) {
				/* from the encodings, with the batch's others */
				vb->pend[vb->npend++] = (struct vsum){vb->n, b, enc, (uint32_t)i,
				                                      total ? UINT32_MAX : g};
			} else {
				if ((acc = elgamal_ct_new()) == NULL)
					return Q_ERR_NOMEM;
				vb->sums[vb->nsums++] = acc;
				if ((e = sum_cts(cs, c, total ? UINT32_MAX : g, NULL, acc, NULL,
				                 NULL, NULL)) != Q_OK)
					return e;
			}
			uint32_t lo = total ? cs->min_sel : 0, hi = total ? cs->max_sel : 1;
			ballot_proof_ctx(vb->ctx[vb->n], st, id,
			                 total ? BALLOT_PROOF_CONTEST : BALLOT_PROOF_GROUP,
			                 (uint32_t)i, g);
			vb->items[vb->n] =
			    (range_batch_item){total ? c->total_proof : c->group_proof[g],
			                       vb->ctx[vb->n],
			                       acc,
			                       NULL,
			                       lo,
			                       hi};
			/* its ciphertext is the sum of those of its selections,
			 * base + j: the batch takes their points (parts) */
			uint32_t *pt = vb->parts + vb->nparts, np = 0;
			for (uint32_t j = 0; j < cs->noptions; j++) {
				if (!total && cs->group[j] != g)
					continue;
				if (vb->nparts >= vb->partcap)
					return Q_ERR_ARG;
				pt[np++] = (uint32_t)(vb->n - (base + j));
				vb->nparts++;
			}
			vb->partp[vb->n] = pt;
			vb->npart[vb->n] = np;
			vb->label[vb->n++] =
			    (plabel){(uint32_t)i, total ? PK_TOTAL : PK_GROUP, g, lo, hi};
		}
		if (p != NULL)
			p += cs->ngroups * RANGE01_LEN + TOTAL_LEN(cs->min_sel, cs->max_sel) +
			     cs->nwritein * BALLOT_NAME_LEN;
	}
	return Q_OK;
}

/* The sums vbatch_add left pending (B-3.2, B-3.3), made from the ballots'
 * B-2 bytes with one field inversion for the batch (point_sums_enc); a
 * sum at infinity (no encoding; its proof then fails, C-4.3.10) or a
 * failure other than memory falls back to adding the decoded
 * ciphertexts. */
static qerr vbatch_sums(vbatch *vb, const ballot_style *st)
{
	const uint8_t **ptrs = NULL;
	size_t *end = NULL, np = 0, m = 0;
	uint8_t(*out)[POINT_LEN] = NULL, *inf = NULL;
	qerr e = Q_ERR_NOMEM, es;
	if (vb->npend == 0)
		return Q_OK;
	for (size_t s = 0; s < vb->npend; s++)
		np += 2 * st->contests[vb->pend[s].contest].noptions;
	ptrs = malloc((np ? np : 1) * sizeof *ptrs);
	end = malloc(2 * vb->npend * sizeof *end);
	out = malloc(2 * vb->npend * sizeof *out);
	inf = malloc(2 * vb->npend);
	if (ptrs == NULL || end == NULL || out == NULL || inf == NULL)
		goto out;
	for (size_t s = 0; s < vb->npend; s++) {
		const struct vsum *v = &vb->pend[s];
		const ballot_contest_style *cs = &st->contests[v->contest];
		for (size_t half = 0; half < 2; half++) { /* alpha, then beta */
			for (uint32_t j = 0; j < cs->noptions; j++)
				if (v->group == UINT32_MAX || cs->group[j] == v->group)
					ptrs[m++] =
					    enc_ct(st, v->enc, v->contest, j) + half * POINT_LEN;
			end[2 * s + half] = m;
		}
	}
	es = point_sums_enc(out, inf, ptrs, end, 2 * vb->npend);
	if (es == Q_ERR_NOMEM)
		goto out;
	for (size_t s = 0; s < vb->npend; s++) {
		const struct vsum *v = &vb->pend[s];
		range_batch_item *it = &vb->items[v->item];
		if (es == Q_OK && !inf[2 * s] && !inf[2 * s + 1]) {
			memcpy(vb->sumenc[s], out[2 * s], POINT_LEN);
			memcpy(vb->sumenc[s] + POINT_LEN, out[2 * s + 1], POINT_LEN);
			it->ct = NULL;
			it->ct_enc = vb->sumenc[s];
			continue;
		}
		elgamal_ct *acc = elgamal_ct_new();
		if (acc == NULL || vb->nsums >= vb->sumcap) {
			elgamal_ct_free(acc);
			e = acc == NULL ? Q_ERR_NOMEM : Q_ERR_ARG;
			goto out;
		}
		vb->sums[vb->nsums++] = acc;
		if ((e = sum_cts(&st->contests[v->contest], &v->b->contests[v->contest], v->group,
		                 NULL, acc, NULL, NULL, NULL)) != Q_OK)
			goto out;
		it->ct = acc;
		it->ct_enc = NULL;
	}
	vb->npend = 0;
	e = Q_OK;
out:
	free(ptrs);
	free(end);
	free(out);
	free(inf);
	return e;
}

size_t ballot_style_encoded_len(const ballot_style *st)
{
	return st == NULL ? 0 : style_enc_len(st);
}

size_t ballot_style_opening_len(const ballot_style *st)
{
	/* B-6, B-10.7 */
	return st == NULL ? 0
	                  : st->total_options * (1 + SCALAR_LEN) +
	                        st->total_writein * NAMEPT_WIDTH * SCALAR_LEN;
}

/* B-2, B-10.3: the bytes of one contest of this style; its names are the
 * last c->nwritein * BALLOT_NAME_LEN of them. */
static size_t contest_enc_len(const ballot_contest_style *c)
{
	return 8 + c->noptions * (ELGAMAL_CT_LEN + RANGE01_LEN) + c->ngroups * RANGE01_LEN +
	       TOTAL_LEN(c->min_sel, c->max_sel) + c->nwritein * BALLOT_NAME_LEN;
}

static size_t style_enc_len(const ballot_style *st)
{
	size_t len = 4;
	for (size_t i = 0; i < st->ncontests; i++)
		len += contest_enc_len(&st->contests[i]);
	return len;
}

size_t ballot_style_nct(const ballot_style *st)
{
	/* B-3.0, B-10.4 */
	return st == NULL ? 0 : st->total_options + st->total_writein * NAMEPT_WIDTH;
}

size_t ballot_style_ct_offsets(const ballot_style *st, size_t *off)
{
	size_t pos = 4, t = 0, u = 0;
	if (st == NULL)
		return 0;
	u = st->total_options; /* the names come after every selection */
	for (size_t i = 0; i < st->ncontests; i++) {
		const ballot_contest_style *c = &st->contests[i];
		size_t len = contest_enc_len(c);
		/* B-2: u32 noptions, u32 ngroups, then 518 bytes per selection */
		for (size_t j = 0; j < c->noptions; j++)
			off[t++] = pos + 8 + j * (ELGAMAL_CT_LEN + RANGE01_LEN);
		/* B-10.3: the names end the contest, 388 bytes per slot, the
		 * NAMEPT_WIDTH ciphertexts first */
		for (size_t s = 0; s < c->nwritein; s++)
			for (size_t k = 0; k < NAMEPT_WIDTH; k++)
				off[u++] = pos + len - (c->nwritein - s) * BALLOT_NAME_LEN +
				           k * ELGAMAL_CT_LEN;
		pos += len;
	}
	return pos;
}

qerr ballot_style_ct_place(const ballot_style *st, size_t t, ballot_ct_place *pl)
{
	if (st == NULL || pl == NULL || t >= ballot_style_nct(st))
		return Q_ERR_ARG;
	size_t i = 0;
	if (t < st->total_options) {
		while (t >= st->contests[i].noptions)
			t -= st->contests[i++].noptions;
		*pl = (ballot_ct_place){(uint32_t)i, (uint32_t)t, UINT32_MAX, 0};
		return Q_OK;
	}
	t -= st->total_options;
	while (t >= (size_t)st->contests[i].nwritein * NAMEPT_WIDTH)
		t -= (size_t)st->contests[i++].nwritein * NAMEPT_WIDTH;
	const ballot_contest_style *c = &st->contests[i];
	uint32_t s = (uint32_t)(t / NAMEPT_WIDTH);
	*pl = (ballot_ct_place){(uint32_t)i, c->noptions - c->nwritein + s, s,
	                        (uint32_t)(t % NAMEPT_WIDTH)};
	return Q_OK;
}

static const uint8_t *enc_ct(const ballot_style *st, const uint8_t *enc, size_t i, size_t j)
{
	size_t pos = 4;
	for (size_t k = 0; k < i; k++)
		pos += contest_enc_len(&st->contests[k]);
	return enc + pos + 8 + j * (ELGAMAL_CT_LEN + RANGE01_LEN);
}

static const uint8_t *enc_name(const ballot_style *st, const uint8_t *enc, size_t i, size_t s)
{
	const ballot_contest_style *c = &st->contests[i];
	size_t pos = 4;
	for (size_t k = 0; k <= i; k++)
		pos += contest_enc_len(&st->contests[k]);
	return enc + pos - (c->nwritein - s) * BALLOT_NAME_LEN;
}

/* A failure of the crypto library or memory, not of the proofs. */
static int internal_error(qerr e)
{
	return e == Q_ERR_NOMEM || e == Q_ERR_CRYPTO || e == Q_ERR_LIMIT;
}

/* Check items[from, to) one by one (each a batch of one, which also
 * checks the published commitments, C-4.3.10 step 1) and name the first
 * that fails.  Q_ERR_PROOF if one fails; Q_OK if none does. */
static qerr name_failure(const vbatch *vb, size_t from, size_t to, const point *K,
                         const point_table *Kt, char *why, size_t whylen)
{
	for (size_t k = from; k < to; k++) {
		qerr e = range_batch_verify(&vb->items[k], 1, K, Kt);
		if (e == Q_OK)
			continue;
		if (internal_error(e))
			return e;
		const plabel *l = &vb->label[k];
		/* every proof binds the ballot identity (B-3.4): a ballot whose
		 * ciphertexts were spliced or altered fails all of them, and the
		 * first named alone would mislead; say so */
		int all = to - from > 1;
		for (size_t q = k + 1; all && q < to; q++) {
			qerr eq = range_batch_verify(&vb->items[q], 1, K, Kt);
			if (internal_error(eq))
				return eq;
			all = eq != Q_OK;
		}
		const char *more =
		    all ? " -- as does every proof of the ballot (spliced, altered or "
		          "of another election, B-3.4)"
		        : "";
		if (l->kind == PK_SEL)
			say(why, whylen, "contest %u option %u: 0/1 proof fails (C-4.3, B-3.1)%s",
			    l->contest, l->idx, more);
		else if (l->kind == PK_GROUP)
			say(why, whylen, "contest %u group %u: 0/1 proof fails (B-3.2)%s",
			    l->contest, l->idx, more);
		else
			say(why, whylen, "contest %u: proof of %u..%u selections fails (B-3.3)%s",
			    l->contest, l->lo, l->hi, more);
		return Q_ERR_PROOF;
	}
	return Q_OK;
}

/* Verify one ballot already in vb as items[from, to) after the batch
 * holding it failed: a batch of its own proofs, then each alone. */
static qerr verify_range(const vbatch *vb, size_t from, size_t to, const point *K,
                         const point_table *Kt, char *why, size_t whylen)
{
	if (to == from)
		return Q_OK;
	qerr e = range_batch_verify_sums(&vb->items[from], to - from, K, Kt, vb->partp + from,
	                                 vb->npart + from);
	if (e == Q_OK || internal_error(e))
		return e;
	e = name_failure(vb, from, to, K, Kt, why, whylen);
	if (e == Q_OK) {
		/* The batch failed but every proof alone passes: only with
		 * probability <= 2^-127 (C-4.3.10); refuse all the same. */
		say(why, whylen, "the batch check of its proofs fails (C-4.3.10)");
		e = Q_ERR_PROOF;
	}
	return e;
}

/* B-10.6: every name proof of b (b has st's shape), each a C-4.1 Schnorr
 * proof on its alpha under ctx_name (B-10.5) from b's identity (from enc,
 * the B-2 bytes, when given). */
static qerr names_verify(const ballot_style *st, const ballot *b, const uint8_t *enc, char *why,
                         size_t whylen)
{
	uint8_t id[BALLOT_ID_LEN], ctx[PROOF_CTX_LEN];
	qerr e;
	if (st->total_writein == 0)
		return Q_OK;
	e = enc != NULL ? ballot_id_enc(id, st, enc, style_enc_len(st)) : ballot_id(id, st, b);
	if (e != Q_OK)
		return e;
	for (size_t i = 0; i < st->ncontests; i++) {
		const ballot_contest *c = &b->contests[i];
		for (uint32_t q = 0; q < c->nwritein; q++)
			for (uint32_t k = 0; k < NAMEPT_WIDTH; k++) {
				ballot_writein_ctx(ctx, st, id, (uint32_t)i, q, k);
				e = schnorr_verify(c->wi[q].pok[k], ctx, c->wi[q].ct[k]->a);
				if (e == Q_OK)
					continue;
				if (internal_error(e))
					return e;
				say(why, whylen,
				    "contest %zu write-in %u name point %u: proof of knowledge "
				    "fails "
				    "(B-10.5)",
				    i, q, k);
				return Q_ERR_PROOF;
			}
	}
	return Q_OK;
}

qerr ballot_verify(const ballot_style *st, const point *K, const point_table *K_table,
                   const ballot *b, char *why, size_t whylen)
{
	vbatch vb;
	qerr e;
	if (st == NULL || K == NULL || b == NULL)
		return Q_ERR_ARG;
	if ((e = shape_check(st, b, why, whylen)) != Q_OK)
		return e;
	if ((e = vbatch_init(&vb, st, 1)) != Q_OK)
		return e;
	if ((e = vbatch_add(&vb, st, b, NULL)) == Q_OK)
		e = verify_range(&vb, 0, vb.n, K, K_table, why, whylen);
	if (e == Q_OK)
		e = names_verify(st, b, NULL, why, whylen);
	vbatch_free(&vb);
	return e;
}

qerr ballot_verify_batch(const ballot_style *st, const point *K, const point_table *K_table,
                         const ballot *const *bs, size_t n, qerr *results, size_t *first_bad,
                         char *why, size_t whylen)
{
	return ballot_verify_batch_enc(st, K, K_table, bs, NULL, NULL, n, results, first_bad, why,
	                               whylen);
}

qerr ballot_verify_batch_enc(const ballot_style *st, const point *K, const point_table *K_table,
                             const ballot *const *bs, const uint8_t *const *enc,
                             const size_t *enclen, size_t n, qerr *results, size_t *first_bad,
                             char *why, size_t whylen)
{
	vbatch vb;
	size_t *start = NULL, bad = SIZE_MAX;
	qerr e, first_e = Q_OK;
	char w[200];
	if (first_bad != NULL)
		*first_bad = SIZE_MAX;
	if (st == NULL || K == NULL || (bs == NULL && n > 0))
		return Q_ERR_ARG;
	if ((enc == NULL) != (enclen == NULL))
		return Q_ERR_ARG;
	for (size_t i = 0; i < n; i++)
		if (bs[i] == NULL ||
		    (enc != NULL && (enc[i] == NULL || enclen[i] != style_enc_len(st))))
			return Q_ERR_ARG;
	if ((e = vbatch_init(&vb, st, n)) != Q_OK)
		return e;
	if ((start = calloc(n + 1, sizeof *start)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	/* Ballots of the wrong shape fail at once and stay out of the batch. */
	for (size_t i = 0; i < n; i++) {
		qerr r = shape_check(st, bs[i], w, sizeof w);
		start[i] = vb.n;
		if (results != NULL)
			results[i] = r;
		if (r != Q_OK) {
			if (bad == SIZE_MAX) {
				bad = i;
				first_e = r;
				say(why, whylen, "ballot %zu: %s", i, w);
			}
			continue;
		}
		if ((e = vbatch_add(&vb, st, bs[i], enc != NULL ? enc[i] : NULL)) != Q_OK)
			goto out;
	}
	start[n] = vb.n;
	if ((e = vbatch_sums(&vb, st)) != Q_OK)
		goto out;
	e = vb.n == 0 ? Q_OK
	              : range_batch_verify_sums(vb.items, vb.n, K, K_table,
	                                        (const uint32_t *const *)vb.partp, vb.npart);
	if (internal_error(e))
		goto out;
	if (e != Q_OK) {
		/* Some proof fails: find the ballot(s), each on its own. */
		for (size_t i = 0; i < n; i++) {
			if (start[i + 1] == start[i] && (results == NULL || results[i] != Q_OK))
				continue; /* wrong shape, already failed */
			w[0] = '\0';
			qerr r = verify_range(&vb, start[i], start[i + 1], K, K_table, w, sizeof w);
			if (internal_error(r)) {
				e = r;
				goto out;
			}
			if (results != NULL)
				results[i] = r;
			if (r != Q_OK && (bad == SIZE_MAX || i < bad)) {
				bad = i;
				first_e = r;
				say(why, whylen, "ballot %zu: %s", i, w);
			}
		}
		if (bad == SIZE_MAX) {
			/* The batch failed but no ballot does alone:
			 * probability <= 2^-127 (C-4.3.10).  Refuse. */
			say(why, whylen, "the batch check fails but no ballot alone does");
			e = Q_ERR_PROOF;
			goto out;
		}
	}
	/* B-10.6: the name proofs of every ballot not already refused */
	for (size_t i = 0; st->total_writein > 0 && i < n; i++) {
		if (i == bad || (results != NULL && results[i] != Q_OK) ||
		    shape_check(st, bs[i], NULL, 0) != Q_OK)
			continue;
		w[0] = '\0';
		qerr r = names_verify(st, bs[i], enc != NULL ? enc[i] : NULL, w, sizeof w);
		if (internal_error(r)) {
			e = r;
			goto out;
		}
		if (results != NULL)
			results[i] = r;
		if (r != Q_OK && (bad == SIZE_MAX || i < bad)) {
			bad = i;
			first_e = r;
			say(why, whylen, "ballot %zu: %s", i, w);
		}
	}
	if (first_bad != NULL)
		*first_bad = bad;
	e = first_e;
out:
	free(start);
	vbatch_free(&vb);
	return e;
}

qerr ballot_opening_encode(const ballot_opening *op, uint8_t **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	if (op == NULL)
		return Q_ERR_ARG;
	size_t n = op->n * (1 + SCALAR_LEN) + op->nname * SCALAR_LEN;
	uint8_t *buf = malloc(n ? n : 1);
	if (buf == NULL)
		return Q_ERR_NOMEM;
	for (size_t i = 0; i < op->n; i++) {
		buf[i * (1 + SCALAR_LEN)] = op->marks[i];
		scalar_encode(buf + i * (1 + SCALAR_LEN) + 1, op->nonce[i]);
	}
	/* B-10.7: then the name nonces */
	for (size_t i = 0; i < op->nname; i++)
		scalar_encode(buf + op->n * (1 + SCALAR_LEN) + i * SCALAR_LEN, op->name_nonce[i]);
	*out = buf;
	*len = n;
	return Q_OK;
}

qerr ballot_opening_decode(const ballot_style *st, const uint8_t *in, size_t len,
                           ballot_opening **out)
{
	qerr e = Q_ERR_NOMEM;
	*out = NULL;
	if (st == NULL || (in == NULL && len > 0))
		return Q_ERR_ARG;
	if (len != ballot_style_opening_len(st))
		return Q_ERR_ENCODING;
	ballot_opening *op = calloc(1, sizeof *op);
	if (op == NULL)
		return Q_ERR_NOMEM;
	op->n = st->total_options;
	op->nname = st->total_writein * NAMEPT_WIDTH;
	op->marks = malloc(op->n ? op->n : 1);
	op->nonce = calloc(op->n ? op->n : 1, sizeof *op->nonce);
	op->name_nonce = calloc(op->nname ? op->nname : 1, sizeof *op->name_nonce);
	if (op->marks == NULL || op->nonce == NULL || op->name_nonce == NULL)
		goto out;
	for (size_t i = 0; i < op->nname; i++) {
		if ((op->name_nonce[i] = scalar_new()) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		if ((e = scalar_decode(op->name_nonce[i],
		                       in + op->n * (1 + SCALAR_LEN) + i * SCALAR_LEN,
		                       SCALAR_LEN)) != Q_OK)
			goto out;
	}
	for (size_t i = 0; i < op->n; i++) {
		const uint8_t *p = in + i * (1 + SCALAR_LEN);
		if (p[0] > 1) {
			e = Q_ERR_ENCODING;
			goto out;
		}
		op->marks[i] = p[0];
		if ((op->nonce[i] = scalar_new()) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		if ((e = scalar_decode(op->nonce[i], p + 1, SCALAR_LEN)) != Q_OK)
			goto out;
	}
	*out = op;
	op = NULL;
	e = Q_OK;
out:
	ballot_opening_free(op);
	return e;
}

qerr ballot_opening_check(const ballot_style *st, const point *K, const ballot *b,
                          const ballot_opening *op, char *why, size_t whylen)
{
	elgamal_ct *ct = NULL;
	uint8_t x[ELGAMAL_CT_LEN], y[ELGAMAL_CT_LEN];
	qerr e = Q_OK;
	if (st == NULL || K == NULL || b == NULL || op == NULL)
		return Q_ERR_ARG;
	if (b->ncontests != st->ncontests || op->n != st->total_options ||
	    op->nname != st->total_writein * NAMEPT_WIDTH) {
		say(why, whylen, "opening does not have the ballot's shape");
		return Q_ERR_FORMAT;
	}
	if ((ct = elgamal_ct_new()) == NULL)
		return Q_ERR_NOMEM;
	size_t k = 0;
	for (size_t i = 0; i < st->ncontests; i++) {
		const ballot_contest *c = &b->contests[i];
		if (c->nsel != st->contests[i].noptions) {
			say(why, whylen, "contest %zu: wrong shape", i);
			e = Q_ERR_FORMAT;
			goto out;
		}
		for (size_t j = 0; j < c->nsel; j++, k++) {
			/* B-7: (rG, mG + rK) must equal the published ciphertext. */
			if (op->marks[k] > 1 ||
			    elgamal_encrypt_k(ct, op->marks[k], op->nonce[k], K) != Q_OK ||
			    elgamal_ct_encode(x, ct) != Q_OK ||
			    elgamal_ct_encode(y, c->sel[j].ct) != Q_OK ||
			    memcmp(x, y, ELGAMAL_CT_LEN) != 0) {
				say(why, whylen,
				    "contest %zu option %zu: opening does not re-encrypt "
				    "to the ciphertext (B-7)",
				    i, j);
				e = Q_ERR_PROOF;
				goto out;
			}
		}
	}
	/* B-10.7: each slot's name ciphertexts open to a name */
	for (size_t q = 0; q < st->total_writein; q++) {
		uint8_t name[NAMEPT_MAX_BYTES(NAMEPT_WIDTH) + 1];
		size_t len;
		if ((e = ballot_opening_name(st, K, b, op, q, name, &len)) != Q_OK) {
			if (e == Q_ERR_PROOF || e == Q_ERR_ENCODING)
				say(why, whylen, "write-in %zu: opening does not %s (B-10.7)", q,
				    e == Q_ERR_PROOF ? "re-encrypt to the name ciphertext"
				                     : "decrypt to a name");
			if (e == Q_ERR_ENCODING)
				e = Q_ERR_PROOF;
			goto out;
		}
	}
out:
	elgamal_ct_free(ct);
	return e;
}

qerr ballot_opening_name(const ballot_style *st, const point *K, const ballot *b,
                         const ballot_opening *op, size_t slot,
                         uint8_t out[NAMEPT_MAX_BYTES(NAMEPT_WIDTH) + 1], size_t *len)
{
	point *pts[NAMEPT_WIDTH] = {NULL}, *t = NULL;
	qerr e = Q_ERR_NOMEM;
	*len = 0;
	if (st == NULL || K == NULL || b == NULL || op == NULL || slot >= st->total_writein ||
	    op->nname != st->total_writein * NAMEPT_WIDTH || b->ncontests != st->ncontests)
		return Q_ERR_ARG;
	size_t i = 0, s = slot;
	while (i < st->ncontests && s >= st->contests[i].nwritein)
		s -= st->contests[i++].nwritein;
	if (i == st->ncontests || b->contests[i].nwritein != st->contests[i].nwritein)
		return Q_ERR_ARG;
	const ballot_writein *w = &b->contests[i].wi[s];
	if ((t = point_new()) == NULL)
		goto out;
	for (size_t k = 0; k < NAMEPT_WIDTH; k++) {
		const scalar *rho = op->name_nonce[slot * NAMEPT_WIDTH + k];
		if ((pts[k] = point_new()) == NULL)
			goto out;
		/* alpha = rho G, then P_k = beta - rho K (C-8.2.2) */
		if ((e = point_mul_base(t, rho)) != Q_OK)
			goto out;
		if (!point_eq(t, w->ct[k]->a)) {
			e = Q_ERR_PROOF;
			goto out;
		}
		if ((e = point_mul(t, rho, K)) != Q_OK ||
		    (e = point_sub(pts[k], w->ct[k]->b, t)) != Q_OK)
			goto out;
	}
	e = namept_decode(out, len, (const point *const *)pts, NAMEPT_WIDTH);
	if (e != Q_OK && e != Q_ERR_NOMEM)
		e = Q_ERR_ENCODING;
out:
	for (size_t k = 0; k < NAMEPT_WIDTH; k++)
		point_free(pts[k]);
	point_free(t);
	return e;
}

static json_t *hex_json(const uint8_t *p, size_t n)
{
	char *h = malloc(2 * n + 1);
	if (h == NULL)
		return NULL;
	hex_encode(h, p, n);
	json_t *s = json_string(h);
	free(h);
	return s;
}

static json_t *proof_json(const range_proof *pf)
{
	if (pf == NULL)
		return NULL;
	size_t n = TOTAL_LEN(pf->lo, pf->hi);
	uint8_t *buf = malloc(n);
	if (buf == NULL)
		return NULL;
	if (range_proof_encode_full(buf, pf) != Q_OK) {
		free(buf);
		return NULL;
	}
	json_t *j = hex_json(buf, n);
	free(buf);
	return j;
}

/* B-8: [{"ciphertexts": [hex, hex], "proofs": [hex, hex]}, ...] (B-10.3) */
static json_t *writeins_json(const ballot_contest *c)
{
	uint8_t ct[ELGAMAL_CT_LEN], pf[SCHNORR_PROOF_LEN];
	json_t *a = json_array();
	for (size_t q = 0; a != NULL && q < c->nwritein; q++) {
		json_t *cts = json_array(), *pfs = json_array();
		if (json_array_append_new(
		        a, json_pack("{s:o, s:o}", "ciphertexts", cts, "proofs", pfs)) != 0)
			goto fail;
		for (size_t k = 0; k < NAMEPT_WIDTH; k++) {
			if (elgamal_ct_encode(ct, c->wi[q].ct[k]) != Q_OK ||
			    json_array_append_new(cts, hex_json(ct, sizeof ct)) != 0)
				goto fail;
			schnorr_proof_encode(pf, c->wi[q].pok[k]);
			if (json_array_append_new(pfs, hex_json(pf, sizeof pf)) != 0)
				goto fail;
		}
	}
	return a;
fail:
	json_decref(a);
	return NULL;
}

json_t *ballot_to_json(const ballot *b)
{
	uint8_t ct[ELGAMAL_CT_LEN];
	json_t *cs = json_array(), *root = NULL;
	if (cs == NULL || b == NULL)
		goto fail;
	for (size_t i = 0; i < b->ncontests; i++) {
		const ballot_contest *c = &b->contests[i];
		json_t *sels = json_array(), *groups = json_array();
		if (sels == NULL || groups == NULL ||
		    json_array_append_new(cs, json_pack("{s:o, s:o, s:o}", "selections", sels,
		                                        "groups", groups, "total",
		                                        proof_json(c->total_proof))) != 0)
			goto fail;
		for (size_t j = 0; j < c->nsel; j++) {
			if (elgamal_ct_encode(ct, c->sel[j].ct) != Q_OK)
				goto fail;
			if (json_array_append_new(
			        sels, json_pack("{s:o, s:o}", "ciphertext", hex_json(ct, sizeof ct),
			                        "proof", proof_json(c->sel[j].proof))) != 0)
				goto fail;
		}
		for (size_t g = 0; g < c->ngroups; g++)
			if (json_array_append_new(groups, proof_json(c->group_proof[g])) != 0)
				goto fail;
		if (c->nwritein > 0 &&
		    json_object_set_new(json_array_get(cs, i), "write_ins", writeins_json(c)) != 0)
			goto fail;
	}
	root = json_pack("{s:o}", "contests", cs);
	return root;
fail:
	json_decref(cs);
	return NULL;
}

json_t *ballot_opening_to_json(const ballot_style *st, const ballot_opening *op)
{
	uint8_t r[SCALAR_LEN];
	json_t *marks = json_array(), *nonces = json_array();
	if (marks == NULL || nonces == NULL || st == NULL || op == NULL ||
	    op->n != st->total_options)
		goto fail;
	size_t k = 0;
	for (size_t i = 0; i < st->ncontests; i++) {
		json_t *m = json_array(), *n = json_array();
		if (json_array_append_new(marks, m) != 0 || json_array_append_new(nonces, n) != 0)
			goto fail;
		for (uint32_t j = 0; j < st->contests[i].noptions; j++, k++) {
			scalar_encode(r, op->nonce[k]);
			json_array_append_new(m, json_integer(op->marks[k]));
			json_array_append_new(n, hex_json(r, sizeof r));
		}
	}
	if (op->nname == 0)
		return json_pack("{s:o, s:o}", "marks", marks, "nonces", nonces);
	/* B-10.7: "name_nonces", per slot its NAMEPT_WIDTH nonces */
	json_t *nn = json_array();
	for (size_t q = 0; nn != NULL && q < st->total_writein; q++) {
		json_t *a = json_array();
		if (json_array_append_new(nn, a) != 0)
			break;
		for (size_t t = 0; t < NAMEPT_WIDTH; t++) {
			scalar_encode(r, op->name_nonce[q * NAMEPT_WIDTH + t]);
			json_array_append_new(a, hex_json(r, sizeof r));
		}
	}
	return json_pack("{s:o, s:o, s:o}", "marks", marks, "nonces", nonces, "name_nonces", nn);
fail:
	json_decref(marks);
	json_decref(nonces);
	return NULL;
}

/* Append the hex string j (exactly want bytes) to buf at *off. */
static qerr take_hex(const json_t *j, uint8_t *buf, size_t *off, size_t cap, size_t want)
{
	const char *s = json_string_value(j);
	if (s == NULL || *off + want > cap)
		return Q_ERR_FORMAT;
	if (hex_decode(buf + *off, want, s, json_string_length(j)) != Q_OK)
		return Q_ERR_ENCODING;
	*off += want;
	return Q_OK;
}

qerr ballot_from_json(const ballot_style *st, const json_t *j, ballot **out)
{
	qerr e = Q_ERR_FORMAT;
	size_t cap = 4, off = 0;
	uint8_t *buf = NULL;
	*out = NULL;
	const json_t *cs = json_object_get(j, "contests");
	if (st == NULL || !json_is_array(cs) || json_array_size(cs) != st->ncontests)
		return Q_ERR_FORMAT;
	for (size_t i = 0; i < st->ncontests; i++) {
		const ballot_contest_style *c = &st->contests[i];
		cap += contest_enc_len(c);
	}
	if ((buf = malloc(cap)) == NULL)
		return Q_ERR_NOMEM;
	put_u32(buf, (uint32_t)st->ncontests);
	off = 4;
	for (size_t i = 0; i < st->ncontests; i++) {
		const ballot_contest_style *c = &st->contests[i];
		const json_t *jc = json_array_get(cs, i);
		const json_t *sels = json_object_get(jc, "selections");
		const json_t *groups = json_object_get(jc, "groups");
		if (!json_is_array(sels) || json_array_size(sels) != c->noptions ||
		    !json_is_array(groups) || json_array_size(groups) != c->ngroups)
			goto out;
		put_u32(buf + off, c->noptions);
		put_u32(buf + off + 4, c->ngroups);
		off += 8;
		for (size_t k = 0; k < c->noptions; k++) {
			const json_t *s = json_array_get(sels, k);
			if ((e = take_hex(json_object_get(s, "ciphertext"), buf, &off, cap,
			                  ELGAMAL_CT_LEN)) != Q_OK ||
			    (e = take_hex(json_object_get(s, "proof"), buf, &off, cap,
			                  RANGE01_LEN)) != Q_OK)
				goto out;
		}
		for (size_t g = 0; g < c->ngroups; g++)
			if ((e = take_hex(json_array_get(groups, g), buf, &off, cap,
			                  RANGE01_LEN)) != Q_OK)
				goto out;
		if ((e = take_hex(json_object_get(jc, "total"), buf, &off, cap,
		                  TOTAL_LEN(c->min_sel, c->max_sel))) != Q_OK)
			goto out;
		/* B-10.3, B-8: "write_ins" only where the style has slots */
		const json_t *wis = json_object_get(jc, "write_ins");
		if (c->nwritein == 0 && wis != NULL) {
			e = Q_ERR_FORMAT;
			goto out;
		}
		if (c->nwritein > 0 &&
		    (!json_is_array(wis) || json_array_size(wis) != c->nwritein)) {
			e = Q_ERR_FORMAT;
			goto out;
		}
		for (size_t q = 0; q < c->nwritein; q++) {
			const json_t *w = json_array_get(wis, q);
			const json_t *cts = json_object_get(w, "ciphertexts");
			const json_t *pfs = json_object_get(w, "proofs");
			if (!json_is_array(cts) || json_array_size(cts) != NAMEPT_WIDTH ||
			    !json_is_array(pfs) || json_array_size(pfs) != NAMEPT_WIDTH) {
				e = Q_ERR_FORMAT;
				goto out;
			}
			for (size_t k = 0; k < NAMEPT_WIDTH; k++)
				if ((e = take_hex(json_array_get(cts, k), buf, &off, cap,
				                  ELGAMAL_CT_LEN)) != Q_OK)
					goto out;
			for (size_t k = 0; k < NAMEPT_WIDTH; k++)
				if ((e = take_hex(json_array_get(pfs, k), buf, &off, cap,
				                  SCHNORR_PROOF_LEN)) != Q_OK)
					goto out;
		}
	}
	e = ballot_decode(st, buf, off, out);
out:
	free(buf);
	return e;
}

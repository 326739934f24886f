/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * verify_xcheck.c -- check 10: the independent re-check with libgcrypt
 * (crypto/xcheck.h; docs/spec/secrets.md S-7).  docs/spec/verify.md V-12.
 *
 * Everything here recomputes from bytes with libgcrypt only: transcript
 * hashes are assembled byte by byte (C-2.1) and hashed with xcheck_sha256,
 * reduced mod n with the 256-bit helpers below, and every group equation is
 * evaluated with xcheck_* point arithmetic.  OpenSSL is used only to
 * serialise values that check 4..7 already decoded (encodings are bytes).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/threshold.h"
#include "crypto/util.h"
#include "crypto/xcheck.h"
#include "election/srec.h"
#include "election/srec_stream.h"
#include "verify_internal.h"

#include "banned.h"

#define TAG_TRACK "quorum/v1/ballot/tracking-code"

/* n, the order of P-256 (C-1.1). */
static const uint8_t N[32] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
                              0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
                              0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

static int u256_cmp(const uint8_t a[32], const uint8_t b[32])
{
	return memcmp(a, b, 32); /* big-endian, equal length */
}

/* r = a - b (mod 2^256); returns the borrow. */
static int u256_sub(uint8_t r[32], const uint8_t a[32], const uint8_t b[32])
{
	int borrow = 0;
	for (int i = 31; i >= 0; i--) {
		int d = (int)a[i] - (int)b[i] - borrow;
		borrow = d < 0;
		r[i] = (uint8_t)(d & 0xff);
	}
	return borrow;
}

/* r = (a + b) mod n for a, b < n. */
static void mod_add(uint8_t r[32], const uint8_t a[32], const uint8_t b[32])
{
	int carry = 0;
	uint8_t t[32];
	for (int i = 31; i >= 0; i--) {
		int s = (int)a[i] + (int)b[i] + carry;
		carry = s >> 8;
		t[i] = (uint8_t)(s & 0xff);
	}
	if (carry || u256_cmp(t, N) >= 0)
		(void)u256_sub(t, t, N);
	memcpy(r, t, 32);
}

/* r = -a mod n for a < n. */
static void mod_neg(uint8_t r[32], const uint8_t a[32])
{
	static const uint8_t zero[32];
	if (memcmp(a, zero, 32) == 0) {
		memset(r, 0, 32);
		return;
	}
	(void)u256_sub(r, N, a);
}

/* digest mod n (C-1.3): digest < 2^256 < 2n, so one subtraction. */
static void mod_reduce(uint8_t r[32], const uint8_t d[32])
{
	memcpy(r, d, 32);
	if (u256_cmp(r, N) >= 0)
		(void)u256_sub(r, r, N);
}

/* ---- a C-2.1 transcript assembled by hand ---- */

typedef struct tbuf {
	uint8_t *p;
	size_t len, cap;
	int oom;
} tbuf;

static void tb_field(tbuf *t, const void *d, size_t len)
{
	if (t->len + 4 + len > t->cap) {
		size_t nc = (t->cap ? t->cap * 2 : 1024) + 4 + len;
		uint8_t *np = realloc(t->p, nc);
		if (np == NULL) {
			t->oom = 1;
			return;
		}
		t->p = np;
		t->cap = nc;
	}
	t->p[t->len++] = (uint8_t)(len >> 24);
	t->p[t->len++] = (uint8_t)(len >> 16);
	t->p[t->len++] = (uint8_t)(len >> 8);
	t->p[t->len++] = (uint8_t)len;
	if (len > 0)
		memcpy(t->p + t->len, d, len);
	t->len += len;
}

static void tb_u32(tbuf *t, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	tb_field(t, b, 4);
}

static void tb_u64(tbuf *t, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (56 - 8 * i));
	tb_field(t, b, 8);
}

static void tb_tag(tbuf *t, const char *tag)
{
	t->len = 0;
	tb_field(t, tag, strlen(tag));
}

/* ---- point helpers on 65-byte encodings, infinity-safe ---- */

static void u64_scalar(uint8_t out[32], uint64_t v)
{
	memset(out, 0, 32);
	for (int i = 0; i < 8; i++)
		out[31 - i] = (uint8_t)(v >> (8 * i));
}

/* out = a*P + b*Q (P == NULL means G), one libgcrypt linear combination
 * (xcheck_lincomb_eval); Q_ERR_POINT if the result is infinity (no
 * encoding; a valid proof never gives one). */
static qerr lin2(uint8_t out[65], const uint8_t a[32], const uint8_t *P, const uint8_t b[32],
                 const uint8_t *Q)
{
	xcheck_term t[2] = {{a, P, 0}, {b, Q, 0}};
	return xcheck_lincomb_eval(out, t, 2);
}

/* r = j*c mod n (double and add with mod_add). */
static void mod_mul_u64(uint8_t r[32], uint64_t j, const uint8_t c[32])
{
	uint8_t acc[32] = {0};
	for (int bit = 63; bit >= 0; bit--) {
		mod_add(acc, acc, acc);
		if ((j >> bit) & 1)
			mod_add(acc, acc, c);
	}
	memcpy(r, acc, 32);
}

/* C-4.3.6-8: a range proof for ct (130 bytes) in [lo, hi] with proof
 * scalars c[j], v[j] (32 bytes each), re-verified with libgcrypt. */
static qerr range_check(const ve_ctx *c, tbuf *t, const uint8_t ctx[32], const uint8_t ct[130],
                        uint64_t lo, uint64_t hi, const uint8_t (*cj)[32], const uint8_t (*vj)[32])
{
	const uint8_t *alpha = ct, *beta = ct + 65;
	uint8_t sum[32] = {0}, jc[32], d[32], ch[32];
	qerr e;
	tb_tag(t, "quorum/v1/proof/range");
	tb_field(t, ctx, 32);
	tb_field(t, c->Kenc, 65);
	tb_u64(t, lo);
	tb_u64(t, hi);
	tb_field(t, alpha, 65);
	tb_field(t, beta, 65);
	for (uint64_t j = lo; j <= hi; j++) {
		const uint8_t *c_ = cj[j - lo], *v_ = vj[j - lo];
		uint8_t a[65], b[65];
		/* a_j = v_j G - c_j alpha */
		xcheck_term ta[2] = {{v_, NULL, 0}, {c_, alpha, 1}};
		if ((e = xcheck_lincomb_eval(a, ta, 2)) != Q_OK)
			return e;
		/* b_j = v_j K + c_j (jG - beta) = v_j K + (j c_j) G - c_j beta */
		mod_mul_u64(jc, j, c_);
		xcheck_term tb[3] = {{v_, c->Kenc, 0}, {jc, NULL, 0}, {c_, beta, 1}};
		if ((e = xcheck_lincomb_eval(b, tb, 3)) != Q_OK)
			return e;
		tb_field(t, a, 65);
		tb_field(t, b, 65);
		mod_add(sum, sum, c_);
	}
	if (t->oom)
		return Q_ERR_NOMEM;
	xcheck_sha256(d, t->p, t->len);
	mod_reduce(ch, d);
	return memcmp(ch, sum, 32) == 0 ? Q_OK : Q_ERR_PROOF;
}

static qerr range_check_pf(const ve_ctx *c, tbuf *t, const uint8_t ctx[32], const uint8_t ct[130],
                           const range_proof *pf)
{
	uint8_t(*cj)[32] = calloc(pf->count, 32), (*vj)[32] = calloc(pf->count, 32);
	qerr e = Q_ERR_NOMEM;
	if (cj != NULL && vj != NULL) {
		for (size_t i = 0; i < pf->count; i++) {
			scalar_encode(cj[i], pf->c[i]);
			scalar_encode(vj[i], pf->v[i]);
		}
		e = range_check(c, t, ctx, ct, pf->lo, pf->hi, (const uint8_t(*)[32])cj,
		                (const uint8_t(*)[32])vj);
	}
	free(cj);
	free(vj);
	return e;
}

/* ct = ct + x (130-byte encodings); a NULL-initialised accumulator is
 * marked by *have = 0. */
static qerr ct_add(uint8_t acc[130], int *have, const uint8_t x[130])
{
	qerr e;
	if (!*have) {
		memcpy(acc, x, 130);
		*have = 1;
		return Q_OK;
	}
	if ((e = xcheck_add65(acc, acc, x)) != Q_OK)
		return e;
	return xcheck_add65(acc + 65, acc + 65, x + 65);
}

/* B-3.0, B-10.4: the ballot identity, H_T(tag; H_B, ct_1, ..., ct_T,
 * nct_1, ..., nct_U), from the ciphertext bytes of the B-2 encoding
 * (ballot_style_ct_offsets: the selections, then the names), with
 * libgcrypt. */
static qerr ballot_id_x(const ve_ctx *c, tbuf *t, const ve_ballot *vb, uint8_t id[32])
{
	size_t T = ballot_style_nct(c->style);
	size_t *off = calloc(T ? T : 1, sizeof *off);
	if (off == NULL)
		return Q_ERR_NOMEM;
	if (ballot_style_ct_offsets(c->style, off) != vb->len) {
		free(off);
		return Q_ERR_ENCODING;
	}
	tb_tag(t, BALLOT_TAG_ID);
	tb_field(t, c->base_hash, 32);
	for (size_t s = 0; s < T; s++)
		tb_field(t, vb->enc + off[s], 130);
	free(off);
	if (t->oom)
		return Q_ERR_NOMEM;
	xcheck_sha256(id, t->p, t->len);
	return Q_OK;
}

/* B-3.4: the context of one proof (kind: the tag), with libgcrypt;
 * idx < 0 for the contest total (no index field). */
static void proof_ctx_x(const ve_ctx *c, tbuf *t, const char *tag, const uint8_t id[32],
                        size_t contest, long idx, uint8_t ctx[32])
{
	tb_tag(t, tag);
	tb_field(t, c->base_hash, 32);
	tb_field(t, id, 32);
	tb_u32(t, (uint32_t)contest);
	if (idx >= 0)
		tb_u32(t, (uint32_t)idx);
	xcheck_sha256(ctx, t->p, t->len); /* t->oom: the caller's check fails */
}

/* One ballot: tracking code and every range proof.  Reads c only (so it
 * runs on any thread, with its own t); 0 if it holds, else -1 with the
 * failure, as check 10 reports it, in why. */
static int xcheck_ballot(const ve_ctx *c, tbuf *t, const ve_ballot *vb, const ballot *b, char *why,
                         size_t whylen)
{
	const ve_station *s = &c->st[vb->station];
	uint8_t d[32];
	tb_tag(t, TAG_TRACK);
	tb_field(t, c->base_hash, 32);
	tb_field(t, vb->enc, vb->len);
	if (t->oom) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	xcheck_sha256(d, t->p, t->len);
	if (memcmp(d, vb->code, 32) != 0) {
		snprintf(why, whylen, "stations/%s: ballots[%zu]: tracking code (libgcrypt)", s->id,
		         vb->index);
		return -1;
	}
	uint8_t id[32], ctx[32];
	if (ballot_id_x(c, t, vb, id) != Q_OK) {
		snprintf(why, whylen, "stations/%s: ballots[%zu]: ballot identity (B-3.0)", s->id,
		         vb->index);
		return -1;
	}
	for (size_t k = 0; k < b->ncontests; k++) {
		const ballot_contest *bc = &b->contests[k];
		const ballot_contest_style *cs = &c->style->contests[k];
		uint8_t tot[130], grp[BALLOT_MAX_OPTIONS][130];
		int have_tot = 0, have_grp[BALLOT_MAX_OPTIONS] = {0};
		for (size_t j = 0; j < bc->nsel; j++) {
			uint8_t ct[130];
			qerr e = elgamal_ct_encode(ct, bc->sel[j].ct);
			proof_ctx_x(c, t, BALLOT_TAG_SELECTION, id, k, (long)j, ctx);
			if (e == Q_OK)
				e = range_check_pf(c, t, ctx, ct, bc->sel[j].proof);
			if (e == Q_OK)
				e = ct_add(tot, &have_tot, ct);
			if (e == Q_OK && cs->ngroups > 0 && cs->group[j] < BALLOT_MAX_OPTIONS)
				e = ct_add(grp[cs->group[j]], &have_grp[cs->group[j]], ct);
			if (e != Q_OK) {
				snprintf(
				    why, whylen,
				    "stations/%s: ballots[%zu]: contest %zu option %zu: the 0/1 "
				    "proof fails under libgcrypt (C-4.3.8): %s",
				    s->id, vb->index, k, j, qerr_str(e));
				return -1;
			}
		}
		for (size_t g = 0; g < bc->ngroups; g++) {
			proof_ctx_x(c, t, BALLOT_TAG_GROUP, id, k, (long)g, ctx);
			if (!have_grp[g] ||
			    range_check_pf(c, t, ctx, grp[g], bc->group_proof[g]) != Q_OK) {
				snprintf(why, whylen,
				         "stations/%s: ballots[%zu]: contest %zu group %zu: proof "
				         "fails under libgcrypt",
				         s->id, vb->index, k, g);
				return -1;
			}
		}
		proof_ctx_x(c, t, BALLOT_TAG_CONTEST, id, k, -1, ctx);
		if (!have_tot || range_check_pf(c, t, ctx, tot, bc->total_proof) != Q_OK) {
			snprintf(why, whylen,
			         "stations/%s: ballots[%zu]: contest %zu: the total's proof fails "
			         "under libgcrypt",
			         s->id, vb->index, k);
			return -1;
		}
	}
	return 0;
}

qerr ve_xcheck_record_sig(const uint8_t pk[32], const void *record, size_t len,
                          const uint8_t sig[64])
{
	uint8_t m[SREC_SIG_MSG_LEN];
	/* P-7.2: tag || SHA-256(record), both by libgcrypt */
	memcpy(m, SREC_SIG_TAG, SREC_SIG_TAG_LEN);
	xcheck_sha256(m + SREC_SIG_TAG_LEN, record, len);
	return xcheck_ed25519_verify(pk, m, sizeof m, sig);
}

/* P-7.2 with libgcrypt's SHA-256 and Ed25519: every station's signature
 * (the signed message is short whatever the record's size). */
static void xcheck_signatures(ve_ctx *c)
{
	for (size_t i = 0; i < c->nst; i++) {
		ve_station *s = &c->st[i];
		char rel[VE_PATH_MAX], path[VE_PATH_MAX], why[VE_DETAIL_LEN];
		uint8_t *st = NULL, sig[SIG_LEN + 3], m[SREC_SIG_MSG_LEN];
		size_t sl, siglen = sizeof sig;
		int ok = 0;
		if (!s->have_vk) {
			ve_fail(c, VE_CROSSCHECK,
			        "stations/%s/station-record.json: signature not cross-checked: %s "
			        "(check 3)",
			        s->id, s->unusable[0] ? s->unusable : "no usable log.vkey");
			continue;
		}
		snprintf(rel, sizeof rel, "stations/%s/station-record.json", s->id);
		/* V-12 (2): libgcrypt's SHA-256 of the bytes check 3 read (its
		 * own hash of them; the file is not read a third time), or, if
		 * check 3 could not make it (memory), of the file */
		if (s->have_xsha)
			memcpy(m + SREC_SIG_TAG_LEN, s->rec_xsha, 32);
		if (s->have_xsha ||
		    (ve_path(c, path, sizeof path, rel) == Q_OK &&
		     xcheck_sha256_file(m + SREC_SIG_TAG_LEN, path, NULL) == Q_OK)) {
			snprintf(rel, sizeof rel, "stations/%s/station-record.json.sig", s->id);
			if (ve_read(c, rel, &st, &sl, why, sizeof why) == Q_OK) {
				if (sl > 0 && st[sl - 1] == '\n')
					sl--;
				memcpy(m, SREC_SIG_TAG, SREC_SIG_TAG_LEN);
				ok = b64_decode(sig, &siglen, (const char *)st, sl) == Q_OK &&
				     siglen == SIG_LEN &&
				     xcheck_ed25519_verify(s->vk.pk, m, sizeof m, sig) == Q_OK;
			}
		}
		if (ok)
			ve_ok(c, VE_CROSSCHECK);
		else
			ve_fail(c, VE_CROSSCHECK,
			        "stations/%s/station-record.json: signature fails under libgcrypt",
			        s->id);
		free(st);
	}
}

/* with libgcrypt's SHA-256. */
static void xcheck_base_hash(ve_ctx *c, tbuf *t)
{
	uint8_t d[32];
	tb_tag(t, VE_TAG_BASE);
	tb_field(t, c->mbytes, c->mlen);
	tb_field(t, c->pbytes, c->plen);
	if (t->oom)
		return;
	xcheck_sha256(d, t->p, t->len);
	if (memcmp(d, c->base_hash, 32) != 0)
		ve_fail(c, VE_CROSSCHECK, "base hash (libgcrypt) differs");
	else
		ve_ok(c, VE_CROSSCHECK);
}

/* R-6 (3): the whole aggregate re-added with libgcrypt.  Per selection
 * and per half of its ciphertext (alpha, then beta), the sum of every
 * counted ballot's point, made with libgcrypt alone (point decoding and
 * addition) while check 4 read the ballots one at a time (V-14), equals
 * the published point (or is the point at infinity for a null
 * ciphertext). */
static void xcheck_aggregate(ve_ctx *c)
{
	size_t T = c->style->total_options;
	if (c->nundecoded > 0) {
		ve_fail(c, VE_CROSSCHECK,
		        "tally/aggregate.json: not cross-checked: stations/%s ballots[%zu] "
		        "did not decode (check 4)",
		        c->st[c->undec_station[0]].id, c->undec_index[0]);
		return;
	}
	if (ve_fail_unexamined(c, VE_CROSSCHECK, 0, "the libgcrypt sum cannot include them") > 0)
		return;
	if (!c->xsum_ok || c->xsum == NULL) {
		ve_fail(c, VE_CROSSCHECK,
		        "aggregate: libgcrypt addition failed (a point did not decode, or memory)");
		return;
	}
	for (size_t s = 0; s < T; s++) {
		int ok = 1;
		for (size_t half = 0; half < 2 && ok; half++) {
			const xcheck_point *x = c->xsum[2 * s + half];
			uint8_t enc[XCHECK_POINT_LEN];
			if (c->agg_null[s])
				ok = x == NULL || xcheck_point_is_infinity(x);
			else
				ok = x != NULL && !xcheck_point_is_infinity(x) &&
				     xcheck_point_encode(enc, x) == Q_OK &&
				     memcmp(enc, c->agg[s] + half * XCHECK_POINT_LEN,
				            XCHECK_POINT_LEN) == 0;
		}
		if (ok)
			ve_ok(c, VE_CROSSCHECK);
		else
			ve_fail(
			    c, VE_CROSSCHECK,
			    "tally/aggregate.json: selection %zu differs from the libgcrypt sum",
			    s);
	}
}

/* with libgcrypt: the file at rel, signed by the roster's trustee
 * i; its SHA-256, the transcript msg_F and the Ed25519 verification are
 * all libgcrypt's (the message is a 32-byte digest, far below libgcrypt's
 * S-expression limit).  A missing file is not reported here (checks 2
 * and 7 report it); a missing or bad signature is. */
static void xcheck_trustee_file(ve_ctx *c, tbuf *t, uint32_t i, const char *rel)
{
	char why[VE_DETAIL_LEN];
	uint8_t *b = NULL, sig[64], h[32], msg[32];
	size_t len;
	if (ve_read(c, rel, &b, &len, why, sizeof why) != Q_OK)
		return;
	xcheck_sha256(h, b, len);
	free(b);
	tb_tag(t, VE_TAG_TRUSTEE_FILE);
	tb_field(t, c->key_ctx, 32);
	tb_u32(t, i);
	tb_field(t, rel, strlen(rel));
	tb_field(t, h, 32);
	if (t->oom) {
		ve_fail(c, VE_CROSSCHECK, "out of memory");
		return;
	}
	xcheck_sha256(msg, t->p, t->len);
	if (ve_read_sig(c, rel, sig, why, sizeof why) != Q_OK)
		ve_fail(c, VE_CROSSCHECK, "%s", why);
	else if (xcheck_ed25519_verify(c->roster[i - 1], msg, sizeof msg, sig) != Q_OK)
		ve_fail(c, VE_CROSSCHECK,
		        "%s: the signature by trustee %u fails under libgcrypt (R-4.0)", rel, i);
	else
		ve_ok(c, VE_CROSSCHECK);
}

/* Every signed trustee file of the record: commitment, public,
 * received (and complaint) files, share files (round 1), partials. */
static void xcheck_trustee_files(ve_ctx *c, tbuf *t)
{
	static const char *const own[] = {"commitment.json", "public.json", "received.json",
	                                  "complaint.json"};
	char rel[96], path[VE_PATH_MAX];
	for (uint32_t i = 1; i <= c->n; i++) {
		for (size_t q = 0; q < sizeof own / sizeof *own; q++) {
			snprintf(rel, sizeof rel, "trustees/%u/%s", i, own[q]);
			if (q == 3 &&
			    (ve_path(c, path, sizeof path, rel) != Q_OK || access(path, F_OK) != 0))
				continue; /* no complaint (the normal case) */
			xcheck_trustee_file(c, t, i, rel);
		}
		for (uint32_t r = 1; c->round == 1 && r <= c->n; r++) {
			if (r == i)
				continue;
			snprintf(rel, sizeof rel, "trustees/%u/shares/%u.sealed", i, r);
			xcheck_trustee_file(c, t, i, rel);
		}
		snprintf(rel, sizeof rel, "tally/partials/%u.json", i);
		if (ve_partial_status(c, i) == VE_PARTIAL_SKIPPED)
			continue; /* not consumed; check 7 checked the skip */
		if (ve_path(c, path, sizeof path, rel) == Q_OK && access(path, F_OK) == 0)
			xcheck_trustee_file(c, t, i, rel);
	}
}

/* every Chaum-Pedersen proof, with its context recomputed
 * the aggregate's SHA-256 by libgcrypt, the contest and option
 * index), and the combination. */
static void xcheck_decryption(ve_ctx *c, tbuf *t)
{
	size_t T = c->style->total_options;
	uint8_t ctx[32], d[32], ch[32], agg[32];
	scalar *lam = scalar_new();
	uint8_t(*lb)[32] = calloc(c->nused ? c->nused : 1, 32);
	uint32_t *cidx = calloc(T ? T : 1, sizeof *cidx), *oidx = calloc(T ? T : 1, sizeof *oidx);
	uint8_t *ab = NULL;
	size_t al;
	char why[VE_DETAIL_LEN];
	if (lam == NULL || lb == NULL || cidx == NULL || oidx == NULL)
		goto out;
	if (ve_read(c, "tally/aggregate.json", &ab, &al, why, sizeof why) != Q_OK) {
		ve_fail(c, VE_CROSSCHECK, "%s", why);
		goto out;
	}
	xcheck_sha256(agg, ab, al);
	for (size_t k = 0, s = 0; k < c->style->ncontests; k++)
		for (uint32_t o = 0; o < c->style->contests[k].noptions && s < T; o++, s++) {
			cidx[s] = (uint32_t)k;
			oidx[s] = o;
		}
	for (size_t u = 0; u < c->nused; u++) {
		uint32_t i = c->used[u];
		for (size_t s = 0; s < T; s++) {
			const uint8_t *S = c->Senc[i - 1], *A = c->agg[s],
			              *M = c->partial[u * T + s];
			const uint8_t *cc = c->cpproof[u * T + s], *v = cc + 32;
			uint8_t a[65], b[65], nc[32];
			if (c->agg_null[s])
				continue;
			/* */
			tb_tag(t, VE_TAG_PARTIAL);
			tb_field(t, c->base_hash, 32);
			tb_u32(t, i);
			tb_field(t, agg, 32);
			tb_u32(t, cidx[s]);
			tb_u32(t, oidx[s]);
			if (t->oom)
				goto out;
			xcheck_sha256(ctx, t->p, t->len);
			mod_neg(nc, cc);
			/* C-4.2.4/5: a' = vG - cS, b' = vA - cM */
			if (lin2(a, v, NULL, nc, S) != Q_OK || lin2(b, v, A, nc, M) != Q_OK) {
				ve_fail(
				    c, VE_CROSSCHECK,
				    "tally/partials/%u.json: shares[%zu]: bad points (libgcrypt)",
				    i, s);
				continue;
			}
			tb_tag(t, "quorum/v1/proof/chaum-pedersen");
			tb_field(t, ctx, 32);
			tb_field(t, S, 65);
			tb_field(t, A, 65);
			tb_field(t, M, 65);
			tb_field(t, a, 65);
			tb_field(t, b, 65);
			if (t->oom)
				goto out;
			xcheck_sha256(d, t->p, t->len);
			mod_reduce(ch, d);
			if (memcmp(ch, cc, 32) != 0)
				ve_fail(c, VE_CROSSCHECK,
				        "tally/partials/%u.json: shares[%zu]: Chaum-Pedersen proof "
				        "fails "
				        "under libgcrypt (C-4.2.6)",
				        i, s);
			else
				ve_ok(c, VE_CROSSCHECK);
		}
		if (threshold_lagrange(lam, i, c->used, c->nused, c->n) != Q_OK)
			goto out;
		scalar_encode(lb[u], lam);
	}
	/* C-5.3.2: sum lambda_i M_i + m G == B */
	xcheck_term *terms = calloc(c->nused + 1, sizeof *terms);
	if (terms == NULL)
		goto out;
	for (size_t s = 0; s < T; s++) {
		uint8_t m[32];
		if (c->agg_null[s])
			continue;
		u64_scalar(m, c->counts[s]);
		for (size_t u = 0; u < c->nused; u++) {
			terms[u].scalar = lb[u];
			terms[u].point = c->partial[u * T + s];
			terms[u].negate = 0;
		}
		terms[c->nused].scalar = m;
		terms[c->nused].point = NULL;
		terms[c->nused].negate = 0;
		if (xcheck_lincomb(terms, c->nused + 1, c->agg[s] + 65) != Q_OK)
			ve_fail(
			    c, VE_CROSSCHECK,
			    "selection %zu: sum lambda_i M_i + m G != B under libgcrypt (C-5.3.2)",
			    s);
		else
			ve_ok(c, VE_CROSSCHECK);
	}
	free(terms);
out:
	scalar_free(lam);
	free(lb);
	free(cidx);
	free(oidx);
	free(ab);
}

/* ---- the sample, on the verifier's threads (V-14) ---- */

/* Sampled ballots read ahead per thread before they are verified. */
#define XS_PER_THREAD 4

typedef struct xs_item {
	ve_ballot vb; /* vb.enc points into buf, or NULL: a malformed entry */
	uint8_t *buf;
	size_t cap;
	int fail;
	char why[VE_DETAIL_LEN];
} xs_item;

typedef struct xs_job {
	const ve_ctx *c;
	xs_item *it;
	size_t n, cap, nthr;
	atomic_size_t next;
	uint64_t done;
} xs_job;

/* Take items of the window until none is left; each thread hashes with
 * its own transcript buffer (and libgcrypt context, crypto/xcheck.h). */
static void *xs_worker(void *arg)
{
	xs_job *j = arg;
	tbuf t = {NULL, 0, 0, 0};
	size_t i;
	while ((i = atomic_fetch_add(&j->next, 1)) < j->n) {
		xs_item *x = &j->it[i];
		ballot *b = NULL;
		if (x->vb.enc == NULL ||
		    ballot_decode(j->c->style, x->vb.enc, x->vb.len, &b) != Q_OK) {
			x->fail = 1;
			snprintf(x->why, sizeof x->why,
			         "stations/%s: ballots[%zu]: does not decode",
			         j->c->st[x->vb.station].id, x->vb.index);
		} else {
			x->fail = xcheck_ballot(j->c, &t, &x->vb, b, x->why, sizeof x->why) != 0;
		}
		ballot_free(b);
	}
	free(t.p);
	return NULL;
}

/* Verify the window's items on j->nthr threads (this one included), then
 * report them in record order, so the report depends on neither. */
static void xs_flush(ve_ctx *c, xs_job *j)
{
	pthread_t th[VE_MAX_THREADS];
	size_t started = 0;
	if (j->n == 0)
		return;
	atomic_store(&j->next, 0);
	for (size_t t = 1; t < j->nthr && t < j->n; t++)
		if (pthread_create(&th[started], NULL, xs_worker, j) == 0)
			started++;
	xs_worker(j);
	for (size_t t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	for (size_t i = 0; i < j->n; i++) {
		if (j->it[i].fail)
			ve_fail(c, VE_CROSSCHECK, "%s", j->it[i].why);
		else
			ve_ok(c, VE_CROSSCHECK);
	}
	j->done += j->n;
	progress_update(&c->bar, j->done);
	j->n = 0;
}

/* Copy a read entry into the window; -1 if memory ran out. */
static int xs_add(xs_job *j, size_t si, const srec_ballot *rb)
{
	xs_item *x = &j->it[j->n];
	memset(&x->vb, 0, sizeof x->vb);
	x->fail = 0;
	x->why[0] = '\0';
	x->vb.station = si;
	x->vb.index = rb->index;
	memcpy(x->vb.code, rb->code, BALLOT_CODE_LEN);
	if (rb->enc != NULL) {
		if (x->cap < rb->len) {
			uint8_t *n = realloc(x->buf, rb->len);
			if (n == NULL)
				return -1;
			x->buf = n;
			x->cap = rb->len;
		}
		memcpy(x->buf, rb->enc, rb->len);
		x->vb.enc = x->buf;
		x->vb.len = rb->len;
	}
	j->n++;
	return 0;
}

/* Check 10 on the sampled ballots of station si: pick[*d..] (ascending
 * global numbers) that fall in its record, read again one at a time and
 * verified a window at a time on the threads; the record must still be
 * the one whose signature check 3 verified. */
static void sample_station(ve_ctx *c, xs_job *j, size_t si, const uint64_t *pick, uint64_t want,
                           uint64_t *d)
{
	ve_station *st = &c->st[si];
	char rel[VE_PATH_MAX], path[VE_PATH_MAX], why[VE_DETAIL_LEN] = "";
	srec_stream *rs = NULL;
	srec_ballot rb;
	uint64_t last = st->first_cast + (uint64_t)st->nrec_cast;
	int end = 0;
	qerr e;
	snprintf(rel, sizeof rel, "stations/%s/station-record.json", st->id);
	if ((e = ve_path(c, path, sizeof path, rel)) == Q_OK)
		e = srec_stream_open(&rs, path, 0, why, sizeof why);
	while (e == Q_OK && *d < want && pick[*d] < last) {
		/* an entry not in the sample is only cut out and hashed, not
		 * parsed (V-14): the record is read again, not decoded again */
		if (st->first_cast + srec_stream_index(rs) < pick[*d]) {
			e = srec_stream_skip(rs, &end, why, sizeof why);
			if (end)
				break;
			continue;
		}
		memset(&rb, 0, sizeof rb);
		e = srec_stream_next(rs, &rb, &end, why, sizeof why);
		if (e == Q_ERR_FORMAT && rb.bad)
			e = Q_OK;
		else if (e != Q_OK || end)
			break;
		if (st->first_cast + rb.index != pick[*d])
			continue;
		(*d)++;
		if (xs_add(j, si, &rb) != 0) {
			e = Q_ERR_NOMEM;
			snprintf(why, sizeof why, "out of memory");
			break;
		}
		if (j->n == j->cap)
			xs_flush(c, j);
	}
	xs_flush(c, j);
	/* the rest of the record, for its hash */
	while (e == Q_OK && !end)
		e = srec_stream_skip(rs, &end, why, sizeof why);
	uint8_t sha[32];
	if (e == Q_OK)
		e = srec_stream_finish(rs, NULL, sha, NULL, why, sizeof why);
	srec_stream_free(rs);
	if (e != Q_OK)
		ve_fail(c, VE_CROSSCHECK, "%s: its sampled ballots could not be read again: %s",
		        rel, why);
	else if (memcmp(sha, st->rec_sha, 32) != 0)
		ve_fail(c, VE_CROSSCHECK,
		        "%s: changed while it was read (its SHA-256 is no longer the one check 3 "
		        "verified the signature of)",
		        rel);
	/* picks past a record that ended early are not in it */
	while (*d < want && pick[*d] < last)
		(*d)++;
}

/* Check 10 on the sampled ballots of station si that check 4 kept as it
 * read the record (whole, its SHA-256 the one check 3 verified the
 * signature of): pick[*d..] in it.  0 (nothing done) if one is missing:
 * the record is then read again (sample_station). */
static int sample_kept(ve_ctx *c, xs_job *j, size_t si, uint64_t *d)
{
	const ve_station *st = &c->st[si];
	uint64_t last = st->first_cast + (uint64_t)st->nrec_cast, e;
	if (c->xs.kept == NULL)
		return 0;
	for (e = *d; e < c->xs.want && c->xs.pick[e] < last; e++)
		if (!c->xs.have[e] || c->xs.kept[e].station != si)
			return 0;
	for (; *d < e; (*d)++) {
		const ve_ballot *k = &c->xs.kept[*d];
		srec_ballot rb;
		memset(&rb, 0, sizeof rb);
		rb.index = k->index;
		memcpy(rb.code, k->code, BALLOT_CODE_LEN);
		rb.enc = k->enc;
		rb.len = k->len;
		if (xs_add(j, si, &rb) != 0) {
			ve_fail(c, VE_CROSSCHECK, "stations/%s: its sampled ballots: out of memory",
			        st->id);
			break;
		}
		if (j->n == j->cap)
			xs_flush(c, j);
	}
	xs_flush(c, j);
	*d = e;
	return 1;
}

uint64_t ve_sample_keep_max = VE_SAMPLE_KEEP;

void ve_sample_draw_now(ve_ctx *c)
{
	ve_sample *x = &c->xs;
	uint64_t n = c->ncast, want;
	if (x->drawn != 0)
		return;
	if (c->seed != NULL)
		memcpy(c->r->seed, c->seed, VE_SEED_LEN);
	else if (rand_bytes(c->r->seed, VE_SEED_LEN) != Q_OK) {
		x->drawn = -1;
		return;
	}
	want = c->o->full_crosscheck ? n : (c->o->sample ? c->o->sample : VE_DEFAULT_SAMPLE);
	if (want > n)
		want = n;
	x->drawn = -2;
	if ((x->pick = calloc(want ? want : 1, sizeof *x->pick)) == NULL)
		return;
	if (want == n) {
		for (uint64_t i = 0; i < n; i++)
			x->pick[i] = i;
	} else if (ve_sample_draw(c->r->seed, n, want, x->pick) != Q_OK) {
		free(x->pick);
		x->pick = NULL;
		return;
	}
	x->want = want;
	x->drawn = 1;
	/* (no memory to keep them: check 10 reads them again) */
	if (want > 0 && want <= ve_sample_keep_max &&
	    ((x->kept = calloc(want, sizeof *x->kept)) == NULL ||
	     (x->have = calloc(want, 1)) == NULL)) {
		free(x->kept);
		x->kept = NULL;
	}
}

void ve_sample_keep(ve_ctx *c, const ve_ballot *b, uint64_t r)
{
	ve_sample *x = &c->xs;
	if (x->kept == NULL)
		return;
	while (x->next < x->want && x->pick[x->next] < r)
		x->next++; /* not handed over (a record that ended early) */
	if (x->next == x->want || x->pick[x->next] != r)
		return;
	ve_ballot *k = &x->kept[x->next];
	k->station = b->station;
	k->index = b->index;
	memcpy(k->code, b->code, BALLOT_CODE_LEN);
	if (b->enc != NULL) {
		if ((k->enc = malloc(b->len ? b->len : 1)) == NULL)
			return; /* not kept: its record is read again */
		memcpy(k->enc, b->enc, b->len);
		k->len = b->len;
	}
	x->have[x->next++] = 1;
}

void ve_sample_free(ve_ctx *c)
{
	for (uint64_t d = 0; c->xs.kept != NULL && d < c->xs.want; d++)
		free(c->xs.kept[d].enc);
	free(c->xs.kept);
	free(c->xs.have);
	free(c->xs.pick);
	memset(&c->xs, 0, sizeof c->xs);
}

/* The threads of check 4 (--threads, V-14). */
static size_t xs_threads(const ve_ctx *c)
{
	unsigned want = c->o->threads;
	if (want == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		want = n > 0 ? (unsigned)n : 1;
	}
	return want > VE_MAX_THREADS ? VE_MAX_THREADS : want;
}

void ve_check_crosscheck(ve_ctx *c)
{
	tbuf t = {NULL, 0, 0, 0};
	if (c->style == NULL || !c->keys_ok) {
		ve_fail(c, VE_CROSSCHECK, "cannot run: no ballot style or joint key (checks 1, 2)");
		return;
	}
	xcheck_base_hash(c, &t);
	xcheck_signatures(c);
	/* V-12.1 the sample: every ballot with --full-crosscheck, else
	 * `sample` of the n cast ballots of the record (every station's
	 * `ballots` entries in record order, valid or not), drawn without
	 * replacement from a seed that --seed gives or the CSPRNG draws now,
	 * after the record was read: whoever made it cannot know the sample */
	ve_report *r = c->r;
	if (c->xs.drawn == 0)
		ve_sample_draw_now(c); /* check 4 did not run far enough to draw it */
	if (c->xs.drawn == -1) {
		ve_fail(c, VE_CROSSCHECK, "cannot draw the sample's seed (CSPRNG failed)");
		free(t.p);
		return;
	}
	r->have_seed = 1;
	if (c->xs.drawn != 1) {
		ve_fail(c, VE_CROSSCHECK, "sample: out of memory");
		free(t.p);
		return;
	}
	uint64_t want = c->xs.want, *pick = c->xs.pick;
	r->sampled = want;
	r->nlisted = 0;
	/* V-12.1: the population is every ballot of every record; one check 3
	 * refused is not in it, so the sample is not of the whole record */
	(void)ve_fail_unexamined(c, VE_CROSSCHECK, 0, "not in the sample's population");
	progress_begin(&c->bar, c->o->progress_fd, "cross-checking (libgcrypt)", want);
	/* the sample's ballots, read again from their records (V-14) */
	uint64_t d = 0;
	xs_job job;
	memset(&job, 0, sizeof job);
	job.c = c;
	job.nthr = xs_threads(c);
	job.cap = XS_PER_THREAD * job.nthr;
	if ((job.it = calloc(job.cap, sizeof *job.it)) == NULL) {
		ve_fail(c, VE_CROSSCHECK, "sample: out of memory");
		free(pick);
		free(t.p);
		return;
	}
	for (size_t si = 0; si < c->nst && d < want; si++) {
		ve_station *st = &c->st[si];
		if (!st->collected || st->nrec_cast <= 0 ||
		    pick[d] >= st->first_cast + (uint64_t)st->nrec_cast)
			continue;
		if (!st->xs_kept || !sample_kept(c, &job, si, &d))
			sample_station(c, &job, si, pick, want, &d);
	}
	for (size_t i = 0; i < job.cap; i++)
		free(job.it[i].buf);
	free(job.it);
	progress_end(&c->bar);
	/* the first VE_SAMPLE_LIST, for the report */
	for (uint64_t i = 0; i < want && r->nlisted < VE_SAMPLE_LIST; i++) {
		const ve_station *st = NULL;
		for (size_t si = 0; si < c->nst; si++)
			if (c->st[si].collected && c->st[si].nrec_cast > 0 &&
			    pick[i] >= c->st[si].first_cast &&
			    pick[i] < c->st[si].first_cast + (uint64_t)c->st[si].nrec_cast)
				st = &c->st[si];
		if (st == NULL)
			continue;
		snprintf(r->sample[r->nlisted].station, VE_ID_LEN, "%s", st->id);
		r->sample[r->nlisted++].index = (size_t)(pick[i] - st->first_cast);
	}
	/* V-1.2: what cannot be cross-checked fails, naming the check that
	 * holds the cause */
	if (c->agg_ok)
		xcheck_aggregate(c);
	else
		ve_fail(c, VE_CROSSCHECK,
		        "tally/aggregate.json: not cross-checked: the aggregate is unusable "
		        "(check 6)");
	if (c->counts_ok)
		xcheck_decryption(c, &t);
	else
		ve_fail(c, VE_CROSSCHECK,
		        "tally/partials: not cross-checked: no verified counts (check 7)");
	if (c->roster_ok)
		xcheck_trustee_files(c, &t);
	else
		ve_fail(c, VE_CROSSCHECK,
		        "trustee file signatures not cross-checked: no usable roster (check 2)");
	free(t.p);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * verify_tally.c -- checks 6 (aggregate), 7 (decryption) and 9 (decision).
 * docs/spec/verify.md V-8, V-9, V-11; record.md; crypto.md
 * C-4.2, C-5.3, C-3.3; docs/decide.md D-1, D-2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/sha256.h"
#include "crypto/threshold.h"
#include "crypto/transcript.h"
#include "crypto/util.h"
#include "election/decide.h"
#include "verify_internal.h"

#include "banned.h"

static int str_is(const json_t *o, const char *key, const char *want)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

const elec_contest *ve_style_contest(const ve_ctx *c, size_t k)
{
	size_t seen = 0;
	for (size_t i = 0; i < c->m->ncontests; i++) {
		char *const *ids;
		size_t n;
		unsigned mn, mx;
		manifest_contest_options(&c->m->contests[i], &ids, &n, &mn, &mx);
		if (mx == 0 || n == 0)
			continue;
		if (seen++ == k)
			return &c->m->contests[i];
	}
	return NULL;
}

/* The last election-log entry of this type (and trustee, if > 0). */
static const json_t *log_entry(const ve_ctx *c, const char *type, uint32_t trustee)
{
	const json_t *found = NULL;
	for (size_t i = 0; i < json_array_size(c->elog); i++) {
		const json_t *e = json_array_get(c->elog, i);
		uint64_t t;
		if (!str_is(e, "type", type))
			continue;
		if (trustee > 0 && (ve_json_u64(e, "trustee", 255, &t) != Q_OK || t != trustee))
			continue;
		found = e;
	}
	return found;
}

static int logged_hash(const ve_ctx *c, const char *type, uint32_t trustee, const char *key,
                       const uint8_t h[32])
{
	uint8_t x[32];
	const json_t *e;
	if (c->elog == NULL)
		return 0; /* V-1.2: not compared is not passed (the callers say why) */
	e = log_entry(c, type, trustee);
	return e != NULL && ve_json_hex(e, key, x, 32) == Q_OK && memcmp(x, h, 32) == 0;
}

/* ---- check 6: aggregate (R-6) ---- */

void ve_check_aggregate(ve_ctx *c)
{
	char why[VE_DETAIL_LEN];
	const char *rel = "tally/aggregate.json";
	uint8_t *bytes = NULL, h[32];
	size_t blen, T;
	json_t *a = NULL;
	elgamal_ct **sum = NULL;
	uint64_t x, issued = 0, cast = 0;
	if (c->style == NULL) {
		ve_fail(c, VE_AGGREGATE,
		        "cannot run: no ballot style (check 1): tally/aggregate.json not examined");
		return;
	}
	T = c->style->total_options;
	if (ve_read(c, rel, &bytes, &blen, why, sizeof why) != Q_OK ||
	    ve_read_json(c, rel, &a, why, sizeof why) != Q_OK) {
		ve_fail(c, VE_AGGREGATE, "%s", why);
		goto out;
	}
	sha256(c->agg_sha, bytes, blen);
	if (c->elog == NULL)
		ve_fail(c, VE_AGGREGATE,
		        "%s: not compared with the tally entry of log/: the election log is "
		        "unusable (check 3)",
		        rel);
	else if (!logged_hash(c, "tally", 0, "aggregate_sha256", c->agg_sha))
		ve_fail(c, VE_AGGREGATE,
		        "log/: no tally entry whose aggregate_sha256 is SHA-256(%s) (R-3)", rel);
	else
		ve_ok(c, VE_AGGREGATE);
	if (!ve_format(c, VE_AGGREGATE, rel, a, "quorum-aggregate", 1))
		goto out; /* refused */
	if (ve_json_hex(a, "base_hash", h, 32) || memcmp(h, c->base_hash, 32) != 0) {
		ve_fail(c, VE_AGGREGATE, "%s: not a quorum-aggregate/1 file of this base hash",
		        rel);
		goto out;
	}
	/* the stations and their counts, as the verified records say */
	const json_t *sts = json_object_get(a, "stations");
	if (!json_is_array(sts) || json_array_size(sts) != c->nst) {
		ve_fail(c, VE_AGGREGATE, "%s: \"stations\" does not list the %zu stations", rel,
		        c->nst);
	} else {
		for (size_t i = 0; i < c->nst; i++) {
			const json_t *e = json_array_get(sts, i);
			ve_station *s = &c->st[i];
			uint64_t is = 0, ca = 0, ch = 0;
			if (!str_is(e, "id", s->id) || !s->have_rec ||
			    ve_json_hex(e, "record_sha256", h, 32) != Q_OK ||
			    memcmp(h, s->rec_sha, 32) != 0 ||
			    ve_json_u64(e, "issued", UINT64_MAX >> 11, &is) != Q_OK ||
			    ve_json_u64(e, "cast", UINT64_MAX >> 11, &ca) != Q_OK ||
			    ve_json_u64(e, "challenged", UINT64_MAX >> 11, &ch) != Q_OK ||
			    is != s->issued || ca != s->cast || ch != s->challenged)
				ve_fail(c, VE_AGGREGATE,
				        "%s: stations[%zu] (%s): id, record_sha256 or counts "
				        "differ from "
				        "the station record",
				        rel, i, s->id);
			else
				ve_ok(c, VE_AGGREGATE);
			issued += s->issued;
			cast += s->cast;
		}
	}
	if (ve_json_u64(a, "ballots", UINT64_MAX >> 11, &x) != Q_OK || x != c->ncast ||
	    ve_json_u64(a, "issued", UINT64_MAX >> 11, &x) != Q_OK || x != issued ||
	    ve_json_u64(a, "cast", UINT64_MAX >> 11, &x) != Q_OK || x != cast)
		ve_fail(c, VE_AGGREGATE,
		        "%s: ballots/issued/cast are not %zu/%llu/%llu (the records' ballots and "
		        "counts)",
		        rel, c->ncast, (unsigned long long)issued, (unsigned long long)cast);
	else
		ve_ok(c, VE_AGGREGATE);
	/* the published ciphertexts, in the style's shape */
	if ((c->agg = calloc(T ? T : 1, ELGAMAL_CT_LEN)) == NULL ||
	    (c->agg_null = calloc(T ? T : 1, 1)) == NULL ||
	    (sum = calloc(T ? T : 1, sizeof *sum)) == NULL)
		goto oom;
	const json_t *cs = json_object_get(a, "contests");
	if (!json_is_array(cs) || json_array_size(cs) != c->style->ncontests) {
		ve_fail(c, VE_AGGREGATE, "%s: \"contests\" has not the %zu balloted contests", rel,
		        c->style->ncontests);
		goto out;
	}
	size_t s = 0;
	for (size_t k = 0; k < c->style->ncontests; k++) {
		const elec_contest *mc = ve_style_contest(c, k);
		const json_t *jc = json_array_get(cs, k), *sel = json_object_get(jc, "selections");
		char *const *ids;
		size_t n;
		unsigned mn, mx;
		manifest_contest_options(mc, &ids, &n, &mn, &mx);
		/* after the listed options, one selection per write-in
		 * slot, "write-in:<s+1>" */
		size_t W = c->style->contests[k].nwritein;
		if (!str_is(jc, "id", mc->id) || !json_is_array(sel) ||
		    json_array_size(sel) != n + W) {
			ve_fail(c, VE_AGGREGATE,
			        "%s: contests[%zu] is not contest %s with %zu options", rel, k,
			        mc->id, n + W);
			goto out;
		}
		for (size_t j = 0; j < n + W; j++, s++) {
			const json_t *e = json_array_get(sel, j),
			             *ct = json_object_get(e, "ciphertext");
			elgamal_ct *tmp = elgamal_ct_new();
			char slot[32];
			snprintf(slot, sizeof slot, "write-in:%zu", j + 1 - n);
			int ok = tmp != NULL && str_is(e, "option", j < n ? ids[j] : slot);
			if (ok && json_is_null(ct))
				c->agg_null[s] = 1;
			else if (ok &&
			         (ve_json_hex(e, "ciphertext", c->agg[s], ELGAMAL_CT_LEN) != Q_OK ||
			          elgamal_ct_decode(tmp, c->agg[s], ELGAMAL_CT_LEN) != Q_OK))
				ok = 0;
			elgamal_ct_free(tmp);
			if (!ok) {
				ve_fail(c, VE_AGGREGATE,
				        "%s: contests[%zu].selections[%zu]: option %s: ciphertext "
				        "not a "
				        "valid pair of points or null",
				        rel, k, j, j < n ? ids[j] : slot);
				goto out;
			}
		}
	}
	c->agg_ok = 1;
	for (size_t i = 0; i < T; i++)
		if ((sum[i] = elgamal_ct_new()) == NULL)
			goto oom;
	/* R-6 (3): the sum of exactly the counted ballots, which check 4 made
	 * while it read them (V-14) */
	if (!c->sum_ok) {
		ve_fail(c, VE_AGGREGATE,
		        "%s: not compared: check 4 could not add up the ballots (no style or "
		        "joint key, or out of memory)",
		        rel);
		goto out;
	}
	for (uint64_t i = 0; i < c->nundecoded && i < VE_UNDECODED_LIST; i++)
		ve_fail(c, VE_AGGREGATE,
		        "stations/%s: ballots[%zu] did not decode: the sum cannot include it",
		        c->st[c->undec_station[i]].id, c->undec_index[i]);
	if (c->nundecoded > VE_UNDECODED_LIST)
		ve_fail(c, VE_AGGREGATE,
		        "and %llu more ballots that did not decode: the sum cannot include them",
		        (unsigned long long)(c->nundecoded - VE_UNDECODED_LIST));
	for (size_t t = 0; t < T; t++)
		if (elgamal_add(sum[t], sum[t], c->sum[t]) != Q_OK)
			goto oom;
	/* V-1.2: a sum over the collected ballots only proves nothing about
	 * those check 3 refused: each such station fails an item */
	(void)ve_fail_unexamined(c, VE_AGGREGATE, 0, "the sum cannot include them");
	for (size_t t = 0; t < T; t++) {
		uint8_t enc[ELGAMAL_CT_LEN];
		int neutral = point_is_infinity(sum[t]->a) && point_is_infinity(sum[t]->b);
		int same;
		if (neutral)
			same = c->agg_null[t];
		else
			same = !c->agg_null[t] && elgamal_ct_encode(enc, sum[t]) == Q_OK &&
			       memcmp(enc, c->agg[t], ELGAMAL_CT_LEN) == 0;
		if (!same)
			ve_fail(c, VE_AGGREGATE,
			        "%s: selection %zu: the published ciphertext is not the sum of the "
			        "counted ballots' ciphertexts (R-6 (3))",
			        rel, t);
		else
			ve_ok(c, VE_AGGREGATE);
	}
	goto out;
oom:
	ve_fail(c, VE_AGGREGATE, "out of memory");
out:
	if (sum != NULL)
		for (size_t i = 0; i < T; i++)
			elgamal_ct_free(sum[i]);
	free(sum);
	free(bytes);
	json_decref(a);
}

/* ---- check 7: decryption (R-7, R-8.1) ---- */

/* ctx_{i,s} = H_T("quorum/v2/tally/partial"; base_hash, u32(i),
 * aggregate_sha256 (32 raw bytes), u32(c), u32(o)), c the contest's index
 * in the aggregate and o the option's index in its selections. */
static void partial_ctx(uint8_t out[32], const uint8_t base[32], uint32_t i,
                        const uint8_t agg_sha[32], uint32_t ci, uint32_t oi)
{
	transcript t;
	if (transcript_init(&t, VE_TAG_PARTIAL) != Q_OK)
		qfatal("verify: out of memory");
	transcript_bytes(&t, base, 32);
	transcript_u32(&t, i);
	transcript_bytes(&t, agg_sha, 32);
	transcript_u32(&t, ci);
	transcript_u32(&t, oi);
	transcript_digest(&t, out);
}

/* Trustee i's partial file: its signature and every proof (items of
 * check 7).  1 if usable for the combination. */
static int check_partial(ve_ctx *c, uint32_t i, size_t slot, int logged)
{
	char rel[64], why[VE_DETAIL_LEN];
	uint8_t *bytes = NULL, h[32], ctx[32];
	size_t blen, T = c->style->total_options;
	json_t *p = NULL;
	uint64_t x;
	int ok = 0;
	point *S = point_new(), *A = point_new(), *M = point_new();
	cp_proof *pf = cp_proof_new();
	if (S == NULL || A == NULL || M == NULL || pf == NULL) {
		ve_fail(c, VE_DECRYPTION, "out of memory");
		goto out;
	}
	snprintf(rel, sizeof rel, "tally/partials/%u.json", i);
	if (ve_read(c, rel, &bytes, &blen, why, sizeof why) != Q_OK ||
	    ve_read_json(c, rel, &p, why, sizeof why) != Q_OK) {
		ve_fail(c, VE_DECRYPTION, "%s", why);
		goto out;
	}
	ok = 1;
	/* signed by R[i] at this path */
	if (!ve_trustee_file_signed(c, i, rel, bytes, blen, why, sizeof why)) {
		ve_fail(c, VE_DECRYPTION, "%s", why);
		ok = 0;
	} else {
		ve_ok(c, VE_DECRYPTION);
	}
	sha256(h, bytes, blen);
	if (logged && c->elog == NULL) {
		/* the proofs are still checked and the counts decoded */
		ve_fail(c, VE_DECRYPTION,
		        "%s: not compared with the partial-decryption entry of log/: the "
		        "election log is unusable (check 3)",
		        rel);
	} else if (logged && !logged_hash(c, "partial-decryption", i, "partial_sha256", h)) {
		ve_fail(c, VE_DECRYPTION,
		        "log/: no partial-decryption entry for trustee %u with SHA-256(%s) (R-3)",
		        i, rel);
		ok = 0;
	}
	const json_t *sh = json_object_get(p, "shares");
	if (!ve_format(c, VE_DECRYPTION, rel, p, "quorum-partial", 2)) {
		ok = 0; /* refused, not examined */
		goto out;
	}
	if (ve_json_u64(p, "trustee", 255, &x) != Q_OK || x != i || !json_is_array(sh) ||
	    json_array_size(sh) != T) {
		ve_fail(c, VE_DECRYPTION,
		        "%s: not a quorum-partial/2 file of trustee %u with %zu shares (R-7)", rel,
		        i, T);
		ok = 0;
		goto out;
	}
	if (ve_json_hex(p, "base_hash", h, 32) != Q_OK || memcmp(h, c->base_hash, 32) != 0) {
		ve_fail(c, VE_DECRYPTION, "%s: base_hash is not this round's (R-8.1)", rel);
		ok = 0;
		goto out;
	}
	if (ve_json_hex(p, "aggregate_sha256", h, 32) != Q_OK || memcmp(h, c->agg_sha, 32) != 0) {
		ve_fail(c, VE_DECRYPTION,
		        "%s: aggregate_sha256 is not SHA-256(tally/aggregate.json): a partial "
		        "decryption of another aggregate (R-8.1)",
		        rel);
		ok = 0;
		goto out;
	}
	if (point_decode(S, c->Senc[i - 1], POINT_LEN) != Q_OK) {
		ok = 0;
		goto out;
	}
	size_t s = 0;
	for (size_t k = 0; k < c->style->ncontests; k++) {
		for (uint32_t o = 0; o < c->style->contests[k].noptions; o++, s++) {
			const json_t *e = json_array_get(sh, s);
			uint8_t pb[CP_PROOF_LEN];
			uint8_t *Mb = c->partial[slot * T + s];
			if (c->agg_null[s]) {
				if (!json_is_null(e)) {
					ve_fail(c, VE_DECRYPTION, "%s: shares[%zu] must be null",
					        rel, s);
					ok = 0;
				}
				continue;
			}
			if (ve_json_hex(e, "M", Mb, POINT_LEN) != Q_OK ||
			    point_decode(M, Mb, POINT_LEN) != Q_OK ||
			    ve_json_hex(e, "proof", pb, sizeof pb) != Q_OK ||
			    cp_proof_decode(pf, pb, sizeof pb) != Q_OK ||
			    point_decode(A, c->agg[s], POINT_LEN) != Q_OK) {
				ve_fail(c, VE_DECRYPTION, "%s: shares[%zu]: M or proof malformed",
				        rel, s);
				ok = 0;
				continue;
			}
			memcpy(c->cpproof[slot * T + s], pb, CP_PROOF_LEN);
			/* C-4.2.4-6 with S_i, A_s, M_{i,s}, ctx_{i,s}: the
			 * proof is bound to this aggregate and this place in it */
			partial_ctx(ctx, c->base_hash, i, c->agg_sha, (uint32_t)k, o);
			if (cp_verify(pf, ctx, S, A, M) != Q_OK) {
				ve_fail(c, VE_DECRYPTION,
				        "%s: shares[%zu] (contest %zu, option %u): the "
				        "Chaum-Pedersen proof fails for this aggregate and place "
				        "(C-4.2.6, R-7.1)",
				        rel, s, k, o);
				ok = 0;
			} else {
				ve_ok(c, VE_DECRYPTION);
			}
		}
	}
out:
	point_free(S);
	point_free(A);
	point_free(M);
	cp_proof_free(pf);
	free(bytes);
	json_decref(p);
	return ok;
}

/* trustee i's partial is used (in trustees_used), else named in
 * result.json's "skipped" (combine found it invalid and did not use it),
 * else neither.  Check 7 verifies every partial present that is neither;
 * check 10 cross-checks every one but a skipped one (V-12 (6)). */
int ve_partial_status(const ve_ctx *c, uint32_t i)
{
	const json_t *sk = c->result != NULL ? json_object_get(c->result, "skipped") : NULL;
	for (size_t t = 0; c->used != NULL && t < c->nused; t++)
		if (c->used[t] == i)
			return VE_PARTIAL_USED;
	for (size_t q = 0; q < json_array_size(sk); q++) {
		const json_t *v = json_object_get(json_array_get(sk, q), "trustee");
		if (json_is_integer(v) && json_integer_value(v) == (json_int_t)i)
			return VE_PARTIAL_SKIPPED;
	}
	return VE_PARTIAL_OTHER;
}

void ve_check_decryption(ve_ctx *c)
{
	char why[VE_DETAIL_LEN];
	const char *rel = "tally/result.json";
	uint8_t *bytes = NULL, h[32];
	size_t blen, T;
	elgamal_dlog_table *dl = NULL;
	point **Mi = NULL, *M = NULL, *B = NULL;
	if (!c->agg_ok || !c->keys_ok || c->m == NULL) {
		ve_fail(c, VE_DECRYPTION,
		        "cannot run: no verified aggregate or keys (checks 2, 6)");
		return;
	}
	T = c->style->total_options;
	if (ve_read(c, rel, &bytes, &blen, why, sizeof why) != Q_OK ||
	    ve_read_json(c, rel, &c->result, why, sizeof why) != Q_OK) {
		ve_fail(c, VE_DECRYPTION, "%s", why);
		goto out;
	}
	sha256(h, bytes, blen);
	if (c->elog == NULL)
		ve_fail(c, VE_DECRYPTION,
		        "%s: not compared with the result entry of log/: the election log is "
		        "unusable (check 3)",
		        rel);
	else if (!logged_hash(c, "result", 0, "result_sha256", h))
		ve_fail(c, VE_DECRYPTION, "log/: no result entry with SHA-256(%s) (R-8.4)", rel);
	else
		ve_ok(c, VE_DECRYPTION);
	const json_t *tu = json_object_get(c->result, "trustees_used");
	if (!ve_format(c, VE_DECRYPTION, rel, c->result, "quorum-result", 1))
		goto out; /* refused */
	if (ve_json_hex(c->result, "base_hash", h, 32) != Q_OK || memcmp(h, c->base_hash, 32) ||
	    ve_json_hex(c->result, "aggregate_sha256", h, 32) != Q_OK ||
	    memcmp(h, c->agg_sha, 32) != 0 || !json_is_array(tu) || json_array_size(tu) < c->k ||
	    json_array_size(tu) > c->n) {
		ve_fail(c, VE_DECRYPTION,
		        "%s: not a quorum-result/1 of this base hash and aggregate with %u..%u "
		        "trustees_used",
		        rel, c->k, c->n);
		goto out;
	}
	c->nused = json_array_size(tu);
	if ((c->used = calloc(c->nused, sizeof *c->used)) == NULL ||
	    (c->partial = calloc((c->nused + 1) * (T ? T : 1), POINT_LEN)) == NULL ||
	    (c->cpproof = calloc((c->nused + 1) * (T ? T : 1), CP_PROOF_LEN)) == NULL ||
	    (Mi = calloc(c->nused, sizeof *Mi)) == NULL || (M = point_new()) == NULL ||
	    (B = point_new()) == NULL)
		goto oom;
	int all = 1;
	for (size_t t = 0; t < c->nused; t++) {
		const json_t *v = json_array_get(tu, t);
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > (json_int_t)c->n) {
			ve_fail(c, VE_DECRYPTION, "%s: trustees_used[%zu] is not in 1..%u", rel, t,
			        c->n);
			goto out;
		}
		c->used[t] = (uint32_t)json_integer_value(v);
		for (size_t u = 0; u < t; u++)
			if (c->used[u] == c->used[t]) {
				ve_fail(c, VE_DECRYPTION, "%s: trustee %u used twice", rel,
				        c->used[t]);
				goto out;
			}
		if (!check_partial(c, c->used[t], t, 1))
			all = 0;
		if ((Mi[t] = point_new()) == NULL)
			goto oom;
	}
	/* every other partial present verifies too, unless the result names
	 * it as skipped */
	for (uint32_t i = 1; i <= c->n; i++) {
		char rel2[64], path[VE_PATH_MAX];
		snprintf(rel2, sizeof rel2, "tally/partials/%u.json", i);
		if (ve_partial_status(c, i) != VE_PARTIAL_OTHER ||
		    ve_path(c, path, sizeof path, rel2) != Q_OK || access(path, F_OK) != 0)
			continue;
		(void)check_partial(c, i, c->nused, 0);
	}
	if (!all) {
		ve_fail(c, VE_DECRYPTION,
		        "the counts cannot be decoded: a partial used is invalid");
		goto out;
	}
	/* C-5.3.2 and C-3.3: m_s G = B_s - sum lambda_i M_{i,s}, m_s in [0, N] */
	if (elgamal_dlog_table_new(&dl, c->ncast ? c->ncast : 1) != Q_OK)
		goto oom;
	if ((c->counts = calloc(T ? T : 1, sizeof *c->counts)) == NULL)
		goto oom;
	for (size_t s = 0; s < T; s++) {
		uint64_t m = 0;
		if (c->agg_null[s])
			continue;
		for (size_t t = 0; t < c->nused; t++)
			if (point_decode(Mi[t], c->partial[t * T + s], POINT_LEN) != Q_OK)
				goto oom;
		if (threshold_combine(M, c->used, (const point *const *)Mi, c->nused, c->n) !=
		        Q_OK ||
		    point_decode(B, c->agg[s] + POINT_LEN, POINT_LEN) != Q_OK ||
		    point_sub(B, B, M) != Q_OK || elgamal_dlog(dl, B, &m) != Q_OK) {
			ve_fail(c, VE_DECRYPTION,
			        "selection %zu: the combined decryption is not m*G for any m in "
			        "0..%zu (C-3.3)",
			        s, c->ncast);
			goto out;
		}
		c->counts[s] = m;
	}
	/* the decoded counts match the announced ones */
	const json_t *cc = json_object_get(json_object_get(c->result, "counts"), "contests");
	size_t s = 0;
	int match = 1;
	for (size_t k = 0; k < c->style->ncontests; k++) {
		const elec_contest *mc = ve_style_contest(c, k);
		char *const *ids;
		size_t n;
		unsigned mn, mx;
		const json_t *tally = NULL;
		manifest_contest_options(mc, &ids, &n, &mn, &mx);
		for (size_t j = 0; j < json_array_size(cc); j++)
			if (str_is(json_array_get(cc, j), "id", mc->id))
				tally = json_object_get(json_array_get(cc, j), "tally");
		for (size_t j = 0; j < n; j++, s++) {
			uint64_t v;
			if (tally == NULL) /* a contest not decided this round */
				continue;
			if (ve_json_u64(tally, ids[j], UINT64_MAX >> 11, &v) != Q_OK ||
			    v != c->counts[s]) {
				ve_fail(c, VE_DECRYPTION,
				        "%s: counts of %s/%s: announced %lld, decrypted %llu", rel,
				        mc->id, ids[j],
				        json_is_integer(json_object_get(tally, ids[j]))
				            ? (long long)json_integer_value(
				                  json_object_get(tally, ids[j]))
				            : -1LL,
				        (unsigned long long)c->counts[s]);
				match = 0;
			} else {
				ve_ok(c, VE_DECRYPTION);
			}
		}
		/* the slots' selections are not options (check 11
		 * compares their sums with the mixed marks) */
		s += c->style->contests[k].nwritein;
	}
	c->counts_ok = match;
	goto out;
oom:
	ve_fail(c, VE_DECRYPTION, "out of memory");
out:
	if (Mi != NULL)
		for (size_t t = 0; t < c->nused; t++)
			point_free(Mi[t]);
	free(Mi);
	point_free(M);
	point_free(B);
	elgamal_dlog_table_free(dl);
	free(bytes);
}

/* ---- check 9: decision (R-8.2, D-2) ---- */

void ve_check_decision(ve_ctx *c)
{
	json_t *counts = NULL;
	char *txt = NULL;
	elec_counts *ec = NULL;
	elec_decision *d = NULL;
	json_t *mine = NULL;
	elec_findings f;
	uint64_t issued = 0, cast = 0;
	size_t *saved = NULL;
	elec_findings_init(&f);
	if (!c->counts_ok || c->result == NULL) {
		ve_fail(c, VE_DECISION, "cannot run: no verified counts (check 7)");
		goto out;
	}
	/* The announced counts with every number replaced by the verified
	 * one: the decrypted tallies and the records' issued/cast sums. */
	if ((counts = json_deep_copy(json_object_get(c->result, "counts"))) == NULL) {
		ve_fail(c, VE_DECISION, "tally/result.json: no counts");
		goto out;
	}
	for (size_t i = 0; i < c->nst; i++) {
		issued += c->st[i].issued;
		cast += c->st[i].cast;
	}
	json_object_set_new(counts, "issued", json_integer((json_int_t)issued));
	json_object_set_new(counts, "cast", json_integer((json_int_t)cast));
	json_object_set_new(counts, "attendees", json_integer((json_int_t)issued));
	json_t *cc = json_object_get(counts, "contests");
	size_t s = 0;
	for (size_t k = 0; k < c->style->ncontests; k++) {
		const elec_contest *mc = ve_style_contest(c, k);
		char *const *ids;
		size_t n;
		unsigned mn, mx;
		json_t *tally = NULL;
		manifest_contest_options(mc, &ids, &n, &mn, &mx);
		for (size_t j = 0; j < json_array_size(cc); j++)
			if (str_is(json_array_get(cc, j), "id", mc->id))
				tally = json_object_get(json_array_get(cc, j), "tally");
		for (size_t j = 0; j < n; j++, s++)
			if (tally != NULL)
				json_object_set_new(tally, ids[j],
				                    json_integer((json_int_t)c->counts[s]));
		s += c->style->contests[k].nwritein; /* */
	}
	if (!ve_named_counts(c, counts)) {
		ve_fail(c, VE_DECISION, "cannot run: a named vote was refused (check 5, V-7.1)");
		goto out;
	}
	/* the write-in candidates are decided like listed ones */
	if (c->style->total_writein > 0 && (saved = ve_writein_extend(c)) == NULL) {
		ve_fail(c, VE_DECISION, "out of memory");
		goto out;
	}
	if ((txt = json_dumps(counts, JSON_COMPACT | JSON_SORT_KEYS)) == NULL ||
	    counts_parse((const uint8_t *)txt, strlen(txt), c->m, &ec, &f) != Q_OK) {
		ve_fail(c, VE_DECISION, "tally/result.json: the counts are not valid D-1 counts");
		goto out;
	}
	if (decide(c->m, ec, &d, &f) != Q_OK || (mine = decision_to_json(d)) == NULL) {
		ve_fail(c, VE_DECISION, "the rule engine cannot decide from the verified counts");
		goto out;
	}
	const json_t *ann = json_object_get(c->result, "decision");
	if (!json_equal(mine, (json_t *)ann)) {
		const char *what = "";
		const json_t *ac = json_object_get(ann, "contests"),
		             *mc = json_object_get(mine, "contests");
		for (size_t i = 0; i < json_array_size(mc); i++)
			if (!json_equal(json_array_get(mc, i), json_array_get(ac, i))) {
				what =
				    json_string_value(json_object_get(json_array_get(mc, i), "id"));
				break;
			}
		ve_fail(c, VE_DECISION,
		        "tally/result.json: the announced decision differs from the rule engine's "
		        "outcome recomputed from the verified counts (contest %s)",
		        what ? what : "?");
	} else {
		ve_ok(c, VE_DECISION);
	}
out:
	if (saved != NULL) {
		ve_writein_restore(c, saved);
		free(saved);
	}
	json_decref(counts);
	json_decref(mine);
	free(txt);
	counts_free(ec);
	decision_free(d);
	elec_findings_free(&f);
}

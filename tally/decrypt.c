/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * decrypt.c -- partial decryption, combination, decoding and the decision
 * (docs/spec/record.md ).
 */
#include "decrypt.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ceremony.h"
#include "count.h"
#include "crypto/elgamal.h"
#include "crypto/proof.h"
#include "crypto/threshold.h"
#include "crypto/util.h"
#include "election/decide.h"
#include "election/i18n.h"
#include "election/named.h"
#include "election/roll.h"
#include "mix.h"
#include "tsig.h"

#include "banned.h"

/* The aggregate: cts[s] is NULL for a selection no ballot touched. */
typedef struct agg_file {
	json_t *j;
	uint8_t hash[SHA256_LEN];
	uint64_t ballots, issued, cast;
	size_t nsel;
	elgamal_ct **cts;
	uint32_t *cidx, *oidx; /* contest and option index of selection s */
} agg_file;

static void agg_file_clear(agg_file *a)
{
	for (size_t s = 0; s < a->nsel; s++)
		elgamal_ct_free(a->cts[s]);
	free(a->cts);
	free(a->cidx);
	free(a->oidx);
	json_decref(a->j);
	memset(a, 0, sizeof *a);
}

/* Parse the aggregate's bytes. */
static qerr parse_aggregate(const rec_election *el, const void *buf, size_t len, agg_file *a,
                            char *msg, size_t msgsz)
{
	const char *what = "tally/aggregate.json";
	uint8_t bh[SHA256_LEN];
	json_error_t je;
	const json_t *cs, *c, *v;
	size_t ci, n = 0;
	qerr e;
	memset(a, 0, sizeof *a);
	sha256(a->hash, buf, len);
	a->j = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(a->j)) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: line %d: %s"), what, je.line,
		             je.text);
		goto out;
	}
	v = json_object_get(a->j, "format");
	if (!json_is_string(v) || strcmp(json_string_value(v), TALLY_AGGREGATE_FORMAT) != 0) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: format is not %s"), what,
		             TALLY_AGGREGATE_FORMAT);
		goto out;
	}
	if ((e = rec_json_hex(a->j, "base_hash", bh, sizeof bh, what, msg, msgsz)) != Q_OK)
		goto out;
	if (memcmp(bh, el->base_hash, SHA256_LEN) != 0) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: made for another election"), what);
		goto out;
	}
	if ((e = rec_json_u64(a->j, "ballots", RULE_MAX_COUNT, &a->ballots, what, msg, msgsz)) !=
	        Q_OK ||
	    (e = rec_json_u64(a->j, "issued", RULE_MAX_COUNT, &a->issued, what, msg, msgsz)) !=
	        Q_OK ||
	    (e = rec_json_u64(a->j, "cast", RULE_MAX_COUNT, &a->cast, what, msg, msgsz)) != Q_OK)
		goto out;
	cs = json_object_get(a->j, "contests");
	if (!json_is_array(cs)) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: \"contests\" is not an array"), what);
		goto out;
	}
	json_array_foreach(cs, ci, c) n += json_array_size(json_object_get(c, "selections"));
	if (n == 0 || n > 100000 || (a->cts = calloc(n, sizeof *a->cts)) == NULL ||
	    (a->cidx = calloc(n, sizeof *a->cidx)) == NULL ||
	    (a->oidx = calloc(n, sizeof *a->oidx)) == NULL) {
		e = n == 0 ? rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: no selections"), what)
		           : Q_ERR_NOMEM;
		goto out;
	}
	a->nsel = n;
	n = 0;
	json_array_foreach(cs, ci, c)
	{
		const json_t *sels = json_object_get(c, "selections"), *sel;
		size_t si;
		json_array_foreach(sels, si, sel)
		{
			uint8_t cb[ELGAMAL_CT_LEN];
			const json_t *ct = json_object_get(sel, "ciphertext");
			a->cidx[n] = (uint32_t)ci;
			a->oidx[n] = (uint32_t)si;
			if (json_is_null(ct)) {
				n++;
				continue;
			}
			if ((a->cts[n] = elgamal_ct_new()) == NULL) {
				e = Q_ERR_NOMEM;
				goto out;
			}
			if (!json_is_string(ct) ||
			    hex_decode(cb, sizeof cb, json_string_value(ct),
			               json_string_length(ct)) != Q_OK ||
			    elgamal_ct_decode(a->cts[n], cb, sizeof cb) != Q_OK) {
				e = rec_fail(Q_ERR_FORMAT, msg, msgsz,
				             _("%s: selection %zu is not a valid ciphertext"), what,
				             n);
				goto out;
			}
			n++;
		}
	}
	e = Q_OK;
out:
	if (e != Q_OK)
		agg_file_clear(a);
	return e;
}

static qerr load_aggregate(const rec_election *el, agg_file *a, char *msg, size_t msgsz)
{
	char path[REC_PATH_MAX];
	uint8_t *buf = NULL;
	size_t len;
	qerr e;
	memset(a, 0, sizeof *a);
	if ((e = rec_path(path, sizeof path, el->dir, "tally/aggregate.json")) != Q_OK)
		return e;
	e = rec_read_file(path, REC_MAX_FILE, &buf, &len, msg, msgsz);
	if (e == Q_ERR_NOTFOUND)
		return rec_fail(Q_ERR_STATE, msg, msgsz,
		                _("no aggregate yet: run \"tally\" first"));
	if (e != Q_OK)
		return e;
	e = parse_aggregate(el, buf, len, a, msg, msgsz);
	free(buf);
	return e;
}

/*
 * R-7 (2): rebuild the aggregate from the station records (every check of
 * tally_build) and require tally/aggregate.json to be exactly those bytes.
 */
static qerr rebuild_aggregate(const rec_election *el, const tally_opts *o, agg_file *a,
                              mix_lists *wl, char *msg, size_t msgsz)
{
	char path[REC_PATH_MAX], *mine = NULL, hm[2 * SHA256_LEN + 1], hf[2 * SHA256_LEN + 1];
	uint8_t *theirs = NULL, h1[SHA256_LEN], h2[SHA256_LEN];
	size_t mlen, tlen;
	json_t *aj = NULL;
	tally_opts quiet = {0, 0};
	qerr e;
	memset(a, 0, sizeof *a);
	if (o == NULL)
		o = &quiet;
	if ((e = rec_path(path, sizeof path, el->dir, "tally/aggregate.json")) != Q_OK)
		return e;
	e = rec_read_file(path, REC_MAX_FILE, &theirs, &tlen, msg, msgsz);
	if (e == Q_ERR_NOTFOUND)
		return rec_fail(Q_ERR_STATE, msg, msgsz,
		                _("no aggregate yet: the returning officer runs \"tally\" first"));
	if (e != Q_OK)
		return e;
	/* the caller checked the trustees' keys and files against its roster
	 * a moment ago (R-7 (1)): not a second time */
	if ((e = tally_build_lists(el, o, 1, &aj, wl, msg, msgsz)) != Q_OK) {
		char tmp[768];
		snprintf(tmp, sizeof tmp, "%s", msg != NULL ? msg : "");
		e = rec_fail(e, msg, msgsz,
		             _("the aggregate cannot be rebuilt from the station records, so it is "
		               "not decrypted: %s"),
		             tmp);
		goto out;
	}
	if ((e = tally_aggregate_bytes(aj, &mine, &mlen)) != Q_OK)
		goto out;
	sha256(h1, mine, mlen);
	sha256(h2, theirs, tlen);
	if (mlen != tlen || memcmp(mine, theirs, mlen) != 0) {
		hex_encode(hm, h1, SHA256_LEN);
		hex_encode(hf, h2, SHA256_LEN);
		e = rec_fail(Q_ERR_CONSISTENCY, msg, msgsz,
		             _("tally/aggregate.json (SHA-256 %s) is not the aggregate of the "
		               "verified station records (SHA-256 %s): refused, nothing decrypted "
		               "(R-7)"),
		             hf, hm);
		goto out;
	}
	e = parse_aggregate(el, mine, mlen, a, msg, msgsz);
	/* the write-in lists are the verified ballots' too */
	if (e == Q_OK)
		e = mix_check_inputs(el, wl, msg, msgsz);
out:
	free(theirs);
	free(mine);
	json_decref(aj);
	return e;
}

qerr tally_decrypt(const rec_election *el, uint32_t i, const char *key_path, const void *pass,
                   size_t passlen, const tally_opts *o, uint8_t agg_hash[SHA256_LEN], char *msg,
                   size_t msgsz)
{
	agg_file a;
	scalar *s = NULL;
	sig_secret sk;
	trustee_set *set = NULL;
	point *Si = NULL, *sG = NULL, *M = NULL, *K = NULL, **S = NULL;
	cp_proof *pf = NULL;
	json_t *shares = NULL, *pj = NULL;
	uint8_t ctx[SHA256_LEN], pk[SIG_PUBLIC_LEN];
	char path[REC_PATH_MAX], rel[64];
	struct stat st;
	mix_lists wl = {NULL, 0};
	mix_chain ch;
	qerr e;

	memset(&a, 0, sizeof a);
	memset(&sk, 0, sizeof sk);
	memset(&ch, 0, sizeof ch);
	if (i < 1 || i > el->n)
		return rec_fail(Q_ERR_ARG, msg, msgsz, _("trustee index %u is not in 1..%u"), i,
		                el->n);
	snprintf(rel, sizeof rel, "tally/mix/partials/%u.json", i);
	if ((e = rec_path(path, sizeof path, el->dir, "%s", rel)) != Q_OK)
		return e;
	if (lstat(path, &st) == 0)
		return rec_fail(Q_ERR_EXISTS, msg, msgsz,
		                _("trustee %u has already decrypted (%s)"), i, path);
	snprintf(rel, sizeof rel, "tally/partials/%u.json", i);
	if ((e = rec_path(path, sizeof path, el->dir, "%s", rel)) != Q_OK)
		return e;
	if (lstat(path, &st) == 0)
		return rec_fail(Q_ERR_EXISTS, msg, msgsz,
		                _("trustee %u has already decrypted (%s)"), i, path);
	if ((s = scalar_new()) == NULL || (sG = point_new()) == NULL || (M = point_new()) == NULL ||
	    (pf = cp_proof_new()) == NULL || (shares = json_array()) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	/* R-7 (1): the trustee's own key, and everything checked against the
	 * roster it confirmed at the ceremony */
	if ((e = ceremony_key_open(el, i, key_path, pass, passlen, s, &sk, msg, msgsz)) != Q_OK)
		goto out;
	if ((e = sig_public(&sk, pk)) != Q_OK)
		goto out;
	if ((e = ceremony_check_keys(el, i, pk, &set, msg, msgsz)) != Q_OK)
		goto out;
	if ((e = rec_load_joint_key(el, &K, &S, msg, msgsz)) != Q_OK)
		goto out;
	Si = S[i - 1];
	if ((e = point_mul_base(sG, s)) != Q_OK)
		goto out;
	if (!point_eq(sG, Si)) {
		e = rec_fail(Q_ERR_STATE, msg, msgsz,
		             _("%s: this key share is not trustee %u's published verification key"),
		             key_path, i);
		goto out;
	}
	/* R-7 (2): decrypt only the aggregate rebuilt from the verified records */
	if ((e = rebuild_aggregate(el, o, &a, &wl, msg, msgsz)) != Q_OK)
		goto out;
	/* the final write-in lists of the verified chain, in the
	 * same run (written first: the aggregate's partial marks the end) */
	{
		size_t nonempty = 0;
		for (size_t li = 0; li < wl.n; li++)
			nonempty += wl.v[li].n > 0;
		if (nonempty > 0 &&
		    ((e = mix_verify_chain(el, set, K, a.hash, &wl, &ch, msg, msgsz)) != Q_OK ||
		     (e = mix_decrypt(el, i, s, Si, &sk, a.hash, &wl, &ch, msg, msgsz)) != Q_OK))
			goto out;
	}
	for (size_t x = 0; x < a.nsel; x++) {
		uint8_t mb[POINT_LEN], pb[CP_PROOF_LEN];
		json_t *sh;
		if (a.cts[x] == NULL) {
			sh = json_null();
		} else {
			/* M_i = s_i A, Chaum-Pedersen (C-4.2) with S_i, bound
			 * to this aggregate and this selection's place */
			rec_partial_ctx(ctx, el->base_hash, i, a.hash, a.cidx[x], a.oidx[x]);
			if ((e = point_mul(M, s, a.cts[x]->a)) != Q_OK ||
			    (e = cp_prove(pf, ctx, Si, a.cts[x]->a, M, s)) != Q_OK ||
			    (e = point_encode(mb, M)) != Q_OK)
				goto out;
			cp_proof_encode(pb, pf);
			sh = json_pack("{s:o, s:o}", "M", rec_hex_json(mb, sizeof mb), "proof",
			               rec_hex_json(pb, sizeof pb));
		}
		if (sh == NULL || json_array_append_new(shares, sh) != 0) {
			e = Q_ERR_NOMEM;
			goto out;
		}
	}
	pj = json_pack("{s:s, s:i, s:o, s:o, s:O}", "format", TALLY_PARTIAL_FORMAT, "trustee",
	               (json_int_t)i, "base_hash", rec_hex_json(el->base_hash, SHA256_LEN),
	               "aggregate_sha256", rec_hex_json(a.hash, SHA256_LEN), "shares", shares);
	if (pj == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if ((e = tsig_write_json(el, i, &sk, rel, pj, 1, msg, msgsz)) != Q_OK)
		goto out;
	if (agg_hash != NULL)
		memcpy(agg_hash, a.hash, SHA256_LEN);
out:
	mix_lists_free(&wl);
	mix_chain_free(&ch);
	agg_file_clear(&a);
	scalar_free(s);
	sig_secret_wipe(&sk);
	trustee_set_free(set);
	point_free(sG);
	point_free(M);
	point_free(K);
	if (S != NULL)
		for (uint32_t t = 0; t < el->n; t++)
			point_free(S[t]);
	free(S);
	cp_proof_free(pf);
	json_decref(shares);
	json_decref(pj);
	return e;
}

/* Load and verify trustee i's partial: Mi[s] (NULL where the aggregate
 * has none).  Q_ERR_NOTFOUND if absent; any other failure names why. */
static qerr load_partial(const rec_election *el, const agg_file *a, const trustee_set *set,
                         uint32_t i, const point *Si, point **Mi, char *why, size_t whylen)
{
	char path[REC_PATH_MAX], what[64];
	json_t *j = NULL;
	const json_t *sh, *v;
	uint8_t h[SHA256_LEN], ctx[SHA256_LEN];
	cp_proof *pf = NULL;
	uint64_t x;
	qerr e;
	snprintf(what, sizeof what, "tally/partials/%u.json", i);
	if ((e = rec_path(path, sizeof path, el->dir, "%s", what)) != Q_OK)
		return e;
	if (access(path, F_OK) != 0)
		return Q_ERR_NOTFOUND;
	/* signed by trustee i */
	if ((e = tsig_read_json(el, i, set->roster[i - 1], what, &j, why, whylen)) != Q_OK)
		return e;
	v = json_object_get(j, "format");
	if (!json_is_string(v) || strcmp(json_string_value(v), TALLY_PARTIAL_FORMAT) != 0 ||
	    rec_json_u64(j, "trustee", el->n, &x, what, NULL, 0) != Q_OK || x != i) {
		e = rec_fail(Q_ERR_FORMAT, why, whylen, _("%s: wrong format or trustee"), what);
		goto out;
	}
	if ((e = rec_json_hex(j, "base_hash", h, sizeof h, what, why, whylen)) != Q_OK)
		goto out;
	if (memcmp(h, el->base_hash, SHA256_LEN) != 0) {
		e = rec_fail(Q_ERR_FORMAT, why, whylen, _("%s: made for another election or round"),
		             what);
		goto out;
	}
	if ((e = rec_json_hex(j, "aggregate_sha256", h, sizeof h, what, why, whylen)) != Q_OK)
		goto out;
	if (memcmp(h, a->hash, SHA256_LEN) != 0) {
		e = rec_fail(Q_ERR_FORMAT, why, whylen, _("%s: made for another aggregate"), what);
		goto out;
	}
	sh = json_object_get(j, "shares");
	if (!json_is_array(sh) || json_array_size(sh) != a->nsel) {
		e = rec_fail(Q_ERR_FORMAT, why, whylen, _("%s: \"shares\" must list %zu entries"),
		             what, a->nsel);
		goto out;
	}
	if ((pf = cp_proof_new()) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	for (size_t s = 0; s < a->nsel; s++) {
		const json_t *o = json_array_get(sh, s);
		uint8_t pb[CP_PROOF_LEN];
		if (a->cts[s] == NULL) {
			if (!json_is_null(o)) {
				e = rec_fail(Q_ERR_FORMAT, why, whylen,
				             _("%s: share %zu must be null"), what, s);
				goto out;
			}
			continue;
		}
		if ((Mi[s] = point_new()) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		if ((e = rec_json_point(o, "M", Mi[s], what, why, whylen)) != Q_OK ||
		    (e = rec_json_hex(o, "proof", pb, sizeof pb, what, why, whylen)) != Q_OK)
			goto out;
		if (cp_proof_decode(pf, pb, sizeof pb) != Q_OK) {
			e = rec_fail(Q_ERR_FORMAT, why, whylen, _("%s: share %zu: malformed proof"),
			             what, s);
			goto out;
		}
		/* Chaum-Pedersen check (C-4.2) with ctx */
		rec_partial_ctx(ctx, el->base_hash, i, a->hash, a->cidx[s], a->oidx[s]);
		if (cp_verify(pf, ctx, Si, a->cts[s]->a, Mi[s]) != Q_OK) {
			e = rec_fail(
			    Q_ERR_PROOF, why, whylen,
			    _("selection %zu: the Chaum-Pedersen proof does not verify (C-4.2)"),
			    s);
			goto out;
		}
	}
	e = Q_OK;
out:
	cp_proof_free(pf);
	json_decref(j);
	return e;
}

/* load_partial with its message in English: the reason goes into
 * result.json's "skipped", and the record is never translated
 * (election/i18n.h).  In the "C" locale gettext ignores LANGUAGE. */
static qerr load_partial_untranslated(const rec_election *el, const agg_file *a,
                                      const trustee_set *set, uint32_t i, const point *Si,
                                      point **Mi, char *why, size_t whylen)
{
	const char *cur = setlocale(LC_MESSAGES, NULL);
	char saved[128];
	int restore = cur != NULL && strlen(cur) < sizeof saved;
	if (restore)
		memcpy(saved, cur, strlen(cur) + 1);
	(void)setlocale(LC_MESSAGES, "C");
	qerr e = load_partial(el, a, set, i, Si, Mi, why, whylen);
	if (restore)
		(void)setlocale(LC_MESSAGES, saved);
	return e;
}

/* the counts (docs/decide.md D-1, combined form) from the decoded
 * values. */
static json_t *make_counts(const rec_election *el, const agg_file *a, const uint64_t *val,
                           const named_tally *nt, const mix_outcome *wo)
{
	json_t *root, *cs;
	size_t sel = 0;
	root = json_pack("{s:s, s:s, s:I, s:I, s:I, s:[]}", "format", COUNTS_FORMAT, "election",
	                 el->manifest->id, "issued", (json_int_t)a->issued, "cast",
	                 (json_int_t)a->cast, "attendees", (json_int_t)a->issued, "contests");
	if (root == NULL)
		goto fail;
	cs = json_object_get(root, "contests");
	for (size_t c = 0; c < el->manifest->ncontests; c++) {
		const elec_contest *mc = &el->manifest->contests[c];
		char *const *ids;
		size_t nopt;
		unsigned mn, mx;
		json_t *t, *ce;
		int64_t seats = -1;
		if (mc->type == CONTEST_PETITION)
			continue;
		if (mc->named) { /* E-2.1: counted from the station logs (V-7.1) */
			uint64_t nv[3];
			named_tally_counts(nt, mc->id, nv);
			ce = json_pack("{s:s, s:I, s:{s:I, s:I, s:I}}", "id", mc->id, "cast",
			               (json_int_t)(nv[0] + nv[1] + nv[2]), "tally", "yes",
			               (json_int_t)nv[0], "no", (json_int_t)nv[1], "abstain",
			               (json_int_t)nv[2]);
			if (ce == NULL || json_array_append_new(cs, ce) != 0)
				goto fail;
			continue;
		}
		manifest_contest_options(mc, &ids, &nopt, &mn, &mx);
		/* a run-off round (E-5) counts the offices of its manifest, each
		 * for the seats the previous round left unfilled */
		if (el->round > 1 && mc->type == CONTEST_OFFICE)
			seats = mc->seats;
		if ((t = json_object()) == NULL)
			goto fail;
		for (size_t x = 0; x < nopt; x++, sel++)
			if (json_object_set_new(t, ids[x], json_integer((json_int_t)val[sel])) !=
			    0) {
				json_decref(t);
				goto fail;
			}
		/* the slots' selections are not options; the write-in
		 * candidates count with their matched votes */
		sel += mc->write_in;
		for (size_t w = 0; wo != NULL && w < wo->ncands; w++)
			if (wo->cands[w].mcontest == c)
				for (size_t k = 0; k < wo->cands[w].n; k++)
					if (json_object_set_new(
					        t, wo->cands[w].id[k],
					        json_integer((json_int_t)wo->cands[w].votes[k])) !=
					    0) {
						json_decref(t);
						goto fail;
					}
		ce = json_pack("{s:s, s:o}", "id", mc->id, "tally", t);
		if (ce == NULL)
			goto fail;
		if (seats > 0 && (json_object_set_new(ce, "round", json_integer(el->round)) != 0 ||
		                  json_object_set_new(ce, "seats", json_integer(seats)) != 0)) {
			json_decref(ce);
			goto fail;
		}
		if (json_array_append_new(cs, ce) != 0)
			goto fail;
	}
	return root;
fail:
	json_decref(root);
	return NULL;
}

static void print_findings(const elec_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		fprintf(stderr, _("decide: %s%s%s%s at %s: %s\n"),
		        f->v[i].severity == ELEC_ERROR ? "error" : "warning",
		        f->v[i].rule ? " [" : "", f->v[i].rule ? f->v[i].rule : "",
		        f->v[i].rule ? "]" : "", f->v[i].where ? f->v[i].where : "-",
		        f->v[i].message ? f->v[i].message : "");
}

qerr tally_combine(const rec_election *el, combine_report *rep, char *msg, size_t msgsz)
{
	return tally_combine_roll(el, NULL, 0, rep, msg, msgsz);
}

/* the write-in part of combine; *wo is empty (no write_ins) for
 * an election without slots. */
static qerr combine_writeins(const rec_election *el, const trustee_set *set, const point *K,
                             const point *const *S, const agg_file *a, const uint64_t *val,
                             const uint8_t *roll, size_t roll_len, mix_outcome *wo, char *msg,
                             size_t msgsz)
{
	ballot_style *st = NULL;
	mix_lists l = {NULL, 0};
	uint64_t **marked = NULL;
	qerr e;
	memset(wo, 0, sizeof *wo);
	if ((e = rec_ballot_style(el, &st, msg, msgsz)) != Q_OK)
		return e;
	if (st->total_writein == 0) {
		ballot_style_free(st);
		return Q_OK;
	}
	if ((e = mix_lists_init(&l, st, el->manifest)) != Q_OK ||
	    (e = mix_read_inputs(el, &l, a->ballots, msg, msgsz)) != Q_OK)
		goto out;
	if ((marked = calloc(l.n + 1, sizeof *marked)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	/* the aggregate's slot counts (R-12.1: contest c, options L..L+W-1) */
	for (size_t li = 0; li < l.n; li++) {
		if ((marked[li] = calloc(l.v[li].nslots + 1, sizeof **marked)) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		for (size_t x = 0; x < a->nsel; x++)
			if (a->cidx[x] == l.v[li].contest && a->oidx[x] >= l.v[li].nlisted &&
			    a->oidx[x] < l.v[li].nlisted + l.v[li].nslots)
				marked[li][a->oidx[x] - l.v[li].nlisted] = val[x];
	}
	e = mix_combine(el, set, K, S, a->hash, (const uint64_t *const *)marked, roll, roll_len, &l,
	                wo, msg, msgsz);
out:
	if (marked != NULL)
		for (size_t li = 0; li < l.n; li++)
			free(marked[li]);
	free(marked);
	mix_lists_free(&l);
	ballot_style_free(st);
	return e;
}

qerr tally_combine_roll(const rec_election *el, const uint8_t *roll, size_t roll_len,
                        combine_report *rep, char *msg, size_t msgsz)
{
	mix_outcome wo;
	mix_saved *saved = NULL;
	int extended = 0;
	agg_file a;
	point *K = NULL, **S = NULL, ***Mi = NULL, *M = NULL, *mG = NULL;
	uint32_t idx[256];
	size_t nvalid = 0, npresent = 0;
	uint64_t *val = NULL;
	elgamal_dlog_table *dt = NULL;
	json_t *counts = NULL, *res = NULL, *dj = NULL, *used = NULL, *skipped = NULL,
	       *entry = NULL;
	char *cbytes = NULL, *note = NULL, path[REC_PATH_MAX], bad[512] = "";
	elec_counts *ec = NULL;
	elec_decision *dec = NULL;
	elec_findings f;
	trustee_set *set = NULL;
	struct stat st;
	named_tally nt = {0};
	qerr e;

	memset(&a, 0, sizeof a);
	memset(&wo, 0, sizeof wo);
	elec_findings_init(&f);
	if (rep != NULL)
		memset(rep, 0, sizeof *rep);
	if ((e = rec_path(path, sizeof path, el->dir, "tally/result.json")) != Q_OK)
		return e;
	if (lstat(path, &st) == 0)
		return rec_fail(Q_ERR_EXISTS, msg, msgsz, _("the result exists already (%s)"),
		                path);
	if ((e = ceremony_check_keys(el, 0, NULL, &set, msg, msgsz)) != Q_OK)
		return e;
	if ((e = load_aggregate(el, &a, msg, msgsz)) != Q_OK) {
		trustee_set_free(set);
		return e;
	}
	if ((e = rec_load_joint_key(el, &K, &S, msg, msgsz)) != Q_OK)
		goto out;
	if ((Mi = calloc(el->n, sizeof *Mi)) == NULL || (used = json_array()) == NULL ||
	    (skipped = json_array()) == NULL || (M = point_new()) == NULL ||
	    (mG = point_new()) == NULL || (val = calloc(a.nsel, sizeof *val)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	for (uint32_t i = 1; i <= el->n; i++) {
		char why[300];
		if ((Mi[i - 1] = calloc(a.nsel, sizeof **Mi)) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		e = load_partial_untranslated(el, &a, set, i, S[i - 1], Mi[i - 1], why, sizeof why);
		if (e == Q_ERR_NOTFOUND)
			continue;
		npresent++;
		if (e == Q_ERR_NOMEM)
			goto out;
		if (e != Q_OK) {
			size_t l = strlen(bad);
			fprintf(stderr,
			        _("combine: trustee %u's partial decryption is invalid and is "
			          "skipped: %s\n"),
			        i, why);
			snprintf(bad + l, sizeof bad - l, "%s%u (%s)", l ? "; " : "", i, why);
			if (rep != NULL && rep->nskipped < 256)
				rep->skipped[rep->nskipped++] = i;
			if (json_array_append_new(skipped,
			                          json_pack("{s:i, s:s}", "trustee", (json_int_t)i,
			                                    "reason", why)) != 0) {
				e = Q_ERR_NOMEM;
				goto out;
			}
			for (size_t s = 0; s < a.nsel; s++) {
				point_free(Mi[i - 1][s]);
				Mi[i - 1][s] = NULL;
			}
			continue;
		}
		if (nvalid < el->k)
			idx[nvalid] = i;
		nvalid++;
	}
	if (nvalid < el->k) {
		e = rec_fail(
		    npresent < el->k && bad[0] == '\0' ? Q_ERR_NOTFOUND : Q_ERR_PROOF, msg, msgsz,
		    _("only %zu valid partial decryptions of the %u needed (present: %zu%s%s)"),
		    nvalid, el->k, npresent, bad[0] ? "; invalid: " : "", bad);
		goto out;
	}
	for (size_t t = 0; t < el->k; t++) {
		if (rep != NULL)
			rep->used[rep->nused++] = idx[t];
		if (json_array_append_new(used, json_integer(idx[t])) != 0) {
			e = Q_ERR_NOMEM;
			goto out;
		}
	}
	/* BSGS table for 0..ballots */
	if ((e = elgamal_dlog_table_new(&dt, a.ballots)) != Q_OK)
		goto out;
	for (size_t s = 0; s < a.nsel; s++) {
		const point *parts[256];
		if (a.cts[s] == NULL) {
			val[s] = 0;
			continue;
		}
		for (size_t t = 0; t < el->k; t++)
			parts[t] = Mi[idx[t] - 1][s];
		/* C-5: M = sum lambda_i M_i; mG = B - M */
		if ((e = threshold_combine(M, idx, parts, el->k, el->n)) != Q_OK ||
		    (e = point_sub(mG, a.cts[s]->b, M)) != Q_OK)
			goto out;
		if ((e = elgamal_dlog(dt, mG, &val[s])) != Q_OK) {
			e = rec_fail(e, msg, msgsz,
			             _("selection %zu does not decode to a count in 0..%llu"), s,
			             (unsigned long long)a.ballots);
			goto out;
		}
	}
	if ((e = tally_named_collect(el, json_object_get(a.j, "stations"), &nt, msg, msgsz)) !=
	    Q_OK)
		goto out;
	/* R-12.5-R-12.6: the write-ins, decrypted from the mixed lists */
	if ((e = combine_writeins(el, set, K, (const point *const *)S, &a, val, roll, roll_len, &wo,
	                          msg, msgsz)) != Q_OK)
		goto out;
	if ((counts = make_counts(el, &a, val, &nt, &wo)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if ((cbytes = json_dumps(counts, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	/* write-in candidates are decided like listed ones */
	if ((saved = calloc(el->manifest->ncontests + 1, sizeof *saved)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	extended = 1;
	e = mix_extend_manifest(el->manifest, &wo, saved);
	if (e == Q_OK)
		e = counts_parse((const uint8_t *)cbytes, strlen(cbytes), el->manifest, &ec, &f);
	if (e == Q_OK)
		e = decide(el->manifest, ec, &dec, &f);
	mix_restore_manifest(el->manifest, saved);
	extended = 0;
	print_findings(&f);
	if (e != Q_OK) {
		e = rec_fail(e, msg, msgsz, _("the rule engine refused the counts (%s)"),
		             qerr_str(e));
		goto out;
	}
	if ((dj = decision_to_json(dec)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	res = json_pack("{s:s, s:o, s:o, s:O, s:O, s:O, s:O}", "format",
	                wo.write_ins != NULL ? TALLY_RESULT_FORMAT_WRITEIN : TALLY_RESULT_FORMAT,
	                "base_hash", rec_hex_json(el->base_hash, SHA256_LEN), "aggregate_sha256",
	                rec_hex_json(a.hash, SHA256_LEN), "trustees_used", used, "skipped", skipped,
	                "counts", counts, "decision", dj);
	if (res == NULL ||
	    (wo.write_ins != NULL && json_object_set(res, "write_ins", wo.write_ins) != 0)) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if ((e = rec_write_json(path, res, 1, msg, msgsz)) != Q_OK)
		goto out;
	/* R-3.3 "partial-decryption" entries, then "result" with a checkpoint */
	for (size_t t = 0; t < el->k; t++) {
		char pp[REC_PATH_MAX];
		uint8_t *fb = NULL, h[SHA256_LEN];
		size_t fl;
		if ((e = rec_path(pp, sizeof pp, el->dir, "tally/partials/%u.json", idx[t])) !=
		        Q_OK ||
		    (e = rec_read_file(pp, REC_MAX_FILE, &fb, &fl, msg, msgsz)) != Q_OK)
			goto out;
		sha256(h, fb, fl);
		free(fb);
		json_decref(entry);
		entry = json_pack("{s:s, s:i, s:o}", "type", "partial-decryption", "trustee",
		                  (json_int_t)idx[t], "partial_sha256", rec_hex_json(h, sizeof h));
		if (entry == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		if ((e = rec_log_append(el, entry, 0, NULL, msg, msgsz)) != Q_OK)
			goto out;
	}
	{
		uint8_t *fb = NULL, h[SHA256_LEN];
		size_t fl;
		if ((e = rec_read_file(path, REC_MAX_FILE, &fb, &fl, msg, msgsz)) != Q_OK)
			goto out;
		sha256(h, fb, fl);
		free(fb);
		json_decref(entry);
		entry = json_pack("{s:s, s:o, s:O}", "type", "result", "result_sha256",
		                  rec_hex_json(h, sizeof h), "counts", counts);
		if (entry == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		if ((e = rec_log_append(el, entry, 1, &note, msg, msgsz)) != Q_OK)
			goto out;
		if ((e = rec_path(path, sizeof path, el->dir, "tally/result.checkpoint")) != Q_OK ||
		    (e = rec_write_file(path, note, strlen(note), 0644, 0, msg, msgsz)) != Q_OK)
			goto out;
	}
	e = Q_OK;
out:
	if (extended)
		mix_restore_manifest(el->manifest, saved);
	free(saved);
	mix_outcome_free(&wo);
	point_free(K);
	if (S != NULL)
		for (uint32_t t = 0; t < el->n; t++)
			point_free(S[t]);
	free(S);
	if (Mi != NULL) {
		for (uint32_t t = 0; t < el->n; t++) {
			if (Mi[t] != NULL)
				for (size_t s = 0; s < a.nsel; s++)
					point_free(Mi[t][s]);
			free(Mi[t]);
		}
		free(Mi);
	}
	point_free(M);
	point_free(mG);
	free(val);
	named_tally_free(&nt);
	elgamal_dlog_table_free(dt);
	json_decref(counts);
	json_decref(res);
	json_decref(dj);
	json_decref(used);
	json_decref(skipped);
	json_decref(entry);
	free(cbytes);
	free(note);
	counts_free(ec);
	decision_free(dec);
	elec_findings_free(&f);
	agg_file_clear(&a);
	trustee_set_free(set);
	return e;
}

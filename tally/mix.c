/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mix.c -- the count of write-in slots: mix inputs, the trustees' chain of
 * shuffles, the decryption of the final lists and the matching against the
 * roll (docs/spec/record.md R-12; mix.h).
 */
#include "mix.h"

#include <dirent.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/proof.h"
#include "crypto/shuffle.h"
#include "crypto/threshold.h"
#include "crypto/transcript.h"
#include "crypto/util.h"
#include "election/i18n.h"
#include "election/roll.h"
#include "election/writein.h"
#include "tsig.h"

#include "banned.h"

/* ---- lists (R-12.1) ---- */

void mix_lists_free(mix_lists *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].bytes);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

qerr mix_lists_init(mix_lists *l, const ballot_style *st, const elec_manifest *m)
{
	size_t bc = 0;
	mix_lists_free(l);
	for (size_t c = 0; c < m->ncontests; c++) {
		const elec_contest *mc = &m->contests[c];
		if (!manifest_contest_balloted(mc))
			continue;
		if (bc >= st->ncontests)
			return Q_ERR_ARG;
		if (st->contests[bc].nwritein > 0) {
			mix_list *nv = realloc(l->v, (l->n + 1) * sizeof *nv);
			if (nv == NULL)
				return Q_ERR_NOMEM;
			l->v = nv;
			memset(&l->v[l->n], 0, sizeof l->v[l->n]);
			l->v[l->n].contest = (uint32_t)bc;
			l->v[l->n].mcontest = c;
			l->v[l->n].id = mc->id;
			l->v[l->n].nslots = st->contests[bc].nwritein;
			l->v[l->n].nlisted = st->contests[bc].noptions - st->contests[bc].nwritein;
			l->v[l->n].w = writein_tuple_width(st, bc);
			l->n++;
		}
		bc++;
	}
	return Q_OK;
}

qerr mix_lists_add(mix_lists *l, const ballot_style *st, const uint8_t *enc, size_t len)
{
	/* where the ciphertexts are: election/ballot.h's one layout (B-2, B-10.3) */
	size_t nct = ballot_style_nct(st);
	size_t *off = calloc(nct + 1, sizeof *off);
	qerr e = Q_OK;
	if (off == NULL)
		return Q_ERR_NOMEM;
	if (len != ballot_style_encoded_len(st) || ballot_style_ct_offsets(st, off) != len) {
		e = Q_ERR_ENCODING;
		goto out;
	}
	for (size_t i = 0; i < l->n; i++) {
		mix_list *ml = &l->v[i];
		size_t need = (ml->n + 1) * ml->w * ELGAMAL_CT_LEN;
		if (ml->n >= SHUFFLE_MAX_N) {
			e = Q_ERR_LIMIT;
			goto out;
		}
		if (need > ml->cap) {
			size_t cap = ml->cap ? 2 * ml->cap : 16 * ml->w * ELGAMAL_CT_LEN;
			while (cap < need)
				cap *= 2;
			uint8_t *nb = realloc(ml->bytes, cap);
			if (nb == NULL) {
				e = Q_ERR_NOMEM;
				goto out;
			}
			ml->bytes = nb;
			ml->cap = cap;
		}
		uint8_t *t = ml->bytes + ml->n * ml->w * ELGAMAL_CT_LEN;
		/* B-10.8 mix bytes: per slot s its mark (selection L + s) at
		 * 3s, then its NAMEPT_WIDTH name ciphertexts at 3s + 1 + k */
		for (size_t x = 0; x < nct; x++) {
			ballot_ct_place pl;
			size_t k;
			if ((e = ballot_style_ct_place(st, x, &pl)) != Q_OK)
				goto out;
			if (pl.contest != ml->contest)
				continue;
			if (pl.slot == UINT32_MAX) {
				if (pl.option < ml->nlisted)
					continue;
				k = (size_t)(pl.option - ml->nlisted) * (1 + NAMEPT_WIDTH);
			} else {
				k = (size_t)pl.slot * (1 + NAMEPT_WIDTH) + 1 + pl.point;
			}
			if (k >= ml->w) {
				e = Q_ERR_ENCODING;
				goto out;
			}
			memcpy(t + k * ELGAMAL_CT_LEN, enc + off[x], ELGAMAL_CT_LEN);
		}
		ml->n++;
	}
out:
	free(off);
	return e;
}

static size_t list_len(const mix_list *ml)
{
	return ml->n * ml->w * ELGAMAL_CT_LEN;
}

static qerr contest_dir(const rec_election *el, const mix_list *ml, char *out, size_t cap)
{
	return rec_path(out, cap, el->dir, "tally/mix/contest-%u", ml->contest);
}

qerr mix_write_inputs(const rec_election *el, const mix_lists *l, char *msg, size_t msgsz)
{
	qerr e;
	for (size_t i = 0; i < l->n; i++) {
		const mix_list *ml = &l->v[i];
		char dir[REC_PATH_MAX], path[REC_PATH_MAX];
		if (ml->n == 0)
			continue;
		if ((e = contest_dir(el, ml, dir, sizeof dir)) != Q_OK ||
		    (e = rec_path(path, sizeof path, el->dir, "tally/mix/contest-%u/input.bin",
		                  ml->contest)) != Q_OK)
			return e;
		if (rec_mkdirs(dir) != Q_OK)
			return rec_fail(Q_ERR_IO, msg, msgsz, _("cannot create %s"), dir);
		if (access(path, F_OK) == 0) {
			e = mix_check_inputs(el, l, msg, msgsz);
			if (e != Q_OK)
				return e;
			continue;
		}
		if ((e = rec_write_file(path, ml->bytes, list_len(ml), 0644, 1, msg, msgsz)) !=
		    Q_OK)
			return e;
	}
	return Q_OK;
}

qerr mix_check_inputs(const rec_election *el, const mix_lists *l, char *msg, size_t msgsz)
{
	for (size_t i = 0; i < l->n; i++) {
		const mix_list *ml = &l->v[i];
		char path[REC_PATH_MAX];
		uint8_t *b = NULL;
		size_t len = 0;
		qerr e;
		if ((e = rec_path(path, sizeof path, el->dir, "tally/mix/contest-%u/input.bin",
		                  ml->contest)) != Q_OK)
			return e;
		e = rec_read_file(path, REC_MAX_FILE, &b, &len, msg, msgsz);
		if (e == Q_ERR_NOTFOUND && ml->n == 0)
			continue;
		if (e == Q_ERR_NOTFOUND)
			return rec_fail(
			    Q_ERR_STATE, msg, msgsz,
			    _("%s is missing: the returning officer runs \"tally\" first "
			      "(R-12.1)"),
			    path);
		if (e != Q_OK)
			return e;
		int same = len == list_len(ml) && memcmp(b, ml->bytes, len) == 0;
		free(b);
		if (!same)
			return rec_fail(
			    Q_ERR_CONSISTENCY, msg, msgsz,
			    _("%s is not the list of the write-in slots of the verified "
			      "ballots (contest %s): refused (R-12.1)"),
			    path, ml->id);
	}
	return Q_OK;
}

qerr mix_read_inputs(const rec_election *el, mix_lists *l, uint64_t nballots, char *msg,
                     size_t msgsz)
{
	for (size_t i = 0; i < l->n; i++) {
		mix_list *ml = &l->v[i];
		char path[REC_PATH_MAX];
		uint8_t *b = NULL;
		size_t len = 0;
		qerr e;
		if ((e = rec_path(path, sizeof path, el->dir, "tally/mix/contest-%u/input.bin",
		                  ml->contest)) != Q_OK)
			return e;
		e = rec_read_file(path, REC_MAX_FILE, &b, &len, msg, msgsz);
		if (e == Q_ERR_NOTFOUND && nballots == 0)
			continue;
		if (e == Q_ERR_NOTFOUND)
			return rec_fail(Q_ERR_STATE, msg, msgsz, _("%s is missing (R-12.1)"), path);
		if (e != Q_OK)
			return e;
		if (len != nballots * ml->w * ELGAMAL_CT_LEN) {
			free(b);
			return rec_fail(Q_ERR_FORMAT, msg, msgsz,
			                _("%s: %zu bytes, not one tuple of %zu ciphertexts per "
			                  "counted ballot (%llu) (R-12.1)"),
			                path, len, ml->w, (unsigned long long)nballots);
		}
		free(ml->bytes);
		ml->bytes = b;
		ml->cap = len;
		ml->n = (size_t)nballots;
	}
	return Q_OK;
}

/* ---- the chain (R-12.2, R-12.3) ---- */

void mix_chain_free(mix_chain *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nlists; i++)
		free(c->last[i]);
	free(c->last);
	free(c->last_hash);
	memset(c, 0, sizeof *c);
}

static qerr hex_field(const json_t *o, const char *key, uint8_t out[SHA256_LEN])
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_string(v))
		return Q_ERR_FORMAT;
	return hex_decode(out, SHA256_LEN, json_string_value(v), json_string_length(v)) == Q_OK
	           ? Q_OK
	           : Q_ERR_FORMAT;
}

static int u64_field(const json_t *o, const char *key, uint64_t max, uint64_t *v)
{
	const json_t *x = json_object_get(o, key);
	if (!json_is_integer(x) || json_integer_value(x) < 0 ||
	    (uint64_t)json_integer_value(x) > max)
		return 0;
	*v = (uint64_t)json_integer_value(x);
	return 1;
}

/* A list's "contest" entry of a statement matches ml. */
static int contest_entry_ok(const json_t *ce, const mix_list *ml)
{
	uint64_t c, n, w;
	const json_t *id = json_object_get(ce, "id");
	return u64_field(ce, "contest", UINT32_MAX, &c) && c == ml->contest &&
	       u64_field(ce, "n", SHUFFLE_MAX_N, &n) && n == ml->n &&
	       u64_field(ce, "w", SHUFFLE_MAX_W, &w) && w == ml->w && json_is_string(id) &&
	       strcmp(json_string_value(id), ml->id) == 0;
}

static size_t lists_nonempty(const mix_lists *l)
{
	size_t k = 0;
	for (size_t i = 0; i < l->n; i++)
		k += l->v[i].n > 0;
	return k;
}

/* One statement's common fields: format, base hash, aggregate. */
static qerr statement_head(const rec_election *el, const json_t *j, const char *format,
                           const uint8_t agg_hash[SHA256_LEN], const mix_lists *l, const char *what,
                           char *msg, size_t msgsz)
{
	uint8_t h[SHA256_LEN];
	const json_t *v = json_object_get(j, "format");
	if (!json_is_string(v) || strcmp(json_string_value(v), format) != 0)
		return rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: format is not %s"), what, format);
	if (hex_field(j, "base_hash", h) != Q_OK || memcmp(h, el->base_hash, SHA256_LEN) != 0)
		return rec_fail(Q_ERR_FORMAT, msg, msgsz,
		                _("%s: made for another election or round"), what);
	if (hex_field(j, "aggregate_sha256", h) != Q_OK || memcmp(h, agg_hash, SHA256_LEN) != 0)
		return rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: made for another aggregate"),
		                what);
	v = json_object_get(j, "contests");
	if (!json_is_array(v) || json_array_size(v) != lists_nonempty(l))
		return rec_fail(Q_ERR_FORMAT, msg, msgsz,
		                _("%s: \"contests\" must list the %zu contests with write-ins"),
		                what, lists_nonempty(l));
	return Q_OK;
}

/* The trustee a statement names, before its signature is checked. */
static qerr statement_trustee(const rec_election *el, const char *rel, uint32_t *t, char *msg,
                              size_t msgsz)
{
	char path[REC_PATH_MAX];
	json_t *j = NULL;
	uint64_t v;
	qerr e;
	if ((e = rec_path(path, sizeof path, el->dir, "%s", rel)) != Q_OK ||
	    (e = rec_read_json(path, &j, msg, msgsz)) != Q_OK)
		return e;
	if (!u64_field(j, "trustee", el->n, &v) || v < 1) {
		json_decref(j);
		return rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: \"trustee\" is not 1..%u"), rel,
		                el->n);
	}
	json_decref(j);
	*t = (uint32_t)v;
	return Q_OK;
}

qerr mix_verify_chain(const rec_election *el, const trustee_set *set, const point *K,
                      const uint8_t agg_hash[SHA256_LEN], const mix_lists *in, mix_chain *out,
                      char *msg, size_t msgsz)
{
	json_t *j = NULL;
	uint8_t *ob = NULL, *pb = NULL;
	qerr e = Q_ERR_NOMEM;
	memset(out, 0, sizeof *out);
	if ((out->last = calloc(in->n + 1, sizeof *out->last)) == NULL ||
	    (out->last_hash = calloc(in->n + 1, sizeof *out->last_hash)) == NULL)
		goto out;
	out->nlists = in->n;
	for (size_t i = 0; i < in->n; i++) {
		size_t len = list_len(&in->v[i]);
		if ((out->last[i] = malloc(len ? len : 1)) == NULL)
			goto out;
		if (len)
			memcpy(out->last[i], in->v[i].bytes, len);
		sha256(out->last_hash[i], out->last[i], len);
	}
	for (size_t m = 0; m < MIX_MAX_MIXERS; m++) {
		char rel[64], path[REC_PATH_MAX];
		uint32_t t = 0;
		uint64_t v;
		const json_t *cs;
		snprintf(rel, sizeof rel, "tally/mix/mixer-%zu.json", m);
		if ((e = rec_path(path, sizeof path, el->dir, "%s", rel)) != Q_OK)
			goto out;
		if (access(path, F_OK) != 0)
			break;
		/* signed by the trustee it names */
		if ((e = statement_trustee(el, rel, &t, msg, msgsz)) != Q_OK)
			goto out;
		json_decref(j);
		j = NULL;
		if ((e = tsig_read_json(el, t, set->roster[t - 1], rel, &j, msg, msgsz)) != Q_OK)
			goto out;
		if ((e = statement_head(el, j, MIX_STATEMENT_FORMAT, agg_hash, in, rel, msg,
		                        msgsz)) != Q_OK)
			goto out;
		if (!u64_field(j, "mixer", MIX_MAX_MIXERS, &v) || v != m) {
			e = rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: \"mixer\" is not %zu"), rel,
			             m);
			goto out;
		}
		for (size_t p = 0; p < m; p++)
			if (out->trustee[p] == t) {
				e = rec_fail(Q_ERR_CONSISTENCY, msg, msgsz,
				             _("%s: trustee %u mixed already at place %zu: each "
				               "trustee mixes once (R-12.3)"),
				             rel, t, p);
				goto out;
			}
		cs = json_object_get(j, "contests");
		size_t ce_i = 0;
		for (size_t i = 0; i < in->n; i++) {
			const mix_list *ml = &in->v[i];
			const json_t *ce;
			uint8_t h[SHA256_LEN], hb[SHA256_LEN];
			size_t ol, pl;
			shuffle_fail why;
			char cp[REC_PATH_MAX];
			if (ml->n == 0)
				continue;
			ce = json_array_get(cs, ce_i++);
			if (!contest_entry_ok(ce, ml)) {
				e = rec_fail(Q_ERR_FORMAT, msg, msgsz,
				             _("%s: the entry of contest %u (%s) does not name it "
				               "with its n = %zu and w = %zu"),
				             rel, ml->contest, ml->id, ml->n, ml->w);
				goto out;
			}
			if (hex_field(ce, "input_sha256", h) != Q_OK ||
			    memcmp(h, out->last_hash[i], SHA256_LEN) != 0) {
				e = rec_fail(
				    Q_ERR_CONSISTENCY, msg, msgsz,
				    _("contest %u (%s), mixer %zu (trustee %u): it did not "
				      "mix the list the chain gave it (input_sha256, "
				      "R-12.3)"),
				    ml->contest, ml->id, m, t);
				goto out;
			}
			free(ob);
			free(pb);
			ob = pb = NULL;
			if ((e = rec_path(cp, sizeof cp, el->dir,
			                  "tally/mix/contest-%u/mixer-%zu.bin", ml->contest, m)) !=
			        Q_OK ||
			    (e = rec_read_file(cp, REC_MAX_FILE, &ob, &ol, msg, msgsz)) != Q_OK)
				goto out;
			if ((e = rec_path(cp, sizeof cp, el->dir,
			                  "tally/mix/contest-%u/mixer-%zu.proof", ml->contest,
			                  m)) != Q_OK ||
			    (e = rec_read_file(cp, REC_MAX_FILE, &pb, &pl, msg, msgsz)) != Q_OK)
				goto out;
			sha256(hb, ob, ol);
			if (hex_field(ce, "output_sha256", h) != Q_OK ||
			    memcmp(h, hb, SHA256_LEN) != 0 || ol != list_len(ml)) {
				e = rec_fail(Q_ERR_CONSISTENCY, msg, msgsz,
				             _("contest %u (%s), mixer %zu (trustee %u): "
				               "mixer-%zu.bin is not the list its statement signs "
				               "(output_sha256, R-12.3)"),
				             ml->contest, ml->id, m, t, m);
				goto out;
			}
			sha256(hb, pb, pl);
			if (hex_field(ce, "proof_sha256", h) != Q_OK ||
			    memcmp(h, hb, SHA256_LEN) != 0) {
				e = rec_fail(
				    Q_ERR_CONSISTENCY, msg, msgsz,
				    _("contest %u (%s), mixer %zu (trustee %u): "
				      "mixer-%zu.proof is not the proof its statement signs "
				      "(proof_sha256, R-12.3)"),
				    ml->contest, ml->id, m, t, m);
				goto out;
			}
			/* C-8.4 from the bytes, ctx_mix(c, m) (B-10.8) */
			uint8_t ctx[SHUFFLE_CTX_LEN];
			writein_mix_ctx(ctx, el->base_hash, ml->contest, (uint32_t)m);
			memset(&why, 0, sizeof why);
			e = shuffle_verify_bytes(pb, pl, ctx, K, out->last[i], ob, ml->n, ml->w,
			                         &why);
			if (e != Q_OK) {
				e = rec_fail(
				    e == Q_ERR_NOMEM ? e : Q_ERR_PROOF, msg, msgsz,
				    _("contest %u (%s), mixer %zu (trustee %u): the proof of "
				      "shuffle fails: %s (C-8.4)"),
				    ml->contest, ml->id, m, t,
				    why.what[0] ? why.what : qerr_str(e));
				goto out;
			}
			free(out->last[i]);
			out->last[i] = ob;
			ob = NULL;
			sha256(out->last_hash[i], out->last[i], list_len(ml));
		}
		out->trustee[m] = t;
		out->nmixers = m + 1;
	}
	e = Q_OK;
out:
	free(ob);
	free(pb);
	json_decref(j);
	if (e != Q_OK)
		mix_chain_free(out);
	return e;
}

/* Decode a list into n*w new ciphertexts. */
static qerr list_decode(const uint8_t *b, size_t count, elgamal_ct ***out)
{
	elgamal_ct **v = calloc(count ? count : 1, sizeof *v);
	qerr e = Q_OK;
	if (v == NULL)
		return Q_ERR_NOMEM;
	for (size_t x = 0; x < count && e == Q_OK; x++) {
		if ((v[x] = elgamal_ct_new()) == NULL)
			e = Q_ERR_NOMEM;
		else
			e = elgamal_ct_decode(v[x], b + x * ELGAMAL_CT_LEN, ELGAMAL_CT_LEN);
	}
	if (e != Q_OK) {
		for (size_t x = 0; x < count; x++)
			elgamal_ct_free(v[x]);
		free(v);
		return e;
	}
	*out = v;
	return Q_OK;
}

static void cts_free(elgamal_ct **v, size_t count)
{
	if (v == NULL)
		return;
	for (size_t x = 0; x < count; x++)
		elgamal_ct_free(v[x]);
	free(v);
}

/* Any file in tally/mix/partials: the chain is closed (R-12.2 (3)). */
static int partials_exist(const rec_election *el)
{
	char path[REC_PATH_MAX];
	DIR *d;
	struct dirent *de;
	int any = 0;
	if (rec_path(path, sizeof path, el->dir, "tally/mix/partials") != Q_OK ||
	    (d = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			any = 1;
	closedir(d);
	return any;
}

/* R-7 (2), R-12.2 (1): the aggregate and the lists rebuilt from the
 * verified station records; aggregate.json and every input.bin must be
 * those bytes.  *agg_hash the aggregate's SHA-256. */
static qerr rebuild(const rec_election *el, const tally_opts *o, mix_lists *l,
                    uint8_t agg_hash[SHA256_LEN], char *msg, size_t msgsz)
{
	char path[REC_PATH_MAX], *mine = NULL;
	uint8_t *theirs = NULL;
	size_t ml, tl;
	json_t *aj = NULL;
	qerr e;
	if ((e = rec_path(path, sizeof path, el->dir, "tally/aggregate.json")) != Q_OK)
		return e;
	e = rec_read_file(path, REC_MAX_FILE, &theirs, &tl, msg, msgsz);
	if (e == Q_ERR_NOTFOUND)
		return rec_fail(Q_ERR_STATE, msg, msgsz,
		                _("no aggregate yet: the returning officer runs \"tally\" first"));
	if (e != Q_OK)
		return e;
	if ((e = tally_build_lists(el, o, 1, &aj, l, msg, msgsz)) != Q_OK)
		goto out;
	if ((e = tally_aggregate_bytes(aj, &mine, &ml)) != Q_OK)
		goto out;
	if (ml != tl || memcmp(mine, theirs, ml) != 0) {
		e = rec_fail(Q_ERR_CONSISTENCY, msg, msgsz,
		             _("tally/aggregate.json is not the aggregate of the verified station "
		               "records: refused (R-7 (2))"));
		goto out;
	}
	sha256(agg_hash, theirs, tl);
	e = mix_check_inputs(el, l, msg, msgsz);
out:
	free(mine);
	free(theirs);
	json_decref(aj);
	return e;
}

qerr tally_mix(const rec_election *el, uint32_t t, const char *key_path, const void *pass,
               size_t passlen, const tally_opts *o, size_t *place, char *msg, size_t msgsz)
{
	scalar *s = NULL;
	sig_secret sk;
	uint8_t pk[SIG_PUBLIC_LEN], agg_hash[SHA256_LEN];
	trustee_set *set = NULL;
	point *K = NULL;
	point_table *Kt = NULL;
	mix_lists l = {NULL, 0};
	mix_chain ch;
	json_t *cs = NULL, *j = NULL;
	elgamal_ct **in = NULL, **outv = NULL;
	shuffle_proof *pf = NULL;
	uint8_t *ob = NULL, *pb = NULL;
	size_t count = 0, M = 0;
	tally_opts quiet = {0, 0};
	qerr e;

	memset(&sk, 0, sizeof sk);
	memset(&ch, 0, sizeof ch);
	if (o == NULL)
		o = &quiet;
	if (t < 1 || t > el->n)
		return rec_fail(Q_ERR_ARG, msg, msgsz, _("trustee index %u is not in 1..%u"), t,
		                el->n);
	if ((s = scalar_new()) == NULL)
		return Q_ERR_NOMEM;
	/* R-12.2 (1): the trustee's key file; only the signing key is used */
	e = ceremony_key_open(el, t, key_path, pass, passlen, s, &sk, msg, msgsz);
	scalar_free(s);
	if (e != Q_OK)
		goto out;
	if ((e = sig_public(&sk, pk)) != Q_OK ||
	    (e = ceremony_check_keys(el, t, pk, &set, msg, msgsz)) != Q_OK ||
	    (e = rec_load_joint_key(el, &K, NULL, msg, msgsz)) != Q_OK)
		goto out;
	if ((e = rebuild(el, o, &l, agg_hash, msg, msgsz)) != Q_OK)
		goto out;
	if (l.n == 0) {
		e = rec_fail(Q_ERR_STATE, msg, msgsz,
		             _("this election's ballot has no write-in slots: nothing to mix"));
		goto out;
	}
	if (lists_nonempty(&l) == 0) {
		e = rec_fail(Q_ERR_STATE, msg, msgsz,
		             _("no ballot was cast: there are no write-in slots to mix"));
		goto out;
	}
	/* R-12.2 (3): the chain is closed once a trustee has decrypted */
	if (partials_exist(el)) {
		e = rec_fail(Q_ERR_STATE, msg, msgsz,
		             _("a trustee has already decrypted the write-ins "
		               "(tally/mix/partials/): the chain of mixers is closed (R-12.2)"));
		goto out;
	}
	/* R-12.2 (2): every earlier mix verified */
	if ((e = mix_verify_chain(el, set, K, agg_hash, &l, &ch, msg, msgsz)) != Q_OK)
		goto out;
	M = ch.nmixers;
	for (size_t p = 0; p < M; p++)
		if (ch.trustee[p] == t) {
			e = rec_fail(Q_ERR_EXISTS, msg, msgsz,
			             _("trustee %u has already mixed (place %zu of the chain)"), t,
			             p);
			goto out;
		}
	if (M >= MIX_MAX_MIXERS) {
		e = rec_fail(Q_ERR_LIMIT, msg, msgsz, _("the chain of mixers is full"));
		goto out;
	}
	if ((Kt = point_table_new(K)) == NULL || (cs = json_array()) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		const mix_list *ml = &l.v[i];
		uint8_t ctx[SHUFFLE_CTX_LEN], ho[SHA256_LEN], hp[SHA256_LEN];
		char path[REC_PATH_MAX];
		size_t plen;
		if (ml->n == 0)
			continue;
		count = ml->n * ml->w;
		if ((e = list_decode(ch.last[i], count, &in)) != Q_OK)
			goto out;
		if ((outv = calloc(count, sizeof *outv)) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		for (size_t x = 0; x < count; x++)
			if ((outv[x] = elgamal_ct_new()) == NULL) {
				e = Q_ERR_NOMEM;
				goto out;
			}
		/* C-8.3 with ctx_mix(c, M) (B-10.8); pi and the nonces are
		 * drawn, used and wiped inside shuffle_mix (C-8.3.10) */
		writein_mix_ctx(ctx, el->base_hash, ml->contest, (uint32_t)M);
		if ((e = shuffle_mix(outv, &pf, ctx, Kt, (const elgamal_ct *const *)in, ml->n,
		                     ml->w)) != Q_OK) {
			e = rec_fail(e, msg, msgsz, _("contest %s: the shuffle failed: %s"), ml->id,
			             qerr_str(e));
			goto out;
		}
		plen = SHUFFLE_PROOF_LEN(ml->n, ml->w);
		if ((ob = malloc(list_len(ml))) == NULL || (pb = malloc(plen)) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		for (size_t x = 0; x < count; x++)
			if ((e = elgamal_ct_encode(ob + x * ELGAMAL_CT_LEN, outv[x])) != Q_OK)
				goto out;
		if ((e = shuffle_proof_encode(pb, plen, pf)) != Q_OK)
			goto out;
		sha256(ho, ob, list_len(ml));
		sha256(hp, pb, plen);
		if ((e = rec_path(path, sizeof path, el->dir, "tally/mix/contest-%u/mixer-%zu.bin",
		                  ml->contest, M)) != Q_OK ||
		    (e = rec_write_file(path, ob, list_len(ml), 0644, 1, msg, msgsz)) != Q_OK ||
		    (e = rec_path(path, sizeof path, el->dir,
		                  "tally/mix/contest-%u/mixer-%zu.proof", ml->contest, M)) !=
		        Q_OK ||
		    (e = rec_write_file(path, pb, plen, 0644, 1, msg, msgsz)) != Q_OK)
			goto out;
		if (json_array_append_new(
		        cs, json_pack("{s:i, s:s, s:I, s:I, s:o, s:o, s:o}", "contest",
		                      (json_int_t)ml->contest, "id", ml->id, "n", (json_int_t)ml->n,
		                      "w", (json_int_t)ml->w, "input_sha256",
		                      rec_hex_json(ch.last_hash[i], SHA256_LEN), "output_sha256",
		                      rec_hex_json(ho, SHA256_LEN), "proof_sha256",
		                      rec_hex_json(hp, SHA256_LEN))) != 0) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		printf(_("contest %s: mixed %zu ballots' write-in slots; output SHA-256 "), ml->id,
		       ml->n);
		for (size_t b = 0; b < SHA256_LEN; b++)
			printf("%02x", ho[b]);
		printf("\n");
		shuffle_proof_free(pf);
		pf = NULL;
		free(ob);
		free(pb);
		ob = pb = NULL;
		cts_free(in, count);
		cts_free(outv, count);
		in = outv = NULL;
	}
	{
		char rel[64];
		j = json_pack("{s:s, s:I, s:i, s:o, s:o, s:O}", "format", MIX_STATEMENT_FORMAT,
		              "mixer", (json_int_t)M, "trustee", (json_int_t)t, "base_hash",
		              rec_hex_json(el->base_hash, SHA256_LEN), "aggregate_sha256",
		              rec_hex_json(agg_hash, SHA256_LEN), "contests", cs);
		if (j == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		snprintf(rel, sizeof rel, "tally/mix/mixer-%zu.json", M);
		if ((e = tsig_write_json(el, t, &sk, rel, j, 1, msg, msgsz)) != Q_OK)
			goto out;
	}
	if (place != NULL)
		*place = M;
	e = Q_OK;
out:
	cts_free(in, count);
	cts_free(outv, count);
	shuffle_proof_free(pf);
	free(ob);
	free(pb);
	sig_secret_wipe(&sk);
	trustee_set_free(set);
	point_free(K);
	point_table_free(Kt);
	mix_lists_free(&l);
	mix_chain_free(&ch);
	json_decref(cs);
	json_decref(j);
	return e;
}

/* ---- decryption (R-12.4) ---- */

void mix_partial_ctx(uint8_t out[SHA256_LEN], const uint8_t base_hash[SHA256_LEN], uint32_t i,
                     uint32_t c, const uint8_t list_hash[SHA256_LEN], uint32_t x)
{
	/* */
	transcript t;
	if (transcript_init(&t, MIX_TAG_PARTIAL) != Q_OK)
		qfatal("mix_partial_ctx: out of memory");
	transcript_bytes(&t, base_hash, SHA256_LEN);
	transcript_u32(&t, i);
	transcript_u32(&t, c);
	transcript_bytes(&t, list_hash, SHA256_LEN);
	transcript_u32(&t, x);
	transcript_digest(&t, out);
}

qerr mix_decrypt(const rec_election *el, uint32_t i, const scalar *s, const point *Si,
                 const sig_secret *sk, const uint8_t agg_hash[SHA256_LEN], const mix_lists *l,
                 const mix_chain *ch, char *msg, size_t msgsz)
{
	point *A = NULL, *M = NULL;
	cp_proof *pf = NULL;
	uint8_t *sb = NULL;
	json_t *cs = NULL, *j = NULL;
	char dir[REC_PATH_MAX];
	qerr e = Q_ERR_NOMEM;
	/* R-12.4 (1): at least k mixers */
	if (ch->nmixers < el->k)
		return rec_fail(Q_ERR_STATE, msg, msgsz,
		                _("the write-ins are mixed by %zu trustee(s); at least k = %u must "
		                  "mix (quorum-tally mix) before decryption (R-12.4)"),
		                ch->nmixers, el->k);
	if ((A = point_new()) == NULL || (M = point_new()) == NULL ||
	    (pf = cp_proof_new()) == NULL || (cs = json_array()) == NULL)
		goto out;
	for (size_t li = 0; li < l->n; li++) {
		const mix_list *ml = &l->v[li];
		size_t count = ml->n * ml->w;
		uint8_t hs[SHA256_LEN];
		char path[REC_PATH_MAX];
		if (ml->n == 0)
			continue;
		free(sb);
		if ((sb = malloc(count * MIX_SHARE_LEN)) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		for (size_t x = 0; x < count; x++) {
			uint8_t ctx[SHA256_LEN], *dst = sb + x * MIX_SHARE_LEN;
			/* M = s_i alpha_x, Chaum-Pedersen (C-4.2) under */
			if ((e = point_decode(A, ch->last[li] + x * ELGAMAL_CT_LEN, POINT_LEN)) !=
			    Q_OK)
				goto out;
			mix_partial_ctx(ctx, el->base_hash, i, ml->contest, ch->last_hash[li],
			                (uint32_t)x);
			if ((e = point_mul(M, s, A)) != Q_OK ||
			    (e = cp_prove(pf, ctx, Si, A, M, s)) != Q_OK ||
			    (e = point_encode(dst, M)) != Q_OK)
				goto out;
			cp_proof_encode(dst + POINT_LEN, pf);
		}
		sha256(hs, sb, count * MIX_SHARE_LEN);
		if ((e = rec_path(path, sizeof path, el->dir, "tally/mix/contest-%u/partial-%u.bin",
		                  ml->contest, i)) != Q_OK ||
		    (e = rec_write_file(path, sb, count * MIX_SHARE_LEN, 0644, 1, msg, msgsz)) !=
		        Q_OK)
			goto out;
		if (json_array_append_new(
		        cs, json_pack("{s:i, s:s, s:I, s:I, s:o, s:o}", "contest",
		                      (json_int_t)ml->contest, "id", ml->id, "n", (json_int_t)ml->n,
		                      "w", (json_int_t)ml->w, "list_sha256",
		                      rec_hex_json(ch->last_hash[li], SHA256_LEN), "shares_sha256",
		                      rec_hex_json(hs, SHA256_LEN))) != 0) {
			e = Q_ERR_NOMEM;
			goto out;
		}
	}
	j = json_pack("{s:s, s:i, s:o, s:o, s:I, s:O}", "format", MIX_PARTIAL_FORMAT, "trustee",
	              (json_int_t)i, "base_hash", rec_hex_json(el->base_hash, SHA256_LEN),
	              "aggregate_sha256", rec_hex_json(agg_hash, SHA256_LEN), "mixers",
	              (json_int_t)ch->nmixers, "contests", cs);
	if (j == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if ((e = rec_path(dir, sizeof dir, el->dir, "tally/mix/partials")) != Q_OK)
		goto out;
	if (rec_mkdirs(dir) != Q_OK) {
		e = rec_fail(Q_ERR_IO, msg, msgsz, _("cannot create %s"), dir);
		goto out;
	}
	{
		char rel[64];
		snprintf(rel, sizeof rel, "tally/mix/partials/%u.json", i);
		e = tsig_write_json(el, i, sk, rel, j, 1, msg, msgsz);
	}
out:
	point_free(A);
	point_free(M);
	cp_proof_free(pf);
	free(sb);
	json_decref(cs);
	json_decref(j);
	return e;
}

/* ---- combination and matching (R-12.5 - R-12.7) ---- */

void mix_outcome_free(mix_outcome *o)
{
	if (o == NULL)
		return;
	json_decref(o->write_ins);
	for (size_t i = 0; i < o->ncands; i++) {
		struct mix_cands *c = &o->cands[i];
		for (size_t k = 0; k < c->n; k++) {
			free(c->id[k]);
			free(c->voter[k]);
			free(c->name[k]);
		}
		free(c->id);
		free(c->voter);
		free(c->name);
		free(c->votes);
	}
	free(o->cands);
	memset(o, 0, sizeof *o);
}

/* Trustee i's write-in shares: sh[li][x] (NULL for empty lists), each
 * proof verified.  Q_ERR_NOTFOUND if absent; why (English) otherwise. */
static qerr load_shares(const rec_election *el, const trustee_set *set, uint32_t i, const point *Si,
                        const uint8_t agg_hash[SHA256_LEN], const mix_lists *l, const mix_chain *ch,
                        point ***sh, char *why, size_t whylen)
{
	char rel[64], path[REC_PATH_MAX];
	json_t *j = NULL;
	uint8_t *b = NULL;
	point *A = NULL;
	cp_proof *pf = NULL;
	uint64_t v;
	qerr e;
	snprintf(rel, sizeof rel, "tally/mix/partials/%u.json", i);
	if ((e = rec_path(path, sizeof path, el->dir, "%s", rel)) != Q_OK)
		return e;
	if (access(path, F_OK) != 0)
		return Q_ERR_NOTFOUND;
	if ((e = tsig_read_json(el, i, set->roster[i - 1], rel, &j, why, whylen)) != Q_OK)
		goto out;
	if ((e = statement_head(el, j, MIX_PARTIAL_FORMAT, agg_hash, l, rel, why, whylen)) != Q_OK)
		goto out;
	if (!u64_field(j, "trustee", el->n, &v) || v != i) {
		e = rec_fail(Q_ERR_FORMAT, why, whylen, _("%s: \"trustee\" is not %u"), rel, i);
		goto out;
	}
	if (!u64_field(j, "mixers", MIX_MAX_MIXERS, &v) || v != ch->nmixers) {
		e = rec_fail(Q_ERR_FORMAT, why, whylen,
		             _("%s: made for a chain of another length than the %zu mixers "
		               "(R-12.5)"),
		             rel, ch->nmixers);
		goto out;
	}
	if ((A = point_new()) == NULL || (pf = cp_proof_new()) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	size_t ce_i = 0;
	for (size_t li = 0; li < l->n; li++) {
		const mix_list *ml = &l->v[li];
		const json_t *ce;
		size_t count = ml->n * ml->w, len;
		uint8_t h[SHA256_LEN], hb[SHA256_LEN];
		char bp[REC_PATH_MAX];
		if (ml->n == 0)
			continue;
		ce = json_array_get(json_object_get(j, "contests"), ce_i++);
		if (!contest_entry_ok(ce, ml) || hex_field(ce, "list_sha256", h) != Q_OK ||
		    memcmp(h, ch->last_hash[li], SHA256_LEN) != 0) {
			e = rec_fail(Q_ERR_FORMAT, why, whylen,
			             _("%s: contest %u (%s): not made for the final list of the "
			               "chain (R-12.5)"),
			             rel, ml->contest, ml->id);
			goto out;
		}
		free(b);
		b = NULL;
		if ((e = rec_path(bp, sizeof bp, el->dir, "tally/mix/contest-%u/partial-%u.bin",
		                  ml->contest, i)) != Q_OK ||
		    (e = rec_read_file(bp, REC_MAX_FILE, &b, &len, why, whylen)) != Q_OK)
			goto out;
		sha256(hb, b, len);
		if (hex_field(ce, "shares_sha256", h) != Q_OK || memcmp(h, hb, SHA256_LEN) != 0 ||
		    len != count * MIX_SHARE_LEN) {
			e = rec_fail(Q_ERR_FORMAT, why, whylen,
			             _("tally/mix/contest-%u/partial-%u.bin is not the file its "
			               "statement signs (shares_sha256, R-12.5)"),
			             ml->contest, i);
			goto out;
		}
		if ((sh[li] = calloc(count, sizeof **sh)) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		for (size_t x = 0; x < count; x++) {
			uint8_t ctx[SHA256_LEN];
			const uint8_t *src = b + x * MIX_SHARE_LEN;
			if ((sh[li][x] = point_new()) == NULL) {
				e = Q_ERR_NOMEM;
				goto out;
			}
			if (point_decode(sh[li][x], src, POINT_LEN) != Q_OK ||
			    cp_proof_decode(pf, src + POINT_LEN, CP_PROOF_LEN) != Q_OK ||
			    point_decode(A, ch->last[li] + x * ELGAMAL_CT_LEN, POINT_LEN) != Q_OK) {
				e = rec_fail(Q_ERR_FORMAT, why, whylen,
				             _("contest %u (%s): write-in share %zu is malformed"),
				             ml->contest, ml->id, x);
				goto out;
			}
			/* C-4.2 with S_i and */
			mix_partial_ctx(ctx, el->base_hash, i, ml->contest, ch->last_hash[li],
			                (uint32_t)x);
			if (cp_verify(pf, ctx, Si, A, sh[li][x]) != Q_OK) {
				e = rec_fail(Q_ERR_PROOF, why, whylen,
				             _("contest %u (%s): write-in share %zu: the proof of "
				               "decryption fails (C-4.2)"),
				             ml->contest, ml->id, x);
				goto out;
			}
		}
	}
	e = Q_OK;
out:
	free(b);
	point_free(A);
	cp_proof_free(pf);
	json_decref(j);
	return e;
}

/* load_shares with its reason in English (it goes into the record). */
static qerr load_shares_c(const rec_election *el, const trustee_set *set, uint32_t i,
                          const point *Si, const uint8_t agg_hash[SHA256_LEN], const mix_lists *l,
                          const mix_chain *ch, point ***sh, char *why, size_t whylen)
{
	const char *cur = setlocale(LC_MESSAGES, NULL);
	char saved[128];
	int restore = cur != NULL && strlen(cur) < sizeof saved;
	if (restore)
		memcpy(saved, cur, strlen(cur) + 1);
	(void)setlocale(LC_MESSAGES, "C");
	qerr e = load_shares(el, set, i, Si, agg_hash, l, ch, sh, why, whylen);
	if (restore)
		(void)setlocale(LC_MESSAGES, saved);
	return e;
}

static void shares_free(point ***sh, const mix_lists *l)
{
	if (sh == NULL)
		return;
	for (size_t li = 0; li < l->n; li++) {
		if (sh[li] != NULL)
			for (size_t x = 0; x < l->v[li].n * l->v[li].w; x++)
				point_free(sh[li][x]);
		free(sh[li]);
	}
	free(sh);
}

/* The roll, each name normalised (B-10.9); NULL where it is refused. */
typedef struct norm_roll {
	elec_roll *r;
	char **name;
} norm_roll;

static void norm_roll_free(norm_roll *nr)
{
	if (nr->r != NULL && nr->name != NULL)
		for (size_t k = 0; k < nr->r->n; k++)
			free(nr->name[k]);
	free(nr->name);
	roll_free(nr->r);
	memset(nr, 0, sizeof *nr);
}

static char *normalised(const char *s)
{
	char buf[WRITEIN_NAME_MAX + 1];
	size_t n;
	if (writein_normalise(s, strlen(s), buf, sizeof buf, &n) != Q_OK)
		return NULL;
	return strdup(buf);
}

/* the status of one slot. */
typedef struct slot_status {
	const char *status;
	const roll_record *who; /* counted */
} slot_status;

static slot_status match_name(const elec_manifest *m, const elec_contest *mc, const norm_roll *nr,
                              const char *name)
{
	slot_status r = {NULL, NULL};
	const roll_record *hit = NULL;
	size_t nhit = 0;
	for (size_t k = 0; k < mc->ncands; k++) {
		char *cn = normalised(mc->cands[k].name);
		int same = cn != NULL && strcmp(cn, name) == 0;
		free(cn);
		if (same) {
			r.status = "listed-candidate";
			return r;
		}
	}
	for (size_t k = 0; k < nr->r->n; k++)
		if (nr->name[k] != NULL && strcmp(nr->name[k], name) == 0) {
			hit = &nr->r->v[k];
			nhit++;
		}
	if (nhit == 0) {
		r.status = "not-on-roll";
		return r;
	}
	if (nhit > 1) {
		r.status = "ambiguous";
		return r;
	}
	for (size_t k = 0; k < mc->ncands; k++)
		if (mc->cands[k].voter != NULL && strcmp(mc->cands[k].voter, hit->id) == 0) {
			r.status = "listed-candidate";
			return r;
		}
	if (hit->flags & ROLL_DEPRIVED) {
		r.status = "ineligible-deprived";
		return r;
	}
	if (!elec_date_age_at_least(hit->birth, m->polling_day, 18)) {
		r.status = "ineligible-under-18";
		return r;
	}
	r.status = "counted";
	r.who = hit;
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

qerr mix_combine(const rec_election *el, const trustee_set *set, const point *K,
                 const point *const *S, const uint8_t agg_hash[SHA256_LEN],
                 const uint64_t *const *marked, const uint8_t *roll_csv, size_t roll_len,
                 const mix_lists *l, mix_outcome *out, char *msg, size_t msgsz)
{
	mix_chain ch;
	point ****sh = NULL;
	point *Mp = NULL, *P = NULL, *G = NULL, **pts = NULL;
	uint32_t idx[256];
	size_t nvalid = 0, npresent = 0;
	norm_roll nr = {NULL, NULL};
	json_t *wi = NULL, *used = NULL, *skipped = NULL, *jcs = NULL, *mixers = NULL;
	char bad[600] = "";
	uint8_t rh[SHA256_LEN];
	elec_findings f;
	qerr e = Q_ERR_NOMEM;

	memset(&ch, 0, sizeof ch);
	memset(out, 0, sizeof *out);
	elec_findings_init(&f);
	/* the roll of parameters.roll_hash */
	if (roll_csv == NULL) {
		elec_findings_free(&f);
		return rec_fail(Q_ERR_ARG, msg, msgsz,
		                _("this election has write-in slots: combine needs the roll "
		                  "(--roll ROLL.csv, the roll of parameters.json's roll_hash) to "
		                  "match the written names (R-12.6)"));
	}
	sha256(rh, roll_csv, roll_len);
	if (memcmp(rh, el->roll_hash, SHA256_LEN) != 0) {
		char h1[2 * SHA256_LEN + 1], h2[2 * SHA256_LEN + 1];
		hex_encode(h1, rh, SHA256_LEN);
		hex_encode(h2, el->roll_hash, SHA256_LEN);
		elec_findings_free(&f);
		return rec_fail(Q_ERR_CONSISTENCY, msg, msgsz,
		                _("the roll given (SHA-256 %s) is not the election's roll "
		                  "(roll_hash %s): refused (R-12.6)"),
		                h1, h2);
	}
	if ((e = roll_import((const char *)roll_csv, roll_len, &nr.r, &f)) != Q_OK) {
		e = rec_fail(e, msg, msgsz, _("the roll cannot be read (%s)"), qerr_str(e));
		goto out;
	}
	if ((nr.name = calloc(nr.r->n + 1, sizeof *nr.name)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	for (size_t k = 0; k < nr.r->n; k++)
		nr.name[k] = normalised(nr.r->v[k].name);
	/* the chain, verified */
	if ((e = mix_verify_chain(el, set, K, agg_hash, l, &ch, msg, msgsz)) != Q_OK)
		goto out;
	if (lists_nonempty(l) > 0 && ch.nmixers < el->k) {
		e = rec_fail(
		    Q_ERR_STATE, msg, msgsz,
		    _("the write-ins are mixed by %zu trustee(s); at least k = %u must mix "
		      "before decryption (R-12.4)"),
		    ch.nmixers, el->k);
		goto out;
	}
	if ((used = json_array()) == NULL || (skipped = json_array()) == NULL ||
	    (jcs = json_array()) == NULL || (mixers = json_array()) == NULL ||
	    (sh = calloc(el->n, sizeof *sh)) == NULL || (Mp = point_new()) == NULL ||
	    (P = point_new()) == NULL || (G = point_new()) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if ((e = point_generator(G)) != Q_OK)
		goto out;
	for (size_t p = 0; p < ch.nmixers; p++)
		if (json_array_append_new(mixers, json_integer(ch.trustee[p])) != 0) {
			e = Q_ERR_NOMEM;
			goto out;
		}
	if (lists_nonempty(l) > 0) {
		for (uint32_t i = 1; i <= el->n; i++) {
			char why[300];
			if ((sh[i - 1] = calloc(l->n + 1, sizeof **sh)) == NULL) {
				e = Q_ERR_NOMEM;
				goto out;
			}
			e = load_shares_c(el, set, i, S[i - 1], agg_hash, l, &ch, sh[i - 1], why,
			                  sizeof why);
			if (e == Q_ERR_NOTFOUND) {
				shares_free(sh[i - 1], l);
				sh[i - 1] = NULL;
				continue;
			}
			npresent++;
			if (e == Q_ERR_NOMEM)
				goto out;
			if (e != Q_OK) {
				size_t bl = strlen(bad);
				fprintf(
				    stderr,
				    _("combine: trustee %u's write-in decryption is invalid and is "
				      "skipped: %s\n"),
				    i, why);
				snprintf(bad + bl, sizeof bad - bl, "%s%u (%s)", bl ? "; " : "", i,
				         why);
				shares_free(sh[i - 1], l);
				sh[i - 1] = NULL;
				if (json_array_append_new(
				        skipped, json_pack("{s:i, s:s}", "trustee", (json_int_t)i,
				                           "reason", why)) != 0) {
					e = Q_ERR_NOMEM;
					goto out;
				}
				continue;
			}
			if (nvalid < el->k)
				idx[nvalid] = i;
			nvalid++;
		}
		if (nvalid < el->k) {
			e = rec_fail(
			    npresent < el->k && bad[0] == '\0' ? Q_ERR_NOTFOUND : Q_ERR_PROOF, msg,
			    msgsz,
			    _("only %zu valid write-in decryptions of the %u needed (present: "
			      "%zu%s%s)"),
			    nvalid, el->k, npresent, bad[0] ? "; invalid: " : "", bad);
			goto out;
		}
		e = Q_OK;
		for (size_t t = 0; t < el->k; t++)
			if (json_array_append_new(used, json_integer(idx[t])) != 0) {
				e = Q_ERR_NOMEM;
				goto out;
			}
	}
	if ((out->cands = calloc(l->n + 1, sizeof *out->cands)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	out->ncands = l->n;
	for (size_t li = 0; li < l->n; li++) {
		const mix_list *ml = &l->v[li];
		const elec_contest *mc = &el->manifest->contests[ml->mcontest];
		struct mix_cands *oc = &out->cands[li];
		json_t *tuples = json_array(), *jm = json_array(), *jc = json_array(), *ce;
		uint64_t *sum = calloc(ml->nslots + 1, sizeof *sum);
		char **who = calloc(ml->n * ml->nslots + 1, sizeof *who); /* counted roll ids */
		size_t nwho = 0;
		oc->mcontest = ml->mcontest;
		if (tuples == NULL || jm == NULL || jc == NULL || sum == NULL || who == NULL) {
			json_decref(tuples);
			json_decref(jm);
			json_decref(jc);
			free(sum);
			free(who);
			e = Q_ERR_NOMEM;
			goto out;
		}
		/* tuples, decrypted and matched */
		for (size_t j = 0; j < ml->n && e == Q_OK; j++) {
			json_t *tu = json_array();
			char names[BALLOT_MAX_WRITEIN][WRITEIN_NAME_MAX + 1];
			int marked_ok[BALLOT_MAX_WRITEIN];
			if (tu == NULL) {
				e = Q_ERR_NOMEM;
				break;
			}
			for (uint32_t s = 0; s < ml->nslots && e == Q_OK; s++) {
				point *dec[1 + NAMEPT_WIDTH] = {NULL};
				int mark = 0, readable = 0;
				char nm[NAMEPT_MAX_BYTES(NAMEPT_WIDTH) + 1] = "";
				char norm[WRITEIN_NAME_MAX + 1] = "";
				size_t nl = 0;
				slot_status stt = {NULL, NULL};
				json_t *js;
				marked_ok[s] = 0;
				names[s][0] = '\0';
				for (size_t k = 0; k < 1 + NAMEPT_WIDTH && e == Q_OK; k++) {
					size_t x = j * ml->w + 3 * s + k;
					const point *parts[256];
					elgamal_ct ct = {NULL, NULL};
					if ((dec[k] = point_new()) == NULL ||
					    (ct.a = point_new()) == NULL ||
					    (ct.b = point_new()) == NULL) {
						point_free(ct.a);
						point_free(ct.b);
						e = Q_ERR_NOMEM;
						break;
					}
					e = elgamal_ct_decode(&ct, ch.last[li] + x * ELGAMAL_CT_LEN,
					                      ELGAMAL_CT_LEN);
					for (size_t t = 0; e == Q_OK && t < el->k; t++)
						parts[t] = sh[idx[t] - 1][li][x];
					/* C-5, C-8.2.2: P = beta - sum lambda_i M_i */
					if (e == Q_OK)
						e = threshold_combine(Mp, idx, parts, el->k, el->n);
					if (e == Q_OK)
						e = point_sub(dec[k], ct.b, Mp);
					point_free(ct.a);
					point_free(ct.b);
				}
				if (e != Q_OK) {
					for (size_t k = 0; k < 1 + NAMEPT_WIDTH; k++)
						point_free(dec[k]);
					break;
				}
				if (point_is_infinity(dec[0]))
					mark = 0;
				else if (point_eq(dec[0], G))
					mark = 1;
				else
					e = rec_fail(
					    Q_ERR_RANGE, msg, msgsz,
					    _("contest %s, mixed tuple %zu, slot %u: the mark "
					      "decrypts to neither 0 nor 1 (R-12.5)"),
					    ml->id, j, s + 1);
				if (e == Q_OK &&
				    namept_decode((uint8_t *)nm, &nl, (const point *const *)&dec[1],
				                  NAMEPT_WIDTH) == Q_OK &&
				    writein_normalise(nm, nl, norm, sizeof norm, &nl) == Q_OK)
					readable = 1;
				for (size_t k = 0; k < 1 + NAMEPT_WIDTH; k++)
					point_free(dec[k]);
				if (e != Q_OK)
					break;
				sum[s] += (uint64_t)mark;
				/* the first status that applies */
				if (!mark)
					stt.status = readable && norm[0] == '\0' ? "unmarked"
					                                         : "unmarked-name";
				else if (!readable)
					stt.status = "unreadable";
				else if (norm[0] == '\0')
					stt.status = "empty";
				else {
					for (uint32_t q = 0; q < s; q++)
						if (marked_ok[q] && strcmp(names[q], norm) == 0)
							stt.status = "duplicate";
					if (stt.status == NULL)
						stt = match_name(el->manifest, mc, &nr, norm);
				}
				if (mark && readable && norm[0] != '\0') {
					marked_ok[s] = 1;
					memcpy(names[s], norm, sizeof names[s]);
				}
				js = json_pack("{s:i, s:o, s:s}", "mark", (json_int_t)mark, "name",
				               readable ? json_string(norm) : json_null(), "status",
				               stt.status);
				if (js != NULL && stt.who != NULL) {
					char cid[MANIFEST_ID_MAX + 16];
					snprintf(cid, sizeof cid, "%s%s", MIX_CANDIDATE_PREFIX,
					         stt.who->id);
					json_object_set_new(js, "candidate", json_string(cid));
					who[nwho++] = stt.who->id;
				}
				if (js == NULL || json_array_append_new(tu, js) != 0)
					e = Q_ERR_NOMEM;
				wipe(nm, sizeof nm);
			}
			if (e != Q_OK || json_array_append_new(tuples, tu) != 0) {
				json_decref(e == Q_OK ? NULL : tu);
				if (e == Q_OK)
					e = Q_ERR_NOMEM;
			}
		}
		/* the decrypted marks per slot = the aggregate's slot counts */
		for (uint32_t s = 0; e == Q_OK && s < ml->nslots; s++) {
			if (marked != NULL && sum[s] != marked[li][s])
				e = rec_fail(
				    Q_ERR_CONSISTENCY, msg, msgsz,
				    _("contest %s, write-in slot %u: %llu marks in the mixed "
				      "list, %llu in the aggregate (R-12.5)"),
				    ml->id, s + 1, (unsigned long long)sum[s],
				    (unsigned long long)marked[li][s]);
			if (e == Q_OK &&
			    json_array_append_new(jm, json_integer((json_int_t)sum[s])) != 0)
				e = Q_ERR_NOMEM;
		}
		/* the write-in candidates, in byte order of roll id */
		if (e == Q_OK && nwho > 0) {
			qsort(who, nwho, sizeof *who, cmp_str);
			size_t nd = 0;
			for (size_t k = 0; k < nwho; k++)
				if (k == 0 || strcmp(who[k], who[k - 1]) != 0)
					nd++;
			if ((oc->id = calloc(nd, sizeof *oc->id)) == NULL ||
			    (oc->voter = calloc(nd, sizeof *oc->voter)) == NULL ||
			    (oc->name = calloc(nd, sizeof *oc->name)) == NULL ||
			    (oc->votes = calloc(nd, sizeof *oc->votes)) == NULL)
				e = Q_ERR_NOMEM;
			for (size_t k = 0; e == Q_OK && k < nwho; k++) {
				if (k == 0 || strcmp(who[k], who[k - 1]) != 0) {
					const roll_record *rr = roll_find(nr.r, who[k]);
					size_t il =
					    strlen(MIX_CANDIDATE_PREFIX) + strlen(who[k]) + 1;
					if ((oc->id[oc->n] = malloc(il)) == NULL ||
					    (oc->voter[oc->n] = strdup(who[k])) == NULL ||
					    (oc->name[oc->n] = strdup(rr ? rr->name : who[k])) ==
					        NULL) {
						oc->n++;
						e = Q_ERR_NOMEM;
						break;
					}
					snprintf(oc->id[oc->n], il, "%s%s", MIX_CANDIDATE_PREFIX,
					         who[k]);
					oc->n++;
				}
				oc->votes[oc->n - 1]++;
			}
			for (size_t k = 0; e == Q_OK && k < oc->n; k++)
				if (json_array_append_new(
				        jc, json_pack("{s:s, s:s, s:s, s:I}", "id", oc->id[k],
				                      "voter", oc->voter[k], "name", oc->name[k],
				                      "votes", (json_int_t)oc->votes[k])) != 0)
					e = Q_ERR_NOMEM;
		}
		free(sum);
		free(who);
		ce = e == Q_OK
		         ? json_pack("{s:i, s:s, s:i, s:I, s:o, s:o, s:o, s:o}", "contest",
		                     (json_int_t)ml->contest, "id", ml->id, "slots",
		                     (json_int_t)ml->nslots, "n", (json_int_t)ml->n, "list_sha256",
		                     ml->n > 0 ? rec_hex_json(ch.last_hash[li], SHA256_LEN)
		                               : json_null(),
		                     "marked", jm, "tuples", tuples, "candidates", jc)
		         : NULL;
		if (ce == NULL) {
			if (e == Q_OK) {
				e = Q_ERR_NOMEM;
			} else {
				json_decref(jm);
				json_decref(tuples);
				json_decref(jc);
			}
			goto out;
		}
		if (json_array_append_new(jcs, ce) != 0) {
			e = Q_ERR_NOMEM;
			goto out;
		}
	}
	{
		char rhx[2 * SHA256_LEN + 1];
		hex_encode(rhx, rh, SHA256_LEN);
		wi = json_pack("{s:s, s:O, s:O, s:O, s:O}", "roll_sha256", rhx, "mixers", mixers,
		               "trustees_used", used, "skipped", skipped, "contests", jcs);
	}
	if (wi == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	out->write_ins = wi;
	wi = NULL;
	e = Q_OK;
out:
	if (e != Q_OK)
		mix_outcome_free(out);
	if (sh != NULL) {
		for (uint32_t i = 0; i < el->n; i++)
			shares_free(sh[i], l);
		free(sh);
	}
	point_free(Mp);
	point_free(P);
	point_free(G);
	free(pts);
	norm_roll_free(&nr);
	mix_chain_free(&ch);
	json_decref(wi);
	json_decref(used);
	json_decref(skipped);
	json_decref(jcs);
	json_decref(mixers);
	elec_findings_free(&f);
	return e;
}

/* ---- the manifest the rule engine and the report see (R-12.7) ---- */

qerr mix_extend_manifest(elec_manifest *m, const mix_outcome *wo, mix_saved *saved)
{
	for (size_t c = 0; c < m->ncontests; c++) {
		saved[c].ncands = m->contests[c].ncands;
		saved[c].noptions = m->contests[c].noptions;
	}
	for (size_t w = 0; wo != NULL && w < wo->ncands; w++) {
		const struct mix_cands *mcand = &wo->cands[w];
		elec_contest *mc = &m->contests[mcand->mcontest];
		elec_candidate *nc;
		char **no;
		unsigned *ng;
		if (mcand->n == 0)
			continue;
		if ((nc = realloc(mc->cands, (mc->ncands + mcand->n) * sizeof *nc)) == NULL)
			return Q_ERR_NOMEM;
		mc->cands = nc;
		if ((no = realloc(mc->options, (mc->noptions + mcand->n) * sizeof *no)) == NULL)
			return Q_ERR_NOMEM;
		mc->options = no;
		if ((ng = realloc(mc->option_group, (mc->noptions + mcand->n) * sizeof *ng)) ==
		    NULL)
			return Q_ERR_NOMEM;
		mc->option_group = ng;
		for (size_t k = 0; k < mcand->n; k++) {
			elec_candidate *cd = &mc->cands[mc->ncands];
			memset(cd, 0, sizeof *cd);
			cd->id = strdup(mcand->id[k]);
			cd->voter = strdup(mcand->voter[k]);
			cd->name = strdup(mcand->name[k]);
			mc->options[mc->noptions] = strdup(mcand->id[k]);
			mc->option_group[mc->noptions] = 0;
			mc->ncands++;
			mc->noptions++;
			if (cd->id == NULL || cd->voter == NULL || cd->name == NULL ||
			    mc->options[mc->noptions - 1] == NULL)
				return Q_ERR_NOMEM;
		}
	}
	return Q_OK;
}

void mix_restore_manifest(elec_manifest *m, const mix_saved *saved)
{
	for (size_t c = 0; c < m->ncontests; c++) {
		elec_contest *mc = &m->contests[c];
		for (size_t k = saved[c].ncands; k < mc->ncands; k++) {
			free(mc->cands[k].id);
			free(mc->cands[k].voter);
			free(mc->cands[k].name);
		}
		for (size_t k = saved[c].noptions; k < mc->noptions; k++)
			free(mc->options[k]);
		mc->ncands = saved[c].ncands;
		mc->noptions = saved[c].noptions;
	}
}

qerr mix_outcome_from_result(const json_t *write_ins, const elec_manifest *m, const char *suffix,
                             mix_outcome *o)
{
	size_t i, k;
	const json_t *wc, *cd;
	memset(o, 0, sizeof *o);
	if (write_ins == NULL)
		return Q_OK;
	const json_t *cs = json_object_get(write_ins, "contests");
	if ((o->cands = calloc(json_array_size(cs) + 1, sizeof *o->cands)) == NULL)
		return Q_ERR_NOMEM;
	json_array_foreach(cs, i, wc)
	{
		const json_t *id = json_object_get(wc, "id"),
		             *cl = json_object_get(wc, "candidates");
		struct mix_cands *c = &o->cands[o->ncands];
		size_t mc;
		for (mc = 0; mc < m->ncontests; mc++)
			if (json_is_string(id) &&
			    strcmp(m->contests[mc].id, json_string_value(id)) == 0)
				break;
		if (mc == m->ncontests)
			continue;
		o->ncands++;
		c->mcontest = mc;
		size_t n = json_array_size(cl);
		if ((c->id = calloc(n + 1, sizeof *c->id)) == NULL ||
		    (c->voter = calloc(n + 1, sizeof *c->voter)) == NULL ||
		    (c->name = calloc(n + 1, sizeof *c->name)) == NULL ||
		    (c->votes = calloc(n + 1, sizeof *c->votes)) == NULL)
			goto oom;
		json_array_foreach(cl, k, cd)
		{
			const char *ci = json_string_value(json_object_get(cd, "id"));
			const char *cv = json_string_value(json_object_get(cd, "voter"));
			const char *cn = json_string_value(json_object_get(cd, "name"));
			size_t nl;
			if (ci == NULL || cv == NULL || cn == NULL)
				continue;
			nl = strlen(cn) + strlen(suffix ? suffix : "") + 1;
			if ((c->id[c->n] = strdup(ci)) == NULL ||
			    (c->voter[c->n] = strdup(cv)) == NULL ||
			    (c->name[c->n] = malloc(nl)) == NULL) {
				c->n++;
				goto oom;
			}
			snprintf(c->name[c->n], nl, "%s%s", cn, suffix ? suffix : "");
			c->votes[c->n] = (uint64_t)json_integer_value(json_object_get(cd, "votes"));
			c->n++;
		}
	}
	return Q_OK;
oom:
	mix_outcome_free(o);
	return Q_ERR_NOMEM;
}

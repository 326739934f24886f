/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * verify_writein.c -- check 11, the write-ins (docs/spec/verify.md V-17;
 * docs/spec/record.md R-12, ballot.md B-10.8): the mix inputs rebuilt from
 * the verified ballots, every mixer's statement and proof of shuffle
 * (C-8.4), every trustee's write-in decryption shares and their proofs
 * (C-4.2), the decrypted marks and names, the slot sums against the
 * aggregate, the matching against the roll (with --roll) and the write-in
 * counts entered into the result.
 *
 * The tuples come from check 4, which hands every cast ballot of the
 * style's length to ve_writein_add in record order (V-14).  Nothing here
 * is secret; nothing is constant time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/proof.h"
#include "crypto/sha256.h"
#include "crypto/shuffle.h"
#include "crypto/threshold.h"
#include "crypto/transcript.h"
#include "crypto/util.h"
#include "election/date.h"
#include "election/roll.h"
#include "election/writein.h"
#include "verify_internal.h"

#include "banned.h"

#define VE_TAG_WPARTIAL "quorum/v1/write-in/partial" /* */
#define VE_SHARE_LEN (POINT_LEN + CP_PROOF_LEN) /* M || c || v */
#define VE_MAX_MIXERS 255u

/* One contest with write-in slots. */
typedef struct ve_wlist {
	uint32_t contest; /* 0-based B-2 index */
	const elec_contest *mc;
	uint32_t W, L; /* slots, listed options */
	size_t w, n; /* tuple width 3W, tuples */
	size_t *off; /* w byte offsets of a tuple's ciphertexts in B-2 */
	uint8_t *in; /* rebuilt input list, n * w * 130 */
	size_t cap;
	const uint8_t *last; /* the chain's last list (in, or a mixer's output) */
	uint8_t last_hash[32];
	uint8_t **outs; /* mixer outputs read (owned) */
	size_t nouts;
	uint64_t *sum; /* per slot: decrypted marks */
} ve_wlist;

struct ve_wstate {
	ve_wlist *v;
	size_t n;
	int bad; /* out of memory while collecting */
};

void ve_writein_init(ve_ctx *c, const size_t *off)
{
	const ballot_style *st = c->style;
	struct ve_wstate *ws;
	if (st == NULL || st->total_writein == 0 || c->m == NULL || c->wi != NULL)
		return;
	if ((ws = calloc(1, sizeof *ws)) == NULL ||
	    (ws->v = calloc(st->ncontests, sizeof *ws->v)) == NULL) {
		free(ws);
		return; /* check 11 says it could not run */
	}
	c->wi = ws;
	for (size_t i = 0, t = 0, u = st->total_options; i < st->ncontests; i++) {
		const ballot_contest_style *cs = &st->contests[i];
		if (cs->nwritein > 0) {
			ve_wlist *l = &ws->v[ws->n++];
			l->contest = (uint32_t)i;
			l->mc = ve_style_contest(c, i);
			l->W = cs->nwritein;
			l->L = cs->noptions - cs->nwritein;
			l->w = 3 * (size_t)cs->nwritein;
			if ((l->off = calloc(l->w, sizeof *l->off)) == NULL ||
			    (l->sum = calloc(l->W, sizeof *l->sum)) == NULL)
				ws->bad = 1;
			/* B-10.8 mix bytes: per slot its mark (selection L + s), then
			 * its NAMEPT_WIDTH name ciphertexts */
			for (size_t s = 0; l->off != NULL && s < l->W; s++) {
				l->off[3 * s] = off[t + l->L + s];
				for (size_t k = 0; k < NAMEPT_WIDTH; k++)
					l->off[3 * s + 1 + k] = off[u + s * NAMEPT_WIDTH + k];
			}
		}
		t += cs->noptions;
		u += (size_t)cs->nwritein * NAMEPT_WIDTH;
	}
}

void ve_writein_add(ve_ctx *c, const uint8_t *enc)
{
	struct ve_wstate *ws = c->wi;
	if (ws == NULL || ws->bad)
		return;
	for (size_t i = 0; i < ws->n; i++) {
		ve_wlist *l = &ws->v[i];
		size_t need = (l->n + 1) * l->w * ELGAMAL_CT_LEN;
		if (need > l->cap) {
			size_t cap = l->cap ? 2 * l->cap : need * 64;
			uint8_t *p = realloc(l->in, cap);
			if (p == NULL) {
				ws->bad = 1;
				return;
			}
			l->in = p;
			l->cap = cap;
		}
		for (size_t k = 0; k < l->w; k++)
			memcpy(l->in + (l->n * l->w + k) * ELGAMAL_CT_LEN, enc + l->off[k],
			       ELGAMAL_CT_LEN);
		l->n++;
	}
}

void ve_writein_free(ve_ctx *c)
{
	struct ve_wstate *ws = c->wi;
	if (ws == NULL)
		return;
	for (size_t i = 0; i < ws->n; i++) {
		for (size_t m = 0; m < ws->v[i].nouts; m++)
			free(ws->v[i].outs[m]);
		free(ws->v[i].outs);
		free(ws->v[i].off);
		free(ws->v[i].in);
		free(ws->v[i].sum);
	}
	free(ws->v);
	free(ws);
	c->wi = NULL;
}

static int exists(const ve_ctx *c, const char *rel)
{
	char path[VE_PATH_MAX];
	struct stat sb;
	return ve_path(c, path, sizeof path, rel) == Q_OK && lstat(path, &sb) == 0;
}

static int hex_is(const json_t *o, const char *key, const uint8_t want[32])
{
	uint8_t h[32];
	return ve_json_hex(o, key, h, 32) == Q_OK && memcmp(h, want, 32) == 0;
}

static int u64_is(const json_t *o, const char *key, uint64_t want)
{
	uint64_t v;
	return ve_json_u64(o, key, UINT64_MAX >> 11, &v) == Q_OK && v == want;
}

/* The entry of a statement's contests for list l, checked for its
 * contest, id, n and w; NULL (and a failed item) otherwise. */
static const json_t *stmt_contest(ve_ctx *c, const char *rel, const json_t *cs, size_t idx,
                                  const ve_wlist *l)
{
	const json_t *e = json_array_get(cs, idx), *id = json_object_get(e, "id");
	if (!u64_is(e, "contest", l->contest) || !json_is_string(id) ||
	    strcmp(json_string_value(id), l->mc->id) != 0 || !u64_is(e, "n", l->n) ||
	    !u64_is(e, "w", l->w)) {
		ve_fail(c, VE_WRITEINS,
		        "%s: contests[%zu] is not contest %u (%s) with n = %zu tuples of width %zu "
		        "(R-12.3)",
		        rel, idx, l->contest, l->mc->id, l->n, l->w);
		return NULL;
	}
	return e;
}

/* the lists with tuples (a contest without counted ballots has no
 * files). */
static size_t nonempty(const struct ve_wstate *ws)
{
	size_t k = 0;
	for (size_t i = 0; i < ws->n; i++)
		k += ws->v[i].n > 0;
	return k;
}

/* mixer m's statement and, per contest, its output list and proof
 * of shuffle on the previous list.  *trustee receives its trustee (0 if
 * unreadable).  Every list's last becomes the output read, whatever the
 * verdict (so that later mixers are checked on what they say they
 * shuffled). */
static void check_mixer(ve_ctx *c, size_t m, const uint32_t *prev, uint32_t *trustee)
{
	struct ve_wstate *ws = c->wi;
	char rel[96], lrel[128], why[VE_DETAIL_LEN];
	uint8_t *bytes = NULL;
	size_t blen;
	json_t *j = NULL;
	uint64_t t = 0;
	*trustee = 0;
	snprintf(rel, sizeof rel, "tally/mix/mixer-%zu.json", m);
	if (ve_read(c, rel, &bytes, &blen, why, sizeof why) != Q_OK ||
	    ve_read_json(c, rel, &j, why, sizeof why) != Q_OK) {
		ve_fail(c, VE_WRITEINS, "%s", why);
		goto out;
	}
	if (!ve_format(c, VE_WRITEINS, rel, j, "quorum-mix", 1))
		goto out;
	if (ve_json_u64(j, "trustee", c->n, &t) != Q_OK || t == 0) {
		ve_fail(c, VE_WRITEINS, "%s: trustee is not in 1..%u", rel, c->n);
		goto out;
	}
	*trustee = (uint32_t)t;
	if (!ve_trustee_file_signed(c, (uint32_t)t, rel, bytes, blen, why, sizeof why))
		ve_fail(c, VE_WRITEINS, "%s", why);
	else
		ve_ok(c, VE_WRITEINS);
	for (size_t q = 0; q < m; q++)
		if (prev[q] == t)
			ve_fail(
			    c, VE_WRITEINS,
			    "%s: trustee %u mixes twice (already mixer %zu): the chain's places "
			    "are distinct trustees (R-12.3)",
			    rel, (unsigned)t, q);
	const json_t *cs = json_object_get(j, "contests");
	if (!u64_is(j, "mixer", m) || !hex_is(j, "base_hash", c->base_hash) ||
	    !hex_is(j, "aggregate_sha256", c->agg_sha) || !json_is_array(cs) ||
	    json_array_size(cs) != nonempty(ws)) {
		ve_fail(c, VE_WRITEINS,
		        "%s: mixer, base_hash, aggregate_sha256 or contests are not those of place "
		        "%zu of this record (R-12.3)",
		        rel, m);
		goto out;
	}
	for (size_t i = 0, idx = 0; i < ws->n; i++) {
		ve_wlist *l = &ws->v[i];
		uint8_t *out = NULL, *proof = NULL, h[32], ctx[SHUFFLE_CTX_LEN];
		size_t olen = 0, plen = 0;
		shuffle_fail sf = {0, ""};
		if (l->n == 0)
			continue;
		const json_t *e = stmt_contest(c, rel, cs, idx++, l);
		if (e == NULL)
			continue;
		snprintf(lrel, sizeof lrel, "tally/mix/contest-%u/mixer-%zu.bin", l->contest, m);
		if (ve_read(c, lrel, &out, &olen, why, sizeof why) != Q_OK) {
			ve_fail(c, VE_WRITEINS, "%s", why);
			continue;
		}
		sha256(h, out, olen);
		if (!hex_is(e, "input_sha256", l->last_hash) || !hex_is(e, "output_sha256", h) ||
		    olen != l->n * l->w * ELGAMAL_CT_LEN) {
			ve_fail(
			    c, VE_WRITEINS,
			    "%s: contest %u (%s), mixer %zu (trustee %u): input_sha256 is not the "
			    "previous list's, or output_sha256 or the length (%zu bytes) not "
			    "%s's (R-12.3)",
			    rel, l->contest, l->mc->id, m, (unsigned)t, olen, lrel);
			free(out);
			continue;
		}
		snprintf(lrel, sizeof lrel, "tally/mix/contest-%u/mixer-%zu.proof", l->contest, m);
		if (ve_read(c, lrel, &proof, &plen, why, sizeof why) != Q_OK) {
			ve_fail(c, VE_WRITEINS, "%s", why);
			free(out);
			continue;
		}
		sha256(h, proof, plen);
		/* C-8.4 from the bytes (C-8.4.8), ctx_mix(c, m) (B-10.8) */
		writein_mix_ctx(ctx, c->base_hash, l->contest, (uint32_t)m);
		qerr r = !hex_is(e, "proof_sha256", h)
		             ? Q_ERR_CONSISTENCY
		             : shuffle_verify_bytes(proof, plen, ctx, c->K, l->last, out, l->n,
		                                    l->w, &sf);
		if (r == Q_OK)
			ve_ok(c, VE_WRITEINS);
		else if (r == Q_ERR_CONSISTENCY)
			ve_fail(c, VE_WRITEINS, "%s: proof_sha256 is not %s's (R-12.3)", rel, lrel);
		else
			ve_fail(c, VE_WRITEINS,
			        "%s: contest %u (%s), mixer %zu (trustee %u): the proof of shuffle "
			        "fails: %s",
			        lrel, l->contest, l->mc->id, m, (unsigned)t,
			        sf.what[0] ? sf.what : qerr_str(r));
		free(proof);
		uint8_t **no = realloc(l->outs, (l->nouts + 1) * sizeof *no);
		if (no == NULL) {
			free(out);
			ws->bad = 1;
			continue;
		}
		l->outs = no;
		l->outs[l->nouts++] = out;
		l->last = out;
		sha256(l->last_hash, out, olen);
	}
out:
	json_decref(j);
	free(bytes);
}

/* */
static void partial_ctx(uint8_t out[32], const uint8_t base_hash[32], uint32_t i, uint32_t cn,
                        const uint8_t list_hash[32], uint32_t x)
{
	transcript t;
	if (transcript_init(&t, VE_TAG_WPARTIAL) != Q_OK)
		qfatal("partial_ctx: out of memory");
	transcript_bytes(&t, base_hash, 32);
	transcript_u32(&t, i);
	transcript_u32(&t, cn);
	transcript_bytes(&t, list_hash, 32);
	transcript_u32(&t, x);
	transcript_digest(&t, out);
}

/* trustee i's write-in partial, every share's proof.  On success
 * shares[l] holds its shares file of each list (owned by the caller);
 * returns 1.  0: invalid, why names it (the caller decides whether that
 * fails, R-12.9: a partial combine skipped). */
static int check_wpartial(ve_ctx *c, uint32_t i, size_t M, uint8_t **shares, char *why,
                          size_t whylen)
{
	struct ve_wstate *ws = c->wi;
	char rel[96], lrel[128];
	uint8_t *bytes = NULL, ctx[32];
	size_t blen;
	json_t *j = NULL;
	int ok = 0;
	point *S = point_new(), *A = point_new(), *Mi = point_new();
	cp_proof *pf = cp_proof_new();
	snprintf(rel, sizeof rel, "tally/mix/partials/%u.json", i);
	if (S == NULL || A == NULL || Mi == NULL || pf == NULL) {
		snprintf(why, whylen, "%s: out of memory", rel);
		goto out;
	}
	if (ve_read(c, rel, &bytes, &blen, why, whylen) != Q_OK ||
	    ve_read_json(c, rel, &j, why, whylen) != Q_OK ||
	    !ve_trustee_file_signed(c, i, rel, bytes, blen, why, whylen))
		goto out;
	const json_t *cs = json_object_get(j, "contests"), *fmt = json_object_get(j, "format");
	if (!json_is_string(fmt) || strcmp(json_string_value(fmt), "quorum-mix-partial/1") != 0 ||
	    !u64_is(j, "trustee", i) || !hex_is(j, "base_hash", c->base_hash) ||
	    !hex_is(j, "aggregate_sha256", c->agg_sha) || !u64_is(j, "mixers", M) ||
	    !json_is_array(cs) || json_array_size(cs) != nonempty(ws)) {
		snprintf(why, whylen,
		         "%s: format, trustee, base_hash, aggregate_sha256, mixers (%zu) or "
		         "contests are not this record's (R-12.4)",
		         rel, M);
		goto out;
	}
	if (point_decode(S, c->Senc[i - 1], POINT_LEN) != Q_OK) {
		snprintf(why, whylen, "%s: trustee %u's verification key does not decode", rel, i);
		goto out;
	}
	for (size_t li = 0, idx = 0; li < ws->n; li++) {
		ve_wlist *l = &ws->v[li];
		size_t slen = 0;
		uint8_t h[32];
		if (l->n == 0)
			continue;
		const json_t *e = json_array_get(cs, idx++), *id = json_object_get(e, "id");
		if (!u64_is(e, "contest", l->contest) || !json_is_string(id) ||
		    strcmp(json_string_value(id), l->mc->id) != 0 || !u64_is(e, "n", l->n) ||
		    !u64_is(e, "w", l->w) || !hex_is(e, "list_sha256", l->last_hash)) {
			snprintf(why, whylen,
			         "%s: the entry of contest %u (%s) does not name the final list "
			         "(list_sha256, n, w; R-12.4)",
			         rel, l->contest, l->mc->id);
			goto out;
		}
		snprintf(lrel, sizeof lrel, "tally/mix/contest-%u/partial-%u.bin", l->contest, i);
		if (ve_read(c, lrel, &shares[li], &slen, why, whylen) != Q_OK)
			goto out;
		sha256(h, shares[li], slen);
		if (!hex_is(e, "shares_sha256", h) || slen != l->n * l->w * VE_SHARE_LEN) {
			snprintf(
			    why, whylen,
			    "%s: shares_sha256 or the length (%zu bytes, want %zu) is not %s's",
			    rel, slen, l->n * l->w * VE_SHARE_LEN, lrel);
			goto out;
		}
		for (size_t x = 0; x < l->n * l->w; x++) {
			const uint8_t *sh = shares[li] + x * VE_SHARE_LEN;
			partial_ctx(ctx, c->base_hash, i, l->contest, l->last_hash, (uint32_t)x);
			if (point_decode(Mi, sh, POINT_LEN) != Q_OK ||
			    cp_proof_decode(pf, sh + POINT_LEN, CP_PROOF_LEN) != Q_OK ||
			    point_decode(A, l->last + x * ELGAMAL_CT_LEN, POINT_LEN) != Q_OK ||
			    cp_verify(pf, ctx, S, A, Mi) != Q_OK) {
				snprintf(
				    why, whylen,
				    "%s: trustee %u: write-in share %zu of contest %u (%s): the "
				    "proof of decryption fails (C-4.2, R-12.4.1)",
				    lrel, i, x, l->contest, l->mc->id);
				goto out;
			}
		}
	}
	ok = 1;
out:
	point_free(S);
	point_free(A);
	point_free(Mi);
	cp_proof_free(pf);
	json_decref(j);
	free(bytes);
	return ok;
}

/* The roll for the matching (--roll): its names normalised (B-10.9). */
typedef struct ve_nroll {
	elec_roll *r;
	char **name; /* per row, NULL where the normaliser refuses it */
} ve_nroll;

static char *normalised(const char *s)
{
	char buf[WRITEIN_NAME_MAX + 1];
	size_t n;
	if (s == NULL || writein_normalise(s, strlen(s), buf, sizeof buf, &n) != Q_OK)
		return NULL;
	return strdup(buf);
}

/* the status of a marked, readable, non-empty, not duplicate
 * name; who (counted) receives the resident.  With r NULL, only the
 * roll-free test (a listed candidate's name) is made: NULL when the roll
 * is needed. */
static const char *match_name(const ve_ctx *c, const elec_contest *mc, const ve_nroll *r,
                              const char *name, const roll_record **who)
{
	const roll_record *hit = NULL;
	size_t nhit = 0;
	*who = NULL;
	for (size_t k = 0; k < mc->ncands; k++) {
		char *cn = normalised(mc->cands[k].name);
		int same = cn != NULL && strcmp(cn, name) == 0;
		free(cn);
		if (same)
			return "listed-candidate";
	}
	if (r == NULL)
		return NULL;
	for (size_t k = 0; k < r->r->n; k++)
		if (r->name[k] != NULL && strcmp(r->name[k], name) == 0) {
			hit = &r->r->v[k];
			nhit++;
		}
	if (nhit == 0)
		return "not-on-roll";
	if (nhit > 1)
		return "ambiguous";
	for (size_t k = 0; k < mc->ncands; k++)
		if (mc->cands[k].voter != NULL && strcmp(mc->cands[k].voter, hit->id) == 0)
			return "listed-candidate";
	if (hit->flags & ROLL_DEPRIVED)
		return "ineligible-deprived";
	if (!elec_date_age_at_least(hit->birth, c->m->polling_day, 18))
		return "ineligible-under-18";
	*who = hit;
	return "counted";
}

/* --roll: read and normalise; its SHA-256 must be parameters.roll_hash. */
static int load_roll(ve_ctx *c, ve_nroll *out)
{
	uint8_t *buf = NULL, h[32], want[32];
	size_t len = 0;
	elec_findings f;
	FILE *fp = fopen(c->split->roll_path, "rb");
	int ok = 0;
	memset(out, 0, sizeof *out);
	if (fp == NULL) {
		ve_fail(c, VE_WRITEINS, "--roll %s: cannot be read: matching not checked",
		        c->split->roll_path);
		return 0;
	}
	size_t cap = 1 << 20;
	if ((buf = malloc(cap)) != NULL)
		for (size_t r; (r = fread(buf + len, 1, cap - len, fp)) > 0;) {
			len += r;
			if (len == cap) {
				uint8_t *nb = cap < VE_MAX_FILE ? realloc(buf, 2 * cap) : NULL;
				if (nb == NULL) {
					free(buf);
					buf = NULL;
					break;
				}
				buf = nb;
				cap *= 2;
			}
		}
	fclose(fp);
	if (buf == NULL) {
		ve_fail(c, VE_WRITEINS, "--roll %s: too large or out of memory",
		        c->split->roll_path);
		return 0;
	}
	sha256(h, buf, len);
	if (!ve_params_roll_hash(c, want) || memcmp(h, want, 32) != 0) {
		char a[65], b[65] = "?";
		hex_encode(a, h, 32);
		if (ve_params_roll_hash(c, want))
			hex_encode(b, want, 32);
		ve_fail(c, VE_WRITEINS,
		        "--roll %s: its SHA-256 %s is not parameters.json roll_hash %s: another "
		        "roll; matching not checked (R-12.6)",
		        c->split->roll_path, a, b);
		goto out;
	}
	elec_findings_init(&f);
	qerr e = roll_import((const char *)buf, len, &out->r, &f);
	elec_findings_free(&f);
	if (e != Q_OK || out->r == NULL) {
		ve_fail(c, VE_WRITEINS, "--roll %s: not a roll (E-4): matching not checked",
		        c->split->roll_path);
		goto out;
	}
	if ((out->name = calloc(out->r->n ? out->r->n : 1, sizeof *out->name)) == NULL)
		goto out;
	for (size_t k = 0; k < out->r->n; k++)
		out->name[k] = normalised(out->r->v[k].name);
	ve_ok(c, VE_WRITEINS);
	ok = 1;
out:
	free(buf);
	return ok;
}

static void free_roll(ve_nroll *r)
{
	for (size_t k = 0; r->name != NULL && k < r->r->n; k++)
		free(r->name[k]);
	free(r->name);
	roll_free(r->r);
}

/* The result's write_ins entry of list l, or NULL. */
static const json_t *result_contest(const json_t *wi, const ve_wlist *l)
{
	const json_t *cs = json_object_get(wi, "contests");
	for (size_t k = 0; k < json_array_size(cs); k++) {
		const json_t *e = json_array_get(cs, k);
		if (u64_is(e, "contest", l->contest))
			return e;
	}
	return NULL;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* R-12.5-R-12.7 for list li: decrypt with the trustees idx[0..k), compare
 * with the result's tuples, recompute the statuses and the candidates. */
static void check_outcome(ve_ctx *c, size_t li, const uint32_t *idx, uint8_t ***shares,
                          const json_t *wi, const ve_nroll *roll)
{
	ve_wlist *l = &c->wi->v[li];
	const json_t *rc = result_contest(wi, l), *tuples = json_object_get(rc, "tuples");
	point **Mi = calloc(c->k, sizeof *Mi), *Mp = point_new(), *P[3] = {NULL, NULL, NULL},
	      *G = point_new();
	const char **who = calloc(l->n * l->W + 1, sizeof *who);
	size_t nwho = 0, bad = 0;
	int roll_bad = 0;
	for (size_t t = 0; Mi != NULL && t < c->k; t++)
		Mi[t] = point_new();
	for (size_t k = 0; k < 3; k++)
		P[k] = point_new();
	if (Mi == NULL || Mp == NULL || G == NULL || who == NULL || P[0] == NULL || P[1] == NULL ||
	    P[2] == NULL || point_generator(G) != Q_OK) {
		ve_fail(c, VE_WRITEINS, "out of memory");
		goto out;
	}
	if (rc == NULL || !json_is_array(tuples) || json_array_size(tuples) != l->n ||
	    !u64_is(rc, "slots", l->W) || !u64_is(rc, "n", l->n) ||
	    !hex_is(rc, "list_sha256", l->last_hash)) {
		ve_fail(
		    c, VE_WRITEINS,
		    "tally/result.json: write_ins has no entry of contest %u (%s) with %u slots, "
		    "n = %zu tuples and the final list's list_sha256 (R-12.7)",
		    l->contest, l->mc->id, l->W, l->n);
		goto out;
	}
	for (size_t j = 0; j < l->n; j++) {
		const json_t *tu = json_array_get(tuples, j);
		char names[BALLOT_MAX_WRITEIN][WRITEIN_NAME_MAX + 1];
		int marked_ok[BALLOT_MAX_WRITEIN] = {0};
		if (!json_is_array(tu) || json_array_size(tu) != l->W) {
			ve_fail(
			    c, VE_WRITEINS,
			    "tally/result.json: write_ins contest %s tuples[%zu] is not %u slots",
			    l->mc->id, j, l->W);
			bad++;
			continue;
		}
		for (uint32_t s = 0; s < l->W; s++) {
			const json_t *js = json_array_get(tu, s);
			unsigned mark = 2;
			int readable = 0;
			char nm[WRITEIN_NAME_MAX + 1], norm[WRITEIN_NAME_MAX + 1];
			size_t nl = 0;
			norm[0] = '\0';
			/* C-5, C-8.2.2: P = beta - sum lambda_i M_i, for the mark and
			 * the name points */
			for (size_t k = 0; k < 3; k++) {
				size_t x = j * l->w + 3 * s + k;
				for (size_t t = 0; t < c->k; t++)
					if (point_decode(Mi[t],
					                 shares[idx[t] - 1][li] + x * VE_SHARE_LEN,
					                 POINT_LEN) != Q_OK)
						goto oom;
				if (threshold_combine(Mp, idx, (const point *const *)Mi, c->k,
				                      c->n) != Q_OK ||
				    point_decode(P[k], l->last + x * ELGAMAL_CT_LEN + POINT_LEN,
				                 POINT_LEN) != Q_OK ||
				    point_sub(P[k], P[k], Mp) != Q_OK)
					goto oom;
			}
			if (point_is_infinity(P[0]))
				mark = 0;
			else if (point_eq(P[0], G))
				mark = 1;
			if (namept_decode((uint8_t *)nm, &nl, (const point *const *)&P[1],
			                  NAMEPT_WIDTH) == Q_OK &&
			    writein_normalise(nm, nl, norm, sizeof norm, &nl) == Q_OK)
				readable = 1;
			if (mark > 1) {
				ve_fail(c, VE_WRITEINS,
				        "contest %u (%s), mixed tuple %zu, slot %u: the mark "
				        "decrypts to "
				        "neither 0 nor 1 (R-12.5)",
				        l->contest, l->mc->id, j, s + 1);
				bad++;
				continue;
			}
			l->sum[s] += mark;
			/* the first status that applies */
			const char *want = NULL;
			const roll_record *hit = NULL;
			int needs_roll = 0;
			if (!mark)
				want = readable && norm[0] == '\0' ? "unmarked" : "unmarked-name";
			else if (!readable)
				want = "unreadable";
			else if (norm[0] == '\0')
				want = "empty";
			else {
				for (uint32_t q = 0; q < s; q++)
					if (marked_ok[q] && strcmp(names[q], norm) == 0)
						want = "duplicate";
				if (want == NULL)
					want = match_name(c, l->mc, roll, norm, &hit);
				needs_roll = want == NULL;
			}
			if (mark && readable && norm[0] != '\0') {
				marked_ok[s] = 1;
				memcpy(names[s], norm, sizeof names[s]);
			}
			/* the published mark and name are the decrypted ones */
			const json_t *jn = json_object_get(js, "name"),
			             *jst = json_object_get(js, "status"),
			             *jc = json_object_get(js, "candidate");
			int same = u64_is(js, "mark", mark) &&
			           (readable ? json_is_string(jn) &&
			                           strcmp(json_string_value(jn), norm) == 0
			                     : json_is_null(jn)) &&
			           json_is_string(jst);
			if (!same) {
				ve_fail(
				    c, VE_WRITEINS,
				    "tally/result.json: write_ins contest %s tuples[%zu][%u]: the "
				    "published mark or name is not the decrypted one (mark %u, "
				    "name "
				    "%s%s%s; R-12.5)",
				    l->mc->id, j, s, mark, readable ? "\"" : "",
				    readable ? norm : "unreadable", readable ? "\"" : "");
				bad++;
				continue;
			}
			const char *st = json_string_value(jst);
			if (needs_roll) {
				/* without the roll: the record's status must be one the
				 * roll decides, and a counted one names a write-in id */
				static const char *const rollst[] = {
				    "not-on-roll",         "ambiguous",
				    "listed-candidate",    "ineligible-deprived",
				    "ineligible-under-18", "counted"};
				int known = 0;
				for (size_t q = 0; q < sizeof rollst / sizeof *rollst; q++)
					known |= strcmp(st, rollst[q]) == 0;
				roll_bad++;
				if (!known) {
					ve_fail(c, VE_WRITEINS,
					        "tally/result.json: write_ins contest %s "
					        "tuples[%zu][%u]: "
					        "status %s is not one of R-12.6",
					        l->mc->id, j, s, st);
					bad++;
				}
				if (strcmp(st, "counted") == 0) {
					if (!json_is_string(jc) ||
					    strncmp(json_string_value(jc), "write-in:", 9) != 0) {
						ve_fail(
						    c, VE_WRITEINS,
						    "tally/result.json: write_ins contest %s "
						    "tuples[%zu][%u]: counted without a write-in "
						    "candidate id",
						    l->mc->id, j, s);
						bad++;
					} else {
						who[nwho++] = json_string_value(jc) + 9;
					}
				} else if (jc != NULL) {
					ve_fail(c, VE_WRITEINS,
					        "tally/result.json: write_ins contest %s "
					        "tuples[%zu][%u]: "
					        "a candidate for a slot not counted",
					        l->mc->id, j, s);
					bad++;
				}
				continue;
			}
			char cid[MANIFEST_ID_MAX + 16] = "";
			if (hit != NULL)
				snprintf(cid, sizeof cid, "write-in:%s", hit->id);
			if (strcmp(st, want) != 0 ||
			    (hit != NULL
			         ? !json_is_string(jc) || strcmp(json_string_value(jc), cid) != 0
			         : jc != NULL)) {
				ve_fail(c, VE_WRITEINS,
				        "tally/result.json: write_ins contest %s tuples[%zu][%u]: "
				        "status "
				        "%s%s%s, but the name \"%s\" is %s%s%s (R-12.6)",
				        l->mc->id, j, s, st, json_is_string(jc) ? " for " : "",
				        json_is_string(jc) ? json_string_value(jc) : "", norm, want,
				        hit != NULL ? " for " : "", cid);
				bad++;
				continue;
			}
			if (hit != NULL)
				who[nwho++] = hit->id;
		}
	}
	/* V-17: without the roll its statuses are not passed but said not
	 * checked, one item per slot that needed the roll */
	if (roll_bad && roll == NULL) {
		c->r->checks[VE_WRITEINS - 1].skipped += (uint64_t)roll_bad;
		c->r->checks[VE_WRITEINS - 1].skip_reason =
		    "matching not checked: no roll given (--roll FILE, the roll of "
		    "parameters.json roll_hash); the record's statuses that read the roll are "
		    "taken as it says (R-12.8)";
	}
	/* the slot sums against the aggregate's slot counts (check 7) */
	const json_t *mk = json_object_get(rc, "marked");
	for (uint32_t s = 0; s < l->W; s++) {
		size_t sel = 0;
		for (size_t q = 0; q < l->contest; q++)
			sel += c->style->contests[q].noptions;
		sel += l->L + s;
		int agg = c->counts_ok && c->counts != NULL;
		const json_t *ms = json_array_get(mk, s);
		if (!json_is_integer(ms) || (uint64_t)json_integer_value(ms) != l->sum[s] ||
		    (agg && c->counts[sel] != l->sum[s]) || !agg) {
			ve_fail(c, VE_WRITEINS,
			        "contest %u (%s), write-in slot %u: %llu marks in the mixed list, "
			        "marked %lld in the result, %s%llu in the aggregate (R-12.5)",
			        l->contest, l->mc->id, s + 1, (unsigned long long)l->sum[s],
			        json_is_integer(ms) ? (long long)json_integer_value(ms) : -1LL,
			        agg ? "" : "not decrypted (check 7) ",
			        agg ? (unsigned long long)c->counts[sel] : 0ULL);
			bad++;
		}
	}
	/* the candidates and their votes, from the counted slots */
	qsort(who, nwho, sizeof *who, cmp_id);
	const json_t *cands = json_object_get(rc, "candidates");
	size_t nc = 0;
	for (size_t q = 0; q < nwho; nc++) {
		size_t r = q;
		while (r < nwho && strcmp(who[r], who[q]) == 0)
			r++;
		const json_t *e = json_array_get(cands, nc);
		char cid[MANIFEST_ID_MAX + 16];
		snprintf(cid, sizeof cid, "write-in:%s", who[q]);
		const json_t *eid = json_object_get(e, "id"), *ev = json_object_get(e, "voter");
		if (!json_is_string(eid) || strcmp(json_string_value(eid), cid) != 0 ||
		    !json_is_string(ev) || strcmp(json_string_value(ev), who[q]) != 0 ||
		    !u64_is(e, "votes", r - q)) {
			ve_fail(c, VE_WRITEINS,
			        "tally/result.json: write_ins contest %s candidates[%zu] is not %s "
			        "with "
			        "%zu votes, as the counted slots give (R-12.7)",
			        l->mc->id, nc, cid, r - q);
			bad++;
		}
		/* and the counts entered for the decision */
		const json_t *cc =
		                 json_object_get(json_object_get(c->result, "counts"), "contests"),
		             *tally = NULL;
		for (size_t k = 0; k < json_array_size(cc); k++) {
			const json_t *id = json_object_get(json_array_get(cc, k), "id");
			if (json_is_string(id) && strcmp(json_string_value(id), l->mc->id) == 0)
				tally = json_object_get(json_array_get(cc, k), "tally");
		}
		if (!u64_is(tally, cid, r - q)) {
			ve_fail(c, VE_WRITEINS,
			        "tally/result.json: counts of %s/%s: announced %lld, the counted "
			        "write-ins give %zu (R-12.7)",
			        l->mc->id, cid,
			        json_is_integer(json_object_get(tally, cid))
			            ? (long long)json_integer_value(json_object_get(tally, cid))
			            : -1LL,
			        r - q);
			bad++;
		}
		q = r;
	}
	if (json_array_size(cands) != nc) {
		ve_fail(c, VE_WRITEINS,
		        "tally/result.json: write_ins contest %s lists %zu candidates, the counted "
		        "slots give %zu (R-12.7)",
		        l->mc->id, json_array_size(cands), nc);
		bad++;
	}
	if (bad == 0)
		ve_ok(c, VE_WRITEINS);
	goto out;
oom:
	ve_fail(c, VE_WRITEINS, "contest %u (%s): a share or a ciphertext does not decode",
	        l->contest, l->mc->id);
out:
	for (size_t t = 0; Mi != NULL && t < c->k; t++)
		point_free(Mi[t]);
	free(Mi);
	for (size_t k = 0; k < 3; k++)
		point_free(P[k]);
	point_free(Mp);
	point_free(G);
	free(who);
}

void ve_check_writeins(ve_ctx *c)
{
	struct ve_wstate *ws = c->wi;
	uint32_t chain[VE_MAX_MIXERS];
	size_t M = 0;
	uint8_t ***shares = NULL;
	int *valid = NULL;
	ve_nroll roll;
	int have_roll = 0;
	char why[VE_DETAIL_LEN];
	memset(&roll, 0, sizeof roll);
	if (c->style == NULL) {
		ve_fail(c, VE_WRITEINS, "cannot run: no ballot style (check 1)");
		return;
	}
	if (c->style->total_writein == 0) {
		/* an election without slots has none of these files, and
		 * its result no write_ins */
		if (exists(c, "tally/mix"))
			ve_fail(c, VE_WRITEINS,
			        "tally/mix: the ballot has no write-in slots, yet the record holds "
			        "write-in mix files (R-12)");
		else if (json_object_get(c->result, "write_ins") != NULL)
			ve_fail(c, VE_WRITEINS,
			        "tally/result.json: write_ins in the result of a ballot without "
			        "write-in slots (R-12.7)");
		else
			ve_ok(c, VE_WRITEINS);
		return;
	}
	if (!c->keys_ok || !c->agg_ok || !c->roster_ok) {
		ve_fail(c, VE_WRITEINS,
		        "cannot run: no joint key, roster or verified aggregate (checks 2, 6)");
		return;
	}
	for (size_t i = 0; i < c->nst; i++)
		if (c->st[i].partial_ok || !c->st[i].collected) {
			ve_fail(
			    c, VE_WRITEINS,
			    "cannot run: station %s's ballots were not read here (%s), so the mix "
			    "inputs cannot be rebuilt (R-12.1)",
			    c->st[i].id,
			    c->st[i].partial_ok ? "a partial result, V-16" : "check 3");
			return;
		}
	if (ws == NULL || ws->bad) {
		ve_fail(c, VE_WRITEINS, "cannot run: out of memory collecting the write-in tuples");
		return;
	}
	/* every input.bin is the counted ballots' tuples, record order */
	for (size_t i = 0; i < ws->n; i++) {
		ve_wlist *l = &ws->v[i];
		char rel[96];
		uint8_t *b = NULL;
		size_t blen = 0;
		l->last = l->in;
		if (l->n > 0)
			sha256(l->last_hash, l->in, l->n * l->w * ELGAMAL_CT_LEN);
		snprintf(rel, sizeof rel, "tally/mix/contest-%u/input.bin", l->contest);
		if (l->n == 0) {
			if (exists(c, rel))
				ve_fail(c, VE_WRITEINS,
				        "%s: no ballot was counted, yet a list exists", rel);
			continue;
		}
		if (ve_read(c, rel, &b, &blen, why, sizeof why) != Q_OK) {
			ve_fail(c, VE_WRITEINS, "%s", why);
			continue;
		}
		size_t tl = l->w * ELGAMAL_CT_LEN, j = 0;
		while (j < l->n && (j + 1) * tl <= blen &&
		       memcmp(b + j * tl, l->in + j * tl, tl) == 0)
			j++;
		if (blen != l->n * tl || j < l->n)
			ve_fail(
			    c, VE_WRITEINS,
			    "%s: not the tuples of the %zu counted ballots in record order (%zu "
			    "bytes, want %zu; first difference at tuple %zu): a list other than "
			    "the ballots' (R-12.1)",
			    rel, l->n, blen, l->n * tl, j);
		else
			ve_ok(c, VE_WRITEINS);
		free(b);
	}
	if (nonempty(ws) == 0)
		return; /* nothing to mix or decrypt */
	/* the chain, places 0.. up to the first missing one */
	for (; M < VE_MAX_MIXERS; M++) {
		char rel[64];
		snprintf(rel, sizeof rel, "tally/mix/mixer-%zu.json", M);
		if (!exists(c, rel))
			break;
		check_mixer(c, M, chain, &chain[M]);
	}
	if (M < c->k)
		ve_fail(c, VE_WRITEINS,
		        "tally/mix: the write-ins are mixed by %zu trustees; at least k = %u must "
		        "mix before decryption (R-12.4)",
		        M, c->k);
	/* every write-in partial present */
	if ((shares = calloc(c->n + 1, sizeof *shares)) == NULL ||
	    (valid = calloc(c->n + 1, sizeof *valid)) == NULL)
		goto oom;
	const json_t *wi = json_object_get(c->result, "write_ins");
	if (c->result == NULL || !json_is_object(wi)) {
		ve_fail(c, VE_WRITEINS, "tally/result.json: %s (R-12.7)",
		        c->result == NULL ? "not read (check 7)" : "no write_ins");
		goto out;
	}
	uint32_t idx[VE_MAX_TRUSTEES];
	size_t nvalid = 0;
	for (uint32_t i = 1; i <= c->n; i++) {
		char rel[64];
		snprintf(rel, sizeof rel, "tally/mix/partials/%u.json", i);
		if (!exists(c, rel))
			continue;
		if ((shares[i - 1] = calloc(ws->n, sizeof **shares)) == NULL)
			goto oom;
		valid[i] = check_wpartial(c, i, M, shares[i - 1], why, sizeof why);
		if (valid[i]) {
			ve_ok(c, VE_WRITEINS);
			if (nvalid < c->k)
				idx[nvalid++] = i;
			continue;
		}
		/* one combine skipped must be named in write_ins.skipped */
		const json_t *sk = json_object_get(wi, "skipped");
		int named = 0;
		for (size_t q = 0; q < json_array_size(sk); q++)
			named |= u64_is(json_array_get(sk, q), "trustee", i);
		if (named)
			ve_ok(c, VE_WRITEINS);
		else
			ve_fail(c, VE_WRITEINS, "%s", why);
	}
	/* mixers and trustees_used as the chain and the partials give */
	const json_t *jm = json_object_get(wi, "mixers"),
	             *tu = json_object_get(wi, "trustees_used");
	uint8_t rh[32];
	int same = json_is_array(jm) && json_array_size(jm) == M && json_is_array(tu) &&
	           json_array_size(tu) == nvalid && ve_params_roll_hash(c, rh) &&
	           hex_is(wi, "roll_sha256", rh);
	for (size_t m = 0; same && m < M; m++)
		same = json_integer_value(json_array_get(jm, m)) == (json_int_t)chain[m];
	for (size_t t = 0; same && t < nvalid; t++)
		same = json_integer_value(json_array_get(tu, t)) == (json_int_t)idx[t];
	if (!same)
		ve_fail(
		    c, VE_WRITEINS,
		    "tally/result.json: write_ins mixers, trustees_used or roll_sha256 are not "
		    "the chain's trustees, the first k valid write-in partials by trustee index "
		    "and parameters.json roll_hash (R-12.5, R-12.7)");
	else
		ve_ok(c, VE_WRITEINS);
	if (nvalid < c->k) {
		ve_fail(c, VE_WRITEINS,
		        "the write-ins cannot be decrypted: %zu valid write-in partials, k = %u "
		        "needed (R-12.5)",
		        nvalid, c->k);
		goto out;
	}
	if (c->split->roll_path != NULL)
		have_roll = load_roll(c, &roll);
	for (size_t li = 0; li < ws->n; li++)
		if (ws->v[li].n > 0)
			check_outcome(c, li, idx, shares, wi, have_roll ? &roll : NULL);
	goto out;
oom:
	ve_fail(c, VE_WRITEINS, "out of memory");
out:
	if (have_roll)
		free_roll(&roll);
	for (uint32_t i = 0; shares != NULL && i < c->n; i++) {
		for (size_t li = 0; shares[i] != NULL && li < ws->n; li++)
			free(shares[i][li]);
		free(shares[i]);
	}
	free(shares);
	free(valid);
}

/* Check 9: the write-in candidates of the result, appended to
 * their contests' candidates and options, so that the counts parse and
 * the rule engine decides them like listed ones; check 11 verified them
 * (with --roll, from the decrypted names).  ve_writein_restore undoes it. */
size_t *ve_writein_extend(ve_ctx *c)
{
	const json_t *cs = json_object_get(json_object_get(c->result, "write_ins"), "contests");
	size_t *saved = calloc(2 * c->m->ncontests + 1, sizeof *saved);
	if (saved == NULL)
		return NULL;
	for (size_t i = 0; i < c->m->ncontests; i++) {
		saved[2 * i] = c->m->contests[i].ncands;
		saved[2 * i + 1] = c->m->contests[i].noptions;
	}
	for (size_t q = 0; q < json_array_size(cs); q++) {
		const json_t *e = json_array_get(cs, q), *id = json_object_get(e, "id"),
		             *cands = json_object_get(e, "candidates");
		elec_contest *mc = NULL;
		for (size_t i = 0; json_is_string(id) && i < c->m->ncontests; i++)
			if (strcmp(c->m->contests[i].id, json_string_value(id)) == 0 &&
			    c->m->contests[i].write_in > 0)
				mc = &c->m->contests[i];
		size_t n = json_array_size(cands);
		if (mc == NULL || n == 0)
			continue;
		elec_candidate *nc = realloc(mc->cands, (mc->ncands + n) * sizeof *nc);
		if (nc != NULL)
			mc->cands = nc;
		char **no =
		    nc != NULL ? realloc(mc->options, (mc->noptions + n) * sizeof *no) : NULL;
		if (no != NULL)
			mc->options = no;
		unsigned *ng =
		    no != NULL ? realloc(mc->option_group, (mc->noptions + n) * sizeof *ng) : NULL;
		if (ng == NULL) {
			ve_writein_restore(c, saved);
			return NULL;
		}
		mc->option_group = ng;
		for (size_t k = 0; k < n; k++) {
			const json_t *x = json_array_get(cands, k);
			const char *cid = json_string_value(json_object_get(x, "id")),
			           *voter = json_string_value(json_object_get(x, "voter")),
			           *name = json_string_value(json_object_get(x, "name"));
			elec_candidate *cd = &mc->cands[mc->ncands];
			memset(cd, 0, sizeof *cd);
			cd->id = strdup(cid != NULL ? cid : "");
			cd->voter = strdup(voter != NULL ? voter : "");
			cd->name = strdup(name != NULL ? name : "");
			mc->options[mc->noptions] = strdup(cid != NULL ? cid : "");
			mc->option_group[mc->noptions] = 0;
			mc->ncands++;
			mc->noptions++;
		}
	}
	return saved;
}

void ve_writein_restore(ve_ctx *c, const size_t *saved)
{
	for (size_t i = 0; saved != NULL && i < c->m->ncontests; i++) {
		elec_contest *mc = &c->m->contests[i];
		for (size_t k = saved[2 * i]; k < mc->ncands; k++) {
			free(mc->cands[k].id);
			free(mc->cands[k].voter);
			free(mc->cands[k].name);
		}
		for (size_t k = saved[2 * i + 1]; k < mc->noptions; k++)
			free(mc->options[k]);
		mc->ncands = saved[2 * i];
		mc->noptions = saved[2 * i + 1];
	}
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ceremony.c -- key ceremony steps (docs/spec/record.md R-4).
 */
#include "ceremony.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/seal.h"
#include "crypto/secbuf.h"
#include "crypto/threshold.h"
#include "crypto/transcript.h"
#include "crypto/util.h"
#include "election/i18n.h"
#include "tsig.h"

#include "banned.h"

#define HDR_LEN (CEREMONY_MAGIC_LEN + 12 + SHA256_LEN) /* magic, i, k, n, key_ctx */
#define SEC_SEED HDR_LEN /* signing seed, transport scalar, coefficients */
#define SEC_TSK (SEC_SEED + SIG_SECRET_LEN)
#define SEC_COEF (SEC_TSK + SCALAR_LEN)

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_hdr(uint8_t *p, const char *magic, const rec_election *el, uint32_t i)
{
	memcpy(p, magic, CEREMONY_MAGIC_LEN);
	put_u32(p + 8, i);
	put_u32(p + 12, el->k);
	put_u32(p + 16, el->n);
	memcpy(p + 20, el->key_ctx, SHA256_LEN);
}

/* check a decrypted secret file's header. */
static qerr check_hdr(const secbuf *b, size_t want_len, const char *magic, const rec_election *el,
                      uint32_t i, const char *path, char *msg, size_t msgsz)
{
	if (b->len != want_len || memcmp(b->data, magic, CEREMONY_MAGIC_LEN) != 0)
		return rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: not a %s file of this election"),
		                path, magic[3] == 'S' ? _("trustee secret") : _("trustee key"));
	if (get_u32(b->data + 8) != i)
		return rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s belongs to trustee %u, not %u"),
		                path, get_u32(b->data + 8), i);
	if (get_u32(b->data + 12) != el->k || get_u32(b->data + 16) != el->n ||
	    memcmp(b->data + 20, el->key_ctx, SHA256_LEN) != 0)
		return rec_fail(Q_ERR_FORMAT, msg, msgsz,
		                _("%s belongs to another election's key ceremony"), path);
	return Q_OK;
}

void trustee_set_free(trustee_set *s)
{
	if (s == NULL)
		return;
	if (s->pub != NULL)
		for (uint32_t d = 0; d < s->n; d++)
			trustee_pub_free(s->pub[d]);
	free(s->pub);
	free(s->roster);
	free(s);
}

void trustee_pub_free(trustee_pub *t)
{
	if (t == NULL)
		return;
	for (uint32_t j = 0; j < t->k; j++) {
		if (t->C != NULL)
			point_free(t->C[j]);
		if (t->pf != NULL)
			schnorr_proof_free(t->pf[j]);
	}
	free(t->C);
	free(t->pf);
	free(t);
}

static qerr check_index(const rec_election *el, uint32_t i, char *msg, size_t msgsz)
{
	if (i < 1 || i > el->n)
		return rec_fail(Q_ERR_ARG, msg, msgsz, _("trustee index %u is not in 1..%u"), i,
		                el->n);
	return Q_OK;
}

/* 1 if the JSON string at key is the lower-case or upper-case hex of b. */
static int hex_is(const json_t *o, const char *key, const uint8_t *b, size_t len)
{
	uint8_t tmp[256];
	const json_t *v = json_object_get(o, key);
	if (len > sizeof tmp || !json_is_string(v) ||
	    hex_decode(tmp, len, json_string_value(v), json_string_length(v)) != Q_OK)
		return 0;
	return memcmp(tmp, b, len) == 0;
}

static int str_is(const json_t *o, const char *key, const char *want)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

static int u64_is(const json_t *o, const char *key, uint64_t want)
{
	const json_t *v = json_object_get(o, key);
	return json_is_integer(v) && json_integer_value(v) >= 0 &&
	       (uint64_t)json_integer_value(v) == want;
}

/* h_i = H_T(coefficients; key_ctx, i, k, C_0..C_{k-1}, T_i, pk_i) */
static void coeffs_hash(uint8_t out[SHA256_LEN], const rec_election *el, uint32_t i,
                        point *const *C, const uint8_t T[POINT_LEN],
                        const uint8_t pk[SIG_PUBLIC_LEN])
{
	transcript t;
	if (transcript_init(&t, CEREMONY_TAG_COEFFS) != Q_OK)
		qfatal("ceremony: out of memory");
	transcript_bytes(&t, el->key_ctx, SHA256_LEN);
	transcript_u32(&t, i);
	transcript_u32(&t, el->k);
	for (uint32_t j = 0; j < el->k; j++)
		transcript_point(&t, C[j]);
	transcript_bytes(&t, T, POINT_LEN);
	transcript_bytes(&t, pk, SIG_PUBLIC_LEN);
	transcript_digest(&t, out);
}

/* the context of the transport key's proof of knowledge. */
static void transport_ctx(uint8_t out[SHA256_LEN], const uint8_t key_ctx[SHA256_LEN], uint32_t i)
{
	transcript t;
	if (transcript_init(&t, CEREMONY_TAG_TRANSPORT) != Q_OK)
		qfatal("ceremony: out of memory");
	transcript_bytes(&t, key_ctx, SHA256_LEN);
	transcript_u32(&t, i);
	transcript_digest(&t, out);
}

/*
 * trustees/<d>/commitment.json, signed by the key it names.  With
 * want_pk set, that key must be want_pk.  pk (may be NULL) and h receive
 * the signing key and the coefficients hash.
 */
static qerr load_commitment(const rec_election *el, uint32_t d, const uint8_t *want_pk, uint8_t *pk,
                            uint8_t h[SHA256_LEN], char *msg, size_t msgsz)
{
	char rel[64], path[REC_PATH_MAX];
	uint8_t *buf = NULL, key[SIG_PUBLIC_LEN];
	size_t len;
	json_t *j = NULL;
	json_error_t je;
	qerr e;
	snprintf(rel, sizeof rel, "trustees/%u/commitment.json", d);
	if ((e = rec_path(path, sizeof path, el->dir, "%s", rel)) != Q_OK)
		return e;
	e = rec_read_file(path, 65536, &buf, &len, msg, msgsz);
	if (e == Q_ERR_NOTFOUND)
		return rec_fail(
		    e, msg, msgsz,
		    _("trustee %u has not generated yet (%s missing): every trustee runs "
		      "\"ceremony generate\" first"),
		    d, rel);
	if (e != Q_OK)
		return e;
	j = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(j) || !str_is(j, "format", CEREMONY_COMMIT_FORMAT) ||
	    !u64_is(j, "trustee", d) || !u64_is(j, "threshold", el->k) ||
	    !hex_is(j, "key_ctx", el->key_ctx, SHA256_LEN) ||
	    rec_json_hex(j, "signing_key", key, sizeof key, rel, NULL, 0) != Q_OK ||
	    rec_json_hex(j, "coefficients_hash", h, SHA256_LEN, rel, NULL, 0) != Q_OK) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz,
		             _("%s: not a %s file of trustee %u for this key ceremony"), rel,
		             CEREMONY_COMMIT_FORMAT, d);
		goto out;
	}
	if (want_pk != NULL && memcmp(key, want_pk, SIG_PUBLIC_LEN) != 0) {
		e = rec_fail(Q_ERR_SIGNATURE, msg, msgsz,
		             _("%s: names a signing key that is not trustee %u's in the roster "
		               "(R-4.2): the file was replaced"),
		             rel, d);
		goto out;
	}
	if ((e = tsig_verify(el, d, key, rel, buf, len, msg, msgsz)) != Q_OK)
		goto out;
	if (pk != NULL)
		memcpy(pk, key, SIG_PUBLIC_LEN);
out:
	json_decref(j);
	free(buf);
	return e;
}

qerr ceremony_commitment_keys(const rec_election *el, uint8_t (*pks)[SIG_PUBLIC_LEN], char *msg,
                              size_t msgsz)
{
	uint8_t h[SHA256_LEN];
	qerr e;
	for (uint32_t d = 1; d <= el->n; d++)
		if ((e = load_commitment(el, d, NULL, pks[d - 1], h, msg, msgsz)) != Q_OK)
			return e;
	for (uint32_t d = 1; d <= el->n; d++)
		for (uint32_t x = 1; x < d; x++)
			if (memcmp(pks[d - 1], pks[x - 1], SIG_PUBLIC_LEN) == 0)
				return rec_fail(Q_ERR_FORMAT, msg, msgsz,
				                _("trustees %u and %u name the same signing key"),
				                x, d);
	return Q_OK;
}

/* A JSON array of n hex signing keys equal to roster. */
static int roster_is(const json_t *a, const uint8_t (*roster)[SIG_PUBLIC_LEN], uint32_t n)
{
	if (!json_is_array(a) || json_array_size(a) != n)
		return 0;
	for (uint32_t d = 0; d < n; d++) {
		uint8_t k[SIG_PUBLIC_LEN];
		const json_t *v = json_array_get(a, d);
		if (!json_is_string(v) ||
		    hex_decode(k, sizeof k, json_string_value(v), json_string_length(v)) != Q_OK ||
		    memcmp(k, roster[d], SIG_PUBLIC_LEN) != 0)
			return 0;
	}
	return 1;
}

static json_t *roster_json(const uint8_t (*roster)[SIG_PUBLIC_LEN], uint32_t n)
{
	json_t *a = json_array();
	for (uint32_t d = 0; a != NULL && d < n; d++)
		if (json_array_append_new(a, rec_hex_json(roster[d], SIG_PUBLIC_LEN)) != 0) {
			json_decref(a);
			a = NULL;
		}
	return a;
}

/* verify trustee d's public file under roster. */
static qerr verify_public(const rec_election *el, uint32_t d,
                          const uint8_t (*roster)[SIG_PUBLIC_LEN], trustee_pub **out, char *msg,
                          size_t msgsz)
{
	char what[64];
	json_t *j = NULL;
	const json_t *jc, *jp;
	trustee_pub *t = NULL;
	uint8_t h[SHA256_LEN], hc[SHA256_LEN], tb[SCHNORR_PROOF_LEN], ctx[SHA256_LEN];
	schnorr_proof *tp = NULL;
	point *T = NULL;
	qerr e;
	*out = NULL;
	snprintf(what, sizeof what, "trustees/%u/public.json", d);
	e = tsig_read_json(el, d, roster[d - 1], what, &j, msg, msgsz);
	if (e == Q_ERR_NOTFOUND)
		return rec_fail(
		    e, msg, msgsz,
		    _("trustee %u has not revealed yet (%s missing): every trustee runs "
		      "\"ceremony reveal\" before anyone deals"),
		    d, what);
	if (e != Q_OK)
		return e;
	jc = json_object_get(j, "commitments");
	jp = json_object_get(j, "proofs");
	if (!str_is(j, "format", CEREMONY_PUBLIC_FORMAT) || !u64_is(j, "trustee", d) ||
	    !u64_is(j, "threshold", el->k) || !hex_is(j, "key_ctx", el->key_ctx, SHA256_LEN) ||
	    !json_is_array(jc) || !json_is_array(jp) || json_array_size(jc) != el->k ||
	    json_array_size(jp) != el->k) {
		e = rec_fail(
		    Q_ERR_FORMAT, msg, msgsz,
		    _("%s: not a %s file of trustee %u with k = %u commitments and proofs"), what,
		    CEREMONY_PUBLIC_FORMAT, d, el->k);
		goto out;
	}
	if (!hex_is(j, "signing_key", roster[d - 1], SIG_PUBLIC_LEN) ||
	    !roster_is(json_object_get(j, "roster"), roster, el->n)) {
		e = rec_fail(Q_ERR_SIGNATURE, msg, msgsz,
		             _("%s: trustee %u's roster of signing keys differs from this one: the "
		               "trustees did not confirm the same fingerprints (R-4.2)"),
		             what, d);
		goto out;
	}
	if ((t = calloc(1, sizeof *t)) == NULL || (t->C = calloc(el->k, sizeof *t->C)) == NULL ||
	    (t->pf = calloc(el->k, sizeof *t->pf)) == NULL || (tp = schnorr_proof_new()) == NULL ||
	    (T = point_new()) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	t->i = d;
	t->k = el->k;
	memcpy(t->sigkey, roster[d - 1], SIG_PUBLIC_LEN);
	if ((e = rec_json_hex(j, "transport_key", t->transport, POINT_LEN, what, msg, msgsz)) !=
	        Q_OK ||
	    (e = rec_json_hex(j, "transport_proof", tb, sizeof tb, what, msg, msgsz)) != Q_OK)
		goto out;
	if (seal_p256_point_check(t->transport, POINT_LEN) != Q_OK ||
	    point_decode(T, t->transport, POINT_LEN) != Q_OK ||
	    schnorr_proof_decode(tp, tb, sizeof tb) != Q_OK) {
		e = rec_fail(Q_ERR_POINT, msg, msgsz,
		             _("%s: transport_key or transport_proof is malformed"), what);
		goto out;
	}
	/* proof of knowledge of t_d, bound to (key_ctx, d) (C-4.1) */
	transport_ctx(ctx, el->key_ctx, d);
	if (schnorr_verify(tp, ctx, T) != Q_OK) {
		e = rec_fail(Q_ERR_PROOF, msg, msgsz,
		             _("trustee %u: the proof of knowledge of the transport key does not "
		               "verify (R-4.2)"),
		             d);
		goto out;
	}
	for (uint32_t c = 0; c < el->k; c++) {
		uint8_t pb[POINT_LEN], sb[SCHNORR_PROOF_LEN];
		const json_t *a = json_array_get(jc, c), *b = json_array_get(jp, c);
		if ((t->C[c] = point_new()) == NULL || (t->pf[c] = schnorr_proof_new()) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		if (!json_is_string(a) || !json_is_string(b) ||
		    hex_decode(pb, sizeof pb, json_string_value(a), json_string_length(a)) !=
		        Q_OK ||
		    hex_decode(sb, sizeof sb, json_string_value(b), json_string_length(b)) !=
		        Q_OK ||
		    point_decode(t->C[c], pb, sizeof pb) != Q_OK ||
		    schnorr_proof_decode(t->pf[c], sb, sizeof sb) != Q_OK) {
			e = rec_fail(Q_ERR_FORMAT, msg, msgsz,
			             _("%s: commitment or proof %u is malformed"), what, c);
			goto out;
		}
		rec_commitment_ctx(ctx, el->key_ctx, d, c);
		/* Schnorr proof for C_{d,c} (C-4.1) */
		if (schnorr_verify(t->pf[c], ctx, t->C[c]) != Q_OK) {
			e = rec_fail(
			    Q_ERR_PROOF, msg, msgsz,
			    _("trustee %u: the Schnorr proof of commitment %u does not verify "
			      "(R-4.2)"),
			    d, c);
			goto out;
		}
	}
	/* the hash commitment of opens to these values */
	if ((e = load_commitment(el, d, roster[d - 1], NULL, hc, msg, msgsz)) != Q_OK)
		goto out;
	coeffs_hash(h, el, d, t->C, t->transport, roster[d - 1]);
	if (memcmp(h, hc, SHA256_LEN) != 0) {
		e = rec_fail(
		    Q_ERR_PROOF, msg, msgsz,
		    _("trustee %u: the commitments and transport key are not those committed "
		      "to in trustees/%u/commitment.json (R-4.1)"),
		    d, d);
		goto out;
	}
	*out = t;
	t = NULL;
	e = Q_OK;
out:
	trustee_pub_free(t);
	schnorr_proof_free(tp);
	point_free(T);
	json_decref(j);
	return e;
}

qerr ceremony_load_set(const rec_election *el, uint32_t anchor_i, const uint8_t *anchor_pk,
                       trustee_set **out, char *msg, size_t msgsz)
{
	trustee_set *s = NULL;
	json_t *j = NULL;
	char rel[64], path[REC_PATH_MAX];
	uint32_t a = anchor_pk != NULL ? anchor_i : 1;
	qerr e;
	*out = NULL;
	if ((e = check_index(el, a, msg, msgsz)) != Q_OK)
		return e;
	if ((s = calloc(1, sizeof *s)) == NULL ||
	    (s->roster = calloc(el->n, sizeof *s->roster)) == NULL ||
	    (s->pub = calloc(el->n, sizeof *s->pub)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	s->n = el->n;
	s->k = el->k;
	/* the roster: from the anchor's own file (checked below under it) */
	snprintf(rel, sizeof rel, "trustees/%u/public.json", a);
	if ((e = rec_path(path, sizeof path, el->dir, "%s", rel)) != Q_OK)
		goto out;
	e = rec_read_json(path, &j, msg, msgsz);
	if (e == Q_ERR_NOTFOUND)
		e = rec_fail(e, msg, msgsz,
		             _("trustee %u has not revealed yet (%s missing): every trustee runs "
		               "\"ceremony reveal\" first"),
		             a, rel);
	if (e != Q_OK)
		goto out;
	{
		const json_t *r = json_object_get(j, "roster");
		int ok = json_is_array(r) && json_array_size(r) == el->n;
		for (uint32_t d = 0; ok && d < el->n; d++) {
			const json_t *v = json_array_get(r, d);
			ok = json_is_string(v) &&
			     hex_decode(s->roster[d], SIG_PUBLIC_LEN, json_string_value(v),
			                json_string_length(v)) == Q_OK;
		}
		if (!ok) {
			e = rec_fail(Q_ERR_FORMAT, msg, msgsz,
			             _("%s: \"roster\" must list %u signing keys (R-4.2)"), rel,
			             el->n);
			goto out;
		}
	}
	if (anchor_pk != NULL && memcmp(s->roster[a - 1], anchor_pk, SIG_PUBLIC_LEN) != 0) {
		e = rec_fail(
		    Q_ERR_SIGNATURE, msg, msgsz,
		    _("%s: the roster does not hold this trustee's own signing key: the file "
		      "was replaced (R-4.2)"),
		    rel);
		goto out;
	}
	for (uint32_t d = 1; d <= el->n; d++)
		if ((e = verify_public(el, d, (const uint8_t(*)[SIG_PUBLIC_LEN])s->roster,
		                       &s->pub[d - 1], msg, msgsz)) != Q_OK)
			goto out;
	*out = s;
	s = NULL;
	e = Q_OK;
out:
	trustee_set_free(s);
	json_decref(j);
	return e;
}

/* Horner evaluation P(x) from coefficients a[0..k-1] (C-5.1.3). */
static qerr poly_eval(scalar *r, scalar *const *a, uint32_t k, uint32_t x)
{
	scalar *xs = scalar_new(), *acc = scalar_new();
	qerr e = Q_ERR_NOMEM;
	if (xs == NULL || acc == NULL)
		goto out;
	if ((e = scalar_set_u64(xs, x)) != Q_OK || (e = scalar_copy(acc, a[k - 1])) != Q_OK)
		goto out;
	for (uint32_t j = k - 1; j-- > 0;)
		if ((e = scalar_mul(acc, acc, xs)) != Q_OK ||
		    (e = scalar_add(acc, acc, a[j])) != Q_OK)
			goto out;
	e = scalar_copy(r, acc);
out:
	scalar_free(xs);
	scalar_free(acc);
	return e;
}

static void free_scalars(scalar **a, uint32_t k)
{
	if (a == NULL)
		return;
	for (uint32_t j = 0; j < k; j++)
		scalar_free(a[j]);
	free(a);
}

qerr ceremony_generate(const rec_election *el, uint32_t i, const char *secret_path,
                       const void *pass, size_t passlen, const kdf_params *params,
                       uint8_t pk_out[SIG_PUBLIC_LEN], char *msg, size_t msgsz)
{
	scalar *a = NULL;
	point **C = NULL;
	secbuf *sb = NULL;
	json_t *cj = NULL;
	sig_secret sk;
	uint8_t tpub[POINT_LEN], pk[SIG_PUBLIC_LEN], h[SHA256_LEN];
	char path[REC_PATH_MAX], rel[64];
	const char *why = NULL;
	size_t plen = SEC_COEF + (size_t)el->k * SCALAR_LEN;
	struct stat st;
	qerr e;

	memset(&sk, 0, sizeof sk);
	if ((e = check_index(el, i, msg, msgsz)) != Q_OK)
		return e;
	snprintf(rel, sizeof rel, "trustees/%u/commitment.json", i);
	if ((e = rec_path(path, sizeof path, el->dir, "%s", rel)) != Q_OK)
		return e;
	if (lstat(path, &st) == 0)
		return rec_fail(Q_ERR_EXISTS, msg, msgsz,
		                _("trustee %u has already generated (%s)"), i, path);
	if ((sb = secbuf_new(plen)) == NULL || (a = scalar_new()) == NULL ||
	    (C = calloc(el->k, sizeof *C)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	/* secret file plaintext: header, signing seed, t_i, a_{i,j} */
	put_hdr(sb->data, CEREMONY_SECRET_MAGIC, el, i);
	if ((e = sig_keygen(&sk, pk)) != Q_OK)
		goto out;
	memcpy(sb->data + SEC_SEED, sk.seed, SIG_SECRET_LEN);
	if ((e = seal_p256_keygen(sb->data + SEC_TSK, tpub)) != Q_OK)
		goto out;
	for (uint32_t j = 0; j < el->k; j++) {
		/* C-5.1.1 a_j uniform in [1, n); C-5.1.2 C_j = a_j G */
		if ((C[j] = point_new()) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		if ((e = scalar_random(a)) != Q_OK || (e = point_mul_base(C[j], a)) != Q_OK)
			goto out;
		scalar_encode(sb->data + SEC_COEF + (size_t)j * SCALAR_LEN, a);
	}
	/* only a hash commitment is published now */
	coeffs_hash(h, el, i, C, tpub, pk);
	cj = json_pack("{s:s, s:i, s:i, s:o, s:o, s:o}", "format", CEREMONY_COMMIT_FORMAT,
	               "trustee", (json_int_t)i, "threshold", (json_int_t)el->k, "key_ctx",
	               rec_hex_json(el->key_ctx, SHA256_LEN), "signing_key",
	               rec_hex_json(pk, sizeof pk), "coefficients_hash", rec_hex_json(h, sizeof h));
	if (cj == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	/* The secret file first: if it cannot be written, nothing is published. */
	if ((e = seal_file_write(secret_path, pass, passlen, params, sb->data, sb->len, &why)) !=
	    Q_OK) {
		e = rec_fail(e, msg, msgsz, _("%s: cannot write the sealed secret file (%s)"),
		             secret_path, why ? why : qerr_str(e));
		goto out;
	}
	{
		char d[REC_PATH_MAX];
		if ((e = rec_path(d, sizeof d, el->dir, "trustees/%u/shares", i)) != Q_OK)
			goto out;
		if (rec_mkdirs(d) != Q_OK) {
			e = rec_fail(Q_ERR_IO, msg, msgsz, _("cannot create %s"), d);
			goto out;
		}
	}
	if ((e = tsig_write_json(el, i, &sk, rel, cj, 1, msg, msgsz)) != Q_OK)
		goto out;
	if (pk_out != NULL)
		memcpy(pk_out, pk, SIG_PUBLIC_LEN);
out:
	if (C != NULL)
		for (uint32_t j = 0; j < el->k; j++)
			point_free(C[j]);
	free(C);
	scalar_free(a);
	secbuf_free(sb);
	sig_secret_wipe(&sk);
	json_decref(cj);
	return e;
}

/* The opened secret file: coefficients, transport scalar, signing
 * key.  Everything but pk is secret. */
typedef struct tsecret {
	scalar **a; /* k coefficients */
	secbuf *tsk; /* t_i, 32 bytes */
	sig_secret sk;
	uint8_t pk[SIG_PUBLIC_LEN];
	uint32_t k;
} tsecret;

static void tsecret_clear(tsecret *s)
{
	free_scalars(s->a, s->k);
	secbuf_free(s->tsk);
	sig_secret_wipe(&s->sk);
	memset(s, 0, sizeof *s);
}

static qerr open_secret(const rec_election *el, uint32_t i, const char *secret_path,
                        const void *pass, size_t passlen, tsecret *ts, char *msg, size_t msgsz)
{
	secbuf *sb = NULL;
	const char *why = NULL;
	qerr e;
	memset(ts, 0, sizeof *ts);
	ts->k = el->k;
	e = seal_file_read(&sb, secret_path, pass, passlen, &why);
	if (e == Q_ERR_AUTH)
		return rec_fail(e, msg, msgsz, _("%s: wrong passphrase or damaged file"),
		                secret_path);
	if (e != Q_OK)
		return rec_fail(e, msg, msgsz, "%s: %s", secret_path, why ? why : qerr_str(e));
	if ((e = check_hdr(sb, SEC_COEF + (size_t)el->k * SCALAR_LEN, CEREMONY_SECRET_MAGIC, el, i,
	                   secret_path, msg, msgsz)) != Q_OK)
		goto out;
	if ((ts->a = calloc(el->k, sizeof *ts->a)) == NULL ||
	    (ts->tsk = secbuf_new(SCALAR_LEN)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	memcpy(ts->sk.seed, sb->data + SEC_SEED, SIG_SECRET_LEN);
	memcpy(ts->tsk->data, sb->data + SEC_TSK, SCALAR_LEN);
	if ((e = sig_public(&ts->sk, ts->pk)) != Q_OK)
		goto out;
	for (uint32_t j = 0; j < el->k; j++) {
		if ((ts->a[j] = scalar_new()) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		if ((e = scalar_decode(ts->a[j], sb->data + SEC_COEF + (size_t)j * SCALAR_LEN,
		                       SCALAR_LEN)) != Q_OK) {
			e = rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: coefficient %u is invalid"),
			             secret_path, j);
			goto out;
		}
	}
	e = Q_OK;
out:
	if (e != Q_OK)
		tsecret_clear(ts);
	secbuf_free(sb);
	return e;
}

/* The trustee's own public file holds exactly its secret's commitments
 * and transport key. */
static qerr check_own_public(const trustee_pub *t, const tsecret *ts, char *msg, size_t msgsz)
{
	point *C = point_new();
	uint8_t T[POINT_LEN];
	qerr e = Q_OK;
	if (C == NULL)
		return Q_ERR_NOMEM;
	for (uint32_t j = 0; j < ts->k && e == Q_OK; j++) {
		if ((e = point_mul_base(C, ts->a[j])) != Q_OK)
			break;
		if (!point_eq(C, t->C[j]))
			e = rec_fail(Q_ERR_STATE, msg, msgsz,
			             _("trustee %u: the published commitments do not match this "
			               "secret file"),
			             t->i);
	}
	if (e == Q_OK &&
	    (seal_p256_public(T, ts->tsk->data) != Q_OK || memcmp(T, t->transport, POINT_LEN) != 0))
		e = rec_fail(Q_ERR_STATE, msg, msgsz,
		             _("trustee %u: the published transport key does not match this secret "
		               "file"),
		             t->i);
	point_free(C);
	return e;
}

qerr ceremony_reveal(const rec_election *el, uint32_t i, const char *secret_path, const void *pass,
                     size_t passlen, const uint8_t (*roster)[SIG_PUBLIC_LEN], char *msg,
                     size_t msgsz)
{
	tsecret ts;
	uint8_t(*pks)[SIG_PUBLIC_LEN] = NULL;
	point **C = NULL, *T = NULL;
	scalar *t = NULL;
	schnorr_proof *pf = NULL;
	json_t *jc = NULL, *jp = NULL, *pub = NULL;
	uint8_t tpub[POINT_LEN], h[SHA256_LEN], hc[SHA256_LEN], ctx[SHA256_LEN],
	    pb[SCHNORR_PROOF_LEN];
	char path[REC_PATH_MAX], rel[64];
	struct stat st;
	qerr e;

	memset(&ts, 0, sizeof ts);
	if ((e = check_index(el, i, msg, msgsz)) != Q_OK)
		return e;
	snprintf(rel, sizeof rel, "trustees/%u/public.json", i);
	if ((e = rec_path(path, sizeof path, el->dir, "%s", rel)) != Q_OK)
		return e;
	if (lstat(path, &st) == 0)
		return rec_fail(Q_ERR_EXISTS, msg, msgsz, _("trustee %u has already revealed (%s)"),
		                i, path);
	if ((pks = calloc(el->n, sizeof *pks)) == NULL || (C = calloc(el->k, sizeof *C)) == NULL ||
	    (T = point_new()) == NULL || (t = scalar_new()) == NULL ||
	    (pf = schnorr_proof_new()) == NULL || (jc = json_array()) == NULL ||
	    (jp = json_array()) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	/* every trustee has committed, to exactly the confirmed keys */
	if ((e = ceremony_commitment_keys(el, pks, msg, msgsz)) != Q_OK)
		goto out;
	for (uint32_t d = 1; d <= el->n; d++)
		if (memcmp(pks[d - 1], roster[d - 1], SIG_PUBLIC_LEN) != 0) {
			e = rec_fail(
			    Q_ERR_SIGNATURE, msg, msgsz,
			    _("trustees/%u/commitment.json is signed by a key whose fingerprint "
			      "is not the one confirmed for trustee %u: do not go on; compare "
			      "the fingerprints again (R-4.2)"),
			    d, d);
			goto out;
		}
	if ((e = open_secret(el, i, secret_path, pass, passlen, &ts, msg, msgsz)) != Q_OK)
		goto out;
	if (memcmp(ts.pk, roster[i - 1], SIG_PUBLIC_LEN) != 0) {
		e = rec_fail(Q_ERR_STATE, msg, msgsz,
		             _("%s is not the secret file whose key trustee %u committed to"),
		             secret_path, i);
		goto out;
	}
	if ((e = seal_p256_public(tpub, ts.tsk->data)) != Q_OK ||
	    (e = scalar_decode(t, ts.tsk->data, SCALAR_LEN)) != Q_OK ||
	    (e = point_decode(T, tpub, POINT_LEN)) != Q_OK)
		goto out;
	for (uint32_t j = 0; j < el->k; j++) {
		if ((C[j] = point_new()) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		if ((e = point_mul_base(C[j], ts.a[j])) != Q_OK)
			goto out;
		rec_commitment_ctx(ctx, el->key_ctx, i, j);
		if ((e = schnorr_prove(pf, ctx, C[j], ts.a[j])) != Q_OK)
			goto out;
		schnorr_proof_encode(pb, pf);
		if (json_array_append_new(jc, rec_point_json(C[j])) != 0 ||
		    json_array_append_new(jp, rec_hex_json(pb, sizeof pb)) != 0) {
			e = Q_ERR_NOMEM;
			goto out;
		}
	}
	/* the values must be those committed to at generate */
	if ((e = load_commitment(el, i, roster[i - 1], NULL, hc, msg, msgsz)) != Q_OK)
		goto out;
	coeffs_hash(h, el, i, C, tpub, roster[i - 1]);
	if (memcmp(h, hc, SHA256_LEN) != 0) {
		e = rec_fail(Q_ERR_STATE, msg, msgsz,
		             _("%s does not open trustees/%u/commitment.json"), secret_path, i);
		goto out;
	}
	/* the transport key's proof of knowledge */
	transport_ctx(ctx, el->key_ctx, i);
	if ((e = schnorr_prove(pf, ctx, T, t)) != Q_OK)
		goto out;
	schnorr_proof_encode(pb, pf);
	pub = json_pack(
	    "{s:s, s:i, s:i, s:o, s:O, s:O, s:o, s:o, s:o, s:o}", "format", CEREMONY_PUBLIC_FORMAT,
	    "trustee", (json_int_t)i, "threshold", (json_int_t)el->k, "key_ctx",
	    rec_hex_json(el->key_ctx, SHA256_LEN), "commitments", jc, "proofs", jp, "transport_key",
	    rec_hex_json(tpub, sizeof tpub), "transport_proof", rec_hex_json(pb, sizeof pb),
	    "signing_key", rec_hex_json(roster[i - 1], SIG_PUBLIC_LEN), "roster",
	    roster_json(roster, el->n));
	if (pub == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	e = tsig_write_json(el, i, &ts.sk, rel, pub, 1, msg, msgsz);
out:
	tsecret_clear(&ts);
	free(pks);
	if (C != NULL)
		for (uint32_t j = 0; j < el->k; j++)
			point_free(C[j]);
	free(C);
	point_free(T);
	scalar_free(t);
	schnorr_proof_free(pf);
	json_decref(jc);
	json_decref(jp);
	json_decref(pub);
	return e;
}

/* Open i's secret, load every public file under i's own roster, and
 * check i's public file against the secret. */
static qerr open_with_set(const rec_election *el, uint32_t i, const char *secret_path,
                          const void *pass, size_t passlen, tsecret *ts, trustee_set **set,
                          char *msg, size_t msgsz)
{
	qerr e;
	*set = NULL;
	if ((e = open_secret(el, i, secret_path, pass, passlen, ts, msg, msgsz)) != Q_OK)
		return e;
	if ((e = ceremony_load_set(el, i, ts->pk, set, msg, msgsz)) != Q_OK ||
	    (e = check_own_public((*set)->pub[i - 1], ts, msg, msgsz)) != Q_OK) {
		trustee_set_free(*set);
		*set = NULL;
		tsecret_clear(ts);
	}
	return e;
}

qerr ceremony_deal(const rec_election *el, uint32_t i, const char *secret_path, const void *pass,
                   size_t passlen, char *msg, size_t msgsz)
{
	tsecret ts;
	secbuf *pt = NULL;
	trustee_set *set = NULL;
	scalar *share = NULL;
	uint8_t *sealed = NULL;
	size_t slen = SEAL_PK_LEN(SCALAR_LEN);
	qerr e;

	memset(&ts, 0, sizeof ts);
	if ((e = check_index(el, i, msg, msgsz)) != Q_OK)
		return e;
	if ((share = scalar_new()) == NULL || (pt = secbuf_new(SCALAR_LEN)) == NULL ||
	    (sealed = malloc(slen)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if ((e = open_with_set(el, i, secret_path, pass, passlen, &ts, &set, msg, msgsz)) != Q_OK)
		goto out;
	for (uint32_t r = 1; r <= el->n; r++) {
		uint8_t aad[SHA256_LEN];
		char rel[64];
		if (r == i)
			continue;
		/* P_i(r) sealed to trustee r's transport key, signed */
		if ((e = poly_eval(share, ts.a, el->k, r)) != Q_OK)
			goto out;
		scalar_encode(pt->data, share);
		rec_share_aad(aad, el->key_ctx, i, r);
		if ((e = seal_to_pubkey(sealed, slen, set->pub[r - 1]->transport, aad, sizeof aad,
		                        pt->data, SCALAR_LEN)) != Q_OK)
			goto out;
		snprintf(rel, sizeof rel, "trustees/%u/shares/%u.sealed", i, r);
		if ((e = tsig_write_file(el, i, &ts.sk, rel, sealed, slen, 0, msg, msgsz)) != Q_OK)
			goto out;
	}
	e = Q_OK;
out:
	trustee_set_free(set);
	tsecret_clear(&ts);
	secbuf_free(pt);
	scalar_free(share);
	free(sealed);
	return e;
}

qerr ceremony_receive(const rec_election *el, uint32_t i, const char *secret_path,
                      const char *key_path, const void *pass, size_t passlen,
                      const kdf_params *params, uint8_t *bad, char *msg, size_t msgsz)
{
	tsecret ts;
	secbuf *kb = NULL, *opened = NULL;
	trustee_set *set = NULL;
	scalar *share = NULL, *sum = NULL;
	point *S = NULL, *sG = NULL, *K = NULL;
	const point *const **Cs = NULL;
	const point **C0 = NULL;
	uint8_t *sealed = NULL;
	json_t *hashes = NULL, *rec = NULL, *bads = NULL;
	char rel[64], names[256] = "";
	const char *why = NULL;
	size_t slen, nbad = 0;
	qerr e;

	memset(&ts, 0, sizeof ts);
	if ((e = check_index(el, i, msg, msgsz)) != Q_OK)
		return e;
	if (bad != NULL)
		memset(bad, 0, el->n);
	if ((share = scalar_new()) == NULL || (sum = scalar_new()) == NULL ||
	    (S = point_new()) == NULL || (sG = point_new()) == NULL || (K = point_new()) == NULL ||
	    (Cs = calloc(el->n, sizeof *Cs)) == NULL || (C0 = calloc(el->n, sizeof *C0)) == NULL ||
	    (hashes = json_array()) == NULL || (bads = json_array()) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if ((e = open_with_set(el, i, secret_path, pass, passlen, &ts, &set, msg, msgsz)) != Q_OK)
		goto out;
	for (uint32_t d = 1; d <= el->n; d++) {
		Cs[d - 1] = (const point *const *)set->pub[d - 1]->C;
		C0[d - 1] = set->pub[d - 1]->C[0];
	}
	/* own share P_i(i) */
	if ((e = poly_eval(sum, ts.a, el->k, i)) != Q_OK)
		goto out;
	for (uint32_t d = 1; d <= el->n; d++) {
		uint8_t aad[SHA256_LEN], h[SHA256_LEN];
		int ok = 1;
		if (d == i) {
			if (json_array_append_new(hashes, json_null()) != 0) {
				e = Q_ERR_NOMEM;
				goto out;
			}
			continue;
		}
		snprintf(rel, sizeof rel, "trustees/%u/shares/%u.sealed", d, i);
		free(sealed);
		sealed = NULL;
		/* the dealer's signature first; a bad one is the carrier's */
		e = tsig_read_verified(el, d, set->roster[d - 1], rel, 4096, &sealed, &slen, msg,
		                       msgsz);
		if (e == Q_ERR_NOTFOUND) {
			e = rec_fail(
			    e, msg, msgsz,
			    _("dealer %u has not dealt a share to trustee %u (%s missing)"), d, i,
			    rel);
			goto out;
		}
		if (e == Q_ERR_SIGNATURE) {
			size_t l = strlen(msg != NULL ? msg : "");
			if (msg != NULL)
				snprintf(msg + l, msgsz > l ? msgsz - l : 0,
				         "; dealer %u is not accused: ask for the files again from "
				         "that trustee",
				         d);
			goto out;
		}
		if (e != Q_OK)
			goto out;
		sha256(h, sealed, slen);
		rec_share_aad(aad, el->key_ctx, d, i);
		/* open, decode, Feldman check against dealer d's commitments */
		if (open_with_scalar(&opened, ts.tsk->data, aad, sizeof aad, sealed, slen) !=
		        Q_OK ||
		    opened->len != SCALAR_LEN ||
		    scalar_decode(share, opened->data, SCALAR_LEN) != Q_OK ||
		    threshold_share_check(share, i, (const point *const *)set->pub[d - 1]->C,
		                          el->k) != Q_OK)
			ok = 0;
		secbuf_free(opened);
		opened = NULL;
		if (!ok) {
			size_t l = strlen(names);
			nbad++;
			if (bad != NULL)
				bad[d - 1] = 1;
			snprintf(names + l, sizeof names - l, "%s%u", l ? ", " : "", d);
			if (json_array_append_new(bads, json_integer(d)) != 0) {
				e = Q_ERR_NOMEM;
				goto out;
			}
		} else if ((e = scalar_add(sum, sum, share)) != Q_OK) {
			goto out;
		}
		if (json_array_append_new(hashes, rec_hex_json(h, sizeof h)) != 0) {
			e = Q_ERR_NOMEM;
			goto out;
		}
	}
	if (nbad > 0) {
		json_t *c =
		    json_pack("{s:s, s:i, s:O, s:O}", "format", CEREMONY_COMPLAINT_FORMAT,
		              "trustee", (json_int_t)i, "dealers", bads, "share_hashes", hashes);
		if (c == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		snprintf(rel, sizeof rel, "trustees/%u/complaint.json", i);
		if (tsig_write_json(el, i, &ts.sk, rel, c, 0, NULL, 0) != Q_OK)
			fprintf(stderr, _("warning: could not write %s\n"), rel);
		json_decref(c);
		e = rec_fail(
		    Q_ERR_PROOF, msg, msgsz,
		    P_("trustee %u: the share dealt by trustee %s fails the Feldman check "
		       "against that dealer's commitments (R-4.4): dealer %s cheated",
		       "trustee %u: the shares dealt by trustees %s fail the Feldman check "
		       "against those dealers' commitments (R-4.4): dealers %s cheated",
		       nbad),
		    i, names, names);
		goto out;
	}
	/* S_i from the commitments must equal s_i G (C-5.1.4) */
	if ((e = threshold_verification_key(S, i, Cs, el->n, el->k)) != Q_OK ||
	    (e = point_mul_base(sG, sum)) != Q_OK ||
	    (e = threshold_joint_key(K, C0, el->n)) != Q_OK)
		goto out;
	if (!point_eq(S, sG)) {
		e = rec_fail(Q_ERR_PROOF, msg, msgsz,
		             _("trustee %u: the key share does not match the verification key"), i);
		goto out;
	}
	/* key file: header, signing seed, s_i */
	if ((kb = secbuf_new(SEC_TSK + SCALAR_LEN)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	put_hdr(kb->data, CEREMONY_KEY_MAGIC, el, i);
	memcpy(kb->data + SEC_SEED, ts.sk.seed, SIG_SECRET_LEN);
	scalar_encode(kb->data + SEC_TSK, sum);
	if ((e = seal_file_write(key_path, pass, passlen, params, kb->data, kb->len, &why)) !=
	    Q_OK) {
		e = rec_fail(e, msg, msgsz, _("%s: cannot write the sealed key file (%s)"),
		             key_path, why ? why : qerr_str(e));
		goto out;
	}
	/* received.json, with the joint key as this trustee computed it */
	rec = json_pack("{s:s, s:i, s:o, s:o, s:O}", "format", CEREMONY_RECEIVED_FORMAT, "trustee",
	                (json_int_t)i, "verification_key", rec_point_json(S), "joint_key",
	                rec_point_json(K), "share_hashes", hashes);
	if (rec == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	snprintf(rel, sizeof rel, "trustees/%u/received.json", i);
	e = tsig_write_json(el, i, &ts.sk, rel, rec, 0, msg, msgsz);
out:
	trustee_set_free(set);
	free(Cs);
	free(C0);
	tsecret_clear(&ts);
	secbuf_free(kb);
	scalar_free(share);
	scalar_free(sum);
	point_free(S);
	point_free(sG);
	point_free(K);
	free(sealed);
	json_decref(hashes);
	json_decref(bads);
	json_decref(rec);
	return e;
}

/*
 * with a verified set, every received.json signed by its trustee,
 * naming S_r from the commitments and K; no complaint.  K and vks (n
 * points, may be NULL) receive the keys.
 */
static qerr check_received(const rec_election *el, const trustee_set *set, point *K, point **vks,
                           char *msg, size_t msgsz)
{
	const point *const **Cs = NULL;
	const point **C0 = NULL;
	point *S = NULL, *X = NULL;
	json_t *rj = NULL;
	char rel[64], path[REC_PATH_MAX];
	struct stat st;
	qerr e;
	if ((Cs = calloc(el->n, sizeof *Cs)) == NULL || (C0 = calloc(el->n, sizeof *C0)) == NULL ||
	    (S = point_new()) == NULL || (X = point_new()) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	for (uint32_t d = 1; d <= el->n; d++) {
		Cs[d - 1] = (const point *const *)set->pub[d - 1]->C;
		C0[d - 1] = set->pub[d - 1]->C[0];
	}
	/* C-5.1.5 K = sum_d C_{d,0} */
	if ((e = threshold_joint_key(K, C0, el->n)) != Q_OK)
		goto out;
	for (uint32_t r = 1; r <= el->n; r++) {
		snprintf(rel, sizeof rel, "trustees/%u/complaint.json", r);
		if ((e = rec_path(path, sizeof path, el->dir, "%s", rel)) != Q_OK)
			goto out;
		if (lstat(path, &st) == 0) {
			e = rec_fail(Q_ERR_STATE, msg, msgsz,
			             _("trustee %u has filed a complaint (%s): the ceremony cannot "
			               "finish; start again without the dealer it names"),
			             r, rel);
			goto out;
		}
		/* C-5.1.4 S_r */
		if ((e = threshold_verification_key(S, r, Cs, el->n, el->k)) != Q_OK)
			goto out;
		snprintf(rel, sizeof rel, "trustees/%u/received.json", r);
		json_decref(rj);
		rj = NULL;
		e = tsig_read_json(el, r, set->roster[r - 1], rel, &rj, msg, msgsz);
		if (e == Q_ERR_NOTFOUND)
			e = rec_fail(
			    e, msg, msgsz,
			    _("trustee %u has not run \"ceremony receive\" yet (%s missing)"), r,
			    rel);
		if (e != Q_OK)
			goto out;
		if (!str_is(rj, "format", CEREMONY_RECEIVED_FORMAT) || !u64_is(rj, "trustee", r)) {
			e = rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: not a %s file of trustee %u"),
			             rel, CEREMONY_RECEIVED_FORMAT, r);
			goto out;
		}
		if ((e = rec_json_point(rj, "verification_key", X, rel, msg, msgsz)) != Q_OK)
			goto out;
		if (!point_eq(S, X)) {
			e = rec_fail(
			    Q_ERR_PROOF, msg, msgsz,
			    _("%s: the verification key differs from the commitments' (R-4.5)"),
			    rel);
			goto out;
		}
		if ((e = rec_json_point(rj, "joint_key", X, rel, msg, msgsz)) != Q_OK)
			goto out;
		if (!point_eq(K, X)) {
			e = rec_fail(Q_ERR_PROOF, msg, msgsz,
			             _("%s: trustee %u computed another joint key (R-4.4)"), rel,
			             r);
			goto out;
		}
		if (vks != NULL &&
		    (e = threshold_verification_key(vks[r - 1], r, Cs, el->n, el->k)) != Q_OK)
			goto out;
	}
	e = Q_OK;
out:
	free(Cs);
	free(C0);
	point_free(S);
	point_free(X);
	json_decref(rj);
	return e;
}

static void free_points(point **p, uint32_t n)
{
	if (p == NULL)
		return;
	for (uint32_t r = 0; r < n; r++)
		point_free(p[r]);
	free(p);
}

static point **new_points(uint32_t n)
{
	point **p = calloc(n, sizeof *p);
	for (uint32_t r = 0; p != NULL && r < n; r++)
		if ((p[r] = point_new()) == NULL) {
			free_points(p, n);
			return NULL;
		}
	return p;
}

qerr ceremony_finish(const rec_election *el, char *msg, size_t msgsz)
{
	trustee_set *set = NULL;
	point *K = NULL, **S = NULL;
	json_t *vks = NULL, *jk = NULL;
	char path[REC_PATH_MAX];
	struct stat st;
	qerr e;

	if ((K = point_new()) == NULL || (S = new_points(el->n)) == NULL ||
	    (vks = json_array()) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if ((e = rec_path(path, sizeof path, el->dir, "joint_key.json")) != Q_OK)
		goto out;
	if (lstat(path, &st) == 0) {
		e = rec_fail(Q_ERR_EXISTS, msg, msgsz,
		             _("the key ceremony is already finished (%s)"), path);
		goto out;
	}
	/* finish logs the commitments and the joint key, signed with the
	 * election log's key: it runs on the officer's election directory, not
	 * on a trustee copy (publish leaves log/key out); checked first, so
	 * that nothing is written where it cannot be logged */
	if ((e = rec_path(path, sizeof path, el->dir, "log/key")) != Q_OK)
		goto out;
	if (lstat(path, &st) != 0) {
		e = rec_fail(Q_ERR_STATE, msg, msgsz,
		             _("%s: no election log key: finish is the returning officer's step, "
		               "run on the election directory init made (a copy made by publish "
		               "has no log key); copy every trustee's files into that directory "
		               "and run finish there"),
		             path);
		goto out;
	}
	if ((e = ceremony_load_set(el, 0, NULL, &set, msg, msgsz)) != Q_OK ||
	    (e = check_received(el, set, K, S, msg, msgsz)) != Q_OK)
		goto out;
	for (uint32_t r = 0; r < el->n; r++)
		if (json_array_append_new(vks, rec_point_json(S[r])) != 0) {
			e = Q_ERR_NOMEM;
			goto out;
		}
	jk = json_pack("{s:s, s:i, s:i, s:o, s:O}", "format", CEREMONY_JOINT_FORMAT, "threshold",
	               (json_int_t)el->k, "trustees", (json_int_t)el->n, "joint_key",
	               rec_point_json(K), "verification_keys", vks);
	if (jk == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	/* the commitments and the joint key go into the election log */
	for (uint32_t d = 1; d <= el->n; d++) {
		json_t *pj = NULL, *entry;
		if ((e = rec_path(path, sizeof path, el->dir, "trustees/%u/public.json", d)) !=
		        Q_OK ||
		    (e = rec_read_json(path, &pj, msg, msgsz)) != Q_OK)
			goto out;
		entry = json_pack("{s:s, s:i, s:O, s:O, s:O, s:O, s:O}", "type",
		                  "trustee-commitments", "trustee", (json_int_t)d, "commitments",
		                  json_object_get(pj, "commitments"), "proofs",
		                  json_object_get(pj, "proofs"), "transport_key",
		                  json_object_get(pj, "transport_key"), "transport_proof",
		                  json_object_get(pj, "transport_proof"), "signing_key",
		                  json_object_get(pj, "signing_key"));
		json_decref(pj);
		if (entry == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		e = rec_log_append(el, entry, 0, NULL, msg, msgsz);
		json_decref(entry);
		if (e != Q_OK)
			goto out;
	}
	{
		json_t *entry =
		    json_pack("{s:s, s:O, s:O}", "type", "joint-key", "joint_key",
		              json_object_get(jk, "joint_key"), "verification_keys", vks);
		if (entry == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		e = rec_log_append(el, entry, 1, NULL, msg, msgsz);
		json_decref(entry);
		if (e != Q_OK)
			goto out;
	}
	if ((e = rec_path(path, sizeof path, el->dir, "joint_key.json")) != Q_OK)
		goto out;
	if ((e = rec_write_json(path, jk, 1, msg, msgsz)) != Q_OK)
		goto out;
	e = rec_write_daemon_files(el, msg, msgsz);
out:
	trustee_set_free(set);
	point_free(K);
	free_points(S, el->n);
	json_decref(vks);
	json_decref(jk);
	return e;
}

qerr ceremony_key_open(const rec_election *el, uint32_t i, const char *key_path, const void *pass,
                       size_t passlen, scalar *s, sig_secret *sk, char *msg, size_t msgsz)
{
	secbuf *sb = NULL;
	const char *why = NULL;
	qerr e;
	if ((e = check_index(el, i, msg, msgsz)) != Q_OK)
		return e;
	e = seal_file_read(&sb, key_path, pass, passlen, &why);
	if (e == Q_ERR_AUTH)
		return rec_fail(e, msg, msgsz, _("%s: wrong passphrase or damaged file"), key_path);
	if (e != Q_OK)
		return rec_fail(e, msg, msgsz, "%s: %s", key_path, why ? why : qerr_str(e));
	if ((e = check_hdr(sb, SEC_TSK + SCALAR_LEN, CEREMONY_KEY_MAGIC, el, i, key_path, msg,
	                   msgsz)) != Q_OK)
		goto out;
	if ((e = scalar_decode(s, sb->data + SEC_TSK, SCALAR_LEN)) != Q_OK) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: the key share is invalid"), key_path);
		goto out;
	}
	memcpy(sk->seed, sb->data + SEC_SEED, SIG_SECRET_LEN);
out:
	secbuf_free(sb);
	return e;
}

qerr ceremony_check_keys(const rec_election *el, uint32_t anchor_i, const uint8_t *anchor_pk,
                         trustee_set **set_out, char *msg, size_t msgsz)
{
	trustee_set *set = NULL;
	point *K = NULL, **S = NULL, *Kj = NULL, **Sj = NULL;
	qerr e;
	if (set_out != NULL)
		*set_out = NULL;
	e = rec_load_joint_key(el, &Kj, &Sj, msg, msgsz);
	if (e == Q_ERR_NOTFOUND)
		return rec_fail(Q_ERR_STATE, msg, msgsz,
		                _("no joint key: finish the key ceremony first"));
	if (e != Q_OK)
		return e;
	if ((K = point_new()) == NULL || (S = new_points(el->n)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if ((e = ceremony_load_set(el, anchor_i, anchor_pk, &set, msg, msgsz)) != Q_OK ||
	    (e = check_received(el, set, K, S, msg, msgsz)) != Q_OK)
		goto out;
	if (!point_eq(K, Kj)) {
		e = rec_fail(Q_ERR_PROOF, msg, msgsz,
		             _("joint_key.json: the joint key is not the sum of the trustees' "
		               "commitments (R-4.5)"));
		goto out;
	}
	for (uint32_t r = 1; r <= el->n; r++)
		if (!point_eq(S[r - 1], Sj[r - 1])) {
			e = rec_fail(
			    Q_ERR_PROOF, msg, msgsz,
			    _("joint_key.json: verification key %u does not follow from the "
			      "commitments (R-4.5)"),
			    r);
			goto out;
		}
	if (set_out != NULL) {
		*set_out = set;
		set = NULL;
	}
	e = Q_OK;
out:
	trustee_set_free(set);
	point_free(K);
	point_free(Kj);
	free_points(S, el->n);
	free_points(Sj, el->n);
	return e;
}

qerr ceremony_check_joint_key(const rec_election *el, char *msg, size_t msgsz)
{
	return ceremony_check_keys(el, 0, NULL, NULL, msg, msgsz);
}

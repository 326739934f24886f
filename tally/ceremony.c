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
#include "crypto/util.h"

#include "banned.h"

#define HDR_LEN (CEREMONY_MAGIC_LEN + 12 + SHA256_LEN) /* magic, i, k, n, key_ctx */

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
		return rec_fail(Q_ERR_FORMAT, msg, msgsz, "%s: not a %s file of this election",
		                path, magic[3] == 'S' ? "trustee secret" : "trustee key");
	if (get_u32(b->data + 8) != i)
		return rec_fail(Q_ERR_FORMAT, msg, msgsz, "%s belongs to trustee %u, not %u", path,
		                get_u32(b->data + 8), i);
	if (get_u32(b->data + 12) != el->k || get_u32(b->data + 16) != el->n ||
	    memcmp(b->data + 20, el->key_ctx, SHA256_LEN) != 0)
		return rec_fail(Q_ERR_FORMAT, msg, msgsz,
		                "%s belongs to another election's key ceremony", path);
	return Q_OK;
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
		return rec_fail(Q_ERR_ARG, msg, msgsz, "trustee index %u is not in 1..%u", i,
		                el->n);
	return Q_OK;
}

qerr ceremony_load_public(const rec_election *el, uint32_t i, int verify, trustee_pub **out,
                          char *msg, size_t msgsz)
{
	char path[REC_PATH_MAX], what[64];
	json_t *j = NULL;
	const json_t *jc, *jp, *v;
	trustee_pub *t = NULL;
	uint64_t x;
	qerr e;
	*out = NULL;
	if ((e = check_index(el, i, msg, msgsz)) != Q_OK)
		return e;
	snprintf(what, sizeof what, "trustees/%u/public.json", i);
	if ((e = rec_path(path, sizeof path, el->dir, "%s", what)) != Q_OK ||
	    (e = rec_read_json(path, &j, msg, msgsz)) != Q_OK)
		return e;
	v = json_object_get(j, "format");
	if (!json_is_string(v) || strcmp(json_string_value(v), CEREMONY_PUBLIC_FORMAT) != 0) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz, "%s: format is not %s", what,
		             CEREMONY_PUBLIC_FORMAT);
		goto out;
	}
	if ((e = rec_json_u64(j, "trustee", el->n, &x, what, msg, msgsz)) != Q_OK)
		goto out;
	if (x != i) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz, "%s: names trustee %llu", what,
		             (unsigned long long)x);
		goto out;
	}
	jc = json_object_get(j, "commitments");
	jp = json_object_get(j, "proofs");
	if (!json_is_array(jc) || !json_is_array(jp) || json_array_size(jc) != el->k ||
	    json_array_size(jp) != el->k) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz,
		             "%s: \"commitments\" and \"proofs\" must each list k = %u entries",
		             what, el->k);
		goto out;
	}
	if ((t = calloc(1, sizeof *t)) == NULL || (t->C = calloc(el->k, sizeof *t->C)) == NULL ||
	    (t->pf = calloc(el->k, sizeof *t->pf)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	t->i = i;
	t->k = el->k;
	if ((e = rec_json_hex(j, "transport_key", t->transport, POINT_LEN, what, msg, msgsz)) !=
	    Q_OK)
		goto out;
	if (seal_p256_point_check(t->transport, POINT_LEN) != Q_OK) {
		e = rec_fail(Q_ERR_POINT, msg, msgsz, "%s: transport_key is not a valid point",
		             what);
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
			             "%s: commitment or proof %u is malformed", what, c);
			goto out;
		}
		if (verify) {
			uint8_t ctx[SHA256_LEN];
			rec_commitment_ctx(ctx, el->key_ctx, i, c);
			/* Schnorr proof for C_{i,c} (C-4.1) */
			if ((e = schnorr_verify(t->pf[c], ctx, t->C[c])) != Q_OK) {
				e = rec_fail(Q_ERR_PROOF, msg, msgsz,
				             "trustee %u: the Schnorr proof of commitment %u does "
				             "not verify (R-4.1)",
				             i, c);
				goto out;
			}
		}
	}
	*out = t;
	t = NULL;
	e = Q_OK;
out:
	trustee_pub_free(t);
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
                       const void *pass, size_t passlen, const kdf_params *params, char *msg,
                       size_t msgsz)
{
	scalar **a = NULL;
	point *C = NULL;
	schnorr_proof *pf = NULL;
	secbuf *sb = NULL;
	json_t *jc = NULL, *jp = NULL, *pub = NULL;
	uint8_t tpub[POINT_LEN];
	char path[REC_PATH_MAX];
	const char *why = NULL;
	size_t plen = HDR_LEN + SCALAR_LEN + (size_t)el->k * SCALAR_LEN;
	struct stat st;
	qerr e;

	if ((e = check_index(el, i, msg, msgsz)) != Q_OK)
		return e;
	if ((e = rec_path(path, sizeof path, el->dir, "trustees/%u/public.json", i)) != Q_OK)
		return e;
	if (lstat(path, &st) == 0)
		return rec_fail(Q_ERR_EXISTS, msg, msgsz, "trustee %u has already generated (%s)",
		                i, path);
	if ((sb = secbuf_new(plen)) == NULL || (a = calloc(el->k, sizeof *a)) == NULL ||
	    (C = point_new()) == NULL || (pf = schnorr_proof_new()) == NULL ||
	    (jc = json_array()) == NULL || (jp = json_array()) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	/* secret file plaintext */
	put_hdr(sb->data, CEREMONY_SECRET_MAGIC, el, i);
	if ((e = seal_p256_keygen(sb->data + HDR_LEN, tpub)) != Q_OK)
		goto out;
	for (uint32_t j = 0; j < el->k; j++) {
		uint8_t ctx[SHA256_LEN], pb[SCHNORR_PROOF_LEN];
		if ((a[j] = scalar_new()) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		/* C-5.1.1 a_j uniform in [1, n); C-5.1.2 C_j = a_j G */
		if ((e = scalar_random(a[j])) != Q_OK || (e = point_mul_base(C, a[j])) != Q_OK)
			goto out;
		rec_commitment_ctx(ctx, el->key_ctx, i, j);
		if ((e = schnorr_prove(pf, ctx, C, a[j])) != Q_OK)
			goto out;
		scalar_encode(sb->data + HDR_LEN + SCALAR_LEN + (size_t)j * SCALAR_LEN, a[j]);
		schnorr_proof_encode(pb, pf);
		if (json_array_append_new(jc, rec_point_json(C)) != 0 ||
		    json_array_append_new(jp, rec_hex_json(pb, sizeof pb)) != 0) {
			e = Q_ERR_NOMEM;
			goto out;
		}
	}
	/* */
	pub = json_pack("{s:s, s:i, s:i, s:O, s:O, s:o}", "format", CEREMONY_PUBLIC_FORMAT,
	                "trustee", (json_int_t)i, "threshold", (json_int_t)el->k, "commitments", jc,
	                "proofs", jp, "transport_key", rec_hex_json(tpub, sizeof tpub));
	if (pub == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	/* The secret file first: if it cannot be written, nothing is published. */
	if ((e = seal_file_write(secret_path, pass, passlen, params, sb->data, sb->len, &why)) !=
	    Q_OK) {
		e = rec_fail(e, msg, msgsz, "%s: cannot write the sealed secret file (%s)",
		             secret_path, why ? why : qerr_str(e));
		goto out;
	}
	{
		char d[REC_PATH_MAX];
		if ((e = rec_path(d, sizeof d, el->dir, "trustees/%u/shares", i)) != Q_OK)
			goto out;
		if (rec_mkdirs(d) != Q_OK) {
			e = rec_fail(Q_ERR_IO, msg, msgsz, "cannot create %s", d);
			goto out;
		}
	}
	e = rec_write_json(path, pub, 1, msg, msgsz);
out:
	free_scalars(a, el->k);
	secbuf_free(sb);
	point_free(C);
	schnorr_proof_free(pf);
	json_decref(jc);
	json_decref(jp);
	json_decref(pub);
	return e;
}

/* Open the secret file: coefficients into *a (k new scalars) and the
 * transport scalar into tsk (32 bytes, caller wipes). */
static qerr open_secret(const rec_election *el, uint32_t i, const char *secret_path,
                        const void *pass, size_t passlen, scalar ***a_out, secbuf **tsk, char *msg,
                        size_t msgsz)
{
	secbuf *sb = NULL;
	scalar **a = NULL;
	const char *why = NULL;
	qerr e;
	*a_out = NULL;
	*tsk = NULL;
	e = seal_file_read(&sb, secret_path, pass, passlen, &why);
	if (e == Q_ERR_AUTH)
		return rec_fail(e, msg, msgsz, "%s: wrong passphrase or damaged file", secret_path);
	if (e != Q_OK)
		return rec_fail(e, msg, msgsz, "%s: %s", secret_path, why ? why : qerr_str(e));
	if ((e = check_hdr(sb, HDR_LEN + SCALAR_LEN + (size_t)el->k * SCALAR_LEN,
	                   CEREMONY_SECRET_MAGIC, el, i, secret_path, msg, msgsz)) != Q_OK)
		goto out;
	if ((a = calloc(el->k, sizeof *a)) == NULL || (*tsk = secbuf_new(SCALAR_LEN)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	memcpy((*tsk)->data, sb->data + HDR_LEN, SCALAR_LEN);
	for (uint32_t j = 0; j < el->k; j++) {
		if ((a[j] = scalar_new()) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		if ((e = scalar_decode(a[j],
		                       sb->data + HDR_LEN + SCALAR_LEN + (size_t)j * SCALAR_LEN,
		                       SCALAR_LEN)) != Q_OK) {
			e = rec_fail(Q_ERR_FORMAT, msg, msgsz, "%s: coefficient %u is invalid",
			             secret_path, j);
			goto out;
		}
	}
	*a_out = a;
	a = NULL;
	e = Q_OK;
out:
	if (e != Q_OK) {
		secbuf_free(*tsk);
		*tsk = NULL;
	}
	free_scalars(a, el->k);
	secbuf_free(sb);
	return e;
}

/* Check that the public file of trustee i matches the coefficients. */
static qerr check_own_public(const trustee_pub *t, scalar *const *a, uint32_t k, char *msg,
                             size_t msgsz)
{
	point *C = point_new();
	qerr e = Q_OK;
	if (C == NULL)
		return Q_ERR_NOMEM;
	for (uint32_t j = 0; j < k && e == Q_OK; j++) {
		if ((e = point_mul_base(C, a[j])) != Q_OK)
			break;
		if (!point_eq(C, t->C[j]))
			e = rec_fail(Q_ERR_STATE, msg, msgsz,
			             "trustee %u: the published commitments do not match this "
			             "secret file",
			             t->i);
	}
	point_free(C);
	return e;
}

qerr ceremony_deal(const rec_election *el, uint32_t i, const char *secret_path, const void *pass,
                   size_t passlen, char *msg, size_t msgsz)
{
	scalar **a = NULL;
	secbuf *tsk = NULL, *pt = NULL;
	trustee_pub **pubs = NULL;
	scalar *share = NULL;
	uint8_t *sealed = NULL;
	size_t slen = SEAL_PK_LEN(SCALAR_LEN);
	char path[REC_PATH_MAX];
	qerr e;

	if ((e = check_index(el, i, msg, msgsz)) != Q_OK)
		return e;
	if ((pubs = calloc(el->n, sizeof *pubs)) == NULL || (share = scalar_new()) == NULL ||
	    (pt = secbuf_new(SCALAR_LEN)) == NULL || (sealed = malloc(slen)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	for (uint32_t r = 1; r <= el->n; r++) {
		e = ceremony_load_public(el, r, 1, &pubs[r - 1], msg, msgsz);
		if (e == Q_ERR_NOTFOUND) {
			e = rec_fail(e, msg, msgsz,
			             "trustee %u has not generated yet: every trustee must run "
			             "\"ceremony generate\" before anyone deals",
			             r);
			goto out;
		}
		if (e != Q_OK)
			goto out;
	}
	if ((e = open_secret(el, i, secret_path, pass, passlen, &a, &tsk, msg, msgsz)) != Q_OK)
		goto out;
	if ((e = check_own_public(pubs[i - 1], a, el->k, msg, msgsz)) != Q_OK)
		goto out;
	for (uint32_t r = 1; r <= el->n; r++) {
		uint8_t aad[SHA256_LEN];
		if (r == i)
			continue;
		/* P_i(r) sealed to trustee r's transport key */
		if ((e = poly_eval(share, a, el->k, r)) != Q_OK)
			goto out;
		scalar_encode(pt->data, share);
		rec_share_aad(aad, el->key_ctx, i, r);
		if ((e = seal_to_pubkey(sealed, slen, pubs[r - 1]->transport, aad, sizeof aad,
		                        pt->data, SCALAR_LEN)) != Q_OK)
			goto out;
		if ((e = rec_path(path, sizeof path, el->dir, "trustees/%u/shares/%u.sealed", i,
		                  r)) != Q_OK ||
		    (e = rec_write_file(path, sealed, slen, 0644, 1, msg, msgsz)) != Q_OK)
			goto out;
	}
	e = Q_OK;
out:
	if (pubs != NULL)
		for (uint32_t r = 0; r < el->n; r++)
			trustee_pub_free(pubs[r]);
	free(pubs);
	free_scalars(a, el->k);
	secbuf_free(tsk);
	secbuf_free(pt);
	scalar_free(share);
	free(sealed);
	return e;
}

qerr ceremony_receive(const rec_election *el, uint32_t i, const char *secret_path,
                      const char *key_path, const void *pass, size_t passlen,
                      const kdf_params *params, uint8_t *bad, char *msg, size_t msgsz)
{
	scalar **a = NULL;
	secbuf *tsk = NULL, *kb = NULL, *opened = NULL;
	trustee_pub **pubs = NULL;
	scalar *share = NULL, *sum = NULL;
	point *S = NULL, *sG = NULL;
	const point *const **Cs = NULL;
	uint8_t *sealed = NULL;
	json_t *hashes = NULL, *rec = NULL, *bads = NULL;
	char path[REC_PATH_MAX], names[256] = "";
	const char *why = NULL;
	size_t slen, nbad = 0;
	qerr e;

	if ((e = check_index(el, i, msg, msgsz)) != Q_OK)
		return e;
	if (bad != NULL)
		memset(bad, 0, el->n);
	if ((pubs = calloc(el->n, sizeof *pubs)) == NULL || (share = scalar_new()) == NULL ||
	    (sum = scalar_new()) == NULL || (S = point_new()) == NULL ||
	    (sG = point_new()) == NULL || (Cs = calloc(el->n, sizeof *Cs)) == NULL ||
	    (hashes = json_array()) == NULL || (bads = json_array()) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	for (uint32_t d = 1; d <= el->n; d++) {
		if ((e = ceremony_load_public(el, d, 1, &pubs[d - 1], msg, msgsz)) != Q_OK)
			goto out;
		Cs[d - 1] = (const point *const *)pubs[d - 1]->C;
	}
	if ((e = open_secret(el, i, secret_path, pass, passlen, &a, &tsk, msg, msgsz)) != Q_OK)
		goto out;
	if ((e = check_own_public(pubs[i - 1], a, el->k, msg, msgsz)) != Q_OK)
		goto out;
	/* own share P_i(i) */
	if ((e = poly_eval(sum, a, el->k, i)) != Q_OK)
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
		if ((e = rec_path(path, sizeof path, el->dir, "trustees/%u/shares/%u.sealed", d,
		                  i)) != Q_OK)
			goto out;
		free(sealed);
		sealed = NULL;
		e = rec_read_file(path, 4096, &sealed, &slen, msg, msgsz);
		if (e == Q_ERR_NOTFOUND) {
			e = rec_fail(e, msg, msgsz,
			             "dealer %u has not dealt a share to trustee %u (%s)", d, i,
			             path);
			goto out;
		}
		if (e != Q_OK)
			goto out;
		sha256(h, sealed, slen);
		rec_share_aad(aad, el->key_ctx, d, i);
		/* open, decode, Feldman check against dealer d's commitments */
		if (open_with_scalar(&opened, tsk->data, aad, sizeof aad, sealed, slen) != Q_OK ||
		    opened->len != SCALAR_LEN ||
		    scalar_decode(share, opened->data, SCALAR_LEN) != Q_OK ||
		    threshold_share_check(share, i, (const point *const *)pubs[d - 1]->C, el->k) !=
		        Q_OK)
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
		if (rec_path(path, sizeof path, el->dir, "trustees/%u/complaint.json", i) == Q_OK &&
		    rec_write_json(path, c, 0, NULL, 0) != Q_OK)
			fprintf(stderr, "warning: could not write %s\n", path);
		json_decref(c);
		e = rec_fail(Q_ERR_PROOF, msg, msgsz,
		             "trustee %u: the share dealt by trustee %s fails the Feldman check "
		             "against that dealer's commitments (R-4.3): dealer%s %s cheated",
		             i, names, nbad > 1 ? "s" : "", names);
		goto out;
	}
	/* S_i from the commitments must equal s_i G (C-5.1.4) */
	if ((e = threshold_verification_key(S, i, Cs, el->n, el->k)) != Q_OK ||
	    (e = point_mul_base(sG, sum)) != Q_OK)
		goto out;
	if (!point_eq(S, sG)) {
		e = rec_fail(Q_ERR_PROOF, msg, msgsz,
		             "trustee %u: the key share does not match the verification key", i);
		goto out;
	}
	/* key file */
	if ((kb = secbuf_new(HDR_LEN + SCALAR_LEN)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	put_hdr(kb->data, CEREMONY_KEY_MAGIC, el, i);
	scalar_encode(kb->data + HDR_LEN, sum);
	if ((e = seal_file_write(key_path, pass, passlen, params, kb->data, kb->len, &why)) !=
	    Q_OK) {
		e = rec_fail(e, msg, msgsz, "%s: cannot write the sealed key file (%s)", key_path,
		             why ? why : qerr_str(e));
		goto out;
	}
	/* received.json */
	rec =
	    json_pack("{s:s, s:i, s:o, s:O}", "format", CEREMONY_RECEIVED_FORMAT, "trustee",
	              (json_int_t)i, "verification_key", rec_point_json(S), "share_hashes", hashes);
	if (rec == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if ((e = rec_path(path, sizeof path, el->dir, "trustees/%u/received.json", i)) != Q_OK)
		goto out;
	e = rec_write_json(path, rec, 0, msg, msgsz);
out:
	if (pubs != NULL)
		for (uint32_t d = 0; d < el->n; d++)
			trustee_pub_free(pubs[d]);
	free(pubs);
	free(Cs);
	free_scalars(a, el->k);
	secbuf_free(tsk);
	secbuf_free(kb);
	scalar_free(share);
	scalar_free(sum);
	point_free(S);
	point_free(sG);
	free(sealed);
	json_decref(hashes);
	json_decref(bads);
	json_decref(rec);
	return e;
}

qerr ceremony_finish(const rec_election *el, char *msg, size_t msgsz)
{
	trustee_pub **pubs = NULL;
	const point *const **Cs = NULL;
	const point **C0 = NULL;
	point *K = NULL, *S = NULL, *Sr = NULL;
	json_t *vks = NULL, *jk = NULL, *rj = NULL;
	char path[REC_PATH_MAX];
	struct stat st;
	qerr e;

	if ((pubs = calloc(el->n, sizeof *pubs)) == NULL ||
	    (Cs = calloc(el->n, sizeof *Cs)) == NULL || (C0 = calloc(el->n, sizeof *C0)) == NULL ||
	    (K = point_new()) == NULL || (S = point_new()) == NULL || (Sr = point_new()) == NULL ||
	    (vks = json_array()) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if ((e = rec_path(path, sizeof path, el->dir, "joint_key.json")) != Q_OK)
		goto out;
	if (lstat(path, &st) == 0) {
		e = rec_fail(Q_ERR_EXISTS, msg, msgsz, "the key ceremony is already finished (%s)",
		             path);
		goto out;
	}
	for (uint32_t d = 1; d <= el->n; d++) {
		if ((e = ceremony_load_public(el, d, 1, &pubs[d - 1], msg, msgsz)) != Q_OK)
			goto out;
		Cs[d - 1] = (const point *const *)pubs[d - 1]->C;
		C0[d - 1] = pubs[d - 1]->C[0];
	}
	for (uint32_t r = 1; r <= el->n; r++) {
		char what[64];
		if ((e = rec_path(path, sizeof path, el->dir, "trustees/%u/complaint.json", r)) !=
		    Q_OK)
			goto out;
		if (lstat(path, &st) == 0) {
			e = rec_fail(Q_ERR_STATE, msg, msgsz,
			             "trustee %u has filed a complaint (%s): the ceremony cannot "
			             "finish",
			             r, path);
			goto out;
		}
		/* C-5.1.4 S_r */
		if ((e = threshold_verification_key(S, r, Cs, el->n, el->k)) != Q_OK)
			goto out;
		snprintf(what, sizeof what, "trustees/%u/received.json", r);
		if ((e = rec_path(path, sizeof path, el->dir, "%s", what)) != Q_OK)
			goto out;
		json_decref(rj);
		rj = NULL;
		e = rec_read_json(path, &rj, msg, msgsz);
		if (e == Q_ERR_NOTFOUND)
			e = rec_fail(e, msg, msgsz,
			             "trustee %u has not run \"ceremony receive\" yet (%s missing)",
			             r, what);
		if (e != Q_OK)
			goto out;
		if ((e = rec_json_point(rj, "verification_key", Sr, what, msg, msgsz)) != Q_OK)
			goto out;
		if (!point_eq(S, Sr)) {
			e = rec_fail(
			    Q_ERR_PROOF, msg, msgsz,
			    "%s: the verification key differs from the commitments' (R-4.4)", what);
			goto out;
		}
		if (json_array_append_new(vks, rec_point_json(S)) != 0) {
			e = Q_ERR_NOMEM;
			goto out;
		}
	}
	/* C-5.1.5 K = sum_d C_{d,0} */
	if ((e = threshold_joint_key(K, C0, el->n)) != Q_OK)
		goto out;
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
		char what[64];
		snprintf(what, sizeof what, "trustees/%u/public.json", d);
		if ((e = rec_path(path, sizeof path, el->dir, "%s", what)) != Q_OK ||
		    (e = rec_read_json(path, &pj, msg, msgsz)) != Q_OK)
			goto out;
		entry =
		    json_pack("{s:s, s:i, s:O, s:O, s:O}", "type", "trustee-commitments", "trustee",
		              (json_int_t)d, "commitments", json_object_get(pj, "commitments"),
		              "proofs", json_object_get(pj, "proofs"), "transport_key",
		              json_object_get(pj, "transport_key"));
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
	if (pubs != NULL)
		for (uint32_t d = 0; d < el->n; d++)
			trustee_pub_free(pubs[d]);
	free(pubs);
	free(Cs);
	free(C0);
	point_free(K);
	point_free(S);
	point_free(Sr);
	json_decref(vks);
	json_decref(jk);
	json_decref(rj);
	return e;
}

qerr ceremony_key_open(const rec_election *el, uint32_t i, const char *key_path, const void *pass,
                       size_t passlen, scalar *s, char *msg, size_t msgsz)
{
	secbuf *sb = NULL;
	const char *why = NULL;
	qerr e;
	if ((e = check_index(el, i, msg, msgsz)) != Q_OK)
		return e;
	e = seal_file_read(&sb, key_path, pass, passlen, &why);
	if (e == Q_ERR_AUTH)
		return rec_fail(e, msg, msgsz, "%s: wrong passphrase or damaged file", key_path);
	if (e != Q_OK)
		return rec_fail(e, msg, msgsz, "%s: %s", key_path, why ? why : qerr_str(e));
	if ((e = check_hdr(sb, HDR_LEN + SCALAR_LEN, CEREMONY_KEY_MAGIC, el, i, key_path, msg,
	                   msgsz)) != Q_OK)
		goto out;
	if ((e = scalar_decode(s, sb->data + HDR_LEN, SCALAR_LEN)) != Q_OK)
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz, "%s: the key share is invalid", key_path);
out:
	secbuf_free(sb);
	return e;
}

qerr ceremony_check_joint_key(const rec_election *el, char *msg, size_t msgsz)
{
	trustee_pub **pubs = NULL;
	const point *const **Cs = NULL;
	const point **C0 = NULL;
	point *K = NULL, **S = NULL, *X = NULL;
	qerr e;
	e = rec_load_joint_key(el, &K, &S, msg, msgsz);
	if (e == Q_ERR_NOTFOUND)
		return rec_fail(Q_ERR_STATE, msg, msgsz,
		                "no joint key: finish the key ceremony first");
	if (e != Q_OK)
		return e;
	if ((pubs = calloc(el->n, sizeof *pubs)) == NULL ||
	    (Cs = calloc(el->n, sizeof *Cs)) == NULL || (C0 = calloc(el->n, sizeof *C0)) == NULL ||
	    (X = point_new()) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	for (uint32_t d = 1; d <= el->n; d++) {
		if ((e = ceremony_load_public(el, d, 1, &pubs[d - 1], msg, msgsz)) != Q_OK)
			goto out;
		Cs[d - 1] = (const point *const *)pubs[d - 1]->C;
		C0[d - 1] = pubs[d - 1]->C[0];
	}
	if ((e = threshold_joint_key(X, C0, el->n)) != Q_OK)
		goto out;
	if (!point_eq(X, K)) {
		e = rec_fail(Q_ERR_PROOF, msg, msgsz,
		             "joint_key.json: the joint key is not the sum of the trustees' "
		             "commitments (R-4.4)");
		goto out;
	}
	for (uint32_t r = 1; r <= el->n; r++) {
		if ((e = threshold_verification_key(X, r, Cs, el->n, el->k)) != Q_OK)
			goto out;
		if (!point_eq(X, S[r - 1])) {
			e = rec_fail(Q_ERR_PROOF, msg, msgsz,
			             "joint_key.json: verification key %u does not follow from the "
			             "commitments (R-4.4)",
			             r);
			goto out;
		}
	}
	e = Q_OK;
out:
	if (pubs != NULL)
		for (uint32_t d = 0; d < el->n; d++)
			trustee_pub_free(pubs[d]);
	free(pubs);
	free(Cs);
	free(C0);
	point_free(K);
	point_free(X);
	if (S != NULL)
		for (uint32_t r = 0; r < el->n; r++)
			point_free(S[r]);
	free(S);
	return e;
}

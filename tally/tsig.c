/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tsig.c -- files signed by a trustee (docs/spec/record.md ).
 */
#include "tsig.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/sha256.h"
#include "crypto/transcript.h"
#include "crypto/util.h"
#include "election/i18n.h"

#include "banned.h"

#define SIG_B64_LEN 88 /* base64 of 64 bytes */

void tsig_digest(uint8_t out[SHA256_LEN], const uint8_t key_ctx[SHA256_LEN], uint32_t i,
                 const char *rel, const uint8_t file_hash[SHA256_LEN])
{
	transcript t;
	if (transcript_init(&t, TSIG_TAG) != Q_OK)
		qfatal("tsig: out of memory");
	transcript_bytes(&t, key_ctx, SHA256_LEN);
	transcript_u32(&t, i);
	transcript_bytes(&t, rel, strlen(rel));
	transcript_bytes(&t, file_hash, SHA256_LEN);
	transcript_digest(&t, out);
}

static void file_digest(uint8_t d[SHA256_LEN], const rec_election *el, uint32_t i, const char *rel,
                        const void *bytes, size_t len)
{
	uint8_t h[SHA256_LEN];
	sha256(h, bytes, len);
	tsig_digest(d, el->key_ctx, i, rel, h);
}

qerr tsig_sign(const rec_election *el, uint32_t i, const sig_secret *sk, const char *rel,
               const void *bytes, size_t len, char *msg, size_t msgsz)
{
	uint8_t d[SHA256_LEN], sig[SIG_LEN];
	char b64[SIG_B64_LEN + 2], path[REC_PATH_MAX];
	qerr e;
	file_digest(d, el, i, rel, bytes, len);
	if ((e = sig_sign(sig, sk, d, sizeof d)) != Q_OK)
		return rec_fail(e, msg, msgsz, _("%s: cannot sign (%s)"), rel, qerr_str(e));
	b64_encode(b64, sig, sizeof sig);
	b64[SIG_B64_LEN] = '\n';
	b64[SIG_B64_LEN + 1] = '\0';
	if ((e = rec_path(path, sizeof path, el->dir, "%s.sig", rel)) != Q_OK)
		return e;
	return rec_write_file(path, b64, SIG_B64_LEN + 1, 0644, 0, msg, msgsz);
}

qerr tsig_write_file(const rec_election *el, uint32_t i, const sig_secret *sk, const char *rel,
                     const void *bytes, size_t len, int excl, char *msg, size_t msgsz)
{
	char path[REC_PATH_MAX];
	qerr e;
	if ((e = rec_path(path, sizeof path, el->dir, "%s", rel)) != Q_OK)
		return e;
	if (excl && access(path, F_OK) == 0)
		return rec_fail(Q_ERR_EXISTS, msg, msgsz, _("%s already exists"), rel);
	if ((e = tsig_sign(el, i, sk, rel, bytes, len, msg, msgsz)) != Q_OK)
		return e;
	return rec_write_file(path, bytes, len, 0644, excl, msg, msgsz);
}

qerr tsig_write_json(const rec_election *el, uint32_t i, const sig_secret *sk, const char *rel,
                     const json_t *j, int excl, char *msg, size_t msgsz)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS), *t;
	size_t len;
	qerr e;
	if (s == NULL)
		return Q_ERR_NOMEM;
	len = strlen(s);
	if ((t = realloc(s, len + 2)) == NULL) {
		free(s);
		return Q_ERR_NOMEM;
	}
	t[len] = '\n';
	t[len + 1] = '\0';
	e = tsig_write_file(el, i, sk, rel, t, len + 1, excl, msg, msgsz);
	free(t);
	return e;
}

qerr tsig_verify(const rec_election *el, uint32_t i, const uint8_t pk[SIG_PUBLIC_LEN],
                 const char *rel, const void *bytes, size_t len, char *msg, size_t msgsz)
{
	char path[REC_PATH_MAX];
	uint8_t *sb = NULL, sig[SIG_B64_LEN], d[SHA256_LEN];
	size_t sl, dl = 0;
	qerr e;
	if ((e = rec_path(path, sizeof path, el->dir, "%s.sig", rel)) != Q_OK)
		return e;
	e = rec_read_file(path, 4096, &sb, &sl, NULL, 0);
	if (e != Q_OK) {
		free(sb);
		return rec_fail(Q_ERR_SIGNATURE, msg, msgsz,
		                _("%s: no signature file %s.sig: the file must come signed by "
		                  "trustee %u (R-4.0)"),
		                rel, rel, i);
	}
	if (sl == SIG_B64_LEN + 1 && sb[SIG_B64_LEN] == '\n')
		sl--;
	if (sl != SIG_B64_LEN || b64_decode(sig, &dl, (const char *)sb, sl) != Q_OK ||
	    dl != SIG_LEN) {
		free(sb);
		return rec_fail(Q_ERR_SIGNATURE, msg, msgsz,
		                _("%s.sig: not a base64 Ed25519 signature (R-4.0)"), rel);
	}
	free(sb);
	file_digest(d, el, i, rel, bytes, len);
	if (sig_verify(pk, d, sizeof d, sig) != Q_OK)
		return rec_fail(Q_ERR_SIGNATURE, msg, msgsz,
		                _("%s: the signature is not trustee %u's: the file was altered or "
		                  "not made by that trustee (R-4.0)"),
		                rel, i);
	return Q_OK;
}

qerr tsig_read_verified(const rec_election *el, uint32_t i, const uint8_t pk[SIG_PUBLIC_LEN],
                        const char *rel, size_t max, uint8_t **out, size_t *len, char *msg,
                        size_t msgsz)
{
	char path[REC_PATH_MAX];
	qerr e;
	*out = NULL;
	if ((e = rec_path(path, sizeof path, el->dir, "%s", rel)) != Q_OK)
		return e;
	if ((e = rec_read_file(path, max, out, len, msg, msgsz)) != Q_OK)
		return e;
	if ((e = tsig_verify(el, i, pk, rel, *out, *len, msg, msgsz)) != Q_OK) {
		free(*out);
		*out = NULL;
	}
	return e;
}

qerr tsig_read_json(const rec_election *el, uint32_t i, const uint8_t pk[SIG_PUBLIC_LEN],
                    const char *rel, json_t **out, char *msg, size_t msgsz)
{
	uint8_t *b = NULL;
	size_t len;
	json_error_t je;
	qerr e;
	*out = NULL;
	if ((e = tsig_read_verified(el, i, pk, rel, REC_MAX_FILE, &b, &len, msg, msgsz)) != Q_OK)
		return e;
	*out = json_loadb((const char *)b, len, JSON_REJECT_DUPLICATES, &je);
	free(b);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: not a JSON object (line %d: %s)"),
		                rel, je.line, je.text);
	}
	return Q_OK;
}

void tsig_fingerprint(char out[TSIG_FP_TEXT], const uint8_t pk[SIG_PUBLIC_LEN])
{
	sig_fingerprint(out, pk);
}

int tsig_fingerprint_matches(const uint8_t pk[SIG_PUBLIC_LEN], const uint8_t fp[TSIG_FP_LEN])
{
	uint8_t h[SHA256_LEN];
	sha256(h, pk, SIG_PUBLIC_LEN);
	return memcmp(h, fp, TSIG_FP_LEN) == 0;
}

/* "<i> <fingerprint>": spaces inside the fingerprint ignored, any case. */
static qerr parse_line(char *line, uint32_t n, uint32_t *idx, uint8_t fp[TSIG_FP_LEN])
{
	char hx[2 * TSIG_FP_LEN + 1];
	size_t h = 0;
	char *p = line;
	unsigned long v = 0;
	if (!isdigit((unsigned char)*p))
		return Q_ERR_FORMAT;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 255)
			return Q_ERR_FORMAT;
		p++;
	}
	if (v < 1 || v > n || (*p != ' ' && *p != '\t'))
		return Q_ERR_FORMAT;
	for (; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r')
			continue;
		if (!isxdigit((unsigned char)*p) || h == 2 * TSIG_FP_LEN)
			return Q_ERR_FORMAT;
		hx[h++] = *p;
	}
	if (h != 2 * TSIG_FP_LEN)
		return Q_ERR_FORMAT;
	*idx = (uint32_t)v;
	return hex_decode(fp, TSIG_FP_LEN, hx, h);
}

qerr tsig_read_fingerprints(const char *path, uint32_t n, uint8_t (*fps)[TSIG_FP_LEN], char *msg,
                            size_t msgsz)
{
	uint8_t *buf = NULL, *seen = NULL;
	size_t len, lineno = 0;
	char *p, *nl;
	qerr e;
	if ((e = rec_read_file(path, 65536, &buf, &len, msg, msgsz)) != Q_OK)
		return e;
	if ((seen = calloc(n + 1, 1)) == NULL) {
		free(buf);
		return Q_ERR_NOMEM;
	}
	for (p = (char *)buf; p != NULL && *p != '\0'; p = nl) {
		uint32_t idx;
		uint8_t fp[TSIG_FP_LEN];
		char *s = p;
		lineno++;
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '#' || *s == '\r')
			continue;
		if (parse_line(s, n, &idx, fp) != Q_OK) {
			e = rec_fail(
			    Q_ERR_FORMAT, msg, msgsz,
			    _("%s, line %zu: expected \"<trustee 1..%u> <fingerprint of 32 hex "
			      "digits>\""),
			    path, lineno, n);
			goto out;
		}
		if (seen[idx]) {
			e = rec_fail(Q_ERR_FORMAT, msg, msgsz,
			             _("%s, line %zu: trustee %u listed twice"), path, lineno, idx);
			goto out;
		}
		seen[idx] = 1;
		memcpy(fps[idx - 1], fp, TSIG_FP_LEN);
	}
	for (uint32_t i = 1; i <= n; i++)
		if (!seen[i]) {
			e = rec_fail(Q_ERR_FORMAT, msg, msgsz,
			             _("%s: no fingerprint for trustee %u"), path, i);
			goto out;
		}
	e = Q_OK;
out:
	free(seen);
	free(buf);
	return e;
}

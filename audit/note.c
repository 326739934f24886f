/* SPDX-License-Identifier: GPL-3.0-or-later */
/* note.c -- C2SP signed notes, checkpoints, cosignatures (docs/spec/audit.md, A-4..A-6). */
#include "note.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sha256.h"
#include "crypto/util.h"

#include "banned.h"

/* U+2014 EM DASH followed by a space: the start of every signature line. */
static const char sig_prefix[] = "\xe2\x80\x94 ";
#define SIG_PREFIX_LEN 4
static const char skey_prefix[] = "PRIVATE+KEY+";
#define SKEY_PREFIX_LEN 12
/* Longest decoded signature we look at: keyID || timestamp || Ed25519 sig. */
#define SIG_BYTES_MAX (NOTE_KEYID_LEN + 8 + SIG_LEN)
/* Longest base64 signature field we accept at all (unknown algorithms may be longer). */
#define SIG_B64_MAX 4096

int note_name_valid(const char *name, size_t len)
{
	if (len == 0 || len > NOTE_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x21 || c > 0x7e || c == '+')
			return 0;
	}
	return 1;
}

/* eq. (6). */
void note_key_id(uint8_t id[NOTE_KEYID_LEN], const char *name, uint8_t alg,
                 const uint8_t pk[SIG_PUBLIC_LEN])
{
	uint8_t h[SHA256_LEN];
	sha256_ctx *c = sha256_new();
	if (c == NULL)
		qfatal("note_key_id: out of memory");
	const uint8_t sep[2] = {0x0a, alg};
	sha256_update(c, name, strlen(name));
	sha256_update(c, sep, 2);
	sha256_update(c, pk, SIG_PUBLIC_LEN);
	sha256_final(c, h);
	sha256_free(c);
	memcpy(id, h, NOTE_KEYID_LEN);
}

void note_signer_wipe(note_signer *s)
{
	if (s != NULL)
		wipe(s, sizeof *s);
}

qerr note_signer_generate(note_signer *s, const char *name, uint8_t alg)
{
	qerr e;
	memset(s, 0, sizeof *s);
	size_t n = strlen(name);
	if (!note_name_valid(name, n) || (alg != NOTE_ALG_ED25519 && alg != NOTE_ALG_COSIGNATURE)) {
		e = Q_ERR_ARG;
		goto out;
	}
	e = sig_keygen(&s->sk, s->pub.pk);
	if (e != Q_OK)
		goto out;
	memcpy(s->pub.name, name, n + 1);
	s->pub.alg = alg;
	note_key_id(s->pub.id, name, alg, s->pub.pk);
out:
	if (e != Q_OK)
		note_signer_wipe(s);
	return e;
}

/* name "+" hex(id) "+" base64(alg || key32) */
static qerr format_key(char *out, size_t outsz, const char *prefix, const char *name,
                       const uint8_t id[4], uint8_t alg, const uint8_t key[32])
{
	uint8_t raw[33];
	char hex[9], b64[45];
	raw[0] = alg;
	memcpy(raw + 1, key, 32);
	hex_encode(hex, id, 4);
	b64_encode(b64, raw, 33);
	wipe(raw, sizeof raw);
	int n = snprintf(out, outsz, "%s%s+%s+%s", prefix, name, hex, b64);
	wipe(b64, sizeof b64);
	if (n < 0 || (size_t)n >= outsz) {
		if (outsz > 0)
			wipe(out, outsz);
		return Q_ERR_ARG;
	}
	return Q_OK;
}

qerr note_signer_format(const note_signer *s, char *out, size_t outsz)
{
	return format_key(out, outsz, skey_prefix, s->pub.name, s->pub.id, s->pub.alg, s->sk.seed);
}

qerr note_verifier_format(const note_verifier *v, char *out, size_t outsz)
{
	return format_key(out, outsz, "", v->name, v->id, v->alg, v->pk);
}

/* Parse name "+" hex8 "+" base64(alg || key32); strips one trailing '\n'. */
static qerr parse_key(const char *text, size_t len, char name[NOTE_NAME_MAX + 1], uint8_t id[4],
                      uint8_t *alg, uint8_t key[32])
{
	qerr e = Q_ERR_FORMAT;
	uint8_t raw[64];
	size_t rawlen = 0;
	if (len > 0 && text[len - 1] == '\n')
		len--;
	const char *p1 = memchr(text, '+', len);
	if (p1 == NULL)
		goto out;
	size_t nlen = (size_t)(p1 - text);
	if (!note_name_valid(text, nlen))
		goto out;
	const char *rest = p1 + 1;
	size_t rlen = len - nlen - 1;
	if (rlen < 9 || rest[8] != '+')
		goto out;
	if (hex_decode(id, 4, rest, 8) != Q_OK) {
		e = Q_ERR_ENCODING;
		goto out;
	}
	const char *b = rest + 9;
	size_t blen = rlen - 9;
	if (blen != 44 || b64_decode(raw, &rawlen, b, blen) != Q_OK || rawlen != 33) {
		e = Q_ERR_ENCODING;
		goto out;
	}
	if (raw[0] != NOTE_ALG_ED25519 && raw[0] != NOTE_ALG_COSIGNATURE)
		goto out;
	memcpy(name, text, nlen);
	name[nlen] = '\0';
	*alg = raw[0];
	memcpy(key, raw + 1, 32);
	e = Q_OK;
out:
	wipe(raw, sizeof raw);
	return e;
}

qerr note_verifier_parse(note_verifier *v, const char *text, size_t len)
{
	uint8_t id[4];
	memset(v, 0, sizeof *v);
	qerr e = parse_key(text, len, v->name, v->id, &v->alg, v->pk);
	if (e != Q_OK)
		goto out;
	note_key_id(id, v->name, v->alg, v->pk);
	if (memcmp(id, v->id, 4) != 0)
		e = Q_ERR_FORMAT; /* key ID does not match name and key */
out:
	if (e != Q_OK)
		memset(v, 0, sizeof *v);
	return e;
}

qerr note_signer_parse(note_signer *s, const char *text, size_t len)
{
	uint8_t id[4];
	qerr e = Q_ERR_FORMAT;
	memset(s, 0, sizeof *s);
	if (len < SKEY_PREFIX_LEN || memcmp(text, skey_prefix, SKEY_PREFIX_LEN) != 0)
		goto out;
	e = parse_key(text + SKEY_PREFIX_LEN, len - SKEY_PREFIX_LEN, s->pub.name, s->pub.id,
	              &s->pub.alg, s->sk.seed);
	if (e != Q_OK)
		goto out;
	e = sig_public(&s->sk, s->pub.pk);
	if (e != Q_OK)
		goto out;
	note_key_id(id, s->pub.name, s->pub.alg, s->pub.pk);
	if (memcmp(id, s->pub.id, 4) != 0)
		e = Q_ERR_FORMAT;
out:
	if (e != Q_OK)
		note_signer_wipe(s);
	return e;
}

/* well-formed UTF-8, no control characters other than '\n'. */
static int text_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		unsigned c = p[i];
		if (c < 0x80) {
			if ((c < 0x20 && c != '\n') || c == 0x7f)
				return 0;
			i++;
			continue;
		}
		size_t n;
		uint32_t cp;
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (size_t j = 1; j <= n; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + j] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* Split a note at its last blank line: text is note[0:*tlen], signatures
 * note[*tlen+1 : len].  Q_ERR_FORMAT if there is none or it is malformed. */
static qerr note_split(const char *note, size_t len, size_t *tlen)
{
	if (len == 0 || len > NOTE_MAX_LEN || note[len - 1] != '\n' || !text_valid(note, len))
		return Q_ERR_FORMAT;
	for (size_t i = len - 1; i > 0; i--) {
		if (note[i] == '\n' && note[i - 1] == '\n') {
			if (i + 1 >= len)
				return Q_ERR_FORMAT; /* no signature lines */
			*tlen = i;
			return Q_OK;
		}
	}
	return Q_ERR_FORMAT;
}

static qerr sign_line(const note_signer *s, const uint8_t *sigbytes, size_t n, char **line,
                      size_t *linelen)
{
	size_t namelen = strlen(s->pub.name);
	size_t cap = SIG_PREFIX_LEN + namelen + 1 + b64_encoded_len(n) + 2;
	char *l = malloc(cap);
	if (l == NULL)
		return Q_ERR_NOMEM;
	memcpy(l, sig_prefix, SIG_PREFIX_LEN);
	memcpy(l + SIG_PREFIX_LEN, s->pub.name, namelen);
	l[SIG_PREFIX_LEN + namelen] = ' ';
	b64_encode(l + SIG_PREFIX_LEN + namelen + 1, sigbytes, n);
	size_t k = SIG_PREFIX_LEN + namelen + 1 + b64_encoded_len(n);
	l[k++] = '\n';
	l[k] = '\0';
	*line = l;
	*linelen = k;
	return Q_OK;
}

static qerr concat3(const char *a, size_t alen, const char *b, size_t blen, const char *c,
                    size_t clen, char **out, size_t *outlen)
{
	char *o = malloc(alen + blen + clen + 1);
	if (o == NULL)
		return Q_ERR_NOMEM;
	memcpy(o, a, alen);
	memcpy(o + alen, b, blen);
	memcpy(o + alen + blen, c, clen);
	o[alen + blen + clen] = '\0';
	*out = o;
	*outlen = alen + blen + clen;
	return Q_OK;
}

qerr note_sign(const note_signer *s, const char *text, size_t len, char **out, size_t *outlen)
{
	uint8_t sb[NOTE_KEYID_LEN + SIG_LEN];
	char *line = NULL;
	size_t linelen = 0;
	qerr e;
	*out = NULL;
	*outlen = 0;
	if (s->pub.alg != NOTE_ALG_ED25519 || len == 0 || len > NOTE_MAX_LEN ||
	    text[len - 1] != '\n' || !text_valid(text, len)) {
		e = Q_ERR_ARG;
		goto out;
	}
	memcpy(sb, s->pub.id, NOTE_KEYID_LEN);
	e = sig_sign(sb + NOTE_KEYID_LEN, &s->sk, text, len); /* eq. (7) */
	if (e != Q_OK)
		goto out;
	e = sign_line(s, sb, sizeof sb, &line, &linelen);
	if (e != Q_OK)
		goto out;
	e = concat3(text, len, "\n", 1, line, linelen, out, outlen);
out:
	free(line);
	return e;
}

/* A-6, eq. (8): "cosignature/v1\ntime <t>\n" || text. */
static qerr cosig_message(uint64_t t, const char *text, size_t tlen, char **msg, size_t *mlen)
{
	char hdr[64];
	int n = snprintf(hdr, sizeof hdr, "cosignature/v1\ntime %" PRIu64 "\n", t);
	if (n < 0 || (size_t)n >= sizeof hdr)
		return Q_ERR_ARG;
	return concat3(hdr, (size_t)n, text, tlen, "", 0, msg, mlen);
}

qerr note_cosign(const note_signer *s, const char *note, size_t len, uint64_t t, char **out,
                 size_t *outlen)
{
	uint8_t sb[NOTE_KEYID_LEN + 8 + SIG_LEN];
	char *msg = NULL, *line = NULL;
	size_t mlen = 0, linelen = 0, tlen = 0;
	qerr e;
	*out = NULL;
	*outlen = 0;
	if (s->pub.alg != NOTE_ALG_COSIGNATURE) {
		e = Q_ERR_ARG;
		goto out;
	}
	e = note_split(note, len, &tlen);
	if (e != Q_OK)
		goto out;
	e = cosig_message(t, note, tlen, &msg, &mlen);
	if (e != Q_OK)
		goto out;
	memcpy(sb, s->pub.id, NOTE_KEYID_LEN);
	for (int i = 0; i < 8; i++)
		sb[NOTE_KEYID_LEN + i] = (uint8_t)(t >> (56 - 8 * i));
	e = sig_sign(sb + NOTE_KEYID_LEN + 8, &s->sk, msg, mlen);
	if (e != Q_OK)
		goto out;
	e = sign_line(s, sb, sizeof sb, &line, &linelen);
	if (e != Q_OK)
		goto out;
	e = concat3(note, len, line, linelen, "", 0, out, outlen);
out:
	free(msg);
	free(line);
	return e;
}

/* Check one known key's signature bytes (A-4.4 step 4, A-6). */
static qerr verify_one(const note_verifier *k, const char *text, size_t tlen, const uint8_t *sb,
                       size_t n)
{
	if (k->alg == NOTE_ALG_ED25519) {
		if (n != NOTE_KEYID_LEN + SIG_LEN)
			return Q_ERR_SIGNATURE;
		return sig_verify(k->pk, text, tlen, sb + NOTE_KEYID_LEN) == Q_OK ? Q_OK
		                                                                  : Q_ERR_SIGNATURE;
	}
	if (k->alg == NOTE_ALG_COSIGNATURE) {
		if (n != NOTE_KEYID_LEN + 8 + SIG_LEN)
			return Q_ERR_SIGNATURE;
		uint64_t t = 0;
		for (int i = 0; i < 8; i++)
			t = t << 8 | sb[NOTE_KEYID_LEN + i];
		char *msg = NULL;
		size_t mlen = 0;
		qerr e = cosig_message(t, text, tlen, &msg, &mlen);
		if (e != Q_OK)
			return e;
		e = sig_verify(k->pk, msg, mlen, sb + NOTE_KEYID_LEN + 8) == Q_OK ? Q_OK
		                                                                  : Q_ERR_SIGNATURE;
		free(msg);
		return e;
	}
	return Q_ERR_SIGNATURE;
}

qerr note_verify(const char *note, size_t len, const note_verifier *keys, size_t nkeys,
                 size_t *text_len, int *verified)
{
	size_t tlen = 0;
	int *seen = NULL;
	uint8_t *sb = NULL;
	size_t nsigs = 0, ngood = 0;
	qerr e = note_split(note, len, &tlen);
	if (e != Q_OK)
		goto out;
	seen = calloc(nkeys + 1, sizeof *seen);
	sb = malloc(b64_max_decoded_len(SIG_B64_MAX));
	if (seen == NULL || sb == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	size_t p = tlen + 1;
	while (p < len) {
		const char *line = note + p;
		const char *nl = memchr(line, '\n', len - p);
		size_t ll = (size_t)(nl - line); /* note ends with '\n', so nl != NULL */
		p += ll + 1;
		e = Q_ERR_FORMAT;
		if (++nsigs > NOTE_MAX_SIGS)
			goto out;
		if (ll < SIG_PREFIX_LEN || memcmp(line, sig_prefix, SIG_PREFIX_LEN) != 0)
			goto out;
		const char *name = line + SIG_PREFIX_LEN;
		size_t rest = ll - SIG_PREFIX_LEN;
		const char *sp = memchr(name, ' ', rest);
		if (sp == NULL)
			goto out;
		size_t nlen = (size_t)(sp - name);
		const char *b = sp + 1;
		size_t blen = rest - nlen - 1;
		size_t sblen = 0;
		if (!note_name_valid(name, nlen) || blen > SIG_B64_MAX ||
		    b64_decode(sb, &sblen, b, blen) != Q_OK || sblen < NOTE_KEYID_LEN + 1)
			goto out;
		for (size_t i = 0; i < nkeys; i++) {
			const note_verifier *k = &keys[i];
			if (strlen(k->name) != nlen || memcmp(k->name, name, nlen) != 0 ||
			    memcmp(k->id, sb, NOTE_KEYID_LEN) != 0)
				continue;
			if (seen[i])
				goto out; /* a known key signed twice: malformed */
			e = verify_one(k, note, tlen, sb, sblen);
			if (e != Q_OK)
				goto out;
			seen[i] = 1;
			ngood++;
		}
	}
	e = ngood > 0 ? Q_OK : Q_ERR_SIGNATURE;
out:
	if (e == Q_OK) {
		*text_len = tlen;
		if (verified != NULL)
			for (size_t i = 0; i < nkeys; i++)
				verified[i] = seen[i];
	} else {
		*text_len = 0;
		if (verified != NULL)
			for (size_t i = 0; i < nkeys; i++)
				verified[i] = 0;
	}
	free(seen);
	free(sb);
	return e;
}

qerr checkpoint_format(const checkpoint *c, char *out, size_t outsz, size_t *len)
{
	char b64[45];
	*len = 0;
	if (!note_name_valid(c->origin, strlen(c->origin)))
		return Q_ERR_ARG;
	b64_encode(b64, c->root, MERKLE_HASH_LEN);
	int n = snprintf(out, outsz, "%s\n%" PRIu64 "\n%s\n", c->origin, c->size, b64);
	if (n < 0 || (size_t)n >= outsz)
		return Q_ERR_ARG;
	*len = (size_t)n;
	return Q_OK;
}

qerr checkpoint_parse(checkpoint *c, const char *text, size_t len)
{
	size_t rootlen = 0;
	uint8_t root[MERKLE_HASH_LEN + 3];
	memset(c, 0, sizeof *c);
	if (len == 0 || text[len - 1] != '\n' || !text_valid(text, len))
		goto bad;
	const char *l[3];
	size_t ll[3], p = 0;
	for (int i = 0; i < 3; i++) {
		if (p >= len)
			goto bad;
		const char *nl = memchr(text + p, '\n', len - p);
		l[i] = text + p;
		ll[i] = (size_t)(nl - (text + p));
		p += ll[i] + 1;
	}
	/* origin; size without sign or leading zeros; root. */
	if (!note_name_valid(l[0], ll[0]))
		goto bad;
	if (ll[1] == 0 || ll[1] > 20 || (ll[1] > 1 && l[1][0] == '0'))
		goto bad;
	uint64_t size = 0;
	for (size_t i = 0; i < ll[1]; i++) {
		if (l[1][i] < '0' || l[1][i] > '9')
			goto bad;
		uint64_t d = (uint64_t)(l[1][i] - '0');
		if (size > (UINT64_MAX - d) / 10)
			goto bad;
		size = size * 10 + d;
	}
	if (ll[2] != 44 || b64_decode(root, &rootlen, l[2], ll[2]) != Q_OK ||
	    rootlen != MERKLE_HASH_LEN)
		goto bad;
	/* Extension lines: each non-empty. */
	while (p < len) {
		const char *nl = memchr(text + p, '\n', len - p);
		size_t el = (size_t)(nl - (text + p));
		if (el == 0)
			goto bad;
		c->has_extensions = 1;
		p += el + 1;
	}
	memcpy(c->origin, l[0], ll[0]);
	c->origin[ll[0]] = '\0';
	c->size = size;
	memcpy(c->root, root, MERKLE_HASH_LEN);
	return Q_OK;
bad:
	memset(c, 0, sizeof *c);
	return Q_ERR_FORMAT;
}

qerr checkpoint_open(checkpoint *c, const char *note, size_t len, const note_verifier *log_key)
{
	size_t tlen = 0;
	memset(c, 0, sizeof *c);
	if (log_key->alg != NOTE_ALG_ED25519)
		return Q_ERR_ARG;
	qerr e = note_verify(note, len, log_key, 1, &tlen, NULL);
	if (e != Q_OK)
		return e;
	e = checkpoint_parse(c, note, tlen);
	if (e != Q_OK)
		return e;
	if (strcmp(c->origin, log_key->name) != 0) {
		memset(c, 0, sizeof *c);
		return Q_ERR_FORMAT; /* origin must be the log key's name */
	}
	return Q_OK;
}

static const char proof_magic[] = "c2sp.org/tlog-proof@v1\n";

qerr tlog_proof_format(uint64_t index, const merkle_hash *hashes, size_t n, const char *note,
                       size_t note_len, char **out, size_t *outlen)
{
	*out = NULL;
	*outlen = 0;
	if (n > MERKLE_MAX_PROOF)
		return Q_ERR_ARG;
	size_t cap = sizeof proof_magic + 32 + n * 45 + 1 + note_len + 1;
	char *o = malloc(cap);
	if (o == NULL)
		return Q_ERR_NOMEM;
	int k = snprintf(o, cap, "%sindex %" PRIu64 "\n", proof_magic, index);
	size_t p = (size_t)k;
	for (size_t i = 0; i < n; i++) {
		b64_encode(o + p, hashes[i], MERKLE_HASH_LEN);
		p += 44;
		o[p++] = '\n';
	}
	o[p++] = '\n';
	memcpy(o + p, note, note_len);
	p += note_len;
	o[p] = '\0';
	*out = o;
	*outlen = p;
	return Q_OK;
}

/* Next line of text[*pos..len) without its '\n'; 0 if there is no complete line. */
static int next_line(const char *text, size_t len, size_t *pos, const char **line, size_t *ll)
{
	if (*pos >= len)
		return 0;
	const char *nl = memchr(text + *pos, '\n', len - *pos);
	if (nl == NULL)
		return 0;
	*line = text + *pos;
	*ll = (size_t)(nl - *line);
	*pos += *ll + 1;
	return 1;
}

static int parse_hash_line(const char *line, size_t ll, merkle_hash out)
{
	uint8_t tmp[MERKLE_HASH_LEN + 3];
	size_t n = 0;
	if (ll != 44 || b64_decode(tmp, &n, line, ll) != Q_OK || n != MERKLE_HASH_LEN)
		return 0;
	memcpy(out, tmp, MERKLE_HASH_LEN);
	return 1;
}

qerr merkle_hashes_parse(const char *text, size_t len, merkle_hash *out, size_t *n)
{
	size_t pos = 0, ll = 0;
	const char *line;
	*n = 0;
	while (pos < len) {
		if (!next_line(text, len, &pos, &line, &ll) || *n >= MERKLE_MAX_PROOF ||
		    !parse_hash_line(line, ll, out[*n]))
			goto bad;
		(*n)++;
	}
	return Q_OK;
bad:
	*n = 0;
	return Q_ERR_FORMAT;
}

qerr tlog_proof_parse(tlog_proof *p, const char *text, size_t len)
{
	size_t pos = 0, ll = 0;
	const char *line;
	memset(p, 0, sizeof *p);
	size_t ml = sizeof proof_magic - 1;
	if (len < ml || memcmp(text, proof_magic, ml) != 0)
		goto bad;
	pos = ml;
	if (!next_line(text, len, &pos, &line, &ll))
		goto bad;
	if (ll >= 6 && memcmp(line, "extra ", 6) == 0) {
		size_t bl = ll - 6, dl = 0;
		uint8_t *tmp = malloc(b64_max_decoded_len(bl) + 1);
		if (tmp == NULL)
			return Q_ERR_NOMEM;
		qerr e = b64_decode(tmp, &dl, line + 6, bl);
		free(tmp);
		if (e != Q_OK || !next_line(text, len, &pos, &line, &ll))
			goto bad;
	}
	if (ll < 7 || ll > 26 || memcmp(line, "index ", 6) != 0 || (ll > 7 && line[6] == '0'))
		goto bad;
	for (size_t i = 6; i < ll; i++) {
		uint64_t d = (uint64_t)(line[i] - '0');
		if (line[i] < '0' || line[i] > '9' || p->index > (UINT64_MAX - d) / 10)
			goto bad;
		p->index = p->index * 10 + d;
	}
	for (;;) {
		if (!next_line(text, len, &pos, &line, &ll))
			goto bad;
		if (ll == 0)
			break;
		if (p->nhashes >= MERKLE_MAX_PROOF ||
		    !parse_hash_line(line, ll, p->hashes[p->nhashes]))
			goto bad;
		p->nhashes++;
	}
	if (pos >= len)
		goto bad;
	p->note = text + pos;
	p->note_len = len - pos;
	return Q_OK;
bad:
	memset(p, 0, sizeof *p);
	return Q_ERR_FORMAT;
}

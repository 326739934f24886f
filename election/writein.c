/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * writein.c -- the normal form of a written name (writein.h, B-10.9).
 */
#include "writein.h"

#include <string.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "crypto/transcript.h"
#include "election/ballot.h"
#include "crypto/util.h"

#include "banned.h"

/* UTF-16 units: at most one per input byte. */
#define U16_CAP (WRITEIN_INPUT_MAX + 1)

qerr writein_normalise(const char *in, size_t len, char *out, size_t cap, size_t *outlen)
{
	UChar src[U16_CAP], nfc[4 * U16_CAP];
	int32_t n = 0, m = 0, a, b, o = 0;
	UErrorCode ue = U_ZERO_ERROR;
	qerr e = Q_ERR_ENCODING;
	*outlen = 0;
	if (in == NULL || out == NULL || cap < WRITEIN_NAME_MAX + 1)
		return Q_ERR_ARG;
	out[0] = '\0';
	if (len > WRITEIN_INPUT_MAX)
		return Q_ERR_RANGE;
	/* strict UTF-8 (ill-formed input is U_INVALID_CHAR_FOUND) */
	u_strFromUTF8(src, U16_CAP, &n, in, (int32_t)len, &ue);
	if (U_FAILURE(ue))
		goto out;
	const UNormalizer2 *nf = unorm2_getNFCInstance(&ue);
	if (U_FAILURE(ue)) {
		e = Q_ERR_CRYPTO;
		goto out;
	}
	m = unorm2_normalize(nf, src, n, nfc, (int32_t)(sizeof nfc / sizeof nfc[0]), &ue);
	if (U_FAILURE(ue)) {
		e = ue == U_BUFFER_OVERFLOW_ERROR ? Q_ERR_RANGE : Q_ERR_CRYPTO;
		goto out;
	}
	/* width folding: full-width ASCII forms and the ideographic space */
	for (int32_t i = 0; i < m; i++) {
		if (nfc[i] >= 0xFF01 && nfc[i] <= 0xFF5E)
			nfc[i] = (UChar)(nfc[i] - 0xFEE0);
		else if (nfc[i] == 0x3000)
			nfc[i] = 0x0020;
	}
	/* trim White_Space (every such character is one UTF-16 unit) */
	for (a = 0; a < m && u_isUWhiteSpace(nfc[a]); a++)
		;
	for (b = m; b > a && u_isUWhiteSpace(nfc[b - 1]); b--)
		;
	/* no control character (C0, C1, DEL) is left inside a name */
	for (int32_t i = a; i < b; i++)
		if (nfc[i] == 0 || u_iscntrl(nfc[i]))
			goto out;
	ue = U_ZERO_ERROR;
	u_strToUTF8(out, (int32_t)cap, &o, nfc + a, b - a, &ue);
	if (ue == U_BUFFER_OVERFLOW_ERROR || ue == U_STRING_NOT_TERMINATED_WARNING ||
	    (size_t)o > WRITEIN_NAME_MAX) {
		e = Q_ERR_RANGE;
		goto out;
	}
	if (U_FAILURE(ue))
		goto out;
	out[o] = '\0';
	*outlen = (size_t)o;
	e = Q_OK;
out:
	if (e != Q_OK) {
		wipe(out, cap);
		out[0] = '\0';
	}
	wipe(src, sizeof src);
	wipe(nfc, sizeof nfc);
	return e;
}

void writein_mix_ctx(uint8_t ctx[SHUFFLE_CTX_LEN], const uint8_t base_hash[BALLOT_HASH_LEN],
                     uint32_t contest, uint32_t mixer)
{
	/* B-10.8 */
	transcript t;
	if (transcript_init(&t, WRITEIN_TAG_MIX) != Q_OK)
		qfatal("writein_mix_ctx: out of memory");
	transcript_bytes(&t, base_hash, BALLOT_HASH_LEN);
	transcript_u32(&t, contest);
	transcript_u32(&t, mixer);
	transcript_digest(&t, ctx);
}

size_t writein_tuple_width(const ballot_style *st, size_t contest)
{
	if (st == NULL || contest >= st->ncontests)
		return 0;
	return (1 + NAMEPT_WIDTH) * (size_t)st->contests[contest].nwritein;
}

qerr writein_mix_input(const ballot_style *st, size_t contest, const ballot *const *bs, size_t n,
                       elgamal_ct *const *out)
{
	size_t w = writein_tuple_width(st, contest);
	qerr e;
	if (w == 0 || (bs == NULL && n > 0) || (out == NULL && n > 0))
		return Q_ERR_ARG;
	const ballot_contest_style *cs = &st->contests[contest];
	for (size_t b = 0; b < n; b++) {
		if (bs[b] == NULL || bs[b]->ncontests != st->ncontests)
			return Q_ERR_ARG;
		const ballot_contest *c = &bs[b]->contests[contest];
		if (c->nsel != cs->noptions || c->nwritein != cs->nwritein)
			return Q_ERR_ARG;
		for (size_t s = 0, k = 0; s < cs->nwritein; s++) {
			const elgamal_ct *mark = c->sel[cs->noptions - cs->nwritein + s].ct;
			if ((e = elgamal_ct_copy(out[b * w + k++], mark)) != Q_OK)
				return e;
			for (size_t q = 0; q < NAMEPT_WIDTH; q++)
				if ((e = elgamal_ct_copy(out[b * w + k++], c->wi[s].ct[q])) != Q_OK)
					return e;
		}
	}
	return Q_OK;
}

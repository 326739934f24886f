/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * transcript.c -- Fiat-Shamir transcript hash (docs/spec/crypto.md C-2).
 */
#include "transcript.h"

#include <string.h>

#include "util.h"

#include "banned.h"

static void put_u32(uint8_t b[4], uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

qerr transcript_init(transcript *t, const char *tag)
{
	if (t == NULL)
		return Q_ERR_ARG;
	t->h = NULL;
	if (tag == NULL)
		return Q_ERR_ARG;
	t->h = sha256_new();
	if (t->h == NULL)
		return Q_ERR_NOMEM;
	/* C-2.1: the tag is the first field. */
	transcript_bytes(t, tag, strlen(tag));
	return Q_OK;
}

void transcript_bytes(transcript *t, const void *data, size_t len)
{
	uint8_t l[4];
	if (t->h == NULL)
		qfatal("transcript: use after finish");
	if (len > UINT32_MAX)
		qfatal("transcript: field too long");
	put_u32(l, (uint32_t)len);
	sha256_update(t->h, l, 4);
	sha256_update(t->h, data, len);
}

void transcript_u32(transcript *t, uint32_t v)
{
	uint8_t b[4];
	put_u32(b, v);
	transcript_bytes(t, b, 4);
}

void transcript_u64(transcript *t, uint64_t v)
{
	uint8_t b[8];
	put_u32(b, (uint32_t)(v >> 32));
	put_u32(b + 4, (uint32_t)v);
	transcript_bytes(t, b, 8);
}

void transcript_scalar(transcript *t, const scalar *s)
{
	uint8_t b[SCALAR_LEN];
	scalar_encode(b, s);
	transcript_bytes(t, b, SCALAR_LEN);
}

void transcript_point(transcript *t, const point *p)
{
	uint8_t b[POINT_LEN];
	qerr e;
	if (point_is_infinity(p)) {
		b[0] = 0x00;
		transcript_bytes(t, b, 1);
		return;
	}
	e = point_encode(b, p);
	if (e != Q_OK)
		qfatal("transcript_point: %s", qerr_str(e));
	transcript_bytes(t, b, POINT_LEN);
}

void transcript_digest(transcript *t, uint8_t out[SHA256_LEN])
{
	if (t->h == NULL)
		qfatal("transcript: use after finish");
	sha256_final(t->h, out);
	transcript_free(t);
}

qerr transcript_challenge(transcript *t, scalar *c)
{
	uint8_t d[SHA256_LEN];
	transcript_digest(t, d);
	return scalar_from_hash(c, d);
}

void transcript_free(transcript *t)
{
	if (t == NULL)
		return;
	sha256_free(t->h);
	t->h = NULL;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * transcript.h -- the Fiat-Shamir transcript hash (docs/spec/crypto.md C-2).
 *
 * A transcript is SHA-256 over a sequence of fields, each written as a
 * 4-byte big-endian length followed by that many bytes.  The first field
 * is the domain tag (ASCII, e.g. "quorum/v1/proof/schnorr"; every tag is
 * listed in C-2.3).  Fixed-size values are fields too:
 *   transcript_u32    -> field of 4 bytes (big-endian)
 *   transcript_u64    -> field of 8 bytes (big-endian)
 *   transcript_scalar -> field of 32 bytes (C-1.2 scalar encoding)
 *   transcript_point  -> field of 65 bytes (C-1.2 point encoding), or the
 *                        1-byte field 0x00 for the point at infinity
 * The challenge is the 32-byte digest read big-endian, reduced mod n.
 *
 * Everything hashed is public: nothing here is constant time.
 * Usage:
 *     transcript t;
 *     if ((e = transcript_init(&t, TAG)) != Q_OK) ...
 *     transcript_bytes(&t, ctx_hash, 32); transcript_point(&t, K); ...
 *     e = transcript_challenge(&t, c);   // also frees t's resources
 * transcript_free must be called on paths that do not reach
 * transcript_challenge / transcript_digest (it is safe to call twice).
 */
#ifndef QUORUM_TRANSCRIPT_H
#define QUORUM_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "group.h"
#include "qerr.h"
#include "sha256.h"

/* Domain tags (C-2.3). */
#define TAG_SCHNORR "quorum/v1/proof/schnorr"
#define TAG_CHAUM_PEDERSEN "quorum/v1/proof/chaum-pedersen"
#define TAG_RANGE "quorum/v1/proof/range"

typedef struct transcript {
	sha256_ctx *h; /* NULL once finished or freed */
} transcript;

/* Start a transcript with the domain tag as its first field.
 * Q_ERR_NOMEM if memory ran out (t->h is then NULL); Q_ERR_ARG if tag is
 * NULL. */
Q_MUST_CHECK qerr transcript_init(transcript *t, const char *tag);
/* Append one field (len < 2^32; a longer field is a programming error). */
void transcript_bytes(transcript *t, const void *data, size_t len);
void transcript_u32(transcript *t, uint32_t v);
void transcript_u64(transcript *t, uint64_t v);
void transcript_scalar(transcript *t, const scalar *s);
void transcript_point(transcript *t, const point *p);
/* Finish: out = the SHA-256 digest.  Frees t's resources. */
void transcript_digest(transcript *t, uint8_t out[SHA256_LEN]);
/* Finish: c = digest mod n.  Frees t's resources.  Q_ERR_NOMEM/CRYPTO only
 * if BIGNUM fails. */
Q_MUST_CHECK qerr transcript_challenge(transcript *t, scalar *c);
/* Release without finishing.  Safe on a finished or zeroed transcript. */
void transcript_free(transcript *t);

#endif

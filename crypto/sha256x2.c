/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sha256x2.c -- two SHA-256 digests at once (sha256x2.h): FIPS 180-4's
 * compression on the x86 SHA extensions, two messages' rounds interleaved.
 *
 * The state is kept as the instructions want it: one register holds
 * words a, b, e, f and the other c, d, g, h.  SHA256RNDS2 makes two rounds
 * from the state and two words of W + K; SHA256MSG1 and SHA256MSG2 make
 * the next four words of the message schedule from the sixteen before.
 */
#include "sha256x2.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_SHANI_BUILD 1
#endif

#include "util.h"

#include "banned.h"

int sha256_x2_no_simd;

/* sha256_msg read as a sequence of 64-byte blocks, padding included
 * (FIPS 180-4 5.1.1): next_block returns the next one, in place in the
 * body when it lies whole there, else assembled in buf. */
typedef struct blocks {
	const sha256_msg *m;
	uint64_t total; /* message bytes */
	uint64_t pos; /* message bytes consumed */
	int done; /* the padding's last block was returned */
	uint8_t buf[64];
} blocks;

static void blocks_init(blocks *b, const sha256_msg *m)
{
	b->m = m;
	b->total = (uint64_t)m->prelen + m->len;
	b->pos = 0;
	b->done = 0;
}

/* Byte k (< total) of the message. */
static uint8_t msg_byte(const sha256_msg *m, uint64_t k)
{
	return k < m->prelen ? m->pre[k] : m->body[k - m->prelen];
}

static const uint8_t *next_block(blocks *b)
{
	const sha256_msg *m = b->m;
	if (b->done)
		return NULL;
	if (b->pos + 64 <= b->total) {
		const uint8_t *p = NULL;
		if (b->pos >= m->prelen)
			p = m->body + (b->pos - m->prelen);
		else
			for (size_t k = 0; k < 64; k++)
				b->buf[k] = msg_byte(m, b->pos + k);
		b->pos += 64;
		return p != NULL ? p : b->buf;
	}
	/* the last bytes, 0x80, zeros, the length in bits: one or two blocks */
	size_t r = (size_t)(b->total - b->pos), k = 0;
	if (b->pos <= b->total) {
		for (; k < r; k++)
			b->buf[k] = msg_byte(m, b->pos + k);
		b->buf[k++] = 0x80;
		b->pos = b->total + 1; /* the 0x80 is placed */
	}
	memset(b->buf + k, 0, 64 - k);
	if (k <= 56) {
		uint64_t bits = b->total * 8;
		for (int q = 0; q < 8; q++)
			b->buf[63 - q] = (uint8_t)(bits >> (8 * q));
		b->done = 1;
	}
	return b->buf;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The portable path: each message through sha256.h in turn. */
static void one(uint8_t out[SHA256_LEN], const sha256_msg *m)
{
	sha256_ctx *c;
	if (m->prelen == 0) {
		sha256(out, m->body, m->len);
		return;
	}
	if ((c = sha256_new()) == NULL)
		qfatal("sha256_x2: out of memory");
	sha256_update(c, m->pre, m->prelen);
	sha256_update(c, m->body, m->len);
	sha256_final(c, out);
	sha256_free(c);
}

#ifdef HAVE_SHANI_BUILD

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static const uint32_t IV256[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

typedef struct shani_state {
	__m128i abef, cdgh;
} shani_state;

#define SHANI_TARGET __attribute__((target("sha,sse4.1,ssse3")))

SHANI_TARGET static void shani_init(shani_state *s)
{
	__m128i t = _mm_loadu_si128((const __m128i *)IV256); /* a b c d */
	__m128i u = _mm_loadu_si128((const __m128i *)(IV256 + 4)); /* e f g h */
	t = _mm_shuffle_epi32(t, 0xB1); /* b a d c */
	u = _mm_shuffle_epi32(u, 0x1B); /* h g f e */
	s->abef = _mm_alignr_epi8(t, u, 8);
	s->cdgh = _mm_blend_epi16(u, t, 0xF0);
}

SHANI_TARGET static void shani_out(uint8_t out[SHA256_LEN], const shani_state *s)
{
	__m128i t = _mm_shuffle_epi32(s->abef, 0x1B); /* f e b a */
	__m128i u = _mm_shuffle_epi32(s->cdgh, 0xB1); /* g h c d */
	uint32_t h[8];
	_mm_storeu_si128((__m128i *)h, _mm_blend_epi16(t, u, 0xF0)); /* a b c d */
	_mm_storeu_si128((__m128i *)(h + 4), _mm_alignr_epi8(u, t, 8)); /* e f g h */
	for (int q = 0; q < 8; q++)
		put_be32(out + 4 * q, h[q]);
}

/* n (1 or 2) compressions, s[j] by block blk[j], their rounds interleaved.
 * w[j][r % 4] holds words 4r .. 4r+3 of block j's schedule. */
SHANI_TARGET __attribute__((always_inline)) static inline void
shani_compress(shani_state *s, const uint8_t *const *blk, int n)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i w[2][4], a0[2], c0[2];
	for (int j = 0; j < n; j++) {
		a0[j] = s[j].abef;
		c0[j] = s[j].cdgh;
		for (int q = 0; q < 4; q++)
			w[j][q] = _mm_shuffle_epi8(
			    _mm_loadu_si128((const __m128i *)(blk[j] + 16 * q)), bswap);
	}
#pragma GCC unroll 16
	for (int r = 0; r < 16; r++) {
		__m128i k = _mm_loadu_si128((const __m128i *)(K256 + 4 * r));
#pragma GCC unroll 2
		for (int j = 0; j < n; j++) {
			__m128i m;
			if (r >= 4) { /* W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16] */
				__m128i x = _mm_sha256msg1_epu32(w[j][r & 3], w[j][(r + 1) & 3]);
				x = _mm_add_epi32(
				    x, _mm_alignr_epi8(w[j][(r + 3) & 3], w[j][(r + 2) & 3], 4));
				w[j][r & 3] = _mm_sha256msg2_epu32(x, w[j][(r + 3) & 3]);
			}
			m = _mm_add_epi32(w[j][r & 3], k);
			s[j].cdgh = _mm_sha256rnds2_epu32(s[j].cdgh, s[j].abef, m);
			m = _mm_shuffle_epi32(m, 0x0E);
			s[j].abef = _mm_sha256rnds2_epu32(s[j].abef, s[j].cdgh, m);
		}
	}
	for (int j = 0; j < n; j++) {
		s[j].abef = _mm_add_epi32(s[j].abef, a0[j]);
		s[j].cdgh = _mm_add_epi32(s[j].cdgh, c0[j]);
	}
}

SHANI_TARGET static void shani_compress1(shani_state *s, const uint8_t *b)
{
	const uint8_t *blk[1] = {b};
	shani_compress(s, blk, 1);
}

SHANI_TARGET static void shani_compress2(shani_state *s, const uint8_t *b1, const uint8_t *b2)
{
	const uint8_t *blk[2] = {b1, b2};
	shani_compress(s, blk, 2);
}

static void shani_x2(uint8_t out1[SHA256_LEN], const sha256_msg *m1, uint8_t out2[SHA256_LEN],
                     const sha256_msg *m2)
{
	shani_state s[2];
	blocks b[2];
	const uint8_t *p1, *p2;
	shani_init(&s[0]);
	shani_init(&s[1]);
	blocks_init(&b[0], m1);
	blocks_init(&b[1], m2);
	p1 = next_block(&b[0]);
	p2 = next_block(&b[1]);
	while (p1 != NULL && p2 != NULL) {
		shani_compress2(s, p1, p2);
		p1 = next_block(&b[0]);
		p2 = next_block(&b[1]);
	}
	for (; p1 != NULL; p1 = next_block(&b[0]))
		shani_compress1(&s[0], p1);
	for (; p2 != NULL; p2 = next_block(&b[1]))
		shani_compress1(&s[1], p2);
	shani_out(out1, &s[0]);
	shani_out(out2, &s[1]);
}

static int have_shani(void)
{
	static int have = -1;
	if (have < 0) {
		__builtin_cpu_init();
		have = __builtin_cpu_supports("sha") && __builtin_cpu_supports("sse4.1") &&
		       __builtin_cpu_supports("ssse3");
	}
	return have;
}
#endif

void sha256_x2(uint8_t out1[SHA256_LEN], const sha256_msg *m1, uint8_t out2[SHA256_LEN],
               const sha256_msg *m2)
{
#ifdef HAVE_SHANI_BUILD
	if (!sha256_x2_no_simd && have_shani()) {
		shani_x2(out1, m1, out2, m2);
		return;
	}
#endif
	one(out1, m1);
	one(out2, m2);
}

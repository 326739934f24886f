/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "util.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

void wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		OPENSSL_cleanse(p, len);
}

int ct_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

void qfatal(const char *fmt, ...)
{
	va_list ap;
	fputs("quorum: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

qerr rand_bytes(void *buf, size_t len)
{
	if (len == 0)
		return Q_OK;
	if (len > (size_t)0x7fffffff)
		return Q_ERR_ARG;
	return RAND_bytes(buf, (int)len) == 1 ? Q_OK : Q_ERR_CRYPTO;
}

static const char hexdig[] = "0123456789abcdef";

void hex_encode(char *out, const uint8_t *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hexdig[in[i] >> 4];
		out[2 * i + 1] = hexdig[in[i] & 15];
	}
	out[2 * len] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

qerr hex_decode(uint8_t *out, size_t outlen, const char *hex, size_t hexlen)
{
	if (hexlen != 2 * outlen)
		goto bad;
	for (size_t i = 0; i < outlen; i++) {
		int h = hexval(hex[2 * i]), l = hexval(hex[2 * i + 1]);
		if (h < 0 || l < 0)
			goto bad;
		out[i] = (uint8_t)(h << 4 | l);
	}
	return Q_OK;
bad:
	if (outlen > 0)
		memset(out, 0, outlen);
	return Q_ERR_ENCODING;
}

static const char b64dig[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t b64_encoded_len(size_t len)
{
	return (len + 2) / 3 * 4;
}

size_t b64_max_decoded_len(size_t b64len)
{
	return b64len / 4 * 3;
}

void b64_encode(char *out, const uint8_t *in, size_t len)
{
	size_t o = 0, i = 0;
	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64dig[v >> 18];
		out[o++] = b64dig[(v >> 12) & 63];
		out[o++] = b64dig[(v >> 6) & 63];
		out[o++] = b64dig[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = b64dig[v >> 18];
		out[o++] = b64dig[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64dig[v >> 18];
		out[o++] = b64dig[(v >> 12) & 63];
		out[o++] = b64dig[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
}

/* RFC 4648 section 4: each byte's 6-bit value, 0x80 if it is not one of
 * the 64 digits ('=' included: b64_decode handles padding itself). */
static const uint8_t b64tab[256] = {
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x3e, 0x80, 0x80, 0x80, 0x3f,
    0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
    0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
};

qerr b64_decode(uint8_t *out, size_t *outlen, const char *in, size_t inlen)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0, full;
	*outlen = 0;
	if (inlen % 4 != 0)
		return Q_ERR_ENCODING;
	if (inlen == 0)
		return Q_OK;
	/* every quad but the last: four digits, no padding */
	full = inlen - 4;
	for (size_t i = 0; i < full; i += 4) {
		uint32_t a = b64tab[p[i]], b = b64tab[p[i + 1]], c = b64tab[p[i + 2]],
		         d = b64tab[p[i + 3]];
		if ((a | b | c | d) & 0x80)
			return Q_ERR_ENCODING;
		uint32_t w = a << 18 | b << 12 | c << 6 | d;
		out[o] = (uint8_t)(w >> 16);
		out[o + 1] = (uint8_t)(w >> 8);
		out[o + 2] = (uint8_t)w;
		o += 3;
	}
	/* the last: "xxxx", "xxx=" or "xx==", the unused bits zero (canonical) */
	const unsigned char *q = p + full;
	uint32_t a = b64tab[q[0]], b = b64tab[q[1]], c = b64tab[q[2]], d = b64tab[q[3]];
	int pad = q[3] != '=' ? 0 : q[2] != '=' ? 1 : 2;
	if (pad == 2)
		c = d = 0;
	else if (pad == 1)
		d = 0;
	if ((a | b | c | d) & 0x80)
		return Q_ERR_ENCODING; /* a non-digit, or '=' before the padding */
	uint32_t w = a << 18 | b << 12 | c << 6 | d;
	if ((pad == 2 && (w & 0xffff) != 0) || (pad == 1 && (w & 0xff) != 0))
		return Q_ERR_ENCODING; /* non-canonical unused bits */
	out[o++] = (uint8_t)(w >> 16);
	if (pad < 2)
		out[o++] = (uint8_t)(w >> 8);
	if (pad < 1)
		out[o++] = (uint8_t)w;
	*outlen = o;
	return Q_OK;
}

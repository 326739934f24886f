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

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

qerr b64_decode(uint8_t *out, size_t *outlen, const char *in, size_t inlen)
{
	size_t o = 0;
	*outlen = 0;
	if (inlen % 4 != 0)
		return Q_ERR_ENCODING;
	for (size_t i = 0; i < inlen; i += 4) {
		int v[4];
		int pad = 0;
		for (int j = 0; j < 4; j++) {
			char c = in[i + j];
			if (c == '=' && i + 4 == inlen && j >= 2) {
				v[j] = 0;
				pad++;
			} else {
				if (pad > 0)
					return Q_ERR_ENCODING; /* data after '=' */
				v[j] = b64val(c);
				if (v[j] < 0)
					return Q_ERR_ENCODING;
			}
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
		             (uint32_t)v[3];
		if (pad == 2 && (w & 0xffff) != 0)
			return Q_ERR_ENCODING; /* non-canonical unused bits */
		if (pad == 1 && (w & 0xff) != 0)
			return Q_ERR_ENCODING;
		out[o++] = (uint8_t)(w >> 16);
		if (pad < 2)
			out[o++] = (uint8_t)(w >> 8);
		if (pad < 1)
			out[o++] = (uint8_t)w;
	}
	*outlen = o;
	return Q_OK;
}

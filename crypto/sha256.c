/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sha256.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>

#include "util.h"

#include "banned.h"

struct sha256_ctx {
	EVP_MD_CTX *md;
};

static EVP_MD *g_sha256;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void fetch_md(void)
{
	g_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *md(void)
{
	pthread_once(&g_once, fetch_md);
	if (g_sha256 == NULL)
		qfatal("OpenSSL: cannot fetch SHA256");
	return g_sha256;
}

void sha256(uint8_t out[SHA256_LEN], const void *data, size_t len)
{
	unsigned int olen = 0;
	if (EVP_Digest(data, len, out, &olen, md(), NULL) != 1 || olen != SHA256_LEN)
		qfatal("OpenSSL: SHA256 failed");
}

sha256_ctx *sha256_new(void)
{
	sha256_ctx *c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	c->md = EVP_MD_CTX_new();
	if (c->md == NULL) {
		free(c);
		return NULL;
	}
	sha256_reset(c);
	return c;
}

void sha256_reset(sha256_ctx *c)
{
	if (EVP_DigestInit_ex(c->md, md(), NULL) != 1)
		qfatal("OpenSSL: SHA256 init failed");
}

void sha256_update(sha256_ctx *c, const void *data, size_t len)
{
	if (len > 0 && EVP_DigestUpdate(c->md, data, len) != 1)
		qfatal("OpenSSL: SHA256 update failed");
}

void sha256_final(sha256_ctx *c, uint8_t out[SHA256_LEN])
{
	unsigned int olen = 0;
	if (EVP_DigestFinal_ex(c->md, out, &olen) != 1 || olen != SHA256_LEN)
		qfatal("OpenSSL: SHA256 final failed");
}

void sha256_free(sha256_ctx *c)
{
	if (c == NULL)
		return;
	EVP_MD_CTX_free(c->md);
	free(c);
}

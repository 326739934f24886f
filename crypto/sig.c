/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sig.h"

#include <openssl/evp.h>
#include <string.h>

#include "sha256.h"
#include "util.h"

#include "banned.h"

void sig_secret_wipe(sig_secret *sk)
{
	if (sk != NULL)
		wipe(sk, sizeof *sk);
}

qerr sig_public(const sig_secret *sk, uint8_t pk[SIG_PUBLIC_LEN])
{
	EVP_PKEY *k =
	    EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk->seed, SIG_SECRET_LEN);
	size_t len = SIG_PUBLIC_LEN;
	qerr rc = Q_ERR_CRYPTO;
	if (k == NULL)
		return Q_ERR_CRYPTO;
	if (EVP_PKEY_get_raw_public_key(k, pk, &len) == 1 && len == SIG_PUBLIC_LEN)
		rc = Q_OK;
	EVP_PKEY_free(k);
	return rc;
}

qerr sig_keygen(sig_secret *sk, uint8_t pk[SIG_PUBLIC_LEN])
{
	qerr rc = rand_bytes(sk->seed, SIG_SECRET_LEN);
	if (rc == Q_OK)
		rc = sig_public(sk, pk);
	if (rc != Q_OK)
		sig_secret_wipe(sk);
	return rc;
}

qerr sig_sign(uint8_t sig[SIG_LEN], const sig_secret *sk, const void *msg, size_t len)
{
	EVP_PKEY *k =
	    EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk->seed, SIG_SECRET_LEN);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t slen = SIG_LEN;
	qerr rc = Q_ERR_CRYPTO;
	if (k == NULL || ctx == NULL)
		goto out;
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) != 1)
		goto out;
	if (EVP_DigestSign(ctx, sig, &slen, msg, len) != 1 || slen != SIG_LEN)
		goto out;
	rc = Q_OK;
out:
	if (rc != Q_OK)
		memset(sig, 0, SIG_LEN);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return rc;
}

qerr sig_verify(const uint8_t pk[SIG_PUBLIC_LEN], const void *msg, size_t len,
                const uint8_t sig[SIG_LEN])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk, SIG_PUBLIC_LEN);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	qerr rc = Q_ERR_SIGNATURE;
	if (k == NULL || ctx == NULL)
		goto out;
	if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) != 1)
		goto out;
	if (EVP_DigestVerify(ctx, sig, SIG_LEN, msg, len) == 1)
		rc = Q_OK;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return rc;
}

void sig_fingerprint(char out[SIG_FP_TEXT], const uint8_t pk[SIG_PUBLIC_LEN])
{
	uint8_t h[SHA256_LEN];
	char hx[2 * SIG_FP_BYTES + 1];
	size_t o = 0;
	sha256(h, pk, SIG_PUBLIC_LEN);
	hex_encode(hx, h, SIG_FP_BYTES);
	for (size_t g = 0; g < 2 * SIG_FP_BYTES; g++) {
		if (g > 0 && g % 4 == 0)
			out[o++] = ' ';
		out[o++] = hx[g];
	}
	out[o] = '\0';
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* AES-256-GCM, raw-key and passphrase sealing, sealing to a P-256 key.
 * Section numbers refer to docs/spec/secrets.md. */
#include "seal.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <string.h>

#include "util.h"

#include "banned.h"

#define WHY(s)                                                                                     \
	do {                                                                                       \
		if (why != NULL)                                                                   \
			*why = (s);                                                                \
	} while (0)

/* P-256 field prime p and group order n, big-endian (S-1). */
static const uint8_t p256_p[32] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
                                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t p256_n[32] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
                                   0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

/* 1 if a < b as 32-byte big-endian integers; constant-time. */
static int ct_lt32(const uint8_t a[32], const uint8_t b[32])
{
	unsigned borrow = 0;
	for (int i = 31; i >= 0; i--) {
		unsigned d = (unsigned)a[i] - (unsigned)b[i] - borrow;
		borrow = (d >> 8) & 1u;
	}
	return (int)borrow;
}

/* 1 if the 32 bytes are all zero; constant-time. */
static int ct_zero32(const uint8_t a[32])
{
	unsigned acc = 0;
	for (int i = 0; i < 32; i++)
		acc |= a[i];
	return (int)(((acc - 1u) >> 8) & 1u);
}

static int scalar_ok(const uint8_t s[32])
{
	return ct_lt32(s, p256_n) & (ct_zero32(s) ^ 1);
}

/* ---- S-3.1: AES-256-GCM, 96-bit nonce, 128-bit tag ---- */

qerr seal_gcm_encrypt(uint8_t *ct, uint8_t tag[SEAL_TAG_LEN], const uint8_t key[SEAL_KEY_LEN],
                      const uint8_t nonce[SEAL_NONCE_LEN], const void *aad, size_t aadlen,
                      const void *pt, size_t ptlen)
{
	EVP_CIPHER_CTX *c = NULL;
	int n;
	qerr rc = Q_ERR_CRYPTO;

	if (ptlen > SEAL_MAX_PLAINTEXT || aadlen > SEAL_MAX_PLAINTEXT)
		return Q_ERR_LIMIT;
	if ((ptlen > 0 && (ct == NULL || pt == NULL)) || (aadlen > 0 && aad == NULL))
		return Q_ERR_ARG;
	c = EVP_CIPHER_CTX_new();
	if (c == NULL) {
		rc = Q_ERR_NOMEM;
		goto out;
	}
	if (EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, SEAL_NONCE_LEN, NULL) != 1 ||
	    EVP_EncryptInit_ex(c, NULL, NULL, key, nonce) != 1)
		goto out;
	if (aadlen > 0 && EVP_EncryptUpdate(c, NULL, &n, aad, (int)aadlen) != 1)
		goto out;
	if (ptlen > 0 && (EVP_EncryptUpdate(c, ct, &n, pt, (int)ptlen) != 1 || (size_t)n != ptlen))
		goto out;
	if (EVP_EncryptFinal_ex(c, ct != NULL ? ct + ptlen : tag, &n) != 1 || n != 0)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, SEAL_TAG_LEN, tag) != 1)
		goto out;
	rc = Q_OK;
out:
	EVP_CIPHER_CTX_free(c);
	if (rc != Q_OK) {
		if (ct != NULL)
			wipe(ct, ptlen);
		wipe(tag, SEAL_TAG_LEN);
	}
	return rc;
}

qerr seal_gcm_decrypt(uint8_t *pt, const uint8_t key[SEAL_KEY_LEN],
                      const uint8_t nonce[SEAL_NONCE_LEN], const void *aad, size_t aadlen,
                      const void *ct, size_t ctlen, const uint8_t tag[SEAL_TAG_LEN])
{
	EVP_CIPHER_CTX *c = NULL;
	uint8_t tagcopy[SEAL_TAG_LEN];
	int n;
	qerr rc = Q_ERR_CRYPTO;

	if (ctlen > SEAL_MAX_PLAINTEXT || aadlen > SEAL_MAX_PLAINTEXT)
		return Q_ERR_LIMIT;
	if ((ctlen > 0 && (ct == NULL || pt == NULL)) || (aadlen > 0 && aad == NULL))
		return Q_ERR_ARG;
	memcpy(tagcopy, tag, SEAL_TAG_LEN);
	c = EVP_CIPHER_CTX_new();
	if (c == NULL) {
		rc = Q_ERR_NOMEM;
		goto out;
	}
	if (EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, SEAL_NONCE_LEN, NULL) != 1 ||
	    EVP_DecryptInit_ex(c, NULL, NULL, key, nonce) != 1)
		goto out;
	if (aadlen > 0 && EVP_DecryptUpdate(c, NULL, &n, aad, (int)aadlen) != 1)
		goto out;
	if (ctlen > 0 && (EVP_DecryptUpdate(c, pt, &n, ct, (int)ctlen) != 1 || (size_t)n != ctlen))
		goto out;
	if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, SEAL_TAG_LEN, tagcopy) != 1)
		goto out;
	/* The tag check (constant-time inside OpenSSL). */
	if (EVP_DecryptFinal_ex(c, pt != NULL ? pt + ctlen : tagcopy, &n) != 1) {
		rc = Q_ERR_AUTH;
		goto out;
	}
	rc = Q_OK;
out:
	EVP_CIPHER_CTX_free(c);
	if (rc != Q_OK && pt != NULL)
		wipe(pt, ctlen);
	return rc;
}

/* The sealing functions' failure contract (seal.h): zero the first
 * min(outlen, overhead + ptlen) bytes of out, without overflowing. */
static void wipe_out(uint8_t *out, size_t outlen, size_t overhead, size_t ptlen)
{
	size_t want = ptlen > SIZE_MAX - overhead ? SIZE_MAX : overhead + ptlen;
	wipe(out, outlen < want ? outlen : want);
}

/* ---- S-3.2: raw-key sealing ---- */

qerr seal_aead(uint8_t *out, size_t outlen, const uint8_t key[SEAL_KEY_LEN], const void *aad,
               size_t aadlen, const void *pt, size_t ptlen)
{
	qerr rc;

	if (out == NULL || key == NULL)
		return Q_ERR_ARG;
	if (ptlen > SEAL_MAX_PLAINTEXT) {
		wipe_out(out, outlen, SEAL_AEAD_LEN(0), ptlen);
		return Q_ERR_LIMIT;
	}
	if (outlen < SEAL_AEAD_LEN(ptlen)) {
		wipe(out, outlen);
		return Q_ERR_ARG;
	}
	rc = rand_bytes(out, SEAL_NONCE_LEN);
	if (rc == Q_OK)
		rc = seal_gcm_encrypt(out + SEAL_NONCE_LEN, out + SEAL_NONCE_LEN + ptlen, key, out,
		                      aad, aadlen, pt, ptlen);
	if (rc != Q_OK)
		wipe(out, SEAL_AEAD_LEN(ptlen));
	return rc;
}

qerr open_aead(secbuf **out, const uint8_t key[SEAL_KEY_LEN], const void *aad, size_t aadlen,
               const uint8_t *sealed, size_t sealedlen)
{
	secbuf *b = NULL;
	size_t ctlen;
	qerr rc;

	if (out == NULL)
		return Q_ERR_ARG;
	*out = NULL;
	if (key == NULL || (sealed == NULL && sealedlen > 0))
		return Q_ERR_ARG;
	if (sealedlen < SEAL_AEAD_LEN(0))
		return Q_ERR_FORMAT;
	ctlen = sealedlen - SEAL_AEAD_LEN(0);
	b = secbuf_new(ctlen);
	if (b == NULL)
		return Q_ERR_NOMEM;
	rc = seal_gcm_decrypt(b->data, key, sealed, aad, aadlen, sealed + SEAL_NONCE_LEN, ctlen,
	                      sealed + SEAL_NONCE_LEN + ctlen);
	if (rc != Q_OK) {
		secbuf_free(b);
		return rc;
	}
	*out = b;
	return Q_OK;
}

/* ---- S-4: passphrase sealing ---- */

static void put_u32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_u32be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

qerr seal_with_passphrase(uint8_t *out, size_t outlen, const void *pass, size_t passlen,
                          const kdf_params *params, const void *pt, size_t ptlen)
{
	uint8_t key[SEAL_KEY_LEN];
	const kdf_params *kp = params != NULL ? params : &kdf_params_default;
	qerr rc;

	if (out == NULL)
		return Q_ERR_ARG;
	if (ptlen > SEAL_MAX_PLAINTEXT) {
		wipe_out(out, outlen, SEAL_PASS_LEN(0), ptlen);
		return Q_ERR_LIMIT;
	}
	if (outlen < SEAL_PASS_LEN(ptlen)) {
		wipe(out, outlen);
		return Q_ERR_ARG;
	}
	rc = kdf_params_check(kp);
	if (rc != Q_OK)
		goto out;
	/* S-4.1 header: magic || t || m || p || salt || nonce. */
	memcpy(out, SEAL_PASS_MAGIC, SEAL_PASS_MAGIC_LEN);
	put_u32be(out + 8, kp->t_cost);
	put_u32be(out + 12, kp->m_cost_kib);
	put_u32be(out + 16, kp->parallelism);
	rc = rand_bytes(out + 20, SEAL_SALT_LEN + SEAL_NONCE_LEN);
	if (rc != Q_OK)
		goto out;
	/* S-4.2 key = Argon2id(pass, salt, t, m, p, 32). */
	rc = kdf_argon2id(key, sizeof key, pass, passlen, out + 20, SEAL_SALT_LEN, kp);
	if (rc != Q_OK)
		goto out;
	/* S-4.3 GCM with AAD = the 48-byte header. */
	rc = seal_gcm_encrypt(out + SEAL_PASS_HEADER_LEN, out + SEAL_PASS_HEADER_LEN + ptlen, key,
	                      out + 36, out, SEAL_PASS_HEADER_LEN, pt, ptlen);
out:
	wipe(key, sizeof key);
	if (rc != Q_OK)
		wipe(out, SEAL_PASS_LEN(ptlen));
	return rc;
}

qerr open_with_passphrase(secbuf **out, const void *pass, size_t passlen, const uint8_t *sealed,
                          size_t sealedlen, const char **why)
{
	uint8_t key[SEAL_KEY_LEN];
	kdf_params kp;
	secbuf *b = NULL;
	size_t ctlen;
	qerr rc;

	WHY("ok");
	if (out == NULL)
		return Q_ERR_ARG;
	*out = NULL;
	if (sealed == NULL && sealedlen > 0)
		return Q_ERR_ARG;
	if (sealedlen < SEAL_PASS_LEN(0)) {
		WHY("sealed data too short (truncated?)");
		return Q_ERR_FORMAT;
	}
	if (memcmp(sealed, SEAL_PASS_MAGIC, SEAL_PASS_MAGIC_LEN) != 0) {
		WHY("not a QSEAL1 sealed secret (bad magic)");
		return Q_ERR_FORMAT;
	}
	kp.t_cost = get_u32be(sealed + 8);
	kp.m_cost_kib = get_u32be(sealed + 12);
	kp.parallelism = get_u32be(sealed + 16);
	if (kdf_params_check(&kp) != Q_OK) {
		WHY("KDF parameters in the header are out of the accepted range");
		return Q_ERR_FORMAT;
	}
	ctlen = sealedlen - SEAL_PASS_LEN(0);
	rc = kdf_argon2id(key, sizeof key, pass, passlen, sealed + 20, SEAL_SALT_LEN, &kp);
	if (rc != Q_OK) {
		WHY("key derivation failed");
		goto out;
	}
	b = secbuf_new(ctlen);
	if (b == NULL) {
		WHY("out of secure memory");
		rc = Q_ERR_NOMEM;
		goto out;
	}
	rc = seal_gcm_decrypt(b->data, key, sealed + 36, sealed, SEAL_PASS_HEADER_LEN,
	                      sealed + SEAL_PASS_HEADER_LEN, ctlen,
	                      sealed + SEAL_PASS_HEADER_LEN + ctlen);
	if (rc == Q_ERR_AUTH)
		WHY("wrong passphrase or the sealed data was modified");
	else if (rc != Q_OK)
		WHY("decryption failed");
out:
	wipe(key, sizeof key);
	if (rc != Q_OK)
		secbuf_free(b);
	else
		*out = b;
	return rc;
}

/* ---- S-6.1: P-256 raw keys ---- */

qerr seal_p256_point_check(const uint8_t *point, size_t len)
{
	EC_GROUP *g = NULL;
	EC_POINT *pt = NULL;
	qerr rc = Q_ERR_POINT;

	if (point == NULL || len != SEAL_POINT_LEN || point[0] != 0x04)
		return Q_ERR_POINT;
	if (!ct_lt32(point + 1, p256_p) || !ct_lt32(point + 33, p256_p))
		return Q_ERR_POINT;
	g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	pt = g != NULL ? EC_POINT_new(g) : NULL;
	if (pt == NULL) {
		rc = Q_ERR_NOMEM;
		goto out;
	}
	if (EC_POINT_oct2point(g, pt, point, len, NULL) != 1)
		goto out;
	if (EC_POINT_is_at_infinity(g, pt) || EC_POINT_is_on_curve(g, pt, NULL) != 1)
		goto out;
	rc = Q_OK;
out:
	EC_POINT_free(pt);
	EC_GROUP_free(g);
	return rc;
}

qerr seal_p256_public(uint8_t point[SEAL_POINT_LEN], const uint8_t scalar[SEAL_SCALAR_LEN])
{
	EC_GROUP *g = NULL;
	EC_POINT *pt = NULL;
	BIGNUM *k = NULL;
	BN_CTX *bc = NULL;
	qerr rc = Q_ERR_CRYPTO;

	memset(point, 0, SEAL_POINT_LEN);
	if (!scalar_ok(scalar))
		return Q_ERR_SCALAR;
	g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	pt = g != NULL ? EC_POINT_new(g) : NULL;
	k = BN_secure_new();
	bc = BN_CTX_secure_new();
	if (pt == NULL || k == NULL || bc == NULL) {
		rc = Q_ERR_NOMEM;
		goto out;
	}
	BN_set_flags(k, BN_FLG_CONSTTIME);
	if (BN_bin2bn(scalar, SEAL_SCALAR_LEN, k) == NULL)
		goto out;
	if (EC_POINT_mul(g, pt, k, NULL, NULL, bc) != 1)
		goto out;
	if (EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, point, SEAL_POINT_LEN, bc) !=
	    SEAL_POINT_LEN)
		goto out;
	rc = Q_OK;
out:
	if (rc != Q_OK)
		memset(point, 0, SEAL_POINT_LEN);
	BN_clear_free(k);
	BN_CTX_free(bc);
	EC_POINT_free(pt);
	EC_GROUP_free(g);
	return rc;
}

qerr seal_p256_keygen(uint8_t scalar[SEAL_SCALAR_LEN], uint8_t point[SEAL_POINT_LEN])
{
	qerr rc = Q_ERR_CRYPTO;

	/* Rejection sampling: a uniform 256-bit value is >= n with
	 * probability < 2^-32. */
	for (int tries = 0; tries < 64; tries++) {
		rc = rand_bytes(scalar, SEAL_SCALAR_LEN);
		if (rc != Q_OK)
			break;
		if (!scalar_ok(scalar)) {
			rc = Q_ERR_CRYPTO;
			continue;
		}
		rc = seal_p256_public(point, scalar);
		break;
	}
	if (rc != Q_OK) {
		wipe(scalar, SEAL_SCALAR_LEN);
		memset(point, 0, SEAL_POINT_LEN);
	}
	return rc;
}

/* An EVP_PKEY for P-256 from a public point (and, if scalar != NULL, the
 * matching private scalar).  The point must already be checked. */
static qerr p256_pkey(EVP_PKEY **pkey, const uint8_t point[SEAL_POINT_LEN], const uint8_t *scalar)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = NULL;
	BIGNUM *k = NULL;
	qerr rc = Q_ERR_CRYPTO;

	*pkey = NULL;
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL) {
		rc = Q_ERR_NOMEM;
		goto out;
	}
	if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, SEAL_POINT_LEN) !=
	        1)
		goto out;
	if (scalar != NULL) {
		k = BN_secure_new();
		if (k == NULL || BN_bin2bn(scalar, SEAL_SCALAR_LEN, k) == NULL)
			goto out;
		if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, k) != 1)
			goto out;
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (params == NULL || pc == NULL)
		goto out;
	if (EVP_PKEY_fromdata_init(pc) != 1 ||
	    EVP_PKEY_fromdata(pc, pkey, scalar != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
	                      params) != 1) {
		*pkey = NULL;
		goto out;
	}
	rc = Q_OK;
out:
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(k);
	return rc;
}

/* S-6.2: key = HKDF-SHA256(x(d*Q), info = tag || E || R). */
static qerr seal_pk_key(uint8_t key[SEAL_KEY_LEN], const uint8_t scalar[SEAL_SCALAR_LEN],
                        const uint8_t own_point[SEAL_POINT_LEN], const uint8_t peer[SEAL_POINT_LEN],
                        const uint8_t E[SEAL_POINT_LEN], const uint8_t R[SEAL_POINT_LEN])
{
	EVP_PKEY *mine = NULL, *theirs = NULL;
	EVP_PKEY_CTX *dc = NULL;
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *kc = NULL;
	uint8_t z[32];
	uint8_t info[sizeof SEAL_PK_INFO_TAG - 1 + 2 * SEAL_POINT_LEN];
	size_t zlen = sizeof z;
	OSSL_PARAM kp[4];
	qerr rc;

	rc = p256_pkey(&mine, own_point, scalar);
	if (rc == Q_OK)
		rc = p256_pkey(&theirs, peer, NULL);
	if (rc != Q_OK)
		goto out;
	rc = Q_ERR_CRYPTO;
	dc = EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL);
	if (dc == NULL || EVP_PKEY_derive_init(dc) != 1 ||
	    EVP_PKEY_derive_set_peer(dc, theirs) != 1)
		goto out;
	if (EVP_PKEY_derive(dc, z, &zlen) != 1 || zlen != sizeof z)
		goto out;
	memcpy(info, SEAL_PK_INFO_TAG, sizeof SEAL_PK_INFO_TAG - 1);
	memcpy(info + sizeof SEAL_PK_INFO_TAG - 1, E, SEAL_POINT_LEN);
	memcpy(info + sizeof SEAL_PK_INFO_TAG - 1 + SEAL_POINT_LEN, R, SEAL_POINT_LEN);
	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	kc = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
	if (kc == NULL)
		goto out;
	kp[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	kp[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, z, sizeof z);
	kp[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, sizeof info);
	kp[3] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kc, key, SEAL_KEY_LEN, kp) != 1)
		goto out;
	rc = Q_OK;
out:
	wipe(z, sizeof z);
	if (rc != Q_OK)
		wipe(key, SEAL_KEY_LEN);
	EVP_KDF_CTX_free(kc);
	EVP_KDF_free(kdf);
	EVP_PKEY_CTX_free(dc);
	EVP_PKEY_free(mine);
	EVP_PKEY_free(theirs);
	return rc;
}

qerr seal_to_pubkey(uint8_t *out, size_t outlen, const uint8_t recipient[SEAL_POINT_LEN],
                    const void *aad, size_t aadlen, const void *pt, size_t ptlen)
{
	uint8_t e[SEAL_SCALAR_LEN];
	uint8_t key[SEAL_KEY_LEN];
	qerr rc;

	if (out == NULL || recipient == NULL)
		return Q_ERR_ARG;
	if (ptlen > SEAL_MAX_PLAINTEXT) {
		wipe_out(out, outlen, SEAL_PK_LEN(0), ptlen);
		return Q_ERR_LIMIT;
	}
	if (outlen < SEAL_PK_LEN(ptlen)) {
		wipe(out, outlen);
		return Q_ERR_ARG;
	}
	rc = seal_p256_point_check(recipient, SEAL_POINT_LEN);
	if (rc != Q_OK)
		goto out;
	/* S-6.3: E = e*G written first, then the nonce. */
	rc = seal_p256_keygen(e, out);
	if (rc == Q_OK)
		rc = rand_bytes(out + SEAL_POINT_LEN, SEAL_NONCE_LEN);
	if (rc == Q_OK)
		rc = seal_pk_key(key, e, out, recipient, out, recipient);
	if (rc == Q_OK)
		rc = seal_gcm_encrypt(out + SEAL_POINT_LEN + SEAL_NONCE_LEN,
		                      out + SEAL_POINT_LEN + SEAL_NONCE_LEN + ptlen, key,
		                      out + SEAL_POINT_LEN, aad, aadlen, pt, ptlen);
out:
	wipe(e, sizeof e);
	wipe(key, sizeof key);
	if (rc != Q_OK)
		wipe(out, SEAL_PK_LEN(ptlen));
	return rc;
}

qerr open_with_scalar(secbuf **out, const uint8_t scalar[SEAL_SCALAR_LEN], const void *aad,
                      size_t aadlen, const uint8_t *sealed, size_t sealedlen)
{
	uint8_t R[SEAL_POINT_LEN];
	uint8_t key[SEAL_KEY_LEN];
	secbuf *b = NULL;
	size_t ctlen;
	qerr rc;

	if (out == NULL)
		return Q_ERR_ARG;
	*out = NULL;
	if (scalar == NULL || (sealed == NULL && sealedlen > 0))
		return Q_ERR_ARG;
	if (!scalar_ok(scalar))
		return Q_ERR_SCALAR;
	if (sealedlen < SEAL_PK_LEN(0))
		return Q_ERR_FORMAT;
	rc = seal_p256_point_check(sealed, SEAL_POINT_LEN);
	if (rc != Q_OK)
		return rc;
	ctlen = sealedlen - SEAL_PK_LEN(0);
	rc = seal_p256_public(R, scalar);
	if (rc == Q_OK)
		rc = seal_pk_key(key, scalar, R, sealed, sealed, R);
	if (rc != Q_OK)
		goto out;
	b = secbuf_new(ctlen);
	if (b == NULL) {
		rc = Q_ERR_NOMEM;
		goto out;
	}
	rc = seal_gcm_decrypt(b->data, key, sealed + SEAL_POINT_LEN, aad, aadlen,
	                      sealed + SEAL_POINT_LEN + SEAL_NONCE_LEN, ctlen,
	                      sealed + SEAL_POINT_LEN + SEAL_NONCE_LEN + ctlen);
out:
	wipe(key, sizeof key);
	if (rc != Q_OK)
		secbuf_free(b);
	else
		*out = b;
	return rc;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "kdf.h"

#include <gcrypt.h>
#include <string.h>

#include "gcry_init.h"
#include "util.h"

#include "banned.h"

const kdf_params kdf_params_default = {KDF_DEFAULT_T, KDF_DEFAULT_M_KIB, KDF_DEFAULT_P};

qerr kdf_params_check(const kdf_params *p)
{
	if (p == NULL)
		return Q_ERR_ARG;
	if (p->t_cost < KDF_T_MIN || p->t_cost > KDF_T_MAX)
		return Q_ERR_RANGE;
	if (p->parallelism < KDF_P_MIN || p->parallelism > KDF_P_MAX)
		return Q_ERR_RANGE;
	if (p->m_cost_kib < 8u * p->parallelism || p->m_cost_kib > KDF_M_MAX_KIB)
		return Q_ERR_RANGE;
	return Q_OK;
}

qerr kdf_argon2id_ex(uint8_t *out, size_t outlen, const void *pass, size_t passlen,
                     const uint8_t *salt, size_t saltlen, const void *secret, size_t secretlen,
                     const void *ad, size_t adlen, const kdf_params *p)
{
	gcry_kdf_hd_t hd = NULL;
	unsigned long param[4];
	gcry_error_t ge;
	qerr rc = Q_ERR_CRYPTO;

	if (out == NULL || outlen < 4 || outlen > 1024)
		return Q_ERR_ARG;
	memset(out, 0, outlen);
	if (pass == NULL || passlen == 0 || (uint64_t)passlen > 0xffffffffu)
		return Q_ERR_ARG;
	if (salt == NULL || saltlen < 8 || saltlen > 1024)
		return Q_ERR_ARG;
	if ((secret == NULL && secretlen > 0) || secretlen > 1024)
		return Q_ERR_ARG;
	if ((ad == NULL && adlen > 0) || adlen > 1024)
		return Q_ERR_ARG;
	rc = kdf_params_check(p);
	if (rc != Q_OK)
		return rc;
	quorum_gcry_init();

	/* libgcrypt's parameter order: taglen, t, m, p. */
	param[0] = outlen;
	param[1] = p->t_cost;
	param[2] = p->m_cost_kib;
	param[3] = p->parallelism;
	ge = gcry_kdf_open(&hd, GCRY_KDF_ARGON2, GCRY_KDF_ARGON2ID, param, 4, pass, passlen, salt,
	                   saltlen, secret, secretlen, ad, adlen);
	if (ge != 0) {
		hd = NULL;
		rc = gcry_err_code(ge) == GPG_ERR_ENOMEM ? Q_ERR_NOMEM : Q_ERR_CRYPTO;
		goto out;
	}
	ge = gcry_kdf_compute(hd, NULL);
	if (ge == 0)
		ge = gcry_kdf_final(hd, outlen, out);
	if (ge != 0) {
		rc = gcry_err_code(ge) == GPG_ERR_ENOMEM ? Q_ERR_NOMEM : Q_ERR_CRYPTO;
		goto out;
	}
	rc = Q_OK;
out:
	if (hd != NULL)
		gcry_kdf_close(hd);
	if (rc != Q_OK)
		wipe(out, outlen);
	return rc;
}

qerr kdf_argon2id(uint8_t *out, size_t outlen, const void *pass, size_t passlen,
                  const uint8_t *salt, size_t saltlen, const kdf_params *p)
{
	return kdf_argon2id_ex(out, outlen, pass, passlen, salt, saltlen, NULL, 0, NULL, 0, p);
}

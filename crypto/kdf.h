/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kdf.h -- Argon2id passphrase KDF (RFC 9106) over libgcrypt.
 *
 * Spec: docs/spec/secrets.md section S-2.
 * libgcrypt initialisation is done here (quorum_gcry_init), callers need
 * not do it.  Run time is data-independent apart from what Argon2id's
 * own data-dependent second half implies (that is Argon2id by design).
 */
#ifndef QUORUM_KDF_H
#define QUORUM_KDF_H

#include <stddef.h>
#include <stdint.h>

#include "qerr.h"

/* Argon2id cost parameters (RFC 9106 section 3.1: t, m, p). */
typedef struct kdf_params {
	uint32_t t_cost; /* passes over memory */
	uint32_t m_cost_kib; /* memory in KiB (1 KiB = one Argon2 block) */
	uint32_t parallelism; /* lanes */
} kdf_params;

/* The parameters for new secret files (S-2.1): t = 3, m = 64 MiB, p = 1,
 * about 0.41 s on the idle 2-core reference machine (bench/bench_secrets). */
#define KDF_DEFAULT_T 3u
#define KDF_DEFAULT_M_KIB 65536u
#define KDF_DEFAULT_P 1u
extern const kdf_params kdf_params_default;

/* Bounds accepted by kdf_params_check (S-2.2): anything outside is
 * Q_ERR_RANGE, so a hostile file cannot make us allocate without limit. */
#define KDF_T_MIN 1u
#define KDF_T_MAX 16u
#define KDF_M_MAX_KIB (1024u * 1024u) /* 1 GiB */
#define KDF_P_MIN 1u
#define KDF_P_MAX 16u
/* and m_cost_kib >= 8 * parallelism (RFC 9106 section 3.1). */

/* Q_OK if p is within the bounds above, Q_ERR_RANGE otherwise, Q_ERR_ARG
 * if p is NULL. */
Q_MUST_CHECK qerr kdf_params_check(const kdf_params *p);

/* out = Argon2id(pass, salt, t, m, p, taglen = outlen), version 0x13,
 * no secret, no associated data.  outlen 4..1024, saltlen 8..1024,
 * 1 <= passlen < 2^32: an empty passphrase is refused (Q_ERR_ARG; libgcrypt
 * cannot take one, and a secret file must not have one).
 * Returns Q_OK; Q_ERR_ARG on bad lengths/NULLs; Q_ERR_RANGE from
 * kdf_params_check; Q_ERR_NOMEM if libgcrypt cannot get the memory;
 * Q_ERR_CRYPTO on any other libgcrypt failure.  On failure out is zeroed. */
Q_MUST_CHECK qerr kdf_argon2id(uint8_t *out, size_t outlen, const void *pass, size_t passlen,
                               const uint8_t *salt, size_t saltlen, const kdf_params *p);

/* The same with RFC 9106's optional secret value K and associated data X
 * (either may be NULL with length 0).  Exposed for the RFC test vector. */
Q_MUST_CHECK qerr kdf_argon2id_ex(uint8_t *out, size_t outlen, const void *pass, size_t passlen,
                                  const uint8_t *salt, size_t saltlen, const void *secret,
                                  size_t secretlen, const void *ad, size_t adlen,
                                  const kdf_params *p);

#endif

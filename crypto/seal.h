/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seal.h -- authenticated encryption of secrets: raw-key AEAD, passphrase
 * sealing (Argon2id -> AES-256-GCM) in memory and in files, and sealing
 * to a P-256 public key (ECDH + HKDF-SHA256 + AES-256-GCM).
 *
 * Spec: docs/spec/secrets.md (S-3 raw key, S-4 passphrase format,
 * S-5 files, S-6 sealing to a public key).
 *
 * Conventions for every function below:
 *  - Sealing writes into a caller buffer `out` of `outlen` bytes, which
 *    must be at least the SEAL_*_LEN(ptlen) of that format (Q_ERR_ARG
 *    otherwise); exactly SEAL_*_LEN(ptlen) bytes are written.  On failure
 *    the first min(outlen, SEAL_*_LEN(ptlen)) bytes of out are zeroed.
 *  - Opening returns the plaintext in a fresh secbuf (*out, owned by the
 *    caller, release with secbuf_free).  On failure *out is NULL and no
 *    plaintext byte is left anywhere.  Q_ERR_AUTH means the tag did not
 *    verify: wrong key/passphrase/aad or a modified input; nothing tells
 *    which.
 *  - Plaintexts are at most SEAL_MAX_PLAINTEXT bytes; an opened plaintext
 *    must fit the secure-memory pool (QUORUM_SECMEM_POOL), else
 *    Q_ERR_NOMEM.
 *  - `why`, when not NULL, receives a static English string naming what
 *    was wrong (or "ok"); it is for messages only.
 *  - Tag comparison is constant-time (OpenSSL GCM); scalars are handled
 *    with constant-time OpenSSL code paths.  Nothing here is constant-time
 *    in the lengths.
 */
#ifndef QUORUM_SEAL_H
#define QUORUM_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "kdf.h"
#include "qerr.h"
#include "secbuf.h"

#define SEAL_KEY_LEN 32
#define SEAL_NONCE_LEN 12
#define SEAL_TAG_LEN 16
#define SEAL_SALT_LEN 16
#define SEAL_SCALAR_LEN 32
#define SEAL_POINT_LEN 65
#define SEAL_MAX_PLAINTEXT (1u << 30)

/* ---- AES-256-GCM primitive (S-3.1) ----
 * ct and pt may be the same buffer.  seal_gcm_decrypt returns Q_ERR_AUTH
 * on a tag mismatch and then zeroes pt (ctlen bytes). */
Q_MUST_CHECK qerr seal_gcm_encrypt(uint8_t *ct, uint8_t tag[SEAL_TAG_LEN],
                                   const uint8_t key[SEAL_KEY_LEN],
                                   const uint8_t nonce[SEAL_NONCE_LEN], const void *aad,
                                   size_t aadlen, const void *pt, size_t ptlen);
Q_MUST_CHECK qerr seal_gcm_decrypt(uint8_t *pt, const uint8_t key[SEAL_KEY_LEN],
                                   const uint8_t nonce[SEAL_NONCE_LEN], const void *aad,
                                   size_t aadlen, const void *ct, size_t ctlen,
                                   const uint8_t tag[SEAL_TAG_LEN]);

/* ---- Raw-key sealing (S-3.2): nonce(12) || ct || tag(16) ----
 * A fresh random nonce per call: do not seal more than 2^32 messages
 * under one key. */
#define SEAL_AEAD_LEN(ptlen) ((size_t)(ptlen) + SEAL_NONCE_LEN + SEAL_TAG_LEN)
Q_MUST_CHECK qerr seal_aead(uint8_t *out, size_t outlen, const uint8_t key[SEAL_KEY_LEN],
                            const void *aad, size_t aadlen, const void *pt, size_t ptlen);
/* Q_ERR_FORMAT if sealedlen < 28, Q_ERR_AUTH on a tag mismatch. */
Q_MUST_CHECK qerr open_aead(secbuf **out, const uint8_t key[SEAL_KEY_LEN], const void *aad,
                            size_t aadlen, const uint8_t *sealed, size_t sealedlen);

/* ---- Passphrase sealing (S-4) ----
 * "QSEAL1\0\0" || t u32be || m u32be || p u32be || salt(16) || nonce(12)
 * || ct || tag(16); the 48-byte header is the GCM AAD; the key is
 * Argon2id(passphrase, salt, t, m, p, 32 bytes). */
#define SEAL_PASS_MAGIC "QSEAL1\0\0"
#define SEAL_PASS_MAGIC_LEN 8
#define SEAL_PASS_HEADER_LEN 48
#define SEAL_PASS_LEN(ptlen) ((size_t)(ptlen) + SEAL_PASS_HEADER_LEN + SEAL_TAG_LEN)

/* params NULL means kdf_params_default; out-of-range params: Q_ERR_RANGE. */
Q_MUST_CHECK qerr seal_with_passphrase(uint8_t *out, size_t outlen, const void *pass,
                                       size_t passlen, const kdf_params *params, const void *pt,
                                       size_t ptlen);
/* Returns Q_OK; Q_ERR_FORMAT if the input is shorter than 64 bytes, the
 * magic differs, or the KDF parameters are outside kdf_params_check's
 * bounds (a modified header); Q_ERR_AUTH for a wrong passphrase or any
 * other modification; Q_ERR_NOMEM. */
Q_MUST_CHECK qerr open_with_passphrase(secbuf **out, const void *pass, size_t passlen,
                                       const uint8_t *sealed, size_t sealedlen, const char **why);

/* ---- Sealed files (S-5), implemented in seal_file.c ----
 * seal_file_write seals pt (as seal_with_passphrase) into a NEW file:
 * open(path, O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0600), fchmod
 * 0600, write all, fsync, close, then fsync the parent directory.
 * Returns Q_ERR_EXISTS if anything (file, directory, symlink -- even a
 * dangling one) is at path; Q_ERR_IO (errno set) on any I/O failure, in
 * which case a file it created is unlinked again. */
#define SEAL_FILE_MAX_LEN (1024u * 1024u)
Q_MUST_CHECK qerr seal_file_write(const char *path, const void *pass, size_t passlen,
                                  const kdf_params *params, const void *pt, size_t ptlen,
                                  const char **why);
/* seal_file_read opens path with O_RDONLY|O_NOFOLLOW|O_CLOEXEC and
 * REFUSES (policy, S-5.2):
 *   a symlink at path                         -> Q_ERR_DENIED
 *   not a regular file                        -> Q_ERR_FORMAT
 *   any permission bit for group or other     -> Q_ERR_DENIED
 *     (mode & 077 != 0; fix with chmod 600, as ssh does for keys)
 *   larger than SEAL_FILE_MAX_LEN             -> Q_ERR_LIMIT
 * missing file -> Q_ERR_NOTFOUND; other I/O -> Q_ERR_IO; then as
 * open_with_passphrase. */
Q_MUST_CHECK qerr seal_file_read(secbuf **out, const char *path, const void *pass, size_t passlen,
                                 const char **why);

/* ---- P-256 key pairs as raw bytes (S-6.1) ----
 * scalar: 32 bytes big-endian in [1, n); point: 65-byte SEC1 uncompressed.
 * seal_p256_keygen: fresh pair from the CSPRNG; on failure both outputs
 * are zeroed.  The caller wipes the scalar.  Constant-time in the scalar. */
Q_MUST_CHECK qerr seal_p256_keygen(uint8_t scalar[SEAL_SCALAR_LEN], uint8_t point[SEAL_POINT_LEN]);
/* point = scalar*G.  Q_ERR_SCALAR if scalar is 0 or >= n (point zeroed). */
Q_MUST_CHECK qerr seal_p256_public(uint8_t point[SEAL_POINT_LEN],
                                   const uint8_t scalar[SEAL_SCALAR_LEN]);
/* Strict decode check (exact 65 bytes, 0x04 prefix, X,Y < p, on the
 * curve; infinity has no 65-byte form): Q_OK or Q_ERR_POINT. */
Q_MUST_CHECK qerr seal_p256_point_check(const uint8_t *point, size_t len);

/* ---- Sealing to a P-256 public key (S-6) ----
 * E(65) || nonce(12) || ct || tag(16) with E a fresh ephemeral point,
 * key = HKDF-SHA256(ikm = x(e*R), salt = none, info = "QUORUM-SEAL-P256-v1"
 * || E || R, 32 bytes) and GCM AAD = aad as given. */
#define SEAL_PK_LEN(ptlen) ((size_t)(ptlen) + SEAL_POINT_LEN + SEAL_NONCE_LEN + SEAL_TAG_LEN)
#define SEAL_PK_INFO_TAG "QUORUM-SEAL-P256-v1"
/* Q_ERR_POINT if recipient is not a valid point. */
Q_MUST_CHECK qerr seal_to_pubkey(uint8_t *out, size_t outlen,
                                 const uint8_t recipient[SEAL_POINT_LEN], const void *aad,
                                 size_t aadlen, const void *pt, size_t ptlen);
/* Q_ERR_SCALAR for a scalar not in [1, n); Q_ERR_FORMAT if sealedlen <
 * 93; Q_ERR_POINT if the ephemeral point is malformed; Q_ERR_AUTH if the
 * tag fails (wrong scalar, wrong aad, modified bytes). */
Q_MUST_CHECK qerr open_with_scalar(secbuf **out, const uint8_t scalar[SEAL_SCALAR_LEN],
                                   const void *aad, size_t aadlen, const uint8_t *sealed,
                                   size_t sealedlen);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sha256.h -- SHA-256 over OpenSSL, with the MD fetched once per process.
 *
 * Not constant-time relevant (inputs are public or hashed whole).
 */
#ifndef QUORUM_SHA256_H
#define QUORUM_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "qerr.h"

#define SHA256_LEN 32

typedef struct sha256_ctx sha256_ctx;

/* One-shot hash of len bytes at data into out.  Aborts (through
 * qfatal) only if OpenSSL itself fails, which is a broken install. */
void sha256(uint8_t out[SHA256_LEN], const void *data, size_t len);

/* Incremental interface.  sha256_new returns NULL on allocation failure.
 * After sha256_final the context may be reused with sha256_reset. */
sha256_ctx *sha256_new(void);
void sha256_reset(sha256_ctx *ctx);
void sha256_update(sha256_ctx *ctx, const void *data, size_t len);
void sha256_final(sha256_ctx *ctx, uint8_t out[SHA256_LEN]);
void sha256_free(sha256_ctx *ctx);

#endif

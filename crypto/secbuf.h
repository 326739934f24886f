/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * secbuf.h -- a byte buffer for secrets, in libgcrypt secure memory.
 *
 * The bytes live in libgcrypt's secure pool (see gcry_init.h: locked in
 * RAM when the system allows it, never swapped, wiped by libgcrypt when
 * freed).  secbuf_free() also wipes the bytes itself before releasing
 * them.  Decrypted plaintexts of open_* (seal.h) are returned in a secbuf.
 *
 * The struct is public so that callers can read data/len; only
 * secbuf_new() may create one and only secbuf_free() may release it.
 * The pool is QUORUM_SECMEM_POOL bytes in total: keep secrets small.
 */
#ifndef QUORUM_SECBUF_H
#define QUORUM_SECBUF_H

#include <stddef.h>
#include <stdint.h>

#include "qerr.h"

typedef struct secbuf {
	uint8_t *data; /* len bytes (never NULL, even when len == 0) */
	size_t len;
} secbuf;

/* Allocate a zero-filled secure buffer of len bytes (len may be 0).
 * Returns NULL when the secure pool (or the heap, for the small header)
 * is exhausted. */
secbuf *secbuf_new(size_t len);

/* Wipe and release; secbuf_free(NULL) is a no-op. */
void secbuf_free(secbuf *b);

#endif

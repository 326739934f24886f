/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sha256x2.h -- two SHA-256 digests at once.
 *
 * One SHA-256 is a chain of compressions, each waiting on the one before:
 * the CPU's SHA instructions (x86 SHA extensions) spend most of their
 * time waiting on their own results.  Two independent messages whose
 * compressions are interleaved keep them busy: ~1.4 times the bytes per
 * second of two digests made in turn (3,300-byte messages).  Without those
 * instructions the two are made in turn through sha256.h.  The digests
 * are SHA-256 (FIPS 180-4) either way; nothing here is secret-dependent
 * in time beyond the messages' lengths.
 */
#ifndef QUORUM_SHA256X2_H
#define QUORUM_SHA256X2_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

/* One message in two pieces: pre (prelen bytes, may be NULL if 0) then
 * body (len bytes, may be NULL if 0). */
typedef struct sha256_msg {
	const uint8_t *pre;
	size_t prelen;
	const uint8_t *body;
	size_t len;
} sha256_msg;

/* out1 = SHA-256(m1), out2 = SHA-256(m2). */
void sha256_x2(uint8_t out1[SHA256_LEN], const sha256_msg *m1, uint8_t out2[SHA256_LEN],
               const sha256_msg *m2);

/* Tests: 1 forces the path made in turn (sha256.h), 0 the default. */
extern int sha256_x2_no_simd;

#endif

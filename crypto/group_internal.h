/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * group_internal.h -- shared between group.c and group_table.c only.
 * Not part of the public API: other modules use group.h.
 */
#ifndef QUORUM_GROUP_INTERNAL_H
#define QUORUM_GROUP_INTERNAL_H

#include <openssl/bn.h>
#include <openssl/ec.h>

#include "group.h"

struct scalar {
	BIGNUM *bn;
};

struct point {
	EC_POINT *p;
};

/* The shared P-256 group (created once; never NULL: qfatal on failure). */
const EC_GROUP *group_ec(void);
/* The order n. */
const BIGNUM *group_order(void);
/* This thread's BN_CTX (created on first use), or NULL if memory ran out. */
BN_CTX *group_bnctx(void);

#endif

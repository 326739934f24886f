/* SPDX-License-Identifier: GPL-3.0-or-later */
/* merkle.c -- RFC 9162 Merkle tree hashing and proofs (docs/spec/audit.md, A-2). */
#include "merkle.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/sha256.h"
#include "crypto/util.h"

#include "banned.h"

/* eq. (1): MTH({d}) = SHA-256(0x00 || d). */
void merkle_leaf_hash(merkle_hash out, const void *entry, size_t len)
{
	uint8_t buf[1024];
	if (len < sizeof buf) {
		buf[0] = 0x00;
		if (len > 0)
			memcpy(buf + 1, entry, len);
		sha256(out, buf, len + 1);
		return;
	}
	sha256_ctx *c = sha256_new();
	if (c == NULL)
		qfatal("merkle_leaf_hash: out of memory");
	static const uint8_t zero = 0x00;
	sha256_update(c, &zero, 1);
	sha256_update(c, entry, len);
	sha256_final(c, out);
	sha256_free(c);
}

/* eq. (2): node = SHA-256(0x01 || left || right). */
void merkle_node_hash(merkle_hash out, const merkle_hash left, const merkle_hash right)
{
	uint8_t buf[1 + 2 * MERKLE_HASH_LEN];
	buf[0] = 0x01;
	memcpy(buf + 1, left, MERKLE_HASH_LEN);
	memcpy(buf + 1 + MERKLE_HASH_LEN, right, MERKLE_HASH_LEN);
	sha256(out, buf, sizeof buf);
}

/* eq. (3): MTH({}) = SHA-256(""). */
void merkle_empty_root(merkle_hash out)
{
	sha256(out, "", 0);
}

/* RFC 9162 section 2.1.3.2. */
qerr merkle_verify_inclusion(uint64_t index, uint64_t size, const merkle_hash leaf,
                             const merkle_hash *proof, size_t nproof, const merkle_hash root)
{
	if (index >= size)
		return Q_ERR_RANGE;
	if (nproof > MERKLE_MAX_PROOF)
		return Q_ERR_PROOF;
	uint64_t fn = index, sn = size - 1;
	merkle_hash r;
	memcpy(r, leaf, MERKLE_HASH_LEN);
	for (size_t i = 0; i < nproof; i++) {
		if (sn == 0)
			return Q_ERR_PROOF; /* proof too long */
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(r, proof[i], r);
			if (!(fn & 1)) {
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
			}
		} else {
			merkle_node_hash(r, r, proof[i]);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return Q_ERR_PROOF; /* proof too short */
	return memcmp(r, root, MERKLE_HASH_LEN) == 0 ? Q_OK : Q_ERR_PROOF;
}

/* RFC 9162 section 2.1.4.2, with the edge cases of merkle.h. */
qerr merkle_verify_consistency(uint64_t old_size, uint64_t new_size, const merkle_hash old_root,
                               const merkle_hash new_root, const merkle_hash *proof, size_t nproof)
{
	if (old_size > new_size)
		return Q_ERR_RANGE;
	if (old_size == new_size) {
		if (nproof != 0)
			return Q_ERR_PROOF;
		return memcmp(old_root, new_root, MERKLE_HASH_LEN) == 0 ? Q_OK : Q_ERR_PROOF;
	}
	if (old_size == 0) {
		merkle_hash e;
		merkle_empty_root(e);
		if (nproof != 0)
			return Q_ERR_PROOF;
		return memcmp(old_root, e, MERKLE_HASH_LEN) == 0 ? Q_OK : Q_ERR_PROOF;
	}
	/* Step 1: an empty path fails. */
	if (nproof == 0 || nproof > MERKLE_MAX_PROOF)
		return Q_ERR_PROOF;
	/* Step 2: if old_size is a power of 2, old_root is the first path element. */
	size_t start = 0;
	const int pow2 = (old_size & (old_size - 1)) == 0;
	merkle_hash fr, sr;
	/* Steps 3-4. */
	uint64_t fn = old_size - 1, sn = new_size - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	/* Step 5. */
	if (pow2) {
		memcpy(fr, old_root, MERKLE_HASH_LEN);
	} else {
		memcpy(fr, proof[0], MERKLE_HASH_LEN);
		start = 1;
	}
	memcpy(sr, fr, MERKLE_HASH_LEN);
	/* Step 6. */
	for (size_t i = start; i < nproof; i++) {
		const uint8_t *c = proof[i];
		if (sn == 0)
			return Q_ERR_PROOF; /* proof too long */
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(fr, c, fr);
			merkle_node_hash(sr, c, sr);
			if (!(fn & 1)) {
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
			}
		} else {
			merkle_node_hash(sr, sr, c);
		}
		fn >>= 1;
		sn >>= 1;
	}
	/* Step 7. */
	if (sn != 0)
		return Q_ERR_PROOF; /* proof too short */
	if (memcmp(fr, old_root, MERKLE_HASH_LEN) != 0 ||
	    memcmp(sr, new_root, MERKLE_HASH_LEN) != 0)
		return Q_ERR_PROOF;
	return Q_OK;
}

#define LEVELS 64

struct merkle_tree {
	uint64_t size;
	/* level[l] holds size >> l hashes: level[l][i] = MTH(D[i*2^l : (i+1)*2^l]). */
	merkle_hash *level[LEVELS];
	uint64_t cap[LEVELS];
};

merkle_tree *merkle_tree_new(void)
{
	return calloc(1, sizeof(merkle_tree));
}

void merkle_tree_free(merkle_tree *t)
{
	if (t == NULL)
		return;
	for (int l = 0; l < LEVELS; l++)
		free(t->level[l]);
	free(t);
}

uint64_t merkle_tree_size(const merkle_tree *t)
{
	return t->size;
}

/* Make room for `need` hashes at level l. */
static qerr reserve(merkle_tree *t, int l, uint64_t need)
{
	if (need <= t->cap[l])
		return Q_OK;
	uint64_t cap = t->cap[l] ? t->cap[l] : 64;
	while (cap < need)
		cap *= 2;
	if (cap > SIZE_MAX / MERKLE_HASH_LEN)
		return Q_ERR_NOMEM;
	merkle_hash *p = realloc(t->level[l], (size_t)cap * MERKLE_HASH_LEN);
	if (p == NULL)
		return Q_ERR_NOMEM;
	t->level[l] = p;
	t->cap[l] = cap;
	return Q_OK;
}

qerr merkle_tree_push(merkle_tree *t, const merkle_hash *leaves, size_t n)
{
	if (n == 0)
		return Q_OK;
	uint64_t ns = t->size + n;
	if (ns < t->size)
		return Q_ERR_RANGE;
	/* Reserve everything first so that failure leaves the tree unchanged. */
	for (int l = 0; l < LEVELS && (ns >> l) > 0; l++) {
		if (reserve(t, l, ns >> l) != Q_OK)
			return Q_ERR_NOMEM;
	}
	memcpy(t->level[0][t->size], leaves, n * MERKLE_HASH_LEN);
	for (int l = 1; l < LEVELS; l++) {
		uint64_t from = t->size >> l, to = ns >> l;
		if (to == 0)
			break;
		for (uint64_t i = from; i < to; i++)
			merkle_node_hash(t->level[l][i], t->level[l - 1][2 * i],
			                 t->level[l - 1][2 * i + 1]);
	}
	t->size = ns;
	return Q_OK;
}

qerr merkle_tree_truncate(merkle_tree *t, uint64_t new_size)
{
	if (new_size > t->size)
		return Q_ERR_RANGE;
	t->size = new_size; /* level[l] entries beyond new_size >> l are ignored */
	return Q_OK;
}

qerr merkle_tree_leaf(const merkle_tree *t, uint64_t index, merkle_hash out)
{
	if (index >= t->size) {
		memset(out, 0, MERKLE_HASH_LEN);
		return Q_ERR_RANGE;
	}
	memcpy(out, t->level[0][index], MERKLE_HASH_LEN);
	return Q_OK;
}

/* Largest power of two strictly less than n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
	uint64_t k = 1;
	while (k < n - k) /* i.e. 2k < n without overflow */
		k <<= 1;
	return k;
}

/* MTH(D[start : start+m]) for m >= 1 (A-2.2, eq. (4)). */
static void range_hash(const merkle_tree *t, uint64_t start, uint64_t m, merkle_hash out)
{
	if ((m & (m - 1)) == 0) {
		int l = __builtin_ctzll(m);
		if ((start & (m - 1)) == 0) {
			memcpy(out, t->level[l][start >> l], MERKLE_HASH_LEN);
			return;
		}
	}
	uint64_t k = split_point(m);
	merkle_hash left, right;
	range_hash(t, start, k, left);
	range_hash(t, start + k, m - k, right);
	merkle_node_hash(out, left, right);
}

qerr merkle_tree_root(const merkle_tree *t, uint64_t size, merkle_hash out)
{
	if (size > t->size) {
		memset(out, 0, MERKLE_HASH_LEN);
		return Q_ERR_RANGE;
	}
	if (size == 0)
		merkle_empty_root(out);
	else
		range_hash(t, 0, size, out);
	return Q_OK;
}

/* RFC 9162 section 2.1.3.1: PATH(m, D[start : start+n]). */
static void path(const merkle_tree *t, uint64_t m, uint64_t start, uint64_t n, merkle_hash *proof,
                 size_t *np)
{
	if (n <= 1)
		return;
	uint64_t k = split_point(n);
	if (m < k) {
		path(t, m, start, k, proof, np);
		range_hash(t, start + k, n - k, proof[(*np)++]);
	} else {
		path(t, m - k, start + k, n - k, proof, np);
		range_hash(t, start, k, proof[(*np)++]);
	}
}

qerr merkle_tree_prove_inclusion(const merkle_tree *t, uint64_t index, uint64_t size,
                                 merkle_hash *proof, size_t *nproof)
{
	*nproof = 0;
	if (index >= size || size > t->size)
		return Q_ERR_RANGE;
	path(t, index, 0, size, proof, nproof);
	return Q_OK;
}

/* RFC 9162 section 2.1.4.1: SUBPROOF(m, D[start : start+n], b). */
static void subproof(const merkle_tree *t, uint64_t m, uint64_t start, uint64_t n, int b,
                     merkle_hash *proof, size_t *np)
{
	if (m == n) {
		if (!b)
			range_hash(t, start, n, proof[(*np)++]);
		return;
	}
	uint64_t k = split_point(n);
	if (m <= k) {
		subproof(t, m, start, k, b, proof, np);
		range_hash(t, start + k, n - k, proof[(*np)++]);
	} else {
		subproof(t, m - k, start + k, n - k, 0, proof, np);
		range_hash(t, start, k, proof[(*np)++]);
	}
}

qerr merkle_tree_prove_consistency(const merkle_tree *t, uint64_t old_size, uint64_t new_size,
                                   merkle_hash *proof, size_t *nproof)
{
	*nproof = 0;
	if (old_size > new_size || new_size > t->size)
		return Q_ERR_RANGE;
	if (old_size == 0 || old_size == new_size)
		return Q_OK;
	subproof(t, old_size, 0, new_size, 1, proof, nproof);
	return Q_OK;
}

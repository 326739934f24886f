/* SPDX-License-Identifier: GPL-3.0-or-later */
/* audit/merkle: RFC 6962/9162 vectors, edge cases, and a property test against
 * a naive recursive reference with single-bit corruptions. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "audit/merkle.h"
#include "crypto/sha256.h"
#include "crypto/util.h"
#include "testutil.h"
#include "vectors.h"

static void unhex32(merkle_hash out, const char *hex)
{
	cr_assert(hex_decode(out, 32, hex, strlen(hex)) == Q_OK, "bad hex %s", hex);
}

static merkle_tree *rfc_tree(void)
{
	merkle_tree *t = merkle_tree_new();
	cr_assert_not_null(t);
	for (int i = 0; i < 8; i++) {
		size_t len = 0;
		uint8_t *d = test_unhex(rfc_leaves[i], &len);
		merkle_hash h;
		merkle_leaf_hash(h, d, len);
		cr_assert(merkle_tree_push(t, (const merkle_hash *)&h, 1) == Q_OK);
		free(d);
	}
	return t;
}

Test(merkle, rfc_roots)
{
	merkle_tree *t = rfc_tree();
	merkle_hash r, want;
	for (unsigned n = 1; n <= 8; n++) {
		cr_assert(merkle_tree_root(t, n, r) == Q_OK);
		unhex32(want, rfc_roots[n - 1]);
		cr_assert(memcmp(r, want, 32) == 0, "root of size %u", n);
	}
	/* Empty tree: SHA-256(""). */
	cr_assert(merkle_tree_root(t, 0, r) == Q_OK);
	unhex32(want, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	cr_assert(memcmp(r, want, 32) == 0);
	cr_assert(merkle_tree_root(t, 9, r) == Q_ERR_RANGE);
	merkle_tree_free(t);
	merkle_tree_free(NULL);
}

Test(merkle, rfc_inclusion_proofs)
{
	merkle_tree *t = rfc_tree();
	for (size_t v = 0; v < sizeof rfc_incls / sizeof rfc_incls[0]; v++) {
		const struct rfc_incl *c = &rfc_incls[v];
		merkle_hash proof[MERKLE_MAX_PROOF], want[3], root, leaf;
		size_t n = 99;
		cr_assert(merkle_tree_prove_inclusion(t, c->index, c->size, proof, &n) == Q_OK);
		cr_assert_eq(n, c->n, "proof length for %u/%u", c->index, c->size);
		for (unsigned i = 0; i < c->n; i++) {
			unhex32(want[i], c->path[i]);
			cr_assert(memcmp(proof[i], want[i], 32) == 0, "proof %u/%u elt %u",
			          c->index, c->size, i);
		}
		unhex32(root, rfc_roots[c->size - 1]);
		cr_assert(merkle_tree_leaf(t, c->index, leaf) == Q_OK);
		cr_assert(merkle_verify_inclusion(c->index, c->size, leaf,
		                                  (const merkle_hash *)want, c->n, root) == Q_OK);
		/* Too long (an extra hash) and too short (one missing). */
		memcpy(proof[c->n], root, 32);
		cr_assert(merkle_verify_inclusion(c->index, c->size, leaf,
		                                  (const merkle_hash *)proof, c->n + 1,
		                                  root) != Q_OK);
		if (c->n > 0)
			cr_assert(merkle_verify_inclusion(c->index, c->size, leaf,
			                                  (const merkle_hash *)proof, c->n - 1,
			                                  root) != Q_OK);
	}
	merkle_tree_free(t);
}

Test(merkle, rfc_consistency_proofs)
{
	merkle_tree *t = rfc_tree();
	for (size_t v = 0; v < sizeof rfc_conss / sizeof rfc_conss[0]; v++) {
		const struct rfc_cons *c = &rfc_conss[v];
		merkle_hash proof[MERKLE_MAX_PROOF], want[3], r1, r2;
		size_t n = 99;
		cr_assert(merkle_tree_prove_consistency(t, c->old_size, c->new_size, proof, &n) ==
		          Q_OK);
		cr_assert_eq(n, c->n);
		for (unsigned i = 0; i < c->n; i++) {
			unhex32(want[i], c->path[i]);
			cr_assert(memcmp(proof[i], want[i], 32) == 0);
		}
		unhex32(r1, rfc_roots[c->old_size - 1]);
		unhex32(r2, rfc_roots[c->new_size - 1]);
		cr_assert(merkle_verify_consistency(c->old_size, c->new_size, r1, r2,
		                                    (const merkle_hash *)want, c->n) == Q_OK);
		memcpy(proof[c->n], r1, 32);
		cr_assert(merkle_verify_consistency(c->old_size, c->new_size, r1, r2,
		                                    (const merkle_hash *)proof, c->n + 1) != Q_OK);
		if (c->n > 0)
			cr_assert(merkle_verify_consistency(c->old_size, c->new_size, r1, r2,
			                                    (const merkle_hash *)proof,
			                                    c->n - 1) != Q_OK);
	}
	merkle_tree_free(t);
}

Test(merkle, edge_cases)
{
	merkle_tree *t = rfc_tree();
	merkle_hash proof[MERKLE_MAX_PROOF], r3, r8, e, leaf;
	size_t n = 7;
	unhex32(r3, rfc_roots[2]);
	unhex32(r8, rfc_roots[7]);
	merkle_empty_root(e);
	cr_assert(merkle_tree_leaf(t, 0, leaf) == Q_OK);
	/* index >= size, size 0 */
	cr_assert(merkle_tree_prove_inclusion(t, 8, 8, proof, &n) == Q_ERR_RANGE);
	cr_assert_eq(n, 0);
	cr_assert(merkle_tree_prove_inclusion(t, 0, 0, proof, &n) == Q_ERR_RANGE);
	cr_assert(merkle_tree_prove_inclusion(t, 0, 9, proof, &n) == Q_ERR_RANGE);
	cr_assert(merkle_verify_inclusion(8, 8, leaf, NULL, 0, r8) == Q_ERR_RANGE);
	cr_assert(merkle_verify_inclusion(0, 0, leaf, NULL, 0, e) == Q_ERR_RANGE);
	/* old > new */
	cr_assert(merkle_tree_prove_consistency(t, 4, 3, proof, &n) == Q_ERR_RANGE);
	cr_assert(merkle_verify_consistency(8, 3, r8, r3, NULL, 0) == Q_ERR_RANGE);
	/* equal sizes: empty proof, equal roots */
	cr_assert(merkle_tree_prove_consistency(t, 3, 3, proof, &n) == Q_OK);
	cr_assert_eq(n, 0);
	cr_assert(merkle_verify_consistency(3, 3, r3, r3, NULL, 0) == Q_OK);
	cr_assert(merkle_verify_consistency(3, 3, r3, r8, NULL, 0) == Q_ERR_PROOF);
	cr_assert(merkle_verify_consistency(3, 3, r3, r3, (const merkle_hash *)&r3, 1) ==
	          Q_ERR_PROOF);
	/* size 0: consistent with anything, with an empty proof and the empty root */
	cr_assert(merkle_tree_prove_consistency(t, 0, 8, proof, &n) == Q_OK);
	cr_assert_eq(n, 0);
	cr_assert(merkle_verify_consistency(0, 8, e, r8, NULL, 0) == Q_OK);
	cr_assert(merkle_verify_consistency(0, 8, r3, r8, NULL, 0) == Q_ERR_PROOF);
	cr_assert(merkle_verify_consistency(0, 8, e, r8, (const merkle_hash *)&r8, 1) ==
	          Q_ERR_PROOF);
	/* empty proof for 3 -> 8 */
	cr_assert(merkle_verify_consistency(3, 8, r3, r8, NULL, 0) == Q_ERR_PROOF);
	/* a 65-element proof is rejected before anything else */
	merkle_hash big[MERKLE_MAX_PROOF + 1];
	memset(big, 0, sizeof big);
	cr_assert(merkle_verify_inclusion(0, 8, leaf, (const merkle_hash *)big, 65, r8) ==
	          Q_ERR_PROOF);
	cr_assert(merkle_verify_consistency(3, 8, r3, r8, (const merkle_hash *)big, 65) ==
	          Q_ERR_PROOF);
	/* an entry of 65,535 bytes hashes like the one-shot definition */
	uint8_t *big_entry = calloc(1, 65536);
	merkle_hash h1, h2;
	merkle_leaf_hash(h1, big_entry + 1, 65535);
	sha256(h2, big_entry, 65536); /* 0x00 || 65535 zero bytes */
	cr_assert(memcmp(h1, h2, 32) == 0);
	free(big_entry);
	merkle_tree_free(t);
}

/* ---- naive recursive reference (RFC 9162 section 2.1.1 definitions) ---- */

static void ref_mth(const merkle_hash *l, uint64_t n, merkle_hash out)
{
	if (n == 0) {
		merkle_empty_root(out);
		return;
	}
	if (n == 1) {
		memcpy(out, l[0], 32);
		return;
	}
	uint64_t k = 1;
	while (2 * k < n)
		k *= 2;
	merkle_hash a, b;
	ref_mth(l, k, a);
	ref_mth(l + k, n - k, b);
	uint8_t buf[65];
	buf[0] = 1;
	memcpy(buf + 1, a, 32);
	memcpy(buf + 33, b, 32);
	sha256(out, buf, 65);
}

static uint64_t ref_split(uint64_t n)
{
	uint64_t k = 1;
	while (2 * k < n)
		k *= 2;
	return k;
}

/* shape[i]: 'R' sibling on the right, 'L' on the left. */
static void ref_path(const merkle_hash *l, uint64_t m, uint64_t n, merkle_hash *out, char *shape,
                     size_t *np)
{
	if (n <= 1)
		return;
	uint64_t k = ref_split(n);
	if (m < k) {
		ref_path(l, m, k, out, shape, np);
		ref_mth(l + k, n - k, out[*np]);
		shape[(*np)++] = 'R';
	} else {
		ref_path(l + k, m - k, n - k, out, shape, np);
		ref_mth(l, k, out[*np]);
		shape[(*np)++] = 'L';
	}
}

/* shape: 'S' the old subtree root given explicitly, 'R' new-only right
 * sibling, 'L' left sibling of both. */
static void ref_sub(const merkle_hash *l, uint64_t m, uint64_t n, int b, merkle_hash *out,
                    char *shape, size_t *np)
{
	if (m == n) {
		if (!b) {
			ref_mth(l, m, out[*np]);
			shape[(*np)++] = 'S';
		}
		return;
	}
	uint64_t k = ref_split(n);
	if (m <= k) {
		ref_sub(l, m, k, b, out, shape, np);
		ref_mth(l + k, n - k, out[*np]);
		shape[(*np)++] = 'R';
	} else {
		ref_sub(l + k, m - k, n - k, 0, out, shape, np);
		ref_mth(l, k, out[*np]);
		shape[(*np)++] = 'L';
	}
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void check_inclusion(const merkle_tree *t, const merkle_hash *leaves, uint64_t i, uint64_t n,
                            int flips)
{
	merkle_hash p[MERKLE_MAX_PROOF], rp[MERKLE_MAX_PROOF], root;
	char shape[MERKLE_MAX_PROOF + 1], shape2[MERKLE_MAX_PROOF + 1];
	size_t np = 0, rn = 0;
	cr_assert(merkle_tree_prove_inclusion(t, i, n, p, &np) == Q_OK);
	ref_path(leaves, i, n, rp, shape, &rn);
	shape[rn] = 0;
	cr_assert_eq(np, rn, "inclusion %lu/%lu length", (unsigned long)i, (unsigned long)n);
	cr_assert(memcmp(p, rp, np * 32) == 0, "inclusion %lu/%lu differs from the reference",
	          (unsigned long)i, (unsigned long)n);
	ref_mth(leaves, n, root);
	cr_assert(merkle_verify_inclusion(i, n, leaves[i], (const merkle_hash *)p, np, root) ==
	          Q_OK);
	if (!flips)
		return;
	merkle_hash leaf, r2;
	for (size_t e = 0; e < np; e++)
		for (int bit = 0; bit < 256; bit++) {
			p[e][bit / 8] ^= (uint8_t)(1u << (bit % 8));
			cr_assert(merkle_verify_inclusion(i, n, leaves[i], (const merkle_hash *)p,
			                                  np, root) != Q_OK);
			p[e][bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
	for (int bit = 0; bit < 256; bit++) {
		memcpy(r2, root, 32);
		r2[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		cr_assert(merkle_verify_inclusion(i, n, leaves[i], (const merkle_hash *)p, np,
		                                  r2) != Q_OK);
		memcpy(leaf, leaves[i], 32);
		leaf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		cr_assert(merkle_verify_inclusion(i, n, leaf, (const merkle_hash *)p, np, root) !=
		          Q_OK);
	}
	for (int bit = 0; bit < 64; bit++) {
		uint64_t i2 = i ^ (1ull << bit), n2 = n ^ (1ull << bit);
		/* RFC 9162 proofs do not bind the size or index by themselves (the signed
		 * checkpoint does): a changed claim may verify only when it has exactly
		 * the same proof shape.  Anything else must be rejected. */
		if (merkle_verify_inclusion(i2, n, leaves[i], (const merkle_hash *)p, np, root) ==
		    Q_OK) {
			size_t k = 0;
			cr_assert(i2 < n);
			ref_path(leaves, i2, n, rp, shape2, &k);
			shape2[k] = 0;
			cr_assert(k == rn && strcmp(shape, shape2) == 0, "index flip accepted");
		}
		if (merkle_verify_inclusion(i, n2, leaves[i], (const merkle_hash *)p, np, root) ==
		    Q_OK) {
			size_t k = 0;
			cr_assert(i < n2 && n2 < 1u << 13, "size flip accepted");
			char *s3 = calloc(1, 128);
			merkle_hash *tmp = calloc(64, 32);
			merkle_hash *fake = calloc(n2, 32); /* shapes only */
			ref_path(fake, i, n2, tmp, s3, &k);
			cr_assert(k == rn && strcmp(shape, s3) == 0, "size flip accepted");
			free(s3);
			free(tmp);
			free(fake);
		}
	}
}

static void check_consistency(const merkle_tree *t, const merkle_hash *leaves, uint64_t m,
                              uint64_t n, int flips)
{
	merkle_hash p[MERKLE_MAX_PROOF], rp[MERKLE_MAX_PROOF], r1, r2, x;
	char shape[MERKLE_MAX_PROOF + 1];
	size_t np = 0, rn = 0;
	cr_assert(merkle_tree_prove_consistency(t, m, n, p, &np) == Q_OK);
	if (m > 0 && m < n)
		ref_sub(leaves, m, n, 1, rp, shape, &rn);
	shape[rn] = 0;
	cr_assert_eq(np, rn);
	cr_assert(memcmp(p, rp, np * 32) == 0, "consistency %lu->%lu differs from the reference",
	          (unsigned long)m, (unsigned long)n);
	ref_mth(leaves, m, r1);
	ref_mth(leaves, n, r2);
	cr_assert(merkle_verify_consistency(m, n, r1, r2, (const merkle_hash *)p, np) == Q_OK);
	if (!flips)
		return;
	for (size_t e = 0; e < np; e++)
		for (int bit = 0; bit < 256; bit++) {
			p[e][bit / 8] ^= (uint8_t)(1u << (bit % 8));
			cr_assert(merkle_verify_consistency(m, n, r1, r2, (const merkle_hash *)p,
			                                    np) != Q_OK);
			p[e][bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
	for (int bit = 0; bit < 256; bit++) {
		memcpy(x, r1, 32);
		x[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		cr_assert(merkle_verify_consistency(m, n, x, r2, (const merkle_hash *)p, np) !=
		          Q_OK);
		/* (the empty tree is a prefix of every tree: any new root holds) */
		memcpy(x, r2, 32);
		x[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		cr_assert(m == 0 || merkle_verify_consistency(m, n, r1, x, (const merkle_hash *)p,
		                                              np) != Q_OK);
	}
	for (int bit = 0; bit < 64; bit++) {
		uint64_t m2 = m ^ (1ull << bit), n2 = n ^ (1ull << bit);
		uint64_t sizes[2][2] = {{m2, n}, {m, n2}};
		for (int s = 0; s < 2; s++) {
			uint64_t a = sizes[s][0], b = sizes[s][1];
			if (merkle_verify_consistency(a, b, r1, r2, (const merkle_hash *)p, np) !=
			    Q_OK)
				continue;
			if (a == 0 && m == 0)
				continue; /* the empty tree is a prefix of every tree */
			/* Only an identical proof shape may be accepted (see above). */
			cr_assert(a > 0 && a < b && b < 1u << 13, "size flip accepted");
			merkle_hash *fake = calloc(b, 32);
			merkle_hash *tmp = calloc(64, 32);
			char s2[MERKLE_MAX_PROOF + 1];
			size_t k = 0;
			ref_sub(fake, a, b, 1, tmp, s2, &k);
			s2[k] = 0;
			cr_assert(k == rn && strcmp(s2, shape) == 0, "size flip %lu->%lu accepted",
			          (unsigned long)a, (unsigned long)b);
			free(fake);
			free(tmp);
		}
	}
}

Test(merkle, property_against_reference, .timeout = 120)
{
	const uint64_t N = 3000;
	merkle_hash *leaves = malloc(N * sizeof *leaves);
	merkle_tree *t = merkle_tree_new();
	cr_assert(leaves != NULL && t != NULL);
	for (uint64_t i = 0; i < N; i++) {
		/* Distinct entries (index, then 0..16 random bytes), so that no
		 * claim about another index is accidentally true. */
		uint8_t e[24];
		size_t len = 8 + rnd() % 17;
		memcpy(e, &i, 8);
		for (size_t j = 8; j < len; j++)
			e[j] = (uint8_t)rnd();
		merkle_leaf_hash(leaves[i], e, len);
	}
	/* Pushed in random-size batches, so push's incremental levels are tested. */
	for (uint64_t i = 0; i < N;) {
		uint64_t k = 1 + rnd() % 300;
		if (k > N - i)
			k = N - i;
		cr_assert(merkle_tree_push(t, (const merkle_hash *)leaves + i, k) == Q_OK);
		i += k;
	}
	cr_assert_eq(merkle_tree_size(t), N);
	/* Every proof of every small tree. */
	for (uint64_t n = 1; n <= 40; n++) {
		for (uint64_t i = 0; i < n; i++)
			check_inclusion(t, leaves, i, n, n <= 12);
		for (uint64_t m = 0; m <= n; m++)
			check_consistency(t, leaves, m, n, n <= 12);
	}
	/* Random large trees: every root; sampled proofs, some with all bit flips. */
	for (int round = 0; round < 60; round++) {
		uint64_t n = 1 + rnd() % N;
		merkle_hash r, want;
		cr_assert(merkle_tree_root(t, n, r) == Q_OK);
		ref_mth(leaves, n, want);
		cr_assert(memcmp(r, want, 32) == 0, "root of size %lu", (unsigned long)n);
		check_inclusion(t, leaves, rnd() % n, n, round % 6 == 0);
		check_consistency(t, leaves, rnd() % (n + 1), n, round % 6 == 0);
	}
	/* Truncate and re-grow gives the same tree. */
	merkle_hash r1, r2;
	cr_assert(merkle_tree_root(t, N, r1) == Q_OK);
	cr_assert(merkle_tree_truncate(t, 777) == Q_OK);
	cr_assert(merkle_tree_push(t, (const merkle_hash *)leaves + 777, N - 777) == Q_OK);
	cr_assert(merkle_tree_root(t, N, r2) == Q_OK);
	cr_assert(memcmp(r1, r2, 32) == 0);
	cr_assert(merkle_tree_truncate(t, N + 1) == Q_ERR_RANGE);
	merkle_tree_free(t);
	free(leaves);
}

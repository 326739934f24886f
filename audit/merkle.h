/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * merkle.h -- RFC 9162 Merkle tree hashing and proofs (spec: docs/spec/audit.md, A-2).
 *
 * Pure computation, no I/O.  Two halves:
 *  - free functions that hash and VERIFY (leaf/node hashes, inclusion and
 *    consistency proof verification, RFC 9162 sections 2.1.3.2 and 2.1.4.2);
 *  - merkle_tree, an in-memory cache of every complete subtree hash (level l
 *    holds the size >> l hashes of the aligned perfect subtrees of 2^l leaves),
 *    which yields roots and proofs for any size <= its own in O(log n) hashes.
 *    It costs 64 bytes per leaf and one node hash per leaf, amortised.
 *
 * Nothing here is secret: no function is constant-time, and none needs to be.
 * Every proof verifier treats its inputs as hostile: a bad size, an index out
 * of range, a proof that is too long or too short is a failure, never a crash.
 */
#ifndef QUORUM_AUDIT_MERKLE_H
#define QUORUM_AUDIT_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/qerr.h"

#define MERKLE_HASH_LEN 32
/* The longest entry: 65,535 bytes; the empty entry is valid. */
#define MERKLE_MAX_ENTRY 65535
/* No proof for a tree of at most 2^64 - 1 leaves has more than 64 hashes. */
#define MERKLE_MAX_PROOF 64

typedef uint8_t merkle_hash[MERKLE_HASH_LEN];

/* leaf hash SHA-256(0x00 || entry).  len may be 0 (entry may then be NULL). */
void merkle_leaf_hash(merkle_hash out, const void *entry, size_t len);

/* node hash SHA-256(0x01 || left || right).  out may alias left or right. */
void merkle_node_hash(merkle_hash out, const merkle_hash left, const merkle_hash right);

/* the root of the empty tree, SHA-256(""). */
void merkle_empty_root(merkle_hash out);

/*
 * verify that leaf (a leaf hash) is at index in the tree of the given
 * size and root, by the RFC 9162 section 2.1.3.2 algorithm.
 * Returns Q_OK if it holds; Q_ERR_RANGE if index >= size (size 0 included);
 * Q_ERR_PROOF if the proof has the wrong length or does not lead to root.
 */
Q_MUST_CHECK qerr merkle_verify_inclusion(uint64_t index, uint64_t size, const merkle_hash leaf,
                                          const merkle_hash *proof, size_t nproof,
                                          const merkle_hash root);

/*
 * verify that the tree (old_size, old_root) is a prefix of
 * (new_size, new_root), RFC 9162 section 2.1.4.2.  Edge cases:
 * old_size > new_size is Q_ERR_RANGE; old_size == new_size requires an empty
 * proof and equal roots; old_size == 0 requires an empty proof and old_root
 * equal to the empty root (the empty tree is a prefix of every tree).
 * Returns Q_OK if it holds, Q_ERR_PROOF otherwise.
 */
Q_MUST_CHECK qerr merkle_verify_consistency(uint64_t old_size, uint64_t new_size,
                                            const merkle_hash old_root, const merkle_hash new_root,
                                            const merkle_hash *proof, size_t nproof);

typedef struct merkle_tree merkle_tree;

/* A new empty tree, or NULL on allocation failure.  merkle_tree_free(NULL) is safe. */
merkle_tree *merkle_tree_new(void);
void merkle_tree_free(merkle_tree *t);

/* Number of leaves. */
uint64_t merkle_tree_size(const merkle_tree *t);

/* Append n leaf hashes.  Q_ERR_NOMEM leaves the tree unchanged. */
Q_MUST_CHECK qerr merkle_tree_push(merkle_tree *t, const merkle_hash *leaves, size_t n);

/* Drop leaves so that size becomes new_size (<= size); Q_ERR_RANGE otherwise. */
Q_MUST_CHECK qerr merkle_tree_truncate(merkle_tree *t, uint64_t new_size);

/* Leaf hash at index; Q_ERR_RANGE if index >= size (out is then zeroed). */
Q_MUST_CHECK qerr merkle_tree_leaf(const merkle_tree *t, uint64_t index, merkle_hash out);

/* Root of the first size leaves (size <= tree size, 0 gives the empty root);
 * Q_ERR_RANGE otherwise (out is then zeroed). */
Q_MUST_CHECK qerr merkle_tree_root(const merkle_tree *t, uint64_t size, merkle_hash out);

/*
 * PATH(index, D[0:size]) of RFC 9162 section 2.1.3.1, leaf to root.
 * proof must hold MERKLE_MAX_PROOF hashes; *nproof gets the count.
 * Q_ERR_RANGE if index >= size or size > tree size (*nproof is then 0).
 */
Q_MUST_CHECK qerr merkle_tree_prove_inclusion(const merkle_tree *t, uint64_t index, uint64_t size,
                                              merkle_hash *proof, size_t *nproof);

/*
 * PROOF(old_size, D[0:new_size]) of RFC 9162 section 2.1.4.1.
 * Empty when old_size == 0 or old_size == new_size.  Q_ERR_RANGE if
 * old_size > new_size or new_size > tree size (*nproof is then 0).
 */
Q_MUST_CHECK qerr merkle_tree_prove_consistency(const merkle_tree *t, uint64_t old_size,
                                                uint64_t new_size, merkle_hash *proof,
                                                size_t *nproof);

#endif

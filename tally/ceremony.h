/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ceremony.h -- the k-of-n key ceremony, one step per trustee per call
 * (docs/spec/record.md R-4; the mathematics is docs/spec/crypto.md C-5).
 *
 * The files travel between the trustees' machines through a carrier (the
 * returning officer) who is NOT trusted: every file a trustee makes is
 * signed with its long-term Ed25519 key (tsig.h, R-4.0), and every step
 * checks what it consumes against the roster of signing keys that the
 * trustee confirmed by fingerprint.
 *
 *   generate  trustee i: polynomial, transport key and signing key, sealed
 *             in a NEW passphrase-sealed file; publishes only a signed hash
 *             commitment (trustees/<i>/commitment.json, R-4.1).
 *   reveal    trustee i, once all n have committed: with the roster the
 *             trustee confirmed, the signed public file (commitments,
 *             Schnorr proofs, transport key and its proof, roster; ).
 *   deal      trustee i: every public file verified under i's roster;
 *             P_i(r) sealed to r's transport key and signed.
 *   receive   trustee r: every share's signature checked before it is
 *             opened (a bad one is the carrier's doing: no dealer accused);
 *             a signed share failing Feldman names its dealer in a signed
 *             complaint; else the key file and a signed received.json
 *             with S_r and the joint key.
 *   finish    anyone: everything above re-verified, every trustee's
 *             received.json agrees on K -> joint_key.json, election log.
 *
 * Secrets (coefficients, transport scalar, signing seed, shares, s_i) live
 * in scalars (wiped by scalar_free), secbufs (libgcrypt secure memory) and
 * sig_secrets (wiped) on every path.  The passphrase is the caller's.
 * Errors: qerr plus an English sentence in msg naming the file/trustee.
 */
#ifndef QUORUM_TALLY_CEREMONY_H
#define QUORUM_TALLY_CEREMONY_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/group.h"
#include "crypto/kdf.h"
#include "crypto/proof.h"
#include "crypto/qerr.h"
#include "crypto/sig.h"
#include "record.h"

#define CEREMONY_SECRET_MAGIC "QTSEC2\0\0"
#define CEREMONY_KEY_MAGIC "QTKEY2\0\0"
#define CEREMONY_MAGIC_LEN 8
#define CEREMONY_COMMIT_FORMAT "quorum-trustee-commitment/1"
#define CEREMONY_PUBLIC_FORMAT "quorum-trustee/2"
#define CEREMONY_RECEIVED_FORMAT "quorum-received/2"
#define CEREMONY_COMPLAINT_FORMAT "quorum-complaint/2"
#define CEREMONY_TAG_COEFFS "quorum/v2/tally/coefficients"
#define CEREMONY_TAG_TRANSPORT "quorum/v2/tally/transport-key"
#define CEREMONY_JOINT_FORMAT "quorum-joint-key/1"

/* A trustee's public file, parsed and verified. */
typedef struct trustee_pub {
	uint32_t i, k;
	point **C; /* k commitments */
	schnorr_proof **pf; /* k proofs */
	uint8_t transport[POINT_LEN];
	uint8_t sigkey[SIG_PUBLIC_LEN];
} trustee_pub;

void trustee_pub_free(trustee_pub *t);

/* Every trustee's public file verified under one roster. */
typedef struct trustee_set {
	uint32_t n, k;
	uint8_t (*roster)[SIG_PUBLIC_LEN]; /* roster[i-1] = pk_i */
	trustee_pub **pub; /* pub[i-1] */
} trustee_set;

void trustee_set_free(trustee_set *s);

/*
 * Load and verify every trustees/<d>/public.json with its commitment.json
 * signatures by the roster's keys, same roster in every file,
 * hash commitment opened, every Schnorr proof.  The roster is taken from
 * trustee anchor_i's public file, whose signature must verify under
 * anchor_pk (the trustee's own sealed key); with anchor_pk NULL it is
 * taken from trustees/1/public.json (for the returning officer, the tally
 * and combine: only self-consistency).  Q_ERR_NOTFOUND names a missing
 * file; Q_ERR_SIGNATURE a bad signature; Q_ERR_PROOF a bad proof.
 */
Q_MUST_CHECK qerr ceremony_load_set(const rec_election *el, uint32_t anchor_i,
                                    const uint8_t *anchor_pk, trustee_set **out, char *msg,
                                    size_t msgsz);

/* params: Argon2id costs for the sealed file (NULL = kdf_params_default).
 * pk (if non-NULL) receives the new signing key, whose fingerprint the
 * trustee reads out (tsig_fingerprint). */
Q_MUST_CHECK qerr ceremony_generate(const rec_election *el, uint32_t i, const char *secret_path,
                                    const void *pass, size_t passlen, const kdf_params *params,
                                    uint8_t pk[SIG_PUBLIC_LEN], char *msg, size_t msgsz);

/* The n signing keys named by the commitment files, each file
 * signed by the key it names: what the trustees compare by fingerprint
 * before reveal.  Q_ERR_NOTFOUND names the first trustee not committed. */
Q_MUST_CHECK qerr ceremony_commitment_keys(const rec_election *el, uint8_t (*pks)[SIG_PUBLIC_LEN],
                                           char *msg, size_t msgsz);

/* roster = the n keys the trustee confirmed (by fingerprint); they
 * must be exactly the commitment files' keys and roster[i-1] the sealed
 * key's.  A wrong passphrase is Q_ERR_AUTH. */
Q_MUST_CHECK qerr ceremony_reveal(const rec_election *el, uint32_t i, const char *secret_path,
                                  const void *pass, size_t passlen,
                                  const uint8_t (*roster)[SIG_PUBLIC_LEN], char *msg, size_t msgsz);

Q_MUST_CHECK qerr ceremony_deal(const rec_election *el, uint32_t i, const char *secret_path,
                                const void *pass, size_t passlen, char *msg, size_t msgsz);

/* bad (if non-NULL, el->n entries) gets 1 for each dealer whose signed
 * share failed; Q_ERR_PROOF then, msg naming them.  A missing share is
 * Q_ERR_NOTFOUND; a share not signed by its dealer Q_ERR_SIGNATURE (the
 * carrier's doing: nobody is accused). */
Q_MUST_CHECK qerr ceremony_receive(const rec_election *el, uint32_t i, const char *secret_path,
                                   const char *key_path, const void *pass, size_t passlen,
                                   const kdf_params *params, uint8_t *bad, char *msg, size_t msgsz);

Q_MUST_CHECK qerr ceremony_finish(const rec_election *el, char *msg, size_t msgsz);

/*
 * re-checked: every public file verifies (ceremony_load_set
 * with the given anchor), every received.json is signed by its trustee and
 * names S_r and the same K, and joint_key.json holds exactly K and S_1..S_n
 * computed from the commitments.  Q_ERR_PROOF / Q_ERR_SIGNATURE (msg names
 * the file) if not; Q_ERR_STATE if the ceremony is not finished.  The
 * tally, decrypt and combine call this before using the keys.  set (if
 * non-NULL) receives the verified set (roster included).
 */
Q_MUST_CHECK qerr ceremony_check_keys(const rec_election *el, uint32_t anchor_i,
                                      const uint8_t *anchor_pk, trustee_set **set, char *msg,
                                      size_t msgsz);

/* ceremony_check_keys without an anchor and without keeping the set. */
Q_MUST_CHECK qerr ceremony_check_joint_key(const rec_election *el, char *msg, size_t msgsz);

/* Open trustee i's key file into s (secret; the caller frees it
 * with scalar_free) and sk (the caller wipes it).  Checks that the file
 * belongs to this election's key ceremony and to trustee i. */
Q_MUST_CHECK qerr ceremony_key_open(const rec_election *el, uint32_t i, const char *key_path,
                                    const void *pass, size_t passlen, scalar *s, sig_secret *sk,
                                    char *msg, size_t msgsz);

#endif

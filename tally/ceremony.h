/*
 * ceremony.h -- the k-of-n key ceremony, one step per trustee per call
 * (docs/spec/record.md R-4; the mathematics is docs/spec/crypto.md C-5).
 *
 *   generate  trustee i: a random degree-(k-1) polynomial, its Feldman
 *             commitments with Schnorr proofs, and a P-256 transport key;
 *             public part -> trustees/<i>/public.json, secret part ->
 *             a NEW passphrase-sealed file (seal_file_write: Argon2id +
 *             AES-256-GCM, O_EXCL|O_NOFOLLOW, 0600).
 *   deal      trustee i (every public.json present and its proofs valid):
 *             P_i(r) sealed to trustee r's transport key, for each r != i
 *             -> trustees/<i>/shares/<r>.sealed.
 *   receive   trustee r: open every dealer's share, check it against that
 *             dealer's commitments (Feldman), name every cheating dealer
 *             (trustees/<r>/complaint.json, Q_ERR_PROOF); if all are good,
 *             s_r = sum_d P_d(r) -> a NEW sealed key file, and
 *             trustees/<r>/received.json with S_r.
 *   finish    anyone: every public.json verified, every trustee received
 *             without complaint, S_r as published; joint key K and every
 *             S_i -> joint_key.json; commitments, proofs and the joint key
 *             appended to the election log with a signed checkpoint.
 *
 * Secrets (polynomial coefficients, transport scalar, shares, s_i) live in
 * scalars (wiped by scalar_free) and secbufs (libgcrypt secure memory) and
 * are wiped on every path.  The passphrase is the caller's (wipe it).
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
#include "record.h"

#define CEREMONY_SECRET_MAGIC "QTSEC1\0\0"
#define CEREMONY_KEY_MAGIC "QTKEY1\0\0"
#define CEREMONY_MAGIC_LEN 8
#define CEREMONY_PUBLIC_FORMAT "quorum-trustee/1"
#define CEREMONY_RECEIVED_FORMAT "quorum-received/1"
#define CEREMONY_COMPLAINT_FORMAT "quorum-complaint/1"
#define CEREMONY_JOINT_FORMAT "quorum-joint-key/1"

/* A trustee's public file, parsed (and, if asked, verified). */
typedef struct trustee_pub {
	uint32_t i, k;
	point **C; /* k commitments */
	schnorr_proof **pf; /* k proofs */
	uint8_t transport[POINT_LEN];
} trustee_pub;

void trustee_pub_free(trustee_pub *t);

/* Read trustees/<i>/public.json.  With verify set, every Schnorr proof is
 * checked; a failing one is Q_ERR_PROOF naming trustee and index.
 * Q_ERR_NOTFOUND if the file is missing. */
Q_MUST_CHECK qerr ceremony_load_public(const rec_election *el, uint32_t i, int verify,
                                       trustee_pub **out, char *msg, size_t msgsz);

/* params: Argon2id costs for the sealed file (NULL = kdf_params_default). */
Q_MUST_CHECK qerr ceremony_generate(const rec_election *el, uint32_t i, const char *secret_path,
                                    const void *pass, size_t passlen, const kdf_params *params,
                                    char *msg, size_t msgsz);

/* A wrong passphrase is Q_ERR_AUTH ("wrong passphrase or damaged file"). */
Q_MUST_CHECK qerr ceremony_deal(const rec_election *el, uint32_t i, const char *secret_path,
                                const void *pass, size_t passlen, char *msg, size_t msgsz);

/* bad (if non-NULL, el->n entries) gets 1 for each dealer whose share
 * failed; Q_ERR_PROOF then, msg naming them.  A missing share is
 * Q_ERR_NOTFOUND. */
Q_MUST_CHECK qerr ceremony_receive(const rec_election *el, uint32_t i, const char *secret_path,
                                   const char *key_path, const void *pass, size_t passlen,
                                   const kdf_params *params, uint8_t *bad, char *msg, size_t msgsz);

Q_MUST_CHECK qerr ceremony_finish(const rec_election *el, char *msg, size_t msgsz);

/* re-checked: every public.json verifies and joint_key.json holds
 * exactly K and S_1..S_n computed from the commitments.  Q_ERR_PROOF (msg
 * names the key) if not; Q_ERR_STATE if the ceremony is not finished.
 * The tally and the combination call this before using the keys. */
Q_MUST_CHECK qerr ceremony_check_joint_key(const rec_election *el, char *msg, size_t msgsz);

/* Open trustee i's key file into s (which is then secret; the
 * caller frees it with scalar_free).  Checks that the file belongs to this
 * election's key ceremony and to trustee i. */
Q_MUST_CHECK qerr ceremony_key_open(const rec_election *el, uint32_t i, const char *key_path,
                                    const void *pass, size_t passlen, scalar *s, char *msg,
                                    size_t msgsz);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tsig.h -- files signed by a trustee (docs/spec/record.md ).
 *
 * Every file a trustee makes (commitment.json, public.json, sealed
 * shares, received.json, complaint.json, partial decryptions) is signed
 * with the trustee's long-term Ed25519 key over
 *   H_T("quorum/v2/tally/trustee-file"; key_ctx, u32(i), path, SHA-256(bytes))
 * and the signature stored next to it as <path>.sig (base64 + "\n").
 * Paths are relative to the election directory, so a file moved to
 * another place, trustee or election no longer verifies.  The carrier
 * of the files (the returning officer) is not trusted.
 *
 * Fingerprints: the first 16 bytes of SHA-256(pk) in 8 groups of 4 hex
 * digits, read out at the ceremony and compared by the trustees.
 *
 * Nothing here holds a secret except the sig_secret the caller passes.
 */
#ifndef QUORUM_TALLY_TSIG_H
#define QUORUM_TALLY_TSIG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/qerr.h"
#include "crypto/sig.h"
#include "record.h"

#define TSIG_TAG "quorum/v2/tally/trustee-file"
#define TSIG_FP_LEN SIG_FP_BYTES /* bytes of SHA-256(pk) in a fingerprint */
#define TSIG_FP_TEXT SIG_FP_TEXT /* "xxxx ... xxxx" (8 groups) + NUL */

/* the 32-byte message that trustee i signs for the file at rel. */
void tsig_digest(uint8_t out[SHA256_LEN], const uint8_t key_ctx[SHA256_LEN], uint32_t i,
                 const char *rel, const uint8_t file_hash[SHA256_LEN]);

/* Write rel.sig for the bytes of rel (signature first; the caller writes
 * the file afterwards, so a crash never leaves a file without its
 * signature).  Q_ERR_IO, Q_ERR_NOMEM. */
Q_MUST_CHECK qerr tsig_sign(const rec_election *el, uint32_t i, const sig_secret *sk,
                            const char *rel, const void *bytes, size_t len, char *msg,
                            size_t msgsz);

/* Sign then write: rel.sig, then rel (excl as rec_write_file, mode 0644). */
Q_MUST_CHECK qerr tsig_write_file(const rec_election *el, uint32_t i, const sig_secret *sk,
                                  const char *rel, const void *bytes, size_t len, int excl,
                                  char *msg, size_t msgsz);
/* The same for JSON serialised as rec_write_json does. */
Q_MUST_CHECK qerr tsig_write_json(const rec_election *el, uint32_t i, const sig_secret *sk,
                                  const char *rel, const json_t *j, int excl, char *msg,
                                  size_t msgsz);

/* Check rel.sig against the given bytes of rel and trustee i's key pk.
 * Q_ERR_SIGNATURE (msg: "<rel>: not signed by trustee i ...") if the
 * signature file is missing, malformed or does not verify. */
Q_MUST_CHECK qerr tsig_verify(const rec_election *el, uint32_t i, const uint8_t pk[SIG_PUBLIC_LEN],
                              const char *rel, const void *bytes, size_t len, char *msg,
                              size_t msgsz);

/* Read rel (at most max bytes) and check its signature: out and len as
 * rec_read_file.  Q_ERR_NOTFOUND if rel is missing. */
Q_MUST_CHECK qerr tsig_read_verified(const rec_election *el, uint32_t i,
                                     const uint8_t pk[SIG_PUBLIC_LEN], const char *rel, size_t max,
                                     uint8_t **out, size_t *len, char *msg, size_t msgsz);
/* The same, parsed as JSON (duplicate keys rejected). */
Q_MUST_CHECK qerr tsig_read_json(const rec_election *el, uint32_t i,
                                 const uint8_t pk[SIG_PUBLIC_LEN], const char *rel, json_t **out,
                                 char *msg, size_t msgsz);

/* The fingerprint text of pk (R-4.0; sig_fingerprint). */
void tsig_fingerprint(char out[TSIG_FP_TEXT], const uint8_t pk[SIG_PUBLIC_LEN]);

/* Parse a fingerprints file (R-4.0: "<i> <fingerprint>" per line) for n
 * trustees into fps[i-1] (TSIG_FP_LEN bytes each).  Every trustee 1..n
 * exactly once; Q_ERR_FORMAT names the line. */
Q_MUST_CHECK qerr tsig_read_fingerprints(const char *path, uint32_t n, uint8_t (*fps)[TSIG_FP_LEN],
                                         char *msg, size_t msgsz);

/* 1 if pk's fingerprint is fp. */
int tsig_fingerprint_matches(const uint8_t pk[SIG_PUBLIC_LEN], const uint8_t fp[TSIG_FP_LEN]);

#endif

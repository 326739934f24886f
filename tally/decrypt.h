/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * decrypt.h -- partial decryption by one trustee, and the combination of
 * any k valid partial decryptions into counts and a decision
 * (docs/spec/record.md; crypto in docs/spec/crypto.md C-4.2, C-5).
 *
 *   decrypt  trustee i opens their key file, checks s_i*G against the
 *            published S_i, and for every selection of the aggregate
 *            (A, B) writes M_i = s_i*A with a Chaum-Pedersen proof that
 *            log_G S_i = log_A M_i, bound to the base hash and i
 *            -> tally/partials/<i>.json.
 *   combine  every partial present is checked (aggregate hash, every
 *            proof); an invalid one is named and skipped; with at least k
 *            valid ones the first k (by index) are combined by Lagrange,
 *            mG = B - M decoded by baby-step giant-step (table sized to
 *            the number of ballots), the counts go through the rule engine
 *            (election/decide.h) and tally/result.json is written and
 *            appended to the election log with a signed checkpoint
 *            (tally/result.checkpoint).
 *
 * Secrets: s_i only inside tally_decrypt, in a scalar wiped by scalar_free.
 */
#ifndef QUORUM_TALLY_DECRYPT_H
#define QUORUM_TALLY_DECRYPT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/qerr.h"
#include "count.h"
#include "record.h"

#define TALLY_PARTIAL_FORMAT "quorum-partial/2"
#define TALLY_RESULT_FORMAT "quorum-result/1"
#define TALLY_RESULT_FORMAT_WRITEIN "quorum-result/1.1" /* */

/*
 * trustee i decrypts only what it has verified itself: its key file
 * (share and signing key), every trustee file under the roster it signed,
 * and the aggregate, which it rebuilds from the station records with
 * every check of the tally (o: threads, progress bar) and compares byte
 * for byte with tally/aggregate.json (Q_ERR_CONSISTENCY naming both
 * hashes if they differ).  The signed partial goes to
 * tally/partials/<i>.json(.sig).  agg_hash (may be NULL) receives the
 * SHA-256 of the aggregate decrypted.
 */
Q_MUST_CHECK qerr tally_decrypt(const rec_election *el, uint32_t i, const char *key_path,
                                const void *pass, size_t passlen, const tally_opts *o,
                                uint8_t agg_hash[SHA256_LEN], char *msg, size_t msgsz);

/* Options of tally_combine. */
typedef struct combine_report {
	uint32_t used[256]; /* trustees whose partials were combined */
	size_t nused;
	uint32_t skipped[256]; /* trustees whose partials were invalid */
	size_t nskipped;
} combine_report;

/* rep may be NULL.  Q_ERR_PROOF if fewer than k partials are valid (msg
 * names the invalid ones); Q_ERR_NOTFOUND if fewer than k exist;
 * Q_ERR_RANGE if a count does not decode (more than the ballots). */
Q_MUST_CHECK qerr tally_combine(const rec_election *el, combine_report *rep, char *msg,
                                size_t msgsz);

/* tally_combine for an election with write-in slots (R-12.5-R-12.7): roll
 * (len bytes) is the roll CSV whose SHA-256 is parameters.roll_hash,
 * against which the decrypted names are matched; NULL (tally_combine) is
 * refused (Q_ERR_ARG) when the ballot has slots, ignored otherwise.
 * The result is quorum-result/1.1 with "write_ins". */
Q_MUST_CHECK qerr tally_combine_roll(const rec_election *el, const uint8_t *roll, size_t roll_len,
                                     combine_report *rep, char *msg, size_t msgsz);

#endif

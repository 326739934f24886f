/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * count.h -- the tally: read every station record, check it, verify every
 * ballot and add the counted ballots homomorphically (docs/spec/record.md
 *
 *
 * Station records are the daemon's (docs/spec/protocol.md P-7):
 *   DIR/stations/<id>/station-record.json       the record, exact bytes
 *   DIR/stations/<id>/station-record.json.sig   base64 Ed25519 signature
 *   DIR/stations/<id>/log/                      the station's audit log
 *   DIR/stations/<id>/vkey  (optional)          the station key registered
 *                                               by the returning officer
 * Checks per station, each failure named: signature, election,
 * base hash, manifest hash and joint key; the checkpoint in the record is
 * signed by the station key and matches the log; the log verifies
 * (log_verify), every ballot of the record is a "ballot-cast" entry of
 * the log and the number of such entries is the cast count; tracking codes
 * are those of the ballots; issued >= cast (COUNT.reconcile); the
 * checked_in list has issued roll ids, sorted, none twice (R-5 (9)); every
 * roll-imported entry of the log names the election's roll_hash (R-5 (10)).
 * Across stations: no ballot appears twice, no roll id is checked in twice.  Every ballot's proofs
 * are verified (ballot_verify_batch_enc, TALLY_BATCH_BALLOTS ballots per batch) on nthreads
 * threads.
 *
 * Memory: each station record is read once, one ballot entry at a
 * time (election/srec_stream.h), its ballots verified and summed a window
 * at a time; tracking codes and alphas go to external sorts
 * (election/alphaset.h alphasort, files in $TMPDIR).  Memory is bounded by
 * the window, the sorts' buffers and what each station keeps (counts,
 * checked_in, proxies, challenged ballots), not by the number of cast
 * ballots.  Nothing is written before every check has passed.
 *
 * Nothing here is secret.
 */
#ifndef QUORUM_TALLY_COUNT_H
#define QUORUM_TALLY_COUNT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "audit/log.h"
#include "audit/note.h"
#include "crypto/qerr.h"
#include "election/ballot.h"
#include "record.h"

#define TALLY_AGGREGATE_FORMAT "quorum-aggregate/1"
#define TALLY_STATION_RECORD_FORMAT "quorum-station-record/2.1"
#define TALLY_STATION_RECORD_MAJOR 2u /* the major version the tally reads */
#define TALLY_ENTRY_CAST "quorum/v1/station/ballot-cast"

/* Ballots verified per batch (one multi-scalar multiplication).  1,024,
 * not audit's 128 (VE_BATCH): the bucket method costs less per point the
 * more points it has.  Session 8, bench_tally --record on the cached
 * 100,000-ballot record, 2 threads, 256 / 512 / 1,024 alternated, 2 runs
 * each: CPU 1.23 / 1.20-1.23 / 1.13x the floor of the same run (callgrind,
 * 10k: the workers' instructions -6 % at 512, -13 % at 1,024); peak RSS 39
 * / 54 / 79 MB (each worker holds its batch decoded, ~20 MB at 1,024).
 * Session 7: 256 against 128, 261-277 against 279-307 us per ballot.
 * (Those floors verified batches of 128; against a floor at 1,024 per
 * batch, as bench_tally and bench_verify now measure it, the tally is
 * 1.18-1.25x: bench/bench_tally.c.)
 * Session 9, same record: the workers cost the floor measured with 2
 * threads at once (1.02-1.08x the 1-thread floor: both batches' ~20 MB
 * decoded in one 32 MB L3) plus the aggregate (add_batch, ~2.7 us a
 * ballot); 512 per batch is no cheaper at 2 threads (94.2 against
 * 94.8 us, 91.7 against 94.1).  The reader thread, ~10-11 us a ballot
 * (was 13.6-14.5): SHA-256 of the record text (~2.2), the log's leaf and
 * tracking code (~3.6), the record's codes (~1.5), the B-9 fingerprints
 * (~0.9), base64 (~1.1), the reads (~1), JSON and the sorts.  (Two
 * SHA-256 interleaved on the SHA instructions saved ~2-3 us of these; a
 * hand-written SHA-256 was not kept: the hashes are OpenSSL's.)
 * At 1,000,000 ballots the same per ballot when the record is in the page
 * cache; read cold, the kernel's copies add ~8-11 us (sys time). */
#define TALLY_BATCH_BALLOTS 1024
/* The ballots all workers hold decoded at once: with more than 4 threads
 * each batch is TALLY_DECODED_BALLOTS / threads ballots (at least 256), so
 * memory does not grow by ~20 MB a thread (8 threads: 512, 16 and more:
 * 256, as before session 8). */
#define TALLY_DECODED_BALLOTS 4096

/* One encoded ballot to verify (B-2 bytes, not owned). */
typedef struct tally_item {
	const uint8_t *enc;
	size_t len;
} tally_item;

/* Progress callback, called on the calling thread: done of total. */
typedef void (*tally_progress_fn)(void *ctx, uint64_t done, uint64_t total);

/*
 * Decode and verify items[0..n-1] against the style under K on nthreads
 * threads (0 = number of online CPUs), each thread verifying batches of
 * TALLY_BATCH_BALLOTS ballots at once (ballot_verify_batch, C-4.3.10), and sum their ciphertexts
 * per selection: (*agg)[s] for s < st->total_options (new ciphertexts, free each with
 * elgamal_ct_free and the array with free).  On a ballot that does not decode or verify:
 * Q_ERR_PROOF / decode error, *bad = its index (the lowest failing one found) and why names the
 * contest/option. *agg is NULL on failure.  n may be 0 (the aggregate is then all-zero encryptions:
 * both points at infinity).
 */
Q_MUST_CHECK qerr tally_verify_aggregate(const ballot_style *st, const point *K,
                                         const point_table *Kt, const tally_item *items, size_t n,
                                         unsigned nthreads, tally_progress_fn prog, void *progctx,
                                         elgamal_ct ***agg, size_t *bad, char *why, size_t whylen);

/* R-5 (7): s holds a station record's tracking codes (ref < TALLY_LOG_REF,
 * each once: the record's are distinct, P-7.1) and its log's ballot-cast
 * codes (ref >= TALLY_LOG_REF), the 32-byte code as key then tag
 * (alphasort_new(mem, 1)).  Reads s back in order (alphasort_next):
 * *missing = 1 and code = the smallest record code the log does not have,
 * else *missing = 0.  Errors: alphasort_next's. */
#define TALLY_LOG_REF (UINT64_C(1) << 62)
struct alphasort; /* election/alphaset.h (not named alone: dirent.h has an alphasort()) */
Q_MUST_CHECK qerr tally_codes_first_missing(struct alphasort *s, int *missing, uint8_t code[32]);

/* Options of tally_run. */
typedef struct tally_opts {
	unsigned nthreads; /* 0 = all online CPUs */
	int progress; /* draw a progress bar on stderr if it is a terminal */
} tally_opts;

/*
 * The whole `tally` step: check every station of the manifest (a missing
 * station record is an error), verify and aggregate, write
 * tally/aggregate.json and append the "tally" entry to the election
 * log with a checkpoint.  Q_ERR_SIGNATURE, Q_ERR_PROOF, Q_ERR_FORMAT,
 * Q_ERR_CONSISTENCY (counts), Q_ERR_EXISTS (a ballot twice), Q_ERR_STATE
 * (no joint key), each with msg naming the station/ballot.
 */
/*
 * Everything tally_run checks and computes, without writing anything:
 * *out receives the aggregate as JSON.  Trustees call it from
 * decrypt to rebuild the aggregate they are asked to decrypt.
 */
Q_MUST_CHECK qerr tally_build(const rec_election *el, const tally_opts *o, json_t **out, char *msg,
                              size_t msgsz);
/* Bounds of the pass over the station records (docs/spec/record.md
 * ballots read ahead and being verified (0: 2 x threads x
 * TALLY_BATCH_BALLOTS, TALLY_DECODED_BALLOTS x 2 with more than 4 threads; the window is 2 x
 * threads batches, each of window / (2 x threads) ballots, 1 to TALLY_BATCH_BALLOTS, verified by a
 * worker while the record is read on), and the memory of each external sort (0: 4 MiB for the
 * cross-station sorts, 1 MiB for each station's log comparison). Small values are for tests (many
 * windows, many sorted runs); the result and the messages do not depend on them. */
typedef struct tally_limits {
	size_t window;
	size_t sort_mem;
} tally_limits;
/* tally_build with those bounds (lim NULL: the defaults). */
Q_MUST_CHECK qerr tally_build_limits(const rec_election *el, const tally_opts *o,
                                     const tally_limits *lim, json_t **out, char *msg,
                                     size_t msgsz);
/* tally_build for a caller that has just checked the trustees' keys and
 * files itself (ceremony_check_keys, R-7 (1)): the same, without checking
 * them a second time. */
Q_MUST_CHECK qerr tally_build_keys_checked(const rec_election *el, const tally_opts *o,
                                           json_t **out, char *msg, size_t msgsz);

/* tally_build (keys_checked: tally_build_keys_checked) that also fills wl
 * (if not NULL; freed by the caller with mix_lists_free, tally/mix.h) with
 * the write-in tuples of the counted ballots, in record order. */
struct mix_lists;
Q_MUST_CHECK qerr tally_build_lists(const rec_election *el, const tally_opts *o, int keys_checked,
                                    json_t **out, struct mix_lists *wl, char *msg, size_t msgsz);

/* The exact bytes of aggregate.json for aj (R-1.2: JSON_INDENT(2) |
 * JSON_SORT_KEYS, final newline); *buf malloc'd. */
Q_MUST_CHECK qerr tally_aggregate_bytes(const json_t *aj, char **buf, size_t *len);

/* What binds a station's log to its key (R-5 (1), (2), (5)): the
 * record's log.vkey, and the size and root of its signed checkpoint. */
typedef struct tally_station_trust {
	note_verifier vk;
	uint64_t size;
	uint8_t root[32];
} tally_station_trust;

/*
 * The tally's checks that bind station sid's log entries to its key, for
 * a step that reads the entries again after the tally (combine and report
 * count the named votes, R-5 (16)): the record (read through, its ballots
 * skipped) is the one tallied if tallied_sha256 is not NULL (aggregate.json
 * stations[].record_sha256, R-6.3); log.vkey is the registered key if
 * stations/<sid>/vkey exists (R-5 (1)); the record's signature verifies
 * under it (R-5 (2)); log.checkpoint is signed by it and names log.size and
 * log.root (R-5 (5)); the log's key is log.vkey, the log verifies
 * and its root at log.size is log.root (R-5 (7)).  visit (may be NULL) is
 * handed each of the first log.size entries, in one read that verifies
 * the log, each once its hash matched its leaf; it keeps what it finds
 * until this returns Q_OK.  *rec (may be NULL) receives the record's
 * members other than "ballots" as soon as they are read, before the log
 * (visit may look at them); the caller frees it whatever is returned.  The tally makes the same
 * checks with the same functions and words.  Errors name the station and what failed:
 * Q_ERR_SIGNATURE, Q_ERR_CONSISTENCY, Q_ERR_CORRUPT, Q_ERR_FORMAT.
 */
Q_MUST_CHECK qerr tally_station_verify(const rec_election *el, const char *sid,
                                       const uint8_t *tallied_sha256, log_visit_fn visit, void *ctx,
                                       json_t **rec, char *msg, size_t msgsz);

/*
 * E-2.1, V-7.1: every named-vote entry (P-6.6) of every station's log (up
 * to its record's log.size), checked against the station record's
 * checked_in list and counted once per voter and motion (election/named.h);
 * nothing to do if the manifest has no named vote.  Each station's log is
 * verified first as the tally verified it (tally_station_verify), so an
 * entry edited after the tally is refused, not counted; tallied (may be
 * NULL) is aggregate.json's "stations" array, whose record_sha256 each
 * record must have.  Errors name station, entry and voter; the caller
 * frees nt with named_tally_free.
 */
struct named_tally;
Q_MUST_CHECK qerr tally_named_collect(const rec_election *el, const json_t *tallied,
                                      struct named_tally *nt, char *msg, size_t msgsz);

Q_MUST_CHECK qerr tally_run(const rec_election *el, const tally_opts *o, char *msg, size_t msgsz);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench/floor -- the batch-verification floor of an election record, the
 * yardstick of issue 13's verify-election and tally figures: decode +
 * ballot_verify_batch_enc (as check 4 and the tally verify them, C-4.3.10)
 * of the first nthr x nf ballots of station s1's record, `batch` per batch,
 * on nthr threads at once, each its own nf.  Shared by bench_verify and
 * bench_tally so that both measure the same thing.
 */
#ifndef QUORUM_BENCH_FLOOR_H
#define QUORUM_BENCH_FLOOR_H

#include <stddef.h>

#define BENCH_FLOOR_MAX_BATCH 1024

/* CPU seconds per ballot, all threads' CPU over all ballots (1 thread: the
 * single-thread floor; the run's thread count: on a shared host, two
 * threads at once cost more per ballot than one alone -- shared caches,
 * memory bandwidth, the host's other tenants).  Any failure (the record
 * unreadable, a ballot refused) aborts the bench naming it. */
double bench_floor(const char *recdir, size_t nf, unsigned nthr, unsigned batch);

/* A second, separately labelled yardstick for verify-election only (never
 * instead of bench_floor): per ballot, the CPU seconds (one thread) of the
 * work its checks must add to the batch verification, on the same first
 * nf ballots of s1's record --
 *   check 10's independent libgcrypt re-addition of every selection's
 *     two points (xcheck_point_add_enc into one running sum per point,
 *     as check 4 makes them: strict decode + one libgcrypt addition);
 *   SHA-256 of the ballot's bytes as the checks must hash them at least
 *     once each: its record entry's text (~ its base64) by OpenSSL (the
 *     record's signature, P-7.2) and by libgcrypt (check 10's), its
 *     tracking code (B-4) and its log entry's Merkle leaf (0x00 || the
 *     bytes, check 3).
 * Not counted: the record read a second time (check 4's streaming), the
 * log entries' codes, the sorts, JSON and base64, OpenSSL's sum (check 6).
 * bench_floor + this is the "floor 2" bench_verify prints.  *group (if
 * not NULL) gets the re-addition's part alone: bench_floor + *group is
 * "floor G", the unavoidable group operations of verify-election (the
 * batch verification and the spec's independent re-addition, V-12 (4)),
 * without the hashes. */
double bench_floor_extra(const char *recdir, size_t nf, double *group);

#endif

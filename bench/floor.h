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

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * verify_election.h -- the observers' end-to-end check of an election
 * record (`quorum-audit verify-election`).  Specification: docs/spec/verify.md
 * (sections V-1 .. V-12, V-17); the check list V-2 names eleven checks:
 *
 *   1 parameters   manifest and parameters parse; base hash recomputed
 *   2 trustees     every trustee file signed by the roster's key,
 *                  commitments, Schnorr proofs, transport keys, joint key,
 *                  verification keys
 *   3 logs         station record signatures, every log verifies, every
 *                  checkpoint in the record consistent with every later one
 *   4 ballots      well-formed, proofs, tracking codes, in the log, no duplicate
 *                  ballot and no ciphertext twice in the record (B-9)
 *   5 reconcile    per station cast <= issued, from the logged counts
 *   6 aggregate    the aggregate is the sum of exactly the counted ballots
 *   7 decryption   partial decryption proofs, combination, decoded counts
 *   8 challenged   re-encryption of the opened ballots; never counted
 *   9 decision     the rule engine's outcome recomputed from the counts
 *  10 crosscheck   libgcrypt (crypto/xcheck.h) re-checks a sample of ballots
 *                  (drawn from a seed after the record is read, V-12.1)
 *                  and every aggregate and decryption proof
 *  11 write-ins    the write-in mix: inputs rebuilt from the ballots, every
 *                  proof of shuffle and decryption share, the decrypted
 *                  names, the matching (with --roll) and their counts (V-17)
 *
 * The verifier reads the record only (it never writes, never needs a
 * secret) and uses none of tally/: it re-derives everything from the spec.
 * A failing item never stops the run: every check runs (a check whose
 * inputs are unusable fails with a detail saying which earlier check broke
 * them), so one report shows every problem.
 *
 * Ownership: a ve_report is a plain struct owned by the caller; nothing in
 * it needs freeing.  Nothing here is secret; nothing is constant-time.
 */
#ifndef QUORUM_AUDIT_VERIFY_ELECTION_H
#define QUORUM_AUDIT_VERIFY_ELECTION_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crypto/qerr.h"

#define VE_NCHECKS 11
#define VE_MAX_DETAILS 8
#define VE_DETAIL_LEN 320
#define VE_DEFAULT_SAMPLE 32
/* Check 4's ballots per batch verification (C-4.3.10, V-14): one
 * multi-scalar multiplication over all their proofs.  Exposed for
 * bench/bench_verify, whose floor verifies batches of the same size. */
#define VE_BATCH_BALLOTS 256
#define VE_REPORT_FORMAT "quorum-verify/1"
#define VE_MAX_TRUSTEES 255
/* A fingerprint: 32 hex digits in 8 groups of 4, 7 spaces, NUL. */
#define VE_FP_LEN 40
/* Check 10's sample (V-12): a 32-byte seed expanded by this tag. */
#define VE_SEED_LEN 32
#define VE_TAG_SAMPLE "quorum/v2/verify/sample"
#define VE_SAMPLE_LIST 64 /* sampled ballots named in the report */
#define VE_ID_LEN 65 /* a station id (MANIFEST_ID_MAX) and its NUL */

enum {
	VE_PARAMETERS = 1,
	VE_TRUSTEES = 2,
	VE_LOGS = 3,
	VE_BALLOTS = 4,
	VE_RECONCILE = 5,
	VE_AGGREGATE = 6,
	VE_DECRYPTION = 7,
	VE_CHALLENGED = 8,
	VE_DECISION = 9,
	VE_CROSSCHECK = 10,
	VE_WRITEINS = 11,
};

/* The result of one check: items checked, items failed, and the first
 * VE_MAX_DETAILS failure details ("<file>: <item>: <what>"). */
typedef struct ve_check {
	int id; /* 1..VE_NCHECKS */
	const char *name; /* short name, e.g. "ballots" (static) */
	const char *title; /* one-line description (static) */
	uint64_t checked, failed;
	uint64_t skipped; /* items that could not be checked (said in the report) */
	const char *skip_reason; /* static, or NULL */
	char detail[VE_MAX_DETAILS][VE_DETAIL_LEN];
	size_t ndetails;
} ve_check;

/* A ballot of the record: stations/<station>/station-record.json
 * ballots[index]. */
typedef struct ve_place {
	char station[VE_ID_LEN];
	uint64_t index;
} ve_place;

typedef struct ve_report {
	ve_check checks[VE_NCHECKS]; /* checks[id - 1] */
	uint64_t ballots, stations, trustees; /* what the record holds */
	/* fingerprint[d-1]: fp(R[d]) of the roster in trustees/1/public.json
	 * for the observer to compare with those read out at the
	 * ceremony; "" when the roster is unusable (check 2 says why) */
	char fingerprint[VE_MAX_TRUSTEES][VE_FP_LEN];
	/* after ve_report_check_fingerprints: per trustee 0 not compared, 1 the
	 * file's fingerprint matches, 2 it differs or is missing */
	uint8_t fp_match[VE_MAX_TRUSTEES];
	/* check 10's sample (V-12): the seed it was drawn with (given by
	 * --seed, else drawn from the CSPRNG when check 10 starts), how many
	 * ballots it holds and the first VE_SAMPLE_LIST of them in record
	 * order.  have_seed is 0 if check 10 could not run. */
	int have_seed;
	uint8_t seed[VE_SEED_LEN];
	uint64_t sampled;
	size_t nlisted;
	ve_place sample[VE_SAMPLE_LIST];
	/* V-16: with ve_opts.station, that station's partial result (a new
	 * reference the caller releases with json_decref), else NULL */
	json_t *partial;
} ve_report;

typedef struct ve_opts {
	int full_crosscheck; /* check 10 on every ballot, not a sample */
	uint64_t sample; /* check 10 sample size (0 = VE_DEFAULT_SAMPLE) */
	int progress_fd; /* draw a progress bar here if it is a terminal; -1 none */
	unsigned threads; /* ballot verification threads (0 = online CPUs, max 16) */
} ve_opts;

/* Tests: at most this many of check 10's sampled ballots are kept as check
 * 4 reads them (default 256, VE_SAMPLE_KEEP); a larger sample, or 0 here,
 * and check 10 reads its ballots from the records again (V-14). */
extern uint64_t ve_sample_keep_max;

/* Tests: if set, called with the record's directory after check 3 has
 * read every station record (hashed for its signature) and before check 4
 * reads their ballots again, and again before check 10: a test changes a
 * record there to see the second reading refuse it ("changed while it was
 * read", V-14).  NULL (the default) in the programs. */
extern void (*ve_between_reads)(const char *dir, int next_check);

/* V-16: the format of a station's partial result. */
#define VE_PARTIAL_FORMAT "quorum-verify-partial/1"

/* V-16: verification split by station. */
typedef struct ve_split {
	/* verify only this station's part (checks 1 to 5 and 8 for it; 6, 7,
	 * 9 and 10 are the combine step's) and leave its partial result in
	 * ve_report.partial; NULL: the whole record */
	const char *station;
	/* the combine step: accepted partial results (JSON objects as
	 * --station makes them, their signatures already verified), at most
	 * one per station; a station with one is not verified again in check
	 * 4 (its proofs), its sums are taken from it */
	json_t *const *partials;
	size_t npartials;
	/* check 11: the roll file (--roll) whose SHA-256 is parameters.json
	 * roll_hash, for the write-in matching; NULL: the matching is
	 * not checked, and check 11 says so (V-17) */
	const char *roll_path;
} ve_split;

/* Check 10's sample (V-12): want of the n positions 0..n-1 (every
 * station's `ballots` entries in record order), drawn without replacement
 * by Floyd's algorithm from the SHA-256 counter stream of seed, into out
 * (want entries, ascending).  want > n is taken as n.  Deterministic: the
 * same seed, n and want give the same sample.  Q_ERR_NOMEM. */
Q_MUST_CHECK qerr ve_sample_draw(const uint8_t seed[VE_SEED_LEN], uint64_t n, uint64_t want,
                                 uint64_t *out);

/* Check 10's station signature (V-12, P-7.2) by the second
 * implementation: libgcrypt's SHA-256 of the record bytes and libgcrypt's
 * Ed25519 over SREC_SIG_TAG || that digest, under the station key pk.
 * Q_OK, or Q_ERR_SIGNATURE. */
Q_MUST_CHECK qerr ve_xcheck_record_sig(const uint8_t pk[32], const void *record, size_t len,
                                       const uint8_t sig[64]);

/* The static name and title of check id (1..VE_NCHECKS), or NULL. */
const char *ve_check_name(int id);
const char *ve_check_title(int id);

/*
 * Verify the election record in dir.  Every check is run and its result
 * written into *r (zeroed first).  Returns Q_OK when the checks ran (the
 * record may still fail: see ve_report_passed); Q_ERR_NOTFOUND if dir is
 * not a directory; Q_ERR_NOMEM.  Never aborts on bad data.
 */
Q_MUST_CHECK qerr ve_verify(const char *dir, const ve_opts *o, ve_report *r);
/* The same with check 10's sample drawn from the given seed (--seed:
 * reproduces a run's sample exactly, V-12.1); seed NULL is ve_verify,
 * which draws a fresh seed from the CSPRNG when check 10 starts.  The seed
 * used is in r->seed either way. */
Q_MUST_CHECK qerr ve_verify_seed(const char *dir, const ve_opts *o, const uint8_t seed[VE_SEED_LEN],
                                 ve_report *r);

/* ve_verify_seed of a run-off record given the record of the round it
 * continues (previous_dir; NULL is ve_verify_seed): check 1 also compares
 * what the run-off cites and copied with that record (V-3.5).  Verify
 * previous_dir itself with ve_verify. */
Q_MUST_CHECK qerr ve_verify_previous(const char *dir, const ve_opts *o,
                                     const uint8_t seed[VE_SEED_LEN], const char *previous_dir,
                                     ve_report *r);

/* ve_verify_previous split by station (V-16): split NULL is the whole
 * record. */
Q_MUST_CHECK qerr ve_verify_split(const char *dir, const ve_opts *o,
                                  const uint8_t seed[VE_SEED_LEN], const char *previous_dir,
                                  const ve_split *split, ve_report *r);

/*
 * Compare the roster's fingerprints in r (check 2, V-4.1) with a
 * fingerprints file as written down at the key ceremony (R-4.0: lines
 * "<i> <fingerprint>"; blank lines and lines starting with '#' ignored;
 * spaces within a fingerprint ignored, hex digits of either case).  Every
 * trustee 1..r->trustees must be listed exactly once.  Each trustee is an
 * item of check 2: a fingerprint that differs, or a trustee the file does
 * not list, fails it with a detail naming the trustee; r->fp_match is set.
 * Returns Q_OK if the file parsed (whatever the comparison); Q_ERR_FORMAT
 * if a line is malformed, lists a trustee twice or one outside
 * 1..trustees (why names the line; r is then unchanged).
 */
Q_MUST_CHECK qerr ve_report_check_fingerprints(ve_report *r, const char *text, size_t len,
                                               char *why, size_t whylen);

/* 1 if every check passed (no item failed), else 0. */
int ve_report_passed(const ve_report *r);

/* The lowest id of a failed check, or 0 if all passed. */
int ve_report_first_failure(const ve_report *r);

/* One line per check: "[PASS] 4 ballots: 120 checked, 0 failed" plus the
 * details of failures, indented; then the trustees' fingerprints. */
void ve_report_print(FILE *f, const ve_report *r);

/* The report as JSON (docs/spec/verify.md V-13); NULL on OOM. */
json_t *ve_report_json(const ve_report *r, const char *dir);

#endif

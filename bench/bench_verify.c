/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_verify -- `quorum-audit verify-election` and the tally on a whole
 * election record of N ballots (the example committee election of
 * tests/tally/fixture.c, a 2-of-3 key ceremony), each timed as a child
 * process with its peak RSS and CPU time, beside the floor measured in
 * the same run: the batch verification of the record's first ballots
 * in-process (decode + ballot_verify_batch_enc, BATCH per batch, as check
 * 4 verifies them, C-4.3.10), on one thread.  scripts/bench-scale runs it.
 *
 * The record (the generator): 2 + N/50000 stations (a district's records
 * are per station: 1M ballots make 22), each station's roll registering
 * its voters (counts.registered = issued = cast); its ballots encrypted on
 * all threads, CHUNK at a time, each chunk appended to the station's log
 * in one batch (one fdatasync) and forgotten: only the tracking codes and
 * log indices stay, and at the close the signed record is written in
 * tracking-code order from the log (fx_stream_*), so memory does not grow
 * with N.  Then the tally (tally_run), the k = 2 trustees' decryptions
 * (each rebuilds the aggregate from the records, R-7 (2)) and the combine.
 * Every proof is real, every record and log signed: verify-election
 * accepts the record whole.  BENCH_OPTIONS=5: five-selection ballots (the
 * members contest alone, the ballot); 7 (default): the example's.
 *
 * Set-up before (session 5): one thread, two fdatasyncs per ballot (one
 * log_append each), the whole record (~18 KB per ballot: encodings, JSON,
 * text) in memory, three decryptions.  Its CPU was linear (~5.7 ms per
 * seven-option ballot), its wall was not: at 16,000 ballots (this session,
 * load ~9) the encryption took 21.1 s CPU in 39.4 s wall (one thread) and
 * writing the two stations 9.6 s CPU in 140.6 s wall, 64,000 fdatasyncs
 * at ~2 ms each on the shared disk; 242 s in all (15 ms per ballot);
 * session 5's 834 s was the same at load ~13.  Now, same N and ballot,
 * same hour: 51.7 s wall, 3.71 ms CPU per ballot (stations 1.19, tally +
 * 2 decryptions 2.52).  Five-selection ballots (CPU per ballot, all
 * threads; BENCH_OPTIONS=5 scripts/bench-scale N 2): stations 0.94-1.08
 * ms (the encryption), tally + 2 decryptions 1.85-2.15 ms (three
 * verifications of every ballot), in all 3.01 ms at 1,000, 3.12 at
 * 10,000, 3.22 at 20,000, 2.79 at 50,000, 2.81 at 100,000: linear;
 * 100,000 built in 638 s wall at load 5-12.
 *
 * Measured (issue 13, session 6, BENCH_OPTIONS=5 scripts/bench-scale N 2,
 * the shared 2-core machine at load 5-12: only the CPU ratios mean
 * anything; floor = this run's, per ballot, one thread):
 *
 *   N        floor    verify CPU/ballot (ratio)  verify RSS  tally CPU (ratio)  tally RSS
 *   1,000    522 us   1370 us (2.63)             16.1 MB     800 us (1.54)      31.0 MB
 *   10,000   601 us    822 us (1.37)             19.7 MB     729 us (1.21)      90.4 MB
 *   20,000   485 us    737 us (1.52)             23.8 MB     681 us (1.40)     156.5 MB
 *   50,000   694 us    827 us (1.19)             36.3 MB     720 us (1.04)     251.7 MB
 *   100,000  448 us    800 us (1.78)             55.5 MB     653 us (1.46)     375.9 MB
 *
 * (100,000: verify-election 185.4 s wall, 80.0 s CPU; the tally 137.1 s
 * wall.)  verify-election's CPU per ballot is flat (0.74-0.83 ms past
 * 10,000; the ratios move with the floor, measured on a loaded machine);
 * its RSS grows to 55.5 MB at 100,000 as the two external sorts' 16 MiB
 * buffers fill (B-9's ciphertext fingerprints, 40 bytes per selection: full
 * at ~84,000 ballots; R-6's tracking codes, 40 bytes per ballot: full at
 * ~420,000), then should stay flat near 70 MB: not measured at 1M (its
 * set-up, ~2.8 ms CPU per ballot, is ~47 min on 2 idle cores).  The same
 * 20,000-ballot run gave 50.8 MB in the suite's smoke on a quieter
 * machine (likely malloc's per-thread arenas when the threads truly run
 * together; not examined).  The tally still loads each
 * station record whole (~3.7 KB per ballot).
 *
 * Session 7 (issue 13), verify-election's memory made flat.  The ~130 B
 * per ballot left at 1M (massif on the 10k record) were, for every
 * station, kept until check 4 ended: the station log's ballot-cast codes
 * (32 B per ballot, sorted arrays) and the record's checked_in list (one
 * jansson string per voter, ~90 B).  Now the logs' codes go to one
 * external sort as (station, code) and check 4 merges it with each
 * record's ballots (already in code order, P-7.1); checked_in is checked
 * at the end of check 3 and dropped, the roll ids' SHA-256 sorted for the
 * cross-station check; the four sorts' buffers are 2/2/2/8 MiB (codes,
 * logs' codes, roll ids, alpha fingerprints), full below 100,000 ballots.
 * Peak RSS (/usr/bin/time -v build/audit/quorum-audit verify-election REC
 * --threads 2, the cached five-selection records, load 6-11):
 *
 *   N        before    after (one window)   after (two windows, final)
 *   10,000   24.4 MB   23.6 MB              26.2 MB
 *   50,000   41.6 MB   37.5 MB              41.9 MB
 *   100,000  60.8 MB   36.1 MB              42.2 MB      (1M before: 179 MB)
 *
 * Why 1M is the same: nothing in verify-election grows with the ballots
 * any more except the sorts' runs on disk (40 B per code, alpha and roll
 * id) and, while a sort is merged, 64 KiB per run: at 1M, ~20 runs of
 * each 2 MiB sort and ~24 of the alphas' (five fingerprints per ballot,
 * 200 MB / 8 MiB), i.e. ~1.3 MB of merge buffers beside full sort buffers
 * that are already full at 100k; per station (22 at 1M) a few hundred
 * bytes and its JSON members other than the ballots and checked_in.  So
 * 1M should peak within ~2 MB of 100k (~44 MB); the lead runs it.
 *
 * The second floor: two verifications running at once on this shared
 * 2-core VM each cost more CPU per ballot than one alone (15-45 % measured
 * by the lead), so the 1-thread floor flatters nothing and penalises the
 * 2-thread run: "floor Nt" is decode + ballot_verify_batch_enc as the
 * 1-thread floor, on the run's number of threads at once, each verifying
 * its own 1,024 ballots; the last line gives both.  CPU of verify-election
 * over its own floor (same run, BENCH_OPTIONS=5 QUORUM_BUILD=build
 * scripts/bench-scale 100000 2, load 6-11, wall ratios meaningless here):
 * before (main 2c41993) CPU 51.13 s, ratio 1.14 to a 1-thread floor of
 * 447.8 us/ballot; after CPU 46.10 s, ratio 1.48 to 311.8 us (2-thread
 * floor 314.3 us: 1.01x, CPU ratio 1.47) -- the floor itself moved 30 %
 * between the two runs.  verify-election's own user CPU, the two builds
 * alternated on the 10k record (3 pairs): 5.73 / 5.70 / 4.79 s before,
 * 4.70 / 5.23 / 4.09 s after; 100k: 45.8 s before, 37.7 s after.
 * b64_decode (table-driven) 6.6 % -> 0.3 % of the profile (perf, 10k).
 * Check 4 now has two windows: N threads verify one while the main
 * thread reads the next and reports the one before.
 *
 * Session 7, all merged (main after the four branches; the crypto floor
 * fell with MULX/ADX field arithmetic and limb scalars), 1,000,000
 * five-selection ballots, 22 stations, idle machine (load 1-3),
 * BENCH_OPTIONS=5 QUORUM_BUILD=build scripts/bench-scale 1000000 2:
 *   floor 170.7 us/ballot (1 thread), 170.0 (2 threads at once: 1.00x)
 *   verify-election 175.62 s wall (target <= 240 s; session 6: 273.22 s),
 *     CPU 285.35 s = 1.67x the floor (target 1.3), wall 2.06x the floor
 *     on 2 threads; peak RSS 40.2 MB (100k: 42.2 MB; session 6 at 1M:
 *     179.3 MB): flat
 *   tally 109.78 s wall (session 6: 234.23 s), CPU 208.77 s = 1.22x the
 *     floor (target 1.2), wall 1.29x; peak RSS 41.9 MB
 * Where verify-election's ~115 us per ballot above the floor goes (perf,
 * --call-graph dwarf, 10k record, 1 thread): check 6's two sums of every
 * ciphertext, OpenSSL's (elgamal_add) and libgcrypt's independent one
 * (xcheck_point_decode + add, allocating per point), ~12 %; SHA-256 of
 * the records and logs ~6 %; the record parser (capture, peek) ~6 %;
 * malloc/free in ballot_decode ~5 %; the 32-ballot libgcrypt sample is a
 * fixed ~0.6 s.
 *
 * Session 8 (issue 13), verify-election's CPU above the floor.  perf
 * (--call-graph dwarf, the cached 100,000-ballot record, --threads 1) of
 * main d2618aa: of its CPU, 13.1 % was check 10's libgcrypt sums
 * (xcheck_point_decode + xcheck_point_add: a point made, wrapped and freed
 * per addition, z copied twice to test for infinity), 8.9 % SHA-256, 8.4 %
 * the record parser (capture: the base64 cut out a byte a loop; each
 * station record read three times: check 3 for its signature, check 4
 * again to verify it, check 10 again for its 32-ballot sample), 1.2 % the
 * entry's ballot string checked a byte a loop, 3.4 % OpenSSL's sum
 * (check 6).  Done, each measured:
 *  - xcheck_point_add_enc: libgcrypt decodes (strictly, S-7.1) and adds in
 *    place into the running sum, whose scratch points it keeps: 2.15 ->
 *    1.73 us per point (20,000 points, one thread; of the 1.73, the curve
 *    check 0.45 and libgcrypt's addition 1.17 are libgcrypt's own);
 *  - srec_stream: the base64 cut out with memchr; an entry skipped is
 *    counted against the entry limit, not copied; the compact entry's
 *    ballot string checked 8 bytes at a time;
 *  - check 10's sample drawn when check 4 starts (after check 3 read every
 *    record, V-12.1) and its ballots (at most 256) kept from check 4's
 *    reading: no record is read a third time.
 * Checked, not done: check 6's OpenSSL sum (~3.5 us per ballot, 2 %) is
 * not redundant with range_batch_verify_sums (that folds each ballot's
 * contest sums into its batch, not the election's per-option sums check 6
 * compares with the aggregate); summing it per chunk by point_sums_enc
 * saved nothing measurable (session 7).
 * CPU of verify-election --threads 2 (user + sys), the two builds
 * alternated on the 100k record: before 18.99 / 18.34 s, after the first
 * three changes 17.13 / 16.99 s (load 6-9); before 17.59 / 17.41 s, after
 * all 15.75 / 15.66 s (load 5-8): -10 %.
 * BENCH_OPTIONS=5 QUORUM_BUILD=build scripts/bench-scale N 2, CPU per
 * ballot (the wall ratios depend on the load):
 *   100k before (load 7-9): floor 109.6 us, verify 185.9 us (1.70),
 *        peak RSS 39.0 MB
 *   100k after (load 4-8):  floor 103.0 us, verify 151.4 us (1.47),
 *        floor 2 129.5 us (1.17), peak RSS 38.2 MB; 8.59 s wall
 *   1M after (load 4-10, the lead's record, 22 stations): floor 109.1 us
 *        (2 threads at once 111.4: 1.02x), verify 157.8 us (1.45; 2-thread
 *        floor 1.42; session 7: 1.67), floor 2 136.9 us (1.15); 137.3 s
 *        wall (target <= 240 s; session 7 175.6 s, idle); peak RSS
 *        39.1 MB (100k 38.2: flat)
 *   1M before, right after (main d2618aa's quorum-audit verify-election
 *        --threads 2 alone under /usr/bin/time, load 6-10): CPU 174.6 s =
 *        174.6 us per ballot, 1.60 x that run's floor of 109.1 us
 * "floor 2" (bench/floor.h bench_floor_extra, printed beside the floor,
 * never instead): the floor + check 10's libgcrypt re-addition of every
 * selection's two points (xcheck_point_add_enc, as check 4 does it) +
 * the SHA-256 each ballot's bytes must get once per check that hashes
 * them (its record text by OpenSSL and by libgcrypt for the two signature
 * checks, its tracking code, its log leaf): 26.5-27.8 us per ballot.
 * 1.3 x the floor is not reached (1.45 at 1M): 1.3 x leaves ~33 us per
 * ballot above the batch verification, and floor 2's part alone is ~27
 * (the independent libgcrypt recount ~17, the hashes ~10).  What remains
 * above floor 2 (~21 us at 1M; perf after, at 100k, shares of
 * verify-election's CPU): check 4's main thread ~5 % (the record read and
 * hashed a second time -- streaming keeps nothing from check 3 -- its
 * JSON entries and base64, the external sorts of codes and alphas'
 * fingerprints), check 3's record and log pass beyond its hashes ~2 %
 * (the log entries' tracking codes for the merge, reads, parsing),
 * OpenSSL's sum ~2 % (3.5 us), malloc/free ~3 %, and the 32-ballot
 * libgcrypt sample (a fixed ~0.4 s: 4 us per ballot at 100k, 0.4 at 1M).
 * Then (the lead): check 4's batches 128 -> 256 ballots
 * (VE_BATCH_BALLOTS; docs/spec/verify.md V-14 has the floor at 128, 256,
 * 512 and 1,024), each floor now verifies batches of the size its
 * program does (verify-election's floor at VE_BATCH_BALLOTS, the tally's
 * at TALLY_BATCH_BALLOTS: before, the tally's ratio was taken against
 * the 128-ballot floor, which flattered it), over 4,096 ballots (1,024
 * moved +-6 % between two idle runs).  Idle machine, 100k, two runs:
 * verify CPU 146.9 / 149.6 us per ballot = 1.45 / 1.47x the floor (1.15 /
 * 1.17x floor 2), peak RSS 45.7 MB; the tally 1.25 / 1.18x its floor.
 *
 * Session 9: one measurement of each floor (~0.4 s) moved +-10 % between
 * runs (one 1M run: a 1-thread floor of 103.0 us beside a 2-thread one of
 * 92.5, 0.90x), so each floor is now the least of 5 rounds, 3 before the
 * programs and 2 after: noise only adds to a floor, the least is its
 * honest estimate, and the ratios printed are the least flattering.  The
 * line under the floor gives the spread (largest round / least).
 *
 * Usage: bench_verify [N [threads]]   (defaults 20000, all cores; N >= 2)
 * With BENCH_SCALE_CACHE=DIR the record is built once in
 * DIR/N-o<options>-<key> and reused by later runs (scripts/bench-scale);
 * the key hashes GEN_VERSION and the format strings of the record's
 * files, a record rec_open cannot read or verify-election refuses is
 * built anew.  With BENCH_VERIFY_KEEP set a record built in a temporary
 * directory is kept (its path printed).  The last line is
 *   N ballots: verify S s (floor F s, ratio R; CPU C s, ratio Rc),
 *   tally T s (ratio R2; CPU C2 s, ratio R2c; peak RSS M2 MB), peak RSS M MB;
 *   floor Nt ...; floor G CPU G s (verify CPU ratio Rg); floor 2 CPU ...
 * (one line; M is the peak RSS of verify-election).  "floor G" (floor.h):
 * the floor + check 10's libgcrypt re-addition of every point, the group
 * operations verify-election cannot do without (V-12 (4)), hashes not
 * included; printed beside the floor, never instead of it.  The tally's floor is
 * the same decode + batch verification: it verifies every proof too.
 * Needs the tests built (it links tests/tally/fixture.c, whose assertions
 * abort the set-up on failure).
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto/group.h"
#include "crypto/sha256.h"
#include "crypto/util.h"
#include "election/manifest.h"
#include "tally/ceremony.h"
#include "election/ballot.h"
#include "election/srec_stream.h"
#include "tally/record.h"
#include "tally/count.h"
#include "tally/decrypt.h"
#include "tests/tally/fixture.h"
#include "tests/common/testutil.h"
#include "audit/verify_election.h"
#include "floor.h"

/* Each floor verifies batches of the size the measured program does:
 * verify-election's check 4 VE_BATCH_BALLOTS, the tally
 * TALLY_BATCH_BALLOTS (a larger batch costs less per ballot, so a floor
 * at a smaller one would flatter the program). */
#define BATCH VE_BATCH_BALLOTS

static double wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void check(qerr e, const char *what, const char *msg)
{
	if (e != Q_OK) {
		fprintf(stderr, "bench_verify: %s: %s %s\n", what, qerr_str(e), msg ? msg : "");
		exit(1);
	}
}

static unsigned long parse_arg(const char *s, unsigned long def)
{
	char *end;
	unsigned long v;
	if (s == NULL)
		return def;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v == 0) {
		fprintf(stderr, "bench_verify: bad number %s\n", s);
		exit(2);
	}
	return v;
}

/* Marks of the example (director: 1 of c1 c2; members: up to 5 of m1..m5). */
static const uint8_t marks[4][FX_NOPT] = {
    {1, 0, 1, 1, 1, 0, 0}, {0, 1, 1, 0, 1, 0, 1}, {1, 0, 0, 0, 1, 1, 1}, {0, 1, 1, 1, 0, 0, 0}};

/* A child's figures.  Linux keeps a process's peak RSS across fork and
 * exec (ru_maxrss is the high-water mark of every address space it had),
 * so the children are forked by a launcher forked at start-up, while this
 * process is still small, not by this process once it holds the record. */
typedef struct child_res {
	int status;
	double wall, cpu;
	long rss;
} child_res;

typedef struct run_arg {
	const char *recdir, *threads;
	unsigned nthreads;
} run_arg;

static int launch_fd[2] = {-1, -1}, result_fd[2] = {-1, -1};

/* In the launcher: run job j (0 verify-election, 1 the tally) with arg. */
static child_res run_child(int (*fn)(void *), void *arg)
{
	child_res r = {-1, 0, 0, 0};
	double t0 = wall_s();
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, 1);
		_exit(fn(arg));
	}
	int status = 0;
	struct rusage ru;
	if (pid < 0 || wait4(pid, &status, 0, &ru) != pid)
		return r;
	r.wall = wall_s() - t0;
	r.cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	        (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	r.rss = ru.ru_maxrss;
	r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return r;
}

static int run_verify(void *v)
{
	const run_arg *a = v;
	execl(QUORUM_AUDIT_PATH, "quorum-audit", "verify-election", a->recdir, "--threads",
	      a->threads, (char *)NULL);
	return 127;
}

/* The tally's work without writing: tally_build. */
static int run_tally(void *v)
{
	const run_arg *a = v;
	char msg[768] = "";
	rec_election *el = NULL;
	json_t *aj = NULL;
	tally_opts to = {a->nthreads, 0};
	if (rec_open(&el, a->recdir, msg, sizeof msg) != Q_OK ||
	    tally_build(el, &to, &aj, msg, sizeof msg) != Q_OK) {
		fprintf(stderr, "bench_verify: tally: %s\n", msg);
		return 1;
	}
	json_decref(aj);
	rec_free(el);
	return 0;
}

/* The launcher's loop: a job number and the record directory arrive on
 * launch_fd; the child's figures go back on result_fd. */
static void launcher(void)
{
	struct {
		int job;
		unsigned nthreads;
		char recdir[1400], threads[16];
	} req;
	while (read(launch_fd[0], &req, sizeof req) == (ssize_t)sizeof req) {
		run_arg a = {req.recdir, req.threads, req.nthreads};
		child_res r = run_child(req.job == 0 ? run_verify : run_tally, &a);
		if (write(result_fd[1], &r, sizeof r) != (ssize_t)sizeof r)
			break;
	}
	_exit(0);
}

static child_res launch(int job, const run_arg *a)
{
	struct {
		int job;
		unsigned nthreads;
		char recdir[1400], threads[16];
	} req;
	child_res r = {-1, 0, 0, 0};
	memset(&req, 0, sizeof req);
	req.job = job;
	req.nthreads = a->nthreads;
	snprintf(req.recdir, sizeof req.recdir, "%s", a->recdir);
	snprintf(req.threads, sizeof req.threads, "%s", a->threads);
	if (write(launch_fd[1], &req, sizeof req) != (ssize_t)sizeof req ||
	    read(result_fd[0], &r, sizeof r) != (ssize_t)sizeof r)
		r.status = -1;
	return r;
}

/* The stations of an N-ballot record: 2 + N/50000 (a district's records
 * are per station; 1M ballots: 22 stations of ~45,000). */
static size_t nstations(size_t N)
{
	return 2 + N / 50000;
}

/* Encryption on several threads: ballots [0, k) of a chunk whose first
 * ballot is number base of the record, each thread taking the next. */
typedef struct enc_job {
	const ballot_style *st;
	const point_table *Kt;
	size_t base, k;
	uint8_t **enc;
	size_t *len;
	atomic_size_t next;
} enc_job;

static void *enc_worker(void *v)
{
	enc_job *j = v;
	size_t nopt = j->st->total_options, skip = FX_NOPT - nopt; /* 5 options: members only */
	for (;;) {
		size_t i = atomic_fetch_add(&j->next, 1);
		ballot *b = NULL;
		if (i >= j->k)
			break;
		check(ballot_encrypt(j->st, j->Kt, marks[(j->base + i) % 4] + skip, nopt, &b, NULL),
		      "encrypt", NULL);
		check(ballot_encode(b, &j->enc[i], &j->len[i]), "encode", NULL);
		ballot_free(b);
	}
	return NULL;
}

#define CHUNK 1024 /* ballots encrypted, then appended to a station's log, at a time */

/* Build the record of N ballots in dir (fx_init's "rec"), nopt options per
 * ballot (7: the example; 5: its members contest alone), on nthreads
 * threads, writing each station as its ballots are made (fx_stream_*):
 * memory holds one chunk of ballots and each station's tracking codes. */
static void build_record(const char *dir, size_t N, size_t nopt, unsigned nthreads)
{
	char msg[768] = "", kp[1400], pw[32];
	double t0 = wall_s(), c0 = cpu_s();
	size_t S = nstations(N), done = 0;
	fx_manifest_stations = (unsigned)S;
	fx_manifest_members_only = nopt == 5;
	rec_election *el = fx_init(dir, "rec", "bench-ve", 2, 3, NULL);
	fx_ceremony(el, dir, "rec");
	ballot_style *st = NULL;
	point *K = NULL;
	check(rec_ballot_style(el, &st, msg, sizeof msg), "style", msg);
	if (st->total_options != nopt)
		check(Q_ERR_STATE, "style", "not the options asked for");
	check(rec_load_joint_key(el, &K, NULL, msg, sizeof msg), "joint key", msg);
	point_table *Kt = point_table_new(K);
	uint8_t **enc = calloc(CHUNK, sizeof *enc);
	size_t *len = calloc(CHUNK, sizeof *len), blen = 0;
	pthread_t *th = calloc(nthreads, sizeof *th);
	if (Kt == NULL || enc == NULL || len == NULL || th == NULL)
		check(Q_ERR_NOMEM, "set-up", NULL);
	for (size_t s = 0; s < S; s++) {
		char sid[32];
		size_t ns = N / S + (s < N % S);
		snprintf(sid, sizeof sid, "s%zu", s + 1);
		fx_stream_station *ss = fx_stream_open(el, sid, ns);
		for (size_t b = 0; b < ns; b += CHUNK) {
			enc_job j = {st,  Kt,  done + b, ns - b < CHUNK ? ns - b : CHUNK,
			             enc, len, 0};
			for (unsigned t = 1; t < nthreads; t++)
				if (pthread_create(&th[t], NULL, enc_worker, &j) != 0)
					check(Q_ERR_NOMEM, "thread", NULL);
			enc_worker(&j);
			for (unsigned t = 1; t < nthreads; t++)
				pthread_join(th[t], NULL);
			fx_stream_add(ss, enc, len, j.k);
			blen = len[0];
			for (size_t i = 0; i < j.k; i++)
				free(enc[i]);
		}
		fx_stream_close(ss);
		done += ns;
	}
	double t1 = wall_s(), c1 = cpu_s();
	tally_opts to = {nthreads, 0};
	check(tally_run(el, &to, msg, sizeof msg), "tally_run", msg);
	/* the k of the 2-of-3 ceremony decrypt (each rebuilds the aggregate
	 * from the records, R-7 (2)) */
	for (uint32_t i = 1; i <= el->k; i++) {
		fx_key_path(kp, sizeof kp, dir, "rec", i);
		fx_pass(i, pw, sizeof pw);
		check(tally_decrypt(el, i, kp, pw, strlen(pw), &to, NULL, msg, sizeof msg),
		      "decrypt", msg);
	}
	check(tally_combine(el, NULL, msg, sizeof msg), "combine", msg);
	double t2 = wall_s(), c2 = cpu_s();
	printf("set-up: %zu ballots x %zu options (%zu bytes each), %zu stations, %u thread(s): "
	       "stations written in %.1f s (CPU %.3f ms/ballot), tally + %u decryptions + combine "
	       "%.1f s (CPU %.3f ms/ballot); in all %.1f s, CPU %.3f ms/ballot\n",
	       N, nopt, blen, S, nthreads, t1 - t0, (c1 - c0) * 1e3 / (double)N, el->k, t2 - t1,
	       (c2 - c1) * 1e3 / (double)N, t2 - t0, (c2 - c0) * 1e3 / (double)N);
	free(enc);
	free(len);
	free(th);
	point_table_free(Kt);
	point_free(K);
	ballot_style_free(st);
	rec_free(el);
}

/* The floor: bench/floor.c (decode + batch verification, BATCH per batch,
 * of the first nthr x nf ballots of s1's record, on nthr threads at once);
 * CPU seconds per ballot. */
static double measure_floor_n(const char *recdir, size_t nf, unsigned nthr)
{
	return bench_floor(recdir, nf, nthr, BATCH);
}

static double measure_floor(const char *recdir, size_t nf)
{
	return measure_floor_n(recdir, nf, 1);
}

/* A yardstick printed beside the floor (never instead of it): "floor
 * NAME" = the floor + part (what, per ballot), and the program's CPU per
 * ballot (cpu) against it. */
static void print_floor_plus(const char *name, const char *what, double floor, double part,
                             double cpu)
{
	printf("floor %s (this run, 1 thread, labelled apart): %s: %.1f + %.1f = %.1f us/ballot\n",
	       name, what, floor * 1e6, part * 1e6, (floor + part) * 1e6);
	printf("%-40s %9.1f us  floor %s %5.1f us  ratio %5.2f\n",
	       "  per ballot, CPU (all threads)", cpu * 1e6, name, (floor + part) * 1e6,
	       cpu / (floor + part));
}

/* Every floor of this bench (per ballot, CPU seconds), each the least of
 * the rounds measured so far (0: none yet). */
typedef struct floors {
	double ballot; /* 1 thread, BATCH per batch */
	double nt; /* the run's threads at once */
	double group, extra; /* floor G's and floor 2's parts (floor.h) */
	double tally; /* 1 thread, TALLY_BATCH_BALLOTS per batch */
	double spread; /* the largest 1-thread floor seen over the least */
} floors;

#define FLOOR_ROUNDS_BEFORE 3
#define FLOOR_ROUNDS_AFTER 2

static double least(double have, double v)
{
	return have == 0 || v < have ? v : have;
}

/* One round of every floor, kept where it is the least so far. */
static void measure_floors(floors *f, const char *recdir, size_t nf, size_t nft, unsigned used)
{
	double b = measure_floor(recdir, nf), group = 0, extra;
	double most = f->ballot == 0 ? b : f->ballot * f->spread;
	f->ballot = least(f->ballot, b);
	f->spread = (most > b ? most : b) / f->ballot;
	f->nt = least(f->nt, measure_floor_n(recdir, nf, used));
	extra = bench_floor_extra(recdir, nf, &group);
	f->group = least(f->group, group);
	f->extra = least(f->extra, extra);
	f->tally = least(f->tally, bench_floor(recdir, nft, 1, TALLY_BATCH_BALLOTS));
}

/* The cache's key (12 hex digits): this generator's version and the
 * format strings of every file of the record, so a record built by an
 * older generator, or in an older format, is not reused. */
#define GEN_VERSION "bench_verify record generator 2: fx_stream_*, 2 + N/50000 stations, k decrypt"
static void cache_key(char out[13], size_t nopt)
{
	char txt[1024];
	uint8_t h[SHA256_LEN];
	int n =
	    snprintf(txt, sizeof txt, "%s\n%zu\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n",
	             GEN_VERSION, nopt, MANIFEST_FORMAT, REC_PARAMS_FORMAT, REC_ELECTION_LOG_FORMAT,
	             CEREMONY_COMMIT_FORMAT, CEREMONY_PUBLIC_FORMAT, CEREMONY_RECEIVED_FORMAT,
	             CEREMONY_JOINT_FORMAT, TALLY_STATION_RECORD_FORMAT, TALLY_AGGREGATE_FORMAT,
	             TALLY_PARTIAL_FORMAT, TALLY_RESULT_FORMAT);
	sha256(h, txt, (size_t)n);
	hex_encode(out, h, 6);
}

/* Remove the cache's other records of N ballots of nopt options (older
 * keys) and the old layout's DIR/N: one generation kept per size. */
static void cache_prune(const char *cache, size_t N, size_t nopt, const char *key)
{
	char pre[64], path[1400];
	DIR *d = opendir(cache);
	struct dirent *de;
	snprintf(pre, sizeof pre, "%zu-o%zu-", N, nopt);
	snprintf(path, sizeof path, "%s/%zu", cache, N);
	test_rmtree(path);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, pre, strlen(pre)) != 0 ||
		    strcmp(de->d_name + strlen(pre), key) == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", cache, de->d_name);
		printf("set-up: removing %s (an older generator or format)\n", path);
		test_rmtree(path);
	}
	closedir(d);
}

/* The record in base (a cache directory): reused if complete and not
 * fresh, else built there.  1 if reused. */
static int cached_record(const char *base, size_t N, size_t nopt, unsigned nthreads, int fresh)
{
	char done[1500], msg[768] = "", recdir[1500];
	struct stat sb;
	rec_election *el = NULL;
	snprintf(done, sizeof done, "%s/complete", base);
	snprintf(recdir, sizeof recdir, "%s/rec", base);
	if (!fresh && stat(done, &sb) == 0) {
		/* the parameters are read as the tally reads them: a format
		 * the tree no longer reads is built anew here, anything else
		 * verify-election refuses is built anew by main */
		if (rec_open(&el, recdir, msg, sizeof msg) == Q_OK) {
			rec_free(el);
			printf("set-up: the %zu-ballot record in %s is reused\n", N, base);
			return 1;
		}
		printf("set-up: the cached record is not read (%s): built anew\n", msg);
	}
	test_rmtree(base);
	if (mkdir(base, 0700) != 0) {
		fprintf(stderr, "bench_verify: cannot create %s\n", base);
		exit(1);
	}
	build_record(base, N, nopt, nthreads);
	if (test_write_file(done, "1\n", 2) != 0)
		exit(1);
	return 0;
}

int main(int argc, char **argv)
{
	size_t N = parse_arg(argc > 1 ? argv[1] : NULL, 20000);
	unsigned threads = (unsigned)parse_arg(argc > 2 ? argv[2] : NULL, 0);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned used = threads ? threads : (unsigned)(ncpu > 0 ? ncpu : 1);
	char recdir[1400], thr[16], base[1300];
	const char *cache = getenv("BENCH_SCALE_CACHE");
	char *tmp = NULL;
	struct stat sb;
	int reused = 0;
	const char *ob = getenv("BENCH_OPTIONS");
	size_t nopt = ob != NULL && ob[0] != '\0' ? parse_arg(ob, FX_NOPT) : FX_NOPT;
	if (nopt != 5 && nopt != FX_NOPT) {
		fprintf(stderr,
		        "bench_verify: BENCH_OPTIONS is 5 (the members contest alone) or %d "
		        "(the example ballot)\n",
		        FX_NOPT);
		return 2;
	}
	if (N < 2) {
		fprintf(stderr, "bench_verify: N is at least 2 (one ballot per station)\n");
		return 2;
	}
	setenv("QUORUM_INSECURE_TEST_KDF", "1", 1);
	setenv("QUORUM_NO_PROGRESS", "1", 1);
	fflush(stdout);
	if (pipe(launch_fd) != 0 || pipe(result_fd) != 0) {
		fprintf(stderr, "bench_verify: pipe\n");
		return 1;
	}
	pid_t lpid = fork();
	if (lpid == 0) {
		close(launch_fd[1]);
		close(result_fd[0]);
		launcher();
	}
	close(launch_fd[0]);
	close(result_fd[1]);

	/* ---- the record (built, or reused from the cache) ---- */
	if (cache != NULL && cache[0] != '\0') {
		char key[2 * 6 + 1];
		cache_key(key, nopt);
		snprintf(base, sizeof base, "%s/%zu-o%zu-%s", cache, N, nopt, key);
		if (mkdir(cache, 0700) != 0 && stat(cache, &sb) != 0) {
			fprintf(stderr, "bench_verify: cannot create %s\n", cache);
			return 1;
		}
		cache_prune(cache, N, nopt, key);
		reused = cached_record(base, N, nopt, used, 0);
	} else {
		tmp = test_tmpdir();
		snprintf(base, sizeof base, "%s", tmp);
		build_record(base, N, nopt, used);
	}
	snprintf(recdir, sizeof recdir, "%s/rec", base);

	/* ---- the floor, in this run ---- */
	size_t nf = N < 4096 ? N : 4096; /* ~0.4 s: steadier than 1,024 on a shared host */
	/* the tally's: at its batch size, over four of its batches */
	size_t nft = N < 4 * TALLY_BATCH_BALLOTS ? N : 4 * TALLY_BATCH_BALLOTS;
	floors fl = {0, 0, 0, 0, 0, 0};
	for (int k = 0; k < FLOOR_ROUNDS_BEFORE; k++)
		measure_floors(&fl, recdir, nf, nft, used);
	double floor_ballot = fl.ballot, floor_nt = fl.nt, group = fl.group, extra = fl.extra,
	       floor_tally = fl.tally;
	if (getenv("BENCH_FLOOR_ONLY") != NULL) { /* the floor alone, e.g. to compare BATCH */
		printf("floor (1 thread, %zu ballots, %d per batch): %.1f us/ballot; %u threads at "
		       "once (%zu ballots each): %.1f us/ballot\n",
		       nf, BATCH, floor_ballot * 1e6, used, nf, floor_nt * 1e6);
		if (tmp != NULL && getenv("BENCH_VERIFY_KEEP") == NULL)
			test_rmtree(tmp);
		free(tmp);
		return 0;
	}

	/* ---- quorum-audit verify-election and the tally, as children ---- */
	snprintf(thr, sizeof thr, "%u", used);
	run_arg ra = {recdir, thr, used};
	child_res vr = launch(0, &ra);
	if (vr.status != 0 && reused) {
		/* a record cached by an older generator or format: built anew */
		printf("set-up: verify-election refuses the cached record (exit %d): built anew\n",
		       vr.status);
		cached_record(base, N, nopt, used, 1);
		memset(&fl, 0, sizeof fl);
		for (int k = 0; k < FLOOR_ROUNDS_BEFORE; k++)
			measure_floors(&fl, recdir, nf, nft, used);
		vr = launch(0, &ra);
	}
	child_res tr = launch(1, &ra);
	close(launch_fd[1]);
	waitpid(lpid, NULL, 0);
	/* the floors again after the programs: each floor is the least of
	 * its rounds (a floor is what the work costs at least; the host's
	 * noise only ever adds, so the least is the honest estimate and the
	 * ratios are the least flattering) */
	for (int k = 0; k < FLOOR_ROUNDS_AFTER; k++)
		measure_floors(&fl, recdir, nf, nft, used);
	floor_ballot = fl.ballot;
	floor_nt = fl.nt;
	group = fl.group;
	extra = fl.extra;
	floor_tally = fl.tally;
	double t_wall = vr.wall, t_cpu = vr.cpu, y_wall = tr.wall, y_cpu = tr.cpu;
	long rss = vr.rss, y_rss = tr.rss;
	int st = vr.status;
	if (st != 0) {
		fprintf(stderr, "bench_verify: verify-election exited %d (record in %s)\n", st,
		        recdir);
		return 1;
	}
	st = tr.status;
	if (st != 0) {
		fprintf(stderr, "bench_verify: the tally exited %d (record in %s)\n", st, recdir);
		return 1;
	}
	double fl_wall = floor_ballot * (double)N / used;
	printf("\nbench_verify: verify-election of %zu ballots x %zu options, %zu stations, %u "
	       "thread(s) on %ld CPU(s)\n",
	       N, nopt, nstations(N), used, ncpu);
	printf("floor (this run, 1 thread, %zu ballots, %d per batch): decode + batch verify %.1f "
	       "us/ballot (each floor the least of %d rounds, before and after the programs; "
	       "the 1-thread floor's largest round %.2f x its least)\n",
	       nf, BATCH, floor_ballot * 1e6, FLOOR_ROUNDS_BEFORE + FLOOR_ROUNDS_AFTER, fl.spread);
	printf("floor (this run, %u threads at once, %zu ballots each): %.1f us/ballot (%.2f x the "
	       "1-thread floor)\n",
	       used, nf, floor_nt * 1e6, floor_nt / floor_ballot);
	printf("%-40s %9.2f s   floor %7.2f s   ratio %5.2f\n", "verify-election, wall", t_wall,
	       fl_wall, t_wall / fl_wall);
	printf("%-40s %9.2f s   floor %7.2f s   ratio %5.2f  (CPU ratio %.2f)\n",
	       "  against the N-thread floor", t_wall, floor_nt * (double)N / used,
	       t_wall / (floor_nt * (double)N / used), t_cpu / (floor_nt * (double)N));
	printf("%-40s %9.1f us  floor %7.1f us  ratio %5.2f\n", "  per ballot, CPU (all threads)",
	       t_cpu * 1e6 / (double)N, floor_ballot * 1e6, t_cpu / (double)N / floor_ballot);
	/* floor 2 and floor G (floor.h): beside the floor, never instead of it */
	print_floor_plus("2",
	                 "the floor + check 10's libgcrypt re-addition of every point + SHA-256 "
	                 "of each ballot's bytes (record text by OpenSSL and libgcrypt, "
	                 "tracking code, log leaf)",
	                 floor_ballot, extra, t_cpu / (double)N);
	print_floor_plus("G",
	                 "the floor + check 10's libgcrypt re-addition of every point, the "
	                 "group operations alone",
	                 floor_ballot, group, t_cpu / (double)N);
	printf("%-40s %9ld KB  (%.2f KB per ballot)\n", "peak RSS of verify-election", rss,
	       (double)rss / (double)N);
	double ft_wall = floor_tally * (double)N / used;
	printf("tally floor (this run, 1 thread, %zu ballots, %d per batch, as the tally): %.1f "
	       "us/ballot\n",
	       nft, TALLY_BATCH_BALLOTS, floor_tally * 1e6);
	printf("%-40s %9.2f s   floor %7.2f s   ratio %5.2f  (CPU %.1f us/ballot, ratio %.2f; "
	       "peak RSS %ld KB)\n",
	       "tally (tally_build), wall", y_wall, ft_wall, y_wall / ft_wall,
	       y_cpu * 1e6 / (double)N, y_cpu / (double)N / floor_tally, y_rss);
	printf("%-40s %9.0f s   (1,000,000 ballots at this wall rate; target <= 240 s)\n",
	       "  implied 1M-ballot time", t_wall / (double)N * 1e6);
	if (tmp != NULL) {
		if (getenv("BENCH_VERIFY_KEEP") != NULL)
			printf("record kept in %s\n", recdir);
		else
			test_rmtree(tmp);
		free(tmp);
	}
	/* wall ratios mean little on a loaded machine (the floor is CPU
	 * time): the CPU ratios follow each, and the tally's own peak RSS */
	double fl_cpu = floor_ballot * (double)N, ft_cpu = floor_tally * (double)N;
	double fn_cpu = floor_nt * (double)N, fn_wall = fn_cpu / used;
	printf("%zu ballots: verify %.2f s (floor %.2f s, ratio %.2f; CPU %.2f s, ratio %.2f), "
	       "tally %.2f s (ratio %.2f; CPU %.2f s, ratio %.2f; peak RSS %.1f MB), peak RSS "
	       "%.1f MB; floor %ut %.2f s (verify ratio %.2f; CPU ratio %.2f); floor G CPU %.2f s "
	       "(verify CPU ratio %.2f); floor 2 CPU %.2f s (verify CPU ratio %.2f)\n",
	       N, t_wall, fl_wall, t_wall / fl_wall, t_cpu, t_cpu / fl_cpu, y_wall,
	       y_wall / ft_wall, y_cpu, y_cpu / ft_cpu, (double)y_rss / 1024.0,
	       (double)rss / 1024.0, used, fn_wall, t_wall / fn_wall, t_cpu / fn_cpu,
	       (floor_ballot + group) * (double)N, t_cpu / ((floor_ballot + group) * (double)N),
	       (floor_ballot + extra) * (double)N, t_cpu / ((floor_ballot + extra) * (double)N));
	return 0;
}

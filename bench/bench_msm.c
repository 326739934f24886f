/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_msm -- multi-scalar multiplication over P-256 (C-1.5): the bucket
 * method (point_msm_enc, point_msm) against OpenSSL's EC_POINTs_mul
 * (point_msm_ref) on the same terms, in microseconds of CPU per point,
 * at several sizes, each beside the bucket method's per-point floor
 * measured in the same run.
 *
 * The floor: every point must be added into one bucket per window its
 * digits span (in both parts when msm.c splits the scalars at bit 128),
 * so per point at least that many batched affine additions (msm.c's
 * bucket trees); the running sums over the buckets and the doublings
 * between windows come on top and shrink per point as the size grows.
 * One batched addition is measured in the same run: msm_run over 64,000
 * points (maxn) in 512 buckets, the best of 3.
 *
 * Measured (issue 13, session 7: MULX/ADX field multiplication and
 * squaring, branch-free addition and subtraction; `build/bench/bench_msm
 * 16000`, the old (main 2c41993) and new binaries alternated, load 6-10 on
 * 2 cores; us of CPU per point on encodings / the floor measured in the
 * same run (ratio), and the speed-up over EC_POINTs_mul in the same run):
 *   4,000:  old 4.92 / 4.51 (1.09), 6.29 / 4.75 (1.33), 5.11 / 4.62 (1.11),
 *           5.19 / 4.80 (1.08), 5.50 / 6.65 (0.83);
 *           new 3.08 / 3.00 (1.03), 3.60 / 3.18 (1.14), 3.29 / 2.92 (1.13),
 *           3.09 / 2.79 (1.11), 3.26 / 2.62 (1.25);
 *           speed-up old 2.8-3.1x, new 4.5-5.4x; new/old 0.61 (means).
 *   16,000: old 4.50 / 3.66 (1.23), 4.64 / 3.86 (1.20), 5.15 / 3.76 (1.37),
 *           4.52 / 3.90 (1.16), 4.91 / 5.40 (0.91);
 *           new 3.39 / 2.44 (1.39), 2.80 / 2.58 (1.09), 2.73 / 2.37 (1.15),
 *           2.72 / 2.26 (1.20), 3.47 / 2.13 (1.63);
 *           speed-up old 3.5-4.4x, new 4.8-7.1x; new/old 0.63 (means).
 *   1,000:  old 7.11-7.49, new 4.08-5.10 (ratios to the floor 1.15-1.42).
 * The floor's unit (one batched affine addition, 16,000 points in 512
 * buckets) fell 0.25-0.34 -> 0.135-0.21 us.
 * The batch-verification floor (`BENCH_OPTIONS=5 BENCH_FLOOR_ONLY=1
 * BENCH_SCALE_CACHE=... build/bench/bench_verify 10000`, decode + batch
 * verify of 1,024 five-selection ballots, 128 per batch, one thread), old
 * and new binaries alternated, us per ballot:
 *   load ~9: old 272.9 264.3 281.2 299.2 287.1 299.7, new 156.6 148.5
 *   161.9 159.4 172.9 170.0: mean 284.1 -> 161.6 (ratio 0.57);
 *   load 7-9 (with the squaring): old 404.9 268.3 388.9 279.1 417.4 254.6
 *   416.9 352.4, new 161.6 144.7 217.1 228.4 142.8 145.0 228.6 227.1:
 *   median pair ratio 0.55, means 347.8 -> 186.9 (0.54).
 * What moved it: the field arithmetic above; the coefficients mod n on
 * limbs (no BIGNUM, one allocation per batch, crypto/proof.c); the
 * batch's group and contest sums made from the encodings with one
 * inversion and their points merged into their selections' terms
 * (election/ballot.c, range_batch_verify_sums).
 *
 * Measured (issue 13, session 6, `build/bench/bench_msm 64000`, machine
 * at load ~10 on 2 cores; one batched addition 0.34 us): us per point,
 * bucket method on encodings / floor / EC_POINTs_mul in the same run:
 *   4,000: 7.92 / 7.29 (ratio 1.09) / 23.9 (speed-up 3.0x);
 *   16,000: 6.52 / 5.92 (1.10) / 28.8 (4.4x);
 *   64,000: 5.0-6.7 / 5.12 (0.98-1.31) / 18.5 (2.8x).
 * Against the Jacobian buckets replaced (b4c9291's msm.c built beside
 * this one, msm_run alone, the two called in turn, best of 5, one
 * process): 6.67 vs 9.69 us at 4,000 points (ratio 0.69), 5.96 vs 8.94 at
 * 8,000 (0.67), 5.46 vs 7.96 at 16,000 (0.69), 3.90 vs 5.84 at 64,000
 * (0.67).  The old build's bench_msm, run back to back: 6.99-7.51 us at
 * 4,000 (2.0-2.6x EC_POINTs_mul), 6.09-6.16 at 16,000 (4.2-4.4x).
 *
 * Terms: the batch-verification mix (C-4.3.10): two thirds of the
 * scalars 128-bit weights, one third full 256-bit.
 * Usage: bench_msm [max-size >= 1024]   (default 16000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/group.h"
#include "crypto/group_internal.h"
#include "crypto/util.h"

static double cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void check(qerr e, const char *what)
{
	if (e != Q_OK) {
		fprintf(stderr, "bench_msm: %s: %s\n", what, qerr_str(e));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	size_t maxn = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 16000;
	static const size_t sizes[] = {200, 385, 1000, 4000, 16000, 64000};
	point **p = calloc(maxn, sizeof *p), *r = point_new(), *r2 = point_new();
	scalar **s = calloc(maxn, sizeof *s), **ones = calloc(maxn, sizeof *ones);
	uint8_t(*enc)[POINT_LEN] = calloc(maxn, POINT_LEN);
	const uint8_t **encp = calloc(maxn, sizeof *encp);
	scalar *k = scalar_new(), *g = scalar_new();
	double t0, t_add;

	if (maxn < 1024 || p == NULL || s == NULL || ones == NULL || enc == NULL || encp == NULL ||
	    k == NULL || r == NULL || r2 == NULL || g == NULL) {
		fprintf(stderr, "usage: bench_msm [max-size >= 1024]\n");
		return 2;
	}
	check(scalar_random(g), "random");
	for (size_t i = 0; i < maxn; i++) {
		p[i] = point_new();
		s[i] = scalar_new();
		ones[i] = scalar_new();
		if (p[i] == NULL || s[i] == NULL || ones[i] == NULL)
			check(Q_ERR_NOMEM, "alloc");
		check(scalar_random(k), "random");
		check(point_mul_base(p[i], k), "mul");
		check(point_encode(enc[i], p[i]), "encode");
		encp[i] = enc[i];
		if (i % 3 == 2) {
			check(scalar_random(s[i]), "random");
		} else {
			uint8_t b[SCALAR_LEN] = {0};
			check(rand_bytes(b + 16, 16), "rand");
			check(scalar_decode(s[i], b, sizeof b), "weight");
		}
		check(scalar_set_u64(ones[i], 1), "one");
	}
	/* one batched affine addition: msm_run with window 10 over the points
	 * with scalars 1..512 in turn: 512 buckets of maxn / 512 points summed
	 * by their trees, maxn - 512 additions (and 512 bucket steps, ~2 %) */
	{
		msm_pt *mp = malloc(maxn * sizeof *mp);
		uint8_t(*one)[32] = calloc(maxn, 32), out[POINT_LEN];
		int inf;
		if (mp == NULL || one == NULL)
			check(Q_ERR_NOMEM, "alloc");
		for (size_t i = 0; i < maxn; i++) {
			check(msm_pt_from_enc(&mp[i], enc[i]), "msm_pt");
			one[i][30] = (uint8_t)((i % 512 + 1) >> 8);
			one[i][31] = (uint8_t)(i % 512 + 1);
		}
		msm_window_override = 10;
		/* the first run faults in msm_run's working memory: the best of 3 */
		t_add = 0;
		for (int rep = 0; rep < 3; rep++) {
			t0 = cpu_us();
			check(msm_run(out, &inf, mp, (const uint8_t(*)[32])one, maxn), "unit");
			double t = (cpu_us() - t0) / (double)(maxn - 512);
			if (rep == 0 || t < t_add)
				t_add = t;
		}
		msm_window_override = 0;
		printf("one batched affine addition (%zu points in 512 buckets): %.3f us\n", maxn,
		       t_add);
		free(mp);
		free(one);
	}
	printf("%7s %6s %12s %12s %12s %12s %8s %8s\n", "points", "c", "bucket/enc", "bucket/pt",
	       "EC_POINTs", "floor", "vs-floor", "speedup");
	for (size_t z = 0; z < sizeof sizes / sizeof *sizes && sizes[z] <= maxn; z++) {
		size_t n = sizes[z];
		/* n / 3 full scalars (and G's), the rest 128-bit weights */
		size_t nhi = n / 3 + 1;
		unsigned c_hi, c = msm_plan(n + 1, nhi, 256, &c_hi);
		double tb, tp, to, span;
		/* windows a point's digits span (the + c is the final carry's
		 * window): every point in the low part, the long ones in the
		 * high part too -- or, in one part, the short ones only up to
		 * their 128 bits */
		if (c_hi != 0)
			span = (double)((128 + c) / c) +
			       (double)nhi / (double)(n + 1) * (double)((128 + c_hi) / c_hi);
		else
			span = ((double)(n + 1 - nhi) * (double)((128 + c) / c) +
			        (double)nhi * (double)((256 + c) / c)) /
			       (double)(n + 1);
		double floor_us = span * t_add;
		int reps = n < 1000 ? 10 : n < 10000 ? 3 : 1;
		t0 = cpu_us();
		for (int i = 0; i < reps; i++)
			check(point_msm_enc(r, g, n, encp, (const scalar *const *)s), "msm_enc");
		tb = (cpu_us() - t0) / reps / (double)n;
		t0 = cpu_us();
		for (int i = 0; i < reps; i++)
			check(
			    point_msm(r2, g, n, (const point *const *)p, (const scalar *const *)s),
			    "msm");
		tp = (cpu_us() - t0) / reps / (double)n;
		if (!point_eq(r, r2)) {
			fprintf(stderr, "bench_msm: point_msm and point_msm_enc disagree\n");
			return 1;
		}
		t0 = cpu_us();
		for (int i = 0; i < reps; i++)
			check(point_msm_ref(r2, g, n, (const point *const *)p,
			                    (const scalar *const *)s),
			      "ref");
		to = (cpu_us() - t0) / reps / (double)n;
		if (!point_eq(r, r2)) {
			fprintf(stderr, "bench_msm: bucket method and EC_POINTs_mul disagree\n");
			return 1;
		}
		char cs[16];
		if (c_hi != 0)
			snprintf(cs, sizeof cs, "%u+%u", c, c_hi);
		else
			snprintf(cs, sizeof cs, "%u", c);
		printf("%7zu %6s %9.2f us %9.2f us %9.2f us %9.2f us %8.2f %7.2fx\n", n, cs, tb, tp,
		       to, floor_us, tb / floor_us, to / tb);
	}
	printf("(us of CPU per point; c = window widths, low+high part; floor = batched affine "
	       "additions "
	       "per point, one per window its digits span; speedup = EC_POINTs_mul / bucket on "
	       "encodings)\n");
	for (size_t i = 0; i < maxn; i++) {
		point_free(p[i]);
		scalar_free(s[i]);
		scalar_free(ones[i]);
	}
	free(p);
	free(s);
	free(ones);
	free(enc);
	free(encp);
	scalar_free(k);
	scalar_free(g);
	point_free(r);
	point_free(r2);
	return 0;
}

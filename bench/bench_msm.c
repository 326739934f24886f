/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_msm -- multi-scalar multiplication over P-256 (C-1.5): the bucket
 * method (point_msm_enc, point_msm) against OpenSSL's EC_POINTs_mul
 * (point_msm_ref) on the same terms, in microseconds of CPU per point,
 * at several sizes, each beside the bucket method's per-point floor
 * measured in the same run.
 *
 * The floor: every point must be added into one bucket per window, so
 * per point at least ceil((bits+1)/c) mixed additions (c the window width
 * msm.c picks for that size; the bucket sums and the doublings between
 * windows come on top and shrink per point as the size grows).  One mixed
 * addition is measured alone (msm_madd_repeat, the formula msm.c uses).
 *
 * Terms: the batch-verification mix (C-4.3.10): two thirds of the
 * scalars 128-bit weights, one third full 256-bit.
 * Usage: bench_msm [max-size]   (default 16000)
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

/* The window width msm.c picks (same cost model). */
static unsigned window_for(size_t n, unsigned maxbits)
{
	unsigned best = 2;
	double bestcost = 0;
	for (unsigned c = 2; c <= 15; c++) {
		double w = (double)((maxbits + 1 + c - 1) / c);
		double cost = w * ((double)n + 2.8 * (double)(1u << (c - 1)));
		if (c == 2 || cost < bestcost) {
			best = c;
			bestcost = cost;
		}
	}
	return best;
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

	if (maxn < 200 || p == NULL || s == NULL || ones == NULL || enc == NULL || encp == NULL ||
	    k == NULL || r == NULL || r2 == NULL || g == NULL) {
		fprintf(stderr, "usage: bench_msm [max-size >= 200]\n");
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
	/* one mixed addition */
	{
		msm_pt mp;
		uint64_t sink;
		check(msm_pt_from_enc(&mp, enc[0]), "msm_pt");
		t0 = cpu_us();
		sink = msm_madd_repeat(&mp, 200000);
		t_add = (cpu_us() - t0) / 200000.0;
		printf("one mixed addition: %.3f us (%llx)\n", t_add,
		       (unsigned long long)(sink & 0xf));
	}
	printf("%7s %4s %12s %12s %12s %12s %8s %8s\n", "points", "c", "bucket/enc", "bucket/pt",
	       "EC_POINTs", "floor", "vs-floor", "speedup");
	for (size_t z = 0; z < sizeof sizes / sizeof *sizes && sizes[z] <= maxn; z++) {
		size_t n = sizes[z];
		unsigned c = window_for(n + 1, 256);
		double tb, tp, to;
		/* windows a point's digits span: a 128-bit weight fewer than a
		 * full scalar (the + 1 is the final carry's window) */
		double floor_us = ((double)((n - n / 3) * ((129 + c - 1) / c)) +
		                   (double)(n / 3) * ((257 + c - 1) / c)) /
		                  (double)n * t_add;
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
		printf("%7zu %4u %9.2f us %9.2f us %9.2f us %9.2f us %8.2f %7.2fx\n", n, c, tb, tp,
		       to, floor_us, tb / floor_us, to / tb);
	}
	printf(
	    "(us of CPU per point; floor = ceil((bits+1)/c) mixed additions per point; speedup = "
	    "EC_POINTs_mul / bucket on encodings)\n");
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

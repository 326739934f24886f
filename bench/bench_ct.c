/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_ct -- does the prover's time depend on the vote?  A leakage test
 * in the manner of dudect (Reparaz, Balasch, Verbauwhede, "Dude, is my
 * code constant time?", DATE 2017); docs/spec/crypto.md C-3.1, C-6.1.
 *
 * For each pair of input classes the prover is timed (rdtsc on x86-64,
 * else clock_gettime) on inputs whose class is drawn at random for every
 * sample, so drift and other processes hit both classes alike.  Inputs
 * are prepared a batch at a time, untimed, before the batch is measured.
 * Welch's t statistic is updated online (Welford) for the raw samples and
 * for samples cropped at the percentiles p_i = 1 - 0.5^(10(i+1)/CROPS)
 * (i = 0..CROPS-1: 50%, 75%, ... 99.9%) of a warm-up set, as dudect does:
 * cropping removes the long tail of preemptions.  A pair passes if
 * |t| < 4.5 for the raw and every cropped test.
 *
 * Pairs:
 *   s  selection, range_encrypt_prove over [0, 1]: m = 0 vs m = 1
 *   g  group proof, range_prove (witness re-check) over [0, 1]: m = 0 vs 1
 *   t  contest total, range_prove over [0, L]: m in {0, 1} vs m in {2..L}
 *
 * Usage: bench_ct [-n samples] [-L max] [-p pairs] [-v]
 *   -n  samples per pair, warm-up included (default 1000000; 20000 for
 *       a quick look)
 *   -L  the contest total's range [0, L] (default 3, 2 <= L <= 1023)
 *   -p  which pairs, e.g. "st" (default), "sgt"
 *   -v  print every cropped test
 * Exit status: 0 if every pair passes, 1 if one does not, 2 on error.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/proof.h"
#include "crypto/util.h"

#define CROPS 10
#define BATCH 64
#define T_LIMIT 4.5

static uint64_t ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	uint64_t t;
	_mm_lfence();
	t = __rdtsc();
	_mm_lfence();
	return t;
#else
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

static void check(qerr e, const char *what)
{
	if (e != Q_OK) {
		fprintf(stderr, "bench_ct: %s: %s\n", what, qerr_str(e));
		exit(2);
	}
}

/* ---- Welch's t, online ---- */

typedef struct welch {
	double n[2], mean[2], m2[2];
} welch;

static void welch_add(welch *w, int cls, double x)
{
	double d = x - w->mean[cls];
	w->n[cls] += 1;
	w->mean[cls] += d / w->n[cls];
	w->m2[cls] += d * (x - w->mean[cls]);
}

static double welch_t(const welch *w)
{
	double v0, v1;
	if (w->n[0] < 2 || w->n[1] < 2)
		return 0;
	v0 = w->m2[0] / (w->n[0] - 1);
	v1 = w->m2[1] / (w->n[1] - 1);
	if (v0 + v1 == 0)
		return 0;
	return (w->mean[0] - w->mean[1]) / sqrt(v0 / w->n[0] + v1 / w->n[1]);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* ---- the provers under test ---- */

typedef struct env {
	point_table *Kt;
	uint8_t ctx[PROOF_CTX_LEN];
	uint64_t L;
} env;

typedef struct input {
	int cls;
	uint64_t m;
	elgamal_ct *ct; /* pairs g, t: the ciphertext of m under r */
	scalar *r;
} input;

static uint64_t rand_below(uint64_t bound)
{
	uint32_t x;
	check(rand_bytes(&x, sizeof x), "rand_bytes");
	return (uint64_t)x % bound; /* bias irrelevant here */
}

/* Draw the class and the vote of one sample (untimed). */
static void prepare(const env *E, char pair, input *in)
{
	uint8_t b;
	check(rand_bytes(&b, 1), "rand_bytes");
	in->cls = b & 1;
	if (pair == 't')
		in->m = in->cls == 0 ? rand_below(2) : 2 + rand_below(E->L - 1);
	else
		in->m = (uint64_t)in->cls;
	if (pair != 's')
		check(elgamal_encrypt_random(in->ct, in->m, in->r, E->Kt), "encrypt");
}

/* Time the prover on one input. */
static uint64_t measure(const env *E, char pair, const input *in, elgamal_ct *scratch)
{
	range_proof *pf = NULL;
	uint64_t t0, t1;
	qerr e;
	if (pair == 's') {
		t0 = ticks();
		e = range_encrypt_prove(scratch, &pf, NULL, E->ctx, E->Kt, in->m, 0, 1);
		t1 = ticks();
	} else {
		uint64_t hi = pair == 't' ? E->L : 1;
		t0 = ticks();
		e = range_prove(&pf, E->ctx, E->Kt, in->ct, in->m, in->r, 0, hi);
		t1 = ticks();
	}
	check(e, "prove");
	range_proof_free(pf);
	return t1 - t0;
}

static const char *pair_name(char pair)
{
	switch (pair) {
	case 's':
		return "selection range_encrypt_prove [0,1]: m=0 vs m=1";
	case 'g':
		return "group range_prove [0,1] (re-check): m=0 vs m=1";
	default:
		return "contest total range_prove [0,L]: m<=1 vs m>=2";
	}
}

/* Run one pair; returns the largest |t| over the raw and cropped tests. */
static double run_pair(const env *E, char pair, size_t samples, int verbose)
{
	size_t warm = samples / 10 < 10000 ? samples / 10 : 10000;
	uint64_t *wbuf = calloc(warm > 0 ? warm : 1, sizeof *wbuf);
	uint64_t cut[CROPS];
	welch raw, crop[CROPS];
	input in[BATCH];
	elgamal_ct *scratch = elgamal_ct_new();
	double worst = 0, t;
	int worst_i = -1;
	struct timespec ts0, ts1;

	if (wbuf == NULL || scratch == NULL)
		check(Q_ERR_NOMEM, "alloc");
	memset(&raw, 0, sizeof raw);
	memset(crop, 0, sizeof crop);
	for (size_t i = 0; i < BATCH; i++) {
		in[i].ct = elgamal_ct_new();
		in[i].r = scalar_new();
		if (in[i].ct == NULL || in[i].r == NULL)
			check(Q_ERR_NOMEM, "alloc");
	}
	clock_gettime(CLOCK_MONOTONIC, &ts0);
	for (size_t done = 0; done < samples;) {
		size_t k = samples - done < BATCH ? samples - done : BATCH;
		for (size_t i = 0; i < k; i++)
			prepare(E, pair, &in[i]);
		for (size_t i = 0; i < k; i++, done++) {
			uint64_t x = measure(E, pair, &in[i], scratch);
			if (done < warm) {
				wbuf[done] = x;
				if (done + 1 == warm) {
					/* dudect's percentile thresholds */
					qsort(wbuf, warm, sizeof *wbuf, cmp_u64);
					for (int c = 0; c < CROPS; c++) {
						double p = 1 - pow(0.5, 10.0 * (c + 1) / CROPS);
						cut[c] = wbuf[(size_t)(p * (double)(warm - 1))];
					}
				}
				continue;
			}
			welch_add(&raw, in[i].cls, (double)x);
			for (int c = 0; c < CROPS; c++)
				if (x < cut[c])
					welch_add(&crop[c], in[i].cls, (double)x);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &ts1);

	printf("%s\n", pair_name(pair));
	t = welch_t(&raw);
	worst = fabs(t);
	printf("  samples %zu (warm-up %zu, tested %.0f + %.0f), %.0f s\n", samples, warm, raw.n[0],
	       raw.n[1],
	       (double)(ts1.tv_sec - ts0.tv_sec) + (double)(ts1.tv_nsec - ts0.tv_nsec) / 1e9);
	printf("  mean ticks  class0 %.0f  class1 %.0f  (raw)\n", raw.mean[0], raw.mean[1]);
	printf("  t raw %+.2f\n", t);
	for (int c = 0; c < CROPS; c++) {
		double tc = welch_t(&crop[c]);
		double p = 100 * (1 - pow(0.5, 10.0 * (c + 1) / CROPS));
		if (verbose)
			printf("  t cropped < %5.1f%% (%llu ticks): %+.2f  (means %.0f / %.0f)\n",
			       p, (unsigned long long)cut[c], tc, crop[c].mean[0], crop[c].mean[1]);
		if (fabs(tc) > worst) {
			worst = fabs(tc);
			worst_i = c;
		}
	}
	if (worst_i >= 0)
		printf("  max |t| %.2f (cropped at %.1f%%)", worst,
		       100 * (1 - pow(0.5, 10.0 * (worst_i + 1) / CROPS)));
	else
		printf("  max |t| %.2f (raw)", worst);
	printf("  -> %s (limit %.1f)\n", worst < T_LIMIT ? "PASS" : "FAIL", T_LIMIT);
	for (size_t i = 0; i < BATCH; i++) {
		elgamal_ct_free(in[i].ct);
		scalar_free(in[i].r);
	}
	elgamal_ct_free(scratch);
	free(wbuf);
	return worst;
}

int main(int argc, char **argv)
{
	size_t samples = 1000000;
	const char *pairs = "st";
	int verbose = 0, opt, fail = 0;
	env E;
	point *K = point_new();
	scalar *sk = scalar_new();

	setvbuf(stdout, NULL, _IOLBF, 0); /* results as each pair ends */
	E.L = 3;
	while ((opt = getopt(argc, argv, "n:L:p:v")) != -1) {
		switch (opt) {
		case 'n':
			samples = (size_t)strtoull(optarg, NULL, 10);
			break;
		case 'L':
			E.L = strtoull(optarg, NULL, 10);
			break;
		case 'p':
			pairs = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			fprintf(stderr, "usage: bench_ct [-n samples] [-L max] [-p sgt] [-v]\n");
			return 2;
		}
	}
	if (samples < 100 || E.L < 2 || E.L > RANGE_PROOF_MAX_SPAN ||
	    strspn(pairs, "sgt") != strlen(pairs)) {
		fprintf(stderr, "bench_ct: need -n >= 100, 2 <= -L <= %u, -p from \"sgt\"\n",
		        RANGE_PROOF_MAX_SPAN);
		return 2;
	}
	if (K == NULL || sk == NULL)
		check(Q_ERR_NOMEM, "alloc");
	check(scalar_random(sk), "key");
	check(point_mul_base(K, sk), "key");
	check(rand_bytes(E.ctx, sizeof E.ctx), "ctx");
	if ((E.Kt = point_table_new(K)) == NULL)
		check(Q_ERR_NOMEM, "table");
	printf("bench_ct: %zu samples per pair, L = %llu, timer %s, limit |t| < %.1f\n", samples,
	       (unsigned long long)E.L,
#if defined(__x86_64__) || defined(__i386__)
	       "rdtsc",
#else
	       "clock_gettime",
#endif
	       T_LIMIT);
	for (const char *p = pairs; *p != '\0'; p++)
		if (run_pair(&E, *p, samples, verbose) >= T_LIMIT)
			fail = 1;
	point_table_free(E.Kt);
	point_free(K);
	scalar_free(sk);
	return fail;
}

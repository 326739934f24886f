/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_shuffle -- the mix-net (docs/spec/crypto.md C-8): mixing + proving
 * and verifying n slots of width w, per slot, each beside its floor (the
 * group operations it needs, C-8.7) measured in the same run.
 *
 * Floors per slot (tuple of w ciphertexts):
 *   mix + prove (shuffle_mix): constant-time multiplications only,
 *     (w + 3) fixed-base G   (r_k G for w re-encryptions; rho_j G, rhoh_i G, omh_i G)
 *     + w table-K            (r_k K)
 *     + (2w + 3) variable-base (u'_i chat, omp_i chat, omp_i h_i, omp_i a'_ik, omp_i b'_ik)
 *   verify (shuffle_verify_bytes, decoding included): one multi-scalar multiplication over
 *     (4w + 4) points per slot (h_i, c_i, chat_i, that_i, a_ik, b_ik, a'_ik, b'_ik),
 *     timed here over the same number of random points and scalars in
 *     the same chunks of 1024.
 * Not in the floors: deriving the generators h_i (a square root each,
 * reported), hashing every point, BIGNUM arithmetic on the scalars.
 * Usage: bench_shuffle [-n slots (1000)] [-w width (3)]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/shuffle.h"

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: robust on a shared machine */
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void check(qerr e, const char *what)
{
	if (e != Q_OK) {
		fprintf(stderr, "bench_shuffle: %s: %s\n", what, qerr_str(e));
		exit(1);
	}
}

/* Minimum over 5 rounds of the mean per iteration. */
static double time_op(int iters, qerr (*op)(void *), void *arg)
{
	double best = 1e30;
	for (int r = 0; r < 5; r++) {
		double t0 = now_us(), d;
		for (int i = 0; i < iters; i++)
			check(op(arg), "primitive");
		d = (now_us() - t0) / iters;
		if (d < best)
			best = d;
	}
	return best;
}

typedef struct prim {
	point *r, *P;
	scalar *s;
	const point_table *Kt;
} prim;

static qerr op_g(void *a)
{
	prim *p = a;
	return point_mul_base(p->r, p->s);
}
static qerr op_k(void *a)
{
	prim *p = a;
	return point_table_mul(p->r, p->Kt, p->s);
}
static qerr op_var(void *a)
{
	prim *p = a;
	return point_mul(p->r, p->s, p->P);
}

int main(int argc, char **argv)
{
	size_t n = 1000, w = 3;
	int opt;
	uint8_t ctx[SHUFFLE_CTX_LEN] = {7};
	while ((opt = getopt(argc, argv, "n:w:")) != -1) {
		if (opt == 'n')
			n = strtoul(optarg, NULL, 10);
		else if (opt == 'w')
			w = strtoul(optarg, NULL, 10);
		else {
			fprintf(stderr, "usage: bench_shuffle [-n slots] [-w width]\n");
			return 2;
		}
	}
	if (n < 1 || n > SHUFFLE_MAX_N || w < 1 || w > SHUFFLE_MAX_W) {
		fprintf(stderr, "bench_shuffle: n or w out of range\n");
		return 2;
	}

	scalar *sk = scalar_new();
	point *K = point_new();
	check(scalar_random(sk), "key");
	check(point_mul_base(K, sk), "key");
	point_table *Kt = point_table_new(K);
	if (Kt == NULL)
		check(Q_ERR_NOMEM, "table");

	/* primitives */
	prim pr = {point_new(), point_new(), scalar_new(), Kt};
	check(scalar_random(pr.s), "s");
	check(point_mul_base(pr.P, pr.s), "P");
	double tG = time_op(200, op_g, &pr), tK = time_op(200, op_k, &pr),
	       tVar = time_op(100, op_var, &pr);
	printf("fixed-base s*G                 %9.2f us\n", tG);
	printf("table s*K                      %9.2f us\n", tK);
	printf("variable-base s*P              %9.2f us\n", tVar);

	/* inputs: n*w encryptions of random points */
	size_t m = n * w;
	elgamal_ct **in = calloc(m, sizeof *in), **out = calloc(m, sizeof *out);
	for (size_t i = 0; i < m; i++) {
		in[i] = elgamal_ct_new();
		out[i] = elgamal_ct_new();
		check(scalar_random(pr.s), "s");
		check(point_mul_base(pr.P, pr.s), "M");
		check(scalar_random(pr.s), "r");
		check(shuffle_encrypt_point(in[i], pr.P, pr.s, Kt), "encrypt");
	}

	/* generators alone */
	point **h = calloc(n + 1, sizeof *h);
	for (size_t i = 0; i <= n; i++)
		h[i] = point_new();
	double t0 = now_us();
	check(shuffle_generators(h, n + 1, ctx), "generators");
	double tGen = (now_us() - t0) / (double)(n + 1);
	printf("generator h_i (C-8.1)          %9.2f us\n", tGen);

	/* mix + prove */
	shuffle_proof *pf = NULL;
	t0 = now_us();
	check(shuffle_mix(out, &pf, ctx, Kt, (const elgamal_ct *const *)in, n, w), "mix");
	double tMix = (now_us() - t0) / (double)n;
	double fMix = (double)(w + 3) * tG + (double)w * tK + (double)(2 * w + 3) * tVar;

	/* verify: as a verifier would, from the bytes it receives (decoding
	 * the lists and the proof is in the timed part) */
	shuffle_fail why;
	size_t plen = SHUFFLE_PROOF_LEN(n, w);
	uint8_t *pbytes = malloc(plen), *ib = malloc(m * ELGAMAL_CT_LEN),
	        *ob = malloc(m * ELGAMAL_CT_LEN);
	check(shuffle_proof_encode(pbytes, plen, pf), "encode");
	for (size_t i = 0; i < m; i++) {
		check(elgamal_ct_encode(ib + ELGAMAL_CT_LEN * i, in[i]), "ct");
		check(elgamal_ct_encode(ob + ELGAMAL_CT_LEN * i, out[i]), "ct");
	}
	t0 = now_us();
	check(shuffle_verify_bytes(pbytes, plen, ctx, K, ib, ob, n, w, &why), "verify");
	double tVer = (now_us() - t0) / (double)n;
	free(pbytes);
	free(ib);
	free(ob);
	/* the verifier's floor: an MSM of the same size, same chunks */
	size_t P = (4 * w + 4) * n, CH = 1024;
	const point **pp = calloc(P, sizeof *pp);
	scalar **ss = calloc(P, sizeof *ss);
	for (size_t i = 0; i < P; i++) {
		pp[i] = i < m       ? in[i]->a
		        : i < 2 * m ? in[i - m]->b
		        : i < 3 * m ? out[i - 2 * m]->a
		                    : h[i % (n + 1)];
		ss[i] = scalar_new();
		check(scalar_random(ss[i]), "s");
	}
	point *acc = point_new(), *part = point_new();
	t0 = now_us();
	check(point_set_infinity(acc), "inf");
	for (size_t o = 0; o < P; o += CH) {
		size_t k = P - o < CH ? P - o : CH;
		check(point_msm(part, NULL, k, pp + o, (const scalar *const *)(ss + o)), "msm");
		check(point_add(acc, acc, part), "add");
	}
	double fVer = (now_us() - t0) / (double)n;

	printf("n = %zu slots of width w = %zu, proof %zu bytes (%.0f per slot)\n", n, w,
	       SHUFFLE_PROOF_LEN(n, w), (double)SHUFFLE_PROOF_LEN(n, w) / (double)n);
	printf("%-30s %9s %9s %6s\n", "per slot", "us", "floor us", "ratio");
	printf("%-30s %9.1f %9.1f %6.2f\n", "mix + prove (shuffle_mix)", tMix, fMix, tMix / fMix);
	printf("%-30s %9.1f %9.1f %6.2f\n", "verify (shuffle_verify_bytes)", tVer, fVer,
	       tVer / fVer);
	printf("total: mix + prove %.2f s, verify %.2f s (CPU time, one thread)\n", tMix * n / 1e6,
	       tVer * n / 1e6);

	for (size_t i = 0; i < P; i++)
		scalar_free(ss[i]);
	free(ss);
	free(pp);
	point_free(acc);
	point_free(part);
	for (size_t i = 0; i <= n; i++)
		point_free(h[i]);
	free(h);
	for (size_t i = 0; i < m; i++) {
		elgamal_ct_free(in[i]);
		elgamal_ct_free(out[i]);
	}
	free(in);
	free(out);
	shuffle_proof_free(pf);
	point_free(pr.r);
	point_free(pr.P);
	scalar_free(pr.s);
	point_table_free(Kt);
	point_free(K);
	scalar_free(sk);
	return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_crypto -- per-operation cost of the P-256 core and of one 0/1
 * selection (encrypt + prove, verify), each with its ratio to the
 * group-operation floor measured in the same run.
 *
 * Floors (docs/spec/crypto.md C-6):
 *   encrypt + prove (range_encrypt_prove, [0,1]), constant time in m
 *   (C-4.3.11: every branch does the same work):
 *     6 fixed-base G mults (rG, (m+r)G, and per branch t_kG, e_kG)
 *     + 3 table-K mults (rK, t_0K, t_1K)
 *     + 6 point encodings (alpha, beta, a_0, b_0, a_1, b_1 for the hash)
 *   verify (range_verify with the K table, [0,1]):
 *     2 x (2 double mults (v_jG - c_j alpha, (j c_j)G - c_j beta)
 *          + 1 table-K mult (v_jK)) + 4 encodings (a_j, b_j)
 *   batch verify (range_batch_verify, 64 selections with commitments):
 *     one multi-scalar multiplication over 6 points per selection + K
 * Usage: bench_crypto [iterations-scale]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/proof.h"

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: robust on a shared machine */
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void check(qerr e, const char *what)
{
	if (e != Q_OK) {
		fprintf(stderr, "bench: %s: %s\n", what, qerr_str(e));
		exit(1);
	}
}

/* Each figure is the minimum, over ROUNDS rounds, of the mean time per
 * iteration: the machine is shared, and the minimum is the figure least
 * disturbed by other processes. */
#define ROUNDS 5
#define TIME(label, iters, body)                                                                   \
	do {                                                                                       \
		int n_ = (iters) / ROUNDS > 0 ? (iters) / ROUNDS : 1;                              \
		res = 1e30;                                                                        \
		for (int r_ = 0; r_ < ROUNDS; r_++) {                                              \
			double t0_ = now_us(), d_;                                                 \
			for (int i_ = 0; i_ < n_; i_++) {                                          \
				body;                                                              \
			}                                                                          \
			d_ = (now_us() - t0_) / n_;                                                \
			if (d_ < res)                                                              \
				res = d_;                                                          \
		}                                                                                  \
		printf("%-44s %9.2f us\n", label, res);                                            \
	} while (0)

int main(int argc, char **argv)
{
	int scale = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 1;
	int N = 2000 * (scale > 0 ? scale : 1);
	double res, tG, tVar, tK, tMul2, tEnc, tDec, tEP, tV, tBatch;
	scalar *s = scalar_new(), *sk = scalar_new(), *r = scalar_new();
	point *p = point_new(), *K = point_new(), *q = point_new();
	point_table *Kt;
	elgamal_ct *ct = elgamal_ct_new();
	range_proof *pf = NULL;
	uint8_t enc[POINT_LEN], ctx[PROOF_CTX_LEN] = {7};

	check(scalar_random(s), "random");
	check(scalar_random(sk), "random");
	check(point_mul_base(K, sk), "K");
	{
		double t0 = now_us();
		Kt = point_table_new(K);
		printf("%-44s %9.2f us\n", "point_table_new (K)", now_us() - t0);
	}
	if (Kt == NULL)
		return 1;
	check(point_mul_base(q, s), "q");

	TIME("fixed-base s*G (point_mul_base)", N, check(point_mul_base(p, s), "mulG"));
	tG = res;
	TIME("variable-base s*P (point_mul)", N / 4, check(point_mul(p, s, q), "mul"));
	tVar = res;
	TIME("table s*K (point_table_mul)", N, check(point_table_mul(p, Kt, s), "mulK"));
	tK = res;
	TIME("a*G + b*P (point_mul2)", N / 4, check(point_mul2(p, s, sk, q), "mul2"));
	tMul2 = res;
	TIME("point_encode (uncompressed)", N, check(point_encode(enc, q), "enc"));
	tEnc = res;
	TIME("point_decode (uncompressed, checked)", N,
	     check(point_decode(p, enc, POINT_LEN), "dec"));
	tDec = res;

	TIME("encrypt + prove 0/1 (range_encrypt_prove)", N / 4, {
		range_proof_free(pf);
		check(range_encrypt_prove(ct, &pf, NULL, ctx, Kt, (uint64_t)(i_ & 1), 0, 1), "ep");
	});
	tEP = res;
	TIME("verify 0/1 (range_verify, K table)", N / 4,
	     check(range_verify(pf, ctx, K, Kt, ct, 0, 1), "verify"));
	tV = res;
	TIME("verify 0/1 (range_verify, no table)", N / 8,
	     check(range_verify(pf, ctx, K, NULL, ct, 0, 1), "verify"));

	{
		/* batch verification of 64 selections' proofs with commitments */
		enum { NBATCH = 64 };
		elgamal_ct *cts[NBATCH];
		range_proof *pfs[NBATCH];
		uint8_t ctenc[NBATCH][ELGAMAL_CT_LEN];
		range_batch_item items[NBATCH];
		int reps = N / 100 > ROUNDS ? N / 100 : ROUNDS;
		double tMsm;
		for (int i = 0; i < NBATCH; i++) {
			cts[i] = elgamal_ct_new();
			pfs[i] = NULL;
			check(range_encrypt_prove(cts[i], &pfs[i], NULL, ctx, Kt, (uint64_t)(i & 1),
			                          0, 1),
			      "ep");
			check(elgamal_ct_encode(ctenc[i], cts[i]), "ctenc");
			items[i] = (range_batch_item){pfs[i], ctx, cts[i], ctenc[i], 0, 1};
		}
		TIME("batch verify 1 x 0/1 (one ballot's selection)", N / 8,
		     check(range_batch_verify(items, 1, K, Kt), "batch1"));
		TIME("batch verify 64 x 0/1, per selection", reps,
		     check(range_batch_verify(items, NBATCH, K, Kt), "batch"));
		tBatch = res / NBATCH;
		printf("%-44s %9.2f us\n", "  -> per selection", tBatch);
		{
			/* floor: the MSM alone over the same 6*64+1 points */
			const point *pts[6 * NBATCH + 1];
			point *cpts[4 * NBATCH];
			for (int i = 0; i < 4 * NBATCH; i++) {
				cpts[i] = point_new();
				check(point_decode(cpts[i],
				                   pfs[i / 4]->commit + (i % 4) * POINT_LEN,
				                   POINT_LEN),
				      "commit");
			}
			const scalar *scs[6 * NBATCH + 1];
			size_t np = 0;
			pts[np] = K;
			scs[np++] = s;
			for (int i = 0; i < NBATCH; i++) {
				pts[np] = cts[i]->a;
				scs[np++] = s;
				pts[np] = cts[i]->b;
				scs[np++] = sk;
				for (int k = 0; k < 2; k++) {
					pts[np] = cpts[4 * i + 2 * k];
					scs[np++] = s;
					pts[np] = cpts[4 * i + 2 * k + 1];
					scs[np++] = sk;
				}
			}
			TIME("MSM of 385 points (the batch floor)", reps,
			     check(point_msm(p, s, np, pts, scs), "msm"));
			tMsm = res / NBATCH;
			printf("batch verify %.2f us/selection: ratio %.2f to its MSM floor (%.2f "
			       "us/selection); target <= 120 us\n",
			       tBatch, tBatch / tMsm, tMsm);
			for (int i = 0; i < 4 * NBATCH; i++)
				point_free(cpts[i]);
		}
		for (int i = 0; i < NBATCH; i++) {
			elgamal_ct_free(cts[i]);
			range_proof_free(pfs[i]);
		}
	}
	{
		/* baby-step giant-step for totals up to 10^7 */
		elgamal_dlog_table *dt = NULL;
		scalar *ms = scalar_new();
		uint64_t got;
		double t0 = now_us();
		check(elgamal_dlog_table_new(&dt, 10000000), "dlog table");
		printf("%-44s %9.2f us\n", "dlog table for 0..10^7 (build)", now_us() - t0);
		check(scalar_set_u64(ms, 9999999), "ms");
		check(point_mul_base(p, ms), "mG");
		TIME("dlog of 9,999,999 (near worst case)", 5,
		     check(elgamal_dlog(dt, p, &got), "dlog"));
		elgamal_dlog_table_free(dt);
		scalar_free(ms);
	}
	double tEnc6;
	{
		/* the prover encodes its 6 points at once (one field inversion,
		 * C-4.3.11): the floor's encodings since session 8 */
		const point *six[6];
		uint8_t out6[6][POINT_LEN];
		const size_t ends6[6] = {1, 2, 3, 4, 5, 6};
		check(point_mul_base(p, s), "six");
		for (int i = 0; i < 6; i++)
			six[i] = p;
		TIME("6 points encoded at once (point_sums_encode)", N,
		     check(point_sums_encode(out6, six, ends6, 6), "enc6"));
		tEnc6 = res;
	}
	{
		double floor_ep_mults = 6 * tG + 3 * tK;
		double floor_ep = floor_ep_mults + tEnc6;
		double floor_v_mults = 4 * tMul2 + 2 * tK;
		double floor_v = floor_v_mults + 4 * tEnc;
		printf("\nfloor encrypt+prove = 6 G + 3 K-table mults + 6 encodings at once = %.2f "
		       "us (mults only %.2f us; 6 encodings one by one would add %.2f us)\n",
		       floor_ep, floor_ep_mults, 6 * tEnc);
		printf("  encrypt+prove %.2f us: ratio %.2f to floor (%.2f to mults-only floor)\n",
		       tEP, tEP / floor_ep, tEP / floor_ep_mults);
		printf("floor verify = 4 double mults + 2 K-table mults + 4 encodings = %.2f us "
		       "(mults only %.2f us)\n",
		       floor_v, floor_v_mults);
		printf("  verify %.2f us: ratio %.2f to floor (%.2f to mults-only floor); target "
		       "<= 120 us\n",
		       tV, tV / floor_v, tV / floor_v_mults);
		printf("(variable-base %.2f us, decode %.2f us for reference)\n", tVar, tDec);
	}
	range_proof_free(pf);
	elgamal_ct_free(ct);
	point_table_free(Kt);
	scalar_free(s);
	scalar_free(sk);
	scalar_free(r);
	point_free(p);
	point_free(K);
	point_free(q);
	return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * group_internal.h -- shared between group.c and group_table.c only.
 * Not part of the public API: other modules use group.h.
 */
#ifndef QUORUM_GROUP_INTERNAL_H
#define QUORUM_GROUP_INTERNAL_H

#include <openssl/bn.h>
#include <openssl/ec.h>

#include "group.h"
#include "util.h"

struct scalar {
	BIGNUM *bn;
};

struct point {
	EC_POINT *p;
};

/* The shared P-256 group (created once; never NULL: qfatal on failure). */
const EC_GROUP *group_ec(void);
/* The order n. */
const BIGNUM *group_order(void);
/* This thread's BN_CTX (created on first use), or NULL if memory ran out. */
BN_CTX *group_bnctx(void);

/* ---- msm.c: Pippenger multi-scalar multiplication, public data only ---- */

/* An affine point, not infinity, coordinates in msm.c's Montgomery form. */
typedef struct msm_pt {
	uint64_t x[4], y[4];
} msm_pt;

/* The widest bucket window msm_run uses (signed digits fit int16_t). */
#define MSM_MAX_WINDOW 15u

/* From a 65-byte encoding, checked as point_decode does (Q_ERR_ENCODING
 * for a prefix other than 0x04, Q_ERR_POINT for X or Y >= p or off the
 * curve). */
qerr msm_pt_from_enc(msm_pt *o, const uint8_t enc[POINT_LEN]);
/* From n Jacobian triples X || Y || Z (32 bytes each, big-endian, plain
 * integers < p, Z != 0) with one shared inversion.  Q_ERR_POINT for a
 * coordinate >= p or Z = 0; no curve check (the caller's points are
 * group elements already). */
qerr msm_pts_from_jacobian(msm_pt *o, const uint8_t (*xyz)[3 * 32], size_t n);
/* sum_i sc[i]*pts[i] (sc big-endian, any 256-bit value; < n expected).
 * *is_inf = 1 and out zeroed if the sum is infinity, else out is its
 * encoding.  Q_ERR_NOMEM. */
qerr msm_run(uint8_t out[POINT_LEN], int *is_inf, const msm_pt *pts, const uint8_t (*sc)[32],
             size_t n);
/* ngroups sums of points given as 65-byte encodings: group k is
 * enc[end[k-1] .. end[k]) (end[-1] = 0), each checked as msm_pt_from_enc
 * does (its error, nothing written, if one fails).  out[k] = the sum's
 * encoding and is_inf[k] = 0, or out[k] zeroed and is_inf[k] = 1 if it is
 * infinity; one field inversion for all.  Q_ERR_NOMEM. */
qerr msm_sums_enc(uint8_t (*out)[POINT_LEN], uint8_t *is_inf, const uint8_t *const *enc,
                  const size_t *end, size_t ngroups);
/* msm_run with the scalars as 4 little-endian 64-bit limbs. */
qerr msm_run_limbs(uint8_t out[POINT_LEN], int *is_inf, const msm_pt *pts, const uint64_t (*sc)[4],
                   size_t n);
/* The generator G as an msm_pt (group_table.c; Q_ERR_CRYPTO if OpenSSL
 * failed to give it). */
qerr msm_generator(msm_pt *o);
/* msm_run's plan for n scalars of at most maxbits bits, nhi of them longer
 * than 128 bits: the window width of the low part (of the only part if
 * *c_hi is set to 0), and *c_hi that of the high part (bits 128 and up of
 * the nhi long scalars).  Exposed for bench_msm's floor. */
unsigned msm_plan(size_t n, size_t nhi, unsigned maxbits, unsigned *c_hi);
/* Tests only: force msm_run's window width (2..MSM_MAX_WINDOW; 0 = its
 * own choice); msm_split_override = 1: never split the scalars in a low
 * and a high part (0: as the cost model says). */
extern unsigned msm_window_override;
extern int msm_split_override;
/* What msm_run's batch-affine accumulation did in this thread (tests read
 * them to see the exceptional cases go through a shared inversion):
 * inversions shared by a chunk of additions, rounds of the bucket trees,
 * doublings (P + P), opposite pairs (P + (-P) = O), pairs with an operand
 * at infinity, buckets left to the Jacobian tail.  Only ever incremented. */
typedef struct msm_counters {
	unsigned long inversions, rounds, dbl, opp, inf_operand, tail;
} msm_counters;
extern _Thread_local msm_counters msm_count;
/* msm.c's field multiplication (Montgomery, mod p): r = a*b/2^256 mod p,
 * r < p when a or b is < p (congruent and < 2^256 for any inputs), r may
 * alias a or b.  msm_fe_mul runs the multiplication msm_run uses (the
 * x86-64 MULX/ADX one where the CPU has BMI2 and ADX, else the portable
 * C); msm_fe_mul_portable always the portable one.  Tests only:
 * msm_fe_force_portable(1) makes every msm.c routine in the process use
 * the portable one, (0) restores the choice by CPU; returns 1 if the
 * MULX/ADX one is now in use.  Not thread-safe (tests, before threads). */
void msm_fe_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]);
void msm_fe_mul_portable(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]);
/* r = a^2/2^256 mod p for a < p (r < p), as msm_run squares: the dedicated
 * x86-64 squaring with the MULX/ADX multiplication, else msm_fe_mul's. */
void msm_fe_sqr(uint64_t r[4], const uint64_t a[4]);
/* r = a + b, a - b mod p (a, b < p; r < p), as msm.c's point formulas
 * compute them (carry-chain intrinsics on x86-64). */
void msm_fe_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]);
void msm_fe_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]);
int msm_fe_force_portable(int portable);
/* Scalars mod n in 4 little-endian 64-bit limbs (msm.c; public values,
 * not constant time): r = a + b, a - b mod n (a, b < n); r = a*b/2^256 mod n
 * (Montgomery; a, b < n, or one of them < n and the other < 2^256), and
 * r = a*2^256 mod n (msm_sc_from_mont of such a product: a < n, r < n).
 * r may alias a or b.  msm_limbs_from_be/to_be: 32 big-endian bytes <->
 * limbs, no reduction. */
void msm_sc_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]);
void msm_sc_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]);
void msm_sc_mont_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]);
void msm_sc_from_mont(uint64_t r[4], const uint64_t a[4]);
void msm_limbs_from_be(uint64_t r[4], const uint8_t in[32]);
void msm_limbs_to_be(uint8_t out[32], const uint64_t a[4]);
/* point_sums_encode's arithmetic (group.h): group k is the Jacobian
 * triples xyz[end[k-1] .. end[k]) (end[-1] = 0, none empty; X || Y || Z,
 * 32 bytes each, big-endian, plain integers < p, Z != 0: OpenSSL's
 * results, not checked), summed in the order given from the first term;
 * out[k] its encoding, one field inversion for all.  Q_ERR_POINT if a sum
 * is infinity (nothing useful in out), Q_ERR_ARG for an empty group,
 * Q_ERR_NOMEM.  Branch-free field arithmetic; the additions branch only
 * when two operands are equal or opposite (see point_sums_encode).  Its
 * working values are wiped. */
qerr msm_jac_sums_enc(uint8_t (*out)[POINT_LEN], const uint8_t (*xyz)[3 * 32], const size_t *end,
                      size_t ngroups);
/* Bench only: n mixed additions of p into an accumulator (the unit of
 * msm_run's per-point floor).  Returns a word of the result so the work
 * cannot be optimised away. */
uint64_t msm_madd_repeat(const msm_pt *p, size_t n);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * msm.c -- multi-scalar multiplication over P-256 by the bucket method
 * (Pippenger), with its own field arithmetic (docs/spec/crypto.md C-1.5).
 *
 * NOT CONSTANT TIME.  Every branch, bucket index and memory access here
 * depends on the scalars and points: this code is for public data only
 * (batch verification of proofs, the homomorphic tally, verification of
 * trustees' shares).  Secrets never reach it; group.h says so too.
 *
 * Field elements are 4 x 64-bit limbs, little-endian, in Montgomery form
 * (a*R mod p, R = 2^256), always fully reduced into [0, p), so equality
 * is limb equality.  Inputs are affine.  Each window's buckets are
 * summed in affine coordinates by trees of additions sharing one
 * inversion (batch-affine, see msm_part); the running sums over the
 * buckets and the result are Jacobian (X : Y : Z), x = X/Z^2, y = Y/Z^3,
 * Z = 0 the point at infinity, with the formulas (a = -3) doubling
 * dbl-2001-b, mixed addition madd-2007-bl, addition add-2007-bl
 * (Explicit-Formulas Database).  The exceptional cases (an operand at
 * infinity, P + P, P + (-P)) are handled explicitly in both, so duplicate
 * and opposite points are fine.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <x86intrin.h>
#endif

#include "group_internal.h"

#include "banned.h"

typedef unsigned __int128 u128;

/* p = 2^256 - 2^224 + 2^192 + 2^96 - 1 */
static const uint64_t P[4] = {0xffffffffffffffffu, 0x00000000ffffffffu, 0, 0xffffffff00000001u};
/* R^2 mod p, to enter Montgomery form */
static const uint64_t R2[4] = {0x3u, 0xfffffffbffffffffu, 0xfffffffffffffffeu, 0x4fffffffdu};
/* b*R mod p (the curve's b in Montgomery form) */
static const uint64_t BM[4] = {0xd89cdf6229c4bddfu, 0xacf005cd78843090u, 0xe5a220abf7212ed6u,
                               0xdc30061d04874834u};
static const uint64_t ONE[4] = {1, 0, 0, 0};
/* R mod p = 1 in Montgomery form */
static const uint64_t RM[4] = {0x1u, 0xffffffff00000000u, 0xffffffffffffffffu, 0xfffffffeu};

typedef struct {
	uint64_t X[4], Y[4], Z[4];
} jac;

/* Add and subtract with carry: the compiler's carry-chain intrinsics on
 * x86-64 (ADC/SBB), 128-bit arithmetic elsewhere.  QUORUM_PORTABLE_CARRY
 * forces the 128-bit ones on x86-64 too: the test crypto_field_portable
 * is built so, so that the code other architectures run is tested here. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) &&                            \
    !defined(QUORUM_PORTABLE_CARRY)
static inline uint64_t addc(uint64_t a, uint64_t b, unsigned char *c)
{
	unsigned long long o;
	*c = _addcarry_u64(*c, a, b, &o);
	return o;
}

static inline uint64_t subb(uint64_t a, uint64_t b, unsigned char *bw)
{
	unsigned long long o;
	*bw = _subborrow_u64(*bw, a, b, &o);
	return o;
}
#else
static inline uint64_t addc(uint64_t a, uint64_t b, unsigned char *c)
{
	u128 s = (u128)a + b + *c;
	*c = (unsigned char)(s >> 64);
	return (uint64_t)s;
}

static inline uint64_t subb(uint64_t a, uint64_t b, unsigned char *bw)
{
	u128 d = (u128)a - b - *bw;
	*bw = (unsigned char)((d >> 64) & 1);
	return (uint64_t)d;
}
#endif

/* r = a - p if a (with carry bit hi) >= p, else a; a < 2p.  Branch-free
 * (whether a >= p is a coin toss: a branch would mispredict half the
 * time). */
static inline void fe_reduce_once(uint64_t r[4], uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                                  uint64_t hi)
{
	unsigned char bw = 0;
	uint64_t t0, t1, t2, t3, keep;
	t0 = subb(a0, P[0], &bw);
	t1 = subb(a1, P[1], &bw);
	t2 = subb(a2, P[2], &bw);
	t3 = subb(a3, P[3], &bw);
	/* a < p iff the subtraction borrowed past the carry bit */
	keep = 0 - ((uint64_t)bw & (hi ^ 1));
	r[0] = (a0 & keep) | (t0 & ~keep);
	r[1] = (a1 & keep) | (t1 & ~keep);
	r[2] = (a2 & keep) | (t2 & ~keep);
	r[3] = (a3 & keep) | (t3 & ~keep);
}

static inline void fe_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	unsigned char c = 0;
	uint64_t t0, t1, t2, t3;
	t0 = addc(a[0], b[0], &c);
	t1 = addc(a[1], b[1], &c);
	t2 = addc(a[2], b[2], &c);
	t3 = addc(a[3], b[3], &c);
	fe_reduce_once(r, t0, t1, t2, t3, c);
}

static inline void fe_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	unsigned char bw = 0, c = 0;
	uint64_t t0, t1, t2, t3, mask;
	t0 = subb(a[0], b[0], &bw);
	t1 = subb(a[1], b[1], &bw);
	t2 = subb(a[2], b[2], &bw);
	t3 = subb(a[3], b[3], &bw);
	/* add p back if it borrowed */
	mask = 0 - (uint64_t)bw;
	r[0] = addc(t0, P[0] & mask, &c);
	r[1] = addc(t1, P[1] & mask, &c);
	r[2] = addc(t2, P[2] & mask, &c);
	r[3] = addc(t3, P[3] & mask, &c);
}

/* lo(a*b + c + *carry), *carry = the high word. */
static inline uint64_t mac(uint64_t a, uint64_t b, uint64_t c, uint64_t *carry)
{
	u128 t = (u128)a * b + c + *carry;
	*carry = (uint64_t)(t >> 64);
	return (uint64_t)t;
}

/* Montgomery product a*b/R mod p, interleaved (CIOS), unrolled: the
 * portable one (the reference for the x86-64 one below, and the fallback).
 * -p^-1 mod 2^64 = 1, so each round's multiplier m is the lowest limb,
 * and adding m*p = m*(2^96 - 1) + m*P[3]*2^192 takes one multiplication:
 * the low limb cancels (carrying m), limb 1 gets m<<32, limb 2 m>>32,
 * limb 3 m*P[3].  For any a, b < 2^256 the result is congruent to
 * a*b/R and < 2^256; it is < p when a or b is < p. */
/* noinline: gcc 12 spills badly when it inlines this into the point
 * formulas (measured ~1.6x slower); clang does well either way. */
__attribute__((noinline)) static void fe_mul_c(uint64_t r[4], const uint64_t a[4],
                                               const uint64_t b[4])
{
	uint64_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
	uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5;
#pragma GCC unroll 4
	for (int i = 0; i < 4; i++) {
		uint64_t bi = b[i], carry = 0, m;
		u128 s;
		t0 = mac(a0, bi, t0, &carry);
		t1 = mac(a1, bi, t1, &carry);
		t2 = mac(a2, bi, t2, &carry);
		t3 = mac(a3, bi, t3, &carry);
		s = (u128)t4 + carry;
		t4 = (uint64_t)s;
		t5 = (uint64_t)(s >> 64);
		m = t0;
		s = (u128)t1 + (m << 32);
		t0 = (uint64_t)s;
		s = (u128)t2 + (m >> 32) + (uint64_t)(s >> 64);
		t1 = (uint64_t)s;
		s = (u128)t3 + (u128)m * P[3] + (uint64_t)(s >> 64);
		t2 = (uint64_t)s;
		s = (u128)t4 + (uint64_t)(s >> 64);
		t3 = (uint64_t)s;
		t4 = t5 + (uint64_t)(s >> 64);
	}
	fe_reduce_once(r, t0, t1, t2, t3, t4);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FE_ADX 1
/* The same product (the same rounds, so the same result bit for bit, for
 * any inputs) in x86-64 assembly with MULX (BMI2) and two carry chains
 * (ADCX on CF, ADOX on OF, ADX), for CPUs that have both; chosen at run
 * time (fe_select).  Six accumulator registers rotate: round i adds
 * a*b[i] into A0..A4 (A5 takes the carries out of A4), then adds m*p
 * with m = A0, which zeroes A0: A1..A5 are the next round's A0..A4.  The
 * final subtraction of p is branch-free (CMOV). */
#define FE_ROW0(A0, A1, A2, A3, A4, A5)                                                            \
	"movq 0(%[b]), %%rdx\n\t"                                                                  \
	"mulxq 0(%[a]), %[" #A0 "], %[" #A1 "]\n\t"                                                \
	"mulxq 8(%[a]), %[lo], %[" #A2 "]\n\t"                                                     \
	"mulxq 16(%[a]), %[hi], %[" #A3 "]\n\t"                                                    \
	"addq %[lo], %[" #A1 "]\n\t"                                                               \
	"adcq %[hi], %[" #A2 "]\n\t"                                                               \
	"mulxq 24(%[a]), %[lo], %[" #A4 "]\n\t"                                                    \
	"adcq %[lo], %[" #A3 "]\n\t"                                                               \
	"adcq $0, %[" #A4 "]\n\t"                                                                  \
	"xorl %k[" #A5 "], %k[" #A5 "]\n\t"
#define FE_ROW(I, A0, A1, A2, A3, A4, A5)                                                          \
	"movq " #I "(%[b]), %%rdx\n\t"                                                             \
	"xorl %k[" #A5 "], %k[" #A5 "]\n\t" /* A5 = 0, CF = OF = 0 */                              \
	"mulxq 0(%[a]), %[lo], %[hi]\n\t"                                                          \
	"adoxq %[lo], %[" #A0 "]\n\t"                                                              \
	"adcxq %[hi], %[" #A1 "]\n\t"                                                              \
	"mulxq 8(%[a]), %[lo], %[hi]\n\t"                                                          \
	"adoxq %[lo], %[" #A1 "]\n\t"                                                              \
	"adcxq %[hi], %[" #A2 "]\n\t"                                                              \
	"mulxq 16(%[a]), %[lo], %[hi]\n\t"                                                         \
	"adoxq %[lo], %[" #A2 "]\n\t"                                                              \
	"adcxq %[hi], %[" #A3 "]\n\t"                                                              \
	"mulxq 24(%[a]), %[lo], %[hi]\n\t"                                                         \
	"adoxq %[lo], %[" #A3 "]\n\t"                                                              \
	"adcxq %[hi], %[" #A4 "]\n\t"                                                              \
	"movl $0, %k[lo]\n\t" /* no flag changes */                                                \
	"adoxq %[lo], %[" #A4 "]\n\t"                                                              \
	"adcxq %[lo], %[" #A5 "]\n\t"                                                              \
	"adoxq %[lo], %[" #A5 "]\n\t"
#define FE_RED(A0, A1, A2, A3, A4, A5)                                                             \
	"movq %[" #A0 "], %%rdx\n\t"                                                               \
	"mulxq %[p3], %[lo], %[hi]\n\t"                                                            \
	"shlq $32, %[" #A0 "]\n\t"                                                                 \
	"shrq $32, %%rdx\n\t"                                                                      \
	"addq %[" #A0 "], %[" #A1 "]\n\t"                                                          \
	"adcq %%rdx, %[" #A2 "]\n\t"                                                               \
	"adcq %[lo], %[" #A3 "]\n\t"                                                               \
	"adcq %[hi], %[" #A4 "]\n\t"                                                               \
	"adcq $0, %[" #A5 "]\n\t"

static const uint64_t P1_ = 0x00000000ffffffffu, P3_ = 0xffffffff00000001u;

__attribute__((noinline)) static void fe_mul_adx(uint64_t r[4], const uint64_t a[4],
                                                 const uint64_t b[4])
{
	uint64_t x0, x1, x2, x3, x4, x5, lo, hi;
	__asm__(FE_ROW0(x0, x1, x2, x3, x4, x5) FE_RED(x0, x1, x2, x3, x4, x5)
	            FE_ROW(8, x1, x2, x3, x4, x5, x0) FE_RED(x1, x2, x3, x4, x5, x0)
	                FE_ROW(16, x2, x3, x4, x5, x0, x1) FE_RED(x2, x3, x4, x5, x0, x1)
	                    FE_ROW(24, x3, x4, x5, x0, x1, x2) FE_RED(x3, x4, x5, x0, x1, x2)
	        /* T = x4 x5 x0 x1, top bit x2; T - p into lo hi rdx x3 */
	        "movq %[x4], %[lo]\n\t"
	        "movq %[x5], %[hi]\n\t"
	        "movq %[x0], %%rdx\n\t"
	        "movq %[x1], %[x3]\n\t"
	        "subq $-1, %[lo]\n\t"
	        "sbbq %[p1], %[hi]\n\t"
	        "sbbq $0, %%rdx\n\t"
	        "sbbq %[p3], %[x3]\n\t"
	        "sbbq $0, %[x2]\n\t"
	        /* no borrow: T >= p, take T - p */
	        "cmovncq %[lo], %[x4]\n\t"
	        "cmovncq %[hi], %[x5]\n\t"
	        "cmovncq %%rdx, %[x0]\n\t"
	        "cmovncq %[x3], %[x1]\n\t"
	        : [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [x3] "=&r"(x3), [x4] "=&r"(x4),
	          [x5] "=&r"(x5), [lo] "=&r"(lo), [hi] "=&r"(hi)
	        : [a] "r"(a), [b] "r"(b), [p1] "m"(P1_), [p3] "m"(P3_),
	          "m"(*(const uint64_t(*)[4])a), "m"(*(const uint64_t(*)[4])b)
	        : "rdx", "cc");
	r[0] = x4;
	r[1] = x5;
	r[2] = x0;
	r[3] = x1;
}
#undef FE_ROW0
#undef FE_ROW
#undef FE_RED

/* One reduction round of the squaring: m = A0; A0..A3 + m*p, shifted down
 * a limb: the new top (hi + carry) goes to A0's register. */
#define FE_SQRED(A0, A1, A2, A3)                                                                   \
	"movq %[" #A0 "], %%rdx\n\t"                                                               \
	"mulxq %[p3], %[lo], %[hi]\n\t"                                                            \
	"shlq $32, %[" #A0 "]\n\t"                                                                 \
	"shrq $32, %%rdx\n\t"                                                                      \
	"addq %[" #A0 "], %[" #A1 "]\n\t"                                                          \
	"adcq %%rdx, %[" #A2 "]\n\t"                                                               \
	"adcq %[lo], %[" #A3 "]\n\t"                                                               \
	"adcq $0, %[hi]\n\t"                                                                       \
	"movq %[hi], %[" #A0 "]\n\t"

/* a^2/R mod p for a < p: the six cross products once, doubled, plus the
 * four squares (10 multiplications against 16), then the low half reduced
 * in four rounds (each < 2^256) and the high half added; the result is
 * < 2p, so one branch-free subtraction of p. */
__attribute__((noinline)) static void fe_sqr_adx(uint64_t r[4], const uint64_t a[4])
{
	uint64_t t0, t1, t2, t3, t4, t5, t6, t7, lo, hi;
	__asm__("movq 0(%[a]), %%rdx\n\t"
	        "mulxq 8(%[a]), %[t1], %[t2]\n\t" /* a0 a1 */
	        "mulxq 16(%[a]), %[lo], %[t3]\n\t" /* a0 a2 */
	        "mulxq 24(%[a]), %[hi], %[t4]\n\t" /* a0 a3 */
	        "addq %[lo], %[t2]\n\t"
	        "adcq %[hi], %[t3]\n\t"
	        "adcq $0, %[t4]\n\t"
	        "movq 8(%[a]), %%rdx\n\t"
	        "mulxq 16(%[a]), %[lo], %[hi]\n\t" /* a1 a2 */
	        "addq %[lo], %[t3]\n\t"
	        "adcq %[hi], %[t4]\n\t"
	        "mulxq 24(%[a]), %[lo], %[t5]\n\t" /* a1 a3 */
	        "adcq $0, %[t5]\n\t"
	        "addq %[lo], %[t4]\n\t"
	        "adcq $0, %[t5]\n\t"
	        "movq 16(%[a]), %%rdx\n\t"
	        "mulxq 24(%[a]), %[lo], %[t6]\n\t" /* a2 a3 */
	        "addq %[lo], %[t5]\n\t"
	        "adcq $0, %[t6]\n\t"
	        /* doubled */
	        "movl $0, %k[t7]\n\t"
	        "addq %[t1], %[t1]\n\t"
	        "adcq %[t2], %[t2]\n\t"
	        "adcq %[t3], %[t3]\n\t"
	        "adcq %[t4], %[t4]\n\t"
	        "adcq %[t5], %[t5]\n\t"
	        "adcq %[t6], %[t6]\n\t"
	        "adcq $0, %[t7]\n\t"
	        /* + the squares */
	        "movq 0(%[a]), %%rdx\n\t"
	        "mulxq %%rdx, %[t0], %[hi]\n\t"
	        "addq %[hi], %[t1]\n\t"
	        "movq 8(%[a]), %%rdx\n\t"
	        "mulxq %%rdx, %[lo], %[hi]\n\t"
	        "adcq %[lo], %[t2]\n\t"
	        "adcq %[hi], %[t3]\n\t"
	        "movq 16(%[a]), %%rdx\n\t"
	        "mulxq %%rdx, %[lo], %[hi]\n\t"
	        "adcq %[lo], %[t4]\n\t"
	        "adcq %[hi], %[t5]\n\t"
	        "movq 24(%[a]), %%rdx\n\t"
	        "mulxq %%rdx, %[lo], %[hi]\n\t"
	        "adcq %[lo], %[t6]\n\t"
	        "adcq %[hi], %[t7]\n\t"
	        /* the low half reduced: window t0 t1 t2 t3 -> t1 t2 t3 t0 -> ... */
	        FE_SQRED(t0, t1, t2, t3) FE_SQRED(t1, t2, t3, t0) FE_SQRED(t2, t3, t0, t1)
	            FE_SQRED(t3, t0, t1, t2)
	        /* + the high half, carry in lo */
	        "addq %[t4], %[t0]\n\t"
	        "adcq %[t5], %[t1]\n\t"
	        "adcq %[t6], %[t2]\n\t"
	        "adcq %[t7], %[t3]\n\t"
	        "movl $0, %k[lo]\n\t"
	        "adcq $0, %[lo]\n\t"
	        /* - p if no borrow */
	        "movq %[t0], %[t4]\n\t"
	        "movq %[t1], %[t5]\n\t"
	        "movq %[t2], %[t6]\n\t"
	        "movq %[t3], %[t7]\n\t"
	        "subq $-1, %[t4]\n\t"
	        "sbbq %[p1], %[t5]\n\t"
	        "sbbq $0, %[t6]\n\t"
	        "sbbq %[p3], %[t7]\n\t"
	        "sbbq $0, %[lo]\n\t"
	        "cmovncq %[t4], %[t0]\n\t"
	        "cmovncq %[t5], %[t1]\n\t"
	        "cmovncq %[t6], %[t2]\n\t"
	        "cmovncq %[t7], %[t3]\n\t"
	        : [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [t4] "=&r"(t4),
	          [t5] "=&r"(t5), [t6] "=&r"(t6), [t7] "=&r"(t7), [lo] "=&r"(lo), [hi] "=&r"(hi)
	        : [a] "r"(a), [p1] "m"(P1_), [p3] "m"(P3_), "m"(*(const uint64_t(*)[4])a)
	        : "rdx", "cc");
	r[0] = t0;
	r[1] = t1;
	r[2] = t2;
	r[3] = t3;
}
#undef FE_SQRED
#else
#define FE_ADX 0
#endif

/* Which multiplication runs: 1 the MULX/ADX one, 0 the portable one. */
static int fe_fast;

/* At load: the MULX/ADX multiplication where the CPU has BMI2 and ADX. */
__attribute__((constructor)) static void fe_select(void)
{
#if FE_ADX
	__builtin_cpu_init();
	fe_fast = __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("adx");
#endif
}

int msm_fe_force_portable(int portable)
{
	if (portable)
		fe_fast = 0;
	else
		fe_select();
	return fe_fast;
}

static inline void fe_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
#if FE_ADX
	if (fe_fast) {
		fe_mul_adx(r, a, b);
		return;
	}
#endif
	fe_mul_c(r, a, b);
}

void msm_fe_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	fe_mul(r, a, b);
}

void msm_fe_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	fe_add(r, a, b);
}

void msm_fe_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	fe_sub(r, a, b);
}

void msm_fe_mul_portable(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	fe_mul_c(r, a, b);
}

/* Squaring (a < p): the dedicated one in assembly with the MULX/ADX
 * multiplication; in portable C a dedicated squaring measured no faster
 * with gcc 12, so there squaring is a multiplication. */
static inline void fe_sqr(uint64_t r[4], const uint64_t a[4])
{
#if FE_ADX
	if (fe_fast) {
		fe_sqr_adx(r, a);
		return;
	}
#endif
	fe_mul_c(r, a, a);
}

void msm_fe_sqr(uint64_t r[4], const uint64_t a[4])
{
	fe_sqr(r, a);
}

static int fe_is_zero(const uint64_t a[4])
{
	return (a[0] | a[1] | a[2] | a[3]) == 0;
}

static int fe_eq(const uint64_t a[4], const uint64_t b[4])
{
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])) == 0;
}

/* r = a^(n2) for a run of n squarings then one multiplication by m. */
static void fe_sqr_n_mul(uint64_t r[4], const uint64_t a[4], unsigned n, const uint64_t m[4])
{
	uint64_t t[4];
	memcpy(t, a, sizeof t);
	for (unsigned i = 0; i < n; i++)
		fe_sqr(t, t);
	fe_mul(r, t, m);
}

/* r = a^(p-2) = a^-1 (a != 0; public values).  p - 2 read from the top:
 * 32 ones, 31 zeros, a one, 96 zeros, 94 ones, 0, 1; an addition chain of
 * 269 squarings and 13 multiplications (x_k = a^(2^k - 1)). */
static void fe_inv(uint64_t r[4], const uint64_t a[4])
{
	uint64_t x2[4], x4[4], x8[4], x16[4], x32[4], x30[4], t[4];
	fe_sqr_n_mul(x2, a, 1, a);
	fe_sqr_n_mul(x4, x2, 2, x2);
	fe_sqr_n_mul(x8, x4, 4, x4);
	fe_sqr_n_mul(x16, x8, 8, x8);
	fe_sqr_n_mul(x32, x16, 16, x16);
	fe_sqr_n_mul(t, x16, 8, x8); /* x24 */
	fe_sqr_n_mul(t, t, 4, x4); /* x28 */
	fe_sqr_n_mul(x30, t, 2, x2); /* x30 */
	fe_sqr_n_mul(t, x32, 32, a); /* ffffffff 00000001 */
	for (unsigned i = 0; i < 96; i++)
		fe_sqr(t, t); /* 96 zeros */
	fe_sqr_n_mul(t, t, 32, x32);
	fe_sqr_n_mul(t, t, 32, x32);
	fe_sqr_n_mul(t, t, 30, x30); /* 94 ones */
	fe_sqr_n_mul(r, t, 2, a); /* 0, 1 */
}

/* 32 big-endian bytes -> limbs (no reduction). */
static void fe_from_be(uint64_t r[4], const uint8_t in[32])
{
	for (int i = 0; i < 4; i++) {
		uint64_t v = 0;
		for (int k = 0; k < 8; k++)
			v = (v << 8) | in[(3 - i) * 8 + k];
		r[i] = v;
	}
}

static void fe_to_be(uint8_t out[32], const uint64_t a[4])
{
	for (int i = 0; i < 4; i++)
		for (int k = 0; k < 8; k++)
			out[(3 - i) * 8 + k] = (uint8_t)(a[i] >> (56 - 8 * k));
}

/* 1 if the limbs are < p. */
static int fe_canonical(const uint64_t a[4])
{
	for (int i = 3; i >= 0; i--)
		if (a[i] != P[i])
			return a[i] < P[i];
	return 0;
}

/* Normal integer (< p) -> Montgomery form. */
static void fe_to_mont(uint64_t r[4], const uint64_t a[4])
{
	fe_mul(r, a, R2);
}

static void fe_from_mont(uint64_t r[4], const uint64_t a[4])
{
	fe_mul(r, a, ONE);
}

/* ---- scalars mod n (the batch verifier's coefficients, public) ----
 *
 * 4 x 64-bit limbs, little-endian, values < n unless said; products in
 * Montgomery form (a*b/R mod n, R = 2^256), so a sum of products carries
 * a factor 1/R that one multiplication by R^2 mod n removes at the end. */

/* n, the order of P-256 (C-1.1) */
static const uint64_t N_[4] = {0xf3b9cac2fc632551u, 0xbce6faada7179e84u, 0xffffffffffffffffu,
                               0xffffffff00000000u};
/* -n^-1 mod 2^64 */
#define N_INV 0xccd1c8aaee00bc4fu
/* R^2 mod n */
static const uint64_t N_R2[4] = {0x83244c95be79eea2u, 0x4699799c49bd6fa6u, 0x2845b2392b6bec59u,
                                 0x66e12d94f3d95620u};

/* r = a - n if a (with carry bit hi) >= n, else a. */
static inline void sc_reduce_once(uint64_t r[4], const uint64_t a[4], uint64_t hi)
{
	u128 d;
	uint64_t t[4], borrow = 0, keep;
	for (int i = 0; i < 4; i++) {
		d = (u128)a[i] - N_[i] - borrow;
		t[i] = (uint64_t)d;
		borrow = (uint64_t)(d >> 64) & 1;
	}
	/* keep a iff it borrowed past the carry bit (a < n) */
	keep = 0 - (borrow & (hi ^ 1));
	for (int i = 0; i < 4; i++)
		r[i] = (a[i] & keep) | (t[i] & ~keep);
}

void msm_sc_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	uint64_t t[4];
	u128 c = 0;
	for (int i = 0; i < 4; i++) {
		c = (u128)a[i] + b[i] + (uint64_t)(c >> 64);
		t[i] = (uint64_t)c;
	}
	sc_reduce_once(r, t, (uint64_t)(c >> 64));
}

void msm_sc_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	uint64_t t[4], borrow = 0, mask;
	u128 d, c = 0;
	for (int i = 0; i < 4; i++) {
		d = (u128)a[i] - b[i] - borrow;
		t[i] = (uint64_t)d;
		borrow = (uint64_t)(d >> 64) & 1;
	}
	mask = 0 - borrow; /* add n back if it borrowed */
	for (int i = 0; i < 4; i++) {
		c = (u128)t[i] + (N_[i] & mask) + (uint64_t)(c >> 64);
		r[i] = (uint64_t)c;
	}
}

void msm_sc_mont_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	uint64_t t[6] = {0}, res[4];
	for (int i = 0; i < 4; i++) {
		uint64_t carry = 0, m;
		u128 s;
		for (int k = 0; k < 4; k++)
			t[k] = mac(a[k], b[i], t[k], &carry);
		s = (u128)t[4] + carry;
		t[4] = (uint64_t)s;
		t[5] = (uint64_t)(s >> 64);
		m = t[0] * N_INV;
		carry = 0;
		(void)mac(m, N_[0], t[0], &carry); /* low limb cancels */
		for (int k = 1; k < 4; k++)
			t[k - 1] = mac(m, N_[k], t[k], &carry);
		s = (u128)t[4] + carry;
		t[3] = (uint64_t)s;
		t[4] = t[5] + (uint64_t)(s >> 64);
	}
	memcpy(res, t, sizeof res);
	sc_reduce_once(r, res, t[4]);
}

void msm_sc_from_mont(uint64_t r[4], const uint64_t a[4])
{
	/* (a/R) * R^2 / R = a: a product's factor 1/R removed */
	msm_sc_mont_mul(r, a, N_R2);
}

void msm_limbs_from_be(uint64_t r[4], const uint8_t in[32])
{
	fe_from_be(r, in);
}

void msm_limbs_to_be(uint8_t out[32], const uint64_t a[4])
{
	fe_to_be(out, a);
}

/* ---- points ---- */

static void jac_set_inf(jac *r)
{
	memset(r, 0, sizeof *r);
}

static int jac_is_inf(const jac *a)
{
	return fe_is_zero(a->Z);
}

/* dbl-2001-b (a = -3); r may alias a. */
static void jac_dbl(jac *r, const jac *a)
{
	uint64_t delta[4], gamma[4], beta[4], alpha[4], t1[4], t2[4];
	if (jac_is_inf(a) || fe_is_zero(a->Y)) {
		jac_set_inf(r);
		return;
	}
	fe_sqr(delta, a->Z);
	fe_sqr(gamma, a->Y);
	fe_mul(beta, a->X, gamma);
	fe_sub(t1, a->X, delta);
	fe_add(t2, a->X, delta);
	fe_mul(alpha, t1, t2);
	fe_add(t1, alpha, alpha);
	fe_add(alpha, t1, alpha); /* alpha = 3 (X - delta)(X + delta) */
	/* Z3 = (Y + Z)^2 - gamma - delta (before X, Y are overwritten) */
	fe_add(t1, a->Y, a->Z);
	fe_sqr(t1, t1);
	fe_sub(t1, t1, gamma);
	fe_sub(r->Z, t1, delta);
	/* X3 = alpha^2 - 8 beta */
	fe_add(beta, beta, beta);
	fe_add(beta, beta, beta); /* 4 beta */
	fe_add(t2, beta, beta); /* 8 beta */
	fe_sqr(t1, alpha);
	fe_sub(r->X, t1, t2);
	/* Y3 = alpha (4 beta - X3) - 8 gamma^2 */
	fe_sub(t1, beta, r->X);
	fe_mul(t1, alpha, t1);
	fe_sqr(t2, gamma);
	fe_add(t2, t2, t2);
	fe_add(t2, t2, t2);
	fe_add(t2, t2, t2);
	fe_sub(r->Y, t1, t2);
}

/* r = a + (x2, y2) (affine, not infinity); madd-2007-bl.  r may alias a. */
static void jac_add_affine(jac *r, const jac *a, const uint64_t x2[4], const uint64_t y2[4])
{
	uint64_t z1z1[4], u2[4], s2[4], h[4], hh[4], i4[4], j[4], rr[4], v[4], t[4];
	if (jac_is_inf(a)) {
		memcpy(r->X, x2, sizeof r->X);
		memcpy(r->Y, y2, sizeof r->Y);
		memcpy(r->Z, RM, sizeof r->Z);
		return;
	}
	fe_sqr(z1z1, a->Z);
	fe_mul(u2, x2, z1z1);
	fe_mul(s2, y2, a->Z);
	fe_mul(s2, s2, z1z1);
	fe_sub(h, u2, a->X);
	fe_sub(rr, s2, a->Y);
	if (fe_is_zero(h)) {
		if (fe_is_zero(rr))
			jac_dbl(r, a); /* same point */
		else
			jac_set_inf(r); /* opposite points */
		return;
	}
	fe_add(rr, rr, rr);
	fe_sqr(hh, h);
	fe_add(i4, hh, hh);
	fe_add(i4, i4, i4);
	fe_mul(j, h, i4);
	fe_mul(v, a->X, i4);
	/* Z3 = (Z1 + H)^2 - Z1Z1 - HH */
	fe_add(t, a->Z, h);
	fe_sqr(t, t);
	fe_sub(t, t, z1z1);
	fe_sub(r->Z, t, hh);
	/* Y1 J (needed before Y1 is overwritten) */
	fe_mul(t, a->Y, j);
	fe_add(t, t, t); /* 2 Y1 J */
	/* X3 = r^2 - J - 2V */
	fe_sqr(u2, rr);
	fe_sub(u2, u2, j);
	fe_sub(u2, u2, v);
	fe_sub(r->X, u2, v);
	/* Y3 = r (V - X3) - 2 Y1 J */
	fe_sub(v, v, r->X);
	fe_mul(v, rr, v);
	fe_sub(r->Y, v, t);
}

/* r = a + b (Jacobian); add-2007-bl.  r may alias a or b. */
static void jac_add(jac *r, const jac *a, const jac *b)
{
	uint64_t z1z1[4], z2z2[4], u1[4], u2[4], s1[4], s2[4], h[4], i4[4], j[4], rr[4], v[4];
	uint64_t t[4];
	if (jac_is_inf(a)) {
		*r = *b;
		return;
	}
	if (jac_is_inf(b)) {
		*r = *a;
		return;
	}
	fe_sqr(z1z1, a->Z);
	fe_sqr(z2z2, b->Z);
	fe_mul(u1, a->X, z2z2);
	fe_mul(u2, b->X, z1z1);
	fe_mul(s1, a->Y, b->Z);
	fe_mul(s1, s1, z2z2);
	fe_mul(s2, b->Y, a->Z);
	fe_mul(s2, s2, z1z1);
	fe_sub(h, u2, u1);
	fe_sub(rr, s2, s1);
	if (fe_is_zero(h)) {
		if (fe_is_zero(rr))
			jac_dbl(r, a);
		else
			jac_set_inf(r);
		return;
	}
	fe_add(rr, rr, rr);
	fe_add(i4, h, h);
	fe_sqr(i4, i4);
	fe_mul(j, h, i4);
	fe_mul(v, u1, i4);
	/* Z3 = ((Z1 + Z2)^2 - Z1Z1 - Z2Z2) H */
	fe_add(t, a->Z, b->Z);
	fe_sqr(t, t);
	fe_sub(t, t, z1z1);
	fe_sub(t, t, z2z2);
	fe_mul(r->Z, t, h);
	/* X3 = r^2 - J - 2V */
	fe_sqr(t, rr);
	fe_sub(t, t, j);
	fe_sub(t, t, v);
	fe_sub(r->X, t, v);
	/* Y3 = r (V - X3) - 2 S1 J */
	fe_sub(v, v, r->X);
	fe_mul(v, rr, v);
	fe_mul(s1, s1, j);
	fe_add(s1, s1, s1);
	fe_sub(r->Y, v, s1);
}

/* ---- entry points (group_internal.h) ---- */

qerr msm_pt_from_enc(msm_pt *o, const uint8_t enc[POINT_LEN])
{
	uint64_t x[4], y[4], lhs[4], rhs[4], t[4];
	if (enc[0] != 0x04)
		return Q_ERR_ENCODING;
	fe_from_be(x, enc + 1);
	fe_from_be(y, enc + 33);
	if (!fe_canonical(x) || !fe_canonical(y))
		return Q_ERR_POINT;
	fe_to_mont(o->x, x);
	fe_to_mont(o->y, y);
	/* y^2 == x^3 - 3x + b */
	fe_sqr(lhs, o->y);
	fe_sqr(rhs, o->x);
	fe_mul(rhs, rhs, o->x);
	fe_add(t, o->x, o->x);
	fe_add(t, t, o->x);
	fe_sub(rhs, rhs, t);
	fe_add(rhs, rhs, BM);
	return fe_eq(lhs, rhs) ? Q_OK : Q_ERR_POINT;
}

qerr msm_pts_from_jacobian(msm_pt *o, const uint8_t (*xyz)[3 * 32], size_t n)
{
	uint64_t(*pre)[4] = NULL, acc[4], inv[4], z[4], t[4], zi[4], zi2[4];
	if (n == 0)
		return Q_OK;
	pre = malloc(n * sizeof *pre);
	if (pre == NULL)
		return Q_ERR_NOMEM;
	/* Montgomery's trick: one inversion for all Z (none is zero). */
	memcpy(acc, RM, sizeof acc);
	for (size_t i = 0; i < n; i++) {
		uint64_t x[4], y[4];
		fe_from_be(x, xyz[i]);
		fe_from_be(y, xyz[i] + 32);
		fe_from_be(z, xyz[i] + 64);
		if (!fe_canonical(x) || !fe_canonical(y) || !fe_canonical(z) || fe_is_zero(z)) {
			free(pre);
			return Q_ERR_POINT;
		}
		fe_to_mont(o[i].x, x);
		fe_to_mont(o[i].y, y);
		memcpy(pre[i], acc, sizeof acc);
		fe_to_mont(z, z);
		fe_mul(acc, acc, z);
	}
	fe_inv(inv, acc);
	for (size_t i = n; i-- > 0;) {
		uint64_t zr[4];
		fe_from_be(zr, xyz[i] + 64);
		fe_to_mont(zr, zr);
		fe_mul(zi, inv, pre[i]); /* 1/Z_i */
		fe_mul(inv, inv, zr);
		fe_sqr(zi2, zi);
		fe_mul(o[i].x, o[i].x, zi2);
		fe_mul(t, zi2, zi);
		fe_mul(o[i].y, o[i].y, t);
	}
	free(pre);
	return Q_OK;
}

/* acc[0 .. n) to their encodings with one field inversion (Montgomery's
 * trick; pre: n scratch elements).  is_inf != NULL: a sum at infinity gets
 * is_inf[k] = 1 and out[k] zeroed, the others is_inf[k] = 0.  is_inf ==
 * NULL (the prover's secret-dependent points): no branch on any point; a
 * sum at infinity (probability ~2^-256) is Q_ERR_POINT, found after the
 * same work for all, out unspecified.  The scratch is wiped. */
static qerr jac_encode_all(uint8_t (*out)[POINT_LEN], uint8_t *is_inf, const jac *acc,
                           uint64_t (*pre)[4], size_t n)
{
	uint64_t run[4], inv[4], zi[4], zi2[4], x[4], y[4];
	qerr e = Q_OK;
	memcpy(run, RM, sizeof run);
	for (size_t k = 0; k < n; k++) {
		memcpy(pre[k], run, sizeof run);
		if (is_inf == NULL || !jac_is_inf(&acc[k]))
			fe_mul(run, run, acc[k].Z);
	}
	if (is_inf == NULL && fe_is_zero(run)) {
		e = Q_ERR_POINT;
		goto out;
	}
	fe_inv(inv, run);
	for (size_t k = n; k-- > 0;) {
		if (is_inf != NULL) {
			is_inf[k] = (uint8_t)jac_is_inf(&acc[k]);
			memset(out[k], 0, POINT_LEN);
			if (is_inf[k])
				continue;
		}
		fe_mul(zi, inv, pre[k]); /* 1/Z_k */
		fe_mul(inv, inv, acc[k].Z);
		fe_sqr(zi2, zi);
		fe_mul(x, acc[k].X, zi2);
		fe_mul(zi2, zi2, zi);
		fe_mul(y, acc[k].Y, zi2);
		fe_from_mont(x, x);
		fe_from_mont(y, y);
		out[k][0] = 0x04;
		fe_to_be(out[k] + 1, x);
		fe_to_be(out[k] + 33, y);
	}
out:
	wipe(pre, n * sizeof *pre);
	wipe(x, sizeof x);
	wipe(y, sizeof y);
	wipe(run, sizeof run);
	wipe(inv, sizeof inv);
	wipe(zi, sizeof zi);
	wipe(zi2, sizeof zi2);
	return e;
}

qerr msm_sums_enc(uint8_t (*out)[POINT_LEN], uint8_t *is_inf, const uint8_t *const *enc,
                  const size_t *end, size_t ngroups)
{
	jac *acc = NULL;
	uint64_t(*pre)[4] = NULL;
	size_t from = 0;
	qerr e = Q_OK;
	if (ngroups == 0)
		return Q_OK;
	acc = malloc(ngroups * sizeof *acc);
	pre = malloc(ngroups * sizeof *pre);
	if (acc == NULL || pre == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	/* each sum in Jacobian coordinates */
	for (size_t k = 0; k < ngroups; k++) {
		jac_set_inf(&acc[k]);
		for (size_t i = from; i < end[k]; i++) {
			msm_pt q;
			if ((e = msm_pt_from_enc(&q, enc[i])) != Q_OK)
				goto out;
			jac_add_affine(&acc[k], &acc[k], q.x, q.y);
		}
		from = end[k];
	}
	e = jac_encode_all(out, is_inf, acc, pre, ngroups);
out:
	free(acc);
	free(pre);
	return e;
}

/* Bits k .. k+c-1 of a scalar in 4 little-endian limbs (c <= 16). */
static unsigned scalar_bits(const uint64_t s[4], unsigned k, unsigned c)
{
	unsigned i = k / 64, sh = k % 64;
	uint64_t v;
	if (k >= 256)
		return 0;
	v = s[i] >> sh;
	if (sh + c > 64 && i + 1 < 4)
		v |= s[i + 1] << (64 - sh);
	return (unsigned)(v & ((1u << c) - 1));
}

static unsigned bitlen_limbs(const uint64_t s[4])
{
	for (int i = 3; i >= 0; i--)
		if (s[i] != 0)
			return 64 * (unsigned)i + 64 - (unsigned)__builtin_clzll(s[i]);
	return 0;
}

_Thread_local msm_counters msm_count;
unsigned msm_window_override; /* tests: force a window width (0 = choose) */
int msm_split_override; /* tests: 1 never split, 0 choose */

/* ---- batch-affine bucket accumulation ----
 *
 * In a window each bucket's points are summed by a tree: round r adds
 * the pairs (entries 2k, 2k + 1 at stride 2^r) of every bucket holding
 * two or more, in affine coordinates.  The additions of a round are
 * independent, so MSM_CHUNK of them share one field inversion
 * (Montgomery's trick: 3 multiplications per element), and each costs
 *   lambda = (y2 - y1) / (x2 - x1), x3 = lambda^2 - x1 - x2,
 *   y3 = lambda (x1 - x3) - y1,
 * 2M + 1S on top, against 7M + 4S for a mixed Jacobian addition.
 * Exceptional pairs, exactly: x1 = x2 and y1 = y2 != 0 is a doubling
 * (lambda = (3 x1^2 - 3) / (2 y1), in the same inversion); x1 = x2
 * otherwise (P + (-P)) is infinity; an operand at infinity (a bucket
 * emptied by P + (-P)) gives the other operand, no inversion. */

#ifndef MSM_CHUNK
#define MSM_CHUNK 1024u /* additions per shared inversion (at most) */
#endif
/* A round of fewer additions than this does not pay for its inversion
 * (~280 multiplications against ~5 saved per addition): the buckets
 * still holding several entries are summed in Jacobian coordinates. */
#ifndef MSM_TAIL
#define MSM_TAIL 48u
#endif

enum { PK_ADD, PK_DBL, PK_TAKE_B, PK_KEEP_A, PK_INF };

typedef struct scratch {
	msm_pt *sp; /* the window's points, grouped by bucket */
	uint8_t *inf; /* sp[k] is infinity */
	uint32_t *cnt; /* per bucket: entries left */
	uint32_t *off; /* per bucket: first entry */
	uint32_t pa[MSM_CHUNK], pb[MSM_CHUNK];
	uint8_t kind[MSM_CHUNK];
	uint64_t den[MSM_CHUNK][4], pre[MSM_CHUNK][4];
	size_t np; /* pairs in the chunk */
	size_t nden; /* of them needing an inversion */
} scratch;

/* Queue the pair (a, b): the sum goes to a. */
static void pair_add(scratch *s, uint32_t a, uint32_t b)
{
	const msm_pt *A = &s->sp[a], *B = &s->sp[b];
	uint8_t k;
	size_t t = s->np++;
	s->pa[t] = a;
	s->pb[t] = b;
	if (s->inf[a]) {
		k = PK_TAKE_B;
	} else if (s->inf[b]) {
		k = PK_KEEP_A;
	} else if (!fe_eq(A->x, B->x)) {
		k = PK_ADD;
		fe_sub(s->den[s->nden], B->x, A->x);
	} else if (fe_eq(A->y, B->y) && !fe_is_zero(A->y)) {
		k = PK_DBL;
		fe_add(s->den[s->nden], A->y, A->y);
		msm_count.dbl++;
	} else {
		k = PK_INF; /* P + (-P) */
		msm_count.opp++;
	}
	s->kind[t] = k;
	if (k == PK_ADD || k == PK_DBL)
		s->nden++;
	else if (k != PK_INF)
		msm_count.inf_operand++;
}

/* Do the queued additions: one inversion for the chunk. */
static void pair_flush(scratch *s)
{
	uint64_t acc[4], inv[4], il[4], lam[4], t[4], x3[4];
	size_t d = s->nden;
	if (s->np == 0)
		return;
	if (d > 0) {
		memcpy(s->pre[0], RM, sizeof acc);
		memcpy(acc, s->den[0], sizeof acc);
		for (size_t i = 1; i < d; i++) {
			memcpy(s->pre[i], acc, sizeof acc);
			fe_mul(acc, acc, s->den[i]);
		}
		fe_inv(inv, acc);
		msm_count.inversions++;
	}
	/* backwards: the i-th denominator's inverse is inv * pre[i] */
	for (size_t q = s->np; q-- > 0;) {
		msm_pt *A = &s->sp[s->pa[q]];
		const msm_pt *B = &s->sp[s->pb[q]];
		switch (s->kind[q]) {
		case PK_TAKE_B:
			*A = *B;
			s->inf[s->pa[q]] = s->inf[s->pb[q]];
			continue;
		case PK_KEEP_A:
			continue;
		case PK_INF:
			s->inf[s->pa[q]] = 1;
			continue;
		default:
			break;
		}
		d--;
		if (d > 0) {
			fe_mul(il, inv, s->pre[d]);
			fe_mul(inv, inv, s->den[d]);
		} else {
			memcpy(il, inv, sizeof il);
		}
		if (s->kind[q] == PK_ADD) {
			fe_sub(t, B->y, A->y);
			fe_mul(lam, t, il);
			fe_sqr(x3, lam);
			fe_sub(x3, x3, A->x);
			fe_sub(x3, x3, B->x);
		} else { /* doubling: lambda = 3 (x^2 - 1) / 2y */
			fe_sqr(t, A->x);
			fe_sub(t, t, RM);
			fe_add(lam, t, t);
			fe_add(t, lam, t);
			fe_mul(lam, t, il);
			fe_sqr(x3, lam);
			fe_sub(x3, x3, A->x);
			fe_sub(x3, x3, A->x);
		}
		fe_sub(t, A->x, x3);
		fe_mul(t, lam, t);
		fe_sub(A->y, t, A->y);
		memcpy(A->x, x3, sizeof x3);
	}
	s->np = 0;
	s->nden = 0;
}

/* res = sum_i ((s_i >> lo) mod 2^bits) * pts[i] with windows of c bits
 * (signed digits in [-2^(c-1), 2^(c-1)], one more window for the final
 * carry). */
static qerr msm_part(jac *res, scratch *s, int16_t *digits, const msm_pt *pts,
                     const uint64_t (*limbs)[4], size_t n, unsigned lo, unsigned bits, unsigned c)
{
	unsigned nwin = (bits + c) / c, half = 1u << (c - 1);
	uint32_t stride;
	jac run, wsum, tail;

	jac_set_inf(res);
	for (size_t i = 0; i < n; i++) {
		unsigned carry = 0;
		for (unsigned w = 0; w < nwin; w++) {
			unsigned v = 0, k = w * c;
			if (k < bits) {
				unsigned take = bits - k < c ? bits - k : c;
				v = scalar_bits(limbs[i], lo + k, c) & ((1u << take) - 1);
			}
			int dg = (int)(v + carry);
			carry = 0;
			if (dg > (int)half) {
				dg -= (int)(2 * half);
				carry = 1;
			}
			digits[(size_t)w * n + i] = (int16_t)dg;
		}
	}
	for (unsigned w = nwin; w-- > 0;) {
		const int16_t *dw = digits + (size_t)w * n;
		uint32_t total = 0;
		unsigned top = 0;
		for (unsigned k = 0; k < c && !jac_is_inf(res); k++)
			jac_dbl(res, res);
		/* group the points by bucket (counting sort), negated for a
		 * negative digit */
		memset(s->cnt, 0, half * sizeof *s->cnt);
		for (size_t i = 0; i < n; i++)
			if (dw[i] != 0)
				s->cnt[abs(dw[i]) - 1]++;
		for (unsigned b = 0; b < half; b++) {
			s->off[b] = total;
			total += s->cnt[b];
			if (s->cnt[b] != 0)
				top = b + 1;
		}
		for (size_t i = 0; i < n; i++) {
			int dg = dw[i];
			if (dg == 0)
				continue;
			uint32_t at = s->off[abs(dg) - 1]++;
			s->sp[at] = pts[i];
			s->inf[at] = 0;
			if (dg < 0)
				fe_sub(s->sp[at].y, (const uint64_t[4]){0, 0, 0, 0}, pts[i].y);
		}
		for (unsigned b = 0; b < half; b++)
			s->off[b] -= s->cnt[b];
		/* the trees, a round at a time, while a round has enough
		 * additions to pay for its inversion */
		for (stride = 1;; stride *= 2) {
			size_t npairs = 0;
			for (unsigned b = 0; b < top; b++)
				npairs += s->cnt[b] / 2;
			if (npairs < MSM_TAIL)
				break;
			for (unsigned b = 0; b < top; b++) {
				uint32_t m = s->cnt[b], base = s->off[b];
				for (uint32_t k = 0; k + 1 < m; k += 2) {
					pair_add(s, base + k * stride, base + (k + 1) * stride);
					if (s->np == MSM_CHUNK)
						pair_flush(s);
				}
				s->cnt[b] = (m + 1) / 2;
			}
			pair_flush(s);
			msm_count.rounds++;
		}
		/* sum_b b * bucket[b-1] by running sums; a bucket the trees left
		 * with more than one entry (the tail) is summed in Jacobian
		 * coordinates */
		jac_set_inf(&run);
		jac_set_inf(&wsum);
		for (unsigned b = top; b-- > 0;) {
			uint32_t m = s->cnt[b], at = s->off[b];
			if (m == 1 && !s->inf[at]) {
				jac_add_affine(&run, &run, s->sp[at].x, s->sp[at].y);
			} else if (m > 1) {
				jac_set_inf(&tail);
				for (uint32_t k = 0; k < m; k++) {
					const msm_pt *q = &s->sp[at + k * stride];
					if (!s->inf[at + k * stride])
						jac_add_affine(&tail, &tail, q->x, q->y);
				}
				jac_add(&run, &run, &tail);
				msm_count.tail++;
			}
			jac_add(&wsum, &wsum, &run);
		}
		jac_add(res, res, &wsum);
	}
	return Q_OK;
}

/* Relative cost of a bucket (its share of the running sums: a mixed and
 * a full Jacobian addition) against one batched affine addition. */
#define MSM_BUCKET_COST 3.6

/* The cost model of one part: windows * (points + buckets). */
static double part_cost(double npts, unsigned bits, unsigned c)
{
	return (double)((bits + c) / c) * (npts + MSM_BUCKET_COST * (double)(1u << (c - 1)));
}

static unsigned pick_window(size_t n, unsigned bits, double *cost)
{
	unsigned best = 2;
	double bestcost = 0;
	for (unsigned c = 2; c <= MSM_MAX_WINDOW; c++) {
		double k = part_cost((double)n, bits, c);
		if (c == 2 || k < bestcost) {
			best = c;
			bestcost = k;
		}
	}
	if (cost != NULL)
		*cost = bestcost;
	return best;
}

/* Where the scalars split in two parts (the batch weights are 128-bit,
 * the ciphertexts' coefficients full): the low bits of every scalar, and
 * the high bits of the long ones only, each with its own window. */
#define MSM_SPLIT 128u

unsigned msm_plan(size_t n, size_t nhi, unsigned maxbits, unsigned *c_hi)
{
	unsigned c_one = pick_window(n, maxbits, NULL);
	double cost_one = 0, cost_lo, cost_hi;
	*c_hi = 0;
	if (maxbits <= MSM_SPLIT || nhi >= n || msm_split_override != 0)
		return c_one;
	unsigned cl = pick_window(n, MSM_SPLIT, &cost_lo);
	unsigned ch = pick_window(nhi, maxbits - MSM_SPLIT, &cost_hi);
	/* one part: its buckets in every window, each point only in the
	 * windows its digits span */
	for (unsigned c = 2; c <= MSM_MAX_WINDOW; c++) {
		double k = part_cost((double)nhi, maxbits, c) +
		           (double)(n - nhi) * (double)((MSM_SPLIT + c) / c);
		if (c == 2 || k < cost_one) {
			cost_one = k;
			c_one = c;
		}
	}
	/* two parts, + the MSM_SPLIT doublings joining them (~1.5 additions
	 * each) */
	if (cost_lo + cost_hi + 1.5 * MSM_SPLIT >= cost_one)
		return c_one;
	*c_hi = ch;
	return cl;
}

/* A thread's working memory, kept from one msm_run to the next: a batch
 * verifier runs one MSM after another, and fresh large allocations cost
 * page faults each time (measured ~20 % of a 4,000-term MSM).  Up to
 * MSM_ARENA_MAX bytes are kept; freed when the thread exits. */
#define MSM_ARENA_MAX ((size_t)64 << 20)

typedef struct arena {
	void *buf;
	size_t cap;
} arena;

static pthread_key_t arena_key;
static pthread_once_t arena_once = PTHREAD_ONCE_INIT;
static int arena_key_ok;

static void arena_free(void *p)
{
	arena *a = p;
	free(a->buf);
	free(a);
}

static void arena_init(void)
{
	arena_key_ok = pthread_key_create(&arena_key, arena_free) == 0;
}

/* need bytes of this thread's arena (NULL if memory ran out); *tmp is
 * set to a buffer the caller frees when need is above MSM_ARENA_MAX. */
static void *arena_get(size_t need, void **tmp)
{
	arena *a;
	*tmp = NULL;
	if (need > MSM_ARENA_MAX || pthread_once(&arena_once, arena_init) != 0 || !arena_key_ok)
		return *tmp = malloc(need);
	if ((a = pthread_getspecific(arena_key)) == NULL) {
		if ((a = calloc(1, sizeof *a)) == NULL)
			return NULL;
		if (pthread_setspecific(arena_key, a) != 0) {
			free(a);
			return *tmp = malloc(need);
		}
	}
	if (a->cap < need) {
		free(a->buf);
		a->cap = 0;
		if ((a->buf = malloc(need)) == NULL)
			return NULL;
		a->cap = need;
	}
	return a->buf;
}

/* Round up to a cache line. */
static size_t line(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

static unsigned bitlen_be(const uint8_t s[32])
{
	for (unsigned i = 0; i < 32; i++)
		if (s[i] != 0)
			return 8 * (31 - i) + 32 - (unsigned)__builtin_clz(s[i]);
	return 0;
}

/* msm_run on scalars given big-endian (sc) or as limbs (sl). */
static qerr msm_run_any(uint8_t out[POINT_LEN], int *is_inf, const msm_pt *pts,
                        const uint8_t (*sc)[32], const uint64_t (*sl)[4], size_t n)
{
	unsigned maxbits = 0, c_lo, c_hi = 0, bits_lo, bits_hi, maxc;
	uint64_t(*limbs)[4], (*hil)[4] = NULL;
	const uint64_t(*L)[4] = sl;
	msm_pt *hip = NULL;
	int16_t *digits;
	scratch *s;
	size_t nhi = 0, nb, sz[8], total = 0;
	uint8_t *mem;
	void *tmp = NULL;
	jac acc, hi;
	int split;
	qerr e = Q_OK;

	*is_inf = 1;
	memset(out, 0, POINT_LEN);
	if (n > UINT32_MAX / 2)
		return Q_ERR_LIMIT;
	for (size_t i = 0; i < n; i++) {
		unsigned l = sc != NULL ? bitlen_be(sc[i]) : bitlen_limbs(sl[i]);
		if (l > maxbits)
			maxbits = l;
		if (l > MSM_SPLIT)
			nhi++;
	}
	if (n == 0 || maxbits == 0)
		return Q_OK;
	/* one part, or two (the low MSM_SPLIT bits of all; the rest of the
	 * nhi long scalars), whichever the model says is cheaper; a point's
	 * zero digits cost nothing, so one part costs its buckets in every
	 * window but only the windows its digits span per point */
	c_lo = msm_plan(n, nhi, maxbits, &c_hi);
	split = c_hi != 0;
	bits_lo = split ? MSM_SPLIT : maxbits;
	bits_hi = split ? maxbits - MSM_SPLIT : 0;
	if (msm_window_override != 0) {
		c_lo = msm_window_override;
		if (split)
			c_hi = msm_window_override;
	}
	maxc = c_lo > c_hi ? c_lo : c_hi;
	nb = (size_t)1 << (maxc - 1);
	sz[0] = line(sizeof *s);
	sz[1] = line(sc != NULL ? n * sizeof *limbs : 0);
	sz[2] = line(n * ((bits_lo + 2) / 2) * sizeof *digits); /* nwin <= (bits+c)/c, c >= 2 */
	sz[3] = line(n * sizeof *s->sp);
	sz[4] = line(n);
	sz[5] = line(2 * nb * sizeof *s->cnt);
	sz[6] = line(split ? nhi * sizeof *hip : 0);
	sz[7] = line(split ? nhi * sizeof *hil : 0);
	for (unsigned k = 0; k < 8; k++)
		total += sz[k];
	if ((mem = arena_get(total + 63, &tmp)) == NULL)
		return Q_ERR_NOMEM;
	mem += (64 - (uintptr_t)mem % 64) % 64;
	s = (scratch *)(void *)mem;
	mem += sz[0];
	limbs = (uint64_t(*)[4])(void *)mem;
	mem += sz[1];
	digits = (int16_t *)(void *)mem;
	mem += sz[2];
	s->sp = (msm_pt *)(void *)mem;
	mem += sz[3];
	s->inf = mem;
	mem += sz[4];
	s->cnt = (uint32_t *)(void *)mem;
	s->off = s->cnt + nb;
	mem += sz[5];
	hip = (msm_pt *)(void *)mem;
	mem += sz[6];
	hil = (uint64_t(*)[4])(void *)mem;
	s->np = s->nden = 0;
	if (sc != NULL) {
		for (size_t i = 0; i < n; i++)
			fe_from_be(limbs[i], sc[i]);
		L = (const uint64_t(*)[4])limbs;
	}
	jac_set_inf(&hi);
	if (split) {
		for (size_t i = 0, k = 0; i < n; i++)
			if (bitlen_limbs(L[i]) > MSM_SPLIT) {
				hip[k] = pts[i];
				memcpy(hil[k++], L[i], sizeof *hil);
			}
		if ((e = msm_part(&hi, s, digits, hip, (const uint64_t(*)[4])hil, nhi, MSM_SPLIT,
		                  bits_hi, c_hi)) != Q_OK)
			goto out;
		for (unsigned k = 0; k < MSM_SPLIT && !jac_is_inf(&hi); k++)
			jac_dbl(&hi, &hi);
	}
	if ((e = msm_part(&acc, s, digits, pts, L, n, 0, bits_lo, c_lo)) != Q_OK)
		goto out;
	jac_add(&acc, &acc, &hi);
	if (!jac_is_inf(&acc)) {
		uint64_t zi[4], zi2[4], x[4], y[4];
		fe_inv(zi, acc.Z);
		fe_sqr(zi2, zi);
		fe_mul(x, acc.X, zi2);
		fe_mul(zi2, zi2, zi);
		fe_mul(y, acc.Y, zi2);
		fe_from_mont(x, x);
		fe_from_mont(y, y);
		out[0] = 0x04;
		fe_to_be(out + 1, x);
		fe_to_be(out + 33, y);
		*is_inf = 0;
	}
out:
	free(tmp);
	return e;
}

qerr msm_run(uint8_t out[POINT_LEN], int *is_inf, const msm_pt *pts, const uint8_t (*sc)[32],
             size_t n)
{
	return msm_run_any(out, is_inf, pts, sc, NULL, n);
}

qerr msm_run_limbs(uint8_t out[POINT_LEN], int *is_inf, const msm_pt *pts, const uint64_t (*sc)[4],
                   size_t n)
{
	return msm_run_any(out, is_inf, pts, NULL, sc, n);
}

uint64_t msm_madd_repeat(const msm_pt *p, size_t n)
{
	jac acc;
	jac_set_inf(&acc);
	jac_add_affine(&acc, &acc, p->x, p->y);
	jac_dbl(&acc, &acc); /* 2P: no later addition is a doubling */
	for (size_t i = 0; i < n; i++)
		jac_add_affine(&acc, &acc, p->x, p->y);
	return acc.X[0] ^ acc.Z[0];
}

/* ---- sums of Jacobian points to encodings (the prover's points) ---- */

qerr msm_jac_sums_enc(uint8_t (*out)[POINT_LEN], const uint8_t (*xyz)[3 * 32], const size_t *end,
                      size_t ngroups)
{
	jac *acc = NULL;
	uint64_t(*pre)[4] = NULL;
	size_t from = 0;
	qerr e = Q_OK;
	if (ngroups == 0)
		return Q_OK;
	acc = malloc(ngroups * sizeof *acc);
	pre = malloc(ngroups * sizeof *pre);
	if (acc == NULL || pre == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	/* each sum in Jacobian coordinates, from its first term (no branch
	 * on an operand at infinity: none is) */
	for (size_t k = 0; k < ngroups; k++) {
		if (end[k] <= from) {
			e = Q_ERR_ARG;
			goto out;
		}
		for (size_t i = from; i < end[k]; i++) {
			jac q;
			fe_from_be(q.X, xyz[i]);
			fe_from_be(q.Y, xyz[i] + 32);
			fe_from_be(q.Z, xyz[i] + 64);
			fe_to_mont(q.X, q.X);
			fe_to_mont(q.Y, q.Y);
			fe_to_mont(q.Z, q.Z);
			if (i == from)
				acc[k] = q;
			else
				jac_add(&acc[k], &acc[k], &q);
			wipe(&q, sizeof q);
		}
		from = end[k];
	}
	/* to affine with one inversion; a sum at infinity is an error, found
	 * after the same work for all */
	e = jac_encode_all(out, NULL, acc, pre, ngroups);
out:
	if (acc != NULL)
		wipe(acc, ngroups * sizeof *acc);
	if (pre != NULL)
		wipe(pre, ngroups * sizeof *pre);
	free(acc);
	free(pre);
	return e;
}

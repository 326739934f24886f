/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The mix-net (docs/spec/crypto.md C-8): an honest shuffle verifies and
 * decrypts to the same multiset; every cheat is rejected and the report
 * names the equation of C-8.4 that caught it; generators and name points
 * match known answers computed from the spec alone; names round-trip. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/shuffle.h"
#include "crypto/shuffle_internal.h"
#include "crypto/util.h"
#include "testutil.h"

static const uint8_t CTX[SHUFFLE_CTX_LEN] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                             12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                             23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

#define ALL_EQ                                                                                     \
	(SHUFFLE_EQ_SUM | SHUFFLE_EQ_PROD | SHUFFLE_EQ_COMMIT | SHUFFLE_EQ_ALPHA |                 \
	 SHUFFLE_EQ_BETA | SHUFFLE_EQ_CHAIN)

/* A test world: key, n slots of width w = 1 + NAMEPT_WIDTH (mark, name). */
typedef struct world {
	scalar *s;
	point *K;
	point_table *Kt;
	size_t n, w;
	elgamal_ct **in, **out;
	uint32_t *pi;
	scalar **r;
} world;

static const char *NAMES[] = {"张伟", "欧阳娜娜", "Li Na", "阿不都热合曼·买买提",
                              "",     "王芳",     "李强",  "赵敏"};

static elgamal_ct **cts_new(size_t k)
{
	elgamal_ct **c = calloc(k, sizeof *c);
	cr_assert_not_null(c);
	for (size_t i = 0; i < k; i++)
		cr_assert_not_null(c[i] = elgamal_ct_new());
	return c;
}

static void cts_free(elgamal_ct **c, size_t k)
{
	for (size_t i = 0; c != NULL && i < k; i++)
		elgamal_ct_free(c[i]);
	free(c);
}

/* Slot i: mark (exponential ElGamal of i % 2) and the name NAMES[i % 8]. */
static void world_init(world *W, size_t n)
{
	memset(W, 0, sizeof *W);
	W->n = n;
	W->w = 1 + NAMEPT_WIDTH;
	cr_assert_not_null(W->s = scalar_new());
	cr_assert_not_null(W->K = point_new());
	cr_assert_eq(scalar_random(W->s), Q_OK);
	cr_assert_eq(point_mul_base(W->K, W->s), Q_OK);
	cr_assert_not_null(W->Kt = point_table_new(W->K));
	W->in = cts_new(n * W->w);
	W->out = cts_new(n * W->w);
	for (size_t i = 0; i < n; i++) {
		point *pts[NAMEPT_WIDTH];
		const char *nm = NAMES[i % 8];
		cr_assert_eq(elgamal_encrypt_random(W->in[i * W->w], i % 2, NULL, W->Kt), Q_OK);
		for (size_t k = 0; k < NAMEPT_WIDTH; k++)
			cr_assert_not_null(pts[k] = point_new());
		cr_assert_eq(namept_encode(pts, NAMEPT_WIDTH, (const uint8_t *)nm, strlen(nm)),
		             Q_OK);
		for (size_t k = 0; k < NAMEPT_WIDTH; k++) {
			scalar *r = scalar_new();
			cr_assert_eq(scalar_random(r), Q_OK);
			cr_assert_eq(
			    shuffle_encrypt_point(W->in[i * W->w + 1 + k], pts[k], r, W->Kt), Q_OK);
			scalar_free(r);
			point_free(pts[k]);
		}
	}
	/* a fixed witness: pi = reverse-and-rotate, fresh r */
	W->pi = calloc(n, sizeof *W->pi);
	W->r = calloc(n * W->w, sizeof *W->r);
	for (size_t i = 0; i < n; i++)
		W->pi[i] = (uint32_t)((2 * n - 1 - i + 1) % n);
	for (size_t i = 0; i < n * W->w; i++) {
		cr_assert_not_null(W->r[i] = scalar_new());
		cr_assert_eq(scalar_random(W->r[i]), Q_OK);
	}
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < W->w; k++)
			cr_assert_eq(shuffle_reencrypt(W->out[i * W->w + k],
			                               W->in[W->pi[i] * W->w + k],
			                               W->r[i * W->w + k], W->Kt),
			             Q_OK);
}

static void world_free(world *W)
{
	scalar_free(W->s);
	point_free(W->K);
	point_table_free(W->Kt);
	cts_free(W->in, W->n * W->w);
	cts_free(W->out, W->n * W->w);
	free(W->pi);
	for (size_t i = 0; W->r != NULL && i < W->n * W->w; i++)
		scalar_free(W->r[i]);
	free(W->r);
}

#define IN(W) ((const elgamal_ct *const *)(W)->in)
#define OUT(W) ((const elgamal_ct *const *)(W)->out)
#define R(W) ((const scalar *const *)(W)->r)

/* Decrypt slot i of a list: its mark and its name. */
static void open_slot(const world *W, elgamal_ct **list, size_t i, uint64_t *mark, char *name)
{
	point *M = point_new(), *G = point_new();
	point *pts[NAMEPT_WIDTH];
	size_t len;
	cr_assert_eq(elgamal_decrypt_point(M, list[i * W->w], W->s), Q_OK);
	cr_assert_eq(point_generator(G), Q_OK);
	if (point_is_infinity(M))
		*mark = 0;
	else if (point_eq(M, G))
		*mark = 1;
	else
		cr_assert_fail("mark of slot %zu is neither 0 nor 1", i);
	for (size_t k = 0; k < NAMEPT_WIDTH; k++) {
		cr_assert_not_null(pts[k] = point_new());
		cr_assert_eq(elgamal_decrypt_point(pts[k], list[i * W->w + 1 + k], W->s), Q_OK);
	}
	cr_assert_eq(namept_decode((uint8_t *)name, &len, (const point *const *)pts, NAMEPT_WIDTH),
	             Q_OK);
	for (size_t k = 0; k < NAMEPT_WIDTH; k++)
		point_free(pts[k]);
	point_free(M);
	point_free(G);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* The multiset of (mark, name) of a list, sorted, one string per slot. */
static char (*multiset(const world *W, elgamal_ct **list))[80]
{
	char(*v)[80] = calloc(W->n, sizeof *v);
	for (size_t i = 0; i < W->n; i++) {
		uint64_t mark;
		char name[NAMEPT_MAX_BYTES(NAMEPT_WIDTH) + 1];
		open_slot(W, list, i, &mark, name);
		snprintf(v[i], sizeof v[i], "%llu:%s", (unsigned long long)mark, name);
	}
	qsort(v, W->n, sizeof *v, cmp_str);
	return v;
}

/* Verify and expect failure with exactly `mask`, first failure `what`. */
static void expect_fail(const shuffle_proof *pf, const uint8_t *ctx, const point *K,
                        const elgamal_ct *const *in, const elgamal_ct *const *out, size_t n,
                        size_t w, unsigned mask, const char *what)
{
	shuffle_fail why;
	qerr e = shuffle_verify(pf, ctx, K, in, out, n, w, &why);
	cr_assert_eq(e, Q_ERR_PROOF, "verify gave %s, expected a failed proof", qerr_str(e));
	cr_expect_eq(why.mask, mask, "failed equations 0x%x, expected 0x%x (first: %s)", why.mask,
	             mask, why.what);
	cr_expect_str_eq(why.what, what);
}

/* ---------------- honest runs ---------------- */

Test(shuffle, mix_verifies_and_keeps_the_multiset)
{
	world W;
	shuffle_proof *pf = NULL, *pf2 = NULL;
	shuffle_fail why;
	uint8_t *enc;
	size_t len;
	elgamal_ct **mixed;
	world_init(&W, 6);
	mixed = cts_new(W.n * W.w);
	cr_assert_eq(shuffle_mix(mixed, &pf, CTX, W.Kt, IN(&W), W.n, W.w), Q_OK);
	cr_assert_eq(
	    shuffle_verify(pf, CTX, W.K, IN(&W), (const elgamal_ct *const *)mixed, W.n, W.w, &why),
	    Q_OK, "honest mix rejected: %s", why.what);
	/* re-encrypted: no output ciphertext equals an input one */
	for (size_t i = 0; i < W.n * W.w; i++)
		for (size_t j = 0; j < W.n * W.w; j++)
			cr_assert(!point_eq(mixed[i]->a, W.in[j]->a));
	/* the same multiset of (mark, name) */
	char(*a)[80] = multiset(&W, W.in), (*b)[80] = multiset(&W, mixed);
	for (size_t i = 0; i < W.n; i++)
		cr_assert_str_eq(a[i], b[i]);
	cr_assert_str_eq(a[0], "0:");
	free(a);
	free(b);
	/* encoding round trip */
	len = SHUFFLE_PROOF_LEN(W.n, W.w);
	cr_assert_eq(len, 65 * (3 * 6 + 3 + 6) + 32 * (2 * 6 + 3 + 3));
	enc = malloc(len);
	cr_assert_eq(shuffle_proof_encode(enc, len, pf), Q_OK);
	cr_assert_eq(shuffle_proof_decode(&pf2, W.n, W.w, enc, len), Q_OK);
	cr_assert_eq(
	    shuffle_verify(pf2, CTX, W.K, IN(&W), (const elgamal_ct *const *)mixed, W.n, W.w, NULL),
	    Q_OK);
	/* strict decoding */
	shuffle_proof_free(pf2);
	cr_assert_eq(shuffle_proof_decode(&pf2, W.n, W.w, enc, len - 1), Q_ERR_ENCODING);
	cr_assert_eq(shuffle_proof_decode(&pf2, W.n + 1, W.w, enc, len), Q_ERR_ENCODING);
	enc[0] = 0x02; /* compressed form of c_1 */
	cr_assert_eq(shuffle_proof_decode(&pf2, W.n, W.w, enc, len), Q_ERR_ENCODING);
	enc[0] = 0x04;
	enc[64] ^= 1; /* c_1 off the curve */
	cr_assert_eq(shuffle_proof_decode(&pf2, W.n, W.w, enc, len), Q_ERR_POINT);
	enc[64] ^= 1;
	memset(enc + len - 32, 0xff, 32); /* s'_n >= n */
	cr_assert_eq(shuffle_proof_decode(&pf2, W.n, W.w, enc, len), Q_ERR_SCALAR);
	cr_assert_null(pf2);
	/* n, w must be the proof's */
	cr_assert_eq(shuffle_verify(pf, CTX, W.K, IN(&W), (const elgamal_ct *const *)mixed, W.n - 1,
	                            W.w, NULL),
	             Q_ERR_ARG);
	free(enc);
	shuffle_proof_free(pf);
	cts_free(mixed, W.n * W.w);
	world_free(&W);
}

static uint8_t *list_bytes(elgamal_ct **l, size_t count)
{
	uint8_t *b = malloc(count * ELGAMAL_CT_LEN);
	for (size_t i = 0; i < count; i++)
		cr_assert_eq(elgamal_ct_encode(b + ELGAMAL_CT_LEN * i, l[i]), Q_OK);
	return b;
}

/* The verifier from received bytes hashes them as received: it agrees
 * with the verifier on objects, and every flipped byte is caught. */
Test(shuffle, verify_from_bytes)
{
	world W;
	shuffle_proof *pf = NULL;
	shuffle_fail why;
	world_init(&W, 3);
	size_t m = W.n * W.w, plen = SHUFFLE_PROOF_LEN(W.n, W.w);
	cr_assert_eq(shuffle_prove(&pf, CTX, W.Kt, IN(&W), OUT(&W), W.n, W.w, W.pi, R(&W)), Q_OK);
	uint8_t *pb = malloc(plen), *ib = list_bytes(W.in, m), *ob = list_bytes(W.out, m);
	cr_assert_eq(shuffle_proof_encode(pb, plen, pf), Q_OK);
	cr_assert_eq(shuffle_verify_bytes(pb, plen, CTX, W.K, ib, ob, W.n, W.w, &why), Q_OK, "%s",
	             why.what);
	/* a ciphertext byte: its point no longer decodes */
	ob[ELGAMAL_CT_LEN + 64] ^= 1;
	cr_assert_eq(shuffle_verify_bytes(pb, plen, CTX, W.K, ib, ob, W.n, W.w, &why), Q_ERR_POINT);
	ob[ELGAMAL_CT_LEN + 64] ^= 1;
	/* two input slots exchanged (valid bytes): everything fails */
	uint8_t tmp[3 * ELGAMAL_CT_LEN];
	memcpy(tmp, ib, sizeof tmp);
	memcpy(ib, ib + sizeof tmp, sizeof tmp);
	memcpy(ib + sizeof tmp, tmp, sizeof tmp);
	cr_assert_eq(shuffle_verify_bytes(pb, plen, CTX, W.K, ib, ob, W.n, W.w, &why), Q_ERR_PROOF);
	cr_assert_eq(why.mask, ALL_EQ);
	memcpy(ib + sizeof tmp, ib, sizeof tmp);
	memcpy(ib, tmp, sizeof tmp);
	/* a chain commitment's bytes replaced by another valid point's: the
	 * hashed bytes are the received ones, so everything fails */
	memcpy(pb + POINT_LEN * (W.n + 1), pb + POINT_LEN * W.n, POINT_LEN);
	cr_assert_eq(shuffle_verify_bytes(pb, plen, CTX, W.K, ib, ob, W.n, W.w, &why), Q_ERR_PROOF);
	cr_assert_eq(why.mask, ALL_EQ);
	cr_assert_eq(shuffle_proof_encode(pb, plen, pf), Q_OK);
	/* the last response s'_n + 1 */
	pb[plen - 1] ^= 1;
	cr_assert_eq(shuffle_verify_bytes(pb, plen, CTX, W.K, ib, ob, W.n, W.w, &why), Q_ERR_PROOF);
	cr_assert_eq(why.mask,
	             SHUFFLE_EQ_COMMIT | SHUFFLE_EQ_ALPHA | SHUFFLE_EQ_BETA | SHUFFLE_EQ_CHAIN);
	cr_assert_str_eq(why.what, "C-8.4.3");
	cr_assert_eq(shuffle_verify_bytes(pb, plen - 1, CTX, W.K, ib, ob, W.n, W.w, &why),
	             Q_ERR_ENCODING);
	free(pb);
	free(ib);
	free(ob);
	shuffle_proof_free(pf);
	world_free(&W);
}

Test(shuffle, given_witness_and_one_slot)
{
	world W;
	shuffle_proof *pf = NULL;
	world_init(&W, 4);
	cr_assert_eq(shuffle_prove(&pf, CTX, W.Kt, IN(&W), OUT(&W), W.n, W.w, W.pi, R(&W)), Q_OK);
	cr_assert_eq(shuffle_verify(pf, CTX, W.K, IN(&W), OUT(&W), W.n, W.w, NULL), Q_OK);
	shuffle_proof_free(pf);
	/* n = 1: only re-encryption */
	cr_assert_eq(shuffle_mix(W.out, &pf, CTX, W.Kt, IN(&W), 1, W.w), Q_OK);
	cr_assert_eq(shuffle_verify(pf, CTX, W.K, IN(&W), OUT(&W), 1, W.w, NULL), Q_OK);
	shuffle_proof_free(pf);
	/* limits */
	cr_assert_eq(shuffle_mix(W.out, &pf, CTX, W.Kt, IN(&W), 0, W.w), Q_ERR_LIMIT);
	cr_assert_eq(shuffle_mix(W.out, &pf, CTX, W.Kt, IN(&W), 1, SHUFFLE_MAX_W + 1), Q_ERR_LIMIT);
	cr_assert_null(pf);
	world_free(&W);
}

Test(shuffle, prover_refuses_a_false_witness)
{
	world W;
	shuffle_proof *pf = NULL;
	world_init(&W, 4);
	/* not a permutation */
	uint32_t p0 = W.pi[0];
	W.pi[0] = W.pi[1];
	cr_assert_eq(shuffle_prove(&pf, CTX, W.Kt, IN(&W), OUT(&W), W.n, W.w, W.pi, R(&W)),
	             Q_ERR_ARG);
	W.pi[0] = p0;
	/* a wrong nonce */
	cr_assert_eq(scalar_add(W.r[5], W.r[5], W.r[6]), Q_OK);
	cr_assert_eq(shuffle_prove(&pf, CTX, W.Kt, IN(&W), OUT(&W), W.n, W.w, W.pi, R(&W)),
	             Q_ERR_ARG);
	cr_assert_null(pf);
	world_free(&W);
}

/* ---------------- cheats: each names its equation ---------------- */

/* Outputs 1 and 2 swapped after mixing; the cheater proves with the real
 * permutation and nonces: the re-encryption equations fail. */
Test(shuffle, swapped_output_fails_reencryption)
{
	world W;
	shuffle_proof *pf = NULL;
	world_init(&W, 5);
	for (size_t k = 0; k < W.w; k++) {
		elgamal_ct *t = W.out[0 * W.w + k];
		W.out[0 * W.w + k] = W.out[1 * W.w + k];
		W.out[1 * W.w + k] = t;
	}
	cr_assert_eq(shuffle_prove(&pf, CTX, W.Kt, IN(&W), OUT(&W), W.n, W.w, W.pi, R(&W)),
	             Q_ERR_ARG);
	cr_assert_eq(
	    shuffle_prove_unchecked(&pf, CTX, W.Kt, IN(&W), OUT(&W), W.n, W.w, W.pi, R(&W)), Q_OK);
	expect_fail(pf, CTX, W.K, IN(&W), OUT(&W), W.n, W.w, SHUFFLE_EQ_ALPHA | SHUFFLE_EQ_BETA,
	            "C-8.4.4 (k = 1)");
	shuffle_proof_free(pf);
	world_free(&W);
}

/* An honest proof, then two outputs swapped: the statement hash changes
 * and every equation fails. */
Test(shuffle, swapped_output_after_proof_fails_everything)
{
	world W;
	shuffle_proof *pf = NULL;
	world_init(&W, 5);
	cr_assert_eq(shuffle_prove(&pf, CTX, W.Kt, IN(&W), OUT(&W), W.n, W.w, W.pi, R(&W)), Q_OK);
	for (size_t k = 0; k < W.w; k++) {
		elgamal_ct *t = W.out[2 * W.w + k];
		W.out[2 * W.w + k] = W.out[4 * W.w + k];
		W.out[4 * W.w + k] = t;
	}
	expect_fail(pf, CTX, W.K, IN(&W), OUT(&W), W.n, W.w, ALL_EQ, "C-8.4.1");
	shuffle_proof_free(pf);
	world_free(&W);
}

/* Input pi(1) dropped, input pi(0) duplicated; the cheater commits to
 * that map (not a permutation matrix).  Its commitments still sum to
 * sum h_i and open consistently (C-8.4.1, C-8.4.3 hold); the chain's
 * product is not prod u_j (C-8.4.2), and the u-weighted sums of inputs
 * and outputs differ (C-8.4.4-5). */
Test(shuffle, dropped_and_duplicated_fails_product)
{
	world W;
	shuffle_proof *pf = NULL;
	world_init(&W, 5);
	size_t victim = 1; /* output 1 now re-encrypts input pi(0) */
	W.pi[victim] = W.pi[0];
	for (size_t k = 0; k < W.w; k++)
		cr_assert_eq(shuffle_reencrypt(W.out[victim * W.w + k], W.in[W.pi[0] * W.w + k],
		                               W.r[victim * W.w + k], W.Kt),
		             Q_OK);
	cr_assert_eq(shuffle_prove(&pf, CTX, W.Kt, IN(&W), OUT(&W), W.n, W.w, W.pi, R(&W)),
	             Q_ERR_ARG);
	cr_assert_eq(
	    shuffle_prove_unchecked(&pf, CTX, W.Kt, IN(&W), OUT(&W), W.n, W.w, W.pi, R(&W)), Q_OK);
	expect_fail(pf, CTX, W.K, IN(&W), OUT(&W), W.n, W.w,
	            SHUFFLE_EQ_PROD | SHUFFLE_EQ_ALPHA | SHUFFLE_EQ_BETA, "C-8.4.2");
	shuffle_proof_free(pf);
	world_free(&W);
}

/* Output 3's name point k = 2 has beta re-encrypted with r + 1 (so its
 * plaintext changed by K) while the proof claims r: C-8.4.5 for k = 2. */
Test(shuffle, wrong_randomness_in_beta_fails_beta)
{
	world W;
	shuffle_proof *pf = NULL;
	elgamal_ct *x = elgamal_ct_new();
	scalar *r1 = scalar_new(), *one = scalar_new();
	world_init(&W, 4);
	size_t at = 2 * W.w + 1;
	cr_assert_eq(scalar_set_u64(one, 1), Q_OK);
	cr_assert_eq(scalar_add(r1, W.r[at], one), Q_OK);
	cr_assert_eq(shuffle_reencrypt(x, W.in[W.pi[2] * W.w + 1], r1, W.Kt), Q_OK);
	cr_assert_eq(point_copy(W.out[at]->b, x->b), Q_OK);
	cr_assert_eq(
	    shuffle_prove_unchecked(&pf, CTX, W.Kt, IN(&W), OUT(&W), W.n, W.w, W.pi, R(&W)), Q_OK);
	expect_fail(pf, CTX, W.K, IN(&W), OUT(&W), W.n, W.w, SHUFFLE_EQ_BETA, "C-8.4.5 (k = 2)");
	shuffle_proof_free(pf);
	/* alpha with r + 1, beta with r: C-8.4.4 alone */
	elgamal_ct *y = elgamal_ct_new();
	cr_assert_eq(shuffle_reencrypt(y, W.in[W.pi[2] * W.w + 1], W.r[at], W.Kt), Q_OK);
	cr_assert_eq(point_copy(W.out[at]->b, y->b), Q_OK);
	cr_assert_eq(point_copy(W.out[at]->a, x->a), Q_OK);
	cr_assert_eq(
	    shuffle_prove_unchecked(&pf, CTX, W.Kt, IN(&W), OUT(&W), W.n, W.w, W.pi, R(&W)), Q_OK);
	expect_fail(pf, CTX, W.K, IN(&W), OUT(&W), W.n, W.w, SHUFFLE_EQ_ALPHA, "C-8.4.4 (k = 2)");
	shuffle_proof_free(pf);
	cr_assert_eq(point_copy(W.out[at]->b, x->b), Q_OK);
	elgamal_ct_free(y);
	/* both halves with r + 1, the proof claims r: C-8.4.4 and C-8.4.5 */
	cr_assert_eq(point_copy(W.out[at]->a, x->a), Q_OK);
	cr_assert_eq(
	    shuffle_prove_unchecked(&pf, CTX, W.Kt, IN(&W), OUT(&W), W.n, W.w, W.pi, R(&W)), Q_OK);
	expect_fail(pf, CTX, W.K, IN(&W), OUT(&W), W.n, W.w, SHUFFLE_EQ_ALPHA | SHUFFLE_EQ_BETA,
	            "C-8.4.4 (k = 2)");
	shuffle_proof_free(pf);
	elgamal_ct_free(x);
	scalar_free(r1);
	scalar_free(one);
	world_free(&W);
}

/* A proof for other inputs: presented with different inputs (everything
 * fails), or made by a cheater for inputs the outputs do not come from
 * (re-encryption fails). */
Test(shuffle, proof_for_different_inputs)
{
	world W, V;
	shuffle_proof *pf = NULL;
	world_init(&W, 4);
	world_init(&V, 4);
	/* V's key is W's, V's inputs are other ciphertexts */
	for (size_t i = 0; i < V.n * V.w; i++)
		cr_assert_eq(shuffle_reencrypt(V.in[i], W.in[i], V.r[i], W.Kt), Q_OK);
	cr_assert_eq(shuffle_prove(&pf, CTX, W.Kt, IN(&W), OUT(&W), W.n, W.w, W.pi, R(&W)), Q_OK);
	expect_fail(pf, CTX, W.K, IN(&V), OUT(&W), W.n, W.w, ALL_EQ, "C-8.4.1");
	shuffle_proof_free(pf);
	cr_assert_eq(
	    shuffle_prove_unchecked(&pf, CTX, W.Kt, IN(&V), OUT(&W), W.n, W.w, W.pi, R(&W)), Q_OK);
	expect_fail(pf, CTX, W.K, IN(&V), OUT(&W), W.n, W.w, SHUFFLE_EQ_ALPHA | SHUFFLE_EQ_BETA,
	            "C-8.4.4 (k = 1)");
	shuffle_proof_free(pf);
	world_free(&W);
	world_free(&V);
}

/* Tampered proof fields: a hashed one (commitment c_i, chain chat_i,
 * that_i) changes the challenges and fails everything; a response fails
 * exactly the equations it appears in. */
Test(shuffle, tampered_fields)
{
	world W;
	shuffle_proof *pf = NULL;
	point *G = point_new();
	scalar *one = scalar_new();
	world_init(&W, 4);
	cr_assert_eq(point_generator(G), Q_OK);
	cr_assert_eq(scalar_set_u64(one, 1), Q_OK);
	cr_assert_eq(shuffle_prove(&pf, CTX, W.Kt, IN(&W), OUT(&W), W.n, W.w, W.pi, R(&W)), Q_OK);
	static const struct {
		int which;
		size_t i;
	} pts[] = {{0, 2}, {1, 1}, {2, 3}, {3, 0}, {9, 0}};
	for (size_t q = 0; q < sizeof pts / sizeof pts[0]; q++) {
		point *p = shuffle_proof_point_(pf, pts[q].which, pts[q].i);
		cr_assert_eq(point_add(p, p, G), Q_OK);
		expect_fail(pf, CTX, W.K, IN(&W), OUT(&W), W.n, W.w, ALL_EQ, "C-8.4.1");
		cr_assert_eq(point_sub(p, p, G), Q_OK);
		cr_assert_eq(shuffle_verify(pf, CTX, W.K, IN(&W), OUT(&W), W.n, W.w, NULL), Q_OK);
	}
	static const struct {
		int which;
		size_t i;
		unsigned mask;
		const char *what;
	} sc[] = {
	    {9, 0, SHUFFLE_EQ_SUM, "C-8.4.1"},
	    {0, 2, SHUFFLE_EQ_CHAIN, "C-8.4.6 (i = 3)"},
	    {1, 3, SHUFFLE_EQ_COMMIT | SHUFFLE_EQ_ALPHA | SHUFFLE_EQ_BETA | SHUFFLE_EQ_CHAIN,
	     "C-8.4.3"},
	    {2, 1, SHUFFLE_EQ_ALPHA | SHUFFLE_EQ_BETA, "C-8.4.4 (k = 2)"},
	};
	for (size_t q = 0; q < sizeof sc / sizeof sc[0]; q++) {
		scalar *s = shuffle_proof_scalar_(pf, sc[q].which, sc[q].i);
		cr_assert_eq(scalar_add(s, s, one), Q_OK);
		expect_fail(pf, CTX, W.K, IN(&W), OUT(&W), W.n, W.w, sc[q].mask, sc[q].what);
		cr_assert_eq(scalar_sub(s, s, one), Q_OK);
	}
	cr_assert_eq(shuffle_verify(pf, CTX, W.K, IN(&W), OUT(&W), W.n, W.w, NULL), Q_OK);
	shuffle_proof_free(pf);
	point_free(G);
	scalar_free(one);
	world_free(&W);
}

/* A commitment that is not to a permutation, made consistent by the
 * cheater: c_1 commits to h_1 + h_2, c_2 to nothing (the drop/duplicate of
 * the product test, seen from the commitment's side) -- covered above; here
 * the commitment is replaced after proving by a re-randomised one. */
Test(shuffle, tampered_commitment_rerandomised)
{
	world W;
	shuffle_proof *pf = NULL;
	point *G = point_new();
	world_init(&W, 3);
	cr_assert_eq(point_generator(G), Q_OK);
	cr_assert_eq(shuffle_prove(&pf, CTX, W.Kt, IN(&W), OUT(&W), W.n, W.w, W.pi, R(&W)), Q_OK);
	point *c0 = shuffle_proof_point_(pf, 0, 0);
	point *c1 = shuffle_proof_point_(pf, 0, 1);
	/* move G from c_2 to c_1: sum unchanged, challenges change */
	cr_assert_eq(point_add(c0, c0, G), Q_OK);
	cr_assert_eq(point_sub(c1, c1, G), Q_OK);
	expect_fail(pf, CTX, W.K, IN(&W), OUT(&W), W.n, W.w, ALL_EQ, "C-8.4.1");
	shuffle_proof_free(pf);
	point_free(G);
	world_free(&W);
}

Test(shuffle, other_context_or_key_fails)
{
	world W;
	shuffle_proof *pf = NULL;
	uint8_t ctx2[SHUFFLE_CTX_LEN];
	point *K2 = point_new();
	world_init(&W, 3);
	memcpy(ctx2, CTX, sizeof ctx2);
	ctx2[31] ^= 0x80;
	cr_assert_eq(shuffle_prove(&pf, CTX, W.Kt, IN(&W), OUT(&W), W.n, W.w, W.pi, R(&W)), Q_OK);
	expect_fail(pf, ctx2, W.K, IN(&W), OUT(&W), W.n, W.w, ALL_EQ, "C-8.4.1");
	cr_assert_eq(point_add(K2, W.K, W.K), Q_OK);
	expect_fail(pf, CTX, K2, IN(&W), OUT(&W), W.n, W.w, ALL_EQ, "C-8.4.1");
	shuffle_proof_free(pf);
	point_free(K2);
	world_free(&W);
}

/* ---------------- cheats that exactly one equation catches ---------------- */

/* out = x*A + y*B (componentwise on the w ciphertexts of a slot), then
 * re-encrypted with the world's nonces for slot i. */
static void lin_slot(world *W, size_t i, const scalar *x, size_t ja, const scalar *y, size_t jb)
{
	point *t = point_new();
	for (size_t k = 0; k < W->w; k++) {
		elgamal_ct *o = W->out[i * W->w + k];
		const elgamal_ct *a = W->in[ja * W->w + k], *b = W->in[jb * W->w + k];
		cr_assert_eq(point_mul(o->a, x, a->a), Q_OK);
		cr_assert_eq(point_mul(o->b, x, a->b), Q_OK);
		if (y != NULL) {
			cr_assert_eq(point_mul(t, y, b->a), Q_OK);
			cr_assert_eq(point_add(o->a, o->a, t), Q_OK);
			cr_assert_eq(point_mul(t, y, b->b), Q_OK);
			cr_assert_eq(point_add(o->b, o->b, t), Q_OK);
		}
		cr_assert_eq(shuffle_reencrypt(o, o, W->r[i * W->w + k], W->Kt), Q_OK);
	}
	point_free(t);
}

static scalar *sc(uint64_t v)
{
	scalar *s = scalar_new();
	cr_assert_eq(scalar_set_u64(s, v), Q_OK);
	return s;
}

/* The permutation's entries with those of outputs 0 and 1 replaced by
 * a 2x2 block B: M[pi0][0] = b00, M[pi0][1] = b01, M[pi1][0] = b10,
 * M[pi1][1] = b11. */
static size_t block_entries(const world *W, shuffle_entry *en, const scalar *b00, const scalar *b01,
                            const scalar *b10, const scalar *b11)
{
	size_t q = 0;
	uint32_t j0 = W->pi[0], j1 = W->pi[1];
	en[q++] = (shuffle_entry){j0, 0, b00};
	en[q++] = (shuffle_entry){j0, 1, b01};
	en[q++] = (shuffle_entry){j1, 0, b10};
	en[q++] = (shuffle_entry){j1, 1, b11};
	for (size_t i = 2; i < W->n; i++)
		en[q++] = (shuffle_entry){W->pi[i], (uint32_t)i, NULL};
	return q;
}

/* Outputs 0 and 1 are (2 e_j0 + e_j1)/3 and (e_j0 + 2 e_j1)/3: two names
 * replaced by mixtures.  The commitment is to the matrix with the block
 * [[2, -1], [-1, 2]] (columns sum to 1, so C-8.4.1 holds; it opens to
 * u' = M^T u, so C-8.4.3-6 hold); only the product C-8.4.2 sees that M
 * is not a permutation. */
static void mixture_world(world *W, shuffle_entry *en, size_t *nen, scalar **keep)
{
	scalar *two = sc(2), *three = sc(3), *one = sc(1), *inv3 = scalar_new(), *x = scalar_new(),
	       *m1 = scalar_new();
	cr_assert_eq(scalar_inv(inv3, three), Q_OK);
	cr_assert_eq(scalar_mul(x, two, inv3), Q_OK); /* 2/3 */
	lin_slot(W, 0, x, W->pi[0], inv3, W->pi[1]);
	lin_slot(W, 1, inv3, W->pi[0], x, W->pi[1]);
	cr_assert_eq(scalar_neg(m1, one), Q_OK);
	*nen = block_entries(W, en, two, m1, m1, two);
	keep[0] = two;
	keep[1] = m1;
	scalar_free(three);
	scalar_free(inv3);
	scalar_free(x);
	scalar_free(one);
}

Test(cheat, mixture_of_two_slots_fails_product_only)
{
	world W;
	shuffle_proof *pf = NULL;
	scalar *keep[2];
	world_init(&W, 5);
	shuffle_entry *en = calloc(W.n + 2, sizeof *en);
	size_t nen;
	mixture_world(&W, en, &nen, keep);
	shuffle_cheat ch = {en, nen, NULL, 0, 0};
	cr_assert_eq(
	    shuffle_prove_cheat(&pf, CTX, W.Kt, IN(&W), OUT(&W), W.n, W.w, W.pi, R(&W), &ch), Q_OK);
	expect_fail(pf, CTX, W.K, IN(&W), OUT(&W), W.n, W.w, SHUFFLE_EQ_PROD, "C-8.4.2");
	shuffle_proof_free(pf);
	/* the same cheat with the chain's end faked to the right product:
	 * C-8.4.2 now holds and the last link C-8.4.6 (i = n) fails */
	ch.fake_chain_end = 1;
	cr_assert_eq(
	    shuffle_prove_cheat(&pf, CTX, W.Kt, IN(&W), OUT(&W), W.n, W.w, W.pi, R(&W), &ch), Q_OK);
	expect_fail(pf, CTX, W.K, IN(&W), OUT(&W), W.n, W.w, SHUFFLE_EQ_CHAIN, "C-8.4.6 (i = 5)");
	shuffle_proof_free(pf);
	scalar_free(keep[0]);
	scalar_free(keep[1]);
	free(en);
	world_free(&W);
}

/* Outputs 0 and 1 are e_j0 / L and L * e_j1 (plaintexts scaled), the
 * commitment to the block [[L, 0], [0, 1/L]]: the product of u' is right,
 * the openings are consistent; only the column sums C-8.4.1 fail. */
Test(cheat, scaled_slots_fail_sum_only)
{
	world W;
	shuffle_proof *pf = NULL;
	scalar *L = sc(5), *Li = scalar_new(), *zero = sc(0);
	world_init(&W, 4);
	cr_assert_eq(scalar_inv(Li, L), Q_OK);
	lin_slot(&W, 0, Li, W.pi[0], NULL, 0);
	lin_slot(&W, 1, L, W.pi[1], NULL, 0);
	shuffle_entry *en = calloc(W.n + 2, sizeof *en);
	size_t nen = block_entries(&W, en, L, zero, zero, Li);
	shuffle_cheat ch = {en, nen, NULL, 0, 0};
	cr_assert_eq(
	    shuffle_prove_cheat(&pf, CTX, W.Kt, IN(&W), OUT(&W), W.n, W.w, W.pi, R(&W), &ch), Q_OK);
	expect_fail(pf, CTX, W.K, IN(&W), OUT(&W), W.n, W.w, SHUFFLE_EQ_SUM, "C-8.4.1");
	shuffle_proof_free(pf);
	scalar_free(L);
	scalar_free(Li);
	scalar_free(zero);
	free(en);
	world_free(&W);
}

/* Commit to pi, then (after seeing u) answer for another permutation pi2
 * that the outputs follow: everything but the opening C-8.4.3 holds. */
Test(cheat, responses_for_another_permutation_fail_commit_only)
{
	world W;
	shuffle_proof *pf = NULL;
	world_init(&W, 4);
	uint32_t pi2[4];
	shuffle_entry commit[4], resp[4];
	for (size_t i = 0; i < W.n; i++)
		pi2[i] = W.pi[(i + 1) % W.n];
	for (size_t i = 0; i < W.n; i++) {
		commit[i] = (shuffle_entry){W.pi[i], (uint32_t)i, NULL};
		resp[i] = (shuffle_entry){pi2[i], (uint32_t)i, NULL};
		for (size_t k = 0; k < W.w; k++)
			cr_assert_eq(shuffle_reencrypt(W.out[i * W.w + k], W.in[pi2[i] * W.w + k],
			                               W.r[i * W.w + k], W.Kt),
			             Q_OK);
	}
	shuffle_cheat ch = {commit, W.n, resp, W.n, 0};
	cr_assert_eq(
	    shuffle_prove_cheat(&pf, CTX, W.Kt, IN(&W), OUT(&W), W.n, W.w, W.pi, R(&W), &ch), Q_OK);
	expect_fail(pf, CTX, W.K, IN(&W), OUT(&W), W.n, W.w, SHUFFLE_EQ_COMMIT, "C-8.4.3");
	shuffle_proof_free(pf);
	/* the honest proof for pi2 verifies */
	cr_assert_eq(shuffle_prove(&pf, CTX, W.Kt, IN(&W), OUT(&W), W.n, W.w, pi2, R(&W)), Q_OK);
	cr_assert_eq(shuffle_verify(pf, CTX, W.K, IN(&W), OUT(&W), W.n, W.w, NULL), Q_OK);
	shuffle_proof_free(pf);
	world_free(&W);
}

/* ---------------- known answers (computed from C-8.1 and C-8.6 alone) ---------------- */

static void expect_point_hex(const point *p, const char *hex)
{
	uint8_t enc[POINT_LEN];
	char h[2 * POINT_LEN + 1];
	cr_assert_eq(point_encode(enc, p), Q_OK);
	hex_encode(h, enc, sizeof enc);
	cr_assert_str_eq(h, hex);
}

Test(shuffle, generators_known_answers)
{
	point *h[4];
	for (size_t i = 0; i < 4; i++)
		cr_assert_not_null(h[i] = point_new());
	cr_assert_eq(shuffle_generators(h, 4, CTX), Q_OK);
	/* H (2 tries), h_1 (2), h_2 (1), h_3 (6) */
	expect_point_hex(h[0], "04fe6e2a22fa95cf9c01a527b2c6f22ecfe8f557563666405587f0d2489d1cb8ec"
	                       "75899f3c5e2a44981228a37a2c0361ee8b733d83021fc855aae07d9e09e6f46c");
	expect_point_hex(h[1], "041da20abb1d26aa604915cc48044d86aa1cb9767f87a88b4f00a166a2224e1cd8"
	                       "3620e691e16dca46bd54c316f7a4c9215c2a2c0278da8b7d69eb808e9ac08f36");
	expect_point_hex(h[2], "041bba52ff4db904798a012ff7662fd9aed776e218f85ec41a3724d7f05d064435"
	                       "433509775d400c8fe6fdc20f46475f36b766e13edecd370cd43eba9675f05640");
	expect_point_hex(h[3], "045d5c045a21f9263299da434a44021bdef06b76e84693e17bb1721c48b3bb6cb9"
	                       "a6c0860f3ae026e4a771b9d9688e8f0f6186d68d3023400112b010226bc76ac8");
	for (size_t i = 0; i < 4; i++)
		point_free(h[i]);
}

Test(names, known_answer_zhang_wei)
{
	point *p[2] = {point_new(), point_new()};
	const char *nm = "张伟";
	cr_assert_eq(namept_encode(p, 2, (const uint8_t *)nm, strlen(nm)), Q_OK);
	/* payload 06 e5bca0 e4bc9f 00..; counters 1 and 0 */
	expect_point_hex(p[0], "040006e5bca0e4bc9f000000000000000000000000000000000000000000000001"
	                       "ba1aef687d4b023c7af382f69922d994137ec3b81b18e632454551e5616f8c7e");
	expect_point_hex(p[1],
	                 "04000000000000000000000000000000000000000000000000000000000000000066"
	                 "485c780e2f83d72433bd5d84a06bb6541c2af31dae871728bf856a174f93f4");
	point_free(p[0]);
	point_free(p[1]);
}

/* The fixed vector tests/crypto/vectors/shuffle_v1.txt (3 slots of
 * width 2), made once by this library and verified by
 * tests/crypto/shuffle_spec.py from the spec alone: it must keep
 * verifying (the encodings and transcripts are frozen). */
static uint8_t *vec(char *text, const char *key, size_t *len)
{
	size_t kl = strlen(key);
	for (char *line = text; line != NULL && *line != '\0';) {
		char *nl = strchr(line, '\n');
		if (strncmp(line, key, kl) == 0 && line[kl] == '=') {
			size_t vl =
			    nl != NULL ? (size_t)(nl - line) - kl - 1 : strlen(line + kl + 1);
			char *h = strndup(line + kl + 1, vl);
			uint8_t *b = test_unhex(h, len);
			free(h);
			return b;
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	cr_assert_fail("vector %s missing", key);
	return NULL;
}

Test(vectors, shuffle_v1_verifies)
{
	const char *root = getenv("QUORUM_SOURCE_ROOT");
	char path[4096];
	size_t len, cl, kl, il, ol, pl;
	shuffle_fail why;
	point *K = point_new();
	cr_assert_not_null(root, "QUORUM_SOURCE_ROOT not set");
	snprintf(path, sizeof path, "%s/tests/crypto/vectors/shuffle_v1.txt", root);
	char *text = test_read_file(path, &len);
	cr_assert_not_null(text);
	uint8_t *ctx = vec(text, "ctx", &cl), *kb = vec(text, "K", &kl), *in = vec(text, "in", &il),
	        *out = vec(text, "out", &ol), *pf = vec(text, "proof", &pl);
	cr_assert_eq(cl, SHUFFLE_CTX_LEN);
	cr_assert_eq(point_decode(K, kb, kl), Q_OK);
	cr_assert_eq(il, 3 * 2 * ELGAMAL_CT_LEN);
	cr_assert_eq(shuffle_verify_bytes(pf, pl, ctx, K, in, out, 3, 2, &why), Q_OK, "%s",
	             why.what);
	pf[pl - 1] ^= 1; /* s'_3 */
	cr_assert_eq(shuffle_verify_bytes(pf, pl, ctx, K, in, out, 3, 2, &why), Q_ERR_PROOF);
	cr_assert_str_eq(why.what, "C-8.4.3");
	free(ctx);
	free(kb);
	free(in);
	free(out);
	free(pf);
	free(text);
	point_free(K);
}

/* ---------------- names ---------------- */

static qerr roundtrip(const char *nm, size_t len, size_t w)
{
	point *p[16];
	uint8_t out[8 * NAMEPT_CHUNK];
	size_t olen = 99;
	qerr e;
	for (size_t k = 0; k < w; k++)
		p[k] = point_new();
	e = namept_encode(p, w, (const uint8_t *)nm, len);
	if (e == Q_OK) {
		cr_assert_eq(namept_decode(out, &olen, (const point *const *)p, w), Q_OK);
		cr_assert_eq(olen, len);
		cr_assert_eq(memcmp(out, nm, len), 0);
		cr_assert_eq(out[len], 0);
	}
	for (size_t k = 0; k < w; k++)
		point_free(p[k]);
	return e;
}

Test(names, chinese_and_limits)
{
	const char *ok[] = {"张伟", "欧阳娜娜", "阿不都热合曼·买买提", "Li Na", "", "𠀀𪚥"};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		cr_assert_eq(roundtrip(ok[i], strlen(ok[i]), NAMEPT_WIDTH), Q_OK, "%s", ok[i]);
	/* 19 Chinese characters + 2 ASCII = 59 bytes: the maximum for 2 points */
	char max[128] = "";
	for (int i = 0; i < 19; i++)
		strcat(max, "张");
	strcat(max, "ab");
	cr_assert_eq(strlen(max), 59);
	cr_assert_eq(NAMEPT_MAX_BYTES(NAMEPT_WIDTH), 59);
	cr_assert_eq(roundtrip(max, 59, NAMEPT_WIDTH), Q_OK);
	/* 60 bytes: refused */
	strcat(max, "c");
	cr_assert_eq(roundtrip(max, 60, NAMEPT_WIDTH), Q_ERR_RANGE);
	/* 20 Chinese characters = 60 bytes: refused; fits in 3 points */
	char twenty[128] = "";
	for (int i = 0; i < 20; i++)
		strcat(twenty, "伟");
	cr_assert_eq(roundtrip(twenty, 60, NAMEPT_WIDTH), Q_ERR_RANGE);
	cr_assert_eq(roundtrip(twenty, 60, 3), Q_OK);
	/* not UTF-8 */
	static const char *bad[] = {"\xc0\x80",         "\x80", "\xed\xa0\x80", "\xe5\xbc",
	                            "\xf4\x90\x80\x80", "\xff"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_assert_eq(roundtrip(bad[i], strlen(bad[i]), NAMEPT_WIDTH), Q_ERR_ENCODING, "%zu",
		             i);
	cr_assert_eq(roundtrip("a\0b", 3, NAMEPT_WIDTH), Q_ERR_ENCODING);
	cr_assert_eq(roundtrip("a", 1, 9), Q_ERR_LIMIT);
}

Test(names, decode_is_strict)
{
	point *p[2] = {point_new(), point_new()}, *q = point_new();
	scalar *s = scalar_new();
	uint8_t out[64];
	size_t len;
	const char *nm = "王芳";
	cr_assert_eq(namept_encode(p, 2, (const uint8_t *)nm, strlen(nm)), Q_OK);
	/* -P (odd y): same x, not the encoding */
	cr_assert_eq(point_neg(q, p[0]), Q_OK);
	const point *neg[2] = {q, p[1]};
	cr_assert_eq(namept_decode(out, &len, neg, 2), Q_ERR_ENCODING);
	/* a random point: X's first byte is not 0 (probability 255/256 with this draw) */
	cr_assert_eq(scalar_set_u64(s, 7), Q_OK);
	cr_assert_eq(point_mul_base(q, s), Q_OK);
	const point *rnd[2] = {q, p[1]};
	cr_assert_eq(namept_decode(out, &len, rnd, 2), Q_ERR_ENCODING);
	/* the points swapped: length byte and padding wrong */
	const point *sw[2] = {p[1], p[0]};
	cr_assert_eq(namept_decode(out, &len, sw, 2), Q_ERR_ENCODING);
	point_free(p[0]);
	point_free(p[1]);
	point_free(q);
	scalar_free(s);
}

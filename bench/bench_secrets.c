/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_secrets -- cost of the secrets layer and of the libgcrypt
 * cross-check, each cross-check figure with its ratio to the OpenSSL
 * operation it re-does, measured in the same run (the "floor").
 *
 *   Argon2id with the default file parameters (S-2.2), a sealed-file
 *   write + read round trip, seal_to_pubkey / open_with_scalar, and
 *   xcheck: k*P, k*G, a 2-term lincomb (v*G - c*P == A), SHA-256 of 1 KiB,
 *   Ed25519 verify.
 * Usage: bench_secrets [scale]   (not a test; run by hand)
 */
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/kdf.h"
#include "crypto/seal.h"
#include "crypto/sig.h"
#include "crypto/util.h"
#include "crypto/xcheck.h"

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "bench_secrets: %s failed\n", what);
		exit(1);
	}
}

#define TIME(label, iters, body)                                                                   \
	do {                                                                                       \
		double t0_ = now_us();                                                             \
		for (int i_ = 0; i_ < (iters); i_++) {                                             \
			body;                                                                      \
		}                                                                                  \
		res = (now_us() - t0_) / (iters);                                                  \
		printf("%-46s %11.2f us\n", label, res);                                           \
	} while (0)

int main(int argc, char **argv)
{
	int scale = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 1;
	int N = 300 * (scale > 0 ? scale : 1);
	double res, floor_;
	uint8_t k[32], c[32], v[32], P[65], A[65], out[65], msg[1024], d[32];
	uint8_t sealed[SEAL_PK_LEN(32)], s[32], R[65];
	secbuf *sb = NULL;
	char path[] = "/tmp/bench_secrets_XXXXXX";
	char file[64];

	check(rand_bytes(msg, sizeof msg) == Q_OK, "rand");
	/* Argon2id, default parameters. */
	TIME("argon2id t=3 m=64MiB p=1 (default)", 3,
	     check(kdf_argon2id(d, 32, "passphrase", 10, msg, 16, &kdf_params_default) == Q_OK,
	           "kdf"));
	check(mkdtemp(path) != NULL, "mkdtemp");
	TIME("sealed file write+read, default params", 2, {
		snprintf(file, sizeof file, "%s/f%d", path, i_);
		check(seal_file_write(file, "pw", 2, NULL, msg, 64, NULL) == Q_OK, "write");
		check(seal_file_read(&sb, file, "pw", 2, NULL) == Q_OK, "read");
		secbuf_free(sb);
		unlink(file);
	});
	rmdir(path);
	check(seal_p256_keygen(s, R) == Q_OK, "keygen");
	TIME("seal_to_pubkey (32-byte share)", N,
	     check(seal_to_pubkey(sealed, sizeof sealed, R, "aad", 3, msg, 32) == Q_OK, "seal"));
	TIME("open_with_scalar (32-byte share)", N, {
		check(open_with_scalar(&sb, s, "aad", 3, sealed, sizeof sealed) == Q_OK, "open");
		secbuf_free(sb);
	});

	/* OpenSSL floors and xcheck. */
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	EC_POINT *pp = EC_POINT_new(g), *rr = EC_POINT_new(g);
	BN_CTX *bc = BN_CTX_new();
	BIGNUM *kb = BN_new(), *order = BN_new();
	check(g && pp && rr && bc && kb && order, "alloc");
	check(EC_GROUP_get_order(g, order, bc) == 1, "order");
	check(BN_rand_range(kb, order) == 1 && BN_bn2binpad(kb, k, 32) == 32, "k");
	check(EC_POINT_mul(g, pp, kb, NULL, NULL, bc) == 1, "P");
	check(EC_POINT_point2oct(g, pp, POINT_CONVERSION_UNCOMPRESSED, P, 65, bc) == 65, "enc");

	TIME("openssl k*P (+decode, encode)", N, {
		check(EC_POINT_oct2point(g, pp, P, 65, bc) == 1, "dec");
		check(EC_POINT_mul(g, rr, NULL, pp, kb, bc) == 1, "mul");
		check(EC_POINT_point2oct(g, rr, POINT_CONVERSION_UNCOMPRESSED, out, 65, bc) == 65,
		      "enc");
	});
	floor_ = res;
	TIME("xcheck_mul65 k*P", N, check(xcheck_mul65(out, k, P) == Q_OK, "xmul"));
	printf("%-46s %11.1fx\n", "  ratio to openssl", res / floor_);
	TIME("openssl k*G (+encode)", N, {
		check(EC_POINT_mul(g, rr, kb, NULL, NULL, bc) == 1, "mulg");
		check(EC_POINT_point2oct(g, rr, POINT_CONVERSION_UNCOMPRESSED, out, 65, bc) == 65,
		      "enc");
	});
	floor_ = res;
	TIME("xcheck_mul_base65 k*G", N, check(xcheck_mul_base65(out, k) == Q_OK, "xmulg"));
	printf("%-46s %11.1fx\n", "  ratio to openssl", res / floor_);

	/* v*G - c*P == A with A = w*G, v = w + c*x; here x = k, P = kG. */
	BIGNUM *wb = BN_new(), *cb = BN_new(), *vb = BN_new();
	check(wb && cb && vb && BN_rand_range(wb, order) && BN_rand_range(cb, order), "wc");
	check(BN_mod_mul(vb, cb, kb, order, bc) && BN_mod_add(vb, vb, wb, order, bc), "v");
	check(BN_bn2binpad(vb, v, 32) == 32 && BN_bn2binpad(cb, c, 32) == 32, "vc");
	check(EC_POINT_mul(g, rr, wb, NULL, NULL, bc) == 1, "A");
	check(EC_POINT_point2oct(g, rr, POINT_CONVERSION_UNCOMPRESSED, A, 65, bc) == 65, "encA");
	TIME("openssl v*G - c*P == A (EC_POINT_mul x2)", N, {
		EC_POINT *t = EC_POINT_new(g);
		BIGNUM *nc = BN_new();
		check(BN_sub(nc, order, cb) == 1, "neg");
		check(EC_POINT_oct2point(g, pp, P, 65, bc) == 1, "decP");
		check(EC_POINT_oct2point(g, t, A, 65, bc) == 1, "decA");
		check(EC_POINT_mul(g, rr, vb, pp, nc, bc) == 1, "mul2");
		check(EC_POINT_cmp(g, rr, t, bc) == 0, "cmp");
		EC_POINT_free(t);
		BN_free(nc);
	});
	floor_ = res;
	xcheck_term t2[2] = {{v, NULL, 0}, {c, P, 1}};
	TIME("xcheck_lincomb v*G - c*P == A", N,
	     check(xcheck_lincomb(t2, 2, A) == Q_OK, "lincomb"));
	printf("%-46s %11.1fx\n", "  ratio to openssl", res / floor_);

	unsigned int dl = 32;
	TIME("openssl sha256 1 KiB", N * 20,
	     check(EVP_Digest(msg, sizeof msg, d, &dl, EVP_sha256(), NULL) == 1, "sha"));
	floor_ = res;
	TIME("xcheck_sha256 1 KiB", N * 20, xcheck_sha256(d, msg, sizeof msg));
	printf("%-46s %11.1fx\n", "  ratio to openssl", res / floor_);

	sig_secret sk;
	uint8_t pk[32], sig[64];
	check(sig_keygen(&sk, pk) == Q_OK && sig_sign(sig, &sk, msg, 100) == Q_OK, "sign");
	TIME("openssl ed25519 verify (sig_verify)", N,
	     check(sig_verify(pk, msg, 100, sig) == Q_OK, "verify"));
	floor_ = res;
	TIME("xcheck_ed25519_verify", N,
	     check(xcheck_ed25519_verify(pk, msg, 100, sig) == Q_OK, "x"));
	printf("%-46s %11.1fx\n", "  ratio to openssl", res / floor_);

	sig_secret_wipe(&sk);
	BN_free(wb), BN_free(cb), BN_free(vb), BN_free(kb), BN_free(order);
	BN_CTX_free(bc);
	EC_POINT_free(pp), EC_POINT_free(rr);
	EC_GROUP_free(g);
	return 0;
}

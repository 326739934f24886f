/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Sealing (crypto/seal.h): AES-256-GCM known answers, raw-key AEAD,
 * passphrase format, sealed files, sealing to a P-256 key, secbuf.
 * Every "must fail" case is here: flipped bytes, truncation, wrong key,
 * wrong passphrase, wrong aad, malformed points, unsafe files. */
#include <criterion/criterion.h>
#include <errno.h>
#include <gcrypt.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <pthread.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/seal.h"
#include "crypto/secbuf.h"
#include "crypto/util.h"
#include "testutil.h"

/* Cheapest accepted Argon2id parameters, for speed. */
static const kdf_params cheap = {1, 8, 1};

static char *tmp;

static void setup(void)
{
	tmp = test_tmpdir();
}

static void teardown(void)
{
	test_rmtree(tmp);
	free(tmp);
}

static char *path_in(const char *name)
{
	size_t n = strlen(tmp) + strlen(name) + 2;
	char *p = malloc(n);
	cr_assert_not_null(p);
	snprintf(p, n, "%s/%s", tmp, name);
	return p;
}

/* ---- AES-256-GCM known answers (McGrew & Viega, GCM spec, test cases
 * 13, 14 and 16; also NIST CAVP gcmEncryptExtIV256). ---- */
struct gcm_vec {
	const char *k, *iv, *p, *a, *c, *t;
};
static const struct gcm_vec gcm_vecs[] = {
    {"0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000",
     "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
    {"0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000",
     "00000000000000000000000000000000", "", "cea7403d4d606b6e074ec5d3baf39d18",
     "d0d1c8a799996bf0265b98b5d48ab919"},
    {"feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b"
     "5"
     "25b16aedf5aa0de657ba637b39",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828"
     "838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

Test(gcm, known_answers)
{
	for (size_t i = 0; i < sizeof gcm_vecs / sizeof gcm_vecs[0]; i++) {
		size_t kl, ivl, pl, al, cl, tl;
		uint8_t *k = test_unhex(gcm_vecs[i].k, &kl);
		uint8_t *iv = test_unhex(gcm_vecs[i].iv, &ivl);
		uint8_t *p = test_unhex(gcm_vecs[i].p, &pl);
		uint8_t *a = test_unhex(gcm_vecs[i].a, &al);
		uint8_t *c = test_unhex(gcm_vecs[i].c, &cl);
		uint8_t *t = test_unhex(gcm_vecs[i].t, &tl);
		uint8_t ct[64], tag[16], pt[64];
		cr_assert_eq(seal_gcm_encrypt(ct, tag, k, iv, a, al, p, pl), Q_OK);
		cr_assert(memcmp(ct, c, cl) == 0, "vector %zu: ciphertext", i);
		cr_assert(memcmp(tag, t, 16) == 0, "vector %zu: tag", i);
		cr_assert_eq(seal_gcm_decrypt(pt, k, iv, a, al, c, cl, t), Q_OK);
		cr_assert(memcmp(pt, p, pl) == 0);
		/* A flipped tag bit must fail and leave no plaintext. */
		t[15] ^= 0x80;
		memset(pt, 0x55, sizeof pt);
		cr_assert_eq(seal_gcm_decrypt(pt, k, iv, a, al, c, cl, t), Q_ERR_AUTH);
		for (size_t j = 0; j < cl; j++)
			cr_assert_eq(pt[j], 0);
		free(k), free(iv), free(p), free(a), free(c), free(t);
	}
}

/* ---- secbuf ---- */
Test(secbuf, new_free)
{
	secbuf *b = secbuf_new(100);
	cr_assert_not_null(b);
	cr_assert_eq(b->len, 100);
	for (size_t i = 0; i < 100; i++)
		cr_assert_eq(b->data[i], 0);
	cr_assert(gcry_is_secure(b->data), "secbuf not in libgcrypt secure memory");
	memset(b->data, 0xee, 100);
	secbuf_free(b);
	b = secbuf_new(0);
	cr_assert_not_null(b);
	cr_assert_not_null(b->data);
	secbuf_free(b);
	secbuf_free(NULL);
	/* Larger than the whole secure pool: must fail, not abort. */
	cr_assert_null(secbuf_new((size_t)16 * 1024 * 1024));
}

/* First use of libgcrypt from many threads at once (each Criterion case
 * is a fresh process, so this really is the first use): initialisation
 * must happen exactly once and every thread must then work. */
static void *first_use(void *arg)
{
	secbuf *b = secbuf_new(64);
	uint8_t out[32];
	static const kdf_params p = {1, 8, 1};
	uint8_t salt[16] = {0};
	if (b == NULL || !gcry_is_secure(b->data))
		return (void *)1;
	secbuf_free(b);
	if (kdf_argon2id(out, 32, "pw", 2, salt, 16, &p) != Q_OK)
		return (void *)1;
	return arg;
}

Test(secbuf, concurrent_first_use)
{
	pthread_t th[8];
	for (int i = 0; i < 8; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, first_use, NULL), 0);
	for (int i = 0; i < 8; i++) {
		void *r;
		cr_assert_eq(pthread_join(th[i], &r), 0);
		cr_assert_null(r, "thread %d failed", i);
	}
	cr_assert(gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P));
}

/* ---- raw-key AEAD ---- */
Test(aead, round_trip_and_every_flip_rejected)
{
	uint8_t key[32], sealed[SEAL_AEAD_LEN(37)];
	const char *aad = "context";
	uint8_t msg[37];
	secbuf *out = NULL;
	cr_assert_eq(rand_bytes(key, 32), Q_OK);
	cr_assert_eq(rand_bytes(msg, sizeof msg), Q_OK);
	cr_assert_eq(seal_aead(sealed, sizeof sealed, key, aad, 7, msg, sizeof msg), Q_OK);
	cr_assert_eq(open_aead(&out, key, aad, 7, sealed, sizeof sealed), Q_OK);
	cr_assert_eq(out->len, sizeof msg);
	cr_assert(memcmp(out->data, msg, sizeof msg) == 0);
	secbuf_free(out);
	for (size_t i = 0; i < sizeof sealed; i++) {
		for (int bit = 0; bit < 8; bit += 7) {
			sealed[i] ^= (uint8_t)(1u << bit);
			out = (secbuf *)1;
			cr_assert_eq(open_aead(&out, key, aad, 7, sealed, sizeof sealed),
			             Q_ERR_AUTH, "flip at %zu", i);
			cr_assert_null(out);
			sealed[i] ^= (uint8_t)(1u << bit);
		}
	}
	/* wrong aad, wrong key, truncations */
	cr_assert_eq(open_aead(&out, key, "contexT", 7, sealed, sizeof sealed), Q_ERR_AUTH);
	cr_assert_eq(open_aead(&out, key, NULL, 0, sealed, sizeof sealed), Q_ERR_AUTH);
	key[0] ^= 1;
	cr_assert_eq(open_aead(&out, key, aad, 7, sealed, sizeof sealed), Q_ERR_AUTH);
	key[0] ^= 1;
	for (size_t n = 0; n < sizeof sealed; n++) {
		/* Shorter than nonce + tag: no format at all; else the tag fails. */
		qerr want = n < SEAL_AEAD_LEN(0) ? Q_ERR_FORMAT : Q_ERR_AUTH;
		cr_assert_eq(open_aead(&out, key, aad, 7, sealed, n), want, "truncated to %zu", n);
		cr_assert_null(out);
	}
	/* Two seals of the same message differ (fresh nonce). */
	uint8_t again[sizeof sealed];
	cr_assert_eq(seal_aead(again, sizeof again, key, aad, 7, msg, sizeof msg), Q_OK);
	cr_assert(memcmp(again, sealed, sizeof sealed) != 0);
	/* Output buffer too small. */
	cr_assert_eq(seal_aead(again, sizeof again - 1, key, aad, 7, msg, sizeof msg), Q_ERR_ARG);
}

Test(aead, empty_plaintext)
{
	uint8_t key[32] = {1}, sealed[SEAL_AEAD_LEN(0)];
	secbuf *out = NULL;
	cr_assert_eq(seal_aead(sealed, sizeof sealed, key, NULL, 0, NULL, 0), Q_OK);
	cr_assert_eq(open_aead(&out, key, NULL, 0, sealed, sizeof sealed), Q_OK);
	cr_assert_eq(out->len, 0);
	secbuf_free(out);
	sealed[20] ^= 4;
	cr_assert_eq(open_aead(&out, key, NULL, 0, sealed, sizeof sealed), Q_ERR_AUTH);
}

/* ---- passphrase sealing in memory ---- */

static const char secret_msg[] = "trustee share: 0123456789abcdef0123456789abcdef";
#define MSGLEN (sizeof secret_msg - 1)

Test(pass, round_trip_and_layout)
{
	uint8_t sealed[SEAL_PASS_LEN(MSGLEN)];
	secbuf *out = NULL;
	const char *why = NULL;
	cr_assert_eq(
	    seal_with_passphrase(sealed, sizeof sealed, "hunter2", 7, &cheap, secret_msg, MSGLEN),
	    Q_OK);
	/* S-4.1 layout */
	cr_assert(memcmp(sealed, "QSEAL1\0\0", 8) == 0);
	const uint8_t params[12] = {0, 0, 0, 1, 0, 0, 0, 8, 0, 0, 0, 1};
	cr_assert(memcmp(sealed + 8, params, 12) == 0);
	cr_assert_eq(open_with_passphrase(&out, "hunter2", 7, sealed, sizeof sealed, &why), Q_OK);
	cr_assert_str_eq(why, "ok");
	cr_assert_eq(out->len, MSGLEN);
	cr_assert(memcmp(out->data, secret_msg, MSGLEN) == 0);
	secbuf_free(out);

	/* Spec conformance (S-4.2/S-4.3), recomputed by hand: key =
	 * Argon2id(pass, salt, t, m, p), GCM(nonce, aad = header). */
	uint8_t key[32];
	uint8_t pt[MSGLEN];
	cr_assert_eq(kdf_argon2id(key, 32, "hunter2", 7, sealed + 20, 16, &cheap), Q_OK);
	cr_assert_eq(seal_gcm_decrypt(pt, key, sealed + 36, sealed, 48, sealed + 48, MSGLEN,
	                              sealed + 48 + MSGLEN),
	             Q_OK);
	cr_assert(memcmp(pt, secret_msg, MSGLEN) == 0);
}

Test(pass, wrong_passphrase)
{
	uint8_t sealed[SEAL_PASS_LEN(MSGLEN)];
	secbuf *out = NULL;
	cr_assert_eq(
	    seal_with_passphrase(sealed, sizeof sealed, "hunter2", 7, &cheap, secret_msg, MSGLEN),
	    Q_OK);
	cr_assert_eq(open_with_passphrase(&out, "hunter3", 7, sealed, sizeof sealed, NULL),
	             Q_ERR_AUTH);
	cr_assert_null(out);
	cr_assert_eq(open_with_passphrase(&out, "hunter2", 6, sealed, sizeof sealed, NULL),
	             Q_ERR_AUTH);
	/* an empty passphrase is refused outright */
	cr_assert_eq(open_with_passphrase(&out, "", 0, sealed, sizeof sealed, NULL), Q_ERR_ARG);
	cr_assert_null(out);
	cr_assert_eq(seal_with_passphrase(sealed, sizeof sealed, "", 0, &cheap, "x", 1), Q_ERR_ARG);
}

/* Are the header's KDF parameters inside the bounds of S-2.2 (kdf.h,
 * KDF_*), worked out here rather than by asking kdf_params_check? */
static int params_in_range(const uint8_t *hdr)
{
	uint32_t v[3];
	for (int i = 0; i < 3; i++)
		v[i] = (uint32_t)hdr[8 + 4 * i] << 24 | (uint32_t)hdr[9 + 4 * i] << 16 |
		       (uint32_t)hdr[10 + 4 * i] << 8 | hdr[11 + 4 * i];
	uint32_t t = v[0], m = v[1], p = v[2];
	return t >= KDF_T_MIN && t <= KDF_T_MAX && p >= KDF_P_MIN && p <= KDF_P_MAX && m >= 8 * p &&
	       m <= KDF_M_MAX_KIB;
}

/* Flip each byte (two patterns); the magic or out-of-range KDF params
 * give Q_ERR_FORMAT, everything else (in-range params included) must be
 * Q_ERR_AUTH. */
static void check_all_flips(const uint8_t *sealed, size_t len, const char *pass)
{
	uint8_t *c = malloc(len);
	const uint8_t pats[2] = {0x01, 0xff};
	cr_assert_not_null(c);
	for (size_t i = 0; i < len; i++) {
		for (int k = 0; k < 2; k++) {
			secbuf *out = (secbuf *)1;
			memcpy(c, sealed, len);
			c[i] ^= pats[k];
			qerr rc = open_with_passphrase(&out, pass, strlen(pass), c, len, NULL);
			cr_assert_null(out);
			if (i < 8)
				cr_assert_eq(rc, Q_ERR_FORMAT, "flip in magic at %zu", i);
			else if (i < 20)
				cr_assert_eq(rc, params_in_range(c) ? Q_ERR_AUTH : Q_ERR_FORMAT,
				             "flip in params at %zu pattern %02x", i, pats[k]);
			else
				cr_assert_eq(rc, Q_ERR_AUTH, "flip at %zu pattern %02x", i,
				             pats[k]);
		}
	}
	free(c);
}

Test(pass, every_flipped_byte_rejected)
{
	uint8_t sealed[SEAL_PASS_LEN(MSGLEN)];
	cr_assert_eq(
	    seal_with_passphrase(sealed, sizeof sealed, "pw", 2, &cheap, secret_msg, MSGLEN), Q_OK);
	check_all_flips(sealed, sizeof sealed, "pw");
}

Test(pass, truncation_rejected)
{
	uint8_t sealed[SEAL_PASS_LEN(MSGLEN)];
	secbuf *out = NULL;
	cr_assert_eq(
	    seal_with_passphrase(sealed, sizeof sealed, "pw", 2, &cheap, secret_msg, MSGLEN), Q_OK);
	for (size_t n = 0; n < sizeof sealed; n++) {
		qerr rc = open_with_passphrase(&out, "pw", 2, sealed, n, NULL);
		if (n < SEAL_PASS_LEN(0))
			cr_assert_eq(rc, Q_ERR_FORMAT, "truncated to %zu", n);
		else
			cr_assert_eq(rc, Q_ERR_AUTH, "truncated to %zu", n);
		cr_assert_null(out);
	}
	/* Appended garbage is also rejected. */
	uint8_t longer[sizeof sealed + 1];
	memcpy(longer, sealed, sizeof sealed);
	longer[sizeof sealed] = 0;
	cr_assert_eq(open_with_passphrase(&out, "pw", 2, longer, sizeof longer, NULL), Q_ERR_AUTH);
}

Test(pass, hostile_params_refused_before_kdf)
{
	uint8_t sealed[SEAL_PASS_LEN(4)];
	secbuf *out = NULL;
	const char *why = NULL;
	cr_assert_eq(seal_with_passphrase(sealed, sizeof sealed, "pw", 2, &cheap, "abcd", 4), Q_OK);
	/* m = 0xffffffff KiB would be 4 TiB of memory. */
	memset(sealed + 12, 0xff, 4);
	cr_assert_eq(open_with_passphrase(&out, "pw", 2, sealed, sizeof sealed, &why),
	             Q_ERR_FORMAT);
	cr_assert(strstr(why, "KDF") != NULL);
	/* Sealing with out-of-range params is refused too. */
	const kdf_params bad = {0, 8, 1};
	cr_assert_eq(seal_with_passphrase(sealed, sizeof sealed, "pw", 2, &bad, "abcd", 4),
	             Q_ERR_RANGE);
}

/* ---- sealed files ---- */

Test(file, round_trip_mode_0600, .init = setup, .fini = teardown)
{
	char *p = path_in("share.sealed");
	secbuf *out = NULL;
	struct stat st;
	const char *why = NULL;
	cr_assert_eq(seal_file_write(p, "pw", 2, &cheap, secret_msg, MSGLEN, &why), Q_OK, "%s",
	             why);
	cr_assert_eq(lstat(p, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0600, "mode %o", st.st_mode & 07777);
	cr_assert_eq((size_t)st.st_size, SEAL_PASS_LEN(MSGLEN));
	cr_assert_eq(seal_file_read(&out, p, "pw", 2, &why), Q_OK, "%s", why);
	cr_assert_eq(out->len, MSGLEN);
	cr_assert(memcmp(out->data, secret_msg, MSGLEN) == 0);
	secbuf_free(out);
	cr_assert_eq(seal_file_read(&out, p, "px", 2, &why), Q_ERR_AUTH);
	cr_assert_null(out);
	free(p);
}

Test(file, umask_does_not_widen_mode, .init = setup, .fini = teardown)
{
	char *p = path_in("s");
	struct stat st;
	mode_t old = umask(0);
	cr_assert_eq(seal_file_write(p, "pw", 2, &cheap, "x", 1, NULL), Q_OK);
	umask(old);
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	free(p);
}

Test(file, exclusive_create, .init = setup, .fini = teardown)
{
	char *p = path_in("share.sealed");
	secbuf *out = NULL;
	cr_assert_eq(seal_file_write(p, "pw", 2, &cheap, "first", 5, NULL), Q_OK);
	cr_assert_eq(seal_file_write(p, "pw", 2, &cheap, "second", 6, NULL), Q_ERR_EXISTS);
	/* the original is intact */
	cr_assert_eq(seal_file_read(&out, p, "pw", 2, NULL), Q_OK);
	cr_assert_eq(out->len, 5);
	cr_assert(memcmp(out->data, "first", 5) == 0);
	secbuf_free(out);
	free(p);
}

Test(file, symlinks_refused, .init = setup, .fini = teardown)
{
	char *target = path_in("target");
	char *link = path_in("link");
	char *dangling = path_in("dangling");
	char *nowhere = path_in("nowhere");
	secbuf *out = NULL;
	struct stat st;
	cr_assert_eq(seal_file_write(target, "pw", 2, &cheap, "abc", 3, NULL), Q_OK);
	cr_assert_eq(symlink(target, link), 0);
	cr_assert_eq(seal_file_read(&out, link, "pw", 2, NULL), Q_ERR_DENIED);
	cr_assert_null(out);
	/* writing through a symlink (existing or dangling target) is refused */
	cr_assert_eq(seal_file_write(link, "pw", 2, &cheap, "abc", 3, NULL), Q_ERR_EXISTS);
	cr_assert_eq(symlink(nowhere, dangling), 0);
	cr_assert_eq(seal_file_write(dangling, "pw", 2, &cheap, "abc", 3, NULL), Q_ERR_EXISTS);
	cr_assert_eq(lstat(nowhere, &st), -1, "a file was created through a dangling symlink");
	free(target), free(link), free(dangling), free(nowhere);
}

Test(file, loose_permissions_refused, .init = setup, .fini = teardown)
{
	char *p = path_in("s");
	secbuf *out = NULL;
	const char *why = NULL;
	cr_assert_eq(seal_file_write(p, "pw", 2, &cheap, "abc", 3, NULL), Q_OK);
	const mode_t bad[] = {0640, 0604, 0660, 0644, 0601, 0610};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(chmod(p, bad[i]), 0);
		cr_assert_eq(seal_file_read(&out, p, "pw", 2, &why), Q_ERR_DENIED, "mode %o",
		             bad[i]);
		cr_assert(strstr(why, "group") != NULL);
		cr_assert_null(out);
	}
	cr_assert_eq(chmod(p, 0400), 0);
	cr_assert_eq(seal_file_read(&out, p, "pw", 2, NULL), Q_OK);
	secbuf_free(out);
	free(p);
}

Test(file, missing_dir_and_other_errors, .init = setup, .fini = teardown)
{
	char *p = path_in("absent");
	char *d = path_in("adir");
	char *deep = path_in("nodir/file");
	secbuf *out = NULL;
	cr_assert_eq(seal_file_read(&out, p, "pw", 2, NULL), Q_ERR_NOTFOUND);
	cr_assert_eq(mkdir(d, 0700), 0);
	cr_assert_eq(seal_file_read(&out, d, "pw", 2, NULL), Q_ERR_FORMAT);
	cr_assert_eq(seal_file_write(d, "pw", 2, &cheap, "a", 1, NULL), Q_ERR_EXISTS);
	cr_assert_eq(seal_file_write(deep, "pw", 2, &cheap, "a", 1, NULL), Q_ERR_IO);
	/* a file that is not a sealed secret */
	cr_assert_eq(
	    test_write_file(p, "hello, world, this is not sealed at all, no no no no no", 56), 0);
	cr_assert_eq(chmod(p, 0600), 0);
	cr_assert_eq(seal_file_read(&out, p, "pw", 2, NULL), Q_ERR_FORMAT);
	free(p), free(d), free(deep);
}

Test(file, every_flipped_byte_and_truncation_rejected, .init = setup, .fini = teardown)
{
	char *p = path_in("s");
	char *q = path_in("t");
	size_t len;
	secbuf *out = NULL;
	cr_assert_eq(seal_file_write(p, "pw", 2, &cheap, secret_msg, MSGLEN, NULL), Q_OK);
	char *bytes = test_read_file(p, &len);
	cr_assert_eq(len, SEAL_PASS_LEN(MSGLEN));
	/* every position, through the file path */
	for (size_t i = 0; i < len; i++) {
		bytes[i] ^= 0x10;
		unlink(q);
		cr_assert_eq(test_write_file(q, bytes, len), 0);
		cr_assert_eq(chmod(q, 0600), 0);
		qerr rc = seal_file_read(&out, q, "pw", 2, NULL);
		qerr want = i < 8 || (i < 20 && !params_in_range((const uint8_t *)bytes))
		                ? Q_ERR_FORMAT
		                : Q_ERR_AUTH;
		cr_assert_eq(rc, want, "flip at %zu", i);
		cr_assert_null(out);
		bytes[i] ^= 0x10;
	}
	const size_t cuts[] = {0, 1, 8, 20, 47, 48, 63, 64, 65, len - 16, len - 1};
	for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		unlink(q);
		cr_assert_eq(test_write_file(q, bytes, cuts[i]), 0);
		cr_assert_eq(chmod(q, 0600), 0);
		qerr rc = seal_file_read(&out, q, "pw", 2, NULL);
		cr_assert_eq(rc, cuts[i] < SEAL_PASS_LEN(0) ? Q_ERR_FORMAT : Q_ERR_AUTH,
		             "cut at %zu", cuts[i]);
		cr_assert_null(out);
	}
	free(bytes), free(p), free(q);
}

/* ---- sealing to a P-256 public key ---- */

Test(pk, keygen_and_public)
{
	uint8_t s[32], P[65], P2[65];
	cr_assert_eq(seal_p256_keygen(s, P), Q_OK);
	cr_assert_eq(P[0], 0x04);
	cr_assert_eq(seal_p256_point_check(P, 65), Q_OK);
	cr_assert_eq(seal_p256_public(P2, s), Q_OK);
	cr_assert(memcmp(P, P2, 65) == 0);
	uint8_t zero[32] = {0};
	cr_assert_eq(seal_p256_public(P2, zero), Q_ERR_SCALAR);
	size_t n;
	uint8_t *ord =
	    test_unhex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", &n);
	cr_assert_eq(seal_p256_public(P2, ord), Q_ERR_SCALAR);
	ord[31] -= 1; /* n - 1 is valid: (n-1)G = -G */
	cr_assert_eq(seal_p256_public(P2, ord), Q_OK);
	free(ord);
	/* 1*G is the standard generator. */
	uint8_t one[32] = {0};
	one[31] = 1;
	cr_assert_eq(seal_p256_public(P2, one), Q_OK);
	uint8_t *g = test_unhex("046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
	                        "4fe342e2fe1a7f9b8ee7eb4a7c0f9"
	                        "e162bce33576b315ececbb6406837bf51f5",
	                        &n);
	cr_assert(memcmp(P2, g, 65) == 0);
	free(g);
}

static void hkdf_by_hand(uint8_t key[32], const uint8_t z[32], const uint8_t E[65],
                         const uint8_t R[65])
{
	uint8_t salt[32] = {0}, prk[32], info[19 + 130 + 1];
	unsigned int l = 32;
	cr_assert_not_null(HMAC(EVP_sha256(), salt, 32, z, 32, prk, &l));
	memcpy(info, "QUORUM-SEAL-P256-v1", 19);
	memcpy(info + 19, E, 65);
	memcpy(info + 84, R, 65);
	info[149] = 1;
	cr_assert_not_null(HMAC(EVP_sha256(), prk, 32, info, sizeof info, key, &l));
}

Test(pk, round_trip_and_spec_conformance)
{
	uint8_t s[32], R[65];
	uint8_t sealed[SEAL_PK_LEN(MSGLEN)];
	secbuf *out = NULL;
	cr_assert_eq(seal_p256_keygen(s, R), Q_OK);
	cr_assert_eq(seal_to_pubkey(sealed, sizeof sealed, R, "aad", 3, secret_msg, MSGLEN), Q_OK);
	cr_assert_eq(open_with_scalar(&out, s, "aad", 3, sealed, sizeof sealed), Q_OK);
	cr_assert_eq(out->len, MSGLEN);
	cr_assert(memcmp(out->data, secret_msg, MSGLEN) == 0);
	secbuf_free(out);

	/* S-6: recompute the key independently: Z = x(s*E) with EC_POINT_mul,
	 * HKDF-SHA256 by hand from HMAC (RFC 5869, salt = 32 zero bytes). */
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	EC_POINT *E = EC_POINT_new(g), *Z = EC_POINT_new(g);
	BIGNUM *k = BN_bin2bn(s, 32, NULL), *zx = BN_new();
	cr_assert_eq(EC_POINT_oct2point(g, E, sealed, 65, NULL), 1);
	cr_assert_eq(EC_POINT_mul(g, Z, NULL, E, k, NULL), 1);
	cr_assert_eq(EC_POINT_get_affine_coordinates(g, Z, zx, NULL, NULL), 1);
	uint8_t z[32], key[32], pt[MSGLEN];
	cr_assert_eq(BN_bn2binpad(zx, z, 32), 32);
	hkdf_by_hand(key, z, sealed, R);
	cr_assert_eq(seal_gcm_decrypt(pt, key, sealed + 65, "aad", 3, sealed + 77, MSGLEN,
	                              sealed + 77 + MSGLEN),
	             Q_OK);
	cr_assert(memcmp(pt, secret_msg, MSGLEN) == 0);
	BN_free(k), BN_free(zx), EC_POINT_free(E), EC_POINT_free(Z), EC_GROUP_free(g);
}

Test(pk, wrong_scalar_aad_and_flips_rejected)
{
	uint8_t s[32], R[65], s2[32], R2[65];
	uint8_t sealed[SEAL_PK_LEN(MSGLEN)];
	secbuf *out = NULL;
	cr_assert_eq(seal_p256_keygen(s, R), Q_OK);
	cr_assert_eq(seal_p256_keygen(s2, R2), Q_OK);
	cr_assert_eq(seal_to_pubkey(sealed, sizeof sealed, R, "aad", 3, secret_msg, MSGLEN), Q_OK);
	cr_assert_eq(open_with_scalar(&out, s2, "aad", 3, sealed, sizeof sealed), Q_ERR_AUTH);
	cr_assert_null(out);
	cr_assert_eq(open_with_scalar(&out, s, "aaD", 3, sealed, sizeof sealed), Q_ERR_AUTH);
	cr_assert_eq(open_with_scalar(&out, s, "aad", 2, sealed, sizeof sealed), Q_ERR_AUTH);
	cr_assert_eq(open_with_scalar(&out, s, NULL, 0, sealed, sizeof sealed), Q_ERR_AUTH);
	for (size_t i = 0; i < sizeof sealed; i++) {
		sealed[i] ^= 0x01;
		out = (secbuf *)1;
		qerr rc = open_with_scalar(&out, s, "aad", 3, sealed, sizeof sealed);
		/* A flipped bit of E leaves the curve (or the 0x04 form): a point
		 * with x or y one bit off is on P-256 with negligible chance. */
		if (i < 65)
			cr_assert_eq(rc, Q_ERR_POINT, "flip at %zu", i);
		else
			cr_assert_eq(rc, Q_ERR_AUTH, "flip at %zu", i);
		cr_assert_null(out);
		sealed[i] ^= 0x01;
	}
	for (size_t n = 0; n < sizeof sealed; n += 7) {
		/* E is checked only once the length allows a whole seal. */
		qerr rc = open_with_scalar(&out, s, "aad", 3, sealed, n);
		cr_assert_eq(rc, n < SEAL_PK_LEN(0) ? Q_ERR_FORMAT : Q_ERR_AUTH, "cut %zu", n);
		cr_assert_null(out);
	}
	/* invalid scalars */
	uint8_t zero[32] = {0}, ff[32];
	memset(ff, 0xff, 32);
	cr_assert_eq(open_with_scalar(&out, zero, "aad", 3, sealed, sizeof sealed), Q_ERR_SCALAR);
	cr_assert_eq(open_with_scalar(&out, ff, "aad", 3, sealed, sizeof sealed), Q_ERR_SCALAR);
}

Test(pk, malformed_points_rejected)
{
	uint8_t s[32], R[65], bad[65];
	uint8_t sealed[SEAL_PK_LEN(4)], out4[SEAL_PK_LEN(4)];
	secbuf *out = NULL;
	size_t n;
	cr_assert_eq(seal_p256_keygen(s, R), Q_OK);
	cr_assert_eq(seal_to_pubkey(sealed, sizeof sealed, R, NULL, 0, "abcd", 4), Q_OK);
	uint8_t *p =
	    test_unhex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff", &n);
	for (int c = 0; c < 8; c++) {
		memcpy(bad, sealed, 65);
		switch (c) {
		case 0:
			bad[0] = 0x02;
			break; /* compressed prefix */
		case 1:
			bad[0] = 0x06;
			break; /* hybrid prefix */
		case 2:
			bad[0] = 0x00;
			break; /* infinity prefix */
		case 3:
			bad[64] ^= 1;
			break; /* off the curve */
		case 4:
			memcpy(bad + 1, p, 32);
			break; /* X = p */
		case 5:
			memcpy(bad + 33, p, 32);
			break; /* Y = p */
		case 6:
			memset(bad + 1, 0, 64);
			break; /* (0, 0) */
		case 7:
			memset(bad + 1, 0xff, 64);
			break;
		}
		cr_assert_eq(seal_p256_point_check(bad, 65), Q_ERR_POINT, "case %d", c);
		memcpy(sealed, bad, 65);
		cr_assert_eq(open_with_scalar(&out, s, NULL, 0, sealed, sizeof sealed), Q_ERR_POINT,
		             "case %d", c);
		cr_assert_null(out);
		cr_assert_eq(seal_to_pubkey(out4, sizeof out4, bad, NULL, 0, "abcd", 4),
		             Q_ERR_POINT, "case %d", c);
	}
	cr_assert_eq(seal_p256_point_check(R, 64), Q_ERR_POINT);
	cr_assert_eq(seal_p256_point_check(R, 66), Q_ERR_POINT);
	cr_assert_eq(seal_p256_point_check(NULL, 65), Q_ERR_POINT);
	free(p);
}

/* ---- size limits and the failure contract on the output buffer ---- */

static int all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static int all_byte(const uint8_t *p, size_t n, uint8_t b)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != b)
			return 0;
	return 1;
}

/* Plaintexts or AAD over SEAL_MAX_PLAINTEXT are Q_ERR_LIMIT before any byte
 * is read (the lengths are the point: the pointers are small buffers). */
Test(limits, over_max_plaintext_is_limit)
{
	const size_t big = (size_t)SEAL_MAX_PLAINTEXT + 1;
	uint8_t key[32] = {1}, nonce[12] = {2}, tag[16], pt[64] = {3}, ct[64];
	cr_assert_eq(seal_gcm_encrypt(ct, tag, key, nonce, NULL, 0, pt, big), Q_ERR_LIMIT);
	cr_assert_eq(seal_gcm_encrypt(ct, tag, key, nonce, pt, big, pt, 4), Q_ERR_LIMIT);
	cr_assert_eq(seal_gcm_decrypt(pt, key, nonce, NULL, 0, ct, big, tag), Q_ERR_LIMIT);
	cr_assert_eq(seal_gcm_decrypt(pt, key, nonce, ct, big, ct, 4, tag), Q_ERR_LIMIT);
	/* Exactly the maximum is not refused for its size (here it fails for
	 * the missing pointer instead, before reading). */
	cr_assert_eq(seal_gcm_encrypt(NULL, tag, key, nonce, NULL, 0, pt, big - 1), Q_ERR_ARG);

	/* The sealing calls: Q_ERR_LIMIT, and the output wiped (seal.h). */
	uint8_t out[128], s[32], R[65];
	memset(out, 0xa5, sizeof out);
	cr_assert_eq(seal_aead(out, sizeof out, key, NULL, 0, pt, big), Q_ERR_LIMIT);
	cr_assert(all_zero(out, sizeof out), "seal_aead left bytes in out");
	memset(out, 0xa5, sizeof out);
	cr_assert_eq(seal_with_passphrase(out, sizeof out, "pw", 2, &cheap, pt, big), Q_ERR_LIMIT);
	cr_assert(all_zero(out, sizeof out), "seal_with_passphrase left bytes in out");
	cr_assert_eq(seal_p256_keygen(s, R), Q_OK);
	memset(out, 0xa5, sizeof out);
	cr_assert_eq(seal_to_pubkey(out, sizeof out, R, NULL, 0, pt, big), Q_ERR_LIMIT);
	cr_assert(all_zero(out, sizeof out), "seal_to_pubkey left bytes in out");
	wipe(s, sizeof s);
}

Test(limits, sealed_file_size_limits, .init = setup, .fini = teardown)
{
	char *p = path_in("big");
	const char *why = NULL;
	secbuf *out = (secbuf *)1;
	/* Writing: the whole file may be at most SEAL_FILE_MAX_LEN bytes. */
	size_t most = SEAL_FILE_MAX_LEN - SEAL_PASS_LEN(0);
	uint8_t *pt = calloc(1, most + 1);
	cr_assert_not_null(pt);
	cr_assert_eq(seal_file_write(p, "pw", 2, &cheap, pt, most + 1, &why), Q_ERR_LIMIT);
	cr_assert(strstr(why, "too large") != NULL, "%s", why);
	struct stat st;
	cr_assert_neq(lstat(p, &st), 0, "nothing is created");
	cr_assert_eq(seal_file_write(p, "pw", 2, &cheap, pt, most, &why), Q_OK, "%s", why);
	cr_assert_eq(lstat(p, &st), 0);
	cr_assert_eq((size_t)st.st_size, (size_t)SEAL_FILE_MAX_LEN);
	cr_assert_eq(seal_file_read(&out, p, "pw", 2, &why), Q_OK, "%s", why);
	cr_assert_eq(out->len, most);
	secbuf_free(out);
	free(pt);
	/* Reading: one byte more than the limit is refused before it is read. */
	cr_assert_eq(truncate(p, (off_t)SEAL_FILE_MAX_LEN + 1), 0);
	out = (secbuf *)1;
	cr_assert_eq(seal_file_read(&out, p, "pw", 2, &why), Q_ERR_LIMIT);
	cr_assert_null(out);
	cr_assert(strstr(why, "too large") != NULL, "%s", why);
	free(p);
}

/* An output buffer one byte too small: Q_ERR_ARG and every byte of it
 * zeroed (it may be a reused buffer holding an older sealed secret). */
Test(limits, too_small_output_is_wiped)
{
	uint8_t key[32] = {1}, s[32], R[65], buf[SEAL_PK_LEN(MSGLEN) + 8];
	cr_assert_eq(seal_p256_keygen(s, R), Q_OK);
	memset(buf, 0xa5, sizeof buf);
	cr_assert_eq(seal_aead(buf, SEAL_AEAD_LEN(MSGLEN) - 1, key, NULL, 0, secret_msg, MSGLEN),
	             Q_ERR_ARG);
	cr_assert(all_zero(buf, SEAL_AEAD_LEN(MSGLEN) - 1));
	cr_assert(
	    all_byte(buf + SEAL_AEAD_LEN(MSGLEN) - 1, sizeof buf - SEAL_AEAD_LEN(MSGLEN) + 1, 0xa5),
	    "nothing past outlen is touched");
	memset(buf, 0xa5, sizeof buf);
	cr_assert_eq(seal_with_passphrase(buf, SEAL_PASS_LEN(MSGLEN) - 1, "pw", 2, &cheap,
	                                  secret_msg, MSGLEN),
	             Q_ERR_ARG);
	cr_assert(all_zero(buf, SEAL_PASS_LEN(MSGLEN) - 1), "seal_with_passphrase");
	cr_assert(all_byte(buf + SEAL_PASS_LEN(MSGLEN) - 1, sizeof buf - SEAL_PASS_LEN(MSGLEN) + 1,
	                   0xa5));
	memset(buf, 0xa5, sizeof buf);
	cr_assert_eq(seal_to_pubkey(buf, SEAL_PK_LEN(MSGLEN) - 1, R, NULL, 0, secret_msg, MSGLEN),
	             Q_ERR_ARG);
	cr_assert(all_zero(buf, SEAL_PK_LEN(MSGLEN) - 1), "seal_to_pubkey");
	cr_assert(
	    all_byte(buf + SEAL_PK_LEN(MSGLEN) - 1, sizeof buf - SEAL_PK_LEN(MSGLEN) + 1, 0xa5));
	/* outlen 0 with a valid pointer: nothing to wipe, still refused. */
	cr_assert_eq(seal_aead(buf, 0, key, NULL, 0, secret_msg, MSGLEN), Q_ERR_ARG);
	wipe(s, sizeof s);
}

/* A failure after the header was written (bad KDF parameters, a bad
 * recipient point): the first SEAL_*_LEN(ptlen) bytes are zeroed, and
 * nothing beyond them is touched. */
Test(limits, later_failures_wipe_the_output)
{
	uint8_t buf[SEAL_PK_LEN(MSGLEN) + 8], bad[65];
	const kdf_params hostile = {1, 8, 0};
	memset(buf, 0xa5, sizeof buf);
	cr_assert_eq(seal_with_passphrase(buf, sizeof buf, "pw", 2, &hostile, secret_msg, MSGLEN),
	             Q_ERR_RANGE);
	cr_assert(all_zero(buf, SEAL_PASS_LEN(MSGLEN)));
	cr_assert(all_byte(buf + SEAL_PASS_LEN(MSGLEN), sizeof buf - SEAL_PASS_LEN(MSGLEN), 0xa5));
	memset(bad, 0, sizeof bad);
	bad[0] = 0x04;
	memset(buf, 0xa5, sizeof buf);
	cr_assert_eq(seal_to_pubkey(buf, sizeof buf, bad, NULL, 0, secret_msg, MSGLEN),
	             Q_ERR_POINT);
	cr_assert(all_zero(buf, SEAL_PK_LEN(MSGLEN)));
	cr_assert(all_byte(buf + SEAL_PK_LEN(MSGLEN), sizeof buf - SEAL_PK_LEN(MSGLEN), 0xa5));
}

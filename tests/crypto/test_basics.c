/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Known answers and rejections for sha256, sig (Ed25519), hex and base64. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sha256.h"
#include "crypto/sig.h"
#include "crypto/util.h"
#include "testutil.h"

static void check_sha(const char *msg, const char *hexdigest)
{
	uint8_t d[32];
	char hex[65];
	sha256(d, msg, strlen(msg));
	hex_encode(hex, d, 32);
	cr_assert_str_eq(hex, hexdigest, "sha256(\"%s\")", msg);
}

Test(sha256, fips180_vectors)
{
	check_sha("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_sha("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

Test(sha256, incremental_matches_oneshot)
{
	uint8_t a[32], b[32];
	const char *m = "the quick brown fox jumps over the lazy dog";
	sha256_ctx *c = sha256_new();
	cr_assert_not_null(c);
	for (size_t i = 0; i < strlen(m); i++)
		sha256_update(c, m + i, 1);
	sha256_final(c, a);
	sha256(b, m, strlen(m));
	cr_assert(memcmp(a, b, 32) == 0);
	sha256_reset(c);
	sha256_update(c, "x", 1);
	sha256_final(c, a);
	cr_assert(memcmp(a, b, 32) != 0);
	sha256_free(c);
	sha256_free(NULL);
}

struct ed_vec {
	const char *sk, *pk, *msg, *sig;
};

/* RFC 8032 section 7.1, tests 1, 2 and 3. */
static const struct ed_vec ed_vecs[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b"
     "46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11"
     "d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc"
     "6594a7c15e9716ed28dc027beceea1ec40a"},
};

Test(sig, rfc8032_vectors)
{
	for (size_t i = 0; i < sizeof ed_vecs / sizeof ed_vecs[0]; i++) {
		size_t n;
		sig_secret sk;
		uint8_t pk[32], sig[64];
		uint8_t *b = test_unhex(ed_vecs[i].sk, &n);
		memcpy(sk.seed, b, 32);
		free(b);
		uint8_t *epk = test_unhex(ed_vecs[i].pk, &n);
		size_t mlen;
		uint8_t *msg = test_unhex(ed_vecs[i].msg, &mlen);
		uint8_t *esig = test_unhex(ed_vecs[i].sig, &n);
		cr_assert_eq(sig_public(&sk, pk), Q_OK);
		cr_assert(memcmp(pk, epk, 32) == 0, "vector %zu public key", i);
		cr_assert_eq(sig_sign(sig, &sk, msg, mlen), Q_OK);
		cr_assert(memcmp(sig, esig, 64) == 0, "vector %zu signature", i);
		cr_assert_eq(sig_verify(pk, msg, mlen, sig), Q_OK);
		/* every single-bit flip of the signature is rejected */
		for (int bit = 0; bit < 512; bit++) {
			sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			cr_assert_eq(sig_verify(pk, msg, mlen, sig), Q_ERR_SIGNATURE, "bit %d",
			             bit);
			sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		sig_secret_wipe(&sk);
		free(epk);
		free(msg);
		free(esig);
	}
}

Test(sig, wrong_key_and_message_rejected)
{
	sig_secret a, b;
	uint8_t pa[32], pb[32], s[64];
	cr_assert_eq(sig_keygen(&a, pa), Q_OK);
	cr_assert_eq(sig_keygen(&b, pb), Q_OK);
	cr_assert_eq(sig_sign(s, &a, "hello", 5), Q_OK);
	cr_assert_eq(sig_verify(pa, "hello", 5, s), Q_OK);
	cr_assert_eq(sig_verify(pb, "hello", 5, s), Q_ERR_SIGNATURE);
	cr_assert_eq(sig_verify(pa, "hellp", 5, s), Q_ERR_SIGNATURE);
	cr_assert_eq(sig_verify(pa, "hell", 4, s), Q_ERR_SIGNATURE);
	sig_secret_wipe(&a);
	uint8_t zero[32] = {0};
	cr_assert(memcmp(a.seed, zero, 32) == 0, "wipe clears the seed");
	sig_secret_wipe(&b);
}

Test(encoding, hex_roundtrip_and_rejects)
{
	uint8_t in[5] = {0x00, 0x01, 0xab, 0xcd, 0xff}, out[5];
	char hex[11];
	hex_encode(hex, in, 5);
	cr_assert_str_eq(hex, "0001abcdff");
	cr_assert_eq(hex_decode(out, 5, "0001ABCDff", 10), Q_OK);
	cr_assert(memcmp(in, out, 5) == 0);
	cr_assert_eq(hex_decode(out, 5, "0001abcdf", 9), Q_ERR_ENCODING);
	cr_assert_eq(hex_decode(out, 5, "0001abcdfg", 10), Q_ERR_ENCODING);
	cr_assert_eq(hex_decode(out, 4, "0001abcdff", 10), Q_ERR_ENCODING);
}

Test(encoding, base64_rfc4648_vectors)
{
	static const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	for (int i = 0; i < 7; i++) {
		char b[16];
		uint8_t d[16];
		size_t n;
		b64_encode(b, (const uint8_t *)plain[i], strlen(plain[i]));
		cr_assert_str_eq(b, enc[i]);
		cr_assert_eq(b64_encoded_len(strlen(plain[i])), strlen(enc[i]));
		cr_assert_eq(b64_decode(d, &n, enc[i], strlen(enc[i])), Q_OK);
		cr_assert_eq(n, strlen(plain[i]));
		cr_assert(memcmp(d, plain[i], n) == 0);
	}
}

Test(encoding, base64_strict_rejects)
{
	static const char *bad[] = {
	    "Zg=", "Zh==", "Zm9=", "Z===", "Zg==Zg==", "Zm9v\n", "Zm 9", "Zm9*", "=Zg="};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t d[16];
		size_t n;
		cr_assert_eq(b64_decode(d, &n, bad[i], strlen(bad[i])), Q_ERR_ENCODING, "\"%s\"",
		             bad[i]);
	}
}

/* The table-driven decoder: every byte value in every position of a
 * non-final quad and of the final one is accepted exactly when it is one
 * of the 64 digits ('=' only as padding at the end); every rejection case
 * of a long input, wherever it sits; round trips of every length. */
static int is_digit64(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

Test(encoding, base64_every_byte_in_every_position)
{
	uint8_t d[16];
	size_t n;
	for (int pos = 0; pos < 8; pos++)
		for (int c = 0; c < 256; c++) {
			char in[8];
			memcpy(in, "QUJDQUJD", 8); /* "ABCABC" */
			in[pos] = (char)c;
			/* '=' is padding only in the last quad's last two places, and
			 * "AB=D" or a lone "ABC=" with nonzero unused bits is not */
			int ok = is_digit64(c);
			if (c == '=' && pos == 7)
				ok = 0; /* "QUJD=" ... "D=": D's low bits are not zero */
			qerr e = b64_decode(d, &n, in, 8);
			cr_assert_eq(e == Q_OK, ok, "byte 0x%02x at %d: %s", c, pos, qerr_str(e));
		}
	/* the padding forms, canonical or not */
	cr_assert_eq(b64_decode(d, &n, "QUJDQQ==", 8), Q_OK);
	cr_assert_eq(n, 4);
	cr_assert_eq(b64_decode(d, &n, "QUJDQUI=", 8), Q_OK);
	cr_assert_eq(n, 5);
	cr_assert_eq(b64_decode(d, &n, "QUJDQR==", 8), Q_ERR_ENCODING); /* unused bits */
	cr_assert_eq(b64_decode(d, &n, "QUJDQUJ=", 8), Q_ERR_ENCODING);
	cr_assert_eq(b64_decode(d, &n, "QUJDQ===", 8), Q_ERR_ENCODING);
	cr_assert_eq(b64_decode(d, &n, "QUJD====", 8), Q_ERR_ENCODING);
	cr_assert_eq(b64_decode(d, &n, "QQ==QUJD", 8), Q_ERR_ENCODING); /* padding inside */
	cr_assert_eq(b64_decode(d, &n, "QUJDQ=JD", 8), Q_ERR_ENCODING);
	cr_assert_eq(b64_decode(d, &n, "QUJDQUJDQ", 9), Q_ERR_ENCODING); /* length */
	cr_assert_eq(b64_decode(d, &n, "QUJDQUJ", 7), Q_ERR_ENCODING);
	cr_assert_eq(b64_decode(d, &n, "QUJD-UJD", 8), Q_ERR_ENCODING); /* base64url */
	cr_assert_eq(b64_decode(d, &n, "QUJD_UJD", 8), Q_ERR_ENCODING);
	cr_assert_eq(b64_decode(d, &n, "QUJD\0UJD", 8), Q_ERR_ENCODING); /* NUL */
}

Test(encoding, base64_round_trips_and_late_faults)
{
	uint8_t in[400], d[400];
	char enc[600];
	for (size_t len = 0; len < sizeof in; len++) {
		size_t n = 0;
		for (size_t i = 0; i < len; i++)
			in[i] = (uint8_t)(i * 131u + len * 7u + 3u);
		b64_encode(enc, in, len);
		size_t el = strlen(enc);
		cr_assert_eq(b64_decode(d, &n, enc, el), Q_OK, "len %zu", len);
		cr_assert_eq(n, len);
		cr_assert(memcmp(d, in, len) == 0, "len %zu", len);
		if (el < 8)
			continue;
		/* one bad byte anywhere (first, middle, in the last quad) */
		size_t at[3] = {0, el / 2, el - 3};
		for (int k = 0; k < 3; k++) {
			char save = enc[at[k]];
			enc[at[k]] = '*';
			cr_assert_eq(b64_decode(d, &n, enc, el), Q_ERR_ENCODING, "len %zu at %zu",
			             len, at[k]);
			enc[at[k]] = save;
		}
	}
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Argon2id KDF (crypto/kdf.h): RFC 9106 known answer, parameter bounds,
 * argument checks. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/kdf.h"
#include "crypto/util.h"
#include "testutil.h"

static const kdf_params cheap = {1, 8, 1};

/* RFC 9106 section 5.3: Argon2id, t = 3, m = 32 KiB, p = 4, password
 * 32 x 0x01, salt 16 x 0x02, secret 8 x 0x03, ad 12 x 0x04. */
Test(kdf, rfc9106_argon2id_vector)
{
	uint8_t pw[32], salt[16], secret[8], ad[12], out[32];
	size_t n;
	const kdf_params p = {3, 32, 4};
	uint8_t *want =
	    test_unhex("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659", &n);
	memset(pw, 1, sizeof pw);
	memset(salt, 2, sizeof salt);
	memset(secret, 3, sizeof secret);
	memset(ad, 4, sizeof ad);
	cr_assert_eq(kdf_argon2id_ex(out, 32, pw, 32, salt, 16, secret, 8, ad, 12, &p), Q_OK);
	cr_assert(memcmp(out, want, 32) == 0, "RFC 9106 tag mismatch");
	/* Without the secret and ad the result must differ. */
	cr_assert_eq(kdf_argon2id(out, 32, pw, 32, salt, 16, &p), Q_OK);
	cr_assert(memcmp(out, want, 32) != 0);
	/* A one-bit change of the password must change the tag. */
	pw[0] ^= 1;
	cr_assert_eq(kdf_argon2id_ex(out, 32, pw, 32, salt, 16, secret, 8, ad, 12, &p), Q_OK);
	cr_assert(memcmp(out, want, 32) != 0);
	free(want);
}

Test(kdf, deterministic_and_input_sensitive)
{
	uint8_t a[32], b[32], salt[16] = {0};
	cr_assert_eq(kdf_argon2id(a, 32, "pass", 4, salt, 16, &cheap), Q_OK);
	cr_assert_eq(kdf_argon2id(b, 32, "pass", 4, salt, 16, &cheap), Q_OK);
	cr_assert(memcmp(a, b, 32) == 0);
	cr_assert_eq(kdf_argon2id(b, 32, "pasS", 4, salt, 16, &cheap), Q_OK);
	cr_assert(memcmp(a, b, 32) != 0);
	salt[15] = 1;
	cr_assert_eq(kdf_argon2id(b, 32, "pass", 4, salt, 16, &cheap), Q_OK);
	cr_assert(memcmp(a, b, 32) != 0);
	salt[15] = 0;
	const kdf_params t2 = {2, 8, 1};
	cr_assert_eq(kdf_argon2id(b, 32, "pass", 4, salt, 16, &t2), Q_OK);
	cr_assert(memcmp(a, b, 32) != 0);
	/* An empty passphrase is refused. */
	cr_assert_eq(kdf_argon2id(b, 32, NULL, 0, salt, 16, &cheap), Q_ERR_ARG);
	cr_assert_eq(kdf_argon2id(b, 32, "", 0, salt, 16, &cheap), Q_ERR_ARG);
}

Test(kdf, default_params_pinned)
{
	cr_assert_eq(kdf_params_default.t_cost, 3);
	cr_assert_eq(kdf_params_default.m_cost_kib, 65536);
	cr_assert_eq(kdf_params_default.parallelism, 1);
	cr_assert_eq(kdf_params_check(&kdf_params_default), Q_OK);
}

Test(kdf, params_out_of_range_rejected)
{
	uint8_t out[32], salt[16] = {0};
	const kdf_params bad[] = {
	    {0, 8, 1}, /* t = 0 */
	    {17, 8, 1}, /* t too large */
	    {1, 7, 1}, /* m < 8p */
	    {1, 15, 2}, /* m < 8p */
	    {1, KDF_M_MAX_KIB + 1, 1}, /* m too large */
	    {1, 0xffffffffu, 1}, /* hostile m */
	    {1, 8, 0}, /* p = 0 */
	    {1, 8 * 17, 17}, /* p too large */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(kdf_params_check(&bad[i]), Q_ERR_RANGE, "case %zu", i);
		memset(out, 0xaa, sizeof out);
		cr_assert_eq(kdf_argon2id(out, 32, "x", 1, salt, 16, &bad[i]), Q_ERR_RANGE);
		for (size_t j = 0; j < sizeof out; j++)
			cr_assert_eq(out[j], 0, "output not zeroed on failure");
	}
	cr_assert_eq(kdf_params_check(NULL), Q_ERR_ARG);
}

Test(kdf, bad_arguments_rejected)
{
	uint8_t out[32], salt[16] = {0};
	cr_assert_eq(kdf_argon2id(out, 3, "x", 1, salt, 16, &cheap), Q_ERR_ARG);
	cr_assert_eq(kdf_argon2id(out, 32, "x", 1, salt, 7, &cheap), Q_ERR_ARG);
	cr_assert_eq(kdf_argon2id(out, 32, "x", 1, NULL, 16, &cheap), Q_ERR_ARG);
	cr_assert_eq(kdf_argon2id(out, 32, NULL, 1, salt, 16, &cheap), Q_ERR_ARG);
	cr_assert_eq(kdf_argon2id(NULL, 32, "x", 1, salt, 16, &cheap), Q_ERR_ARG);
	cr_assert_eq(kdf_argon2id(out, 32, "x", 1, salt, 16, NULL), Q_ERR_ARG);
}

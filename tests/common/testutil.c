/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "testutil.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	size_t n = strlen(base) + 32;
	char *p = malloc(n);
	cr_assert_not_null(p);
	snprintf(p, n, "%s/quorum-test-XXXXXX", base);
	cr_assert_not_null(mkdtemp(p), "mkdtemp: %s", strerror(errno));
	return p;
}

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void test_rmtree(const char *path)
{
	if (path != NULL)
		nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

uint8_t *test_unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex);
	cr_assert(n % 2 == 0, "odd hex length");
	uint8_t *out = malloc(n / 2 + 1);
	cr_assert_not_null(out);
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		cr_assert(sscanf(hex + 2 * i, "%2x", &v) == 1, "bad hex");
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return out;
}

char *test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	cr_assert_not_null(buf);
	size_t r;
	while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			cr_assert_not_null(buf);
		}
	}
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

int test_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	int ok = fwrite(data, 1, len, f) == len;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

void test_p256_neg_y(uint8_t y[32])
{
	static const uint8_t p256[32] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
	                                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	                                 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	                                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	int borrow = 0;
	for (int i = 31; i >= 0; i--) {
		int d = (int)p256[i] - (int)y[i] - borrow;
		borrow = d < 0;
		y[i] = (uint8_t)(d + (borrow ? 256 : 0));
	}
}

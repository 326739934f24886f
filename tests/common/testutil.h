/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by the test suites. */
#ifndef QUORUM_TESTUTIL_H
#define QUORUM_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* A fresh private directory under $TMPDIR (or /tmp), made with mkdtemp;
 * the returned string is malloc'd.  Each Criterion case (a forked
 * process) should call this so parallel tests never share files. */
char *test_tmpdir(void);

/* Remove a directory tree (best effort, for cleanup). */
void test_rmtree(const char *path);

/* Decode a hex string into a malloc'd buffer; *len gets its length.
 * Aborts the test on bad hex. */
uint8_t *test_unhex(const char *hex, size_t *len);

/* Read a whole file into a malloc'd, NUL-terminated buffer. */
char *test_read_file(const char *path, size_t *len);

/* Write len bytes to path (create or truncate). Returns 0 on success. */
int test_write_file(const char *path, const void *data, size_t len);

/* y = p - y for a P-256 point's 32-byte big-endian Y coordinate (y != 0):
 * the point's encoding (04 || X || Y, Y at offset 33) then holds its
 * negation, same X. */
void test_p256_neg_y(uint8_t y[32]);

#endif

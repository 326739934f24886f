/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A Criterion suite whose every case works in a fresh private directory. */
#ifndef QUORUM_TMPSUITE_H
#define QUORUM_TMPSUITE_H

#include <criterion/criterion.h>
#include <stdlib.h>

#include "testutil.h"

/* Once per file: `tmp`, made by test_tmpdir before each case of a suite
 * declared with TEST_TMP_SUITE and removed after it (each case is its
 * own process, so cases never share files). */
#define TEST_TMP_DIR                                                                               \
	static char *tmp;                                                                          \
	static void tmp_setup(void)                                                                \
	{                                                                                          \
		tmp = test_tmpdir();                                                               \
	}                                                                                          \
	static void tmp_teardown(void)                                                             \
	{                                                                                          \
		test_rmtree(tmp);                                                                  \
		free(tmp);                                                                         \
	}

/* A suite whose cases get `tmp` (TEST_TMP_DIR above in the file). */
#define TEST_TMP_SUITE(name) TestSuite(name, .init = tmp_setup, .fini = tmp_teardown)

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Issue 22: quorum-ballotd's start banner names the rules in force from the
 * election directory's own profiles (rules/, bound by parameters.json and
 * the base hash, RP-5.2), not from the profiles built into the program.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/util.h"
#include "daemon.h"
#include "election/rules.h"
#include "testutil.h"

static tdaemon d;

static void fini(void)
{
	td_kill(&d);
	test_rmtree(d.dir);
}

TestSuite(ballotd_rules, .fini = fini);

/* The statute as the returning officer gave it to init: the built-in text
 * with "version": 1 -> 7 (a data change: another file, another hash). */
Test(ballotd_rules, banner_names_the_elections_own_profiles)
{
	const rulebook *rb = rulebook_builtin();
	const rule_file *ul = rb->files[0];
	char *txt = malloc(ul->len + 1), hx[65], want[128], builtin[128];
	memcpy(txt, ul->bytes, ul->len);
	txt[ul->len] = '\0';
	char *v = strstr(txt, "\"version\": 1,");
	cr_assert_not_null(v);
	v[strlen("\"version\": ")] = '7';
	uint8_t h[32];
	sha256(h, txt, ul->len);
	hex_encode(hx, h, 32);
	snprintf(want, sizeof want, "UL-2025 v7 sha256 %.16s", hx);
	hex_encode(hx, ul->sha256, 32);
	snprintf(builtin, sizeof builtin, "sha256 %.16s", hx);
	td_setup(&d, 10);
	const char *names[1] = {"UL-2025.json"};
	const char *texts[1] = {txt};
	td_set_profiles(&d, names, texts, 1);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	cr_assert_eq(td_stop(&d), 0);
	char *log = test_read_file(d.log, NULL);
	const char *line = strstr(log, "rules in force");
	cr_assert_not_null(line, "%s", log);
	char *eol = strchr(line, '\n');
	cr_assert_not_null(eol);
	*eol = '\0';
	cr_assert(strstr(line, want) != NULL, "%s (want %s)", line, want);
	cr_assert(strstr(line, builtin) == NULL, "the built-in statute named: %s", line);
	free(log);
	free(txt);
}

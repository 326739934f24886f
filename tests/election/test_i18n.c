/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_i18n.c -- messages in the reader's language (election/i18n.h) and
 * the progress bar's silence off a terminal (election/progress.h).
 *
 * Each case writes its own tiny GNU .mo catalogue (zh_CN, domain "quorum")
 * into its own temporary directory and points QUORUM_LOCALEDIR at it, then
 * sets the locale variables the way a user would.  Criterion runs every
 * case in its own process, so the environment and gettext's caches do not
 * leak between cases.  The zh_CN locale is usually NOT installed on a build
 * machine: that is the case i18n_init must handle (C.UTF-8 + LANGUAGE).
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "election/i18n.h"
#include "election/progress.h"
#include "testutil.h"

static char *tmp;

static void setup(void)
{
	tmp = test_tmpdir();
	/* Start from a clean slate: no locale variables at all. */
	unsetenv("LANGUAGE");
	unsetenv("LC_ALL");
	unsetenv("LC_MESSAGES");
	unsetenv("LANG");
	unsetenv("QUORUM_LOCALEDIR");
	unsetenv("QUORUM_NO_PROGRESS");
}

static void teardown(void)
{
	test_rmtree(tmp);
	free(tmp);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4); /* .mo files are in the writer's byte order */
}

/*
 * Write DIR/zh_CN/LC_MESSAGES/quorum.mo with the given pairs (GNU gettext
 * MO format: magic 0x950412de, revision 0, N, offsets of the original and
 * translation tables, no hash table; originals sorted).
 */
static void write_mo(const char *dir, const char *const (*pairs)[2], size_t n)
{
	static const char header[] = "Content-Type: text/plain; charset=UTF-8\n";
	uint8_t buf[4096];
	size_t total = n + 1; /* + the header entry (msgid "") */
	size_t otab = 28, ttab = otab + 8 * total, data = ttab + 8 * total;
	size_t pos = data;
	memset(buf, 0, sizeof(buf));
	put32(buf, 0x950412deu);
	put32(buf + 4, 0);
	put32(buf + 8, (uint32_t)total);
	put32(buf + 12, (uint32_t)otab);
	put32(buf + 16, (uint32_t)ttab);
	put32(buf + 20, 0);
	put32(buf + 24, (uint32_t)data);
	for (size_t i = 0; i < total; i++) {
		const char *s = i == 0 ? "" : pairs[i - 1][0];
		size_t l = strlen(s);
		cr_assert_lt(pos + l + 1, sizeof(buf));
		put32(buf + otab + 8 * i, (uint32_t)l);
		put32(buf + otab + 8 * i + 4, (uint32_t)pos);
		memcpy(buf + pos, s, l + 1);
		pos += l + 1;
	}
	for (size_t i = 0; i < total; i++) {
		const char *s = i == 0 ? header : pairs[i - 1][1];
		size_t l = strlen(s);
		cr_assert_lt(pos + l + 1, sizeof(buf));
		put32(buf + ttab + 8 * i, (uint32_t)l);
		put32(buf + ttab + 8 * i + 4, (uint32_t)pos);
		memcpy(buf + pos, s, l + 1);
		pos += l + 1;
	}
	char path[1024];
	snprintf(path, sizeof(path), "%s/zh_CN", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/zh_CN/LC_MESSAGES", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/zh_CN/LC_MESSAGES/quorum.mo", dir);
	cr_assert_eq(test_write_file(path, buf, pos), 0);
}

/* Originals must be sorted (byte order) for gettext's binary search. */
static const char *const catalogue[][2] = {
    {"ALREADY VOTED", "已投票"},
    {"Ballot token", "选票令牌"},
    {"Tracking code", "追踪码"},
};

static void with_catalogue(void)
{
	write_mo(tmp, catalogue, sizeof(catalogue) / sizeof(catalogue[0]));
	setenv("QUORUM_LOCALEDIR", tmp, 1);
}

TestSuite(i18n, .init = setup, .fini = teardown);

Test(i18n, chinese_locale_not_installed_still_translates)
{
	with_catalogue();
	setenv("LANG", "zh_CN.UTF-8", 1);
	i18n_init();
	cr_assert_str_eq(_("Tracking code"), "追踪码");
	cr_assert_str_eq(_("ALREADY VOTED"), "已投票");
	cr_assert_eq(i18n_is_chinese(), 1);
	cr_assert_str_eq(i18n_label("选举", "Election"), "选举");
}

Test(i18n, lc_all_overrides_lang)
{
	with_catalogue();
	setenv("LANG", "C.UTF-8", 1);
	setenv("LC_ALL", "zh_CN.UTF-8", 1);
	i18n_init();
	cr_assert_str_eq(_("Ballot token"), "选票令牌");
	cr_assert_eq(i18n_is_chinese(), 1);
}

Test(i18n, english_locale_gives_english)
{
	with_catalogue();
	setenv("LANG", "C.UTF-8", 1);
	i18n_init();
	cr_assert_str_eq(_("Tracking code"), "Tracking code");
	cr_assert_eq(i18n_is_chinese(), 0);
	cr_assert_str_eq(i18n_label("选举", "Election"), "Election");
}

Test(i18n, an_uninstalled_english_locale_gives_english)
{
	with_catalogue();
	setenv("LANG", "en_GB.UTF-8", 1);
	i18n_init();
	cr_assert_str_eq(_("Tracking code"), "Tracking code");
	cr_assert_eq(i18n_is_chinese(), 0);
}

Test(i18n, language_variable_chooses_chinese)
{
	with_catalogue();
	setenv("LANG", "C.UTF-8", 1);
	setenv("LANGUAGE", "zh_CN:en", 1);
	i18n_init();
	cr_assert_str_eq(_("Tracking code"), "追踪码");
	cr_assert_eq(i18n_is_chinese(), 1);
}

Test(i18n, plain_c_locale_ignores_language)
{
	/* gettext ignores LANGUAGE when LC_MESSAGES is "C"; so must we. */
	with_catalogue();
	setenv("LC_ALL", "C", 1);
	setenv("LANGUAGE", "zh_CN", 1);
	i18n_init();
	cr_assert_str_eq(_("Tracking code"), "Tracking code");
	cr_assert_eq(i18n_is_chinese(), 0);
}

Test(i18n, untranslated_message_stays_english)
{
	with_catalogue();
	setenv("LANG", "zh_CN.UTF-8", 1);
	i18n_init();
	cr_assert_str_eq(_("No such message in the catalogue"), "No such message in the catalogue");
}

Test(i18n, missing_catalogue_falls_back_to_english)
{
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/nowhere", tmp);
	setenv("QUORUM_LOCALEDIR", dir, 1);
	setenv("LANG", "zh_CN.UTF-8", 1);
	i18n_init();
	cr_assert_str_eq(_("Tracking code"), "Tracking code");
}

Test(i18n, numbers_stay_in_c_form)
{
	with_catalogue();
	setenv("LANG", "zh_CN.UTF-8", 1);
	i18n_init();
	cr_assert_str_eq(setlocale(LC_NUMERIC, NULL), "C");
	char s[16];
	snprintf(s, sizeof(s), "%.1f", 1.5);
	cr_assert_str_eq(s, "1.5");
}

Test(i18n, label_fallbacks)
{
	setenv("LANG", "zh_CN.UTF-8", 1);
	with_catalogue();
	i18n_init();
	cr_assert_str_eq(i18n_label("", "Election"), "Election");
	cr_assert_str_eq(i18n_label(NULL, "Election"), "Election");
	cr_assert_str_eq(i18n_label(NULL, NULL), "");
	cr_assert_str_eq(i18n_label("选举", ""), "选举");
}

Test(i18n, init_twice_is_safe)
{
	with_catalogue();
	setenv("LANG", "zh_CN.UTF-8", 1);
	i18n_init();
	i18n_init();
	cr_assert_str_eq(_("Tracking code"), "追踪码");
}

/* ---- progress bars ---- */

Test(i18n, progress_is_silent_on_a_pipe)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(progress_wanted(p[1]), 0);
	progress bar;
	progress_begin(&bar, p[1], "verifying", 100);
	for (uint64_t i = 0; i <= 100; i++)
		progress_update(&bar, i);
	progress_end(&bar);
	close(p[1]);
	char c;
	cr_assert_eq(read(p[0], &c, 1), 0, "nothing may be written to a pipe");
	close(p[0]);
}

Test(i18n, progress_is_silent_on_a_file_and_bad_fd)
{
	cr_assert_eq(progress_wanted(-1), 0);
	char path[1024];
	snprintf(path, sizeof(path), "%s/out", tmp);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	cr_assert_eq(progress_wanted(fileno(f)), 0);
	progress bar;
	progress_begin(&bar, fileno(f), "tally", 10);
	progress_update(&bar, 5);
	progress_end(&bar);
	progress_end(&bar); /* twice is safe */
	progress_update(NULL, 1);
	progress_end(NULL);
	fclose(f);
	struct stat sb;
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_size, 0);
}

Test(i18n, progress_respects_quorum_no_progress)
{
	setenv("QUORUM_NO_PROGRESS", "1", 1);
	setenv("TERM", "xterm", 1);
	/* Whatever stdin is, the variable turns bars off. */
	cr_assert_eq(progress_wanted(0), 0);
}

Test(i18n, progress_draws_on_a_terminal)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	cr_assert_geq(m, 0);
	cr_assert_eq(grantpt(m), 0);
	cr_assert_eq(unlockpt(m), 0);
	int s = open(ptsname(m), O_RDWR | O_NOCTTY);
	cr_assert_geq(s, 0);
	setenv("TERM", "xterm", 1);
	cr_assert_eq(progress_wanted(s), 1);
	progress bar;
	progress_begin(&bar, s, "verifying", 4);
	progress_end(&bar);
	/* The bar arrives in more than one write: read until its end. */
	char buf[512];
	size_t got = 0;
	buf[0] = '\0';
	for (int tries = 0; tries < 50 && strstr(buf, "4/4") == NULL; tries++) {
		struct pollfd pfd = {.fd = m, .events = POLLIN};
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		ssize_t n = read(m, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
	}
	cr_assert_gt(got, 0);
	cr_assert_not_null(strstr(buf, "verifying ["), "got: %s", buf);
	cr_assert_not_null(strstr(buf, "] 4/4"), "the bar ends full: %s", buf);
	setenv("TERM", "dumb", 1);
	cr_assert_eq(progress_wanted(s), 0);
	close(s);
	close(m);
}

Test(i18n, empty_language_variable_is_ignored)
{
	with_catalogue();
	setenv("LANG", "zh_CN.UTF-8", 1);
	setenv("LANGUAGE", "", 1);
	i18n_init();
	cr_assert_str_eq(_("Tracking code"), "追踪码");
	cr_assert_eq(i18n_is_chinese(), 1);
}

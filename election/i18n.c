/* SPDX-License-Identifier: GPL-3.0-or-later */
/* i18n.c -- see i18n.h. */
#include "election/i18n.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "banned.h"

#ifndef QUORUM_LOCALEDIR
#define QUORUM_LOCALEDIR "/usr/local/share/locale"
#endif
#ifndef QUORUM_BUILD_LOCALEDIR
#define QUORUM_BUILD_LOCALEDIR ""
#endif

static int is_chinese;

/* The first non-empty of LC_ALL, LC_MESSAGES, LANG; NULL if none. */
static const char *env_locale(void)
{
	static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);
		if (v != NULL && v[0] != '\0')
			return v;
	}
	return NULL;
}

/* 1 if dir/<lang>/LC_MESSAGES/quorum.mo exists for some language we ship. */
static int has_catalogue(const char *dir)
{
	char path[4096];
	if (dir == NULL || dir[0] == '\0')
		return 0;
	int n = snprintf(path, sizeof(path), "%s/zh_CN/LC_MESSAGES/" I18N_DOMAIN ".mo", dir);
	return n > 0 && (size_t)n < sizeof(path) && access(path, R_OK) == 0;
}

static const char *catalogue_dir(void)
{
	const char *e = getenv("QUORUM_LOCALEDIR");
	if (e != NULL && e[0] != '\0')
		return e;
	if (has_catalogue(QUORUM_LOCALEDIR))
		return QUORUM_LOCALEDIR;
	if (has_catalogue(QUORUM_BUILD_LOCALEDIR))
		return QUORUM_BUILD_LOCALEDIR;
	return QUORUM_LOCALEDIR;
}

void i18n_init(void)
{
	if (setlocale(LC_ALL, "") == NULL) {
		/*
		 * The locale the environment names is not installed.  Keep its
		 * language for the messages (gettext reads LANGUAGE whenever
		 * LC_MESSAGES is not plain "C") and use C.UTF-8 for the rest.
		 */
		const char *want = env_locale();
		if (setlocale(LC_ALL, "C.UTF-8") == NULL)
			(void)setlocale(LC_ALL, "C");
		const char *have = getenv("LANGUAGE");
		if (want != NULL && strcmp(want, "C") != 0 && strcmp(want, "POSIX") != 0 &&
		    (have == NULL || have[0] == '\0')) {
			char lang[64];
			size_t k = strcspn(want, ".@");
			if (k > 0 && k < sizeof(lang)) {
				memcpy(lang, want, k);
				lang[k] = '\0';
				(void)setenv("LANGUAGE", lang, 1);
			}
		}
	}
	/* Numbers in files, JSON and records never take a locale's form. */
	(void)setlocale(LC_NUMERIC, "C");
	(void)bindtextdomain(I18N_DOMAIN, catalogue_dir());
	(void)bind_textdomain_codeset(I18N_DOMAIN, "UTF-8");
	(void)textdomain(I18N_DOMAIN);

	/* Which language gettext will use: LANGUAGE first (unless the
	 * messages locale is "C", when gettext ignores it), then the locale. */
	const char *msgs = setlocale(LC_MESSAGES, NULL);
	const char *language = getenv("LANGUAGE");
	is_chinese = 0;
	if (msgs != NULL && strcmp(msgs, "C") != 0 && strcmp(msgs, "POSIX") != 0) {
		if (language != NULL && language[0] != '\0')
			is_chinese = strncmp(language, "zh", 2) == 0;
		else
			is_chinese = strncmp(msgs, "zh", 2) == 0;
	}
}

int i18n_is_chinese(void)
{
	return is_chinese;
}

const char *i18n_label(const char *zh, const char *en)
{
	const char *first = is_chinese ? zh : en;
	const char *second = is_chinese ? en : zh;
	if (first != NULL && first[0] != '\0')
		return first;
	if (second != NULL && second[0] != '\0')
		return second;
	return "";
}

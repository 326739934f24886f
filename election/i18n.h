/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * i18n.h -- the messages people read, in their language (gettext).
 *
 * Every message a poll worker, voter, trustee or observer sees is written in
 * English in the source, wrapped in _() (or N_() where it must stay a
 * constant, then passed through _() when shown), and translated in
 * po/<lang>.po (text domain "quorum").  The language is chosen by the
 * locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG); English is the fallback.
 *
 * Machine-read output (JSON on sockets and in records, rule IDs, refusal
 * codes, file formats) is never translated.
 *
 * Call i18n_init() once at the start of main() of every program.  It does
 * not fail: if the locale or the catalogue is missing, messages stay in
 * English.  LC_NUMERIC is kept at "C" so that numbers in files and JSON are
 * never written with a locale's decimal comma.
 */
#ifndef QUORUM_ELECTION_I18N_H
#define QUORUM_ELECTION_I18N_H

#include <libintl.h>

#define I18N_DOMAIN "quorum"

#define _(s) gettext(s)
#define N_(s) (s)
/* Plural forms: ngettext(singular, plural, n). */
#define P_(s, p, n) ngettext((s), (p), (n))

/*
 * Set the locale from the environment and bind the "quorum" catalogue.
 * The catalogue directory is, in order: $QUORUM_LOCALEDIR if set and
 * non-empty; the installed localedir (meson's `localedir`) if it holds a
 * quorum catalogue; the build tree's po/ directory (so that programs run
 * from the build directory are translated too).  If the locale named by the
 * environment is not installed on the machine, the messages still follow
 * it: the C.UTF-8 locale is used for character handling and the language is
 * passed to gettext through LANGUAGE.  Safe to call more than once.
 */
void i18n_init(void);

/* 1 if messages are being shown in Chinese (the language of the
 * LC_MESSAGES category, or LANGUAGE, starts with "zh"), else 0.  Valid
 * after i18n_init(). */
int i18n_is_chinese(void);

/*
 * Pick a manifest label for the reader: Chinese when i18n_is_chinese(),
 * else English; if the chosen one is NULL or empty, the other; never NULL
 * (returns "" if both are missing).  The result points into the arguments.
 */
const char *i18n_label(const char *zh, const char *en);

#endif

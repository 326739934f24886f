/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The journal's EVENT= ids (voter/service.h): made from a log line's
 * format string, stable, conversions left out. */
#include <criterion/criterion.h>
#include <string.h>

#include "voter/service.h"

static const char *ev(const char *fmt)
{
	static char out[64];
	svc_event_id(fmt, out, sizeof out);
	return out;
}

Test(service, event_ids)
{
	cr_assert_str_eq(ev("poll opened"), "poll-opened");
	cr_assert_str_eq(ev("roll imported: %llu voters"), "roll-imported");
	cr_assert_str_eq(ev("listening in %s"), "listening-in");
	cr_assert_str_eq(ev("station %s ready: state %s, %llu on roll"), "station-ready");
	cr_assert_str_eq(ev("token re-issued (%llu so far)"), "token-re-issued");
	cr_assert_str_eq(ev("recovery: %llu stored ballots appended to the log"), "recovery");
	cr_assert_str_eq(ev("roll DB: %zu voters checked in but %llu tokens issued"), "roll-db");
	cr_assert_str_eq(ev("%s"), "other");
	cr_assert_str_eq(ev(""), "other");
}

Test(service, event_id_is_bounded)
{
	char out[8];
	svc_event_id("a very long format string with many words", out, sizeof out);
	cr_assert_eq(strlen(out), 7);
	cr_assert_str_eq(out, "a-very-");
}

/* Outside systemd (no $JOURNAL_STREAM) lines go to syslog and stderr. */
Test(service, plain_run_is_not_journal)
{
	unsetenv("JOURNAL_STREAM");
	svc_log_init();
	cr_assert_eq(svc_log_journal(), 0);
	/* no $NOTIFY_SOCKET: no thread, nothing sent */
	unsetenv("NOTIFY_SOCKET");
	cr_assert_eq(svc_watchdog_start("/nonexistent/admin.sock"), 0);
	svc_notify_stopping();
}

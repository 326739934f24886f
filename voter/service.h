/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * service.h -- quorum-ballotd as a system service: where its log lines go,
 * and what it tells systemd (sd_notify).
 *
 * Logging.  Under systemd (stderr is the journal stream that
 * $JOURNAL_STREAM names) every line goes to the journal with structured
 * fields: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER=quorum-ballotd, EVENT (a
 * stable id made from the message's format string: its words before the
 * first ':' or '(', conversions such as %s left out, lower case, joined
 * by '-', e.g. "poll-opened", "roll-imported", "listening-in",
 * "station-ready"), RULE (the id of the rule that decided this event,
 * e.g. "UL16.eligible" for a check-in refused as under 18; empty when no
 * rule of the election's profiles decided it), and ELECTION, STATION,
 * PROFILES (the election's id, this station's id, the rule profiles that
 * govern it, comma-separated) once svc_log_context has been called.  Otherwise (a
 * plain run) the line goes to syslog, and to stderr as
 * "quorum-ballotd: MESSAGE" when to_stderr is set -- the behaviour before
 * systemd support.  Without libsystemd at build time the journal is
 * reached through syslog only.
 *
 * The callers' contract (docs/guide-administrator.md, quorum-ballotd(8)):
 * a log line never holds a voter's id, name, token, choice or secret;
 * counts and the station's own ids only.
 *
 * Notification.  svc_watchdog_start starts one thread, only when
 * $NOTIFY_SOCKET is set: it waits until the daemon answers {"op":"ping"}
 * on its admin socket -- so the box and the log are reconciled and every
 * socket is listening -- then sends READY=1; after that, while
 * $WATCHDOG_USEC is set, it pings again every half period and sends
 * WATCHDOG=1 only after an answer, so a hung event loop is restarted by
 * systemd.  svc_notify_stopping sends STOPPING=1.  Every function is a
 * no-op outside systemd.
 */
#ifndef QUORUM_VOTER_SERVICE_H
#define QUORUM_VOTER_SERVICE_H

/* Choose the journal or syslog (call once, before any svc_log). */
void svc_log_init(void);

/* 1 if log lines go to the journal with structured fields. */
int svc_log_journal(void);

/* The ELECTION=, STATION=, PROFILES= fields of later lines (copied; NULL
 * leaves a field empty). */
void svc_log_context(const char *election, const char *station, const char *profiles);

/* One log line: fmt is the printf format msg was made from (its EVENT);
 * rule the id of the rule that decided the event (its RULE=), or NULL. */
void svc_log(int pri, const char *fmt, const char *msg, int to_stderr, const char *rule);

/* The EVENT id of a format string, into out (at most outlen - 1 bytes). */
void svc_event_id(const char *fmt, char *out, unsigned outlen);

/* Start the readiness/watchdog thread for the admin socket at
 * admin_sock (copied).  Returns 0, or -1 if the thread cannot start. */
int svc_watchdog_start(const char *admin_sock);

/* STOPPING=1, and stop the watchdog thread. */
void svc_notify_stopping(void);

#endif

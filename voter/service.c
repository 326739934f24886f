/* SPDX-License-Identifier: GPL-3.0-or-later */
/* service.c -- see service.h. */
#include "service.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#ifdef QUORUM_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#endif

#include "banned.h"

/* ---- logging ---- */

static int use_journal;
static char ctx_election[128], ctx_station[128], ctx_profiles[256];

void svc_log_init(void)
{
#ifdef QUORUM_HAVE_SYSTEMD
	/* systemd.exec(5): $JOURNAL_STREAM is "DEV:INODE" of the stream
	 * connected to stdout/stderr; only if it is still our stderr (not
	 * redirected by a wrapper) is the journal where our lines belong. */
	const char *js = getenv("JOURNAL_STREAM");
	struct stat sb;
	unsigned long long dev, ino;
	if (js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(2, &sb) == 0 &&
	    (unsigned long long)sb.st_dev == dev && (unsigned long long)sb.st_ino == ino)
		use_journal = 1;
#endif
	if (!use_journal)
		openlog("quorum-ballotd", LOG_PID, LOG_DAEMON);
}

int svc_log_journal(void)
{
	return use_journal;
}

static void set_field(char *dst, size_t cap, const char *v)
{
	dst[0] = '\0';
	if (v == NULL)
		return;
	/* A field value is one line of printable text. */
	size_t n = 0;
	for (; v[n] != '\0' && n + 1 < cap; n++)
		dst[n] = (v[n] == '\n' || v[n] == '\r') ? ' ' : v[n];
	dst[n] = '\0';
}

void svc_log_context(const char *election, const char *station, const char *profiles)
{
	set_field(ctx_election, sizeof ctx_election, election);
	set_field(ctx_station, sizeof ctx_station, station);
	set_field(ctx_profiles, sizeof ctx_profiles, profiles);
}

void svc_event_id(const char *fmt, char *out, unsigned outlen)
{
	unsigned n = 0;
	int gap = 0;
	if (outlen == 0)
		return;
	for (const char *p = fmt; p != NULL && *p != '\0' && *p != ':' && *p != '('; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '%') {
			/* a conversion (%s, %llu, %zu, ...) is not a word */
			while (p[1] != '\0' && !isalpha((unsigned char)p[1]))
				p++;
			while (p[1] == 'l' || p[1] == 'z' || p[1] == 'h' || p[1] == 'j')
				p++;
			if (p[1] != '\0')
				p++;
			gap = 1;
			continue;
		}
		if (isalnum(ch)) {
			if (gap && n > 0 && n + 1 < outlen)
				out[n++] = '-';
			gap = 0;
			if (n + 1 < outlen)
				out[n++] = (char)tolower(ch);
		} else {
			gap = 1;
		}
	}
	if (n == 0 && outlen > 5) {
		memcpy(out, "other", 5);
		n = 5;
	}
	out[n] = '\0';
}

void svc_log(int pri, const char *fmt, const char *msg, int to_stderr, const char *rule)
{
#ifdef QUORUM_HAVE_SYSTEMD
	if (use_journal) {
		char ev[64], rl[64];
		svc_event_id(fmt, ev, sizeof ev);
		set_field(rl, sizeof rl, rule);
		/* Empty fields are sent empty: the field set of every line is
		 * the same, which journalctl -o json readers like. */
		sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", pri,
		                "SYSLOG_IDENTIFIER=quorum-ballotd", "EVENT=%s", ev, "ELECTION=%s",
		                ctx_election, "STATION=%s", ctx_station, "RULE=%s", rl,
		                "PROFILES=%s", ctx_profiles, NULL);
		return;
	}
#else
	(void)rule;
#endif

	syslog(pri, "%s", msg);
	if (to_stderr)
		fprintf(stderr, "quorum-ballotd: %s\n", msg);
}

/* ---- sd_notify ---- */

#ifdef QUORUM_HAVE_SYSTEMD
static pthread_t wd_thread;
static int wd_running;
static pthread_mutex_t wd_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wd_cv = PTHREAD_COND_INITIALIZER;
static int wd_stop;
static char wd_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

/* 1 if the daemon answers {"op":"ping"} with {"ok":true...} on its
 * admin socket within 5 s. */
static int ping_admin(void)
{
	struct sockaddr_un sa;
	int ok = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, wd_path, sizeof sa.sun_path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		goto out;
	static const char req[] = "{\"op\":\"ping\"}\n";
	if (send(fd, req, sizeof req - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof req - 1))
		goto out;
	char buf[256];
	size_t have = 0;
	while (have + 1 < sizeof buf) {
		struct pollfd p = {fd, POLLIN, 0};
		int r = poll(&p, 1, 5000);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto out;
		ssize_t k = recv(fd, buf + have, sizeof buf - 1 - have, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			goto out;
		have += (size_t)k;
		buf[have] = '\0';
		if (memchr(buf, '\n', have) != NULL)
			break;
	}
	buf[have] = '\0';
	ok = strstr(buf, "\"ok\":true") != NULL || strstr(buf, "\"ok\": true") != NULL;
out:
	close(fd);
	return ok;
}

/* Sleep ms milliseconds or until svc_notify_stopping; 1 if stopping. */
static int wd_sleep(long ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&wd_mu);
	while (!wd_stop && pthread_cond_timedwait(&wd_cv, &wd_mu, &until) != ETIMEDOUT)
		;
	int s = wd_stop;
	pthread_mutex_unlock(&wd_mu);
	return s;
}

static void *wd_main(void *arg)
{
	(void)arg;
	uint64_t usec = 0;
	/* Readiness: the box and the log are reconciled (station_open) and
	 * the admin socket answers (station_serve). */
	while (!ping_admin())
		if (wd_sleep(100))
			return NULL;
	sd_notify(0, "READY=1\nSTATUS=serving");
	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return NULL;
	long half = (long)(usec / 2000);
	if (half < 50)
		half = 50;
	for (;;) {
		if (wd_sleep(half))
			return NULL;
		if (ping_admin())
			sd_notify(0, "WATCHDOG=1");
	}
}
#endif

int svc_watchdog_start(const char *admin_sock)
{
#ifdef QUORUM_HAVE_SYSTEMD
	const char *ns = getenv("NOTIFY_SOCKET");
	if (ns == NULL || ns[0] == '\0')
		return 0;
	if (strlen(admin_sock) >= sizeof wd_path)
		return -1;
	memcpy(wd_path, admin_sock, strlen(admin_sock) + 1);
	/* The thread takes no signal: SIGTERM/SIGINT are the event loop's
	 * (server_handle_signals blocks them only in the threads it starts
	 * after it; one delivered here would kill the process). */
	sigset_t all, old;
	sigfillset(&all);
	if (pthread_sigmask(SIG_BLOCK, &all, &old) != 0)
		return -1;
	int rc = pthread_create(&wd_thread, NULL, wd_main, NULL);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return -1;
	wd_running = 1;
#else
	(void)admin_sock;
#endif
	return 0;
}

void svc_notify_stopping(void)
{
#ifdef QUORUM_HAVE_SYSTEMD
	static int sent;
	if (!sent)
		sd_notify(0, "STOPPING=1");
	sent = 1;
	if (wd_running) {
		pthread_mutex_lock(&wd_mu);
		wd_stop = 1;
		pthread_cond_broadcast(&wd_cv);
		pthread_mutex_unlock(&wd_mu);
		pthread_join(wd_thread, NULL);
		wd_running = 0;
	}
#endif
}

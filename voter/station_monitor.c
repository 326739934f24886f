/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * station_monitor.c -- the monitor of the privilege-separated daemon
 * (docs/spec/protocol.md P-9): it holds the signing key and the database
 * keys, creates the sockets, starts the worker (this program again, with
 * --privsep-worker), answers the worker's typed messages (privsep.h) and
 * restarts the worker whenever it dies.
 */
#define _GNU_SOURCE /* close_range */
#include "station_int.h"

#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "request.h"

#include "banned.h"

#define CONN_BITS 48 /* the worker's connection id; above it, its generation */
extern char **environ;

#define RESTART_WINDOW_MS 10000 /* more than 5 deaths in this time: give up */

static qerr worker_start(station *st, char *err, size_t errlen);

/* Tag a connection id of the current worker with its generation. */
static server_conn conn_tag(const station *st, uint64_t id)
{
	return ((uint64_t)(st->worker_gen & 0xffff) << CONN_BITS) |
	       (id & ((UINT64_C(1) << CONN_BITS) - 1));
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

void st_monitor_reply(station *st, server_conn c, json_t *reply)
{
	char *txt = NULL;
	uint8_t *frame = NULL;
	size_t flen = 0;
	if (reply == NULL)
		reply = server_error("internal", "out of memory");
	if (reply != NULL)
		txt = json_dumps(reply, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(reply);
	/* A reply for a connection of a worker that has died is dropped. */
	if (txt == NULL || st->chan_fd < 0 || (c >> CONN_BITS) != (st->worker_gen & 0xffff))
		goto out;
	if (ps_reply_encode(c & ((UINT64_C(1) << CONN_BITS) - 1), txt, strlen(txt), &frame,
	                    &flen) != Q_OK)
		goto out;
	if (write_all(st->chan_fd, frame, flen) != 0)
		st_log(st, LOG_WARNING, "cannot send a reply to the worker: %s", strerror(errno));
out:
	if (frame != NULL)
		wipe(frame, flen);
	free(frame);
	if (txt != NULL)
		wipe(txt, strlen(txt));
	free(txt);
}

/* The worker is gone (EOF) or must go (a malformed message): reap it,
 * log how it ended, start another unless it stopped cleanly. */
static void worker_lost(station *st, const char *why)
{
	int status = 0;
	char err[300];
	server_unwatch(st->srv);
	close(st->chan_fd);
	st->chan_fd = -1;
	st->chan_inlen = 0;
	if (why != NULL)
		kill(st->worker_pid, SIGKILL);
	while (waitpid(st->worker_pid, &status, 0) < 0 && errno == EINTR)
		;
	st->worker_deaths++;
	if (why != NULL) {
		st_log(st, LOG_ERR, "the worker (pid %d) sent a malformed message (%s): killed",
		       (int)st->worker_pid, why);
	} else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) {
		st_log(st, LOG_ERR,
		       "the worker (pid %d) was killed by SIGSYS: it attempted a system call "
		       "outside its sandbox",
		       (int)st->worker_pid);
	} else if (WIFSIGNALED(status)) {
		st_log(st, LOG_ERR, "the worker (pid %d) was killed by signal %d",
		       (int)st->worker_pid, WTERMSIG(status));
	} else {
		st_log(st, LOG_ERR, "the worker (pid %d) exited with status %d",
		       (int)st->worker_pid, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	int64_t t = st_mono_ms();
	if (t - st->restarts_ms[0] < RESTART_WINDOW_MS && st->restarts_ms[0] != 0) {
		st_log(st, LOG_ERR, "the worker died 5 times within %d s: giving up",
		       RESTART_WINDOW_MS / 1000);
		server_stop(st->srv);
		return;
	}
	memmove(st->restarts_ms, st->restarts_ms + 1, sizeof st->restarts_ms - sizeof(int64_t));
	st->restarts_ms[4] = t;
	if (worker_start(st, err, sizeof err) != Q_OK) {
		st_log(st, LOG_ERR, "cannot restart the worker: %s", err);
		server_stop(st->srv);
		return;
	}
	st_log(st, LOG_NOTICE, "worker restarted (pid %d)", (int)st->worker_pid);
}

/* The worker's channel is readable: decode each whole message strictly
 * and perform it (loop thread).  At most CHAN_READS_PER_WAKEUP reads, so
 * a flooding worker cannot keep the loop from the job threads' replies
 * (epoll calls again while the channel stays readable). */
#define CHAN_READS_PER_WAKEUP 16

static void chan_readable(void *ctx)
{
	station *st = ctx;
	char why[200];
	for (int k = 0; k < CHAN_READS_PER_WAKEUP; k++) {
		ssize_t r = recv(st->chan_fd, st->chan_in + st->chan_inlen,
		                 2 * PS_REQ_MAX - st->chan_inlen, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0) {
			worker_lost(st, NULL);
			return;
		}
		st->chan_inlen += (size_t)r;
		while (st->chan_inlen >= PS_HDR_LEN) {
			uint32_t type, len;
			if (ps_header(st->chan_in, &type, &len, why, sizeof why) != Q_OK) {
				worker_lost(st, why);
				return;
			}
			size_t need = PS_HDR_LEN + (size_t)len;
			if (st->chan_inlen < need)
				break;
			if (ps_decode(st->chan_in, need, st->chan_msg, why, sizeof why) != Q_OK) {
				worker_lost(st, why);
				return;
			}
			server_conn c = conn_tag(st, st->chan_msg->conn);
			json_t *reply = st_dispatch(st, c, st->chan_msg);
			wipe(st->chan_msg, sizeof *st->chan_msg);
			if (reply != NULL)
				st_reply(st, c, reply);
			if (st->chan_fd < 0)
				return;
			wipe(st->chan_in, need);
			memmove(st->chan_in, st->chan_in + need, st->chan_inlen - need);
			st->chan_inlen -= need;
		}
	}
}

/* Fork and execute the worker: this program with --privsep-worker=CHAN,
 * ADMIN,OPERATOR,BOOTH,GENERATION before its own arguments.  Between fork
 * and exec only async-signal-safe calls (the monitor has threads). */
static qerr worker_start(station *st, char *err, size_t errlen)
{
	int sv[2];
	char arg[128];
	char *argv[64];
	size_t n = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return Q_ERR_IO;
	}
	st->worker_gen++;
	snprintf(arg, sizeof arg, "--privsep-worker=%d,%d,%d,%d,%u", sv[1], st->listen_fd[0],
	         st->listen_fd[1], st->listen_fd[2], (unsigned)st->worker_gen);
	argv[n++] = st->worker_argv[0];
	argv[n++] = arg;
	for (size_t i = 1; st->worker_argv[i] != NULL && n < 63; i++)
		argv[n++] = st->worker_argv[i];
	argv[n] = NULL;
	/* A small explicit environment: the locale, and the test hooks in
	 * test builds; nothing else (no LD_PRELOAD, no PATH). */
	char *envp[32];
	size_t ne = 0;
	for (char **e = environ; *e != NULL && ne < 31; e++) {
		if (strncmp(*e, "LANG=", 5) == 0 || strncmp(*e, "LANGUAGE=", 9) == 0 ||
		    strncmp(*e, "LC_", 3) == 0 || strncmp(*e, "TZ=", 3) == 0)
			envp[ne++] = *e;
#ifdef QUORUM_TEST_HOOKS
		else if (strncmp(*e, "QUORUM_TEST_", 12) == 0)
			envp[ne++] = *e;
#endif
	}
	envp[ne] = NULL;
	pid_t monitor = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return Q_ERR_IO;
	}
	if (pid == 0) {
		/* The worker dies with the monitor. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != monitor)
			_exit(127);
		/* Nothing but the channel and the listeners crosses exec. */
		if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
			_exit(127);
		if (fcntl(sv[1], F_SETFD, 0) != 0)
			_exit(127);
		for (int r = 0; r < 3; r++)
			if (fcntl(st->listen_fd[r], F_SETFD, 0) != 0)
				_exit(127);
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	close(sv[1]);
	/* A worker that stops reading cannot hold the monitor for long. */
	struct timeval tv = {10, 0};
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	st->chan_fd = sv[0];
	st->worker_pid = pid;
	st->chan_inlen = 0;
	if (server_watch(st->srv, st->chan_fd, chan_readable, st) != Q_OK) {
		snprintf(err, errlen, "cannot watch the worker's channel");
		return Q_ERR_IO;
	}
	return Q_OK;
}

qerr station_serve_privsep(station *st, char *const argv[], char *err, size_t errlen)
{
	server_config sc;
	qerr e;
	memset(&sc, 0, sizeof sc);
	for (int r = 0; r < ROLE__COUNT; r++) {
		char path[700];
		snprintf(path, sizeof path, "%s/%s.sock", st->sock_dir, request_role_names[r]);
		sc.socket_path[r] = path;
		sc.mode[r] = r == ROLE_ADMIN && !st->group_set[r] ? 0600 : 0660;
		sc.group_set[r] = st->group_set[r];
		sc.gid[r] = st->gid[r];
		if ((e = server_listen(&sc, (server_role)r, &st->listen_fd[r], err, errlen)) !=
		    Q_OK)
			return e;
		sc.socket_path[r] = NULL;
	}
	st->privsep = 1;
	st->worker_argv = argv;
	st->chan_in = malloc(2 * PS_REQ_MAX);
	st->chan_msg = malloc(sizeof *st->chan_msg);
	if (st->chan_in == NULL || st->chan_msg == NULL)
		return Q_ERR_NOMEM;
	/* The monitor's own loop: no sockets, the worker's channel, the
	 * replies of the job threads, the signals. */
	sc.on_post = on_post;
	sc.ctx = st;
	if ((e = server_new(&st->srv, &sc, err, errlen)) != Q_OK)
		return e;
	if ((e = server_handle_signals(st->srv)) != Q_OK) {
		snprintf(err, errlen, "cannot install signal handling");
		return e;
	}
	if ((e = st_start_threads(st, err, errlen)) != Q_OK)
		return e;
	if ((e = worker_start(st, err, errlen)) != Q_OK)
		return e;
	st_log(st, LOG_INFO, "listening in %s (worker pid %d)", st->sock_dir, (int)st->worker_pid);
	e = server_run(st->srv);
	st_log(st, LOG_INFO, "shutting down");
	if (st->chan_fd >= 0) {
		int status;
		server_unwatch(st->srv);
		kill(st->worker_pid, SIGTERM);
		while (waitpid(st->worker_pid, &status, 0) < 0 && errno == EINTR)
			;
		close(st->chan_fd);
		st->chan_fd = -1;
	}
	return e;
}

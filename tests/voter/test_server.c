/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * voter/server.c in-process: the connection limit (SERVER_BOOTH_CONNS, then a
 * "busy" reply and hang-up) and back-pressure (a connection whose request
 * is deferred stops being read once a line's worth is buffered, the loop
 * sleeps rather than spins, and every pipelined request is answered, in
 * order, once the deferred reply is given).
 *
 * The loop's wake-ups are counted by wrapping epoll_wait in this program
 * (the server calls it with 64 events and a 200 ms timeout).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "voter/server.h"

static atomic_long loop_waits;

int epoll_wait(int ep, struct epoll_event *ev, int max, int timeout)
{
	static int (*real)(int, struct epoll_event *, int, int);
	if (real == NULL)
		real = (int (*)(int, struct epoll_event *, int, int))dlsym(RTLD_NEXT, "epoll_wait");
	if (max == 64 && timeout == 200)
		atomic_fetch_add(&loop_waits, 1);
	return real(ep, ev, max, timeout);
}

static char *dir;
static char sock[600];
static server *srv;
static pthread_t loop;
static server_conn held;
static atomic_int holding;

static json_t *handler(void *ctx, server *s, server_conn c, server_role role, json_t *req)
{
	const char *op = json_string_value(json_object_get(req, "op"));
	if (op == NULL)
		return server_error("bad_request", "no op");
	if (strcmp(op, "ping") == 0)
		return server_ok(
		    json_pack("{s:I}", "n", json_integer_value(json_object_get(req, "n"))));
	if (strcmp(op, "hold") == 0) {
		held = c;
		atomic_store(&holding, 1);
		return NULL; /* deferred */
	}
	if (strcmp(op, "release") == 0) {
		server_reply(s, held, server_ok(json_pack("{s:s}", "released", "yes")));
		return server_ok(NULL);
	}
	if (strcmp(op, "stop") == 0) {
		server_stop(s);
		return server_ok(NULL);
	}
	return server_error("unknown_op", "%s", op);
}

static void on_post(void *ctx, server *s, void *item)
{
}

static void *run_loop(void *arg)
{
	(void)!server_run(srv);
	return NULL;
}

static void setup(void)
{
	dir = test_tmpdir();
	snprintf(sock, sizeof sock, "%s/booth.sock", dir);
	server_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.socket_path[ROLE_BOOTH] = sock;
	cfg.mode[ROLE_BOOTH] = 0600;
	cfg.read_timeout_ms = 30000;
	cfg.handler = handler;
	cfg.on_post = on_post;
	char err[256];
	cr_assert_eq(server_new(&srv, &cfg, err, sizeof err), Q_OK, "%s", err);
	cr_assert_eq(pthread_create(&loop, NULL, run_loop, NULL), 0);
}

static int conn(void)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	cr_assert_lt(strlen(sock), sizeof sa.sun_path);
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert(fd >= 0, "socket: %s", strerror(errno));
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0, "connect: %s",
	             strerror(errno));
	struct timeval tv = {30, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

static void send_all(int fd, const char *s)
{
	size_t n = strlen(s), off = 0;
	while (off < n) {
		ssize_t w = send(fd, s + off, n - off, MSG_NOSIGNAL);
		cr_assert(w > 0 || errno == EINTR, "send: %s", strerror(errno));
		if (w > 0)
			off += (size_t)w;
	}
}

/* One reply line (blocking, byte by byte so nothing after it is lost);
 * NULL at EOF. */
static json_t *recv_line(int fd)
{
	char buf[4096];
	size_t n = 0;
	for (;;) {
		ssize_t r = recv(fd, buf + n, 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return NULL;
		if (buf[n] == '\n')
			break;
		cr_assert_lt(++n, sizeof buf, "reply too long");
	}
	return json_loadb(buf, n, 0, NULL);
}

static void teardown(void)
{
	int fd = conn();
	send_all(fd, "{\"op\":\"stop\"}\n");
	json_t *r = recv_line(fd);
	json_decref(r);
	close(fd);
	pthread_join(loop, NULL);
	server_free(srv);
	test_rmtree(dir);
	free(dir);
}

TestSuite(server, .init = setup, .fini = teardown, .timeout = 120);

static const char *code_of(const json_t *r)
{
	return json_string_value(json_object_get(json_object_get(r, "error"), "code"));
}

Test(server, connection_limit_answers_busy)
{
	/* The booth socket's own limit (each role has one, docs/protocol.md 1);
	 * both ends of every connection live in this process. */
	struct rlimit rl;
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rlim_t want = 2 * SERVER_BOOTH_CONNS + 64;
	if (rl.rlim_cur < want && rl.rlim_max >= want) {
		rl.rlim_cur = want;
		cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	cr_assert_geq(rl.rlim_cur, want, "RLIMIT_NOFILE %lu is too low for this test (need %lu)",
	              (unsigned long)rl.rlim_cur, (unsigned long)want);
	int *fds = calloc(SERVER_BOOTH_CONNS, sizeof *fds);
	cr_assert_not_null(fds);
	for (int i = 0; i < SERVER_BOOTH_CONNS; i++)
		fds[i] = conn();
	/* The last one is served, so all before it were accepted. */
	send_all(fds[SERVER_BOOTH_CONNS - 1], "{\"op\":\"ping\",\"n\":1}\n");
	json_t *r = recv_line(fds[SERVER_BOOTH_CONNS - 1]);
	cr_assert_not_null(r);
	cr_assert_null(code_of(r));
	json_decref(r);
	/* One more: "busy", then the server hangs up. */
	int extra = conn();
	r = recv_line(extra);
	cr_assert_not_null(r, "no reply for the connection over the limit");
	cr_assert_str_eq(code_of(r), "busy");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "error"), "message")),
	                 "too many connections on this socket");
	json_decref(r);
	char c;
	cr_assert_eq(recv(extra, &c, 1, 0), 0, "closed after the busy reply");
	close(extra);
	/* A slot freed is a slot again (once the server has seen the close). */
	close(fds[0]);
	int served = 0;
	for (int tries = 0; tries < 500 && !served; tries++) {
		int fd = conn();
		send_all(fd, "{\"op\":\"ping\",\"n\":2}\n");
		r = recv_line(fd);
		cr_assert_not_null(r);
		served = code_of(r) == NULL;
		if (!served) {
			cr_assert_str_eq(code_of(r), "busy");
			close(fd);
			struct timespec ts = {0, 10 * 1000 * 1000};
			nanosleep(&ts, NULL);
		} else {
			fds[0] = fd;
		}
		json_decref(r);
	}
	cr_assert(served, "a freed slot is never reused");
	for (int i = 0; i < SERVER_BOOTH_CONNS; i++)
		close(fds[i]);
	free(fds);
}

Test(server, back_pressure_while_a_reply_is_deferred)
{
	int a = conn();
	send_all(a, "{\"op\":\"hold\"}\n");
	for (int i = 0; i < 3000 && !atomic_load(&holding); i++) {
		struct timespec ts = {0, 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	cr_assert(atomic_load(&holding), "the hold request never reached the handler");
	/* Pipeline far more than a line's worth of requests behind it. */
	enum { N = 4000, PAD = 600 };
	size_t cap = (size_t)N * (PAD + 64), len = 0;
	char *buf = malloc(cap), pad[PAD + 1];
	cr_assert_not_null(buf);
	memset(pad, 'x', PAD);
	pad[PAD] = 0;
	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(buf + len, cap - len,
		                        "{\"op\":\"ping\",\"n\":%d,\"pad\":\"%s\"}\n", i, pad);
	cr_assert_eq(fcntl(a, F_SETFL, fcntl(a, F_GETFL) | O_NONBLOCK), 0);
	size_t off = 0;
	for (;;) {
		ssize_t w = send(a, buf + off, len - off, MSG_NOSIGNAL);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		cr_assert(w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR),
		          "send: %s", strerror(errno));
		if (errno != EINTR)
			break;
	}
	cr_assert_lt(off, len, "the server kept reading a connection that is busy");
	cr_assert_gt(off, (size_t)SERVER_LINE_MAX);
	/* Paused: the loop sleeps until its timeout, it does not spin on the
	 * readable connection (a spinning loop wakes thousands of times). */
	long w0 = atomic_load(&loop_waits);
	struct timespec pause = {0, 600 * 1000 * 1000};
	nanosleep(&pause, NULL);
	long woke = atomic_load(&loop_waits) - w0;
	cr_assert_leq(woke, 20, "the loop woke %ld times in 0.6 s while paused", woke);
	/* Release the deferred reply from another connection. */
	int b = conn();
	send_all(b, "{\"op\":\"release\"}\n");
	json_t *r = recv_line(b);
	cr_assert_not_null(r);
	cr_assert_null(code_of(r));
	json_decref(r);
	close(b);
	/* Now everything is answered, in order: the hold, then each ping. */
	size_t rcap = 1 << 16, rlen = 0;
	char *rbuf = malloc(rcap);
	int next = -1; /* -1: the hold's reply */
	while (next < N) {
		struct pollfd p = {a, POLLIN | (off < len ? POLLOUT : 0), 0};
		int pr = poll(&p, 1, 30000);
		cr_assert_gt(pr, 0, "stalled with %d of %d replies", next + 1, N + 1);
		if ((p.revents & POLLOUT) && off < len) {
			ssize_t w = send(a, buf + off, len - off, MSG_NOSIGNAL);
			if (w > 0)
				off += (size_t)w;
		}
		if (p.revents & (POLLIN | POLLHUP)) {
			if (rcap - rlen < 4096) {
				rcap *= 2;
				rbuf = realloc(rbuf, rcap);
				cr_assert_not_null(rbuf);
			}
			ssize_t n = recv(a, rbuf + rlen, rcap - rlen, 0);
			cr_assert(n > 0 || errno == EAGAIN || errno == EINTR,
			          "connection closed after %d replies", next + 1);
			if (n > 0)
				rlen += (size_t)n;
		}
		char *nl;
		while ((nl = memchr(rbuf, '\n', rlen)) != NULL) {
			json_t *rep = json_loadb(rbuf, (size_t)(nl - rbuf), 0, NULL);
			cr_assert_not_null(rep);
			cr_assert_null(code_of(rep), "reply %d is an error: %s", next + 1,
			               code_of(rep));
			if (next < 0)
				cr_assert_str_eq(
				    json_string_value(json_object_get(rep, "released")), "yes");
			else
				cr_assert_eq(json_integer_value(json_object_get(rep, "n")), next,
				             "replies out of order");
			json_decref(rep);
			next++;
			rlen -= (size_t)(nl + 1 - rbuf);
			memmove(rbuf, nl + 1, rlen);
		}
	}
	cr_assert_eq(off, len);
	cr_assert_eq(rlen, 0, "nothing after the last reply");
	free(rbuf);
	free(buf);
	close(a);
}

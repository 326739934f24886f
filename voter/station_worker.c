/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * station_worker.c -- the worker of the privilege-separated daemon
 * (docs/spec/protocol.md P-9): it serves the three sockets the monitor
 * made, parses and validates every request (request.h) and asks the
 * monitor for the rest with one typed message (privsep.h).  It holds no
 * key: it is a fresh program (exec), it reads only the public election
 * directory, it runs as another user when started as root, and it is
 * confined with seccomp (sandbox.h) before it reads any request.
 */
#include "station_int.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "request.h"
#include "sandbox.h"

#include "banned.h"

typedef struct worker {
	station *pub; /* the election's public parts only (style, station id) */
	server *srv;
	int chan;
	unsigned gen;
	uint8_t frame[PS_REQ_MAX];
	ps_msg msg;
	const char *forbidden_op; /* test hook QUORUM_TEST_WORKER_FORBIDDEN */
	const char *malformed_op; /* test hook QUORUM_TEST_WORKER_MALFORMED */
} worker;

typedef struct wreply {
	server_conn conn;
	json_t *reply;
} wreply;

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

static int read_all(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = recv(fd, p, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static json_t *handler(void *ctx, server *srv, server_conn c, server_role role, json_t *req)
{
	worker *w = ctx;
	size_t len = 0;
#ifdef QUORUM_TEST_HOOKS
	/* Test hook: the first worker, given a request with this op, tries to
	 * start a shell, as a compromised parser would; the sandbox kills it. */
	const char *op = json_string_value(json_object_get(req, "op"));
	if (w->forbidden_op != NULL && w->gen == 1 && op != NULL &&
	    strcmp(op, w->forbidden_op) == 0) {
		char *const sh[] = {"/bin/sh", "-c", "true", NULL};
		execv(sh[0], sh);
		return server_error("internal", "the sandbox let a forbidden call through");
	}
#endif
	json_t *r = request_parse(w->pub->style, w->pub->station_id, role, c,
	                          server_conn_count(srv), req, &w->msg);
	if (r != NULL)
		return r;
	qerr e = ps_encode(&w->msg, w->frame, sizeof w->frame, &len);
	wipe(&w->msg, sizeof w->msg);
#ifdef QUORUM_TEST_HOOKS
	/* Test hook: the first worker sends this op's message with one byte
	 * too many (its length field counts it); the monitor must refuse it. */
	if (e == Q_OK && w->malformed_op != NULL && w->gen == 1 && op != NULL &&
	    strcmp(op, w->malformed_op) == 0 && len < sizeof w->frame) {
		w->frame[len++] = 0xff;
		uint32_t bl = (uint32_t)(len - PS_HDR_LEN);
		for (int i = 0; i < 4; i++)
			w->frame[4 + i] = (uint8_t)(bl >> (8 * (3 - i)));
	}
#endif
	if (e == Q_OK && write_all(w->chan, w->frame, len) != 0)
		e = Q_ERR_IO;
	wipe(w->frame, len);
	if (e != Q_OK)
		return server_error("unavailable", "the station's monitor cannot be reached");
	return NULL;
}

/* Loop thread: a reply from the monitor, or NULL (the monitor is gone). */
static void on_reply(void *ctx, server *srv, void *item)
{
	wreply *r = item;
	(void)ctx;
	if (r == NULL) {
		server_stop(srv);
		return;
	}
	server_reply(srv, r->conn, r->reply);
	free(r);
}

/* Reader thread: the monitor's replies, posted to the loop. */
static void *reader_main(void *arg)
{
	worker *w = arg;
	for (;;) {
		uint8_t hdr[PS_HDR_LEN], *body = NULL;
		const char *json;
		size_t n;
		uint64_t conn;
		if (read_all(w->chan, hdr, sizeof hdr) != 0)
			break;
		uint32_t type = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
		                (uint32_t)hdr[2] << 8 | hdr[3];
		uint32_t len = (uint32_t)hdr[4] << 24 | (uint32_t)hdr[5] << 16 |
		               (uint32_t)hdr[6] << 8 | hdr[7];
		if (type != PS_REPLY || len < 12 || len > PS_REPLY_MAX + 12 ||
		    (body = malloc(len)) == NULL || read_all(w->chan, body, len) != 0) {
			free(body);
			break;
		}
		wreply *r = malloc(sizeof *r);
		json_error_t je;
		if (r == NULL || ps_reply_decode(body, len, &conn, &json, &n) != Q_OK ||
		    (r->reply = json_loadb(json, n, 0, &je)) == NULL) {
			free(r);
			wipe(body, len);
			free(body);
			break;
		}
		wipe(body, len);
		free(body);
		r->conn = conn;
		if (server_post(w->srv, r) != Q_OK) {
			json_decref(r->reply);
			free(r);
		}
	}
	while (server_post(w->srv, NULL) != Q_OK)
		sched_yield();
	return NULL;
}

int station_worker_main(const station_config *cfg, const int fds[4], unsigned gen, const char *user)
{
	worker *w = calloc(1, sizeof *w);
	server_config sc;
	char err[512];
	pthread_t reader;
	int rc = 1;
	if (w == NULL)
		_exit(1);
	/* The worker dies with the monitor (also set before exec). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() == 1)
		goto out;
	w->chan = fds[0];
	w->gen = gen;
#ifdef QUORUM_TEST_HOOKS
	w->forbidden_op = getenv("QUORUM_TEST_WORKER_FORBIDDEN");
	w->malformed_op = getenv("QUORUM_TEST_WORKER_MALFORMED");
#endif
	openlog("quorum-ballotd", LOG_PID | LOG_NDELAY, LOG_DAEMON); /* before the sandbox */
	if (station_open_public(&w->pub, cfg, err, sizeof err) != Q_OK) {
		st_log(NULL, LOG_ERR, "worker: %s", err);
		goto out;
	}
	memset(&sc, 0, sizeof sc);
	for (int r = 0; r < ROLE__COUNT; r++) {
		sc.have_listen_fd[r] = 1;
		sc.listen_fd[r] = fds[1 + r];
		sc.group_set[r] = cfg->group_set[r];
		sc.gid[r] = cfg->gid[r];
	}
	sc.owner_set = 1;
	sc.owner_uid = (unsigned)geteuid(); /* the monitor's user */
	sc.read_timeout_ms = cfg->read_timeout_ms > 0 ? cfg->read_timeout_ms : 10000;
	sc.idle_timeout_ms = cfg->idle_timeout_ms;
	sc.handler = handler;
	sc.on_post = on_reply;
	sc.ctx = w;
	if (server_load_members(&sc) != Q_OK)
		goto out;
	if (sandbox_drop_user(user, err, sizeof err) != Q_OK) {
		st_log(NULL, LOG_ERR, "worker: %s", err);
		goto out;
	}
	if (server_new(&w->srv, &sc, err, sizeof err) != Q_OK ||
	    server_handle_signals(w->srv) != Q_OK) {
		st_log(NULL, LOG_ERR, "worker: %s", err);
		goto out;
	}
	if (pthread_create(&reader, NULL, reader_main, w) != 0)
		goto out;
	if (sandbox_enter(err, sizeof err) != Q_OK) {
		st_log(NULL, LOG_ERR, "worker: %s", err);
		goto out;
	}
	rc = server_run(w->srv) == Q_OK ? 0 : 1;
out:
	/* The reader may still be blocked on the channel: leave with it. */
	fflush(stderr);
	_exit(rc);
}

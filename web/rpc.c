/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rpc.c -- one JSON-lines request to the daemon (docs/protocol.md 1). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "crypto/util.h"
#include "web.h"

#include "banned.h"

/* Largest reply accepted (a ballot, a challenge's opening, a close). */
#define REPLY_MAX (1u << 22)

static int connect_unix(const char *path)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	size_t n = strlen(path);
	if (n >= sizeof sa.sun_path)
		return -1;
	memcpy(sa.sun_path, path, n + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	/* a close waits for casts in flight; a cast for its group commit */
	struct timeval tv = {120, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	return fd;
}

json_t *rpc_call(const char *path, json_t *req, const char **why)
{
	json_t *rep = NULL;
	char *line = NULL, *buf = NULL;
	size_t n = 0, cap = 0, len = 0;
	int fd = -1;
	*why = "out of memory";
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (line == NULL)
		goto out;
	n = strlen(line);
	/* a refused or full listen queue: nothing was sent, so try again
	 * briefly (a request is never sent twice) */
	for (int i = 0; i < 3 && (fd = connect_unix(path)) < 0; i++) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (fd < 0) {
		*why = "cannot connect to the station daemon";
		goto out;
	}
	/* the line and its newline: the NUL terminator becomes '\n' */
	line[n] = '\n';
	for (size_t off = 0; off < n + 1;) {
		ssize_t w = send(fd, line + off, n + 1 - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			*why = "the station daemon closed the connection";
			goto out;
		}
		off += (size_t)w;
	}
	cap = 8192;
	buf = malloc(cap);
	if (buf == NULL)
		goto out;
	for (;;) {
		if (len == cap) {
			if (cap >= REPLY_MAX) {
				*why = "the station daemon's reply is too long";
				goto out;
			}
			char *p = realloc(buf, cap * 2);
			if (p == NULL)
				goto out;
			buf = p;
			cap *= 2;
		}
		ssize_t r = recv(fd, buf + len, cap - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*why = "the station daemon did not answer";
			goto out;
		}
		char *nl = memchr(buf + len, '\n', (size_t)r);
		len += (size_t)r;
		if (nl != NULL) {
			rep = json_loadb(buf, (size_t)(nl - buf), JSON_REJECT_DUPLICATES, NULL);
			if (rep != NULL && !json_is_object(rep)) {
				json_decref(rep);
				rep = NULL;
			}
			if (rep == NULL)
				*why = "the station daemon's reply is not a JSON object";
			break;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	if (line != NULL) {
		/* the request may hold a token or marks */
		wipe(line, n + 1);
		free(line);
	}
	if (buf != NULL) {
		wipe(buf, cap);
		free(buf);
	}
	if (rep != NULL)
		*why = NULL;
	return rep;
}

const char *rpc_err(const json_t *rep)
{
	if (json_is_true(json_object_get(rep, "ok")))
		return NULL;
	const char *c = json_string_value(json_object_get(json_object_get(rep, "error"), "code"));
	return c != NULL ? c : "internal";
}

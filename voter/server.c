/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * server.c -- epoll event loop over per-role UNIX sockets (server.h).
 */
#define _GNU_SOURCE /* struct ucred (SO_PEERCRED) */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "crypto/util.h"

#include "banned.h"

enum { TAG_LISTEN = 1, TAG_CONN, TAG_EVENT, TAG_SIGNAL, TAG_WATCH };

typedef struct conn {
	int tag; /* TAG_CONN; first member, like every epoll target */
	int fd;
	server_conn id;
	server_role role;
	char *in;
	size_t inlen;
	char *out;
	size_t outlen, outoff, outcap;
	int busy; /* a request is being handled (deferred reply pending) */
	int rd_eof; /* the peer will send nothing more */
	int closing; /* close once out is flushed */
	int dead; /* closed; freed at the end of the loop iteration */
	int backlog; /* complete requests left unhandled by the per-wakeup cap */
	uint32_t events; /* epoll events registered (0: not in the set) */
	int64_t partial_since; /* ms; 0 when no partial request */
	int64_t last_active; /* ms; last request received or reply sent */
	struct conn *next_dead;
} conn;

typedef struct listener {
	int tag; /* TAG_LISTEN */
	int fd;
	server_role role;
	char *path;
} listener;

typedef struct post_node {
	struct post_node *next;
	void *item;
} post_node;

typedef struct fd_tag {
	int tag;
} fd_tag;

struct server {
	server_config cfg;
	int ep;
	listener lis[ROLE__COUNT];
	fd_tag ev_tag, sig_tag, watch_tag;
	int watch_fd;
	void (*watch_cb)(void *ctx);
	void *watch_ctx;
	int evfd, sigfd;
	conn *slots[SERVER_MAX_CONNS];
	size_t nconns, nrole[ROLE__COUNT];
	conn *dead; /* closed connections, freed at a safe point (reap) */
	uint64_t gen;
	volatile int stop;
	pthread_mutex_t mu;
	post_node *head, *tail;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

json_t *server_error(const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return json_pack("{s:b, s:{s:s, s:s}}", "ok", 0, "error", "code", code, "message", msg);
}

json_t *server_ok(json_t *extra)
{
	json_t *o = json_object();
	if (o == NULL) {
		json_decref(extra);
		return NULL;
	}
	json_object_set_new(o, "ok", json_true());
	if (extra != NULL) {
		json_object_update(o, extra);
		json_decref(extra);
	}
	return o;
}

qerr server_listen(const server_config *cfg, server_role r, int *fdp, char *err, size_t errlen)
{
	const char *p = cfg->socket_path[r];
	struct sockaddr_un sa;
	qerr e = Q_ERR_IO;
	int fd = -1;
	*fdp = -1;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(p) >= sizeof sa.sun_path) {
		snprintf(err, errlen, "socket path too long: %s", p);
		return Q_ERR_LIMIT;
	}
	memcpy(sa.sun_path, p, strlen(p) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto out;
	}
	struct stat sb;
	if (lstat(p, &sb) == 0) {
		/* Only a stale socket of ours is replaced. */
		if (!S_ISSOCK(sb.st_mode) || sb.st_uid != geteuid()) {
			snprintf(err, errlen,
			         "%s exists and is not a socket of this user: refusing to "
			         "replace it",
			         p);
			e = Q_ERR_STATE;
			goto out;
		}
		if (unlink(p) != 0) {
			snprintf(err, errlen, "unlink %s: %s", p, strerror(errno));
			goto out;
		}
	}
	/* The socket is born with its final mode (no chmod of a path,
	 * which would follow a symlink put there in between). */
	mode_t old = umask(0777 & ~(mode_t)cfg->mode[r]);
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (rc != 0) {
		snprintf(err, errlen, "bind %s: %s", p, strerror(errno));
		goto out;
	}
	if (cfg->group_set[r] &&
	    fchownat(AT_FDCWD, p, (uid_t)-1, (gid_t)cfg->gid[r], AT_SYMLINK_NOFOLLOW) != 0) {
		snprintf(err, errlen, "chown %s: %s", p, strerror(errno));
		goto out;
	}
	if (lstat(p, &sb) != 0 || !S_ISSOCK(sb.st_mode) || sb.st_uid != geteuid() ||
	    (sb.st_mode & 0777) != cfg->mode[r]) {
		snprintf(err, errlen, "%s: not the socket just created", p);
		e = Q_ERR_STATE;
		goto out;
	}
	if (listen(fd, 128) != 0) {
		snprintf(err, errlen, "listen %s: %s", p, strerror(errno));
		goto out;
	}
	*fdp = fd;
	fd = -1;
	e = Q_OK;
out:
	if (fd >= 0)
		close(fd);
	return e;
}

qerr server_new(server **out, const server_config *cfg, char *err, size_t errlen)
{
	qerr e = Q_ERR_IO;
	server *s = calloc(1, sizeof *s);
	*out = NULL;
	if (s == NULL)
		return Q_ERR_NOMEM;
	s->cfg = *cfg;
	s->evfd = s->sigfd = s->watch_fd = -1;
	for (int r = 0; r < ROLE__COUNT; r++)
		s->lis[r].fd = -1;
	pthread_mutex_init(&s->mu, NULL);
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	s->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->ep < 0 || s->evfd < 0) {
		snprintf(err, errlen, "epoll/eventfd: %s", strerror(errno));
		goto out;
	}
	s->ev_tag.tag = TAG_EVENT;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &s->ev_tag};
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, s->evfd, &ev) != 0) {
		snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
		goto out;
	}
	for (int r = 0; r < ROLE__COUNT; r++) {
		listener *l = &s->lis[r];
		l->tag = TAG_LISTEN;
		l->role = (server_role)r;
		if (cfg->have_listen_fd[r]) {
			l->fd = cfg->listen_fd[r]; /* made by a parent; not unlinked here */
		} else if (cfg->socket_path[r] != NULL) {
			if ((e = server_listen(cfg, (server_role)r, &l->fd, err, errlen)) != Q_OK)
				goto out;
			if ((l->path = strdup(cfg->socket_path[r])) == NULL) {
				e = Q_ERR_NOMEM;
				goto out;
			}
		} else {
			continue;
		}
		struct epoll_event lev = {.events = EPOLLIN, .data.ptr = l};
		if (epoll_ctl(s->ep, EPOLL_CTL_ADD, l->fd, &lev) != 0) {
			snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
			e = Q_ERR_IO;
			goto out;
		}
	}
	*out = s;
	s = NULL;
	e = Q_OK;
out:
	server_free(s);
	return e;
}

qerr server_watch(server *s, int fd, void (*cb)(void *ctx), void *ctx)
{
	if (s->watch_fd >= 0)
		return Q_ERR_STATE;
	s->watch_tag.tag = TAG_WATCH;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &s->watch_tag};
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
		return Q_ERR_IO;
	s->watch_fd = fd;
	s->watch_cb = cb;
	s->watch_ctx = ctx;
	return Q_OK;
}

void server_unwatch(server *s)
{
	if (s->watch_fd < 0)
		return;
	(void)epoll_ctl(s->ep, EPOLL_CTL_DEL, s->watch_fd, NULL);
	s->watch_fd = -1;
}

qerr server_handle_signals(server *srv)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return Q_ERR_IO;
	signal(SIGPIPE, SIG_IGN);
	srv->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (srv->sigfd < 0)
		return Q_ERR_IO;
	srv->sig_tag.tag = TAG_SIGNAL;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &srv->sig_tag};
	if (epoll_ctl(srv->ep, EPOLL_CTL_ADD, srv->sigfd, &ev) != 0)
		return Q_ERR_IO;
	return Q_OK;
}

/* Close c now but free it only at a safe point (reap, at the end of a
 * loop iteration): callers up the stack and later events of the same
 * epoll batch may still hold the pointer; they see c->dead. */
static void conn_close(server *s, conn *c)
{
	size_t slot = (size_t)(c->id & 0xffff);
	if (c->dead)
		return;
	c->dead = 1;
	c->closing = 1;
	if (c->events != 0)
		epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL);
	c->events = 0;
	close(c->fd);
	c->fd = -1;
	if (slot < SERVER_MAX_CONNS && s->slots[slot] == c)
		s->slots[slot] = NULL;
	s->nconns--;
	s->nrole[c->role]--;
	c->next_dead = s->dead;
	s->dead = c;
}

static void conn_free(conn *c)
{
	wipe(c->in, SERVER_LINE_MAX + 2);
	free(c->in);
	/* Replies may hold a ballot token. */
	if (c->out != NULL)
		wipe(c->out, c->outcap);
	free(c->out);
	free(c);
}

static void reap(server *s)
{
	while (s->dead != NULL) {
		conn *c = s->dead;
		s->dead = c->next_dead;
		conn_free(c);
	}
}

/* Register exactly the events we can act on: input unless paused (busy
 * with a full buffer) or at EOF, output while bytes are pending.  With
 * neither, the fd leaves the epoll set (so a hung-up peer whose reply is
 * still being computed does not spin the loop). */
static void conn_interest(server *s, conn *c)
{
	uint32_t want = 0;
	if (c->dead)
		return;
	/* Back-pressure: no reading while the peer leaves replies unread. */
	if (!c->rd_eof && !(c->busy && c->inlen > SERVER_LINE_MAX) &&
	    c->outlen - c->outoff <= SERVER_OUT_MAX)
		want |= EPOLLIN | EPOLLRDHUP;
	if (c->outlen > c->outoff)
		want |= EPOLLOUT;
	if (want == c->events)
		return;
	struct epoll_event ev = {.events = want, .data.ptr = c};
	if (want == 0)
		epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL);
	else if (c->events == 0)
		epoll_ctl(s->ep, EPOLL_CTL_ADD, c->fd, &ev);
	else
		epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev);
	c->events = want;
}

/* Write what we can; returns -1 if the connection was closed. */
static int conn_flush(server *s, conn *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
		if (n > 0) {
			c->outoff += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		conn_close(s, c);
		return -1;
	}
	if (c->outoff == c->outlen) {
		wipe(c->out, c->outlen); /* sent replies may hold a token */
		c->outoff = c->outlen = 0;
		if (c->closing) {
			conn_close(s, c);
			return -1;
		}
	}
	conn_interest(s, c);
	return 0;
}

static void conn_queue(conn *c, json_t *reply)
{
	char *txt = NULL;
	if (reply == NULL)
		reply = server_error("internal", "out of memory");
	if (reply != NULL)
		txt = json_dumps(reply, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(reply);
	if (txt == NULL) {
		c->closing = 1;
		return;
	}
	size_t n = strlen(txt);
	if (c->outoff > 0 && c->outlen + n + 1 > c->outcap) {
		/* Move the unsent tail down first. */
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		wipe(c->out + c->outlen - c->outoff, c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	if (c->outlen + n + 1 > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 256;
		while (cap < c->outlen + n + 1)
			cap *= 2;
		/* Not realloc: the old buffer may hold a token; wipe it. */
		char *p = malloc(cap);
		if (p == NULL) {
			wipe(txt, n);
			free(txt);
			c->closing = 1;
			return;
		}
		if (c->out != NULL) {
			memcpy(p, c->out, c->outlen);
			wipe(c->out, c->outcap);
			free(c->out);
		}
		c->out = p;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, txt, n);
	c->out[c->outlen + n] = '\n';
	c->outlen += n + 1;
	wipe(txt, n);
	free(txt);
}

static conn *conn_find(server *s, server_conn id)
{
	size_t slot = (size_t)(id & 0xffff);
	if (slot >= SERVER_MAX_CONNS)
		return NULL;
	conn *c = s->slots[slot];
	return (c != NULL && c->id == id) ? c : NULL;
}

static void conn_process(server *s, conn *c);

void server_reply(server *s, server_conn id, json_t *reply)
{
	conn *c = conn_find(s, id);
	if (c == NULL) {
		json_decref(reply);
		return;
	}
	c->busy = 0;
	c->last_active = now_ms();
	conn_queue(c, reply);
	if (c->rd_eof && c->inlen == 0)
		c->closing = 1;
	if (conn_flush(s, c) != 0)
		return;
	conn_process(s, c);
}

/* Handle the complete lines in c->in while not busy, at most
 * SERVER_LINES_PER_WAKEUP of them and only while the unsent output is
 * under SERVER_OUT_MAX (the rest waits: c->backlog).  May close c (it
 * then stays allocated until reap). */
static void conn_process(server *s, conn *c)
{
	int budget = SERVER_LINES_PER_WAKEUP;
	if (c->dead)
		return;
	c->backlog = 0;
	while (!c->busy && !c->closing) {
		char *nl = memchr(c->in, '\n', c->inlen);
		if (nl == NULL)
			break;
		if (budget-- == 0 || c->outlen - c->outoff > SERVER_OUT_MAX) {
			c->backlog = 1;
			break;
		}
		c->last_active = now_ms();
		size_t linelen = (size_t)(nl - c->in);
		json_error_t jerr;
		json_t *reply = NULL;
		json_t *req = json_loadb(c->in, linelen, JSON_REJECT_DUPLICATES, &jerr);
		/* The line may hold a voter's marks: wipe what it leaves behind. */
		size_t oldlen = c->inlen;
		memmove(c->in, nl + 1, c->inlen - linelen - 1);
		c->inlen -= linelen + 1;
		wipe(c->in + c->inlen, oldlen - c->inlen);
		c->partial_since = c->inlen > 0 ? now_ms() : 0;
		if (linelen > SERVER_LINE_MAX) {
			reply = server_error("too_large", "request longer than %d bytes",
			                     SERVER_LINE_MAX);
		} else if (req == NULL) {
			reply =
			    server_error("bad_json", "request is not valid JSON: %s (column %d)",
			                 jerr.text, jerr.column);
		} else if (!json_is_object(req)) {
			reply = server_error("bad_request", "request must be a JSON object");
		} else {
			c->busy = 1;
			reply = s->cfg.handler(s->cfg.ctx, s, c->id, c->role, req);
			if (reply != NULL)
				c->busy = 0;
		}
		json_decref(req);
		if (reply != NULL)
			conn_queue(c, reply);
		if (c->dead)
			return;
	}
	if (!c->busy && c->rd_eof && !c->backlog) {
		if (c->inlen > 0) {
			conn_queue(c, server_error("truncated",
			                           "connection closed in the middle of a request "
			                           "(no newline after %zu bytes)",
			                           c->inlen));
			c->inlen = 0;
		}
		c->closing = 1;
	}
	(void)conn_flush(s, c);
}

/* Read what the peer sent, at most one line buffer's worth per wakeup
 * (level-triggered epoll calls again), so no client holds the loop. */
static void conn_read(server *s, conn *c)
{
	size_t budget = SERVER_LINE_MAX + 2;
	for (;;) {
		if (c->inlen > SERVER_LINE_MAX && memchr(c->in, '\n', c->inlen) == NULL) {
			/* No newline within the cap: we cannot find the next
			 * request boundary, so answer and hang up. */
			conn_queue(c, server_error("too_large", "request longer than %d bytes",
			                           SERVER_LINE_MAX));
			c->inlen = 0;
			c->closing = 1;
			shutdown(c->fd, SHUT_RD);
			(void)conn_flush(s, c);
			return;
		}
		size_t room = SERVER_LINE_MAX + 2 - c->inlen;
		if (room > budget)
			room = budget;
		if (room == 0 || c->backlog || c->outlen - c->outoff > SERVER_OUT_MAX)
			break;
		ssize_t n = recv(c->fd, c->in + c->inlen, room, 0);
		if (n > 0) {
			budget -= (size_t)n;
			if (c->inlen == 0)
				c->partial_since = now_ms();
			c->inlen += (size_t)n;
			/* Handle lines as soon as we have them, so a long
			 * pipeline never hits the cap as a whole. */
			if (!c->busy && memchr(c->in + c->inlen - (size_t)n, '\n', (size_t)n)) {
				conn_process(s, c);
				if (c->dead || c->closing)
					return;
			}
			if (c->busy && c->inlen > SERVER_LINE_MAX)
				break; /* back-pressure: stop reading until idle */
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		c->rd_eof = 1;
		break;
	}
	conn_process(s, c);
}

/* SO_PEERCRED: uid 0, the daemon's uid, or a member of the role's group. */
static int peer_allowed(const server *s, int fd, server_role role)
{
	struct ucred uc;
	socklen_t len = sizeof uc;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0)
		return 0;
	if (uc.uid == 0 || uc.uid == (s->cfg.owner_set ? (uid_t)s->cfg.owner_uid : geteuid()))
		return 1;
	if (!s->cfg.group_set[role])
		return 0;
	gid_t g = (gid_t)s->cfg.gid[role];
	if (uc.gid == g)
		return 1;
	if (s->cfg.members_loaded) {
		for (size_t i = 0; i < s->cfg.nmembers[role]; i++)
			if (s->cfg.members[role][i] == (unsigned)uc.uid)
				return 1;
		return 0;
	}
	struct passwd pw, *pp = NULL;
	char buf[4096];
	gid_t groups[256];
	int ng = 256;
	if (getpwuid_r(uc.uid, &pw, buf, sizeof buf, &pp) != 0 || pp == NULL)
		return 0;
	if (getgrouplist(pp->pw_name, pp->pw_gid, groups, &ng) < 0)
		return 0;
	for (int i = 0; i < ng; i++)
		if (groups[i] == g)
			return 1;
	return 0;
}

qerr server_load_members(server_config *cfg)
{
	struct passwd *pw;
	qerr e = Q_OK;
	setpwent();
	while (e == Q_OK && (pw = getpwent()) != NULL) {
		gid_t groups[256];
		int ng = 256;
		if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &ng) < 0)
			continue;
		for (int r = 0; r < ROLE__COUNT; r++) {
			int in = 0;
			for (int i = 0; i < ng; i++)
				in |= cfg->group_set[r] && groups[i] == (gid_t)cfg->gid[r];
			if (!in)
				continue;
			unsigned *p = realloc(cfg->members[r], (cfg->nmembers[r] + 1) * sizeof *p);
			if (p == NULL) {
				e = Q_ERR_NOMEM;
				break;
			}
			p[cfg->nmembers[r]++] = (unsigned)pw->pw_uid;
			cfg->members[r] = p;
		}
	}
	endpwent();
	cfg->members_loaded = e == Q_OK;
	return e;
}

static const size_t role_limit[ROLE__COUNT] = {SERVER_ADMIN_CONNS, SERVER_OPERATOR_CONNS,
                                               SERVER_BOOTH_CONNS};

static void do_accept(server *s, listener *l)
{
	for (;;) {
		int fd = accept(l->fd, NULL, NULL);
		if (fd < 0)
			return;
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0 ||
		    fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
			close(fd);
			continue;
		}
		if (!peer_allowed(s, fd, l->role)) {
			static const char no[] = "{\"ok\":false,\"error\":{\"code\":\"forbidden\","
			                         "\"message\":\"this user may not use this "
			                         "socket\"}}\n";
			(void)!send(fd, no, sizeof no - 1, MSG_NOSIGNAL);
			close(fd);
			continue;
		}
		size_t slot = SERVER_MAX_CONNS;
		for (size_t i = 0; i < SERVER_MAX_CONNS && s->nrole[l->role] < role_limit[l->role];
		     i++) {
			if (s->slots[i] == NULL) {
				slot = i;
				break;
			}
		}
		conn *c = slot < SERVER_MAX_CONNS ? calloc(1, sizeof *c) : NULL;
		char *in = c != NULL ? malloc(SERVER_LINE_MAX + 2) : NULL;
		if (in == NULL) {
			static const char busy[] = "{\"ok\":false,\"error\":{\"code\":\"busy\","
			                           "\"message\":\"too many connections on this "
			                           "socket\"}}\n";
			(void)!send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL);
			close(fd);
			free(c);
			continue;
		}
		c->tag = TAG_CONN;
		c->fd = fd;
		c->in = in;
		c->role = l->role;
		c->id = (++s->gen << 16) | slot;
		c->events = EPOLLIN | EPOLLRDHUP;
		struct epoll_event ev = {.events = c->events, .data.ptr = c};
		if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
			close(fd);
			free(in);
			free(c);
			continue;
		}
		c->last_active = now_ms();
		s->slots[slot] = c;
		s->nconns++;
		s->nrole[c->role]++;
	}
}

void server_drain_posts(server *s)
{
	uint64_t v;
	(void)!read(s->evfd, &v, sizeof v);
	pthread_mutex_lock(&s->mu);
	post_node *n = s->head;
	s->head = s->tail = NULL;
	pthread_mutex_unlock(&s->mu);
	while (n != NULL) {
		post_node *next = n->next;
		s->cfg.on_post(s->cfg.ctx, s, n->item);
		free(n);
		n = next;
	}
}

qerr server_post(server *s, void *item)
{
	post_node *n = malloc(sizeof *n);
	if (n == NULL)
		return Q_ERR_NOMEM;
	n->next = NULL;
	n->item = item;
	pthread_mutex_lock(&s->mu);
	if (s->tail != NULL)
		s->tail->next = n;
	else
		s->head = n;
	s->tail = n;
	pthread_mutex_unlock(&s->mu);
	uint64_t one = 1;
	(void)!write(s->evfd, &one, sizeof one);
	return Q_OK;
}

static void check_timeouts(server *s)
{
	int64_t t = now_ms();
	for (size_t i = 0; i < SERVER_MAX_CONNS; i++) {
		conn *c = s->slots[i];
		if (c == NULL || c->busy || c->closing)
			continue;
		if (c->partial_since == 0) {
			/* Idle: no request for idle_timeout_ms and nothing owed. */
			if (s->cfg.idle_timeout_ms > 0 && c->inlen == 0 &&
			    t - c->last_active > s->cfg.idle_timeout_ms)
				conn_close(s, c);
			continue;
		}
		if (t - c->partial_since > s->cfg.read_timeout_ms) {
			conn_queue(c, server_error("timeout", "request not completed within %d ms",
			                           s->cfg.read_timeout_ms));
			c->inlen = 0;
			c->closing = 1;
			(void)conn_flush(s, c);
		}
	}
}

qerr server_run(server *s)
{
	struct epoll_event evs[64];
	int backlog = 0;
	while (!s->stop) {
		int n = epoll_wait(s->ep, evs, 64, backlog ? 0 : 200);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return Q_ERR_IO;
		}
		for (int i = 0; i < n; i++) {
			int tag = *(int *)evs[i].data.ptr;
			if (tag == TAG_LISTEN) {
				do_accept(s, evs[i].data.ptr);
			} else if (tag == TAG_EVENT) {
				server_drain_posts(s);
			} else if (tag == TAG_WATCH) {
				if (s->watch_fd >= 0)
					s->watch_cb(s->watch_ctx);
			} else if (tag == TAG_SIGNAL) {
				struct signalfd_siginfo si;
				while (read(s->sigfd, &si, sizeof si) == sizeof si)
					s->stop = 1;
			} else {
				/* c may have been closed by an earlier event of
				 * this batch: it is still allocated (reap). */
				conn *c = evs[i].data.ptr;
				if (c->dead)
					continue;
				if (evs[i].events & EPOLLOUT) {
					if (conn_flush(s, c) != 0)
						continue;
					if (c->backlog && !c->busy) {
						conn_process(s, c);
						if (c->dead)
							continue;
					}
				}
				if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
					if (c->rd_eof || (c->busy && c->inlen > SERVER_LINE_MAX)) {
						conn_interest(s, c);
						continue;
					}
					conn_read(s, c);
				}
			}
		}
		/* Requests left over by the per-wakeup cap: one more share
		 * each, in slot order, before waiting again. */
		backlog = 0;
		for (size_t i = 0; i < SERVER_MAX_CONNS; i++) {
			conn *c = s->slots[i];
			if (c == NULL || !c->backlog || c->busy)
				continue;
			if (c->outlen - c->outoff > SERVER_OUT_MAX)
				continue; /* waits for EPOLLOUT */
			conn_process(s, c);
			if (!c->dead && c->backlog)
				backlog = 1;
		}
		check_timeouts(s);
		reap(s);
	}
	return Q_OK;
}

void server_stop(server *s)
{
	s->stop = 1;
}

size_t server_conn_count(const server *s)
{
	return s->nconns;
}

void server_free(server *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < SERVER_MAX_CONNS; i++)
		if (s->slots[i] != NULL)
			conn_close(s, s->slots[i]);
	reap(s);
	for (int r = 0; r < ROLE__COUNT; r++) {
		if (s->lis[r].fd >= 0)
			close(s->lis[r].fd);
		if (s->lis[r].path != NULL) {
			unlink(s->lis[r].path);
			free(s->lis[r].path);
		}
	}
	post_node *n = s->head;
	while (n != NULL) {
		post_node *next = n->next;
		free(n);
		n = next;
	}
	if (s->ep >= 0)
		close(s->ep);
	if (s->evfd >= 0)
		close(s->evfd);
	if (s->sigfd >= 0)
		close(s->sigfd);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

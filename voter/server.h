/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * server.h -- the daemon's event loop: one UNIX stream socket per role,
 * newline-delimited JSON requests (docs/protocol.md section 1), a line
 * cap, a read timeout, many clients at once, deferred replies.
 *
 * Single-threaded: every callback runs on the thread that called
 * server_run().  Other threads hand results back with server_post(),
 * which is thread-safe and wakes the loop.
 */
#ifndef QUORUM_VOTER_SERVER_H
#define QUORUM_VOTER_SERVER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/qerr.h"

#define SERVER_LINE_MAX (64 * 1024) /* bytes per request line, newline excluded */
#define SERVER_MAX_CONNS 1024 /* all roles together (the sum of the role limits) */
#define SERVER_ADMIN_CONNS 16 /* connection limit per role (docs/protocol.md 1) */
#define SERVER_OPERATOR_CONNS 112
#define SERVER_BOOTH_CONNS 896
#define SERVER_OUT_MAX (256 * 1024) /* unsent reply bytes before reading stops */
#define SERVER_LINES_PER_WAKEUP 32 /* requests handled per connection per wakeup */

typedef enum server_role {
	ROLE_ADMIN = 0,
	ROLE_OPERATOR = 1,
	ROLE_BOOTH = 2,
	ROLE__COUNT
} server_role;

/* A connection is named by a 64-bit id that is never reused, so a late
 * reply to a closed connection is dropped rather than misdelivered. */
typedef uint64_t server_conn;

typedef struct server server;

/* Handle one parsed request object (never NULL; "op" not yet checked).
 * Return a reply object (ownership passes to the server, which writes it
 * and frees it), or NULL to defer: the handler must then call
 * server_reply() exactly once later for this connection.  The
 * connection reads no further request until its reply is written. */
typedef json_t *(*server_handler)(void *ctx, server *srv, server_conn c, server_role role,
                                  json_t *req);

/* Called on the loop thread for each item given to server_post(). */
typedef void (*server_post_cb)(void *ctx, server *srv, void *item);

typedef struct server_config {
	const char *socket_path[ROLE__COUNT]; /* NULL: no socket for that role */
	unsigned mode[ROLE__COUNT]; /* file mode, e.g. 0600, 0660 */
	/* Group of each socket and the peer check (SO_PEERCRED): a peer is
	 * accepted if its uid is 0 or the daemon's, or, when group_set[r],
	 * its gid or one of its user's supplementary groups is gid[r] (any
	 * role, the admin's too when the caller gives it a group).  Others
	 * get error "forbidden" and are disconnected. */
	int group_set[ROLE__COUNT];
	unsigned gid[ROLE__COUNT];
	/* A listening socket made by a parent process (server_listen), used
	 * instead of socket_path[r] and never unlinked by this server. */
	int have_listen_fd[ROLE__COUNT];
	int listen_fd[ROLE__COUNT];
	/* The uid that may use every socket besides root (default: geteuid();
	 * the privilege-separated worker runs as another user). */
	int owner_set;
	unsigned owner_uid;
	/* Filled by server_load_members: the uids whose groups include gid[r]
	 * (then the peer check reads no user database at connect). */
	int members_loaded;
	unsigned *members[ROLE__COUNT];
	size_t nmembers[ROLE__COUNT];
	int read_timeout_ms; /* a partial request older than this: error + close */
	int idle_timeout_ms; /* no request for this long: close (0: never) */
	server_handler handler;
	server_post_cb on_post;
	void *ctx;
} server_config;

/* Create the sockets, listen.  A stale socket at a path is unlinked;
 * anything else there (a file, a symlink, a directory) is refused.  Each
 * socket is created with its final mode (umask during bind, never chmod
 * of a path) and then given its group without following symlinks.  The
 * directory must already be safe (not writable by others).
 * On failure *out is NULL and err holds a reason. */
Q_MUST_CHECK qerr server_new(server **out, const server_config *cfg, char *err, size_t errlen);

/* Create, bind (mode cfg->mode[r], group cfg->gid[r]) and listen on
 * cfg->socket_path[r] as server_new does; *fd is close-on-exec and
 * non-blocking.  For a parent that hands listeners to a child. */
Q_MUST_CHECK qerr server_listen(const server_config *cfg, server_role r, int *fd, char *err,
                                size_t errlen);

/* Resolve, once, which users belong to each role's group (for a process
 * that cannot read /etc/passwd and /etc/group later: the sandboxed
 * worker).  The arrays are the caller's (never freed by the server). */
Q_MUST_CHECK qerr server_load_members(server_config *cfg);

/* Watch one more descriptor: cb(ctx) runs on the loop thread whenever fd
 * is readable (or at EOF/error).  One at a time: Q_ERR_STATE if one is
 * watched already. */
Q_MUST_CHECK qerr server_watch(server *srv, int fd, void (*cb)(void *ctx), void *ctx);

/* Stop watching it (the descriptor is not closed). */
void server_unwatch(server *srv);

/* Run until server_stop() (or SIGTERM/SIGINT when install_signals was
 * set).  Returns Q_OK on a clean stop, Q_ERR_IO on a fatal loop error. */
Q_MUST_CHECK qerr server_run(server *srv);

/* Ask the loop to stop after the current iteration (loop thread or a
 * signal handler via server_stop_signal_safe). */
void server_stop(server *srv);

/* Deliver a deferred reply (loop thread only).  Takes ownership of
 * reply.  A reply for a connection that has gone is freed silently. */
void server_reply(server *srv, server_conn c, json_t *reply);

/* Queue item for on_post on the loop thread; thread-safe.  Q_ERR_NOMEM
 * if the queue node cannot be allocated (the item is not queued). */
Q_MUST_CHECK qerr server_post(server *srv, void *item);

/* Run on_post for every queued item now (loop thread, or after the
 * loop and every posting thread have stopped). */
void server_drain_posts(server *srv);

/* Stop on SIGTERM/SIGINT: the loop watches a signalfd.  Call before
 * starting any thread so the signals stay blocked in every thread. */
Q_MUST_CHECK qerr server_handle_signals(server *srv);

/* Number of open client connections. */
size_t server_conn_count(const server *srv);

/* Close listeners and connections, unlink the sockets, free. NULL ok. */
void server_free(server *srv);

/* An error reply {"ok":false,"error":{"code":code,"message":msg}}. */
json_t *server_error(const char *code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* {"ok":true} plus the members of extra (stolen; may be NULL). */
json_t *server_ok(json_t *extra);

#endif

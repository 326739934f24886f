/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * web.h -- quorum-web, the station's web front (docs/guide-poll-worker.md,
 * docs/spec/protocol.md P-8).
 *
 * The front serves three roles on three listeners: the booth (voter), the
 * poll book (poll worker) and the station admin.  Each listener talks to
 * exactly one of the daemon's sockets (booth.sock, operator.sock,
 * admin.sock) with the JSON-lines protocol of docs/protocol.md; nothing of
 * one role's pages can reach another role's socket.  The front keeps no
 * state between requests: a ballot's marks travel in the POST bodies of
 * the booth's own forms and are dropped when the request has been
 * answered, so the front can be restarted at any time.
 */
#ifndef QUORUM_WEB_WEB_H
#define QUORUM_WEB_WEB_H

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>

/* ---- growable text buffer (buf.c) ---- */

typedef struct wbuf {
	char *p;
	size_t len, cap;
	int oom; /* set once an allocation failed; the buffer is then unusable */
} wbuf;

void wb_init(wbuf *b);
/* Wipe and free the buffer (pages may show a token or marks). */
void wb_free(wbuf *b);
void wb_raw(wbuf *b, const char *s);
void wb_rawn(wbuf *b, const char *s, size_t n);
void wb_fmt(wbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s with & < > " ' escaped for HTML text and attribute values;
 * NULL appends nothing. */
void wb_esc(wbuf *b, const char *s);
/* The message msgid in the reader's language, and, when that is not
 * English, the English original after it in a <span lang="en">: the pages
 * are Chinese first with English (escaped). */
void wb_bi(wbuf *b, const char *msgid);
/* Like wb_bi for a printf format with int arguments. */
void wb_bif(wbuf *b, const char *msgid, ...);
/* s grouped by n characters with spaces, for reading aloud (escaped). */
void wb_grouped(wbuf *b, const char *s, size_t n);
/* An inline SVG QR code of text (libqrencode), with an aria label; on
 * failure nothing is appended. */
void wb_qr_svg(wbuf *b, const char *text, const char *label);

/* ---- the daemon's sockets (rpc.c) ---- */

/* Send req (stolen) as one line on a fresh connection to path and return
 * the reply object, or NULL when the daemon cannot be reached or answered
 * something that is not a JSON object (errno-style reason in *why, a
 * static English string). */
json_t *rpc_call(const char *path, json_t *req, const char **why);
/* The error code of a reply, or NULL when it is ok. */
const char *rpc_err(const json_t *rep);

/* ---- TLS station certificate (cert.c) ---- */

/* Make a self-signed P-256 certificate and key for the station in dir
 * (station-cert.pem 0644, station-key.pem 0600); refuses to overwrite.
 * Returns 0 or -1 (message printed). */
int cert_make(const char *dir, const char *name);
/* The SHA-256 fingerprint of the first certificate of a PEM text, as
 * colon-separated upper-case hex (95 characters + NUL), or -1. */
int cert_fingerprint(const char *pem, char out[96]);

/* ---- the pages (pages.c) ---- */

enum role { ROLE_BOOTH, ROLE_POLLBOOK, ROLE_ADMIN, ROLE_N };

/* One form field (POST body, application/x-www-form-urlencoded). */
typedef struct field {
	char name[32];
	char *val; /* NUL-terminated, at most FORM_VALUE_MAX bytes */
	size_t len;
} field;

#define FORM_FIELDS_MAX 128
#define FORM_VALUE_MAX 4096
#define BODY_MAX 16384

typedef struct form {
	field f[FORM_FIELDS_MAX];
	size_t n;
	int bad; /* too many fields, a value too long, a name too long */
} form;

/* The value of the first field called name, or NULL. */
const char *form_get(const form *fm, const char *name);

typedef struct site {
	const char *sock[ROLE_N]; /* the daemon's socket path of each role */
	const char *fingerprint; /* the station certificate's, or NULL */
	const char *audit_hint; /* where a voter checks a receipt, or NULL */
	int tls;
	int idle_seconds; /* booth idle timeout */
} site;

/* A rendered answer: status, content type and body. */
typedef struct answer {
	unsigned status;
	const char *type;
	wbuf body;
} answer;

/* Render the answer to method path (with the form of a POST, else NULL)
 * for a listener of role r.  Never fails: errors are pages. */
void pages_route(const site *s, enum role r, const char *method, const char *path, const form *fm,
                 answer *a);

/* A static asset by exact path ("/static/style.css"), or NULL. */
const char *asset_get(const char *path, size_t *len, const char **type);

#endif

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
#include <stdint.h>

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
/* The raw markup open, wb_bi(msgid), then the raw markup close: one
 * element (or the markup around one message) of a page. */
void wb_el(wbuf *b, const char *open, const char *msgid, const char *close);
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

/* ---- the published record (public.c, P-8.7) ---- */

typedef struct public_find_result {
	char station[65]; /* the station directory of the record */
	char origin[256]; /* its log's origin */
	uint64_t index, size; /* the entry, the checkpoint's size */
	char *proof; /* tlog-proof@v1 text, as quorum-audit find prints it */
	char *checkpoint; /* the signed note */
} public_find_result;

/* The file rel of the record directory dir, NUL-terminated, at most max
 * bytes, or NULL. */
char *public_read(const char *dir, const char *rel, size_t max);
/* Find the ballot cast with tracking code code_hex (64 hex digits) in the
 * station logs of the published record pub: 1 found (out filled; free it
 * with public_find_free), 0 in none, -1 the record cannot be read. */
int public_find(const char *pub, const char *code_hex, public_find_result *out);
void public_find_free(public_find_result *r);

/* ---- speech (speak.c, P-8.8) ---- */

/* 1 if espeak-ng is installed ($QUORUM_ESPEAK, else /usr/bin/espeak-ng). */
int speak_available(void);
/* text (UTF-8, at most FORM_VALUE_MAX bytes) as Mandarin speech: a WAV
 * in *out (malloc'd; the caller wipes it) -- 0; -2 two renderings are
 * running already; -1 espeak-ng failed. */
int speak_wav(const char *text, size_t len, char **out, size_t *outlen);

/* ---- the pages (pages.c) ---- */

enum role { ROLE_BOOTH, ROLE_POLLBOOK, ROLE_ADMIN, ROLE_N };

/* ---- sign-in (auth.c, docs/spec/protocol.md P-8.6) ---- */

/* Bytes of a session id and of a CSRF token (hex on the wire). */
#define AUTH_ID_LEN 32

typedef struct auth_policy {
	unsigned max_failures; /* consecutive failures that lock an address out */
	unsigned lockout_seconds; /* how long */
	unsigned delay_seconds; /* the wait after the first failure, doubling */
} auth_policy;

typedef enum auth_result {
	AUTH_OK, /* signed in: a session id was written */
	AUTH_BAD, /* wrong passphrase (counted) */
	AUTH_WAIT, /* too soon after a failure: *wait seconds (not counted) */
	AUTH_LOCKED, /* locked out for *wait more seconds (not counted) */
	AUTH_NONE, /* no credential for this role, or no randomness */
} auth_result;

/* Read the credentials file (lines "operator|admin argon2id T M P SALT
 * HASH", hex, mode 0600): -1 with a message on stderr when it is missing,
 * readable by others, malformed or empty. */
int auth_load(const char *path, const auth_policy *pol);
/* 1 if the role's pages need a sign-in (a credential was loaded for it). */
int auth_enabled(enum role r);
/* "operator" or "admin" (the credential of the poll book, of the admin
 * pages), NULL for the booth. */
const char *auth_role_name(enum role r);
/* Write (or replace) the role's line in the credentials file: Argon2id of
 * pass with a fresh salt and the default cost (S-2.1).  0, 2 usage, -1. */
int auth_set_credential(const char *path, const char *role, const char *pass);
/* Bytes of a client address as text, NUL included (INET6_ADDRSTRLEN). */
#define AUTH_ADDR_MAX 46

/* Check pass, sent from the client address addr (text; NULL: unknown,
 * all such share one entry), against the role's credential: one Argon2id
 * at a time, the delay and lock-out of pol counted for (r, addr) alone,
 * the front remembering the last 1024 addresses that failed; on AUTH_OK a
 * new session's id is in id and addr's failures are forgotten. */
auth_result auth_signin(enum role r, const char *addr, const char *pass,
                        char id[2 * AUTH_ID_LEN + 1], unsigned *wait);
/* 0 and the session's CSRF token in csrf if id is a live session of role
 * r (its idle clock restarts); -2 if it is a session of another role; -1
 * if it is none (unknown, expired, malformed or NULL). */
int auth_session(enum role r, const char *id, char csrf[2 * AUTH_ID_LEN + 1]);
/* End the session id (nothing if it is none). */
void auth_signout(const char *id);

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
	const char *published; /* the published election record, or NULL */
	const char *fingerprint; /* the station certificate's, or NULL */
	const char *audit_hint; /* where a voter checks a receipt, or NULL */
	int tls;
	int idle_seconds; /* booth idle timeout */
} site;

/* A rendered answer: status, content type and body; a redirection
 * (Location) and a cookie to set, when not empty. */
typedef struct answer {
	unsigned status;
	const char *type;
	wbuf body;
	char location[64];
	char cookie[256];
} answer;

/* The cookie that carries a role's session ("quorum_pollbook",
 * "quorum_admin"): one name per role, as a browser sends the cookies of a
 * host to all its ports. */
const char *auth_cookie_name(enum role r);

/* Render the answer to method path (with the form of a POST, else NULL)
 * for a listener of role r.  csrf is the signed-in session's CSRF token
 * (put in every form), NULL when the role needs no sign-in.  Never fails:
 * errors are pages. */
void pages_route(const site *s, enum role r, const char *method, const char *path, const form *fm,
                 const char *csrf, answer *a);
/* An error page of role r with status and the message msgid. */
void pages_error(const site *s, enum role r, answer *a, unsigned status, const char *msgid);
/* The sign-in page (status 401 unless a->status is already set), with
 * the reason of a refused attempt (auth_result) and its wait. */
void pages_signin(const site *s, enum role r, answer *a, int res, unsigned wait);

/* A static asset by exact path ("/static/style.css"), or NULL. */
const char *asset_get(const char *path, size_t *len, const char **type);

#endif

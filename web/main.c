/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * quorum-web -- the polling station's web front: booth, poll-book and admin
 * pages over HTTP (libmicrohttpd), each translated into the JSON-lines
 * requests of one of quorum-ballotd's sockets (docs/protocol.md,
 * docs/spec/protocol.md P-8, docs/guide-poll-worker.md).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "crypto/util.h"
#include "election/i18n.h"
#include "web.h"

#include "banned.h"

static const char *const usage =
    N_("NAME\n"
       "    quorum-web - the polling station's booth, poll-book and admin pages\n"
       "\n"
       "SYNOPSIS\n"
       "    quorum-web --state DIR [--listen ADDR] [--tls-dir DIR] [--booth-port N]\n"
       "               [--pollbook-port N] [--admin-port N] [--idle SECONDS]\n"
       "               [--lang zh_CN|en] [--credentials FILE] [--published DIR]\n"
       "               [--signin-delay SECONDS] [--lockout SECONDS]\n"
       "    quorum-web --make-cert DIR [--name HOST]\n"
       "    quorum-web --set-credential FILE operator|admin   (passphrase on stdin)\n"
       "\n"
       "DESCRIPTION\n"
       "    Serves three sets of pages, each on its own port and each allowed to\n"
       "    reach only one socket of the station daemon quorum-ballotd in DIR:\n"
       "      booth     (voters)        booth.sock:    start, mark one contest per\n"
       "                                screen, review, seal, cast or check\n"
       "                                (Benaloh challenge), receipt\n"
       "      poll book (poll workers)  operator.sock: look a voter up, check in,\n"
       "                                ballot slip, live counts\n"
       "      admin     (station admin) admin.sock:    status, open and close the\n"
       "                                poll, certificate fingerprint\n"
       "    A page of one role is not served on another role's port.  The admin\n"
       "    port always listens on 127.0.0.1 only.  The poll book needs a sign-in\n"
       "    with the operator credential, the admin pages with the admin\n"
       "    credential (--credentials); the booth and the public pages (/public/\n"
       "    on the poll-book port: the station's status, the published result,\n"
       "    checking a tracking code) need none.  The front keeps only the\n"
       "    sessions between requests (a ballot's marks travel in the booth's\n"
       "    own forms) and holds no election key: it can be restarted at any\n"
       "    time (poll workers then sign in again).  Every response carries\n"
       "    Cache-Control: no-store and a Content-Security-Policy of\n"
       "    default-src 'self'; the only cookie is the session's (HttpOnly,\n"
       "    SameSite=Strict, Secure with TLS).\n"
       "\n"
       "OPTIONS\n"
       "    --state DIR         the daemon's state directory (its sockets)\n"
       "    --listen ADDR       IPv4 address of the booth and poll-book ports\n"
       "                        (default 127.0.0.1).  Any other address needs\n"
       "                        --tls-dir.\n"
       "    --tls-dir DIR       serve HTTPS, TLS 1.3 only, with DIR/station-cert.pem\n"
       "                        and DIR/station-key.pem (see --make-cert)\n"
       "    --booth-port N      default 8401; 0 picks a free port\n"
       "    --pollbook-port N   default 8402; 0 picks a free port\n"
       "    --admin-port N      default 8403; 0 picks a free port\n"
       "    --idle SECONDS      a booth left untouched this long returns to its\n"
       "                        start screen, discarding unfinished marks\n"
       "                        (default 120; 0 never)\n"
       "    --lang LANG         language of the pages: zh_CN (default, Chinese with\n"
       "                        English beside it) or en\n"
       "    --make-cert DIR     make the station certificate (ECDSA P-256,\n"
       "                        self-signed) in DIR, print its SHA-256 fingerprint\n"
       "                        and exit; refuses to overwrite\n"
       "    --name HOST         the certificate's host name (default quorum-station)\n"
       "    --credentials FILE  the sign-in credentials (mode 0600): a line per role,\n"
       "                        written by --set-credential\n"
       "    --set-credential FILE ROLE\n"
       "                        read a passphrase (at least 8 characters) from\n"
       "                        standard input and store its Argon2id hash as the\n"
       "                        operator or admin credential in FILE, then exit\n"
       "    --signin-delay S    after a wrong passphrase the role's next sign-in from\n"
       "                        that address waits S seconds, doubling with each\n"
       "                        further failure (default 1)\n"
       "    --lockout S         after 5 wrong passphrases in a row from one address\n"
       "                        the role's sign-in from it is locked for S seconds\n"
       "                        (default 300); other addresses can still sign in\n"
       "    --published DIR     the published election record (quorum-tally's\n"
       "                        output): the public pages show its result and\n"
       "                        check tracking codes against it\n"
       "    --help              this text\n"
       "\n"
       "OUTPUT\n"
       "    On start, one line per page set on standard output:\n"
       "      booth: URL\n"
       "      pollbook: URL\n"
       "      admin: URL\n"
       "    and, with TLS, the line \"fingerprint: SHA-256 HEX\".  Compare it with\n"
       "    what a tablet's browser shows before trusting the connection.\n"
       "\n"
       "EXIT STATUS\n"
       "    0 stopped by SIGINT or SIGTERM (or --make-cert done), 1 cannot serve,\n"
       "    2 usage error.\n"
       "\n"
       "EXAMPLE\n"
       "    quorum-web --state /srv/station\n"
       "    chromium --kiosk --incognito http://127.0.0.1:8401/\n");

/* Headers of every response (docs/spec/protocol.md P-8.3). */
static const char *const sec_headers[][2] = {
    {"Cache-Control", "no-store"},
    {"Content-Security-Policy",
     "default-src 'self'; media-src 'self' blob:; base-uri 'none'; form-action 'self'; "
     "frame-ancestors 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "same-origin"},
    {"X-Frame-Options", "DENY"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
};

typedef struct listener {
	enum role role;
	const site *s;
	struct MHD_Daemon *d;
	int tls;
} listener;

typedef struct reqctx {
	form fm;
	struct MHD_PostProcessor *pp;
	size_t total;
	int too_big, bad_type, is_post;
} reqctx;

static enum MHD_Result send_answer_x(struct MHD_Connection *c, unsigned status, const char *type,
                                     const char *body, size_t len, const char *location,
                                     const char *cookie)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	for (size_t i = 0; i < sizeof sec_headers / sizeof sec_headers[0]; i++)
		MHD_add_response_header(r, sec_headers[i][0], sec_headers[i][1]);
	MHD_add_response_header(r, "Content-Type", type);
	if (location != NULL && location[0] != '\0')
		MHD_add_response_header(r, "Location", location);
	if (cookie != NULL && cookie[0] != '\0')
		MHD_add_response_header(r, "Set-Cookie", cookie);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_answer(struct MHD_Connection *c, unsigned status, const char *type,
                                   const char *body, size_t len)
{
	return send_answer_x(c, status, type, body, len, NULL, NULL);
}

static enum MHD_Result send_page(struct MHD_Connection *c, answer *a)
{
	enum MHD_Result r;
	if (a->body.oom)
		r = send_answer(c, 500, "text/plain; charset=utf-8", "out of memory\n", 14);
	else
		r = send_answer_x(c, a->status ? a->status : 500, a->type,
		                  a->body.p != NULL ? a->body.p : "", a->body.len, a->location,
		                  a->cookie);
	wb_free(&a->body);
	wipe(a->cookie, sizeof a->cookie);
	return r;
}

static void error_answer(const listener *l, unsigned status, const char *msgid,
                         struct MHD_Connection *c, enum MHD_Result *ret)
{
	answer a;
	memset(&a, 0, sizeof a);
	wb_init(&a.body);
	wb_fmt(&a.body,
	       "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\"><title>%u"
	       "</title><link rel=\"stylesheet\" href=\"/static/style.css\"></head><body>"
	       "<main><h1>%u</h1><p role=\"alert\">",
	       i18n_is_chinese() ? "zh-CN" : "en", status, status);
	wb_bi(&a.body, msgid);
	wb_el(&a.body, "</p><p><a href=\"/\">", N_("Back to the start"),
	      "</a></p></main></body></html>\n");
	a.status = status;
	a.type = "text/html; charset=utf-8";
	(void)l;
	*ret = send_page(c, &a);
}

static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *filename, const char *content_type,
                                 const char *transfer_encoding, const char *data, uint64_t off,
                                 size_t size)
{
	reqctx *rq = cls;
	form *fm = &rq->fm;
	(void)kind;
	(void)filename;
	(void)content_type;
	(void)transfer_encoding;
	if (key == NULL || strlen(key) >= sizeof fm->f[0].name) {
		fm->bad = 1;
		return MHD_NO;
	}
	field *f;
	if (off == 0 || fm->n == 0 || strcmp(fm->f[fm->n - 1].name, key) != 0) {
		if (fm->n == FORM_FIELDS_MAX) {
			fm->bad = 1;
			return MHD_NO;
		}
		f = &fm->f[fm->n++];
		memcpy(f->name, key, strlen(key) + 1);
		f->val = calloc(1, FORM_VALUE_MAX + 1);
		f->len = 0;
		if (f->val == NULL) {
			fm->bad = 1;
			return MHD_NO;
		}
	} else {
		f = &fm->f[fm->n - 1];
	}
	if (size > FORM_VALUE_MAX - f->len || memchr(data, '\0', size) != NULL) {
		fm->bad = 1;
		return MHD_NO;
	}
	memcpy(f->val + f->len, data, size);
	f->len += size;
	f->val[f->len] = '\0';
	return MHD_YES;
}

static void req_free(reqctx *rq)
{
	if (rq == NULL)
		return;
	if (rq->pp != NULL)
		MHD_destroy_post_processor(rq->pp);
	for (size_t i = 0; i < rq->fm.n; i++) {
		wipe(rq->fm.f[i].val, FORM_VALUE_MAX + 1);
		free(rq->fm.f[i].val);
	}
	wipe(rq, sizeof *rq);
	free(rq);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	req_free(*con_cls);
	*con_cls = NULL;
}

/* A POST from a page of another origin (a cross-site form) is refused: a
 * browser says where the form came from in Sec-Fetch-Site, or else in
 * Origin, which must then be this listener's own. */
static int foreign_origin(struct MHD_Connection *c, const listener *l)
{
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *site_hdr = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	if (site_hdr != NULL)
		return strcmp(site_hdr, "same-origin") != 0 && strcmp(site_hdr, "none") != 0;
	if (origin == NULL)
		return 0;
	char want[512];
	snprintf(want, sizeof want, "%s://%s", l->tls ? "https" : "http", host ? host : "");
	return strcmp(origin, want) != 0;
}

/* The public pages (P-8.7): no sign-in. */
static int is_public(const char *url)
{
	return strcmp(url, "/public") == 0 || strncmp(url, "/public/", 8) == 0;
}

/* The client's address as text ("" when unknown): a sign-in's failures
 * are counted for it (P-8.6). */
static void client_addr(struct MHD_Connection *c, char out[AUTH_ADDR_MAX])
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;
	out[0] = '\0';
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
		          AUTH_ADDR_MAX);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		          out, AUTH_ADDR_MAX);
}

/* The sign-in gate of the poll book and the admin pages (P-8.6): 0 and
 * the session's CSRF token in csrf when the request may go on (a POST
 * carried that token); otherwise the answer (a sign-in page, a refusal,
 * or the redirection after signing in or out) is in a and 1 returned. */
static int signed_in(const listener *l, struct MHD_Connection *c, const char *method,
                     const char *url, const form *fm, char csrf[2 * AUTH_ID_LEN + 1], answer *a)
{
	enum role r = l->role;
	int post = strcmp(method, "POST") == 0;
	const char *sid = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, auth_cookie_name(r));
	if (!auth_enabled(r)) {
		a->status = 503;
		pages_error(l->s, r, a, 503,
		            N_("Sign-in is not set up on this station: start quorum-web with "
		               "--credentials FILE (made with --set-credential; see the "
		               "administrator's guide)."));
		return 1;
	}
	if (strcmp(url, "/signin") == 0 && post) {
		char id[2 * AUTH_ID_LEN + 1];
		unsigned wait = 0;
		char addr[AUTH_ADDR_MAX];
		client_addr(c, addr);
		auth_result res = auth_signin(r, addr, form_get(fm, "passphrase"), id, &wait);
		if (res == AUTH_OK) {
			a->status = 303;
			a->type = "text/plain; charset=utf-8";
			snprintf(a->location, sizeof a->location, "/");
			snprintf(a->cookie, sizeof a->cookie,
			         "%s=%s; Path=/; HttpOnly; SameSite=Strict%s", auth_cookie_name(r),
			         id, l->tls ? "; Secure" : "");
			wipe(id, sizeof id);
			return 1;
		}
		a->status = res == AUTH_WAIT || res == AUTH_LOCKED ? 429 : 401;
		pages_signin(l->s, r, a, (int)res, wait);
		return 1;
	}
	if (strcmp(url, "/signin") == 0) {
		a->status = 200;
		pages_signin(l->s, r, a, -1, 0);
		return 1;
	}
	int k = auth_session(r, sid, csrf);
	if (k != 0) {
		/* no session (none, expired, forged): the sign-in page; a session
		 * of the other role: refused */
		a->status = k == -2 ? 403 : 401;
		pages_signin(l->s, r, a, k == -2 ? -2 : -1, 0);
		return 1;
	}
	if (post) {
		const char *t = form_get(fm, "csrf");
		if (t == NULL || strlen(t) != 2 * AUTH_ID_LEN ||
		    !ct_equal(t, csrf, 2 * AUTH_ID_LEN)) {
			pages_error(l->s, r, a, 403,
			            N_("This form's security token is missing or wrong: go back, "
			               "reload the page and try again."));
			return 1;
		}
		if (strcmp(url, "/signout") == 0) {
			auth_signout(sid);
			a->status = 303;
			a->type = "text/plain; charset=utf-8";
			snprintf(a->location, sizeof a->location, "/signin");
			snprintf(a->cookie, sizeof a->cookie,
			         "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
			         auth_cookie_name(r), l->tls ? "; Secure" : "");
			return 1;
		}
	}
	return 0;
}

/* The Host header lines of a request: how many, and whether every value
 * is a uri-host [":" port] (RFC 3986 reg-name, IPv4 or [IPv6] characters;
 * empty allowed). */
typedef struct host_count {
	unsigned n;
	int bad;
} host_count;

static enum MHD_Result count_host(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
	host_count *h = cls;
	(void)kind;
	if (key == NULL || strcasecmp(key, "Host") != 0)
		return MHD_YES;
	h->n++;
	for (const char *p = value != NULL ? value : ""; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("-._~%!$&'()*+,;=:[]", *p) == NULL)
			h->bad = 1;
	return MHD_YES;
}

/* RFC 9112 3.2: an HTTP/1.1 request without a Host header, and any
 * request with more than one or with an invalid one, is answered 400. */
static int host_refused(struct MHD_Connection *c, const char *version)
{
	host_count h = {0, 0};
	MHD_get_connection_values(c, MHD_HEADER_KIND, count_host, &h);
	if (h.n > 1 || h.bad)
		return 1;
	return h.n == 0 && strcmp(version, MHD_HTTP_VERSION_1_0) != 0;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
	listener *l = cls;
	reqctx *rq = *con_cls;
	enum MHD_Result ret = MHD_NO;
	if (rq == NULL) {
		rq = calloc(1, sizeof *rq);
		if (rq == NULL)
			return MHD_NO;
		*con_cls = rq;
		if (host_refused(c, version)) {
			error_answer(l, 400,
			             N_("The request is malformed: an HTTP/1.1 request needs one "
			                "Host header."),
			             c, &ret);
			return ret;
		}
		if (strcmp(method, "POST") == 0) {
			rq->is_post = 1;
			const char *ct =
			    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
			const char *cl =
			    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
			if (cl != NULL && strtoull(cl, NULL, 10) > BODY_MAX) {
				error_answer(l, 413, N_("The request is too large."), c, &ret);
				return ret;
			}
			if (ct == NULL ||
			    strncmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
				rq->bad_type = 1;
			} else {
				rq->pp = MHD_create_post_processor(c, 1024, post_iter, rq);
				if (rq->pp == NULL)
					rq->bad_type = 1;
			}
		}
		return MHD_YES;
	}
	if (*upload_size > 0) {
		rq->total += *upload_size;
		if (rq->total > BODY_MAX)
			rq->too_big = 1;
		else if (rq->pp != NULL && !rq->fm.bad &&
		         MHD_post_process(rq->pp, upload, *upload_size) != MHD_YES)
			rq->fm.bad = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->too_big) {
		error_answer(l, 413, N_("The request is too large."), c, &ret);
		return ret;
	}
	if (rq->is_post && rq->bad_type) {
		error_answer(l, 415, N_("The form is incomplete or malformed."), c, &ret);
		return ret;
	}
	if (rq->is_post && rq->fm.bad) {
		error_answer(l, 400, N_("The form is incomplete or malformed."), c, &ret);
		return ret;
	}
	if (rq->is_post && foreign_origin(c, l)) {
		error_answer(l, 403, N_("This form was not sent from this station's own page."), c,
		             &ret);
		return ret;
	}
	if (strncmp(url, "/static/", 8) == 0 &&
	    (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)) {
		size_t len;
		const char *type;
		const char *data = asset_get(url, &len, &type);
		if (data != NULL)
			return send_answer(c, 200, type, data, len);
	}
	if (strcmp(url, "/speak") == 0 && rq->is_post) {
		/* a screen's text read aloud (P-8.8): changes nothing, any role */
		const char *t = form_get(&rq->fm, "text");
		char *wav = NULL;
		size_t wl = 0;
		int k = t == NULL || t[0] == '\0' ? -3
		        : !speak_available()      ? -4
		                                  : speak_wav(t, strlen(t), &wav, &wl);
		if (k == 0) {
			ret = send_answer(c, 200, "audio/wav", wav, wl);
			wipe(wav, wl);
			free(wav);
			return ret;
		}
		error_answer(l, k == -3 ? 400 : 503,
		             k == -3   ? N_("The form is incomplete or malformed.")
		             : k == -4 ? N_("Speech is not installed on this station (espeak-ng).")
		                       : N_("The station is busy. Please try again in a moment."),
		             c, &ret);
		return ret;
	}
	answer a;
	memset(&a, 0, sizeof a);
	wb_init(&a.body);
	char csrf[2 * AUTH_ID_LEN + 1] = "";
	if (l->role != ROLE_BOOTH && !is_public(url)) {
		int k = signed_in(l, c, method, url, rq->is_post ? &rq->fm : NULL, csrf, &a);
		if (k != 0) {
			ret = send_page(c, &a);
			wipe(csrf, sizeof csrf);
			return ret;
		}
	}
	pages_route(l->s, l->role, method, url, rq->is_post ? &rq->fm : NULL,
	            csrf[0] != '\0' ? csrf : NULL, &a);
	wipe(csrf, sizeof csrf);
	return send_page(c, &a);
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 1 << 16, n;
	char *p = malloc(cap + 1);
	if (p == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(p, 1, cap, f);
	fclose(f);
	p[n] = '\0';
	return p;
}

static struct MHD_Daemon *start(listener *l, const char *addr, unsigned port, const char *cert,
                                const char *key, unsigned threads)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return NULL;
	/* poll(), not select(): no FD_SETSIZE bound on the connection limit */
	unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	if (l->tls)
		flags |= MHD_USE_TLS;
	struct MHD_OptionItem tls_opts[] = {
	    {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)cert},
	    {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)key},
	    {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3"},
	    {MHD_OPTION_END, 0, NULL},
	};
	/* one polling thread serves a listener with one thread (no pool) */
	struct MHD_OptionItem pool_opts[] = {
	    {MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)threads, NULL},
	    {MHD_OPTION_END, 0, NULL},
	};
	/* libmicrohttpd splits CONNECTION_LIMIT evenly among the pool's
	 * threads, and a thread at its share closes what it accepts: with 64
	 * booth threads a total of 512 left 8 each, and a few slow clients
	 * that happened to land on one thread got the next visitor refused.
	 * So the limit is 64 connections per thread (512 at least). */
	unsigned limit = threads * 64u < 512u ? 512u : threads * 64u;
	return MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handle, l, MHD_OPTION_SOCK_ADDR,
	                        &sa, MHD_OPTION_ARRAY, threads > 1 ? pool_opts : &pool_opts[1],
	                        MHD_OPTION_CONNECTION_LIMIT, limit, MHD_OPTION_CONNECTION_TIMEOUT,
	                        (unsigned)30, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
	                        MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_ARRAY,
	                        l->tls ? tls_opts : &tls_opts[3], MHD_OPTION_END);
}

static int parse_port(const char *s, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > 65535)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static void set_language(const char *lang)
{
	if (strcmp(lang, "en") == 0) {
		setenv("LC_ALL", "C.UTF-8", 1);
		setenv("LANGUAGE", "en", 1);
	} else {
		setenv("LC_ALL", "zh_CN.UTF-8", 1);
		setenv("LANGUAGE", "zh_CN", 1);
	}
	i18n_init();
}

int main(int argc, char **argv)
{
	const char *state = NULL, *listen_addr = "127.0.0.1", *tls_dir = NULL, *make = NULL;
	const char *name = "quorum-station", *lang = "zh_CN", *creds = NULL, *setcred = NULL;
	const char *published = NULL;
	auth_policy pol = {5, 300, 1};
	unsigned port[ROLE_N] = {8401, 8402, 8403}, idle = 120;
	char sock[ROLE_N][4096];
	char *cert = NULL, *key = NULL, fp[96];
	listener l[ROLE_N];
	site s;
	int rc = 1;
	memset(&s, 0, sizeof s);
	memset(l, 0, sizeof l);

	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--lang") == 0)
			lang = argv[i + 1];
	if (strcmp(lang, "en") != 0 && strcmp(lang, "zh_CN") != 0) {
		i18n_init();
		fprintf(stderr, _("quorum-web: unknown language %s (zh_CN or en)\n"), lang);
		return 2;
	}
	set_language(lang);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0) {
			fputs(_(usage), stdout);
			return 0;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, _("quorum-web: %s needs a value (see --help)\n"), a);
			return 2;
		}
		const char *v = argv[++i];
		int bad = 0;
		if (strcmp(a, "--state") == 0)
			state = v;
		else if (strcmp(a, "--listen") == 0)
			listen_addr = v;
		else if (strcmp(a, "--tls-dir") == 0)
			tls_dir = v;
		else if (strcmp(a, "--make-cert") == 0)
			make = v;
		else if (strcmp(a, "--name") == 0)
			name = v;
		else if (strcmp(a, "--lang") == 0)
			lang = v;
		else if (strcmp(a, "--credentials") == 0)
			creds = v;
		else if (strcmp(a, "--published") == 0)
			published = v;
		else if (strcmp(a, "--set-credential") == 0) {
			setcred = v;
			if (i + 1 >= argc) {
				fprintf(stderr, "%s",
				        _("quorum-web: --set-credential FILE ROLE (operator or "
				          "admin)\n"));
				return 2;
			}
			name = argv[++i];
		} else if (strcmp(a, "--signin-delay") == 0)
			bad = parse_port(v, &pol.delay_seconds);
		else if (strcmp(a, "--lockout") == 0)
			bad = parse_port(v, &pol.lockout_seconds);
		else if (strcmp(a, "--booth-port") == 0)
			bad = parse_port(v, &port[ROLE_BOOTH]);
		else if (strcmp(a, "--pollbook-port") == 0)
			bad = parse_port(v, &port[ROLE_POLLBOOK]);
		else if (strcmp(a, "--admin-port") == 0)
			bad = parse_port(v, &port[ROLE_ADMIN]);
		else if (strcmp(a, "--idle") == 0)
			bad = parse_port(v, &idle);
		else {
			fprintf(stderr, _("quorum-web: unknown option %s (see --help)\n"), a);
			return 2;
		}
		if (bad) {
			fprintf(stderr, _("quorum-web: %s: not a number from 0 to 65535: %s\n"), a,
			        v);
			return 2;
		}
	}
	if (setcred != NULL) {
		char pass[1024];
		if (fgets(pass, sizeof pass, stdin) == NULL) {
			fprintf(stderr, "%s", _("quorum-web: no passphrase on standard input\n"));
			return 2;
		}
		pass[strcspn(pass, "\r\n")] = '\0';
		int k = auth_set_credential(setcred, name, pass);
		wipe(pass, sizeof pass);
		return k == 0 ? 0 : k == 2 ? 2 : 1;
	}
	if (make != NULL) {
		if (cert_make(make, name) != 0)
			return 1;
		char p[4096];
		snprintf(p, sizeof p, "%s/station-cert.pem", make);
		cert = read_text(p);
		if (cert == NULL || cert_fingerprint(cert, fp) != 0) {
			free(cert);
			return 1;
		}
		printf("fingerprint: SHA-256 %s\n", fp);
		free(cert);
		return 0;
	}
	if (state == NULL) {
		fputs(_(usage), stderr);
		return 2;
	}
	struct in_addr ia;
	if (inet_pton(AF_INET, listen_addr, &ia) != 1) {
		fprintf(stderr, _("quorum-web: --listen %s is not an IPv4 address\n"), listen_addr);
		return 2;
	}
	if ((ntohl(ia.s_addr) >> 24) != 127 && tls_dir == NULL) {
		fprintf(stderr,
		        _("quorum-web: listening on %s (not loopback) needs --tls-dir: ballots "
		          "and tokens never cross a network in clear\n"),
		        listen_addr);
		return 2;
	}
	if (tls_dir != NULL) {
		if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
			fprintf(stderr, "%s",
			        _("quorum-web: this libmicrohttpd was built without TLS\n"));
			return 1;
		}
		char p[4096];
		snprintf(p, sizeof p, "%s/station-cert.pem", tls_dir);
		cert = read_text(p);
		snprintf(p, sizeof p, "%s/station-key.pem", tls_dir);
		key = read_text(p);
		if (cert == NULL || key == NULL || cert_fingerprint(cert, fp) != 0) {
			fprintf(stderr,
			        _("quorum-web: cannot read the station certificate and key in %s "
			          "(make them with --make-cert)\n"),
			        tls_dir);
			goto out;
		}
		s.fingerprint = fp;
		s.tls = 1;
	}
	static const char *const sock_names[ROLE_N] = {"booth.sock", "operator.sock", "admin.sock"};
	for (int r = 0; r < ROLE_N; r++) {
		snprintf(sock[r], sizeof sock[r], "%s/%s", state, sock_names[r]);
		s.sock[r] = sock[r];
	}
	s.idle_seconds = (int)idle;
	s.published = published;
	if (creds != NULL && auth_load(creds, &pol) != 0)
		goto out;

	/* SIGINT and SIGTERM are taken by sigwait below; the server threads
	 * inherit the mask. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	static const char *const role_key[ROLE_N] = {"booth", "pollbook", "admin"};
	/* A page's handler blocks on the daemon until its reply (a cast waits
	 * for its group commit), holding its thread and every connection that
	 * thread polls: the booth listener has a thread for each booth that
	 * may be casting at once (64 concurrent booths: issue 12's figure,
	 * bench/bench_web; with 8 the casts queued in the front and the
	 * daemon's commits took 8 at a time). */
	static const unsigned threads[ROLE_N] = {64, 4, 1};
	for (int r = 0; r < ROLE_N; r++) {
		l[r].role = (enum role)r;
		l[r].s = &s;
		l[r].tls = s.tls;
		/* the admin pages are for this machine only */
		const char *addr = r == ROLE_ADMIN ? "127.0.0.1" : listen_addr;
		l[r].d = start(&l[r], addr, port[r], cert, key, threads[r]);
		if (l[r].d == NULL) {
			fprintf(stderr, _("quorum-web: cannot listen on %s port %u: %s\n"), addr,
			        port[r], strerror(errno));
			goto out;
		}
		const union MHD_DaemonInfo *di =
		    MHD_get_daemon_info(l[r].d, MHD_DAEMON_INFO_BIND_PORT);
		unsigned p = di != NULL ? di->port : port[r];
		printf("%s: %s://%s:%u/\n", role_key[r], s.tls ? "https" : "http", addr, p);
	}
	if (s.tls)
		printf("fingerprint: SHA-256 %s\n", fp);
	fflush(stdout);
	int sig = 0;
	sigwait(&set, &sig);
	rc = 0;
out:
	for (int r = 0; r < ROLE_N; r++)
		if (l[r].d != NULL)
			MHD_stop_daemon(l[r].d);
	if (key != NULL) {
		wipe(key, strlen(key));
		free(key);
	}
	free(cert);
	return rc;
}

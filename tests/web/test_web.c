/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * quorum-web against a real quorum-ballotd: the pages of the three roles
 * driven with the curl program, check-in -> booth -> challenge -> cast ->
 * receipt, and the front's refusals (wrong role, malformed or oversized
 * requests, a foreign origin, path traversal, TLS below 1.3).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../voter/daemon.h"
#include "testutil.h"

typedef struct web {
	pid_t pid;
	unsigned port[3]; /* booth, pollbook, admin */
	int tls;
	char fp[128];
	char sid[3][80]; /* the signed-in session of the poll book, admin */
	char csrf[3][80]; /* and its CSRF token */
	int anon; /* 1: the next requests send no session and no CSRF token */
} web;

/* The test credentials (P-8.6), written by --set-credential. */
#define OP_PASS "operator-pass-1"
#define ADMIN_PASS "admin-pass-22"
static const char *const cookie_name[3] = {NULL, "quorum_pollbook", "quorum_admin"};

enum { BOOTH, POLLBOOK, ADMIN };

typedef struct resp {
	int status;
	char *hdr, *body;
} resp;

static const tdaemon *cur;
static const char *web_idle = "120"; /* --idle of the next web_start */
/* --signin-delay and --lockout of the next web_start */
static const char *web_delay = "0", *web_lockout = "300";
/* --lang of the next web_start, or NULL (the default, zh_CN) */
static const char *web_lang;
/* --published of the next web_start, or NULL */
static const char *web_published;
/* What a failed assertion leaves running, stopped by the suite's fini (the
 * test's own variables are gone by then: copies of the pids). */
static pid_t live_web_pid;
static tdaemon live_d;

static void cleanup(void)
{
	if (live_web_pid > 0) {
		kill(live_web_pid, SIGKILL);
		waitpid(live_web_pid, NULL, 0);
		live_web_pid = 0;
	}
	if (live_d.pid > 0)
		td_kill(&live_d);
}

TestSuite(web, .fini = cleanup);

static void web_start(const tdaemon *d, web *w, const char *tls_dir)
{
	const char *root = getenv("QUORUM_BUILD_ROOT");
	char bin[512];
	int p[2];
	snprintf(bin, sizeof bin, "%s/web/quorum-web", root);
	cr_assert_eq(pipe(p), 0);
	memset(w, 0, sizeof *w);
	char creds[400];
	snprintf(creds, sizeof creds, "%s/web-credentials", d->dir);
	if (access(creds, R_OK) != 0) {
		char cmd[2400];
		snprintf(cmd, sizeof cmd,
		         "echo '" OP_PASS "' | %s --set-credential %s operator && echo '" ADMIN_PASS
		         "' | %s --set-credential %s admin",
		         bin, creds, bin, creds);
		cr_assert_eq(system(cmd), 0, "--set-credential failed");
	}
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		char *av[40];
		int n = 0;
		av[n++] = bin;
		av[n++] = "--state";
		av[n++] = (char *)d->state;
		av[n++] = "--booth-port";
		av[n++] = "0";
		av[n++] = "--pollbook-port";
		av[n++] = "0";
		av[n++] = "--admin-port";
		av[n++] = "0";
		av[n++] = "--idle";
		av[n++] = (char *)web_idle;
		av[n++] = "--credentials";
		av[n++] = creds;
		av[n++] = "--signin-delay";
		av[n++] = (char *)web_delay;
		av[n++] = "--lockout";
		av[n++] = (char *)web_lockout;
		if (web_lang != NULL) {
			av[n++] = "--lang";
			av[n++] = (char *)web_lang;
		}
		if (web_published != NULL) {
			av[n++] = "--published";
			av[n++] = (char *)web_published;
		}
		if (tls_dir != NULL) {
			av[n++] = "--tls-dir";
			av[n++] = (char *)tls_dir;
		}
		av[n] = NULL;
		execv(bin, av);
		_exit(127);
	}
	close(p[1]);
	FILE *f = fdopen(p[0], "r");
	char line[512];
	int got = 0;
	while (got < (tls_dir ? 4 : 3) && fgets(line, sizeof line, f) != NULL) {
		const char *keys[] = {"booth: ", "pollbook: ", "admin: "};
		for (int r = 0; r < 3; r++)
			if (strncmp(line, keys[r], strlen(keys[r])) == 0) {
				char *c = strrchr(line, ':');
				w->port[r] = (unsigned)strtoul(c + 1, NULL, 10);
				got++;
			}
		if (strncmp(line, "fingerprint: SHA-256 ", 21) == 0) {
			snprintf(w->fp, sizeof w->fp, "%.100s", line + 21);
			w->fp[strcspn(w->fp, "\n")] = '\0';
			got++;
		}
	}
	fclose(f);
	cr_assert_eq(got, tls_dir ? 4 : 3, "quorum-web did not print its ports");
	w->pid = pid;
	w->tls = tls_dir != NULL;
	live_web_pid = pid;
}

static void web_stop(web *w)
{
	int st;
	if (w->pid <= 0)
		return;
	kill(w->pid, SIGTERM);
	waitpid(w->pid, &st, 0);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "quorum-web exit status");
	w->pid = 0;
	live_web_pid = 0;
}

/* Run curl with args (NULL-terminated); returns its exit status, stdout in
 * *out (malloc'd). */
static int run_curl(char *const args[], char **out)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		int nul = open("/dev/null", O_WRONLY);
		dup2(nul, 2);
		close(p[0]);
		close(p[1]);
		execvp("curl", args);
		_exit(127);
	}
	close(p[1]);
	size_t cap = 1 << 16, len = 0;
	char *b = malloc(cap);
	for (;;) {
		if (len + 1 >= cap)
			b = realloc(b, cap *= 2);
		ssize_t r = read(p[0], b + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	b[len] = '\0';
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	if (out != NULL)
		*out = b;
	else
		free(b);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* One request: body NULL for GET; extra: one more curl argument pair
 * (e.g. "-H", "Origin: x") or NULL. */
static resp http(const web *w, int role, const char *method, const char *path, const char *body,
                 const char *x1, const char *x2)
{
	char url[256], hf[400], bf[400], df[400];
	resp r = {0, NULL, NULL};
	snprintf(url, sizeof url, "%s://127.0.0.1:%u%s", w->tls ? "https" : "http", w->port[role],
	         path);
	snprintf(hf, sizeof hf, "%s/h.txt", cur->dir);
	snprintf(bf, sizeof bf, "%s/b.txt", cur->dir);
	snprintf(df, sizeof df, "@%s/d.txt", cur->dir);
	char *args[32];
	int n = 0;
	args[n++] = "curl";
	args[n++] = "-s";
	args[n++] = "--path-as-is";
	args[n++] = "-k";
	args[n++] = "-o";
	args[n++] = bf;
	args[n++] = "-D";
	args[n++] = hf;
	args[n++] = "-w";
	args[n++] = "%{http_code}";
	args[n++] = "-X";
	args[n++] = (char *)method;
	if (body != NULL) {
		cr_assert_eq(test_write_file(df + 1, body, strlen(body)), 0);
		args[n++] = "--data-binary";
		args[n++] = df;
	}
	if (x1 != NULL) {
		args[n++] = (char *)x1;
		args[n++] = (char *)x2;
	}
	char cookie[200];
	if (!w->anon && role != BOOTH && w->sid[role][0] != '\0') {
		snprintf(cookie, sizeof cookie, "Cookie: %s=%s", cookie_name[role], w->sid[role]);
		args[n++] = "-H";
		args[n++] = cookie;
	}
	args[n++] = url;
	args[n] = NULL;
	unlink(hf);
	unlink(bf);
	char *out = NULL;
	run_curl(args, &out);
	r.status = (int)strtol(out, NULL, 10);
	free(out);
	r.hdr = test_read_file(hf, NULL);
	r.body = test_read_file(bf, NULL);
	if (r.hdr == NULL)
		r.hdr = strdup("");
	if (r.body == NULL)
		r.body = strdup("");
	return r;
}

static void resp_free(resp *r)
{
	free(r->hdr);
	free(r->body);
}

/* Every answer: no-store, the strict CSP, no cookie. */
static void check_headers(const resp *r)
{
	cr_assert(strcasestr(r->hdr, "\ncache-control: no-store") != NULL,
	          "Cache-Control: no-store missing (status %d):\n%s", r->status, r->hdr);
	cr_assert(strcasestr(r->hdr, "\ncontent-security-policy: default-src 'self'") != NULL,
	          "CSP default-src 'self' missing:\n%s", r->hdr);
	cr_assert(strcasestr(r->hdr, "set-cookie") == NULL, "a cookie was set:\n%s", r->hdr);
}

/* A POST of a page's form: with the session's CSRF token (P-8.6). */
static resp post(const web *w, int role, const char *path, const char *body)
{
	char *b = NULL;
	if (!w->anon && role != BOOTH && w->csrf[role][0] != '\0')
		cr_assert(asprintf(&b, "%s%scsrf=%s", body, body[0] ? "&" : "", w->csrf[role]) > 0);
	resp r = http(w, role, "POST", path, b != NULL ? b : body, NULL, NULL);
	free(b);
	check_headers(&r);
	return r;
}

/* The value of cookie name in r's Set-Cookie, or "" (static). */
static const char *set_cookie(const resp *r, const char *name)
{
	static char v[128];
	char pat[64];
	v[0] = '\0';
	snprintf(pat, sizeof pat, "set-cookie: %s=", name);
	const char *p = strcasestr(r->hdr, pat);
	if (p != NULL) {
		p += strlen(pat);
		snprintf(v, sizeof v, "%.*s", (int)strcspn(p, ";\r\n"), p);
	}
	return v;
}

/* POST /signin with pass on role's port (no session sent), from the
 * client address from (another loopback address, curl --interface), or
 * from 127.0.0.1 when NULL. */
static resp signin_from(web *w, int role, const char *pass, const char *from)
{
	char body[200];
	int anon = w->anon;
	snprintf(body, sizeof body, "passphrase=%s", pass);
	w->anon = 1;
	resp r = http(w, role, "POST", "/signin", body, from != NULL ? "--interface" : NULL, from);
	w->anon = anon;
	return r;
}

static resp signin_try(web *w, int role, const char *pass)
{
	return signin_from(w, role, pass, NULL);
}

static char *attr(const char *html, const char *name);

/* Sign in to the poll book or the admin pages: the session and its CSRF
 * token (read from the home page's forms) kept in w. */
static void signin(web *w, int role)
{
	resp r = signin_try(w, role, role == ADMIN ? ADMIN_PASS : OP_PASS);
	cr_assert_eq(r.status, 303, "sign-in refused (%d):\n%s", r.status, r.body);
	const char *c = set_cookie(&r, cookie_name[role]);
	cr_assert_eq(strlen(c), 64, "no session cookie:\n%s", r.hdr);
	cr_assert(strcasestr(r.hdr, "HttpOnly") != NULL && strcasestr(r.hdr, "SameSite=Strict"),
	          "session cookie attributes:\n%s", r.hdr);
	cr_assert_eq(strcasestr(r.hdr, "; Secure") != NULL, w->tls, "Secure iff TLS:\n%s", r.hdr);
	snprintf(w->sid[role], sizeof w->sid[role], "%s", c);
	resp_free(&r);
	r = http(w, role, "GET", "/", NULL, NULL, NULL);
	cr_assert_eq(r.status, 200, "signed in, home page %d", r.status);
	char *t = attr(strstr(r.body, "name=\"csrf\""), "value");
	snprintf(w->csrf[role], sizeof w->csrf[role], "%s", t);
	free(t);
	resp_free(&r);
}

/* The value of attribute attr="…" after the first occurrence of it. */
static char *attr(const char *html, const char *name)
{
	char pat[64];
	snprintf(pat, sizeof pat, "%s=\"", name);
	const char *p = strstr(html, pat);
	cr_assert_not_null(p, "no %s in page:\n%s", name, html);
	p += strlen(pat);
	return strndup(p, strcspn(p, "\""));
}

static long status_count(const tdaemon *d, const char *k)
{
	json_t *r = td_req(d, "operator", "{\"op\":\"status\"}");
	long v = (long)json_integer_value(json_object_get(r, k));
	json_decref(r);
	return v;
}

static int state_is(const tdaemon *d, const char *want)
{
	json_t *r = td_req(d, "operator", "{\"op\":\"status\"}");
	int eq = strcmp(json_string_value(json_object_get(r, "state")), want) == 0;
	json_decref(r);
	return eq;
}

/* Lines added to the roll of the next station_up (then cleared). */
static const char *extra_roll;

static void station_up(tdaemon *d, web *w, int open)
{
	td_setup(d, 20);
	if (extra_roll != NULL) {
		size_t n = 0;
		char *csv = test_read_file(d->roll, &n);
		size_t m = strlen(extra_roll);
		csv = realloc(csv, n + m + 1);
		memcpy(csv + n, extra_roll, m + 1);
		cr_assert_eq(test_write_file(d->roll, csv, n + m), 0);
		td_set_roll_hash(d, csv, n + m);
		free(csv);
		extra_roll = NULL;
	}
	cur = d;
	cr_assert_eq(td_start(d, "station passphrase", NULL), 0);
	live_d = *d;
	char req[600];
	snprintf(req, sizeof req, "{\"op\":\"import-roll\",\"path\":\"%s\"}", d->roll);
	json_t *r = td_req(d, "admin", req);
	cr_assert_null(td_err(r), "import-roll: %s", td_err(r));
	json_decref(r);
	web_start(d, w, NULL);
	signin(w, POLLBOOK);
	signin(w, ADMIN);
	if (open) {
		resp a = post(w, ADMIN, "/open", "confirm=yes");
		cr_assert_eq(a.status, 200);
		cr_assert(state_is(d, "open"), "the admin page did not open the poll");
		resp_free(&a);
	}
}

static void station_down(tdaemon *d, web *w)
{
	web_stop(w);
	td_stop(d);
	live_d.pid = 0;
	test_rmtree(d->dir);
}

/* Check a voter in on the poll book; returns the token (malloc'd). */
static char *checkin(const web *w, const char *voter)
{
	char body[128];
	snprintf(body, sizeof body, "voter=%s", voter);
	resp r = post(w, POLLBOOK, "/checkin", body);
	cr_assert_eq(r.status, 200);
	char *t = attr(r.body, "data-token");
	cr_assert_eq(strlen(t), 32, "token %s", t);
	resp_free(&r);
	return t;
}

/* Booth form body: step, token, hc, then the rest. */
static char *bform(const char *step, const char *token, const char *rest)
{
	char *s = NULL;
	cr_assert(asprintf(&s, "step=%s&token=%s&hc=0%s%s", step, token, rest[0] ? "&" : "", rest) >
	          0);
	return s;
}

static resp booth(const web *w, const char *step, const char *token, const char *rest)
{
	char *b = bform(step, token, rest);
	resp r = post(w, BOOTH, "/booth", b);
	free(b);
	return r;
}

Test(web, checkin_booth_challenge_cast_receipt)
{
	tdaemon d;
	web w;
	station_up(&d, &w, 1);

	/* the pages of each role, with their headers */
	resp r = http(&w, BOOTH, "GET", "/", NULL, NULL, NULL);
	check_headers(&r);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "name=\"token\"") != NULL);
	cr_assert(strstr(r.body, "lang=\"zh-CN\"") != NULL, "not a Chinese page");
	resp_free(&r);
	r = http(&w, ADMIN, "GET", "/", NULL, NULL, NULL);
	check_headers(&r);
	cr_assert(strstr(r.body, "fingerprint none") != NULL, "loopback: no certificate");
	cr_assert(strstr(r.body, "class=\"counts-note\"") != NULL &&
	              strstr(r.body, "rows of the roll imported at this station") != NULL,
	          "the admin page does not say what Registered counts");
	resp_free(&r);
	r = http(&w, POLLBOOK, "GET", "/counts", NULL, NULL, NULL);
	check_headers(&r);
	cr_assert(strstr(r.body, "\"state\":\"open\"") != NULL, "%s", r.body);
	resp_free(&r);
	r = http(&w, BOOTH, "GET", "/static/style.css", NULL, NULL, NULL);
	check_headers(&r);
	cr_assert_eq(r.status, 200);
	resp_free(&r);

	/* poll book: look up, check in */
	r = post(&w, POLLBOOK, "/lookup", "voter=V0003");
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "action=\"/checkin\"") != NULL, "no check-in form:\n%s", r.body);
	resp_free(&r);
	char *tok = checkin(&w, "V0003");
	cr_assert_eq(status_count(&d, "checked_in"), 1);

	/* booth: the token typed in groups, upper case */
	char typed[64];
	snprintf(typed, sizeof typed, "%.8s+%.8s+%.16s", tok, tok + 8, tok + 16);
	for (char *p = typed; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 32);
	r = booth(&w, "start", typed, "");
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "主任") != NULL, "first contest not shown:\n%s", r.body);
	cr_assert(strstr(r.body, "value=\"0.1\"") != NULL);
	resp_free(&r);
	/* contest 0 -> 1 -> review -> seal */
	r = booth(&w, "nav", tok, "at=0&m=0.1&go=1");
	cr_assert(strstr(r.body, "委员") != NULL, "second contest not shown");
	cr_assert(strstr(r.body, "name=\"m\" value=\"0.1\"") != NULL, "mark not carried");
	resp_free(&r);
	r = booth(&w, "nav", tok, "m=0.1&at=1&m=1.0&m=1.4&go=review");
	cr_assert(strstr(r.body, "class=\"review\"") != NULL, "no review:\n%s", r.body);
	resp_free(&r);
	r = booth(&w, "seal", tok, "m=0.1&m=1.0&m=1.4&go=seal");
	char *code = attr(strstr(r.body, "name=\"code\""), "value");
	cr_assert_eq(strlen(code), 64);
	resp_free(&r);

	/* challenge: opened, not counted, token still good */
	char rest[400];
	snprintf(rest, sizeof rest, "m=0.1&m=1.0&m=1.4&code=%s", code);
	r = booth(&w, "challenge", tok, rest);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "class=\"opening\"") != NULL, "no opening:\n%s", r.body);
	cr_assert(strstr(r.body, "李强") != NULL, "opened marks not shown");
	resp_free(&r);
	cr_assert_eq(status_count(&d, "challenged"), 1);
	cr_assert_eq(status_count(&d, "cast"), 0);
	free(code);

	/* mark again, seal, cast */
	r = booth(&w, "seal", tok, "m=0.0&m=1.2&go=seal");
	code = attr(strstr(r.body, "name=\"code\""), "value");
	resp_free(&r);
	/* a cast of a code that is not the sealed ballot's: refused, the
	 * review shown again with the form's marks (the ballot is fetched only
	 * for that), nothing cast */
	snprintf(rest, sizeof rest, "m=0.0&m=1.2&code=%064d", 0);
	r = booth(&w, "cast", tok, rest);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "data-code=\"no_pending\"") != NULL, "%s", r.body);
	cr_assert(strstr(r.body, "<ol class=\"review\">") != NULL, "no review:\n%s", r.body);
	cr_assert(strstr(r.body, "name=\"m\" value=\"1.2\"") != NULL, "marks lost:\n%s", r.body);
	resp_free(&r);
	cr_assert_eq(status_count(&d, "cast"), 0);
	snprintf(rest, sizeof rest, "m=0.0&m=1.2&code=%s", code);
	r = booth(&w, "cast", tok, rest);
	cr_assert_eq(r.status, 200);
	char *rc = attr(r.body, "data-code");
	cr_assert_str_eq(rc, code, "receipt shows another code");
	cr_assert(strstr(r.body, "<svg class=\"qr\"") != NULL, "no QR code on the receipt");
	cr_assert(strstr(r.body, "class=\"logindex\"") != NULL);
	resp_free(&r);
	cr_assert_eq(status_count(&d, "cast"), 1);

	/* the token is spent: a replayed cast form is refused in words */
	r = booth(&w, "cast", tok, rest);
	cr_assert(strstr(r.body, "data-code=\"token_spent\"") != NULL, "%s", r.body);
	resp_free(&r);
	cr_assert_eq(status_count(&d, "cast"), 1);

	/* admin: close with confirmation, record and checkpoint shown */
	r = post(&w, ADMIN, "/close", "");
	cr_assert(strstr(r.body, "name=\"confirm\"") != NULL, "close asked no confirmation");
	resp_free(&r);
	cr_assert(state_is(&d, "open"));
	r = post(&w, ADMIN, "/close", "confirm=yes");
	cr_assert(strstr(r.body, "class=\"checkpoint\"") != NULL, "%s", r.body);
	resp_free(&r);
	cr_assert(state_is(&d, "closed"));
	free(rc);
	free(code);
	free(tok);
	station_down(&d, &w);
}

Test(web, refusals_in_words)
{
	tdaemon d;
	web w;
	station_up(&d, &w, 1);
	resp r = post(&w, POLLBOOK, "/lookup", "voter=U0001");
	cr_assert(strstr(r.body, "data-code=\"under-18\"") != NULL, "%s", r.body);
	cr_assert(strstr(r.body, "未满十八周岁") != NULL, "reason not in Chinese");
	cr_assert(strstr(r.body, "UL16") != NULL, "rule not named");
	cr_assert(strstr(r.body, "action=\"/checkin\"") == NULL, "check-in offered");
	resp_free(&r);
	r = post(&w, POLLBOOK, "/checkin", "voter=U0001");
	cr_assert(strstr(r.body, "data-code=\"under_18\"") != NULL, "%s", r.body);
	resp_free(&r);
	r = post(&w, POLLBOOK, "/checkin", "voter=W0001");
	cr_assert(strstr(r.body, "data-code=\"wrong_station\"") != NULL, "%s", r.body);
	resp_free(&r);
	r = post(&w, POLLBOOK, "/checkin", "voter=X9999");
	cr_assert(strstr(r.body, "data-code=\"not_on_roll\"") != NULL, "%s", r.body);
	resp_free(&r);
	free(checkin(&w, "V0001"));
	r = post(&w, POLLBOOK, "/checkin", "voter=V0001");
	cr_assert(strstr(r.body, "data-code=\"already_voted\"") != NULL, "%s", r.body);
	resp_free(&r);
	cr_assert_eq(status_count(&d, "checked_in"), 1);
	/* a wrong token at the booth: the start screen again, with the reason */
	r = booth(&w, "start", "00000000000000000000000000000000", "");
	cr_assert(strstr(r.body, "data-code=\"token_invalid\"") != NULL, "%s", r.body);
	resp_free(&r);
	station_down(&d, &w);
}

Test(web, over_limit_marks_refused)
{
	tdaemon d;
	web w;
	station_up(&d, &w, 1);
	char *tok = checkin(&w, "V0002");
	/* director: at most 1 */
	resp r = booth(&w, "nav", tok, "at=0&m=0.0&m=0.1&go=1");
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "data-code=\"over_limit\"") != NULL, "%s", r.body);
	cr_assert(strstr(r.body, "主任") != NULL, "not kept on the same contest");
	resp_free(&r);
	/* sealing over-limit marks directly: the daemon refuses them too */
	r = booth(&w, "seal", tok, "m=0.0&m=0.1&go=seal");
	cr_assert(strstr(r.body, "data-code=\"bad_marks\"") != NULL, "%s", r.body);
	resp_free(&r);
	/* a blank ballot is allowed (asked on the review screen) */
	r = booth(&w, "nav", tok, "at=1&go=review");
	cr_assert(strstr(r.body, "class=\"under\"") != NULL, "blank not pointed out");
	resp_free(&r);
	free(tok);
	station_down(&d, &w);
}

/* The poll book finds a voter by roll id or by name; namesakes are listed
 * with household and group, and one is picked. */
Test(web, lookup_by_id_or_name)
{
	tdaemon d;
	web w;
	extra_roll = "N0001,王芳,1960-02-03,H700,g1,\nN0002,王芳,1990-07-08,H701,g2,\n"
	             "N0003,赵六,1970-01-01,H702,g1,\n";
	station_up(&d, &w, 1);
	/* by roll id: household and group shown */
	resp r = post(&w, POLLBOOK, "/lookup", "voter=N0003");
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "赵六") != NULL && strstr(r.body, "H702") != NULL &&
	              strstr(r.body, "<dd>g1</dd>") != NULL,
	          "%s", r.body);
	cr_assert(strstr(r.body, "action=\"/checkin\"") != NULL);
	resp_free(&r);
	/* by a unique name: the voter's page itself */
	r = post(&w, POLLBOOK, "/lookup", "voter=%E8%B5%B5%E5%85%AD"); /* 赵六 */
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "N0003") != NULL && strstr(r.body, "H702") != NULL, "%s", r.body);
	cr_assert(strstr(r.body, "name=\"voter\" value=\"N0003\"") != NULL, "no check-in of N0003");
	resp_free(&r);
	/* by a shared name: both, each with household and group, to pick */
	r = post(&w, POLLBOOK, "/lookup", "voter=%E7%8E%8B%E8%8A%B3"); /* 王芳 */
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "class=\"matches\"") != NULL, "namesakes not listed:\n%s", r.body);
	cr_assert(strstr(r.body, "N0001") != NULL && strstr(r.body, "H700") != NULL &&
	              strstr(r.body, "N0002") != NULL && strstr(r.body, "H701") != NULL &&
	              strstr(r.body, "g2") != NULL,
	          "%s", r.body);
	cr_assert(strstr(r.body, "action=\"/checkin\"") == NULL, "check-in offered for a name");
	resp_free(&r);
	r = post(&w, POLLBOOK, "/lookup", "voter=N0002");
	cr_assert(strstr(r.body, "H701") != NULL && strstr(r.body, "action=\"/checkin\"") != NULL);
	resp_free(&r);
	/* a name on no roll */
	r = post(&w, POLLBOOK, "/lookup", "voter=Nobody+Here");
	cr_assert(strstr(r.body, "data-code=\"not_on_roll\"") != NULL, "%s", r.body);
	resp_free(&r);
	cr_assert_eq(status_count(&d, "checked_in"), 0);
	station_down(&d, &w);
}

Test(web, wrong_role_refused)
{
	tdaemon d;
	web w;
	station_up(&d, &w, 1);
	/* a poll-book action on the booth's port, admin actions elsewhere */
	resp r = post(&w, BOOTH, "/checkin", "voter=V0001");
	cr_assert_eq(r.status, 404);
	resp_free(&r);
	r = post(&w, BOOTH, "/lookup", "voter=V0001");
	cr_assert_eq(r.status, 404);
	resp_free(&r);
	r = post(&w, POLLBOOK, "/close", "confirm=yes");
	cr_assert_eq(r.status, 404);
	resp_free(&r);
	r = post(&w, BOOTH, "/close", "confirm=yes");
	cr_assert_eq(r.status, 404);
	resp_free(&r);
	r = http(&w, BOOTH, "GET", "/counts", NULL, NULL, NULL);
	check_headers(&r);
	cr_assert_eq(r.status, 404);
	resp_free(&r);
	r = post(&w, ADMIN, "/checkin", "voter=V0001");
	cr_assert_eq(r.status, 404);
	resp_free(&r);
	r = post(&w, POLLBOOK, "/booth", "step=start&token=00000000000000000000000000000000");
	cr_assert_eq(r.status, 404);
	resp_free(&r);
	cr_assert_eq(status_count(&d, "checked_in"), 0);
	cr_assert(state_is(&d, "open"));
	station_down(&d, &w);
}

Test(web, bad_requests)
{
	tdaemon d;
	web w;
	station_up(&d, &w, 1);
	char *tok = checkin(&w, "V0004");
	/* malformed booth forms */
	resp r = post(&w, BOOTH, "/booth", "token=x");
	cr_assert_eq(r.status, 400, "no step");
	resp_free(&r);
	r = booth(&w, "nav", tok, "at=0&m=zz&go=1");
	cr_assert_eq(r.status, 400, "bad mark");
	resp_free(&r);
	r = booth(&w, "nav", tok, "at=0&m=9.0&go=1");
	cr_assert_eq(r.status, 400, "mark of no contest");
	resp_free(&r);
	r = booth(&w, "nav", tok, "at=0&m=0.0&m=0.0&go=1");
	cr_assert_eq(r.status, 400, "repeated mark");
	resp_free(&r);
	r = booth(&w, "cast", tok, "code=12");
	cr_assert_eq(r.status, 400, "short code");
	resp_free(&r);
	r = booth(&w, "nav", "zz", "go=1");
	cr_assert_eq(r.status, 400, "bad token");
	resp_free(&r);
	r = post(&w, POLLBOOK, "/checkin", "voter=V0005&voter=%3Cscript%3E");
	cr_assert_eq(r.status, 200, "first voter field wins");
	resp_free(&r);
	r = post(&w, POLLBOOK, "/lookup", "voter=%3Cscript%3E");
	cr_assert_eq(r.status, 200, "a name that is on no roll");
	cr_assert(strstr(r.body, "data-code=\"not_on_roll\"") != NULL, "%s", r.body);
	cr_assert(strstr(r.body, "<script>") == NULL, "unescaped");
	resp_free(&r);
	r = post(&w, POLLBOOK, "/lookup", "voter=V00%01");
	cr_assert_eq(r.status, 400, "a control character in the look-up");
	resp_free(&r);
	r = post(&w, POLLBOOK, "/lookup", "voter=%FF%FE");
	cr_assert_eq(r.status, 400, "not UTF-8");
	resp_free(&r);
	/* wrong content type */
	r = http(&w, POLLBOOK, "POST", "/checkin", "voter=V0006", "-H", "Content-Type: text/plain");
	check_headers(&r);
	cr_assert_eq(r.status, 415);
	resp_free(&r);
	/* oversized body */
	size_t big = 60000;
	char *b = malloc(big + 1);
	memcpy(b, "voter=", 6);
	memset(b + 6, 'A', big - 6);
	b[big] = '\0';
	r = http(&w, POLLBOOK, "POST", "/checkin", b, NULL, NULL);
	cr_assert_eq(r.status, 413);
	resp_free(&r);
	/* the same without a Content-Length: counted as it streams in */
	r = http(&w, POLLBOOK, "POST", "/checkin", b, "-H", "Transfer-Encoding: chunked");
	cr_assert_eq(r.status, 413, "chunked oversized body");
	resp_free(&r);
	/* oversized headers */
	memcpy(b, "X-Big: ", 7);
	r = http(&w, POLLBOOK, "GET", "/", NULL, "-H", b);
	cr_assert(r.status >= 400 && r.status < 500, "status %d", r.status);
	resp_free(&r);
	free(b);
	/* a form posted from another origin */
	r = http(&w, POLLBOOK, "POST", "/checkin", "voter=V0007", "-H",
	         "Origin: http://evil.example");
	check_headers(&r);
	cr_assert_eq(r.status, 403);
	resp_free(&r);
	r = http(&w, POLLBOOK, "POST", "/checkin", "voter=V0007", "-H",
	         "Sec-Fetch-Site: cross-site");
	cr_assert_eq(r.status, 403);
	resp_free(&r);
	/* path traversal, unknown method */
	r = http(&w, BOOTH, "GET", "/static/../../web/main.c", NULL, NULL, NULL);
	check_headers(&r);
	cr_assert_eq(r.status, 404);
	resp_free(&r);
	r = http(&w, BOOTH, "DELETE", "/", NULL, NULL, NULL);
	cr_assert_eq(r.status, 405);
	resp_free(&r);
	r = http(&w, BOOTH, "GET", "/booth", NULL, NULL, NULL);
	cr_assert_eq(r.status, 405);
	resp_free(&r);
	/* nothing of that changed the daemon: V0004 and V0005 only */
	cr_assert_eq(status_count(&d, "checked_in"), 2);
	free(tok);
	station_down(&d, &w);
}

/* P-8.6: no page action of the poll book or the admin pages without a
 * session of that role and the session's CSRF token; nothing reaches the
 * daemon. */
Test(web, signin_session_csrf_role)
{
	tdaemon d;
	web w;
	station_up(&d, &w, 1);
	char keep[80];
	/* no session: the sign-in page, 401, nothing checked in */
	w.anon = 1;
	resp r = post(&w, POLLBOOK, "/checkin", "voter=V0001");
	cr_assert_eq(r.status, 401, "check-in without a session: %d", r.status);
	cr_assert(strstr(r.body, "name=\"passphrase\"") != NULL, "no sign-in form:\n%s", r.body);
	resp_free(&r);
	r = http(&w, POLLBOOK, "GET", "/counts", NULL, NULL, NULL);
	cr_assert_eq(r.status, 401, "counts without a session");
	resp_free(&r);
	r = post(&w, ADMIN, "/close", "confirm=yes");
	cr_assert_eq(r.status, 401, "close without a session");
	resp_free(&r);
	w.anon = 0;
	/* a forged session id: the same */
	memcpy(keep, w.sid[POLLBOOK], sizeof keep);
	snprintf(w.sid[POLLBOOK], sizeof w.sid[POLLBOOK], "%s",
	         "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	r = post(&w, POLLBOOK, "/checkin", "voter=V0001");
	cr_assert_eq(r.status, 401, "forged session: %d", r.status);
	resp_free(&r);
	memcpy(w.sid[POLLBOOK], keep, sizeof keep);
	/* the session without its CSRF token, or with another one: 403 */
	r = http(&w, POLLBOOK, "POST", "/checkin", "voter=V0001", NULL, NULL);
	cr_assert_eq(r.status, 403, "no CSRF token: %d", r.status);
	cr_assert(strstr(r.body, "security token") != NULL || strstr(r.body, "安全") != NULL, "%s",
	          r.body);
	resp_free(&r);
	memcpy(keep, w.csrf[POLLBOOK], sizeof keep);
	w.csrf[POLLBOOK][0] ^= 1;
	r = post(&w, POLLBOOK, "/checkin", "voter=V0001");
	cr_assert_eq(r.status, 403, "wrong CSRF token: %d", r.status);
	resp_free(&r);
	/* the admin session's token is not the poll book's */
	memcpy(w.csrf[POLLBOOK], w.csrf[ADMIN], sizeof keep);
	r = post(&w, POLLBOOK, "/checkin", "voter=V0001");
	cr_assert_eq(r.status, 403, "another session's CSRF token: %d", r.status);
	resp_free(&r);
	memcpy(w.csrf[POLLBOOK], keep, sizeof keep);
	cr_assert_eq(status_count(&d, "checked_in"), 0);
	/* wrong role: the poll book's session presented to the admin pages */
	memcpy(keep, w.sid[ADMIN], sizeof keep);
	memcpy(w.sid[ADMIN], w.sid[POLLBOOK], sizeof keep);
	r = post(&w, ADMIN, "/close", "confirm=yes");
	cr_assert_eq(r.status, 403, "a poll-book session closed the poll: %d", r.status);
	cr_assert(strstr(r.body, "data-code=\"wrong_role\"") != NULL, "%s", r.body);
	resp_free(&r);
	memcpy(w.sid[ADMIN], keep, sizeof keep);
	cr_assert(state_is(&d, "open"));
	/* the operator credential does not sign in to the admin pages */
	r = signin_try(&w, ADMIN, OP_PASS);
	cr_assert_eq(r.status, 401, "admin sign-in with the operator credential: %d", r.status);
	cr_assert(strstr(r.body, "data-code=\"signin_refused\"") != NULL, "%s", r.body);
	cr_assert_str_eq(set_cookie(&r, cookie_name[ADMIN]), "");
	resp_free(&r);
	/* with both: the check-in goes through */
	free(checkin(&w, "V0001"));
	cr_assert_eq(status_count(&d, "checked_in"), 1);
	/* signed out: the session is dead */
	char so[120];
	snprintf(so, sizeof so, "csrf=%s", w.csrf[POLLBOOK]);
	r = http(&w, POLLBOOK, "POST", "/signout", so, NULL, NULL);
	cr_assert_eq(r.status, 303);
	cr_assert(strcasestr(r.hdr, "Max-Age=0") != NULL, "the cookie is not cleared:\n%s", r.hdr);
	resp_free(&r);
	r = post(&w, POLLBOOK, "/checkin", "voter=V0002");
	cr_assert_eq(r.status, 401, "check-in after sign-out: %d", r.status);
	resp_free(&r);
	cr_assert_eq(status_count(&d, "checked_in"), 1);
	station_down(&d, &w);
}

/* P-8.6: after a wrong passphrase the role's sign-in from that address
 * waits (rate limit); after 5 in a row it is locked, even for the right
 * passphrase; the other role and other addresses are not affected. */
Test(web, signin_rate_limit_and_lockout)
{
	tdaemon d;
	web w;
	web_lockout = "600";
	station_up(&d, &w, 0);
	for (int i = 0; i < 4; i++) {
		resp r = signin_try(&w, ADMIN, "wrong-passphrase");
		cr_assert_eq(r.status, 401, "attempt %d: %d", i + 1, r.status);
		cr_assert(strstr(r.body, "data-code=\"signin_refused\"") != NULL, "%s", r.body);
		resp_free(&r);
	}
	resp r = signin_try(&w, ADMIN, "wrong-passphrase");
	cr_assert_eq(r.status, 429, "5th failure: %d", r.status);
	cr_assert(strstr(r.body, "data-code=\"signin_locked\"") != NULL, "%s", r.body);
	resp_free(&r);
	r = signin_try(&w, ADMIN, ADMIN_PASS);
	cr_assert_eq(r.status, 429, "locked out, yet signed in: %d", r.status);
	cr_assert(strstr(r.body, "data-code=\"signin_locked\"") != NULL, "%s", r.body);
	cr_assert_str_eq(set_cookie(&r, cookie_name[ADMIN]), "", "a session while locked out");
	resp_free(&r);
	/* the lock-out is the address's: another machine (here 127.0.0.2)
	 * signs in, so wrong passphrases sent from the network cannot lock
	 * the poll workers out */
	r = signin_from(&w, ADMIN, ADMIN_PASS, "127.0.0.2");
	cr_assert_eq(r.status, 303, "another address locked out too: %d\n%s", r.status, r.body);
	cr_assert_eq(strlen(set_cookie(&r, cookie_name[ADMIN])), 64);
	resp_free(&r);
	r = signin_try(&w, ADMIN, ADMIN_PASS);
	cr_assert_eq(r.status, 429, "the locked address signed in after another did: %d", r.status);
	resp_free(&r);
	/* the poll book's sign-in is its own */
	signin(&w, POLLBOOK);
	web_stop(&w);

	/* a front with a 60 s delay: the right passphrase right after a wrong
	 * one is refused too (not counted), and the poll stays as it was */
	web_delay = "60";
	web_start(&d, &w, NULL);
	r = signin_try(&w, POLLBOOK, "wrong-passphrase");
	cr_assert_eq(r.status, 401);
	resp_free(&r);
	r = signin_try(&w, POLLBOOK, OP_PASS);
	cr_assert_eq(r.status, 429, "no wait after a failure: %d", r.status);
	cr_assert(strstr(r.body, "data-code=\"signin_wait\"") != NULL, "%s", r.body);
	cr_assert_str_eq(set_cookie(&r, cookie_name[POLLBOOK]), "");
	resp_free(&r);
	/* the wait, too, is the address's own */
	r = signin_from(&w, POLLBOOK, OP_PASS, "127.0.0.3");
	cr_assert_eq(r.status, 303, "another address made to wait: %d", r.status);
	resp_free(&r);
	web_delay = "0";
	web_lockout = "300";
	cr_assert(state_is(&d, "new"));
	station_down(&d, &w);
}

/* quorum-web refuses a credentials file others can read, and
 * --set-credential a short passphrase or an unknown role. */
Test(web, credentials_file_checked)
{
	tdaemon d;
	td_setup(&d, 2);
	cur = &d;
	char bin[512], cmd[1600], f[400];
	snprintf(bin, sizeof bin, "%s/web/quorum-web", getenv("QUORUM_BUILD_ROOT"));
	snprintf(f, sizeof f, "%s/creds", d.dir);
	snprintf(cmd, sizeof cmd, "echo short | %s --set-credential %s operator 2>/dev/null", bin,
	         f);
	cr_assert_eq(WEXITSTATUS(system(cmd)), 2, "short passphrase accepted");
	snprintf(cmd, sizeof cmd, "echo long-enough-1 | %s --set-credential %s booth 2>/dev/null",
	         bin, f);
	cr_assert_eq(WEXITSTATUS(system(cmd)), 2, "role booth accepted");
	snprintf(cmd, sizeof cmd, "echo long-enough-1 | %s --set-credential %s operator", bin, f);
	cr_assert_eq(system(cmd), 0);
	struct stat st;
	cr_assert_eq(stat(f, &st), 0);
	cr_assert_eq(st.st_mode & 077, 0, "credentials file readable by others");
	char *text = test_read_file(f, NULL);
	cr_assert(strncmp(text, "operator argon2id ", 18) == 0, "%s", text);
	cr_assert(strstr(text, "long-enough") == NULL, "passphrase stored in clear");
	free(text);
	chmod(f, 0644);
	snprintf(cmd, sizeof cmd,
	         "timeout 10 %s --state %s --booth-port 0 --pollbook-port 0 --admin-port 0 "
	         "--credentials %s 2>%s/err.txt >/dev/null",
	         bin, d.state, f, d.dir);
	cr_assert_eq(WEXITSTATUS(system(cmd)), 1, "a credentials file readable by others");
	snprintf(cmd, sizeof cmd, "%s/err.txt", d.dir);
	text = test_read_file(cmd, NULL);
	cr_assert(strstr(text, "chmod 600") != NULL, "%s", text);
	free(text);
	test_rmtree(d.dir);
}

/* The text of the first <pre class="cls"> of html, unescaped (malloc'd). */
static char *pre_text(const char *html, const char *cls)
{
	char pat[64];
	snprintf(pat, sizeof pat, "<pre class=\"%s\"", cls);
	const char *p = strstr(html, pat);
	cr_assert_not_null(p, "no %s in page:\n%s", pat, html);
	p = strchr(p, '>') + 1;
	const char *e = strstr(p, "</pre>");
	char *t = strndup(p, (size_t)(e - p)), *o = t;
	for (const char *q = t; *q;) {
		static const char *const ents[][2] = {
		    {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}};
		size_t k = 0;
		for (; k < 5; k++)
			if (strncmp(q, ents[k][0], strlen(ents[k][0])) == 0)
				break;
		if (k < 5) {
			*o++ = ents[k][1][0];
			q += strlen(ents[k][0]);
		} else {
			*o++ = *q++;
		}
	}
	*o = '\0';
	return t;
}

/* P-8.7: the public pages need no sign-in: the station's status, the
 * published result, and a tracking code's log index, inclusion proof and
 * checkpoint in the published record -- the proof byte for byte what
 * quorum-audit find prints. */
Test(web, public_pages)
{
	tdaemon d;
	web w;
	station_up(&d, &w, 1);
	char *tok = checkin(&w, "V0008");
	resp r = booth(&w, "seal", tok, "m=0.1&m=1.0&go=seal");
	char *code = attr(strstr(r.body, "name=\"code\""), "value");
	resp_free(&r);
	char rest[300];
	snprintf(rest, sizeof rest, "m=0.1&m=1.0&code=%s", code);
	r = booth(&w, "cast", tok, rest);
	char *idx = strstr(r.body, "class=\"logindex\">");
	cr_assert_not_null(idx, "%s", r.body);
	long logindex = strtol(idx + 17, NULL, 10);
	resp_free(&r);

	/* no session at all */
	w.anon = 1;
	r = http(&w, POLLBOOK, "GET", "/public/", NULL, NULL, NULL);
	check_headers(&r);
	cr_assert_eq(r.status, 200, "public status needs a sign-in? %d", r.status);
	cr_assert(strstr(r.body, "data-k=\"cast\">1<") != NULL, "%s", r.body);
	cr_assert(strstr(r.body, "action=\"/checkin\"") == NULL &&
	              strstr(r.body, "name=\"csrf\"") == NULL,
	          "a poll-book form on a public page");
	resp_free(&r);
	r = http(&w, POLLBOOK, "GET", "/public/result", NULL, NULL, NULL);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "data-code=\"no_result\"") != NULL, "%s", r.body);
	resp_free(&r);
	char body[200];
	snprintf(body, sizeof body, "code=%s", code);
	r = post(&w, POLLBOOK, "/public/check", body);
	cr_assert(strstr(r.body, "data-code=\"not_published\"") != NULL, "%s", r.body);
	resp_free(&r);
	w.anon = 0;

	/* close, publish the station's log as the record does */
	r = post(&w, ADMIN, "/close", "confirm=yes");
	resp_free(&r);
	char pub[400], cmd[4800];
	snprintf(pub, sizeof pub, "%s/pub", d.dir);
	snprintf(cmd, sizeof cmd,
	         "mkdir -p %s/stations/s1 %s/tally && cp -r %s/log %s/stations/s1/log && rm -f "
	         "%s/stations/s1/log/key && cp %s/base-hash %s/ && printf '<b>结果</b> 赞成 1\n' "
	         ">%s/report.txt && echo checkpoint-text >%s/tally/result.checkpoint",
	         pub, pub, d.state, pub, pub, d.el, pub, pub, pub);
	cr_assert_eq(system(cmd), 0);
	web_stop(&w);
	web_published = pub;
	web_start(&d, &w, NULL);
	web_published = NULL;
	w.anon = 1;
	r = http(&w, POLLBOOK, "GET", "/public/result", NULL, NULL, NULL);
	cr_assert(strstr(r.body, "&lt;b&gt;结果&lt;/b&gt; 赞成 1") != NULL, "report not shown:\n%s",
	          r.body);
	cr_assert(strstr(r.body, "quorum-audit verify-election RECORD_DIR") != NULL);
	resp_free(&r);
	/* the code typed in groups, upper case */
	snprintf(body, sizeof body, "code=%.32s+%.32s", code, code + 32);
	for (char *p = body + 5; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 32);
	r = post(&w, POLLBOOK, "/public/check", body);
	cr_assert_eq(r.status, 200);
	idx = strstr(r.body, "class=\"logindex\">");
	cr_assert_not_null(idx, "not found:\n%s", r.body);
	cr_assert_eq(strtol(idx + 17, NULL, 10), logindex, "another log index than the receipt's");
	char want[600];
	snprintf(want, sizeof want, "quorum-audit find RECORD_DIR/stations/s1/log %s &gt; my.proof",
	         code);
	cr_assert(strstr(r.body, want) != NULL, "no observer's command:\n%s", r.body);
	char *proof = pre_text(r.body, "proof"), *cpt = pre_text(r.body, "checkpoint");
	cr_assert(strstr(cpt, "quorum/") == cpt, "checkpoint: %s", cpt);
	resp_free(&r);
	/* quorum-audit find prints the same proof, and check-proof takes it */
	char *out = NULL;
	char audit[512], logd[500];
	snprintf(audit, sizeof audit, "%s/audit/quorum-audit", getenv("QUORUM_BUILD_ROOT"));
	snprintf(logd, sizeof logd, "%s/stations/s1/log", pub);
	char *args[] = {audit, "find", logd, code, NULL};
	int pid_st;
	{
		int p[2];
		cr_assert_eq(pipe(p), 0);
		pid_t pid = fork();
		if (pid == 0) {
			dup2(p[1], 1);
			close(p[0]);
			close(p[1]);
			int nul = open("/dev/null", O_WRONLY);
			dup2(nul, 2);
			execv(audit, args);
			_exit(127);
		}
		close(p[1]);
		out = calloc(1, 1 << 16);
		size_t len = 0;
		ssize_t k;
		while ((k = read(p[0], out + len, (1 << 16) - 1 - len)) > 0)
			len += (size_t)k;
		close(p[0]);
		waitpid(pid, &pid_st, 0);
	}
	cr_assert(WIFEXITED(pid_st) && WEXITSTATUS(pid_st) == 0, "quorum-audit find failed");
	cr_assert_str_eq(proof, out, "the page's proof is not quorum-audit find's");
	free(out);
	free(proof);
	free(cpt);
	/* a code of no ballot, a malformed one */
	snprintf(body, sizeof body, "code=%064d", 7);
	r = post(&w, POLLBOOK, "/public/check", body);
	cr_assert(strstr(r.body, "data-code=\"not_found\"") != NULL, "%s", r.body);
	resp_free(&r);
	r = post(&w, POLLBOOK, "/public/check", "code=xyz");
	cr_assert_eq(r.status, 400);
	cr_assert(strstr(r.body, "data-code=\"bad_code\"") != NULL, "%s", r.body);
	resp_free(&r);
	/* the rest of the poll book still needs the sign-in */
	r = http(&w, POLLBOOK, "GET", "/", NULL, NULL, NULL);
	cr_assert_eq(r.status, 401);
	resp_free(&r);
	w.anon = 0;
	free(code);
	free(tok);
	station_down(&d, &w);
}

/* A TCP connection to the listener of role with text sent (not closed). */
static int tcp_send(const web *w, int role, const char *text)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(fd >= 0);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)w->port[role]);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	return fd;
}

/* Slow clients (a request line or a body that never ends) hold no one
 * up: the pages are still served meanwhile and nothing of theirs reaches
 * the daemon; a malformed request line is answered 400, and so is an
 * HTTP/1.1 request without a Host header or with two. */
Test(web, slow_and_malformed_clients)
{
	tdaemon d;
	web w;
	station_up(&d, &w, 1);
	int fds[60], n = 0;
	char partial[600];
	for (int i = 0; i < 20; i++) {
		fds[n++] = tcp_send(&w, BOOTH, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a");
		fds[n++] =
		    tcp_send(&w, BOOTH,
		             "POST /booth HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
		             "application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
		             "step=start&token=");
		snprintf(partial, sizeof partial,
		         "POST /checkin HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: %s=%s\r\n"
		         "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "
		         "500\r\n\r\nvoter=V0011&csrf=%s",
		         cookie_name[POLLBOOK], w.sid[POLLBOOK], w.csrf[POLLBOOK]);
		fds[n++] = tcp_send(&w, POLLBOOK, partial);
	}
	/* served meanwhile */
	resp r = http(&w, BOOTH, "GET", "/", NULL, NULL, NULL);
	cr_assert_eq(r.status, 200, "booth not served beside slow clients: %d", r.status);
	resp_free(&r);
	free(checkin(&w, "V0012"));
	/* a request line that is no HTTP: closed without a page, or 400 */
	int fd = tcp_send(&w, BOOTH, "GARBAGE\r\n\r\n");
	char buf[256] = "";
	ssize_t k = read(fd, buf, sizeof buf - 1);
	cr_assert(k == 0 || (k > 12 && strncmp(buf, "HTTP/1.1 400", 12) == 0),
	          "malformed request line: %.*s", (int)(k > 0 ? k : 0), buf);
	close(fd);
	fd = tcp_send(&w, BOOTH, "GET /\x01\x02 HTTP/1.1\r\nHost: x\r\n\r\n");
	k = read(fd, buf, sizeof buf - 1);
	cr_assert(k > 12 && (strncmp(buf, "HTTP/1.1 400", 12) == 0 ||
	                     strncmp(buf, "HTTP/1.1 404", 12) == 0),
	          "control bytes in the path: %.*s", (int)(k > 0 ? k : 0), buf);
	close(fd);
	/* RFC 9112 3.2: Host is required in HTTP/1.1, at most once, well-formed;
	 * HTTP/1.0 may leave it out.  A POST is refused as well. */
	static const struct {
		int role;
		const char *req;
		const char *want;
	} host_cases[] = {
	    {BOOTH, "GET / HTTP/1.1\r\n\r\n", " 400 "},
	    {BOOTH, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n", " 400 "},
	    {BOOTH, "GET / HTTP/1.1\r\nHost: a b/c\r\n\r\n", " 400 "},
	    {BOOTH,
	     "POST /booth HTTP/1.1\r\nContent-Type: "
	     "application/x-www-form-urlencoded\r\nContent-Length: 10\r\n\r\nstep=start",
	     " 400 "},
	    {BOOTH, "GET / HTTP/1.0\r\n\r\n", " 200 "},
	    {BOOTH, "GET / HTTP/1.1\r\nHost: 127.0.0.1:8401\r\n\r\n", " 200 "},
	};
	for (size_t i = 0; i < sizeof host_cases / sizeof host_cases[0]; i++) {
		fd = tcp_send(&w, host_cases[i].role, host_cases[i].req);
		shutdown(fd, SHUT_WR);
		k = read(fd, buf, sizeof buf - 1);
		buf[k > 0 ? k : 0] = '\0';
		cr_assert(k > 12 && strncmp(buf + 8, host_cases[i].want, 5) == 0,
		          "%s -> %.60s (want%s)", host_cases[i].req, buf, host_cases[i].want);
		close(fd);
	}
	for (int i = 0; i < n; i++)
		close(fds[i]);
	/* the stalled check-in of V0011 never happened */
	cr_assert_eq(status_count(&d, "checked_in"), 1);
	station_down(&d, &w);
}

/* P-8.8: a screen's text read aloud in Mandarin: a WAV of the text
 * posted, on every listener, never a file; empty text refused. */
Test(web, speak_reads_the_screen)
{
	if (access("/usr/bin/espeak-ng", X_OK) != 0)
		cr_skip_test("no espeak-ng: run scripts/setup");
	tdaemon d;
	web w;
	station_up(&d, &w, 0);
	/* 投票站 本项应选 7 名 */
	const char *text =
	    "text=%E6%8A%95%E7%A5%A8%E7%AB%99+%E6%9C%AC%E9%A1%B9%E5%BA%94%E9%80%89+7+"
	    "%E5%90%8D";
	for (int role = 0; role < 3; role++) {
		w.anon = 1;
		resp r = http(&w, role, "POST", "/speak", text, NULL, NULL);
		w.anon = 0;
		check_headers(&r);
		cr_assert_eq(r.status, 200, "role %d: %d", role, r.status);
		cr_assert(strcasestr(r.hdr, "content-type: audio/wav") != NULL, "%s", r.hdr);
		cr_assert(strcasestr(r.hdr, "media-src 'self' blob:") != NULL, "%s", r.hdr);
		cr_assert(strncmp(r.body, "RIFF", 4) == 0, "not a WAV");
		resp_free(&r);
	}
	/* the WAV's sizes are filled in: RIFF length = file length - 8 */
	char url[200], bf[500];
	snprintf(url, sizeof url, "http://127.0.0.1:%u/speak", w.port[BOOTH]);
	snprintf(bf, sizeof bf, "%s/speak.wav", d.dir);
	char *args[] = {"curl", "-s", "-o", bf, "--data-binary", (char *)text, url, NULL};
	char *out = NULL;
	cr_assert_eq(run_curl(args, &out), 0);
	free(out);
	size_t n = 0;
	unsigned char *wav = (unsigned char *)test_read_file(bf, &n);
	cr_assert(n > 1000, "WAV of %zu bytes", n);
	unsigned long riff =
	    wav[4] | wav[5] << 8 | (unsigned long)wav[6] << 16 | (unsigned long)wav[7] << 24;
	cr_assert_eq(riff, n - 8, "RIFF size %lu of %zu bytes", riff, n);
	cr_assert(memcmp(wav + 8, "WAVE", 4) == 0);
	free(wav);
	resp r = http(&w, BOOTH, "POST", "/speak", "text=", NULL, NULL);
	cr_assert_eq(r.status, 400, "empty text: %d", r.status);
	resp_free(&r);
	/* every page has the button */
	r = http(&w, BOOTH, "GET", "/", NULL, NULL, NULL);
	cr_assert(strstr(r.body, "class=\"speak\"") != NULL, "no read-aloud button");
	resp_free(&r);
	station_down(&d, &w);
}

Test(web, restart_keeps_the_booth_going)
{
	tdaemon d;
	web w;
	station_up(&d, &w, 1);
	char *tok = checkin(&w, "V0006");
	resp r = booth(&w, "nav", tok, "at=0&m=0.0&go=1");
	resp_free(&r);
	/* the front stops and starts again between two screens */
	web_stop(&w);
	web_start(&d, &w, NULL);
	r = booth(&w, "seal", tok, "m=0.0&m=1.1&go=seal");
	char *code = attr(strstr(r.body, "name=\"code\""), "value");
	resp_free(&r);
	char rest[300];
	snprintf(rest, sizeof rest, "m=0.0&m=1.1&code=%s", code);
	r = booth(&w, "cast", tok, rest);
	cr_assert(strstr(r.body, "data-code=\"") != NULL, "%s", r.body);
	resp_free(&r);
	cr_assert_eq(status_count(&d, "cast"), 1);
	free(code);
	free(tok);
	station_down(&d, &w);
}

Test(web, tls13_with_station_certificate)
{
	tdaemon d;
	web w;
	td_setup(&d, 4);
	cur = &d;
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	live_d = d;
	char tdir[400], bin[512], *out = NULL;
	snprintf(tdir, sizeof tdir, "%s/tls", d.dir);
	cr_assert_eq(mkdir(tdir, 0700), 0);
	snprintf(bin, sizeof bin, "%s/web/quorum-web", getenv("QUORUM_BUILD_ROOT"));
	/* --make-cert prints the fingerprint; not over an existing one */
	FILE *p;
	char cmd[1200], line[256] = "";
	snprintf(cmd, sizeof cmd, "%s --make-cert %s", bin, tdir);
	p = popen(cmd, "r");
	cr_assert(fgets(line, sizeof line, p) != NULL);
	cr_assert_eq(pclose(p), 0);
	cr_assert(strncmp(line, "fingerprint: SHA-256 ", 21) == 0, "%s", line);
	p = popen(cmd, "r");
	cr_assert_neq(pclose(p), 0, "--make-cert overwrote the certificate");
	struct stat st;
	snprintf(cmd, sizeof cmd, "%s/station-key.pem", tdir);
	cr_assert_eq(stat(cmd, &st), 0);
	cr_assert_eq(st.st_mode & 077, 0, "key readable by others");

	web_start(&d, &w, tdir);
	cr_assert(strncmp(line + 21, w.fp, strlen(w.fp)) == 0, "console fingerprint differs");
	signin(&w, ADMIN);
	resp r = http(&w, ADMIN, "GET", "/", NULL, "--tls-max", "1.3");
	check_headers(&r);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, w.fp) != NULL, "fingerprint not on the admin page");
	resp_free(&r);
	/* TLS 1.2 is refused */
	char url[128];
	snprintf(url, sizeof url, "https://127.0.0.1:%u/", w.port[BOOTH]);
	char *args[] = {"curl", "-s", "-k", "--tls-max", "1.2", "-o", "/dev/null", url, NULL};
	cr_assert_neq(run_curl(args, &out), 0, "a TLS 1.2 connection was served");
	free(out);
	/* plain HTTP to a TLS port gets no page */
	snprintf(url, sizeof url, "http://127.0.0.1:%u/", w.port[BOOTH]);
	char *args2[] = {"curl", "-s", "-w", "%{http_code}", "-o", "/dev/null", url, NULL};
	run_curl(args2, &out);
	cr_assert_neq(strcmp(out, "200"), 0, "plain HTTP served on the TLS port");
	free(out);
	/* a LAN address without TLS is refused at start */
	snprintf(cmd, sizeof cmd, "timeout 10 %s --state %s --listen 0.0.0.0 2>/dev/null", bin,
	         d.state);
	cr_assert_eq(WEXITSTATUS(system(cmd)), 2);
	station_down(&d, &w);
}

/* What the browser test cannot run without: a skip by hand, a failure
 * in CI (CI set, as .ci/run does), so that neither build's run passes
 * without the browser having driven the pages. */
static void browser_missing(const char *why)
{
	const char *ci = getenv("CI");
	if (ci != NULL && ci[0] != '\0' && strcmp(ci, "false") != 0)
		cr_assert_fail("%s (CI: the browser test must run)", why);
	cr_skip_test("%s", why);
}

/* The browser test (tests/web/browser.mjs): Debian's chromium driven by
 * playwright-core, axe-core on every screen, screenshots written to
 * BUILD/tests/web/shots; run by the meson test web_browser in the normal
 * and the sanitizer build.  Skipped when chromium or node is missing
 * (failed in CI); the two npm packages are installed into
 * tests/web/node_modules (not committed) when absent and npm can reach
 * its registry. */
Test(web, browser, .timeout = 900)
{
	const char *src = getenv("QUORUM_SOURCE_ROOT"), *root = getenv("QUORUM_BUILD_ROOT");
	char cmd[2048], mods[1024], shots[1024];
	if (access("/usr/bin/chromium", X_OK) != 0 || system("command -v node >/dev/null") != 0)
		browser_missing("no chromium or node: run scripts/setup");
	snprintf(mods, sizeof mods, "%s/tests/web/node_modules/axe-core/axe.min.js", src);
	snprintf(cmd, sizeof cmd, "%s/tests/web/node_modules/playwright-core/package.json", src);
	if (access(mods, R_OK) != 0 || access(cmd, R_OK) != 0) {
		snprintf(cmd, sizeof cmd,
		         "cd '%s/tests/web' && npm install --no-save --no-package-lock --no-audit "
		         "--no-fund playwright-core axe-core >/dev/null 2>&1",
		         src);
		if (system(cmd) != 0)
			browser_missing("npm could not install playwright-core and axe-core");
	}
	tdaemon d;
	web w;
	/* long: the page's clock is moved past it by the test (browser.mjs), it
	 * never fires by itself during a screenshot or a scan */
	web_idle = "600";
	/* P0001 votes by the written proxy of V0017 (browser.mjs: refused for
	 * V0018, then checked in by V0017) */
	extra_roll = "P0001,Principal,1980-05-11,H950,g1,proxy=V0017\n";
	station_up(&d, &w, 1);
	char toks[200] = "";
	for (int i = 0; i < 3; i++) {
		char v[16];
		snprintf(v, sizeof v, "V%04d", 10 + i);
		char *t = checkin(&w, v);
		snprintf(toks + strlen(toks), sizeof toks - strlen(toks), "%s%s", i ? " " : "", t);
		free(t);
	}
	/* a second front in English (--lang en) on the same daemon: every
	 * screen of it without Chinese-only text (browser.mjs) */
	web we;
	web_lang = "en";
	web_start(&d, &we, NULL);
	web_lang = NULL;
	live_web_pid = w.pid;
	snprintf(shots, sizeof shots, "%s/tests/web/shots", root);
	mkdir(shots, 0755);
	snprintf(cmd, sizeof cmd,
	         "BOOTH=http://127.0.0.1:%u/ POLLBOOK=http://127.0.0.1:%u/ "
	         "ADMIN=http://127.0.0.1:%u/ OP_PASS='" OP_PASS "' ADMIN_PASS='" ADMIN_PASS "' "
	         "EN_BOOTH=http://127.0.0.1:%u/ EN_POLLBOOK=http://127.0.0.1:%u/ "
	         "EN_ADMIN=http://127.0.0.1:%u/ "
	         "TOKENS='%s' SHOTS='%s' node '%s/tests/web/browser.mjs'",
	         w.port[BOOTH], w.port[POLLBOOK], w.port[ADMIN], we.port[BOOTH], we.port[POLLBOOK],
	         we.port[ADMIN], toks, shots, src);
	int rc = system(cmd);
	web_stop(&we);
	cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "browser test failed (see above)");
	/* the browser cast one ballot, challenged one, checked in P0001 by
	 * proxy and V0016; refused U0001, V0010 again, W0001 and V0018's proxy */
	cr_assert_eq(status_count(&d, "cast"), 1);
	cr_assert_eq(status_count(&d, "challenged"), 1);
	cr_assert_eq(status_count(&d, "checked_in"), 5);
	json_t *px = td_req(&d, "operator", "{\"op\":\"lookup\",\"voter\":\"P0001\"}");
	cr_assert(json_is_true(json_object_get(json_object_get(px, "voter"), "checked_in")),
	          "P0001 not checked in by proxy");
	json_decref(px);
	station_down(&d, &w);
}

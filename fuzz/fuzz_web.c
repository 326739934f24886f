/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_web -- quorum-web's request translation (web/pages.c, P-8.2, P-8.4):
 * a page action (role, method, path, form) into the daemon's JSON-lines
 * requests.
 *
 * Input: byte 0 picks the listener's role (booth, poll book, admin) and
 * whether a session's CSRF token is given; byte 1 picks the answers of the
 * stand-in daemon below (ok, or a refusal, or an unreachable daemon);
 * then "METHOD PATH\n" and an application/x-www-form-urlencoded body
 * (decoded here as libmicrohttpd would).  The stand-in daemon answers
 * from a fixed two-contest ballot and checks every request the front
 * sends: one object whose op belongs to the listener's socket, a token of
 * 32 lower-case hex digits, a tracking code of 64, marks of the ballot's
 * shape with 0 or 1 only, a roll id or name that is a string.  Anything
 * else aborts: the front must never send a request its socket's parser
 * would call malformed, whatever the form.  Every answer must be a page
 * with a status and a body.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "web/web.h"

static unsigned char reply_sel;
static enum role cur_role;

static const char *const role_ops[ROLE_N][7] = {
    {"ballot", "encrypt", "cast", "challenge", "receipt", NULL},
    {"status", "lookup", "checkin", "issue", "reissue", NULL},
    {"status", "open", "close", "import-roll", "export", NULL},
};

static int is_hex(const char *s, size_t n)
{
	if (s == NULL || strlen(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static const size_t nopt[2] = {2, 5};

static void check_marks(const json_t *m)
{
	if (!json_is_array(m) || json_array_size(m) != 2)
		abort();
	for (size_t c = 0; c < 2; c++) {
		const json_t *a = json_array_get(m, c);
		if (!json_is_array(a) || json_array_size(a) != nopt[c])
			abort();
		for (size_t o = 0; o < nopt[c]; o++) {
			json_int_t v = json_integer_value(json_array_get(a, o));
			if (!json_is_integer(json_array_get(a, o)) || (v != 0 && v != 1))
				abort();
		}
	}
}

static json_t *ballot_reply(void)
{
	return json_pack(
	    "{s:b, s:{s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:s, s:i, s:i, s:[{s:s, s:s, s:s}, "
	    "{s:s, s:s, s:s}]}, {s:s, s:s, s:s, s:s, s:i, s:i, s:[{s:s, s:s, s:s}, {s:s, s:s, "
	    "s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s}]}]}}",
	    "ok", 1, "ballot", "election", "e", "title_zh", "选举", "title_en", "Election",
	    "station", "s1", "contests", "id", "c1", "type", "candidates", "title_zh", "主任",
	    "title_en", "Director", "min", 0, "max", 1, "options", "id", "a", "label_zh", "甲",
	    "label_en", "A", "id", "b", "label_zh", "乙", "label_en", "B", "id", "c2", "type",
	    "candidates", "title_zh", "委员", "title_en", "Members", "min", 0, "max", 3, "options",
	    "id", "a", "label_zh", "甲", "label_en", "A", "id", "b", "label_zh", "乙", "label_en",
	    "B", "id", "c", "label_zh", "丙", "label_en", "C", "id", "d", "label_zh", "丁",
	    "label_en", "D", "id", "e", "label_zh", "戊", "label_en", "E");
}

#define CODE64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* The stand-in for rpc.c: check the request, answer it. */
json_t *rpc_call(const char *path, json_t *req, const char **why)
{
	(void)path;
	*why = "fuzz";
	if (!json_is_object(req))
		abort();
	const char *op = json_string_value(json_object_get(req, "op"));
	int known = 0;
	for (size_t i = 0; op != NULL && role_ops[cur_role][i] != NULL; i++)
		known |= strcmp(op, role_ops[cur_role][i]) == 0;
	if (!known)
		abort(); /* an op of another socket, or none */
	const json_t *t = json_object_get(req, "token");
	if (t != NULL && !is_hex(json_string_value(t), 32))
		abort();
	const json_t *c = json_object_get(req, "tracking_code");
	if (c != NULL && !is_hex(json_string_value(c), 64))
		abort();
	if (json_object_get(req, "marks") != NULL)
		check_marks(json_object_get(req, "marks"));
	const json_t *v = json_object_get(req, "voter");
	if (v != NULL && (!json_is_string(v) || json_string_length(v) == 0))
		abort();
	if (getenv("FUZZ_WEB_DEBUG") != NULL) {
		char *d = json_dumps(req, JSON_COMPACT);
		fprintf(stderr, "request: %s\n", d != NULL ? d : "?");
		free(d);
	}
	char opbuf[32];
	snprintf(opbuf, sizeof opbuf, "%s", op);
	op = opbuf;
	json_decref(req);
	unsigned sel = reply_sel;
	if ((sel & 7) == 7)
		return NULL; /* unreachable */
	if ((sel & 7) == 6 && strcmp(op, "ballot") != 0)
		return json_pack("{s:b, s:s, s:s}", "ok", 0, "error",
		                 (sel & 8) ? "bad_marks" : "token_spent", "message", "refused");
	if (strcmp(op, "ballot") == 0)
		return (sel & 7) == 5 ? json_pack("{s:b, s:{}}", "ok", 1, "ballot")
		                      : ballot_reply();
	if (strcmp(op, "encrypt") == 0)
		return json_pack("{s:b, s:s}", "ok", 1, "tracking_code", CODE64);
	if (strcmp(op, "cast") == 0 || strcmp(op, "receipt") == 0)
		return json_pack("{s:b, s:s, s:i, s:s, s:s}", "ok", 1, "tracking_code", CODE64,
		                 "log_index", 3, "checkpoint", "quorum/e/station/s1\n4\nAAAA\n",
		                 "log_origin", "quorum/e/station/s1");
	if (strcmp(op, "challenge") == 0)
		return json_pack("{s:b, s:s, s:{s:[[i,i],[i,i,i,i,i]], s:[]}, s:i, s:s}", "ok", 1,
		                 "tracking_code", CODE64, "opening", "marks", 0, 1, 1, 0, 0, 1, 0,
		                 "nonces", "log_index", 2, "checkpoint", "cp");
	if (strcmp(op, "lookup") == 0 && (sel & 8))
		return json_pack("{s:b, s:i, s:[{s:s, s:s, s:s, s:s, s:b}]}", "ok", 1, "count", 9,
		                 "matches", "id", "V1", "name", "<x>", "household", "H1", "group",
		                 "g1", "checked_in", 0);
	if (strcmp(op, "lookup") == 0)
		return json_pack("{s:b, s:{s:s, s:s, s:s, s:s, s:b, s:b, s:s}}", "ok", 1, "voter",
		                 "id", "V1", "name", "名", "household", "H1", "group", "g1",
		                 "checked_in", (sel >> 4) & 1, "eligible", (sel >> 5) & 1,
		                 "refusal", "under-18");
	if (strcmp(op, "checkin") == 0)
		return json_pack("{s:b, s:s, s:i}", "ok", 1, "token",
		                 "0123456789abcdef0123456789abcdef", "checked_in", 1);
	if (strcmp(op, "close") == 0)
		return json_pack("{s:b, s:s, s:s, s:s}", "ok", 1, "state", "closed", "record", "/r",
		                 "checkpoint", "cp");
	return json_pack("{s:b, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i}", "ok", 1, "state", "open",
	                 "station", "s1", "election", "e", "registered", 5, "checked_in", 2, "cast",
	                 1, "challenged", 0, "log_size", 4);
}

const char *rpc_err(const json_t *rep)
{
	if (json_is_true(json_object_get(rep, "ok")))
		return NULL;
	const char *e = json_string_value(json_object_get(rep, "error"));
	return e != NULL ? e : "internal";
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode one urlencoded component of n bytes into out (at most max). */
static size_t urldecode(const char *in, size_t n, char *out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k < max; i++) {
		if (in[i] == '+')
			out[k++] = ' ';
		else if (in[i] == '%' && i + 2 < n && hexval(in[i + 1]) >= 0 &&
		         hexval(in[i + 2]) >= 0) {
			out[k++] = (char)(hexval(in[i + 1]) * 16 + hexval(in[i + 2]));
			i += 2;
		} else
			out[k++] = in[i];
	}
	return k;
}

static form fm;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	cur_role = (enum role)(data[0] % ROLE_N);
	int with_csrf = (data[0] / ROLE_N) & 1;
	reply_sel = data[1];
	const char *p = (const char *)data + 2, *end = (const char *)data + size;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	if (nl == NULL)
		return 0;
	char line[512];
	size_t ll = (size_t)(nl - p) < sizeof line - 1 ? (size_t)(nl - p) : sizeof line - 1;
	memcpy(line, p, ll);
	line[ll] = '\0';
	if (memchr(line, '\0', ll) != NULL)
		return 0;
	char *sp = strchr(line, ' ');
	if (sp == NULL)
		return 0;
	*sp = '\0';
	const char *method = line, *path = sp + 1;
	/* the body: fields as the post processor hands them over */
	memset(&fm, 0, sizeof fm);
	const char *b = nl + 1;
	while (b < end && fm.n < FORM_FIELDS_MAX) {
		const char *amp = memchr(b, '&', (size_t)(end - b));
		const char *fe = amp != NULL ? amp : end;
		const char *eq = memchr(b, '=', (size_t)(fe - b));
		if (eq != NULL) {
			field *f = &fm.f[fm.n];
			char name[64];
			size_t nn = urldecode(b, (size_t)(eq - b), name, sizeof name - 1);
			name[nn] = '\0';
			if (nn < sizeof f->name && strlen(name) == nn) {
				memcpy(f->name, name, nn + 1);
				f->val = calloc(1, FORM_VALUE_MAX + 1);
				if (f->val == NULL)
					abort();
				f->len = urldecode(eq + 1, (size_t)(fe - eq - 1), f->val,
				                   FORM_VALUE_MAX);
				if (memchr(f->val, '\0', f->len) == NULL)
					fm.n++;
				else
					free(f->val);
			}
		}
		b = fe + 1;
	}
	static const char *const socks[ROLE_N] = {"/nonexistent/b", "/nonexistent/o",
	                                          "/nonexistent/a"};
	site s;
	memset(&s, 0, sizeof s);
	for (int r = 0; r < ROLE_N; r++)
		s.sock[r] = socks[r];
	s.idle_seconds = 120;
	answer a;
	memset(&a, 0, sizeof a);
	wb_init(&a.body);
	pages_route(&s, cur_role, method, path, strcmp(method, "POST") == 0 ? &fm : NULL,
	            with_csrf && cur_role != ROLE_BOOTH
	                ? "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	                : NULL,
	            &a);
	if (getenv("FUZZ_WEB_DEBUG") != NULL)
		fprintf(stderr, "%u %.*s\n", a.status, (int)(a.body.len < 2000 ? a.body.len : 2000),
		        a.body.p != NULL ? a.body.p : "");
	if (!a.body.oom && (a.status < 200 || a.status > 599 || a.type == NULL ||
	                    (a.body.len == 0 && a.status != 303)))
		abort();
	wb_free(&a.body);
	for (size_t i = 0; i < fm.n; i++)
		free(fm.f[i].val);
	return 0;
}

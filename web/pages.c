/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pages.c -- the booth, poll-book and admin pages, and the translation of
 * each page action into one request on the role's socket
 * (docs/guide-poll-worker.md; docs/spec/protocol.md P-8).
 *
 * Nothing is kept between requests.  A booth's token, marks and tracking
 * code are in the hidden fields of its own forms (POST bodies, never a URL
 * or a cookie); each request re-reads the ballot from the daemon with the
 * token, checks the marks against it and forgets them once answered.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/util.h"
#include "election/i18n.h"
#include "web.h"

#include "banned.h"

#define CONTESTS_MAX 64
#define OPTIONS_MAX 256

const char *form_get(const form *fm, const char *name)
{
	for (size_t i = 0; fm != NULL && i < fm->n; i++)
		if (strcmp(fm->f[i].name, name) == 0)
			return fm->f[i].val;
	return NULL;
}

/* ---- refusals in words (docs/protocol.md 4) ---- */

static const struct {
	const char *code, *text;
} refusals[] = {
    {"not_on_roll", N_("Not on the roll: this person is not on this community's voter "
                       "roll (UL16).")},
    {"already_voted", N_("Already voted: this voter has already been checked in and "
                         "given a ballot.")},
    {"under_18", N_("Under 18: the voter is not 18 years old on polling day (UL16).")},
    {"wrong_station", N_("Wrong station: the voter's residents' group votes at another "
                         "polling station (UL16).")},
    {"deprived", N_("Not eligible: the voter is deprived of political rights (UL16).")},
    {"not_member", N_("Not eligible: the voter is not a member of the voting body "
                      "(UL16).")},
    {"proxy_refused", N_("Proxy refused: the written proxy does not satisfy the proxy "
                         "rules (UL19).")},
    {"proxy_not_allowed", N_("Proxy refused: this election does not allow voting by "
                             "proxy (UL19).")},
    {"proxy_not_authorised", N_("Proxy refused: the holder is not authorised by the "
                                "voter in writing (UL19).")},
    {"proxy_candidate", N_("Proxy refused: a candidate may not hold a proxy (UL19).")},
    {"proxy_limit", N_("Proxy refused: the holder already holds the most proxies "
                       "allowed (UL19).")},
    {"poll_not_open", N_("The poll is not open yet.")},
    {"poll_closed", N_("The poll is closed: no more check-ins or ballots.")},
    {"poll_open", N_("The poll is already open.")},
    {"poll_not_closed", N_("The poll is not closed yet.")},
    {"no_roll", N_("The roll has not been imported: import it before opening the "
                   "poll.")},
    {"token_invalid", N_("This ballot number is not valid. Check it, or ask a poll "
                         "worker.")},
    {"token_spent", N_("This ballot number has already been used to cast a ballot.")},
    {"token_busy", N_("This ballot number is in use at another booth right now.")},
    {"bad_marks", N_("The choices do not fit the ballot: check how many you may "
                     "choose.")},
    {"no_pending", N_("This sealed ballot is no longer waiting. Please review and seal "
                      "it again.")},
    {"already_challenged", N_("This sealed ballot was already checked. Please mark your "
                              "ballot again.")},
    {"busy", N_("The station is busy. Please try again in a moment.")},
    {"unavailable", N_("The station's log is unavailable. Call the station "
                       "administrator.")},
    {"forbidden", N_("The station daemon refuses this page: admin.sock admits only root, "
                     "the daemon's own user and the members of its admin group "
                     "(quorum-admin), and quorum-web runs under its own user. Open, close "
                     "and export the poll with the console (quorum-ballot) on the station "
                     "machine, or ask the administrator to add quorum-web to the admin "
                     "group: see the administrator's guide.")},
    {NULL, NULL},
};

static const char *refusal_text(const char *code)
{
	char c[64];
	size_t n = 0;
	for (; code != NULL && code[n] != '\0' && n + 1 < sizeof c; n++)
		c[n] = code[n] == '-' ? '_' : code[n];
	c[n] = '\0';
	if (strcmp(c, "not_registered") == 0)
		return refusals[0].text;
	for (size_t i = 0; refusals[i].code != NULL; i++)
		if (strcmp(refusals[i].code, c) == 0)
			return refusals[i].text;
	return N_("The station refused the request.");
}

/* ---- page frame ---- */

/* The booth's idle timeout, for the page script (set by pages_route). */
static int idle_seconds;
/* The signed-in session's CSRF token for the forms of the page being
 * rendered (pages_route; one request per thread at a time), or NULL. */
static _Thread_local const char *cur_csrf;
/* 1 while a public page (P-8.7) is rendered. */
static _Thread_local int cur_public;

/* The CSRF token of the session, in every form of the poll book and the
 * admin pages (P-8.6). */
static void hidden_csrf(wbuf *b)
{
	if (cur_csrf == NULL)
		return;
	wb_raw(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
	wb_esc(b, cur_csrf);
	wb_raw(b, "\">");
}

static const char *const role_class[ROLE_N] = {"booth", "pollbook", "admin"};

static void page_begin(answer *a, enum role r, const form *fm, const char *title)
{
	wbuf *b = &a->body;
	const char *hc = form_get(fm, "hc");
	int high = hc != NULL && strcmp(hc, "1") == 0;
	a->type = "text/html; charset=utf-8";
	wb_fmt(b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">",
	       i18n_is_chinese() ? "zh-CN" : "en");
	wb_raw(b, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	          "<title>");
	wb_esc(b, _(title));
	wb_raw(b, " — Quorum</title><link rel=\"stylesheet\" href=\"/static/style.css\">"
	          "<link rel=\"icon\" href=\"/static/favicon.svg\">"
	          "<script src=\"/static/app.js\" defer></script></head>");
	wb_fmt(b, "<body class=\"%s%s\"", cur_public ? "public" : role_class[r], high ? " hc" : "");
	if (r == ROLE_BOOTH)
		wb_fmt(b, " data-idle=\"%d\"", idle_seconds);
	/* said after a chosen option when the screen is read aloud */
	wb_raw(b, " data-chosen=\"");
	wb_esc(b, _("chosen"));
	wb_raw(b, "\"");
	wb_el(b, "><a class=\"skip\" href=\"#main\">", N_("Skip to the main content"),
	      "</a><header><p class=\"role\">");
	static const char *const role_names[ROLE_N] = {N_("Voting booth"), N_("Poll book"),
	                                               N_("Station administration")};
	wb_bi(b, cur_public ? N_("Public information") : role_names[r]);
	wb_raw(b, "</p><button type=\"button\" class=\"contrast\" aria-pressed=\"");
	wb_raw(b, high ? "true" : "false");
	wb_el(b, "\">", N_("High contrast"),
	      "</button><button type=\"button\" class=\"speak\" aria-keyshortcuts=\"0\">");
	wb_bi(b, N_("Read aloud (key 0)"));
	wb_raw(b, "</button>");
	if (cur_csrf != NULL) {
		wb_raw(b, "<form method=\"post\" action=\"/signout\" class=\"signout\">");
		hidden_csrf(b);
		wb_el(b, "<button type=\"submit\">", N_("Sign out"), "</button></form>");
	}
	wb_raw(b, "</header><main id=\"main\" tabindex=\"-1\">");
}

static void page_end(answer *a)
{
	wb_raw(&a->body, "</main></body></html>\n");
}

/* The contrast choice travels with every form, like the rest of the state. */
static void hidden_hc(wbuf *b, const form *fm)
{
	const char *hc = form_get(fm, "hc");
	wb_fmt(b, "<input type=\"hidden\" name=\"hc\" value=\"%s\">",
	       hc != NULL && strcmp(hc, "1") == 0 ? "1" : "0");
}

static void alert(wbuf *b, const char *code, const char *msgid)
{
	wb_raw(b, "<div class=\"refusal\" role=\"alert\"");
	if (code != NULL) {
		wb_raw(b, " data-code=\"");
		wb_esc(b, code);
		wb_raw(b, "\"");
	}
	wb_el(b, "><p>", msgid, "</p></div>");
}

/* A whole error page with an HTTP status. */
static void error_page(answer *a, enum role r, unsigned status, const char *msgid,
                       const char *detail)
{
	a->status = status;
	page_begin(a, r, NULL, N_("Error"));
	wbuf *b = &a->body;
	wb_el(b, "<h1>", N_("Something went wrong"), "</h1>");
	alert(b, NULL, msgid);
	if (detail != NULL) {
		wb_raw(b, "<p class=\"detail\" lang=\"en\">");
		wb_esc(b, detail);
		wb_raw(b, "</p>");
	}
	wb_el(b, "<p><a class=\"button\" href=\"/\">", N_("Back to the start"), "</a></p>");
	page_end(a);
}

static void unreachable(answer *a, enum role r, const char *why)
{
	error_page(a, r, 502,
	           N_("The station daemon cannot be reached. Call the station "
	              "administrator."),
	           why);
}

static const char *js(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s != NULL ? s : "";
}

/* Chinese label first, English after it when it differs. */
static void label_pair(wbuf *b, const char *zh, const char *en)
{
	wb_raw(b, "<span lang=\"zh-CN\">");
	wb_esc(b, zh);
	wb_raw(b, "</span>");
	if (en != NULL && en[0] != '\0' && strcmp(zh, en) != 0) {
		wb_raw(b, " <span class=\"en\" lang=\"en\">");
		wb_esc(b, en);
		wb_raw(b, "</span>");
	}
}

/* ================================================================ booth */

typedef struct bstate {
	const site *s;
	const form *fm;
	char token[33];
	json_t *ballot; /* borrowed from rep */
	json_t *rep;
	size_t nc;
	size_t off[CONTESTS_MAX + 1]; /* offsets of each contest's marks */
	unsigned char marks[CONTESTS_MAX * OPTIONS_MAX];
} bstate;

static const json_t *contest(const bstate *st, size_t i)
{
	return json_array_get(json_object_get(st->ballot, "contests"), i);
}

static size_t nopts(const bstate *st, size_t i)
{
	return st->off[i + 1] - st->off[i];
}

static size_t count(const bstate *st, size_t i)
{
	size_t k = 0;
	for (size_t j = st->off[i]; j < st->off[i + 1]; j++)
		k += st->marks[j];
	return k;
}

static long cmin(const bstate *st, size_t i)
{
	return (long)json_integer_value(json_object_get(contest(st, i), "min"));
}

static long cmax(const bstate *st, size_t i)
{
	return (long)json_integer_value(json_object_get(contest(st, i), "max"));
}

/* Normalise a typed or scanned token: spaces and dashes dropped, lower
 * case; 0 if it is then 32 hex digits. */
static int norm_token(const char *in, char out[33])
{
	size_t n = 0;
	for (const char *p = in; p != NULL && *p != '\0'; p++) {
		if (*p == ' ' || *p == '-' || *p == '\t' || *p == '\r' || *p == '\n')
			continue;
		if (!isxdigit((unsigned char)*p) || n == 32)
			return -1;
		out[n++] = (char)tolower((unsigned char)*p);
	}
	out[n] = '\0';
	return n == 32 ? 0 : -1;
}

static int is_code(const char *s)
{
	if (s == NULL || strlen(s) != 64)
		return 0;
	for (size_t i = 0; i < 64; i++)
		if (!isdigit((unsigned char)s[i]) && (s[i] < 'a' || s[i] > 'f'))
			return 0;
	return 1;
}

/* Fetch the ballot for st->token; on failure the answer is written and -1
 * returned.  The start screen is shown again for a refused token. */
static void booth_start(answer *a, const form *fm, const char *code);

static int load_ballot(bstate *st, answer *a)
{
	const char *why;
	st->rep = rpc_call(st->s->sock[ROLE_BOOTH],
	                   json_pack("{s:s, s:s}", "op", "ballot", "token", st->token), &why);
	if (st->rep == NULL) {
		unreachable(a, ROLE_BOOTH, why);
		return -1;
	}
	const char *e = rpc_err(st->rep);
	if (e != NULL) {
		booth_start(a, st->fm, e);
		return -1;
	}
	st->ballot = json_object_get(st->rep, "ballot");
	const json_t *cs = json_object_get(st->ballot, "contests");
	st->nc = json_array_size(cs);
	if (st->nc == 0 || st->nc > CONTESTS_MAX) {
		error_page(a, ROLE_BOOTH, 502, N_("The ballot from the station is not usable."),
		           NULL);
		return -1;
	}
	st->off[0] = 0;
	for (size_t i = 0; i < st->nc; i++) {
		size_t n = json_array_size(json_object_get(json_array_get(cs, i), "options"));
		if (n == 0 || n > OPTIONS_MAX) {
			error_page(a, ROLE_BOOTH, 502,
			           N_("The ballot from the station is not usable."), NULL);
			return -1;
		}
		st->off[i + 1] = st->off[i] + n;
	}
	return 0;
}

/* Read the m=CONTEST.OPTION fields into st->marks; -1 if one is malformed,
 * out of range or repeated. */
static int read_marks(bstate *st)
{
	memset(st->marks, 0, sizeof st->marks);
	for (size_t i = 0; i < st->fm->n; i++) {
		const field *f = &st->fm->f[i];
		if (strcmp(f->name, "m") != 0)
			continue;
		char *end;
		errno = 0;
		unsigned long c = strtoul(f->val, &end, 10);
		if (errno != 0 || end == f->val || *end != '.' || !isdigit((unsigned char)end[1]))
			return -1;
		const char *p = end + 1;
		unsigned long o = strtoul(p, &end, 10);
		if (errno != 0 || *end != '\0' || c >= st->nc || o >= nopts(st, c))
			return -1;
		if (st->marks[st->off[c] + o])
			return -1;
		st->marks[st->off[c] + o] = 1;
	}
	return 0;
}

static json_t *marks_json(const bstate *st)
{
	json_t *all = json_array();
	for (size_t i = 0; i < st->nc; i++) {
		json_t *c = json_array();
		for (size_t j = st->off[i]; j < st->off[i + 1]; j++)
			json_array_append_new(c, json_integer(st->marks[j]));
		json_array_append_new(all, c);
	}
	return all;
}

/* The booth's state in hidden fields: token, contrast, and every mark
 * except those of contest skip (shown as check boxes), SIZE_MAX for all. */
static void hidden_state(wbuf *b, const bstate *st, size_t skip)
{
	wb_fmt(b, "<input type=\"hidden\" name=\"token\" value=\"%s\">", st->token);
	hidden_hc(b, st->fm);
	for (size_t i = 0; i < st->nc; i++) {
		if (i == skip)
			continue;
		for (size_t j = st->off[i]; j < st->off[i + 1]; j++)
			if (st->marks[j])
				wb_fmt(b, "<input type=\"hidden\" name=\"m\" value=\"%zu.%zu\">", i,
				       j - st->off[i]);
	}
}

static void form_open(wbuf *b, const char *step)
{
	wb_fmt(b,
	       "<form method=\"post\" action=\"/booth\" class=\"ballot\" "
	       "autocomplete=\"off\"><input type=\"hidden\" name=\"step\" value=\"%s\">",
	       step);
}

static void booth_start(answer *a, const form *fm, const char *code)
{
	if (a->status == 0)
		a->status = 200;
	wb_free(&a->body);
	wb_init(&a->body);
	page_begin(a, ROLE_BOOTH, fm, N_("Voting booth"));
	wbuf *b = &a->body;
	wb_el(b, "<h1>", N_("Welcome. Please enter your ballot number."), "</h1>");
	if (code != NULL)
		alert(b, code, refusal_text(code));
	wb_raw(b, "<form method=\"post\" action=\"/booth\" autocomplete=\"off\">"
	          "<input type=\"hidden\" name=\"step\" value=\"start\">");
	hidden_hc(b, fm);
	wb_el(b, "<p class=\"help\" id=\"token-help\">",
	      N_("The poll worker gave you a slip with a ballot number of 32 letters "
	         "and digits. Scan its QR code, or type the number (spaces do not "
	         "matter)."),
	      "</p><label for=\"token\">");
	wb_bi(b, N_("Ballot number"));
	wb_el(b,
	      "</label><input id=\"token\" name=\"token\" class=\"token\" type=\"text\" "
	      "inputmode=\"text\" autocomplete=\"off\" autocapitalize=\"off\" "
	      "spellcheck=\"false\" maxlength=\"64\" autofocus required "
	      "aria-describedby=\"token-help\"><div class=\"actions\">"
	      "<button type=\"submit\" class=\"primary\">",
	      N_("Start voting"), "</button></div></form>");
	page_end(a);
}

static void contest_heading(wbuf *b, const bstate *st, size_t i)
{
	const json_t *c = contest(st, i);
	wb_raw(b, "<p class=\"progress\">");
	wb_bif(b, N_("Contest %d of %d"), (int)i + 1, (int)st->nc);
	wb_raw(b, "</p><h1 id=\"contest-title\">");
	label_pair(b, js(c, "title_zh"), js(c, "title_en"));
	wb_raw(b, "</h1>");
}

static void booth_contest(answer *a, bstate *st, size_t i, const char *errmsg)
{
	wbuf *b = &a->body;
	const json_t *c = contest(st, i);
	const json_t *opts = json_object_get(c, "options");
	long mn = cmin(st, i), mx = cmax(st, i);
	a->status = 200;
	page_begin(a, ROLE_BOOTH, st->fm, N_("Voting booth"));
	contest_heading(b, st, i);
	wb_raw(b, "<p class=\"howmany\" id=\"howmany\">");
	if (mn > 0)
		wb_bif(b, N_("Choose at least %d and at most %d."), (int)mn, (int)mx);
	else
		wb_bif(b, N_("You may choose at most %d."), (int)mx);
	wb_raw(b, "</p>");
	if (errmsg != NULL)
		alert(b, "over_limit", errmsg);
	form_open(b, "nav");
	hidden_state(b, st, i);
	wb_fmt(b, "<input type=\"hidden\" name=\"at\" value=\"%zu\">", i);
	wb_fmt(b, "<fieldset class=\"options\" data-max=\"%ld\" data-over=\"", mx);
	wb_esc(b, _("Too many choices: unmark some names to stay within the limit."));
	wb_raw(b, "\" aria-describedby=\"howmany\"><legend class=\"sr\">");
	label_pair(b, js(c, "title_zh"), js(c, "title_en"));
	wb_raw(b, "</legend><div class=\"live\" role=\"status\" aria-live=\"polite\"></div>");
	for (size_t j = 0; j < nopts(st, i); j++) {
		const json_t *o = json_array_get(opts, j);
		wb_fmt(b,
		       "<div class=\"option\"><input type=\"checkbox\" id=\"o%zu\" name=\"m\" "
		       "value=\"%zu.%zu\"%s%s><label for=\"o%zu\"><span class=\"num\" "
		       "aria-hidden=\"true\">%zu</span> ",
		       j, i, j, st->marks[st->off[i] + j] ? " checked" : "",
		       j == 0 ? " autofocus" : "", j, j + 1);
		label_pair(b, js(o, "label_zh"), js(o, "label_en"));
		wb_raw(b, "</label></div>");
	}
	wb_el(b, "</fieldset><p class=\"keys\">",
	      N_("Keys: the number of a name marks or unmarks it; Tab moves, Enter goes "
	         "on."),
	      "</p><div class=\"actions\">");
	/* the first submit button is the one Enter presses: forward */
	if (i + 1 < st->nc) {
		wb_fmt(b, "<button type=\"submit\" name=\"go\" value=\"%zu\" class=\"primary\">",
		       i + 1);
		wb_bi(b, N_("Next contest"));
	} else {
		wb_raw(b, "<button type=\"submit\" name=\"go\" value=\"review\" "
		          "class=\"primary\">");
		wb_bi(b, N_("Review my ballot"));
	}
	wb_raw(b, "</button>");
	if (i > 0) {
		wb_fmt(b, "<button type=\"submit\" name=\"go\" value=\"%zu\">", i - 1);
		wb_bi(b, N_("Previous contest"));
		wb_raw(b, "</button>");
	}
	wb_raw(b, "</div></form>");
	page_end(a);
}

static void booth_review(answer *a, bstate *st, const char *code)
{
	wbuf *b = &a->body;
	a->status = 200;
	page_begin(a, ROLE_BOOTH, st->fm, N_("Review your ballot"));
	wb_el(b, "<h1>", N_("Review your ballot"), "</h1>");
	if (code != NULL)
		alert(b, code, refusal_text(code));
	wb_el(b, "<p>", N_("Check every contest. To change one, choose Change."), "</p>");
	form_open(b, "seal");
	hidden_state(b, st, (size_t)-1);
	wb_raw(b, "<ol class=\"review\">");
	for (size_t i = 0; i < st->nc; i++) {
		const json_t *c = contest(st, i);
		const json_t *opts = json_object_get(c, "options");
		size_t k = count(st, i);
		wb_fmt(b, "<li><h2 id=\"rv%zu\">", i);
		label_pair(b, js(c, "title_zh"), js(c, "title_en"));
		wb_raw(b, "</h2>");
		if (k == 0) {
			wb_el(b, "<p class=\"under\">",
			      N_("Blank: you chose no one in this contest. This is allowed."),
			      "</p>");
		} else {
			wb_raw(b, "<ul class=\"chosen\">");
			for (size_t j = 0; j < nopts(st, i); j++)
				if (st->marks[st->off[i] + j]) {
					const json_t *o = json_array_get(opts, j);
					wb_raw(b, "<li>");
					label_pair(b, js(o, "label_zh"), js(o, "label_en"));
					wb_raw(b, "</li>");
				}
			wb_raw(b, "</ul>");
			if ((long)k < cmax(st, i)) {
				wb_raw(b, "<p class=\"under\">");
				wb_bif(b,
				       N_("You chose %d of at most %d. Choosing fewer is allowed."),
				       (int)k, (int)cmax(st, i));
				wb_raw(b, "</p>");
			}
		}
		wb_fmt(b,
		       "<button type=\"submit\" name=\"go\" value=\"%zu\" formaction=\"/booth\" "
		       "class=\"change\" aria-describedby=\"rv%zu\">",
		       i, i);
		wb_bi(b, N_("Change"));
		wb_raw(b, "</button></li>");
	}
	wb_el(b, "</ol><div class=\"explain\"><p>",
	      N_("Next, the booth seals (encrypts) your ballot and shows its tracking "
	         "code. You then choose to cast it, or to check it."),
	      "</p></div><div class=\"actions\"><button type=\"submit\" name=\"go\" "
	      "value=\"seal\" class=\"primary\">");
	wb_bi(b, N_("Seal my ballot"));
	wb_raw(b, "</button></div></form>");
	page_end(a);
}

static void booth_sealed(answer *a, bstate *st, const char *code)
{
	wbuf *b = &a->body;
	a->status = 200;
	page_begin(a, ROLE_BOOTH, st->fm, N_("Cast or check"));
	wb_el(b, "<h1>", N_("Your ballot is sealed"), "</h1><p>");
	wb_bi(b, N_("Tracking code of this sealed ballot:"));
	wb_raw(b, "</p><p class=\"code\">");
	wb_grouped(b, code, 4);
	wb_el(b,
	      "</p><div class=\"choice\"><section aria-labelledby=\"h-cast\"><h2 "
	      "id=\"h-cast\">",
	      N_("Cast"), "</h2><p>");
	wb_bi(b, N_("Your ballot goes into the ballot box and will be counted. You get a "
	            "receipt with this tracking code."));
	wb_raw(b, "</p>");
	form_open(b, "cast");
	hidden_state(b, st, (size_t)-1);
	wb_fmt(b, "<input type=\"hidden\" name=\"code\" value=\"%s\">", code);
	wb_el(b, "<button type=\"submit\" class=\"primary\">", N_("Cast my ballot"),
	      "</button></form></section><section aria-labelledby=\"h-chal\"><h2 "
	      "id=\"h-chal\">");
	wb_bi(b, N_("Check this ballot"));
	wb_el(b, "</h2><p>",
	      N_("To check that the booth sealed what you chose, the sealed ballot is "
	         "opened and published. It is then NOT counted, and you mark your "
	         "ballot again. Your ballot number stays valid."),
	      "</p>");
	form_open(b, "challenge");
	hidden_state(b, st, (size_t)-1);
	wb_fmt(b, "<input type=\"hidden\" name=\"code\" value=\"%s\">", code);
	wb_el(b, "<button type=\"submit\">", N_("Check this ballot (not counted)"),
	      "</button></form></section></div>");
	page_end(a);
}

static void where_to_check(wbuf *b, const site *s)
{
	wb_el(b, "<p>",
	      N_("After the poll closes, look your tracking code up in the station's "
	         "published record (\"Check my ballot\" in the observer's guide)."),
	      "</p>");
	if (s->audit_hint != NULL) {
		wb_raw(b, "<p class=\"hint\">");
		wb_esc(b, s->audit_hint);
		wb_raw(b, "</p>");
	}
}

static void booth_receipt(answer *a, bstate *st, const json_t *rep)
{
	wbuf *b = &a->body;
	const char *code = js(rep, "tracking_code");
	a->status = 200;
	page_begin(a, ROLE_BOOTH, st->fm, N_("Receipt"));
	wb_el(b, "<section class=\"receipt\" aria-labelledby=\"h-rec\"><h1 id=\"h-rec\">",
	      N_("Your ballot has been cast. Thank you."), "</h1><p>");
	wb_bi(b, N_("Tracking code (read in groups of four):"));
	wb_raw(b, "</p><p class=\"code\" data-code=\"");
	wb_esc(b, code);
	wb_raw(b, "\">");
	wb_grouped(b, code, 4);
	wb_raw(b, "</p>");
	wb_qr_svg(b, code, _("QR code of the tracking code"));
	wb_fmt(b, "<dl><dt>");
	wb_bi(b, N_("Log index"));
	wb_fmt(b, "</dt><dd class=\"logindex\">%lld</dd><dt>",
	       (long long)json_integer_value(json_object_get(rep, "log_index")));
	wb_bi(b, N_("Station log"));
	wb_raw(b, "</dt><dd>");
	wb_esc(b, js(rep, "log_origin"));
	wb_raw(b, "</dd></dl>");
	where_to_check(b, st->s);
	wb_el(b,
	      "</section><div class=\"actions noprint\"><button type=\"button\" "
	      "class=\"print\">",
	      N_("Print the receipt"), "</button><a class=\"button primary\" href=\"/\">");
	wb_bi(b, N_("Finish"));
	wb_raw(b, "</a></div>");
	page_end(a);
}

static void booth_challenged(answer *a, bstate *st, const json_t *rep)
{
	wbuf *b = &a->body;
	const json_t *op = json_object_get(rep, "opening");
	const json_t *om = json_object_get(op, "marks");
	a->status = 200;
	page_begin(a, ROLE_BOOTH, st->fm, N_("Ballot checked"));
	wb_el(b, "<h1>", N_("This ballot was opened and will NOT be counted"), "</h1><p>");
	wb_bi(b, N_("The booth has published the sealed ballot with the secret numbers "
	            "that open it. Compare what it says with what you chose:"));
	wb_raw(b, "</p><ol class=\"review\">");
	for (size_t i = 0; i < st->nc; i++) {
		const json_t *c = contest(st, i);
		const json_t *cm = json_array_get(om, i);
		wb_raw(b, "<li><h2>");
		label_pair(b, js(c, "title_zh"), js(c, "title_en"));
		wb_raw(b, "</h2><ul class=\"chosen\">");
		int any = 0;
		for (size_t j = 0; j < nopts(st, i); j++)
			if (json_integer_value(json_array_get(cm, j)) == 1) {
				const json_t *o = json_array_get(json_object_get(c, "options"), j);
				wb_raw(b, "<li>");
				label_pair(b, js(o, "label_zh"), js(o, "label_en"));
				wb_raw(b, "</li>");
				any = 1;
			}
		if (!any) {
			wb_el(b, "<li>", N_("(blank)"), "</li>");
		}
		wb_raw(b, "</ul></li>");
	}
	wb_el(b, "</ol><p>", N_("If this is not what you chose, tell a poll worker at once."),
	      "</p><p>");
	wb_bi(b, N_("Anyone can check it independently: the opened ballot is in the "
	            "station's record under this tracking code, and quorum-audit "
	            "verify-election re-seals the choices with the published numbers "
	            "(check 8)."));
	wb_raw(b, "</p><p class=\"code\">");
	wb_grouped(b, js(rep, "tracking_code"), 4);
	wb_fmt(b, "</p><p>");
	wb_bi(b, N_("Log index"));
	wb_fmt(b, ": <span class=\"logindex\">%lld</span></p>",
	       (long long)json_integer_value(json_object_get(rep, "log_index")));
	wb_el(b, "<details><summary>", N_("The secret numbers (for checking)"),
	      "</summary><pre class=\"opening\">");
	char *s = json_dumps(op, JSON_COMPACT);
	wb_esc(b, s);
	free(s);
	wb_raw(b, "</pre></details>");
	form_open(b, "nav");
	hidden_state(b, st, (size_t)-1);
	wb_el(b,
	      "<div class=\"actions\"><button type=\"submit\" name=\"go\" value=\"0\" "
	      "class=\"primary\">",
	      N_("Mark my ballot again"), "</button></div></form>");
	page_end(a);
}

/* A contest index from form field `name` (v its value): 0 .. nc - 1, or
 * -1 after the 400 page naming the field. */
static long form_index(answer *a, const bstate *st, const char *v, const char *name)
{
	char *end;
	unsigned long i = strtoul(v, &end, 10);
	if (*end != '\0' || end == v || i >= st->nc) {
		error_page(a, ROLE_BOOTH, 400, N_("The form is incomplete or malformed."), name);
		return -1;
	}
	return (long)i;
}

/* cast and challenge: op with the voter's token and the form's tracking
 * code; the daemon's reply, or NULL after the error page. */
static json_t *booth_code_call(const site *s, const form *fm, answer *a, const bstate *st,
                               const char *op)
{
	const char *why, *code = form_get(fm, "code");
	if (!is_code(code)) {
		error_page(a, ROLE_BOOTH, 400, N_("The form is incomplete or malformed."), "code");
		return NULL;
	}
	json_t *rep = rpc_call(
	    s->sock[ROLE_BOOTH],
	    json_pack("{s:s, s:s, s:s}", "op", op, "token", st->token, "tracking_code", code),
	    &why);
	if (rep == NULL)
		unreachable(a, ROLE_BOOTH, why);
	return rep;
}

static void booth_post(const site *s, const form *fm, answer *a)
{
	bstate *st = calloc(1, sizeof *st);
	const char *why, *step = form_get(fm, "step");
	json_t *rep = NULL;
	if (st == NULL) {
		error_page(a, ROLE_BOOTH, 500, N_("Out of memory."), NULL);
		return;
	}
	st->s = s;
	st->fm = fm;
	if (step == NULL) {
		error_page(a, ROLE_BOOTH, 400, N_("The form is incomplete or malformed."), "step");
		goto out;
	}
	if (norm_token(form_get(fm, "token"), st->token) != 0) {
		if (strcmp(step, "start") == 0) {
			a->status = 200;
			booth_start(a, fm, "token_invalid");
		} else {
			error_page(a, ROLE_BOOTH, 400, N_("The form is incomplete or malformed."),
			           "token");
		}
		goto out;
	}
	if (strcmp(step, "cast") == 0) {
		/* the click the voter waits on: one request to the daemon, which
		 * holds the sealed ballot; the ballot and the form's marks are
		 * needed only to show the review again after a refusal */
		if ((rep = booth_code_call(s, fm, a, st, "cast")) == NULL)
			goto out;
		const char *e = rpc_err(rep);
		if (e == NULL) {
			booth_receipt(a, st, rep);
			goto out;
		}
		if (load_ballot(st, a) != 0)
			goto out;
		if (read_marks(st) != 0) {
			error_page(a, ROLE_BOOTH, 400, N_("The form is incomplete or malformed."),
			           "m");
			goto out;
		}
		booth_review(a, st, e);
		goto out;
	}
	if (load_ballot(st, a) != 0)
		goto out;
	if (strcmp(step, "start") == 0) {
		booth_contest(a, st, 0, NULL);
		goto out;
	}
	if (read_marks(st) != 0) {
		error_page(a, ROLE_BOOTH, 400, N_("The form is incomplete or malformed."), "m");
		goto out;
	}
	if (strcmp(step, "nav") == 0) {
		const char *at = form_get(fm, "at"), *go = form_get(fm, "go");
		if (go == NULL)
			go = "review";
		if (at != NULL) {
			long li = form_index(a, st, at, "at");
			if (li < 0)
				goto out;
			size_t i = (size_t)li;
			/* over-limit marks are refused on the page (and by the daemon) */
			if ((long)count(st, i) > cmax(st, i)) {
				booth_contest(
				    a, st, i,
				    N_("Too many choices: unmark some names to stay within "
				       "the limit."));
				goto out;
			}
			if ((long)count(st, i) < cmin(st, i) && strcmp(go, "review") == 0) {
				booth_contest(a, st, i, N_("Too few choices for this contest."));
				goto out;
			}
		}
		if (strcmp(go, "review") == 0) {
			booth_review(a, st, NULL);
		} else {
			long g = form_index(a, st, go, "go");
			if (g >= 0)
				booth_contest(a, st, (size_t)g, NULL);
		}
		goto out;
	}
	if (strcmp(step, "seal") == 0) {
		const char *go = form_get(fm, "go");
		if (go != NULL && strcmp(go, "seal") != 0) {
			/* a Change button of the review screen */
			long g = form_index(a, st, go, "go");
			if (g >= 0)
				booth_contest(a, st, (size_t)g, NULL);
			goto out;
		}
		rep = rpc_call(s->sock[ROLE_BOOTH],
		               json_pack("{s:s, s:s, s:o}", "op", "encrypt", "token", st->token,
		                         "marks", marks_json(st)),
		               &why);
		if (rep == NULL) {
			unreachable(a, ROLE_BOOTH, why);
			goto out;
		}
		const char *e = rpc_err(rep);
		if (e != NULL) {
			booth_review(a, st, e);
			goto out;
		}
		booth_sealed(a, st, js(rep, "tracking_code"));
		goto out;
	}
	if (strcmp(step, "challenge") == 0) {
		if ((rep = booth_code_call(s, fm, a, st, "challenge")) == NULL)
			goto out;
		const char *e = rpc_err(rep);
		if (e != NULL)
			booth_review(a, st, e);
		else
			booth_challenged(a, st, rep);
		goto out;
	}
	error_page(a, ROLE_BOOTH, 400, N_("The form is incomplete or malformed."), "step");
out:
	json_decref(rep);
	json_decref(st->rep);
	wipe(st, sizeof *st);
	free(st);
}

/* ============================================================ poll book */

/* The poll's state in words. */
static const char *state_text(const char *st)
{
	if (strcmp(st, "new") == 0)
		return _("not opened yet");
	if (strcmp(st, "open") == 0)
		return _("open");
	if (strcmp(st, "closing") == 0)
		return _("closing");
	if (strcmp(st, "closed") == 0)
		return _("closed");
	return st;
}

static void counts_block(wbuf *b, const json_t *rep)
{
	static const struct {
		const char *key, *label;
	} rows[] = {
	    {"registered", N_("Registered voters")},    {"roll_rows", N_("Rows on the roll")},
	    {"checked_in", N_("Checked in")},           {"cast", N_("Ballots cast")},
	    {"challenged", N_("Checked (challenged)")}, {"log_size", N_("Log size")},
	};
	wb_el(b,
	      "<section class=\"counts\" aria-labelledby=\"h-counts\"><h2 "
	      "id=\"h-counts\">",
	      N_("Live counts"), "</h2><p>");
	wb_bi(b, N_("Poll state"));
	wb_raw(b, ": <strong data-k=\"state_text\">");
	wb_esc(b, state_text(js(rep, "state")));
	wb_raw(b, "</strong></p><dl aria-live=\"polite\">");
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		wb_raw(b, "<div><dt>");
		wb_bi(b, rows[i].label);
		wb_fmt(b, "</dt><dd data-k=\"%s\">%lld</dd></div>", rows[i].key,
		       (long long)json_integer_value(json_object_get(rep, rows[i].key)));
	}
	wb_el(b, "</dl><p class=\"counts-note\">",
	      N_("Registered voters: the residents of this station's groups who are 18 or "
	         "older on polling day and not deprived of political rights (the election's "
	         "registered voters, counted the same way). Rows on the roll: the rows of "
	         "the roll imported at this station, every resident listed (minors and "
	         "those of other stations included)."),
	      "</p></section>");
}

static void lookup_form(wbuf *b)
{
	wb_raw(b, "<form method=\"post\" action=\"/lookup\" class=\"lookup\" "
	          "autocomplete=\"off\">");
	hidden_csrf(b);
	wb_el(b, "<label for=\"voter\">", N_("Voter's roll id or name"),
	      "</label><input id=\"voter\" name=\"voter\" type=\"text\" maxlength=\"128\" "
	      "required autofocus><button type=\"submit\" class=\"primary\">");
	wb_bi(b, N_("Look up"));
	wb_raw(b, "</button></form>");
}

static void pollbook_home(const site *s, answer *a, const char *code)
{
	const char *why;
	json_t *rep = rpc_call(s->sock[ROLE_POLLBOOK], json_pack("{s:s}", "op", "status"), &why);
	if (rep == NULL) {
		unreachable(a, ROLE_POLLBOOK, why);
		return;
	}
	a->status = 200;
	page_begin(a, ROLE_POLLBOOK, NULL, N_("Poll book"));
	wbuf *b = &a->body;
	wb_el(b, "<h1>", N_("Poll book"), "</h1>");
	if (code != NULL)
		alert(b, code, refusal_text(code));
	lookup_form(b);
	counts_block(b, rep);
	page_end(a);
	json_decref(rep);
}

static int valid_id(const char *v)
{
	size_t n = v != NULL ? strlen(v) : 0;
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '.' && v[i] != '_' && v[i] != '-')
			return 0;
	return 1;
}

/* A roll id or a name as typed into the look-up: 1 to 128 bytes of UTF-8
 * with no control character (the daemon takes it as a roll id, else as a
 * name exactly as on the roll). */
static int valid_query(const char *v)
{
	size_t n = v != NULL ? strlen(v) : 0;
	if (n == 0 || n > 128)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return 0;
	json_t *t = json_string(v); /* NULL unless valid UTF-8 */
	int ok = t != NULL;
	json_decref(t);
	return ok;
}

static void yesno(wbuf *b, int v)
{
	wb_bi(b, v ? N_("yes") : N_("no"));
}

/* A voter's household and residents' group (a roll entry of a look-up
 * reply): in a line ("Household H, Residents' group G", dl 0) or as two
 * rows of a <dl> (dl 1). */
static void household_group(wbuf *b, const json_t *v, int dl)
{
	static const struct {
		const char *msgid, *key;
	} rows[] = {{N_("Household"), "household"}, {N_("Residents' group"), "group"}};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		wb_el(b,
		      dl      ? "<div><dt>"
		      : i > 0 ? ", "
		              : "",
		      rows[i].msgid, dl ? "</dt><dd>" : " ");
		wb_esc(b, js(v, rows[i].key));
		if (dl)
			wb_raw(b, "</dd></div>");
	}
}

static void pollbook_lookup(const site *s, const form *fm, answer *a)
{
	const char *why, *id = form_get(fm, "voter");
	if (!valid_query(id)) {
		a->status = 400;
		page_begin(a, ROLE_POLLBOOK, NULL, N_("Poll book"));
		alert(&a->body, "bad_request",
		      N_("Type a roll id, or a name exactly as on the roll (at most 128 bytes, "
		         "no control characters)."));
		lookup_form(&a->body);
		page_end(a);
		return;
	}
	json_t *rep = rpc_call(s->sock[ROLE_POLLBOOK],
	                       json_pack("{s:s, s:s}", "op", "lookup", "voter", id), &why);
	if (rep == NULL) {
		unreachable(a, ROLE_POLLBOOK, why);
		return;
	}
	a->status = 200;
	page_begin(a, ROLE_POLLBOOK, NULL, N_("Voter"));
	wbuf *b = &a->body;
	const char *e = rpc_err(rep);
	if (e != NULL) {
		wb_raw(b, "<h1>");
		wb_esc(b, id);
		wb_raw(b, "</h1>");
		alert(b, e, refusal_text(e));
		lookup_form(b);
		page_end(a);
		json_decref(rep);
		return;
	}
	const json_t *list = json_object_get(rep, "matches");
	if (json_is_array(list)) {
		/* several voters of that name: the poll worker picks one by
		 * household and group */
		wb_raw(b, "<h1>");
		wb_bif(b, N_("%d voters of this name"),
		       (int)json_integer_value(json_object_get(rep, "count")));
		wb_raw(b, ": ");
		wb_esc(b, id);
		wb_raw(b, "</h1><ul class=\"matches\">");
		for (size_t i = 0; i < json_array_size(list); i++) {
			const json_t *m = json_array_get(list, i);
			wb_raw(b, "<li><form method=\"post\" action=\"/lookup\">");
			hidden_csrf(b);
			wb_raw(b, "<input type=\"hidden\" name=\"voter\" value=\"");
			wb_esc(b, js(m, "id"));
			wb_raw(b, "\"><button type=\"submit\"><span class=\"id\">");
			wb_esc(b, js(m, "id"));
			wb_raw(b, "</span> ");
			wb_esc(b, js(m, "name"));
			wb_raw(b, " — ");
			household_group(b, m, 0);
			wb_raw(b, "</button></form></li>");
		}
		wb_raw(b, "</ul>");
		if ((size_t)json_integer_value(json_object_get(rep, "count")) >
		    json_array_size(list)) {
			wb_el(b, "<p>", N_("Not all are listed: look the voter up by roll id."),
			      "</p>");
		}
		lookup_form(b);
		page_end(a);
		json_decref(rep);
		return;
	}
	const json_t *v = json_object_get(rep, "voter");
	int ci = json_is_true(json_object_get(v, "checked_in"));
	int el = json_is_true(json_object_get(v, "eligible"));
	wb_raw(b, "<h1>");
	wb_esc(b, js(v, "name"));
	wb_raw(b, " <span class=\"id\">");
	wb_esc(b, js(v, "id"));
	wb_raw(b, "</span></h1><dl class=\"voter\">");
	household_group(b, v, 1);
	wb_el(b, "<div><dt>", N_("Checked in"), "</dt><dd>");
	yesno(b, ci);
	wb_el(b, "</dd></div><div><dt>", N_("Eligible"), "</dt><dd>");
	yesno(b, el);
	wb_raw(b, "</dd></div></dl>");
	if (!el) {
		const char *r = js(v, "refusal");
		alert(b, r, refusal_text(r));
	} else if (ci) {
		alert(b, "already_voted", refusal_text("already_voted"));
	} else {
		wb_raw(b, "<form method=\"post\" action=\"/checkin\" autocomplete=\"off\">");
		hidden_csrf(b);
		wb_raw(b, "<input type=\"hidden\" name=\"voter\" value=\"");
		wb_esc(b, js(v, "id"));
		wb_el(b, "\"><label for=\"proxy\">",
		      N_("Written proxy: holder's roll id (leave empty if the voter came in "
		         "person)"),
		      "</label><input id=\"proxy\" name=\"proxy\" type=\"text\" "
		      "maxlength=\"64\"><button type=\"submit\" class=\"primary\">");
		wb_bi(b, N_("Check in and issue the ballot"));
		wb_raw(b, "</button></form>");
	}
	wb_el(b, "<p><a class=\"button\" href=\"/\">", N_("Next voter"), "</a></p>");
	page_end(a);
	json_decref(rep);
}

static void pollbook_checkin(const site *s, const form *fm, answer *a)
{
	const char *why, *id = form_get(fm, "voter"), *proxy = form_get(fm, "proxy");
	if (proxy != NULL && proxy[0] == '\0')
		proxy = NULL;
	if (!valid_id(id) || (proxy != NULL && !valid_id(proxy))) {
		error_page(a, ROLE_POLLBOOK, 400, N_("The form is incomplete or malformed."),
		           "voter/proxy");
		return;
	}
	json_t *req = json_pack("{s:s, s:s}", "op", "checkin", "voter", id);
	if (proxy != NULL)
		json_object_set_new(req, "proxy", json_string(proxy));
	json_t *rep = rpc_call(s->sock[ROLE_POLLBOOK], req, &why);
	if (rep == NULL) {
		unreachable(a, ROLE_POLLBOOK, why);
		return;
	}
	const char *e = rpc_err(rep);
	a->status = 200;
	page_begin(a, ROLE_POLLBOOK, NULL, N_("Check-in"));
	wbuf *b = &a->body;
	if (e != NULL) {
		wb_el(b, "<h1>", N_("Check-in refused"), " <span class=\"id\">");
		wb_esc(b, id);
		wb_raw(b, "</span></h1>");
		alert(b, e, refusal_text(e));
		wb_el(b, "<p><a class=\"button\" href=\"/\">", N_("Next voter"), "</a></p>");
	} else {
		const char *tok = js(rep, "token");
		wb_el(b, "<section class=\"slip\" aria-labelledby=\"h-slip\"><h1 id=\"h-slip\">",
		      N_("Ballot slip"), "</h1><p>");
		wb_bi(b, N_("Give this slip to the voter. At the booth, scan the QR code or type "
		            "the number. It can be used for one ballot only."));
		wb_raw(b, "</p><p class=\"code token\" data-token=\"");
		wb_esc(b, tok);
		wb_raw(b, "\">");
		wb_grouped(b, tok, 4);
		wb_raw(b, "</p>");
		wb_qr_svg(b, tok, _("QR code of the ballot number"));
		wb_el(b,
		      "</section><div class=\"actions noprint\"><button type=\"button\" "
		      "class=\"print primary\">",
		      N_("Print the slip"), "</button><a class=\"button\" href=\"/\">");
		wb_bi(b, N_("Next voter"));
		wb_raw(b, "</a></div>");
	}
	page_end(a);
	json_decref(rep);
}

/* The live counts for the page's own refresh: the status reply's counts. */
static void pollbook_counts_json(const site *s, answer *a)
{
	const char *why;
	json_t *rep = rpc_call(s->sock[ROLE_POLLBOOK], json_pack("{s:s}", "op", "status"), &why);
	if (rep == NULL || rpc_err(rep) != NULL) {
		a->status = 502;
		a->type = "application/json";
		wb_raw(&a->body, "{\"ok\":false}");
		json_decref(rep);
		return;
	}
	json_t *o = json_object();
	const char *keys[] = {"state", "registered", "roll_rows", "checked_in",
	                      "cast",  "challenged", "log_size"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		json_object_set(o, keys[i], json_object_get(rep, keys[i]));
	json_object_set_new(o, "state_text", json_string(state_text(js(rep, "state"))));
	char *t = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	a->status = 200;
	a->type = "application/json";
	wb_raw(&a->body, t != NULL ? t : "{}");
	free(t);
	json_decref(o);
	json_decref(rep);
}

/* ================================================================ admin */

static void admin_home(const site *s, answer *a, const json_t *done, const char *code)
{
	const char *why;
	json_t *rep = rpc_call(s->sock[ROLE_ADMIN], json_pack("{s:s}", "op", "status"), &why);
	if (rep == NULL) {
		unreachable(a, ROLE_ADMIN, why);
		return;
	}
	/* a refusal of the status itself (e.g. forbidden: the front runs as a
	 * user admin.sock does not admit) is said on the page */
	if (code == NULL)
		code = rpc_err(rep);
	a->status = 200;
	page_begin(a, ROLE_ADMIN, NULL, N_("Station administration"));
	wbuf *b = &a->body;
	wb_el(b, "<h1>", N_("Station administration"), "</h1>");
	if (code != NULL)
		alert(b, code, refusal_text(code));
	if (done != NULL && json_object_get(done, "record") != NULL) {
		wb_el(b, "<section class=\"closed\" role=\"status\"><h2>",
		      N_("The poll is closed. The signed station record is written."),
		      "</h2><dl><div><dt>");
		wb_bi(b, N_("Station record"));
		wb_raw(b, "</dt><dd class=\"record\">");
		wb_esc(b, js(done, "record"));
		wb_el(b, "</dd></div></dl><h3>", N_("Checkpoint"),
		      "</h3><pre class=\"checkpoint\">");
		wb_esc(b, js(done, "checkpoint"));
		wb_raw(b, "</pre></section>");
	} else if (done != NULL) {
		wb_el(b, "<p role=\"status\" class=\"ok\">", N_("The poll is open."), "</p>");
	}
	wb_el(b, "<dl class=\"status\"><div><dt>", N_("Station"), "</dt><dd>");
	wb_esc(b, js(rep, "station"));
	wb_el(b, "</dd></div><div><dt>", N_("Election"), "</dt><dd>");
	wb_esc(b, js(rep, "election"));
	wb_raw(b, "</dd></div></dl>");
	counts_block(b, rep);
	wb_el(b, "<section aria-labelledby=\"h-cert\"><h2 id=\"h-cert\">",
	      N_("Station certificate"), "</h2>");
	if (s->fingerprint != NULL) {
		wb_el(b, "<p>",
		      N_("Poll-worker tablets and booths on the network must show this "
		         "SHA-256 fingerprint when they first connect:"),
		      "</p><p class=\"fingerprint\">");
		wb_esc(b, s->fingerprint);
		wb_raw(b, "</p>");
	} else {
		wb_el(b, "<p class=\"fingerprint none\">",
		      N_("No certificate: the pages are served on this machine only "
		         "(loopback)."),
		      "</p>");
	}
	wb_el(b, "</section><section aria-labelledby=\"h-poll\"><h2 id=\"h-poll\">", N_("The poll"),
	      "</h2><div class=\"actions fwd\"><form method=\"post\" action=\"/open\">");
	hidden_csrf(b);
	wb_el(b, "<button type=\"submit\">", N_("Open the poll…"),
	      "</button></form><form method=\"post\" action=\"/close\">");
	hidden_csrf(b);
	wb_el(b, "<button type=\"submit\" class=\"danger\">", N_("Close the poll…"),
	      "</button></form></div></section>");
	page_end(a);
	json_decref(rep);
}

static void admin_action(const site *s, const char *op, const form *fm, answer *a)
{
	const char *c = form_get(fm, "confirm");
	int open = strcmp(op, "open") == 0;
	if (c == NULL || strcmp(c, "yes") != 0) {
		a->status = 200;
		page_begin(a, ROLE_ADMIN, NULL, N_("Confirm"));
		wbuf *b = &a->body;
		wb_el(b, "<h1>", open ? N_("Open the poll?") : N_("Close the poll?"), "</h1><p>");
		wb_bi(b, open ? N_("Voters can be checked in and cast ballots once the poll is "
		                   "open. The roll cannot be changed after this.")
		              : N_("After closing, no voter can be checked in and no ballot "
		                   "cast. A closed poll never reopens. The signed station "
		                   "record is written."));
		wb_fmt(b,
		       "</p><form method=\"post\" action=\"/%s\"><input type=\"hidden\" "
		       "name=\"confirm\" value=\"yes\">",
		       op);
		hidden_csrf(b);
		wb_fmt(b, "<div class=\"actions\"><button type=\"submit\" class=\"%s\">",
		       open ? "primary" : "danger");
		wb_bi(b, open ? N_("Yes, open the poll") : N_("Yes, close the poll"));
		wb_el(b, "</button><a class=\"button\" href=\"/\">", N_("Cancel"),
		      "</a></div></form>");
		page_end(a);
		return;
	}
	const char *why;
	json_t *rep = rpc_call(s->sock[ROLE_ADMIN], json_pack("{s:s}", "op", op), &why);
	if (rep == NULL) {
		unreachable(a, ROLE_ADMIN, why);
		return;
	}
	const char *e = rpc_err(rep);
	admin_home(s, a, e == NULL ? rep : NULL, e);
	json_decref(rep);
}

/* ================================================================ route */

/* ============================================================== public */

static void public_nav(wbuf *b)
{
	wb_el(b, "<nav aria-label=\"public\"><ul class=\"public-nav\"><li><a href=\"/public/\">",
	      N_("Station status"), "</a></li><li><a href=\"/public/result\">");
	wb_bi(b, N_("Result"));
	wb_el(b, "</a></li><li><a href=\"/public/check\">", N_("Check my ballot"),
	      "</a></li></ul></nav>");
}

static void public_home(const site *s, answer *a)
{
	const char *why;
	json_t *rep = rpc_call(s->sock[ROLE_POLLBOOK], json_pack("{s:s}", "op", "status"), &why);
	if (rep == NULL) {
		unreachable(a, ROLE_POLLBOOK, why);
		return;
	}
	a->status = 200;
	page_begin(a, ROLE_POLLBOOK, NULL, N_("Station status"));
	wbuf *b = &a->body;
	public_nav(b);
	wb_el(b, "<h1>", N_("Station status"), "</h1><dl class=\"status\"><div><dt>");
	wb_bi(b, N_("Station"));
	wb_raw(b, "</dt><dd>");
	wb_esc(b, js(rep, "station"));
	wb_el(b, "</dd></div><div><dt>", N_("Election"), "</dt><dd>");
	wb_esc(b, js(rep, "election"));
	wb_raw(b, "</dd></div></dl>");
	counts_block(b, rep);
	page_end(a);
	json_decref(rep);
}

static void public_result(const site *s, answer *a)
{
	char *rep = s->published != NULL ? public_read(s->published, "report.txt", 1u << 20) : NULL;
	char *cp = s->published != NULL
	               ? public_read(s->published, "tally/result.checkpoint", 1u << 16)
	               : NULL;
	a->status = 200;
	page_begin(a, ROLE_POLLBOOK, NULL, N_("Result"));
	wbuf *b = &a->body;
	public_nav(b);
	wb_el(b, "<h1>", N_("Result"), "</h1>");
	if (rep == NULL) {
		wb_el(b, "<p class=\"none\" data-code=\"no_result\">",
		      N_("No result has been published yet."), "</p>");
	} else {
		wb_raw(b, "<pre class=\"report\" tabindex=\"0\">");
		wb_esc(b, rep);
		wb_raw(b, "</pre>");
		if (cp != NULL) {
			wb_el(b, "<h2>", N_("The checkpoint signed after the result"),
			      "</h2><pre class=\"checkpoint\" tabindex=\"0\">");
			wb_esc(b, cp);
			wb_raw(b, "</pre>");
		}
		wb_raw(b, "<p>");
		wb_bi(b, N_("Anyone can verify the whole election from the published record "
		            "with this command:"));
		wb_raw(b,
		       "</p><pre class=\"command\">quorum-audit verify-election RECORD_DIR</pre>");
	}
	page_end(a);
	free(rep);
	free(cp);
}

static void check_form(wbuf *b)
{
	wb_el(b,
	      "<form method=\"post\" action=\"/public/check\" autocomplete=\"off\">"
	      "<label for=\"code\">",
	      N_("Tracking code (64 letters and digits, from your receipt)"),
	      "</label><input id=\"code\" name=\"code\" type=\"text\" class=\"token\" "
	      "maxlength=\"100\" required autofocus spellcheck=\"false\">"
	      "<div class=\"actions\"><button type=\"submit\" class=\"primary\">");
	wb_bi(b, N_("Check"));
	wb_raw(b, "</button></div></form>");
}

static void public_check(const site *s, const form *fm, answer *a)
{
	const char *in = form_get(fm, "code");
	char code[65];
	size_t n = 0;
	int bad = 0;
	for (const char *p = in; p != NULL && *p != '\0'; p++) {
		if (*p == ' ' || *p == '-')
			continue;
		if (!isxdigit((unsigned char)*p) || n == 64) {
			bad = 1;
			break;
		}
		code[n++] = (char)tolower((unsigned char)*p);
	}
	code[n] = '\0';
	a->status = 200;
	page_begin(a, ROLE_POLLBOOK, NULL, N_("Check my ballot"));
	wbuf *b = &a->body;
	public_nav(b);
	wb_el(b, "<h1>", N_("Check my ballot"), "</h1>");
	if (fm == NULL) {
		wb_el(b, "<p>",
		      N_("After the poll, the station's log is published with the result. "
		         "Enter the tracking code of your receipt to see that your ballot is in "
		         "it, with the proof and the command to check it yourself."),
		      "</p>");
		check_form(b);
		page_end(a);
		return;
	}
	if (in == NULL || bad || n != 64) {
		a->status = 400;
		alert(b, "bad_code",
		      N_("A tracking code is 64 letters a–f and digits (spaces do not "
		         "matter)."));
		check_form(b);
		page_end(a);
		return;
	}
	if (s->published == NULL) {
		alert(b, "not_published",
		      N_("The station's record is not published yet: check again after the poll "
		         "is closed and the result announced. Until then, keep your receipt."));
		check_form(b);
		page_end(a);
		return;
	}
	public_find_result fr;
	int k = public_find(s->published, code, &fr);
	if (k < 0) {
		a->status = 500;
		alert(b, "record_unreadable",
		      N_("The published record cannot be read here. Call the station "
		         "administrator."));
	} else if (k == 0) {
		alert(b, "not_found",
		      N_("No ballot with this tracking code is in the published record. Check the "
		         "code; if it is right, show your receipt to the returning officer."));
		wb_raw(b, "<p class=\"code\">");
		wb_grouped(b, code, 8);
		wb_raw(b, "</p>");
	} else {
		wb_el(b, "<section class=\"found\" role=\"status\"><p class=\"ok\">",
		      N_("Your ballot is in the station's signed log."), "</p><dl><div><dt>");
		wb_bi(b, N_("Tracking code"));
		wb_raw(b, "</dt><dd class=\"code\">");
		wb_grouped(b, code, 8);
		wb_el(b, "</dd></div><div><dt>", N_("Station"), "</dt><dd>");
		wb_esc(b, fr.station);
		wb_raw(b, "</dd></div><div><dt>");
		wb_bi(b, N_("Log index"));
		wb_fmt(b, "</dt><dd class=\"logindex\">%llu</dd></div></dl><h2>",
		       (unsigned long long)fr.index);
		wb_bi(b, N_("Inclusion proof"));
		wb_raw(b, "</h2><pre class=\"proof\" tabindex=\"0\">");
		wb_esc(b, fr.proof);
		wb_el(b, "</pre><h2>", N_("Checkpoint"),
		      "</h2><pre class=\"checkpoint\" tabindex=\"0\">");
		wb_esc(b, fr.checkpoint);
		wb_el(b, "</pre><h2>", N_("Check it yourself"), "</h2><p>");
		wb_bi(b, N_("With the published election record saved in RECORD_DIR, an observer "
		            "runs:"));
		wb_raw(b, "</p><pre class=\"command\">quorum-audit find RECORD_DIR/stations/");
		wb_esc(b, fr.station);
		wb_fmt(b, "/log %s &gt; my.proof\nquorum-audit verify-election RECORD_DIR</pre>",
		       code);
		wb_el(b, "<p>",
		      N_("The first command prints the same log index and writes the same "
		         "inclusion proof; the second checks the whole election, this "
		         "ballot's count included (observers' guide, section 2)."),
		      "</p></section>");
		public_find_free(&fr);
	}
	check_form(b);
	page_end(a);
}

/* The public pages (P-8.7), no sign-in: 1 if path is one of them (the
 * answer is in a). */
static int public_route(const site *s, const char *path, int get, int post, const form *fm,
                        answer *a)
{
	cur_public = 1;
	int done = 1;
	if (strcmp(path, "/public/") == 0 && get)
		public_home(s, a);
	else if (strcmp(path, "/public/result") == 0 && get)
		public_result(s, a);
	else if (strcmp(path, "/public/check") == 0 && get)
		public_check(s, NULL, a);
	else if (strcmp(path, "/public/check") == 0 && post)
		public_check(s, fm != NULL ? fm : &(form){0}, a);
	else
		done = 0;
	cur_public = 0;
	return done;
}

void pages_error(const site *s, enum role r, answer *a, unsigned status, const char *msgid)
{
	idle_seconds = s->idle_seconds;
	cur_csrf = NULL;
	error_page(a, r, status, msgid, NULL);
}

void pages_signin(const site *s, enum role r, answer *a, int res, unsigned wait)
{
	idle_seconds = s->idle_seconds;
	cur_csrf = NULL;
	if (a->status == 0)
		a->status = 401;
	int admin = r == ROLE_ADMIN;
	page_begin(a, r, NULL, N_("Sign in"));
	wbuf *b = &a->body;
	wb_raw(b, "<h1>");
	wb_bi(b,
	      admin ? N_("Sign in to the station administration") : N_("Sign in to the poll book"));
	wb_raw(b, "</h1>");
	if (res == AUTH_BAD)
		alert(b, "signin_refused", N_("Wrong passphrase."));
	else if (res == AUTH_WAIT) {
		wb_raw(b, "<div class=\"refusal\" role=\"alert\" data-code=\"signin_wait\"><p>");
		wb_bif(b, N_("Too many attempts: wait %d seconds, then try again."), (int)wait);
		wb_raw(b, "</p></div>");
	} else if (res == AUTH_LOCKED) {
		wb_raw(b, "<div class=\"refusal\" role=\"alert\" data-code=\"signin_locked\"><p>");
		wb_bif(b,
		       N_("Sign-in is locked after repeated wrong passphrases: wait %d minutes, or "
		          "ask the station administrator to restart quorum-web."),
		       (int)(wait + 59) / 60);
		wb_raw(b, "</p></div>");
	} else if (res == -2)
		alert(b, "wrong_role",
		      admin ? N_("This session is for the poll book: sign in with the admin "
		                 "credential.")
		            : N_("This session is for the station administration: sign in with "
		                 "the operator credential."));
	wb_el(b,
	      "<form method=\"post\" action=\"/signin\" autocomplete=\"off\">"
	      "<label for=\"passphrase\">",
	      admin ? N_("Passphrase of the admin credential")
	            : N_("Passphrase of the operator credential"),
	      "</label><input id=\"passphrase\" name=\"passphrase\" type=\"password\" "
	      "autocomplete=\"current-password\" maxlength=\"1000\" required autofocus>"
	      "<div class=\"actions\"><button type=\"submit\" class=\"primary\">");
	wb_bi(b, N_("Sign in"));
	wb_raw(b, "</button></div></form>");
	if (!admin) {
		wb_el(b, "<p><a href=\"/public/\">",
		      N_("Public pages: the station's status, the result, check my ballot"),
		      "</a></p>");
	}
	page_end(a);
}

void pages_route(const site *s, enum role r, const char *method, const char *path, const form *fm,
                 const char *csrf, answer *a)
{
	int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	int post = strcmp(method, "POST") == 0;
	a->status = 0;
	a->type = "text/html; charset=utf-8";
	idle_seconds = s->idle_seconds;
	cur_csrf = csrf;
	if (!get && !post) {
		error_page(a, r, 405, N_("This page does not accept that request."), method);
		return;
	}
	if (strcmp(path, "/") == 0 && get) {
		if (r == ROLE_BOOTH)
			booth_start(a, NULL, NULL);
		else if (r == ROLE_POLLBOOK)
			pollbook_home(s, a, NULL);
		else
			admin_home(s, a, NULL, NULL);
		return;
	}
	if (r == ROLE_POLLBOOK && strcmp(path, "/public") == 0 && get) {
		a->status = 303;
		snprintf(a->location, sizeof a->location, "/public/");
		return;
	}
	if (r == ROLE_POLLBOOK && strncmp(path, "/public/", 8) == 0 &&
	    public_route(s, path, get, post, fm, a))
		return;
	if (r == ROLE_BOOTH && strcmp(path, "/booth") == 0 && post) {
		booth_post(s, fm, a);
		return;
	}
	if (r == ROLE_POLLBOOK && strcmp(path, "/lookup") == 0 && post) {
		pollbook_lookup(s, fm, a);
		return;
	}
	if (r == ROLE_POLLBOOK && strcmp(path, "/checkin") == 0 && post) {
		pollbook_checkin(s, fm, a);
		return;
	}
	if (r == ROLE_POLLBOOK && strcmp(path, "/counts") == 0 && get) {
		pollbook_counts_json(s, a);
		return;
	}
	if (r == ROLE_ADMIN && (strcmp(path, "/open") == 0 || strcmp(path, "/close") == 0) &&
	    post) {
		admin_action(s, path + 1, fm, a);
		return;
	}
	/* a page of this role asked with the wrong method */
	static const char *const paths[ROLE_N][3] = {
	    {"/booth", NULL, NULL}, {"/lookup", "/checkin", "/counts"}, {"/open", "/close", NULL}};
	for (size_t i = 0; i < 3; i++)
		if (paths[r][i] != NULL && strcmp(paths[r][i], path) == 0) {
			error_page(a, r, 405, N_("This page does not accept that request."),
			           method);
			return;
		}
	error_page(a, r, 404, N_("There is no such page on this screen."), NULL);
}

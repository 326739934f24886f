/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report.c -- report.txt and report.html (docs/spec/record.md R-9).
 */
#include "report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "count.h"
#include "crypto/sha256.h"
#include "crypto/util.h"
#include "election/named.h"

#include "mix.h"

#include "banned.h"

/* A growing output buffer. */
typedef struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
} sbuf;

__attribute__((format(printf, 2, 3))) static void sb_printf(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t nc = (b->cap + (size_t)n + 1) * 2;
		char *q = realloc(b->p, nc);
		if (q == NULL) {
			b->oom = 1;
			return;
		}
		b->p = q;
		b->cap = nc;
	}
}

/* HTML-escaped copy of s appended. */
static void sb_html(sbuf *b, const char *s)
{
	for (; s != NULL && *s; s++) {
		switch (*s) {
		case '<':
			sb_printf(b, "&lt;");
			break;
		case '>':
			sb_printf(b, "&gt;");
			break;
		case '&':
			sb_printf(b, "&amp;");
			break;
		case '"':
			sb_printf(b, "&quot;");
			break;
		default:
			sb_printf(b, "%c", *s);
		}
	}
}

static const char *str_of(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static long long int_of(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

/* Terminal columns of a UTF-8 string: East Asian wide characters (CJK,
 * fullwidth forms; code points from U+1100 up, roughly) take two. */
static size_t display_width(const char *s)
{
	size_t w = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		unsigned cp;
		int n;
		if (*p < 0x80) {
			cp = *p;
			n = 1;
		} else if ((*p & 0xe0) == 0xc0) {
			cp = *p & 0x1fu;
			n = 2;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p & 0x0fu;
			n = 3;
		} else {
			cp = *p & 0x07u;
			n = 4;
		}
		for (int i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80) {
				n = i; /* malformed: count what we have */
				break;
			}
			cp = cp << 6 | (p[i] & 0x3fu);
		}
		p += n;
		w += (cp >= 0x1100 &&
		      (cp <= 0x115f || (cp >= 0x2e80 && cp <= 0xa4cf) ||
		       (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
		       (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
		       (cp >= 0xffe0 && cp <= 0xffe6) || cp >= 0x20000))
		         ? 2
		         : 1;
	}
	return w;
}

/*
 * the name a resident reads for candidate (or evaluated member) id of
 * contest c: the manifest's name, once; with the id in brackets only where
 * two of the contest share that name; id itself if it names nobody.
 * Returns id or a pointer into buf.
 */
static const char *subject_name(const elec_contest *c, const char *id, char *buf, size_t cap)
{
	const char *nm = NULL;
	size_t same = 0;
	if (c == NULL || id == NULL)
		return id;
	for (size_t k = 0; k < c->ncands; k++)
		if (c->cands[k].id && strcmp(c->cands[k].id, id) == 0)
			nm = c->cands[k].name;
	for (size_t k = 0; k < c->nmembers; k++)
		if (c->members[k].id && strcmp(c->members[k].id, id) == 0)
			nm = c->members[k].name;
	if (nm == NULL || nm[0] == '\0')
		return id;
	for (size_t k = 0; k < c->ncands; k++)
		same += c->cands[k].name && strcmp(c->cands[k].name, nm) == 0;
	for (size_t k = 0; k < c->nmembers; k++)
		same += c->members[k].name && strcmp(c->members[k].name, nm) == 0;
	if (same > 1)
		snprintf(buf, cap, "%s (%s)", nm, id);
	else
		snprintf(buf, cap, "%s", nm);
	return buf;
}

/* Label of option x of contest c, Chinese and English. */
static void option_label(const elec_contest *c, size_t x, const char *id, char *zh, char *en,
                         size_t cap)
{
	static const char *const yna[3][2] = {{"赞成", "yes"}, {"反对", "no"}, {"弃权", "abstain"}};
	static const char *const ev[3][2] = {
	    {"满意", "satisfied"}, {"基本满意", "basically satisfied"}, {"不满意", "dissatisfied"}};
	snprintf(zh, cap, "%s", id);
	snprintf(en, cap, "%s", id);
	switch (c->type) {
	case CONTEST_OFFICE: { /* the name once */
		char b[256];
		const char *nm = subject_name(c, id, b, sizeof b);
		snprintf(zh, cap, "%s", nm);
		snprintf(en, cap, "%s", nm);
		break;
	}
	case CONTEST_MOTION:
	case CONTEST_RECALL:
		if (x < 3) {
			snprintf(zh, cap, "%s", yna[x][0]);
			snprintf(en, cap, "%s", yna[x][1]);
		}
		break;
	case CONTEST_EVALUATION: {
		size_t g = c->option_group ? c->option_group[x] : 0;
		const char *who = g < c->nmembers ? c->members[g].name : "";
		snprintf(zh, cap, "%s %s", who, ev[x % 3][0]);
		snprintf(en, cap, "%s %s", who, ev[x % 3][1]);
		break;
	}
	default:
		break;
	}
}

/* statuses as a resident reads them. */
static const char *writein_status_words(const char *st)
{
	static const char *const map[][2] = {
	    {"unmarked-name", "未标记的格中写了名字，不计 name in an unmarked slot, not counted"},
	    {"unreadable", "无法识读，不计 unreadable, not counted"},
	    {"empty", "空白，不计 empty, not counted"},
	    {"duplicate", "同一选票重复书写，只计一次 written twice on one ballot, counted once"},
	    {"listed-candidate", "已是候选人，不计 a listed candidate, not counted"},
	    {"not-on-roll", "不在选民名单，不计 not on the roll (not-on-roll), not counted"},
	    {"ambiguous", "名单中同名多人，不计 more than one resident of that name, not counted"},
	    {"ineligible-deprived",
	     "被剥夺政治权利，不计 deprived of political rights, not counted"},
	    {"ineligible-under-18",
	     "选举日未满十八周岁，不计 under 18 on polling day, not counted"}};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(st, map[i][0]) == 0)
			return map[i][1];
	return st;
}

/* a contest's write-ins: the marked slots, and every marked
 * name that was not counted with its reason. */
static void writein_lines(sbuf *t, sbuf *h, const json_t *wc)
{
	size_t i, k, marked = 0, counted = 0;
	const json_t *tu, *sl;
	json_array_foreach(json_object_get(wc, "tuples"), i, tu)
	{
		json_array_foreach(tu, k, sl)
		{
			marked += json_integer_value(json_object_get(sl, "mark")) == 1;
			counted += strcmp(str_of(sl, "status"), "counted") == 0;
		}
	}
	sb_printf(t, "  另选他人：写入 %zu 个，计入 %zu 个 / write-ins: %zu written, %zu counted\n",
	          marked, counted, marked, counted);
	sb_printf(
	    h, "<p>另选他人：写入 %zu 个，计入 %zu 个 / write-ins: %zu written, %zu counted</p>\n",
	    marked, counted, marked, counted);
	int any = 0;
	json_array_foreach(json_object_get(wc, "tuples"), i, tu)
	{
		json_array_foreach(tu, k, sl)
		{
			const char *st = str_of(sl, "status");
			const json_t *nm = json_object_get(sl, "name");
			if (strcmp(st, "counted") == 0 || strcmp(st, "unmarked") == 0)
				continue;
			if (!any) {
				sb_printf(t, "  reported, not counted 未计入:\n");
				sb_printf(h, "<table><tr><th>写入姓名 written name</th><th>原因 "
				             "reason</th></tr>\n");
				any = 1;
			}
			sb_printf(t, "    %s: %s\n",
			          json_is_string(nm) ? json_string_value(nm) : "?",
			          writein_status_words(st));
			sb_printf(h, "<tr><td>");
			sb_html(h, json_is_string(nm) ? json_string_value(nm) : "?");
			sb_printf(h, "</td><td>");
			sb_html(h, writein_status_words(st));
			sb_printf(h, "</td></tr>\n");
		}
	}
	if (any)
		sb_printf(h, "</table>\n");
}

static const json_t *writein_contest(const json_t *res, const char *id)
{
	size_t i;
	const json_t *c;
	json_array_foreach(json_object_get(json_object_get(res, "write_ins"), "contests"), i,
	                   c) if (strcmp(str_of(c, "id"), id) == 0) return c;
	return NULL;
}

static const char *outcome_zh(const char *o)
{
	static const char *const map[][2] = {
	    {"elected", "当选"},  {"runoff", "另行选举"},        {"passed", "通过"},
	    {"failed", "未通过"}, {"no-quorum", "未达法定人数"}, {"void", "无效"},
	    {"rectify", "整改"},  {"convene", "召集"},           {"not-convened", "不召集"}};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(o, map[i][0]) == 0)
			return map[i][1];
	return o;
}

static const json_t *decision_contest(const json_t *dec, const char *id)
{
	size_t i;
	const json_t *c;
	json_array_foreach(json_object_get(dec, "contests"), i,
	                   c) if (strcmp(str_of(c, "id"), id) == 0) return c;
	return NULL;
}

static const json_t *counts_contest(const json_t *counts, const char *id)
{
	size_t i;
	const json_t *c;
	json_array_foreach(json_object_get(counts, "contests"), i,
	                   c) if (strcmp(str_of(c, "id"), id) == 0) return c;
	return NULL;
}

/* The candidates of arr (ids) by name, comma-separated; "-" if none. */
static void join_names(sbuf *b, const json_t *arr, const elec_contest *c)
{
	size_t i;
	const json_t *v;
	if (json_array_size(arr) == 0) {
		sb_printf(b, "-");
		return;
	}
	json_array_foreach(arr, i, v)
	{
		char nb[256];
		const char *id = json_string_value(v);
		sb_printf(b, "%s%s", i ? ", " : "", id ? subject_name(c, id, nb, sizeof nb) : "?");
	}
}

/* What a count is, in Chinese, and its unit (RP-2 bases). */
static void base_zh(const char *b, const char **what, const char **unit)
{
	static const char *const map[][3] = {
	    {"registered", "登记选民", "人"},  {"households", "户", "户"},
	    {"members", "组成人员", "人"},     {"attendees", "到会", "人"},
	    {"cast", "参加投票", "人"},        {"issued", "发出选票", "张"},
	    {"representatives", "代表", "人"}, {"groups", "居民小组", "个"},
	    {"votes", "得票", "票"},           {"signatures", "签名", "人"},
	    {"candidates", "候选人", "人"},    {"seats", "名额", "个"}};
	*what = b;
	*unit = "";
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(b, map[i][0]) == 0) {
			*what = map[i][1];
			*unit = map[i][2];
		}
}

static const char *fraction_zh(const char *f, char *buf, size_t cap)
{
	static const char *const digit[] = {"零", "一", "二", "三", "四", "五",
	                                    "六", "七", "八", "九", "十"};
	unsigned a, b;
	if (sscanf(f, "%u/%u", &a, &b) == 2 && a >= 1 && a <= 10 && b >= 2 && b <= 10) {
		snprintf(buf, cap, "%s分之%s", digit[b], digit[a]);
		return buf;
	}
	if (sscanf(f, "%u/%u", &a, &b) == 2 && b == 100) {
		snprintf(buf, cap, "百分之%u", a);
		return buf;
	}
	return f;
}

/*
 * One rule as a resident checks it by eye: the count, the threshold
 * in the same unit and what it is a fraction of, e.g. "得票 591 票，须不少于
 * 375 票（参加投票 1124 人的三分之一）：成立".  The exact rule (x, n, the
 * cross-multiplied comparison) stays in the record and the technical line.
 */
static void resident_line(sbuf *b, const json_t *r)
{
	const char *xw, *xu, *nw, *nu, *cmp = str_of(r, "cmp");
	char fb[32];
	unsigned num = 0, den = 1;
	unsigned long long x = (unsigned long long)int_of(r, "x"),
	                   n = (unsigned long long)int_of(r, "n");
	base_zh(str_of(r, "x_is"), &xw, &xu);
	base_zh(str_of(r, "n_is"), &nw, &nu);
	const char *fz = fraction_zh(str_of(r, "fraction"), fb, sizeof fb);
	int holds = json_is_true(json_object_get(r, "holds"));
	if (sscanf(str_of(r, "fraction"), "%u/%u", &num, &den) != 2 || den == 0)
		den = 1;
	unsigned __int128 an = (unsigned __int128)num * n;
	unsigned long long fl = (unsigned long long)(an / den),
	                   ce = (unsigned long long)((an + den - 1) / den);
	if (num == den && num > 0) { /* a whole: "（发出选票 5 张）", no "的1/1" */
		char of[160];
		snprintf(of, sizeof of, "（%s %llu %s）", nw, n, nu);
		if (strcmp(cmp, ">=") == 0)
			sb_printf(b, "%s %llu %s，须不少于 %llu %s%s", xw, x, xu, n, xu, of);
		else if (strcmp(cmp, ">") == 0)
			sb_printf(b, "%s %llu %s，须多于 %llu %s%s", xw, x, xu, n, xu, of);
		else if (strcmp(cmp, "<") == 0)
			sb_printf(b, "%s %llu %s，须少于 %llu %s%s", xw, x, xu, n, xu, of);
		else if (strcmp(cmp, "<=") == 0)
			sb_printf(b, "%s %llu %s，不多于 %llu %s才成立%s", xw, x, xu, n, xu, of);
		else
			sb_printf(b, "%s %llu %s，与%s %llu %s相比", xw, x, xu, nw, n, nu);
		sb_printf(b, "：%s", holds ? "成立" : "不成立");
		return;
	}
	if (json_is_true(json_object_get(r, "base_zero"))) {
		sb_printf(b, "%s %llu %s；%s为 0，不能计算：%s", xw, x, xu, nw,
		          holds ? "成立" : "不成立");
		return;
	}
	if (strcmp(cmp, ">=") == 0)
		sb_printf(b, "%s %llu %s，须不少于 %llu %s（%s %llu %s的%s）", xw, x, xu, ce, xu,
		          nw, n, nu, fz);
	else if (strcmp(cmp, ">") == 0)
		sb_printf(b, "%s %llu %s，须不少于 %llu %s（超过%s %llu %s的%s）", xw, x, xu,
		          fl + 1, xu, nw, n, nu, fz);
	else if (strcmp(cmp, "<") == 0)
		sb_printf(b, "%s %llu %s，低于 %llu %s才成立（%s %llu %s的%s）", xw, x, xu, ce, xu,
		          nw, n, nu, fz);
	else if (strcmp(cmp, "<=") == 0)
		sb_printf(b, "%s %llu %s，不多于 %llu %s才成立（%s %llu %s的%s）", xw, x, xu, fl,
		          xu, nw, n, nu, fz);
	else
		sb_printf(b, "%s %llu %s，与 %s %llu %s的%s相比", xw, x, xu, nw, n, nu, fz);
	sb_printf(b, "：%s", holds ? "成立" : "不成立");
}

static void text_rules(sbuf *t, sbuf *h, const json_t *dc, const elec_contest *c)
{
	size_t i;
	const json_t *r;
	json_array_foreach(json_object_get(dc, "rules"), i, r)
	{
		char sb[256];
		const char *subj = subject_name(c, json_string_value(json_object_get(r, "subject")),
		                                sb, sizeof sb);
		int holds = json_is_true(json_object_get(r, "holds"));
		sbuf rl = {0};
		/* the sentence a resident checks, the subject (a candidate's or
		 * member's name) first */
		if (subj != NULL)
			sb_printf(&rl, "%s：", subj);
		resident_line(&rl, r);
		if (rl.oom)
			t->oom = 1;
		sb_printf(t,
		          "    %-4s %s %s/%s [%s]%s%s: %s -- x = %lld (%s), n = %lld (%s), %lld %s "
		          "%lld (%s)\n",
		          holds ? "[OK]" : "[NO]", str_of(r, "id"), str_of(r, "part"),
		          str_of(r, "source"), str_of(r, "profile"), subj ? " " : "",
		          subj ? subj : "", str_of(r, "test"), int_of(r, "x"), str_of(r, "x_is"),
		          int_of(r, "n"), str_of(r, "n_is"), int_of(r, "lhs"), str_of(r, "cmp"),
		          int_of(r, "rhs"), str_of(r, "fraction"));
		sb_printf(t, "         %s\n", rl.p ? rl.p : "");
		/* HTML: the sentence wide, the result, then the rule, its source
		 * and the exact integer test in small print */
		sb_printf(h, "<tr class=\"%s\"><td>", holds ? "ok" : "no");
		sb_html(h, rl.p ? rl.p : "");
		free(rl.p);
		sb_printf(h, "</td><td class=\"res\">%s</td><td>",
		          holds ? "成立<br>holds" : "不成立<br>fails");
		sb_html(h, str_of(r, "id"));
		sb_printf(h, "<br><small>");
		sb_html(h, str_of(r, "source"));
		sb_printf(h, " [");
		sb_html(h, str_of(r, "profile"));
		sb_printf(h, "]<br>");
		sb_html(h, str_of(r, "test"));
		sb_printf(h, ": x = %lld (", int_of(r, "x"));
		sb_html(h, str_of(r, "x_is"));
		sb_printf(h, "), n = %lld (", int_of(r, "n"));
		sb_html(h, str_of(r, "n_is"));
		sb_printf(h, "), %lld ", int_of(r, "lhs"));
		sb_html(h, str_of(r, "cmp"));
		sb_printf(h, " %lld</small></td></tr>\n", int_of(r, "rhs"));
	}
	json_array_foreach(json_object_get(dc, "conflicts"), i, r)
	{
		sb_printf(t, "    conflict (%s): rule applied %s\n", str_of(r, "kind"),
		          str_of(r, "applied"));
		sb_printf(h, "<tr class=\"conflict\"><td colspan=\"3\">冲突 conflict (");
		sb_html(h, str_of(r, "kind"));
		sb_printf(h, "): rule applied ");
		sb_html(h, str_of(r, "applied"));
		sb_printf(h, "</td></tr>\n");
	}
}

static int cmp_named_voter(const void *a, const void *b)
{
	return strcmp(((const named_vote *)a)->voter, ((const named_vote *)b)->voter);
}

/*
 * a named vote's minutes: the roll ids of the attendees by vote
 * (赞成, 反对, 弃权), each list in roll-id order, re-counted from the
 * station logs (V-7.1).
 */
static void named_minutes(sbuf *t, sbuf *h, const elec_contest *c, const named_tally *nt)
{
	static const char *const vz[3] = {"赞成", "反对", "弃权"}, *const ve[3] = {"yes", "no",
	                                                                           "abstain"};
	named_vote *v = calloc(nt->n + 1, sizeof *v);
	size_t n = 0;
	if (v == NULL) {
		t->oom = 1;
		return;
	}
	for (size_t i = 0; i < nt->n; i++)
		if (strcmp(nt->v[i].contest, c->id) == 0)
			v[n++] = nt->v[i];
	qsort(v, n, sizeof *v, cmp_named_voter);
	sb_printf(t, "  记名表决 named vote (%zu): by roll id, from the station logs\n", n);
	sb_printf(h,
	          "<p><b>记名表决 Named vote</b> (%zu): 按选民编号，据投票站日志 by roll id, "
	          "from the station logs</p>\n<table class=\"named\">",
	          n);
	for (int k = 0; k < 3; k++) {
		size_t cnt = 0;
		for (size_t i = 0; i < n; i++)
			cnt += v[i].vote == k;
		sb_printf(t, "    %s %s (%zu):", vz[k], ve[k], cnt);
		sb_printf(h, "<tr><th>%s %s (%zu)</th><td>", vz[k], ve[k], cnt);
		for (size_t i = 0, j = 0; i < n; i++)
			if (v[i].vote == k) {
				sb_printf(t, "%s%s", j ? ", " : " ", v[i].voter);
				sb_printf(h, "%s", j++ ? ", " : "");
				sb_html(h, v[i].voter);
			}
		if (cnt == 0) {
			sb_printf(t, " -");
			sb_printf(h, "-");
		}
		sb_printf(t, "\n");
		sb_printf(h, "</td></tr>\n");
	}
	sb_printf(h, "</table>\n");
	free(v);
}

/* tally/aggregate.json, if the manifest has a named motion: its SHA-256
 * must be result.json's aggregate_sha256, whose stations'
 * record_sha256 name the records counted. */
static qerr named_tallied(const rec_election *el, const json_t *res, json_t **agg, char *msg,
                          size_t msgsz)
{
	char path[REC_PATH_MAX];
	uint8_t *buf = NULL, h[SHA256_LEN], want[SHA256_LEN];
	size_t len, i;
	json_error_t je;
	int named = 0;
	qerr e;
	*agg = NULL;
	for (i = 0; i < el->manifest->ncontests; i++)
		named |= el->manifest->contests[i].named;
	if (!named)
		return Q_OK;
	if ((e = rec_json_hex(res, "aggregate_sha256", want, sizeof want, "tally/result.json", msg,
	                      msgsz)) != Q_OK ||
	    (e = rec_path(path, sizeof path, el->dir, "tally/aggregate.json")) != Q_OK ||
	    (e = rec_read_file(path, REC_MAX_FILE, &buf, &len, msg, msgsz)) != Q_OK)
		return e;
	sha256(h, buf, len);
	if (memcmp(h, want, SHA256_LEN) != 0)
		e = rec_fail(Q_ERR_CONSISTENCY, msg, msgsz,
		             "tally/aggregate.json is not the aggregate tally/result.json names "
		             "(aggregate_sha256)");
	else if ((*agg = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je)) == NULL)
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz, "%s: line %d: %s", "tally/aggregate.json",
		             je.line, je.text);
	free(buf);
	return e;
}

qerr tally_report(const rec_election *el, char *msg, size_t msgsz)
{
	named_tally nt = {0};
	json_t *agg = NULL;
	char path[REC_PATH_MAX], bh[2 * SHA256_LEN + 1];
	json_t *res = NULL;
	const json_t *dec, *counts;
	uint8_t *cp = NULL;
	size_t cplen = 0;
	sbuf t = {0}, h = {0};
	const elec_manifest *m = el->manifest;
	mix_outcome wo;
	mix_saved *saved = NULL;
	int extended = 0;
	qerr e;

	memset(&wo, 0, sizeof wo);

	if ((e = rec_path(path, sizeof path, el->dir, "tally/result.json")) != Q_OK)
		return e;
	e = rec_read_json(path, &res, msg, msgsz);
	if (e == Q_ERR_NOTFOUND)
		return rec_fail(Q_ERR_STATE, msg, msgsz, "no result yet: run \"combine\" first");
	if (e != Q_OK)
		return e;
	if ((e = rec_path(path, sizeof path, el->dir, "tally/result.checkpoint")) != Q_OK ||
	    (e = rec_read_file(path, 65536, &cp, &cplen, msg, msgsz)) != Q_OK)
		goto out;
	/* R-5 (16): the named votes, from the station logs verified as the
	 * tally verified them and the records the tally counted (the
	 * aggregate the result names) */
	if ((e = named_tallied(el, res, &agg, msg, msgsz)) != Q_OK ||
	    (e = tally_named_collect(el, json_object_get(agg, "stations"), &nt, msg, msgsz)) !=
	        Q_OK)
		goto out;
	dec = json_object_get(res, "decision");
	counts = json_object_get(res, "counts");
	/* the write-in candidates are shown like listed ones */
	if ((e = mix_outcome_from_result(json_object_get(res, "write_ins"), m,
	                                 " [另选他人 write-in]", &wo)) != Q_OK ||
	    (saved = calloc(m->ncontests + 1, sizeof *saved)) == NULL) {
		e = e != Q_OK ? e : Q_ERR_NOMEM;
		goto out;
	}
	extended = 1;
	if ((e = mix_extend_manifest(el->manifest, &wo, saved)) != Q_OK)
		goto out;
	hex_encode(bh, el->base_hash, SHA256_LEN);

	sb_printf(&t, "%s\n%s\n\n选举结果公告 / Result announcement\n", m->title_zh, m->title_en);
	sb_printf(&t, "election %s, round %u, base hash %s\n", m->id, el->round, bh);
	sb_printf(&t, "ballots issued %lld, cast %lld\n", int_of(counts, "issued"),
	          int_of(counts, "cast"));
	/* E-4.3: the number every "registered" quorum below is tested against */
	sb_printf(&t,
	          "登记选民 registered voters %llu: residents on the roll 18 or older on "
	          "polling day, not deprived of political rights (counted from the roll by "
	          "init)\n",
	          (unsigned long long)m->registered);
	long long nproxy = 0; /* UL19.proxy, below */
	size_t unlisted = 0;
	{
		/* UL19.proxy: how many ballots were issued by written proxy, from
		 * the stations' published lists (P-7.6; the tally checked them,
		 * R-5 (15)); a station record before /2.1 lists none */
		for (size_t s = 0; s < m->nstations; s++) {
			char sp[REC_PATH_MAX], sm[200];
			json_t *sr = NULL;
			const json_t *px;
			if (rec_path(sp, sizeof sp, el->dir, "stations/%s/station-record.json",
			             m->stations[s].id) == Q_OK &&
			    rec_read_json(sp, &sr, sm, sizeof sm) == Q_OK &&
			    json_is_array(px = json_object_get(sr, "proxies")))
				nproxy += (long long)json_array_size(px);
			else
				unlisted++;
			json_decref(sr);
		}
		sb_printf(&t, "委托投票 ballots issued by written proxy %lld%s\n", nproxy,
		          unlisted ? " (not listed by every station)" : "");
	}
	sb_printf(&h, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
	              "<title>");
	sb_html(&h, m->title_zh);
	sb_printf(&h, " / ");
	sb_html(&h, m->title_en);
	sb_printf(
	    &h, "</title>\n<style>body{font-family:\"Noto Sans CJK SC\",\"Source Han Sans "
	        "SC\",\"PingFang SC\",\"Microsoft YaHei\",\"WenQuanYi Micro "
	        "Hei\",sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
	        "table{border-collapse:collapse;width:100%%;margin:.5em 0}"
	        "td,th{border:1px solid #999;padding:.2em .4em;text-align:left;vertical-align:top}"
	        ".bar{background:#2a6fb0;height:1em;display:inline-block}"
	        "tr.no td{color:#900}tr.conflict td{background:#fee}"
	        "table.rules td:first-child{width:58%%}table.rules td.res{white-space:nowrap}"
	        "td small{color:#555}table.named th{width:9em;white-space:nowrap}"
	        "pre{background:#f4f4f4;padding:.5em;white-space:pre-wrap;word-break:break-all}"
	        "@media print{body{margin:0}}</style></head><body>\n<h1>");
	sb_html(&h, m->title_zh);
	sb_printf(&h, "<br><small>");
	sb_html(&h, m->title_en);
	sb_printf(&h,
	          "</small></h1>\n<h2>选举结果公告 Result announcement</h2>\n<p>选举 election ");
	sb_html(&h, m->id);
	sb_printf(&h,
	          ", 第%u轮 round %u. 发出选票 ballots issued %lld, 收回 cast %lld.<br>"
	          "base hash <code>%s</code></p>\n",
	          el->round, el->round, int_of(counts, "issued"), int_of(counts, "cast"), bh);
	sb_printf(&h, "<p>委托投票 ballots issued by written proxy %lld%s</p>\n", nproxy,
	          unlisted ? " (not listed by every station)" : "");
	sb_printf(&h,
	          "<p>登记选民 registered voters %llu：名单上投票日年满十八周岁、未被剥夺政治"
	          "权利的居民 (residents on the roll 18 or older on polling day, not deprived "
	          "of political rights; counted from the roll by init)</p>\n",
	          (unsigned long long)m->registered);

	for (size_t ci = 0; ci < m->ncontests; ci++) {
		const elec_contest *c = &m->contests[ci];
		const json_t *dc = decision_contest(dec, c->id),
		             *cc = counts_contest(counts, c->id);
		const json_t *tally = json_object_get(cc, "tally");
		char *const *ids;
		size_t nopt;
		unsigned mn, mx;
		long long maxv = 1, cast = int_of(counts, "cast");
		if (cc == NULL)
			continue;
		manifest_contest_options(c, &ids, &nopt, &mn, &mx);
		for (size_t x = 0; x < nopt; x++)
			if (int_of(tally, ids[x]) > maxv)
				maxv = int_of(tally, ids[x]);
		if (cast > maxv)
			maxv = cast;
		sb_printf(&t, "\n== %s / %s (%s) ==\n", c->title_zh, c->title_en, c->id);
		sb_printf(&h, "<h3>");
		sb_html(&h, c->title_zh);
		sb_printf(&h, " / ");
		sb_html(&h, c->title_en);
		sb_printf(&h, "</h3>\n");
		if (c->type == CONTEST_MOTION && c->text != NULL) { /* what was voted on */
			sb_printf(&t, "  %s%s\n", c->named ? "记名表决 named vote: " : "", c->text);
			sb_printf(&h, "<p>%s", c->named ? "记名表决 named vote: " : "");
			sb_html(&h, c->text);
			sb_printf(&h, "</p>\n");
		}
		sb_printf(&h, "<table><tr><th>选项 option</th><th>票数 votes</th>"
		              "<th></th></tr>\n");
		for (size_t x = 0; x < nopt; x++) {
			char zh[256], en[256];
			long long v = int_of(tally, ids[x]);
			option_label(c, x, ids[x], zh, en, sizeof zh);
			/* one column of labels, padded by display width (a
			 * Chinese character is two columns wide) */
			size_t wz = display_width(zh), we = display_width(en);
			if (strcmp(zh, en) == 0)
				sb_printf(&t, "  %s%*s %10lld\n", zh, (int)(we < 56 ? 56 - we : 0),
				          "", v);
			else
				sb_printf(&t, "  %s%*s %s%*s %10lld\n", zh,
				          (int)(wz < 24 ? 24 - wz : 0), "", en,
				          (int)(we < 31 ? 31 - we : 0), "", v);
			sb_printf(&h, "<tr><td>");
			sb_html(&h, zh);
			if (strcmp(zh, en) != 0) {
				sb_printf(&h, " / ");
				sb_html(&h, en);
			}
			sb_printf(&h,
			          "</td><td>%lld</td><td style=\"width:50%%\"><span class=\"bar\" "
			          "style=\"width:%lld%%\"></span></td></tr>\n",
			          v, v * 100 / maxv);
		}
		sb_printf(&h, "</table>\n");
		if (writein_contest(res, c->id) != NULL)
			writein_lines(&t, &h, writein_contest(res, c->id));
		if (c->named)
			named_minutes(&t, &h, c, &nt);
		if (dc != NULL) {
			const char *oc = str_of(dc, "outcome");
			/* elected and run-off only where there are candidates */
			int office = c->type == CONTEST_OFFICE;
			sb_printf(&t, "  outcome: %s (%s)", oc, outcome_zh(oc));
			sb_printf(&h, "<p><b>结果 outcome: %s ", outcome_zh(oc));
			sb_html(&h, oc);
			sb_printf(&h, "</b>");
			if (office) {
				sbuf tmp = {0};
				sb_printf(&t, "; elected: ");
				join_names(&t, json_object_get(dc, "elected"), c);
				sb_printf(&t, "; run-off: ");
				join_names(&t, json_object_get(dc, "runoff"), c);
				join_names(&tmp, json_object_get(dc, "elected"), c);
				sb_printf(&h, ". 当选 elected: ");
				sb_html(&h, tmp.p);
				free(tmp.p);
				tmp = (sbuf){0};
				join_names(&tmp, json_object_get(dc, "runoff"), c);
				sb_printf(&h, ". 另行选举 run-off: ");
				sb_html(&h, tmp.p);
				if (tmp.oom)
					h.oom = 1;
				free(tmp.p);
			}
			sb_printf(&t, "\n  rules applied:\n");
			sb_printf(&h,
			          ".</p>\n<table class=\"rules\"><tr><th>检验 check</th>"
			          "<th>结果 result</th><th>规则 rule · 依据 source</th></tr>\n");
			text_rules(&t, &h, dc, c);
			sb_printf(&h, "</table>\n");
		}
	}
	{
		size_t i;
		const json_t *v;
		sb_printf(&t, "\ntrustees whose partial decryptions were combined:");
		sb_printf(&h, "<h3>受托人 Trustees</h3><p>combined 合并: ");
		json_array_foreach(json_object_get(res, "trustees_used"), i, v)
		{
			sb_printf(&t, " %lld", (long long)json_integer_value(v));
			sb_printf(&h, "%s%lld", i ? ", " : "", (long long)json_integer_value(v));
		}
		sb_printf(&t, "\n");
		sb_printf(&h, "</p>\n");
		/* who mixed the write-ins, in order, and who decrypted them */
		const json_t *wi = json_object_get(res, "write_ins");
		if (wi != NULL) {
			sb_printf(&t, "write-ins (另选他人) mixed by trustees, in order:");
			sb_printf(&h,
			          "<p>另选他人 write-ins mixed by trustees, in order 混洗顺序: ");
			json_array_foreach(json_object_get(wi, "mixers"), i, v)
			{
				sb_printf(&t, " %lld", (long long)json_integer_value(v));
				sb_printf(&h, "%s%lld", i ? ", " : "",
				          (long long)json_integer_value(v));
			}
			sb_printf(&t, "; decrypted with:");
			sb_printf(&h, "; decrypted with 解密: ");
			json_array_foreach(json_object_get(wi, "trustees_used"), i, v)
			{
				sb_printf(&t, " %lld", (long long)json_integer_value(v));
				sb_printf(&h, "%s%lld", i ? ", " : "",
				          (long long)json_integer_value(v));
			}
			sb_printf(&t, "\n");
			sb_printf(&h, "</p>\n");
			json_array_foreach(json_object_get(wi, "skipped"), i, v)
			{
				sb_printf(
				    &t,
				    "skipped (invalid) write-in decryption of trustee %lld: %s\n",
				    int_of(v, "trustee"), str_of(v, "reason"));
				sb_printf(&h,
				          "<p>skipped 无效 write-in decryption of trustee %lld: ",
				          int_of(v, "trustee"));
				sb_html(&h, str_of(v, "reason"));
				sb_printf(&h, "</p>\n");
			}
		}
		json_array_foreach(json_object_get(res, "skipped"), i, v)
		{
			sb_printf(&t, "skipped (invalid) trustee %lld: %s\n", int_of(v, "trustee"),
			          str_of(v, "reason"));
			sb_printf(&h, "<p>skipped 无效 trustee %lld: ", int_of(v, "trustee"));
			sb_html(&h, str_of(v, "reason"));
			sb_printf(&h, "</p>\n");
		}
	}
	static const char lookup_en[] =
	    "Check your ballot: your receipt shows a tracking code of 64 hex digits. "
	    "Find it in stations/<station>/station-record.json (ballots[].tracking_code) of "
	    "the published election record; an observer can prove it is in the station's "
	    "audit log with quorum-audit, and re-run the whole count from the record.";
	static const char lookup_zh[] =
	    "核对选票：您的回执上有64位十六进制的追踪码。在公布的选举记录中 "
	    "stations/<投票站>/station-record.json 的 ballots[].tracking_code 里查找；"
	    "观察员可用 quorum-audit 证明它在该投票站的审计日志中，并据记录重新计票。";
	sb_printf(&t, "\n%s\n%s\n\nfinal checkpoint of the election log:\n%.*s", lookup_zh,
	          lookup_en, (int)cplen, (const char *)cp);
	sb_printf(&h, "<h3>追踪码查询 Tracking-code lookup</h3><p>");
	sb_html(&h, lookup_zh);
	sb_printf(&h, "</p><p>");
	sb_html(&h, lookup_en);
	sb_printf(&h, "</p>\n<h3>最终检查点 Final checkpoint</h3><pre>");
	{
		char *z = malloc(cplen + 1);
		if (z == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		memcpy(z, cp, cplen);
		z[cplen] = '\0';
		sb_html(&h, z);
		free(z);
	}
	sb_printf(&h, "</pre>\n</body></html>\n");
	if (t.oom || h.oom) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if ((e = rec_path(path, sizeof path, el->dir, "report.txt")) != Q_OK ||
	    (e = rec_write_file(path, t.p, t.len, 0644, 0, msg, msgsz)) != Q_OK ||
	    (e = rec_path(path, sizeof path, el->dir, "report.html")) != Q_OK ||
	    (e = rec_write_file(path, h.p, h.len, 0644, 0, msg, msgsz)) != Q_OK)
		goto out;
	e = Q_OK;
out:
	if (extended)
		mix_restore_manifest(el->manifest, saved);
	free(saved);
	mix_outcome_free(&wo);
	named_tally_free(&nt);
	json_decref(agg);
	free(t.p);
	free(h.p);
	free(cp);
	json_decref(res);
	return e;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rules.c -- see rules.h.  Profiles are data (the rules/ folder, RP-2); this
 * file parses them, assembles rulebooks and compares exactly. */
#include "rules.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/util.h"

#include "banned.h"

/* JSON paths in findings are built by nesting snprintf into fixed buffers;
 * a path cut short is still a readable message. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

static const char *const base_names[RULE_NBASES] = {
    "registered",      "households", "members", "attendees",  "cast",       "issued",
    "representatives", "groups",     "votes",   "signatures", "candidates", "seats"};

const char *rule_base_name(rule_base b)
{
	return (unsigned)b < RULE_NBASES ? base_names[b] : "?";
}

static const char *const op_names[] = {">", ">=", "<", "<=", "=="};

const char *rule_op_symbol(rule_op op)
{
	return (unsigned)op < 5 ? op_names[op] : "?";
}

const char *rule_layer_name(rule_layer l)
{
	static const char *const n[] = {"statute", "province", "charter"};
	return (unsigned)l < 3 ? n[l] : "?";
}

int rule_cmp(rule_op op, uint64_t x, uint32_t num, uint32_t den, uint64_t n, uint64_t *lhs,
             uint64_t *rhs)
{
	if (den == 0)
		qfatal("rule_cmp: zero denominator");
	/* RP-1: cross-multiplied, never divided. */
	unsigned __int128 l = (unsigned __int128)den * x;
	unsigned __int128 r = (unsigned __int128)num * n;
	if (lhs != NULL)
		*lhs = l > UINT64_MAX ? UINT64_MAX : (uint64_t)l;
	if (rhs != NULL)
		*rhs = r > UINT64_MAX ? UINT64_MAX : (uint64_t)r;
	switch (op) {
	case RULE_GT:
		return l > r;
	case RULE_GE:
		return l >= r;
	case RULE_LT:
		return l < r;
	case RULE_LE:
		return l <= r;
	case RULE_EQ:
		return l == r;
	}
	qfatal("rule_cmp: bad operator %d", (int)op);
}

/* ---- parsing a profile (RP-2) ---- */

typedef struct pctx {
	elec_findings *f;
	int oom;
} pctx;

static char *xdup(pctx *p, const char *s)
{
	if (s == NULL)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d == NULL) {
		p->oom = 1;
		return NULL;
	}
	memcpy(d, s, n);
	return d;
}

__attribute__((format(printf, 3, 4))) static void bad(pctx *p, const char *where, const char *fmt,
                                                      ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	elec_findings_add(p->f, ELEC_ERROR, NULL, where, "%s", msg);
}

/* Every key of o is in allowed[] (NULL-terminated) and every key of
 * required[] is present.  Returns 0 if anything was wrong. */
static int keys(pctx *p, json_t *o, const char *path, const char *const *allowed)
{
	int ok = 1;
	const char *k;
	json_t *v;
	char where[160];
	json_object_foreach(o, k, v)
	{
		int known = 0;
		for (size_t i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], k) == 0)
				known = 1;
		if (!known) {
			snprintf(where, sizeof where, "%s%s%s", path, *path ? "." : "", k);
			bad(p, where, "unknown key \"%s\"", k);
			ok = 0;
		}
	}
	for (size_t i = 0; allowed[i] != NULL; i++)
		if (json_object_get(o, allowed[i]) == NULL) {
			snprintf(where, sizeof where, "%s%s%s", path, *path ? "." : "", allowed[i]);
			bad(p, where, "missing (every key is required; use null where none)");
			ok = 0;
		}
	return ok;
}

/* A non-empty string (or, with nullable, null -> NULL). */
static const char *str_at(pctx *p, json_t *o, const char *k, const char *path, int nullable,
                          int *ok)
{
	char where[160];
	json_t *v = json_object_get(o, k);
	snprintf(where, sizeof where, "%s%s%s", path, *path ? "." : "", k);
	if (v == NULL)
		return NULL; /* reported by keys() */
	if (nullable && json_is_null(v))
		return NULL;
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		bad(p, where, "must be a non-empty string without NUL%s",
		    nullable ? " or null" : "");
		*ok = 0;
		return NULL;
	}
	return json_string_value(v);
}

static int id_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static int name_index(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static void bilingual(pctx *p, json_t *o, const char *k, const char *path, char **zh, char **en,
                      int *ok)
{
	static const char *const kz[] = {"zh", "en", NULL};
	char where[160];
	json_t *v = json_object_get(o, k);
	snprintf(where, sizeof where, "%s%s%s", path, *path ? "." : "", k);
	if (v == NULL)
		return;
	if (!json_is_object(v)) {
		bad(p, where, "must be an object {\"zh\": ..., \"en\": ...}");
		*ok = 0;
		return;
	}
	if (!keys(p, v, where, kz))
		*ok = 0;
	*zh = xdup(p, str_at(p, v, "zh", where, 0, ok));
	*en = xdup(p, str_at(p, v, "en", where, 0, ok));
}

static void make_test_text(pctx *p, rule_def *d, const char *xlabel)
{
	char buf[192], frac[48] = "";
	if (!(d->num == 1 && d->den == 1))
		snprintf(frac, sizeof frac, "%u/%u ", d->num, d->den);
	snprintf(buf, sizeof buf, "%s %s %s%s", xlabel ? xlabel : rule_base_name(d->xkind),
	         rule_op_symbol(d->op), frac, rule_base_name(d->nkind));
	d->test = xdup(p, buf);
}

static void parse_test(pctx *p, rule_def *d, json_t *t, const char *path, int *ok)
{
	static const char *const kt[] = {"x",       "op", "num", "den", "base", "zero_base_fails",
	                                 "x_label", NULL};
	if (!json_is_object(t)) {
		bad(p, path, "must be an object or null");
		*ok = 0;
		return;
	}
	if (!keys(p, t, path, kt))
		*ok = 0;
	char where[160];
	const char *x = str_at(p, t, "x", path, 0, ok);
	const char *op = str_at(p, t, "op", path, 0, ok);
	const char *b = str_at(p, t, "base", path, 0, ok);
	const char *xl = str_at(p, t, "x_label", path, 1, ok);
	int xi = x ? name_index(x, base_names, RULE_NBASES) : -1;
	int bi = b ? name_index(b, base_names, RULE_NBASES) : -1;
	int oi = op ? name_index(op, op_names, 5) : -1;
	if (x != NULL && xi < 0) {
		snprintf(where, sizeof where, "%s.x", path);
		bad(p, where, "unknown count \"%s\" (RP-2: registered, households, ...)", x);
		*ok = 0;
	}
	if (b != NULL && bi < 0) {
		snprintf(where, sizeof where, "%s.base", path);
		bad(p, where, "unknown base \"%s\" (RP-2: registered, households, ...)", b);
		*ok = 0;
	}
	if (op != NULL && oi < 0) {
		snprintf(where, sizeof where, "%s.op", path);
		bad(p, where, "unknown operator \"%s\": one of > >= < <= ==", op);
		*ok = 0;
	}
	const char *nk[] = {"num", "den"};
	json_int_t nv[2] = {0, 0};
	for (int i = 0; i < 2; i++) {
		json_t *v = json_object_get(t, nk[i]);
		snprintf(where, sizeof where, "%s.%s", path, nk[i]);
		if (!json_is_integer(v) || json_integer_value(v) < (i ? 1 : 0) ||
		    json_integer_value(v) > (json_int_t)RULE_MAX_DEN) {
			bad(p, where, "must be an integer %s ... 1000", i ? "1" : "0");
			*ok = 0;
		} else
			nv[i] = json_integer_value(v);
	}
	if (*ok && nv[0] > nv[1]) {
		snprintf(where, sizeof where, "%s.num", path);
		bad(p, where, "a fraction above 1 (num > den) is not a threshold");
		*ok = 0;
	}
	json_t *z = json_object_get(t, "zero_base_fails");
	if (!json_is_boolean(z)) {
		snprintf(where, sizeof where, "%s.zero_base_fails", path);
		bad(p, where, "must be true or false");
		*ok = 0;
	}
	if (!*ok)
		return;
	d->numeric = 1;
	d->xkind = (rule_base)xi;
	d->nkind = (rule_base)bi;
	d->op = (rule_op)oi;
	d->num = (uint32_t)nv[0];
	d->den = (uint32_t)nv[1];
	d->zero_base_fails = json_is_true(z);
	make_test_text(p, d, xl);
}

static void parse_source(pctx *p, rule_file *pf, rule_def *d, json_t *s, const char *path, int *ok)
{
	static const char *const ks[] = {"law",   "article", "paragraph", "cite",
	                                 "quote", "status",  "note",      NULL};
	static const char *const st[] = {"confirmed", "unconfirmed", "option"};
	char where[160];
	if (!json_is_object(s)) {
		bad(p, path, "must be an object");
		*ok = 0;
		return;
	}
	if (!keys(p, s, path, ks))
		*ok = 0;
	d->law = xdup(p, str_at(p, s, "law", path, 0, ok));
	d->article = xdup(p, str_at(p, s, "article", path, 1, ok));
	d->source = xdup(p, str_at(p, s, "cite", path, 0, ok));
	d->quote = xdup(p, str_at(p, s, "quote", path, 1, ok));
	d->note = xdup(p, str_at(p, s, "note", path, 1, ok));
	const char *status = str_at(p, s, "status", path, 0, ok);
	json_t *pg = json_object_get(s, "paragraph");
	if (!json_is_null(pg) &&
	    (!json_is_integer(pg) || json_integer_value(pg) < 1 || json_integer_value(pg) > 99)) {
		snprintf(where, sizeof where, "%s.paragraph", path);
		bad(p, where, "must be an integer 1 ... 99 or null");
		*ok = 0;
	} else if (json_is_integer(pg))
		d->paragraph = (unsigned)json_integer_value(pg);
	if (status == NULL)
		return;
	int si = name_index(status, st, 3);
	snprintf(where, sizeof where, "%s.status", path);
	if (si < 0) {
		bad(p, where, "must be confirmed, unconfirmed or option, not \"%s\"", status);
		*ok = 0;
		return;
	}
	d->status = xdup(p, status);
	if (si == 2 && pf->layer == LAYER_STATUTE) {
		bad(p, where,
		    "a statute row cannot be an option: cite the law, or move the row to a "
		    "province or charter profile");
		*ok = 0;
	}
	if (si == 0 && json_is_null(json_object_get(s, "quote"))) {
		snprintf(where, sizeof where, "%s.quote", path);
		bad(p, where, "a confirmed source needs the quote of its sentence");
		*ok = 0;
	} else if (si == 1 && json_is_null(json_object_get(s, "quote"))) {
		/* issue 22: every row quotes its source or is an option */
		snprintf(where, sizeof where, "%s.quote", path);
		bad(p, where,
		    "an unconfirmed source still quotes the closest sentence found (say in the "
		    "note where it comes from); with no sentence to quote, the row is not the "
		    "law's: make it an option of a province or charter profile");
		*ok = 0;
	}
	if (si == 0 && json_is_null(json_object_get(s, "article"))) {
		snprintf(where, sizeof where, "%s.article", path);
		bad(p, where, "a confirmed source names its article");
		*ok = 0;
	}
	if (si != 0 && json_is_null(json_object_get(s, "note"))) {
		snprintf(where, sizeof where, "%s.note", path);
		bad(p, where, "an %s source says what is known in a note", status);
		*ok = 0;
	}
}

static void parse_row(pctx *p, rule_file *pf, rule_def *d, json_t *r, const char *path, int *ok)
{
	static const char *const kr[] = {"id",      "part",   "decides", "test",
	                                 "governs", "source", NULL};
	/* RP-2: "limit" is the one optional key of a row */
	static const char *const krl[] = {"id",      "part",   "decides", "test",
	                                  "governs", "source", "limit",   NULL};
	char where[160];
	if (!json_is_object(r)) {
		bad(p, path, "a row must be an object");
		*ok = 0;
		return;
	}
	json_t *lim = json_object_get(r, "limit");
	if (!keys(p, r, path, lim != NULL ? krl : kr))
		*ok = 0;
	const char *id = str_at(p, r, "id", path, 0, ok);
	const char *part = str_at(p, r, "part", path, 0, ok);
	if (id != NULL && !id_ok(id)) {
		snprintf(where, sizeof where, "%s.id", path);
		bad(p, where, "\"%s\" is not an id (1-64 of A-Z a-z 0-9 . _ -)", id);
		*ok = 0;
	}
	if (part != NULL && !id_ok(part)) {
		snprintf(where, sizeof where, "%s.part", path);
		bad(p, where, "\"%s\" is not an id (1-64 of A-Z a-z 0-9 . _ -)", part);
		*ok = 0;
	}
	d->id = xdup(p, id);
	d->part = xdup(p, part);
	d->file = pf;
	d->statute = pf->layer == LAYER_STATUTE;
	bilingual(p, r, "decides", path, &d->decides_zh, &d->decides_en, ok);
	d->governs = xdup(p, str_at(p, r, "governs", path, 1, ok));
	if (d->governs != NULL && strchr(d->governs, '/') == NULL) {
		snprintf(where, sizeof where, "%s.governs", path);
		bad(p, where, "must be \"ID/part\", not \"%s\"", d->governs);
		*ok = 0;
	}
	json_t *t = json_object_get(r, "test");
	snprintf(where, sizeof where, "%s.test", path);
	if (t != NULL && !json_is_null(t))
		parse_test(p, d, t, where, ok);
	if (d->governs != NULL && !d->numeric) {
		bad(p, where, "a row that governs another row needs a test");
		*ok = 0;
	}
	if (lim != NULL) {
		/* RP-2: a bound the appliance enforces outside the decision:
		 * the principals one proxy holds (proxy-limit), the voters who
		 * must nominate a candidate jointly (nomination-joint) */
		snprintf(where, sizeof where, "%s.limit", path);
		if (!json_is_integer(lim) || json_integer_value(lim) < 1 ||
		    json_integer_value(lim) > RULE_MAX_DEN) {
			bad(p, where, "must be a whole number from 1 to %u", RULE_MAX_DEN);
			*ok = 0;
		} else if (d->numeric || part == NULL ||
		           (strcmp(part, "proxy-limit") != 0 &&
		            strcmp(part, "nomination-joint") != 0)) {
			bad(p, where,
			    "only a row of part \"proxy-limit\" or \"nomination-joint\" with "
			    "\"test\": null has a limit");
			*ok = 0;
		} else {
			d->limit = (unsigned)json_integer_value(lim);
		}
	}
	json_t *s = json_object_get(r, "source");
	snprintf(where, sizeof where, "%s.source", path);
	if (s != NULL)
		parse_source(p, pf, d, s, where, ok);
}

static void def_free(rule_def *d)
{
	free(d->id);
	free(d->part);
	free(d->source);
	free(d->test);
	free(d->decides_zh);
	free(d->decides_en);
	free(d->law);
	free(d->article);
	free(d->quote);
	free(d->status);
	free(d->note);
	free(d->governs);
}

void rule_file_free(rule_file *pf)
{
	if (pf == NULL)
		return;
	for (size_t i = 0; i < pf->nrows; i++)
		def_free(&pf->rows[i]);
	free(pf->rows);
	for (size_t i = 0; i < pf->nsets; i++) {
		free(pf->sets[i].id);
		free(pf->sets[i].rule_set);
		free(pf->sets[i].summary);
		free(pf->sets[i].summary_zh);
	}
	free(pf->sets);
	free(pf->id);
	free(pf->title_zh);
	free(pf->title_en);
	free(pf->note);
	free(pf->bytes);
	free(pf);
}

static void parse_set(pctx *p, rule_file *pf, rule_profile *s, json_t *o, const char *path, int *ok)
{
	static const char *const ks[] = {"id", "applies_to", "summary", NULL};
	static const char *const types[] = {"office", "motion", "recall", "evaluation", "petition"};
	char where[160];
	if (!json_is_object(o)) {
		bad(p, path, "a set must be an object");
		*ok = 0;
		return;
	}
	if (!keys(p, o, path, ks))
		*ok = 0;
	const char *id = str_at(p, o, "id", path, 0, ok);
	if (id != NULL && !id_ok(id)) {
		snprintf(where, sizeof where, "%s.id", path);
		bad(p, where, "\"%s\" is not an id", id);
		*ok = 0;
	}
	s->id = xdup(p, id);
	s->rule_set = xdup(p, pf->id);
	s->file = pf;
	bilingual(p, o, "summary", path, &s->summary_zh, &s->summary, ok);
	json_t *a = json_object_get(o, "applies_to");
	snprintf(where, sizeof where, "%s.applies_to", path);
	if (!json_is_array(a) || json_array_size(a) == 0) {
		bad(p, where, "must be a non-empty list of contest types");
		*ok = 0;
		return;
	}
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v)
	{
		int k = json_is_string(v) ? name_index(json_string_value(v), types, 5) : -1;
		if (k < 0 || (s->applies_to & (1u << k))) {
			bad(p, where,
			    "each entry once, one of office, motion, recall, evaluation, petition");
			*ok = 0;
			return;
		}
		s->applies_to |= 1u << k;
	}
}

qerr rule_file_parse(const uint8_t *bytes, size_t len, rule_file **out, elec_findings *f)
{
	static const char *const kf[] = {"format", "id",   "version", "layer", "title",
	                                 "note",   "sets", "rows",    NULL};
	static const char *const layers[] = {"statute", "province", "charter"};
	pctx p = {f, 0};
	json_error_t je;
	json_t *root = NULL;
	rule_file *pf = NULL;
	qerr err = Q_OK;
	int ok = 1;
	char where[160];

	*out = NULL;
	if (len > RULES_MAX_BYTES) {
		elec_findings_add(f, ELEC_ERROR, NULL, "", "profile larger than %u bytes",
		                  RULES_MAX_BYTES);
		return Q_ERR_LIMIT;
	}
	root = json_loadb((const char *)bytes, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL || !json_is_object(root)) {
		elec_findings_add(f, ELEC_ERROR, NULL, root ? "" : "line",
		                  root ? "a profile is a JSON object"
		                       : "not JSON (line %d, column %d): %s",
		                  je.line, je.column, je.text);
		err = Q_ERR_FORMAT;
		goto out;
	}
	pf = calloc(1, sizeof(*pf));
	if (pf == NULL || (pf->bytes = malloc(len ? len : 1)) == NULL) {
		err = Q_ERR_NOMEM;
		goto out;
	}
	memcpy(pf->bytes, bytes, len);
	pf->len = len;
	sha256(pf->sha256, bytes, len);
	if (!keys(&p, root, "", kf))
		ok = 0;
	const char *fmt = str_at(&p, root, "format", "", 0, &ok);
	if (fmt != NULL && strcmp(fmt, RULES_FORMAT) != 0) {
		bad(&p, "format", "is \"%s\"; this program reads \"%s\"", fmt, RULES_FORMAT);
		ok = 0;
	}
	const char *id = str_at(&p, root, "id", "", 0, &ok);
	if (id != NULL && !id_ok(id)) {
		bad(&p, "id", "\"%s\" is not an id (1-64 of A-Z a-z 0-9 . _ -)", id);
		ok = 0;
	}
	pf->id = xdup(&p, id);
	json_t *ver = json_object_get(root, "version");
	if (!json_is_integer(ver) || json_integer_value(ver) < 1 ||
	    json_integer_value(ver) > 1000000) {
		bad(&p, "version", "must be an integer 1 ... 1000000");
		ok = 0;
	} else
		pf->version = (unsigned)json_integer_value(ver);
	const char *layer = str_at(&p, root, "layer", "", 0, &ok);
	int li = layer ? name_index(layer, layers, 3) : -1;
	if (layer != NULL && li < 0) {
		bad(&p, "layer", "must be statute, province or charter, not \"%s\"", layer);
		ok = 0;
	}
	pf->layer = li < 0 ? LAYER_CHARTER : (rule_layer)li;
	bilingual(&p, root, "title", "", &pf->title_zh, &pf->title_en, &ok);
	pf->note = xdup(&p, str_at(&p, root, "note", "", 1, &ok));
	json_t *sets = json_object_get(root, "sets"), *rows = json_object_get(root, "rows");
	if (!json_is_array(sets)) {
		bad(&p, "sets", "must be a list (may be empty)");
		ok = 0;
	}
	if (!json_is_array(rows) || json_array_size(rows) == 0) {
		bad(&p, "rows", "must be a non-empty list");
		ok = 0;
	}
	if (p.oom || !json_is_array(sets) || !json_is_array(rows))
		goto done;
	pf->sets = calloc(json_array_size(sets) + 1, sizeof(*pf->sets));
	pf->rows = calloc(json_array_size(rows), sizeof(*pf->rows));
	if (pf->sets == NULL || pf->rows == NULL) {
		err = Q_ERR_NOMEM;
		goto out;
	}
	size_t i;
	json_t *v;
	json_array_foreach(rows, i, v)
	{
		snprintf(where, sizeof where, "rows[%zu]", i);
		parse_row(&p, pf, &pf->rows[pf->nrows++], v, where, &ok);
		rule_def *d = &pf->rows[pf->nrows - 1];
		for (size_t k = 0; k + 1 < pf->nrows && d->id && d->part; k++)
			if (pf->rows[k].id && pf->rows[k].part &&
			    strcmp(pf->rows[k].id, d->id) == 0 &&
			    strcmp(pf->rows[k].part, d->part) == 0) {
				bad(&p, where, "row %s is defined twice", d->id);
				ok = 0;
			}
	}
	json_array_foreach(sets, i, v)
	{
		snprintf(where, sizeof where, "sets[%zu]", i);
		parse_set(&p, pf, &pf->sets[pf->nsets++], v, where, &ok);
		rule_profile *s = &pf->sets[pf->nsets - 1];
		for (size_t k = 0; k + 1 < pf->nsets && s->id; k++)
			if (pf->sets[k].id && strcmp(pf->sets[k].id, s->id) == 0) {
				bad(&p, where, "set %s is defined twice", s->id);
				ok = 0;
			}
		/* A set's rows are those whose id is the set's or starts with it + ".". */
		int has_row = 0;
		for (size_t k = 0; k < pf->nrows && s->id; k++) {
			const char *rid = pf->rows[k].id;
			size_t n = strlen(s->id);
			if (rid && strncmp(rid, s->id, n) == 0 && (rid[n] == '\0' || rid[n] == '.'))
				has_row = 1;
		}
		if (s->id != NULL && !has_row) {
			bad(&p, where, "set %s has no row of its own (a row \"%s\" or \"%s.*\")",
			    s->id, s->id, s->id);
			ok = 0;
		}
	}
done:
	if (p.oom) {
		err = Q_ERR_NOMEM;
		goto out;
	}
	if (!ok) {
		err = Q_ERR_FORMAT;
		goto out;
	}
	*out = pf;
	pf = NULL;
out:
	rule_file_free(pf);
	json_decref(root);
	return err;
}

/* ---- rulebooks ---- */

qerr rulebook_new(rulebook **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? Q_OK : Q_ERR_NOMEM;
}

void rulebook_free(rulebook *rb)
{
	if (rb == NULL)
		return;
	for (size_t i = 0; i < rb->n; i++)
		rule_file_free(rb->files[i]);
	free(rb->files);
	free(rb);
}

const rule_def *rule_find(const rulebook *rb, const char *id, const char *part)
{
	for (size_t k = 0; rb != NULL && k < rb->n; k++)
		for (size_t i = 0; i < rb->files[k]->nrows; i++) {
			const rule_def *d = &rb->files[k]->rows[i];
			if (strcmp(d->id, id) == 0 && strcmp(d->part, part) == 0)
				return d;
		}
	return NULL;
}

const rule_profile *rule_profile_find(const rulebook *rb, const char *id)
{
	for (size_t k = 0; rb != NULL && k < rb->n; k++)
		for (size_t i = 0; i < rb->files[k]->nsets; i++)
			if (strcmp(rb->files[k]->sets[i].id, id) == 0)
				return &rb->files[k]->sets[i];
	return NULL;
}

const rule_file *rulebook_file(const rulebook *rb, const char *id)
{
	for (size_t k = 0; rb != NULL && k < rb->n; k++)
		if (strcmp(rb->files[k]->id, id) == 0)
			return rb->files[k];
	return NULL;
}

const rule_file *rulebook_statute(const rulebook *rb)
{
	for (size_t k = 0; rb != NULL && k < rb->n; k++)
		if (rb->files[k]->layer == LAYER_STATUTE)
			return rb->files[k];
	return NULL;
}

/* Check a row that governs another (RP-3): its target is in a lower layer
 * of this rulebook (or of the profile being added) and compares the same
 * count with the same base. */
static int governs_ok(const rulebook *rb, const rule_file *pf, const rule_def *d, elec_findings *f)
{
	char id[160], *slash;
	snprintf(id, sizeof id, "%s", d->governs);
	slash = strchr(id, '/');
	*slash = '\0';
	const rule_def *t = rule_find(rb, id, slash + 1);
	if (t == NULL || t->file->layer >= pf->layer) {
		elec_findings_add(f, ELEC_ERROR, d->id, pf->id,
		                  "row %s/%s governs %s, which no lower layer of this "
		                  "election's profiles defines",
		                  d->id, d->part, d->governs);
		return 0;
	}
	if (!t->numeric || t->xkind != d->xkind || t->nkind != d->nkind) {
		elec_findings_add(f, ELEC_ERROR, d->id, pf->id,
		                  "row %s/%s governs %s but does not compare the same count "
		                  "with the same base (%s)",
		                  d->id, d->part, d->governs, t->test ? t->test : "no test");
		return 0;
	}
	return 1;
}

qerr rulebook_add(rulebook *rb, rule_file *pf, elec_findings *f)
{
	int ok = 1;
	if (rulebook_file(rb, pf->id) != NULL) {
		elec_findings_add(f, ELEC_ERROR, NULL, pf->id, "profile %s is given twice", pf->id);
		ok = 0;
	}
	if (pf->layer == LAYER_STATUTE && rulebook_statute(rb) != NULL) {
		elec_findings_add(f, ELEC_ERROR, NULL, pf->id,
		                  "a second statute profile (%s besides %s)", pf->id,
		                  rulebook_statute(rb)->id);
		ok = 0;
	}
	for (size_t i = 0; i < pf->nrows && ok; i++)
		if (rule_find(rb, pf->rows[i].id, pf->rows[i].part) != NULL) {
			elec_findings_add(
			    f, ELEC_ERROR, pf->rows[i].id, pf->id,
			    "row %s/%s is also defined by profile %s", pf->rows[i].id,
			    pf->rows[i].part,
			    rule_find(rb, pf->rows[i].id, pf->rows[i].part)->file->id);
			ok = 0;
		}
	for (size_t i = 0; i < pf->nsets && ok; i++)
		if (rule_profile_find(rb, pf->sets[i].id) != NULL) {
			elec_findings_add(f, ELEC_ERROR, pf->sets[i].id, pf->id,
			                  "rule set %s is also defined by profile %s",
			                  pf->sets[i].id,
			                  rule_profile_find(rb, pf->sets[i].id)->file->id);
			ok = 0;
		}
	for (size_t i = 0; i < pf->nrows && ok; i++)
		if (pf->rows[i].governs != NULL && !governs_ok(rb, pf, &pf->rows[i], f))
			ok = 0;
	if (!ok) {
		rule_file_free(pf);
		return Q_ERR_RULE;
	}
	rule_file **nv = realloc(rb->files, (rb->n + 1) * sizeof(*nv));
	if (nv == NULL) {
		rule_file_free(pf);
		return Q_ERR_NOMEM;
	}
	rb->files = nv;
	rb->files[rb->n++] = pf;
	return Q_OK;
}

/* The rows decide.c and manifest.c apply by name (RP-4). */
static const char *const engine_rows[][2] = {
    {"COUNT.reconcile", "reconcile"},
    {"UL18.contested", "contested"},
    {"UL19.valid.residents", "quorum"},
    {"UL19.valid.households", "quorum"},
    {"UL19.valid.representatives", "quorum"},
    {"UL19.elected", "elected"},
    {"UL19.tie", "tie"},
    {"UL19.runoff", "runoff"},
    {"UL20.propose", "registered"},
    {"UL20.propose", "households"},
    {"UL20.propose", "representatives"},
    {"UL20.quorum", "residents"},
    {"UL20.quorum", "households"},
    {"UL20.quorum", "representatives"},
    {"UL20.pass", "decision"},
    {"UL27", "quorum"},
    {"UL27", "quorum-households"},
    {"UL27", "decision"},
    {"UL28.composition", "composition"},
};

qerr rulebook_check_engine(const rulebook *rb, elec_findings *f)
{
	const rule_file *st = rulebook_statute(rb);
	int ok = 1;
	if (st == NULL) {
		elec_findings_add(f, ELEC_ERROR, NULL, "", "no statute profile");
		return Q_ERR_RULE;
	}
	for (size_t i = 0; i < sizeof(engine_rows) / sizeof(engine_rows[0]); i++) {
		const rule_def *d = rule_find(rb, engine_rows[i][0], engine_rows[i][1]);
		if (d == NULL || d->file != st || !d->numeric) {
			elec_findings_add(f, ELEC_ERROR, engine_rows[i][0], st->id,
			                  "the statute profile lacks the numeric row %s/%s that "
			                  "the rule engine applies (RP-4)",
			                  engine_rows[i][0], engine_rows[i][1]);
			ok = 0;
		}
	}
	return ok ? Q_OK : Q_ERR_RULE;
}

/* ---- the built-in profiles (rules/ folder, embedded by scripts/embed-rules) ---- */

extern const size_t quorum_rules_builtin_n;
extern const char *const quorum_rules_builtin_names[];
extern const unsigned char *const quorum_rules_builtin_bytes[];
extern const size_t quorum_rules_builtin_lens[];

void rulebook_builtin_files(size_t *n, const char *const **names,
                            const unsigned char *const **bytes, const size_t **lens)
{
	*n = quorum_rules_builtin_n;
	*names = quorum_rules_builtin_names;
	*bytes = quorum_rules_builtin_bytes;
	*lens = quorum_rules_builtin_lens;
}

const rulebook *rulebook_builtin(void)
{
	static rulebook *rb;
	if (rb != NULL)
		return rb;
	elec_findings f;
	elec_findings_init(&f);
	rulebook *nb;
	if (rulebook_new(&nb) != Q_OK)
		qfatal("rulebook_builtin: out of memory");
	/* the statute first, so that lower layers exist when higher ones are added */
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < quorum_rules_builtin_n; i++) {
			rule_file *pf;
			if (rule_file_parse(quorum_rules_builtin_bytes[i],
			                    quorum_rules_builtin_lens[i], &pf, &f) != Q_OK)
				qfatal("built-in profile %s does not parse: %s: %s",
				       quorum_rules_builtin_names[i], f.n ? f.v[0].where : "?",
				       f.n ? f.v[0].message : "?");
			if ((int)pf->layer != pass) {
				rule_file_free(pf);
				continue;
			}
			if (rulebook_add(nb, pf, &f) != Q_OK)
				qfatal("built-in profile %s refused: %s",
				       quorum_rules_builtin_names[i], f.n ? f.v[0].message : "?");
		}
	if (rulebook_check_engine(nb, &f) != Q_OK)
		qfatal("built-in profiles: %s", f.n ? f.v[0].message : "?");
	elec_findings_free(&f);
	rb = nb;
	return rb;
}

qerr rules_vote_mode_check(const char *kind, int named, elec_findings *f)
{
	if (named && kind != NULL &&
	    (strcmp(kind, "election") == 0 || strcmp(kind, "recall") == 0)) {
		elec_findings_add(f, ELEC_ERROR, "UL19.secret", "kind",
		                  "a %s is a secret ballot (无记名投票): a named vote is refused",
		                  kind);
		return Q_ERR_RULE;
	}
	return Q_OK;
}

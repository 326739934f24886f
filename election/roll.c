/* SPDX-License-Identifier: GPL-3.0-or-later */
/* roll.c -- see roll.h; CSV format in docs/spec/election.md E-4. */
#include "roll.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

#include "banned.h"

const char *roll_refusal_code(roll_refusal r)
{
	static const char *const n[] = {"ok",
	                                "not-registered",
	                                "deprived",
	                                "under-18",
	                                "wrong-station",
	                                "not-member",
	                                "proxy-not-allowed",
	                                "proxy-not-authorised",
	                                "proxy-candidate",
	                                "proxy-limit"};
	return (unsigned)r < sizeof(n) / sizeof(n[0]) ? n[r] : "?";
}

static void rec_free(roll_record *x)
{
	free(x->id);
	free(x->name);
	free(x->household);
	free(x->group);
	free(x->proxy);
}

void roll_free(elec_roll *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		rec_free(&r->v[i]);
	free(r->v);
	free(r->by_id);
	free(r);
}

static int cmp_rec(const void *a, const void *b)
{
	const roll_record *const *x = a, *const *y = b;
	return strcmp((*x)->id, (*y)->id);
}

const roll_record *roll_find(const elec_roll *r, const char *id)
{
	size_t lo = 0, hi = r->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(r->by_id[mid]->id, id);
		if (c == 0)
			return r->by_id[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

size_t roll_proxy_count(const elec_roll *r, const char *holder)
{
	const roll_record *h = roll_find(r, holder);
	return h ? h->nprincipals : 0;
}

/* ---- CSV ---- */

#define NFIELDS 6

/* Split one logical record starting at *pos into up to NFIELDS malloc'd
 * fields.  Quoted fields may hold commas, doubled quotes and newlines.
 * Returns the number of fields, -1 on a malformed quote, -2 on OOM.
 * *lines receives how many physical lines the record spanned. */
static int csv_record(const char *s, size_t len, size_t *pos, char **fld, size_t *lines)
{
	size_t i = *pos;
	int nf = 0, bad = 0;
	*lines = 1;
	for (;;) {
		/* the field's raw extent bounds its decoded length */
		size_t j = i;
		if (j < len && s[j] == '"') {
			for (j++; j < len; j++) {
				if (s[j] == '"' && j + 1 < len && s[j + 1] == '"')
					j++;
				else if (s[j] == '"')
					break;
			}
		} else {
			while (j < len && s[j] != ',' && s[j] != '\n' && s[j] != '\r')
				j++;
		}
		char *buf = malloc(j - i + 1);
		size_t bl = 0;
		if (buf == NULL)
			return -2;
		if (i < len && s[i] == '"') {
			i++;
			for (;;) {
				if (i >= len) {
					bad = 1;
					break;
				}
				if (s[i] == '"') {
					if (i + 1 < len && s[i + 1] == '"') {
						buf[bl++] = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				if (s[i] == '\n')
					(*lines)++;
				buf[bl++] = s[i++];
			}
			if (!bad && i < len && s[i] != ',' && s[i] != '\n' && s[i] != '\r')
				bad = 1;
		} else {
			while (i < len && s[i] != ',' && s[i] != '\n' && s[i] != '\r') {
				if (s[i] == '"')
					bad = 1;
				buf[bl++] = s[i++];
			}
		}
		buf[bl] = '\0';
		if (nf < NFIELDS)
			fld[nf] = buf;
		else
			free(buf);
		nf++;
		if (bad) {
			/* skip to the end of the physical line */
			while (i < len && s[i] != '\n')
				i++;
			if (i < len)
				i++;
			*pos = i;
			return -1;
		}
		if (i < len && s[i] == ',') {
			i++;
			continue;
		}
		if (i < len && s[i] == '\r')
			i++;
		if (i < len && s[i] == '\n')
			i++;
		*pos = i;
		return nf;
	}
}

static int valid_utf8_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (*p < 0x20)
			return 0;
		if (*p < 0x80) {
			p++;
			continue;
		}
		int n = (*p & 0xE0) == 0xC0   ? 1
		        : (*p & 0xF0) == 0xE0 ? 2
		        : (*p & 0xF8) == 0xF0 ? 3
		                              : -1;
		if (n < 0 || (*p == 0xC0 || *p == 0xC1))
			return 0;
		for (int k = 1; k <= n; k++)
			if ((p[k] & 0xC0) != 0x80)
				return 0;
		p += n + 1;
	}
	return 1;
}

static int parse_flags(char *s, roll_record *x, elec_findings *f, const char *where)
{
	int ok = 1;
	char *save = NULL;
	for (char *t = strtok_r(s, "; ", &save); t != NULL; t = strtok_r(NULL, "; ", &save)) {
		if (strcmp(t, "deprived") == 0)
			x->flags |= ROLL_DEPRIVED;
		else if (strcmp(t, "representative") == 0)
			x->flags |= ROLL_REPRESENTATIVE;
		else if (strcmp(t, "council") == 0)
			x->flags |= ROLL_COUNCIL;
		else if (strncmp(t, "proxy=", 6) == 0 && x->proxy == NULL &&
		         manifest_id_ok(t + 6)) {
			size_t n = strlen(t + 6) + 1;
			x->proxy = malloc(n);
			if (x->proxy == NULL)
				return -1;
			memcpy(x->proxy, t + 6, n);
		} else {
			elec_findings_add(
			    f, ELEC_ERROR, NULL, where,
			    _("unknown or repeated flag \"%s\" (deprived, representative, "
			      "council, proxy=<id>)"),
			    t);
			ok = 0;
		}
	}
	return ok;
}

qerr roll_import(const char *csv, size_t len, elec_roll **out, elec_findings *f)
{
	static const char *const names[NFIELDS] = {"id",        "name",  "birth_date",
	                                           "household", "group", "flags"};
	qerr err = Q_OK;
	elec_roll *r = NULL;
	size_t pos = 0, line = 1, cap = 0;
	char *fld[NFIELDS] = {0};
	char where[48];

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return Q_ERR_NOMEM;
	/* Header (E-4): exactly ROLL_HEADER, optionally after a UTF-8 BOM. */
	if (len >= 3 && memcmp(csv, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	size_t hl = strlen(ROLL_HEADER);
	if (len - pos < hl || memcmp(csv + pos, ROLL_HEADER, hl) != 0 ||
	    (len - pos > hl && csv[pos + hl] != '\n' && csv[pos + hl] != '\r')) {
		elec_findings_add(f, ELEC_ERROR, NULL, "line 1", _("the header must be \"%s\""),
		                  ROLL_HEADER);
		err = Q_ERR_FORMAT;
		goto out;
	}
	pos += hl;
	if (pos < len && csv[pos] == '\r')
		pos++;
	if (pos < len && csv[pos] == '\n')
		pos++;
	line = 2;
	while (pos < len) {
		size_t spanned = 1;
		if (csv[pos] == '\n' ||
		    (csv[pos] == '\r' && pos + 1 < len && csv[pos + 1] == '\n')) {
			/* blank line: allowed only at the end */
			size_t k = pos;
			while (k < len && (csv[k] == '\n' || csv[k] == '\r'))
				k++;
			if (k == len)
				break;
			snprintf(where, sizeof(where), "line %zu", line);
			elec_findings_add(f, ELEC_ERROR, NULL, where, _("blank line"));
			pos += csv[pos] == '\r' ? 2 : 1;
			line++;
			continue;
		}
		snprintf(where, sizeof(where), "line %zu", line);
		memset(fld, 0, sizeof(fld));
		int nf = csv_record(csv, len, &pos, fld, &spanned);
		if (nf == -2) {
			err = Q_ERR_NOMEM;
			goto out;
		}
		if (nf == -1) {
			elec_findings_add(f, ELEC_ERROR, NULL, where, _("malformed quoted field"));
		} else if (nf != NFIELDS) {
			elec_findings_add(f, ELEC_ERROR, NULL, where,
			                  _("%d fields; a row has 6 (%s)"), nf, ROLL_HEADER);
		} else {
			if (r->n >= ROLL_MAX_ROWS) {
				elec_findings_add(f, ELEC_ERROR, NULL, where,
				                  _("more than %u rows"), ROLL_MAX_ROWS);
				err = Q_ERR_LIMIT;
				goto out;
			}
			if (r->n == cap) {
				size_t nc = cap ? cap * 2 : 64;
				roll_record *nv = realloc(r->v, nc * sizeof(*nv));
				if (nv == NULL) {
					err = Q_ERR_NOMEM;
					goto out;
				}
				r->v = nv;
				cap = nc;
			}
			roll_record *x = &r->v[r->n++];
			memset(x, 0, sizeof(*x));
			x->line = line;
			int ok = 1;
			if (!manifest_id_ok(fld[0])) {
				elec_findings_add(f, ELEC_ERROR, NULL, where,
				                  _("id \"%s\" must be 1-64 characters of A-Z a-z "
				                    "0-9 . _ -"),
				                  fld[0]);
				ok = 0;
			}
			for (int k = 1; k < NFIELDS; k++) {
				if (k == 2 || k == 5)
					continue;
				if (fld[k][0] == '\0' || !valid_utf8_text(fld[k])) {
					elec_findings_add(
					    f, ELEC_ERROR, NULL, where,
					    _("%s must be non-empty UTF-8 text without "
					      "control characters"),
					    names[k]);
					ok = 0;
				}
			}
			if (!manifest_id_ok(fld[4]) && fld[4][0] != '\0') {
				elec_findings_add(
				    f, ELEC_ERROR, NULL, where,
				    _("group \"%s\" must be an id (A-Z a-z 0-9 . _ -)"), fld[4]);
				ok = 0;
			}
			if (elec_date_parse(fld[2], &x->birth) != Q_OK) {
				elec_findings_add(
				    f, ELEC_ERROR, NULL, where,
				    _("birth_date \"%s\" is not a valid YYYY-MM-DD date"), fld[2]);
				ok = 0;
			}
			int pf = parse_flags(fld[5], x, f, where);
			if (pf < 0) {
				err = Q_ERR_NOMEM;
				goto out;
			}
			(void)ok;
			x->id = fld[0];
			x->name = fld[1];
			x->household = fld[3];
			x->group = fld[4];
			fld[0] = fld[1] = fld[3] = fld[4] = NULL;
		}
		for (int k = 0; k < NFIELDS; k++) {
			free(fld[k]);
			fld[k] = NULL;
		}
		line += spanned;
	}
	if (r->n == 0)
		elec_findings_add(f, ELEC_ERROR, NULL, "line 2", _("the roll has no voters"));
	/* Cross-row checks: unique ids, proxies (UL19.proxy). */
	r->by_id = malloc((r->n ? r->n : 1) * sizeof(*r->by_id));
	if (r->by_id == NULL) {
		err = Q_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < r->n; i++)
		r->by_id[i] = &r->v[i];
	qsort(r->by_id, r->n, sizeof(*r->by_id), cmp_rec);
	for (size_t i = 1; i < r->n; i++)
		if (strcmp(r->by_id[i]->id, r->by_id[i - 1]->id) == 0) {
			snprintf(where, sizeof(where), "line %zu", r->by_id[i]->line);
			elec_findings_add(f, ELEC_ERROR, NULL, where,
			                  _("duplicate id \"%s\" (also on line %zu)"),
			                  r->by_id[i]->id, r->by_id[i - 1]->line);
		}
	for (size_t i = 0; i < r->n; i++) {
		roll_record *h = r->v[i].proxy ? (roll_record *)roll_find(r, r->v[i].proxy) : NULL;
		if (h != NULL)
			h->nprincipals++;
	}
	for (size_t i = 0; i < r->n; i++) {
		const roll_record *x = &r->v[i];
		if (x->proxy == NULL)
			continue;
		snprintf(where, sizeof(where), "line %zu", x->line);
		const roll_record *h = roll_find(r, x->proxy);
		if (h == NULL) {
			elec_findings_add(f, ELEC_ERROR, "UL19.proxy", where,
			                  _("proxy \"%s\" is not a voter on this roll"), x->proxy);
			continue;
		}
		if (h == x) {
			elec_findings_add(f, ELEC_ERROR, "UL19.proxy", where,
			                  _("a voter cannot be their own proxy"));
			continue;
		}
		if (h->flags & ROLL_DEPRIVED)
			elec_findings_add(f, ELEC_ERROR, "UL19.proxy", where,
			                  _("proxy \"%s\" is deprived of political rights"),
			                  x->proxy);
		if (h->proxy != NULL)
			elec_findings_add(f, ELEC_ERROR, "UL19.proxy", where,
			                  _("proxy \"%s\" has given their own vote to a proxy"),
			                  x->proxy);
	}
	if (f->oom) {
		err = Q_ERR_NOMEM;
		goto out;
	}
	if (elec_findings_errors(f) > 0) {
		err = Q_ERR_FORMAT;
		goto out;
	}
	*out = r;
	r = NULL;
out:
	for (int k = 0; k < NFIELDS; k++)
		free(fld[k]);
	roll_free(r);
	return err;
}

/* ---- eligibility ---- */

/* UL16: the part of the check-in's test that does not depend on the station
 * or a proxy */
static int ul16_eligible(const roll_record *x, elec_date polling_day)
{
	return !(x->flags & ROLL_DEPRIVED) && elec_date_age_at_least(x->birth, polling_day, 18);
}

size_t roll_count_registered(const elec_roll *r, elec_date polling_day, const char *const *groups,
                             size_t ngroups)
{
	size_t n = 0;
	for (size_t i = 0; r != NULL && i < r->n; i++) {
		int in = groups == NULL;
		for (size_t g = 0; g < ngroups && !in; g++)
			in = strcmp(groups[g], r->v[i].group) == 0;
		if (in && ul16_eligible(&r->v[i], polling_day))
			n++;
	}
	return n;
}

__attribute__((format(printf, 5, 6))) static qerr
refuse(roll_refusal *why, roll_refusal code, char *msg, size_t msglen, const char *fmt, ...)
{
	*why = code;
	if (msg != NULL && msglen > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return Q_ERR_DENIED;
}

static int is_candidate(const roll_context *ctx, const char *id)
{
	for (size_t i = 0; i < ctx->ncandidates; i++)
		if (strcmp(ctx->candidates[i], id) == 0)
			return 1;
	return 0;
}

qerr roll_check_eligible(const elec_roll *r, const char *voter_id, const char *proxy_holder,
                         const roll_context *ctx, roll_refusal *why, char *msg, size_t msglen)
{
	if (r == NULL || voter_id == NULL || ctx == NULL || why == NULL)
		return Q_ERR_ARG;
	*why = ELIG_OK;
	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	const roll_record *x = roll_find(r, voter_id);
	if (x == NULL)
		return refuse(why, ELIG_NOT_REGISTERED, msg, msglen,
		              "UL16.eligible: \"%s\" is not on this community's roll", voter_id);
	if (x->flags & ROLL_DEPRIVED)
		return refuse(why, ELIG_DEPRIVED, msg, msglen,
		              "UL16.eligible: \"%s\" is deprived of political rights", voter_id);
	if (!elec_date_age_at_least(x->birth, ctx->polling_day, 18))
		return refuse(why, ELIG_UNDER_18, msg, msglen,
		              "UL16.eligible: \"%s\" is not 18 on polling day", voter_id);
	int served = 0;
	for (size_t i = 0; i < ctx->ngroups; i++)
		if (strcmp(ctx->groups[i], x->group) == 0)
			served = 1;
	if (!served)
		return refuse(why, ELIG_WRONG_STATION, msg, msglen,
		              "residents' group \"%s\" is not served by this station", x->group);
	if ((ctx->mode == MODE_REPRESENTATIVES || ctx->mode == MODE_ASSEMBLY) &&
	    !(x->flags & ROLL_REPRESENTATIVE))
		return refuse(why, ELIG_NOT_MEMBER, msg, msglen,
		              "\"%s\" is not a representative of this body", voter_id);
	if (ctx->mode == MODE_COUNCIL && !(x->flags & ROLL_COUNCIL))
		return refuse(why, ELIG_NOT_MEMBER, msg, msglen,
		              "\"%s\" is not a member of the deliberation council", voter_id);
	if (proxy_holder == NULL)
		return Q_OK;
	/* RP-6: only where the election's profiles have the row */
	if (ctx->proxy_mode_row != NULL && ctx->mode != MODE_RESIDENTS &&
	    ctx->mode != MODE_HOUSEHOLDS)
		return refuse(why, ELIG_PROXY_NOT_ALLOWED, msg, msglen,
		              "%s: no proxy voting in %s mode", ctx->proxy_mode_row->id,
		              manifest_mode_name(ctx->mode));
	if (x->proxy == NULL || strcmp(x->proxy, proxy_holder) != 0)
		return refuse(why, ELIG_PROXY_NOT_AUTHORISED, msg, msglen,
		              "UL19.proxy: \"%s\" holds no written proxy for this voter",
		              proxy_holder);
	if (ctx->proxy_candidate_row != NULL && is_candidate(ctx, proxy_holder))
		return refuse(why, ELIG_PROXY_CANDIDATE, msg, msglen,
		              "%s: candidate \"%s\" may not act as a proxy",
		              ctx->proxy_candidate_row->id, proxy_holder);
	const roll_record *h = roll_find(r, proxy_holder);
	if (h == NULL || (h->flags & ROLL_DEPRIVED) ||
	    !elec_date_age_at_least(h->birth, ctx->polling_day, 18))
		return refuse(why, ELIG_PROXY_NOT_AUTHORISED, msg, msglen,
		              "UL19.proxy: proxy \"%s\" is not an eligible voter of the community",
		              proxy_holder);
	size_t lim = ctx->max_proxies ? ctx->max_proxies : ROLL_MAX_PROXIES;
	size_t held = roll_proxy_count(r, proxy_holder);
	if (held > lim)
		return refuse(why, ELIG_PROXY_LIMIT, msg, msglen,
		              "UL19.proxy: \"%s\" holds %zu proxies; at most %zu (%zu <= %zu "
		              "fails)",
		              proxy_holder, held, lim, held, lim);
	return Q_OK;
}

size_t roll_proxy_limit(const elec_manifest *m, const rule_def **row)
{
	const rule_def *best = manifest_limit_row(m, "proxy-limit", MANIFEST_LIMIT_SMALLEST);
	if (row != NULL)
		*row = best;
	return best != NULL ? best->limit : ROLL_MAX_PROXIES;
}

void roll_proxy_rules(const elec_manifest *m, roll_context *ctx)
{
	ctx->max_proxies = roll_proxy_limit(m, NULL);
	ctx->proxy_candidate_row = manifest_profile_row(m, "proxy-candidate");
	ctx->proxy_mode_row = manifest_profile_row(m, "proxy-mode");
}

qerr roll_check_manifest(const elec_roll *r, const elec_manifest *m, elec_findings *f)
{
	const rule_def *crow = manifest_profile_row(m, "proxy-candidate");
	const rule_def *mrow = manifest_profile_row(m, "proxy-mode");
	char where[96];
	size_t proxies = 0;
	const rule_def *lrow = NULL;
	size_t lim = roll_proxy_limit(m, &lrow);
	for (size_t i = 0; i < r->n; i++) {
		const roll_record *h = &r->v[i];
		if (h->nprincipals <= lim)
			continue;
		snprintf(where, sizeof(where), "line %zu", h->line);
		elec_findings_add(f, ELEC_ERROR, lrow != NULL ? lrow->id : "UL19.proxy", where,
		                  "proxy \"%s\" holds %zu proxies; at most %zu (%zu <= %zu fails)",
		                  h->id, h->nprincipals, lim, h->nprincipals, lim);
	}
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].proxy != NULL)
			proxies++;
	if (mrow != NULL && proxies > 0 && m->mode != MODE_RESIDENTS && m->mode != MODE_HOUSEHOLDS)
		elec_findings_add(
		    f, ELEC_ERROR, mrow->id, "roll",
		    _("%zu proxies on the roll, but there is no proxy voting in %s mode"), proxies,
		    manifest_mode_name(m->mode));
	for (size_t ci = 0; ci < m->ncontests; ci++) {
		const elec_contest *c = &m->contests[ci];
		for (size_t k = 0; k < c->ncands; k++) {
			const elec_candidate *cd = &c->cands[k];
			snprintf(where, sizeof(where), "contests[%zu].candidates[%zu]", ci, k);
			const roll_record *x = roll_find(r, cd->voter);
			if (x == NULL) {
				elec_findings_add(
				    f, ELEC_ERROR, "UL16.eligible", where,
				    _("candidate \"%s\" (voter \"%s\") is not on the roll"), cd->id,
				    cd->voter);
				continue;
			}
			if (x->flags & ROLL_DEPRIVED)
				elec_findings_add(
				    f, ELEC_ERROR, "UL16.eligible", where,
				    _("candidate \"%s\" is deprived of political rights"), cd->id);
			if (!elec_date_age_at_least(x->birth, m->polling_day, 18))
				elec_findings_add(f, ELEC_ERROR, "UL16.eligible", where,
				                  _("candidate \"%s\" is not 18 on polling day"),
				                  cd->id);
			if (crow != NULL && roll_proxy_count(r, cd->voter) > 0)
				elec_findings_add(
				    f, ELEC_ERROR, crow->id, where,
				    _("candidate \"%s\" holds proxies; candidates may not "
				      "be proxies"),
				    cd->id);
		}
	}
	const char *unserved[16];
	size_t nunserved = 0;
	for (size_t i = 0; i < r->n; i++) {
		int served = 0;
		for (size_t s = 0; s < m->nstations && !served; s++)
			for (size_t g = 0; g < m->stations[s].ngroups; g++)
				if (strcmp(m->stations[s].groups[g], r->v[i].group) == 0)
					served = 1;
		for (size_t k = 0; k < nunserved && !served; k++)
			if (strcmp(unserved[k], r->v[i].group) == 0)
				served = 1; /* already reported: once per group */
		if (!served && nunserved < 16)
			unserved[nunserved++] = r->v[i].group;
		if (!served) {
			snprintf(where, sizeof(where), "roll line %zu", r->v[i].line);
			elec_findings_add(
			    f, ELEC_ERROR, NULL, where,
			    _("residents' group \"%s\" is served by no station: add it "
			      "to a station's \"groups\" in the manifest, or correct "
			      "this row's group"),
			    r->v[i].group);
		}
	}
	/* E-4.3: registered is derived from the roll; a typed one must agree */
	size_t reg = roll_count_registered(r, m->polling_day, NULL, 0);
	if (m->registered != 0 && m->registered != reg)
		elec_findings_add(
		    f, ELEC_ERROR, "UL16.eligible", "body.registered",
		    _("body.registered is %llu but the roll has %zu registered voters (%zu rows, "
		      "less minors on polling day and those deprived of political rights): "
		      "remove body.registered from the manifest (init derives it from the "
		      "roll) or correct it"),
		    (unsigned long long)m->registered, reg, r->n);
	/* UL20.propose against the derived number, where the manifest left
	 * it to the roll (manifest.c checks a typed one) */
	for (size_t ci = 0; m->registered == 0 && ci < m->ncontests; ci++) {
		const elec_contest *c = &m->contests[ci];
		const rule_def *d = NULL;
		int ul20 = 0;
		uint64_t l, rr;
		for (size_t k = 0; k < c->nrules; k++)
			ul20 |= strcmp(c->rules[k], "UL20") == 0;
		if (c->type != CONTEST_RECALL || c->signature_base != BASE_REGISTERED || !ul20)
			continue;
		for (size_t i = 0; i < m->nprofiles && d == NULL; i++)
			for (size_t k = 0; k < m->profiles[i]->nrows && d == NULL; k++)
				if (strcmp(m->profiles[i]->rows[k].id, "UL20.propose") == 0 &&
				    strcmp(m->profiles[i]->rows[k].part, "registered") == 0)
					d = &m->profiles[i]->rows[k];
		if (d == NULL)
			continue;
		int ok = rule_cmp(d->op, c->signatures, d->num, d->den, reg, &l, &rr);
		snprintf(where, sizeof(where), "contests[%zu]", ci);
		if (reg == 0 || !ok)
			elec_findings_add(
			    f, ELEC_ERROR, "UL20.propose", where,
			    _("%llu signatures do not reach %s (%llu %s %llu fails%s)"),
			    (unsigned long long)c->signatures, d->test, (unsigned long long)l,
			    rule_op_symbol(d->op), (unsigned long long)rr,
			    reg == 0 ? "; base of 0" : "");
	}
	if (m->mode == MODE_RESIDENTS && reg == 0)
		elec_findings_add(f, ELEC_ERROR, "UL16.eligible", "roll",
		                  _("no voter on the roll is eligible on polling day (18 or "
		                    "older, not deprived of political rights): residents mode "
		                    "needs registered voters"));
	return elec_findings_status(f, Q_ERR_RULE);
}

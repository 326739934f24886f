/* SPDX-License-Identifier: GPL-3.0-or-later */
/* manifest.c -- parse and validate a manifest (docs/spec/election.md E-2). */
#include "manifest.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

#include "banned.h"

const char *manifest_kind_name(elec_kind k)
{
	static const char *n[] = {"election", "recall", "motion", "evaluation", "petition"};
	return (unsigned)k < 5 ? n[k] : "?";
}

const char *manifest_mode_name(elec_mode m)
{
	static const char *n[] = {"residents", "households", "representatives", "assembly",
	                          "council"};
	return (unsigned)m < 5 ? n[m] : "?";
}

const char *manifest_contest_type_name(elec_contest_type t)
{
	static const char *n[] = {"office", "motion", "recall", "evaluation", "petition"};
	return (unsigned)t < 5 ? n[t] : "?";
}

static int name_index(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

int manifest_id_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > MANIFEST_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static char *xdup(const char *s, int *oom)
{
	if (s == NULL)
		return NULL;
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p == NULL) {
		*oom = 1;
		return NULL;
	}
	memcpy(p, s, n);
	return p;
}

/* ---- field readers: each records a finding on a problem ---- */

typedef struct pctx {
	elec_findings *f;
	int oom;
	const rulebook *rb;
} pctx;

static const char *get_str(pctx *p, json_t *obj, const char *key, const char *path, int required)
{
	json_t *v = json_object_get(obj, key);
	if (v == NULL || json_is_null(v)) {
		if (required)
			elec_findings_add(p->f, ELEC_ERROR, NULL, path, _("%s is missing"), key);
		return NULL;
	}
	if (!json_is_string(v)) {
		elec_findings_add(p->f, ELEC_ERROR, NULL, path, _("%s must be a string"), key);
		return NULL;
	}
	if (required && json_string_length(v) == 0) {
		elec_findings_add(p->f, ELEC_ERROR, NULL, path, _("%s must not be empty"), key);
		return NULL;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		elec_findings_add(p->f, ELEC_ERROR, NULL, path, _("%s contains a NUL byte"), key);
		return NULL;
	}
	return json_string_value(v);
}

/* 1 if present and valid (stored in *out); 0 otherwise (finding if bad). */
static int get_uint(pctx *p, json_t *obj, const char *key, const char *path, int required,
                    uint64_t *out)
{
	json_t *v = json_object_get(obj, key);
	*out = 0;
	if (v == NULL || json_is_null(v)) {
		if (required)
			elec_findings_add(p->f, ELEC_ERROR, NULL, path, _("%s is missing"), key);
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > RULE_MAX_COUNT) {
		elec_findings_add(p->f, ELEC_ERROR, NULL, path,
		                  _("%s must be an integer from 0 to 2^53-1"), key);
		return 0;
	}
	*out = (uint64_t)json_integer_value(v);
	return 1;
}

static int get_date(pctx *p, json_t *obj, const char *key, const char *path, int required,
                    elec_date *out)
{
	memset(out, 0, sizeof(*out));
	const char *s = get_str(p, obj, key, path, required);
	if (s == NULL)
		return 0;
	if (elec_date_parse(s, out) != Q_OK) {
		elec_findings_add(p->f, ELEC_ERROR, NULL, path,
		                  _("%s: \"%s\" is not a valid YYYY-MM-DD date"), key, s);
		return 0;
	}
	return 1;
}

static const char *get_id(pctx *p, json_t *obj, const char *key, const char *path)
{
	const char *s = get_str(p, obj, key, path, 1);
	if (s != NULL && !manifest_id_ok(s)) {
		elec_findings_add(p->f, ELEC_ERROR, NULL, path,
		                  _("%s \"%s\" must be 1-64 characters of A-Z a-z 0-9 . _ -"), key,
		                  s);
		return NULL;
	}
	return s;
}

static void get_title(pctx *p, json_t *obj, const char *path, char **zh, char **en)
{
	char sub[160];
	json_t *t = json_object_get(obj, "title");
	if (!json_is_object(t)) {
		elec_findings_add(p->f, ELEC_ERROR, NULL, path,
		                  _("title must be an object with \"zh\" and \"en\""));
		return;
	}
	snprintf(sub, sizeof(sub), "%s.title", path);
	*zh = xdup(get_str(p, t, "zh", sub, 1), &p->oom);
	*en = xdup(get_str(p, t, "en", sub, 1), &p->oom);
}

/* ---- freeing ---- */

static void free_strv(char **v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void contest_free(elec_contest *c)
{
	free(c->id);
	free(c->title_zh);
	free(c->title_en);
	free_strv(c->rules, c->nrules);
	for (size_t i = 0; i < c->ncands; i++) {
		free(c->cands[i].id);
		free(c->cands[i].voter);
		free(c->cands[i].name);
	}
	free(c->cands);
	free(c->text);
	free(c->member_id);
	free(c->member_name);
	free(c->defence);
	for (size_t i = 0; i < c->nmembers; i++) {
		free(c->members[i].id);
		free(c->members[i].name);
	}
	free(c->members);
	free(c->convenes);
	free_strv(c->options, c->noptions);
	free(c->option_group);
}

void manifest_free(elec_manifest *m)
{
	if (m == NULL)
		return;
	free(m->bytes);
	free(m->id);
	free(m->title_zh);
	free(m->title_en);
	free(m->charter);
	free(m->province);
	free(m->profiles);
	for (size_t i = 0; i < m->ncommittee; i++) {
		free(m->committee[i].name);
		free(m->committee[i].voter);
		free_strv(m->committee[i].relatives, m->committee[i].nrelatives);
	}
	free(m->committee);
	for (size_t i = 0; i < m->nstations; i++) {
		free(m->stations[i].id);
		free(m->stations[i].name);
		free_strv(m->stations[i].groups, m->stations[i].ngroups);
	}
	free(m->stations);
	free(m->notice_exception);
	free_strv(m->runoff_withdrawn, m->runoff_nwithdrawn);
	free_strv(m->runoff_withdrawn_reason, m->runoff_nwithdrawn);
	for (size_t i = 0; i < m->ncontests; i++)
		contest_free(&m->contests[i]);
	free(m->contests);
	free(m);
}

const elec_contest *manifest_contest(const elec_manifest *m, const char *id)
{
	for (size_t i = 0; i < m->ncontests; i++)
		if (m->contests[i].id != NULL && strcmp(m->contests[i].id, id) == 0)
			return &m->contests[i];
	return NULL;
}

const elec_station *manifest_station(const elec_manifest *m, const char *id)
{
	for (size_t i = 0; i < m->nstations; i++)
		if (m->stations[i].id != NULL && strcmp(m->stations[i].id, id) == 0)
			return &m->stations[i];
	return NULL;
}

void manifest_contest_options(const elec_contest *c, char *const **ids, size_t *n,
                              unsigned *min_sel, unsigned *max_sel)
{
	*ids = c->options;
	*n = c->noptions;
	*min_sel = c->min_sel;
	*max_sel = c->max_sel;
}

/* ---- options (E-3) ---- */

static int add_option(elec_contest *c, const char *a, const char *b, unsigned group)
{
	size_t len = strlen(a) + (b ? strlen(b) + 1 : 0) + 1;
	char *s = malloc(len);
	if (s == NULL)
		return 0;
	if (b)
		snprintf(s, len, "%s/%s", a, b);
	else
		snprintf(s, len, "%s", a);
	char **nv = realloc(c->options, (c->noptions + 1) * sizeof(*nv));
	unsigned *ng = NULL;
	if (nv != NULL)
		c->options = nv;
	if (nv != NULL)
		ng = realloc(c->option_group, (c->noptions + 1) * sizeof(*ng));
	if (ng == NULL) {
		free(s);
		return 0;
	}
	c->option_group = ng;
	c->options[c->noptions] = s;
	c->option_group[c->noptions] = group;
	c->noptions++;
	return 1;
}

static int build_options(elec_contest *c)
{
	static const char *const yna[] = {"yes", "no", "abstain"};
	static const char *const eval[] = {"satisfied", "basic", "dissatisfied"};
	static const char *const pet[] = {"adults", "households", "representatives", "groups"};
	switch (c->type) {
	case CONTEST_OFFICE:
		for (size_t i = 0; i < c->ncands; i++)
			if (!add_option(c, c->cands[i].id, NULL, 0))
				return 0;
		c->min_sel = 0;
		c->max_sel = c->seats;
		return 1;
	case CONTEST_MOTION:
	case CONTEST_RECALL:
		for (int i = 0; i < 3; i++)
			if (!add_option(c, yna[i], NULL, 0))
				return 0;
		c->min_sel = 0;
		c->max_sel = c->named ? 0 : 1; /* a named vote is not balloted (E-2.1) */
		return 1;
	case CONTEST_EVALUATION:
		for (size_t m = 0; m < c->nmembers; m++)
			for (int i = 0; i < 3; i++)
				if (!add_option(c, c->members[m].id, eval[i], (unsigned)m))
					return 0;
		c->min_sel = 0;
		c->max_sel = (unsigned)c->nmembers;
		return 1;
	case CONTEST_PETITION:
		for (int i = 0; i < 4; i++)
			if (!add_option(c, pet[i], NULL, 0))
				return 0;
		c->min_sel = 0;
		c->max_sel = 0;
		return 1;
	}
	return 0;
}

/* ---- contests ---- */

static int has_rule(const elec_contest *c, const char *id)
{
	for (size_t i = 0; i < c->nrules; i++)
		if (c->rules[i] != NULL && strcmp(c->rules[i], id) == 0)
			return 1;
	return 0;
}

static unsigned type_mask(elec_contest_type t)
{
	switch (t) {
	case CONTEST_OFFICE:
		return RULE_FOR_OFFICE;
	case CONTEST_MOTION:
		return RULE_FOR_MOTION;
	case CONTEST_RECALL:
		return RULE_FOR_RECALL;
	case CONTEST_EVALUATION:
		return RULE_FOR_EVALUATION;
	case CONTEST_PETITION:
		return RULE_FOR_PETITION;
	}
	return 0;
}

static uint64_t body_base(const elec_manifest *m, rule_base b)
{
	switch (b) {
	case BASE_REGISTERED:
		return m->registered;
	case BASE_HOUSEHOLDS:
		return m->households;
	case BASE_MEMBERS:
		return m->members;
	case BASE_REPRESENTATIVES:
		return m->representatives;
	case BASE_GROUPS:
		return m->groups;
	default:
		return 0;
	}
}

static void parse_rules(pctx *p, elec_manifest *m, elec_contest *c, json_t *jc, const char *path)
{
	char where[160];
	json_t *jr = json_object_get(jc, "rules");
	snprintf(where, sizeof(where), "%s.rules", path);
	if (!json_is_array(jr) || json_array_size(jr) == 0) {
		elec_findings_add(p->f, ELEC_ERROR, NULL, where,
		                  _("rules must be a non-empty array of rule profile IDs"));
		return;
	}
	c->rules = calloc(json_array_size(jr), sizeof(char *));
	if (c->rules == NULL) {
		p->oom = 1;
		return;
	}
	size_t i;
	json_t *v;
	json_array_foreach(jr, i, v)
	{
		snprintf(where, sizeof(where), "%s.rules[%zu]", path, i);
		if (!json_is_string(v)) {
			elec_findings_add(p->f, ELEC_ERROR, NULL, where, _("must be a string"));
			continue;
		}
		const char *id = json_string_value(v);
		const rule_profile *rp = rule_profile_find(p->rb, id);
		if (rp == NULL) {
			elec_findings_add(p->f, ELEC_ERROR, NULL, where,
			                  _("unknown rule set \"%s\""), id);
			continue;
		}
		if (has_rule(c, id)) {
			elec_findings_add(p->f, ELEC_ERROR, NULL, where,
			                  _("rule set \"%s\" is listed twice"), id);
			continue;
		}
		if (!(rp->applies_to & type_mask(c->type))) {
			elec_findings_add(p->f, ELEC_ERROR, NULL, where,
			                  _("rule set \"%s\" does not govern a %s contest"), id,
			                  manifest_contest_type_name(c->type));
			continue;
		}
		if (m->charter != NULL && rp->file->layer == LAYER_CHARTER &&
		    strcmp(rp->rule_set, m->charter) != 0)
			elec_findings_add(p->f, ELEC_WARNING, NULL, where,
			                  _("rule set \"%s\" is from charter %s but the manifest's "
			                    "charter is %s"),
			                  id, rp->rule_set, m->charter);
		c->rules[c->nrules++] = xdup(id, &p->oom);
	}
	if (has_rule(c, "CH5.9") && !has_rule(c, "UL27"))
		elec_findings_add(p->f, ELEC_ERROR, "CH5.9", path,
		                  _("CH5.9 has no quorum of its own: list UL27 with it"));
}

/* Check that the body mode suits the profiles a contest names. */
static void check_mode(pctx *p, const elec_manifest *m, const elec_contest *c, const char *path)
{
	int resid = m->mode == MODE_RESIDENTS || m->mode == MODE_HOUSEHOLDS;
	for (size_t i = 0; i < c->nrules; i++) {
		const char *r = c->rules[i];
		const char *need = NULL;
		if (r == NULL)
			continue;
		if ((strcmp(r, "UL27") == 0 || strcmp(r, "CH5.9") == 0) && !resid)
			need = "residents or households";
		else if (strcmp(r, "UL29") == 0 && m->mode != MODE_REPRESENTATIVES &&
		         m->mode != MODE_ASSEMBLY)
			need = "representatives or assembly";
		else if ((strcmp(r, "CH4.12") == 0 || strcmp(r, "CH4.9") == 0) &&
		         m->mode != MODE_ASSEMBLY && m->mode != MODE_REPRESENTATIVES)
			need = "assembly or representatives";
		else if (strcmp(r, "CH5.28") == 0 && m->mode != MODE_COUNCIL)
			need = "council";
		else if (strcmp(r, "UL19") == 0 && m->mode == MODE_COUNCIL)
			need = "residents, households, representatives or assembly";
		if (need != NULL)
			elec_findings_add(p->f, ELEC_ERROR, r, path,
			                  _("rule set %s needs body.mode %s, not %s"), r, need,
			                  manifest_mode_name(m->mode));
	}
}

static void parse_office(pctx *p, elec_manifest *m, elec_contest *c, json_t *jc, const char *path)
{
	char where[200];
	uint64_t seats = 0;
	(void)m;
	if (get_uint(p, jc, "seats", path, 1, &seats)) {
		if (seats == 0)
			elec_findings_add(p->f, ELEC_ERROR, NULL, path,
			                  _("seats must be at least 1"));
		else if (seats > 1000)
			elec_findings_add(p->f, ELEC_ERROR, NULL, path,
			                  _("seats must be at most 1000"));
		else
			c->seats = (uint32_t)seats;
	}
	json_t *jcs = json_object_get(jc, "candidates");
	if (!json_is_array(jcs) || json_array_size(jcs) == 0) {
		elec_findings_add(p->f, ELEC_ERROR, NULL, path,
		                  _("candidates must be a non-empty array"));
		return;
	}
	c->cands = calloc(json_array_size(jcs), sizeof(*c->cands));
	if (c->cands == NULL) {
		p->oom = 1;
		return;
	}
	size_t i;
	json_t *v;
	json_array_foreach(jcs, i, v)
	{
		snprintf(where, sizeof(where), "%s.candidates[%zu]", path, i);
		if (!json_is_object(v)) {
			elec_findings_add(p->f, ELEC_ERROR, NULL, where, _("must be an object"));
			continue;
		}
		elec_candidate *cd = &c->cands[c->ncands++];
		cd->id = xdup(get_id(p, v, "id", where), &p->oom);
		cd->voter = xdup(get_id(p, v, "voter", where), &p->oom);
		cd->name = xdup(get_str(p, v, "name", where, 1), &p->oom);
		for (size_t k = 0; k + 1 < c->ncands; k++) {
			if (cd->id && c->cands[k].id && strcmp(cd->id, c->cands[k].id) == 0)
				elec_findings_add(p->f, ELEC_ERROR, NULL, where,
				                  _("duplicate candidate id \"%s\""), cd->id);
			if (cd->voter && c->cands[k].voter &&
			    strcmp(cd->voter, c->cands[k].voter) == 0)
				elec_findings_add(p->f, ELEC_ERROR, NULL, where,
				                  _("voter \"%s\" is a candidate twice"),
				                  cd->voter);
		}
		/* UL18.nomination */
		json_t *jn = json_object_get(v, "nomination");
		const char *by = json_is_object(jn) ? get_str(p, jn, "by", where, 0) : NULL;
		if (by != NULL && strcmp(by, "party") == 0) {
			cd->by_party = 1;
		} else if (by != NULL && strcmp(by, "voters") == 0) {
			get_uint(p, jn, "count", where, 1, &cd->nominators);
			if (cd->nominators < 10)
				elec_findings_add(p->f, ELEC_ERROR, "UL18.nomination", where,
				                  _("nominated by %llu voters; at least 10 must "
				                    "nominate jointly (10 <= %llu fails)"),
				                  (unsigned long long)cd->nominators,
				                  (unsigned long long)cd->nominators);
		} else {
			elec_findings_add(p->f, ELEC_ERROR, "UL18.nomination", where,
			                  _("nomination must be {\"by\": \"party\"} or {\"by\": "
			                    "\"voters\", \"count\": N} with N >= 10"));
		}
	}
	/* UL18.contested: 差额 */
	if (c->seats > 0 && c->ncands <= c->seats)
		elec_findings_add(
		    p->f, ELEC_ERROR, "UL18.contested", path,
		    _("%zu candidates for %u seats: there must be more candidates than "
		      "seats (%zu > %u fails)%s"),
		    c->ncands, c->seats, c->ncands, c->seats,
		    c->ncands < c->seats ? "; more seats than candidates" : "");
}

static void parse_recall(pctx *p, elec_manifest *m, elec_contest *c, json_t *jc, const char *path,
                         int have_poll)
{
	char where[200];
	json_t *jm = json_object_get(jc, "member");
	snprintf(where, sizeof(where), "%s.member", path);
	if (!json_is_object(jm)) {
		elec_findings_add(p->f, ELEC_ERROR, NULL, path,
		                  _("member must be an object with id and name"));
	} else {
		c->member_id = xdup(get_id(p, jm, "id", where), &p->oom);
		c->member_name = xdup(get_str(p, jm, "name", where, 1), &p->oom);
	}
	/* UL20.defence */
	const char *def = get_str(p, jc, "defence", path, 0);
	if (def == NULL || def[0] == '\0')
		elec_findings_add(p->f, ELEC_ERROR, "UL20.defence", path,
		                  _("the member's defence text must be given and published before "
		                    "the poll"));
	c->defence = xdup(def, &p->oom);
	json_t *dp = json_object_get(jc, "defence_published");
	if (dp == NULL)
		elec_findings_add(p->f, ELEC_ERROR, "UL20.defence", path,
		                  _("defence_published (the date the defence was published) is "
		                    "missing"));
	else if (get_date(p, jc, "defence_published", path, 1, &c->defence_published) &&
	         have_poll &&
	         elec_date_days(c->defence_published) >= elec_date_days(m->polling_day))
		elec_findings_add(p->f, ELEC_ERROR, "UL20.defence", path,
		                  _("the defence must be published before polling day"));
	/* UL20.propose */
	get_uint(p, jc, "signatures", path, 1, &c->signatures);
	const char *sb = get_str(p, jc, "signature_base", path, 1);
	static const char *const sbn[] = {"registered", "households", "representatives"};
	static const rule_base sbb[] = {BASE_REGISTERED, BASE_HOUSEHOLDS, BASE_REPRESENTATIVES};
	int k = sb ? name_index(sb, sbn, 3) : -1;
	if (sb != NULL && k < 0)
		elec_findings_add(
		    p->f, ELEC_ERROR, NULL, path,
		    _("signature_base must be registered, households or representatives"));
	if (k < 0)
		return;
	c->signature_base = sbb[k];
	/* against registered voters not typed: with the roll (E-4.3,
	 * roll_check_manifest) */
	if (has_rule(c, "UL20") && !(sbb[k] == BASE_REGISTERED && m->registered == 0)) {
		const rule_def *d = rule_find(p->rb, "UL20.propose", sbn[k]);
		uint64_t n = body_base(m, sbb[k]), l, r;
		int ok = rule_cmp(d->op, c->signatures, d->num, d->den, n, &l, &r);
		if (n == 0 || !ok)
			elec_findings_add(
			    p->f, ELEC_ERROR, "UL20.propose", path,
			    _("%llu signatures do not reach %s (%llu %s %llu fails%s)"),
			    (unsigned long long)c->signatures, d->test, (unsigned long long)l,
			    rule_op_symbol(d->op), (unsigned long long)r,
			    n == 0 ? "; base of 0" : "");
	}
}

static void parse_evaluation(pctx *p, elec_contest *c, json_t *jc, const char *path)
{
	char where[200];
	json_t *jm = json_object_get(jc, "members");
	if (!json_is_array(jm) || json_array_size(jm) == 0) {
		elec_findings_add(p->f, ELEC_ERROR, NULL, path,
		                  _("members must be a non-empty array"));
		return;
	}
	c->members = calloc(json_array_size(jm), sizeof(*c->members));
	if (c->members == NULL) {
		p->oom = 1;
		return;
	}
	size_t i;
	json_t *v;
	json_array_foreach(jm, i, v)
	{
		snprintf(where, sizeof(where), "%s.members[%zu]", path, i);
		if (!json_is_object(v)) {
			elec_findings_add(p->f, ELEC_ERROR, NULL, where, _("must be an object"));
			continue;
		}
		elec_member *e = &c->members[c->nmembers++];
		e->id = xdup(get_id(p, v, "id", where), &p->oom);
		e->name = xdup(get_str(p, v, "name", where, 1), &p->oom);
		const char *prev = get_str(p, v, "previous", where, 0);
		static const char *const pr[] = {"称职", "基本称职", "不称职"};
		if (prev != NULL && name_index(prev, pr, 3) < 0)
			elec_findings_add(p->f, ELEC_ERROR, NULL, where,
			                  _("previous must be 称职, 基本称职 or 不称职"));
		e->previous_unfit = prev != NULL && strcmp(prev, "不称职") == 0;
		for (size_t k = 0; k + 1 < c->nmembers; k++)
			if (e->id && c->members[k].id && strcmp(e->id, c->members[k].id) == 0)
				elec_findings_add(p->f, ELEC_ERROR, NULL, where,
				                  _("duplicate member id \"%s\""), e->id);
	}
}

static void parse_petition(pctx *p, elec_contest *c, json_t *jc, const char *path)
{
	static const char *const cv[] = {"residents-meeting", "representatives-meeting", "assembly",
	                                 "council"};
	/* which profile fits which body convened */
	static const char *const fit[][2] = {{"UL26.convene", "residents-meeting"},
	                                     {"CH5.8.convene", "residents-meeting"},
	                                     {"UL28.convene", "representatives-meeting"},
	                                     {"CH4.11.convene", "assembly"},
	                                     {"CH5.27.convene", "council"}};
	const char *s = get_str(p, jc, "convenes", path, 1);
	if (s == NULL)
		return;
	if (name_index(s, cv, 4) < 0) {
		elec_findings_add(p->f, ELEC_ERROR, NULL, path,
		                  _("convenes must be residents-meeting, representatives-meeting, "
		                    "assembly or council"));
		return;
	}
	c->convenes = xdup(s, &p->oom);
	for (size_t i = 0; i < c->nrules; i++)
		for (size_t k = 0; k < 5; k++)
			if (c->rules[i] && strcmp(c->rules[i], fit[k][0]) == 0 &&
			    strcmp(s, fit[k][1]) != 0)
				elec_findings_add(p->f, ELEC_ERROR, c->rules[i], path,
				                  _("%s convenes a %s, not a %s"), fit[k][0],
				                  fit[k][1], s);
}

static void parse_ballot_mode(pctx *p, const elec_manifest *m, elec_contest *c, json_t *jc,
                              const char *path);

static void parse_contest(pctx *p, elec_manifest *m, elec_contest *c, json_t *jc, const char *path,
                          int have_poll)
{
	static const char *const tn[] = {"office", "motion", "recall", "evaluation", "petition"};
	c->id = xdup(get_id(p, jc, "id", path), &p->oom);
	get_title(p, jc, path, &c->title_zh, &c->title_en);
	const char *t = get_str(p, jc, "type", path, 1);
	int k = t ? name_index(t, tn, 5) : -1;
	if (t != NULL && k < 0)
		elec_findings_add(
		    p->f, ELEC_ERROR, NULL, path,
		    _("type \"%s\" is not office, motion, recall, evaluation or petition"), t);
	if (k < 0)
		return;
	c->type = (elec_contest_type)k;
	parse_rules(p, m, c, jc, path);
	check_mode(p, m, c, path);
	switch (c->type) {
	case CONTEST_OFFICE:
		parse_office(p, m, c, jc, path);
		break;
	case CONTEST_MOTION:
		c->text = xdup(get_str(p, jc, "text", path, 1), &p->oom);
		break;
	case CONTEST_RECALL:
		parse_recall(p, m, c, jc, path, have_poll);
		break;
	case CONTEST_EVALUATION:
		parse_evaluation(p, c, jc, path);
		break;
	case CONTEST_PETITION:
		parse_petition(p, c, jc, path);
		break;
	}
	parse_ballot_mode(p, m, c, jc, path);
}

/* ---- top level ---- */

static void parse_body(pctx *p, elec_manifest *m, json_t *root)
{
	static const char *const mn[] = {"residents", "households", "representatives", "assembly",
	                                 "council"};
	json_t *b = json_object_get(root, "body");
	if (!json_is_object(b)) {
		elec_findings_add(p->f, ELEC_ERROR, NULL, "body", _("body must be an object"));
		return;
	}
	const char *mode = get_str(p, b, "mode", "body", 1);
	int k = mode ? name_index(mode, mn, 5) : -1;
	if (mode != NULL && k < 0)
		elec_findings_add(p->f, ELEC_ERROR, NULL, "body.mode",
		                  _("mode \"%s\" is not residents, households, representatives, "
		                    "assembly or council"),
		                  mode);
	if (k >= 0)
		m->mode = (elec_mode)k;
	get_uint(p, b, "registered", "body", 0, &m->registered);
	get_uint(p, b, "households", "body", 0, &m->households);
	get_uint(p, b, "members", "body", 0, &m->members);
	get_uint(p, b, "representatives", "body", 0, &m->representatives);
	get_uint(p, b, "groups", "body", 0, &m->groups);
	if (k < 0)
		return;
	/* The base the mode's quorum uses must not be 0. */
	/* body.registered is optional: init derives it from the roll (E-4.3) */
	if (m->mode == MODE_HOUSEHOLDS && m->households == 0)
		elec_findings_add(p->f, ELEC_ERROR, NULL, "body.households",
		                  _("a body base of 0: households mode needs households > 0"));
	if (m->mode >= MODE_REPRESENTATIVES && m->members == 0)
		elec_findings_add(p->f, ELEC_ERROR, NULL, "body.members",
		                  _("a body base of 0: %s mode needs members > 0"), mn[k]);
	if (m->mode == MODE_REPRESENTATIVES) {
		/* UL28.composition */
		const rule_def *d = rule_find(p->rb, "UL28.composition", "composition");
		uint64_t l, r;
		if (m->members > 0 &&
		    !rule_cmp(d->op, m->representatives, d->num, d->den, m->members, &l, &r))
			elec_findings_add(
			    p->f, ELEC_ERROR, "UL28.composition", "body.representatives",
			    _("%llu representatives of %llu members: representatives "
			      "must be >= 4/5 of the members (%llu >= %llu fails)"),
			    (unsigned long long)m->representatives, (unsigned long long)m->members,
			    (unsigned long long)l, (unsigned long long)r);
	}
	if (m->representatives > m->members && m->members > 0)
		elec_findings_add(p->f, ELEC_ERROR, NULL, "body.representatives",
		                  _("more representatives than members"));
}

static void parse_committee(pctx *p, elec_manifest *m, json_t *root)
{
	json_t *c = json_object_get(root, "committee");
	if (c == NULL || json_is_null(c)) {
		if (m->kind == KIND_ELECTION)
			elec_findings_add(p->f, ELEC_ERROR, "UL8.size", "committee",
			                  _("an election manifest must state the committee's size "
			                    "and term (committee.members, committee.term_years)"));
		return;
	}
	if (!json_is_object(c)) {
		elec_findings_add(p->f, ELEC_ERROR, NULL, "committee", _("must be an object"));
		return;
	}
	m->has_committee = 1;
	if (get_uint(p, c, "members", "committee", 1, &m->committee_members) &&
	    (m->committee_members < 5 || m->committee_members > 9))
		elec_findings_add(
		    p->f, ELEC_ERROR, "UL8.size", "committee.members",
		    _("a residents' committee has 5 to 9 members in all, not %llu%s"),
		    (unsigned long long)m->committee_members,
		    m->charter && (strcmp(m->charter, "CH2") == 0 || strcmp(m->charter, "CH5") == 0)
		        ? " (conflict: the charter's 主任 + 委员2人 = 3 is below "
		          "the statute's 5)"
		        : "");
	if (get_uint(p, c, "term_years", "committee", 1, &m->term_years) && m->term_years != 5)
		elec_findings_add(
		    p->f, ELEC_WARNING, "UL14.term", "committee.term_years",
		    _("term of %llu years: the statute's 5 years applies%s"),
		    (unsigned long long)m->term_years,
		    m->charter && (strcmp(m->charter, "CH1") == 0 || strcmp(m->charter, "CH2") == 0)
		        ? " (conflict: the charter says 3 years, UL14 says 5)"
		        : "");
}

static void parse_stations(pctx *p, elec_manifest *m, json_t *root)
{
	char where[120];
	json_t *js = json_object_get(root, "stations");
	if (!json_is_array(js) || json_array_size(js) == 0) {
		elec_findings_add(p->f, ELEC_ERROR, NULL, "stations",
		                  _("stations must be a non-empty array"));
		return;
	}
	m->stations = calloc(json_array_size(js), sizeof(*m->stations));
	if (m->stations == NULL) {
		p->oom = 1;
		return;
	}
	size_t i;
	json_t *v;
	json_array_foreach(js, i, v)
	{
		snprintf(where, sizeof(where), "stations[%zu]", i);
		if (!json_is_object(v)) {
			elec_findings_add(p->f, ELEC_ERROR, NULL, where, _("must be an object"));
			continue;
		}
		elec_station *s = &m->stations[m->nstations++];
		s->id = xdup(get_id(p, v, "id", where), &p->oom);
		s->name = xdup(get_str(p, v, "name", where, 1), &p->oom);
		for (size_t k = 0; k + 1 < m->nstations; k++)
			if (s->id && m->stations[k].id && strcmp(s->id, m->stations[k].id) == 0)
				elec_findings_add(p->f, ELEC_ERROR, NULL, where,
				                  _("duplicate station id \"%s\""), s->id);
		json_t *jg = json_object_get(v, "groups");
		if (!json_is_array(jg) || json_array_size(jg) == 0) {
			elec_findings_add(
			    p->f, ELEC_ERROR, NULL, where,
			    _("groups must be a non-empty array of residents' group ids"));
			continue;
		}
		s->groups = calloc(json_array_size(jg), sizeof(char *));
		if (s->groups == NULL) {
			p->oom = 1;
			continue;
		}
		size_t gi;
		json_t *g;
		json_array_foreach(jg, gi, g)
		{
			char gw[160];
			snprintf(gw, sizeof(gw), "%s.groups[%zu]", where, gi);
			if (!json_is_string(g) || !manifest_id_ok(json_string_value(g))) {
				elec_findings_add(p->f, ELEC_ERROR, NULL, gw,
				                  _("a group id must be 1-64 characters of A-Z a-z "
				                    "0-9 . _ -"));
				continue;
			}
			const char *gs = json_string_value(g);
			for (size_t a = 0; a < m->nstations; a++)
				for (size_t b = 0; b < m->stations[a].ngroups; b++)
					if (strcmp(m->stations[a].groups[b], gs) == 0)
						elec_findings_add(p->f, ELEC_ERROR, NULL, gw,
						                  _("group \"%s\" is served twice"),
						                  gs);
			s->groups[s->ngroups] = xdup(gs, &p->oom);
			if (s->groups[s->ngroups] != NULL)
				s->ngroups++;
		}
	}
}

static int any_rule(const elec_manifest *m, const char *id)
{
	for (size_t i = 0; i < m->ncontests; i++)
		if (has_rule(&m->contests[i], id))
			return 1;
	return 0;
}

static void parse_dates(pctx *p, elec_manifest *m, json_t *root, int *have_poll)
{
	json_t *d = json_object_get(root, "dates");
	*have_poll = 0;
	if (!json_is_object(d)) {
		elec_findings_add(p->f, ELEC_ERROR, NULL, "dates",
		                  _("dates must be an object with at least polling_day"));
		return;
	}
	*have_poll = get_date(p, d, "polling_day", "dates", 1, &m->polling_day);
	m->has_roll_published = get_date(p, d, "roll_published", "dates", 0, &m->roll_published);
	m->has_notice = get_date(p, d, "notice", "dates", 0, &m->notice);
	m->has_objections_close =
	    get_date(p, d, "objections_close", "dates", 0, &m->objections_close);
	m->has_objections_decided =
	    get_date(p, d, "objections_decided", "dates", 0, &m->objections_decided);
	m->notice_exception = xdup(get_str(p, d, "notice_exception", "dates", 0), &p->oom);
}

/* Date checks that need the contests: UL17.roll, UL26.notice. */
static void check_dates(pctx *p, elec_manifest *m, int have_poll)
{
	if (!have_poll)
		return;
	int64_t poll = elec_date_days(m->polling_day);
	int balloted_residents = (m->kind == KIND_ELECTION || m->kind == KIND_RECALL) &&
	                         (m->mode == MODE_RESIDENTS || m->mode == MODE_HOUSEHOLDS);
	if (!m->has_roll_published && balloted_residents)
		elec_findings_add(p->f, ELEC_ERROR, "UL17.roll", "dates.roll_published",
		                  _("the roll's publication date is missing; it must be >= 20 days "
		                    "before polling day"));
	if (m->has_roll_published) {
		int64_t gap = poll - elec_date_days(m->roll_published);
		if (gap < 20)
			elec_findings_add(p->f, ELEC_ERROR, "UL17.roll", "dates.roll_published",
			                  _("the roll is published %lld days before polling day; "
			                    "it must be >= 20 (%lld >= 20 fails)"),
			                  (long long)gap, (long long)gap);
	}
	if (m->has_objections_close) {
		/* UL17.roll: objections may be made within 5 days of publication,
		 * and are settled before polling day */
		int64_t win = elec_date_days(m->objections_close) -
		              (m->has_roll_published ? elec_date_days(m->roll_published) : poll);
		if (!m->has_roll_published || win < 5)
			elec_findings_add(p->f, ELEC_ERROR, "UL17.roll", "dates.objections_close",
			                  _("objections must be open for 5 days from the roll's "
			                    "publication (%lld >= 5 fails)"),
			                  (long long)win);
		if (elec_date_days(m->objections_close) >= poll)
			elec_findings_add(p->f, ELEC_ERROR, "UL17.roll", "dates.objections_close",
			                  _("objections must close before polling day"));
	}
	if (m->has_objections_decided) {
		/* UL17.objections: decided within 3 days of the last objection
		 * (the window's close), and published before polling day */
		int64_t late = m->has_objections_close ? elec_date_days(m->objections_decided) -
		                                             elec_date_days(m->objections_close)
		                                       : 0;
		if (!m->has_objections_close)
			elec_findings_add(p->f, ELEC_ERROR, "UL17.objections",
			                  "dates.objections_decided",
			                  _("objections_decided needs dates.objections_close"));
		else if (late > 3)
			elec_findings_add(
			    p->f, ELEC_ERROR, "UL17.objections", "dates.objections_decided",
			    _("objections are decided %lld days after they close; they must "
			      "be decided within 3 (%lld <= 3 fails)"),
			    (long long)late, (long long)late);
		else if (late < 0)
			elec_findings_add(
			    p->f, ELEC_ERROR, "UL17.objections", "dates.objections_decided",
			    _("objections are decided before the objection window closes"));
		if (elec_date_days(m->objections_decided) >= poll)
			elec_findings_add(
			    p->f, ELEC_ERROR, "UL17.objections", "dates.objections_decided",
			    _("objections must be decided and published before polling day"));
	}
	if (any_rule(m, "UL27") || any_rule(m, "CH5.9")) {
		const char *conf = m->charter && strcmp(m->charter, "CH5") == 0
		                       ? " (conflict: 篇五 第十条 allows 3 days; UL26 requires 10, "
		                         "which applies)"
		                       : "";
		if (!m->has_notice) {
			elec_findings_add(
			    p->f, ELEC_ERROR, "UL26.notice", "dates.notice",
			    _("a residents' meeting needs the notice date (>= 10 days "
			      "before the meeting)"));
		} else {
			int64_t gap = poll - elec_date_days(m->notice);
			if (gap < 10)
				elec_findings_add(
				    p->f, m->notice_exception ? ELEC_WARNING : ELEC_ERROR,
				    "UL26.notice", "dates.notice",
				    "notice given %lld days ahead; UL26 requires >= 10 (%lld >= 10 "
				    "fails)%s%s%s",
				    (long long)gap, (long long)gap, conf,
				    m->notice_exception ? "; special case stated: " : "",
				    m->notice_exception ? m->notice_exception : "");
		}
	}
}

qerr manifest_parse(const uint8_t *bytes, size_t len, elec_manifest **out, elec_findings *f)
{
	return manifest_parse_rules(bytes, len, rulebook_builtin(), out, f);
}

/* Add a profile to the election's selection once. */
/* E-5.1: a run-off manifest's "runoff" object (absent in round 1). */
static int get_hash(pctx *p, json_t *o, const char *key, uint8_t out[SHA256_LEN])
{
	const char *s = get_str(p, o, key, "runoff", 1);
	if (s == NULL)
		return 0;
	for (size_t i = 0; i < 2 * SHA256_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			goto bad;
	if (strlen(s) != 2 * SHA256_LEN)
		goto bad;
	for (size_t i = 0; i < SHA256_LEN; i++) {
		char b[3] = {s[2 * i], s[2 * i + 1], 0};
		out[i] = (uint8_t)strtoul(b, NULL, 16);
	}
	return 1;
bad:
	elec_findings_add(p->f, ELEC_ERROR, NULL, "runoff",
	                  _("%s must be 64 lower-case hexadecimal digits"), key);
	return 0;
}

static void parse_runoff(pctx *p, elec_manifest *m, json_t *root)
{
	json_t *r = json_object_get(root, "runoff");
	uint64_t round;
	if (r == NULL)
		return;
	if (!json_is_object(r)) {
		elec_findings_add(p->f, ELEC_ERROR, "UL19.runoff", "runoff",
		                  _("must be an object"));
		return;
	}
	if (get_uint(p, r, "round", "runoff", 1, &round)) {
		if (round < 2 || round > 100)
			elec_findings_add(p->f, ELEC_ERROR, "UL19.runoff", "runoff",
			                  _("round must be 2 to 100 (round 1 has no \"runoff\")"));
		else
			m->runoff_round = (unsigned)round;
	}
	get_hash(p, r, "previous_base_hash", m->runoff_prev_base);
	get_hash(p, r, "previous_result_sha256", m->runoff_prev_result);
	get_hash(p, r, "previous_manifest_sha256", m->runoff_prev_manifest);
	/* candidates withdrawn (or no longer eligible) since the round */
	json_t *w = json_object_get(r, "withdrawn");
	if (w != NULL && !json_is_array(w)) {
		elec_findings_add(p->f, ELEC_ERROR, "UL19.runoff", "runoff.withdrawn",
		                  _("must be a list of {\"id\", \"reason\"}"));
	} else if (json_array_size(w) > 0) {
		size_t n = json_array_size(w), i;
		json_t *v;
		m->runoff_withdrawn = calloc(n, sizeof(char *));
		m->runoff_withdrawn_reason = calloc(n, sizeof(char *));
		if (m->runoff_withdrawn == NULL || m->runoff_withdrawn_reason == NULL) {
			p->oom = 1;
			return;
		}
		json_array_foreach(w, i, v)
		{
			char path[64];
			snprintf(path, sizeof path, "runoff.withdrawn[%zu]", i);
			const char *id = json_is_object(v) ? get_id(p, v, "id", path) : NULL;
			const char *why =
			    json_is_object(v) ? get_str(p, v, "reason", path, 1) : NULL;
			if (id == NULL || why == NULL) {
				if (!json_is_object(v))
					elec_findings_add(p->f, ELEC_ERROR, "UL19.runoff", path,
					                  _("must be {\"id\", \"reason\"}"));
				continue;
			}
			for (size_t q = 0; q < m->runoff_nwithdrawn; q++)
				if (strcmp(m->runoff_withdrawn[q], id) == 0)
					elec_findings_add(p->f, ELEC_ERROR, "UL19.runoff", path,
					                  _("\"%s\" is listed twice"), id);
			m->runoff_withdrawn[m->runoff_nwithdrawn] = xdup(id, &p->oom);
			m->runoff_withdrawn_reason[m->runoff_nwithdrawn] = xdup(why, &p->oom);
			m->runoff_nwithdrawn++;
		}
	}
	if (m->kind != KIND_ELECTION)
		elec_findings_add(p->f, ELEC_ERROR, "UL19.runoff", "runoff",
		                  _("only an election has a run-off"));
}

static void check_runoff_contests(pctx *p, const elec_manifest *m)
{
	if (m->runoff_round == 0)
		return;
	for (size_t i = 0; i < m->ncontests; i++)
		if (m->contests[i].type != CONTEST_OFFICE) {
			char path[64];
			snprintf(path, sizeof path, "contests[%zu]", i);
			elec_findings_add(p->f, ELEC_ERROR, "UL19.runoff", path,
			                  _("a run-off offers offices only"));
		}
}

static void select_profile(pctx *p, elec_manifest *m, const rule_file *pf)
{
	for (size_t i = 0; i < m->nprofiles; i++)
		if (m->profiles[i] == pf)
			return;
	const rule_file **nv = realloc(m->profiles, (m->nprofiles + 1) * sizeof(*nv));
	if (nv == NULL) {
		p->oom = 1;
		return;
	}
	m->profiles = nv;
	m->profiles[m->nprofiles++] = pf;
}

/* RP-3: the profiles an election uses, in layer order: the statute, the
 * province named by "province", the charter named by "charter", and the
 * profile of every rule set a contest names. */
static void select_profiles(pctx *p, elec_manifest *m)
{
	const rule_file *st = rulebook_statute(p->rb);
	if (st != NULL)
		select_profile(p, m, st);
	if (m->province != NULL)
		select_profile(p, m, rulebook_file(p->rb, m->province));
	for (int layer = LAYER_PROVINCE; layer <= LAYER_CHARTER; layer++) {
		if (layer == LAYER_CHARTER && m->charter != NULL &&
		    rulebook_file(p->rb, m->charter) != NULL)
			select_profile(p, m, rulebook_file(p->rb, m->charter));
		for (size_t i = 0; i < m->ncontests; i++)
			for (size_t k = 0; k < m->contests[i].nrules; k++) {
				const rule_profile *rp =
				    m->contests[i].rules[k]
				        ? rule_profile_find(p->rb, m->contests[i].rules[k])
				        : NULL;
				if (rp != NULL && (int)rp->file->layer == layer)
					select_profile(p, m, rp->file);
			}
	}
}

/* UL17.committee: "election_committee": [{"name", "voter", "relatives": [ids]}].
 * A member nominated, or whose close relative is nominated, must have
 * stepped down: the manifest is refused naming both. */
static void parse_election_committee(pctx *p, elec_manifest *m, json_t *root)
{
	json_t *jc = json_object_get(root, "election_committee");
	if (jc == NULL)
		return;
	if (!json_is_array(jc)) {
		elec_findings_add(p->f, ELEC_ERROR, NULL, "election_committee",
		                  _("election_committee must be a list of members"));
		return;
	}
	m->committee = calloc(json_array_size(jc) + 1, sizeof(*m->committee));
	if (m->committee == NULL) {
		p->oom = 1;
		return;
	}
	size_t i;
	json_t *v;
	json_array_foreach(jc, i, v)
	{
		char path[64], where[96];
		snprintf(path, sizeof path, "election_committee[%zu]", i);
		if (!json_is_object(v)) {
			elec_findings_add(p->f, ELEC_ERROR, NULL, path, _("must be an object"));
			continue;
		}
		elec_committee_member *cm = &m->committee[m->ncommittee++];
		cm->name = xdup(get_str(p, v, "name", path, 1), &p->oom);
		cm->voter = xdup(get_id(p, v, "voter", path), &p->oom);
		json_t *jr = json_object_get(v, "relatives");
		snprintf(where, sizeof where, "%s.relatives", path);
		if (jr == NULL)
			continue;
		if (!json_is_array(jr)) {
			elec_findings_add(p->f, ELEC_ERROR, NULL, where,
			                  _("relatives must be a list of roll ids"));
			continue;
		}
		cm->relatives = calloc(json_array_size(jr) + 1, sizeof(char *));
		if (cm->relatives == NULL) {
			p->oom = 1;
			return;
		}
		size_t r;
		json_t *x;
		json_array_foreach(jr, r, x)
		{
			if (!json_is_string(x) || !manifest_id_ok(json_string_value(x))) {
				elec_findings_add(p->f, ELEC_ERROR, NULL, where,
				                  _("relatives[%zu] must be a roll id"), r);
				continue;
			}
			cm->relatives[cm->nrelatives++] = xdup(json_string_value(x), &p->oom);
		}
	}
}

static void check_election_committee(pctx *p, const elec_manifest *m)
{
	for (size_t i = 0; i < m->ncommittee; i++) {
		const elec_committee_member *cm = &m->committee[i];
		char path[64];
		snprintf(path, sizeof path, "election_committee[%zu]", i);
		for (size_t c = 0; c < m->ncontests; c++)
			for (size_t k = 0; k < m->contests[c].ncands; k++) {
				const elec_candidate *cd = &m->contests[c].cands[k];
				if (cd->voter == NULL)
					continue;
				if (cm->voter != NULL && strcmp(cm->voter, cd->voter) == 0)
					elec_findings_add(p->f, ELEC_ERROR, "UL17.committee", path,
					                  _("election committee member %s (voter "
					                    "%s) is candidate "
					                    "%s "
					                    "of contest %s: a nominated member "
					                    "steps down from the "
					                    "committee"),
					                  cm->name ? cm->name : "?", cm->voter,
					                  cd->id, m->contests[c].id);
				for (size_t r = 0; r < cm->nrelatives; r++)
					if (cm->relatives[r] != NULL &&
					    strcmp(cm->relatives[r], cd->voter) == 0)
						elec_findings_add(
						    p->f, ELEC_ERROR, "UL17.committee", path,
						    _("candidate %s of contest %s (voter %s) is a "
						      "close "
						      "relative of election committee member %s: "
						      "the "
						      "member steps down from the committee"),
						    cd->id, m->contests[c].id, cd->voter,
						    cm->name ? cm->name : "?");
			}
	}
}

static void parse_by_election(pctx *p, elec_manifest *m, json_t *root, int have_poll);
static void parse_write_ins(pctx *p, elec_manifest *m, json_t *jc);

qerr manifest_parse_rules(const uint8_t *bytes, size_t len, const rulebook *rb, elec_manifest **out,
                          elec_findings *f)
{
	static const char *const kn[] = {"election", "recall", "motion", "evaluation", "petition"};
	qerr err = Q_OK;
	json_t *root = NULL;
	elec_manifest *m = NULL;
	pctx p = {f, 0, rb};
	json_error_t je;
	int have_poll = 0;

	*out = NULL;
	if (len > MANIFEST_MAX_BYTES) {
		elec_findings_add(f, ELEC_ERROR, NULL, "", _("manifest larger than %u bytes"),
		                  MANIFEST_MAX_BYTES);
		return Q_ERR_LIMIT;
	}
	root = json_loadb((const char *)bytes, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL || !json_is_object(root)) {
		elec_findings_add(f, ELEC_ERROR, NULL, "",
		                  root ? "the manifest must be a JSON object"
		                       : "not valid JSON (line %d, column %d): %s",
		                  je.line, je.column, je.text);
		err = Q_ERR_FORMAT;
		goto out;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL || (m->bytes = malloc(len ? len : 1)) == NULL) {
		err = Q_ERR_NOMEM;
		goto out;
	}
	memcpy(m->bytes, bytes, len);
	m->len = len;
	sha256(m->hash, bytes, len); /* E-1 */

	const char *fmt = get_str(&p, root, "format", "format", 1);
	if (fmt != NULL && strcmp(fmt, MANIFEST_FORMAT) != 0)
		elec_findings_add(f, ELEC_ERROR, NULL, "format", _("format must be \"%s\""),
		                  MANIFEST_FORMAT);
	m->id = xdup(get_id(&p, root, "id", "id"), &p.oom);
	get_title(&p, root, "", &m->title_zh, &m->title_en);
	const char *kind = get_str(&p, root, "kind", "kind", 1);
	int k = kind ? name_index(kind, kn, 5) : -1;
	if (kind != NULL && k < 0)
		elec_findings_add(
		    f, ELEC_ERROR, NULL, "kind",
		    _("kind \"%s\" is not election, recall, motion, evaluation or petition"), kind);
	if (k >= 0)
		m->kind = (elec_kind)k;
	const char *ch = get_str(&p, root, "charter", "charter", 0);
	if (ch != NULL) {
		const rule_file *cf = rulebook_file(rb, ch);
		if (cf == NULL || cf->layer != LAYER_CHARTER)
			elec_findings_add(f, ELEC_ERROR, NULL, "charter",
			                  _("charter \"%s\" is not a charter profile of this "
			                    "election's rules (CH1..CH5 are built in)"),
			                  ch);
		else
			m->charter = xdup(ch, &p.oom);
	}
	const char *prov = get_str(&p, root, "province", "province", 0);
	if (prov != NULL) {
		const rule_file *pv = rulebook_file(rb, prov);
		if (pv == NULL || pv->layer != LAYER_PROVINCE)
			elec_findings_add(f, ELEC_ERROR, NULL, "province",
			                  _("province \"%s\" is not a province profile of this "
			                    "election's rules"),
			                  prov);
		else
			m->province = xdup(prov, &p.oom);
	}
	m->rules = rb;
	if (rulebook_check_engine(rb, f) != Q_OK) {
		err = Q_ERR_RULE;
		goto out;
	}
	parse_election_committee(&p, m, root);
	parse_body(&p, m, root);
	parse_committee(&p, m, root);
	parse_stations(&p, m, root);
	parse_dates(&p, m, root, &have_poll);
	parse_runoff(&p, m, root);

	json_t *jc = json_object_get(root, "contests");
	if (!json_is_array(jc) || json_array_size(jc) == 0) {
		elec_findings_add(f, ELEC_ERROR, NULL, "contests",
		                  _("contests must be a non-empty array"));
	} else {
		m->contests = calloc(json_array_size(jc), sizeof(*m->contests));
		if (m->contests == NULL) {
			err = Q_ERR_NOMEM;
			goto out;
		}
		size_t i;
		json_t *v;
		json_array_foreach(jc, i, v)
		{
			char path[64];
			snprintf(path, sizeof(path), "contests[%zu]", i);
			if (!json_is_object(v)) {
				elec_findings_add(f, ELEC_ERROR, NULL, path,
				                  _("must be an object"));
				continue;
			}
			elec_contest *c = &m->contests[m->ncontests++];
			parse_contest(&p, m, c, v, path, have_poll);
			for (size_t q = 0; q + 1 < m->ncontests; q++)
				if (c->id && m->contests[q].id &&
				    strcmp(c->id, m->contests[q].id) == 0)
					elec_findings_add(f, ELEC_ERROR, NULL, path,
					                  _("duplicate contest id \"%s\""), c->id);
		}
	}
	check_dates(&p, m, have_poll);
	check_runoff_contests(&p, m);
	check_election_committee(&p, m);
	parse_by_election(&p, m, root, have_poll);
	select_profiles(&p, m);
	parse_write_ins(&p, m, jc);
	if (p.oom) {
		err = Q_ERR_NOMEM;
		goto out;
	}
	err = elec_findings_status(f, Q_ERR_RULE);
	if (err != Q_OK)
		goto out;
	for (size_t i = 0; i < m->ncontests; i++)
		if (!build_options(&m->contests[i])) {
			err = Q_ERR_NOMEM;
			goto out;
		}
	*out = m;
	m = NULL;
out:
	manifest_free(m);
	json_decref(root);
	return err;
}

/* UL19.byelection: "by_election": {"term_began": date, "term_ends": date}.
 * A by-election (补选) is an election whose member serves to the end of
 * the current term: the term is the statute's 5 years (UL14.term) from
 * term_began (29 February: 28 February in a non-leap year, Civil Code Art
 * 202), and polling day falls within it. */
static void parse_by_election(pctx *p, elec_manifest *m, json_t *root, int have_poll)
{
	json_t *b = json_object_get(root, "by_election");
	if (b == NULL)
		return;
	if (!json_is_object(b)) {
		elec_findings_add(p->f, ELEC_ERROR, "UL19.byelection", "by_election",
		                  _("by_election must be an object {term_began, term_ends}"));
		return;
	}
	int ok = get_date(p, b, "term_began", "by_election", 1, &m->term_began);
	ok &= get_date(p, b, "term_ends", "by_election", 1, &m->term_ends);
	m->by_election = 1;
	if (m->kind != KIND_ELECTION)
		elec_findings_add(p->f, ELEC_ERROR, "UL19.byelection", "by_election",
		                  _("only an election can be a by-election (kind is %s)"),
		                  manifest_kind_name(m->kind));
	if (!ok)
		return;
	elec_date end = {m->term_began.year + 5, m->term_began.month, m->term_began.day};
	if (end.month == 2 && end.day == 29 && !elec_date_is_leap(end.year))
		end.day = 28;
	if (elec_date_days(end) != elec_date_days(m->term_ends))
		elec_findings_add(p->f, ELEC_ERROR, "UL19.byelection", "by_election.term_ends",
		                  _("the current term began on %04d-%02d-%02d and ends after 5 "
		                    "years (UL14.term) on %04d-%02d-%02d, not %04d-%02d-%02d"),
		                  m->term_began.year, m->term_began.month, m->term_began.day,
		                  end.year, end.month, end.day, m->term_ends.year,
		                  m->term_ends.month, m->term_ends.day);
	if (have_poll && (elec_date_days(m->polling_day) < elec_date_days(m->term_began) ||
	                  elec_date_days(m->polling_day) >= elec_date_days(m->term_ends)))
		elec_findings_add(p->f, ELEC_ERROR, "UL19.byelection", "by_election",
		                  _("polling day %04d-%02d-%02d is not within the current term "
		                    "(%04d-%02d-%02d to %04d-%02d-%02d): a by-election fills a "
		                    "seat for the rest of a running term"),
		                  m->polling_day.year, m->polling_day.month, m->polling_day.day,
		                  m->term_began.year, m->term_began.month, m->term_began.day,
		                  m->term_ends.year, m->term_ends.month, m->term_ends.day);
}

/* ---- named votes (E-2.1, 记名表决 / 举手表决) ---- */

/* E-2.1: "ballot" is "secret" (the default) or "named"; a named vote is a
 * motion's only, and never where the law asks for a secret ballot. */
static void parse_ballot_mode(pctx *p, const elec_manifest *m, elec_contest *c, json_t *jc,
                              const char *path)
{
	const char *b = get_str(p, jc, "ballot", path, 0);
	elec_findings scratch;
	if (b == NULL || strcmp(b, "secret") == 0)
		return;
	if (strcmp(b, "named") != 0) {
		elec_findings_add(p->f, ELEC_ERROR, NULL, path,
		                  _("ballot \"%s\" is not secret or named"), b);
		return;
	}
	/* UL19.secret: an election or a recall is a secret ballot */
	elec_findings_init(&scratch);
	const char *as = c->type == CONTEST_OFFICE   ? "election"
	                 : c->type == CONTEST_RECALL ? "recall"
	                                             : manifest_contest_type_name(c->type);
	if (rules_vote_mode_check(as, 1, &scratch) != Q_OK) {
		elec_findings_add(
		    p->f, ELEC_ERROR, "UL19.secret", path,
		    _("a named vote (记名表决) is refused: the law requires a secret "
		      "ballot (无记名投票) for an election or a recall (UL19.secret, UL "
		      "Art 19, 20)"));
	} else if (c->type != CONTEST_MOTION) {
		elec_findings_add(p->f, ELEC_ERROR, NULL, path,
		                  _("only a motion may be a named vote (ballot \"named\")"));
	} else {
		c->named = 1;
	}
	if (scratch.oom)
		p->oom = 1;
	elec_findings_free(&scratch);
}

int manifest_contest_balloted(const elec_contest *c)
{
	return c != NULL && c->type != CONTEST_PETITION && !c->named;
}

int manifest_named_vote_index(const char *vote)
{
	static const char *const v[] = {"yes", "no", "abstain"};
	for (int i = 0; vote != NULL && i < 3; i++)
		if (strcmp(vote, v[i]) == 0)
			return i;
	return -1;
}

/* ---- write-in slots (E-2 "write_in", B-10.1) ---- */

/* A profile row of part "no-write-in" among the election's profiles, or NULL. */
static const rule_def *write_in_forbidden(const elec_manifest *m)
{
	for (size_t i = 0; i < m->nprofiles; i++)
		for (size_t r = 0; r < m->profiles[i]->nrows; r++)
			if (m->profiles[i]->rows[r].part != NULL &&
			    strcmp(m->profiles[i]->rows[r].part, "no-write-in") == 0)
				return &m->profiles[i]->rows[r];
	return NULL;
}

/* Read each contest's optional "write_in" (after the profiles are selected:
 * a profile may forbid write-ins). */
static void parse_write_ins(pctx *p, elec_manifest *m, json_t *jc)
{
	if (!json_is_array(jc))
		return;
	for (size_t i = 0; i < m->ncontests && i < json_array_size(jc); i++) {
		elec_contest *c = &m->contests[i];
		json_t *v = json_array_get(jc, i);
		char path[64];
		uint64_t w = 0;
		const rule_def *no;
		snprintf(path, sizeof(path), "contests[%zu]", i);
		if (!json_is_object(v) || !get_uint(p, v, "write_in", path, 0, &w) || w == 0)
			continue;
		if (c->type != CONTEST_OFFICE) {
			elec_findings_add(p->f, ELEC_ERROR, NULL, path,
			                  _("write_in: only an office contest may have write-in "
			                    "slots, not a %s"),
			                  manifest_contest_type_name(c->type));
			continue;
		}
		if (w > MANIFEST_MAX_WRITE_IN || w > c->seats) {
			elec_findings_add(
			    p->f, ELEC_ERROR, NULL, path,
			    _("write_in must be from 1 to %u and at most the seats (%u), "
			      "not %llu"),
			    MANIFEST_MAX_WRITE_IN, c->seats, (unsigned long long)w);
			continue;
		}
		if (m->runoff_round >= 2) {
			elec_findings_add(p->f, ELEC_ERROR, NULL, path,
			                  _("write_in: a run-off offers only the candidates of the "
			                    "previous round's cut (E-5), no write-in slots"));
			continue;
		}
		if ((no = write_in_forbidden(m)) != NULL) {
			elec_findings_add(p->f, ELEC_ERROR, no->id, path,
			                  _("write_in: %s (%s) forbids write-ins in this election"),
			                  no->id, no->source ? no->source : no->id);
			continue;
		}
		c->write_in = (uint32_t)w;
	}
}

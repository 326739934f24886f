/* SPDX-License-Identifier: GPL-3.0-or-later */
/* manifest.c -- parse and validate a manifest (docs/spec/election.md E-2). */
#include "manifest.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "manifest_table.h"

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

uint64_t manifest_body_base(const elec_manifest *m, rule_base b)
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

/* The contest whose path (its rules' or a field's) is where: "contests[i]". */
static void contest_path(char *out, size_t n, const char *where)
{
	const char *e = strchr(where, ']');
	size_t k = e != NULL ? (size_t)(e - where) + 1 : strlen(where);
	snprintf(out, n, "%.*s", (int)k, where);
}

/* Check that the body mode suits the profiles a contest names. */
static void check_mode(mf_ctx *p, const elec_manifest *m, const elec_contest *c, const char *path)
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

/* contests[i].rules (setter): rule set IDs of the rulebook's profiles
 * (RP-2), each known, listed once, able to govern this type, and the body
 * mode they need. */
static int set_rules(mf_ctx *p, void *obj, json_t *jr, const char *where)
{
	elec_contest *c = obj;
	elec_manifest *m = p->m;
	char at[300], path[300];
	contest_path(path, sizeof path, where);
	if (!json_is_array(jr) || json_array_size(jr) == 0) {
		elec_findings_add(p->f, ELEC_ERROR, NULL, where,
		                  _("rules must be a non-empty array of rule profile IDs"));
		return 0;
	}
	c->rules = calloc(json_array_size(jr), sizeof(char *));
	if (c->rules == NULL) {
		p->oom = 1;
		return 0;
	}
	size_t i;
	json_t *v;
	json_array_foreach(jr, i, v)
	{
		snprintf(at, sizeof(at), "%s[%zu]", where, i);
		if (!json_is_string(v)) {
			elec_findings_add(p->f, ELEC_ERROR, NULL, at, _("must be a string"));
			continue;
		}
		const char *id = json_string_value(v);
		const rule_profile *rp = rule_profile_find(p->rb, id);
		if (rp == NULL) {
			elec_findings_add(p->f, ELEC_ERROR, NULL, at, _("unknown rule set \"%s\""),
			                  id);
			continue;
		}
		if (has_rule(c, id)) {
			elec_findings_add(p->f, ELEC_ERROR, NULL, at,
			                  _("rule set \"%s\" is listed twice"), id);
			continue;
		}
		if (!(rp->applies_to & type_mask(c->type))) {
			elec_findings_add(p->f, ELEC_ERROR, NULL, at,
			                  _("rule set \"%s\" does not govern a %s contest"), id,
			                  manifest_contest_type_name(c->type));
			continue;
		}
		if (m->charter != NULL && rp->file->layer == LAYER_CHARTER &&
		    strcmp(rp->rule_set, m->charter) != 0)
			elec_findings_add(p->f, ELEC_WARNING, NULL, at,
			                  _("rule set \"%s\" is from charter %s but the manifest's "
			                    "charter is %s"),
			                  id, rp->rule_set, m->charter);
		c->rules[c->nrules] = mf_strdup(p, id);
		if (c->rules[c->nrules] != NULL)
			c->nrules++;
	}
	if (has_rule(c, "CH5.9") && !has_rule(c, "UL27"))
		elec_findings_add(p->f, ELEC_ERROR, "CH5.9", path,
		                  _("CH5.9 has no quorum of its own: list UL27 with it"));
	check_mode(p, m, c, path);
	return 1;
}

/* ---- the checks each table runs on what it read ---- */

/* UL18.contested: 差额 */
static void check_contested(mf_ctx *p, void *obj, const char *where, int all_ok)
{
	const elec_contest *c = obj;
	char path[300];
	(void)all_ok;
	contest_path(path, sizeof path, where);
	if (c->seats > 0 && c->ncands <= c->seats)
		elec_findings_add(
		    p->f, ELEC_ERROR, "UL18.contested", path,
		    _("%zu candidates for %u seats: there must be more candidates than "
		      "seats (%zu > %u fails)%s"),
		    c->ncands, c->seats, c->ncands, c->seats,
		    c->ncands < c->seats ? "; more seats than candidates" : "");
}

/* UL20.defence: published before polling day. */
static void check_defence_date(mf_ctx *p, void *obj, const char *where, int all_ok)
{
	const elec_contest *c = obj;
	(void)all_ok;
	if (p->have_poll &&
	    elec_date_days(c->defence_published) >= elec_date_days(p->m->polling_day))
		elec_findings_add(p->f, ELEC_ERROR, "UL20.defence", where,
		                  _("the defence must be published before polling day"));
}

/* UL20.propose: enough signatures of the base named. */
static void check_signatures(mf_ctx *p, void *obj, const char *where, int all_ok)
{
	const elec_contest *c = obj;
	const char *base = c->signature_base == BASE_HOUSEHOLDS        ? "households"
	                   : c->signature_base == BASE_REPRESENTATIVES ? "representatives"
	                                                               : "registered";
	char path[300];
	(void)all_ok;
	contest_path(path, sizeof path, where);
	if (!has_rule(c, "UL20"))
		return;
	/* against registered voters not typed: with the roll (E-4.3,
	 * roll_check_manifest) */
	if (c->signature_base == BASE_REGISTERED && p->m->registered == 0)
		return;
	const rule_def *d = rule_find(p->rb, "UL20.propose", base);
	uint64_t n = manifest_body_base(p->m, c->signature_base), l, r;
	int ok = rule_cmp(d->op, c->signatures, d->num, d->den, n, &l, &r);
	if (n == 0 || !ok)
		elec_findings_add(p->f, ELEC_ERROR, "UL20.propose", path,
		                  _("%llu signatures do not reach %s (%llu %s %llu fails%s)"),
		                  (unsigned long long)c->signatures, d->test, (unsigned long long)l,
		                  rule_op_symbol(d->op), (unsigned long long)r,
		                  n == 0 ? "; base of 0" : "");
}

/* Which profile fits which body a petition convenes. */
static void check_convenes(mf_ctx *p, void *obj, const char *where, int all_ok)
{
	static const char *const fit[][2] = {{"UL26.convene", "residents-meeting"},
	                                     {"CH5.8.convene", "residents-meeting"},
	                                     {"UL28.convene", "representatives-meeting"},
	                                     {"CH4.11.convene", "assembly"},
	                                     {"CH5.27.convene", "council"}};
	const elec_contest *c = obj;
	char path[300];
	(void)all_ok;
	contest_path(path, sizeof path, where);
	for (size_t i = 0; i < c->nrules; i++)
		for (size_t k = 0; k < 5; k++)
			if (c->rules[i] && strcmp(c->rules[i], fit[k][0]) == 0 &&
			    strcmp(c->convenes, fit[k][1]) != 0)
				elec_findings_add(p->f, ELEC_ERROR, c->rules[i], path,
				                  _("%s convenes a %s, not a %s"), fit[k][0],
				                  fit[k][1], c->convenes);
}

/* E-2.1: a named vote is a motion's only, and never where the law asks for
 * a secret ballot (UL19.secret). */
static void check_ballot(mf_ctx *p, void *obj, const char *where, int all_ok)
{
	elec_contest *c = obj;
	elec_findings scratch;
	char path[300];
	(void)all_ok;
	if (!c->named)
		return;
	contest_path(path, sizeof path, where);
	c->named = 0;
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

/* A charter-layer (or province-layer) profile of the rulebook, else the
 * field is refused and not kept. */
static void check_layer(mf_ctx *p, char **field, const char *where, rule_layer layer)
{
	const rule_file *rf = rulebook_file(p->rb, *field);
	if (rf != NULL && rf->layer == layer)
		return;
	if (layer == LAYER_CHARTER)
		elec_findings_add(p->f, ELEC_ERROR, NULL, where,
		                  _("charter \"%s\" is not a charter profile of this "
		                    "election's rules (CH1..CH5 are built in)"),
		                  *field);
	else
		elec_findings_add(p->f, ELEC_ERROR, NULL, where,
		                  _("province \"%s\" is not a province profile of this "
		                    "election's rules"),
		                  *field);
	free(*field);
	*field = NULL;
}

static void check_charter(mf_ctx *p, void *obj, const char *where, int all_ok)
{
	(void)all_ok;
	check_layer(p, &((elec_manifest *)obj)->charter, where, LAYER_CHARTER);
}

static void check_province(mf_ctx *p, void *obj, const char *where, int all_ok)
{
	(void)all_ok;
	check_layer(p, &((elec_manifest *)obj)->province, where, LAYER_PROVINCE);
}

/* body.mode read: the base the mode's quorum uses must not be 0;
 * UL28.composition. */
static void check_body(mf_ctx *p, void *obj, const char *where, int all_ok)
{
	elec_manifest *m = obj;
	(void)where;
	(void)all_ok;
	/* body.registered is optional: init derives it from the roll (E-4.3) */
	if (m->mode == MODE_HOUSEHOLDS && m->households == 0)
		elec_findings_add(p->f, ELEC_ERROR, NULL, "body.households",
		                  _("a body base of 0: households mode needs households > 0"));
	if (m->mode >= MODE_REPRESENTATIVES && m->members == 0)
		elec_findings_add(p->f, ELEC_ERROR, NULL, "body.members",
		                  _("a body base of 0: %s mode needs members > 0"),
		                  manifest_mode_name(m->mode));
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

/* UL8.size: 5 to 9 members in all. */
static void check_committee_size(mf_ctx *p, void *obj, const char *where, int all_ok)
{
	const elec_manifest *m = obj;
	(void)all_ok;
	if (m->committee_members < 5 || m->committee_members > 9)
		elec_findings_add(
		    p->f, ELEC_ERROR, "UL8.size", where,
		    _("a residents' committee has 5 to 9 members in all, not %llu%s"),
		    (unsigned long long)m->committee_members,
		    m->charter && (strcmp(m->charter, "CH2") == 0 || strcmp(m->charter, "CH5") == 0)
		        ? " (conflict: the charter's 主任 + 委员2人 = 3 is below "
		          "the statute's 5)"
		        : "");
}

/* UL14.term: the statute's 5 years. */
static void check_term(mf_ctx *p, void *obj, const char *where, int all_ok)
{
	const elec_manifest *m = obj;
	(void)all_ok;
	if (m->term_years != 5)
		elec_findings_add(
		    p->f, ELEC_WARNING, "UL14.term", where,
		    _("term of %llu years: the statute's 5 years applies%s"),
		    (unsigned long long)m->term_years,
		    m->charter && (strcmp(m->charter, "CH1") == 0 || strcmp(m->charter, "CH2") == 0)
		        ? " (conflict: the charter says 3 years, UL14 says 5)"
		        : "");
}

/* No residents' group is served by two stations (or twice by one). */
static void check_groups(mf_ctx *p, void *obj, const char *where, int all_ok)
{
	const elec_station *s = obj;
	const elec_manifest *m = p->m;
	(void)all_ok;
	for (size_t g = 0; g < s->ngroups; g++)
		for (size_t a = 0; a < m->nstations; a++)
			for (size_t b = 0; b < m->stations[a].ngroups; b++) {
				if (&m->stations[a] == s && b >= g)
					break;
				if (strcmp(m->stations[a].groups[b], s->groups[g]) == 0) {
					char at[320];
					snprintf(at, sizeof at, "%s[%zu]", where, g);
					elec_findings_add(p->f, ELEC_ERROR, NULL, at,
					                  _("group \"%s\" is served twice"),
					                  s->groups[g]);
				}
			}
}

static void check_polling_day(mf_ctx *p, void *obj, const char *where, int all_ok)
{
	(void)obj;
	(void)where;
	(void)all_ok;
	p->have_poll = 1;
}

/* E-5.1: only an election has a run-off. */
static void check_runoff(mf_ctx *p, void *obj, const char *where, int all_ok)
{
	const elec_manifest *m = obj;
	(void)all_ok;
	if (m->kind != KIND_ELECTION)
		elec_findings_add(p->f, ELEC_ERROR, "UL19.runoff", where,
		                  _("only an election has a run-off"));
}

/* UL19.byelection: a by-election (补选) is an election whose member serves
 * to the end of the current term: the term is the statute's 5 years
 * (UL14.term) from term_began (29 February: 28 February in a non-leap
 * year, Civil Code Art 202), and polling day falls within it. */
static void check_by_election(mf_ctx *p, void *obj, const char *where, int all_ok)
{
	const elec_manifest *m = obj;
	if (m->kind != KIND_ELECTION)
		elec_findings_add(p->f, ELEC_ERROR, "UL19.byelection", where,
		                  _("only an election can be a by-election (kind is %s)"),
		                  manifest_kind_name(m->kind));
	if (!all_ok)
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
	if (p->have_poll && (elec_date_days(m->polling_day) < elec_date_days(m->term_began) ||
	                     elec_date_days(m->polling_day) >= elec_date_days(m->term_ends)))
		elec_findings_add(p->f, ELEC_ERROR, "UL19.byelection", where,
		                  _("polling day %04d-%02d-%02d is not within the current term "
		                    "(%04d-%02d-%02d to %04d-%02d-%02d): a by-election fills a "
		                    "seat for the rest of a running term"),
		                  m->polling_day.year, m->polling_day.month, m->polling_day.day,
		                  m->term_began.year, m->term_began.month, m->term_began.day,
		                  m->term_ends.year, m->term_ends.month, m->term_ends.day);
}

static int is_election(const mf_ctx *p)
{
	return p->m->kind == KIND_ELECTION;
}

/* ---- the tables (E-2) ---- */

#define NF(a) (sizeof(a) / sizeof((a)[0]))
#define MF_FIELDS(a) .fields = (a), .nfields = NF(a)

/* The title's keys store into the struct that has the title: one table
 * each for the manifest and the contest. */
static const mf_field mtitle_fields[] = {
    {.key = "zh", .type = MF_STR, .flags = MF_REQUIRED, MF_AT(elec_manifest, title_zh)},
    {.key = "en", .type = MF_STR, .flags = MF_REQUIRED, MF_AT(elec_manifest, title_en)},
};
static const mf_field ctitle_fields[] = {
    {.key = "zh", .type = MF_STR, .flags = MF_REQUIRED, MF_AT(elec_contest, title_zh)},
    {.key = "en", .type = MF_STR, .flags = MF_REQUIRED, MF_AT(elec_contest, title_en)},
};
static const mf_object mtitle = {.name = "title", .cite = "E-2", MF_FIELDS(mtitle_fields)};
static const mf_object ctitle = {.name = "title", .cite = "E-2", MF_FIELDS(ctitle_fields)};

/* office: candidates[] and their nomination (UL18.nomination) */
static const char *const nomination_by[] = {"party", "voters", NULL};
static const int nomination_party[] = {1, 0};
static const mf_field voters_fields[] = {
    {.key = "count", .type = MF_COUNT, .flags = MF_REQUIRED, MF_AT(elec_candidate, nominators)},
};
static const mf_object by_voters = {.name = "nomination", .cite = "E-2", MF_FIELDS(voters_fields)};
static const mf_object by_party = {.name = "nomination", .cite = "E-2"};
static const mf_object *const nomination_variants[] = {&by_party, &by_voters};
#define NOMINATION_WHY                                                                             \
	N_("nomination must be {\"by\": \"party\"} or {\"by\": \"voters\", \"count\": N}")
static const mf_field nomination_fields[] = {
    {.key = "by",
     .type = MF_ENUM,
     .flags = MF_REQUIRED | MF_TAG,
     MF_AT(elec_candidate, by_party),
     .names = nomination_by,
     .values = nomination_party,
     .rule = "UL18.nomination",
     .why = NOMINATION_WHY},
};
static const mf_object nomination = {.name = "nomination",
                                     .cite = "E-2",
                                     MF_FIELDS(nomination_fields),
                                     .variants = nomination_variants,
                                     .nvariants = NF(nomination_variants)};
static const mf_field candidate_fields[] = {
    {.key = "id", .type = MF_ID, .flags = MF_REQUIRED | MF_UNIQUE, MF_AT(elec_candidate, id)},
    {.key = "voter", .type = MF_ID, .flags = MF_REQUIRED | MF_UNIQUE, MF_AT(elec_candidate, voter)},
    {.key = "name", .type = MF_STR, .flags = MF_REQUIRED, MF_AT(elec_candidate, name)},
    {.key = "nomination",
     .type = MF_OBJECT,
     .flags = MF_REQUIRED,
     .sub = &nomination,
     .rule = "UL18.nomination",
     .why = NOMINATION_WHY},
};
static const mf_object candidate = {.name = N_("candidate"),
                                    .cite = "E-2",
                                    MF_FIELDS(candidate_fields),
                                    .size = sizeof(elec_candidate)};
static const mf_field office_fields[] = {
    {.key = "seats",
     .type = MF_COUNT,
     .flags = MF_REQUIRED,
     MF_AT(elec_contest, seats),
     .min = 1,
     .max = 1000},
    {.key = "candidates",
     .type = MF_ARRAY,
     .flags = MF_REQUIRED,
     MF_AT(elec_contest, cands),
     MF_AUX(elec_contest, ncands),
     .sub = &candidate,
     .check = check_contested},
};

/* motion */
static const mf_field motion_fields[] = {
    {.key = "text", .type = MF_STR, .flags = MF_REQUIRED, MF_AT(elec_contest, text)},
};

/* recall: UL20.defence, UL20.propose */
static const mf_field member_fields[] = {
    {.key = "id", .type = MF_ID, .flags = MF_REQUIRED, MF_AT(elec_contest, member_id)},
    {.key = "name", .type = MF_STR, .flags = MF_REQUIRED, MF_AT(elec_contest, member_name)},
};
static const mf_object recalled = {.name = N_("member"), .cite = "E-2", MF_FIELDS(member_fields)};
static const char *const signature_bases[] = {"registered", "households", "representatives", NULL};
static const int signature_base_values[] = {BASE_REGISTERED, BASE_HOUSEHOLDS, BASE_REPRESENTATIVES};
static const mf_field recall_fields[] = {
    {.key = "member", .type = MF_OBJECT, .flags = MF_REQUIRED, .sub = &recalled},
    {.key = "defence",
     .type = MF_STR,
     .flags = MF_REQUIRED,
     MF_AT(elec_contest, defence),
     .rule = "UL20.defence",
     .why = N_("the member's defence text must be given and published before the poll")},
    {.key = "defence_published",
     .type = MF_DATE,
     .flags = MF_REQUIRED,
     MF_AT(elec_contest, defence_published),
     .rule = "UL20.defence",
     .check = check_defence_date},
    {.key = "signatures", .type = MF_COUNT, .flags = MF_REQUIRED, MF_AT(elec_contest, signatures)},
    {.key = "signature_base",
     .type = MF_ENUM,
     .flags = MF_REQUIRED,
     MF_AT(elec_contest, signature_base),
     .names = signature_bases,
     .values = signature_base_values,
     .check = check_signatures},
};

/* evaluation */
static const char *const previous_ratings[] = {"称职", "基本称职", "不称职", NULL};
static const int previous_unfit[] = {0, 0, 1};
static const mf_field evaluated_fields[] = {
    {.key = "id", .type = MF_ID, .flags = MF_REQUIRED | MF_UNIQUE, MF_AT(elec_member, id)},
    {.key = "name", .type = MF_STR, .flags = MF_REQUIRED, MF_AT(elec_member, name)},
    {.key = "previous",
     .type = MF_ENUM,
     MF_AT(elec_member, previous_unfit),
     .names = previous_ratings,
     .values = previous_unfit},
};
static const mf_object evaluated = {
    .name = N_("member"), .cite = "E-2", MF_FIELDS(evaluated_fields), .size = sizeof(elec_member)};
static const mf_field evaluation_fields[] = {
    {.key = "members",
     .type = MF_ARRAY,
     .flags = MF_REQUIRED,
     MF_AT(elec_contest, members),
     MF_AUX(elec_contest, nmembers),
     .sub = &evaluated},
};

/* petition */
static const char *const convened[] = {"residents-meeting", "representatives-meeting", "assembly",
                                       "council", NULL};
static const mf_field petition_fields[] = {
    {.key = "convenes",
     .type = MF_STR,
     .flags = MF_REQUIRED,
     MF_AT(elec_contest, convenes),
     .names = convened,
     .check = check_convenes},
};

/* A contest: the keys of every type, then its type's table (in the order
 * of elec_contest_type). */
static const mf_object office = {.name = "office", .cite = "E-2", MF_FIELDS(office_fields)};
static const mf_object motion = {.name = "motion", .cite = "E-2", MF_FIELDS(motion_fields)};
static const mf_object recall = {.name = "recall", .cite = "E-2", MF_FIELDS(recall_fields)};
static const mf_object evaluation = {
    .name = "evaluation", .cite = "E-2", MF_FIELDS(evaluation_fields)};
static const mf_object petition = {.name = "petition", .cite = "E-2", MF_FIELDS(petition_fields)};
static const mf_object *const contest_types[] = {&office, &motion, &recall, &evaluation, &petition};
static const char *const contest_type_names[] = {"office",     "motion",   "recall",
                                                 "evaluation", "petition", NULL};
static const char *const ballot_modes[] = {"secret", "named", NULL};
static const mf_field contest_fields[] = {
    {.key = "id", .type = MF_ID, .flags = MF_REQUIRED | MF_UNIQUE, MF_AT(elec_contest, id)},
    {.key = "title", .type = MF_OBJECT, .flags = MF_REQUIRED, .sub = &ctitle},
    {.key = "type",
     .type = MF_ENUM,
     .flags = MF_REQUIRED | MF_TAG,
     MF_AT(elec_contest, type),
     .names = contest_type_names},
    {.key = "rules", .type = MF_CUSTOM, .flags = MF_REQUIRED, .set = set_rules},
    {.key = "ballot",
     .type = MF_ENUM,
     MF_AT(elec_contest, named),
     .names = ballot_modes,
     .check = check_ballot},
    /* B-10.1; checked against the seats, the type, a run-off and the
     * profiles once every contest is read (check_write_ins) */
    {.key = "write_in",
     .type = MF_COUNT,
     MF_AT(elec_contest, write_in),
     .max = MANIFEST_MAX_WRITE_IN},
};
static const mf_object contest = {.name = N_("contest"),
                                  .cite = "E-2",
                                  MF_FIELDS(contest_fields),
                                  .variants = contest_types,
                                  .nvariants = NF(contest_types),
                                  .size = sizeof(elec_contest)};

/* election_committee[] (UL17.committee) */
static const mf_field committee_member_fields[] = {
    {.key = "name", .type = MF_STR, .flags = MF_REQUIRED, MF_AT(elec_committee_member, name)},
    {.key = "voter", .type = MF_ID, .flags = MF_REQUIRED, MF_AT(elec_committee_member, voter)},
    {.key = "relatives",
     .type = MF_LIST,
     MF_AT(elec_committee_member, relatives),
     MF_AUX(elec_committee_member, nrelatives),
     .elem = MF_ID},
};
static const mf_object committee_member = {.name = N_("election committee member"),
                                           .cite = "E-2",
                                           MF_FIELDS(committee_member_fields),
                                           .size = sizeof(elec_committee_member)};

static const char *const mode_names[] = {"residents", "households", "representatives",
                                         "assembly",  "council",    NULL};
/* body: the voting body and the bases of its thresholds (RP-2); mode
 * last, its check needs the bases. */
static const mf_field body_fields[] = {
    {.key = "registered", .type = MF_COUNT, MF_AT(elec_manifest, registered)},
    {.key = "households", .type = MF_COUNT, MF_AT(elec_manifest, households)},
    {.key = "members", .type = MF_COUNT, MF_AT(elec_manifest, members)},
    {.key = "representatives", .type = MF_COUNT, MF_AT(elec_manifest, representatives)},
    {.key = "groups", .type = MF_COUNT, MF_AT(elec_manifest, groups)},
    {.key = "mode",
     .type = MF_ENUM,
     .flags = MF_REQUIRED,
     MF_AT(elec_manifest, mode),
     .names = mode_names,
     .check = check_body},
};
static const mf_object body = {.name = "body", .cite = "E-2", MF_FIELDS(body_fields)};

/* committee: UL8.size, UL14.term */
static const mf_field committee_fields[] = {
    {.key = "members",
     .type = MF_COUNT,
     .flags = MF_REQUIRED,
     MF_AT(elec_manifest, committee_members),
     .check = check_committee_size},
    {.key = "term_years",
     .type = MF_COUNT,
     .flags = MF_REQUIRED,
     MF_AT(elec_manifest, term_years),
     .check = check_term},
};
static const mf_object committee = {
    .name = "committee", .cite = "E-2", MF_FIELDS(committee_fields)};

/* stations[] */
static const mf_field station_fields[] = {
    {.key = "id", .type = MF_ID, .flags = MF_REQUIRED | MF_UNIQUE, MF_AT(elec_station, id)},
    {.key = "name", .type = MF_STR, .flags = MF_REQUIRED, MF_AT(elec_station, name)},
    {.key = "groups",
     .type = MF_LIST,
     .flags = MF_REQUIRED,
     MF_AT(elec_station, groups),
     MF_AUX(elec_station, ngroups),
     .elem = MF_ID,
     .check = check_groups},
};
static const mf_object station = {
    .name = N_("station"), .cite = "E-2", MF_FIELDS(station_fields), .size = sizeof(elec_station)};

/* dates (UL17.roll, UL17.objections, UL26.notice: check_dates) */
static const mf_field dates_fields[] = {
    {.key = "polling_day",
     .type = MF_DATE,
     .flags = MF_REQUIRED,
     MF_AT(elec_manifest, polling_day),
     .check = check_polling_day},
    {.key = "roll_published",
     .type = MF_DATE,
     MF_AT(elec_manifest, roll_published),
     MF_AUX(elec_manifest, has_roll_published)},
    {.key = "notice",
     .type = MF_DATE,
     MF_AT(elec_manifest, notice),
     MF_AUX(elec_manifest, has_notice)},
    {.key = "objections_close",
     .type = MF_DATE,
     MF_AT(elec_manifest, objections_close),
     MF_AUX(elec_manifest, has_objections_close)},
    {.key = "objections_decided",
     .type = MF_DATE,
     MF_AT(elec_manifest, objections_decided),
     MF_AUX(elec_manifest, has_objections_decided)},
    {.key = "notice_exception", .type = MF_STR, MF_AT(elec_manifest, notice_exception)},
};
static const mf_object dates = {.name = "dates", .cite = "E-2", MF_FIELDS(dates_fields)};

/* runoff (E-5.1) */
static int set_withdrawn(mf_ctx *p, void *obj, json_t *w, const char *where);
static const mf_field runoff_fields[] = {
    {.key = "round",
     .type = MF_COUNT,
     .flags = MF_REQUIRED,
     MF_AT(elec_manifest, runoff_round),
     .min = 2,
     .max = 100,
     .rule = "UL19.runoff",
     .why = N_("round must be 2 to 100 (round 1 has no \"runoff\")")},
    {.key = "previous_base_hash",
     .type = MF_HASH,
     .flags = MF_REQUIRED,
     MF_AT(elec_manifest, runoff_prev_base)},
    {.key = "previous_result_sha256",
     .type = MF_HASH,
     .flags = MF_REQUIRED,
     MF_AT(elec_manifest, runoff_prev_result)},
    {.key = "previous_manifest_sha256",
     .type = MF_HASH,
     .flags = MF_REQUIRED,
     MF_AT(elec_manifest, runoff_prev_manifest)},
    {.key = "withdrawn", .type = MF_CUSTOM, .rule = "UL19.runoff", .set = set_withdrawn},
};
static const mf_object runoff = {.name = "runoff", .cite = "E-5.1", MF_FIELDS(runoff_fields)};
/* runoff.withdrawn[]: read into a pair, kept in the manifest's two lists */
typedef struct withdrawal {
	char *id, *reason;
} withdrawal;
static const mf_field withdrawal_fields[] = {
    {.key = "id", .type = MF_ID, .flags = MF_REQUIRED, MF_AT(withdrawal, id)},
    {.key = "reason", .type = MF_STR, .flags = MF_REQUIRED, MF_AT(withdrawal, reason)},
};
static const mf_object withdrawal_object = {.name = "withdrawal",
                                            .cite = "E-5.1",
                                            MF_FIELDS(withdrawal_fields),
                                            .size = sizeof(withdrawal)};

/* by_election (UL19.byelection) */
static const mf_field by_election_fields[] = {
    {.key = "term_began", .type = MF_DATE, .flags = MF_REQUIRED, MF_AT(elec_manifest, term_began)},
    {.key = "term_ends", .type = MF_DATE, .flags = MF_REQUIRED, MF_AT(elec_manifest, term_ends)},
};
static const mf_object by_election = {
    .name = "by_election", .cite = "E-2", MF_FIELDS(by_election_fields)};

static const char *const kind_names[] = {"election",   "recall",   "motion",
                                         "evaluation", "petition", NULL};
static const char *const formats[] = {MANIFEST_FORMAT, NULL};
/* The manifest (E-2), in the order its checks need: charter before the
 * contests' rules, body and dates before the contests, kind before
 * committee, runoff and by_election. */
static const mf_field manifest_fields[] = {
    {.key = "format", .type = MF_STR, .flags = MF_REQUIRED, .names = formats},
    {.key = "id", .type = MF_ID, .flags = MF_REQUIRED, MF_AT(elec_manifest, id)},
    {.key = "title", .type = MF_OBJECT, .flags = MF_REQUIRED, .sub = &mtitle},
    {.key = "kind",
     .type = MF_ENUM,
     .flags = MF_REQUIRED,
     MF_AT(elec_manifest, kind),
     .names = kind_names},
    {.key = "charter", .type = MF_STR, MF_AT(elec_manifest, charter), .check = check_charter},
    {.key = "province", .type = MF_STR, MF_AT(elec_manifest, province), .check = check_province},
    {.key = "election_committee",
     .type = MF_ARRAY,
     MF_AT(elec_manifest, committee),
     MF_AUX(elec_manifest, ncommittee),
     .sub = &committee_member},
    {.key = "body", .type = MF_OBJECT, .flags = MF_REQUIRED, .sub = &body},
    {.key = "committee",
     .type = MF_OBJECT,
     .flags = MF_NULL_ABSENT,
     MF_AUX(elec_manifest, has_committee),
     .sub = &committee,
     .rule = "UL8.size",
     .why = N_("an election manifest must state the committee's size and term "
               "(committee.members, committee.term_years)"),
     .required_if = is_election},
    {.key = "stations",
     .type = MF_ARRAY,
     .flags = MF_REQUIRED,
     MF_AT(elec_manifest, stations),
     MF_AUX(elec_manifest, nstations),
     .sub = &station},
    {.key = "dates", .type = MF_OBJECT, .flags = MF_REQUIRED, .sub = &dates},
    {.key = "runoff",
     .type = MF_OBJECT,
     .sub = &runoff,
     .rule = "UL19.runoff",
     .check = check_runoff},
    {.key = "contests",
     .type = MF_ARRAY,
     .flags = MF_REQUIRED,
     MF_AT(elec_manifest, contests),
     MF_AUX(elec_manifest, ncontests),
     .sub = &contest},
    {.key = "by_election",
     .type = MF_OBJECT,
     MF_AUX(elec_manifest, by_election),
     .sub = &by_election,
     .rule = "UL19.byelection",
     .check = check_by_election},
};
static const mf_object manifest_object = {
    .name = "manifest", .cite = "E-2", MF_FIELDS(manifest_fields)};

const mf_object *manifest_schema(void)
{
	return &manifest_object;
}

static int set_withdrawn(mf_ctx *p, void *obj, json_t *w, const char *where)
{
	elec_manifest *m = obj;
	size_t n = json_array_size(w), i;
	json_t *v;
	if (!json_is_array(w)) {
		elec_findings_add(p->f, ELEC_ERROR, "UL19.runoff", where,
		                  _("must be a list of {\"id\", \"reason\"}"));
		return 0;
	}
	if (n == 0)
		return 1;
	m->runoff_withdrawn = calloc(n, sizeof(char *));
	m->runoff_withdrawn_reason = calloc(n, sizeof(char *));
	if (m->runoff_withdrawn == NULL || m->runoff_withdrawn_reason == NULL) {
		p->oom = 1;
		return 0;
	}
	json_array_foreach(w, i, v)
	{
		char path[300];
		withdrawal wd = {NULL, NULL};
		snprintf(path, sizeof path, "%s[%zu]", where, i);
		if (!json_is_object(v)) {
			elec_findings_add(p->f, ELEC_ERROR, "UL19.runoff", path,
			                  _("must be {\"id\", \"reason\"}"));
			continue;
		}
		if (!mf_read_object(p, &withdrawal_object, &wd, v, path) || wd.id == NULL ||
		    wd.reason == NULL) {
			free(wd.id);
			free(wd.reason);
			continue;
		}
		for (size_t q = 0; q < m->runoff_nwithdrawn; q++)
			if (strcmp(m->runoff_withdrawn[q], wd.id) == 0)
				elec_findings_add(p->f, ELEC_ERROR, "UL19.runoff", path,
				                  _("\"%s\" is listed twice"), wd.id);
		m->runoff_withdrawn[m->runoff_nwithdrawn] = wd.id;
		m->runoff_withdrawn_reason[m->runoff_nwithdrawn] = wd.reason;
		m->runoff_nwithdrawn++;
	}
	return 1;
}

/* ---- checks across objects, once everything is read ---- */

static int any_rule(const elec_manifest *m, const char *id)
{
	for (size_t i = 0; i < m->ncontests; i++)
		if (has_rule(&m->contests[i], id))
			return 1;
	return 0;
}
/* Date checks that need the contests: UL17.roll, UL26.notice. */
static void check_dates(mf_ctx *p, elec_manifest *m)
{
	if (!p->have_poll)
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

static void check_runoff_contests(mf_ctx *p, const elec_manifest *m)
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

static void select_profile(mf_ctx *p, elec_manifest *m, const rule_file *pf)
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
static void select_profiles(mf_ctx *p, elec_manifest *m)
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

static void check_election_committee(mf_ctx *p, const elec_manifest *m)
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

/* The row of the election's profiles with the given part that sets the
 * largest limit (the strictest), or NULL. */
const rule_def *manifest_limit_row(const elec_manifest *m, const char *part,
                                   manifest_limit_pick pick)
{
	const rule_def *best = NULL;
	for (size_t i = 0; i < m->nprofiles; i++)
		for (size_t r = 0; r < m->profiles[i]->nrows; r++) {
			const rule_def *d = &m->profiles[i]->rows[r];
			if (d->part == NULL || strcmp(d->part, part) != 0 || d->limit == 0)
				continue;
			if (best == NULL ||
			    (pick == MANIFEST_LIMIT_LARGEST ? d->limit > best->limit
			                                    : d->limit < best->limit))
				best = d;
		}
	return best;
}

/* UL18.nomination (RP-6): the statute has the voters nominate directly and
 * fixes no number, so a nomination by voters needs at least one voter, or
 * the largest "limit" of a row of part "nomination-joint" among the
 * election's profiles (a provincial or charter option, e.g. the example
 * province's PROV.nomination.joint: 10).  Nomination by the community
 * Party organisation has no statute source: it is allowed where a row of
 * part "nomination-party" is among the profiles, and otherwise recorded
 * with a warning naming UL18.nomination (after the profiles are
 * selected). */
static void check_nominations(mf_ctx *p, const elec_manifest *m)
{
	const rule_def *joint = manifest_limit_row(m, "nomination-joint", MANIFEST_LIMIT_LARGEST);
	const rule_def *party = manifest_profile_row(m, "nomination-party");
	uint64_t need = joint != NULL ? joint->limit : 1;
	for (size_t i = 0; i < m->ncontests; i++)
		for (size_t k = 0; k < m->contests[i].ncands; k++) {
			const elec_candidate *cd = &m->contests[i].cands[k];
			char where[96];
			if (m->contests[i].type != CONTEST_OFFICE)
				continue;
			snprintf(where, sizeof where, "contests[%zu].candidates[%zu]", i, k);
			if (cd->by_party) {
				if (party == NULL)
					elec_findings_add(
					    p->f, ELEC_WARNING, "UL18.nomination", where,
					    _("nominated by the Party organisation: the statute "
					      "has "
					      "the voters nominate directly, and no profile of "
					      "this "
					      "election has a row of part \"nomination-party\" "
					      "allowing it"));
				continue;
			}
			if (cd->nominators < need)
				elec_findings_add(
				    p->f, ELEC_ERROR, joint != NULL ? joint->id : "UL18.nomination",
				    where,
				    _("nominated by %llu voters; at least %llu must nominate "
				      "(%llu <= %llu fails)"),
				    (unsigned long long)cd->nominators, (unsigned long long)need,
				    (unsigned long long)need, (unsigned long long)cd->nominators);
		}
}

/* ---- write-in slots (E-2 "write_in", B-10.1) ---- */

const rule_def *manifest_profile_row(const elec_manifest *m, const char *part)
{
	for (size_t i = 0; i < m->nprofiles; i++)
		for (size_t r = 0; r < m->profiles[i]->nrows; r++)
			if (m->profiles[i]->rows[r].part != NULL &&
			    strcmp(m->profiles[i]->rows[r].part, part) == 0)
				return &m->profiles[i]->rows[r];
	return NULL;
}

/* B-10.1: each contest's write_in (read by the contest table, 0..5) where
 * it may be: an office, at most its seats, not in a run-off, and not where
 * a profile forbids it (after the profiles are selected). */
static void check_write_ins(mf_ctx *p, elec_manifest *m)
{
	for (size_t i = 0; i < m->ncontests; i++) {
		elec_contest *c = &m->contests[i];
		uint32_t w = c->write_in;
		const rule_def *no;
		char path[64];
		if (w == 0)
			continue;
		c->write_in = 0;
		snprintf(path, sizeof(path), "contests[%zu].write_in", i);
		if (c->type != CONTEST_OFFICE) {
			elec_findings_add(p->f, ELEC_ERROR, NULL, path,
			                  _("write_in: only an office contest may have write-in "
			                    "slots, not a %s"),
			                  manifest_contest_type_name(c->type));
			continue;
		}
		if (w > c->seats) {
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
		if ((no = manifest_profile_row(m, "no-write-in")) != NULL) {
			elec_findings_add(p->f, ELEC_ERROR, no->id, path,
			                  _("write_in: %s (%s) forbids write-ins in this election"),
			                  no->id, no->source ? no->source : no->id);
			continue;
		}
		c->write_in = w;
	}
}

/* ---- parsing: the manifest table, then the checks across objects ---- */

qerr manifest_parse_rules(const uint8_t *bytes, size_t len, const rulebook *rb, elec_manifest **out,
                          elec_findings *f)
{
	qerr err = Q_OK;
	json_t *root = NULL;
	elec_manifest *m = NULL;
	json_error_t je;

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
	m->rules = rb;
	/* the checks below use the engine's rows (RP-4) */
	if (rulebook_check_engine(rb, f) != Q_OK) {
		err = Q_ERR_RULE;
		goto out;
	}
	mf_ctx p = {f, 0, rb, m, 0};
	mf_read_object(&p, &manifest_object, m, root, "");
	check_dates(&p, m);
	check_runoff_contests(&p, m);
	check_election_committee(&p, m);
	select_profiles(&p, m);
	check_nominations(&p, m);
	check_write_ins(&p, m);
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

qerr manifest_parse(const uint8_t *bytes, size_t len, elec_manifest **out, elec_findings *f)
{
	return manifest_parse_rules(bytes, len, rulebook_builtin(), out, f);
}

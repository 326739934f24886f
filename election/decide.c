/* SPDX-License-Identifier: GPL-3.0-or-later */
/* decide.c -- the rule engine (docs/decide.md D-3, docs/rules.md). */
#include "decide.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/util.h"

#include "banned.h"

const char *dec_outcome_name(dec_outcome o)
{
	static const char *const n[] = {"elected", "runoff",  "passed",  "failed",      "no-quorum",
	                                "void",    "rectify", "convene", "not-convened"};
	return (unsigned)o < sizeof(n) / sizeof(n[0]) ? n[o] : "?";
}

static char *sdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

static void dc_free(dec_contest *c)
{
	free(c->id);
	for (size_t i = 0; i < c->ntally; i++)
		free(c->tally[i].id);
	free(c->tally);
	for (size_t i = 0; i < c->nelected; i++)
		free(c->elected[i]);
	free(c->elected);
	for (size_t i = 0; i < c->nrunoff; i++)
		free(c->runoff[i]);
	free(c->runoff);
	for (size_t i = 0; i < c->nmembers; i++)
		free(c->members[i].id);
	free(c->members);
	free(c->rules);
	free(c->conflicts);
}

void decision_free(elec_decision *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->ncontests; i++)
		dc_free(&d->contests[i]);
	free(d->contests);
	free(d->election);
	free(d);
}

/* ---- engine context ---- */

typedef struct ectx {
	const elec_manifest *m;
	elec_findings *f;
	int oom;
	int missing; /* a number the rules need is absent */
} ectx;

static void conflict(ectx *e, dec_contest *dc, const char *kind, size_t a, size_t b);

static dec_rule *push_rule(ectx *e, dec_contest *dc)
{
	if (dc->nrules == dc->caprules) {
		size_t nc = dc->caprules ? dc->caprules * 2 : 8;
		dec_rule *nv = realloc(dc->rules, nc * sizeof(*nv));
		if (nv == NULL) {
			e->oom = 1;
			return NULL;
		}
		dc->rules = nv;
		dc->caprules = nc;
	}
	dec_rule *r = &dc->rules[dc->nrules++];
	memset(r, 0, sizeof(*r));
	return r;
}

/* The number a row's count or base names (RP-4.2): body bases from the
 * manifest, cast and attendees from the contest's counts; any other kind
 * (votes, signatures, issued at a station, ...) is what the engine gives. */
static uint64_t kind_value(const ectx *e, const dec_contest *dc, rule_base k, uint64_t given)
{
	switch (k) {
	case BASE_REGISTERED:
		return e->m->registered;
	case BASE_HOUSEHOLDS:
		return e->m->households;
	case BASE_MEMBERS:
		return e->m->members;
	case BASE_REPRESENTATIVES:
		return e->m->representatives;
	case BASE_GROUPS:
		return e->m->groups;
	case BASE_CAST:
		return dc->cast;
	case BASE_ATTENDEES:
		return dc->attendees;
	default:
		return given;
	}
}

/* Record one test (D-3.1).  A base of 0 fails every test marked
 * zero_base_fails (RULES.md: "a base of 0 makes every quorum fail"). */
static int apply_def(ectx *e, dec_contest *dc, const rule_def *d, const char *subject, uint64_t x,
                     uint64_t n)
{
	dec_rule *r = push_rule(e, dc);
	if (r == NULL)
		return 0;
	r->def = d;
	snprintf(r->subject, sizeof(r->subject), "%s", subject ? subject : "");
	r->x = x;
	r->n = n;
	r->holds = rule_cmp(d->op, x, d->num, d->den, n, &r->lhs, &r->rhs);
	if (n == 0 && d->zero_base_fails) {
		r->base_zero = 1;
		r->holds = 0;
	}
	return r->holds;
}

/*
 * Apply the row id/part of the election's profiles and every row of a
 * higher layer the election uses that governs it (RP-3): all must hold;
 * where they disagree the failing (stricter) one decides and a conflict
 * names both.  `derive` (not for per-station reconciliation) takes x and n
 * from the rows' kinds (kind_value).  Returns whether everything held.
 */
static int apply_x(ectx *e, dec_contest *dc, const char *id, const char *part, const char *subject,
                   uint64_t x, uint64_t n, int derive, int layered)
{
	const rule_def *d = rule_find(e->m->rules, id, part);
	if (d == NULL || !d->numeric) {
		elec_findings_add(e->f, ELEC_ERROR, id, dc->id,
		                  "the election's rule profiles have no numeric row %s/%s", id,
		                  part);
		e->missing = 1;
		return 0;
	}
	if (derive) {
		x = kind_value(e, dc, d->xkind, x);
		n = kind_value(e, dc, d->nkind, n);
	}
	size_t at = dc->nrules;
	int holds = apply_def(e, dc, d, subject, x, n);
	if (!layered || e->oom)
		return holds;
	char gov[160];
	snprintf(gov, sizeof gov, "%s/%s", d->id, d->part);
	for (size_t p = 0; p < e->m->nprofiles; p++) {
		const rule_file *pf = e->m->profiles[p];
		if (pf->layer <= d->file->layer)
			continue;
		for (size_t i = 0; i < pf->nrows; i++) {
			const rule_def *g = &pf->rows[i];
			if (g->governs == NULL || strcmp(g->governs, gov) != 0)
				continue;
			size_t gi = dc->nrules;
			int gh = apply_def(e, dc, g, subject, x, n);
			if (e->oom)
				return 0;
			if (gh != dc->rules[at].holds) {
				size_t before = dc->nconflicts;
				conflict(e, dc, d->part, at, gi);
				if (dc->nconflicts > before)
					dc->conflicts[before].applied = gh ? d->id : g->id;
			}
			holds &= gh;
		}
	}
	return holds;
}

static int apply(ectx *e, dec_contest *dc, const char *id, const char *part, const char *subject,
                 uint64_t x, uint64_t n)
{
	return apply_x(e, dc, id, part, subject, x, n, 1, 1);
}

static void conflict(ectx *e, dec_contest *dc, const char *kind, size_t a, size_t b)
{
	if (dc->nconflicts == dc->capconflicts) {
		size_t nc = dc->capconflicts ? dc->capconflicts * 2 : 4;
		dec_conflict *nv = realloc(dc->conflicts, nc * sizeof(*nv));
		if (nv == NULL) {
			e->oom = 1;
			return;
		}
		dc->conflicts = nv;
		dc->capconflicts = nc;
	}
	/* a is the lower layer (the statute side when there is one) */
	if (dc->rules[a].def->file->layer > dc->rules[b].def->file->layer) {
		size_t t = a;
		a = b;
		b = t;
	}
	dec_conflict *c = &dc->conflicts[dc->nconflicts++];
	snprintf(c->kind, sizeof(c->kind), "%s", kind);
	c->a = a;
	c->b = b;
	c->applied = NULL;
}

/*
 * All rule sets must hold: among the tests in rules [from, to) whose part
 * matches `kind`, every pair from different rule IDs that disagree is a
 * conflict; the failing one is the stricter and stands (D-3.3).
 */
static void conflicts_all_hold(ectx *e, dec_contest *dc, size_t from, const char *kind)
{
	for (size_t i = from; i < dc->nrules; i++)
		for (size_t j = i + 1; j < dc->nrules; j++) {
			dec_rule *a = &dc->rules[i], *b = &dc->rules[j];
			/* governing rows have their own conflicts (apply_x, RP-3) */
			if (strcmp(a->def->id, b->def->id) == 0 || a->holds == b->holds ||
			    strcmp(a->subject, b->subject) != 0 || a->def->governs != NULL ||
			    b->def->governs != NULL)
				continue;
			size_t before = dc->nconflicts;
			conflict(e, dc, kind, i, j);
			if (dc->nconflicts > before)
				dc->conflicts[before].applied = a->holds ? b->def->id : a->def->id;
		}
}

static int has_rule(const elec_contest *c, const char *id)
{
	for (size_t i = 0; i < c->nrules; i++)
		if (strcmp(c->rules[i], id) == 0)
			return 1;
	return 0;
}

/* ---- gathering the counts of one contest over stations ---- */

typedef struct gathered {
	size_t nst; /* stations that counted it */
	unsigned round;
	uint32_t seats;
	int has_issued, has_cast, has_attendees;
	uint64_t issued, cast, attendees;
} gathered;

static uint64_t sum_option(const elec_counts *c, const char *cid, const char *key)
{
	uint64_t s = 0;
	for (size_t i = 0; i < c->nstations; i++)
		for (size_t k = 0; k < c->stations[i].ncontests; k++) {
			const count_contest *cc = &c->stations[i].contests[k];
			if (strcmp(cc->id, cid) != 0)
				continue;
			for (size_t o = 0; o < cc->n; o++)
				if (strcmp(cc->keys[o], key) == 0)
					s += cc->votes[o];
		}
	return s;
}

/* Sum the per-station numbers and apply COUNT.reconcile to each station.
 * Returns 1 if every station reconciles. */
static int gather(ectx *e, dec_contest *dc, const elec_counts *c, const char *cid, gathered *g)
{
	int ok = 1;
	memset(g, 0, sizeof(*g));
	g->has_issued = g->has_cast = g->has_attendees = 1;
	for (size_t i = 0; i < c->nstations; i++) {
		const count_station *st = &c->stations[i];
		for (size_t k = 0; k < st->ncontests; k++) {
			const count_contest *cc = &st->contests[k];
			if (strcmp(cc->id, cid) != 0)
				continue;
			g->nst++;
			g->round = cc->round;
			g->seats = cc->seats;
			int hi = cc->has_issued || st->has_issued;
			int hc = cc->has_cast || st->has_cast;
			int ha = cc->has_attendees || st->has_attendees;
			uint64_t is = cc->has_issued ? cc->issued : st->issued;
			uint64_t ca = cc->has_cast ? cc->cast : st->cast;
			/* D-1: attendees default to issued (a ballot was issued to each). */
			uint64_t at = cc->has_attendees ? cc->attendees : ha ? st->attendees : is;
			g->has_issued &= hi;
			g->has_cast &= hc;
			g->has_attendees &= ha || hi;
			g->issued += is;
			g->cast += ca;
			g->attendees += at;
			if (dc != NULL && hi && hc) {
				char subj[96];
				snprintf(subj, sizeof(subj), "%s", st->id ? st->id : "");
				if (!apply_x(e, dc, "COUNT.reconcile", "reconcile", subj, ca, is, 0,
				             1))
					ok = 0;
			}
		}
	}
	return ok;
}

/* ---- ranking and seat allocation ---- */

typedef struct rank {
	const char *id;
	uint64_t votes;
	size_t order;
} rank;

static int cmp_rank(const void *a, const void *b)
{
	const rank *x = a, *y = b;
	if (x->votes != y->votes)
		return x->votes > y->votes ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int push_str(ectx *e, char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(char *));
	if (nv == NULL) {
		e->oom = 1;
		return 0;
	}
	*v = nv;
	nv[*n] = sdup(s);
	if (nv[*n] == NULL) {
		e->oom = 1;
		return 0;
	}
	(*n)++;
	return 1;
}

/*
 * Allocate `seats` among ranked candidates (D-3.4).  `qual_id`/`qual_part`
 * name the threshold test (UL19.elected in round 1, UL19.runoff after).
 * Fills elected, runoff, unfilled; returns nothing (errors via e->oom).
 */
static void allocate(ectx *e, dec_contest *dc, rank *rk, size_t nr, unsigned seats,
                     const char *qual_id, const char *qual_part)
{
	size_t q = 0; /* qualifiers form a prefix of the ranking */
	for (size_t i = 0; i < nr; i++)
		if (apply(e, dc, qual_id, qual_part, rk[i].id, rk[i].votes, dc->cast))
			q = i + 1;
	size_t nelect = q < seats ? q : seats;
	if (q > seats && rk[seats].votes == rk[seats - 1].votes) {
		/* UL19.tie: a tie at the last seat among qualifiers */
		uint64_t v = rk[seats - 1].votes;
		nelect = 0;
		while (nelect < nr && rk[nelect].votes > v)
			nelect++;
		for (size_t i = nelect; i < nr && rk[i].votes == v; i++)
			apply(e, dc, "UL19.tie", "tie", rk[i].id, rk[i].votes, v);
	}
	for (size_t i = 0; i < nelect; i++)
		if (!push_str(e, &dc->elected, &dc->nelected, rk[i].id))
			return;
	dc->unfilled = seats - (unsigned)nelect;
	if (dc->unfilled == 0)
		return;
	/* UL19.runoff: the best-placed non-elected, unfilled + 1 of them at
	 * least, and everyone tied with the last one taken. */
	size_t want = (size_t)dc->unfilled + 1, taken = 0;
	for (size_t i = nelect; i < nr; i++) {
		if (taken >= want && rk[i].votes != rk[i - 1].votes)
			break;
		if (!push_str(e, &dc->runoff, &dc->nrunoff, rk[i].id))
			return;
		taken++;
	}
}

/* ---- per contest type ---- */

static int need(ectx *e, const elec_contest *mc, int have, const char *what)
{
	if (!have) {
		elec_findings_add(e->f, ELEC_ERROR, NULL, mc->id,
		                  "%s is missing in the counts of contest \"%s\"", what, mc->id);
		e->missing = 1;
	}
	return have;
}

static void decide_office(ectx *e, dec_contest *dc, const elec_contest *mc, const elec_counts *c,
                          const gathered *g, int reconciled)
{
	const elec_manifest *m = e->m;
	dc->seats = g->seats;
	/* the ranking, over the candidates of this round */
	rank *rk = calloc(mc->ncands, sizeof(*rk));
	size_t nr = 0;
	if (rk == NULL) {
		e->oom = 1;
		return;
	}
	for (size_t i = 0; i < mc->ncands; i++) {
		int counted = g->round == 1;
		for (size_t s = 0; s < c->nstations && !counted; s++)
			for (size_t k = 0; k < c->stations[s].ncontests; k++) {
				const count_contest *cc = &c->stations[s].contests[k];
				if (strcmp(cc->id, mc->id) == 0)
					for (size_t o = 0; o < cc->n; o++)
						if (strcmp(cc->keys[o], mc->cands[i].id) == 0)
							counted = 1;
			}
		if (!counted)
			continue; /* not a candidate in this run-off */
		rk[nr].id = mc->cands[i].id;
		rk[nr].votes = sum_option(c, mc->id, mc->cands[i].id);
		rk[nr].order = i;
		nr++;
	}
	qsort(rk, nr, sizeof(*rk), cmp_rank);
	dc->tally = calloc(nr ? nr : 1, sizeof(*dc->tally));
	if (dc->tally == NULL) {
		e->oom = 1;
		goto out;
	}
	for (size_t i = 0; i < nr; i++) {
		dc->tally[i].id = sdup(rk[i].id);
		dc->tally[i].votes = rk[i].votes;
		if (dc->tally[i].id == NULL) {
			e->oom = 1;
			goto out;
		}
		dc->ntally++;
	}
	if (!reconciled) {
		dc->outcome = OUT_VOID;
		goto out;
	}
	/* UL19 validity: round 1 only.  A run-off (另行选举) has its own test,
	 * votes >= 1/3 of its cast (RULES.md UL19.runoff), and no turnout test:
	 * docs/rules.md. */
	int valid = 1;
	if (g->round == 1 && m->mode == MODE_RESIDENTS)
		valid =
		    apply(e, dc, "UL19.valid.residents", "quorum", NULL, dc->cast, m->registered);
	else if (g->round == 1 && m->mode == MODE_HOUSEHOLDS)
		valid =
		    apply(e, dc, "UL19.valid.households", "quorum", NULL, dc->cast, m->households);
	else if (g->round == 1)
		valid = apply(e, dc, "UL19.valid.representatives", "quorum", NULL, dc->cast,
		              m->members);
	if (!valid) {
		dc->outcome = OUT_NO_QUORUM;
		dc->unfilled = dc->seats;
		goto out;
	}
	if (g->round == 1)
		allocate(e, dc, rk, nr, dc->seats, "UL19.elected", "elected");
	else
		allocate(e, dc, rk, nr, dc->seats, "UL19.runoff", "runoff");
	dc->outcome = dc->unfilled == 0 ? OUT_ELECTED : OUT_RUNOFF;
out:
	free(rk);
}

static int fill_tally(ectx *e, dec_contest *dc, const elec_contest *mc, const elec_counts *c)
{
	dc->tally = calloc(mc->noptions ? mc->noptions : 1, sizeof(*dc->tally));
	if (dc->tally == NULL) {
		e->oom = 1;
		return 0;
	}
	for (size_t i = 0; i < mc->noptions; i++) {
		dc->tally[i].id = sdup(mc->options[i]);
		dc->tally[i].votes = sum_option(c, mc->id, mc->options[i]);
		if (dc->tally[i].id == NULL) {
			e->oom = 1;
			return 0;
		}
		dc->ntally++;
	}
	return 1;
}

/* Motions and recalls: quorum tests, then decision tests; all must hold. */
static void decide_meeting(ectx *e, dec_contest *dc, const elec_contest *mc, const elec_counts *c,
                           int reconciled)
{
	const elec_manifest *m = e->m;
	if (!fill_tally(e, dc, mc, c))
		return;
	uint64_t yes = sum_option(c, mc->id, "yes");
	int resid = m->mode == MODE_RESIDENTS;
	if (mc->type == CONTEST_RECALL && has_rule(mc, "UL20")) {
		/* shown for the working; the manifest check refused a failing one */
		const char *part = mc->signature_base == BASE_REGISTERED   ? "registered"
		                   : mc->signature_base == BASE_HOUSEHOLDS ? "households"
		                                                           : "representatives";
		apply(e, dc, "UL20.propose", part, NULL, mc->signatures,
		      manifest_body_base(m, mc->signature_base));
	}
	if (!reconciled) {
		dc->outcome = OUT_VOID;
		return;
	}
	size_t qfrom = dc->nrules;
	int quorum = 1;
	for (size_t i = 0; i < mc->nrules; i++) {
		const char *r = mc->rules[i];
		if (strcmp(r, "UL27") == 0)
			quorum &= resid ? apply(e, dc, "UL27", "quorum", NULL, dc->attendees,
			                        m->registered)
			                : apply(e, dc, "UL27", "quorum-households", NULL,
			                        dc->attendees, m->households);
		else if (strcmp(r, "UL29") == 0 || strcmp(r, "CH4.12") == 0 ||
		         strcmp(r, "CH5.28") == 0 || strcmp(r, "CH4.9") == 0)
			quorum &= apply(e, dc, r, "quorum", NULL, dc->attendees, m->members);
		else if (strcmp(r, "UL20") == 0) {
			if (m->mode == MODE_RESIDENTS)
				quorum &= apply(e, dc, "UL20.quorum", "residents", NULL, dc->cast,
				                m->registered);
			else if (m->mode == MODE_HOUSEHOLDS)
				quorum &= apply(e, dc, "UL20.quorum", "households", NULL, dc->cast,
				                m->households);
			else
				quorum &= apply(e, dc, "UL20.quorum", "representatives", NULL,
				                dc->cast, m->members);
		}
	}
	conflicts_all_hold(e, dc, qfrom, "quorum");
	if (!quorum) {
		dc->outcome = OUT_NO_QUORUM;
		return;
	}
	size_t dfrom = dc->nrules;
	int pass = 1;
	for (size_t i = 0; i < mc->nrules; i++) {
		const char *r = mc->rules[i];
		if (strcmp(r, "UL20") == 0)
			pass &= apply(e, dc, "UL20.pass", "decision", NULL, yes, dc->cast);
		else
			pass &= apply(e, dc, r, "decision", NULL, yes, dc->attendees);
	}
	conflicts_all_hold(e, dc, dfrom, "decision");
	dc->outcome = pass ? OUT_PASSED : OUT_FAILED;
}

static void decide_evaluation(ectx *e, dec_contest *dc, const elec_contest *mc,
                              const elec_counts *c, int reconciled)
{
	if (!fill_tally(e, dc, mc, c))
		return;
	if (!reconciled) {
		dc->outcome = OUT_VOID;
		return;
	}
	dc->members = calloc(mc->nmembers, sizeof(*dc->members));
	if (dc->members == NULL) {
		e->oom = 1;
		return;
	}
	int any = 0;
	for (size_t k = 0; k < mc->nmembers; k++) {
		dec_member *dm = &dc->members[dc->nmembers];
		const char *id = mc->members[k].id;
		dm->id = sdup(id);
		if (dm->id == NULL) {
			e->oom = 1;
			return;
		}
		dc->nmembers++;
		dm->satisfied = dc->tally[3 * k].votes;
		dm->basic = dc->tally[3 * k + 1].votes;
		dm->dissatisfied = dc->tally[3 * k + 2].votes;
		if (dc->cast == 0)
			continue; /* base of 0: no rating at all (D-3.6) */
		if (has_rule(mc, "CH1.20.4"))
			dm->rectify = apply(e, dc, "CH1.20.4", "rectify", id,
			                    dm->satisfied + dm->basic, dc->cast);
		if (has_rule(mc, "UL37")) {
			dm->unfit = apply(e, dc, "UL37", "unfit", id, dm->dissatisfied, dc->cast);
			dm->office_ends = dm->unfit && mc->members[k].previous_unfit;
		}
		any |= dm->rectify || dm->office_ends;
	}
	if (dc->cast == 0) {
		apply(e, dc, has_rule(mc, "CH1.20.4") ? "CH1.20.4" : "UL37",
		      has_rule(mc, "CH1.20.4") ? "rectify" : "unfit", NULL, 0, 0);
		dc->outcome = OUT_NO_QUORUM;
		return;
	}
	dc->outcome = any ? OUT_RECTIFY : OUT_PASSED;
}

static void decide_petition(ectx *e, dec_contest *dc, const elec_contest *mc, const elec_counts *c)
{
	static const char *const routes[] = {"adults", "households", "representatives", "groups"};
	static const rule_base bases[] = {BASE_REGISTERED, BASE_HOUSEHOLDS, BASE_REPRESENTATIVES,
	                                  BASE_GROUPS};
	if (!fill_tally(e, dc, mc, c))
		return;
	int statute_any = 0, statute_holds = 0, charter_any = 0, charter_holds = 0;
	size_t best_statute = SIZE_MAX, best_charter = SIZE_MAX;
	for (size_t i = 0; i < mc->nrules; i++) {
		int holds = 0;
		size_t first = SIZE_MAX, hit = SIZE_MAX;
		for (int k = 0; k < 4; k++) {
			if (rule_find(e->m->rules, mc->rules[i], routes[k]) == NULL)
				continue;
			if (first == SIZE_MAX)
				first = dc->nrules;
			size_t at = dc->nrules;
			if (apply_x(e, dc, mc->rules[i], routes[k], routes[k],
			            sum_option(c, mc->id, routes[k]),
			            manifest_body_base(e->m, bases[k]), 1, 0)) {
				holds = 1;
				if (hit == SIZE_MAX)
					hit = at;
			}
		}
		if (first == SIZE_MAX || e->oom)
			continue;
		if (first >= dc->nrules)
			continue;
		const rule_def *d = dc->rules[first].def;
		size_t rep = hit != SIZE_MAX ? hit : first;
		if (d->statute) {
			statute_any = 1;
			if (holds || best_statute == SIZE_MAX)
				best_statute = rep;
			statute_holds |= holds;
		} else {
			charter_any = 1;
			if (holds || best_charter == SIZE_MAX)
				best_charter = rep;
			charter_holds |= holds;
		}
	}
	/* D-3.7: any one rule set suffices; a charter cannot raise the statute's bar. */
	int convene = statute_holds || charter_holds;
	if (statute_any && charter_any && statute_holds != charter_holds) {
		size_t before = dc->nconflicts;
		conflict(e, dc, "convene", best_statute, best_charter);
		if (dc->nconflicts > before)
			dc->conflicts[before].applied = statute_holds
			                                    ? dc->rules[best_statute].def->id
			                                    : dc->rules[best_charter].def->id;
	}
	dc->outcome = convene ? OUT_CONVENE : OUT_NOT_CONVENED;
}

qerr decide(const elec_manifest *m, const elec_counts *c, elec_decision **out, elec_findings *f)
{
	qerr err = Q_OK;
	ectx e = {m, f, 0, 0};
	elec_decision *d = calloc(1, sizeof(*d));

	*out = NULL;
	if (d == NULL)
		return Q_ERR_NOMEM;
	d->election = sdup(m->id);
	d->contests = calloc(m->ncontests ? m->ncontests : 1, sizeof(*d->contests));
	if (d->election == NULL || d->contests == NULL) {
		err = Q_ERR_NOMEM;
		goto out;
	}
	memcpy(d->manifest_hash, m->hash, SHA256_LEN);
	/* E-4.3: residents mode's base is the registered voters, derived from
	 * the roll; with neither the election's parameters nor a roll it is
	 * unknown, and a quorum tested against 0 would be a wrong decision */
	if (m->mode == MODE_RESIDENTS && m->registered == 0) {
		elec_findings_add(f, ELEC_ERROR, "UL16.eligible", "body.registered",
		                  "the number of registered voters is not known: it is derived "
		                  "from the roll (E-4.3); give the roll (--roll ROLL.csv)");
		err = Q_ERR_FORMAT;
		goto out;
	}
	for (size_t i = 0; i < m->ncontests && !e.oom; i++) {
		const elec_contest *mc = &m->contests[i];
		gathered g;
		gather(&e, NULL, c, mc->id, &g);
		if (g.nst == 0) {
			elec_findings_add(f, ELEC_WARNING, NULL, mc->id,
			                  "contest \"%s\" has no counts and is not decided",
			                  mc->id);
			continue;
		}
		dec_contest *dc = &d->contests[d->ncontests++];
		dc->id = sdup(mc->id);
		if (dc->id == NULL) {
			e.oom = 1;
			break;
		}
		dc->type = mc->type;
		dc->round = g.round;
		int reconciled = 1;
		if (mc->type != CONTEST_PETITION) {
			if (!need(&e, mc, g.has_issued, "issued") ||
			    !need(&e, mc, g.has_cast, "cast"))
				continue;
			reconciled = gather(&e, dc, c, mc->id, &g);
		}
		dc->issued = g.issued;
		dc->cast = g.cast;
		dc->attendees = g.attendees;
		if (reconciled && mc->type != CONTEST_PETITION && g.cast > g.attendees &&
		    (mc->type == CONTEST_MOTION || mc->type == CONTEST_RECALL)) {
			elec_findings_add(f, ELEC_ERROR, NULL, mc->id,
			                  "more ballots cast (%llu) than attendees (%llu)",
			                  (unsigned long long)g.cast,
			                  (unsigned long long)g.attendees);
			e.missing = 1;
			continue;
		}
		switch (mc->type) {
		case CONTEST_OFFICE:
			decide_office(&e, dc, mc, c, &g, reconciled);
			break;
		case CONTEST_MOTION:
		case CONTEST_RECALL:
			decide_meeting(&e, dc, mc, c, reconciled);
			break;
		case CONTEST_EVALUATION:
			decide_evaluation(&e, dc, mc, c, reconciled);
			break;
		case CONTEST_PETITION:
			decide_petition(&e, dc, mc, c);
			break;
		}
	}
	if (e.oom || f->oom) {
		err = Q_ERR_NOMEM;
		goto out;
	}
	if (e.missing) {
		err = Q_ERR_FORMAT;
		goto out;
	}
	*out = d;
	d = NULL;
out:
	decision_free(d);
	return err;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* decide_json.c -- the decision as JSON, keys in the fixed order of
 * docs/decide.md D-2. */
#include "decide.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/util.h"

#include "banned.h"

/* Set key to a new value; on a NULL value mark failure.  Returns 0 on error. */
static int put(json_t *o, const char *k, json_t *v)
{
	if (v == NULL)
		return 0;
	return json_object_set_new(o, k, v) == 0;
}

static json_t *jcount(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *str_array(char *const *v, size_t n)
{
	json_t *a = json_array();
	if (a == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(a, json_string(v[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *rule_json(const dec_rule *r)
{
	char frac[32], prof[96];
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	snprintf(frac, sizeof(frac), "%u/%u", r->def->num, r->def->den);
	/* RP-5.3: the profile (id/version) the row comes from */
	snprintf(prof, sizeof(prof), "%s/%u", r->def->file->id, r->def->file->version);
	int ok = put(o, "id", json_string(r->def->id)) &&
	         put(o, "part", json_string(r->def->part)) &&
	         put(o, "source", json_string(r->def->source)) &&
	         put(o, "test", json_string(r->def->test)) &&
	         put(o, "subject", r->subject[0] ? json_string(r->subject) : json_null()) &&
	         put(o, "x", jcount(r->x)) &&
	         put(o, "x_is", json_string(rule_base_name(r->def->xkind))) &&
	         put(o, "fraction", json_string(frac)) && put(o, "n", jcount(r->n)) &&
	         put(o, "n_is", json_string(rule_base_name(r->def->nkind))) &&
	         put(o, "lhs", jcount(r->lhs)) &&
	         put(o, "cmp", json_string(rule_op_symbol(r->def->op))) &&
	         put(o, "rhs", jcount(r->rhs)) && put(o, "base_zero", json_boolean(r->base_zero)) &&
	         put(o, "holds", json_boolean(r->holds)) && put(o, "profile", json_string(prof));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *conflict_json(const dec_contest *c, const dec_conflict *k)
{
	json_t *o = json_object(), *rs = json_array();
	if (o == NULL || rs == NULL)
		goto fail;
	const dec_rule *ra = &c->rules[k->a], *rb = &c->rules[k->b];
	if (json_array_append_new(rs, rule_json(ra)) != 0 ||
	    json_array_append_new(rs, rule_json(rb)) != 0)
		goto fail;
	if (!put(o, "kind", json_string(k->kind)) || !put(o, "rules", rs))
		goto fail_o;
	if (!put(o, "applied", k->applied ? json_string(k->applied) : json_null()))
		goto fail_o;
	return o;
fail:
	json_decref(rs);
fail_o:
	json_decref(o);
	return NULL;
}

static json_t *contest_json(const dec_contest *c)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	int ok = put(o, "id", json_string(c->id)) &&
	         put(o, "type", json_string(manifest_contest_type_name(c->type))) &&
	         put(o, "round", json_integer(c->round)) &&
	         put(o, "outcome", json_string(dec_outcome_name(c->outcome))) &&
	         put(o, "elected", str_array(c->elected, c->nelected)) &&
	         put(o, "runoff", str_array(c->runoff, c->nrunoff));
	if (ok && c->type == CONTEST_OFFICE)
		ok = put(o, "seats", json_integer(c->seats)) &&
		     put(o, "unfilled", json_integer(c->unfilled));
	if (ok && c->type != CONTEST_PETITION) {
		json_t *cn = json_object();
		ok = cn != NULL && put(cn, "issued", jcount(c->issued)) &&
		     put(cn, "cast", jcount(c->cast)) && put(cn, "attendees", jcount(c->attendees));
		if (ok)
			ok = put(o, "counts", cn);
		else
			json_decref(cn);
	}
	json_t *t = ok ? json_array() : NULL;
	ok = ok && t != NULL;
	for (size_t i = 0; ok && i < c->ntally; i++) {
		json_t *e = json_object();
		ok = e != NULL && put(e, "id", json_string(c->tally[i].id)) &&
		     put(e, "votes", jcount(c->tally[i].votes)) && json_array_append_new(t, e) == 0;
		if (!ok)
			json_decref(e);
	}
	ok = ok && put(o, "tally", t);
	if (ok && c->type == CONTEST_EVALUATION) {
		json_t *ms = json_array();
		ok = ms != NULL;
		for (size_t i = 0; ok && i < c->nmembers; i++) {
			const dec_member *dm = &c->members[i];
			json_t *e = json_object();
			ok = e != NULL && put(e, "id", json_string(dm->id)) &&
			     put(e, "satisfied", jcount(dm->satisfied)) &&
			     put(e, "basic", jcount(dm->basic)) &&
			     put(e, "dissatisfied", jcount(dm->dissatisfied)) &&
			     put(e, "rectify", json_boolean(dm->rectify)) &&
			     put(e, "unfit", json_boolean(dm->unfit)) &&
			     put(e, "office_ends", json_boolean(dm->office_ends)) &&
			     json_array_append_new(ms, e) == 0;
			if (!ok)
				json_decref(e);
		}
		ok = ok && put(o, "members", ms);
	}
	json_t *rs = ok ? json_array() : NULL;
	ok = ok && rs != NULL;
	for (size_t i = 0; ok && i < c->nrules; i++)
		ok = json_array_append_new(rs, rule_json(&c->rules[i])) == 0;
	ok = ok && put(o, "rules", rs);
	json_t *cs = ok ? json_array() : NULL;
	ok = ok && cs != NULL;
	for (size_t i = 0; ok && i < c->nconflicts; i++)
		ok = json_array_append_new(cs, conflict_json(c, &c->conflicts[i])) == 0;
	ok = ok && put(o, "conflicts", cs);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *decision_to_json(const elec_decision *d)
{
	char hex[2 * SHA256_LEN + 1];
	json_t *o = json_object(), *cs = json_array();
	if (o == NULL || cs == NULL)
		goto fail;
	hex_encode(hex, d->manifest_hash, SHA256_LEN);
	for (size_t i = 0; i < d->ncontests; i++)
		if (json_array_append_new(cs, contest_json(&d->contests[i])) != 0)
			goto fail;
	if (!put(o, "format", json_string(DECISION_FORMAT)) ||
	    !put(o, "election", json_string(d->election)) ||
	    !put(o, "manifest_sha256", json_string(hex))) {
		json_decref(cs);
		json_decref(o);
		return NULL;
	}
	if (!put(o, "contests", cs)) {
		json_decref(o);
		return NULL;
	}
	return o;
fail:
	json_decref(cs);
	json_decref(o);
	return NULL;
}

qerr decision_to_bytes(const elec_decision *d, char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	json_t *j = decision_to_json(d);
	if (j == NULL)
		return Q_ERR_NOMEM;
	/* D-2.1: compact, UTF-8 as is, keys in insertion order. */
	char *s = json_dumps(j, JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(j);
	if (s == NULL)
		return Q_ERR_NOMEM;
	*out = s;
	*len = strlen(s);
	return Q_OK;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* counts.c -- parse and check COUNTS.json (docs/decide.md D-1). */
#include "decide.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

static void cc_free(count_contest *c)
{
	free(c->id);
	for (size_t i = 0; i < c->n; i++)
		free(c->keys[i]);
	free(c->keys);
	free(c->votes);
}

void counts_free(elec_counts *c)
{
	if (c == NULL)
		return;
	for (size_t s = 0; s < c->nstations; s++) {
		count_station *st = &c->stations[s];
		free(st->id);
		for (size_t i = 0; i < st->ncontests; i++)
			cc_free(&st->contests[i]);
		free(st->contests);
	}
	free(c->stations);
	free(c);
}

static char *sdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

/* Read an optional count; 1 if present and valid, 0 if absent, -1 if bad. */
static int opt_count(json_t *o, const char *key, uint64_t *v, elec_findings *f, const char *where)
{
	json_t *j = json_object_get(o, key);
	*v = 0;
	if (j == NULL)
		return 0;
	if (!json_is_integer(j) || json_integer_value(j) < 0 ||
	    (uint64_t)json_integer_value(j) > RULE_MAX_COUNT) {
		elec_findings_add(f, ELEC_ERROR, NULL, where,
		                  "%s must be an integer from 0 to 2^53-1", key);
		return -1;
	}
	*v = (uint64_t)json_integer_value(j);
	return 1;
}

static int option_known(const elec_contest *mc, const char *key, unsigned round)
{
	if (mc->type == CONTEST_OFFICE && round > 1) {
		for (size_t i = 0; i < mc->ncands; i++)
			if (strcmp(mc->cands[i].id, key) == 0)
				return 1;
		return 0;
	}
	for (size_t i = 0; i < mc->noptions; i++)
		if (strcmp(mc->options[i], key) == 0)
			return 1;
	return 0;
}

static uint64_t tally_of(const count_contest *cc, const char *key)
{
	for (size_t i = 0; i < cc->n; i++)
		if (strcmp(cc->keys[i], key) == 0)
			return cc->votes[i];
	return 0;
}

/* Parse one contest entry of a station; 0 on OOM. */
static int parse_entry(const elec_manifest *m, count_station *st, json_t *je, const char *where,
                       elec_findings *f)
{
	const char *id = json_string_value(json_object_get(je, "id"));
	if (id == NULL) {
		elec_findings_add(f, ELEC_ERROR, NULL, where, "id is missing");
		return 1;
	}
	const elec_contest *mc = manifest_contest(m, id);
	if (mc == NULL) {
		elec_findings_add(f, ELEC_ERROR, NULL, where, "unknown contest \"%s\"", id);
		return 1;
	}
	for (size_t i = 0; i < st->ncontests; i++)
		if (strcmp(st->contests[i].id, id) == 0) {
			elec_findings_add(f, ELEC_ERROR, NULL, where,
			                  "contest \"%s\" is counted twice", id);
			return 1;
		}
	count_contest *cc = &st->contests[st->ncontests];
	memset(cc, 0, sizeof(*cc));
	uint64_t round = 1, seats = 0;
	int r = opt_count(je, "round", &round, f, where);
	if (r == 0)
		round = 1;
	if (r >= 0 && (round < 1 || round > 100)) {
		elec_findings_add(f, ELEC_ERROR, NULL, where, "round must be 1 to 100");
		return 1;
	}
	if (round > 1 && mc->type != CONTEST_OFFICE) {
		elec_findings_add(f, ELEC_ERROR, NULL, where,
		                  "only an office has run-off rounds (round %llu)",
		                  (unsigned long long)round);
		return 1;
	}
	if (round > 1) {
		if (opt_count(je, "seats", &seats, f, where) != 1 || seats < 1 ||
		    seats > mc->seats) {
			elec_findings_add(f, ELEC_ERROR, NULL, where,
			                  "a run-off round needs seats (1 to %u), the seats still "
			                  "to fill",
			                  mc->seats);
			return 1;
		}
	}
	/* E-5: a run-off manifest is counted in its own round, for its seats */
	if (m->runoff_round >= 2 && (round != m->runoff_round || seats != mc->seats)) {
		elec_findings_add(f, ELEC_ERROR, "UL19.runoff", where,
		                  "the manifest is round %u's run-off: its counts must say "
		                  "\"round\": %u, \"seats\": %u",
		                  m->runoff_round, m->runoff_round, mc->seats);
		return 1;
	}
	cc->round = (unsigned)round;
	cc->seats = round > 1 ? (uint32_t)seats : mc->seats;
	if ((cc->has_issued = opt_count(je, "issued", &cc->issued, f, where)) < 0 ||
	    (cc->has_cast = opt_count(je, "cast", &cc->cast, f, where)) < 0 ||
	    (cc->has_attendees = opt_count(je, "attendees", &cc->attendees, f, where)) < 0)
		return 1;
	json_t *jt = json_object_get(je, "tally");
	if (!json_is_object(jt)) {
		elec_findings_add(f, ELEC_ERROR, NULL, where, "tally must be an object");
		return 1;
	}
	size_t nk = json_object_size(jt);
	cc->keys = calloc(nk ? nk : 1, sizeof(char *));
	cc->votes = calloc(nk ? nk : 1, sizeof(uint64_t));
	cc->id = sdup(id);
	if (cc->keys == NULL || cc->votes == NULL || cc->id == NULL) {
		cc_free(cc);
		return 0;
	}
	st->ncontests++;
	const char *key;
	json_t *v;
	json_object_foreach(jt, key, v)
	{
		char w2[200];
		snprintf(w2, sizeof(w2), "%s.tally.%s", where, key);
		if (!option_known(mc, key, cc->round)) {
			elec_findings_add(f, ELEC_ERROR, NULL, w2, "\"%s\" is not an option of %s",
			                  key, id);
			continue;
		}
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    (uint64_t)json_integer_value(v) > RULE_MAX_COUNT) {
			elec_findings_add(f, ELEC_ERROR, NULL, w2,
			                  "a count must be an integer from 0 to 2^53-1");
			continue;
		}
		cc->keys[cc->n] = sdup(key);
		if (cc->keys[cc->n] == NULL)
			return 0;
		cc->votes[cc->n++] = (uint64_t)json_integer_value(v);
	}
	/* Consistency with the ballots cast (E-3 selection limits). */
	int has_cast = cc->has_cast || st->has_cast;
	uint64_t cast = cc->has_cast ? cc->cast : st->cast;
	if (mc->type == CONTEST_PETITION)
		return 1;
	if (!has_cast) {
		elec_findings_add(f, ELEC_ERROR, NULL, where,
		                  "cast is missing (in the station or the contest entry)");
		return 1;
	}
	unsigned __int128 sum = 0;
	for (size_t i = 0; i < cc->n; i++) {
		sum += cc->votes[i];
		if (cc->votes[i] > cast)
			elec_findings_add(f, ELEC_ERROR, NULL, where,
			                  "%s has %llu votes, more than the %llu ballots cast",
			                  cc->keys[i], (unsigned long long)cc->votes[i],
			                  (unsigned long long)cast);
	}
	if (mc->type == CONTEST_OFFICE && sum > (unsigned __int128)cast * cc->seats)
		elec_findings_add(f, ELEC_ERROR, NULL, where,
		                  "the votes add up to more than seats x cast (%u x %llu)",
		                  cc->seats, (unsigned long long)cast);
	if ((mc->type == CONTEST_MOTION || mc->type == CONTEST_RECALL) && sum > cast)
		elec_findings_add(f, ELEC_ERROR, NULL, where,
		                  "yes + no + abstain exceeds the %llu ballots cast",
		                  (unsigned long long)cast);
	if (mc->type == CONTEST_EVALUATION)
		for (size_t k = 0; k < mc->nmembers; k++) {
			uint64_t s = 0;
			for (size_t o = 0; o < mc->noptions; o++)
				if (mc->option_group[o] == k)
					s += tally_of(cc, mc->options[o]);
			if (s > cast)
				elec_findings_add(f, ELEC_ERROR, NULL, where,
				                  "the ratings of %s exceed the %llu ballots cast",
				                  mc->members[k].id, (unsigned long long)cast);
		}
	return 1;
}

static int parse_station(const elec_manifest *m, count_station *st, json_t *js, const char *where,
                         int combined, elec_findings *f)
{
	if (!combined) {
		const char *id = json_string_value(json_object_get(js, "id"));
		if (id == NULL) {
			elec_findings_add(f, ELEC_ERROR, NULL, where, "id is missing");
		} else {
			if (manifest_station(m, id) == NULL)
				elec_findings_add(f, ELEC_ERROR, NULL, where,
				                  "unknown station \"%s\"", id);
			st->id = sdup(id);
			if (st->id == NULL)
				return 0;
		}
	}
	if ((st->has_issued = opt_count(js, "issued", &st->issued, f, where)) < 0 ||
	    (st->has_cast = opt_count(js, "cast", &st->cast, f, where)) < 0 ||
	    (st->has_attendees = opt_count(js, "attendees", &st->attendees, f, where)) < 0)
		return 1;
	json_t *jc = json_object_get(js, "contests");
	if (!json_is_array(jc) || json_array_size(jc) == 0) {
		elec_findings_add(f, ELEC_ERROR, NULL, where, "contests must be a non-empty array");
		return 1;
	}
	st->contests = calloc(json_array_size(jc), sizeof(*st->contests));
	if (st->contests == NULL)
		return 0;
	size_t i;
	json_t *v;
	json_array_foreach(jc, i, v)
	{
		char w2[96];
		snprintf(w2, sizeof(w2), "%s%scontests[%zu]", where, where[0] ? "." : "", i);
		if (!json_is_object(v)) {
			elec_findings_add(f, ELEC_ERROR, NULL, w2, "must be an object");
			continue;
		}
		if (!parse_entry(m, st, v, w2, f))
			return 0;
	}
	return 1;
}

qerr counts_parse(const uint8_t *bytes, size_t len, const elec_manifest *m, elec_counts **out,
                  elec_findings *f)
{
	qerr err = Q_OK;
	json_error_t je;
	json_t *root = NULL;
	elec_counts *c = NULL;

	*out = NULL;
	if (len > COUNTS_MAX_BYTES) {
		elec_findings_add(f, ELEC_ERROR, NULL, "", "counts larger than %u bytes",
		                  COUNTS_MAX_BYTES);
		return Q_ERR_LIMIT;
	}
	root = json_loadb((const char *)bytes, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL || !json_is_object(root)) {
		elec_findings_add(f, ELEC_ERROR, NULL, "",
		                  root ? "the counts must be a JSON object"
		                       : "not valid JSON (line %d, column %d): %s",
		                  je.line, je.column, je.text);
		err = Q_ERR_FORMAT;
		goto out;
	}
	const char *fmt = json_string_value(json_object_get(root, "format"));
	if (fmt == NULL || strcmp(fmt, COUNTS_FORMAT) != 0)
		elec_findings_add(f, ELEC_ERROR, NULL, "format", "format must be \"%s\"",
		                  COUNTS_FORMAT);
	const char *el = json_string_value(json_object_get(root, "election"));
	if (el == NULL || strcmp(el, m->id) != 0)
		elec_findings_add(f, ELEC_ERROR, NULL, "election",
		                  "election must be the manifest's id \"%s\"", m->id);
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		err = Q_ERR_NOMEM;
		goto out;
	}
	json_t *js = json_object_get(root, "stations");
	if (js != NULL) {
		if (!json_is_array(js) || json_array_size(js) == 0 ||
		    json_object_get(root, "contests") != NULL) {
			elec_findings_add(f, ELEC_ERROR, NULL, "stations",
			                  "stations must be a non-empty array (and then there is "
			                  "no top-level contests)");
			err = Q_ERR_FORMAT;
			goto out;
		}
		c->stations = calloc(json_array_size(js), sizeof(*c->stations));
		if (c->stations == NULL) {
			err = Q_ERR_NOMEM;
			goto out;
		}
		size_t i;
		json_t *v;
		json_array_foreach(js, i, v)
		{
			char w[48];
			snprintf(w, sizeof(w), "stations[%zu]", i);
			if (!json_is_object(v)) {
				elec_findings_add(f, ELEC_ERROR, NULL, w, "must be an object");
				continue;
			}
			count_station *st = &c->stations[c->nstations++];
			if (!parse_station(m, st, v, w, 0, f)) {
				err = Q_ERR_NOMEM;
				goto out;
			}
			for (size_t k = 0; k + 1 < c->nstations; k++)
				if (st->id && c->stations[k].id &&
				    strcmp(st->id, c->stations[k].id) == 0)
					elec_findings_add(f, ELEC_ERROR, NULL, w,
					                  "station \"%s\" is counted twice",
					                  st->id);
		}
	} else {
		c->stations = calloc(1, sizeof(*c->stations));
		if (c->stations == NULL) {
			err = Q_ERR_NOMEM;
			goto out;
		}
		c->nstations = 1;
		if (!parse_station(m, &c->stations[0], root, "", 1, f)) {
			err = Q_ERR_NOMEM;
			goto out;
		}
	}
	/* Every station counts the same contests in the same round. */
	for (size_t s = 1; s < c->nstations; s++) {
		const count_station *a = &c->stations[0], *b = &c->stations[s];
		char w[48];
		snprintf(w, sizeof(w), "stations[%zu]", s);
		if (a->ncontests != b->ncontests)
			elec_findings_add(f, ELEC_ERROR, NULL, w,
			                  "counts %zu contests, stations[0] counts %zu",
			                  b->ncontests, a->ncontests);
		for (size_t i = 0; i < b->ncontests; i++) {
			const count_contest *x = &b->contests[i], *y = NULL;
			for (size_t k = 0; k < a->ncontests; k++)
				if (strcmp(a->contests[k].id, x->id) == 0)
					y = &a->contests[k];
			if (y == NULL)
				elec_findings_add(f, ELEC_ERROR, NULL, w,
				                  "contest \"%s\" is not counted in stations[0]",
				                  x->id);
			else if (y->round != x->round || y->seats != x->seats)
				elec_findings_add(f, ELEC_ERROR, NULL, w,
				                  "contest \"%s\": round or seats differ from "
				                  "stations[0]",
				                  x->id);
		}
	}
	if (f->oom) {
		err = Q_ERR_NOMEM;
		goto out;
	}
	err = elec_findings_status(f, Q_ERR_FORMAT);
	if (err != Q_OK)
		goto out;
	*out = c;
	c = NULL;
out:
	counts_free(c);
	json_decref(root);
	return err;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* runoff.c -- see runoff.h; docs/spec/election.md E-5, ballot.md B-1. */
#include "runoff.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/util.h"

#include "banned.h"

#define RUNOFF_MAX_ROUND 100
#define RUNOFF_RESULT_MAX (64u * 1024u * 1024u)

void runoff_plan_free(runoff_plan *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->ncontests; i++)
		free(p->contests[i].cand);
	free(p->contests);
	free(p);
}

static int in_str_array(const json_t *a, const char *s)
{
	size_t i;
	const json_t *v;
	json_array_foreach(a, i, v) if (json_is_string(v) &&
	                                strcmp(json_string_value(v), s) == 0) return 1;
	return 0;
}

static int cand_index(const elec_contest *c, const char *id)
{
	for (size_t i = 0; i < c->ncands; i++)
		if (strcmp(c->cands[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* The count in o[key] if it is an integer 0..2^53-1, else -1. */
static int64_t jcount(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	return (int64_t)json_integer_value(v);
}

static int in_strv(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/*
 * E-5.2, UL19.runoff: the cut of a decision contest dc's ranked tally.
 * Skipping the elected and the withdrawn, take the first want = seats + 1
 * and everyone tied with the last one taken.  ids (room for the tally's
 * length) get the ids taken, in rank order (pointing into dc); *cut the
 * votes of the last taken.  0 with a finding if the tally is not ranked.
 */
static int cut_ids(const json_t *dc, size_t want, char *const *wd, size_t nwd, const char **ids,
                   size_t *n, uint64_t *cut, const char *path, elec_findings *f)
{
	const json_t *tally = json_object_get(dc, "tally");
	const json_t *elected = json_object_get(dc, "elected");
	size_t i, taken = 0;
	const json_t *t;
	uint64_t last = 0;
	int64_t prev_votes = -1;
	json_array_foreach(tally, i, t)
	{
		const char *id = json_string_value(json_object_get(t, "id"));
		int64_t v = jcount(t, "votes");
		if (id == NULL || v < 0 || (prev_votes >= 0 && v > prev_votes)) {
			elec_findings_add(f, ELEC_ERROR, NULL, path,
			                  "tally[%zu] is not ranked by votes (D-2)", i);
			return 0;
		}
		prev_votes = v;
		if (in_str_array(elected, id) || in_strv(wd, nwd, id))
			continue;
		if (taken >= want && (uint64_t)v != last)
			continue;
		ids[taken++] = id;
		last = (uint64_t)v;
	}
	*n = taken;
	*cut = last;
	return 1;
}

/*
 * E-5.2 for one contest the decision sent to a run-off: the decision's own
 * "runoff" list must be the cut of its tally; the run-off's candidates are
 * the cut without the withdrawn (wd).  rc->from, seats set by the caller.
 * 0 on a finding (recorded), -1 out of memory, 1 ok.
 */
static int derive_contest(runoff_contest *rc, const json_t *dc, char *const *wd, size_t nwd,
                          const char *path, elec_findings *f)
{
	const elec_contest *mc = rc->from;
	const json_t *tally = json_object_get(dc, "tally");
	const json_t *listed = json_object_get(dc, "runoff");
	const char **ids = NULL;
	size_t taken = 0, nt = json_array_size(tally);
	uint64_t cut;
	int ok = 0;
	if (!json_is_array(tally) || !json_is_array(json_object_get(dc, "elected")) ||
	    !json_is_array(listed)) {
		elec_findings_add(f, ELEC_ERROR, NULL, path,
		                  "the decision lacks its tally, elected or runoff list");
		return 0;
	}
	rc->want = (size_t)rc->seats + 1;
	if ((ids = calloc(nt ? nt : 1, sizeof(*ids))) == NULL ||
	    (rc->cand = calloc(nt ? nt : 1, sizeof(*rc->cand))) == NULL) {
		free(ids);
		return -1;
	}
	/* the decision's own list is the cut (without withdrawals) */
	if (!cut_ids(dc, rc->want, NULL, 0, ids, &taken, &cut, path, f))
		goto out;
	int same = json_array_size(listed) == taken;
	for (size_t q = 0; same && q < taken; q++)
		same = in_str_array(listed, ids[q]);
	if (!same) {
		elec_findings_add(f, ELEC_ERROR, "UL19.runoff", path,
		                  "the decision's run-off list of contest \"%s\" is not the "
		                  "best-placed non-elected candidates of its tally",
		                  mc->id);
		goto out;
	}
	/* the run-off's: the withdrawn make room for the next placed */
	for (size_t w = 0; w < nwd; w++)
		if (cand_index(mc, wd[w]) >= 0 && !in_str_array(listed, wd[w]))
			elec_findings_add(f, ELEC_ERROR, "UL19.runoff", path,
			                  "withdrawn candidate \"%s\" was not sent to the run-off",
			                  wd[w]);
	if (!cut_ids(dc, rc->want, wd, nwd, ids, &taken, &cut, path, f))
		goto out;
	for (size_t q = 0; q < taken; q++) {
		int k = cand_index(mc, ids[q]);
		if (k < 0) {
			elec_findings_add(f, ELEC_ERROR, NULL, path,
			                  "\"%s\" is not a candidate of contest \"%s\"", ids[q],
			                  mc->id);
			goto out;
		}
		for (size_t r = 0; r < q; r++)
			if (rc->cand[r] == (size_t)k) {
				elec_findings_add(f, ELEC_ERROR, NULL, path,
				                  "candidate \"%s\" is ranked twice", ids[q]);
				goto out;
			}
		rc->cand[q] = (size_t)k;
	}
	rc->ncands = taken;
	rc->cut_votes = cut;
	if (taken <= rc->seats) {
		elec_findings_add(
		    f, ELEC_ERROR, "UL18.contested", path,
		    "contest \"%s\": %u seats left but only %zu eligible candidates; a "
		    "run-off must have more candidates than seats: nominate anew",
		    mc->id, rc->seats, taken);
		goto out;
	}
	/* in the previous manifest's order (ballot order, not rank) */
	for (size_t a = 1; a < taken; a++)
		for (size_t b = a; b > 0 && rc->cand[b - 1] > rc->cand[b]; b--) {
			size_t x = rc->cand[b];
			rc->cand[b] = rc->cand[b - 1];
			rc->cand[b - 1] = x;
		}
	ok = 1;
out:
	free(ids);
	return ok;
}

qerr runoff_derive(const elec_manifest *prev, unsigned prev_round, const json_t *decision,
                   char *const *withdrawn, size_t nwithdrawn, runoff_plan **out, elec_findings *f)
{
	runoff_plan *p = NULL;
	const json_t *cs = json_object_get(decision, "contests");
	size_t i;
	const json_t *dc;
	qerr e = Q_OK;
	*out = NULL;
	if (prev_round < 1 || prev_round >= RUNOFF_MAX_ROUND) {
		elec_findings_add(f, ELEC_ERROR, "UL19.runoff", "round",
		                  "round %u cannot have a run-off (rounds 1 to %u)", prev_round,
		                  RUNOFF_MAX_ROUND - 1);
		return Q_ERR_RULE;
	}
	if (!json_is_array(cs)) {
		elec_findings_add(f, ELEC_ERROR, NULL, "decision", "the decision has no contests");
		return Q_ERR_RULE;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->contests = calloc(prev->ncontests ? prev->ncontests : 1, sizeof(*p->contests))) ==
	        NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	p->round = prev_round + 1;
	/* in the previous manifest's order */
	for (size_t c = 0; c < prev->ncontests; c++) {
		const elec_contest *mc = &prev->contests[c];
		json_array_foreach(cs, i, dc)
		{
			const char *id = json_string_value(json_object_get(dc, "id"));
			const char *oc = json_string_value(json_object_get(dc, "outcome"));
			char path[96];
			if (id == NULL || strcmp(id, mc->id) != 0 || oc == NULL ||
			    strcmp(oc, "runoff") != 0)
				continue;
			snprintf(path, sizeof path, "decision.contests[%zu]", i);
			int64_t unf = jcount(dc, "unfilled");
			if (mc->type != CONTEST_OFFICE) {
				elec_findings_add(f, ELEC_ERROR, "UL19.runoff", path,
				                  "contest \"%s\" is not an office", id);
				continue;
			}
			if (unf < 1 || (uint64_t)unf > mc->seats) {
				elec_findings_add(f, ELEC_ERROR, "UL19.runoff", path,
				                  "contest \"%s\": unfilled must be 1 to %u", id,
				                  mc->seats);
				continue;
			}
			runoff_contest *rc = &p->contests[p->ncontests++];
			rc->from = mc;
			rc->seats = (uint32_t)unf;
			if (derive_contest(rc, dc, withdrawn, nwithdrawn, path, f) < 0) {
				e = Q_ERR_NOMEM;
				goto out;
			}
		}
	}
	for (size_t w = 0; w < nwithdrawn; w++) {
		int known = 0;
		for (size_t c = 0; c < p->ncontests; c++)
			known |= cand_index(p->contests[c].from, withdrawn[w]) >= 0;
		if (!known)
			elec_findings_add(f, ELEC_ERROR, "UL19.runoff", "runoff.withdrawn",
			                  "\"%s\" is not a candidate of a contest in the run-off",
			                  withdrawn[w]);
	}
	/* a decision contest the manifest does not know */
	json_array_foreach(cs, i, dc)
	{
		const char *id = json_string_value(json_object_get(dc, "id"));
		if (id == NULL || manifest_contest(prev, id) == NULL)
			elec_findings_add(f, ELEC_ERROR, NULL, "decision",
			                  "decision contest %zu is not a contest of the manifest",
			                  i);
	}
	if (p->ncontests == 0 && elec_findings_errors(f) == 0)
		elec_findings_add(f, ELEC_ERROR, "UL19.runoff", "decision",
		                  "no contest of round %u went to a run-off: every seat is filled "
		                  "or the poll must be held again",
		                  prev_round);
	e = elec_findings_status(f, Q_ERR_RULE);
out:
	if (e == Q_OK)
		*out = p;
	else
		runoff_plan_free(p);
	return e;
}

static json_t *hex_json(const uint8_t *b)
{
	char h[2 * SHA256_LEN + 1];
	hex_encode(h, b, SHA256_LEN);
	return json_string(h);
}

/* The object with "id" = id in array a, or NULL. */
static json_t *by_id(const json_t *a, const char *id)
{
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v)
	{
		const char *s = json_string_value(json_object_get(v, "id"));
		if (s != NULL && strcmp(s, id) == 0)
			return v;
	}
	return NULL;
}

qerr runoff_manifest_bytes(const elec_manifest *prev, const runoff_plan *p,
                           const uint8_t prev_base_hash[SHA256_LEN],
                           const uint8_t prev_result_sha256[SHA256_LEN], char *const *withdrawn,
                           char *const *reasons, size_t nwithdrawn, uint8_t **bytes, size_t *len)
{
	json_t *root = NULL, *cs = NULL, *ro = NULL;
	char *s = NULL;
	qerr e = Q_ERR_NOMEM;
	*bytes = NULL;
	*len = 0;
	root = json_loadb((const char *)prev->bytes, prev->len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(root)) {
		e = Q_ERR_FORMAT;
		goto out;
	}
	const json_t *old = json_object_get(root, "contests");
	if ((cs = json_array()) == NULL)
		goto out;
	for (size_t c = 0; c < p->ncontests; c++) {
		const runoff_contest *rc = &p->contests[c];
		json_t *oc = json_deep_copy(by_id(old, rc->from->id)), *cands = json_array();
		if (oc == NULL || cands == NULL) {
			json_decref(oc);
			json_decref(cands);
			goto out;
		}
		json_t *oldc = json_object_get(oc, "candidates");
		json_object_del(oc, "write_in"); /* B-10.1: a run-off has no write-in slots */
		for (size_t k = 0; k < rc->ncands; k++)
			if (json_array_append(cands,
			                      by_id(oldc, rc->from->cands[rc->cand[k]].id)) != 0) {
				json_decref(oc);
				json_decref(cands);
				goto out;
			}
		if (json_object_set_new(oc, "seats", json_integer(rc->seats)) != 0 ||
		    json_object_set_new(oc, "candidates", cands) != 0 ||
		    json_array_append_new(cs, oc) != 0)
			goto out;
	}
	ro = json_pack("{s:i, s:o, s:o, s:o}", "round", (json_int_t)p->round, "previous_base_hash",
	               hex_json(prev_base_hash), "previous_result_sha256",
	               hex_json(prev_result_sha256), "previous_manifest_sha256",
	               hex_json(prev->hash));
	json_t *wa = json_array();
	for (size_t w = 0; wa != NULL && w < nwithdrawn; w++)
		if (json_array_append_new(wa, json_pack("{s:s, s:s}", "id", withdrawn[w], "reason",
		                                        reasons && reasons[w] ? reasons[w] : "")) !=
		    0) {
			json_decref(wa);
			wa = NULL;
		}
	if (wa == NULL || ro == NULL) {
		json_decref(wa);
		json_decref(ro);
		goto out;
	}
	if (json_object_set_new(ro, "withdrawn", wa) != 0) {
		json_decref(ro);
		goto out;
	}
	if (json_object_set_new(root, "contests", cs) != 0) {
		json_decref(ro);
		goto out;
	}
	cs = NULL;
	if (json_object_set_new(root, "runoff", ro) != 0)
		goto out;
	if ((s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL)
		goto out;
	size_t n = strlen(s);
	if ((*bytes = malloc(n + 2)) == NULL)
		goto out;
	memcpy(*bytes, s, n);
	(*bytes)[n] = '\n';
	*len = n + 1;
	e = Q_OK;
out:
	free(s);
	json_decref(cs);
	json_decref(root);
	return e;
}

static int str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

qerr runoff_check(const elec_manifest *m, const elec_manifest *prev, unsigned prev_round,
                  const json_t *decision, const uint8_t prev_base_hash[SHA256_LEN],
                  const uint8_t prev_result_sha256[SHA256_LEN], elec_findings *f)
{
	runoff_plan *p = NULL;
	qerr e;
	if (m->runoff_round == 0) {
		elec_findings_add(f, ELEC_ERROR, "UL19.runoff", "runoff",
		                  "the manifest is not a run-off manifest (no \"runoff\"): make it "
		                  "with quorum-tally runoff");
		return Q_ERR_RULE;
	}
	if (m->runoff_round != prev_round + 1)
		elec_findings_add(f, ELEC_ERROR, "UL19.runoff", "runoff.round",
		                  "round %u, but the previous round is %u", m->runoff_round,
		                  prev_round);
	if (memcmp(m->runoff_prev_base, prev_base_hash, SHA256_LEN) != 0)
		elec_findings_add(f, ELEC_ERROR, "UL19.runoff", "runoff.previous_base_hash",
		                  "is not the previous round's base hash");
	if (memcmp(m->runoff_prev_result, prev_result_sha256, SHA256_LEN) != 0)
		elec_findings_add(f, ELEC_ERROR, "UL19.runoff", "runoff.previous_result_sha256",
		                  "is not the SHA-256 of the previous round's result.json");
	if (memcmp(m->runoff_prev_manifest, prev->hash, SHA256_LEN) != 0)
		elec_findings_add(f, ELEC_ERROR, "UL19.runoff", "runoff.previous_manifest_sha256",
		                  "is not the SHA-256 of the previous round's manifest");
	if (!str_eq(m->id, prev->id))
		elec_findings_add(f, ELEC_ERROR, "UL19.runoff", "id",
		                  "the run-off keeps the election's id \"%s\"", prev->id);
	if ((e = runoff_derive(prev, prev_round, decision, m->runoff_withdrawn,
	                       m->runoff_nwithdrawn, &p, f)) != Q_OK)
		return e == Q_ERR_NOMEM ? e : elec_findings_status(f, Q_ERR_RULE);
	if (m->ncontests != p->ncontests)
		elec_findings_add(f, ELEC_ERROR, "UL19.runoff", "contests",
		                  "%zu contests, but the previous round sent %zu to a run-off",
		                  m->ncontests, p->ncontests);
	for (size_t c = 0; c < m->ncontests && c < p->ncontests; c++) {
		const elec_contest *mc = &m->contests[c], *pc = p->contests[c].from;
		const runoff_contest *rc = &p->contests[c];
		char path[64];
		snprintf(path, sizeof path, "contests[%zu]", c);
		if (!str_eq(mc->id, pc->id) || mc->type != CONTEST_OFFICE) {
			elec_findings_add(f, ELEC_ERROR, "UL19.runoff", path,
			                  "is \"%s\", but the run-off's contest here is the office "
			                  "\"%s\"",
			                  mc->id ? mc->id : "", pc->id);
			continue;
		}
		int same_rules = mc->nrules == pc->nrules;
		for (size_t r = 0; same_rules && r < mc->nrules; r++)
			same_rules = str_eq(mc->rules[r], pc->rules[r]);
		if (!same_rules)
			elec_findings_add(f, ELEC_ERROR, "UL19.runoff", path,
			                  "contest \"%s\" must keep round %u's rules", mc->id,
			                  prev_round);
		if (mc->seats != rc->seats)
			elec_findings_add(f, ELEC_ERROR, "UL19.runoff", path,
			                  "contest \"%s\": %u seats, but %u are left to fill",
			                  mc->id, mc->seats, rc->seats);
		if (mc->ncands != rc->ncands)
			elec_findings_add(f, ELEC_ERROR, "UL19.runoff", path,
			                  "contest \"%s\": %zu candidates, but the run-off has %zu",
			                  mc->id, mc->ncands, rc->ncands);
		for (size_t k = 0; k < mc->ncands && k < rc->ncands; k++) {
			const elec_candidate *a = &mc->cands[k], *b = &pc->cands[rc->cand[k]];
			if (!str_eq(a->id, b->id) || !str_eq(a->voter, b->voter) ||
			    !str_eq(a->name, b->name))
				elec_findings_add(
				    f, ELEC_ERROR, "UL19.runoff", path,
				    "candidate %zu is \"%s\", but the run-off's is \"%s\" "
				    "(%s, %s)",
				    k, a->id ? a->id : "", b->id, b->voter ? b->voter : "",
				    b->name ? b->name : "");
		}
	}
	runoff_plan_free(p);
	return elec_findings_status(f, Q_ERR_RULE);
}

/* B-1: is option id of contest mc on round r's ballot (run-off: in the
 * decision's list for mc)?  Checks seats too; why set on a mismatch. */
static qerr style_check_runoff(const elec_manifest *m, const elec_contest *mc, const json_t *prev,
                               char *why, size_t whylen)
{
	size_t i, n = 0;
	const json_t *dc, *found = NULL;
	const char **ids = NULL;
	uint64_t cut;
	elec_findings f;
	qerr e = Q_ERR_FORMAT;
	json_array_foreach(json_object_get(prev, "contests"), i, dc)
	{
		const char *id = json_string_value(json_object_get(dc, "id"));
		const char *oc = json_string_value(json_object_get(dc, "outcome"));
		if (id && oc && strcmp(id, mc->id) == 0 && strcmp(oc, "runoff") == 0)
			found = dc;
	}
	if (found == NULL) {
		snprintf(why, whylen,
		         "contest %s: the previous round did not send it to a run-off (B-1)",
		         mc->id);
		return Q_ERR_FORMAT;
	}
	int64_t unf = jcount(found, "unfilled");
	if (unf != (int64_t)mc->seats) {
		snprintf(why, whylen,
		         "contest %s: %u seats, but the previous round left %lld unfilled (B-1)",
		         mc->id, mc->seats, (long long)unf);
		return Q_ERR_FORMAT;
	}
	size_t nt = json_array_size(json_object_get(found, "tally"));
	if ((ids = calloc(nt ? nt : 1, sizeof(*ids))) == NULL)
		return Q_ERR_NOMEM;
	elec_findings_init(&f);
	int same = cut_ids(found, (size_t)mc->seats + 1, m->runoff_withdrawn, m->runoff_nwithdrawn,
	                   ids, &n, &cut, mc->id, &f) &&
	           n == mc->ncands;
	for (size_t k = 0; same && k < n; k++)
		same = cand_index(mc, ids[k]) >= 0;
	elec_findings_free(&f);
	free(ids);
	if (!same)
		snprintf(why, whylen,
		         "contest %s: its candidates are not the best-placed non-elected of the "
		         "previous round's tally (B-1, UL19.runoff)",
		         mc->id);
	else
		e = Q_OK;
	return e;
}

qerr elec_round_style(const elec_manifest *m, const json_t *prev_decision,
                      const uint8_t base_hash[BALLOT_HASH_LEN], ballot_style **out, char *why,
                      size_t whylen)
{
	size_t nb = 0, k = 0;
	ballot_style *st = NULL;
	qerr e;
	*out = NULL;
	if (m->runoff_round >= 2 && !json_is_object(prev_decision)) {
		snprintf(why, whylen,
		         "a run-off's ballot is derived from the previous round's decision, which "
		         "is missing (previous/result.json, B-1)");
		return Q_ERR_FORMAT;
	}
	if (m->runoff_round == 0 && prev_decision != NULL) {
		snprintf(why, whylen,
		         "the manifest is not a run-off manifest, yet a previous round is given "
		         "(B-1)");
		return Q_ERR_FORMAT;
	}
	for (size_t i = 0; i < m->ncontests; i++) {
		char *const *ids;
		size_t n;
		unsigned mn, mx;
		manifest_contest_options(&m->contests[i], &ids, &n, &mn, &mx);
		if (mx > 0 && n > 0)
			nb++;
	}
	if ((st = ballot_style_new(nb, base_hash)) == NULL)
		return Q_ERR_NOMEM;
	for (size_t i = 0; i < m->ncontests; i++) {
		const elec_contest *mc = &m->contests[i];
		char *const *ids;
		size_t n;
		unsigned mn, mx;
		manifest_contest_options(mc, &ids, &n, &mn, &mx);
		if (mx == 0 || n == 0)
			continue;
		if (n + mc->write_in > BALLOT_MAX_OPTIONS) {
			snprintf(why, whylen, "contest %s: more than %d options", mc->id,
			         BALLOT_MAX_OPTIONS);
			e = Q_ERR_RANGE;
			goto fail;
		}
		if (m->runoff_round >= 2 &&
		    (e = style_check_runoff(m, mc, prev_decision, why, whylen)) != Q_OK)
			goto fail;
		ballot_contest_style *cs = &st->contests[k];
		cs->noptions = (uint32_t)n + mc->write_in; /* B-10.1: the slots follow */
		cs->nwritein = mc->write_in;
		cs->min_sel = mn;
		cs->max_sel = mx;
		if (mc->type == CONTEST_EVALUATION && mc->nmembers > 0 &&
		    mc->option_group != NULL) {
			uint32_t g[BALLOT_MAX_OPTIONS];
			for (size_t j = 0; j < n; j++)
				g[j] = mc->option_group[j];
			if ((e = ballot_style_set_groups(st, k, (uint32_t)mc->nmembers, g)) !=
			    Q_OK) {
				snprintf(why, whylen, "contest %s: bad option groups", mc->id);
				goto fail;
			}
		}
		k++;
	}
	if ((e = ballot_style_check(st, why, whylen)) != Q_OK)
		goto fail;
	*out = st;
	return Q_OK;
fail:
	ballot_style_free(st);
	return e;
}

qerr runoff_read_result(const char *path, json_t **decision, uint8_t sha[SHA256_LEN], char *why,
                        size_t whylen)
{
	FILE *fp;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	json_t *root = NULL;
	qerr e = Q_OK;
	*decision = NULL;
	if ((fp = fopen(path, "rb")) == NULL) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? Q_ERR_NOTFOUND : Q_ERR_IO;
	}
	for (;;) {
		if (len == cap) {
			size_t nc = cap ? cap * 2 : 65536;
			uint8_t *nb = nc > RUNOFF_RESULT_MAX ? NULL : realloc(buf, nc);
			if (nb == NULL) {
				e = nc > RUNOFF_RESULT_MAX ? Q_ERR_FORMAT : Q_ERR_NOMEM;
				snprintf(why, whylen, "%s: too large", path);
				goto out;
			}
			buf = nb;
			cap = nc;
		}
		size_t r = fread(buf + len, 1, cap - len, fp);
		len += r;
		if (r == 0)
			break;
	}
	if (ferror(fp)) {
		snprintf(why, whylen, "%s: read error", path);
		e = Q_ERR_IO;
		goto out;
	}
	if (sha != NULL)
		sha256(sha, buf, len);
	root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *d = json_object_get(root, "decision");
	if (!json_is_object(d) || !json_is_array(json_object_get(d, "contests"))) {
		snprintf(why, whylen, "%s: not a result with a decision (R-8.3)", path);
		e = Q_ERR_FORMAT;
		goto out;
	}
	*decision = json_incref(d);
out:
	fclose(fp);
	free(buf);
	json_decref(root);
	return e;
}

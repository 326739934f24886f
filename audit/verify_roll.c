/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * verify_roll.c -- what a station record says about the roll: the roll the
 * station imported is the election's (check 3, V-5.4; R-5 (10)) and the
 * list of roll ids checked in agrees with the ballots issued, no id twice
 * at a station or across stations (check 5, V-7; R-5 (9)).
 * docs/spec/protocol.md P-6, P-7; election/srec.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sha256.h"
#include "crypto/util.h"
#include "election/srec_stream.h"
#include "election/rules_roll.h"
#include "election/srec.h"
#include "verify_internal.h"

#include "banned.h"

int ve_params_roll_hash(const ve_ctx *c, uint8_t out[32])
{
	json_t *p;
	int ok;
	if (c->pbytes == NULL)
		return 0;
	p = json_loadb((const char *)c->pbytes, c->plen, JSON_REJECT_DUPLICATES, NULL);
	ok = ve_json_hex(p, "roll_hash", out, 32) == Q_OK;
	json_decref(p);
	return ok;
}

/* the roll in force, from roll_hash through the election log's
 * roll-changed entries (every entry is under the checkpoint V-5 (1)
 * verified); Q_OK with *rc, else why says which entry and what. */
static qerr roll_in_force(const ve_ctx *c, const uint8_t roll_hash[32], roll_chain *rc, char *why,
                          size_t whylen)
{
	roll_chain_init(rc, c->base_hash, roll_hash);
	if (c->elog == NULL)
		return Q_OK; /* check 3 already failed: the election log is unusable */
	for (size_t i = 1; i < json_array_size(c->elog); i++) {
		qerr e =
		    roll_chain_entry_json(rc, c->m, i, json_array_get(c->elog, i), why, whylen);
		if (e != Q_OK)
			return e;
	}
	return Q_OK;
}

void ve_station_roll_entry(ve_ctx *c, ve_station *s, uint64_t index, const uint8_t *p, size_t len)
{
	uint8_t h[32], want[32];
	s->nroll++;
	if (srec_roll_entry_parse(p, len, NULL, h) != Q_OK) {
		ve_fail(c, VE_LOGS,
		        "stations/%s/log: entry %llu: a malformed roll-imported entry (P-6)", s->id,
		        (unsigned long long)index);
		return;
	}
	if (!ve_params_roll_hash(c, want)) {
		ve_fail(c, VE_LOGS,
		        "stations/%s/log: entry %llu: cannot compare the roll: parameters.json has "
		        "no roll_hash (R-2.1)",
		        s->id, (unsigned long long)index);
		return;
	}
	roll_chain rc;
	char why[600];
	if (roll_in_force(c, want, &rc, why, sizeof why) != Q_OK) {
		ve_fail(c, VE_LOGS,
		        "stations/%s/log: entry %llu: the roll in force cannot be known: %s", s->id,
		        (unsigned long long)index, why);
		return;
	}
	if (memcmp(h, rc.head, 32) != 0) {
		roll_chain_describe(&rc, h, why, sizeof why);
		ve_fail(c, VE_LOGS,
		        "stations/%s/log: entry %llu: the station imported another roll: %s "
		        "(R-5 (10))",
		        s->id, (unsigned long long)index, why);
		return;
	}
	ve_ok(c, VE_LOGS);
}

void ve_station_roll_done(ve_ctx *c, ve_station *s)
{
	if (s->nroll == 0)
		ve_fail(c, VE_LOGS,
		        "stations/%s/log: no roll-imported entry: the roll the station served is "
		        "unknown (R-5 (10))",
		        s->id);
}

void ve_station_checked_in(ve_ctx *c, size_t si)
{
	ve_station *s = &c->st[si];
	char why[200];
	if (s->rec == NULL)
		return;
	const json_t *ci = json_object_get(s->rec, "checked_in");
	if (!s->have_counts) {
		s->ci_state = VE_CI_NONE; /* check 3 / the counts already failed */
	} else if (srec_checked_in_check(ci, s->issued, why, sizeof why) != Q_OK) {
		s->ci_state = VE_CI_BAD;
		snprintf(s->ci_why, sizeof s->ci_why, "%s", why);
	} else {
		s->ci_state = VE_CI_OK;
		/* across stations (check 5): each id's SHA-256 to the external
		 * sort, in place of the list */
		for (size_t i = 0; c->rollids_ok && i < json_array_size(ci); i++) {
			const json_t *id = json_array_get(ci, i);
			uint8_t h[32];
			sha256(h, json_string_value(id), json_string_length(id));
			if (alphasort_add(c->rollids, h, h + ALPHASORT_KEY_LEN,
			                  ((uint64_t)si << 40) | i) != Q_OK)
				c->rollids_ok = 0;
		}
		/* R-5 (15): from minor 1 the record lists its proxy check-ins */
		const char *fv = json_string_value(json_object_get(s->rec, "format"));
		if (srec_format_minor(fv) >= 1 &&
		    srec_proxies_check(json_object_get(s->rec, "proxies"), ci, why, sizeof why) !=
		        Q_OK) {
			s->ci_state = VE_CI_PROXIES_BAD;
			snprintf(s->ci_why, sizeof s->ci_why, "%s", why);
		}
	}
	(void)json_object_del(s->rec, "checked_in"); /* V-14: nothing kept per voter */
}

/* A roll id found at two stations, named once the sort is done. */
#define VE_ROLL_NAMED VE_MAX_DETAILS
typedef struct dup_ctx {
	ve_ctx *c;
	uint64_t n; /* pairs found */
	struct {
		size_t a, b;
		uint64_t ia; /* its index in station a's checked_in */
		char id[80];
	} pair[VE_ROLL_NAMED];
} dup_ctx;

static void dup_cb(void *ctx, const alphasort_item *first, const alphasort_item *later)
{
	dup_ctx *d = ctx;
	size_t a = (size_t)(first->ref >> 40), b = (size_t)(later->ref >> 40);
	if (a == b)
		return; /* twice within one station: srec_checked_in_check refused it */
	if (d->n < VE_ROLL_NAMED) {
		d->pair[d->n].a = a;
		d->pair[d->n].b = b;
		d->pair[d->n].ia = first->ref & ((1ull << 40) - 1);
		snprintf(d->pair[d->n].id, sizeof d->pair[d->n].id, "?");
	}
	d->n++;
}

/* The ids of the pairs found: their stations' records are read again
 * (only when a roll id is checked in twice, for at most VE_ROLL_NAMED). */
static void dup_names(ve_ctx *c, dup_ctx *d)
{
	size_t n = d->n < VE_ROLL_NAMED ? (size_t)d->n : VE_ROLL_NAMED;
	for (size_t k = 0; k < n; k++) {
		char rel[VE_PATH_MAX], path[VE_PATH_MAX], why[VE_DETAIL_LEN];
		srec_stream *rs = NULL;
		json_t *rec = NULL;
		int end = 0;
		qerr e;
		if (strcmp(d->pair[k].id, "?") != 0)
			continue; /* named with an earlier pair of its station */
		snprintf(rel, sizeof rel, "stations/%s/station-record.json",
		         c->st[d->pair[k].a].id);
		e = ve_path(c, path, sizeof path, rel);
		if (e == Q_OK)
			e = srec_stream_open(&rs, path, 16u * 1024u * 1024u, why, sizeof why);
		while (e == Q_OK && !end)
			e = srec_stream_skip(rs, &end, why, sizeof why);
		if (e == Q_OK)
			e = srec_stream_finish(rs, &rec, NULL, NULL, why, sizeof why);
		srec_stream_free(rs);
		const json_t *ci = json_object_get(rec, "checked_in");
		for (size_t j = k; e == Q_OK && j < n; j++) {
			const char *id =
			    json_string_value(json_array_get(ci, (size_t)d->pair[j].ia));
			if (d->pair[j].a == d->pair[k].a && id != NULL)
				snprintf(d->pair[j].id, sizeof d->pair[j].id, "%s", id);
		}
		json_decref(rec);
	}
}

void ve_check_checked_in(ve_ctx *c)
{
	const json_t **plists = calloc(c->nst + 1, sizeof *plists);
	dup_ctx d;
	memset(&d, 0, sizeof d);
	d.c = c;
	if (plists == NULL) {
		ve_fail(c, VE_RECONCILE, "out of memory");
		return;
	}
	for (size_t si = 0; si < c->nst; si++) {
		ve_station *s = &c->st[si];
		if (s->ci_state == VE_CI_NONE)
			continue; /* check 3 / the counts already failed */
		if (s->ci_state == VE_CI_BAD) {
			ve_fail(c, VE_RECONCILE, "stations/%s/station-record.json: %s (R-5 (9))",
			        s->id, s->ci_why);
			continue;
		}
		ve_ok(c, VE_RECONCILE);
		if (s->ci_state == VE_CI_PROXIES_BAD) {
			ve_fail(c, VE_RECONCILE, "stations/%s/station-record.json: %s (R-5 (15))",
			        s->id, s->ci_why);
			continue;
		}
		const char *fv = json_string_value(json_object_get(s->rec, "format"));
		if (srec_format_minor(fv) >= 1)
			plists[si] = json_object_get(s->rec, "proxies");
	}
	/* R-5 (9) across stations: the ids' SHA-256 sorted (V-14) */
	if (!c->rollids_ok || alphasort_dups(c->rollids, dup_cb, &d, NULL) != Q_OK) {
		ve_fail(c, VE_RECONCILE, "out of memory");
	} else if (d.n == 0) {
		ve_ok(c, VE_RECONCILE);
	} else {
		dup_names(c, &d);
		for (uint64_t k = 0; k < d.n; k++) {
			size_t x = k < VE_ROLL_NAMED ? (size_t)k : VE_ROLL_NAMED - 1;
			/* past VE_ROLL_NAMED the report keeps no more details:
			 * each pair is still counted */
			ve_fail(c, VE_RECONCILE,
			        "roll id %s is checked in at two stations (%s and %s): one voter, "
			        "two ballots issued (R-5 (9))",
			        d.pair[x].id, c->st[d.pair[x].a].id, c->st[d.pair[x].b].id);
		}
	}
	if (c->m != NULL) {
		char why[300];
		qerr e = srec_proxies_rules(plists, c->nst, c->m, why, sizeof why);
		if (e == Q_ERR_RULE)
			ve_fail(c, VE_RECONCILE, "%s (R-5 (15))", why);
		else if (e != Q_OK)
			ve_fail(c, VE_RECONCILE, "out of memory");
		else
			ve_ok(c, VE_RECONCILE);
	}
	free(plists);
}

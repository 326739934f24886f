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

#include "crypto/util.h"
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

typedef struct dup_ctx {
	ve_ctx *c;
} dup_ctx;

static int dup_cb(void *ctx, const char *id, size_t a, size_t b)
{
	dup_ctx *d = ctx;
	ve_fail(d->c, VE_RECONCILE,
	        "roll id %s is checked in at two stations (%s and %s): one voter, two ballots "
	        "issued (R-5 (9))",
	        id, d->c->st[a].id, d->c->st[b].id);
	return 0;
}

void ve_check_checked_in(ve_ctx *c)
{
	const json_t **lists = calloc(c->nst + 1, sizeof *lists);
	const json_t **plists = calloc(c->nst + 1, sizeof *plists);
	dup_ctx d = {c};
	size_t ndup = 0;
	if (lists == NULL || plists == NULL) {
		ve_fail(c, VE_RECONCILE, "out of memory");
		free(lists);
		free(plists);
		return;
	}
	for (size_t si = 0; si < c->nst; si++) {
		ve_station *s = &c->st[si];
		char why[200];
		if (s->rec == NULL || !s->have_counts)
			continue; /* check 3 / the counts already failed */
		const json_t *ci = json_object_get(s->rec, "checked_in");
		if (srec_checked_in_check(ci, s->issued, why, sizeof why) != Q_OK) {
			ve_fail(c, VE_RECONCILE, "stations/%s/station-record.json: %s (R-5 (9))",
			        s->id, why);
			continue;
		}
		lists[si] = ci;
		ve_ok(c, VE_RECONCILE);
		/* R-5 (15): from minor 1 the record lists its proxy check-ins */
		const char *fv = json_string_value(json_object_get(s->rec, "format"));
		if (srec_format_minor(fv) >= 1) {
			const json_t *px = json_object_get(s->rec, "proxies");
			if (srec_proxies_check(px, ci, why, sizeof why) != Q_OK) {
				ve_fail(c, VE_RECONCILE,
				        "stations/%s/station-record.json: %s (R-5 (15))", s->id,
				        why);
				continue;
			}
			plists[si] = px;
		}
	}
	if (srec_checked_in_cross(lists, c->nst, dup_cb, &d, &ndup) != Q_OK)
		ve_fail(c, VE_RECONCILE, "out of memory");
	else if (ndup == 0)
		ve_ok(c, VE_RECONCILE);
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
	free(lists);
	free(plists);
}

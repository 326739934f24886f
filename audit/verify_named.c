/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * verify_named.c -- named votes at meetings (记名表决), docs/spec/verify.md
 * V-7.1: every named-vote entry of a station log (P-6.6) is re-counted
 * from the log, with the rule the tally applies (election/named.c): a
 * named motion of the manifest, a voter the station checked in, one vote
 * per voter and motion across all stations.  Check 9 decides from these
 * counts, not from the announced ones, and fails if the announced ones
 * differ from them.
 */
#include "verify_internal.h"

#include <stdio.h>
#include <string.h>

#include "banned.h"

void ve_named_entry(ve_ctx *c, const ve_station *s, uint64_t i, const uint8_t *p, size_t len)
{
	char why[400];
	qerr e;
	if (c->m == NULL) {
		ve_fail(c, VE_RECONCILE,
		        "stations/%s/log: entry %llu: a named vote, but no manifest", s->id,
		        (unsigned long long)i);
		c->named_bad = 1;
		return;
	}
	e = named_tally_add(&c->named, c->m, s->id, i, json_object_get(s->rec, "checked_in"), p,
	                    len, why, sizeof why);
	if (e == Q_OK) {
		ve_ok(c, VE_RECONCILE);
		return;
	}
	c->named_bad = 1;
	if (e == Q_ERR_NOMEM)
		ve_fail(c, VE_RECONCILE, "out of memory");
	else
		ve_fail(c, VE_RECONCILE, "%s (V-7.1)", why);
}

/* An announced count of a named vote, or -1 if it is not a number. */
static long long announced(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

/* for a named vote: the counts result.json announces for contest id
 * (cc) are those re-counted from the logs (n: yes, no, abstain), else
 * check 9 fails naming both.  Without this a result that announced other
 * named counts but the same decision would pass. */
static void announced_check(ve_ctx *c, const char *id, const json_t *cc, const uint64_t n[3])
{
	const json_t *t = json_object_get(cc, "tally");
	long long y = announced(t, "yes"), no = announced(t, "no"), ab = announced(t, "abstain"),
	          cast = announced(cc, "cast");
	if (y == (long long)n[0] && no == (long long)n[1] && ab == (long long)n[2] &&
	    cast == (long long)(n[0] + n[1] + n[2])) {
		ve_ok(c, VE_DECISION);
		return;
	}
	ve_fail(c, VE_DECISION,
	        "tally/result.json: named vote %s: announced cast %lld, yes %lld, no %lld, "
	        "abstain %lld; the station logs' entries give %llu, %llu, %llu, %llu (V-7.1)",
	        id, cast, y, no, ab, (unsigned long long)(n[0] + n[1] + n[2]),
	        (unsigned long long)n[0], (unsigned long long)n[1], (unsigned long long)n[2]);
}

int ve_named_counts(ve_ctx *c, json_t *counts)
{
	json_t *cs = json_object_get(counts, "contests");
	int any = 0;
	for (size_t k = 0; c->m != NULL && k < c->m->ncontests; k++)
		any |= c->m->contests[k].named;
	if (!any)
		return 1;
	if (c->named_bad)
		return 0;
	for (size_t j = 0; j < json_array_size(cs); j++) {
		json_t *cc = json_array_get(cs, j);
		const elec_contest *mc =
		    manifest_contest(c->m, json_is_string(json_object_get(cc, "id"))
		                               ? json_string_value(json_object_get(cc, "id"))
		                               : "");
		uint64_t n[3];
		if (mc == NULL || !mc->named)
			continue;
		named_tally_counts(&c->named, mc->id, n);
		announced_check(c, mc->id, cc, n);
		if (json_object_set_new(cc, "cast",
		                        json_integer((json_int_t)(n[0] + n[1] + n[2]))) != 0 ||
		    json_object_set_new(cc, "tally",
		                        json_pack("{s:I, s:I, s:I}", "yes", (json_int_t)n[0], "no",
		                                  (json_int_t)n[1], "abstain", (json_int_t)n[2])) !=
		        0)
			return 0;
	}
	return 1;
}

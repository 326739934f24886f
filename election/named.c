/* SPDX-License-Identifier: GPL-3.0-or-later */
/* named.c -- see named.h.  Spec: docs/spec/election.md E-2.1;
 * protocol.md P-6.6; verify.md V-7.1. */
#include "named.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

static const char *const vote_name[3] = {"yes", "no", "abstain"};

static void say(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

qerr named_payload_make(char *out, size_t cap, const char *contest, const char *voter,
                        const char *vote, size_t *len)
{
	int k = manifest_named_vote_index(vote), n;
	*len = 0;
	if (!manifest_id_ok(contest) || !manifest_id_ok(voter) || k < 0)
		return Q_ERR_FORMAT;
	n = snprintf(out, cap, "contest %s\nvoter %s\nvote %s\n", contest, voter, vote_name[k]);
	if (n < 0 || (size_t)n >= cap)
		return Q_ERR_LIMIT;
	*len = (size_t)n;
	return Q_OK;
}

/* One line "<key> <value>\n" of p at *off; value copied to out (cap). */
static int take_line(const uint8_t *p, size_t len, size_t *off, const char *key, char *out,
                     size_t cap)
{
	size_t kl = strlen(key), i = *off, s;
	if (len - i < kl + 1 || memcmp(p + i, key, kl) != 0 || p[i + kl] != ' ')
		return 0;
	s = i + kl + 1;
	for (i = s; i < len && p[i] != '\n'; i++)
		if (i - s + 1 >= cap || p[i] < 0x21 || p[i] > 0x7e)
			return 0;
	if (i >= len)
		return 0;
	memcpy(out, p + s, i - s);
	out[i - s] = '\0';
	*off = i + 1;
	return 1;
}

qerr named_payload_parse(const uint8_t *p, size_t len, char contest[MANIFEST_ID_MAX + 1],
                         char voter[MANIFEST_ID_MAX + 1], int *vote)
{
	char v[16];
	size_t off = 0;
	*vote = -1;
	if (!take_line(p, len, &off, "contest", contest, MANIFEST_ID_MAX + 1) ||
	    !take_line(p, len, &off, "voter", voter, MANIFEST_ID_MAX + 1) ||
	    !take_line(p, len, &off, "vote", v, sizeof v) || off != len ||
	    !manifest_id_ok(contest) || !manifest_id_ok(voter) ||
	    (*vote = manifest_named_vote_index(v)) < 0)
		return Q_ERR_FORMAT;
	return Q_OK;
}

static int in_sorted_list(const json_t *list, const char *id)
{
	size_t lo = 0, hi = json_array_size(list);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *s = json_string_value(json_array_get(list, mid));
		int c = s ? strcmp(s, id) : -1;
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

const named_vote *named_tally_find(const named_tally *t, const char *contest, const char *voter)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].voter, voter) == 0 && strcmp(t->v[i].contest, contest) == 0)
			return &t->v[i];
	return NULL;
}

qerr named_tally_add(named_tally *t, const elec_manifest *m, const char *sid, uint64_t index,
                     const json_t *checked_in, const uint8_t *p, size_t len, char *why,
                     size_t whylen)
{
	named_vote nv;
	const elec_contest *c;
	const named_vote *old;
	memset(&nv, 0, sizeof nv);
	if (named_payload_parse(p, len, nv.contest, nv.voter, &nv.vote) != Q_OK) {
		say(why, whylen,
		    "station %s: log entry %llu: a malformed named-vote entry (P-6.6: \"contest "
		    "<id>\\nvoter <roll id>\\nvote yes|no|abstain\\n\")",
		    sid, (unsigned long long)index);
		return Q_ERR_FORMAT;
	}
	c = manifest_contest(m, nv.contest);
	if (c == NULL || !c->named) {
		say(why, whylen,
		    "station %s: log entry %llu: a named vote of %s in contest %s, which is not a "
		    "named vote of the manifest (E-2.1)",
		    sid, (unsigned long long)index, nv.voter, nv.contest);
		return Q_ERR_RULE;
	}
	if (checked_in != NULL && !in_sorted_list(checked_in, nv.voter)) {
		say(why, whylen,
		    "station %s: log entry %llu: a named vote of %s in motion %s, but %s is not "
		    "checked in at station %s (checked_in, P-7.4)",
		    sid, (unsigned long long)index, nv.voter, nv.contest, nv.voter, sid);
		return Q_ERR_CONSISTENCY;
	}
	if ((old = named_tally_find(t, nv.contest, nv.voter)) != NULL) {
		say(why, whylen,
		    "station %s: log entry %llu: %s votes twice in motion %s (already at station "
		    "%s, log entry %llu)",
		    sid, (unsigned long long)index, nv.voter, nv.contest, old->station,
		    (unsigned long long)old->index);
		return Q_ERR_EXISTS;
	}
	if (t->n == t->cap) {
		size_t nc = t->cap ? 2 * t->cap : 64;
		named_vote *nb = realloc(t->v, nc * sizeof *nb);
		if (nb == NULL)
			return Q_ERR_NOMEM;
		t->v = nb;
		t->cap = nc;
	}
	snprintf(nv.station, sizeof nv.station, "%s", sid);
	nv.index = index;
	t->v[t->n++] = nv;
	return Q_OK;
}

void named_tally_counts(const named_tally *t, const char *contest, uint64_t n[3])
{
	n[0] = n[1] = n[2] = 0;
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].contest, contest) == 0 && t->v[i].vote >= 0 && t->v[i].vote < 3)
			n[t->v[i].vote]++;
}

void named_tally_free(named_tally *t)
{
	if (t == NULL)
		return;
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

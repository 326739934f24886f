/* SPDX-License-Identifier: GPL-3.0-or-later */
/* srec.c -- see srec.h.  Spec: docs/spec/protocol.md P-6, P-7;
 * record.md R-5 (9), (10); verify.md V-5, V-7. */
#include "srec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sha256.h"
#include "crypto/util.h"
#include "manifest.h"
#include "roll.h"

#include "banned.h"

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

qerr srec_checked_in_check(const json_t *list, uint64_t issued, char *why, size_t whylen)
{
	const char *prev = NULL;
	size_t i;
	const json_t *v;
	if (!json_is_array(list)) {
		say(why, whylen, "\"checked_in\" is missing or not an array of roll ids");
		return Q_ERR_FORMAT;
	}
	json_array_foreach(list, i, v)
	{
		const char *id = json_string_value(v);
		if (id == NULL || strlen(id) != json_string_length(v) || !manifest_id_ok(id)) {
			say(why, whylen,
			    "checked_in[%zu] is not a roll id (1-64 characters of A-Z a-z 0-9 . _ "
			    "-)",
			    i);
			return Q_ERR_FORMAT;
		}
		if (prev != NULL) {
			int c = strcmp(prev, id);
			if (c == 0) {
				say(why, whylen, "checked_in[%zu] \"%s\" appears twice", i, id);
				return Q_ERR_CONSISTENCY;
			}
			if (c > 0) {
				say(why, whylen,
				    "checked_in is not sorted: [%zu] \"%s\" comes after \"%s\"", i,
				    id, prev);
				return Q_ERR_CONSISTENCY;
			}
		}
		prev = id;
	}
	if ((uint64_t)json_array_size(list) != issued) {
		say(why, whylen, "checked_in lists %zu roll ids but counts.issued is %llu",
		    json_array_size(list), (unsigned long long)issued);
		return Q_ERR_CONSISTENCY;
	}
	return Q_OK;
}

typedef struct id_ref {
	const char *id;
	size_t station;
} id_ref;

static int cmp_ref(const void *a, const void *b)
{
	const id_ref *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	if (c != 0)
		return c;
	return (x->station > y->station) - (x->station < y->station);
}

qerr srec_checked_in_cross(const json_t *const *lists, size_t n, srec_dup_fn fn, void *ctx,
                           size_t *ndup)
{
	size_t total = 0, k = 0, found = 0;
	id_ref *refs;
	qerr e = Q_OK;
	if (ndup != NULL)
		*ndup = 0;
	for (size_t s = 0; s < n; s++)
		if (json_is_array(lists[s]))
			total += json_array_size(lists[s]);
	if ((refs = calloc(total ? total : 1, sizeof *refs)) == NULL)
		return Q_ERR_NOMEM;
	for (size_t s = 0; s < n; s++) {
		size_t i;
		const json_t *v;
		if (!json_is_array(lists[s]))
			continue;
		json_array_foreach(lists[s], i, v)
		{
			if (!json_is_string(v))
				continue;
			refs[k].id = json_string_value(v);
			refs[k].station = s;
			k++;
		}
	}
	qsort(refs, k, sizeof *refs, cmp_ref);
	for (size_t i = 1; i < k; i++) {
		if (strcmp(refs[i - 1].id, refs[i].id) != 0 ||
		    refs[i - 1].station == refs[i].station)
			continue; /* a duplicate within one station: srec_checked_in_check */
		found++;
		if (fn != NULL && fn(ctx, refs[i].id, refs[i - 1].station, refs[i].station) != 0) {
			e = Q_ERR_STATE;
			break;
		}
	}
	if (ndup != NULL)
		*ndup = found;
	free(refs);
	return e;
}

qerr srec_roll_entry_parse(const uint8_t *payload, size_t len, uint64_t *voters, uint8_t hash[32])
{
	static const char k1[] = "voters ", k2[] = "\nsha256 ";
	size_t p = sizeof k1 - 1, d = 0;
	uint64_t n = 0;
	char hx[65];
	if (len < p || memcmp(payload, k1, p) != 0)
		return Q_ERR_FORMAT;
	while (p < len && payload[p] >= '0' && payload[p] <= '9' && d < 19) {
		n = n * 10 + (uint64_t)(payload[p] - '0');
		p++;
		d++;
	}
	if (d == 0 || len - p != (sizeof k2 - 1) + 64 + 1 ||
	    memcmp(payload + p, k2, sizeof k2 - 1) != 0 || payload[len - 1] != '\n')
		return Q_ERR_FORMAT;
	p += sizeof k2 - 1;
	if (hex_decode(hash, 32, (const char *)payload + p, 64) != Q_OK)
		return Q_ERR_FORMAT;
	hex_encode(hx, hash, 32);
	if (memcmp(hx, payload + p, 64) != 0) /* lower case only: one text per hash */
		return Q_ERR_FORMAT;
	if (voters != NULL)
		*voters = n;
	return Q_OK;
}

void srec_sig_message(uint8_t out[SREC_SIG_MSG_LEN], const void *record, size_t len)
{
	memcpy(out, SREC_SIG_TAG, SREC_SIG_TAG_LEN);
	sha256(out + SREC_SIG_TAG_LEN, record, len); /* P-7.2 */
}

qerr srec_origin(char *out, size_t cap, const char *election, const char *sid)
{
	int n = snprintf(out, cap, "quorum/%s/station/%s", election, sid);
	return n < 0 || (size_t)n >= cap ? Q_ERR_LIMIT : Q_OK;
}

qerr srec_opened_check(const uint8_t *payload, size_t len, const char *sid, const uint8_t mhash[32],
                       uint64_t registered, char *why, size_t whylen)
{
	char want[512], mh[65];
	hex_encode(mh, mhash, 32);
	int wl = snprintf(want, sizeof want, "station %s\nmanifest %s\nregistered %llu\n", sid, mh,
	                  (unsigned long long)registered);
	if (wl > 0 && (size_t)wl == len && memcmp(payload, want, len) == 0)
		return Q_OK;
	say(why, whylen,
	    "poll-opened does not name station %s, manifest SHA-256 %.16s… and "
	    "counts.registered %llu (P-6, V-5.5): \"%.*s\"",
	    sid, mh, (unsigned long long)registered, (int)(len > 120 ? 120 : len),
	    (const char *)payload);
	return Q_ERR_CONSISTENCY;
}

qerr srec_sorted_check(const json_t *list, const char *what, char *why, size_t whylen)
{
	const char *prev = NULL;
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *t = json_object_get(json_array_get(list, i), "tracking_code");
		const char *cur = json_is_string(t) ? json_string_value(t) : NULL;
		if (cur == NULL)
			return Q_OK;
		if (prev != NULL && strcmp(prev, cur) >= 0) {
			say(why, whylen,
			    "%s[%zu]: not in ascending tracking-code order after %s[%zu] (P-7.1)",
			    what, i, what, i - 1);
			return Q_ERR_CONSISTENCY;
		}
		prev = cur;
	}
	return Q_OK;
}

qerr srec_format_check(const char *v, const char *name, unsigned known, char *why, size_t whylen)
{
	size_t nl = strlen(name), i, d = 0;
	unsigned long major = 0;
	if (v == NULL) {
		say(why, whylen, "no \"format\": not a %s/%u object (R-11)", name, known);
		return Q_ERR_FORMAT;
	}
	if (strncmp(v, name, nl) != 0 || v[nl] != '/') {
		say(why, whylen, "format \"%.80s\" is not %s/%u (R-11)", v, name, known);
		return Q_ERR_FORMAT;
	}
	/* major = 1*DIGIT without a leading zero, then [. 1*DIGIT] */
	for (i = nl + 1; v[i] >= '0' && v[i] <= '9' && d < 9; i++, d++)
		major = major * 10 + (unsigned long)(v[i] - '0');
	int ok = d > 0 && d < 9 && !(d > 1 && v[nl + 1] == '0');
	if (ok && v[i] == '.') {
		size_t m = 0;
		for (i++; v[i] >= '0' && v[i] <= '9' && m < 9; i++)
			m++;
		ok = m > 0 && m < 9 && !(m > 1 && v[i - m] == '0');
	}
	if (!ok || v[i] != 0) {
		say(why, whylen, "format \"%.80s\" is not <name>/<major>[.<minor>] (R-11.1)", v);
		return Q_ERR_FORMAT;
	}
	if (major != known) {
		say(why, whylen,
		    "format %.80s: unknown major version %lu of %s; this program knows %s/%u "
		    "(R-11.2: refused, not examined)",
		    v, major, name, name, known);
		return Q_ERR_FORMAT;
	}
	return Q_OK;
}

unsigned srec_format_minor(const char *v)
{
	const char *d = v != NULL ? strchr(v, '/') : NULL;
	const char *dot = d != NULL ? strchr(d, '.') : NULL;
	unsigned long n = 0;
	for (const char *c = dot != NULL ? dot + 1 : ""; *c >= '0' && *c <= '9' && n < 100000000;
	     c++)
		n = n * 10 + (unsigned long)(*c - '0');
	return (unsigned)n;
}

/* 1 if id is in the sorted array of strings list (binary search). */
static int sorted_has(const json_t *list, const char *id)
{
	size_t lo = 0, hi = json_array_size(list);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *s = json_string_value(json_array_get(list, mid));
		int c = s != NULL ? strcmp(s, id) : -1;
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

qerr srec_proxies_check(const json_t *proxies, const json_t *checked_in, char *why, size_t whylen)
{
	const char *prev = NULL;
	if (!json_is_array(proxies)) {
		say(why, whylen, "\"proxies\" is missing or not an array (P-7.6)");
		return Q_ERR_FORMAT;
	}
	for (size_t i = 0; i < json_array_size(proxies); i++) {
		const json_t *e = json_array_get(proxies, i);
		const json_t *jp = json_object_get(e, "principal"),
		             *jh = json_object_get(e, "proxy");
		const char *p = json_string_value(jp), *h = json_string_value(jh);
		if (!json_is_object(e) || json_object_size(e) != 2 || p == NULL || h == NULL ||
		    !manifest_id_ok(p) || !manifest_id_ok(h)) {
			say(why, whylen,
			    "proxies[%zu] is not {\"principal\": roll id, \"proxy\": roll id} "
			    "(P-7.6)",
			    i);
			return Q_ERR_FORMAT;
		}
		if (strcmp(p, h) == 0) {
			say(why, whylen, "proxies[%zu]: \"%s\" is named as their own proxy", i, p);
			return Q_ERR_CONSISTENCY;
		}
		if (prev != NULL && strcmp(prev, p) >= 0) {
			if (strcmp(prev, p) == 0)
				say(why, whylen, "proxies[%zu]: principal \"%s\" appears twice", i,
				    p);
			else
				say(why, whylen,
				    "proxies is not sorted by principal: [%zu] \"%s\" comes after "
				    "\"%s\"",
				    i, p, prev);
			return Q_ERR_CONSISTENCY;
		}
		if (!sorted_has(checked_in, p)) {
			say(why, whylen,
			    "proxies[%zu]: principal \"%s\" is not in checked_in (a proxy ballot "
			    "is issued in the principal's name, P-7.6)",
			    i, p);
			return Q_ERR_CONSISTENCY;
		}
		prev = p;
	}
	return Q_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

qerr srec_proxies_rules(const json_t *const *lists, size_t n, const elec_manifest *m, char *why,
                        size_t whylen)
{
	const rule_def *lrow = NULL;
	size_t lim = roll_proxy_limit(m, &lrow), total = 0, k = 0;
	const rule_def *crow = manifest_profile_row(m, "proxy-candidate");
	const rule_def *mrow = manifest_profile_row(m, "proxy-mode");
	qerr e = Q_OK;
	for (size_t s = 0; s < n; s++)
		total += json_array_size(lists[s]);
	if (total > 0 && mrow != NULL && m->mode != MODE_RESIDENTS && m->mode != MODE_HOUSEHOLDS) {
		say(why, whylen,
		    "%zu ballots issued by proxy, but there is no proxy voting in %s mode (%s)",
		    total, manifest_mode_name(m->mode), mrow->id);
		return Q_ERR_RULE;
	}
	const char **h = calloc(total + 1, sizeof *h);
	if (h == NULL)
		return Q_ERR_NOMEM;
	for (size_t s = 0; s < n; s++)
		for (size_t i = 0; i < json_array_size(lists[s]); i++) {
			const char *x = json_string_value(
			    json_object_get(json_array_get(lists[s], i), "proxy"));
			if (x != NULL)
				h[k++] = x;
		}
	for (size_t i = 0; i < k && e == Q_OK && crow != NULL; i++)
		for (size_t c = 0; c < m->ncontests && e == Q_OK; c++)
			for (size_t j = 0; j < m->contests[c].ncands; j++)
				if (m->contests[c].cands[j].voter != NULL &&
				    strcmp(m->contests[c].cands[j].voter, h[i]) == 0) {
					say(why, whylen,
					    "proxy \"%s\" is candidate %s of contest %s; "
					    "candidates "
					    "may not be proxies (%s)",
					    h[i], m->contests[c].cands[j].id, m->contests[c].id,
					    crow->id);
					e = Q_ERR_RULE;
					break;
				}
	qsort(h, k, sizeof *h, cmp_str);
	for (size_t i = 0; i < k && e == Q_OK;) {
		size_t j = i;
		while (j < k && strcmp(h[j], h[i]) == 0)
			j++;
		if (j - i > lim) {
			say(why, whylen,
			    "proxy \"%s\" presented %zu principals; at most %zu (%zu <= %zu fails, "
			    "%s)",
			    h[i], j - i, lim, j - i, lim, lrow != NULL ? lrow->id : "UL19.proxy");
			e = Q_ERR_RULE;
		}
		i = j;
	}
	free(h);
	return e;
}

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

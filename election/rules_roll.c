/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rules_roll.c -- the chain of roll changes of an election (UL17.objections;
 * docs/spec/record.md, docs/spec/protocol.md P-6.1).
 */
#include "election/rules_roll.h"

#include <stdio.h>
#include <string.h>

#include "crypto/util.h"
#include "election/i18n.h"

#include "banned.h"

void roll_chain_init(roll_chain *c, const uint8_t base_hash[32], const uint8_t roll_hash[32])
{
	memset(c, 0, sizeof *c);
	memcpy(c->base_hash, base_hash, 32);
	memcpy(c->roll_hash, roll_hash, 32);
	memcpy(c->head, roll_hash, 32);
}

static void date_str(char out[16], elec_date d)
{
	snprintf(out, 16, "%04u-%02u-%02u", (unsigned)d.year % 10000u, (unsigned)d.month % 100u,
	         (unsigned)d.day % 100u);
}

qerr roll_change_window(const elec_manifest *m, elec_date decided, char *why, size_t whylen)
{
	char a[16], b[16], p[16], dd[16];
	date_str(dd, decided);
	date_str(p, m->polling_day);
	if (!m->has_roll_published) {
		snprintf(why, whylen,
		         _("the manifest has no dates.roll_published: a roll that was never "
		           "published has no objection window to change it in (%s)"),
		         ROLL_CHANGE_RULE);
		return Q_ERR_RULE;
	}
	int64_t d = elec_date_days(decided);
	int64_t pub = elec_date_days(m->roll_published);
	int64_t close = m->has_objections_close ? elec_date_days(m->objections_close) : pub + 5;
	int64_t last = close + 3;
	date_str(a, m->roll_published);
	if (d >= elec_date_days(m->polling_day)) {
		snprintf(why, whylen,
		         _("decided %s, on or after polling day %s: the roll cannot change once "
		           "polling has opened (%s)"),
		         dd, p, ROLL_CHANGE_RULE);
		return Q_ERR_RULE;
	}
	if (d < pub) {
		snprintf(why, whylen,
		         _("decided %s, before the roll was published (%s): a change after "
		           "publication is decided on an objection (%s)"),
		         dd, a, ROLL_CHANGE_RULE);
		return Q_ERR_RULE;
	}
	if (d > last) {
		elec_date ld = m->has_objections_close ? m->objections_close : m->roll_published;
		date_str(b, ld);
		snprintf(why, whylen,
		         _("decided %s, outside the objection window: objections close %s%s and "
		           "are decided within 3 days of it (%lld <= 3 fails, %s)"),
		         dd, m->has_objections_close ? b : a,
		         m->has_objections_close ? "" : _(" + 5 days"), (long long)(d - close),
		         ROLL_CHANGE_RULE);
		return Q_ERR_RULE;
	}
	return Q_OK;
}

static const char *type_of(const json_t *j)
{
	return json_string_value(json_object_get(j, "type"));
}

int roll_chain_is_change(const uint8_t *bytes, size_t len)
{
	json_t *j = json_loadb((const char *)bytes, len, JSON_REJECT_DUPLICATES, NULL);
	const char *t = type_of(j);
	int r = t != NULL && strcmp(t, ROLL_CHANGE_TYPE) == 0;
	json_decref(j);
	return r;
}

static int hex_at(const json_t *j, const char *key, uint8_t out[32])
{
	const json_t *v = json_object_get(j, key);
	return json_is_string(v) && json_string_length(v) == 64 &&
	       hex_decode(out, 32, json_string_value(v), 64) == Q_OK;
}

/* 1..max bytes, valid UTF-8 (jansson checked), no control character. */
static int text_ok(const json_t *v, size_t max)
{
	if (!json_is_string(v))
		return 0;
	size_t n = json_string_length(v);
	const unsigned char *s = (const unsigned char *)json_string_value(v);
	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static qerr change_entry(roll_chain *c, const elec_manifest *m, uint64_t index, const json_t *j,
                         char *why, size_t whylen)
{
	static const char *const keys[] = {"type",    "old_hash", "new_hash", "voters",
	                                   "decided", "decision", "reason",   "rule"};
	uint8_t oldh[32], newh[32];
	elec_date dd;
	const char *k;
	json_t *v;
	unsigned long long ix = (unsigned long long)index;
	json_object_foreach((json_t *)j, k, v)
	{
		size_t i = 0;
		while (i < sizeof keys / sizeof keys[0] && strcmp(keys[i], k) != 0)
			i++;
		if (i == sizeof keys / sizeof keys[0]) {
			snprintf(why, whylen,
			         _("log/ entry %llu (roll-changed): unknown key \"%s\" (R-3.1)"),
			         ix, k);
			return Q_ERR_FORMAT;
		}
	}
	const json_t *vo = json_object_get(j, "voters");
	const char *rule = json_string_value(json_object_get(j, "rule"));
	const char *ds = json_string_value(json_object_get(j, "decided"));
	if (!hex_at(j, "old_hash", oldh) || !hex_at(j, "new_hash", newh) || !json_is_integer(vo) ||
	    json_integer_value(vo) < 0 || ds == NULL || elec_date_parse(ds, &dd) != Q_OK ||
	    !text_ok(json_object_get(j, "decision"), ROLL_CHANGE_DECISION_MAX) ||
	    !text_ok(json_object_get(j, "reason"), ROLL_CHANGE_REASON_MAX) || rule == NULL ||
	    strcmp(rule, ROLL_CHANGE_RULE) != 0) {
		snprintf(why, whylen,
		         _("log/ entry %llu (roll-changed): not of the form R-3.1 (old_hash, "
		           "new_hash, voters, decided, decision, reason, rule \"%s\")"),
		         ix, ROLL_CHANGE_RULE);
		return Q_ERR_FORMAT;
	}
	if (c->counted) {
		snprintf(why, whylen,
		         _("log/ entry %llu (roll-changed) follows the tally: the roll cannot "
		           "change once the stations' records are counted (%s)"),
		         ix, ROLL_CHANGE_RULE);
		return Q_ERR_RULE;
	}
	if (memcmp(oldh, c->head, 32) != 0) {
		char have[65], want[65];
		hex_encode(have, oldh, 32);
		hex_encode(want, c->head, 32);
		snprintf(why, whylen,
		         _("log/ entry %llu (roll-changed): its old_hash %s is not the roll in "
		           "force before it, %s (R-3.1)"),
		         ix, have, want);
		return Q_ERR_CONSISTENCY;
	}
	if (memcmp(newh, oldh, 32) == 0) {
		snprintf(why, whylen,
		         _("log/ entry %llu (roll-changed): new_hash is old_hash: nothing changed "
		           "(R-3.1)"),
		         ix);
		return Q_ERR_FORMAT;
	}
	if (m != NULL) {
		char w[400];
		if (roll_change_window(m, dd, w, sizeof w) != Q_OK) {
			snprintf(why, whylen, _("log/ entry %llu (roll-changed): %s"), ix, w);
			return Q_ERR_RULE;
		}
	}
	memcpy(c->head, newh, 32);
	c->changes++;
	c->last_index = index;
	return Q_OK;
}

qerr roll_chain_entry(roll_chain *c, const elec_manifest *m, uint64_t index, const uint8_t *bytes,
                      size_t len, char *why, size_t whylen)
{
	json_error_t je;
	json_t *j = json_loadb((const char *)bytes, len, JSON_REJECT_DUPLICATES, &je);
	qerr e = roll_chain_entry_json(c, m, index, j, why, whylen);
	json_decref(j);
	return e;
}

qerr roll_chain_entry_json(roll_chain *c, const elec_manifest *m, uint64_t index, const json_t *j,
                           char *why, size_t whylen)
{
	const char *t = type_of(j);
	qerr e = Q_OK;
	if (index == 0) {
		uint8_t h[32];
		if (t == NULL || strcmp(t, "election-created") != 0 || !hex_at(j, "base_hash", h) ||
		    memcmp(h, c->base_hash, 32) != 0) {
			snprintf(
			    why, whylen,
			    _("log/ entry 0 is not the election-created entry of this election "
			      "(its base_hash differs from base-hash; R-3)"));
			e = Q_ERR_CONSISTENCY;
		} else if (!hex_at(j, "roll_hash", h) || memcmp(h, c->roll_hash, 32) != 0) {
			snprintf(why, whylen,
			         _("log/ entry 0 (election-created): its roll_hash is not "
			           "parameters.json's (R-3)"));
			e = Q_ERR_CONSISTENCY;
		}
	} else if (t != NULL && strcmp(t, "tally") == 0) {
		c->counted = 1;
	} else if (t != NULL && strcmp(t, ROLL_CHANGE_TYPE) == 0) {
		e = change_entry(c, m, index, j, why, whylen);
	} else if (j == NULL) {
		snprintf(why, whylen, _("log/ entry %llu is not JSON (R-3)"),
		         (unsigned long long)index);
		e = Q_ERR_FORMAT;
	}
	return e;
}

void roll_chain_describe(const roll_chain *c, const uint8_t have[32], char *out, size_t outlen)
{
	char hx[65], rx[65], nx[65];
	hex_encode(hx, have, 32);
	hex_encode(rx, c->roll_hash, 32);
	if (c->changes == 0) {
		snprintf(out, outlen,
		         _("its SHA-256 is %s, the election's roll_hash (parameters.json) is %s"),
		         hx, rx);
		return;
	}
	hex_encode(nx, c->head, 32);
	snprintf(out, outlen,
	         _("its SHA-256 is %s, the election's roll_hash (parameters.json) is %s, changed "
	           "by roll-changed entry %llu of the election log to %s"),
	         hx, rx, (unsigned long long)c->last_index, nx);
}

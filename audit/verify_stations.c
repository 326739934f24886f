/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * verify_stations.c -- checks 3 (logs and station records), 4 (ballots),
 * 5 (reconciliation) and 8 (challenged ballots).  docs/spec/verify.md
 * V-5..V-7, V-10; record.md R-5; protocol.md P-6, P-7; audit.md.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/log.h"
#include "crypto/sha256.h"
#include "crypto/sig.h"
#include "crypto/util.h"
#include "election/srec.h"
#include "election/srec_stream.h"
#include "verify_internal.h"

#include "banned.h"

static int cmp_code(const void *a, const void *b)
{
	return memcmp(a, b, BALLOT_CODE_LEN);
}

/* R-5 (7), V-14: a ballot-cast entry's code in c->logcodes, sorted by
 * station, then code: key = u32 station || code[0..12), tag =
 * code[12..28), ref = code[28..32) in its high 32 bits. */
static void lc_item(uint8_t key[ALPHASORT_KEY_LEN], uint8_t tag[ALPHASORT_KEY_LEN], uint64_t *ref,
                    size_t si, const uint8_t code[BALLOT_CODE_LEN])
{
	key[0] = (uint8_t)(si >> 24);
	key[1] = (uint8_t)(si >> 16);
	key[2] = (uint8_t)(si >> 8);
	key[3] = (uint8_t)si;
	memcpy(key + 4, code, 12);
	memcpy(tag, code + 12, 16);
	*ref = ((uint64_t)code[28] << 56) | ((uint64_t)code[29] << 48) |
	       ((uint64_t)code[30] << 40) | ((uint64_t)code[31] << 32);
}

static void lc_code(const alphasort_item *it, size_t *si, uint8_t code[BALLOT_CODE_LEN])
{
	*si = ((size_t)it->key[0] << 24) | ((size_t)it->key[1] << 16) | ((size_t)it->key[2] << 8) |
	      it->key[3];
	memcpy(code, it->key + 4, 12);
	memcpy(code + 12, it->tag, 16);
	for (int k = 0; k < 4; k++)
		code[28 + k] = (uint8_t)(it->ref >> (56 - 8 * k));
}

static int str_is(const json_t *o, const char *key, const char *want)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

/* Decode a base64 JSON string into a malloc'd buffer. */
static qerr b64_field(const json_t *o, const char *key, uint8_t **out, size_t *len)
{
	const json_t *v = json_object_get(o, key);
	*out = NULL;
	*len = 0;
	if (!json_is_string(v) || json_string_length(v) == 0)
		return Q_ERR_FORMAT;
	size_t cap = b64_max_decoded_len(json_string_length(v));
	if ((*out = malloc(cap + 1)) == NULL)
		return Q_ERR_NOMEM;
	*len = cap;
	if (b64_decode(*out, len, json_string_value(v), json_string_length(v)) != Q_OK) {
		free(*out);
		*out = NULL;
		return Q_ERR_FORMAT;
	}
	return Q_OK;
}

/* "key <n>\n" in a text payload; 1 if found. */
static int text_count(const uint8_t *p, size_t len, const char *key, uint64_t *v)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i + kl + 1 < len; i++) {
		if ((i == 0 || p[i - 1] == '\n') && memcmp(p + i, key, kl) == 0 &&
		    p[i + kl] == ' ') {
			uint64_t x = 0;
			size_t j = i + kl + 1, d = 0;
			while (j < len && p[j] >= '0' && p[j] <= '9' && d < 19) {
				x = x * 10 + (uint64_t)(p[j] - '0');
				j++;
				d++;
			}
			if (d == 0 || j >= len || p[j] != '\n')
				return 0;
			*v = x;
			return 1;
		}
	}
	return 0;
}

static const uint8_t *payload(const uint8_t *e, size_t len, const char *tag, size_t *plen)
{
	size_t tl = strlen(tag);
	if (len < tl + 1 || memcmp(e, tag, tl) != 0 || e[tl] != '\n')
		return NULL;
	*plen = len - tl - 1;
	return e + tl + 1;
}

/* V-5.5: a poll-opened entry names this station, the manifest's SHA-256
 * and the record's counts.registered, exactly as P-6 writes it; the first
 * one precedes every checkins and ballot entry. */
static void poll_opened(ve_ctx *c, ve_station *s, const char *rel, uint64_t i, const uint8_t *p,
                        size_t pl, int first, int before_ballots)
{
	char why[VE_DETAIL_LEN];
	uint64_t reg = 0;
	if (ve_json_u64(json_object_get(s->rec, "counts"), "registered", UINT64_MAX >> 11, &reg) !=
	    Q_OK)
		reg = UINT64_MAX; /* matches no entry: the detail says so */
	if (srec_opened_check(p, pl, s->id, c->m->hash, reg, why, sizeof why) != Q_OK)
		ve_fail(c, VE_LOGS, "%s: entry %llu: %s", rel, (unsigned long long)i, why);
	else if (first && !before_ballots)
		ve_fail(c, VE_LOGS,
		        "%s: entry %llu: the first poll-opened entry follows a check-in or ballot "
		        "entry (V-5.5)",
		        rel, (unsigned long long)i);
	else
		ve_ok(c, VE_LOGS);
}

/* V-5.3: an entry that is none of P-6's: another version of the station
 * entries or an unknown type. */
static void entry_unknown(ve_ctx *c, const char *rel, uint64_t i, const uint8_t *e, size_t len)
{
	static const char pre[] = "quorum/v";
	size_t tl = 0;
	while (tl < len && tl < 80 && e[tl] != '\n' && e[tl] >= 0x20 && e[tl] < 0x7f)
		tl++;
	if (len > sizeof pre && memcmp(e, pre, sizeof pre - 1) == 0 &&
	    memcmp(e, "quorum/v1/", 10) != 0)
		ve_fail(c, VE_LOGS,
		        "%s: entry %llu: tag %.*s: unknown version; this verifier knows "
		        "quorum/v1/station/ entries (R-11.3)",
		        rel, (unsigned long long)i, (int)tl, (const char *)e);
	else
		ve_fail(c, VE_LOGS,
		        "%s: entry %llu: \"%.*s\" is not a station log entry (P-6, V-5.3)", rel,
		        (unsigned long long)i, (int)tl, (const char *)e);
}

/* A station log's walk (check 3): what its entries say, in index order. */
typedef struct log_walk {
	ve_ctx *c;
	ve_station *s;
	const char *rel;
	uint64_t nclosed, closed_at, nopened;
	uint64_t ncast_before; /* ballot-cast entries before the one walked */
	uint64_t nother; /* challenged and checkins entries walked */
	/* log_verify_visit's pass: the ballot-cast entries are taken as the
	 * entries are verified; the indices of the others (their reports and
	 * effects wait for the whole log's verdict, A-3.5) are listed, up to
	 * VE_LOG_LATER; past that the walk after reads every entry again */
	uint64_t size;
	uint64_t *later;
	size_t nlater;
	int overflow;
} log_walk;

/* Entries other than ballot-cast listed by index for after the log
 * verified (8 bytes each: a station's log holds a few, P-6; past this the
 * entries are all read again, never kept). */
#define VE_LOG_LATER 4096

/* A ballot-cast entry's payload p: its tracking code to the external sort
 * (V-14: not kept here), counted. */
static void log_cast(ve_ctx *c, ve_station *s, const uint8_t *p, size_t pl)
{
	uint8_t code[BALLOT_CODE_LEN], k[ALPHASORT_KEY_LEN], t[ALPHASORT_KEY_LEN];
	uint64_t ref;
	ballot_tracking_code(code, c->style, p, pl);
	lc_item(k, t, &ref, (size_t)(s - c->st), code);
	if (c->logcodes_ok && alphasort_add(c->logcodes, k, t, ref) != Q_OK)
		c->logcodes_ok = 0;
	s->ncast_codes++;
}

/* log_verify_visit's reader: entry i, its leaf verified. */
static qerr log_visit(void *ctx, uint64_t i, const uint8_t *e, size_t len)
{
	log_walk *w = ctx;
	size_t pl;
	const uint8_t *p;
	if (i >= w->size)
		return Q_OK; /* after log.size: V-5.3 fails the log */
	if ((p = payload(e, len, VE_ENTRY_CAST, &pl)) != NULL)
		log_cast(w->c, w->s, p, pl);
	else if (w->nlater < VE_LOG_LATER)
		w->later[w->nlater++] = i;
	else
		w->overflow = 1;
	return Q_OK;
}

/* Entry i of the log (buf, len bytes), not a ballot-cast entry (those were
 * taken by log_visit): what it says.  -1 if memory ran out. */
static int walk_other(log_walk *w, uint64_t i, const uint8_t *buf, size_t len)
{
	ve_ctx *c = w->c;
	ve_station *s = w->s;
	const char *rel = w->rel;
	size_t pl;
	const uint8_t *p;
	if ((p = payload(buf, len, VE_ENTRY_CHALLENGED, &pl)) != NULL && pl >= 4) {
		size_t bl =
		    ((size_t)p[0] << 24) | ((size_t)p[1] << 16) | ((size_t)p[2] << 8) | p[3];
		if (bl <= pl - 4) {
			if (s->nch_codes == s->ch_cap) {
				size_t ncap = s->ch_cap ? 2 * s->ch_cap : 16;
				void *n = realloc(s->ch_codes, ncap * BALLOT_CODE_LEN);
				if (n == NULL)
					return -1;
				s->ch_codes = n;
				s->ch_cap = ncap;
			}
			ballot_tracking_code(s->ch_codes[s->nch_codes++], c->style, p + 4, bl);
		}
	} else if ((p = payload(buf, len, VE_ENTRY_CHECKINS, &pl)) != NULL) {
		uint64_t v;
		if (text_count(p, pl, "issued", &v))
			s->last_checkins = v;
	} else if ((p = payload(buf, len, VE_ENTRY_CLOSED, &pl)) != NULL) {
		char want[128];
		w->nclosed++;
		w->closed_at = i;
		s->have_closed = text_count(p, pl, "issued", &s->log_issued) &&
		                 text_count(p, pl, "cast", &s->log_cast) &&
		                 text_count(p, pl, "challenged", &s->log_challenged);
		/* P-6: the one form, with counts (V-7) */
		int wl =
		    snprintf(want, sizeof want, "issued %llu\ncast %llu\nchallenged %llu\n",
		             (unsigned long long)s->log_issued, (unsigned long long)s->log_cast,
		             (unsigned long long)s->log_challenged);
		if (!s->have_closed || (size_t)wl != pl || memcmp(p, want, pl) != 0)
			ve_fail(c, VE_LOGS,
			        "%s: entry %llu: poll-closed is not \"issued <n>\\ncast "
			        "<n>\\nchallenged <n>\\n\" (P-6)",
			        rel, (unsigned long long)i);
	} else if ((p = payload(buf, len, VE_ENTRY_ROLL, &pl)) != NULL) {
		ve_station_roll_entry(c, s, i, p, pl);
	} else if ((p = payload(buf, len, VE_ENTRY_OPENED, &pl)) != NULL) {
		w->nopened++;
		poll_opened(c, s, rel, i, p, pl, w->nopened == 1, w->ncast_before + w->nother == 0);
	} else if ((p = payload(buf, len, NAMED_ENTRY_TAG, &pl)) != NULL) {
		ve_named_entry(c, s, i, p, pl); /* V-7.1 */
	} else if (payload(buf, len, VE_ENTRY_REISSUED, &pl) == NULL) {
		entry_unknown(c, rel, i, buf, len);
	}
	if (payload(buf, len, VE_ENTRY_CHALLENGED, &pl) != NULL ||
	    payload(buf, len, VE_ENTRY_CHECKINS, &pl) != NULL)
		w->nother++;
	return 0;
}

/* Read entry i of lg into buf and walk it (walk_other); a ballot-cast entry
 * (log_visit took it) is only counted.  -1 (reported) if it cannot be read
 * or memory ran out. */
static int walk_entry(log_walk *w, audit_log *lg, uint8_t *buf, uint64_t i)
{
	size_t len, pl;
	if (log_read_entry(lg, i, buf, &len) != Q_OK) {
		ve_fail(w->c, VE_LOGS, "%s: entry %llu cannot be read", w->rel,
		        (unsigned long long)i);
		return -1;
	}
	if (payload(buf, len, VE_ENTRY_CAST, &pl) != NULL) {
		w->ncast_before++;
		return 0;
	}
	if (walk_other(w, i, buf, len) != 0) {
		ve_fail(w->c, VE_LOGS, "out of memory");
		return -1;
	}
	return 0;
}

/* plus R-5 (7): the station's log, read once (log_verify_visit)
 * unless it holds more than VE_LOG_LATER entries other than ballot-cast. */
static void station_log(ve_ctx *c, ve_station *s, uint64_t size, const uint8_t root[32])
{
	char rel[VE_PATH_MAX], path[VE_PATH_MAX], lmsg[LOG_MSG_MAX];
	audit_log *lg = NULL;
	uint8_t *buf = NULL;
	merkle_hash r;
	size_t nc = 0;
	uint64_t close_index = 0;
	log_walk w;
	memset(&w, 0, sizeof w);
	w.c = c;
	w.s = s;
	w.rel = rel;
	w.size = size;
	snprintf(rel, sizeof rel, "stations/%s/log", s->id);
	if (ve_path(c, path, sizeof path, rel) != Q_OK ||
	    log_open(path, LOG_RDONLY, &lg, lmsg, sizeof lmsg) != Q_OK) {
		ve_fail(c, VE_LOGS, "%s: the log cannot be opened: %s", rel, lmsg);
		snprintf(s->log_why, sizeof s->log_why, "its log cannot be opened");
		return;
	}
	const note_verifier *lvk = log_vkey(lg);
	if (memcmp(lvk->pk, s->vk.pk, SIG_PUBLIC_LEN) != 0 || strcmp(lvk->name, s->vk.name) != 0) {
		ve_fail(c, VE_LOGS, "%s/vkey: not the key that signed the station record", rel);
		snprintf(s->log_why, sizeof s->log_why, "its log's key is not the record's");
		goto out;
	}
	if ((w.later = malloc(VE_LOG_LATER * sizeof *w.later)) == NULL ||
	    (buf = malloc(MERKLE_MAX_ENTRY + 1)) == NULL) {
		ve_fail(c, VE_LOGS, "out of memory");
		goto out;
	}
	/* the ballot-cast entries' codes go to the sort as the entries are
	 * verified: harmless if the log then fails (s->log_ok stays 0, and
	 * check 4 looks nothing up in a log that is not ok) */
	if (log_verify_visit(lg, size, log_visit, &w, NULL, &nc) != Q_OK) {
		ve_fail(c, VE_LOGS, "%s: does not verify (A-3.5): %s", rel, log_error(lg));
		snprintf(s->log_why, sizeof s->log_why, "its log does not verify");
		goto out;
	}
	if (size > log_size(lg) || log_root(lg, size, r) != Q_OK || memcmp(r, root, 32) != 0) {
		ve_fail(c, VE_LOGS,
		        "%s: the record's log.size/log.root are not a prefix of the log (R-5 (7))",
		        rel);
		snprintf(s->log_why, sizeof s->log_why,
		         "the record's log.size/log.root are not its log's");
		goto out;
	}
	ve_ok(c, VE_LOGS);
	s->log_entries = size;
	/* the other entries, in index order, now that the log verified */
	if (!w.overflow) {
		/* the k-th listed entry has k listed ones before it, the rest of
		 * those before it being ballot-cast */
		for (size_t k = 0; k < w.nlater; k++) {
			w.ncast_before = w.later[k] - k;
			if (walk_entry(&w, lg, buf, w.later[k]) != 0)
				goto out;
		}
	} else {
		for (uint64_t i = 0; i < size; i++)
			if (walk_entry(&w, lg, buf, i) != 0)
				goto out;
	}
	if (w.nopened == 0)
		ve_fail(c, VE_LOGS, "%s: no poll-opened entry (P-6, V-5.5)", rel);
	/* V-5.3: nothing follows the record: the log holds log.size entries */
	if (log_size(lg) != size)
		ve_fail(c, VE_LOGS,
		        "%s: the log holds %llu entries but the record's log.size is %llu (V-5.3: "
		        "no entry follows the station record)",
		        rel, (unsigned long long)log_size(lg), (unsigned long long)size);
	ve_station_roll_done(c, s);
	/* P-7.1: log.close_index names the log's one poll-closed entry. */
	if (ve_json_u64(json_object_get(s->rec, "log"), "close_index", UINT64_MAX >> 1,
	                &close_index) != Q_OK ||
	    w.nclosed != 1 || w.closed_at != close_index)
		ve_fail(c, VE_LOGS,
		        "%s: log.close_index %llu is not the index of the log's one poll-closed "
		        "entry (%llu poll-closed entries, the last at %llu; P-7.1)",
		        rel, (unsigned long long)close_index, (unsigned long long)w.nclosed,
		        (unsigned long long)w.closed_at);
	else if (size == 0 || close_index != size - 1)
		ve_fail(c, VE_LOGS,
		        "%s: entries follow poll-closed (log.close_index %llu, log.size %llu): "
		        "the poll-closed entry is the log's last (P-7.1, V-5.3)",
		        rel, (unsigned long long)close_index, (unsigned long long)size);
	if (s->nch_codes > 1)
		qsort(s->ch_codes, s->nch_codes, BALLOT_CODE_LEN, cmp_code);
	s->log_ok = 1;
out:
	if (!s->log_ok && s->log_why[0] == 0)
		snprintf(s->log_why, sizeof s->log_why, "its log could not be read");
	free(w.later);
	free(buf);
	log_close(lg);
}

uint64_t ve_fail_unexamined(ve_ctx *c, int id, int chal, const char *what)
{
	uint64_t total = 0;
	for (size_t i = 0; i < c->nst; i++) {
		const ve_station *s = &c->st[i];
		long long n = chal ? s->nrec_chal : s->nrec_cast;
		const char *kind = chal ? "challenged ballot" : "ballot";
		if (s->collected || s->other)
			continue;
		if (n == 0)
			continue; /* nothing of this kind was left out */
		if (n > 0)
			ve_fail(c, id, "stations/%s: %lld %s%s not examined (%s): %s (check 3)",
			        s->id, n, kind, n == 1 ? "" : "s", what,
			        s->unusable[0] ? s->unusable : "the record is unusable");
		else
			ve_fail(c, id,
			        "stations/%s: its %ss not examined, how many is unknown (%s): %s "
			        "(check 3)",
			        s->id, kind, what,
			        s->unusable[0] ? s->unusable : "the record is unusable");
		total += n > 0 ? (uint64_t)n : 1;
	}
	return total;
}

/* Bound on one "ballots" entry's JSON text (a B-2 encoding in base64). */
#define VE_MAX_ENTRY (16u * 1024u * 1024u)

/* Collect the ballots of one record's array into *arr (appended). */
static void collect(ve_ctx *c, size_t si, const json_t *a, int challenged, ve_ballot **arr,
                    size_t *n)
{
	const char *what = challenged ? "challenged" : "ballots";
	size_t m = json_array_size(a);
	ve_ballot *nb = realloc(*arr, (*n + m + 1) * sizeof *nb);
	if (nb == NULL) {
		ve_fail(c, VE_BALLOTS, "out of memory");
		return;
	}
	*arr = nb;
	for (size_t i = 0; i < m; i++) {
		const json_t *e = json_array_get(a, i);
		ve_ballot *b = &(*arr)[*n];
		memset(b, 0, sizeof *b);
		b->station = si;
		b->index = i;
		(*n)++;
		if (ve_json_hex(e, "tracking_code", b->code, BALLOT_CODE_LEN) != Q_OK ||
		    b64_field(e, "ballot", &b->enc, &b->len) != Q_OK ||
		    (challenged && b64_field(e, "opening", &b->open, &b->openlen) != Q_OK)) {
			free(b->enc);
			b->enc = NULL;
			ve_fail(c, challenged ? VE_CHALLENGED : VE_BALLOTS,
			        "stations/%s/station-record.json: %s[%zu]: tracking_code, ballot%s "
			        "missing or malformed",
			        c->st[si].id, what, i, challenged ? " or opening" : "");
		}
	}
}

/* V-6 / V-10 (P-7.1): a record's ballots and challenged lists are in
 * strictly ascending order of tracking code (byte order of the 32 bytes,
 * which is that of the lower-case hex strings). */
static int codes_all(const json_t *a)
{
	for (size_t i = 0; i < json_array_size(a); i++)
		if (!json_is_string(json_object_get(json_array_get(a, i), "tracking_code")))
			return 0;
	return 1;
}

static void sorted_by_code(ve_ctx *c, const char *sid, const json_t *a, int id, const char *what)
{
	char why[VE_DETAIL_LEN];
	if (srec_sorted_check(a, what, why, sizeof why) != Q_OK)
		ve_fail(c, id, "stations/%s/station-record.json: %s", sid, why);
	else if (json_array_size(a) > 1 && codes_all(a))
		ve_ok(c, id); /* an entry without a code: collect named it */
}

/* R-5 (1), (2), (3), (5): one station record. */
static void station_record(ve_ctx *c, size_t si)
{
	ve_station *s = &c->st[si];
	char rel[VE_PATH_MAX], why[VE_DETAIL_LEN];
	uint8_t *sigtxt = NULL, *msg = NULL, sig[SIG_LEN + 3];
	size_t blen = 0, slen = 0, sl = sizeof sig;
	s->nrec_cast = s->nrec_chal = -1;
	snprintf(rel, sizeof rel, "stations/%s/station-record.json", s->id);
	/* V-14: read once through, hashed on the way; the ballots are read
	 * again, one at a time, by check 4 */
	{
		char path[VE_PATH_MAX];
		srec_stream *rs = NULL;
		size_t nb = 0;
		int end = 0;
		qerr e = ve_path(c, path, sizeof path, rel);
		if (e == Q_OK)
			e = srec_stream_open(&rs, path, VE_MAX_ENTRY, why, sizeof why);
		if (e != Q_OK) {
			ve_fail(c, VE_LOGS, "%s: cannot be read", rel);
			snprintf(s->unusable, sizeof s->unusable,
			         "the station record is unreadable");
			goto out;
		}
		while (e == Q_OK && !end)
			e = srec_stream_skip(rs, &end, why, sizeof why);
		if (e == Q_OK)
			e = srec_stream_finish(rs, &s->rec, s->rec_sha, &nb, why, sizeof why);
		blen = (size_t)srec_stream_bytes(rs);
		srec_stream_free(rs);
		if (e != Q_OK || !json_is_object(s->rec)) {
			ve_fail(c, VE_LOGS, "%s: not a station record: %s", rel, why);
			json_decref(s->rec);
			s->rec = NULL;
			snprintf(s->unusable, sizeof s->unusable,
			         e == Q_ERR_IO ? "the station record is unreadable"
			                       : "the station record is not JSON");
			goto out;
		}
		s->nrec_cast = (long long)nb;
	}
	if (json_is_array(json_object_get(s->rec, "challenged")))
		s->nrec_chal = (long long)json_array_size(json_object_get(s->rec, "challenged"));
	/* a record of a major version this verifier does not know is
	 * refused before anything in it is read */
	if (!ve_format(c, VE_LOGS, rel, s->rec, "quorum-station-record", 2)) {
		snprintf(s->unusable, sizeof s->unusable,
		         "the station record's format version is unknown");
		goto out;
	}
	s->rec_len = blen;
	s->have_rec = 1;
	const json_t *lg = json_object_get(s->rec, "log");
	const json_t *vk = json_object_get(lg, "vkey");
	if (!json_is_string(vk) ||
	    note_verifier_parse(&s->vk, json_string_value(vk), json_string_length(vk)) != Q_OK ||
	    s->vk.alg != NOTE_ALG_ED25519) {
		ve_fail(c, VE_LOGS, "%s: log.vkey is not an Ed25519 verifier key", rel);
		snprintf(s->unusable, sizeof s->unusable, "the record has no usable log.vkey");
		goto out;
	}
	s->have_vk = 1;
	/* R-5 (1): the registered key, if any */
	{
		char vrel[VE_PATH_MAX];
		uint8_t *vb = NULL;
		size_t vl;
		note_verifier reg;
		snprintf(vrel, sizeof vrel, "stations/%s/vkey", s->id);
		qerr e = ve_read(c, vrel, &vb, &vl, why, sizeof why);
		if (e == Q_OK) {
			if (note_verifier_parse(&reg, (const char *)vb, vl) != Q_OK ||
			    memcmp(reg.pk, s->vk.pk, SIG_PUBLIC_LEN) != 0 ||
			    strcmp(reg.name, s->vk.name) != 0)
				ve_fail(c, VE_LOGS,
				        "%s: the record's log.vkey is not the registered key",
				        vrel);
			else
				ve_ok(c, VE_LOGS);
		} else if (e != Q_ERR_NOTFOUND) {
			ve_fail(c, VE_LOGS, "%s", why);
		}
		free(vb);
	}
	/* R-5 (2) / P-7.2: the signature */
	snprintf(rel, sizeof rel, "stations/%s/station-record.json.sig", s->id);
	if (ve_read(c, rel, &sigtxt, &slen, why, sizeof why) != Q_OK) {
		ve_fail(c, VE_LOGS, "%s", why);
		snprintf(s->unusable, sizeof s->unusable, "the record's signature file is %s",
		         strstr(why, "missing") ? "missing" : "unreadable");
		goto out;
	}
	if (slen > 0 && sigtxt[slen - 1] == '\n')
		slen--;
	if (b64_decode(sig, &sl, (const char *)sigtxt, slen) != Q_OK || sl != SIG_LEN ||
	    (msg = malloc(SREC_SIG_MSG_LEN)) == NULL) {
		ve_fail(c, VE_LOGS, "%s: not a base64 Ed25519 signature", rel);
		snprintf(s->unusable, sizeof s->unusable, "the record's signature is malformed");
		goto out;
	}
	/* P-7.2: SREC_SIG_TAG || SHA-256(record bytes), the digest made
	 * while reading (srec_sig_message's message) */
	memcpy(msg, SREC_SIG_TAG, SREC_SIG_TAG_LEN);
	memcpy(msg + SREC_SIG_TAG_LEN, s->rec_sha, 32);
	if (sig_verify(s->vk.pk, msg, SREC_SIG_MSG_LEN, sig) != Q_OK) {
		ve_fail(c, VE_LOGS, "%s: the station record's signature does not verify (P-7.2)",
		        rel);
		snprintf(s->unusable, sizeof s->unusable,
		         "the station record's signature does not verify");
		goto out;
	}
	s->sig_ok = 1;
	ve_ok(c, VE_LOGS);
	/* R-5 (3): the record belongs to this election, station and key */
	snprintf(rel, sizeof rel, "stations/%s/station-record.json", s->id);
	{
		uint8_t h[POINT_LEN];
		const char *bad = NULL;
		if (!str_is(s->rec, "station", s->id))
			bad = "station";
		else if (c->m == NULL || !str_is(s->rec, "election", c->m->id))
			bad = "election";
		else if (!c->params_ok || ve_json_hex(s->rec, "base_hash", h, 32) != Q_OK ||
		         memcmp(h, c->base_hash, 32) != 0)
			bad = "base_hash";
		else if (ve_json_hex(s->rec, "manifest_sha256", h, 32) != Q_OK ||
		         memcmp(h, c->m->hash, 32) != 0)
			bad = "manifest_sha256";
		else if (!c->keys_ok || ve_json_hex(s->rec, "joint_key", h, POINT_LEN) != Q_OK ||
		         memcmp(h, c->Kenc, POINT_LEN) != 0)
			bad = "joint_key";
		/* the origin is quorum/<election>/station/<station>, and it
		 * is the name of the station's key */
		char origin[VE_PATH_MAX] = "";
		if (bad == NULL &&
		    (srec_origin(origin, sizeof origin, c->m->id, s->id) != Q_OK ||
		     !str_is(lg, "origin", origin) || strcmp(s->vk.name, origin) != 0)) {
			ve_fail(c, VE_LOGS,
			        "%s: log.origin \"%.80s\" or the name of log.vkey \"%.80s\" is not "
			        "\"%.100s\" (A-5.2)",
			        rel,
			        json_is_string(json_object_get(lg, "origin"))
			            ? json_string_value(json_object_get(lg, "origin"))
			            : "(none)",
			        s->vk.name, origin);
		} else if (bad != NULL) {
			ve_fail(c, VE_LOGS, "%s: \"%s\" is not this election's (R-5 (3))", rel,
			        bad);
		} else {
			ve_ok(c, VE_LOGS);
		}
	}
	/* R-5 (5): the record's checkpoint */
	uint64_t size = 0;
	uint8_t root[32];
	checkpoint cp;
	const json_t *note = json_object_get(lg, "checkpoint");
	if (ve_json_u64(lg, "size", UINT64_MAX >> 1, &size) != Q_OK ||
	    ve_json_hex(lg, "root", root, 32) != Q_OK || !json_is_string(note) ||
	    checkpoint_open(&cp, json_string_value(note), json_string_length(note), &s->vk) !=
	        Q_OK ||
	    cp.size != size || memcmp(cp.root, root, 32) != 0) {
		ve_fail(c, VE_LOGS,
		        "%s: log.checkpoint is not a checkpoint signed by log.vkey of log.size and "
		        "log.root (R-5 (5))",
		        rel);
		snprintf(s->unusable, sizeof s->unusable, "the record's log.checkpoint is bad");
		goto out;
	}
	ve_ok(c, VE_LOGS);
	/* counts */
	const json_t *cnt = json_object_get(s->rec, "counts");
	if (ve_json_u64(cnt, "issued", UINT64_MAX >> 11, &s->issued) != Q_OK ||
	    ve_json_u64(cnt, "cast", UINT64_MAX >> 11, &s->cast) != Q_OK ||
	    ve_json_u64(cnt, "challenged", UINT64_MAX >> 11, &s->challenged) != Q_OK)
		ve_fail(c, VE_RECONCILE, "%s: counts.issued/cast/challenged missing", rel);
	else
		s->have_counts = 1;
	s->registered_ok = ve_json_u64(cnt, "registered", UINT64_MAX >> 11, &s->registered) == Q_OK;
	if (s->have_counts && !s->registered_ok)
		ve_fail(c, VE_RECONCILE, "%s: counts.registered missing", rel);
	if (c->style != NULL)
		station_log(c, s, size, root);
	else
		ve_fail(c, VE_LOGS,
		        "stations/%s/log: not examined: no ballot style to read its entries "
		        "(check 1)",
		        s->id);
	/* the challenged ballots, for check 8; the ballots stay in the file
	 * for check 4 (V-14) */
	const json_t *ch = json_object_get(s->rec, "challenged");
	if (!json_is_array(ch)) {
		ve_fail(c, VE_LOGS, "%s: \"ballots\" or \"challenged\" is not an array", rel);
		snprintf(s->unusable, sizeof s->unusable,
		         "\"ballots\" or \"challenged\" is not an array");
		goto out;
	}
	collect(c, si, ch, 1, &c->chal, &c->nchal);
	sorted_by_code(c, s->id, ch, VE_CHALLENGED, "challenged");
	s->collected = 1;
	s->first_cast = c->ncast;
	c->ncast += (size_t)s->nrec_cast;
	/* the challenged ballots' bytes now live in c->chal */
	(void)json_object_del(s->rec, "challenged");
out:
	ve_station_checked_in(c, si); /* R-5 (9), then the list is dropped */
	free(sigtxt);
	free(msg);
}

void ve_load_election_log(ve_ctx *c)
{
	char path[VE_PATH_MAX], lmsg[LOG_MSG_MAX] = "";
	audit_log *lg = NULL;
	uint8_t *ebuf = NULL;
	json_t *arr = NULL;
	if (ve_path(c, path, sizeof path, "log") != Q_OK ||
	    log_open(path, LOG_RDONLY, &lg, lmsg, sizeof lmsg) != Q_OK) {
		snprintf(c->elog_err, sizeof c->elog_err,
		         "log/: the election log cannot be opened: %.250s", lmsg);
		return;
	}
	if (log_verify(lg, NULL, NULL) != Q_OK) {
		snprintf(c->elog_err, sizeof c->elog_err, "log/: does not verify (A-3.5): %s",
		         log_error(lg));
		goto out;
	}
	if ((arr = json_array()) == NULL || (ebuf = malloc(MERKLE_MAX_ENTRY + 1)) == NULL) {
		snprintf(c->elog_err, sizeof c->elog_err, "log/: out of memory");
		goto out;
	}
	for (uint64_t i = 0; i < log_size(lg); i++) {
		size_t el;
		json_t *j = NULL;
		if (log_read_entry(lg, i, ebuf, &el) == Q_OK)
			j = json_loadb((const char *)ebuf, el, JSON_REJECT_DUPLICATES, NULL);
		json_array_append_new(arr, j != NULL ? j : json_null());
	}
	c->elog = arr;
	arr = NULL;
out:
	json_decref(arr);
	free(ebuf);
	log_close(lg);
}

/* the election log and the result checkpoint. */
static void election_log(ve_ctx *c)
{
	char path[VE_PATH_MAX], lmsg[LOG_MSG_MAX], why[VE_DETAIL_LEN];
	audit_log *lg = NULL;
	uint8_t *note = NULL;
	size_t nl;
	checkpoint cp;
	merkle_hash r;
	if (c->elog == NULL) {
		ve_fail(c, VE_LOGS, "%s", c->elog_err);
		return;
	}
	ve_ok(c, VE_LOGS);
	/* entry 0 names the election log's format */
	{
		const json_t *e0 = json_array_get(c->elog, 0);
		if (!json_is_object(e0))
			ve_fail(c, VE_LOGS, "log/ entry 0: not a JSON object (R-3)");
		else if (ve_format(c, VE_LOGS, "log/ entry 0", e0, "quorum-election-log", 1))
			ve_ok(c, VE_LOGS);
	}
	if (ve_path(c, path, sizeof path, "log") != Q_OK ||
	    log_open(path, LOG_RDONLY, &lg, lmsg, sizeof lmsg) != Q_OK) {
		ve_fail(c, VE_LOGS, "log/: the election log cannot be opened: %.250s", lmsg);
		return;
	}
	/* quorum/<election>/election/round-<r> */
	if (c->m == NULL || c->round == 0) {
		ve_fail(c, VE_LOGS,
		        "log/: its origin not checked: no election id or round (check 1)");
	} else {
		char origin[VE_PATH_MAX];
		snprintf(origin, sizeof origin, "quorum/%s/election/round-%u", c->m->id, c->round);
		if (strcmp(log_origin(lg), origin) != 0)
			ve_fail(c, VE_LOGS, "log/: origin \"%.100s\" is not \"%.100s\" (A-5.2)",
			        log_origin(lg), origin);
		else
			ve_ok(c, VE_LOGS);
	}
	if (ve_read(c, "tally/result.checkpoint", &note, &nl, why, sizeof why) != Q_OK) {
		ve_fail(c, VE_LOGS, "%s", why);
	} else if (checkpoint_open(&cp, (const char *)note, nl, log_vkey(lg)) != Q_OK) {
		ve_fail(c, VE_LOGS,
		        "tally/result.checkpoint: not a checkpoint signed by log/vkey (R-8.4)");
	} else if (cp.size != log_size(lg) || log_root(lg, cp.size, r) != Q_OK ||
	           memcmp(r, cp.root, 32) != 0) {
		ve_fail(c, VE_LOGS,
		        "tally/result.checkpoint: not a checkpoint of the whole election log (its "
		        "size %llu, the log's %llu; V-5.1)",
		        (unsigned long long)cp.size, (unsigned long long)log_size(lg));
	} else {
		/* V-5.1: the checkpoint is of the whole log, whose last entry is
		 * the result entry that counts (check 7 compares its hash) */
		const json_t *t = json_object_get(json_array_get(c->elog, cp.size - 1), "type");
		if (cp.size == 0 || !json_is_string(t) ||
		    strcmp(json_string_value(t), "result") != 0)
			ve_fail(
			    c, VE_LOGS,
			    "tally/result.checkpoint: the log's last entry (%llu) is not a result "
			    "entry (R-8.4, V-5.1)",
			    (unsigned long long)cp.size - 1);
		else
			ve_ok(c, VE_LOGS);
	}
	free(note);
	log_close(lg);
}

static int ve_has_station(const ve_ctx *c, const char *id)
{
	for (size_t i = 0; i < c->nst; i++)
		if (strcmp(c->st[i].id, id) == 0)
			return 1;
	return 0;
}

/* The external sorts' buffers (V-14): each sort keeps at most this in
 * memory, the rest in sorted runs of that size in a temporary file (40
 * bytes per item on disk), merged through 64 KiB per run.  Small enough
 * that all are full well below 100,000 ballots (so peak RSS is the same
 * at 100,000 and 1,000,000: flat), large enough that 1,000,000 ballots
 * make a few dozen runs per sort: the logs' and the records' codes and the
 * roll ids (40 B per ballot, 2 MiB: full at ~52,000 ballots), the alphas'
 * fingerprints (one per ciphertext, 5-8 per ballot; 8 MiB: full at ~42,000
 * five-selection ballots). */
#define VE_LOGCODES_MEM (2u * 1024u * 1024u)
#define VE_ROLLIDS_MEM (2u * 1024u * 1024u)
#define VE_CODES_MEM (2u * 1024u * 1024u)
#define VE_ALPHAS_MEM (8u * 1024u * 1024u)

void ve_check_logs(ve_ctx *c)
{
	election_log(c);
	if (c->m == NULL) {
		ve_fail(c, VE_LOGS,
		        "cannot check station records: the manifest is invalid (check 1)");
		return;
	}
	c->nst = c->m->nstations;
	c->logcodes = alphasort_new(VE_LOGCODES_MEM, 1);
	c->logcodes_ok = c->logcodes != NULL;
	c->rollids = alphasort_new(VE_ROLLIDS_MEM, 1);
	c->rollids_ok = c->rollids != NULL;
	if ((c->st = calloc(c->nst ? c->nst : 1, sizeof *c->st)) == NULL) {
		c->nst = 0;
		ve_fail(c, VE_LOGS, "out of memory");
		return;
	}
	for (size_t i = 0; i < c->nst; i++) {
		c->st[i].id = c->m->stations[i].id;
		/* V-16: --station S verifies S's part only */
		if (c->split->station != NULL && strcmp(c->split->station, c->st[i].id) != 0) {
			c->st[i].other = 1;
			continue;
		}
		station_record(c, i);
	}
	if (c->split->station != NULL && !ve_has_station(c, c->split->station))
		ve_fail(c, VE_LOGS, "--station %s: the manifest has no such station",
		        c->split->station);
}

/* ---- check 4: ballots, read one at a time (V-14) ---- */

/* Ballots per batch verification (verify_election.h). */
#define VE_BATCH VE_BATCH_BALLOTS
/* Batches per thread in one window of ballots read ahead. */
#define VE_WINDOW_BATCHES 2

/* What one worker thread adds up across windows: the sums of the decoded
 * ballots' ciphertexts, with msm.c's field arithmetic, a batch at a time
 * (check 6, V-8), and point by point with libgcrypt (check 10). */
typedef struct ve_acc {
	uint8_t (*sum)[POINT_LEN]; /* 2T: [2t] alpha, [2t + 1] beta of option t */
	uint8_t *sum_inf; /* 2T: 1 while that sum is infinity (nothing added yet) */
	const uint8_t **pts; /* scratch: 2T (VE_BATCH + 1) point encodings */
	size_t *end; /* scratch: 2T group ends */
	uint8_t (*out)[POINT_LEN]; /* scratch: 2T sums */
	uint8_t *out_inf; /* scratch: 2T */
	xcheck_point **xs; /* 2T, NULL: nothing added yet */
	int oom, xbad;
} ve_acc;

/* Phase 1 of check 4, on worker threads, over one window of ballots read
 * ahead from a station record: decode, verify the proofs and recompute
 * the tracking code of every ballot.  A thread takes VE_BATCH consecutive
 * ballots at a time and verifies all their proofs in one batch
 * (ballot_verify_batch_enc); if the batch fails, each ballot is verified
 * alone so that every bad one is named with ballot_verify's message,
 * exactly as one-at-a-time verification would (each ballot is touched by
 * one thread only; the style, K and its table are shared read-only).  It
 * then adds each decoded ballot's ciphertexts to its own sums. */
typedef struct ballot_job {
	ve_ctx *c;
	ve_ballot *w;
	size_t n;
	atomic_size_t next;
	size_t *cap; /* per slot: its buffer's size */
	uint8_t **enc_keep; /* per slot: its buffer (w[i].enc points into it) */
	ve_acc *acc;
	size_t *off; /* ballot_style_ct_offsets: nct entries, the T selections first */
	size_t slen, T, nct;
} ballot_job;

typedef struct ballot_worker_arg {
	ballot_job *j;
	size_t slot;
} ballot_worker_arg;

/* Stage 2 of b from ballot_verify's own verdict (why names the proof). */
static void verify_alone(ve_ctx *c, ve_ballot *b)
{
	char why[VE_DETAIL_LEN] = "";
	if ((b->err = ballot_verify(c->style, c->K, c->Kt, b->b, why, sizeof why)) != Q_OK) {
		b->stage = 2;
		b->why = strdup(why);
	}
}

/* Check 6's sums (R-6 (3), V-8, V-14): the n ballots' ciphertexts (encs[k], each
 * of the style's B-2 length, decoded by ballot_decode) added to acc's
 * running sums, one point_sums_enc for the batch: group 2t + half is the
 * running sum of option t's alpha (half 0) or beta (half 1), unless it is
 * still infinity, then that point of each ballot.  point_sums_enc decodes
 * every point as strictly as point_decode (ballot_decode already did:
 * failing here marks the sums unusable, as elgamal_ct_decode did); a sum
 * at infinity is kept as sum_inf. */
static void acc_sum_batch(const ballot_job *j, ve_acc *acc, const uint8_t *const *encs, size_t n)
{
	size_t m = 0, G = 2 * j->T;
	if (n == 0 || acc->oom)
		return;
	for (size_t g = 0; g < G; g++) {
		const size_t at = j->off[g / 2] + (g % 2) * POINT_LEN;
		if (!acc->sum_inf[g])
			acc->pts[m++] = acc->sum[g];
		for (size_t k = 0; k < n; k++)
			acc->pts[m++] = encs[k] + at;
		acc->end[g] = m;
	}
	if (point_sums_enc(acc->out, acc->out_inf, acc->pts, acc->end, G) != Q_OK) {
		acc->oom = 1; /* a decoded ballot's ciphertexts decode: memory ran out */
		return;
	}
	memcpy(acc->sum, acc->out, G * POINT_LEN);
	memcpy(acc->sum_inf, acc->out_inf, G);
}

/* Add b's ciphertexts to libgcrypt's sums (check 10): every option's
 * (alpha, beta), decoded and added in place (no point made per add). */
static void acc_add(ballot_job *j, ve_acc *acc, const ve_ballot *b)
{
	for (size_t t = 0; t < j->T && !acc->xbad; t++) {
		const uint8_t *ct = b->enc + j->off[t];
		for (size_t half = 0; half < 2 && !acc->xbad; half++)
			if (xcheck_point_add_enc(&acc->xs[2 * t + half],
			                         ct + half * XCHECK_POINT_LEN,
			                         XCHECK_POINT_LEN) != Q_OK)
				acc->xbad = 1;
	}
}

/* Ballots [start, end) of the window. */
static void verify_chunk(ballot_job *j, ve_acc *acc, size_t start, size_t end)
{
	ve_ctx *c = j->c;
	const ballot *bs[VE_BATCH] = {NULL};
	const uint8_t *encs[VE_BATCH] = {NULL};
	size_t lens[VE_BATCH] = {0}, idx[VE_BATCH], nb = 0, bad = SIZE_MAX;
	qerr res[VE_BATCH];
	const uint8_t *sums[VE_BATCH];
	size_t nsum = 0;
	for (size_t i = start; i < end; i++) {
		ve_ballot *b = &j->w[i];
		if (b->enc == NULL)
			continue; /* malformed entry: phase 2 names it */
		if (c->st[b->station].partial_ok) {
			/* V-16: its proofs and sums are the signed partial's; the
			 * tracking code is still recomputed here */
			uint8_t code[BALLOT_CODE_LEN];
			ballot_tracking_code(code, c->style, b->enc, b->len);
			b->decoded = b->len == j->slen;
			b->stage = !b->decoded                                   ? 1
			           : memcmp(code, b->code, BALLOT_CODE_LEN) == 0 ? 4
			                                                         : 3;
			b->err = Q_ERR_FORMAT;
			continue;
		}
		if ((b->err = ballot_decode(c->style, b->enc, b->len, &b->b)) != Q_OK) {
			b->stage = 1;
			continue;
		}
		b->decoded = 1;
		idx[nb] = i;
		bs[nb] = b->b;
		encs[nb] = b->enc;
		lens[nb++] = b->len;
	}
	/* B-5: every proof of every decoded ballot of the chunk at once */
	qerr e =
	    ballot_verify_batch_enc(c->style, c->K, c->Kt, bs, encs, lens, nb, res, &bad, NULL, 0);
	for (size_t k = 0; k < nb; k++) {
		ve_ballot *b = &j->w[idx[k]];
		if (e != Q_OK && (bad == SIZE_MAX || res[k] != Q_OK))
			verify_alone(c, b); /* name it (or the batch could not run) */
		if (b->stage != 2) {
			uint8_t code[BALLOT_CODE_LEN];
			ballot_tracking_code(code, c->style, b->enc, b->len);
			b->stage = memcmp(code, b->code, BALLOT_CODE_LEN) == 0 ? 4 : 3;
		}
		ballot_free(b->b);
		b->b = NULL;
		/* R-6 (3): the sum is of every ballot that decodes (check 6) */
		if (b->len == j->slen) {
			sums[nsum++] = b->enc;
			acc_add(j, acc, b);
		}
	}
	acc_sum_batch(j, acc, sums, nsum);
}

/* Take chunks of the window until none is left. */
static void *ballot_worker(void *arg)
{
	ballot_worker_arg *a = arg;
	ballot_job *j = a->j;
	size_t start;
	while ((start = atomic_fetch_add(&j->next, VE_BATCH)) < j->n) {
		size_t end = j->n - start > VE_BATCH ? start + VE_BATCH : j->n;
		verify_chunk(j, &j->acc[a->slot], start, end);
	}
	return NULL;
}

/* A window's phase 1 on nthr worker threads, while this thread reads
 * the next window and runs phase 2 of the one before (V-14: two windows,
 * so that reading and the in-order pass overlap the verification). */
typedef struct window_run {
	pthread_t th[VE_MAX_THREADS];
	ballot_worker_arg arg[VE_MAX_THREADS];
	size_t started;
	ballot_job *j; /* the window in flight, or NULL */
} window_run;

static void window_start(ballot_job *j, size_t nthr, window_run *wr)
{
	wr->j = j;
	wr->started = 0;
	atomic_store(&j->next, 0);
	for (size_t t = 0; t < nthr && j->n > VE_BATCH * t; t++) {
		ballot_worker_arg *a = &wr->arg[wr->started];
		a->j = j;
		a->slot = t; /* its own sums */
		if (pthread_create(&wr->th[wr->started], NULL, ballot_worker, a) == 0)
			wr->started++;
	}
}

static void window_wait(window_run *wr)
{
	for (size_t t = 0; t < wr->started; t++)
		pthread_join(wr->th[t], NULL);
	if (wr->j != NULL && wr->started == 0) {
		/* no thread could start: this one does the work */
		ballot_worker_arg a = {wr->j, 0};
		ballot_worker(&a);
	}
	wr->started = 0;
	wr->j = NULL;
}

/* State of phase 2, which runs in order on this thread. */
typedef struct ballot_pass {
	alphasort *codes; /* R-6 (1): every tracking code, to find one twice */
	int codes_ok;
	uint8_t (*chcodes)[BALLOT_CODE_LEN]; /* challenged ballots' codes, sorted */
	size_t *chidx; /* their index in c->chal */
	size_t nch;
	uint8_t prev[BALLOT_CODE_LEN]; /* the station's previous ballot's code */
	int have_prev;
	/* R-5 (7): the merge with c->logcodes (sorted by station, code) */
	int lc_state; /* 0 not started, 1 lc_st/lc_code hold an item, 2 end, -1 error */
	size_t lc_st;
	uint8_t lc_code[BALLOT_CODE_LEN];
	uint8_t last[BALLOT_CODE_LEN]; /* the station's last code looked up */
	int have_last;
	/* codes looked up out of order (a record P-7.1 refused): looked up
	 * after the station's ballots, from its log read again */
	alphasort *late;
	int late_ok;
} ballot_pass;

/* The next code of c->logcodes; a ballot-cast code of a good log that is
 * also a challenged ballot's marks it (check 8). */
static void lc_pop(ve_ctx *c, ballot_pass *p)
{
	alphasort_item it;
	int end = 0;
	if (p->lc_state == 2 || p->lc_state < 0)
		return;
	if (!c->logcodes_ok || alphasort_next(c->logcodes, &it, &end) != Q_OK) {
		p->lc_state = -1;
		ve_fail(c, VE_BALLOTS,
		        "the station logs' ballot-cast entries could not be sorted: out of memory "
		        "or no temporary file (V-14)");
		return;
	}
	if (end) {
		p->lc_state = 2;
		return;
	}
	p->lc_state = 1;
	lc_code(&it, &p->lc_st, p->lc_code);
	if (p->nch > 0 && p->lc_st < c->nst && c->st[p->lc_st].log_ok) {
		const uint8_t(*hit)[BALLOT_CODE_LEN] =
		    bsearch(p->lc_code, p->chcodes, p->nch, BALLOT_CODE_LEN, cmp_code);
		if (hit != NULL)
			c->chal_cast[p->chidx[hit - p->chcodes]] = 1;
	}
}

/* Pass every log code of the stations before si (through si with
 * through = 1). */
static void lc_skip(ve_ctx *c, ballot_pass *p, size_t si, int through)
{
	if (p->lc_state == 0)
		lc_pop(c, p);
	while (p->lc_state == 1 && (p->lc_st < si || (through && p->lc_st == si)))
		lc_pop(c, p);
}

/* 1 if code is a ballot-cast entry of station si's log, 0 if not, -1 if
 * the merge cannot say (the sort failed, or code is below one looked up
 * before: the record is out of order). */
static int lc_find(ve_ctx *c, ballot_pass *p, size_t si, const uint8_t code[BALLOT_CODE_LEN])
{
	if (p->have_last && memcmp(code, p->last, BALLOT_CODE_LEN) < 0)
		return -1;
	memcpy(p->last, code, BALLOT_CODE_LEN);
	p->have_last = 1;
	lc_skip(c, p, si, 0);
	while (p->lc_state == 1 && p->lc_st == si && memcmp(p->lc_code, code, BALLOT_CODE_LEN) < 0)
		lc_pop(c, p);
	if (p->lc_state < 0)
		return -1;
	return p->lc_state == 1 && p->lc_st == si && memcmp(p->lc_code, code, BALLOT_CODE_LEN) == 0;
}

/* The record's codes (refs VE_LATE_REC + 2 index, + 1: each twice, so each
 * has a later item) beside the log's (refs < VE_LATE_REC): a code's group
 * opens with a log item iff the log has it. */
#define VE_LATE_REC (1ull << 62)
typedef struct late_ctx {
	ve_ctx *c;
	ve_station *s;
} late_ctx;

static void late_cb(void *ctx, const alphasort_item *first, const alphasort_item *later)
{
	late_ctx *l = ctx;
	if (later->ref < VE_LATE_REC || ((later->ref - VE_LATE_REC) & 1) == 0)
		return;
	size_t index = (size_t)((later->ref - VE_LATE_REC) >> 1);
	if (first->ref < VE_LATE_REC) {
		l->s->inrec++;
		ve_ok(l->c, VE_BALLOTS);
	} else {
		ve_fail(l->c, VE_BALLOTS,
		        "stations/%s/station-record.json: ballots[%zu]: not a ballot-cast "
		        "entry of the station's log",
		        l->s->id, index);
	}
}

/* The ballots lc_find could not look up (p->late), against station s's
 * log read again. */
static void late_lookups(ve_ctx *c, ballot_pass *p, ve_station *s)
{
	char rel[VE_PATH_MAX], path[VE_PATH_MAX], lmsg[LOG_MSG_MAX] = "";
	audit_log *lg = NULL;
	uint8_t *buf = NULL;
	late_ctx l = {c, s};
	int ok = p->late_ok;
	snprintf(rel, sizeof rel, "stations/%s/log", s->id);
	if (ok && (ve_path(c, path, sizeof path, rel) != Q_OK ||
	           log_open(path, LOG_RDONLY, &lg, lmsg, sizeof lmsg) != Q_OK ||
	           (buf = malloc(MERKLE_MAX_ENTRY + 1)) == NULL))
		ok = 0;
	for (uint64_t i = 0; ok && i < s->log_entries; i++) {
		size_t len, pl;
		const uint8_t *pp;
		uint8_t code[BALLOT_CODE_LEN];
		if (log_read_entry(lg, i, buf, &len) != Q_OK) {
			ok = 0;
			break;
		}
		if ((pp = payload(buf, len, VE_ENTRY_CAST, &pl)) == NULL)
			continue;
		ballot_tracking_code(code, c->style, pp, pl);
		if (alphasort_add(p->late, code, code + ALPHASORT_KEY_LEN, i) != Q_OK)
			ok = 0;
	}
	if (!ok || alphasort_dups(p->late, late_cb, &l, NULL) != Q_OK)
		ve_fail(c, VE_BALLOTS,
		        "stations/%s/station-record.json: %llu ballots out of tracking-code order "
		        "not looked up in the station's log: %s",
		        s->id, (unsigned long long)alphasort_count(p->late),
		        lmsg[0] ? lmsg : "out of memory, no temporary file or the log unreadable");
	free(buf);
	log_close(lg);
	alphasort_free(p->late);
	p->late = NULL;
	p->late_ok = 0;
}

static void undecoded(ve_ctx *c, const ve_station *s, size_t index)
{
	if (c->nundecoded < VE_UNDECODED_LIST) {
		c->undec_station[c->nundecoded] = (size_t)(s - c->st);
		c->undec_index[c->nundecoded] = index;
	}
	c->nundecoded++;
}

/* Phase 2 for one ballot of station s, number r overall: report, look its
 * code up in the log, and note what later checks need. */
static void ballot_done(ve_ctx *c, ballot_pass *p, ve_station *s, ve_ballot *b, uint64_t r,
                        const size_t *off, size_t slen, size_t nct)
{
	if (b->enc == NULL) {
		undecoded(c, s, b->index);
		ve_fail(c, VE_BALLOTS,
		        "stations/%s/station-record.json: ballots[%zu]: tracking_code, ballot "
		        "missing or malformed",
		        s->id, b->index);
		return;
	}
	/* P-7.1: strictly ascending tracking codes */
	if (p->have_prev && memcmp(p->prev, b->code, BALLOT_CODE_LEN) >= 0 && !s->order_bad) {
		s->order_bad = 1;
		ve_fail(c, VE_BALLOTS,
		        "stations/%s/station-record.json: ballots[%zu]: not in ascending "
		        "tracking-code order after ballots[%zu] (P-7.1)",
		        s->id, b->index, b->index - 1);
	}
	memcpy(p->prev, b->code, BALLOT_CODE_LEN);
	p->have_prev = 1;
	if (p->codes_ok && alphasort_add(p->codes, b->code, b->code + ALPHASORT_KEY_LEN, r) != Q_OK)
		p->codes_ok = 0;
	/* check 8: a challenged ballot that was also cast */
	if (p->nch > 0) {
		const uint8_t(*hit)[BALLOT_CODE_LEN] =
		    bsearch(b->code, p->chcodes, p->nch, BALLOT_CODE_LEN, cmp_code);
		if (hit != NULL)
			c->chal_cast[p->chidx[hit - p->chcodes]] = 1;
	}
	/* its write-in tuples, in record order (check 11) */
	if (b->len == slen && b->decoded)
		ve_writein_add(c, b->enc);
	/* B-9: its alphas, selections and names, wherever the style puts them */
	if (b->len == slen && c->alphas_ok)
		for (size_t t = 0; t < nct; t++) {
			uint8_t fp[ALPHASORT_KEY_LEN];
			alphasort_fingerprint(fp, b->enc + off[t]);
			if (alphasort_add(c->alphas, fp, b->code, r * nct + t) != Q_OK) {
				c->alphas_ok = 0;
				break;
			}
		}
	if (!b->decoded || b->len != slen)
		undecoded(c, s, b->index);
	switch (b->stage) {
	case 0:
		return;
	case 1:
		ve_fail(c, VE_BALLOTS,
		        "stations/%s/station-record.json: ballots[%zu]: not a well-formed "
		        "ballot (B-2): %s",
		        s->id, b->index, qerr_str(b->err));
		return;
	case 2:
		ve_fail(c, VE_BALLOTS,
		        "stations/%s/station-record.json: ballots[%zu]: a proof fails under "
		        "this election's base hash (B-5): %s",
		        s->id, b->index, b->why ? b->why : "");
		return;
	case 3:
		ve_fail(c, VE_BALLOTS,
		        "stations/%s/station-record.json: ballots[%zu]: the tracking code does "
		        "not recompute (B-4)",
		        s->id, b->index);
		return;
	default:
		break;
	}
	if (!s->log_ok) {
		ve_fail(c, VE_BALLOTS,
		        "stations/%s/station-record.json: ballots[%zu]: not looked up in "
		        "the station's log: %s (check 3)",
		        s->id, b->index, s->log_why);
		return;
	}
	int found = lc_find(c, p, b->station, b->code);
	if (found < 0 && p->lc_state >= 0) {
		/* out of order: looked up once the station's ballots are done */
		if (p->late == NULL) {
			p->late = alphasort_new(VE_LOGCODES_MEM, 1);
			p->late_ok = p->late != NULL;
		}
		if (p->late_ok && (alphasort_add(p->late, b->code, b->code + ALPHASORT_KEY_LEN,
		                                 VE_LATE_REC + 2 * (uint64_t)b->index) != Q_OK ||
		                   alphasort_add(p->late, b->code, b->code + ALPHASORT_KEY_LEN,
		                                 VE_LATE_REC + 2 * (uint64_t)b->index + 1) != Q_OK))
			p->late_ok = 0;
		return;
	}
	if (found < 0) {
		ve_fail(c, VE_BALLOTS,
		        "stations/%s/station-record.json: ballots[%zu]: not looked up in "
		        "the station's log: its codes could not be sorted (V-14)",
		        s->id, b->index);
		return;
	}
	if (!found) {
		ve_fail(c, VE_BALLOTS,
		        "stations/%s/station-record.json: ballots[%zu]: not a ballot-cast "
		        "entry of the station's log",
		        s->id, b->index);
		return;
	}
	b->valid = 1;
	s->inrec++;
	ve_ok(c, VE_BALLOTS);
}

/* Clear window slot i for the next ballot (its buffer is kept). */
static void slot_reset(ballot_job *j, size_t i)
{
	ve_ballot *b = &j->w[i];
	free(b->why);
	ballot_free(b->b);
	memset(b, 0, sizeof *b);
}

/* Copy a read ballot into window slot i (rb->enc NULL: a malformed entry,
 * kept with enc NULL).  -1 if memory ran out. */
static int slot_fill(ballot_job *j, size_t i, size_t si, const srec_ballot *rb)
{
	ve_ballot *w = &j->w[i];
	w->station = si;
	w->index = rb->index;
	memcpy(w->code, rb->code, BALLOT_CODE_LEN);
	if (rb->enc == NULL) {
		w->len = 0;
		return 0;
	}
	if (j->cap[i] < rb->len) {
		uint8_t *n = realloc(j->enc_keep[i], rb->len);
		if (n == NULL)
			return -1;
		j->enc_keep[i] = n;
		j->cap[i] = rb->len;
	}
	w->enc = j->enc_keep[i];
	memcpy(w->enc, rb->enc, rb->len);
	w->len = rb->len;
	return 0;
}

/* Phase 2 of a verified window, in order. */
static void window_pass(ve_ctx *c, ballot_job *j, ballot_pass *p, uint64_t *done)
{
	for (size_t i = 0; i < j->n; i++) {
		ve_ballot *b = &j->w[i];
		ve_station *s = &c->st[b->station];
		ballot_done(c, p, s, b, s->first_cast + b->index, j->off, j->slen, j->nct);
		ve_sample_keep(c, b, s->first_cast + b->index); /* check 10's, if sampled */
		slot_reset(j, i);
	}
	*done += j->n;
	progress_update(&c->bar, *done);
	j->n = 0;
}

/* Window *cur is full (or the last): wait for the one in flight, start
 * *cur, run phase 2 of the one before while *cur verifies; *cur is then
 * the other window (empty). */
static void window_next(ve_ctx *c, ballot_job *jobs[2], ballot_job **cur, window_run *wr,
                        ballot_pass *p, size_t nthr, uint64_t *done)
{
	ballot_job *prev = wr->j;
	if (prev != NULL)
		window_wait(wr);
	if ((*cur)->n > 0)
		window_start(*cur, nthr, wr);
	if (prev != NULL)
		window_pass(c, prev, p, done);
	*cur = *cur == jobs[0] ? jobs[1] : jobs[0];
}

/* Read station si's ballots again (V-14), window by window. */
static void station_ballots(ve_ctx *c, size_t si, ballot_job *jobs[2], ballot_pass *p, size_t W,
                            size_t nthr, uint64_t *done)
{
	ballot_job *j = jobs[0];
	window_run wr;
	memset(&wr, 0, sizeof wr);
	ve_station *s = &c->st[si];
	char rel[VE_PATH_MAX], path[VE_PATH_MAX], why[VE_DETAIL_LEN] = "";
	srec_stream *rs = NULL;
	srec_ballot rb;
	uint8_t sha[32];
	size_t nb = 0;
	int end = 0;
	qerr e;
	snprintf(rel, sizeof rel, "stations/%s/station-record.json", s->id);
	p->have_prev = 0;
	p->have_last = 0;
	if ((e = ve_path(c, path, sizeof path, rel)) == Q_OK)
		e = srec_stream_open(&rs, path, VE_MAX_ENTRY, why, sizeof why);
	while (e == Q_OK) {
		memset(&rb, 0, sizeof rb);
		e = srec_stream_next(rs, &rb, &end, why, sizeof why);
		if (e == Q_ERR_FORMAT && rb.bad)
			e = Q_OK; /* one bad entry: named in phase 2, the stream goes on */
		else if (e != Q_OK || end)
			break;
		if (slot_fill(j, j->n, si, &rb) != 0) {
			e = Q_ERR_NOMEM;
			break;
		}
		if (++j->n == W)
			window_next(c, jobs, &j, &wr, p, nthr, done);
	}
	/* the last window, then the one in flight done */
	window_next(c, jobs, &j, &wr, p, nthr, done);
	window_next(c, jobs, &j, &wr, p, nthr, done);
	if (p->late != NULL)
		late_lookups(c, p, s);
	if (e == Q_OK)
		e = srec_stream_finish(rs, NULL, sha, &nb, why, sizeof why);
	srec_stream_free(rs);
	if (e != Q_OK)
		ve_fail(c, VE_BALLOTS, "%s: its ballots could not be read again: %s", rel,
		        e == Q_ERR_NOMEM ? "out of memory" : why);
	else if (memcmp(sha, s->rec_sha, 32) != 0 || (long long)nb != s->nrec_cast)
		ve_fail(c, VE_BALLOTS,
		        "%s: changed while it was read (its SHA-256 is no longer the one check 3 "
		        "verified the signature of)",
		        rel);
	else
		s->xs_kept = 1; /* read whole and unchanged: check 10 takes its sample */
}

/* Fold the workers' sums into c->sum / c->xsum. */
static void acc_merge(ve_ctx *c, ve_acc *acc, size_t nthr, size_t T)
{
	int ok = 1, xok = 1;
	if ((c->sum = calloc(T ? T : 1, sizeof *c->sum)) == NULL ||
	    (c->xsum = calloc(T ? 2 * T : 1, sizeof *c->xsum)) == NULL)
		return;
	for (size_t t = 0; t < T; t++)
		if ((c->sum[t] = elgamal_ct_new()) == NULL)
			ok = 0;
	for (size_t a = 0; a < nthr; a++) {
		if (acc[a].oom || acc[a].sum == NULL)
			ok = 0;
		if (acc[a].xbad || acc[a].xs == NULL)
			xok = 0;
		/* its sums (not infinity: points made by msm.c, decoded as any) */
		for (size_t t = 0; ok && t < T; t++) {
			elgamal_ct *one = elgamal_ct_new();
			ok = one != NULL &&
			     (acc[a].sum_inf[2 * t] ||
			      point_decode(one->a, acc[a].sum[2 * t], POINT_LEN) == Q_OK) &&
			     (acc[a].sum_inf[2 * t + 1] ||
			      point_decode(one->b, acc[a].sum[2 * t + 1], POINT_LEN) == Q_OK) &&
			     elgamal_add(c->sum[t], c->sum[t], one) == Q_OK;
			elgamal_ct_free(one);
		}
		for (size_t x = 0; xok && x < 2 * T; x++) {
			xcheck_point *q = NULL;
			if (acc[a].xs[x] == NULL)
				continue;
			if (c->xsum[x] == NULL) {
				c->xsum[x] = acc[a].xs[x];
				acc[a].xs[x] = NULL;
				continue;
			}
			if (xcheck_point_add(&q, c->xsum[x], acc[a].xs[x]) != Q_OK) {
				xok = 0;
				continue;
			}
			xcheck_point_free(c->xsum[x]);
			c->xsum[x] = q;
		}
	}
	c->sum_ok = ok;
	c->xsum_ok = xok;
}

static void acc_free(ve_acc *acc, size_t nthr, size_t T)
{
	for (size_t a = 0; acc != NULL && a < nthr; a++) {
		for (size_t x = 0; acc[a].xs != NULL && x < 2 * T; x++)
			xcheck_point_free(acc[a].xs[x]);
		free(acc[a].sum);
		free(acc[a].sum_inf);
		free(acc[a].pts);
		free(acc[a].end);
		free(acc[a].out);
		free(acc[a].out_inf);
		free(acc[a].xs);
	}
	free(acc);
}

/* R-6 (1): a tracking code twice, across all stations. */
static void code_twice(void *ctx, const alphasort_item *first, const alphasort_item *later)
{
	ve_ctx *c = ctx;
	char hx[2 * BALLOT_CODE_LEN + 1];
	uint8_t code[BALLOT_CODE_LEN];
	(void)first;
	memcpy(code, later->key, ALPHASORT_KEY_LEN);
	memcpy(code + ALPHASORT_KEY_LEN, later->tag, ALPHASORT_KEY_LEN);
	hex_encode(hx, code, BALLOT_CODE_LEN);
	ve_fail(c, VE_BALLOTS, "tracking code %s appears twice", hx);
}

/* V-16: accept station s's partial result p (made by verify-election
 * --station, signature verified by the caller) if it is of this record
 * and passed; else say why (the station is then verified here). */
static void partial_accept(ve_ctx *c, ve_station *s, const json_t *p, size_t T)
{
	uint8_t h[32];
	uint64_t nb = 0;
	const json_t *sum = json_object_get(p, "sum"), *xs = json_object_get(p, "xsum");
	const char *bad = NULL;
	if (!json_is_string(json_object_get(p, "format")) ||
	    strcmp(json_string_value(json_object_get(p, "format")), VE_PARTIAL_FORMAT) != 0)
		bad = "its format is not " VE_PARTIAL_FORMAT;
	else if (c->m == NULL || !str_is(p, "election", c->m->id))
		bad = "it is of another election";
	else if (ve_json_hex(p, "record_sha256", h, 32) != Q_OK || !s->have_rec ||
	         memcmp(h, s->rec_sha, 32) != 0)
		bad = "it is of another station record (record_sha256)";
	else if (!json_is_true(json_object_get(p, "passed")))
		bad = "its checks did not pass";
	else if (ve_json_u64(p, "ballots", UINT64_MAX >> 11, &nb) != Q_OK ||
	         (long long)nb != s->nrec_cast)
		bad = "its ballot count is not the record's";
	else if (!json_is_array(sum) || json_array_size(sum) != T || !json_is_array(xs) ||
	         json_array_size(xs) != 2 * T)
		bad = "its sums have not the style's shape";
	if (bad != NULL) {
		ve_fail(c, VE_BALLOTS,
		        "stations/%s: the partial result is not used: %s; the station is "
		        "verified here (V-16)",
		        s->id, bad);
		return;
	}
	s->partial = p;
	s->partial_ok = 1;
}

/* V-16: add the accepted partials' sums to c->sum and c->xsum. */
static void partial_sums(ve_ctx *c, size_t T)
{
	elgamal_ct *one = elgamal_ct_new();
	for (size_t si = 0; si < c->nst; si++) {
		ve_station *s = &c->st[si];
		if (!s->partial_ok)
			continue;
		const json_t *sum = json_object_get(s->partial, "sum"),
		             *xs = json_object_get(s->partial, "xsum");
		int ok = one != NULL && c->sum_ok;
		for (size_t t = 0; ok && t < T; t++) {
			const json_t *v = json_array_get(sum, t);
			uint8_t ct[ELGAMAL_CT_LEN];
			if (json_is_null(v))
				continue;
			ok = json_is_string(v) &&
			     hex_decode(ct, sizeof ct, json_string_value(v),
			                json_string_length(v)) == Q_OK &&
			     elgamal_ct_decode(one, ct, sizeof ct) == Q_OK &&
			     elgamal_add(c->sum[t], c->sum[t], one) == Q_OK;
		}
		for (size_t x = 0; ok && c->xsum_ok && x < 2 * T; x++) {
			const json_t *v = json_array_get(xs, x);
			uint8_t pt[XCHECK_POINT_LEN];
			xcheck_point *p = NULL, *q = NULL;
			if (json_is_null(v))
				continue;
			if (!json_is_string(v) ||
			    hex_decode(pt, sizeof pt, json_string_value(v),
			               json_string_length(v)) != Q_OK ||
			    xcheck_point_decode(&p, pt, sizeof pt) != Q_OK) {
				c->xsum_ok = 0;
				break;
			}
			if (c->xsum[x] == NULL) {
				c->xsum[x] = p;
				continue;
			}
			if (xcheck_point_add(&q, c->xsum[x], p) != Q_OK)
				c->xsum_ok = 0;
			xcheck_point_free(p);
			if (q != NULL) {
				xcheck_point_free(c->xsum[x]);
				c->xsum[x] = q;
			}
		}
		if (!ok) {
			c->sum_ok = 0;
			ve_fail(c, VE_BALLOTS,
			        "stations/%s: the partial result's sums are not ciphertexts",
			        s->id);
		}
		/* its ballots' items: the partial verified them */
		ve_ok(c, VE_BALLOTS);
	}
	elgamal_ct_free(one);
}

static int cmp_chcode(const void *a, const void *b)
{
	return memcmp(a, b, BALLOT_CODE_LEN);
}

void ve_check_ballots(ve_ctx *c)
{
	ballot_job job, job2; /* two windows (V-14): one read while the other verifies */
	ballot_job *jobs[2] = {&job, &job2};
	ballot_pass pass;
	size_t T = 0, nthr, W;
	uint64_t done = 0;
	memset(&job, 0, sizeof job);
	memset(&job2, 0, sizeof job2);
	atomic_init(&job2.next, 0);
	memset(&pass, 0, sizeof pass);
	if (c->style == NULL || !c->keys_ok) {
		ve_fail(c, VE_BALLOTS,
		        "cannot run: no ballot style or joint key (checks 1 and 2 failed): %zu "
		        "ballots not examined",
		        c->ncast);
		(void)ve_fail_unexamined(c, VE_BALLOTS, 0, "not decoded, proofs not verified");
		return;
	}
	T = c->style->total_options;
	unsigned want = c->o->threads;
	if (want == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		want = n > 0 ? (unsigned)n : 1;
	}
	if (want > VE_MAX_THREADS)
		want = VE_MAX_THREADS;
	nthr = want;
	W = VE_BATCH * VE_WINDOW_BATCHES * nthr;
	job.c = c;
	job.T = T;
	job.nct = ballot_style_nct(c->style);
	job.n = 0;
	atomic_init(&job.next, 0);
	if ((job.w = calloc(W, sizeof *job.w)) == NULL ||
	    (job.cap = calloc(W, sizeof *job.cap)) == NULL ||
	    (job.enc_keep = calloc(W, sizeof *job.enc_keep)) == NULL ||
	    (job.acc = calloc(nthr, sizeof *job.acc)) == NULL ||
	    (job.off = calloc(job.nct ? job.nct : 1, sizeof *job.off)) == NULL)
		goto oom;
	job.slen = ballot_style_ct_offsets(c->style, job.off);
	job2.c = c;
	job2.T = T;
	job2.nct = job.nct;
	job2.acc = job.acc; /* one window verifies at a time */
	job2.off = job.off;
	job2.slen = job.slen;
	if ((job2.w = calloc(W, sizeof *job2.w)) == NULL ||
	    (job2.cap = calloc(W, sizeof *job2.cap)) == NULL ||
	    (job2.enc_keep = calloc(W, sizeof *job2.enc_keep)) == NULL)
		goto oom;
	ve_writein_init(c, job.off); /* check 11's tuples */
	for (size_t a = 0; a < nthr; a++) {
		ve_acc *ac = &job.acc[a];
		size_t G = T ? 2 * T : 1;
		if ((ac->sum = calloc(G, sizeof *ac->sum)) == NULL ||
		    (ac->sum_inf = malloc(G)) == NULL ||
		    (ac->pts = calloc(G * (VE_BATCH + 1), sizeof *ac->pts)) == NULL ||
		    (ac->end = calloc(G, sizeof *ac->end)) == NULL ||
		    (ac->out = calloc(G, sizeof *ac->out)) == NULL ||
		    (ac->out_inf = malloc(G)) == NULL ||
		    (ac->xs = calloc(G, sizeof *ac->xs)) == NULL)
			goto oom;
		memset(ac->sum_inf, 1, G); /* nothing added yet */
	}
	/* check 8's question, asked of every cast ballot as it passes */
	if ((c->chal_cast = calloc(c->nchal ? c->nchal : 1, 1)) == NULL ||
	    (pass.chcodes = calloc(c->nchal ? c->nchal : 1, BALLOT_CODE_LEN + sizeof(size_t))) ==
	        NULL ||
	    (pass.chidx = calloc(c->nchal ? c->nchal : 1, sizeof *pass.chidx)) == NULL)
		goto oom;
	{
		/* sort (code, index) pairs, then split them */
		uint8_t(*pairs)[BALLOT_CODE_LEN + sizeof(size_t)] = (void *)pass.chcodes;
		for (size_t i = 0; i < c->nchal; i++) {
			memcpy(pairs[pass.nch], c->chal[i].code, BALLOT_CODE_LEN);
			memcpy(pairs[pass.nch] + BALLOT_CODE_LEN, &i, sizeof i);
			pass.nch++;
		}
		qsort(pairs, pass.nch, sizeof *pairs, cmp_chcode);
		for (size_t i = 0; i < pass.nch; i++) {
			memcpy(&pass.chidx[i], pairs[i] + BALLOT_CODE_LEN, sizeof(size_t));
			memmove(pass.chcodes[i], pairs[i], BALLOT_CODE_LEN);
		}
	}
	/* V-16: the partial results the combine step was given */
	for (size_t k = 0; k < c->split->npartials; k++) {
		const json_t *p = c->split->partials[k];
		const json_t *sid = json_object_get(p, "station");
		for (size_t si = 0; json_is_string(sid) && si < c->nst; si++)
			if (strcmp(c->st[si].id, json_string_value(sid)) == 0) {
				if (c->st[si].partial != NULL || c->st[si].partial_ok)
					ve_fail(c, VE_BALLOTS, "stations/%s: two partial results",
					        c->st[si].id);
				else if (c->st[si].collected)
					partial_accept(c, &c->st[si], p, T);
			}
	}
	pass.codes = alphasort_new(VE_CODES_MEM, 1);
	pass.codes_ok = pass.codes != NULL;
	c->alphas = alphasort_new(VE_ALPHAS_MEM, 0);
	c->alphas_ok = c->alphas != NULL;
	/* V-12.1: check 10's sample, drawn now that check 3 has read every
	 * record; check 4's pass keeps the sampled ballots (--station: no
	 * check 10) */
	if (c->split->station == NULL)
		ve_sample_draw_now(c);
	progress_begin(&c->bar, c->o->progress_fd, "verifying ballots", c->ncast);
	for (size_t si = 0; si < c->nst; si++)
		if (c->st[si].collected)
			station_ballots(c, si, jobs, &pass, W, nthr, &done);
	progress_end(&c->bar);
	lc_skip(c, &pass, SIZE_MAX, 0); /* check 8: the codes of every log */
	acc_merge(c, job.acc, nthr, T);
	partial_sums(c, T);
	/* V-1.2: the ballots of a record check 3 refused are counted, not dropped */
	(void)ve_fail_unexamined(c, VE_BALLOTS, 0, "not decoded, proofs not verified");
	/* every logged cast ballot is in the record */
	for (size_t si = 0; si < c->nst; si++) {
		ve_station *s = &c->st[si];
		if (s->log_ok && s->inrec != s->ncast_codes)
			ve_fail(c, VE_BALLOTS,
			        "stations/%s: the log has %zu ballot-cast entries, the record %zu "
			        "valid "
			        "ballots",
			        s->id, s->ncast_codes, s->inrec);
	}
	/* no ballot twice, across all stations (R-6 (1)) */
	if (!pass.codes_ok || alphasort_dups(pass.codes, code_twice, c, NULL) != Q_OK)
		ve_fail(c, VE_BALLOTS,
		        "no tracking code twice (R-6 (1)): out of memory or no "
		        "temporary file");
	goto out;
oom:
	ve_fail(c, VE_BALLOTS, "out of memory");
out:
	for (int k = 0; k < 2; k++) {
		ballot_job *jb = jobs[k];
		for (size_t i = 0; jb->w != NULL && i < W; i++) {
			free(jb->w[i].why);
			ballot_free(jb->w[i].b);
			free(jb->enc_keep != NULL ? jb->enc_keep[i] : NULL);
		}
		free(jb->w);
		free(jb->cap);
		free(jb->enc_keep);
	}
	acc_free(job.acc, nthr, T);
	free((void *)job.off);
	alphasort_free(pass.codes);
	alphasort_free(pass.late);
	free(pass.chcodes);
	free(pass.chidx);
}

/* ---- check 5: reconciliation ---- */

void ve_check_reconcile(ve_ctx *c)
{
	if (c->m == NULL) {
		ve_fail(c, VE_RECONCILE,
		        "cannot run: no list of stations: the manifest is invalid (check 1)");
		return;
	}
	for (size_t si = 0; si < c->nst; si++) {
		ve_station *s = &c->st[si];
		if (s->other)
			continue; /* V-16: another station's part */
		if (!s->have_counts || !s->log_ok) {
			ve_fail(c, VE_RECONCILE, "stations/%s: not reconciled: %s (check 3)", s->id,
			        !s->collected && s->unusable[0] ? s->unusable
			        : s->log_why[0]                 ? s->log_why
			                                        : "no verified counts");
			continue;
		}
		/* issued: the record's, which the log's check-in and closing
		 * counts (P-6.4) must not contradict; cast: the log's entries. */
		uint64_t issued = s->issued, cast = s->ncast_codes;
		if (s->last_checkins > issued) {
			ve_fail(c, VE_RECONCILE,
			        "stations/%s: the log's last checkins entry says issued %llu, the "
			        "record %llu",
			        s->id, (unsigned long long)s->last_checkins,
			        (unsigned long long)issued);
		} else if (s->have_closed && (s->log_issued != issued || s->log_cast != cast ||
		                              s->log_challenged != s->nch_codes)) {
			ve_fail(
			    c, VE_RECONCILE,
			    "stations/%s: the poll-closed entry's counts (%llu issued, %llu cast, "
			    "%llu challenged) differ from the log/record",
			    s->id, (unsigned long long)s->log_issued,
			    (unsigned long long)s->log_cast, (unsigned long long)s->log_challenged);
		} else if (s->cast != cast || s->challenged != s->nch_codes) {
			ve_fail(c, VE_RECONCILE,
			        "stations/%s: counts.cast %llu / challenged %llu, the log has %zu "
			        "/ %zu",
			        s->id, (unsigned long long)s->cast,
			        (unsigned long long)s->challenged, s->ncast_codes, s->nch_codes);
		} else if (cast > issued) {
			ve_fail(
			    c, VE_RECONCILE,
			    "stations/%s: %llu ballots cast but only %llu issued (COUNT.reconcile)",
			    s->id, (unsigned long long)cast, (unsigned long long)issued);
		} else if (s->registered_ok && issued > s->registered) {
			/* V-7: one token per check-in of a voter on the station's roll */
			ve_fail(c, VE_RECONCILE,
			        "stations/%s: issued %llu but registered %llu: more ballots issued "
			        "than voters on the station's roll (V-7)",
			        s->id, (unsigned long long)issued,
			        (unsigned long long)s->registered);
		} else {
			ve_ok(c, VE_RECONCILE);
		}
	}
	ve_check_checked_in(c);
}

/* ---- check 8: challenged ballots ---- */

void ve_check_challenged(ve_ctx *c)
{
	char why[VE_DETAIL_LEN];
	uint8_t code[BALLOT_CODE_LEN];
	if (c->m == NULL) {
		ve_fail(c, VE_CHALLENGED,
		        "cannot run: no list of stations: the manifest is invalid (check 1)");
		return;
	}
	(void)ve_fail_unexamined(c, VE_CHALLENGED, 1, "openings not checked");
	if (c->style == NULL || !c->keys_ok) {
		if (c->nchal > 0)
			ve_fail(c, VE_CHALLENGED,
			        "cannot run: no ballot style or joint key (checks 1, 2): %zu "
			        "challenged ballots not examined",
			        c->nchal);
		return;
	}
	for (size_t i = 0; i < c->nchal; i++) {
		ve_ballot *b = &c->chal[i];
		ve_station *s = &c->st[b->station];
		ballot_opening *op = NULL;
		if (b->enc == NULL)
			continue;
		if (ballot_decode(c->style, b->enc, b->len, &b->b) != Q_OK ||
		    ballot_opening_decode(c->style, b->open, b->openlen, &op) != Q_OK) {
			ve_fail(
			    c, VE_CHALLENGED,
			    "stations/%s/station-record.json: challenged[%zu]: ballot or opening "
			    "malformed",
			    s->id, b->index);
			continue;
		}
		ballot_tracking_code(code, c->style, b->enc, b->len);
		if (memcmp(code, b->code, BALLOT_CODE_LEN) != 0) {
			ve_fail(
			    c, VE_CHALLENGED,
			    "stations/%s/station-record.json: challenged[%zu]: tracking code does "
			    "not recompute",
			    s->id, b->index);
		} else if (ballot_verify(c->style, c->K, c->Kt, b->b, why, sizeof why) != Q_OK) {
			/* V-10 (ElectionGuard's check of challenged ballots' content):
			 * the proofs hold, so the opened marks are 0/1 and within the
			 * contest's and groups' limits */
			ve_fail(c, VE_CHALLENGED,
			        "stations/%s/station-record.json: challenged[%zu]: a proof fails "
			        "(B-5): %s",
			        s->id, b->index, why);
		} else if (ballot_opening_check(c->style, c->K, b->b, op, why, sizeof why) !=
		           Q_OK) {
			ve_fail(c, VE_CHALLENGED,
			        "stations/%s/station-record.json: challenged[%zu]: the opening "
			        "does not "
			        "re-encrypt to the ballot (B-7): %s",
			        s->id, b->index, why);
		} else if (!s->log_ok) {
			ve_fail(
			    c, VE_CHALLENGED,
			    "stations/%s/station-record.json: challenged[%zu]: not looked up in "
			    "the station's log: %s (check 3)",
			    s->id, b->index, s->log_why);
		} else if (s->nch_codes == 0 || bsearch(code, s->ch_codes, s->nch_codes,
		                                        BALLOT_CODE_LEN, cmp_code) == NULL) {
			ve_fail(c, VE_CHALLENGED,
			        "stations/%s/station-record.json: challenged[%zu]: not a "
			        "ballot-challenged entry of the station's log",
			        s->id, b->index);
		} else {
			/* check 4 marked those whose code a record's ballot or a
			 * log's ballot-cast entry has (V-14: merged there) */
			int counted = c->chal_cast != NULL && c->chal_cast[i];
			if (counted)
				ve_fail(c, VE_CHALLENGED,
				        "stations/%s/station-record.json: challenged[%zu]: the "
				        "challenged ballot was also cast",
				        s->id, b->index);
			else
				ve_ok(c, VE_CHALLENGED);
		}
		ballot_opening_free(op);
	}
}

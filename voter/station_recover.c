/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * station_recover.c -- reconciliation of ballot box and audit log after a crash (P-5.4).
 */
#include "station_int.h"

#include "banned.h"

/* ---- reconciliation of box and log (P-5.4) ---- */

typedef struct recon {
	station *st;
	hset logged; /* tracking codes of cast entries in the log */
	hset logged_ch;
	uint64_t appended, dup;
	qerr e;
} recon;

static int recon_box_cb(void *ctx, const uint8_t code[32], const uint8_t *body, size_t len,
                        const uint8_t *op, size_t olen)
{
	recon *r = ctx;
	hset *set = op != NULL ? &r->logged_ch : &r->logged;
	if (hset_has(set, code))
		return 0;
	/* In the box, not in the log: the crash fell between the box commit
	 * and the log append.  Append it now (P-5.4 case 2). */
	uint8_t lenb[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
	                   (uint8_t)len};
	size_t elen;
	uint8_t *e;
	if (op != NULL) {
		uint8_t *tmp = malloc(4 + len);
		if (tmp == NULL) {
			r->e = Q_ERR_NOMEM;
			return 1;
		}
		memcpy(tmp, lenb, 4);
		memcpy(tmp + 4, body, len);
		e = st_entry_make(ENTRY_CHALLENGED, tmp, 4 + len, op, olen, &elen);
		free(tmp);
	} else {
		e = st_entry_make(ENTRY_CAST, body, len, NULL, 0, &elen);
	}
	uint64_t idx;
	if (e == NULL) {
		r->e = Q_ERR_NOMEM;
		return 1;
	}
	r->e = log_append(r->st->log, e, elen, &idx);
	free(e);
	if (r->e == Q_OK && op == NULL)
		r->e = cmap_put(&r->st->cast_at, code, idx);
	if (r->e != Q_OK)
		return 1;
	r->appended++;
	return 0;
}

qerr st_reconcile(station *st, char *err, size_t errlen)
{
	recon r;
	uint8_t *buf = malloc(MERKLE_MAX_ENTRY);
	qerr e = Q_OK;
	memset(&r, 0, sizeof r);
	r.st = st;
	if (buf == NULL)
		return Q_ERR_NOMEM;
	uint64_t n = log_size(st->log);
	for (uint64_t i = 0; i < n; i++) {
		size_t len, plen;
		const uint8_t *p;
		uint8_t code[32];
		if ((e = log_read_entry(st->log, i, buf, &len)) != Q_OK) {
			snprintf(err, errlen, "log entry %llu: %s", (unsigned long long)i,
			         log_error(st->log));
			goto out;
		}
		if ((p = st_entry_payload(buf, len, ENTRY_CAST, &plen)) != NULL) {
			ballot_tracking_code(code, st->style, p, plen);
			if (hset_has(&r.logged, code))
				r.dup++;
			if ((e = cmap_put(&st->cast_at, code, i)) != Q_OK)
				goto out;
			if ((e = hset_add(&r.logged, code)) != Q_OK)
				goto out;
			/* In the log, not in the box: only if the box was
			 * restored from an older copy.  Re-insert (P-5.4 case 3). */
			if (store_box_has(st->box, code) == Q_ERR_NOTFOUND) {
				if ((e = store_box_put_recovered(st->box, code, p, plen)) != Q_OK) {
					snprintf(err, errlen, "box: %s", store_errmsg(st->box));
					goto out;
				}
				st_log(st, LOG_WARNING,
				       "ballot at log index %llu was missing from the "
				       "box and has been restored",
				       (unsigned long long)i);
			}
		} else if (st_entry_payload(buf, len, ENTRY_REISSUED, &plen) != NULL) {
			st->reissued++;
		} else if (st_entry_payload(buf, len, NAMED_ENTRY_TAG, &plen) != NULL) {
			if ((e = st_named_recover(st, i, buf, len, err, errlen)) != Q_OK)
				goto out;
		} else if ((p = st_entry_payload(buf, len, ENTRY_CHALLENGED, &plen)) != NULL &&
		           plen >= 4) {
			size_t bl = ((size_t)p[0] << 24) | ((size_t)p[1] << 16) |
			            ((size_t)p[2] << 8) | p[3];
			if (bl <= plen - 4) {
				ballot_tracking_code(code, st->style, p + 4, bl);
				if ((e = hset_add(&r.logged_ch, code)) != Q_OK)
					goto out;
			}
		}
	}
	if ((e = store_box_foreach(st->box, 0, recon_box_cb, &r)) != Q_OK ||
	    (e = store_box_foreach(st->box, 1, recon_box_cb, &r)) != Q_OK) {
		if (r.e != Q_OK)
			e = r.e;
		snprintf(err, errlen, "reconciliation failed: %s", qerr_str(e));
		goto out;
	}
	if (r.appended > 0)
		st_log(st, LOG_NOTICE, "recovery: %llu stored ballots appended to the log",
		       (unsigned long long)r.appended);
	if (r.dup > 0) {
		snprintf(err, errlen, "log holds %llu duplicate ballot entries",
		         (unsigned long long)r.dup);
		e = Q_ERR_CORRUPT;
	}
out:
	hset_free(&r.logged);
	hset_free(&r.logged_ch);
	free(buf);
	return e;
}

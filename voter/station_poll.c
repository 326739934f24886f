/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * station_poll.c -- the poll's life (admin socket): open, close (P-7.3), export.
 */
#include "station_int.h"

#include "banned.h"

json_t *op_open(station *st, server_conn c, const ps_msg *m)
{
	if (strcmp(st->state, "open") == 0)
		return server_error("poll_open", "the poll is already open");
	if (strcmp(st->state, "new") != 0)
		return server_error("poll_closed", "the poll is closed and cannot be reopened");
	if (st->roll == NULL || st->registered == 0)
		return server_error("no_roll", "import the roll before opening the poll");
	char text[300], mh[65];
	uint64_t idx = 0;
	st_hex(mh, st->m->hash, 32);
	snprintf(text, sizeof text, "station %s\nmanifest %s\nregistered %llu\n", st->station_id,
	         mh, (unsigned long long)st->registered);
	qerr e = st_log_text(st, ENTRY_OPENED, text, &idx);
	if (e != Q_OK)
		return server_error("internal", "audit log: %s", qerr_str(e));
	if (store_meta_set(st->rolldb, "state", "open") != Q_OK)
		return server_error("internal", "roll DB: %s", store_errmsg(st->rolldb));
	snprintf(st->state, sizeof st->state, "open");
	st_log(st, LOG_INFO, "poll opened");
	return server_ok(json_pack("{s:s, s:I}", "state", st->state, "log_index", (json_int_t)idx));
}

/* Close (P-7.1, P-7.3): log poll-closed (unless the last entry already is
 * it, after a crash mid-close), keep a checkpoint, write and sign the
 * record, persist "closed".  Idempotent.  reply_to_conn: answer
 * close_conn. */
void finish_close(station *st, int reply_to_conn)
{
	server_conn c = st->close_conn;
	char text[300], *note = NULL, *sig = NULL;
	size_t nl, tl = 0;
	uint64_t idx = 0, n;
	int have = 0;
	json_t *reply;
	qerr e = Q_OK;
	uint8_t *last = NULL, *want = NULL;
	st->have_close_conn = 0;
	/* Every job is back; the threads are idle.  P-7.3: "closing" is
	 * persisted before poll-closed is logged (op_close leaves it to here
	 * when jobs were out: the roll DB was the roll committer's). */
	if (st->closing_unsaved) {
		if (store_meta_set(st->rolldb, "state", "closing") != Q_OK)
			e = Q_ERR_DB;
		st->closing_unsaved = 0;
	}
	snprintf(text, sizeof text, "issued %llu\ncast %llu\nchallenged %llu\n",
	         (unsigned long long)st->issued, (unsigned long long)st->cast,
	         (unsigned long long)st->challenged);
	n = log_size(st->log);
	want = st_entry_make(ENTRY_CLOSED, text, strlen(text), NULL, 0, &tl);
	last = malloc(MERKLE_MAX_ENTRY);
	if (want == NULL || last == NULL)
		e = Q_ERR_NOMEM;
	if (e == Q_OK && n > 0) {
		size_t ll;
		e = log_read_entry(st->log, n - 1, last, &ll);
		if (e == Q_OK && ll == tl && memcmp(last, want, tl) == 0) {
			idx = n - 1;
			have = 1;
		}
	}
	if (e == Q_OK && !have) {
		e = st_log_text(st, ENTRY_CLOSED, text, &idx);
		have = e == Q_OK;
	}
	if (e == Q_OK && st->crash_in_close)
		_exit(98); /* test hook: die after poll-closed is logged */
	if (e == Q_OK)
		e = log_checkpoint_sign(st->log, &note, &nl);
	if (e == Q_OK)
		e = write_record(st, note, idx, &sig);
	free(last);
	free(want);
	/* P-5.1: the latest check-in's link to its token ends with the poll.
	 * (No check-in is in flight: every job is back, none is accepted.) */
	if (e == Q_OK && store_roll_forget_last_checkin(st->rolldb) != Q_OK)
		e = Q_ERR_DB;
	if (e == Q_OK)
		st->have_last = 0;
	if (e == Q_OK && store_meta_set(st->rolldb, "state", "closed") != Q_OK)
		e = Q_ERR_DB;
	if (e != Q_OK && have) {
		/* P-7.3: poll-closed is in the public log; the poll never
		 * reopens.  It stays "closing" (persisted) and close again
		 * (or the next start) finishes it. */
		st_log(st, LOG_ERR, "closing failed after poll-closed was logged: %s", qerr_str(e));
		reply = server_error("internal",
		                     "closing failed: %s; the poll stays closed, fix the cause "
		                     "and send close again",
		                     qerr_str(e));
	} else if (e != Q_OK) {
		snprintf(st->state, sizeof st->state, "open");
		if (store_meta_set(st->rolldb, "state", "open") != Q_OK)
			st_log(st, LOG_ERR, "roll DB: %s", store_errmsg(st->rolldb));
		st_log(st, LOG_ERR, "closing failed: %s", qerr_str(e));
		reply = server_error("internal", "closing failed: %s", qerr_str(e));
	} else {
		snprintf(st->state, sizeof st->state, "closed");
		st_log(st, LOG_INFO, "poll closed: %llu issued, %llu cast, %llu challenged",
		       (unsigned long long)st->issued, (unsigned long long)st->cast,
		       (unsigned long long)st->challenged);
		reply = server_ok(json_pack("{s:s, s:I, s:I, s:I, s:s, s:s, s:s}", "state",
		                            "closed", "issued", (json_int_t)st->issued, "cast",
		                            (json_int_t)st->cast, "challenged",
		                            (json_int_t)st->challenged, "record", st->record_path,
		                            "signature", sig, "checkpoint", note));
	}
	free(note);
	free(sig);
	if (reply_to_conn)
		st_reply(st, c, reply);
	else
		json_decref(reply);
}

json_t *op_close(station *st, server_conn c, const ps_msg *m)
{
	if (strcmp(st->state, "new") == 0)
		return server_error("poll_not_open", "the poll has not been opened");
	if (__atomic_load_n(&st->broken, __ATOMIC_RELAXED))
		return server_error("unavailable", "the audit log failed: restart the station "
		                                   "(it reconciles the box and the log), then "
		                                   "close");
	if (strcmp(st->state, "closing") == 0) {
		if (st->have_close_conn)
			return server_error("poll_closed", "the poll is closing");
		/* A close that failed after poll-closed was logged: retry. */
		st->have_close_conn = 1;
		st->close_conn = c;
		if (st->jobs_out == 0)
			finish_close(st, 1);
		return NULL;
	}
	if (strcmp(st->state, "open") != 0)
		return server_error("poll_closed", "the poll is already closed");
	/* Persisted first: a crash from here on finishes the close at the
	 * next start (P-7.3).  With jobs out the roll DB is the roll
	 * committer's: persisted by finish_close, before poll-closed is
	 * logged (a crash before it leaves the poll open, nothing closed). */
	if (st->jobs_out == 0) {
		if (store_meta_set(st->rolldb, "state", "closing") != Q_OK)
			return server_error("internal", "roll DB: %s", store_errmsg(st->rolldb));
	} else {
		st->closing_unsaved = 1;
	}
	snprintf(st->state, sizeof st->state, "closing");
	st->have_close_conn = 1;
	st->close_conn = c;
	if (st->jobs_out == 0)
		finish_close(st, 1);
	return NULL;
}

json_t *op_export(station *st, server_conn c, const ps_msg *m)
{
	uint8_t *rec = NULL, *sig = NULL;
	size_t rl, sl;
	json_error_t je;
	if (strcmp(st->state, "closed") != 0)
		return server_error("poll_not_closed",
		                    "the station record exists only after close");
	char sigpath[700];
	snprintf(sigpath, sizeof sigpath, "%s.sig", st->record_path);
	if (st_read_file(st->record_path, 1u << 30, &rec, &rl) != Q_OK ||
	    st_read_file(sigpath, 4096, &sig, &sl) != Q_OK) {
		free(rec);
		return server_error("internal", "cannot read the station record");
	}
	while (sl > 0 && sig[sl - 1] == '\n')
		sig[--sl] = '\0';
	json_t *rj = json_loadb((char *)rec, rl, 0, &je);
	/* P-7.5: record_text carries the file's exact bytes (ASCII, P-7.1), so
	 * quorum-ballot export writes them without re-serialising */
	json_t *reply =
	    server_ok(json_pack("{s:s, s:s, s:o*, s:s%}", "path", st->record_path, "signature",
	                        (char *)sig, "record", rj, "record_text", (char *)rec, rl));
	free(rec);
	free(sig);
	return reply;
}

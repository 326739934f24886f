/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * station_log.c -- the station's audit log entries (P-6) and receipt checkpoints (P-6.5).
 */
#include "station_int.h"

#include "banned.h"

/* ---- log entries (P-6) ---- */

/* tag || '\n' || payload, malloc'd. */
uint8_t *st_entry_make(const char *tag, const void *a, size_t alen, const void *b, size_t blen,
                       size_t *len)
{
	size_t tl = strlen(tag);
	uint8_t *e = malloc(tl + 1 + alen + blen + 1);
	if (e == NULL)
		return NULL;
	memcpy(e, tag, tl);
	e[tl] = '\n';
	if (alen > 0)
		memcpy(e + tl + 1, a, alen);
	if (blen > 0)
		memcpy(e + tl + 1 + alen, b, blen);
	*len = tl + 1 + alen + blen;
	return e;
}

/* Payload of an entry with this tag, or NULL. */
const uint8_t *st_entry_payload(const uint8_t *e, size_t len, const char *tag, size_t *plen)
{
	size_t tl = strlen(tag);
	if (len < tl + 1 || memcmp(e, tag, tl) != 0 || e[tl] != '\n')
		return NULL;
	*plen = len - tl - 1;
	return e + tl + 1;
}

/* A text entry (payload "key value\n" lines) appended durably, by the
 * loop thread.  Only with no job out (open, import-roll, close): while
 * any job is out the log is the logger's alone (JOB_NAMED, JOB_REISSUE),
 * so no lock is needed (P-5.3). */
qerr st_log_text(station *st, const char *tag, const char *text, uint64_t *index)
{
	size_t len;
	uint64_t idx;
	if (st->jobs_out != 0) /* the logger may be appending */
		return Q_ERR_STATE;
	uint8_t *e = st_entry_make(tag, text, strlen(text), NULL, 0, &len);
	if (e == NULL)
		return Q_ERR_NOMEM;
	qerr r = st->log_fail == 2 ? Q_ERR_IO : log_append(st->log, e, len, &idx);
	free(e);
	pthread_mutex_lock(&st->cnt_mu);
	st->logsize = log_size(st->log);
	pthread_mutex_unlock(&st->cnt_mu);
	if (r != Q_OK)
		st_log(st, LOG_ERR, "log append failed: %s", log_error(st->log));
	else if (index != NULL)
		*index = idx;
	return r;
}

/* Sign a checkpoint of the current (durable) log size with the log key
 * (A-5 body, A-4 signed note) into *note; keep one in the log now and then.
 * The logger's (or the loop thread's with no job out). */
qerr st_receipt_checkpoint(station *st, char **note)
{
	checkpoint cp;
	char body[NOTE_NAME_MAX + 128];
	size_t bl, nl;
	qerr e;
	*note = NULL;
	memset(&cp, 0, sizeof cp);
	snprintf(cp.origin, sizeof cp.origin, "%s", log_origin(st->log));
	cp.size = log_size(st->log);
	if ((e = log_root(st->log, cp.size, cp.root)) != Q_OK)
		return e;
	if ((e = checkpoint_format(&cp, body, sizeof body, &bl)) != Q_OK)
		return e;
	if ((e = note_sign(st->signer, body, bl, note, &nl)) != Q_OK)
		return e;
	int64_t t = st_mono_ms();
	if (t - st->last_kept_ms >= CHECKPOINT_KEEP_MS) {
		char *kept = NULL;
		size_t kl;
		if (log_checkpoint_sign(st->log, &kept, &kl) == Q_OK)
			st->last_kept_ms = t;
		else
			st_log(st, LOG_ERR, "keeping a checkpoint failed: %s", log_error(st->log));
		free(kept);
	}
	return Q_OK;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * station_commit.c -- group commit (P-5.3): the committer thread, one box transaction and one log
 * batch per group.
 */
#include "station_int.h"

#include "banned.h"

/* Group commit (P-5.3): one box transaction, then one log batch, then
 * one checkpoint; only then are the receipts released. */
static void commit_batch(station *st, job *list)
{
	job *j;
	size_t n = 0, ne = 0;
	log_entry ents[BATCH_MAX + 1];
	uint8_t *bufs[BATCH_MAX + 1];
	job *order[BATCH_MAX + 1];
	char *note = NULL;
	qerr e;
	int64_t t0 = st_mono_us();

	for (j = list; j; j = j->next)
		j->t_us[3] = t0;
	pthread_mutex_lock(&st->io_mu);
	if ((e = store_begin(st->box)) != Q_OK) {
		for (j = list; j; j = j->next)
			job_fail(j, e, "internal", "ballot box: %s", store_errmsg(st->box));
		goto out;
	}
	for (j = list; j; j = j->next, n++) {
		uint8_t *opb = NULL;
		size_t olen = 0;
		if (j->kind == JOB_CAST) {
			e = store_box_put_ballot(st->box, j->code, j->enc, j->enclen,
			                         j->token_hash);
			if (e == Q_OK)
				e = store_box_put_receipt(st->box, j->receipt_key, j->code);
			if (e == Q_ERR_EXISTS)
				job_fail(j, e, "token_spent",
				         "this ballot token has already been used");
			else if (e != Q_OK)
				job_fail(j, e, "internal", "ballot box: %s", store_errmsg(st->box));
		} else {
			e = ballot_opening_encode(j->op, &opb, &olen);
			if (e == Q_OK)
				e = store_box_put_challenged(st->box, j->code, j->enc, j->enclen,
				                             opb, olen);
			if (e != Q_OK)
				job_fail(j, e,
				         e == Q_ERR_EXISTS ? "already_challenged" : "internal",
				         "challenged ballot not stored: %s", qerr_str(e));
		}
		if (j->result == Q_OK) {
			size_t elen;
			uint8_t *ent;
			if (j->kind == JOB_CAST) {
				ent = st_entry_make(ENTRY_CAST, j->enc, j->enclen, NULL, 0, &elen);
			} else {
				uint8_t *tmp = malloc(4 + j->enclen);
				ent = NULL;
				if (tmp != NULL) {
					tmp[0] = (uint8_t)(j->enclen >> 24);
					tmp[1] = (uint8_t)(j->enclen >> 16);
					tmp[2] = (uint8_t)(j->enclen >> 8);
					tmp[3] = (uint8_t)j->enclen;
					memcpy(tmp + 4, j->enc, j->enclen);
					ent = st_entry_make(ENTRY_CHALLENGED, tmp, 4 + j->enclen,
					                    opb, olen, &elen);
					free(tmp);
				}
			}
			if (ent == NULL) {
				/* Cannot log it: undo the whole group. */
				free(opb);
				store_rollback(st->box);
				for (job *k = list; k; k = k->next)
					if (k->result == Q_OK)
						job_fail(k, Q_ERR_NOMEM, "internal",
						         "out of memory");
				goto out;
			}
			bufs[ne] = ent;
			ents[ne].data = ent;
			ents[ne].len = elen;
			order[ne++] = j;
		}
		free(opb);
	}
	if ((e = store_commit(st->box)) != Q_OK) {
		for (j = list; j; j = j->next)
			if (j->result == Q_OK)
				job_fail(j, e, "internal", "ballot box commit failed: %s",
				         store_errmsg(st->box));
		goto out;
	}
	/* Test hook: die in the window between the box commit and the log
	 * append, the case P-5.4 repairs. */
	if (st->crash_after_box > 0 && --st->crash_after_box == 0)
		_exit(99);
	/* Check-in counts ride along (P-6.4), never names. */
	pthread_mutex_lock(&st->cnt_mu);
	uint64_t issued = st->issued;
	pthread_mutex_unlock(&st->cnt_mu);
	char cbuf[64];
	if (issued != st->logged_issued) {
		int cl = snprintf(cbuf, sizeof cbuf, "issued %llu\n", (unsigned long long)issued);
		size_t elen;
		uint8_t *ent = st_entry_make(ENTRY_CHECKINS, cbuf, (size_t)cl, NULL, 0, &elen);
		if (ent != NULL) {
			bufs[ne] = ent;
			ents[ne].data = ent;
			ents[ne].len = elen;
			order[ne++] = NULL;
		}
	}
	if (ne > 0) {
		uint64_t first;
		e = st->log_fail ? Q_ERR_IO : log_append_batch(st->log, ents, ne, &first);
		if (e != Q_OK) {
			st_log(st, LOG_ERR,
			       "log append failed after box commit: %s (restart to "
			       "reconcile)",
			       log_error(st->log));
			__atomic_store_n(&st->broken, 1, __ATOMIC_RELAXED);
			for (size_t i = 0; i < ne; i++)
				if (order[i] != NULL)
					job_fail(
					    order[i], e, "unavailable",
					    "the audit log failed; the station must be restarted");
			goto out;
		}
		pthread_mutex_lock(&st->cnt_mu);
		st->logsize = log_size(st->log);
		pthread_mutex_unlock(&st->cnt_mu);
		for (size_t i = 0; i < ne; i++)
			if (order[i] != NULL)
				order[i]->log_index = first + i;
			else
				st->logged_issued = issued;
		/* P-6.5: the receipt's checkpoint is signed over the durable
		 * tree at once; the log keeps one (checkpoints/<n>, several
		 * fsyncs) at most every CHECKPOINT_KEEP_MS and at close. */
		if ((e = st_receipt_checkpoint(st, &note)) != Q_OK)
			st_log(st, LOG_ERR, "checkpoint failed: %s", qerr_str(e));
		for (size_t i = 0; i < ne; i++)
			if (order[i] != NULL && note != NULL)
				order[i]->checkpoint = strdup(note);
	}
out:
	pthread_mutex_unlock(&st->io_mu);
	for (size_t i = 0; i < ne; i++)
		free(bufs[i]);
	free(note);
	t0 = st_mono_us();
	for (j = list; j; j = j->next)
		j->t_us[4] = t0;
	while (list != NULL) {
		job *next = list->next;
		if (server_post(st->srv, list) != Q_OK)
			qfatal("out of memory posting a reply");
		list = next;
	}
}

void *committer_main(void *arg)
{
	station *st = arg;
	job *list;
	while ((list = jobq_pop(&st->kq, BATCH_MAX)) != NULL) {
		/* Receipt lookups leave the group: answered after its commit,
		 * so a lookup behind a cast of the same group sees it. */
		job *group = NULL, **gt = &group, *looks = NULL, **lt = &looks;
		while (list != NULL) {
			job *next = list->next;
			list->next = NULL;
			if (list->kind == JOB_RECEIPT) {
				*lt = list;
				lt = &list->next;
			} else {
				*gt = list;
				gt = &list->next;
			}
			list = next;
		}
		if (group != NULL)
			commit_batch(st, group);
		if (looks != NULL) {
			pthread_mutex_lock(&st->io_mu);
			for (job *j = looks; j != NULL; j = j->next)
				receipt_lookup(st, j);
			pthread_mutex_unlock(&st->io_mu);
		}
		while (looks != NULL) {
			job *next = looks->next;
			if (server_post(st->srv, looks) != Q_OK)
				qfatal("out of memory posting a reply");
			looks = next;
		}
	}
	return NULL;
}

/* Group commit of check-ins (P-5.3): the check-ins waiting are one roll-DB
 * transaction, each in its own savepoint (a refused one changes nothing and
 * the others go on), and one commit; only after that commit are their
 * tokens handed out (on_post).  If the commit fails, no check-in of the
 * group is acknowledged.  The loop thread never waits for these fsyncs
 * except for its own rare roll-DB requests (lookup, challenge, re-issue,
 * close), which take roll_mu. */
static void roll_commit_group(station *st, job *list)
{
	job *j;
	qerr e;
	pthread_mutex_lock(&st->roll_mu);
	if ((e = store_begin(st->rolldb)) != Q_OK) {
		for (j = list; j; j = j->next)
			job_fail(j, e, "internal", "roll DB: %s", store_errmsg(st->rolldb));
		goto out;
	}
	for (j = list; j; j = j->next) {
		e = store_roll_checkin_proxy(st->rolldb, j->voter, j->proxy[0] ? j->proxy : NULL,
		                             j->token_hash); /* P-7.6 */
		if (e == Q_ERR_EXISTS)
			job_fail(j, e, "already_voted", "voter %s has already been checked in",
			         j->voter);
		else if (e == Q_ERR_NOTFOUND)
			job_fail(j, e, "not_on_roll", "voter %s is not on the roll", j->voter);
		else if (e != Q_OK)
			job_fail(j, e, "internal", "roll DB: %s", store_errmsg(st->rolldb));
	}
	/* Test hook (P-5.5): the N-th group's commit fails. */
	int hook = st->roll_fail_at > 0 && --st->roll_fail_at == 0;
	if (hook) {
		store_rollback(st->rolldb);
		e = Q_ERR_IO;
	} else {
		e = store_commit(st->rolldb);
	}
	if (e != Q_OK)
		for (j = list; j; j = j->next)
			if (j->result == Q_OK)
				job_fail(j, e, "internal", "roll DB commit failed: %s",
				         hook ? "QUORUM_TEST_ROLL_FAIL" : store_errmsg(st->rolldb));
out:
	pthread_mutex_unlock(&st->roll_mu);
	for (j = list; j; j = j->next)
		if (j->result != Q_OK)
			wipe(j->token, sizeof j->token); /* never handed out */
	while (list != NULL) {
		job *next = list->next;
		if (server_post(st->srv, list) != Q_OK)
			qfatal("out of memory posting a reply");
		list = next;
	}
}

void *roll_committer_main(void *arg)
{
	station *st = arg;
	job *list;
	while ((list = jobq_pop(&st->rq, BATCH_MAX)) != NULL)
		roll_commit_group(st, list);
	return NULL;
}

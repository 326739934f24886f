/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * station_commit.c -- group commit (P-5.3): the committer thread (one box transaction per group),
 * the logger thread (one log batch and one checkpoint for the groups waiting), the roll committer
 * thread (one roll-DB transaction per group of check-ins).
 */
#include "station_int.h"

#include "banned.h"

/* Group commit (P-5.3) in two stages, each on a thread of its own, so that
 * the box commit of one group overlaps the log append of the groups before
 * it:
 *  1. the committer: one box transaction for the group, committed; a cast
 *     refused there (token spent, ...) is answered at once, the stored ones
 *     go to the logger in order, each with its log entry;
 *  2. the logger: the stored jobs of one or more groups as one log batch
 *     (fdatasync'd), one checkpoint; only then are the receipts released.
 * A box ballot whose group never reaches the log (a crash between the two)
 * is appended by P-5.4 at the next start: nothing stored is lost, and no
 * receipt was sent for it.  The box is the committer's alone while the
 * poll is open (receipt lookups too).  The log has no lock: while any job
 * is out it is the logger's alone (named votes and re-issues hand their
 * entries to it, JOB_NAMED, JOB_REISSUE), and the loop thread appends only
 * with no job out (open, import-roll, close; st_log_text refuses
 * otherwise); so no lock is held across the batch's fsync.  The same for
 * the roll DB and the roll committer (below). */

/* The log entry of a stored cast or challenge (P-6) into j->entry; opb is
 * the challenged ballot's opening (B-6). */
static qerr entry_make(job *j, const uint8_t *opb, size_t olen)
{
	if (j->kind == JOB_CAST) {
		j->entry = st_entry_make(ENTRY_CAST, j->enc, j->enclen, NULL, 0, &j->entrylen);
	} else {
		uint8_t *tmp = malloc(4 + j->enclen);
		if (tmp == NULL)
			return Q_ERR_NOMEM;
		tmp[0] = (uint8_t)(j->enclen >> 24);
		tmp[1] = (uint8_t)(j->enclen >> 16);
		tmp[2] = (uint8_t)(j->enclen >> 8);
		tmp[3] = (uint8_t)j->enclen;
		memcpy(tmp + 4, j->enc, j->enclen);
		j->entry =
		    st_entry_make(ENTRY_CHALLENGED, tmp, 4 + j->enclen, opb, olen, &j->entrylen);
		free(tmp);
	}
	return j->entry != NULL ? Q_OK : Q_ERR_NOMEM;
}

static void post(station *st, job *j)
{
	if (server_post(st->srv, j) != Q_OK)
		qfatal("out of memory posting a reply");
}

/* Stage 1 (the committer thread): the group's box transaction. */
static void box_stage(station *st, job *list)
{
	job *j;
	qerr e;
	int64_t t0 = st_mono_us();

	for (j = list; j; j = j->next)
		j->t_us[3] = t0;
	if ((e = store_begin(st->box)) != Q_OK) {
		for (j = list; j; j = j->next)
			job_fail(j, e, "internal", "ballot box: %s", store_errmsg(st->box));
		goto out;
	}
	for (j = list; j; j = j->next) {
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
		if (j->result == Q_OK && entry_make(j, opb, olen) != Q_OK) {
			/* Cannot log it: undo the whole group. */
			free(opb);
			store_rollback(st->box);
			for (job *k = list; k; k = k->next)
				if (k->result == Q_OK)
					job_fail(k, Q_ERR_NOMEM, "internal", "out of memory");
			goto out;
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
out:
	/* refused ones answered now; the stored ones logged, in order */
	while (list != NULL) {
		job *next = list->next;
		list->next = NULL;
		if (list->result == Q_OK)
			jobq_push(&st->lq, list);
		else
			post(st, list);
		list = next;
	}
}

/* Stage 2 (the logger thread): one log batch for the stored jobs of the
 * groups waiting (and the check-in count, P-6.4), one checkpoint for them
 * and for the receipt lookups among them; then every reply. */
static void log_stage(station *st, job *list)
{
	job *j;
	size_t ne = 0;
	log_entry ents[LOG_BATCH_MAX + 1];
	job *order[LOG_BATCH_MAX + 1];
	uint8_t *cent = NULL;
	char *note = NULL;
	qerr e;

	for (j = list; j; j = j->next) {
		if (j->kind == JOB_RECEIPT)
			continue;
		if (__atomic_load_n(&st->broken, __ATOMIC_RELAXED)) {
			/* an earlier append failed: nothing after it is logged */
			job_fail(j, Q_ERR_IO, "unavailable",
			         "the audit log failed; the station must be restarted");
			continue;
		}
		ents[ne].data = j->entry;
		ents[ne].len = j->entrylen;
		order[ne++] = j;
	}
	/* Check-in counts ride along (P-6.4), never names. */
	pthread_mutex_lock(&st->cnt_mu);
	uint64_t issued = st->issued;
	pthread_mutex_unlock(&st->cnt_mu);
	if (ne > 0 && issued != st->logged_issued) {
		char cbuf[64];
		int cl = snprintf(cbuf, sizeof cbuf, "issued %llu\n", (unsigned long long)issued);
		size_t elen;
		cent = st_entry_make(ENTRY_CHECKINS, cbuf, (size_t)cl, NULL, 0, &elen);
		if (cent != NULL) {
			ents[ne].data = cent;
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
			ne = 0;
		} else {
			pthread_mutex_lock(&st->cnt_mu);
			st->logsize = log_size(st->log);
			pthread_mutex_unlock(&st->cnt_mu);
			for (size_t i = 0; i < ne; i++)
				if (order[i] != NULL)
					order[i]->log_index = first + i;
				else
					st->logged_issued = issued;
		}
	}
	/* P-6.5: the receipt's checkpoint is signed over the durable tree at
	 * once; the log keeps one (checkpoints/<n>, several fsyncs) at most
	 * every CHECKPOINT_KEEP_MS and at close. */
	int looks = 0;
	for (j = list; j; j = j->next)
		looks |= j->kind == JOB_RECEIPT;
	if ((ne > 0 || looks) && (e = st_receipt_checkpoint(st, &note)) != Q_OK)
		st_log(st, LOG_ERR, "checkpoint failed: %s", qerr_str(e));
	for (j = list; j; j = j->next) {
		if (j->result != Q_OK)
			continue;
		if (note != NULL)
			j->checkpoint = strdup(note);
		else if (j->kind == JOB_RECEIPT)
			job_fail(j, Q_ERR_IO, "internal", "receipt lookup failed: %s",
			         "no checkpoint");
	}
	free(cent);
	free(note);
	int64_t t1 = st_mono_us();
	while (list != NULL) {
		job *next = list->next;
		list->next = NULL;
		list->t_us[4] = t1;
		if (list->kind == JOB_REISSUE && list->result == Q_OK) {
			/* logged (P-5.7): its roll-DB transaction next */
			list->roll_stage = 1;
			jobq_push(&st->rq, list);
		} else {
			post(st, list);
		}
		list = next;
	}
}

void *committer_main(void *arg)
{
	station *st = arg;
	job *list;
	while ((list = jobq_pop(&st->kq, BATCH_MAX)) != NULL) {
		/* Receipt lookups leave the group: answered after its box
		 * commit (their checkpoint by the logger). */
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
			box_stage(st, group);
		while (looks != NULL) {
			job *next = looks->next;
			looks->next = NULL;
			receipt_lookup(st, looks);
			if (looks->result == Q_OK)
				jobq_push(&st->lq, looks);
			else
				post(st, looks);
			looks = next;
		}
	}
	return NULL;
}

void *logger_main(void *arg)
{
	station *st = arg;
	job *list;
	while ((list = jobq_pop(&st->lq, LOG_BATCH_MAX)) != NULL)
		log_stage(st, list);
	return NULL;
}

/* Group commit of check-ins (P-5.3): the check-ins waiting (and the
 * challenge counts) are one roll-DB transaction, each check-in in its own
 * savepoint (a refused one changes nothing and the others go on), and one
 * commit; only after that commit are their tokens handed out (on_post),
 * and the challenges go on to the box committer.  If the commit fails, no
 * job of the group is acknowledged.  A re-issue (logged already) is a
 * transaction of its own after the group.  No lock is held: while the
 * poll is open the roll DB is this thread's alone, and the loop thread
 * answers lookups, named votes and booth requests from memory (the roll,
 * the acknowledged check-ins, the tokens, the challenge counts), so it
 * never waits for these fsyncs. */
static void roll_commit_group(station *st, job *list)
{
	job *j;
	qerr e;
	int n = 0;
	for (j = list; j; j = j->next)
		n += j->kind != JOB_REISSUE;
	if (n == 0)
		goto reissues;
	if ((e = store_begin(st->rolldb)) != Q_OK) {
		for (j = list; j; j = j->next)
			if (j->kind != JOB_REISSUE)
				job_fail(j, e, "internal", "roll DB: %s", store_errmsg(st->rolldb));
		goto reissues;
	}
	for (j = list; j; j = j->next) {
		if (j->kind == JOB_CHALLENGE) {
			e = store_roll_challenge(st->rolldb, j->token_hash, CHALLENGES_MAX);
			if (e == Q_ERR_LIMIT)
				job_fail(j, e, "too_many_challenges",
				         "this token has been used for %d challenges, the most "
				         "allowed; cast the ballot",
				         CHALLENGES_MAX);
			else if (e != Q_OK)
				job_fail(j, e, "internal", "roll DB: %s", store_errmsg(st->rolldb));
			continue;
		}
		if (j->kind != JOB_CHECKIN)
			continue;
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
	for (j = list; j; j = j->next)
		if (j->kind != JOB_REISSUE && j->result == Q_OK) {
			if (e != Q_OK)
				job_fail(j, e, "internal", "roll DB commit failed: %s",
				         hook ? "QUORUM_TEST_ROLL_FAIL" : store_errmsg(st->rolldb));
			else
				j->roll_done = 1;
		}
reissues:
	for (j = list; j; j = j->next) {
		if (j->kind != JOB_REISSUE)
			continue;
		e = store_roll_reissue(st->rolldb, j->voter, j->token_hash, j->new_hash);
		if (e != Q_OK)
			job_fail(j, e, "internal", "roll DB: %s", store_errmsg(st->rolldb));
		else
			j->roll_done = 1;
	}
	while (list != NULL) {
		job *next = list->next;
		list->next = NULL;
		if (list->kind == JOB_CHALLENGE && list->result == Q_OK) {
			jobq_push(&st->kq, list); /* counted: to the box committer */
		} else {
			if (list->result != Q_OK)
				wipe(list->token, sizeof list->token); /* never handed out */
			post(st, list);
		}
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

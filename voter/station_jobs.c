/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * station_jobs.c -- ballot jobs: the crypto workers (encrypt and prove), the job queues, in-flight
 * tokens and pending (encrypted, not yet cast) ballots.
 */
#include "station_int.h"

#include "banned.h"

/* ---- in-flight tokens ---- */

int inflight_has(const station *st, const uint8_t h[32])
{
	for (size_t i = 0; i < st->ninflight; i++)
		if (memcmp(st->inflight[i], h, 32) == 0)
			return 1;
	return 0;
}

qerr inflight_add(station *st, const uint8_t h[32])
{
	if (st->ninflight == st->capinflight) {
		size_t cap = st->capinflight ? st->capinflight * 2 : 64;
		void *p = realloc(st->inflight, cap * 32);
		if (p == NULL)
			return Q_ERR_NOMEM;
		st->inflight = p;
		st->capinflight = cap;
	}
	memcpy(st->inflight[st->ninflight++], h, 32);
	return Q_OK;
}

void inflight_del(station *st, const uint8_t h[32])
{
	for (size_t i = 0; i < st->ninflight; i++) {
		if (memcmp(st->inflight[i], h, 32) == 0) {
			memmove(st->inflight[i], st->inflight[st->ninflight - 1], 32);
			st->ninflight--;
			return;
		}
	}
}

/* ---- pending (encrypted, not yet cast or challenged) ---- */

void pending_clear(pending *p)
{
	free(p->enc);
	ballot_opening_free(p->op);
	memset(p, 0, sizeof *p);
}

void pending_remove(station *st, pending *p)
{
	pending_clear(p);
	size_t i = (size_t)(p - st->pend);
	st->pend[i] = st->pend[st->npend - 1];
	memset(&st->pend[st->npend - 1], 0, sizeof *p);
	st->npend--;
}

/* Drop every pending ballot older than the TTL (its nonces are wiped). */
void pending_expire(station *st)
{
	int64_t t = st_mono_ms();
	for (size_t i = 0; i < st->npend;) {
		if (t - st->pend[i].made > st->pending_ttl_ms)
			pending_remove(st, &st->pend[i]);
		else
			i++;
	}
}

pending *pending_find(station *st, const uint8_t h[32])
{
	for (size_t i = 0; i < st->npend; i++) {
		if (memcmp(st->pend[i].token_hash, h, 32) != 0)
			continue;
		if (st_mono_ms() - st->pend[i].made > st->pending_ttl_ms) {
			pending_remove(st, &st->pend[i]);
			return NULL;
		}
		return &st->pend[i];
	}
	return NULL;
}

/* ---- job queues ---- */

void jobq_init(jobq *q)
{
	memset(q, 0, sizeof *q);
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
}

void jobq_push(jobq *q, job *j)
{
	j->next = NULL;
	pthread_mutex_lock(&q->mu);
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	q->n++;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

/* Pop up to max jobs (a list); NULL when stopped and empty. */
job *jobq_pop(jobq *q, size_t max)
{
	pthread_mutex_lock(&q->mu);
	while (q->head == NULL && !q->stop)
		pthread_cond_wait(&q->cv, &q->mu);
	job *h = q->head, *t = h;
	if (h != NULL) {
		size_t k = 1;
		while (t->next != NULL && k < max) {
			t = t->next;
			k++;
		}
		q->head = t->next;
		if (q->head == NULL)
			q->tail = NULL;
		q->n -= k;
		t->next = NULL;
	}
	pthread_mutex_unlock(&q->mu);
	return h;
}

void jobq_stop(jobq *q)
{
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

void job_free(job *j)
{
	if (j == NULL)
		return;
	if (j->marks != NULL) {
		wipe(j->marks, j->nmarks);
		free(j->marks);
	}
	if (j->names != NULL) {
		wipe(j->names, j->nnames * sizeof *j->names);
		free(j->names);
	}
	free(j->enc);
	ballot_opening_free(j->op);
	free(j->checkpoint);
	free(j->entry);
	wipe(j->receipt_key, sizeof j->receipt_key); /* links the token to its ballot */
	wipe(j->token, sizeof j->token); /* JOB_CHECKIN: the voter's token */
	wipe(j->voter, sizeof j->voter);
	free(j);
}

void job_fail(job *j, qerr e, const char *code, const char *fmt, ...)
{
	va_list ap;
	j->result = e;
	j->errcode = code;
	va_start(ap, fmt);
	vsnprintf(j->msg, sizeof j->msg, fmt, ap);
	va_end(ap);
}

/* ---- worker threads ---- */

void *worker_main(void *arg)
{
	station *st = arg;
	job *j;
	while ((j = jobq_pop(&st->cq, 1)) != NULL) {
		j->t_us[1] = st_mono_us();
		ballot *b = NULL;
		ballot_opening *op = NULL;
		const char *names[PS_NAMES_MAX];
		for (size_t q = 0; q < j->nnames && q < PS_NAMES_MAX; q++)
			names[q] = j->names[q];
		/* B-10: the write-in names (none without slots) */
		qerr e = ballot_encrypt_names(
		    st->style, st->Kt, j->marks, j->nmarks, j->nnames > 0 ? names : NULL,
		    st->style->total_writein, &b, j->kind == JOB_ENCRYPT ? &op : NULL, NULL, 0);
		wipe(j->marks, j->nmarks);
		free(j->marks);
		j->marks = NULL;
		if (j->names != NULL) {
			wipe(j->names, j->nnames * sizeof *j->names);
			free(j->names);
			j->names = NULL;
		}
		if (e == Q_OK)
			e = ballot_encode(b, &j->enc, &j->enclen);
		ballot_free(b);
		if (e != Q_OK) {
			ballot_opening_free(op);
			job_fail(j, e, "internal", "encryption failed: %s", qerr_str(e));
			if (server_post(st->srv, j) != Q_OK)
				qfatal("out of memory posting a reply");
			continue;
		}
		ballot_tracking_code(j->code, st->style, j->enc, j->enclen);
		if (j->kind == JOB_ENCRYPT) {
			j->op = op;
			if (server_post(st->srv, j) != Q_OK)
				qfatal("out of memory posting a reply");
		} else {
			j->t_us[2] = st_mono_us();
			jobq_push(&st->kq, j);
		}
	}
	return NULL;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * station_booth.c -- the booth requests: ballot, encrypt, cast, challenge, receipt, and the replies
 * of finished jobs.
 */
#include "station_int.h"
#include "ratelimit.h"

#include "banned.h"

/* The token's hash and the receipt key (P-5.2, when rk != NULL) from its
 * 16 raw bytes (the worker checked the canonical form, P-4.4). */
static void token_hash(const uint8_t raw[TOKEN_LEN], uint8_t h[32], uint8_t rk[32])
{
	uint8_t buf[sizeof RECEIPT_KEY_TAG - 1 + TOKEN_LEN];
	sha256(h, raw, TOKEN_LEN);
	if (rk != NULL) {
		memcpy(buf, RECEIPT_KEY_TAG, sizeof RECEIPT_KEY_TAG - 1);
		memcpy(buf + sizeof RECEIPT_KEY_TAG - 1, raw, TOKEN_LEN);
		sha256(rk, buf, sizeof buf);
		wipe(buf, sizeof buf);
	}
}

/* Common booth checks: poll open, token issued, unspent, not busy. */
static json_t *token_check(station *st, const ps_msg *m, uint8_t h[32], uint8_t rk[32])
{
	json_t *r;
	token_hash(m->token, h, rk);
	if ((r = st_need_open(st)) != NULL)
		return r;
	if (__atomic_load_n(&st->broken, __ATOMIC_RELAXED))
		return server_error("unavailable", "the station must be restarted");
	if (hset_has(&st->spent, h))
		return server_error("token_spent", "this ballot token has already been used");
	/* the roll DB's tokens, kept in memory: no booth request waits for a
	 * check-in group's commit */
	if (!hset_has(&st->issued_tok, h))
		return server_error("token_invalid", "no ballot was issued with this token");
	if (inflight_has(st, h))
		return server_error("token_busy", "this token is being used by another request");
	if (st->have_last && memcmp(h, st->last_h, 32) == 0)
		st->last_used = 1; /* no re-issue once a booth has used it */
	return NULL;
}

json_t *op_ballot(station *st, server_conn c, const ps_msg *m)
{
	uint8_t h[32];
	json_t *r = token_check(st, m, h, NULL);
	if (r != NULL)
		return r;
	return server_ok(json_pack("{s:O}", "ballot", st->booth_ballot));
}

/* The marks of m (0/1 bytes, checked again against the style, B-3)
 * copied into a fresh secret buffer. */
static json_t *marks_take(station *st, const ps_msg *m, uint8_t **out, size_t *n)
{
	char why[200];
	*out = NULL;
	if (!m->has_marks || m->nmarks != st->style->total_options)
		return server_error("bad_marks", "%zu marks expected", st->style->total_options);
	if (ballot_marks_check(st->style, m->marks, m->nmarks, why, sizeof why) != Q_OK)
		return server_error("bad_marks", "%s", why);
	uint8_t *b = malloc(m->nmarks);
	if (b == NULL)
		return server_error("internal", "out of memory");
	memcpy(b, m->marks, m->nmarks);
	*out = b;
	*n = m->nmarks;
	return NULL;
}

/* The write-in names of m (B-10), checked again against the marks, into
 * the job (a fresh secret buffer); none when the style has no slots. */
static json_t *names_take(station *st, const ps_msg *m, job *j)
{
	const char *ptrs[PS_NAMES_MAX];
	char why[200];
	size_t nw = st->style->total_writein;
	if (nw == 0 && m->nnames == 0)
		return NULL;
	if (m->nnames != nw || nw > PS_NAMES_MAX)
		return server_error("bad_write_in", "%zu write-in names expected", nw);
	for (size_t q = 0; q < nw; q++)
		ptrs[q] = m->names[q];
	if (ballot_names_check(st->style, m->marks, m->nmarks, ptrs, nw, why, sizeof why) != Q_OK)
		return server_error("bad_write_in", "%s", why);
	if ((j->names = calloc(nw, sizeof *j->names)) == NULL)
		return server_error("internal", "out of memory");
	memcpy(j->names, m->names, nw * sizeof *j->names);
	j->nnames = nw;
	return NULL;
}

static json_t *submit(station *st, server_conn c, job *j, int crypto)
{
	if (inflight_add(st, j->token_hash) != Q_OK) {
		job_free(j);
		return server_error("internal", "out of memory");
	}
	st->jobs_out++;
	j->conn = c;
	j->t_us[0] = st_mono_us();
	jobq_push(crypto ? &st->cq : &st->kq, j);
	return NULL;
}

json_t *op_encrypt(station *st, server_conn c, const ps_msg *m)
{
	uint8_t h[32];
	json_t *r = token_check(st, m, h, NULL);
	job *j;
	if (r != NULL)
		return r;
	if ((j = calloc(1, sizeof *j)) == NULL)
		return server_error("internal", "out of memory");
	if ((r = marks_take(st, m, &j->marks, &j->nmarks)) != NULL ||
	    (r = names_take(st, m, j)) != NULL) {
		job_free(j);
		return r;
	}
	j->kind = JOB_ENCRYPT;
	memcpy(j->token_hash, h, 32);
	return submit(st, c, j, 1);
}

static json_t *take_pending(station *st, const ps_msg *m, const uint8_t h[32], job *j)
{
	pending *p = pending_find(st, h);
	if (!m->has_code)
		return server_error("bad_request", "\"tracking_code\" must be 64 hex digits");
	if (p == NULL || memcmp(p->code, m->code, 32) != 0)
		return server_error("no_pending", "no encrypted ballot with this tracking code is "
		                                  "waiting for this token");
	memcpy(j->code, p->code, 32);
	j->enc = p->enc;
	j->enclen = p->enclen;
	j->op = p->op;
	p->enc = NULL;
	p->op = NULL;
	pending_remove(st, p);
	return NULL;
}

json_t *op_cast(station *st, server_conn c, const ps_msg *m)
{
	uint8_t h[32];
	json_t *r = NULL;
	job *j;
	uint8_t rk[32];
	if (r == NULL)
		r = token_check(st, m, h, rk);
	if (r != NULL)
		return r;
	if ((j = calloc(1, sizeof *j)) == NULL)
		return server_error("internal", "out of memory");
	j->kind = JOB_CAST;
	memcpy(j->token_hash, h, 32);
	memcpy(j->receipt_key, rk, 32);
	wipe(rk, sizeof rk);
	if (m->has_marks) {
		if ((r = marks_take(st, m, &j->marks, &j->nmarks)) != NULL ||
		    (r = names_take(st, m, j)) != NULL) {
			job_free(j);
			return r;
		}
		/* A cast with marks replaces the token's pending ballot. */
		pending *p = pending_find(st, h);
		if (p != NULL)
			pending_remove(st, p);
		j->encrypt_first = 1;
		return submit(st, c, j, 1);
	}
	if ((r = take_pending(st, m, h, j)) != NULL) {
		free(j);
		return r;
	}
	/* The opening is no longer needed: wipe the nonces now. */
	ballot_opening_free(j->op);
	j->op = NULL;
	return submit(st, c, j, 0);
}

json_t *op_challenge(station *st, server_conn c, const ps_msg *m)
{
	uint8_t h[32];
	json_t *r = token_check(st, m, h, NULL);
	job *j;
	if (r != NULL)
		return r;
	if ((j = calloc(1, sizeof *j)) == NULL)
		return server_error("internal", "out of memory");
	j->kind = JOB_CHALLENGE;
	memcpy(j->token_hash, h, 32);
	/* Counted (and capped) only for a challenge that can proceed: the
	 * count in memory (the roll DB's, and those being committed); the
	 * roll committer counts it in the roll DB in its next group (one
	 * commit with the check-ins) and only then hands it to the box
	 * committer (P-5.3), so the opening is never shown uncounted. */
	const cmap_ent *ce = cmap_find(&st->chal, h);
	uint64_t nch = ce != NULL && ce->used ? ce->v : 0;
	pending *p = pending_find(st, h);
	if (nch >= CHALLENGES_MAX && m->has_code && p != NULL &&
	    memcmp(p->code, m->code, 32) == 0) {
		free(j);
		return server_error("too_many_challenges",
		                    "this token has been used for %d challenges, the most "
		                    "allowed; cast the ballot",
		                    CHALLENGES_MAX);
	}
	if ((r = take_pending(st, m, h, j)) != NULL) {
		free(j);
		return r;
	}
	if (cmap_put(&st->chal, h, nch + 1) != Q_OK || inflight_add(st, h) != Q_OK) {
		job_free(j);
		return server_error("internal", "out of memory");
	}
	j->roll_stage = 1;
	st->jobs_out++;
	j->conn = c;
	j->t_us[0] = st_mono_us();
	jobq_push(&st->rq, j);
	return NULL;
}

/* Receipt lookups per booth connection (docs/protocol.md): RECEIPT_BURST
 * at once, then one every RECEIPT_PERIOD_MS (the monitor's loop thread
 * only). */
#define RECEIPT_BURST 5
#define RECEIPT_PERIOD_MS 2000
static ratelimit receipt_rl = {RECEIPT_BURST, RECEIPT_PERIOD_MS, {{0, 0, 0}}};

/* Receipt lookup (booth): the receipt of the ballot cast with this token,
 * e.g. when the cast's reply was lost in a crash.  The box lookup and the
 * checkpoint are the committer's (JOB_RECEIPT); the reply is made in
 * on_post. */
json_t *op_receipt(station *st, server_conn c, const ps_msg *m)
{
	uint8_t h[32], rk[32];
	job *j;
	if (!ratelimit_allow(&receipt_rl, c, st_mono_ms()))
		return server_error("rate_limited",
		                    "at most %d receipt lookups at once on a connection, then one "
		                    "every %d s",
		                    RECEIPT_BURST, RECEIPT_PERIOD_MS / 1000);
	token_hash(m->token, h, rk);
	if (strcmp(st->state, "new") == 0 || !hset_has(&st->spent, h)) {
		wipe(rk, sizeof rk);
		if (strcmp(st->state, "new") == 0)
			return server_error("poll_not_open", "the poll has not been opened");
		return server_error("not_cast", "no ballot has been cast with this token");
	}
	if ((j = calloc(1, sizeof *j)) == NULL) {
		wipe(rk, sizeof rk);
		return server_error("internal", "out of memory");
	}
	j->kind = JOB_RECEIPT;
	memcpy(j->token_hash, h, 32);
	memcpy(j->receipt_key, rk, 32);
	wipe(rk, sizeof rk);
	return submit(st, c, j, 0);
}

/* The committer's half of a receipt lookup: the code stored under the
 * receipt key (the logger adds a checkpoint of the durable log). */
void receipt_lookup(station *st, job *j)
{
	qerr e = store_box_receipt(st->box, j->receipt_key, j->code);
	wipe(j->receipt_key, sizeof j->receipt_key);
	if (e == Q_ERR_NOTFOUND) {
		job_fail(j, e, "not_cast",
		         "this token's ballot was cast before receipts were kept");
		return;
	}
	if (e != Q_OK)
		job_fail(j, e, "internal", "receipt lookup failed: %s", qerr_str(e));
}

/* ---- replies for finished jobs (loop thread) ---- */

static json_t *receipt(station *st, job *j)
{
	char code[65];
	st_hex(code, j->code, 32);
	return server_ok(json_pack(
	    "{s:s, s:I, s:s, s:s}", "tracking_code", code, "log_index", (json_int_t)j->log_index,
	    "checkpoint", j->checkpoint ? j->checkpoint : "", "log_origin", log_origin(st->log)));
}

void on_post(void *ctx, server *srv, void *item)
{
	station *st = ctx;
	job *j = item;
	json_t *reply = NULL;
	st->jobs_out--;
	if (j->kind == JOB_CHALLENGE && j->roll_stage && !j->roll_done) {
		/* not counted in the roll DB: nor in memory */
		cmap_ent *ce = cmap_find(&st->chal, j->token_hash);
		if (ce != NULL && ce->used && ce->v > 0)
			ce->v--;
	}
	if (j->kind == JOB_NAMED) {
		reply = named_done(st, j);
	} else if (j->kind == JOB_REISSUE) {
		reply = reissue_done(st, j);
	} else if (j->kind == JOB_CHECKIN) {
		reply = checkin_done(st, j);
	} else if (j->result != Q_OK) {
		reply = server_error(j->errcode ? j->errcode : "internal", "%s", j->msg);
		if (j->kind != JOB_ENCRYPT && j->kind != JOB_RECEIPT && j->result == Q_ERR_EXISTS &&
		    strcmp(j->errcode, "token_spent") == 0)
			(void)hset_add(&st->spent, j->token_hash);
	} else if (j->kind == JOB_ENCRYPT) {
		pending *p = pending_find(st, j->token_hash);
		if (p == NULL && st->npend == PENDING_MAX)
			pending_expire(st);
		if (p == NULL && st->npend < PENDING_MAX)
			p = &st->pend[st->npend++];
		if (p == NULL) {
			reply = server_error("busy", "too many ballots awaiting cast or challenge");
		} else {
			char code[65];
			pending_clear(p);
			memcpy(p->token_hash, j->token_hash, 32);
			memcpy(p->code, j->code, 32);
			p->enc = j->enc;
			p->enclen = j->enclen;
			p->op = j->op;
			p->made = st_mono_ms();
			j->enc = NULL;
			j->op = NULL;
			st_hex(code, p->code, 32);
			reply = server_ok(json_pack("{s:s}", "tracking_code", code));
		}
	} else if (j->kind == JOB_RECEIPT) {
		const cmap_ent *at = cmap_find(&st->cast_at, j->code);
		if (at == NULL || !at->used) {
			reply = server_error("internal", "receipt lookup failed: %s",
			                     "ballot not in the log");
		} else {
			j->log_index = at->v;
			reply = receipt(st, j);
		}
	} else if (j->kind == JOB_CAST) {
		if (j->encrypt_first)
			phase_add(&st->phases, j, st_mono_us());
		(void)hset_add(&st->spent, j->token_hash);
		if (cmap_put(&st->cast_at, j->code, j->log_index) != Q_OK)
			st_log(st, LOG_ERR, "out of memory indexing a receipt");
		st->cast++;
		reply = receipt(st, j);
	} else {
		st->challenged++;
		char code[65];
		st_hex(code, j->code, 32);
		json_t *opj = ballot_opening_to_json(st->style, j->op);
		reply = server_ok(json_pack("{s:s, s:o*, s:I, s:s}", "tracking_code", code,
		                            "opening", opj, "log_index", (json_int_t)j->log_index,
		                            "checkpoint", j->checkpoint ? j->checkpoint : ""));
	}
	inflight_del(st, j->token_hash);
	st_reply(st, j->conn, reply);
	job_free(j);
	if (st->have_close_conn && st->jobs_out == 0)
		finish_close(st, 1);
}

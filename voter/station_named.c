/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * station_named.c -- named votes at meetings (记名表决 / 举手表决), the
 * operator's `named-vote`: a poll worker records each attendee's hand
 * (赞成/反对/弃权) under the attendee's roll id in the station's signed log
 * (docs/spec/protocol.md P-6.6; the contest's "ballot": "named", E-2.1).
 *
 * The monitor re-checks what the worker parsed: the contest is a named
 * vote of the manifest, the voter is checked in here (roll DB), and has no
 * vote in this motion yet (st->named, rebuilt from the log at start-up).
 * The log entry is the record of the vote: appended (and synced) by the
 * logger thread in its next batch before the reply (JOB_NAMED: the loop
 * thread does not wait for the fsync); nothing else is stored.
 */
#include "station_int.h"

#include "banned.h"

static const char *const vote_name[3] = {"yes", "no", "abstain"};

json_t *op_named_vote(station *st, server_conn c, const ps_msg *m)
{
	const elec_contest *mc;
	char payload[NAMED_PAYLOAD_MAX];
	size_t plen;
	json_t *reply;
	if ((reply = st_need_open(st)) != NULL)
		return reply;
	if (m->vote > 2)
		return server_error("bad_request", "\"vote\" must be yes, no or abstain");
	mc = manifest_contest(st->m, m->contest);
	if (mc == NULL || !mc->named)
		return server_error("not_named",
		                    "contest %.64s is not a named vote of the manifest (E-2.1)",
		                    m->contest);
	if (named_payload_make(payload, sizeof payload, m->contest, m->str, vote_name[m->vote],
	                       &plen) != Q_OK)
		return server_error("bad_request", "\"voter\" must be a roll id");
	/* the roll and the acknowledged check-ins in memory: no roll-DB read
	 * (a check-in group may be committing) */
	if (st->roll == NULL || roll_find(st->roll, m->str) == NULL)
		return server_error("not_on_roll", "voter %s is not on the roll", m->str);
	if (!st_checked_in(st, m->str))
		return server_error("not_attending",
		                    "voter %s has not been checked in: attendance first (checkin)",
		                    m->str);
	if (named_tally_find(&st->named, m->contest, m->str) != NULL)
		return server_error("named_twice", "voter %s has already voted in motion %s",
		                    m->str, m->contest);
	for (const job *b = st->named_busy; b != NULL; b = b->busy_next)
		if (strcmp(b->contest, m->contest) == 0 && strcmp(b->voter, m->str) == 0)
			return server_error("named_twice",
			                    "voter %s's vote in motion %s is being recorded",
			                    m->str, m->contest);
	/* the log is the record: appended and synced by the logger (in its
	 * next batch) before the reply, made in on_post (named_done) */
	job *j = calloc(1, sizeof *j);
	if (j == NULL)
		return server_error("internal", "out of memory");
	j->kind = JOB_NAMED;
	j->conn = c;
	j->vote = m->vote;
	/* both ids checked by named_payload_make (manifest_id_ok) */
	snprintf(j->contest, sizeof j->contest, "%.*s", (int)sizeof j->contest - 1, m->contest);
	snprintf(j->voter, sizeof j->voter, "%.*s", (int)sizeof j->voter - 1, m->str);
	j->entry = st_entry_make(NAMED_ENTRY_TAG, payload, plen, NULL, 0, &j->entrylen);
	if (j->entry == NULL) {
		job_free(j);
		return server_error("internal", "out of memory");
	}
	j->busy_next = st->named_busy;
	st->named_busy = j;
	st->jobs_out++;
	jobq_push(&st->lq, j);
	return NULL;
}

/* The reply to a named vote the logger has made durable, or not (loop
 * thread, on_post): the vote joins st->named. */
json_t *named_done(station *st, job *j)
{
	char why[300];
	size_t plen;
	const uint8_t *p;
	qerr e;
	for (job **b = &st->named_busy; *b != NULL; b = &(*b)->busy_next)
		if (*b == j) {
			*b = j->busy_next;
			break;
		}
	if (j->result != Q_OK)
		return server_error(j->errcode ? j->errcode : "internal",
		                    "audit log: %s; the vote is not recorded", j->msg);
	p = st_entry_payload(j->entry, j->entrylen, NAMED_ENTRY_TAG, &plen);
	e = named_tally_add(&st->named, st->m, st->station_id, j->log_index, NULL, p, plen, why,
	                    sizeof why);
	if (e != Q_OK) /* only Q_ERR_NOMEM: the checks of op_named_vote passed */
		return server_error("internal", "%s", e == Q_ERR_NOMEM ? "out of memory" : why);
	st_log(st, LOG_INFO, "named vote recorded in motion %s (log index %llu)", j->contest,
	       (unsigned long long)j->log_index);
	return server_ok(json_pack("{s:s, s:s, s:s, s:I}", "contest", j->contest, "voter", j->voter,
	                           "vote", vote_name[j->vote], "log_index",
	                           (json_int_t)j->log_index));
}

qerr st_named_recover(station *st, uint64_t index, const uint8_t *entry, size_t len, char *err,
                      size_t errlen)
{
	size_t plen;
	const uint8_t *p = st_entry_payload(entry, len, NAMED_ENTRY_TAG, &plen);
	char why[300];
	qerr e;
	if (p == NULL)
		return Q_OK;
	e = named_tally_add(&st->named, st->m, st->station_id, index, NULL, p, plen, why,
	                    sizeof why);
	if (e != Q_OK && e != Q_ERR_NOMEM)
		snprintf(err, errlen, "%s", why);
	else if (e == Q_ERR_NOMEM)
		snprintf(err, errlen, "out of memory");
	return e == Q_OK ? Q_OK : (e == Q_ERR_NOMEM ? e : Q_ERR_CORRUPT);
}

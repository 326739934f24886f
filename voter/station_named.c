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
 * The log entry is the record of the vote: appended (and synced) before
 * the reply; nothing else is stored.
 */
#include "station_int.h"

#include "banned.h"

static const char *const vote_name[3] = {"yes", "no", "abstain"};

json_t *op_named_vote(station *st, server_conn c, const ps_msg *m)
{
	const elec_contest *mc;
	store_voter v;
	char payload[NAMED_PAYLOAD_MAX], why[300];
	size_t plen;
	uint64_t idx = 0;
	json_t *reply;
	qerr e;
	(void)c;
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
	pthread_mutex_lock(&st->roll_mu); /* a check-in group may be committing */
	e = store_roll_get(st->rolldb, m->str, &v);
	json_t *dberr = e != Q_OK && e != Q_ERR_NOTFOUND
	                    ? server_error("internal", "roll DB: %s", store_errmsg(st->rolldb))
	                    : NULL;
	pthread_mutex_unlock(&st->roll_mu);
	if (e == Q_ERR_NOTFOUND)
		return server_error("not_on_roll", "voter %s is not on the roll", m->str);
	if (e != Q_OK)
		return dberr;
	if (!v.checked_in)
		return server_error("not_attending",
		                    "voter %s has not been checked in: attendance first (checkin)",
		                    m->str);
	if (named_tally_find(&st->named, m->contest, m->str) != NULL)
		return server_error("named_twice", "voter %s has already voted in motion %s",
		                    m->str, m->contest);
	/* the log is the record: appended and synced before the reply */
	pthread_mutex_lock(&st->io_mu);
	e = st_log_text(st, NAMED_ENTRY_TAG, payload, &idx);
	pthread_mutex_unlock(&st->io_mu);
	if (e != Q_OK)
		return server_error("internal", "audit log: %s; the vote is not recorded",
		                    qerr_str(e));
	e = named_tally_add(&st->named, st->m, st->station_id, idx, NULL, (const uint8_t *)payload,
	                    plen, why, sizeof why);
	if (e != Q_OK) /* only Q_ERR_NOMEM: the checks above passed */
		return server_error("internal", "%s", e == Q_ERR_NOMEM ? "out of memory" : why);
	st_log(st, LOG_INFO, "named vote recorded in motion %s (log index %llu)", m->contest,
	       (unsigned long long)idx);
	return server_ok(json_pack("{s:s, s:s, s:s, s:I}", "contest", m->contest, "voter", m->str,
	                           "vote", vote_name[m->vote], "log_index", (json_int_t)idx));
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

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * station.c -- the polling station behind quorum-ballotd (station.h): request dispatch by role and
 * station_serve.
 */
#include "station_int.h"

#include <ctype.h>

#include "request.h"

#include "banned.h"

/* ---- requests (typed, privsep.h), from the worker or in-process ---- */

json_t *st_need_open(station *st)
{
	if (strcmp(st->state, "open") == 0)
		return NULL;
	if (strcmp(st->state, "new") == 0)
		return server_error("poll_not_open", "the poll has not been opened");
	return server_error("poll_closed", "the poll is closed");
}

static json_t *op_status(station *st, server_conn c, const ps_msg *m)
{
	pthread_mutex_lock(&st->cnt_mu);
	uint64_t ls = st->logsize;
	pthread_mutex_unlock(&st->cnt_mu);
	pending_expire(st);
	return server_ok(json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	                           "station", st->station_id, "election", st->m->id, "state",
	                           st->state, "registered", (json_int_t)st->eligible, "roll_rows",
	                           (json_int_t)st->registered, "checked_in", (json_int_t)st->issued,
	                           "cast", (json_int_t)st->cast, "challenged",
	                           (json_int_t)st->challenged, "log_size", (json_int_t)ls,
	                           "connections", (json_int_t)m->connections, "pending",
	                           (json_int_t)st->npend, "reissued", (json_int_t)st->reissued));
}

typedef json_t *(*op_fn)(station *st, server_conn c, const ps_msg *m);

/* By message type (privsep.h). */
static const op_fn ops[PS__REQ_LAST + 1] = {
    [PS_STATUS] = op_status,   [PS_IMPORT_ROLL] = op_import_roll,
    [PS_OPEN] = op_open,       [PS_CLOSE] = op_close,
    [PS_EXPORT] = op_export,   [PS_LOOKUP] = op_lookup,
    [PS_CHECKIN] = op_checkin, [PS_REISSUE] = op_reissue,
    [PS_BALLOT] = op_ballot,   [PS_ENCRYPT] = op_encrypt,
    [PS_CAST] = op_cast,       [PS_CHALLENGE] = op_challenge,
    [PS_RECEIPT] = op_receipt, [PS_NAMED_VOTE] = op_named_vote,
};

/* A check-in refused under a rule of the election's profiles is logged
 * with that rule's id (the journal's RULE=): roll_check_eligible's message
 * starts with it ("UL16.eligible: ..."; election/roll.h).  Only the
 * refusal's code and the rule go into the line, never the message (it
 * names the voter). */
static void log_refusal(const station *st, const json_t *reply)
{
	const json_t *err = json_object_get(reply, "error");
	const char *code = json_string_value(json_object_get(err, "code"));
	const char *msg = json_string_value(json_object_get(err, "message"));
	char rule[64];
	size_t n = 0, digits = 0;
	if (code == NULL || msg == NULL || !isupper((unsigned char)msg[0]))
		return;
	/* A rule id: a capital, then letters, digits, '.', '-', '_', with a
	 * digit among them ("UL16.eligible", "CH4.quorum"), then ':'. */
	while (n + 1 < sizeof rule &&
	       (isalnum((unsigned char)msg[n]) || msg[n] == '.' || msg[n] == '-' || msg[n] == '_'))
		digits += isdigit((unsigned char)msg[n++]) != 0;
	if (msg[n] != ':' || digits == 0)
		return;

	memcpy(rule, msg, n);
	rule[n] = '\0';
	st_log_rule(st, LOG_NOTICE, rule, "check-in refused: %s (%s)", code, rule);
}

json_t *st_dispatch(station *st, server_conn c, const ps_msg *m)
{
	if (m->type < 1 || m->type > PS__REQ_LAST || ops[m->type] == NULL)
		return server_error("internal", "no such operation");
	if (strcmp(st->state, "closing") == 0 && m->type != PS_STATUS && m->type != PS_CLOSE)
		return server_error("poll_closed", "the poll is closing");
	json_t *r = ops[m->type](st, c, m);
	if (m->type == PS_CHECKIN && r != NULL && json_is_false(json_object_get(r, "ok")))
		log_refusal(st, r);
	return r;
}

void st_reply(station *st, server_conn c, json_t *reply)
{
	if (st->chan_fd < 0) {
		server_reply(st->srv, c, reply);
		return;
	}
	st_monitor_reply(st, c, reply);
}

/* In-process (no privilege separation): parse and dispatch at once. */
static json_t *handler(void *ctx, server *srv, server_conn c, server_role role, json_t *req)
{
	station *st = ctx;
	ps_msg *m = malloc(sizeof *m);
	if (m == NULL)
		return server_error("internal", "out of memory");
	json_t *r =
	    request_parse(st->style, st->station_id, role, c, server_conn_count(srv), req, m);
	if (r == NULL)
		r = st_dispatch(st, c, m);
	wipe(m, sizeof *m);
	free(m);
	return r;
}

qerr st_start_threads(station *st, char *err, size_t errlen)
{
	for (int i = 0; i < STATION_WORKERS; i++) {
		if (pthread_create(&st->workers[i], NULL, worker_main, st) != 0) {
			snprintf(err, errlen, "cannot start worker thread");
			return Q_ERR_NOMEM;
		}
		st->nworkers++;
	}
	if (pthread_create(&st->committer, NULL, committer_main, st) != 0) {
		snprintf(err, errlen, "cannot start committer thread");
		return Q_ERR_NOMEM;
	}
	st->have_committer = 1;
	if (pthread_create(&st->logger, NULL, logger_main, st) != 0) {
		snprintf(err, errlen, "cannot start logger thread");
		return Q_ERR_NOMEM;
	}
	st->have_logger = 1;
	if (pthread_create(&st->roller, NULL, roll_committer_main, st) != 0) {
		snprintf(err, errlen, "cannot start roll committer thread");
		return Q_ERR_NOMEM;
	}
	st->have_roller = 1;
	return Q_OK;
}

qerr station_serve(station *st, char *err, size_t errlen)
{
	char paths[ROLE__COUNT][700];
	server_config sc;
	qerr e;
	memset(&sc, 0, sizeof sc);
	for (int r = 0; r < ROLE__COUNT; r++) {
		snprintf(paths[r], sizeof paths[r], "%s/%s.sock", st->sock_dir,
		         request_role_names[r]);
		sc.socket_path[r] = paths[r];
		sc.mode[r] = r == ROLE_ADMIN && !st->group_set[r] ? 0600 : 0660;
		sc.group_set[r] = st->group_set[r];
		sc.gid[r] = st->gid[r];
	}
	sc.read_timeout_ms = st->read_timeout_ms;
	sc.idle_timeout_ms = st->idle_timeout_ms;
	sc.handler = handler;
	sc.on_post = on_post;
	sc.ctx = st;
	if ((e = server_new(&st->srv, &sc, err, errlen)) != Q_OK)
		return e;
	if ((e = server_handle_signals(st->srv)) != Q_OK) {
		snprintf(err, errlen, "cannot install signal handling");
		return e;
	}
	if ((e = st_start_threads(st, err, errlen)) != Q_OK)
		return e;
	st_log(st, LOG_INFO, "listening in %s", st->sock_dir);
	e = server_run(st->srv);
	st_log(st, LOG_INFO, "shutting down");
	return e;
}

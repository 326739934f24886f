/*
 * station.c -- the polling station behind quorum-ballotd (station.h): request dispatch by role and
 * station_serve.
 */
#include "station_int.h"

#include "banned.h"

/* ---- request handlers ---- */

typedef json_t *(*op_fn)(station *st, server_conn c, json_t *req);

json_t *st_need_open(station *st)
{
	if (strcmp(st->state, "open") == 0)
		return NULL;
	if (strcmp(st->state, "new") == 0)
		return server_error("poll_not_open", "the poll has not been opened");
	return server_error("poll_closed", "the poll is closed");
}

static json_t *op_ping(station *st, server_conn c, json_t *req)
{
	return server_ok(json_pack("{s:s}", "station", st->station_id));
}

static json_t *op_status(station *st, server_conn c, json_t *req)
{
	pthread_mutex_lock(&st->cnt_mu);
	uint64_t ls = st->logsize;
	pthread_mutex_unlock(&st->cnt_mu);
	pending_expire(st);
	return server_ok(
	    json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "station",
	              st->station_id, "election", st->m->id, "state", st->state, "registered",
	              (json_int_t)st->registered, "checked_in", (json_int_t)st->issued, "cast",
	              (json_int_t)st->cast, "challenged", (json_int_t)st->challenged, "log_size",
	              (json_int_t)ls, "connections", (json_int_t)server_conn_count(st->srv),
	              "pending", (json_int_t)st->npend, "reissued", (json_int_t)st->reissued));
}

/* ---- role tables ---- */

typedef struct op_entry {
	const char *name;
	op_fn fn;
} op_entry;

static const op_entry admin_ops[] = {
    {"ping", op_ping},   {"status", op_status},           {"open", op_open},
    {"close", op_close}, {"import-roll", op_import_roll}, {"export", op_export},
    {NULL, NULL},
};
static const op_entry operator_ops[] = {
    {"ping", op_ping},     {"status", op_status},   {"lookup", op_lookup}, {"checkin", op_checkin},
    {"issue", op_checkin}, {"reissue", op_reissue}, {NULL, NULL},
};
static const op_entry booth_ops[] = {
    {"ping", op_ping}, {"ballot", op_ballot},       {"encrypt", op_encrypt},
    {"cast", op_cast}, {"challenge", op_challenge}, {"receipt", op_receipt},
    {NULL, NULL},
};
static const op_entry *const role_ops[ROLE__COUNT] = {admin_ops, operator_ops, booth_ops};
static const char *const role_names[ROLE__COUNT] = {"admin", "operator", "booth"};

static json_t *handler(void *ctx, server *srv, server_conn c, server_role role, json_t *req)
{
	station *st = ctx;
	const char *op = json_string_value(json_object_get(req, "op"));
	if (op == NULL)
		return server_error("bad_request", "request needs a string member \"op\"");
	if (strcmp(st->state, "closing") == 0 && strcmp(op, "ping") != 0 &&
	    strcmp(op, "status") != 0 && strcmp(op, "close") != 0)
		return server_error("poll_closed", "the poll is closing");
	for (const op_entry *e = role_ops[role]; e->name; e++)
		if (strcmp(e->name, op) == 0)
			return e->fn(st, c, req);
	for (int r = 0; r < ROLE__COUNT; r++)
		for (const op_entry *e = role_ops[r]; e->name; e++)
			if (strcmp(e->name, op) == 0)
				return server_error(
				    "wrong_role",
				    "operation \"%s\" is not allowed on the %s socket "
				    "(use the %s socket)",
				    op, role_names[role], role_names[r]);
	return server_error("unknown_op", "unknown operation \"%.64s\"", op);
}

qerr station_serve(station *st, char *err, size_t errlen)
{
	char paths[ROLE__COUNT][700];
	server_config sc;
	qerr e;
	memset(&sc, 0, sizeof sc);
	for (int r = 0; r < ROLE__COUNT; r++) {
		snprintf(paths[r], sizeof paths[r], "%s/%s.sock", st->state_dir, role_names[r]);
		sc.socket_path[r] = paths[r];
		sc.mode[r] = r == ROLE_ADMIN ? 0600 : 0660;
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
	st_log(st, LOG_INFO, "listening in %s", st->state_dir);
	e = server_run(st->srv);
	st_log(st, LOG_INFO, "shutting down");
	return e;
}

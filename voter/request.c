/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * request.c -- the worker's request parser (request.h).
 */
#include "request.h"

#include <string.h>

#include "crypto/util.h"
#include "election/writein.h"

#include "banned.h"

const char *const request_role_names[ROLE__COUNT] = {"admin", "operator", "booth"};

typedef struct op_entry {
	const char *name;
	uint32_t type; /* 0: ping (the worker answers) */
} op_entry;

static const op_entry admin_ops[] = {
    {"ping", 0},         {"status", PS_STATUS},           {"open", PS_OPEN},
    {"close", PS_CLOSE}, {"import-roll", PS_IMPORT_ROLL}, {"export", PS_EXPORT},
    {NULL, 0},
};
static const op_entry operator_ops[] = {
    {"ping", 0},
    {"status", PS_STATUS},
    {"lookup", PS_LOOKUP},
    {"checkin", PS_CHECKIN},
    {"issue", PS_CHECKIN},
    {"reissue", PS_REISSUE},
    {"named-vote", PS_NAMED_VOTE},
    {NULL, 0},
};
static const op_entry booth_ops[] = {
    {"ping", 0},       {"ballot", PS_BALLOT},       {"encrypt", PS_ENCRYPT},
    {"cast", PS_CAST}, {"challenge", PS_CHALLENGE}, {"receipt", PS_RECEIPT},
    {NULL, 0},
};
static const op_entry *const role_ops[ROLE__COUNT] = {admin_ops, operator_ops, booth_ops};

/* Token string: exactly 32 lower-case hex digits (the one canonical form,
 * P-4.4) -> the 16 raw bytes. */
static int token_parse(const json_t *req, uint8_t raw[PS_TOKEN_LEN])
{
	const json_t *tj = json_object_get(req, "token");
	const char *t = json_string_value(tj);
	if (t == NULL || json_string_length(tj) != 2 * PS_TOKEN_LEN)
		return 0;
	for (size_t i = 0; i < 2 * PS_TOKEN_LEN; i++)
		if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')))
			return 0;
	return hex_decode(raw, PS_TOKEN_LEN, t, 2 * PS_TOKEN_LEN) == Q_OK;
}

/* write_ins: [["name", null, ..], ..] per contest, one entry per write-in
 * slot (B-10; a contest without slots has []), each normalised (B-10.9)
 * into m->names (secret).  Absent: no names (a marked slot is refused). */
static json_t *parse_write_ins(const ballot_style *sty, const json_t *req, ps_msg *m)
{
	const json_t *wj = json_object_get(req, "write_ins");
	const char *ptrs[PS_NAMES_MAX];
	char why[200];
	if (sty->total_writein == 0) {
		if (wj != NULL)
			return server_error("bad_write_in", "this ballot has no write-in slots");
		return NULL;
	}
	if (sty->total_writein > PS_NAMES_MAX)
		return server_error("bad_write_in", "more than %d write-in slots", PS_NAMES_MAX);
	if (wj != NULL && (!json_is_array(wj) || json_array_size(wj) != sty->ncontests))
		return server_error("bad_write_in",
		                    "\"write_ins\" must be an array of %zu contests",
		                    sty->ncontests);
	size_t q = 0;
	for (size_t i = 0; i < sty->ncontests; i++) {
		const json_t *cj = json_array_get(wj, i);
		uint32_t nw = sty->contests[i].nwritein;
		if (wj != NULL && (!json_is_array(cj) || json_array_size(cj) != nw))
			return server_error("bad_write_in",
			                    "contest %zu: %u write-in names expected", i, nw);
		for (uint32_t s = 0; s < nw; s++, q++) {
			const json_t *v = json_array_get(cj, s);
			size_t len = 0;
			m->names[q][0] = '\0';
			ptrs[q] = m->names[q];
			if (v == NULL || json_is_null(v))
				continue;
			if (!json_is_string(v))
				return server_error("bad_write_in",
				                    "contest %zu write-in %u: a string or null", i,
				                    s);
			qerr e = writein_normalise(json_string_value(v), json_string_length(v),
			                           m->names[q], sizeof m->names[q], &len);
			if (e != Q_OK)
				return server_error(
				    "bad_write_in", "contest %zu write-in %u: %s (B-10.9)", i, s,
				    e == Q_ERR_RANGE ? "the name is longer than 59 bytes"
				                     : "the name is not UTF-8 or holds a control "
				                       "character");
		}
	}
	m->nnames = q;
	if (ballot_names_check(sty, m->marks, m->nmarks, ptrs, q, why, sizeof why) != Q_OK)
		return server_error("bad_write_in", "%s", why);
	return NULL;
}

/* marks: [[0,1,..],..] per contest -> flat bytes (secret). */
static json_t *parse_marks(const ballot_style *sty, const json_t *req, ps_msg *m)
{
	const json_t *mj = json_object_get(req, "marks");
	char why[200];
	if (!json_is_array(mj) || json_array_size(mj) != sty->ncontests)
		return server_error("bad_marks", "\"marks\" must be an array of %zu contests",
		                    sty->ncontests);
	size_t k = 0;
	for (size_t i = 0; i < sty->ncontests; i++) {
		const json_t *cj = json_array_get(mj, i);
		if (!json_is_array(cj) || json_array_size(cj) != sty->contests[i].noptions)
			return server_error("bad_marks", "contest %zu: %u marks expected", i,
			                    sty->contests[i].noptions);
		for (size_t j = 0; j < sty->contests[i].noptions; j++) {
			const json_t *v = json_array_get(cj, j);
			if (!json_is_integer(v) ||
			    (json_integer_value(v) != 0 && json_integer_value(v) != 1) ||
			    k >= PS_MARKS_MAX)
				return server_error("bad_marks",
				                    "contest %zu option %zu: mark must be 0 "
				                    "or 1",
				                    i, j);
			m->marks[k++] = (uint8_t)json_integer_value(v);
		}
	}
	if (ballot_marks_check(sty, m->marks, k, why, sizeof why) != Q_OK)
		return server_error("bad_marks", "%s", why);
	m->nmarks = k;
	m->has_marks = 1;
	return parse_write_ins(sty, req, m);
}

/* A missing or malformed code is left out (has_code 0): the monitor
 * answers bad_request after its token checks, as it always has. */
static json_t *parse_code(const json_t *req, ps_msg *m)
{
	const char *code = json_string_value(json_object_get(req, "tracking_code"));
	if (code != NULL && hex_decode(m->code, PS_CODE_LEN, code, strlen(code)) == Q_OK)
		m->has_code = 1;
	else
		memset(m->code, 0, sizeof m->code);
	return NULL;
}

static json_t *parse_id(const json_t *req, const char *key, char *out)
{
	const char *id = json_string_value(json_object_get(req, key));
	if (id == NULL || strlen(id) > PS_ID_MAX)
		return server_error("bad_request", "\"%s\" must be a roll id", key);
	memcpy(out, id, strlen(id) + 1);
	return NULL;
}

static json_t *parse_fields(const ballot_style *style, const json_t *req, ps_msg *m)
{
	json_t *r = NULL;
	switch (m->type) {
	case PS_IMPORT_ROLL: {
		const char *path = json_string_value(json_object_get(req, "path"));
		if (path == NULL || path[0] != '/' || strlen(path) > PS_STR_MAX)
			return server_error("bad_request",
			                    "\"path\" must be an absolute path to the roll CSV");
		memcpy(m->str, path, strlen(path) + 1);
		return NULL;
	}
	case PS_LOOKUP:
	case PS_REISSUE:
		return parse_id(req, "voter", m->str);
	case PS_NAMED_VOTE: { /* P-6.6: voter, contest, vote yes|no|abstain */
		const char *v = json_string_value(json_object_get(req, "vote"));
		static const char *const vn[] = {"yes", "no", "abstain"};
		if ((r = parse_id(req, "voter", m->str)) != NULL ||
		    (r = parse_id(req, "contest", m->contest)) != NULL)
			return r;
		for (uint8_t k = 0; v != NULL && k < 3; k++)
			if (strcmp(v, vn[k]) == 0) {
				m->vote = k;
				return NULL;
			}
		return server_error("bad_request", "\"vote\" must be yes, no or abstain");
	}
	case PS_CHECKIN:
		if ((r = parse_id(req, "voter", m->str)) != NULL)
			return r;
		if (json_object_get(req, "proxy") == NULL)
			return NULL;
		m->has_proxy = 1;
		return parse_id(req, "proxy", m->proxy);
	case PS_BALLOT:
	case PS_ENCRYPT:
	case PS_CAST:
	case PS_CHALLENGE:
	case PS_RECEIPT:
		if (!token_parse(req, m->token))
			return server_error("bad_request",
			                    "\"token\" must be the 32 lower-case hex "
			                    "digits printed at check-in");
		if (m->type == PS_ENCRYPT)
			return parse_marks(style, req, m);
		if (m->type == PS_CHALLENGE)
			return parse_code(req, m);
		if (m->type != PS_CAST)
			return NULL;
		if (json_object_get(req, "marks") == NULL)
			return parse_code(req, m);
		if (json_object_get(req, "tracking_code") != NULL)
			return server_error("bad_request", "give either \"marks\" or "
			                                   "\"tracking_code\", not both");
		return parse_marks(style, req, m);
	default:
		return NULL;
	}
}

json_t *request_parse(const ballot_style *style, const char *station_id, server_role role,
                      server_conn conn, size_t connections, const json_t *req, ps_msg *m)
{
	const char *op = json_string_value(json_object_get(req, "op"));
	memset(m, 0, sizeof *m);
	if (op == NULL)
		return server_error("bad_request", "request needs a string member \"op\"");
	for (const op_entry *e = role_ops[role]; e->name; e++) {
		if (strcmp(e->name, op) != 0)
			continue;
		if (e->type == 0)
			return server_ok(json_pack("{s:s}", "station", station_id));
		m->type = e->type;
		m->conn = conn;
		m->connections = connections > UINT32_MAX ? UINT32_MAX : (uint32_t)connections;
		json_t *r = parse_fields(style, req, m);
		if (r != NULL) {
			wipe(m, sizeof *m);
			m->type = 0;
		}
		return r;
	}
	for (int r = 0; r < ROLE__COUNT; r++)
		for (const op_entry *e = role_ops[r]; e->name; e++)
			if (strcmp(e->name, op) == 0)
				return server_error(
				    "wrong_role",
				    "operation \"%s\" is not allowed on the %s socket "
				    "(use the %s socket)",
				    op, request_role_names[role], request_role_names[r]);
	return server_error("unknown_op", "unknown operation \"%.64s\"", op);
}

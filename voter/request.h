/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * request.h -- the worker's request parser: one JSON request of the
 * socket protocol (docs/protocol.md) from a client of a role, checked
 * and turned into the typed monitor message of privsep.h (P-9).
 *
 * Every field is validated here (types, lengths, the token's canonical
 * form, the marks' shape against the ballot style); the monitor checks
 * again what it relies on.  Requests the worker answers itself (ping,
 * malformed requests, an operation of another role) never reach the
 * monitor.
 */
#ifndef QUORUM_VOTER_REQUEST_H
#define QUORUM_VOTER_REQUEST_H

#include <jansson.h>

#include "election/ballot.h"
#include "privsep.h"
#include "server.h"

/* The role of each socket by name: "admin", "operator", "booth". */
extern const char *const request_role_names[ROLE__COUNT];

/* Parse req (any JSON value) from a client of role.  Returns a reply to
 * send at once (an error, or ping's answer), or NULL with *m filled
 * (m->conn = conn) to send to the monitor.  Secrets in *m (token, marks)
 * are the caller's to wipe.  Never fails on any input. */
json_t *request_parse(const ballot_style *style, const char *station_id, server_role role,
                      server_conn conn, size_t connections, const json_t *req, ps_msg *m);

#endif

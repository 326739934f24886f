/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * privsep.h -- the messages between quorum-ballotd's worker and its
 * monitor (docs/spec/protocol.md P-9).
 *
 * The worker (unprivileged, sandboxed) accepts the socket connections and
 * parses and validates every JSON request; what needs the station's keys
 * or stores it asks the monitor, which holds the Ed25519 log-signing key
 * and the SQLCipher keys, with one message of a fixed set of types.  The
 * monitor answers with the client's JSON reply for that connection.
 *
 * Framing (all integers big-endian):
 *   u32 type || u32 len || body (len bytes)
 * A request body starts with u64 conn (the worker's connection id) and
 * holds the fields of its type in a fixed order: str = u16 n || n bytes
 * (no NUL), token = 16 bytes, code = 32 bytes, marks = u16 n || n bytes
 * each 0 or 1, then -- only when the style has write-in slots (B-10) --
 * names = u8 k || k times (u8 len || len bytes of a normalised name, no
 * NUL), 1 <= k <= PS_NAMES_MAX, len <= PS_NAME_MAX.  ps_decode accepts a message only if every
 * field is in range and the body is consumed exactly.
 */
#ifndef QUORUM_VOTER_PRIVSEP_H
#define QUORUM_VOTER_PRIVSEP_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/qerr.h"

#define PS_HDR_LEN 8
#define PS_TOKEN_LEN 16
#define PS_CODE_LEN 32
#define PS_STR_MAX 4095 /* import-roll path */
#define PS_ID_MAX 255 /* voter ids (STORE_FIELD_MAX - 1) */
#define PS_MARKS_MAX 4096 /* BALLOT_MAX_CONTESTS * BALLOT_MAX_OPTIONS */
#define PS_NAMES_MAX 16 /* write-in slots of a style (B-10) the daemon takes */
#define PS_NAME_MAX 59 /* WRITEIN_NAME_MAX (C-8.6) */
#define PS_REQ_MAX (PS_HDR_LEN + 8 + 2 + PS_MARKS_MAX + 64 + 1 + PS_NAMES_MAX * (1 + PS_NAME_MAX))
#define PS_REPLY_MAX (1024u * 1024 * 1024) /* a reply's JSON (export holds the record) */

/* Worker -> monitor (requests).  The values are the wire's. */
typedef enum ps_type {
	PS_STATUS = 1, /* conn, u32 connections */
	PS_IMPORT_ROLL = 2, /* conn, str path (absolute) */
	PS_OPEN = 3, /* conn */
	PS_CLOSE = 4, /* conn */
	PS_EXPORT = 5, /* conn */
	PS_LOOKUP = 6, /* conn, str voter */
	PS_CHECKIN = 7, /* conn, str voter, u8 has_proxy, str proxy */
	PS_REISSUE = 8, /* conn, str voter */
	PS_BALLOT = 9, /* conn, token */
	PS_ENCRYPT = 10, /* conn, token, marks */
	PS_CAST = 11, /* conn, token, u8 form (0: neither, 1: marks, 2: code), marks | code */
	PS_CHALLENGE = 12, /* conn, token, u8 has_code, code (if has_code) */
	PS_RECEIPT = 13, /* conn, token */
	PS_NAMED_VOTE = 14, /* conn, str voter, str contest, u8 vote (0 yes, 1 no, 2 abstain) */
	PS__REQ_LAST = PS_NAMED_VOTE,
	/* Monitor -> worker. */
	PS_REPLY = 0x8001, /* conn, u32 n, n bytes of the JSON reply */
} ps_type;

/* One decoded request (fields unused by its type are zero). */
typedef struct ps_msg {
	uint32_t type;
	uint64_t conn;
	uint32_t connections; /* PS_STATUS */
	char str[PS_STR_MAX + 1]; /* PS_IMPORT_ROLL path, voter id */
	int has_proxy;
	char proxy[PS_ID_MAX + 1];
	uint8_t token[PS_TOKEN_LEN];
	int has_marks; /* PS_ENCRYPT, PS_CAST form 1 */
	uint8_t marks[PS_MARKS_MAX];
	size_t nmarks;
	size_t nnames; /* with marks: the write-in names (secret), B-2 slot order */
	char names[PS_NAMES_MAX][PS_NAME_MAX + 1];
	int has_code; /* PS_CHALLENGE, PS_CAST form 2 */
	uint8_t code[PS_CODE_LEN];
	char contest[PS_ID_MAX + 1]; /* PS_NAMED_VOTE */
	uint8_t vote; /* PS_NAMED_VOTE: 0 yes, 1 no, 2 abstain */
} ps_msg;

/* The name of a request type ("checkin", ...), or NULL if none. */
const char *ps_type_name(uint32_t type);

/* Encode m into buf (cap >= PS_REQ_MAX always suffices); *len the bytes
 * written.  Q_ERR_ARG if a field is out of range (the same ranges
 * ps_decode enforces). */
Q_MUST_CHECK qerr ps_encode(const ps_msg *m, uint8_t *buf, size_t cap, size_t *len);

/* The body length a header announces, or Q_ERR_FORMAT (why says what) if
 * the type is not a request or the length exceeds PS_REQ_MAX. */
Q_MUST_CHECK qerr ps_header(const uint8_t hdr[PS_HDR_LEN], uint32_t *type, uint32_t *len, char *why,
                            size_t whylen);

/* Decode one whole request (header and body, len bytes) strictly.  On
 * failure Q_ERR_FORMAT, m is zeroed and why names the bad field. */
Q_MUST_CHECK qerr ps_decode(const uint8_t *buf, size_t len, ps_msg *m, char *why, size_t whylen);

/* A PS_REPLY frame: header || conn || u32 n || json (n bytes), malloc'd. */
Q_MUST_CHECK qerr ps_reply_encode(uint64_t conn, const char *json, size_t n, uint8_t **out,
                                  size_t *outlen);

/* Decode a PS_REPLY body (after the header): *json points into body. */
Q_MUST_CHECK qerr ps_reply_decode(const uint8_t *body, size_t len, uint64_t *conn,
                                  const char **json, size_t *n);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * privsep.c -- the worker/monitor messages (privsep.h, P-9): encoder and
 * the monitor's strict decoder.
 */
#include "privsep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

static const char *const names[PS__REQ_LAST + 1] = {
    NULL,      "status", "import-roll", "open", "close",     "export",  "lookup",     "checkin",
    "reissue", "ballot", "encrypt",     "cast", "challenge", "receipt", "named-vote",
};

const char *ps_type_name(uint32_t type)
{
	return type >= 1 && type <= PS__REQ_LAST ? names[type] : NULL;
}

/* ---- writer ---- */

typedef struct wr {
	uint8_t *p;
	size_t cap, n;
	int bad;
} wr;

static void w_bytes(wr *w, const void *b, size_t n)
{
	if (w->bad || n > w->cap - w->n) {
		w->bad = 1;
		return;
	}
	memcpy(w->p + w->n, b, n);
	w->n += n;
}

static void w_u(wr *w, uint64_t v, size_t n)
{
	uint8_t b[8];
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	w_bytes(w, b, n);
}

static void w_str(wr *w, const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);
	if (n > max) {
		w->bad = 1;
		return;
	}
	w_u(w, n, 2);
	w_bytes(w, s, n);
}

static void w_marks(wr *w, const ps_msg *m)
{
	if (m->nmarks > PS_MARKS_MAX) {
		w->bad = 1;
		return;
	}
	for (size_t i = 0; i < m->nmarks; i++)
		if (m->marks[i] > 1)
			w->bad = 1;
	w_u(w, m->nmarks, 2);
	w_bytes(w, m->marks, m->nmarks);
	/* P-9.x: the write-in names, only if there are any */
	if (m->nnames == 0)
		return;
	if (m->nnames > PS_NAMES_MAX) {
		w->bad = 1;
		return;
	}
	w_u(w, m->nnames, 1);
	for (size_t i = 0; i < m->nnames; i++) {
		size_t l = strnlen(m->names[i], PS_NAME_MAX + 1);
		if (l > PS_NAME_MAX) {
			w->bad = 1;
			return;
		}
		w_u(w, l, 1);
		w_bytes(w, m->names[i], l);
	}
}

qerr ps_encode(const ps_msg *m, uint8_t *buf, size_t cap, size_t *len)
{
	wr w = {buf, cap, 0, 0};
	if (ps_type_name(m->type) == NULL)
		return Q_ERR_ARG;
	w_u(&w, m->type, 4);
	w_u(&w, 0, 4); /* length, below */
	w_u(&w, m->conn, 8);
	switch (m->type) {
	case PS_STATUS:
		w_u(&w, m->connections, 4);
		break;
	case PS_IMPORT_ROLL:
		if (m->str[0] != '/')
			return Q_ERR_ARG;
		w_str(&w, m->str, PS_STR_MAX);
		break;
	case PS_LOOKUP:
	case PS_REISSUE:
		w_str(&w, m->str, PS_ID_MAX);
		break;
	case PS_NAMED_VOTE:
		if (m->vote > 2)
			return Q_ERR_ARG;
		w_str(&w, m->str, PS_ID_MAX);
		w_str(&w, m->contest, PS_ID_MAX);
		w_u(&w, m->vote, 1);
		break;
	case PS_CHECKIN:
		w_str(&w, m->str, PS_ID_MAX);
		w_u(&w, m->has_proxy ? 1 : 0, 1);
		w_str(&w, m->has_proxy ? m->proxy : "", PS_ID_MAX);
		break;
	case PS_BALLOT:
	case PS_RECEIPT:
		w_bytes(&w, m->token, PS_TOKEN_LEN);
		break;
	case PS_ENCRYPT:
		w_bytes(&w, m->token, PS_TOKEN_LEN);
		w_marks(&w, m);
		break;
	case PS_CAST:
		w_bytes(&w, m->token, PS_TOKEN_LEN);
		if (m->has_marks && m->has_code)
			return Q_ERR_ARG;
		w_u(&w, m->has_marks ? 1 : m->has_code ? 2 : 0, 1);
		if (m->has_marks)
			w_marks(&w, m);
		else if (m->has_code)
			w_bytes(&w, m->code, PS_CODE_LEN);
		break;
	case PS_CHALLENGE:
		w_bytes(&w, m->token, PS_TOKEN_LEN);
		w_u(&w, m->has_code ? 1 : 0, 1);
		if (m->has_code)
			w_bytes(&w, m->code, PS_CODE_LEN);
		break;
	default: /* PS_OPEN, PS_CLOSE, PS_EXPORT: conn only */
		break;
	}
	if (w.bad)
		return Q_ERR_ARG;
	uint32_t bl = (uint32_t)(w.n - PS_HDR_LEN);
	for (int i = 0; i < 4; i++)
		buf[4 + i] = (uint8_t)(bl >> (8 * (3 - i)));
	*len = w.n;
	return Q_OK;
}

/* ---- strict reader ---- */

typedef struct rd {
	const uint8_t *p;
	size_t n, off;
	const char *bad; /* the first field that failed */
} rd;

static int r_bytes(rd *r, void *out, size_t n, const char *what)
{
	if (r->bad != NULL)
		return -1;
	if (n > r->n - r->off) {
		r->bad = what;
		return -1;
	}
	memcpy(out, r->p + r->off, n);
	r->off += n;
	return 0;
}

static uint64_t r_u(rd *r, size_t n, const char *what)
{
	uint8_t b[8];
	uint64_t v = 0;
	if (r_bytes(r, b, n, what) != 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		v = (v << 8) | b[i];
	return v;
}

/* A string of at most max bytes, no NUL, into out (max + 1 bytes). */
static void r_str(rd *r, char *out, size_t max, const char *what)
{
	size_t n = (size_t)r_u(r, 2, what);
	if (r->bad != NULL)
		return;
	if (n > max) {
		r->bad = what;
		return;
	}
	if (r_bytes(r, out, n, what) != 0)
		return;
	out[n] = '\0';
	if (memchr(out, '\0', n) != NULL)
		r->bad = what;
}

static void r_marks(rd *r, ps_msg *m)
{
	size_t n = (size_t)r_u(r, 2, "marks");
	if (r->bad != NULL)
		return;
	if (n == 0 || n > PS_MARKS_MAX) {
		r->bad = "marks";
		return;
	}
	if (r_bytes(r, m->marks, n, "marks") != 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (m->marks[i] > 1)
			r->bad = "marks";
	m->nmarks = n;
	m->has_marks = 1;
	/* the write-in names, present only if bytes follow the marks */
	if (r->bad != NULL || r->off == r->n)
		return;
	size_t k = (size_t)r_u(r, 1, "names");
	if (r->bad == NULL && (k == 0 || k > PS_NAMES_MAX))
		r->bad = "names";
	for (size_t i = 0; r->bad == NULL && i < k; i++) {
		size_t l = (size_t)r_u(r, 1, "name");
		if (r->bad == NULL && l > PS_NAME_MAX)
			r->bad = "name";
		if (r_bytes(r, m->names[i], l, "name") != 0)
			break;
		m->names[i][l] = '\0';
		if (memchr(m->names[i], '\0', l) != NULL)
			r->bad = "name";
	}
	m->nnames = k;
}

qerr ps_header(const uint8_t hdr[PS_HDR_LEN], uint32_t *type, uint32_t *len, char *why,
               size_t whylen)
{
	*type = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
	*len = (uint32_t)hdr[4] << 24 | (uint32_t)hdr[5] << 16 | (uint32_t)hdr[6] << 8 | hdr[7];
	if (ps_type_name(*type) == NULL) {
		snprintf(why, whylen, "unknown message type %u", (unsigned)*type);
		return Q_ERR_FORMAT;
	}
	if (*len > PS_REQ_MAX - PS_HDR_LEN) {
		snprintf(why, whylen, "%s: length %u over the limit", ps_type_name(*type),
		         (unsigned)*len);
		return Q_ERR_FORMAT;
	}
	return Q_OK;
}

qerr ps_decode(const uint8_t *buf, size_t len, ps_msg *m, char *why, size_t whylen)
{
	uint32_t type, bl;
	memset(m, 0, sizeof *m);
	if (len < PS_HDR_LEN) {
		snprintf(why, whylen, "truncated header (%zu bytes)", len);
		return Q_ERR_FORMAT;
	}
	if (ps_header(buf, &type, &bl, why, whylen) != Q_OK)
		return Q_ERR_FORMAT;
	if (bl != len - PS_HDR_LEN) {
		snprintf(why, whylen, "%s: length field %u but %zu body bytes", ps_type_name(type),
		         (unsigned)bl, len - PS_HDR_LEN);
		return Q_ERR_FORMAT;
	}
	rd r = {buf + PS_HDR_LEN, bl, 0, NULL};
	m->type = type;
	m->conn = r_u(&r, 8, "conn");
	switch (type) {
	case PS_STATUS:
		m->connections = (uint32_t)r_u(&r, 4, "connections");
		break;
	case PS_IMPORT_ROLL:
		r_str(&r, m->str, PS_STR_MAX, "path");
		if (r.bad == NULL && m->str[0] != '/')
			r.bad = "path (not absolute)";
		break;
	case PS_LOOKUP:
	case PS_REISSUE:
		r_str(&r, m->str, PS_ID_MAX, "voter");
		break;
	case PS_NAMED_VOTE: {
		r_str(&r, m->str, PS_ID_MAX, "voter");
		r_str(&r, m->contest, PS_ID_MAX, "contest");
		uint64_t v = r_u(&r, 1, "vote");
		if (r.bad == NULL && v > 2)
			r.bad = "vote";
		m->vote = (uint8_t)v;
		break;
	}
	case PS_CHECKIN: {
		r_str(&r, m->str, PS_ID_MAX, "voter");
		uint64_t hp = r_u(&r, 1, "has_proxy");
		if (r.bad == NULL && hp > 1)
			r.bad = "has_proxy";
		m->has_proxy = hp == 1;
		r_str(&r, m->proxy, PS_ID_MAX, "proxy");
		if (r.bad == NULL && !m->has_proxy && m->proxy[0] != '\0')
			r.bad = "proxy (given without has_proxy)";
		break;
	}
	case PS_BALLOT:
	case PS_RECEIPT:
		r_bytes(&r, m->token, PS_TOKEN_LEN, "token");
		break;
	case PS_ENCRYPT:
		r_bytes(&r, m->token, PS_TOKEN_LEN, "token");
		r_marks(&r, m);
		break;
	case PS_CAST: {
		r_bytes(&r, m->token, PS_TOKEN_LEN, "token");
		uint64_t form = r_u(&r, 1, "form");
		if (r.bad == NULL && form == 1) {
			r_marks(&r, m);
		} else if (r.bad == NULL && form == 2) {
			r_bytes(&r, m->code, PS_CODE_LEN, "tracking_code");
			m->has_code = 1;
		} else if (r.bad == NULL && form != 0) {
			r.bad = "form";
		}
		break;
	}
	case PS_CHALLENGE: {
		r_bytes(&r, m->token, PS_TOKEN_LEN, "token");
		uint64_t hc = r_u(&r, 1, "has_code");
		if (r.bad == NULL && hc > 1)
			r.bad = "has_code";
		if (r.bad == NULL && hc == 1) {
			r_bytes(&r, m->code, PS_CODE_LEN, "tracking_code");
			m->has_code = 1;
		}
		break;
	}
	default: /* PS_OPEN, PS_CLOSE, PS_EXPORT */
		break;
	}
	if (r.bad == NULL && r.off != r.n) {
		snprintf(why, whylen, "%s: %zu trailing bytes", ps_type_name(type), r.n - r.off);
		memset(m, 0, sizeof *m);
		return Q_ERR_FORMAT;
	}
	if (r.bad != NULL) {
		snprintf(why, whylen, "%s: bad or missing %s", ps_type_name(type), r.bad);
		memset(m, 0, sizeof *m);
		return Q_ERR_FORMAT;
	}
	return Q_OK;
}

qerr ps_reply_encode(uint64_t conn, const char *json, size_t n, uint8_t **out, size_t *outlen)
{
	*out = NULL;
	if (n > PS_REPLY_MAX)
		return Q_ERR_LIMIT;
	size_t tl = PS_HDR_LEN + 8 + 4 + n;
	uint8_t *b = malloc(tl);
	if (b == NULL)
		return Q_ERR_NOMEM;
	wr w = {b, tl, 0, 0};
	w_u(&w, PS_REPLY, 4);
	w_u(&w, 12 + n, 4);
	w_u(&w, conn, 8);
	w_u(&w, n, 4);
	w_bytes(&w, json, n);
	*out = b;
	*outlen = tl;
	return Q_OK;
}

qerr ps_reply_decode(const uint8_t *body, size_t len, uint64_t *conn, const char **json, size_t *n)
{
	rd r = {body, len, 0, NULL};
	*conn = r_u(&r, 8, "conn");
	*n = (size_t)r_u(&r, 4, "length");
	if (r.bad != NULL || *n != len - 12)
		return Q_ERR_FORMAT;
	*json = (const char *)body + 12;
	return Q_OK;
}

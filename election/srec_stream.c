/* SPDX-License-Identifier: GPL-3.0-or-later */
/* srec_stream.c -- see srec_stream.h. */
#include "election/srec_stream.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sha256.h"
#include "crypto/util.h"

#include "banned.h"

/* 1 MiB reads (fewer system calls; the records of a 1,000,000-ballot
 * election are ~4.4 GB).  Session 9: a file just dropped from the page
 * cache (POSIX_FADV_DONTNEED) cost the kernel far less CPU read cold in
 * 1 MiB pieces than in 64 KiB ones (600 MB: 0.05-0.09 s of sys time, not
 * 0.2-1.0 s), but pages evicted by the machine's reclaim after a minute
 * idle cost ~1-2 ms of CPU per MB either way: the read size does not
 * remove that cost. */
#define READ_CHUNK (1u << 20)
#define DEFAULT_MAX_ENTRY (1024u * 1024u)

enum { ST_START, ST_MEMBERS, ST_BALLOTS, ST_CLOSED };

typedef struct growbuf {
	char *p;
	size_t len, cap, limit;
	int count_only; /* only len is kept (an entry skipped: its limit still holds) */
} growbuf;

struct srec_stream {
	FILE *f;
	uint8_t buf[READ_CHUNK];
	size_t pos, len;
	int eof;
	sha256_ctx *h;
	srec_stream_tee_fn tee; /* also given every byte read, or NULL */
	void *tee_ctx;
	int state;
	int after_member; /* in ST_MEMBERS: a member was read, ',' or '}' next */
	int seen_ballots;
	size_t index; /* entries handed out */
	uint64_t nread; /* bytes read (and hashed) */
	growbuf rest; /* the other members' text: m1,m2,... */
	growbuf ent; /* one entry's text */
	uint8_t *dec;
	size_t deccap;
	qerr err; /* sticky */
	char errmsg[256];
};

static qerr fail(srec_stream *s, qerr e, char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	if (s->err == Q_OK) {
		va_start(ap, fmt);
		vsnprintf(s->errmsg, sizeof s->errmsg, fmt, ap);
		va_end(ap);
		s->err = e;
	}
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, "%s", s->errmsg);
	return s->err;
}

/* Next byte (hashed as read), or -1 at the end of the file. */
static int peek(srec_stream *s)
{
	if (s->pos == s->len) {
		if (s->eof)
			return -1;
		s->len = fread(s->buf, 1, sizeof s->buf, s->f);
		s->pos = 0;
		if (s->len < sizeof s->buf)
			s->eof = 1;
		if (s->len == 0)
			return -1;
		sha256_update(s->h, s->buf, s->len);
		if (s->tee != NULL)
			s->tee(s->tee_ctx, s->buf, s->len);
		s->nread += s->len;
	}
	return s->buf[s->pos];
}

static int get(srec_stream *s)
{
	int c = peek(s);
	if (c >= 0)
		s->pos++;
	return c;
}

static void skip_ws(srec_stream *s)
{
	for (int c = peek(s); c == ' ' || c == '\t' || c == '\n' || c == '\r'; c = peek(s))
		s->pos++;
}

/* 0, or -1 if the limit or memory was exceeded. */
static int put(growbuf *g, char c)
{
	if (g->len + 1 >= g->limit)
		return -1;
	if (g->count_only) {
		g->len++;
		return 0;
	}
	if (g->len + 1 >= g->cap) {
		size_t nc = g->cap ? 2 * g->cap : 4096;
		char *np;
		if (nc > g->limit)
			nc = g->limit;
		if ((np = realloc(g->p, nc)) == NULL)
			return -1;
		g->p = np;
		g->cap = nc;
	}
	g->p[g->len++] = c;
	return 0;
}

/* The same for n bytes at once. */
static int put_n(growbuf *g, const char *p, size_t n)
{
	if (n >= g->limit || g->len + n >= g->limit)
		return -1;
	if (g->count_only) {
		g->len += n;
		return 0;
	}
	if (g->len + n >= g->cap) {
		size_t nc = g->cap ? 2 * g->cap : 4096;
		char *np;
		while (nc <= g->len + n)
			nc *= 2;
		if (nc > g->limit)
			nc = g->limit;
		if ((np = realloc(g->p, nc)) == NULL)
			return -1;
		g->p = np;
		g->cap = nc;
	}
	memcpy(g->p + g->len, p, n);
	g->len += n;
	return 0;
}

/* Copy one JSON value's text into g.  1 ok, 0 malformed/truncated,
 * -1 too long. */
static int capture(srec_stream *s, growbuf *g)
{
	int c = peek(s), depth = 0, in_str = 0, esc = 0;
	if (c < 0)
		return 0;
	if (c != '{' && c != '[' && c != '"') {
		/* number, true, false, null: up to a delimiter */
		while ((c = peek(s)) >= 0 && !strchr(",}] \t\r\n", c))
			if (put(g, (char)get(s)) != 0)
				return -1;
		return 1;
	}
	while ((c = peek(s)) >= 0) {
		if (in_str && !esc && c != '"' && c != '\\') {
			/* a run of string bytes (a ballot's base64) copied at once */
			size_t st = s->pos, e = s->len;
			const uint8_t *q = memchr(s->buf + st, '"', s->len - st), *bs;
			if (q != NULL)
				e = (size_t)(q - s->buf);
			/* (memchr twice: base64 has neither byte, so both run to
			 * the closing quote at memchr's speed, not a byte a loop) */
			if ((bs = memchr(s->buf + st, '\\', e - st)) != NULL)
				e = (size_t)(bs - s->buf);
			if (put_n(g, (const char *)s->buf + st, e - st) != 0)
				return -1;
			s->pos = e;
			continue;
		}
		s->pos++;
		if (put(g, (char)c) != 0)
			return -1;
		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"') {
				in_str = 0;
				if (depth == 0)
					return 1;
			}
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (--depth == 0)
				return 1;
		}
	}
	return 0; /* the file ended inside the value */
}

/* Walk top-level members until "ballots" opens (1) or the object closes
 * (0); an error returns -1 with s->err set. */
static int members(srec_stream *s, char *why, size_t whylen)
{
	for (;;) {
		growbuf key = {NULL, 0, 0, 4096, 0};
		int c, r;
		skip_ws(s);
		c = get(s);
		if (c == '}') {
			s->state = ST_CLOSED;
			return 0;
		}
		if (s->after_member) {
			if (c != ',') {
				fail(s, Q_ERR_FORMAT, why, whylen,
				     "station record: ',' or '}' expected after a member");
				return -1;
			}
			skip_ws(s);
			c = get(s);
		}
		if (c != '"') {
			fail(s, Q_ERR_FORMAT, why, whylen,
			     "station record: a member name expected");
			return -1;
		}
		s->pos--; /* capture the name with its quotes */
		r = capture(s, &key);
		if (r != 1 || memchr(key.p, '\\', key.len) != NULL) {
			free(key.p);
			fail(s, r < 0 ? Q_ERR_LIMIT : Q_ERR_FORMAT, why, whylen,
			     "station record: a member name is malformed, too long or escaped");
			return -1;
		}
		skip_ws(s);
		if (get(s) != ':') {
			free(key.p);
			fail(s, Q_ERR_FORMAT, why, whylen, "station record: ':' expected");
			return -1;
		}
		skip_ws(s);
		s->after_member = 1;
		if (key.len == 9 && memcmp(key.p, "\"ballots\"", 9) == 0) {
			free(key.p);
			if (s->seen_ballots) {
				fail(s, Q_ERR_FORMAT, why, whylen,
				     "station record: \"ballots\" appears twice");
				return -1;
			}
			s->seen_ballots = 1;
			if (get(s) != '[') {
				fail(s, Q_ERR_FORMAT, why, whylen,
				     "station record: \"ballots\" is not an array");
				return -1;
			}
			s->state = ST_BALLOTS;
			return 1;
		}
		/* another member: keep its text for the end */
		r = (s->rest.len > 0 ? put(&s->rest, ',') : 0);
		for (size_t i = 0; r == 0 && i < key.len; i++)
			r = put(&s->rest, key.p[i]);
		free(key.p);
		if (r == 0)
			r = put(&s->rest, ':');
		if (r == 0)
			r = capture(s, &s->rest) == 1 ? 0 : -2;
		if (r != 0) {
			fail(s, r == -2 ? Q_ERR_FORMAT : Q_ERR_LIMIT, why, whylen,
			     "station record: a member is truncated, malformed or over %u bytes",
			     (unsigned)SREC_STREAM_MAX_REST);
			return -1;
		}
	}
}

qerr srec_stream_open(srec_stream **out, const char *path, size_t max_entry, char *why,
                      size_t whylen)
{
	srec_stream *s;
	*out = NULL;
	if (path == NULL)
		return Q_ERR_ARG;
	if ((s = calloc(1, sizeof *s)) == NULL || (s->h = sha256_new()) == NULL) {
		free(s);
		return Q_ERR_NOMEM;
	}
	s->ent.limit = max_entry ? max_entry + 1 : DEFAULT_MAX_ENTRY + 1;
	s->rest.limit = SREC_STREAM_MAX_REST;
	if ((s->f = fopen(path, "rb")) == NULL) {
		if (why != NULL && whylen > 0)
			snprintf(why, whylen, "cannot open %s", path);
		srec_stream_free(s);
		return Q_ERR_IO;
	}
	/* read front to back once: a larger readahead window (a hint; a
	 * failure changes nothing) */
	(void)posix_fadvise(fileno(s->f), 0, 0, POSIX_FADV_SEQUENTIAL);
	*out = s;
	return Q_OK;
}

void srec_stream_tee(srec_stream *s, srec_stream_tee_fn fn, void *ctx)
{
	if (s == NULL || s->nread > 0)
		return;
	s->tee = fn;
	s->tee_ctx = ctx;
}

/* Like fail(), for a fault of one entry's content (the JSON around it is
 * sound): not sticky, the next call reads the next entry. */
static qerr entry_fail(srec_stream *s, srec_ballot *b, char *why, size_t whylen, const char *fmt,
                       ...)
{
	va_list ap;
	b->bad = 1;
	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	(void)s;
	return Q_ERR_FORMAT;
}

/* A string's bytes that jansson would hand back unchanged: printable
 * ASCII other than '"' and '\\' (no escape, no UTF-8 to check). */
static int plain(char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* Whether p[0..n) are all plain (the caller found no '"' in them): no
 * '\\' (memchr), then no byte below 0x20 or above 0x7e, 8 bytes at a time
 * (a byte b < 0x20 sets bit 7 of (b - 0x20) & ~b, one >= 0x7f bit 7 of
 * (b + 1) | b; a borrow or carry into the next byte comes only from a
 * byte that is itself not plain), the tail a byte at a time. */
static int all_plain(const char *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t bad = 0, w;
	size_t i = 0;
	if (memchr(p, '\\', n) != NULL)
		return 0;
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		bad |= ((w - 0x20 * ones) & ~w) | ((w + ones) | w);
	}
	if ((bad & high) != 0)
		return 0;
	for (; i < n; i++)
		if (!plain(p[i]))
			return 0;
	return 1;
}

/* The entry exactly as a station writes it (P-7.1, compact, sorted keys):
 * {"ballot":"B","tracking_code":"H"} with B and H plain.  1 and the two
 * strings set if so; jansson would parse it to the same two strings, so
 * this only spares the parse.  Anything else (0) is parsed by jansson. */
static int entry_fast(const char *p, size_t n, const char **bv, size_t *bl, const char **tv,
                      size_t *tl)
{
	static const char k1[] = "{\"ballot\":\"", k2[] = "\",\"tracking_code\":\"", k3[] = "\"}";
	size_t i = sizeof k1 - 1, s1, s2;
	const char *q;
	if (n < i || memcmp(p, k1, i) != 0)
		return 0;
	/* B runs to the next '"' and must be plain up to it */
	s1 = i;
	if ((q = memchr(p + i, '"', n - i)) == NULL || !all_plain(p + i, (size_t)(q - p) - i))
		return 0;
	i = (size_t)(q - p);
	if (n - i < sizeof k2 - 1 || memcmp(p + i, k2, sizeof k2 - 1) != 0)
		return 0;
	*bv = p + s1;
	*bl = i - s1;
	i += sizeof k2 - 1;
	for (s2 = i; i < n && plain(p[i]); i++)
		;
	if (n - i != sizeof k3 - 1 || memcmp(p + i, k3, sizeof k3 - 1) != 0)
		return 0;
	*tv = p + s2;
	*tl = i - s2;
	return 1;
}

/* Parse s->ent as entry number s->index into b (b->index is set whatever
 * the outcome, and the entry is counted). */
static qerr entry(srec_stream *s, srec_ballot *b, char *why, size_t whylen)
{
	json_t *j = NULL;
	const json_t *bs, *tc;
	json_error_t je;
	const char *bv, *tv;
	size_t need, bl, tl;
	qerr e = Q_ERR_FORMAT;
	b->index = s->index++;
	b->enc = NULL;
	b->len = 0;
	b->bad = 0;
	if (!entry_fast(s->ent.p, s->ent.len, &bv, &bl, &tv, &tl)) {
		j = json_loadb(s->ent.p, s->ent.len, JSON_REJECT_DUPLICATES, &je);
		if (!json_is_object(j)) {
			e = entry_fail(s, b, why, whylen,
			               "station record: ballots[%zu] is not a JSON object",
			               b->index);
			goto out;
		}
		bs = json_object_get(j, "ballot");
		tc = json_object_get(j, "tracking_code");
		if (!json_is_string(bs) || !json_is_string(tc)) {
			e = entry_fail(
			    s, b, why, whylen,
			    "station record: ballots[%zu] has no ballot or tracking_code",
			    b->index);
			goto out;
		}
		bv = json_string_value(bs);
		bl = json_string_length(bs);
		tv = json_string_value(tc);
		tl = json_string_length(tc);
	}
	need = b64_max_decoded_len(bl) + 1;
	if (need > s->deccap) {
		uint8_t *nd = realloc(s->dec, need);
		if (nd == NULL) {
			e = fail(s, Q_ERR_NOMEM, why, whylen, "out of memory");
			goto out;
		}
		s->dec = nd;
		s->deccap = need;
	}
	if (bl == 0 || b64_decode(s->dec, &b->len, bv, bl) != Q_OK ||
	    hex_decode(b->code, sizeof b->code, tv, tl) != Q_OK) {
		b->len = 0;
		e = entry_fail(s, b, why, whylen,
		               "station record: ballots[%zu]: bad base64 or tracking code",
		               b->index);
		goto out;
	}
	b->enc = s->dec;
	e = Q_OK;
out:
	json_decref(j);
	return e;
}

/* The next entry: parsed into b, or (b NULL) only cut out and counted. */
static qerr next_entry(srec_stream *s, srec_ballot *b, int *end, char *why, size_t whylen)
{
	int c, r;
	if (s == NULL || end == NULL)
		return Q_ERR_ARG;
	*end = 0;
	if (b != NULL)
		b->bad = 0;
	if (s->err != Q_OK)
		return fail(s, s->err, why, whylen, "%s", s->errmsg);
	if (s->state == ST_START) {
		skip_ws(s);
		if (get(s) != '{')
			return fail(s, Q_ERR_FORMAT, why, whylen,
			            "station record: not a JSON object");
		s->state = ST_MEMBERS;
	}
	if (s->state == ST_MEMBERS) {
		r = members(s, why, whylen);
		if (r < 0)
			return s->err;
		if (r == 0 && !s->seen_ballots)
			return fail(s, Q_ERR_FORMAT, why, whylen,
			            "station record: no \"ballots\" member");
	}
	if (s->state != ST_BALLOTS) {
		*end = 1;
		return Q_OK;
	}
	skip_ws(s);
	c = peek(s);
	if (c == ']') {
		s->pos++;
		s->state = ST_MEMBERS;
		*end = 1;
		return Q_OK;
	}
	if (s->index > 0) {
		if (get(s) != ',')
			return fail(s, Q_ERR_FORMAT, why, whylen,
			            "station record: ballots[%zu]: ',' or ']' expected", s->index);
		skip_ws(s);
	}
	s->ent.len = 0;
	s->ent.count_only = b == NULL; /* skipped: cut out and hashed, not copied */
	r = capture(s, &s->ent);
	if (r < 0)
		return fail(s, Q_ERR_LIMIT, why, whylen,
		            "station record: ballots[%zu] is longer than %zu bytes (or memory ran "
		            "out)",
		            s->index, s->ent.limit - 1);
	if (r == 0)
		return fail(s, Q_ERR_FORMAT, why, whylen,
		            "station record: ballots[%zu] is truncated or malformed", s->index);
	if (b == NULL) {
		s->index++;
		return Q_OK;
	}
	return entry(s, b, why, whylen);
}

qerr srec_stream_next(srec_stream *s, srec_ballot *b, int *end, char *why, size_t whylen)
{
	if (b == NULL)
		return Q_ERR_ARG;
	return next_entry(s, b, end, why, whylen);
}

qerr srec_stream_skip(srec_stream *s, int *end, char *why, size_t whylen)
{
	return next_entry(s, NULL, end, why, whylen);
}

qerr srec_stream_finish(srec_stream *s, json_t **rest, uint8_t sha[32], size_t *nballots, char *why,
                        size_t whylen)
{
	json_error_t je;
	json_t *j;
	if (rest != NULL)
		*rest = NULL;
	if (s == NULL)
		return Q_ERR_ARG;
	if (s->err != Q_OK)
		return fail(s, s->err, why, whylen, "%s", s->errmsg);
	if (s->state == ST_START || s->state == ST_BALLOTS)
		return Q_ERR_STATE;
	if (s->state == ST_MEMBERS) {
		int r = members(s, why, whylen);
		if (r < 0)
			return s->err;
		if (r == 1)
			return fail(s, Q_ERR_FORMAT, why, whylen,
			            "station record: \"ballots\" appears twice");
	}
	skip_ws(s);
	if (peek(s) >= 0)
		return fail(s, Q_ERR_FORMAT, why, whylen,
		            "station record: bytes after the closing '}'");
	if (ferror(s->f))
		return fail(s, Q_ERR_IO, why, whylen, "station record: read error");
	/* "{" + the other members + "}" */
	{
		growbuf o = {NULL, 0, 0, s->rest.len + 3, 0};
		int r = put(&o, '{');
		for (size_t i = 0; r == 0 && i < s->rest.len; i++)
			r = put(&o, s->rest.p[i]);
		if (r == 0)
			r = put(&o, '}');
		if (r != 0) {
			free(o.p);
			return fail(s, Q_ERR_NOMEM, why, whylen, "out of memory");
		}
		j = json_loadb(o.p, o.len, JSON_REJECT_DUPLICATES, &je);
		free(o.p);
	}
	if (!json_is_object(j)) {
		json_decref(j);
		return fail(s, Q_ERR_FORMAT, why, whylen, "station record: %s (line %d)", je.text,
		            je.line);
	}
	if (json_object_get(j, "ballots") != NULL) {
		json_decref(j);
		return fail(s, Q_ERR_FORMAT, why, whylen,
		            "station record: \"ballots\" appears twice");
	}
	if (rest != NULL)
		*rest = j;
	else
		json_decref(j);
	if (sha != NULL)
		sha256_final(s->h, sha);
	if (nballots != NULL)
		*nballots = s->index;
	return Q_OK;
}

size_t srec_stream_index(const srec_stream *s)
{
	return s == NULL ? 0 : s->index;
}

uint64_t srec_stream_bytes(const srec_stream *s)
{
	return s == NULL ? 0 : s->nread;
}

void srec_stream_free(srec_stream *s)
{
	if (s == NULL)
		return;
	if (s->f != NULL)
		fclose(s->f);
	sha256_free(s->h);
	free(s->rest.p);
	free(s->ent.p);
	free(s->dec);
	free(s);
}

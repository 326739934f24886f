/* SPDX-License-Identifier: GPL-3.0-or-later */
/* buf.c -- growable text buffer, HTML escaping, bilingual text, QR SVG. */
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/util.h"
#include "election/i18n.h"
#include "web.h"

#include "banned.h"

void wb_init(wbuf *b)
{
	memset(b, 0, sizeof *b);
}

void wb_free(wbuf *b)
{
	if (b->p != NULL) {
		wipe(b->p, b->cap);
		free(b->p);
	}
	memset(b, 0, sizeof *b);
}

static int grow(wbuf *b, size_t more)
{
	if (b->oom)
		return -1;
	if (b->len + more + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *p = malloc(cap);
	if (p == NULL) {
		b->oom = 1;
		return -1;
	}
	if (b->p != NULL) {
		memcpy(p, b->p, b->len);
		wipe(b->p, b->cap);
		free(b->p);
	}
	b->p = p;
	b->cap = cap;
	b->p[b->len] = '\0';
	return 0;
}

void wb_rawn(wbuf *b, const char *s, size_t n)
{
	if (grow(b, n) != 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void wb_raw(wbuf *b, const char *s)
{
	wb_rawn(b, s, strlen(s));
}

static void wb_vfmt(wbuf *b, const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || grow(b, (size_t)n) != 0)
		return;
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void wb_fmt(wbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	wb_vfmt(b, fmt, ap);
	va_end(ap);
}

void wb_esc(wbuf *b, const char *s)
{
	if (s == NULL)
		return;
	for (const char *p = s; *p != '\0'; p++) {
		switch (*p) {
		case '&':
			wb_raw(b, "&amp;");
			break;
		case '<':
			wb_raw(b, "&lt;");
			break;
		case '>':
			wb_raw(b, "&gt;");
			break;
		case '"':
			wb_raw(b, "&quot;");
			break;
		case '\'':
			wb_raw(b, "&#39;");
			break;
		default:
			wb_rawn(b, p, 1);
		}
	}
}

static void bi_pair(wbuf *b, const char *local, const char *en)
{
	wb_esc(b, local);
	if (strcmp(local, en) != 0) {
		wb_raw(b, " <span class=\"en\" lang=\"en\">");
		wb_esc(b, en);
		wb_raw(b, "</span>");
	}
}

void wb_bi(wbuf *b, const char *msgid)
{
	bi_pair(b, _(msgid), msgid);
}

void wb_el(wbuf *b, const char *open, const char *msgid, const char *close)
{
	wb_raw(b, open);
	wb_bi(b, msgid);
	wb_raw(b, close);
}

void wb_bif(wbuf *b, const char *msgid, ...)
{
	char l[1024], e[1024];
	va_list ap;
	va_start(ap, msgid);
	vsnprintf(l, sizeof l, _(msgid), ap);
	va_end(ap);
	va_start(ap, msgid);
	vsnprintf(e, sizeof e, msgid, ap);
	va_end(ap);
	bi_pair(b, l, e);
}

void wb_grouped(wbuf *b, const char *s, size_t n)
{
	size_t len = s != NULL ? strlen(s) : 0;
	for (size_t i = 0; i < len; i += n) {
		char g[17];
		size_t k = len - i < n ? len - i : n;
		if (k >= sizeof g)
			k = sizeof g - 1;
		memcpy(g, s + i, k);
		g[k] = '\0';
		if (i > 0)
			wb_raw(b, " ");
		wb_esc(b, g);
	}
}

void wb_qr_svg(wbuf *b, const char *text, const char *label)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (q == NULL)
		return;
	int w = q->width, m = 4; /* quiet zone of 4 modules */
	wb_raw(b, "<svg class=\"qr\" role=\"img\" aria-label=\"");
	wb_esc(b, label);
	wb_fmt(b,
	       "\" viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\" "
	       "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
	       "fill=\"#fff\"/><path fill=\"#000\" d=\"",
	       w + 2 * m, w + 2 * m, w + 2 * m, w + 2 * m);
	for (int y = 0; y < w; y++)
		for (int x = 0; x < w; x++)
			if (q->data[y * w + x] & 1)
				wb_fmt(b, "M%d %dh1v1h-1z", x + m, y + m);
	wb_raw(b, "\"/></svg>");
	QRcode_free(q);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* progress.c -- see progress.h. */
#include "election/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "election/i18n.h"

#include "banned.h"

#define BAR_WIDTH 30

int progress_wanted(int fd)
{
	const char *term = getenv("TERM");
	if (fd < 0 || !isatty(fd))
		return 0;
	if (getenv("QUORUM_NO_PROGRESS") != NULL)
		return 0;
	if (term == NULL || strcmp(term, "dumb") == 0)
		return 0;
	return 1;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void draw(const progress *p, uint64_t done, int final)
{
	char bar[BAR_WIDTH + 1];
	char line[256];
	uint64_t fill = p->total ? done * BAR_WIDTH / p->total : 0;
	for (unsigned i = 0; i < BAR_WIDTH; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[BAR_WIDTH] = '\0';
	char rate[96] = "";
	int64_t el = now_ms() - p->start_ms;
	if (el >= 1000 && done > 0) {
		double per_s = (double)done * 1000.0 / (double)el;
		uint64_t left = (uint64_t)((double)(p->total - done) / per_s + 0.5);
		if (final)
			snprintf(rate, sizeof rate, _(", %.0f %s/s in %llu:%02llu"), per_s,
			         p->unit ? p->unit : "", (unsigned long long)(el / 60000),
			         (unsigned long long)(el / 1000 % 60));
		else
			snprintf(rate, sizeof rate, _(", %.0f %s/s, %llu:%02llu left   "), per_s,
			         p->unit ? p->unit : "", (unsigned long long)(left / 60),
			         (unsigned long long)(left % 60));
	}
	int n = snprintf(line, sizeof(line), "\r%s [%s] %llu/%llu%s%s", p->what, bar,
	                 (unsigned long long)done, (unsigned long long)p->total, rate,
	                 final ? "\n" : "");
	if (n <= 0)
		return;
	size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	ssize_t w = write(p->fd, line, len);
	(void)w;
}

void progress_begin(progress *p, int fd, const char *what, uint64_t total)
{
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	p->what = what ? what : "";
	p->total = total;
	if (total == 0 || !progress_wanted(fd))
		return;
	p->fd = fd;
	p->last_ms = now_ms();
	p->start_ms = p->last_ms;
	draw(p, 0, 0);
}

void progress_unit(progress *p, const char *unit)
{
	if (p != NULL)
		p->unit = unit;
}

void progress_update(progress *p, uint64_t done)
{
	if (p == NULL || p->fd < 0)
		return;
	if (done > p->total)
		done = p->total;
	/* at most one redraw per 1 % and per 100 ms */
	if ((done - p->shown) * 100 < p->total && done != p->total)
		return;
	int64_t t = now_ms();
	if (t - p->last_ms < 100 && done != p->total)
		return;
	p->shown = done;
	p->last_ms = t;
	draw(p, done, 0);
}

void progress_end(progress *p)
{
	if (p == NULL || p->fd < 0)
		return;
	draw(p, p->total, 1);
	p->fd = -1;
}

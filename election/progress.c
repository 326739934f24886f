/* SPDX-License-Identifier: GPL-3.0-or-later */
/* progress.c -- see progress.h. */
#include "election/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
	int n = snprintf(line, sizeof(line), "\r%s [%s] %llu/%llu%s", p->what, bar,
	                 (unsigned long long)done, (unsigned long long)p->total, final ? "\n" : "");
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
	draw(p, 0, 0);
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

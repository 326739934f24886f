/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * progress.h -- a progress bar for long operations (verifying ballots,
 * tallying, verifying a record), drawn only on a terminal.
 *
 * progress_begin() decides once whether to draw: only if the stream is a
 * terminal, $TERM is not "dumb" and $QUORUM_NO_PROGRESS is unset.  When it
 * is not drawing, every call is a no-op, so logs and pipes stay quiet and
 * callers need no conditionals.  Output goes to the file descriptor given
 * (normally 2); write errors are ignored (a progress bar is not output).
 * Redraws are limited to about one per 1/10 s and one per 1 % of progress.
 * After the first second the line also shows the rate (steps per second,
 * labelled with `unit`) and the estimated time left.
 * Nothing is allocated; progress_end() on a bar that never began is safe.
 * Not thread-safe: one thread owns a bar (workers report to it).
 */
#ifndef QUORUM_ELECTION_PROGRESS_H
#define QUORUM_ELECTION_PROGRESS_H

#include <stdint.h>

typedef struct progress {
	int fd; /* -1: not drawing */
	const char *what; /* label, not owned; must outlive the bar */
	uint64_t total, shown;
	int64_t last_ms; /* monotonic time of the last redraw */
	int64_t start_ms; /* monotonic time of progress_begin */
	const char *unit; /* e.g. "ballots" (translated, not owned), or NULL */
} progress;

/* Start a bar labelled `what` (already translated) for `total` steps. */
void progress_begin(progress *p, int fd, const char *what, uint64_t total);

/* Label the rate shown ("%s/s"); call after progress_begin. */
void progress_unit(progress *p, const char *unit);

/* Report that `done` steps of the total are complete. */
void progress_update(progress *p, uint64_t done);

/* Draw the bar full and end its line (if drawing). */
void progress_end(progress *p);

/* 1 if a bar begun on fd now would be drawn, else 0. */
int progress_wanted(int fd);

#endif

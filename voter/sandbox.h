/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sandbox.h -- confinement of quorum-ballotd's worker (docs/spec/protocol.md
 * P-9.4): another user, no new privileges, a seccomp allow-list.
 */
#ifndef QUORUM_VOTER_SANDBOX_H
#define QUORUM_VOTER_SANDBOX_H

#include <stddef.h>

#include "crypto/qerr.h"

/* When running as root: switch to user (its uid and primary gid, no
 * supplementary groups) for good; a later setuid(0) must fail.  Not root:
 * nothing changes (the uid is kept).  err names what failed. */
Q_MUST_CHECK qerr sandbox_drop_user(const char *user, char *err, size_t errlen);

/* PR_SET_NO_NEW_PRIVS, then a seccomp filter on every thread of the
 * process (TSYNC): the system calls of sandbox.c's allow-list pass, a few
 * answer an error (socket, connect: the C library's lookups fall back),
 * any other kills the process with SIGSYS. */
Q_MUST_CHECK qerr sandbox_enter(char *err, size_t errlen);

#endif

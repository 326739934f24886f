/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ratelimit.h -- a per-connection rate limit (docs/protocol.md section 1):
 * each connection may make `burst` requests at once, then one every
 * `period_ms` (the generic cell rate algorithm: one theoretical arrival
 * time per connection, integers only).  Used for the booth's receipt
 * lookup.  Connections are tracked in a fixed table as large as the most
 * connections a socket can hold; a connection not in it takes the slot
 * used longest ago, with a full allowance.  Not thread-safe (the loop
 * thread owns it).
 */
#ifndef QUORUM_VOTER_RATELIMIT_H
#define QUORUM_VOTER_RATELIMIT_H

#include <stdint.h>

#define RATELIMIT_SLOTS 1024

typedef struct ratelimit_slot {
	uint64_t conn; /* 0: free (server connection ids start at 1) */
	int64_t tat_ms; /* theoretical arrival time of the next request */
	int64_t used_ms; /* last request, for replacing the oldest slot */
} ratelimit_slot;

typedef struct ratelimit {
	unsigned burst; /* requests allowed at once (>= 1) */
	int64_t period_ms; /* then one per period */
	ratelimit_slot slot[RATELIMIT_SLOTS];
} ratelimit;

/* 1 if connection conn may make a request at now_ms (and count it), 0 if
 * it is over its limit (nothing counted). */
int ratelimit_allow(ratelimit *rl, uint64_t conn, int64_t now_ms);

#endif

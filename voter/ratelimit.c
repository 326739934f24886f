/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ratelimit.c -- per-connection rate limit (GCRA), see ratelimit.h.
 */
#include "ratelimit.h"

#include <stddef.h>

#include "banned.h"

int ratelimit_allow(ratelimit *rl, uint64_t conn, int64_t now_ms)
{
	ratelimit_slot *s = NULL, *oldest = &rl->slot[0];
	for (size_t i = 0; i < RATELIMIT_SLOTS; i++) {
		if (rl->slot[i].conn == conn && conn != 0) {
			s = &rl->slot[i];
			break;
		}
		/* a free slot, else the one used longest ago */
		if (oldest->conn != 0 &&
		    (rl->slot[i].conn == 0 || rl->slot[i].used_ms < oldest->used_ms))
			oldest = &rl->slot[i];
	}
	if (s == NULL) {
		s = oldest;
		s->conn = conn;
		s->tat_ms = now_ms;
	}
	int64_t tat = s->tat_ms > now_ms ? s->tat_ms : now_ms;
	/* over the limit when the next arrival lies more than burst-1
	 * periods ahead */
	if (tat - now_ms > (int64_t)(rl->burst > 0 ? rl->burst - 1 : 0) * rl->period_ms)
		return 0;
	s->tat_ms = tat + rl->period_ms;
	s->used_ms = now_ms;
	return 1;
}

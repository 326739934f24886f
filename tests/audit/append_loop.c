/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test helper for test_cli.sh: append batches to a log forever, printing each
 * index (flushed) only after log_append_batch returned, i.e. once synced
 * (the SIGKILL test with it shows atomicity and recovery; test_durability
 * shows the syncs).
 * Entry i is the text "entry <i>".  Killed with SIGKILL by the test. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "audit/log.h"

int main(int argc, char **argv)
{
	char msg[LOG_MSG_MAX];
	audit_log *lg = NULL;
	if (argc != 2 || log_open(argv[1], LOG_RDWR, &lg, msg, sizeof msg) != Q_OK) {
		fprintf(stderr, "append_loop: cannot open: %s\n", msg);
		return 2;
	}
	static char bufs[64][32];
	log_entry ents[64];
	uint64_t state = 88172645463325252ull;
	for (;;) {
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		size_t n = 1 + state % 64;
		uint64_t next = log_size(lg);
		for (size_t i = 0; i < n; i++) {
			int l = snprintf(bufs[i], sizeof bufs[i], "entry %" PRIu64, next + i);
			ents[i].data = bufs[i];
			ents[i].len = (size_t)l;
		}
		uint64_t first = 0;
		if (log_append_batch(lg, ents, n, &first) != Q_OK) {
			fprintf(stderr, "append_loop: %s\n", log_error(lg));
			return 1;
		}
		for (size_t i = 0; i < n; i++)
			printf("%" PRIu64 "\n", first + i);
		fflush(stdout);
	}
}

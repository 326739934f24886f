/*
 * cmd_tally.c -- quorum-tally tally DIR [--threads N]
 *
 * Checks every station record (signature, log, counts), verifies every
 * ballot's proofs on all cores (a progress bar on a terminal), refuses
 * duplicates and ballots of another election, and writes the homomorphic
 * aggregate (docs/spec/record.md ).
 */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "count.h"
#include "record.h"

#include "banned.h"

int cmd_tally(int argc, char **argv)
{
	static const char *const valued[] = {"--threads", NULL};
	const char *dir = cli_positional(argc, argv, valued);
	const char *th = cli_opt(argc, argv, "--threads");
	rec_election *el = NULL;
	tally_opts o = {0, 1};
	char msg[768] = "";
	qerr e;
	if (dir == NULL) {
		fprintf(stderr, "usage: quorum-tally tally DIR [--threads N]\n");
		return TALLY_EXIT_USAGE;
	}
	if (th != NULL && cli_u32(th, 1, 64, &o.nthreads) != Q_OK) {
		fprintf(stderr, "quorum-tally tally: --threads must be 1..64\n");
		return TALLY_EXIT_USAGE;
	}
	if ((e = rec_open(&el, dir, msg, sizeof msg)) == Q_OK)
		e = tally_run(el, &o, msg, sizeof msg);
	if (e != Q_OK) {
		fprintf(stderr, "quorum-tally tally: %s\n", msg[0] ? msg : qerr_str(e));
		rec_free(el);
		return e == Q_ERR_IO || e == Q_ERR_NOMEM || e == Q_ERR_EXISTS ? TALLY_EXIT_USAGE
		                                                              : TALLY_EXIT_DATA;
	}
	printf("tally written to %s/tally/aggregate.json\n", dir);
	rec_free(el);
	return TALLY_EXIT_OK;
}

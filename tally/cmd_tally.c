/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_tally.c -- quorum-tally tally DIR [--jobs N]   (--threads N: the same)
 *
 * Checks every station record (signature, log, counts), verifies every
 * ballot's proofs on N cores (default all; a progress bar with ballots/s
 * and the time left on a terminal), refuses
 * duplicates and ballots of another election, and writes the homomorphic
 * aggregate (docs/spec/record.md ).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "crypto/util.h"
#include "election/i18n.h"

#include "cli.h"
#include "cmds.h"
#include "count.h"
#include "record.h"

#include "banned.h"

int cmd_tally(int argc, char **argv)
{
	static const char *const valued[] = {"--jobs", "--threads", NULL};
	const char *dir = cli_positional(argc, argv, valued);
	const char *th = cli_opt(argc, argv, "--jobs");
	rec_election *el = NULL;
	tally_opts o = {0, 1};
	char msg[768] = "";
	qerr e;
	if (dir == NULL) {
		fprintf(stderr, _("usage: quorum-tally tally DIR [--jobs N]\n"));
		return TALLY_EXIT_USAGE;
	}
	if (th == NULL)
		th = cli_opt(argc, argv, "--threads"); /* the older name */
	if (th != NULL && cli_u32(th, 1, 64, &o.nthreads) != Q_OK) {
		fprintf(stderr,
		        _("quorum-tally tally: --jobs must be 1..64 (default: every core)\n"));
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
	{
		char path[REC_PATH_MAX], hx[2 * SHA256_LEN + 1];
		uint8_t *b = NULL, h[SHA256_LEN];
		size_t l;
		printf(_("tally written to %s/tally/aggregate.json\n"), dir);
		if (rec_path(path, sizeof path, dir, "tally/aggregate.json") == Q_OK &&
		    rec_read_file(path, REC_MAX_FILE, &b, &l, NULL, 0) == Q_OK) {
			sha256(h, b, l);
			hex_encode(hx, h, sizeof h);
			printf(
			    _("aggregate SHA-256 %s\n  announce it: each trustee's decrypt prints "
			      "the same value\n"),
			    hx);
		}
		free(b);
	}
	rec_free(el);
	return TALLY_EXIT_OK;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_combine.c -- quorum-tally combine DIR [--roll ROLL.csv]
 *
 * Any k valid partial decryptions (invalid ones named and skipped) ->
 * Lagrange combination -> counts (baby-step giant-step) -> rule engine ->
 * tally/result.json, appended to the election log and signed
 * (docs/spec/record.md R-8).  With write-in slots, the trustees'
 * write-in decryptions are combined too and the names matched against the
 * roll given by --roll (R-12.5-R-12.7).
 */
#include <stdio.h>

#include "cli.h"
#include "cmds.h"
#include "decrypt.h"
#include "election/i18n.h"
#include "record.h"

#include "banned.h"

int cmd_combine(int argc, char **argv)
{
	static const char *const valued[] = {"--roll", NULL};
	const char *dir = cli_positional(argc, argv, valued);
	const char *roll = cli_opt(argc, argv, "--roll");
	rec_election *el = NULL;
	combine_report rep;
	uint8_t *rb = NULL;
	size_t rl = 0;
	char msg[1024] = "";
	qerr e;
	if (dir == NULL) {
		fprintf(stderr, _("usage: quorum-tally combine DIR [--roll ROLL.csv]\n"));
		return TALLY_EXIT_USAGE;
	}
	/* the roll the write-ins are matched against */
	if (roll != NULL &&
	    (e = rec_read_file(roll, REC_MAX_FILE, &rb, &rl, msg, sizeof msg)) != Q_OK) {
		fprintf(stderr, "quorum-tally combine: %s: %s\n", roll, msg[0] ? msg : qerr_str(e));
		return TALLY_EXIT_USAGE;
	}
	if ((e = rec_open(&el, dir, msg, sizeof msg)) == Q_OK)
		e = tally_combine_roll(el, rb, rl, &rep, msg, sizeof msg);
	free(rb);
	rec_free(el);
	if (e != Q_OK) {
		fprintf(stderr, "quorum-tally combine: %s\n", msg[0] ? msg : qerr_str(e));
		return e == Q_ERR_IO || e == Q_ERR_NOMEM || e == Q_ERR_EXISTS ? TALLY_EXIT_USAGE
		                                                              : TALLY_EXIT_DATA;
	}
	printf(_("result written to %s/tally/result.json (trustees"), dir);
	for (size_t t = 0; t < rep.nused; t++)
		printf(" %u", rep.used[t]);
	printf(")\n");
	return TALLY_EXIT_OK;
}

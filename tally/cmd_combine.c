/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_combine.c -- quorum-tally combine DIR
 *
 * Any k valid partial decryptions (invalid ones named and skipped) ->
 * Lagrange combination -> counts (baby-step giant-step) -> rule engine ->
 * tally/result.json, appended to the election log and signed
 * (docs/spec/record.md R-8).
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
	const char *dir = cli_positional(argc, argv, NULL);
	rec_election *el = NULL;
	combine_report rep;
	char msg[1024] = "";
	qerr e;
	if (dir == NULL) {
		fprintf(stderr, _("usage: quorum-tally combine DIR\n"));
		return TALLY_EXIT_USAGE;
	}
	if ((e = rec_open(&el, dir, msg, sizeof msg)) == Q_OK)
		e = tally_combine(el, &rep, msg, sizeof msg);
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

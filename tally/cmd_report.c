/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_report.c -- quorum-tally report DIR: write DIR/report.txt and
 * DIR/report.html from the result (docs/spec/record.md R-9) and print the
 * text.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cmds.h"
#include "record.h"
#include "report.h"

#include "election/i18n.h"

#include "banned.h"

int cmd_report(int argc, char **argv)
{
	const char *dir = cli_positional(argc, argv, NULL);
	rec_election *el = NULL;
	char msg[768] = "", path[REC_PATH_MAX];
	uint8_t *txt = NULL;
	size_t len;
	qerr e;
	if (dir == NULL) {
		fprintf(stderr, "usage: quorum-tally report DIR\n");
		return TALLY_EXIT_USAGE;
	}
	if ((e = rec_open(&el, dir, msg, sizeof msg)) == Q_OK)
		e = tally_report(el, msg, sizeof msg);
	rec_free(el);
	if (e != Q_OK) {
		fprintf(stderr, "quorum-tally report: %s\n", msg[0] ? msg : qerr_str(e));
		return e == Q_ERR_IO || e == Q_ERR_NOMEM ? TALLY_EXIT_USAGE : TALLY_EXIT_DATA;
	}
	if (rec_path(path, sizeof path, dir, "report.txt") == Q_OK &&
	    rec_read_file(path, 1u << 26, &txt, &len, NULL, 0) == Q_OK)
		fwrite(txt, 1, len, stdout);
	free(txt);
	printf(_("\nwritten: %s/report.txt and %s/report.html (open it in a browser to print)\n"),
	       dir, dir);
	return TALLY_EXIT_OK;
}

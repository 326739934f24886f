/* SPDX-License-Identifier: GPL-3.0-or-later */
/* quorum-audit append DIR [FILE...] */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "election/i18n.h"

#include "banned.h"

static const char usage[] =
    N_("DIR [FILE...]\n"
       "Append each FILE's exact bytes (at most 65535) as one entry, or stdin\n"
       "as one entry if no FILE is given; print each entry's index once it is\n"
       "durable.  All or nothing: nothing is appended if any FILE is bad.");

int cmd_append(int argc, char **argv)
{
	int rc = CLI_ERR;
	char msg[LOG_MSG_MAX];
	audit_log *lg = NULL;
	if (cli_want_help(argc, argv, usage))
		return CLI_OK;
	if (argc < 2) {
		cli_err("append", "usage: quorum-audit append DIR [FILE...]");
		return CLI_ERR;
	}
	size_t n = argc > 2 ? (size_t)(argc - 2) : 1;
	log_entry *ents = calloc(n, sizeof *ents);
	char **bufs = calloc(n, sizeof *bufs);
	if (ents == NULL || bufs == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const char *path = argc > 2 ? argv[2 + i] : "-";
		size_t len = 0;
		qerr e = cli_read_file(path, MERKLE_MAX_ENTRY, &bufs[i], &len);
		if (e != Q_OK) {
			cli_err("append", "%s: %s", path,
			        e == Q_ERR_LIMIT ? _("longer than 65535 bytes") : _("cannot read"));
			goto out;
		}
		ents[i].data = bufs[i];
		ents[i].len = len;
	}
	qerr e = log_open(argv[1], LOG_RDWR, &lg, msg, sizeof msg);
	if (e != Q_OK) {
		cli_err("append", "%s", msg[0] ? msg : qerr_str(e));
		rc = cli_status(e);
		goto out;
	}
	if (msg[0])
		cli_err("append", "%s", msg); /* e.g. a torn tail was cut back */
	uint64_t first = 0;
	e = log_append_batch(lg, ents, n, &first);
	if (e != Q_OK) {
		cli_err("append", "%s", log_error(lg));
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		printf("%" PRIu64 "\n", first + i);
	rc = fflush(stdout) == 0 ? CLI_OK : CLI_ERR;
out:
	log_close(lg);
	if (bufs != NULL)
		for (size_t i = 0; i < n; i++)
			free(bufs[i]);
	free(bufs);
	free(ents);
	return rc;
}

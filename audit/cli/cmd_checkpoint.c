/* SPDX-License-Identifier: GPL-3.0-or-later */
/* quorum-audit checkpoint DIR */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "election/i18n.h"

#include "banned.h"

static const char usage[] =
    N_("DIR\n"
       "Sign (and keep) a checkpoint of the log's current size and print it.\n"
       "Refuses if the log does not extend the latest kept checkpoint.");

int cmd_checkpoint(int argc, char **argv)
{
	char msg[LOG_MSG_MAX];
	audit_log *lg = NULL;
	char *note = NULL;
	size_t len = 0;
	if (cli_want_help(argc, argv, usage))
		return CLI_OK;
	if (argc != 2) {
		cli_err("checkpoint", "usage: quorum-audit checkpoint DIR");
		return CLI_ERR;
	}
	qerr e = log_open(argv[1], LOG_RDWR, &lg, msg, sizeof msg);
	if (e != Q_OK) {
		cli_err("checkpoint", "%s", msg[0] ? msg : qerr_str(e));
		return cli_status(e);
	}
	if (msg[0])
		cli_err("checkpoint", "%s", msg);
	e = log_checkpoint_sign(lg, &note, &len);
	if (e != Q_OK)
		cli_err("checkpoint", "%s", log_error(lg));
	else
		e = cli_write_stdout(note, len);
	free(note);
	log_close(lg);
	return cli_status(e);
}

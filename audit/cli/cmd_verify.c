/* SPDX-License-Identifier: GPL-3.0-or-later */
/* quorum-audit verify DIR */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "election/i18n.h"

#include "banned.h"

static const char usage[] =
    N_("DIR\n"
       "Re-hash every entry, check it against the leaves file, verify every kept\n"
       "checkpoint's signature and root, and that each extends the one before.");

int cmd_verify(int argc, char **argv)
{
	char msg[LOG_MSG_MAX];
	audit_log *lg = NULL;
	uint64_t n = 0;
	size_t ncp = 0;
	if (cli_want_help(argc, argv, usage))
		return CLI_OK;
	if (argc != 2) {
		cli_err("verify", "usage: quorum-audit verify DIR");
		return CLI_ERR;
	}
	qerr e = log_open(argv[1], LOG_RDONLY, &lg, msg, sizeof msg);
	if (e != Q_OK) {
		cli_err("verify", "FAILED: %s", msg[0] ? msg : qerr_str(e));
		return cli_status(e);
	}
	if (msg[0])
		cli_err("verify", "%s", msg);
	e = log_verify(lg, &n, &ncp);
	if (e != Q_OK) {
		cli_err("verify", "FAILED: %s", log_error(lg));
		log_close(lg);
		return cli_status(e);
	}
	log_close(lg);
	printf(_("ok: %" PRIu64 " entries, %zu checkpoints, all consistent\n"), n, ncp);
	return CLI_OK;
}

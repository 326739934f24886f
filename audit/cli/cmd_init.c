/* SPDX-License-Identifier: GPL-3.0-or-later */
/* quorum-audit init DIR --origin ORIGIN */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "election/i18n.h"

#include "banned.h"

static const char usage[] =
    N_("DIR --origin ORIGIN\n"
       "Create a log in DIR with a fresh Ed25519 key named ORIGIN; print the\n"
       "verifier key (also written to DIR/vkey).  The secret key is DIR/key (0600).");

int cmd_init(int argc, char **argv)
{
	const char *dir = NULL, *origin = NULL;
	char msg[LOG_MSG_MAX], vk[NOTE_VKEY_MAX + 1];
	audit_log *lg = NULL;
	if (cli_want_help(argc, argv, usage))
		return CLI_OK;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--origin") == 0 && i + 1 < argc && origin == NULL)
			origin = argv[++i];
		else if (dir == NULL && argv[i][0] != '-')
			dir = argv[i];
		else
			dir = origin = NULL, i = argc;
	}
	if (dir == NULL || origin == NULL) {
		cli_err("init", "usage: quorum-audit init %s", "DIR --origin ORIGIN");
		return CLI_ERR;
	}
	qerr e = log_create(dir, origin, &lg, msg, sizeof msg);
	if (e != Q_OK) {
		cli_err("init", "%s: %s", dir, msg[0] ? msg : qerr_str(e));
		return CLI_ERR;
	}
	e = note_verifier_format(log_vkey(lg), vk, sizeof vk);
	log_close(lg);
	if (e != Q_OK)
		return CLI_ERR;
	printf("%s\n", vk);
	return CLI_OK;
}

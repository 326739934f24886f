/* SPDX-License-Identifier: GPL-3.0-or-later */
/* quorum-audit prove DIR INDEX [--size N] */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "election/i18n.h"

#include "banned.h"

static const char usage[] =
    N_("DIR INDEX [--size N]\n"
       "Print a c2sp.org/tlog-proof@v1 for entry INDEX against the kept checkpoint\n"
       "of size N (default: the latest kept checkpoint).");

int cmd_prove(int argc, char **argv)
{
	char msg[LOG_MSG_MAX];
	audit_log *lg = NULL;
	char *note = NULL, *out = NULL;
	size_t len = 0, outlen = 0, np = 0;
	uint64_t index = 0, size = LOG_LATEST;
	merkle_hash proof[MERKLE_MAX_PROOF];
	checkpoint cp;
	int rc = CLI_ERR;
	if (cli_want_help(argc, argv, usage))
		return CLI_OK;
	if (!(argc == 3 || (argc == 5 && strcmp(argv[3], "--size") == 0)) ||
	    !cli_parse_u64(argv[2], &index) || (argc == 5 && !cli_parse_u64(argv[4], &size))) {
		cli_err("prove", "usage: quorum-audit prove DIR INDEX [--size N]");
		return CLI_ERR;
	}
	qerr e = log_open(argv[1], LOG_RDONLY, &lg, msg, sizeof msg);
	if (e != Q_OK) {
		cli_err("prove", "%s", msg[0] ? msg : qerr_str(e));
		return cli_status(e);
	}
	e = log_checkpoint_get(lg, size, &note, &len, &cp);
	if (e != Q_OK) {
		cli_err("prove", "%s", log_error(lg));
		rc = cli_status(e);
		goto out;
	}
	if (index >= cp.size) {
		cli_err("prove", "index %" PRIu64 " is not below the checkpoint size %" PRIu64,
		        index, cp.size);
		goto out;
	}
	if ((e = log_prove_inclusion(lg, index, cp.size, proof, &np)) != Q_OK ||
	    (e = tlog_proof_format(index, (const merkle_hash *)proof, np, note, len, &out,
	                           &outlen)) != Q_OK ||
	    (e = cli_write_stdout(out, outlen)) != Q_OK) {
		cli_err("prove", "cannot make the proof: %s", qerr_str(e));
		goto out;
	}
	rc = CLI_OK;
out:
	free(note);
	free(out);
	log_close(lg);
	return rc;
}

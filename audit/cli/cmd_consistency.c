/* SPDX-License-Identifier: GPL-3.0-or-later */
/* quorum-audit consistency DIR OLD NEW */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "election/i18n.h"
#include "crypto/util.h"

#include "banned.h"

static const char usage[] =
    N_("DIR OLD NEW\n"
       "Print the RFC 9162 consistency proof between tree sizes OLD and NEW, one\n"
       "base64 hash per line (empty when OLD is 0 or OLD equals NEW).");

int cmd_consistency(int argc, char **argv)
{
	char msg[LOG_MSG_MAX], b64[45];
	audit_log *lg = NULL;
	uint64_t o = 0, n = 0;
	merkle_hash proof[MERKLE_MAX_PROOF];
	size_t np = 0;
	if (cli_want_help(argc, argv, usage))
		return CLI_OK;
	if (argc != 4 || !cli_parse_u64(argv[2], &o) || !cli_parse_u64(argv[3], &n)) {
		cli_err("consistency", "usage: quorum-audit consistency DIR OLD NEW");
		return CLI_ERR;
	}
	qerr e = log_open(argv[1], LOG_RDONLY, &lg, msg, sizeof msg);
	if (e != Q_OK) {
		cli_err("consistency", "%s", msg[0] ? msg : qerr_str(e));
		return cli_status(e);
	}
	e = log_prove_consistency(lg, o, n, proof, &np);
	if (e != Q_OK) {
		cli_err("consistency", "need OLD <= NEW <= %" PRIu64 " (the log size)",
		        log_size(lg));
		log_close(lg);
		return CLI_ERR;
	}
	log_close(lg);
	for (size_t i = 0; i < np; i++) {
		b64_encode(b64, proof[i], MERKLE_HASH_LEN);
		printf("%s\n", b64);
	}
	return fflush(stdout) == 0 ? CLI_OK : CLI_ERR;
}

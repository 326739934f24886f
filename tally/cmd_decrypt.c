/*
 * cmd_decrypt.c -- quorum-tally decrypt DIR --trustee I --key KEYFILE
 *                  [--pass-fd N | --pass-file F]
 *
 * One trustee, on their own machine, writes their partial decryption of
 * the aggregate with a Chaum-Pedersen proof per value
 * (docs/spec/record.md R-7).
 */
#include <stdio.h>

#include "cli.h"
#include "cmds.h"
#include "decrypt.h"
#include "election/i18n.h"
#include "record.h"

#include "banned.h"

int cmd_decrypt(int argc, char **argv)
{
	static const char *const valued[] = {"--trustee", "--key", "--pass-fd", "--pass-file",
	                                     NULL};
	const char *dir = cli_positional(argc, argv, valued);
	const char *key = cli_opt(argc, argv, "--key");
	rec_election *el = NULL;
	secbuf *pass = NULL;
	uint32_t i;
	char msg[768] = "";
	qerr e;
	if (dir == NULL || key == NULL ||
	    cli_u32(cli_opt(argc, argv, "--trustee"), 1, THRESHOLD_MAX_N, &i) != Q_OK) {
		fprintf(stderr, "%s",
		        _("usage: quorum-tally decrypt DIR --trustee I --key KEYFILE "
		          "[--pass-fd N | --pass-file F]\n"));
		return TALLY_EXIT_USAGE;
	}
	if ((e = rec_open(&el, dir, msg, sizeof msg)) == Q_OK &&
	    (e = cli_passphrase(argc, argv, 0, &pass)) == Q_OK)
		e = tally_decrypt(el, i, key, pass->data, pass->len, msg, sizeof msg);
	secbuf_free(pass);
	rec_free(el);
	if (e != Q_OK) {
		fprintf(stderr, "quorum-tally decrypt: %s\n", msg[0] ? msg : qerr_str(e));
		return e == Q_ERR_IO || e == Q_ERR_NOMEM || e == Q_ERR_ARG || e == Q_ERR_EXISTS
		           ? TALLY_EXIT_USAGE
		           : TALLY_EXIT_DATA;
	}
	printf(_("trustee %u: partial decryption written to %s/tally/partials/%u.json\n"), i, dir,
	       i);
	return TALLY_EXIT_OK;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_mix.c -- quorum-tally mix DIR --trustee I --key KEYFILE
 *              [--pass-fd N | --pass-file F]
 *
 * One trustee, on their own machine, rebuilds the aggregate and the
 * write-in lists from the station records, verifies every earlier mixer's
 * proof of shuffle, and shuffles the last list of every contest with
 * write-in slots with a proof (docs/spec/record.md ).  The signing
 * key of the key file signs the statement; no share of the decryption key
 * is used.
 */
#include <stdio.h>

#include "cli.h"
#include "cmds.h"
#include "election/i18n.h"
#include "mix.h"
#include "record.h"

#include "banned.h"

int cmd_mix(int argc, char **argv)
{
	static const char *const valued[] = {"--trustee", "--key", "--pass-fd", "--pass-file",
	                                     NULL};
	const char *dir = cli_positional(argc, argv, valued);
	const char *key = cli_opt(argc, argv, "--key");
	rec_election *el = NULL;
	secbuf *pass = NULL;
	uint32_t i;
	size_t place = 0;
	char msg[1024] = "";
	qerr e;
	if (dir == NULL || key == NULL ||
	    cli_u32(cli_opt(argc, argv, "--trustee"), 1, THRESHOLD_MAX_N, &i) != Q_OK) {
		fprintf(stderr, "%s",
		        _("usage: quorum-tally mix DIR --trustee I --key KEYFILE "
		          "[--pass-fd N | --pass-file F]\n"));
		return TALLY_EXIT_USAGE;
	}
	if ((e = rec_open(&el, dir, msg, sizeof msg)) == Q_OK) {
		if ((e = cli_passphrase(argc, argv, 0, &pass)) == Q_OK) {
			tally_opts o = {0, 1};
			e = tally_mix(el, i, key, pass->data, pass->len, &o, &place, msg,
			              sizeof msg);
		} else {
			snprintf(msg, sizeof msg, "%s",
			         _("no passphrase accepted (the reason is above)"));
		}
	}
	secbuf_free(pass);
	rec_free(el);
	if (e != Q_OK) {
		fprintf(stderr, "quorum-tally mix: %s\n", msg[0] ? msg : qerr_str(e));
		return e == Q_ERR_IO || e == Q_ERR_NOMEM || e == Q_ERR_ARG || e == Q_ERR_EXISTS
		           ? TALLY_EXIT_USAGE
		           : TALLY_EXIT_DATA;
	}
	printf(_("trustee %u: write-in slots mixed at place %zu of the chain; statement "
	         "%s/tally/mix/mixer-%zu.json (signed)\n"),
	       i, place, dir, place);
	return TALLY_EXIT_OK;
}

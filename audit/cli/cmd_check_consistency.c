/* SPDX-License-Identifier: GPL-3.0-or-later */
/* quorum-audit check-consistency VKEY OLD NEW PROOF */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "election/i18n.h"

#include "banned.h"

static const char usage[] =
    N_("VKEY OLD NEW PROOF\n"
       "Verify that checkpoint files OLD and NEW are both signed by VKEY and that\n"
       "PROOF (base64 hashes, one per line, as printed by `consistency`) proves\n"
       "NEW's tree extends OLD's.");

static int open_cp(const char *path, const note_verifier *vk, checkpoint *cp)
{
	char *t = NULL;
	size_t len = 0;
	qerr e = cli_read_file(path, NOTE_MAX_LEN, &t, &len);
	if (e != Q_OK) {
		cli_err("check-consistency", "%s: cannot read", path);
		return CLI_ERR;
	}
	e = checkpoint_open(cp, t, len, vk);
	free(t);
	if (e != Q_OK) {
		cli_err("check-consistency", "FAILED checkpoint %s: %s", path,
		        e == Q_ERR_SIGNATURE ? _("no valid signature by the log key")
		                             : _("malformed checkpoint or wrong origin"));
		return CLI_FAIL;
	}
	return CLI_OK;
}

int cmd_check_consistency(int argc, char **argv)
{
	note_verifier vk;
	checkpoint a, b;
	char *pt = NULL;
	size_t plen = 0, np = 0;
	merkle_hash proof[MERKLE_MAX_PROOF];
	int rc;
	if (cli_want_help(argc, argv, usage))
		return CLI_OK;
	if (argc != 5) {
		cli_err("check-consistency",
		        "usage: quorum-audit check-consistency VKEY OLD NEW PROOF");
		return CLI_ERR;
	}
	if (cli_load_vkey(argv[1], &vk) != Q_OK || vk.alg != NOTE_ALG_ED25519) {
		cli_err("check-consistency", "%s: not a log verifier key", argv[1]);
		return CLI_ERR;
	}
	if ((rc = open_cp(argv[2], &vk, &a)) != CLI_OK ||
	    (rc = open_cp(argv[3], &vk, &b)) != CLI_OK)
		return rc;
	if (cli_read_file(argv[4], 64 * 46, &pt, &plen) != Q_OK) {
		cli_err("check-consistency", "%s: cannot read", argv[4]);
		return CLI_ERR;
	}
	rc = CLI_FAIL;
	if (merkle_hashes_parse(pt, plen, proof, &np) != Q_OK) {
		cli_err("check-consistency",
		        "FAILED proof format: expected base64 hashes, one per line");
		goto out;
	}
	qerr e = merkle_verify_consistency(a.size, b.size, a.root, b.root,
	                                   (const merkle_hash *)proof, np);
	if (e != Q_OK) {
		cli_err("check-consistency", "FAILED consistency: %s",
		        e == Q_ERR_RANGE ? _("OLD is larger than NEW")
		                         : _("the proof does not link the two roots"));
		goto out;
	}
	printf(_("ok: %s size %" PRIu64 " extends size %" PRIu64 "\n"), b.origin, b.size, a.size);
	rc = CLI_OK;
out:
	free(pt);
	return rc;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* quorum-audit check-proof VKEY PROOF ENTRY */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "election/i18n.h"

#include "banned.h"

static const char usage[] =
    N_("VKEY PROOF ENTRY\n"
       "Verify a c2sp.org/tlog-proof@v1 (PROOF file) for ENTRY's exact bytes: the\n"
       "checkpoint must be signed by VKEY (a file holding the verifier key, or the\n"
       "key itself) and the inclusion proof must lead to its root.");

int cmd_check_proof(int argc, char **argv)
{
	note_verifier vk;
	char *pt = NULL, *ent = NULL;
	size_t plen = 0, elen = 0;
	tlog_proof pf;
	checkpoint cp;
	merkle_hash leaf;
	int rc = CLI_ERR;
	qerr e;
	if (cli_want_help(argc, argv, usage))
		return CLI_OK;
	if (argc != 4) {
		cli_err("check-proof", "usage: quorum-audit check-proof VKEY PROOF ENTRY");
		return CLI_ERR;
	}
	if ((e = cli_load_vkey(argv[1], &vk)) != Q_OK || vk.alg != NOTE_ALG_ED25519) {
		cli_err("check-proof", "%s: not a log verifier key", argv[1]);
		goto out;
	}
	if ((e = cli_read_file(argv[2], 2 * NOTE_MAX_LEN, &pt, &plen)) != Q_OK) {
		cli_err("check-proof", "%s: cannot read", argv[2]);
		goto out;
	}
	if ((e = cli_read_file(argv[3], MERKLE_MAX_ENTRY, &ent, &elen)) != Q_OK) {
		cli_err("check-proof", "%s: %s", argv[3],
		        e == Q_ERR_LIMIT ? _("longer than 65535 bytes") : _("cannot read"));
		goto out;
	}
	rc = CLI_FAIL;
	if (tlog_proof_parse(&pf, pt, plen) != Q_OK) {
		cli_err("check-proof", "FAILED proof format: not a c2sp.org/tlog-proof@v1");
		goto out;
	}
	e = checkpoint_open(&cp, pf.note, pf.note_len, &vk);
	if (e != Q_OK) {
		cli_err("check-proof", "FAILED checkpoint: %s",
		        e == Q_ERR_SIGNATURE ? _("no valid signature by the log key")
		                             : _("malformed checkpoint or wrong origin"));
		goto out;
	}
	merkle_leaf_hash(leaf, ent, elen);
	e = merkle_verify_inclusion(pf.index, cp.size, leaf, (const merkle_hash *)pf.hashes,
	                            pf.nhashes, cp.root);
	if (e != Q_OK) {
		cli_err("check-proof", "FAILED inclusion: %s",
		        e == Q_ERR_RANGE ? _("index is not below the checkpoint size")
		                         : _("the proof does not lead to the checkpoint root"));
		goto out;
	}
	printf(_("ok: entry %" PRIu64 " is in %s at size %" PRIu64 "\n"), pf.index, cp.origin,
	       cp.size);
	rc = CLI_OK;
out:
	free(pt);
	free(ent);
	return rc;
}

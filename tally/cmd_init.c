/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_init.c -- quorum-tally init DIR --manifest M.json --roll R.csv
 *               (--trustees N --threshold K | --runoff-of PREV_DIR)
 *
 * Creates the election directory (docs/spec/record.md ): the
 * manifest and roll are validated by the domain model, the base hash is
 * recorded in the election log.  A run-off (--runoff-of) is a new round of
 * the same election with the same keys, linked to the previous round.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cmds.h"
#include "crypto/util.h"
#include "election/i18n.h"
#include "record.h"

#include "banned.h"

int cmd_init(int argc, char **argv)
{
	static const char *const valued[] = {"--manifest",  "--roll",  "--trustees", "--threshold",
	                                     "--runoff-of", "--rules", NULL};
	const char *dir = cli_positional(argc, argv, valued);
	const char *mpath = cli_opt(argc, argv, "--manifest");
	const char *rpath = cli_opt(argc, argv, "--roll");
	const char *prev = cli_opt(argc, argv, "--runoff-of");
	rec_init_opts o = {0};
	uint8_t *mb = NULL, *rb = NULL;
	size_t ml, rl;
	rec_election *el = NULL;
	cli_rules rules = {0};
	char msg[512] = "";
	qerr e;
	int rc = TALLY_EXIT_USAGE;

	if (dir == NULL || mpath == NULL || rpath == NULL ||
	    (prev == NULL && (cli_opt(argc, argv, "--trustees") == NULL ||
	                      cli_opt(argc, argv, "--threshold") == NULL))) {
		fprintf(
		    stderr, "%s",
		    _("usage: quorum-tally init DIR --manifest M.json --roll R.csv "
		      "(--trustees N --threshold K | --runoff-of PREV_DIR) [--rules "
		      "PROFILE.json]...\n"
		      "  --rules: a rule profile replacing the built-in one of the same id (or the "
		      "built-in statute), or a province's; see quorum-tally rules\n"));
		return TALLY_EXIT_USAGE;
	}
	if (prev == NULL &&
	    (cli_u32(cli_opt(argc, argv, "--trustees"), 1, THRESHOLD_MAX_N, &o.n) != Q_OK ||
	     cli_u32(cli_opt(argc, argv, "--threshold"), 1, THRESHOLD_MAX_N, &o.k) != Q_OK ||
	     o.k > o.n)) {
		fprintf(stderr, _("quorum-tally init: need 1 <= --threshold <= --trustees <= %u\n"),
		        THRESHOLD_MAX_N);
		return TALLY_EXIT_USAGE;
	}
	if ((e = rec_read_file(mpath, MANIFEST_MAX_BYTES, &mb, &ml, msg, sizeof msg)) != Q_OK ||
	    (e = rec_read_file(rpath, 1u << 30, &rb, &rl, msg, sizeof msg)) != Q_OK) {
		fprintf(stderr, "quorum-tally init: %s\n", msg);
		goto out;
	}
	o.manifest = mb;
	o.manifest_len = ml;
	o.roll_csv = (const char *)rb;
	o.roll_len = rl;
	o.runoff_of = prev;
	if ((e = cli_rule_files(argc, argv, &rules)) != Q_OK)
		goto out;
	o.rule_files = (const uint8_t *const *)rules.bytes;
	o.rule_lens = rules.lens;
	o.rule_names = rules.names;
	o.nrule_files = rules.n;
	if ((e = rec_init(dir, &o, msg, sizeof msg)) != Q_OK) {
		fprintf(stderr, "quorum-tally init: %s\n", msg);
		rc = (e == Q_ERR_IO || e == Q_ERR_ARG || e == Q_ERR_EXISTS) ? TALLY_EXIT_USAGE
		                                                            : TALLY_EXIT_DATA;
		goto out;
	}
	if ((e = rec_open(&el, dir, msg, sizeof msg)) != Q_OK) {
		fprintf(stderr, "quorum-tally init: %s\n", msg);
		goto out;
	}
	{
		char hx[2 * SHA256_LEN + 1];
		hex_encode(hx, el->base_hash, SHA256_LEN);
		printf(_("election %s round %u created in %s\nbase hash %s\n%u-of-%u trustees\n"),
		       el->manifest->id, el->round, dir, hx, el->k, el->n);
		/* E-4.3: the number every turnout rule is tested against */
		printf(_("registered voters: %llu -- counted from the roll: 18 or older "
		         "on polling day, not deprived of political rights (parameters.json "
		         "\"registered\")\n"),
		       (unsigned long long)el->registered);
	}
	rc = TALLY_EXIT_OK;
out:
	cli_rule_files_free(&rules);
	rec_free(el);
	free(mb);
	free(rb);
	return rc;
}

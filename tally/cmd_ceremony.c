/*
 * cmd_ceremony.c -- quorum-tally ceremony STEP DIR ...
 *
 *   ceremony generate DIR --trustee I --secret FILE   [pass options]
 *   ceremony deal     DIR --trustee I --secret FILE   [pass options]
 *   ceremony receive  DIR --trustee I --secret FILE --key KEYFILE [pass]
 *   ceremony finish   DIR
 *
 * Pass options: --pass-fd N | --pass-file F (else a prompt; see cli.h).
 * Each trustee runs their steps on their own machine with their own
 * passphrase; DIR is their copy of the election directory (docs/
 * guide-trustee.md says which files travel).  Spec: docs/spec/record.md R-4.
 */
#include <stdio.h>
#include <string.h>

#include "ceremony.h"
#include "cli.h"
#include "cmds.h"
#include "crypto/util.h"
#include "election/i18n.h"
#include "record.h"

#include "banned.h"

static int exit_of(qerr e)
{
	if (e == Q_OK)
		return TALLY_EXIT_OK;
	if (e == Q_ERR_IO || e == Q_ERR_ARG || e == Q_ERR_NOMEM || e == Q_ERR_EXISTS)
		return TALLY_EXIT_USAGE;
	return TALLY_EXIT_DATA;
}

static int usage(void)
{
	fprintf(stderr, "%s",
	        _("usage: quorum-tally ceremony generate DIR --trustee I --secret FILE "
	          "[--pass-fd N | --pass-file F]\n"
	          "       quorum-tally ceremony deal DIR --trustee I --secret FILE [...]\n"
	          "       quorum-tally ceremony receive DIR --trustee I --secret FILE --key "
	          "KEYFILE [...]\n"
	          "       quorum-tally ceremony finish DIR\n"));
	return TALLY_EXIT_USAGE;
}

int cmd_ceremony(int argc, char **argv)
{
	static const char *const valued[] = {"--trustee", "--secret",    "--key",
	                                     "--pass-fd", "--pass-file", NULL};
	const char *step, *dir, *secret, *key;
	rec_election *el = NULL;
	secbuf *pass = NULL;
	uint32_t i = 0;
	char msg[768] = "";
	qerr e;

	if (argc < 3)
		return usage();
	step = argv[1];
	dir = cli_positional(argc - 1, argv + 1, valued);
	secret = cli_opt(argc, argv, "--secret");
	key = cli_opt(argc, argv, "--key");
	if (dir == NULL)
		return usage();
	if (strcmp(step, "finish") != 0) {
		if (secret == NULL ||
		    cli_u32(cli_opt(argc, argv, "--trustee"), 1, THRESHOLD_MAX_N, &i) != Q_OK)
			return usage();
		if (strcmp(step, "receive") == 0 && key == NULL)
			return usage();
		if (strcmp(step, "generate") != 0 && strcmp(step, "deal") != 0 &&
		    strcmp(step, "receive") != 0)
			return usage();
	}
	if ((e = rec_open(&el, dir, msg, sizeof msg)) != Q_OK) {
		fprintf(stderr, "quorum-tally ceremony: %s\n", msg);
		return exit_of(e);
	}
	if (strcmp(step, "finish") == 0) {
		e = ceremony_finish(el, msg, sizeof msg);
		if (e == Q_OK) {
			point *K = NULL;
			if (rec_load_joint_key(el, &K, NULL, msg, sizeof msg) == Q_OK) {
				uint8_t kb[POINT_LEN];
				char hx[2 * POINT_LEN + 1];
				if (point_encode(kb, K) == Q_OK) {
					hex_encode(hx, kb, sizeof kb);
					printf(_("key ceremony finished: %u-of-%u, joint key %s\n"),
					       el->k, el->n, hx);
				}
			}
			point_free(K);
		}
		goto out;
	}
	if ((e = cli_passphrase(argc, argv, strcmp(step, "generate") == 0, &pass)) != Q_OK)
		goto out;
	if (strcmp(step, "generate") == 0) {
		e = ceremony_generate(el, i, secret, pass->data, pass->len, cli_kdf_params(), msg,
		                      sizeof msg);
		if (e == Q_OK)
			printf(_("trustee %u: polynomial, commitments and proofs made; secret "
			         "sealed in %s\n"),
			       i, secret);
	} else if (strcmp(step, "deal") == 0) {
		e = ceremony_deal(el, i, secret, pass->data, pass->len, msg, sizeof msg);
		if (e == Q_OK)
			printf(_("trustee %u: %u shares dealt into trustees/%u/shares/\n"), i,
			       el->n - 1, i);
	} else {
		e = ceremony_receive(el, i, secret, key, pass->data, pass->len, cli_kdf_params(),
		                     NULL, msg, sizeof msg);
		if (e == Q_OK)
			printf(_("trustee %u: every share checked; key share sealed in %s\n"), i,
			       key);
	}
out:
	if (e != Q_OK)
		fprintf(stderr, "quorum-tally ceremony %s: %s\n", step, msg[0] ? msg : qerr_str(e));
	secbuf_free(pass);
	rec_free(el);
	return exit_of(e);
}

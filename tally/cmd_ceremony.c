/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_ceremony.c -- quorum-tally ceremony STEP DIR ...
 *
 *   ceremony generate DIR --trustee I --secret FILE           [pass options]
 *   ceremony fingerprints DIR
 *   ceremony reveal   DIR --trustee I --secret FILE [--fingerprints F] [pass]
 *   ceremony deal     DIR --trustee I --secret FILE           [pass options]
 *   ceremony receive  DIR --trustee I --secret FILE --key KEYFILE [pass]
 *   ceremony finish   DIR
 *
 * Pass options: --pass-fd N | --pass-file F (else a prompt; see cli.h).
 * Each trustee runs their steps on their own machine with their own
 * passphrase; DIR is their copy of the election directory (docs/
 * guide-trustee.md says which files travel).  Every file a trustee makes
 * is signed; what a step reads is checked against the signing keys the
 * trustee confirmed by fingerprint at reveal.  Spec: docs/spec/record.md
 *
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ceremony.h"
#include "cli.h"
#include "cmds.h"
#include "crypto/util.h"
#include "election/i18n.h"
#include "record.h"
#include "tsig.h"

#include "banned.h"

static int exit_of(qerr e)
{
	if (e == Q_OK)
		return TALLY_EXIT_OK;
	if (e == Q_ERR_IO || e == Q_ERR_ARG || e == Q_ERR_NOMEM || e == Q_ERR_EXISTS)
		return TALLY_EXIT_USAGE;
	return TALLY_EXIT_DATA;
}

static void help(FILE *f)
{
	fprintf(f, "%s",
	        _("usage: quorum-tally ceremony STEP DIR [options]\n"
	          "\n"
	          "The k-of-n key ceremony, in this order (docs/guide-trustee.md):\n"
	          "  generate DIR --trustee I --secret FILE\n"
	          "      make your keys, sealed in FILE; publish a signed commitment and\n"
	          "      print your fingerprint: read it out; everyone writes all of them down\n"
	          "  fingerprints DIR\n"
	          "      list the fingerprints of every trustee who has generated\n"
	          "  reveal DIR --trustee I --secret FILE [--fingerprints F]\n"
	          "      once all have generated: confirm every fingerprint (from file F, one\n"
	          "      \"I FINGERPRINT\" line per trustee, or by typing yes at the prompt)\n"
	          "      and publish your signed commitments and proofs\n"
	          "  deal DIR --trustee I --secret FILE\n"
	          "      once all have revealed: a sealed, signed share for every other trustee\n"
	          "  receive DIR --trustee I --secret FILE --key KEYFILE\n"
	          "      once all have dealt: check every share; your key share into KEYFILE\n"
	          "  finish DIR\n"
	          "      anyone: check everything and write the joint key\n"
	          "\n"
	          "Passphrase: --pass-fd N | --pass-file F, else a prompt on the terminal.\n"
	          "Every file a trustee makes is signed; every step checks what it reads\n"
	          "against the fingerprints the trustee confirmed, so whoever carries the\n"
	          "files between trustees cannot alter or replace them unnoticed.\n"));
}

static int usage(void)
{
	help(stderr);
	return TALLY_EXIT_USAGE;
}

static void print_fingerprints(const uint8_t (*pks)[SIG_PUBLIC_LEN], uint32_t n, FILE *f)
{
	for (uint32_t d = 1; d <= n; d++) {
		char fp[TSIG_FP_TEXT];
		tsig_fingerprint(fp, pks[d - 1]);
		fprintf(f, "  %u  %s\n", d, fp);
	}
}

/* the trustee confirms the n fingerprints: from a file, or on a
 * terminal by typing "yes". */
static qerr confirm_roster(const rec_election *el, const char *fpfile,
                           uint8_t (*roster)[SIG_PUBLIC_LEN], char *msg, size_t msgsz)
{
	qerr e;
	if ((e = ceremony_commitment_keys(el, roster, msg, msgsz)) != Q_OK)
		return e;
	if (fpfile != NULL) {
		uint8_t(*fps)[TSIG_FP_LEN] = calloc(el->n, sizeof *fps);
		if (fps == NULL)
			return Q_ERR_NOMEM;
		if ((e = tsig_read_fingerprints(fpfile, el->n, fps, msg, msgsz)) == Q_OK)
			for (uint32_t d = 1; d <= el->n && e == Q_OK; d++)
				if (!tsig_fingerprint_matches(roster[d - 1], fps[d - 1])) {
					char fp[TSIG_FP_TEXT];
					tsig_fingerprint(fp, roster[d - 1]);
					e = rec_fail(
					    Q_ERR_SIGNATURE, msg, msgsz,
					    _("trustee %u's commitment is signed by key %s, "
					      "not the fingerprint in %s: do not go on; "
					      "the files may have been replaced"),
					    d, fp, fpfile);
				}
		free(fps);
		return e;
	}
	if (!isatty(STDIN_FILENO))
		return rec_fail(Q_ERR_ARG, msg, msgsz,
		                _("reveal needs --fingerprints FILE, or a terminal to confirm the "
		                  "fingerprints on"));
	printf("%s", _("The trustees' fingerprints in the files you were given:\n"));
	print_fingerprints((const uint8_t(*)[SIG_PUBLIC_LEN])roster, el->n, stdout);
	printf("%s", _("Are these exactly the fingerprints the trustees read out? Type yes to go "
	               "on: "));
	fflush(stdout);
	{
		char line[64];
		if (fgets(line, sizeof line, stdin) == NULL || strcmp(line, "yes\n") != 0)
			return rec_fail(Q_ERR_ARG, msg, msgsz,
			                _("not confirmed: nothing was published"));
	}
	return Q_OK;
}

int cmd_ceremony(int argc, char **argv)
{
	static const char *const valued[] = {"--trustee",   "--secret",       "--key", "--pass-fd",
	                                     "--pass-file", "--fingerprints", NULL};
	static const char *const steps[] = {"generate", "reveal", "deal", "receive", NULL};
	const char *step, *dir, *secret, *key;
	rec_election *el = NULL;
	secbuf *pass = NULL;
	uint8_t(*roster)[SIG_PUBLIC_LEN] = NULL;
	uint32_t i = 0;
	char msg[768] = "";
	int known = 0;
	qerr e;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		help(stdout);
		return TALLY_EXIT_OK;
	}
	if (argc < 3)
		return usage();
	step = argv[1];
	dir = cli_positional(argc - 1, argv + 1, valued);
	secret = cli_opt(argc, argv, "--secret");
	key = cli_opt(argc, argv, "--key");
	if (dir == NULL)
		return usage();
	for (size_t s = 0; steps[s] != NULL; s++)
		known |= strcmp(step, steps[s]) == 0;
	if (known) {
		if (secret == NULL ||
		    cli_u32(cli_opt(argc, argv, "--trustee"), 1, THRESHOLD_MAX_N, &i) != Q_OK)
			return usage();
		if (strcmp(step, "receive") == 0 && key == NULL)
			return usage();
	} else if (strcmp(step, "finish") != 0 && strcmp(step, "fingerprints") != 0) {
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
	if ((roster = calloc(el->n, sizeof *roster)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if (strcmp(step, "fingerprints") == 0) {
		if ((e = ceremony_commitment_keys(el, roster, msg, sizeof msg)) == Q_OK) {
			printf(_("# fingerprints of the %u trustees' signing keys in these files "
			         "(R-4.0);\n# compare each with what the trustee read out\n"),
			       el->n);
			print_fingerprints((const uint8_t(*)[SIG_PUBLIC_LEN])roster, el->n, stdout);
		}
		goto out;
	}
	if (i > el->n) {
		e = rec_fail(Q_ERR_ARG, msg, sizeof msg, _("trustee index %u is not in 1..%u"), i,
		             el->n);
		goto out;
	}
	if (strcmp(step, "reveal") == 0 &&
	    (e = confirm_roster(el, cli_opt(argc, argv, "--fingerprints"), roster, msg,
	                        sizeof msg)) != Q_OK)
		goto out;
	if ((e = cli_passphrase(argc, argv, strcmp(step, "generate") == 0, &pass)) != Q_OK) {
		snprintf(msg, sizeof msg, "%s", _("no passphrase accepted (the reason is above)"));
		goto out;
	}
	if (strcmp(step, "generate") == 0) {
		uint8_t pk[SIG_PUBLIC_LEN];
		char fp[TSIG_FP_TEXT];
		e = ceremony_generate(el, i, secret, pass->data, pass->len, cli_kdf_params(), pk,
		                      msg, sizeof msg);
		if (e == Q_OK) {
			tsig_fingerprint(fp, pk);
			printf(_("trustee %u: keys made and sealed in %s; commitment published\n"),
			       i, secret);
			printf(_("your fingerprint (read it out; every trustee writes it down):\n"
			         "  %u  %s\n"),
			       i, fp);
		}
	} else if (strcmp(step, "reveal") == 0) {
		e = ceremony_reveal(el, i, secret, pass->data, pass->len,
		                    (const uint8_t(*)[SIG_PUBLIC_LEN])roster, msg, sizeof msg);
		if (e == Q_OK)
			printf(_("trustee %u: commitments, proofs and transport key published "
			         "(trustees/%u/public.json, signed)\n"),
			       i, i);
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
	free(roster);
	secbuf_free(pass);
	rec_free(el);
	return exit_of(e);
}

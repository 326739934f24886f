/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * quorum-audit verify-election RECORD_DIR [--json] [--full-crosscheck]
 *                                          [--sample N] [--seed HEX] [--jobs N]
 *                                          [--fingerprints FILE] [--previous DIR]
 *                                          [--roll FILE]
 * The observers' end-to-end check of an election record
 * (audit/verify_election.h; docs/spec/verify.md).  Exit 0 only if every
 * check passes, 1 if one fails, 2 for usage or an unreadable directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/verify_election.h"
#include "cli.h"
#include "election/i18n.h"
#include "crypto/util.h"

#include "banned.h"

static const char usage[] =
    N_("RECORD_DIR [--json] [--full-crosscheck] [--sample N] [--seed HEX] [--jobs N]\n"
       "Re-verify a whole election record: parameters and base hash, trustees'\n"
       "commitments and joint key, station records and logs, every ballot,\n"
       "reconciliation, the aggregate, the decryption, challenged ballots, the\n"
       "decision, and a libgcrypt cross-check (of N sampled ballots, default 32,\n"
       "or all with --full-crosscheck).  The sample is drawn at random when the\n"
       "cross-check starts, from a 32-byte seed that the report prints; --seed HEX\n"
       "(64 hex digits) draws it from that seed instead, so that a run's sample\n"
       "can be reproduced exactly (docs/spec/verify.md V-12).  One line per check;\n"
       "--json for the machine-readable report (V-13).  Ballots are verified on\n"
       "--jobs N cores (N threads; --threads N is the same; default: every\n"
       "online CPU).\n"
       "--fingerprints FILE: the trustees' fingerprints as written down at the key\n"
       "ceremony (lines \"<i> <fingerprint>\"); check 2 then also fails for any\n"
       "trustee whose signing key in the record has another fingerprint.\n"
       "--previous DIR: for a run-off record, the record of the round it continues\n"
       "(verify that one too); check 1 then also compares the base hash, key\n"
       "context, result hash and joint key this round cites with DIR's (V-3.5).\n"
       "--roll FILE: the roll whose SHA-256 is parameters.json roll_hash; check 11\n"
       "then also repeats the matching of the write-in names against it (V-17);\n"
       "without it the report says that the matching was not checked.\n"
       "--station S --partial FILE --key KEYFILE: verify station S's part only\n"
       "(its record, log, ballots, reconciliation and challenged ballots) and\n"
       "write its partial result, signed with KEYFILE (a key made by\n"
       "`quorum-audit init`), to FILE; `quorum-audit combine` checks the\n"
       "partials of every station against the published tally (V-16).");

/* V-16: the partial result as a signed note: its JSON on one line (ASCII),
 * then the signature line.  0, or -1 with the error said. */
static int write_partial(const char *path, const note_signer *ns, const json_t *p)
{
	char *text = NULL, *note = NULL;
	size_t nl = 0;
	int rc = -1;
	FILE *f = NULL;
	char *j =
	    p != NULL ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII) : NULL;
	size_t jl = j != NULL ? strlen(j) : 0;
	if (j == NULL || (text = malloc(jl + 2)) == NULL) {
		cli_err("verify-election", "%s: no partial result (out of memory)", path);
		goto out;
	}
	memcpy(text, j, jl);
	text[jl] = '\n';
	text[jl + 1] = '\0';
	if (note_sign(ns, text, jl + 1, &note, &nl) != Q_OK) {
		cli_err("verify-election", "%s: the partial result cannot be signed", path);
		goto out;
	}
	if ((f = fopen(path, "wx")) == NULL || fwrite(note, 1, nl, f) != nl) {
		cli_err("verify-election", "%s: cannot write the partial result (exists?)", path);
		goto out;
	}
	rc = 0;
out:
	if (f != NULL && fclose(f) != 0 && rc == 0) {
		cli_err("verify-election", "%s: cannot write the partial result", path);
		rc = -1;
	}
	free(j);
	free(text);
	free(note);
	return rc;
}

int cmd_verify_election(int argc, char **argv)
{
	const char *dir = NULL, *fpfile = NULL, *previous = NULL, *station = NULL, *partial = NULL,
	           *keyfile = NULL, *roll = NULL;
	note_signer ns;
	char *fptext = NULL;
	size_t fplen = 0;
	int json = 0;
	ve_opts o = {0, 0, 2, 0};
	uint8_t seed[VE_SEED_LEN];
	int have_seed = 0;
	ve_report *r = NULL;
	int rc = CLI_ERR;
	memset(&ns, 0, sizeof ns);
	if (cli_want_help(argc, argv, usage))
		return CLI_OK;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--station") == 0 && i + 1 < argc) {
			station = argv[++i];
		} else if (strcmp(argv[i], "--partial") == 0 && i + 1 < argc) {
			partial = argv[++i];
		} else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) {
			keyfile = argv[++i];
		} else if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "--fingerprints") == 0 && i + 1 < argc) {
			fpfile = argv[++i];
		} else if (strcmp(argv[i], "--previous") == 0 && i + 1 < argc) {
			previous = argv[++i];
		} else if (strcmp(argv[i], "--roll") == 0 && i + 1 < argc) {
			roll = argv[++i];
		} else if (strcmp(argv[i], "--full-crosscheck") == 0) {
			o.full_crosscheck = 1;
		} else if (strcmp(argv[i], "--sample") == 0 && i + 1 < argc) {
			if (!cli_parse_u64(argv[++i], &o.sample) || o.sample == 0) {
				cli_err("verify-election", "--sample needs a positive integer");
				return CLI_ERR;
			}
		} else if (strcmp(argv[i], "--seed") == 0) {
			const char *h = i + 1 < argc ? argv[++i] : "";
			if (strlen(h) != 2 * VE_SEED_LEN ||
			    hex_decode(seed, VE_SEED_LEN, h, strlen(h)) != Q_OK) {
				cli_err("verify-election",
				        "--seed needs exactly 64 hexadecimal digits (32 bytes), as "
				        "a report prints it; got \"%.80s\"",
				        h);
				return CLI_ERR;
			}
			have_seed = 1;
		} else if ((strcmp(argv[i], "--jobs") == 0 || strcmp(argv[i], "--threads") == 0) &&
		           i + 1 < argc) {
			uint64_t t;
			if (!cli_parse_u64(argv[++i], &t) || t == 0 || t > 16) {
				cli_err("verify-election",
				        "--jobs (or --threads) needs an integer from 1 to 16");
				return CLI_ERR;
			}
			o.threads = (unsigned)t;
		} else if (argv[i][0] != '-' && dir == NULL) {
			dir = argv[i];
		} else {
			cli_err("verify-election", "usage: quorum-audit verify-election %s",
			        _(usage));
			return CLI_ERR;
		}
	}
	if (dir == NULL) {
		cli_err("verify-election",
		        "usage: quorum-audit verify-election RECORD_DIR [--json]");
		return CLI_ERR;
	}
	if ((station != NULL) != (partial != NULL) || (partial != NULL) != (keyfile != NULL)) {
		cli_err("verify-election", "--station, --partial and --key go together");
		return CLI_ERR;
	}
	if (keyfile != NULL) {
		char *kt = NULL;
		size_t kl = 0;
		qerr ke = cli_read_file(keyfile, 4096, &kt, &kl);
		while (ke == Q_OK && kl > 0 && (kt[kl - 1] == '\n' || kt[kl - 1] == '\r'))
			kl--;
		if (ke == Q_OK)
			ke = note_signer_parse(&ns, kt, kl);
		if (kt != NULL) {
			explicit_bzero(kt, kl);
			free(kt);
		}
		if (ke != Q_OK || ns.pub.alg != NOTE_ALG_ED25519) {
			cli_err("verify-election",
			        "%s: not an Ed25519 signing key (make one with quorum-audit init)",
			        keyfile);
			note_signer_wipe(&ns);
			return CLI_ERR;
		}
	}
	ve_split sp = {station, NULL, 0, roll};
	if (fpfile != NULL && cli_read_file(fpfile, 1u << 16, &fptext, &fplen) != Q_OK) {
		cli_err("verify-election", "%s: cannot read the fingerprints file", fpfile);
		return CLI_ERR;
	}
	if ((r = calloc(1, sizeof *r)) == NULL)
		goto out;
	qerr e = ve_verify_split(dir, &o, have_seed ? seed : NULL, previous, &sp, r);
	if (e != Q_OK) {
		cli_err("verify-election", "%s: %s", dir,
		        e == Q_ERR_NOTFOUND ? _("not a directory") : qerr_str(e));
		goto out;
	}
	if (fptext != NULL) {
		char why[160];
		if (ve_report_check_fingerprints(r, fptext, fplen, why, sizeof why) != Q_OK) {
			cli_err("verify-election", "%s: not a fingerprints file: %s", fpfile, why);
			goto out;
		}
	}
	if (json) {
		json_t *j = ve_report_json(r, dir);
		char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
		json_decref(j);
		if (s == NULL) {
			cli_err("verify-election", "out of memory");
			goto out;
		}
		puts(s);
		free(s);
	} else {
		ve_report_print(stdout, r);
	}
	if (fflush(stdout) != 0)
		goto out;
	rc = ve_report_passed(r) ? CLI_OK : CLI_FAIL;
	if (partial != NULL && write_partial(partial, &ns, r->partial) != 0)
		rc = CLI_ERR;
out:
	note_signer_wipe(&ns);
	if (r != NULL)
		json_decref(r->partial);
	free(r);
	free(fptext);
	return rc;
}

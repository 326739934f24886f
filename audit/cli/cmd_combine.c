/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * quorum-audit combine RECORD_DIR VKEY PARTIAL... [--json] [--jobs N]
 * The combine step of a verification split by station (V-16): each
 * PARTIAL is a station's partial result written by `verify-election
 * --station S --partial FILE --key KEY` (a signed note); every one must
 * be signed by VKEY.  The whole record is then verified as verify-election
 * does, except that a station with an accepted partial (of this record,
 * every check passed) is not verified again in check 4: its ballots'
 * proofs and ciphertext sums are the partial's, and those sums must add up
 * with the others' to the published aggregate (check 6, and with
 * libgcrypt check 10).  Tracking codes and alphas are still compared
 * across all stations, and checks 1-3, 5, 7-10 run whole.  A station
 * without a partial is verified here.  Exit 0 only if every check passes,
 * 1 if one fails, 2 for usage or unreadable input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/verify_election.h"
#include "cli.h"

#include "banned.h"

static const char usage[] =
    "RECORD_DIR VKEY PARTIAL... [--json] [--jobs N]\n"
    "Combine stations' partial results (verify-election --station S --partial\n"
    "FILE --key KEY, each signed by VKEY) into the verification of the whole\n"
    "record: the partials' ballot sums must add up to the published aggregate,\n"
    "tracking codes and ciphertexts are compared across stations, and every\n"
    "other check runs as in verify-election (V-16).  A station without a\n"
    "partial is verified here.  The ballots it verifies are verified on --jobs N\n"
    "cores (N threads; --threads N is the same; default: every online CPU).";

#define MAX_PARTIAL (64u * 1024u)

/* Read a partial: verify its note signature under vk, parse its JSON. */
static json_t *load_partial(const char *path, const note_verifier *vk)
{
	char *buf = NULL;
	size_t len = 0, tl = 0;
	json_t *j = NULL;
	if (cli_read_file(path, MAX_PARTIAL, &buf, &len) != Q_OK) {
		cli_err("combine", "%s: cannot be read", path);
		return NULL;
	}
	if (note_verify(buf, len, vk, 1, &tl, NULL) != Q_OK) {
		cli_err("combine", "%s: not a partial result signed by the given key", path);
		goto out;
	}
	j = json_loadb(buf, tl, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(j)) {
		cli_err("combine", "%s: its signed text is not a JSON object", path);
		json_decref(j);
		j = NULL;
	}
out:
	free(buf);
	return j;
}

int cmd_combine(int argc, char **argv)
{
	const char *dir = NULL, *vkpath = NULL;
	note_verifier vk;
	ve_opts o = {0, 0, 2, 0};
	ve_split sp = {NULL, NULL, 0, NULL};
	json_t **ps = NULL;
	size_t np = 0;
	int json = 0, rc = CLI_ERR;
	ve_report *r = NULL;
	if (cli_want_help(argc, argv, usage))
		return CLI_OK;
	if ((ps = calloc((size_t)argc, sizeof *ps)) == NULL)
		return CLI_ERR;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if ((strcmp(argv[i], "--jobs") == 0 || strcmp(argv[i], "--threads") == 0) &&
		           i + 1 < argc) {
			uint64_t t;
			if (!cli_parse_u64(argv[++i], &t) || t == 0 || t > 16) {
				cli_err("combine",
				        "--jobs (or --threads) needs an integer from 1 to 16");
				goto out;
			}
			o.threads = (unsigned)t;
		} else if (argv[i][0] == '-') {
			cli_err("combine", "usage: quorum-audit combine %s", usage);
			goto out;
		} else if (dir == NULL) {
			dir = argv[i];
		} else if (vkpath == NULL) {
			vkpath = argv[i];
			if (cli_load_vkey(vkpath, &vk) != Q_OK || vk.alg != NOTE_ALG_ED25519) {
				cli_err("combine", "%s: not an Ed25519 verifier key", vkpath);
				goto out;
			}
		} else if ((ps[np++] = load_partial(argv[i], &vk)) == NULL) {
			goto out;
		}
	}
	if (dir == NULL || vkpath == NULL || np == 0) {
		cli_err("combine", "usage: quorum-audit combine %s", usage);
		goto out;
	}
	sp.partials = ps;
	sp.npartials = np;
	if ((r = calloc(1, sizeof *r)) == NULL)
		goto out;
	qerr e = ve_verify_split(dir, &o, NULL, NULL, &sp, r);
	if (e != Q_OK) {
		cli_err("combine", "%s: %s", dir,
		        e == Q_ERR_NOTFOUND ? "not a directory" : qerr_str(e));
		goto out;
	}
	if (json) {
		json_t *j = ve_report_json(r, dir);
		char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
		json_decref(j);
		if (s == NULL)
			goto out;
		puts(s);
		free(s);
	} else {
		ve_report_print(stdout, r);
	}
	if (fflush(stdout) != 0)
		goto out;
	rc = ve_report_passed(r) ? CLI_OK : CLI_FAIL;
out:
	for (size_t i = 0; i < np; i++)
		json_decref(ps[i]);
	free(ps);
	free(r);
	return rc;
}

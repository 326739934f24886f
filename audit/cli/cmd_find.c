/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * quorum-audit find LOG TRACKING-CODE [--base-hash HEX]
 * A voter's receipt check in one step: find the ballot-cast entry of a
 * station log whose tracking code (B-4: H_T(tag; base hash, ballot bytes))
 * is TRACKING-CODE, print its index and its inclusion proof against the
 * latest checkpoint (c2sp.org/tlog-proof@v1, as `prove` prints it; check
 * it with `check-proof`).  LOG is a station's log directory in an
 * election record (stations/<id>/log); the base hash is the record's
 * base-hash file (LOG/../../../base-hash) unless --base-hash gives it.
 * Exit: 0 found, 1 not in the log, 2 usage or I/O error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crypto/util.h"
#include "election/ballot.h"
#include "election/i18n.h"

#include "banned.h"

#define C "find"
#define FIND_TAG_CAST "quorum/v1/station/ballot-cast\n"

static const char usage[] =
    N_("LOG TRACKING-CODE [--base-hash HEX]\n"
       "Find the ballot with this tracking code (64 hex digits, as on the receipt)\n"
       "in a station's log and print its log index and its inclusion proof\n"
       "(tlog-proof@v1; check it with check-proof).  LOG is the station's log\n"
       "directory in the election record (stations/<id>/log); the election's\n"
       "base hash is read from the record's base-hash file, or given with\n"
       "--base-hash (64 hex digits).\n"
       "Exit status: 0 found, 1 not in this log, 2 usage or I/O error.");

/* base hash: --base-hash HEX, or LOG/../../../base-hash */
static int base_hash(const char *log, const char *hex, uint8_t bh[32])
{
	char path[4200], *t = NULL;
	size_t len = 0;
	if (hex == NULL) {
		snprintf(path, sizeof path, "%s/../../../base-hash", log);
		if (cli_read_file(path, 4096, &t, &len) != Q_OK) {
			cli_err(C,
			        "%s: cannot read the election's base hash; give it with "
			        "--base-hash HEX (the record's base-hash file)",
			        path);
			return -1;
		}
		while (len > 0 && (t[len - 1] == '\n' || t[len - 1] == '\r'))
			len--;
		hex = t;
	} else {
		len = strlen(hex);
	}
	int ok = len == 64 && hex_decode(bh, 32, hex, 64) == Q_OK;
	if (!ok)
		cli_err(C, "the base hash must be 64 hexadecimal digits");
	free(t);
	return ok ? 0 : -1;
}

int cmd_find(int argc, char **argv)
{
	char msg[LOG_MSG_MAX], *note = NULL, *out = NULL;
	uint8_t want[BALLOT_CODE_LEN], bh[32], code[BALLOT_CODE_LEN], *buf = NULL;
	size_t len = 0, outlen = 0, np = 0;
	merkle_hash proof[MERKLE_MAX_PROOF];
	checkpoint cp;
	audit_log *lg = NULL;
	ballot_style *st = NULL;
	int rc = CLI_ERR;
	if (cli_want_help(argc, argv, _(usage)))
		return CLI_OK;
	if (!(argc == 3 || (argc == 5 && strcmp(argv[3], "--base-hash") == 0))) {
		cli_err(C, "usage: quorum-audit find LOG TRACKING-CODE [--base-hash HEX]");
		return CLI_ERR;
	}
	if (strlen(argv[2]) != 2 * BALLOT_CODE_LEN ||
	    hex_decode(want, sizeof want, argv[2], strlen(argv[2])) != Q_OK) {
		cli_err(C, "%s: a tracking code is 64 hexadecimal digits", argv[2]);
		return CLI_ERR;
	}
	if (base_hash(argv[1], argc == 5 ? argv[4] : NULL, bh) != 0)
		return CLI_ERR;
	if ((st = ballot_style_new(0, bh)) == NULL || (buf = malloc(MERKLE_MAX_ENTRY)) == NULL) {
		cli_err(C, "out of memory");
		goto out;
	}
	qerr e = log_open(argv[1], LOG_RDONLY, &lg, msg, sizeof msg);
	if (e != Q_OK) {
		cli_err(C, "%s", msg[0] ? msg : qerr_str(e));
		goto out;
	}
	if ((e = log_checkpoint_get(lg, LOG_LATEST, &note, &len, &cp)) != Q_OK) {
		cli_err(C, "%s", log_error(lg));
		goto out;
	}
	size_t tl = strlen(FIND_TAG_CAST);
	for (uint64_t i = 0; i < cp.size; i++) {
		size_t el = MERKLE_MAX_ENTRY;
		if ((e = log_read_entry(lg, i, buf, &el)) != Q_OK) {
			cli_err(C, "entry %" PRIu64 " cannot be read: %s", i, qerr_str(e));
			goto out;
		}
		if (el < tl || memcmp(buf, FIND_TAG_CAST, tl) != 0)
			continue;
		ballot_tracking_code(code, st, buf + tl, el - tl);
		if (memcmp(code, want, sizeof code) != 0)
			continue;
		if ((e = log_prove_inclusion(lg, i, cp.size, proof, &np)) != Q_OK ||
		    (e = tlog_proof_format(i, (const merkle_hash *)proof, np, note, len, &out,
		                           &outlen)) != Q_OK) {
			cli_err(C, "cannot make the proof: %s", qerr_str(e));
			goto out;
		}
		fprintf(stderr,
		        _("quorum-audit find: tracking code %s is the ballot cast at log index "
		          "%" PRIu64 " of %s (origin %s, checkpoint size %" PRIu64 ");\n"
		          "its inclusion proof follows on standard output (save it and check "
		          "it with\nquorum-audit check-proof VKEY PROOF ENTRY)\n"),
		        argv[2], i, argv[1], log_origin(lg), cp.size);
		rc = cli_write_stdout(out, outlen) == Q_OK ? CLI_OK : CLI_ERR;
		goto out;
	}
	cli_err(C,
	        "no ballot with tracking code %s was cast in %s (%" PRIu64
	        " entries read): check the code and the station, or ask the returning officer",
	        argv[2], argv[1], cp.size);
	rc = CLI_FAIL;
out:
	free(buf);
	free(note);
	free(out);
	log_close(lg);
	ballot_style_free(st);
	return rc;
}

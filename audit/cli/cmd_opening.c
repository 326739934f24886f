/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * quorum-audit opening RECORD TRACKING-CODE
 * An observer's look at a challenged ballot (B-6, B-7): find it in the
 * station records' "challenged" lists of the election record RECORD,
 * check that its published opening opens its ciphertexts under the
 * election's joint key, and print what it held, contest by contest, in
 * words.  The station record's signature and the rest of the record are
 * verify-election's (check 8 checks every challenged ballot).
 * Exit: 0 found and the opening holds, 1 not found or the opening does not
 * open the ballot, 2 usage or I/O error.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crypto/group.h"
#include "crypto/util.h"
#include "election/ballot.h"
#include "election/findings.h"
#include "election/i18n.h"
#include "election/manifest.h"
#include "election/rules_record.h"
#include "election/runoff.h"

#include "banned.h"

#define C "opening"
#define OP_MAX (256u * 1024u * 1024u)

static const char usage[] =
    N_("RECORD TRACKING-CODE\n"
       "Show what a challenged ballot held: find it in the station records of the\n"
       "election record RECORD, check that its published opening opens its\n"
       "encrypted selections under the joint key (docs/spec/ballot.md B-7), and\n"
       "print each contest's marked options in words.  verify-election checks\n"
       "every challenged ballot and the records' signatures (check 8).\n"
       "Exit status: 0 shown and the opening holds, 1 not found or it does not\n"
       "hold, 2 usage or I/O error.");

/* A 64-hex-digit file (one line) into out. */
static int read_hex(const char *path, uint8_t *out, size_t n)
{
	char *t = NULL;
	size_t len = 0;
	if (cli_read_file(path, 4096, &t, &len) != Q_OK)
		return -1;
	while (len > 0 && (t[len - 1] == '\n' || t[len - 1] == '\r' || t[len - 1] == ' '))
		len--;
	int ok = len == 2 * n && hex_decode(out, n, t, len) == Q_OK;
	free(t);
	return ok ? 0 : -1;
}

static uint8_t *unb64(const json_t *o, const char *key, size_t *len)
{
	const char *s = json_string_value(json_object_get(o, key));
	if (s == NULL)
		return NULL;
	uint8_t *b = malloc(b64_max_decoded_len(strlen(s)) + 1);
	if (b != NULL && b64_decode(b, len, s, strlen(s)) != Q_OK) {
		free(b);
		b = NULL;
	}
	return b;
}

/* Print the opened marks of each balloted contest in words. */
static void show(const elec_manifest *m, const ballot_opening *op)
{
	size_t k = 0;
	for (size_t i = 0; i < m->ncontests; i++) {
		const elec_contest *mc = &m->contests[i];
		char *const *ids;
		size_t n;
		unsigned mn, mx;
		int any = 0;
		manifest_contest_options(mc, &ids, &n, &mn, &mx);
		if (mx == 0 || n == 0)
			continue;
		printf("  %s", mc->id);
		if (mc->title_zh != NULL || mc->title_en != NULL) {
			const char *zh = mc->title_zh ? mc->title_zh : "";
			const char *en = mc->title_en ? mc->title_en : "";
			if (en[0] == '\0' || strcmp(zh, en) == 0)
				printf(" (%s)", zh);
			else
				printf(" (%s / %s)", zh, en);
		}
		printf(":");
		for (size_t j = 0; j < n && k + j < op->n; j++) {
			if (!op->marks[k + j])
				continue;
			const char *name = NULL;
			for (size_t c = 0; c < mc->ncands; c++)
				if (strcmp(mc->cands[c].id, ids[j]) == 0)
					name = mc->cands[c].name;
			printf("%s%s", any ? ", " : " ", ids[j]);
			if (name != NULL)
				printf(" %s", name);
			any = 1;
		}
		if (!any)
			printf(" %s", _("(nothing marked)"));
		printf("\n");
		k += n;
	}
}

int cmd_opening(int argc, char **argv)
{
	char path[4200], *mb = NULL, *rb = NULL, why[256] = "";
	size_t ml = 0, rl = 0;
	uint8_t want[BALLOT_CODE_LEN], bh[32], kb[POINT_LEN];
	elec_manifest *m = NULL;
	rulebook *rbk = NULL;
	elec_findings f;
	ballot_style *st = NULL;
	point *K = NULL;
	int rc = CLI_ERR;
	elec_findings_init(&f);
	if (cli_want_help(argc, argv, _(usage)))
		return CLI_OK;
	if (argc != 3) {
		cli_err(C, "usage: quorum-audit opening RECORD TRACKING-CODE");
		return CLI_ERR;
	}
	if (strlen(argv[2]) != 2 * BALLOT_CODE_LEN ||
	    hex_decode(want, sizeof want, argv[2], strlen(argv[2])) != Q_OK) {
		cli_err(C, "%s: a tracking code is 64 hexadecimal digits", argv[2]);
		return CLI_ERR;
	}
	snprintf(path, sizeof path, "%s/manifest.json", argv[1]);
	if (cli_read_file(path, OP_MAX, &mb, &ml) != Q_OK) {
		cli_err(C, "%s: cannot read a valid manifest (is %s an election record?)", path,
		        argv[1]);
		goto out;
	}
	/* RP-5.2: the manifest against the record's own rule profiles (each
	 * checked against the SHA-256 parameters.json lists), never the
	 * profiles built into this program */
	qerr le = rules_load_election(argv[1], (const uint8_t *)mb, ml, &rbk, &m, &f);
	if (le != Q_OK) {
		const elec_finding *fe = NULL;
		for (size_t i = 0; i < f.n && fe == NULL; i++)
			if (f.v[i].severity == ELEC_ERROR)
				fe = &f.v[i];
		cli_err(C, "%s/%s: %s (docs/spec/rules.md RP-5.2)", argv[1],
		        fe != NULL && fe->where ? fe->where : "manifest.json",
		        fe != NULL ? fe->message : qerr_str(le));
		goto out;
	}
	snprintf(path, sizeof path, "%s/base-hash", argv[1]);
	if (read_hex(path, bh, sizeof bh) != 0) {
		cli_err(C, "%s: cannot read the base hash (64 hex digits)", path);
		goto out;
	}
	snprintf(path, sizeof path, "%s/joint-key", argv[1]);
	if (read_hex(path, kb, sizeof kb) != 0 || (K = point_new()) == NULL ||
	    point_decode(K, kb, sizeof kb) != Q_OK) {
		cli_err(C, "%s: cannot read the joint key (130 hex digits)", path);
		goto out;
	}
	{
		/* B-1: the one derivation (a run-off's from previous/result.json) */
		char swhy[300] = "";
		json_t *prevd = NULL;
		qerr se = Q_OK;
		if (m->runoff_round >= 2) {
			snprintf(path, sizeof path, "%s/previous/result.json", argv[1]);
			se = runoff_read_result(path, &prevd, NULL, swhy, sizeof swhy);
		}
		if (se == Q_OK)
			se = elec_round_style(m, prevd, bh, &st, swhy, sizeof swhy);
		json_decref(prevd);
		if (se != Q_OK) {
			cli_err(C, "%s: no usable ballot style in the manifest", argv[1]);
			fprintf(stderr, "  %s\n", swhy);
			goto out;
		}
	}
	for (size_t s = 0; s < m->nstations; s++) {
		json_error_t je;
		const json_t *ch, *c;
		size_t i;
		free(rb);
		rb = NULL;
		snprintf(path, sizeof path, "%s/stations/%s/station-record.json", argv[1],
		         m->stations[s].id);
		if (cli_read_file(path, OP_MAX, &rb, &rl) != Q_OK)
			continue; /* not closed yet, or not copied */
		json_t *rec = json_loadb(rb, rl, 0, &je);
		ch = json_object_get(rec, "challenged");
		json_array_foreach(ch, i, c)
		{
			const char *tc = json_string_value(json_object_get(c, "tracking_code"));
			uint8_t code[BALLOT_CODE_LEN];
			if (tc == NULL || strlen(tc) != 64 ||
			    hex_decode(code, sizeof code, tc, 64) != Q_OK ||
			    memcmp(code, want, sizeof code) != 0)
				continue;
			size_t bl = 0, ol = 0;
			uint8_t *enc = unb64(c, "ballot", &bl), *opb = unb64(c, "opening", &ol);
			ballot *b = NULL;
			ballot_opening *op = NULL;
			qerr e = Q_ERR_FORMAT;
			if (enc != NULL && opb != NULL && ballot_decode(st, enc, bl, &b) == Q_OK &&
			    ballot_opening_decode(st, opb, ol, &op) == Q_OK)
				e = ballot_opening_check(st, K, b, op, why, sizeof why);
			printf(_("Challenged ballot %s at station %s (challenged[%zu] of %s):\n"),
			       argv[2], m->stations[s].id, i, path);
			if (e == Q_OK) {
				printf("%s\n", _("its published opening opens its encrypted "
				                 "selections (B-7); it held:"));
				show(m, op);
				rc = CLI_OK;
			} else {
				printf(_("FAILED: its published opening does not open it (%s): the "
				         "booth's encryption cannot be confirmed\n"),
				       why[0] ? why : qerr_str(e));
				rc = CLI_FAIL;
			}
			ballot_free(b);
			ballot_opening_free(op);
			free(enc);
			free(opb);
			json_decref(rec);
			goto out;
		}
		json_decref(rec);
	}
	cli_err(C,
	        "no challenged ballot with tracking code %s in the station records of %s "
	        "(a cast ballot is never opened; check the code)",
	        argv[2], argv[1]);
	rc = CLI_FAIL;
out:
	free(rb);
	free(mb);
	point_free(K);
	ballot_style_free(st);
	manifest_free(m);
	rulebook_free(rbk);
	elec_findings_free(&f);
	return rc;
}

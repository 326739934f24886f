/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_runoff.c -- quorum-tally runoff PREV_DIR [--out MANIFEST.json]
 *
 * The run-off (另行选举) manifest from a round's verified result
 * (docs/spec/election.md E-5): PREV_DIR is verified end to end as an
 * observer would (quorum-audit verify-election's checks), then only the
 * contests its decision sent to a run-off are kept, each with the
 * best-placed non-elected candidates (UL19.runoff, ties at the cut taken
 * together) for the seats left, and the manifest cites the round's base
 * hash, result hash and manifest hash.  `init --runoff-of PREV_DIR`
 * accepts only this manifest (E-5.3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/verify_election.h"
#include "cli.h"
#include "cmds.h"
#include "election/i18n.h"
#include "election/runoff.h"
#include "record.h"

#include "banned.h"

#define RUNOFF_MAX_WITHDRAWN 64

static void help(FILE *out)
{
	fprintf(
	    out, "%s",
	    _("NAME\n"
	      "    quorum-tally runoff - write the run-off (另行选举) manifest from a "
	      "round's verified result\n"
	      "\n"
	      "SYNOPSIS\n"
	      "    quorum-tally runoff PREV_DIR [--out MANIFEST.json] [--withdrawn ID=REASON]...\n"
	      "\n"
	      "DESCRIPTION\n"
	      "    PREV_DIR is the record of the round just decided (round 1, or an\n"
	      "    earlier run-off).  It is first verified end to end, with every check\n"
	      "    of quorum-audit verify-election; if any check fails nothing is\n"
	      "    written.  Then, for each office whose decision is \"runoff\":\n"
	      "      - seats: the seats the round left unfilled;\n"
	      "      - candidates: the best-placed candidates not elected, as many as\n"
	      "        the seats left plus one, and every candidate with as many votes\n"
	      "        as the last one taken (a tie at the cut sends them all)\n"
	      "        (UL19.runoff); they keep their ballot order;\n"
	      "      - a ballot marks at most the seats left;\n"
	      "      - rule: a candidate is elected with the most votes and at least\n"
	      "        one third of the run-off's ballots cast, without a turnout test.\n"
	      "    Offices already filled, and every other contest, are left out.  The\n"
	      "    manifest cites PREV_DIR's base hash, result.json hash and manifest\n"
	      "    hash (\"runoff\"), so the run-off is linked to the round it continues;\n"
	      "    it is polled on the same roll with the same trustees' keys:\n"
	      "      quorum-tally init NEW_DIR --manifest MANIFEST.json --roll ROLL.csv \\\n"
	      "          --runoff-of PREV_DIR\n"
	      "    The run-off's candidates, the cut and any tie at it are printed.\n"
	      "    A contest where the seats left are not fewer than the candidates\n"
	      "    eligible cannot have a run-off (UL18.contested): candidates must be\n"
	      "    nominated anew.\n"
	      "\n"
	      "OPTIONS\n"
	      "    --out FILE   write the manifest to FILE (it must not exist);\n"
	      "                 default: standard output\n"
	      "    --withdrawn ID=REASON\n"
	      "                 candidate ID, sent to the run-off, has withdrawn or is no\n"
	      "                 longer eligible (REASON says why, e.g. \"本人书面辞去候选人\");\n"
	      "                 the cut is taken again without them, so the next placed\n"
	      "                 move up; the manifest lists them with the reason.  May be\n"
	      "                 repeated.\n"
	      "    --help       this text\n"
	      "\n"
	      "EXIT STATUS\n"
	      "    0 the manifest was written; 1 PREV_DIR does not verify or its result\n"
	      "    sends nothing to a run-off (the messages say why); 2 usage or I/O.\n"
	      "\n"
	      "SEE ALSO\n"
	      "    docs/spec/election.md E-5, docs/spec/decide.md D-3.6, "
	      "docs/guide-returning-officer.md\n"));
}

/* Print the plan: each contest, its seats, the candidates and the cut. */
static void print_plan(FILE *out, const runoff_plan *p)
{
	for (size_t c = 0; c < p->ncontests; c++) {
		const runoff_contest *rc = &p->contests[c];
		fprintf(out, _("run-off (round %u) of %s: %u seat(s) left, %zu candidates:"),
		        p->round, rc->from->id, rc->seats, rc->ncands);
		for (size_t k = 0; k < rc->ncands; k++) {
			const elec_candidate *cd = &rc->from->cands[rc->cand[k]];
			fprintf(out, " %s (%s)", cd->name ? cd->name : cd->id, cd->id);
		}
		fprintf(out, "\n");
		if (rc->ncands > rc->want)
			fprintf(
			    out,
			    _("  tie at the cut: %zu candidates are taken, not %zu, because %zu "
			      "of them have %llu votes, as many as the last place taken "
			      "(UL19.runoff)\n"),
			    rc->ncands, rc->want, rc->ncands - rc->want + 1,
			    (unsigned long long)rc->cut_votes);
		else
			fprintf(out,
			        _("  cut: the best-placed %zu not elected (seats left + 1); the "
			          "last taken has %llu votes\n"),
			        rc->want, (unsigned long long)rc->cut_votes);
	}
}

int cmd_runoff(int argc, char **argv)
{
	static const char *const valued[] = {"--out", "--withdrawn", NULL};
	char *wid[RUNOFF_MAX_WITHDRAWN], *why[RUNOFF_MAX_WITHDRAWN];
	size_t nw = 0;
	const char *dir = cli_positional(argc, argv, valued);
	const char *outp = cli_opt(argc, argv, "--out");
	rec_election *el = NULL;
	runoff_plan *plan = NULL;
	uint8_t *bytes = NULL;
	size_t len = 0;
	char msg[1024] = "";
	ve_report *r = NULL;
	int rc = TALLY_EXIT_USAGE;
	qerr e;
	if (cli_flag(argc, argv, "--help") || cli_flag(argc, argv, "-h")) {
		help(stdout);
		return TALLY_EXIT_OK;
	}
	if (dir == NULL) {
		fprintf(stderr, "%s",
		        _("usage: quorum-tally runoff PREV_DIR [--out MANIFEST.json] "
		          "(quorum-tally runoff --help)\n"));
		return TALLY_EXIT_USAGE;
	}
	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--withdrawn") != 0)
			continue;
		const char *v = argv[++i], *eq = strchr(v, '=');
		if (eq == NULL || eq == v || eq[1] == '\0' || nw == RUNOFF_MAX_WITHDRAWN) {
			fprintf(stderr,
			        _("quorum-tally runoff: --withdrawn needs ID=REASON (at most %d): "
			          "\"%s\"\n"),
			        RUNOFF_MAX_WITHDRAWN, v);
			goto out;
		}
		wid[nw] = strndup(v, (size_t)(eq - v));
		why[nw] = strdup(eq + 1);
		if (wid[nw] == NULL || why[nw] == NULL) {
			free(wid[nw]);
			free(why[nw]);
			goto out;
		}
		nw++;
	}
	/* only a verified result decides who goes to the run-off */
	ve_opts vo = {0, 0, -1, 0};
	if ((r = calloc(1, sizeof *r)) == NULL)
		goto out;
	if ((e = ve_verify(dir, &vo, r)) != Q_OK) {
		fprintf(stderr, _("quorum-tally runoff: cannot verify %s: %s\n"), dir, qerr_str(e));
		goto out;
	}
	if (!ve_report_passed(r)) {
		ve_report_print(stderr, r);
		fprintf(stderr,
		        _("quorum-tally runoff: %s does not verify (check %d, %s, failed first): "
		          "no run-off is built from an unverified result\n"),
		        dir, ve_report_first_failure(r), ve_check_name(ve_report_first_failure(r)));
		rc = TALLY_EXIT_DATA;
		goto out;
	}
	if ((e = rec_open(&el, dir, msg, sizeof msg)) != Q_OK ||
	    (e = rec_runoff_manifest(el, wid, why, nw, &bytes, &len, &plan, msg, sizeof msg)) !=
	        Q_OK) {
		fprintf(stderr, "quorum-tally runoff: %s\n", msg[0] ? msg : qerr_str(e));
		rc = e == Q_ERR_IO || e == Q_ERR_NOMEM ? TALLY_EXIT_USAGE : TALLY_EXIT_DATA;
		goto out;
	}
	print_plan(outp ? stdout : stderr, plan);
	if (outp != NULL) {
		if ((e = rec_write_file(outp, bytes, len, 0644, 1, msg, sizeof msg)) != Q_OK) {
			fprintf(stderr, "quorum-tally runoff: %s\n", msg[0] ? msg : qerr_str(e));
			goto out;
		}
		printf(_("run-off manifest written to %s\n"), outp);
	} else if (fwrite(bytes, 1, len, stdout) != len || fflush(stdout) != 0) {
		goto out;
	}
	rc = TALLY_EXIT_OK;
out:
	for (size_t i = 0; i < nw; i++) {
		free(wid[i]);
		free(why[i]);
	}
	free(r);
	free(bytes);
	runoff_plan_free(plan);
	rec_free(el);
	return rc;
}

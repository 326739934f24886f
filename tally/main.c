/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c -- quorum-tally: dispatch a subcommand from the table. */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "election/i18n.h"

#include "banned.h"

typedef struct tally_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help; /* one line */
} tally_cmd;

static const tally_cmd cmds[] = {
    {"decide", cmd_decide,
     N_("decide MANIFEST COUNTS.json [--text] [--roll ROLL.csv] [--rules PROFILE.json]...: apply "
        "the rules, print the decision")},
    {"rules", cmd_rules,
     N_("rules show [PROFILE] | rules check FILE...: read or validate the rule profiles")},
    {"init", cmd_init,
     N_("init DIR --manifest M --roll R (--trustees N --threshold K | --runoff-of PREV) "
        "[--rules PROFILE.json]...: new election")},
    {"runoff", cmd_runoff,
     N_("runoff PREV_DIR [--out M.json] [--withdrawn ID=REASON]...: the run-off manifest from a "
        "verified round (--help)")},
    {"roll-change", cmd_roll_change,
     N_("roll-change DIR --roll NEW.csv --reason TEXT --decided DATE --decision REF: a roll "
        "change decided on an objection, logged and signed")},
    {"ceremony", cmd_ceremony,
     N_("ceremony generate|fingerprints|reveal|deal|receive|finish DIR [--trustee I "
        "--secret F --key F]: key ceremony, in this order (ceremony --help)")},
    {"tally", cmd_tally,
     N_("tally DIR [--jobs N]: check station records, verify ballots, aggregate")},
    {"mix", cmd_mix,
     N_("mix DIR --trustee I --key KEYFILE: a trustee shuffles the write-in slots, with a "
        "proof (after tally, before decrypt)")},
    {"decrypt", cmd_decrypt,
     N_("decrypt DIR --trustee I --key KEYFILE: a trustee's partial decryption with proofs")},
    {"combine", cmd_combine,
     N_("combine DIR [--roll ROLL.csv]: k valid partials -> counts -> rules -> result (the roll "
        "matches write-ins)")},
    {"report", cmd_report, N_("report DIR: result announcement as report.txt and report.html")},
    {"publish", cmd_publish,
     N_("publish DIR OUT: copy the record for publication, private keys withheld")},
};

static void usage(FILE *out)
{
	fprintf(out, "%s", _("usage: quorum-tally <command> [args]\n\ncommands:\n"));
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(out, "  %-10s %s\n", cmds[i].name, _(cmds[i].help));
	fprintf(out, "%s",
	        _("\nexit codes: 0 ok, 1 bad data (message on stderr), 2 usage or I/O\n"));
}

int main(int argc, char **argv)
{
	i18n_init();
	if (argc < 2) {
		usage(stderr);
		return TALLY_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return TALLY_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].run(argc - 1, argv + 1);
	fprintf(stderr, _("quorum-tally: unknown command \"%s\"\n"), argv[1]);
	usage(stderr);
	return TALLY_EXIT_USAGE;
}

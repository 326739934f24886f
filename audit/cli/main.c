/* SPDX-License-Identifier: GPL-3.0-or-later */
/* quorum-audit: observers' tool for the audit log (docs/spec/audit.md, A-8). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "election/i18n.h"

/* The table is an X-macro include, so it comes before banned.h (which must
 * be the last #include); it holds data only, no calls. */
struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
};

static const struct cli_cmd commands[] = {
#define CLI_COMMAND(name, fn, usage) {name, fn, usage},
#include "commands.h"
#undef CLI_COMMAND
};

#include "banned.h"

static void usage(FILE *f)
{
	fprintf(f, "%s",
	        _("usage: quorum-audit COMMAND [ARGS...]   (quorum-audit COMMAND --help)\n"
	          "exit status: 0 holds, 1 a check failed, 2 usage or I/O error\n\n"));
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-18s %s\n", commands[i].name, _(commands[i].usage));
}

int main(int argc, char **argv)
{
	i18n_init();
	if (argc < 2) {
		usage(stderr);
		return CLI_ERR;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return CLI_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, _("quorum-audit: unknown command '%s'\n"), argv[1]);
	usage(stderr);
	return CLI_ERR;
}

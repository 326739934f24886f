/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_roll.c -- a roll changed after publication (UL17.objections;
 * docs/spec/record.md ):
 *
 *   quorum-tally roll-change DIR --roll NEW.csv --reason TEXT
 *                --decided YYYY-MM-DD --decision REF
 *
 * appends a `roll-changed` entry (old hash, new hash, voters, reason, the
 * date and reference of the objection's decision) to the election log and
 * signs a checkpoint over it with the returning officer's election log key.
 * Refused once a station record or the tally is in DIR, and when the
 * decision date is outside the objection window or on/after polling day.
 *
 * rec_roll_chain (roll_chain.c, called by rec_open) reads the chain back: every command
 * that opens the record knows the roll in force (el->roll.head), and the
 * tally requires each station's roll-imported entry to name it (R-5 (10)).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "crypto/util.h"
#include "election/i18n.h"
#include "record.h"

#include "banned.h"

int cmd_roll_change(int argc, char **argv)
{
	static const char *const valued[] = {"--roll", "--reason", "--decided", "--decision", NULL};
	const char *dir = cli_positional(argc, argv, valued);
	const char *rpath = cli_opt(argc, argv, "--roll");
	const char *reason = cli_opt(argc, argv, "--reason");
	const char *decided = cli_opt(argc, argv, "--decided");
	const char *decision = cli_opt(argc, argv, "--decision");
	rec_election *el = NULL;
	uint8_t *rb = NULL, h[SHA256_LEN], old[SHA256_LEN];
	size_t rl = 0, voters = 0;
	char msg[1024] = "";
	qerr e;
	int rc = TALLY_EXIT_USAGE;
	if (dir == NULL || rpath == NULL || reason == NULL || decided == NULL || decision == NULL) {
		fprintf(
		    stderr, "%s",
		    _("usage: quorum-tally roll-change DIR --roll NEW.csv --reason TEXT "
		      "--decided YYYY-MM-DD --decision REF\n"
		      "  a change of the published roll decided on an objection (UL17.objections): "
		      "logged and signed in the election log; give every station the election "
		      "directory's log/ with the new roll\n"));
		return TALLY_EXIT_USAGE;
	}
	if ((e = rec_read_file(rpath, 1u << 30, &rb, &rl, msg, sizeof msg)) != Q_OK) {
		fprintf(stderr, "quorum-tally roll-change: %s\n", msg);
		goto out;
	}
	if ((e = rec_open(&el, dir, msg, sizeof msg)) != Q_OK) {
		fprintf(stderr, "quorum-tally roll-change: %s\n", msg);
		rc = TALLY_EXIT_DATA;
		goto out;
	}
	memcpy(old, el->roll.head, SHA256_LEN);
	if ((e = rec_roll_change(el, rb, rl, reason, decided, decision, h, &voters, msg,
	                         sizeof msg)) != Q_OK) {
		fprintf(stderr, "quorum-tally roll-change: %s\n", msg);
		rc = e == Q_ERR_ARG ? TALLY_EXIT_USAGE : TALLY_EXIT_DATA;
		goto out;
	}
	{
		char ox[2 * SHA256_LEN + 1], nx[2 * SHA256_LEN + 1];
		hex_encode(ox, old, SHA256_LEN);
		hex_encode(nx, h, SHA256_LEN);
		printf(_("roll changed (%s, decided %s, %s): %s -> %s, %zu voters\n"
		         "logged in %s/log with a signed checkpoint; give every station the new "
		         "roll and the election directory's log/ (without log/key): a station "
		         "imports only the roll in force\n"),
		       ROLL_CHANGE_RULE, decided, decision, ox, nx, voters, dir);
	}
	rc = TALLY_EXIT_OK;
out:
	free(rb);
	rec_free(el);
	return rc;
}

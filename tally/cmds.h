/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmds.h -- the subcommands of quorum-tally.  Each takes the arguments after
 * its name (argv[0] is the subcommand name) and returns the process exit
 * code: 0 ok, 1 a check or decision could not be made because of bad data
 * (a message on stderr says what), 2 usage or I/O error.
 * Add a subcommand: declare it here, add a row to the table in main.c, and
 * its file to tally/meson.build.
 */
#ifndef QUORUM_TALLY_CMDS_H
#define QUORUM_TALLY_CMDS_H

#define TALLY_EXIT_OK 0
#define TALLY_EXIT_DATA 1
#define TALLY_EXIT_USAGE 2

int cmd_decide(int argc, char **argv);
int cmd_rules(int argc, char **argv);
/* h6: election record, key ceremony, tally, decryption, result, report */
int cmd_init(int argc, char **argv);
int cmd_ceremony(int argc, char **argv);
int cmd_tally(int argc, char **argv);
int cmd_mix(int argc, char **argv);
int cmd_decrypt(int argc, char **argv);
int cmd_combine(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_publish(int argc, char **argv);
/* issue 18: the run-off manifest from a verified result (E-5) */
int cmd_runoff(int argc, char **argv);
/* issue 22: a roll changed after publication (R-3.1, tally/cmd_roll.c) */
int cmd_roll_change(int argc, char **argv);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ballotd_conf.h -- quorum-ballotd's settings: the configuration file
 * (/etc/quorum/ballotd.conf by default, quorum-ballotd.conf(5)) and the
 * command line, which overrides it, and --check-config.
 *
 * The file has one "NAME = VALUE" a line; '#' starts a comment line;
 * NAME is a long option of quorum-ballotd without its "--" (election,
 * station, state, socket-dir, key-file, key-credential, read-timeout,
 * idle-timeout, pending-ttl, admin-group, operator-group, booth-group,
 * foreground); VALUE runs to
 * the end of the line, surrounding blanks removed.  A later line
 * overrides an earlier one.  Every problem is printed, naming the file,
 * the line and the setting, and counted.
 */
#ifndef QUORUM_VOTER_BALLOTD_CONF_H
#define QUORUM_VOTER_BALLOTD_CONF_H

#include <stddef.h>

typedef struct ballotd_opts {
	const char *election, *station_id, *state;
	const char *sockdir; /* --socket-dir (NULL: the state directory) */
	const char *keyfile; /* --key-file */
	const char *keycred; /* --key-credential: $CREDENTIALS_DIRECTORY/NAME */
	long keyfd; /* -1: none */
	long timeout, idle, ttl;
	int fg;
	int group_set[3]; /* index 0 admin, 1 operator, 2 booth (as station_config) */
	unsigned gid[3];
	char **owned; /* values read from the file */
	size_t nowned;
} ballotd_opts;

void bopts_init(ballotd_opts *o);
void bopts_free(ballotd_opts *o);

/* Apply one setting.  where names it in a message ("--read-timeout" or
 * "FILE:LINE: read-timeout").  val must outlive o.  Prints the problem
 * and returns -1 if the value is bad or the name unknown. */
int bopts_set(ballotd_opts *o, const char *name, const char *val, const char *where);

/* Read a configuration file into o.  Returns the number of problems
 * (each printed); a missing file is a problem unless missing_ok. */
int bopts_read_file(ballotd_opts *o, const char *path, int missing_ok);

/* 1 if o names exactly one passphrase source. */
int bopts_key_ok(const ballotd_opts *o);

/* --check-config: the required settings are there, the election
 * directory loads and lists the station, the state directory and the
 * passphrase source are usable.  Prints each problem and returns their
 * number plus earlier (problems already found reading the settings),
 * and the total (0: that the configuration is valid). */
int bopts_check(const ballotd_opts *o, const char *conf_path, int earlier);

#endif

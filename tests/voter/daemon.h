/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers for the quorum-ballotd integration tests: an election directory,
 * a real daemon process in a temporary directory, and a socket client. */
#ifndef QUORUM_TESTS_VOTER_DAEMON_H
#define QUORUM_TESTS_VOTER_DAEMON_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct tdaemon {
	char dir[256]; /* the test's temporary directory */
	char el[300]; /* election directory */
	char state[300]; /* state directory */
	char roll[300]; /* roll CSV */
	char log[300]; /* daemon stderr */
	pid_t pid;
	pid_t worker; /* the daemon's worker process (P-9) when last started, or 0 */
	char roll_hash[65]; /* parameters.json roll_hash, hex */
} tdaemon;

/* Make dir/el (manifest.json, joint-key) and dir/roll.csv with nvoters
 * eligible voters V0001.. in g1/g2 plus U0001 (under 18) and W0001 (group
 * g3, another station).  The joint key is s*G for the scalar 7. */
void td_setup(tdaemon *d, int nvoters);

/* Write d->el/parameters.json naming SHA-256(csv) as the election's
 * roll_hash (td_setup does it for d->roll). */
void td_set_roll_hash(tdaemon *d, const char *csv, size_t len);

/* The election's rule profiles as quorum-tally init sets them (RP-5.1):
 * the built-in profiles with the n given files in their place (names[i] a
 * file name, texts[i] its bytes), the ones the manifest in d->el uses
 * copied to d->el/rules/ and listed in parameters.json; base-hash
 * rewritten.  td_set_roll_hash does it with n = 0. */
void td_set_profiles(tdaemon *d, const char *const *names, const char *const *texts, size_t n);

/* Write d->el/base-hash as quorum-tally init does from the
 * manifest.json and parameters.json there now. */
void td_write_base_hash(const tdaemon *d);

/* An extra "NAME=value" for the daemon's environment (test hooks), or NULL. */
extern const char *td_extra_env;
/* Set before td_setup: the manifest gets a named-vote motion "hall"
 * (E-2.1) after its two offices. */
extern int td_named_motion;

/* The daemon program, relative to QUORUM_BUILD_ROOT (NULL: the real
 * voter/quorum-ballotd). */
extern const char *td_daemon_bin;
/* Extra command-line arguments for the daemon (NULL-terminated, at most 8). */
extern const char *td_extra_args[8];

/* The daemon binary in voter/ (NULL: quorum-ballotd-test, the build with
 * the test hooks; "quorum-ballotd" is the release build). */
extern const char *td_binary;

/* The station id the daemon is started for (NULL: "s1"). */
extern const char *td_station;
/* Non-zero: start without --foreground (its stdout and stderr still go to
 * d->log). */
extern int td_no_foreground;

/* Start the daemon with this passphrase (via --key-fd) and wait until its
 * sockets answer.  Returns 0, or -1 if it exited (its status in *status). */
int td_start(tdaemon *d, const char *pass, int *status);

/* SIGTERM and wait; returns the exit status (or -1 if killed by a signal). */
int td_stop(tdaemon *d);

/* SIGKILL and reap. */
void td_kill(tdaemon *d);

/* The directory of the daemon's sockets, when a test gives it
 * --socket-dir (NULL: the state directory). */
extern const char *td_socket_dir;

/* Connect to role's socket (in td_socket_dir or d->state); -1 on failure. */
int td_connect(const tdaemon *d, const char *role);

/* Send raw bytes (len) on fd. */
void td_send(int fd, const char *data, size_t len);

/* Read one reply line from fd and parse it; NULL on EOF/parse failure. */
json_t *td_recv(int fd);

/* One request (a JSON text, newline added) on a fresh connection. */
json_t *td_req(const tdaemon *d, const char *role, const char *json);

/* The error code of a reply, or NULL if ok. */
const char *td_err(const json_t *rep);

/* Marks for the test manifest: director (2 options, 0..1), members (5
 * options, 0..3).  variant selects one of a few valid patterns. */
char *td_marks_json(int variant);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * station.h -- one polling station: the state behind quorum-ballotd.
 *
 * station_open loads the election directory, derives the database keys
 * from the passphrase (Argon2id, docs/spec/protocol.md P-4), opens the
 * roll DB, the ballot box and the audit log, and reconciles box and log
 * after a crash (P-5.4).  station_serve listens on the role sockets and
 * answers the protocol of docs/protocol.md until SIGTERM/SIGINT.
 *
 * Threads: the event loop (caller's thread), STATION_WORKERS crypto
 * workers (encrypt and prove), and one committer (group commit: one box
 * transaction and one log batch per group).  Privilege-separated
 * (station_serve_privsep, P-9) this process is the monitor: its loop
 * reads the worker's messages instead of the sockets.
 */
#ifndef QUORUM_VOTER_STATION_H
#define QUORUM_VOTER_STATION_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/kdf.h"
#include "crypto/qerr.h"

#define STATION_WORKERS 2
#define STATION_PASS_MAX 1024
/* The shortest passphrase a NEW station accepts (bytes): it keys the roll
 * DB and the ballot box and seals the signing key (P-4); an existing
 * station opens with the passphrase it was made with. */
#define STATION_PASS_MIN 12

typedef struct station station;

typedef struct station_config {
	const char *election_dir; /* manifest.json, joint-key (P-3) */
	const char *station_id;
	const char *state_dir; /* created if absent (mode 0711: sockets reachable, not listable) */
	/* The sockets' directory (NULL: state_dir), e.g. /run/quorum/<station>
	 * (systemd's RuntimeDirectory=); created mode 0711 if absent, checked
	 * as state_dir is (the daemon's user's, not writable by others). */
	const char *socket_dir;
	const uint8_t *pass; /* passphrase bytes (not NUL-terminated) */
	size_t passlen;
	int read_timeout_ms; /* 0: 10,000 */
	int foreground; /* also log to stderr */
	const kdf_params *kdf; /* parameters for NEW state (NULL: defaults) */
	int idle_timeout_ms; /* close a connection idle this long (0: never) */
	int pending_ttl_s; /* an encrypted ballot not cast/challenged is dropped (0: 900) */
	/* Per-role socket group (index: admin 0, operator 1, booth 2) and
	 * SO_PEERCRED check, server.h.  admin.sock is mode 0600 without a
	 * group, 0660 with one; the other two are always 0660. */
	int group_set[3];
	unsigned gid[3];
} station_config;

/* On failure *out is NULL and err holds one line saying what was wrong
 * (wrong passphrase/database key, missing file, bad manifest, ...).
 * The passphrase is not kept. */
Q_MUST_CHECK qerr station_open(station **out, const station_config *cfg, char *err, size_t errlen);

/* Create admin.sock (0600, or 0660 with a group), operator.sock and
 * booth.sock (0660) in the socket directory and serve until SIGTERM/SIGINT, then finish every
 * job in flight and return Q_OK. */
Q_MUST_CHECK qerr station_serve(station *st, char *err, size_t errlen);

/* Serve privilege-separated (docs/spec/protocol.md P-9): this process
 * becomes the monitor; it creates the sockets and starts the worker, this
 * program again (argv[0] via /proc/self/exe) with --privsep-worker=... put
 * before argv[1..] (NULL-terminated), and restarts the worker whenever it
 * dies.  Returns after SIGTERM/SIGINT (or when the worker stopped
 * cleanly, or died 5 times within 10 s: then Q_ERR_STATE is not returned,
 * the log says why). */
Q_MUST_CHECK qerr station_serve_privsep(station *st, char *const argv[], char *err, size_t errlen);

/* The worker's main (never returns): fds are the channel to the monitor
 * and the admin, operator and booth listeners; gen the worker's
 * generation (1 for the first); user the account it switches to when it
 * runs as root.  Only cfg's election_dir, station_id, foreground,
 * timeouts and groups are used; no passphrase. */
__attribute__((noreturn)) int station_worker_main(const station_config *cfg, const int fds[4],
                                                  unsigned gen, const char *user);

/* The election's public parts only (for the worker): no state, no key. */
Q_MUST_CHECK qerr station_open_public(station **out, const station_config *cfg, char *err,
                                      size_t errlen);

void station_free(station *st);

/* What an opened station is, for the start-up message: its election id,
 * state ("new", "open", "closed"), roll rows imported (0: no roll yet),
 * ballots issued and cast.  Pointers live as long as st. */
typedef struct station_info {
	const char *election, *state;
	uint64_t registered, issued, cast;
} station_info;
void station_get_info(const station *st, station_info *out);

#endif

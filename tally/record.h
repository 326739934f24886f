/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * record.h -- the election directory (the election record) as the
 * returning officer and the trustees see it: creation (`init`), opening,
 * the base hash, file and JSON helpers, and the election's own audit log.
 *
 * Specification: docs/spec/record.md (sections R-1 .. R-9).
 *
 * Layout:
 *   DIR/manifest.json            exact manifest bytes (E-1)
 *   DIR/parameters.json          R-2; hashed as stored
 *   DIR/trustees/<i>/public.json   (commitments, proofs, transport key)
 *   DIR/trustees/<d>/shares/<r>.sealed   R-4.2 (share of dealer d for r)
 *   DIR/trustees/<i>/received.json      
 *   DIR/trustees/<i>/complaint.json      R-4.3 (a cheating dealer named)
 *   DIR/joint_key.json          
 *   DIR/stations/<id>/record.json R-5  (+ the station's log in log/)
 *   DIR/tally/aggregate.json     R-6
 *   DIR/tally/partials/<i>.json  R-7
 *   DIR/tally/result.json        R-8
 *   DIR/log/                     the election's audit log (docs/spec/audit.md)
 *   DIR/report.txt, report.html  R-9
 *
 * Errors: every fallible function returns a qerr and writes an English
 * sentence naming the file and the problem into msg (msgsz bytes; msg may
 * be NULL).  Nothing here aborts on bad input.  Nothing here is secret
 * except where a function says so.
 */
#ifndef QUORUM_TALLY_RECORD_H
#define QUORUM_TALLY_RECORD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/group.h"
#include "crypto/qerr.h"
#include "crypto/sha256.h"
#include "crypto/threshold.h"
#include "election/ballot.h"
#include "election/manifest.h"
#include "election/rules.h"
#include "election/rules_roll.h"

#define REC_PARAMS_FORMAT "quorum-parameters/3"
#define REC_ELECTION_LOG_FORMAT "quorum-election-log/1" /* in entry 0 */
#define REC_TAG_BASE "quorum/v1/election/base-hash"
#define REC_TAG_COMMITMENT "quorum/v1/tally/commitment"
#define REC_TAG_SHARE "quorum/v1/tally/share"
#define REC_TAG_PARTIAL "quorum/v2/tally/partial"
#define REC_MAX_FILE (256u * 1024u * 1024u)
#define REC_PATH_MAX 4096

struct runoff_plan;

typedef struct rec_election {
	char *dir;
	uint8_t *manifest_bytes;
	size_t manifest_len;
	uint8_t *params_bytes;
	size_t params_len;
	elec_manifest *manifest; /* checked against rules */
	rulebook *rules; /* the record's own profiles (rules/, RP-5) */
	uint32_t k, n; /* threshold, trustees */
	uint32_t round; /* 1, or 2.. for a run-off */
	uint8_t base_hash[SHA256_LEN]; /* */
	uint8_t key_ctx[SHA256_LEN]; /* base hash of the round whose ceremony made the keys */
	int has_previous;
	uint8_t previous[SHA256_LEN]; /* previous round's base hash (run-off) */
	uint8_t roll_hash[SHA256_LEN];
	roll_chain roll; /* roll_hash and its logged changes; roll.head is in force */
	/* registered: derived from the roll by init (E-4.3); rec_open
	 * sets manifest->registered to it */
	uint64_t registered;
} rec_election;

/* Options of rec_init. */
typedef struct rec_init_opts {
	const uint8_t *manifest;
	size_t manifest_len;
	const char *roll_csv;
	size_t roll_len;
	uint32_t k, n; /* ignored for a run-off (taken from the previous round) */
	const char *runoff_of; /* previous round's directory, or NULL */
	/* Rule profiles replacing or adding to the built-in ones (RP-5.1); a
	 * run-off takes the previous round's and accepts none. */
	const uint8_t *const *rule_files;
	const size_t *rule_lens;
	const char *const *rule_names;
	size_t nrule_files;
} rec_init_opts;

/*
 * Create the election directory dir (it must not exist, or be empty): parse
 * and validate the manifest and the roll (manifest_parse, roll_import,
 * roll_check_manifest; every finding is printed to stderr), write
 * manifest.json, the rule profiles the manifest uses (rules/<id>.json, RP-5)
 * and parameters.json listing them with their SHA-256, create the election log and append the
 * "election-created" entry with a signed checkpoint.  For a run-off
 * the previous round's trustee public files, received files and joint key
 * are copied and parameters link the rounds.
 * Q_ERR_RULE / Q_ERR_FORMAT for an invalid manifest or roll, Q_ERR_ARG for
 * bad k/n, Q_ERR_EXISTS if dir holds files, Q_ERR_IO.
 */
Q_MUST_CHECK qerr rec_init(const char *dir, const rec_init_opts *o, char *msg, size_t msgsz);

/*
 * The run-off manifest of the round after prev (docs/spec/election.md
 * E-5): read prev's tally/result.json, derive the run-off (runoff_derive:
 * UL19.runoff's cut, seats left; every finding printed to stderr) and make
 * the manifest bytes citing prev's base hash, result hash and manifest
 * hash.  withdrawn/reasons: nwithdrawn candidates withdrawn since the
 * round, with why (E-5.2: the next placed move up).  If plan is not NULL the plan is returned too
 * (borrowing prev->manifest).  The caller verifies prev first (quorum-tally runoff runs
 * verify-election).  Q_ERR_STATE if prev has no result, Q_ERR_RULE if nothing can go to a run-off,
 * Q_ERR_FORMAT, Q_ERR_IO, Q_ERR_NOMEM.
 */
Q_MUST_CHECK qerr rec_runoff_manifest(const rec_election *prev, char *const *withdrawn,
                                      char *const *reasons, size_t nwithdrawn, uint8_t **bytes,
                                      size_t *len, struct runoff_plan **plan, char *msg,
                                      size_t msgsz);

/* Open an election directory: parse parameters.json, read the rule
 * profiles it lists from rules/ (each checked against its SHA-256, RP-5.2),
 * re-validate manifest.json against them, compute the base hash.  *out is
 * NULL on failure. */
Q_MUST_CHECK qerr rec_open(rec_election **out, const char *dir, char *msg, size_t msgsz);
/* R-3.1 (tally/cmd_roll.c): el->roll from the election log's signed
 * roll-changed entries; rec_open calls it.  No log/: no changes. */
Q_MUST_CHECK qerr rec_roll_chain(rec_election *el, char *msg, size_t msgsz);
/* quorum-tally roll-change: the roll csv (len bytes) replaces the
 * roll in force, decided on an objection on `decided` (YYYY-MM-DD) by the
 * decision `decision` for `reason`.  Refused (Q_ERR_RULE) once a station
 * record or the tally is in el->dir, or outside the objection window
 * (roll_change_window); Q_ERR_ARG for bad text or the same roll; the roll
 * is checked against the manifest as init checks it.  Appends the
 * roll-changed entry, signs a checkpoint and re-reads el->roll.
 * new_hash and *voters get the new roll's hash and size. */
Q_MUST_CHECK qerr rec_roll_change(rec_election *el, const uint8_t *csv, size_t len,
                                  const char *reason, const char *decided, const char *decision,
                                  uint8_t new_hash[SHA256_LEN], size_t *voters, char *msg,
                                  size_t msgsz);
void rec_free(rec_election *el);

/* SHA-256 transcript (C-2) of the tag REC_TAG_BASE, the manifest
 * bytes and the parameters bytes. */
void rec_base_hash(uint8_t out[SHA256_LEN], const uint8_t *manifest, size_t mlen,
                   const uint8_t *params, size_t plen);

/* the Schnorr context of trustee i's commitment j. */
void rec_commitment_ctx(uint8_t out[SHA256_LEN], const uint8_t key_ctx[SHA256_LEN], uint32_t i,
                        uint32_t j);
/* the GCM associated data of dealer d's share for recipient r. */
void rec_share_aad(uint8_t out[SHA256_LEN], const uint8_t key_ctx[SHA256_LEN], uint32_t d,
                   uint32_t r);
/* the Chaum-Pedersen context of trustee i's partial decryption of
 * the selection at (contest c, option o) of the aggregate whose file has
 * SHA-256 agg_hash. */
void rec_partial_ctx(uint8_t out[SHA256_LEN], const uint8_t base_hash[SHA256_LEN], uint32_t i,
                     const uint8_t agg_hash[SHA256_LEN], uint32_t c, uint32_t o);

/* out = el->dir + "/" + formatted suffix.  Q_ERR_LIMIT if too long. */
Q_MUST_CHECK qerr rec_path(char *out, size_t outsz, const char *dir, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* mkdir -p for dir (mode 0755).  Q_ERR_IO. */
Q_MUST_CHECK qerr rec_mkdirs(const char *dir);

/* Read a whole regular file (at most max bytes; Q_ERR_LIMIT beyond) into a
 * malloc'd buffer with a NUL after the last byte.  Q_ERR_NOTFOUND if
 * missing. */
Q_MUST_CHECK qerr rec_read_file(const char *path, size_t max, uint8_t **out, size_t *len, char *msg,
                                size_t msgsz);
/* Write a file atomically (temporary file, fsync, rename, directory fsync)
 * with the given mode.  excl: Q_ERR_EXISTS if path already exists. */
Q_MUST_CHECK qerr rec_write_file(const char *path, const void *data, size_t len, unsigned mode,
                                 int excl, char *msg, size_t msgsz);

/* Parse a JSON file (duplicate keys rejected).  Q_ERR_FORMAT names the
 * line. */
Q_MUST_CHECK qerr rec_read_json(const char *path, json_t **out, char *msg, size_t msgsz);
/* Write j as JSON_INDENT(2) | JSON_SORT_KEYS plus a final newline. */
Q_MUST_CHECK qerr rec_write_json(const char *path, const json_t *j, int excl, char *msg,
                                 size_t msgsz);

/* JSON field helpers: each gives Q_ERR_FORMAT (msg names the key and the
 * file label `what`) if the field is missing or of the wrong type/size. */
Q_MUST_CHECK qerr rec_json_hex(const json_t *o, const char *key, uint8_t *out, size_t len,
                               const char *what, char *msg, size_t msgsz);
Q_MUST_CHECK qerr rec_json_point(const json_t *o, const char *key, point *p, const char *what,
                                 char *msg, size_t msgsz);
Q_MUST_CHECK qerr rec_json_u64(const json_t *o, const char *key, uint64_t max, uint64_t *v,
                               const char *what, char *msg, size_t msgsz);
/* A new JSON string of the lower-case hex of len bytes (NULL if OOM). */
json_t *rec_hex_json(const uint8_t *b, size_t len);
/* A new JSON string of a point's hex encoding; NULL on OOM or infinity. */
json_t *rec_point_json(const point *p);

/*
 * Append one entry to the election log: the entry is j serialised
 * compact with sorted keys (JSON_COMPACT | JSON_SORT_KEYS, no newline).
 * If checkpoint is set, a new checkpoint is signed afterwards and its note
 * returned in *note (malloc'd, may be NULL if not wanted).
 */
Q_MUST_CHECK qerr rec_log_append(const rec_election *el, const json_t *j, int want_checkpoint,
                                 char **note, char *msg, size_t msgsz);

/* The ballot style of the election (B-1) built from the manifest: one
 * contest per balloted contest (petitions are skipped), with its option
 * count, selection limits and, for an evaluation, one 0..1 group per
 * member; base hash = el->base_hash. */
Q_MUST_CHECK qerr rec_ballot_style(const rec_election *el, ballot_style **out, char *msg,
                                   size_t msgsz);

/* The joint key and verification keys from joint_key.json.
 * *K is a new point; S (if non-NULL) receives n new points, S[i-1] = S_i
 * (free each and the array). */
Q_MUST_CHECK qerr rec_load_joint_key(const rec_election *el, point **K, point ***S, char *msg,
                                     size_t msgsz);

/* the plain files the polling daemon reads from the election
 * directory: DIR/base-hash (64 hex digits + newline) and, once the key
 * ceremony is finished, DIR/joint-key (130 hex digits + newline), both
 * derived from the files above.  Overwrites. */
Q_MUST_CHECK qerr rec_write_daemon_files(const rec_election *el, char *msg, size_t msgsz);

/* Format a message into msg (if non-NULL) and return e. */
qerr rec_fail(qerr e, char *msg, size_t msgsz, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif

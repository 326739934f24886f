/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * srec_stream.h -- read a station record (station-record.json, R-5) one
 * ballot at a time, in memory bounded by the largest single ballot entry
 * rather than by the number of ballots.
 *
 * The record is one JSON object; its member "ballots" is an array of
 * entries {"ballot": base64 B-2 encoding, "tracking_code": 64 hex, ...}.
 * The reader scans the file in 1 MiB reads: every top-level member other
 * than "ballots" is collected (kept as text, parsed at the end), and each
 * entry of "ballots" is cut out alone, parsed with jansson and handed to
 * the caller.  Every byte read is hashed (SHA-256), so the caller gets the
 * record's hash (R-6 record_sha256, the signature check) without a second
 * read.  The other members are only known at the end: with sorted keys
 * (R-1.2) "ballots" comes before "cast", "challenged", "checked_in", ...
 *
 * Strictness: each entry and the remaining object are parsed by jansson
 * with JSON_REJECT_DUPLICATES; a second "ballots" member, bytes after the
 * object, an unterminated string or object are Q_ERR_FORMAT, and after
 * one every later call fails the same way.  An entry that is not an
 * object, or has a missing or malformed "ballot" / "tracking_code" (the
 * JSON around it being sound) is Q_ERR_FORMAT for that entry alone: the
 * next call reads the next entry, so that a verifier names every bad one.
 * An entry longer than max_entry bytes or more than
 * SREC_STREAM_MAX_REST bytes of other members is Q_ERR_LIMIT; why names
 * the entry ("ballots[12]: ...").  The tracking code is returned as read:
 * checking it against the encoding (B-4) is the caller's.
 *
 * Not thread-safe (one reader per thread); nothing here is secret.
 * verify-election (audit/verify_stations.c) reads every station record
 * through it, and so does the tally (tally/count.c, docs/spec/record.md
 *
 */
#ifndef QUORUM_ELECTION_SREC_STREAM_H
#define QUORUM_ELECTION_SREC_STREAM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/qerr.h"

#define SREC_STREAM_CODE_LEN 32
/* Bound on the text of the members other than "ballots" (the checked-in
 * roll ids dominate: ~10 bytes a voter). */
#define SREC_STREAM_MAX_REST (64u * 1024u * 1024u)

typedef struct srec_stream srec_stream;

typedef struct srec_ballot {
	size_t index; /* position in "ballots" */
	const uint8_t *enc; /* the B-2 encoding, owned by the reader, valid
	                     * until the next call */
	size_t len;
	uint8_t code[SREC_STREAM_CODE_LEN]; /* the entry's tracking_code */
	int bad; /* 1: this entry alone is malformed (Q_ERR_FORMAT, enc NULL); the
	          * next call reads the next one */
} srec_ballot;

/* Open path; max_entry bounds one ballot entry's JSON text (0: 1 MiB).
 * Q_ERR_IO (why names the file), Q_ERR_NOMEM. */
Q_MUST_CHECK qerr srec_stream_open(srec_stream **out, const char *path, size_t max_entry, char *why,
                                   size_t whylen);

/* fn(ctx, bytes, n) is called with every piece of the file as it is read,
 * in order, the same bytes the reader hashes (so that a second hash of the
 * file needs no second read: verify-election's libgcrypt SHA-256, V-12
 * (2)).  Set right after srec_stream_open, before anything is read (later:
 * ignored). */
typedef void (*srec_stream_tee_fn)(void *ctx, const uint8_t *bytes, size_t n);
void srec_stream_tee(srec_stream *s, srec_stream_tee_fn fn, void *ctx);

/* The next ballot: Q_OK with *b filled and *end = 0, or Q_OK with *end = 1
 * after the last one (and then at every later call).  Errors as above:
 * for a bad entry (Q_ERR_FORMAT with b->bad = 1, b->index set and
 * b->enc NULL) the stream goes on; after any other error every later call fails the same
 * way. */
Q_MUST_CHECK qerr srec_stream_next(srec_stream *s, srec_ballot *b, int *end, char *why,
                                   size_t whylen);

/* The same, but the entry is only cut out (its JSON nesting and
 * strings followed, its length bounded) and counted, not parsed: for a
 * first pass that wants the record's hash and its other members. */
Q_MUST_CHECK qerr srec_stream_skip(srec_stream *s, int *end, char *why, size_t whylen);

/* After *end: read to the end of the file, which must hold nothing but
 * whitespace after the object.  *rest (may be NULL) is a new reference to
 * the record's other members as one object; sha (may be NULL) is SHA-256
 * of every byte of the file; *nballots (may be NULL) the entries read.
 * Q_ERR_STATE if called before the end of "ballots". */
Q_MUST_CHECK qerr srec_stream_finish(srec_stream *s, json_t **rest, uint8_t sha[32],
                                     size_t *nballots, char *why, size_t whylen);

/* The index in "ballots" of the entry the next srec_stream_next or
 * srec_stream_skip reads (the entries read or skipped so far). */
size_t srec_stream_index(const srec_stream *s);

/* Bytes read from the file so far (after srec_stream_finish: its size). */
uint64_t srec_stream_bytes(const srec_stream *s);

void srec_stream_free(srec_stream *s);

#endif

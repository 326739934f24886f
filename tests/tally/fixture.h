/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fixture.h -- helpers for the tally tests: an election directory with the
 * example committee election (docs/examples/election.json, body sized to
 * the 10-voter example roll), a key ceremony run through the library with
 * cheap Argon2id (test only), and station records.
 *
 * Honest stations are run by the real daemon (fx_station_daemon: the
 * test build of quorum-ballotd imports the roll, opens, checks voters in,
 * casts and challenges through its sockets, closes; its signed record and
 * log, without the key, are copied into the election record), so the
 * tally reads what stations really write.  fx_station* instead write a
 * record the test composes (any ciphertexts, counts, roll hash, check-in
 * list), signed with a fresh station key: the way to play a DISHONEST or
 * broken station; its log holds the daemon's entry kinds in the daemon's
 * order (P-6: roll-imported, poll-opened, checkins, ballot-cast,
 * ballot-challenged, poll-closed) but not its exact payloads.
 *
 * Everything aborts the test (cr_assert) on an unexpected failure.
 */
#ifndef QUORUM_TESTS_TALLY_FIXTURE_H
#define QUORUM_TESTS_TALLY_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/kdf.h"
#include "election/ballot.h"
#include "tally/record.h"

/* Options per selection in the example: director c1 c2, members m1..m5. */
#define FX_NOPT 7

extern const kdf_params fx_kdf;

/* If non-NULL (reset after use): one more contest (a JSON object's text)
 * that fx_manifest, and so fx_init, appends to the example's. */
extern const char *fx_manifest_contest;
/* If non-zero (reset after use): the "members" contest gets this many
 * write-in slots (E-2 "write_in", B-10.1). */
extern unsigned fx_manifest_write_in;
/* If non-NULL (reset after use): fx_station_daemon's cast ballot i sends
 * fx_station_write_ins[i] (a JSON text, the booth's "write_ins": one array
 * per contest, a name or null per slot; NULL: none) with its marks. */
extern const char *const *fx_station_write_ins;
/* Set by bench/bench_verify (not reset): if above 2, the manifest has
 * this many stations (s3.. serving groups of no voter on the example
 * roll); if non-zero, only the "members" contest (5 options: a
 * five-selection ballot). */
extern unsigned fx_manifest_stations;
extern int fx_manifest_members_only;
/* The example manifest (with the given election id) as malloc'd bytes. */
char *fx_manifest(const char *id);
/* The example roll (static). */
const char *fx_roll(void);

/* Create <tmp>/<name> (init) and open it. */
rec_election *fx_init(const char *tmp, const char *name, const char *id, uint32_t k, uint32_t n,
                      const char *runoff_of);
/* Passphrase of trustee i ("pass-<i>") into buf. */
const char *fx_pass(uint32_t i, char *buf, size_t cap);
/* Paths <tmp>/<name>-sec<i> and -key<i>. */
void fx_secret_path(char *out, size_t cap, const char *tmp, const char *name, uint32_t i);
void fx_key_path(char *out, size_t cap, const char *tmp, const char *name, uint32_t i);
/* generate + deal + receive for every trustee, then finish. */
void fx_ceremony(rec_election *el, const char *tmp, const char *name);
void fx_generate_all(rec_election *el, const char *tmp, const char *name);
void fx_reveal_all(rec_election *el, const char *tmp, const char *name);
void fx_deal_all(rec_election *el, const char *tmp, const char *name);

/* Encrypt one ballot (marks: FX_NOPT bytes) for el under its joint key;
 * *enc is malloc'd. */
void fx_encrypt(const rec_election *el, const uint8_t *marks, uint8_t **enc, size_t *len);

/* Write stations/<sid>/ (record, .sig, log) with the given encoded
 * ballots, issued count and challenged count 0. */
void fx_station(const rec_election *el, const char *sid, uint8_t *const *enc, const size_t *len,
                size_t n, uint64_t issued);
/* A challenged ballot: its encoding and its opening (B-6). */
typedef struct fx_challenge {
	uint8_t *enc, *op;
	size_t len, oplen;
} fx_challenge;
/* Encrypt marks and keep the opening (malloc'd fields). */
void fx_challenge_make(const rec_election *el, const uint8_t *marks, fx_challenge *c);
void fx_station_ex(const rec_election *el, const char *sid, uint8_t *const *enc, const size_t *len,
                   size_t n, uint64_t issued, const fx_challenge *ch, size_t nch);
/* The P-7 checked_in list a station writes for n check-ins: n sorted roll
 * ids "<sid>-V0001".. (distinct across stations; new reference). */
json_t *fx_checked_in(const char *sid, uint64_t n);
/* The payload of the P-6 roll-imported entry for roll hash h (32 bytes),
 * or the election's roll_hash when h is NULL, into out. */
void fx_roll_text(const rec_election *el, const uint8_t *h, char *out, size_t cap);
/* Playing a dishonest station in fx_station*: if non-NULL, the roll hash
 * its roll-imported entry names (instead of el->roll_hash), and the
 * checked_in list written (borrowed) instead of fx_checked_in(sid,
 * issued).  Reset them after use. */
extern const uint8_t *fx_station_roll_hash;
extern json_t *fx_station_checked_in;
/* and the proxies list (P-7.6, borrowed) instead of [] */
extern json_t *fx_station_proxies;
/* More of the dishonest station (reset after use): the log's origin (A-5.2;
 * also the key's name), the poll-opened payload (P-6), the record's format,
 * a checkins entry after poll-closed (inside log.size, close_index the
 * poll-closed entry's), and (bit 1: ballots, bit 2: challenged) a list in
 * descending instead of ascending tracking-code order (P-7.1). */
extern const char *fx_station_origin;
extern const char *fx_station_opened;
extern const char *fx_station_format;
extern int fx_station_after_close;
extern int fx_station_unsorted;
/* Bit i set: the record's ballots[i] (after sorting, i < 32) gets a
 * tracking code that is not its ballot's (B-4); 0 (the default): none. */
extern unsigned fx_station_bad_codes;
/* Named votes (E-2.1, P-6.6), each "contest voter vote" (NULL-terminated
 * list; reset after use): fx_station_daemon records them through the
 * operator's named-vote before closing; fx_station* writes them into the
 * composed log before poll-closed, unchecked (a dishonest station). */
extern const char *const *fx_station_named;
/* The named-vote tests' election: the named motion "hall" (a contest for
 * fx_manifest_contest) and seven example ballots (7 * FX_NOPT marks). */
extern const char fx_named_hall[];
extern const uint8_t fx_named_marks[7 * FX_NOPT];
/* Its honest stations, by fx_station_marks: s1 the first 4 ballots with
 * the named votes hall V0001 yes, V0002 yes, V0003 no; s2 the last 3 with
 * V0006 yes, V0005 abstain. */
void fx_named_stations(const rec_election *el);
/* The voters on the station's roll its record and poll-opened entry say
 * (0: the example roll's 10); bench/bench_verify's large records set it. */
extern uint64_t fx_station_registered;

/* A large station written as it is made (bench/bench_verify's records):
 * open it for n ballots (issued = cast = registered = n, no challenge,
 * checked_in fx_checked_in(sid, n)), add its ballots in batches (each
 * batch one log_append_batch, so one fdatasync; only the tracking codes
 * and log indices stay in memory), close it: poll-closed, the signed
 * checkpoint, then the record, its ballots in tracking-code order read
 * back from the log and hashed as they are written (P-7.1, P-7.2), and
 * its signature.  The log and record are fx_station's. */
typedef struct fx_stream_station fx_stream_station;
fx_stream_station *fx_stream_open(const rec_election *el, const char *sid, uint64_t n);
void fx_stream_add(fx_stream_station *s, uint8_t *const *enc, const size_t *len, size_t k);
void fx_stream_close(fx_stream_station *s);

/* Options per ballot of el's style (FX_NOPT in round 1; a run-off's
 * fewer, E-5). */
size_t fx_noptions(const rec_election *el);

/* A station run by the real daemon (the test build, QUORUM_BUILD_ROOT):
 * issued (<= 4: the station's eligible voters in the example roll)
 * check-ins, the first voter challenging nch ballots of chmarks (nch *
 * fx_noptions(el) bytes each) first, then n (<= issued) cast ballots of marks; closed,
 * and its record, signature and log copied to stations/<sid>/. */
void fx_station_daemon(const rec_election *el, const char *sid, const uint8_t *marks, size_t n,
                       uint64_t issued, const uint8_t *chmarks, size_t nch);
/* The passphrase fx_station_daemon's stations seal their keys under. */
#define FX_STATION_PASS "fixture station passphrase"
/* If non-NULL, fx_station_daemon writes the station's signing key (the
 * note_signer text, unsealed, 0600) there before removing the daemon's
 * state: for a test that plays the honest station turning dishonest
 * after the poll (re-signing what it changed).  Reset after use. */
extern const char *fx_station_key_out;

/* An honest station: fx_station_daemon without challenges. */
void fx_station_marks(const rec_election *el, const char *sid, const uint8_t *marks, size_t n,
                      uint64_t issued);
/* A composed (dishonest) station: fx_station with n ballots encrypted
 * from marks (n * FX_NOPT bytes) and the fx_station_* overrides. */
void fx_forged_station_marks(const rec_election *el, const char *sid, const uint8_t *marks,
                             size_t n, uint64_t issued);

/* A valid ballot for marks whose selection at place `to` (0..FX_NOPT-1,
 * style order) is the ciphertext at place `from` of the ballot src (its
 * B-2 encoding, and its opening srcop, B-6), re-proved with the known
 * nonce (ballot_prove, B-3): a ballot with its own tracking code and good
 * proofs that replays another ballot's ciphertext -- what B-9 refuses.
 * marks[to] must be src's mark at `from`.  *enc is malloc'd. */
void fx_encrypt_replaying(const rec_election *el, const uint8_t *marks, size_t to,
                          const uint8_t *src, size_t srclen, const uint8_t *srcop, size_t srcoplen,
                          size_t from, uint8_t **enc, size_t *len);

#endif

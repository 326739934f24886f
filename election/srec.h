/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * srec.h -- checks of a station record's published facts that the tally
 * (tally/count.c, R-5) and the verifier (audit/verify_stations.c, V-7)
 * both make, so that the two apply one rule: the list of roll ids checked
 * in at the station (docs/spec/protocol.md P-7, "checked_in") and the
 * roll hash the station logged when it imported its roll (P-6,
 * "roll-imported").
 *
 * Nothing here is secret; nothing allocates beyond what a function says;
 * bad input yields an error and a sentence naming the guilty item.
 */
#ifndef QUORUM_ELECTION_SREC_H
#define QUORUM_ELECTION_SREC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/qerr.h"

#define SREC_ENTRY_ROLL "quorum/v1/station/roll-imported"

/*
 * P-7.2: what a station's Ed25519 signature over its record covers:
 * SREC_SIG_TAG || SHA-256(record file bytes), SREC_SIG_MSG_LEN bytes.
 * Signing the digest keeps the signed message short whatever the record's
 * size, so a second implementation (check 10, V-12) can verify every
 * station's signature (libgcrypt cannot take a message over ~65,000 bytes).
 */
#define SREC_SIG_TAG "quorum/v1/station-record-sha256\n"
#define SREC_SIG_TAG_LEN (sizeof SREC_SIG_TAG - 1)
#define SREC_SIG_MSG_LEN (SREC_SIG_TAG_LEN + 32)
void srec_sig_message(uint8_t out[SREC_SIG_MSG_LEN], const void *record, size_t len);

/*
 * P-7 "checked_in": list must be a JSON array of exactly `issued` roll ids
 * (each 1-64 characters of A-Z a-z 0-9 . _ -, manifest_id_ok), in strictly
 * ascending byte order (strcmp): sorted, and no id twice.
 * Returns Q_OK, or Q_ERR_FORMAT (not an array, an entry not a roll id) or
 * Q_ERR_CONSISTENCY (length differs from issued, out of order, an id twice),
 * with why (whylen bytes, may be NULL) naming the index and the id, e.g.
 * "checked_in[4] \"V0007\" appears twice".
 */
Q_MUST_CHECK qerr srec_checked_in_check(const json_t *list, uint64_t issued, char *why,
                                        size_t whylen);

/* Called for a roll id that appears in the lists of two stations a < b
 * (indices into the caller's array).  A non-zero return stops the walk. */
typedef int (*srec_dup_fn)(void *ctx, const char *id, size_t a, size_t b);

/*
 * Across stations: every roll id that is in lists[a] and in lists[b] for
 * a != b (a voter checked in at two stations) is reported to fn once per
 * pair of neighbouring occurrences in sorted order (an id at three
 * stations is reported twice).  lists[i] may be NULL or hold non-strings
 * (skipped: srec_checked_in_check reports them).  *ndup (may be NULL)
 * receives the number of reports.  Q_ERR_NOMEM; Q_ERR_STATE if fn
 * stopped the walk; otherwise Q_OK (whether or not duplicates were found).
 */
Q_MUST_CHECK qerr srec_checked_in_cross(const json_t *const *lists, size_t n, srec_dup_fn fn,
                                        void *ctx, size_t *ndup);

/*
 * The payload of a P-6 "roll-imported" entry (after the tag and its
 * newline): exactly "voters <n>\nsha256 <64 lower-case hex>\n".  On Q_OK
 * *voters (may be NULL) and hash hold its values; Q_ERR_FORMAT otherwise.
 */
Q_MUST_CHECK qerr srec_roll_entry_parse(const uint8_t *payload, size_t len, uint64_t *voters,
                                        uint8_t hash[32]);

/* P-6 entry tags the tally and the verifier both check. */
#define SREC_ENTRY_OPENED "quorum/v1/station/poll-opened"
#define SREC_ENTRY_CLOSED "quorum/v1/station/poll-closed"

/*
 * a station log's origin, "quorum/<election>/station/<sid>", into
 * out (cap bytes).  Q_ERR_LIMIT if it does not fit.
 */
Q_MUST_CHECK qerr srec_origin(char *out, size_t cap, const char *election, const char *sid);

/*
 * V-5.5 / P-6: a poll-opened entry's payload must be exactly
 * "station <sid>\nmanifest <64 hex of mhash>\nregistered <n>\n".
 * Q_OK or Q_ERR_CONSISTENCY with why naming what it should say.
 */
Q_MUST_CHECK qerr srec_opened_check(const uint8_t *payload, size_t len, const char *sid,
                                    const uint8_t mhash[32], uint64_t registered, char *why,
                                    size_t whylen);

/*
 * P-7.1: a record's "ballots" or "challenged" list (what names it) is in
 * strictly ascending order of tracking_code (the lower-case hex strings,
 * byte order).  An entry without a string tracking_code is not judged here.
 * Q_OK or Q_ERR_CONSISTENCY, why e.g. "ballots[3]: not in ascending
 * tracking-code order after ballots[2] (P-7.1)".
 */
Q_MUST_CHECK qerr srec_sorted_check(const json_t *list, const char *what, char *why, size_t whylen);

/*
 * format string v (may be NULL) must be "<name>/<major>"
 * or "<name>/<major>.<minor>" (digits, no leading zero) with major ==
 * known.  Q_OK; Q_ERR_FORMAT otherwise, with why naming the version found
 * and the one known, e.g. "format quorum-station-record/3: unknown major
 * version 3 of quorum-station-record; the known one is
 * quorum-station-record/2 (R-11.2)".
 */
Q_MUST_CHECK qerr srec_format_check(const char *v, const char *name, unsigned known, char *why,
                                    size_t whylen);

/*
 * the minor version of a format string already accepted by
 * srec_format_check ("<name>/<major>" is minor 0).
 */
unsigned srec_format_minor(const char *v);

struct elec_manifest;

/*
 * P-7.6 "proxies" of one station record (from quorum-station-record/2.1):
 * an array of objects of exactly the keys "principal" and "proxy", both
 * roll ids, the principal never its own proxy, in strictly ascending byte
 * order of the principal (no principal twice), and every principal listed
 * in the record's checked_in (a proxy ballot is issued in the principal's
 * name).  Q_OK, Q_ERR_FORMAT or Q_ERR_CONSISTENCY with why naming the
 * entry, e.g. "proxies[1]: principal \"V0007\" is not in checked_in".
 */
Q_MUST_CHECK qerr srec_proxies_check(const json_t *proxies, const json_t *checked_in, char *why,
                                     size_t whylen);

/*
 * P-7.6 across the stations' lists (NULL entries skipped), against the
 * rules of the election's own profiles (RP-6): one proxy holds at most
 * roll_proxy_limit(m) principals in all; where a profile has a
 * "proxy-candidate" row, no proxy is a candidate's roll id; where a
 * profile has a "proxy-mode" row and m's mode is neither residents nor
 * households, no list has an entry.  Q_OK or Q_ERR_RULE with why naming
 * the proxy and the row; Q_ERR_NOMEM.
 */
Q_MUST_CHECK qerr srec_proxies_rules(const json_t *const *lists, size_t n,
                                     const struct elec_manifest *m, char *why, size_t whylen);

#endif

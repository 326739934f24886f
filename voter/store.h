/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store.h -- the station's two SQLCipher databases: the roll DB (who may
 * vote and who has checked in; never what) and the ballot box (what was
 * cast; never who).  The crash-atomicity and unlinkability scheme is
 * docs/spec/protocol.md section P-5; the schemas are P-5.1 and P-5.2.
 *
 * Each database is opened with a raw 32-byte key (never a passphrase),
 * cipher_page_size 4096, locking_mode=EXCLUSIVE (one process uses a
 * database at a time), journal_mode=TRUNCATE, secure_delete=ON and
 * synchronous=FULL (no write-ahead log keeps history, P-5.6), so a committed
 * transaction survives kill -9 and power loss.  A wrong key is reported
 * as Q_ERR_AUTH with a message saying so.  Every block of SQLite's memory
 * is zeroed before it is freed (store_wiped_blocks).
 *
 * A store handle is used by one thread at a time (the caller serialises).
 * Every function that fails writes a one-line English reason into the
 * handle (store_errmsg) and leaves the database unchanged.
 */
#ifndef QUORUM_VOTER_STORE_H
#define QUORUM_VOTER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/qerr.h"

#define STORE_KEY_LEN 32
#define STORE_HASH_LEN 32
#define STORE_FIELD_MAX 256

typedef struct store store;

typedef enum store_kind {
	STORE_ROLL = 1,
	STORE_BOX = 2,
} store_kind;

/* One roll entry.  Strings are NUL-terminated UTF-8, at most
 * STORE_FIELD_MAX-1 bytes.  birth is "YYYY-MM-DD"; flags is a
 * comma-separated list (e.g. "deprived", "candidate"), possibly empty. */
typedef struct store_voter {
	char id[STORE_FIELD_MAX];
	char name[STORE_FIELD_MAX];
	char birth[16];
	char household[STORE_FIELD_MAX];
	char group[STORE_FIELD_MAX];
	char flags[STORE_FIELD_MAX];
	int checked_in; /* 0 or 1 */
} store_voter;

/* Open (creating if absent) the database at path with a raw key.
 * On success *out owns the handle (store_close).  On failure *out is
 * NULL and, if err is non-NULL, err holds a reason (errlen bytes).
 * Returns Q_ERR_AUTH for a wrong key or a file that is not a database
 * of this kind, Q_ERR_DB / Q_ERR_IO otherwise.  The key is not kept by
 * this module beyond SQLCipher's own copy. */
Q_MUST_CHECK qerr store_open(store **out, const char *path, store_kind kind,
                             const uint8_t key[STORE_KEY_LEN], char *err, size_t errlen);

/* Close; store_close(NULL) is a no-op. */
void store_close(store *s);

/* Blocks of SQLite memory zeroed before being freed or moved so far in
 * this process (P-4.3: the first store_open installs an allocator that
 * wipes every block, since decrypted pages live in SQLite's heap). */
unsigned long long store_wiped_blocks(void);

/* The reason for the last failure on this handle; never NULL. */
const char *store_errmsg(const store *s);

/* Transactions (BEGIN IMMEDIATE / COMMIT / ROLLBACK).  Every write
 * function below runs in its own transaction unless one is open. */
Q_MUST_CHECK qerr store_begin(store *s);
Q_MUST_CHECK qerr store_commit(store *s);
void store_rollback(store *s);

/* Key/value metadata (both kinds). get: Q_ERR_NOTFOUND if absent;
 * the value is copied NUL-terminated into val (Q_ERR_LIMIT if it does
 * not fit). */
Q_MUST_CHECK qerr store_meta_set(store *s, const char *key, const char *val);
Q_MUST_CHECK qerr store_meta_get(store *s, const char *key, char *val, size_t vallen);

/* As store_meta_get into a malloc'd NUL-terminated string *val (*len
 * bytes before the NUL).  Q_ERR_NOTFOUND if absent (*val NULL). */
Q_MUST_CHECK qerr store_meta_get_alloc(store *s, const char *key, char **val, size_t *len);

/* ---- roll DB ---- */

/* Add a voter (import).  Q_ERR_EXISTS if the id is already present. */
Q_MUST_CHECK qerr store_roll_add(store *s, const store_voter *v);

/* Look a voter up by id; Q_ERR_NOTFOUND if absent (v zeroed). */
Q_MUST_CHECK qerr store_roll_get(store *s, const char *id, store_voter *v);
/* The voters whose name is exactly name, in roll id order: at most max
 * into v, their count (possibly more than max) in *n.  Q_OK with *n = 0
 * when there is none. */
Q_MUST_CHECK qerr store_roll_find_name(store *s, const char *name, store_voter *v, size_t max,
                                       size_t *n);

/* Check a voter in and record the hash of the token issued, atomically
 * (one transaction; P-5.3).  Inside a transaction the caller opened (a
 * group of check-ins, committed once) it runs in a savepoint: a refused
 * check-in changes nothing and leaves the group's others as they were.  The token hash is stored in
 * a table of its own that does not name the voter.  Q_ERR_NOTFOUND if the id is not on the roll,
 * Q_ERR_EXISTS if already checked in (nothing changed). */
Q_MUST_CHECK qerr store_roll_checkin(store *s, const char *id,
                                     const uint8_t token_hash[STORE_HASH_LEN]);

/* The same, for a voter presented by a written proxy (UL19.proxy): in the
 * same transaction the pair (id, holder) goes into the table of proxy
 * check-ins (keyed by the principal's id, P-5.1), which the station record
 * lists (P-7.6).  holder NULL is store_roll_checkin. */
Q_MUST_CHECK qerr store_roll_checkin_proxy(store *s, const char *id, const char *holder,
                                           const uint8_t token_hash[STORE_HASH_LEN]);

/* Visit every proxy check-in (principal id, holder id), in ascending byte
 * order of the principal's id.  A non-zero return of cb stops the walk
 * (Q_ERR_STATE). */
typedef int (*store_pair_cb)(void *ctx, const char *principal, const char *holder);
Q_MUST_CHECK qerr store_roll_foreach_proxied(store *s, store_pair_cb cb, void *ctx);

/* Visit every issued token hash (tokens, in hash order; the daemon keeps
 * them in memory so that a booth request never waits for the roll DB).  A
 * non-zero return of cb stops the walk (Q_ERR_STATE). */
typedef int (*store_hash_cb)(void *ctx, const uint8_t h[STORE_HASH_LEN]);
Q_MUST_CHECK qerr store_roll_foreach_token(store *s, store_hash_cb cb, void *ctx);

/* Q_OK if this token hash was issued, Q_ERR_NOTFOUND if not. */
Q_MUST_CHECK qerr store_roll_token_issued(store *s, const uint8_t token_hash[STORE_HASH_LEN]);

/* Visit the id of every voter checked in, in ascending byte order of the
 * id (SQLite BINARY collation = memcmp of the UTF-8 bytes; never in
 * check-in order).  A non-zero return of cb stops the walk and is
 * returned as Q_ERR_STATE. */
typedef int (*store_id_cb)(void *ctx, const char *id);
Q_MUST_CHECK qerr store_roll_foreach_checked_in(store *s, store_id_cb cb, void *ctx);

/* The latest check-in: its voter id and token hash (the only voter
 * linked to a token, until the next check-in or the close; P-5.1).
 * Q_ERR_NOTFOUND if none. */
Q_MUST_CHECK qerr store_roll_last_checkin(store *s, char id[STORE_FIELD_MAX],
                                          uint8_t h[STORE_HASH_LEN]);

/* Re-issue (one transaction): the token old_h dies, new_h is issued,
 * the latest check-in (which must be voter id with old_h) now holds
 * new_h.  Q_ERR_NOTFOUND if old_h is not issued, Q_ERR_STATE if id/old_h
 * is not the latest check-in; nothing changed then. */
Q_MUST_CHECK qerr store_roll_reissue(store *s, const char *id, const uint8_t old_h[STORE_HASH_LEN],
                                     const uint8_t new_h[STORE_HASH_LEN]);

/* Drop the latest check-in's link (at close). */
Q_MUST_CHECK qerr store_roll_forget_last_checkin(store *s);

/* Count one challenge for the token hash h (committed): Q_ERR_LIMIT,
 * nothing changed, if max challenges were already counted. */
Q_MUST_CHECK qerr store_roll_challenge(store *s, const uint8_t h[STORE_HASH_LEN], unsigned max);

/* Visit every token hash with challenges counted, and its count (in hash
 * order; the daemon keeps them in memory).  A non-zero return of cb stops
 * the walk (Q_ERR_STATE). */
typedef int (*store_count_cb)(void *ctx, const uint8_t h[STORE_HASH_LEN], uint64_t n);
Q_MUST_CHECK qerr store_roll_foreach_challenge(store *s, store_count_cb cb, void *ctx);

/* Counts: voters on the roll, voters checked in (= tokens issued). */
Q_MUST_CHECK qerr store_roll_counts(store *s, uint64_t *voters, uint64_t *checked_in);

/* ---- ballot box ---- */

/* Store a cast ballot under its tracking code and mark the token hash
 * spent (the two in one transaction, unless the caller opened one;
 * P-5.3).  The two rows are in separate tables with no common key.
 * Q_ERR_EXISTS if the token is already spent or the code is already
 * present (nothing changed). */
Q_MUST_CHECK qerr store_box_put_ballot(store *s, const uint8_t code[STORE_HASH_LEN],
                                       const uint8_t *body, size_t len,
                                       const uint8_t token_hash[STORE_HASH_LEN]);

/* Insert a ballot recovered from the log (P-5.4) without a token.
 * Q_ERR_EXISTS if present. */
Q_MUST_CHECK qerr store_box_put_recovered(store *s, const uint8_t code[STORE_HASH_LEN],
                                          const uint8_t *body, size_t len);

/* Store a challenged ballot and its opening.  Q_ERR_EXISTS if present. */
Q_MUST_CHECK qerr store_box_put_challenged(store *s, const uint8_t code[STORE_HASH_LEN],
                                           const uint8_t *body, size_t len, const uint8_t *opening,
                                           size_t olen);

/* A receipt row: k (SHA-256 of a tag and the raw token, P-5.2, never the
 * spent hash) -> tracking code; in the caller's transaction. */
Q_MUST_CHECK qerr store_box_put_receipt(store *s, const uint8_t k[STORE_HASH_LEN],
                                        const uint8_t code[STORE_HASH_LEN]);

/* The tracking code of receipt key k, or Q_ERR_NOTFOUND. */
Q_MUST_CHECK qerr store_box_receipt(store *s, const uint8_t k[STORE_HASH_LEN],
                                    uint8_t code[STORE_HASH_LEN]);

/* Q_OK if the token hash is spent, Q_ERR_NOTFOUND if not. */
Q_MUST_CHECK qerr store_box_spent(store *s, const uint8_t token_hash[STORE_HASH_LEN]);

/* Q_OK if a cast ballot with this code is stored, Q_ERR_NOTFOUND if not. */
Q_MUST_CHECK qerr store_box_has(store *s, const uint8_t code[STORE_HASH_LEN]);

/* Counts of cast ballots, challenged ballots and spent tokens. */
Q_MUST_CHECK qerr store_box_counts(store *s, uint64_t *cast, uint64_t *challenged, uint64_t *spent);

/* Visit every cast ballot (challenged = 0) or every challenged ballot
 * (challenged = 1) in tracking-code order.  opening is NULL for cast
 * ballots.  A non-zero return of cb stops the walk and is returned as
 * Q_ERR_STATE. */
typedef int (*store_ballot_cb)(void *ctx, const uint8_t code[STORE_HASH_LEN], const uint8_t *body,
                               size_t len, const uint8_t *opening, size_t olen);
Q_MUST_CHECK qerr store_box_foreach(store *s, int challenged, store_ballot_cb cb, void *ctx);

/* Visit every spent-token hash (in hash order). */
Q_MUST_CHECK qerr store_box_foreach_spent(store *s, store_hash_cb cb, void *ctx);

#endif

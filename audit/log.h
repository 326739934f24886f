/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * log.h -- the append-only audit log on disk (docs/spec/audit.md, A-1 and A-3).
 *
 * A log is a directory:
 *   entries          records uint16be(len) || entry, appended       
 *   leaves           40-byte records uint64be(offset) || leaf hash   
 *   vkey             the log's verifier key, one line                
 *   key              the log's private key, mode 0600                
 *   checkpoints/<n>  every signed checkpoint, one file per tree size 
 *
 * A writer (LOG_RDWR) holds an exclusive flock on the directory for its whole
 * life, so two processes never append at once; readers (LOG_RDONLY) take no
 * lock and see the prefix that was complete when they opened.
 *
 * Durability: log_append and log_append_batch return only after the entries
 * and leaves files are fdatasync'd (one sync per batch); the index they report
 * is then durable.  A checkpoint is signed only over durable entries.
 * The log never signs a checkpoint inconsistent with one it signed before.
 *
 * Errors: every function returns a qerr; log_error() then says what was
 * wrong (file, offset, index) in one line.  Nothing here aborts on bad data.
 */
#ifndef QUORUM_AUDIT_LOG_H
#define QUORUM_AUDIT_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/qerr.h"
#include "merkle.h"
#include "note.h"

typedef struct audit_log audit_log;

#define LOG_RDONLY 0u
#define LOG_RDWR 1u

#define LOG_MSG_MAX 512

/* One entry for log_append_batch. */
typedef struct log_entry {
	const void *data;
	size_t len; /* 0 .. MERKLE_MAX_ENTRY */
} log_entry;

/*
 * Create a new, empty log in dir (created if absent; an existing dir must not
 * already hold a log) with a fresh Ed25519 key named origin.  The key
 * file is created O_EXCL|O_NOFOLLOW, mode 0600.  On success *out is the log
 * opened LOG_RDWR.  Q_ERR_EXISTS if a log is already there, Q_ERR_ARG for an
 * invalid origin, Q_ERR_IO otherwise; msg (msgsz bytes, may be NULL) says why.
 */
Q_MUST_CHECK qerr log_create(const char *dir, const char *origin, audit_log **out, char *msg,
                             size_t msgsz);

/*
 * As log_create, but the log's key is signer (its name is the origin) and NO
 * key file is written: the caller keeps the key (e.g. sealed, docs/spec/
 * protocol.md P-4.5) and the opened log signs with it (log_use_signer).
 * signer must outlive the log.
 */
Q_MUST_CHECK qerr log_create_with_signer(const char *dir, const note_signer *signer,
                                         audit_log **out, char *msg, size_t msgsz);

/*
 * Sign checkpoints with signer (kept by the caller, must outlive lg) instead
 * of reading dir/key.  Q_ERR_FORMAT if it is not the key of dir/vkey.
 */
Q_MUST_CHECK qerr log_use_signer(audit_log *lg, const note_signer *signer);

/*
 * Open the log in dir.  With LOG_RDWR: lock it (Q_ERR_STATE if another process
 * holds it), and cut a torn tail back to the last complete entry,
 * writing a notice into msg.  With LOG_RDONLY nothing is changed: a torn tail
 * is just not read.  A structural inconsistency that is not a torn tail (a
 * leaf record out of sequence, a last entry whose hash does not match, fewer
 * entries than the latest checkpoint covers, a checkpoint whose root differs)
 * is Q_ERR_CORRUPT and is never repaired.  On failure *out is NULL and msg
 * says what was wrong.  msg may be NULL.
 */
Q_MUST_CHECK qerr log_open(const char *dir, unsigned flags, audit_log **out, char *msg,
                           size_t msgsz);

/* Unlock and free; log_close(NULL) is safe. */
void log_close(audit_log *lg);

/* The last error or notice of lg, one line; "" if none.  Never NULL. */
const char *log_error(const audit_log *lg);

/* The log's origin (= its key name) and verifier key. */
const char *log_origin(const audit_log *lg);
const note_verifier *log_vkey(const audit_log *lg);

/* Number of entries (all durable). */
uint64_t log_size(const audit_log *lg);

/* Append one entry durably; *index gets its index.  Q_ERR_LIMIT if
 * len > MERKLE_MAX_ENTRY, Q_ERR_STATE if read-only.  On failure the files are
 * cut back to where they were and the log is unchanged. */
Q_MUST_CHECK qerr log_append(audit_log *lg, const void *entry, size_t len, uint64_t *index);

/* Append n entries with one fdatasync per file; *first gets the index of the
 * first (the others follow).  All or nothing, as log_append. */
Q_MUST_CHECK qerr log_append_batch(audit_log *lg, const log_entry *entries, size_t n,
                                   uint64_t *first);

/* fdatasync both data files (appends already do this; for callers that
 * changed the files by other means, and for tests). */
Q_MUST_CHECK qerr log_sync(audit_log *lg);

/* Root of the first size entries; Q_ERR_RANGE if size > log_size. */
Q_MUST_CHECK qerr log_root(const audit_log *lg, uint64_t size, merkle_hash root);

/* Read entry index into buf (MERKLE_MAX_ENTRY bytes); *len gets its length. */
Q_MUST_CHECK qerr log_read_entry(audit_log *lg, uint64_t index, uint8_t *buf, size_t *len);

/*
 * Sign a checkpoint of the current size with the key in dir/key (or the
 * signer given to log_use_signer), keep it as
 * checkpoints/<size> (written to a temporary file, fsync'd, renamed, directory
 * fsync'd) and return the signed note in *note (malloc'd, NUL-terminated).
 * Before signing, the latest kept checkpoint is verified and the new tree is
 * checked to extend it (Q_ERR_CONSISTENCY otherwise).  If a checkpoint of this
 * size is already kept, that one is returned.  Requires LOG_RDWR.
 */
Q_MUST_CHECK qerr log_checkpoint_sign(audit_log *lg, char **note, size_t *len);

/* The kept checkpoint of the given size (LOG_LATEST for the newest), verified
 * against the log's key, in *note (malloc'd).  Q_ERR_NOTFOUND if none. */
#define LOG_LATEST UINT64_MAX
Q_MUST_CHECK qerr log_checkpoint_get(audit_log *lg, uint64_t size, char **note, size_t *len,
                                     checkpoint *cp);

/* Proofs over this log's tree (see merkle.h for the ranges). */
Q_MUST_CHECK qerr log_prove_inclusion(const audit_log *lg, uint64_t index, uint64_t size,
                                      merkle_hash *proof, size_t *nproof);
Q_MUST_CHECK qerr log_prove_consistency(const audit_log *lg, uint64_t old_size, uint64_t new_size,
                                        merkle_hash *proof, size_t *nproof);

/*
 * full verification.  Re-read and re-hash every entry and compare with
 * the leaves file (hashes and offsets); verify every kept checkpoint's
 * signature with the log's key, its origin, that its size is at most the log
 * size and its root the log's root at that size, and that each is consistent
 * with the previous one (a consistency proof is generated and verified).
 * *nentries / *ncheckpoints (may be NULL) get the counts.
 * Q_ERR_CORRUPT, Q_ERR_SIGNATURE, Q_ERR_FORMAT or Q_ERR_CONSISTENCY on failure,
 * with log_error() naming the check, index or file.
 */
Q_MUST_CHECK qerr log_verify(audit_log *lg, uint64_t *nentries, size_t *ncheckpoints);

/*
 * A reader of every entry, for log_verify_visit: entry index (len bytes,
 * valid during the call only).  A value other than Q_OK stops the pass.
 */
typedef qerr (*log_visit_fn)(void *ctx, uint64_t index, const uint8_t *entry, size_t len);

/*
 * log_verify in the same one read of the entries file that hands each of the
 * first `upto` entries (all of them if upto >= log_size) to visit, in index
 * order, each only after its own hash matched its leaf: a caller that needs
 * every entry reads the log once instead of verifying it and then reading it
 * again.  The checks and errors are log_verify's.  A fault of a LATER entry
 * (or of a checkpoint) is found after earlier entries were visited, so the
 * visitor keeps what it concludes until this returns Q_OK (and should itself
 * keep a fault it finds and return Q_OK, so the log's own faults, found over
 * the whole log, are reported first).  If visit returns e != Q_OK the pass
 * stops and e is returned, log_error() then naming the entry ("entry <i>:
 * stopped by the reader").  visit NULL: log_verify.
 */
Q_MUST_CHECK qerr log_verify_visit(audit_log *lg, uint64_t upto, log_visit_fn visit, void *ctx,
                                   uint64_t *nentries, size_t *ncheckpoints);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * qerr.h -- the one error enum of Quorum.
 *
 * Every fallible function returns a qerr: Q_OK (0) on success, a positive
 * code otherwise.  qerr_str() gives a short English description; callers
 * add what was wrong (which field, which file) in their own message.
 * New codes are appended at the end (values are never reused).
 */
#ifndef QUORUM_QERR_H
#define QUORUM_QERR_H

#define Q_MUST_CHECK __attribute__((warn_unused_result))

typedef enum qerr {
	Q_OK = 0,
	Q_ERR_NOMEM, /* allocation failed */
	Q_ERR_ARG, /* invalid argument (caller error, bad length, NULL) */
	Q_ERR_ENCODING, /* malformed encoding (hex, base64, length, canonical form) */
	Q_ERR_POINT, /* point not on the curve, infinity, or bad SEC1 form */
	Q_ERR_SCALAR, /* scalar not in [0, n) (or zero where zero is banned) */
	Q_ERR_PROOF, /* a zero-knowledge proof failed to verify */
	Q_ERR_SIGNATURE, /* a signature failed to verify */
	Q_ERR_AUTH, /* authenticated decryption failed: wrong key or tampered */
	Q_ERR_IO, /* read/write/fsync/open failed (errno tells more) */
	Q_ERR_CRYPTO, /* the underlying crypto library failed unexpectedly */
	Q_ERR_RANGE, /* a value is outside its permitted range */
	Q_ERR_FORMAT, /* a file or message is not of the expected format */
	Q_ERR_EXISTS, /* the object already exists */
	Q_ERR_NOTFOUND, /* the object does not exist */
	Q_ERR_STATE, /* operation not allowed in the current state */
	Q_ERR_CORRUPT, /* stored data is inconsistent (detected, not repaired) */
	Q_ERR_DB, /* database error */
	Q_ERR_DENIED, /* permission denied (role, policy) */
	Q_ERR_LIMIT, /* a size or count limit was exceeded */
	Q_ERR_CONSISTENCY, /* two views of a log disagree */
	Q_ERR_RULE, /* a manifest or rule check failed */
	Q_ERR_TIMEOUT, /* an operation timed out */
	Q_ERR__COUNT
} qerr;

/* Short English description of an error code; never NULL. */
const char *qerr_str(int e);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "qerr.h"

#include "banned.h"

const char *qerr_str(int e)
{
	switch ((qerr)e) {
	case Q_OK:
		return "success";
	case Q_ERR_NOMEM:
		return "out of memory";
	case Q_ERR_ARG:
		return "invalid argument";
	case Q_ERR_ENCODING:
		return "malformed encoding";
	case Q_ERR_POINT:
		return "invalid curve point";
	case Q_ERR_SCALAR:
		return "scalar out of range";
	case Q_ERR_PROOF:
		return "proof does not verify";
	case Q_ERR_SIGNATURE:
		return "signature does not verify";
	case Q_ERR_AUTH:
		return "authentication failed (wrong key or passphrase, or tampered data)";
	case Q_ERR_IO:
		return "input/output error";
	case Q_ERR_CRYPTO:
		return "cryptographic library failure";
	case Q_ERR_RANGE:
		return "value out of range";
	case Q_ERR_FORMAT:
		return "bad format";
	case Q_ERR_EXISTS:
		return "already exists";
	case Q_ERR_NOTFOUND:
		return "not found";
	case Q_ERR_STATE:
		return "not allowed in the current state";
	case Q_ERR_CORRUPT:
		return "stored data is corrupt";
	case Q_ERR_DB:
		return "database error";
	case Q_ERR_DENIED:
		return "permission denied";
	case Q_ERR_LIMIT:
		return "limit exceeded";
	case Q_ERR_CONSISTENCY:
		return "inconsistent log views";
	case Q_ERR_RULE:
		return "rule check failed";
	case Q_ERR_TIMEOUT:
		return "timed out";
	case Q_ERR__COUNT:
		break;
	}
	return "unknown error";
}

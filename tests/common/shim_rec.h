/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The binary record the fault shim (fault_shim.c) writes under
 * QUORUM_SHIM_RECORD: one entry per call that changes a file's bytes, a
 * directory's names, or is a sync or a send, in the order the calls
 * returned (a send: before its bytes leave).  Each entry is a shim_rec
 * header followed by plen bytes of path, p2len bytes of path2 (rename's
 * new name) and len bytes of data (write, send).  Paths are absolute, not
 * NUL-terminated.  Host byte order: written and read on one machine. */
#ifndef QUORUM_TESTS_SHIM_REC_H
#define QUORUM_TESTS_SHIM_REC_H

#include <stdint.h>

#define SHIM_REC_MAGIC 0x51534852u /* "RHSQ" */

enum shim_op {
	SHIM_WRITE = 1, /* data at file offset off */
	SHIM_TRUNC = 2, /* file length set to off (ftruncate, open O_TRUNC) */
	SHIM_SYNC = 3, /* fsync or fdatasync of a file or directory returned 0 */
	SHIM_CREATE = 4, /* open with O_CREAT made a new file */
	SHIM_RENAME = 5, /* path renamed to path2 */
	SHIM_UNLINK = 6, /* path removed (a file, or a directory) */
	SHIM_MKDIR = 7, /* directory made, mode off */
	SHIM_SEND = 8, /* bytes about to be sent on a socket (path "socket") */
};

struct shim_rec {
	uint32_t magic;
	uint32_t op;
	uint64_t off;
	uint64_t len;
	uint32_t plen;
	uint32_t p2len;
};

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli.h -- helpers shared by the quorum-audit subcommands (audit/cli/).
 * Exit statuses: CLI_OK 0 (holds), CLI_FAIL 1 (a check failed),
 * CLI_ERR 2 (usage or I/O error).  Messages go to stderr, prefixed
 * "quorum-audit <cmd>: ".
 */
#ifndef QUORUM_AUDIT_CLI_H
#define QUORUM_AUDIT_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "audit/log.h"
#include "audit/merkle.h"
#include "audit/note.h"
#include "crypto/qerr.h"

#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_ERR 2

#define CLI_COMMAND(name, fn, usage) int fn(int argc, char **argv);
#include "commands.h"
#undef CLI_COMMAND

/* Print "quorum-audit <cmd>: <message>\n" to stderr. */
__attribute__((format(printf, 2, 3))) void cli_err(const char *cmd, const char *fmt, ...);

/* If argv holds --help or -h, print "usage: quorum-audit <cmd> <usage>" and
 * return 1 (the caller then exits 0). */
int cli_want_help(int argc, char **argv, const char *usage);

/* Exit status for an error: check failures (proof, signature, consistency,
 * corrupt, format, range...) give CLI_FAIL; usage and I/O errors CLI_ERR. */
int cli_status(qerr e);

/* Decimal uint64, no sign, no junk; 0 on error. */
int cli_parse_u64(const char *s, uint64_t *v);

/* Read a whole file (or stdin for "-") of at most max bytes into a malloc'd
 * NUL-terminated buffer.  Q_ERR_LIMIT if longer, Q_ERR_IO if unreadable. */
Q_MUST_CHECK qerr cli_read_file(const char *path, size_t max, char **buf, size_t *len);

/* A verifier key from a file holding it (first line), or the key string itself. */
Q_MUST_CHECK qerr cli_load_vkey(const char *arg, note_verifier *v);

/* Write all of buf to stdout; Q_ERR_IO on failure. */
Q_MUST_CHECK qerr cli_write_stdout(const void *buf, size_t len);

#endif

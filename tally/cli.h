/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli.h -- helpers shared by h6's quorum-tally subcommands: option
 * scanning, passphrases, Argon2id cost selection.
 *
 * Passphrases never come from argv.  In order of preference:
 *   --pass-fd N     read from file descriptor N (up to the first newline)
 *   --pass-file F   read from file F (first line)
 *   QUORUM_PASSPHRASE (environment) -- INSECURE: other processes of the
 *                   same user can read it; for tests and demos only
 *   a prompt on /dev/tty with echo off (asked twice when confirm is set)
 * QUORUM_INSECURE_TEST_KDF=1 selects Argon2id t=1, m=64 KiB for NEW
 * sealed files: for tests only (an attacker can then guess passphrases
 * fast).  Reading a file always uses the costs recorded in it.
 */
#ifndef QUORUM_TALLY_CLI_H
#define QUORUM_TALLY_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/kdf.h"
#include "crypto/qerr.h"
#include "crypto/secbuf.h"

#define CLI_PASS_MAX 1024
#define CLI_PASS_MIN 12 /* bytes, for a passphrase that seals a new file */

/* The value of option `name` (e.g. "--trustee") in argv, or NULL. */
const char *cli_opt(int argc, char **argv, const char *name);
/* 1 if the flag `name` is present. */
int cli_flag(int argc, char **argv, const char *name);
/* The first positional argument after argv[0] (skipping options and
 * their values; `valued` lists the options that take a value), or NULL. */
const char *cli_positional(int argc, char **argv, const char *const *valued);
/* Parse a decimal unsigned integer in [lo, hi]; Q_ERR_ARG otherwise. */
Q_MUST_CHECK qerr cli_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out);

/* Read the passphrase as described above into a new secbuf (*out; the
 * caller frees it with secbuf_free).  Empty passphrases are refused; with
 * confirm set (a new sealed file) so is one shorter than CLI_PASS_MIN, and
 * on a terminal it is asked twice.  Every refusal is explained on stderr
 * and returned as Q_ERR_ARG (Q_ERR_IO if it cannot be read). */
Q_MUST_CHECK qerr cli_passphrase(int argc, char **argv, int confirm, secbuf **out);

/* Every "--rules FILE" of argv, read (docs/spec/rules.md RP-5.1). */
typedef struct cli_rules {
	uint8_t **bytes;
	size_t *lens;
	const char **names;
	size_t n;
} cli_rules;

/* Read every --rules FILE (at most 32, each at most 1 MiB).  Q_ERR_IO /
 * Q_ERR_LIMIT with a message on stderr naming the file; *r is then empty. */
Q_MUST_CHECK qerr cli_rule_files(int argc, char **argv, cli_rules *r);
void cli_rule_files_free(cli_rules *r);

/* Argon2id costs for new sealed files (see above). */
const kdf_params *cli_kdf_params(void);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* quorum-audit witness-key NAME KEYFILE */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "election/i18n.h"
#include "crypto/util.h"

#include "banned.h"

static const char usage[] =
    N_("NAME KEYFILE\n"
       "Create a witness cosigning key (C2SP tlog-cosignature, Ed25519, type 0x04)\n"
       "named NAME in KEYFILE (new file, mode 0600); print its verifier key.");

int cmd_witness_key(int argc, char **argv)
{
	note_signer s;
	char sk[NOTE_SKEY_MAX + 2], vk[NOTE_VKEY_MAX + 1];
	int rc = CLI_ERR, fd = -1;
	memset(&s, 0, sizeof s);
	memset(sk, 0, sizeof sk);
	if (cli_want_help(argc, argv, usage))
		return CLI_OK;
	if (argc != 3) {
		cli_err("witness-key", "usage: quorum-audit witness-key NAME KEYFILE");
		return CLI_ERR;
	}
	if (note_signer_generate(&s, argv[1], NOTE_ALG_COSIGNATURE) != Q_OK) {
		cli_err("witness-key", "invalid name (1-255 printable ASCII, no space or '+')");
		goto out;
	}
	if (note_signer_format(&s, sk, sizeof sk - 1) != Q_OK ||
	    note_verifier_format(&s.pub, vk, sizeof vk) != Q_OK)
		goto out;
	size_t len = strlen(sk);
	sk[len++] = '\n';
	fd = open(argv[2], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		cli_err("witness-key", "%s: %s", argv[2], strerror(errno));
		goto out;
	}
	if (write(fd, sk, len) != (ssize_t)len || fsync(fd) != 0) {
		cli_err("witness-key", "%s: write failed", argv[2]);
		goto out;
	}
	printf("%s\n", vk);
	rc = CLI_OK;
out:
	if (fd >= 0)
		close(fd);
	note_signer_wipe(&s);
	wipe(sk, sizeof sk);
	return rc;
}

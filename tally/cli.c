/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli.c -- option scanning and passphrases for quorum-tally (h6 commands).
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "crypto/util.h"
#include "election/i18n.h"
#include "election/rules.h"
#include "record.h"

#include "banned.h"

const char *cli_opt(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

int cli_flag(int argc, char **argv, const char *name)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

const char *cli_positional(int argc, char **argv, const char *const *valued)
{
	for (int i = 1; i < argc; i++) {
		int takes = 0;
		if (strncmp(argv[i], "--", 2) != 0)
			return argv[i];
		for (size_t v = 0; valued != NULL && valued[v] != NULL; v++)
			if (strcmp(argv[i], valued[v]) == 0)
				takes = 1;
		if (takes)
			i++;
	}
	return NULL;
}

qerr cli_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end = NULL;
	unsigned long long v;
	if (s == NULL || *s < '0' || *s > '9')
		return Q_ERR_ARG;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return Q_ERR_ARG;
	*out = (uint32_t)v;
	return Q_OK;
}

/* Read up to the first newline (or EOF) from fd into b; returns length or
 * -1 on error/overflow. */
static long read_line_fd(int fd, uint8_t *b, size_t cap)
{
	size_t n = 0;
	for (;;) {
		uint8_t c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0 || c == '\n')
			break;
		if (n >= cap)
			return -1;
		b[n++] = c;
	}
	if (n > 0 && b[n - 1] == '\r')
		n--;
	return (long)n;
}

static long prompt_tty(const char *prompt, uint8_t *b, size_t cap)
{
	struct termios old, noecho;
	long n;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (tcgetattr(fd, &old) != 0) {
		close(fd);
		return -1;
	}
	/* echo off (and typed-ahead input dropped) before the prompt: what
	 * is typed after it is neither echoed nor flushed */
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)ECHO;
	(void)tcsetattr(fd, TCSAFLUSH, &noecho);
	if (write(fd, prompt, strlen(prompt)) < 0) {
		(void)tcsetattr(fd, TCSAFLUSH, &old);
		close(fd);
		return -1;
	}
	n = read_line_fd(fd, b, cap);
	(void)tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0)
		n = n >= 0 ? n : -1;
	close(fd);
	return n;
}

qerr cli_passphrase(int argc, char **argv, int confirm, secbuf **out)
{
	secbuf *b = secbuf_new(CLI_PASS_MAX), *c = NULL, *res = NULL;
	const char *fdstr = cli_opt(argc, argv, "--pass-fd");
	const char *file = cli_opt(argc, argv, "--pass-file");
	const char *env = getenv("QUORUM_PASSPHRASE");
	long n = -1;
	qerr e = Q_ERR_ARG;
	*out = NULL;
	if (b == NULL)
		return Q_ERR_NOMEM;
	if (fdstr != NULL) {
		uint32_t fd;
		if (cli_u32(fdstr, 0, 1u << 20, &fd) != Q_OK) {
			fprintf(stderr, "%s", _("--pass-fd: not a file descriptor number\n"));
			goto out;
		}
		n = read_line_fd((int)fd, b->data, CLI_PASS_MAX);
	} else if (file != NULL) {
		int fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, _("--pass-file %s: %s\n"), file, strerror(errno));
			e = Q_ERR_IO;
			goto out;
		}
		n = read_line_fd(fd, b->data, CLI_PASS_MAX);
		close(fd);
	} else if (env != NULL) {
		size_t l = strlen(env);
		if (l <= CLI_PASS_MAX) {
			memcpy(b->data, env, l);
			n = (long)l;
		}
	} else {
		n = prompt_tty(_("Passphrase: "), b->data, CLI_PASS_MAX);
		if (n > 0 && confirm) {
			long m;
			if ((c = secbuf_new(CLI_PASS_MAX)) == NULL) {
				e = Q_ERR_NOMEM;
				goto out;
			}
			m = prompt_tty(_("Passphrase again: "), c->data, CLI_PASS_MAX);
			if (m != n || !ct_equal(b->data, c->data, (size_t)n)) {
				fprintf(stderr, "%s", _("the passphrases differ\n"));
				goto out;
			}
		}
	}
	if (n < 0) {
		fprintf(stderr, "%s",
		        _("cannot read the passphrase (give --pass-fd, --pass-file or use a "
		          "terminal)\n"));
		e = Q_ERR_IO;
		goto out;
	}
	if (n == 0) {
		fprintf(stderr, "%s", _("an empty passphrase is not allowed\n"));
		goto out;
	}
	if (confirm && n < CLI_PASS_MIN) {
		fprintf(stderr,
		        _("a passphrase that protects an election key must have at least %d "
		          "characters (a few words are easiest to remember); this one has %ld\n"),
		        CLI_PASS_MIN, n);
		goto out;
	}
	if ((res = secbuf_new((size_t)n)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	memcpy(res->data, b->data, (size_t)n);
	*out = res;
	e = Q_OK;
out:
	secbuf_free(b);
	secbuf_free(c);
	return e;
}

static const kdf_params test_params = {1, 64, 1};

const kdf_params *cli_kdf_params(void)
{
	const char *t = getenv("QUORUM_INSECURE_TEST_KDF");
	if (t != NULL && strcmp(t, "1") == 0)
		return &test_params;
	return &kdf_params_default;
}

void cli_rule_files_free(cli_rules *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->bytes[i]);
	free(r->bytes);
	free(r->lens);
	free(r->names);
	memset(r, 0, sizeof *r);
}

qerr cli_rule_files(int argc, char **argv, cli_rules *r)
{
	char msg[512];
	memset(r, 0, sizeof *r);
	r->bytes = calloc(33, sizeof *r->bytes);
	r->lens = calloc(33, sizeof *r->lens);
	r->names = calloc(33, sizeof *r->names);
	if (r->bytes == NULL || r->lens == NULL || r->names == NULL) {
		cli_rule_files_free(r);
		return Q_ERR_NOMEM;
	}
	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--rules") != 0)
			continue;
		if (r->n == 32) {
			fprintf(stderr, "%s", _("at most 32 --rules files\n"));
			cli_rule_files_free(r);
			return Q_ERR_LIMIT;
		}
		qerr e = rec_read_file(argv[i + 1], RULES_MAX_BYTES, &r->bytes[r->n],
		                       &r->lens[r->n], msg, sizeof msg);
		if (e != Q_OK) {
			fprintf(stderr, _("--rules %s: %s\n"), argv[i + 1], msg);
			cli_rule_files_free(r);
			return e;
		}
		r->names[r->n++] = argv[++i];
	}
	return Q_OK;
}

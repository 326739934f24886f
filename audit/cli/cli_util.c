/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli_util.c -- helpers shared by the quorum-audit subcommands. */
#include "cli.h"
#include "election/i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "banned.h"

void cli_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "quorum-audit %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, _(fmt), ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_want_help(int argc, char **argv, const char *usage)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf(_("usage: quorum-audit %s %s\n"), argv[0], _(usage));
			return 1;
		}
	}
	return 0;
}

int cli_status(qerr e)
{
	switch (e) {
	case Q_OK:
		return CLI_OK;
	case Q_ERR_NOMEM:
	case Q_ERR_ARG:
	case Q_ERR_IO:
	case Q_ERR_EXISTS:
	case Q_ERR_NOTFOUND:
	case Q_ERR_STATE:
	case Q_ERR_LIMIT:
	case Q_ERR_DENIED:
		return CLI_ERR;
	default:
		return CLI_FAIL;
	}
}

int cli_parse_u64(const char *s, uint64_t *v)
{
	char *end = NULL;
	if (s == NULL || s[0] < '0' || s[0] > '9')
		return 0;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return 0;
	*v = (uint64_t)x;
	return 1;
}

qerr cli_read_file(const char *path, size_t max, char **buf, size_t *len)
{
	qerr e = Q_ERR_IO;
	*buf = NULL;
	*len = 0;
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return Q_ERR_IO;
	size_t cap = 4096, n = 0;
	char *b = malloc(cap + 1);
	if (b == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		if (n == cap) {
			if (cap > max) {
				e = Q_ERR_LIMIT;
				goto out;
			}
			cap *= 2;
			char *nb = realloc(b, cap + 1);
			if (nb == NULL) {
				e = Q_ERR_NOMEM;
				goto out;
			}
			b = nb;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			e = Q_ERR_LIMIT;
			goto out;
		}
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
	e = Q_OK;
out:
	if (fd != STDIN_FILENO)
		close(fd);
	free(b);
	return e;
}

qerr cli_load_vkey(const char *arg, note_verifier *v)
{
	char *buf = NULL;
	size_t len = 0;
	qerr e = cli_read_file(arg, NOTE_VKEY_MAX + 2, &buf, &len);
	if (e == Q_OK) {
		char *nl = memchr(buf, '\n', len);
		if (nl != NULL)
			len = (size_t)(nl - buf);
		e = note_verifier_parse(v, buf, len);
	} else if (e == Q_ERR_IO && access(arg, F_OK) != 0) {
		e = note_verifier_parse(v, arg, strlen(arg)); /* the key string itself */
		if (e != Q_OK)
			e = Q_ERR_IO;
	}
	free(buf);
	return e;
}

qerr cli_write_stdout(const void *buf, size_t len)
{
	if (len > 0 && fwrite(buf, 1, len, stdout) != len)
		return Q_ERR_IO;
	return fflush(stdout) == 0 ? Q_OK : Q_ERR_IO;
}

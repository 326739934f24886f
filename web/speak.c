/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * speak.c -- a screen's text as Mandarin speech (docs/spec/protocol.md
 * P-8.8): espeak-ng, voice cmn, renders the text given on its standard
 * input to a WAV on its standard output, kept in memory only (a review
 * screen's text names the voter's choices: it is never written to a file
 * nor put on a command line).  At most two renderings at once.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/util.h"
#include "web.h"

#include "banned.h"

#define SPEAK_AT_ONCE 2
#define WAV_MAX (16u << 20)

extern char **environ;

static pthread_mutex_t speak_mu = PTHREAD_MUTEX_INITIALIZER;
static int speaking;

static const char *espeak_path(void)
{
	const char *p = getenv("QUORUM_ESPEAK");
	return p != NULL && p[0] != '\0' ? p : "/usr/bin/espeak-ng";
}

int speak_available(void)
{
	return access(espeak_path(), X_OK) == 0;
}

static void put32(char *p, uint32_t v)
{
	p[0] = (char)(v & 0xff);
	p[1] = (char)((v >> 8) & 0xff);
	p[2] = (char)((v >> 16) & 0xff);
	p[3] = (char)((v >> 24) & 0xff);
}

int speak_wav(const char *text, size_t len, char **out, size_t *outlen)
{
	int in[2] = {-1, -1}, op[2] = {-1, -1}, rc = -1;
	pid_t pid = -1;
	char *buf = NULL;
	size_t n = 0;
	*out = NULL;
	*outlen = 0;
	pthread_mutex_lock(&speak_mu);
	if (speaking >= SPEAK_AT_ONCE) {
		pthread_mutex_unlock(&speak_mu);
		return -2;
	}
	speaking++;
	pthread_mutex_unlock(&speak_mu);
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(op, O_CLOEXEC) != 0)
		goto out;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, op[1], 1);
	char *const argv[] = {"espeak-ng", "-v", "cmn", "-s", "150", "-b", "1", "--stdout", NULL};
	int e = posix_spawn(&pid, espeak_path(), &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(op[1]);
	in[0] = op[1] = -1;
	if (e != 0) {
		pid = -1;
		goto out;
	}
	/* at most 4 KiB of text: the pipe holds it all, no deadlock */
	for (size_t off = 0; off < len;) {
		ssize_t w = write(in[1], text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto out;
		off += (size_t)w;
	}
	close(in[1]);
	in[1] = -1;
	if ((buf = malloc(WAV_MAX)) == NULL)
		goto out;
	for (;;) {
		ssize_t r = read(op[0], buf + n, WAV_MAX - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == WAV_MAX)
			goto out;
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	pid = -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || n < 44 || memcmp(buf, "RIFF", 4) != 0)
		goto out;
	/* a stream's header leaves the sizes unknown: fill them in */
	put32(buf + 4, (uint32_t)(n - 8));
	if (memcmp(buf + 36, "data", 4) == 0)
		put32(buf + 40, (uint32_t)(n - 44));
	*out = buf;
	*outlen = n;
	buf = NULL;
	rc = 0;
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (op[i] >= 0)
			close(op[i]);
	}
	free(buf);
	pthread_mutex_lock(&speak_mu);
	speaking--;
	pthread_mutex_unlock(&speak_mu);
	return rc;
}

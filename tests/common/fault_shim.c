/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fault_shim.c -- an LD_PRELOAD library for the durability and fault tests:
 * it records, in order, the calls that make data durable or visible
 * (write/pwrite/writev, fsync/fdatasync, rename/link, send), and can make
 * the sync calls on chosen files fail or wait.
 *
 * Environment (all optional):
 *   QUORUM_SHIM_TRACE        file to append one line per call to:
 *                            "<op> <path>[ <path2>]" (op: write, fsync,
 *                            fdatasync, rename, link, send)
 *   QUORUM_SHIM_TRACE_MATCH  trace only paths containing this string
 *                            (send is traced whenever a trace is asked)
 *   QUORUM_SHIM_FAULT        "fail": fsync/fdatasync of a matching file
 *                            returns -1/EIO; "hold": it waits while the
 *                            gate exists, then proceeds
 *   QUORUM_SHIM_FAULT_MATCH  the files to fault (substring of the path;
 *                            "...$" matches the end of the path only)
 *   QUORUM_SHIM_GATE         the fault applies only while this file exists
 *                            (absent: always)
 * A faulted call is traced as "<op>-failed" or "<op>-held".
 *
 * Test code only: never linked into a program, and not subject to
 * banned.h (tests/ is exempt).
 */
/* Both pwrite and pwrite64 are defined below: no 64-bit renaming. */
#undef _FILE_OFFSET_BITS
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

static void fd_path(int fd, char *out, size_t n)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	ssize_t l = readlink(p, out, n - 1);
	out[l > 0 ? l : 0] = 0;
}

static void abs_path(int dirfd, const char *path, char *out, size_t n)
{
	if (path[0] == '/' || dirfd == AT_FDCWD) {
		if (path[0] == '/') {
			snprintf(out, n, "%s", path);
		} else {
			char cwd[PATH_MAX];
			if (getcwd(cwd, sizeof cwd) == NULL)
				cwd[0] = 0;
			if (snprintf(out, n, "%s/%s", cwd, path) >= (int)n)
				out[0] = 0;
		}
		return;
	}
	char d[PATH_MAX];
	fd_path(dirfd, d, sizeof d);
	if (snprintf(out, n, "%s/%s", d, path) >= (int)n)
		out[0] = 0;
}

/* Does path contain the pattern in var ("...$": end with it)? */
static int matches(const char *path, const char *var)
{
	const char *m = getenv(var);
	if (m == NULL || m[0] == 0)
		return 1;
	size_t ml = strlen(m), pl = strlen(path);
	if (m[ml - 1] == '$')
		return pl >= ml - 1 && memcmp(path + pl - (ml - 1), m, ml - 1) == 0;
	return strstr(path, m) != NULL;
}

static void trace(const char *op, const char *a, const char *b)
{
	const char *t = getenv("QUORUM_SHIM_TRACE");
	if (t == NULL || t[0] == 0)
		return;
	if (strcmp(op, "send") != 0 && !matches(a, "QUORUM_SHIM_TRACE_MATCH") &&
	    (b == NULL || !matches(b, "QUORUM_SHIM_TRACE_MATCH")))
		return;
	char line[2 * PATH_MAX + 64];
	int n = snprintf(line, sizeof line, "%s %s%s%s\n", op, a, b ? " " : "", b ? b : "");
	if (n <= 0 || (size_t)n >= sizeof line)
		return;
	int fd =
	    (int)syscall(SYS_openat, AT_FDCWD, t, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	(void)syscall(SYS_write, fd, line, (size_t)n);
	(void)syscall(SYS_close, fd);
}

static int gate_open(void)
{
	const char *g = getenv("QUORUM_SHIM_GATE");
	return g == NULL || g[0] == 0 || access(g, F_OK) == 0;
}

static void trace_fd(const char *op, int fd);

/* Returns 0 to go on with the real call, -1 (errno EIO) to fail it. */
static int sync_fault(const char *op, int fd)
{
	char p[PATH_MAX];
	const char *f = getenv("QUORUM_SHIM_FAULT");
	fd_path(fd, p, sizeof p);
	if (f != NULL && getenv("QUORUM_SHIM_FAULT_MATCH") != NULL &&
	    matches(p, "QUORUM_SHIM_FAULT_MATCH") && gate_open()) {
		char o[32];
		if (strcmp(f, "fail") == 0) {
			snprintf(o, sizeof o, "%s-failed", op);
			trace(o, p, NULL);
			errno = EIO;
			return -1;
		}
		if (strcmp(f, "hold") == 0) {
			snprintf(o, sizeof o, "%s-held", op);
			trace(o, p, NULL);
			struct timespec ts = {0, 5 * 1000 * 1000};
			for (int i = 0; i < 12000 && gate_open(); i++)
				nanosleep(&ts, NULL);
		}
	}
	return 0;
}

/* A sync is recorded once it has returned: what follows it in the trace
 * happened after the data was on disk (as far as the kernel says). */
int fsync(int fd)
{
	if (sync_fault("fsync", fd) != 0)
		return -1;
	int r = REAL(fsync)(fd);
	trace_fd(r == 0 ? "fsync" : "fsync-error", fd);
	return r;
}

int fdatasync(int fd)
{
	if (sync_fault("fdatasync", fd) != 0)
		return -1;
	int r = REAL(fdatasync)(fd);
	trace_fd(r == 0 ? "fdatasync" : "fdatasync-error", fd);
	return r;
}

static void trace_fd(const char *op, int fd)
{
	if (getenv("QUORUM_SHIM_TRACE") == NULL)
		return;
	char p[PATH_MAX];
	fd_path(fd, p, sizeof p);
	trace(op, p, NULL);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	ssize_t r = REAL(write)(fd, buf, n);
	trace_fd("write", fd);
	return r;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	ssize_t r = REAL(pwrite)(fd, buf, n, off);
	trace_fd("write", fd);
	return r;
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	ssize_t r = REAL(pwrite64)(fd, buf, n, off);
	trace_fd("write", fd);
	return r;
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
	ssize_t r = REAL(writev)(fd, iov, n);
	trace_fd("write", fd);
	return r;
}

/* A send is recorded before the bytes can reach the peer, so a reader
 * that got them finds the line already there. */
ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	if (getenv("QUORUM_SHIM_TRACE") != NULL)
		trace("send", "socket", NULL);
	return REAL(send)(fd, buf, n, flags);
}

int rename(const char *a, const char *b)
{
	char pa[PATH_MAX], pb[PATH_MAX];
	abs_path(AT_FDCWD, a, pa, sizeof pa);
	abs_path(AT_FDCWD, b, pb, sizeof pb);
	int r = REAL(rename)(a, b);
	if (r == 0)
		trace("rename", pa, pb);
	return r;
}

int renameat(int da, const char *a, int db, const char *b)
{
	char pa[PATH_MAX], pb[PATH_MAX];
	abs_path(da, a, pa, sizeof pa);
	abs_path(db, b, pb, sizeof pb);
	int r = REAL(renameat)(da, a, db, b);
	if (r == 0)
		trace("rename", pa, pb);
	return r;
}

int link(const char *a, const char *b)
{
	char pa[PATH_MAX], pb[PATH_MAX];
	abs_path(AT_FDCWD, a, pa, sizeof pa);
	abs_path(AT_FDCWD, b, pb, sizeof pb);
	int r = REAL(link)(a, b);
	if (r == 0)
		trace("link", pa, pb);
	return r;
}

int linkat(int da, const char *a, int db, const char *b, int flags)
{
	char pa[PATH_MAX], pb[PATH_MAX];
	abs_path(da, a, pa, sizeof pa);
	abs_path(db, b, pb, sizeof pb);
	int r = REAL(linkat)(da, a, db, b, flags);
	if (r == 0)
		trace("link", pa, pb);
	return r;
}

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
 *   QUORUM_SHIM_RECORD       file to append a binary record of every call
 *                            that changes a file's bytes or a directory,
 *                            with its data, to (the power-cut test rebuilds
 *                            a state directory from it): see shim_rec
 *                            below; paths limited by QUORUM_SHIM_TRACE_MATCH
 *                            (send is recorded, with its bytes, always)
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
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "shim_rec.h"

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

/* ---- the binary record (QUORUM_SHIM_RECORD) ---- */

static pthread_mutex_t rec_mu = PTHREAD_MUTEX_INITIALIZER;

static int recording(void)
{
	const char *r = getenv("QUORUM_SHIM_RECORD");
	return r != NULL && r[0] != 0;
}

/* Is this path one to record (recording on, and it matches)? */
static int rec_path(const char *p)
{
	return recording() && p[0] != 0 && matches(p, "QUORUM_SHIM_TRACE_MATCH");
}

/* Append one entry with a single write (O_APPEND): whole entries only. */
static void rec_emit(uint32_t op, const char *p, const char *p2, uint64_t off, const void *data,
                     uint64_t len)
{
	struct shim_rec h;
	size_t pl = strlen(p), p2l = p2 != NULL ? strlen(p2) : 0;
	h.magic = SHIM_REC_MAGIC;
	h.op = op;
	h.off = off;
	h.len = len;
	h.plen = (uint32_t)pl;
	h.p2len = (uint32_t)p2l;
	size_t n = sizeof h + pl + p2l + (size_t)len;
	char *buf = malloc(n);
	if (buf == NULL)
		abort();
	memcpy(buf, &h, sizeof h);
	memcpy(buf + sizeof h, p, pl);
	if (p2l > 0)
		memcpy(buf + sizeof h + pl, p2, p2l);
	if (len > 0)
		memcpy(buf + sizeof h + pl + p2l, data, (size_t)len);
	int fd = (int)syscall(SYS_openat, AT_FDCWD, getenv("QUORUM_SHIM_RECORD"),
	                      O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		abort(); /* a record with a hole would mislead the test */
	if (syscall(SYS_write, fd, buf, n) != (long)n)
		abort();
	(void)syscall(SYS_close, fd);
	free(buf);
}

/* Where a write(2) on fd lands: its offset, or the end if O_APPEND. */
static uint64_t cur_off(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	struct stat sb;
	if (fl >= 0 && (fl & O_APPEND) && fstat(fd, &sb) == 0)
		return (uint64_t)sb.st_size;
	off_t o = lseek(fd, 0, SEEK_CUR);
	return o < 0 ? 0 : (uint64_t)o;
}

/* A sync is recorded once it has returned: what follows it in the trace
 * happened after the data was on disk (as far as the kernel says). */
static void rec_sync(int fd)
{
	char p[PATH_MAX];
	fd_path(fd, p, sizeof p);
	if (rec_path(p)) {
		pthread_mutex_lock(&rec_mu);
		rec_emit(SHIM_SYNC, p, NULL, 0, NULL, 0);
		pthread_mutex_unlock(&rec_mu);
	}
}

int fsync(int fd)
{
	if (sync_fault("fsync", fd) != 0)
		return -1;
	int r = REAL(fsync)(fd);
	trace_fd(r == 0 ? "fsync" : "fsync-error", fd);
	if (r == 0)
		rec_sync(fd);
	return r;
}

int fdatasync(int fd)
{
	if (sync_fault("fdatasync", fd) != 0)
		return -1;
	int r = REAL(fdatasync)(fd);
	trace_fd(r == 0 ? "fdatasync" : "fdatasync-error", fd);
	if (r == 0)
		rec_sync(fd);
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

/* The writes: the call and its entry under one lock, so that the order
 * of the entries is the order of the calls. */
#define REC_WRITE(fd, off_expr, call, data_expr)                                                   \
	do {                                                                                       \
		char rp_[PATH_MAX];                                                                \
		fd_path(fd, rp_, sizeof rp_);                                                      \
		if (!rec_path(rp_)) {                                                              \
			r = call;                                                                  \
			break;                                                                     \
		}                                                                                  \
		pthread_mutex_lock(&rec_mu);                                                       \
		uint64_t o_ = (off_expr);                                                          \
		r = call;                                                                          \
		if (r > 0)                                                                         \
			rec_emit(SHIM_WRITE, rp_, NULL, o_, (data_expr), (uint64_t)r);             \
		pthread_mutex_unlock(&rec_mu);                                                     \
	} while (0)

ssize_t write(int fd, const void *buf, size_t n)
{
	ssize_t r;
	REC_WRITE(fd, cur_off(fd), REAL(write)(fd, buf, n), buf);
	trace_fd("write", fd);
	return r;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	ssize_t r;
	REC_WRITE(fd, (uint64_t)off, REAL(pwrite)(fd, buf, n, off), buf);
	trace_fd("write", fd);
	return r;
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	ssize_t r;
	REC_WRITE(fd, (uint64_t)off, REAL(pwrite64)(fd, buf, n, off), buf);
	trace_fd("write", fd);
	return r;
}

/* The bytes of an iovec, flattened (for the record). */
static char *iov_flat(const struct iovec *iov, int n)
{
	size_t tot = 0, k = 0;
	for (int i = 0; i < n; i++)
		tot += iov[i].iov_len;
	char *b = malloc(tot + 1);
	if (b == NULL)
		abort();
	for (int i = 0; i < n; i++) {
		memcpy(b + k, iov[i].iov_base, iov[i].iov_len);
		k += iov[i].iov_len;
	}
	return b;
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
	ssize_t r;
	char *flat = recording() ? iov_flat(iov, n) : NULL;
	REC_WRITE(fd, cur_off(fd), REAL(writev)(fd, iov, n), flat);
	free(flat);
	trace_fd("write", fd);
	return r;
}

static int do_trunc(int fd, off_t len, int (*real)(int, off_t))
{
	char p[PATH_MAX];
	fd_path(fd, p, sizeof p);
	if (!rec_path(p))
		return real(fd, len);
	pthread_mutex_lock(&rec_mu);
	int r = real(fd, len);
	if (r == 0)
		rec_emit(SHIM_TRUNC, p, NULL, (uint64_t)len, NULL, 0);
	pthread_mutex_unlock(&rec_mu);
	return r;
}

int ftruncate(int fd, off_t len)
{
	return do_trunc(fd, len, REAL(ftruncate));
}

int ftruncate64(int fd, off_t len)
{
	return do_trunc(fd, len, REAL(ftruncate64));
}

/* open: a new file (O_CREAT) and a truncation (O_TRUNC) are recorded. */
static int do_open(int dirfd, const char *path, int flags, mode_t mode, int at, int is64)
{
	char p[PATH_MAX];
	int r;
	abs_path(dirfd, path, p, sizeof p);
#define CALL_OPEN()                                                                                \
	(at ? (is64 ? REAL(openat64)(dirfd, path, flags, mode)                                     \
	            : REAL(openat)(dirfd, path, flags, mode))                                      \
	    : (is64 ? REAL(open64)(path, flags, mode) : REAL(open)(path, flags, mode)))
	if (!(flags & (O_CREAT | O_TRUNC)) || !rec_path(p))
		return CALL_OPEN();
	pthread_mutex_lock(&rec_mu);
	struct stat sb;
	int existed = fstatat(AT_FDCWD, p, &sb, AT_SYMLINK_NOFOLLOW) == 0;
	r = CALL_OPEN();
	if (r >= 0 && !existed && (flags & O_CREAT))
		rec_emit(SHIM_CREATE, p, NULL, 0, NULL, 0);
	if (r >= 0 && existed && (flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY)
		rec_emit(SHIM_TRUNC, p, NULL, 0, NULL, 0);
	pthread_mutex_unlock(&rec_mu);
#undef CALL_OPEN
	return r;
}

static mode_t va_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t m = va_mode(flags, ap);
	va_end(ap);
	return do_open(AT_FDCWD, path, flags, m, 0, 0);
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t m = va_mode(flags, ap);
	va_end(ap);
	return do_open(AT_FDCWD, path, flags, m, 0, 1);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t m = va_mode(flags, ap);
	va_end(ap);
	return do_open(dirfd, path, flags, m, 1, 0);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t m = va_mode(flags, ap);
	va_end(ap);
	return do_open(dirfd, path, flags, m, 1, 1);
}

int unlink(const char *path)
{
	char p[PATH_MAX];
	abs_path(AT_FDCWD, path, p, sizeof p);
	if (!rec_path(p))
		return REAL(unlink)(path);
	pthread_mutex_lock(&rec_mu);
	int r = REAL(unlink)(path);
	if (r == 0)
		rec_emit(SHIM_UNLINK, p, NULL, 0, NULL, 0);
	pthread_mutex_unlock(&rec_mu);
	return r;
}

int unlinkat(int dirfd, const char *path, int flags)
{
	char p[PATH_MAX];
	abs_path(dirfd, path, p, sizeof p);
	if (!rec_path(p))
		return REAL(unlinkat)(dirfd, path, flags);
	pthread_mutex_lock(&rec_mu);
	int r = REAL(unlinkat)(dirfd, path, flags);
	if (r == 0)
		rec_emit(SHIM_UNLINK, p, NULL, 0, NULL, 0);
	pthread_mutex_unlock(&rec_mu);
	return r;
}

int mkdir(const char *path, mode_t mode)
{
	char p[PATH_MAX];
	abs_path(AT_FDCWD, path, p, sizeof p);
	if (!rec_path(p))
		return REAL(mkdir)(path, mode);
	pthread_mutex_lock(&rec_mu);
	int r = REAL(mkdir)(path, mode);
	if (r == 0)
		rec_emit(SHIM_MKDIR, p, NULL, mode, NULL, 0);
	pthread_mutex_unlock(&rec_mu);
	return r;
}

int mkdirat(int dirfd, const char *path, mode_t mode)
{
	char p[PATH_MAX];
	abs_path(dirfd, path, p, sizeof p);
	if (!rec_path(p))
		return REAL(mkdirat)(dirfd, path, mode);
	pthread_mutex_lock(&rec_mu);
	int r = REAL(mkdirat)(dirfd, path, mode);
	if (r == 0)
		rec_emit(SHIM_MKDIR, p, NULL, mode, NULL, 0);
	pthread_mutex_unlock(&rec_mu);
	return r;
}

/* A send is recorded before the bytes can reach the peer, so a reader
 * that got them finds the line already there. */
ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	if (getenv("QUORUM_SHIM_TRACE") != NULL)
		trace("send", "socket", NULL);
	if (recording()) {
		pthread_mutex_lock(&rec_mu);
		rec_emit(SHIM_SEND, "socket", NULL, 0, buf, n);
		pthread_mutex_unlock(&rec_mu);
	}
	return REAL(send)(fd, buf, n, flags);
}

static int do_rename(int da, const char *a, int db, const char *b)
{
	char pa[PATH_MAX], pb[PATH_MAX];
	abs_path(da, a, pa, sizeof pa);
	abs_path(db, b, pb, sizeof pb);
	int rec = rec_path(pa) || rec_path(pb);
	if (rec)
		pthread_mutex_lock(&rec_mu);
	int r = REAL(renameat)(da, a, db, b);
	if (r == 0 && rec)
		rec_emit(SHIM_RENAME, pa, pb, 0, NULL, 0);
	if (rec)
		pthread_mutex_unlock(&rec_mu);
	if (r == 0)
		trace("rename", pa, pb);
	return r;
}

int rename(const char *a, const char *b)
{
	return do_rename(AT_FDCWD, a, AT_FDCWD, b);
}

int renameat(int da, const char *a, int db, const char *b)
{
	return do_rename(da, a, db, b);
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

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Sealed secret files (docs/spec/secrets.md S-5): the only file I/O in
 * crypto/.  Format is that of seal_with_passphrase (S-4). */
#include "seal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#include "banned.h"

#define WHY(s)                                                                                     \
	do {                                                                                       \
		if (why != NULL)                                                                   \
			*why = (s);                                                                \
	} while (0)

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsync the directory holding path (S-5.1 step 4). */
static int fsync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	size_t dlen;
	int fd, r, saved;

	if (slash == NULL) {
		dir = strdup(".");
	} else {
		dlen = slash == path ? 1 : (size_t)(slash - path);
		dir = malloc(dlen + 1);
		if (dir != NULL) {
			memcpy(dir, path, dlen);
			dir[dlen] = '\0';
		}
	}
	if (dir == NULL)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	saved = errno;
	free(dir);
	if (fd < 0) {
		errno = saved;
		return -1;
	}
	r = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

qerr seal_file_write(const char *path, const void *pass, size_t passlen, const kdf_params *params,
                     const void *pt, size_t ptlen, const char **why)
{
	uint8_t *buf = NULL;
	size_t len;
	int fd = -1, created = 0, saved = 0;
	qerr rc;

	WHY("ok");
	if (path == NULL || (pt == NULL && ptlen > 0))
		return Q_ERR_ARG;
	if (ptlen > SEAL_FILE_MAX_LEN - SEAL_PASS_LEN(0)) {
		WHY("secret too large for a sealed file");
		return Q_ERR_LIMIT;
	}
	len = SEAL_PASS_LEN(ptlen);
	buf = malloc(len);
	if (buf == NULL) {
		WHY("out of memory");
		return Q_ERR_NOMEM;
	}
	/* Seal first, so a KDF failure leaves no file behind. */
	rc = seal_with_passphrase(buf, len, pass, passlen, params, pt, ptlen);
	if (rc != Q_OK) {
		WHY("sealing failed");
		goto out;
	}
	/* S-5.1 step 1: a new file, never through a symlink. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		saved = errno;
		if (saved == EEXIST) {
			WHY("a file (or symlink) already exists at the path");
			rc = Q_ERR_EXISTS;
		} else {
			WHY("cannot create the file");
			rc = Q_ERR_IO;
		}
		goto out;
	}
	created = 1;
	rc = Q_ERR_IO;
	if (fchmod(fd, 0600) != 0) {
		saved = errno;
		WHY("cannot set mode 0600");
		goto out;
	}
	if (write_all(fd, buf, len) != 0) {
		saved = errno;
		WHY("write failed");
		goto out;
	}
	if (fsync(fd) != 0) {
		saved = errno;
		WHY("fsync of the file failed");
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		saved = errno;
		WHY("close failed");
		goto out;
	}
	fd = -1;
	if (fsync_parent(path) != 0) {
		saved = errno;
		WHY("fsync of the directory failed");
		goto out;
	}
	rc = Q_OK;
out:
	if (fd >= 0)
		close(fd);
	if (rc != Q_OK && created)
		unlink(path);
	free(buf);
	if (rc != Q_OK && saved != 0)
		errno = saved;
	return rc;
}

qerr seal_file_read(secbuf **out, const char *path, const void *pass, size_t passlen,
                    const char **why)
{
	uint8_t *raw = NULL;
	struct stat st;
	size_t len, got = 0;
	int fd = -1, saved = 0;
	qerr rc;

	WHY("ok");
	if (out == NULL)
		return Q_ERR_ARG;
	*out = NULL;
	if (path == NULL)
		return Q_ERR_ARG;
	/* S-5.2: never follow a symlink. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		saved = errno;
		if (saved == ELOOP) {
			WHY("refusing a symbolic link");
			rc = Q_ERR_DENIED;
		} else if (saved == ENOENT) {
			WHY("no such file");
			rc = Q_ERR_NOTFOUND;
		} else {
			WHY("cannot open the file");
			rc = Q_ERR_IO;
		}
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		saved = errno;
		WHY("cannot stat the file");
		rc = Q_ERR_IO;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		WHY("not a regular file");
		rc = Q_ERR_FORMAT;
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		WHY("file is accessible by group or others (chmod 600 it)");
		rc = Q_ERR_DENIED;
		goto out;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > SEAL_FILE_MAX_LEN) {
		WHY("file too large for a sealed secret");
		rc = Q_ERR_LIMIT;
		goto out;
	}
	len = (size_t)st.st_size;
	/* The sealed bytes are not secret: ordinary memory. */
	raw = malloc(len > 0 ? len : 1);
	if (raw == NULL) {
		WHY("out of memory");
		rc = Q_ERR_NOMEM;
		goto out;
	}
	while (got < len) {
		ssize_t n = read(fd, raw + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			saved = errno;
			WHY("read failed");
			rc = Q_ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got != len) {
		WHY("file changed size while being read");
		rc = Q_ERR_IO;
		goto out;
	}
	rc = open_with_passphrase(out, pass, passlen, raw, len, why);
out:
	if (fd >= 0)
		close(fd);
	free(raw);
	if (rc != Q_OK && saved != 0)
		errno = saved;
	return rc;
}

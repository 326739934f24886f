/* SPDX-License-Identifier: GPL-3.0-or-later */
/* log.c -- the append-only audit log on disk (docs/spec/audit.md, A-3). */
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/util.h"

#include "banned.h"

#define REC_LEN 40 /* uint64be(offset) || leaf hash */
#define HDR_LEN 2 /* uint16be(len) */
#define CHUNK_RECS 8192
#define VERIFY_BUF (1u << 20)

struct audit_log {
	char *dir;
	int dirfd, efd, lfd;
	unsigned flags;
	uint64_t n; /* entries */
	uint64_t esize; /* logical size of the entries file */
	uint64_t *offs; /* offs[i] = offset of record i in entries */
	uint64_t offcap;
	merkle_tree *tree;
	note_verifier vkey;
	const note_signer *signer; /* log_use_signer; NULL: read dir/key */
	char msg[LOG_MSG_MAX];
};

__attribute__((format(printf, 2, 3))) static void setmsg(audit_log *lg, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(lg->msg, sizeof lg->msg, fmt, ap);
	va_end(ap);
}

static void copymsg(char *msg, size_t msgsz, const char *s)
{
	if (msg != NULL && msgsz > 0)
		snprintf(msg, msgsz, "%s", s);
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static qerr pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;
	while (len > 0) {
		ssize_t r = pread(fd, p, len, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return Q_ERR_IO;
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return Q_OK;
}

static qerr pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t r = pwrite(fd, p, len, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return Q_ERR_IO;
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return Q_OK;
}

/* Read a small file relative to dirfd into a malloc'd NUL-terminated buffer. */
static qerr read_small(int dirfd, const char *name, size_t max, char **out, size_t *len)
{
	qerr e = Q_ERR_IO;
	char *buf = NULL;
	struct stat st;
	*out = NULL;
	*len = 0;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		e = errno == ENOENT ? Q_ERR_NOTFOUND : Q_ERR_IO;
		goto out;
	}
	if (fstat(fd, &st) != 0)
		goto out;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		e = Q_ERR_FORMAT;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if ((e = pread_full(fd, buf, (size_t)st.st_size, 0)) != Q_OK)
		goto out;
	buf[st.st_size] = '\0';
	*out = buf;
	*len = (size_t)st.st_size;
	buf = NULL;
out:
	if (fd >= 0)
		close(fd);
	if (buf != NULL) {
		wipe(buf, (size_t)st.st_size);
		free(buf);
	}
	return e;
}

/* Create name in dirfd with O_EXCL|O_NOFOLLOW, write data, fsync. */
static qerr write_new(int dirfd, const char *name, mode_t mode, const void *data, size_t len)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return errno == EEXIST ? Q_ERR_EXISTS : Q_ERR_IO;
	qerr e = pwrite_full(fd, data, len, 0);
	if (e == Q_OK && fsync(fd) != 0)
		e = Q_ERR_IO;
	if (close(fd) != 0 && e == Q_OK)
		e = Q_ERR_IO;
	return e;
}

static qerr fsync_fd_dir(int dirfd, const char *sub)
{
	int fd = sub ? openat(dirfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : dup(dirfd);
	if (fd < 0)
		return Q_ERR_IO;
	qerr e = fsync(fd) == 0 ? Q_OK : Q_ERR_IO;
	close(fd);
	return e;
}

/* given: the signer to use (no key file is written), or NULL: a fresh
 * key in dir/key. */
static qerr create(const char *dir, const char *origin, const note_signer *given, audit_log **out,
                   char *msg, size_t msgsz)
{
	note_signer s;
	char skey[NOTE_SKEY_MAX + 1], vkey[NOTE_VKEY_MAX + 1];
	int dirfd = -1;
	qerr e;
	*out = NULL;
	memset(&s, 0, sizeof s);
	copymsg(msg, msgsz, "");
	if (given != NULL && strcmp(given->pub.name, origin) != 0) {
		copymsg(msg, msgsz, "the signing key is not named by the origin");
		e = Q_ERR_ARG;
		goto out;
	}
	if (!note_name_valid(origin, strlen(origin))) {
		copymsg(msg, msgsz,
		        "invalid origin: 1-255 printable ASCII characters, no space or '+'");
		e = Q_ERR_ARG;
		goto out;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		copymsg(msg, msgsz, "cannot create the log directory");
		e = Q_ERR_IO;
		goto out;
	}
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		copymsg(msg, msgsz, "cannot open the log directory");
		e = Q_ERR_IO;
		goto out;
	}
	/* The entries file is created first: O_EXCL there detects an existing log. */
	if ((e = write_new(dirfd, "entries", 0644, "", 0)) != Q_OK) {
		copymsg(msg, msgsz,
		        e == Q_ERR_EXISTS ? "a log already exists there" : "cannot create entries");
		goto out;
	}
	if ((e = write_new(dirfd, "leaves", 0644, "", 0)) != Q_OK) {
		copymsg(msg, msgsz, "cannot create leaves");
		goto out;
	}
	if (mkdirat(dirfd, "checkpoints", 0755) != 0) {
		copymsg(msg, msgsz, "cannot create checkpoints/");
		e = errno == EEXIST ? Q_ERR_EXISTS : Q_ERR_IO;
		goto out;
	}
	if (given != NULL) {
		if ((e = note_verifier_format(&given->pub, vkey, sizeof vkey - 1)) != Q_OK) {
			copymsg(msg, msgsz, "bad signing key");
			goto out;
		}
	} else if ((e = note_signer_generate(&s, origin, NOTE_ALG_ED25519)) != Q_OK ||
	           (e = note_signer_format(&s, skey, sizeof skey - 1)) != Q_OK ||
	           (e = note_verifier_format(&s.pub, vkey, sizeof vkey - 1)) != Q_OK) {
		copymsg(msg, msgsz, "key generation failed");
		goto out;
	}
	size_t vl = strlen(vkey);
	vkey[vl++] = '\n';
	if (given == NULL) {
		size_t sl = strlen(skey);
		skey[sl++] = '\n';
		if ((e = write_new(dirfd, "key", 0600, skey, sl)) != Q_OK) {
			copymsg(msg, msgsz, "cannot create the key file");
			goto out;
		}
	}
	if ((e = write_new(dirfd, "vkey", 0644, vkey, vl)) != Q_OK) {
		copymsg(msg, msgsz, "cannot create vkey");
		goto out;
	}
	if ((e = fsync_fd_dir(dirfd, NULL)) != Q_OK) {
		copymsg(msg, msgsz, "fsync of the log directory failed");
		goto out;
	}
	e = log_open(dir, LOG_RDWR, out, msg, msgsz);
	if (e == Q_OK && given != NULL)
		e = log_use_signer(*out, given);
out:
	note_signer_wipe(&s);
	wipe(skey, sizeof skey);
	if (dirfd >= 0)
		close(dirfd);
	return e;
}

qerr log_create(const char *dir, const char *origin, audit_log **out, char *msg, size_t msgsz)
{
	return create(dir, origin, NULL, out, msg, msgsz);
}

qerr log_create_with_signer(const char *dir, const note_signer *signer, audit_log **out, char *msg,
                            size_t msgsz)
{
	return create(dir, signer->pub.name, signer, out, msg, msgsz);
}

qerr log_use_signer(audit_log *lg, const note_signer *signer)
{
	if (signer->pub.alg != NOTE_ALG_ED25519 ||
	    memcmp(&signer->pub, &lg->vkey, sizeof signer->pub) != 0) {
		setmsg(lg, "the signing key does not match vkey");
		return Q_ERR_FORMAT;
	}
	lg->signer = signer;
	return Q_OK;
}

void log_close(audit_log *lg)
{
	if (lg == NULL)
		return;
	if (lg->efd >= 0)
		close(lg->efd);
	if (lg->lfd >= 0)
		close(lg->lfd);
	if (lg->dirfd >= 0)
		close(lg->dirfd); /* releases the flock */
	merkle_tree_free(lg->tree);
	free(lg->offs);
	free(lg->dir);
	free(lg);
}

const char *log_error(const audit_log *lg)
{
	return lg == NULL ? "" : lg->msg;
}

const char *log_origin(const audit_log *lg)
{
	return lg->vkey.name;
}

const note_verifier *log_vkey(const audit_log *lg)
{
	return &lg->vkey;
}

uint64_t log_size(const audit_log *lg)
{
	return lg->n;
}

static qerr reserve_offs(audit_log *lg, uint64_t need)
{
	if (need <= lg->offcap)
		return Q_OK;
	uint64_t cap = lg->offcap ? lg->offcap : 1024;
	while (cap < need)
		cap *= 2;
	if (cap > SIZE_MAX / sizeof(uint64_t))
		return Q_ERR_NOMEM;
	uint64_t *p = realloc(lg->offs, (size_t)cap * sizeof(uint64_t));
	if (p == NULL)
		return Q_ERR_NOMEM;
	lg->offs = p;
	lg->offcap = cap;
	return Q_OK;
}

/* Length of the record at off, or Q_ERR_RANGE if its header is not complete
 * within the first `end` bytes of the entries file. */
static qerr rec_len(audit_log *lg, uint64_t off, uint64_t end, size_t *len)
{
	uint8_t h[HDR_LEN];
	if (off + HDR_LEN > end)
		return Q_ERR_RANGE;
	if (pread_full(lg->efd, h, HDR_LEN, off) != Q_OK)
		return Q_ERR_IO;
	*len = (size_t)h[0] << 8 | h[1];
	return Q_OK;
}

/* Sizes of the kept checkpoints, ascending, in *sizes (malloc'd). */
static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static qerr list_checkpoints(audit_log *lg, uint64_t **sizes, size_t *n)
{
	qerr e = Q_OK;
	size_t cap = 0, cnt = 0;
	uint64_t *v = NULL;
	*sizes = NULL;
	*n = 0;
	int fd = openat(lg->dirfd, "checkpoints", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		setmsg(lg, "cannot open checkpoints/: %s", strerror(errno));
		return Q_ERR_IO;
	}
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return Q_ERR_IO;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		const char *nm = de->d_name;
		if (nm[0] == '.')
			continue; /* ".", "..", and temporary files ".tmp-*" */
		size_t l = strlen(nm);
		uint64_t s = 0;
		int ok = l > 0 && l <= 20 && !(l > 1 && nm[0] == '0');
		for (size_t i = 0; ok && i < l; i++) {
			if (nm[i] < '0' || nm[i] > '9' || s > (UINT64_MAX - 9) / 10)
				ok = 0;
			else
				s = s * 10 + (uint64_t)(nm[i] - '0');
		}
		if (!ok) {
			setmsg(lg, "checkpoints/%s: unexpected file name", nm);
			e = Q_ERR_CORRUPT;
			goto out;
		}
		if (cnt == cap) {
			cap = cap ? 2 * cap : 16;
			uint64_t *p = realloc(v, cap * sizeof *v);
			if (p == NULL) {
				e = Q_ERR_NOMEM;
				goto out;
			}
			v = p;
		}
		v[cnt++] = s;
	}
	if (cnt > 1)
		qsort(v, cnt, sizeof *v, cmp_u64);
	*sizes = v;
	*n = cnt;
	v = NULL;
out:
	closedir(d);
	free(v);
	return e;
}

/* Read and verify checkpoints/<size>. */
static qerr load_checkpoint(audit_log *lg, uint64_t size, char **note, size_t *len, checkpoint *cp)
{
	char name[48];
	snprintf(name, sizeof name, "checkpoints/%" PRIu64, size);
	qerr e = read_small(lg->dirfd, name, NOTE_MAX_LEN, note, len);
	if (e != Q_OK) {
		setmsg(lg, "%s: %s", name,
		       e == Q_ERR_NOTFOUND ? "no such checkpoint" : "unreadable");
		return e;
	}
	e = checkpoint_open(cp, *note, *len, &lg->vkey);
	if (e == Q_OK && cp->size != size)
		e = Q_ERR_CORRUPT;
	if (e != Q_OK) {
		setmsg(lg, "%s: %s", name,
		       e == Q_ERR_SIGNATURE ? "signature check failed"
		       : e == Q_ERR_CORRUPT ? "tree size differs from the file name"
		                            : "malformed checkpoint");
		free(*note);
		*note = NULL;
		*len = 0;
	}
	return e;
}

qerr log_checkpoint_get(audit_log *lg, uint64_t size, char **note, size_t *len, checkpoint *cp)
{
	*note = NULL;
	*len = 0;
	memset(cp, 0, sizeof *cp);
	if (size == LOG_LATEST) {
		uint64_t *sizes = NULL;
		size_t n = 0;
		qerr e = list_checkpoints(lg, &sizes, &n);
		if (e != Q_OK)
			return e;
		if (n == 0) {
			free(sizes);
			setmsg(lg, "no checkpoint has been signed yet");
			return Q_ERR_NOTFOUND;
		}
		size = sizes[n - 1];
		free(sizes);
	}
	return load_checkpoint(lg, size, note, len, cp);
}

/* Load leaves, cut torn tails (RDWR), check structure. */
static qerr open_files(audit_log *lg)
{
	qerr e;
	struct stat st;
	uint8_t *buf = NULL;
	merkle_hash *hs = NULL;
	char *note = NULL;
	size_t notelen = 0;
	int oflag = (lg->flags & LOG_RDWR ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC;
	lg->efd = openat(lg->dirfd, "entries", oflag);
	lg->lfd = openat(lg->dirfd, "leaves", oflag);
	if (lg->efd < 0 || lg->lfd < 0) {
		setmsg(lg, "cannot open entries/leaves: %s", strerror(errno));
		return Q_ERR_IO;
	}
	if (fstat(lg->efd, &st) != 0)
		return Q_ERR_IO;
	uint64_t esize = (uint64_t)st.st_size;
	if (fstat(lg->lfd, &st) != 0)
		return Q_ERR_IO;
	uint64_t lsize = (uint64_t)st.st_size;
	uint64_t nrec = lsize / REC_LEN;
	if ((e = reserve_offs(lg, nrec)) != Q_OK)
		goto out;
	buf = malloc(CHUNK_RECS * REC_LEN);
	hs = malloc(CHUNK_RECS * sizeof *hs);
	if (buf == NULL || hs == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	/* Read every leaf record; offsets must increase by 2..65537. */
	for (uint64_t i = 0; i < nrec; i += CHUNK_RECS) {
		size_t k = nrec - i < CHUNK_RECS ? (size_t)(nrec - i) : CHUNK_RECS;
		if ((e = pread_full(lg->lfd, buf, k * REC_LEN, i * REC_LEN)) != Q_OK) {
			setmsg(lg, "leaves: read failed");
			goto out;
		}
		for (size_t j = 0; j < k; j++) {
			uint64_t off = get64(buf + j * REC_LEN), idx = i + j;
			uint64_t want_min = idx ? lg->offs[idx - 1] + HDR_LEN : 0;
			uint64_t want_max =
			    idx ? lg->offs[idx - 1] + HDR_LEN + MERKLE_MAX_ENTRY : 0;
			if (off < want_min || off > want_max) {
				setmsg(lg,
				       "leaves: record %" PRIu64 " has offset %" PRIu64
				       " out of sequence (corrupt, not repaired)",
				       idx, off);
				e = Q_ERR_CORRUPT;
				goto out;
			}
			lg->offs[idx] = off;
			memcpy(hs[j], buf + j * REC_LEN + 8, MERKLE_HASH_LEN);
		}
		if ((e = merkle_tree_push(lg->tree, (const merkle_hash *)hs, k)) != Q_OK)
			goto out;
	}
	/* Torn tail: drop leaf records whose entry is not complete. */
	uint64_t n = nrec, end = 0;
	size_t len = 0;
	while (n > 0) {
		e = rec_len(lg, lg->offs[n - 1], esize, &len);
		if (e == Q_ERR_IO)
			goto out;
		if (e == Q_OK && lg->offs[n - 1] + HDR_LEN + len <= esize)
			break;
		n--;
	}
	if (n > 0) {
		end = lg->offs[n - 1] + HDR_LEN + len;
		/* The last two records must be contiguous. */
		size_t plen = 0;
		if (n > 1 && ((e = rec_len(lg, lg->offs[n - 2], esize, &plen)) != Q_OK ||
		              lg->offs[n - 2] + HDR_LEN + plen != lg->offs[n - 1])) {
			setmsg(lg,
			       "entries: record %" PRIu64 " does not end where record %" PRIu64
			       " starts (corrupt, not repaired)",
			       n - 2, n - 1);
			e = Q_ERR_CORRUPT;
			goto out;
		}
		/* The last entry must hash to its leaf. */
		uint8_t *ent = malloc(len + 1);
		merkle_hash h, want;
		if (ent == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		e = pread_full(lg->efd, ent, len, lg->offs[n - 1] + HDR_LEN);
		if (e == Q_OK) {
			merkle_leaf_hash(h, ent, len);
			e = merkle_tree_leaf(lg->tree, n - 1, want);
		}
		free(ent);
		if (e != Q_OK)
			goto out;
		if (memcmp(h, want, MERKLE_HASH_LEN) != 0) {
			setmsg(lg,
			       "entries: entry %" PRIu64
			       " does not match its leaf hash (corrupt, not repaired)",
			       n - 1);
			e = Q_ERR_CORRUPT;
			goto out;
		}
	}
	if ((e = merkle_tree_truncate(lg->tree, n)) != Q_OK)
		goto out;
	lg->n = n;
	lg->esize = end;
	/* The latest checkpoint must be covered by what is on disk, and match it. */
	checkpoint cp;
	e = log_checkpoint_get(lg, LOG_LATEST, &note, &notelen, &cp);
	if (e == Q_ERR_NOTFOUND) {
		lg->msg[0] = '\0';
		e = Q_OK;
	} else if (e != Q_OK) {
		e = Q_ERR_CORRUPT;
		goto out;
	} else {
		merkle_hash r;
		if (cp.size > n) {
			setmsg(lg,
			       "entries: the log has %" PRIu64
			       " complete entries but checkpoint %" PRIu64
			       " covers more (corrupt or truncated, not repaired)",
			       n, cp.size);
			e = Q_ERR_CORRUPT;
			goto out;
		}
		if ((e = merkle_tree_root(lg->tree, cp.size, r)) != Q_OK)
			goto out;
		if (memcmp(r, cp.root, MERKLE_HASH_LEN) != 0) {
			setmsg(lg,
			       "leaves: root at size %" PRIu64
			       " differs from the signed checkpoint (corrupt, not repaired)",
			       cp.size);
			e = Q_ERR_CORRUPT;
			goto out;
		}
	}
	/* Cut the torn tail back (writers only). */
	if (n != nrec || esize != end || lsize != n * REC_LEN) {
		if (lg->flags & LOG_RDWR) {
			if (ftruncate(lg->efd, (off_t)end) != 0 ||
			    ftruncate(lg->lfd, (off_t)(n * REC_LEN)) != 0 ||
			    fdatasync(lg->efd) != 0 || fdatasync(lg->lfd) != 0) {
				setmsg(lg, "cutting the torn tail failed: %s", strerror(errno));
				e = Q_ERR_IO;
				goto out;
			}
			setmsg(lg,
			       "torn tail cut back: entries %" PRIu64 " -> %" PRIu64
			       " bytes, leaves %" PRIu64 " -> %" PRIu64 " bytes; %" PRIu64
			       " entries",
			       esize, end, lsize, n * REC_LEN, n);
		} else {
			setmsg(lg, "torn tail ignored (read-only): %" PRIu64 " complete entries",
			       n);
		}
	}
	e = Q_OK;
out:
	free(note);
	free(buf);
	free(hs);
	return e;
}

qerr log_open(const char *dir, unsigned flags, audit_log **out, char *msg, size_t msgsz)
{
	qerr e;
	char *vk = NULL;
	size_t vklen = 0;
	*out = NULL;
	copymsg(msg, msgsz, "");
	audit_log *lg = calloc(1, sizeof *lg);
	if (lg == NULL)
		return Q_ERR_NOMEM;
	lg->dirfd = lg->efd = lg->lfd = -1;
	lg->flags = flags;
	lg->dir = strdup(dir);
	lg->tree = merkle_tree_new();
	if (lg->dir == NULL || lg->tree == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	lg->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lg->dirfd < 0) {
		setmsg(lg, "%s: cannot open log directory: %s", dir, strerror(errno));
		e = Q_ERR_IO;
		goto out;
	}
	if ((flags & LOG_RDWR) && flock(lg->dirfd, LOCK_EX | LOCK_NB) != 0) {
		setmsg(lg, "%s: the log is locked by another process", dir);
		e = Q_ERR_STATE;
		goto out;
	}
	e = read_small(lg->dirfd, "vkey", NOTE_VKEY_MAX + 1, &vk, &vklen);
	if (e != Q_OK) {
		setmsg(lg, "%s/vkey: cannot read the verifier key", dir);
		goto out;
	}
	e = note_verifier_parse(&lg->vkey, vk, vklen);
	if (e != Q_OK || lg->vkey.alg != NOTE_ALG_ED25519) {
		setmsg(lg, "%s/vkey: malformed verifier key", dir);
		e = Q_ERR_FORMAT;
		goto out;
	}
	e = open_files(lg);
out:
	free(vk);
	copymsg(msg, msgsz, lg->msg);
	if (e != Q_OK)
		log_close(lg);
	else
		*out = lg;
	return e;
}

qerr log_sync(audit_log *lg)
{
	if (!(lg->flags & LOG_RDWR))
		return Q_OK;
	if (fdatasync(lg->efd) != 0 || fdatasync(lg->lfd) != 0) {
		setmsg(lg, "fdatasync failed: %s", strerror(errno));
		return Q_ERR_IO;
	}
	return Q_OK;
}

qerr log_append_batch(audit_log *lg, const log_entry *entries, size_t n, uint64_t *first)
{
	qerr e;
	uint8_t *ebuf = NULL, *lbuf = NULL;
	merkle_hash *hs = NULL;
	uint64_t old_n = lg->n, old_es = lg->esize;
	int pushed = 0;
	*first = lg->n;
	if (!(lg->flags & LOG_RDWR)) {
		setmsg(lg, "append: the log is open read-only");
		return Q_ERR_STATE;
	}
	if (n == 0)
		return Q_OK;
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		if (entries[i].len > MERKLE_MAX_ENTRY) {
			setmsg(lg, "append: entry %zu of the batch has %zu bytes (at most %d)", i,
			       entries[i].len, MERKLE_MAX_ENTRY);
			return Q_ERR_LIMIT;
		}
		if (total > SIZE_MAX - HDR_LEN - entries[i].len)
			return Q_ERR_LIMIT;
		total += HDR_LEN + entries[i].len;
	}
	if (n > SIZE_MAX / REC_LEN)
		return Q_ERR_LIMIT;
	ebuf = malloc(total);
	lbuf = malloc(n * REC_LEN);
	hs = malloc(n * sizeof *hs);
	if (ebuf == NULL || lbuf == NULL || hs == NULL || reserve_offs(lg, lg->n + n) != Q_OK) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	size_t p = 0;
	for (size_t i = 0; i < n; i++) {
		const log_entry *en = &entries[i];
		uint64_t off = lg->esize + p;
		ebuf[p] = (uint8_t)(en->len >> 8);
		ebuf[p + 1] = (uint8_t)en->len;
		if (en->len > 0)
			memcpy(ebuf + p + HDR_LEN, en->data, en->len);
		merkle_leaf_hash(hs[i], en->data, en->len);
		put64(lbuf + i * REC_LEN, off);
		memcpy(lbuf + i * REC_LEN + 8, hs[i], MERKLE_HASH_LEN);
		lg->offs[lg->n + i] = off;
		p += HDR_LEN + en->len;
	}
	if ((e = merkle_tree_push(lg->tree, (const merkle_hash *)hs, n)) != Q_OK)
		goto out;
	pushed = 1;
	/* entries first, then leaves; both synced before we report. */
	if (pwrite_full(lg->efd, ebuf, total, lg->esize) != Q_OK ||
	    pwrite_full(lg->lfd, lbuf, n * REC_LEN, lg->n * REC_LEN) != Q_OK ||
	    fdatasync(lg->efd) != 0 || fdatasync(lg->lfd) != 0) {
		setmsg(lg, "append: write or fdatasync failed: %s", strerror(errno));
		e = Q_ERR_IO;
		goto out;
	}
	lg->n += n;
	lg->esize += total;
	e = Q_OK;
out:
	if (e != Q_OK) {
		if (pushed && merkle_tree_truncate(lg->tree, old_n) != Q_OK)
			qfatal("log_append_batch: tree truncate");
		if (pushed) {
			/* Best effort: cut the files back to where they were. */
			if (ftruncate(lg->efd, (off_t)old_es) != 0 ||
			    ftruncate(lg->lfd, (off_t)(old_n * REC_LEN)) != 0) {
				/* the next open cuts the torn tail */
			}
		}
		if (e == Q_ERR_NOMEM)
			setmsg(lg, "append: out of memory");
	}
	free(ebuf);
	free(lbuf);
	free(hs);
	return e;
}

qerr log_append(audit_log *lg, const void *entry, size_t len, uint64_t *index)
{
	log_entry en = {entry, len};
	return log_append_batch(lg, &en, 1, index);
}

qerr log_root(const audit_log *lg, uint64_t size, merkle_hash root)
{
	return merkle_tree_root(lg->tree, size, root);
}

qerr log_read_entry(audit_log *lg, uint64_t index, uint8_t *buf, size_t *len)
{
	size_t l = 0;
	*len = 0;
	if (index >= lg->n) {
		setmsg(lg, "entry %" PRIu64 " does not exist (size %" PRIu64 ")", index, lg->n);
		return Q_ERR_RANGE;
	}
	qerr e = rec_len(lg, lg->offs[index], lg->esize, &l);
	if (e == Q_OK)
		e = pread_full(lg->efd, buf, l, lg->offs[index] + HDR_LEN);
	if (e != Q_OK) {
		setmsg(lg, "entries: cannot read entry %" PRIu64, index);
		return Q_ERR_IO;
	}
	*len = l;
	return Q_OK;
}

qerr log_prove_inclusion(const audit_log *lg, uint64_t index, uint64_t size, merkle_hash *proof,
                         size_t *nproof)
{
	return merkle_tree_prove_inclusion(lg->tree, index, size, proof, nproof);
}

qerr log_prove_consistency(const audit_log *lg, uint64_t old_size, uint64_t new_size,
                           merkle_hash *proof, size_t *nproof)
{
	return merkle_tree_prove_consistency(lg->tree, old_size, new_size, proof, nproof);
}

/* Check that (size, root) extends checkpoint prev. */
static qerr check_extends(audit_log *lg, const checkpoint *prev, uint64_t size,
                          const merkle_hash root)
{
	merkle_hash proof[MERKLE_MAX_PROOF], r;
	size_t np = 0;
	if (prev->size > size || merkle_tree_root(lg->tree, prev->size, r) != Q_OK ||
	    memcmp(r, prev->root, MERKLE_HASH_LEN) != 0 ||
	    merkle_tree_prove_consistency(lg->tree, prev->size, size, proof, &np) != Q_OK ||
	    merkle_verify_consistency(prev->size, size, prev->root, root,
	                              (const merkle_hash *)proof, np) != Q_OK) {
		setmsg(lg,
		       "checkpoint of size %" PRIu64 " is not a prefix of the log at size %" PRIu64,
		       prev->size, size);
		return Q_ERR_CONSISTENCY;
	}
	return Q_OK;
}

qerr log_checkpoint_sign(audit_log *lg, char **note, size_t *len)
{
	qerr e;
	note_signer s;
	char *sk = NULL, *prev = NULL;
	size_t sklen = 0, prevlen = 0;
	char body[NOTE_NAME_MAX + 128], tmp[48], fin[48];
	checkpoint cp, last;
	int fd = -1;
	*note = NULL;
	*len = 0;
	memset(&s, 0, sizeof s);
	if (!(lg->flags & LOG_RDWR)) {
		setmsg(lg, "checkpoint: the log is open read-only");
		return Q_ERR_STATE;
	}
	if ((e = log_sync(lg)) != Q_OK)
		goto out;
	memset(&cp, 0, sizeof cp);
	memcpy(cp.origin, lg->vkey.name, sizeof cp.origin);
	cp.size = lg->n;
	if ((e = merkle_tree_root(lg->tree, cp.size, cp.root)) != Q_OK)
		goto out;
	/* Never sign a checkpoint inconsistent with the latest kept one. */
	e = log_checkpoint_get(lg, LOG_LATEST, &prev, &prevlen, &last);
	if (e == Q_OK) {
		if ((e = check_extends(lg, &last, cp.size, cp.root)) != Q_OK)
			goto out;
		if (last.size == cp.size) {
			*note = prev;
			*len = prevlen;
			prev = NULL;
			goto out;
		}
	} else if (e != Q_ERR_NOTFOUND) {
		goto out;
	}
	if (lg->signer == NULL) {
		e = read_small(lg->dirfd, "key", NOTE_SKEY_MAX + 2, &sk, &sklen);
		if (e != Q_OK) {
			setmsg(lg, "checkpoint: cannot read the key file");
			goto out;
		}
		e = note_signer_parse(&s, sk, sklen);
		if (e != Q_OK || s.pub.alg != NOTE_ALG_ED25519 ||
		    memcmp(&s.pub, &lg->vkey, sizeof s.pub) != 0) {
			setmsg(lg, "checkpoint: the key file is malformed or does not match vkey");
			e = Q_ERR_FORMAT;
			goto out;
		}
	}
	size_t blen = 0;
	if ((e = checkpoint_format(&cp, body, sizeof body, &blen)) != Q_OK ||
	    (e = note_sign(lg->signer != NULL ? lg->signer : &s, body, blen, note, len)) != Q_OK) {
		setmsg(lg, "checkpoint: signing failed");
		goto out;
	}
	/* Keep it: temporary file, fsync, rename, fsync the directory. */
	snprintf(tmp, sizeof tmp, "checkpoints/.tmp-%" PRIu64, cp.size);
	snprintf(fin, sizeof fin, "checkpoints/%" PRIu64, cp.size);
	if (unlinkat(lg->dirfd, tmp, 0) != 0 && errno != ENOENT) {
		e = Q_ERR_IO;
		goto io;
	}
	if ((e = write_new(lg->dirfd, tmp, 0644, *note, *len)) != Q_OK)
		goto io;
	if (renameat(lg->dirfd, tmp, lg->dirfd, fin) != 0) {
		e = Q_ERR_IO;
		goto io;
	}
	if ((e = fsync_fd_dir(lg->dirfd, "checkpoints")) != Q_OK)
		goto io;
	goto out;
io:
	setmsg(lg, "checkpoint: cannot store %s: %s", fin, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	note_signer_wipe(&s);
	if (sk != NULL) {
		wipe(sk, sklen);
		free(sk);
	}
	free(prev);
	if (e != Q_OK) {
		free(*note);
		*note = NULL;
		*len = 0;
	}
	return e;
}

qerr log_verify(audit_log *lg, uint64_t *nentries, size_t *ncheckpoints)
{
	return log_verify_visit(lg, 0, NULL, NULL, nentries, ncheckpoints);
}

qerr log_verify_visit(audit_log *lg, uint64_t upto, log_visit_fn visit, void *ctx,
                      uint64_t *nentries, size_t *ncheckpoints)
{
	qerr e = Q_OK;
	uint8_t *buf = NULL;
	uint64_t *sizes = NULL;
	size_t ncp = 0;
	char *note = NULL;
	size_t notelen = 0;
	if (nentries)
		*nentries = 0;
	if (ncheckpoints)
		*ncheckpoints = 0;
	/* 1. Every entry, in order, re-hashed and compared (A-3.5 step 1). */
	size_t cap = VERIFY_BUF + HDR_LEN + MERKLE_MAX_ENTRY;
	buf = malloc(cap);
	if (buf == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	uint64_t fpos = 0; /* file offset of buf[0] */
	size_t have = 0, p = 0;
	for (uint64_t i = 0; i < lg->n; i++) {
		/* Ensure the header and body of record i are in buf[p..have). */
		for (int pass = 0; pass < 2; pass++) {
			size_t need = HDR_LEN;
			if (pass == 1)
				need += (size_t)buf[p] << 8 | buf[p + 1];
			if (have - p >= need)
				continue;
			memmove(buf, buf + p, have - p);
			fpos += p;
			have -= p;
			p = 0;
			uint64_t left = lg->esize - (fpos + have);
			size_t want = cap - have;
			if (want > left)
				want = (size_t)left;
			if (pread_full(lg->efd, buf + have, want, fpos + have) != Q_OK) {
				setmsg(lg, "entries: read failed at offset %" PRIu64, fpos + have);
				e = Q_ERR_IO;
				goto out;
			}
			have += want;
			if (have < need) {
				setmsg(lg,
				       "entries: entry %" PRIu64 " runs past the end of the file",
				       i);
				e = Q_ERR_CORRUPT;
				goto out;
			}
		}
		size_t l = (size_t)buf[p] << 8 | buf[p + 1];
		merkle_hash h, want;
		if (fpos + p != lg->offs[i]) {
			setmsg(lg,
			       "entries: entry %" PRIu64 " starts at offset %" PRIu64
			       " but leaves says %" PRIu64,
			       i, fpos + p, lg->offs[i]);
			e = Q_ERR_CORRUPT;
			goto out;
		}
		merkle_leaf_hash(h, buf + p + HDR_LEN, l);
		if (merkle_tree_leaf(lg->tree, i, want) != Q_OK ||
		    memcmp(h, want, MERKLE_HASH_LEN) != 0) {
			setmsg(lg, "entries: entry %" PRIu64 " does not match its leaf hash", i);
			e = Q_ERR_CORRUPT;
			goto out;
		}
		/* the entry as verified, to the caller's reader (one read) */
		if (visit != NULL && i < upto &&
		    (e = visit(ctx, i, buf + p + HDR_LEN, l)) != Q_OK) {
			setmsg(lg, "entry %" PRIu64 ": stopped by the reader", i);
			goto out;
		}
		p += HDR_LEN + l;
	}
	if (fpos + p != lg->esize) {
		setmsg(lg, "entries: %" PRIu64 " bytes after the last entry",
		       lg->esize - (fpos + p));
		e = Q_ERR_CORRUPT;
		goto out;
	}
	if (nentries)
		*nentries = lg->n;
	/* 2. Every kept checkpoint, and each consistent with the one before (step 2). */
	if ((e = list_checkpoints(lg, &sizes, &ncp)) != Q_OK)
		goto out;
	checkpoint prev;
	memset(&prev, 0, sizeof prev);
	for (size_t i = 0; i < ncp; i++) {
		checkpoint cp;
		merkle_hash r;
		free(note);
		note = NULL;
		if ((e = load_checkpoint(lg, sizes[i], &note, &notelen, &cp)) != Q_OK)
			goto out;
		if (cp.size > lg->n) {
			setmsg(lg,
			       "checkpoints/%" PRIu64
			       ": covers more entries than the log has (%" PRIu64 ")",
			       cp.size, lg->n);
			e = Q_ERR_CORRUPT;
			goto out;
		}
		if ((e = merkle_tree_root(lg->tree, cp.size, r)) != Q_OK)
			goto out;
		if (memcmp(r, cp.root, MERKLE_HASH_LEN) != 0) {
			setmsg(lg,
			       "checkpoints/%" PRIu64
			       ": root differs from the log's root at that size",
			       cp.size);
			e = Q_ERR_CONSISTENCY;
			goto out;
		}
		if (i > 0 && (e = check_extends(lg, &prev, cp.size, cp.root)) != Q_OK)
			goto out;
		prev = cp;
	}
	if (ncheckpoints)
		*ncheckpoints = ncp;
	e = Q_OK;
out:
	free(buf);
	free(sizes);
	free(note);
	return e;
}

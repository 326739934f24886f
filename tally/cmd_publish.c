/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_publish.c -- quorum-tally publish DIR OUT: copy the election record
 * DIR to a new directory OUT for publication, leaving out every private
 * key (docs/spec/record.md R-3: the election log's `log/key`, and any
 * station log `key` that was copied in by mistake).  OUT must not exist.
 * Symbolic links and special files in DIR are refused, not followed.
 * Files are written 0644 and fsync'd; directories 0755.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmds.h"
#include "election/i18n.h"

#include "banned.h"

#define PUB_PATH_MAX 4096

typedef struct pub_stats {
	unsigned long files, dirs, withheld;
} pub_stats;

/* A private key: a log's signing key, a file named "key" (the
 * election log's log/key, a station log key copied in by mistake); a
 * trustee's secret file (*.secret); a station's signing key
 * (signing-key.sealed, or signing-key from before sealing) copied in by
 * mistake.  (The trustees' shares/J.sealed are public: each is sealed
 * to its trustee.) */
static int is_private_key(const char *rel)
{
	const char *base = strrchr(rel, '/');
	base = base ? base + 1 : rel;
	return strcmp(base, "key") == 0 || strstr(base, ".secret") != NULL ||
	       strncmp(base, "signing-key", 11) == 0;
}

static int copy_file(const char *src, const char *dst)
{
	int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int out = -1, rc = -1;
	char buf[65536];
	ssize_t n;
	if (in < 0)
		goto out;
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (out < 0)
		goto out;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		ssize_t off = 0;
		while (off < n) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				goto out;
			}
			off += w;
		}
	}
	if (n < 0 || fsync(out) != 0)
		goto out;
	rc = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) != 0)
		rc = -1;
	return rc;
}

static int copy_tree(const char *src, const char *dst, const char *rel, pub_stats *st)
{
	DIR *d = opendir(src);
	struct dirent *e;
	int rc = 0;
	if (d == NULL) {
		fprintf(stderr, "quorum-tally publish: %s: %s\n", src, strerror(errno));
		return -1;
	}
	if (mkdir(dst, 0755) != 0) {
		fprintf(stderr, "quorum-tally publish: %s: %s\n", dst, strerror(errno));
		closedir(d);
		return -1;
	}
	st->dirs++;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char s[PUB_PATH_MAX], t[PUB_PATH_MAX], r[PUB_PATH_MAX];
		struct stat sb;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (snprintf(s, sizeof s, "%s/%s", src, e->d_name) >= (int)sizeof s ||
		    snprintf(t, sizeof t, "%s/%s", dst, e->d_name) >= (int)sizeof t ||
		    snprintf(r, sizeof r, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name) >=
		        (int)sizeof r) {
			fprintf(stderr, _("quorum-tally publish: path too long under %s\n"), src);
			rc = -1;
			break;
		}
		if (lstat(s, &sb) != 0) {
			fprintf(stderr, "quorum-tally publish: %s: %s\n", s, strerror(errno));
			rc = -1;
		} else if (S_ISDIR(sb.st_mode)) {
			rc = copy_tree(s, t, r, st);
		} else if (!S_ISREG(sb.st_mode)) {
			fprintf(stderr,
			        _("quorum-tally publish: %s: not a regular file or directory "
			          "(refused)\n"),
			        r);
			rc = -1;
		} else if (is_private_key(r)) {
			printf(_("withheld (private key): %s\n"), r);
			st->withheld++;
		} else if (copy_file(s, t) != 0) {
			fprintf(stderr, _("quorum-tally publish: cannot copy %s: %s\n"), r,
			        strerror(errno));
			rc = -1;
		} else {
			st->files++;
		}
	}
	closedir(d);
	if (rc == 0) {
		int fd = open(dst, O_RDONLY | O_DIRECTORY);
		if (fd >= 0) {
			(void)fsync(fd);
			close(fd);
		}
	}
	return rc;
}

int cmd_publish(int argc, char **argv)
{
	const char *dir = NULL, *out = NULL;
	pub_stats st = {0, 0, 0};
	struct stat sb;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf(
			    _("usage: quorum-tally publish DIR OUT\n\n"
			      "Copy the election record DIR to the new directory OUT for\n"
			      "publication, leaving out every private key (the election log's\n"
			      "log/key, any station log key or sealed station signing key, and\n"
			      "any trustee secret file). Give OUT, not DIR, to the trustees and\n"
			      "the observers. OUT must not exist. Symbolic links and special\n"
			      "files in DIR are refused.\n"
			      "Exit status: 0 published, 2 usage or I/O error.\n"));
			return TALLY_EXIT_OK;
		}
		if (argv[i][0] == '-') {
			fprintf(stderr, _("quorum-tally publish: unknown option %s\n"), argv[i]);
			return TALLY_EXIT_USAGE;
		}
		if (dir == NULL)
			dir = argv[i];
		else if (out == NULL)
			out = argv[i];
		else {
			fprintf(stderr, _("quorum-tally publish: too many arguments\n"));
			return TALLY_EXIT_USAGE;
		}
	}
	if (dir == NULL || out == NULL) {
		fprintf(stderr, _("usage: quorum-tally publish DIR OUT\n"));
		return TALLY_EXIT_USAGE;
	}
	if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		fprintf(stderr, _("quorum-tally publish: %s is not a directory\n"), dir);
		return TALLY_EXIT_USAGE;
	}
	if (lstat(out, &sb) == 0) {
		fprintf(stderr, _("quorum-tally publish: %s already exists (refused)\n"), out);
		return TALLY_EXIT_USAGE;
	}
	if (copy_tree(dir, out, "", &st) != 0) {
		fprintf(stderr, _("quorum-tally publish: incomplete copy left at %s\n"), out);
		return TALLY_EXIT_USAGE;
	}
	printf(_("published %s: %lu files in %lu directories, %lu private keys withheld\n"), out,
	       st.files, st.dirs, st.withheld);
	return TALLY_EXIT_OK;
}

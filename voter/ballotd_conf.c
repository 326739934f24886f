/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ballotd_conf.c -- see ballotd_conf.h. */
#include "ballotd_conf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "election/findings.h"
#include "election/i18n.h"
#include "election/manifest.h"
#include "election/rules_record.h"

#include "banned.h"

void bopts_init(ballotd_opts *o)
{
	memset(o, 0, sizeof *o);
	o->keyfd = -1;
	o->timeout = 10000;
	o->idle = 600;
	o->ttl = 900;
}

void bopts_free(ballotd_opts *o)
{
	for (size_t i = 0; i < o->nowned; i++)
		free(o->owned[i]);
	free(o->owned);
	o->owned = NULL;
	o->nowned = 0;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_group(const char *name, unsigned *gid)
{
	struct group gr, *gp = NULL;
	char buf[4096];
	long v;
	if (parse_long(name, 0, 0x7fffffff, &v) == 0) {
		*gid = (unsigned)v;
		return 0;
	}
	if (getgrnam_r(name, &gr, buf, sizeof buf, &gp) != 0 || gp == NULL)
		return -1;
	*gid = (unsigned)gp->gr_gid;
	return 0;
}

static int set_range(long *dst, const char *val, long lo, long hi, const char *where)
{
	if (parse_long(val, lo, hi, dst) == 0)
		return 0;
	fprintf(stderr, _("quorum-ballotd: %s: \"%s\" is not a whole number from %ld to %ld\n"),
	        where, val, lo, hi);
	return -1;
}

int bopts_set(ballotd_opts *o, const char *name, const char *val, const char *where)
{
	if (val[0] == '\0' && strcmp(name, "foreground") != 0) {
		fprintf(stderr, _("quorum-ballotd: %s: needs a value\n"), where);
		return -1;
	}
	if (strcmp(name, "election") == 0)
		o->election = val;
	else if (strcmp(name, "station") == 0)
		o->station_id = val;
	else if (strcmp(name, "state") == 0)
		o->state = val;
	else if (strcmp(name, "socket-dir") == 0)
		o->sockdir = val;
	else if (strcmp(name, "key-file") == 0)
		o->keyfile = val;
	else if (strcmp(name, "key-credential") == 0) {
		if (strchr(val, '/') != NULL || strcmp(val, ".") == 0 || strcmp(val, "..") == 0) {
			fprintf(stderr,
			        _("quorum-ballotd: %s: a credential name has no '/' (it is a file "
			          "in $CREDENTIALS_DIRECTORY)\n"),
			        where);
			return -1;
		}
		o->keycred = val;
	} else if (strcmp(name, "key-fd") == 0)
		return set_range(&o->keyfd, val, 0, 65535, where);
	else if (strcmp(name, "read-timeout") == 0)
		return set_range(&o->timeout, val, 100, 3600000, where);
	else if (strcmp(name, "idle-timeout") == 0)
		return set_range(&o->idle, val, 0, 86400, where);
	else if (strcmp(name, "pending-ttl") == 0)
		return set_range(&o->ttl, val, 1, 86400, where);
	else if (strcmp(name, "admin-group") == 0 || strcmp(name, "operator-group") == 0 ||
	         strcmp(name, "booth-group") == 0) {
		int r = name[0] == 'a' ? 0 : name[0] == 'o' ? 1 : 2;
		if (parse_group(val, &o->gid[r]) != 0) {
			fprintf(stderr, _("quorum-ballotd: %s: no such group: %s\n"), where, val);
			return -1;
		}
		o->group_set[r] = 1;
	} else if (strcmp(name, "foreground") == 0) {
		if (val[0] == '\0' || strcmp(val, "yes") == 0 || strcmp(val, "true") == 0 ||
		    strcmp(val, "1") == 0)
			o->fg = 1;
		else if (strcmp(val, "no") == 0 || strcmp(val, "false") == 0 ||
		         strcmp(val, "0") == 0)
			o->fg = 0;
		else {
			fprintf(stderr, _("quorum-ballotd: %s: \"%s\" is not yes or no\n"), where,
			        val);
			return -1;
		}
	} else {
		fprintf(stderr,
		        _("quorum-ballotd: %s: unknown setting (see quorum-ballotd.conf(5))\n"),
		        where);
		return -1;
	}
	return 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

int bopts_read_file(ballotd_opts *o, const char *path, int missing_ok)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && missing_ok)
		return 0;
	FILE *fp = fd < 0 ? NULL : fdopen(fd, "r");
	if (fp == NULL) {
		fprintf(stderr, _("quorum-ballotd: cannot read the configuration file %s: %s\n"),
		        path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	char line[4096];
	unsigned lineno = 0;
	int problems = 0;
	while (fgets(line, sizeof line, fp) != NULL) {
		char where[512];
		lineno++;
		size_t n = strlen(line);
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		else if (!feof(fp)) {
			fprintf(stderr, _("quorum-ballotd: %s:%u: line longer than %zu bytes\n"),
			        path, lineno, sizeof line - 2);
			problems++;
			int ch;
			while ((ch = fgetc(fp)) != EOF && ch != '\n')
				;
			continue;
		}
		char *s = trim(line);
		if (s[0] == '\0' || s[0] == '#')
			continue;
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			fprintf(stderr, _("quorum-ballotd: %s:%u: expected NAME = VALUE\n"), path,
			        lineno);
			problems++;
			continue;
		}
		*eq = '\0';
		char *name = trim(s), *val = trim(eq + 1);
		snprintf(where, sizeof where, "%s:%u: %s", path, lineno, name);
		if (strcmp(name, "key-fd") == 0 || strcmp(name, "config") == 0 ||
		    strcmp(name, "check-config") == 0 || strcmp(name, "help") == 0) {
			fprintf(
			    stderr,
			    _("quorum-ballotd: %s: only on the command line, not in the file\n"),
			    where);
			problems++;
			continue;
		}
		char *copy = strdup(val);
		char **grown = realloc(o->owned, (o->nowned + 1) * sizeof *grown);
		if (copy == NULL || grown == NULL) {
			free(copy);
			if (grown != NULL)
				o->owned = grown;
			fprintf(stderr, "%s", _("quorum-ballotd: out of memory\n"));
			problems++;
			break;
		}
		o->owned = grown;
		o->owned[o->nowned++] = copy;
		if (bopts_set(o, name, copy, where) != 0)
			problems++;
	}
	if (ferror(fp)) {
		fprintf(stderr, _("quorum-ballotd: cannot read the configuration file %s: %s\n"),
		        path, strerror(errno));
		problems++;
	}
	fclose(fp);
	return problems;
}

int bopts_key_ok(const ballotd_opts *o)
{
	return (o->keyfile != NULL) + (o->keycred != NULL) + (o->keyfd >= 0) == 1;
}

/* ---- --check-config ---- */

static int check_election(const ballotd_opts *o)
{
	char path[4096];
	int problems = 0;
	elec_findings f;
	elec_manifest *m = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	elec_findings_init(&f);
	snprintf(path, sizeof path, "%s/manifest.json", o->election);
	FILE *fp = fopen(path, "rb");
	if (fp == NULL) {
		fprintf(stderr, _("quorum-ballotd: election: cannot read %s: %s\n"), path,
		        strerror(errno));
		return 1;
	}
	buf = malloc(MANIFEST_MAX_BYTES + 1);
	if (buf != NULL)
		len = fread(buf, 1, MANIFEST_MAX_BYTES + 1, fp);
	fclose(fp);
	if (buf == NULL || len > MANIFEST_MAX_BYTES) {
		fprintf(stderr, _("quorum-ballotd: election: %s is larger than %u bytes\n"), path,
		        MANIFEST_MAX_BYTES);
		free(buf);
		return 1;
	}
	/* RP-5.2: against the election directory's own rule profiles, as the
	 * daemon reads it at start */
	rulebook *rb = NULL;
	if (rules_load_election(o->election, buf, len, &rb, &m, &f) != Q_OK) {
		fprintf(stderr,
		        _("quorum-ballotd: election: %s: the manifest or its rule profiles "
		          "(parameters.json, rules/) are not valid (docs/spec/rules.md RP-5.2):\n"),
		        o->election);
		for (size_t i = 0; i < f.n; i++)
			if (f.v[i].severity == ELEC_ERROR)
				fprintf(stderr, "  %s%s%s: %s\n", f.v[i].where ? f.v[i].where : "",
				        f.v[i].rule ? " " : "", f.v[i].rule ? f.v[i].rule : "",
				        f.v[i].message);
		problems++;
	} else if (o->station_id != NULL && manifest_station(m, o->station_id) == NULL) {
		fprintf(stderr, _("quorum-ballotd: station: %s is not a station of election %s\n"),
		        o->station_id, m->id);
		problems++;
	}
	free(buf);
	manifest_free(m);
	rulebook_free(rb);
	elec_findings_free(&f);
	/* joint-key: 130 hex digits (an uncompressed P-256 point, C-1.2) */
	snprintf(path, sizeof path, "%s/joint-key", o->election);
	char key[300];
	size_t kl = 0;
	fp = fopen(path, "r");
	if (fp == NULL) {
		fprintf(stderr, _("quorum-ballotd: election: cannot read %s: %s\n"), path,
		        strerror(errno));
		return problems + 1;
	}
	kl = fread(key, 1, sizeof key - 1, fp);
	fclose(fp);
	while (kl > 0 && isspace((unsigned char)key[kl - 1]))
		kl--;
	size_t hex = 0;
	while (hex < kl && isxdigit((unsigned char)key[hex]))
		hex++;
	if (kl != 130 || hex != kl) {
		fprintf(stderr,
		        _("quorum-ballotd: election: %s is not the joint public key (130 hex "
		          "digits)\n"),
		        path);
		problems++;
	}
	return problems;
}

static int check_state(const char *state)
{
	struct stat sb;
	if (stat(state, &sb) != 0) {
		if (errno != ENOENT) {
			fprintf(stderr, _("quorum-ballotd: state: %s: %s\n"), state,
			        strerror(errno));
			return 1;
		}
		/* Created at the first start: its parent must exist. */
		char parent[4096];
		snprintf(parent, sizeof parent, "%s", state);
		char *slash = strrchr(parent, '/');
		if (slash == NULL)
			return 0;
		if (slash == parent)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(parent, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
			fprintf(stderr,
			        _("quorum-ballotd: state: %s does not exist, nor does its parent "
			          "directory %s\n"),
			        state, parent);
			return 1;
		}
		return 0;
	}
	if (!S_ISDIR(sb.st_mode)) {
		fprintf(stderr, _("quorum-ballotd: state: %s is not a directory\n"), state);
		return 1;
	}
	if ((sb.st_mode & 022) != 0) {
		fprintf(stderr,
		        _("quorum-ballotd: state: %s is writable by its group or others (chmod "
		          "go-w)\n"),
		        state);
		return 1;
	}
	return 0;
}

/* The socket directory: made at start if absent (by the daemon, or by
 * systemd's RuntimeDirectory=); if there, a directory nobody else may
 * write in. */
static int check_sockdir(const char *dir)
{
	struct stat sb;
	if (stat(dir, &sb) != 0)
		return 0;
	if (!S_ISDIR(sb.st_mode)) {
		fprintf(stderr, _("quorum-ballotd: socket-dir: %s is not a directory\n"), dir);
		return 1;
	}
	if ((sb.st_mode & 022) != 0) {
		fprintf(stderr,
		        _("quorum-ballotd: socket-dir: %s is writable by its group or others "
		          "(chmod go-w)\n"),
		        dir);
		return 1;
	}
	return 0;
}

static int check_key(const ballotd_opts *o)
{
	char path[4096];
	const char *p = o->keyfile;
	if (o->keycred != NULL) {
		const char *dir = getenv("CREDENTIALS_DIRECTORY");
		if (dir == NULL || dir[0] == '\0') {
			/* Outside the unit the credential is not there to check. */
			printf(_("quorum-ballotd: key-credential: the passphrase is the systemd "
			         "credential \"%s\" (checked when the unit starts)\n"),
			       o->keycred);
			return 0;
		}
		snprintf(path, sizeof path, "%s/%s", dir, o->keycred);
		p = path;
	}
	if (p == NULL)
		return 0;
	struct stat sb;
	if (stat(p, &sb) != 0) {
		fprintf(stderr, _("quorum-ballotd: key: cannot use %s: %s\n"), p, strerror(errno));
		return 1;
	}
	if (!S_ISREG(sb.st_mode) || (sb.st_mode & 077) != 0) {
		fprintf(stderr,
		        _("quorum-ballotd: key: %s must be a regular file readable only by its "
		          "owner (chmod 600)\n"),
		        p);
		return 1;
	}
	if (access(p, R_OK) != 0) {
		fprintf(stderr, _("quorum-ballotd: key: cannot read %s: %s\n"), p, strerror(errno));
		return 1;
	}
	return 0;
}

int bopts_check(const ballotd_opts *o, const char *conf_path, int earlier)
{
	int problems = earlier;
	static const char *const need[] = {"election", "station", "state"};
	const char *have[] = {o->election, o->station_id, o->state};
	for (size_t i = 0; i < 3; i++)
		if (have[i] == NULL) {
			fprintf(stderr,
			        _("quorum-ballotd: %s: missing (set it in %s or give --%s)\n"),
			        need[i], conf_path != NULL ? conf_path : "ballotd.conf", need[i]);
			problems++;
		}
	if (!bopts_key_ok(o)) {
		fprintf(stderr, "%s",
		        _("quorum-ballotd: key: need exactly one of key-file, key-credential, "
		          "--key-fd\n"));
		problems++;
	}
	if (o->election != NULL)
		problems += check_election(o);
	if (o->state != NULL)
		problems += check_state(o->state);
	if (o->sockdir != NULL)
		problems += check_sockdir(o->sockdir);
	problems += check_key(o);
	if (problems == 0)
		printf("%s", _("quorum-ballotd: the configuration is valid\n"));
	else
		fprintf(stderr, _("quorum-ballotd: %d problem(s) in the configuration\n"),
		        problems);
	return problems;
}

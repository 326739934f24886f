/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * record.c -- the election directory: init, open, base hash, files, JSON,
 * the election log (docs/spec/record.md R-1 .. R-3).
 */
#include "record.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/log.h"
#include "crypto/transcript.h"
#include "crypto/util.h"
#include "election/findings.h"
#include "election/roll.h"
#include "election/i18n.h"
#include "election/runoff.h"
#include "election/rules_record.h"

#include "banned.h"

qerr rec_fail(qerr e, char *msg, size_t msgsz, const char *fmt, ...)
{
	va_list ap;
	if (msg != NULL && msgsz > 0) {
		va_start(ap, fmt);
		vsnprintf(msg, msgsz, fmt, ap);
		va_end(ap);
	}
	return e;
}

qerr rec_path(char *out, size_t outsz, const char *dir, const char *fmt, ...)
{
	va_list ap;
	int a, b;
	if (out == NULL || outsz == 0 || dir == NULL)
		return Q_ERR_ARG;
	a = snprintf(out, outsz, "%s/", dir);
	if (a < 0 || (size_t)a >= outsz)
		return Q_ERR_LIMIT;
	va_start(ap, fmt);
	b = vsnprintf(out + a, outsz - (size_t)a, fmt, ap);
	va_end(ap);
	if (b < 0 || (size_t)b >= outsz - (size_t)a)
		return Q_ERR_LIMIT;
	return Q_OK;
}

qerr rec_mkdirs(const char *dir)
{
	char buf[REC_PATH_MAX];
	size_t len = strlen(dir);
	if (len == 0 || len >= sizeof buf)
		return Q_ERR_ARG;
	memcpy(buf, dir, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] == '/' || buf[i] == '\0') {
			char c = buf[i];
			buf[i] = '\0';
			if (mkdir(buf, 0755) != 0 && errno != EEXIST)
				return Q_ERR_IO;
			buf[i] = c;
		}
	}
	return Q_OK;
}

qerr rec_read_file(const char *path, size_t max, uint8_t **out, size_t *len, char *msg,
                   size_t msgsz)
{
	int fd = -1;
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	qerr e;
	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return rec_fail(Q_ERR_NOTFOUND, msg, msgsz, _("%s: no such file"), path);
		return rec_fail(Q_ERR_IO, msg, msgsz, "%s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) != 0) {
		e = rec_fail(Q_ERR_IO, msg, msgsz, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: not a regular file"), path);
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		e = rec_fail(Q_ERR_LIMIT, msg, msgsz, _("%s: larger than %zu bytes"), path, max);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			e = rec_fail(Q_ERR_IO, msg, msgsz, _("%s: short read"), path);
			goto out;
		}
		got += (size_t)r;
	}
	buf[got] = 0;
	*out = buf;
	*len = got;
	buf = NULL;
	e = Q_OK;
out:
	free(buf);
	close(fd);
	return e;
}

static qerr fsync_parent(const char *path)
{
	char dir[REC_PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n;
	int fd;
	if (slash == NULL) {
		dir[0] = '.';
		dir[1] = '\0';
	} else {
		n = (size_t)(slash - path);
		if (n == 0)
			n = 1;
		if (n >= sizeof dir)
			return Q_ERR_LIMIT;
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return Q_ERR_IO;
	if (fsync(fd) != 0) {
		close(fd);
		return Q_ERR_IO;
	}
	close(fd);
	return Q_OK;
}

qerr rec_write_file(const char *path, const void *data, size_t len, unsigned mode, int excl,
                    char *msg, size_t msgsz)
{
	char tmp[REC_PATH_MAX];
	int fd = -1;
	size_t off = 0;
	struct stat st;
	qerr e;
	if (excl && lstat(path, &st) == 0)
		return rec_fail(Q_ERR_EXISTS, msg, msgsz, _("%s already exists"), path);
	if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
		return rec_fail(Q_ERR_LIMIT, msg, msgsz, _("%s: path too long"), path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		return rec_fail(Q_ERR_IO, msg, msgsz, "%s: %s", tmp, strerror(errno));
	if (fchmod(fd, (mode_t)mode) != 0)
		goto io;
	while (off < len) {
		ssize_t w = write(fd, (const uint8_t *)data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto io;
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto io;
	if (close(fd) != 0) {
		fd = -1;
		goto io;
	}
	fd = -1;
	if (excl) {
		/* link() fails if path appeared meanwhile: no overwrite. */
		if (link(tmp, path) != 0) {
			e = errno == EEXIST ? Q_ERR_EXISTS : Q_ERR_IO;
			unlink(tmp);
			return rec_fail(e, msg, msgsz, "%s: %s", path, strerror(errno));
		}
		unlink(tmp);
	} else if (rename(tmp, path) != 0) {
		goto io;
	}
	if (fsync_parent(path) != Q_OK)
		return rec_fail(Q_ERR_IO, msg, msgsz, _("%s: fsync of directory failed"), path);
	return Q_OK;
io:
	e = rec_fail(Q_ERR_IO, msg, msgsz, "%s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return e;
}

qerr rec_read_json(const char *path, json_t **out, char *msg, size_t msgsz)
{
	uint8_t *buf = NULL;
	size_t len;
	json_error_t je;
	qerr e;
	*out = NULL;
	if ((e = rec_read_file(path, REC_MAX_FILE, &buf, &len, msg, msgsz)) != Q_OK)
		return e;
	*out = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
	free(buf);
	if (*out == NULL)
		return rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: line %d: %s"), path, je.line,
		                je.text);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: not a JSON object"), path);
	}
	return Q_OK;
}

qerr rec_write_json(const char *path, const json_t *j, int excl, char *msg, size_t msgsz)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	size_t len;
	char *t;
	qerr e;
	if (s == NULL)
		return Q_ERR_NOMEM;
	len = strlen(s);
	if ((t = realloc(s, len + 2)) == NULL) {
		free(s);
		return Q_ERR_NOMEM;
	}
	t[len] = '\n';
	t[len + 1] = '\0';
	e = rec_write_file(path, t, len + 1, 0644, excl, msg, msgsz);
	free(t);
	return e;
}

qerr rec_json_hex(const json_t *o, const char *key, uint8_t *out, size_t len, const char *what,
                  char *msg, size_t msgsz)
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_string(v))
		return rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: \"%s\" missing or not a string"),
		                what, key);
	if (hex_decode(out, len, json_string_value(v), json_string_length(v)) != Q_OK)
		return rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: \"%s\" is not %zu bytes of hex"),
		                what, key, len);
	return Q_OK;
}

qerr rec_json_point(const json_t *o, const char *key, point *p, const char *what, char *msg,
                    size_t msgsz)
{
	uint8_t b[POINT_LEN];
	qerr e;
	if ((e = rec_json_hex(o, key, b, sizeof b, what, msg, msgsz)) != Q_OK)
		return e;
	if ((e = point_decode(p, b, sizeof b)) != Q_OK)
		return rec_fail(e, msg, msgsz, _("%s: \"%s\" is not a valid P-256 point (%s)"),
		                what, key, qerr_str(e));
	return Q_OK;
}

qerr rec_json_u64(const json_t *o, const char *key, uint64_t max, uint64_t *v, const char *what,
                  char *msg, size_t msgsz)
{
	const json_t *x = json_object_get(o, key);
	if (!json_is_integer(x) || json_integer_value(x) < 0 ||
	    (uint64_t)json_integer_value(x) > max)
		return rec_fail(Q_ERR_FORMAT, msg, msgsz,
		                _("%s: \"%s\" missing or not an integer in 0..%llu"), what, key,
		                (unsigned long long)max);
	*v = (uint64_t)json_integer_value(x);
	return Q_OK;
}

json_t *rec_hex_json(const uint8_t *b, size_t len)
{
	char *s = malloc(2 * len + 1);
	json_t *j;
	if (s == NULL)
		return NULL;
	hex_encode(s, b, len);
	j = json_string(s);
	free(s);
	return j;
}

json_t *rec_point_json(const point *p)
{
	uint8_t b[POINT_LEN];
	if (point_encode(b, p) != Q_OK)
		return NULL;
	return rec_hex_json(b, sizeof b);
}

void rec_base_hash(uint8_t out[SHA256_LEN], const uint8_t *manifest, size_t mlen,
                   const uint8_t *params, size_t plen)
{
	transcript t;
	if (transcript_init(&t, REC_TAG_BASE) != Q_OK)
		qfatal("rec_base_hash: out of memory");
	/* */
	transcript_bytes(&t, manifest, mlen);
	transcript_bytes(&t, params, plen);
	transcript_digest(&t, out);
}

static void ctx3(uint8_t out[SHA256_LEN], const char *tag, const uint8_t h[SHA256_LEN], uint32_t a,
                 int has_b, uint32_t b)
{
	transcript t;
	if (transcript_init(&t, tag) != Q_OK)
		qfatal("record: out of memory");
	transcript_bytes(&t, h, SHA256_LEN);
	transcript_u32(&t, a);
	if (has_b)
		transcript_u32(&t, b);
	transcript_digest(&t, out);
}

void rec_commitment_ctx(uint8_t out[SHA256_LEN], const uint8_t key_ctx[SHA256_LEN], uint32_t i,
                        uint32_t j)
{
	ctx3(out, REC_TAG_COMMITMENT, key_ctx, i, 1, j); /* */
}

void rec_share_aad(uint8_t out[SHA256_LEN], const uint8_t key_ctx[SHA256_LEN], uint32_t d,
                   uint32_t r)
{
	ctx3(out, REC_TAG_SHARE, key_ctx, d, 1, r); /* */
}

void rec_partial_ctx(uint8_t out[SHA256_LEN], const uint8_t base_hash[SHA256_LEN], uint32_t i,
                     const uint8_t agg_hash[SHA256_LEN], uint32_t c, uint32_t o)
{
	transcript t; /* */
	if (transcript_init(&t, REC_TAG_PARTIAL) != Q_OK)
		qfatal("record: out of memory");
	transcript_bytes(&t, base_hash, SHA256_LEN);
	transcript_u32(&t, i);
	transcript_bytes(&t, agg_hash, SHA256_LEN);
	transcript_u32(&t, c);
	transcript_u32(&t, o);
	transcript_digest(&t, out);
}

void rec_free(rec_election *el)
{
	if (el == NULL)
		return;
	free(el->dir);
	free(el->manifest_bytes);
	free(el->params_bytes);
	manifest_free(el->manifest);
	rulebook_free(el->rules);
	free(el);
}

static void print_findings(const elec_findings *f, const char *what)
{
	for (size_t i = 0; i < f->n; i++)
		fprintf(stderr, _("%s: %s%s%s%s at %s: %s\n"), what,
		        f->v[i].severity == ELEC_ERROR ? _("error") : _("warning"),
		        f->v[i].rule ? " [" : "", f->v[i].rule ? f->v[i].rule : "",
		        f->v[i].rule ? "]" : "", f->v[i].where ? f->v[i].where : "-",
		        f->v[i].message ? f->v[i].message : "");
}

static qerr parse_params(rec_election *el, char *msg, size_t msgsz)
{
	json_t *j = NULL;
	json_error_t je;
	const json_t *v;
	uint64_t x;
	qerr e;
	const char *what = "parameters.json";
	j = json_loadb((const char *)el->params_bytes, el->params_len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(j)) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: line %d: %s"), what, je.line,
		             je.text);
		goto out;
	}
	v = json_object_get(j, "format");
	if (!json_is_string(v) || strcmp(json_string_value(v), REC_PARAMS_FORMAT) != 0) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: \"format\" is not \"%s\""), what,
		             REC_PARAMS_FORMAT);
		goto out;
	}
	v = json_object_get(j, "group");
	if (!json_is_string(v) || strcmp(json_string_value(v), "P-256") != 0) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: \"group\" is not \"P-256\""), what);
		goto out;
	}
	if ((e = rec_json_u64(j, "trustees", THRESHOLD_MAX_N, &x, what, msg, msgsz)) != Q_OK)
		goto out;
	el->n = (uint32_t)x;
	if ((e = rec_json_u64(j, "threshold", el->n, &x, what, msg, msgsz)) != Q_OK)
		goto out;
	el->k = (uint32_t)x;
	if (el->k == 0 || el->n == 0) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: threshold and trustees must be >= 1"),
		             what);
		goto out;
	}
	if ((e = rec_json_u64(j, "round", 1000, &x, what, msg, msgsz)) != Q_OK)
		goto out;
	el->round = (uint32_t)x;
	if ((e = rec_json_hex(j, "roll_hash", el->roll_hash, SHA256_LEN, what, msg, msgsz)) != Q_OK)
		goto out;
	/* E-4.3: the registered voters, derived from the roll by init */
	if ((e = rec_json_u64(j, "registered", ROLL_MAX_ROWS, &el->registered, what, msg, msgsz)) !=
	    Q_OK)
		goto out;
	v = json_object_get(j, "previous_round");
	if (json_is_null(v) && el->round == 1) {
		el->has_previous = 0;
		memcpy(el->key_ctx, el->base_hash, SHA256_LEN);
	} else if (el->round > 1) {
		el->has_previous = 1;
		if ((e = rec_json_hex(j, "previous_round", el->previous, SHA256_LEN, what, msg,
		                      msgsz)) != Q_OK ||
		    (e = rec_json_hex(j, "key_ceremony", el->key_ctx, SHA256_LEN, what, msg,
		                      msgsz)) != Q_OK)
			goto out;
	} else {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz,
		             _("%s: round 1 must have \"previous_round\": null, round %u a hash"),
		             what, el->round);
		goto out;
	}
	if (el->round == 1 && !json_is_null(json_object_get(j, "key_ceremony"))) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz,
		             _("%s: round 1 must have \"key_ceremony\": null"), what);
		goto out;
	}
	/* RP-5.2: the record's own profiles, each checked against its hash */
	{
		elec_findings f;
		elec_findings_init(&f);
		e = rulebook_load_listed(el->dir, json_object_get(j, "rules"), &el->rules, &f);
		if (e != Q_OK) {
			print_findings(&f, el->dir);
			e = rec_fail(e, msg, msgsz,
			             _("%s: the rule profiles are not usable: %s%s%s"), what,
			             f.n && f.v[0].where ? f.v[0].where : "", f.n ? ": " : "",
			             f.n ? f.v[0].message : qerr_str(e));
			elec_findings_free(&f);
			goto out;
		}
		elec_findings_free(&f);
	}
	e = Q_OK;
out:
	json_decref(j);
	return e;
}

qerr rec_open(rec_election **out, const char *dir, char *msg, size_t msgsz)
{
	rec_election *el = NULL;
	char path[REC_PATH_MAX];
	elec_findings f;
	qerr e;
	*out = NULL;
	elec_findings_init(&f);
	if ((el = calloc(1, sizeof *el)) == NULL || (el->dir = strdup(dir)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if ((e = rec_path(path, sizeof path, dir, "manifest.json")) != Q_OK ||
	    (e = rec_read_file(path, MANIFEST_MAX_BYTES, &el->manifest_bytes, &el->manifest_len,
	                       msg, msgsz)) != Q_OK)
		goto out;
	if ((e = rec_path(path, sizeof path, dir, "parameters.json")) != Q_OK ||
	    (e = rec_read_file(path, 1u << 20, &el->params_bytes, &el->params_len, msg, msgsz)) !=
	        Q_OK)
		goto out;
	rec_base_hash(el->base_hash, el->manifest_bytes, el->manifest_len, el->params_bytes,
	              el->params_len);
	if ((e = parse_params(el, msg, msgsz)) != Q_OK)
		goto out;
	if ((e = manifest_parse_rules(el->manifest_bytes, el->manifest_len, el->rules,
	                              &el->manifest, &f)) != Q_OK ||
	    (e = rules_params_match(el->manifest, el->rules, &f)) != Q_OK) {
		print_findings(&f, "manifest.json");
		e = rec_fail(e, msg, msgsz, _("%s/manifest.json: invalid manifest (%s)"), dir,
		             qerr_str(e));
		goto out;
	}
	/* a run-off record of the format before E-5 (round two with
	 * round one's whole manifest, no runoff object) is refused by name, as
	 * verify-election does, not examined under rules it was not written by */
	if (el->round > 1 && el->manifest->runoff_round == 0) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz,
		             _("%s/manifest.json: parameters.json gives round %u but the manifest "
		               "has no \"runoff\" object (E-5.1): a run-off record of the format "
		               "before E-5 (round one's whole manifest and ballot), which this "
		               "program does not read (R-11.4: refused, not examined)"),
		             dir, el->round);
		goto out;
	}
	/* E-4.3: a typed body.registered is the derived one (init checked it) */
	if (el->manifest->registered != 0 && el->manifest->registered != el->registered) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz,
		             _("%s: manifest.json's body.registered is %llu but parameters.json's "
		               "registered (derived from the roll) is %llu (E-4.3)"),
		             dir, (unsigned long long)el->manifest->registered,
		             (unsigned long long)el->registered);
		goto out;
	}
	el->manifest->registered = el->registered;
	if ((e = rec_roll_chain(el, msg, msgsz)) != Q_OK) /* */
		goto out;
	*out = el;
	el = NULL;
out:
	elec_findings_free(&f);
	rec_free(el);
	return e;
}

static int dir_is_empty_or_absent(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int empty = 1;
	if (d == NULL)
		return errno == ENOENT;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			empty = 0;
	closedir(d);
	return empty;
}

static qerr copy_file2(const char *from_dir, const char *from_rel, const char *to_dir,
                       const char *rel, int optional, char *msg, size_t msgsz)
{
	char a[REC_PATH_MAX], b[REC_PATH_MAX];
	uint8_t *buf = NULL;
	size_t len;
	qerr e;
	if ((e = rec_path(a, sizeof a, from_dir, "%s", from_rel)) != Q_OK ||
	    (e = rec_path(b, sizeof b, to_dir, "%s", rel)) != Q_OK)
		return e;
	e = rec_read_file(a, REC_MAX_FILE, &buf, &len, msg, msgsz);
	if (e == Q_ERR_NOTFOUND && optional)
		return Q_OK;
	if (e != Q_OK)
		return e;
	{
		char parent[REC_PATH_MAX];
		char *slash;
		memcpy(parent, b, strlen(b) + 1);
		slash = strrchr(parent, '/');
		if (slash != NULL) {
			*slash = '\0';
			if (rec_mkdirs(parent) != Q_OK) {
				free(buf);
				return rec_fail(Q_ERR_IO, msg, msgsz, _("cannot create %s"),
				                parent);
			}
		}
	}
	e = rec_write_file(b, buf, len, 0644, 1, msg, msgsz);
	free(buf);
	return e;
}

static qerr copy_file(const char *from_dir, const char *to_dir, const char *rel, int optional,
                      char *msg, size_t msgsz)
{
	return copy_file2(from_dir, rel, to_dir, rel, optional, msg, msgsz);
}

qerr rec_runoff_manifest(const rec_election *prev, char *const *withdrawn, char *const *reasons,
                         size_t nwithdrawn, uint8_t **bytes, size_t *len, runoff_plan **plan,
                         char *msg, size_t msgsz)
{
	char path[REC_PATH_MAX], why[512] = "";
	json_t *dec = NULL;
	uint8_t rh[SHA256_LEN];
	runoff_plan *p = NULL;
	elec_findings f;
	qerr e;
	*bytes = NULL;
	*len = 0;
	if (plan != NULL)
		*plan = NULL;
	elec_findings_init(&f);
	if ((e = rec_path(path, sizeof path, prev->dir, "tally/result.json")) != Q_OK)
		return e;
	if ((e = runoff_read_result(path, &dec, rh, why, sizeof why)) != Q_OK) {
		if (e == Q_ERR_NOTFOUND)
			return rec_fail(Q_ERR_STATE, msg, msgsz,
			                _("%s: round %u has no result yet (combine it first)"),
			                prev->dir, prev->round);
		return rec_fail(e, msg, msgsz, "%s", why);
	}
	e = runoff_derive(prev->manifest, prev->round, dec, withdrawn, nwithdrawn, &p, &f);
	print_findings(&f, "run-off");
	if (e != Q_OK) {
		e = rec_fail(
		    e, msg, msgsz,
		    _("%s: round %u's result gives no run-off (%s); see the findings above"),
		    prev->dir, prev->round, qerr_str(e));
		goto out;
	}
	if ((e = runoff_manifest_bytes(prev->manifest, p, prev->base_hash, rh, withdrawn, reasons,
	                               nwithdrawn, bytes, len)) != Q_OK) {
		e = rec_fail(e, msg, msgsz, _("%s: cannot write the run-off manifest (%s)"),
		             prev->dir, qerr_str(e));
		goto out;
	}
	if (plan != NULL) {
		*plan = p;
		p = NULL;
	}
out:
	elec_findings_free(&f);
	runoff_plan_free(p);
	json_decref(dec);
	return e;
}

/* E-5.3: the run-off manifest m is the one prev's result gives. */
static qerr check_runoff_manifest(const elec_manifest *m, const rec_election *prev, char *msg,
                                  size_t msgsz)
{
	char path[REC_PATH_MAX], why[512] = "";
	json_t *dec = NULL;
	uint8_t rh[SHA256_LEN];
	elec_findings f;
	qerr e;
	elec_findings_init(&f);
	if ((e = rec_path(path, sizeof path, prev->dir, "tally/result.json")) != Q_OK)
		return e;
	if ((e = runoff_read_result(path, &dec, rh, why, sizeof why)) != Q_OK)
		return rec_fail(
		    e == Q_ERR_NOTFOUND ? Q_ERR_STATE : e, msg, msgsz,
		    _("%s: the previous round has no result yet (combine it first): %s"), prev->dir,
		    why);
	e = runoff_check(m, prev->manifest, prev->round, dec, prev->base_hash, rh, &f);
	print_findings(&f, "manifest");
	if (e != Q_OK)
		e = rec_fail(
		    e, msg, msgsz,
		    _("the manifest is not the run-off of %s's result (%s; see the findings "
		      "above): make it with quorum-tally runoff %s"),
		    prev->dir, qerr_str(e), prev->dir);
	elec_findings_free(&f);
	json_decref(dec);
	return e;
}

qerr rec_init(const char *dir, const rec_init_opts *o, char *msg, size_t msgsz)
{
	elec_manifest *m = NULL;
	elec_roll *roll = NULL;
	rec_election *prev = NULL, *el = NULL;
	elec_findings f;
	json_t *params = NULL, *entry = NULL;
	char *pbytes = NULL;
	char path[REC_PATH_MAX], origin[200];
	audit_log *lg = NULL;
	uint8_t roll_hash[SHA256_LEN];
	uint64_t registered = 0;
	uint32_t k = o->k, n = o->n, round = 1;
	qerr e;

	rulebook *catalog = NULL;
	elec_findings_init(&f);
	if (!dir_is_empty_or_absent(dir))
		return rec_fail(Q_ERR_EXISTS, msg, msgsz,
		                _("%s exists and is not empty: choose a new directory; to correct "
		                  "the manifest or the roll before the key ceremony, remove %s and "
		                  "run init again"),
		                dir, dir);
	if (o->runoff_of != NULL && o->nrule_files > 0)
		return rec_fail(
		    Q_ERR_ARG, msg, msgsz,
		    _("a run-off uses the previous round's rule profiles: give no --rules"));
	if (o->runoff_of != NULL) {
		if ((e = rec_open(&prev, o->runoff_of, msg, msgsz)) != Q_OK)
			goto out;
		e = manifest_parse_rules(o->manifest, o->manifest_len, prev->rules, &m, &f);
	} else {
		e = rulebook_with_files(o->rule_files, o->rule_lens, o->rule_names, o->nrule_files,
		                        &catalog, &f);
		if (e != Q_OK) {
			print_findings(&f, "rules");
			e = rec_fail(e, msg, msgsz,
			             _("the rule profiles given are invalid (%s); see the findings "
			               "above"),
			             qerr_str(e));
			goto out;
		}
		e = manifest_parse_rules(o->manifest, o->manifest_len, catalog, &m, &f);
	}
	print_findings(&f, "manifest");
	if (e != Q_OK) {
		e = rec_fail(e, msg, msgsz,
		             _("the manifest is invalid (%s); see the findings above"),
		             qerr_str(e));
		goto out;
	}
	elec_findings_free(&f);
	if (o->runoff_of == NULL && m->runoff_round != 0) {
		e = rec_fail(Q_ERR_ARG, msg, msgsz,
		             _("the manifest is the run-off (round %u) of another round: create it "
		               "with --runoff-of that round's directory (E-5.3)"),
		             m->runoff_round);
		goto out;
	}
	e = roll_import(o->roll_csv, o->roll_len, &roll, &f);
	if (e == Q_OK)
		e = roll_check_manifest(roll, m, &f);
	print_findings(&f, "roll");
	if (e != Q_OK) {
		e = rec_fail(e, msg, msgsz, _("the roll is invalid (%s); see the findings above"),
		             qerr_str(e));
		goto out;
	}
	sha256(roll_hash, o->roll_csv, o->roll_len);
	/* E-4.3: the registered voters, derived (roll_check_manifest refused a
	 * typed body.registered that differs) */
	registered = roll_count_registered(roll, m->polling_day, NULL, 0);

	if (o->runoff_of != NULL) {
		k = prev->k;
		n = prev->n;
		round = prev->round + 1;
		if ((e = rec_path(path, sizeof path, o->runoff_of, "joint_key.json")) != Q_OK)
			goto out;
		if (access(path, R_OK) != 0) {
			e = rec_fail(Q_ERR_STATE, msg, msgsz,
			             _("%s: the previous round has no joint key yet (finish its "
			               "ceremony first)"),
			             o->runoff_of);
			goto out;
		}
		if ((e = rec_path(path, sizeof path, o->runoff_of, "tally/result.json")) != Q_OK)
			goto out;
		if (access(path, R_OK) != 0) {
			e = rec_fail(
			    Q_ERR_STATE, msg, msgsz,
			    _("%s: the previous round has no result yet (combine it first)"),
			    o->runoff_of);
			goto out;
		}
		if ((e = check_runoff_manifest(m, prev, msg, msgsz)) != Q_OK)
			goto out;
	}
	if (k == 0 || n == 0 || k > n || n > THRESHOLD_MAX_N) {
		e = rec_fail(Q_ERR_ARG, msg, msgsz,
		             _("need 1 <= threshold (%u) <= trustees (%u) <= %u"), k, n,
		             THRESHOLD_MAX_N);
		goto out;
	}
	/* */
	params = json_pack(
	    "{s:o, s:s, s:s, s:i, s:i, s:i, s:o, s:I, s:o, s:o}", "rules", rules_params_list(m),
	    "format", REC_PARAMS_FORMAT, "group", "P-256", "threshold", (json_int_t)k, "trustees",
	    (json_int_t)n, "round", (json_int_t)round, "roll_hash",
	    rec_hex_json(roll_hash, SHA256_LEN), "registered", (json_int_t)registered,
	    "previous_round", prev ? rec_hex_json(prev->base_hash, SHA256_LEN) : json_null(),
	    "key_ceremony", prev ? rec_hex_json(prev->key_ctx, SHA256_LEN) : json_null());
	if (params == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if ((e = rec_mkdirs(dir)) != Q_OK) {
		e = rec_fail(e, msg, msgsz, _("cannot create %s"), dir);
		goto out;
	}
	if ((e = rec_path(path, sizeof path, dir, "manifest.json")) != Q_OK ||
	    (e = rec_write_file(path, o->manifest, o->manifest_len, 0644, 1, msg, msgsz)) != Q_OK)
		goto out;
	/* RP-5.1: the profiles the manifest uses, exact bytes */
	if ((e = rec_path(path, sizeof path, dir, "rules")) != Q_OK ||
	    (e = rec_mkdirs(path)) != Q_OK)
		goto out;
	for (size_t i = 0; i < m->nprofiles; i++)
		if ((e = rec_path(path, sizeof path, dir, "rules/%s.json", m->profiles[i]->id)) !=
		        Q_OK ||
		    (e = rec_write_file(path, m->profiles[i]->bytes, m->profiles[i]->len, 0644, 1,
		                        msg, msgsz)) != Q_OK)
			goto out;
	if ((e = rec_path(path, sizeof path, dir, "parameters.json")) != Q_OK ||
	    (e = rec_write_json(path, params, 1, msg, msgsz)) != Q_OK)
		goto out;
	if (prev != NULL) {
		for (uint32_t i = 1; i <= n; i++) {
			char rel[64];
			/* the signed files with their signatures */
			static const char *const names[] = {
			    "commitment.json", "commitment.json.sig", "public.json",
			    "public.json.sig", "received.json",       "received.json.sig"};
			for (size_t q = 0; q < sizeof names / sizeof names[0]; q++) {
				snprintf(rel, sizeof rel, "trustees/%u/%s", i, names[q]);
				if ((e = copy_file(o->runoff_of, dir, rel, 0, msg, msgsz)) != Q_OK)
					goto out;
			}
		}
		if ((e = copy_file(o->runoff_of, dir, "joint_key.json", 0, msg, msgsz)) != Q_OK)
			goto out;
		/* the previous round's result travels with the run-off */
		if ((e = copy_file2(o->runoff_of, "tally/result.json", dir, "previous/result.json",
		                    0, msg, msgsz)) != Q_OK)
			goto out;
		/* E-5.3: and the manifest it decided, which the run-off cites */
		if ((e = copy_file2(o->runoff_of, "manifest.json", dir, "previous/manifest.json", 0,
		                    msg, msgsz)) != Q_OK)
			goto out;
	}
	if ((e = rec_open(&el, dir, msg, msgsz)) != Q_OK)
		goto out;
	/* the log's origin */
	snprintf(origin, sizeof origin, "quorum/%s/election/round-%u", m->id, round);
	if ((e = rec_path(path, sizeof path, dir, "log")) != Q_OK)
		goto out;
	if ((e = log_create(path, origin, &lg, msg, msgsz)) != Q_OK)
		goto out;
	log_close(lg);
	lg = NULL;
	entry = json_pack(
	    "{s:s, s:s, s:o, s:o, s:o, s:o, s:i, s:i, s:i, s:o}", "format", REC_ELECTION_LOG_FORMAT,
	    "type", "election-created", "base_hash", rec_hex_json(el->base_hash, SHA256_LEN),
	    "manifest_hash", rec_hex_json(m->hash, SHA256_LEN), "roll_hash",
	    rec_hex_json(roll_hash, SHA256_LEN), "election", json_string(m->id), "threshold",
	    (json_int_t)k, "trustees", (json_int_t)n, "round", (json_int_t)round, "previous_round",
	    prev ? rec_hex_json(prev->base_hash, SHA256_LEN) : json_null());
	if (entry == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if ((e = rec_log_append(el, entry, 1, NULL, msg, msgsz)) != Q_OK)
		goto out;
	e = rec_write_daemon_files(el, msg, msgsz);
out:
	elec_findings_free(&f);
	manifest_free(m);
	rulebook_free(catalog);
	roll_free(roll);
	rec_free(prev);
	rec_free(el);
	json_decref(params);
	json_decref(entry);
	free(pbytes);
	log_close(lg);
	return e;
}

qerr rec_log_append(const rec_election *el, const json_t *j, int want_checkpoint, char **note,
                    char *msg, size_t msgsz)
{
	char path[REC_PATH_MAX];
	audit_log *lg = NULL;
	char *s = NULL, *nt = NULL;
	size_t ntlen;
	uint64_t idx;
	qerr e;
	if (note != NULL)
		*note = NULL;
	if ((e = rec_path(path, sizeof path, el->dir, "log")) != Q_OK)
		return e;
	if ((s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return Q_ERR_NOMEM;
	if ((e = log_open(path, LOG_RDWR, &lg, msg, msgsz)) != Q_OK)
		goto out;
	if ((e = log_append(lg, s, strlen(s), &idx)) != Q_OK) {
		e = rec_fail(e, msg, msgsz, _("election log: %s"), log_error(lg));
		goto out;
	}
	if (want_checkpoint) {
		if ((e = log_checkpoint_sign(lg, &nt, &ntlen)) != Q_OK) {
			e = rec_fail(e, msg, msgsz, _("election log checkpoint: %s"),
			             log_error(lg));
			goto out;
		}
		if (note != NULL) {
			*note = nt;
			nt = NULL;
		}
	}
	e = Q_OK;
out:
	free(nt);
	free(s);
	log_close(lg);
	return e;
}

qerr rec_ballot_style(const rec_election *el, ballot_style **out, char *msg, size_t msgsz)
{
	char path[REC_PATH_MAX], why[512] = "";
	json_t *prev = NULL;
	qerr e;
	*out = NULL;
	/* B-1: a run-off's ballot derives from the previous round's result */
	if (el->round > 1) {
		if ((e = rec_path(path, sizeof path, el->dir, "previous/result.json")) != Q_OK)
			return e;
		if ((e = runoff_read_result(path, &prev, NULL, why, sizeof why)) != Q_OK)
			return rec_fail(e, msg, msgsz, _("ballot style: %s"), why);
	}
	e = elec_round_style(el->manifest, prev, el->base_hash, out, why, sizeof why);
	json_decref(prev);
	if (e != Q_OK)
		return rec_fail(e, msg, msgsz, _("ballot style: %s"), why);
	return Q_OK;
}

qerr rec_load_joint_key(const rec_election *el, point **K, point ***S, char *msg, size_t msgsz)
{
	char path[REC_PATH_MAX];
	json_t *j = NULL;
	const json_t *arr;
	point **s = NULL;
	point *k = NULL;
	qerr e;
	*K = NULL;
	if (S != NULL)
		*S = NULL;
	if ((e = rec_path(path, sizeof path, el->dir, "joint_key.json")) != Q_OK ||
	    (e = rec_read_json(path, &j, msg, msgsz)) != Q_OK)
		goto out;
	if ((k = point_new()) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if ((e = rec_json_point(j, "joint_key", k, "joint_key.json", msg, msgsz)) != Q_OK)
		goto out;
	if (S != NULL) {
		arr = json_object_get(j, "verification_keys");
		if (!json_is_array(arr) || json_array_size(arr) != el->n) {
			e = rec_fail(Q_ERR_FORMAT, msg, msgsz,
			             _("joint_key.json: \"verification_keys\" must list %u keys"),
			             el->n);
			goto out;
		}
		if ((s = calloc(el->n, sizeof *s)) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		for (uint32_t i = 0; i < el->n; i++) {
			uint8_t b[POINT_LEN];
			const json_t *v = json_array_get(arr, i);
			if ((s[i] = point_new()) == NULL) {
				e = Q_ERR_NOMEM;
				goto out;
			}
			if (!json_is_string(v) ||
			    hex_decode(b, sizeof b, json_string_value(v), json_string_length(v)) !=
			        Q_OK ||
			    point_decode(s[i], b, sizeof b) != Q_OK) {
				e = rec_fail(
				    Q_ERR_FORMAT, msg, msgsz,
				    _("joint_key.json: verification key %u is not a valid point"),
				    i + 1);
				goto out;
			}
		}
	}
	*K = k;
	k = NULL;
	if (S != NULL) {
		*S = s;
		s = NULL;
	}
	e = Q_OK;
out:
	if (s != NULL) {
		for (uint32_t i = 0; i < el->n; i++)
			point_free(s[i]);
		free(s);
	}
	point_free(k);
	json_decref(j);
	return e;
}

qerr rec_write_daemon_files(const rec_election *el, char *msg, size_t msgsz)
{
	char path[REC_PATH_MAX], hx[2 * POINT_LEN + 2];
	point *K = NULL;
	uint8_t kb[POINT_LEN];
	qerr e;
	hex_encode(hx, el->base_hash, SHA256_LEN);
	hx[2 * SHA256_LEN] = '\n';
	if ((e = rec_path(path, sizeof path, el->dir, "base-hash")) != Q_OK ||
	    (e = rec_write_file(path, hx, 2 * SHA256_LEN + 1, 0644, 0, msg, msgsz)) != Q_OK)
		return e;
	e = rec_load_joint_key(el, &K, NULL, msg, msgsz);
	if (e == Q_ERR_NOTFOUND)
		return Q_OK; /* no ceremony yet */
	if (e != Q_OK)
		return e;
	if ((e = point_encode(kb, K)) == Q_OK) {
		hex_encode(hx, kb, sizeof kb);
		hx[2 * POINT_LEN] = '\n';
		if ((e = rec_path(path, sizeof path, el->dir, "joint-key")) == Q_OK)
			e = rec_write_file(path, hx, 2 * POINT_LEN + 1, 0644, 0, msg, msgsz);
	}
	point_free(K);
	return e;
}

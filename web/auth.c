/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * auth.c -- sign-in to the poll book and the admin pages (web.h;
 * docs/spec/protocol.md P-8.6): Argon2id-hashed credentials in a file,
 * attempts one at a time with a growing delay after each failure and a
 * lock-out after repeated failures, both per client address, sessions in
 * memory with a CSRF token.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/kdf.h"
#include "crypto/util.h"
#include "election/i18n.h"
#include "web.h"

#include "banned.h"

#define SALT_LEN 16
#define HASH_LEN 32
#define SESSIONS_MAX 64
#define SESSION_IDLE 1800 /* seconds */
#define SESSION_MAX_AGE (12 * 3600)

typedef struct cred {
	int set;
	kdf_params kp;
	uint8_t salt[SALT_LEN], hash[HASH_LEN];
} cred;

typedef struct session {
	int used;
	enum role role;
	char id[2 * AUTH_ID_LEN + 1];
	char csrf[2 * AUTH_ID_LEN + 1];
	time_t created, last;
} session;

static pthread_mutex_t auth_mu = PTHREAD_MUTEX_INITIALIZER; /* sessions, counters */
static pthread_mutex_t kdf_mu = PTHREAD_MUTEX_INITIALIZER; /* one Argon2id at a time */

/* The failures of one client address at one role's sign-in (P-8.6): a
 * lock-out is per address, so wrong passphrases sent from one machine on
 * the network do not lock the poll workers' tablets out. */
#define CLIENTS_MAX 1024
typedef struct attempts {
	enum role role;
	char addr[AUTH_ADDR_MAX];
	unsigned fails;
	time_t not_before, locked_until, last;
} attempts;

static struct {
	cred cred[ROLE_N];
	session s[SESSIONS_MAX];
	attempts c[CLIENTS_MAX];
	auth_policy pol;
} A;

/* The entry of (r, addr), or NULL if there is none and !create; a new one
 * takes a free slot, else the slot used longest ago (an address that has
 * not tried for longest).  Under auth_mu. */
static attempts *client_of(enum role r, const char *addr, time_t now, int create)
{
	size_t k = 0;
	for (size_t i = 0; i < CLIENTS_MAX; i++) {
		attempts *c = &A.c[i];
		if (c->last != 0 && c->role == r && strcmp(c->addr, addr) == 0)
			return c;
		if (c->last < A.c[k].last)
			k = i;
	}
	if (!create)
		return NULL;
	attempts *c = &A.c[k];
	memset(c, 0, sizeof *c);
	c->role = r;
	snprintf(c->addr, sizeof c->addr, "%s", addr);
	c->last = now;
	return c;
}

const char *auth_role_name(enum role r)
{
	return r == ROLE_POLLBOOK ? "operator" : r == ROLE_ADMIN ? "admin" : NULL;
}

static int role_of(const char *name, enum role *r)
{
	if (strcmp(name, "operator") == 0)
		*r = ROLE_POLLBOOK;
	else if (strcmp(name, "admin") == 0)
		*r = ROLE_ADMIN;
	else
		return -1;
	return 0;
}

/* Parse one line "ROLE argon2id T M P SALT HASH" into c. */
static int parse_line(const char *line, enum role *r, cred *c)
{
	char role[16], alg[16], salt[2 * SALT_LEN + 2], hash[2 * HASH_LEN + 2];
	unsigned t, m, p;
	if (sscanf(line, "%15s %15s %u %u %u %33s %65s", role, alg, &t, &m, &p, salt, hash) != 7)
		return -1;
	if (role_of(role, r) != 0 || strcmp(alg, "argon2id") != 0)
		return -1;
	c->kp.t_cost = t;
	c->kp.m_cost_kib = m;
	c->kp.parallelism = p;
	if (kdf_params_check(&c->kp) != Q_OK || strlen(salt) != 2 * SALT_LEN ||
	    strlen(hash) != 2 * HASH_LEN ||
	    hex_decode(c->salt, SALT_LEN, salt, 2 * SALT_LEN) != Q_OK ||
	    hex_decode(c->hash, HASH_LEN, hash, 2 * HASH_LEN) != Q_OK)
		return -1;
	c->set = 1;
	return 0;
}

int auth_load(const char *path, const auth_policy *pol)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int n = 0, lineno = 0;
	if (f == NULL) {
		fprintf(stderr, _("quorum-web: cannot read the credentials file %s: %s\n"), path,
		        strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077) != 0) {
		fprintf(stderr,
		        _("quorum-web: the credentials file %s is readable by others (chmod 600 "
		          "it)\n"),
		        path);
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		enum role r;
		cred c;
		memset(&c, 0, sizeof c);
		if (parse_line(line, &r, &c) != 0) {
			fprintf(stderr,
			        _("quorum-web: %s line %d: not \"operator|admin argon2id T M P "
			          "SALT HASH\"\n"),
			        path, lineno);
			fclose(f);
			return -1;
		}
		A.cred[r] = c;
		n++;
	}
	fclose(f);
	wipe(line, sizeof line);
	if (n == 0) {
		fprintf(stderr,
		        _("quorum-web: the credentials file %s holds no credential (see "
		          "--set-credential)\n"),
		        path);
		return -1;
	}
	A.pol = *pol;
	return 0;
}

int auth_enabled(enum role r)
{
	return r != ROLE_BOOTH && r < ROLE_N && A.cred[r].set;
}

int auth_set_credential(const char *path, const char *role, const char *pass)
{
	enum role r;
	uint8_t salt[SALT_LEN], hash[HASH_LEN];
	char sh[2 * SALT_LEN + 1], hh[2 * HASH_LEN + 1], tmp[4200], keep[64][512];
	size_t nkeep = 0;
	int rc = -1;
	if (role_of(role, &r) != 0) {
		fprintf(stderr,
		        _("quorum-web: --set-credential: the role is operator or admin, not "
		          "%s\n"),
		        role);
		return 2;
	}
	if (strlen(pass) < 8) {
		fprintf(stderr, "%s",
		        _("quorum-web: the passphrase is too short (at least 8 characters)\n"));
		return 2;
	}
	FILE *f = fopen(path, "r");
	if (f != NULL) {
		char line[512];
		while (nkeep < 64 && fgets(line, sizeof line, f) != NULL) {
			char first[16] = "";
			if (sscanf(line, "%15s", first) == 1 && strcmp(first, role) == 0)
				continue;
			memcpy(keep[nkeep++], line, sizeof line);
		}
		fclose(f);
	}
	if (rand_bytes(salt, sizeof salt) != Q_OK ||
	    kdf_argon2id(hash, sizeof hash, pass, strlen(pass), salt, sizeof salt,
	                 &kdf_params_default) != Q_OK) {
		fprintf(stderr, "%s", _("quorum-web: cannot hash the passphrase\n"));
		goto out;
	}
	hex_encode(sh, salt, sizeof salt);
	hex_encode(hh, hash, sizeof hash);
	snprintf(tmp, sizeof tmp, "%s.new", path);
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	FILE *o = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (o == NULL) {
		fprintf(stderr, _("quorum-web: cannot write %s: %s\n"), tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	for (size_t i = 0; i < nkeep; i++)
		fputs(keep[i], o);
	fprintf(o, "%s argon2id %u %u %u %s %s\n", role, kdf_params_default.t_cost,
	        kdf_params_default.m_cost_kib, kdf_params_default.parallelism, sh, hh);
	if (fflush(o) != 0 || fsync(fileno(o)) != 0 || fclose(o) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, _("quorum-web: cannot write %s: %s\n"), path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	wipe(hash, sizeof hash);
	wipe(hh, sizeof hh);
	return rc;
}

/* A fresh random identifier as hex. */
static int fresh_id(char out[2 * AUTH_ID_LEN + 1])
{
	uint8_t b[AUTH_ID_LEN];
	if (rand_bytes(b, sizeof b) != Q_OK)
		return -1;
	hex_encode(out, b, sizeof b);
	wipe(b, sizeof b);
	return 0;
}

auth_result auth_signin(enum role r, const char *addr, const char *pass,
                        char id[2 * AUTH_ID_LEN + 1], unsigned *wait)
{
	time_t now = time(NULL);
	*wait = 0;
	if (!auth_enabled(r))
		return AUTH_NONE;
	if (pass == NULL || pass[0] == '\0')
		return AUTH_BAD;
	if (addr == NULL)
		addr = "";
	pthread_mutex_lock(&auth_mu);
	const attempts *c0 = client_of(r, addr, now, 0);
	if (c0 != NULL && c0->locked_until > now) {
		*wait = (unsigned)(c0->locked_until - now);
		pthread_mutex_unlock(&auth_mu);
		return AUTH_LOCKED;
	}
	if (c0 != NULL && c0->not_before > now) {
		*wait = (unsigned)(c0->not_before - now);
		pthread_mutex_unlock(&auth_mu);
		return AUTH_WAIT;
	}
	pthread_mutex_unlock(&auth_mu);

	/* one Argon2id at a time: 64 MiB each, and a flood of guesses from
	 * any number of addresses is served in turn */
	uint8_t h[HASH_LEN];
	pthread_mutex_lock(&kdf_mu);
	qerr e =
	    kdf_argon2id(h, sizeof h, pass, strlen(pass), A.cred[r].salt, SALT_LEN, &A.cred[r].kp);
	pthread_mutex_unlock(&kdf_mu);
	int ok = e == Q_OK && ct_equal(h, A.cred[r].hash, HASH_LEN);
	wipe(h, sizeof h);

	auth_result res = AUTH_BAD;
	pthread_mutex_lock(&auth_mu);
	now = time(NULL);
	attempts *c = client_of(r, addr, now, !ok);
	if (c != NULL && c->locked_until > now) {
		/* locked while this attempt was hashed */
		*wait = (unsigned)(c->locked_until - now);
		res = AUTH_LOCKED;
	} else if (!ok) {
		c->last = now;
		c->fails++;
		if (c->fails >= A.pol.max_failures) {
			c->locked_until = now + (time_t)A.pol.lockout_seconds;
			c->fails = 0;
			*wait = A.pol.lockout_seconds;
			res = AUTH_LOCKED;
		} else {
			unsigned d = A.pol.delay_seconds << (c->fails - 1);
			c->not_before = now + (time_t)d;
			*wait = d;
		}
	} else {
		if (c != NULL)
			memset(c, 0, sizeof *c);
		/* a free slot, else the one used longest ago */
		size_t k = 0;
		for (size_t i = 0; i < SESSIONS_MAX; i++) {
			if (!A.s[i].used || now - A.s[i].last > SESSION_IDLE) {
				k = i;
				break;
			}
			if (A.s[i].last < A.s[k].last)
				k = i;
		}
		session *s = &A.s[k];
		memset(s, 0, sizeof *s);
		if (fresh_id(s->id) == 0 && fresh_id(s->csrf) == 0) {
			s->used = 1;
			s->role = r;
			s->created = s->last = now;
			memcpy(id, s->id, sizeof s->id);
			res = AUTH_OK;
		} else {
			memset(s, 0, sizeof *s);
			res = AUTH_NONE;
		}
	}
	pthread_mutex_unlock(&auth_mu);
	return res;
}

static session *find(const char *id, time_t now)
{
	if (id == NULL || strlen(id) != 2 * AUTH_ID_LEN)
		return NULL;
	for (size_t i = 0; i < SESSIONS_MAX; i++) {
		session *s = &A.s[i];
		if (!s->used || !ct_equal(s->id, id, 2 * AUTH_ID_LEN))
			continue;
		if (now - s->last > SESSION_IDLE || now - s->created > SESSION_MAX_AGE) {
			wipe(s, sizeof *s);
			return NULL;
		}
		return s;
	}
	return NULL;
}

int auth_session(enum role r, const char *id, char csrf[2 * AUTH_ID_LEN + 1])
{
	time_t now = time(NULL);
	int rc = -1;
	pthread_mutex_lock(&auth_mu);
	session *s = find(id, now);
	if (s != NULL && s->role == r) {
		s->last = now;
		memcpy(csrf, s->csrf, sizeof s->csrf);
		rc = 0;
	} else if (s != NULL) {
		rc = -2;
	}
	pthread_mutex_unlock(&auth_mu);
	return rc;
}

void auth_signout(const char *id)
{
	pthread_mutex_lock(&auth_mu);
	session *s = find(id, time(NULL));
	if (s != NULL)
		wipe(s, sizeof *s);
	pthread_mutex_unlock(&auth_mu);
}

const char *auth_cookie_name(enum role r)
{
	return r == ROLE_ADMIN ? "quorum_admin" : "quorum_pollbook";
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * quorum-ballotd -- the ballot-issuing daemon of one polling station.
 * See --help, docs/protocol.md and docs/guide-poll-worker.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "crypto/util.h"
#include "election/i18n.h"
#include "election/findings.h"
#include "election/manifest.h"
#include "election/rules_record.h"
#include "ballotd_conf.h"
#include "service.h"
#include "station.h"

#include "banned.h"

static const char *const usage =
    N_("Usage: quorum-ballotd [--config FILE | --no-config] [--check-config]\n"
       "                      --election DIR --station ID --state DIR\n"
       "                      [--socket-dir DIR]\n"
       "                      (--key-file FILE | --key-credential NAME | --key-fd N)\n"
       "                      [--foreground] [--read-timeout MS] [--idle-timeout S]\n"
       "                      [--admin-group GROUP] [--operator-group GROUP]\n"
       "                      [--booth-group GROUP]\n"
       "                      [--pending-ttl S] [--worker-user USER]\n"
       "                      [--single-process]\n"
       "\n"
       "The ballot-issuing daemon of one polling station.  It loads the election\n"
       "directory, opens (or creates) the station's encrypted roll DB, ballot box and\n"
       "audit log in the state directory, and serves the poll workers' console and\n"
       "the booth terminals on three UNIX sockets in the socket directory (the state\n"
       "directory unless --socket-dir names another):\n"
       "\n"
       "  admin.sock     mode 0600  open, close, import-roll, export, status, ping\n"
       "                 (0660 with --admin-group)\n"
       "  operator.sock  mode 0660  lookup, checkin (alias issue), reissue, status,\n"
       "                            ping\n"
       "  booth.sock     mode 0660  ballot, encrypt, cast, challenge, receipt, ping\n"
       "\n"
       "Access control: the socket permissions, and the peer's credentials\n"
       "(SO_PEERCRED): root and the daemon's own user may use every socket; a\n"
       "member of --admin-group only admin.sock, of --operator-group only\n"
       "operator.sock, of --booth-group only booth.sock; anyone else is answered\n"
       "\"forbidden\".  Each role has its own connection limit (admin 16, operator\n"
       "112, booth 896), so the admin socket stays reachable.  The state and\n"
       "socket directories must belong to the daemon's user and not be writable by\n"
       "group or others.\n"
       "Requests are newline-delimited JSON (docs/protocol.md).\n"
       "\n"
       "Privilege separation: the process started holds the station's signing key\n"
       "and the database keys (the monitor); it starts a worker, this program again,\n"
       "which serves the sockets, parses every request and asks the monitor for a\n"
       "fixed set of typed operations (docs/spec/protocol.md P-9).  The worker holds\n"
       "no key, runs as --worker-user when started as root, and is confined by a\n"
       "seccomp allow-list; if it dies, the monitor logs why and starts another.\n"
       "\n"
       "Options (each but --key-fd, --worker-user, --single-process, --config,\n"
       "--no-config, --check-config and --help may also be set in the\n"
       "configuration file, as NAME = VALUE without the dashes; the command line\n"
       "overrides the file):\n"
       "  --config FILE     read the settings from FILE (default\n"
       "                    /etc/quorum/ballotd.conf, if it exists)\n"
       "  --no-config       read no configuration file\n"
       "  --check-config    check the settings, the election directory, the state\n"
       "                    directory and the passphrase source, name each\n"
       "                    problem, and exit (0 valid, 1 not)\n"
       "  --election DIR    election directory: manifest.json, joint-key (130 hex\n"
       "                    digits, the joint public key), optionally base-hash\n"
       "  --station ID      this station's id in the manifest\n"
       "  --state DIR       the station's state (created mode 0711 if absent, files\n"
       "                    0600):\n"
       "                    kdf, signing-key.sealed, roll.db, box.db, log/,\n"
       "                    station-record.json(.sig); owned by the daemon's user,\n"
       "                    not writable by group or others\n"
       "  --socket-dir DIR  where admin.sock, operator.sock and booth.sock are made\n"
       "                    (default: the state directory; the unit gives\n"
       "                    /run/quorum/ID, its RuntimeDirectory); created mode 0711\n"
       "                    if absent, checked as the state directory is\n"
       "  --key-file FILE   read the passphrase from FILE (must be mode 0600 or\n"
       "                    stricter; one trailing newline is ignored)\n"
       "  --key-credential NAME\n"
       "                    read the passphrase from $CREDENTIALS_DIRECTORY/NAME\n"
       "                    (systemd's LoadCredentialEncrypted=)\n"
       "  --key-fd N        read the passphrase from file descriptor N until EOF\n"
       "                    or newline (e.g. --key-fd 3 3<secret)\n"
       "  --foreground      also log to stderr (logs to syslog, or to the journal\n"
       "                    with the fields ELECTION, STATION, PROFILES, EVENT and\n"
       "                    RULE when systemd runs it)\n"
       "  --read-timeout MS a request line not completed within MS milliseconds is\n"
       "                    answered with error \"timeout\" and the connection closed\n"
       "                    (default 10000)\n"
       "  --idle-timeout S  close a connection that sent no request for S seconds\n"
       "                    (default 600; 0 never)\n"
       "  --admin-group GROUP\n"
       "                    the group of admin.sock (then mode 0660) and the group\n"
       "                    whose members may use it (default: none, mode 0600)\n"
       "  --operator-group GROUP, --booth-group GROUP\n"
       "                    the group of operator.sock / booth.sock and the group\n"
       "                    whose members may use it (default: the daemon's group)\n"
       "  --pending-ttl S   an encrypted ballot neither cast nor challenged within S\n"
       "                    seconds is dropped (default 900)\n"
       "  --worker-user USER  the worker's account when the daemon runs as root\n"
       "                    (default nobody; a dedicated account is better)\n"
       "  --single-process  no worker: one process parses requests and holds the\n"
       "                    keys (the benchmark's baseline; not for polling day)\n"
       "  --help            this text\n"
       "\n"
       "The passphrase is never taken on the command line.  The database keys are\n"
       "derived from it with Argon2id (parameters and salt in STATE/kdf, fixed when\n"
       "the state is created), and it seals the station's log-signing key\n"
       "(STATE/signing-key.sealed), which is never written unsealed and is kept in\n"
       "locked memory left out of core dumps; the daemon makes itself\n"
       "non-dumpable with a zero core-file limit.  The test build (quorum-ballotd-test, never\n"
       "installed) honours QUORUM_TEST_CHEAP_KDF=1 (t=1, m=64 KiB for NEW state)\n"
       "and the fault hooks of docs/spec/protocol.md; this program ignores them.\n"
       "\n"
       "Under systemd (quorum-ballotd@.service) it reports READY=1 once the box\n"
       "and the log are reconciled and its sockets answer, STOPPING=1 on SIGTERM,\n"
       "and WATCHDOG=1 while its admin socket answers.\n"
       "\n"
       "Signals: SIGTERM or SIGINT stop the daemon cleanly.  A kill -9 at any time\n"
       "loses no acknowledged check-in or ballot; the next start reconciles the\n"
       "ballot box with the audit log.\n"
       "\n"
       "Exit status: 0 after a clean stop, 1 on a start-up error (the reason is\n"
       "printed), 2 on a usage or configuration error.\n");

static int read_pass_fd(int fd, uint8_t *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	for (;;) {
		if (n == cap)
			return -1;
		ssize_t r = read(fd, buf + n, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0 || buf[n] == '\n')
			break;
		n++;
	}
	*len = n;
	return 0;
}

static int read_pass_file(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, _("quorum-ballotd: cannot open key file %s: %s\n"), path,
		        strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (sb.st_mode & 077) != 0) {
		fprintf(stderr,
		        _("quorum-ballotd: key file %s must be a regular file readable only "
		          "by its owner (chmod 600)\n"),
		        path);
		close(fd);
		return -1;
	}
	int rc = read_pass_fd(fd, buf, cap, len);
	close(fd);
	if (rc != 0)
		fprintf(stderr, _("quorum-ballotd: cannot read key file %s (at most %zu bytes)\n"),
		        path, cap);
	return rc;
}

/* jansson frees through this: a request's marks (JSON integers and
 * strings) never linger in freed heap memory. */
static void wiping_free(void *p)
{
	if (p != NULL)
		wipe(p, malloc_usable_size(p));
	free(p);
}

#ifndef QUORUM_SYSCONFDIR
#define QUORUM_SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONF QUORUM_SYSCONFDIR "/quorum/ballotd.conf"

/* The election's id and its rule profiles ("UL-2025,CH4"), for the
 * journal's ELECTION= and PROFILES= fields, and the rules in force for the
 * start banner ("UL-2025 v1 sha256 1a2b3c4d, CH4 v1 sha256 …"): the
 * election directory's own profiles (its rules/, listed with their SHA-256
 * in parameters.json, RP-5.2), never the ones built into this program.
 * Empty if the manifest does not load (station_open then says why). */
static void election_ids(const char *dir, char *id, size_t idlen, char *rules, size_t rlen,
                         char *inforce, size_t ilen)
{
	char path[4096];
	elec_findings f;
	elec_manifest *m = NULL;
	rulebook *rb = NULL;
	id[0] = rules[0] = inforce[0] = '\0';
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		return;
	uint8_t *buf = malloc(MANIFEST_MAX_BYTES + 1);
	size_t len = buf != NULL ? fread(buf, 1, MANIFEST_MAX_BYTES + 1, fp) : 0;
	fclose(fp);
	elec_findings_init(&f);
	if (buf != NULL && len <= MANIFEST_MAX_BYTES &&
	    rules_load_election(dir, buf, len, &rb, &m, &f) == Q_OK) {
		snprintf(id, idlen, "%s", m->id);
		size_t at = 0, ia = 0;
		for (size_t i = 0; i < m->nprofiles && ia < ilen; i++) {
			const rule_file *pf = m->profiles[i];
			char hx[65];
			hex_encode(hx, pf->sha256, 32);
			int n = snprintf(inforce + ia, ilen - ia, "%s%s v%u sha256 %.16s",
			                 i ? ", " : "", pf->id, pf->version, hx);
			if (n < 0 || (size_t)n >= ilen - ia) {
				inforce[ia] = '\0';
				break;
			}
			ia += (size_t)n;
		}
		for (size_t i = 0; i < m->nprofiles && at < rlen; i++) {
			int n = snprintf(rules + at, rlen - at, "%s%s", i ? "," : "",
			                 m->profiles[i]->id);
			if (n < 0 || (size_t)n >= rlen - at) {
				rules[at] = '\0';
				break;
			}
			at += (size_t)n;
		}
	}
	free(buf);
	manifest_free(m);
	rulebook_free(rb); /* after the manifest, which points into it */
	elec_findings_free(&f);
}

int main(int argc, char **argv)
{
	/* First: no core file and no ptrace by other users' processes (the
	 * database keys, the signing key and roll names live in memory). */
	struct rlimit nocore = {0, 0};
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 || setrlimit(RLIMIT_CORE, &nocore) != 0) {
		fprintf(stderr, "%s", _("quorum-ballotd: cannot disable core dumps\n"));
		return 1;
	}
	/* Every option with val 0 is a setting (ballotd_conf.h), also
	 * allowed in the configuration file (except key-fd). */
	static const struct option opts[] = {
	    {"election", required_argument, NULL, 0},
	    {"station", required_argument, NULL, 0},
	    {"state", required_argument, NULL, 0},
	    {"socket-dir", required_argument, NULL, 0},
	    {"key-file", required_argument, NULL, 0},
	    {"key-credential", required_argument, NULL, 0},
	    {"key-fd", required_argument, NULL, 0},
	    {"foreground", no_argument, NULL, 0},
	    {"read-timeout", required_argument, NULL, 0},
	    {"idle-timeout", required_argument, NULL, 0},
	    {"admin-group", required_argument, NULL, 0},
	    {"operator-group", required_argument, NULL, 0},
	    {"booth-group", required_argument, NULL, 0},
	    {"pending-ttl", required_argument, NULL, 0},
	    {"worker-user", required_argument, NULL, 'u'},
	    {"single-process", no_argument, NULL, 'S'},
	    {"privsep-worker", required_argument, NULL, 'W'},
	    {"config", required_argument, NULL, 'c'},
	    {"no-config", no_argument, NULL, 'n'},
	    {"check-config", no_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	enum { MAX_ARGS = 64 };
	struct {
		const char *name, *val;
	} given[MAX_ARGS];
	size_t ngiven = 0;
	const char *conf = NULL;
	int noconf = 0, check = 0, bad = 0, c, idx = 0;
	ballotd_opts o;
	int single = 0, is_worker = 0, wfds[4] = {-1, -1, -1, -1};
	unsigned wgen = 0;
	const char *wuser = "nobody";
	uint8_t pass[STATION_PASS_MAX];
	size_t passlen = 0;
	char err[512];
	char eid[128], rules[256], inforce[512] = "";
	station *st = NULL;
	int rc = 1;

	i18n_init();
	bopts_init(&o);
	while ((c = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		switch (c) {
		case 0:
			if (ngiven == MAX_ARGS) {
				fprintf(stderr, "%s", _("quorum-ballotd: too many options\n"));
				return 2;
			}
			given[ngiven].name = opts[idx].name;
			given[ngiven].val = optarg != NULL ? optarg : "";
			ngiven++;
			break;
		case 'c':
			conf = optarg;
			break;
		case 'n':
			noconf = 1;
			break;
		case 'C':
			check = 1;
			break;
		case 'u':
			wuser = optarg;
			break;
		case 'S':
			single = 1;
			break;
		case 'W':
			/* Internal: this process is the worker (P-9). */
			if (sscanf(optarg, "%d,%d,%d,%d,%u", &wfds[0], &wfds[1], &wfds[2], &wfds[3],
			           &wgen) != 5 ||
			    wfds[0] < 3 || wfds[1] < 3 || wfds[2] < 3 || wfds[3] < 3) {
				fprintf(
				    stderr, "%s",
				    _("quorum-ballotd: --privsep-worker is for the daemon's own "
				      "use\n"));
				return 2;
			}
			is_worker = 1;
			break;
		case 'h':
			fputs(_(usage), stdout);
			return 0;
		default:
			fputs(_(usage), stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fputs(_(usage), stderr);
		return 2;
	}
	/* The file first, then the command line, which overrides it.  The
	 * test build reads no file unless --config names one. */
#ifdef QUORUM_TEST_HOOKS
	if (conf == NULL)
		noconf = 1;
#endif
	if (!noconf)
		bad += bopts_read_file(&o, conf != NULL ? conf : DEFAULT_CONF, conf == NULL);
	/* A passphrase source on the command line replaces the file's. */
	for (size_t i = 0; i < ngiven; i++)
		if (strncmp(given[i].name, "key-", 4) == 0) {
			o.keyfile = o.keycred = NULL;
			o.keyfd = -1;
		}
	for (size_t i = 0; i < ngiven; i++) {
		char where[64];
		snprintf(where, sizeof where, "--%s", given[i].name);
		if (bopts_set(&o, given[i].name, given[i].val, where) != 0)
			bad++;
	}
	if (check) {
		bad = bopts_check(&o, noconf ? NULL : conf != NULL ? conf : DEFAULT_CONF, bad);
		bopts_free(&o);
		return bad == 0 ? 0 : 1;
	}
	if (bad != 0) {
		bopts_free(&o);
		return 2;
	}
	if (o.election == NULL || o.station_id == NULL || o.state == NULL || !bopts_key_ok(&o)) {
		fprintf(stderr, "%s",
		        _("quorum-ballotd: need --election, --station, --state and exactly one "
		          "of --key-file, --key-credential, --key-fd (on the command line or in "
		          "the configuration file; see --help)\n"));
		bopts_free(&o);
		return 2;
	}
	svc_log_init();
	/* Both processes: the worker parses every request (tokens, marks)
	 * and passes on every reply (tokens) as jansson objects. */
	json_set_alloc_funcs(malloc, wiping_free);
	if (is_worker) {
		/* The worker (P-9): the public settings only; it never reads
		 * the passphrase. */
		station_config wcfg = {
		    .election_dir = o.election,
		    .station_id = o.station_id,
		    .state_dir = o.state,
		    .socket_dir = o.sockdir,
		    .read_timeout_ms = (int)o.timeout,
		    .foreground = o.fg,
		    .idle_timeout_ms = (int)o.idle * 1000,
		};
		/* admin.sock has a group only if given one */
		wcfg.group_set[0] = o.group_set[0];
		wcfg.gid[0] = o.gid[0];
		for (int r = 1; r < 3; r++) {
			wcfg.group_set[r] = 1;
			wcfg.gid[r] = o.group_set[r] ? o.gid[r] : (unsigned)getegid();
		}
		station_worker_main(&wcfg, wfds, wgen, wuser);
	}
	/* Every file we create (databases, WAL, records) is private. */
	umask(077);
	if (o.keycred != NULL) {
		/* systemd's LoadCredential[Encrypted]= puts the decrypted
		 * passphrase in $CREDENTIALS_DIRECTORY (never on disk). */
		const char *dir = getenv("CREDENTIALS_DIRECTORY");
		char path[4096];
		if (dir == NULL || dir[0] == '\0') {
			fprintf(
			    stderr,
			    _("quorum-ballotd: --key-credential %s: $CREDENTIALS_DIRECTORY is not "
			      "set (run from the systemd unit, or use --key-file)\n"),
			    o.keycred);
			goto out;
		}
		snprintf(path, sizeof path, "%s/%s", dir, o.keycred);
		if (read_pass_file(path, pass, sizeof pass, &passlen) != 0)
			goto out;
	} else if (o.keyfile != NULL) {
		if (read_pass_file(o.keyfile, pass, sizeof pass, &passlen) != 0)
			goto out;
	} else {
		if (read_pass_fd((int)o.keyfd, pass, sizeof pass, &passlen) != 0) {
			fprintf(stderr,
			        _("quorum-ballotd: cannot read the passphrase from fd %ld\n"),
			        o.keyfd);
			goto out;
		}
		close((int)o.keyfd);
	}
	if (passlen == 0) {
		fprintf(stderr, "%s", _("quorum-ballotd: empty passphrase\n"));
		goto out;
	}
	const kdf_params *kdf = NULL;
#ifdef QUORUM_TEST_HOOKS
	kdf_params cheap = {1, 64, 1};
	const char *ck = getenv("QUORUM_TEST_CHEAP_KDF");
	if (ck != NULL && strcmp(ck, "1") == 0)
		kdf = &cheap;
#endif
	{
		election_ids(o.election, eid, sizeof eid, rules, sizeof rules, inforce,
		             sizeof inforce);
		svc_log_context(eid, o.station_id, rules);
	}
	station_config cfg = {
	    .election_dir = o.election,
	    .station_id = o.station_id,
	    .state_dir = o.state,
	    .socket_dir = o.sockdir,
	    .pass = pass,
	    .passlen = passlen,
	    .read_timeout_ms = (int)o.timeout,
	    .foreground = o.fg,
	    .kdf = kdf,
	    .idle_timeout_ms = (int)o.idle * 1000,
	    .pending_ttl_s = (int)o.ttl,
	};
	cfg.group_set[0] = o.group_set[0];
	cfg.gid[0] = o.gid[0];
	for (int r = 1; r < 3; r++) {
		/* Default: the daemon's own group, as the socket file's. */
		cfg.group_set[r] = 1;
		cfg.gid[r] = o.group_set[r] ? o.gid[r] : (unsigned)getegid();
	}
	qerr e = station_open(&st, &cfg, err, sizeof err);
	wipe(pass, sizeof pass);
	if (e != Q_OK) {
		fprintf(stderr, "quorum-ballotd: %s\n", err);
		if (!svc_log_journal())
			syslog(LOG_ERR, "start-up failed: %s", err);
		goto out;
	}
	{
		/* READY=1 once the admin socket answers; WATCHDOG=1 while it
		 * does (service.h).  Nothing happens outside systemd. */
		char admin[4200];
		const char *sdir = o.sockdir != NULL ? o.sockdir : o.state;
		snprintf(admin, sizeof admin, "%s/admin.sock", sdir);
		if (svc_watchdog_start(admin) != 0)
			fprintf(stderr, "%s",
			        _("quorum-ballotd: cannot start the systemd watchdog thread\n"));
		/* Say what started, with or without --foreground (which also
		 * copies the log to stderr); syslog has the rest.  Under systemd
		 * the journal's structured entries say it (station-ready), and
		 * the unit's output is the journal: no banner there. */
		station_info si;
		station_get_info(st, &si);
		const char *what = strcmp(si.state, "open") == 0     ? _("the poll is open")
		                   : strcmp(si.state, "closed") == 0 ? _("the poll is closed")
		                   : si.registered > 0 ? _("roll imported, poll not yet open")
		                                       : _("no roll imported yet");
		if (!svc_log_journal())
			printf(
			    _("quorum-ballotd: station %s of election %s (%s), process %ld\n"
			      "  state: %s; %llu rows on the roll, %llu ballots issued, %llu cast\n"
			      "  poll workers' console: quorum-ballot --state %s COMMAND\n"
			      "  rules in force (the election's own profiles, rules/ of %s): %s\n"
			      "  sockets: %s/admin.sock, %s/operator.sock, %s/booth.sock\n"
			      "  messages go to the system log (journalctl -t quorum-ballotd)%s;\n"
			      "  stop with kill -TERM %ld\n"),
			    o.station_id, si.election, o.election, (long)getpid(), what,
			    (unsigned long long)si.registered, (unsigned long long)si.issued,
			    (unsigned long long)si.cast, sdir, o.election, inforce, sdir, sdir,
			    sdir, o.fg ? _(" and to standard error") : "", (long)getpid());
		fflush(stdout);
	}
	e = single ? station_serve(st, err, sizeof err)
	           : station_serve_privsep(st, argv, err, sizeof err);
	if (e != Q_OK) {
		fprintf(stderr, "quorum-ballotd: %s\n", err);
		goto out;
	}
	rc = 0;
out:
	svc_notify_stopping();
	wipe(pass, sizeof pass);
	station_free(st);
	bopts_free(&o);
	if (!svc_log_journal())
		closelog();
	return rc;
}

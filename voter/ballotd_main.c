/*
 * quorum-ballotd -- the ballot-issuing daemon of one polling station.
 * See --help, docs/protocol.md and docs/guide-poll-worker.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
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
#include "station.h"

#include "banned.h"

static const char *const usage =
    N_("Usage: quorum-ballotd --election DIR --station ID --state DIR\n"
       "                      (--key-file FILE | --key-fd N) [--foreground]\n"
       "                      [--read-timeout MS] [--idle-timeout S]\n"
       "                      [--operator-group GROUP] [--booth-group GROUP]\n"
       "                      [--pending-ttl S] [--worker-user USER]\n"
       "                      [--single-process]\n"
       "\n"
       "The ballot-issuing daemon of one polling station.  It loads the election\n"
       "directory, opens (or creates) the station's encrypted roll DB, ballot box and\n"
       "audit log in the state directory, and serves the poll workers' console and\n"
       "the booth terminals on three UNIX sockets in the state directory:\n"
       "\n"
       "  admin.sock     mode 0600  open, close, import-roll, export, status, ping\n"
       "  operator.sock  mode 0660  lookup, checkin (alias issue), reissue, status,\n"
       "                            ping\n"
       "  booth.sock     mode 0660  ballot, encrypt, cast, challenge, receipt, ping\n"
       "\n"
       "Access control: the socket permissions, and the peer's credentials\n"
       "(SO_PEERCRED): root and the daemon's own user may use every socket; a\n"
       "member of --operator-group only operator.sock, of --booth-group only\n"
       "booth.sock; anyone else is answered \"forbidden\".  Each role has its own\n"
       "connection limit (admin 16, operator 112, booth 896), so the admin socket\n"
       "stays reachable.  The state directory must belong to the daemon's user and\n"
       "not be writable by group or others.\n"
       "Requests are newline-delimited JSON (docs/protocol.md).\n"
       "\n"
       "Privilege separation: the process started holds the station's signing key\n"
       "and the database keys (the monitor); it starts a worker, this program again,\n"
       "which serves the sockets, parses every request and asks the monitor for a\n"
       "fixed set of typed operations (docs/spec/protocol.md P-9).  The worker holds\n"
       "no key, runs as --worker-user when started as root, and is confined by a\n"
       "seccomp allow-list; if it dies, the monitor logs why and starts another.\n"
       "\n"
       "Options:\n"
       "  --election DIR    election directory: manifest.json, joint-key (130 hex\n"
       "                    digits, the joint public key), optionally base-hash\n"
       "  --station ID      this station's id in the manifest\n"
       "  --state DIR       the station's state (created mode 0711 if absent, files\n"
       "                    0600):\n"
       "                    kdf, signing-key.sealed, roll.db, box.db, log/,\n"
       "                    station-record.json(.sig); owned by the daemon's user,\n"
       "                    not writable by group or others\n"
       "  --key-file FILE   read the passphrase from FILE (must be mode 0600 or\n"
       "                    stricter; one trailing newline is ignored)\n"
       "  --key-fd N        read the passphrase from file descriptor N until EOF\n"
       "                    or newline (e.g. --key-fd 3 3<secret)\n"
       "  --foreground      also log to stderr (always logs to syslog)\n"
       "  --read-timeout MS a request line not completed within MS milliseconds is\n"
       "                    answered with error \"timeout\" and the connection closed\n"
       "                    (default 10000)\n"
       "  --idle-timeout S  close a connection that sent no request for S seconds\n"
       "                    (default 600; 0 never)\n"
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
       "Signals: SIGTERM or SIGINT stop the daemon cleanly.  A kill -9 at any time\n"
       "loses no acknowledged check-in or ballot; the next start reconciles the\n"
       "ballot box with the audit log.\n"
       "\n"
       "Exit status: 0 after a clean stop, 1 on a start-up error (the reason is\n"
       "printed), 2 on a usage error.\n");

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

static int parse_int(const char *s, long lo, long hi, long *out)
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
	if (parse_int(name, 0, 0x7fffffff, &v) == 0) {
		*gid = (unsigned)v;
		return 0;
	}
	if (getgrnam_r(name, &gr, buf, sizeof buf, &gp) != 0 || gp == NULL)
		return -1;
	*gid = (unsigned)gp->gr_gid;
	return 0;
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
	static const struct option opts[] = {
	    {"election", required_argument, NULL, 'e'},
	    {"station", required_argument, NULL, 's'},
	    {"state", required_argument, NULL, 'd'},
	    {"key-file", required_argument, NULL, 'k'},
	    {"key-fd", required_argument, NULL, 'f'},
	    {"foreground", no_argument, NULL, 'F'},
	    {"read-timeout", required_argument, NULL, 't'},
	    {"idle-timeout", required_argument, NULL, 'i'},
	    {"operator-group", required_argument, NULL, 'o'},
	    {"booth-group", required_argument, NULL, 'b'},
	    {"pending-ttl", required_argument, NULL, 'p'},
	    {"worker-user", required_argument, NULL, 'u'},
	    {"single-process", no_argument, NULL, 'S'},
	    {"privsep-worker", required_argument, NULL, 'W'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *election = NULL, *station_id = NULL, *state = NULL, *keyfile = NULL;
	long keyfd = -1, timeout = 10000, idle = 600, ttl = 900;
	int group_set[3] = {0, 0, 0};
	unsigned gid[3] = {0, 0, 0};
	int fg = 0, c, single = 0, is_worker = 0, wfds[4] = {-1, -1, -1, -1};
	unsigned wgen = 0;
	const char *wuser = "nobody";
	uint8_t pass[STATION_PASS_MAX];
	size_t passlen = 0;
	char err[512];
	station *st = NULL;
	int rc = 1;

	i18n_init();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			election = optarg;
			break;
		case 's':
			station_id = optarg;
			break;
		case 'd':
			state = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'f':
			if (parse_int(optarg, 0, 65535, &keyfd) != 0) {
				fprintf(
				    stderr, "%s",
				    _("quorum-ballotd: --key-fd needs a file descriptor number\n"));
				return 2;
			}
			break;
		case 'F':
			fg = 1;
			break;
		case 't':
			if (parse_int(optarg, 100, 3600000, &timeout) != 0) {
				fprintf(
				    stderr, "%s",
				    _("quorum-ballotd: --read-timeout must be 100..3600000 ms\n"));
				return 2;
			}
			break;
		case 'i':
			if (parse_int(optarg, 0, 86400, &idle) != 0) {
				fprintf(stderr, "%s",
				        _("quorum-ballotd: --idle-timeout must be 0..86400 s\n"));
				return 2;
			}
			break;
		case 'p':
			if (parse_int(optarg, 1, 86400, &ttl) != 0) {
				fprintf(stderr, "%s",
				        _("quorum-ballotd: --pending-ttl must be 1..86400 s\n"));
				return 2;
			}
			break;
		case 'o':
		case 'b': {
			int r = c == 'o' ? 1 : 2;
			if (parse_group(optarg, &gid[r]) != 0) {
				fprintf(stderr, _("quorum-ballotd: no such group: %s\n"), optarg);
				return 2;
			}
			group_set[r] = 1;
			break;
		}
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
	if (optind != argc || election == NULL || station_id == NULL || state == NULL ||
	    (keyfile == NULL) == (keyfd < 0)) {
		fprintf(stderr, "%s",
		        _("quorum-ballotd: need --election, --station, --state and exactly one "
		          "of --key-file, --key-fd (see --help)\n"));
		return 2;
	}
	openlog("quorum-ballotd", LOG_PID, LOG_DAEMON);
	if (is_worker) {
		station_config wcfg = {
		    .election_dir = election,
		    .station_id = station_id,
		    .state_dir = state,
		    .read_timeout_ms = (int)timeout,
		    .foreground = fg,
		    .idle_timeout_ms = (int)idle * 1000,
		};
		for (int r = 1; r < 3; r++) {
			wcfg.group_set[r] = 1;
			wcfg.gid[r] = group_set[r] ? gid[r] : (unsigned)getegid();
		}
		station_worker_main(&wcfg, wfds, wgen, wuser);
	}
	json_set_alloc_funcs(malloc, wiping_free);
	/* Every file we create (databases, WAL, records) is private. */
	umask(077);
	if (keyfile != NULL) {
		if (read_pass_file(keyfile, pass, sizeof pass, &passlen) != 0)
			goto out;
	} else {
		if (read_pass_fd((int)keyfd, pass, sizeof pass, &passlen) != 0) {
			fprintf(stderr,
			        _("quorum-ballotd: cannot read the passphrase from fd %ld\n"),
			        keyfd);
			goto out;
		}
		close((int)keyfd);
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
	station_config cfg = {
	    .election_dir = election,
	    .station_id = station_id,
	    .state_dir = state,
	    .pass = pass,
	    .passlen = passlen,
	    .read_timeout_ms = (int)timeout,
	    .foreground = fg,
	    .kdf = kdf,
	    .idle_timeout_ms = (int)idle * 1000,
	    .pending_ttl_s = (int)ttl,
	};
	for (int r = 1; r < 3; r++) {
		/* Default: the daemon's own group, as the socket file's. */
		cfg.group_set[r] = 1;
		cfg.gid[r] = group_set[r] ? gid[r] : (unsigned)getegid();
	}
	qerr e = station_open(&st, &cfg, err, sizeof err);
	wipe(pass, sizeof pass);
	if (e != Q_OK) {
		fprintf(stderr, "quorum-ballotd: %s\n", err);
		syslog(LOG_ERR, "start-up failed: %s", err);
		goto out;
	}
	e = single ? station_serve(st, err, sizeof err)
	           : station_serve_privsep(st, argv, err, sizeof err);
	if (e != Q_OK) {
		fprintf(stderr, "quorum-ballotd: %s\n", err);
		goto out;
	}
	rc = 0;
out:
	wipe(pass, sizeof pass);
	station_free(st);
	closelog();
	return rc;
}

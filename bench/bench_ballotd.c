/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_ballotd -- load benchmark of quorum-ballotd: durable casts per
 * second and p50/p99 latency with 64 concurrent booth clients, beside the
 * encrypt-and-prove floor and the fsync floor measured in the same run.
 *
 *   ./build/bench/bench_ballotd [CASTS [CLIENTS]]     (default 3000 64)
 *
 * It runs the daemon twice in the same run, --single-process and then
 * privilege-separated (monitor + worker, docs/spec/protocol.md P-9), and
 * prints casts/s of both and their ratio (issue 16: split >= 0.9 x single).
 *
 * It starts the real daemon (built beside it) in a temporary directory,
 * imports a roll, opens the poll, checks in CASTS voters, then runs
 * CLIENTS threads, each with one booth connection casting its share of
 * the tokens with "cast" + marks (encrypt, prove, group commit, receipt).
 * The ballot is the 7-option committee ballot of tests/voter (director
 * 0..1 of 2, members 0..3 of 5).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto/group.h"
#include "crypto/transcript.h"
#include "crypto/sha256.h"
#include "crypto/util.h"
#include "election/ballot.h"
#include "election/manifest.h"
#include "election/rules_record.h"

#ifndef BALLOTD_PATH
#define BALLOTD_PATH "voter/quorum-ballotd"
#endif

static const char manifest[] =
    "{\"format\":\"quorum-manifest/1\",\"id\":\"bench\",\"title\":{\"zh\":\"测试\",\"en\":"
    "\"Bench\"},\"kind\":\"election\",\"charter\":\"CH1\",\"body\":{\"mode\":\"residents\","
    "\"registered\":1000,\"households\":400,\"groups\":4},\"committee\":{\"members\":7,"
    "\"term_years\":5},\"stations\":[{\"id\":\"s1\",\"name\":\"S1\",\"groups\":[\"g1\",\"g2\"]},"
    "{\"id\":\"s2\",\"name\":\"S2\",\"groups\":[\"g3\",\"g4\"]}],\"dates\":{\"polling_day\":"
    "\"2026-03-15\",\"roll_published\":\"2026-02-20\"},\"contests\":[{\"id\":\"director\","
    "\"type\":\"office\",\"title\":{\"zh\":\"主任\",\"en\":\"Director\"},\"seats\":1,"
    "\"candidates\":[{\"id\":\"c1\",\"voter\":\"V0001\",\"name\":\"A\",\"nomination\":{\"by\":"
    "\"party\"}},{\"id\":\"c2\",\"voter\":\"V0002\",\"name\":\"B\",\"nomination\":{\"by\":"
    "\"voters\",\"count\":14}}],\"rules\":[\"UL19\"]},{\"id\":\"members\",\"type\":\"office\","
    "\"title\":{\"zh\":\"委员\",\"en\":\"Members\"},\"seats\":3,\"candidates\":[{\"id\":\"m1\","
    "\"voter\":\"V0003\",\"name\":\"C\",\"nomination\":{\"by\":\"party\"}},{\"id\":\"m2\","
    "\"voter\":\"V0004\",\"name\":\"D\",\"nomination\":{\"by\":\"voters\",\"count\":10}},"
    "{\"id\":\"m3\",\"voter\":\"V0005\",\"name\":\"E\",\"nomination\":{\"by\":\"voters\","
    "\"count\":22}},{\"id\":\"m4\",\"voter\":\"V0006\",\"name\":\"F\",\"nomination\":{\"by\":"
    "\"party\"}},{\"id\":\"m5\",\"voter\":\"V0008\",\"name\":\"G\",\"nomination\":{\"by\":"
    "\"voters\",\"count\":11}}],\"rules\":[\"UL19\"]}]}\n";

static char state_dir[300];
static char (*tokens)[40];
static double *lat;
static int ncasts, nclients;
static volatile int failures;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *msg)
{
	fprintf(stderr, "bench_ballotd: %s\n", msg);
	exit(1);
}

static void put(const char *path, const char *s, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(s, 1, n, f) != n || fclose(f) != 0)
		die("cannot write a file");
}

static int conn(const char *role)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	char p[400];
	int n = snprintf(p, sizeof p, "%s/%s.sock", state_dir, role);
	if (n < 0 || (size_t)n >= sizeof sa.sun_path)
		return -1;
	memcpy(sa.sun_path, p, (size_t)n + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static json_t *rpc(int fd, const char *line)
{
	size_t n = strlen(line), off = 0;
	while (off < n) {
		ssize_t w = send(fd, line + off, n - off, MSG_NOSIGNAL);
		if (w <= 0)
			return NULL;
		off += (size_t)w;
	}
	char buf[16384];
	size_t len = 0;
	for (;;) {
		ssize_t r = recv(fd, buf + len, sizeof buf - 1 - len, 0);
		if (r <= 0)
			return NULL;
		len += (size_t)r;
		char *nl = memchr(buf, '\n', len);
		if (nl != NULL)
			return json_loadb(buf, (size_t)(nl - buf), 0, NULL);
		if (len == sizeof buf - 1)
			return NULL;
	}
}

static int okreq(int fd, const char *line)
{
	json_t *r = rpc(fd, line);
	int ok = r != NULL && json_is_true(json_object_get(r, "ok"));
	json_decref(r);
	return ok;
}

static void *client(void *arg)
{
	int c = (int)(intptr_t)arg;
	int fd = conn("booth");
	static const char *const marks[] = {"[[1,0],[1,1,0,0,1]]", "[[0,1],[0,0,1,0,0]]",
	                                    "[[0,0],[0,0,0,0,0]]", "[[1,0],[0,1,1,1,0]]"};
	if (fd < 0) {
		__atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
		return NULL;
	}
	for (int i = c; i < ncasts; i += nclients) {
		char line[300];
		snprintf(line, sizeof line, "{\"op\":\"cast\",\"token\":\"%.32s\",\"marks\":%s}\n",
		         tokens[i], marks[i % 4]);
		double t0 = now();
		if (!okreq(fd, line))
			__atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
		lat[i] = now() - t0;
	}
	close(fd);
	return NULL;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Encrypt-and-prove floor: one thread, the same 7-option ballot. */
static double thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Returns wall seconds per ballot; *cpu gets CPU seconds per ballot. */
static double floor_encrypt(int n, double *cpu)
{
	uint8_t bh[32] = {1};
	ballot_style *st = ballot_style_new(2, bh);
	st->contests[0] = (ballot_contest_style){2, 0, 1, 0, NULL, 0};
	st->contests[1] = (ballot_contest_style){5, 0, 3, 0, NULL, 0};
	if (ballot_style_check(st, NULL, 0) != Q_OK)
		die("style");
	scalar *s = scalar_new();
	point *K = point_new();
	if (scalar_set_u64(s, 7) != Q_OK || point_mul_base(K, s) != Q_OK)
		die("key");
	point_table *Kt = point_table_new(K);
	const uint8_t m[7] = {1, 0, 1, 1, 0, 0, 1};
	double c0 = thread_cpu();
	double t0 = now();
	for (int i = 0; i < n; i++) {
		ballot *b = NULL;
		uint8_t *enc;
		size_t len;
		uint8_t code[32];
		if (ballot_encrypt(st, Kt, m, 7, &b, NULL) != Q_OK ||
		    ballot_encode(b, &enc, &len) != Q_OK)
			die("encrypt");
		ballot_tracking_code(code, st, enc, len);
		free(enc);
		ballot_free(b);
	}
	double t = (now() - t0) / n;
	*cpu = (thread_cpu() - c0) / n;
	point_table_free(Kt);
	point_free(K);
	scalar_free(s);
	ballot_style_free(st);
	return t;
}

/* fsync floor: 4 KiB write + fdatasync in the state directory. */
static double floor_fsync(int n)
{
	char p[400];
	snprintf(p, sizeof p, "%s/fsync-probe", state_dir);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	char buf[4096];
	memset(buf, 0x5a, sizeof buf);
	if (fd < 0)
		die("fsync probe");
	double t0 = now();
	for (int i = 0; i < n; i++) {
		if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf || fdatasync(fd) != 0)
			die("fsync probe");
	}
	double t = (now() - t0) / n;
	close(fd);
	unlink(p);
	return t;
}

/* CPU seconds (user + system) used so far by process pid. */
static double cpu_s(pid_t pid)
{
	char p[64], buf[1024];
	snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(p, "r");
	if (f == NULL)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *q = strrchr(buf, ')');
	unsigned long ut = 0, st = 0;
	if (q == NULL ||
	    sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static long rss_kib(pid_t pid, const char *field)
{
	char p[64], line[256];
	long v = -1;
	snprintf(p, sizeof p, "/proc/%d/status", (int)pid);
	FILE *f = fopen(p, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, field, strlen(field)) == 0)
			v = strtol(line + strlen(field) + 1, NULL, 10);
	fclose(f);
	return v;
}

typedef struct run_result {
	double tc, wall, cpu, p50, p99;
	long hwm_kib;
	int failures;
} run_result;

/* The pid of pid's first child (the privilege-separated worker), or 0. */
static pid_t child_of(pid_t pid)
{
	char p[96];
	snprintf(p, sizeof p, "/proc/%d/task/%d/children", (int)pid, (int)pid);
	FILE *f = fopen(p, "r");
	int c = 0;
	if (f != NULL) {
		if (fscanf(f, "%d", &c) != 1)
			c = 0;
		fclose(f);
	}
	return (pid_t)c;
}

/* One daemon (single: --single-process) in a fresh state directory under
 * base: import, open, check in ncasts voters, then the clients cast. */
static void run(const char *base, const char *el, const char *roll, int single, run_result *res)
{
	char line[600];
	snprintf(state_dir, sizeof state_dir, "%s/state-%s", base, single ? "single" : "split");
	failures = 0;
	int pp[2];
	if (pipe(pp) != 0)
		die("pipe");
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pp[0], 3);
		close(pp[1]);
		setenv("QUORUM_TEST_CHEAP_KDF", "1", 1);
		int nul = open("/dev/null", O_WRONLY);
		dup2(nul, 2);
		execl(BALLOTD_PATH, BALLOTD_PATH, "--election", el, "--station", "s1", "--state",
		      state_dir, "--key-fd", "3", single ? "--single-process" : (char *)NULL,
		      (char *)NULL);
		_exit(127);
	}
	close(pp[0]);
	if (write(pp[1], "bench", 5) != 5)
		die("pass");
	close(pp[1]);
	int fd = -1;
	for (int i = 0; i < 500 && fd < 0; i++) {
		struct timespec ts = {0, 20000000};
		nanosleep(&ts, NULL);
		fd = conn("admin");
	}
	if (fd < 0)
		die("daemon did not start (" BALLOTD_PATH ")");
	snprintf(line, sizeof line, "{\"op\":\"import-roll\",\"path\":\"%s\"}\n", roll);
	if (!okreq(fd, line) || !okreq(fd, "{\"op\":\"open\"}\n"))
		die("import/open failed");
	close(fd);
	fd = conn("operator");
	double tc = now();
	for (int i = 0; i < ncasts; i++) {
		snprintf(line, sizeof line, "{\"op\":\"checkin\",\"voter\":\"V%04d\"}\n", i + 1);
		json_t *r = rpc(fd, line);
		const char *t = json_string_value(json_object_get(r, "token"));
		if (t == NULL)
			die("checkin failed");
		snprintf(tokens[i], sizeof tokens[i], "%s", t);
		json_decref(r);
	}
	res->tc = now() - tc;
	close(fd);

	pid_t worker = single ? 0 : child_of(pid);
	pthread_t *th = calloc((size_t)nclients, sizeof *th);
	double cpu0 = cpu_s(pid) + (worker > 0 ? cpu_s(worker) : 0);
	double t0 = now();
	for (int c = 0; c < nclients; c++)
		pthread_create(&th[c], NULL, client, (void *)(intptr_t)c);
	for (int c = 0; c < nclients; c++)
		pthread_join(th[c], NULL);
	free(th);
	res->wall = now() - t0;
	res->cpu = cpu_s(pid) + (worker > 0 ? cpu_s(worker) : 0) - cpu0;
	res->hwm_kib = rss_kib(pid, "VmHWM:") + (worker > 0 ? rss_kib(worker, "VmHWM:") : 0);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	qsort(lat, (size_t)ncasts, sizeof *lat, cmpd);
	res->p50 = lat[ncasts / 2];
	res->p99 = lat[(size_t)((double)ncasts * 0.99)];
	res->failures = failures;
}

int main(int argc, char **argv)
{
	ncasts = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 3000;
	nclients = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 64;
	if (ncasts < 1 || ncasts > 1000000 || nclients < 1 || nclients > 512)
		die("usage: bench_ballotd [CASTS [CLIENTS]]");
	char base[] = "/tmp/bench-ballotd-XXXXXX";
	if (mkdtemp(base) == NULL)
		die("mkdtemp");
	char el[300], roll[300], p[400];
	snprintf(el, sizeof el, "%s/el", base);
	snprintf(state_dir, sizeof state_dir, "%s/state", base);
	snprintf(roll, sizeof roll, "%s/roll.csv", base);
	mkdir(el, 0700);
	snprintf(p, sizeof p, "%s/manifest.json", el);
	put(p, manifest, strlen(manifest));
	{
		scalar *s = scalar_new();
		point *K = point_new();
		uint8_t enc[POINT_LEN];
		char hex[2 * POINT_LEN + 2];
		if (scalar_set_u64(s, 7) != Q_OK || point_mul_base(K, s) != Q_OK ||
		    point_encode(enc, K) != Q_OK)
			die("key");
		hex_encode(hex, enc, POINT_LEN);
		snprintf(p, sizeof p, "%s/joint-key", el);
		put(p, hex, strlen(hex));
		scalar_free(s);
		point_free(K);
	}
	size_t cap = 64 + (size_t)ncasts * 48, n = 0;
	char *csv = malloc(cap);
	n += (size_t)snprintf(csv, cap, "id,name,birth_date,household,group,flags\n");
	for (int i = 1; i <= ncasts + 10; i++) {
		if (n + 80 > cap) {
			cap *= 2;
			csv = realloc(csv, cap);
		}
		n += (size_t)snprintf(csv + n, cap - n, "V%04d,N%d,1980-01-01,H%d,g%d,\n", i, i, i,
		                      1 + i % 2);
	}
	put(roll, csv, n);
	{
		/* parameters.json as quorum-tally init writes it: the
		 * daemon imports only the roll with this hash (P-6.1) */
		uint8_t rh[32];
		char rhx[65], pj[2000];
		sha256(rh, csv, n);
		hex_encode(rhx, rh, 32);
		/* and the rule profiles the manifest uses, copied and listed
		 * with their SHA-256 (docs/spec/rules.md RP-5.1) */
		elec_manifest *bm = NULL;
		elec_findings bf;
		elec_findings_init(&bf);
		if (manifest_parse((const uint8_t *)manifest, strlen(manifest), &bm, &bf) != Q_OK)
			die("manifest");
		elec_findings_free(&bf);
		snprintf(p, sizeof p, "%s/rules", el);
		(void)mkdir(p, 0700);
		for (size_t i = 0; i < bm->nprofiles; i++) {
			snprintf(p, sizeof p, "%s/rules/%s.json", el, bm->profiles[i]->id);
			put(p, (const char *)bm->profiles[i]->bytes, bm->profiles[i]->len);
		}
		json_t *rl = rules_params_list(bm);
		char *rls = rl != NULL ? json_dumps(rl, JSON_COMPACT) : NULL;
		if (rls == NULL)
			die("rules list");
		int pl = snprintf(pj, sizeof pj,
		                  "{\"format\":\"quorum-parameters/2\",\"group\":\"P-256\","
		                  "\"key_ceremony\":null,\"previous_round\":null,\"roll_hash\":"
		                  "\"%s\",\"round\":1,\"rules\":%s,\"threshold\":1,"
		                  "\"trustees\":1}\n",
		                  rhx, rls);
		free(rls);
		json_decref(rl);
		manifest_free(bm);
		snprintf(p, sizeof p, "%s/parameters.json", el);
		put(p, pj, (size_t)pl);
		/* the base hash as quorum-tally init writes it; the
		 * daemon checks it against the two files */
		uint8_t bh[32];
		char bhx[65];
		transcript t;
		if (transcript_init(&t, "quorum/v1/election/base-hash") != Q_OK)
			die("transcript");
		transcript_bytes(&t, manifest, strlen(manifest));
		transcript_bytes(&t, pj, (size_t)pl);
		transcript_digest(&t, bh);
		hex_encode(bhx, bh, 32);
		snprintf(p, sizeof p, "%s/base-hash", el);
		put(p, bhx, 64);
	}
	free(csv);

	tokens = calloc((size_t)ncasts, sizeof *tokens);
	lat = calloc((size_t)ncasts, sizeof *lat);
	/* Both modes in the same run (issue 16: split >= 0.9 x single). */
	run_result one, split;
	run(base, el, roll, 1, &one);
	run(base, el, roll, 0, &split);
	double tc = split.tc, wall = split.wall, cpu = split.cpu, p50 = split.p50, p99 = split.p99;
	long hwm = split.hwm_kib;
	failures = one.failures + split.failures;
	char line[600];
	snprintf(state_dir, sizeof state_dir, "%s", base);

	double fe_cpu;
	double fe = floor_encrypt(200, &fe_cpu);
	double fs = floor_fsync(200);
	double rate = ncasts / wall;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	double floor_rate = (double)(ncpu > 0 ? ncpu : 1) / fe_cpu;

	printf("quorum-ballotd load: %d casts, %d concurrent booth clients, 7-option ballot\n",
	       ncasts, nclients);
	printf("privilege separation (monitor + worker, P-9) against --single-process:\n");
	printf("  single process:    %8.0f casts/s   p50 %.2f ms  p99 %.2f ms  CPU/cast %.3f ms\n",
	       ncasts / one.wall, one.p50 * 1e3, one.p99 * 1e3, one.cpu / ncasts * 1e3);
	printf("  split:             %8.0f casts/s   p50 %.2f ms  p99 %.2f ms  CPU/cast %.3f ms\n",
	       rate, p50 * 1e3, p99 * 1e3, cpu / ncasts * 1e3);
	printf("  split / single:    %8.2f x         (goal >= 0.90)\n", one.wall / wall);
	printf("the split daemon in detail:\n");
	printf("  check-ins (1 operator, sequential): %.0f/s\n", ncasts / tc);
	printf("  durable casts:     %8.0f casts/s   (target >= 1000)\n", rate);
	printf("  latency p50:       %8.2f ms\n", p50 * 1e3);
	printf("  latency p99:       %8.2f ms        (target <= 50)\n", p99 * 1e3);
	printf("  daemon peak RSS:   %8.1f MB        (monitor + worker; target <= 64)\n",
	       hwm / 1024.0);
	printf("  daemon CPU/cast:   %8.3f ms        (both processes, user+sys)\n",
	       cpu / ncasts * 1e3);
	printf("  failures:          %8d\n", failures);
	printf("floors measured in this run:\n");
	printf("  encrypt+prove one ballot, 1 thread: %.3f ms CPU (%.3f ms wall) -> %.0f "
	       "ballots/s on %ld idle cores\n",
	       fe_cpu * 1e3, fe * 1e3, floor_rate, ncpu);
	printf("  fsync (4 KiB write + fdatasync):    %.3f ms\n", fs * 1e3);
	printf("ratios: casts/s = %.2f x the encrypt-and-prove floor; daemon CPU per cast = %.2f x "
	       "the floor's CPU per ballot; p50 = %.1f fsync floors\n",
	       rate / floor_rate, cpu / ncasts / fe_cpu, p50 / fs);
	double load[1];
	if (getloadavg(load, 1) == 1)
		printf("(load average during the run: %.2f on %ld cores; other work on the machine "
		       "lowers casts/s but not CPU per cast)\n",
		       load[0], ncpu);
	snprintf(line, sizeof line, "rm -rf %s", base);
	if (system(line) != 0)
		fprintf(stderr, "could not remove %s\n", base);
	return failures != 0;
}

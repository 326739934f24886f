/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_audit -- audit log throughput, each figure beside its floor measured
 * in the same run (docs/spec/audit.md; DESIGN targets: batched durable appends
 * >= 50,000/s, verify a 1,000,000-entry log <= 2 s).
 *
 *   bench_audit [ENTRY_BYTES [VERIFY_ENTRIES [BATCH]]]   (defaults 128, 1000000, 1000)
 *
 * Floors: "sha" = the SHA-256 calls the operation must make (one leaf hash per
 * entry and one node hash per entry, amortised), timed on the same inputs;
 * "fsync" = fdatasync after a small append to a file in the same directory,
 * averaged.  Work happens in a fresh directory under $TMPDIR (or /tmp),
 * removed at the end.
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit/log.h"
#include "audit/merkle.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int rm_cb(const char *p, const struct stat *sb, int f, struct FTW *ftw)
{
	(void)sb;
	(void)f;
	(void)ftw;
	return remove(p);
}

static void die(const char *what, audit_log *lg)
{
	fprintf(stderr, "bench_audit: %s failed: %s\n", what, lg ? log_error(lg) : "");
	exit(1);
}

/* Seconds per fdatasync of a file that just grew by 64 bytes. */
static double fsync_floor(const char *dir, int n)
{
	char p[4200];
	snprintf(p, sizeof p, "%s/fsync-probe", dir);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("open probe", NULL);
	char buf[64] = {0};
	double t0 = now();
	for (int i = 0; i < n; i++) {
		if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf || fdatasync(fd) != 0)
			die("probe write", NULL);
	}
	double t = (now() - t0) / n;
	close(fd);
	unlink(p);
	return t;
}

/* Seconds per entry of SHA-256 work: one leaf hash of len bytes + one node hash. */
static double sha_floor(size_t len, int n)
{
	uint8_t *e = calloc(1, len + 1);
	merkle_hash h, a = {0}, b = {1};
	double t0 = now();
	for (int i = 0; i < n; i++) {
		e[0] = (uint8_t)i;
		merkle_leaf_hash(h, e, len);
		merkle_node_hash(a, a, h);
	}
	double t = (now() - t0) / n;
	(void)b;
	free(e);
	return t;
}

static void fill(uint8_t *e, size_t len, uint64_t i)
{
	memset(e, 0x5a, len);
	if (len >= 8)
		memcpy(e, &i, 8);
}

int main(int argc, char **argv)
{
	size_t esz = argc > 1 ? strtoul(argv[1], NULL, 10) : 128;
	uint64_t nverify = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000;
	size_t batch = argc > 3 ? strtoul(argv[3], NULL, 10) : 1000;
	if (esz > MERKLE_MAX_ENTRY || batch == 0 || nverify == 0) {
		fprintf(stderr, "usage: bench_audit [ENTRY_BYTES [VERIFY_ENTRIES [BATCH]]]\n");
		return 2;
	}
	const char *base = getenv("TMPDIR");
	char dir[3900], ldir[4000];
	snprintf(dir, sizeof dir, "%s/bench-audit-XXXXXX", base && base[0] ? base : "/tmp");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", NULL);
	char msg[LOG_MSG_MAX];
	audit_log *lg = NULL;
	uint64_t idx = 0;
	uint8_t *e = malloc(esz + 8);
	log_entry *ents = calloc(batch, sizeof *ents);
	uint8_t *ebuf = malloc(batch * (esz + 8));
	if (e == NULL || ents == NULL || ebuf == NULL)
		die("malloc", NULL);
	for (size_t i = 0; i < batch; i++) {
		ents[i].data = ebuf + i * (esz + 8);
		ents[i].len = esz;
	}

	double fs = fsync_floor(dir, 300);
	double sh = sha_floor(esz, 200000);
	printf("entry size %zu bytes; floors: fdatasync %.1f us, SHA-256 per entry (leaf+node) "
	       "%.3f us\n",
	       esz, fs * 1e6, sh * 1e6);

	/* 1. Single durable appends: 2 fdatasyncs each (entries, leaves). */
	snprintf(ldir, sizeof ldir, "%s/single", dir);
	if (log_create(ldir, "bench.example/single", &lg, msg, sizeof msg) != Q_OK)
		die("log_create", NULL);
	int nsingle = 1000;
	double t0 = now();
	for (int i = 0; i < nsingle; i++) {
		fill(e, esz, (uint64_t)i);
		if (log_append(lg, e, esz, &idx) != Q_OK)
			die("log_append", lg);
	}
	double ts = (now() - t0) / nsingle;
	double floor1 = 2 * fs + sh;
	printf("single append (durable):   %9.0f appends/s  (%.1f us each; floor 2 fsync + sha "
	       "= %.1f us, ratio %.2f)\n",
	       1 / ts, ts * 1e6, floor1 * 1e6, ts / floor1);
	log_close(lg);

	/* 2. Batched durable appends: 2 fdatasyncs per batch. */
	snprintf(ldir, sizeof ldir, "%s/batch", dir);
	if (log_create(ldir, "bench.example/batch", &lg, msg, sizeof msg) != Q_OK)
		die("log_create", NULL);
	uint64_t nb = 200;
	t0 = now();
	for (uint64_t b = 0; b < nb; b++) {
		for (size_t i = 0; i < batch; i++)
			fill(ebuf + i * (esz + 8), esz, b * batch + i);
		if (log_append_batch(lg, ents, batch, &idx) != Q_OK)
			die("log_append_batch", lg);
	}
	double tb = (now() - t0) / (double)(nb * batch);
	double floorb = 2 * fs / (double)batch + sh;
	printf("batched append (%zu/batch): %9.0f appends/s  (%.2f us each; floor 2 fsync/batch "
	       "+ sha = %.2f us, ratio %.2f)  [target >= 50,000/s]\n",
	       batch, 1 / tb, tb * 1e6, floorb * 1e6, tb / floorb);
	log_close(lg);

	/* 3. Verify an nverify-entry log: open (rebuild the tree from leaves) + re-hash. */
	snprintf(ldir, sizeof ldir, "%s/verify", dir);
	if (log_create(ldir, "bench.example/verify", &lg, msg, sizeof msg) != Q_OK)
		die("log_create", NULL);
	for (uint64_t done = 0; done < nverify;) {
		size_t k = nverify - done < batch ? (size_t)(nverify - done) : batch;
		for (size_t i = 0; i < k; i++)
			fill(ebuf + i * (esz + 8), esz, done + i);
		if (log_append_batch(lg, ents, k, &idx) != Q_OK)
			die("log_append_batch", lg);
		done += k;
	}
	char *note = NULL;
	size_t nl = 0;
	if (log_checkpoint_sign(lg, &note, &nl) != Q_OK)
		die("checkpoint", lg);
	free(note);
	log_close(lg);
	t0 = now();
	if (log_open(ldir, LOG_RDONLY, &lg, msg, sizeof msg) != Q_OK)
		die("log_open", NULL);
	double topen = now() - t0;
	uint64_t n = 0;
	size_t ncp = 0;
	if (log_verify(lg, &n, &ncp) != Q_OK || n != nverify)
		die("log_verify", lg);
	double tv = now() - t0;
	log_close(lg);
	double floorv = sh * (double)nverify;
	printf("verify %llu entries:   %.3f s (open %.3f s + re-hash/check %.3f s; floor "
	       "SHA-256 %.3f s, ratio %.2f)  [target <= 2 s]\n",
	       (unsigned long long)nverify, tv, topen, tv - topen, floorv, tv / floorv);
	printf("(verify ran on a warm page cache; %llu entries = %.0f MB of entries)\n",
	       (unsigned long long)nverify, (double)nverify * (double)(esz + 2) / 1e6);

	free(e);
	free(ents);
	free(ebuf);
	nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

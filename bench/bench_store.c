/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_store -- check-ins per second on the roll DB under the journal
 * arrangements P-5.6 weighs, beside the fsync floor measured in the same
 * run.  A check-in is the transaction store_roll_checkin runs (the voter's
 * flag, the token hash, the latest-check-in row) on an encrypted database
 * of NVOTERS voters, with the options of store_open (P-4.3) except where a
 * row says otherwise.
 *
 *   ./build/bench/bench_store [CHECKINS [ROW]]  (default 150 per row, all rows)
 *
 * With ROW only that row runs (e.g. under strace -c -e trace=fsync,fdatasync
 * to count the syncs of one arrangement).
 *
 * Rows: "wal" is the arrangement before the review (history kept: not
 * allowed); "truncate" is the one before exclusive locking, "truncate+excl"
 * the current one (the "store" row); "persist" and "normal" are
 * shown for comparison only (PERSIST keeps the last transaction's page
 * images in the journal; synchronous=NORMAL does not sync the journal's
 * truncation, the commit point, so an acknowledged check-in can roll back
 * after a power cut).  "store" runs the real voter/store.c.
 */
#include <fcntl.h>
#include <sqlcipher/sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/sha256.h"
#include "voter/store.h"

#define NVOTERS 2000

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, sqlite3 *db)
{
	fprintf(stderr, "bench_store: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
	exit(1);
}

static void ex(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die(sql, db);
}

typedef struct row {
	const char *name;
	const char *pragmas; /* after the key */
	int batch; /* check-ins per transaction */
	int ckpt; /* wal_checkpoint(TRUNCATE) after each commit */
	const char *note;
} row;

static const row rows[] = {
    {"wal", "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", 1, 0,
     "before the review: keeps history (not allowed)"},
    {"delete", "PRAGMA journal_mode=DELETE; PRAGMA secure_delete=ON; PRAGMA synchronous=FULL;", 1,
     0, "no history"},
    {"truncate", "PRAGMA journal_mode=TRUNCATE; PRAGMA secure_delete=ON; PRAGMA synchronous=FULL;",
     1, 0, "no history: before exclusive locking"},
    {"truncate+excl",
     "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=TRUNCATE; PRAGMA secure_delete=ON; "
     "PRAGMA synchronous=FULL;",
     1, 0, "no history: store.c now"},
    {"wal+ckpt+excl",
     "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; PRAGMA secure_delete=ON; PRAGMA "
     "synchronous=FULL;",
     1, 1, "WAL emptied after every commit"},
    {"truncate x8",
     "PRAGMA journal_mode=TRUNCATE; PRAGMA secure_delete=ON; PRAGMA synchronous=FULL;", 8, 0,
     "8 check-ins per transaction (a group commit)"},
    {"persist", "PRAGMA journal_mode=PERSIST; PRAGMA secure_delete=ON; PRAGMA synchronous=FULL;", 1,
     0, "keeps page images (not allowed)"},
    {"truncate normal",
     "PRAGMA journal_mode=TRUNCATE; PRAGMA secure_delete=ON; PRAGMA synchronous=NORMAL;", 1, 0,
     "commit point unsynced (not durable)"},
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS voters(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " birth TEXT NOT NULL, household TEXT NOT NULL, grp TEXT NOT NULL,"
    " flags TEXT NOT NULL, checked_in INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS tokens(h BLOB PRIMARY KEY) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS last_checkin(k INTEGER PRIMARY KEY CHECK (k = 0),"
    " voter TEXT NOT NULL, h BLOB NOT NULL);";

static char dir[64];

static sqlite3 *open_db(const char *path, const char *pragmas)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK)
		die("open", db);
	ex(db,
	   "PRAGMA key = \"x'000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f'\";");
	ex(db, "PRAGMA cipher_page_size = 4096;");
	ex(db, pragmas);
	return db;
}

/* Seconds per check-in for one row. */
static double run_row(const row *r, int n)
{
	char path[128], cmd[160];
	snprintf(path, sizeof path, "%s/roll.db", dir);
	snprintf(cmd, sizeof cmd, "rm -f %s/roll.db*", dir);
	if (system(cmd) != 0)
		die("rm", NULL);
	sqlite3 *db = open_db(path, r->pragmas);
	ex(db, schema);
	ex(db, "BEGIN;");
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
	                       "INSERT INTO voters(id, name, birth, household, grp, flags) "
	                       "VALUES(?, ?, '1980-01-01', 'H1', 'g1', '')",
	                       -1, &st, NULL) != SQLITE_OK)
		die("prepare", db);
	for (int i = 0; i < NVOTERS; i++) {
		char id[16], name[32];
		snprintf(id, sizeof id, "V%05d", i);
		snprintf(name, sizeof name, "Voter number %d", i);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE)
			die("insert", db);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	ex(db, "COMMIT;");
	if (r->ckpt)
		ex(db, "PRAGMA wal_checkpoint(TRUNCATE);");
	sqlite3_stmt *up, *tok, *last;
	if (sqlite3_prepare_v2(db,
	                       "UPDATE voters SET checked_in = 1 WHERE id = ? AND checked_in = 0",
	                       -1, &up, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO tokens(h) VALUES(?)", -1, &tok, NULL) !=
	        SQLITE_OK ||
	    sqlite3_prepare_v2(db,
	                       "INSERT OR REPLACE INTO last_checkin(k, voter, h) VALUES(0, ?, ?)",
	                       -1, &last, NULL) != SQLITE_OK)
		die("prepare", db);
	double t0 = now();
	for (int i = 0; i < n; i++) {
		if (i % r->batch == 0)
			ex(db, "BEGIN IMMEDIATE;");
		char id[16];
		uint8_t h[32];
		snprintf(id, sizeof id, "V%05d", (i * 7919) % NVOTERS);
		sha256(h, id, strlen(id));
		sqlite3_bind_text(up, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(tok, 1, h, 32, SQLITE_TRANSIENT);
		sqlite3_bind_text(last, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(last, 2, h, 32, SQLITE_TRANSIENT);
		if (sqlite3_step(up) != SQLITE_DONE || sqlite3_step(tok) != SQLITE_DONE ||
		    sqlite3_step(last) != SQLITE_DONE)
			die("check-in", db);
		sqlite3_reset(up);
		sqlite3_reset(tok);
		sqlite3_reset(last);
		if (i % r->batch == r->batch - 1 || i == n - 1) {
			ex(db, "COMMIT;");
			if (r->ckpt)
				ex(db, "PRAGMA wal_checkpoint(TRUNCATE);");
		}
	}
	double t = (now() - t0) / n;
	sqlite3_finalize(up);
	sqlite3_finalize(tok);
	sqlite3_finalize(last);
	sqlite3_close(db);
	return t;
}

/* The real store (voter/store.c). */
static double run_store(int n)
{
	char path[128], cmd[160], err[256];
	static const uint8_t key[32] = {1, 2, 3};
	snprintf(path, sizeof path, "%s/store.db", dir);
	snprintf(cmd, sizeof cmd, "rm -f %s/store.db*", dir);
	if (system(cmd) != 0)
		die("rm", NULL);
	store *s = NULL;
	if (store_open(&s, path, STORE_ROLL, key, err, sizeof err) != Q_OK)
		die(err, NULL);
	if (store_begin(s) != Q_OK)
		die(store_errmsg(s), NULL);
	for (int i = 0; i < NVOTERS; i++) {
		store_voter v;
		memset(&v, 0, sizeof v);
		snprintf(v.id, sizeof v.id, "V%05d", i);
		snprintf(v.name, sizeof v.name, "Voter number %d", i);
		snprintf(v.birth, sizeof v.birth, "1980-01-01");
		snprintf(v.household, sizeof v.household, "H1");
		snprintf(v.group, sizeof v.group, "g1");
		if (store_roll_add(s, &v) != Q_OK)
			die(store_errmsg(s), NULL);
	}
	if (store_commit(s) != Q_OK)
		die(store_errmsg(s), NULL);
	double t0 = now();
	for (int i = 0; i < n; i++) {
		char id[16];
		uint8_t h[32];
		snprintf(id, sizeof id, "V%05d", (i * 7919) % NVOTERS);
		sha256(h, id, strlen(id));
		if (store_roll_checkin(s, id, h) != Q_OK)
			die(store_errmsg(s), NULL);
	}
	double t = (now() - t0) / n;
	store_close(s);
	return t;
}

/* fsync floor: 4 KiB write + fdatasync, as bench_ballotd measures it. */
static double floor_fsync(int n)
{
	char p[128], buf[4096];
	snprintf(p, sizeof p, "%s/fsync-probe", dir);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	memset(buf, 0x5a, sizeof buf);
	if (fd < 0)
		die("fsync probe", NULL);
	double t0 = now();
	for (int i = 0; i < n; i++)
		if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf || fdatasync(fd) != 0)
			die("fsync probe", NULL);
	double t = (now() - t0) / n;
	close(fd);
	unlink(p);
	return t;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 150;
	const char *only = argc > 2 ? argv[2] : NULL;
	if (n < 8 || n > 100000) {
		fprintf(stderr, "usage: bench_store [CHECKINS [ROW]]\n");
		return 1;
	}
	snprintf(dir, sizeof dir, "/tmp/bench-store-XXXXXX");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", NULL);
	/* the floor before and after: the machine's load drifts */
	double f0 = floor_fsync(100);
	printf("roll DB check-ins (%d voters, %d check-ins a row, 1 thread):\n", NVOTERS, n);
	double ts = only != NULL && strcmp(only, "store") != 0 ? 0 : run_store(n);
	if (ts > 0)
		printf("  %-16s %7.0f/s  %6.2f ms  %4.1f fsync floors  (voter/store.c as built)\n",
		       "store", 1 / ts, ts * 1e3, ts / f0);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		if (only != NULL && strcmp(only, rows[i].name) != 0)
			continue;
		double t = run_row(&rows[i], n);
		printf("  %-16s %7.0f/s  %6.2f ms  %4.1f fsync floors  (%s)\n", rows[i].name, 1 / t,
		       t * 1e3, t / f0, rows[i].note);
	}
	double f1 = floor_fsync(100);
	printf("fsync floor (4 KiB write + fdatasync): %.3f ms before, %.3f ms after\n", f0 * 1e3,
	       f1 * 1e3);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return 0;
}

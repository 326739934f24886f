/* SPDX-License-Identifier: GPL-3.0-or-later */
/* voter/store: SQLCipher roll DB and ballot box. */
#include <criterion/criterion.h>
#include <sqlcipher/sqlite3.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "crypto/sha256.h"
#include "voter/store.h"

static char *dir;
static char path[512];
static const uint8_t key[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

static void setup(void)
{
	dir = test_tmpdir();
}

static void teardown(void)
{
	test_rmtree(dir);
	free(dir);
}

static store *open_kind(const char *name, store_kind k, const uint8_t *kk)
{
	char err[256];
	store *s = NULL;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	qerr e = store_open(&s, path, k, kk, err, sizeof err);
	cr_assert_eq(e, Q_OK, "open: %s", err);
	return s;
}

static void mkvoter(store_voter *v, const char *id)
{
	memset(v, 0, sizeof *v);
	snprintf(v->id, sizeof v->id, "%s", id);
	snprintf(v->name, sizeof v->name, "张三 %s", id);
	snprintf(v->birth, sizeof v->birth, "1980-01-02");
	snprintf(v->household, sizeof v->household, "H1");
	snprintf(v->group, sizeof v->group, "G1");
}

static int contains(const char *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return 1;
	return 0;
}

static void th(uint8_t h[32], int i)
{
	sha256(h, &i, sizeof i);
}

TestSuite(store, .init = setup, .fini = teardown);

Test(store, roll_checkin_once)
{
	store *s = open_kind("roll.db", STORE_ROLL, key);
	store_voter v, g;
	uint8_t h[32], h2[32];
	mkvoter(&v, "V1");
	cr_assert_eq(store_roll_add(s, &v), Q_OK);
	cr_assert_eq(store_roll_add(s, &v), Q_ERR_EXISTS);
	th(h, 1);
	th(h2, 2);
	cr_assert_eq(store_roll_token_issued(s, h), Q_ERR_NOTFOUND);
	cr_assert_eq(store_roll_checkin(s, "V1", h), Q_OK);
	cr_assert_eq(store_roll_checkin(s, "V1", h2), Q_ERR_EXISTS);
	cr_assert_eq(store_roll_checkin(s, "nobody", h2), Q_ERR_NOTFOUND);
	cr_assert_eq(store_roll_token_issued(s, h), Q_OK);
	cr_assert_eq(store_roll_token_issued(s, h2), Q_ERR_NOTFOUND);
	cr_assert_eq(store_roll_get(s, "V1", &g), Q_OK);
	cr_assert(g.checked_in);
	cr_assert_str_eq(g.name, v.name);
	uint64_t n, c;
	cr_assert_eq(store_roll_counts(s, &n, &c), Q_OK);
	cr_assert_eq(n, 1);
	cr_assert_eq(c, 1);
	store_close(s);
	/* Reopen: persisted. */
	s = open_kind("roll.db", STORE_ROLL, key);
	cr_assert_eq(store_roll_get(s, "V1", &g), Q_OK);
	cr_assert(g.checked_in);
	store_close(s);
	store_close(NULL);
}

Test(store, wrong_key_and_wrong_kind)
{
	store *s = open_kind("box.db", STORE_BOX, key);
	cr_assert_eq(store_meta_set(s, "x", "y"), Q_OK);
	store_close(s);
	uint8_t bad[32];
	memcpy(bad, key, 32);
	bad[31] ^= 1;
	char err[256];
	s = NULL;
	cr_assert_eq(store_open(&s, path, STORE_BOX, bad, err, sizeof err), Q_ERR_AUTH);
	cr_assert_null(s);
	cr_assert(strstr(err, "wrong database key") != NULL, "%s", err);
	cr_assert_eq(store_open(&s, path, STORE_ROLL, key, err, sizeof err), Q_ERR_AUTH);
	cr_assert(strstr(err, "not a roll") != NULL, "%s", err);
	/* The file is encrypted: no plaintext marker visible. */
	size_t len;
	char *raw = test_read_file(path, &len);
	cr_assert_not_null(raw);
	cr_assert(!contains(raw, len, "SQLite format"));
	cr_assert(!contains(raw, len, "ballots"));
	free(raw);
}

Test(store, box_token_spent_once)
{
	store *s = open_kind("box.db", STORE_BOX, key);
	uint8_t code[32], code2[32], h[32];
	th(code, 10);
	th(code2, 11);
	th(h, 1);
	const uint8_t body[] = "ballot-bytes";
	cr_assert_eq(store_box_spent(s, h), Q_ERR_NOTFOUND);
	cr_assert_eq(store_box_put_ballot(s, code, body, sizeof body, h), Q_OK);
	cr_assert_eq(store_box_spent(s, h), Q_OK);
	/* Same token again, different ballot: refused, nothing stored. */
	cr_assert_eq(store_box_put_ballot(s, code2, body, sizeof body, h), Q_ERR_EXISTS);
	cr_assert_eq(store_box_has(s, code2), Q_ERR_NOTFOUND);
	/* Same code, fresh token: refused, token not spent. */
	uint8_t h2[32];
	th(h2, 2);
	cr_assert_eq(store_box_put_ballot(s, code, body, sizeof body, h2), Q_ERR_EXISTS);
	cr_assert_eq(store_box_spent(s, h2), Q_ERR_NOTFOUND);
	cr_assert_eq(store_box_put_challenged(s, code2, body, sizeof body, body, 3), Q_OK);
	cr_assert_eq(store_box_put_challenged(s, code2, body, sizeof body, body, 3), Q_ERR_EXISTS);
	uint64_t a, b, c;
	cr_assert_eq(store_box_counts(s, &a, &b, &c), Q_OK);
	cr_assert_eq(a, 1);
	cr_assert_eq(b, 1);
	cr_assert_eq(c, 1);
	/* Roll operations on a box are refused. */
	store_voter v;
	mkvoter(&v, "V");
	cr_assert_eq(store_roll_add(s, &v), Q_ERR_ARG);
	store_close(s);
}

static int count_cb(void *ctx, const uint8_t code[32], const uint8_t *body, size_t len,
                    const uint8_t *op, size_t olen)
{
	(void)code;
	(void)body;
	(void)len;
	(void)op;
	(void)olen;
	(*(int *)ctx)++;
	return 0;
}

/* The box read directly: (rowid, first byte of code) of every ballot in
 * storage order, into ids/first; returns how many. */
static int raw_ballots(const char *p, int64_t *ids, uint8_t (*codes)[32], int max)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char hex[65], sql[120];
	int n = 0;
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	snprintf(sql, sizeof sql, "PRAGMA key = \"x'%s'\";", hex);
	cr_assert_eq(sqlite3_open(p, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "PRAGMA cipher_page_size = 4096;", NULL, NULL, NULL),
	             SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, "SELECT rowid, code FROM ballots;", -1, &st, NULL),
	             SQLITE_OK, "%s", sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW && n < max) {
		ids[n] = sqlite3_column_int64(st, 0);
		cr_assert_eq(sqlite3_column_bytes(st, 1), 32);
		memcpy(codes[n++], sqlite3_column_blob(st, 1), 32);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* P-5.2: the ballots are stored in the order of their tracking codes
 * (the rowid is the code's first 63 bits), never in the order they were
 * cast: inserted in descending code order, read back ascending. */
Test(store, box_ballots_stored_in_code_order)
{
	store *s = open_kind("box.db", STORE_BOX, key);
	uint8_t body[4810];
	memset(body, 0xb2, sizeof body);
	for (int i = 0; i < 8; i++) {
		uint8_t code[32], h[32];
		memset(code, 0, sizeof code);
		code[0] = (uint8_t)(0xf0 - 0x10 * i); /* descending */
		code[31] = (uint8_t)i;
		th(h, 100 + i);
		cr_assert_eq(store_box_put_ballot(s, code, body, sizeof body, h), Q_OK);
	}
	store_close(s);
	int64_t ids[16];
	uint8_t codes[16][32];
	int n = raw_ballots(path, ids, codes, 16);
	cr_assert_eq(n, 8);
	for (int i = 0; i < n; i++) {
		cr_assert_eq(
		    codes[i][0], (uint8_t)(0x80 + 0x10 * i),
		    "ballot %d in storage order has code %02x..: stored in insertion order?", i,
		    codes[i][0]);
		cr_assert_eq(ids[i], (int64_t)((uint64_t)codes[i][0] << 55),
		             "rowid %lld is not the code's first 63 bits", (long long)ids[i]);
	}
}

/* Two codes with the same first 63 bits: both stored (the second on the
 * next rowid), each found; the same code again is refused. */
Test(store, box_rowid_collision_stores_both)
{
	store *s = open_kind("box.db", STORE_BOX, key);
	uint8_t c1[32], c2[32], h[32];
	const uint8_t body[] = "ballot-bytes";
	memset(c1, 0x42, sizeof c1);
	memcpy(c2, c1, sizeof c2);
	c2[31] ^= 1; /* differs after the first 8 bytes */
	th(h, 1);
	cr_assert_eq(store_box_put_ballot(s, c1, body, sizeof body, h), Q_OK);
	th(h, 2);
	cr_assert_eq(store_box_put_ballot(s, c2, body, sizeof body, h), Q_OK,
	             "a second code with the same first 63 bits was refused: %s", store_errmsg(s));
	cr_assert_eq(store_box_has(s, c1), Q_OK);
	cr_assert_eq(store_box_has(s, c2), Q_OK);
	th(h, 3);
	cr_assert_eq(store_box_put_ballot(s, c2, body, sizeof body, h), Q_ERR_EXISTS);
	cr_assert_eq(store_box_spent(s, h), Q_ERR_NOTFOUND);
	int n = 0;
	cr_assert_eq(store_box_foreach(s, 0, count_cb, &n), Q_OK);
	cr_assert_eq(n, 2);
	store_close(s);
}

/* A box made with the WITHOUT ROWID ballots table of an earlier version
 * is refused at open, naming the file and the table. */
Test(store, box_of_earlier_version_refused)
{
	sqlite3 *db = NULL;
	char hex[65], sql[120], err[256];
	store *s = NULL;
	/* a store first: it installs the wiping allocator before SQLite's
	 * first use in this process */
	store_close(open_kind("first.db", STORE_ROLL, key));
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	snprintf(sql, sizeof sql, "PRAGMA key = \"x'%s'\";", hex);
	snprintf(path, sizeof path, "%s/old-box.db", dir);
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db,
	                          "PRAGMA cipher_page_size = 4096;"
	                          "CREATE TABLE ballots(code BLOB PRIMARY KEY, body BLOB NOT NULL)"
	                          " WITHOUT ROWID;",
	                          NULL, NULL, NULL),
	             SQLITE_OK);
	sqlite3_close(db);
	cr_assert_eq(store_open(&s, path, STORE_BOX, key, err, sizeof err), Q_ERR_STATE);
	cr_assert_null(s);
	cr_assert(strstr(err, "old-box.db") != NULL && strstr(err, "earlier version") != NULL, "%s",
	          err);
}

/* Atomicity and recovery: kill -9 a child in the middle of a stream of
 * committed writes: every write it reported (through a pipe, after commit)
 * is present after reopening, and every spent token has its ballot -- no
 * half transaction.  This cannot catch a missing fsync (the killed
 * process's writes survive in the page cache); SQLite's syncs are placed
 * by tests/voter/test_ballotd_faults.c (receipt after the box's sync). */
Test(store, kill9_commits_are_atomic_and_recovered)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	snprintf(path, sizeof path, "%s/box.db", dir);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		store *s = NULL;
		char err[256];
		if (store_open(&s, path, STORE_BOX, key, err, sizeof err) != Q_OK)
			_exit(2);
		for (int i = 0;; i++) {
			uint8_t code[32], h[32];
			th(code, 100000 + i);
			th(h, i);
			if (store_box_put_ballot(s, code, code, 32, h) != Q_OK)
				_exit(3);
			if (write(fds[1], &i, sizeof i) != sizeof i)
				_exit(4);
		}
	}
	close(fds[1]);
	int last = -1, v;
	while (last < 40 && read(fds[0], &v, sizeof v) == sizeof v)
		last = v;
	kill(pid, SIGKILL);
	while (read(fds[0], &v, sizeof v) == sizeof v)
		last = v;
	close(fds[0]);
	int st;
	waitpid(pid, &st, 0);
	cr_assert(WIFSIGNALED(st));
	store *s = open_kind("box.db", STORE_BOX, key);
	for (int i = 0; i <= last; i++) {
		uint8_t code[32], h[32];
		th(code, 100000 + i);
		th(h, i);
		cr_assert_eq(store_box_has(s, code), Q_OK, "acknowledged ballot %d lost", i);
		cr_assert_eq(store_box_spent(s, h), Q_OK);
	}
	uint64_t a, b, c;
	cr_assert_eq(store_box_counts(s, &a, &b, &c), Q_OK);
	cr_assert_eq(a, c, "ballots %llu != spent %llu", (unsigned long long)a,
	             (unsigned long long)c);
	cr_assert(a >= (uint64_t)last + 1);
	int n = 0;
	cr_assert_eq(store_box_foreach(s, 0, count_cb, &n), Q_OK);
	cr_assert_eq((uint64_t)n, a);
	store_close(s);
}

/* P-4.3: SQLite's memory goes through the wiping allocator the first
 * store_open installs: closing a store with a roll in its page cache
 * zeroes the blocks it frees. */
Test(store, sqlite_memory_wiped_on_free)
{
	store *s = open_kind("roll.db", STORE_ROLL, key);
	store_voter v;
	for (int i = 0; i < 20; i++) {
		char id[16];
		snprintf(id, sizeof id, "V%d", i);
		mkvoter(&v, id);
		cr_assert_eq(store_roll_add(s, &v), Q_OK);
	}
	unsigned long long before = store_wiped_blocks();
	store_close(s);
	cr_assert_gt(store_wiped_blocks(), before, "closing a store freed no wiped block");
	cr_assert_gt(before, 0, "no SQLite block was wiped while the store was used");
}

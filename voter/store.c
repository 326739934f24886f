/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store.c -- SQLCipher roll DB and ballot box (docs/spec/protocol.md P-5).
 */
#include "store.h"

#include <pthread.h>
#include <sqlcipher/sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/util.h"

#include "banned.h"

/* The statements of every cast, prepared once per store (a prepare costs
 * about as much as the insert it prepares). */
enum { HOT_SPEND, HOT_BALLOT, HOT_BALLOT_FIND, HOT_RECEIPT, HOT_TOKEN_ISSUED, HOT__COUNT };

struct store {
	sqlite3 *db;
	store_kind kind;
	sqlite3_stmt *hot[HOT__COUNT];
	int in_txn;
	char err[256];
};

/* P-5.1 and P-5.2: every table is keyed by an identifier or a hash, so the
 * storage order reveals nothing about the order of insertion: WITHOUT
 * ROWID, except `ballots`, whose rowid is the tracking code's first 63
 * bits (ballot_rowid).  A ballot (B-2, about 4.8 KB for seven options)
 * cannot sit in one page of an index b-tree: each comparison on the way
 * to an insert (and to its uniqueness check) would read a whole ballot
 * and its overflow page back.  In a table b-tree keyed by an integer the
 * body is never read to find a place, and no second index is kept: a
 * code is looked up at its rowid (ballot_find). */
static const char *const roll_schema =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS voters(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " birth TEXT NOT NULL, household TEXT NOT NULL, grp TEXT NOT NULL,"
    " flags TEXT NOT NULL, checked_in INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS tokens(h BLOB PRIMARY KEY) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS challenges(h BLOB PRIMARY KEY, n INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS last_checkin(k INTEGER PRIMARY KEY CHECK (k = 0),"
    " voter TEXT NOT NULL, h BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS proxied(principal TEXT PRIMARY KEY, holder TEXT NOT NULL)"
    " WITHOUT ROWID;";

static const char *const box_schema =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS ballots(id INTEGER PRIMARY KEY, code BLOB NOT NULL,"
    " body BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS spent(h BLOB PRIMARY KEY) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS challenged(code BLOB PRIMARY KEY, body BLOB NOT NULL,"
    " opening BLOB NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS receipts(k BLOB PRIMARY KEY, code BLOB NOT NULL)"
    " WITHOUT ROWID;";

__attribute__((format(printf, 2, 3))) static void seterr(store *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
}

static qerr db_fail(store *s, const char *what)
{
	int rc = sqlite3_extended_errcode(s->db);
	seterr(s, "%s: %s", what, sqlite3_errmsg(s->db));
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return Q_ERR_EXISTS;
	if ((rc & 0xff) == SQLITE_NOTADB)
		return Q_ERR_AUTH;
	if ((rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_FULL)
		return Q_ERR_IO;
	return Q_ERR_DB;
}

static qerr exec(store *s, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = sqlite3_extended_errcode(s->db);
		seterr(s, "%s", msg != NULL ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		if ((rc & 0xff) == SQLITE_NOTADB)
			return Q_ERR_AUTH;
		return Q_ERR_DB;
	}
	return Q_OK;
}

/* P-4.3: SQLite's allocator, wrapped so that every block is zeroed before
 * it is freed or moved.  The linked SQLCipher (3.4) has no
 * cipher_memory_security pragma (4.0 added it; 3.4 ignores an unknown
 * pragma); it already zeroes and mlock()s its own buffers (keys, cipher
 * contexts), but the page cache and statements hold decrypted pages --
 * names of the roll, token hashes, ballots -- in SQLite's ordinary heap,
 * which this wipes on free. */
static sqlite3_mem_methods base_mem;
static unsigned long long wiped_blocks;
static pthread_once_t mem_once = PTHREAD_ONCE_INIT;
static int mem_rc = SQLITE_ERROR;

static void *wm_malloc(int n)
{
	return base_mem.xMalloc(n);
}

static void wm_free(void *p)
{
	if (p != NULL) {
		wipe(p, (size_t)base_mem.xSize(p));
		__atomic_add_fetch(&wiped_blocks, 1, __ATOMIC_RELAXED);
	}
	base_mem.xFree(p);
}

/* A new block, the old one copied, wiped and freed (a realloc in place
 * could leave the old bytes behind). */
static void *wm_realloc(void *p, int n)
{
	if (p == NULL)
		return base_mem.xMalloc(n);
	int old = base_mem.xSize(p);
	void *q = base_mem.xMalloc(n);
	if (q == NULL)
		return NULL;
	memcpy(q, p, (size_t)(old < n ? old : n));
	wm_free(p);
	return q;
}

static int wm_size(void *p)
{
	return base_mem.xSize(p);
}

static int wm_roundup(int n)
{
	return base_mem.xRoundup(n);
}

static int wm_init(void *app)
{
	(void)app;
	return base_mem.xInit(base_mem.pAppData);
}

static void wm_shutdown(void *app)
{
	(void)app;
	base_mem.xShutdown(base_mem.pAppData);
}

static void mem_install(void)
{
	static const sqlite3_mem_methods wm = {wm_malloc,  wm_free, wm_realloc,  wm_size,
	                                       wm_roundup, wm_init, wm_shutdown, NULL};
	mem_rc = sqlite3_config(SQLITE_CONFIG_GETMALLOC, &base_mem);
	if (mem_rc == SQLITE_OK)
		mem_rc = sqlite3_config(SQLITE_CONFIG_MALLOC, &wm);
}

unsigned long long store_wiped_blocks(void)
{
	return __atomic_load_n(&wiped_blocks, __ATOMIC_RELAXED);
}

qerr store_open(store **out, const char *path, store_kind kind, const uint8_t key[STORE_KEY_LEN],
                char *err, size_t errlen)
{
	qerr e = Q_ERR_DB;
	char keysql[96];
	char hex[2 * STORE_KEY_LEN + 1];
	store *s = NULL;

	*out = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (path == NULL || key == NULL || (kind != STORE_ROLL && kind != STORE_BOX)) {
		if (err != NULL)
			snprintf(err, errlen, "store_open: bad arguments");
		return Q_ERR_ARG;
	}
	/* Before SQLite's first use in the process (sqlite3_config). */
	pthread_once(&mem_once, mem_install);
	if (mem_rc != SQLITE_OK) {
		if (err != NULL)
			snprintf(err, errlen,
			         "store_open: cannot install the wiping allocator "
			         "(SQLite was used before the first store)");
		return Q_ERR_STATE;
	}
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return Q_ERR_NOMEM;
	s->kind = kind;
	if (sqlite3_open_v2(path, &s->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
	                    NULL) != SQLITE_OK) {
		seterr(s, "cannot open %s: %s", path,
		       s->db ? sqlite3_errmsg(s->db) : "out of memory");
		e = Q_ERR_IO;
		goto out;
	}
	sqlite3_busy_timeout(s->db, 5000);
	/* P-5.0: the raw key as a blob literal; no PBKDF2 runs. */
	hex_encode(hex, key, STORE_KEY_LEN);
	snprintf(keysql, sizeof keysql, "PRAGMA key = \"x'%s'\";", hex);
	e = exec(s, keysql);
	wipe(keysql, sizeof keysql);
	wipe(hex, sizeof hex);
	if (e != Q_OK)
		goto out;
	if ((e = exec(s, "PRAGMA cipher_page_size = 4096;")) != Q_OK)
		goto out;
	/* The first read decrypts page 1: a wrong key fails here. */
	e = exec(s, "SELECT count(*) FROM sqlite_master;");
	if (e != Q_OK) {
		seterr(s, "%s: wrong database key, or not a Quorum database", path);
		e = Q_ERR_AUTH;
		goto out;
	}
	/* P-5.6: a rollback journal truncated to nothing at every commit,
	 * and freed content overwritten with zeros: no write-ahead log
	 * keeps the order of check-ins and casts (switching from WAL
	 * checkpoints and removes an old one).  TRUNCATE, not DELETE: the
	 * same history (none) without a directory change per commit.  The
	 * daemon is the only user of its databases: an exclusive lock held
	 * from the first transaction to the close keeps the journal open,
	 * so a commit no longer syncs the directory (reopening the journal
	 * did) nor takes and drops locks and re-reads the header (bench/
	 * bench_store).  Exclusive mode would make DELETE keep the journal
	 * (zeroing its header only); TRUNCATE truncates in both. */
	if ((e = exec(s, "PRAGMA locking_mode = EXCLUSIVE;")) != Q_OK)
		goto out;
	if ((e = exec(s, "PRAGMA journal_mode = TRUNCATE;")) != Q_OK)
		goto out;
	if ((e = exec(s, "PRAGMA secure_delete = ON;")) != Q_OK)
		goto out;
	if ((e = exec(s, "PRAGMA synchronous = FULL;")) != Q_OK)
		goto out;
	if ((e = exec(s, kind == STORE_ROLL ? roll_schema : box_schema)) != Q_OK)
		goto out;
	{
		/* The kind is written once; a roll DB opened as a box (or the
		 * reverse) is refused. */
		char have[16];
		const char *want = kind == STORE_ROLL ? "roll" : "box";
		e = store_meta_get(s, "kind", have, sizeof have);
		if (e == Q_ERR_NOTFOUND) {
			e = store_meta_set(s, "kind", want);
		} else if (e == Q_OK && strcmp(have, want) != 0) {
			seterr(s, "%s is a %s database, not a %s database", path, have, want);
			e = Q_ERR_AUTH;
		}
		if (e != Q_OK)
			goto out;
	}
	if (kind == STORE_BOX) {
		/* A box of an earlier version keeps its WITHOUT ROWID ballots
		 * table (CREATE TABLE IF NOT EXISTS leaves it): refused by
		 * name rather than failing every cast (P-5.2). */
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(s->db, "SELECT id FROM ballots LIMIT 0;", -1, &st, NULL) !=
		    SQLITE_OK) {
			seterr(s,
			       "%s: its ballots table is of an earlier version (no integer id, "
			       "docs/spec/protocol.md P-5.2); export its ballots with that version",
			       path);
			e = Q_ERR_STATE;
		}
		sqlite3_finalize(st);
		if (e != Q_OK)
			goto out;
	}
	*out = s;
	s = NULL;
	e = Q_OK;
out:
	if (s != NULL) {
		if (err != NULL)
			snprintf(err, errlen, "%s", s->err);
		store_close(s);
	}
	return e;
}

void store_close(store *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < HOT__COUNT; i++)
		sqlite3_finalize(s->hot[i]);
	if (s->db != NULL)
		sqlite3_close_v2(s->db);
	wipe(s, sizeof *s);
	free(s);
}

const char *store_errmsg(const store *s)
{
	return s != NULL ? s->err : "no store";
}

qerr store_begin(store *s)
{
	qerr e = exec(s, "BEGIN IMMEDIATE;");
	if (e == Q_OK)
		s->in_txn = 1;
	return e;
}

qerr store_commit(store *s)
{
	qerr e = exec(s, "COMMIT;");
	if (e != Q_OK)
		store_rollback(s);
	s->in_txn = 0;
	return e;
}

void store_rollback(store *s)
{
	if (s->in_txn || !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK;", NULL, NULL, NULL);
	s->in_txn = 0;
}

/* Prepare sql; on failure record it. */
static qerr prep(store *s, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return db_fail(s, "prepare");
	}
	return Q_OK;
}

/* The cached statement hot[i], prepared from sql the first time. */
static qerr prep_hot(store *s, int i, const char *sql, sqlite3_stmt **st)
{
	if (s->hot[i] == NULL && prep(s, sql, &s->hot[i]) != Q_OK) {
		*st = NULL;
		return Q_ERR_DB;
	}
	*st = s->hot[i];
	return Q_OK;
}

/* Done with st: a cached statement is reset (its bindings cleared), any
 * other finalized. */
static void release(store *s, sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < HOT__COUNT; i++) {
		if (s->hot[i] == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return;
		}
	}
	sqlite3_finalize(st);
}

/* Run a write statement to completion. */
static qerr step_done(store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		return db_fail(s, what);
	return Q_OK;
}

qerr store_meta_set(store *s, const char *key, const char *val)
{
	sqlite3_stmt *st = NULL;
	qerr e = prep(s, "INSERT OR REPLACE INTO meta(k, v) VALUES(?, ?);", &st);
	if (e != Q_OK)
		return e;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, val, -1, SQLITE_STATIC);
	e = step_done(s, st, "meta");
	sqlite3_finalize(st);
	return e;
}

qerr store_meta_get(store *s, const char *key, char *val, size_t vallen)
{
	char *v = NULL;
	size_t n = 0;
	qerr e = store_meta_get_alloc(s, key, &v, &n);
	if (e == Q_OK) {
		if (n + 1 > vallen) {
			seterr(s, "meta %s: value too long", key);
			e = Q_ERR_LIMIT;
		} else {
			memcpy(val, v, n + 1);
		}
	}
	free(v);
	return e;
}

qerr store_meta_get_alloc(store *s, const char *key, char **val, size_t *len)
{
	sqlite3_stmt *st = NULL;
	*val = NULL;
	*len = 0;
	qerr e = prep(s, "SELECT v FROM meta WHERE k = ?;", &st);
	if (e != Q_OK)
		return e;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		char *v = malloc(n + 1);
		if (v == NULL) {
			e = Q_ERR_NOMEM;
		} else {
			if (n > 0)
				memcpy(v, t, n);
			v[n] = '\0';
			*val = v;
			*len = n;
		}
	} else if (rc == SQLITE_DONE) {
		seterr(s, "meta %s: not set", key);
		e = Q_ERR_NOTFOUND;
	} else {
		e = db_fail(s, "meta");
	}
	sqlite3_finalize(st);
	return e;
}

static qerr need(store *s, store_kind k)
{
	if (s == NULL)
		return Q_ERR_ARG;
	if (s->kind != k) {
		seterr(s, "wrong database kind for this operation");
		return Q_ERR_ARG;
	}
	return Q_OK;
}

static int field_ok(const char *f, size_t max)
{
	return f != NULL && memchr(f, '\0', max) != NULL;
}

qerr store_roll_add(store *s, const store_voter *v)
{
	sqlite3_stmt *st = NULL;
	qerr e = need(s, STORE_ROLL);
	if (e != Q_OK)
		return e;
	if (!field_ok(v->id, sizeof v->id) || v->id[0] == '\0' ||
	    !field_ok(v->name, sizeof v->name) || !field_ok(v->birth, sizeof v->birth) ||
	    !field_ok(v->household, sizeof v->household) || !field_ok(v->group, sizeof v->group) ||
	    !field_ok(v->flags, sizeof v->flags)) {
		seterr(s, "voter record: empty id or unterminated field");
		return Q_ERR_ARG;
	}
	if ((e = prep(s,
	              "INSERT INTO voters(id, name, birth, household, grp, flags, checked_in)"
	              " VALUES(?, ?, ?, ?, ?, ?, 0);",
	              &st)) != Q_OK)
		return e;
	sqlite3_bind_text(st, 1, v->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, v->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, v->birth, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, v->household, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, v->group, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, v->flags, -1, SQLITE_STATIC);
	e = step_done(s, st, "add voter");
	if (e == Q_ERR_EXISTS)
		seterr(s, "voter %s is already on the roll", v->id);
	sqlite3_finalize(st);
	return e;
}

static void copy_col(char *dst, size_t cap, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(dst, cap, "%s", t != NULL ? (const char *)t : "");
}

qerr store_roll_get(store *s, const char *id, store_voter *v)
{
	sqlite3_stmt *st = NULL;
	memset(v, 0, sizeof *v);
	qerr e = need(s, STORE_ROLL);
	if (e != Q_OK)
		return e;
	if ((e = prep(s,
	              "SELECT id, name, birth, household, grp, flags, checked_in FROM voters"
	              " WHERE id = ?;",
	              &st)) != Q_OK)
		return e;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		copy_col(v->id, sizeof v->id, st, 0);
		copy_col(v->name, sizeof v->name, st, 1);
		copy_col(v->birth, sizeof v->birth, st, 2);
		copy_col(v->household, sizeof v->household, st, 3);
		copy_col(v->group, sizeof v->group, st, 4);
		copy_col(v->flags, sizeof v->flags, st, 5);
		v->checked_in = sqlite3_column_int(st, 6) != 0;
	} else if (rc == SQLITE_DONE) {
		seterr(s, "voter not on the roll");
		e = Q_ERR_NOTFOUND;
	} else {
		e = db_fail(s, "lookup");
	}
	sqlite3_finalize(st);
	return e;
}

qerr store_roll_find_name(store *s, const char *name, store_voter *v, size_t max, size_t *n)
{
	sqlite3_stmt *st = NULL;
	*n = 0;
	qerr e = need(s, STORE_ROLL);
	if (e != Q_OK)
		return e;
	if ((e = prep(s,
	              "SELECT id, name, birth, household, grp, flags, checked_in FROM voters"
	              " WHERE name = ? ORDER BY id;",
	              &st)) != Q_OK)
		return e;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n < max) {
			store_voter *o = &v[*n];
			memset(o, 0, sizeof *o);
			copy_col(o->id, sizeof o->id, st, 0);
			copy_col(o->name, sizeof o->name, st, 1);
			copy_col(o->birth, sizeof o->birth, st, 2);
			copy_col(o->household, sizeof o->household, st, 3);
			copy_col(o->group, sizeof o->group, st, 4);
			copy_col(o->flags, sizeof o->flags, st, 5);
			o->checked_in = sqlite3_column_int(st, 6) != 0;
		}
		(*n)++;
	}
	if (rc != SQLITE_DONE)
		e = db_fail(s, "lookup by name");
	sqlite3_finalize(st);
	return e;
}

qerr store_roll_checkin(store *s, const char *id, const uint8_t token_hash[STORE_HASH_LEN])
{
	return store_roll_checkin_proxy(s, id, NULL, token_hash);
}

qerr store_roll_checkin_proxy(store *s, const char *id, const char *holder,
                              const uint8_t token_hash[STORE_HASH_LEN])
{
	sqlite3_stmt *st = NULL;
	int own = 0;
	qerr e = need(s, STORE_ROLL);
	if (e != Q_OK)
		return e;
	if (!s->in_txn) {
		if ((e = store_begin(s)) != Q_OK)
			return e;
		own = 1;
	} else if ((e = exec(s, "SAVEPOINT checkin;")) != Q_OK) {
		/* In a caller's transaction (a group of check-ins): a savepoint,
		 * so that a refused check-in leaves the others untouched. */
		return e;
	}
	if ((e = prep(s, "UPDATE voters SET checked_in = 1 WHERE id = ? AND checked_in = 0;",
	              &st)) != Q_OK)
		goto out;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if ((e = step_done(s, st, "check-in")) != Q_OK)
		goto out;
	if (sqlite3_changes(s->db) != 1) {
		store_voter v;
		sqlite3_finalize(st);
		st = NULL;
		e = store_roll_get(s, id, &v);
		if (e == Q_OK) {
			seterr(s, "voter %s has already checked in", id);
			e = Q_ERR_EXISTS;
		}
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((e = prep(s, "INSERT INTO tokens(h) VALUES(?);", &st)) != Q_OK)
		goto out;
	sqlite3_bind_blob(st, 1, token_hash, STORE_HASH_LEN, SQLITE_STATIC);
	if ((e = step_done(s, st, "token")) != Q_OK)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	/* P-5.1: only the latest check-in is linked to its token (re-issue
	 * after a lost reply); the previous link goes in this transaction. */
	if ((e = prep(s, "INSERT OR REPLACE INTO last_checkin(k, voter, h) VALUES(0, ?, ?);",
	              &st)) != Q_OK)
		goto out;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, token_hash, STORE_HASH_LEN, SQLITE_STATIC);
	if ((e = step_done(s, st, "last check-in")) != Q_OK)
		goto out;
	if (holder != NULL) {
		/* P-7.6: who presented a written proxy, in the check-in's
		 * transaction */
		sqlite3_finalize(st);
		st = NULL;
		if ((e = prep(s, "INSERT INTO proxied(principal, holder) VALUES(?, ?);", &st)) !=
		    Q_OK)
			goto out;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, holder, -1, SQLITE_STATIC);
		if ((e = step_done(s, st, "proxy check-in")) != Q_OK)
			goto out;
	}
	if (own)
		e = store_commit(s);
out:
	sqlite3_finalize(st);
	if (e != Q_OK && own)
		store_rollback(s);
	if (!own) {
		/* Undo this check-in alone (nothing of it stays on failure),
		 * then end the savepoint; the caller's transaction goes on. */
		if (e != Q_OK)
			(void)sqlite3_exec(s->db, "ROLLBACK TO checkin;", NULL, NULL, NULL);
		if (sqlite3_exec(s->db, "RELEASE checkin;", NULL, NULL, NULL) != SQLITE_OK &&
		    e == Q_OK)
			e = db_fail(s, "release savepoint");
	}
	return e;
}

/* hot: the index of a cached statement for sql, or -1. */
static qerr exists_blob(store *s, int hot, const char *sql, const uint8_t *h, size_t len)
{
	sqlite3_stmt *st = NULL;
	qerr e = hot >= 0 ? prep_hot(s, hot, sql, &st) : prep(s, sql, &st);
	if (e != Q_OK)
		return e;
	sqlite3_bind_blob(st, 1, h, (int)len, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		e = Q_OK;
	else if (rc == SQLITE_DONE)
		e = Q_ERR_NOTFOUND;
	else
		e = db_fail(s, "lookup");
	release(s, st);
	return e;
}

qerr store_roll_token_issued(store *s, const uint8_t token_hash[STORE_HASH_LEN])
{
	qerr e = need(s, STORE_ROLL);
	if (e != Q_OK)
		return e;
	return exists_blob(s, HOT_TOKEN_ISSUED, "SELECT 1 FROM tokens WHERE h = ?;", token_hash,
	                   STORE_HASH_LEN);
}

qerr store_roll_last_checkin(store *s, char id[STORE_FIELD_MAX], uint8_t h[STORE_HASH_LEN])
{
	sqlite3_stmt *st = NULL;
	qerr e = need(s, STORE_ROLL);
	if (e != Q_OK)
		return e;
	if ((e = prep(s, "SELECT voter, h FROM last_checkin WHERE k = 0;", &st)) != Q_OK)
		return e;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		if (v == NULL || strlen(v) >= STORE_FIELD_MAX ||
		    sqlite3_column_bytes(st, 1) != STORE_HASH_LEN) {
			seterr(s, "last check-in: malformed row");
			e = Q_ERR_CORRUPT;
		} else {
			memcpy(id, v, strlen(v) + 1);
			memcpy(h, sqlite3_column_blob(st, 1), STORE_HASH_LEN);
		}
	} else if (rc == SQLITE_DONE) {
		e = Q_ERR_NOTFOUND;
	} else {
		e = db_fail(s, "last check-in");
	}
	sqlite3_finalize(st);
	return e;
}

qerr store_roll_reissue(store *s, const char *id, const uint8_t old_h[STORE_HASH_LEN],
                        const uint8_t new_h[STORE_HASH_LEN])
{
	sqlite3_stmt *st = NULL;
	qerr e = need(s, STORE_ROLL);
	if (e != Q_OK)
		return e;
	if ((e = store_begin(s)) != Q_OK)
		return e;
	if ((e = prep(s, "DELETE FROM tokens WHERE h = ?;", &st)) != Q_OK)
		goto out;
	sqlite3_bind_blob(st, 1, old_h, STORE_HASH_LEN, SQLITE_STATIC);
	if ((e = step_done(s, st, "re-issue")) != Q_OK)
		goto out;
	if (sqlite3_changes(s->db) != 1) {
		seterr(s, "re-issue: the old token is not issued");
		e = Q_ERR_NOTFOUND;
		goto out;
	}
	sqlite3_finalize(st);
	if ((e = prep(s, "INSERT INTO tokens(h) VALUES(?);", &st)) != Q_OK)
		goto out;
	sqlite3_bind_blob(st, 1, new_h, STORE_HASH_LEN, SQLITE_STATIC);
	if ((e = step_done(s, st, "re-issue")) != Q_OK)
		goto out;
	sqlite3_finalize(st);
	if ((e = prep(s, "UPDATE last_checkin SET h = ? WHERE k = 0 AND voter = ? AND h = ?;",
	              &st)) != Q_OK)
		goto out;
	sqlite3_bind_blob(st, 1, new_h, STORE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, old_h, STORE_HASH_LEN, SQLITE_STATIC);
	if ((e = step_done(s, st, "re-issue")) != Q_OK)
		goto out;
	if (sqlite3_changes(s->db) != 1) {
		seterr(s, "re-issue: %s is not the latest check-in", id);
		e = Q_ERR_STATE;
		goto out;
	}
	e = store_commit(s);
out:
	sqlite3_finalize(st);
	if (e != Q_OK)
		store_rollback(s);
	return e;
}

qerr store_roll_forget_last_checkin(store *s)
{
	qerr e = need(s, STORE_ROLL);
	return e != Q_OK ? e : exec(s, "DELETE FROM last_checkin;");
}

qerr store_roll_challenge(store *s, const uint8_t h[STORE_HASH_LEN], unsigned max)
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 n = 0;
	qerr e = need(s, STORE_ROLL);
	if (e != Q_OK)
		return e;
	if ((e = prep(s, "SELECT n FROM challenges WHERE h = ?;", &st)) != Q_OK)
		return e;
	sqlite3_bind_blob(st, 1, h, STORE_HASH_LEN, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		e = db_fail(s, "challenges");
	sqlite3_finalize(st);
	st = NULL;
	if (e != Q_OK)
		return e;
	if (n >= (sqlite3_int64)max) {
		seterr(s, "%u challenges already made with this token", max);
		return Q_ERR_LIMIT;
	}
	if ((e = prep(s, "INSERT OR REPLACE INTO challenges(h, n) VALUES(?, ?);", &st)) != Q_OK)
		return e;
	sqlite3_bind_blob(st, 1, h, STORE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, n + 1);
	e = step_done(s, st, "challenges");
	sqlite3_finalize(st);
	return e;
}

qerr store_roll_foreach_challenge(store *s, store_count_cb cb, void *ctx)
{
	sqlite3_stmt *st = NULL;
	qerr e = need(s, STORE_ROLL);
	if (e != Q_OK)
		return e;
	if ((e = prep(s, "SELECT h, n FROM challenges ORDER BY h;", &st)) != Q_OK)
		return e;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *h = sqlite3_column_blob(st, 0);
		sqlite3_int64 n = sqlite3_column_int64(st, 1);
		if (h == NULL || sqlite3_column_bytes(st, 0) != STORE_HASH_LEN || n < 0) {
			seterr(s, "stored challenge count is malformed");
			e = Q_ERR_CORRUPT;
			goto out;
		}
		if (cb(ctx, h, (uint64_t)n) != 0) {
			e = Q_ERR_STATE;
			goto out;
		}
	}
	if (rc != SQLITE_DONE)
		e = db_fail(s, "walk");
out:
	sqlite3_finalize(st);
	return e;
}

static qerr count(store *s, const char *sql, uint64_t *out)
{
	sqlite3_stmt *st = NULL;
	qerr e = prep(s, sql, &st);
	if (e != Q_OK)
		return e;
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = (uint64_t)sqlite3_column_int64(st, 0);
	else
		e = db_fail(s, "count");
	sqlite3_finalize(st);
	return e;
}

qerr store_roll_counts(store *s, uint64_t *voters, uint64_t *checked_in)
{
	qerr e = need(s, STORE_ROLL);
	if (e == Q_OK)
		e = count(s, "SELECT count(*) FROM voters;", voters);
	if (e == Q_OK)
		e = count(s, "SELECT count(*) FROM tokens;", checked_in);
	return e;
}

/* Walk the text rows of sql (ncol = 1 or 2 columns, none NULL): cb1 or cb2
 * gets each row.  A NULL column is Q_ERR_CORRUPT naming what (stored data
 * the station wrote itself cannot be NULL); a non-zero cb return stops the
 * walk as Q_ERR_STATE. */
static qerr walk_text_rows(store *s, const char *sql, int ncol, const char *what, store_id_cb cb1,
                           store_pair_cb cb2, void *ctx)
{
	sqlite3_stmt *st = NULL;
	qerr e = need(s, STORE_ROLL);
	if (e != Q_OK)
		return e;
	if ((e = prep(s, sql, &st)) != Q_OK)
		return e;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *c0 = (const char *)sqlite3_column_text(st, 0);
		const char *c1 = ncol > 1 ? (const char *)sqlite3_column_text(st, 1) : "";
		if (c0 == NULL || c1 == NULL) {
			seterr(s, "stored %s is NULL", what);
			e = Q_ERR_CORRUPT;
			goto out;
		}
		if ((ncol > 1 ? cb2(ctx, c0, c1) : cb1(ctx, c0)) != 0) {
			e = Q_ERR_STATE;
			goto out;
		}
	}
	if (rc != SQLITE_DONE)
		e = db_fail(s, "walk");
out:
	sqlite3_finalize(st);
	return e;
}

qerr store_roll_foreach_checked_in(store *s, store_id_cb cb, void *ctx)
{
	return walk_text_rows(
	    s, "SELECT id FROM voters WHERE checked_in = 1 ORDER BY id COLLATE BINARY;", 1,
	    "voter id", cb, NULL, ctx);
}

qerr store_roll_foreach_proxied(store *s, store_pair_cb cb, void *ctx)
{
	return walk_text_rows(
	    s, "SELECT principal, holder FROM proxied ORDER BY principal COLLATE BINARY;", 2,
	    "proxy check-in", NULL, cb, ctx);
}

static qerr put_code_body(store *s, const char *sql, const uint8_t code[STORE_HASH_LEN],
                          const uint8_t *body, size_t len, const uint8_t *extra, size_t elen)
{
	sqlite3_stmt *st = NULL;
	qerr e = prep(s, sql, &st);
	if (e != Q_OK)
		return e;
	sqlite3_bind_blob(st, 1, code, STORE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, body, (int)len, SQLITE_STATIC);
	if (extra != NULL)
		sqlite3_bind_blob(st, 3, extra, (int)elen, SQLITE_STATIC);
	e = step_done(s, st, "store ballot");
	sqlite3_finalize(st);
	return e;
}

/* P-5.2: the rowid of a ballot, the first 63 bits of its tracking code
 * (big-endian), so that the table's order is the codes' order. */
static sqlite3_int64 ballot_rowid(const uint8_t code[STORE_HASH_LEN])
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | code[i];
	return (sqlite3_int64)(v >> 1);
}

#define BALLOT_PROBES 16

/* Where code is, or would go (P-5.2): codes whose first 63 bits are the
 * same (about one chance in 10^7 among a million ballots) take the next
 * rowids, so code is in the run of rows from its own rowid up to the first
 * free one (ballots are never deleted).  Q_OK and *id: it is stored there;
 * Q_ERR_NOTFOUND and *id: the free rowid it would take; Q_ERR_LIMIT: more
 * than BALLOT_PROBES neighbours. */
static qerr ballot_find(store *s, const uint8_t code[STORE_HASH_LEN], sqlite3_int64 *id)
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 want = ballot_rowid(code);
	qerr e = prep_hot(s, HOT_BALLOT_FIND,
	                  "SELECT id, code FROM ballots WHERE id >= ? ORDER BY id LIMIT 17;", &st);
	if (e != Q_OK)
		return e;
	sqlite3_bind_int64(st, 1, want);
	e = Q_ERR_LIMIT;
	for (int n = 0; n <= BALLOT_PROBES; n++) {
		int rc = sqlite3_step(st);
		if (rc == SQLITE_DONE ||
		    (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) != want)) {
			e = Q_ERR_NOTFOUND; /* a free rowid: the end of the run */
			break;
		}
		if (rc != SQLITE_ROW) {
			e = db_fail(s, "find ballot");
			break;
		}
		if (sqlite3_column_bytes(st, 1) == STORE_HASH_LEN &&
		    memcmp(sqlite3_column_blob(st, 1), code, STORE_HASH_LEN) == 0) {
			e = Q_OK;
			break;
		}
		if (want == INT64_MAX)
			break;
		want++;
	}
	if (e == Q_ERR_LIMIT)
		seterr(s, "more than %d stored ballots share a tracking code's first 63 bits",
		       BALLOT_PROBES);
	release(s, st);
	*id = want;
	return e;
}

/* INSERT INTO ballots at the code's rowid, or the next free one; a code
 * already stored is Q_ERR_EXISTS. */
static qerr put_ballot(store *s, const uint8_t code[STORE_HASH_LEN], const uint8_t *body,
                       size_t len)
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 id;
	qerr e = ballot_find(s, code, &id);
	if (e == Q_OK) {
		seterr(s, "store ballot: this tracking code is already stored");
		return Q_ERR_EXISTS;
	}
	if (e != Q_ERR_NOTFOUND)
		return e;
	if ((e = prep_hot(s, HOT_BALLOT, "INSERT INTO ballots(id, code, body) VALUES(?, ?, ?);",
	                  &st)) != Q_OK)
		return e;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_blob(st, 2, code, STORE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, body, (int)len, SQLITE_STATIC);
	e = step_done(s, st, "store ballot");
	release(s, st);
	return e;
}

qerr store_box_put_ballot(store *s, const uint8_t code[STORE_HASH_LEN], const uint8_t *body,
                          size_t len, const uint8_t token_hash[STORE_HASH_LEN])
{
	sqlite3_stmt *st = NULL;
	int own = 0;
	qerr e = need(s, STORE_BOX);
	if (e != Q_OK)
		return e;
	if (body == NULL || len == 0 || len > 0x7fffffff)
		return Q_ERR_ARG;
	if (!s->in_txn) {
		if ((e = store_begin(s)) != Q_OK)
			return e;
		own = 1;
	}
	/* Spend first: a reused token is refused before anything else. */
	if ((e = prep_hot(s, HOT_SPEND, "INSERT INTO spent(h) VALUES(?);", &st)) != Q_OK)
		goto out;
	sqlite3_bind_blob(st, 1, token_hash, STORE_HASH_LEN, SQLITE_STATIC);
	e = step_done(s, st, "spend token");
	release(s, st);
	st = NULL;
	if (e == Q_ERR_EXISTS) {
		seterr(s, "token already spent");
		goto out;
	}
	if (e != Q_OK)
		goto out;
	e = put_ballot(s, code, body, len);
	if (e == Q_ERR_EXISTS)
		seterr(s, "a ballot with this tracking code is already stored");
	if (e != Q_OK) {
		/* Undo the spend inside a caller's transaction. */
		if (!own && prep(s, "DELETE FROM spent WHERE h = ?;", &st) == Q_OK) {
			sqlite3_bind_blob(st, 1, token_hash, STORE_HASH_LEN, SQLITE_STATIC);
			(void)sqlite3_step(st);
		}
		goto out;
	}
	if (own)
		e = store_commit(s);
out:
	sqlite3_finalize(st);
	if (e != Q_OK && own)
		store_rollback(s);
	return e;
}

qerr store_box_put_recovered(store *s, const uint8_t code[STORE_HASH_LEN], const uint8_t *body,
                             size_t len)
{
	qerr e = need(s, STORE_BOX);
	if (e != Q_OK)
		return e;
	if (body == NULL || len == 0 || len > 0x7fffffff)
		return Q_ERR_ARG;
	return put_ballot(s, code, body, len);
}

qerr store_box_put_challenged(store *s, const uint8_t code[STORE_HASH_LEN], const uint8_t *body,
                              size_t len, const uint8_t *opening, size_t olen)
{
	qerr e = need(s, STORE_BOX);
	if (e != Q_OK)
		return e;
	if (body == NULL || len == 0 || len > 0x7fffffff || opening == NULL || olen > 0x7fffffff)
		return Q_ERR_ARG;
	return put_code_body(s, "INSERT INTO challenged(code, body, opening) VALUES(?, ?, ?);",
	                     code, body, len, opening, olen);
}

qerr store_box_put_receipt(store *s, const uint8_t k[STORE_HASH_LEN],
                           const uint8_t code[STORE_HASH_LEN])
{
	sqlite3_stmt *st = NULL;
	qerr e = need(s, STORE_BOX);
	if (e != Q_OK)
		return e;
	if ((e = prep_hot(s, HOT_RECEIPT, "INSERT INTO receipts(k, code) VALUES(?, ?);", &st)) !=
	    Q_OK)
		return e;
	sqlite3_bind_blob(st, 1, k, STORE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, code, STORE_HASH_LEN, SQLITE_STATIC);
	e = step_done(s, st, "receipt");
	release(s, st);
	return e;
}

qerr store_box_receipt(store *s, const uint8_t k[STORE_HASH_LEN], uint8_t code[STORE_HASH_LEN])
{
	sqlite3_stmt *st = NULL;
	qerr e = need(s, STORE_BOX);
	if (e != Q_OK)
		return e;
	if ((e = prep(s, "SELECT code FROM receipts WHERE k = ?;", &st)) != Q_OK)
		return e;
	sqlite3_bind_blob(st, 1, k, STORE_HASH_LEN, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == STORE_HASH_LEN)
		memcpy(code, sqlite3_column_blob(st, 0), STORE_HASH_LEN);
	else if (rc == SQLITE_DONE)
		e = Q_ERR_NOTFOUND;
	else
		e = db_fail(s, "receipt");
	sqlite3_finalize(st);
	return e;
}

qerr store_box_spent(store *s, const uint8_t token_hash[STORE_HASH_LEN])
{
	qerr e = need(s, STORE_BOX);
	if (e != Q_OK)
		return e;
	return exists_blob(s, -1, "SELECT 1 FROM spent WHERE h = ?;", token_hash, STORE_HASH_LEN);
}

qerr store_box_has(store *s, const uint8_t code[STORE_HASH_LEN])
{
	sqlite3_int64 id;
	qerr e = need(s, STORE_BOX);
	if (e != Q_OK)
		return e;
	return ballot_find(s, code, &id);
}

qerr store_box_counts(store *s, uint64_t *cast, uint64_t *challenged, uint64_t *spent)
{
	qerr e = need(s, STORE_BOX);
	if (e == Q_OK && cast != NULL)
		e = count(s, "SELECT count(*) FROM ballots;", cast);
	if (e == Q_OK && challenged != NULL)
		e = count(s, "SELECT count(*) FROM challenged;", challenged);
	if (e == Q_OK && spent != NULL)
		e = count(s, "SELECT count(*) FROM spent;", spent);
	return e;
}

qerr store_box_foreach(store *s, int challenged, store_ballot_cb cb, void *ctx)
{
	sqlite3_stmt *st = NULL;
	qerr e = need(s, STORE_BOX);
	if (e != Q_OK)
		return e;
	if ((e = prep(s,
	              challenged ? "SELECT code, body, opening FROM challenged ORDER BY code;"
	                         : "SELECT code, body, NULL FROM ballots ORDER BY code;",
	              &st)) != Q_OK)
		return e;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *code = sqlite3_column_blob(st, 0);
		if (code == NULL || sqlite3_column_bytes(st, 0) != STORE_HASH_LEN) {
			seterr(s, "stored tracking code has the wrong length");
			e = Q_ERR_CORRUPT;
			goto out;
		}
		const uint8_t *body = sqlite3_column_blob(st, 1);
		size_t len = (size_t)sqlite3_column_bytes(st, 1);
		const uint8_t *op = sqlite3_column_blob(st, 2);
		size_t olen = (size_t)sqlite3_column_bytes(st, 2);
		if (cb(ctx, code, body, len, op, olen) != 0) {
			e = Q_ERR_STATE;
			goto out;
		}
	}
	if (rc != SQLITE_DONE)
		e = db_fail(s, "walk");
out:
	sqlite3_finalize(st);
	return e;
}

static qerr foreach_hash(store *s, store_kind kind, const char *sql, store_hash_cb cb, void *ctx)
{
	sqlite3_stmt *st = NULL;
	qerr e = need(s, kind);
	if (e != Q_OK)
		return e;
	if ((e = prep(s, sql, &st)) != Q_OK)
		return e;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *h = sqlite3_column_blob(st, 0);
		if (h == NULL || sqlite3_column_bytes(st, 0) != STORE_HASH_LEN) {
			seterr(s, "stored token hash has the wrong length");
			e = Q_ERR_CORRUPT;
			goto out;
		}
		if (cb(ctx, h) != 0) {
			e = Q_ERR_STATE;
			goto out;
		}
	}
	if (rc != SQLITE_DONE)
		e = db_fail(s, "walk");
out:
	sqlite3_finalize(st);
	return e;
}

qerr store_box_foreach_spent(store *s, store_hash_cb cb, void *ctx)
{
	return foreach_hash(s, STORE_BOX, "SELECT h FROM spent ORDER BY h;", cb, ctx);
}

qerr store_roll_foreach_token(store *s, store_hash_cb cb, void *ctx)
{
	return foreach_hash(s, STORE_ROLL, "SELECT h FROM tokens ORDER BY h;", cb, ctx);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* audit/log: storage, torn tails, corruption, checkpoints, verification. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/log.h"
#include "audit/note.h"
#include "crypto/util.h"
#include "testutil.h"

static char *dir;
static char *logdir;

static void setup(void)
{
	dir = test_tmpdir();
	size_t n = strlen(dir) + 8;
	logdir = malloc(n);
	snprintf(logdir, n, "%s/log", dir);
}

static void teardown(void)
{
	test_rmtree(dir);
	free(dir);
	free(logdir);
}

TestSuite(log, .init = setup, .fini = teardown);

static char *path(const char *name)
{
	static char buf[4096];
	snprintf(buf, sizeof buf, "%s/%s", logdir, name);
	return buf;
}

static audit_log *make(unsigned n)
{
	audit_log *lg = NULL;
	char msg[LOG_MSG_MAX];
	cr_assert(log_create(logdir, "quorum.example/e1/s1", &lg, msg, sizeof msg) == Q_OK, "%s",
	          msg);
	for (unsigned i = 0; i < n; i++) {
		char e[32];
		uint64_t idx;
		int l = snprintf(e, sizeof e, "entry %u", i);
		cr_assert(log_append(lg, e, (size_t)l, &idx) == Q_OK);
		cr_assert_eq(idx, i);
	}
	return lg;
}

static off_t fsize(const char *p)
{
	struct stat st;
	cr_assert(stat(p, &st) == 0);
	return st.st_size;
}

Test(log, create_append_reopen)
{
	audit_log *lg = make(0);
	struct stat st;
	cr_assert(stat(path("key"), &st) == 0);
	cr_assert_eq(st.st_mode & 0777, 0600, "key file mode");
	/* A second create there fails. */
	audit_log *lg2 = NULL;
	char msg[LOG_MSG_MAX];
	cr_assert(log_create(logdir, "x", &lg2, msg, sizeof msg) == Q_ERR_EXISTS);
	cr_assert(log_create(dir, "bad origin", &lg2, msg, sizeof msg) == Q_ERR_ARG);
	/* Empty entry, max entry, too long entry. */
	uint8_t *big = calloc(1, 65536);
	uint64_t idx = 0;
	cr_assert(log_append(lg, NULL, 0, &idx) == Q_OK);
	cr_assert(log_append(lg, big, 65535, &idx) == Q_OK);
	cr_assert_eq(idx, 1);
	cr_assert(log_append(lg, big, 65536, &idx) == Q_ERR_LIMIT);
	log_entry b[3] = {{"a", 1}, {"bb", 2}, {"", 0}};
	cr_assert(log_append_batch(lg, b, 3, &idx) == Q_OK);
	cr_assert_eq(idx, 2);
	cr_assert_eq(log_size(lg), 5);
	merkle_hash r1, r2;
	cr_assert(log_root(lg, 5, r1) == Q_OK);
	/* Another writer is locked out; a reader is not. */
	cr_assert(log_open(logdir, LOG_RDWR, &lg2, msg, sizeof msg) == Q_ERR_STATE);
	cr_assert(log_open(logdir, LOG_RDONLY, &lg2, msg, sizeof msg) == Q_OK);
	log_close(lg2);
	log_close(lg);
	cr_assert(log_open(logdir, LOG_RDWR, &lg, msg, sizeof msg) == Q_OK, "%s", msg);
	cr_assert_str_eq(msg, "");
	cr_assert_eq(log_size(lg), 5);
	cr_assert(log_root(lg, 5, r2) == Q_OK);
	cr_assert(memcmp(r1, r2, 32) == 0);
	size_t len = 0;
	cr_assert(log_read_entry(lg, 1, big, &len) == Q_OK);
	cr_assert_eq(len, 65535);
	cr_assert(log_read_entry(lg, 3, big, &len) == Q_OK);
	cr_assert(len == 2 && memcmp(big, "bb", 2) == 0);
	cr_assert(log_read_entry(lg, 5, big, &len) == Q_ERR_RANGE);
	uint64_t n = 0;
	size_t ncp = 9;
	cr_assert(log_verify(lg, &n, &ncp) == Q_OK, "%s", log_error(lg));
	cr_assert(n == 5 && ncp == 0);
	log_close(lg);
	log_close(NULL);
	free(big);
}

Test(log, torn_tail_is_cut_back)
{
	audit_log *lg = make(10);
	log_close(lg);
	off_t es = fsize(path("entries")), ls = fsize(path("leaves"));
	/* A partial leaf record and a partial entry record, as a crash leaves them. */
	cr_assert(truncate(path("leaves"), ls - 7) == 0);
	int fd = open(path("entries"), O_WRONLY | O_APPEND);
	cr_assert(write(fd, "\x00\x09par", 5) == 5);
	close(fd);
	char msg[LOG_MSG_MAX];
	/* Read-only: ignored, nothing changed. */
	cr_assert(log_open(logdir, LOG_RDONLY, &lg, msg, sizeof msg) == Q_OK, "%s", msg);
	cr_assert_eq(log_size(lg), 9);
	cr_assert(strstr(msg, "torn") != NULL);
	log_close(lg);
	cr_assert_eq(fsize(path("leaves")), ls - 7);
	/* Writer: cut back to 9 complete entries, with a message. */
	cr_assert(log_open(logdir, LOG_RDWR, &lg, msg, sizeof msg) == Q_OK, "%s", msg);
	cr_assert(strstr(msg, "torn tail cut back") != NULL, "%s", msg);
	cr_assert_eq(log_size(lg), 9);
	cr_assert_eq(fsize(path("leaves")), 9 * 40);
	cr_assert(fsize(path("entries")) < es);
	uint64_t idx;
	cr_assert(log_append(lg, "again", 5, &idx) == Q_OK);
	cr_assert_eq(idx, 9);
	cr_assert(log_verify(lg, NULL, NULL) == Q_OK, "%s", log_error(lg));
	log_close(lg);
	cr_assert(log_open(logdir, LOG_RDWR, &lg, msg, sizeof msg) == Q_OK);
	cr_assert_str_eq(msg, "");
	log_close(lg);
}

static void flip_byte(const char *p, off_t off)
{
	int fd = open(p, O_RDWR);
	uint8_t b;
	cr_assert(pread(fd, &b, 1, off) == 1);
	b ^= 0x20;
	cr_assert(pwrite(fd, &b, 1, off) == 1);
	close(fd);
}

Test(log, corrupted_middle_is_reported_not_repaired)
{
	audit_log *lg = make(20);
	char *note = NULL;
	size_t len = 0;
	cr_assert(log_checkpoint_sign(lg, &note, &len) == Q_OK);
	free(note);
	log_close(lg);
	off_t es = fsize(path("entries"));
	char msg[LOG_MSG_MAX];
	/* A flipped byte inside entry 5's data: open is fine, verify names it. */
	flip_byte(path("entries"), 5 * 9 + 4);
	cr_assert(log_open(logdir, LOG_RDONLY, &lg, msg, sizeof msg) == Q_OK);
	cr_assert(log_verify(lg, NULL, NULL) == Q_ERR_CORRUPT);
	cr_assert(strstr(log_error(lg), "entry 5") != NULL, "%s", log_error(lg));
	log_close(lg);
	flip_byte(path("entries"), 5 * 9 + 4);
	/* A flipped leaf hash in the middle: the checkpoint root no longer matches. */
	flip_byte(path("leaves"), 7 * 40 + 20);
	cr_assert(log_open(logdir, LOG_RDWR, &lg, msg, sizeof msg) == Q_ERR_CORRUPT);
	cr_assert_null(lg);
	cr_assert(strstr(msg, "not repaired") != NULL, "%s", msg);
	flip_byte(path("leaves"), 7 * 40 + 20);
	/* A broken offset in the middle. */
	flip_byte(path("leaves"), 3 * 40 + 7);
	cr_assert(log_open(logdir, LOG_RDWR, &lg, msg, sizeof msg) == Q_ERR_CORRUPT);
	cr_assert(strstr(msg, "out of sequence") != NULL, "%s", msg);
	flip_byte(path("leaves"), 3 * 40 + 7);
	/* Entries cut below the checkpointed size: reported, nothing truncated. */
	cr_assert(truncate(path("entries"), es / 2) == 0);
	cr_assert(log_open(logdir, LOG_RDWR, &lg, msg, sizeof msg) == Q_ERR_CORRUPT);
	cr_assert_eq(fsize(path("leaves")), 20 * 40);
	cr_assert_eq(fsize(path("entries")), es / 2);
}

Test(log, checkpoints_are_kept_and_consistent)
{
	audit_log *lg = make(3);
	char *n1 = NULL, *n2 = NULL, *n3 = NULL, *g = NULL;
	size_t l1 = 0, l2 = 0, l3 = 0, gl = 0;
	checkpoint cp;
	cr_assert(log_checkpoint_sign(lg, &n1, &l1) == Q_OK, "%s", log_error(lg));
	cr_assert(log_checkpoint_sign(lg, &n3, &l3) == Q_OK);
	cr_assert(l1 == l3 && memcmp(n1, n3, l1) == 0, "same size: the kept one is returned");
	uint64_t idx;
	cr_assert(log_append(lg, "x", 1, &idx) == Q_OK);
	cr_assert(log_checkpoint_sign(lg, &n2, &l2) == Q_OK);
	cr_assert(checkpoint_open(&cp, n2, l2, log_vkey(lg)) == Q_OK);
	cr_assert_eq(cp.size, 4);
	cr_assert(log_checkpoint_get(lg, 3, &g, &gl, &cp) == Q_OK);
	cr_assert(gl == l1 && memcmp(g, n1, gl) == 0);
	free(g);
	cr_assert(log_checkpoint_get(lg, 2, &g, &gl, &cp) == Q_ERR_NOTFOUND);
	size_t ncp = 0;
	cr_assert(log_verify(lg, NULL, &ncp) == Q_OK, "%s", log_error(lg));
	cr_assert_eq(ncp, 2);
	log_close(lg);

	/* Rewrite history behind the log's back: drop the kept checkpoint 4 and
	 * change entry 3 (which no kept checkpoint covers any more).  Signing
	 * size 4 is then ALLOWED -- it extends the kept checkpoint 3 -- but the
	 * old checkpoint 4 put back beside it makes open report the fork. */
	char msg[LOG_MSG_MAX];
	cr_assert(log_open(logdir, LOG_RDWR, &lg, msg, sizeof msg) == Q_OK);
	log_close(lg);
	cr_assert(unlink(path("checkpoints/4")) == 0);
	/* entry 3 "x" becomes "y", with a matching leaf hash: a forked history. */
	merkle_hash h;
	merkle_leaf_hash(h, "y", 1);
	int fd = open(path("entries"), O_RDWR);
	off_t es = fsize(path("entries"));
	cr_assert(pwrite(fd, "y", 1, es - 1) == 1);
	close(fd);
	fd = open(path("leaves"), O_RDWR);
	cr_assert(pwrite(fd, h, 32, 3 * 40 + 8) == 32);
	close(fd);
	cr_assert(log_open(logdir, LOG_RDWR, &lg, msg, sizeof msg) == Q_OK, "%s", msg);
	char *n4 = NULL;
	size_t l4 = 0;
	cr_assert(log_checkpoint_sign(lg, &n4, &l4) == Q_OK, "3 -> 4 extends checkpoint 3: %s",
	          log_error(lg));
	cr_assert(l4 != l2 || memcmp(n4, n2, l4) != 0, "a new checkpoint 4, of the forked tree");
	free(n4);
	log_close(lg);
	/* Now put the old checkpoint 4 back in place of the forked one: the
	 * log no longer opens, and says why. */
	cr_assert(unlink(path("checkpoints/4")) == 0);
	cr_assert(test_write_file(path("checkpoints/4"), n2, l2) == 0);
	lg = NULL;
	cr_assert(log_open(logdir, LOG_RDONLY, &lg, msg, sizeof msg) == Q_ERR_CORRUPT);
	cr_assert_null(lg);
	cr_assert(strstr(msg, "differs from the signed checkpoint") != NULL, "%s", msg);
	free(n1);
	free(n2);
	free(n3);
}

/* The log's files rewritten consistently below a kept checkpoint: open
 * refuses the log (so nothing can be signed over it). */
Test(log, open_refuses_log_that_differs_from_checkpoint)
{
	audit_log *lg = make(5);
	char *n = NULL;
	size_t l = 0;
	cr_assert(log_checkpoint_sign(lg, &n, &l) == Q_OK);
	free(n);
	log_close(lg);
	/* Replace entry 0's leaf hash and data consistently: the checkpoint of
	 * size 5 no longer matches the files, and open says so. */
	merkle_hash h;
	merkle_leaf_hash(h, "ENTRY 0", 7);
	int fd = open(path("entries"), O_RDWR);
	cr_assert(pwrite(fd, "ENTRY 0", 7, 2) == 7);
	close(fd);
	fd = open(path("leaves"), O_RDWR);
	cr_assert(pwrite(fd, h, 32, 8) == 32);
	close(fd);
	char msg[LOG_MSG_MAX];
	lg = NULL;
	cr_assert(log_open(logdir, LOG_RDWR, &lg, msg, sizeof msg) == Q_ERR_CORRUPT);
	cr_assert_null(lg);
	cr_assert(strstr(msg, "differs from the signed checkpoint") != NULL, "%s", msg);
}

/* A checkpoint kept by someone else while the log is open (signed with the
 * log's own key, over another tree): log_checkpoint_sign must not sign a
 * checkpoint that does not extend it, and must keep nothing. */
Test(log, refuses_to_sign_inconsistent_checkpoint)
{
	audit_log *lg = make(5);
	char *n = NULL;
	size_t l = 0;
	cr_assert(log_checkpoint_sign(lg, &n, &l) == Q_OK);
	free(n);
	/* Forge checkpoint 5 over a different root, with the log's key. */
	size_t sklen = 0;
	char *sk = test_read_file(path("key"), &sklen);
	note_signer s;
	cr_assert(note_signer_parse(&s, sk, sklen) == Q_OK);
	checkpoint cp;
	memset(&cp, 0, sizeof cp);
	snprintf(cp.origin, sizeof cp.origin, "%s", log_origin(lg));
	cp.size = 5;
	memset(cp.root, 0x5a, sizeof cp.root);
	char body[512];
	size_t blen = 0;
	cr_assert(checkpoint_format(&cp, body, sizeof body, &blen) == Q_OK);
	cr_assert(note_sign(&s, body, blen, &n, &l) == Q_OK);
	note_signer_wipe(&s);
	wipe(sk, sklen);
	free(sk);
	cr_assert(unlink(path("checkpoints/5")) == 0);
	cr_assert(test_write_file(path("checkpoints/5"), n, l) == 0);
	free(n);
	/* The forged checkpoint verifies under the log's key ... */
	char *g = NULL;
	size_t gl = 0;
	cr_assert(log_checkpoint_get(lg, 5, &g, &gl, &cp) == Q_OK, "%s", log_error(lg));
	free(g);
	/* ... so the next signing must refuse, naming the kept checkpoint. */
	uint64_t idx;
	cr_assert(log_append(lg, "entry 5", 7, &idx) == Q_OK);
	n = (char *)1;
	l = 1;
	cr_assert_eq(log_checkpoint_sign(lg, &n, &l), Q_ERR_CONSISTENCY);
	cr_assert_null(n);
	cr_assert_eq(l, 0);
	cr_assert(strstr(log_error(lg), "checkpoint of size 5 is not a prefix") != NULL, "%s",
	          log_error(lg));
	struct stat st;
	cr_assert(stat(path("checkpoints/6"), &st) != 0, "no checkpoint 6 was kept");
	log_close(lg);
}

Test(log, tampered_checkpoint_file)
{
	audit_log *lg = make(4);
	char *n = NULL;
	size_t l = 0;
	cr_assert(log_checkpoint_sign(lg, &n, &l) == Q_OK);
	log_close(lg);
	n[0] ^= 1; /* the signed text changes: the signature must fail */
	cr_assert(unlink(path("checkpoints/4")) == 0);
	cr_assert(test_write_file(path("checkpoints/4"), n, l) == 0);
	char msg[LOG_MSG_MAX];
	cr_assert(log_open(logdir, LOG_RDONLY, &lg, msg, sizeof msg) == Q_ERR_CORRUPT);
	cr_assert(strstr(msg, "signature") != NULL, "%s", msg);
	free(n);
}

/* What log_verify_visit hands its reader. */
typedef struct visit_rec {
	uint64_t n, stop_at;
	int in_order;
	char last[32];
} visit_rec;

static qerr visit_cb(void *ctx, uint64_t index, const uint8_t *entry, size_t len)
{
	visit_rec *v = ctx;
	char want[32];
	int l = snprintf(want, sizeof want, "entry %u", (unsigned)index);
	if (index != v->n || len != (size_t)l || memcmp(entry, want, len) != 0)
		v->in_order = 0;
	v->n++;
	if (index == v->stop_at)
		return Q_ERR_STATE;
	return Q_OK;
}

/* log_verify_visit: every entry once, in order, as verified; at most upto;
 * a flipped byte of an entry, a log cut short, a tampered checkpoint are
 * refused with log_verify's error and message, no entry from the bad one
 * on handed to the reader; a reader that stops stops the pass. */
Test(log, verify_visit_reads_once_same_errors)
{
	audit_log *lg = make(20);
	char *note = NULL, msg[LOG_MSG_MAX], want[LOG_MSG_MAX];
	size_t len = 0, ncp = 0;
	uint64_t ne = 0;
	cr_assert(log_checkpoint_sign(lg, &note, &len) == Q_OK);
	free(note);
	log_close(lg);
	cr_assert(log_open(logdir, LOG_RDONLY, &lg, msg, sizeof msg) == Q_OK);
	visit_rec v = {0, UINT64_MAX, 1, ""};
	cr_assert_eq(log_verify_visit(lg, UINT64_MAX, visit_cb, &v, &ne, &ncp), Q_OK);
	cr_assert_eq(v.n, 20);
	cr_assert(v.in_order);
	cr_assert_eq(ne, 20);
	cr_assert_eq(ncp, 1);
	visit_rec u = {0, UINT64_MAX, 1, ""};
	cr_assert_eq(log_verify_visit(lg, 7, visit_cb, &u, NULL, NULL), Q_OK);
	cr_assert_eq(u.n, 7);
	visit_rec s = {0, 3, 1, ""};
	cr_assert_eq(log_verify_visit(lg, UINT64_MAX, visit_cb, &s, NULL, NULL), Q_ERR_STATE);
	cr_assert_eq(s.n, 4);
	cr_assert(strstr(log_error(lg), "entry 3: stopped by the reader") != NULL, "%s",
	          log_error(lg));
	log_close(lg);

	/* a flipped byte inside entry 5: entries 0-4 visited, then log_verify's error */
	flip_byte(path("entries"), 5 * 9 + 4);
	cr_assert(log_open(logdir, LOG_RDONLY, &lg, msg, sizeof msg) == Q_OK);
	cr_assert(log_verify(lg, NULL, NULL) == Q_ERR_CORRUPT);
	snprintf(want, sizeof want, "%s", log_error(lg));
	visit_rec f = {0, UINT64_MAX, 1, ""};
	cr_assert_eq(log_verify_visit(lg, UINT64_MAX, visit_cb, &f, NULL, NULL), Q_ERR_CORRUPT);
	cr_assert_str_eq(log_error(lg), want);
	cr_assert(strstr(want, "entry 5 does not match its leaf hash") != NULL, "%s", want);
	cr_assert_eq(f.n, 5);
	cr_assert(f.in_order);
	log_close(lg);
	flip_byte(path("entries"), 5 * 9 + 4);

	/* the last entry's bytes cut off (its leaf kept): read-only open sees a
	 * torn tail of 19 entries that the checkpoint of 20 covers: refused */
	off_t es = fsize(path("entries"));
	cr_assert(truncate(path("entries"), es - 3) == 0);
	cr_assert(log_open(logdir, LOG_RDONLY, &lg, msg, sizeof msg) == Q_ERR_CORRUPT);
	cr_assert_null(lg);
	cr_assert(strstr(msg, "covers more") != NULL, "%s", msg);
	/* without the checkpoint: 19 entries, and bytes after the last one */
	char cpf[4096], keep[4096];
	snprintf(cpf, sizeof cpf, "%s", path("checkpoints/20"));
	snprintf(keep, sizeof keep, "%s", path("cp20"));
	cr_assert(rename(cpf, keep) == 0);
	cr_assert(log_open(logdir, LOG_RDONLY, &lg, msg, sizeof msg) == Q_OK, "%s", msg);
	cr_assert_eq(log_size(lg), 19);
	visit_rec t = {0, UINT64_MAX, 1, ""};
	cr_assert_eq(log_verify_visit(lg, UINT64_MAX, visit_cb, &t, NULL, NULL), Q_OK);
	cr_assert_eq(t.n, 19);
	log_close(lg);
	cr_assert(rename(keep, cpf) == 0);
}

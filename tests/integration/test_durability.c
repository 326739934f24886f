/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Durability, shown by the order of the system calls rather than by killing
 * a process (a killed process's writes survive in the page cache, so the
 * SIGKILL tests prove atomicity and recovery only).  The programs run under
 * the fault shim (tests/common/fault_shim.c, LD_PRELOAD), which records
 * every write, fsync/fdatasync, rename/link in order, and can make chosen
 * syncs fail.
 *
 * Covered: the audit log (audit/log.c) create, append and checkpoint
 * entries then leaves written, both fdatasync'd, before an index is
 * reported; checkpoints: temporary file, fsync, rename, directory fsync);
 * the record writer rec_write_file (tally/record.c, R-1.1: temporary file,
 * fsync, link or rename, directory fsync, then the caller acknowledges);
 * sealed files (seal_file_write, S-5.1).  The ballot daemon's receipt after
 * its syncs is in tests/voter/test_ballotd_faults.c; what a power cut at
 * each sync point leaves of the daemon's state, and that it recovers every
 * acknowledged ballot, in tests/voter/test_ballotd_powercut.c.  Not
 * covered: whether the disk honours the syncs.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static char *dir;
static char trace_path[600], out_path[600], err_path[600];

static void setup(void)
{
	dir = test_tmpdir();
	snprintf(trace_path, sizeof trace_path, "%s/trace", dir);
	snprintf(out_path, sizeof out_path, "%s/out.txt", dir);
	snprintf(err_path, sizeof err_path, "%s/err.txt", dir);
}

static void teardown(void)
{
	test_rmtree(dir);
	free(dir);
}

TestSuite(durability, .init = setup, .fini = teardown, .timeout = 120);

static const char *env_or_fail(const char *name)
{
	const char *v = getenv(name);
	cr_assert(v != NULL && v[0] != 0, "%s not set (run through meson test)", name);
	return v;
}

/* Run argv under the shim (tracing everything in dir), with an optional
 * fault ("fail") on the files matching `match`.  stdout goes to out.txt,
 * stderr to err.txt.  Returns the exit status. */
static int run(const char *fault, const char *match, const char *const *argv)
{
	unlink(trace_path);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		char asan[512];
		const char *a = getenv("ASAN_OPTIONS");
		snprintf(asan, sizeof asan, "%s%sverify_asan_link_order=0", a ? a : "",
		         a ? ":" : "");
		setenv("ASAN_OPTIONS", asan, 1);
		setenv("LD_PRELOAD", env_or_fail("QUORUM_FAULT_SHIM"), 1);
		setenv("QUORUM_SHIM_TRACE", trace_path, 1);
		setenv("QUORUM_SHIM_TRACE_MATCH", dir, 1);
		if (fault != NULL) {
			setenv("QUORUM_SHIM_FAULT", fault, 1);
			setenv("QUORUM_SHIM_FAULT_MATCH", match, 1);
		}
		int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		if (chdir(dir) != 0)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st), "%s killed by signal %d", argv[0], WTERMSIG(st));
	return WEXITSTATUS(st);
}

/* The trace, one call per line, with dir/ cut off the paths. */
typedef struct {
	char *buf;
	char *line[256];
	size_t n;
} trace;

static void trace_load(trace *t)
{
	size_t len = 0, dl = strlen(dir);
	memset(t, 0, sizeof *t);
	t->buf = test_read_file(trace_path, &len);
	if (t->buf == NULL) {
		t->buf = strdup("");
		return;
	}
	for (char *p = t->buf; *p && t->n < 256;) {
		char *nl = strchr(p, '\n');
		if (nl != NULL)
			*nl = 0;
		/* "op /dir/x /dir/y" -> "op x y", and dir itself -> "." */
		char *q;
		while ((q = strstr(p, dir)) != NULL) {
			if (q[dl] == '/') {
				memmove(q, q + dl + 1, strlen(q + dl + 1) + 1);
			} else {
				q[0] = '.';
				memmove(q + 1, q + dl, strlen(q + dl) + 1);
			}
		}
		t->line[t->n++] = p;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

static void trace_dump(const trace *t)
{
	for (size_t i = 0; i < t->n; i++)
		cr_log_info("  %zu: %s", i, t->line[i]);
}

/* Index of the first line equal to `want` at or after `from`; fails the
 * test (with the trace) if there is none. */
static size_t at(const trace *t, size_t from, const char *want)
{
	for (size_t i = from; i < t->n; i++)
		if (strcmp(t->line[i], want) == 0)
			return i;
	trace_dump(t);
	cr_assert_fail("\"%s\" not in the trace after line %zu", want, from);
	return 0;
}

static size_t count(const trace *t, const char *want)
{
	size_t c = 0;
	for (size_t i = 0; i < t->n; i++)
		c += strcmp(t->line[i], want) == 0;
	return c;
}

static char *slurp(const char *path)
{
	size_t len;
	char *s = test_read_file(path, &len);
	cr_assert_not_null(s, "%s", path);
	return s;
}

static char audit_bin[600], helper_bin[600];

static void bins(void)
{
	const char *b = env_or_fail("QUORUM_BUILD_ROOT");
	snprintf(audit_bin, sizeof audit_bin, "%s/audit/quorum-audit", b);
	snprintf(helper_bin, sizeof helper_bin, "%s/tests/integration/durability_helper", b);
}

Test(durability, audit_log_syncs_before_reporting)
{
	trace t;
	bins();
	/* init: each file fsync'd after it is written, then the directory. */
	const char *init[] = {audit_bin, "init", "log", "--origin", "quorum.example/e1/d", NULL};
	cr_assert_eq(run(NULL, NULL, init), 0);
	trace_load(&t);
	size_t k = at(&t, at(&t, 0, "write log/key"), "fsync log/key");
	size_t v = at(&t, at(&t, 0, "write log/vkey"), "fsync log/vkey");
	size_t d = at(&t, 0, "fsync log");
	cr_assert(d > k && d > v, "the directory is fsync'd after its files");
	free(t.buf);

	/* append: entries, then leaves written; entries, then leaves
	 * fdatasync'd; one batch = exactly two syncs; nothing written after. */
	char e0[700];
	snprintf(e0, sizeof e0, "%s/e0", dir);
	cr_assert_eq(test_write_file(e0, "entry zero", 10), 0);
	const char *app[] = {audit_bin, "append", "log", "e0", NULL};
	cr_assert_eq(run(NULL, NULL, app), 0);
	trace_load(&t);
	size_t we = at(&t, 0, "write log/entries");
	size_t wl = at(&t, we, "write log/leaves");
	size_t se = at(&t, wl, "fdatasync log/entries");
	size_t sl = at(&t, se, "fdatasync log/leaves");
	cr_assert_eq(count(&t, "fdatasync log/entries") + count(&t, "fsync log/entries"), 1);
	cr_assert_eq(count(&t, "fdatasync log/leaves") + count(&t, "fsync log/leaves"), 1);
	cr_assert_eq(sl, t.n - 1, "nothing after the last sync");
	free(t.buf);
	char *o = slurp(out_path);
	cr_assert_str_eq(o, "0\n", "the index is reported");
	free(o);

	/* checkpoint: the entries are synced; the note goes to a temporary
	 * file, fsync, rename to checkpoints/1, fsync of checkpoints/. */
	const char *cp[] = {audit_bin, "checkpoint", "log", NULL};
	cr_assert_eq(run(NULL, NULL, cp), 0);
	trace_load(&t);
	size_t s0 = at(&t, 0, "fdatasync log/leaves");
	size_t w = at(&t, s0, "write log/checkpoints/.tmp-1");
	size_t f = at(&t, w, "fsync log/checkpoints/.tmp-1");
	size_t r = at(&t, f, "rename log/checkpoints/.tmp-1 log/checkpoints/1");
	size_t fd = at(&t, r, "fsync log/checkpoints");
	cr_assert_eq(fd, t.n - 1, "the directory fsync is the last call");
	free(t.buf);
}

Test(durability, audit_log_failed_sync_reports_nothing)
{
	trace t;
	bins();
	const char *init[] = {audit_bin, "init", "log", "--origin", "quorum.example/e1/d", NULL};
	cr_assert_eq(run(NULL, NULL, init), 0);
	char e0[700];
	snprintf(e0, sizeof e0, "%s/e0", dir);
	cr_assert_eq(test_write_file(e0, "entry zero", 10), 0);
	const char *app[] = {audit_bin, "append", "log", "e0", NULL};
	/* fdatasync of leaves fails: no index is reported, and the entry is
	 * cut back (the next append gets index 0 again). */
	cr_assert_neq(run("fail", "log/leaves$", app), 0);
	trace_load(&t);
	(void)at(&t, 0, "fdatasync-failed log/leaves");
	free(t.buf);
	char *o = slurp(out_path), *er = slurp(err_path);
	cr_assert_str_eq(o, "", "no index reported");
	cr_assert(strstr(er, "fdatasync") != NULL, "%s", er);
	free(o), free(er);
	cr_assert_eq(run(NULL, NULL, app), 0);
	o = slurp(out_path);
	cr_assert_str_eq(o, "0\n");
	free(o);
	/* The checkpoint's temporary file cannot be synced: nothing is
	 * renamed into checkpoints/, nothing printed. */
	const char *cp[] = {audit_bin, "checkpoint", "log", NULL};
	cr_assert_neq(run("fail", "log/checkpoints/.tmp-1$", cp), 0);
	trace_load(&t);
	(void)at(&t, 0, "fsync-failed log/checkpoints/.tmp-1");
	for (size_t i = 0; i < t.n; i++)
		cr_assert(strncmp(t.line[i], "rename", 6) != 0, "renamed: %s", t.line[i]);
	free(t.buf);
	o = slurp(out_path);
	cr_assert_str_eq(o, "", "no checkpoint printed");
	free(o);
	char p[700];
	struct stat sb;
	snprintf(p, sizeof p, "%s/log/checkpoints/1", dir);
	cr_assert_neq(stat(p, &sb), 0, "no checkpoint kept");
	/* The directory cannot be synced: the command fails, prints nothing. */
	cr_assert_neq(run("fail", "log/checkpoints$", cp), 0);
	trace_load(&t);
	(void)at(&t, at(&t, 0, "rename log/checkpoints/.tmp-1 log/checkpoints/1"),
	         "fsync-failed log/checkpoints");
	free(t.buf);
	o = slurp(out_path);
	cr_assert_str_eq(o, "", "no checkpoint printed");
	free(o);
}

static void record_case(const char *how, const char *op)
{
	trace t;
	char want[200];
	const char *argv[] = {helper_bin, "record", "rec/result.json", how, "{\"x\":1}\n", NULL};
	cr_assert_eq(run(NULL, NULL, argv), 0, "%s", how);
	trace_load(&t);
	/* the temporary name carries the writer's pid: find it */
	size_t w = 0;
	while (w < t.n && strncmp(t.line[w], "write rec/result.json.tmp.", 26) != 0)
		w++;
	if (w == t.n)
		trace_dump(&t);
	cr_assert_lt(w, t.n, "no write of a temporary file");
	const char *tname = t.line[w] + 6;
	snprintf(want, sizeof want, "fsync %s", tname);
	size_t f = at(&t, w, want);
	snprintf(want, sizeof want, "%s %s rec/result.json", op, tname);
	size_t l = at(&t, f, want);
	size_t d = at(&t, l, "fsync rec");
	size_t ack = at(&t, d, "write out.txt");
	cr_assert_eq(ack, t.n - 1);
	free(t.buf);
}

Test(durability, record_writer_syncs_before_acknowledging)
{
	bins();
	char p[700];
	snprintf(p, sizeof p, "%s/rec", dir);
	cr_assert_eq(mkdir(p, 0755), 0);
	/* a file that must be new is hard-linked, else renamed. */
	record_case("new", "link");
	record_case("replace", "rename");
	/* The directory sync fails: the writer reports it, no acknowledgement. */
	const char *argv[] = {helper_bin, "record", "rec/other.json", "new", "{}\n", NULL};
	cr_assert_eq(run("fail", "/rec$", argv), 1);
	char *o = slurp(out_path), *er = slurp(err_path);
	cr_assert_str_eq(o, "");
	cr_assert(strstr(er, "fsync of directory failed") != NULL, "%s", er);
	free(o), free(er);
	/* The file sync fails: nothing at the path, no temporary left. */
	const char *argv2[] = {helper_bin, "record", "rec/third.json", "new", "{}\n", NULL};
	cr_assert_eq(run("fail", "rec/third.json.tmp.", argv2), 1);
	struct stat sb;
	snprintf(p, sizeof p, "%s/rec/third.json", dir);
	cr_assert_neq(stat(p, &sb), 0);
	trace t;
	trace_load(&t);
	for (size_t i = 0; i < t.n; i++)
		cr_assert(strncmp(t.line[i], "link", 4) != 0 && strncmp(t.line[i], "write out", 9),
		          "%s", t.line[i]);
	free(t.buf);
	o = slurp(out_path);
	cr_assert_str_eq(o, "");
	free(o);
}

Test(durability, sealed_file_syncs_before_acknowledging)
{
	trace t;
	bins();
	const char *argv[] = {helper_bin, "sealed", "share.sealed", "a secret share", NULL};
	cr_assert_eq(run(NULL, NULL, argv), 0);
	trace_load(&t);
	/* S-5.1: write all, fsync the file, fsync the directory. */
	size_t w = at(&t, 0, "write share.sealed");
	size_t f = at(&t, w, "fsync share.sealed");
	size_t d = at(&t, f, "fsync ."); /* the parent directory */
	size_t ack = at(&t, d, "write out.txt");
	cr_assert_eq(ack, t.n - 1);
	free(t.buf);
	/* The file sync fails: the writer fails and removes the file. */
	const char *argv2[] = {helper_bin, "sealed", "other.sealed", "x", NULL};
	cr_assert_eq(run("fail", "other.sealed$", argv2), 1);
	char p[700];
	struct stat sb;
	snprintf(p, sizeof p, "%s/other.sealed", dir);
	cr_assert_neq(stat(p, &sb), 0, "the new file is unlinked again");
	char *o = slurp(out_path);
	cr_assert_str_eq(o, "");
	free(o);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_verify_election.c -- the tamper suite of `quorum-audit
 * verify-election` (audit/verify_election.h, docs/spec/verify.md).
 *
 * A real record is built once per run (before any case, in main): the
 * tally team's fixture (tests/tally/fixture.h) for init and the key
 * ceremony, two stations run by the real daemon (fx_station_daemon: the
 * test build of quorum-ballotd writes their P-6 logs and signed P-7
 * records), then the library's tally, three partial decryptions and
 * combine.  The station keys and the election log key are
 * kept outside the record so that cases can play a dishonest station or
 * returning officer who re-signs what they changed.
 *
 * Every case copies the clean record into its own directory, mutates it,
 * and asserts that verification fails AND that the first failing check is
 * the one the mutation belongs to.  A clean record must pass.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit/log.h"
#include "audit/verify_election.h"
#include "crypto/proof.h"
#include "crypto/seal.h"
#include "election/rules.h"
#include "crypto/sig.h"
#include "crypto/transcript.h"
#include "crypto/util.h"
#include "election/srec.h"
#include "fixture.h"
#include "tally/count.h"
#include "tally/decrypt.h"
#include "tally/mix.h"
#include "testutil.h"

#define BASE_ENV "QUORUM_VE_CLEAN"

/* ---- building the clean record (runs in main, before the cases) ---- */

static uint8_t *entry(const char *tag, const void *p, size_t plen, size_t *len)
{
	size_t tl = strlen(tag);
	uint8_t *e = malloc(tl + 1 + plen);
	cr_assert_not_null(e);
	memcpy(e, tag, tl);
	e[tl] = '\n';
	if (plen > 0)
		memcpy(e + tl + 1, p, plen);
	*len = tl + 1 + plen;
	return e;
}

static void append(audit_log *lg, const char *tag, const void *p, size_t plen)
{
	size_t len;
	uint64_t idx;
	uint8_t *e = entry(tag, p, plen, &len);
	cr_assert_eq(log_append(lg, e, len, &idx), Q_OK);
	free(e);
}

static char *b64(const uint8_t *p, size_t len)
{
	char *s = malloc(b64_encoded_len(len) + 1);
	cr_assert_not_null(s);
	b64_encode(s, p, len);
	return s;
}

static char *hexs(const uint8_t *p, size_t len)
{
	char *s = malloc(2 * len + 1);
	cr_assert_not_null(s);
	hex_encode(s, p, len);
	return s;
}

/* Sign and write stations/<sid>/station-record.json(.sig) with key. */
static void write_signed(const char *recdir, const char *sid, json_t *rec, const note_signer *ns)
{
	char p[1400];
	char *txt = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	size_t tl = strlen(txt);
	uint8_t *m = malloc(SREC_SIG_MSG_LEN), sig[SIG_LEN];
	srec_sig_message(m, txt, tl); /* P-7.2 */
	cr_assert_eq(sig_sign(sig, &ns->sk, m, SREC_SIG_MSG_LEN), Q_OK);
	char sb[120];
	b64_encode(sb, sig, SIG_LEN);
	size_t sl = strlen(sb);
	sb[sl] = '\n';
	snprintf(p, sizeof p, "%s/stations/%s/station-record.json", recdir, sid);
	cr_assert_eq(test_write_file(p, txt, tl), 0);
	snprintf(p, sizeof p, "%s/stations/%s/station-record.json.sig", recdir, sid);
	cr_assert_eq(test_write_file(p, sb, sl + 1), 0);
	free(m);
	free(txt);
}

/* Open a log for writing with its key put back from keyfile (the key is
 * removed again by close_log). */
static audit_log *open_log(const char *dir, const char *keyfile)
{
	char kp[4096], msg[512] = "";
	size_t kl;
	audit_log *lg = NULL;
	char *k = test_read_file(keyfile, &kl);
	cr_assert_not_null(k);
	snprintf(kp, sizeof kp, "%s/key", dir);
	cr_assert_eq(test_write_file(kp, k, kl), 0);
	chmod(kp, 0600);
	free(k);
	cr_assert_eq(log_open(dir, LOG_RDWR, &lg, msg, sizeof msg), Q_OK, "%s", msg);
	return lg;
}

static void close_log(audit_log *lg, const char *dir)
{
	char kp[4096];
	log_close(lg);
	snprintf(kp, sizeof kp, "%s/key", dir);
	unlink(kp);
}

static void load_signer(note_signer *ns, const char *keyfile)
{
	size_t kl;
	char *k = test_read_file(keyfile, &kl);
	cr_assert_not_null(k);
	cr_assert_eq(note_signer_parse(ns, k, kl), Q_OK);
	wipe(k, kl);
	free(k);
}

/* The record's log.{size,root,checkpoint,close_index} from the log now. */
static void set_log_fields(json_t *rec, audit_log *lg, const char *note)
{
	merkle_hash r;
	json_t *lj = json_object_get(rec, "log");
	cr_assert_eq(log_root(lg, log_size(lg), r), Q_OK);
	char *rh = hexs(r, 32);
	json_object_set_new(lj, "size", json_integer((json_int_t)log_size(lg)));
	json_object_set_new(lj, "root", json_string(rh));
	json_object_set_new(lj, "checkpoint", json_string(note));
	/* close_index: the poll-closed entry, appended last by station()
	 * (later appends by the dishonest-station cases keep it). */
	if (json_object_get(lj, "close_index") == NULL)
		json_object_set_new(lj, "close_index", json_integer((json_int_t)log_size(lg) - 1));
	free(rh);
}

static int by_code(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	return strcmp(json_string_value(json_object_get(x, "tracking_code")),
	              json_string_value(json_object_get(y, "tracking_code")));
}

/* P-7.1: a record lists its ballots in ascending tracking-code order. */
static json_t *sorted_by_code(json_t *arr)
{
	size_t n = json_array_size(arr);
	json_t **v = calloc(n + 1, sizeof *v), *out = json_array();
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(arr, i);
	qsort(v, n, sizeof *v, by_code);
	for (size_t i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	json_decref(arr);
	return out;
}

/* An honest station: run by the real daemon (fx_station_daemon, the test
 * build of quorum-ballotd: roll import, opening, check-ins, challenges,
 * casts and closing through its sockets), n cast ballots of marks and nch
 * challenged ones of the marks after them, of issued check-ins; its record
 * and log are what a station really writes.  Its signing key is kept
 * outside the record, in base/keys/<sid>.key, for the cases that play the
 * station turning dishonest after the poll. */
static void station(const char *base, const rec_election *el, const char *sid, const uint8_t *marks,
                    size_t n, size_t nch, uint64_t issued)
{
	char kp[1400];
	snprintf(kp, sizeof kp, "%s/keys/%s.key", base, sid);
	fx_station_key_out = kp;
	fx_station_daemon(el, sid, marks, n, issued, nch > 0 ? marks + n * fx_noptions(el) : NULL,
	                  nch);
	fx_station_key_out = NULL;
}

static const uint8_t marks[8 * FX_NOPT] = {
    1, 0, 1, 1, 1, 0, 0, /**/ 1, 0, 1,      1, 0,      1, 0, /**/ 1, 0, 1,      1, 1,
    0, 0, 0, 1, 1, 1, 0, 1,      0, /**/ 0, 1, 1,      1, 0, 0,      1, /**/ 0, 1, 1,
    0, 0, 0, 0, 1, 0, 0, 0,      0, 0,      0, /**/ 0, 1, 0, 1,      0, 0,      1,
};

static void make_clean(const char *base)
{
	char p[1200], kp[1024], pw[32], msg[768] = "";
	snprintf(p, sizeof p, "%s/keys", base);
	mkdir(p, 0700);
	rec_election *el = fx_init(base, "rec", "hq-ve", 2, 3, NULL);
	fx_ceremony(el, base, "rec");
	/* s1: 4 cast and 1 challenged (by its first voter, who then casts) of 4
	 * issued; s2: 2 cast + 1 challenged of 3 issued */
	station(base, el, "s1", marks, 4, 1, 4);
	station(base, el, "s2", marks + 5 * FX_NOPT, 2, 1, 3);
	tally_opts o = {2, 0};
	cr_assert_eq(tally_run(el, &o, msg, sizeof msg), Q_OK, "%s", msg);
	for (uint32_t i = 1; i <= 3; i++) {
		fx_key_path(kp, sizeof kp, base, "rec", i);
		fx_pass(i, pw, sizeof pw);
		cr_assert_eq(tally_decrypt(el, i, kp, pw, strlen(pw), NULL, NULL, msg, sizeof msg),
		             Q_OK, "%s", msg);
	}
	cr_assert_eq(tally_combine(el, NULL, msg, sizeof msg), Q_OK, "%s", msg);
	/* the published copy has no election log key (R-3); keep it aside */
	char lk[1200];
	size_t kl;
	snprintf(lk, sizeof lk, "%s/log/key", el->dir);
	char *k = test_read_file(lk, &kl);
	snprintf(p, sizeof p, "%s/keys/election.key", base);
	cr_assert_eq(test_write_file(p, k, kl), 0);
	free(k);
	unlink(lk);
	rec_free(el);
}

/* round 2's ballot (E-5): director c1, c2; members m3, m4 (1 seat each):
 * m3, m3, m4, m3 */
static const uint8_t r2m[4 * 4] = {
    0, 0, 1, 0, /**/ 0, 0, 1, 0, /**/ 0, 0, 0, 1, /**/ 0, 0, 1, 0,
};

static rec_election *decrypted_round(const char *dir, rec_election *el, const uint8_t *m, size_t n1,
                                     size_t n2);

/* base/ro: round 1 "e" of hq-ve with a 3 : 3 tie for director, and its
 * run-off "r2", both decrypted (the trustees' keys beside them as
 * fx_key_path(base/ro, "e", i)); built once, copied by runoff_pair. */
static void make_runoff(const char *base)
{
	char dir[1200];
	snprintf(dir, sizeof dir, "%s/ro", base);
	cr_assert_eq(rec_mkdirs(dir), Q_OK);
	snprintf(dir, sizeof dir, "%s/ro/keys", base);
	cr_assert_eq(mkdir(dir, 0700), 0);
	snprintf(dir, sizeof dir, "%s/ro", base);
	rec_election *e1 = fx_init(dir, "e", "hq-ve", 2, 3, NULL);
	fx_ceremony(e1, dir, "e");
	decrypted_round(dir, e1, marks, 4, 2);
	rec_election *r2 = fx_init(dir, "r2", "hq-ve", 0, 0, e1->dir);
	decrypted_round(dir, r2, r2m, 2, 2);
	rec_free(r2);
	rec_free(e1);
}

static void make_writein(const char *base);

int main(int argc, char *argv[])
{
	struct criterion_test_set *tests = criterion_initialize();
	int result = 0;
	char *base = NULL;
	if (criterion_handle_args(argc, argv, true)) {
		base = test_tmpdir();
		setenv("QUORUM_INSECURE_TEST_KDF", "1", 1);
		setenv("QUORUM_NO_PROGRESS", "1", 1);
		make_clean(base);
		make_runoff(base);
		make_writein(base);
		setenv(BASE_ENV, base, 1);
		result = !criterion_run_all_tests(tests);
		test_rmtree(base);
		free(base);
	}
	criterion_finalize(tests);
	return result;
}

/* ---- per-case helpers ---- */

static char *tmp;
static char rec[1200], keys[1200];
/* where the trustees' key files are: fx_key_path(keybase, keyname, i) */
static char keybase[1200];
static const char *keyname = "rec";

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	int st = system(cmd);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", cmd);
}

static void setup(void)
{
	const char *base = getenv(BASE_ENV);
	cr_assert_not_null(base);
	tmp = test_tmpdir();
	snprintf(rec, sizeof rec, "%s/rec", tmp);
	snprintf(keys, sizeof keys, "%s/keys", base);
	snprintf(keybase, sizeof keybase, "%s", base);
	keyname = "rec";
	sh("cp -a '%s/rec' '%s'", base, rec);
}

static void teardown(void)
{
	test_rmtree(tmp);
	free(tmp);
}

/* every_file_* verify the record once per file: over 240 s under ASan on
 * a loaded machine */
TestSuite(verify, .init = setup, .fini = teardown, .timeout = 1000);

/* Verify rec in-process; the first failing check id (0 = passed). */
static int first_failure(ve_report *r)
{
	ve_opts o = {0, 1, -1, 2};
	cr_assert_eq(ve_verify(rec, &o, r), Q_OK);
	return ve_report_first_failure(r);
}

/* 1 if every detail of check k says it could not examine something
 * because check want failed (V-1.2: "... (check N)"). */
static int only_points_at(const ve_check *k, int want)
{
	char tag[32];
	snprintf(tag, sizeof tag, "(check %d)", want);
	if (k->failed != k->ndetails)
		return 0;
	for (size_t d = 0; d < k->ndetails; d++)
		if (strstr(k->detail[d], tag) == NULL)
			return 0;
	return 1;
}

/* Check want fails; a check before it may fail only with details that
 * name want as the cause (V-1.2: the election log is loaded before check
 * 1, which compares its entry 0). */
static void expect(int want, const char *what)
{
	ve_report r;
	int got = first_failure(&r);
	while (got != 0 && got < want && only_points_at(&r.checks[got - 1], want)) {
		int next = 0;
		for (int i = got; i < VE_NCHECKS && next == 0; i++)
			if (r.checks[i].failed)
				next = i + 1;
		got = next;
	}
	const ve_check *k = got ? &r.checks[got - 1] : NULL;
	cr_assert_eq(got, want, "%s: expected check %d (%s) to fail first, got %d (%s): %s", what,
	             want, ve_check_name(want), got, got ? ve_check_name(got) : "all passed",
	             k && k->ndetails ? k->detail[0] : "");
}

static json_t *load(const char *rel)
{
	char p[1400];
	json_error_t je;
	snprintf(p, sizeof p, "%s/%s", rec, rel);
	json_t *j = json_load_file(p, 0, &je);
	cr_assert_not_null(j, "%s: %s", rel, je.text);
	return j;
}

/* Rewrite a record JSON file as the tally writes it (R-1.2). */
static void store(const char *rel, const json_t *j)
{
	char p[1400], msg[256];
	snprintf(p, sizeof p, "%s/%s", rec, rel);
	cr_assert_eq(rec_write_json(p, j, 0, msg, sizeof msg), Q_OK, "%s", msg);
}

/* A dishonest station re-signs its (changed) record; with extra log
 * entries if given (ballot-cast payloads), its log grows first. */
/* If set, resign_station's rewritten log closes with this poll-closed text. */
static const char *closed_override;

static void resign_station(const char *sid, json_t *recj, const uint8_t *cast, size_t castlen)
{
	char kf[1400], ld[1400];
	note_signer ns;
	snprintf(kf, sizeof kf, "%s/%s.key", keys, sid);
	load_signer(&ns, kf);
	/* it keeps its lists in tracking-code order (P-7.1) */
	json_t *arr = json_object_get(recj, "ballots");
	if (json_is_array(arr))
		json_object_set_new(recj, "ballots", sorted_by_code(json_incref(arr)));
	if (cast != NULL) {
		/* it holds the key, so it rewrites its whole log: the entries
		 * before poll-closed, the extra ballot, then poll-closed with the
		 * new count, last (P-7.1, V-5.3) */
		char *note = NULL, msg[512] = "";
		size_t nl;
		uint64_t iss = 0, ca = 0, chl = 0;
		audit_log *old = NULL, *lg = NULL;
		snprintf(ld, sizeof ld, "%s/stations/%s/log", rec, sid);
		cr_assert_eq(log_open(ld, LOG_RDONLY, &old, msg, sizeof msg), Q_OK, "%s", msg);
		uint64_t n = log_size(old);
		uint8_t **ents = calloc(n, sizeof *ents);
		size_t *lens = calloc(n, sizeof *lens);
		for (uint64_t i = 0; i < n; i++) {
			ents[i] = malloc(MERKLE_MAX_ENTRY);
			cr_assert_eq(log_read_entry(old, i, ents[i], &lens[i]), Q_OK);
		}
		log_close(old);
		sh("rm -rf '%s'", ld);
		cr_assert_eq(log_create_with_signer(ld, &ns, &lg, msg, sizeof msg), Q_OK, "%s",
		             msg);
		static const char closed[] = "quorum/v1/station/poll-closed\n";
		for (uint64_t i = 0; i < n; i++) {
			if (lens[i] > strlen(closed) &&
			    memcmp(ents[i], closed, strlen(closed)) == 0) {
				char t[200];
				size_t tl = lens[i] - strlen(closed);
				memcpy(t, ents[i] + strlen(closed), tl < 199 ? tl : 199);
				t[tl < 199 ? tl : 199] = 0;
				cr_assert_eq(sscanf(t,
				                    "issued %" SCNu64 "\ncast %" SCNu64
				                    "\nchallenged %" SCNu64,
				                    &iss, &ca, &chl),
				             3);
			} else {
				uint64_t idx;
				cr_assert_eq(log_append(lg, ents[i], lens[i], &idx), Q_OK);
			}
			free(ents[i]);
		}
		free(ents);
		free(lens);
		if (castlen > 0)
			append(lg, TALLY_ENTRY_CAST, cast, castlen);
		char txt[200];
		snprintf(txt, sizeof txt,
		         "issued %" PRIu64 "\ncast %" PRIu64 "\nchallenged %" PRIu64 "\n", iss,
		         ca + (castlen > 0), chl);
		if (closed_override != NULL)
			snprintf(txt, sizeof txt, "%s", closed_override);
		append(lg, "quorum/v1/station/poll-closed", txt, strlen(txt));
		cr_assert_eq(log_checkpoint_sign(lg, &note, &nl), Q_OK);
		json_object_set_new(json_object_get(recj, "log"), "close_index",
		                    json_integer((json_int_t)log_size(lg) - 1));
		set_log_fields(recj, lg, note);
		free(note);
		close_log(lg, ld);
	}
	write_signed(rec, sid, recj, &ns);
	note_signer_wipe(&ns);
}

/* A dishonest returning officer logs a new result entry for the changed
 * result.json and re-signs result.checkpoint (R-8.4). */
static void relog_result(void)
{
	char p[1400], ld[1400], kf[1400], *note = NULL;
	size_t len, nl;
	uint8_t h[32];
	uint64_t idx;
	snprintf(p, sizeof p, "%s/tally/result.json", rec);
	char *b = test_read_file(p, &len);
	sha256(h, b, len);
	free(b);
	char *hx = hexs(h, 32);
	json_t *res = load("tally/result.json");
	json_t *e = json_pack("{s:s, s:s, s:O}", "type", "result", "result_sha256", hx, "counts",
	                      json_object_get(res, "counts"));
	json_decref(res);
	free(hx);
	char *txt = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
	snprintf(ld, sizeof ld, "%s/log", rec);
	snprintf(kf, sizeof kf, "%s/election.key", keys);
	audit_log *lg = open_log(ld, kf);
	cr_assert_eq(log_append(lg, txt, strlen(txt), &idx), Q_OK);
	cr_assert_eq(log_checkpoint_sign(lg, &note, &nl), Q_OK);
	close_log(lg, ld);
	snprintf(p, sizeof p, "%s/tally/result.checkpoint", rec);
	cr_assert_eq(test_write_file(p, note, nl), 0);
	free(note);
	free(txt);
	json_decref(e);
}

/* ---- the cases ---- */

Test(verify, clean_record_passes)
{
	ve_report r;
	ve_opts o = {1, 0, -1, 2};
	cr_assert_eq(ve_verify(rec, &o, &r), Q_OK);
	for (int i = 0; i < VE_NCHECKS; i++)
		cr_expect_eq(r.checks[i].failed, 0, "check %d %s: %s", i + 1, r.checks[i].name,
		             r.checks[i].ndetails ? r.checks[i].detail[0] : "");
	cr_assert(ve_report_passed(&r));
	cr_assert_eq(r.ballots, 6);
	cr_assert_eq(r.stations, 2);
	/* every check did check something */
	for (int i = 0; i < VE_NCHECKS; i++)
		cr_expect_gt(r.checks[i].checked, 0, "check %d checked nothing", i + 1);
}

/* The check a file belongs to (docs/spec/verify.md V-2). */
static int owner(const char *rel)
{
	if (strcmp(rel, "manifest.json") == 0 || strcmp(rel, "parameters.json") == 0 ||
	    strcmp(rel, "base-hash") == 0 || strncmp(rel, "rules/", 6) == 0)
		return VE_PARAMETERS;
	if (strcmp(rel, "joint-key") == 0 || strcmp(rel, "joint_key.json") == 0 ||
	    strncmp(rel, "trustees/", 9) == 0)
		return VE_TRUSTEES;
	if (strncmp(rel, "log/", 4) == 0 || strncmp(rel, "stations/", 9) == 0 ||
	    strcmp(rel, "tally/result.checkpoint") == 0)
		return VE_LOGS;
	if (strcmp(rel, "tally/aggregate.json") == 0)
		return VE_AGGREGATE;
	if (strncmp(rel, "tally/partials/", 15) == 0 || strcmp(rel, "tally/result.json") == 0)
		return VE_DECRYPTION;
	if (strncmp(rel, "tally/mix/", 10) == 0)
		return VE_WRITEINS; /* V-17: a write-in record's mix */
	return -1;
}

static void list_files(const char *dir, const char *prefix, char ***out, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	cr_assert_not_null(d, "%s", dir);
	while ((e = readdir(d)) != NULL) {
		char p[1400], rel[600];
		struct stat sb;
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		snprintf(rel, sizeof rel, "%s%s", prefix, e->d_name);
		cr_assert_eq(lstat(p, &sb), 0);
		if (S_ISDIR(sb.st_mode)) {
			char sub[620];
			snprintf(sub, sizeof sub, "%s/", rel);
			list_files(p, sub, out, n);
		} else if (S_ISREG(sb.st_mode)) {
			*out = realloc(*out, (*n + 1) * sizeof **out);
			(*out)[(*n)++] = strdup(rel);
		}
	}
	closedir(d);
}

/* kind 0: flip the middle byte; 1: truncate to half. */
static void every_file(int kind)
{
	char **files = NULL, p[1400];
	size_t n = 0, tested = 0;
	list_files(rec, "", &files, &n);
	cr_assert_gt(n, 30, "the record has %zu files", n);
	for (size_t i = 0; i < n; i++) {
		int want = owner(files[i]);
		cr_assert_neq(want, -1, "no check owns %s", files[i]);
		snprintf(p, sizeof p, "%s/%s", rec, files[i]);
		size_t len;
		char *orig = test_read_file(p, &len);
		cr_assert_not_null(orig);
		if (len == 0) {
			free(orig);
			continue;
		}
		char *mut = malloc(len);
		memcpy(mut, orig, len);
		size_t ml = len;
		if (kind == 0)
			mut[len / 2] ^= 0x01;
		else
			ml = len / 2;
		cr_assert_eq(test_write_file(p, mut, ml), 0);
		char what[700];
		snprintf(what, sizeof what, "%s %s", kind ? "truncated" : "flipped", files[i]);
		expect(want, what);
		cr_assert_eq(test_write_file(p, orig, len), 0);
		free(orig);
		free(mut);
		tested++;
		free(files[i]);
	}
	free(files);
	cr_assert_gt(tested, 30);
	/* restored: passes again */
	expect(0, "restored");
}

Test(verify, every_file_byte_flipped)
{
	every_file(0);
}

Test(verify, every_file_truncated)
{
	every_file(1);
}

static void swap_ballots(json_t *r)
{
	json_t *a = json_object_get(r, "ballots");
	json_t *b0 = json_array_get(a, 0), *b1 = json_array_get(a, 1);
	json_t *x = json_deep_copy(json_object_get(b0, "ballot"));
	json_object_set(b0, "ballot", json_object_get(b1, "ballot"));
	json_object_set_new(b1, "ballot", x);
}

static json_t *station_json(const char *sid)
{
	char rel[200];
	snprintf(rel, sizeof rel, "stations/%s/station-record.json", sid);
	return load(rel);
}

static void store_station_unsigned(const char *sid, json_t *r)
{
	char p[1400];
	char *txt = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	snprintf(p, sizeof p, "%s/stations/%s/station-record.json", rec, sid);
	cr_assert_eq(test_write_file(p, txt, strlen(txt)), 0);
	free(txt);
}

Test(verify, swap_two_ballots)
{
	json_t *r = station_json("s1");
	swap_ballots(r);
	store_station_unsigned("s1", r);
	expect(VE_LOGS, "swapped, unsigned");
	resign_station("s1", r, NULL, 0);
	expect(VE_BALLOTS, "swapped, re-signed by the station");
	json_decref(r);
}

Test(verify, drop_a_ballot)
{
	json_t *r = station_json("s2");
	json_array_remove(json_object_get(r, "ballots"), 0);
	store_station_unsigned("s2", r);
	expect(VE_LOGS, "dropped, unsigned");
	json_object_set_new(json_object_get(r, "counts"), "cast", json_integer(1));
	resign_station("s2", r, NULL, 0);
	expect(VE_BALLOTS, "dropped, re-signed (still in the log)");
	json_decref(r);
}

/* A ballot made for another election: same joint key, another base hash. */
Test(verify, add_a_ballot_from_another_election)
{
	char msg[512];
	rec_election *el = NULL;
	ballot_style *st = NULL, *mine = NULL;
	point *K = NULL;
	ballot *b = NULL;
	uint8_t *enc, code[32];
	size_t len;
	cr_assert_eq(rec_open(&el, rec, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(rec_ballot_style(el, &st, msg, sizeof msg), Q_OK);
	cr_assert_eq(rec_ballot_style(el, &mine, msg, sizeof msg), Q_OK);
	st->base_hash[0] ^= 0x80; /* the other election's base hash */
	cr_assert_eq(rec_load_joint_key(el, &K, NULL, msg, sizeof msg), Q_OK);
	point_table *Kt = point_table_new(K);
	cr_assert_eq(ballot_encrypt(st, Kt, marks, FX_NOPT, &b, NULL), Q_OK);
	cr_assert_eq(ballot_encode(b, &enc, &len), Q_OK);
	ballot_tracking_code(code, mine, enc, len);
	json_t *r = station_json("s1");
	char *tc = hexs(code, 32), *bb = b64(enc, len);
	json_array_append_new(json_object_get(r, "ballots"),
	                      json_pack("{s:s, s:s}", "tracking_code", tc, "ballot", bb));
	json_t *cnt = json_object_get(r, "counts");
	json_object_set_new(cnt, "cast", json_integer(5));
	json_object_set_new(cnt, "issued", json_integer(6));
	resign_station("s1", r, enc, len);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_BALLOTS, "%s", rep.checks[0].detail[0]);
	cr_assert(strstr(rep.checks[VE_BALLOTS - 1].detail[0], "proof") != NULL, "%s",
	          rep.checks[VE_BALLOTS - 1].detail[0]);
	free(tc);
	free(bb);
	free(enc);
	json_decref(r);
	ballot_free(b);
	point_table_free(Kt);
	point_free(K);
	ballot_style_free(st);
	ballot_style_free(mine);
	rec_free(el);
}

/* Ballot 0 with the first selection's proof of ballot 1. */
Test(verify, replace_a_proof_with_another_ballots)
{
	char msg[512];
	rec_election *el = NULL;
	ballot_style *st = NULL;
	ballot *b0 = NULL, *b1 = NULL;
	uint8_t *e0, *e1, *enc, code[32];
	size_t l0, l1, len;
	cr_assert_eq(rec_open(&el, rec, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(rec_ballot_style(el, &st, msg, sizeof msg), Q_OK);
	json_t *r = station_json("s1");
	json_t *a = json_object_get(r, "ballots");
	const char *s0 = json_string_value(json_object_get(json_array_get(a, 0), "ballot"));
	const char *s1 = json_string_value(json_object_get(json_array_get(a, 1), "ballot"));
	e0 = malloc(strlen(s0));
	e1 = malloc(strlen(s1));
	l0 = strlen(s0);
	l1 = strlen(s1);
	cr_assert_eq(b64_decode(e0, &l0, s0, strlen(s0)), Q_OK);
	cr_assert_eq(b64_decode(e1, &l1, s1, strlen(s1)), Q_OK);
	cr_assert_eq(ballot_decode(st, e0, l0, &b0), Q_OK);
	cr_assert_eq(ballot_decode(st, e1, l1, &b1), Q_OK);
	range_proof *x = b0->contests[0].sel[0].proof;
	b0->contests[0].sel[0].proof = b1->contests[0].sel[0].proof;
	b1->contests[0].sel[0].proof = x;
	cr_assert_eq(ballot_encode(b0, &enc, &len), Q_OK);
	ballot_tracking_code(code, st, enc, len);
	char *tc = hexs(code, 32), *bb = b64(enc, len);
	json_t *e = json_array_get(a, 0);
	json_object_set_new(e, "tracking_code", json_string(tc));
	json_object_set_new(e, "ballot", json_string(bb));
	resign_station("s1", r, NULL, 0);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_BALLOTS);
	cr_assert(strstr(rep.checks[VE_BALLOTS - 1].detail[0], "proof") != NULL, "%s",
	          rep.checks[VE_BALLOTS - 1].detail[0]);
	/* verified in one batch with the six good ballots (V-14): exactly
	 * ballot 0 of s1 is named, then the log/record count it causes */
	const ve_check *k4 = &rep.checks[VE_BALLOTS - 1];
	cr_assert(strstr(k4->detail[0], "stations/s1/station-record.json: ballots[") != NULL &&
	              strstr(k4->detail[0], "]: a proof fails") != NULL,
	          "%s", k4->detail[0]);
	cr_assert_eq(k4->failed, 2, "%s / %s", k4->detail[0], k4->detail[1]);
	cr_assert(strstr(k4->detail[1], "ballot-cast entries") != NULL, "%s", k4->detail[1]);
	free(tc);
	free(bb);
	free(enc);
	free(e0);
	free(e1);
	ballot_free(b0);
	ballot_free(b1);
	json_decref(r);
	ballot_style_free(st);
	rec_free(el);
}

Test(verify, cast_more_than_issued)
{
	json_t *r = station_json("s2");
	json_object_set_new(json_object_get(r, "counts"), "issued", json_integer(1));
	resign_station("s2", r, NULL, 0);
	expect(VE_RECONCILE, "issued lowered below cast, re-signed");
	json_decref(r);
}

Test(verify, change_an_announced_count_by_one)
{
	json_t *res = load("tally/result.json");
	json_t *t = json_object_get(
	    json_array_get(json_object_get(json_object_get(res, "counts"), "contests"), 0),
	    "tally");
	const char *key = json_object_iter_key(json_object_iter(t));
	json_object_set_new(t, key, json_integer(json_integer_value(json_object_get(t, key)) + 1));
	store("tally/result.json", res);
	expect(VE_DECRYPTION, "count + 1");
	relog_result();
	expect(VE_DECRYPTION, "count + 1, logged by the returning officer");
	json_decref(res);
}

Test(verify, change_the_decision)
{
	json_t *res = load("tally/result.json");
	json_t *c0 =
	    json_array_get(json_object_get(json_object_get(res, "decision"), "contests"), 0);
	cr_assert_not_null(c0);
	const char *out = json_string_value(json_object_get(c0, "outcome"));
	cr_assert_not_null(out);
	json_object_set_new(c0, "outcome",
	                    json_string(strcmp(out, "failed") == 0 ? "elected" : "failed"));
	store("tally/result.json", res);
	expect(VE_DECRYPTION, "decision changed, not logged");
	relog_result();
	expect(VE_DECISION, "decision changed and logged by the returning officer");
	json_decref(res);
}

Test(verify, challenged_ballot_counted_or_falsely_opened)
{
	/* a false opening: the challenged ballot's opening of another one */
	json_t *r1 = station_json("s1"), *r2 = station_json("s2");
	json_t *c1 = json_array_get(json_object_get(r1, "challenged"), 0);
	json_t *c2 = json_array_get(json_object_get(r2, "challenged"), 0);
	json_object_set(c1, "opening", json_object_get(c2, "opening"));
	resign_station("s1", r1, NULL, 0);
	/* the re-signed record also no longer has the record_sha256 that the
	 * aggregate names (check 6 fails first); check 8 names the opening */
	ve_report rep;
	cr_assert_neq(first_failure(&rep), 0);
	const ve_check *k = &rep.checks[VE_CHALLENGED - 1];
	cr_assert_gt(k->failed, 0, "check 8 did not fail");
	cr_assert(strstr(k->detail[0], "re-encrypt") != NULL, "%s", k->detail[0]);
	cr_assert_eq(rep.checks[VE_BALLOTS - 1].failed, 0);
	json_decref(r1);
	json_decref(r2);
}

/* Decode a base64 JSON string field into a malloc'd buffer. */
static uint8_t *unb64(const json_t *o, const char *key, size_t *len)
{
	const char *v = json_string_value(json_object_get(o, key));
	cr_assert_not_null(v);
	uint8_t *b = malloc(strlen(v) + 1);
	*len = strlen(v);
	cr_assert_eq(b64_decode(b, len, v, strlen(v)), Q_OK);
	return b;
}

/* A dishonest station s2 also casts (and logs) a ballot of station s1. */
Test(verify, same_ballot_in_two_stations)
{
	json_t *r1 = station_json("s1"), *r2 = station_json("s2");
	json_t *b = json_array_get(json_object_get(r1, "ballots"), 0);
	size_t len;
	uint8_t *enc = unb64(b, "ballot", &len);
	json_array_append(json_object_get(r2, "ballots"), b);
	json_t *cnt = json_object_get(r2, "counts");
	json_object_set_new(cnt, "cast", json_integer(3));
	json_object_set_new(cnt, "issued", json_integer(4));
	resign_station("s2", r2, enc, len);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_BALLOTS);
	const ve_check *k = &rep.checks[VE_BALLOTS - 1];
	cr_assert_eq(k->failed, 1, "%s", k->detail[0]);
	cr_assert(strstr(k->detail[0], "appears twice") != NULL, "%s", k->detail[0]);
	free(enc);
	json_decref(r1);
	json_decref(r2);
}

/* A dishonest station casts the ballot a voter challenged (its nonces are
 * public): it is counted, which check 8 names. */
Test(verify, challenged_ballot_also_cast)
{
	json_t *r = station_json("s1");
	json_t *ch = json_array_get(json_object_get(r, "challenged"), 0);
	size_t len;
	uint8_t *enc = unb64(ch, "ballot", &len);
	json_array_append_new(json_object_get(r, "ballots"),
	                      json_pack("{s:O, s:O}", "tracking_code",
	                                json_object_get(ch, "tracking_code"), "ballot",
	                                json_object_get(ch, "ballot")));
	json_t *cnt = json_object_get(r, "counts");
	json_object_set_new(cnt, "cast", json_integer(5));
	json_object_set_new(cnt, "issued", json_integer(6));
	resign_station("s1", r, enc, len);
	ve_report rep;
	cr_assert_neq(first_failure(&rep), 0);
	const ve_check *k = &rep.checks[VE_CHALLENGED - 1];
	cr_assert_gt(k->failed, 0);
	cr_assert(strstr(k->detail[0], "also cast") != NULL, "%s", k->detail[0]);
	cr_assert_eq(rep.checks[VE_BALLOTS - 1].failed, 0, "the ballot itself is valid");
	free(enc);
	json_decref(r);
}

/* A dishonest station adds a cast ballot (logged, counted as issued) and
 * re-signs its record. */
static void add_cast(const char *sid, const uint8_t *enc, size_t len)
{
	char msg[512];
	rec_election *el = NULL;
	ballot_style *st = NULL;
	uint8_t code[BALLOT_CODE_LEN];
	cr_assert_eq(rec_open(&el, rec, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(rec_ballot_style(el, &st, msg, sizeof msg), Q_OK);
	ballot_tracking_code(code, st, enc, len);
	json_t *r = station_json(sid);
	char *tc = hexs(code, 32), *bb = b64(enc, len);
	json_array_append_new(json_object_get(r, "ballots"),
	                      json_pack("{s:s, s:s}", "tracking_code", tc, "ballot", bb));
	json_t *cnt = json_object_get(r, "counts");
	json_object_set_new(cnt, "cast",
	                    json_integer(json_integer_value(json_object_get(cnt, "cast")) + 1));
	json_object_set_new(cnt, "issued",
	                    json_integer(json_integer_value(json_object_get(cnt, "issued")) + 1));
	resign_station(sid, r, enc, len);
	free(tc);
	free(bb);
	json_decref(r);
	ballot_style_free(st);
	rec_free(el);
}

/* The mark of option s (style order) in an opening (B-6). */
static uint8_t opening_mark(const uint8_t *op, size_t s)
{
	return op[33 * s];
}

static int has_detail(const ve_check *k, const char *what)
{
	for (size_t d = 0; d < k->ndetails; d++)
		if (strstr(k->detail[d], what) != NULL)
			return 1;
	return 0;
}

/* Issue 15 finding 3: s1 casts a ballot spliced from its ballots 0
 * (contest 0) and 1 (contest 1), each part with its honest proofs, under a
 * new tracking code, logged and re-signed.  Check 4 refuses it: its proofs
 * are bound to the ballot identity (B-3.4). */
Test(verify, spliced_ballot)
{
	char msg[512];
	rec_election *el = NULL;
	ballot_style *st = NULL;
	ballot *b0 = NULL, *b1 = NULL;
	size_t l0, l1, len;
	uint8_t *enc;
	cr_assert_eq(rec_open(&el, rec, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(rec_ballot_style(el, &st, msg, sizeof msg), Q_OK);
	json_t *r = station_json("s1");
	json_t *a = json_object_get(r, "ballots");
	uint8_t *e0 = unb64(json_array_get(a, 0), "ballot", &l0);
	uint8_t *e1 = unb64(json_array_get(a, 1), "ballot", &l1);
	cr_assert_eq(ballot_decode(st, e0, l0, &b0), Q_OK);
	cr_assert_eq(ballot_decode(st, e1, l1, &b1), Q_OK);
	ballot_contest c = b0->contests[1];
	b0->contests[1] = b1->contests[1];
	b1->contests[1] = c;
	cr_assert_eq(ballot_encode(b0, &enc, &len), Q_OK);
	add_cast("s1", enc, len);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_BALLOTS);
	const ve_check *k4 = &rep.checks[VE_BALLOTS - 1];
	cr_assert(strstr(k4->detail[0], "stations/s1/station-record.json: ballots[") != NULL &&
	              strstr(k4->detail[0], "]: a proof fails") != NULL,
	          "%s", k4->detail[0]);
	cr_assert(strstr(k4->detail[0], "contest 0 option 0: 0/1 proof fails") != NULL, "%s",
	          k4->detail[0]);
	cr_assert(strstr(k4->detail[0], "spliced") != NULL, "%s", k4->detail[0]);
	/* and its ciphertexts are those of ballots 0 and 1 (B-9) */
	cr_assert(has_detail(k4, "stations/s1: ballots[0] contest 0 option 0"), "%s",
	          k4->detail[1]);
	free(enc);
	free(e0);
	free(e1);
	ballot_free(b0);
	ballot_free(b1);
	json_decref(r);
	ballot_style_free(st);
	rec_free(el);
}

/* B-9: the ciphertext of s1's challenged ballot (its nonces are public)
 * cast again by s2 in another contest, inside a ballot with its own valid
 * proofs and tracking code: only the alpha rule sees it. */
Test(verify, challenged_ciphertext_replayed_in_another_contest)
{
	char msg[512];
	rec_election *el = NULL;
	size_t cl, ol, len;
	uint8_t *enc;
	cr_assert_eq(rec_open(&el, rec, msg, sizeof msg), Q_OK, "%s", msg);
	json_t *r1 = station_json("s1");
	json_t *ch = json_array_get(json_object_get(r1, "challenged"), 0);
	uint8_t *ce = unb64(ch, "ballot", &cl), *co = unb64(ch, "opening", &ol);
	/* its contest 1 option 0 (place 2) into contest 0 option 0 */
	uint8_t m[FX_NOPT];
	memcpy(m, marks, FX_NOPT);
	m[0] = opening_mark(co, 2);
	m[1] = (uint8_t)!m[0];
	fx_encrypt_replaying(el, m, 0, ce, cl, co, ol, 2, &enc, &len);
	add_cast("s2", enc, len);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_BALLOTS);
	const ve_check *k4 = &rep.checks[VE_BALLOTS - 1];
	cr_assert_eq(k4->failed, 1, "%s", k4->detail[0]);
	cr_assert(strstr(k4->detail[0], "stations/s2: ballots[") == k4->detail[0] &&
	              strstr(k4->detail[0], "] contest 0 option 0 (tracking code ") != NULL,
	          "%s", k4->detail[0]);
	cr_assert(strstr(k4->detail[0], " and stations/s1: challenged[0] contest 1 option 0 "
	                                "(tracking code ") != NULL,
	          "%s", k4->detail[0]);
	cr_assert(strstr(k4->detail[0], "the same ciphertext (alpha) twice (B-9)") != NULL, "%s",
	          k4->detail[0]);
	free(enc);
	free(ce);
	free(co);
	json_decref(r1);
	rec_free(el);
}

/* B-9 between two cast ballots of two stations: s1 casts a ballot whose
 * nonces it kept, s2 casts one replaying its contest 1 option 1 as its own
 * contest 1 option 2. */
Test(verify, cast_ciphertext_replayed_at_another_station)
{
	char msg[512];
	rec_election *el = NULL;
	fx_challenge p;
	size_t len;
	uint8_t *enc;
	cr_assert_eq(rec_open(&el, rec, msg, sizeof msg), Q_OK, "%s", msg);
	fx_challenge_make(el, marks, &p);
	uint8_t m[FX_NOPT];
	const uint8_t base[FX_NOPT] = {0, 1, 1, 0, 0, 0, 0}; /* c2; m1 */
	memcpy(m, base, FX_NOPT);
	m[4] = opening_mark(p.op, 3); /* m3: m1 and perhaps m3 */
	fx_encrypt_replaying(el, m, 4, p.enc, p.len, p.op, p.oplen, 3, &enc, &len);
	add_cast("s1", p.enc, p.len);
	add_cast("s2", enc, len);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_BALLOTS);
	const ve_check *k4 = &rep.checks[VE_BALLOTS - 1];
	cr_assert_eq(k4->failed, 1, "%s", k4->detail[0]);
	cr_assert(strstr(k4->detail[0], "stations/s1: ballots[") == k4->detail[0] &&
	              strstr(k4->detail[0], "] contest 1 option 1 (tracking code ") != NULL,
	          "%s", k4->detail[0]);
	cr_assert(strstr(k4->detail[0], " and stations/s2: ballots[") != NULL &&
	              strstr(k4->detail[0], "] contest 1 option 2 ") != NULL,
	          "%s", k4->detail[0]);
	cr_assert(strstr(k4->detail[0], "(B-9)") != NULL, "%s", k4->detail[0]);
	free(enc);
	free(p.enc);
	free(p.op);
	rec_free(el);
}

/* Check 10 is independent: a changed aggregate ciphertext is caught by
 * libgcrypt's re-addition as well as by check 6. */
Test(verify, crosscheck_catches_a_changed_aggregate)
{
	json_t *a = load("tally/aggregate.json");
	json_t *sel =
	    json_object_get(json_array_get(json_object_get(a, "contests"), 0), "selections");
	json_t *s0 = json_array_get(sel, 0), *s1 = json_array_get(sel, 1);
	json_t *x = json_deep_copy(json_object_get(s0, "ciphertext"));
	json_object_set(s0, "ciphertext", json_object_get(s1, "ciphertext"));
	json_object_set_new(s1, "ciphertext", x);
	store("tally/aggregate.json", a);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_AGGREGATE);
	cr_assert_gt(rep.checks[VE_CROSSCHECK - 1].failed, 0, "libgcrypt did not see it");
	cr_assert(strstr(rep.checks[VE_CROSSCHECK - 1].detail[0], "libgcrypt") != NULL);
	json_decref(a);
}

/* Issue 20 item 13: check 10's own ballot-level failures.  A station that
 * re-signs its record with a wrong tracking code for ballots[0]: check 10
 * (every ballot, --full-crosscheck) names it under libgcrypt. */
Test(verify, crosscheck_catches_a_wrong_tracking_code)
{
	json_t *r = station_json("s1");
	json_t *b0 = json_array_get(json_object_get(r, "ballots"), 0);
	json_t *b1 = json_array_get(json_object_get(r, "ballots"), 1);
	json_object_set(b0, "tracking_code", json_object_get(b1, "tracking_code"));
	resign_station("s1", r, NULL, 0);
	ve_opts o = {1, 0, -1, 2};
	ve_report rep;
	cr_assert_eq(ve_verify(rec, &o, &rep), Q_OK);
	cr_assert_neq(ve_report_first_failure(&rep), 0);
	const ve_check *k10 = &rep.checks[VE_CROSSCHECK - 1];
	cr_assert(has_detail(k10, "stations/s1: ballots[0]: tracking code (libgcrypt)"), "%s",
	          k10->ndetails ? k10->detail[0] : "no detail");
	json_decref(r);
}

/* Check 10's report with its sampled ballots kept by check 4 as it read
 * them, and with them read from the records again (ve_sample_keep_max 0,
 * as for a sample over VE_SAMPLE_KEEP): the same, item for item. */
static void crosscheck_both_ways(const ve_opts *o, const uint8_t seed[VE_SEED_LEN], ve_check *kept,
                                 ve_check *reread)
{
	ve_report rep;
	uint64_t keep = ve_sample_keep_max;
	cr_assert_eq(ve_verify_seed(rec, o, seed, &rep), Q_OK);
	*kept = rep.checks[VE_CROSSCHECK - 1];
	ve_sample_keep_max = 0;
	cr_assert_eq(ve_verify_seed(rec, o, seed, &rep), Q_OK);
	ve_sample_keep_max = keep;
	*reread = rep.checks[VE_CROSSCHECK - 1];
	cr_assert_eq(kept->checked, reread->checked);
	cr_assert_eq(kept->failed, reread->failed, "kept %s / read again %s",
	             kept->ndetails ? kept->detail[0] : "-",
	             reread->ndetails ? reread->detail[0] : "-");
	cr_assert_eq(kept->ndetails, reread->ndetails);
	for (size_t d = 0; d < kept->ndetails; d++)
		cr_assert_str_eq(kept->detail[d], reread->detail[d]);
}

/* Session 8 (V-14): check 10 takes its sample from check 4's read of the
 * records, not a third read.  Every ballot of s1 (--full-crosscheck, a
 * wrong tracking code for ballots[0]) and a sample of one: the kept
 * ballots are cross-checked exactly as the ones read again; the wrong
 * code is named both ways. */
Test(verify, crosscheck_sample_kept_by_check_4_as_read_again)
{
	static ve_check kept, reread;
	uint8_t seed[VE_SEED_LEN] = {0};
	ve_opts full = {1, 0, -1, 2}, one = {0, 1, -1, 2};
	crosscheck_both_ways(&full, seed, &kept, &reread);
	cr_assert_eq(kept.failed, 0, "%s", kept.ndetails ? kept.detail[0] : "");
	cr_assert_gt(kept.checked, 7);
	json_t *r = station_json("s1");
	json_t *b0 = json_array_get(json_object_get(r, "ballots"), 0);
	json_t *b1 = json_array_get(json_object_get(r, "ballots"), 1);
	json_object_set(b0, "tracking_code", json_object_get(b1, "tracking_code"));
	resign_station("s1", r, NULL, 0);
	crosscheck_both_ways(&full, seed, &kept, &reread);
	cr_assert(has_detail(&kept, "stations/s1: ballots[0]: tracking code (libgcrypt)"), "%s",
	          kept.ndetails ? kept.detail[0] : "no detail");
	/* a sample of one, over several seeds: sometimes ballots[0] */
	int named = 0;
	for (int i = 0; i < 24; i++) {
		seed[31] = (uint8_t)i;
		crosscheck_both_ways(&one, seed, &kept, &reread);
		named += has_detail(&kept, "stations/s1: ballots[0]: tracking code (libgcrypt)");
	}
	cr_assert_gt(named, 0);
	json_decref(r);
}

/* Check 10's station signature (P-7.2 by libgcrypt, V-12): the record's
 * own signature verifies; a flipped record byte, a flipped signature byte
 * or another station's key fail; a record far over libgcrypt's 65,000-byte
 * message limit is checked too (the signature is over its SHA-256), and a
 * clean verification cross-checks every station's signature, none skipped. */
Test(verify, crosscheck_station_signature)
{
	char p[1400], kf[1400];
	size_t bl, sl, vl, sigl = SIG_LEN + 3;
	uint8_t sig[SIG_LEN + 3];
	note_verifier v1, v2;
	snprintf(p, sizeof p, "%s/stations/s1/station-record.json", rec);
	uint8_t *bytes = (uint8_t *)test_read_file(p, &bl);
	snprintf(p, sizeof p, "%s/stations/s1/station-record.json.sig", rec);
	char *st = test_read_file(p, &sl);
	cr_assert(bytes != NULL && st != NULL);
	cr_assert_eq(b64_decode(sig, &sigl, st, sl - 1), Q_OK);
	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof p, "%s/stations/s%d/log/vkey", rec, i + 1);
		char *vk = test_read_file(p, &vl);
		cr_assert_not_null(vk);
		char *nl = strchr(vk, '\n');
		cr_assert_eq(note_verifier_parse(i ? &v2 : &v1, vk, nl ? (size_t)(nl - vk) : vl),
		             Q_OK);
		free(vk);
	}
	cr_assert_eq(ve_xcheck_record_sig(v1.pk, bytes, bl, sig), Q_OK);
	bytes[bl / 2] ^= 1;
	cr_assert_eq(ve_xcheck_record_sig(v1.pk, bytes, bl, sig), Q_ERR_SIGNATURE);
	bytes[bl / 2] ^= 1;
	sig[5] ^= 1;
	cr_assert_eq(ve_xcheck_record_sig(v1.pk, bytes, bl, sig), Q_ERR_SIGNATURE);
	sig[5] ^= 1;
	cr_assert_eq(ve_xcheck_record_sig(v2.pk, bytes, bl, sig), Q_ERR_SIGNATURE);

	/* 200,000 bytes, signed as P-7.2 says by s1's key */
	note_signer ns;
	size_t big = 200000;
	uint8_t *rb = calloc(1, big), m[SREC_SIG_MSG_LEN], bs[SIG_LEN];
	cr_assert_not_null(rb);
	memset(rb, 'x', big);
	snprintf(kf, sizeof kf, "%s/s1.key", keys);
	load_signer(&ns, kf);
	srec_sig_message(m, rb, big);
	cr_assert_eq(sig_sign(bs, &ns.sk, m, sizeof m), Q_OK);
	note_signer_wipe(&ns);
	cr_assert_eq(ve_xcheck_record_sig(v1.pk, rb, big, bs), Q_OK);
	rb[big - 1] = 'y';
	cr_assert_eq(ve_xcheck_record_sig(v1.pk, rb, big, bs), Q_ERR_SIGNATURE);

	ve_report rep;
	cr_assert_eq(first_failure(&rep), 0);
	cr_assert_eq(rep.checks[VE_CROSSCHECK - 1].skipped, 0);
	cr_assert_null(rep.checks[VE_CROSSCHECK - 1].skip_reason);
	free(rb);
	free(bytes);
	free(st);
}

/* ---- the trustees (check 2, V-4) and their partials (check 7, V-9) ----
 *
 * A relay (the returning officer) can change any file it carries but
 * cannot sign as a trustee; a trustee can sign only as itself.  The cases
 * below play both: a changed file left unsigned, and a file re-signed by
 * its own trustee (whose keys are opened from its sealed key file, R-4.8,
 * exactly as the trustee would) so that the check behind the signature is
 * reached too. */

#define KEYFILE_LEN (8 + 12 + 32 + 32 + 32) /* R-4.8 */

/* Trustee i's signing seed and share s_i from its sealed key file. */
static void trustee_key(uint32_t i, sig_secret *sk, uint8_t s_i[32])
{
	char kp[1400], pw[32];
	const char *why = NULL;
	secbuf *sb = NULL;
	fx_key_path(kp, sizeof kp, keybase, keyname, i);
	fx_pass(i, pw, sizeof pw);
	cr_assert_eq(seal_file_read(&sb, kp, pw, strlen(pw), &why), Q_OK, "%s: %s", kp, why);
	cr_assert_eq(sb->len, KEYFILE_LEN, "R-4.8 key file of %zu bytes", sb->len);
	cr_assert(memcmp(sb->data, "QTKEY2\0\0", 8) == 0);
	memcpy(sk->seed, sb->data + 52, 32);
	if (s_i != NULL)
		memcpy(s_i, sb->data + 84, 32);
	secbuf_free(sb);
}

/* The record's base hash (= key_ctx in round 1). */
static void base_hash(uint8_t out[32])
{
	char p[1400];
	size_t len;
	snprintf(p, sizeof p, "%s/base-hash", rec);
	char *b = test_read_file(p, &len);
	cr_assert_not_null(b);
	cr_assert_eq(hex_decode(out, 32, b, 64), Q_OK);
	free(b);
}

/* Trustee i signs rel as it stands (R-4.0), writing rel.sig. */
static void sign_as(uint32_t i, const char *rel)
{
	char p[1400], sb[100];
	uint8_t kc[32], h[32], msg[32], sig[SIG_LEN];
	sig_secret sk;
	transcript t;
	size_t len;
	snprintf(p, sizeof p, "%s/%s", rec, rel);
	char *b = test_read_file(p, &len);
	cr_assert_not_null(b);
	sha256(h, b, len);
	free(b);
	base_hash(kc);
	cr_assert_eq(transcript_init(&t, "quorum/v2/tally/trustee-file"), Q_OK);
	transcript_bytes(&t, kc, 32);
	transcript_u32(&t, i);
	transcript_bytes(&t, rel, strlen(rel));
	transcript_bytes(&t, h, 32);
	transcript_digest(&t, msg);
	trustee_key(i, &sk, NULL);
	cr_assert_eq(sig_sign(sig, &sk, msg, sizeof msg), Q_OK);
	sig_secret_wipe(&sk);
	b64_encode(sb, sig, SIG_LEN);
	cr_assert_eq(strlen(sb), 88);
	sb[88] = '\n';
	sb[89] = 0;
	snprintf(p, sizeof p, "%s/%s.sig", rec, rel);
	cr_assert_eq(test_write_file(p, sb, strlen(sb)), 0);
}

/* Check `want` fails first and one of its details contains needle. */
static void expect_detail(int want, const char *needle, const char *what)
{
	ve_report r;
	int got = first_failure(&r);
	const ve_check *k = got ? &r.checks[got - 1] : NULL;
	cr_assert_eq(got, want, "%s: expected check %d (%s) to fail first, got %d (%s): %s", what,
	             want, ve_check_name(want), got, got ? ve_check_name(got) : "all passed",
	             k && k->ndetails ? k->detail[0] : "");
	for (size_t d = 0; d < k->ndetails; d++)
		if (strstr(k->detail[d], needle) != NULL)
			return;
	cr_assert_fail("%s: no detail of check %d says \"%s\"; the first: %s", what, want, needle,
	               k->ndetails ? k->detail[0] : "(none)");
}

static char *hex_field(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	cr_assert_not_null(v, "%s", key);
	return strdup(v);
}

/* Issue 15 (1): the relay swaps a trustee's transport key. */
Test(verify, transport_key_swapped)
{
	json_t *p2 = load("trustees/2/public.json"), *p3 = load("trustees/3/public.json");
	json_object_set(p2, "transport_key", json_object_get(p3, "transport_key"));
	store("trustees/2/public.json", p2);
	expect_detail(VE_TRUSTEES, "trustees/2/public.json: bad signature",
	              "transport key swapped by the relay");
	/* even signed by trustee 2, the proof of knowledge is not for it */
	sign_as(2, "trustees/2/public.json");
	expect_detail(VE_TRUSTEES, "transport_proof fails", "swapped, re-signed by trustee 2");
	expect_detail(VE_TRUSTEES, "do not hash to the coefficients_hash",
	              "swapped, re-signed by trustee 2");
	json_decref(p2);
	json_decref(p3);
}

Test(verify, share_file_altered)
{
	char p[1400];
	size_t len;
	snprintf(p, sizeof p, "%s/trustees/1/shares/3.sealed", rec);
	char *b = test_read_file(p, &len);
	cr_assert_eq(len, 125, "R-4.3: a share file is 125 bytes");
	b[70] ^= 0x40;
	cr_assert_eq(test_write_file(p, b, len), 0);
	free(b);
	expect_detail(VE_TRUSTEES, "trustees/1/shares/3.sealed: bad signature",
	              "a share file altered in transit");
	/* libgcrypt's Ed25519 sees it too (V-12 (6)) */
	ve_report r;
	(void)first_failure(&r);
	const ve_check *k = &r.checks[VE_CROSSCHECK - 1];
	cr_assert_eq(k->failed, 1, "check 10: %llu failed", (unsigned long long)k->failed);
	cr_assert(strstr(k->detail[0], "trustees/1/shares/3.sealed: the signature by trustee 1 "
	                               "fails under libgcrypt") != NULL,
	          "%s", k->detail[0]);
}

Test(verify, received_altered)
{
	json_t *r2 = load("trustees/2/received.json");
	json_object_set(r2, "joint_key", json_object_get(r2, "verification_key"));
	store("trustees/2/received.json", r2);
	expect_detail(VE_TRUSTEES, "trustees/2/received.json: bad signature",
	              "a receipt forged by the relay");
	sign_as(2, "trustees/2/received.json");
	expect_detail(VE_TRUSTEES, "trustees/2/received.json: joint_key is not the K",
	              "trustee 2 signed another joint key");
	json_decref(r2);
}

Test(verify, commitment_hash_differs)
{
	json_t *c3 = load("trustees/3/commitment.json");
	char *h = hex_field(c3, "coefficients_hash");
	h[10] = h[10] == '0' ? '1' : '0';
	json_object_set_new(c3, "coefficients_hash", json_string(h));
	store("trustees/3/commitment.json", c3);
	expect_detail(VE_TRUSTEES, "trustees/3/commitment.json: bad signature",
	              "commitment changed, unsigned");
	/* a trustee whose revealed coefficients are not what it committed to */
	sign_as(3, "trustees/3/commitment.json");
	expect_detail(VE_TRUSTEES,
	              "trustees/3/public.json: its commitments, transport_key and signing_key do "
	              "not hash to the coefficients_hash of trustees/3/commitment.json",
	              "commitment changed, re-signed by trustee 3");
	free(h);
	json_decref(c3);
}

Test(verify, roster_differs_in_one_public_file)
{
	uint8_t pk[32];
	sig_secret other;
	cr_assert_eq(sig_keygen(&other, pk), Q_OK);
	sig_secret_wipe(&other);
	json_t *p3 = load("trustees/3/public.json");
	char *hx = hexs(pk, 32);
	json_array_set_new(json_object_get(p3, "roster"), 1, json_string(hx));
	store("trustees/3/public.json", p3);
	sign_as(3, "trustees/3/public.json");
	expect_detail(VE_TRUSTEES,
	              "trustees/3/public.json: its roster differs from that of "
	              "trustees/1/public.json at trustee 2",
	              "trustee 3 confirmed another key for trustee 2");
	free(hx);
	json_decref(p3);
}

Test(verify, complaint_in_a_finished_ceremony)
{
	char p[1400];
	const char *txt =
	    "{\n  \"dealers\": [\n    1\n  ],\n  \"format\": \"quorum-complaint/2\",\n"
	    "  \"share_hashes\": [\n    null,\n    null,\n    null\n  ],\n"
	    "  \"trustee\": 2\n}\n";
	snprintf(p, sizeof p, "%s/trustees/2/complaint.json", rec);
	cr_assert_eq(test_write_file(p, txt, strlen(txt)), 0);
	expect_detail(VE_TRUSTEES, "did not sign", "an unsigned complaint");
	sign_as(2, "trustees/2/complaint.json");
	expect_detail(VE_TRUSTEES, "trustee 2 (signed) accuses dealer(s) [1]",
	              "a signed complaint");
}

/* The first selection's A (65 bytes) of the aggregate. */
static void aggregate_A0(uint8_t A[POINT_LEN], uint8_t sha[32])
{
	char p[1400];
	size_t len;
	json_t *a = load("tally/aggregate.json");
	const json_t *s0 = json_array_get(
	    json_object_get(json_array_get(json_object_get(a, "contests"), 0), "selections"), 0);
	const char *ct = json_string_value(json_object_get(s0, "ciphertext"));
	cr_assert_not_null(ct, "selection 0 of the aggregate is null");
	cr_assert_eq(hex_decode(A, POINT_LEN, ct, 2 * POINT_LEN), Q_OK);
	snprintf(p, sizeof p, "%s/tally/aggregate.json", rec);
	char *b = test_read_file(p, &len);
	sha256(sha, b, len);
	free(b);
	json_decref(a);
}

/* Trustee i re-proves shares[0] of its partial (honest M = s_i A_0) under
 * the R-7.1 context for (agg, c, o), then signs the file. */
static void reprove_share0(uint32_t i, const uint8_t agg[32], uint32_t ci, uint32_t oi)
{
	char rel[64];
	uint8_t A[POINT_LEN], real[32], kc[32], ctx[32], s_i[32], pb[CP_PROOF_LEN], Mb[POINT_LEN],
	    Sb[POINT_LEN];
	sig_secret sk;
	transcript t;
	snprintf(rel, sizeof rel, "tally/partials/%u.json", i);
	aggregate_A0(A, real);
	base_hash(kc);
	trustee_key(i, &sk, s_i);
	sig_secret_wipe(&sk);
	json_t *part = load(rel), *jk = load("joint_key.json");
	json_t *sh0 = json_array_get(json_object_get(part, "shares"), 0);
	cr_assert_eq(
	    hex_decode(Mb, POINT_LEN, json_string_value(json_object_get(sh0, "M")), 2 * POINT_LEN),
	    Q_OK);
	cr_assert_eq(hex_decode(Sb, POINT_LEN,
	                        json_string_value(json_array_get(
	                            json_object_get(jk, "verification_keys"), i - 1)),
	                        2 * POINT_LEN),
	             Q_OK);
	point *S = point_new(), *Ap = point_new(), *M = point_new();
	scalar *s = scalar_new();
	cp_proof *pf = cp_proof_new();
	cr_assert_eq(point_decode(S, Sb, POINT_LEN), Q_OK);
	cr_assert_eq(point_decode(Ap, A, POINT_LEN), Q_OK);
	cr_assert_eq(point_decode(M, Mb, POINT_LEN), Q_OK);
	cr_assert_eq(scalar_decode(s, s_i, 32), Q_OK);
	wipe(s_i, sizeof s_i);
	cr_assert_eq(transcript_init(&t, "quorum/v2/tally/partial"), Q_OK);
	transcript_bytes(&t, kc, 32);
	transcript_u32(&t, i);
	transcript_bytes(&t, agg, 32);
	transcript_u32(&t, ci);
	transcript_u32(&t, oi);
	transcript_digest(&t, ctx);
	cr_assert_eq(cp_prove(pf, ctx, S, Ap, M, s), Q_OK);
	cp_proof_encode(pb, pf);
	char *hx = hexs(pb, sizeof pb);
	json_object_set_new(sh0, "proof", json_string(hx));
	store(rel, part);
	sign_as(i, rel);
	free(hx);
	point_free(S);
	point_free(Ap);
	point_free(M);
	scalar_free(s);
	cp_proof_free(pf);
	json_decref(part);
	json_decref(jk);
}

/* Issue 15 (2): proofs moved to another place of the aggregate. */
Test(verify, partial_moved_to_another_selection)
{
	json_t *p1 = load("tally/partials/1.json");
	json_t *sh = json_object_get(p1, "shares");
	json_t *x = json_deep_copy(json_array_get(sh, 0));
	json_array_set(sh, 0, json_array_get(sh, 1));
	json_array_set_new(sh, 1, x);
	store("tally/partials/1.json", p1);
	sign_as(1, "tally/partials/1.json");
	expect_detail(VE_DECRYPTION,
	              "tally/partials/1.json: shares[0] (contest 0, option 0): the "
	              "Chaum-Pedersen proof fails",
	              "two shares of a used partial swapped, re-signed");
	json_decref(p1);
}

/* The honest M of selection (0, 0) with a valid proof made for the place
 * (0, 1): only the place in the context tells them apart (trustee 3's
 * partial is not used by the result, and must verify all the same). */
Test(verify, partial_proof_made_for_another_place)
{
	uint8_t A[POINT_LEN], agg[32];
	aggregate_A0(A, agg);
	reprove_share0(3, agg, 0, 0);
	expect(0, "re-proved for its own place (the test's proof is sound)");
	reprove_share0(3, agg, 0, 1);
	expect_detail(VE_DECRYPTION,
	              "tally/partials/3.json: shares[0] (contest 0, option 0): the "
	              "Chaum-Pedersen proof fails for this aggregate and place",
	              "a proof made for option 1");
	reprove_share0(3, agg, 1, 0);
	expect_detail(VE_DECRYPTION, "shares[0] (contest 0, option 0)",
	              "a proof made for contest 1");
}

Test(verify, partial_made_for_another_aggregate)
{
	uint8_t A[POINT_LEN], agg[32], other[32];
	aggregate_A0(A, agg);
	memcpy(other, agg, 32);
	other[31] ^= 1; /* the hash of some other aggregate */
	/* the proof made for the other aggregate, the field left honest */
	reprove_share0(3, other, 0, 0);
	expect_detail(VE_DECRYPTION,
	              "tally/partials/3.json: shares[0] (contest 0, option 0): the "
	              "Chaum-Pedersen proof fails for this aggregate",
	              "a proof made for another aggregate");
	/* the partial says so itself */
	json_t *p3 = load("tally/partials/3.json");
	char *hx = hexs(other, 32);
	json_object_set_new(p3, "aggregate_sha256", json_string(hx));
	store("tally/partials/3.json", p3);
	sign_as(3, "tally/partials/3.json");
	expect_detail(VE_DECRYPTION, "tally/partials/3.json: aggregate_sha256 is not",
	              "a partial of another aggregate");
	free(hx);
	json_decref(p3);
}

Test(verify, partial_signature_missing_or_not_the_trustees)
{
	char p[1400];
	snprintf(p, sizeof p, "%s/tally/partials/2.json.sig", rec);
	cr_assert_eq(unlink(p), 0);
	expect_detail(VE_DECRYPTION, "tally/partials/2.json.sig: missing", ".sig removed");
	/* signed by another trustee: not trustee 2's */
	sign_as(1, "tally/partials/2.json");
	expect_detail(VE_DECRYPTION,
	              "tally/partials/2.json: bad signature: not signed by trustee 2",
	              "signed by trustee 1");
}

/* The fingerprints in the report are those of the trustees' own keys. */
Test(verify, fingerprints_reported)
{
	ve_report r;
	cr_assert_eq(first_failure(&r), 0, "%s", r.checks[1].detail[0]);
	cr_assert_eq(r.trustees, 3);
	for (uint32_t i = 1; i <= 3; i++) {
		sig_secret sk;
		uint8_t pk[32], h[32];
		char want[VE_FP_LEN], *o = want;
		trustee_key(i, &sk, NULL);
		cr_assert_eq(sig_public(&sk, pk), Q_OK);
		sig_secret_wipe(&sk);
		sha256(h, pk, 32);
		for (int b = 0; b < 16; b += 2)
			o += snprintf(o, (size_t)(want + sizeof want - o), "%s%02x%02x",
			              b ? " " : "", h[b], h[b + 1]);
		cr_assert_str_eq(r.fingerprint[i - 1], want, "trustee %u", i);
	}
	json_t *j = ve_report_json(&r, rec);
	json_t *fps = json_object_get(j, "fingerprints");
	cr_assert_eq(json_array_size(fps), 3);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(fps, 1), "fingerprint")),
	                 r.fingerprint[1]);
	json_decref(j);
}

/* R-4.6: a run-off round copies the ceremony's files, which verify with
 * the ceremony's key_ctx (round 1's base hash, parameters' key_ceremony),
 * not the round's own base hash; so do the round's partials (R-4.0). */
static rec_election *decrypted_round(const char *dir, rec_election *el, const uint8_t *m, size_t n1,
                                     size_t n2)
{
	char kp[1400], pw[32], msg[768] = "";
	tally_opts o = {2, 0};
	station(dir, el, "s1", m, n1, 0, n1);
	station(dir, el, "s2", m + n1 * fx_noptions(el), n2, 0, n2 + 1);
	cr_assert_eq(tally_run(el, &o, msg, sizeof msg), Q_OK, "%s", msg);
	for (uint32_t i = 1; i <= 3; i++) {
		fx_key_path(kp, sizeof kp, dir, "e", i);
		fx_pass(i, pw, sizeof pw);
		cr_assert_eq(tally_decrypt(el, i, kp, pw, strlen(pw), NULL, NULL, msg, sizeof msg),
		             Q_OK, "%s", msg);
	}
	cr_assert_eq(tally_combine(el, NULL, msg, sizeof msg), Q_OK, "%s", msg);
	return el;
}

static void runoff_pair(char *e1dir, size_t cap);

Test(verify, runoff_round_verifies_with_the_ceremony_key_ctx)
{
	/* round 1 with a tie for director (3 : 3), so round 2 decides it
	 * (runoff_pair) */
	char e1dir[1400], msg[512];
	runoff_pair(e1dir, sizeof e1dir);
	rec_election *r2 = NULL;
	cr_assert_eq(rec_open(&r2, rec, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(r2->round, 2);
	cr_assert_neq(memcmp(r2->key_ctx, r2->base_hash, 32), 0);
	rec_free(r2);
	ve_report r;
	int ff = first_failure(&r);
	cr_assert_eq(ff, 0, "round 2: check %d: %s", ff, ff ? r.checks[ff - 1].detail[0] : "");
	cr_assert_gt(r.checks[VE_TRUSTEES - 1].checked, 20);
	cr_assert_gt(r.checks[VE_DECRYPTION - 1].checked, 10);
	/* a copied file signed under the round's own base hash is not the
	 * ceremony's (sign_as takes the key_ctx from base-hash) */
	sign_as(2, "trustees/2/public.json");
	expect_detail(VE_TRUSTEES, "trustees/2/public.json: bad signature",
	              "signed with the run-off's base hash instead of key_ctx");
	/* so is a partial of round 2 */
	sign_as(1, "tally/partials/1.json");
	expect_detail(VE_TRUSTEES, "trustees/2/public.json: bad signature", "both");
	ve_report r3;
	(void)first_failure(&r3);
	cr_assert(strstr(r3.checks[VE_DECRYPTION - 1].detail[0],
	                 "tally/partials/1.json: bad signature") != NULL,
	          "%s", r3.checks[VE_DECRYPTION - 1].detail[0]);
}

/* Round 1 (a 3 : 3 tie for director) and its run-off, both decrypted, as
 * make_runoff built them once in main: copied into this case's directory;
 * rec is set to the run-off's directory, e1dir to round 1's. */
static void runoff_pair(char *e1dir, size_t cap)
{
	sh("cp -a '%s/ro/.' '%s/'", getenv(BASE_ENV), tmp);
	snprintf(rec, sizeof rec, "%s/r2", tmp);
	snprintf(e1dir, cap, "%s/e", tmp);
	snprintf(keybase, sizeof keybase, "%s", tmp);
	keyname = "e";
}

/* check 1 of the run-off record given round one's record (V-3.5) */
static const ve_check *previous_check(ve_report *r, const char *e1dir)
{
	ve_opts o = {0, 1, -1, 2};
	cr_assert_eq(ve_verify_previous(rec, &o, NULL, e1dir, r), Q_OK);
	return &r->checks[VE_PARAMETERS - 1];
}

Test(verify, runoff_record_cites_round_one)
{
	char e1dir[1400], p[1600];
	runoff_pair(e1dir, sizeof e1dir);
	ve_report r;
	const ve_check *k = previous_check(&r, e1dir);
	cr_assert_eq(k->failed, 0, "%s", k->ndetails ? k->detail[0] : "");
	cr_assert_eq(ve_report_first_failure(&r), 0);
	/* a round-one record whose result differs from the one the run-off
	 * cites (one count changed in a copy of round one) */
	char other[1400];
	snprintf(other, sizeof other, "%s/other", tmp);
	sh("cp -a '%s' '%s'", e1dir, other);
	snprintf(p, sizeof p, "%s/tally/result.json", other);
	sh("sed -i '0,/\"votes\": 3/s//\"votes\": 4/' '%s'", p);
	k = previous_check(&r, other);
	cr_assert(has_detail(k, "runoff.previous_result_sha256 is not the SHA-256 of"),
	          "another round one's result: %s", k->ndetails ? k->detail[0] : "(passed)");
	/* the record of another election as round one */
	k = previous_check(&r, "/nonexistent-round-one");
	cr_assert_gt(k->failed, 0);
	/* the run-off's own copy of round one's result replaced */
	sh("cp '%s' '%s/previous/result.json'", p, rec);
	expect_detail(VE_PARAMETERS, "runoff.previous_result_sha256",
	              "previous/result.json replaced");
}

Test(verify, runoff_manifest_not_derived_from_round_one)
{
	char e1dir[1400];
	runoff_pair(e1dir, sizeof e1dir);
	/* previous/manifest.json is not the manifest round one decided */
	char p[1600];
	snprintf(p, sizeof p, "%s/previous/manifest.json", rec);
	sh("sed -i 's/\"王芳\"/\"王芳芳\"/' '%s'", p);
	expect_detail(VE_PARAMETERS, "manifest_sha256", "previous manifest altered");
}

/* R-11.4: a run-off record of the format before E-5 -- round two carrying
 * round one's whole manifest, no runoff object, no previous/manifest.json
 * -- is refused by name; the checks that need its ballot style say so. */
Test(verify, runoff_record_of_the_old_format_refused)
{
	char e1dir[1400];
	runoff_pair(e1dir, sizeof e1dir);
	sh("cp '%s/manifest.json' '%s/manifest.json' && rm '%s/previous/manifest.json'", e1dir, rec,
	   rec);
	ve_report r;
	cr_assert_eq(first_failure(&r), VE_PARAMETERS);
	const ve_check *k = &r.checks[VE_PARAMETERS - 1];
	cr_assert_eq(k->failed, 1, "%s", k->detail[0]);
	cr_assert(strstr(k->detail[0],
	                 "manifest.json: parameters.json gives round 2 but the manifest has no "
	                 "\"runoff\" object (E-5.1): a run-off record of the format before "
	                 "E-5") != NULL &&
	              strstr(k->detail[0], "(R-11.4: refused, not examined)") != NULL,
	          "%s", k->detail[0]);
	/* nothing of it is examined: check 4 cannot run and says why */
	cr_assert(has_detail(&r.checks[VE_BALLOTS - 1], "cannot run: no ballot style"), "%s",
	          r.checks[VE_BALLOTS - 1].detail[0]);
}

/* ---- the program ---- */

static int run_cli(const char *args, char **out)
{
	char cmd[4096], op[1300];
	const char *bin = getenv("QUORUM_AUDIT");
	cr_assert_not_null(bin, "QUORUM_AUDIT must name quorum-audit");
	snprintf(op, sizeof op, "%s/out", tmp);
	snprintf(cmd, sizeof cmd, "'%s' verify-election %s >'%s' 2>/dev/null </dev/null", bin, args,
	         op);
	int st = system(cmd);
	cr_assert(WIFEXITED(st));
	size_t l;
	*out = test_read_file(op, &l);
	return WEXITSTATUS(st);
}

Test(verify, cli_exit_codes_and_json)
{
	char args[1400], *out = NULL;
	json_error_t je;
	snprintf(args, sizeof args, "'%s' --json", rec);
	cr_assert_eq(run_cli(args, &out), 0, "%s", out);
	json_t *j = json_loads(out, 0, &je);
	cr_assert_not_null(j, "%s", je.text);
	cr_assert(json_is_true(json_object_get(j, "passed")));
	cr_assert_eq(json_array_size(json_object_get(j, "checks")), VE_NCHECKS);
	json_decref(j);
	free(out);
	/* text form: one line per check */
	snprintf(args, sizeof args, "'%s' --full-crosscheck", rec);
	cr_assert_eq(run_cli(args, &out), 0, "%s", out);
	cr_assert(strstr(out, "[PASS] 10 crosscheck") != NULL, "%s", out);
	/* the roster's fingerprints, for comparison with the ceremony's (V-4.1) */
	ve_report r;
	cr_assert_eq(first_failure(&r), 0);
	for (int i = 0; i < 3; i++) {
		char line[80];
		snprintf(line, sizeof line, "    %d  %s\n", i + 1, r.fingerprint[i]);
		cr_assert(strlen(r.fingerprint[i]) == 39 && strstr(out, line) != NULL,
		          "no line \"%s\" in:\n%s", line, out);
	}
	free(out);
	/* tampered: exit 1 and the failing check named in the JSON */
	char p[1400];
	snprintf(p, sizeof p, "%s/tally/aggregate.json", rec);
	size_t len;
	char *agg = test_read_file(p, &len);
	agg[len / 2] ^= 0x01;
	cr_assert_eq(test_write_file(p, agg, len), 0);
	free(agg);
	snprintf(args, sizeof args, "'%s' --json", rec);
	cr_assert_eq(run_cli(args, &out), 1, "%s", out);
	j = json_loads(out, 0, &je);
	cr_assert_not_null(j);
	cr_assert_eq(json_integer_value(json_object_get(j, "first_failure")), VE_AGGREGATE);
	json_t *c6 = json_array_get(json_object_get(j, "checks"), VE_AGGREGATE - 1);
	cr_assert_str_eq(json_string_value(json_object_get(c6, "status")), "FAIL");
	cr_assert_str_eq(json_string_value(json_object_get(c6, "name")), "aggregate");
	json_decref(j);
	free(out);
	/* usage and a missing directory: 2 */
	cr_assert_eq(run_cli("", &out), 2);
	free(out);
	snprintf(args, sizeof args, "'%s/nope'", tmp);
	cr_assert_eq(run_cli(args, &out), 2);
	free(out);
}

/* A fingerprints file as written down at the ceremony (R-4.0), of the
 * roster in r; fp of trustee `change` gets its first digit altered, and
 * trustee `drop` is left out (0: none). */
static void fp_file(char *out, size_t cap, const ve_report *r, uint32_t change, uint32_t drop)
{
	size_t o = (size_t)snprintf(out, cap, "# trustees of hq-ve, read out 5 Dec\n\n");
	for (uint32_t i = 1; i <= 3; i++) {
		char fp[VE_FP_LEN];
		size_t k = 0;
		if (i == drop)
			continue;
		for (const char *q = r->fingerprint[i - 1]; *q; q++) /* upper case, no spaces */
			if (*q != ' ')
				fp[k++] = (char)(*q >= 'a' && *q <= 'f' ? *q - 'a' + 'A' : *q);
		fp[k] = 0;
		if (i == change)
			fp[0] = fp[0] == '0' ? '1' : '0';
		o += (size_t)snprintf(out + o, cap - o, "%u  %.16s %s\r\n", i, fp, fp + 16);
	}
}

Test(verify, fingerprints_file_compared)
{
	ve_report r;
	char txt[600], why[160], p[1400], args[3000], *out = NULL;
	cr_assert_eq(first_failure(&r), 0);
	fp_file(txt, sizeof txt, &r, 0, 0);
	cr_assert_eq(ve_report_check_fingerprints(&r, txt, strlen(txt), why, sizeof why), Q_OK,
	             "%s", why);
	cr_assert(ve_report_passed(&r));
	cr_assert(r.fp_match[0] == 1 && r.fp_match[1] == 1 && r.fp_match[2] == 1);
	/* the key the record holds for trustee 2 is not the one read out */
	cr_assert_eq(first_failure(&r), 0);
	fp_file(txt, sizeof txt, &r, 2, 0);
	cr_assert_eq(ve_report_check_fingerprints(&r, txt, strlen(txt), why, sizeof why), Q_OK);
	cr_assert_eq(ve_report_first_failure(&r), VE_TRUSTEES);
	cr_assert_eq(r.checks[VE_TRUSTEES - 1].failed, 1);
	cr_assert(strstr(r.checks[VE_TRUSTEES - 1].detail[0],
	                 "fingerprints file: trustee 2: the record's signing key has "
	                 "fingerprint") != NULL,
	          "%s", r.checks[VE_TRUSTEES - 1].detail[0]);
	cr_assert_eq(r.fp_match[1], 2);
	/* a trustee not written down */
	cr_assert_eq(first_failure(&r), 0);
	fp_file(txt, sizeof txt, &r, 0, 3);
	cr_assert_eq(ve_report_check_fingerprints(&r, txt, strlen(txt), why, sizeof why), Q_OK);
	cr_assert(strstr(r.checks[VE_TRUSTEES - 1].detail[0], "trustee 3 is not listed") != NULL,
	          "%s", r.checks[VE_TRUSTEES - 1].detail[0]);
	/* not a fingerprints file: nothing is recorded */
	static const char *const bad[] = {"4 0000111122223333444455556666777\n",
	                                  "1 0000 1111 2222 3333 4444 5555 6666 777\n",
	                                  "1 0000 1111 2222 3333 4444 5555 6666 777g\n",
	                                  "x 0000 1111 2222 3333 4444 5555 6666 7777\n",
	                                  "1 0000 1111 2222 3333 4444 5555 6666 7777\n"
	                                  "1 0000 1111 2222 3333 4444 5555 6666 7777\n"};
	for (size_t b = 0; b < sizeof bad / sizeof *bad; b++) {
		cr_assert_eq(first_failure(&r), 0);
		cr_assert_eq(
		    ve_report_check_fingerprints(&r, bad[b], strlen(bad[b]), why, sizeof why),
		    Q_ERR_FORMAT, "%s", bad[b]);
		cr_assert(strstr(why, "line") != NULL, "%s", why);
		cr_assert(ve_report_passed(&r) && r.fp_match[0] == 0);
	}
	/* the program: exit 0 when all match, 1 when one differs, 2 if unreadable */
	snprintf(p, sizeof p, "%s/fps.txt", tmp);
	cr_assert_eq(first_failure(&r), 0);
	fp_file(txt, sizeof txt, &r, 0, 0);
	cr_assert_eq(test_write_file(p, txt, strlen(txt)), 0);
	snprintf(args, sizeof args, "'%s' --fingerprints '%s'", rec, p);
	cr_assert_eq(run_cli(args, &out), 0, "%s", out);
	cr_assert(strstr(out, "(matches the fingerprints file)") != NULL, "%s", out);
	free(out);
	fp_file(txt, sizeof txt, &r, 1, 0);
	cr_assert_eq(test_write_file(p, txt, strlen(txt)), 0);
	snprintf(args, sizeof args, "'%s' --fingerprints '%s' --json", rec, p);
	cr_assert_eq(run_cli(args, &out), 1, "%s", out);
	cr_assert(strstr(out, "\"matches\": false") != NULL, "%s", out);
	free(out);
	snprintf(args, sizeof args, "'%s' --fingerprints '%s/none'", rec, tmp);
	cr_assert_eq(run_cli(args, &out), 2);
	free(out);
}

/* ---- what a station record proves about the roll (V-5.4, V-7; R-5 (9), (10)) ---- */

/* The detail of check id holding needle, or NULL. */
static const char *detail_with(const ve_report *r, int id, const char *needle)
{
	const ve_check *k = &r->checks[id - 1];
	for (size_t i = 0; i < k->ndetails; i++)
		if (strstr(k->detail[i], needle) != NULL)
			return k->detail[i];
	return NULL;
}

/* Issue 21: station s1 imported another roll (V0009's birth date moved so
 * that a minor is 18 on polling day) and logged its hash, as the daemon
 * does; it re-signs its record.  Check 3 names both hashes. */
Test(verify, station_logged_another_roll)
{
	char kf[1400], ld[1400], txt[200], have[65], want[65], *note = NULL;
	size_t nl;
	char *alt = strdup(fx_roll()), *at = strstr(alt, "V0009,周杰,2008-03-16");
	cr_assert_not_null(at);
	memcpy(strstr(at, "2008-03-16"), "2008-03-14", 10);
	uint8_t h[32];
	sha256(h, alt, strlen(alt));
	hex_encode(have, h, 32);
	json_t *params = load("parameters.json");
	snprintf(want, sizeof want, "%s", json_string_value(json_object_get(params, "roll_hash")));
	json_decref(params);
	snprintf(txt, sizeof txt, "voters 10\nsha256 %s\n", have);
	json_t *r = station_json("s1");
	note_signer ns;
	snprintf(kf, sizeof kf, "%s/s1.key", keys);
	snprintf(ld, sizeof ld, "%s/stations/s1/log", rec);
	audit_log *lg = open_log(ld, kf);
	append(lg, "quorum/v1/station/roll-imported", txt, strlen(txt));
	cr_assert_eq(log_checkpoint_sign(lg, &note, &nl), Q_OK);
	set_log_fields(r, lg, note);
	close_log(lg, ld);
	load_signer(&ns, kf);
	write_signed(rec, "s1", r, &ns);
	note_signer_wipe(&ns);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_LOGS, "%s", rep.checks[0].detail[0]);
	const char *d = detail_with(&rep, VE_LOGS, "imported another roll");
	cr_assert_not_null(d, "%s", rep.checks[VE_LOGS - 1].detail[0]);
	cr_assert(strstr(d, "stations/s1/log") != NULL && strstr(d, have) != NULL &&
	              strstr(d, want) != NULL,
	          "%s", d);
	free(note);
	free(alt);
	json_decref(r);
}

/* P-7.1: a record whose close_index names another entry than the log's
 * poll-closed entry fails check 3 and says so. */
Test(verify, close_index_not_the_poll_closed_entry)
{
	json_t *r = station_json("s1");
	json_t *lj = json_object_get(r, "log");
	json_int_t ci = json_integer_value(json_object_get(lj, "close_index"));
	json_object_set_new(lj, "close_index", json_integer(ci - 1));
	resign_station("s1", r, NULL, 0);
	ve_report rep;
	(void)first_failure(&rep);
	const char *d = detail_with(&rep, VE_LOGS, "log.close_index");
	cr_assert_not_null(d, "%s", rep.checks[VE_LOGS - 1].detail[0]);
	cr_assert(strstr(d, "stations/s1/log") != NULL, "%s", d);
	json_decref(r);
}

/* Issue 22 (R-3.1): the returning officer's election log rebuilt with the
 * same key and a roll-changed entry (old_hex -> new_hex) right after entry
 * 0, before the tally; result.checkpoint re-signed over the whole log. */
static void relog_with_roll_change(const char *old_hex, const char *new_hex)
{
	char ld[1400], kf[1400], p[1400], ent[1024], *note = NULL;
	size_t nl, n;
	audit_log *lg = NULL;
	uint64_t idx;
	note_signer ns;
	snprintf(ld, sizeof ld, "%s/log", rec);
	cr_assert_eq(log_open(ld, LOG_RDONLY, &lg, NULL, 0), Q_OK);
	n = (size_t)log_size(lg);
	uint8_t **ents = calloc(n, sizeof *ents);
	size_t *lens = calloc(n, sizeof *lens);
	for (size_t i = 0; i < n; i++) {
		ents[i] = malloc(MERKLE_MAX_ENTRY);
		cr_assert_eq(log_read_entry(lg, i, ents[i], &lens[i]), Q_OK);
	}
	log_close(lg);
	test_rmtree(ld);
	snprintf(kf, sizeof kf, "%s/election.key", keys);
	load_signer(&ns, kf);
	cr_assert_eq(log_create_with_signer(ld, &ns, &lg, NULL, 0), Q_OK);
	snprintf(ent, sizeof ent,
	         "{\"decided\":\"2026-02-27\",\"decision\":\"异议处理决定 1\",\"new_hash\":\"%s\","
	         "\"old_hash\":\"%s\",\"reason\":\"V0009 姓名更正\",\"rule\":\"UL17.objections\","
	         "\"type\":\"roll-changed\",\"voters\":10}",
	         new_hex, old_hex);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(log_append(lg, ents[i], lens[i], &idx), Q_OK);
		if (i == 0)
			cr_assert_eq(log_append(lg, ent, strlen(ent), &idx), Q_OK);
		free(ents[i]);
	}
	cr_assert_eq(log_checkpoint_sign(lg, &note, &nl), Q_OK);
	log_close(lg);
	note_signer_wipe(&ns);
	snprintf(p, sizeof p, "%s/tally/result.checkpoint", rec);
	cr_assert_eq(test_write_file(p, note, nl), 0);
	free(note);
	free(ents);
	free(lens);
}

/* Issue 22: the roll was changed (logged and signed) but the stations
 * served the roll it replaced: check 3 refuses each, naming the change and
 * both hashes. */
Test(verify, stations_on_the_replaced_roll)
{
	const char *nx = "5555555555555555555555555555555555555555555555555555555555555555";
	json_t *params = load("parameters.json");
	char old[65];
	snprintf(old, sizeof old, "%s", json_string_value(json_object_get(params, "roll_hash")));
	json_decref(params);
	relog_with_roll_change(old, nx);
	ve_report rep;
	(void)first_failure(&rep);
	const char *d = detail_with(&rep, VE_LOGS, "changed by roll-changed entry 1");
	cr_assert_not_null(d, "%s", rep.checks[VE_LOGS - 1].detail[0]);
	/* the detail is cut at VE_DETAIL_LEN: the new hash's first digits */
	cr_assert(strstr(d, "stations/s1/log") != NULL && strstr(d, old) != NULL &&
	              strstr(d, "to 5555555555") != NULL,
	          "%s", d);
	(void)nx;
}

/* Issue 22: a signed roll-changed entry whose old hash is not the roll in
 * force (a forged chain): refused. */
Test(verify, roll_change_with_a_wrong_old_hash)
{
	relog_with_roll_change("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	                       "5555555555555555555555555555555555555555555555555555555555555555");
	ve_report rep;
	(void)first_failure(&rep);
	const char *d = detail_with(&rep, VE_LOGS, "is not the roll in force before it");
	cr_assert_not_null(d, "%s", rep.checks[VE_LOGS - 1].detail[0]);
}

/* Station sid re-signs its record with checked_in replaced by list; check 5
 * must fail first with a detail holding needle. */
static void checked_in_case(const char *sid, json_t *list, const char *needle)
{
	json_t *r = station_json(sid);
	json_object_set_new(r, "checked_in", list);
	resign_station(sid, r, NULL, 0);
	ve_report rep;
	int got = first_failure(&rep);
	cr_assert_eq(got, VE_RECONCILE, "first failure %d: %s", got,
	             got ? rep.checks[got - 1].detail[0] : "");
	cr_assert_not_null(detail_with(&rep, VE_RECONCILE, needle), "%s",
	                   rep.checks[VE_RECONCILE - 1].detail[0]);
	json_decref(r);
}

/* The checked_in list the daemon wrote for sid (a new reference): s1's
 * voters V0001..V0004, s2's V0005..V0007 (fx_station_daemon). */
static json_t *checked_in_of(const char *sid)
{
	json_t *r = station_json(sid);
	json_t *l = json_deep_copy(json_object_get(r, "checked_in"));
	json_decref(r);
	cr_assert(json_is_array(l) && json_array_size(l) >= 3);
	return l;
}

Test(verify, checked_in_count_differs_from_issued)
{
	/* a station lists fewer voters than it issued ballots to */
	json_t *l = checked_in_of("s1");
	cr_assert_eq(json_array_size(l), 4);
	json_array_remove(l, 3);
	checked_in_case("s1", l,
	                "stations/s1/station-record.json: checked_in lists 3 roll ids but "
	                "counts.issued is 4");
}

Test(verify, checked_in_unsorted)
{
	json_t *l = checked_in_of("s1");
	cr_assert_str_eq(json_string_value(json_array_get(l, 0)), "V0001");
	json_t *x = json_deep_copy(json_array_get(l, 0));
	json_array_remove(l, 0);
	json_array_append_new(l, x); /* check-in order, not sorted */
	checked_in_case("s1", l, "checked_in is not sorted: [3] \"V0001\"");
}

Test(verify, checked_in_duplicate_within_a_station)
{
	json_t *l = checked_in_of("s1");
	json_array_set(l, 1, json_array_get(l, 0));
	checked_in_case("s1", l, "checked_in[1] \"V0001\" appears twice");
}

Test(verify, checked_in_at_two_stations)
{
	/* s2 lists one of s1's voters (a voter who voted twice, or a stuffed
	 * ballot in a real voter's name) instead of one of its own */
	json_t *l = checked_in_of("s2");
	json_array_remove(l, json_array_size(l) - 1);
	json_array_insert_new(l, 0, json_string("V0003"));
	checked_in_case("s2", l, "roll id V0003 is checked in at two stations (s1 and s2)");
}

/* Two of s1's voters also in s2's list: both pairs named, by id (the ids
 * are read again from the records: V-14 keeps none), with both stations. */
Test(verify, checked_in_two_ids_at_two_stations)
{
	json_t *l = checked_in_of("s2");
	json_array_remove(l, json_array_size(l) - 1);
	json_array_remove(l, json_array_size(l) - 1);
	json_array_insert_new(l, 0, json_string("V0004"));
	json_array_insert_new(l, 0, json_string("V0002"));
	checked_in_case("s2", l, "roll id V0002 is checked in at two stations (s1 and s2)");
	ve_report rep;
	(void)first_failure(&rep);
	cr_assert_not_null(detail_with(&rep, VE_RECONCILE,
	                               "roll id V0004 is checked in at two stations (s1 and s2)"));
}

/* quorum-audit checked-in RECORD ROLL-ID: its exit codes and answers. */
static int run_lookup(const char *args, char **out)
{
	char cmd[4096], op[1300];
	const char *bin = getenv("QUORUM_AUDIT");
	cr_assert_not_null(bin, "QUORUM_AUDIT must name quorum-audit");
	snprintf(op, sizeof op, "%s/out", tmp);
	snprintf(cmd, sizeof cmd, "LANG=C LANGUAGE=C '%s' checked-in %s >'%s' 2>&1 </dev/null", bin,
	         args, op);
	int st = system(cmd);
	cr_assert(WIFEXITED(st));
	*out = test_read_file(op, NULL);
	return WEXITSTATUS(st);
}

Test(verify, checked_in_lookup)
{
	char args[1500], *out = NULL;
	snprintf(args, sizeof args, "'%s' V0002", rec);
	cr_assert_eq(run_lookup(args, &out), 0, "%s", out);
	cr_assert(strstr(out, "V0002 was checked in at station s1") != NULL, "%s", out);
	free(out);
	snprintf(args, sizeof args, "'%s' V9999", rec);
	cr_assert_eq(run_lookup(args, &out), 1, "%s", out);
	cr_assert(strstr(out, "V9999 was not checked in at any station (2 station records read)") !=
	              NULL,
	          "%s", out);
	free(out);
	/* one station record */
	snprintf(args, sizeof args, "'%s/stations/s2/station-record.json' V0006", rec);
	cr_assert_eq(run_lookup(args, &out), 0, "%s", out);
	cr_assert(strstr(out, "station s2") != NULL, "%s", out);
	free(out);
	snprintf(args, sizeof args, "'%s' 'not an id'", rec);
	cr_assert_eq(run_lookup(args, &out), 2, "%s", out);
	free(out);
	cr_assert_eq(run_lookup("", &out), 2, "%s", out);
	free(out);
	/* RP-5.2: the manifest is read against the record's own profiles: one
	 * changed after init gives no answer (3), the file named; a missing
	 * one is an I/O error (2) */
	{
		char pp[1400], kp[1400];
		size_t pl;
		snprintf(pp, sizeof pp, "%s/rules/UL-2025.json", rec);
		snprintf(kp, sizeof kp, "%s/UL-2025.keep", tmp);
		char *orig = test_read_file(pp, &pl);
		cr_assert_not_null(orig);
		char *more = malloc(pl + 1);
		memcpy(more, orig, pl);
		more[pl] = '\n';
		cr_assert_eq(test_write_file(pp, more, pl + 1), 0);
		snprintf(args, sizeof args, "'%s' V0002", rec);
		cr_assert_eq(run_lookup(args, &out), 3, "%s", out);
		cr_assert(strstr(out, "rules/UL-2025.json: SHA-256 is") != NULL &&
		              strstr(out, "the profile was changed after init") != NULL,
		          "%s", out);
		cr_assert(strstr(out, "was checked in") == NULL, "%s", out);
		free(out);
		cr_assert_eq(rename(pp, kp), 0);
		cr_assert_eq(run_lookup(args, &out), 2, "%s", out);
		cr_assert(strstr(out, "rules/UL-2025.json: cannot read the profile") != NULL, "%s",
		          out);
		free(out);
		cr_assert_eq(rename(kp, pp), 0);
		cr_assert_eq(test_write_file(pp, orig, pl), 0);
		cr_assert_eq(run_lookup(args, &out), 0, "%s", out);
		free(out);
		free(orig);
		free(more);
	}
	/* a record changed after signing gives no answer (3) */
	json_t *r = station_json("s2");
	json_array_remove(json_object_get(r, "checked_in"), 0);
	store_station_unsigned("s2", r);
	json_decref(r);
	snprintf(args, sizeof args, "'%s' V0002", rec);
	cr_assert_eq(run_lookup(args, &out), 3, "%s", out);
	cr_assert(strstr(out, "signature does not verify") != NULL, "%s", out);
	cr_assert(strstr(out, "was checked in") == NULL, "no answer from a partial read: %s", out);
	free(out);
	/* a missing station record: the answer would be incomplete (2) */
	char p[1400];
	snprintf(p, sizeof p, "%s/stations/s2/station-record.json", rec);
	unlink(p);
	cr_assert_eq(run_lookup(args, &out), 2, "%s", out);
	cr_assert(strstr(out, "cannot read the station record") != NULL, "%s", out);
	free(out);
}

/* ---- check 10's sample (V-12.1) ---- */

/* Known answers, computed independently with Python's hashlib from the
 * text of V-12.1. */
Test(verify, sample_known_answer)
{
	uint8_t seed[VE_SEED_LEN];
	uint64_t got[8];
	for (int i = 0; i < VE_SEED_LEN; i++)
		seed[i] = (uint8_t)i;
	static const uint64_t a[5] = {69, 223, 291, 815, 858};
	cr_assert_eq(ve_sample_draw(seed, 1000, 5, got), Q_OK);
	cr_assert_arr_eq(got, a, sizeof a);
	static const uint64_t b[3] = {4, 5, 6};
	cr_assert_eq(ve_sample_draw(seed, 7, 3, got), Q_OK);
	cr_assert_arr_eq(got, b, sizeof b);
	memset(seed, 0, sizeof seed);
	static const uint64_t c[8] = {126218, 220146, 270267, 420170,
	                              458205, 473463, 512197, 610565};
	cr_assert_eq(ve_sample_draw(seed, 1000000, 8, got), Q_OK);
	cr_assert_arr_eq(got, c, sizeof c);
	/* without replacement: every draw of 7 of 7 is the whole set */
	cr_assert_eq(ve_sample_draw(seed, 7, 7, got), Q_OK);
	for (uint64_t i = 0; i < 7; i++)
		cr_assert_eq(got[i], i);
}

/* Run the CLI; stdout and stderr both into *out. */
static int run_cli_all(const char *args, char **out)
{
	char cmd[4096], op[1300];
	const char *bin = getenv("QUORUM_AUDIT");
	cr_assert_not_null(bin, "QUORUM_AUDIT must name quorum-audit");
	snprintf(op, sizeof op, "%s/out", tmp);
	snprintf(cmd, sizeof cmd, "'%s' verify-election %s >'%s' 2>&1 </dev/null", bin, args, op);
	int st = system(cmd);
	cr_assert(WIFEXITED(st));
	size_t l;
	*out = test_read_file(op, &l);
	return WEXITSTATUS(st);
}

/* The "sample" object of a --json run, as compact text (malloc'd). */
static char *sample_of(const char *args, char *seed_out)
{
	char *out = NULL;
	json_error_t je;
	cr_assert_eq(run_cli_all(args, &out), 0, "%s", out);
	json_t *j = json_loads(out, 0, &je);
	cr_assert_not_null(j, "%s: %s", je.text, out);
	json_t *s = json_object_get(j, "sample");
	const char *seed = json_string_value(json_object_get(s, "seed"));
	cr_assert(seed != NULL && strlen(seed) == 64, "%s", out);
	strcpy(seed_out, seed);
	char *txt = json_dumps(json_object_get(s, "ballots"), JSON_COMPACT);
	cr_assert_eq(json_integer_value(json_object_get(s, "size")), 3);
	cr_assert_eq(json_array_size(json_object_get(s, "ballots")), 3, "%s", txt);
	json_decref(j);
	free(out);
	return txt;
}

Test(verify, cli_seed_reproduces_the_sample)
{
	char args[1600], s1[65], s2[65], s3[65];
	static const char A[] = "00000000000000000000000000000000000000000000000000000000000000a1";
	static const char B[] = "00000000000000000000000000000000000000000000000000000000000000b2";
	/* a given seed: the same sample every time, and the seed reported */
	snprintf(args, sizeof args, "'%s' --json --sample 3 --seed %s", rec, A);
	char *x = sample_of(args, s1), *y = sample_of(args, s2);
	cr_assert_str_eq(s1, A);
	cr_assert_str_eq(x, y);
	/* another seed, another sample (these two differ: V-12.1 is
	 * deterministic, see sample_known_answer) */
	snprintf(args, sizeof args, "'%s' --json --sample 3 --seed %s", rec, B);
	char *z = sample_of(args, s3);
	cr_assert_str_eq(s3, B);
	cr_assert_str_neq(x, z);
	free(y);
	free(z);
	/* no seed: a fresh one each run (printed), and giving it back
	 * reproduces that run's sample */
	snprintf(args, sizeof args, "'%s' --json --sample 3", rec);
	char *r1 = sample_of(args, s1), *r2 = sample_of(args, s2);
	cr_assert_str_neq(s1, s2);
	snprintf(args, sizeof args, "'%s' --json --sample 3 --seed %s", rec, s1);
	char *r3 = sample_of(args, s3);
	cr_assert_str_eq(s3, s1);
	cr_assert_str_eq(r3, r1);
	free(r1);
	free(r2);
	free(r3);
	free(x);
	/* the text form prints the seed and the sampled ballots */
	char *out = NULL;
	snprintf(args, sizeof args, "'%s' --sample 3 --seed %s", rec, A);
	cr_assert_eq(run_cli_all(args, &out), 0, "%s", out);
	cr_assert(strstr(out, A) != NULL, "%s", out);
	cr_assert(strstr(out, "sampled: s") != NULL, "%s", out);
	free(out);
}

Test(verify, cli_seed_malformed_and_documented)
{
	char args[1600], *out = NULL;
	static const char *bad[] = {
	    "xyz",
	    "00000000000000000000000000000000000000000000000000000000000000a", /* 63 */
	    "00000000000000000000000000000000000000000000000000000000000000a1f", /* 65 */
	    "0000000000000000000000000000000000000000000000000000000000000g1",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		snprintf(args, sizeof args, "'%s' --seed %s", rec, bad[i]);
		cr_assert_eq(run_cli_all(args, &out), 2, "%s: %s", bad[i], out);
		cr_assert(strstr(out, "--seed needs exactly 64 hexadecimal digits") != NULL, "%s",
		          out);
		free(out);
	}
	snprintf(args, sizeof args, "'%s' --seed", rec);
	cr_assert_eq(run_cli_all(args, &out), 2, "%s", out);
	cr_assert(strstr(out, "--seed needs exactly 64 hexadecimal digits") != NULL, "%s", out);
	free(out);
	cr_assert_eq(run_cli_all("--help", &out), 0, "%s", out);
	cr_assert(strstr(out, "[--seed HEX]") != NULL, "%s", out);
	cr_assert(strstr(out, "--seed HEX\n(64 hex digits) draws it from that seed") != NULL, "%s",
	          out);
	free(out);
}

/* A tampered (spliced, logged, re-signed) ballot at s1 ballots[4],
 * position 4 of the record's 7: with a seed whose sample of one holds it,
 * check 10 names it under libgcrypt too; with a seed whose sample does
 * not, check 10 does not name it (check 4 does, either way). */
Test(verify, seeded_sample_catches_a_tampered_ballot)
{
	char msg[512];
	rec_election *el = NULL;
	ballot_style *st = NULL;
	ballot *b0 = NULL, *b1 = NULL;
	size_t l0, l1, len;
	uint8_t *enc, in[VE_SEED_LEN] = {0}, out[VE_SEED_LEN] = {0};
	cr_assert_eq(rec_open(&el, rec, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(rec_ballot_style(el, &st, msg, sizeof msg), Q_OK);
	json_t *r = station_json("s1");
	json_t *a = json_object_get(r, "ballots");
	uint8_t *e0 = unb64(json_array_get(a, 0), "ballot", &l0);
	uint8_t *e1 = unb64(json_array_get(a, 1), "ballot", &l1);
	cr_assert_eq(ballot_decode(st, e0, l0, &b0), Q_OK);
	cr_assert_eq(ballot_decode(st, e1, l1, &b1), Q_OK);
	ballot_contest c = b0->contests[1];
	b0->contests[1] = b1->contests[1];
	b1->contests[1] = c;
	cr_assert_eq(ballot_encode(b0, &enc, &len), Q_OK);
	add_cast("s1", enc, len);
	/* where the station put it (tracking-code order, P-7.1) */
	uint8_t tcode[BALLOT_CODE_LEN];
	ballot_tracking_code(tcode, st, enc, len);
	char *thex = hexs(tcode, 32), needle[64];
	json_t *r2 = station_json("s1");
	uint64_t pos = 99;
	for (size_t i = 0; i < json_array_size(json_object_get(r2, "ballots")); i++)
		if (strcmp(json_string_value(json_object_get(
		               json_array_get(json_object_get(r2, "ballots"), i), "tracking_code")),
		           thex) == 0)
			pos = i;
	json_decref(r2);
	free(thex);
	cr_assert_lt(pos, 5);
	snprintf(needle, sizeof needle, "ballots[%llu]", (unsigned long long)pos);
	/* seeds whose sample of 1 of 7 is, and is not, that position */
	int found_in = 0, found_out = 0;
	for (int i = 0; i < 256 && !(found_in && found_out); i++) {
		uint8_t s[VE_SEED_LEN] = {0};
		uint64_t p;
		s[31] = (uint8_t)i;
		cr_assert_eq(ve_sample_draw(s, 7, 1, &p), Q_OK);
		if (p == pos && !found_in) {
			memcpy(in, s, sizeof in);
			found_in = 1;
		} else if (p != pos && !found_out) {
			memcpy(out, s, sizeof out);
			found_out = 1;
		}
	}
	cr_assert(found_in && found_out);
	ve_opts o = {0, 1, -1, 2};
	ve_report rep;
	cr_assert_eq(ve_verify_seed(rec, &o, in, &rep), Q_OK);
	cr_assert_eq(memcmp(rep.seed, in, VE_SEED_LEN), 0);
	cr_assert_eq(rep.sampled, 1);
	cr_assert_str_eq(rep.sample[0].station, "s1");
	cr_assert_eq(rep.sample[0].index, pos);
	const ve_check *k10 = &rep.checks[VE_CROSSCHECK - 1];
	char want10[160];
	snprintf(want10, sizeof want10,
	         "stations/s1: %s: contest 0 option 0: the 0/1 proof fails under libgcrypt",
	         needle);
	cr_assert(has_detail(k10, want10), "%s", k10->ndetails ? k10->detail[0] : "no detail");
	cr_assert_eq(ve_verify_seed(rec, &o, out, &rep), Q_OK);
	cr_assert_neq(rep.sample[0].index == pos && strcmp(rep.sample[0].station, "s1") == 0, 1);
	k10 = &rep.checks[VE_CROSSCHECK - 1];
	cr_assert(!has_detail(k10, needle), "%s", k10->detail[0]);
	cr_assert_gt(rep.checks[VE_BALLOTS - 1].failed, 0);
	free(enc);
	free(e0);
	free(e1);
	ballot_free(b0);
	ballot_free(b1);
	json_decref(r);
	ballot_style_free(st);
	rec_free(el);
}

/* ---- rule profiles bound into the record (docs/spec/rules.md RP-5) ---- */

/* The built-in statute with the first "den": 2 after `row` replaced by
 * `den` and the "num" before it by `num` (same byte length). */
static char *statute_with(const char *row, const char *num, const char *den, size_t *len)
{
	size_t n;
	const char *const *names;
	const unsigned char *const *bytes;
	const size_t *lens;
	rulebook_builtin_files(&n, &names, &bytes, &lens);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], "UL-2025.json") != 0)
			continue;
		char *s = malloc(lens[i] + 1);
		cr_assert_not_null(s);
		memcpy(s, bytes[i], lens[i]);
		s[lens[i]] = '\0';
		char *at = strstr(s, row);
		cr_assert_not_null(at, "%s", row);
		char *nu = strstr(at, "\"num\": 1,"), *de = strstr(at, "\"den\": 2,");
		cr_assert(nu != NULL && de != NULL);
		nu[7] = num[0];
		de[7] = den[0];
		*len = lens[i];
		return s;
	}
	cr_assert_fail("no built-in UL-2025.json");
	return NULL;
}

Test(verify, profile_threshold_changed_after_init)
{
	/* An official edits the record's statute after init: UL19.elected's
	 * "votes > 1/2 cast" becomes "votes > 1/3 cast". */
	char p[1400];
	size_t len, ol;
	char *mod = statute_with("\"UL19.elected\"", "1", "3", &len);
	snprintf(p, sizeof p, "%s/rules/UL-2025.json", rec);
	char *orig = test_read_file(p, &ol);
	cr_assert_eq(ol, len);
	cr_assert_eq(test_write_file(p, mod, len), 0);
	ve_report r;
	expect(VE_PARAMETERS, "profile threshold changed after init");
	first_failure(&r);
	const ve_check *k = &r.checks[VE_PARAMETERS - 1];
	cr_assert_gt(k->ndetails, 0);
	cr_expect_not_null(strstr(k->detail[0], "rules/UL-2025.json"), "%s", k->detail[0]);
	cr_expect_not_null(strstr(k->detail[0], "changed after init"), "%s", k->detail[0]);
	/* also with parameters.json updated to the new hash: the base hash moves */
	uint8_t h[32];
	char hx[65], *pj;
	size_t pl;
	sha256(h, mod, len);
	hex_encode(hx, h, 32);
	snprintf(p, sizeof p, "%s/parameters.json", rec);
	pj = test_read_file(p, &pl);
	json_t *j = json_loadb(pj, pl, 0, NULL);
	cr_assert_not_null(j);
	json_object_set_new(json_array_get(json_object_get(j, "rules"), 0), "sha256",
	                    json_string(hx));
	char *out = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	cr_assert_eq(test_write_file(p, out, strlen(out)), 0);
	expect(VE_PARAMETERS, "profile and its listed hash changed after init");
	free(out);
	json_decref(j);
	free(pj);
	free(orig);
	free(mod);
}

Test(verify, profile_missing_from_record)
{
	char p[1400];
	snprintf(p, sizeof p, "%s/rules/CH1.json", rec);
	cr_assert_eq(unlink(p), 0);
	expect(VE_PARAMETERS, "a listed profile removed");
}

/* A record made with a non-default statute threshold: init copies it,
 * combine decides by it, and verify-election reads it from the record. */
Test(verify, non_default_profile_decides_and_verifies)
{
	char dir[1400], msg[768] = "", kp[1024], pw[32];
	size_t len;
	/* UL19.valid.residents: cast > 9/10 registered instead of > 1/2 */
	char *st = statute_with("\"UL19.valid.residents\"", "9", ":", &len);
	/* "den": 2 -> "den": : is not a number: make it 10 by a longer edit */
	char *de = strstr(strstr(st, "\"UL19.valid.residents\""), "\"den\": :,");
	cr_assert_not_null(de);
	size_t off = (size_t)(de - st);
	char *st2 = malloc(len + 2);
	cr_assert_not_null(st2);
	memcpy(st2, st, off);
	memcpy(st2 + off, "\"den\": 10,", 10);
	memcpy(st2 + off + 10, st + off + 9, len - off - 9);
	size_t len2 = len + 1;
	const uint8_t *rf[1] = {(const uint8_t *)st2};
	const size_t rl[1] = {len2};
	const char *rn[1] = {"UL-2025.json"};
	char *m = fx_manifest("hq-ve");
	rec_init_opts o = {.manifest = (const uint8_t *)m,
	                   .manifest_len = strlen(m),
	                   .roll_csv = fx_roll(),
	                   .roll_len = strlen(fx_roll()),
	                   .k = 2,
	                   .n = 3,
	                   .rule_files = rf,
	                   .rule_lens = rl,
	                   .rule_names = rn,
	                   .nrule_files = 1};
	snprintf(dir, sizeof dir, "%s/keys", tmp);
	mkdir(dir, 0700);
	snprintf(dir, sizeof dir, "%s/custom", tmp);
	cr_assert_eq(rec_init(dir, &o, msg, sizeof msg), Q_OK, "%s", msg);
	rec_election *el = NULL;
	cr_assert_eq(rec_open(&el, dir, msg, sizeof msg), Q_OK, "%s", msg);
	/* the record holds the given bytes */
	char p[1500];
	size_t gl;
	snprintf(p, sizeof p, "%s/rules/UL-2025.json", dir);
	char *got = test_read_file(p, &gl);
	cr_assert(gl == len2 && memcmp(got, st2, gl) == 0);
	free(got);
	fx_ceremony(el, tmp, "custom");
	station(tmp, el, "s1", marks, 4, 1, 4);
	station(tmp, el, "s2", marks + 5 * FX_NOPT, 2, 1, 3);
	tally_opts to = {2, 0};
	cr_assert_eq(tally_run(el, &to, msg, sizeof msg), Q_OK, "%s", msg);
	for (uint32_t i = 1; i <= 2; i++) {
		fx_key_path(kp, sizeof kp, tmp, "custom", i);
		fx_pass(i, pw, sizeof pw);
		cr_assert_eq(tally_decrypt(el, i, kp, pw, strlen(pw), NULL, NULL, msg, sizeof msg),
		             Q_OK, "%s", msg);
	}
	cr_assert_eq(tally_combine(el, NULL, msg, sizeof msg), Q_OK, "%s", msg);
	/* 6 cast of 10 registered: valid under the built-in > 1/2, not under > 9/10 */
	snprintf(p, sizeof p, "%s/tally/result.json", dir);
	json_t *res = NULL;
	cr_assert_eq(rec_read_json(p, &res, msg, sizeof msg), Q_OK, "%s", msg);
	json_t *c0 =
	    json_array_get(json_object_get(json_object_get(res, "decision"), "contests"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(c0, "outcome")), "no-quorum");
	json_t *r0 = NULL, *v;
	size_t i;
	json_array_foreach(json_object_get(c0, "rules"), i,
	                   v) if (strcmp(json_string_value(json_object_get(v, "id")),
	                                 "UL19.valid.residents") == 0) r0 = v;
	cr_assert_not_null(r0, "UL19.valid.residents not applied");
	cr_expect_str_eq(json_string_value(json_object_get(r0, "fraction")), "9/10");
	cr_expect_str_eq(json_string_value(json_object_get(r0, "profile")), "UL-2025/1");
	cr_expect(json_is_false(json_object_get(r0, "holds")));
	json_decref(res);
	rec_free(el);
	/* verify-election reads the record's profile: check 1 passes */
	snprintf(p, sizeof p, "%s/log/key", dir);
	unlink(p);
	ve_report r;
	ve_opts vo = {1, 0, -1, 2};
	cr_assert_eq(ve_verify(dir, &vo, &r), Q_OK);
	cr_expect_eq(r.checks[VE_PARAMETERS - 1].failed, 0, "%s",
	             r.checks[VE_PARAMETERS - 1].ndetails ? r.checks[VE_PARAMETERS - 1].detail[0]
	                                                  : "");
	const ve_check *k9 = &r.checks[VE_DECISION - 1];
	cr_expect(k9->failed == 0 || (k9->ndetails && strstr(k9->detail[0], "cannot run")),
	          "check 9 decided otherwise than the record's profile: %s",
	          k9->ndetails ? k9->detail[0] : "");
	free(m);
	free(st);
	free(st2);
}

/* ---- an observer's look-ups (issue 21): find and opening ---- */

/* quorum-audit with args (shell words); stdout to *out, stderr to *err. */
static int run_audit(const char *args, char **out, char **err)
{
	char cmd[4096], op[1300], ep[1300];
	const char *bin = getenv("QUORUM_AUDIT");
	cr_assert_not_null(bin, "QUORUM_AUDIT must name quorum-audit");
	snprintf(op, sizeof op, "%s/out", tmp);
	snprintf(ep, sizeof ep, "%s/err", tmp);
	snprintf(cmd, sizeof cmd, "LANG=C LANGUAGE=C '%s' %s >'%s' 2>'%s' </dev/null", bin, args,
	         op, ep);
	int st = system(cmd);
	cr_assert(WIFEXITED(st));
	*out = test_read_file(op, NULL);
	*err = test_read_file(ep, NULL);
	cr_assert(*out != NULL && *err != NULL);
	return WEXITSTATUS(st);
}

/* A receipt's tracking code: find prints its log index and an inclusion
 * proof that check-proof accepts for the ballot's log entry. */
Test(verify, cli_find_prints_the_receipts_proof)
{
	char args[4000], p[1400], *out, *err;
	json_t *r = station_json("s1");
	json_t *b = json_array_get(json_object_get(r, "ballots"), 1);
	const char *code = json_string_value(json_object_get(b, "tracking_code"));
	snprintf(args, sizeof args, "find '%s/stations/s1/log' %s", rec, code);
	int rc = run_audit(args, &out, &err);
	cr_assert_eq(rc, 0, "%s%s", out, err);
	cr_assert(strstr(err, "is the ballot cast at log index") != NULL, "%s", err);
	cr_assert(strstr(out, "c2sp.org/tlog-proof@v1") != NULL, "%s", out);
	snprintf(p, sizeof p, "%s/proof", tmp);
	cr_assert_eq(test_write_file(p, out, strlen(out)), 0);
	/* the entry: the tag and the ballot's bytes (P-6) */
	size_t bl;
	uint8_t *enc = unb64(b, "ballot", &bl);
	const char *tag = "quorum/v1/station/ballot-cast\n";
	uint8_t *ent = malloc(strlen(tag) + bl);
	memcpy(ent, tag, strlen(tag));
	memcpy(ent + strlen(tag), enc, bl);
	snprintf(p, sizeof p, "%s/entry", tmp);
	cr_assert_eq(test_write_file(p, ent, strlen(tag) + bl), 0);
	free(out);
	free(err);
	snprintf(args, sizeof args, "check-proof '%s/stations/s1/log/vkey' '%s/proof' '%s/entry'",
	         rec, tmp, tmp);
	rc = run_audit(args, &out, &err);
	cr_assert_eq(rc, 0, "check-proof: %s%s", out, err);
	free(out);
	free(err);
	/* a code of no cast ballot here (s2's first): not found, exit 1 */
	json_t *r2 = station_json("s2");
	const char *c2 = json_string_value(
	    json_object_get(json_array_get(json_object_get(r2, "ballots"), 0), "tracking_code"));
	snprintf(args, sizeof args, "find '%s/stations/s1/log' %s", rec, c2);
	rc = run_audit(args, &out, &err);
	cr_assert_eq(rc, 1, "%s%s", out, err);
	cr_assert(strstr(err, "no ballot with tracking code") != NULL, "%s", err);
	free(out);
	free(err);
	free(enc);
	free(ent);
	json_decref(r);
	json_decref(r2);
}

/* A challenged ballot's opening, read out in words; an opening that does
 * not open its ballot (one mark flipped) is FAILED. */
Test(verify, cli_opening_shows_a_challenged_ballot)
{
	char args[4000], *out, *err;
	json_t *r = station_json("s1");
	json_t *c = json_array_get(json_object_get(r, "challenged"), 0);
	cr_assert_not_null(c, "the clean record has a challenged ballot at s1");
	const char *code = json_string_value(json_object_get(c, "tracking_code"));
	snprintf(args, sizeof args, "opening '%s' %s", rec, code);
	int rc = run_audit(args, &out, &err);
	cr_assert_eq(rc, 0, "%s%s", out, err);
	cr_assert(strstr(out, "at station s1") != NULL, "%s", out);
	cr_assert(strstr(out, "opens its encrypted selections (B-7); it held:") != NULL, "%s", out);
	cr_assert(strstr(out, "  director (主任 / Director):") != NULL, "%s", out);
	cr_assert(strstr(out, "  members (委员 / Members):") != NULL, "%s", out);
	free(out);
	free(err);
	/* RP-5.2: the manifest is read against the record's own profiles, not
	 * the built-in ones: a profile changed after init gives no answer (2),
	 * the file named */
	{
		char pp[1400];
		size_t pl;
		snprintf(pp, sizeof pp, "%s/rules/UL-2025.json", rec);
		char *orig = test_read_file(pp, &pl);
		cr_assert_not_null(orig);
		char *more = malloc(pl + 1);
		memcpy(more, orig, pl);
		more[pl] = '\n';
		cr_assert_eq(test_write_file(pp, more, pl + 1), 0);
		rc = run_audit(args, &out, &err);
		cr_assert_eq(test_write_file(pp, orig, pl), 0);
		cr_assert_eq(rc, 2, "%s%s", out, err);
		cr_assert(strstr(err, "rules/UL-2025.json: SHA-256 is") != NULL &&
		              strstr(err, "the profile was changed after init") != NULL,
		          "%s", err);
		cr_assert(strstr(out, "it held") == NULL, "%s", out);
		free(out);
		free(err);
		free(orig);
		free(more);
	}
	/* the same opening with its first mark flipped */
	size_t ol;
	uint8_t *op = unb64(c, "opening", &ol);
	op[0] ^= 1;
	char *ob = b64(op, ol);
	json_object_set_new(c, "opening", json_string(ob));
	store_station_unsigned("s1", r);
	rc = run_audit(args, &out, &err);
	cr_assert_eq(rc, 1, "%s%s", out, err);
	cr_assert(strstr(out, "FAILED: its published opening does not open it") != NULL, "%s", out);
	free(out);
	free(err);
	/* a code that is no challenged ballot */
	snprintf(args, sizeof args, "opening '%s' %064d", rec, 0);
	rc = run_audit(args, &out, &err);
	cr_assert_eq(rc, 1, "%s%s", out, err);
	cr_assert(strstr(err, "no challenged ballot with tracking code") != NULL, "%s", err);
	free(out);
	free(err);
	free(op);
	free(ob);
	json_decref(r);
}

/* ---- V-1.2: a check never passes what it could not examine ---- */

/* Every check in ids[] fails with a detail holding needle. */
static void dependent_fails(const ve_report *r, int id, const char *needle)
{
	const ve_check *k = &r->checks[id - 1];
	cr_assert_gt(k->failed, 0, "check %d (%s) passed; expected a detail with \"%s\"", id,
	             k->name, needle);
	cr_assert_not_null(detail_with(r, id, needle), "check %d (%s): no detail with \"%s\": %s",
	                   id, k->name, needle, k->ndetails ? k->detail[0] : "");
}

/* Issue 17: station s2's record no longer matches its signature.  Check 3
 * names that; checks 4, 5, 6, 8 and 10, which need s2's ballots, each
 * fail and say how many they did not examine and why (they used to pass
 * on s1's ballots alone). */
Test(verify, unsigned_station_fails_every_check_that_needs_it)
{
	json_t *r = station_json("s2");
	json_object_set_new(json_object_get(r, "counts"), "registered", json_integer(6));
	store_station_unsigned("s2", r);
	json_decref(r);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_LOGS);
	dependent_fails(&rep, VE_LOGS,
	                "stations/s2/station-record.json.sig: the station record's "
	                "signature does not verify");
	dependent_fails(&rep, VE_BALLOTS, "stations/s2: 2 ballots not examined");
	dependent_fails(&rep, VE_BALLOTS, "signature does not verify (check 3)");
	cr_assert_eq(rep.checks[VE_BALLOTS - 1].failed, 1, "%s",
	             rep.checks[VE_BALLOTS - 1].detail[0]);
	dependent_fails(&rep, VE_RECONCILE, "stations/s2: not reconciled");
	dependent_fails(&rep, VE_AGGREGATE, "stations/s2: 2 ballots not examined (the sum");
	dependent_fails(&rep, VE_CHALLENGED, "stations/s2: 1 challenged ballot not examined");
	dependent_fails(&rep, VE_CROSSCHECK,
	                "stations/s2: 2 ballots not examined (not in the "
	                "sample");
	/* the checks that do not read station records still pass */
	cr_assert_eq(rep.checks[VE_PARAMETERS - 1].failed, 0);
	cr_assert_eq(rep.checks[VE_TRUSTEES - 1].failed, 0);
}

/* The election log does not open: check 1 (entry 0), 2 (ceremony
 * entries), 6 (tally entry) and 7 (partial and result entries) say they
 * did not compare, pointing at check 3. */
Test(verify, unusable_election_log_fails_the_comparisons)
{
	char p[1400];
	snprintf(p, sizeof p, "%s/log/vkey", rec);
	cr_assert_eq(unlink(p), 0);
	ve_report rep;
	(void)first_failure(&rep);
	dependent_fails(&rep, VE_LOGS, "log/: the election log cannot be opened");
	dependent_fails(&rep, VE_PARAMETERS, "log/ entry 0 (election-created) not compared");
	cr_assert(only_points_at(&rep.checks[VE_PARAMETERS - 1], VE_LOGS));
	dependent_fails(&rep, VE_TRUSTEES,
	                "trustees/1/public.json: not compared with the "
	                "trustee-commitments entry");
	dependent_fails(&rep, VE_TRUSTEES, "joint_key.json: not compared with the joint-key");
	dependent_fails(&rep, VE_AGGREGATE, "not compared with the tally entry of log/");
	dependent_fails(&rep, VE_DECRYPTION, "tally/result.json: not compared with the result");
	dependent_fails(&rep, VE_DECRYPTION,
	                "tally/partials/1.json: not compared with the "
	                "partial-decryption entry");
	/* the counts were still decoded from the proofs: check 9 ran */
	cr_assert_eq(rep.checks[VE_DECISION - 1].failed, 0, "%s",
	             rep.checks[VE_DECISION - 1].detail[0]);
}

/* The manifest is invalid: every check that needs the ballot style or
 * the station list fails saying so (5 and 8 used to pass on no stations). */
Test(verify, invalid_manifest_fails_every_dependent_check)
{
	char p[1400];
	snprintf(p, sizeof p, "%s/manifest.json", rec);
	cr_assert_eq(test_write_file(p, "{}\n", 3), 0);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_PARAMETERS);
	dependent_fails(&rep, VE_TRUSTEES, "cannot run: the parameters did not verify (check 1)");
	dependent_fails(&rep, VE_LOGS, "the manifest is invalid (check 1)");
	dependent_fails(&rep, VE_BALLOTS, "(checks 1 and 2 failed)");
	dependent_fails(&rep, VE_RECONCILE, "the manifest is invalid (check 1)");
	dependent_fails(&rep, VE_AGGREGATE, "no ballot style (check 1)");
	dependent_fails(&rep, VE_DECRYPTION, "cannot run");
	dependent_fails(&rep, VE_CHALLENGED, "the manifest is invalid (check 1)");
	dependent_fails(&rep, VE_DECISION, "cannot run");
	dependent_fails(&rep, VE_CROSSCHECK, "cannot run");
	for (int i = 1; i <= VE_NCHECKS; i++)
		cr_expect_gt(rep.checks[i - 1].failed, 0, "check %d passed on nothing", i);
}

/* The aggregate is unusable: check 7 cannot decrypt it, check 9 has no
 * counts, check 10 cross-checks neither. */
Test(verify, unusable_aggregate_fails_decryption_decision_crosscheck)
{
	json_t *a = load("tally/aggregate.json");
	json_object_set_new(a, "format", json_string("quorum-aggregate/0"));
	store("tally/aggregate.json", a);
	json_decref(a);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_AGGREGATE);
	dependent_fails(&rep, VE_DECRYPTION, "no verified aggregate or keys (checks 2, 6)");
	dependent_fails(&rep, VE_DECISION, "no verified counts (check 7)");
	dependent_fails(&rep, VE_CROSSCHECK, "the aggregate is unusable (check 6)");
	dependent_fails(&rep, VE_CROSSCHECK, "no verified counts (check 7)");
}

/* A used partial is missing: no counts; checks 9 and 10 say so. */
Test(verify, missing_partial_fails_decision_and_crosscheck)
{
	char p[1400];
	snprintf(p, sizeof p, "%s/tally/partials/1.json", rec);
	cr_assert_eq(unlink(p), 0);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_DECRYPTION);
	dependent_fails(&rep, VE_DECISION, "no verified counts (check 7)");
	dependent_fails(&rep, VE_CROSSCHECK, "tally/partials: not cross-checked");
}

/* ---- R-11: format versions ---- */

/* An unknown major version is refused, naming what was found and what the
 * verifier knows; a minor version of a known major is read. */
Test(verify, unknown_major_version_refused_naming_both)
{
	json_t *p = load("parameters.json");
	json_object_set_new(p, "format", json_string("quorum-parameters/4"));
	store("parameters.json", p);
	json_decref(p);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_PARAMETERS);
	dependent_fails(&rep, VE_PARAMETERS,
	                "format quorum-parameters/4: unknown major version 4 "
	                "of quorum-parameters; this program knows "
	                "quorum-parameters/3");
}

/* E-4.3: the registered voters are parameters.json's (derived from the
 * roll by init); a manifest typing another number, or parameters without
 * one, fail check 1 naming the numbers. */
Test(verify, registered_typed_in_the_manifest_differs_from_the_parameters)
{
	json_t *m = load("manifest.json");
	json_object_set_new(json_object_get(m, "body"), "registered", json_integer(9));
	store("manifest.json", m);
	json_decref(m);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_PARAMETERS);
	dependent_fails(&rep, VE_PARAMETERS,
	                "manifest.json: body.registered is 9 but parameters.json's registered "
	                "is 8 (E-4.3)");
}

Test(verify, parameters_without_registered)
{
	json_t *p = load("parameters.json");
	json_object_del(p, "registered");
	store("parameters.json", p);
	json_decref(p);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_PARAMETERS);
	dependent_fails(&rep, VE_PARAMETERS, "parameters.json: registered missing (R-2.1)");
}

Test(verify, unknown_station_record_version_refused)
{
	json_t *r = station_json("s1");
	json_object_set_new(r, "format", json_string("quorum-station-record/3"));
	resign_station("s1", r, NULL, 0);
	json_decref(r);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_LOGS);
	dependent_fails(&rep, VE_LOGS,
	                "stations/s1/station-record.json: format "
	                "quorum-station-record/3: unknown major version 3");
	dependent_fails(&rep, VE_LOGS, "knows quorum-station-record/2");
	/* refused, so its ballots are not examined (V-1.2) */
	dependent_fails(&rep, VE_BALLOTS, "stations/s1: 4 ballots not examined");
	dependent_fails(&rep, VE_BALLOTS, "format version is unknown (check 3)");
}

Test(verify, unknown_result_and_aggregate_versions_refused)
{
	json_t *a = load("tally/result.json");
	json_object_set_new(a, "format", json_string("quorum-result/2"));
	store("tally/result.json", a);
	json_decref(a);
	relog_result();
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_DECRYPTION);
	dependent_fails(&rep, VE_DECRYPTION,
	                "tally/result.json: format quorum-result/2: unknown "
	                "major version 2 of quorum-result; this program "
	                "knows quorum-result/1");
}

Test(verify, station_entry_of_another_version_refused)
{
	json_t *r = station_json("s2");
	char kf[1400], ld[1400], *note = NULL;
	size_t nl;
	snprintf(kf, sizeof kf, "%s/s2.key", keys);
	snprintf(ld, sizeof ld, "%s/stations/s2/log", rec);
	audit_log *lg = open_log(ld, kf);
	append(lg, "quorum/v2/station/ballot-cast", "x", 1);
	cr_assert_eq(log_checkpoint_sign(lg, &note, &nl), Q_OK);
	set_log_fields(r, lg, note);
	close_log(lg, ld);
	free(note);
	resign_station("s2", r, NULL, 0);
	json_decref(r);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_LOGS);
	dependent_fails(&rep, VE_LOGS,
	                "stations/s2/log: entry 7: tag quorum/v2/station/ballot-cast: "
	                "unknown version; this verifier knows quorum/v1/station/");
	/* and it follows poll-closed (V-5.3) */
	dependent_fails(&rep, VE_LOGS, "entries follow poll-closed");
}

/* A minor version of a known major is accepted (R-11.2). */
Test(verify, minor_version_accepted)
{
	json_t *r = station_json("s1");
	json_object_set_new(r, "format", json_string("quorum-station-record/2.9"));
	resign_station("s1", r, NULL, 0);
	json_decref(r);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_AGGREGATE, "%s",
	             rep.checks[first_failure(&rep) - 1].detail[0]);
	/* only the record's hash in the aggregate differs */
	dependent_fails(&rep, VE_AGGREGATE, "stations[0] (s1): id, record_sha256");
}

/* R-5 (15), P-7.6: verify-election names a proxy check-in for a voter the
 * station did not check in (the profile rows: test_rules.c). */
Test(verify, proxy_list_names_a_principal_not_checked_in)
{
	json_t *r = station_json("s1");
	json_object_set_new(
	    r, "proxies", json_pack("[{s:s, s:s}]", "principal", "s1-V9999", "proxy", "s1-V0001"));
	resign_station("s1", r, NULL, 0);
	json_decref(r);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_RECONCILE, "%s",
	             rep.checks[first_failure(&rep) - 1].detail[0]);
	dependent_fails(&rep, VE_RECONCILE,
	                "stations/s1/station-record.json: proxies[0]: principal \"s1-V9999\" is "
	                "not in checked_in");
}

/* ---- item 7: what the station log and record must say (V-5.5, P-7.1) ---- */

Test(verify, poll_opened_names_another_station_or_count)
{
	json_t *r = station_json("s1");
	json_object_set_new(json_object_get(r, "counts"), "registered", json_integer(6));
	resign_station("s1", r, NULL, 0);
	json_decref(r);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_LOGS);
	dependent_fails(&rep, VE_LOGS,
	                "stations/s1/log: entry 1: poll-opened does not name "
	                "station s1");
	dependent_fails(&rep, VE_LOGS, "counts.registered 6");
}

Test(verify, ballots_not_in_tracking_code_order)
{
	char kf[1400];
	note_signer ns;
	json_t *r = station_json("s1");
	json_t *a = json_object_get(r, "ballots"), *first = json_incref(json_array_get(a, 0));
	json_array_remove(a, 0);
	json_array_append_new(a, first);
	snprintf(kf, sizeof kf, "%s/s1.key", keys);
	load_signer(&ns, kf);
	write_signed(rec, "s1", r, &ns); /* no resign_station: it would sort */
	note_signer_wipe(&ns);
	json_decref(r);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_BALLOTS);
	dependent_fails(&rep, VE_BALLOTS,
	                "stations/s1/station-record.json: ballots[3]: not in "
	                "ascending tracking-code order after ballots[2] "
	                "(P-7.1)");
}

/* Index of the ballot with b's tracking code in the array a, or -1. */
static long code_index(const json_t *a, const json_t *b)
{
	const char *want = json_string_value(json_object_get(b, "tracking_code"));
	for (size_t i = 0; i < json_array_size(a); i++)
		if (strcmp(
		        json_string_value(json_object_get(json_array_get(a, i), "tracking_code")),
		        want) == 0)
			return (long)i;
	return -1;
}

static const char *code_of(const json_t *b)
{
	return json_string_value(json_object_get(b, "tracking_code"));
}

/* Index in a of its smallest (dir -1) or largest (dir 1) tracking code. */
static size_t code_extreme(const json_t *a, int dir)
{
	size_t best = 0;
	for (size_t i = 1; i < json_array_size(a); i++)
		if (dir * strcmp(code_of(json_array_get(a, i)), code_of(json_array_get(a, best))) >
		    0)
			best = i;
	return best;
}

/* A ballot moved from one station's record into the other's, both
 * re-signed, no log changed: the receiving record has a ballot its log
 * does not (named by index), the giving station's log a ballot-cast entry
 * its record does not (named by count).  out_of_order: the receiving
 * record is written with its largest code first, then the moved ballot
 * (a smaller code), then the rest in descending order, so that every
 * lookup after the first is out of order (V-14: looked up once the
 * station is done, from its log read again) and only the moved one is
 * missing. */
static void moved_ballot_case(int out_of_order)
{
	char want[300];
	json_t *r[2] = {station_json("s1"), station_json("s2")};
	const char *sid[2] = {"s1", "s2"};
	json_t *a[2] = {json_object_get(r[0], "ballots"), json_object_get(r[1], "ballots")};
	/* from the station whose smallest code is below the other's largest */
	size_t from = strcmp(code_of(json_array_get(a[0], code_extreme(a[0], -1))),
	                     code_of(json_array_get(a[1], code_extreme(a[1], 1)))) < 0
	                  ? 0
	                  : 1,
	       to = 1 - from;
	size_t bi = code_extreme(a[from], -1), nfrom = json_array_size(a[from]), nto;
	json_t *b = json_incref(json_array_get(a[from], bi));
	json_array_remove(a[from], bi);
	json_object_set_new(json_object_get(r[from], "counts"), "cast",
	                    json_integer((json_int_t)nfrom - 1));
	resign_station(sid[from], r[from], NULL, 0);
	if (!out_of_order) {
		json_array_append(a[to], b);
		resign_station(sid[to], r[to], NULL, 0); /* sorts */
	} else {
		char kf[1400];
		note_signer ns;
		json_t *up = sorted_by_code(json_incref(a[to]));
		json_t *down = json_array();
		for (size_t i = json_array_size(up); i-- > 0;) {
			json_array_append(down, json_array_get(up, i));
			if (i == json_array_size(up) - 1)
				json_array_append(down, b); /* below the first: out of order */
		}
		json_decref(up);
		json_object_set_new(r[to], "ballots", down);
		snprintf(kf, sizeof kf, "%s/%s.key", keys, sid[to]);
		load_signer(&ns, kf);
		write_signed(rec, sid[to], r[to], &ns);
		note_signer_wipe(&ns);
	}
	nto = json_array_size(json_object_get(r[to], "ballots"));
	long k = code_index(json_object_get(r[to], "ballots"), b);
	cr_assert_geq(k, 0);
	cr_assert(!out_of_order || (k == 1 && nto >= 3));
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_BALLOTS);
	const ve_check *kb = &rep.checks[VE_BALLOTS - 1];
	snprintf(want, sizeof want,
	         "stations/%s/station-record.json: ballots[%ld]: not a ballot-cast entry of the "
	         "station's log",
	         sid[to], k);
	cr_assert_not_null(detail_with(&rep, VE_BALLOTS, want), "%s", kb->detail[0]);
	snprintf(want, sizeof want,
	         "stations/%s: the log has %zu ballot-cast entries, the record %zu valid",
	         sid[from], nfrom, nfrom - 1);
	cr_assert_not_null(detail_with(&rep, VE_BALLOTS, want), "%s", kb->detail[0]);
	/* nothing else: every other ballot was found in its log */
	cr_assert_eq(kb->failed, out_of_order ? 3u : 2u, "%zu failures: %s / %s / %s", kb->failed,
	             kb->detail[0], kb->ndetails > 1 ? kb->detail[1] : "",
	             kb->ndetails > 2 ? kb->detail[2] : "");
	if (out_of_order)
		cr_assert_not_null(detail_with(&rep, VE_BALLOTS, "not in ascending tracking-code"));
	json_decref(b);
	json_decref(r[0]);
	json_decref(r[1]);
}

Test(verify, record_ballot_not_in_its_log_and_log_cast_not_in_its_record)
{
	moved_ballot_case(0);
}

Test(verify, ballot_not_in_the_log_found_in_a_record_out_of_order)
{
	moved_ballot_case(1);
}

Test(verify, station_log_origin_not_the_rule)
{
	/* a station log whose key names another origin (A-5.2) */
	char ld[1400], msg[512] = "", vkey[NOTE_VKEY_MAX];
	note_signer ns;
	cr_assert_eq(note_signer_generate(&ns, "quorum.station/hq-ve/s1", NOTE_ALG_ED25519), Q_OK);
	json_t *r = station_json("s1");
	snprintf(ld, sizeof ld, "%s/stations/s1/log", rec);
	audit_log *old = NULL, *lg = NULL;
	cr_assert_eq(log_open(ld, LOG_RDONLY, &old, msg, sizeof msg), Q_OK, "%s", msg);
	uint64_t n = log_size(old);
	uint8_t *buf = malloc(MERKLE_MAX_ENTRY);
	char ld2[1500];
	snprintf(ld2, sizeof ld2, "%s.new", ld);
	cr_assert_eq(log_create_with_signer(ld2, &ns, &lg, msg, sizeof msg), Q_OK, "%s", msg);
	for (uint64_t i = 0; i < n; i++) {
		size_t l;
		uint64_t idx;
		cr_assert_eq(log_read_entry(old, i, buf, &l), Q_OK);
		cr_assert_eq(log_append(lg, buf, l, &idx), Q_OK);
	}
	log_close(old);
	free(buf);
	char *note = NULL;
	size_t nl;
	cr_assert_eq(log_checkpoint_sign(lg, &note, &nl), Q_OK);
	set_log_fields(r, lg, note);
	cr_assert_eq(note_verifier_format(log_vkey(lg), vkey, sizeof vkey), Q_OK);
	close_log(lg, ld2);
	sh("rm -rf '%s' && mv '%s' '%s'", ld, ld2, ld);
	json_t *lj = json_object_get(r, "log");
	json_object_set_new(lj, "vkey", json_string(vkey));
	json_object_set_new(lj, "origin", json_string("quorum.station/hq-ve/s1"));
	write_signed(rec, "s1", r, &ns);
	note_signer_wipe(&ns);
	free(note);
	json_decref(r);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_LOGS);
	dependent_fails(&rep, VE_LOGS,
	                "log.origin \"quorum.station/hq-ve/s1\" or the name of "
	                "log.vkey \"quorum.station/hq-ve/s1\" is not "
	                "\"quorum/hq-ve/station/s1\" (A-5.2)");
}

/* ---- checks added from ElectionGuard's and Belenios' lists (V-16) ---- */

/* More ballots issued than voters registered at the station (V-7). */
Test(verify, issued_more_than_registered)
{
	json_t *r = station_json("s1");
	json_object_set_new(json_object_get(r, "counts"), "registered", json_integer(3));
	resign_station("s1", r, NULL, 0);
	json_decref(r);
	ve_report rep;
	(void)first_failure(&rep);
	dependent_fails(&rep, VE_RECONCILE, "stations/s1: issued 4 but registered 3");
}

/* A challenged ballot whose opening re-encrypts but whose proof was
 * altered: check 8 verifies its proofs too (V-10). */
Test(verify, challenged_ballot_proof_fails)
{
	char msg[512];
	rec_election *el = NULL;
	ballot_style *st = NULL;
	uint8_t code[BALLOT_CODE_LEN];
	cr_assert_eq(rec_open(&el, rec, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(rec_ballot_style(el, &st, msg, sizeof msg), Q_OK);
	json_t *r = station_json("s1");
	json_t *e = json_array_get(json_object_get(r, "challenged"), 0);
	size_t len;
	uint8_t *enc = unb64(e, "ballot", &len);
	enc[4 + 8 + 130 + 175] ^= 1; /* inside v_0 of contest 0 option 0's 0/1 proof */
	ballot_tracking_code(code, st, enc, len);
	char *tc = hexs(code, 32), *bb = b64(enc, len);
	json_object_set_new(e, "tracking_code", json_string(tc));
	json_object_set_new(e, "ballot", json_string(bb));
	resign_station("s1", r, NULL, 0);
	ve_report rep;
	(void)first_failure(&rep);
	dependent_fails(&rep, VE_CHALLENGED,
	                "stations/s1/station-record.json: challenged[0]: a proof fails (B-5)");
	free(tc);
	free(bb);
	free(enc);
	json_decref(r);
	ballot_style_free(st);
	rec_free(el);
}

/* V-5.1: the result checkpoint is of the whole election log, whose last
 * entry is the result. */
Test(verify, entry_after_result_or_checkpoint_not_of_the_whole_log)
{
	char ld[1400], kf[1400], p[1400], *note = NULL;
	size_t nl;
	uint64_t idx;
	snprintf(ld, sizeof ld, "%s/log", rec);
	snprintf(kf, sizeof kf, "%s/election.key", keys);
	audit_log *lg = open_log(ld, kf);
	const char *extra = "{\"note\":\"later\",\"type\":\"publication\"}";
	cr_assert_eq(log_append(lg, extra, strlen(extra), &idx), Q_OK);
	cr_assert_eq(log_checkpoint_sign(lg, &note, &nl), Q_OK);
	close_log(lg, ld);
	ve_report rep;
	(void)first_failure(&rep);
	dependent_fails(&rep, VE_LOGS,
	                "tally/result.checkpoint: not a checkpoint of the whole "
	                "election log");
	/* re-signed at the new size: the last entry is not the result */
	snprintf(p, sizeof p, "%s/tally/result.checkpoint", rec);
	cr_assert_eq(test_write_file(p, note, nl), 0);
	(void)first_failure(&rep);
	dependent_fails(&rep, VE_LOGS, "is not a result entry (R-8.4, V-5.1)");
	free(note);
}

/* A-4.2: a verifier key splits at its first two '+' (a name has none);
 * its base64 part may hold '+' and is decoded whole. */
Test(verify, vkey_with_plus_in_base64_splits_at_the_first_two)
{
	int seen = 0;
	for (int i = 0; i < 200 && !seen; i++) {
		note_signer ns;
		note_verifier v;
		char vk[NOTE_VKEY_MAX];
		cr_assert_eq(note_signer_generate(&ns, "quorum/hq-ve/station/s1", NOTE_ALG_ED25519),
		             Q_OK);
		cr_assert_eq(note_verifier_format(&ns.pub, vk, sizeof vk), Q_OK);
		const char *b64part = strchr(strchr(vk, '+') + 1, '+') + 1;
		if (strchr(b64part, '+') != NULL) {
			seen = 1;
			cr_assert_eq(note_verifier_parse(&v, vk, strlen(vk)), Q_OK, "%s", vk);
			cr_assert_eq(memcmp(v.pk, ns.pub.pk, sizeof v.pk), 0);
			cr_assert_str_eq(v.name, "quorum/hq-ve/station/s1");
		}
		note_signer_wipe(&ns);
	}
	cr_assert(seen, "no key with '+' in its base64 in 200 tries");
}

/* V-5.3 / V-7: poll-closed has one form, with counts. */
Test(verify, poll_closed_without_counts)
{
	json_t *r = station_json("s2");
	closed_override = "closed\n";
	resign_station("s2", r, (const uint8_t *)"", 0);
	closed_override = NULL;
	json_decref(r);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_LOGS);
	dependent_fails(&rep, VE_LOGS, "stations/s2/log: entry 6: poll-closed is not \"issued <n>");
}

/* V-14: the ballots are read one at a time; one malformed entry of s1
 * (not base64) is named, and the entries after it are still verified
 * (the reader goes on): s1's other ballots pass, and the log's count is
 * one more than the record's valid ballots. */
Test(verify, malformed_entry_named_and_the_rest_verified)
{
	json_t *r = station_json("s1");
	json_t *a = json_object_get(r, "ballots");
	size_t n = json_array_size(a);
	cr_assert_gt(n, 2);
	json_object_set_new(json_array_get(a, 1), "ballot", json_string("A!"));
	resign_station("s1", r, NULL, 0);
	ve_report rep;
	cr_assert_eq(first_failure(&rep), VE_BALLOTS);
	dependent_fails(&rep, VE_BALLOTS,
	                "stations/s1/station-record.json: ballots[1]: tracking_code, ballot "
	                "missing or malformed");
	char want[160];
	snprintf(want, sizeof want,
	         "stations/s1: the log has %zu ballot-cast entries, the record %zu", n, n - 1);
	dependent_fails(&rep, VE_BALLOTS, want);
	/* ballots[2..] were verified after it: the passed items count them */
	const ve_check *k = &rep.checks[VE_BALLOTS - 1];
	cr_assert_geq(k->checked - k->failed, n - 1);
	dependent_fails(&rep, VE_AGGREGATE, "stations/s1: ballots[1] did not decode");
	json_decref(r);
}

/* ---- V-16: verification split by station ---- */

/* Run a shell command; its exit status (stdout and stderr into tmp/out). */
static int sh_status(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sh_status(char **out, const char *fmt, ...)
{
	char cmd[9000], body[7000], op[1300];
	va_list ap;
	size_t l;
	va_start(ap, fmt);
	vsnprintf(body, sizeof body, fmt, ap);
	va_end(ap);
	snprintf(op, sizeof op, "%s/out", tmp);
	snprintf(cmd, sizeof cmd, "(%s) >'%s' 2>&1 </dev/null", body, op);
	int st = system(cmd);
	cr_assert(WIFEXITED(st));
	*out = test_read_file(op, &l);
	return WEXITSTATUS(st);
}

/* The per-station jobs run by a job runner on this machine (xargs -P 2,
 * as GNU parallel or a Slurm array would run them elsewhere), each
 * writing a signed partial; combine checks them and the whole record. */
Test(verify, split_by_station_local_jobs)
{
	const char *bin = getenv("QUORUM_AUDIT");
	char *out = NULL;
	cr_assert_not_null(bin);
	int st = sh_status(&out,
	                   "cd '%s' && QUORUM_NO_PROGRESS=1 && export QUORUM_NO_PROGRESS && "
	                   "'%s' init obs --origin observer/test >/dev/null && "
	                   "printf 's1\\ns2\\n' | xargs -P 2 -I{} '%s' verify-election '%s' "
	                   "--station {} --partial {}.partial --key obs/key --threads 1 && "
	                   "'%s' combine '%s' obs/vkey s1.partial s2.partial --jobs 2",
	                   tmp, bin, bin, rec, bin, rec);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert(strstr(out, "VERIFIED") != NULL, "%s", out);
	free(out);
	/* a partial signed by another key is refused, named */
	st = sh_status(&out,
	               "cd '%s' && '%s' init other --origin observer/other >/dev/null && "
	               "'%s' combine '%s' other/vkey s1.partial s2.partial",
	               tmp, bin, bin, rec);
	cr_assert_eq(st, 2, "%s", out);
	cr_assert(strstr(out, "s1.partial: not a partial result signed by the given key") != NULL,
	          "%s", out);
	free(out);
}

/* --jobs N (issue 13: "uses N cores"; --threads N the same) on both
 * commands: accepted 1..16, refused otherwise naming the option, in
 * --help. */
Test(verify, cli_jobs_option)
{
	const char *bin = getenv("QUORUM_AUDIT");
	char *out = NULL;
	cr_assert_not_null(bin);
	static const struct {
		const char *cmd, *args; /* quorum-audit cmd RECORD args */
		int status;
		const char *needle;
	} cases[] = {
	    {"verify-election", "--jobs 2", 0, "VERIFIED"},
	    {"verify-election", "--threads 1", 0, "VERIFIED"},
	    {"verify-election", "--jobs 0", 2,
	     "--jobs (or --threads) needs an integer from 1 to 16"},
	    {"verify-election", "--jobs 17", 2, "--jobs (or --threads) needs an integer"},
	    {"verify-election", "--threads x", 2, "--jobs (or --threads) needs an integer"},
	    {"verify-election", "--help", 0, "[--jobs N]"},
	    {"combine", "--jobs 0 x y", 2, "--jobs (or --threads) needs an integer from 1 to 16"},
	    {"combine", "--help", 0, "--jobs N"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int st = sh_status(&out, "LANG=C LANGUAGE=C QUORUM_NO_PROGRESS=1 '%s' %s '%s' %s",
		                   bin, cases[i].cmd, rec, cases[i].args);
		cr_assert_eq(st, cases[i].status, "%s %s: %d: %s", cases[i].cmd, cases[i].args, st,
		             out);
		cr_assert(strstr(out, cases[i].needle) != NULL, "%s %s: no \"%s\" in: %s",
		          cases[i].cmd, cases[i].args, cases[i].needle, out);
		free(out);
	}
}

/* A station's partial result, made by the library (no signature). */
static json_t *partial_of(const char *sid)
{
	ve_opts o = {0, 0, -1, 2};
	ve_split sp = {sid, NULL, 0, NULL};
	ve_report r;
	cr_assert_eq(ve_verify_split(rec, &o, NULL, NULL, &sp, &r), Q_OK);
	cr_assert(ve_report_passed(&r), "station %s: check %d", sid, ve_report_first_failure(&r));
	cr_assert_not_null(r.partial);
	cr_assert(json_is_true(json_object_get(r.partial, "passed")));
	return r.partial;
}

static ve_report *combine(json_t *p1, json_t *p2, ve_report *r)
{
	ve_opts o = {0, 0, -1, 2};
	json_t *ps[2] = {p1, p2};
	ve_split sp = {NULL, ps, 2, NULL};
	cr_assert_eq(ve_verify_split(rec, &o, NULL, NULL, &sp, r), Q_OK);
	return r;
}

/* A partial whose sums were changed (a dishonest or broken job, signed by
 * the observer's key): they no longer add up to the published aggregate;
 * checks 6 and 10 name it. */
Test(verify, split_partial_with_a_wrong_sum)
{
	json_t *p1 = partial_of("s1"), *p2 = partial_of("s2");
	ve_report r;
	cr_assert(
	    ve_report_passed(combine(p1, p2, &r)), "check %d: %s", ve_report_first_failure(&r),
	    r.checks[ve_report_first_failure(&r) ? ve_report_first_failure(&r) - 1 : 0].detail[0]);
	/* swap s1's sums of options 0 and 1 (both halves for check 10) */
	json_t *sum = json_object_get(p1, "sum"), *xs = json_object_get(p1, "xsum");
	json_t *a = json_incref(json_array_get(sum, 0));
	json_array_set(sum, 0, json_array_get(sum, 1));
	json_array_set_new(sum, 1, a);
	for (size_t h = 0; h < 2; h++) {
		json_t *x = json_incref(json_array_get(xs, h));
		json_array_set(xs, h, json_array_get(xs, 2 + h));
		json_array_set_new(xs, 2 + h, x);
	}
	combine(p1, p2, &r);
	cr_assert_eq(ve_report_first_failure(&r), VE_AGGREGATE);
	dependent_fails(&r, VE_AGGREGATE, "selection 0: the published ciphertext is not the sum");
	dependent_fails(&r, VE_CROSSCHECK, "selection 0 differs from the libgcrypt sum");
	json_decref(p1);
	json_decref(p2);
}

/* A partial of another record of s1 (or one that did not pass) is not
 * used: the station is verified in the combine step, which says so. */
Test(verify, split_partial_of_another_record_not_used)
{
	json_t *p1 = partial_of("s1"), *p2 = partial_of("s2");
	ve_report r;
	json_object_set_new(p1, "record_sha256",
	                    json_string("00000000000000000000000000000000"
	                                "00000000000000000000000000000000"));
	json_object_set_new(p2, "passed", json_false());
	combine(p1, p2, &r);
	dependent_fails(&r, VE_BALLOTS,
	                "stations/s1: the partial result is not used: it is of another station "
	                "record (record_sha256)");
	dependent_fails(&r, VE_BALLOTS,
	                "stations/s2: the partial result is not used: its checks did not pass");
	/* both stations verified here instead: nothing else fails */
	cr_assert_eq(r.checks[VE_BALLOTS - 1].failed, 2);
	for (int id = 1; id <= VE_NCHECKS; id++)
		if (id != VE_BALLOTS)
			cr_assert_eq(r.checks[id - 1].failed, 0, "check %d: %s", id,
			             r.checks[id - 1].detail[0]);
	json_decref(p1);
	json_decref(p2);
}

/* R-8.1 and V-12 (6): a partial that combine found invalid and skipped is
 * not consumed, so check 10 does not fail the record over its signature
 * (found in review: trustee 2's partial copied over trustee 3's before
 * combine made check 10 report "the signature by trustee 3 fails"). */
Test(verify, skipped_partial_is_not_crosschecked)
{
	char dir[1400], msg[768] = "", kp[1024], pw[32], a[1600], b[1500];
	snprintf(dir, sizeof dir, "%s/keys", tmp);
	mkdir(dir, 0700);
	rec_election *el = fx_init(tmp, "skip", "hq-ve", 2, 3, NULL);
	fx_ceremony(el, tmp, "skip");
	station(tmp, el, "s1", marks, 4, 1, 4);
	station(tmp, el, "s2", marks + 5 * FX_NOPT, 2, 1, 3);
	tally_opts to = {2, 0};
	cr_assert_eq(tally_run(el, &to, msg, sizeof msg), Q_OK, "%s", msg);
	for (uint32_t i = 1; i <= 2; i++) {
		fx_key_path(kp, sizeof kp, tmp, "skip", i);
		fx_pass(i, pw, sizeof pw);
		cr_assert_eq(tally_decrypt(el, i, kp, pw, strlen(pw), NULL, NULL, msg, sizeof msg),
		             Q_OK, "%s", msg);
	}
	/* trustee 3's "partial" is trustee 2's, signature and all */
	sh("cp '%s/tally/partials/2.json' '%s/tally/partials/3.json' && "
	   "cp '%s/tally/partials/2.json.sig' '%s/tally/partials/3.json.sig'",
	   el->dir, el->dir, el->dir, el->dir);
	cr_assert_eq(tally_combine(el, NULL, msg, sizeof msg), Q_OK, "%s", msg);
	snprintf(a, sizeof a, "%s/tally/result.json", el->dir);
	json_t *res = NULL;
	cr_assert_eq(rec_read_json(a, &res, msg, sizeof msg), Q_OK, "%s", msg);
	json_t *sk = json_object_get(res, "skipped");
	cr_assert_eq(json_array_size(sk), 1, "combine skipped the copied partial");
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(sk, 0), "trustee")), 3);
	json_decref(res);
	snprintf(b, sizeof b, "%s", el->dir);
	rec_free(el);
	snprintf(a, sizeof a, "%s/log/key", b);
	unlink(a);
	ve_report r;
	ve_opts vo = {1, 0, -1, 2};
	cr_assert_eq(ve_verify(b, &vo, &r), Q_OK);
	int ff = ve_report_first_failure(&r);
	cr_assert_eq(ff, 0, "check %d: %s", ff, ff ? r.checks[ff - 1].detail[0] : "");
	cr_assert_gt(r.checks[VE_CROSSCHECK - 1].checked, 0);
}

/* ---- write-ins (check 11, V-17; record.md R-12) ---- */

/* base/wi: hq-wi, the example with 2 write-in slots in members (5 listed
 * + 2 slots, 0..3), k = 2 of 3; s1: b1, b2; s2: b3, b4 (composed
 * stations); mixed by trustees 1 and 2, decrypted by all three, combined
 * with the example roll.  Marks: director c1 c2 | m1..m5, slot 1, slot 2. */
static const uint8_t wi_marks[4 * 9] = {
    1, 0, /**/ 1, 0, 0, 0, 0, 1, 0, /* b1: m1, "Smith, John" (counted) */
    0, 1, /**/ 0, 0, 0, 0, 0, 1, 1, /* b2: 周杰 (under 18), "Smith, John" (counted) */
    1, 0, /**/ 0, 1, 0, 0, 0, 1, 0, /* b3: m2, 李四 (not on the roll) */
    1, 0, /**/ 1, 0, 1, 1, 0, 0, 0, /* b4: m1 m3 m4, no write-in */
};
static const char *const wi_names[4][2] = {
    {"Smith, John", NULL}, {"周杰", "Smith, John"}, {"李四", NULL}, {NULL, NULL}};

static void make_writein(const char *base)
{
	char p[1200], kp[1024], pw[32], msg[768] = "", dir[1200];
	static const char at[] = "\"Members\"}, \"seats\": 3,";
	char *m0 = fx_manifest("hq-wi"), *cut = strstr(m0, at);
	cr_assert_not_null(cut);
	size_t cap = strlen(m0) + 64;
	char *m = malloc(cap);
	snprintf(m, cap, "%.*s%s \"write_in\": 2,%s", (int)(cut - m0), m0, at, cut + strlen(at));
	free(m0);
	snprintf(p, sizeof p, "%s/wikeys", base);
	cr_assert_eq(mkdir(p, 0700), 0);
	rec_init_opts io = {.manifest = (const uint8_t *)m,
	                    .manifest_len = strlen(m),
	                    .roll_csv = fx_roll(),
	                    .roll_len = strlen(fx_roll()),
	                    .k = 2,
	                    .n = 3};
	snprintf(dir, sizeof dir, "%s/wi", base);
	cr_assert_eq(rec_init(dir, &io, msg, sizeof msg), Q_OK, "%s", msg);
	free(m);
	rec_election *el = NULL;
	cr_assert_eq(rec_open(&el, dir, msg, sizeof msg), Q_OK, "%s", msg);
	fx_ceremony(el, base, "wi");
	ballot_style *st = NULL;
	point *K = NULL;
	cr_assert_eq(rec_ballot_style(el, &st, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(st->total_options, 9);
	cr_assert_eq(rec_load_joint_key(el, &K, NULL, msg, sizeof msg), Q_OK, "%s", msg);
	point_table *Kt = point_table_new(K);
	uint8_t *enc[4];
	size_t len[4];
	for (size_t b = 0; b < 4; b++) {
		ballot *bb = NULL;
		cr_assert_eq(ballot_encrypt_names(st, Kt, wi_marks + 9 * b, 9, wi_names[b], 2, &bb,
		                                  NULL, msg, sizeof msg),
		             Q_OK, "%s", msg);
		cr_assert_eq(ballot_encode(bb, &enc[b], &len[b]), Q_OK);
		ballot_free(bb);
	}
	fx_station(el, "s1", enc, len, 2, 2);
	fx_station(el, "s2", enc + 2, len + 2, 2, 2);
	for (size_t b = 0; b < 4; b++)
		free(enc[b]);
	point_table_free(Kt);
	point_free(K);
	ballot_style_free(st);
	tally_opts o = {2, 0};
	cr_assert_eq(tally_run(el, &o, msg, sizeof msg), Q_OK, "%s", msg);
	for (uint32_t t = 1; t <= 2; t++) { /* R-12.2: k trustees mix */
		size_t place = 99;
		fx_key_path(kp, sizeof kp, base, "wi", t);
		fx_pass(t, pw, sizeof pw);
		cr_assert_eq(tally_mix(el, t, kp, pw, strlen(pw), &o, &place, msg, sizeof msg),
		             Q_OK, "mix %u: %s", t, msg);
		cr_assert_eq(place, t - 1);
	}
	for (uint32_t i = 1; i <= 3; i++) {
		fx_key_path(kp, sizeof kp, base, "wi", i);
		fx_pass(i, pw, sizeof pw);
		cr_assert_eq(tally_decrypt(el, i, kp, pw, strlen(pw), NULL, NULL, msg, sizeof msg),
		             Q_OK, "%s", msg);
	}
	cr_assert_eq(tally_combine_roll(el, (const uint8_t *)fx_roll(), strlen(fx_roll()), NULL,
	                                msg, sizeof msg),
	             Q_OK, "%s", msg);
	char lk[1200];
	size_t kl;
	snprintf(lk, sizeof lk, "%s/log/key", el->dir);
	char *k = test_read_file(lk, &kl);
	snprintf(p, sizeof p, "%s/wikeys/election.key", base);
	cr_assert_eq(test_write_file(p, k, kl), 0);
	free(k);
	unlink(lk);
	rec_free(el);
}

static char rollfile[1400];

static void setup_wi(void)
{
	const char *base = getenv(BASE_ENV);
	cr_assert_not_null(base);
	tmp = test_tmpdir();
	snprintf(rec, sizeof rec, "%s/rec", tmp);
	snprintf(keys, sizeof keys, "%s/wikeys", base);
	snprintf(keybase, sizeof keybase, "%s", base);
	keyname = "wi";
	sh("cp -a '%s/wi' '%s'", base, rec);
	snprintf(rollfile, sizeof rollfile, "%s/roll.csv", tmp);
	cr_assert_eq(test_write_file(rollfile, fx_roll(), strlen(fx_roll())), 0);
}

TestSuite(verify_writein, .init = setup_wi, .fini = teardown, .timeout = 1000);

/* Verify rec with (roll != NULL) or without the roll. */
static void verify_wi(ve_report *r, const char *roll)
{
	ve_opts o = {0, 1, -1, 2};
	ve_split sp = {NULL, NULL, 0, roll};
	cr_assert_eq(ve_verify_split(rec, &o, NULL, NULL, &sp, r), Q_OK);
}

/* Check 11 fails (with the roll) and one detail holds needle. */
static void wi_fails(const char *needle, const char *what)
{
	ve_report r;
	verify_wi(&r, rollfile);
	const ve_check *k = &r.checks[VE_WRITEINS - 1];
	cr_assert_gt(k->failed, 0, "%s: check 11 passed", what);
	for (size_t d = 0; d < k->ndetails; d++)
		if (strstr(k->detail[d], needle) != NULL)
			return;
	cr_assert_fail("%s: no detail of check 11 says \"%s\"; the first: %s", what, needle,
	               k->ndetails ? k->detail[0] : "(none)");
}

Test(verify_writein, clean_record_passes_and_says_what_it_did_not_check)
{
	ve_report r;
	verify_wi(&r, rollfile);
	for (int i = 0; i < VE_NCHECKS; i++)
		cr_assert_eq(r.checks[i].failed, 0, "check %d: %s", i + 1,
		             r.checks[i].ndetails ? r.checks[i].detail[0] : "");
	const ve_check *k = &r.checks[VE_WRITEINS - 1];
	cr_assert_gt(k->checked, 8);
	cr_assert_eq(k->skipped, 0);
	/* the published outcome: 2 votes for V0007, the others reported */
	json_t *res = load("tally/result.json");
	const json_t *c0 =
	    json_array_get(json_object_get(json_object_get(res, "write_ins"), "contests"), 0);
	const json_t *cand = json_array_get(json_object_get(c0, "candidates"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(cand, "id")), "write-in:V0007");
	cr_assert_eq(json_integer_value(json_object_get(cand, "votes")), 2);
	char *txt = json_dumps(c0, JSON_COMPACT);
	cr_assert(strstr(txt, "ineligible-under-18") != NULL && strstr(txt, "not-on-roll"), "%s",
	          txt);
	free(txt);
	json_decref(res);
	/* without the roll: passes, and says plainly that the matching was not
	 * checked (never a silent pass) */
	verify_wi(&r, NULL);
	cr_assert(ve_report_passed(&r));
	cr_assert_eq(k->skipped, 4, "V0007 twice, 周杰, 李四 need the roll");
	cr_assert(strstr(k->skip_reason, "matching not checked: no roll given") != NULL);
	char *text = NULL;
	size_t tl = 0;
	FILE *mf = open_memstream(&text, &tl);
	ve_report_print(mf, &r);
	fclose(mf);
	cr_assert(strstr(text, "(4 not checked: matching not checked: no roll given") != NULL &&
	              strstr(text, "NOT CHECKED: 4 items") != NULL,
	          "%s", text);
	free(text);
	/* another roll is refused by its hash */
	cr_assert_eq(test_write_file(rollfile, "id,name\n", 8), 0);
	wi_fails("is not parameters.json roll_hash", "another roll");
}

/* A mixer's output with one ciphertext altered (a re-encryption of
 * another tuple's): the statement re-signed by its trustee over the new
 * hash, so only the proof of shuffle can tell. */
Test(verify_writein, forged_shuffle_named_by_mixer_and_contest)
{
	char p[1400];
	size_t len;
	snprintf(p, sizeof p, "%s/tally/mix/contest-1/mixer-1.bin", rec);
	uint8_t *b = (uint8_t *)test_read_file(p, &len);
	cr_assert_eq(len, 4 * 6 * ELGAMAL_CT_LEN);
	memcpy(b + 3 * ELGAMAL_CT_LEN, b + 9 * ELGAMAL_CT_LEN, ELGAMAL_CT_LEN);
	cr_assert_eq(test_write_file(p, b, len), 0);
	uint8_t h[32];
	sha256(h, b, len);
	free(b);
	json_t *j = load("tally/mix/mixer-1.json");
	char *hx = hexs(h, 32);
	json_object_set_new(json_array_get(json_object_get(j, "contests"), 0), "output_sha256",
	                    json_string(hx));
	free(hx);
	store("tally/mix/mixer-1.json", j);
	json_decref(j);
	sign_as(2, "tally/mix/mixer-1.json");
	wi_fails("contest 1 (members), mixer 1 (trustee 2): the proof of shuffle fails: C-8.4",
	         "forged shuffle");
}

/* The officer's input list without one ballot's tuple. */
Test(verify_writein, dropped_tuple)
{
	char p[1400];
	size_t len;
	snprintf(p, sizeof p, "%s/tally/mix/contest-1/input.bin", rec);
	char *b = test_read_file(p, &len);
	cr_assert_eq(test_write_file(p, b, len - 6 * ELGAMAL_CT_LEN), 0);
	free(b);
	wi_fails("not the tuples of the 4 counted ballots in record order", "dropped tuple");
}

/* Trustee 2's share of one ciphertext replaced by its share of another,
 * the statement re-signed by trustee 2. */
Test(verify_writein, wrong_decryption_share_named_by_trustee)
{
	char p[1400];
	size_t len;
	snprintf(p, sizeof p, "%s/tally/mix/contest-1/partial-2.bin", rec);
	uint8_t *b = (uint8_t *)test_read_file(p, &len);
	cr_assert_eq(len, 4 * 6 * 129);
	memcpy(b + 5 * 129, b + 7 * 129, POINT_LEN);
	cr_assert_eq(test_write_file(p, b, len), 0);
	uint8_t h[32];
	sha256(h, b, len);
	free(b);
	json_t *j = load("tally/mix/partials/2.json");
	char *hx = hexs(h, 32);
	json_object_set_new(json_array_get(json_object_get(j, "contests"), 0), "shares_sha256",
	                    json_string(hx));
	free(hx);
	store("tally/mix/partials/2.json", j);
	json_decref(j);
	sign_as(2, "tally/mix/partials/2.json");
	wi_fails(
	    "trustee 2: write-in share 5 of contest 1 (members): the proof of decryption fails",
	    "wrong share");
}

/* The result counts 李四, who is not on the roll, as a vote for V0003. */
Test(verify_writein, name_not_on_the_roll_counted)
{
	json_t *res = load("tally/result.json");
	json_t *tuples = json_object_get(
	    json_array_get(json_object_get(json_object_get(res, "write_ins"), "contests"), 0),
	    "tuples");
	int done = 0;
	for (size_t j = 0; j < json_array_size(tuples); j++)
		for (size_t s = 0; s < 2; s++) {
			json_t *x = json_array_get(json_array_get(tuples, j), s);
			if (json_is_string(json_object_get(x, "name")) &&
			    strcmp(json_string_value(json_object_get(x, "name")), "李四") == 0) {
				json_object_set_new(x, "status", json_string("counted"));
				json_object_set_new(x, "candidate", json_string("write-in:V0003"));
				done = 1;
			}
		}
	cr_assert(done);
	store("tally/result.json", res);
	json_decref(res);
	relog_result();
	wi_fails("status counted for write-in:V0003, but the name \"李四\" is not-on-roll",
	         "name not on the roll counted");
}

/* The counts give V0007 three votes where two slots were counted. */
Test(verify_writein, count_that_disagrees)
{
	json_t *res = load("tally/result.json");
	json_t *cc = json_object_get(json_object_get(res, "counts"), "contests");
	int done = 0;
	for (size_t k = 0; k < json_array_size(cc); k++) {
		json_t *t = json_object_get(json_array_get(cc, k), "tally");
		if (json_object_get(t, "write-in:V0007") != NULL) {
			json_object_set_new(t, "write-in:V0007", json_integer(3));
			done = 1;
		}
	}
	cr_assert(done);
	store("tally/result.json", res);
	json_decref(res);
	relog_result();
	wi_fails("counts of members/write-in:V0007: announced 3, the counted write-ins give 2",
	         "count that disagrees");
}

/* B-9 with names: a dishonest station s2 casts two valid ballots, the
 * second carrying the first's name ciphertext (slot 2, point 1), re-proved
 * with its known nonce: every proof holds, only B-9 can tell.  Both the
 * verifier (check 4) and the tally refuse it, naming the name's place. */
Test(verify_writein, name_alpha_repeated_across_ballots)
{
	rec_election *el = NULL;
	ballot_style *st = NULL;
	point *K = NULL;
	char msg[768] = "";
	cr_assert_eq(rec_open(&el, rec, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(rec_ballot_style(el, &st, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(rec_load_joint_key(el, &K, NULL, msg, sizeof msg), Q_OK, "%s", msg);
	point_table *Kt = point_table_new(K);
	ballot *x = NULL, *y = NULL;
	ballot_opening *ox = NULL, *oy = NULL;
	cr_assert_eq(
	    ballot_encrypt_names(st, Kt, wi_marks + 9, 9, wi_names[1], 2, &x, &ox, msg, sizeof msg),
	    Q_OK, "%s", msg);
	cr_assert_eq(
	    ballot_encrypt_names(st, Kt, wi_marks + 9, 9, wi_names[1], 2, &y, &oy, msg, sizeof msg),
	    Q_OK, "%s", msg);
	/* slot 2 of members (the style's last slot): its first name point */
	cr_assert_eq(elgamal_ct_copy(y->contests[1].wi[1].ct[0], x->contests[1].wi[1].ct[0]), Q_OK);
	cr_assert_eq(scalar_copy(oy->name_nonce[2], ox->name_nonce[2]), Q_OK);
	cr_assert_eq(ballot_prove(st, Kt, y, oy), Q_OK);
	cr_assert_eq(ballot_verify(st, K, Kt, y, msg, sizeof msg), Q_OK, "%s", msg);
	uint8_t *encs[2];
	size_t lens[2];
	cr_assert_eq(ballot_encode(x, &encs[0], &lens[0]), Q_OK);
	cr_assert_eq(ballot_encode(y, &encs[1], &lens[1]), Q_OK);
	sh("rm -rf '%s/stations/s2'", rec);
	fx_station(el, "s2", encs, lens, 2, 2);
	ve_report r;
	verify_wi(&r, rollfile);
	const ve_check *k = &r.checks[VE_BALLOTS - 1];
	int found = 0;
	for (size_t d = 0; d < k->ndetails; d++)
		found |= strstr(k->detail[d], "contest 1 write-in 1 name point 0") != NULL &&
		         strstr(k->detail[d], "the same ciphertext (alpha) twice (B-9)") != NULL;
	cr_assert(found, "check 4 does not name the repeated name alpha; first: %s",
	          k->ndetails ? k->detail[0] : "(none)");
	/* the tally refuses it too (B-9.3) */
	json_t *aj = NULL;
	tally_opts o = {2, 0};
	cr_assert_eq(tally_build(el, &o, &aj, msg, sizeof msg), Q_ERR_CONSISTENCY, "%s", msg);
	cr_assert(strstr(msg, "contest 1 write-in 1 name point 0") != NULL &&
	              strstr(msg, "(B-9)") != NULL,
	          "%s", msg);
	json_decref(aj);
	free(encs[0]);
	free(encs[1]);
	ballot_opening_free(ox);
	ballot_opening_free(oy);
	ballot_free(x);
	ballot_free(y);
	point_table_free(Kt);
	point_free(K);
	ballot_style_free(st);
	rec_free(el);
}

/*
 * test_verify_election.c -- the tamper suite of `quorum-audit
 * verify-election` (audit/verify_election.h, docs/spec/verify.md).
 *
 * A real record is built once per run (before any case, in main): the
 * tally team's fixture (tests/tally/fixture.h) for init and the key
 * ceremony, two stations written exactly as quorum-ballotd writes them
 * (P-6 log entries including check-in and closing counts and challenged
 * ballots; P-7 signed record), then the library's tally, three partial
 * decryptions and combine.  The station keys and the election log key are
 * kept outside the record so that cases can play a dishonest station or
 * returning officer who re-signs what they changed.
 *
 * Every case copies the clean record into its own directory, mutates it,
 * and asserts that verification fails AND that the first failing check is
 * the one the mutation belongs to.  A clean record must pass.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit/log.h"
#include "audit/verify_election.h"
#include "election/rules.h"
#include "crypto/sig.h"
#include "crypto/util.h"
#include "fixture.h"
#include "tally/count.h"
#include "tally/decrypt.h"
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
	size_t tl = strlen(txt), gl = strlen(TALLY_RECORD_SIG_TAG);
	uint8_t *m = malloc(gl + tl), sig[SIG_LEN];
	memcpy(m, TALLY_RECORD_SIG_TAG, gl);
	memcpy(m + gl, txt, tl);
	cr_assert_eq(sig_sign(sig, &ns->sk, m, gl + tl), Q_OK);
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
	json_object_set_new(lj, "close_index", json_integer((json_int_t)log_size(lg) - 1));
	free(rh);
}

/* A station as quorum-ballotd writes it (P-6, P-7); its key is kept in
 * base/keys/<sid>.key. */
static void station(const char *base, const rec_election *el, const char *sid, const uint8_t *marks,
                    size_t n, size_t nch, uint64_t issued)
{
	char dir[1200], origin[128], msg[512] = "", vkey[NOTE_VKEY_MAX], kp[4096], txt[200];
	audit_log *lg = NULL;
	ballot_style *st = NULL;
	note_signer ns;
	cr_assert_eq(rec_ballot_style(el, &st, msg, sizeof msg), Q_OK);
	snprintf(dir, sizeof dir, "%s/stations/%s/log", el->dir, sid);
	cr_assert_eq(rec_mkdirs(dir), Q_OK);
	snprintf(origin, sizeof origin, "quorum.station/%s/%s", el->manifest->id, sid);
	cr_assert_eq(log_create(dir, origin, &lg, msg, sizeof msg), Q_OK, "%s", msg);
	fx_roll_text(el, NULL, txt, sizeof txt);
	append(lg, "quorum/v1/station/roll-imported", txt, strlen(txt));
	char *mh = hexs(el->manifest->hash, 32);
	snprintf(txt, sizeof txt, "station %s\nmanifest %s\nregistered 5\n", sid, mh);
	free(mh);
	append(lg, "quorum/v1/station/poll-opened", txt, strlen(txt));
	snprintf(txt, sizeof txt, "issued %llu\n", (unsigned long long)issued);
	append(lg, "quorum/v1/station/checkins", txt, strlen(txt));
	json_t *ballots = json_array(), *chs = json_array();
	for (size_t i = 0; i < n + nch; i++) {
		uint8_t *enc, code[BALLOT_CODE_LEN];
		size_t len;
		if (i < n) {
			fx_encrypt(el, marks + i * FX_NOPT, &enc, &len);
		} else {
			fx_challenge c;
			fx_challenge_make(el, marks + i * FX_NOPT, &c);
			enc = c.enc;
			len = c.len;
			uint8_t *pl = malloc(4 + c.len + c.oplen);
			pl[0] = (uint8_t)(c.len >> 24);
			pl[1] = (uint8_t)(c.len >> 16);
			pl[2] = (uint8_t)(c.len >> 8);
			pl[3] = (uint8_t)c.len;
			memcpy(pl + 4, c.enc, c.len);
			memcpy(pl + 4 + c.len, c.op, c.oplen);
			append(lg, "quorum/v1/station/ballot-challenged", pl, 4 + c.len + c.oplen);
			ballot_tracking_code(code, st, enc, len);
			char *tc = hexs(code, 32), *bb = b64(enc, len), *ob = b64(c.op, c.oplen);
			json_array_append_new(chs, json_pack("{s:s, s:s, s:s}", "tracking_code", tc,
			                                     "ballot", bb, "opening", ob));
			free(tc);
			free(bb);
			free(ob);
			free(pl);
			free(c.op);
			free(enc);
			continue;
		}
		append(lg, TALLY_ENTRY_CAST, enc, len);
		ballot_tracking_code(code, st, enc, len);
		char *tc = hexs(code, 32), *bb = b64(enc, len);
		json_array_append_new(ballots,
		                      json_pack("{s:s, s:s}", "tracking_code", tc, "ballot", bb));
		free(tc);
		free(bb);
		free(enc);
	}
	snprintf(txt, sizeof txt, "issued %llu\ncast %zu\nchallenged %zu\n",
	         (unsigned long long)issued, n, nch);
	append(lg, "quorum/v1/station/poll-closed", txt, strlen(txt));
	char *note = NULL;
	size_t nl;
	cr_assert_eq(log_checkpoint_sign(lg, &note, &nl), Q_OK);
	cr_assert_eq(note_verifier_format(log_vkey(lg), vkey, sizeof vkey), Q_OK);
	/* keep the key outside the record */
	snprintf(kp, sizeof kp, "%s/key", dir);
	size_t kl;
	char *k = test_read_file(kp, &kl);
	char keep[4096];
	snprintf(keep, sizeof keep, "%s/keys/%s.key", base, sid);
	cr_assert_eq(test_write_file(keep, k, kl), 0);
	cr_assert_eq(note_signer_parse(&ns, k, kl), Q_OK);
	wipe(k, kl);
	free(k);
	unlink(kp);
	point *K = NULL;
	uint8_t kb[POINT_LEN];
	cr_assert_eq(rec_load_joint_key(el, &K, NULL, msg, sizeof msg), Q_OK);
	cr_assert_eq(point_encode(kb, K), Q_OK);
	char *kh = hexs(kb, POINT_LEN), *bh = hexs(el->base_hash, 32);
	mh = hexs(el->manifest->hash, 32);
	json_t *rec =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:I, s:I, s:I, s:I},"
	              " s:o, s:o, s:{s:s, s:s}}",
	              "format", TALLY_STATION_RECORD_FORMAT, "election", el->manifest->id,
	              "station", sid, "manifest_sha256", mh, "base_hash", bh, "joint_key", kh,
	              "counts", "registered", (json_int_t)5, "issued", (json_int_t)issued, "cast",
	              (json_int_t)n, "challenged", (json_int_t)nch, "ballots", ballots,
	              "challenged", chs, "log", "origin", origin, "vkey", vkey);
	cr_assert_not_null(rec);
	json_object_set_new(rec, "checked_in", fx_checked_in(sid, issued));
	set_log_fields(rec, lg, note);
	log_close(lg);
	write_signed(el->dir, sid, rec, &ns);
	note_signer_wipe(&ns);
	json_decref(rec);
	free(note);
	free(kh);
	free(bh);
	free(mh);
	point_free(K);
	ballot_style_free(st);
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
	/* s1: 4 cast and 1 challenged of 5 issued; s2: 2 cast + 1 challenged */
	station(base, el, "s1", marks, 4, 1, 5);
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
	/* the published copy has no election log key; keep it aside */
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
	sh("cp -a '%s/rec' '%s'", base, rec);
}

static void teardown(void)
{
	test_rmtree(tmp);
	free(tmp);
}

TestSuite(verify, .init = setup, .fini = teardown, .timeout = 240);

/* Verify rec in-process; the first failing check id (0 = passed). */
static int first_failure(ve_report *r)
{
	ve_opts o = {0, 1, -1, 2};
	cr_assert_eq(ve_verify(rec, &o, r), Q_OK);
	return ve_report_first_failure(r);
}

static void expect(int want, const char *what)
{
	ve_report r;
	int got = first_failure(&r);
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

/* Rewrite a record JSON file as the tally writes it. */
static void store(const char *rel, const json_t *j)
{
	char p[1400], msg[256];
	snprintf(p, sizeof p, "%s/%s", rec, rel);
	cr_assert_eq(rec_write_json(p, j, 0, msg, sizeof msg), Q_OK, "%s", msg);
}

/* A dishonest station re-signs its (changed) record; with extra log
 * entries if given (ballot-cast payloads), its log grows first. */
static void resign_station(const char *sid, json_t *recj, const uint8_t *cast, size_t castlen)
{
	char kf[1400], ld[1400];
	note_signer ns;
	snprintf(kf, sizeof kf, "%s/%s.key", keys, sid);
	load_signer(&ns, kf);
	if (cast != NULL) {
		char *note = NULL;
		size_t nl;
		snprintf(ld, sizeof ld, "%s/stations/%s/log", rec, sid);
		audit_log *lg = open_log(ld, kf);
		append(lg, TALLY_ENTRY_CAST, cast, castlen);
		cr_assert_eq(log_checkpoint_sign(lg, &note, &nl), Q_OK);
		set_log_fields(recj, lg, note);
		free(note);
		close_log(lg, ld);
	}
	write_signed(rec, sid, recj, &ns);
	note_signer_wipe(&ns);
}

/* A dishonest returning officer logs a new result entry for the changed
 * result.json and re-signs result.checkpoint. */
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
	json_t *e = json_pack("{s:s, s:s, s:O}", "type", "result", "result_sha256", hx, "counts",
	                      json_object_get(load("tally/result.json"), "counts"));
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
	cr_assert(strstr(k4->detail[0], "stations/s1/station-record.json: ballots[0]: a proof "
	                                "fails") != NULL,
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

Test(verify, checked_in_count_differs_from_issued)
{
	/* a station lists fewer voters than it issued ballots to */
	checked_in_case("s1", fx_checked_in("s1", 4),
	                "stations/s1/station-record.json: checked_in lists 4 roll ids but "
	                "counts.issued is 5");
}

Test(verify, checked_in_unsorted)
{
	json_t *l = fx_checked_in("s1", 5);
	json_t *x = json_deep_copy(json_array_get(l, 0));
	json_array_remove(l, 0);
	json_array_append_new(l, x); /* check-in order, not sorted */
	checked_in_case("s1", l, "checked_in is not sorted: [4] \"s1-V0001\"");
}

Test(verify, checked_in_duplicate_within_a_station)
{
	json_t *l = fx_checked_in("s1", 5);
	json_array_set(l, 1, json_array_get(l, 0));
	checked_in_case("s1", l, "checked_in[1] \"s1-V0001\" appears twice");
}

Test(verify, checked_in_at_two_stations)
{
	/* s2 lists one of s1's voters (a voter who voted twice, or a stuffed
	 * ballot in a real voter's name) */
	json_t *l = fx_checked_in("s2", 2);
	json_array_insert_new(l, 0, json_string("s1-V0003"));
	checked_in_case("s2", l, "roll id s1-V0003 is checked in at two stations (s1 and s2)");
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
	snprintf(args, sizeof args, "'%s' s1-V0002", rec);
	cr_assert_eq(run_lookup(args, &out), 0, "%s", out);
	cr_assert(strstr(out, "s1-V0002 was checked in at station s1") != NULL, "%s", out);
	free(out);
	snprintf(args, sizeof args, "'%s' V9999", rec);
	cr_assert_eq(run_lookup(args, &out), 1, "%s", out);
	cr_assert(strstr(out, "V9999 was not checked in at any station (2 station records read)") !=
	              NULL,
	          "%s", out);
	free(out);
	/* one station record */
	snprintf(args, sizeof args, "'%s/stations/s2/station-record.json' s2-V0003", rec);
	cr_assert_eq(run_lookup(args, &out), 0, "%s", out);
	cr_assert(strstr(out, "station s2") != NULL, "%s", out);
	free(out);
	snprintf(args, sizeof args, "'%s' 'not an id'", rec);
	cr_assert_eq(run_lookup(args, &out), 2, "%s", out);
	free(out);
	cr_assert_eq(run_lookup("", &out), 2, "%s", out);
	free(out);
	/* a record changed after signing gives no answer (3) */
	json_t *r = station_json("s2");
	json_array_remove(json_object_get(r, "checked_in"), 0);
	store_station_unsigned("s2", r);
	json_decref(r);
	snprintf(args, sizeof args, "'%s' s1-V0002", rec);
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
	station(tmp, el, "s1", marks, 4, 1, 5);
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
